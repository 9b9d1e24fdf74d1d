/*
 * timeutil - clocks, ISO 8601, zones and periods; see timeutil.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

double timeutil_now(void)
{
	struct timespec ts;
	const char *fake = getenv("SAASGUARD_NOW");

	if (fake && *fake)
		return atof(fake);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double timeutil_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Runs with TZ set to tz, then restores it. */
struct tzswap {
	char *old;
	int had;
};

static void tz_enter(struct tzswap *s, const char *tz)
{
	const char *old = getenv("TZ");

	s->had = old != NULL;
	s->old = old ? xstrdup(old) : NULL;
	setenv("TZ", tz && *tz ? tz : "UTC", 1);
	tzset();
}

static void tz_leave(struct tzswap *s)
{
	if (s->had)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->old);
}

void timeutil_localtime(long long t, const char *tz, struct tm *out)
{
	time_t tt = (time_t)t;
	struct tzswap s;

	if (!tz || !strcmp(tz, "UTC")) {
		gmtime_r(&tt, out);
		return;
	}
	tz_enter(&s, tz);
	localtime_r(&tt, out);
	tz_leave(&s);
}

long long timeutil_mktime(const struct tm *tm, const char *tz)
{
	struct tm copy = *tm;
	struct tzswap s;
	time_t t;

	copy.tm_isdst = -1;
	if (!tz || !strcmp(tz, "UTC"))
		return (long long)timegm(&copy);
	tz_enter(&s, tz);
	t = mktime(&copy);
	tz_leave(&s);
	return (long long)t;
}

int timeutil_tz_valid(const char *tz)
{
	char path[512];
	FILE *f;

	if (!tz || !*tz || strstr(tz, ".."))
		return 0;
	if (!strcmp(tz, "UTC"))
		return 1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

enum sg_code timeutil_parse(const char *s, long long *out, struct sg_error *err)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
	const char *p = s;

	memset(&tm, 0, sizeof(tm));
	if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
	    digits(p + 8, 2, &d))
		goto bad;
	p += 10;
	if (*p == 'T' || *p == ' ') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			goto bad;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				goto bad;
			p += 3;
			if (*p == '.') /* fractions are dropped */
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, oh, om = 0;
			if (digits(p + 1, 2, &oh))
				goto bad;
			p += 3;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p)) {
				if (digits(p, 2, &om))
					goto bad;
				p += 2;
			}
			if (oh > 14 || om > 59)
				goto bad;
			off = sign * (oh * 3600 + om * 60);
		} else {
			goto bad_zone;
		}
	}
	if (*p)
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm) - off;
	{
		/* 2026-02-31 would roll over; refuse it. */
		struct tm chk;
		time_t t = (time_t)(*out + off);
		gmtime_r(&t, &chk);
		if (chk.tm_mday != d && h != 24)
			goto bad;
	}
	return SG_OK;
bad_zone:
	sg_error_set(
	    err, SG_ERR_INPUT,
	    ETR(err, "'%s' の時刻にタイムゾーンがありません", "'%s' has a time but no zone"), s);
	sg_error_hint(err, ETR(err, "+09:00 か Z を付けてください（例: 2026-12-01T02:00+09:00）",
	                       "add +09:00 or Z, e.g. 2026-12-01T02:00+09:00"));
	return SG_ERR_INPUT;
bad:
	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "'%s' は日付・時刻ではありません", "'%s' is not a date or time"), s);
	sg_error_hint(err, ETR(err, "2026-10-01 か 2026-12-01T02:00+09:00 の形で書いてください",
	                       "write 2026-10-01 or 2026-12-01T02:00+09:00"));
	return SG_ERR_INPUT;
}

void timeutil_utc(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void timeutil_local(long long t, const char *tz, int seconds, char out[40])
{
	struct tm tm;

	timeutil_localtime(t, tz, &tm);
	strftime(out, 40, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
}

static void period_of(int year, int first_month, int months, const char *tz,
                      struct timeutil_period *out)
{
	struct tm a, b;

	memset(&a, 0, sizeof(a));
	a.tm_year = year - 1900;
	a.tm_mon = first_month - 1;
	a.tm_mday = 1;
	b = a;
	b.tm_mon += months;
	out->start = timeutil_mktime(&a, tz);
	out->end = timeutil_mktime(&b, tz);
	if (months == 1)
		snprintf(out->label, sizeof(out->label), "%04d-%02d", year, first_month);
	else if (months == 3)
		snprintf(out->label, sizeof(out->label), "%04d-Q%d", year, (first_month + 2) / 3);
	else
		snprintf(out->label, sizeof(out->label), "%04d-H%d", year, first_month > 6 ? 2 : 1);
}

enum sg_code timeutil_period_parse(const char *s, const char *tz, struct timeutil_period *out,
                                   struct sg_error *err)
{
	int y, n;

	if (!digits(s, 4, &y) && s[4] == '-') {
		if (!digits(s + 5, 2, &n) && !s[7] && n >= 1 && n <= 12) {
			period_of(y, n, 1, tz, out);
			return SG_OK;
		}
		if (s[5] == 'Q' && s[6] >= '1' && s[6] <= '4' && !s[7]) {
			period_of(y, (s[6] - '1') * 3 + 1, 3, tz, out);
			return SG_OK;
		}
		if (s[5] == 'H' && (s[6] == '1' || s[6] == '2') && !s[7]) {
			period_of(y, s[6] == '1' ? 1 : 7, 6, tz, out);
			return SG_OK;
		}
	}
	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "'%s' は期間ではありません", "'%s' is not a period"), s);
	sg_error_hint(err, ETR(err, "月は 2026-11、四半期は 2026-Q4、半期は 2026-H2 と書きます",
	                       "write a month 2026-11, a quarter 2026-Q4 or a half 2026-H2"));
	return SG_ERR_INPUT;
}

void timeutil_period_containing(long long t, int months, const char *tz,
                                struct timeutil_period *out)
{
	struct tm tm;
	int first;

	timeutil_localtime(t, tz, &tm);
	if (months != 3 && months != 6)
		months = 1;
	first = (tm.tm_mon / months) * months + 1;
	period_of(tm.tm_year + 1900, first, months, tz, out);
}
