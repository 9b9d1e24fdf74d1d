/*
 * store_migrate - copying a SQLite store into another store, ids kept; see
 * store_migrate.h. The source is read inside one read transaction, so the
 * copy is one committed state of it (the ledger's entries together with the
 * heads that sign them) even if something writes meanwhile.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "store.h"
#include "store_migrate.h"
#include "store_monitor.h"
#include "xalloc.h"
#include "banned.h"

/* Rows per INSERT, and at most this many parameters per statement
 * (PostgreSQL's limit is 65535, SQLite's default 32766). */
#define BATCH_ROWS   500
#define BATCH_PARAMS 30000

struct val {
	enum store_type type;
	long long i;
	double r;
	char *p; /* text (NUL-terminated) or bytes */
	size_t n;
};

/* A name from a catalog as a quoted SQL identifier. */
static void add_ident(struct dynbuf *b, const char *name)
{
	dynbuf_addch(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			dynbuf_addch(b, '"');
		dynbuf_addch(b, *p);
	}
	dynbuf_addch(b, '"');
}

static int skip_table(const char *name)
{
	return !strcmp(name, "schema_versions") || !strncmp(name, "sqlite_", 7);
}

/* Tables a migration fills with their one row (the coordinator lease, the
 * store's identity): not a sign of a used destination, and the source's
 * row replaces the fresh one, so messages keep their idempotency keys. */
static int seeded_table(const char *name)
{
	return !strcmp(name, "cluster_lease") || !strcmp(name, "cluster_store");
}

struct names {
	char **v;
	size_t n, alloc;
};

static int add_name(struct store_stmt *st, void *ctx)
{
	struct names *t = ctx;
	const char *name = store_col_text(st, 0);

	if (name && !skip_table(name)) {
		ALLOC_GROW(t->v, t->n + 1, t->alloc);
		t->v[t->n++] = xstrdup(name);
	}
	return 0;
}

static void names_release(struct names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The source's tables in the order they were created (rowid order of
 * sqlite_master), which is an order their foreign keys allow: a table is
 * created after the tables it references. */
static enum sg_code source_tables(struct store *src, struct names *t, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc;

	if (store_kind(src) != STORE_SQLITE)
		return sg_error_set(err, SG_ERR_USAGE,
		                    ETR(err, "%s: 移行元は SQLite のデータベースだけです",
		                        "%s: the source must be a SQLite database"),
		                    src->path);
	if ((rc = store_prepare(
	         src, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid", &st,
	         err)))
		return rc;
	return store_each(src, st, add_name, t, "list tables", err);
}

static int found_row(struct store_stmt *st, void *ctx)
{
	(void)st;
	*(int *)ctx = 1;
	return 1;
}

enum sg_code store_migrate_check_empty(struct store *src, struct store *dst, struct sg_error *err)
{
	struct names t = {0};
	enum sg_code rc;

	if ((rc = source_tables(src, &t, err)))
		goto out;
	for (size_t i = 0; i < t.n && !rc; i++) {
		struct dynbuf sql = DYNBUF_INIT;
		struct store_stmt *st;
		int any = 0;

		if (seeded_table(t.v[i]))
			continue;
		dynbuf_addstr(&sql, "SELECT 1 FROM ");
		add_ident(&sql, t.v[i]);
		dynbuf_addstr(&sql, " LIMIT 1");
		if (!(rc = dynbuf_status(&sql)) &&
		    !(rc = store_prepare(dst, dynbuf_ptr(&sql), &st, err)))
			rc = store_each(dst, st, found_row, &any, "check destination", err);
		dynbuf_release(&sql);
		if (!rc && any) {
			rc = sg_error_set(
			    err, SG_ERR_EXISTS,
			    ETR(err,
			        "%s: 移行先は空ではありません（テーブル %s "
			        "に行があります）。移行は空のデータベースにだけ行います",
			        "%s: the destination is not empty (table %s has rows); a migration "
			        "goes only into an empty database"),
			    dst->path, t.v[i]);
			sg_error_hint(
			    err, "%s",
			    ETR(err,
			        "新しい空のデータベースを指定してください（PostgreSQL では "
			        "createdb で作成）",
			        "name a new, empty database (on PostgreSQL: createdb one)"));
		}
	}
out:
	names_release(&t);
	return rc;
}

/* "INSERT INTO t(c1, ...) VALUES (?, ...), ..." for rows rows. */
static char *insert_sql(const char *table, char **cols, int ncols, int rows)
{
	struct dynbuf b = DYNBUF_INIT;

	dynbuf_addstr(&b, "INSERT INTO ");
	add_ident(&b, table);
	dynbuf_addch(&b, '(');
	for (int c = 0; c < ncols; c++) {
		if (c)
			dynbuf_addstr(&b, ", ");
		add_ident(&b, cols[c]);
	}
	dynbuf_addstr(&b, ") VALUES ");
	for (int r = 0; r < rows; r++) {
		dynbuf_addstr(&b, r ? ", (" : "(");
		for (int c = 0; c < ncols; c++)
			dynbuf_addstr(&b, c ? ", ?" : "?");
		dynbuf_addch(&b, ')');
	}
	if (dynbuf_status(&b)) {
		dynbuf_release(&b);
		return NULL;
	}
	return dynbuf_detach(&b, NULL);
}

