/*
 * report_job - reports on behalf of a profile (the command and the daemon);
 * see report_job.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "assess.h"
#include "fileio.h"
#include "ledger_events.h"
#include "ledger_key.h"
#include "ledger_verify.h"
#include "measured.h"
#include "report_doc.h"
#include "report_job.h"
#include "report_render.h"
#include "store_report.h"
#include "value.h"
#include "xalloc.h"
#include "banned.h"

/* ---- inputs ---- */

static void ledger_status(struct report_request *req, struct store *s,
                          const struct ledger_config *lc, struct report_job_inputs *in)
{
	struct ledger_key pub;
	struct ledger_verify_opts vo;
	struct ledger_verify_report vr;
	struct sg_error err;
	char *pubpath = xstrfmt("%s.pub", lc->key_path);

	memset(&err, 0, sizeof(err));
	err.lang = (int)req->lang;
	memset(&vo, 0, sizeof(vo));
	vo.from_ms = LLONG_MIN;
	vo.to_ms = LLONG_MAX;
	vo.tsa_ca_file = lc->tsa_ca_file;
	if (ledger_key_load_public(pubpath, &pub, &err)) {
		/* err.msg may carry the C library's English (strerror): the
		 * Japanese summary says what it means instead. */
		if (req->lang == SG_LANG_EN)
			snprintf(in->ledger_detail, sizeof(in->ledger_detail), "%s: %s", pubpath,
			         err.msg);
		else
			snprintf(in->ledger_detail, sizeof(in->ledger_detail),
			         "公開鍵 %s を読み込めないため、検証できませんでした。", pubpath);
	} else {
		vo.keys = &pub;
		vo.nkeys = 1;
		if (ledger_verify(s, &vo, &vr, &err)) {
			req->ledger_status = REPORT_LEDGER_FAILED;
			snprintf(in->ledger_detail, sizeof(in->ledger_detail), "%s", err.msg);
		} else {
			req->ledger_status = REPORT_LEDGER_VERIFIED;
			snprintf(in->ledger_detail, sizeof(in->ledger_detail),
			         TR(req->lang,
			            "エントリ %lld 件、署名付きツリーヘッド %lld "
			            "件（うちタイムスタンプ付き %lld 件）を検証",
			            "%lld entries and %lld signed tree heads (%lld timestamped) "
			            "verified"),
			         vr.entries, vr.heads, vr.heads_timestamped);
		}
	}
	req->ledger_detail = in->ledger_detail;
	free(pubpath);
}

/* Every ok or finding measurement the collectors took in the period (the
 * assessment judges the worst of each item, as the SLA table does); the
 * monitor's rolling-window rows are left out: the report measures those
 * items for the period itself. */
static int period_measurement(const struct store_report_measurement *row, void *p)
{
	struct measured_value mv;

	if (!strcmp(row->collector, "monitor") || !row->item_id || !row->value_text ||
	    (strcmp(row->status, "ok") && strcmp(row->status, "finding")))
		return 0;
	memset(&mv, 0, sizeof(mv));
	if (value_parse(row->value_text, &mv.value, NULL))
		return 0;
	snprintf(mv.item_id, sizeof(mv.item_id), "%s", row->item_id);
	snprintf(mv.text, sizeof(mv.text), "%s", row->value_text);
	snprintf(mv.source, sizeof(mv.source), "%s:%s", row->collector,
	         row->subject ? row->subject : "");
	mv.at = row->measured_at;
	snprintf(mv.detail, sizeof(mv.detail), "%s", row->detail ? row->detail : "");
	measured_set_add(p, &mv);
	return 0;
}

enum sg_code report_job_inputs_load(struct report_request *req, struct store *s,
                                    const struct ledger_config *lc, struct report_job_inputs *in,
                                    struct sg_error *err)
{
	struct measured_set measured = MEASURED_SET_INIT;
	struct assess_result *r = NULL;
	enum sg_code rc;

