/*
 * monitor_writer - the monitor's writer thread; see monitor_writer.h.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cluster.h"
#include "ledger_events.h"
#include "monitor_writer.h"
#include "rollup.h"
#include "store.h"
#include "store_cluster.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct monitor_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* shared, under mu */
	struct monitor_record *q;
	size_t nq, aq;
	long long dropped;
	int stop;
	/* the cluster: this node (0: none yet) and what its last heartbeat saw */
	long long node_id;
	char *location;
	int force_lease, shards;
	int beat_failing; /* the last heartbeat failed (logged once) */
	struct monitor_writer_view view;
	/* the thread's own */
	struct store *s;
	double parts_until; /* results up to here have their partition */
	struct monitor_record *batch;
	size_t nbatch, abatch;
	long long batch_upto; /* the batch's highest result id once written */
	long long run_id;
	char *service;
	double digest_s, last_beat, last_digest;
	double retention_ok_s, retention_fail_s, last_expire;
	EVP_MD_CTX *digest, *digest_save;
	long long digest_count, digest_fail, digest_first, digest_last;
	long long dropped_logged;
	int failing, fold_failing;
	/* check id -> the last day whose rollup row exists (PostgreSQL's
	 * shared writes: ensure_rows()); open addressing, half full */
	struct rollup_seen {
		long long check_id; /* 0: empty */
		char day[40];
	} * seen;
	size_t nseen, aseen;
	/* Results stored since the last fold, summed per check and day, and
	 * the highest id among them (a node's ids grow: one writer). Folded
	 * when monitor_writer_fold_due(), when a day ends, when asked
	 * (monitor_writer_sync()) and at stop. */
	struct rollup_set pend;
	long long pend_upto;
	char pend_day[40]; /* the day of the first of them ("": none) */
	int day_ended;     /* a result of a later day came */
	double last_fold;
	char *tz; /* the days of results summed again (fold_node()) */
	/* under mu: a fold asked for, and folds done so far */
	int fold_req;
	unsigned long fold_gen;
	pthread_cond_t fold_cv;
	struct sg_error err; /* the last failure */
	void (*log)(void *, const char *);
	void *log_arg;
};

