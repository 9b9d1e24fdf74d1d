/* Unit tests for store and ledger_append: file modes, migrations, nested
 * transactions, append-only triggers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <math.h>

#include "ledger.h"
#include "store.h"
#include "store_collect.h"
#include "store_ledger.h"
#include "store_cluster.h"
#include "store_monitor.h"

static char dir[] = "/tmp/sg-store-XXXXXX";
static char path[300];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sub/db.sqlite", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[400];
	const char *sfx[] = {"", "-wal", "-shm"};
	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

static void test_open_private(void **state)
{
	struct store *s;
	struct stat st;
	char sub[320];
	(void)state;
	assert_int_equal(store_open(path, 0, &s, NULL), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_true(store_schema_version(s, "ledger") >= 1);
	assert_true(store_schema_version(s, "monitor") >= 1);
	assert_true(store_schema_version(s, "collect") >= 1);
	store_close(s);
	/* Opening again runs no migration twice. */
	assert_int_equal(store_open(path, 0, &s, NULL), SG_OK);
	store_close(s);
}

static void test_readonly_missing(void **state)
{
	struct store *s;
	char p[320];
	(void)state;
	snprintf(p, sizeof(p), "%s/none.db", dir);
	assert_int_equal(store_open(p, STORE_READONLY, &s, NULL), SG_ERR_NOT_FOUND);
	assert_int_not_equal(access(p, F_OK), 0);
}

static void test_ledger_append_only(void **state)
{
	struct store *s;
	struct sg_error err;
	long long seq = -1;
	json_t *payload = json_pack("{s:s}", "note", "テスト");
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_open(path, 0, &s, &err), SG_OK);
	assert_int_equal(ledger_append(s, "attestation", payload, &seq, &err), SG_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(ledger_append(s, "attestation", payload, &seq, &err), SG_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(store_exec(s, "UPDATE ledger_entries SET type = 'x'", &err), SG_ERR_DB);
	assert_non_null(strstr(err.msg, "append-only"));
	assert_int_equal(store_exec(s, "DELETE FROM ledger_entries", &err), SG_ERR_DB);
	json_decref(payload);
	store_close(s);
}

static void test_nested_transactions(void **state)
{
	struct store *s;
	struct sg_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_open(path, 0, &s, &err), SG_OK);
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(ledger_append(s, "a", NULL, NULL, &err), SG_OK);
	store_rollback(s);
	/* The inner append was part of the rolled-back outer transaction. */
	struct store_stmt *st;
	assert_int_equal(
	    store_prepare(s, "SELECT COUNT(*) FROM ledger_entries WHERE type = 'a'", &st, &err),
	    SG_OK);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal((int)store_col_int(st, 0), 0);
	store_finalize(st);
	/* A commit with no transaction is an error, not a silent success. */
	assert_int_equal(store_commit(s, &err), SG_ERR_DB);
	store_close(s);
}

/* The shared statement helpers: NULL and NAN are SQL NULL both ways,
 * store_each stops when the row callback asks and reports a failed step. */
static int collect_row(struct store_stmt *st, void *p)
{
	int *n = p;
	char *t = store_col_dup(st, 0);
	if (*n == 0)
		assert_string_equal(t, "a");
	else
		assert_string_equal(t, ""); /* SQL NULL */
	if (*n == 1)
		assert_true(isnan(store_col_real(st, 1)));
	free(t);
	return ++*n == 2;
}

