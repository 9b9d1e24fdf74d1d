/*
 * store - the SQLite database that holds everything saasguard measures and
 * records, and the only place that speaks SQL. The core (this file) opens the
 * database (created 0600 in a 0700 directory, WAL mode, foreign keys on,
 * synchronous=FULL so a committed transaction survives power loss and
 * kill -9), runs each module's versioned migrations, and wraps transactions.
 * Each module's queries live in store_MODULE.c (store_monitor.c,
 * store_ledger.c ...) and are declared in store_MODULE.h.
 *
 * A store is used by one thread at a time (it is opened without SQLite's
 * per-call mutex); threads that need the database open their own store.
 *
 * Ownership: store_open() returns a store the caller closes with
 * store_close(). Statements prepared by store functions never escape them.
 */
#ifndef SG_STORE_H
#define SG_STORE_H

#include <sqlite3.h>

#include "error.h"

struct store {
	sqlite3 *db;
	char *path;
	int in_tx; /* nesting depth of store_begin() */
};

enum store_flags {
	STORE_READONLY = 1, /* fail if the database does not exist; no writes */
};

/* The database path when none is given: $SAASGUARD_DB, else
 * $SAASGUARD_STATE_DIR/saasguard.db, else /var/lib/saasguard/saasguard.db for
 * root and $XDG_STATE_HOME (~/.local/state)/saasguard/saasguard.db otherwise.
 * Returns a string the caller frees. */
char *store_default_path(void);

enum sg_code store_open(const char *path, int flags, struct store **out, struct sg_error *err);
void store_close(struct store *s);

/* Transactions nest: only the outermost begin/commit touch the database. */
enum sg_code store_begin(struct store *s, struct sg_error *err);
enum sg_code store_commit(struct store *s, struct sg_error *err);
void store_rollback(struct store *s);

/* Runs SQL with no results (several statements allowed). */
enum sg_code store_exec(struct store *s, const char *sql, struct sg_error *err);

/* Prepares a statement; on failure sets err with SQLite's message. */
enum sg_code store_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
                           struct sg_error *err);
/* Reports a failed step of st (and finalizes nothing). */
enum sg_code store_fail(struct store *s, struct sg_error *err, const char *what);

/*
 * Statement helpers, the one set every store_MODULE.c uses. "No value" in
 * the database is SQL NULL; in C it is NULL for text and NAN for reals.
 */
/* Binds text (copied), or SQL NULL for a NULL pointer. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Binds a real, or SQL NULL for NAN. */
void store_bind_real(sqlite3_stmt *st, int i, double v);
/* A column's text, NULL for SQL NULL; valid until the next step. */
const char *store_col_text(sqlite3_stmt *st, int i);
/* A column's text copied (SQL NULL -> ""); the caller frees it. */
char *store_col_dup(sqlite3_stmt *st, int i);
/* A column's real, NAN for SQL NULL. */
double store_col_real(sqlite3_stmt *st, int i);
/* The one way to read rows: steps st to the end calling row(st, ctx) for
 * each row (a non-zero return stops early), then finalizes st. */
enum sg_code store_each(struct store *s, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
                        void *ctx, const char *what, struct sg_error *err);
/* Runs st once (no rows wanted, or only the first), then finalizes it. */
enum sg_code store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
                             struct sg_error *err);

/* The schema version a module is at (0: none). */
int store_schema_version(struct store *s, const char *module);

#endif
