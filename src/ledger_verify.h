/*
 * ledger_verify - what an auditor asks of the ledger: verification of the
 * whole log (every leaf recomputed from its text, the tree rebuilt in one
 * streaming pass, every head's signature, root and token checked), RFC 6962
 * inclusion and consistency proofs against the latest head, and an export
 * directory that can be checked with openssl and sha256sum alone (VERIFY.md).
 *
 * Verification reports the first problem in err (SG_ERR_VERIFY, naming the
 * entry or head and what is wrong) and fills a report with what was checked.
 * Every value read from the store is treated as hostile: lengths, sizes,
 * NULLs and blobs of the wrong size are checked before use, and nothing is
 * allocated by a size a head claims before its signature is checked.
 *
 * Ownership: proofs are returned as JSON objects the caller decrefs.
 */
#ifndef SG_LEDGER_VERIFY_H
#define SG_LEDGER_VERIFY_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "ledger_key.h"
#include "ledger_signer.h"
#include "store.h"

struct ledger_verify_opts {
	const struct ledger_key *keys; /* trusted public keys */
	size_t nkeys;
	/* Heads saved earlier (an auditor's, the signer's record): each must be
	 * signed by a trusted key, be in the chain (v2) and its root must be
	 * the tree's at its size. */
	const struct ledger_checkpoint *checkpoints;
	size_t ncheckpoints;
	const char *tsa_ca_file;  /* NULL: token chains are not checked */
	long long from_ms, to_ms; /* entries recomputed: at_ms in [from_ms, to_ms) */
};

struct ledger_verify_report {
	long long entries;    /* in the ledger */
	long long recomputed; /* whose leaf was recomputed from the text */
	long long heads;      /* checked */
	long long heads_timestamped;
	long long sealed; /* entries covered by the latest head */
	long long last_head_ms;
	long long last_token_time; /* seconds, 0 when none */
	int chains_checked;        /* tokens were checked against a CA file */
	long long legacy_heads;    /* v1 heads (before the chain; not linked) */
	long long checkpoints;     /* checked */
	/* the latest head whose root the entries were found to hash to */
	long long sealed_number;
	unsigned char sealed_root[32];
	/* On a failure about entries: the seq range it names (one entry:
	 * bad_from == bad_to); -1 when the failure is not about entries (a
	 * head, a checkpoint, the key). */
	long long bad_from, bad_to;
};

enum sg_code ledger_verify(struct store *s, const struct ledger_verify_opts *o,
                           struct ledger_verify_report *r, struct sg_error *err);

/* {"seq","tree_size","leaf_hash","entry","path":[hex...],"root","head",
 * "signature"(base64),"key_id"} for entry seq against the latest head that
 * one of keys signed. */
enum sg_code ledger_inclusion_proof(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                    long long seq, json_t **out, struct sg_error *err);
/* {"old_size","old_root","tree_size","root","proof":[hex...],"head",...}
 * showing the tree of old_size is a prefix of the latest head's. */
enum sg_code ledger_consistency_proof(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                      long long old_size, json_t **out, struct sg_error *err);
/* The same against the signed head of new_size (0: the latest), which must
 * be a head one of keys signed (SG_ERR_NOT_FOUND otherwise). */
enum sg_code ledger_consistency_proof_between(struct store *s, const struct ledger_key *keys,
                                              size_t nkeys, long long old_size, long long new_size,
                                              json_t **out, struct sg_error *err);

/* The newest stored head that one of keys signed and whose size the ledger
 * can hold (heads that fail either are skipped: verify reports them); the
 * caller frees out->head and out->token. SG_ERR_NOT_FOUND when none. */
struct store_ledger_head;
enum sg_code ledger_verify_latest_head(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                       struct store_ledger_head *out, struct sg_error *err);

struct ledger_export_result {
	long long first_seq, end_seq; /* entries [first, end) */
	long long tree_size;          /* of the head they are checked against */
	int timestamped;
};

/* Writes the entries with at_ms in [from_ms, to_ms) that the latest head
 * covers to dir (created; must not exist or be empty): entries.jsonl,
 * nodes.txt, head.txt, head.sig, head.tst and tsa-ca.pem (when timestamped),
 * ledger.pub, SHA256SUMS, VERIFY.md. */
enum sg_code ledger_export(struct store *s, const struct ledger_key *pub, const char *tsa_ca_file,
                           long long from_ms, long long to_ms, const char *dir,
                           struct ledger_export_result *res, struct sg_error *err);

#endif
