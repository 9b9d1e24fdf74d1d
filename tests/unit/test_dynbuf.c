/* Unit tests for dynbuf: growth, limits, escaping, detach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dynbuf.h"

static void test_grow_and_printf(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	assert_string_equal(dynbuf_ptr(&b), "");
	for (int i = 0; i < 1000; i++)
		dynbuf_printf(&b, "%d,", i);
	assert_int_equal(dynbuf_status(&b), SG_OK);
	assert_int_equal(strncmp(dynbuf_ptr(&b), "0,1,2,", 6), 0);
	assert_int_equal(dynbuf_len(&b), strlen(dynbuf_ptr(&b)));
	dynbuf_setlen(&b, 2);
	assert_string_equal(dynbuf_ptr(&b), "0,");
	dynbuf_release(&b);
	assert_int_equal(dynbuf_len(&b), 0);
}

static void test_limit(void **state)
{
	struct dynbuf b;
	(void)state;
	dynbuf_init(&b, 8);
	dynbuf_addstr(&b, "12345678");
	assert_int_equal(dynbuf_status(&b), SG_OK);
	dynbuf_addch(&b, '9');
	assert_int_equal(dynbuf_status(&b), SG_ERR_NOMEM);
	assert_string_equal(dynbuf_ptr(&b), "12345678");
	/* Sticky: a later append that would fit is refused too, so no silent gap. */
	dynbuf_setlen(&b, 4);
	dynbuf_addch(&b, 'x');
	assert_string_equal(dynbuf_ptr(&b), "1234");
	assert_int_equal(dynbuf_status(&b), SG_ERR_NOMEM);
	dynbuf_reset(&b);
	assert_int_equal(dynbuf_status(&b), SG_OK);
	dynbuf_addch(&b, 'y');
	assert_string_equal(dynbuf_ptr(&b), "y");
	dynbuf_release(&b);
}

static void test_escape(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	dynbuf_add_html_escaped(&b, "<a href='x'>&</a>");
	assert_string_equal(dynbuf_ptr(&b), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
	dynbuf_release(&b);
}

static void test_detach(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	size_t len;
	char *p;
	(void)state;
	dynbuf_addstr(&b, "hello");
	p = dynbuf_detach(&b, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_null(b.buf);
	free(p);
	p = dynbuf_detach(&b, NULL);
	assert_string_equal(p, "");
	free(p);
}

/* Control characters never survive into a log line; Japanese text does. */
static void test_line_escaped(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	dynbuf_add_line_escaped(&b, "a\r\nb\tc\\d\x1b[2J\x7f\xc2\x85"
	                            "e 給与");
	assert_int_equal(dynbuf_status(&b), SG_OK);
	assert_string_equal(dynbuf_ptr(&b), "a\\r\\nb\\tc\\\\d\\x1b[2J\\x7f\\xc2\\x85e 給与");
	dynbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_escaped), cmocka_unit_test(test_grow_and_printf),
	    cmocka_unit_test(test_limit),        cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_detach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
