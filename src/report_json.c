/*
 * report_json - the report as JSON; see report_json.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_json.h"
#include "report_text.h"
#include "timeutil.h"
#include "banned.h"

/* A number rounded to `places` decimals, or null for NAN. */
static json_t *num(double v, int places)
{
	double f = pow(10, places);

	if (isnan(v) || isinf(v))
		return json_null();
	return json_real(round(v * f) / f);
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Local RFC 3339 with the zone's offset: 2026-11-03T10:05:00+09:00. */
static json_t *when(double t, const char *tz)
{
	struct tm tm;
	char buf[40];
	long off;

	if (isnan(t))
		return json_null();
	timeutil_localtime((long long)floor(t), tz, &tm);
	off = tm.tm_gmtoff;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	         (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	         tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, off < 0 ? '-' : '+',
	         (labs(off) / 3600) % 100, (labs(off) % 3600) / 60);
	return json_string(buf);
}

static json_t *availability(const struct report *r)
{
	const struct report_availability *a = &r->availability;
	json_t *days = json_array(), *maint = json_array();

	for (size_t i = 0; i < a->ndays; i++)
		json_array_append_new(days, json_pack("{s:s,s:o,s:o,s:o}", "day", a->days[i].day,
		                                      "achieved", num(a->days[i].achieved, 3),
		                                      "measured_s", num(a->days[i].measured_s, 3),
		                                      "down_s", num(a->days[i].down_s, 3)));
	for (size_t i = 0; i < a->nmaintenance; i++) {
		const struct report_maintenance *m = &a->maintenance[i];
		json_array_append_new(
		    maint, json_pack("{s:o,s:o,s:o,s:o}", "start", when((double)m->start, r->tz),
		                     "end", when((double)m->end, r->tz), "announced",
		                     m->announced ? when((double)m->announced, r->tz) : json_null(),
		                     "note", str(m->note)));
	}
	json_t *j =
	    json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "achieved", num(a->achieved, 3),
	              "committed", num(a->committed, 3), "met",
	              isnan(a->achieved) || isnan(a->committed)
	                  ? json_null()
	                  : json_boolean(round(a->achieved * 1000) >= round(a->committed * 1000)),
	              "measured_s", num(a->measured_s, 3), "down_s", num(a->down_s, 3), "method",
	              str(r->lang == SG_LANG_EN ? a->method_en : a->method_ja), "days", days,
	              "maintenance", maint);

	/* The one figure of the period, with how much of it rests on records. */
	json_object_set_new(j, "counted_s", num(a->counted_s, 3));
	json_object_set_new(j, "coverage", num(a->coverage, 4));
	json_object_set_new(j, "provisional", json_boolean(a->provisional));
	return j;
}

static json_t *sla(const struct report *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->nsla; i++) {
		const struct report_sla_row *s = &r->sla[i];
		json_array_append_new(
		    arr, json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:s}", "id", s->item->id, "name",
		                   r->lang == SG_LANG_EN ? s->item->name_en : s->item->name_ja,
		                   "required", s->required, "committed", str(s->committed),
		                   "achieved", str(s->achieved), "source", str(s->source),
		                   "verdict", report_sla_verdict_name(s->verdict)));
	}
	return arr;
}

