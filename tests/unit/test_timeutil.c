/* Unit tests for timeutil: ISO 8601, zones, periods. */
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
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_periods),
	    cmocka_unit_test(test_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
