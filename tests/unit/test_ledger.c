/* Unit tests for the ledger: the profile's ledger: section, Ed25519 key
 * files, sealing (when and what), head texts, verification of a good ledger
 * and of ledgers altered behind saasguard's back, proofs and the bulk
 * writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "i18n.h"
#include "ledger.h"
#include "ledger_check.h"
#include "ledger_events.h"
#include "ledger_key.h"
#include "ledger_verify.h"
#include "store.h"
#include "ydoc.h"

static char dir[] = "/tmp/sg-ledger-XXXXXX";
static char db[300], key[300], pub[300];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/db.sqlite", dir);
	snprintf(key, sizeof(key), "%s/k/ledger.key", dir);
	snprintf(pub, sizeof(pub), "%s/k/ledger.key.pub", dir);
	return 0;
}

static void rm(const char *p)
{
	unlink(p);
}

static int teardown(void **state)
{
	char p[400];
	const char *sfx[] = {"", "-wal", "-shm"};
	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
		rm(p);
	}
	rm(key);
	rm(pub);
	snprintf(p, sizeof(p), "%s.heads", key);
	rm(p);
	snprintf(p, sizeof(p), "%s/k", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/other.key", dir);
	rm(p);
	snprintf(p, sizeof(p), "%s/other.key.pub", dir);
	rm(p);
	snprintf(p, sizeof(p), "%s/other.key.heads", dir);
	rm(p);
	rmdir(dir);
	return 0;
}

static enum sg_code load_cfg(const char *yaml, struct ledger_config *c, struct sg_error *err)
{
	struct ydoc *doc;
	enum sg_code rc = ydoc_parse(yaml, strlen(yaml), "p.yaml", &doc, err);

	ledger_config_init(c);
	if (!rc)
		rc = ledger_config_load(c, doc, ydoc_get(doc->root, "ledger"), "/etc/sg", err);
	ydoc_free(doc);
	return rc;
}

static void test_config(void **state)
{
	struct ledger_config c;
	struct sg_error err;
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(load_cfg("ledger:\n  key: keys/l.key\n  tsa_url: https://tsa.example/\n"
	                          "  tsa_ca_file: /x/ca.pem\n  seal_every_entries: 50\n"
	                          "  seal_every: 10m\n",
	                          &c, &err),
	                 SG_OK);
	assert_string_equal(c.key_path, "/etc/sg/keys/l.key");
	assert_string_equal(c.tsa_url, "https://tsa.example/");
	assert_string_equal(c.tsa_ca_file, "/x/ca.pem");
	assert_int_equal(c.seal_every_entries, 50);
	assert_true(c.seal_every == 600.0);
	ledger_config_release(&c);

	/* Defaults without a section. */
	assert_int_equal(load_cfg("service: {}\n", &c, &err), SG_OK);
	assert_int_equal(c.seal_every_entries, 1000);
	assert_null(c.tsa_url);
	ledger_config_release(&c);

	/* An unknown key names the nearest one, at its position. */
	assert_int_equal(load_cfg("ledger:\n  seal_evry: 10m\n", &c, &err), SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.hint, "seal_every"));
	ledger_config_release(&c);

	/* A TSA needs its CA; URLs are http(s); durations are checked. */
	memset(&err, 0, sizeof(err));
	err.lang = 1;
	assert_int_equal(load_cfg("ledger:\n  tsa_url: https://tsa.example/\n", &c, &err),
	                 SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "tsa_ca_file"));
	ledger_config_release(&c);
	assert_int_equal(load_cfg("ledger:\n  tsa_url: ftp://x\n  tsa_ca_file: a\n", &c, &err),
	                 SG_ERR_INPUT);
	ledger_config_release(&c);
	assert_int_equal(load_cfg("ledger:\n  seal_every: soon\n", &c, &err), SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	ledger_config_release(&c);
	assert_int_equal(load_cfg("ledger:\n  seal_every_entries: 0\n", &c, &err), SG_ERR_INPUT);
	ledger_config_release(&c);
}

static void test_keys(void **state)
{
	struct ledger_key k, p, q;
	struct sg_error err;
	struct stat st;
	unsigned char sig[64];
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(ledger_key_generate(key, &k, &err), SG_OK);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ledger_key_generate(key, &q, &err), SG_ERR_EXISTS);
	assert_int_equal(ledger_key_load_public(pub, &p, &err), SG_OK);
	assert_string_equal(p.id, k.id);
	assert_false(p.has_secret);
	ledger_key_sign(&k, "abc", 3, sig);
	assert_true(ledger_key_verify(&p, "abc", 3, sig));
	assert_false(ledger_key_verify(&p, "abd", 3, sig));
	assert_int_equal(ledger_key_load_private(key, &q, &err), SG_OK);
	assert_memory_equal(q.sk, k.sk, 64);
	/* A private key others can read is refused, with the fix as hint. */
	chmod(key, 0640);
	assert_int_equal(ledger_key_load_private(key, &q, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.hint, "chmod 600"));
	chmod(key, 0600);
	/* The public key is not a private key, and vice versa. */
	assert_int_equal(ledger_key_load_private(pub, &q, &err), SG_ERR_INPUT);
	assert_int_equal(ledger_key_load_public(key, &q, &err), SG_ERR_INPUT);
	assert_int_equal(ledger_key_load_public("/nonexistent/x.pub", &q, &err), SG_ERR_NOT_FOUND);
	ledger_key_wipe(&k);
	ledger_key_wipe(&q);
}

