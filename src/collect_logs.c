/*
 * collect_logs - the log retention collector [III.2.1.3.a, III.2.1.3.b]:
 * for each configured log source, how old its oldest retained entry is.
 *
 * A file source is a glob (/var/log/nginx/access.log*) that takes in the
 * rotations, compressed ones (.gz) through zlib's gzread. The oldest entry
 * is the earliest timestamp among the first lines of the matched files, in
 * the formats Debian's logs use: RFC 3339 (rsyslog, journald exports),
 * Common Log Format "[14/Mar/2026:10:00:00 +0900]" (nginx, apache) and
 * traditional syslog "Mar 14 10:00:00" (year taken from the file's
 * modification time). A file whose first line has no timestamp counts from
 * its modification time (a lower bound). The systemd journal is read through
 * sd-journal (the first entry's realtime timestamp) when saasguard was built
 * with libsystemd; otherwise it is unavailable.
 *
 * Configuration: `logs: [{path: GLOB, item: III.2.1.3.a}, {journal: true,
 * item: III.2.1.3.b}, {journal: DIR, item: ...}]`.
 */
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#ifdef HAVE_SD_JOURNAL
#include <systemd/sd-journal.h>
#endif

#include "collect.h"
#include "fileio.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct log_source {
	char *path;    /* a glob, or NULL for the journal */
	char *journal; /* "" for the system journal, a directory otherwise */
	char item[16];
	int is_default; /* from the defaults: skipped quietly when absent */
};

struct logs_cfg {
	struct log_source *v;
	size_t n;
};

static void add_source(struct logs_cfg *c, const char *path, const char *journal, const char *item,
                       int is_default)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n].path = path ? xstrdup(path) : NULL;
	c->v[c->n].journal = journal ? xstrdup(journal) : NULL;
	snprintf(c->v[c->n].item, sizeof(c->v[c->n].item), "%s", item);
	c->v[c->n].is_default = is_default;
	c->n++;
}

static enum sg_code logs_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                               struct sg_error *err)
{
	static const char *const keys[] = {"path", "journal", "item", NULL};
	struct logs_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n) {
		add_source(c, NULL, "", "III.2.1.3.b", 1);
		add_source(c, "/var/log/auth.log*", NULL, "III.2.1.3.b", 1);
		add_source(c, "/var/log/syslog*", NULL, "III.2.1.3.b", 1);
		add_source(c, "/var/log/nginx/access.log*", NULL, "III.2.1.3.a", 1);
		add_source(c, "/var/log/apache2/access.log*", NULL, "III.2.1.3.a", 1);
		return SG_OK;
	}
	if ((rc = ydoc_want(doc, n, YDOC_SEQ, "collectors.logs", err)))
		return rc;
	for (size_t i = 0; i < n->nitems; i++) {
		const struct ydoc_node *s = n->items[i], *k;
		const char *path = NULL, *item = NULL, *journal = NULL;
		int jflag = 0;
		if ((rc = ydoc_want(doc, s, YDOC_MAP, "collectors.logs[]", err)) ||
		    (rc = ydoc_check_keys(doc, s, keys, "collectors.logs[]", err)))
			return rc;
		if ((k = ydoc_get(s, "path")) && (rc = ydoc_str(doc, k, "path", &path, err)))
			return rc;
		if ((k = ydoc_get(s, "journal"))) {
			if (k->type == YDOC_SCALAR && k->plain &&
			    (!strcmp(k->scalar, "true") || !strcmp(k->scalar, "false"))) {
				if ((rc = ydoc_bool(doc, k, "journal", &jflag, err)))
					return rc;
				journal = jflag ? "" : NULL;
			} else if ((rc = ydoc_str(doc, k, "journal", &journal, err))) {
				return rc;
			}
		}
		if (!!path == !!(journal || ydoc_get(s, "journal"))) {
			rc = ydoc_error(doc, s, err, "%s",
			                ETR(err,
			                    "ログ源には path か journal のどちらか一方を書きます",
			                    "a log source has either path or journal"));
			sg_error_hint(err, "%s",
			              "{path: /var/log/nginx/access.log*, item: III.2.1.3.a}");
			return rc;
		}
		if (!(k = ydoc_get(s, "item")))
			return ydoc_missing(doc, s, "item", "collectors.logs[]", err);
		if ((rc = ydoc_str(doc, k, "item", &item, err)))
			return rc;
		if (strcmp(item, "III.2.1.3.a") && strcmp(item, "III.2.1.3.b")) {
			rc = ydoc_error(doc, k, err,
			                ETR(err, "item '%s' はログ保存の評価項目ではありません",
			                    "item '%s' is not a log retention item"),
			                item);
			sg_error_hint(
			    err, "%s",
			    ETR(err,
			        "利用記録は III.2.1.3.a、例外・セキュリティ事象の記録は "
			        "III.2.1.3.b",
			        "III.2.1.3.a for usage records, III.2.1.3.b for exception "
			        "and security event records"));
			return rc;
		}
		if (path || journal)
			add_source(c, path, journal, item, 0);
	}
	return SG_OK;
}

