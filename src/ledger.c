/*
 * ledger - the append-only evidence log; see ledger.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ledger.h"
#include "store_ledger.h"
#include "timeutil.h"
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
	char *text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(e);
	return text;
}

enum sg_code ledger_append(struct store *s, const char *type, json_t *payload, long long *seq,
                           struct sg_error *err)
{
	unsigned char leaf[LEDGER_HASH_LEN];
	long long n, at_ms = (long long)(sg_now() * 1000.0);
	char *text;
	enum sg_code rc;

	if ((rc = store_begin(s, err)))
		return rc;
	if ((rc = store_ledger_next_seq(s, &n, err))) {
		store_rollback(s);
		return rc;
	}
	text = ledger_entry_text(n, at_ms, type, payload);
	if (!text) {
		store_rollback(s);
		return sg_error_set(err, SG_ERR_INTERNAL, "ledger: payload is not JSON");
	}
	ledger_leaf_hash(text, strlen(text), leaf);
	rc = store_ledger_insert(s, n, at_ms, type, text, leaf, err);
	free(text);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s, err)))
		return rc;
	if (seq)
		*seq = n;
	return SG_OK;
}
