/*
 * monitor_engine - the monitoring engine's shared state, for the monitor*.c
 * files only (the engine's API is monitor.h). The engine is split by
 * concern, as Redis splits its server: monitor.c (run, signals, timers,
 * stop), monitor_schedule.c (due times, heap, timer), monitor_probe.c
 * (HTTP/TCP/ICMP probes), monitor_record.c (the state machine, incidents),
 * monitor_writer.c (results to the store on a thread), monitor_reload.c
 * (configuration, SIGHUP), monitor_jobs.c (sealing, the job beside probing)
 * and monitor_measure.c (measured values for the assessment).
 *
 * Ownership: struct monitor is created and freed by monitor_run(); every
 * pointer in it is owned by it unless marked borrowed.
 */
#ifndef SG_MONITOR_ENGINE_H
#define SG_MONITOR_ENGINE_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>
#include <uv.h>

#include "catalog.h"
#include "cluster.h"
#include "dynbuf.h"
#include "ledger.h"
#include "monitor_config.h"
#include "notify.h"
#include "store.h"

struct monitor_opts; /* monitor.h */

#define MAX_INFLIGHT 1024
#define BODY_MAX     (256 * 1024)
#define APPLY_MS     200

enum rt_state {
	RT_NONE = 0, /* no probe yet in this run */
	RT_UP,
	RT_FAILING, /* failed, not yet confirmed */
	RT_CONFIRMED,
};

struct check_rt {
	const struct check_def *def;
	long long id;
	double due; /* monotonic ms */
	enum rt_state state;
	int fails;
	int busy;
	int resolving; /* a name lookup of this check has not returned yet */
	int done_once;
	int probed;      /* a probe completed in this run (--stats) */
	int sched_fails; /* consecutive failures as the schedule sees them */
	long long interval_id;
	long long incident_id;
	double first_fail_at;
	double last_at;      /* wall clock of the last probe (gap) */
	double resume_at;    /* the last probe of an earlier run (restart rule) */
	long long resume_id; /* an interval left open by an earlier run */
	char resume_state[16];
	/* The failure that opened the current down interval was an error, not
	 * slowness: a performance check's HTTP error or refused connection is
	 * a fault of its component, not a degradation. */
	int hard;
	/* Confirmed while a check it depends on was down: no incident of its
	 * own; recorded in incident_checks of sup_incident (0: the
	 * dependency's incident has not opened yet; sup_dep names it). */
	int suppressed;
	long long sup_incident;
	size_t sup_dep;
	/* The last incident this check was part of and when it was resolved
	 * (monitor.incident_window: a failure soon after reopens it). */
	long long last_incident;
	double last_resolved_at;
	/* monitor_cluster.c: this location's own view of the check (its
	 * consecutive failures, its confirmed state as published, -1 before
	 * the first probe), the other live locations' states as the last
	 * agreement pass read them, and the verdict last handed to the agreed
	 * state machine above (-1: none since this node coordinates). */
	int loc_fails;
	int loc_state;
	double loc_since;
	char loc_detail[160]; /* the failure it published ("" when up) */
	int oth_failing, oth_confirmed, oth_seen;
	char oth_detail[160];
	int fed;
	/* monitor.jgen when this check was saved in monitor.jr (rollback) */
	unsigned jgen;
};

/* A check's runtime as it was before a batch of outcomes touched it. */
struct rt_saved {
	size_t idx;
	struct check_rt rt;
};

struct result {
	size_t idx;
	long long check_id;
	double gap_s; /* since the check's previous probe (0: first) */
	double at, latency_ms;
	/* http phases, ms from the start (-1: not reached or not http): name
	 * lookup done, TCP connected, TLS handshake done, first response byte */
	double dns_ms, connect_ms, tls_ms, ttfb_ms;
	int ok, status;
	char error[160];
};

struct ledger_check;

