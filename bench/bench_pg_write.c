/*
 * bench_pg_write - the monitor's result write path under concurrent writers
 * (docs/performance.md, "Writers on one PostgreSQL store"). W threads, each
 * with its own store (connection), play W monitors' writer threads: each
 * wakes every second (sooner with 4,096 waiting, as monitor_writer.c does),
 * and writes every result due since its last write in one transaction
 * through store_monitor_write_results() (the multi-row INSERT of
 * check_results) and store_monitor_fold() of the batch's rollups (the
 * check_daily upserts; the writer now folds every MONITOR_WRITER_FOLD_S
 * instead, so this is the worst case of the rows' locks), with the day partitions made
 * ahead in a locked transaction and a heartbeat (store_monitor_run_beat())
 * under the writer lock every 5 s, as the writer does.
 *
 * MODE lock: the results transaction is store_begin()'s (the writer lock:
 * every writer in turn, as before store_begin_shared() existed); shared:
 * store_begin_shared()'s (what monitor_writer.c does on PostgreSQL).
 *
 * The W writers are W locations probing the same CHECKS checks, each
 * location's round of them spread over INTERVAL seconds, so all locations
 * fold into the same check_daily rows; PHASE same: every location probes a
 * check in the same second (the worst case for the rollups' row locks),
 * spread: location k is k/W of a round behind.
 *
 * Prints one JSON object: offered and stored rows/s, transactions, the
 * slowest results transaction, failed transactions (retried, as the writer
 * does).
 *
 * usage: bench_pg_write DB WRITERS ROWS_PER_S SECONDS CHECKS lock|shared same|spread
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_monitor.h"
#include "banned.h"

struct bench {
	const char *db;
	int writers, seconds, shared, same_phase;
	double rate; /* rows/s of all writers */
	long long nchecks, *ids;
	double t0;
};

struct writer {
	struct bench *b;
	int k;
	pthread_t th;
	long long stored, txs, failed;
	double worst_ms, busy_s, first_commit, last_commit;
	long long first_stored;
	char err[sizeof(((struct sg_error *)0)->msg)];
};

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	double d = t - wall();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* One transaction of n results (ids from `from` on in the location's
 * round); 0 or -1. */
