/*
 * store_backend - the two engines behind store.h, for store*.c only:
 * store_sqlite.c and store_pg.c each fill one struct store_backend. The core
 * (store.c) calls through it; no other file includes this header or an
 * engine's own header (sqlite3.h, libpq-fe.h) to reach the database, except
 * store_backup.c, which uses SQLite's online backup for SQLite files.
 *
 * A statement starts with struct store_stmt_head, so the core can find the
 * statement's store and engine; the rest of the struct is the engine's.
 *
 * Ownership: open() fills s->conn, which close() releases; prepare() returns
 * a statement finalize() frees. Every function that fails leaves the
 * engine's message where errmsg() returns it, valid until the next call.
 */
#ifndef SG_STORE_BACKEND_H
#define SG_STORE_BACKEND_H

#include <stddef.h>

#include "error.h"

struct store;
struct store_stmt;

struct store_stmt_head {
	struct store *s;
};

struct store_backend {
	const char *name; /* "sqlite", "postgresql" */
	int kind;         /* enum store_kind of store.h */
	/* Connects s->conn to `where` (the part after any "sqlite:" prefix). */
	enum sg_code (*open)(struct store *s, const char *where, int flags, struct sg_error *err);
	void (*close)(struct store *s);
	/* Runs parameterless SQL, several statements allowed; 0 or -1. */
	int (*exec)(struct store *s, const char *sql);
	/* The SQL that starts a writer's transaction ("BEGIN IMMEDIATE" ...). */
	const char *begin_sql;
	/* The SQL that starts a shared writer's transaction (store_begin_shared():
	 * no store-wide writer lock where the engine allows it). */
	const char *begin_shared_sql;
	/* The SQL that takes the store-wide writer lock inside a shared
	 * transaction (a store_begin() nested in it); NULL when the shared
	 * transaction already holds it (SQLite). */
	const char *lock_sql;
	/* Rewrites one migration written in the shared dialect for this engine
	 * (column types); returns a string the caller frees. */
	char *(*ddl)(const char *sql);
	/* A statement, or NULL with errmsg() set. */
	struct store_stmt *(*prepare)(struct store *s, const char *sql);
	void (*bind_int)(struct store_stmt *st, int i, long long v);
	void (*bind_real)(struct store_stmt *st, int i, double v);
	void (*bind_text)(struct store_stmt *st, int i, const char *v, size_t n);
	void (*bind_blob)(struct store_stmt *st, int i, const void *v, size_t n);
	void (*bind_null)(struct store_stmt *st, int i);
	int (*step)(struct store_stmt *st);
	void (*reset)(struct store_stmt *st);
	void (*finalize)(struct store_stmt *st);
	int (*col_count)(struct store_stmt *st);
	const char *(*col_name)(struct store_stmt *st, int i);
	int (*col_is_null)(struct store_stmt *st, int i);
	long long (*col_int)(struct store_stmt *st, int i);
	double (*col_real)(struct store_stmt *st, int i);
	const char *(*col_text)(struct store_stmt *st, int i);
	const void *(*col_blob)(struct store_stmt *st, int i, size_t *n);
	int (*col_type)(struct store_stmt *st, int i); /* enum store_type of store.h */
	long long (*changes)(struct store *s);
	long long (*last_id)(struct store *s);
	int (*failed_constraint)(struct store *s);
	const char *(*errmsg)(struct store *s);
	/* How long a statement waits for another writer's lock before failing. */
	void (*set_wait)(struct store *s, int ms);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

#endif
