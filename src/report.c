/*
 * report - the report model and its builder; see report.h. All SQL is in
 * store_report.c; the writers are report_json.c, report_html.c and
 * report_pdf.c (through report_doc.c, the wording shared by HTML and PDF).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "judge.h"
#include "ledger.h"
#include "availability.h"
#include "monitor_config.h"
#include "histogram.h"
#include "notify.h"
#include "report.h"
#include "report_text.h"
#include "store_report.h"
#include "value.h"
#include "xalloc.h"
#include "banned.h"

#define DEFAULT_TZ "Asia/Tokyo"

const char *report_format_name(enum report_format f)
{
	switch (f) {
	case REPORT_FORMAT_HTML:
		return "html";
	case REPORT_FORMAT_PDF:
		return "pdf";
	case REPORT_FORMAT_JSON:
		return "json";
	}
	return "json";
}

const char *report_audience_name(enum report_audience a)
{
	return a == REPORT_MANAGERS ? "managers" : "users";
}

const char *report_deadline_name(enum report_deadline d)
{
	switch (d) {
	case DEADLINE_MET:
		return "met";
	case DEADLINE_MISSED:
		return "missed";
	case DEADLINE_PENDING:
		return "pending";
	case DEADLINE_NONE:
		return "none";
	}
	return "none";
}

const char *report_sla_verdict_name(enum report_sla_verdict v)
{
	switch (v) {
	case SLA_MET:
		return "met";
	case SLA_MISSED:
		return "missed";
	case SLA_NO_DATA:
		return "no_data";
	case SLA_NO_COMMITMENT:
		return "no_commitment";
	}
	return "no_data";
}

const char *report_ledger_status_name(enum report_ledger_status s)
{
	switch (s) {
	case REPORT_LEDGER_NOT_CHECKED:
		return "not_checked";
	case REPORT_LEDGER_VERIFIED:
		return "verified";
	case REPORT_LEDGER_FAILED:
		return "failed";
	}
	return "not_checked";
}

/* ---- request, zone, period ---- */

/* Zone of a profile: service_hours.timezone, else "Asia/Tokyo". */
static const char *report_profile_tz(const struct profile *p)
{
	const struct ydoc_node *sh = p ? profile_section(p, "service_hours") : NULL;
	const struct ydoc_node *tz = sh ? ydoc_get(sh, "timezone") : NULL;

	if (tz && tz->type == YDOC_SCALAR && tz->scalar && timeutil_tz_valid(tz->scalar))
		return tz->scalar;
	return DEFAULT_TZ;
}

void report_request_init(struct report_request *req, const struct catalog *cat,
                         const struct profile *p)
{
	memset(req, 0, sizeof(*req));
	req->catalog = cat;
	req->profile = p;
	req->tz = report_profile_tz(p);
	req->audience = REPORT_USERS;
	req->lang = SG_LANG_JA;
	req->now = timeutil_now();
	req->availability = report_availability_monitor;
	req->ledger_status = REPORT_LEDGER_NOT_CHECKED;
}

int report_interval_months(const struct catalog *cat, int pattern)
{
	const struct reference_value *rv =
	    catalog_item_ref(catalog_item(cat, "III.1.1.7.a"), pattern);
	double s;

	if (!rv)
		return 1;
	s = rv->quantity.seconds;
	if (s >= 5.5 * VALUE_MONTH_SECONDS)
		return 6;
	if (s >= 2.5 * VALUE_MONTH_SECONDS)
		return 3;
	return 1;
}

enum sg_code report_period(const struct catalog *cat, int pattern, const char *s, const char *tz,
                           double now, struct timeutil_period *out, struct sg_error *err)
{
	struct timeutil_period cur;

	if (s)
		return timeutil_period_parse(s, tz, out, err);
	/* The last complete period: the one containing the day before the
	 * current period began. */
	timeutil_period_containing((long long)now, report_interval_months(cat, pattern), tz, &cur);
	timeutil_period_containing(cur.start - 1, report_interval_months(cat, pattern), tz, out);
	return SG_OK;
}

const char *report_period_choice_name(enum report_period_choice c)
{
	switch (c) {
	case REPORT_PERIOD_REQUESTED:
		return "requested";
	case REPORT_PERIOD_LAST_WITH_DATA:
		return "last_complete_with_data";
	case REPORT_PERIOD_CURRENT:
		return "current";
	}
	return "requested";
}

static void local_day(long long t, const char *tz, char out[11]);

/* Whether the monitor recorded a daily rollup of the service in p. */
static enum sg_code period_has_data(struct store *s, const char *service,
                                    const struct timeutil_period *p, const char *tz, int *has,
                                    struct sg_error *err)
{
	char from[11], to[11];

	local_day(p->start, tz, from);
	local_day(p->end, tz, to);
	return store_report_monitored(s, service, from, to, has, err);
}

enum sg_code report_period_default(struct store *s, const struct catalog *cat,
                                   const struct profile *p, const char *tz, double now,
                                   struct timeutil_period *out, enum report_period_choice *choice,
                                   struct sg_error *err)
{
	int months = report_interval_months(cat, p->service.pattern);
	struct timeutil_period cur, per;
	enum sg_code rc;

	timeutil_period_containing((long long)now, months, tz, &cur);
	per = cur;
	/* Complete periods, newest first, back three years. */
	for (int i = 0; i < 36 / months; i++) {
		int has = 0;
		timeutil_period_containing(per.start - 1, months, tz, &per);
		if ((rc = period_has_data(s, p->service.name, &per, tz, &has, err)))
			return rc;
		if (has) {
			*out = per;
			*choice = REPORT_PERIOD_LAST_WITH_DATA;
			return SG_OK;
		}
	}
	*out = cur;
	*choice = REPORT_PERIOD_CURRENT;
	return SG_OK;
}

/* ---- days of a period ---- */

