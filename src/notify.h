/*
 * notify - telling people, per the guideline, within its deadlines.
 *
 * Owns the profile's `notify:` section (SMTP server, recipients by audience),
 * the Japanese/English message templates, the durable outbox (every message
 * is stored in `notifications` before it is sent, retried with backoff,
 * survives restarts and kill -9, and records when it was delivered), the
 * channels (SMTP through libcurl, webhooks through libcurl, both on the
 * caller's libuv loop), follow-up reports (III.1.1.8), and the watchdogs that
 * alert managers when a first notice is at risk of missing its deadline or a
 * follow-up is overdue.
 *
 * Who is told (III.1.1.1-3, III.3.2.5): an outage goes to all_users (everyone
 * who uses the service); faults, degradations and follow-ups to
 * admin_contacts only; external-network failures and internal alerts to
 * managers.
 *
 * Ownership: notify_config_load() returns a config freed with
 * notify_config_free(); notify_start() returns a notify freed with
 * notify_free() after notify_stop()'s callback ran. Strings passed in
 * structs are borrowed for the duration of the call.
 */
#ifndef SG_NOTIFY_H
#define SG_NOTIFY_H

#include <uv.h>

#include "error.h"
#include "dynbuf.h"
#include "profile.h"
#include "store.h"

struct notify_config;

/* Reads the `notify:` section (a profile without one gives a config with no
 * recipients). The SMTP password is read from password_file, which must be
 * mode 0600 (or stricter). */
enum sg_code notify_config_load(const struct profile *p, struct notify_config **out,
                                struct sg_error *err);
void notify_config_free(struct notify_config *cfg);
/* Recipients of an audience ("all_users" ...). */
size_t notify_config_recipients(const struct notify_config *cfg, const char *audience);

enum notify_purpose {
	NOTIFY_INCIDENT_OPEN,     /* 速報: an incident was detected */
	NOTIFY_INCIDENT_RESOLVED, /* recovery */
	NOTIFY_FOLLOWUP,          /* III.1.1.8 follow-up report (text from the operator) */
	NOTIFY_DEADLINE_RISK,     /* to managers: a first notice may miss its deadline */
	NOTIFY_FOLLOWUP_OVERDUE,  /* to managers: a follow-up is overdue */
	NOTIFY_INTERNAL,          /* to managers: anything else the operators must know */
};

/* What a message is about. Times are wall-clock seconds since the epoch;
 * resolved_at is 0 while open. */
struct notify_incident {
	long long id;
	const char *service;
	int pattern;
	const char *kind; /* outage | fault | degradation | external_network */
	const char *check_name;
	const char *target; /* the URL or host:port checked */
	const char *item_id;
	double started_at;  /* first failed probe */
	double detected_at; /* confirmed: the incident opened */
	double resolved_at;
	const char *summary;      /* what is known: "HTTP 503", "connection refused" */
	double notify_deadline_s; /* the pattern's first-notice deadline, 0: none */
	double followup_deadline_s;
};

struct incident_row;
/* Fills v from a stored incident; v's strings point into r. Returns v. */
struct notify_incident *notify_incident_of(const struct incident_row *r, struct notify_incident *v);

/* Renders and stores one message per recipient of the purpose's audience, in
 * the caller's transaction if one is open, and records each in the ledger.
 * message: the follow-up or internal text (NULL otherwise). */
enum sg_code notify_enqueue(struct store *s, const struct notify_config *cfg,
                            enum notify_purpose purpose, const struct notify_incident *inc,
                            const char *message, struct sg_error *err);

/* A report to mail (issue 7): subject, body and a file to attach. */
enum sg_code notify_enqueue_report(struct store *s, const struct notify_config *cfg,
                                   const char *audience, const char *subject, const char *body,
                                   const char *attachment_path, struct sg_error *err);

struct notify;

/* Starts delivering due messages on loop (and watching deadlines). Errors
 * of the store while running are passed to log (may be NULL). */
enum sg_code notify_start(uv_loop_t *loop, struct store *s, const struct notify_config *cfg,
                          void (*log)(void *arg, const char *line), void *log_arg,
                          struct notify **out, struct sg_error *err);
/* Replaces the configuration (SIGHUP); cfg must outlive the notify. */
void notify_set_config(struct notify *n, const struct notify_config *cfg);
/* Looks at the outbox now instead of at the next timer (call after enqueue). */
void notify_kick(struct notify *n);
/* Number of messages neither delivered nor given up. */
long long notify_pending(struct notify *n);
/* Stops taking new work, lets in-flight deliveries finish, then calls done.
 * With drain, it first delivers (tries once) every message due now. */
void notify_stop(struct notify *n, int drain, void (*done)(void *arg), void *arg);
void notify_free(struct notify *n);

/* The audience of a purpose for an incident kind, per the guideline. */
const char *notify_audience(enum notify_purpose purpose, const char *kind);
const char *notify_purpose_name(enum notify_purpose purpose);

/* Renders a message: subject and body (caller releases both buffers).
 * lang: "ja" or "en"; tz: the zone times are shown in. */
void notify_render(enum notify_purpose purpose, const struct notify_incident *inc,
                   const char *message, const char *lang, const char *tz, const char *status_url,
                   struct dynbuf *subject, struct dynbuf *body);
/* A full RFC 5322 message: UTF-8 subject (RFC 2047), base64 UTF-8 body,
 * an optional attachment (multipart/mixed). */
enum sg_code notify_mime(const char *from, const char *to, const char *subject, const char *body,
                         const char *attachment_path, double date, struct dynbuf *out,
                         struct sg_error *err);
/* Seconds until the next attempt after `attempts` failed ones: initial *
 * 2^(attempts-1), at most max, spread by +-10% with r in [0, 1). */
double notify_backoff(int attempts, double initial, double max, double r);

/* Records a follow-up report (III.1.1.8) of an incident: the text in
 * followups, followup_recorded in the ledger and one message per admin
 * contact in the outbox, in one transaction; the running monitor delivers
 * them. */
enum sg_code notify_followup_record(struct store *s, const struct notify_config *cfg,
                                    long long incident_id, const char *message, double now,
                                    long long *followup_id, struct sg_error *err);

#endif
