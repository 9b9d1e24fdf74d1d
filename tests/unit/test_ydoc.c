/* Unit tests for ydoc: positions, refusals (duplicates, aliases), readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dynbuf.h"
#include "ydoc.h"

static struct ydoc *parse_ok(const char *text)
{
	struct ydoc *d = NULL;
	struct sg_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(ydoc_parse(text, strlen(text), "t.yaml", &d, &err), SG_OK);
	return d;
}

static void test_positions(void **state)
{
	struct ydoc *d = parse_ok("service:\n  name: x\n  pattern: 7\n");
	struct ydoc_node *svc = ydoc_get(d->root, "service");
	struct ydoc_node *p = ydoc_get(svc, "pattern");
	struct sg_error err;
	long long v;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_non_null(p);
	assert_int_equal(p->line, 3);
	assert_int_equal(p->col, 12);
	assert_int_equal(ydoc_int(d, p, "service.pattern", 1, 6, &v, &err), SG_ERR_INPUT);
	assert_string_equal(err.file, "t.yaml");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 12);
	ydoc_free(d);
}

/* Input ydoc_parse() refuses, at the line it names. */
static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *msg; /* in the English message; NULL: not checked */
		int hint;        /* a hint is given */
	} cases[] = {
	    {"a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'", 0},
	    {"a: &x [1, 2]\nb: *x\n", 2, NULL, 0}, /* aliases are refused */
	    {"a: 1\n b: 2\n", 2, NULL, 1},         /* a syntax error */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ydoc *d = NULL;
		struct sg_error err;
		memset(&err, 0, sizeof(err));
		err.lang = 1;
		assert_int_equal(
		    ydoc_parse(cases[i].text, strlen(cases[i].text), "t.yaml", &d, &err),
		    SG_ERR_INPUT);
		assert_null(d);
		assert_int_equal(err.line, cases[i].line);
		if (cases[i].msg)
			assert_non_null(strstr(err.msg, cases[i].msg));
		if (cases[i].hint)
			assert_true(err.hint[0] != '\0');
	}
}

static void test_unknown_key_suggestion(void **state)
{
	static const char *const allowed[] = {"name", "pattern", "classification", NULL};
	struct ydoc *d = parse_ok("name: x\npatern: 1\n");
	struct sg_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	err.lang = 1;
	assert_int_equal(ydoc_check_keys(d, d->root, allowed, "service", &err), SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.hint, "did you mean 'pattern'?");
	ydoc_free(d);
}

static void test_values(void **state)
{
	struct ydoc *d = parse_ok("a: 5m\nb: [password, ic_card]\nc: 5 minutes\nd: [tls, bogus]\n"
	                          "e: 2026-12-01T02:00+09:00\nf: yes\ng:\n");
	struct value v;
	struct sg_error err;
	long long t;
	int b;
	(void)state;
	memset(&err, 0, sizeof(err));
	err.lang = 1;
	assert_int_equal(ydoc_value(d, ydoc_get(d->root, "a"), "a", &v, &err), SG_OK);
	assert_int_equal(v.type, VALUE_DURATION);
	assert_int_equal(ydoc_value(d, ydoc_get(d->root, "b"), "b", &v, &err), SG_OK);
	assert_int_equal(v.set, SET_AUTH);
	assert_int_equal(v.members, AUTH_PASSWORD | AUTH_IC_CARD);
	assert_int_equal(ydoc_value(d, ydoc_get(d->root, "c"), "c", &v, &err), SG_ERR_INPUT);
	assert_string_equal(err.hint, "use 5m");
	assert_int_equal(err.line, 3);
	assert_int_equal(ydoc_value(d, ydoc_get(d->root, "d"), "d", &v, &err), SG_ERR_INPUT);
	assert_int_equal(err.line, 4);
	assert_int_equal(ydoc_time(d, ydoc_get(d->root, "e"), "e", &t, &err), SG_OK);
	assert_int_equal(t, 1796058000); /* 2026-11-30T17:00:00Z */
	assert_int_equal(ydoc_bool(d, ydoc_get(d->root, "f"), "f", &b, &err), SG_OK);
	assert_true(b);
	assert_true(ydoc_is_null(ydoc_get(d->root, "g")));
	ydoc_free(d);
}

/* Well-formed flow sequences nested n deep ("[[[]]]"). */
static char *nested(int n)
{
	char *t = malloc(2 * (size_t)n + 1);
	memset(t, '[', (size_t)n);
	memset(t + n, ']', (size_t)n);
	t[2 * n] = '\0';
	return t;
}

/* The limit, not a syntax error, refuses deep nesting: 64 levels parse,
 * 65 and 100 (valid YAML both) are refused with the depth message. */
static void test_deep_nesting_refused(void **state)
{
	struct ydoc *d = NULL;
	struct sg_error err;
	char *t;
	(void)state;
	memset(&err, 0, sizeof(err));
	err.lang = 1;
	t = nested(64);
	assert_int_equal(ydoc_parse(t, strlen(t), "t.yaml", &d, &err), SG_OK);
	ydoc_free(d);
	free(t);
	for (int n = 65; n <= 100; n += 35) {
		t = nested(n);
		memset(&err, 0, sizeof(err));
		err.lang = 1;
		assert_int_equal(ydoc_parse(t, strlen(t), "t.yaml", &d, &err), SG_ERR_INPUT);
		assert_string_equal(err.msg, "nesting deeper than 64");
		assert_int_equal(err.col, 65);
		free(t);
	}
}

/* The duplicate-key check is linear: 200,000 distinct keys parse (the old
 * quadratic check took 4.9 s for 40,000 and would take minutes here; run.py's
 * per-test timeout catches that), and a duplicate at the end is still found
 * with the first key's line. bench/ydoc.sh times it. */
static void test_many_keys(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	struct ydoc *d = NULL;
	struct sg_error err;
	const size_t n = 200000;
	(void)state;
	memset(&err, 0, sizeof(err));
	err.lang = 1;
	for (size_t i = 0; i < n; i++)
		dynbuf_printf(&b, "k%zu: %zu\n", i, i);
	assert_int_equal(dynbuf_status(&b), SG_OK);
	assert_int_equal(ydoc_parse(dynbuf_ptr(&b), dynbuf_len(&b), "big.yaml", &d, &err), SG_OK);
	assert_int_equal(d->root->npairs, n);
	assert_string_equal(ydoc_get(d->root, "k199999")->scalar, "199999");
	ydoc_free(d);
	dynbuf_printf(&b, "k123456: again\n");
	assert_int_equal(ydoc_parse(dynbuf_ptr(&b), dynbuf_len(&b), "big.yaml", &d, &err),
	                 SG_ERR_INPUT);
	assert_string_equal(err.msg, "duplicate key 'k123456' (first at line 123457)");
	assert_int_equal(err.line, (int)n + 1);
	dynbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_unknown_key_suggestion),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_deep_nesting_refused),
	    cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
