/*
 * monitor_writer - the monitor's writer thread: probe results, their daily
 * rollups, the run's heartbeat and the ledger digest of results go to the
 * store from a thread of their own, on a store connection of their own, in
 * one transaction per batch (at most one a second, or sooner when many are
 * waiting), with multi-row statements (store_monitor_write_results). The
 * event loop only appends to a queue, so a busy or full store never delays
 * a probe.
 *
 * The daily rollups (check_daily) of the results stored are summed in
 * memory and folded into the store every minute (later when many checks
 * are each probed rarely: below), at the end of a day and at stop: one
 * rewrite of a check's row per fold, not per result (at 100,000 checks
 * every result's row was in a page no longer in the cache). The node's
 * row in cluster_nodes says up to which result they are folded; the
 * results of a node that stopped without its last fold (kill -9) are
 * summed again from the store by the next monitor's writer, so a crash
 * loses no count.
 *
 * A batch that cannot be written (a full disk, a lock held elsewhere) stays
 * queued with the digest as it was and is written again a second later;
 * the queue holds at most MONITOR_WRITER_MAX results, beyond which new ones
 * are dropped and counted (logged once written again; returned by stop).
 *
 * Ownership: monitor_writer_start() returns a writer that
 * monitor_writer_stop() joins and frees. Records are copied in.
 */
#ifndef SG_MONITOR_WRITER_H
#define SG_MONITOR_WRITER_H

#include "error.h"

#define MONITOR_WRITER_MAX 65536
/* Daily rollups are folded every MONITOR_WRITER_FOLD_S seconds (readers of
 * check_daily see a day's figures that much late), or sooner with
 * MONITOR_WRITER_FOLD_MAX pending. A fold rewrites one row per check
 * pending, so with more than MONITOR_WRITER_FOLD_ROWS rows pending that
 * have fewer than MONITOR_WRITER_FOLD_PER_ROW results each on average (many
 * checks, each probed rarely) it waits until they have, for at most
 * MONITOR_WRITER_FOLD_LATE_S: a result then costs at most a fifth of a
 * row's rewrite unless the ten minutes or the memory bound come first
 * (checks rarer still, or more of them). */
#define MONITOR_WRITER_FOLD_S       60
#define MONITOR_WRITER_FOLD_MAX     131072
#define MONITOR_WRITER_FOLD_ROWS    2000
#define MONITOR_WRITER_FOLD_PER_ROW 5
#define MONITOR_WRITER_FOLD_LATE_S  600
/* A node whose heartbeat is this old and has results not folded is taken
 * for stopped: another monitor folds them. */
#define MONITOR_WRITER_DEAD_S 30

/* One probe's result as recorded: times in seconds, phases in ms (-1:
 * none), the local day of `at` (the rollup's day, computed by the caller:
 * zone conversion stays on the loop's thread). */
struct monitor_record {
	long long check_id;
	double at, latency_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, gap_s;
	int ok, status;
	char day[40];
	char error[160];
};

struct monitor_writer;
struct store;

/* Whether a fold is due by time and size: rows rollups pending, summing
 * results results, the last fold age_s ago (the rule above; a day's end and
 * a request fold at once besides). */
int monitor_writer_fold_due(size_t rows, size_t results, double age_s);

/* Starts the thread on its own connection: own (taken; closed by stop or on
 * failure) or, when NULL, db_path opened now. Heartbeats go to monitor run
 * run_id every 5 s; a check_results_digest of service's results every
 * digest_s; once an hour raw results older than their retention (successful
 * ones retention_ok_s, failures retention_fail_s) are deleted. tz: the
 * zone of the profile's days (results of a stopped node are summed again
 * into its days). log(log_arg, line) is called from the writer thread. */
enum sg_code monitor_writer_start(const char *db_path, struct store *own, long long run_id,
                                  const char *service, const char *tz, double digest_s,
                                  double retention_ok_s, double retention_fail_s,
                                  void (*log)(void *, const char *), void *log_arg,
                                  struct monitor_writer **out, struct sg_error *err);
/* The cluster as the writer's last heartbeat saw it. */
struct monitor_writer_view {
	long long beats;  /* heartbeats written so far (0: none yet) */
	int coordinator;  /* this node held the lease after the last one */
	size_t locations; /* live locations */
	long long *peers; /* live nodes of this node's location, by id (the caller frees) */
	size_t npeers;
};

/* Makes the thread this node's heartbeat (monitor_cluster.c): every second,
 * in a transaction of its own before the batch, it renews the node's
 * heartbeat and takes or renews the coordinator's lease (force: a SQLite
 * store, which the lock file keeps to one monitor), reads the live nodes,
 * and stamps each result with location and node. shards: show the node's
 * share ("2/3") in cluster status. Called once, on the loop's thread. */
void monitor_writer_cluster(struct monitor_writer *w, long long node_id, const char *location,
                            int force, int shards);
/* Copies out the last view (called on the loop's thread). */
void monitor_writer_view(struct monitor_writer *w, struct monitor_writer_view *out);

/* Queues a record (called on the loop's thread). */
void monitor_writer_add(struct monitor_writer *w, const struct monitor_record *r);
/* Asks the thread to fold the daily rollups now and waits until it has
 * (or failed to, or timeout_s passed): the hourly measured values and the
 * period-close reports read check_daily. Called off the loop. */
void monitor_writer_sync(struct monitor_writer *w, double timeout_s);
/* Writes everything queued, the final digest and the daily rollups
 * (retrying for up to `patience` seconds), stops the thread and frees w.
 * Fails when the last batch could not be written (rollups that could not
 * be are logged: the next monitor folds them); *lost receives the records
 * dropped (queue full) or never written. */
enum sg_code monitor_writer_stop(struct monitor_writer *w, double patience, long long *lost,
                                 struct sg_error *err);

#endif
