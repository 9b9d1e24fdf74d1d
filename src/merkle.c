/*
 * merkle - RFC 6962 Merkle trees; see merkle.h.
 */
#include <stdlib.h>
#include <string.h>

/* The one-call SHA-256 functions: OpenSSL 3 marks them deprecated in favour
 * of EVP, but EVP's per-call setup (a provider context re-made on every
 * init) costs more than hashing a short ledger entry itself. Same code
 * underneath (SHA-NI / AVX2 where the CPU has them). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "hex.h"
#include "merkle.h"
#include "xalloc.h"
#include "banned.h"

struct merkle_hasher {
	SHA256_CTX ctx;
};

struct merkle_hasher *merkle_hasher_new(void)
{
	return xcalloc(1, sizeof(struct merkle_hasher));
}

void merkle_hasher_free(struct merkle_hasher *h)
{
	free(h);
}

void merkle_leaf(struct merkle_hasher *h, const void *data, size_t len,
                 unsigned char out[MERKLE_HASH_LEN])
{
	static const unsigned char zero = 0x00;

	SHA256_Init(&h->ctx);
	SHA256_Update(&h->ctx, &zero, 1);
	SHA256_Update(&h->ctx, data, len);
	SHA256_Final(out, &h->ctx);
}

void merkle_node(struct merkle_hasher *h, const unsigned char *left, const unsigned char *right,
                 unsigned char out[MERKLE_HASH_LEN])
{
	unsigned char buf[1 + 2 * MERKLE_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
	SHA256_Init(&h->ctx);
	SHA256_Update(&h->ctx, buf, sizeof(buf));
	SHA256_Final(out, &h->ctx);
}

void merkle_stream_init(struct merkle_stream *s, struct merkle_hasher *h)
{
	s->h = h;
	s->depth = 0;
	s->count = 0;
}

void merkle_stream_push(struct merkle_stream *s, const unsigned char leaf[MERKLE_HASH_LEN])
{
	uint64_t c;

	memcpy(s->stack[s->depth++], leaf, MERKLE_HASH_LEN);
	/* Each trailing zero bit of the new count completes a perfect subtree. */
	for (c = ++s->count; !(c & 1); c >>= 1) {
		s->depth--;
		merkle_node(s->h, s->stack[s->depth - 1], s->stack[s->depth],
		            s->stack[s->depth - 1]);
	}
}

void merkle_stream_root(const struct merkle_stream *s, unsigned char out[MERKLE_HASH_LEN])
{
	unsigned char r[MERKLE_HASH_LEN];

	if (!s->depth) {
		SHA256((const unsigned char *)"", 0, out);
		return;
	}
	memcpy(r, s->stack[s->depth - 1], MERKLE_HASH_LEN);
	for (int i = s->depth - 2; i >= 0; i--)
		merkle_node(s->h, s->stack[i], r, r);
	memcpy(out, r, MERKLE_HASH_LEN);
}

void merkle_subtree(struct merkle_hasher *h, const unsigned char (*leaves)[MERKLE_HASH_LEN],
                    uint64_t lo, uint64_t hi, unsigned char out[MERKLE_HASH_LEN])
{
	struct merkle_stream s;

	merkle_stream_init(&s, h);
	for (uint64_t i = lo; i < hi; i++)
		merkle_stream_push(&s, leaves[i]);
	merkle_stream_root(&s, out);
}