struct monitor {
	uv_loop_t loop;
	struct store *s;
	const struct catalog *cat;
	const char *path;
	const struct monitor_opts *opts;
	struct profile *profile; /* NULL once loaded: see load_config() */
	unsigned char profile_sha256[32];
	struct monitor_config *cfg;
	struct notify_config *ncfg;
	struct ledger_config lcfg; /* its ledger: section */
	int said_no_key;           /* "no signing key" was logged */
	/* A periodic seal runs on libuv's thread pool with its own connection,
	 * so a slow TSA never holds up the probes. */
	uv_work_t seal_work;
	int sealing;
	enum sg_code seal_rc;
	struct ledger_seal_result seal_r;
	struct sg_error seal_err;
	/* The hourly measured values and the job run on a thread of their own
	 * at a lower CPU priority, with a connection of their own (monitor.c,
	 * on_hourly); hourly_done wakes the loop when it ends. */
	uv_thread_t hourly_th;
	uv_async_t hourly_done;
	int measuring;
	int hourly_cancel; /* atomic: a stop or reload is waiting */
	int hourly_kick;   /* the job queued messages */
	/* The daily verification of the whole ledger (monitor_jobs.c) runs on
	 * the thread pool with a connection of its own, as the seal does. */
	uv_work_t verify_work;
	int verifying;
	double verify_next; /* wall clock; 0: not yet planned */
	int said_no_pub;    /* "not verified: no public key" was logged */
	enum sg_code verify_rc;
	struct ledger_check *verify_c; /* the outcome (monitor_jobs.c allocates) */
	long long verify_seq;
	size_t verify_alerted;
	struct sg_error verify_err;
	enum sg_code measure_rc;
	struct sg_error measure_err;
	struct notify *notify;
	struct curluv *cu;
	struct check_rt *rt;
	size_t nrt;
	/* Min-heap on due; the due time is kept in the entry so sifting never
	 * touches the checks themselves (cache misses at 100,000 checks). */
	struct sched_entry {
		double due;
		size_t idx; /* into rt */
	} * heap;
	size_t nheap;
	int inflight;
	uv_timer_t sched, flush, hourly;
	/* Applies the outcomes that came in since it was armed, in one
	 * transaction, at most every APPLY_MS: a burst of state changes (every
	 * check's first probe is one) costs a few commits a second, not one per
	 * loop iteration. */
	uv_timer_t apply;
	uv_signal_t sigterm, sigint, sighup;
	long long run_id;
	int stopping, reload_pending, finishing, failed;
	struct monitor_writer *writer; /* results go to the store from here */
	/* Outcomes whose state change could not be written yet, in order; the
	 * check's runtime state is as it was before each of them. */
	struct result *pend;
	size_t npend, apend;
	/* The checks a batch changed, as they were before it (put back when
	 * its transaction fails): a batch costs what it touches, not the
	 * number of checks. */
	struct rt_saved *jr;
	size_t njr, ajr;
	unsigned jgen;
	/* When the next recovered incident's hold runs out (wall clock; 0:
	 * look at every check on the next batch). */
	double hold_check_at;
	long long lost;     /* results the writer dropped or could not write */
	int store_down;     /* the last write failed (logged once) */
	struct dynbuf said; /* what to log once the transaction commits */
	double prev_seen;
	double maint_next; /* when the maintenance job looks again */
	/* the local day of records, cached */
	double day_start, day_end;
	char day[40];
	/* monitor_cluster.c: this node, its location, whether it coordinates
	 * (holds the lease; only the coordinator writes agreed states,
	 * incidents and notifications), whether the agreed state machine's
	 * state is loaded for this tenure, the live locations and the live
	 * nodes of this location (sharding) as the writer's heartbeat saw them */
	char *location;
	long long node_id;
	int coordinator, agreed_loaded, fenced;
	size_t nlocs;
	/* the locations the last agreement pass read states of (this one
	 * included): a location that joined after the writer's last look at
	 * the live nodes still counts toward the quorum */
	size_t pass_locs;
	/* rt by check id, for the agreement pass (built once per set of
	 * checks: sorting 100,000 every second cost more than the pass) */
	/* probes done with, for the next ones: a probe is about 1 KB, and a
	 * fresh one from a heap that 100,000 checks fragmented cost the loop
	 * more than the check's own code (monitor_probe.c) */
	struct probe **probe_pool;
	size_t npool, apool;
	struct monitor_rt_by_id {
		long long id;
		size_t idx;
	} * by_id;
	long long *peers;
	size_t npeers;
	double pass_at;
	int pass_failing; /* the last agreement pass saw a location failing */
	/* statistics */
	long long probes, probes_failed;
	double *late;
	size_t nlate, alate;
	/* --stats also reports the steady state: from when every check's first
	 * probe has completed and one longest interval has passed (the first
	 * round records every check's first state) to SIGTERM or SIGINT. */
	double steady_at; /* monotonic ms */
	size_t nfirst;    /* checks whose first probe completed */
	int steady;
	size_t steady_nlate;
	long long steady_probes, steady_failed;
	double steady_cpu, steady_sys, steady_wall;
	/* ... until the stop was asked for (0: not yet) */
	double steady_end_cpu, steady_end_sys, steady_end_wall;
	/* CPU seconds of the hourly measured values (thread pool), in all and
	 * at the steady state's start and end */
	double hourly_cpu, steady_hourly, steady_end_hourly;
	clockid_t measure_clock; /* the running measurement's thread CPU clock */
	double measure_t0;
	int measure_clock_set;
	long long steady_end_probes, steady_end_failed;
	size_t steady_end_nlate;
	struct sg_error err;
};

