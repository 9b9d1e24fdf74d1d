/*
 * monitor - the engine's run: start, signals, timers, stop; see monitor.h
 * and monitor_engine.h.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <uv.h>

#include "curluv.h"
#include "ledger_events.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "monitor_writer.h"
#include "notify.h"
#include "sdnotify.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

/* The hourly thread's nice value above the daemon's own (at most 19): under
 * contention it gets about a tenth of a core against the probe loop (CFS
 * weights 110 and 1024 at 10 and 0), yet it still progresses on a busy
 * machine, where SCHED_IDLE could starve it. */
#define HOURLY_NICE 10

void monitor_log(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void monitor_log(struct monitor *m, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	if (!m->opts->log)
		return;
	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	m->opts->log(m->opts->log_arg, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static double cpu_seconds(struct rusage *ru);
static double sys_seconds(const struct rusage *ru);
static double hourly_cpu_now(struct monitor *m);

static void notifier_log(void *arg, const char *line)
{
	struct monitor *m = arg;
	monitor_log(m, "%s", line);
}

/* ---- stopping ---- */

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void finalize(struct monitor *m)
{
	struct sg_error err, werr;
	double now = timeutil_now();

	memset(&err, 0, sizeof(err));
	memset(&werr, 0, sizeof(werr));
	err.lang = werr.lang = m->err.lang;
	/* Stopping, like starting, waits its turn for the store's writer lock
	 * (other monitors on the same PostgreSQL store write meanwhile). */
	store_set_wait(m->s, 10000);
	/* What still waits for the store gets a few more tries; after that the
	 * daemon cannot finish its records and says so. */
	for (int i = 0; i < 10; i++) {
		if (!monitor_record_pending(m, &err))
			break;
		monitor_record_trouble(m, &err);
		sleep(1);
	}
	if (m->writer) {
		enum sg_code wrc = monitor_writer_stop(m->writer, 10, &m->lost, &werr);
		m->writer = NULL;
		if (wrc)
			err = werr;
	}
	if (m->npend || werr.code) {
		sg_error_set(
		    &err, SG_ERR_DB,
		    ETR(&err,
		        "%lld 件の結果と %zu 件の状態変化をデータベースに書けませんでした: %s",
		        "%lld results and %zu state changes could not be written: %s"),
		    m->lost, m->npend, werr.code ? werr.msg : err.msg);
		goto bad;
	}
	if (m->lost)
		monitor_log(m, "store: %lld results were lost while the store could not be written",
		            m->lost);
	if (m->coordinator && monitor_measure_write(m->s, m->cfg, m->cat, now, &err))
		goto bad;
	if (store_begin(m->s, &err))
		goto bad;
	/* Open intervals stay open: availability ends them at this run's last
	 * heartbeat, and the next run continues them if it keeps the schedule. */
	if (store_monitor_run_stop(m->s, m->run_id, now, &err) ||
	    monitor_cluster_stop(m, now, &err) ||
	    ledger_events_monitor_stopped(m->s, m->run_id, m->cfg->service, m->probes, m->lost,
	                                  &err) ||
	    store_commit(m->s, &err)) {
		store_rollback(m->s);
		goto bad;
	}
	if (m->coordinator)
		monitor_jobs_seal(m, 1);
	return;
bad:
	monitor_log(m, "store: %s", err.msg);
	m->failed = 1;
	m->err = err;
}

static void notifier_stopped(void *arg)
{
	struct monitor *m = arg;

	finalize(m);
	/* Close what keeps the loop alive; the notify and curl driver close
	 * their own handles in notify_free() / curluv_free(). */
	uv_timer_stop(&m->sched);
	uv_timer_stop(&m->flush);
	uv_timer_stop(&m->apply);
	uv_timer_stop(&m->hourly);
	uv_close((uv_handle_t *)&m->hourly_done, NULL);
	uv_close((uv_handle_t *)&m->sigterm, NULL);
	uv_close((uv_handle_t *)&m->sigint, NULL);
	uv_close((uv_handle_t *)&m->sighup, NULL);
}

void monitor_maybe_finish(struct monitor *m)
{
	if (m->reload_pending && !m->inflight && !m->stopping && !m->measuring && !m->verifying) {
		monitor_reload_now(m);
		return;
	}
	if (m->opts->once && !m->stopping) {
		int all = 1;
		for (size_t i = 0; i < m->nrt; i++)
			if (!m->rt[i].done_once)
				all = 0;
		if (all && !m->inflight)
			m->stopping = 1;
	}
	if (!m->stopping || m->inflight || m->finishing || m->measuring || m->verifying)
		return;
	m->finishing = 1;
	uv_timer_stop(&m->sched);
	uv_timer_stop(&m->flush);
	uv_timer_stop(&m->apply);
	uv_timer_stop(&m->hourly);
	uv_signal_stop(&m->sighup);
	{
		/* The last outcomes (and the messages they queue) go in before
		 * the outbox drains; what fails gets its retries in finalize. */
		struct sg_error err;
		memset(&err, 0, sizeof(err));
		err.lang = m->err.lang;
		if (monitor_record_pending(m, &err))
			monitor_record_trouble(m, &err);
	}
	if (m->opts->once && m->coordinator) {
		monitor_jobs_maintenance(m, 1);
		monitor_jobs_run(m); /* before the outbox drains */
	}
	if (m->notify)
		notify_stop(m->notify, m->opts->once, notifier_stopped, m);
	else
		notifier_stopped(m);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct monitor *m = h->data;

	/* the hourly thread, if running, skips the reports it has not begun */
	__atomic_store_n(&m->hourly_cancel, 1, __ATOMIC_RELEASE);
	if (signum == SIGHUP) {
		monitor_log(m, "SIGHUP: reloading %s", m->path);
		m->reload_pending = 1;
		uv_timer_stop(&m->sched);
		monitor_maybe_finish(m);
		return;
	}
	if (m->stopping)
		return;
	monitor_log(m, "%s: finishing in-flight work", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	if (m->opts->stats && m->steady) {
		/* The steady state ends here: the stop's own work (the last
		 * batch, the measured values) is not a check's cost. */
		struct rusage ru;
		m->steady_end_cpu = cpu_seconds(&ru);
		m->steady_end_sys = sys_seconds(&ru);
		m->steady_end_hourly = hourly_cpu_now(m);
		m->steady_end_wall = timeutil_monotonic_ms();
		m->steady_end_probes = m->probes;
		m->steady_end_failed = m->probes_failed;
		m->steady_end_nlate = m->nlate;
	}
	m->stopping = 1;
	uv_timer_stop(&m->sched);
	monitor_maybe_finish(m);
}

int monitor_icmp_allowed(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void monitor_on_apply(uv_timer_t *h)
{
	struct monitor *m = h->data;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	/* A failure waits for on_flush. */
	if (monitor_record_pending(m, &err))
		monitor_record_trouble(m, &err);
	else
		monitor_record_fine(m);
}

void monitor_apply_soon(struct monitor *m)
{
	if (!uv_is_active((uv_handle_t *)&m->apply))
		uv_timer_start(&m->apply, monitor_on_apply, APPLY_MS, 0);
}

static void on_flush(uv_timer_t *t)
{
	struct monitor *m = t->data;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	sdnotify_watchdog(); /* the loop turns: systemd's WatchdogSec= */
	if (monitor_record_pending(m, &err)) {
		monitor_record_trouble(m, &err);
		return;
	}
	monitor_record_fine(m);
	if (m->notify)
		notify_pause(m->notify, !m->coordinator); /* the coordinator sends */
	if (!m->coordinator)
		return; /* notices, seals and reports are the coordinator's */
	monitor_jobs_maintenance(m, 0);
	/* before the seal is queued: it waits only for one still in flight */
	monitor_jobs_verify(m);
	monitor_jobs_seal(m, 0);
}

/* CPU seconds the hourly thread has used so far, the running one included
 * (--stats shows them apart from the probes' cost). */
static double hourly_cpu_now(struct monitor *m)
{
	double cpu = m->hourly_cpu;
	struct timespec now_cpu;

	if (__atomic_load_n(&m->measure_clock_set, __ATOMIC_ACQUIRE) &&
	    clock_gettime(m->measure_clock, &now_cpu) == 0)
		cpu += (double)now_cpu.tv_sec + (double)now_cpu.tv_nsec / 1e9 - m->measure_t0;
	return cpu;
}

/* The hourly work off the loop: the measured values for the assessment,
 * then the job (the period-close reports: a PDF over every check takes tens
 * of CPU-seconds at 10,000 checks). A thread of its own rather than libuv's
 * pool, so it can run at a lower CPU priority (nice is per thread on Linux)
 * and the probes never wait for a core behind it; a connection of its own,
 * as the seal has. m->cfg and the job's configuration stay: a reload and a
 * stop wait for it (monitor_maybe_finish()). */
static void hourly_main(void *arg)
{
	struct monitor *m = arg;
	struct store *s = NULL;
	struct timespec t0, t1;

	/* Best effort: where it is refused the work only runs at the
	 * daemon's priority. */
	int prio = getpriority(PRIO_PROCESS, (id_t)gettid()) + HOURLY_NICE;
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), prio < 19 ? prio : 19);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (pthread_getcpuclockid(pthread_self(), &m->measure_clock) == 0) {
		m->measure_t0 = (double)t0.tv_sec + (double)t0.tv_nsec / 1e9;
		__atomic_store_n(&m->measure_clock_set, 1, __ATOMIC_RELEASE);
	}
	/* the day's rollups as far as stored, for the measured values and the
	 * reports that read them */
	if (m->writer)
		monitor_writer_sync(m->writer, 30);
	m->measure_rc = store_open(m->s->path, 0, &s, &m->measure_err);
	if (!m->measure_rc)
		m->measure_rc =
		    monitor_measure_write(s, m->cfg, m->cat, timeutil_now(), &m->measure_err);
	/* a stop or reload asked for meanwhile does not wait for reports */
	if (!m->measure_rc && !__atomic_load_n(&m->hourly_cancel, __ATOMIC_ACQUIRE))
		m->hourly_kick = monitor_jobs_run_on(m, s);
	store_close(s);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	m->hourly_cpu += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	__atomic_store_n(&m->measure_clock_set, 0, __ATOMIC_RELEASE);
	uv_async_send(&m->hourly_done);
}

static void on_hourly_done(uv_async_t *a)
{
	struct monitor *m = a->data;

	if (!m->measuring)
		return;
	uv_thread_join(&m->hourly_th);
	m->measuring = 0;
	if (m->measure_rc)
		monitor_log(m, "measurements: %s", m->measure_err.msg);
	if (m->hourly_kick && m->notify)
		notify_kick(m->notify);
	if (!m->stopping && !m->reload_pending)
		monitor_jobs_seal(m, 0);
	monitor_maybe_finish(m);
}

static void on_hourly(uv_timer_t *t)
{
	struct monitor *m = t->data;
	struct sg_error err;

	/* only the coordinator writes measured values (and runs the jobs) */
	if (!m->coordinator || m->measuring)
		return;
	memset(&m->measure_err, 0, sizeof(m->measure_err));
	m->measure_err.lang = m->err.lang;
	m->hourly_kick = 0;
	__atomic_store_n(&m->hourly_cancel, 0, __ATOMIC_RELEASE);
	if (uv_thread_create(&m->hourly_th, hourly_main, m) == 0) {
		m->measuring = 1;
		return;
	}
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	if (monitor_measure_write(m->s, m->cfg, m->cat, timeutil_now(), &err)) {
		monitor_log(m, "measurements: %s", err.msg);
		return;
	}
	monitor_jobs_run(m);
	monitor_jobs_seal(m, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double cpu_seconds(struct rusage *ru)
{
	getrusage(RUSAGE_SELF, ru);
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + sys_seconds(ru);
}

/* The kernel's part of cpu_seconds(): on loopback, most of it is the
 * TCP work of both ends of each connection, done in the sender's
 * context. */
static double sys_seconds(const struct rusage *ru)
{
	return (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

void monitor_stats_steady(struct monitor *m, double now)
{
	struct rusage ru;

	m->steady = 1;
	m->steady_nlate = m->nlate;
	m->steady_probes = m->probes;
	m->steady_failed = m->probes_failed;
	m->steady_cpu = cpu_seconds(&ru);
	m->steady_sys = sys_seconds(&ru);
	m->steady_hourly = hourly_cpu_now(m);
	m->steady_wall = now;
}

/* p50, p99 and the largest of v[0..n) (sorted here). */
static void percentiles(double *v, size_t n, double out[3])
{
	out[0] = out[1] = out[2] = 0;
	if (!n)
		return;
	qsort(v, n, sizeof(double), cmp_double);
	out[0] = v[n / 2];
	out[1] = v[(size_t)((double)(n - 1) * 0.99)];
	out[2] = v[n - 1];
}

static void log_stats(struct monitor *m, double wall_s)
{
	struct rusage ru;
	double cpu = cpu_seconds(&ru), all[3], st[3] = {0, 0, 0};
	int ended = m->steady_end_wall > 0;
	double st_wall =
	    m->steady
	        ? ((ended ? m->steady_end_wall : timeutil_monotonic_ms()) - m->steady_wall) / 1000.0
	        : 0;
	/* The hourly measured values (on the thread pool) are shown apart. */
	double st_hourly =
	    m->steady ? (ended ? m->steady_end_hourly : m->hourly_cpu) - m->steady_hourly : 0;
	double st_cpu =
	    m->steady ? (ended ? m->steady_end_cpu : cpu) - m->steady_cpu - st_hourly : 0;
	double st_sys =
	    m->steady ? (ended ? m->steady_end_sys : sys_seconds(&ru)) - m->steady_sys : 0;
	long long st_probes =
	    m->steady ? (ended ? m->steady_end_probes : m->probes) - m->steady_probes : 0;
	long long st_failed =
	    m->steady ? (ended ? m->steady_end_failed : m->probes_failed) - m->steady_failed : 0;
	size_t st_nlate = ended ? m->steady_end_nlate : m->nlate;

	/* The steady part first: sorting all of m->late mixes it. */
	if (m->steady)
		percentiles(m->late + m->steady_nlate, st_nlate - m->steady_nlate, st);
	percentiles(m->late, m->nlate, all);
	monitor_log(m,
	            "stats: {\"checks\":%zu,\"probes\":%lld,\"failed\":%lld,\"wall_s\":%.3f,"
	            "\"cpu_s\":%.3f,\"sys_s\":%.3f,"
	            "\"probes_per_s\":%.1f,\"cpu_s_per_1000\":%.4f,\"maxrss_kib\":%ld,"
	            "\"lateness_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f},"
	            "\"steady\":{\"probes\":%lld,\"failed\":%lld,\"wall_s\":%.3f,\"cpu_s\":%.3f,"
	            "\"sys_s\":%.3f,"
	            "\"probes_per_s\":%.1f,\"cpu_s_per_1000\":%.4f,\"hourly_cpu_s\":%.3f,"
	            "\"lateness_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f}}}",
	            m->nrt, m->probes, m->probes_failed, wall_s, cpu, sys_seconds(&ru),
	            wall_s > 0 ? (double)m->probes / wall_s : 0,
	            m->probes ? cpu * 1000.0 / (double)m->probes : 0, ru.ru_maxrss, all[0], all[1],
	            all[2], st_probes, st_failed, st_wall, st_cpu, st_sys,
	            st_wall > 0 ? (double)st_probes / st_wall : 0,
	            st_probes ? st_cpu * 1000.0 / (double)st_probes : 0, st_hourly, st[0], st[1],
	            st[2]);
}

enum sg_code monitor_run(const char *profile_path, const struct catalog *cat, struct store *s,
                         const struct monitor_opts *opts, struct sg_error *err)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	double now = timeutil_now(), prev_seen = 0, t0 = timeutil_monotonic_ms();
	enum sg_code rc;
	void *jobcfg = NULL;
	struct store *writer_store = opts->writer_store;

	m->s = s;
	m->cat = cat;
	m->path = profile_path;
	m->opts = opts;
	m->err.lang = err ? err->lang : 0;
	dynbuf_init(&m->said, 4096);
	/* Starting, a monitor waits its turn for the store's writer lock
	 * (several monitors starting together on one PostgreSQL store). */
	store_set_wait(s, 10000);
	m->day_start = m->day_end = 0;
	srand((unsigned)(getpid() ^ (unsigned)now));
	uv_loop_init(&m->loop);
	if ((rc = monitor_reload_load(m, &m->profile, &m->cfg, &m->ncfg, &jobcfg, &m->lcfg, err)))
		goto out;
	if (opts->job)
		opts->job->swap(opts->job->arg, jobcfg);
	/* A previous run left intervals open: each check's first probe decides
	 * whether its interval continues or ends at that run's last heartbeat
	 * (on_outcome). */
	if ((rc = store_begin(s, err)) || (rc = store_monitor_last_seen(s, 0, &prev_seen, err)) ||
	    (rc = store_monitor_run_start(s, now, (long long)getpid(), &m->run_id, err)) ||
	    (rc = monitor_cluster_start(m, now, err))) {
		store_rollback(s);
		goto out;
	}
	if ((rc = ledger_events_monitor_started(s, m->run_id, m->cfg->service, profile_path,
	                                        m->profile_sha256, m->cfg->pattern,
	                                        (long long)m->cfg->nchecks, opts->once, err)) ||
	    (rc = store_commit(s, err))) {
		store_rollback(s);
		goto out;
	}
	if (opts->once && (rc = monitor_cluster_wait_lease(m, err)))
		goto out;
	m->prev_seen = prev_seen;
	writer_store = NULL; /* taken by the writer, even when it fails */
	if ((rc = monitor_writer_start(s->path, opts->writer_store, m->run_id, m->cfg->service,
	                               m->cfg->hours.timezone, m->cfg->digest_s,
	                               m->cfg->retention_ok_s, m->cfg->retention_fail_s,
	                               m->opts->log, m->opts->log_arg, &m->writer, err)))
		goto out;
	monitor_writer_cluster(m->writer, m->node_id, m->location, store_kind(s) == STORE_SQLITE,
	                       m->cfg->shards_auto);
	if ((rc = monitor_reload_install(m, m->cfg, err)))
		goto out;
	{
		double longest = 0;
		for (size_t i = 0; i < m->cfg->nchecks; i++)
			longest = fmax(longest, m->cfg->checks[i].interval_s);
		m->steady_at = timeutil_monotonic_ms() + longest * 1000.0;
	}
	monitor_log(m, "monitoring %s (pattern %d): %zu checks", m->cfg->service, m->cfg->pattern,
	            m->nrt);
	/* The profile's YAML tree and the registration's statements are freed:
	 * give their pages back, so what the daemon holds is what it runs on. */
	xalloc_trim();
	m->cu = curluv_new(&m->loop);
	if ((rc = notify_start(&m->loop, s, m->ncfg, notifier_log, m, &m->notify, err)))
		goto out;
	notify_claimant(m->notify, m->node_id);
	notify_pause(m->notify, !m->coordinator);
	uv_timer_init(&m->loop, &m->sched);
	m->sched.data = m;
	uv_timer_init(&m->loop, &m->flush);
	m->flush.data = m;
	uv_timer_init(&m->loop, &m->apply);
	m->apply.data = m;
	uv_timer_start(&m->flush, on_flush, 1000, 1000);
	uv_timer_init(&m->loop, &m->hourly);
	m->hourly.data = m;
	/* First a minute after start (a period that closed while the daemon was
	 * down gets its reports soon after it comes back), then hourly. */
	uv_timer_start(&m->hourly, on_hourly,
	               opts->first_hourly_ms ? opts->first_hourly_ms : 60 * 1000, 3600 * 1000);
	uv_async_init(&m->loop, &m->hourly_done, on_hourly_done);
	m->hourly_done.data = m;
	uv_signal_t *sigs[] = {&m->sigterm, &m->sigint, &m->sighup};
	int signums[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&m->loop, sigs[i]);
		sigs[i]->data = m;
		uv_signal_start(sigs[i], on_signal, signums[i]);
	}
	monitor_schedule_arm(m);
	monitor_maybe_finish(m); /* --once with no checks */
	sdnotify_ready("monitoring");
	/* Running, the loop never waits long for a lock: a write that finds
	 * the store busy fails, stays in memory and is retried on the next
	 * flush. */
	store_set_wait(s, 200);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	if (opts->stats)
		log_stats(m, (timeutil_monotonic_ms() - t0) / 1000.0);
	if (m->failed) {
		if (err)
			*err = m->err;
		rc = SG_ERR_DB;
	}
out:
	if (m->notify)
		notify_free(m->notify);
	if (m->cu)
		curluv_free(m->cu);
	uv_walk(&m->loop, close_walk, NULL);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	uv_loop_close(&m->loop);
	if (m->writer) {
		long long lost;
		monitor_writer_stop(m->writer, 0, &lost, NULL);
	}
	dynbuf_release(&m->said);
	free(m->pend);
	free(m->jr);
	if (opts->job)
		opts->job->shutdown(opts->job->arg);
	store_close(writer_store); /* never handed to the writer */
	notify_config_free(m->ncfg);
	monitor_config_free(m->cfg);
	ledger_config_release(&m->lcfg);
	profile_free(m->profile);
	free(m->rt);
	free(m->heap);
	free(m->by_id);
	monitor_probe_pool_free(m);
	free(m->late);
	free(m->location);
	free(m->peers);
	free(m);
	return rc;
}
