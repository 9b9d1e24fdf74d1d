/*
 * monitor_measure - the measured values the assessment reads; see monitor_engine.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "availability.h"
#include "ledger_events.h"
#include "store_cluster.h"
#include "store_collect.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "value.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "xalloc.h"
#include "banned.h"

static int judge(const struct catalog *cat, const char *item, int pattern, double v, int percent)
{
	const struct eval_item *it = catalog_item(cat, item);
	const struct reference_value *r = it ? &it->refs[pattern - 1] : NULL;

	if (!r)
		return MEASUREMENT_OK;
	if (percent && r->kind == REF_MIN_PERCENTAGE)
		return v + 1e-9 >= r->quantity.percent ? MEASUREMENT_OK : MEASUREMENT_FINDING;
	if (!percent && (r->kind == REF_MAX_DELAY || r->kind == REF_MAX_INTERVAL))
		return v <= r->quantity.seconds + 1e-9 ? MEASUREMENT_OK : MEASUREMENT_FINDING;
	return MEASUREMENT_OK;
}

/* One measured value, gathered before the write transaction. */
struct measured {
	const char *item, *subject;
	double value;
	int percent, have;
	char evidence[256];
};

/* The values of one run: at most two per kind, the external network's, the
 * follow-up's and the availability. */
struct measured_list {
	struct measured v[12];
	size_t n;
};

static void add(struct measured_list *l, const char *item, const char *subject, double value,
                int percent, int have, const char *evidence)
{
	struct measured *x;

	if (l->n == sizeof(l->v) / sizeof(l->v[0]))
		return;
	x = &l->v[l->n++];
	x->item = item;
	x->subject = subject;
	x->value = value;
	x->percent = percent;
	x->have = have;
	snprintf(x->evidence, sizeof(x->evidence), "%s", evidence);
}

static enum sg_code put(struct store *s, const struct monitor_config *cfg,
                        const struct catalog *cat, const char *item, const char *subject,
                        double value, int percent, int have, const char *evidence, double now,
                        json_t *log, struct sg_error *err)
{
	struct measurement me;
	struct dynbuf text = DYNBUF_INIT;
	char pct[16];
	enum sg_code rc;

	memset(&me, 0, sizeof(me));
	me.service = cfg->service;
	me.collector = "monitor";
	me.item_id = item;
	me.subject = subject;
	me.evidence = evidence;
	me.measured_at = now;
	me.value_num = NAN;
	if (!have) {
		me.status = MEASUREMENT_UNAVAILABLE;
		me.detail = evidence;
	} else if (percent) {
		availability_format(value, pct);
		dynbuf_addstr(&text, pct);
		me.value_num = value;
		me.unit = "%";
	} else {
		value = ceil(value);
		value_format_duration(value, &text);
		me.value_num = value;
		me.unit = "s";
	}
	if (have) {
		me.status = judge(cat, item, cfg->pattern,
		                  percent ? floor(value * 100) / 100 : value, percent);
		me.value_text = dynbuf_ptr(&text);
	}
	rc = store_collect_insert(s, &me, NULL, err);
	json_object_set_new(log, item,
	                    have ? json_string(dynbuf_ptr(&text)) : json_string("unavailable"));
	dynbuf_release(&text);
	return rc;
}

/* III.3.2.5.a also counts a failure of an external network check that
 * fewer locations than a quorum saw (monitor_cluster.c): managers were told
 * (the internal alert) and users were not. Its delay is first failure to
 * the alert; *worst grows, *n counts them. */
static enum sg_code lone_location_delays(struct store *s, const char *service, double from,
                                         double to, double *worst, long long *n,
                                         struct sg_error *err)
{
	struct cluster_alert_row *rows = NULL;
	size_t nrows = 0;
	enum sg_code rc = store_cluster_alerts(s, service, from, to, &rows, &nrows, err);

	for (size_t i = 0; i < nrows; i++) {
		if (!rc && rows[i].kind && !strcmp(rows[i].kind, "external_network")) {
			double d = rows[i].alerted_at - rows[i].since;
			if (d > *worst)
				*worst = d;
			(*n)++;
		}
		store_cluster_alert_row_release(&rows[i]);
	}
	free(rows);
	return rc;
}