static void val_take(struct val *v, struct store_stmt *st, int i)
{
	const void *p;

	free(v->p);
	memset(v, 0, sizeof(*v));
	v->type = store_col_type(st, i);
	switch (v->type) {
	case STORE_T_INTEGER:
		v->i = store_col_int(st, i);
		break;
	case STORE_T_REAL:
		v->r = store_col_real(st, i);
		break;
	case STORE_T_TEXT:
		v->p = store_col_dup(st, i);
		break;
	case STORE_T_BLOB:
		p = store_col_blob(st, i, &v->n);
		v->p = xmalloc(v->n ? v->n : 1);
		if (v->n)
			memcpy(v->p, p, v->n);
		break;
	case STORE_T_NULL:
		break;
	}
}

static void val_bind(struct store_stmt *st, int i, const struct val *v)
{
	switch (v->type) {
	case STORE_T_INTEGER:
		store_bind_int(st, i, v->i);
		break;
	case STORE_T_REAL:
		store_bind_real(st, i, v->r);
		break;
	case STORE_T_TEXT:
		store_bind_text(st, i, v->p);
		break;
	case STORE_T_BLOB:
		store_bind_blob(st, i, v->p, v->n);
		break;
	case STORE_T_NULL:
		store_bind_null(st, i);
		break;
	}
}

struct copy {
	struct store *dst;
	const char *table;
	char **cols;
	int ncols, batch;
	struct val *vals;        /* batch rows x ncols */
	int nrows;               /* buffered */
	struct store_stmt *full; /* the INSERT of `batch` rows, reused */
	long long copied;
	store_migrate_progress_fn progress;
	void *ctx;
};

/* Writes the buffered rows with one INSERT. */
static enum sg_code flush(struct copy *c, struct sg_error *err)
{
	struct store_stmt *st = c->full;
	enum sg_code rc = SG_OK;
	char *sql;

	if (!c->nrows)
		return SG_OK;
	if (c->nrows < c->batch || !st) {
		if (!(sql = insert_sql(c->table, c->cols, c->ncols, c->nrows)))
			return sg_error_set(err, SG_ERR_NOMEM, "%s",
			                    ETR(err, "メモリが足りません", "out of memory"));
		rc = store_prepare(c->dst, sql, &st, err);
		free(sql);
		if (rc)
			return rc;
		if (c->nrows == c->batch)
			c->full = st;
	}
	for (int r = 0; r < c->nrows; r++)
		for (int k = 0; k < c->ncols; k++)
			val_bind(st, r * c->ncols + k + 1, &c->vals[r * c->ncols + k]);
	if (store_step(st) == STORE_ERROR)
		rc = store_fail(c->dst, err, "insert");
	if (st == c->full)
		store_reset(st);
	else
		store_finalize(st);
	if (rc)
		return rc;
	c->copied += c->nrows;
	c->nrows = 0;
	if (c->progress)
		c->progress(c->table, c->copied, 0, c->ctx);
	return SG_OK;
}

static void copy_release(struct copy *c)
{
	for (int i = 0; i < c->batch * c->ncols; i++)
		free(c->vals[i].p);
	free(c->vals);
	for (int i = 0; i < c->ncols; i++)
		free(c->cols[i]);
	free(c->cols);
	store_finalize(c->full);
}

/* On PostgreSQL, the day partitions of check_results its rows need. */
static enum sg_code make_partitions(struct store *src, struct store *dst, const char *table,
                                    struct sg_error *err)
{
	struct store_stmt *st;
	double from = NAN, to = NAN, until = 0;
	enum sg_code rc;

	if (store_kind(dst) != STORE_POSTGRES || strcmp(table, "check_results"))
		return SG_OK;
	if ((rc = store_prepare(src, "SELECT min(at), max(at) FROM check_results", &st, err)))
		return rc;
	if (store_step(st) == STORE_ROW) {
		from = store_col_real(st, 0);
		to = store_col_real(st, 1);
	}
	store_finalize(st);
	if (isnan(from) || isnan(to))
		return SG_OK; /* no rows */
	return store_monitor_partitions(dst, from, to, &until, err);
}

static enum sg_code copy_table(struct store *src, struct store *dst, const char *table,
                               store_migrate_progress_fn progress, void *ctx, long long *copied,
                               struct sg_error *err)
{
	struct copy c = {.dst = dst, .table = table, .progress = progress, .ctx = ctx};
	struct dynbuf sql = DYNBUF_INIT;
	struct store_stmt *st = NULL;
	enum sg_code rc;
	int step;

