/*
 * availability - time-weighted availability over service hours; see
 * availability.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "availability.h"
#include "store_monitor.h"
#include "store_notify.h"
#include "store_web.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static long long local_at(const struct tm *day, int plus_days, int minutes, const char *tz)
{
	struct tm t = *day;

	t.tm_mday += plus_days;
	t.tm_hour = minutes / 60;
	t.tm_min = minutes % 60;
	t.tm_sec = 0;
	return timeutil_mktime(&t, tz);
}

size_t availability_windows(const struct service_hours *sh, double from, double to,
                            double (*out)[2], size_t max)
{
	const char *tz = sh->timezone ? sh->timezone : "UTC";
	struct tm first;
	size_t n = 0;

	if (to <= from || !max)
		return 0;
	timeutil_localtime((long long)floor(from) - 2 * 86400, tz, &first);
	for (int i = 0;; i++) {
		long long day0 = local_at(&first, i, 0, tz), a, b;
		struct tm wd;
		int bit;

		if ((double)day0 > to)
			break;
		timeutil_localtime(day0 + 12 * 3600, tz, &wd);
		bit = (wd.tm_wday + 6) % 7;
		if (!(sh->days & (1u << bit)))
			continue;
		a = local_at(&first, i, sh->from_min, tz);
		b = sh->to_min > sh->from_min ? local_at(&first, i, sh->to_min, tz)
		                              : local_at(&first, i + 1, sh->to_min, tz);
		if ((double)b <= from || (double)a >= to)
			continue;
		double wa = fmax((double)a, from), wb = fmin((double)b, to);
		if (n && wa <= out[n - 1][1]) {
			if (wb > out[n - 1][1])
				out[n - 1][1] = wb;
			continue;
		}
		if (n == max)
			break;
		out[n][0] = wa;
		out[n][1] = wb;
		n++;
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int announced_in_advance(const struct maintenance_window *w)
{
	return w->announced > 0 && w->announced < w->start;
}

int availability_window_excluded(const struct maintenance_window *w)
{
	return w->exclude && announced_in_advance(w);
}

static int in_any(const double (*w)[2], size_t n, double t)
{
	for (size_t i = 0; i < n; i++)
		if (t >= w[i][0] && t < w[i][1])
			return 1;
	return 0;
}

/* A check's interval starting (+1) or ending (-1) at t, in the count of
 * checks in its class. */
struct avail_event {
	double t;
	int cls, delta;
};

/* What a segment's checks are, counted: the sweep keeps these as intervals
 * begin and end instead of looking at every check in every segment (which
 * cost checks x segments: hours at 100,000 checks). */
enum { CLS_DOWN, CLS_UNCONFIRMED, CLS_DEGRADED, CLS_KNOWN, CLS_N };

static int cmp_event(const void *a, const void *b)
{
	const struct avail_event *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* The events of every check's intervals, sorted (*n of them; the caller
 * frees). An interval covers [start, end); an empty or reversed one covers
 * nothing and has none. */
static struct avail_event *events_of(const struct avail_check *checks, size_t nchecks, size_t *n)
{
	size_t total = 0, k = 0;
	struct avail_event *ev;

	for (size_t c = 0; c < nchecks; c++)
		total += 2 * checks[c].n;
	ev = xcalloc(total ? total : 1, sizeof(*ev));
	for (size_t c = 0; c < nchecks; c++)
		for (size_t i = 0; i < checks[c].n; i++) {
			const struct avail_interval *iv = &checks[c].iv[i];
			int cls = iv->state == AVAIL_DOWN
			              ? (iv->confirmed ? CLS_DOWN : CLS_UNCONFIRMED)
			          : iv->state == AVAIL_DEGRADED ? CLS_DEGRADED
			                                        : CLS_KNOWN;
			if (iv->state == AVAIL_UNKNOWN || !(iv->end > iv->start))
				continue;
			ev[k++] = (struct avail_event){iv->start, cls, 1};
			ev[k++] = (struct avail_event){iv->end, cls, -1};
		}
	qsort(ev, k, sizeof(*ev), cmp_event);
	*n = k;
	return ev;
}

