/*
 * store_monitor - the monitor's tables: checks, raw results, daily rollups,
 * state intervals (the basis of time-weighted availability), the monitor's
 * own run heartbeats, incidents, the notification outbox and follow-ups.
 * docs/internals/store.md describes every column; docs/internals/monitor.md
 * how they are used.
 *
 * Ownership: arrays returned through ** parameters are the caller's to
 * free() (and, for rows with strings, with the matching _free function).
 * Every function joins the caller's transaction if one is open.
 */
#ifndef SG_STORE_MONITOR_H
#define SG_STORE_MONITOR_H

#include <stdint.h>

#include "histogram.h"
#include "rollup.h"
#include "store.h"

/* A check's state over a stretch of time, as stored in state_intervals
 * (availability.h computes with these). */
enum avail_state {
	AVAIL_UP = 0,
	AVAIL_DOWN,
	AVAIL_DEGRADED,
	AVAIL_UNKNOWN,
};

struct avail_interval {
	double start, end; /* end: the caller closes open intervals (e.g. at now) */
	enum avail_state state;
	int confirmed;
};

/* checks */
enum sg_code store_monitor_retire_all(struct store *s, const char *service, double now,
                                      struct sg_error *err);
enum sg_code store_monitor_check_upsert(struct store *s, const char *service, const char *name,
                                        const char *kind, const char *type, const char *target,
                                        double interval_s, const char *item_id, double now,
                                        long long *id, struct sg_error *err);
/* One check as store_monitor_checks_upsert() registers it. */
struct store_monitor_check {
	const char *name, *kind, *type, *target, *item_id;
	double interval_s;
};
/* store_monitor_check_upsert() for n checks at once, in multi-row
 * statements (a round trip per 200 checks, not one per check: start-up on
 * PostgreSQL). ids[i] gets c[i]'s id; checks of one name share the row,
 * which the last of them describes (as n upserts in turn would leave it). */
enum sg_code store_monitor_checks_upsert(struct store *s, const char *service,
                                         const struct store_monitor_check *c, size_t n, double now,
                                         long long *ids, struct sg_error *err);
/* What a monitor resumes a check with when it starts. */
struct store_monitor_resume {
	double last_at;        /* its last probe (0: none) */
	long long incident_id; /* its open incident, or one it is an unrecovered member of (0) */
	long long interval_id; /* its open state interval (0: none) */
	char state[16];        /* that interval's state ("up" ...) */
	int confirmed;         /* and whether it is confirmed */
};
/* store_monitor_last_result(), _incident_open_for() (else
 * _incident_joined_by()) and _open_interval() for n checks at once: one
 * query per 200 checks, and one per node with results not yet folded. */
enum sg_code store_monitor_checks_resume(struct store *s, const long long *ids, size_t n,
                                         struct store_monitor_resume *out, struct sg_error *err);
/* Ids of the service's checks of kind (NULL: every kind), retired or not. */
enum sg_code store_monitor_check_ids(struct store *s, const char *service, const char *kind,
                                     long long **ids, size_t *n, struct sg_error *err);

/* results and daily rollups */
/* One probe's result: times in seconds (at, gap_s) and ms (-1: none). */
struct store_monitor_result {
	long long check_id;
	double at, latency_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, gap_s;
	int ok, status_code;
	const char *error;    /* NULL when ok */
	const char *day;      /* the local day of at, YYYY-MM-DD (the rollup's day) */
	const char *location; /* where it was probed from (NULL: not known) */
	long long node_id;    /* the monitor node that probed (0: not known) */
};
/* Writes n results (raw rows), in the caller's transaction, with multi-row
 * statements (a few round trips per batch, none per result). ids[i] gets
 * r[i]'s id. On PostgreSQL the day partitions the results fall in must
 * exist: store_monitor_partitions(). Their daily rollups are folded apart
 * (store_monitor_fold()). */
enum sg_code store_monitor_write_results(struct store *s, const struct store_monitor_result *r,
                                         size_t n, long long *ids, struct sg_error *err);
