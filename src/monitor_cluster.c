/*
 * monitor_cluster - several monitors in several locations on one store; see
 * monitor_engine.h and docs/internals/cluster.md.
 *
 * Each node runs the per-check confirmation for its location (loc_fails,
 * loc_state) and publishes its location's state when it changes. The node
 * holding the lease (the coordinator) turns the live locations' states into
 * one verdict per check (cluster_agree()) and hands it to the state machine
 * of monitor_record.c, which alone writes intervals, incidents and notices.
 * A single monitor is a cluster of one: its verdict is its own state, fed
 * in the same transaction as the probe's outcome, exactly as before.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "dynbuf.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "monitor_writer.h"
#include "notify.h"
#include "store_cluster.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code monitor_cluster_start(struct monitor *m, double now, struct sg_error *err)
{
	char host[256];
	enum sg_code rc;
	int held = 0;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (!m->location)
		m->location = xstrdup(m->opts->location ? m->opts->location : host);
	if ((rc = store_cluster_node_register(m->s, host, (long long)getpid(), m->location, now,
	                                      &m->node_id, err)) ||
	    (rc = store_cluster_lease(m->s, m->node_id, now, CLUSTER_LEASE_TTL_S,
	                              store_kind(m->s) == STORE_SQLITE, &held, err)))
		return rc;
	m->coordinator = held;
	m->agreed_loaded = 1; /* monitor_reload_install() loads it at start */
	m->pass_failing = 1;  /* alerts a previous run left open are looked at */
	m->nlocs = 1;
	return store_cluster_node_beat(m->s, m->node_id, now, held, NULL, err);
}

enum sg_code monitor_cluster_wait_lease(struct monitor *m, struct sg_error *err)
{
	enum sg_code rc;
	int held = m->coordinator;

	/* --once (cron) after a monitor was killed: its lease runs out within
	 * the TTL; wait for it rather than run as a member that sends nothing.
	 * A live coordinator keeps renewing it, and this run stays a member.
	 * Outside any transaction: nobody waits for this one. */
	for (int i = 0; !held && i < (int)(CLUSTER_LEASE_TTL_S * 2) + 2; i++) {
		struct timespec half = {0, 500 * 1000 * 1000};
		nanosleep(&half, NULL);
		if ((rc = store_cluster_lease(m->s, m->node_id, timeutil_now(), CLUSTER_LEASE_TTL_S,
		                              0, &held, err)))
			return rc;
	}
	m->coordinator = held;
	return SG_OK;
}

enum sg_code monitor_cluster_stop(struct monitor *m, double now, struct sg_error *err)
{
	if (!m->node_id)
		return SG_OK;
	return store_cluster_node_stop(m->s, m->node_id, now, err);
}

/* The agreed state of every check from the store, as at a restart: open
 * intervals continue when the check kept its schedule (outcome_apply's
 * restart rule), open incidents stay open. */
static enum sg_code load_agreed(struct monitor *m, struct sg_error *err)
{
	long long *ids = xcalloc(m->nrt + 1, sizeof(*ids));
	struct store_monitor_resume *res = xcalloc(m->nrt + 1, sizeof(*res));
	enum sg_code rc;

	for (size_t i = 0; i < m->nrt; i++)
		ids[i] = m->rt[i].id;
	/* one query per 200 checks, not four round trips per check */
	rc = store_monitor_checks_resume(m->s, ids, m->nrt, res, err);
	for (size_t i = 0; i < m->nrt && !rc; i++) {
		struct check_rt *c = &m->rt[i];
		c->state = RT_NONE;
		c->fails = 0;
		c->interval_id = 0;
		c->last_incident = c->sup_incident = 0;
		c->suppressed = 0;
		c->fed = -1;
		c->resume_at = res[i].last_at;
		c->incident_id = res[i].incident_id;
		c->resume_id = res[i].interval_id;
		memcpy(c->resume_state, res[i].state, sizeof(c->resume_state));
	}
	free(ids);
	free(res);
	return rc;
}

/* Forgets the agreed state: another node writes it now. */
static void drop_agreed(struct monitor *m)
{
	for (size_t i = 0; i < m->nrt; i++) {
		struct check_rt *c = &m->rt[i];
		c->state = RT_NONE;
		c->interval_id = c->incident_id = c->resume_id = 0;
		c->last_incident = c->sup_incident = 0;
		c->suppressed = 0;
		c->fed = -1;
	}
	m->agreed_loaded = 0;
}

