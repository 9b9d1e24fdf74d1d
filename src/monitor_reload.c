/*
 * monitor_reload - loading the configuration at start and on SIGHUP; see monitor_engine.h.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code monitor_reload_load(struct monitor *m, struct profile **p, struct monitor_config **cfg,
                                 struct notify_config **ncfg, void **jobcfg,
                                 struct ledger_config *lcfg, struct sg_error *err)
{
	char *copy = xstrdup(m->path);
	const char *base = dirname(copy);
	enum sg_code rc;

	*p = NULL;
	*cfg = NULL;
	*ncfg = NULL;
	*jobcfg = NULL;
	ledger_config_init(lcfg);
	if ((rc = profile_load(m->path, m->cat, p, err)) ||
	    (rc = monitor_config_load(*p, m->cat, cfg, err)) ||
	    (rc = notify_config_load(*p, ncfg, err)) ||
	    (m->opts->job && (rc = m->opts->job->load(m->opts->job->arg, *p, base, jobcfg, err))) ||
	    (rc = ledger_config_load(lcfg, (*p)->doc, profile_section(*p, "ledger"), base, err)))
		goto fail;
	ledger_config_set_db(lcfg, m->s->path);
	lcfg->signer = m->opts->signer;
	for (size_t i = 0; i < (*cfg)->nchecks; i++)
		if ((*cfg)->checks[i].type == CHECK_ICMP && !monitor_icmp_allowed()) {
			const struct check_def *d = &(*cfg)->checks[i];
			rc = sg_error_at(
			    err, SG_ERR_INPUT, m->path, d->line, d->col,
			    ETR(err,
			        "チェック '%s' (icmp): この環境では特権なしの ICMP ソケットを"
			        "開けません",
			        "check '%s' (icmp): this machine does not allow "
			        "unprivileged ICMP sockets"),
			    d->name);
			sg_error_hint(err, "%s",
			              ETR(err,
			                  "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\" "
			                  "で許可するか、type: tcp で到達性を確認してください",
			                  "allow it with sysctl -w net.ipv4.ping_group_range=\"0 "
			                  "2147483647\", or check reachability with type: tcp"));
			goto fail;
		}
	/* Everything needed is copied: the YAML tree (large for thousands of
	 * checks) goes now. */
	memcpy(m->profile_sha256, (*p)->sha256, sizeof(m->profile_sha256));
	profile_free(*p);
	*p = NULL;
	free(copy);
	return SG_OK;
fail:
	free(copy);
	if (*jobcfg)
		m->opts->job->drop(m->opts->job->arg, *jobcfg);
	*jobcfg = NULL;
	ledger_config_release(lcfg);
	notify_config_free(*ncfg);
	monitor_config_free(*cfg);
	profile_free(*p);
	*p = NULL;
	*cfg = NULL;
	*ncfg = NULL;
	return rc;
}

/* A check's id and its index in a runtime, sorted by id: a reload of
 * 100,000 checks finds each one's old state by a binary search, not a scan. */
struct id_idx {
	long long id;
	size_t idx;
};

static int cmp_id(const void *a, const void *b)
{
	long long x = ((const struct id_idx *)a)->id, y = ((const struct id_idx *)b)->id;
	return x < y ? -1 : x > y;
}

static struct id_idx *index_ids(const struct check_rt *rt, size_t n)
{
	struct id_idx *ix = xcalloc(n + 1, sizeof(*ix));

	for (size_t i = 0; i < n; i++) {
		ix[i].id = rt[i].id;
		ix[i].idx = i;
	}
	qsort(ix, n, sizeof(*ix), cmp_id);
	return ix;
}

/* The index of check id in rt (indexed by ix), or (size_t)-1. */
static size_t find_id(const struct id_idx *ix, size_t n, long long id)
{
	struct id_idx key = {id, 0};
	const struct id_idx *hit = n ? bsearch(&key, ix, n, sizeof(*ix), cmp_id) : NULL;

	return hit ? hit->idx : (size_t)-1;
}

/* Registers cfg's checks (rt[i].def, rt[i].id) and reads what the checks
 * the running monitor did not have resume with (*res, indexed like rt; the
 * caller frees it): a few multi-row statements, not a round trip per check
 * (start-up with 10,000 checks on PostgreSQL). */
