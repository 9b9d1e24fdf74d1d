/* libFuzzer target: the verifier over a database someone edited. The first
 * run builds a small valid ledger (12 entries, 3 chained heads) and keeps its
 * bytes; each input is a list of mutations applied to a fresh in-memory copy
 * with SQL — (table, row, column, value) where a value is an integer, a text,
 * a blob, NULL, or "delete the row" / "copy the row" — and then verify,
 * proofs, the latest-head lookup, `ledger show`'s summaries and the
 * dashboard's last verification (ledger_check_latest()) run over it. None may crash, hang,
 * leak or allocate by a size a head merely claims. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i18n.h"
#include "ledger.h"
#include "ledger_check.h"
#include "ledger_events.h"
#include "ledger_signer.h"
#include "ledger_verify.h"
#include "store.h"
#include "store_backend.h"
#include "store_ledger.h"

static unsigned char *tmpl;
static sqlite3_int64 tmpl_len;
static struct ledger_key pub;
static struct ledger_checkpoint checkpoint;

static const char *const tables[] = {"ledger_entries", "ledger_heads"};
static const char *const columns[2][9] = {
    {"seq", "at_ms", "type", "entry", "leaf_hash", "seq", "at_ms", "type", "entry"},
    {"id", "tree_size", "root_hash", "at_ms", "key_id", "head", "signature", "tsa_token", "number"},
};

static void build(void)
{
	char dir[] = "/tmp/fuzz-ledger-XXXXXX", db[300], key[300], path[320];
	struct ledger_config c;
	struct ledger_seal_result sr;
	struct store *s;
	json_t *p = json_pack("{s:s,s:i}", "note", "x", "n", 1);

	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(key, sizeof(key), "%s/ledger.key", dir);
	if (store_open(db, 0, &s, NULL) || ledger_key_generate(key, &pub, NULL))
		abort();
	ledger_config_init(&c);
	free(c.key_path);
	c.key_path = strdup(key);
	for (int i = 0; i < 12; i++) {
		/* entry 4: a recorded verification, which the dashboard reads back */
		struct ledger_events_verification v = {0,    0, 0, 1,   1,   1,    1,
		                                       NULL, 2, 3, "x", 0.5, "cli"};
		if (i == 4 ? ledger_events_ledger_verified(s, &v, NULL, NULL)
		           : ledger_append(s, i % 3 ? "check_state" : "attestation", p, NULL, NULL))
			abort();
		if ((i == 0 || i == 6 || i == 11) && ledger_seal_now(s, &c, &sr, NULL))
			abort();
	}
	snprintf(path, sizeof(path), "%s.heads", key);
	if (ledger_checkpoint_read(path, &checkpoint, NULL))
		abort();
	store_exec(s,
	           "PRAGMA journal_mode=DELETE;"
	           "DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;"
	           "DROP TRIGGER ledger_heads_no_update; DROP TRIGGER ledger_heads_no_delete;",
	           NULL);
	tmpl = sqlite3_serialize((sqlite3 *)s->conn, "main", &tmpl_len, 0);
	if (!tmpl)
		abort();
	store_close(s);
	ledger_config_release(&c);
	json_decref(p);
	memset(pub.sk, 0, sizeof(pub.sk));
	pub.has_secret = 0;
	unlink(db);
	unlink(key);
	snprintf(path, sizeof(path), "%s.pub", key);
	unlink(path);
	snprintf(path, sizeof(path), "%s.heads", key);
	unlink(path);
	rmdir(dir);
}

/* Applies one mutation from data; returns the bytes it used (0: stop). */
static size_t mutate(sqlite3 *db, const uint8_t *d, size_t n)
{
	char sql[256];
	sqlite3_stmt *st;
	size_t used = 4, len;
	int t, col, kind;

	if (n < 4)
		return 0;
	t = d[0] & 1;
	col = d[2] % 9;
	kind = d[3] % 6;
	if (kind == 4)
		snprintf(
		    sql, sizeof(sql),
		    "DELETE FROM %s WHERE rowid = (SELECT rowid FROM %s ORDER BY rowid LIMIT 1 "
		    "OFFSET ?2)",
		    tables[t], tables[t]);
	else if (kind == 5)
		snprintf(sql, sizeof(sql),
		         "INSERT INTO %s SELECT * FROM %s ORDER BY rowid LIMIT 1 OFFSET ?2",
		         tables[t], tables[t]);
	else
		snprintf(sql, sizeof(sql),
		         "UPDATE %s SET %s = ?1 WHERE rowid = (SELECT rowid FROM %s ORDER BY rowid "
		         "LIMIT 1 OFFSET ?2)",
		         tables[t], columns[t][col], tables[t]);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int(st, 2, d[1] % 16);
	if (kind == 0 && n >= used + 8) {
		sqlite3_int64 v;
		memcpy(&v, d + used, 8);
		sqlite3_bind_int64(st, 1, v);
		used += 8;
	} else if (kind == 1 || kind == 2) {
		len = n > used ? d[used] : 0;
		used += n > used;
		if (len > n - used)
			len = n - used;
		if (kind == 1)
			sqlite3_bind_text(st, 1, (const char *)d + used, (int)len,
			                  SQLITE_TRANSIENT);
		else
			sqlite3_bind_blob(st, 1, d + used, (int)len, SQLITE_TRANSIENT);
		used += len;
	} else if (kind == 3) {
		sqlite3_bind_null(st, 1);
	}
	sqlite3_step(st);
	sqlite3_finalize(st);
	return used;
}

/* What `ledger show` does with each entry. */
static int summarise(json_t *e, const char *text, void *ctx)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	char *sum =
	    ledger_events_summary(type ? type : "", json_object_get(e, "payload"), SG_LANG_EN);

	(void)text;
	(void)ctx;
	free(sum);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store s = {0};
	struct ledger_verify_opts o;
	struct ledger_verify_report r;
	struct store_ledger_head head;
	unsigned char *copy;
	json_t *proof;
	size_t used;

	sqlite3 *db = NULL;

	if (!tmpl)
		build();
	s.be = &store_sqlite_backend;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	s.path = ":memory:";
	copy = sqlite3_malloc64((sqlite3_uint64)tmpl_len);
	memcpy(copy, tmpl, (size_t)tmpl_len);
	if (sqlite3_deserialize(db, "main", copy, tmpl_len, tmpl_len,
	                        SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) !=
	    SQLITE_OK)
		abort();
	s.conn = db;
	for (int i = 0; i < 16 && (used = mutate(db, data, size)); i++) {
		data += used;
		size -= used;
	}
	memset(&o, 0, sizeof(o));
	o.keys = &pub;
	o.nkeys = 1;
	o.checkpoints = &checkpoint;
	o.ncheckpoints = 1;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	ledger_verify(&s, &o, &r, NULL);
	if (!ledger_verify_latest_head(&s, &pub, 1, &head, NULL)) {
		free(head.head);
		free(head.token);
	}
	if (!ledger_inclusion_proof(&s, &pub, 1, 3, &proof, NULL))
		json_decref(proof);
	if (!ledger_consistency_proof(&s, &pub, 1, 2, &proof, NULL))
		json_decref(proof);
	ledger_each(&s, NULL, INT64_MIN, INT64_MAX, summarise, NULL, NULL);
	{
		struct ledger_check c;
		int found = 0;
		if (!ledger_check_latest(&s, &c, &found, NULL))
			ledger_check_release(&c);
	}
	sqlite3_close(db);
	return 0;
}