static json_t *incidents(const struct report *r)
{
	json_t *items = json_array();

	for (size_t i = 0; i < r->nincidents; i++) {
		const struct report_incident *in = &r->incidents[i];
		json_t *fu = json_array(), *ids = json_array(), *it;
		for (size_t f = 0; f < in->nfollowups; f++)
			json_array_append_new(fu, when(in->followups[f], r->tz));
		for (size_t k = 0; k < in->nids; k++)
			json_array_append_new(ids, json_integer(in->ids[k]));
		it = json_pack(
		    "{s:I,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:s,s:o,s:o}", "id",
		    (json_int_t)in->id, "incident_ids", ids, "kind", in->kind, "item_id",
		    str(in->item_id), "started", when(in->started, r->tz), "detected",
		    when(in->detected, r->tz), "first_notice", when(in->first_notice, r->tz),
		    "notice_delay_s", num(in->first_notice - in->detected, 3), "notify_deadline_s",
		    num(in->notify_deadline_s, 3), "notice", report_deadline_name(in->notice),
		    "followups", fu, "followup_deadline_s", num(in->followup_deadline_s, 3),
		    "followup", report_deadline_name(in->followup), "resolved",
		    when(in->resolved, r->tz), "duration_s", num(in->resolved - in->started, 3));
		json_object_set_new(it, "label", str(in->label));
		/* Check names and the monitor's raw error are internal: the
		 * managers' report only. */
		if (r->audience == REPORT_MANAGERS) {
			char *e = report_text_error(in->summary, r->lang);
			json_object_set_new(it, "checks", str(in->check_name));
			json_object_set_new(it, "error", str(in->summary));
			json_object_set_new(it, "error_text", str(e));
			free(e);
		}
		json_array_append_new(items, it);
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "count", (json_int_t)r->nincidents,
	                 "incident_records", (json_int_t)r->nraw_incidents, "notices_met",
	                 (json_int_t)r->notices_met, "notices_missed",
	                 (json_int_t)r->notices_missed, "followups_met",
	                 (json_int_t)r->followups_met, "followups_missed",
	                 (json_int_t)r->followups_missed, "items", items);
}

static json_t *performance(const struct report *r)
{
	json_t *days = json_array();

	for (size_t i = 0; i < r->nperf; i++) {
		const struct report_perf_day *p = &r->perf[i];
		json_array_append_new(days, json_pack("{s:s,s:I,s:o,s:o,s:o}", "day", p->day,
		                                      "probes", (json_int_t)p->n, "p50_ms",
		                                      num(p->p50, 3), "p95_ms", num(p->p95, 3),
		                                      "p99_ms", num(p->p99, 3)));
	}
	return json_pack("{s:I,s:o,s:o,s:o,s:o}", "probes", (json_int_t)r->perf_n, "p50_ms",
	                 num(r->p50, 3), "p95_ms", num(r->p95, 3), "p99_ms", num(r->p99, 3), "days",
	                 days);
}

static void managers(const struct report *r, json_t *root)
{
	json_t *arr;

	if (r->has_assessment) {
		json_t *shorts = json_array();
		for (size_t i = 0; i < r->nshort_items; i++) {
			const struct report_short_item *s = &r->short_items[i];
			json_array_append_new(shorts,
			                      json_pack("{s:s,s:o,s:o,s:s}", "id", s->id,
			                                "reference_ja", str(s->reference), "value",
			                                str(s->value), "severity", s->severity));
		}
		json_object_set_new(root, "assessment",
		                    json_pack("{s:I,s:I,s:I,s:{s:I,s:I,s:I},s:o}", "controls",
		                              (json_int_t)r->controls_total, "controls_compliant",
		                              (json_int_t)r->controls_compliant, "controls_gap",
		                              (json_int_t)r->controls_gap, "gaps_by_severity",
		                              "critical", (json_int_t)r->gaps_critical, "high",
		                              (json_int_t)r->gaps_high, "medium",
		                              (json_int_t)r->gaps_medium, "required_items_short",
		                              shorts));
	}
	arr = json_array();
	for (size_t i = 0; i < r->noverdue; i++) {
		const struct report_overdue *o = &r->overdue[i];
		json_array_append_new(arr,
		                      json_pack("{s:I,s:s,s:o,s:o,s:o}", "incident_id",
		                                (json_int_t)o->incident_id, "kind", o->kind,
		                                "detected", when(o->detected, r->tz), "due",
		                                when(o->due, r->tz), "sent", when(o->sent, r->tz)));
	}
	json_object_set_new(root, "overdue_followups", arr);
	arr = json_array();
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct report_finding *f = &r->findings[i];
		json_array_append_new(
		    arr, json_pack("{s:s,s:o,s:o,s:s,s:o,s:o,s:o}", "collector", f->collector,
		                   "item_id", str(f->item_id), "subject", str(f->subject), "status",
		                   f->status, "value", str(f->value), "detail", str(f->detail),
		                   "measured_at", when(f->measured_at, r->tz)));
	}
	json_object_set_new(root, "collector_findings", arr);
	arr = json_array();
	for (size_t i = 0; i < r->ndeliveries; i++) {
		const struct report_delivery *d = &r->deliveries[i];
		json_array_append_new(
		    arr,
		    json_pack("{s:I,s:o,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:s}", "id",
		              (json_int_t)d->id, "incident_id",
		              d->incident_id ? json_integer(d->incident_id) : json_null(),
		              "purpose", d->purpose, "audience", d->audience, "channel", d->channel,
		              "recipient", d->recipient, "attempts", (json_int_t)d->attempts,
		              "created", when(d->created, r->tz), "deadline",
		              when(d->deadline, r->tz), "delivered", when(d->delivered, r->tz),
		              "last_error", str(d->last_error), "state", d->state));
	}
	json_object_set_new(root, "deliveries_at_risk", arr);
	json_object_set_new(root, "ledger",
	                    json_pack("{s:s,s:o}", "status",
	                              report_ledger_status_name(r->ledger_status), "detail",
	                              str(r->ledger_detail)));
}