static int write_batch(struct writer *w, struct store *s, long long from, long long n,
                       double *parts_until, struct sg_error *err)
{
	struct bench *b = w->b;
	struct store_monitor_result *r = calloc((size_t)n, sizeof(*r));
	long long *ids = calloc((size_t)n, sizeof(*ids));
	char day[16], loc[16];
	double now = wall();
	time_t tt = (time_t)now;
	struct rollup_set set = ROLLUP_SET_INIT;
	struct rollup *v;
	size_t nv;
	struct tm tm;
	int rc = 0;

	localtime_r(&tt, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(loc, sizeof(loc), "loc%d", w->k);
	for (long long i = 0; i < n; i++) {
		long long seq = from + i;
		long long c =
		    (seq + (b->same_phase ? 0 : w->k * b->nchecks / b->writers)) % b->nchecks;
		int ok = seq % 1000 != 999;
		r[i] = (struct store_monitor_result){b->ids[c],
		                                     now - 1 + (double)i / (double)n,
		                                     ok ? 5 + (double)(seq % 200) : -1,
		                                     1,
		                                     2,
		                                     -1,
		                                     4,
		                                     60,
		                                     ok,
		                                     ok ? 200 : 0,
		                                     ok ? NULL : "connection refused",
		                                     day,
		                                     loc,
		                                     0};
	}
	if (now + 1 >= *parts_until) {
		if (store_begin(s, err) ||
		    store_monitor_partitions(s, now - 1, now + 1, parts_until, err) ||
		    store_commit(s, err))
			rc = -1;
	}
	for (int i = 0; i < n; i++)
		rollup_set_add(&set, r[i].check_id, r[i].day, r[i].at, r[i].ok, r[i].latency_ms,
		               r[i].gap_s);
	v = rollup_set_sorted(&set, &nv);
	if (!rc && ((b->shared ? store_begin_shared(s, err) : store_begin(s, err)) ||
	            store_monitor_write_results(s, r, (size_t)n, ids, err) ||
	            store_monitor_fold(s, v, nv, err) || store_commit(s, err)))
		rc = -1;
	rollup_set_release(&set);
	if (rc)
		store_rollback(s);
	free(r);
	free(ids);
	return rc;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct bench *b = w->b;
	double per = b->rate / b->writers, end = b->t0 + b->seconds, last_beat = 0, parts = 0;
	double tick = b->t0;
	long long run_id = 0;
	struct store *s = NULL;
	struct sg_error err = {0};

	if (store_open(b->db, 0, &s, &err) || store_begin(s, &err) ||
	    store_monitor_run_start(s, wall(), 1000 + w->k, &run_id, &err) ||
	    store_commit(s, &err)) {
		snprintf(w->err, sizeof(w->err), "%s", err.msg);
		store_close(s);
		return NULL;
	}
	store_set_wait(s, 2000); /* as monitor_writer_start() */
	sleep_until(b->t0);
	for (;;) {
		double now = wall(), t1;
		long long due = (long long)(per * (now - b->t0)) - w->stored;
		if (now >= end)
			break;
		if (due < 4096 && now < tick) {
			sleep_until(tick < end ? tick : end);
			continue;
		}
		if (due < 1) {
			tick += 1;
			sleep_until(tick < end ? tick : end);
			continue;
		}
		memset(&err, 0, sizeof(err));
		if (write_batch(w, s, w->stored, due, &parts, &err)) {
			w->failed++;
			snprintf(w->err, sizeof(w->err), "%s", err.msg);
			continue;
		}
		t1 = wall();
		if (now >= tick)
			tick = floor(now - b->t0) + b->t0 + 1;
		w->last_commit = t1;
		w->stored += due;
		if (!w->first_commit) {
			w->first_commit = t1;
			w->first_stored = w->stored;
		}
		w->txs++;
		w->busy_s += t1 - now;
		if ((t1 - now) * 1000 > w->worst_ms)
			w->worst_ms = (t1 - now) * 1000;
		if (t1 - last_beat >= 5) {
			if (store_begin(s, &err) || store_monitor_run_beat(s, run_id, t1, &err) ||
			    store_commit(s, &err)) {
				store_rollback(s);
				w->failed++;
			}
			last_beat = t1;
		}
	}
	store_close(s);
	return NULL;
}

/* The checks, registered as the monitor does at start-up, and today's
 * rollup rows, as a monitor's first round of the day leaves them
 * (monitor_writer.c makes them then): the window measures the steady
 * state, and both modes update rollups rather than insert them. */
static int setup(struct bench *b)
{
	struct store *s = NULL;
	struct sg_error err = {0};
	struct store_monitor_check *c = calloc((size_t)b->nchecks, sizeof(*c));
	struct rollup *r = calloc((size_t)b->nchecks, sizeof(*r));
	char(*names)[32] = calloc((size_t)b->nchecks, sizeof(*names));
	double now = wall();
	time_t tt = (time_t)now;
	struct tm tm;
	char day[16];
	int rc = -1;

	localtime_r(&tt, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	b->ids = calloc((size_t)b->nchecks, sizeof(*b->ids));
	for (long long i = 0; i < b->nchecks; i++) {
		snprintf(names[i], sizeof(names[i]), "c%lld", i);
		c[i] = (struct store_monitor_check){
		    names[i], "liveness", "http", "http://127.0.0.1:1/", NULL, 60};
	}
	if (store_open(b->db, 0, &s, &err) || store_begin(s, &err) ||
	    store_monitor_checks_upsert(s, "bench", c, (size_t)b->nchecks, now, b->ids, &err) ||
	    store_commit(s, &err))
		goto out;
	for (long long i = 0; i < b->nchecks; i++) {
		r[i].check_id = b->ids[i];
		memcpy(r[i].day, day, sizeof(r[i].day) - 1);
	}
	if (store_begin(s, &err) || store_monitor_daily_ensure(s, r, (size_t)b->nchecks, &err) ||
	    store_commit(s, &err))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_pg_write: %s\n", err.msg);
	store_close(s);
	free(c);
	free(r);
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	struct writer *w;
	long long stored = 0, txs = 0, failed = 0;
	double worst = 0, busy = 0, rate = 0, lag = 0, t1;

	if (argc != 8 || (b.writers = atoi(argv[2])) <= 0 || (b.rate = atof(argv[3])) <= 0 ||
	    (b.seconds = atoi(argv[4])) <= 0 || (b.nchecks = atoll(argv[5])) <= 0) {
		fprintf(stderr, "usage: bench_pg_write DB WRITERS ROWS_PER_S SECONDS CHECKS "
		                "lock|shared same|spread\n");
		return 2;
	}
	b.db = argv[1];
	b.shared = !strcmp(argv[6], "shared");
	b.same_phase = !strcmp(argv[7], "same");
	if (setup(&b))
		return 1;
	w = calloc((size_t)b.writers, sizeof(*w));
	b.t0 = ceil(wall()) + 2; /* every writer connected and migrated first */
	for (int k = 0; k < b.writers; k++) {
		w[k].b = &b;
		w[k].k = k;
		pthread_create(&w[k].th, NULL, writer_main, &w[k]);
	}
	for (int k = 0; k < b.writers; k++) {
		pthread_join(w[k].th, NULL);
		stored += w[k].stored;
		txs += w[k].txs;
		failed += w[k].failed;
		busy += w[k].busy_s;
		worst = w[k].worst_ms > worst ? w[k].worst_ms : worst;
		/* a writer's rate between its first and last commit: when it keeps
		 * up, a second's results a second; when it cannot, back-to-back
		 * transactions each taking the whole backlog. lag: how far behind
		 * the demand it ended. */
		if (w[k].last_commit > w[k].first_commit)
			rate += (double)(w[k].stored - w[k].first_stored) /
			        (w[k].last_commit - w[k].first_commit);
		lag = fmax(lag, ((b.rate / b.writers) * b.seconds - (double)w[k].stored) /
		                    (b.rate / b.writers));
		if (w[k].err[0])
			fprintf(stderr, "bench_pg_write: writer %d: %s\n", k, w[k].err);
	}
	t1 = wall();
	printf(
	    "{\"writers\": %d, \"mode\": \"%s\", \"phase\": \"%s\", \"checks\": %lld, "
	    "\"offered_rows_per_s\": %.0f, \"stored_rows\": %lld, \"window_s\": %.2f, "
	    "\"stored_rows_per_s\": %.0f, \"transactions\": %lld, \"failed_transactions\": %lld, "
	    "\"worst_tx_ms\": %.1f, \"writer_busy_fraction\": %.3f, \"lag_at_end_s\": %.2f}\n",
	    b.writers, b.shared ? "shared" : "lock", b.same_phase ? "same" : "spread", b.nchecks,
	    b.rate, stored, t1 - b.t0, rate, txs, failed, worst, busy / (b.writers * (t1 - b.t0)),
	    lag);
	free(w);
	free(b.ids);
	return 0;
}
