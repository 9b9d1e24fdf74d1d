/*
 * ledger_tsa - RFC 3161 time-stamp tokens for the ledger's tree heads: builds
 * the request with OpenSSL's TS API (SHA-256 imprint of the head text, a
 * random nonce, the TSA's certificate requested), POSTs it with libcurl as
 * application/timestamp-query (TLS verification on), and checks the reply
 * (status granted, imprint, nonce, signature and the TSA's certificate chain
 * against a CA file) before the token is kept. ledger_tsa_check() checks a
 * kept token again at verification, as `openssl ts -verify -token_in -data`
 * does.
 *
 * Ownership: ledger_tsa_stamp() returns a token the caller frees with free().
 */
#ifndef SG_LEDGER_TSA_H
#define SG_LEDGER_TSA_H

#include <stddef.h>

#include "error.h"

/* Asks the TSA at url for a token over data; ca_file (may be NULL: the
 * signature is then checked only against the certificate in the token, and
 * the chain not at all) holds the CA certificates the TSA chains to. */
enum sg_code ledger_tsa_stamp(const char *url, const char *ca_file, double timeout_s,
                              const void *data, size_t len, unsigned char **token,
                              size_t *token_len, struct sg_error *err);

/* Checks a token (DER) over data: version, imprint (SHA-2 only), and with
 * ca_file the signature and the TSA's chain. *gen_time (may be NULL) receives
 * the token's time, seconds since the epoch. A bad token: SG_ERR_VERIFY. */
enum sg_code ledger_tsa_check(const unsigned char *token, size_t len, const void *data, size_t dlen,
                              const char *ca_file, long long *gen_time, struct sg_error *err);

#endif
