/*
 * web_actions - operator actions from the web; see web_actions.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "catalog.h"
#include "dynbuf.h"
#include "fileio.h"
#include "xalloc.h"
#include "store_web.h"
#include "timeutil.h"
#include "web_status.h"

#include "ledger_events.h"
#include "ledger_verify.h"
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

enum sg_code web_action_verify_ledger(struct store *s, const struct web_site *site,
                                      const char *user, struct ledger_check *c, long long *seq,
                                      struct sg_error *err)
{
	const struct ledger_config *cfgs[16];
	struct notify_config *ncfg = NULL;
	size_t n = 0;
	enum sg_code rc;

	for (size_t i = 0; i < site->n && n < 16; i++)
		cfgs[n++] = &site->svc[i].lcfg;
	/* the same run as the monitor's daily one and `ledger verify --record` */
	if ((rc = ledger_check_run(s, cfgs, n, c, err)))
		return rc;
	if (!c->ok && site->n && notify_config_load(site->svc[0].profile, &ncfg, NULL))
		ncfg = NULL; /* recorded all the same: the alert is the extra */
	rc = ledger_check_record(s, c, user, ncfg, site->n ? site->svc[0].name : NULL,
	                         site->n ? site->svc[0].profile->service.pattern : 0, seq, NULL,
	                         err);
	notify_config_free(ncfg);
	return rc;
}

/* Removes dir and the regular files in it (one level of subdirectories:
 * what ledger_export() and the zip leave). */
static void remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = xstrfmt("%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0)
			remove_tree(p, depth - 1);
		else
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

enum sg_code web_action_period(const char *from, const char *to, long long *from_ms,
                               long long *to_ms, struct sg_error *err)
{
	const char *v[2] = {from, to};
	long long *out[2] = {from_ms, to_ms};

	*from_ms = LLONG_MIN;
	*to_ms = LLONG_MAX;
	for (int i = 0; i < 2; i++) {
		long long t;
		if (!v[i] || !*v[i])
			continue;
		if (strlen(v[i]) > 64 || timeutil_parse(v[i], &t, NULL))
			return sg_error_set(err, SG_ERR_INPUT,
			                    ETR(err,
			                        "期間は 2026-11-01 や 2026-11-01T09:00+09:00 の形で"
			                        "指定してください ('%.64s' は不可)",
			                        "give the period as 2026-11-01 or "
			                        "2026-11-01T09:00+09:00, not '%.64s'"),
			                    v[i]);
		/* a bare date `to` runs to the end of that day, as the CLI's */
		if (i == 1 && strlen(v[i]) == 10)
			t += 86400;
		*out[i] = t * 1000;
	}
	if (*from_ms != LLONG_MIN && *to_ms != LLONG_MAX && *to_ms <= *from_ms)
		return sg_error_set(err, SG_ERR_INPUT, "%s",
		                    ETR(err, "期間の終わりは始まりより後にしてください",
		                        "the end of the period must be after its start"));
	return SG_OK;
}

static enum sg_code too_large(struct sg_error *err, size_t max)
{
	return sg_error_set(err, SG_ERR_INPUT,
	                    ETR(err,
	                        "この期間の書き出しは %zu MB を超えるため Web では送れません。"
	                        "期間を短くするか、saasguard ledger export を使ってください",
	                        "the export of this period is over %zu MB, more than the web "
	                        "sends; choose a shorter period or use saasguard ledger export"),
	                    max >> 20);
}

/* Zips the regular files of dir as folder/NAME into path; SG_ERR_INPUT when
 * they are more than max bytes before compression (the zip is smaller). */
static enum sg_code zip_dir(const char *dir, const char *folder, const char *path, size_t max,
                            struct sg_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	zip_t *z;
	int zerr = 0;
	unsigned long long total = 0;
	enum sg_code rc = SG_OK;

	if (!d)
		return sg_error_set(err, SG_ERR_IO, "%s: %s", dir, strerror(errno));
	if (!(z = zip_open(path, ZIP_CREATE | ZIP_EXCL, &zerr))) {
		closedir(d);
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: zip ファイルを作れません (libzip %d)",
		                        "%s: cannot create the zip (libzip %d)"),
		                    path, zerr);
	}
	while (!rc && (e = readdir(d))) {
		char *p = xstrfmt("%s/%s", dir, e->d_name), *name;
		struct stat st;
		zip_source_t *src;
		if (lstat(p, &st) || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		total += (unsigned long long)st.st_size;
		name = xstrfmt("%s/%s", folder, e->d_name);
		if (total > max)
			rc = too_large(err, max);
		else if (!(src = zip_source_file(z, p, 0, -1)))
			rc = sg_error_set(err, SG_ERR_IO, "%s: %s", p, zip_strerror(z));
		else if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(src);
			rc = sg_error_set(err, SG_ERR_IO, "%s: %s", p, zip_strerror(z));
		}
		free(name);
		free(p);
	}
	closedir(d);
	if (rc) {
		zip_discard(z);
		return rc;
	}
	if (zip_close(z) < 0) {
		rc = sg_error_set(err, SG_ERR_IO, "%s: %s", path, zip_strerror(z));
		zip_discard(z);
	}
	return rc;
}

