/*
 * web_status - the public status page and what derives from it; see
 * web_status.h. Every time is formatted while the view is built (the time
 * zone functions swap TZ, which is process-wide, so building is serialised
 * by the caller and rendering never touches a zone).
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "availability.h"
#include "fileio.h"
#include "html.h"
#include "ledger_verify.h"
#include "store_ledger.h"
#include "store_monitor.h"
#include "store_web.h"
#include "timeutil.h"
#include "web_status.h"
#include "xalloc.h"
#include "banned.h"

enum sv_state { SV_UP = 0, SV_UNKNOWN, SV_DEGRADED, SV_DOWN };

struct sv_group {
	char *name;
	enum sv_state state;
};

struct sv_day {
	char date[16];
	char pct[16]; /* "" when nothing was recorded */
	int cls;      /* 0 up, 1 down, 2 maintenance, 3 unknown */
};

struct sv_month {
	char label[32];
	char pct[16];
	double percent;
	int meets, provisional;
	double coverage; /* share of the counted time with monitoring records */
	long long seq;   /* -1: no measurement entry in the month */
	char seq_at[40];
};

/* A time as JSON shows it ("2026-11-05 10:00", local) and as people read it:
 * text[0] Japanese ("2026年11月5日（木）10時00分"), text[1] English. */
struct sv_time {
	char iso[40];
	char text[2][64];
};

struct sv_event {
	struct sv_time at;
	char *message; /* follow-ups */
	long long seq;
};

struct sv_incident {
	long long id;
	char kind[24];
	char *group;
	struct sv_time started, detected, notice, resolved; /* iso "" when none */
	char updated_utc[32], started_utc[32];
	long long minutes;
	int open;
	long long seq_opened, seq_resolved;
	struct sv_event *followups;
	size_t nfollowups;
};

struct sv_maint {
	struct sv_time start, end;
	char *note;
	int upcoming, running;
};

struct web_status {
	char slug[WEB_MAX_SLUG + 1];
	char *name;
	char built_utc[32];
	double built;
	enum sv_state state;
	int in_maintenance;
	struct sv_group *groups;
	size_t ngroups;
	struct sv_day days[WEB_STATUS_DAYS];
	struct sv_month months[4];
	size_t nmonths;
	char ref_text[32];
	int has_ref;
	struct sv_incident *inc;
	size_t ninc;
	struct sv_maint *maint;
	size_t nmaint;
	char tz[64];
	/* latest signed tree head */
	int has_head;
	long long head_size;
	char head_root[65], head_key[65], head_time[32];
	long long *cited;
	size_t ncited, acited;
	long long *withheld; /* cited on the page, but their text is not published */
	size_t nwithheld, awithheld;
	struct ledger_key pub; /* proofs are against the latest head this key signed */
	int has_pub;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

void web_status_tz_lock(void)
{
	pthread_mutex_lock(&tz_lock);
}

void web_status_tz_unlock(void)
{
	pthread_mutex_unlock(&tz_lock);
}

void web_status_local_time(double t, const char *tz, char out[40])
{
	pthread_mutex_lock(&tz_lock);
	timeutil_local((long long)t, tz, 0, out);
	pthread_mutex_unlock(&tz_lock);
}

static void stamp(double t, const char *tz, struct sv_time *out);

void web_status_local_text(double t, const char *tz, char out[64])
{
	struct sv_time x;

	pthread_mutex_lock(&tz_lock);
	stamp(t, tz, &x);
	pthread_mutex_unlock(&tz_lock);
	memcpy(out, x.text[0], 64);
}

void web_status_local_day(double t, const char *tz, char out[16])
{
	struct tm tm;

	pthread_mutex_lock(&tz_lock);
	timeutil_localtime((long long)t, tz, &tm);
	pthread_mutex_unlock(&tz_lock);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static const char *const state_class[] = {"up", "unknown", "degraded", "down"};

static const char *state_label(enum sv_state s, enum sg_lang l)
{
	static const char *const ja[] = {"正常", "不明", "遅延", "停止"};
	static const char *const en[] = {"Operational", "Unknown", "Degraded", "Down"};
	return l == SG_LANG_EN ? en[s] : ja[s];
}

/* Called while building (the zone lock is held). */
static void stamp(double t, const char *tz, struct sv_time *out)
{
	static const char *const wd_ja[] = {"日", "月", "火", "水", "木", "金", "土"};
	static const char *const wd_en[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	timeutil_localtime((long long)t, tz, &tm);
	strftime(out->iso, sizeof(out->iso), "%Y-%m-%d %H:%M", &tm);
	snprintf(out->text[0], sizeof(out->text[0]), "%d年%d月%d日（%s）%02d時%02d分",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, wd_ja[tm.tm_wday % 7], tm.tm_hour,
	         tm.tm_min);
	snprintf(out->text[1], sizeof(out->text[1]), "%s %d %s %d, %02d:%02d",
	         wd_en[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900,
	         tm.tm_hour, tm.tm_min);
}

#define TX(t, l) ((t).text[(l) == SG_LANG_EN])

static int withheld(const struct web_status *v, long long seq)
{
	for (size_t i = 0; i < v->nwithheld; i++)
		if (v->withheld[i] == seq)
			return 1;
	return 0;
}

/* is_public: the entry's text may be published (entry_public()); otherwise
 * the page names the entry but offers no proof of it. */
static void cite(struct web_status *v, long long seq, int is_public)
{
	if (seq < 0)
		return;
	if (!is_public) {
		ALLOC_GROW(v->withheld, v->nwithheld, v->awithheld);
		v->withheld[v->nwithheld++] = seq;
		return;
	}
	ALLOC_GROW(v->cited, v->ncited, v->acited);
	v->cited[v->ncited++] = seq;
}

int web_status_cites(const struct web_status *v, long long seq)
{
	for (size_t i = 0; i < v->ncited; i++)
		if (v->cited[i] == seq)
			return 1;
	return 0;
}

const char *web_status_slug(const struct web_status *v)
{
	return v->slug;
}

void web_status_free(struct web_status *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ngroups; i++)
		free(v->groups[i].name);
	free(v->groups);
	for (size_t i = 0; i < v->ninc; i++) {
		free(v->inc[i].group);
		for (size_t k = 0; k < v->inc[i].nfollowups; k++)
			free(v->inc[i].followups[k].message);
		free(v->inc[i].followups);
	}
	free(v->inc);
	for (size_t i = 0; i < v->nmaint; i++)
		free(v->maint[i].note);
	free(v->maint);
	free(v->cited);
	free(v->withheld);
	free(v->name);
	free(v);
}

/* ---- building ---- */

static const struct web_check *public_check(const struct web_service *svc, const char *name)
{
	for (size_t i = 0; i < svc->mcfg->nchecks; i++)
		if (name && !strcmp(svc->checks[i].def->name, name) && svc->checks[i].is_public &&
		    svc->checks[i].def->kind != CHECK_EXTERNAL_NETWORK)
			return &svc->checks[i];
	return NULL;
}

static enum sg_code build_groups(struct store *s, const struct web_service *svc,
                                 struct web_status *v, double now, struct sg_error *err)
{
	double close_at = now, stale = 60;
	enum sg_code rc;

	if ((rc = store_monitor_close_time(s, now, &close_at, err)))
		return rc;
	for (size_t i = 0; i < svc->mcfg->nchecks; i++)
		if (svc->mcfg->checks[i].interval_s * 2 + 60 > stale)
			stale = svc->mcfg->checks[i].interval_s * 2 + 60;
	v->groups = xcalloc(svc->ngroups + 1, sizeof(*v->groups));
	v->ngroups = svc->ngroups;
	v->state = svc->ngroups ? SV_UP : SV_UNKNOWN;
	for (size_t g = 0; g < svc->ngroups; g++) {
		struct sv_group *sg = &v->groups[g];
		sg->name = xstrdup(svc->groups[g]);
		sg->state = SV_UP;
		for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
			const struct web_check *c = &svc->checks[i];
			long long id = 0, iv = 0;
			char st[16];
			int confirmed = 0;
			enum sv_state cs = SV_UNKNOWN;
			if (!c->is_public || c->def->kind == CHECK_EXTERNAL_NETWORK ||
			    strcmp(c->group, sg->name))
				continue;
			if ((rc =
			         store_web_check_id(s, svc->mcfg->service, c->def->name, &id, err)))
				return rc;
			if (id &&
			    (rc = store_monitor_open_interval(s, id, &iv, st, &confirmed, err)))
				return rc;
			/* Without a recent heartbeat nobody knows the state now. */
			if (iv && close_at >= now - stale) {
				if (!strcmp(st, "up") || (!strcmp(st, "down") && !confirmed))
					cs = SV_UP;
				else if (!strcmp(st, "degraded"))
					cs = SV_DEGRADED;
				else if (!strcmp(st, "down"))
					cs = SV_DOWN;
			}
			if (cs > sg->state)
				sg->state = cs;
		}
		if (sg->state > v->state || (g == 0 && sg->state != SV_UP))
			v->state = sg->state > v->state ? sg->state : v->state;
	}
	return SG_OK;
}

static enum sg_code build_days(struct store *s, const struct web_service *svc, struct web_status *v,
                               double now, struct sg_error *err)
{
	const char *tz = svc->mcfg->hours.timezone;
	struct tm today;
	enum sg_code rc;

	timeutil_localtime((long long)now, tz, &today);
	today.tm_hour = today.tm_min = today.tm_sec = 0;
	for (int i = 0; i < WEB_STATUS_DAYS; i++) {
		struct tm a = today, b = today;
		struct availability av;
		struct sv_day *d = &v->days[i];
		long long start, end;
		a.tm_mday -= WEB_STATUS_DAYS - 1 - i;
		b.tm_mday -= WEB_STATUS_DAYS - 2 - i;
		start = timeutil_mktime(&a, tz);
		end = timeutil_mktime(&b, tz);
		timeutil_localtime(start, tz, &a);
		strftime(d->date, sizeof(d->date), "%Y-%m-%d", &a);
		if ((rc = availability_for_period(s, svc->mcfg, (double)start, (double)end, now,
		                                  &av, err)))
			return rc;
		if (av.percent < 0) {
			d->cls = 3;
			continue;
		}
		availability_format(av.percent, d->pct);
		d->cls = av.down_s > 0 ? 1 : av.maintenance_s > 0 ? 2 : 0;
	}
	return SG_OK;
}

struct seq_find {
	const struct web_service *svc;
	long long incident;
	long long seq;
	int is_public;   /* of seq */
	long long *seqs; /* every seq of the incident's entries of the type */
	char **messages; /* followup_recorded: their texts */
	int *pub;        /* entry_public() of each */
	size_t n, alloc, amsg, apub;
};

/* Whether an entry's text may be published as the text of a proof. The
 * leaf hash covers the whole text, so a proof shows all of it or nothing:
 * an entry that names where a check connects (its target, URL or host; any
 * check of the service, public or not) is never published. incident_opened
 * entries carry only target_sha256 (ledger_events_incident_opened()); those
 * recorded before that carry the target itself and are withheld. */
static int entry_public(const struct web_service *svc, json_t *entry, const char *text)
{
	if (json_object_get(json_object_get(entry, "payload"), "target"))
		return 0;
	for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
		const struct check_def *c = &svc->mcfg->checks[i];
		const char *names[] = {c->target, c->url, c->host};
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++)
			if (names[k] && *names[k] && strstr(text, names[k]))
				return 0;
	}
	return 1;
}

