/*
 * ledger - the append-only evidence log: entries, configuration and sealing;
 * see ledger.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dynbuf.h"
#include "ledger.h"
#include "merkle.h"
#include "store.h"
#include "store_ledger.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

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

/* $SAASGUARD_LEDGER_KEY, else ledger.key beside db_path (NULL: beside the
 * default database). */
static char *ledger_default_key_path(const char *db_path)
{
	const char *env = getenv("SAASGUARD_LEDGER_KEY");
	char *dir, *out;

	if (env && *env)
		return xstrdup(env);
	dir = store_files_dir(db_path);
	out = xstrfmt("%s/ledger.key", dir);
	free(dir);
	return out;
}

void ledger_config_set_db(struct ledger_config *c, const char *db_path)
{
	if (!c->key_path_default || !db_path)
		return;
	free(c->key_path);
	c->key_path = ledger_default_key_path(db_path);
}

void ledger_config_init(struct ledger_config *c)
{
	const char *env = getenv("SAASGUARD_LEDGER_KEY");

	memset(c, 0, sizeof(*c));
	c->key_path = ledger_default_key_path(NULL);
	c->key_path_default = !(env && *env);
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
		c->key_path_default = 0;
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

/* "2026-11-25T12:00:00.123Z" */
static void time_text(long long at_ms, char out[40])
{
	long long sec = at_ms >= 0 ? at_ms / 1000 : (at_ms - 999) / 1000;
	char iso[32];

	timeutil_utc(sec, iso);
	iso[strlen(iso) - 1] = '\0'; /* the Z */
	snprintf(out, 40, "%s.%03lldZ", iso, at_ms - sec * 1000);
}

char *ledger_head_text(const struct ledger_head_info *h)
{
	char root[2 * LEDGER_HASH_LEN + 1], prev[2 * LEDGER_HASH_LEN + 1], when[40];

	merkle_hex(h->root, root);
	time_text(h->at_ms, when);
	if (h->version == 1)
		return xstrfmt(LEDGER_HEAD_MAGIC_V1 "\nsize %lld\nroot %s\ntime %s\nkey %s\n",
		               h->size, root, when, h->key_id);
	merkle_hex(h->prev_head, prev);
	return xstrfmt(LEDGER_HEAD_MAGIC "\nnumber %lld\nsize %lld\nroot %s\ntime %s\nkey "
	                                 "%s\nprev-size %lld\nprev-head %s\n",
	               h->number, h->size, root, when, h->key_id, h->prev_size, prev);
}

/* The value of line "NAME VALUE\n" at *p, advancing *p past it; NULL when
 * the line is not there. The value is copied into buf (cap bytes). */
static const char *head_line(const char **p, const char *name, char *buf, size_t cap)
{
	size_t n = strlen(name);
	const char *v, *nl;

	if (strncmp(*p, name, n) || (*p)[n] != ' ')
		return NULL;
	v = *p + n + 1;
	nl = strchr(v, '\n');
	if (!nl || (size_t)(nl - v) >= cap || nl == v)
		return NULL;
	memcpy(buf, v, (size_t)(nl - v));
	buf[nl - v] = '\0';
	*p = nl + 1;
	return buf;
}

static int head_number(const char *s, long long *out)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 18)
		return -1;
	*out = strtoll(s, &end, 10);
	return *end ? -1 : 0;
}

/* "2026-11-25T12:00:00.123Z" to milliseconds. */
static int head_time(const char *s, long long *at_ms)
{
	char sec[32];
	long long t;

	if (strlen(s) != 24 || s[19] != '.' || s[23] != 'Z' || s[20] < '0' || s[20] > '9' ||
	    s[21] < '0' || s[21] > '9' || s[22] < '0' || s[22] > '9')
		return -1;
	memcpy(sec, s, 19);
	memcpy(sec + 19, "Z", 2);
	if (timeutil_parse(sec, &t, NULL))
		return -1;
	*at_ms = t * 1000 + (s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0');
	return 0;
}

int ledger_head_parse(const char *text, struct ledger_head_info *h)
{
	char buf[80], *again;
	const char *p = text;
	int bad;

	memset(h, 0, sizeof(*h));
	if (!strncmp(p, LEDGER_HEAD_MAGIC "\n", sizeof(LEDGER_HEAD_MAGIC)))
		h->version = 2;
	else if (!strncmp(p, LEDGER_HEAD_MAGIC_V1 "\n", sizeof(LEDGER_HEAD_MAGIC_V1)))
		h->version = 1;
	else
		return -1;
	p += sizeof(LEDGER_HEAD_MAGIC); /* both magics have one length */
	if (h->version == 2 && (!head_line(&p, "number", buf, sizeof(buf)) ||
	                        head_number(buf, &h->number) || h->number < 1))
		return -1;
	if (!head_line(&p, "size", buf, sizeof(buf)) || head_number(buf, &h->size) ||
	    !head_line(&p, "root", buf, sizeof(buf)) || merkle_unhex(buf, h->root) ||
	    !head_line(&p, "time", buf, sizeof(buf)) || head_time(buf, &h->at_ms) ||
	    !head_line(&p, "key", buf, sizeof(buf)) || strlen(buf) != LEDGER_KEY_ID_LEN)
		return -1;
	memcpy(h->key_id, buf, LEDGER_KEY_ID_LEN + 1);
	if (h->version == 2 &&
	    (!head_line(&p, "prev-size", buf, sizeof(buf)) || head_number(buf, &h->prev_size) ||
	     !head_line(&p, "prev-head", buf, sizeof(buf)) || merkle_unhex(buf, h->prev_head)))
		return -1;
	if (*p)
		return -1;
	/* Only the exact text ledger_head_text() makes is a head. */
	again = ledger_head_text(h);
	bad = strcmp(again, text);
	free(again);
	return bad ? -1 : 0;
}

void ledger_head_hash(const char *text, unsigned char out[LEDGER_HASH_LEN])
{
	EVP_Digest(text, strlen(text), out, NULL, EVP_sha256(), NULL);
}
