/*
 * collect_patches - the patch collector [III.1.1.6.a, III.5.2.1.b]: security
 * updates that wait to be installed, and how long the oldest has waited.
 *
 * Reads dpkg's status file (installed packages and versions) and the
 * Packages indexes of APT's -security suites under /var/lib/apt/lists
 * (plain, .gz through zlib, .lz4 through liblz4). A package whose
 * security-suite version is newer than the installed one (Debian version
 * order, debver.h) is pending. Its wait counts from when saasguard first saw
 * that version pending (the store's first_seen) or from the suite's Release
 * date when that is older. Nothing pending is "0s". No security suite in the
 * lists is a finding: updates cannot arrive.
 *
 * Configuration: `patches: {dpkg_status: /var/lib/dpkg/status, lists:
 * /var/lib/apt/lists, suite_match: security}`.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <lz4frame.h>
#include <zlib.h>

#include "collect.h"
#include "debver.h"
#include "fileio.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct patches_cfg {
	char *dpkg_status, *lists, *suite_match;
};

static enum sg_code patches_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                                  struct sg_error *err)
{
	static const char *const keys[] = {"dpkg_status", "lists", "suite_match", NULL};
	struct patches_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.patches", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.patches", err)) ||
	    (rc = collect_cfg_str(doc, n, "dpkg_status", "collectors.patches.dpkg_status",
	                          &c->dpkg_status, err)) ||
	    (rc = collect_cfg_str(doc, n, "lists", "collectors.patches.lists", &c->lists, err)) ||
	    (rc = collect_cfg_str(doc, n, "suite_match", "collectors.patches.suite_match",
	                          &c->suite_match, err)))
		return rc;
	return SG_OK;
}

static void patches_free(void *p)
{
	struct patches_cfg *c = p;
	free(c->dpkg_status);
	free(c->lists);
	free(c->suite_match);
	free(c);
}

#define INDEX_MAX ((size_t)512 << 20)

static int read_gz(const char *path, struct dynbuf *out)
{
	int fd = fileio_open_regular(path, 0, NULL); /* never block on a FIFO */
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
	char buf[65536];
	int n;

	if (!gz) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		if (out->len + (size_t)n > INDEX_MAX)
			break;
		else
			dynbuf_add(out, buf, (size_t)n);
	gzclose(gz);
	return n < 0 ? -1 : 0;
}

static int read_lz4(const char *path, struct dynbuf *out)
{
	struct dynbuf in = DYNBUF_INIT;
	LZ4F_dctx *dctx;
	const char *src;
	size_t left, ret = 1;
	char buf[65536];

	if (fileio_read(path, INDEX_MAX, &in, NULL))
		return -1;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
		dynbuf_release(&in);
		return -1;
	}
	src = dynbuf_ptr(&in);
	left = in.len;
	while (left && ret) {
		size_t dst = sizeof(buf), used = left;
		ret = LZ4F_decompress(dctx, buf, &dst, src, &used, NULL);
		if (LZ4F_isError(ret) || out->len + dst > INDEX_MAX)
			break;
		dynbuf_add(out, buf, dst);
		src += used;
		left -= used;
		if (!used && !dst)
			break;
	}
	LZ4F_freeDecompressionContext(dctx);
	dynbuf_release(&in);
	return LZ4F_isError(ret) ? -1 : 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* One control-file stanza's fields we need. */
struct stanza {
	const char *pkg, *ver, *arch, *status;
	size_t lpkg, lver, larch, lstatus;
};

/* Walks stanzas; calls fn for each. Field values end at the newline. */
static void stanzas(const char *text, void (*fn)(const struct stanza *, void *), void *arg)
{
	struct stanza s;
	const char *p = text;

	memset(&s, 0, sizeof(s));
	for (;;) {
		size_t n = strcspn(p, "\n");
		if (n == 0) {
			if (s.pkg)
				fn(&s, arg);
			memset(&s, 0, sizeof(s));
			if (!*p)
				break;
			p++;
			continue;
		}
#define FIELD(name, ptr, len)                                                                      \
	if (n > sizeof(name) && !strncmp(p, name ":", sizeof(name))) {                             \
		const char *v = p + sizeof(name);                                                  \
		while (*v == ' ')                                                                  \
			v++;                                                                       \
		ptr = v;                                                                           \
		len = (size_t)(p + n - v);                                                         \
	}
		FIELD("Package", s.pkg, s.lpkg)
		FIELD("Version", s.ver, s.lver)
		FIELD("Architecture", s.arch, s.larch)
		FIELD("Status", s.status, s.lstatus)
#undef FIELD
		p += n;
		if (*p)
			p++;
	}
}

struct installed {
	char *name, *arch, *ver;
};

struct pending {
	char *name, *arch, *from, *to;
	double since; /* the suite's Release date; NAN when unknown */
};

struct state {
	struct installed *inst;
	size_t ninst, ainst;
	struct pending *pend;
	size_t npend, apend;
	double release_date;
};

