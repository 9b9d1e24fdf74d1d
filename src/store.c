/*
 * store - SQLite open, migrations and transactions; see store.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "store.h"
#include "store_schemas.h"
#include "xalloc.h"
#include "banned.h"

char *store_default_path(void)
{
	const char *db = getenv("SAASGUARD_DB"), *dir = getenv("SAASGUARD_STATE_DIR");
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (db && *db)
		return xstrdup(db);
	if (dir && *dir)
		return xstrfmt("%s/saasguard.db", dir);
	if (geteuid() == 0)
		return xstrdup("/var/lib/saasguard/saasguard.db");
	if (xdg && *xdg)
		return xstrfmt("%s/saasguard/saasguard.db", xdg);
	return xstrfmt("%s/.local/state/saasguard/saasguard.db", home ? home : ".");
}

enum sg_code store_fail(struct store *s, struct sg_error *err, const char *what)
{
	return sg_error_set(
	    err, SG_ERR_DB,
	    ETR(err, "%s: データベースの処理（%s）に失敗しました: %s", "%s: %s: %s"), s->path, what,
	    sqlite3_errmsg(s->db));
}

enum sg_code store_exec(struct store *s, const char *sql, struct sg_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sg_error_set(err, SG_ERR_DB,
		             ETR(err, "%s: データベースの処理に失敗しました: %s", "%s: %s"),
		             s->path, msg ? msg : ETR(err, "原因不明", "failed"));
		sqlite3_free(msg);
		return SG_ERR_DB;
	}
	return SG_OK;
}

enum sg_code store_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
                           struct sg_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return store_fail(s, err, "prepare");
	}
	return SG_OK;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void store_bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const char *t = store_col_text(st, i);

	return xstrdup(t ? t : "");
}

double store_col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

enum sg_code store_each(struct store *s, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
                        void *ctx, const char *what, struct sg_error *err)
{
	enum sg_code rc = SG_OK;
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, ctx))
			break;
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_fail(s, err, what);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
                             struct sg_error *err)
{
	enum sg_code rc = SG_OK;
	int r = sqlite3_step(st);

	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = store_fail(s, err, what);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_begin(struct store *s, struct sg_error *err)
{
	if (s->in_tx++)
		return SG_OK;
	if (store_exec(s, "BEGIN IMMEDIATE", err)) {
		s->in_tx = 0;
		return SG_ERR_DB;
	}
	return SG_OK;
}

enum sg_code store_commit(struct store *s, struct sg_error *err)
{
	if (!s->in_tx)
		return sg_error_set(
		    err, SG_ERR_DB,
		    ETR(err,
		        "%s: "
		        "トランザクションがないのにコミットしようとしました（内側の処理が取り消しま"
		        "した）",
		        "%s: commit without a transaction (an inner step rolled it back)"),
		    s->path);
	if (--s->in_tx)
		return SG_OK;
	if (store_exec(s, "COMMIT", err)) {
		store_exec(s, "ROLLBACK", NULL);
		return SG_ERR_DB;
	}
	return SG_OK;
}

void store_rollback(struct store *s)
{
	if (!s->in_tx)
		return;
	s->in_tx = 0;
	store_exec(s, "ROLLBACK", NULL);
}

int store_schema_version(struct store *s, const char *module)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_versions WHERE module = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static enum sg_code migrate(struct store *s, const struct store_schema *sc, struct sg_error *err)
{
	int have = store_schema_version(s, sc->module);
	sqlite3_stmt *st;

	for (int i = 0; i < sc->count; i++) {
		const struct store_migration *m = &sc->migrations[i];
		if (m->version <= have)
			continue;
		if (store_begin(s, err))
			return SG_ERR_DB;
		if (store_exec(s, m->sql, err) ||
		    store_prepare(s,
		                  "INSERT INTO schema_versions(module, version, applied_at) "
		                  "VALUES (?, ?, unixepoch()) ON CONFLICT(module) DO UPDATE SET "
		                  "version = excluded.version, applied_at = excluded.applied_at",
		                  &st, err)) {
			store_rollback(s);
			sg_error_prefix(err,
			                ETR(err, "スキーマ移行 %s v%d: ", "migration %s v%d: "),
			                sc->module, m->version);
			return SG_ERR_DB;
		}
		sqlite3_bind_text(st, 1, sc->module, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, m->version);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			store_rollback(s);
			return store_fail(s, err, "record migration");
		}
		sqlite3_finalize(st);
		if (store_commit(s, err))
			return SG_ERR_DB;
	}
	if (have > sc->migrations[sc->count - 1].version)
		return sg_error_set(
		    err, SG_ERR_DB,
		    ETR(err,
		        "%s: %s のスキーマはバージョン %d で、この saasguard "
		        "が扱える版（%d）より新しいです。新しい saasguard を使ってください",
		        "%s: the %s schema is at version %d, newer than this saasguard knows (%d); "
		        "use "
		        "a newer saasguard"),
		    s->path, sc->module, have, sc->migrations[sc->count - 1].version);
	return SG_OK;
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

enum sg_code store_open(const char *path, int flags, struct store **out, struct sg_error *err)
{
	struct store *s;
	struct stat st;
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
	                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	enum sg_code rc;

	*out = NULL;
	if (stat(path, &st) != 0) {
		if (flags & STORE_READONLY)
			return sg_error_set(
			    err, SG_ERR_NOT_FOUND,
			    ETR(err, "%s: データベースがありません", "%s: no such database"), path);
		if ((rc = create_private(path, err)))
			return rc;
	}
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		rc = store_fail(s, err, "open");
		store_close(s);
		return rc;
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	if (!(flags & STORE_READONLY)) {
		if ((rc = store_exec(s,
		                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
		                     "PRAGMA foreign_keys=ON; "
		                     "CREATE TABLE IF NOT EXISTS schema_versions("
		                     " module TEXT PRIMARY KEY, version INTEGER NOT NULL,"
		                     " applied_at INTEGER NOT NULL)",
		                     err)))
			goto fail;
		for (size_t i = 0; store_schemas[i]; i++)
			if ((rc = migrate(s, store_schemas[i], err)))
				goto fail;
	} else if ((rc = store_exec(s, "PRAGMA foreign_keys=ON", err))) {
		goto fail;
	}
	*out = s;
	return SG_OK;
fail:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}