static void local_day(long long t, const char *tz, char out[11])
{
	struct tm tm;

	timeutil_localtime(t, tz, &tm);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

/* Local days of [start, end), each with its bounds. */
static size_t period_days(const struct timeutil_period *p, const char *tz,
                          struct report_avail_day **out)
{
	struct report_avail_day *d = NULL;
	size_t n = 0, alloc = 0;
	long long t = p->start;

	while (t < p->end && n < 400) {
		struct tm tm;

		ALLOC_GROW(d, n, alloc);
		memset(&d[n], 0, sizeof(d[n]));
		timeutil_localtime(t, tz, &tm);
		snprintf(d[n].day, sizeof(d[n].day), "%04u-%02u-%02u",
		         (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		         (unsigned)tm.tm_mday % 100u);
		tm.tm_mday++;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		d[n].start = t;
		d[n].end = timeutil_mktime(&tm, tz);
		if (d[n].end > p->end || d[n].end <= t)
			d[n].end = p->end;
		d[n].achieved = NAN;
		t = d[n].end;
		n++;
	}
	*out = d;
	return n;
}

/* ---- availability ---- */

static void report_availability_release(struct report_availability *a)
{
	for (size_t i = 0; i < a->nmaintenance; i++)
		free(a->maintenance[i].note);
	free(a->maintenance);
	free(a->days);
	free(a->method_ja);
	free(a->method_en);
	memset(a, 0, sizeof(*a));
}

/* The monitor's accounting (src/availability.h): service hours, maintenance
 * announced in advance excluded, time without monitoring data left out and
 * shown, overruns counted as down. The same numbers `saasguard availability`
 * prints, per local day and over the period up to now. */
enum sg_code report_availability_monitor(struct store *s, const struct report_request *req,
                                         struct report_availability *out, struct sg_error *err)
{
	const struct reference_value *ref = catalog_item_ref(
	    catalog_item(req->catalog, "III.2.1.1.a"), req->profile->service.pattern);
	struct monitor_config *cfg = NULL;
	struct availability av;
	double hi = req->now < (double)req->period.end ? req->now : (double)req->period.end;
	struct maintenance_window *mw = NULL;
	size_t alloc = 0, nmw = 0;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = monitor_config_load(req->profile, req->catalog, &cfg, err)))
		return rc;
	out->ndays = period_days(&req->period, req->tz, &out->days);
	out->committed = ref ? ref->quantity.percent : NAN;
	for (size_t i = 0; i < out->ndays; i++) {
		struct report_avail_day *d = &out->days[i];
		if ((double)d->start >= hi)
			break;
		if ((rc = availability_for_period(s, cfg, (double)d->start, (double)d->end,
		                                  req->now, &av, err)))
			goto fail;
		d->measured_s = av.up_s + av.down_s;
		d->down_s = av.down_s;
		d->achieved = av.percent >= 0 ? av.percent : NAN;
	}
	if ((rc = availability_for_period(s, cfg, (double)req->period.start,
	                                  (double)req->period.end, req->now, &av, err)))
		goto fail;
	out->measured_s = av.up_s + av.down_s;
	out->down_s = av.down_s;
	out->counted_s = av.counted_s;
	out->achieved = av.percent >= 0 ? av.percent : NAN;
	/* The verdict `saasguard availability` gives: a figure resting on a
	 * small share of the counted time is provisional. */
	{
		struct availability_verdict v;
		availability_verdict(&av, req->catalog, req->profile->service.pattern, &v);
		out->coverage = av.counted_s > 0 ? v.coverage : NAN;
		out->provisional = v.provisional;
	}
	/* the same windows availability_for_period() excluded: profile and web */
	if ((rc = availability_maintenance(s, cfg, (double)req->period.start,
	                                   (double)req->period.end, &mw, &nmw, NULL, err)))
		goto fail;
	for (size_t i = 0; i < nmw; i++) {
		const struct maintenance_window *m = &mw[i];
		ALLOC_GROW(out->maintenance, out->nmaintenance, alloc);
		out->maintenance[out->nmaintenance].start = (long long)m->start;
		out->maintenance[out->nmaintenance].end = (long long)m->end;
		out->maintenance[out->nmaintenance].announced = (long long)m->announced;
		out->maintenance[out->nmaintenance].note = m->note ? xstrdup(m->note) : NULL;
		out->nmaintenance++;
	}
	{
		const char *zone = cfg->hours.timezone ? cfg->hours.timezone : "Asia/Tokyo";
		int japan = !strcmp(zone, "Asia/Tokyo");
		out->method_ja = xstrfmt(
		    "稼働率は、契約したサービス時間帯（%s）のうち事前にお知らせした計画保守の"
		    "時間を除いた時間について、サービスが稼働していた時間の割合です。停止を確認した"
		    "時間を停止時間とし、複数の監視で同時に停止を確認した時間は一度だけ数えます。"
		    "一時的な応答の失敗で停止と確認するに至らなかったもの及び応答の遅延は、稼働と"
		    "して数えます。監視の記録がない時間（この期間 %.0f 分）は算定から除き、記録の"
		    "ある時間が対象時間の %.0f%% 未満のときは暫定値として示します。計画保守の予定"
		    "時間を超えた停止は停止として数え、事前にお知らせしなかった保守の時間は通常の"
		    "時間として数えます。",
		    japan ? "日本時間" : zone, av.unknown_s / 60.0,
		    AVAILABILITY_MIN_COVERAGE * 100);
		out->method_en = xstrfmt(
		    "Availability is the share of the contracted service hours (%s), less "
		    "maintenance announced in advance, during which the service was up. Time "
		    "during "
		    "which an outage was confirmed counts as down; outages seen by several checks "
		    "at "
		    "once count once. Brief failures never confirmed as an outage and slow "
		    "responses "
		    "count as up. Time without monitoring records (%.0f minutes in this period) is "
		    "left out; when records cover less than %.0f%% of the time counted, the figure "
		    "is shown as provisional. Downtime past the end of a maintenance window counts "
		    "as down; maintenance not announced in advance counts as ordinary time.",
		    japan ? "Japan time" : zone, av.unknown_s / 60.0,
		    AVAILABILITY_MIN_COVERAGE * 100);
	}
	availability_maintenance_free(mw, nmw);
	monitor_config_free(cfg);
	return SG_OK;
fail:
	availability_maintenance_free(mw, nmw);
	monitor_config_free(cfg);
	report_availability_release(out);
	return rc;
}

