/*
 * ledger_key - the Ed25519 key that signs the ledger's tree heads (libsodium),
 * kept in files OpenSSL reads as they are: the private key as PEM PKCS#8
 * ("PRIVATE KEY", mode 0600; a file others can read is refused) and the public
 * key as PEM SubjectPublicKeyInfo ("PUBLIC KEY"), so an auditor verifies a
 * head with `openssl pkeyutl -verify -pubin -inkey key.pub -rawin`.
 * A key's id is the SHA-256 (hex) of its SubjectPublicKeyInfo DER, i.e.
 * `openssl pkey -pubin -in key.pub -outform DER | sha256sum`.
 *
 * Ownership: a struct ledger_key owns no heap memory; ledger_key_wipe()
 * zeroes the secret part.
 */
#ifndef SG_LEDGER_KEY_H
#define SG_LEDGER_KEY_H

#include <stddef.h>

#include "error.h"

#define LEDGER_SIG_LEN    64
#define LEDGER_PK_LEN     32
#define LEDGER_KEY_ID_LEN 64 /* hex characters of a key id */

struct ledger_key {
	unsigned char pk[LEDGER_PK_LEN];
	unsigned char sk[64]; /* libsodium's secret key (seed || pk); valid if has_secret */
	int has_secret;
	char id[LEDGER_KEY_ID_LEN + 1];
};

/* Creates PATH (0600) and PATH.pub (0644); refuses to overwrite either. */
enum sg_code ledger_key_generate(const char *path, struct ledger_key *out, struct sg_error *err);
enum sg_code ledger_key_load_private(const char *path, struct ledger_key *out,
                                     struct sg_error *err);
enum sg_code ledger_key_load_public(const char *path, struct ledger_key *out, struct sg_error *err);
/* The public key as PEM text (caller frees). */
char *ledger_key_public_pem(const struct ledger_key *k);

void ledger_key_sign(const struct ledger_key *k, const void *msg, size_t len,
                     unsigned char sig[LEDGER_SIG_LEN]);
int ledger_key_verify(const struct ledger_key *k, const void *msg, size_t len,
                      const unsigned char sig[LEDGER_SIG_LEN]);
void ledger_key_wipe(struct ledger_key *k);

#endif
