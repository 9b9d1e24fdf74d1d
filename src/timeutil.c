/*
 * timeutil - clocks, ISO 8601, zones and periods; see timeutil.h.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

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

/*
 * Zones. Each zone's TZif data is parsed once by glib (GTimeZone is
 * immutable and thread-safe) and kept in a small table for the life of the
 * process, so a conversion is a table lookup under a mutex and a binary
 * search in the zone's transitions. The environment is never touched.
 */
#define ZONE_CACHE 64

static struct {
	char name[64];
	GTimeZone *tz;
} zones[ZONE_CACHE];
static size_t nzones;
static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;

/* The zone named tz, a reference the caller drops with g_time_zone_unref.
 * An unknown name is UTC (as TZ=unknown is for the C library). */
static GTimeZone *zone_get(const char *tz)
{
	GTimeZone *z = NULL;
	int host = !strcmp(tz, TIMEUTIL_HOST_ZONE);

	pthread_mutex_lock(&zones_lock);
	for (size_t i = 0; i < nzones && !z; i++)
		if (!strcmp(zones[i].name, tz))
			z = g_time_zone_ref(zones[i].tz);
	if (!z) {
		z = host ? g_time_zone_new_local() : g_time_zone_new_identifier(tz);
		if (!z)
			z = g_time_zone_new_utc();
		if (nzones < ZONE_CACHE && strlen(tz) < sizeof(zones[0].name)) {
			snprintf(zones[nzones].name, sizeof(zones[0].name), "%s", tz);
			zones[nzones++].tz = g_time_zone_ref(z);
		}
	}
	pthread_mutex_unlock(&zones_lock);
	return z;
}

static int is_utc(const char *tz)
{
	return !tz || !*tz || !strcmp(tz, "UTC");
}

void timeutil_localtime(long long t, const char *tz, struct tm *out)
{
	GTimeZone *z;
	time_t local;
	int iv;

	if (is_utc(tz)) {
		time_t tt = (time_t)t;
		gmtime_r(&tt, out);
		return;
	}
	z = zone_get(tz);
	iv = g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, (gint64)t);
	local = (time_t)(t + g_time_zone_get_offset(z, iv));
	gmtime_r(&local, out);
	out->tm_isdst = g_time_zone_is_dst(z, iv);
	out->tm_gmtoff = g_time_zone_get_offset(z, iv);
	out->tm_zone = NULL; /* the abbreviation would outlive an uncached zone */
	g_time_zone_unref(z);
}

/* Seconds east of UTC in zone z at the instant t. */
static long long offset_at(GTimeZone *z, long long t)
{
	return g_time_zone_get_offset(
	    z, g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, (gint64)t));
}