static void add_installed(const struct stanza *s, void *arg)
{
	struct state *st = arg;
	if (!s->ver || !s->status || s->lstatus < 9 ||
	    strncmp(s->status + s->lstatus - 9, "installed", 9) ||
	    (s->lstatus >= 13 && !strncmp(s->status + s->lstatus - 13, "not-installed", 13)))
		return;
	ALLOC_GROW(st->inst, st->ninst, st->ainst);
	st->inst[st->ninst].name = xstrndup(s->pkg, s->lpkg);
	st->inst[st->ninst].arch = xstrndup(s->arch ? s->arch : "", s->arch ? s->larch : 0);
	st->inst[st->ninst].ver = xstrndup(s->ver, s->lver);
	st->ninst++;
}

static int inst_cmp(const void *a, const void *b)
{
	const struct installed *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->arch, y->arch);
}

static void check_candidate(const struct stanza *s, void *arg)
{
	struct state *st = arg;
	struct installed key;
	char name[256], arch[64], ver[256];
	struct installed *hit;

	if (!s->ver || s->lpkg >= sizeof(name) || s->lver >= sizeof(ver) ||
	    (s->arch && s->larch >= sizeof(arch)))
		return;
	memcpy(name, s->pkg, s->lpkg);
	name[s->lpkg] = '\0';
	memcpy(ver, s->ver, s->lver);
	ver[s->lver] = '\0';
	snprintf(arch, sizeof(arch), "%.*s", s->arch ? (int)s->larch : 0, s->arch ? s->arch : "");
	key.name = name;
	key.arch = arch;
	hit = bsearch(&key, st->inst, st->ninst, sizeof(*st->inst), inst_cmp);
	if (!hit || debver_cmp(ver, hit->ver) <= 0)
		return;
	for (size_t i = 0; i < st->npend; i++) {
		struct pending *p = &st->pend[i];
		if (!strcmp(p->name, name) && !strcmp(p->arch, arch)) {
			if (debver_cmp(ver, p->to) > 0) {
				free(p->to);
				p->to = xstrdup(ver);
			}
			if (!isnan(st->release_date) &&
			    (isnan(p->since) || st->release_date < p->since))
				p->since = st->release_date;
			return;
		}
	}
	ALLOC_GROW(st->pend, st->npend, st->apend);
	st->pend[st->npend++] = (struct pending){xstrdup(name), xstrdup(arch), xstrdup(hit->ver),
	                                         xstrdup(ver), st->release_date};
}

/* "Date: Sat, 14 Mar 2026 10:00:00 UTC" from a Release/InRelease file. */
static double release_date(const char *path)
{
	struct dynbuf b = DYNBUF_INIT;
	const char *p;
	double t = NAN; /* no value */

	if (fileio_read(path, 64u << 20, &b, NULL))
		return NAN;
	for (p = dynbuf_ptr(&b); *p; p += strcspn(p, "\n"), p += *p ? 1 : 0) {
		struct tm tm;
		char *end;
		if (strncmp(p, "Date:", 5))
			continue;
		memset(&tm, 0, sizeof(tm));
		end = strptime(p + 5, " %a, %d %b %Y %H:%M:%S", &tm);
		if (end)
			t = (double)timeutil_mktime(&tm, NULL);
		break;
	}
	dynbuf_release(&b);
	return t;
}

static enum sg_code patches_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                                struct sg_error *err)
{
	struct patches_cfg *c = p;
	char *status =
	    c->dpkg_status ? xstrdup(c->dpkg_status) : collect_path(ctx, "/var/lib/dpkg/status");
	char *lists = c->lists ? xstrdup(c->lists) : collect_path(ctx, "/var/lib/apt/lists");
	const char *match = c->suite_match ? c->suite_match : "security";
	struct dynbuf text = DYNBUF_INIT, ev = DYNBUF_INIT, idx = DYNBUF_INIT;
	struct state st;
	int indexes = 0, unreadable = 0;
	double oldest = 0;
	DIR *d;
	struct dirent *de;
	enum sg_code rc = SG_OK;

