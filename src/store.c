/*
 * store - the backend-neutral core: choosing the engine, migrations,
 * transactions and the statement helpers; see store.h. Each call goes
 * through the engine's struct store_backend (store_backend.h).
 */
#include <ctype.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_backend.h"
#include "store_schemas.h"
#include "xalloc.h"
#include "banned.h"

#define BE(st) (((struct store_stmt_head *)(st))->s->be)

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

char *store_files_dir(const char *where)
{
	char *w = where ? xstrdup(where) : store_default_path();
	char *out;

	if (store_kind_of(w) == STORE_POSTGRES) {
		const char *dir = getenv("SAASGUARD_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
		const char *home = getenv("HOME");
		if (dir && *dir)
			out = xstrdup(dir);
		else if (geteuid() == 0)
			out = xstrdup("/var/lib/saasguard");
		else if (xdg && *xdg)
			out = xstrfmt("%s/saasguard", xdg);
		else
			out = xstrfmt("%s/.local/state/saasguard", home ? home : ".");
	} else {
		out = xstrdup(dirname(w + (strncmp(w, "sqlite:", 7) ? 0 : 7)));
	}
	free(w);
	return out;
}

enum store_kind store_kind_of(const char *where)
{
	const char *p = where;

	if (!strncmp(where, "sqlite:", 7))
		return STORE_SQLITE;
	if (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11))
		return STORE_POSTGRES;
	/* libpq's keyword=value form: a keyword, optional blanks, then '=' */
	while (*p == ' ')
		p++;
	if (!islower((unsigned char)*p))
		return STORE_SQLITE;
	while (islower((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ' ')
		p++;
	return *p == '=' ? STORE_POSTGRES : STORE_SQLITE;
}

enum store_kind store_kind(const struct store *s)
{
	return s->be->kind;
}

enum sg_code store_fail(struct store *s, struct sg_error *err, const char *what)
{
	return sg_error_set(
	    err, SG_ERR_DB,
	    ETR(err, "%s: データベースの処理（%s）に失敗しました: %s", "%s: %s: %s"), s->path, what,
	    s->be->errmsg(s));
}

enum sg_code store_exec(struct store *s, const char *sql, struct sg_error *err)
{
	if (s->be->exec(s, sql))
		return sg_error_set(err, SG_ERR_DB,
		                    ETR(err, "%s: データベースの処理に失敗しました: %s", "%s: %s"),
		                    s->path, s->be->errmsg(s));
	return SG_OK;
}

enum sg_code store_prepare(struct store *s, const char *sql, struct store_stmt **st,
                           struct sg_error *err)
{
	if (!(*st = s->be->prepare(s, sql)))
		return store_fail(s, err, "prepare");
	return SG_OK;
}

enum sg_code store_prepare_kept(struct store *s, const char *sql, struct store_stmt **st,
                                struct sg_error *err)
{
	enum sg_code rc;

	for (size_t i = 0; i < s->nkept; i++)
		if (s->kept[i].sql == sql) {
			*st = s->kept[i].st;
			return SG_OK;
		}
	if ((rc = store_prepare(s, sql, st, err)))
		return rc;
	ALLOC_GROW(s->kept, s->nkept + 1, s->akept);
	s->kept[s->nkept].sql = sql;
	s->kept[s->nkept++].st = *st;
	return SG_OK;
}

enum sg_code store_step_kept(struct store *s, struct store_stmt *st, const char *what,
                             struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	if (store_step(st) == STORE_ERROR)
		rc = store_fail(s, err, what);
	store_reset(st);
	return rc;
}

void store_bind_int(struct store_stmt *st, int i, long long v)
{
	BE(st)->bind_int(st, i, v);
}

void store_bind_real(struct store_stmt *st, int i, double v)
{
	if (isnan(v))
		BE(st)->bind_null(st, i);
	else
		BE(st)->bind_real(st, i, v);
}

void store_bind_text(struct store_stmt *st, int i, const char *v)
{
	if (v)
		BE(st)->bind_text(st, i, v, strlen(v));
	else
		BE(st)->bind_null(st, i);
}

void store_bind_text_len(struct store_stmt *st, int i, const char *v, size_t n)
{
	BE(st)->bind_text(st, i, v, n);
}

void store_bind_blob(struct store_stmt *st, int i, const void *v, size_t n)
{
	if (v)
		BE(st)->bind_blob(st, i, v, n);
	else
		BE(st)->bind_null(st, i);
}

void store_bind_null(struct store_stmt *st, int i)
{
	BE(st)->bind_null(st, i);
}

int store_step(struct store_stmt *st)
{
	return BE(st)->step(st);
}

void store_reset(struct store_stmt *st)
{
	BE(st)->reset(st);
}

void store_finalize(struct store_stmt *st)
{
	if (st)
		BE(st)->finalize(st);
}

int store_col_count(struct store_stmt *st)
{
	return BE(st)->col_count(st);
}

const char *store_col_name(struct store_stmt *st, int i)
{
	return BE(st)->col_name(st, i);
}

int store_col_is_null(struct store_stmt *st, int i)
{
	return BE(st)->col_is_null(st, i);
}

long long store_col_int(struct store_stmt *st, int i)
{
	return BE(st)->col_int(st, i);
}

double store_col_real(struct store_stmt *st, int i)
{
	return BE(st)->col_real(st, i);
}

const char *store_col_text(struct store_stmt *st, int i)
{
	return BE(st)->col_text(st, i);
}

char *store_col_dup(struct store_stmt *st, int i)
{
	const char *t = store_col_text(st, i);

	return xstrdup(t ? t : "");
}

const void *store_col_blob(struct store_stmt *st, int i, size_t *n)
{
	return BE(st)->col_blob(st, i, n);
}

enum store_type store_col_type(struct store_stmt *st, int i)
{
	return (enum store_type)BE(st)->col_type(st, i);
}

long long store_changes(struct store *s)
{
	return s->be->changes(s);
}

long long store_last_id(struct store *s)
{
	return s->be->last_id(s);
}

void store_set_wait(struct store *s, int ms)
{
	s->be->set_wait(s, ms);
}

int store_failed_constraint(struct store *s)
{
	return s->be->failed_constraint(s);
}

/* Steps st to its end through row(); the caller finalizes or resets it. */
static enum sg_code each_row(struct store *s, struct store_stmt *st,
                             int (*row)(struct store_stmt *, void *), void *ctx, const char *what,
                             struct sg_error *err)
{
	int step;

	while ((step = store_step(st)) == STORE_ROW)
		if (row(st, ctx))
			break;
	return step == STORE_ERROR ? store_fail(s, err, what) : SG_OK;
}

enum sg_code store_each(struct store *s, struct store_stmt *st,
                        int (*row)(struct store_stmt *, void *), void *ctx, const char *what,
                        struct sg_error *err)
{
	enum sg_code rc = each_row(s, st, row, ctx, what, err);

	store_finalize(st);
	return rc;
}

enum sg_code store_each_kept(struct store *s, struct store_stmt *st,
                             int (*row)(struct store_stmt *, void *), void *ctx, const char *what,
                             struct sg_error *err)
{
	enum sg_code rc = each_row(s, st, row, ctx, what, err);

	store_reset(st);
	return rc;
}

enum sg_code store_step_done(struct store *s, struct store_stmt *st, const char *what,
                             struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	if (store_step(st) == STORE_ERROR)
		rc = store_fail(s, err, what);
	store_finalize(st);
	return rc;
}

/* The outermost begin of either kind. */
static enum sg_code begin_outer(struct store *s, const char *sql, struct sg_error *err)
{
	if (store_exec(s, sql, err)) {
		/* PostgreSQL's begin_sql is BEGIN and then the writer lock: a lock
		 * that timed out leaves an aborted transaction open, which would
		 * refuse every later statement of this connection. (On SQLite the
		 * ROLLBACK finds nothing to undo.) */
		s->be->exec(s, "ROLLBACK");
		s->in_tx = 0;
		s->tx_shared = 0;
		return SG_ERR_DB;
	}
	return SG_OK;
}

enum sg_code store_begin(struct store *s, struct sg_error *err)
{
	if (s->in_tx++) {
		/* nested in a shared transaction: take the lock now */
		if (s->tx_shared && s->be->lock_sql) {
			if (store_exec(s, s->be->lock_sql, err)) {
				s->in_tx--;
				return SG_ERR_DB; /* the outer transaction is the caller's to roll
				                     back */
			}
			s->tx_shared = 0;
		}
		return SG_OK;
	}
	return begin_outer(s, s->be->begin_sql, err);
}

enum sg_code store_begin_shared(struct store *s, struct sg_error *err)
{
	if (s->in_tx++)
		return SG_OK;
	s->tx_shared = s->be->lock_sql != NULL;
	return begin_outer(s, s->be->begin_shared_sql, err);
}

int store_tx_shared(const struct store *s)
{
	return s->in_tx && s->tx_shared;
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
	s->tx_shared = 0;
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
	s->tx_shared = 0;
	store_exec(s, "ROLLBACK", NULL);
}

int store_schema_version(struct store *s, const char *module)
{
	struct store_stmt *st;
	int v = 0;

	if (!(st = s->be->prepare(s, "SELECT version FROM schema_versions WHERE module = ?")))
		return 0;
	store_bind_text(st, 1, module);
	if (store_step(st) == STORE_ROW)
		v = (int)store_col_int(st, 0);
	store_finalize(st);
	return v;
}

/* One migration, in the caller's transaction. */
static enum sg_code migrate_one(struct store *s, const struct store_schema *sc,
                                const struct store_migration *m, struct sg_error *err)
{
	const char *text = s->be->kind == STORE_POSTGRES && m->pg_sql ? m->pg_sql : m->sql;
	char *sql = s->be->ddl(text);
	struct store_stmt *st;
	enum sg_code rc = *sql ? store_exec(s, sql, err) : SG_OK;

	free(sql);
	if (rc)
		return rc;
	if ((rc = store_prepare(s,
	                        "INSERT INTO schema_versions(module, version, applied_at) "
	                        "VALUES (?, ?, unixepoch()) ON CONFLICT(module) DO UPDATE SET "
	                        "version = excluded.version, applied_at = excluded.applied_at",
	                        &st, err)))
		return rc;
	store_bind_text(st, 1, sc->module);
	store_bind_int(st, 2, m->version);
	return store_step_done(s, st, "record migration", err);
}

static enum sg_code migrate(struct store *s, const struct store_schema *sc, struct sg_error *err)
{
	int have = store_schema_version(s, sc->module);

	for (int i = 0; i < sc->count; i++) {
		const struct store_migration *m = &sc->migrations[i];
		if (m->version <= have)
			continue;
		if (store_begin(s, err))
			return SG_ERR_DB;
		/* another process may have migrated while this one waited */
		if (store_schema_version(s, sc->module) >= m->version) {
			store_rollback(s);
			continue;
		}
		if (migrate_one(s, sc, m, err)) {
			store_rollback(s);
			sg_error_prefix(err,
			                ETR(err, "スキーマ移行 %s v%d: ", "migration %s v%d: "),
			                sc->module, m->version);
			return SG_ERR_DB;
		}
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

static enum sg_code migrate_all(struct store *s, struct sg_error *err)
{
	enum sg_code rc;

	/* In a writer's transaction: on PostgreSQL several processes may start
	 * at once, and only one may create the table. */
	if ((rc = store_begin(s, err)))
		return rc;
	if ((rc = store_exec(s,
	                     "CREATE TABLE IF NOT EXISTS schema_versions("
	                     /* BIGINT: this table skips ddl(), and PostgreSQL's
	                      * INTEGER is 32-bit (epoch seconds pass it in 2038) */
	                     " module TEXT PRIMARY KEY, version BIGINT NOT NULL,"
	                     " applied_at BIGINT NOT NULL)",
	                     err)) ||
	    (rc = store_commit(s, err))) {
		store_rollback(s);
		return rc;
	}
	for (size_t i = 0; store_schemas[i]; i++)
		if ((rc = migrate(s, store_schemas[i], err)))
			return rc;
	return SG_OK;
}

enum sg_code store_open(const char *where, int flags, struct store **out, struct sg_error *err)
{
	struct store *s;
	enum sg_code rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	if (store_kind_of(where) == STORE_POSTGRES) {
		s->be = &store_pg_backend;
	} else {
		s->be = &store_sqlite_backend;
		if (!strncmp(where, "sqlite:", 7))
			where += 7;
	}
	s->path = xstrdup(where);
	s->readonly = flags & STORE_READONLY;
	if ((rc = s->be->open(s, where, flags, err))) {
		store_close(s);
		return rc;
	}
	if (!s->readonly && (rc = migrate_all(s, err))) {
		store_close(s);
		return rc;
	}
	*out = s;
	return SG_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	for (size_t i = 0; i < s->nkept; i++)
		store_finalize(s->kept[i].st);
	free(s->kept);
	if (s->conn)
		s->be->close(s);
	free(s->errmsg);
	free(s->path);
	free(s);
}
