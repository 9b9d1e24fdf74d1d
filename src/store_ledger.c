/*
 * store_ledger - the ledger's schema and queries; see store_ledger.h.
 */
#include <stddef.h>

#include "store_ledger.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE ledger_entries("
        " seq INTEGER PRIMARY KEY,"
        " at_ms INTEGER NOT NULL,"
        " type TEXT NOT NULL,"
        " entry TEXT NOT NULL,"
        " leaf_hash BLOB NOT NULL);"
        "CREATE INDEX ledger_entries_by_type ON ledger_entries(type, at_ms);"
        "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
        " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
        "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
        " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
        "CREATE TABLE ledger_heads("
        " id INTEGER PRIMARY KEY,"
        " tree_size INTEGER NOT NULL,"
        " root_hash BLOB NOT NULL,"
        " at_ms INTEGER NOT NULL,"
        " key_id TEXT NOT NULL,"
        " head TEXT NOT NULL,"
        " signature BLOB NOT NULL,"
        " tsa_token BLOB);"
        "CREATE TRIGGER ledger_heads_no_update BEFORE UPDATE ON ledger_heads"
        " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;"
        "CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads"
        " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;"},
};

const struct store_schema store_ledger_schema = {
    "ledger",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

enum sg_code store_ledger_next_seq(struct store *s, long long *seq, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries", &st, err);

	if (rc)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_fail(s, err, "ledger sequence");
	}
	*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return SG_OK;
}

enum sg_code store_ledger_insert(struct store *s, long long seq, long long at_ms, const char *type,
                                 const char *entry, const unsigned char *leaf_hash,
                                 struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO ledger_entries(seq, at_ms, type, entry, "
	                                "leaf_hash) VALUES (?, ?, ?, ?, ?)",
	                                &st, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, at_ms);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, entry, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, leaf_hash, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "ledger append");
	sqlite3_finalize(st);
	return rc;
}
