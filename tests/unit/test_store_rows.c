/* Unit tests for store_rows: rows into an array past its first growth, no
 * rows, the integers of column 0, and the rows read before a failed step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_rows.h"

static char dir[] = "/tmp/sg-store-rows-XXXXXX";
static char path[300];
static struct store *s;

struct row {
	long long a;
	char *b;
};

static void row_fill(struct store_stmt *st, void *p)
{
	struct row *r = p;

	r->a = store_col_int(st, 0);
	r->b = store_col_dup(st, 1);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/db.sqlite", dir);
	if (store_open(path, 0, &s, NULL))
		return -1;
	/* 20 rows: more than the array's first 8 slots */
	return store_exec(
	           s,
	           "CREATE TABLE t(a INTEGER, b TEXT);"
	           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)"
	           " INSERT INTO t SELECT i, 'r' || i FROM n;",
	           NULL)
	           ? -1
	           : 0;
}

static int teardown(void **state)
{
	char p[400];
	const char *sfx[] = {"", "-wal", "-shm"};
	(void)state;
	store_close(s);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static enum sg_code read_rows(const char *sql, struct row **rows, size_t *n)
{
	struct store_stmt *st;
	void *v = NULL;
	enum sg_code rc;

	assert_int_equal(store_prepare(s, sql, &st, NULL), SG_OK);
	rc = store_rows_read(s, st, sizeof(struct row), row_fill, &v, n, "read t", NULL);
	*rows = v;
	return rc;
}

static void release(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].b);
	free(rows);
}

static void test_rows_in_order(void **state)
{
	struct row *rows;
	size_t n;
	char want[24];
	(void)state;
	assert_int_equal(read_rows("SELECT a, b FROM t ORDER BY a", &rows, &n), SG_OK);
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "r%zu", i + 1);
		assert_int_equal(rows[i].a, (long long)i + 1);
		assert_string_equal(rows[i].b, want);
	}
	release(rows, n);
}

static void test_no_rows(void **state)
{
	struct row *rows;
	size_t n = 99;
	(void)state;
	assert_int_equal(read_rows("SELECT a, b FROM t WHERE a > 100", &rows, &n), SG_OK);
	assert_int_equal(n, 0);
	assert_null(rows);
}

static void test_ids(void **state)
{
	struct store_stmt *st;
	long long *ids;
	size_t n;
	(void)state;
	assert_int_equal(
	    store_prepare(s, "SELECT a * 10 FROM t WHERE a % 2 = 0 ORDER BY a", &st, NULL), SG_OK);
	assert_int_equal(store_rows_ids(s, st, &ids, &n, "read ids", NULL), SG_OK);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], (long long)(i + 1) * 20);
	free(ids);
}

/* A step that fails at the fifth row (abs() of the smallest integer
 * overflows): an error, and the four rows before it for the caller. */
static void test_failed_step_keeps_rows_read(void **state)
{
	struct row *rows;
	size_t n;
	(void)state;
	assert_int_not_equal(
	    read_rows("SELECT a, CASE WHEN a = 5 THEN abs(-9223372036854775807 - 1) "
	              "ELSE b END FROM t", /* no ORDER BY: a sort would run every row first */
	              &rows, &n),
	    SG_OK);
	assert_int_equal(n, 4);
	assert_string_equal(rows[3].b, "r4");
	release(rows, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_in_order),
	    cmocka_unit_test(test_no_rows),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_failed_step_keeps_rows_read),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