enum sg_code report_json_write(const struct report *r, struct dynbuf *out, struct sg_error *err)
{
	json_t *root;
	char *text;

	root = json_pack(
	    "{s:{s:s,s:s,s:s,s:s,s:o},s:{s:s,s:i},s:{s:s,s:o,s:o,s:s,s:i,s:s,s:b},"
	    "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
	    "report", "type",
	    r->audience == REPORT_MANAGERS ? "manager_summary" : "periodic_customer_report",
	    "guideline_control", r->audience == REPORT_MANAGERS ? "III.1.1.4" : "III.1.1.7",
	    "audience", report_audience_name(r->audience), "lang",
	    r->lang == SG_LANG_EN ? "en" : "ja", "generated_at", when(r->generated_at, r->tz),
	    "service", "name", r->service, "pattern", r->pattern, "period", "label",
	    r->period.label, "start", when((double)r->period.start, r->tz), "end",
	    when((double)r->period.end, r->tz), "timezone", r->tz, "interval_months",
	    r->interval_months, "chosen", report_period_choice_name(r->period_choice), "has_data",
	    r->has_data, "checks", "total", (json_int_t)r->checks.checks, "liveness",
	    (json_int_t)r->checks.liveness, "fault", (json_int_t)r->checks.fault, "performance",
	    (json_int_t)r->checks.performance, "external_network",
	    (json_int_t)r->checks.external_network, "probes", (json_int_t)r->checks.probes,
	    "failures", (json_int_t)r->checks.failures);
	if (!root)
		return sg_error_set(
		    err, SG_ERR_INTERNAL,
		    ETR(err, "報告書の JSON を組み立てられません", "report: cannot build JSON"));
	json_object_set_new(json_object_get(root, "service"), "provider", str(r->provider));
	json_object_set_new(root, "availability", availability(r));
	json_object_set_new(root, "sla", sla(r));
	json_object_set_new(root, "incidents", incidents(r));
	json_object_set_new(root, "performance", performance(r));
	if (r->audience == REPORT_MANAGERS)
		managers(r, root);
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return sg_error_set(
		    err, SG_ERR_NOMEM,
		    ETR(err, "報告書の JSON を書き出せません", "report: cannot write JSON"));
	dynbuf_addstr(out, text);
	dynbuf_addch(out, '\n');
	free(text);
	return dynbuf_status(out);
}