static int find_measurement(json_t *entry, const char *text, void *ctx)
{
	struct seq_find *f = ctx;
	json_t *p = json_object_get(entry, "payload");
	const char *svc = json_string_value(json_object_get(p, "service"));

	if (svc && !strcmp(svc, f->svc->mcfg->service)) {
		f->seq = json_integer_value(json_object_get(entry, "seq"));
		f->is_public = entry_public(f->svc, entry, text);
	}
	return 0;
}

static int find_incident(json_t *entry, const char *text, void *ctx)
{
	struct seq_find *f = ctx;
	json_t *p = json_object_get(entry, "payload");

	if (json_integer_value(json_object_get(p, "incident")) != f->incident)
		return 0;
	ALLOC_GROW(f->seqs, f->n, f->alloc);
	ALLOC_GROW(f->messages, f->n, f->amsg);
	ALLOC_GROW(f->pub, f->n, f->apub);
	f->seqs[f->n] = json_integer_value(json_object_get(entry, "seq"));
	f->pub[f->n] = entry_public(f->svc, entry, text);
	f->messages[f->n++] = xstrdup(json_string_value(json_object_get(p, "message")) ?: "");
	return 0;
}

static void seq_find_release(struct seq_find *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->messages[i]);
	free(f->messages);
	free(f->seqs);
	free(f->pub);
}

static enum sg_code build_months(struct store *s, const struct catalog *cat,
                                 const struct web_service *svc, struct web_status *v, double now,
                                 double from, struct sg_error *err)
{
	const char *tz = svc->mcfg->hours.timezone;
	const struct eval_item *it = catalog_item(cat, "III.2.1.1.a");
	const struct reference_value *ref = it ? &it->refs[svc->mcfg->pattern - 1] : NULL;
	struct timeutil_period per;
	long long t = (long long)now;
	enum sg_code rc;

	if (ref && ref->quantity.type == VALUE_PERCENT) {
		v->has_ref = 1;
		snprintf(v->ref_text, sizeof(v->ref_text), "%s", ref->quantity_text);
	}
	while (v->nmonths < 4) {
		struct sv_month *m = &v->months[v->nmonths];
		struct availability av;
		struct seq_find f = {svc, 0, -1, 1, NULL, NULL, NULL, 0, 0, 0, 0};
		double coverage;
		timeutil_period_containing(t, 1, tz, &per);
		snprintf(m->label, sizeof(m->label), "%s", per.label);
		if ((rc = availability_for_period(s, svc->mcfg, (double)per.start, (double)per.end,
		                                  now, &av, err)))
			return rc;
		m->percent = av.percent;
		if (av.percent >= 0)
			availability_format(av.percent, m->pct);
		coverage = av.counted_s > 0 ? (av.up_s + av.down_s) / av.counted_s : 0;
		m->provisional = av.percent >= 0 && coverage < AVAILABILITY_MIN_COVERAGE;
		m->coverage = coverage;
		m->meets = v->has_ref && av.percent >= 0 &&
		           floor(av.percent * 100) / 100 >= ref->quantity.percent;
		if ((rc = ledger_each(s, "monitor_measurements", per.start * 1000LL,
		                      per.end * 1000LL, find_measurement, &f, err)))
			return rc;
		m->seq = f.seq;
		cite(v, f.seq, f.is_public);
		v->nmonths++;
		if ((double)per.start <= from)
			break;
		t = per.start - 1;
	}
	return SG_OK;
}

/* The seq of the incident's entry of type; for follow-ups the first not yet
 * used (used[]) whose text is message. -1 when there is none. */