/* ---- building ---- */

struct build {
	struct report *r;
	const struct report_request *req;
	struct store *s;
	/* daily */
	unsigned long long (*day_hist)[64];
	unsigned long long all_hist[64];
	struct notify_config *notify; /* for the checks' labels; NULL: none */
	double max_gap[4];            /* liveness, fault, performance, external_network; -1: none */
	size_t incidents_alloc;
};

static int kind_index(const char *kind)
{
	static const char *const kinds[] = {"liveness", "fault", "performance", "external_network"};
	for (int i = 0; i < 4; i++)
		if (kind && !strcmp(kind, kinds[i]))
			return i;
	return -1;
}

static int check_cb(const struct store_report_check *row, void *p)
{
	struct build *b = p;

	b->r->checks.checks++;
	switch (kind_index(row->kind)) {
	case 0:
		b->r->checks.liveness++;
		break;
	case 1:
		b->r->checks.fault++;
		break;
	case 2:
		b->r->checks.performance++;
		break;
	case 3:
		b->r->checks.external_network++;
		break;
	}
	return 0;
}

static int daily_cb(const struct store_report_daily *row, void *p)
{
	struct build *b = p;
	struct report *r = b->r;
	int k = kind_index(row->kind);

	for (size_t i = 0; i < r->nperf; i++) {
		if (strcmp(r->perf[i].day, row->day))
			continue;
		histogram_decode_add(b->day_hist[i], row->hist, row->hist_len);
		break;
	}
	histogram_decode_add(b->all_hist, row->hist, row->hist_len);
	r->checks.probes += (unsigned long long)row->n;
	r->checks.failures += (unsigned long long)row->n_fail;
	if (k >= 0 && row->n > 0 && row->max_gap_s > b->max_gap[k])
		b->max_gap[k] = row->max_gap_s;
	return 0;
}

static const char *notify_item_of(const char *kind)
{
	switch (kind_index(kind == NULL                   ? NULL
	                   : !strcmp(kind, "outage")      ? "liveness"
	                   : !strcmp(kind, "fault")       ? "fault"
	                   : !strcmp(kind, "degradation") ? "performance"
	                                                  : "external_network")) {
	case 0:
		return "III.1.1.1.b";
	case 1:
		return "III.1.1.2.b";
	case 2:
		return "III.1.1.3.b";
	default:
		return "III.3.2.5.a";
	}
}

/* The reference quantity in seconds of an item for the pattern; NAN. */
static double ref_seconds(const struct report_request *req, const char *item_id)
{
	const struct reference_value *rv =
	    catalog_item_ref(catalog_item(req->catalog, item_id), req->profile->service.pattern);

	if (!rv)
		return NAN;
	return rv->quantity.type == VALUE_DURATION ? rv->quantity.seconds : NAN;
}

static enum report_deadline judge(double detected, double done, double deadline, double now)
{
	if (isnan(deadline))
		return DEADLINE_NONE;
	if (!isnan(done))
		return done - detected <= deadline + 1e-6 ? DEADLINE_MET : DEADLINE_MISSED;
	return now > detected + deadline ? DEADLINE_MISSED : DEADLINE_PENDING;
}

