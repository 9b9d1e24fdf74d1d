/*
 * monitor - the event-driven monitoring engine; see monitor.h.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <uv.h>

#include "availability.h"
#include "curluv.h"
#include "ledger.h"
#include "monitor.h"
#include "monitor_writer.h"
#include "notify.h"
#include "report_job.h"
#include "report_pdf.h"
#include "store_collect.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_INFLIGHT 1024
#define BODY_MAX     (256 * 1024)

enum rt_state {
	RT_NONE = 0, /* no probe yet in this run */
	RT_UP,
	RT_FAILING, /* failed, not yet confirmed */
	RT_CONFIRMED,
};

struct check_rt {
	const struct check_def *def;
	long long id;
	double due; /* monotonic ms */
	enum rt_state state;
	int fails;
	int busy;
	int resolving; /* a name lookup of this check has not returned yet */
	int done_once;
	long long interval_id;
	long long incident_id;
	double first_fail_at;
	double last_at;      /* wall clock of the last probe (gap) */
	double resume_at;    /* the last probe of an earlier run (restart rule) */
	long long resume_id; /* an interval left open by an earlier run */
	char resume_state[16];
};

struct result {
	size_t idx;
	long long check_id;
	double gap_s; /* since the check's previous probe (0: first) */
	double at, latency_ms;
	/* http phases, ms from the start (-1: not reached or not http): name
	 * lookup done, TCP connected, TLS handshake done, first response byte */
	double dns_ms, connect_ms, tls_ms, ttfb_ms;
	int ok, status;
	char error[160];
};

struct monitor {
	uv_loop_t loop;
	struct store *s;
	const struct catalog *cat;
	const char *path;
	const struct monitor_opts *opts;
	struct profile *profile; /* NULL once loaded: see load_config() */
	unsigned char profile_sha256[32];
	struct monitor_config *cfg;
	struct notify_config *ncfg;
	struct report_job_config rcfg; /* the profile's reports: section */
	struct ledger_config lcfg;     /* its ledger: section */
	int said_no_key;               /* "no signing key" was logged */
	/* A periodic seal runs on libuv's thread pool with its own connection,
	 * so a slow TSA never holds up the probes. */
	uv_work_t seal_work;
	int sealing;
	enum sg_code seal_rc;
	struct ledger_seal_result seal_r;
	struct sg_error seal_err;
	int drew_pdf; /* pango/cairo caches to free at exit */
	struct notify *notify;
	struct curluv *cu;
	struct check_rt *rt;
	size_t nrt;
	size_t *heap; /* indices into rt, min-heap on due */
	size_t nheap;
	int inflight;
	uv_timer_t sched, flush, hourly;
	uv_signal_t sigterm, sigint, sighup;
	long long run_id;
	int stopping, reload_pending, finishing, failed;
	struct monitor_writer *writer; /* results go to the store from here */
	/* Outcomes whose state change could not be written yet, in order; the
	 * check's runtime state is as it was before each of them. */
	struct result *pend;
	size_t npend, apend;
	long long lost;     /* results the writer dropped or could not write */
	int store_down;     /* the last write failed (logged once) */
	struct dynbuf said; /* what to log once the transaction commits */
	double prev_seen;
	/* the local day of records, cached */
	double day_start, day_end;
	char day[40];
	/* statistics */
	long long probes;
	double *late;
	size_t nlate, alate;
	struct sg_error err;
};