/* Readies s, the monitor writer's own connection, for its batches: on
 * SQLite its statement journals are kept in memory (temp_store). A 200-row
 * statement inside the writer's transaction keeps the pages it changes in
 * such a journal, so that it alone can be undone; a fold's upserts outgrew
 * SQLite's 64 KiB before it spills that journal to a temporary file, and
 * the writer wrote as many bytes there as to the WAL (docs/performance.md).
 * Nothing on PostgreSQL. */
enum sg_code store_monitor_writer_setup(struct store *s, struct sg_error *err);
/* Adds the rollups v[0..n) (sorted by (check, day), each pair once:
 * rollup_set_sorted()) to the check_daily rows, in the caller's
 * transaction. In a shared transaction (store_begin_shared()) the rows
 * must exist (store_monitor_daily_ensure()); they are locked in (check,
 * day) order while they are read and rewritten, so concurrent writers
 * neither lose a count nor deadlock. */
enum sg_code store_monitor_fold(struct store *s, const struct rollup *v, size_t n,
                                struct sg_error *err);
/* Makes the check_daily rows of v[0..n) (sorted) exist (empty: n = 0), on
 * PostgreSQL, so a shared transaction's store_monitor_fold() can lock them;
 * nothing on SQLite. In a transaction of its own (either kind), committed
 * before that one: rows it inserts stay locked until it ends. */
enum sg_code store_monitor_daily_ensure(struct store *s, const struct rollup *v, size_t n,
                                        struct sg_error *err);
/* A stored result as store_monitor_node_results() reads it back (latency
 * -1: none). */
struct store_monitor_stored {
	long long id, check_id;
	double at, latency_ms, gap_s;
	int ok;
};
/* Calls row() for each result monitor node node_id stored with an id
 * above after_id, by id (a non-zero return stops). The row is valid only
 * during the call. */
enum sg_code store_monitor_node_results(struct store *s, long long node_id, long long after_id,
                                        int (*row)(const struct store_monitor_stored *, void *),
                                        void *ctx, struct sg_error *err);
/* Makes sure results stamped up to `to` (epoch seconds) can be stored: on
 * PostgreSQL, creates the missing UTC-day partitions of check_results from
 * the day of `from` to the day after `to`'s; nothing on SQLite. *until
 * (the caller's cache, 0 at first) is the end of what exists; call again
 * only when a result passes it. In a transaction holding the writer lock
 * (store_begin()): two monitors creating one day's partition at once would
 * collide otherwise. */
enum sg_code store_monitor_partitions(struct store *s, double from, double to, double *until,
                                      struct sg_error *err);
/* Deletes at most limit raw results older than their retention: successful
 * ones before ok_before, failures before fail_before (rollups stay). On
 * PostgreSQL a day partition wholly older than both goes at once (DROP
 * TABLE, counted in *deleted) before rows are deleted one by one. */
enum sg_code store_monitor_results_expire(struct store *s, double ok_before, double fail_before,
                                          int limit, long long *deleted, struct sg_error *err);
/* Sums a check's daily rollups over the local days [from_day, to_day]
 * (YYYY-MM-DD): the histogram (histogram.h), probes, failures and the
 * largest gap between probes. */
enum sg_code store_monitor_daily_sum(struct store *s, long long check_id, const char *from_day,
                                     const char *to_day, unsigned long long hist[HISTOGRAM_BUCKETS],
                                     long long *n, long long *n_fail, double *max_gap,
                                     struct sg_error *err);
/* The time of the check's last probe (0: none): from its latest daily
 * rollup (check_daily.last_at) and the results its nodes stored after
 * their last fold (cluster_nodes.folded_upto), since no index of results
 * by check exists (it made each result's cost grow with the number of
 * checks). */
enum sg_code store_monitor_last_result(struct store *s, long long check_id, double *at,
                                       struct sg_error *err);
/* Largest gap between probes of the service's checks of kind, over the
 * local days [from_day, to_day]; *nprobes the number of probes. */
enum sg_code store_monitor_max_gap(struct store *s, const char *service, const char *kind,
                                   const char *from_day, const char *to_day, double *gap,
                                   long long *nprobes, struct sg_error *err);