long long timeutil_mktime(const struct tm *tm, const char *tz)
{
	GTimeZone *z;
	long long local, oa, ob, ta, tb, t;
	int va, vb;

	/* Normalise the fields (2026-13-01 is 2027-01-01) as a UTC time. */
	local = timeutil_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
	                       tm->tm_min, tm->tm_sec, 0);
	if (is_utc(tz))
		return local;
	z = zone_get(tz);
	/* The offsets a day before and after bracket any transition; each gives
	 * a candidate that is right when the zone has that offset then. A time
	 * that occurs twice (clocks go back) is its first occurrence, as
	 * Python's fold=0; a time that never occurs (clocks go forward) is read
	 * with the offset before the gap, so 02:30 becomes 03:30. (glibc's
	 * mktime() leaves both to the previous call's state; this does not.) */
	oa = offset_at(z, local - 86400);
	ob = offset_at(z, local + 86400);
	ta = local - oa;
	tb = local - ob;
	va = offset_at(z, ta) == oa;
	vb = offset_at(z, tb) == ob;
	if (va && vb)
		t = ta < tb ? ta : tb;
	else if (vb)
		t = tb;
	else
		t = ta;
	g_time_zone_unref(z);
	return t;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil); month 1..12. */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long long timeutil_civil(int year, int month, int day, int hour, int min, int sec, int offset)
{
	long long y = year, m = (long long)month - 1;

	/* Carry whole years out of the month so days_from_civil sees 1..12. */
	y += m >= 0 ? m / 12 : -((11 - m) / 12);
	m -= (y - year) * 12;
	return days_from_civil(y, (int)m + 1, 1) * 86400 + ((long long)day - 1) * 86400 +
	       (long long)hour * 3600 + (long long)min * 60 + sec - offset;
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

enum parse_result { PARSE_OK, PARSE_BAD, PARSE_NO_ZONE };

/* The zone after a time: Z, +09:00, +0900 or +09. */
static int parse_zone(const char **pp, int *off)
{
	const char *p = *pp;
	int sign, oh, om = 0;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '-' ? -1 : 1;
	if (digits(p + 1, 2, &oh))
		return -1;
	p += 3;
	if (*p == ':') {
		if (digits(p + 1, 2, &om))
			return -1; /* "+09:" or "+09:0" */
		p += 3;
	} else if (isdigit((unsigned char)*p)) {
		if (digits(p, 2, &om))
			return -1; /* "+090" */
		p += 2;
	}
	if (isdigit((unsigned char)*p) || oh > 14 || om > 59)
		return -1;
	*off = sign * (oh * 3600 + om * 60);
	*pp = p;
	return 0;
}

/* The one parser behind timeutil_parse and timeutil_parse_prefix. */
static enum parse_result parse_iso(const char *s, int prefix, const char **end, double *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, has_sec = 0;
	double frac = 0;
	const char *p = s;
	long long t;

	if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
	    digits(p + 8, 2, &d))
		return PARSE_BAD;
	p += 10;
	if ((*p == 'T' || *p == 't' || *p == ' ') && isdigit((unsigned char)p[1])) {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return PARSE_BAD;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return PARSE_BAD;
			has_sec = 1;
			p += 3;
			if (*p == '.') {
				double scale = 0.1;
				if (!isdigit((unsigned char)p[1]))
					return PARSE_BAD;
				for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (*p != 'Z' && *p != 'z' && *p != '+' && *p != '-')
			return PARSE_NO_ZONE;
		if (parse_zone(&p, &off))
			return PARSE_BAD;
	}
	if (prefix ? !has_sec : *p != '\0')
		return PARSE_BAD;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60 ||
	    (h == 24 && (mi || sec || frac > 0)))
		return PARSE_BAD;
	/* 2026-02-31 would roll over; refuse it. */
	if (d > 28 &&
	    timeutil_civil(y, mo, d, 0, 0, 0, 0) >= timeutil_civil(y, mo + 1, 1, 0, 0, 0, 0))
		return PARSE_BAD;
	t = timeutil_civil(y, mo, d, h, mi, sec, off);
	*out = (double)t + frac;
	if (end)
		*end = p;
	return PARSE_OK;
}

static enum sg_code parse_error(const char *s, enum parse_result r, struct sg_error *err)
{
	if (r == PARSE_NO_ZONE) {
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "'%s' の時刻にタイムゾーンがありません",
		                 "'%s' has a time but no zone"),
		             s);
		sg_error_hint(err,
		              ETR(err, "+09:00 か Z を付けてください（例: 2026-12-01T02:00+09:00）",
		                  "add +09:00 or Z, e.g. 2026-12-01T02:00+09:00"));
		return SG_ERR_INPUT;
	}
	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "'%s' は日付・時刻ではありません", "'%s' is not a date or time"), s);
	sg_error_hint(err, ETR(err, "2026-10-01 か 2026-12-01T02:00+09:00 の形で書いてください",
	                       "write 2026-10-01 or 2026-12-01T02:00+09:00"));
	return SG_ERR_INPUT;
}

enum sg_code timeutil_parse(const char *s, long long *out, struct sg_error *err)
{
	double t;
	enum parse_result r = parse_iso(s, 0, NULL, &t);

	if (r != PARSE_OK)
		return parse_error(s, r, err);
	*out = (long long)floor(t);
	return SG_OK;
}

enum sg_code timeutil_parse_prefix(const char *s, const char **end, double *out,
                                   struct sg_error *err)
{
	enum parse_result r = parse_iso(s, 1, end, out);

	return r == PARSE_OK ? SG_OK : parse_error(s, r, err);
}

void timeutil_utc(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[80]; /* room for any int fields; the real text is 20 bytes */
	size_t n;

	gmtime_r(&tt, &tm);
	/* %04d, not strftime's %Y, so year 226 prints as 0226 and parses back. */
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	n = strlen(buf) < 31 ? strlen(buf) : 31;
	memcpy(out, buf, n);
	out[n] = '\0';
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