static void mlog(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mlog(struct monitor *m, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	if (!m->opts->log)
		return;
	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	m->opts->log(m->opts->log_arg, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static void notifier_log(void *arg, const char *line)
{
	struct monitor *m = arg;
	mlog(m, "%s", line);
}

double monitor_first_due(double interval_s, double r)
{
	return r * interval_s * 1000.0;
}

double monitor_next_due(double due, double now, double interval_s)
{
	double step = interval_s * 1000.0, next = due + step;

	if (next <= now)
		next = due + step * (floor((now - due) / step) + 1);
	return next;
}

int monitor_icmp_allowed(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* ---- scheduling heap ---- */

static int heap_less(struct monitor *m, size_t a, size_t b)
{
	return m->rt[m->heap[a]].due < m->rt[m->heap[b]].due;
}

static void heap_swap(struct monitor *m, size_t a, size_t b)
{
	size_t t = m->heap[a];
	m->heap[a] = m->heap[b];
	m->heap[b] = t;
}

static void heap_push(struct monitor *m, size_t idx)
{
	size_t i = m->nheap++;

	m->heap[i] = idx;
	while (i && heap_less(m, i, (i - 1) / 2)) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static size_t heap_pop(struct monitor *m)
{
	size_t top = m->heap[0], i = 0;

	m->heap[0] = m->heap[--m->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < m->nheap && heap_less(m, l, s))
			s = l;
		if (r < m->nheap && heap_less(m, r, s))
			s = r;
		if (s == i)
			break;
		heap_swap(m, i, s);
		i = s;
	}
	return top;
}

/* ---- recording ---- */

static const char *local_day(struct monitor *m, double at)
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

static void store_trouble(struct monitor *m, const struct sg_error *err)
{
	if (!m->store_down)
		mlog(m, "store: %s (state changes kept in memory, retried every second)", err->msg);
	m->store_down = 1;
}

static void store_fine(struct monitor *m)
{
	if (m->store_down)
		mlog(m, "store: state changes written again");
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
	json_t *j = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:f,s:s}", "service", m->cfg->service,
	                      "check", c->def->name, "check_id", (json_int_t)c->id, "kind",
	                      monitor_config_kind_name(c->def->kind), "from", from, "to", to,
	                      "confirmed", confirmed, "at", at, "detail", why ? why : "");
	enum sg_code rc = ledger_append(m->s, "check_state", j, NULL, err);
	json_decref(j);
	return rc;
}

static double ref_seconds(const struct catalog *cat, const char *item, int pattern)
{
	const struct eval_item *it = item ? catalog_item(cat, item) : NULL;
	const struct reference_value *r = it ? &it->refs[pattern - 1] : NULL;

	if (r && (r->kind == REF_MAX_DELAY || r->kind == REF_MAX_INTERVAL))
		return r->quantity.seconds;
	return 0;
}

static int muted_now(const struct monitor_config *cfg, double now)
{
	for (size_t i = 0; i < cfg->nmaint; i++)
		if (cfg->maint[i].mute_alerts && now >= cfg->maint[i].start &&
		    now < cfg->maint[i].end)
			return 1;
	return 0;
}

static enum sg_code open_incident(struct monitor *m, struct check_rt *c, double now,
                                  const char *summary, struct sg_error *err)
{
	const struct check_def *d = c->def;
	struct incident_row r;
	struct notify_incident v;
	enum sg_code rc;
	json_t *j;

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
	r.muted = muted_now(m->cfg, now);
	if ((rc = store_monitor_incident_open(m->s, &r, err)))
		return rc;
	c->incident_id = r.id;
	j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:s,s:b}", "incident",
	              (json_int_t)r.id, "service", r.service, "check", d->name, "target", d->target,
	              "kind", r.kind, "item", r.item_id, "started_at", r.started_at, "detected_at",
	              now, "notify_deadline_s", r.notify_deadline_s, "followup_deadline_s",
	              r.followup_deadline_s, "summary", summary, "muted", r.muted);
	rc = ledger_append(m->s, "incident_opened", j, NULL, err);
	json_decref(j);
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
	json_t *j;

	if ((rc = store_monitor_incident_resolve(m->s, c->incident_id, now, err)) ||
	    (rc = store_monitor_incident_get(m->s, c->incident_id, &r, err)))
		return rc;
	j = json_pack("{s:I,s:s,s:s,s:f,s:f}", "incident", (json_int_t)r.id, "service", r.service,
	              "check", r.check_name, "resolved_at", now, "duration_s", now - r.started_at);
	rc = ledger_append(m->s, "incident_resolved", j, NULL, err);
	json_decref(j);
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
 * on_outcome() commits. */
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

/* Applies an outcome and commits it. On failure the check's runtime state
 * is put back as it was, so memory and store agree and the same outcome
 * can be applied again later. */
static enum sg_code on_outcome(struct monitor *m, struct check_rt *c, const struct result *res,
                               struct sg_error *err)
{
	struct check_rt saved = *c;
	enum sg_code rc;

	dynbuf_reset(&m->said);
	rc = outcome_apply(m, c, res, err);
	if (m->s->in_tx) {
		if (rc)
			store_rollback(m->s);
		else
			rc = store_commit(m->s, err);
	}
	if (rc) {
		*c = saved;
		return rc;
	}
	if (dynbuf_len(&m->said))
		mlog(m, "%s", dynbuf_ptr(&m->said));
	if (c->incident_id != saved.incident_id && m->notify)
		notify_kick(m->notify); /* an incident opened or closed: tell people */
	return SG_OK;
}

/* Applies the outcomes waiting for the store, oldest first; stops at the
 * first that still cannot be written. */
static enum sg_code apply_pending(struct monitor *m, struct sg_error *err)
{
	size_t done = 0;
	enum sg_code rc = SG_OK;

	while (done < m->npend) {
		struct result *r = &m->pend[done];
		if (r->idx < m->nrt && m->rt[r->idx].id == r->check_id &&
		    (rc = on_outcome(m, &m->rt[r->idx], r, err)))
			break;
		done++;
	}
	memmove(m->pend, m->pend + done, (m->npend - done) * sizeof(*m->pend));
	m->npend -= done;
	return rc;
}

/* ---- probes ---- */

struct probe {
	struct monitor *m;
	size_t idx;
	double t0; /* monotonic ms */
	struct result res;
	/* http */
	struct dynbuf body;
	struct curl_slist *hdr, *connect_to;
	/* tcp and icmp */
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_timer_t timer;
	uv_poll_t poll;
	uv_getaddrinfo_t gai;
	int fd;
	int open_handles;
	int tcp_open;
	int finished;
	/* A name lookup runs on libuv's thread pool and may outlive the probe's
	 * timeout (a resolver that never answers): the probe's memory stays
	 * until its callback has run, even after the result is recorded. */
	int gai_pending;
	int completed;
	long long check_id;
	unsigned short echo_seq;
};

static void schedule_arm(struct monitor *m);
static void maybe_finish(struct monitor *m);

/* Hands a result to the writer thread. */
static void record(struct monitor *m, const struct result *r)
{
	struct monitor_record rec = {
	    r->check_id, r->at,      r->latency_ms, r->dns_ms, r->connect_ms,
	    r->tls_ms,   r->ttfb_ms, r->gap_s,      r->ok,     r->status,
	    "",          ""};

	snprintf(rec.day, sizeof(rec.day), "%s", local_day(m, r->at));
	if (!r->ok)
		memcpy(rec.error, r->error, sizeof(rec.error));
	monitor_writer_add(m->writer, &rec);
}

static void probe_complete(struct probe *p)
{
	struct monitor *m = p->m;
	struct check_rt *c = &m->rt[p->idx];
	double now = timeutil_monotonic_ms();
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	c->busy = 0;
	m->inflight--;
	m->probes++;
	p->res.check_id = c->id;
	p->res.gap_s = c->last_at > 0 && p->res.at > c->last_at ? p->res.at - c->last_at : 0;
	c->last_at = p->res.at;
	record(m, &p->res);
	/* Outcomes apply in order: behind any still waiting for the store. */
	if (m->npend || on_outcome(m, c, &p->res, &err)) {
		if (!m->npend)
			store_trouble(m, &err);
		ALLOC_GROW(m->pend, m->npend, m->apend);
		m->pend[m->npend++] = p->res;
	}
	/* Next due: quick retry while failing and not yet confirmed. */
	if (c->state == RT_FAILING)
		c->due = now + fmin(m->cfg->retry_s, c->def->interval_s) * 1000.0;
	else
		c->due = monitor_next_due(c->due, now, c->def->interval_s);
	if (m->opts->once && c->state != RT_FAILING)
		c->done_once = 1;
	if (!m->stopping && !m->reload_pending && !c->done_once)
		heap_push(m, p->idx);
	dynbuf_release(&p->body);
	curl_slist_free_all(p->hdr);
	p->completed = 1;
	if (!p->gai_pending)
		free(p);
	schedule_arm(m);
	maybe_finish(m);
}

static size_t body_cb(char *ptr, size_t size, size_t n, void *arg)
{
	struct probe *p = arg;
	size_t len = size * n;

	if (p->m->rt[p->idx].def->expect_body && dynbuf_len(&p->body) < BODY_MAX)
		dynbuf_add(&p->body, ptr, len);
	return len;
}

static void handle_closed(uv_handle_t *h);

/* A curl phase as ms from the probe's start (after our own name lookup). */
static double phase_ms(CURL *e, CURLINFO what, double dns_ms)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(e, what, &us) != CURLE_OK || us <= 0)
		return -1;
	return dns_ms + (double)us / 1000.0;
}