static void wlog(struct monitor_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void wlog(struct monitor_writer *w, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!w->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->log(w->log_arg, line);
}

static enum sg_code write_digest(struct monitor_writer *w, double now, struct sg_error *err)
{
	unsigned char md[LEDGER_HASH_LEN];
	unsigned int len = 0;
	enum sg_code rc;

	if (!w->digest_count)
		return SG_OK;
	EVP_DigestFinal_ex(w->digest, md, &len);
	rc = ledger_events_check_results_digest(w->s, w->service, w->digest_first, w->digest_last,
	                                        w->digest_count, w->digest_fail, md, now, err);
	EVP_DigestInit_ex(w->digest, EVP_sha256(), NULL);
	w->digest_count = w->digest_fail = 0;
	w->last_digest = now;
	return rc;
}

/* The batch's results, and their lines in the digest. */
static enum sg_code write_results(struct monitor_writer *w, struct sg_error *err)
{
	struct store_monitor_result *sr;
	long long *ids;
	double lo = INFINITY, hi = -INFINITY;
	enum sg_code rc = SG_OK;

	if (!w->nbatch)
		return SG_OK;
	sr = xcalloc(w->nbatch, sizeof(*sr));
	ids = xcalloc(w->nbatch, sizeof(*ids));
	for (size_t i = 0; i < w->nbatch; i++) {
		const struct monitor_record *r = &w->batch[i];
		sr[i] = (struct store_monitor_result){r->check_id,
		                                      r->at,
		                                      r->latency_ms,
		                                      r->dns_ms,
		                                      r->connect_ms,
		                                      r->tls_ms,
		                                      r->ttfb_ms,
		                                      r->gap_s,
		                                      r->ok,
		                                      r->status,
		                                      r->ok ? NULL : r->error,
		                                      r->day};
		sr[i].location = w->location; /* set once before the first result */
		sr[i].node_id = w->node_id;
		lo = r->at < lo ? r->at : lo;
		hi = r->at > hi ? r->at : hi;
	}
	if (hi >= w->parts_until) /* SQLite: once; PostgreSQL: made by write_partitions() */
		rc = store_monitor_partitions(w->s, lo, hi, &w->parts_until, err);
	if (!rc)
		rc = store_monitor_write_results(w->s, sr, w->nbatch, ids, err);
	w->batch_upto = 0;
	for (size_t i = 0; i < w->nbatch && !rc; i++) {
		if (ids[i] > w->batch_upto)
			w->batch_upto = ids[i];
		const struct monitor_record *r = &w->batch[i];
		char line[320];
		int n = snprintf(line, sizeof(line), "%lld|%lld|%.3f|%d|%.3f|%d|%s\n", ids[i],
		                 r->check_id, r->at, r->ok, r->latency_ms, r->status,
		                 r->ok ? "" : r->error);
		EVP_DigestUpdate(w->digest, line, (size_t)(n < (int)sizeof(line) ? n : 319));
		if (!w->digest_count)
			w->digest_first = ids[i];
		w->digest_last = ids[i];
		w->digest_count++;
		w->digest_fail += !r->ok;
	}
	free(sr);
	free(ids);
	return rc;
}

/* The batch just committed joins the results to fold. */
static void pend_batch(struct monitor_writer *w)
{
	for (size_t i = 0; i < w->nbatch; i++) {
		const struct monitor_record *r = &w->batch[i];
		if (!w->pend_day[0])
			snprintf(w->pend_day, sizeof(w->pend_day), "%s", r->day);
		else if (strcmp(r->day, w->pend_day) > 0)
			w->day_ended = 1;
		rollup_set_add(&w->pend, r->check_id, r->day, r->at, r->ok, r->latency_ms,
		               r->gap_s);
	}
	if (w->batch_upto > w->pend_upto)
		w->pend_upto = w->batch_upto;
	w->nbatch = 0;
}

/* What a failed transaction puts back: the digest and when the heartbeat
 * and the digest were last written. */
struct writer_mark {
	double beat, dig;
	long long cnt, fail, first, last;
};

static void mark_save(struct monitor_writer *w, struct writer_mark *m)
{
	EVP_MD_CTX_copy_ex(w->digest_save, w->digest);
	*m = (struct writer_mark){w->last_beat,   w->last_digest,  w->digest_count,
	                          w->digest_fail, w->digest_first, w->digest_last};
}

static void mark_restore(struct monitor_writer *w, const struct writer_mark *m)
{
	EVP_MD_CTX_copy_ex(w->digest, w->digest_save);
	w->last_beat = m->beat;
	w->last_digest = m->dig;
	w->digest_count = m->cnt;
	w->digest_fail = m->fail;
	w->digest_first = m->first;
	w->digest_last = m->last;
}

/* One transaction: with results, the batch; with beat and digest, the
 * heartbeat and the digest when due. On failure everything is as before
 * the call. */
static enum sg_code write_tx(struct monitor_writer *w, int shared, int results, int final,
                             double now, struct sg_error *err)
{
	struct writer_mark m;
	enum sg_code rc;

	if ((rc = shared ? store_begin_shared(w->s, err) : store_begin(w->s, err)))
		return rc;
	mark_save(w, &m);
	rc = results ? write_results(w, err) : SG_OK;
	if (!rc && !shared && (final || now - w->last_beat >= 5)) {
		rc = store_monitor_run_beat(w->s, w->run_id, now, err);
		w->last_beat = now;
	}
	if (!rc && !shared && (final || now - w->last_digest >= w->digest_s))
		rc = write_digest(w, now, err);
	if (!rc)
		rc = store_commit(w->s, err);
	else
		store_rollback(w->s);
	if (rc) {
		mark_restore(w, &m);
		return rc;
	}
	if (results)
		pend_batch(w);
	return SG_OK;
}

/* Makes the day partitions the batch needs, in a transaction of their own
 * holding the writer lock: two monitors creating one day's partition at
 * once would otherwise collide (CREATE TABLE IF NOT EXISTS is not safe
 * against a concurrent create). About once a day. */
static enum sg_code write_partitions(struct monitor_writer *w, struct sg_error *err)
{
	double lo = INFINITY, hi = -INFINITY;
	enum sg_code rc;

	for (size_t i = 0; i < w->nbatch; i++) {
		lo = w->batch[i].at < lo ? w->batch[i].at : lo;
		hi = w->batch[i].at > hi ? w->batch[i].at : hi;
	}
	if (!w->nbatch || hi < w->parts_until)
		return SG_OK;
	if ((rc = store_begin(w->s, err)))
		return rc;
	if ((rc = store_monitor_partitions(w->s, lo, hi, &w->parts_until, err)) ||
	    (rc = store_commit(w->s, err))) {
		store_rollback(w->s);
		w->parts_until = 0;
	}
	return rc;
}

/* The slot of check_id in w->seen (its own or the empty one it would take). */
static struct rollup_seen *seen_slot(struct monitor_writer *w, long long check_id)
{
	size_t i = (size_t)check_id * 0x9E3779B97F4A7C15ULL & (w->aseen - 1);

	while (w->seen[i].check_id && w->seen[i].check_id != check_id)
		i = (i + 1) & (w->aseen - 1);
	return &w->seen[i];
}

static void seen_add(struct monitor_writer *w, long long check_id, const char *day)
{
	struct rollup_seen *x;

	if (2 * (w->nseen + 1) > w->aseen) {
		struct rollup_seen *old = w->seen;
		size_t n = w->aseen;
		w->aseen = n ? 2 * n : 1024;
		w->seen = xcalloc(w->aseen, sizeof(*w->seen));
		for (size_t i = 0; i < n; i++)
			if (old[i].check_id)
				*seen_slot(w, old[i].check_id) = old[i];
		free(old);
	}
	x = seen_slot(w, check_id);
	w->nseen += !x->check_id;
	x->check_id = check_id;
	snprintf(x->day, sizeof(x->day), "%s", day);
}

/* The check_daily rows of v[0..n) (sorted) this writer has not made yet
 * (a check's first fold of a day), made in a short shared transaction of
 * their own so the fold's transaction can lock them (store_monitor.h).
 * Rollups are never deleted, so a row seen once stays (and a failed fold
 * forgets them all, forget_seen()). Nothing on SQLite. */
static enum sg_code ensure_rows(struct monitor_writer *w, const struct rollup *v, size_t n,
                                struct sg_error *err)
{
	struct rollup *need;
	size_t k = 0;
	enum sg_code rc = SG_OK;

	if (store_kind(w->s) != STORE_POSTGRES || !n)
		return SG_OK;
	need = xcalloc(n, sizeof(*need));
	for (size_t i = 0; i < n; i++) {
		if (w->aseen && seen_slot(w, v[i].check_id)->check_id == v[i].check_id &&
		    !strcmp(seen_slot(w, v[i].check_id)->day, v[i].day))
			continue;
		need[k].check_id = v[i].check_id;
		memcpy(need[k++].day, v[i].day, sizeof(v[i].day));
	}
	if (k && !(rc = store_begin_shared(w->s, err)) &&
	    ((rc = store_monitor_daily_ensure(w->s, need, k, err)) ||
	     (rc = store_commit(w->s, err))))
		store_rollback(w->s);
	for (size_t i = 0; i < k && !rc; i++)
		seen_add(w, need[i].check_id, need[i].day);
	free(need);
	return rc;
}

/* The rows it has seen are made again next time, should one have gone (a
 * restored database). */
static void forget_seen(struct monitor_writer *w)
{
	if (w->seen)
		memset(w->seen, 0, w->aseen * sizeof(*w->seen));
	w->nseen = 0;
}

/* Folds v[0..n) and marks node's results folded up to upto (done: all of
 * them, for good) where its rollups_done is still expect_done, in one
 * transaction (shared on PostgreSQL: the rows are locked in order,
 * store_monitor.h). *mine = 0 (and nothing written) when the mark found
 * the node's row otherwise: another monitor folded them first. */
static enum sg_code fold_tx(struct monitor_writer *w, long long node, const struct rollup *v,
                            size_t n, long long upto, int done, int expect_done, int *mine,
                            struct sg_error *err)
{
	int pg = store_kind(w->s) == STORE_POSTGRES;
	enum sg_code rc;

	*mine = 0;
	if ((rc = ensure_rows(w, v, n, err))) {
		forget_seen(w);
		return rc;
	}
	if ((rc = pg ? store_begin_shared(w->s, err) : store_begin(w->s, err)))
		return rc;
	if ((rc = store_monitor_fold(w->s, v, n, err)) ||
	    (rc = store_cluster_node_folded(w->s, node, upto, done, expect_done, mine, err)) ||
	    !*mine) {
		store_rollback(w->s);
		if (rc)
			forget_seen(w);
		*mine = 0;
		return rc;
	}
	if ((rc = store_commit(w->s, err))) {
		store_rollback(w->s);
		forget_seen(w);
		*mine = 0;
	}
	return rc;
}

struct refold {
	struct rollup_set set;
	long long upto;
	const char *tz;
	double day_start, day_end;
	char day[40]; /* as monitor_record_day() writes it */
};

static int refold_row(const struct store_monitor_stored *r, void *ctx)
{
	struct refold *f = ctx;

	if (!(r->at >= f->day_start && r->at < f->day_end)) {
		struct tm tm;
		timeutil_localtime((long long)floor(r->at), f->tz, &tm);
		snprintf(f->day, sizeof(f->day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		f->day_start = (double)timeutil_mktime(&tm, f->tz);
		tm.tm_mday++;
		f->day_end = (double)timeutil_mktime(&tm, f->tz);
	}
	rollup_set_add(&f->set, r->check_id, f->day, r->at, r->ok, r->latency_ms, r->gap_s);
	if (r->id > f->upto)
		f->upto = r->id;
	return 0;
}

/* Sums node's results stored after id `after` again and folds them, its
 * row marked expect_done -> done: a node that stopped before its last fold
 * (or this node, when another monitor took it for stopped and folded what
 * it had stored). The days are this profile's zone's (one service per
 * cluster). *nfolded: the results folded (0: another monitor was first). */
static enum sg_code fold_node(struct monitor_writer *w, long long node, long long after,
                              int expect_done, int done, long long *nfolded, struct sg_error *err)
{
	struct refold f;
	struct rollup *v;
	size_t n;
	int mine = 0;
	enum sg_code rc;

	memset(&f, 0, sizeof(f));
	rollup_set_init(&f.set);
	f.upto = after;
	f.tz = w->tz;
	*nfolded = 0;
	rc = store_monitor_node_results(w->s, node, after, refold_row, &f, err);
	v = rollup_set_sorted(&f.set, &n);
	if (!rc)
		rc = fold_tx(w, node, v, n, f.upto, done, expect_done, &mine, err);
	for (size_t i = 0; i < n && mine; i++)
		*nfolded += v[i].n;
	rollup_set_release(&f.set);
	return rc;
}

/* Folds the results of the nodes that stopped (on PostgreSQL: or whose
 * heartbeat is MONITOR_WRITER_DEAD_S old) before they folded all of theirs: a kill -9,
 * a store that failed at stop. Each is claimed in the fold's own
 * transaction, so two monitors never fold one twice. */
static enum sg_code fold_stopped(struct monitor_writer *w, double now, struct sg_error *err)
{
	struct cluster_unfolded *u;
	size_t n;
	/* on SQLite the lock file lets one monitor run at a time: every other
	 * node has stopped */
	double before = store_kind(w->s) == STORE_POSTGRES ? now - MONITOR_WRITER_DEAD_S : 1e300;
	enum sg_code rc = store_cluster_unfolded(w->s, w->node_id, before, &u, &n, err);

	for (size_t i = 0; i < n && !rc; i++) {
		long long got;
		if (u[i].id == w->node_id)
			continue;
		if (!(rc = fold_node(w, u[i].id, u[i].folded_upto, 0, 1, &got, err)) && got)
			wlog(w,
			     "store: %lld results of monitor node %lld, which stopped before it "
			     "wrote "
			     "them into the daily rollups, written into them now",
			     got, u[i].id);
	}
	free(u);
	return rc;
}

/* This node's results stored after the mark another monitor left on its
 * row (it took this node for stopped), folded from the store: everything
 * pending here is stored, so the pending sums are dropped. */
static enum sg_code refold_own(struct monitor_writer *w, int final, struct sg_error *err)
{
	struct cluster_unfolded *u;
	size_t n;
	long long after = -1, got;
	enum sg_code rc = store_cluster_unfolded(w->s, w->node_id, 0, &u, &n, err);

	for (size_t i = 0; i < n; i++)
		if (u[i].id == w->node_id && u[i].rollups_done)
			after = u[i].folded_upto;
	free(u);
	if (rc || after < 0)
		return rc; /* not marked by another after all: the fold is tried again */
	if ((rc = fold_node(w, w->node_id, after, 1, final, &got, err)))
		return rc;
	wlog(w,
	     "store: another monitor took this one for stopped and wrote its results up to id "
	     "%lld into the daily rollups; %lld more written now",
	     after, got);
	rollup_set_clear(&w->pend);
	w->pend_day[0] = '\0';
	w->day_ended = 0;
	return SG_OK;
}

/* Folds what is pending, then the results of nodes that stopped without
 * folding theirs. */
static enum sg_code fold_pending(struct monitor_writer *w, int final, double now,
                                 struct sg_error *err)
{
	struct rollup *v;
	size_t n;
	int mine;
	enum sg_code rc;

	if (!w->node_id)
		return SG_OK;
	v = rollup_set_sorted(&w->pend, &n);
	if ((rc = fold_tx(w, w->node_id, v, n, w->pend_upto, final, 0, &mine, err)))
		return rc;
	if (!mine) {
		if ((rc = refold_own(w, final, err)))
			return rc;
	} else {
		rollup_set_clear(&w->pend);
		w->pend_day[0] = '\0';
		w->day_ended = 0;
	}
	w->last_fold = now;
	return fold_stopped(w, now, err);
}

int monitor_writer_fold_due(size_t rows, size_t results, double age_s)
{
	if (rows >= MONITOR_WRITER_FOLD_MAX || age_s >= MONITOR_WRITER_FOLD_LATE_S)
		return 1;
	return age_s >= MONITOR_WRITER_FOLD_S &&
	       (rows <= MONITOR_WRITER_FOLD_ROWS || results >= MONITOR_WRITER_FOLD_PER_ROW * rows);
}

/* A fold is due by time and size, when a day ended, when asked for, and
 * when a counter is full. */
static int fold_due(struct monitor_writer *w, int asked, double now)
{
	return asked || w->day_ended || w->pend.full ||
	       monitor_writer_fold_due(w->pend.n, w->pend.results, now - w->last_fold);
}

/*
 * The batch, the heartbeat and the digest when due. On SQLite one
 * transaction (one writer anyway). On PostgreSQL the results and their
 * rollups go in a shared transaction, outside the store-wide writer lock,
 * so the monitors of every location write at once (docs/scaling.md); the
 * heartbeat and the digest (a ledger entry) then take the lock in a
 * transaction of their own, every few seconds. The digest covers the ids
 * of results already committed; if its transaction fails it is written
 * later with what came since (as a crash loses an unwritten digest today).
 */
static enum sg_code write_batch(struct monitor_writer *w, int final, struct sg_error *err)
{
	double now = timeutil_now();
	int due = final || now - w->last_beat >= 5 || now - w->last_digest >= w->digest_s;
	enum sg_code rc;

	if (!w->nbatch && !due)
		return SG_OK;
	if (store_kind(w->s) != STORE_POSTGRES)
		return write_tx(w, 0, 1, final, now, err);
	if (w->nbatch && ((rc = write_partitions(w, err)) || (rc = write_tx(w, 1, 1, 0, now, err))))
		return rc;
	return due ? write_tx(w, 0, 0, final, now, err) : SG_OK;
}

/* Moves what the loop queued behind what is still unwritten. */
static void take_queue(struct monitor_writer *w)
{
	if (!w->nq)
		return;
	ALLOC_GROW(w->batch, w->nbatch + w->nq, w->abatch);
	memcpy(w->batch + w->nbatch, w->q, w->nq * sizeof(*w->q));
	w->nbatch += w->nq;
	w->nq = 0;
}

/* Raw results past their retention go, a batch per transaction so the
 * write lock is never held long; at most once an hour. */
static void expire(struct monitor_writer *w)
{
	double now = timeutil_now();
	long long n = 0, total = 0;
	struct sg_error err;

	if (now - w->last_expire < 3600)
		return;
	w->last_expire = now;
	memset(&err, 0, sizeof(err));
	do {
		if (store_begin(w->s, &err) ||
		    store_monitor_results_expire(w->s, now - w->retention_ok_s,
		                                 now - w->retention_fail_s, 10000, &n, &err) ||
		    store_commit(w->s, &err)) {
			store_rollback(w->s);
			wlog(w, "store: expiring old results: %s", err.msg);
			return;
		}
		total += n;
	} while (n >= 10000);
	if (total)
		wlog(w, "store: %lld results past their retention removed (rollups kept)", total);
}

/* This node's heartbeat and the coordinator's lease, every second before
 * the batch, then the live nodes for the loop (sharding, quorum). */
static void cluster_tick(struct monitor_writer *w)
{
	struct monitor_writer_view v;
	long long node, *ids = NULL;
	char **locs = NULL, shard[48] = "";
	size_t n = 0, alloc = 0, pos = 0;
	double now = timeutil_now();
	int held = 0, force, shards;
	struct sg_error err;
	const char *loc;

	pthread_mutex_lock(&w->mu);
	node = w->node_id;
	loc = w->location;
	force = w->force_lease;
	shards = w->shards;
	pthread_mutex_unlock(&w->mu);
	if (!node)
		return;
	memset(&err, 0, sizeof(err));
	err.lang = w->err.lang;
	memset(&v, 0, sizeof(v));
	/* Statements of their own, outside the store's writer lock: the lease
	 * row's own row lock decides between two takers, and a queue of long
	 * transactions elsewhere never lets the lease lapse. */
	if (store_cluster_lease(w->s, node, now, CLUSTER_LEASE_TTL_S, force, &held, &err) ||
	    store_cluster_live(w->s, now - CLUSTER_LEASE_TTL_S, &ids, &locs, &n, &err))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(locs[j], locs[i]);
		v.locations += !seen;
		if (!strcmp(locs[i], loc)) {
			ALLOC_GROW(v.peers, v.npeers + 1, alloc);
			if (ids[i] == node)
				pos = v.npeers;
			v.peers[v.npeers++] = ids[i];
		}
	}
	if (shards && v.npeers > 1)
		snprintf(shard, sizeof(shard), "%zu/%zu", pos + 1, v.npeers);
	if (store_cluster_node_beat(w->s, node, now, held, shard[0] ? shard : NULL, &err))
		goto fail;
	if (w->beat_failing)
		wlog(w, "cluster: heartbeat written again");
	w->beat_failing = 0;
	v.coordinator = held;
	pthread_mutex_lock(&w->mu);
	v.beats = w->view.beats + 1;
	free(w->view.peers);
	w->view = v;
	pthread_mutex_unlock(&w->mu);
	v.peers = NULL;
	goto out;
fail:
	if (!w->beat_failing)
		wlog(w, "cluster: heartbeat: %s (tried again every second)", err.msg);
	w->beat_failing = 1;
	free(v.peers);
out:
	for (size_t i = 0; i < n; i++)
		free(locs[i]);
	free(locs);
	free(ids);
}

/* Folds when due, logging a failure once (retried every second). */
static void fold_when_due(struct monitor_writer *w, int asked)
{
	double now = timeutil_now();
	struct sg_error err;

	if (w->failing || !fold_due(w, asked, now))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = w->err.lang;
	if (fold_pending(w, 0, now, &err)) {
		if (!w->fold_failing)
			wlog(w, "store: writing the daily rollups: %s (tried again every second)",
			     err.msg);
		w->fold_failing = 1;
	} else {
		if (w->fold_failing)
			wlog(w, "store: daily rollups written again");
		w->fold_failing = 0;
	}
}

static void *writer_main(void *arg)
{
	struct monitor_writer *w = arg;
	struct sg_error err;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;
		long long dropped;
		int asked;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!w->fold_req)
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		if (w->stop)
			break;
		take_queue(w);
		dropped = w->dropped;
		asked = w->fold_req;
		pthread_mutex_unlock(&w->mu);
		cluster_tick(w);
		memset(&err, 0, sizeof(err));
		err.lang = w->err.lang;
		if (write_batch(w, 0, &err)) {
			if (!w->failing)
				wlog(w, "store: %s (results kept in memory, retried every second)",
				     err.msg);
			w->failing = 1;
			w->err = err;
		} else {
			if (w->failing)
				wlog(w, "store: writing again; no waiting result was lost");
			w->failing = 0;
			expire(w);
			if (dropped > w->dropped_logged) {
				wlog(w,
				     "store: %lld results were dropped while the store could not "
				     "be written (more than %d waiting)",
				     dropped - w->dropped_logged, MONITOR_WRITER_MAX);
				w->dropped_logged = dropped;
			}
		}
		fold_when_due(w, asked);
		pthread_mutex_lock(&w->mu);
		if (asked) {
			w->fold_req = 0;
			w->fold_gen++;
			pthread_cond_broadcast(&w->fold_cv);
		}
	}
	/* a sync waiting now is let go: stop folds everything */
	w->fold_gen++;
	pthread_cond_broadcast(&w->fold_cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

enum sg_code monitor_writer_start(const char *db_path, struct store *own, long long run_id,
                                  const char *service, const char *tz, double digest_s,
                                  double retention_ok_s, double retention_fail_s,
                                  void (*log)(void *, const char *), void *log_arg,
                                  struct monitor_writer **out, struct sg_error *err)
{
	struct monitor_writer *w = xcalloc(1, sizeof(*w));
	enum sg_code rc;

	*out = NULL;
	w->err.lang = err ? err->lang : 0;
	w->s = own;
	if ((!own && (rc = store_open(db_path, 0, &w->s, err))) ||
	    (rc = store_monitor_writer_setup(w->s, err))) {
		store_close(w->s); /* own is taken, even on failure */
		free(w);
		return rc;
	}
	/* A lock held elsewhere costs this thread a wait, never the loop. */
	store_set_wait(w->s, 2000);
	w->run_id = run_id;
	w->service = xstrdup(service);
	w->tz = xstrdup(tz ? tz : "UTC");
	rollup_set_init(&w->pend);
	w->digest_s = digest_s;
	w->retention_ok_s = retention_ok_s;
	w->retention_fail_s = retention_fail_s;
	w->last_beat = w->last_digest = w->last_fold = timeutil_now();
	w->digest = EVP_MD_CTX_new();
	w->digest_save = EVP_MD_CTX_new();
	EVP_DigestInit_ex(w->digest, EVP_sha256(), NULL);
	w->log = log;
	w->log_arg = log_arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->fold_cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		store_close(w->s);
		EVP_MD_CTX_free(w->digest);
		EVP_MD_CTX_free(w->digest_save);
		free(w->service);
		free(w->tz);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		pthread_cond_destroy(&w->fold_cv);
		free(w);
		return sg_error_set(err, SG_ERR_INTERNAL, "cannot start the writer thread");
	}
	*out = w;
	return SG_OK;
}

void monitor_writer_cluster(struct monitor_writer *w, long long node_id, const char *location,
                            int force, int shards)
{
	pthread_mutex_lock(&w->mu);
	free(w->location);
	w->location = xstrdup(location);
	w->node_id = node_id;
	w->force_lease = force;
	w->shards = shards;
	pthread_mutex_unlock(&w->mu);
}

void monitor_writer_view(struct monitor_writer *w, struct monitor_writer_view *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->view;
	out->peers = NULL;
	if (w->view.npeers) {
		out->peers = xcalloc(w->view.npeers, sizeof(*out->peers));
		memcpy(out->peers, w->view.peers, w->view.npeers * sizeof(*out->peers));
	}
	pthread_mutex_unlock(&w->mu);
}

void monitor_writer_add(struct monitor_writer *w, const struct monitor_record *r)
{
	pthread_mutex_lock(&w->mu);
	if (w->nq + w->nbatch >= MONITOR_WRITER_MAX) {
		w->dropped++;
	} else {
		ALLOC_GROW(w->q, w->nq + 1, w->aq);
		w->q[w->nq++] = *r;
		if (w->nq >= 4096) /* many waiting: write them now */
			pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

enum sg_code monitor_writer_stop(struct monitor_writer *w, double patience, long long *lost,
                                 struct sg_error *err)
{
	double until = timeutil_monotonic_ms() + patience * 1000;
	enum sg_code rc;
	struct sg_error e;

	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	take_queue(w);
	for (;;) {
		memset(&e, 0, sizeof(e));
		e.lang = w->err.lang;
		if (!(rc = write_batch(w, 1, &e)) || timeutil_monotonic_ms() >= until)
			break;
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!rc) {
		expire(w); /* --once from cron expires too */
		for (;;) {
			memset(&e, 0, sizeof(e));
			e.lang = w->err.lang;
			if (!fold_pending(w, 1, timeutil_now(), &e))
				break;
			if (timeutil_monotonic_ms() >= until) {
				wlog(w,
				     "store: writing the daily rollups: %s (the next monitor on "
				     "this "
				     "store writes them from the stored results)",
				     e.msg);
				break;
			}
			struct timespec ts = {0, 250 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	*lost = w->dropped + (rc ? (long long)w->nbatch : 0);
	if (rc && err)
		*err = e;
	store_close(w->s);
	EVP_MD_CTX_free(w->digest);
	EVP_MD_CTX_free(w->digest_save);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->q);
	free(w->batch);
	free(w->service);
	free(w->location);
	free(w->view.peers);
	free(w->seen);
	free(w->tz);
	rollup_set_release(&w->pend);
	pthread_cond_destroy(&w->fold_cv);
	free(w);
	return rc;
}

void monitor_writer_sync(struct monitor_writer *w, double timeout_s)
{
	struct timespec ts;
	unsigned long gen;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)timeout_s;
	pthread_mutex_lock(&w->mu);
	gen = w->fold_gen;
	w->fold_req = 1;
	pthread_cond_signal(&w->cv);
	while (w->fold_gen == gen)
		if (pthread_cond_timedwait(&w->fold_cv, &w->mu, &ts))
			break;
	pthread_mutex_unlock(&w->mu);
}
