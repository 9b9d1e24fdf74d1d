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

void monitor_record_keep(struct monitor *m, struct check_rt *c)
{
	if (c->jgen == m->jgen)
		return;
	ALLOC_GROW(m->jr, m->njr + 1, m->ajr);
	m->jr[m->njr].idx = (size_t)(c - m->rt);
	m->jr[m->njr].rt = *c;
	m->njr++;
	c->jgen = m->jgen;
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

/* A performance check fails "degraded" only when it was slow; an HTTP error,
 * a refused connection or a wrong body is a fault of its component. */
static int hard_failure(const struct check_def *d, const struct result *res)
{
	return d->kind != CHECK_PERFORMANCE || strncmp(res->error, "slow:", 5) != 0;
}

static const char *state_of(const struct check_rt *c, int ok)
{
	if (ok)
		return "up";
	return c->def->kind == CHECK_PERFORMANCE && !c->hard ? "degraded" : "down";
}

/* The kind of incident the check's current failure is. */
static enum check_kind incident_kind_of(const struct check_rt *c)
{
	return c->def->kind == CHECK_PERFORMANCE && c->hard ? CHECK_FAULT : c->def->kind;
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
	enum check_kind kind = incident_kind_of(c);
	struct incident_row r;
	struct notify_incident v;
	struct ledger_events_incident e;
	enum sg_code rc;

	memset(&r, 0, sizeof(r));
	r.service = m->cfg->service;
	r.check_id = c->id;
	r.check_name = d->name;
	r.target = d->target;
	r.kind = (char *)monitor_config_incident_kind(kind);
	r.item_id = (char *)monitor_config_notify_item(kind);
	r.pattern = m->cfg->pattern;
	r.started_at = c->first_fail_at;
	r.detected_at = now;
	r.notify_deadline_s = ref_seconds(m->cat, r.item_id, m->cfg->pattern);
	r.followup_deadline_s = kind == CHECK_EXTERNAL_NETWORK
	                            ? 0
	                            : ref_seconds(m->cat, "III.1.1.8.a", m->cfg->pattern);
	r.summary = (char *)summary;
	r.muted = muted_now(m, now);
	if ((rc = store_monitor_incident_open(m->s, &r, err)) ||
	    (rc = store_monitor_incident_check_add(m->s, r.id, c->id, d->name, d->component,
	                                           "member", now, summary, err)) ||
	    (rc = monitor_cluster_incident_opened(m, c, r.id, err)))
		return rc;
	c->incident_id = r.id;
	/* Checks that depend on this one and were suppressed before its
	 * incident opened are recorded with it now. */
	for (size_t k = 0; k < m->nrt && !rc; k++) {
		struct check_rt *o = &m->rt[k];
		if (o->suppressed && !o->sup_incident && o->sup_dep == (size_t)(c - m->rt)) {
			monitor_record_keep(m, o);
			o->sup_incident = r.id;
			rc = store_monitor_incident_check_add(m->s, r.id, o->id, o->def->name,
			                                      o->def->component, "suppressed", now,
			                                      NULL, err);
		}
	}
	if (rc)
		return rc;
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

static enum sg_code resolve_incident(struct monitor *m, long long id, double at,
                                     struct sg_error *err)
{
	struct incident_row r;
	struct notify_incident v;
	enum sg_code rc;

	if ((rc = store_monitor_incident_resolve(m->s, id, at, err)) ||
	    (rc = store_monitor_incident_get(m->s, id, &r, err)))
		return rc;
	rc = ledger_events_incident_resolved(m->s, r.id, r.service, r.check_name, at,
	                                     at - r.started_at, err);
	if (!rc && !r.muted && m->ncfg) {
		notify_incident_of(&r, &v);
		rc = notify_enqueue(m->s, m->ncfg, NOTIFY_INCIDENT_RESOLVED, &v, NULL, err);
	}
	dynbuf_printf(&m->said, "incident %lld resolved: %s after %.0f s", r.id, r.check_name,
	              at - r.started_at);
	store_monitor_incident_row_release(&r);
	return rc;
}

/* The check is up again: it leaves its incident. The incident is resolved
 * once none of its checks is failing and incident_window has passed without
 * a new failure of the component (release_holds()); until then the check
 * holds it, so a flapping component stays one incident with one notice. */
static enum sg_code leave_incident(struct monitor *m, struct check_rt *c, double at,
                                   struct sg_error *err)
{
	long long id = c->incident_id;
	enum sg_code rc = store_monitor_incident_check_recovered(m->s, id, c->id, at, err);

	c->incident_id = 0;
	if (rc)
		return rc;
	for (size_t k = 0; k < m->nrt; k++)
		if (m->rt[k].incident_id == id)
			return SG_OK; /* another check of it still fails */
	c->last_incident = id;
	c->last_resolved_at = at;
	m->hold_check_at = fmin(m->hold_check_at, at + m->cfg->incident_window_s);
	return SG_OK;
}

/* Resolves the incidents whose checks all recovered at least incident_window
 * ago (all of them when the monitor is finishing), dated when the last one
 * recovered. *any: one was resolved. */
static enum sg_code release_holds(struct monitor *m, double now, int *any, struct sg_error *err)
{
	enum sg_code rc = SG_OK;
	double next = INFINITY;

	for (size_t k = 0; k < m->nrt && !rc; k++) {
		struct check_rt *c = &m->rt[k];
		double until = c->last_resolved_at + m->cfg->incident_window_s;
		if (!c->last_incident)
			continue;
		if (!m->finishing && now < until) {
			next = fmin(next, until);
			continue;
		}
		if (!m->s->in_tx && (rc = store_begin(m->s, err)))
			break;
		rc = resolve_incident(m, c->last_incident, c->last_resolved_at, err);
		dynbuf_addch(&m->said, '\0');
		monitor_record_keep(m, c);
		c->last_incident = 0;
		*any = 1;
	}
	if (!rc)
		m->hold_check_at = next;
	return rc;
}

/* The open (or held, recovered within incident_window) incident of c's
 * component, 0 when none. *holder: the check holding a recovered one. */
static long long component_incident(struct monitor *m, const struct check_rt *c,
                                    struct check_rt **holder)
{
	*holder = NULL;
	for (size_t k = 0; k < m->nrt; k++) {
		struct check_rt *o = &m->rt[k];
		if (o == c || strcmp(o->def->component, c->def->component))
			continue;
		if (o->incident_id)
			return o->incident_id;
	}
	for (size_t k = 0; k < m->nrt; k++) {
		struct check_rt *o = &m->rt[k];
		if (o->last_incident && !strcmp(o->def->component, c->def->component)) {
			*holder = o;
			return o->last_incident;
		}
	}
	return 0;
}

/* A check c depends on that is failing now (confirmed or not), or NULL. */
static struct check_rt *down_dependency(struct monitor *m, const struct check_rt *c)
{
	for (size_t i = 0; i < c->def->ndep_checks; i++) {
		size_t k = c->def->dep_checks[i];
		if (k < m->nrt && m->rt[k].def == &m->cfg->checks[k] &&
		    (m->rt[k].state == RT_FAILING || m->rt[k].state == RT_CONFIRMED))
			return &m->rt[k];
	}
	return NULL;
}

/* A check c depends on has not been probed since c began to fail (and could
 * still be, within its interval and timeout): c's confirmation waits for it,
 * so a database and the page that needs it failing together is the
 * database's incident whichever check noticed first. */
static int dependency_unknown(struct monitor *m, const struct check_rt *c, double at)
{
	for (size_t i = 0; i < c->def->ndep_checks; i++) {
		size_t k = c->def->dep_checks[i];
		const struct check_rt *o;
		if (k >= m->nrt || m->rt[k].def != &m->cfg->checks[k])
			continue;
		o = &m->rt[k];
		if ((o->state == RT_UP || o->state == RT_NONE) && o->last_at < c->first_fail_at &&
		    at - c->first_fail_at < o->def->interval_s + o->def->timeout_s + 1)
			return 1;
	}
	return 0;
}

/* How much a check kind's incident tells: an outage (all users) over a fault
 * over a degradation; external network is the managers' alone. */
static int severity(enum check_kind k)
{
	return k == CHECK_LIVENESS ? 3 : k == CHECK_FAULT ? 2 : k == CHECK_PERFORMANCE ? 1 : 0;
}

/* A check of c's component whose incident would be more severe is failing
 * unconfirmed, or has not been probed since c began to fail: c's
 * confirmation waits for it (bounded by its interval, timeout and retries),
 * so the component's incident is the outage, not the fault that happened to
 * be noticed first, whichever probe ran first. */
static int severer_sibling_pending(struct monitor *m, const struct check_rt *c, double at)
{
	int mine = severity(incident_kind_of(c));

	if (c->def->kind == CHECK_EXTERNAL_NETWORK)
		return 0;
	for (size_t k = 0; k < m->nrt; k++) {
		const struct check_rt *o = &m->rt[k];
		const struct check_def *od = o->def;
		double bound = od->interval_s + od->timeout_s +
		               od->confirm * (m->cfg->retry_s + od->timeout_s) + 1;
		if (o == c || strcmp(od->component, c->def->component) ||
		    severity(od->kind == CHECK_PERFORMANCE ? CHECK_FAULT : od->kind) <= mine ||
		    at - c->first_fail_at >= bound)
			continue;
		if (o->state == RT_FAILING ||
		    ((o->state == RT_UP || o->state == RT_NONE) && o->last_at < c->first_fail_at))
			return 1;
	}
	return 0;
}

/* A confirmed failure: suppressed (a dependency is down), joins its
 * component's incident, or opens one. */
static enum sg_code failure_confirmed(struct monitor *m, struct check_rt *c,
                                      const struct result *res, struct sg_error *err)
{
	struct check_rt *dep = down_dependency(m, c), *holder;
	struct dynbuf why = DYNBUF_INIT;
	long long id;
	enum sg_code rc;

	if (dep) {
		long long did = dep->incident_id;
		c->suppressed = 1;
		c->sup_dep = (size_t)(dep - m->rt);
		c->sup_incident = did;
		dynbuf_printf(&why, "%s; suppressed: depends on %s", res->error, dep->def->name);
		rc = ledger_state(m, c, "failing", state_of(c, 0), 1, res->at, dynbuf_ptr(&why),
		                  err);
		if (!rc && did)
			rc = store_monitor_incident_check_add(m->s, did, c->id, c->def->name,
			                                      c->def->component, "suppressed",
			                                      res->at, res->error, err);
		dynbuf_printf(&m->said, "check %s failed while %s is down: suppressed",
		              c->def->name, dep->def->name);
		dynbuf_release(&why);
		return rc;
	}
	c->suppressed = 0;
	if ((id = component_incident(m, c, &holder))) {
		if (holder) {
			/* Recovered less than incident_window ago: the same
			 * event goes on; the recovery was not announced yet. */
			monitor_record_keep(m, holder);
			holder->last_incident = 0;
		}
		dynbuf_printf(&why, "%s; joined incident %lld (component %s)", res->error, id,
		              c->def->component);
		rc = ledger_state(m, c, "failing", state_of(c, 0), 1, res->at, dynbuf_ptr(&why),
		                  err);
		if (!rc)
			rc = store_monitor_incident_check_add(m->s, id, c->id, c->def->name,
			                                      c->def->component, "member", res->at,
			                                      res->error, err);
		c->incident_id = id;
		dynbuf_printf(&m->said, "check %s joined incident %lld (component %s)",
		              c->def->name, id, c->def->component);
		dynbuf_release(&why);
		return rc;
	}
	rc = ledger_state(m, c, "failing", state_of(c, 0), 1, res->at, res->error, err);
	if (!rc)
		rc = open_incident(m, c, res->at, res->error, err);
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
                                  int confirmed, struct sg_error *err)
{
	const struct check_def *d = c->def;
	enum rt_state before = c->state;
	enum sg_code rc = SG_OK;
	int change = 0;

	/* Up and still up, the common case: nothing changes (RT_UP implies
	 * fails == 0). */
	if (res->ok && before == RT_UP)
		return SG_OK;
	monitor_record_keep(m, c);

	if (before == RT_NONE && c->resume_id) {
		/* An earlier run left this check's interval open. If the check
		 * kept its schedule across the restart (its last probe is within
		 * two intervals) and its state is the same, the interval goes on;
		 * otherwise it ends at that run's last heartbeat and the time
		 * since is unknown. */
		long long rid = c->resume_id;
		int same = res->ok ? !strcmp(c->resume_state, "up")
		                   : (c->incident_id && strcmp(c->resume_state, "up") != 0);
		c->resume_id = 0;
		if (same && c->resume_at > 0 &&
		    res->at - c->resume_at <= 2 * d->interval_s + m->cfg->retry_s) {
			c->interval_id = rid;
			c->state = res->ok ? RT_UP : RT_CONFIRMED;
			c->fails = res->ok ? 0 : d->confirm;
			c->hard = !strcmp(c->resume_state, "down");
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
		         (before == RT_FAILING && confirmed && !dependency_unknown(m, c, res->at) &&
		          !severer_sibling_pending(m, c, res->at));
		/* Suppressed because a dependency was down, which is up again
		 * while this check still fails: now it is an event of its own. */
		if (before == RT_CONFIRMED && c->suppressed && !down_dependency(m, c)) {
			if ((rc = tx(m, err)))
				return rc;
			if (c->sup_incident)
				rc = store_monitor_incident_check_recovered(m->s, c->sup_incident,
				                                            c->id, res->at, err);
			c->suppressed = 0;
			c->sup_incident = 0;
			return rc ? rc : failure_confirmed(m, c, res, err);
		}
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
			                                         : state_of(c, 0),
			                  "up", 1, res->at, NULL, err);
		if (!rc && c->incident_id)
			rc = leave_incident(m, c, res->at, err);
		if (!rc && c->suppressed && c->sup_incident)
			rc = store_monitor_incident_check_recovered(m->s, c->sup_incident, c->id,
			                                            res->at, err);
		c->suppressed = 0;
		c->sup_incident = 0;
		c->state = RT_UP;
	} else if (before == RT_NONE && c->incident_id) {
		/* Still failing after a restart: the incident stays open. */
		c->hard = hard_failure(d, res);
		rc = store_monitor_interval_open(m->s, c->id, state_of(c, 0), 1, res->at,
		                                 &c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c, "unknown", state_of(c, 0), 1, res->at, res->error,
			                  err);
		c->state = RT_CONFIRMED;
		c->fails = d->confirm;
	} else if (before == RT_NONE || before == RT_UP) {
		c->first_fail_at = res->at;
		c->hard = hard_failure(d, res);
		if (c->interval_id)
			rc = store_monitor_interval_close(m->s, c->interval_id, res->at, err);
		if (!rc)
			rc = store_monitor_interval_open(m->s, c->id, state_of(c, 0), 0, res->at,
			                                 &c->interval_id, err);
		if (!rc)
			rc = ledger_state(m, c, before == RT_NONE ? "unknown" : "up", "failing", 0,
			                  res->at, res->error, err);
		c->state = RT_FAILING;
		if (!rc && confirmed)
			goto confirm;
	} else {
	confirm:
		rc = store_monitor_interval_confirm(m->s, c->interval_id, err);
		if (!rc)
			rc = failure_confirmed(m, c, res, err);
		c->state = RT_CONFIRMED;
	}
	return rc;
}

enum sg_code monitor_record_agreed(struct monitor *m, struct check_rt *c, const struct result *res,
                                   int confirmed, struct sg_error *err)
{
	return outcome_apply(m, c, res, confirmed, err);
}

/* Applies the outcomes waiting for the store, oldest first, in one
 * transaction (a burst of state changes costs one commit), then resolves
 * the incidents whose hold ran out. On failure every check's runtime state
 * is put back as it was and the outcomes stay queued, so memory and store
 * agree and the same outcomes apply again later. */
enum sg_code monitor_record_pending(struct monitor *m, struct sg_error *err)
{
	size_t n = m->npend < 4096 ? m->npend : 4096, done;
	int changed = 0, held = 0;
	double now = timeutil_now();
	enum sg_code rc = SG_OK;

	/* Holds are looked at when the earliest one runs out (release_holds()
	 * says when), not on every batch: a batch costs what it touches, not
	 * the number of checks. */
	held = m->finishing || now >= m->hold_check_at;
	monitor_cluster_sync(m);
	if (!n && !held && !monitor_cluster_pass_due(m, now))
		return SG_OK;
	/* Joining, suppressing and holds touch other checks than the outcome's:
	 * each check a batch changes is saved first (monitor_record_keep()) and put back on
	 * failure. */
	if (++m->jgen == 0)
		m->jgen = 1;
	m->njr = 0;
	dynbuf_reset(&m->said);
	for (done = 0; done < n && !rc; done++) {
		struct result *r = &m->pend[done];
		struct check_rt *c;
		long long was;
		size_t before = dynbuf_len(&m->said);
		if (r->idx >= m->nrt || m->rt[r->idx].id != r->check_id)
			continue; /* the check went away in a reload */
		c = &m->rt[r->idx];
		was = c->incident_id;
		rc = monitor_cluster_outcome(m, c, r, err);
		if (dynbuf_len(&m->said) > before)
			dynbuf_addch(&m->said, '\0'); /* names may hold a line break */
		changed |= c->incident_id != was;
	}
	if (!rc && monitor_cluster_pass_due(m, now))
		rc = monitor_cluster_pass(m, now, &changed, err); /* the other locations */
	if (!rc && (m->finishing || now >= m->hold_check_at))
		rc = release_holds(m, now, &changed, err);
	if (m->s->in_tx) {
		if (rc)
			store_rollback(m->s);
		else
			rc = store_commit(m->s, err);
	}
	if (rc) {
		for (size_t k = m->njr; k-- > 0;)
			m->rt[m->jr[k].idx] = m->jr[k].rt;
		m->njr = 0;
		m->hold_check_at = 0;
		return rc;
	}
	m->njr = 0;
	if (n) /* none queued: the agreement pass alone (pend may be NULL) */
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