static long long seq_of(struct store *s, const struct web_service *svc, const char *type,
                        long long incident, double from, const char *message, long long *used,
                        size_t nused, int *is_public, struct sg_error *err)
{
	struct seq_find f = {svc, incident, -1, 1, NULL, NULL, NULL, 0, 0, 0, 0};
	long long seq = -1;

	*is_public = 1;
	if (ledger_each(s, type, (long long)(from * 1000) - 60000, LLONG_MAX, find_incident, &f,
	                err) == SG_OK)
		for (size_t i = 0; i < f.n && seq < 0; i++) {
			int taken = 0;
			for (size_t k = 0; k < nused; k++)
				taken |= used[k] == f.seqs[i];
			if (!taken && (!message || !strcmp(message, f.messages[i]))) {
				seq = f.seqs[i];
				*is_public = f.pub[i];
			}
		}
	seq_find_release(&f);
	return seq;
}

static enum sg_code build_incidents(struct store *s, const struct web_service *svc,
                                    struct web_status *v, double now, double from,
                                    struct sg_error *err)
{
	const char *tz = svc->mcfg->hours.timezone;
	struct incident_row *rows = NULL;
	size_t n = 0;
	enum sg_code rc;

	if ((rc =
	         store_monitor_incident_list(s, svc->mcfg->service, from, now + 1, &rows, &n, err)))
		return rc;
	v->inc = xcalloc(n + 1, sizeof(*v->inc));
	for (size_t i = 0; i < n && !rc; i++) {
		const struct web_check *c;
		struct incident_row full;
		struct sv_incident *x;
		struct store_web_followup *fu = NULL;
		size_t nfu = 0;
		double last;
		char *name = NULL;
		long long *used;
		int pub;
		/* Incidents recorded before check names were kept name their check by id. */
		int named = rows[i].check_name && *rows[i].check_name;
		if (!named && rows[i].check_id &&
		    (rc = store_web_check_name(s, rows[i].check_id, &name, err)))
			break;
		c = public_check(svc, named ? rows[i].check_name : name);
		free(name);
		if (!c || !strcmp(rows[i].kind, "external_network"))
			continue;
		memset(&full, 0, sizeof(full));
		if ((rc = store_monitor_incident_get(s, rows[i].id, &full, err)) ||
		    (rc = store_web_followups(s, rows[i].id, &fu, &nfu, err))) {
			store_monitor_incident_row_release(&full);
			break;
		}
		x = &v->inc[v->ninc++];
		x->id = full.id;
		snprintf(x->kind, sizeof(x->kind), "%s", full.kind);
		x->group = xstrdup(c->group);
		stamp(full.started_at, tz, &x->started);
		stamp(full.detected_at, tz, &x->detected);
		timeutil_utc((long long)full.started_at, x->started_utc);
		if (full.first_delivered_at > 0)
			stamp(full.first_delivered_at, tz, &x->notice);
		x->open = !(full.resolved_at > 0);
		last = full.detected_at;
		if (!x->open) {
			stamp(full.resolved_at, tz, &x->resolved);
			x->minutes = (long long)((full.resolved_at - full.started_at) / 60 + 0.5);
			last = full.resolved_at;
		}
		x->seq_opened = seq_of(s, svc, "incident_opened", x->id, full.detected_at, NULL,
		                       NULL, 0, &pub, err);
		cite(v, x->seq_opened, pub);
		x->seq_resolved = x->open ? -1
		                          : seq_of(s, svc, "incident_resolved", x->id,
		                                   full.detected_at, NULL, NULL, 0, &pub, err);
		cite(v, x->seq_resolved, pub);
		x->followups = xcalloc(nfu + 1, sizeof(*x->followups));
		x->nfollowups = nfu;
		used = xcalloc(nfu + 1, sizeof(*used));
		for (size_t k = 0; k < nfu; k++) {
			stamp(fu[k].sent_at, tz, &x->followups[k].at);
			x->followups[k].message = xstrdup(fu[k].message);
			x->followups[k].seq =
			    seq_of(s, svc, "followup_recorded", x->id, full.detected_at,
			           fu[k].message, used, k, &pub, err);
			used[k] = x->followups[k].seq;
			cite(v, x->followups[k].seq, pub);
			if (fu[k].sent_at > last)
				last = fu[k].sent_at;
		}
		timeutil_utc((long long)last, x->updated_utc);
		free(used);
		store_web_followups_free(fu, nfu);
		store_monitor_incident_row_release(&full);
	}
	for (size_t i = 0; i < n; i++)
		store_monitor_incident_row_release(&rows[i]);
	free(rows);
	return rc;
}

static void add_window(struct web_status *v, const char *tz, double start, double end,
                       const char *note, double now)
{
	struct sv_maint *x = &v->maint[v->nmaint++];

	stamp(start, tz, &x->start);
	stamp(end, tz, &x->end);
	x->note = note ? xstrdup(note) : NULL;
	x->upcoming = start > now;
	x->running = start <= now && now < end;
	if (x->running)
		v->in_maintenance = 1;
}

/* The windows availability counts (availability_maintenance(): profile and
 * web), the past WEB_STATUS_DAYS and every upcoming one. */
static enum sg_code build_maintenance(struct store *s, const struct web_service *svc,
                                      struct web_status *v, double now, double from,
                                      struct sg_error *err)
{
	const struct monitor_config *m = svc->mcfg;
	struct maintenance_window *w = NULL;
	size_t nw = 0;
	enum sg_code rc;

	if ((rc = availability_maintenance(s, m, from, 1e300, &w, &nw, NULL, err)))
		return rc;
	v->maint = xcalloc(nw + 1, sizeof(*v->maint));
	for (size_t i = 0; i < nw; i++)
		add_window(v, m->hours.timezone, w[i].start, w[i].end, w[i].note, now);
	availability_maintenance_free(w, nw);
	return SG_OK;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, b, n);
}

enum sg_code web_status_build(struct store *s, const struct catalog *cat,
                              const struct web_service *svc, double now, struct web_status **out,
                              struct sg_error *err)
{
	struct web_status *v = xcalloc(1, sizeof(*v));
	struct store_ledger_head h;
	double from;
	int found = 0;
	enum sg_code rc;

	pthread_mutex_lock(&tz_lock);
	snprintf(v->slug, sizeof(v->slug), "%s", svc->slug);
	v->name = xstrdup(svc->name);
	v->built = now;
	timeutil_utc((long long)now, v->built_utc);
	snprintf(v->tz, sizeof(v->tz), "%s", svc->mcfg->hours.timezone);
	if ((rc = build_groups(s, svc, v, now, err)) || (rc = build_days(s, svc, v, now, err)))
		goto fail;
	from = now - WEB_STATUS_DAYS * 86400.0;
	if ((rc = build_months(s, cat, svc, v, now, from, err)) ||
	    (rc = build_incidents(s, svc, v, now, from, err)))
		goto fail;
	if ((rc = build_maintenance(s, svc, v, now, from, err)))
		goto fail;
	memset(&h, 0, sizeof(h));
	v->has_pub = svc->has_pub;
	if (svc->has_pub) {
		v->pub = svc->pub;
		sodium_memzero(v->pub.sk, sizeof(v->pub.sk));
		v->pub.has_secret = 0;
		struct sg_error e2; /* no head yet is not a failure of the page */
		memset(&e2, 0, sizeof(e2));
		found = ledger_verify_latest_head(s, &v->pub, 1, &h, &e2) == SG_OK;
	}
	if (found) {
		v->has_head = 1;
		v->head_size = h.tree_size;
		hex(h.root, 32, v->head_root);
		snprintf(v->head_key, sizeof(v->head_key), "%s", h.key_id);
		timeutil_utc(h.at_ms / 1000, v->head_time);
	}
	free(h.head);
	free(h.token);
	pthread_mutex_unlock(&tz_lock);
	*out = v;
	return SG_OK;
fail:
	pthread_mutex_unlock(&tz_lock);
	web_status_free(v);
	return rc;
}

/* ---- HTML ---- */

#define EN(l) ((l) == SG_LANG_EN)

