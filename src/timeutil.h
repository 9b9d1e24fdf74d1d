/*
 * timeutil - wall-clock and monotonic time, ISO 8601 parsing and printing,
 * local time in a named zone (Asia/Tokyo) and report periods (a month
 * 2026-11, a quarter 2026-Q4, a half 2026-H2).
 *
 * Records carry wall-clock seconds since the epoch (UTC); schedules use the
 * monotonic clock. Zones are read from the system's TZif data once per zone
 * (glib's GTimeZone, kept for the life of the process) and converted without
 * touching the environment: every function here may be called from several
 * threads at once (the seal worker runs on libuv's thread pool).
 *
 * "No value": a time that may be absent is returned through a pointer with a
 * status (enum sg_code or 0/-1), never as a magic -1, which is a valid second.
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

/* The one ISO 8601 / RFC 3339 parser. Accepts a date (2026-10-01, midnight
 * UTC) or a date and time with ' ' or 'T', optional seconds and fraction and
 * a zone: Z, +09:00, +0900 or +09. A time without a zone, or a zone offset in
 * any other form, is an error (never silently dropped). */
enum sg_code timeutil_parse(const char *s, long long *out, struct sg_error *err);
/* As timeutil_parse() for a time at the start of s that must carry seconds
 * and a zone (log lines, tool output); keeps the fraction. *end (may be NULL)
 * receives the first byte after the time. */
enum sg_code timeutil_parse_prefix(const char *s, const char **end, double *out,
                                   struct sg_error *err);
/* Epoch seconds of a civil date and time at `offset` seconds east of UTC
 * (fields may be out of range: 2026-13-01 is 2027-01-01). */
long long timeutil_civil(int year, int month, int day, int hour, int min, int sec, int offset);

/* RFC 3339 in UTC ("2026-11-25T12:00:00Z"); out holds 32 bytes. */
void timeutil_utc(long long t, char out[32]);
/* Local time in zone tz ("2026-11-25 21:00" / with seconds); out holds 40. */
void timeutil_local(long long t, const char *tz, int seconds, char out[40]);

/* The host's own zone (/etc/localtime or TZ as the process started with). */
#define TIMEUTIL_HOST_ZONE ":host"

/* Broken-down local time of t in zone tz (NULL: UTC), with tm_gmtoff. */
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
