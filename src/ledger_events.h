/*
 * ledger_events - every payload saasguard records in the evidence ledger,
 * in one place: the entry types (ledger_events_types) and one function per
 * type that builds its payload and appends it with ledger_append() (so it
 * joins the caller's transaction). Auditors read these payloads; their
 * fields are documented in docs/internals/ledger.md ("Entry types"), and a
 * field changes only together with that table. Arguments are plain values
 * (names, numbers, raw SHA-256 digests, hex-encoded here), so no recording
 * module's types leak into the ledger.
 *
 * Ownership: strings and arrays are borrowed unless a parameter says
 * "stolen" (the reference passes to the function, also on failure).
 * *seq (may be NULL) receives the entry's sequence number.
 */
#ifndef SG_LEDGER_EVENTS_H
#define SG_LEDGER_EVENTS_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "ledger.h"
#include "store.h"

/* Every entry type, NULL-terminated, in the order of the documentation. */
extern const char *const ledger_events_types[];
/* 1 when type is one of ledger_events_types. */
int ledger_events_type_known(const char *type);
/* The type's name for people in lang (the type itself when unknown). */
const char *ledger_events_label(const char *type, int lang);
/* A one-line summary of an entry's payload for people (the `ledger show`
 * index), in lang (SG_LANG_JA / SG_LANG_EN); caller frees. */
char *ledger_events_summary(const char *type, json_t *payload, int lang);

/* `assess --db`: the profile judged and the assessment's summary (stolen). */
enum sg_code ledger_events_assessment(struct store *s, const char *profile_path,
                                      const unsigned char profile_sha256[LEDGER_HASH_LEN],
                                      const char *service, int pattern, json_t *summary,
                                      struct sg_error *err);

/* name: the file's name as the user gave it (the web's upload), or NULL
 * (the CLI: file is that name), then the payload has no "name". */
struct ledger_events_evidence {
	const char *file;
	const char *sha256_hex;
	long long bytes;
	const char *name;
};
/* `attest` and the web's attest form: who attested what, with the evidence
 * files' digests. via: where it came from ("web"), or NULL (the CLI), then
 * the payload has no "via". */
enum sg_code ledger_events_attestation(struct store *s, const char *control, const char *note,
                                       const char *by, const char *via,
                                       const struct ledger_events_evidence *evidence, size_t n,
                                       long long *seq, struct sg_error *err);

/* One collector result (for ledger_events_measurements()); value, unit,
 * item, subject and evidence may be NULL. */
json_t *ledger_events_measurement(long long id, const char *collector, const char *item,
                                  const char *subject, const char *status, const char *value,
                                  const char *unit, double at, const char *evidence);
/* `check`: the collectors' results (an array of the above, stolen). */
enum sg_code ledger_events_measurements(struct store *s, const char *service, int pattern,
                                        json_t *results, long long *seq, struct sg_error *err);

/* The monitor. */
enum sg_code ledger_events_monitor_started(struct store *s, long long run, const char *service,
                                           const char *profile,
                                           const unsigned char profile_sha256[LEDGER_HASH_LEN],
                                           int pattern, long long checks, int once,
                                           struct sg_error *err);
/* lost_results: results dropped while the store could not be written. */
enum sg_code ledger_events_monitor_stopped(struct store *s, long long run, const char *service,
                                           long long probes, long long lost_results,
                                           struct sg_error *err);
enum sg_code ledger_events_check_state(struct store *s, const char *service, const char *check,
                                       long long check_id, const char *kind, const char *from,
                                       const char *to, int confirmed, double at, const char *detail,
                                       struct sg_error *err);
enum sg_code ledger_events_check_results_digest(struct store *s, const char *service,
                                                long long first, long long last, long long count,
                                                long long failures,
                                                const unsigned char sha256[LEDGER_HASH_LEN],
                                                double at, struct sg_error *err);
/* incident_opened records target only as target_sha256 (hex SHA-256 of its
 * text): the entry is published on the status page as a proof's text. */
struct ledger_events_incident {
	long long id;
	const char *service, *check, *target, *kind, *item, *summary;
	double started_at, detected_at, notify_deadline_s, followup_deadline_s;
	int muted;
};
enum sg_code ledger_events_incident_opened(struct store *s, const struct ledger_events_incident *i,
                                           struct sg_error *err);
enum sg_code ledger_events_incident_resolved(struct store *s, long long id, const char *service,
                                             const char *check, double resolved_at,
                                             double duration_s, struct sg_error *err);
/* values: the measured values written (borrowed). */
enum sg_code ledger_events_monitor_measurements(struct store *s, const char *service, double from,
                                                double to, json_t *values, struct sg_error *err);
/* `incident followup` and the web's follow-up form. by: the web user who
 * sent it, or NULL (the CLI), then the payload has no "by". */