/* Checks this node runs from now on that another node of its location ran:
 * their first probe here publishes the location's state whatever this
 * node last saw of them (the row holds the other node's word). */
static void adopt_checks(struct monitor *m, const long long *peers, size_t npeers)
{
	long long *old = m->peers;
	size_t nold = m->npeers;

	if (nold == npeers && (!npeers || !memcmp(old, peers, npeers * sizeof(*peers))))
		return;
	for (size_t i = 0; i < m->nrt; i++) {
		struct check_rt *c = &m->rt[i];
		int before = monitor_cluster_runs(m, c), after;
		m->peers = (long long *)peers;
		m->npeers = npeers;
		after = monitor_cluster_runs(m, c);
		m->peers = old;
		m->npeers = nold;
		if (after && !before) {
			c->loc_state = -1;
			c->loc_fails = 0;
		}
	}
}

void monitor_cluster_sync(struct monitor *m)
{
	struct monitor_writer_view v;
	struct sg_error err;

	m->fenced = 0;
	if (!m->writer || !m->node_id)
		return;
	monitor_writer_view(m->writer, &v);
	if (v.beats) {
		m->nlocs = v.locations ? v.locations : 1;
		if (m->cfg->shards_auto)
			adopt_checks(m, v.peers, v.npeers);
		free(m->peers);
		m->peers = v.peers;
		m->npeers = v.npeers;
		v.peers = NULL;
		/* SQLite: the lock file keeps every other monitor out; this one
		 * coordinates whatever its heartbeat managed to write. */
		m->coordinator = store_kind(m->s) == STORE_SQLITE || v.coordinator;
	}
	free(v.peers);
	if (m->coordinator && !m->agreed_loaded) {
		memset(&err, 0, sizeof(err));
		err.lang = m->err.lang;
		if (load_agreed(m, &err)) {
			monitor_log(m, "cluster: cannot take over yet: %s", err.msg);
			drop_agreed(m);
			m->coordinator = 0;
			return;
		}
		m->agreed_loaded = 1;
		m->prev_seen = timeutil_now(); /* intervals not continued end now */
		m->pass_at = 0;
		m->pass_failing = 1; /* look at open alerts once */
		monitor_log(m, "cluster: this monitor (location %s, node %lld) coordinates now",
		            m->location, m->node_id);
	} else if (!m->coordinator && m->agreed_loaded) {
		if (m->pass_at > 0)
			monitor_log(m, "cluster: %s is a member now (another monitor coordinates)",
			            m->location);
		drop_agreed(m);
	}
}

int monitor_cluster_runs(struct monitor *m, const struct check_rt *c)
{
	size_t mine = 0;

	if (!m->cfg->shards_auto || m->npeers < 2)
		return 1;
	for (size_t i = 0; i < m->npeers; i++)
		if (m->peers[i] == m->node_id)
			mine = 1;
	if (!mine)
		return 1; /* not in the view yet: run everything rather than nothing */
	return m->peers[cluster_owner(c->id, m->peers, m->npeers)] == m->node_id;
}

double monitor_cluster_phase(long long check_id, double interval_s)
{
	double frac = (double)(cluster_weight(check_id, 0) >> 11) / 9007199254740992.0;
	double now = timeutil_now(), r;

	/* The next wall-clock slot at frac of the interval, as a fraction of
	 * the interval from now. */
	r = frac - fmod(now / interval_s, 1.0);
	return r < 0 ? r + 1 : r;
}

/* Opens the record transaction and, on PostgreSQL, makes sure this node
 * still holds the lease inside it: a coordinator whose lease ran out while
 * it was cut off writes nothing agreed. Writer transactions run one at a
 * time (the store's writer lock), so an old and a new coordinator's agreed
 * writes never interleave. *ok: go on. */
static enum sg_code fence(struct monitor *m, int *ok, struct sg_error *err)
{
	enum sg_code rc;
	int held = 1;

	*ok = 0;
	if (!m->coordinator)
		return SG_OK; /* lost in this pass already */
	if (!m->s->in_tx && (rc = store_begin(m->s, err)))
		return rc;
	if (m->fenced || store_kind(m->s) == STORE_SQLITE) {
		*ok = 1;
		return SG_OK;
	}
	if ((rc = store_cluster_lease_held(m->s, m->node_id, timeutil_now(), &held, err)))
		return rc;
	if (!held) {
		monitor_log(m, "cluster: the lease ran out; %s is a member now", m->location);
		m->coordinator = 0;
		drop_agreed(m);
		return SG_OK;
	}
	m->fenced = 1;
	*ok = 1;
	return SG_OK;
}

