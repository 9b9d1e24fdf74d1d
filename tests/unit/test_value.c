/* Unit tests for value: the duration, percentage and set grammar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "value.h"

struct dcase {
	const char *in;
	double seconds;
};

static const struct dcase durations[] = {
    {"5m", 300},
    {"90s", 90},
    {"800ms", 0.8},
    {"24h", 86400},
    {"3d", 3 * 86400},
    {"1w", 7 * 86400},
    {"1mo", VALUE_MONTH_SECONDS},
    {"12mo", VALUE_YEAR_SECONDS},
    {"5y", 5 * VALUE_YEAR_SECONDS},
    {"5分", 300},
    {"24時間", 86400},
    {"3日", 3 * 86400},
    {"1週間", 7 * 86400},
    {"1ヶ月", VALUE_MONTH_SECONDS},
    {"1か月", VALUE_MONTH_SECONDS},
    {"1カ月", VALUE_MONTH_SECONDS},
    {"1年", VALUE_YEAR_SECONDS},
    {"６ヶ月", 6 * VALUE_MONTH_SECONDS},
    {" 10m ", 600},
};

static void test_durations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		double s = -1;
		struct sg_error err;
		memset(&err, 0, sizeof(err));
		assert_int_equal(value_parse_duration(durations[i].in, &s, &err), SG_OK);
		assert_float_equal(s, durations[i].seconds, 1e-6);
	}
}

static void test_twelve_months_is_a_year(void **state)
{
	double a, b;
	(void)state;
	assert_int_equal(value_parse_duration("12mo", &a, NULL), SG_OK);
	assert_int_equal(value_parse_duration("1y", &b, NULL), SG_OK);
	assert_float_equal(a, b, 1e-6);
	assert_float_equal(b, 365.2425 * 86400, 1e-6);
}

static void test_bad_duration_hints(void **state)
{
	struct sg_error err;
	double s;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(value_parse_duration("5 minutes", &s, &err), SG_ERR_INPUT);
	assert_string_equal(err.hint, "5m と書いてください");
	err.lang = 1;
	assert_int_equal(value_parse_duration("5 minutes", &s, &err), SG_ERR_INPUT);
	assert_string_equal(err.hint, "use 5m");
	assert_int_equal(value_parse_duration("2 hours", &s, &err), SG_ERR_INPUT);
	assert_string_equal(err.hint, "use 2h");
	assert_int_equal(value_parse_duration("3 months", &s, &err), SG_ERR_INPUT);
	assert_string_equal(err.hint, "use 3mo");
	assert_int_equal(value_parse_duration("m5", &s, &err), SG_ERR_INPUT);
	assert_int_equal(value_parse_duration("5x", &s, &err), SG_ERR_INPUT);
	assert_true(strstr(err.hint, "5m") != NULL);
}

static void test_scalars(void **state)
{
	struct value v;
	(void)state;
	assert_int_equal(value_parse("99.5%", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_PERCENT);
	assert_float_equal(v.percent, 99.5, 1e-9);
	assert_int_equal(value_parse("5", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_COUNT);
	assert_int_equal(v.count, 5);
	assert_int_equal(value_parse("true", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_BOOL);
	assert_true(v.boolean);
	assert_int_equal(value_parse("24x7", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_24X7);
	assert_int_equal(value_parse("every_backup", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_EVERY_BACKUP);
	assert_int_equal(value_parse("service+1y", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_SERVICE_PLUS);
	assert_float_equal(v.seconds, VALUE_YEAR_SECONDS, 1e-6);
	assert_int_equal(value_parse("hot", &v, NULL), SG_OK);
	assert_int_equal(v.standby, STANDBY_HOT);
	assert_int_equal(value_parse("cold", &v, NULL), SG_OK);
	assert_int_equal(v.standby, STANDBY_COLD);
	assert_int_equal(value_parse("tls", &v, NULL), SG_OK);
	assert_int_equal(v.type, VALUE_SET);
	assert_int_equal(v.set, SET_ENCRYPTION);
	assert_int_equal(v.members, ENC_TLS);
	assert_int_equal(value_parse("[password, ic_card]", &v, NULL), SG_OK);
	assert_int_equal(v.set, SET_AUTH);
	assert_int_equal(v.members, AUTH_PASSWORD | AUTH_IC_CARD);
	assert_int_equal(value_parse("[tls, password]", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("[tls", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("[]", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("101%", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("2.5", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("often", &v, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse("service+often", &v, NULL), SG_ERR_INPUT);
}

static void test_format_roundtrip(void **state)
{
	static const char *const in[] = {
	    "5m",         "1d",  "3w",           "6mo",  "5y",  "99.5%", "5",
	    "service+1y", "hot", "every_backup", "24x7", "90s", "[tls]", "[password, biometric]"};
	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct value v;
		struct dynbuf b = DYNBUF_INIT;
		assert_int_equal(value_parse(in[i], &v, NULL), SG_OK);
		assert_int_equal(value_format(&v, &b), SG_OK);
		assert_string_equal(dynbuf_ptr(&b), in[i]);
		dynbuf_release(&b);
	}
}

static void test_format_largest_unit(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	value_format_duration(86400, &b);
	assert_string_equal(dynbuf_ptr(&b), "1d");
	dynbuf_reset(&b);
	value_format_duration(5400, &b);
	assert_string_equal(dynbuf_ptr(&b), "90m");
	dynbuf_reset(&b);
	value_format_duration(0.8, &b);
	assert_string_equal(dynbuf_ptr(&b), "800ms");
	dynbuf_release(&b);
}

static void test_sets(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	assert_int_equal(value_set_member(SET_AUTH, "biometric"), AUTH_BIOMETRIC);
	assert_int_equal(value_set_member(SET_AUTH, "tls"), 0);
	assert_int_equal(value_set_of("print_digitization"), SET_ORIGINALITY);
	assert_int_equal(value_set_of("carrier_pigeon"), SET_NONE);
	value_set_format(SET_AUTH, AUTH_PASSWORD | AUTH_CERTIFICATE, &b);
	assert_string_equal(dynbuf_ptr(&b), "password, certificate");
	dynbuf_release(&b);
}

/* A number whose duration overflows is refused, not infinite (fuzz_value). */
static void test_duration_overflow(void **state)
{
	double sec = 0;
	(void)state;
	assert_int_equal(value_parse_duration("1e306h", &sec, NULL), SG_ERR_INPUT);
	assert_int_equal(value_parse_duration("1e300s", &sec, NULL), SG_OK);
	assert_int_equal(value_parse_duration("1e306y", &sec, NULL), SG_ERR_INPUT);
	/* A count beyond 1e15 is an error, and no undefined cast happens (UBSan). */
	{
		struct value v;
		assert_int_equal(value_parse("1e62", &v, NULL), SG_ERR_INPUT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration_overflow),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_twelve_months_is_a_year),
	    cmocka_unit_test(test_bad_duration_hints),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_format_largest_unit),
	    cmocka_unit_test(test_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
