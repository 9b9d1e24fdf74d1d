/*
 * store_ledger - the ledger's schema and queries; see store_ledger.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_ledger.h"
#include "xalloc.h"
#include "store_schemas.h"
#include "banned.h"

/* The tables, the same on both engines; only how they refuse to change
 * differs. */
#define LEDGER_ENTRIES_TABLE                                                                       \
	"CREATE TABLE ledger_entries("                                                             \
	" seq INTEGER PRIMARY KEY,"                                                                \
	" at_ms INTEGER NOT NULL,"                                                                 \
	" type TEXT NOT NULL,"                                                                     \
	" entry TEXT NOT NULL,"                                                                    \
	" leaf_hash BLOB NOT NULL);"                                                               \
	"CREATE INDEX ledger_entries_by_type ON ledger_entries(type, at_ms);"
#define LEDGER_HEADS_TABLE                                                                         \
	"CREATE TABLE ledger_heads("                                                               \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" tree_size INTEGER NOT NULL,"                                                             \
	" root_hash BLOB NOT NULL,"                                                                \
	" at_ms INTEGER NOT NULL,"                                                                 \
	" key_id TEXT NOT NULL,"                                                                   \
	" head TEXT NOT NULL,"                                                                     \
	" signature BLOB NOT NULL,"                                                                \
	" tsa_token BLOB);"

static const struct store_migration migrations[] = {
    {1,
     LEDGER_ENTRIES_TABLE
     "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
     " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
     "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
     " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;" LEDGER_HEADS_TABLE
     "CREATE TRIGGER ledger_heads_no_update BEFORE UPDATE ON ledger_heads"
     " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;"
     "CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads"
     " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;",
     /* PostgreSQL: one trigger function refuses UPDATE, DELETE and TRUNCATE
      * for every role, the owner included (only a superuser can switch
      * triggers off, and that shows in the server's log). Roles the daemon
      * runs as get INSERT and SELECT only: see docs/internals/store.md. */
     LEDGER_ENTRIES_TABLE LEDGER_HEADS_TABLE
     "CREATE FUNCTION saasguard_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$"
     " BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '23001';"
     " END $f$;"
     "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries"
     " FOR EACH ROW EXECUTE FUNCTION saasguard_append_only();"
     "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries"
     " FOR EACH STATEMENT EXECUTE FUNCTION saasguard_append_only();"
     "CREATE TRIGGER ledger_heads_append_only BEFORE UPDATE OR DELETE ON ledger_heads"
     " FOR EACH ROW EXECUTE FUNCTION saasguard_append_only();"
     "CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads"
     " FOR EACH STATEMENT EXECUTE FUNCTION saasguard_append_only();"
     "REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries, ledger_heads FROM PUBLIC;"},
    /* v2 heads carry their place in the chain (also in the signed text). */
    {2, "ALTER TABLE ledger_heads ADD COLUMN number INTEGER;"
        "CREATE INDEX ledger_heads_by_number ON ledger_heads(number);"},
};

const struct store_schema store_ledger_schema = {
    "ledger",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

/* Column 0 and 1 of the first row as integers; found says there was one. */
struct first_ints {
	int found;
	int null0; /* column 0 was SQL NULL */
	long long v[2];
};

static int first_ints(struct store_stmt *st, void *ctx)
{
	struct first_ints *f = ctx;

	f->found = 1;
	f->null0 = store_col_is_null(st, 0);
	f->v[0] = store_col_int(st, 0);
	f->v[1] = store_col_int(st, 1);
	return 1;
}

enum sg_code store_ledger_next_seq(struct store *s, long long *seq, struct sg_error *err)
{
	struct store_stmt *st;
	struct first_ints f = {0, 0, {0, 0}};
	enum sg_code rc =
	    store_prepare(s, "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries", &st, err);

	if (rc || (rc = store_each(s, st, first_ints, &f, "ledger sequence", err)))
		return rc;
	if (!f.found) /* an aggregate always has its row */
		return store_fail(s, err, "ledger sequence");
	*seq = f.v[0];
	return SG_OK;
}

enum sg_code store_ledger_latest_of_type(struct store *s, const char *type, long long *seq,
                                         long long *at_ms, char **entry, int *found,
                                         struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "SELECT seq, at_ms, entry FROM ledger_entries WHERE type = ? "
	                  "ORDER BY at_ms DESC, seq DESC LIMIT 1",
	                  &st, err);
	int r;

	*found = 0;
	*entry = NULL;
	if (rc)
		return rc;
	store_bind_text(st, 1, type);
	r = store_step(st);
	if (r == STORE_ROW) {
		*seq = store_col_int(st, 0);
		*at_ms = store_col_int(st, 1);
		*entry = store_col_dup(st, 2);
		*found = *entry != NULL;
	}
	rc = r == STORE_ERROR ? store_fail(s, err, "ledger entries") : SG_OK;
	store_finalize(st);
	return rc;
}

struct store_ledger_inserter {
	struct store *s;
	struct store_stmt *next;
	struct store_stmt *insert;
};