enum sg_code ledger_events_followup_recorded(struct store *s, long long incident,
                                             const char *message, double delay_s,
                                             long long recipients, const char *by,
                                             struct sg_error *err);

/* Notifications (notify.c). error may be NULL; channel is email, webhook or
 * a chat channel's name. */
enum sg_code ledger_events_notification_queued(struct store *s, long long id, long long incident,
                                               const char *purpose, const char *audience,
                                               const char *channel, const char *recipient,
                                               const char *subject, struct sg_error *err);
enum sg_code ledger_events_notification_attempt(struct store *s, long long id, long long attempt,
                                                int ok, const char *error, double seconds,
                                                struct sg_error *err);
/* merged: the ids of earlier notices this one replaced (may be NULL). */
enum sg_code ledger_events_notification_delivered(struct store *s, long long id, long long incident,
                                                  const char *purpose, const char *recipient,
                                                  double delivered_at, double since_created_s,
                                                  const long long *merged, size_t nmerged,
                                                  struct sg_error *err);
/* A first notice rewritten into the merged one before it went out. */
enum sg_code ledger_events_notification_rewritten(struct store *s, long long id, long long incident,
                                                  const char *reason, const char *subject,
                                                  struct sg_error *err);

/* Reports. lang is "ja" or "en". */
enum sg_code ledger_events_report(struct store *s, const char *service, int pattern,
                                  const char *period, const char *audience, const char *format,
                                  const char *path, const unsigned char sha256[LEDGER_HASH_LEN],
                                  long long bytes, const char *lang, const char *by,
                                  struct sg_error *err);
enum sg_code ledger_events_report_mailed(struct store *s, const char *service, const char *period,
                                         const char *audience, const char *group, const char *path,
                                         const char *sha256_hex, long long recipients,
                                         const char *subject, struct sg_error *err);

/* The web server (serve). */
enum sg_code ledger_events_maintenance_announced(struct store *s, const char *service, double start,
                                                 double end, const char *note, const char *by,
                                                 long long recipients, struct sg_error *err);
/* The monitor's maintenance job (monitor_jobs.c): the start and end notices
 * of a window went to `recipients` users (the announcement is
 * maintenance_announced, by "monitor"). */
enum sg_code ledger_events_maintenance_started(struct store *s, const char *service, double start,
                                               double end, const char *note, long long recipients,
                                               struct sg_error *err);
enum sg_code ledger_events_maintenance_ended(struct store *s, const char *service, double start,
                                             double end, const char *note, long long recipients,
                                             struct sg_error *err);
enum sg_code ledger_events_web_login(struct store *s, const char *user, const char *role,
                                     const char *address, struct sg_error *err);
enum sg_code ledger_events_web_logout(struct store *s, const char *user, struct sg_error *err);

/* Verification of the ledger itself (ledger_check.h): `ledger verify
 * --record`, the monitor's daily run, the dashboard's "verify now". by:
 * "cli", "monitor" or the web user. head_*: the latest head the entries were
 * found to hash to (head_root NULL: none). On a failure, error says what is
 * wrong and first_bad..last_bad the entries it names (-1: not about
 * entries). */
struct ledger_events_verification {
	int ok;
	long long entries, recomputed, heads, checkpoints;
	long long head_number, head_size;
	const unsigned char *head_root;
	long long first_bad, last_bad;
	const char *error;
	double seconds;
	const char *by;
};
enum sg_code ledger_events_ledger_verified(struct store *s,
                                           const struct ledger_events_verification *v,
                                           long long *seq, struct sg_error *err);
/* A ledger export downloaded from the web (zip of `ledger export`'s
 * directory): the period asked for (ms; from_ms LLONG_MIN / to_ms
 * LLONG_MAX: open, then null), the entries [first_seq, end_seq), the head's
 * size, the zip's SHA-256 and size, and the user. */
enum sg_code ledger_events_ledger_exported(struct store *s, long long from_ms, long long to_ms,
                                           long long first_seq, long long end_seq,
                                           long long tree_size, int timestamped,
                                           const char *sha256_hex, long long bytes, const char *by,
                                           struct sg_error *err);

/* Accounts (`user`, `token`). by: who ran the command. token: its name,
 * never the secret. */
enum sg_code ledger_events_web_user_added(struct store *s, const char *user, const char *role,
                                          const char *by, struct sg_error *err);
enum sg_code ledger_events_web_user_password_changed(struct store *s, const char *user,
                                                     const char *by, struct sg_error *err);
enum sg_code ledger_events_web_user_removed(struct store *s, const char *user, const char *by,
                                            struct sg_error *err);
enum sg_code ledger_events_web_token_added(struct store *s, const char *token, const char *role,
                                           const char *by, struct sg_error *err);
enum sg_code ledger_events_web_token_revoked(struct store *s, const char *token, const char *by,
                                             struct sg_error *err);

#endif
