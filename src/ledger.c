/*
 * ledger - the append-only evidence log: entries, configuration and sealing;
 * see ledger.h.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "dynbuf.h"
#include "ledger.h"
#include "ledger_key.h"
#include "ledger_tsa.h"
#include "merkle.h"
#include "store_ledger.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static void sha256_parts(const void *a, size_t alen, const void *b, size_t blen, const void *c,
                         size_t clen, unsigned char out[LEDGER_HASH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, a, alen);
	if (blen)
		EVP_DigestUpdate(ctx, b, blen);
	if (clen)
		EVP_DigestUpdate(ctx, c, clen);
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

void ledger_leaf_hash(const void *data, size_t len, unsigned char out[LEDGER_HASH_LEN])
{
	static const unsigned char zero = 0x00;

	sha256_parts(&zero, 1, data, len, NULL, 0, out);
}

void ledger_node_hash(const unsigned char *left, const unsigned char *right,
                      unsigned char out[LEDGER_HASH_LEN])
{
	static const unsigned char one = 0x01;

	sha256_parts(&one, 1, left, LEDGER_HASH_LEN, right, LEDGER_HASH_LEN, out);
}

char *ledger_entry_text(long long seq, long long at_ms, const char *type, json_t *payload)
{
	json_t *e =
	    json_pack("{s:I,s:O,s:I,s:s}", "at", (json_int_t)at_ms, "payload",
	              payload ? payload : json_null(), "seq", (json_int_t)seq, "type", type);
	char *text = e ? json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(e);
	return text;
}

static int type_ok(const char *type)
{
	size_t n = 0;

	if (!type)
		return 0;
	for (const char *p = type; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return 0;
	}
	return n >= 1 && n <= 64;
}

struct ledger_writer {
	struct store *s;
	struct store_ledger_inserter *ins;
	struct merkle_hasher *h;
};

enum sg_code ledger_writer_open(struct store *s, struct ledger_writer **out, struct sg_error *err)
{
	struct ledger_writer *w = xcalloc(1, sizeof(*w));
	enum sg_code rc = store_ledger_inserter_new(s, &w->ins, err);

	if (rc) {
		free(w);
		*out = NULL;
		return rc;
	}
	w->s = s;
	w->h = merkle_hasher_new();
	*out = w;
	return SG_OK;
}

void ledger_writer_close(struct ledger_writer *w)
{
	if (!w)
		return;
	store_ledger_inserter_free(w->ins);
	merkle_hasher_free(w->h);
	free(w);
}

enum sg_code ledger_writer_append(struct ledger_writer *w, const char *type, json_t *payload,
                                  long long *seq, struct sg_error *err)
{
	unsigned char leaf[LEDGER_HASH_LEN];
	long long n, at_ms = (long long)(timeutil_now() * 1000.0);
	char *text;
	enum sg_code rc;

	if (!type_ok(type))
		return sg_error_set(err, SG_ERR_INTERNAL,
		                    "ledger: entry type '%s' is not 1-64 of [A-Za-z0-9_.:-]",
		                    type ? type : "(null)");
	if ((rc = store_begin(w->s, err)))
		return rc;
	if ((rc = store_ledger_inserter_next_seq(w->ins, &n, err))) {
		store_rollback(w->s);
		return rc;
	}
	text = ledger_entry_text(n, at_ms, type, payload);
	if (!text) {
		store_rollback(w->s);
		return sg_error_set(err, SG_ERR_INTERNAL, "ledger: payload is not JSON");
	}
	merkle_leaf(w->h, text, strlen(text), leaf);
	rc = store_ledger_inserter_insert(w->ins, n, at_ms, type, text, strlen(text), leaf, err);
	free(text);
	if (rc) {
		store_rollback(w->s);
		return rc;
	}
	if ((rc = store_commit(w->s, err)))
		return rc;
	if (seq)
		*seq = n;
	return SG_OK;
}

enum sg_code ledger_append(struct store *s, const char *type, json_t *payload, long long *seq,
                           struct sg_error *err)
{
	struct ledger_writer *w;
	enum sg_code rc;

	if (!type_ok(type))
		return sg_error_set(err, SG_ERR_INTERNAL,
		                    "ledger: entry type '%s' is not 1-64 of [A-Za-z0-9_.:-]",
		                    type ? type : "(null)");
	if ((rc = store_begin(s, err)))
		return rc;
	if ((rc = ledger_writer_open(s, &w, err))) {
		store_rollback(s);
		return rc;
	}
	rc = ledger_writer_append(w, type, payload, seq, err);
	ledger_writer_close(w);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

enum sg_code ledger_each(struct store *s, const char *type, long long from_ms, long long to_ms,
                         ledger_entry_fn cb, void *ctx, struct sg_error *err)
{
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	struct dynbuf text = DYNBUF_INIT;
	enum sg_code rc = store_ledger_cursor_open(s, 0, -1, from_ms, to_ms, type, &c, err);
	int r;

	if (rc)
		return rc;
	while ((r = store_ledger_cursor_next(c, &row, err)) == 1) {
		json_t *e = json_loadb(row.entry, row.entry_len, 0, NULL);
		int stop;
		if (!e) {
			rc = sg_error_set(err, SG_ERR_VERIFY,
			                  ETR(err, "台帳のエントリ %lld が JSON ではありません",
			                      "ledger entry %lld is not JSON"),
			                  row.seq);
			break;
		}
		dynbuf_reset(&text);
		dynbuf_add(&text, row.entry, row.entry_len);
		stop = cb(e, dynbuf_ptr(&text), ctx);
		json_decref(e);
		if (stop)
			break;
	}
	if (r < 0)
		rc = SG_ERR_DB;
	store_ledger_cursor_close(c);
	dynbuf_release(&text);
	return rc;
}

char *ledger_default_key_path(void)
{
	const char *env = getenv("SAASGUARD_LEDGER_KEY");
	char *db, *dir, *out;

	if (env && *env)
		return xstrdup(env);
	db = store_default_path();
	dir = dirname(db);
	out = xstrfmt("%s/ledger.key", dir);
	free(db);
	return out;
}

void ledger_config_init(struct ledger_config *c)
{
	memset(c, 0, sizeof(*c));
	c->key_path = ledger_default_key_path();
	c->seal_every_entries = 1000;
	c->seal_every = 600;
	c->tsa_timeout = 30;
}

void ledger_config_release(struct ledger_config *c)
{
	free(c->key_path);
	free(c->tsa_url);
	free(c->tsa_ca_file);
	memset(c, 0, sizeof(*c));
}

static char *resolve(const char *base_dir, const char *path)
{
	if (path[0] == '/' || !base_dir || !*base_dir)
		return xstrdup(path);
	return xstrfmt("%s/%s", base_dir, path);
}

enum sg_code ledger_config_load(struct ledger_config *c, const struct ydoc *doc,
                                const struct ydoc_node *section, const char *base_dir,
                                struct sg_error *err)
{
	static const char *const keys[] = {LEDGER_CONFIG_KEYS, NULL};
	const struct ydoc_node *n;
	const char *str;
	enum sg_code rc;

	if (!section || ydoc_is_null(section))
		return SG_OK;
	if ((rc = ydoc_want(doc, section, YDOC_MAP, "ledger", err)) ||
	    (rc = ydoc_check_keys(doc, section, keys, "ledger", err)))
		return rc;
	if ((n = ydoc_get(section, "key"))) {
		if ((rc = ydoc_str(doc, n, "ledger.key", &str, err)))
			return rc;
		free(c->key_path);
		c->key_path = resolve(base_dir, str);
	}
	if ((n = ydoc_get(section, "tsa_url"))) {
		if ((rc = ydoc_str(doc, n, "ledger.tsa_url", &str, err)))
			return rc;
		if (strncmp(str, "https://", 8) && strncmp(str, "http://", 7)) {
			ydoc_error(doc, n, err,
			           ETR(err, "ledger.tsa_url は http:// か https:// の URL です",
			               "ledger.tsa_url must be an http:// or https:// URL"));
			sg_error_hint(err, "tsa_url: https://tsa.example.jp/tsa");
			return SG_ERR_INPUT;
		}
		free(c->tsa_url);
		c->tsa_url = xstrdup(str);
	}
	if ((n = ydoc_get(section, "tsa_ca_file"))) {
		if ((rc = ydoc_str(doc, n, "ledger.tsa_ca_file", &str, err)))
			return rc;
		free(c->tsa_ca_file);
		c->tsa_ca_file = resolve(base_dir, str);
	}
	if ((n = ydoc_get(section, "seal_every_entries")) &&
	    (rc = ydoc_int(doc, n, "ledger.seal_every_entries", 1, 1000000000,
	                   &c->seal_every_entries, err)))
		return rc;
	if ((n = ydoc_get(section, "seal_every"))) {
		if ((rc = ydoc_duration(doc, n, "ledger.seal_every", &c->seal_every, err)))
			return rc;
		if (c->seal_every < 1) {
			ydoc_error(doc, n, err,
			           ETR(err, "ledger.seal_every は 1 秒以上にしてください",
			               "ledger.seal_every must be at least one second"));
			sg_error_hint(err, "seal_every: 10m");
			return SG_ERR_INPUT;
		}
	}
	if ((n = ydoc_get(section, "tsa_timeout")) &&
	    (rc = ydoc_duration(doc, n, "ledger.tsa_timeout", &c->tsa_timeout, err)))
		return rc;
	if (c->tsa_url && !c->tsa_ca_file) {
		ydoc_error(
		    doc, ydoc_get(section, "tsa_url"), err,
		    ETR(err,
		        "ledger.tsa_url にはタイムスタンプ局の CA 証明書 (tsa_ca_file) が必要です",
		        "ledger.tsa_url needs the TSA's CA certificate (tsa_ca_file)"));
		sg_error_hint(err, "tsa_ca_file: /etc/saasguard/tsa-ca.pem");
		return SG_ERR_INPUT;
	}
	return SG_OK;
}

static void time_text(long long at_ms, char out[40])
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%03lldZ", buf, at_ms % 1000);
}

char *ledger_head_text(long long size, const unsigned char root[LEDGER_HASH_LEN], long long at_ms,
                       const char *key_id)
{
	char hex[65], when[40];

	merkle_hex(root, hex);
	time_text(at_ms, when);
	return xstrfmt(LEDGER_HEAD_MAGIC "\nsize %lld\nroot %s\ntime %s\nkey %s\n", size, hex, when,
	               key_id);
}

int ledger_head_parse(const char *text, long long *size, unsigned char root[LEDGER_HASH_LEN],
                      long long *at_ms, char key_id[65])
{
	char hex[65], key[65], *again;
	struct tm tm;
	int ms, used = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(text,
	           LEDGER_HEAD_MAGIC "\nsize %lld\nroot %64[0-9a-f]\ntime "
	                             "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ\nkey %64[0-9a-f]\n%n",
	           size, hex, &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	           &tm.tm_sec, &ms, key, &used) != 10 ||
	    !used || text[used] || *size < 0 || strlen(key) != 64)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (merkle_unhex(hex, root))
		return -1;
	*at_ms = (long long)timegm(&tm) * 1000 + ms;
	snprintf(key_id, 65, "%s", key);
	/* Only the exact text ledger_head_text() makes is a head. */
	again = ledger_head_text(*size, root, *at_ms, key_id);
	used = strcmp(again, text);
	free(again);
	return used ? -1 : 0;
}

