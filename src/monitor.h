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

struct profile;
struct notify_config;
struct ledger_config;
struct ledger_signer;

/* What a job beside probing sees when it runs: the loop's store connection
 * (outside any transaction) and the running configuration, all borrowed. */
struct monitor_job_ctx {
	struct store *s;
	const struct catalog *cat;
	const char *profile_path;
	const struct monitor_config *cfg;
	const struct notify_config *ncfg;
	const struct ledger_config *lcfg;
	double now;
	int lang;
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* A job the daemon runs beside probing (the period-close reports:
 * daemon_reports.h). The engine knows nothing of what it does: it loads the
 * job's configuration with the profile (start and SIGHUP: load() returns a
 * new configuration, handed to swap() once the whole profile loaded or to
 * drop() when it did not), runs it hourly (first a minute after start; on
 * a thread of its own at a lower CPU priority, with a store connection of
 * its own in ctx->s: run() must not touch the loop) and at the end of
 * --once before the outbox drains (on the loop), and calls shutdown() at
 * the end, after every run returned. run() returns 1 when it queued
 * messages (the outbox is kicked on the loop). */
struct monitor_job {
	enum sg_code (*load)(void *arg, const struct profile *p, const char *base, void **cfg,
	                     struct sg_error *err);
	void (*swap)(void *arg, void *cfg);
	void (*drop)(void *arg, void *cfg);
	int (*run)(void *arg, const struct monitor_job_ctx *ctx);
	void (*shutdown)(void *arg);
	void *arg;
};

struct monitor_opts {
	int once;  /* run every check once (confirming failures), deliver, measure, exit */
	int stats; /* log scheduling statistics at exit */
	void (*log)(void *arg, const char *line);
	void *log_arg;
	const struct monitor_job *job; /* NULL: none */
	/* Opened before privileges were given up (ledger_signer_open_for());
	 * NULL: sealing opens the key file each time. */
	struct ledger_signer *signer;
	/* A second connection to the same store for the writer thread, opened
	 * before privileges were given up; monitor_run() takes it (closes it).
	 * NULL: the writer opens its own. */
	struct store *writer_store;
	/* This monitor's location (`--location`; NULL: the host name). Monitors
	 * in several locations on one store agree before an incident opens
	 * (docs/internals/cluster.md). */
	const char *location;
	/* When the first hourly work runs, in ms after start; 0: a minute. Only
	 * the tests change it (SAASGUARD_TEST_HOURLY_FIRST_MS, docs/testing.md). */
	unsigned first_hourly_ms;
};

/* Runs until SIGTERM/SIGINT (or, with once, until done). SIGHUP reloads
 * profile_path; a bad file keeps the running configuration and logs why. */
enum sg_code monitor_run(const char *profile_path, const struct catalog *cat, struct store *s,
                         const struct monitor_opts *opts, struct sg_error *err);

/* Whether this process may open an unprivileged ICMP socket (the kernel's
 * net.ipv4.ping_group_range includes its group). */
int monitor_icmp_allowed(void);

/* Takes the store's monitor lock: an fcntl write lock on DB_PATH.monitor.lock
 * (created 0600), held while *fd stays open (close it to release; it also
 * goes with the process). A second monitor on the same store gets
 * SG_ERR_EXISTS with a message naming the running one's pid. */
enum sg_code monitor_lock(const char *db_path, int *fd, struct sg_error *err);

#endif