/* The newest head first, as `ledger export` does, when this process may
 * sign (the key is readable); otherwise the export ends at the newest
 * signed head. */
static void seal_first(struct store *s, const struct web_service *svc)
{
	struct ledger_seal_result sr;

	if (access(svc->lcfg.key_path, R_OK) == 0)
		(void)ledger_seal_now(s, &svc->lcfg, &sr, NULL);
}

enum sg_code web_action_ledger_export(struct store *s, const struct web_site *site,
                                      long long from_ms, long long to_ms, const char *user,
                                      struct dynbuf *zip, struct web_ledger_export *out,
                                      struct sg_error *err)
{
	const struct web_service *svc = NULL;
	const char *tmp = getenv("TMPDIR");
	struct ledger_export_result res;
	char *dir, *exp = NULL, *zpath = NULL, folder[48];
	struct stat st;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < site->n && !svc; i++)
		if (site->svc[i].has_pub)
			svc = &site->svc[i];
	if (!svc)
		return sg_error_set(err, SG_ERR_NOT_FOUND, "%s",
		                    ETR(err, "台帳の公開鍵 (KEY.pub) がないため書き出せません",
		                        "there is no ledger public key (KEY.pub) to export with"));
	dir = xstrfmt("%s/saasguard-export-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir)) { /* mode 0700 */
		rc = sg_error_set(err, SG_ERR_IO, "%s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	seal_first(s, svc);
	exp = xstrfmt("%s/export", dir);
	if ((rc = ledger_export(s, &svc->pub, svc->lcfg.tsa_ca_file, from_ms, to_ms, exp, &res,
	                        err)))
		goto out;
	snprintf(folder, sizeof(folder), "ledger-export-%lld-%lld", res.first_seq,
	         res.end_seq > res.first_seq ? res.end_seq - 1 : res.first_seq);
	snprintf(out->name, sizeof(out->name), "%s.zip", folder);
	zpath = xstrfmt("%s/%s", dir, out->name);
	if ((rc = zip_dir(exp, folder, zpath, (size_t)WEB_LEDGER_EXPORT_MAX * 8, err)))
		goto out;
	if (stat(zpath, &st) == 0 && st.st_size > (off_t)WEB_LEDGER_EXPORT_MAX) {
		rc = too_large(err, WEB_LEDGER_EXPORT_MAX);
		goto out;
	}
	if ((rc = fileio_read(zpath, WEB_LEDGER_EXPORT_MAX, zip, err)))
		goto out;
	{
		unsigned char h[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(h, (const unsigned char *)dynbuf_ptr(zip), dynbuf_len(zip));
		sodium_bin2hex(out->sha256, sizeof(out->sha256), h, sizeof(h));
	}
	out->first_seq = res.first_seq;
	out->end_seq = res.end_seq;
	out->tree_size = res.tree_size;
	out->timestamped = res.timestamped;
	if ((rc = store_begin(s, err)) ||
	    (rc = ledger_events_ledger_exported(s, from_ms, to_ms, res.first_seq, res.end_seq,
	                                        res.tree_size, res.timestamped, out->sha256,
	                                        (long long)dynbuf_len(zip), user, err)) ||
	    (rc = store_commit(s, err)))
		store_rollback(s);
out:
	if (rc)
		dynbuf_reset(zip);
	remove_tree(dir, 1);
	free(zpath);
	free(exp);
	free(dir);
	return rc;
}