enum sg_code monitor_measure_write(struct store *s, const struct monitor_config *cfg,
                                   const struct catalog *cat, double now, struct sg_error *err)
{
	static const enum check_kind kinds[] = {CHECK_LIVENESS, CHECK_FAULT, CHECK_PERFORMANCE};
	double from = now - cfg->measure_window;
	char from_day[40], to_day[40], ev[256];
	struct tm tm;
	enum sg_code rc;
	json_t *log = json_object();
	struct availability av;

	timeutil_localtime((long long)from, cfg->hours.timezone, &tm);
	snprintf(from_day, sizeof(from_day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	timeutil_localtime((long long)now, cfg->hours.timezone, &tm);
	snprintf(to_day, sizeof(to_day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	struct measured_list l;

	/* Everything is read first, outside a transaction (availability over a
	 * month of 100,000 checks takes a while; a write transaction would hold
	 * every other writer for it), then written in one. */
	l.n = 0;
	rc = SG_OK;
	for (size_t k = 0; k < 3 && !rc; k++) {
		const char *kind = monitor_config_kind_name(kinds[k]);
		int have_checks = 0;
		double gap = 0, worst = -1;
		long long probes = 0, n = 0;
		for (size_t i = 0; i < cfg->nchecks; i++)
			if (cfg->checks[i].kind == kinds[k])
				have_checks++;
		if (!have_checks)
			continue;
		if ((rc = store_monitor_max_gap(s, cfg->service, kind, from_day, to_day, &gap,
		                                &probes, err)))
			break;
		snprintf(ev, sizeof(ev),
		         gap > 0 ? "largest gap between consecutive probes of %d %s check(s), "
		                   "%lld probes, %s..%s"
		                 : "only one probe per %d %s check(s) so far (%lld probes, %s..%s)",
		         have_checks, kind, probes, from_day, to_day);
		add(&l, monitor_config_interval_item(kinds[k]), kind, gap, 0, gap > 0, ev);
		rc = store_monitor_worst_notify_delay(s, cfg->service,
		                                      monitor_config_incident_kind(kinds[k]), from,
		                                      now, now, &worst, &n, err);
		if (rc)
			break;
		snprintf(ev, sizeof(ev),
		         "worst detection -> delivery of the first notice over %lld %s "
		         "incident(s) in the last %.0f days",
		         n, monitor_config_incident_kind(kinds[k]), cfg->measure_window / 86400);
		add(&l, monitor_config_notify_item(kinds[k]), kind, worst, 0, n > 0 && worst >= 0,
		    ev);
	}
	for (size_t i = 0; i < cfg->nchecks && !rc; i++)
		if (cfg->checks[i].kind == CHECK_EXTERNAL_NETWORK) {
			double worst = -1;
			long long n = 0;
			long long lone = 0;
			rc = store_monitor_worst_notify_delay(s, cfg->service, "external_network",
			                                      from, now, now, &worst, &n, err);
			if (!rc)
				rc = lone_location_delays(s, cfg->service, from, now, &worst, &lone,
				                          err);
			snprintf(ev, sizeof(ev),
			         n + lone
			             ? "worst failure -> report to managers over %lld external "
			               "network incident(s) and %lld failure(s) one location saw "
			               "alone"
			             : "no external network incidents (%lld) or lone-location "
			               "failures (%lld) in the window",
			         n, lone);
			n += lone;
			if (!rc)
				add(&l, "III.3.2.5.a", "external_network", worst, 0,
				    n > 0 && worst >= 0, ev);
			break;
		}
	if (!rc && cfg->nchecks) {
		double worst = -1;
		long long n = 0;
		rc = store_monitor_worst_followup_delay(s, cfg->service, from, now, now, &worst, &n,
		                                        err);
		snprintf(ev, sizeof(ev),
		         n ? "worst detection -> follow-up report over %lld incident(s)"
		           : "no incidents with a follow-up due (%lld)",
		         n);
		if (!rc)
			add(&l, "III.1.1.8.a", "followup", worst, 0, n > 0 && worst >= 0, ev);
	}
	if (!rc && cfg->nchecks) {
		rc = availability_for_period(s, cfg, from, now, now, &av, err);
		snprintf(
		    ev, sizeof(ev),
		    "time-weighted over service hours, last %.0f days: up %.0f s, down %.0f s, "
		    "unknown (monitor not running) %.0f s, maintenance excluded %.0f s",
		    cfg->measure_window / 86400, av.up_s, av.down_s, av.unknown_s,
		    av.maintenance_s);
		if (!rc)
			add(&l, "III.2.1.1.a", "availability", av.percent, 1, av.percent >= 0, ev);
	}
	if (rc || (rc = store_begin(s, err)))
		goto out;
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = put(s, cfg, cat, l.v[i].item, l.v[i].subject, l.v[i].value, l.v[i].percent,
		         l.v[i].have, l.v[i].evidence, now, log, err);
	if (!rc)
		rc = ledger_events_monitor_measurements(s, cfg->service, from, now, log, err);
	if (rc)
		store_rollback(s);
	else
		rc = store_commit(s, err);
out:
	json_decref(log);
	return rc;
}