static void test_head_text(void **state)
{
	struct ledger_head_info h, g;
	char *t;
	(void)state;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.number = 3;
	h.size = 42;
	memset(h.root, 0xab, sizeof(h.root));
	h.at_ms = 1795643476325LL;
	snprintf(h.key_id, sizeof(h.key_id), "00ff");
	h.prev_size = 40;
	memset(h.prev_head, 0x01, sizeof(h.prev_head));
	t = ledger_head_text(&h);
	assert_non_null(strstr(t, "number 3\nsize 42\n"));
	assert_non_null(strstr(t, "time 2026-11-25T"));
	assert_non_null(strstr(t, "prev-size 40\nprev-head 0101"));
	assert_int_equal(ledger_head_parse(t, &g), -1); /* short key id */
	free(t);
	snprintf(h.key_id, sizeof(h.key_id), "%s",
	         "572309de19225fa6d49858395f569f8211262738c91c1cedb4df138e1b497dc0");
	t = ledger_head_text(&h);
	assert_int_equal(ledger_head_parse(t, &g), 0);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.number, 3);
	assert_int_equal(g.size, 42);
	assert_int_equal(g.at_ms, 1795643476325LL);
	assert_int_equal(g.prev_size, 40);
	assert_memory_equal(g.root, h.root, LEDGER_HASH_LEN);
	assert_memory_equal(g.prev_head, h.prev_head, LEDGER_HASH_LEN);
	t[strlen(t) - 1] = ' ';
	assert_int_equal(ledger_head_parse(t, &g), -1);
	free(t);
	/* A head of the first version (before the chain) still parses. */
	h.version = 1;
	t = ledger_head_text(&h);
	assert_non_null(strstr(t, "saasguard-ledger-head v1\nsize 42\nroot abab"));
	assert_null(strstr(t, "number"));
	assert_int_equal(ledger_head_parse(t, &g), 0);
	assert_int_equal(g.version, 1);
	free(t);
	/* Negative sizes and numbers with leading zeros are not heads. */
	assert_int_equal(ledger_head_parse("saasguard-ledger-head v2\nnumber -1\n", &g), -1);
	assert_int_equal(ledger_head_parse("saasguard-ledger-head v2\nnumber 01\n", &g), -1);
}

static int count_cb(json_t *e, const char *text, void *ctx)
{
	(void)text;
	if (!strcmp(json_string_value(json_object_get(e, "type")), "b"))
		(*(int *)ctx)++;
	return 0;
}

static enum sg_code verify(struct store *s, struct ledger_verify_report *r, struct sg_error *err)
{
	struct ledger_key p;
	struct ledger_verify_opts o;

	assert_int_equal(ledger_key_load_public(pub, &p, NULL), SG_OK);
	memset(&o, 0, sizeof(o));
	o.keys = &p;
	o.nkeys = 1;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	memset(err, 0, sizeof(*err));
	err->lang = 1;
	return ledger_verify(s, &o, r, err);
}