	memset(in, 0, sizeof(*in));
	/* A period's report rests on that period's data only. */
	rc = store_report_measurements(s, req->profile->service.name, (double)req->period.start,
	                               (double)req->period.end, 0, period_measurement, &measured,
	                               err);
	if (!rc)
		rc = assess_run(req->catalog, req->profile, &measured, req->now, &r, err);
	if (!rc)
		in->assessment = assess_to_json(r);
	assess_free(r);
	measured_set_release(&measured);
	if (rc)
		return rc;
	req->assessment = in->assessment;
	req->ledger_status = REPORT_LEDGER_NOT_CHECKED;
	req->ledger_detail = NULL;
	if (req->audience == REPORT_MANAGERS && lc)
		ledger_status(req, s, lc, in);
	return SG_OK;
}

void report_job_inputs_release(struct report_job_inputs *in)
{
	json_decref(in->assessment);
	in->assessment = NULL;
}

/* ---- the `reports:` section ---- */

void report_job_config_init(struct report_job_config *c, const char *db_path)
{
	/* Beside a SQLite file; in the state directory for PostgreSQL (a URI's
	 * last '/' is inside its query string). */
	char *dir = db_path ? store_files_dir(db_path) : NULL;

	memset(c, 0, sizeof(*c));
	c->enabled = 1;
	c->audiences = 1u << REPORT_USERS | 1u << REPORT_MANAGERS;
	if (dir && strcmp(dir, "."))
		c->dir = xstrfmt("%s/reports", dir);
	else
		c->dir = xstrdup("reports");
	free(dir);
}

void report_job_config_release(struct report_job_config *c)
{
	free(c->dir);
	c->dir = NULL;
}

enum sg_code report_job_config_load(struct report_job_config *c, const struct ydoc *doc,
                                    const struct ydoc_node *section, const char *base_dir,
                                    struct sg_error *err)
{
	static const char *const keys[] = {REPORT_CONFIG_KEYS, NULL};
	const struct ydoc_node *n;
	const char *str;
	enum sg_code rc;

	if (!section || ydoc_is_null(section))
		return SG_OK;
	if ((rc = ydoc_want(doc, section, YDOC_MAP, "reports", err)) ||
	    (rc = ydoc_check_keys(doc, section, keys, "reports", err)))
		return rc;
	if ((n = ydoc_get(section, "enabled")) &&
	    (rc = ydoc_bool(doc, n, "reports.enabled", &c->enabled, err)))
		return rc;
	if ((n = ydoc_get(section, "dir"))) {
		if ((rc = ydoc_str(doc, n, "reports.dir", &str, err)))
			return rc;
		if (!*str) {
			ydoc_error(doc, n, err, "%s",
			           ETR(err, "reports.dir が空です", "reports.dir is empty"));
			sg_error_hint(err, "%s",
			              ETR(err,
			                  "報告書を保存するディレクトリを書いてください（例: "
			                  "dir: /var/lib/saasguard/reports）",
			                  "write the directory reports are kept in (e.g. dir: "
			                  "/var/lib/saasguard/reports)"));
			return SG_ERR_INPUT;
		}
		free(c->dir);
		c->dir = str[0] == '/' || !base_dir || !*base_dir ? xstrdup(str)
		                                                  : xstrfmt("%s/%s", base_dir, str);
	}
	if ((n = ydoc_get(section, "format"))) {
		if ((rc = ydoc_str(doc, n, "reports.format", &str, err)))
			return rc;
		if (strcmp(str, "pdf")) {
			ydoc_error(doc, n, err,
			           ETR(err, "reports.format は pdf だけです（'%s' は使えません）",
			               "reports.format can only be pdf (not '%s')"),
			           str);
			sg_error_hint(
			    err, "%s",
			    ETR(err,
			        "報告書は PDF を添付してメールで送ります。format: pdf "
			        "と書くか、この行を削除してください。HTML や JSON は "
			        "saasguard report --format で作成できます",
			        "reports are mailed as an attached PDF: write format: pdf "
			        "or remove the line; saasguard report --format makes HTML "
			        "or JSON"));
			return SG_ERR_INPUT;
		}
	}
	if ((n = ydoc_get(section, "audiences"))) {
		unsigned mask = 0;
		if ((rc = ydoc_want(doc, n, YDOC_SEQ, "reports.audiences", err)))
			return rc;
		for (size_t i = 0; i < n->nitems; i++) {
			const struct ydoc_node *it = n->items[i];
			if ((rc = ydoc_str(doc, it, "reports.audiences", &str, err)))
				return rc;
			if (!strcmp(str, "users")) {
				mask |= 1u << REPORT_USERS;
			} else if (!strcmp(str, "managers")) {
				mask |= 1u << REPORT_MANAGERS;
			} else {
				ydoc_error(doc, it, err,
				           ETR(err, "'%s' という報告書の読み手はありません",
				               "there is no report audience '%s'"),
				           str);
				sg_error_hint(err, "%s",
				              ETR(err,
				                  "users（利用者向け定期報告書、III.1.1.7）又は "
				                  "managers（管理責任者向け総括報告書、III.1.1.4）"
				                  "と書いてください",
				                  "write users (the customer report, III.1.1.7) or "
				                  "managers (the manager summary, III.1.1.4)"));
				return SG_ERR_INPUT;
			}
		}
		c->audiences = mask;
	}
	return SG_OK;
}