static void logs_free(void *p)
{
	struct logs_cfg *c = p;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].journal);
	}
	free(c->v);
	free(c);
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int month_of(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (!strncmp(s, months[i], 3))
			return i;
	return -1;
}

/* The timestamp at the start of a log line (or in its [CLF] field) into *t;
 * -1 if none. mtime supplies the year of a traditional syslog stamp, which
 * is in the host's zone. */
static int line_time(const char *line, double mtime, double *t)
{
	const char *br;
	int y, d, h, mi, s, mon;
	char name[4];

	/* RFC 3339: 2026-03-14T10:00:00[.frac](Z|+09:00) */
	if (line[0] >= '0' && line[0] <= '9' && !timeutil_parse_prefix(line, NULL, t, NULL))
		return 0;
	/* CLF: [14/Mar/2026:10:00:00 +0900] */
	if ((br = strchr(line, '[')) &&
	    sscanf(br, "[%2d/%3s/%4d:%2d:%2d:%2d", &d, name, &y, &h, &mi, &s) == 6 &&
	    (mon = month_of(name)) >= 0) {
		const char *z = strchr(br, ' ');
		int zone = 0;
		if (z)
			sscanf(z + 1, "%5d", &zone);
		*t = (double)timeutil_civil(y, mon + 1, d, h, mi, s,
		                            (zone / 100) * 3600 + (zone % 100) * 60);
		return 0;
	}
	/* syslog: Mar 14 10:00:00 (local time; year from the file) */
	if (sscanf(line, "%3s %2d %2d:%2d:%2d", name, &d, &h, &mi, &s) == 5 &&
	    (mon = month_of(name)) >= 0) {
		struct tm tm;
		timeutil_localtime((long long)mtime, TIMEUTIL_HOST_ZONE, &tm);
		tm.tm_mon = mon;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		*t = (double)timeutil_mktime(&tm, TIMEUTIL_HOST_ZONE);
		if (*t > mtime + 86400) { /* December's entries in a January file */
			tm.tm_year--;
			*t = (double)timeutil_mktime(&tm, TIMEUTIL_HOST_ZONE);
		}
		return 0;
	}
	return -1;
}

/* The first line's time of a (possibly gzip'd) file into *t; -1 when none. */
static int first_entry(const char *path, double mtime, double *t)
{
	int fd = fileio_open_regular(path, 0, NULL);    /* never block on a FIFO */
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL; /* reads plain files too */
	char line[4096];

	if (!gz) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!gzgets(gz, line, sizeof(line))) {
		gzclose(gz);
		return -1;
	}
	gzclose(gz);
	return line_time(line, mtime, t);
}

static void file_source(const struct log_source *src, const struct collect_ctx *ctx,
                        struct collect_results *out)
{
	char *pattern = collect_path(ctx, src->path);
	glob_t g;
	double oldest = NAN; /* no value yet */
	const char *oldest_file = NULL;
	int files = 0, by_mtime = 0;
	struct dynbuf ev = DYNBUF_INIT;