struct probe {
	struct monitor *m;
	size_t idx;
	double t0; /* monotonic ms */
	struct result res;
	/* http */
	struct dynbuf body;
	struct curl_slist *hdr, *connect_to;
	/* tcp and icmp */
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_timer_t timer;
	uv_poll_t poll;
	uv_getaddrinfo_t gai;
	int fd;
	int open_handles;
	int tcp_open;
	int finished;
	/* A name lookup runs on libuv's thread pool and may outlive the probe's
	 * timeout (a resolver that never answers): the probe's memory stays
	 * until its callback has run, even after the result is recorded. */
	int gai_pending;
	int completed;
	long long check_id;
	unsigned short echo_seq;
};

void monitor_log(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The apply timer's callback: applies the outcomes waiting (m->pend). */
void monitor_on_apply(uv_timer_t *h);
/* Arms the apply timer unless it is armed. */
void monitor_apply_soon(struct monitor *m);
/* --stats: the steady state begins at now (monotonic ms). */
void monitor_stats_steady(struct monitor *m, double now);
/* Finishes a stop, a reload or --once once nothing is in flight. */
void monitor_maybe_finish(struct monitor *m);

/* monitor_schedule.c */
/* When a check is first due after start: spread over its interval by r in
 * [0, 1) so checks do not fire together. Milliseconds after start. */
double monitor_schedule_first_due(double interval_s, double r);
/* The next due time after a probe that was due at `due` and ran at `now`
 * (both monotonic ms): keeps the phase, skips missed slots. */
double monitor_schedule_next_due(double due, double now, double interval_s);
void monitor_schedule_push(struct monitor *m, size_t idx);
/* (Re)arms the schedule timer for the earliest due check. */
void monitor_schedule_arm(struct monitor *m);

/* monitor_probe.c */
/* Frees the probes kept for reuse (at the monitor's end). */
void monitor_probe_pool_free(struct monitor *m);
void monitor_probe_start(struct monitor *m, size_t idx);

/* monitor_record.c */
/* The local day (YYYY-MM-DD, service hours' zone) of wall-clock time at. */
const char *monitor_record_day(struct monitor *m, double at);
/* Applies an outcome and commits it; on failure the check's state is as it
 * was and the caller keeps the outcome for monitor_record_pending(). */
enum sg_code monitor_record_outcome(struct monitor *m, struct check_rt *c, const struct result *res,
                                    struct sg_error *err);
/* Saves c as it is before the running batch changes it (once per batch),
 * so a batch whose transaction fails puts it back; everything that changes
 * a check's runtime inside a batch calls it first. */
void monitor_record_keep(struct monitor *m, struct check_rt *c);
/* Applies the outcomes waiting for the store, oldest first. */
enum sg_code monitor_record_pending(struct monitor *m, struct sg_error *err);
/* A store write failed (logged once) / works again (logged once). */
void monitor_record_trouble(struct monitor *m, const struct sg_error *err);
void monitor_record_fine(struct monitor *m);

/* Applies an agreed outcome to the check's agreed state (intervals,
 * incidents, their ledger entries and notices): the state machine above.
 * confirmed: a quorum of live locations confirmed the failure (in a
 * cluster of one: `confirm` consecutive failures). */
enum sg_code monitor_record_agreed(struct monitor *m, struct check_rt *c, const struct result *res,
                                   int confirmed, struct sg_error *err);

/* monitor_cluster.c */
/* Registers this node and takes the lease when it is free (inside the
 * caller's transaction at start). */
enum sg_code monitor_cluster_start(struct monitor *m, double now, struct sg_error *err);
/* Takes the writer's last view of the cluster: a new coordinator loads the
 * agreed state from the store, one that lost the lease forgets it. */
void monitor_cluster_sync(struct monitor *m);
/* Whether this node runs check c (monitor.shards: auto spreads each
 * location's checks over its live nodes; otherwise every node runs all). */
int monitor_cluster_runs(struct monitor *m, const struct check_rt *c);
/* The phase of a sharded check's slots, a fraction of its interval fixed
 * by its id on the wall clock, so every node of a location shares it. */
double monitor_cluster_phase(long long check_id, double interval_s);
/* A probe's outcome: this location's confirmation, published when its
 * state changes; on the coordinator, the agreed verdict goes on to
 * monitor_record_agreed(). Joins the caller's transaction. */
enum sg_code monitor_cluster_outcome(struct monitor *m, struct check_rt *c,
                                     const struct result *res, struct sg_error *err);
/* Whether the coordinator's agreement pass is due (every second). */
int monitor_cluster_pass_due(struct monitor *m, double now);
/* The coordinator's agreement pass over the other locations' states:
 * verdicts that changed go to the state machine; a failure confirmed by
 * fewer than a quorum past its grace becomes a managers-only alert.
 * *changed: an incident opened or closed. */
enum sg_code monitor_cluster_pass(struct monitor *m, double now, int *changed,
                                  struct sg_error *err);
/* Records the locations that confirmed c's failure with incident id. */
enum sg_code monitor_cluster_incident_opened(struct monitor *m, const struct check_rt *c,
                                             long long id, struct sg_error *err);
/* --once: waits (at most twice the TTL, outside any transaction) for a
 * lease a killed monitor left to run out, so a cron run after a crash
 * delivers what the dead one left. */
enum sg_code monitor_cluster_wait_lease(struct monitor *m, struct sg_error *err);
/* This node stops (inside the caller's transaction). */
enum sg_code monitor_cluster_stop(struct monitor *m, double now, struct sg_error *err);

/* monitor_reload.c */
enum sg_code monitor_reload_load(struct monitor *m, struct profile **p, struct monitor_config **cfg,
                                 struct notify_config **ncfg, void **jobcfg,
                                 struct ledger_config *lcfg, struct sg_error *err);
/* Registers cfg's checks and builds the runtime, carrying over the state
 * of checks that keep their name. */
enum sg_code monitor_reload_install(struct monitor *m, struct monitor_config *cfg,
                                    struct sg_error *err);
void monitor_reload_now(struct monitor *m);

/* monitor_jobs.c */
/* Signs a tree head: in the background when due, or at once (now). */
void monitor_jobs_seal(struct monitor *m, int now);
/* Runs the job beside probing (monitor_opts.job), outside any transaction. */
void monitor_jobs_run(struct monitor *m);
/* The same on connection s (the hourly thread's); returns 1 when the job
 * queued messages (the caller kicks the outbox on the loop). */
int monitor_jobs_run_on(struct monitor *m, struct store *s);
/* Queues the maintenance windows' announcement, start and end notices that
 * are due, each once (see monitor_jobs.c); at most every few seconds
 * unless force. */
void monitor_jobs_maintenance(struct monitor *m, int force);
/* Verifies the whole ledger on the thread pool once a day (the first time
 * a few seconds after start, unless a verification was recorded within the
 * day) and records the outcome (ledger_check.h; a failure also alerts the
 * managers). The coordinator's job; never on the loop. */
void monitor_jobs_verify(struct monitor *m);

/* monitor_measure.c */
enum sg_code monitor_measure_write(struct store *s, const struct monitor_config *cfg,
                                   const struct catalog *cat, double now, struct sg_error *err);

#endif