static void proof_link(struct dynbuf *d, const struct web_status *v, long long seq, enum sg_lang l)
{
	if (seq < 0)
		return;
	if (withheld(v, seq))
		html_fmt(d, " <span class=\"proof\">%r #%lld（%r）</span>",
		         EN(l) ? "ledger entry" : "証跡台帳の記録", seq,
		         EN(l) ? "it holds internal details, so its proof is shown to auditors "
		                 "on request"
		               : "当社内部の情報を含むため包含証明は公開しておりません。監査の際に"
		                 "ご提示いたします");
	else if (v->has_head && seq < v->head_size)
		html_fmt(
		    d,
		    " <span class=\"proof\">%r #%lld（<a href=\"/status/%s/proof/%lld\">%r</a>）"
		    "</span>",
		    EN(l) ? "ledger entry" : "証跡台帳の記録", seq, v->slug, seq,
		    EN(l) ? "inclusion proof" : "包含証明");
	else
		html_fmt(d, " <span class=\"proof\">%r #%lld（%r）</span>",
		         EN(l) ? "ledger entry" : "証跡台帳の記録", seq,
		         EN(l) ? "proof available after the next signed tree head"
		               : "次の署名付きツリーヘッドの後に証明できます");
}

static const char *incident_title(const struct sv_incident *x, enum sg_lang l)
{
	if (!strcmp(x->kind, "outage"))
		return EN(l) ? "Outage" : "停止";
	if (!strcmp(x->kind, "degradation"))
		return EN(l) ? "Slow responses" : "応答の遅延";
	return EN(l) ? "Fault" : "障害";
}

static void incident_html(struct dynbuf *d, const struct web_status *v, const struct sv_incident *x,
                          enum sg_lang l)
{
	int en = EN(l);

	html_fmt(d, "<article id=\"incident-%lld\">\n<h3>%s: %s%r</h3>\n<ol class=\"timeline\">\n",
	         x->id, x->group, incident_title(x, l),
	         x->open ? (en ? " (ongoing)" : "（対応中）") : "");
	if (!strcmp(x->kind, "outage"))
		html_fmt(d,
		         en ? "<li>From about %s, %s could not be used.</li>\n"
		            : "<li>%s頃から、%sをご利用いただけない状態となりました。</li>\n",
		         TX(x->started, l), x->group);
	else if (!strcmp(x->kind, "degradation"))
		html_fmt(d,
		         en ? "<li>From about %s, %s responded slowly.</li>\n"
		            : "<li>%s頃から、%sの画面の表示に時間がかかる状態となりました。</li>\n",
		         TX(x->started, l), x->group);
	else
		html_fmt(d,
		         en ? "<li>From about %s, a fault occurred in %s.</li>\n"
		            : "<li>%s頃から、%"
		              "sにおいて一部の機能がご利用いただけない状態となりました。</li>\n",
		         TX(x->started, l), x->group);
	html_fmt(d,
	         en ? "<li>%s: detected by our monitoring."
	            : "<li>%sに当社の監視により検知いたしました。",
	         TX(x->detected, l));
	proof_link(d, v, x->seq_opened, l);
	dynbuf_addstr(d, "</li>\n");
	if (x->notice.iso[0])
		html_fmt(d,
		         en ? "<li>%s: we sent the first notice to our users.</li>\n"
		            : "<li>%sに利用者の皆様へ第一報をお知らせいたしました。</li>\n",
		         TX(x->notice, l));
	for (size_t k = 0; k < x->nfollowups; k++) {
		html_fmt(d, en ? "<li>%s: follow-up report: %s" : "<li>%s 続報: %s",
		         TX(x->followups[k].at, l), x->followups[k].message);
		proof_link(d, v, x->followups[k].seq, l);
		dynbuf_addstr(d, "</li>\n");
	}
	if (x->open) {
		html_fmt(d, "<li>%r</li>\n",
		         en ? "We are working to restore the service."
		            : "現在、復旧に向けて対応しております。");
	} else {
		html_fmt(d,
		         en ? "<li>%s: restored (about %lld minute(s) affected)."
		            : "<li>%sに復旧いたしました（影響時間 約%lld分）。",
		         TX(x->resolved, l), x->minutes);
		proof_link(d, v, x->seq_resolved, l);
		dynbuf_addstr(d, "</li>\n");
	}
	dynbuf_addstr(d, "</ol>\n");
	if (!en)
		html_fmt(d, "<p>%r</p>\n",
		         x->open ? "ご迷惑をおかけしておりますことを深くお詫び申し上げます。"
		                 : "ご迷惑をおかけしましたことを深くお詫び申し上げます。");
	dynbuf_addstr(d, "</article>\n");
}

static void banner(struct dynbuf *d, const struct web_status *v, enum sg_lang l)
{
	static const char *const ja[] = {
	    "すべてのサービスは正常に稼働しております。", "現在の稼働状況を確認できておりません。",
	    "一部のサービスで応答の遅延が発生しております。",
	    "一部のサービスが停止しております。現在、復旧に向けて対応しております。"};
	static const char *const en[] = {"All systems are operational.",
	                                 "The current state could not be confirmed.",
	                                 "Some services are responding slowly.",
	                                 "Some services are down. We are working to restore them."};

	html_fmt(d, "<p class=\"banner %r\"><span class=\"state %r\">%r</span></p>\n",
	         state_class[v->state], state_class[v->state], EN(l) ? en[v->state] : ja[v->state]);
	if (v->in_maintenance)
		html_fmt(d, "<p class=\"banner unknown\">%r</p>\n",
		         EN(l) ? "Scheduled maintenance is in progress."
		               : "ただいま計画保守を実施しております。");
}

