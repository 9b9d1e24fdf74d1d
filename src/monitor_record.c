/*
 * monitor_record - the state machine of a check's outcomes, incidents and their records; see
 * monitor_engine.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "availability.h"
#include "ledger_events.h"
#include "notify.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "xalloc.h"
#include "banned.h"

const char *monitor_record_day(struct monitor *m, double at)
{
	if (at < m->day_start || at >= m->day_end) {
		const char *tz = m->cfg->hours.timezone;
		struct tm tm;
		timeutil_localtime((long long)floor(at), tz, &tm);
		snprintf(m->day, sizeof(m->day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		m->day_start = (double)timeutil_mktime(&tm, tz);
		tm.tm_mday++;
		m->day_end = (double)timeutil_mktime(&tm, tz);
	}
	return m->day;
}

void monitor_record_trouble(struct monitor *m, const struct sg_error *err)
{
	if (!m->store_down)
		monitor_log(m, "store: %s (state changes kept in memory, retried every second)",
		            err->msg);
	m->store_down = 1;
}

void monitor_record_fine(struct monitor *m)
{
	if (m->store_down)
		monitor_log(m, "store: state changes written again");
	m->store_down = 0;
}

static const char *state_of(const struct check_def *d, int ok)
{
	if (ok)
		return "up";
	return d->kind == CHECK_PERFORMANCE ? "degraded" : "down";
}

static enum sg_code ledger_state(struct monitor *m, struct check_rt *c, const char *from,
                                 const char *to, int confirmed, double at, const char *why,
                                 struct sg_error *err)
{
	return ledger_events_check_state(m->s, m->cfg->service, c->def->name, c->id,
	                                 monitor_config_kind_name(c->def->kind), from, to,
	                                 confirmed, at, why, err);
}

static double ref_seconds(const struct catalog *cat, const char *item, int pattern)
{
	const struct eval_item *it = item ? catalog_item(cat, item) : NULL;
	const struct reference_value *r = it ? &it->refs[pattern - 1] : NULL;

	if (r && (r->kind == REF_MAX_DELAY || r->kind == REF_MAX_INTERVAL))
		return r->quantity.seconds;
	return 0;
}

/* Whether a window with mute_alerts runs at now: the profile's and those
 * announced from the web (availability_maintenance()); when the store
 * cannot be read, the profile's alone. */
static int muted_now(struct monitor *m, double now)
{
	const struct monitor_config *cfg = m->cfg;
	struct maintenance_window *w = NULL;
	struct sg_error err;
	size_t n = 0;
	int muted = 0;

	memset(&err, 0, sizeof(err));
	if (availability_maintenance(m->s, cfg, now, now + 1, &w, &n, NULL, &err)) {
		for (size_t i = 0; i < cfg->nmaint; i++)
			if (cfg->maint[i].mute_alerts && now >= cfg->maint[i].start &&
			    now < cfg->maint[i].end)
				muted = 1;
		return muted;
	}
	for (size_t i = 0; i < n; i++)
		if (w[i].mute_alerts && now >= w[i].start && now < w[i].end)
			muted = 1;
	availability_maintenance_free(w, n);
	return muted;
}

