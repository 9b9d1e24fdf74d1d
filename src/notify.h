/*
 * notify - telling people, per the guideline, within its deadlines.
 *
 * Owns the profile's `notify:` and `provider:` sections (SMTP server,
 * recipients by audience on any channel, the provider as its customers know
 * it), rendering through the templates (notify_template.h: the provider's
 * voice, no internal names in what customers read), the durable outbox
 * (every message is stored in `notifications` before it is sent, retried
 * with backoff, survives restarts and kill -9, records when it was
 * delivered, and keeps one incident's messages in order per recipient; a
 * first notice overtaken by its recovery goes out as one merged message),
 * the channels (SMTP with STARTTLS required by default, and the HTTP
 * channels of notify_channels.h, on the caller's libuv loop, each route with
 * its own share of transfers in flight), follow-up reports (III.1.1.8),
 * maintenance notices (announcement, start, end: to all_users), and the
 * watchdogs that alert managers when a first notice is at risk of
 * missing its deadline or a follow-up is overdue.
 *
 * Who is told (III.1.1.1-3, III.3.2.5): an outage goes to all_users (everyone
 * who uses the service); faults, degradations and follow-ups to
 * admin_contacts; external-network failures and internal alerts to
 * managers, who also hear of every outage and fault (and, when subscribed
 * with `events:`, degradations).
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

enum notify_purpose {
	NOTIFY_INCIDENT_OPEN,     /* 速報: an incident was detected */
	NOTIFY_INCIDENT_RESOLVED, /* recovery */
	NOTIFY_FOLLOWUP,          /* III.1.1.8 follow-up report (text from the operator) */
	NOTIFY_DEADLINE_RISK,     /* to managers: a first notice may miss its deadline */
	NOTIFY_FOLLOWUP_OVERDUE,  /* to managers: a follow-up is overdue */
	NOTIFY_INTERNAL,          /* to managers: anything else the operators must know */
};

enum notify_starttls {
	NOTIFY_STARTTLS_REQUIRED = 0, /* the default: no STARTTLS, no mail */
	NOTIFY_STARTTLS_OFF,
	NOTIFY_STARTTLS_OPPORTUNISTIC,
};

/* Reads the `notify:` and `provider:` sections and the checks' `label:`
 * (a profile without them gives a config with no recipients). Secrets (the
 * SMTP password, tokens, HMAC keys, URLs that are credentials) are read from
 * files that must be mode 0600 (or stricter). */
enum sg_code notify_config_load(const struct profile *p, struct notify_config **out,
                                struct sg_error *err);
void notify_config_free(struct notify_config *cfg);
/* Recipients of an audience ("all_users" ...). */
size_t notify_config_recipients(const struct notify_config *cfg, const char *audience);
/* The provider's name as its customers know it (`provider.name`; NULL:
 * none given). */
const char *notify_config_provider_name(const struct notify_config *cfg, int en);
/* A check's customer-facing label (NULL: none given). */
const char *notify_config_label(const struct notify_config *cfg, const char *check, int en);

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

/* A periodic report to mail with its PDF attached: the customer report
 * (report_users) or the manager summary (report_managers), in each
 * recipient's language. Strings are borrowed; [0] Japanese, [1] English. */
struct notify_report {
	const char *audience; /* "admin_contacts" | "managers" ... */
	int managers;         /* the manager summary */
	const char *period[2], *span[2];
	const char *file, *sha256, *attachment_path;
};
enum sg_code notify_enqueue_report(struct store *s, const struct notify_config *cfg,
                                   const struct notify_report *r, struct sg_error *err);
/* Renders the report mail for one recipient (name: its 宛名, NULL: by
 * audience). */
void notify_render_report(const struct notify_config *cfg, const struct notify_report *r,
                          const char *lang, const char *name, struct dynbuf *subject,
                          struct dynbuf *body);

struct notify;

/* Starts delivering due messages on loop (and watching deadlines). Errors
 * of the store while running are passed to log (may be NULL). */
enum sg_code notify_start(uv_loop_t *loop, struct store *s, const struct notify_config *cfg,
                          void (*log)(void *arg, const char *line), void *log_arg,
                          struct notify **out, struct sg_error *err);