/* The largest power of two smaller than n (n > 1). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static size_t path_rec(struct merkle_hasher *h, const unsigned char (*leaves)[MERKLE_HASH_LEN],
                       uint64_t lo, uint64_t hi, uint64_t m, unsigned char (*path)[MERKLE_HASH_LEN],
                       size_t len)
{
	uint64_t k;

	if (hi - lo <= 1)
		return len;
	k = split(hi - lo);
	if (m < k) {
		len = path_rec(h, leaves, lo, lo + k, m, path, len);
		merkle_subtree(h, leaves, lo + k, hi, path[len]);
	} else {
		len = path_rec(h, leaves, lo + k, hi, m - k, path, len);
		merkle_subtree(h, leaves, lo, lo + k, path[len]);
	}
	return len + 1;
}

size_t merkle_inclusion_path(struct merkle_hasher *h,
                             const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n, uint64_t m,
                             unsigned char (*path)[MERKLE_HASH_LEN])
{
	return path_rec(h, leaves, 0, n, m, path, 0);
}

static size_t subproof(struct merkle_hasher *h, const unsigned char (*leaves)[MERKLE_HASH_LEN],
                       uint64_t lo, uint64_t hi, uint64_t m, int complete,
                       unsigned char (*proof)[MERKLE_HASH_LEN], size_t len)
{
	uint64_t k;

	if (m == hi - lo) {
		if (complete)
			return len;
		merkle_subtree(h, leaves, lo, hi, proof[len]);
		return len + 1;
	}
	k = split(hi - lo);
	if (m <= k) {
		len = subproof(h, leaves, lo, lo + k, m, complete, proof, len);
		merkle_subtree(h, leaves, lo + k, hi, proof[len]);
	} else {
		len = subproof(h, leaves, lo + k, hi, m - k, 0, proof, len);
		merkle_subtree(h, leaves, lo, lo + k, proof[len]);
	}
	return len + 1;
}

size_t merkle_consistency_proof(struct merkle_hasher *h,
                                const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                                uint64_t m, unsigned char (*proof)[MERKLE_HASH_LEN])
{
	if (m == 0 || m > n)
		return 0;
	return subproof(h, leaves, 0, n, m, 1, proof, 0);
}

int merkle_verify_inclusion(struct merkle_hasher *h, const unsigned char leaf[MERKLE_HASH_LEN],
                            uint64_t m, uint64_t n, const unsigned char (*path)[MERKLE_HASH_LEN],
                            size_t len, const unsigned char root[MERKLE_HASH_LEN])
{
	unsigned char r[MERKLE_HASH_LEN];
	uint64_t fn = m, sn;

	if (m >= n)
		return 0;
	sn = n - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node(h, path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node(h, r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && !memcmp(r, root, MERKLE_HASH_LEN);
}

int merkle_verify_consistency(struct merkle_hasher *h, uint64_t m, uint64_t n,
                              const unsigned char root_m[MERKLE_HASH_LEN],
                              const unsigned char root_n[MERKLE_HASH_LEN],
                              const unsigned char (*proof)[MERKLE_HASH_LEN], size_t len)
{
	unsigned char fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i = 0;

	if (m > n)
		return 0;
	if (m == n)
		return len == 0 && !memcmp(root_m, root_n, MERKLE_HASH_LEN);
	if (m == 0)
		return len == 0;
	if (len == 0)
		return 0;
	fn = m - 1;
	sn = n - 1;
	if (!(m & (m - 1))) {
		/* m is a power of two: the proof starts with root_m implicitly. */
		memcpy(fr, root_m, MERKLE_HASH_LEN);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_LEN);
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node(h, proof[i], fr, fr);
			merkle_node(h, proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node(h, sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && !memcmp(fr, root_m, MERKLE_HASH_LEN) &&
	       !memcmp(sr, root_n, MERKLE_HASH_LEN);
}

void merkle_hex(const unsigned char hash[MERKLE_HASH_LEN], char out[2 * MERKLE_HASH_LEN + 1])
{
	hex_encode(hash, MERKLE_HASH_LEN, out);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int merkle_unhex(const char *hex, unsigned char out[MERKLE_HASH_LEN])
{
	for (int i = 0; i < MERKLE_HASH_LEN; i++) {
		int a = nibble(hex[2 * i]), b = a < 0 ? -1 : nibble(hex[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return hex[2 * MERKLE_HASH_LEN] == '\0' ? 0 : -1;
}