void availability_compute(const struct service_hours *sh, const struct maintenance_window *m,
                          size_t nm, const struct avail_check *checks, size_t nchecks, double from,
                          double to, struct availability *out)
{
	size_t maxw = (size_t)((to - from) / 86400.0) + 8, nw, nb = 0, nbounds;
	double(*win)[2] = xcalloc(maxw, sizeof(*win));
	double(*excl)[2] = xcalloc(nm + 1, sizeof(*excl));
	double(*late)[2] = xcalloc(nm + 1, sizeof(*late));
	size_t nex = 0, nlate = 0, nev, next = 0;
	struct avail_event *ev = events_of(checks, nchecks, &nev);
	long long count[CLS_N] = {0};
	double *b, prev_end = -1;
	int prev_down = 0, prev_overrun = 0;

	memset(out, 0, sizeof(*out));
	out->from = from;
	out->to = to;
	nw = availability_windows(sh, from, to, win, maxw);
	for (size_t i = 0; i < nm; i++) {
		if (!m[i].exclude)
			continue;
		if (announced_in_advance(&m[i])) {
			excl[nex][0] = m[i].start;
			excl[nex++][1] = m[i].end;
		} else {
			late[nlate][0] = m[i].start;
			late[nlate++][1] = m[i].end;
		}
	}
	nbounds = 2 + 2 * nw + 2 * nm;
	for (size_t c = 0; c < nchecks; c++)
		nbounds += 2 * checks[c].n;
	b = xcalloc(nbounds, sizeof(double));
	b[nb++] = from;
	b[nb++] = to;
	for (size_t i = 0; i < nw; i++) {
		b[nb++] = win[i][0];
		b[nb++] = win[i][1];
	}
	for (size_t i = 0; i < nex; i++) {
		b[nb++] = excl[i][0];
		b[nb++] = excl[i][1];
	}
	for (size_t i = 0; i < nlate; i++) {
		b[nb++] = late[i][0];
		b[nb++] = late[i][1];
	}
	for (size_t c = 0; c < nchecks; c++)
		for (size_t i = 0; i < checks[c].n; i++) {
			b[nb++] = checks[c].iv[i].start;
			b[nb++] = checks[c].iv[i].end;
		}
	qsort(b, nb, sizeof(double), cmp_double);
	for (size_t k = 0; k + 1 < nb; k++) {
		double a = b[k], e = b[k + 1], len, mid;
		int down = 0, unknown = 0, unconfirmed = 0, degraded = 0, overrun = 0;

		if (a < from)
			a = from;
		if (e > to)
			e = to;
		if (e <= a)
			continue;
		len = e - a;
		mid = a + len / 2;
		if (!in_any(win, nw, mid))
			continue;
		out->service_s += len;
		if (in_any(excl, nex, mid)) {
			out->maintenance_s += len;
			continue;
		}
		out->counted_s += len;
		if (in_any(late, nlate, mid))
			out->late_maintenance_s += len;
		/* the checks as they are at mid: every event before it applied */
		while (next < nev && ev[next].t < mid) {
			count[ev[next].cls] += ev[next].delta;
			if (ev[next].cls != CLS_KNOWN)
				count[CLS_KNOWN] += ev[next].delta;
			next++;
		}
		down = count[CLS_DOWN] > 0;
		unconfirmed = count[CLS_UNCONFIRMED] > 0;
		degraded = count[CLS_DEGRADED] > 0;
		unknown = !nchecks || count[CLS_KNOWN] < (long long)nchecks;
		if (down) {
			out->down_s += len;
			for (size_t i = 0; i < nex; i++)
				if (fabs(excl[i][1] - a) < 1e-6)
					overrun = 1;
			if (prev_overrun && prev_down && fabs(prev_end - a) < 1e-6)
				overrun = 1;
			if (overrun)
				out->overrun_s += len;
			if (!(prev_down && fabs(prev_end - a) < 1e-6))
				out->incidents++;
		} else if (unknown) {
			out->unknown_s += len;
		} else {
			out->up_s += len;
			if (unconfirmed)
				out->unconfirmed_s += len;
			if (degraded)
				out->degraded_s += len;
		}
		prev_down = down;
		prev_overrun = overrun;
		prev_end = e;
	}
	out->percent =
	    out->up_s + out->down_s > 0 ? 100.0 * out->up_s / (out->up_s + out->down_s) : -1;
	out->percent_worst = out->counted_s > 0 ? 100.0 * out->up_s / out->counted_s : -1;
	free(b);
	free(ev);
	free(win);
	free(excl);
	free(late);
}

void availability_format(double percent, char out[16])
{
	if (percent < 0) {
		snprintf(out, 16, "-");
		return;
	}
	/* Truncate to two decimals: never round a miss up to a pass. */
	double t = floor(percent * 100.0 + 1e-9) / 100.0;
	snprintf(out, 16, "%.2f%%", t);
}

void availability_maintenance_free(struct maintenance_window *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].note);
		free(w[i].announced_by);
	}
	free(w);
}

enum sg_code availability_maintenance(struct store *s, const struct monitor_config *cfg,
                                      double from, double to, struct maintenance_window **out,
                                      size_t *n, char (**keys)[AVAILABILITY_KEY_LEN],
                                      struct sg_error *err)
{
	struct store_web_maintenance *wm = NULL;
	struct maintenance_window *w;
	char(*k)[AVAILABILITY_KEY_LEN];
	size_t nw = 0, c = 0;
	int web, notices;
	enum sg_code rc = SG_OK;