static enum sg_code register_checks(struct monitor *m, const struct monitor_config *cfg,
                                    struct check_rt *rt, const struct id_idx *ix, double now,
                                    struct store_monitor_resume **res, struct sg_error *err)
{
	struct store_monitor_check *c = xcalloc(cfg->nchecks + 1, sizeof(*c));
	long long *ids = xcalloc(cfg->nchecks + 1, sizeof(*ids)), *fresh;
	size_t *at = xcalloc(cfg->nchecks + 1, sizeof(*at)), nfresh = 0;
	struct store_monitor_resume *got;
	enum sg_code rc;

	*res = xcalloc(cfg->nchecks + 1, sizeof(**res));
	for (size_t i = 0; i < cfg->nchecks; i++) {
		const struct check_def *d = &cfg->checks[i];
		rt[i].def = d;
		c[i] = (struct store_monitor_check){d->name,
		                                    monitor_config_kind_name(d->kind),
		                                    monitor_config_type_name(d->type),
		                                    d->target,
		                                    d->item_id,
		                                    d->interval_s};
	}
	rc = store_monitor_checks_upsert(m->s, cfg->service, c, cfg->nchecks, now, ids, err);
	fresh = ids; /* reused: the ids of checks new to this run, in place */
	for (size_t i = 0; i < cfg->nchecks && !rc; i++) {
		rt[i].id = ids[i];
		if (find_id(ix, m->nrt, ids[i]) == (size_t)-1) {
			at[nfresh] = i;
			fresh[nfresh++] = ids[i];
		}
	}
	got = xcalloc(nfresh + 1, sizeof(*got));
	if (!rc && !(rc = store_monitor_checks_resume(m->s, fresh, nfresh, got, err)))
		for (size_t j = 0; j < nfresh; j++)
			(*res)[at[j]] = got[j];
	free(got);
	free(at);
	free(ids);
	free(c);
	return rc;
}

/* Registers cfg's checks and builds the runtime, carrying over the state
 * of checks that keep their name. */
enum sg_code monitor_reload_install(struct monitor *m, struct monitor_config *cfg,
                                    struct sg_error *err)
{
	struct check_rt *rt = xcalloc(cfg->nchecks + 1, sizeof(*rt));
	struct id_idx *ix = index_ids(m->rt, m->nrt);
	struct store_monitor_resume *res = NULL;
	double now = timeutil_now(), mono;
	enum sg_code rc;