static enum sg_code open_incident(struct monitor *m, struct check_rt *c, double now,
                                  const char *summary, struct sg_error *err)
{
	const struct check_def *d = c->def;
	struct incident_row r;
	struct notify_incident v;
	struct ledger_events_incident e;
	enum sg_code rc;

	memset(&r, 0, sizeof(r));
	r.service = m->cfg->service;
	r.check_id = c->id;
	r.check_name = d->name;
	r.target = d->target;
	r.kind = (char *)monitor_config_incident_kind(d->kind);
	r.item_id = (char *)monitor_config_notify_item(d->kind);
	r.pattern = m->cfg->pattern;
	r.started_at = c->first_fail_at;
	r.detected_at = now;
	r.notify_deadline_s = ref_seconds(m->cat, r.item_id, m->cfg->pattern);
	r.followup_deadline_s = d->kind == CHECK_EXTERNAL_NETWORK
	                            ? 0
	                            : ref_seconds(m->cat, "III.1.1.8.a", m->cfg->pattern);
	r.summary = (char *)summary;
	r.muted = muted_now(m, now);
	if ((rc = store_monitor_incident_open(m->s, &r, err)))
		return rc;
	c->incident_id = r.id;
	memset(&e, 0, sizeof(e));
	e.id = r.id;
	e.service = r.service;
	e.check = d->name;
	e.target = d->target;
	e.kind = r.kind;
	e.item = r.item_id;
	e.summary = summary;
	e.started_at = r.started_at;
	e.detected_at = now;
	e.notify_deadline_s = r.notify_deadline_s;
	e.followup_deadline_s = r.followup_deadline_s;
	e.muted = r.muted;
	rc = ledger_events_incident_opened(m->s, &e, err);
	if (!rc && !r.muted && m->ncfg) {
		notify_incident_of(&r, &v);
		rc = notify_enqueue(m->s, m->ncfg, NOTIFY_INCIDENT_OPEN, &v, NULL, err);
	}
	dynbuf_printf(&m->said, "incident %lld opened: %s %s (%s)%s", r.id, r.kind, d->name,
	              summary, r.muted ? " [muted: maintenance]" : "");
	return rc;
}

static enum sg_code resolve_incident(struct monitor *m, struct check_rt *c, double now,
                                     struct sg_error *err)
{
	struct incident_row r;
	struct notify_incident v;
	enum sg_code rc;

	if ((rc = store_monitor_incident_resolve(m->s, c->incident_id, now, err)) ||
	    (rc = store_monitor_incident_get(m->s, c->incident_id, &r, err)))
		return rc;
	rc = ledger_events_incident_resolved(m->s, r.id, r.service, r.check_name, now,
	                                     now - r.started_at, err);
	if (!rc && !r.muted && m->ncfg) {
		notify_incident_of(&r, &v);
		rc = notify_enqueue(m->s, m->ncfg, NOTIFY_INCIDENT_RESOLVED, &v, NULL, err);
	}
	dynbuf_printf(&m->said, "incident %lld resolved: %s after %.0f s", r.id, r.check_name,
	              now - r.started_at);
	store_monitor_incident_row_release(&r);
	c->incident_id = 0;
	return rc;
}

/* Opens the outcome's transaction unless it is open. */
static enum sg_code tx(struct monitor *m, struct sg_error *err)
{
	return m->s->in_tx ? SG_OK : store_begin(m->s, err);
}

/* A probe's outcome: the state machine. Writes join one transaction that
 * monitor_record_outcome() commits. */
static enum sg_code outcome_apply(struct monitor *m, struct check_rt *c, const struct result *res,
                                  struct sg_error *err)
{
	const struct check_def *d = c->def;
	enum rt_state before = c->state;
	enum sg_code rc = SG_OK;
	int change = 0;

