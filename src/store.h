/*
 * store - the database that holds everything saasguard measures and records,
 * and the only place that speaks SQL. One interface, two backends: SQLite
 * (a file path, the embedded default; store_sqlite.c) and PostgreSQL (a
 * libpq URI or connection string, for several monitors on several machines;
 * store_pg.c). The core (this file) chooses the backend, runs each module's
 * versioned migrations, wraps transactions and holds the statement helpers.
 * Each module's queries live in store_MODULE.c and are declared in
 * store_MODULE.h; they are written once, in the SQL both engines share
 * ("?" or "?N" parameters, ON CONFLICT, RETURNING, COALESCE, CASE), and a
 * module asks store_kind() only where the engines really differ
 * (partitions, append-only rules).
 *
 * A SQLite store is created 0600 in a 0700 directory, in WAL mode with
 * foreign keys on and synchronous=FULL, so a committed transaction survives
 * power loss and kill -9. A PostgreSQL store never takes a password from the
 * command line: libpq reads it from ~/.pgpass or the 0600 file named by
 * passfile= / PGPASSFILE.
 *
 * A store is used by one thread at a time; threads that need the database
 * open their own store (their own connection).
 *
 * Ownership: store_open() returns a store the caller closes with
 * store_close(). store_prepare() returns a statement the caller finalizes
 * with store_finalize() (store_each() and store_step_done() finalize for
 * it); statements never outlive their store. Text and blobs read from a
 * row are valid until the next store_step(), store_reset() or
 * store_finalize() of that statement.
 */
#ifndef SG_STORE_H
#define SG_STORE_H

#include <stddef.h>

#include "error.h"

enum store_kind {
	STORE_SQLITE = 0,
	STORE_POSTGRES,
};

struct store_backend; /* store_backend.h: the two engines, for store*.c only */
struct store_stmt;    /* a prepared statement, opaque */

struct store {
	const struct store_backend *be;
	void *conn;         /* the engine's connection (sqlite3 *, PGconn *) */
	char *path;         /* what messages name: the file, or the connection without a password */
	int in_tx;          /* nesting depth of store_begin() */
	int tx_shared;      /* the transaction is store_begin_shared()'s, without the lock */
	int readonly;       /* opened with STORE_READONLY */
	char *errmsg;       /* the engine's last message (store_pg.c keeps its own copy here) */
	long long stmt_seq; /* names server-side prepared statements (PostgreSQL) */
	/* store_prepare_kept()'s statements, by their SQL's address */
	struct store_kept {
		const char *sql;
		struct store_stmt *st;
	} * kept;
	size_t nkept, akept;
};

enum store_flags {
	STORE_READONLY = 1, /* fail if the database does not exist; no writes */
};

/* What store_step() returns. */
enum store_step {
	STORE_ERROR = -1,
	STORE_DONE = 0,
	STORE_ROW = 1,
};

/* The database when none is given: $SAASGUARD_DB, else
 * $SAASGUARD_STATE_DIR/saasguard.db, else /var/lib/saasguard/saasguard.db for
 * root and $XDG_STATE_HOME (~/.local/state)/saasguard/saasguard.db otherwise.
 * Returns a string the caller frees. */
char *store_default_path(void);

/* The directory for the files that belong with a store (the ledger key,
 * uploaded evidence): the SQLite file's directory, or for PostgreSQL the
 * local state directory ($SAASGUARD_STATE_DIR, else /var/lib/saasguard for
 * root and $XDG_STATE_HOME/saasguard otherwise). NULL: the default store.
 * Returns a string the caller frees. */
char *store_files_dir(const char *where);

/* Which backend `where` names: a postgresql:// or postgres:// URI, or a
 * libpq keyword=value string ("host=/run/pg dbname=sg"), is PostgreSQL;
 * "sqlite:PATH" or any other string is a SQLite file path. */
enum store_kind store_kind_of(const char *where);
/* The kind of an open store. */
enum store_kind store_kind(const struct store *s);

enum sg_code store_open(const char *where, int flags, struct store **out, struct sg_error *err);
void store_close(struct store *s);

/* Transactions nest: only the outermost begin/commit touch the database. A
 * transaction is a writer's: on SQLite BEGIN IMMEDIATE, on PostgreSQL a
 * transaction holding the store-wide writer lock (a transaction-scoped
 * advisory lock), so writers on every machine see what the one before them
 * committed, as on SQLite. Readers never wait for it. (The exception is
 * store_begin_shared() below.) */
enum sg_code store_begin(struct store *s, struct sg_error *err);
/* A shared writer's transaction: on PostgreSQL a plain BEGIN, without the
 * store-wide writer lock, so several of them (one per monitor) run at once
 * and beside a locked writer; on SQLite the same as store_begin() (one
 * writer anyway). Only for writes that commute with every other writer's:
 * plain INSERTs of new rows (results into an existing day partition) and
 * store_monitor_write_results()'s rollup upserts, which lock the rows they
 * rewrite themselves. Never for what must be read and decided under the
 * lock (state changes, incidents, notifications, the ledger, DDL such as
 * partition creation). A store_begin() nested in it takes the writer lock
 * from then to the end of the outer transaction; a shared begin nested in
 * a locked transaction keeps the lock. Commit and roll back as usual. */
enum sg_code store_begin_shared(struct store *s, struct sg_error *err);
/* Whether the open transaction is a shared one without the writer lock
 * (always 0 on SQLite). */