/* MTH of the first `size` entries, from the stored leaf hashes. */
static enum sg_code root_of(struct store *s, long long size, unsigned char root[LEDGER_HASH_LEN],
                            struct sg_error *err)
{
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	struct merkle_hasher *h;
	struct merkle_stream ms;
	long long want = 0;
	enum sg_code rc = store_ledger_cursor_open(s, 0, size, 0, LLONG_MAX, NULL, &c, err);
	int r;

	if (rc)
		return rc;
	h = merkle_hasher_new();
	merkle_stream_init(&ms, h);
	while ((r = store_ledger_cursor_next(c, &row, err)) == 1) {
		if (row.seq != want || row.leaf_hash_len != LEDGER_HASH_LEN) {
			rc = sg_error_set(
			    err, SG_ERR_VERIFY,
			    ETR(err, "台帳のエントリ %lld が欠けているか壊れています。封印しません",
			        "ledger entry %lld is missing or damaged; not sealing"),
			    want);
			sg_error_hint(err, "saasguard ledger verify");
			break;
		}
		merkle_stream_push(&ms, row.leaf_hash);
		want++;
	}
	if (r < 0)
		rc = SG_ERR_DB;
	if (!rc && want != size)
		rc = sg_error_set(err, SG_ERR_VERIFY,
		                  ETR(err, "台帳のエントリ %lld が欠けています。封印しません",
		                      "ledger entry %lld is missing; not sealing"),
		                  want);
	if (!rc)
		merkle_stream_root(&ms, root);
	store_ledger_cursor_close(c);
	merkle_hasher_free(h);
	return rc;
}