static void test_helpers(void **state)
{
	struct store *s;
	struct sg_error err;
	struct store_stmt *st;
	int n = 0;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_open(path, 0, &s, &err), SG_OK);
	assert_int_equal(store_exec(s, "CREATE TEMP TABLE h(t TEXT, r REAL)", &err), SG_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_prepare(s, "INSERT INTO h VALUES (?, ?)", &st, &err), SG_OK);
		store_bind_text(st, 1, i == 0 ? "a" : NULL);
		store_bind_real(st, 2, i == 1 ? NAN : 1.5);
		assert_int_equal(store_step_done(s, st, "insert", &err), SG_OK);
	}
	assert_int_equal(store_prepare(s, "SELECT t, r FROM h ORDER BY rowid", &st, &err), SG_OK);
	assert_int_equal(store_each(s, st, collect_row, &n, "read", &err), SG_OK);
	assert_int_equal(n, 2); /* stopped after the second of three rows */
	assert_int_equal(
	    store_prepare(s, "SELECT t FROM h WHERE t IS NULL AND r IS NULL", &st, &err), SG_OK);
	n = 1;
	assert_int_equal(store_each(s, st, collect_row, &n, "read", &err), SG_OK);
	assert_int_equal(n, 2);
	/* A step that fails is an error naming what was done. */
	assert_int_equal(store_prepare(s, "SELECT abs(-9223372036854775807 - 1)", &st, &err),
	                 SG_OK);
	n = 0;
	assert_int_equal(store_each(s, st, collect_row, &n, "overflow", &err), SG_ERR_DB);
	assert_non_null(strstr(err.msg, "overflow"));
	/* Each value's own type (what store migrate copies by). */
	assert_int_equal(store_prepare(s, "SELECT 1, 1.5, 'a', x'00ff', NULL", &st, &err), SG_OK);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_col_type(st, 0), STORE_T_INTEGER);
	assert_int_equal(store_col_type(st, 1), STORE_T_REAL);
	assert_int_equal(store_col_type(st, 2), STORE_T_TEXT);
	assert_int_equal(store_col_type(st, 3), STORE_T_BLOB);
	assert_int_equal(store_col_type(st, 4), STORE_T_NULL);
	store_finalize(st);
	store_close(s);
}

static void test_entry_text_canonical(void **state)
{
	json_t *p = json_pack("{s:i,s:s}", "z", 1, "a", "x");
	char *t = ledger_entry_text(3, 1000, "t", p);
	(void)state;
	assert_string_equal(
	    t, "{\"at\":1000,\"payload\":{\"a\":\"x\",\"z\":1},\"seq\":3,\"type\":\"t\"}");
	free(t);
	json_decref(p);
}

static void test_measurements_latest(void **state)
{
	struct store *s;
	struct sg_error err;
	struct measured_set set = MEASURED_SET_INIT;
	struct measurement m = {"svc",          "backup", "III.2.3.1.a", "/srv/b",
	                        MEASUREMENT_OK, "26h",    NAN,           "s",
	                        "ls /srv/b",    NULL,     1000};
	double first = 0;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_open(path, 0, &s, &err), SG_OK);
	assert_int_equal(store_collect_insert(s, &m, NULL, &err), SG_OK);
	m.value_text = "20h";
	m.measured_at = 2000;
	assert_int_equal(store_collect_insert(s, &m, NULL, &err), SG_OK);
	m.value_text = "90h"; /* an error row never counts */
	m.status = MEASUREMENT_ERROR;
	m.measured_at = 3000;
	assert_int_equal(store_collect_insert(s, &m, NULL, &err), SG_OK);
	m.service = "other";
	m.status = MEASUREMENT_OK;
	assert_int_equal(store_collect_insert(s, &m, NULL, &err), SG_OK);
	assert_int_equal(store_collect_latest(s, "svc", &set, &err), SG_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.v[0].text, "20h");
	assert_float_equal(set.v[0].value.seconds, 20 * 3600, 1e-9);
	assert_string_equal(set.v[0].source, "backup:/srv/b");
	measured_set_release(&set);
	assert_int_equal(store_collect_first_seen(s, "pkg:openssl", 500, &first, &err), SG_OK);
	assert_float_equal(first, 500, 1e-9);
	assert_int_equal(store_collect_first_seen(s, "pkg:openssl", 900, &first, &err), SG_OK);
	assert_float_equal(first, 500, 1e-9);
	store_close(s);
}

/* store_monitor and store_ledger read through the store.h helpers: empty
 * results, NULL columns, overlaps, and a failed step reported as an error
 * naming what was read (the hand-rolled loops returned 0 and SG_OK). */
