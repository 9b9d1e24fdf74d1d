/*
 * web_actions - what an operator changes from the web, each in one store
 * transaction with its ledger entry naming the user: a follow-up report
 * (III.1.1.8) through notify_followup_record(), the function `saasguard
 * incident followup` calls (followups row, followup_recorded ledger entry,
 * the admin contacts' messages queued in the outbox for the monitor to
 * deliver), with who sent it; maintenance announcements; attestations
 * through ledger_events_attestation(), as `saasguard attest`.
 *
 * Ownership: nothing is kept; the profile is borrowed.
 */
#ifndef SG_WEB_ACTIONS_H
#define SG_WEB_ACTIONS_H

#include "profile.h"
#include "store.h"

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

#endif