	dynbuf_addstr(&sql, "SELECT * FROM ");
	add_ident(&sql, table);
	if ((rc = dynbuf_status(&sql)) || (rc = store_prepare(src, dynbuf_ptr(&sql), &st, err)))
		goto out;
	if ((rc = make_partitions(src, dst, table, err)) || (rc = store_begin(dst, err)))
		goto out;
	if (seeded_table(table)) {
		dynbuf_reset(&sql);
		dynbuf_addstr(&sql, "DELETE FROM ");
		add_ident(&sql, table);
		if ((rc = dynbuf_status(&sql)) || (rc = store_exec(dst, dynbuf_ptr(&sql), err))) {
			store_rollback(dst);
			goto out;
		}
	}
	while ((step = store_step(st)) == STORE_ROW) {
		struct val *row;

		if (!c.cols) { /* the first row: the columns */
			c.ncols = store_col_count(st);
			c.cols = xcalloc((size_t)c.ncols, sizeof(*c.cols));
			for (int k = 0; k < c.ncols; k++)
				c.cols[k] = xstrdup(store_col_name(st, k));
			c.batch = BATCH_PARAMS / c.ncols < BATCH_ROWS ? BATCH_PARAMS / c.ncols
			                                              : BATCH_ROWS;
			c.vals = xcalloc((size_t)c.batch * (size_t)c.ncols, sizeof(*c.vals));
		}
		row = &c.vals[c.nrows * c.ncols];
		for (int k = 0; k < c.ncols; k++)
			val_take(&row[k], st, k);
		if (++c.nrows == c.batch && (rc = flush(&c, err)))
			break;
	}
	if (!rc && step == STORE_ERROR)
		rc = store_fail(src, err, "read");
	if (!rc)
		rc = flush(&c, err);
	if (!rc)
		rc = store_commit(dst, err);
	if (rc) {
		store_rollback(dst);
		sg_error_prefix(err, ETR(err, "テーブル %s: ", "table %s: "), table);
	}
out:
	if (rc == SG_ERR_NOMEM && err && !err->msg[0])
		sg_error_set(err, rc, "%s", ETR(err, "メモリが足りません", "out of memory"));
	store_finalize(st);
	dynbuf_release(&sql);
	*copied = c.copied;
	copy_release(&c);
	return rc;
}

/* Moves the identity sequence of every identity column of table past the
 * largest id copied into it (PostgreSQL only: a copy with explicit ids
 * leaves the sequence at 1, and the next insert would collide). */
static enum sg_code reset_sequences(struct store *dst, const char *table, long long *n,
                                    struct sg_error *err)
{
	struct names cols = {0};
	struct store_stmt *st;
	enum sg_code rc;

	if (store_kind(dst) != STORE_POSTGRES)
		return SG_OK;
	if ((rc = store_prepare(dst,
	                        "SELECT column_name FROM information_schema.columns WHERE "
	                        "table_schema = current_schema() AND table_name = ? AND "
	                        "is_identity = 'YES' ORDER BY ordinal_position",
	                        &st, err)))
		return rc;
	store_bind_text(st, 1, table);
	if ((rc = store_each(dst, st, add_name, &cols, "list identity columns", err)))
		goto out;
	for (size_t i = 0; i < cols.n && !rc; i++) {
		struct dynbuf sql = DYNBUF_INIT, qt = DYNBUF_INIT;

		add_ident(&qt, table);
		dynbuf_addstr(&sql, "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(max(");
		add_ident(&sql, cols.v[i]);
		dynbuf_addstr(&sql, "), 0) + 1, false) FROM ");
		dynbuf_addstr(&sql, dynbuf_ptr(&qt));
		if (!(rc = dynbuf_status(&sql)) && !(rc = dynbuf_status(&qt)) &&
		    !(rc = store_prepare(dst, dynbuf_ptr(&sql), &st, err))) {
			store_bind_text(st, 1, dynbuf_ptr(&qt));
			store_bind_text(st, 2, cols.v[i]);
			if (!(rc = store_step_done(dst, st, "reset sequence", err)))
				(*n)++;
		}
		dynbuf_release(&sql);
		dynbuf_release(&qt);
	}
out:
	names_release(&cols);
	return rc;
}

enum sg_code store_migrate_copy(struct store *src, struct store *dst,
                                store_migrate_progress_fn progress, void *ctx,
                                struct store_migrate_result *out, struct sg_error *err)
{
	struct names t = {0};
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = source_tables(src, &t, err)))
		return rc;
	/* One snapshot of the source for every table (a deferred transaction
	 * only reads). */
	if ((rc = store_exec(src, "BEGIN", err)))
		goto out;
	out->tables = xcalloc(t.n ? t.n : 1, sizeof(*out->tables));
	for (size_t i = 0; i < t.n && !rc; i++) {
		struct store_migrate_table *mt = &out->tables[out->n++];

		mt->name = xstrdup(t.v[i]);
		rc = copy_table(src, dst, t.v[i], progress, ctx, &mt->rows, err);
		out->rows += mt->rows;
		if (!rc)
			rc = reset_sequences(dst, t.v[i], &out->sequences, err);
		if (!rc && progress)
			progress(t.v[i], mt->rows, 1, ctx);
	}
	store_exec(src, "ROLLBACK", NULL);
out:
	names_release(&t);
	return rc;
}

void store_migrate_result_release(struct store_migrate_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->tables[i].name);
	free(r->tables);
	memset(r, 0, sizeof(*r));
}
