/*
 * monitor_jobs - beside probing: sealing the ledger, the maintenance
 * windows' notices, and running the job of monitor_opts.job (the CLI passes
 * the period-close reports); see monitor_engine.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "availability.h"
#include "ledger_check.h"
#include "ledger_events.h"
#include "notify.h"
#include "store_notify.h"
#include "timeutil.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "xalloc.h"
#include "banned.h"

/* Logs a seal's outcome; "cannot seal" once until a seal works again. */
static void seal_done(struct monitor *m, enum sg_code rc, const struct ledger_seal_result *r,
                      const struct sg_error *err)
{
	if (rc) {
		if (m->said_no_key != 2)
			monitor_log(m, "ledger: cannot seal: %s%s%s", err->msg,
			            err->hint[0] ? " hint: " : "", err->hint);
		m->said_no_key = 2;
		return;
	}
	m->said_no_key = 0;
	if (!r->sealed)
		return;
	monitor_log(m, "ledger: signed tree head #%lld (%lld entries)%s", r->head_id, r->tree_size,
	            r->timestamped ? ", time-stamped" : "");
	if (m->lcfg.tsa_url && !r->timestamped)
		monitor_log(m, "ledger: no time-stamp: %s (the next head tries again)",
		            r->tsa_error);
}

/* The thread-pool half: its own store connection (WAL lets it read while the
 * loop writes), ledger_maybe_seal(), which may wait for the TSA. */
static void seal_worker(uv_work_t *w)
{
	struct monitor *m = w->data;
	struct store *s = NULL;

	memset(&m->seal_r, 0, sizeof(m->seal_r));
	m->seal_rc = store_open(m->s->path, 0, &s, &m->seal_err);
	if (!m->seal_rc)
		m->seal_rc = ledger_maybe_seal(s, &m->lcfg, &m->seal_r, &m->seal_err);
	store_close(s);
}

static void seal_after(uv_work_t *w, int status)
{
	struct monitor *m = w->data;

	m->sealing = 0;
	if (status == 0)
		seal_done(m, m->seal_rc, &m->seal_r, &m->seal_err);
}

/* Signs a tree head over the new entries: in the background when
 * ledger_maybe_seal() says so (seal_every_entries / seal_every), or at once
 * (shutdown, the end of --once). Runs outside any transaction. Without a
 * signing key the entries wait, unsealed, for the first head, and the log
 * says so once. */
void monitor_jobs_seal(struct monitor *m, int now)
{
	struct ledger_seal_result r;
	struct sg_error err;
	struct stat st;
	enum sg_code rc;

	if (m->s->in_tx || !m->lcfg.key_path || (m->sealing && !now))
		return;
	if (!m->lcfg.signer && stat(m->lcfg.key_path, &st)) {
		if (!m->said_no_key)
			monitor_log(
			    m,
			    "ledger: no signing key at %s: tree heads are not signed (make one "
			    "with saasguard ledger keygen --key %s)",
			    m->lcfg.key_path, m->lcfg.key_path);
		m->said_no_key = 1;
		return;
	}
	if (!now) {
		memset(&m->seal_err, 0, sizeof(m->seal_err));
		m->seal_err.lang = m->err.lang;
		m->seal_work.data = m;
		if (uv_queue_work(&m->loop, &m->seal_work, seal_worker, seal_after) == 0) {
			m->sealing = 1;
			return;
		}
	}
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	rc = (now ? ledger_seal_now : ledger_maybe_seal)(m->s, &m->lcfg, &r, &err);
	seal_done(m, rc, &r, &err);
}

/* Runs the job beside probing (the period-close reports) outside any
 * transaction; kicks the outbox when it queued messages. */
int monitor_jobs_run_on(struct monitor *m, struct store *s)
{
	struct monitor_job_ctx ctx = {
	    s,        m->cat,         m->path,     m->cfg,       m->ncfg,
	    &m->lcfg, timeutil_now(), m->err.lang, m->opts->log, m->opts->log_arg};

	return m->opts->job && m->opts->job->run(m->opts->job->arg, &ctx);
}