static void test_seal_and_verify(void **state)
{
	struct store *s;
	struct ledger_config c;
	struct ledger_seal_result sr;
	struct ledger_verify_report r;
	struct ledger_writer *w;
	struct sg_error err;
	json_t *p = json_pack("{s:i}", "n", 1), *proof;
	long long seq;
	int nb = 0;
	(void)state;

	assert_int_equal(store_open(db, 0, &s, NULL), SG_OK);
	ledger_config_init(&c);
	free(c.key_path);
	c.key_path = strdup(key);
	c.seal_every_entries = 5;
	c.seal_every = 3600;
	/* Nothing to seal in an empty ledger until asked. */
	assert_int_equal(ledger_maybe_seal(s, &c, &sr, NULL), SG_OK);
	assert_false(sr.sealed);
	assert_int_equal(ledger_append(s, "a", p, &seq, NULL), SG_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(ledger_append(s, "bad type", p, &seq, NULL), SG_ERR_INTERNAL);
	assert_int_equal(ledger_maybe_seal(s, &c, &sr, NULL), SG_OK); /* first head */
	assert_true(sr.sealed);
	assert_int_equal(sr.tree_size, 1);
	assert_false(sr.timestamped);
	/* Bulk appends in one transaction. */
	assert_int_equal(ledger_writer_open(s, &w, NULL), SG_OK);
	assert_int_equal(store_begin(s, NULL), SG_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ledger_writer_append(w, "b", p, &seq, NULL), SG_OK);
	assert_int_equal(store_commit(s, NULL), SG_OK);
	ledger_writer_close(w);
	assert_int_equal(seq, 3);
	assert_int_equal(ledger_maybe_seal(s, &c, &sr, NULL), SG_OK);
	assert_false(sr.sealed); /* 3 new < 5, and not an hour yet */
	for (int i = 0; i < 2; i++)
		assert_int_equal(ledger_append(s, "b", p, NULL, NULL), SG_OK);
	assert_int_equal(ledger_maybe_seal(s, &c, &sr, NULL), SG_OK);
	assert_true(sr.sealed);
	assert_int_equal(sr.tree_size, 6);
	assert_int_equal(ledger_seal_now(s, &c, &sr, NULL), SG_OK);
	assert_false(sr.sealed); /* nothing new */
	assert_int_equal(ledger_append(s, "c", NULL, NULL, NULL), SG_OK);
	assert_int_equal(ledger_each(s, "b", INT64_MIN, INT64_MAX, count_cb, &nb, NULL), SG_OK);
	assert_int_equal(nb, 5);

	assert_int_equal(verify(s, &r, &err), SG_OK);
	assert_int_equal(r.entries, 7);
	assert_int_equal(r.recomputed, 7);
	assert_int_equal(r.heads, 2);
	assert_int_equal(r.sealed, 6);
	assert_int_equal(r.heads_timestamped, 0);

	{
		struct ledger_key pk;
		assert_int_equal(ledger_key_load_public(pub, &pk, NULL), SG_OK);
		assert_int_equal(ledger_inclusion_proof(s, &pk, 1, 3, &proof, NULL), SG_OK);
		assert_int_equal(json_integer_value(json_object_get(proof, "tree_size")), 6);
		assert_int_equal(json_integer_value(json_object_get(proof, "number")), 2);
		json_decref(proof);
		assert_int_equal(ledger_inclusion_proof(s, &pk, 1, 6, &proof, &err),
		                 SG_ERR_NOT_FOUND);
		assert_int_equal(ledger_consistency_proof(s, &pk, 1, 1, &proof, NULL), SG_OK);
		json_decref(proof);
	}

	/* Behind saasguard's back: change one byte of entry 2. */
	assert_int_equal(store_exec(s,
	                            "DROP TRIGGER ledger_entries_no_update;"
	                            "UPDATE ledger_entries SET entry = replace(entry, '\"n\":1', "
	                            "'\"n\":2') WHERE seq = 2",
	                            NULL),
	                 SG_OK);
	assert_int_equal(verify(s, &r, &err), SG_ERR_VERIFY);
	assert_non_null(strstr(err.msg, "entry 2: its text does not match"));
	/* ... and its recorded hash too: the signed root catches it. */
	assert_int_equal(store_exec(s,
	                            "UPDATE ledger_entries SET leaf_hash = (SELECT leaf_hash FROM "
	                            "ledger_entries WHERE seq = 2) WHERE seq = 2",
	                            NULL),
	                 SG_OK);
	json_decref(p);
	ledger_config_release(&c);
	store_close(s);
}

static void test_forged_heads(void **state)
{
	struct store *s;
	struct ledger_verify_report r;
	struct sg_error err;
	char other[300];
	struct ledger_key k;
	(void)state;

	/* The database of the previous test, rebuilt cleanly. */
	teardown(NULL);
	setup(NULL);
	assert_int_equal(store_open(db, 0, &s, NULL), SG_OK);
	{
		struct ledger_config c;
		struct ledger_seal_result sr;
		ledger_config_init(&c);
		free(c.key_path);
		c.key_path = strdup(key);
		assert_int_equal(ledger_key_generate(key, &k, NULL), SG_OK);
		for (int i = 0; i < 4; i++)
			assert_int_equal(ledger_append(s, "x", NULL, NULL, NULL), SG_OK);
		assert_int_equal(ledger_seal_now(s, &c, &sr, NULL), SG_OK);
		/* A head signed by another key. */
		snprintf(other, sizeof(other), "%s/other.key", dir);
		assert_int_equal(ledger_key_generate(other, &k, NULL), SG_OK);
		free(c.key_path);
		c.key_path = strdup(other);
		assert_int_equal(ledger_append(s, "x", NULL, NULL, NULL), SG_OK);
		assert_int_equal(ledger_seal_now(s, &c, &sr, NULL), SG_OK);
		ledger_config_release(&c);
	}
	assert_int_equal(verify(s, &r, &err), SG_ERR_VERIFY);
	assert_non_null(strstr(err.msg, "(size 5) is signed by key"));
	assert_non_null(strstr(err.msg, "replaced"));
	store_close(s);
	ledger_key_wipe(&k);
}

static int first_text(json_t *e, const char *text, void *ctx)
{
	(void)e;
	*(char **)ctx = strdup(text);
	return 1;
}

static int last_text(json_t *e, const char *text, void *ctx)
{
	(void)e;
	free(*(char **)ctx);
	*(char **)ctx = strdup(text);
	return 0;
}

static void test_events(void **state)
{
	struct store *s;
	struct ledger_events_evidence ev = {"minutes.pdf", "ab12", 42, NULL};
	unsigned char sha[LEDGER_HASH_LEN];
	char *text = NULL, *sum;
	json_t *p;
	long long seq = -1;
	(void)state;

	teardown(NULL);
	setup(NULL);
	assert_int_equal(store_open(db, 0, &s, NULL), SG_OK);
	assert_int_equal(
	    ledger_events_attestation(s, "III.1.1.1", "drill", "alice", NULL, &ev, 1, &seq, NULL),
	    SG_OK);
	assert_int_equal(seq, 0);
	memset(sha, 0xcd, sizeof(sha));
	assert_int_equal(ledger_events_report(s, "svc", 3, "2026-11", "customer", "pdf", "r.pdf",
	                                      sha, 1000, "ja", NULL, NULL),
	                 SG_OK);
	assert_int_equal(
	    ledger_each(s, "attestation", INT64_MIN, INT64_MAX, first_text, &text, NULL), SG_OK);
	/* The payload auditors read, byte for byte (docs/internals/ledger.md). */
	assert_non_null(strstr(text, "\"payload\":{\"by\":\"alice\",\"control\":\"III.1.1.1\","
	                             "\"evidence\":[{\"bytes\":42,\"file\":\"minutes.pdf\","
	                             "\"sha256\":\"ab12\"}],\"note\":\"drill\"}"));
	free(text);
	text = NULL;
	assert_int_equal(ledger_each(s, "report", INT64_MIN, INT64_MAX, first_text, &text, NULL),
	                 SG_OK);
	assert_non_null(strstr(text, "\"sha256\":\"cdcdcdcd"));
	free(text);
	assert_true(ledger_events_type_known("incident_opened"));
	assert_false(ledger_events_type_known("foo"));
	p = json_pack("{s:I,s:s,s:s,s:s}", "incident", (json_int_t)7, "kind", "down", "check",
	              "web", "summary", "HTTP 503");
	sum = ledger_events_summary("incident_opened", p, SG_LANG_EN);
	assert_string_equal(sum, "incident 7 opened: down web (HTTP 503)");
	free(sum);
	sum = ledger_events_summary("incident_opened", p, SG_LANG_JA);
	assert_string_equal(sum, "インシデント 7 発生: down web（HTTP 503）");
	free(sum);
	json_decref(p);
	assert_string_equal(ledger_events_label("attestation", SG_LANG_JA), "実施記録");
	store_close(s);
}

/* The payload of the last entry of type, as the ledger stores it (the
 * entry's text is canonical: compact, keys sorted). */
static char *payload_of(struct store *s, const char *type)
{
	char *text = NULL, *p, *out;
	size_t n;

	assert_int_equal(ledger_each(s, type, INT64_MIN, INT64_MAX, last_text, &text, NULL), SG_OK);
	assert_non_null(text);
	p = strstr(text, "\"payload\":");
	assert_non_null(p);
	p += strlen("\"payload\":");
	/* the payload object ends where the next top-level key of the entry begins */
	{
		json_error_t je;
		json_t *e = json_loads(text, 0, &je), *pl;
		char *d;

		assert_non_null(e);
		pl = json_object_get(e, "payload");
		d = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS);
		n = strlen(d);
		/* the stored bytes are those bytes, not merely an equal object */
		assert_memory_equal(p, d, n);
		free(d);
		json_decref(e);
	}
	out = strndup(p, n);
	free(text);
	return out;
}