static void test_module_queries(void **state)
{
	struct store *s;
	struct sg_error err;
	struct avail_interval *iv;
	struct incident_row inc;
	struct store_ledger_head head;
	long long id, run, seq = -1, first = -1, end = -1;
	size_t n;
	double at = -1;
	char st[16] = "x";
	int confirmed = -1, found = -1;
	(void)state;
	char db[400], f[420];
	memset(&err, 0, sizeof(err));
	snprintf(db, sizeof(db), "%s/queries.sqlite", dir); /* a fresh store */
	assert_int_equal(store_open(db, 0, &s, &err), SG_OK);
	/* the ledger: empty */
	assert_int_equal(store_ledger_next_seq(s, &seq, &err), SG_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(store_ledger_seq_range(s, 0, 1000, &first, &end, &err), SG_OK);
	assert_true(first == 0 && end == 0);
	assert_int_equal(store_ledger_last_head(s, &head, &found, &err), SG_OK);
	assert_int_equal(found, 0);
	/* runs: none, then one stopped (its open intervals end at its last beat) */
	assert_int_equal(store_monitor_close_time(s, 5000, &at, &err), SG_OK);
	assert_float_equal(at, 5000, 0);
	assert_int_equal(store_monitor_run_start(s, 1000, 42, &run, &err), SG_OK);
	assert_int_equal(store_monitor_close_time(s, 1030, &at, &err), SG_OK);
	assert_float_equal(at, 1030, 0); /* running */
	assert_int_equal(store_monitor_run_stop(s, run, 1010, &err), SG_OK);
	assert_int_equal(store_monitor_close_time(s, 1030, &at, &err), SG_OK);
	assert_float_equal(at, 1010, 0);
	/* intervals: none open, then an overlap left by a crash made disjoint */
	assert_int_equal(store_monitor_check_upsert(s, "svc", "web", "liveness", "http",
	                                            "http://127.0.0.1/", 60, NULL, 1000, &id, &err),
	                 SG_OK);
	assert_int_equal(store_monitor_open_interval(s, id, &run, st, &confirmed, &err), SG_OK);
	assert_true(run == 0 && st[0] == 0 && confirmed == 0);
	assert_int_equal(store_monitor_interval_open(s, id, "up", 1, 1000, &run, &err), SG_OK);
	assert_int_equal(store_monitor_interval_open(s, id, "down", 0, 1100, &run, &err), SG_OK);
	assert_int_equal(store_monitor_open_interval(s, id, &run, st, &confirmed, &err), SG_OK);
	assert_string_equal(st, "down");
	assert_int_equal(confirmed, 0);
	assert_int_equal(store_monitor_intervals(s, id, 0, 2000, 1200, &iv, &n, &err), SG_OK);
	assert_int_equal(n, 2);
	assert_true(iv[0].state == AVAIL_UP && iv[0].start == 1000 && iv[0].end == 1100);
	assert_true(iv[1].state == AVAIL_DOWN && iv[1].end == 1200 && !iv[1].confirmed);
	free(iv);
	assert_int_equal(store_monitor_last_result(s, id, &at, &err), SG_OK);
	assert_float_equal(at, 0, 0);
	assert_int_equal(store_monitor_incident_get(s, 99, &inc, &err), SG_ERR_NOT_FOUND);
	/* A step that fails: a temporary view shadows the table. */
	assert_int_equal(store_exec(s,
	                            "CREATE TEMP VIEW check_daily AS SELECT 1 AS check_id, "
	                            "'2026-01-01' AS day, abs(-9223372036854775807 - 1) AS last_at",
	                            &err),
	                 SG_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_monitor_last_result(s, 1, &at, &err), SG_ERR_DB);
	assert_non_null(strstr(err.msg, "last result"));
	assert_int_equal(store_exec(s, "DROP VIEW temp.check_daily", &err), SG_OK);
	store_close(s);
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", db, (const char *[]){"", "-wal", "-shm"}[i]);
		unlink(f);
	}
}

/* Checks registered and resumed in batches give what the one-check
 * functions give, across chunks, with a name given twice; a shared
 * transaction is an ordinary one on SQLite. */