	memset(&st, 0, sizeof(st));
	if (fileio_read(status, 256u << 20, &text, NULL)) {
		const char *why = ctx->lang ? "not installed: no dpkg status file (not a Debian "
		                              "system?)"
		                            : "未導入: dpkg の status ファイルがありません（Debian "
		                              "系ではない？）";
		collect_add(out, "patches", "III.1.1.6.a", status, MEASUREMENT_UNAVAILABLE, NULL,
		            NAN, NULL, NULL, why);
		collect_add(out, "patches", "III.5.2.1.b", status, MEASUREMENT_UNAVAILABLE, NULL,
		            NAN, NULL, NULL, why);
		goto done;
	}
	stanzas(dynbuf_ptr(&text), add_installed, &st);
	qsort(st.inst, st.ninst, sizeof(*st.inst), inst_cmp);
	d = opendir(lists);
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;
		char *path, *rel = NULL, *cut;
		int r;
		if (!strstr(name, match) || !strstr(name, "_Packages"))
			continue;
		path = xstrfmt("%s/%s", lists, name);
		dynbuf_reset(&idx);
		if (has_suffix(name, "_Packages"))
			r = fileio_read(path, INDEX_MAX, &idx, NULL) ? -1 : 0;
		else if (has_suffix(name, "_Packages.gz"))
			r = read_gz(path, &idx);
		else if (has_suffix(name, "_Packages.lz4"))
			r = read_lz4(path, &idx);
		else
			r = -2; /* .xz and others: not read */
		/* the suite's Release date: X_dists_SUITE_InRelease for X_dists_SUITE_... */
		st.release_date = NAN;
		if ((cut = strstr(name, "_dists_"))) {
			const char *suite = cut + 7;
			size_t sl = strcspn(suite, "_");
			rel = xstrfmt("%s/%.*s%.*s_InRelease", lists, (int)(cut + 7 - name), name,
			              (int)sl, suite);
			st.release_date = release_date(rel);
			if (isnan(st.release_date)) {
				free(rel);
				rel = xstrfmt("%s/%.*s%.*s_Release", lists, (int)(cut + 7 - name),
				              name, (int)sl, suite);
				st.release_date = release_date(rel);
			}
		}
		if (r == 0) {
			indexes++;
			stanzas(dynbuf_ptr(&idx), check_candidate, &st);
		} else {
			unreadable++;
		}
		free(rel);
		free(path);
	}
	if (d)
		closedir(d);
	if (!indexes) {
		const char *why =
		    ctx->lang
		        ? "no security suite in the APT lists: security updates cannot arrive "
		          "(add the -security archive and run apt update)"
		        : "APT のリストにセキュリティスイートがありません: セキュリティ更新が"
		          "届きません（-security を sources に加えて apt update してください）";
		collect_add(out, "patches", "III.1.1.6.a", lists, MEASUREMENT_FINDING, NULL, NAN,
		            NULL, NULL, why);
		collect_add(out, "patches", "III.5.2.1.b", lists, MEASUREMENT_FINDING, NULL, NAN,
		            NULL, NULL, why);
		goto done;
	}
	/* one transaction for every first_seen row, not one fsync each */
	if (ctx->store && (rc = store_begin(ctx->store, err)))
		goto done;
	for (size_t i = 0; i < st.npend; i++) {
		struct pending *pd = &st.pend[i];
		char *key = xstrfmt("patch:%s:%s:%s", pd->name, pd->arch, pd->to);
		double first = ctx->now, wait;
		if (ctx->store &&
		    (rc = store_collect_first_seen(ctx->store, key, ctx->now, &first, err))) {
			free(key);
			store_rollback(ctx->store);
			goto done;
		}
		free(key);
		if (!isnan(pd->since) && pd->since < first)
			first = pd->since;
		wait = ctx->now - first;
		if (wait > oldest)
			oldest = wait;
		if (ev.len < 1500)
			dynbuf_printf(&ev, "%s%s %s -> %s (%.1fh)", ev.len ? ", " : "", pd->name,
			              pd->from, pd->to, wait / 3600);
	}
	if (ctx->store && (rc = store_commit(ctx->store, err)))
		goto done;
	{
		char *val = collect_duration_text(oldest, 1);
		char *head =
		    xstrfmt("%zu installed packages, %d security index(es)%s; %zu pending%s",
		            st.ninst, indexes, unreadable ? " (some unreadable)" : "", st.npend,
		            st.npend ? ": " : "");
		struct dynbuf full = DYNBUF_INIT;
		dynbuf_addstr(&full, head);
		dynbuf_addstr(&full, dynbuf_ptr(&ev));
		collect_add(out, "patches", "III.1.1.6.a", lists, MEASUREMENT_OK, val, oldest, "s",
		            dynbuf_ptr(&full), NULL);
		collect_add(out, "patches", "III.5.2.1.b", lists, MEASUREMENT_OK, val, oldest, "s",
		            dynbuf_ptr(&full), NULL);
		dynbuf_release(&full);
		free(head);
		free(val);
	}
done:
	for (size_t i = 0; i < st.ninst; i++) {
		free(st.inst[i].name);
		free(st.inst[i].arch);
		free(st.inst[i].ver);
	}
	for (size_t i = 0; i < st.npend; i++) {
		free(st.pend[i].name);
		free(st.pend[i].arch);
		free(st.pend[i].from);
		free(st.pend[i].to);
	}
	free(st.inst);
	free(st.pend);
	dynbuf_release(&text);
	dynbuf_release(&ev);
	dynbuf_release(&idx);
	free(status);
	free(lists);
	return rc;
}

const struct collector collector_patches = {
    "patches", "III.1.1.6.a, III.5.2.1.b", patches_parse, patches_run, patches_free,
};
