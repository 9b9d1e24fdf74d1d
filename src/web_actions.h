/*
 * web_actions - what an operator changes from the web, each in one store
 * transaction with its ledger entry naming the user: a follow-up report
 * (III.1.1.8) through notify_followup_record(), the function `saasguard
 * incident followup` calls (followups row, followup_recorded ledger entry,
 * the admin contacts' messages queued in the outbox for the monitor to
 * deliver), with who sent it; maintenance announcements; attestations
 * through ledger_events_attestation(), as `saasguard attest`; a
 * verification of the ledger (ledger_check.h, as `ledger verify --record`
 * and the monitor's daily run) and a ledger export as a zip (the directory
 * `ledger export` writes, by the same ledger_export()).
 *
 * Ownership: nothing is kept; the profile is borrowed.
 */
#ifndef SG_WEB_ACTIONS_H
#define SG_WEB_ACTIONS_H

#include "dynbuf.h"
#include "ledger_check.h"
#include "profile.h"
#include "store.h"
#include "web_site.h"

/* Records a follow-up of incident id by user (the ledger entry's "by").
 * SG_ERR_NOT_FOUND when there is no such incident, SG_ERR_INPUT when the
 * text is empty or longer than 20,000 bytes. *recipients: admin contacts
 * the message was queued for. */
enum sg_code web_action_followup(struct store *s, const struct profile *p, long long id,
                                 const char *message, const char *user, double now,
                                 size_t *recipients, struct sg_error *err);

/* Announces maintenance of the service [start, end) (start in the future,
 * at most a year ahead, end after start, note 1-2,000 bytes): stored,
 * recorded in the ledger (maintenance_announced, with the user) and mailed
 * to the service's users (all_users) in formal Japanese. SG_ERR_INPUT for
 * bad values. */
enum sg_code web_action_maintenance(struct store *s, const struct profile *p, const char *tz,
                                    double start, double end, const char *note, const char *user,
                                    double now, size_t *recipients, struct sg_error *err);

/* Records an attestation of control (a countermeasure or evaluation item
 * id, normalised as `saasguard attest` does) with a note and an optional
 * evidence file: the file is kept in the `evidence/` directory beside the
 * database (0600, named by its SHA-256), and the ledger entry
 * "attestation" carries control, note, by (the user) and evidence
 * [{file, sha256, bytes, name}] — the CLI's payload plus the stored copy.
 * *seq receives the entry's number, sha256 the file's hash ("" without one). */
struct catalog;
enum sg_code web_action_attest(struct store *s, const struct catalog *cat, const char *control,
                               const char *note, const void *file, size_t len,
                               const char *file_name, const char *user, long long *seq,
                               char sha256[65], struct sg_error *err);

/* Verifies the whole ledger now with every service's ledger configuration
 * (ledger_check_run()) and records the outcome by user; a failure also
 * alerts the first service's managers (delivered by the monitor). c
 * receives the outcome (ledger_check_release()), *seq its entry.
 * SG_ERR_NOT_FOUND when no service has a public key. */
enum sg_code web_action_verify_ledger(struct store *s, const struct web_site *site,
                                      const char *user, struct ledger_check *c, long long *seq,
                                      struct sg_error *err);

/* The largest export the web sends (zip bytes); larger periods are
 * `saasguard ledger export`'s. */
#define WEB_LEDGER_EXPORT_MAX (32u << 20)

/* The period of an export from the form or query: from and to as
 * `ledger export --from --to` takes them (2026-11-01 or
 * 2026-11-01T09:00+09:00; a date `to` runs to the end of that day); NULL or
 * "" leaves that end open (LLONG_MIN / LLONG_MAX). SG_ERR_INPUT naming the
 * value otherwise. */
enum sg_code web_action_period(const char *from, const char *to, long long *from_ms,
                               long long *to_ms, struct sg_error *err);

struct web_ledger_export {
	long long first_seq, end_seq, tree_size;
	int timestamped;
	char sha256[65]; /* of the zip */
	char name[64];   /* the zip's file name, e.g. ledger-export-0-41.zip */
};
/* Writes what `saasguard ledger export --from --to` writes (sealing first
 * when this process can sign; ledger_export() with the first service's
 * public key) into a temporary directory (0700, removed before returning),
 * zips it into zip (one folder named like the file) and records a
 * `ledger_exported` entry by user. SG_ERR_INPUT when the period's export
 * is larger than WEB_LEDGER_EXPORT_MAX, SG_ERR_NOT_FOUND without a public
 * key or a signed head. */
enum sg_code web_action_ledger_export(struct store *s, const struct web_site *site,
                                      long long from_ms, long long to_ms, const char *user,
                                      struct dynbuf *zip, struct web_ledger_export *out,
                                      struct sg_error *err);

#endif
