/*
 * ledger_key - Ed25519 keys in OpenSSL-compatible PEM files; see ledger_key.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "dynbuf.h"
#include "fileio.h"
#include "ledger_key.h"
#include "merkle.h"
#include "xalloc.h"
#include "banned.h"

/* DER prefixes of an Ed25519 PKCS#8 private key (RFC 8410, the 32-byte seed
 * follows) and SubjectPublicKeyInfo (the 32-byte key follows). */
static const unsigned char pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                               0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const unsigned char spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                              0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static void set_id(struct ledger_key *k)
{
	unsigned char der[44], h[MERKLE_HASH_LEN];

	memcpy(der, spki_prefix, sizeof(spki_prefix));
	memcpy(der + 12, k->pk, LEDGER_PK_LEN);
	EVP_Digest(der, sizeof(der), h, NULL, EVP_sha256(), NULL);
	merkle_hex(h, k->id);
}

static char *pem(const char *label, const unsigned char *der, size_t len)
{
	char b64[128];
	struct dynbuf out = DYNBUF_INIT;

	sodium_bin2base64(b64, sizeof(b64), der, len, sodium_base64_VARIANT_ORIGINAL);
	dynbuf_printf(&out, "-----BEGIN %s-----\n%s\n-----END %s-----\n", label, b64, label);
	return dynbuf_detach(&out, NULL);
}

char *ledger_key_public_pem(const struct ledger_key *k)
{
	unsigned char der[44];

	memcpy(der, spki_prefix, sizeof(spki_prefix));
	memcpy(der + 12, k->pk, LEDGER_PK_LEN);
	return pem("PUBLIC KEY", der, sizeof(der));
}

enum sg_code ledger_key_generate(const char *path, struct ledger_key *out, struct sg_error *err)
{
	unsigned char seed[LEDGER_PK_LEN], der[48];
	char *pub_path = xstrfmt("%s.pub", path), *priv = NULL, *pub = NULL, *dir, *slash;
	struct stat st;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0) {
		free(pub_path);
		return sg_error_set(
		    err, SG_ERR_CRYPTO,
		    ETR(err, "libsodium を初期化できません", "libsodium: initialisation failed"));
	}
	if (lstat(path, &st) == 0 || lstat(pub_path, &st) == 0) {
		rc = sg_error_set(err, SG_ERR_EXISTS,
		                  ETR(err, "%s: 鍵ファイルが既にあります。上書きしません",
		                      "%s: a key file already exists; not overwriting it"),
		                  lstat(path, &st) == 0 ? path : pub_path);
		sg_error_hint(err, "%s",
		              ETR(err, "別の --key PATH を指定するか、既存の鍵を退避してください",
		                  "give another --key PATH, or move the existing key away first"));
		free(pub_path);
		return rc;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	rc = SG_OK;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = fileio_mkdirs(dir, 0700, err);
	}
	free(dir);
	if (rc) {
		free(pub_path);
		return rc;
	}
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(out->pk, out->sk, seed);
	out->has_secret = 1;
	set_id(out);
	memcpy(der, pkcs8_prefix, sizeof(pkcs8_prefix));
	memcpy(der + 16, seed, sizeof(seed));
	priv = pem("PRIVATE KEY", der, sizeof(der));
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(der, sizeof(der));
	pub = ledger_key_public_pem(out);
	rc = fileio_write_atomic(path, priv, strlen(priv), 0600, FILEIO_NO_CLOBBER, err);
	if (!rc) {
		rc = fileio_write_atomic(pub_path, pub, strlen(pub), 0644, FILEIO_NO_CLOBBER, err);
		if (rc)
			unlink(path);
	}
	sodium_memzero(priv, strlen(priv));
	free(priv);
	free(pub);
	free(pub_path);
	if (rc)
		ledger_key_wipe(out);
	return rc;
}

