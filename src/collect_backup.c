/*
 * collect_backup - the backup collector [III.2.3.1.a, III.2.3.1.b,
 * III.2.3.2.a]: how often backups are taken (the largest gap between recent
 * backups, counting the time since the newest), how many generations are
 * kept, and whether every backup has been verified.
 *
 * Targets are restic repositories (`restic snapshots --json`, the password
 * from a file of mode 0600 passed as RESTIC_PASSWORD_FILE, never on the
 * command line) or directories of backup files matched by a pattern (a
 * file's modification time is its backup time).
 *
 * Verification, recorded per backup as a measurement of III.2.3.2.a whose
 * subject is "TARGET#BACKUP": for restic, a sample of the snapshot's files
 * is restored into a temporary directory and each file's size is compared
 * with the snapshot's record (and its SHA-256 with the live file when that
 * is unchanged), and `restic check --read-data-subset` reads part of the
 * pack data; for files, the SHA-256 is compared with a FILE.sha256 beside it
 * (sha256sum format) or, for .gz files without one, the whole stream is
 * decompressed (gzip's CRC). A backup counts as verified once one such
 * check passed; the target's III.2.3.2.a value is every_backup when every
 * backup in the window is verified, false otherwise.
 *
 * Configuration: `backup: {restic_repo: DIR, password_file: FILE}` or
 * `backup: {directory: DIR, pattern: "*.tar.gz"}`, or a list of such
 * targets; each may add window (30d), verify (true), sample_files (3),
 * read_data_subset ("10%"), max_verify (5 per run), restic (program).
 */
#include <dirent.h>
#include <fnmatch.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "collect.h"
#include "fileio.h"
#include "subproc.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct backup_target {
	char *restic_repo, *password_file, *directory, *pattern, *restic, *read_data_subset;
	double window;
	int verify;
	long long sample_files, max_verify;
};

struct backup_cfg {
	struct backup_target *v;
	size_t n;
};

static enum sg_code parse_target(const struct ydoc *doc, const struct ydoc_node *n,
                                 struct backup_target *t, struct sg_error *err)
{
	static const char *const keys[] = {
	    "restic_repo",  "password_file",    "directory",  "pattern", "window", "verify",
	    "sample_files", "read_data_subset", "max_verify", "restic",  NULL};
	const struct ydoc_node *k;
	enum sg_code rc;

	t->window = 30 * 86400.0;
	t->verify = 1;
	t->sample_files = 3;
	t->max_verify = 5;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.backup", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.backup", err)) ||
	    (rc = collect_cfg_str(doc, n, "restic_repo", "restic_repo", &t->restic_repo, err)) ||
	    (rc = collect_cfg_str(doc, n, "password_file", "password_file", &t->password_file,
	                          err)) ||
	    (rc = collect_cfg_str(doc, n, "directory", "directory", &t->directory, err)) ||
	    (rc = collect_cfg_str(doc, n, "pattern", "pattern", &t->pattern, err)) ||
	    (rc = collect_cfg_str(doc, n, "restic", "restic", &t->restic, err)) ||
	    (rc = collect_cfg_str(doc, n, "read_data_subset", "read_data_subset",
	                          &t->read_data_subset, err)) ||
	    (rc = collect_cfg_duration(doc, n, "window", "window", &t->window, err)))
		return rc;
	if ((k = ydoc_get(n, "verify")) && (rc = ydoc_bool(doc, k, "verify", &t->verify, err)))
		return rc;
	if ((k = ydoc_get(n, "sample_files")) &&
	    (rc = ydoc_int(doc, k, "sample_files", 0, 100, &t->sample_files, err)))
		return rc;
	if ((k = ydoc_get(n, "max_verify")) &&
	    (rc = ydoc_int(doc, k, "max_verify", 1, 1000, &t->max_verify, err)))
		return rc;
	if (!!t->restic_repo == !!t->directory) {
		rc = ydoc_error(doc, n, err, "%s",
		                ETR(err,
		                    "バックアップ先には restic_repo か directory のどちらか一方を"
		                    "書きます",
		                    "a backup target has either restic_repo or directory"));
		sg_error_hint(
		    err, "%s",
		    "{restic_repo: /srv/restic, password_file: /etc/saasguard/restic.pass}");
		return rc;
	}
	if (t->restic_repo && !t->password_file)
		return ydoc_missing(doc, n, "password_file", "collectors.backup", err);
	if (t->read_data_subset) {
		const char *s = t->read_data_subset;
		size_t d = strspn(s, "0123456789.");
		int ok = d && ((s[d] == '%' && !s[d + 1]) ||
		               (s[d] == '/' && strspn(s + d + 1, "0123456789") &&
		                !s[d + 1 + strspn(s + d + 1, "0123456789")]));
		if (!ok)
			return ydoc_error(doc, ydoc_get(n, "read_data_subset"), err, "%s",
			                  ETR(err, "read_data_subset は 10% や 1/5 の形で書きます",
			                      "write read_data_subset as 10% or 1/5"));
	}
	return SG_OK;
}