/* ---- the daemon's job ---- */

static void local_date(long long t, const char *tz, char out[16])
{
	struct tm tm;

	timeutil_localtime(t, tz, &tm);
	snprintf(out, 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	         tm.tm_mday % 100);
}

enum sg_code report_job_due(struct store *s, const struct catalog *cat, const char *service,
                            int pattern, const char *tz, const struct report_job_config *c,
                            double now, struct timeutil_period *period, unsigned *pending,
                            struct sg_error *err)
{
	char from[16], to[16];
	int has = 0;
	enum sg_code rc;

	*pending = 0;
	if (!c->enabled || !c->audiences)
		return SG_OK;
	if ((rc = report_period(cat, pattern, NULL, tz, now, period, err)))
		return rc;
	local_date(period->start, tz, from);
	local_date(period->end, tz, to);
	if ((rc = store_report_monitored(s, service, from, to, &has, err)) || !has)
		return rc;
	for (int a = REPORT_USERS; a <= REPORT_MANAGERS; a++) {
		int done = 0;
		if (!(c->audiences & 1u << a))
			continue;
		if ((rc = store_report_delivered(s, service, period->label,
		                                 report_audience_name((enum report_audience)a),
		                                 &done, err)))
			return rc;
		if (!done)
			*pending |= 1u << a;
	}
	return SG_OK;
}

char *report_job_file_name(const char *service, const char *period, enum report_audience a)
{
	char *name = xstrfmt("%s-%s-%s.pdf", service, period, report_audience_name(a));

	for (char *p = name; *p && p < name + strlen(service); p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f || (p == name && *p == '.'))
			*p = '_';
	return name;
}

