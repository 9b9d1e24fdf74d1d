/*
 * ledger_check - verification of the ledger as a recorded act, shared by
 * `ledger verify --record`, the monitor's daily run and the dashboard's
 * "verify now": the whole ledger checked by ledger_verify() with the inputs
 * a profile's `ledger:` section gives (KEY.pub, the signer's record KEY.heads
 * as a checkpoint when this process can read it, the TSA's CA), the outcome
 * recorded as a `ledger_verified` entry naming who ran it, and the newest
 * such entry read back for the dashboard and the API. A verifier without
 * --record writes nothing: the auditor's copy stays as it was.
 *
 * Verifying only reads: run it outside any transaction, on a connection of
 * its own where a loop must not wait. Recording appends one entry (and a
 * failure's alert to managers) in one short write transaction.
 *
 * Ownership: a ledger_check owns its strings (ledger_check_release()).
 */
#ifndef SG_LEDGER_CHECK_H
#define SG_LEDGER_CHECK_H

#include <stddef.h>

#include "error.h"
#include "ledger.h"
#include "ledger_verify.h"
#include "store.h"

struct ledger_check {
	int ok;
	struct ledger_verify_report r; /* what was checked (bad_from/bad_to on a failure) */
	char *error;                   /* a failure: what is wrong (NULL when ok) */
	double seconds;                /* how long it took */
	/* read back (ledger_check_latest()) */
	long long seq; /* the ledger_verified entry */
	double at;     /* its time (seconds) */
	char *by;      /* "cli", "monitor" or the web user */
	int has_root;  /* r.sealed_root holds the head's root */
};

void ledger_check_release(struct ledger_check *c);

/* Verifies the whole ledger with the public keys of every config (KEY.pub
 * beside each key; the same key once), each signer's record it can read,
 * and the first tsa_ca_file given. SG_OK when verification ran (c->ok says
 * how it went; c->error why not); SG_ERR_NOT_FOUND when no public key is
 * there (nothing can be verified); another code when the store could not
 * be read. */
enum sg_code ledger_check_run(struct store *s, const struct ledger_config *const *cfgs, size_t n,
                              struct ledger_check *c, struct sg_error *err);

/* The outcome of a ledger_verify() the caller ran itself (the CLI, with its
 * own keys and checkpoints): 0 when code is an outcome (SG_OK or
 * SG_ERR_VERIFY, filling c), else code. */
enum sg_code ledger_check_outcome(enum sg_code code, const struct ledger_verify_report *r,
                                  const struct sg_error *verr, double seconds,
                                  struct ledger_check *c);

/* Appends c as a `ledger_verified` entry by `by`, in a transaction of its
 * own (call it outside one) together with, when the verification failed and
 * ncfg is given, the managers' internal alert (notify's NOTIFY_INTERNAL,
 * Japanese then English) about service; *seq (may be NULL) receives the
 * entry's number, *alerted (may be NULL) the managers alerted. */
struct notify_config;
enum sg_code ledger_check_record(struct store *s, const struct ledger_check *c, const char *by,
                                 const struct notify_config *ncfg, const char *service, int pattern,
                                 long long *seq, size_t *alerted, struct sg_error *err);

/* The newest `ledger_verified` entry; *found = 0 when none. Its payload is
 * read as hostile input: a field of the wrong type reads as absent. */
enum sg_code ledger_check_latest(struct store *s, struct ledger_check *c, int *found,
                                 struct sg_error *err);

#endif
