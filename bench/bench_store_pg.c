/*
 * bench_store_pg - rows per second through store.h on either backend, the
 * two ways a module writes: one statement prepared per row (one round trip
 * each on PostgreSQL: PQexecParams) and one statement reset and run again
 * (the monitor writer's and the ledger's hot path: a server-side prepared
 * statement on PostgreSQL). N rows in transactions of 1,000.
 * The table is written in types both engines read alike (store_exec()
 * passes no migration rewrite).
 * usage: bench_store_pg DB N   (DB: a path or a postgresql:// URI)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"
#include "banned.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char insert_sql[] =
    "INSERT INTO bench_rows (check_id, at_ms, ok, latency_ms, error) VALUES (?, ?, ?, ?, ?)";

static int run(struct store *s, int n, int reuse, struct sg_error *err)
{
	struct store_stmt *st = NULL;
	int i;

	for (i = 0; i < n; i++) {
		if (i % 1000 == 0 && store_begin(s, err))
			return -1;
		if (!st && store_prepare(s, insert_sql, &st, err))
			return -1;
		store_bind_int(st, 1, i % 100);
		store_bind_int(st, 2, 1764547200000LL + i);
		store_bind_int(st, 3, i % 7 != 0);
		store_bind_real(st, 4, 12.5 + i % 10);
		store_bind_text(st, 5, i % 7 ? NULL : "connection refused");
		if (store_step(st) == STORE_ERROR) {
			store_fail(s, err, "insert");
			store_finalize(st);
			return -1;
		}
		if (reuse) {
			store_reset(st);
		} else {
			store_finalize(st);
			st = NULL;
		}
		if ((i % 1000 == 999 || i == n - 1) && store_commit(s, err))
			return -1;
	}
	store_finalize(st);
	return 0;
}

int main(int argc, char **argv)
{
	struct sg_error err = {0};
	struct store *s;
	int n, reuse;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_store_pg DB N\n");
		return 2;
	}
	if (store_open(argv[1], 0, &s, &err) ||
	    store_exec(s,
	               "DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (check_id BIGINT, "
	               "at_ms BIGINT, ok BIGINT, latency_ms DOUBLE PRECISION, error TEXT)",
	               &err)) {
		fprintf(stderr, "bench_store_pg: %s\n", err.msg);
		return 1;
	}
	for (reuse = 0; reuse < 2; reuse++) {
		double t0 = now(), t;

		if (run(s, n, reuse, &err)) {
			fprintf(stderr, "bench_store_pg: %s\n", err.msg);
			return 1;
		}
		t = now() - t0;
		printf("%s %d rows %.3f s %.0f rows/s\n",
		       reuse ? "reset_and_rerun" : "prepare_per_row", n, t, n / t);
	}
	store_exec(s, "DROP TABLE bench_rows", &err);
	store_close(s);
	return 0;
}
