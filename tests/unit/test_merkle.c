/* Unit tests for merkle: RFC 6962 tree hashes against the Certificate
 * Transparency test vectors, the streaming root against a recursive
 * reference for every size up to 130, and every inclusion and consistency
 * proof for sizes up to 40 (and that altered proofs fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"
#include "ledger.h"
#include "merkle.h"

static struct merkle_hasher *H;

/* MTH as RFC 6962 2.1 writes it. */
static void ref_mth(unsigned char (*leaves)[32], uint64_t n, unsigned char out[32])
{
	unsigned char l[32], r[32];
	uint64_t k = 1;

	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	ref_mth(leaves, k, l);
	ref_mth(leaves + k, n - k, r);
	merkle_node(H, l, r, out);
}

static void make_leaves(unsigned char (*leaves)[32], int n)
{
	for (int i = 0; i < n; i++) {
		char d[16];
		snprintf(d, sizeof(d), "leaf %d", i);
		merkle_leaf(H, d, strlen(d), leaves[i]);
	}
}

static void test_ct_vectors(void **state)
{
	/* The inputs and roots of certificate-transparency's merkle tree tests. */
	static const char *inputs[] = {"",
	                               "00",
	                               "10",
	                               "2021",
	                               "3031",
	                               "40414243",
	                               "5051525354555657",
	                               "606162636465666768696a6b6c6d6e6f"};
	static const char *roots[] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	struct merkle_stream s;
	unsigned char leaf[32], root[32], ref[32];
	char hex[65];
	(void)state;

	merkle_stream_init(&s, H);
	merkle_stream_root(&s, root);
	merkle_hex(root, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (int i = 0; i < 8; i++) {
		unsigned char bytes[16];
		size_t n = strlen(inputs[i]) / 2;
		for (size_t j = 0; j < n; j++)
			sscanf(inputs[i] + 2 * j, "%2hhx", &bytes[j]);
		merkle_leaf(H, bytes, n, leaf);
		merkle_stream_push(&s, leaf);
		merkle_stream_root(&s, root);
		merkle_hex(root, hex);
		assert_string_equal(hex, roots[i]);
	}
	merkle_unhex(roots[1], ref);
	{
		/* hex_encode: lowercase, both nibbles, NUL-terminated, n = 0 too */
		static const unsigned char b[] = {0x00, 0x0a, 0xf0, 0xff, 0x5c};
		char out[2 * sizeof(b) + 1];
		memset(out, 'x', sizeof(out));
		hex_encode(b, sizeof(b), out);
		assert_string_equal(out, "000af0ff5c");
		hex_encode(b, 0, out);
		assert_string_equal(out, "");
	}
	merkle_unhex(roots[0], leaf);
	assert_int_equal(merkle_unhex("zz", ref), -1);
}

static void test_stream_matches_reference(void **state)
{
	unsigned char leaves[130][32], root[32], ref[32];
	struct merkle_stream s;
	(void)state;

	make_leaves(leaves, 130);
	merkle_stream_init(&s, H);
	for (int n = 1; n <= 130; n++) {
		merkle_stream_push(&s, leaves[n - 1]);
		merkle_stream_root(&s, root);
		ref_mth(leaves, (uint64_t)n, ref);
		assert_memory_equal(root, ref, 32);
		merkle_subtree(H, (const unsigned char(*)[32])leaves, 0, (uint64_t)n, root);
		assert_memory_equal(root, ref, 32);
	}
}

static void test_inclusion(void **state)
{
	unsigned char leaves[40][32], path[MERKLE_MAX_PATH][32], root[32], bad[32];
	(void)state;

	make_leaves(leaves, 40);
	for (uint64_t n = 1; n <= 40; n++) {
		ref_mth(leaves, n, root);
		for (uint64_t m = 0; m < n; m++) {
			size_t len = merkle_inclusion_path(H, (const unsigned char(*)[32])leaves, n,
			                                   m, path);
			assert_true(merkle_verify_inclusion(
			    H, leaves[m], m, n, (const unsigned char(*)[32])path, len, root));
			/* Another leaf, index or size does not verify. */
			assert_false(merkle_verify_inclusion(H, leaves[(m + 1) % 40], m, n,
			                                     (const unsigned char(*)[32])path, len,
			                                     root));
			if (n < 40) {
				unsigned char bigger[32];
				ref_mth(leaves, n + 1, bigger);
				assert_false(merkle_verify_inclusion(
				    H, leaves[m], m, n + 1, (const unsigned char(*)[32])path, len,
				    bigger));
			}
			if (len) {
				memcpy(bad, path[len - 1], 32);
				path[len - 1][0] ^= 1;
				assert_false(merkle_verify_inclusion(
				    H, leaves[m], m, n, (const unsigned char(*)[32])path, len,
				    root));
				memcpy(path[len - 1], bad, 32);
				assert_false(merkle_verify_inclusion(
				    H, leaves[m], m, n, (const unsigned char(*)[32])path, len - 1,
				    root));
			}
		}
		assert_false(merkle_verify_inclusion(H, leaves[0], n, n,
		                                     (const unsigned char(*)[32])path, 0, root));
	}
}

static void test_consistency(void **state)
{
	unsigned char leaves[40][32], proof[MERKLE_MAX_PATH][32], r1[32], r2[32], other[32];
	(void)state;

	make_leaves(leaves, 40);
	for (uint64_t n = 1; n <= 40; n++) {
		ref_mth(leaves, n, r2);
		for (uint64_t m = 1; m <= n; m++) {
			size_t len = merkle_consistency_proof(H, (const unsigned char(*)[32])leaves,
			                                      n, m, proof);
			ref_mth(leaves, m, r1);
			assert_true(merkle_verify_consistency(
			    H, m, n, r1, r2, (const unsigned char(*)[32])proof, len));
			/* A different old root (a forked history) does not verify. */
			memcpy(other, r1, 32);
			other[5] ^= 0x40;
			assert_false(merkle_verify_consistency(
			    H, m, n, other, r2, (const unsigned char(*)[32])proof, len));
			if (len) {
				proof[0][0] ^= 1;
				assert_false(merkle_verify_consistency(
				    H, m, n, r1, r2, (const unsigned char(*)[32])proof, len));
				proof[0][0] ^= 1;
			}
		}
	}
	assert_false(merkle_verify_consistency(H, 5, 4, r1, r2, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ct_vectors),
	    cmocka_unit_test(test_stream_matches_reference),
	    cmocka_unit_test(test_inclusion),
	    cmocka_unit_test(test_consistency),
	};
	int rc;

	H = merkle_hasher_new();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	merkle_hasher_free(H);
	return rc;
}