static void test_checks_batch(void **state)
{
	struct store *s = NULL;
	struct sg_error err;
	struct store_monitor_check c[450];
	char names[450][16];
	long long ids[450], one, iv, node;
	struct store_monitor_resume *res = calloc(450, sizeof(*res));
	struct store_monitor_result r = {0};
	long long rid;
	char db[400], f[420];
	(void)state;

	memset(&err, 0, sizeof(err));
	snprintf(db, sizeof(db), "%s/batch.sqlite", dir);
	assert_int_equal(store_open(db, 0, &s, &err), SG_OK);
	for (int i = 0; i < 450; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i == 449 ? 7 : i); /* c7 twice */
		c[i] = (struct store_monitor_check){names[i],    "liveness", "http",
		                                    "http://x/", NULL,       60};
	}
	c[449].target = "http://last/";
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(store_monitor_checks_upsert(s, "svc", c, 450, 1000, ids, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	assert_int_equal(ids[7], ids[449]);
	for (int i = 0; i < 450; i += 37) {
		assert_int_equal(store_monitor_check_upsert(s, "svc", names[i], "liveness", "http",
		                                            c[i].target, 60, NULL, 1000, &one,
		                                            &err),
		                 SG_OK);
		assert_int_equal(one, ids[i]);
	}
	/* a result, an open interval and an open incident to resume with */
	assert_int_equal(store_begin_shared(s, &err), SG_OK);
	assert_int_equal(store_tx_shared(s), 0);       /* SQLite: the writer's lock anyway */
	assert_int_equal(store_begin(s, &err), SG_OK); /* nests */
	/* the result of a node that has not folded it yet: no daily rollup */
	assert_int_equal(store_cluster_node_register(s, "h", 1, "tokyo", 1000, &node, &err), SG_OK);
	r = (struct store_monitor_result){ids[300], 1234.5, 12,  -1,   -1,           -1,   -1,
	                                  0,        1,      200, NULL, "2026-01-01", NULL, node};
	assert_int_equal(store_monitor_write_results(s, &r, 1, &rid, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	assert_int_equal(store_monitor_interval_open(s, ids[5], "down", 0, 1100, &iv, &err), SG_OK);
	{
		struct incident_row inc = {0};
		inc.service = "svc";
		inc.check_id = ids[210];
		inc.kind = "outage";
		inc.started_at = inc.detected_at = 1100;
		assert_int_equal(store_monitor_incident_open(s, &inc, &err), SG_OK);
		one = inc.id;
	}
	assert_int_equal(store_monitor_checks_resume(s, ids, 450, res, &err), SG_OK);
	assert_float_equal(res[300].last_at, 1234.5, 0);
	assert_int_equal(res[5].interval_id, iv);
	assert_string_equal(res[5].state, "down");
	assert_int_equal(res[5].confirmed, 0);
	assert_int_equal(res[210].incident_id, one);
	for (int i = 0; i < 450; i++) {
		double at;
		long long inc, ivl;
		char st[16];
		int conf;
		assert_int_equal(store_monitor_last_result(s, ids[i], &at, &err), SG_OK);
		assert_int_equal(store_monitor_incident_open_for(s, ids[i], &inc, &err), SG_OK);
		assert_int_equal(store_monitor_open_interval(s, ids[i], &ivl, st, &conf, &err),
		                 SG_OK);
		assert_float_equal(res[i].last_at, at, 0);
		assert_int_equal(res[i].incident_id, inc);
		assert_int_equal(res[i].interval_id, ivl);
		assert_string_equal(res[i].state, st);
		assert_int_equal(res[i].confirmed, conf);
	}
	free(res);
	store_close(s);
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", db, (const char *[]){"", "-wal", "-shm"}[i]);
		unlink(f);
	}
}

/* A rollup set sums per (check, day) across a rehash, sorts in the order
 * folds lock rows in, and two folds of it add up in check_daily. */
/* Folds of more than one full chunk (200 rollups per statement, kept
 * prepared and bound again for each chunk and each fold) add every row. */
static void test_fold_full_chunks(void **state)
{
	enum { N = 450 };
	struct store_monitor_check c[N];
	char names[N][16];
	long long ids[N], n, nf;
	struct rollup_set set = ROLLUP_SET_INIT;
	struct store *s = NULL;
	struct sg_error err;
	struct rollup *v;
	double gap, at;
	size_t nv;
	char db[400];
	(void)state;

	memset(&err, 0, sizeof(err));
	snprintf(db, sizeof(db), "%s/chunks.sqlite", dir);
	assert_int_equal(store_open(db, 0, &s, &err), SG_OK);
	/* as the monitor's writer folds: statement journals in memory (2) */
	assert_int_equal(store_monitor_writer_setup(s, &err), SG_OK);
	{
		struct store_stmt *st;
		assert_int_equal(store_prepare(s, "PRAGMA temp_store", &st, &err), SG_OK);
		assert_int_equal(store_step(st), STORE_ROW);
		assert_int_equal(store_col_int(st, 0), 2);
		store_finalize(st);
	}
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		c[i] = (struct store_monitor_check){names[i],    "liveness", "http",
		                                    "http://a/", NULL,       60};
	}
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(store_monitor_checks_upsert(s, "svc", c, N, 1000, ids, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	for (int round = 1; round <= 2; round++) {
		for (int i = 0; i < N; i++)
			for (int k = 0; k < round; k++) /* check i: i ms, failing when i % 3 == 0 */
				rollup_set_add(&set, ids[i], "2026-01-01", 1000 + 10 * round + i,
				               i % 3 != 0, (double)(i + 1), 10 + i + round);
		v = rollup_set_sorted(&set, &nv);
		assert_int_equal(nv, N);
		assert_int_equal(store_begin(s, &err), SG_OK);
		assert_int_equal(store_monitor_fold(s, v, nv, &err), SG_OK);
		assert_int_equal(store_commit(s, &err), SG_OK);
		rollup_set_clear(&set);
	}
	for (int i = 0; i < N; i++) {
		unsigned long long hist[HISTOGRAM_BUCKETS] = {0};

		assert_int_equal(store_monitor_daily_sum(s, ids[i], "2026-01-01", "2026-01-01",
		                                         hist, &n, &nf, &gap, &err),
		                 SG_OK);
		assert_int_equal(n, 3);
		assert_int_equal(nf, i % 3 ? 0 : 3);
		assert_float_equal(gap, 12 + i, 0);
		assert_int_equal(hist[histogram_bucket((double)(i + 1))], 3);
		assert_int_equal(store_monitor_last_result(s, ids[i], &at, &err), SG_OK);
		assert_float_equal(at, 1020 + i, 0);
	}
	rollup_set_release(&set);
	store_close(s);
}

static void test_rollup_fold(void **state)
{
	struct rollup_set set = ROLLUP_SET_INIT;
	struct store_monitor_check c[2] = {{"a", "liveness", "http", "http://a/", NULL, 60},
	                                   {"b", "liveness", "http", "http://b/", NULL, 60}};
	struct store *s = NULL;
	struct sg_error err;
	struct rollup *v;
	unsigned long long hist[HISTOGRAM_BUCKETS] = {0};
	long long ids[2], n = 0, nf = 0;
	double gap = 0, at = 0;
	size_t nv;
	char db[400], f[420];
	(void)state;

	memset(&err, 0, sizeof(err));
	snprintf(db, sizeof(db), "%s/fold.sqlite", dir);
	assert_int_equal(store_open(db, 0, &s, &err), SG_OK);
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(store_monitor_checks_upsert(s, "svc", c, 2, 1000, ids, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	/* far more pairs than the first index holds: rehashed on the way */
	for (long long k = 1; k <= 5000; k++)
		rollup_set_add(&set, 100000 + k, "2026-01-01", 1000, 1, 3, 1);
	rollup_set_add(&set, ids[1], "2026-01-02", 90000, 1, 1.5, 60);
	rollup_set_add(&set, ids[1], "2026-01-01", 1200, 1, 1.5, 60);
	rollup_set_add(&set, ids[1], "2026-01-01", 1100, 0, -1, 75);
	rollup_set_add(&set, ids[0], "2026-01-01", 1030, 1, 0.5, 30);
	v = rollup_set_sorted(&set, &nv);
	assert_int_equal(nv, 5003);
	assert_int_equal(v[0].check_id, ids[0]);
	assert_int_equal(v[1].check_id, ids[1]);
	assert_string_equal(v[1].day, "2026-01-01");
	assert_string_equal(v[2].day, "2026-01-02");
	assert_int_equal(v[1].n, 2);
	assert_int_equal(v[1].n_fail, 1);
	assert_float_equal(v[1].max_gap, 75, 0);
	assert_float_equal(v[1].last_at, 1200, 0); /* the latest, not the last added */
	assert_int_equal(v[1].hist[histogram_bucket(1.5)], 1);
	/* the index follows the sort: a pair added again lands on its entry */
	rollup_set_add(&set, ids[0], "2026-01-01", 1040, 1, 0.5, 10);
	assert_int_equal(set.n, 5003);
	assert_int_equal(set.results, 5005); /* what the writer's fold rule weighs */
	v = rollup_set_sorted(&set, &nv);
	assert_int_equal(v[0].n, 2);
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(store_monitor_fold(s, v, 3, &err), SG_OK); /* only the two checks */
	assert_int_equal(store_commit(s, &err), SG_OK);
	/* the last result comes from the latest day's rollup (no raw result) */
	assert_int_equal(store_monitor_last_result(s, ids[0], &at, &err), SG_OK);
	assert_float_equal(at, 1040, 0);
	assert_int_equal(store_monitor_last_result(s, ids[1], &at, &err), SG_OK);
	assert_float_equal(at, 90000, 0);
	rollup_set_clear(&set);
	assert_int_equal(set.n, 0);
	assert_int_equal(set.results, 0);
	/* a 16-bit bucket at its largest says so (the writer folds then) */
	for (int k = 0; k < 65535; k++)
		rollup_set_add(&set, 7, "2026-01-01", 1000, 1, 2, 1);
	assert_true(set.full);
	rollup_set_add(&set, 7, "2026-01-01", 1000, 1, 2, 1);
	assert_int_equal(rollup_set_sorted(&set, &nv)[0].hist[histogram_bucket(2)], 65535);
	assert_int_equal(set.v[0].n, 65536);
	rollup_set_clear(&set);
	assert_false(set.full);
	rollup_set_add(&set, ids[1], "2026-01-01", 1150, 0, 900, 5);
	rollup_set_add(&set, ids[1], "2026-01-02", 80000, 1, 1, 5); /* older than the row's */
	v = rollup_set_sorted(&set, &nv);
	assert_int_equal(store_begin(s, &err), SG_OK);
	assert_int_equal(store_monitor_fold(s, v, nv, &err), SG_OK);
	assert_int_equal(store_commit(s, &err), SG_OK);
	assert_int_equal(store_monitor_daily_sum(s, ids[1], "2026-01-01", "2026-01-01", hist, &n,
	                                         &nf, &gap, &err),
	                 SG_OK);
	assert_int_equal(n, 3);
	assert_int_equal(nf, 2);
	assert_float_equal(gap, 75, 0);
	assert_int_equal(hist[histogram_bucket(1.5)], 1);
	assert_int_equal(hist[histogram_bucket(900)], 1);
	assert_int_equal(store_monitor_last_result(s, ids[1], &at, &err), SG_OK);
	assert_float_equal(at, 90000, 0); /* a fold keeps the latest time */
	rollup_set_release(&set);
	store_close(s);
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", db, (const char *[]){"", "-wal", "-shm"}[i]);
		unlink(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_private),
	    cmocka_unit_test(test_readonly_missing),
	    cmocka_unit_test(test_ledger_append_only),
	    cmocka_unit_test(test_nested_transactions),
	    cmocka_unit_test(test_entry_text_canonical),
	    cmocka_unit_test(test_measurements_latest),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_module_queries),
	    cmocka_unit_test(test_checks_batch),
	    cmocka_unit_test(test_rollup_fold),
	    cmocka_unit_test(test_fold_full_chunks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