static void http_done(CURL *e, CURLcode res, void *arg)
{
	struct probe *p = arg;
	const struct check_def *d = p->m->rt[p->idx].def;
	double dns = p->res.dns_ms > 0 ? p->res.dns_ms : 0;
	long code = 0;
	double total = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &total);
	p->res.status = (int)code;
	p->res.connect_ms = phase_ms(e, CURLINFO_CONNECT_TIME_T, dns);
	p->res.tls_ms =
	    !strncmp(d->url, "https:", 6) ? phase_ms(e, CURLINFO_APPCONNECT_TIME_T, dns) : -1;
	p->res.ttfb_ms = phase_ms(e, CURLINFO_STARTTRANSFER_TIME_T, dns);
	total = dns / 1000.0 + total;
	p->res.latency_ms = total * 1000.0;
	if (res != CURLE_OK) {
		snprintf(p->res.error, sizeof(p->res.error), "%s", curl_easy_strerror(res));
	} else if (d->expect_status ? code != d->expect_status : (code < 200 || code > 399)) {
		snprintf(p->res.error, sizeof(p->res.error), "HTTP %ld", code);
	} else if (d->expect_body && !d->body_regex &&
	           !strstr(dynbuf_ptr(&p->body), d->expect_body)) {
		snprintf(p->res.error, sizeof(p->res.error), "body lacks \"%.100s\"",
		         d->expect_body);
	} else if (d->expect_body && d->body_regex &&
	           regexec(&d->re, dynbuf_ptr(&p->body), 0, NULL, 0)) {
		snprintf(p->res.error, sizeof(p->res.error), "body does not match /%.100s/",
		         d->expect_body);
	} else if (d->kind == CHECK_PERFORMANCE && total > d->max_response_s) {
		snprintf(p->res.error, sizeof(p->res.error), "slow: %.0f ms > %.0f ms",
		         total * 1000, d->max_response_s * 1000);
	} else {
		p->res.ok = 1;
	}
	curl_easy_cleanup(e);
	curl_slist_free_all(p->connect_to);
	p->connect_to = NULL;
	if (p->open_handles) {
		/* The lookup's timer is still open: complete once it closes. */
		p->finished = 1;
		uv_close((uv_handle_t *)&p->timer, handle_closed);
		return;
	}
	probe_complete(p);
}

/* Starts the transfer; addr is the address our own lookup found (NULL: the
 * URL names an address). curl never resolves a name itself: its threaded
 * resolver joins a lookup that never returns on cleanup, which would block
 * the loop. */
static void start_http(struct monitor *m, struct probe *p, const struct check_def *d,
                       const char *addr)
{
	CURL *e = curl_easy_init();
	double left = d->timeout_s * 1000 - (p->res.dns_ms > 0 ? p->res.dns_ms : 0);

	dynbuf_init(&p->body, BODY_MAX + CURL_MAX_WRITE_SIZE);
	curl_easy_setopt(e, CURLOPT_URL, d->url);
	if (addr) {
		char *ct = xstrfmt(strchr(addr, ':') ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d", d->host,
		                   d->port, addr, d->port);
		p->connect_to = curl_slist_append(NULL, ct);
		free(ct);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, p->connect_to);
	}
	if (!d->reuse_connection) {
		/* What a user's browser does: a new connection, so a full accept
		 * queue or a broken handshake shows. */
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	if (d->username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, d->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, d->password ? d->password : "");
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "saasguard-monitor/" SAASGUARD_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)d->tls_verify);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, d->tls_verify ? 2L : 0L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (!strcmp(d->method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(d->method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, d->method);
	for (size_t i = 0; i < d->nheaders; i++)
		p->hdr = curl_slist_append(p->hdr, d->headers[i]);
	if (p->hdr)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->hdr);
	if (curluv_add(m->cu, e, http_done, p)) {
		curl_easy_cleanup(e);
		curl_slist_free_all(p->connect_to);
		p->connect_to = NULL;
		snprintf(p->res.error, sizeof(p->res.error), "cannot start transfer");
		if (p->open_handles) {
			p->finished = 1;
			uv_close((uv_handle_t *)&p->timer, handle_closed);
			return;
		}
		probe_complete(p);
	}
}

static void handle_closed(uv_handle_t *h)
{
	struct probe *p = h->data;
	if (--p->open_handles == 0)
		probe_complete(p);
}

/* Ends a tcp/icmp probe: closes its handles, then completes. */
static void net_finish(struct probe *p, int ok, const char *error)
{
	if (p->finished)
		return;
	p->finished = 1;
	p->res.ok = ok;
	p->res.latency_ms = timeutil_monotonic_ms() - p->t0;
	if (!ok)
		snprintf(p->res.error, sizeof(p->res.error), "%s", error);
	if (p->gai_pending)
		uv_cancel((uv_req_t *)&p->gai); /* if not yet running: ECANCELED */
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, handle_closed);
	if (p->tcp_open)
		uv_close((uv_handle_t *)&p->tcp, handle_closed);
	if (p->fd >= 0) {
		uv_poll_stop(&p->poll);
		uv_close((uv_handle_t *)&p->poll, handle_closed);
	}
}