static void date_ja(long long t, const char *tz, struct dynbuf *out)
{
	struct tm tm;

	timeutil_localtime(t, tz, &tm);
	dynbuf_printf(out, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void date_en(long long t, const char *tz, struct dynbuf *out)
{
	static const char *const mon[] = {"January",   "February", "March",    "April",
	                                  "May",       "June",     "July",     "August",
	                                  "September", "October",  "November", "December"};
	struct tm tm;

	timeutil_localtime(t, tz, &tm);
	dynbuf_printf(out, "%d %s %d", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900);
}

static enum sg_code deliver_one(struct store *s, const struct catalog *cat, const struct profile *p,
                                const struct report_job_config *c, const struct ledger_config *lc,
                                const struct notify_config *nc,
                                const struct timeutil_period *period, enum report_audience a,
                                double now, struct report_delivered *out, struct sg_error *err)
{
	const char *group = a == REPORT_USERS ? "admin_contacts" : "managers";
	struct report_request req;
	struct report_job_inputs in;
	struct dynbuf subject = DYNBUF_INIT, body = DYNBUF_INIT;
	struct dynbuf per[2] = {DYNBUF_INIT, DYNBUF_INIT}, span[2] = {DYNBUF_INIT, DYNBUF_INIT};
	struct notify_report nr;
	struct store_report_delivery_rec rec;
	char *name = report_job_file_name(p->service.name, period->label, a);
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	out->audience = a;
	snprintf(out->path, sizeof(out->path), "%s/%s", c->dir, name);
	report_request_init(&req, cat, p);
	req.period = *period;
	req.audience = a;
	req.lang = SG_LANG_JA;
	req.now = now;
	if ((rc = report_job_inputs_load(&req, s, lc, &in, err)))
		goto out;
	rc = report_render_generate(s, &req, REPORT_FORMAT_PDF, out->path, out->sha256, err);
	report_job_inputs_release(&in);
	if (rc)
		goto out;
	/* The mail's text is notify's (templates report_users, report_managers),
	 * in each recipient's language; the ledger keeps the Japanese subject. */
	report_doc_period(&per[0], period, req.tz, SG_LANG_JA);
	report_doc_period(&per[1], period, req.tz, SG_LANG_EN);
	date_ja(period->start, req.tz, &span[0]);
	dynbuf_addstr(&span[0], "〜");
	date_ja(period->end - 1, req.tz, &span[0]);
	date_en(period->start, req.tz, &span[1]);
	dynbuf_addstr(&span[1], " to ");
	date_en(period->end - 1, req.tz, &span[1]);
	memset(&nr, 0, sizeof(nr));
	nr.audience = group;
	nr.managers = a != REPORT_USERS;
	for (int l = 0; l < 2; l++) {
		nr.period[l] = dynbuf_ptr(&per[l]);
		nr.span[l] = dynbuf_ptr(&span[l]);
	}
	nr.file = name;
	nr.sha256 = out->sha256;
	nr.attachment_path = out->path;
	if (nc)
		notify_render_report(nc, &nr, "ja", NULL, &subject, &body);
	out->recipients = nc ? (long long)notify_config_recipients(nc, group) : 0;
	memset(&rec, 0, sizeof(rec));
	rec.service = p->service.name;
	rec.period = period->label;
	rec.audience = report_audience_name(a);
	rec.path = out->path;
	rec.sha256 = out->sha256;
	rec.recipients = out->recipients;
	rec.at = now;
	if ((rc = store_begin(s, err)))
		goto out;
	if ((nc && (rc = notify_enqueue_report(s, nc, &nr, err))) ||
	    (rc = store_report_delivered_add(s, &rec, err)) ||
	    (rc = ledger_events_report_mailed(
	         s, p->service.name, period->label, report_audience_name(a), group, out->path,
	         out->sha256, out->recipients, dynbuf_ptr(&subject), err))) {
		store_rollback(s);
		goto out;
	}
	rc = store_commit(s, err);
out:
	dynbuf_release(&subject);
	dynbuf_release(&body);
	for (int l = 0; l < 2; l++) {
		dynbuf_release(&per[l]);
		dynbuf_release(&span[l]);
	}
	free(name);
	return rc;
}

enum sg_code report_job_deliver(struct store *s, const struct catalog *cat, const struct profile *p,
                                const struct report_job_config *c, const struct ledger_config *lc,
                                const struct notify_config *nc,
                                const struct timeutil_period *period, unsigned pending, double now,
                                struct report_delivered out[2], size_t *nout, struct sg_error *err)
{
	enum sg_code rc;

	*nout = 0;
	if (!pending)
		return SG_OK;
	if ((rc = fileio_mkdirs(c->dir, 0750, err)))
		return rc;
	for (int a = REPORT_USERS; a <= REPORT_MANAGERS; a++) {
		if (!(pending & 1u << a))
			continue;
		if ((rc = deliver_one(s, cat, p, c, lc, nc, period, (enum report_audience)a, now,
		                      &out[*nout], err)))
			return rc;
		(*nout)++;
	}
	return SG_OK;
}
