/*
 * web_actions - operator actions from the web; see web_actions.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dynbuf.h"
#include "fileio.h"
#include "xalloc.h"
#include "store_web.h"
#include "timeutil.h"
#include "web_status.h"

#include "ledger_events.h"
#include "notify.h"
#include "store_notify.h"
#include "availability.h"
#include "web_actions.h"
#include "banned.h"

enum sg_code web_action_followup(struct store *s, const struct profile *p, long long id,
                                 const char *message, const char *user, double now,
                                 size_t *recipients, struct sg_error *err)
{
	struct notify_config *ncfg = NULL;
	long long fid = 0;
	enum sg_code rc;

	*recipients = 0;
	if (!message || !*message || strlen(message) > 20000)
		return sg_error_set(err, SG_ERR_INPUT, "%s",
		                    ETR(err, "続報の本文を 1〜20000 バイトで書いてください",
		                        "write the follow-up in 1 to 20,000 bytes"));
	if ((rc = notify_config_load(p, &ncfg, err)))
		return rc;
	/* the same transaction as `incident followup`, with the user's name */
	if (!(rc = notify_followup_record(s, ncfg, id, message, now, user, &fid, err)))
		*recipients = notify_config_recipients(ncfg, "admin_contacts");
	notify_config_free(ncfg);
	return rc;
}

/* Marks the window's announcement as queued so the monitor's maintenance
 * job (monitor_jobs.c) does not send it again; it still sends the start and
 * end notices. */
static enum sg_code claim_announce(struct store *s, const char *service, long long id, double now,
                                   struct sg_error *err)
{
	char key[AVAILABILITY_KEY_LEN];
	int claimed;

	snprintf(key, sizeof(key), "web:%lld", id);
	return store_notify_maintenance_claim(s, service, key, "announce", now, &claimed, err);
}

enum sg_code web_action_maintenance(struct store *s, const struct profile *p, const char *tz,
                                    double start, double end, const char *note, const char *user,
                                    double now, size_t *recipients, struct sg_error *err)
{
	struct notify_config *ncfg = NULL;
	struct store_web_maintenance m;
	struct notify_maintenance mw;
	long long id = 0;
	enum sg_code rc;

	*recipients = 0;
	if (!(start > now) || !(end > start) || start > now + 366 * 86400.0)
		return sg_error_set(
		    err, SG_ERR_INPUT, "%s",
		    ETR(err, "開始は今より後（1 年以内）、終了は開始より後にしてください",
		        "the start must be in the future (within a year) and the end "
		        "after the start"));
	if (!note || !*note || strlen(note) > 2000)
		return sg_error_set(err, SG_ERR_INPUT, "%s",
		                    ETR(err, "作業内容を 1〜2000 バイトで書いてください",
		                        "describe the work in 1 to 2,000 bytes"));
	if ((rc = notify_config_load(p, &ncfg, err)))
		return rc;
	(void)tz; /* the notices give times in notify's `timezone:` */
	memset(&mw, 0, sizeof(mw));
	mw.start = start;
	mw.end = end;
	mw.note = note;
	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = end;
	m.announced = now;
	m.note = (char *)note;
	m.announced_by = (char *)user;
	*recipients = notify_config_recipients(ncfg, "all_users");
	/* rendering the notice converts times: the zone lock is process-wide */
	web_status_tz_lock();
	if ((rc = store_begin(s, err)) ||
	    (rc = store_web_maintenance_add(s, p->service.name, &m, &id, err)) ||
	    (rc = ledger_events_maintenance_announced(s, p->service.name, start, end, note, user,
	                                              (long long)*recipients, err)) ||
	    (rc = claim_announce(s, p->service.name, id, now, err)) ||
	    (rc = notify_enqueue_maintenance(s, ncfg, "maintenance_announce", &mw, NULL, err)) ||
	    (rc = store_commit(s, err))) {
		store_rollback(s);
	}
	web_status_tz_unlock();
	notify_config_free(ncfg);
	return rc;
}

enum sg_code web_action_attest(struct store *s, const struct catalog *cat, const char *control,
                               const char *note, const void *file, size_t len,
                               const char *file_name, const char *user, long long *seq,
                               char sha256[65], struct sg_error *err)
{
	char id[64], safe[96];
	unsigned char h[crypto_hash_sha256_BYTES];
	char *dir = NULL, *path = NULL, *copy;
	struct ledger_events_evidence ev = {0};
	enum sg_code rc;
	size_t n = 0;

	sha256[0] = 0;
	if ((rc = catalog_normalize_id(control ? control : "", id, sizeof(id), err)))
		goto out;
	if (!catalog_control(cat, id) && !catalog_item(cat, id)) {
		rc = sg_error_set(err, SG_ERR_NOT_FOUND,
		                  ETR(err, "%s という対策項目・評価項目はありません",
		                      "there is no countermeasure or evaluation item %s"),
		                  id);
		goto out;
	}
	if (!note || !*note || strlen(note) > 2000) {
		rc = sg_error_set(err, SG_ERR_INPUT, "%s",
		                  ETR(err, "確認の内容を 1〜2000 バイトで書いてください",
		                      "write the note in 1 to 2,000 bytes"));
		goto out;
	}
	if (file && len) {
		crypto_hash_sha256(h, file, len);
		sodium_bin2hex(sha256, 65, h, sizeof(h));
		/* the stored name: its hash, then the browser's name reduced to [A-Za-z0-9._-] */
		for (const char *p = file_name ? file_name : ""; *p && n < sizeof(safe) - 1; p++)
			safe[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			                    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
			                ? *p
			                : '_';
		safe[n] = 0;
		copy = store_files_dir(s->path);
		dir = xstrfmt("%s/evidence", copy);
		free(copy);
		path = xstrfmt("%s/%s-%s", dir, sha256, n ? safe : "evidence");
		if ((rc = fileio_mkdirs(dir, 0700, err)) ||
		    (rc = fileio_write_atomic(path, file, len, 0600, 0, err)))
			goto out;
		ev.file = path;
		ev.sha256_hex = sha256;
		ev.bytes = (long long)len;
		ev.name = file_name ? file_name : "";
	}
	if ((rc = store_begin(s, err)) ||
	    (rc = ledger_events_attestation(s, id, note, user, "web", &ev, ev.file ? 1 : 0, seq,
	                                    err)) ||
	    (rc = store_commit(s, err)))
		store_rollback(s);
out:
	free(dir);
	free(path);
	return rc;
}