	if (!src->is_default) {
		free(pattern);
		pattern = xstrdup(src->path);
	}
	memset(&g, 0, sizeof(g));
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct stat st;
			double t;
			if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
				continue;
			files++;
			if (!st.st_size)
				t = NAN;
			else if (first_entry(g.gl_pathv[i], (double)st.st_mtime, &t)) {
				t = (double)st.st_mtime;
				by_mtime++;
			}
			if (!isnan(t) && (isnan(oldest) || t < oldest)) {
				oldest = t;
				oldest_file = g.gl_pathv[i];
			}
		}
	}
	if (isnan(oldest)) {
		if (!src->is_default)
			collect_add(out, "logs", src->item, src->path, MEASUREMENT_FINDING, NULL,
			            NAN, NULL, NULL,
			            ctx->lang ? "no log entries found at this path"
			                      : "このパスにログが見つかりません");
	} else {
		char when[32], *age = collect_duration_text(ctx->now - oldest, 0);
		timeutil_utc((long long)oldest, when);
		dynbuf_printf(&ev, "%d file(s); oldest entry %s in %s%s", files, when, oldest_file,
		              by_mtime ? " (some files without timestamps: modification time used)"
		                       : "");
		collect_add(out, "logs", src->item, src->path, MEASUREMENT_OK, age,
		            ctx->now - oldest, "s", dynbuf_ptr(&ev), NULL);
		free(age);
	}
	globfree(&g);
	dynbuf_release(&ev);
	free(pattern);
}

static void journal_source(const struct log_source *src, const struct collect_ctx *ctx,
                           struct collect_results *out)
{
	const char *subject = *src->journal ? src->journal : "journal";
#ifdef HAVE_SD_JOURNAL
	sd_journal *j = NULL;
	uint64_t usec = 0;
	int r;
	char when[32], *age, *ev;

	r = *src->journal ? sd_journal_open_directory(&j, src->journal, 0)
	                  : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r >= 0)
		r = sd_journal_seek_head(j);
	if (r >= 0)
		r = sd_journal_next(j);
	if (r > 0 && (r = sd_journal_get_realtime_usec(j, &usec)) == 0)
		r = 1; /* an entry and its time */
	if (j)
		sd_journal_close(j);
	if (r <= 0) {
		if (*src->journal || (r < 0 && !src->is_default))
			collect_add(out, "logs", src->item, subject,
			            r == 0 ? MEASUREMENT_FINDING : MEASUREMENT_ERROR, NULL, NAN,
			            NULL, NULL,
			            r == 0 ? (ctx->lang ? "the journal has no entries"
			                                : "ジャーナルにエントリがありません")
			                   : strerror(-r));
		else
			collect_add(out, "logs", src->item, subject, MEASUREMENT_UNAVAILABLE, NULL,
			            NAN, NULL, NULL,
			            ctx->lang ? "no systemd journal on this host (no journal files)"
			                      : "この環境には systemd ジャーナルがありません"
			                        "（ジャーナルファイルなし）");
		return;
	}
	timeutil_utc((long long)(usec / 1000000), when);
	age = collect_duration_text(ctx->now - (double)usec / 1e6, 0);
	ev = xstrfmt("sd-journal: first entry %s", when);
	collect_add(out, "logs", src->item, subject, MEASUREMENT_OK, age,
	            ctx->now - (double)usec / 1e6, "s", ev, NULL);
	free(ev);
	free(age);
#else
	collect_add(out, "logs", src->item, subject, MEASUREMENT_UNAVAILABLE, NULL, NAN, NULL, NULL,
	            ctx->lang
	                ? "this saasguard was built without libsystemd (sd-journal)"
	                : "この saasguard は libsystemd（sd-journal）なしでビルドされています");
#endif
}

static enum sg_code logs_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                             struct sg_error *err)
{
	struct logs_cfg *c = p;
	size_t before = out->n;

	(void)err;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].path)
			file_source(&c->v[i], ctx, out);
		else
			journal_source(&c->v[i], ctx, out);
	}
	if (out->n == before)
		collect_add(out, "logs", "III.2.1.3.a", NULL, MEASUREMENT_UNAVAILABLE, NULL, NAN,
		            NULL, NULL,
		            ctx->lang
		                ? "no log source found; configure collectors.logs"
		                : "ログ源が見つかりません。collectors.logs を設定してください");
	return SG_OK;
}

const struct collector collector_logs = {
    "logs", "III.2.1.3.a, III.2.1.3.b", logs_parse, logs_run, logs_free,
};
