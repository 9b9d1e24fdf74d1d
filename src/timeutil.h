/*
 * timeutil - wall-clock and monotonic time, ISO 8601 parsing and printing,
 * local time in a named zone (Asia/Tokyo) and report periods (a month
 * 2026-11, a quarter 2026-Q4, a half 2026-H2).
 *
 * Records carry wall-clock seconds since the epoch (UTC); schedules use the
 * monotonic clock. Zone conversion switches TZ for the duration of a call,
 * so it is not for use from several threads at once (saasguard has one
 * event-loop thread).
 */
#ifndef SG_TIMEUTIL_H
#define SG_TIMEUTIL_H

#include <time.h>

#include "error.h"

/* Wall clock, seconds since the epoch (with fraction). Honours
 * SAASGUARD_NOW (seconds since the epoch) for reproducible tests. */
double timeutil_now(void);
/* Monotonic milliseconds. */
double timeutil_monotonic_ms(void);

/* 2026-10-01, 2026-12-01T02:00+09:00, 2026-12-01T02:00:30Z, with ' ' or 'T'. */
enum sg_code timeutil_parse(const char *s, long long *out, struct sg_error *err);

/* RFC 3339 in UTC ("2026-11-25T12:00:00Z"); out holds 32 bytes. */
void timeutil_utc(long long t, char out[32]);
/* Local time in zone tz ("2026-11-25 21:00" / with seconds); out holds 40. */
void timeutil_local(long long t, const char *tz, int seconds, char out[40]);

/* Broken-down local time of t in zone tz (NULL: UTC). */
void timeutil_localtime(long long t, const char *tz, struct tm *out);
/* Epoch seconds of a local time in zone tz (NULL: UTC); tm_isdst ignored. */
long long timeutil_mktime(const struct tm *tm, const char *tz);
/* Whether tz names a zone this machine knows. */
int timeutil_tz_valid(const char *tz);

struct timeutil_period {
	long long start; /* inclusive */
	long long end;   /* exclusive */
	char label[32];  /* "2026-11", "2026-Q4", "2026-H2" */
};

/* Parses a month, quarter or half in zone tz. */
enum sg_code timeutil_period_parse(const char *s, const char *tz, struct timeutil_period *out,
                                   struct sg_error *err);
/* The period of `months` (1, 3 or 6) that contains t, in zone tz. */
void timeutil_period_containing(long long t, int months, const char *tz,
                                struct timeutil_period *out);

#endif
