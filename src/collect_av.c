/*
 * collect_av - the antivirus collector [III.2.2.1.a, III.5.2.1.a]: how old
 * the pattern files are. For ClamAV the build time is read from the 512-byte
 * header of each .cvd/.cld database ("ClamAV-VDB:build time:version:sigs:
 * level:md5:dsig:builder:stime"); for another product a configured file's
 * modification time stands in. ClamAV not installed is a finding: the
 * guideline asks for malware protection on every server.
 *
 * Configuration: `antivirus: {database_dir: /var/lib/clamav}` or
 * `antivirus: {path: /opt/av/pattern.dat}`.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "collect.h"
#include "fileio.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct av_cfg {
	char *database_dir;
	char *path;
};

static enum sg_code av_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                             struct sg_error *err)
{
	static const char *const keys[] = {"database_dir", "path", NULL};
	struct av_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc = SG_OK;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.antivirus", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.antivirus", err)) ||
	    (rc = collect_cfg_str(doc, n, "database_dir", "collectors.antivirus.database_dir",
	                          &c->database_dir, err)) ||
	    (rc = collect_cfg_str(doc, n, "path", "collectors.antivirus.path", &c->path, err)))
		return rc;
	return SG_OK;
}

static void av_free(void *p)
{
	struct av_cfg *c = p;
	free(c->database_dir);
	free(c->path);
	free(c);
}

static const char *month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "14 Mar 2024 08-24 -0400" -> epoch seconds, or NAN (no value). */
static double parse_build_time(const char *s)
{
	int day, year, hh, mm, zone, mon = -1;
	char mname[4], sign;

	if (sscanf(s, "%d %3s %d %d-%d %c%4d", &day, mname, &year, &hh, &mm, &sign, &zone) != 7)
		return NAN;
	for (int i = 0; i < 12; i++)
		if (!strcmp(mname, month_names[i]))
			mon = i;
	if (mon < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || (sign != '+' && sign != '-'))
		return NAN;
	return (double)timeutil_civil(year, mon + 1, day, hh, mm, 0,
	                              (sign == '-' ? -1 : 1) *
	                                  ((zone / 100) * 3600 + (zone % 100) * 60));
}

/* Reads the header of a .cvd/.cld; returns the build time or NAN. */
static double cvd_build_time(const char *path, char *version, size_t vsz)
{
	struct dynbuf b = DYNBUF_INIT;
	char hdr[513], *f[10];
	size_t nf = 0;
	double t = NAN;
	int fd = fileio_open_regular(path, 0, NULL); /* a FIFO named *.cvd must not block */
	FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
	size_t n;

	if (!fp) {
		if (fd >= 0)
			close(fd);
		return NAN;
	}
	n = fread(hdr, 1, 512, fp);
	fclose(fp);
	dynbuf_release(&b);
	if (n < 12 || memcmp(hdr, "ClamAV-VDB:", 11))
		return NAN;
	hdr[n] = '\0';
	while (n > 0 && (hdr[n - 1] == ' ' || hdr[n - 1] == '\0'))
		hdr[--n] = '\0';
	for (char *p = hdr; p && nf < 10;) {
		f[nf++] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
	}
	if (nf >= 3)
		snprintf(version, vsz, "%s", f[2]);
	if (nf >= 9) {
		char *end;
		double st = strtod(f[8], &end);
		if (end != f[8] && st > 0)
			t = st;
	}
	if (isnan(t) && nf >= 2)
		t = parse_build_time(f[1]);
	return t;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static void add_both(struct collect_results *out, const char *subject, enum measurement_status st,
                     const char *value, double num, const char *evidence, const char *detail)
{
	collect_add(out, "antivirus", "III.2.2.1.a", subject, st, value, num, value ? "s" : NULL,
	            evidence, detail);
	collect_add(out, "antivirus", "III.5.2.1.a", subject, st, value, num, value ? "s" : NULL,
	            evidence, detail);
}

static enum sg_code av_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                           struct sg_error *err)
{
	struct av_cfg *c = p;
	struct dynbuf ev = DYNBUF_INIT;
	double newest = NAN; /* no value yet */
	char *dir;
	DIR *d;
	struct dirent *de;

	(void)err;
	if (c->path) {
		struct stat st;
		char *age;
		if (stat(c->path, &st)) {
			add_both(out, c->path, MEASUREMENT_FINDING, NULL, NAN, NULL,
			         ctx->lang ? "the configured pattern file does not exist"
			                   : "設定されたパターンファイルがありません");
			return SG_OK;
		}
		age = collect_duration_text(ctx->now - (double)st.st_mtime, 1);
		dynbuf_printf(&ev, "%s mtime %lld", c->path, (long long)st.st_mtime);
		add_both(out, c->path, MEASUREMENT_OK, age, ctx->now - (double)st.st_mtime,
		         dynbuf_ptr(&ev), NULL);
		free(age);
		dynbuf_release(&ev);
		return SG_OK;
	}
	dir = c->database_dir ? xstrdup(c->database_dir) : collect_path(ctx, "/var/lib/clamav");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char version[32] = "", *path;
		double t;
		if (!has_suffix(de->d_name, ".cvd") && !has_suffix(de->d_name, ".cld"))
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		t = cvd_build_time(path, version, sizeof(version));
		free(path);
		if (isnan(t)) {
			dynbuf_printf(&ev, "%s%s: no ClamAV header", ev.len ? "; " : "",
			              de->d_name);
			continue;
		}
		char when[32];
		timeutil_utc((long long)t, when);
		dynbuf_printf(&ev, "%s%s: version %s built %s", ev.len ? "; " : "", de->d_name,
		              version, when);
		if (isnan(newest) || t > newest)
			newest = t;
	}
	if (d)
		closedir(d);
	if (isnan(newest)) {
		add_both(out, dir, MEASUREMENT_FINDING, NULL, NAN, ev.len ? dynbuf_ptr(&ev) : NULL,
		         ctx->lang
		             ? "ClamAV is not installed (no .cvd/.cld signature database)"
		             : "ClamAV がインストールされていません（.cvd/.cld の定義ファイルが"
		               "ありません）");
	} else {
		char *age = collect_duration_text(ctx->now - newest, 1);
		add_both(out, dir, MEASUREMENT_OK, age, ctx->now - newest, dynbuf_ptr(&ev), NULL);
		free(age);
	}
	dynbuf_release(&ev);
	free(dir);
	return SG_OK;
}

const struct collector collector_antivirus = {
    "antivirus", "III.2.2.1.a, III.5.2.1.a", av_parse, av_run, av_free,
};
