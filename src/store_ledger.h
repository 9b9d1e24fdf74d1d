/*
 * store_ledger - the ledger's tables. Entries and tree heads are append-only:
 * triggers refuse UPDATE and DELETE, and the signed tree heads make a change
 * made around saasguard (editing the file) detectable anyway.
 */
#ifndef SG_STORE_LEDGER_H
#define SG_STORE_LEDGER_H

#include <stddef.h>

#include "ledger_key.h"
#include "merkle.h"
#include "store.h"

/* The next sequence number (the number of entries). */
enum sg_code store_ledger_next_seq(struct store *s, long long *seq, struct sg_error *err);

/* The newest entry of type (largest at_ms, then seq): its seq, at_ms and
 * text (caller frees *entry); *found = 0 when there is none. The text is
 * as stored (hostile: parse it, never trust it). Uses the type index, so it
 * costs the same on a ledger of any length. */
enum sg_code store_ledger_latest_of_type(struct store *s, const char *type, long long *seq,
                                         long long *at_ms, char **entry, int *found,
                                         struct sg_error *err);

/* A prepared INSERT and next-sequence query kept for many appends (the
 * ledger's bulk writer); freed with store_ledger_inserter_free(). */
struct store_ledger_inserter;
enum sg_code store_ledger_inserter_new(struct store *s, struct store_ledger_inserter **out,
                                       struct sg_error *err);
enum sg_code store_ledger_inserter_next_seq(struct store_ledger_inserter *ins, long long *seq,
                                            struct sg_error *err);
enum sg_code store_ledger_inserter_insert(struct store_ledger_inserter *ins, long long seq,
                                          long long at_ms, const char *type, const char *entry,
                                          size_t entry_len, const unsigned char *leaf_hash,
                                          struct sg_error *err);
void store_ledger_inserter_free(struct store_ledger_inserter *ins);

/* One entry row as read; the pointers stay valid until the next step. */
struct store_ledger_row {
	long long seq;
	long long at_ms;
	const char *type;
	const char *entry; /* entry_len bytes, not NUL-terminated */
	size_t entry_len;
	const unsigned char *leaf_hash;
	size_t leaf_hash_len;
};

/* Entries in seq order, seq in [from_seq, to_seq) (to_seq < 0: no end),
 * at_ms in [from_ms, to_ms) and of type (NULL: any). */
struct store_ledger_cursor;
enum sg_code store_ledger_cursor_open(struct store *s, long long from_seq, long long to_seq,
                                      long long from_ms, long long to_ms, const char *type,
                                      struct store_ledger_cursor **out, struct sg_error *err);
/* 1 with a row, 0 at the end, -1 on error (err set). */
int store_ledger_cursor_next(struct store_ledger_cursor *c, struct store_ledger_row *row,
                             struct sg_error *err);
void store_ledger_cursor_close(struct store_ledger_cursor *c);

/* Sets the connection up for reading the whole ledger fast (memory-mapped
 * pages). */
enum sg_code store_ledger_prepare_scan(struct store *s, struct sg_error *err);

/* The first and one-past-the-last seq of entries with at_ms in [from_ms,
 * to_ms); *first = *end = 0 when there are none. */
enum sg_code store_ledger_seq_range(struct store *s, long long from_ms, long long to_ms,
                                    long long *first, long long *end, struct sg_error *err);

/* A tree head as stored. Every column is as read from the file: the signed
 * text is what counts, the others are copies for queries. */
struct store_ledger_head {
	long long id;
	long long number; /* v2 heads: place in the chain; 0 when NULL */
	long long tree_size;
	unsigned char root[MERKLE_HASH_LEN];
	size_t root_len; /* MERKLE_HASH_LEN unless the row was damaged */
	long long at_ms;
	char key_id[LEDGER_KEY_ID_LEN + 1];
	char *head; /* the signed text */
	unsigned char signature[LEDGER_SIG_LEN];
	size_t signature_len;
	unsigned char *token; /* RFC 3161 token (DER) or NULL */
	size_t token_len;
};

/* Every head in id order; free with store_ledger_heads_free(). */
enum sg_code store_ledger_heads(struct store *s, struct store_ledger_head **out, size_t *n,
                                struct sg_error *err);
void store_ledger_heads_free(struct store_ledger_head *h, size_t n);
/* The newest head (largest id); *found = 0 when there is none. */
enum sg_code store_ledger_last_head(struct store *s, struct store_ledger_head *out, int *found,
                                    struct sg_error *err);
enum sg_code store_ledger_head_insert(struct store *s, const struct store_ledger_head *h,
                                      long long *id, struct sg_error *err);

#endif