static void expect_payload(struct store *s, const char *type, const char *want)
{
	char *got = payload_of(s, type);

	assert_string_equal(got, want);
	free(got);
}

/* ledger_check: run, record, read back; no key; a hostile payload read back. */
static void test_check(void **state)
{
	struct store *s;
	struct ledger_config c;
	const struct ledger_config *cfgs[2];
	struct ledger_seal_result sr;
	struct ledger_check ck, back;
	struct ledger_key k;
	struct sg_error err;
	json_t *p = json_pack("{s:i}", "n", 1);
	long long seq = -1;
	int found = 1;
	(void)state;

	teardown(NULL);
	setup(NULL);
	assert_int_equal(store_open(db, 0, &s, NULL), SG_OK);
	ledger_config_init(&c);
	free(c.key_path);
	c.key_path = strdup(key);
	cfgs[0] = cfgs[1] = &c;
	memset(&err, 0, sizeof(err));
	/* no public key: nothing can be verified, nothing recorded */
	assert_int_equal(ledger_check_run(s, cfgs, 1, &ck, &err), SG_ERR_NOT_FOUND);
	assert_int_equal(ledger_check_latest(s, &back, &found, NULL), SG_OK);
	assert_false(found);
	assert_int_equal(ledger_key_generate(key, &k, NULL), SG_OK);
	ledger_key_wipe(&k);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ledger_append(s, "a", p, NULL, NULL), SG_OK);
	assert_int_equal(ledger_seal_now(s, &c, &sr, NULL), SG_OK);
	/* the same key twice counts once; the signer's record is a checkpoint */
	assert_int_equal(ledger_check_run(s, cfgs, 2, &ck, &err), SG_OK);
	assert_true(ck.ok);
	assert_null(ck.error);
	assert_int_equal(ck.r.entries, 4);
	assert_int_equal(ck.r.checkpoints, 1);
	assert_int_equal(ck.r.sealed, 4);
	assert_int_equal(ck.r.sealed_number, 1);
	assert_int_equal(ledger_check_record(s, &ck, "tester", NULL, NULL, 0, &seq, NULL, NULL),
	                 SG_OK);
	assert_int_equal(seq, 4);
	assert_int_equal(ledger_check_latest(s, &back, &found, NULL), SG_OK);
	assert_true(found);
	assert_true(back.ok);
	assert_int_equal(back.seq, 4);
	assert_string_equal(back.by, "tester");
	assert_int_equal(back.r.entries, 4);
	assert_true(back.has_root);
	assert_memory_equal(back.r.sealed_root, ck.r.sealed_root, 32);
	ledger_check_release(&back);
	ledger_check_release(&ck);
	/* a payload of the wrong types reads as absent fields, a failure */
	{
		json_t *bad = json_pack("{s:i,s:s,s:s,s:i}", "by", 7, "result", "maybe", "entries",
		                        "many", "head_root", 5);
		assert_int_equal(ledger_append(s, "ledger_verified", bad, NULL, NULL), SG_OK);
		json_decref(bad);
	}
	assert_int_equal(ledger_check_latest(s, &back, &found, NULL), SG_OK);
	assert_true(found);
	assert_false(back.ok);
	assert_string_equal(back.by, "");
	assert_string_equal(back.error, "");
	assert_int_equal(back.r.entries, 0);
	assert_false(back.has_root);
	assert_int_equal(back.r.bad_from, -1);
	ledger_check_release(&back);
	json_decref(p);
	ledger_config_release(&c);
	store_close(s);
}