void monitor_jobs_run(struct monitor *m)
{
	if (!m->s->in_tx && monitor_jobs_run_on(m, m->s) && m->notify)
		notify_kick(m->notify);
}

/* How often the maintenance job looks (seconds), and how long after a
 * window's end its end notice may still go out (a monitor that was down
 * longer does not send stale notices). */
#define MAINT_EVERY 5.0
#define MAINT_LATE  86400.0

/* Queues one notice of window w, once: the claim, the messages and the
 * ledger record in one transaction. */
static enum sg_code maint_notice(struct monitor *m, const struct maintenance_window *w,
                                 const char *key, const char *notice, double now,
                                 struct sg_error *err)
{
	struct notify_maintenance mw;
	char tmpl[40];
	long long n = 0;
	int claimed = 0;
	const char *note = w->note ? w->note : "";
	enum sg_code rc;

	memset(&mw, 0, sizeof(mw));
	mw.start = w->start;
	mw.end = w->end;
	mw.note = w->note;
	if (strcmp(notice, "announce"))
		mw.started_at = w->start;
	if (!strcmp(notice, "end"))
		mw.ended_at = w->end;
	snprintf(tmpl, sizeof(tmpl), "maintenance_%s", notice);
	if ((rc = store_begin(m->s, err)))
		return rc;
	rc = store_notify_maintenance_claim(m->s, m->cfg->service, key, notice, now, &claimed, err);
	if (!rc && claimed)
		rc = notify_enqueue_maintenance(m->s, m->ncfg, tmpl, &mw, &n, err);
	if (!rc && claimed)
		rc = !strcmp(notice, "announce")
		         ? ledger_events_maintenance_announced(m->s, m->cfg->service, w->start,
		                                               w->end, note, "monitor", n, err)
		     : !strcmp(notice, "start")
		         ? ledger_events_maintenance_started(m->s, m->cfg->service, w->start,
		                                             w->end, note, n, err)
		         : ledger_events_maintenance_ended(m->s, m->cfg->service, w->start, w->end,
		                                           note, n, err);
	if (rc) {
		store_rollback(m->s);
		return rc;
	}
	if ((rc = store_commit(m->s, err)))
		return rc;
	if (claimed)
		monitor_log(m, "maintenance %s: %s queued for %lld recipients", key, tmpl, n);
	return SG_OK;
}

/* The notices of every maintenance window, from the profile and from the
 * web (availability_maintenance(): the same list availability excludes):
 * the announcement from announce_before ahead of the start until the start,
 * the start notice while it runs, the end notice once it ended. Each goes
 * out once (maintenance_notices), across restarts; a web window's
 * announcement was queued by the web itself. */
void monitor_jobs_maintenance(struct monitor *m, int force)
{
	double now = timeutil_now(), before;
	struct maintenance_window *w = NULL;
	char(*keys)[AVAILABILITY_KEY_LEN] = NULL;
	size_t n = 0;
	struct sg_error err;
	enum sg_code rc;

	if (!m->ncfg || !m->cfg || m->s->in_tx || (!force && now < m->maint_next))
		return;
	m->maint_next = now + MAINT_EVERY;
	before = notify_config_maintenance_announce_before(m->ncfg);
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	rc = availability_maintenance(m->s, m->cfg, now - MAINT_LATE, now + before, &w, &n, &keys,
	                              &err);
	for (size_t i = 0; i < n && !rc; i++) {
		if (now < w[i].start && now >= w[i].start - before)
			rc = maint_notice(m, &w[i], keys[i], "announce", now, &err);
		else if (w[i].start <= now && now < w[i].end)
			rc = maint_notice(m, &w[i], keys[i], "start", now, &err);
		else if (w[i].end <= now)
			rc = maint_notice(m, &w[i], keys[i], "end", now, &err);
	}
	availability_maintenance_free(w, n);
	free(keys);
	if (rc)
		monitor_log(m, "maintenance notices: %s", err.msg);
	else if (n && m->notify)
		notify_kick(m->notify);
}

/* The daily verification: the first a few seconds after start (a monitor
 * that was down gets its ledger checked when it comes back), then a day
 * after the last one recorded. */