/* Reads a PEM file with the given label into der (at most cap bytes). */
static enum sg_code read_pem(const char *path, const char *label, int private_key,
                             unsigned char *der, size_t cap, size_t *len, struct sg_error *err)
{
	struct dynbuf text = DYNBUF_INIT;
	char begin[64], end[64];
	const char *b, *e;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	enum sg_code rc = SG_OK;
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return sg_error_set(
		    err, errno == ENOENT ? SG_ERR_NOT_FOUND : SG_ERR_IO,
		    ETR(err, "%s: 鍵ファイルを開けません: %s", "%s: cannot open the key file: %s"),
		    path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "%s: 通常のファイルではありません", "%s: not a regular file"), path);
	}
	if (private_key && (st.st_mode & 077)) {
		close(fd);
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "%s: 秘密鍵が他のユーザーから読める状態です (モード %04o)",
		                 "%s: the private key is readable by others (mode %04o)"),
		             path, (unsigned)(st.st_mode & 07777));
		sg_error_hint(err, "chmod 600 %s", path);
		return SG_ERR_INPUT;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 && text.len < 65536)
		dynbuf_add(&text, buf, (size_t)n);
	close(fd);
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	b = strstr(dynbuf_ptr(&text), begin);
	e = b ? strstr(b, end) : NULL;
	if (!b || !e ||
	    sodium_base642bin(der, cap, b + strlen(begin), (size_t)(e - b - strlen(begin)),
	                      " \t\r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "%s: PEM 形式の %s がありません", "%s: no PEM %s in the file"), path,
		    label);
		sg_error_hint(err, "%s",
		              ETR(err,
		                  "saasguard ledger keygen で作成した Ed25519 鍵を指定してください",
		                  "give an Ed25519 key made by `saasguard ledger keygen`"));
	}
	sodium_memzero(text.buf, text.cap);
	dynbuf_release(&text);
	return rc;
}

static enum sg_code not_ed25519(const char *path, struct sg_error *err)
{
	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "%s: Ed25519 の鍵ではありません", "%s: not an Ed25519 key"), path);
	sg_error_hint(err, "%s",
	              ETR(err, "saasguard ledger keygen で作成した鍵を指定してください",
	                  "give a key made by `saasguard ledger keygen`"));
	return SG_ERR_INPUT;
}

enum sg_code ledger_key_load_private(const char *path, struct ledger_key *out, struct sg_error *err)
{
	unsigned char der[128];
	size_t len = 0;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return sg_error_set(
		    err, SG_ERR_CRYPTO,
		    ETR(err, "libsodium を初期化できません", "libsodium: initialisation failed"));
	if ((rc = read_pem(path, "PRIVATE KEY", 1, der, sizeof(der), &len, err)))
		return rc;
	if (len != 48 || memcmp(der, pkcs8_prefix, sizeof(pkcs8_prefix))) {
		sodium_memzero(der, sizeof(der));
		return not_ed25519(path, err);
	}
	crypto_sign_seed_keypair(out->pk, out->sk, der + 16);
	sodium_memzero(der, sizeof(der));
	out->has_secret = 1;
	set_id(out);
	return SG_OK;
}

enum sg_code ledger_key_load_public(const char *path, struct ledger_key *out, struct sg_error *err)
{
	unsigned char der[128];
	size_t len = 0;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return sg_error_set(
		    err, SG_ERR_CRYPTO,
		    ETR(err, "libsodium を初期化できません", "libsodium: initialisation failed"));
	if ((rc = read_pem(path, "PUBLIC KEY", 0, der, sizeof(der), &len, err)))
		return rc;
	if (len != 44 || memcmp(der, spki_prefix, sizeof(spki_prefix)))
		return not_ed25519(path, err);
	memcpy(out->pk, der + 12, LEDGER_PK_LEN);
	set_id(out);
	return SG_OK;
}

void ledger_key_sign(const struct ledger_key *k, const void *msg, size_t len,
                     unsigned char sig[LEDGER_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, k->sk);
}

int ledger_key_verify(const struct ledger_key *k, const void *msg, size_t len,
                      const unsigned char sig[LEDGER_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, msg, len, k->pk) == 0;
}

void ledger_key_wipe(struct ledger_key *k)
{
	sodium_memzero(k, sizeof(*k));
}