	if ((rc = store_begin(m->s, err)))
		goto fail;
	if ((rc = store_monitor_retire_all(m->s, cfg->service, now, err)) ||
	    (rc = register_checks(m, cfg, rt, ix, now, &res, err)))
		goto rollback;
	for (size_t i = 0; i < cfg->nchecks; i++) {
		struct check_rt *old = NULL;
		{
			size_t k = find_id(ix, m->nrt, rt[i].id);
			if (k != (size_t)-1)
				old = &m->rt[k];
		}
		if (old) {
			rt[i].state = old->state;
			rt[i].fails = old->fails;
			rt[i].resolving = old->resolving;
			rt[i].interval_id = old->interval_id;
			rt[i].incident_id = old->incident_id;
			rt[i].hard = old->hard;
			rt[i].suppressed = old->suppressed;
			rt[i].sup_incident = old->sup_incident;
			rt[i].sup_dep = (size_t)-1; /* indices change in a reload */
			rt[i].last_incident = old->last_incident;
			rt[i].last_resolved_at = old->last_resolved_at;
			rt[i].first_fail_at = old->first_fail_at;
			rt[i].last_at = old->last_at;
			rt[i].resume_at = old->resume_at;
			rt[i].resume_id = old->resume_id;
			memcpy(rt[i].resume_state, old->resume_state, sizeof(rt[i].resume_state));
			rt[i].loc_fails = old->loc_fails;
			rt[i].loc_state = old->loc_state;
			rt[i].loc_since = old->loc_since;
			memcpy(rt[i].loc_detail, old->loc_detail, sizeof(rt[i].loc_detail));
			rt[i].fed = old->fed;
			old->interval_id = 0;
			old->resume_id = 0;
		} else {
			const struct store_monitor_resume *r = &res[i];
			rt[i].loc_state = -1; /* monitor_cluster.c: no probe yet */
			rt[i].fed = -1;
			rt[i].last_at = rt[i].resume_at = r->last_at;
			rt[i].incident_id = r->incident_id;
			rt[i].resume_id = r->interval_id;
			memcpy(rt[i].resume_state, r->state, sizeof(rt[i].resume_state));
		}
	}
	/* Due times count from now, after the registration (seconds for
	 * 100,000 checks), so the first round does not start late. Sharded
	 * checks keep a slot fixed on the wall clock, shared by every node of
	 * the location, so a check that changes hands keeps its interval. */
	mono = timeutil_monotonic_ms();
	for (size_t i = 0; i < cfg->nchecks; i++) {
		double iv = cfg->checks[i].interval_s;
		double r = cfg->shards_auto ? monitor_cluster_phase(rt[i].id, iv)
		                            : (double)rand() / RAND_MAX;
		rt[i].due = mono + (m->opts->once ? 0 : monitor_schedule_first_due(iv, r));
	}
	/* Checks that went away: their state ends now. */
	for (size_t k = 0; k < m->nrt; k++)
		if ((m->rt[k].interval_id &&
		     (rc = store_monitor_interval_close(m->s, m->rt[k].interval_id, now, err))) ||
		    (m->rt[k].resume_id &&
		     (rc = store_monitor_interval_close(m->s, m->rt[k].resume_id, now, err))))
			goto rollback;
	if ((rc = store_commit(m->s, err)))
		goto fail;
	free(m->rt);
	free(m->heap);
	free(m->by_id);
	m->by_id = NULL;
	m->rt = rt;
	m->nrt = cfg->nchecks;
	m->heap = xcalloc(m->nrt + 1, sizeof(*m->heap));
	m->hold_check_at = 0; /* the holds carried over are looked at again */
	m->nheap = 0;
	for (size_t i = 0; i < m->nrt; i++)
		monitor_schedule_push(m, i);
	/* Outcomes still waiting for the store follow their check to its new
	 * place; those of checks that went away go. */
	free(ix);
	ix = index_ids(m->rt, m->nrt);
	for (size_t k = 0, j = 0; k < m->npend; k++) {
		size_t i = find_id(ix, m->nrt, m->pend[k].check_id);
		if (i != (size_t)-1) {
			m->pend[k].idx = i;
			m->pend[j++] = m->pend[k];
		}
		if (k + 1 == m->npend)
			m->npend = j;
	}
	free(ix);
	free(res);
	return SG_OK;
rollback:
	store_rollback(m->s);
fail:
	free(ix);
	free(res);
	free(rt);
	return rc;
}

void monitor_reload_now(struct monitor *m)
{
	struct profile *p;
	struct monitor_config *cfg;
	struct notify_config *ncfg;
	void *jobcfg = NULL;
	struct ledger_config lcfg;
	struct sg_error err;

	m->reload_pending = 0;
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	if (monitor_reload_load(m, &p, &cfg, &ncfg, &jobcfg, &lcfg, &err) ||
	    monitor_reload_install(m, cfg, &err)) {
		if (err.file[0] && err.line)
			monitor_log(
			    m, "reload failed, keeping the running configuration: %s:%d:%d: %s%s%s",
			    err.file, err.line, err.col, err.msg, err.hint[0] ? " hint: " : "",
			    err.hint);
		else
			monitor_log(m, "reload failed, keeping the running configuration: %s",
			            err.msg);
		if (cfg) {
			notify_config_free(ncfg);
			monitor_config_free(cfg);
			if (jobcfg)
				m->opts->job->drop(m->opts->job->arg, jobcfg);
			ledger_config_release(&lcfg);
		}
		/* The old runtime goes on: put its checks back on the schedule. */
		m->nheap = 0;
		for (size_t i = 0; i < m->nrt; i++)
			if (!m->rt[i].busy)
				monitor_schedule_push(m, i);
		monitor_schedule_arm(m);
		return;
	}
	if (m->notify)
		notify_set_config(m->notify, ncfg);
	notify_config_free(m->ncfg);
	monitor_config_free(m->cfg);
	profile_free(m->profile);
	ledger_config_release(&m->lcfg);
	m->profile = p;
	m->cfg = cfg;
	m->ncfg = ncfg;
	if (m->opts->job)
		m->opts->job->swap(m->opts->job->arg, jobcfg);
	m->lcfg = lcfg;
	m->said_no_key = 0;
	monitor_log(m, "reloaded %s: %zu checks", m->path, m->nrt);
	monitor_schedule_arm(m);
}
