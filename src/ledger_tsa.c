/*
 * ledger_tsa - RFC 3161 requests, replies and token checks; see ledger_tsa.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "dynbuf.h"
#include "ledger_tsa.h"
#include "xalloc.h"
#include "banned.h"

#define TSA_MAX_REPLY (1 << 20)

/* The last OpenSSL error as text. */
static const char *ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "no detail";
	ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static TS_REQ *make_request(const void *data, size_t len)
{
	unsigned char digest[SHA256_DIGEST_LENGTH], nonce_bytes[8];
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	int ok;

	EVP_Digest(data, len, digest, NULL, EVP_sha256(), NULL);
	RAND_bytes(nonce_bytes, sizeof(nonce_bytes));
	nonce_bytes[0] &= 0x7f;
	bn = BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	ok = req && mi && alg && nonce && TS_REQ_set_version(req, 1) &&
	     X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
	     TS_MSG_IMPRINT_set_algo(mi, alg) &&
	     TS_MSG_IMPRINT_set_msg(mi, digest, sizeof(digest)) &&
	     TS_REQ_set_msg_imprint(req, mi) && TS_REQ_set_nonce(req, nonce) &&
	     TS_REQ_set_cert_req(req, 1);
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct dynbuf *b = ctx;

	if (b->len + size * n > TSA_MAX_REPLY)
		return 0;
	dynbuf_add(b, p, size * n);
	if (dynbuf_status(b))
		return 0;
	return size * n;
}

static enum sg_code post(const char *url, double timeout_s, const unsigned char *body, size_t len,
                         struct dynbuf *reply, struct sg_error *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	char *ctype = NULL;
	CURLcode cc;
	enum sg_code rc = SG_OK;

	if (!c)
		return sg_error_set(err, SG_ERR_INTERNAL, "libcurl: cannot start");
	hdr = curl_slist_append(hdr, "Content-Type: application/timestamp-query");
	hdr = curl_slist_append(hdr, "Accept: application/timestamp-reply");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "saasguard/" SAASGUARD_VERSION);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rc = sg_error_set(err, SG_ERR_NETWORK,
		                  ETR(err, "%s: タイムスタンプ局に接続できません: %s",
		                      "%s: cannot reach the time-stamping authority: %s"),
		                  url, ebuf[0] ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
	if (status != 200)
		rc = sg_error_set(err, SG_ERR_NETWORK,
		                  ETR(err, "%s: タイムスタンプ局が HTTP %ld を返しました",
		                      "%s: the time-stamping authority answered HTTP %ld"),
		                  url, status);
	else if (!ctype || strncmp(ctype, "application/timestamp-reply", 27))
		rc = sg_error_set(err, SG_ERR_NETWORK,
		                  ETR(err,
		                      "%s: 応答が application/timestamp-reply ではありません (%s)",
		                      "%s: the reply is not application/timestamp-reply (%s)"),
		                  url, ctype ? ctype : ETR(err, "なし", "none"));
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc;
}

static X509_STORE *load_store(const char *ca_file, struct sg_error *err)
{
	X509_STORE *st = X509_STORE_new();
	char buf[256];

	if (!st || !X509_STORE_load_file(st, ca_file)) {
		X509_STORE_free(st);
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "%s: タイムスタンプ局の CA 証明書を読めません: %s",
		                 "%s: cannot read the TSA's CA certificates: %s"),
		             ca_file, ossl_reason(buf, sizeof(buf)));
		return NULL;
	}
	return st;
}

