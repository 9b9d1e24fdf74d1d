/*
 * daemon_reports - the daemon's period-close reports; see daemon_reports.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon_reports.h"
#include "dynbuf.h"
#include "profile.h"
#include "report.h"
#include "report_job.h"
#include "report_pdf.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct daemon_reports {
	char *db_path;
	struct report_job_config cfg; /* the running profile's reports: section */
	int have_cfg;
	int drew_pdf; /* pango/cairo caches to free at shutdown */
};

static void say(const struct monitor_job_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct monitor_job_ctx *ctx, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	if (!ctx->log)
		return;
	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_arg, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static enum sg_code load(void *arg, const struct profile *p, const char *base, void **out,
                         struct sg_error *err)
{
	struct daemon_reports *d = arg;
	struct report_job_config *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	report_job_config_init(c, d->db_path);
	if ((rc = report_job_config_load(c, p->doc, profile_section(p, "reports"), base, err))) {
		report_job_config_release(c);
		free(c);
		*out = NULL;
		return rc;
	}
	*out = c;
	return SG_OK;
}

static void drop(void *arg, void *cfg)
{
	(void)arg;
	if (!cfg)
		return;
	report_job_config_release(cfg);
	free(cfg);
}

static void swap(void *arg, void *cfg)
{
	struct daemon_reports *d = arg;

	if (!cfg)
		return;
	if (d->have_cfg)
		report_job_config_release(&d->cfg);
	d->cfg = *(struct report_job_config *)cfg;
	d->have_cfg = 1;
	free(cfg);
}

static int run(void *arg, const struct monitor_job_ctx *ctx)
{
	struct daemon_reports *d = arg;
	struct timeutil_period per;
	struct report_delivered done[2];
	struct profile *p = NULL;
	struct sg_error err;
	unsigned pending = 0;
	size_t n = 0;
	enum sg_code rc;

	if (!d->have_cfg)
		return 0;
	memset(&err, 0, sizeof(err));
	err.lang = ctx->lang;
	if (report_job_due(ctx->s, ctx->cat, ctx->cfg->service, ctx->cfg->pattern,
	                   ctx->cfg->hours.timezone, &d->cfg, ctx->now, &per, &pending, &err)) {
		say(ctx, "reports: %s", err.msg);
		return 0;
	}
	if (!pending)
		return 0;
	/* The monitor keeps no YAML tree after loading: read the file again. */
	if (profile_load(ctx->profile_path, ctx->cat, &p, &err)) {
		if (err.file[0] && err.line)
			say(ctx, "reports: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
		else
			say(ctx, "reports: %s", err.msg);
		return 0;
	}
	if (strcmp(p->service.name, ctx->cfg->service)) {
		say(ctx, "reports: %s now names service '%s', not '%s': send SIGHUP to reload it",
		    ctx->profile_path, p->service.name, ctx->cfg->service);
		profile_free(p);
		return 0;
	}
	d->drew_pdf = 1;
	rc = report_job_deliver(ctx->s, ctx->cat, p, &d->cfg, ctx->lcfg, ctx->ncfg, &per, pending,
	                        ctx->now, done, &n, &err);
	for (size_t i = 0; i < n; i++)
		say(ctx,
		    "report %s (%s) written to %s, SHA-256 %s; queued for %lld recipient(s) (%s)",
		    per.label, report_audience_name(done[i].audience), done[i].path, done[i].sha256,
		    done[i].recipients,
		    done[i].audience == REPORT_USERS ? "admin_contacts" : "managers");
	if (rc)
		say(ctx, "reports: %s", err.msg);
	profile_free(p);
	return n > 0;
}

static void shutdown_job(void *arg)
{
	struct daemon_reports *d = arg;

	if (d->drew_pdf)
		report_pdf_shutdown();
	d->drew_pdf = 0;
}

struct daemon_reports *daemon_reports_new(const char *db_path)
{
	struct daemon_reports *d = xcalloc(1, sizeof(*d));

	d->db_path = xstrdup(db_path);
	return d;
}

void daemon_reports_free(struct daemon_reports *d)
{
	if (!d)
		return;
	if (d->have_cfg)
		report_job_config_release(&d->cfg);
	free(d->db_path);
	free(d);
}

void daemon_reports_job(struct daemon_reports *d, struct monitor_job *job)
{
	job->load = load;
	job->swap = swap;
	job->drop = drop;
	job->run = run;
	job->shutdown = shutdown_job;
	job->arg = d;
}
