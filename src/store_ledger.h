/*
 * store_ledger - the ledger's tables. Entries and tree heads are append-only:
 * triggers refuse UPDATE and DELETE, and the signed tree heads make a change
 * made around saasguard (editing the file) detectable anyway.
 */
#ifndef SG_STORE_LEDGER_H
#define SG_STORE_LEDGER_H

#include "store.h"

/* The next sequence number (the number of entries). */
enum sg_code store_ledger_next_seq(struct store *s, long long *seq, struct sg_error *err);
enum sg_code store_ledger_insert(struct store *s, long long seq, long long at_ms, const char *type,
                                 const char *entry, const unsigned char *leaf_hash,
                                 struct sg_error *err);

#endif