static enum cluster_state local_state(const struct check_rt *c, const struct result *res)
{
	if (res->ok)
		return CLUSTER_UP;
	if (c->loc_fails < c->def->confirm)
		return CLUSTER_FAILING;
	return c->def->kind == CHECK_PERFORMANCE && !strncmp(res->error, "slow:", 5)
	           ? CLUSTER_DEGRADED
	           : CLUSTER_DOWN;
}

/* This node runs c and has its own word on it (a probe since it took it). */
static int runs_here(struct monitor *m, const struct check_rt *c)
{
	return c->loc_state >= 0 && monitor_cluster_runs(m, c);
}

static enum cluster_verdict verdict_of(struct monitor *m, const struct check_rt *c)
{
	size_t failing = (size_t)c->oth_failing, confirmed = (size_t)c->oth_confirmed;

	if (runs_here(m, c)) {
		failing += c->loc_state != CLUSTER_UP;
		confirmed += c->loc_state == CLUSTER_DOWN || c->loc_state == CLUSTER_DEGRADED;
	}
	return cluster_agree(m->cfg->quorum, m->nlocs > m->pass_locs ? m->nlocs : m->pass_locs,
	                     failing, confirmed);
}

/* Hands the verdict to the state machine as an outcome: res is this
 * node's probe (NULL in the agreement pass, which dates it now). */
static enum sg_code feed(struct monitor *m, struct check_rt *c, const struct result *res,
                         enum cluster_verdict v, double now, struct sg_error *err)
{
	struct result a;
	enum sg_code rc;
	int ok;

	if ((rc = fence(m, &ok, err)) || !ok)
		return rc;
	monitor_record_keep(m, c);
	if (res) {
		a = *res;
	} else {
		memset(&a, 0, sizeof(a));
		a.idx = (size_t)(c - m->rt);
		a.check_id = c->id;
		a.at = now;
		a.dns_ms = a.connect_ms = a.tls_ms = a.ttfb_ms = -1;
	}
	a.ok = v == CLUSTER_AGREED_UP || v == CLUSTER_LOCATION_ONLY;
	if (a.ok)
		a.error[0] = '\0';
	else if ((!res || res->ok) && c->oth_detail[0])
		snprintf(a.error, sizeof(a.error), "%s", c->oth_detail);
	else if (!a.error[0])
		snprintf(a.error, sizeof(a.error), "%s", "failing from other locations");
	c->fed = (int)v;
	return monitor_record_agreed(m, c, &a, v == CLUSTER_AGREED_DOWN, err);
}

enum sg_code monitor_cluster_outcome(struct monitor *m, struct check_rt *c,
                                     const struct result *res, struct sg_error *err)
{
	enum cluster_state st;
	enum sg_code rc;

	if (!(res->ok && c->loc_fails == 0 && c->loc_state == CLUSTER_UP))
		monitor_record_keep(m, c); /* this location's view changes */
	c->loc_fails = res->ok ? 0 : c->loc_fails + 1;
	st = local_state(c, res);
	if ((int)st != c->loc_state) {
		if (st == CLUSTER_UP || c->loc_state < 0 || c->loc_state == CLUSTER_UP ||
		    st != CLUSTER_FAILING)
			c->loc_since = res->at;
		c->loc_state = (int)st;
		snprintf(c->loc_detail, sizeof(c->loc_detail), "%s", res->ok ? "" : res->error);
		if ((!m->s->in_tx && (rc = store_begin(m->s, err))) ||
		    (rc = store_cluster_state_publish(
		         m->s, c->id, m->location, cluster_state_name(st), c->loc_since, res->at,
		         m->node_id, res->ok ? NULL : res->error, err)))
			return rc;
	}
	if (!m->coordinator)
		return SG_OK;
	return feed(m, c, res, verdict_of(m, c), res->at, err);
}

int monitor_cluster_pass_due(struct monitor *m, double now)
{
	return m->coordinator && m->node_id && now - m->pass_at >= 1.0;
}