	*out = NULL;
	*n = 0;
	if (keys)
		*keys = NULL;
	/* a store opened read-only is not migrated: an older one may lack the
	 * tables (store_web v2, store_monitor v4), and then has no such windows */
	web = store_schema_version(s, "web") >= 2;
	notices = store_schema_version(s, "monitor") >= 4;
	if (web && (rc = store_web_maintenance_list(s, cfg->service, from, &wm, &nw, err)))
		return rc;
	w = xcalloc(cfg->nmaint + nw + 1, sizeof(*w));
	k = xcalloc(cfg->nmaint + nw + 1, sizeof(*k));
	for (size_t i = 0; i < cfg->nmaint && !rc; i++) {
		const struct maintenance_window *p = &cfg->maint[i];
		if (p->end <= from || p->start >= to)
			continue;
		w[c] = *p;
		w[c].note = p->note ? xstrdup(p->note) : NULL;
		w[c].announced_by = NULL;
		snprintf(k[c], sizeof(k[c]), "profile:%.0f-%.0f", p->start, p->end);
		/* announced by the monitor's maintenance job when the profile
		 * does not say when */
		if (notices && !(w[c].announced > 0))
			rc = store_notify_maintenance_queued(s, cfg->service, k[c], "announce",
			                                     &w[c].announced, err);
		c++;
	}
	for (size_t i = 0; i < nw && !rc; i++) {
		if (wm[i].end <= from || wm[i].start >= to)
			continue;
		w[c].start = wm[i].start;
		w[c].end = wm[i].end;
		w[c].announced = wm[i].announced;
		w[c].mute_alerts = 1;
		w[c].exclude = 1;
		w[c].note = wm[i].note ? xstrdup(wm[i].note) : NULL;
		w[c].announced_by = wm[i].announced_by ? xstrdup(wm[i].announced_by) : NULL;
		snprintf(k[c], sizeof(k[c]), "web:%lld", wm[i].id);
		c++;
	}
	store_web_maintenance_free(wm, nw);
	if (rc) {
		availability_maintenance_free(w, c);
		free(k);
		return rc;
	}
	*out = w;
	*n = c;
	if (keys)
		*keys = k;
	else
		free(k);
	return SG_OK;
}

enum sg_code availability_for_period(struct store *s, const struct monitor_config *cfg, double from,
                                     double to, double now, struct availability *out,
                                     struct sg_error *err)
{
	long long *ids = NULL;
	size_t nids = 0;
	struct avail_check *checks;
	struct avail_interval **ivs;
	double close_at = now;
	struct maintenance_window *mw = NULL;
	size_t nmw = 0;
	enum sg_code rc;

	/* Only time that has passed is counted: the rest of a current month is
	 * neither up nor unknown yet. */
	if (to > now)
		to = now;
	if (from > to)
		from = to;
	if ((rc = store_monitor_check_ids(s, cfg->service, "liveness", &ids, &nids, err)))
		return rc;
	if ((rc = store_monitor_close_time(s, now, &close_at, err))) {
		free(ids);
		return rc;
	}
	checks = xcalloc(nids + 1, sizeof(*checks));
	ivs = xcalloc(nids + 1, sizeof(*ivs));
	for (size_t i = 0; i < nids && !rc; i++) {
		rc = store_monitor_intervals(s, ids[i], from, to, close_at, &ivs[i], &checks[i].n,
		                             err);
		checks[i].iv = ivs[i];
	}
	if (!rc)
		rc = availability_maintenance(s, cfg, from, to, &mw, &nmw, NULL, err);
	if (!rc)
		availability_compute(&cfg->hours, mw, nmw, checks, nids, from, to, out);
	availability_maintenance_free(mw, nmw);
	for (size_t i = 0; i < nids; i++)
		free(ivs[i]);
	free(ivs);
	free(checks);
	free(ids);
	return rc;
}

void availability_verdict(const struct availability *av, const struct catalog *cat, int pattern,
                          struct availability_verdict *out)
{
	const struct eval_item *it = catalog_item(cat, "III.2.1.1.a");
	const struct reference_value *ref =
	    it && pattern >= 1 && pattern <= 3 ? &it->refs[pattern - 1] : NULL;

	memset(out, 0, sizeof(*out));
	out->known = av->percent >= 0;
	out->reference = ref ? ref->quantity_text : NULL;
	out->meets = ref && out->known && floor(av->percent * 100) / 100 >= ref->quantity.percent;
	out->coverage = av->counted_s > 0 ? (av->up_s + av->down_s) / av->counted_s : 0;
	out->provisional = out->known && out->coverage < AVAILABILITY_MIN_COVERAGE;
}