static enum sg_code ledger_size(struct store *s, long long *size, struct sg_error *err)
{
	return store_ledger_next_seq(s, size, err);
}

enum sg_code ledger_seal_now(struct store *s, const struct ledger_config *c,
                             struct ledger_seal_result *out, struct sg_error *err)
{
	struct store_ledger_head last, head;
	struct ledger_key key;
	struct sg_error terr;
	long long size;
	int found;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ledger_size(s, &size, err)) ||
	    (rc = store_ledger_last_head(s, &last, &found, err)))
		return rc;
	free(last.head);
	free(last.token);
	out->tree_size = size;
	if (found && last.tree_size >= size)
		return SG_OK;
	if ((rc = ledger_key_load_private(c->key_path, &key, err))) {
		if (rc == SG_ERR_NOT_FOUND)
			sg_error_hint(err, "saasguard ledger keygen --key %s", c->key_path);
		return rc;
	}
	memset(&head, 0, sizeof(head));
	head.tree_size = size;
	if ((rc = root_of(s, size, head.root, err))) {
		ledger_key_wipe(&key);
		return rc;
	}
	head.root_len = LEDGER_HASH_LEN;
	head.at_ms = (long long)(timeutil_now() * 1000.0);
	snprintf(head.key_id, sizeof(head.key_id), "%s", key.id);
	head.head = ledger_head_text(size, head.root, head.at_ms, key.id);
	ledger_key_sign(&key, head.head, strlen(head.head), head.signature);
	head.signature_len = LEDGER_SIG_LEN;
	ledger_key_wipe(&key);
	if (c->tsa_url) {
		memset(&terr, 0, sizeof(terr));
		terr.lang = err ? err->lang : 0;
		if (ledger_tsa_stamp(c->tsa_url, c->tsa_ca_file, c->tsa_timeout, head.head,
		                     strlen(head.head), &head.token, &head.token_len, &terr))
			snprintf(out->tsa_error, sizeof(out->tsa_error), "%s", terr.msg);
	}
	if (!(rc = store_begin(s, err))) {
		if ((rc = store_ledger_head_insert(s, &head, &out->head_id, err)))
			store_rollback(s);
		else
			rc = store_commit(s, err);
	}
	if (!rc) {
		out->sealed = 1;
		out->timestamped = head.token != NULL;
	}
	free(head.head);
	free(head.token);
	return rc;
}

enum sg_code ledger_maybe_seal(struct store *s, const struct ledger_config *c,
                               struct ledger_seal_result *out, struct sg_error *err)
{
	struct store_ledger_head last;
	long long size, now_ms = (long long)(timeutil_now() * 1000.0);
	int found;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ledger_size(s, &size, err)) ||
	    (rc = store_ledger_last_head(s, &last, &found, err)))
		return rc;
	free(last.head);
	free(last.token);
	out->tree_size = size;
	if (!found) {
		if (size == 0)
			return SG_OK;
	} else if (size <= last.tree_size ||
	           (size - last.tree_size < c->seal_every_entries &&
	            (double)(now_ms - last.at_ms) < c->seal_every * 1000.0)) {
		return SG_OK;
	}
	return ledger_seal_now(s, c, out, err);
}
