/* Unit tests for table: width-aligned Japanese, CSV with BOM, Markdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "table.h"

static void test_width(void **state)
{
	(void)state;
	i18n_setup();
	assert_int_equal(i18n_display_width("abc"), 3);
	assert_int_equal(i18n_display_width("稼働監視"), 8);
	assert_int_equal(i18n_display_width("ＡＢ"), 4);
	assert_int_equal(i18n_fit_bytes("稼働監視", 5), 6); /* two characters */
}

static void test_text_alignment(void **state)
{
	const char *h[] = {"id", "title"};
	const char *r1[] = {"III.1.1.1", "稼働監視"};
	const char *r2[] = {"x", "ab"};
	struct table t;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	i18n_setup();
	table_init(&t, 2, h);
	table_add_row(&t, r1);
	table_add_row(&t, r2);
	assert_int_equal(table_render(&t, TABLE_TEXT, &b), SG_OK);
	/* The second column starts at the same display column on every line. */
	assert_non_null(strstr(dynbuf_ptr(&b), "id         title\n"));
	assert_non_null(strstr(dynbuf_ptr(&b), "III.1.1.1  稼働監視\n"));
	assert_non_null(strstr(dynbuf_ptr(&b), "x          ab\n"));
	table_release(&t);
	dynbuf_release(&b);
}

static void test_csv(void **state)
{
	const char *h[] = {"a", "b"};
	const char *r[] = {"x,y", "say \"hi\""};
	struct table t;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	table_init(&t, 2, h);
	table_add_row(&t, r);
	table_render(&t, TABLE_CSV, &b);
	assert_string_equal(dynbuf_ptr(&b), "\xEF\xBB\xBF"
	                                    "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
	table_release(&t);
	dynbuf_release(&b);
}

static void test_markdown(void **state)
{
	const char *h[] = {"a", "b"};
	const char *r[] = {"x|y", "z"};
	struct table t;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	table_init(&t, 2, h);
	table_add_row(&t, r);
	table_render(&t, TABLE_MARKDOWN, &b);
	assert_string_equal(dynbuf_ptr(&b), "| a | b |\n|---|---|\n| x\\|y | z |\n");
	table_release(&t);
	dynbuf_release(&b);
}

static void test_truncation(void **state)
{
	const char *h[] = {"t"};
	const char *r[] = {"あいうえおかきくけこ"};
	struct table t;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	i18n_setup();
	table_init(&t, 1, h);
	t.max_width = 7;
	table_add_row(&t, r);
	table_render(&t, TABLE_TEXT, &b);
	assert_non_null(strstr(dynbuf_ptr(&b), "あいう…\n"));
	table_release(&t);
	dynbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_width),      cmocka_unit_test(test_text_alignment),
	    cmocka_unit_test(test_csv),        cmocka_unit_test(test_markdown),
	    cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