/* state intervals */
enum sg_code store_monitor_interval_open(struct store *s, long long check_id, const char *state,
                                         int confirmed, double start, long long *id,
                                         struct sg_error *err);
enum sg_code store_monitor_interval_close(struct store *s, long long id, double end,
                                          struct sg_error *err);
enum sg_code store_monitor_interval_confirm(struct store *s, long long id, struct sg_error *err);
/* The check's open interval (*id 0 when none), its state ("up" ...) in
 * state[16] and whether it is confirmed. */
enum sg_code store_monitor_open_interval(struct store *s, long long check_id, long long *id,
                                         char state[16], int *confirmed, struct sg_error *err);
/* Intervals of a check that overlap [from, to), open ones ending at
 * close_at. */
enum sg_code store_monitor_intervals(struct store *s, long long check_id, double from, double to,
                                     double close_at, struct avail_interval **out, size_t *n,
                                     struct sg_error *err);
/* Where open intervals end for availability: now while a monitor runs
 * (its heartbeat is recent), else the last heartbeat. */
enum sg_code store_monitor_close_time(struct store *s, double now, double *at,
                                      struct sg_error *err);

/* runs */
enum sg_code store_monitor_run_start(struct store *s, double now, long long pid, long long *id,
                                     struct sg_error *err);
enum sg_code store_monitor_run_beat(struct store *s, long long id, double now,
                                    struct sg_error *err);
enum sg_code store_monitor_run_stop(struct store *s, long long id, double now,
                                    struct sg_error *err);
/* The last heartbeat of any earlier run (0: none). */
enum sg_code store_monitor_last_seen(struct store *s, long long except_run, double *at,
                                     struct sg_error *err);

/* incidents */
struct incident_row {
	long long id;
	char *service;
	long long check_id;
	char *check_name;
	char *target;
	char *kind;
	char *item_id;
	int pattern;
	double started_at, detected_at, resolved_at; /* resolved_at 0 while open */
	double notify_deadline_s, followup_deadline_s;
	char *summary;
	int muted;
	double followup_reminded_at;
	/* filled by store_monitor_incident_get(): */
	double first_delivered_at; /* of the first notice (0: none yet) */
	double followup_at;        /* first follow-up delivered (0: none) */
	long long nfollowups;
};
void store_monitor_incident_row_release(struct incident_row *r);
enum sg_code store_monitor_incident_open(struct store *s, struct incident_row *r,
                                         struct sg_error *err);
enum sg_code store_monitor_incident_resolve(struct store *s, long long id, double at,
                                            struct sg_error *err);
/* The open incident of a check, *id 0 when none. */
enum sg_code store_monitor_incident_open_for(struct store *s, long long check_id, long long *id,
                                             struct sg_error *err);
enum sg_code store_monitor_incident_get(struct store *s, long long id, struct incident_row *r,
                                        struct sg_error *err);
/* Incidents of service (NULL: all) detected in [from, to), newest first. */
enum sg_code store_monitor_incident_list(struct store *s, const char *service, double from,
                                         double to, struct incident_row **rows, size_t *n,
                                         struct sg_error *err);
/* Incidents whose follow-up is overdue at now and not yet reminded. */
enum sg_code store_monitor_followups_overdue(struct store *s, double now, long long **ids,
                                             size_t *n, struct sg_error *err);
enum sg_code store_monitor_followup_reminded(struct store *s, long long id, double at,
                                             struct sg_error *err);
enum sg_code store_monitor_followup_insert(struct store *s, long long incident_id, double at,
                                           const char *message, long long *id,
                                           struct sg_error *err);

/* notifications (the outbox) */
struct notification_row {
	long long id;
	long long incident_id; /* 0: none */
	char *purpose, *audience, *channel, *recipient, *lang, *subject, *body, *attachment;
	double created_at, deadline_at, next_attempt_at, delivered_at;
	int attempts;
	char *last_error;
};
void store_monitor_notification_row_release(struct notification_row *r);
enum sg_code store_monitor_notification_insert(struct store *s, const struct notification_row *r,
                                               long long *id, struct sg_error *err);
