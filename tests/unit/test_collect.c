/* Unit tests for collect: judging against reference values, value texts,
 * RFC 3339 times and the collectors: configuration (errors at file:line:col). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog_fixture.h"
#include "collect.h"
#include "profile.h"

static void test_judge_both_sides(void **state)
{
	static const struct {
		int pattern;
		const char *item, *value;
		int want; /* 0 meets, 1 a finding, -1 not judged here */
	} cases[] = {
	    /* max_delay 24h (pattern 1) / 3d (pattern 4) */
	    {1, "III.1.1.6.a", "24h", 0},
	    {1, "III.1.1.6.a", "1441m", 1},
	    {4, "III.1.1.6.a", "2d", 0},
	    {4, "III.1.1.6.a", "4d", 1},
	    /* max_interval 1d */
	    {1, "III.2.3.1.a", "1d", 0},
	    {1, "III.2.3.1.a", "25h", 1},
	    /* min_count 5 */
	    {1, "III.2.3.1.b", "5", 0},
	    {1, "III.2.3.1.b", "4", 1},
	    /* min_retention 3mo and 5y */
	    {1, "III.2.1.3.a", "3mo", 0},
	    {1, "III.2.1.3.a", "90d", 1}, /* 3mo is 91.3 days */
	    {1, "III.2.1.3.b", "5y", 0},
	    {1, "III.2.1.3.b", "4y", 1},
	    /* every_backup */
	    {1, "III.2.3.2.a", "every_backup", 0},
	    {1, "III.2.3.2.a", "false", 1},
	    /* any_of encryption: tls or ipsec (pattern 1), tls only (pattern 4) */
	    {1, "III.3.2.2.a", "[tls]", 0},
	    {4, "III.3.2.2.a", "[ipsec]", 1},
	    /* a type that does not fit is a finding */
	    {1, "III.2.2.1.a", "5", 1},
	    /* controls without evaluation items are not judged here */
	    {1, "III.1.1.5", "false", -1},
	    {1, "III.9.9.9.z", "1d", -1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct value v;
		assert_int_equal(value_parse(cases[i].value, &v, NULL), SG_OK);
		if (collect_judge(cat, cases[i].pattern, cases[i].item, &v) != cases[i].want)
			fail_msg("pattern %d %s = %s: not %d", cases[i].pattern, cases[i].item,
			         cases[i].value, cases[i].want);
	}
}

static void test_duration_text(void **state)
{
	static const struct {
		double seconds;
		int round_up;
		const char *want;
	} cases[] = {
	    {26 * 3600, 1, "26h"},
	    {26 * 3600 + 1, 1, "27h"},  /* ages round up, whole hours past a day */
	    {3600 + 1, 1, "61m"},       /* whole minutes under a day */
	    {26 * 3600 + 59, 0, "26h"}, /* retention rounds down */
	    {0, 1, "0s"},
	    {-5, 1, "0s"},
	    {40 * 86400, 0, "40d"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = collect_duration_text(cases[i].seconds, cases[i].round_up);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
}

/* Loads a profile text and the plan; returns the code and fills err. */
static enum sg_code plan_of(const char *section, const char *only, struct collect_plan *plan,
                            struct sg_error *err)
{
	char text[2048];
	struct profile *p = NULL;
	enum sg_code rc;

	snprintf(text, sizeof(text), "service:\n  name: t\n  pattern: 1\ncollectors:\n%s", section);
	memset(err, 0, sizeof(*err));
	err->lang = 1;
	rc = profile_parse(text, strlen(text), "p.yaml", cat, &p, err);
	if (!rc)
		rc = collect_plan_load(p, only, plan, err);
	if (!rc)
		collect_plan_release(plan);
	profile_free(p);
	return rc;
}

static void test_plan_errors(void **state)
{
	struct collect_plan plan;
	struct sg_error err;
	(void)state;

	assert_int_equal(
	    plan_of("  time: {max_offset: 100ms}\n  tls: [https://x/]\n", NULL, &plan, &err),
	    SG_OK);
	assert_int_equal(plan_of("  time: {max_offset: 100 ms}\n", NULL, &plan, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(err.line, 5);
	assert_int_equal(plan_of("  backup: {directory: /b, restic_repo: /r}\n", NULL, &plan, &err),
	                 SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "either restic_repo or directory"));
	assert_int_equal(
	    plan_of("  backup: {directory: /b, read_data_subset: lots}\n", NULL, &plan, &err),
	    SG_ERR_INPUT);
	assert_int_equal(err.col, 45);
	assert_int_equal(plan_of("  logs: [{path: /x}]\n", NULL, &plan, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "item"));
	assert_int_equal(plan_of("  tls: [{url: https://x/, warn_days: -1}]\n", NULL, &plan, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(plan_of("  timeout: 0s\n", NULL, &plan, &err), SG_ERR_INPUT);
	assert_int_equal(plan_of("  antivirus: {dir: /x}\n", NULL, &plan, &err), SG_ERR_INPUT);
	assert_int_equal(plan_of("  ids: true\n", "idz", &plan, &err), SG_ERR_USAGE);
	assert_non_null(strstr(err.hint, "ids"));
}

static void test_plan_selection(void **state)
{
	char text[] = "service:\n  name: t\n  pattern: 1\ncollectors:\n  passwords: false\n"
	              "  timeout: 5s\n  root: /srv/fixture\n";
	struct profile *p = NULL;
	struct collect_plan plan;
	struct sg_error err;
	int has_pw = 0;
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(profile_parse(text, strlen(text), "p.yaml", cat, &p, &err), SG_OK);
	assert_int_equal(collect_plan_load(p, NULL, &plan, &err), SG_OK);
	assert_int_equal(plan.n, 8); /* every collector but passwords */
	assert_true(fabs(plan.timeout_s - 5) < 1e-9);
	assert_string_equal(plan.root, "/srv/fixture");
	collect_plan_release(&plan);
	assert_int_equal(collect_plan_load(p, "passwords,tls", &plan, &err), SG_OK);
	assert_int_equal(plan.n, 2);
	for (size_t i = 0; i < plan.n; i++)
		has_pw |= !strcmp(plan.v[i].c->name, "passwords");
	assert_true(has_pw); /* named with --only: runs although disabled */
	collect_plan_release(&plan);
	profile_free(p);
}

static void test_path_prefix(void **state)
{
	struct collect_ctx ctx;
	char *s;
	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.root = "/fixture";
	s = collect_path(&ctx, "/etc/shadow");
	assert_string_equal(s, "/fixture/etc/shadow");
	free(s);
	ctx.root = "";
	s = collect_path(&ctx, "/etc/shadow");
	assert_string_equal(s, "/etc/shadow");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_judge_both_sides), cmocka_unit_test(test_duration_text),
	    cmocka_unit_test(test_plan_errors),      cmocka_unit_test(test_plan_selection),
	    cmocka_unit_test(test_path_prefix),
	};
	return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