#define VERIFY_EVERY 86400.0
#define VERIFY_FIRST 5.0

/* The thread-pool half: reads the whole ledger on its own connection, then
 * appends the outcome in one short transaction. m->lcfg, m->cfg and
 * m->ncfg stay: a reload and a stop wait for it (monitor_maybe_finish()). */
static void verify_worker(uv_work_t *w)
{
	struct monitor *m = w->data;
	const struct ledger_config *cfgs[1] = {&m->lcfg};
	struct store *s = NULL;

	m->verify_seq = 0;
	m->verify_alerted = 0;
	m->verify_rc = store_open(m->s->path, 0, &s, &m->verify_err);
	if (!m->verify_rc)
		m->verify_rc = ledger_check_run(s, cfgs, 1, m->verify_c, &m->verify_err);
	if (!m->verify_rc)
		m->verify_rc = ledger_check_record(s, m->verify_c, "monitor", m->ncfg,
		                                   m->cfg->service, m->cfg->pattern, &m->verify_seq,
		                                   &m->verify_alerted, &m->verify_err);
	store_close(s);
}

static void verify_after(uv_work_t *w, int status)
{
	struct monitor *m = w->data;
	const struct ledger_check *c = m->verify_c;

	m->verifying = 0;
	if (status == 0 && m->verify_rc == SG_ERR_NOT_FOUND) {
		/* no public key: look again in an hour, say so once */
		m->verify_next = timeutil_now() + 3600;
		if (!m->said_no_pub)
			monitor_log(m, "ledger: not verified: %s", m->verify_err.msg);
		m->said_no_pub = 1;
	} else if (status == 0 && m->verify_rc) {
		m->verify_next = timeutil_now() + 3600;
		monitor_log(m, "ledger: verification could not run: %s", m->verify_err.msg);
	} else if (status == 0 && c->ok) {
		monitor_log(m,
		            "ledger: verified %lld entries, %lld tree heads in %.1f s (entry %lld)",
		            c->r.entries, c->r.heads, c->seconds, m->verify_seq);
	} else if (status == 0) {
		monitor_log(m, "ledger: VERIFICATION FAILED: %s (entry %lld; %zu managers alerted)",
		            c->error ? c->error : "", m->verify_seq, m->verify_alerted);
		if (m->verify_alerted && m->notify)
			notify_kick(m->notify);
	}
	if (m->verify_rc != SG_ERR_NOT_FOUND)
		m->said_no_pub = 0;
	ledger_check_release(m->verify_c);
	free(m->verify_c);
	m->verify_c = NULL;
	monitor_maybe_finish(m);
}

void monitor_jobs_verify(struct monitor *m)
{
	double now = timeutil_now();
	struct ledger_check last;
	struct sg_error err;
	int found = 0;

	if (m->verifying || m->stopping || m->reload_pending || !m->lcfg.key_path || !m->cfg)
		return;
	if (m->verify_next == 0) {
		memset(&err, 0, sizeof(err));
		/* one indexed lookup: cheap enough for the loop */
		if (ledger_check_latest(m->s, &last, &found, &err) == SG_OK && found &&
		    last.at + VERIFY_EVERY > now + VERIFY_FIRST)
			m->verify_next = last.at + VERIFY_EVERY;
		else
			m->verify_next = now + VERIFY_FIRST;
		ledger_check_release(&last);
		return;
	}
	/* A seal in flight (a slow TSA) first: on a new ledger its first head
	 * may still be coming, and entries without a head fail verification. */
	if (now < m->verify_next || m->sealing)
		return;
	m->verify_next = now + VERIFY_EVERY;
	memset(&m->verify_err, 0, sizeof(m->verify_err));
	m->verify_err.lang = m->err.lang;
	m->verify_work.data = m;
	m->verify_c = xcalloc(1, sizeof(*m->verify_c));
	if (uv_queue_work(&m->loop, &m->verify_work, verify_worker, verify_after) == 0) {
		m->verifying = 1;
		return;
	}
	free(m->verify_c);
	m->verify_c = NULL;
}