static int cmp_idx(const void *a, const void *b)
{
	const struct monitor_rt_by_id *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static struct check_rt *find_check(struct monitor *m, long long id)
{
	struct monitor_rt_by_id key = {id, 0},
	                        *hit = bsearch(&key, m->by_id, m->nrt, sizeof(key), cmp_idx);
	return hit ? &m->rt[hit->idx] : NULL;
}

/* A failure confirmed by fewer than a quorum past its grace: a problem of
 * that location or its network, told to the managers alone, once. */
static enum sg_code location_alert(struct monitor *m, struct check_rt *c, const char *location,
                                   double since, const char *detail, double now,
                                   struct sg_error *err)
{
	const struct check_def *d = c->def;
	struct notify_incident v;
	struct dynbuf msg = DYNBUF_INIT;
	char when[40];
	enum sg_code rc;
	int opened = 0, ok;

	if (now - since < cluster_grace_s(d->interval_s, d->timeout_s, d->confirm, m->cfg->retry_s))
		return SG_OK;
	if ((rc = fence(m, &ok, err)) || !ok)
		return rc;
	if ((rc = store_cluster_alert_open(m->s, c->id, location, monitor_config_kind_name(d->kind),
	                                   since, now, detail, &opened, err)) ||
	    !opened)
		return rc;
	timeutil_local((long long)since, m->cfg->hours.timezone, 1, when);
	dynbuf_printf(&msg,
	              "監視拠点 %s からのみ、チェック %s（%s）の失敗が確認されています（%s 以降: "
	              "%s）。他の拠点からは正常に見えているため、利用者への障害連絡は行っていま"
	              "せん。当該拠点またはそのネットワークを確認してください。\n\n"
	              "Only the monitoring location %s confirms check %s (%s) failing (since %s: "
	              "%s). The other locations see it up, so no outage notice went to users. "
	              "Look at that location or its network.",
	              location, d->name, d->target, when, detail ? detail : "", location, d->name,
	              d->target, when, detail ? detail : "");
	if ((rc = dynbuf_status(&msg))) {
		dynbuf_release(&msg);
		return sg_error_set(err, rc, "%s", ETR(err, "メモリが足りません", "out of memory"));
	}
	if (m->ncfg) {
		memset(&v, 0, sizeof(v));
		v.service = m->cfg->service;
		v.pattern = m->cfg->pattern;
		v.check_name = d->name;
		v.target = d->target;
		v.started_at = since;
		v.detected_at = now;
		v.summary = detail;
		rc = notify_enqueue(m->s, m->ncfg, NOTIFY_INTERNAL, &v, dynbuf_ptr(&msg), err);
	}
	dynbuf_printf(&m->said, "cluster: only %s sees %s failing (%s): managers alerted", location,
	              d->name, detail ? detail : "");
	dynbuf_addch(&m->said, '\0');
	dynbuf_release(&msg);
	return rc;
}

/* The other locations' states (all of them while a check has no verdict
 * yet, otherwise those not up) into each check's oth_* counts. */
static void count_rows(struct monitor *m, const struct cluster_state_row *rows, size_t n)
{
	const char *locs[64];
	size_t nlocs = 1;

	locs[0] = m->location;
	for (size_t k = 0; k < m->nrt; k++) {
		m->rt[k].oth_failing = m->rt[k].oth_confirmed = m->rt[k].oth_seen = 0;
		m->rt[k].oth_detail[0] = '\0';
	}
	for (size_t i = 0; i < n; i++) {
		struct check_rt *c = find_check(m, rows[i].check_id);
		enum cluster_state st = cluster_state_parse(rows[i].state);
		size_t l = 0;
		/* A location whose state is read here is live (the query asks
		 * for a heartbeat), even if it joined after the writer's last
		 * look at the nodes: counted, so its lone failure is never a
		 * quorum of a cluster that seemed smaller. */
		while (l < nlocs && strcmp(locs[l], rows[i].location))
			l++;
		if (l == nlocs && nlocs < sizeof(locs) / sizeof(*locs))
			locs[nlocs++] = rows[i].location;
		if (!c || (!strcmp(rows[i].location, m->location) && runs_here(m, c)))
			continue; /* this node's own state is fresher in memory */
		c->oth_seen = 1;
		if (st == CLUSTER_UP)
			continue;
		c->oth_failing++;
		if (st == CLUSTER_DOWN || st == CLUSTER_DEGRADED) {
			c->oth_confirmed++;
			if (!c->oth_detail[0])
				snprintf(c->oth_detail, sizeof(c->oth_detail), "%s: %s",
				         rows[i].location, rows[i].detail ? rows[i].detail : "");
		}
	}
	m->pass_locs = nlocs;
}

enum sg_code monitor_cluster_pass(struct monitor *m, double now, int *changed, struct sg_error *err)
{
	struct cluster_state_row *rows = NULL;
	size_t n = 0;
	int all = 0;
	long long resolved = 0;
	enum sg_code rc;

	m->pass_at = now;
	if (!m->by_id) {
		m->by_id = xcalloc(m->nrt ? m->nrt : 1, sizeof(*m->by_id));
		for (size_t k = 0; k < m->nrt; k++)
			m->by_id[k] = (struct monitor_rt_by_id){m->rt[k].id, k};
		qsort(m->by_id, m->nrt, sizeof(*m->by_id), cmp_idx);
	}
	for (size_t k = 0; k < m->nrt; k++)
		all |= m->rt[k].fed < 0;
	/* While a check has no verdict yet, the up rows count too (a check
	 * this node does not run has its first verdict from them). */
	if ((rc = store_cluster_states(m->s, now - CLUSTER_LEASE_TTL_S, all, &rows, &n, err)))
		goto out;
	/* One live node, no location failing now or at the last pass, every
	 * check fed: each verdict is this node's own, fed with each probe, and
	 * a look at every check (100,000 a second) would find nothing. */
	if (!all && !n && !m->pass_failing && m->nlocs <= 1 && m->npeers <= 1 && m->pass_locs <= 1)
		goto out;
	count_rows(m, rows, n);
	for (size_t k = 0; k < m->nrt && !rc; k++) {
		struct check_rt *c = &m->rt[k];
		int here = runs_here(m, c);
		enum cluster_verdict v = verdict_of(m, c);
		long long was = c->incident_id;
		if (!here && !c->oth_seen && c->fed < 0)
			continue; /* nobody has probed it yet */
		/* A verdict that changed, or a confirmation waiting (for a
		 * dependency, a severer sibling) on a check no probe of this
		 * node will bring back to the state machine. */
		if (c->fed != (int)v ||
		    (v == CLUSTER_AGREED_DOWN && c->state == RT_FAILING && !here))
			rc = feed(m, c, NULL, v, now, err);
		*changed |= c->incident_id != was;
		if (!rc && v == CLUSTER_LOCATION_ONLY && here &&
		    (c->loc_state == CLUSTER_DOWN || c->loc_state == CLUSTER_DEGRADED))
			rc = location_alert(m, c, m->location, c->loc_since, c->loc_detail, now,
			                    err);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct check_rt *c = find_check(m, rows[i].check_id);
		enum cluster_state st = cluster_state_parse(rows[i].state);
		if (c && (st == CLUSTER_DOWN || st == CLUSTER_DEGRADED) &&
		    verdict_of(m, c) == CLUSTER_LOCATION_ONLY &&
		    !(!strcmp(rows[i].location, m->location) && runs_here(m, c)))
			rc = location_alert(m, c, rows[i].location, rows[i].since, rows[i].detail,
			                    now, err);
	}
	/* Alerts close when their location sees the check up again: only while
	 * some location fails, or just after the last one recovered. */
	if (!rc && (n || m->pass_failing) && (rc = fence(m, &all, err)) == SG_OK && all)
		rc = store_cluster_alerts_resolve(m->s, now, &resolved, err);
	m->pass_failing = n > 0;
out:
	for (size_t i = 0; i < n; i++)
		store_cluster_state_row_release(&rows[i]);
	free(rows);
	return rc;
}

enum sg_code monitor_cluster_incident_opened(struct monitor *m, const struct check_rt *c,
                                             long long id, struct sg_error *err)
{
	struct cluster_state_row *rows = NULL;
	size_t n = 0;
	enum sg_code rc =
	    store_cluster_states(m->s, timeutil_now() - CLUSTER_LEASE_TTL_S, 0, &rows, &n, err);
	int mine = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		if (rows[i].check_id != c->id ||
		    (strcmp(rows[i].state, "down") != 0 && strcmp(rows[i].state, "degraded") != 0))
			continue;
		mine |= !strcmp(rows[i].location, m->location);
		rc = store_cluster_incident_location(m->s, id, rows[i].location, rows[i].state,
		                                     rows[i].since, err);
	}
	/* This node's own confirmation, published in this transaction. */
	if (!rc && !mine && c->loc_state >= CLUSTER_DOWN)
		rc = store_cluster_incident_location(
		    m->s, id, m->location, cluster_state_name(c->loc_state), c->loc_since, err);
	for (size_t i = 0; i < n; i++)
		store_cluster_state_row_release(&rows[i]);
	free(rows);
	return rc;
}
