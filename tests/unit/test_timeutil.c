/* Unit tests for timeutil: ISO 8601, zones, periods. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "timeutil.h"

static void test_parse(void **state)
{
	long long t;
	(void)state;
	assert_int_equal(timeutil_parse("2026-10-01", &t, NULL), SG_OK);
	assert_int_equal(t, 1790812800);
	assert_int_equal(timeutil_parse("2026-12-01T02:00+09:00", &t, NULL), SG_OK);
	assert_int_equal(t, 1796058000);
	assert_int_equal(timeutil_parse("2026-12-01T02:00:30Z", &t, NULL), SG_OK);
	assert_int_equal(t, 1796090430);
	assert_int_equal(timeutil_parse("2026-12-01 02:00-0130", &t, NULL), SG_OK);
	assert_int_equal(t, 1796090400 + 5400);
	assert_int_equal(timeutil_parse("2026-12-01T02:00", &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("2026-02-31", &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("2026-13-01", &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("yesterday", &t, NULL), SG_ERR_INPUT);
}

/* The one parser, at the start of a log line: seconds and a zone required,
 * a fraction kept, a malformed offset refused rather than dropped. */
static void test_parse_prefix(void **state)
{
	const char *end = NULL;
	double t;
	long long u;
	(void)state;
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00:00Z app", &end, &t, NULL), SG_OK);
	assert_true(fabs(t - 1800000000) < 1e-6);
	assert_string_equal(end, " app");
	assert_int_equal(timeutil_parse_prefix("2027-01-15T17:00:00+09:00", NULL, &t, NULL), SG_OK);
	assert_true(fabs(t - 1800000000) < 1e-6);
	assert_int_equal(timeutil_parse_prefix("2027-01-15 08:00:00.25Z", NULL, &t, NULL), SG_OK);
	assert_true(fabs(t - 1800000000.25) < 1e-6);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T03:00:00-0500", NULL, &t, NULL), SG_OK);
	assert_true(fabs(t - 1800000000) < 1e-6);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T03:00:00-05", NULL, &t, NULL), SG_OK);
	assert_true(fabs(t - 1800000000) < 1e-6);
	/* Bad or missing zones are errors, never UTC. */
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00:00", NULL, &t, NULL),
	                 SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00:00+9:00", NULL, &t, NULL),
	                 SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00:00+09:0", NULL, &t, NULL),
	                 SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00:00+09:", NULL, &t, NULL),
	                 SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("2027-01-15T08:00Z", NULL, &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("Jan 15 08:00:00", NULL, &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse_prefix("", NULL, &t, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("2026-12-01T02:00+09:", &u, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("2026-12-01T02:00+0900x", &u, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_parse("2026-12-01T02:00+15:00", &u, NULL), SG_ERR_INPUT);
}

static void test_civil(void **state)
{
	(void)state;
	assert_int_equal(timeutil_civil(1970, 1, 1, 0, 0, 0, 0), 0);
	assert_int_equal(timeutil_civil(2027, 1, 15, 17, 0, 0, 9 * 3600), 1800000000);
	/* Out-of-range months carry into years, both ways. */
	assert_int_equal(timeutil_civil(2026, 13, 1, 0, 0, 0, 0),
	                 timeutil_civil(2027, 1, 1, 0, 0, 0, 0));
	assert_int_equal(timeutil_civil(2027, 0, 1, 0, 0, 0, 0),
	                 timeutil_civil(2026, 12, 1, 0, 0, 0, 0));
	assert_int_equal(timeutil_civil(1969, 12, 31, 23, 59, 59, 0), -1);
}

/* Local times of 2026 and the instants timeutil_mktime() makes of them. */
static const struct {
	int mon, mday, hour, min;
	const char *zone;
	long long want;
} mktimes[] = {
    {1, 15, 12, 0, "America/New_York", 1768496400},
    /* 02:30 on the spring-forward night (the gap) is 03:30 EDT = 07:30Z;
     * 01:30 on the fall-back night (twice) is its first occurrence, EDT =
     * 05:30Z. Deterministic, unlike mktime() (which remembers its last call). */
    {3, 8, 2, 30, "America/New_York", 1772955000},
    {11, 1, 1, 30, "America/New_York", 1793511000},
    /* An unknown zone is UTC, as TZ=unknown is for the C library. */
    {1, 15, 12, 0, "Mars/Olympus", 1768478400},
};

/* A zone with daylight saving time: gaps move forward, offsets follow. */
static void test_dst(void **state)
{
	struct tm tm;
	(void)state;
	/* 2026-03-08T10:00Z is 03:00 EDT in New York (the gap is 02:00-03:00). */
	timeutil_localtime(1772964000, "America/New_York", &tm);
	assert_int_equal(tm.tm_hour, 6);
	assert_int_equal(tm.tm_gmtoff, -4 * 3600);
	assert_int_equal(tm.tm_isdst, 1);
	for (size_t i = 0; i < sizeof(mktimes) / sizeof(mktimes[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 126;
		tm.tm_mon = mktimes[i].mon - 1;
		tm.tm_mday = mktimes[i].mday;
		tm.tm_hour = mktimes[i].hour;
		tm.tm_min = mktimes[i].min;
		assert_int_equal(timeutil_mktime(&tm, mktimes[i].zone), mktimes[i].want);
	}
}

/* The header promises conversion from several threads at once (the seal
 * worker beside the loop). Two threads convert in different zones and
 * check every answer; under the old setenv("TZ") scheme they read each
 * other's zone (and TSan/ASan flag the environment race). */
struct conv_job {
	const char *tz;
	int offset;
	int bad;
};

static void *convert_many(void *arg)
{
	struct conv_job *j = arg;

	for (int i = 0; i < 20000; i++) {
		long long t = 1790812800LL + (long long)i * 3607;
		struct tm tm;
		timeutil_localtime(t, j->tz, &tm);
		if (tm.tm_gmtoff != j->offset || timeutil_mktime(&tm, j->tz) != t)
			j->bad++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct conv_job a = {"Asia/Tokyo", 9 * 3600, 0}, b = {"Asia/Kolkata", 19800, 0};
	pthread_t ta, tb;
	(void)state;
	assert_int_equal(pthread_create(&ta, NULL, convert_many, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, convert_many, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.bad, 0);
	assert_int_equal(b.bad, 0);
}

static void test_periods(void **state)
{
	struct timeutil_period p;
	(void)state;
	assert_int_equal(timeutil_period_parse("2026-11", "Asia/Tokyo", &p, NULL), SG_OK);
	assert_int_equal(p.start, 1793458800); /* 2026-11-01T00:00+09:00 */
	assert_int_equal(p.end - p.start, 30 * 86400);
	assert_string_equal(p.label, "2026-11");
	assert_int_equal(timeutil_period_parse("2026-Q4", "UTC", &p, NULL), SG_OK);
	assert_int_equal(p.end - p.start, 92 * 86400);
	assert_int_equal(timeutil_period_parse("2026-H2", "UTC", &p, NULL), SG_OK);
	assert_int_equal(p.end - p.start, 184 * 86400);
	assert_int_equal(timeutil_period_parse("2026-Q5", "UTC", &p, NULL), SG_ERR_INPUT);
	assert_int_equal(timeutil_period_parse("2026-13", "UTC", &p, NULL), SG_ERR_INPUT);
	timeutil_period_containing(1793458800 + 40 * 86400, 3, "Asia/Tokyo", &p);
	assert_string_equal(p.label, "2026-Q4");
}

static void test_local(void **state)
{
	char buf[40];
	(void)state;
	timeutil_local(1796058000, "Asia/Tokyo", 0, buf);
	assert_string_equal(buf, "2026-12-01 02:00");
	assert_true(timeutil_tz_valid("Asia/Tokyo"));
	assert_false(timeutil_tz_valid("Mars/Olympus"));
	assert_false(timeutil_tz_valid("../../etc/passwd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),   cmocka_unit_test(test_parse_prefix),
	    cmocka_unit_test(test_civil),   cmocka_unit_test(test_dst),
	    cmocka_unit_test(test_threads), cmocka_unit_test(test_periods),
	    cmocka_unit_test(test_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