/* The columns a notification query selects, in the order
 * store_monitor_notifications_read() reads them. */
#define STORE_MONITOR_NOTIF_COLS                                                                   \
	"id, COALESCE(incident_id, 0), purpose, audience, channel, recipient, lang, subject, "     \
	"body, attachment_path, created_at, COALESCE(deadline_at, 0), next_attempt_at, "           \
	"COALESCE(delivered_at, 0), attempts, last_error"
/* Steps st (selecting STORE_MONITOR_NOTIF_COLS) to the end and finalizes it;
 * *rows is a new array the caller releases row by row and frees, also on
 * failure (the rows read so far). */
enum sg_code store_monitor_notifications_read(struct store *s, struct store_stmt *st,
                                              struct notification_row **rows, size_t *n,
                                              struct sg_error *err);
/* Of an incident (0: all), oldest first. */
enum sg_code store_monitor_notifications_of(struct store *s, long long incident_id,
                                            struct notification_row **rows, size_t *n,
                                            struct sg_error *err);
enum sg_code store_monitor_notification_attempted(struct store *s, long long id, double at, int ok,
                                                  const char *error, double next_at,
                                                  struct sg_error *err);
/* The earliest next attempt of an undelivered message (0: none). */
enum sg_code store_monitor_notification_next(struct store *s, double *at, long long *pending,
                                             struct sg_error *err);
/* First notices still undelivered past `fraction` of their deadline and not
 * yet alerted: their incident ids (one per incident). */
enum sg_code store_monitor_notifications_at_risk(struct store *s, double now, double fraction,
                                                 long long **ids, size_t *n, struct sg_error *err);
enum sg_code store_monitor_notifications_risk_alerted(struct store *s, long long incident_id,
                                                      double at, struct sg_error *err);

/* Measured delays over incidents detected in [from, to) of an incident kind,
 * not muted: the worst detection -> delivery of the first notice to each
 * recipient (undelivered ones count until now), and the worst detection ->
 * follow-up (overdue ones count until now). *n: incidents considered. */
enum sg_code store_monitor_worst_notify_delay(struct store *s, const char *service,
                                              const char *kind, double from, double to, double now,
                                              double *worst, long long *n, struct sg_error *err);
enum sg_code store_monitor_worst_followup_delay(struct store *s, const char *service, double from,
                                                double to, double now, double *worst, long long *n,
                                                struct sg_error *err);

/* components: which checks an incident involves (its own schema,
 * store_monitor_components_schema). role "member" or "suppressed" (failed
 * while a check it depends on was down; no incident, no notice of its
 * own). Rows are freed with store_monitor_incident_check_row_release() and
 * the array with free(). */
struct incident_check_row {
	long long incident_id, check_id;
	char *check_name, *component, *role, *detail;
	double joined_at, recovered_at; /* recovered_at 0: still failing */
};
enum sg_code store_monitor_incident_check_add(struct store *s, long long incident_id,
                                              long long check_id, const char *check_name,
                                              const char *component, const char *role, double at,
                                              const char *detail, struct sg_error *err);
enum sg_code store_monitor_incident_check_recovered(struct store *s, long long incident_id,
                                                    long long check_id, double at,
                                                    struct sg_error *err);
/* A component failed again within monitor.incident_window of its incident's
 * recovery: the incident is open again. */
enum sg_code store_monitor_incident_reopen(struct store *s, long long id, struct sg_error *err);
/* The open incident a check is a still-failing member of (opened or
 * joined), *id 0 when none: what a restarted monitor resumes. */
enum sg_code store_monitor_incident_joined_by(struct store *s, long long check_id, long long *id,
                                              struct sg_error *err);
/* Of an incident (0: all), in order. */
enum sg_code store_monitor_incident_checks_of(struct store *s, long long incident_id,
                                              struct incident_check_row **rows, size_t *n,
                                              struct sg_error *err);
void store_monitor_incident_check_row_release(struct incident_check_row *r);

#endif