/* Replaces the configuration (SIGHUP); cfg must outlive the notify. */
void notify_set_config(struct notify *n, const struct notify_config *cfg);
/* Several monitors on one store: a paused notify delivers nothing and
 * watches no deadline (only the coordinator delivers), and each message is
 * claimed for node before it is sent (store_notify_claim()), so two
 * monitors never send the same message at once. */
void notify_pause(struct notify *n, int paused);
void notify_claimant(struct notify *n, long long node);
/* Looks at the outbox now instead of at the next timer (call after enqueue). */
void notify_kick(struct notify *n);
/* Stops taking new work, lets in-flight deliveries finish, then calls done.
 * With drain, it first delivers (tries once) every message due now. */
void notify_stop(struct notify *n, int drain, void (*done)(void *arg), void *arg);
void notify_free(struct notify *n);

/* Renders a message for a recipient of audience: subject and body
 * (appended; the caller releases both buffers). lang: "ja" or "en". */
void notify_render(const struct notify_config *cfg, enum notify_purpose purpose,
                   const struct notify_incident *inc, const char *message, const char *audience,
                   const char *lang, struct dynbuf *subject, struct dynbuf *body);
/* The one message that replaces a first notice overtaken by its recovery. */
void notify_render_merged(const struct notify_config *cfg, const struct notify_incident *inc,
                          const char *audience, const char *lang, struct dynbuf *subject,
                          struct dynbuf *body);

/* A maintenance window as its notices describe it (times: epoch seconds;
 * started_at/ended_at 0 until known; note and affected may be NULL). */
struct notify_maintenance {
	double start, end, started_at, ended_at;
	const char *note, *affected;
};
/* Renders maintenance_announce, maintenance_start or maintenance_end. */
void notify_render_maintenance(const struct notify_config *cfg, const char *tmpl,
                               const struct notify_maintenance *mw, const char *audience,
                               const char *lang, struct dynbuf *subject, struct dynbuf *body);
/* How long before a maintenance window its announcement goes out
 * (`notify.maintenance.announce_before`, default 72 hours). */
#define NOTIFY_MAINTENANCE_ANNOUNCE_BEFORE (72 * 3600.0)
double notify_config_maintenance_announce_before(const struct notify_config *cfg);
/* Queues notice ("maintenance_announce", "maintenance_start" or
 * "maintenance_end", also the outbox purpose) for every recipient of
 * all_users in its language (in the caller's transaction if one is open);
 * *recipients (may be NULL): how many. Used by `saasguard serve` and the
 * monitor's maintenance job (monitor_jobs.c). */
enum sg_code notify_enqueue_maintenance(struct store *s, const struct notify_config *cfg,
                                        const char *notice, const struct notify_maintenance *mw,
                                        long long *recipients, struct sg_error *err);
/* A full RFC 5322 message: From with the provider's name, Message-ID in the
 * From address's domain, UTF-8 subject (RFC 2047), base64 UTF-8 body, an
 * optional attachment (multipart/mixed). */
enum sg_code notify_mime(const char *from_name, const char *from, const char *to,
                         const char *subject, const char *body, const char *attachment_path,
                         double date, struct dynbuf *out, struct sg_error *err);
/* The same with a stable Message-ID <key@domain> (key NULL: a random one):
 * the outbox's idempotency key, the same on every retry and from every
 * monitor, so a receiver can drop a repeat of an at-least-once delivery. */
enum sg_code notify_mime_keyed(const char *from_name, const char *from, const char *to,
                               const char *subject, const char *body, const char *attachment_path,
                               double date, const char *key, struct dynbuf *out,
                               struct sg_error *err);
/* Seconds until the next attempt after `attempts` failed ones: initial *
 * 2^(attempts-1), at most max, spread by +-10% with r in [0, 1). */
double notify_backoff(int attempts, double initial, double max, double r);

/* Records a follow-up report (III.1.1.8) of an incident: the text in
 * followups, followup_recorded in the ledger and one message per admin
 * contact in the outbox, in one transaction; the running monitor delivers
 * them. `incident followup` and the web's follow-up form both call it; by
 * is the web user who sent it (the ledger entry's "by"), NULL from the CLI.
 * SG_ERR_NOT_FOUND when there is no such incident. */
enum sg_code notify_followup_record(struct store *s, const struct notify_config *cfg,
                                    long long incident_id, const char *message, double now,
                                    const char *by, long long *followup_id, struct sg_error *err);

#endif