static void on_net_timeout(uv_timer_t *t)
{
	struct probe *p = t->data;
	net_finish(p, 0, p->gai_pending ? "DNS timeout" : "timeout");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct probe *p = req->data;
	if (status == UV_ECANCELED)
		return;
	net_finish(p, status == 0, status ? uv_strerror(status) : NULL);
}

static void tcp_connect_to(struct probe *p, const struct sockaddr *sa)
{
	struct monitor *m = p->m;
	int r;

	uv_tcp_init(&m->loop, &p->tcp);
	p->tcp.data = p;
	p->tcp_open = 1;
	p->open_handles++;
	p->conn.data = p;
	if ((r = uv_tcp_connect(&p->conn, &p->tcp, sa, on_connect)))
		net_finish(p, 0, uv_strerror(r));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct probe *p = req->data;
	struct monitor *m = p->m;

	p->gai_pending = 0;
	/* The check may have moved in rt since (a reload after the probe). */
	for (size_t i = 0; i < m->nrt; i++)
		if (m->rt[i].id == p->check_id)
			m->rt[i].resolving = 0;
	if (p->finished) {
		uv_freeaddrinfo(res);
		if (p->completed)
			free(p);
		return;
	}
	if (status || !res) {
		net_finish(p, 0, status ? uv_strerror(status) : "no address");
	} else if (p->m->rt[p->idx].def->type == CHECK_TCP) {
		struct sockaddr_storage ss;
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p->m->rt[p->idx].def->port);
		tcp_connect_to(p, (struct sockaddr *)&ss);
	} else {
		char addr[INET6_ADDRSTRLEN];
		p->res.dns_ms = timeutil_monotonic_ms() - p->t0;
		uv_timer_stop(&p->timer); /* curl keeps the rest of the timeout */
		if (res->ai_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, addr, sizeof(addr));
		else
			uv_ip4_name((struct sockaddr_in *)res->ai_addr, addr, sizeof(addr));
		start_http(p->m, p, p->m->rt[p->idx].def, addr);
	}
	uv_freeaddrinfo(res);
}

