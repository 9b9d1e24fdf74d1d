/*
 * bench_pg_register - a monitor's start-up registration of N checks
 * (docs/performance.md, "Start-up with many checks"): one transaction that
 * registers every check and reads what each resumes with, the way
 * monitor_reload.c did it before (store_monitor_check_upsert(),
 * _last_result(), _incident_open_for(), _incident_joined_by(),
 * _open_interval(): five round trips per check on PostgreSQL) and the way it
 * does now (store_monitor_checks_upsert() and _checks_resume(): multi-row
 * statements of 200 checks). Each way runs twice: on an empty store (the
 * first start) and again (a restart: every check exists). Prints one JSON
 * object of seconds.
 * usage: bench_pg_register DB N   (DB: a path or a postgresql:// URI)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_monitor.h"
#include "banned.h"

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int one_by_one(struct store *s, const char *svc, struct store_monitor_check *c, size_t n,
                      struct sg_error *err)
{
	for (size_t i = 0; i < n; i++) {
		long long id, inc, iv;
		double at;
		char st[16];
		int conf;
		if (store_monitor_check_upsert(s, svc, c[i].name, c[i].kind, c[i].type, c[i].target,
		                               c[i].interval_s, c[i].item_id, 1000, &id, err) ||
		    store_monitor_last_result(s, id, &at, err) ||
		    store_monitor_incident_open_for(s, id, &inc, err) ||
		    (!inc && store_monitor_incident_joined_by(s, id, &inc, err)) ||
		    store_monitor_open_interval(s, id, &iv, st, &conf, err))
			return -1;
	}
	return 0;
}

static int batched(struct store *s, const char *svc, struct store_monitor_check *c, size_t n,
                   struct sg_error *err)
{
	long long *ids = calloc(n, sizeof(*ids));
	struct store_monitor_resume *res = calloc(n, sizeof(*res));
	int rc = store_monitor_checks_upsert(s, svc, c, n, 1000, ids, err) ||
	                 store_monitor_checks_resume(s, ids, n, res, err)
	             ? -1
	             : 0;

	free(ids);
	free(res);
	return rc;
}

int main(int argc, char **argv)
{
	struct sg_error err = {0};
	struct store *s = NULL;
	struct store_monitor_check *c;
	char(*names)[32];
	double t[4];
	size_t n;

	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: bench_pg_register DB N\n");
		return 2;
	}
	n = (size_t)atoi(argv[2]);
	c = calloc(n, sizeof(*c));
	names = calloc(n, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "check-%zu", i);
		c[i] = (struct store_monitor_check){
		    names[i], "liveness", "http", "http://127.0.0.1/", NULL, 60};
	}
	if (store_open(argv[1], 0, &s, &err))
		goto fail;
	for (int way = 0; way < 2; way++)
		for (int again = 0; again < 2; again++) {
			const char *svc = way ? "batched" : "one-by-one";
			double t0 = mono();
			if (store_begin(s, &err) ||
			    (way ? batched(s, svc, c, n, &err) : one_by_one(s, svc, c, n, &err)) ||
			    store_commit(s, &err))
				goto fail;
			t[way * 2 + again] = mono() - t0;
		}
	printf("{\"checks\": %zu, \"engine\": \"%s\", \"one_by_one_first_s\": %.3f, "
	       "\"one_by_one_restart_s\": %.3f, \"batched_first_s\": %.3f, "
	       "\"batched_restart_s\": %.3f}\n",
	       n, store_kind(s) == STORE_POSTGRES ? "postgresql" : "sqlite", t[0], t[1], t[2],
	       t[3]);
	store_close(s);
	free(c);
	free(names);
	return 0;
fail:
	fprintf(stderr, "bench_pg_register: %s\n", err.msg);
	store_close(s);
	return 1;
}
