/*
 * ledger_signer - the one who signs the ledger's tree heads: the private key
 * and the signer's own record of the heads it signed, kept outside the store
 * (KEY.heads beside the key, mode 0600). Each line of the record is a
 * checkpoint (below) appended with one write and fsynced, so a crash leaves
 * at most a torn last line, which is ignored. The signer signs only a tree
 * that is a consistent extension of the last head it recorded: the entries
 * up to that head's size must still hash to its root (what an RFC 6962
 * consistency proof shows), and the new head names that head (number + 1,
 * prev-size, prev-head). Someone who can edit the database but cannot write
 * the key's directory therefore cannot have a rewritten history signed.
 * Sealers serialise on an exclusive flock() of the record.
 *
 * A checkpoint is a head saved outside the store, as JSON: {"number",
 * "tree_size", "root", "time", "key_id", "head", "signature"} where "head" is
 * the signed text and "signature" its base64 Ed25519 signature; the other
 * members repeat the text for readers and are not trusted. `saasguard ledger
 * head --format json` prints one; `ledger verify --checkpoint FILE` checks
 * the ledger against it.
 *
 * Ownership: ledger_signer_open_for() returns a signer freed (and its secret
 * wiped) with ledger_signer_free(); it keeps the record open, so a process
 * may open it and then give up the privileges to read the key. A
 * ledger_checkpoint owns its head text (ledger_checkpoint_release()).
 */
#ifndef SG_LEDGER_SIGNER_H
#define SG_LEDGER_SIGNER_H

#include <jansson.h>

#include "error.h"
#include "ledger.h"
#include "ledger_key.h"
#include "store.h"

struct ledger_checkpoint {
	char *head; /* the signed text */
	unsigned char signature[LEDGER_SIG_LEN];
	struct ledger_head_info info; /* parsed from head */
};

/* Reads a checkpoint file: one checkpoint JSON, or a signer's record (the
 * last line that parses), or an export directory (its head.txt, head.sig). Checks the text parses
 * as a head, not the signature (ledger_checkpoint_verify()). SG_ERR_NOT_FOUND when the file is
 * absent; SG_ERR_INPUT, naming the file, when it holds no checkpoint. */
enum sg_code ledger_checkpoint_read(const char *path, struct ledger_checkpoint *cp,
                                    struct sg_error *err);
/* 1 when the checkpoint's key is one of keys and its signature verifies. */
int ledger_checkpoint_verify(const struct ledger_checkpoint *cp, const struct ledger_key *keys,
                             size_t nkeys);
/* The checkpoint JSON of a signed head text (caller decrefs; NULL when the
 * text is not a head). */
json_t *ledger_checkpoint_json(const char *head, const unsigned char sig[LEDGER_SIG_LEN]);
void ledger_checkpoint_release(struct ledger_checkpoint *cp);

/* KEY.heads (caller frees). */
char *ledger_signer_record_path(const char *key_path);

void ledger_signer_free(struct ledger_signer *sg);
/* For a daemon that gives up its privileges: the signer of profile_path's
 * `ledger:` section (key beside db_path unless the section or
 * $SAASGUARD_LEDGER_KEY says otherwise), opened now. *out = NULL with SG_OK
 * when there is no key file: the daemon then runs without signing. Set
 * ledger_config.signer to it; one signer serves every thread (it locks). */
enum sg_code ledger_signer_open_for(const char *profile_path, const char *db_path,
                                    struct ledger_signer **out, struct sg_error *err);

#endif