static unsigned short icmp_sum(const void *data, size_t len)
{
	const unsigned char *b = data;
	unsigned long sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (unsigned long)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

static void on_icmp(uv_poll_t *h, int status, int events)
{
	struct probe *p = h->data;
	unsigned char buf[1500];
	ssize_t n;

	(void)events;
	if (status < 0) {
		net_finish(p, 0, uv_strerror(status));
		return;
	}
	while ((n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		/* The kernel rewrites the id of ping sockets; match the sequence. */
		if (n >= 8 && buf[0] == ICMP_ECHOREPLY &&
		    (unsigned short)(buf[6] << 8 | buf[7]) == p->echo_seq) {
			net_finish(p, 1, NULL);
			return;
		}
	}
}

static void start_icmp(struct monitor *m, struct probe *p, const struct check_def *d)
{
	struct sockaddr_in sa;
	unsigned char pkt[16];
	static unsigned short seq;

	memset(&sa, 0, sizeof(sa));
	if (uv_ip4_addr(d->host, 0, &sa)) {
		net_finish(p, 0, "icmp needs an IPv4 address");
		return;
	}
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
	if (p->fd < 0) {
		net_finish(p, 0, "unprivileged ICMP not allowed (net.ipv4.ping_group_range)");
		return;
	}
	uv_poll_init_socket(&m->loop, &p->poll, p->fd);
	p->poll.data = p;
	p->open_handles++;
	p->echo_seq = ++seq;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ICMP_ECHO;
	pkt[6] = (unsigned char)(p->echo_seq >> 8);
	pkt[7] = (unsigned char)p->echo_seq;
	{
		unsigned short sum = icmp_sum(pkt, sizeof(pkt));
		pkt[2] = (unsigned char)(sum >> 8);
		pkt[3] = (unsigned char)sum;
	}
	uv_poll_start(&p->poll, UV_READABLE, on_icmp);
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		net_finish(p, 0, strerror(errno));
}

static int is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return uv_inet_pton(AF_INET, host, buf) == 0 || uv_inet_pton(AF_INET6, host, buf) == 0;
}

static void start_probe(struct monitor *m, size_t idx)
{
	struct check_rt *c = &m->rt[idx];
	const struct check_def *d = c->def;
	struct probe *p = xcalloc(1, sizeof(*p));
	double now = timeutil_monotonic_ms();

	p->m = m;
	p->idx = idx;
	p->t0 = now;
	p->fd = -1;
	p->res.idx = idx;
	p->res.at = timeutil_now();
	p->res.latency_ms = -1;
	p->res.dns_ms = p->res.connect_ms = p->res.tls_ms = p->res.ttfb_ms = -1;
	c->busy = 1;
	m->inflight++;
	if (m->opts->stats) {
		ALLOC_GROW(m->late, m->nlate, m->alate);
		m->late[m->nlate++] = now - c->due;
	}
	if (d->type == CHECK_HTTP && is_address(d->host)) {
		start_http(m, p, d, NULL);
		return;
	}
	uv_timer_init(&m->loop, &p->timer);
	p->timer.data = p;
	p->open_handles = 1;
	uv_timer_start(&p->timer, on_net_timeout, (uint64_t)(d->timeout_s * 1000), 0);
	if (d->type == CHECK_ICMP) {
		start_icmp(m, p, d);
	} else {
		struct sockaddr_storage ss;
		char port[8];
		if (d->type == CHECK_TCP &&
		    (!uv_ip4_addr(d->host, d->port, (struct sockaddr_in *)&ss) ||
		     !uv_ip6_addr(d->host, d->port, (struct sockaddr_in6 *)&ss))) {
			tcp_connect_to(p, (struct sockaddr *)&ss);
			return;
		}
		if (c->resolving) {
			/* One lookup per check at a time: a resolver that never
			 * answers must not fill the thread pool with lookups. */
			net_finish(p, 0, "DNS timeout (the previous lookup has not returned)");
			return;
		}
		snprintf(port, sizeof(port), "%d", d->port);
		p->gai.data = p;
		p->check_id = c->id;
		if (uv_getaddrinfo(&m->loop, &p->gai, on_resolved, d->host, port, NULL)) {
			net_finish(p, 0, "cannot resolve");
			return;
		}
		p->gai_pending = 1;
		c->resolving = 1;
	}
}

static void on_sched(uv_timer_t *t)
{
	struct monitor *m = t->data;
	double now = timeutil_monotonic_ms();

	while (m->nheap && m->inflight < MAX_INFLIGHT && !m->stopping && !m->reload_pending &&
	       m->rt[m->heap[0]].due <= now + 0.5)
		start_probe(m, heap_pop(m));
	schedule_arm(m);
}

static void schedule_arm(struct monitor *m)
{
	double wait;

	if (m->stopping || m->reload_pending || !m->nheap || m->inflight >= MAX_INFLIGHT) {
		uv_timer_stop(&m->sched);
		return;
	}
	wait = m->rt[m->heap[0]].due - timeutil_monotonic_ms();
	uv_timer_start(&m->sched, on_sched, wait > 0 ? (uint64_t)ceil(wait) : 0, 0);
}

/* ---- configuration (start and SIGHUP) ---- */

static enum sg_code load_config(struct monitor *m, struct profile **p, struct monitor_config **cfg,
                                struct notify_config **ncfg, struct report_job_config *rcfg,
                                struct ledger_config *lcfg, struct sg_error *err)
{
	char *copy = xstrdup(m->path);
	const char *base = dirname(copy);
	enum sg_code rc;

	*p = NULL;
	*cfg = NULL;
	*ncfg = NULL;
	report_job_config_init(rcfg, m->s->path);
	ledger_config_init(lcfg);
	if ((rc = profile_load(m->path, m->cat, p, err)) ||
	    (rc = monitor_config_load(*p, m->cat, cfg, err)) ||
	    (rc = notify_config_load(*p, ncfg, err)) ||
	    (rc = report_job_config_load(rcfg, (*p)->doc, profile_section(*p, "reports"), base,
	                                 err)) ||
	    (rc = ledger_config_load(lcfg, (*p)->doc, profile_section(*p, "ledger"), base, err)))
		goto fail;
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
	report_job_config_release(rcfg);
	ledger_config_release(lcfg);
	notify_config_free(*ncfg);
	monitor_config_free(*cfg);
	profile_free(*p);
	*p = NULL;
	*cfg = NULL;
	*ncfg = NULL;
	return rc;
}

/* Registers cfg's checks and builds the runtime, carrying over the state
 * of checks that keep their name. */
static enum sg_code install(struct monitor *m, struct monitor_config *cfg, struct sg_error *err)
{
	struct check_rt *rt = xcalloc(cfg->nchecks + 1, sizeof(*rt));
	double now = timeutil_now(), mono = timeutil_monotonic_ms();
	enum sg_code rc;

	if ((rc = store_begin(m->s, err)))
		goto fail;
	if ((rc = store_monitor_retire_all(m->s, cfg->service, now, err)))
		goto rollback;
	for (size_t i = 0; i < cfg->nchecks; i++) {
		const struct check_def *d = &cfg->checks[i];
		struct check_rt *old = NULL;
		rt[i].def = d;
		if ((rc = store_monitor_check_upsert(
		         m->s, cfg->service, d->name, monitor_config_kind_name(d->kind),
		         monitor_config_type_name(d->type), d->target, d->interval_s, d->item_id,
		         now, &rt[i].id, err)))
			goto rollback;
		for (size_t k = 0; k < m->nrt; k++)
			if (m->rt[k].id == rt[i].id)
				old = &m->rt[k];
		if (old) {
			rt[i].state = old->state;
			rt[i].fails = old->fails;
			rt[i].resolving = old->resolving;
			rt[i].interval_id = old->interval_id;
			rt[i].incident_id = old->incident_id;
			rt[i].first_fail_at = old->first_fail_at;
			rt[i].last_at = old->last_at;
			rt[i].resume_at = old->resume_at;
			rt[i].resume_id = old->resume_id;
			memcpy(rt[i].resume_state, old->resume_state, sizeof(rt[i].resume_state));
			old->interval_id = 0;
			old->resume_id = 0;
		} else {
			int conf;
			if ((rc = store_monitor_last_result(m->s, rt[i].id, &rt[i].last_at, err)) ||
			    (rt[i].resume_at = rt[i].last_at, 0) ||
			    (rc = store_monitor_incident_open_for(m->s, rt[i].id,
			                                          &rt[i].incident_id, err)) ||
			    (rc = store_monitor_open_interval(m->s, rt[i].id, &rt[i].resume_id,
			                                      rt[i].resume_state, &conf, err)))
				goto rollback;
		}
		rt[i].due = mono + (m->opts->once ? 0
		                                  : monitor_first_due(d->interval_s,
		                                                      (double)rand() / RAND_MAX));
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
	m->rt = rt;
	m->nrt = cfg->nchecks;
	m->heap = xcalloc(m->nrt + 1, sizeof(size_t));
	m->nheap = 0;
	for (size_t i = 0; i < m->nrt; i++)
		heap_push(m, i);
	/* Outcomes still waiting for the store follow their check to its new
	 * place; those of checks that went away go. */
	for (size_t k = 0, j = 0; k < m->npend; k++) {
		for (size_t i = 0; i < m->nrt; i++)
			if (m->rt[i].id == m->pend[k].check_id) {
				m->pend[k].idx = i;
				m->pend[j++] = m->pend[k];
				break;
			}
		if (k + 1 == m->npend)
			m->npend = j;
	}
	return SG_OK;
rollback:
	store_rollback(m->s);
fail:
	free(rt);
	return rc;
}

static void do_reload(struct monitor *m)
{
	struct profile *p;
	struct monitor_config *cfg;
	struct notify_config *ncfg;
	struct report_job_config rcfg;
	struct ledger_config lcfg;
	struct sg_error err;

	m->reload_pending = 0;
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	if (load_config(m, &p, &cfg, &ncfg, &rcfg, &lcfg, &err) || install(m, cfg, &err)) {
		if (err.file[0] && err.line)
			mlog(m,
			     "reload failed, keeping the running configuration: %s:%d:%d: %s%s%s",
			     err.file, err.line, err.col, err.msg, err.hint[0] ? " hint: " : "",
			     err.hint);
		else
			mlog(m, "reload failed, keeping the running configuration: %s", err.msg);
		if (cfg) {
			notify_config_free(ncfg);
			monitor_config_free(cfg);
			report_job_config_release(&rcfg);
			ledger_config_release(&lcfg);
		}
		/* The old runtime goes on: put its checks back on the schedule. */
		m->nheap = 0;
		for (size_t i = 0; i < m->nrt; i++)
			if (!m->rt[i].busy)
				heap_push(m, i);
		schedule_arm(m);
		return;
	}
	if (m->notify)
		notify_set_config(m->notify, ncfg);
	notify_config_free(m->ncfg);
	monitor_config_free(m->cfg);
	profile_free(m->profile);
	report_job_config_release(&m->rcfg);
	ledger_config_release(&m->lcfg);
	m->profile = p;
	m->cfg = cfg;
	m->ncfg = ncfg;
	m->rcfg = rcfg;
	m->lcfg = lcfg;
	m->said_no_key = 0;
	mlog(m, "reloaded %s: %zu checks", m->path, m->nrt);
	schedule_arm(m);
}

/* ---- ledger sealing and periodic reports ---- */

/* Logs a seal's outcome; "cannot seal" once until a seal works again. */
static void seal_done(struct monitor *m, enum sg_code rc, const struct ledger_seal_result *r,
                      const struct sg_error *err)
{
	if (rc) {
		if (m->said_no_key != 2)
			mlog(m, "ledger: cannot seal: %s%s%s", err->msg,
			     err->hint[0] ? " hint: " : "", err->hint);
		m->said_no_key = 2;
		return;
	}
	m->said_no_key = 0;
	if (!r->sealed)
		return;
	mlog(m, "ledger: signed tree head #%lld (%lld entries)%s", r->head_id, r->tree_size,
	     r->timestamped ? ", time-stamped" : "");
	if (m->lcfg.tsa_url && !r->timestamped)
		mlog(m, "ledger: no time-stamp: %s (the next head tries again)", r->tsa_error);
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
static void seal(struct monitor *m, int now)
{
	struct ledger_seal_result r;
	struct sg_error err;
	struct stat st;
	enum sg_code rc;

	if (m->s->in_tx || !m->lcfg.key_path || (m->sealing && !now))
		return;
	if (stat(m->lcfg.key_path, &st)) {
		if (!m->said_no_key)
			mlog(m,
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

/* When the last complete reporting period has reports not yet delivered:
 * generate, keep and mail them (report_job_deliver()). Decided from the store,
 * so a restart never mails twice. Runs outside any transaction. */
static void run_reports(struct monitor *m)
{
	struct timeutil_period per;
	struct report_delivered done[2];
	struct profile *p = NULL;
	struct sg_error err;
	unsigned pending = 0;
	size_t n = 0;
	double now = timeutil_now();
	enum sg_code rc;

	if (m->s->in_tx)
		return;
	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	if (report_job_due(m->s, m->cat, m->cfg->service, m->cfg->pattern, m->cfg->hours.timezone,
	                   &m->rcfg, now, &per, &pending, &err)) {
		mlog(m, "reports: %s", err.msg);
		return;
	}
	if (!pending)
		return;
	/* The YAML tree went after loading: read the file again. */
	if (profile_load(m->path, m->cat, &p, &err)) {
		if (err.file[0] && err.line)
			mlog(m, "reports: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
		else
			mlog(m, "reports: %s", err.msg);
		return;
	}
	if (strcmp(p->service.name, m->cfg->service)) {
		mlog(m, "reports: %s now names service '%s', not '%s': send SIGHUP to reload it",
		     m->path, p->service.name, m->cfg->service);
		profile_free(p);
		return;
	}
	m->drew_pdf = 1;
	rc = report_job_deliver(m->s, m->cat, p, &m->rcfg, &m->lcfg, m->ncfg, &per, pending, now,
	                        done, &n, &err);
	for (size_t i = 0; i < n; i++)
		mlog(m,
		     "report %s (%s) written to %s, SHA-256 %s; queued for %lld recipient(s) (%s)",
		     per.label, report_audience_name(done[i].audience), done[i].path,
		     done[i].sha256, done[i].recipients,
		     done[i].audience == REPORT_USERS ? "admin_contacts" : "managers");
	if (rc)
		mlog(m, "reports: %s", err.msg);
	profile_free(p);
	if (n && m->notify)
		notify_kick(m->notify);
}

/* ---- stopping ---- */

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void finalize(struct monitor *m)
{
	struct sg_error err, werr;
	double now = timeutil_now();
	json_t *j;

	memset(&err, 0, sizeof(err));
	memset(&werr, 0, sizeof(werr));
	err.lang = werr.lang = m->err.lang;
	/* What still waits for the store gets a few more tries; after that the
	 * daemon cannot finish its records and says so. */
	for (int i = 0; i < 10; i++) {
		if (!apply_pending(m, &err))
			break;
		store_trouble(m, &err);
		sleep(1);
	}
	if (m->writer) {
		enum sg_code wrc = monitor_writer_stop(m->writer, 10, &m->lost, &werr);
		m->writer = NULL;
		if (wrc)
			err = werr;
	}
	if (m->npend || werr.code) {
		sg_error_set(
		    &err, SG_ERR_DB,
		    ETR(&err,
		        "%lld 件の結果と %zu 件の状態変化をデータベースに書けませんでした: %s",
		        "%lld results and %zu state changes could not be written: %s"),
		    m->lost, m->npend, werr.code ? werr.msg : err.msg);
		goto bad;
	}
	if (m->lost)
		mlog(m, "store: %lld results were lost while the store could not be written",
		     m->lost);
	if (monitor_write_measurements(m->s, m->cfg, m->cat, now, &err))
		goto bad;
	if (store_begin(m->s, &err))
		goto bad;
	j = json_pack("{s:I,s:s,s:I,s:I}", "run", (json_int_t)m->run_id, "service", m->cfg->service,
	              "probes", (json_int_t)m->probes, "lost_results", (json_int_t)m->lost);
	/* Open intervals stay open: availability ends them at this run's last
	 * heartbeat, and the next run continues them if it keeps the schedule. */
	if (store_monitor_run_stop(m->s, m->run_id, now, &err) ||
	    ledger_append(m->s, "monitor_stopped", j, NULL, &err) || store_commit(m->s, &err)) {
		json_decref(j);
		store_rollback(m->s);
		goto bad;
	}
	json_decref(j);
	seal(m, 1);
	return;
bad:
	mlog(m, "store: %s", err.msg);
	m->failed = 1;
	m->err = err;
}

static void notifier_stopped(void *arg)
{
	struct monitor *m = arg;

	finalize(m);
	/* Close what keeps the loop alive; the notify and curl driver close
	 * their own handles in notify_free() / curluv_free(). */
	uv_timer_stop(&m->sched);
	uv_timer_stop(&m->flush);
	uv_timer_stop(&m->hourly);
	uv_close((uv_handle_t *)&m->sigterm, NULL);
	uv_close((uv_handle_t *)&m->sigint, NULL);
	uv_close((uv_handle_t *)&m->sighup, NULL);
}

static void maybe_finish(struct monitor *m)
{
	if (m->reload_pending && !m->inflight && !m->stopping) {
		do_reload(m);
		return;
	}
	if (m->opts->once && !m->stopping) {
		int all = 1;
		for (size_t i = 0; i < m->nrt; i++)
			if (!m->rt[i].done_once)
				all = 0;
		if (all && !m->inflight)
			m->stopping = 1;
	}
	if (!m->stopping || m->inflight || m->finishing)
		return;
	m->finishing = 1;
	uv_timer_stop(&m->sched);
	uv_timer_stop(&m->flush);
	uv_timer_stop(&m->hourly);
	uv_signal_stop(&m->sighup);
	if (m->opts->once)
		run_reports(m); /* before the outbox drains */
	if (m->notify)
		notify_stop(m->notify, m->opts->once, notifier_stopped, m);
	else
		notifier_stopped(m);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct monitor *m = h->data;

	if (signum == SIGHUP) {
		mlog(m, "SIGHUP: reloading %s", m->path);
		m->reload_pending = 1;
		uv_timer_stop(&m->sched);
		maybe_finish(m);
		return;
	}
	if (m->stopping)
		return;
	mlog(m, "%s: finishing in-flight work", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	m->stopping = 1;
	uv_timer_stop(&m->sched);
	maybe_finish(m);
}

static void on_flush(uv_timer_t *t)
{
	struct monitor *m = t->data;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = m->err.lang;
	if (apply_pending(m, &err)) {
		store_trouble(m, &err);
		return;
	}
	store_fine(m);
	seal(m, 0);
}

static void on_hourly(uv_timer_t *t)
{
	struct monitor *m = t->data;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	if (monitor_write_measurements(m->s, m->cfg, m->cat, timeutil_now(), &err)) {
		mlog(m, "measurements: %s", err.msg);
		return;
	}
	run_reports(m);
	seal(m, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void log_stats(struct monitor *m, double wall_s)
{
	struct rusage ru;
	double cpu, p50 = 0, p99 = 0, mx = 0;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      ru.ru_stime.tv_usec / 1e6;
	if (m->nlate) {
		qsort(m->late, m->nlate, sizeof(double), cmp_double);
		p50 = m->late[m->nlate / 2];
		p99 = m->late[(size_t)((double)(m->nlate - 1) * 0.99)];
		mx = m->late[m->nlate - 1];
	}
	mlog(m,
	     "stats: {\"checks\":%zu,\"probes\":%lld,\"wall_s\":%.3f,\"cpu_s\":%.3f,"
	     "\"probes_per_s\":%.1f,\"cpu_s_per_1000\":%.4f,\"maxrss_kib\":%ld,"
	     "\"lateness_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f}}",
	     m->nrt, m->probes, wall_s, cpu, wall_s > 0 ? (double)m->probes / wall_s : 0,
	     m->probes ? cpu * 1000.0 / (double)m->probes : 0, ru.ru_maxrss, p50, p99, mx);
}

enum sg_code monitor_run(const char *profile_path, const struct catalog *cat, struct store *s,
                         const struct monitor_opts *opts, struct sg_error *err)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	double now = timeutil_now(), prev_seen = 0, t0 = timeutil_monotonic_ms();
	enum sg_code rc;
	json_t *j;
	char hex[65];

	m->s = s;
	m->cat = cat;
	m->path = profile_path;
	m->opts = opts;
	m->err.lang = err ? err->lang : 0;
	dynbuf_init(&m->said, 4096);
	/* The loop never waits long for a lock: a write that finds the store
	 * busy fails, stays in memory and is retried on the next flush. */
	sqlite3_busy_timeout(s->db, 200);
	m->day_start = m->day_end = 0;
	srand((unsigned)(getpid() ^ (unsigned)now));
	uv_loop_init(&m->loop);
	if ((rc = load_config(m, &m->profile, &m->cfg, &m->ncfg, &m->rcfg, &m->lcfg, err)))
		goto out;
	/* A previous run left intervals open: each check's first probe decides
	 * whether its interval continues or ends at that run's last heartbeat
	 * (on_outcome). */
	if ((rc = store_begin(s, err)) || (rc = store_monitor_last_seen(s, 0, &prev_seen, err)) ||
	    (rc = store_monitor_run_start(s, now, (long long)getpid(), &m->run_id, err))) {
		store_rollback(s);
		goto out;
	}
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", m->profile_sha256[i]);
	j = json_pack("{s:I,s:s,s:s,s:s,s:i,s:I,s:b}", "run", (json_int_t)m->run_id, "service",
	              m->cfg->service, "profile", profile_path, "profile_sha256", hex, "pattern",
	              m->cfg->pattern, "checks", (json_int_t)m->cfg->nchecks, "once", opts->once);
	rc = ledger_append(s, "monitor_started", j, NULL, err);
	json_decref(j);
	if (rc || (rc = store_commit(s, err))) {
		store_rollback(s);
		goto out;
	}
	m->prev_seen = prev_seen;
	if ((rc = monitor_writer_start(s->path, m->run_id, m->cfg->service, m->cfg->digest_s,
	                               m->opts->log, m->opts->log_arg, &m->writer, err)))
		goto out;
	if ((rc = install(m, m->cfg, err)))
		goto out;
	mlog(m, "monitoring %s (pattern %d): %zu checks", m->cfg->service, m->cfg->pattern, m->nrt);
	m->cu = curluv_new(&m->loop);
	if ((rc = notify_start(&m->loop, s, m->ncfg, notifier_log, m, &m->notify, err)))
		goto out;
	uv_timer_init(&m->loop, &m->sched);
	m->sched.data = m;
	uv_timer_init(&m->loop, &m->flush);
	m->flush.data = m;
	uv_timer_start(&m->flush, on_flush, 1000, 1000);
	uv_timer_init(&m->loop, &m->hourly);
	m->hourly.data = m;
	/* First a minute after start (a period that closed while the daemon was
	 * down gets its reports soon after it comes back), then hourly. */
	uv_timer_start(&m->hourly, on_hourly, 60 * 1000, 3600 * 1000);
	uv_signal_t *sigs[] = {&m->sigterm, &m->sigint, &m->sighup};
	int signums[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&m->loop, sigs[i]);
		sigs[i]->data = m;
		uv_signal_start(sigs[i], on_signal, signums[i]);
	}
	schedule_arm(m);
	maybe_finish(m); /* --once with no checks */
	uv_run(&m->loop, UV_RUN_DEFAULT);
	if (opts->stats)
		log_stats(m, (timeutil_monotonic_ms() - t0) / 1000.0);
	if (m->failed) {
		if (err)
			*err = m->err;
		rc = SG_ERR_DB;
	}
out:
	if (m->notify)
		notify_free(m->notify);
	if (m->cu)
		curluv_free(m->cu);
	uv_walk(&m->loop, close_walk, NULL);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	uv_loop_close(&m->loop);
	if (m->writer) {
		long long lost;
		monitor_writer_stop(m->writer, 0, &lost, NULL);
	}
	dynbuf_release(&m->said);
	free(m->pend);
	if (m->drew_pdf)
		report_pdf_shutdown();
	notify_config_free(m->ncfg);
	monitor_config_free(m->cfg);
	report_job_config_release(&m->rcfg);
	ledger_config_release(&m->lcfg);
	profile_free(m->profile);
	free(m->rt);
	free(m->heap);
	free(m->late);
	free(m);
	return rc;
}

/* ---- measured values ---- */

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

enum sg_code monitor_write_measurements(struct store *s, const struct monitor_config *cfg,
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
	if ((rc = store_begin(s, err)))
		goto out;
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
		rc = put(s, cfg, cat, monitor_config_interval_item(kinds[k]), kind, gap, 0, gap > 0,
		         ev, now, log, err);
		if (!rc)
			rc = store_monitor_worst_notify_delay(
			    s, cfg->service, monitor_config_incident_kind(kinds[k]), from, now, now,
			    &worst, &n, err);
		if (rc)
			break;
		snprintf(ev, sizeof(ev),
		         "worst detection -> delivery of the first notice over %lld %s "
		         "incident(s) in the last %.0f days",
		         n, monitor_config_incident_kind(kinds[k]), cfg->measure_window / 86400);
		rc = put(s, cfg, cat, monitor_config_notify_item(kinds[k]), kind, worst, 0,
		         n > 0 && worst >= 0, ev, now, log, err);
	}
	for (size_t i = 0; i < cfg->nchecks && !rc; i++)
		if (cfg->checks[i].kind == CHECK_EXTERNAL_NETWORK) {
			double worst = -1;
			long long n = 0;
			rc = store_monitor_worst_notify_delay(s, cfg->service, "external_network",
			                                      from, now, now, &worst, &n, err);
			snprintf(
			    ev, sizeof(ev),
			    n ? "worst failure -> report to managers over %lld external network "
			        "incident(s)"
			      : "no external network incidents (%lld) in the window",
			    n);
			if (!rc)
				rc = put(s, cfg, cat, "III.3.2.5.a", "external_network", worst, 0,
				         n > 0 && worst >= 0, ev, now, log, err);
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
			rc = put(s, cfg, cat, "III.1.1.8.a", "followup", worst, 0,
			         n > 0 && worst >= 0, ev, now, log, err);
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
			rc = put(s, cfg, cat, "III.2.1.1.a", "availability", av.percent, 1,
			         av.percent >= 0, ev, now, log, err);
	}
	if (!rc) {
		json_t *j = json_pack("{s:s,s:f,s:f,s:O}", "service", cfg->service, "from", from,
		                      "to", now, "values", log);
		rc = ledger_append(s, "monitor_measurements", j, NULL, err);
		json_decref(j);
	}
	if (rc)
		store_rollback(s);
	else
		rc = store_commit(s, err);
out:
	json_decref(log);
	return rc;
}