enum sg_code ledger_tsa_stamp(const char *url, const char *ca_file, double timeout_s,
                              const void *data, size_t len, unsigned char **token,
                              size_t *token_len, struct sg_error *err)
{
	TS_REQ *req = make_request(data, len);
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	X509_STORE *st = NULL;
	struct dynbuf reply = DYNBUF_INIT;
	unsigned char *der = NULL;
	const unsigned char *p;
	char buf[256];
	int dlen;
	enum sg_code rc;

	*token = NULL;
	*token_len = 0;
	if (!req)
		return sg_error_set(err, SG_ERR_CRYPTO,
		                    ETR(err, "RFC 3161: タイムスタンプ要求を作れません",
		                        "RFC 3161: cannot build the request"));
	dlen = i2d_TS_REQ(req, &der);
	if (dlen <= 0) {
		TS_REQ_free(req);
		return sg_error_set(err, SG_ERR_CRYPTO,
		                    ETR(err, "RFC 3161: タイムスタンプ要求を符号化できません",
		                        "RFC 3161: cannot encode the request"));
	}
	rc = post(url, timeout_s > 0 ? timeout_s : 30, der, (size_t)dlen, &reply, err);
	OPENSSL_free(der);
	if (rc)
		goto out;
	p = (const unsigned char *)reply.buf;
	resp = d2i_TS_RESP(NULL, &p, (long)reply.len);
	if (!resp) {
		rc = sg_error_set(err, SG_ERR_CRYPTO,
		                  ETR(err, "%s: タイムスタンプ応答を解析できません",
		                      "%s: the time-stamp reply does not parse"),
		                  url);
		goto out;
	}
	if (ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) > 1) {
		rc = sg_error_set(err, SG_ERR_CRYPTO,
		                  ETR(err, "%s: タイムスタンプ局が要求を拒否しました",
		                      "%s: the time-stamping authority refused the request"),
		                  url);
		goto out;
	}
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (!vctx) {
		rc = sg_error_set(err, SG_ERR_CRYPTO,
		                  ETR(err, "RFC 3161: 検証の準備ができません",
		                      "RFC 3161: cannot set up the verification"));
		goto out;
	}
	if (ca_file) {
		if (!(st = load_store(ca_file, err))) {
			rc = SG_ERR_INPUT;
			goto out;
		}
		TS_VERIFY_CTX_set_store(vctx, st);
		TS_VERIFY_CTX_add_flags(vctx, TS_VFY_SIGNATURE);
	}
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		rc = sg_error_set(err, SG_ERR_CRYPTO,
		                  ETR(err, "%s: タイムスタンプトークンの検証に失敗しました: %s",
		                      "%s: the time-stamp token does not verify: %s"),
		                  url, ossl_reason(buf, sizeof(buf)));
		goto out;
	}
	der = NULL;
	dlen = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	if (dlen <= 0) {
		rc = sg_error_set(err, SG_ERR_CRYPTO,
		                  ETR(err, "RFC 3161: 応答にタイムスタンプトークンがありません",
		                      "RFC 3161: the reply has no token"));
		goto out;
	}
	*token = xmalloc((size_t)dlen);
	memcpy(*token, der, (size_t)dlen);
	*token_len = (size_t)dlen;
	OPENSSL_free(der);
out:
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	dynbuf_release(&reply);
	ERR_clear_error();
	return rc;
}

static enum sg_code bad_token(struct sg_error *err, const char *why)
{
	return sg_error_set(err, SG_ERR_VERIFY, "%s", why);
}

enum sg_code ledger_tsa_check(const unsigned char *token, size_t len, const void *data, size_t dlen,
                              const char *ca_file, long long *gen_time, struct sg_error *err)
{
	const unsigned char *p = token;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	TS_TST_INFO *info = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	X509_STORE *st = NULL;
	char buf[256], msg[400];
	int nid;
	struct tm tm;
	enum sg_code rc = SG_OK;

	if (!p7 || !(info = PKCS7_to_TS_TST_INFO(p7))) {
		rc = bad_token(err, ETR(err, "タイムスタンプトークンを解析できません",
		                        "the time-stamp token does not parse"));
		goto out;
	}
	nid = OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(info))->algorithm);
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512) {
		rc = bad_token(
		    err, ETR(err, "タイムスタンプトークンのハッシュ関数が SHA-2 ではありません",
		             "the time-stamp token's hash is not SHA-2"));
		goto out;
	}
	vctx = TS_VERIFY_CTX_new();
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_DATA);
	TS_VERIFY_CTX_set_data(vctx, BIO_new_mem_buf(data, (int)dlen));
	if (ca_file) {
		if (!(st = load_store(ca_file, err))) {
			rc = SG_ERR_INPUT;
			goto out;
		}
		TS_VERIFY_CTX_set_store(vctx, st);
		TS_VERIFY_CTX_add_flags(vctx, TS_VFY_SIGNATURE);
	}
	if (TS_RESP_verify_token(vctx, p7) != 1) {
		snprintf(
		    msg, sizeof(msg), "%s: %s",
		    ETR(err, "タイムスタンプトークンが一致しないか、署名を検証できません",
		        "the time-stamp token does not match or its signature does not verify"),
		    ossl_reason(buf, sizeof(buf)));
		rc = bad_token(err, msg);
		goto out;
	}
	if (gen_time) {
		memset(&tm, 0, sizeof(tm));
		if (!ASN1_TIME_to_tm(TS_TST_INFO_get_time(info), &tm)) {
			rc = bad_token(err, ETR(err, "タイムスタンプの時刻を読めません",
			                        "the time-stamp's time does not parse"));
			goto out;
		}
		*gen_time = (long long)timegm(&tm);
	}
out:
	TS_VERIFY_CTX_free(vctx);
	TS_TST_INFO_free(info);
	PKCS7_free(p7);
	ERR_clear_error();
	return rc;
}