void web_status_html(const struct web_status *v, enum sg_lang l, struct dynbuf *d)
{
	int en = EN(l);
	char title[256], alt[128], feed[128];
	struct html_page pg;

	snprintf(title, sizeof(title), en ? "%s — service status" : "%s 稼働状況", v->name);
	snprintf(alt, sizeof(alt), "/status/%s?lang=%s", v->slug, en ? "ja" : "en");
	snprintf(feed, sizeof(feed), "/status/%s/feed.atom", v->slug);
	pg = (struct html_page){l, title, v->name, "/status/", alt, feed};
	html_page_begin(d, &pg);
	html_fmt(d, "<h1>%s</h1>\n", title);
	banner(d, v, l);

	html_fmt(d,
	         "<h2>%r</h2>\n<table>\n<thead><tr><th scope=\"col\">%r</th><th scope=\"col\">%r"
	         "</th></tr></thead>\n<tbody>\n",
	         en ? "Current status" : "現在の状況", en ? "Service" : "サービス",
	         en ? "Status" : "状況");
	for (size_t g = 0; g < v->ngroups; g++)
		html_fmt(d, "<tr><td>%s</td><td class=\"state %r\">%r</td></tr>\n",
		         v->groups[g].name, state_class[v->groups[g].state],
		         state_label(v->groups[g].state, l));
	dynbuf_addstr(d, "</tbody>\n</table>\n");

	html_fmt(d, "<h2>%r</h2>\n<ol class=\"bars\" aria-label=\"%r\">\n",
	         en ? "Availability, last 90 days" : "過去 90 日間の稼働率",
	         en ? "daily availability" : "日ごとの稼働率");
	for (int i = 0; i < WEB_STATUS_DAYS; i++) {
		static const char *const cls[] = {"up", "down", "maint", "unknown"};
		static const char *const ja[] = {"停止なし", "停止あり", "保守", "記録なし"};
		static const char *const enl[] = {"no outage", "outage", "maintenance",
		                                  "no records"};
		const struct sv_day *x = &v->days[i];
		html_fmt(
		    d,
		    "<li class=\"%r\" title=\"%s%r%s %r\"><span class=\"visually-hidden\">%s%r%s %r"
		    "</span></li>\n",
		    cls[x->cls], x->date, x->pct[0] ? " " : "", x->pct,
		    en ? enl[x->cls] : ja[x->cls], x->date, x->pct[0] ? ": " : ":", x->pct,
		    en ? enl[x->cls] : ja[x->cls]);
	}
	dynbuf_addstr(d, "</ol>\n");
	html_fmt(d, "<p class=\"legend\">%r %s — %s</p>\n", en ? "From" : "期間", v->days[0].date,
	         v->days[WEB_STATUS_DAYS - 1].date);

	html_fmt(d,
	         "<h2>%r</h2>\n<table>\n<thead><tr><th scope=\"col\">%r</th><th scope=\"col\">%r"
	         "</th><th scope=\"col\">%r</th><th scope=\"col\">%r</th></tr></thead>\n<tbody>\n",
	         en ? "Monthly availability" : "月ごとの稼働率", en ? "Month" : "月",
	         en ? "Availability" : "稼働率", en ? "Committed" : "約定値",
	         en ? "Evidence" : "証跡");
	for (size_t i = 0; i < v->nmonths; i++) {
		const struct sv_month *m = &v->months[i];
		html_fmt(d, "<tr><td>%s</td><td>%s%r", m->label,
		         m->percent >= 0 ? m->pct : (en ? "no records" : "記録なし"),
		         m->percent < 0 || !v->has_ref ? ""
		         : m->meets
		             ? (en ? " (meets the commitment)" : "（約定値を満たしております）")
		             : (en ? " (below the commitment)" : "（約定値を下回っております）"));
		if (m->provisional)
			html_fmt(
			    d,
			    en ? "<br><span class=\"muted\">provisional: monitoring records cover "
			         "%.1f%% of the period</span>"
			       : "<br><span class=\"muted\">暫定値: 監視記録は期間の %.1f%% "
			         "のみ</span>",
			    m->coverage * 100);
		html_fmt(d, "</td><td>%s</td><td>", v->has_ref ? v->ref_text : "-");
		if (m->seq >= 0) {
			html_fmt(d, "%r", en ? "latest measurement record" : "最新の計測記録");
			proof_link(d, v, m->seq, l);
		} else {
			html_fmt(d, "%r", en ? "none yet" : "まだありません");
		}
		dynbuf_addstr(d, "</td></tr>\n");
	}
	dynbuf_addstr(d, "</tbody>\n</table>\n");

	html_fmt(d, "<h2>%r</h2>\n", en ? "Maintenance" : "保守作業のお知らせ");
	if (!v->nmaint)
		html_fmt(d, "<p>%r</p>\n",
		         en ? "No maintenance is scheduled."
		            : "予定されている保守作業はございません。");
	for (size_t i = 0; i < v->nmaint; i++) {
		const struct sv_maint *m = &v->maint[i];
		html_fmt(d, en ? "<p>%s – %s: %r" : "<p>%sから%sまで、保守作業を%r",
		         TX(m->start, l), TX(m->end, l),
		         m->running ? (en ? "maintenance in progress." : "実施しております。")
		         : m->upcoming
		             ? (en ? "scheduled maintenance."
		                   : "実施いたします。ご理解とご協力をお願い申し上げます。")
		             : (en ? "maintenance carried out." : "実施いたしました。"));
		if (m->note)
			html_fmt(d, "<br>%s", m->note);
		dynbuf_addstr(d, "</p>\n");
	}

	html_fmt(d, "<h2>%r</h2>\n",
	         en ? "Incident history (90 days)" : "障害の履歴（過去 90 日間）");
	if (!v->ninc)
		html_fmt(d, "<p>%r</p>\n",
		         en ? "No incidents in the last 90 days."
		            : "過去 90 日間に障害はございません。");
	for (size_t i = 0; i < v->ninc; i++)
		incident_html(d, v, &v->inc[i], l);

	html_fmt(d, "<h2>%r</h2>\n", en ? "Verifiable history" : "記録の検証");
	if (v->has_head)
		html_fmt(
		    d,
		    en ? "<p>Every incident and monthly figure above names the entry of our "
		         "evidence ledger that recorded it. The latest signed tree head covers "
		         "%lld "
		         "entries (root <code>%s</code>, signed %s, key <code>%s</code>). "
		       : "<p>上記の障害と月ごとの稼働率には、それぞれを記録した証跡台帳の記録番号を"
		         "付しております。最新の署名付きツリーヘッドは %lld 件の記録を対象とし"
		         "（ルート <code>%s</code>、署名時刻 %s、鍵 <code>%s</code>）、",
		    v->head_size, v->head_root, v->head_time, v->head_key);
	else
		html_fmt(d, "<p>%r",
		         en ? "No signed tree head has been published yet. "
		            : "署名付きツリーヘッドはまだ公開されておりません。");
	html_fmt(d, "<a href=\"/status/%s/verify\">%r</a></p>\n", v->slug,
	         en ? "How to verify that this history was not rewritten"
	            : "記録が書き換えられていないことをご自身で確認する方法はこちらです。");
	html_fmt(
	    d,
	    "<p><a href=\"/status/%s.json\">JSON</a> · <a href=\"/status/%s/feed.atom\">Atom</a>"
	    "</p>\n",
	    v->slug, v->slug);
	{
		char note[128];
		snprintf(note, sizeof(note),
		         en ? "Updated %s (UTC). Times are in %s."
		            : "%s（協定世界時）時点の情報です。時刻は%sで表示しております。",
		         v->built_utc,
		         !strcmp(v->tz, "Asia/Tokyo") ? (en ? "Japan time" : "日本時間") : v->tz);
		html_page_end(d, &pg, note);
	}
}

void web_status_index_html(struct web_status *const *views, size_t n, enum sg_lang l,
                           struct dynbuf *d)
{
	int en = EN(l);
	struct html_page pg = {l,    en ? "Service status" : "サービス稼働状況",   NULL,
	                       NULL, en ? "/status/?lang=ja" : "/status/?lang=en", NULL};

	html_page_begin(d, &pg);
	html_fmt(d,
	         "<h1>%r</h1>\n<table>\n<thead><tr><th scope=\"col\">%r</th><th scope=\"col\">%r"
	         "</th></tr></thead>\n<tbody>\n",
	         pg.title, en ? "Service" : "サービス", en ? "Status" : "状況");
	for (size_t i = 0; i < n; i++)
		html_fmt(d,
		         "<tr><td><a href=\"/status/%s%r\">%s</a></td><td class=\"state "
		         "%r\">%r</td></tr>\n",
		         views[i]->slug, en ? "?lang=en" : "", views[i]->name,
		         state_class[views[i]->state], state_label(views[i]->state, l));
	dynbuf_addstr(d, "</tbody>\n</table>\n");
	html_page_end(d, &pg, NULL);
}

/* ---- JSON ---- */

static json_t *seq_json(long long seq)
{
	return seq >= 0 ? json_integer(seq) : json_null();
}

