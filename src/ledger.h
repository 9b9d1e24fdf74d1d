/*
 * ledger - saasguard's evidence: an append-only, RFC 6962-style Merkle log of
 * everything it does (assessments, check state changes, incidents,
 * notifications, follow-ups, measurements, attestations, reports).
 *
 * An entry is the canonical JSON text {"at":MS,"payload":{...},"seq":N,
 * "type":"..."} (keys sorted, no white space, UTF-8); its leaf hash is
 * SHA-256(0x00 || entry). Callers record an event with ledger_append() inside
 * the same store transaction as the event itself, so the two commit or
 * vanish together.
 *
 * Ownership: ledger_append() borrows payload (the caller keeps its
 * reference).
 */
#ifndef SG_LEDGER_H
#define SG_LEDGER_H

#include <jansson.h>

#include "error.h"
#include "store.h"

#define LEDGER_HASH_LEN 32

/* Appends one entry; *seq (may be NULL) receives its sequence number (0-based
 * leaf index). Joins the caller's transaction if one is open. */
enum sg_code ledger_append(struct store *s, const char *type, json_t *payload, long long *seq,
                           struct sg_error *err);

/* The canonical text of an entry (caller frees). */
char *ledger_entry_text(long long seq, long long at_ms, const char *type, json_t *payload);

/* SHA-256(0x00 || data) and SHA-256(0x01 || left || right). */
void ledger_leaf_hash(const void *data, size_t len, unsigned char out[LEDGER_HASH_LEN]);
void ledger_node_hash(const unsigned char *left, const unsigned char *right,
                      unsigned char out[LEDGER_HASH_LEN]);

#endif