/* Every payload switched from hand-built json_pack to ledger_events keeps
 * the bytes it had (auditors' tools parse them); the only differences are
 * the documented additions (the web's attestation via/name, follow-up by). */
static void test_events_bytes(void **state)
{
	struct store *s;
	unsigned char sha[LEDGER_HASH_LEN];
	const long long merged[] = {4, 9};
	struct ledger_events_evidence web_ev = {"/var/lib/sg/evidence/ab12-m.pdf", "ab12", 42,
	                                        "m.pdf"};
	(void)state;

	teardown(NULL);
	setup(NULL);
	assert_int_equal(store_open(db, 0, &s, NULL), SG_OK);
	memset(sha, 0xcd, sizeof(sha));

	/* notify.c */
	assert_int_equal(ledger_events_notification_queued(s, 12, 3, "incident_open", "users",
	                                                   "email", "ops@example.jp",
	                                                   "障害のお知らせ", NULL),
	                 SG_OK);
	expect_payload(s, "notification_queued",
	               "{\"audience\":\"users\",\"channel\":\"email\",\"incident\":3,"
	               "\"notification\":12,\"purpose\":\"incident_open\","
	               "\"recipient\":\"ops@example.jp\",\"subject\":\"障害のお知らせ\"}");
	assert_int_equal(ledger_events_notification_attempt(s, 12, 2, 0, "SMTP 451", 0.5, NULL),
	                 SG_OK);
	expect_payload(s, "notification_attempt",
	               "{\"attempt\":2,\"error\":\"SMTP 451\",\"notification\":12,\"ok\":false,"
	               "\"seconds\":0.5}");
	/* a successful attempt's error is null, whatever the caller passes */
	assert_int_equal(ledger_events_notification_attempt(s, 12, 3, 1, "ignored", 1.25, NULL),
	                 SG_OK);
	expect_payload(s, "notification_attempt",
	               "{\"attempt\":3,\"error\":null,"
	               "\"notification\":12,\"ok\":true,"
	               "\"seconds\":1.25}");
	assert_int_equal(ledger_events_notification_delivered(s, 12, 3, "incident_open",
	                                                      "ops@example.jp", 1764547200.5, 30.25,
	                                                      merged, 2, NULL),
	                 SG_OK);
	expect_payload(s, "notification_delivered",
	               "{\"delivered_at\":1764547200.5,\"incident\":3,\"merged\":[4,9],"
	               "\"notification\":12,\"purpose\":\"incident_open\","
	               "\"recipient\":\"ops@example.jp\",\"since_created_s\":30.25}");
	assert_int_equal(ledger_events_notification_delivered(s, 13, 0, "report", "a@example.jp",
	                                                      1764547200.0, 1.0, NULL, 0, NULL),
	                 SG_OK);
	expect_payload(s, "notification_delivered",
	               "{\"delivered_at\":1764547200.0,\"incident\":0,\"merged\":[],"
	               "\"notification\":13,\"purpose\":\"report\","
	               "\"recipient\":\"a@example.jp\",\"since_created_s\":1.0}");
	assert_int_equal(ledger_events_notification_rewritten(
	                     s, 12, 3, "recovered before the first notice was delivered",
	                     "復旧のお知らせ", NULL),
	                 SG_OK);
	expect_payload(s, "notification_rewritten",
	               "{\"incident\":3,\"notification\":12,"
	               "\"reason\":\"recovered before the first notice was delivered\","
	               "\"subject\":\"復旧のお知らせ\"}");

	/* report_render.c, report_job.c */
	assert_int_equal(ledger_events_report(s, "svc", 3, "2026-11", "users", "pdf", "r.pdf", sha,
	                                      1000, "en", NULL, NULL),
	                 SG_OK);
	expect_payload(s, "report",
	               "{\"audience\":\"users\",\"bytes\":1000,\"format\":\"pdf\","
	               "\"lang\":\"en\",\"path\":\"r.pdf\",\"pattern\":3,"
	               "\"period\":\"2026-11\",\"service\":\"svc\",\"sha256\":"
	               "\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"}");
	/* from the web: who asked for it */
	assert_int_equal(ledger_events_report(s, "svc", 3, "2026-11", "users", "pdf", "r.pdf", sha,
	                                      1000, "ja", "olga", NULL),
	                 SG_OK);
	expect_payload(s, "report",
	               "{\"audience\":\"users\",\"by\":\"olga\",\"bytes\":1000,\"format\":\"pdf\","
	               "\"lang\":\"ja\",\"path\":\"r.pdf\",\"pattern\":3,"
	               "\"period\":\"2026-11\",\"service\":\"svc\",\"sha256\":"
	               "\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"}");
	assert_int_equal(ledger_events_report_mailed(s, "svc", "2026-11", "users", "admin_contacts",
	                                             "/r/svc-2026-11.pdf", "ef01", 2, "月次報告",
	                                             NULL),
	                 SG_OK);
	expect_payload(s, "report_mailed",
	               "{\"audience\":\"users\",\"path\":\"/r/svc-2026-11.pdf\","
	               "\"period\":\"2026-11\",\"recipients\":2,"
	               "\"recipients_group\":\"admin_contacts\",\"service\":\"svc\","
	               "\"sha256\":\"ef01\",\"subject\":\"月次報告\"}");

	/* the web (web_actions.c, web_auth.c, web_dash.c) */
	assert_int_equal(ledger_events_maintenance_announced(s, "svc", 1764547200.0, 1764550800.0,
	                                                     "DB 更新", "alice", 5, NULL),
	                 SG_OK);
	expect_payload(s, "maintenance_announced",
	               "{\"by\":\"alice\",\"end\":1764550800.0,\"note\":\"DB 更新\","
	               "\"recipients\":5,\"service\":\"svc\",\"start\":1764547200.0}");
	assert_int_equal(ledger_events_web_login(s, "alice", "admin", "127.0.0.1", NULL), SG_OK);
	expect_payload(s, "web_login",
	               "{\"address\":\"127.0.0.1\",\"role\":\"admin\",\"user\":\"alice\"}");
	assert_int_equal(ledger_events_web_logout(s, "alice", NULL), SG_OK);
	expect_payload(s, "web_logout", "{\"user\":\"alice\"}");
	/* `user` and `token` (cmd_user.c, cmd_token.c) */
	assert_int_equal(ledger_events_web_user_added(s, "alice", "admin", "root", NULL), SG_OK);
	expect_payload(s, "web_user_added",
	               "{\"by\":\"root\",\"role\":\"admin\",\"user\":\"alice\"}");
	assert_int_equal(ledger_events_web_user_password_changed(s, "alice", "root", NULL), SG_OK);
	expect_payload(s, "web_user_password_changed", "{\"by\":\"root\",\"user\":\"alice\"}");
	assert_int_equal(ledger_events_web_user_removed(s, "alice", "root", NULL), SG_OK);
	expect_payload(s, "web_user_removed", "{\"by\":\"root\",\"user\":\"alice\"}");
	assert_int_equal(ledger_events_web_token_added(s, "ci", "viewer", "root", NULL), SG_OK);
	expect_payload(s, "web_token_added",
	               "{\"by\":\"root\",\"role\":\"viewer\",\"token\":\"ci\"}");
	assert_int_equal(ledger_events_web_token_revoked(s, "ci", "root", NULL), SG_OK);
	expect_payload(s, "web_token_revoked", "{\"by\":\"root\",\"token\":\"ci\"}");
	assert_true(ledger_events_type_known("web_token_revoked"));

	/* ledger_check.c: a verification, good and failed; ledger_export from the web */
	{
		unsigned char root[LEDGER_HASH_LEN];
		struct ledger_events_verification ok = {1,    12, 12, 3,    1,    3,        11,
		                                        root, -1, -1, NULL, 0.25, "monitor"};
		struct ledger_events_verification bad = {
		    0,   0,      0, 2, 0, 2, 6, NULL, 3, 3, "entry 3: its text does not match",
		    0.5, "alice"};
		memset(root, 0xab, sizeof(root));
		assert_int_equal(ledger_events_ledger_verified(s, &ok, NULL, NULL), SG_OK);
		expect_payload(
		    s, "ledger_verified",
		    "{\"by\":\"monitor\",\"checkpoints\":1,\"entries\":12,"
		    "\"head_number\":3,\"head_root\":"
		    "\"abababababababababababababababababababababababababababababababab\","
		    "\"head_size\":11,\"heads\":3,\"recomputed\":12,\"result\":\"ok\","
		    "\"seconds\":0.25}");
		assert_int_equal(ledger_events_ledger_verified(s, &bad, NULL, NULL), SG_OK);
		expect_payload(s, "ledger_verified",
		               "{\"by\":\"alice\",\"checkpoints\":0,\"entries\":0,"
		               "\"error\":\"entry 3: its text does not match\",\"first_bad\":3,"
		               "\"head_number\":2,\"head_root\":null,\"head_size\":6,\"heads\":2,"
		               "\"last_bad\":3,\"recomputed\":0,\"result\":\"failed\","
		               "\"seconds\":0.5}");
		assert_int_equal(ledger_events_ledger_exported(s, 1793491200000LL, LLONG_MAX, 4, 20,
		                                               21, 0, "cd12", 2048, "olga", NULL),
		                 SG_OK);
		expect_payload(
		    s, "ledger_exported",
		    "{\"by\":\"olga\",\"bytes\":2048,\"end_seq\":20,\"first_seq\":4,"
		    "\"from_ms\":1793491200000,\"sha256\":\"cd12\",\"timestamped\":false,"
		    "\"to_ms\":null,\"tree_size\":21,\"via\":\"web\"}");
	}
	{
		json_t *p =
		    json_pack("{s:s,s:s,s:s}", "user", "alice", "role", "admin", "by", "root");
		char *sum = ledger_events_summary("web_user_added", p, SG_LANG_JA);

		assert_string_equal(sum, "ユーザー alice（admin）を root が追加");
		free(sum);
		json_decref(p);
	}
	assert_int_equal(ledger_events_attestation(s, "III.1.1.1", "drill", "alice", "web", &web_ev,
	                                           1, NULL, NULL),
	                 SG_OK);
	expect_payload(s, "attestation",
	               "{\"by\":\"alice\",\"control\":\"III.1.1.1\",\"evidence\":[{"
	               "\"bytes\":42,\"file\":\"/var/lib/sg/evidence/ab12-m.pdf\","
	               "\"name\":\"m.pdf\",\"sha256\":\"ab12\"}],\"note\":\"drill\","
	               "\"via\":\"web\"}");
	/* the web's attest form without a file */
	assert_int_equal(
	    ledger_events_attestation(s, "III.1.1.1", "read", "bob", "web", NULL, 0, NULL, NULL),
	    SG_OK);
	expect_payload(s, "attestation",
	               "{\"by\":\"bob\",\"control\":\"III.1.1.1\",\"evidence\":[],"
	               "\"note\":\"read\",\"via\":\"web\"}");

	/* the monitor (monitor.c, monitor_record.c, monitor_writer.c, monitor_measure.c) */
	assert_int_equal(
	    ledger_events_monitor_started(s, 7, "svc", "svc.yaml", sha, 3, 12, 1, NULL), SG_OK);
	expect_payload(s, "monitor_started",
	               "{\"checks\":12,\"once\":true,\"pattern\":3,\"profile\":\"svc.yaml\","
	               "\"profile_sha256\":"
	               "\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\","
	               "\"run\":7,\"service\":\"svc\"}");
	assert_int_equal(ledger_events_monitor_stopped(s, 7, "svc", 120, 2, NULL), SG_OK);
	expect_payload(s, "monitor_stopped",
	               "{\"lost_results\":2,\"probes\":120,\"run\":7,\"service\":\"svc\"}");
	assert_int_equal(ledger_events_check_state(s, "svc", "web", 5, "liveness", "up", "down", 1,
	                                           1764547200.25, NULL, NULL),
	                 SG_OK);
	expect_payload(s, "check_state",
	               "{\"at\":1764547200.25,\"check\":\"web\",\"check_id\":5,"
	               "\"confirmed\":true,\"detail\":\"\",\"from\":\"up\","
	               "\"kind\":\"liveness\",\"service\":\"svc\",\"to\":\"down\"}");
	assert_int_equal(
	    ledger_events_check_results_digest(s, "svc", 100, 199, 100, 3, sha, 1764547205.0, NULL),
	    SG_OK);
	expect_payload(s, "check_results_digest",
	               "{\"at\":1764547205.0,\"count\":100,\"failures\":3,"
	               "\"first_result\":100,\"last_result\":199,\"service\":\"svc\","
	               "\"sha256\":"
	               "\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"}");
	{
		struct ledger_events_incident inc = {
		    .id = 3,
		    .service = "svc",
		    .check = "web",
		    .target = "https://svc.example.jp/",
		    .kind = "outage",
		    .item = "III.1.1.1",
		    .summary = "HTTP 503",
		    .started_at = 1764547140.5,
		    .detected_at = 1764547200.25,
		    .notify_deadline_s = 3600.0,
		    .followup_deadline_s = 0.0,
		    .muted = 0,
		};
		json_t *values = json_pack("[{s:s,s:f}]", "item", "III.2.1.1.a", "value", 99.5);

		assert_int_equal(ledger_events_incident_opened(s, &inc, NULL), SG_OK);
		expect_payload(
		    s, "incident_opened",
		    "{\"check\":\"web\",\"detected_at\":1764547200.25,\"followup_deadline_s\":0.0,"
		    "\"incident\":3,\"item\":\"III.1.1.1\",\"kind\":\"outage\",\"muted\":false,"
		    "\"notify_deadline_s\":3600.0,\"service\":\"svc\",\"started_at\":1764547140.5,"
		    "\"summary\":\"HTTP 503\",\"target_sha256\":"
		    "\"bbd75d13467fb45ecd75d9094df360338ff8769f65e4c9ba8aad62e24c3e2c6c\"}");
		assert_int_equal(
		    ledger_events_incident_resolved(s, 3, "svc", "web", 1764550800.0, 3659.5, NULL),
		    SG_OK);
		expect_payload(s, "incident_resolved",
		               "{\"check\":\"web\",\"duration_s\":3659.5,\"incident\":3,"
		               "\"resolved_at\":1764550800.0,\"service\":\"svc\"}");
		assert_int_equal(ledger_events_monitor_measurements(s, "svc", 1761955200.0,
		                                                    1764547200.0, values, NULL),
		                 SG_OK);
		/* values is borrowed: still ours */
		assert_int_equal(values->refcount, 1);
		json_decref(values);
		expect_payload(s, "monitor_measurements",
		               "{\"from\":1761955200.0,\"service\":\"svc\",\"to\":1764547200.0,"
		               "\"values\":[{\"item\":\"III.2.1.1.a\",\"value\":99.5}]}");
	}

	/* follow-ups: the CLI's has no by, the web's names the user */
	assert_int_equal(ledger_events_followup_recorded(s, 3, "調査中です", 1800.5, 2, NULL, NULL),
	                 SG_OK);
	expect_payload(s, "followup_recorded",
	               "{\"delay_s\":1800.5,\"incident\":3,\"message\":\"調査中です\","
	               "\"recipients\":2}");
	assert_int_equal(
	    ledger_events_followup_recorded(s, 3, "復旧しました", 3600.0, 2, "alice", NULL), SG_OK);
	expect_payload(s, "followup_recorded",
	               "{\"by\":\"alice\",\"delay_s\":3600.0,\"incident\":3,"
	               "\"message\":\"復旧しました\",\"recipients\":2}");
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config),       cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_head_text),    cmocka_unit_test(test_seal_and_verify),
	    cmocka_unit_test(test_forged_heads), cmocka_unit_test(test_events),
	    cmocka_unit_test(test_events_bytes), cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