	if (before == RT_NONE && c->resume_id) {
		/* An earlier run left this check's interval open. If the check
		 * kept its schedule across the restart (its last probe is within
		 * two intervals) and its state is the same, the interval goes on;
		 * otherwise it ends at that run's last heartbeat and the time
		 * since is unknown. */
		long long rid = c->resume_id;
		int same = res->ok ? !strcmp(c->resume_state, "up")
		                   : (c->incident_id && !strcmp(c->resume_state, state_of(d, 0)));
		c->resume_id = 0;
		if (same && c->resume_at > 0 &&
		    res->at - c->resume_at <= 2 * d->interval_s + m->cfg->retry_s) {
			c->interval_id = rid;
			c->state = res->ok ? RT_UP : RT_CONFIRMED;
			c->fails = res->ok ? 0 : d->confirm;
			return SG_OK;
		}
		if ((rc = tx(m, err)) ||
		    (rc = store_monitor_interval_close(
		         m->s, rid, m->prev_seen > 0 ? m->prev_seen : c->resume_at, err)))
			return rc;
	}
	if (res->ok) {
		c->fails = 0;
		change = before != RT_UP;
	} else {
		c->fails++;
		change = before == RT_NONE || before == RT_UP ||
		         (before == RT_FAILING && c->fails >= d->confirm);
	}
	if (!change && !(before == RT_NONE))
		return SG_OK;
	if ((rc = tx(m, err)))
		return rc;
	if (res->ok) {
		if (c->interval_id)
			rc = store_monitor_interval_close(m->s, c->interval_id, res->at, err);
		if (!rc)
			rc = store_monitor_interval_open(m->s, c->id, "up", 1, res->at,
			                                 &c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c,
			                  before == RT_NONE      ? "unknown"
			                  : before == RT_FAILING ? "failing"
			                                         : state_of(d, 0),
			                  "up", 1, res->at, NULL, err);
		if (!rc && c->incident_id)
			rc = resolve_incident(m, c, res->at, err);
		c->state = RT_UP;
	} else if (before == RT_NONE && c->incident_id) {
		/* Still failing after a restart: the incident stays open. */
		rc = store_monitor_interval_open(m->s, c->id, state_of(d, 0), 1, res->at,
		                                 &c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c, "unknown", state_of(d, 0), 1, res->at, res->error,
			                  err);
		c->state = RT_CONFIRMED;
		c->fails = d->confirm;
	} else if (before == RT_NONE || before == RT_UP) {
		c->first_fail_at = res->at;
		if (c->interval_id)
			rc = store_monitor_interval_close(m->s, c->interval_id, res->at, err);
		if (!rc)
			rc = store_monitor_interval_open(m->s, c->id, state_of(d, 0), 0, res->at,
			                                 &c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c, before == RT_NONE ? "unknown" : "up", "failing", 0,
			                  res->at, res->error, err);
		c->state = RT_FAILING;
		if (!rc && c->fails >= d->confirm)
			goto confirm;
	} else {
	confirm:
		rc = store_monitor_interval_confirm(m->s, c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c, "failing", state_of(d, 0), 1, res->at, res->error,
			                  err);
		if (!rc)
			rc = open_incident(m, c, res->at, res->error, err);
		c->state = RT_CONFIRMED;
	}
	return rc;
}

/* Applies the outcomes waiting for the store, oldest first, in one
 * transaction (a burst of state changes costs one commit). On failure every
 * check's runtime state is put back as it was and the outcomes stay queued,
 * so memory and store agree and the same outcomes apply again later. */
enum sg_code monitor_record_pending(struct monitor *m, struct sg_error *err)
{
	size_t n = m->npend < 4096 ? m->npend : 4096, done;
	struct check_rt *saved;
	int changed = 0;
	enum sg_code rc = SG_OK;

	if (!n)
		return SG_OK;
	saved = xcalloc(n, sizeof(*saved));
	dynbuf_reset(&m->said);
	for (done = 0; done < n && !rc; done++) {
		struct result *r = &m->pend[done];
		struct check_rt *c;
		size_t before = dynbuf_len(&m->said);
		if (r->idx >= m->nrt || m->rt[r->idx].id != r->check_id)
			continue; /* the check went away in a reload */
		c = &m->rt[r->idx];
		saved[done] = *c;
		rc = outcome_apply(m, c, r, err);
		if (dynbuf_len(&m->said) > before)
			dynbuf_addch(&m->said, '\0'); /* names may hold a line break */
		changed |= c->incident_id != saved[done].incident_id;
	}
	if (m->s->in_tx) {
		if (rc)
			store_rollback(m->s);
		else
			rc = store_commit(m->s, err);
	}
	if (rc) {
		while (done-- > 0) {
			struct result *r = &m->pend[done];
			if (r->idx < m->nrt && m->rt[r->idx].id == r->check_id)
				m->rt[r->idx] = saved[done];
		}
		free(saved);
		return rc;
	}
	free(saved);
	memmove(m->pend, m->pend + n, (m->npend - n) * sizeof(*m->pend));
	m->npend -= n;
	for (size_t at = 0; at < dynbuf_len(&m->said);) {
		const char *line = dynbuf_ptr(&m->said) + at;
		monitor_log(m, "%s", line);
		at += strlen(line) + 1;
	}
	if (changed && m->notify)
		notify_kick(m->notify); /* an incident opened or closed: tell people */
	return m->npend ? monitor_record_pending(m, err) : SG_OK;
}