void web_status_json(const struct web_status *v, struct dynbuf *d)
{
	json_t *o = json_object(), *a;
	char *txt;

	json_object_set_new(o, "service", json_string(v->name));
	json_object_set_new(o, "slug", json_string(v->slug));
	json_object_set_new(o, "generated_at", json_string(v->built_utc));
	json_object_set_new(o, "timezone", json_string(v->tz));
	json_object_set_new(o, "status", json_string(state_class[v->state]));
	json_object_set_new(o, "maintenance_in_progress", json_boolean(v->in_maintenance));
	a = json_array();
	for (size_t g = 0; g < v->ngroups; g++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "name", v->groups[g].name, "status",
		                                   state_class[v->groups[g].state]));
	json_object_set_new(o, "components", a);
	a = json_array();
	for (int i = 0; i < WEB_STATUS_DAYS; i++) {
		static const char *const cls[] = {"up", "down", "maintenance", "unknown"};
		json_array_append_new(a, json_pack("{s:s,s:s?,s:s}", "date", v->days[i].date,
		                                   "availability",
		                                   v->days[i].pct[0] ? v->days[i].pct : NULL,
		                                   "status", cls[v->days[i].cls]));
	}
	json_object_set_new(o, "days", a);
	a = json_array();
	for (size_t i = 0; i < v->nmonths; i++) {
		const struct sv_month *m = &v->months[i];
		json_array_append_new(
		    a,
		    json_pack("{s:s,s:s?,s:s?,s:o,s:b,s:o}", "month", m->label, "availability",
		              m->percent >= 0 ? m->pct : NULL, "committed",
		              v->has_ref ? v->ref_text : NULL, "meets_commitment",
		              m->percent >= 0 && v->has_ref ? json_boolean(m->meets) : json_null(),
		              "provisional", m->provisional, "ledger_seq", seq_json(m->seq)));
	}
	json_object_set_new(o, "months", a);
	a = json_array();
	for (size_t i = 0; i < v->ninc; i++) {
		const struct sv_incident *x = &v->inc[i];
		json_t *f = json_array();
		for (size_t k = 0; k < x->nfollowups; k++)
			json_array_append_new(f, json_pack("{s:s,s:s,s:o}", "at",
			                                   x->followups[k].at.iso, "message",
			                                   x->followups[k].message, "ledger_seq",
			                                   seq_json(x->followups[k].seq)));
		json_array_append_new(
		    a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:s?,s:o,s:o,s:o}", "id",
		                 (json_int_t)x->id, "kind", x->kind, "component", x->group,
		                 "started_at", x->started.iso, "detected_at", x->detected.iso,
		                 "first_notice_at", x->notice.iso[0] ? x->notice.iso : NULL,
		                 "resolved_at", x->resolved.iso[0] ? x->resolved.iso : NULL,
		                 "followups", f, "ledger_seq", seq_json(x->seq_opened),
		                 "resolved_ledger_seq", seq_json(x->seq_resolved)));
	}
	json_object_set_new(o, "incidents", a);
	a = json_array();
	for (size_t i = 0; i < v->nwithheld; i++)
		json_array_append_new(a, json_integer(v->withheld[i]));
	json_object_set_new(o, "withheld_proofs", a);
	a = json_array();
	for (size_t i = 0; i < v->nmaint; i++)
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:s?,s:b,s:b}", "start", v->maint[i].start.iso, "end",
		                 v->maint[i].end.iso, "note", v->maint[i].note, "upcoming",
		                 v->maint[i].upcoming, "in_progress", v->maint[i].running));
	json_object_set_new(o, "maintenance", a);
	json_object_set_new(o, "ledger_head",
	                    v->has_head ? json_pack("{s:I,s:s,s:s,s:s}", "tree_size",
	                                            (json_int_t)v->head_size, "root", v->head_root,
	                                            "time", v->head_time, "key_id", v->head_key)
	                                : json_null());
	txt = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);
	dynbuf_addstr(d, txt);
	dynbuf_addch(d, '\n');
	free(txt);
	json_decref(o);
}

/* ---- Atom ---- */

void web_status_atom(const struct web_status *v, enum sg_lang l, const char *base, struct dynbuf *d)
{
	int en = EN(l);
	const char *updated = v->ninc ? v->inc[0].updated_utc : v->built_utc;

	html_fmt(d,
	         "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	         "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%r\">\n"
	         "<id>tag:saasguard,2026:status/%s</id>\n<title>%s %r</title>\n"
	         "<updated>%s</updated>\n<link rel=\"alternate\" href=\"%s/status/%s\"/>\n"
	         "<link rel=\"self\" href=\"%s/status/%s/feed.atom\"/>\n"
	         "<author><name>%s</name></author>\n",
	         en ? "en" : "ja", v->slug, v->name, en ? "status" : "稼働状況", updated, base,
	         v->slug, base, v->slug, v->name);
	for (size_t i = 0; i < v->ninc; i++) {
		const struct sv_incident *x = &v->inc[i];
		html_fmt(
		    d,
		    "<entry>\n<id>tag:saasguard,2026:status/%s/incident/%lld</id>\n"
		    "<title>%s: %r%r</title>\n<updated>%s</updated>\n<published>%s</published>\n"
		    "<link rel=\"alternate\" href=\"%s/status/%s#incident-%lld\"/>\n"
		    "<content type=\"text\">",
		    v->slug, x->id, x->group, incident_title(x, l),
		    x->open ? (en ? " (ongoing)" : "（対応中）") : "", x->updated_utc,
		    x->started_utc, base, v->slug, x->id);
		html_fmt(d,
		         en ? "From about %s. Detected %s."
		            : "%s頃から発生し、%sに検知いたしました。",
		         TX(x->started, l), TX(x->detected, l));
		for (size_t k = 0; k < x->nfollowups; k++)
			html_fmt(d, en ? " Follow-up %s: %s" : " 続報 %s: %s",
			         TX(x->followups[k].at, l), x->followups[k].message);
		if (x->open)
			html_fmt(d, "%r",
			         en ? " We are working to restore the service."
			            : " 現在、復旧に向けて対応しております。");
		else
			html_fmt(d, en ? " Restored %s." : " %sに復旧いたしました。",
			         TX(x->resolved, l));
		dynbuf_addstr(d, "</content>\n</entry>\n");
	}
	dynbuf_addstr(d, "</feed>\n");
}

/* ---- badges ---- */

static int text_px(const char *s)
{
	int px = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			px += 7;
		else if ((*p & 0xc0) != 0x80)
			px += 12; /* a CJK character is about as wide as the font size */
	}
	return px;
}

void web_status_badge(const struct web_status *v, int availability, enum sg_lang l,
                      struct dynbuf *d)
{
	/* White text on these is >= 4.5:1. */
	static const char *const fill[] = {"#1f6f3a", "#595959", "#7a4f00", "#a3111f"};
	const char *label, *value, *color;
	int lw, vw;

	if (availability) {
		const struct sv_month *m = &v->months[0];
		label = EN(l) ? "availability" : "稼働率";
		value = m->percent >= 0 ? m->pct : (EN(l) ? "no data" : "記録なし");
		color = m->percent < 0            ? fill[SV_UNKNOWN]
		        : !v->has_ref || m->meets ? fill[SV_UP]
		                                  : fill[SV_DOWN];
	} else {
		label = EN(l) ? "status" : "稼働状況";
		value = state_label(v->state, l);
		color = fill[v->state];
	}
	lw = text_px(label) + 12;
	vw = text_px(value) + 12;
	html_fmt(
	    d,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" role=\"img\" "
	    "aria-label=\"%s: %s\"><title>%s: %s</title>"
	    "<rect width=\"%d\" height=\"20\" fill=\"#3d3d3d\"/>"
	    "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%r\"/>"
	    "<g fill=\"#ffffff\" font-family=\"sans-serif\" font-size=\"11\" "
	    "text-anchor=\"middle\"><text x=\"%d\" y=\"14\">%s</text>"
	    "<text x=\"%d\" y=\"14\">%s</text></g></svg>\n",
	    lw + vw, label, value, label, value, lw, lw, vw, color, lw / 2, label, lw + vw / 2,
	    value);
}

/* ---- proofs ---- */