static void backup_free(void *p)
{
	struct backup_cfg *c = p;
	for (size_t i = 0; i < c->n; i++) {
		struct backup_target *t = &c->v[i];
		free(t->restic_repo);
		free(t->password_file);
		free(t->directory);
		free(t->pattern);
		free(t->restic);
		free(t->read_data_subset);
	}
	free(c->v);
	free(c);
}

static enum sg_code backup_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                                 struct sg_error *err)
{
	struct backup_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc = SG_OK;
	size_t count;

	*out = c;
	if (!n)
		return SG_OK;
	count = n->type == YDOC_SEQ ? n->nitems : 1;
	c->v = xcalloc(count, sizeof(*c->v));
	for (size_t i = 0; i < count && !rc; i++) {
		rc = parse_target(doc, n->type == YDOC_SEQ ? n->items[i] : n, &c->v[i], err);
		c->n++;
	}
	return rc;
}

struct snap {
	char *id;
	double t;
};

static int snap_cmp(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs restic with the repository and password file; 0 when it exited 0. */
static int restic(const struct backup_target *t, const struct collect_ctx *ctx,
                  const char *const *args, struct subproc_result *r, struct dynbuf *why)
{
	const char *argv[64];
	char *repo_env = xstrfmt("RESTIC_REPOSITORY=%s", t->restic_repo);
	char *pw_env = xstrfmt("RESTIC_PASSWORD_FILE=%s", t->password_file);
	const char *env[] = {repo_env, pw_env, "RESTIC_PROGRESS_FPS=0", NULL};
	struct subproc_opts o = {ctx->timeout_s, 64u << 20, env};
	struct sg_error e;
	size_t n = 0;
	int ok = -1;

	memset(&e, 0, sizeof(e));
	e.lang = ctx->lang;
	argv[n++] = t->restic ? t->restic : "restic";
	argv[n++] = "--no-cache";
	argv[n++] = "--quiet";
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (subproc_run(argv, &o, r, &e)) {
		dynbuf_addstr(why, e.msg);
		ok = e.code == SG_ERR_NOT_FOUND ? -2 : -1;
	} else if (!r->exited || r->status) {
		const char *msg = dynbuf_ptr(&r->err);
		dynbuf_printf(why, "restic %s: %s%.300s", args[0], r->timed_out ? "timed out " : "",
		              msg);
		while (why->len && (why->buf[why->len - 1] == '\n'))
			dynbuf_setlen(why, why->len - 1);
	} else {
		ok = 0;
	}
	free(repo_env);
	free(pw_env);
	return ok;
}

/* Restores a sample of snapshot id's files and compares them. 0 verified. */
static int verify_restic_snapshot(const struct backup_target *t, const struct collect_ctx *ctx,
                                  const char *id, struct dynbuf *ev)
{
	const char *ls_args[] = {"ls", "--json", id, NULL};
	struct subproc_result r;
	struct dynbuf why = DYNBUF_INIT;
	char **paths = NULL;
	long long *sizes = NULL;
	size_t npaths = 0, nfiles = 0;
	const char *line;
	char tmpl[] = "/tmp/saasguard-restore-XXXXXX";
	int rc = -1;

	if (restic(t, ctx, ls_args, &r, &why)) {
		dynbuf_addstr(ev, dynbuf_ptr(&why));
		goto out;
	}
	/* pick up to sample_files regular files, spread over the listing */
	for (line = dynbuf_ptr(&r.out); *line; line += strcspn(line, "\n"), line += *line ? 1 : 0) {
		json_t *o = json_loadb(line, strcspn(line, "\n"), 0, NULL);
		const char *type = json_string_value(json_object_get(o, "type"));
		if (type && !strcmp(type, "file"))
			nfiles++;
		json_decref(o);
	}
	if (!nfiles || !t->sample_files) {
		dynbuf_addstr(ev, nfiles ? "no sample requested" : "snapshot has no files");
		rc = nfiles ? 0 : -1;
		goto out;
	}
	{
		size_t step = nfiles / (size_t)t->sample_files, k = 0;
		if (!step)
			step = 1;
		for (line = dynbuf_ptr(&r.out); *line;
		     line += strcspn(line, "\n"), line += *line ? 1 : 0) {
			json_t *o = json_loadb(line, strcspn(line, "\n"), 0, NULL);
			const char *type = json_string_value(json_object_get(o, "type"));
			const char *path = json_string_value(json_object_get(o, "path"));
			if (type && path && !strcmp(type, "file")) {
				if (k % step == 0 && npaths < (size_t)t->sample_files) {
					paths = xreallocarray(paths, npaths + 1, sizeof(*paths));
					sizes = xreallocarray(sizes, npaths + 1, sizeof(*sizes));
					paths[npaths] = xstrdup(path);
					sizes[npaths] =
					    json_integer_value(json_object_get(o, "size"));
					npaths++;
				}
				k++;
			}
			json_decref(o);
		}
	}
	if (!mkdtemp(tmpl)) {
		dynbuf_addstr(ev, "cannot create a temporary directory");
		goto out;
	}
	{
		const char *args[48];
		size_t n = 0;
		subproc_result_release(&r);
		args[n++] = "restore";
		args[n++] = id;
		args[n++] = "--target";
		args[n++] = tmpl;
		for (size_t i = 0; i < npaths && n < 44; i++) {
			args[n++] = "--include";
			args[n++] = paths[i];
		}
		args[n] = NULL;
		dynbuf_reset(&why);
		if (restic(t, ctx, args, &r, &why)) {
			dynbuf_printf(ev, "restore failed: %s", dynbuf_ptr(&why));
			rm_tree(tmpl);
			goto out;
		}
	}
	rc = 0;
	for (size_t i = 0; i < npaths; i++) {
		char *restored = xstrfmt("%s%s", tmpl, paths[i]);
		struct stat rs, ls;
		char sha[65] = "", live_sha[65] = "";
		if (stat(restored, &rs) || rs.st_size != sizes[i]) {
			dynbuf_printf(ev, "%s%s: restored size differs (%lld, recorded %lld)",
			              ev->len ? "; " : "", paths[i],
			              stat(restored, &rs) ? -1LL : (long long)rs.st_size, sizes[i]);
			rc = -1;
		} else if (fileio_sha256_hex(restored, sha, NULL)) {
			dynbuf_printf(ev, "%s%s: cannot read the restored file",
			              ev->len ? "; " : "", paths[i]);
			rc = -1;
		} else if (!stat(paths[i], &ls) && ls.st_size == rs.st_size &&
		           ls.st_mtime == rs.st_mtime &&
		           !fileio_sha256_hex(paths[i], live_sha, NULL) && strcmp(sha, live_sha)) {
			dynbuf_printf(ev, "%s%s: SHA-256 differs from the unchanged live file",
			              ev->len ? "; " : "", paths[i]);
			rc = -1;
		} else {
			dynbuf_printf(ev, "%s%s %lld bytes sha256 %.16s…%s", ev->len ? "; " : "",
			              paths[i], (long long)rs.st_size, sha,
			              live_sha[0] ? " (= live file)" : "");
		}
		free(restored);
	}
	rm_tree(tmpl);
out:
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(sizes);
	dynbuf_release(&why);
	subproc_result_release(&r);
	return rc;
}

static int verify_file(const char *path, struct dynbuf *ev)
{
	char *side = xstrfmt("%s.sha256", path);
	struct dynbuf b = DYNBUF_INIT;
	char sha[65];
	int rc = -1;
	size_t l = strlen(path);

	if (fileio_sha256_hex(path, sha, NULL)) {
		dynbuf_addstr(ev, "cannot read the backup file");
	} else if (!fileio_read(side, 4096, &b, NULL)) {
		if (b.len >= 64 && !strncmp(dynbuf_ptr(&b), sha, 64)) {
			dynbuf_printf(ev, "sha256 %.16s… matches %s.sha256", sha,
			              strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
			rc = 0;
		} else {
			dynbuf_printf(ev, "sha256 %.16s… does not match the .sha256 file", sha);
		}
	} else if (l > 3 && !strcmp(path + l - 3, ".gz")) {
		int fd = fileio_open_regular(path, 0, NULL);
		gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		char buf[65536];
		int n = 0;
		long long total = 0;
		while (gz && (n = gzread(gz, buf, sizeof(buf))) > 0)
			total += n;
		int closed = gz ? gzclose(gz) : Z_ERRNO;
		if (!gz && fd >= 0)
			close(fd);
		if (gz && n == 0 && closed == Z_OK) {
			dynbuf_printf(ev, "gzip stream intact (%lld bytes), sha256 %.16s…", total,
			              sha);
			rc = 0;
		} else {
			dynbuf_addstr(ev, "gzip stream is corrupt");
		}
	} else {
		dynbuf_addstr(ev, "no FILE.sha256 beside it and not a .gz: cannot verify");
	}
	dynbuf_release(&b);
	free(side);
	return rc;
}

/* The results common to both kinds once the backups' times are known. */
static enum sg_code judge_backups(const struct backup_target *t, const char *subject,
                                  struct snap *s, size_t n, const struct collect_ctx *ctx,
                                  struct collect_results *out, const char *evidence)
{
	double gap = 0, newest = n ? s[n - 1].t : 0;
	char num[32], *val;

	qsort(s, n, sizeof(*s), snap_cmp);
	newest = n ? s[n - 1].t : 0;
	if (!n) {
		collect_add(out, "backup", "III.2.3.1.a", subject, MEASUREMENT_FINDING, NULL, NAN,
		            NULL, evidence,
		            ctx->lang ? "no backups found" : "バックアップがありません");
		collect_add(out, "backup", "III.2.3.1.b", subject, MEASUREMENT_FINDING, "0", 0,
		            "count", evidence, NULL);
		return SG_OK;
	}
	gap = ctx->now - newest;
	for (size_t i = 1; i < n; i++)
		if (s[i].t >= ctx->now - t->window && s[i].t - s[i - 1].t > gap)
			gap = s[i].t - s[i - 1].t;
	val = collect_duration_text(gap, 1);
	collect_add(out, "backup", "III.2.3.1.a", subject, MEASUREMENT_OK, val, gap, "s", evidence,
	            NULL);
	free(val);
	snprintf(num, sizeof(num), "%zu", n);
	collect_add(out, "backup", "III.2.3.1.b", subject, MEASUREMENT_OK, num, (double)n, "count",
	            evidence, NULL);
	return SG_OK;
}

/* Verifies up to max_verify unverified backups in the window (newest
 * first) and records the target's every_backup verdict. verify_one returns 0
 * when the backup checks out. */
static enum sg_code verify_all(const struct backup_target *t, const char *subject, struct snap *s,
                               size_t n, const struct collect_ctx *ctx, struct collect_results *out,
                               int (*verify_one)(const struct backup_target *,
                                                 const struct collect_ctx *, const char *,
                                                 struct dynbuf *),
                               int check_failed, const char *check_ev, struct sg_error *err)
{
	size_t verified = 0, unverified = 0, failed = 0, done = 0;
	struct dynbuf why = DYNBUF_INIT;

	for (size_t i = n; i-- > 0;) {
		char *subj;
		int found = 0;
		enum sg_code rc;
		if (s[i].t < ctx->now - t->window)
			break;
		subj = xstrfmt("%s#%s", subject, s[i].id);
		if (ctx->store && (rc = store_collect_has_ok(ctx->store, "backup", "III.2.3.2.a",
		                                             subj, &found, err))) {
			free(subj);
			dynbuf_release(&why);
			return rc;
		}
		if (found && !check_failed) {
			verified++;
		} else if (done < (size_t)t->max_verify) {
			struct dynbuf ev = DYNBUF_INIT;
			int bad = verify_one(t, ctx, s[i].id, &ev) || check_failed;
			done++;
			if (check_failed)
				dynbuf_printf(&ev, "%s%s", ev.len ? "; " : "", check_ev);
			collect_add(out, "backup", "III.2.3.2.a", subj,
			            bad ? MEASUREMENT_FINDING : MEASUREMENT_OK, NULL, NAN, NULL,
			            dynbuf_ptr(&ev),
			            bad ? (ctx->lang ? "verification failed" : "検証に失敗しました")
			                : NULL);
			if (bad) {
				failed++;
				if (why.len < 300)
					dynbuf_printf(&why, "%s%s", why.len ? ", " : "", s[i].id);
			} else {
				verified++;
			}
			dynbuf_release(&ev);
		} else {
			unverified++;
		}
		free(subj);
	}
	{
		char *ev =
		    xstrfmt("%zu verified, %zu failed, %zu not yet verified in the window; %s",
		            verified, failed, unverified, check_ev ? check_ev : "");
		char *d = NULL;
		if (failed)
			d = xstrfmt(ctx->lang ? "verification failed: %s" : "検証に失敗: %s",
			            dynbuf_ptr(&why));
		else if (unverified || !verified)
			d = xstrfmt("%s", ctx->lang ? "not every backup has been verified"
			                            : "検証されていないバックアップがあります");
		collect_add(out, "backup", "III.2.3.2.a", subject,
		            d ? MEASUREMENT_FINDING : MEASUREMENT_OK, d ? "false" : "every_backup",
		            NAN, NULL, ev, d);
		free(d);
		free(ev);
	}
	dynbuf_release(&why);
	return SG_OK;
}

static int verify_file_cb(const struct backup_target *t, const struct collect_ctx *ctx,
                          const char *id, struct dynbuf *ev)
{
	char *path = xstrfmt("%s/%s", t->directory, id);
	int rc;
	(void)ctx;
	rc = verify_file(path, ev);
	free(path);
	return rc;
}

static enum sg_code run_restic(const struct backup_target *t, const struct collect_ctx *ctx,
                               struct collect_results *out, struct sg_error *err)
{
	const char *snap_args[] = {"snapshots", "--json", NULL};
	struct subproc_result r;
	struct dynbuf why = DYNBUF_INIT, ev = DYNBUF_INIT;
	struct stat st;
	struct snap *s = NULL;
	size_t n = 0;
	json_t *arr = NULL, *o;
	size_t i;
	int rv, check_failed = 0;
	char *check_ev = NULL;
	enum sg_code rc = SG_OK;

	memset(&r, 0, sizeof(r));
	if (stat(t->password_file, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		collect_add(out, "backup", "III.2.3.1.a", t->restic_repo, MEASUREMENT_ERROR, NULL,
		            NAN, NULL, NULL,
		            ctx->lang
		                ? "the restic password file must exist with mode 0600"
		                : "restic のパスワードファイルはモード 0600 で置いてください");
		return SG_OK;
	}
	rv = restic(t, ctx, snap_args, &r, &why);
	if (rv) {
		collect_add(out, "backup", "III.2.3.1.a", t->restic_repo,
		            rv == -2 ? MEASUREMENT_UNAVAILABLE : MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL, dynbuf_ptr(&why));
		goto out;
	}
	arr = json_loads(dynbuf_ptr(&r.out), 0, NULL);
	json_array_foreach(arr, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "short_id"));
		const char *time = json_string_value(json_object_get(o, "time"));
		double tt;
		if (!id || !time || timeutil_parse_prefix(time, NULL, &tt, NULL))
			continue;
		s = xreallocarray(s, n + 1, sizeof(*s));
		s[n].id = xstrdup(id);
		s[n].t = tt;
		n++;
	}
	dynbuf_printf(&ev, "restic snapshots: %zu", n);
	if (n) {
		char first[32], last[32];
		qsort(s, n, sizeof(*s), snap_cmp);
		timeutil_utc((long long)s[0].t, first);
		timeutil_utc((long long)s[n - 1].t, last);
		dynbuf_printf(&ev, ", oldest %s, newest %s", first, last);
	}
	judge_backups(t, t->restic_repo, s, n, ctx, out, dynbuf_ptr(&ev));
	if (t->verify && n) {
		const char *subset = t->read_data_subset ? t->read_data_subset : "10%";
		char *arg = xstrfmt("--read-data-subset=%s", subset);
		const char *check_args[] = {"check", arg, NULL};
		subproc_result_release(&r);
		dynbuf_reset(&why);
		if (restic(t, ctx, check_args, &r, &why)) {
			check_failed = 1;
			check_ev = xstrfmt("restic check %s failed: %s", arg, dynbuf_ptr(&why));
		} else {
			check_ev = xstrfmt("restic check %s: no errors", arg);
		}
		free(arg);
		rc = verify_all(t, t->restic_repo, s, n, ctx, out, verify_restic_snapshot,
		                check_failed, check_ev, err);
	}
out:
	free(check_ev);
	json_decref(arr);
	for (size_t k = 0; k < n; k++)
		free(s[k].id);
	free(s);
	dynbuf_release(&why);
	dynbuf_release(&ev);
	subproc_result_release(&r);
	return rc;
}

static enum sg_code run_directory(const struct backup_target *t, const struct collect_ctx *ctx,
                                  struct collect_results *out, struct sg_error *err)
{
	const char *pattern = t->pattern ? t->pattern : "*";
	DIR *d = opendir(t->directory);
	struct dirent *de;
	struct snap *s = NULL;
	size_t n = 0;
	char *ev;
	enum sg_code rc = SG_OK;

	if (!d) {
		collect_add(out, "backup", "III.2.3.1.a", t->directory, MEASUREMENT_ERROR, NULL,
		            NAN, NULL, NULL,
		            ctx->lang ? "cannot open the backup directory"
		                      : "バックアップのディレクトリを開けません");
		return SG_OK;
	}
	while ((de = readdir(d))) {
		char *path;
		struct stat st;
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || fnmatch(pattern, de->d_name, 0) ||
		    (l > 7 && !strcmp(de->d_name + l - 7, ".sha256")))
			continue;
		path = xstrfmt("%s/%s", t->directory, de->d_name);
		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			s = xreallocarray(s, n + 1, sizeof(*s));
			s[n].id = xstrdup(de->d_name);
			s[n].t = (double)st.st_mtime;
			n++;
		}
		free(path);
	}
	closedir(d);
	ev = xstrfmt("%zu file(s) matching %s", n, pattern);
	judge_backups(t, t->directory, s, n, ctx, out, ev);
	if (t->verify && n)
		rc = verify_all(t, t->directory, s, n, ctx, out, verify_file_cb, 0, NULL, err);
	free(ev);
	for (size_t k = 0; k < n; k++)
		free(s[k].id);
	free(s);
	return rc;
}

static enum sg_code backup_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                               struct sg_error *err)
{
	struct backup_cfg *c = p;
	enum sg_code rc = SG_OK;

	if (!c->n)
		collect_add(out, "backup", "III.2.3.1.a", NULL, MEASUREMENT_UNAVAILABLE, NULL, NAN,
		            NULL, NULL,
		            ctx->lang ? "no backup target configured (collectors.backup)"
		                      : "バックアップ先が設定されていません（collectors.backup）");
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = c->v[i].restic_repo ? run_restic(&c->v[i], ctx, out, err)
		                         : run_directory(&c->v[i], ctx, out, err);
	return rc;
}

const struct collector collector_backup = {
    "backup", "III.2.3.1.a, III.2.3.1.b, III.2.3.2.a", backup_parse, backup_run, backup_free,
};
