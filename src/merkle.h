/*
 * merkle - RFC 6962 Merkle trees over SHA-256: leaf hash SHA-256(0x00 || d),
 * node hash SHA-256(0x01 || left || right), the tree hash MTH of any number
 * of leaves (not only powers of two), inclusion paths and consistency proofs
 * (RFC 6962 2.1.1 and 2.1.2) and their verification (RFC 9162 2.1.3.2 and
 * 2.1.4.2). Knows nothing about the store or the ledger's entries.
 *
 * A merkle_stream computes MTH in one pass with a stack of at most 64
 * perfect subtree hashes, so verifying a ledger never holds all its leaves.
 * The proof functions work on an array of leaf hashes the caller owns.
 *
 * Ownership: merkle_hasher_new() returns a hasher freed with
 * merkle_hasher_free(); a stream borrows its hasher. Nothing else allocates.
 */
#ifndef SG_MERKLE_H
#define SG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
#define MERKLE_MAX_PATH 64

struct merkle_hasher;

struct merkle_hasher *merkle_hasher_new(void);
void merkle_hasher_free(struct merkle_hasher *h);

void merkle_leaf(struct merkle_hasher *h, const void *data, size_t len,
                 unsigned char out[MERKLE_HASH_LEN]);
void merkle_node(struct merkle_hasher *h, const unsigned char *left, const unsigned char *right,
                 unsigned char out[MERKLE_HASH_LEN]);

struct merkle_stream {
	struct merkle_hasher *h;
	unsigned char stack[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	int depth;
	uint64_t count; /* leaves pushed */
};

void merkle_stream_init(struct merkle_stream *s, struct merkle_hasher *h);
void merkle_stream_push(struct merkle_stream *s, const unsigned char leaf[MERKLE_HASH_LEN]);
/* MTH of the leaves pushed so far (SHA-256 of nothing for none); the stream
 * can go on. */
void merkle_stream_root(const struct merkle_stream *s, unsigned char out[MERKLE_HASH_LEN]);

/* MTH(leaves[lo:hi]). */
void merkle_subtree(struct merkle_hasher *h, const unsigned char (*leaves)[MERKLE_HASH_LEN],
                    uint64_t lo, uint64_t hi, unsigned char out[MERKLE_HASH_LEN]);

/* PATH(m, leaves[0:n]) into path (MERKLE_MAX_PATH slots); returns its length.
 * Requires m < n. */
size_t merkle_inclusion_path(struct merkle_hasher *h,
                             const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n, uint64_t m,
                             unsigned char (*path)[MERKLE_HASH_LEN]);
/* PROOF(m, leaves[0:n]); returns its length. Requires 0 < m <= n. */
size_t merkle_consistency_proof(struct merkle_hasher *h,
                                const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                                uint64_t m, unsigned char (*proof)[MERKLE_HASH_LEN]);

/* 1 when the path proves leaf m in the tree of size n with this root. */
int merkle_verify_inclusion(struct merkle_hasher *h, const unsigned char leaf[MERKLE_HASH_LEN],
                            uint64_t m, uint64_t n, const unsigned char (*path)[MERKLE_HASH_LEN],
                            size_t len, const unsigned char root[MERKLE_HASH_LEN]);
/* 1 when the proof shows the tree of size m is a prefix of the one of size n. */
int merkle_verify_consistency(struct merkle_hasher *h, uint64_t m, uint64_t n,
                              const unsigned char root_m[MERKLE_HASH_LEN],
                              const unsigned char root_n[MERKLE_HASH_LEN],
                              const unsigned char (*proof)[MERKLE_HASH_LEN], size_t len);

/* Lowercase hex of a hash (65 bytes with the NUL), and back (0 on success). */
void merkle_hex(const unsigned char hash[MERKLE_HASH_LEN], char out[2 * MERKLE_HASH_LEN + 1]);
int merkle_unhex(const char *hex, unsigned char out[MERKLE_HASH_LEN]);

#endif
