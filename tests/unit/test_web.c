/* Unit tests for the web's pure parts: the router (a table of paths and
 * methods), percent-decoding and forms, Accept-Language, CIDR matching,
 * slugs, the HTML writer's escaping, Accept-Encoding and If-None-Match. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "html.h"
#include "web_http.h"

static void test_routes(void **state)
{
	static const struct {
		const char *method, *path;
		enum web_route_id id;
		int ok;
		const char *slug;
		long long seq;
	} cases[] = {
	    {"GET", "/", WEB_R_ROOT, 1, "", 0},
	    {"GET", "/status/", WEB_R_STATUS_INDEX, 1, "", 0},
	    {"GET", "/status/payroll", WEB_R_STATUS, 1, "payroll", 0},
	    {"HEAD", "/status/payroll", WEB_R_STATUS, 1, "payroll", 0},
	    {"POST", "/status/payroll", WEB_R_STATUS, 0, "payroll", 0},
	    {"GET", "/status/payroll.json", WEB_R_STATUS_JSON, 1, "payroll", 0},
	    {"GET", "/status/payroll/feed.atom", WEB_R_STATUS_FEED, 1, "payroll", 0},
	    {"GET", "/status/payroll/proof/12", WEB_R_PROOF, 1, "payroll", 12},
	    {"GET", "/status/payroll/proof/12.json", WEB_R_PROOF_JSON, 1, "payroll", 12},
	    {"GET", "/status/payroll/proof/12/40/head.sig", WEB_R_PROOF_FILE, 1, "payroll", 12},
	    {"GET", "/status/payroll/proof/012", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/status/Payroll", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/status/-x", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/status/../x", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/status//x", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "status/x", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/badge/payroll/status.svg", WEB_R_BADGE_STATUS, 1, "payroll", 0},
	    {"GET", "/badge/payroll/availability.svg", WEB_R_BADGE_AVAIL, 1, "payroll", 0},
	    {"GET", "/badge/payroll/other.svg", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/login", WEB_R_LOGIN, 1, "", 0},
	    {"POST", "/login", WEB_R_LOGIN, 1, "", 0},
	    {"GET", "/logout", WEB_R_LOGOUT, 0, "", 0},
	    {"POST", "/logout", WEB_R_LOGOUT, 1, "", 0},
	    {"GET", "/dashboard/", WEB_R_DASHBOARD, 1, "", 0},
	    {"GET", "/dashboard/incidents/7", WEB_R_DASH_INCIDENT, 1, "", 7},
	    {"POST", "/dashboard/incidents/7/followup", WEB_R_DASH_FOLLOWUP, 1, "", 7},
	    {"GET", "/dashboard/incidents/7/followup", WEB_R_DASH_FOLLOWUP, 0, "", 7},
	    {"POST", "/dashboard/payroll/maintenance", WEB_R_DASH_MAINT, 1, "payroll", 0},
	    {"GET", "/api/v1/services", WEB_R_API_SERVICES, 1, "", 0},
	    {"GET", "/api/v1/services/payroll/incidents", WEB_R_API_INCIDENTS, 1, "payroll", 0},
	    {"POST", "/api/v1/incidents/3/followups", WEB_R_API_FOLLOWUP, 1, "", 3},
	    {"DELETE", "/api/v1/incidents/3", WEB_R_API_INCIDENT, 0, "", 3},
	    {"GET", "/api/v2/services", WEB_R_NOT_FOUND, 0, "", 0},
	    {"GET", "/metrics", WEB_R_METRICS, 1, "", 0},
	    {"GET", "/dashboard/ledger", WEB_R_DASH_LEDGER, 1, "", 0},
	    {"POST", "/dashboard/ledger/verify", WEB_R_DASH_LEDGER_VERIFY, 1, "", 0},
	    {"GET", "/dashboard/ledger/verify", WEB_R_DASH_LEDGER_VERIFY, 0, "", 0},
	    {"POST", "/dashboard/ledger/export", WEB_R_DASH_LEDGER_EXPORT, 1, "", 0},
	    {"GET", "/dashboard/ledger/checks", WEB_R_DASH_CHECKS, 1, "ledger", 0},
	    {"GET", "/api/v1/ledger/verification", WEB_R_API_LEDGER_VERIFICATION, 1, "", 0},
	    {"POST", "/api/v1/ledger/verification", WEB_R_API_LEDGER_VERIFICATION, 1, "", 0},
	    {"GET", "/api/v1/ledger/export", WEB_R_API_LEDGER_EXPORT, 1, "", 0},
	    {"POST", "/api/v1/ledger/export", WEB_R_API_LEDGER_EXPORT, 0, "", 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct web_route r;
		web_route_match(cases[i].method, cases[i].path, &r);
		if (r.id != cases[i].id || r.method_ok != cases[i].ok ||
		    strcmp(r.slug, cases[i].slug) || (cases[i].seq && r.seq != cases[i].seq))
			fail_msg("%s %s: id %d ok %d slug '%s'", cases[i].method, cases[i].path,
			         r.id, r.method_ok, r.slug);
	}
}

static void test_forms(void **state)
{
	struct web_form f;
	char out[64];
	(void)state;
	assert_int_equal(web_form_parse("a=1&b=%E7%B6%9A+x&&c=&d", 23, &f, NULL), SG_OK);
	assert_int_equal(f.n, 4);
	assert_string_equal(web_form_get(&f, "b"), "続 x");
	assert_string_equal(web_form_get(&f, "c"), "");
	assert_string_equal(web_form_get(&f, "d"), "");
	assert_null(web_form_get(&f, "e"));
	web_form_release(&f);
	assert_int_equal(web_form_parse("a=%2", 4, &f, NULL), SG_ERR_INPUT);
	assert_int_equal(web_form_parse("a=%00", 5, &f, NULL), SG_ERR_INPUT);
	assert_int_equal(web_form_parse("a=%zz", 5, &f, NULL), SG_ERR_INPUT);
	assert_int_equal(web_percent_decode("a+b%41", 6, 0, out), 0);
	assert_string_equal(out, "a+bA");
}

static void test_lang(void **state)
{
	(void)state;
	assert_int_equal(web_lang_negotiate(NULL, NULL), SG_LANG_JA);
	assert_int_equal(web_lang_negotiate("en", "ja"), SG_LANG_EN);
	assert_int_equal(web_lang_negotiate(NULL, "en-US,en;q=0.9"), SG_LANG_EN);
	assert_int_equal(web_lang_negotiate(NULL, "en;q=0.5, ja;q=0.8"), SG_LANG_JA);
	assert_int_equal(web_lang_negotiate(NULL, "fr, de"), SG_LANG_JA);
	assert_int_equal(web_lang_negotiate(NULL, "eng, en-GB;q=0.1"), SG_LANG_EN);
}

static void test_cidr(void **state)
{
	struct web_cidr c;
	unsigned char a[16];
	(void)state;
	assert_int_equal(web_cidr_parse("10.0.0.0/8", &c), 0);
	inet_pton(AF_INET, "10.9.8.7", a);
	assert_true(web_cidr_contains(&c, AF_INET, a));
	inet_pton(AF_INET, "11.0.0.1", a);
	assert_false(web_cidr_contains(&c, AF_INET, a));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	assert_true(web_cidr_contains(&c, AF_INET6, a));
	assert_int_equal(web_cidr_parse("::1", &c), 0);
	inet_pton(AF_INET6, "::1", a);
	assert_true(web_cidr_contains(&c, AF_INET6, a));
	assert_int_equal(web_cidr_parse("10.0.0.0/33", &c), -1);
	assert_int_equal(web_cidr_parse("example.jp", &c), -1);
}

static void test_slugs(void **state)
{
	char s[WEB_MAX_SLUG + 1];
	(void)state;
	web_slug_from_name("Payroll Cloud (JP)", s);
	assert_string_equal(s, "payroll-cloud-jp");
	web_slug_from_name("給与計算クラウド", s);
	assert_string_equal(s, "service");
	assert_true(web_slug_valid("a-b1"));
	assert_false(web_slug_valid("a-"));
	assert_false(web_slug_valid("A"));
}

static void test_html(void **state)
{
	struct dynbuf d = DYNBUF_INIT;
	(void)state;
	html_fmt(&d, "<p title=\"%s\">%s %r %d%%</p>", "\"x'", "<script>&", "<b>", 5);
	assert_string_equal(dynbuf_ptr(&d),
	                    "<p title=\"&quot;x&#39;\">&lt;script&gt;&amp; <b> 5%</p>");
	dynbuf_reset(&d);
	html_fmt(&d, "%.1f %lld %zu", 99.5, 12LL, (size_t)3);
	assert_string_equal(dynbuf_ptr(&d), "99.5 12 3");
	dynbuf_release(&d);
}

static void test_accept_encoding(void **state)
{
	static const struct {
		const char *header;
		int gzip;
	} cases[] = {
	    {NULL, 0},
	    {"", 0},
	    {"gzip", 1},
	    {"GZIP", 1},
	    {"x-gzip", 1},
	    {"gzip, deflate, br", 1},
	    {"br;q=1.0, gzip;q=0.8, *;q=0.1", 1},
	    {"deflate", 0},
	    {"gzipx", 0},
	    {"identity", 0},
	    {"gzip;q=0", 0},
	    {"gzip; q=0.000", 0},
	    {"gzip;q=0.001", 1},
	    {"*", 1},
	    {"*;q=0", 0},
	    {"gzip;q=0, *", 0}, /* named beats the wildcard */
	    {"*, gzip;q=0", 0},
	    {"identity, *;q=0.5", 1},
	    {"gzip;q=2", 0},   /* malformed q: not acceptable */
	    {"gzip;q=abc", 0}, /* idem */
	    {"gzip;level=1", 1},
	    {" gzip ", 1},
	    {",,gzip,,", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (web_accepts_gzip(cases[i].header) != cases[i].gzip)
			fail_msg("Accept-Encoding %s: expected %d",
			         cases[i].header ? cases[i].header : "(none)", cases[i].gzip);
}

static void test_if_none_match(void **state)
{
	static const struct {
		const char *header;
		int match;
	} cases[] = {
	    {NULL, 0},
	    {"", 0},
	    {"\"abc\"", 1},
	    {"W/\"abc\"", 1}, /* weak comparison */
	    {"\"x\", \"abc\"", 1},
	    {"\"x\",W/\"abc\"", 1},
	    {"*", 1},
	    {"\"abcd\"", 0},
	    {"\"ab\"", 0},
	    {"abc", 0},           /* unquoted: malformed */
	    {"\"abc", 0},         /* unterminated */
	    {"\"x\" \"abc\"", 0}, /* no comma: malformed, stops */
	    {"\"ABC\"", 0},       /* tags are case-sensitive */
	    {"w/\"abc\"", 0},     /* the W/ prefix is */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (web_etag_matches(cases[i].header, "\"abc\"") != cases[i].match)
			fail_msg("If-None-Match %s: expected %d",
			         cases[i].header ? cases[i].header : "(none)", cases[i].match);
	assert_false(web_etag_matches("\"abc\"", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_lang),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_slugs),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_accept_encoding),
	    cmocka_unit_test(test_if_none_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
