/*
 * monitor - the monitoring engine: one libuv loop runs every check (HTTP
 * through libcurl multi, TCP connects, unprivileged ICMP echo), on
 * schedules spread with jitter and kept on the monotonic clock; records
 * results in wall-clock time; turns `confirm` consecutive failures into an
 * incident and a recovery into its end; writes state intervals, daily
 * rollups and its own heartbeat; hands notifications to the notify's
 * durable outbox; and writes the measured values the assessment reads
 * (III.1.1.1.a ... III.2.1.1.a, III.3.2.5.a) through store_collect_insert().
 *
 * Ledger events (each in the same transaction as what it records):
 * monitor_started, monitor_stopped, check_state, check_results_digest,
 * incident_opened, incident_resolved, monitor_measurements (notify adds
 * notification_queued, notification_attempt, notification_delivered).
 *
 * Ownership: monitor_run() owns everything it creates and frees it before
 * returning; the store and catalog are borrowed.
 */
#ifndef SG_MONITOR_H
#define SG_MONITOR_H

#include "catalog.h"
#include "error.h"
#include "monitor_config.h"
#include "store.h"

struct monitor_opts {
	int once;  /* run every check once (confirming failures), deliver, measure, exit */
	int stats; /* log scheduling statistics at exit */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* Runs until SIGTERM/SIGINT (or, with once, until done). SIGHUP reloads
 * profile_path; a bad file keeps the running configuration and logs why. */
enum sg_code monitor_run(const char *profile_path, const struct catalog *cat, struct store *s,
                         const struct monitor_opts *opts, struct sg_error *err);

/* Takes the store's monitor lock: an fcntl write lock on DB_PATH.monitor.lock
 * (created 0600), held while *fd stays open (close it to release; it also
 * goes with the process). A second monitor on the same store gets
 * SG_ERR_EXISTS with a message naming the running one's pid. */
enum sg_code monitor_lock(const char *db_path, int *fd, struct sg_error *err);

#endif