enum sg_code store_ledger_inserter_new(struct store *s, struct store_ledger_inserter **out,
                                       struct sg_error *err)
{
	struct store_ledger_inserter *ins = xcalloc(1, sizeof(*ins));
	enum sg_code rc;

	ins->s = s;
	/* Kept by the store: every ledger append (one per monitor state change)
	 * opens an inserter, and parsing these again each time was most of its
	 * cost. */
	if ((rc = store_prepare_kept(s, "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries",
	                             &ins->next, err)) ||
	    (rc = store_prepare_kept(
	         s,
	         "INSERT INTO ledger_entries(seq, at_ms, type, entry, leaf_hash) "
	         "VALUES (?, ?, ?, ?, ?)",
	         &ins->insert, err))) {
		free(ins);
		*out = NULL;
		return rc;
	}
	*out = ins;
	return SG_OK;
}

enum sg_code store_ledger_inserter_next_seq(struct store_ledger_inserter *ins, long long *seq,
                                            struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	if (store_step(ins->next) == STORE_ROW)
		*seq = store_col_int(ins->next, 0);
	else
		rc = store_fail(ins->s, err, "ledger sequence");
	store_reset(ins->next);
	return rc;
}

enum sg_code store_ledger_inserter_insert(struct store_ledger_inserter *ins, long long seq,
                                          long long at_ms, const char *type, const char *entry,
                                          size_t entry_len, const unsigned char *leaf_hash,
                                          struct sg_error *err)
{
	struct store_stmt *st = ins->insert;
	enum sg_code rc = SG_OK;

	store_bind_int(st, 1, seq);
	store_bind_int(st, 2, at_ms);
	store_bind_text(st, 3, type);
	store_bind_text_len(st, 4, entry, entry_len);
	store_bind_blob(st, 5, leaf_hash, MERKLE_HASH_LEN);
	if (store_step(st) != STORE_DONE)
		rc = store_fail(ins->s, err, "ledger append");
	store_reset(st);
	return rc;
}

void store_ledger_inserter_free(struct store_ledger_inserter *ins)
{
	free(ins); /* its statements are the store's */
}

struct store_ledger_cursor {
	struct store *s;
	struct store_stmt *st;
};

enum sg_code store_ledger_cursor_open(struct store *s, long long from_seq, long long to_seq,
                                      long long from_ms, long long to_ms, const char *type,
                                      struct store_ledger_cursor **out, struct sg_error *err)
{
	struct store_ledger_cursor *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	c->s = s;
	rc = store_prepare(
	    s,
	    "SELECT seq, at_ms, type, entry, leaf_hash FROM ledger_entries"
	    " WHERE seq >= ?1 AND (?2 < 0 OR seq < ?2) AND at_ms >= ?3"
	    " AND at_ms < ?4 AND (CAST(?5 AS TEXT) IS NULL OR type = ?5) ORDER BY seq",
	    &c->st, err);
	if (rc) {
		free(c);
		*out = NULL;
		return rc;
	}
	store_bind_int(c->st, 1, from_seq);
	store_bind_int(c->st, 2, to_seq);
	store_bind_int(c->st, 3, from_ms);
	store_bind_int(c->st, 4, to_ms);
	store_bind_text(c->st, 5, type);
	*out = c;
	return SG_OK;
}

/* A cursor rather than store_each(): the verifier and the export stream
 * millions of rows through their own loops. */
int store_ledger_cursor_next(struct store_ledger_cursor *c, struct store_ledger_row *row,
                             struct sg_error *err)
{
	int r = store_step(c->st);

	if (r == STORE_DONE)
		return 0;
	if (r != STORE_ROW) {
		store_fail(c->s, err, "ledger read");
		return -1;
	}
	row->seq = store_col_int(c->st, 0);
	row->at_ms = store_col_int(c->st, 1);
	row->type = store_col_text(c->st, 2);
	/* As a blob: the text column would be copied to add a NUL. */
	row->entry = store_col_blob(c->st, 3, &row->entry_len);
	row->leaf_hash = store_col_blob(c->st, 4, &row->leaf_hash_len);
	if (!row->type)
		row->type = "";
	if (!row->entry)
		row->entry = "";
	return 1;
}

void store_ledger_cursor_close(struct store_ledger_cursor *c)
{
	if (!c)
		return;
	store_finalize(c->st);
	free(c);
}

enum sg_code store_ledger_seq_range(struct store *s, long long from_ms, long long to_ms,
                                    long long *first, long long *end, struct sg_error *err)
{
	struct store_stmt *st;
	struct first_ints f = {0, 0, {0, 0}};
	enum sg_code rc = store_prepare(s,
	                                "SELECT MIN(seq), MAX(seq) + 1 FROM ledger_entries"
	                                " WHERE at_ms >= ? AND at_ms < ?",
	                                &st, err);

	if (rc)
		return rc;
	store_bind_int(st, 1, from_ms);
	store_bind_int(st, 2, to_ms);
	*first = *end = 0;
	if ((rc = store_each(s, st, first_ints, &f, "ledger range", err)))
		return rc;
	if (!f.found) /* an aggregate always has its row */
		return store_fail(s, err, "ledger range");
	if (!f.null0) {
		*first = f.v[0];
		*end = f.v[1];
	}
	return SG_OK;
}