static char *dupn(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int incident_cb(const struct store_report_incident *row, void *p)
{
	struct build *b = p;
	struct report *r = b->r;
	struct report_incident *in;

	ALLOC_GROW(r->incidents, r->nincidents, b->incidents_alloc);
	in = &r->incidents[r->nincidents++];
	memset(in, 0, sizeof(*in));
	in->id = row->id;
	in->kind = xstrdup(row->kind);
	in->check_name = dupn(row->check_name);
	in->label =
	    dupn(notify_config_label(b->notify, row->check_name, b->req->lang == SG_LANG_EN));
	in->item_id = dupn(row->item_id);
	in->summary = dupn(row->summary);
	in->started = row->started;
	in->detected = row->detected;
	in->resolved = row->resolved;
	in->first_notice = row->first_notice;
	in->notify_deadline_s = isnan(row->notify_deadline_s)
	                            ? ref_seconds(b->req, notify_item_of(row->kind))
	                            : row->notify_deadline_s;
	in->followup_deadline_s = isnan(row->followup_deadline_s)
	                              ? ref_seconds(b->req, "III.1.1.8.a")
	                              : row->followup_deadline_s;
	return 0;
}

static int followup_cb(long long incident_id, double sent_at, void *p)
{
	struct build *b = p;
	struct report *r = b->r;

	for (size_t i = 0; i < r->nincidents; i++) {
		struct report_incident *in = &r->incidents[i];
		if (in->id != incident_id)
			continue;
		in->followups =
		    xreallocarray(in->followups, in->nfollowups + 1, sizeof(*in->followups));
		in->followups[in->nfollowups++] = sent_at;
		break;
	}
	return 0;
}

/* ---- events: overlapping incidents are one ---- */

static int kind_rank(const char *kind)
{
	static const char *const order[] = {"outage", "fault", "degradation", "external_network"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(kind, order[i]))
			return i;
	return 4;
}

static int by_start(const void *a, const void *b)
{
	const struct report_incident *x = a, *y = b;
	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_time(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double min_nan(double a, double b)
{
	return isnan(a) ? b : isnan(b) ? a : a < b ? a : b;
}

static void incident_free(struct report_incident *in)
{
	free(in->ids);
	free(in->kind);
	free(in->check_name);
	free(in->label);
	free(in->item_id);
	free(in->summary);
	free(in->followups);
}

/* Folds src (one raw incident) into the event ev. */
static void event_add(struct report_incident *ev, struct report_incident *src)
{
	ev->ids = xreallocarray(ev->ids, ev->nids + 1, sizeof(*ev->ids));
	ev->ids[ev->nids++] = src->id;
	if (src->check_name && (!ev->check_name || !strstr(ev->check_name, src->check_name))) {
		char *j = ev->check_name ? xstrfmt("%s, %s", ev->check_name, src->check_name)
		                         : xstrdup(src->check_name);
		free(ev->check_name);
		ev->check_name = j;
	}
	if (src->label && (!ev->label || !strstr(ev->label, src->label))) {
		char *j =
		    ev->label ? xstrfmt("%s・%s", ev->label, src->label) : xstrdup(src->label);
		free(ev->label);
		ev->label = j;
	}
	if (kind_rank(src->kind) < kind_rank(ev->kind)) {
		free(ev->kind);
		ev->kind = xstrdup(src->kind);
		free(ev->item_id);
		ev->item_id = src->item_id ? xstrdup(src->item_id) : NULL;
		if (src->summary) {
			free(ev->summary);
			ev->summary = xstrdup(src->summary);
		}
	} else if (!ev->summary && src->summary) {
		ev->summary = xstrdup(src->summary);
	}
	ev->detected = min_nan(ev->detected, src->detected);
	ev->first_notice = min_nan(ev->first_notice, src->first_notice);
	ev->notify_deadline_s = min_nan(ev->notify_deadline_s, src->notify_deadline_s);
	ev->followup_deadline_s = min_nan(ev->followup_deadline_s, src->followup_deadline_s);
	if (isnan(src->resolved) || isnan(ev->resolved))
		ev->resolved = NAN;
	else if (src->resolved > ev->resolved)
		ev->resolved = src->resolved;
	if (src->nfollowups) {
		ev->followups = xreallocarray(ev->followups, ev->nfollowups + src->nfollowups,
		                              sizeof(*ev->followups));
		memcpy(ev->followups + ev->nfollowups, src->followups,
		       src->nfollowups * sizeof(*src->followups));
		ev->nfollowups += src->nfollowups;
		qsort(ev->followups, ev->nfollowups, sizeof(*ev->followups), by_time);
	}
}

/* Incidents of the service that overlap in time (one starts before the
 * others have all been resolved) are one event: stopping one server fails
 * every check that reaches it. */
static void merge_events(struct report *r)
{
	struct report_incident *ev = NULL;
	size_t n = 0;
	double end = 0;

	r->nraw_incidents = r->nincidents;
	if (!r->nincidents)
		return;
	qsort(r->incidents, r->nincidents, sizeof(*r->incidents), by_start);
	ev = xcalloc(r->nincidents, sizeof(*ev));
	for (size_t i = 0; i < r->nincidents; i++) {
		struct report_incident *in = &r->incidents[i];
		if (!n || !(in->started < end)) {
			struct report_incident *e = &ev[n++];
			*e = *in;
			e->ids = NULL;
			e->nids = 0;
			e->kind = xstrdup(in->kind);
			e->check_name = NULL;
			e->label = NULL;
			e->item_id = in->item_id ? xstrdup(in->item_id) : NULL;
			e->summary = in->summary ? xstrdup(in->summary) : NULL;
			e->followups = NULL;
			e->nfollowups = 0;
			e->first_notice = NAN;
			e->notify_deadline_s = e->followup_deadline_s = NAN;
			e->detected = NAN;
			e->resolved = in->resolved;
			end = isnan(in->resolved) ? INFINITY : in->resolved;
		} else if (isnan(in->resolved)) {
			end = INFINITY;
		} else if (in->resolved > end) {
			end = in->resolved;
		}
		event_add(&ev[n - 1], in);
		incident_free(in);
	}
	free(r->incidents);
	r->incidents = ev;
	r->nincidents = n;
}

static void judge_incidents(struct build *b)
{
	struct report *r = b->r;

	for (size_t i = 0; i < r->nincidents; i++) {
		struct report_incident *in = &r->incidents[i];
		double fu = in->nfollowups ? in->followups[0] : NAN;

		in->notice =
		    judge(in->detected, in->first_notice, in->notify_deadline_s, b->req->now);
		in->followup = judge(in->detected, fu, in->followup_deadline_s, b->req->now);
		r->notices_met += in->notice == DEADLINE_MET;
		r->notices_missed += in->notice == DEADLINE_MISSED;
		r->followups_met += in->followup == DEADLINE_MET;
		r->followups_missed += in->followup == DEADLINE_MISSED;
		if (r->audience == REPORT_MANAGERS && in->followup == DEADLINE_MISSED) {
			struct report_overdue *o;
			r->overdue =
			    xreallocarray(r->overdue, r->noverdue + 1, sizeof(*r->overdue));
			o = &r->overdue[r->noverdue++];
			o->incident_id = in->id;
			o->kind = xstrdup(in->kind);
			o->detected = in->detected;
			o->due = in->detected + in->followup_deadline_s;
			o->sent = fu;
		}
	}
}

/* ---- the SLA table ---- */

struct measured_worst {
	char item[32];
	int have;
	double num;   /* in the item's comparison unit: s, %, count */
	char *text;   /* as measured */
	char *source; /* "collector:NAME" */
	int finding;  /* a non-numeric measurement that is a finding */
};

struct msr_ctx {
	struct build *b;
	struct measured_worst *w;
	size_t n, alloc;
};

static int larger_is_worse(enum ref_kind k)
{
	return k == REF_MAX_INTERVAL || k == REF_MAX_DELAY;
}

static int measurement_cb(const struct store_report_measurement *row, void *p)
{
	struct msr_ctx *c = p;
	const struct eval_item *it = catalog_item(c->b->req->catalog, row->item_id);
	const struct reference_value *ref =
	    catalog_item_ref(it, c->b->req->profile->service.pattern);
	struct measured_worst *w = NULL;
	enum ref_kind kind;
	struct value v;
	double num = row->value_num;

	/* The monitor's own rows are rolling-window figures (the last N days up
	 * to when it ran): the report computes those items for the period. */
	if (!ref || !strcmp(row->collector, "monitor"))
		return 0;
	kind = ref->kind;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->w[i].item, it->id))
			w = &c->w[i];
	if (!w) {
		ALLOC_GROW(c->w, c->n, c->alloc);
		w = &c->w[c->n++];
		memset(w, 0, sizeof(*w));
		snprintf(w->item, sizeof(w->item), "%s", it->id);
	}
	if (row->value_text && !value_parse(row->value_text, &v, NULL)) {
		if (v.type == VALUE_DURATION)
			num = v.seconds;
		else if (v.type == VALUE_PERCENT)
			num = v.percent;
		else if (v.type == VALUE_COUNT)
			num = (double)v.count;
	}
	if (!w->have ||
	    (!isnan(num) &&
	     (isnan(w->num) || (larger_is_worse(kind) ? num > w->num : num < w->num))) ||
	    (isnan(num) && isnan(w->num))) {
		free(w->text);
		free(w->source);
		w->have = 1;
		w->num = num;
		w->text = xstrdup(row->value_text ? row->value_text : "");
		w->source = xstrfmt("collector:%s", row->collector);
		w->finding = !strcmp(row->status, "finding");
	}
	return 0;
}

/* The assessment's evaluation item object for id, or NULL. */
static const json_t *assessed_item(const json_t *a, const char *id)
{
	const json_t *controls = a ? json_object_get(a, "controls") : NULL;
	size_t i, j;
	const json_t *c, *it;

	json_array_foreach(controls, i, c)
	{
		json_array_foreach(json_object_get(c, "evaluation_items"), j, it)
		{
			const char *iid = json_string_value(json_object_get(it, "id"));
			if (iid && !strcmp(iid, id))
				return it;
		}
	}
	return NULL;
}

static char *json_text(const json_t *v)
{
	if (json_is_string(v) && *json_string_value(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xstrfmt("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xstrfmt("%g", json_real_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	return NULL;
}

static void sla_measured(struct report_sla_row *row, enum ref_kind kind, const struct value *commit,
                         int have_commit, double num, int finding, enum sg_lang lang)
{
	double c = NAN;

	if (!have_commit) {
		row->verdict = SLA_NO_COMMITMENT;
		return;
	}
	if (commit->type == VALUE_DURATION)
		c = commit->seconds;
	else if (commit->type == VALUE_PERCENT)
		c = commit->percent;
	else if (commit->type == VALUE_COUNT)
		c = (double)commit->count;
	if (isnan(num) || isnan(c)) {
		row->verdict = finding ? SLA_MISSED : SLA_MET;
		return;
	}
	(void)lang;
	/* A provider's target where the guideline has "-": judged the way the
	 * item is judged for the other patterns. */
	for (int p = 0; kind == REF_NONE && p < CATALOG_PATTERNS; p++)
		kind = catalog_item_ref(row->item, p + 1)->kind;
	if (larger_is_worse(kind))
		row->verdict = num <= c + 1e-9 ? SLA_MET : SLA_MISSED;
	else
		row->verdict = num + 1e-9 >= c ? SLA_MET : SLA_MISSED;
}

/* Delays of one kind of incident (NULL: follow-ups of every incident). */
struct delays {
	size_t incidents; /* incidents counted */
	size_t unsent;    /* nothing sent and the deadline has passed */
	double worst;     /* the worst delay of what was sent; NAN when none */
};

static struct delays incident_delays(const struct report *r, const char *kind)
{
	struct delays d = {0, 0, NAN};

	for (size_t i = 0; i < r->nincidents; i++) {
		const struct report_incident *in = &r->incidents[i];
		double done = kind ? in->first_notice : in->nfollowups ? in->followups[0] : NAN;
		enum report_deadline dl = kind ? in->notice : in->followup;
		if (kind && strcmp(in->kind, kind))
			continue;
		d.incidents++;
		if (isnan(done)) {
			d.unsent += dl == DEADLINE_MISSED;
			continue;
		}
		if (isnan(d.worst) || done - in->detected > d.worst)
			d.worst = done - in->detected;
	}
	return d;
}

/* Fills an SLA row of a delay the monitor measures. Returns 0 when the
 * service has no check that could have measured it. */
static int sla_delay(struct build *b, struct report_sla_row *row, const char *kind, int monitored,
                     const struct value *commit, int have_commit)
{
	struct report *r = b->r;
	struct delays d = incident_delays(r, kind);
	enum sg_lang lang = b->req->lang;

	if (!monitored)
		return 0;
	row->source = xstrdup("monitor");
	if (!d.incidents) {
		row->achieved =
		    xstrdup(TR(lang, "該当なし（インシデントなし）", "none (no incidents)"));
		row->verdict = have_commit ? SLA_MET : SLA_NO_COMMITMENT;
		return 1;
	}
	if (d.unsent) {
		struct dynbuf t = DYNBUF_INIT;
		dynbuf_printf(&t, TR(lang, "期限内に未送付 %zu 件", "%zu not sent in time"),
		              d.unsent);
		if (!isnan(d.worst)) {
			char *w =
			    report_text_measure(row->item, REF_MAX_DELAY, commit, d.worst, lang);
			dynbuf_printf(&t, TR(lang, "、送付分の最大 %s", "; worst sent %s"), w);
			free(w);
		}
		row->achieved = dynbuf_detach(&t, NULL);
		row->verdict = have_commit ? SLA_MISSED : SLA_NO_COMMITMENT;
		return 1;
	}
	row->achieved = report_text_measure(row->item, REF_MAX_DELAY, commit, d.worst, lang);
	sla_measured(row, REF_MAX_DELAY, commit, have_commit, d.worst, 0, lang);
	return 1;
}

/* A value token ("1mo", "[tls]", "hot") in words (「1ヶ月」「TLS」「ホットスタンバイ」),
 * as the SLA writes it; text that does not parse is kept. Caller frees. */
static char *value_words(const char *raw, enum ref_kind kind, enum sg_lang lang)
{
	struct value v;

	if (raw && !value_parse(raw, &v, NULL)) {
		struct dynbuf b = DYNBUF_INIT;
		judge_value_words(&v, kind, lang == SG_LANG_EN, &b);
		if (dynbuf_len(&b) && !dynbuf_status(&b))
			return dynbuf_detach(&b, NULL);
		dynbuf_release(&b);
	}
	return xstrdup(raw ? raw : "-");
}

static enum sg_code build_sla(struct build *b, struct sg_error *err)
{
	struct report *r = b->r;
	const struct report_request *req = b->req;
	const struct catalog *cat = req->catalog;
	int pat = r->pattern;
	struct msr_ctx mc;
	size_t alloc = 0;
	enum sg_code rc;

	memset(&mc, 0, sizeof(mc));
	mc.b = b;
	if ((rc = store_report_measurements(b->s, r->service, (double)req->period.start,
	                                    (double)req->period.end, 0, measurement_cb, &mc, err)))
		goto out;
	for (size_t ci = 0; ci < cat->ncontrols; ci++) {
		const struct control *ctl = &cat->controls[ci];
		for (size_t ii = 0; ii < ctl->nitems; ii++) {
			const struct eval_item *it = &ctl->items[ii];
			const struct reference_value *rv = catalog_item_ref(it, pat);
			const json_t *aj = assessed_item(req->assessment, it->id);
			char *target = rv && aj ? json_text(json_object_get(aj, "target")) : NULL;
			struct report_sla_row *row;
			struct value commit;
			int have_commit = 0;
			double num = NAN;
			const char *src = NULL;
			char *text = NULL;
			int finding = 0;

			if (!rv) /* the profile's pattern is 1..6 */
				continue;
			memset(&commit, 0, sizeof(commit));
			ALLOC_GROW(r->sla, r->nsla, alloc);
			row = &r->sla[r->nsla++];
			memset(row, 0, sizeof(*row));
			row->item = it;
			row->required = rv->required;
			if (target && !value_parse(target, &commit, NULL)) {
				have_commit = 1;
				row->committed = value_words(target, rv->kind, req->lang);
			} else if (rv->kind != REF_NONE) {
				have_commit = 1;
				commit = rv->quantity;
				if (req->lang == SG_LANG_EN) {
					/* The reference in words, as `sla` writes it. */
					struct dynbuf w = DYNBUF_INIT;
					judge_value_words(&rv->quantity, rv->kind, 1, &w);
					if (dynbuf_len(&w) && !dynbuf_status(&w))
						row->committed = dynbuf_detach(&w, NULL);
					else
						row->committed =
						    xstrdup(rv->quantity_text[0] ? rv->quantity_text
						                                 : rv->kind_name);
					dynbuf_release(&w);
				} else {
					row->committed = xstrdup(rv->text_ja);
				}
			} else {
				row->committed = xstrdup("-");
			}
			free(target);

			/* What the period shows, measured first. */
			if (!strcmp(it->id, "III.1.1.1.a") && b->max_gap[0] >= 0)
				num = b->max_gap[0], src = "monitor";
			else if (!strcmp(it->id, "III.1.1.2.a") && b->max_gap[1] >= 0)
				num = b->max_gap[1], src = "monitor";
			else if (!strcmp(it->id, "III.1.1.3.a") && b->max_gap[2] >= 0)
				num = b->max_gap[2], src = "monitor";
			else if (!strcmp(it->id, "III.1.1.1.b") &&
			         sla_delay(b, row, "outage", r->checks.liveness > 0, &commit,
			                   have_commit))
				continue;
			else if (!strcmp(it->id, "III.1.1.2.b") &&
			         sla_delay(b, row, "fault", r->checks.fault > 0, &commit,
			                   have_commit))
				continue;
			else if (!strcmp(it->id, "III.1.1.3.b") &&
			         sla_delay(b, row, "degradation", r->checks.performance > 0,
			                   &commit, have_commit))
				continue;
			else if (!strcmp(it->id, "III.3.2.5.a") &&
			         sla_delay(b, row, "external_network",
			                   r->checks.external_network > 0, &commit, have_commit))
				continue;
			else if (!strcmp(it->id, "III.1.1.8.a") &&
			         sla_delay(b, row, NULL, r->checks.checks > 0, &commit,
			                   have_commit))
				continue;
			else if (!strcmp(it->id, "III.2.1.1.a"))
				num = r->availability.achieved, src = "monitor";
			else if (!strcmp(it->id, "III.1.1.7.a"))
				num = r->interval_months * VALUE_MONTH_SECONDS, src = "report";
			if (isnan(num))
				src = NULL;
			for (size_t m = 0; !src && m < mc.n; m++) {
				if (strcmp(mc.w[m].item, it->id))
					continue;
				num = mc.w[m].num;
				src = mc.w[m].source;
				finding = mc.w[m].finding;
				text = isnan(num) ? value_words(mc.w[m].text, rv->kind, req->lang)
				                  : NULL;
			}
			if (src) {
				if (!text)
					text = report_text_measure(it, rv->kind, &commit, num,
					                           req->lang);
				if (!strcmp(it->id, "III.2.1.1.a") && r->availability.provisional) {
					char *pv =
					    xstrfmt("%s%s", text,
					            TR(req->lang, "（暫定値）", " (provisional)"));
					free(text);
					text = pv;
				}
				row->achieved = text;
				row->source = xstrdup(src);
				sla_measured(row, rv->kind, &commit, have_commit, num, finding,
				             req->lang);
				continue;
			}
			/* The profile's declaration (申告) only: a measured value in
			 * the assessment may be from outside the period. */
			if (aj && strcmp(it->id, "III.2.1.1.a") &&
			    json_string_value(json_object_get(aj, "provenance")) &&
			    !strcmp(json_string_value(json_object_get(aj, "provenance")),
			            "declared") &&
			    (text = json_text(json_object_get(aj, "value")))) {
				const char *v = json_string_value(json_object_get(aj, "verdict"));
				row->achieved = value_words(text, rv->kind, req->lang);
				free(text);
				row->source = xstrdup("declared");
				row->verdict = !have_commit                     ? SLA_NO_COMMITMENT
				               : v && !strcmp(v, "meets")       ? SLA_MET
				               : v && !strcmp(v, "falls_short") ? SLA_MISSED
				                                                : SLA_NO_DATA;
				continue;
			}
			row->verdict = have_commit ? SLA_NO_DATA : SLA_NO_COMMITMENT;
		}
	}
out:
	for (size_t m = 0; m < mc.n; m++) {
		free(mc.w[m].text);
		free(mc.w[m].source);
	}
	free(mc.w);
	return rc;
}

/* ---- managers: assessment, findings, deliveries ---- */

/* The SLA row of an item the report measured itself for the period
 * (source monitor or report), or NULL. */
static const struct report_sla_row *period_row(const struct report *r, const char *id)
{
	for (size_t i = 0; id && i < r->nsla; i++)
		if (!strcmp(r->sla[i].item->id, id))
			return r->sla[i].source && (!strcmp(r->sla[i].source, "monitor") ||
			                            !strcmp(r->sla[i].source, "report"))
			           ? &r->sla[i]
			           : NULL;
	return NULL;
}

/* The assessment's gaps, except that an item the report measured for the
 * period is judged by the period's figure (the SLA table's), so the summary
 * shows one number per fact. */
static void build_assessment(struct report *r, const json_t *a)
{
	size_t i, j, alloc = 0;
	const json_t *c, *it;

	r->has_assessment = 1;
	json_array_foreach(json_object_get(a, "controls"), i, c)
	{
		const char *cv = json_string_value(json_object_get(c, "verdict"));
		r->controls_total++;
		if (cv && !strcmp(cv, "gap"))
			r->controls_gap++;
		else if (cv && !strcmp(cv, "compliant"))
			r->controls_compliant++;
		json_array_foreach(json_object_get(c, "evaluation_items"), j, it)
		{
			const char *v = json_string_value(json_object_get(it, "verdict"));
			const char *sev = json_string_value(json_object_get(it, "severity"));
			const struct report_sla_row *pr =
			    period_row(r, json_string_value(json_object_get(it, "id")));
			struct report_short_item *s;
			if (pr ? pr->verdict != SLA_MISSED : !v || strcmp(v, "falls_short"))
				continue;
			if (sev && !strcmp(sev, "critical"))
				r->gaps_critical++;
			else if (sev && !strcmp(sev, "high"))
				r->gaps_high++;
			else
				r->gaps_medium++;
			if (!json_is_true(json_object_get(it, "required")))
				continue;
			ALLOC_GROW(r->short_items, r->nshort_items, alloc);
			s = &r->short_items[r->nshort_items++];
			s->id = dupn(json_string_value(json_object_get(it, "id")));
			if (!s->id)
				s->id = xstrdup("?");
			s->reference = json_text(json_object_get(it, "reference_ja"));
			s->value = pr && pr->achieved ? xstrdup(pr->achieved)
			                              : json_text(json_object_get(it, "value"));
			s->severity = xstrdup(sev ? sev : "critical");
			s->required = 1;
		}
	}
}

static int finding_cb(const struct store_report_measurement *row, void *p)
{
	struct report *r = p;
	struct report_finding *f;

	/* The monitor's rolling-window rows: the report has the period's own. */
	if (!strcmp(row->collector, "monitor"))
		return 0;
	r->findings = xreallocarray(r->findings, r->nfindings + 1, sizeof(*r->findings));
	f = &r->findings[r->nfindings++];
	f->collector = xstrdup(row->collector);
	f->item_id = dupn(row->item_id);
	f->subject = dupn(row->subject);
	f->status = xstrdup(row->status);
	f->value = dupn(row->value_text);
	f->detail = dupn(row->detail);
	f->measured_at = row->measured_at;
	return 0;
}

struct dctx {
	struct report *r;
	double now;
};

static int delivery_cb(const struct store_report_delivery *row, void *p)
{
	struct dctx *c = p;
	struct report *r = c->r;
	struct report_delivery *d;

	r->deliveries = xreallocarray(r->deliveries, r->ndeliveries + 1, sizeof(*r->deliveries));
	d = &r->deliveries[r->ndeliveries++];
	d->id = row->id;
	d->incident_id = row->incident_id;
	d->purpose = xstrdup(row->purpose);
	d->audience = xstrdup(row->audience);
	d->channel = xstrdup(row->channel);
	d->recipient = xstrdup(row->recipient);
	d->last_error = dupn(row->last_error);
	d->attempts = row->attempts;
	d->created = row->created;
	d->deadline = row->deadline;
	d->delivered = row->delivered;
	if (!isnan(row->delivered))
		d->state = xstrdup("late");
	else if (!isnan(row->deadline) && row->deadline < c->now)
		d->state = xstrdup("overdue");
	else
		d->state = xstrdup("failing");
	return 0;
}

enum sg_code report_build(struct store *s, const struct report_request *req, struct report *out,
                          struct sg_error *err)
{
	struct build b;
	struct report *r = out;
	const struct timeutil_period *p = &req->period;
	report_availability_fn avail =
	    req->availability ? req->availability : report_availability_monitor;
	char day_to[11];
	enum sg_code rc;

	memset(r, 0, sizeof(*r));
	memset(&b, 0, sizeof(b));
	b.r = r;
	b.req = req;
	b.s = s;
	for (int i = 0; i < 4; i++)
		b.max_gap[i] = -1;
	r->service = xstrdup(req->profile->service.name);
	r->pattern = req->profile->service.pattern;
	r->audience = req->audience;
	r->lang = req->lang;
	r->period = *p;
	r->tz = xstrdup(req->tz);
	r->interval_months = report_interval_months(req->catalog, r->pattern);
	r->generated_at = req->now;
	r->ledger_status = req->ledger_status;
	r->ledger_detail = dupn(req->ledger_detail);
	r->period_choice = req->period_choice;
	/* The provider's name and the checks' customer-facing labels come with
	 * the notify config; a profile whose notify section cannot be loaded
	 * here (a secret file unreadable to this user) still gets its report,
	 * with the service's name and neutral words. */
	{
		struct sg_error ignored;
		memset(&ignored, 0, sizeof(ignored));
		if (notify_config_load(req->profile, &b.notify, &ignored))
			b.notify = NULL;
		r->provider = dupn(notify_config_provider_name(b.notify, req->lang == SG_LANG_EN));
	}
	if ((rc = period_has_data(s, r->service, p, req->tz, &r->has_data, err)))
		goto fail;

	if ((rc = avail(s, req, &r->availability, err)))
		goto fail;
	/* Per-day performance over the same days. */
	r->nperf = r->availability.ndays;
	r->perf = xcalloc(r->nperf ? r->nperf : 1, sizeof(*r->perf));
	b.day_hist = xcalloc(r->nperf ? r->nperf : 1, sizeof(*b.day_hist));
	for (size_t i = 0; i < r->nperf; i++)
		memcpy(r->perf[i].day, r->availability.days[i].day, sizeof(r->perf[i].day));
	local_day(p->end, req->tz, day_to);
	if ((rc = store_report_checks(s, r->service, (double)p->start, (double)p->end, check_cb, &b,
	                              err)) ||
	    (rc = store_report_daily(s, r->service, r->nperf ? r->perf[0].day : day_to, day_to,
	                             daily_cb, &b, err)))
		goto fail;
	for (size_t i = 0; i < r->nperf; i++) {
		struct report_perf_day *d = &r->perf[i];
		for (int k = 0; k < 64; k++)
			d->n += b.day_hist[i][k];
		d->p50 = histogram_quantile(b.day_hist[i], 0.50);
		d->p95 = histogram_quantile(b.day_hist[i], 0.95);
		d->p99 = histogram_quantile(b.day_hist[i], 0.99);
	}
	for (int k = 0; k < 64; k++)
		r->perf_n += b.all_hist[k];
	r->p50 = histogram_quantile(b.all_hist, 0.50);
	r->p95 = histogram_quantile(b.all_hist, 0.95);
	r->p99 = histogram_quantile(b.all_hist, 0.99);

	if ((rc = store_report_incidents(s, r->service, (double)p->start, (double)p->end,
	                                 incident_cb, &b, err)) ||
	    (rc = store_report_followups(s, r->service, (double)p->start, (double)p->end,
	                                 followup_cb, &b, err)))
		goto fail;
	merge_events(r);
	judge_incidents(&b);
	/* The provider's own availability target, when the assessment has one. */
	{
		const json_t *aj = assessed_item(req->assessment, "III.2.1.1.a");
		char *t = aj ? json_text(json_object_get(aj, "target")) : NULL;
		struct value v;
		if (t && !value_parse(t, &v, NULL) && v.type == VALUE_PERCENT)
			r->availability.committed = v.percent;
		free(t);
	}
	if ((rc = build_sla(&b, err)))
		goto fail;
	if (r->audience == REPORT_MANAGERS) {
		struct dctx dc = {r, req->now};
		if (req->assessment)
			build_assessment(r, req->assessment);
		if ((rc = store_report_measurements(s, r->service, (double)p->start, (double)p->end,
		                                    1, finding_cb, r, err)) ||
		    (rc = store_report_deliveries_at_risk(s, r->service, (double)p->start,
		                                          (double)p->end, req->now, delivery_cb,
		                                          &dc, err)))
			goto fail;
	}
	free(b.day_hist);
	notify_config_free(b.notify);
	return SG_OK;
fail:
	free(b.day_hist);
	notify_config_free(b.notify);
	report_release(r);
	return rc;
}

void report_release(struct report *r)
{
	free(r->service);
	free(r->provider);
	free(r->tz);
	report_availability_release(&r->availability);
	for (size_t i = 0; i < r->nsla; i++) {
		free(r->sla[i].committed);
		free(r->sla[i].achieved);
		free(r->sla[i].source);
	}
	free(r->sla);
	for (size_t i = 0; i < r->nincidents; i++)
		incident_free(&r->incidents[i]);
	free(r->incidents);
	free(r->perf);
	for (size_t i = 0; i < r->nshort_items; i++) {
		free(r->short_items[i].id);
		free(r->short_items[i].reference);
		free(r->short_items[i].value);
		free(r->short_items[i].severity);
	}
	free(r->short_items);
	for (size_t i = 0; i < r->noverdue; i++)
		free(r->overdue[i].kind);
	free(r->overdue);
	for (size_t i = 0; i < r->nfindings; i++) {
		struct report_finding *f = &r->findings[i];
		free(f->collector);
		free(f->item_id);
		free(f->subject);
		free(f->status);
		free(f->value);
		free(f->detail);
	}
	free(r->findings);
	for (size_t i = 0; i < r->ndeliveries; i++) {
		struct report_delivery *d = &r->deliveries[i];
		free(d->purpose);
		free(d->audience);
		free(d->channel);
		free(d->recipient);
		free(d->last_error);
		free(d->state);
	}
	free(r->deliveries);
	free(r->ledger_detail);
	memset(r, 0, sizeof(*r));
}