static void script(struct dynbuf *d, const char *base, const char *slug, const char *seq,
                   const char *size)
{
	html_fmt(d,
	         "<pre><code>base=%s/status/%s\n"
	         "curl -fsS -o entry.txt \"$base/proof/%s/%s/entry.txt\"\n"
	         "curl -fsS -o path.txt \"$base/proof/%s/%s/path.txt\"\n"
	         "curl -fsS -o head.txt \"$base/proof/%s/%s/head.txt\"\n"
	         "curl -fsS -o head.sig \"$base/proof/%s/%s/head.sig\"\n"
	         "curl -fsS -o ledger.pub \"$base/ledger.pub\"\n</code></pre>\n",
	         base, slug, seq, size, seq, size, seq, size, seq, size);
}

static const char check_key[] =
    "openssl pkey -pubin -in ledger.pub -outform DER | openssl dgst -sha256 -r | cut -c1-64\n"
    "test \"$(openssl pkey -pubin -in ledger.pub -outform DER | openssl dgst -sha256 -r | "
    "cut -c1-64)\" = \"$(sed -n 's/^key //p' head.txt)\"\n";
static const char check_sig[] =
    "openssl pkeyutl -verify -pubin -inkey ledger.pub -rawin -in head.txt -sigfile head.sig\n";
/* RFC 9162 2.1.3.2, step by step. */
static const char check_path[] =
    "hex2bin() { printf \"$(printf '%s' \"$1\" | sed 's/../\\\\x&/g')\"; }\n"
    "h() { openssl dgst -sha256 -r | cut -c1-64; }\n"
    "r=$({ printf '\\000'; cat entry.txt; } | h)\n"
    "fn=$(sed 's/.*,\"seq\":\\([0-9]*\\),\"type\":.*/\\1/' entry.txt)\n"
    "sn=$(( $(sed -n 's/^size //p' head.txt) - 1 ))\n"
    "while read -r p; do\n"
    "  test \"$sn\" -gt 0\n"
    "  if [ $((fn % 2)) -eq 1 ] || [ \"$fn\" -eq \"$sn\" ]; then\n"
    "    r=$({ printf '\\001'; hex2bin \"$p$r\"; } | h)\n"
    "    while [ $((fn % 2)) -eq 0 ] && [ \"$fn\" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); "
    "done\n"
    "  else\n"
    "    r=$({ printf '\\001'; hex2bin \"$r$p\"; } | h)\n"
    "  fi\n"
    "  fn=$((fn / 2)); sn=$((sn / 2))\n"
    "done < path.txt\n"
    "test \"$sn\" -eq 0\n"
    "echo \"computed root: $r\"\n"
    "test \"$r\" = \"$(sed -n 's/^root //p' head.txt)\"\n"
    "echo OK\n";

static void steps(struct dynbuf *d, const char *base, const char *slug, const char *seq,
                  const char *size, int timestamped, enum sg_lang l)
{
	int en = EN(l);

	html_fmt(d, "<h2>%r</h2>\n<p>%r</p>\n", en ? "1. Download the files" : "1. ファイルの取得",
	         en ? "The entry, its inclusion path, the signed tree head, its signature and our "
	              "public key (curl, or save each link with a browser):"
	            : "記録そのもの、包含の経路、署名付きツリーヘッド、その署名、当社の公開鍵を"
	              "取得します（curl のほか、ブラウザで各リンクを保存しても構いません）。");
	script(d, base, slug, seq, size);
	html_fmt(
	    d, "<h2>%r</h2>\n<p>%r</p>\n<pre><code>%s</code></pre>\n",
	    en ? "2. The key" : "2. 鍵の確認",
	    en ? "The key id in the head must be our public key's; compare it also with the key "
	         "id you saved earlier or that we published."
	       : "ツリーヘッドに記された鍵 ID "
	         "が公開鍵のものであることを確かめます。以前に保存した、"
	         "または当社が別途公表した鍵 ID とも一致することをご確認ください。",
	    check_key);
	html_fmt(d, "<h2>%r</h2>\n<p>%r</p>\n<pre><code>%s</code></pre>\n",
	         en ? "3. The signature" : "3. 署名の確認",
	         en ? "The tree head is signed with Ed25519 (OpenSSL 3.0 or later):"
	            : "ツリーヘッドの Ed25519 署名を検証します（OpenSSL 3.0 以降）。",
	         check_sig);
	html_fmt(d, "<h2>%r</h2>\n<p>%r</p>\n<pre><code>%s</code></pre>\n",
	         en ? "4. The entry is in the signed tree"
	            : "4. 記録が署名済みの木に含まれることの確認",
	         en ? "Recompute the root of the RFC 6962 Merkle tree from the entry and its path "
	              "(RFC 9162 section 2.1.3.2); it must equal the signed root. bash, sed, cut "
	              "and openssl only:"
	            : "記録とその経路から RFC 6962 のマークル木のルートを計算し直し（RFC 9162 "
	              "2.1.3.2 節の手順）、署名されたルートと一致することを確かめます。bash、sed、"
	              "cut と openssl だけで実行できます。",
	         check_path);
	if (timestamped)
		html_fmt(
		    d,
		    "<h2>%r</h2>\n<p>%r</p>\n<pre><code>curl -fsS -o head.tst "
		    "\"%s/status/%s/proof/%s/%s/head.tst\"\ncurl -fsS -o tsa-ca.pem "
		    "\"%s/status/%s/tsa-ca.pem\"\nopenssl ts -verify -data head.txt -in head.tst "
		    "-token_in -CAfile tsa-ca.pem\n</code></pre>\n",
		    en ? "5. The time-stamp" : "5. タイムスタンプの確認",
		    en ? "This tree head carries an RFC 3161 time-stamp by a third party: the "
		         "head, and "
		         "every entry before it, existed no later than the stamped time."
		       : "このツリーヘッドには第三者の時刻認証局による RFC 3161 "
		         "タイムスタンプが付いて"
		         "おり、ツリーヘッドとそれ以前のすべての記録が、その時刻には存在していたこ"
		         "とを"
		         "確認できます。",
		    base, slug, seq, size, base, slug);
}

void web_status_verify_html(const struct web_status *v, enum sg_lang l, const char *base,
                            struct dynbuf *d)
{
	int en = EN(l);
	char title[256], alt[160], seq[24] = "SEQ", size[24] = "SIZE";
	struct html_page pg;

	snprintf(title, sizeof(title), en ? "%s — verifying the history" : "%s 記録の検証方法",
	         v->name);
	snprintf(alt, sizeof(alt), "/status/%s/verify?lang=%s", v->slug, en ? "ja" : "en");
	pg = (struct html_page){l, title, v->name, NULL, alt, NULL};
	html_page_begin(d, &pg);
	html_fmt(d, "<h1>%s</h1>\n", title);
	html_fmt(
	    d, "<p>%r</p>\n<p>%r</p>\n",
	    en ? "We record every incident, every notice and follow-up, and our availability "
	         "measurements in an append-only evidence ledger. At intervals we sign its state "
	         "(a tree head: the number of entries and the root of a Merkle tree over all of "
	         "them). Each entry cited on the status page comes with an inclusion proof: with "
	         "openssl alone you can check that the entry is part of the signed tree."
	       : "当社は、すべての障害、お知らせと続報、稼働率の計測結果を、追記のみが可能な"
	         "証跡台帳に記録しております。台帳の状態（記録の件数と、全記録から計算したマークル"
	         "木のルート）には定期的に署名しており、これを署名付きツリーヘッドと呼びます。稼働"
	         "状況"
	         "のページに記載した記録には包含証明を用意しており、お客様ご自身で openssl "
	         "だけを使って、"
	         "その記録が署名済みの台帳に含まれていることを確認できます。",
	    en ? "Keep the tree heads you download (head.txt, head.sig). If we ever deleted or "
	         "changed an incident after the fact, a head you saved earlier would no longer "
	         "match: a later head for the same size would have a different root, or the "
	         "proof of the entry would fail."
	       : "取得したツリーヘッド（head.txt と head.sig）は保管してください。当社が後から"
	         "障害の記録を削除または変更した場合、お客様が保管したツリーヘッドと一致しなく"
	         "なります（同じ件数に対するルートが異なる、または記録の証明が通らなくなります）"
	         "。");
	if (v->has_head && v->ncited) {
		for (size_t i = 0; i < v->ncited; i++)
			if (v->cited[i] < v->head_size) {
				snprintf(seq, sizeof(seq), "%lld", v->cited[i]);
				snprintf(size, sizeof(size), "%lld", v->head_size);
				break;
			}
	}
	html_fmt(d, "<p>%r <code>%s</code> / <code>%s</code></p>\n",
	         en ? "In the commands below, replace the entry number and tree size with those on "
	              "the proof page of the record you check; here:"
	            : "以下のコマンドの記録番号とツリーの大きさは、確認する記録の包含証明ページに"
	              "記載のものに置き換えてください。この例では次のとおりです。",
	         seq, size);
	steps(d, base, v->slug, seq, size, 0, l);
	html_fmt(
	    d, "<p>%r</p>\n",
	    en ? "If every step ends without an error and the last prints OK, the entry is "
	         "exactly what the ledger held when the head was signed. Read entry.txt to see "
	         "what it records."
	       : "すべての手順がエラーなく終わり、最後に OK "
	         "と表示されれば、その記録はツリーヘッドの"
	         "署名時点で台帳にあったものと同一です。記録の内容は entry.txt "
	         "でご確認いただけます。");
	html_fmt(d, "<p><a href=\"/status/%s\">%r</a></p>\n", v->slug,
	         en ? "Back to the status page" : "稼働状況のページへ戻る");
	html_page_end(d, &pg, NULL);
}

