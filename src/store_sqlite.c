/*
 * store_sqlite - the SQLite engine behind store.h; see store_backend.h.
 * A file path; WAL, synchronous=FULL and foreign keys on, as store.h
 * promises. The shared SQL dialect is SQLite's own, so ddl() and prepare()
 * pass the text through.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fileio.h"
#include "store.h"
#include "store_backend.h"
#include "xalloc.h"
#include "banned.h"

struct store_stmt {
	struct store_stmt_head h;
	sqlite3_stmt *st;
};

static sqlite3 *db_of(struct store *s)
{
	return s->conn;
}

static int lite_exec_raw(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	sqlite3_free(msg); /* sqlite3_errmsg() still has it */
	return rc == SQLITE_OK ? 0 : -1;
}

/* Creates the file 0600 before SQLite does, so it is never world-readable. */
static enum sg_code create_private(const char *path, struct sg_error *err)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	int fd;
	enum sg_code rc = SG_OK;

	if (strcmp(dir, ".") && strcmp(dir, "/"))
		rc = fileio_mkdirs(dir, 0700, err);
	free(copy);
	if (rc)
		return rc;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: 作成できません: %s", "%s: cannot create: %s"),
		                    path, strerror(errno));
	close(fd);
	return SG_OK;
}

static enum sg_code lite_open(struct store *s, const char *where, int flags, struct sg_error *err)
{
	int ro = flags & STORE_READONLY;
	int oflags = ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	struct stat st;
	enum sg_code rc;

	if (stat(where, &st) != 0) {
		if (ro)
			return sg_error_set(
			    err, SG_ERR_NOT_FOUND,
			    ETR(err, "%s: データベースがありません", "%s: no such database"),
			    where);
		if ((rc = create_private(where, err)))
			return rc;
	}
	if (sqlite3_open_v2(where, &db, oflags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		rc = sg_error_set(
		    err, SG_ERR_DB,
		    ETR(err, "%s: データベースを開けません: %s",
		        "%s: cannot open the database: %s"),
		    where, db ? sqlite3_errmsg(db) : ETR(err, "メモリ不足", "out of memory"));
		sqlite3_close_v2(db);
		return rc;
	}
	s->conn = db;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (lite_exec_raw(db, ro ? "PRAGMA foreign_keys=ON"
	                         : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                           "PRAGMA foreign_keys=ON"))
		return sg_error_set(err, SG_ERR_DB,
		                    ETR(err, "%s: データベースを開けません: %s",
		                        "%s: cannot open the database: %s"),
		                    where, sqlite3_errmsg(db));
	return SG_OK;
}

static void lite_close(struct store *s)
{
	sqlite3_close_v2(db_of(s));
	s->conn = NULL;
}

static int lite_exec(struct store *s, const char *sql)
{
	return lite_exec_raw(db_of(s), sql);
}

static char *lite_ddl(const char *sql)
{
	return xstrdup(sql);
}

static struct store_stmt *lite_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	struct store_stmt *x;

	if (sqlite3_prepare_v2(db_of(s), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	x = xcalloc(1, sizeof(*x));
	x->h.s = s;
	x->st = st;
	return x;
}

static void lite_bind_int(struct store_stmt *x, int i, long long v)
{
	sqlite3_bind_int64(x->st, i, v);
}

static void lite_bind_real(struct store_stmt *x, int i, double v)
{
	sqlite3_bind_double(x->st, i, v);
}

static void lite_bind_text(struct store_stmt *x, int i, const char *v, size_t n)
{
	sqlite3_bind_text64(x->st, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void lite_bind_blob(struct store_stmt *x, int i, const void *v, size_t n)
{
	sqlite3_bind_blob64(x->st, i, v, n, SQLITE_TRANSIENT);
}

static void lite_bind_null(struct store_stmt *x, int i)
{
	sqlite3_bind_null(x->st, i);
}

static int lite_step(struct store_stmt *x)
{
	int r = sqlite3_step(x->st);

	return r == SQLITE_ROW ? STORE_ROW : r == SQLITE_DONE ? STORE_DONE : STORE_ERROR;
}

static void lite_reset(struct store_stmt *x)
{
	sqlite3_reset(x->st);
}

static void lite_finalize(struct store_stmt *x)
{
	sqlite3_finalize(x->st);
	free(x);
}

static int lite_col_count(struct store_stmt *x)
{
	return sqlite3_column_count(x->st);
}

static const char *lite_col_name(struct store_stmt *x, int i)
{
	return sqlite3_column_name(x->st, i);
}

static int lite_col_is_null(struct store_stmt *x, int i)
{
	return sqlite3_column_type(x->st, i) == SQLITE_NULL;
}

static long long lite_col_int(struct store_stmt *x, int i)
{
	return sqlite3_column_int64(x->st, i);
}

static double lite_col_real(struct store_stmt *x, int i)
{
	return lite_col_is_null(x, i) ? NAN : sqlite3_column_double(x->st, i);
}

static const char *lite_col_text(struct store_stmt *x, int i)
{
	return (const char *)sqlite3_column_text(x->st, i);
}

static const void *lite_col_blob(struct store_stmt *x, int i, size_t *n)
{
	const void *b = sqlite3_column_blob(x->st, i);

	*n = b ? (size_t)sqlite3_column_bytes(x->st, i) : 0;
	return b;
}

static int lite_col_type(struct store_stmt *x, int i)
{
	switch (sqlite3_column_type(x->st, i)) {
	case SQLITE_INTEGER:
		return STORE_T_INTEGER;
	case SQLITE_FLOAT:
		return STORE_T_REAL;
	case SQLITE_TEXT:
		return STORE_T_TEXT;
	case SQLITE_BLOB:
		return STORE_T_BLOB;
	default:
		return STORE_T_NULL;
	}
}

static long long lite_changes(struct store *s)
{
	return sqlite3_changes64(db_of(s));
}

static long long lite_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(db_of(s));
}

static int lite_failed_constraint(struct store *s)
{
	return (sqlite3_errcode(db_of(s)) & 0xff) == SQLITE_CONSTRAINT;
}

static const char *lite_errmsg(struct store *s)
{
	return s->conn ? sqlite3_errmsg(db_of(s)) : "not open";
}

static void lite_set_wait(struct store *s, int ms)
{
	sqlite3_busy_timeout(db_of(s), ms);
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .kind = STORE_SQLITE,
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_shared_sql = "BEGIN IMMEDIATE", /* one writer anyway */
    .lock_sql = NULL,
    .ddl = lite_ddl,
    .prepare = lite_prepare,
    .bind_int = lite_bind_int,
    .bind_real = lite_bind_real,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .reset = lite_reset,
    .finalize = lite_finalize,
    .col_count = lite_col_count,
    .col_name = lite_col_name,
    .col_is_null = lite_col_is_null,
    .col_int = lite_col_int,
    .col_real = lite_col_real,
    .col_text = lite_col_text,
    .col_blob = lite_col_blob,
    .col_type = lite_col_type,
    .changes = lite_changes,
    .last_id = lite_last_id,
    .failed_constraint = lite_failed_constraint,
    .errmsg = lite_errmsg,
    .set_wait = lite_set_wait,
};
