/*
 * web_reports - a service's reports on the web; see web_reports.h.
 */
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ledger.h"
#include "report_job.h"
#include "report_render.h"
#include "timeutil.h"
#include "web_reports.h"
#include "web_status.h"
#include "xalloc.h"
#include "banned.h"

/* One report at a time: the PDF writer's font caches are process-wide. */
static pthread_mutex_t generating = PTHREAD_MUTEX_INITIALIZER;

/* The service's reports directory, as the daemon computes it. */
static char *reports_dir(struct store *s, const struct web_service *svc, struct sg_error *err)
{
	struct report_job_config c;
	char *copy = xstrdup(svc->profile->path), *dir = NULL;
	char *files = store_files_dir(s->path), *db = xstrfmt("%s/db", files);

	report_job_config_init(&c, db);
	if (report_job_config_load(&c, svc->profile->doc, profile_section(svc->profile, "reports"),
	                           dirname(copy), err) == SG_OK) {
		dir = c.dir;
		c.dir = NULL;
	}
	report_job_config_release(&c);
	free(db);
	free(files);
	free(copy);
	return dir;
}

/* 1 when path (resolved) lies directly or deeper inside dir (resolved). */
static int inside(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (!path || !dir || !realpath(path, rp) || !realpath(dir, rd))
		return 0;
	n = strlen(rd);
	return !strncmp(rp, rd, n) && rp[n] == '/';
}

struct collect {
	const struct web_service *svc;
	const char *dir;
	struct web_report *r;
	size_t n, alloc;
};

static void copy_str(char *out, size_t size, json_t *v)
{
	snprintf(out, size, "%s", json_string_value(v) ? json_string_value(v) : "");
}

static int collect_one(json_t *entry, const char *text, void *ctx)
{
	struct collect *c = ctx;
	json_t *p = json_object_get(entry, "payload");
	const char *svc = json_string_value(json_object_get(p, "service"));
	const char *path = json_string_value(json_object_get(p, "path"));
	const char *by = json_string_value(json_object_get(p, "by"));
	struct web_report *x;
	char hex[65];
	struct sg_error err;

	(void)text;
	if (!svc || (strcmp(svc, c->svc->mcfg->service) && strcmp(svc, c->svc->name)))
		return 0;
	ALLOC_GROW(c->r, c->n + 1, c->alloc);
	x = &c->r[c->n++];
	memset(x, 0, sizeof(*x));
	x->seq = json_integer_value(json_object_get(entry, "seq"));
	x->at = (double)json_integer_value(json_object_get(entry, "at")) / 1000;
	copy_str(x->period, sizeof(x->period), json_object_get(p, "period"));
	copy_str(x->audience, sizeof(x->audience), json_object_get(p, "audience"));
	copy_str(x->format, sizeof(x->format), json_object_get(p, "format"));
	copy_str(x->sha256, sizeof(x->sha256), json_object_get(p, "sha256"));
	x->bytes = json_integer_value(json_object_get(p, "bytes"));
	x->path = path ? xstrdup(path) : NULL;
	x->by = by ? xstrdup(by) : NULL;
	memset(&err, 0, sizeof(err));
	x->downloadable = inside(path, c->dir) && fileio_sha256_hex(path, hex, &err) == SG_OK &&
	                  !strcmp(hex, x->sha256);
	return 0;
}

enum sg_code web_reports_list(struct store *s, const struct web_service *svc,
                              struct web_report **out, size_t *n, struct sg_error *err)
{
	struct collect c = {svc, NULL, NULL, 0, 0};
	char *dir = reports_dir(s, svc, err);
	enum sg_code rc;

	*out = NULL;
	*n = 0;
	if (!dir)
		return err->code ? err->code : SG_ERR_INTERNAL;
	c.dir = dir;
	rc = ledger_each(s, "report", INT64_MIN, INT64_MAX, collect_one, &c, err);
	free(dir);
	if (rc) {
		web_reports_free(c.r, c.n);
		return rc;
	}
	/* newest first */
	for (size_t i = 0; i < c.n / 2; i++) {
		struct web_report t = c.r[i];
		c.r[i] = c.r[c.n - 1 - i];
		c.r[c.n - 1 - i] = t;
	}
	*out = c.r;
	*n = c.n;
	return SG_OK;
}

