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

#include "ledger_events.h"
#include "monitor_writer.h"
#include "store.h"
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
	/* the thread's own */
	struct store *s;
	double parts_until; /* results up to here have their partition */
	struct monitor_record *batch;
	size_t nbatch, abatch;
	long long run_id;
	char *service;
	double digest_s, last_beat, last_digest;
	double retention_ok_s, retention_fail_s, last_expire;
	EVP_MD_CTX *digest, *digest_save;
	long long digest_count, digest_fail, digest_first, digest_last;
	long long dropped_logged;
	int failing;
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
		lo = r->at < lo ? r->at : lo;
		hi = r->at > hi ? r->at : hi;
	}
	if (hi >= w->parts_until)
		rc = store_monitor_partitions(w->s, lo, hi, &w->parts_until, err);
	if (!rc)
		rc = store_monitor_write_results(w->s, sr, w->nbatch, ids, err);
	for (size_t i = 0; i < w->nbatch && !rc; i++) {
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

/* One transaction: the batch, the heartbeat and the digest when due (all
 * of it at the end). On failure everything is as before the call. */
static enum sg_code write_batch(struct monitor_writer *w, int final, struct sg_error *err)
{
	double now = timeutil_now(), beat = w->last_beat, dig = w->last_digest;
	long long cnt = w->digest_count, fail = w->digest_fail, first = w->digest_first,
	          last = w->digest_last;
	enum sg_code rc;

	if (!w->nbatch && !final && now - w->last_beat < 5 && now - w->last_digest < w->digest_s)
		return SG_OK;
	if ((rc = store_begin(w->s, err)))
		return rc;
	EVP_MD_CTX_copy_ex(w->digest_save, w->digest);
	rc = write_results(w, err);
	if (!rc && (final || now - w->last_beat >= 5)) {
		rc = store_monitor_run_beat(w->s, w->run_id, now, err);
		w->last_beat = now;
	}
	if (!rc && (final || now - w->last_digest >= w->digest_s))
		rc = write_digest(w, now, err);
	if (!rc)
		rc = store_commit(w->s, err);
	else
		store_rollback(w->s);
	if (rc) {
		w->parts_until = 0; /* partitions made in the rolled-back transaction are gone */
		EVP_MD_CTX_copy_ex(w->digest, w->digest_save);
		w->digest_count = cnt;
		w->digest_fail = fail;
		w->digest_first = first;
		w->digest_last = last;
		w->last_beat = beat;
		w->last_digest = dig;
		return rc;
	}
	w->nbatch = 0;
	return SG_OK;
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

static void *writer_main(void *arg)
{
	struct monitor_writer *w = arg;
	struct sg_error err;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;
		long long dropped;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		if (w->stop)
			break;
		take_queue(w);
		dropped = w->dropped;
		pthread_mutex_unlock(&w->mu);
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
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

enum sg_code monitor_writer_start(const char *db_path, struct store *own, long long run_id,
                                  const char *service, double digest_s, double retention_ok_s,
                                  double retention_fail_s, void (*log)(void *, const char *),
                                  void *log_arg, struct monitor_writer **out, struct sg_error *err)
{
	struct monitor_writer *w = xcalloc(1, sizeof(*w));
	enum sg_code rc;

	*out = NULL;
	w->err.lang = err ? err->lang : 0;
	w->s = own;
	if (!own && (rc = store_open(db_path, 0, &w->s, err))) {
		store_close(w->s);
		free(w);
		return rc;
	}
	/* A lock held elsewhere costs this thread a wait, never the loop. */
	store_set_wait(w->s, 2000);
	w->run_id = run_id;
	w->service = xstrdup(service);
	w->digest_s = digest_s;
	w->retention_ok_s = retention_ok_s;
	w->retention_fail_s = retention_fail_s;
	w->last_beat = w->last_digest = timeutil_now();
	w->digest = EVP_MD_CTX_new();
	w->digest_save = EVP_MD_CTX_new();
	EVP_DigestInit_ex(w->digest, EVP_sha256(), NULL);
	w->log = log;
	w->log_arg = log_arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		store_close(w->s);
		EVP_MD_CTX_free(w->digest);
		EVP_MD_CTX_free(w->digest_save);
		free(w->service);
		free(w);
		return sg_error_set(err, SG_ERR_INTERNAL, "cannot start the writer thread");
	}
	*out = w;
	return SG_OK;
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
	if (!rc)
		expire(w); /* --once from cron expires too */
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
	free(w);
	return rc;
}
