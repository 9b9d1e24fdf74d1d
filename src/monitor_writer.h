/*
 * monitor_writer - the monitor's writer thread: probe results, their daily
 * rollups, the run's heartbeat and the ledger digest of results go to the
 * store from a thread of their own, on a store connection of their own, in
 * one transaction per batch (at most one a second, or sooner when many are
 * waiting), with multi-row statements (store_monitor_write_results). The
 * event loop only appends to
 * a queue, so a busy or full store never delays a probe.
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

/* Starts the thread on its own connection: own (taken; closed by stop or on
 * failure) or, when NULL, db_path opened now. Heartbeats go to monitor run
 * run_id every 5 s; a check_results_digest of service's results every
 * digest_s; once an hour raw results older than their retention (successful
 * ones retention_ok_s, failures retention_fail_s) are deleted. log(log_arg, line) is called from
 * the writer thread. */
enum sg_code monitor_writer_start(const char *db_path, struct store *own, long long run_id,
                                  const char *service, double digest_s, double retention_ok_s,
                                  double retention_fail_s, void (*log)(void *, const char *),
                                  void *log_arg, struct monitor_writer **out, struct sg_error *err);
/* Queues a record (called on the loop's thread). */
void monitor_writer_add(struct monitor_writer *w, const struct monitor_record *r);
/* Writes everything queued and the final digest (retrying for up to
 * `patience` seconds), stops the thread and frees w. Fails when the last
 * batch could not be written; *lost receives the records dropped (queue
 * full) or never written. */
enum sg_code monitor_writer_stop(struct monitor_writer *w, double patience, long long *lost,
                                 struct sg_error *err);

#endif