void web_report_release(struct web_report *r)
{
	free(r->path);
	free(r->by);
	r->path = r->by = NULL;
}

void web_reports_free(struct web_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		web_report_release(&r[i]);
	free(r);
}

enum sg_code web_reports_read(struct store *s, const struct web_service *svc, long long seq,
                              struct dynbuf *body, const char **type, struct sg_error *err)
{
	struct web_report *r = NULL;
	size_t n = 0;
	enum sg_code rc = web_reports_list(s, svc, &r, &n, err);

	if (rc)
		return rc;
	rc = SG_ERR_NOT_FOUND;
	for (size_t i = 0; i < n; i++)
		if (r[i].seq == seq && r[i].downloadable &&
		    fileio_read(r[i].path, 64u << 20, body, err) == SG_OK) {
			*type = !strcmp(r[i].format, "pdf")    ? "application/pdf"
			        : !strcmp(r[i].format, "json") ? "application/json"
			                                       : "text/html; charset=utf-8";
			rc = SG_OK;
		}
	web_reports_free(r, n);
	if (rc)
		sg_error_set(err, SG_ERR_NOT_FOUND, "%s",
		             ETR(err, "報告書が見つからないか、記録後に変更されています",
		                 "no such report, or its file changed after it was recorded"));
	return rc;
}

enum sg_code web_reports_generate(struct store *s, const struct catalog *cat,
                                  const struct web_service *svc, const char *period,
                                  enum report_audience audience, enum sg_lang lang,
                                  const char *user, struct web_report *out, struct sg_error *err)
{
	struct report_request req;
	struct report_job_inputs in = {0};
	struct web_report *r = NULL;
	size_t n = 0;
	char *dir, *name = NULL, *path = NULL, utc[32], stamp[32] = "", sha[65];
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if (!(dir = reports_dir(s, svc, err)))
		return err->code ? err->code : SG_ERR_INTERNAL;
	report_request_init(&req, cat, svc->profile);
	req.audience = audience;
	req.lang = lang;
	req.by = user;
	pthread_mutex_lock(&generating);
	/* report building formats local times: the zone functions swap TZ */
	web_status_tz_lock();
	if ((rc = period && *period
	              ? report_period(cat, svc->profile->service.pattern, period, req.tz, req.now,
	                              &req.period, err)
	              : report_period_default(s, cat, svc->profile, req.tz, req.now, &req.period,
	                                      &req.period_choice, err)) ||
	    (rc = report_job_inputs_load(&req, s, &svc->lcfg, &in, err)))
		goto out;
	/* the daemon's name for the period's report, plus when and that it is
	 * the web's: never the name of a mailed report */
	name = report_job_file_name(svc->mcfg->service, req.period.label, audience);
	name[strlen(name) - 4] = 0; /* ".pdf" */
	timeutil_utc((long long)req.now, utc);
	for (size_t i = 0, k = 0; i < sizeof(stamp) - 1; i++) /* 20261201T084000Z */
		if (utc[i] != '-' && utc[i] != ':' && !(stamp[k++] = utc[i]))
			break;
	path = xstrfmt("%s/%s-web-%s.pdf", dir, name, stamp);
	if ((rc = fileio_mkdirs(dir, 0700, err)) ||
	    (rc = report_render_generate(s, &req, REPORT_FORMAT_PDF, path, sha, err)))
		goto out;
	if ((rc = web_reports_list(s, svc, &r, &n, err)))
		goto out;
	rc = SG_ERR_INTERNAL;
	for (size_t i = 0; i < n && rc; i++)
		if (r[i].path && !strcmp(r[i].path, path)) {
			*out = r[i];
			memset(&r[i], 0, sizeof(r[i]));
			rc = SG_OK;
		}
	if (rc)
		sg_error_set(err, rc, "%s",
		             ETR(err, "報告書を書きましたが、証跡台帳の記録が見つかりません",
		                 "the report was written but its ledger entry is missing"));
out:
	web_status_tz_unlock();
	pthread_mutex_unlock(&generating);
	web_reports_free(r, n);
	report_job_inputs_release(&in);
	free(name);
	free(path);
	free(dir);
	return rc;
}
