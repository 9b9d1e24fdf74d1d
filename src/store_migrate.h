/*
 * store_migrate - moving an installation from one store to another (`saasguard
 * store migrate`): every table of a SQLite store, the evidence ledger
 * included, copied row by row into a new store of either engine with the ids
 * kept, so the ledger's hashes, the incidents' references and everything
 * that names a row by its id stay true. The copy is generic: it reads the
 * source's own list of tables (in creation order, which is an order their
 * foreign keys allow) and each row's values as they are, so a table a later
 * schema adds is copied without a change here.
 *
 * The caller opens both stores (store_open() migrates both to the current
 * schema) and calls store_migrate_check_empty() before store_migrate_copy().
 *
 * Ownership: store_migrate_copy() fills a result the caller releases with
 * store_migrate_result_release(); the progress callback's table name is
 * valid only during the call.
 */
#ifndef SG_STORE_MIGRATE_H
#define SG_STORE_MIGRATE_H

#include <stddef.h>

#include "error.h"
#include "store.h"

struct store_migrate_table {
	char *name;
	long long rows; /* copied */
};

struct store_migrate_result {
	struct store_migrate_table *tables; /* in the order they were copied */
	size_t n;
	long long rows;      /* every table's rows together */
	long long sequences; /* identity sequences moved past the copied ids (PostgreSQL) */
};

/* Called after each batch of a table and once when it is done (done = 1). */
typedef void (*store_migrate_progress_fn)(const char *table, long long rows, int done, void *ctx);

/* Refuses (SG_ERR_EXISTS, naming the first table that holds rows and what
 * to do) a destination where any of the source's tables already has rows:
 * a copy keeps ids, and would collide with them or interleave two
 * installations' histories. */
enum sg_code store_migrate_check_empty(struct store *src, struct store *dst, struct sg_error *err);

/* Copies every table of src (a SQLite store; schema_versions excepted,
 * store_open() wrote it) into dst, one transaction per table and a
 * multi-row INSERT per batch, then on PostgreSQL moves every identity
 * sequence past the largest copied id, so new rows continue after them. On
 * PostgreSQL the day partitions of check_results for the source's time
 * range are created first. On failure the table being copied is rolled
 * back; the tables before it stay (the destination is then not empty: drop
 * and recreate it before trying again). */
enum sg_code store_migrate_copy(struct store *src, struct store *dst,
                                store_migrate_progress_fn progress, void *ctx,
                                struct store_migrate_result *out, struct sg_error *err);
void store_migrate_result_release(struct store_migrate_result *r);

#endif
