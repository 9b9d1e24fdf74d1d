/*
 * store_backup - a consistent copy of the store while it is in use, and the
 * way back: both go through SQLite's online backup API, so a backup taken
 * while the monitor writes is one committed state of the database (every
 * ledger entry with the heads that sign it, never half a transaction), and
 * `saasguard ledger verify` on the copy gives the answer it gave on the
 * original at that moment.
 *
 * store_backup_write() copies into a temporary file beside the target
 * (0600), checks the copy's integrity, fsyncs and renames it into place.
 * store_backup_restore() checks the backup first (integrity, a saasguard
 * schema) and then copies it over the live database inside SQLite, so a
 * reader never sees a half-restored store.
 *
 * Ownership: nothing allocated is handed to the caller.
 */
#ifndef SG_STORE_BACKUP_H
#define SG_STORE_BACKUP_H

#include "error.h"
#include "store.h"

struct store_backup_info {
	long long pages;          /* database pages copied */
	long long ledger_entries; /* in the copy; -1 when it has no ledger */
};

/* Copies the open store s to path atomically (mode 0600). Fails with
 * SG_ERR_EXISTS when path exists and overwrite is 0. */
enum sg_code store_backup_write(struct store *s, const char *path, int overwrite,
                                struct store_backup_info *info, struct sg_error *err);

/* Replaces the contents of the open store s with the backup at path. */
enum sg_code store_backup_restore(struct store *s, const char *path, struct store_backup_info *info,
                                  struct sg_error *err);

#endif