#define HEAD_COLUMNS "id, tree_size, root_hash, at_ms, key_id, head, signature, tsa_token, "

/* A store opened read-only is not migrated: one from before v2 has no
 * number column. */
static const char *head_number_column(struct store *s)
{
	return store_schema_version(s, "ledger") >= 2 ? "number" : "NULL";
}

static void read_head(struct store_stmt *st, struct store_ledger_head *h)
{
	const void *b;
	size_t n;
	const char *t;

	memset(h, 0, sizeof(*h));
	h->id = store_col_int(st, 0);
	h->tree_size = store_col_int(st, 1);
	b = store_col_blob(st, 2, &n);
	h->root_len = n;
	if (b)
		memcpy(h->root, b, n < sizeof(h->root) ? n : sizeof(h->root));
	h->at_ms = store_col_int(st, 3);
	t = store_col_text(st, 4);
	snprintf(h->key_id, sizeof(h->key_id), "%s", t ? t : "");
	h->head = store_col_dup(st, 5);
	b = store_col_blob(st, 6, &n);
	h->signature_len = n;
	if (b)
		memcpy(h->signature, b, n < sizeof(h->signature) ? n : sizeof(h->signature));
	b = store_col_blob(st, 7, &n);
	if (b && n) {
		h->token = xmalloc(n);
		memcpy(h->token, b, n);
		h->token_len = n;
	}
	h->number = store_col_int(st, 8);
}

struct heads {
	struct store_ledger_head *v;
	size_t n, alloc;
};

static int head_of(struct store_stmt *st, void *ctx)
{
	struct heads *h = ctx;

	ALLOC_GROW(h->v, h->n, h->alloc);
	read_head(st, &h->v[h->n++]);
	return 0;
}

static int head_one(struct store_stmt *st, void *ctx)
{
	struct heads *h = ctx;

	read_head(st, h->v);
	h->n = 1;
	return 1;
}

enum sg_code store_ledger_heads(struct store *s, struct store_ledger_head **out, size_t *n,
                                struct sg_error *err)
{
	struct store_stmt *st;
	struct heads h = {NULL, 0, 0};
	char *sql = xstrfmt("SELECT " HEAD_COLUMNS "%s FROM ledger_heads ORDER BY id",
	                    head_number_column(s));
	enum sg_code rc = store_prepare(s, sql, &st, err);

	free(sql);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	if ((rc = store_each(s, st, head_of, &h, "ledger heads", err))) {
		store_ledger_heads_free(h.v, h.n);
		return rc;
	}
	*out = h.v;
	*n = h.n;
	return SG_OK;
}

void store_ledger_heads_free(struct store_ledger_head *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].head);
		free(h[i].token);
	}
	free(h);
}

enum sg_code store_ledger_last_head(struct store *s, struct store_ledger_head *out, int *found,
                                    struct sg_error *err)
{
	struct store_stmt *st;
	struct heads h = {out, 0, 1};
	char *sql = xstrfmt("SELECT " HEAD_COLUMNS "%s FROM ledger_heads ORDER BY id DESC LIMIT 1",
	                    head_number_column(s));
	enum sg_code rc = store_prepare(s, sql, &st, err);

	free(sql);
	*found = 0;
	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	rc = store_each(s, st, head_one, &h, "ledger heads", err);
	*found = h.n == 1;
	return rc;
}

enum sg_code store_ledger_head_insert(struct store *s, const struct store_ledger_head *h,
                                      long long *id, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO ledger_heads(tree_size, root_hash, at_ms, "
	                                "key_id, head, signature, tsa_token, number) VALUES (?, "
	                                "?, ?, ?, ?, ?, ?, ?)",
	                                &st, err);

	if (rc)
		return rc;
	store_bind_int(st, 1, h->tree_size);
	store_bind_blob(st, 2, h->root, (int)sizeof(h->root));
	store_bind_int(st, 3, h->at_ms);
	store_bind_text(st, 4, h->key_id);
	store_bind_text(st, 5, h->head);
	store_bind_blob(st, 6, h->signature, (int)sizeof(h->signature));
	if (h->token)
		store_bind_blob(st, 7, h->token, (int)h->token_len);
	else
		store_bind_null(st, 7);
	if (h->number > 0)
		store_bind_int(st, 8, h->number);
	else
		store_bind_null(st, 8);
	if (!(rc = store_step_done(s, st, "ledger head", err)) && id)
		*id = store_last_id(s);
	return rc;
}

enum sg_code store_ledger_prepare_scan(struct store *s, struct sg_error *err)
{
	/* Read pages through a memory map instead of a copy per page. */
	if (store_kind(s) != STORE_SQLITE)
		return SG_OK;
	return store_exec(s, "PRAGMA mmap_size = 4294967296", err);
}