int store_tx_shared(const struct store *s);
enum sg_code store_commit(struct store *s, struct sg_error *err);
void store_rollback(struct store *s);

/* Runs SQL with no results and no parameters (several statements allowed). */
enum sg_code store_exec(struct store *s, const char *sql, struct sg_error *err);

/* Prepares a statement; on failure sets err with the engine's message. */
enum sg_code store_prepare(struct store *s, const char *sql, struct store_stmt **st,
                           struct sg_error *err);
/* Reports the last failure of s (finalizes nothing). */
enum sg_code store_fail(struct store *s, struct sg_error *err, const char *what);

/*
 * Statement helpers, the one set every store_MODULE.c uses. Parameters and
 * columns count from 1 and 0 as in SQLite. "No value" in the database is
 * SQL NULL; in C it is NULL for text and NAN for reals.
 */
void store_bind_int(struct store_stmt *st, int i, long long v);
/* Binds a real, or SQL NULL for NAN. */
void store_bind_real(struct store_stmt *st, int i, double v);
/* Binds text (copied), or SQL NULL for a NULL pointer. */
void store_bind_text(struct store_stmt *st, int i, const char *v);
/* Binds n bytes of text (copied; no NUL needed). */
void store_bind_text_len(struct store_stmt *st, int i, const char *v, size_t n);
/* Binds bytes (copied); SQL NULL for a NULL pointer. */
void store_bind_blob(struct store_stmt *st, int i, const void *v, size_t n);
void store_bind_null(struct store_stmt *st, int i);
/* Runs or advances st: STORE_ROW (a row is ready), STORE_DONE, or
 * STORE_ERROR (store_fail() tells why). */
int store_step(struct store_stmt *st);
/* Makes st ready to run again; its bindings stay. */
void store_reset(struct store_stmt *st);
void store_finalize(struct store_stmt *st);

int store_col_count(struct store_stmt *st);
/* A column's name as the query spells it. */
const char *store_col_name(struct store_stmt *st, int i);
int store_col_is_null(struct store_stmt *st, int i);
/* A column's integer, 0 for SQL NULL. */
long long store_col_int(struct store_stmt *st, int i);
/* A column's real, NAN for SQL NULL. */
double store_col_real(struct store_stmt *st, int i);
/* A column's text, NULL for SQL NULL. */
const char *store_col_text(struct store_stmt *st, int i);
/* A column's text copied (SQL NULL -> ""); the caller frees it. */
char *store_col_dup(struct store_stmt *st, int i);
/* A column's bytes and their count (NULL and 0 for SQL NULL). */
const void *store_col_blob(struct store_stmt *st, int i, size_t *n);

/* What a value in a row is, for code that copies rows it knows nothing
 * about (store_migrate.c): on SQLite the value's own type, on PostgreSQL
 * the column's (int2/4/8 INTEGER, float4/8 and numeric REAL, bytea BLOB,
 * anything else TEXT), STORE_T_NULL for SQL NULL on both. */
enum store_type {
	STORE_T_NULL = 0,
	STORE_T_INTEGER,
	STORE_T_REAL,
	STORE_T_TEXT,
	STORE_T_BLOB,
};
enum store_type store_col_type(struct store_stmt *st, int i);

/* Rows the last INSERT, UPDATE or DELETE changed. */
long long store_changes(struct store *s);
/* The id the last INSERT gave its row (an INTEGER PRIMARY KEY). */
long long store_last_id(struct store *s);
/* How long a statement waits for another writer before it fails (the
 * default: 10 s). */
void store_set_wait(struct store *s, int ms);
/* Whether the last failure was a constraint (UNIQUE, CHECK, a trigger). */
int store_failed_constraint(struct store *s);

/* The one way to read rows: steps st to the end calling row(st, ctx) for
 * each row (a non-zero return stops early), then finalizes st. */
enum sg_code store_each(struct store *s, struct store_stmt *st,
                        int (*row)(struct store_stmt *, void *), void *ctx, const char *what,
                        struct sg_error *err);
/* A statement prepared once per store and kept until store_close(), for the
 * statements a hot path runs again and again (the monitor's state changes,
 * ledger appends): parsing them anew each time cost more than running
 * them. sql must be a string literal (kept statements are found by its
 * address). The statement is the store's: the caller binds every parameter,
 * runs it with store_step_kept() (or steps it and calls store_reset()) and
 * never finalizes it. */
enum sg_code store_prepare_kept(struct store *s, const char *sql, struct store_stmt **st,
                                struct sg_error *err);
/* Runs a kept statement once (no rows wanted, or only the first: read its
 * columns before the next use), then resets it. */
enum sg_code store_step_kept(struct store *s, struct store_stmt *st, const char *what,
                             struct sg_error *err);
/* store_each() for a kept statement: reset at the end, not finalized. */
enum sg_code store_each_kept(struct store *s, struct store_stmt *st,
                             int (*row)(struct store_stmt *, void *), void *ctx, const char *what,
                             struct sg_error *err);
/* Runs st once (no rows wanted, or only the first), then finalizes it. */
enum sg_code store_step_done(struct store *s, struct store_stmt *st, const char *what,
                             struct sg_error *err);

/* The schema version a module is at (0: none). */
int store_schema_version(struct store *s, const char *module);

#endif