static json_t *proof_of(struct store *s, const struct web_status *v, long long seq,
                        struct web_reply *r)
{
	struct sg_error err;
	json_t *p = NULL;

	memset(&err, 0, sizeof(err));
	if (!web_status_cites(v, seq) || !v->has_pub ||
	    ledger_inclusion_proof(s, &v->pub, 1, seq, &p, &err)) {
		r->status = 404;
		return NULL;
	}
	return p;
}

void web_status_proof(struct store *s, const struct web_status *v, long long seq, enum sg_lang l,
                      const char *base, int as_json, struct web_reply *r)
{
	json_t *p = proof_of(s, v, seq, r), *path;
	int en = EN(l);
	char title[256], seqs[24], sizes[24];
	struct html_page pg;
	size_t i;
	json_t *x;

	if (!p)
		return;
	r->status = 200;
	if (as_json) {
		char *t = json_dumps(p, JSON_INDENT(2));
		r->type = "application/json";
		dynbuf_addstr(&r->body, t);
		dynbuf_addch(&r->body, '\n');
		free(t);
		json_decref(p);
		return;
	}
	r->type = "text/html; charset=utf-8";
	snprintf(title, sizeof(title),
	         en ? "%s — inclusion proof of entry %lld" : "%s 証跡台帳の記録 %lld の包含証明",
	         v->name, seq);
	snprintf(seqs, sizeof(seqs), "%lld", seq);
	snprintf(sizes, sizeof(sizes), "%lld",
	         (long long)json_integer_value(json_object_get(p, "tree_size")));
	pg = (struct html_page){l, title, v->name, NULL, NULL, NULL};
	html_page_begin(&r->body, &pg);
	html_fmt(
	    &r->body,
	    "<h1>%s</h1>\n<dl>\n<dt>%r</dt><dd><pre><code>%s</code></pre></dd>\n"
	    "<dt>%r</dt><dd><code>%s</code></dd>\n<dt>%r</dt><dd>%s</dd>\n"
	    "<dt>%r</dt><dd><code>%s</code></dd>\n<dt>%r</dt><dd><pre><code>%s"
	    "</code></pre></dd>\n<dt>%r</dt><dd><ol start=\"0\">",
	    title, en ? "Entry" : "記録", json_string_value(json_object_get(p, "entry")),
	    en ? "Leaf hash" : "葉のハッシュ", json_string_value(json_object_get(p, "leaf_hash")),
	    en ? "Tree size" : "ツリーの大きさ", sizes, en ? "Signed root" : "署名されたルート",
	    json_string_value(json_object_get(p, "root")), en ? "Tree head" : "ツリーヘッド",
	    json_string_value(json_object_get(p, "head")), en ? "Path" : "経路");
	path = json_object_get(p, "path");
	json_array_foreach(path, i, x)
	    html_fmt(&r->body, "<li><code>%s</code></li>", json_string_value(x));
	dynbuf_addstr(&r->body, "</ol></dd>\n</dl>\n");
	steps(&r->body, base, v->slug, seqs, sizes, json_is_true(json_object_get(p, "timestamped")),
	      l);
	html_fmt(&r->body,
	         "<p><a href=\"/status/%s/verify\">%r</a> · <a href=\"/status/%s/proof/"
	         "%lld.json\">JSON</a></p>\n",
	         v->slug, en ? "What this proves" : "この証明で確認できること", v->slug, seq);
	html_page_end(&r->body, &pg, NULL);
	json_decref(p);
}

void web_status_proof_file(struct store *s, const struct web_status *v, long long seq,
                           long long size, enum web_proof_file f, struct web_reply *r)
{
	json_t *p = proof_of(s, v, seq, r), *x;
	size_t i;

	if (!p)
		return;
	if (json_integer_value(json_object_get(p, "tree_size")) != size) {
		/* A newer head was signed since the proof page was read. */
		r->status = 404;
		json_decref(p);
		return;
	}
	r->status = 200;
	r->type = "text/plain; charset=utf-8";
	switch (f) {
	case WEB_PROOF_ENTRY:
		dynbuf_addstr(&r->body, json_string_value(json_object_get(p, "entry")));
		break;
	case WEB_PROOF_PATH:
		json_array_foreach(json_object_get(p, "path"), i, x)
		    dynbuf_printf(&r->body, "%s\n", json_string_value(x));
		break;
	case WEB_PROOF_HEAD:
		dynbuf_addstr(&r->body, json_string_value(json_object_get(p, "head")));
		break;
	case WEB_PROOF_TST: {
		struct store_ledger_head h;
		struct sg_error err;
		int found = 0;
		memset(&h, 0, sizeof(h));
		memset(&err, 0, sizeof(err));
		r->type = "application/timestamp-reply";
		/* the token of the head the proof is against (same size) */
		found = v->has_pub && ledger_verify_latest_head(s, &v->pub, 1, &h, &err) == SG_OK;
		if (!found || h.tree_size != size || !h.token)
			r->status = 404;
		else
			dynbuf_add(&r->body, h.token, h.token_len);
		free(h.head);
		free(h.token);
		break;
	}
	case WEB_PROOF_SIG: {
		unsigned char sig[64];
		size_t len = 0;
		const char *b64 = json_string_value(json_object_get(p, "signature"));
		r->type = "application/octet-stream";
		if (!b64 || sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL, &len, NULL,
		                              sodium_base64_VARIANT_ORIGINAL)) {
			r->status = 500;
			break;
		}
		dynbuf_add(&r->body, sig, len);
		break;
	}
	}
	json_decref(p);
}

void web_status_public_key(const struct web_service *svc, int tsa_ca, struct web_reply *r)
{
	char *path = tsa_ca ? (svc->lcfg.tsa_ca_file ? xstrdup(svc->lcfg.tsa_ca_file) : NULL)
	                    : xstrfmt("%s.pub", svc->lcfg.key_path);
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	if (!path || fileio_read(path, 256 * 1024, &r->body, &err)) {
		dynbuf_reset(&r->body);
		r->status = 404;
	} else {
		r->status = 200;
		r->type = "application/x-pem-file";
	}
	free(path);
}
