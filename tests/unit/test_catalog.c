/*
 * Unit tests for catalog. Data-driven: tests/data/reference_values.tsv and
 * tests/data/controls.tsv were transcribed from the guideline independently
 * of data/catalog/, and every row must agree with the compiled-in catalog.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog_fixture.h"
#include "catalog.h"
#include "fileio.h"

/* Splits a TSV line in place; returns the number of fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static char *load_tsv(const char *name)
{
	char path[512];
	struct dynbuf b = DYNBUF_INIT;
	snprintf(path, sizeof(path), "%s/tests/data/%s", SG_SOURCE_ROOT, name);
	assert_int_equal(fileio_read(path, 0, &b, NULL), SG_OK);
	return dynbuf_detach(&b, NULL);
}

static void test_counts(void **state)
{
	size_t ii = 0, iii = 0, items = 0;
	(void)state;
	for (size_t i = 0; i < cat->ncontrols; i++) {
		if (cat->controls[i].part == 2)
			ii++;
		else
			iii++;
		items += cat->controls[i].nitems;
	}
	assert_int_equal(cat->ncontrols, 68);
	assert_int_equal(ii, 22);
	assert_int_equal(iii, 46);
	assert_int_equal(items, 37);
}

static void test_controls_table(void **state)
{
	char *text = load_tsv("controls.tsv"), *line, *save = NULL;
	int rows = 0;
	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		const struct control *ctl;
		if (!strncmp(line, "control_id", 10))
			continue;
		assert_int_equal(split(line, f, 8), 4);
		ctl = catalog_control(cat, f[0]);
		if (!ctl)
			fail_msg("controls.tsv: %s missing from the catalog", f[0]);
		if (strcmp(catalog_level_name(ctl->level), f[1]))
			fail_msg("%s: level %s, table says %s", f[0],
			         catalog_level_name(ctl->level), f[1]);
		if (ctl->nbest_practices != (size_t)atoi(f[2]))
			fail_msg("%s: %zu best practices, table says %s", f[0],
			         ctl->nbest_practices, f[2]);
		if (ctl->nitems != (size_t)atoi(f[3]))
			fail_msg("%s: %zu evaluation items, table says %s", f[0], ctl->nitems,
			         f[3]);
		rows++;
	}
	assert_int_equal(rows, 68);
	free(text);
}

static void test_reference_values_table(void **state)
{
	char *text = load_tsv("reference_values.tsv"), *line, *save = NULL;
	int rows = 0;
	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		const struct eval_item *it;
		const struct reference_value *r;
		int p;
		if (!strncmp(line, "control_id", 10))
			continue;
		assert_int_equal(split(line, f, 8), 6);
		it = catalog_item(cat, f[2]);
		if (!it)
			fail_msg("reference_values.tsv: %s missing from the catalog", f[2]);
		assert_string_equal(it->control->id, f[0]);
		assert_string_equal(catalog_level_name(it->control->level), f[1]);
		p = atoi(f[3]);
		assert_in_range(p, 1, 6);
		r = catalog_item_ref(it, p);
		if (r->required != atoi(f[4]))
			fail_msg("%s pattern %d: required %d, table says %s", f[2], p, r->required,
			         f[4]);
		if (strcmp(r->text_ja, f[5]))
			fail_msg("%s pattern %d: catalog '%s', table '%s'", f[2], p, r->text_ja,
			         f[5]);
		if (!strcmp(f[5], "-"))
			assert_int_equal(r->kind, REF_NONE);
		else
			assert_int_not_equal(r->kind, REF_NONE);
		rows++;
	}
	assert_int_equal(rows, 37 * 6);
	free(text);
}

/* The typed quantity must say what the Japanese text says: find the number
 * and unit in text_ja and compare. */
static void test_quantities_match_text(void **state)
{
	static const char *const units[] = {"ミリ秒", "秒",   "分",   "時間", "日", "週間",
	                                    "ヶ月",   "か月", "カ月", "年",   NULL};
	(void)state;
	for (size_t i = 0; i < cat->ncontrols; i++)
		for (size_t k = 0; k < cat->controls[i].nitems; k++)
			for (int p = 0; p < 6; p++) {
				const struct eval_item *it = &cat->controls[i].items[k];
				const struct reference_value *r = catalog_item_ref(it, p + 1);
				const char *s = r->text_ja, *d;
				double want = -1, got;
				char buf[64];
				if (r->quantity.type != VALUE_DURATION &&
				    r->quantity.type != VALUE_SERVICE_PLUS)
					continue;
				got = r->quantity.seconds;
				d = r->quantity.type == VALUE_SERVICE_PLUS ? strstr(s, "+") : s;
				assert_non_null(d);
				/* The first number followed (after spaces) by a unit. */
				for (; *d && want < 0; d++) {
					const char *e = d, *u0;
					if (*d < '0' || *d > '9' ||
					    (d > s && d[-1] >= '0' && d[-1] <= '9'))
						continue;
					while (*e >= '0' && *e <= '9')
						e++;
					u0 = e;
					while (*u0 == ' ')
						u0++;
					for (int u = 0; units[u]; u++) {
						if (strncmp(u0, units[u], strlen(units[u])))
							continue;
						snprintf(buf, sizeof(buf), "%.*s%s", (int)(e - d),
						         d, units[u]);
						assert_int_equal(
						    value_parse_duration(buf, &want, NULL), SG_OK);
						break;
					}
				}
				if (want < 0)
					fail_msg("%s p%d: no unit after the number in '%s'", it->id,
					         p + 1, s);
				if (want != got)
					fail_msg("%s p%d: quantity %.0fs but text '%s' says %.0fs",
					         it->id, p + 1, got, s, want);
			}
}

static void test_normalize_id(void **state)
{
	static const char *const in[][2] = {
	    {"III.1.1.1", "III.1.1.1"},     {"Ⅲ. 1. 1. 1", "III.1.1.1"},
	    {"Ⅲ．１．１．１", "III.1.1.1"}, {"iii.1.1.1.A", "III.1.1.1.a"},
	    {"Ⅱ.8.1.1", "II.8.1.1"},        {"III.2", "III.2"},
	};
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(catalog_normalize_id(in[i][0], out, sizeof(out), NULL), SG_OK);
		assert_string_equal(out, in[i][1]);
	}
	assert_int_equal(catalog_normalize_id("IV.1.1", out, sizeof(out), NULL), SG_ERR_INPUT);
	assert_int_equal(catalog_normalize_id("III..1", out, sizeof(out), NULL), SG_ERR_INPUT);
	assert_int_equal(catalog_normalize_id("hello", out, sizeof(out), NULL), SG_ERR_INPUT);
	assert_int_equal(catalog_normalize_id("III.1.1.1.a.b", out, sizeof(out), NULL),
	                 SG_ERR_INPUT);
}

static void test_lookup_and_suggest(void **state)
{
	const char *near[5];
	size_t n;
	(void)state;
	assert_non_null(catalog_control(cat, "Ⅲ. 1. 1. 1"));
	assert_non_null(catalog_item(cat, "III.1.1.1.a"));
	assert_null(catalog_control(cat, "III.9.9.9"));
	n = catalog_suggest(cat, "III.1.1.10", near, 5);
	assert_true(n > 0);
	assert_int_equal(strncmp(near[0], "III.1.1.", 8), 0);
}

static void test_table1(void **state)
{
	(void)state;
	assert_int_equal(catalog_pattern_for(cat, "high", "high", "high"), 1);
	assert_int_equal(catalog_pattern_for(cat, "high", "high", "medium"), 2);
	assert_int_equal(catalog_pattern_for(cat, "high", "high", "low"), 3);
	assert_int_equal(catalog_pattern_for(cat, "low", "high", "high"), 4);
	assert_int_equal(catalog_pattern_for(cat, "low", "high", "medium"), 5);
	assert_int_equal(catalog_pattern_for(cat, "low", "high", "low"), 6);
	assert_int_equal(catalog_pattern_for(cat, "low", "low", "low"), 0);
}

static void test_classify_and_item_ref(void **state)
{
	struct sg_error err;
	const struct eval_item *it = catalog_item(cat, "III.1.1.1.a");
	int p = 0;
	(void)state;

	assert_int_equal(catalog_classify(cat, 1, 0, "medium", &p, NULL), SG_OK);
	assert_int_equal(p, 2);
	assert_int_equal(catalog_classify(cat, 0, 0, "low", &p, NULL), SG_OK);
	assert_int_equal(p, 6);
	memset(&err, 0, sizeof(err));
	assert_int_equal(catalog_classify(cat, 0, 0, "bogus", &p, &err), SG_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "bogus"));
	/* the one accessor: NULL out of range, never an out-of-bounds read */
	assert_ptr_equal(catalog_item_ref(it, 1), &it->refs[0]);
	assert_ptr_equal(catalog_item_ref(it, 6), &it->refs[5]);
	assert_null(catalog_item_ref(it, 0));
	assert_null(catalog_item_ref(it, 7));
	assert_null(catalog_item_ref(it, -1));
	assert_null(catalog_item_ref(NULL, 1));
}

static enum catalog_type_match find(const char *name, size_t *n, const struct service_type **hits)
{
	return catalog_service_type_find(cat, name, hits, 16, n);
}

static void test_table2_never_guesses(void **state)
{
	const struct service_type *hits[16];
	size_t n;
	char *f;
	(void)state;

	f = catalog_fold("ＥＲＰ（財務会計等）");
	assert_string_equal(f, "erp(財務会計等)");
	free(f);
	f = catalog_fold(" IT 資産\u3000管理 ");
	assert_string_equal(f, "it資産管理");
	free(f);
	assert_int_equal(find("ＥＲＰ（財務会計等）", &n, hits), CATALOG_TYPE_FOUND);
	assert_int_equal(hits[0]->pattern, 1);
	assert_int_equal(find("ERP(財務会計等)", &n, hits), CATALOG_TYPE_FOUND);
	assert_int_equal(find("ERP", &n, hits), CATALOG_TYPE_FOUND); /* its short name */
	assert_int_equal(find("IT資産管理", &n, hits), CATALOG_TYPE_FOUND);
	assert_int_equal(hits[0]->pattern, 6);
	assert_int_equal(find("資産管理", &n, hits), CATALOG_TYPE_FOUND);
	assert_int_equal(hits[0]->pattern, 3);
	assert_int_equal(find("eラーニング・LMS", &n, hits), CATALOG_TYPE_FOUND);
	assert_int_equal(hits[0]->pattern, 0);
	assert_int_equal(find("検索サービス", &n, hits), CATALOG_TYPE_AMBIGUOUS);
	assert_int_equal(n, 2);
	assert_int_equal(find("金融業特化型サービス", &n, hits), CATALOG_TYPE_AMBIGUOUS);
	assert_int_equal(find("保険業特化型サービス", &n, hits), CATALOG_TYPE_AMBIGUOUS);
	assert_int_equal(find("EC", &n, hits), CATALOG_TYPE_CANDIDATES);
	assert_int_equal(n, 2);
	assert_int_equal(find("管理", &n, hits), CATALOG_TYPE_CANDIDATES);
	assert_true(n > 5);
	assert_int_equal(find("Web", &n, hits), CATALOG_TYPE_CANDIDATES);
	assert_int_equal(find("人事給与", &n, hits), CATALOG_TYPE_CANDIDATES);
	assert_int_equal(n, 1); /* one candidate is still not a pick */
	assert_int_equal(find("receipt", &n, hits), CATALOG_TYPE_NONE);
	assert_int_equal(find("", &n, hits), CATALOG_TYPE_NONE);
	assert_int_equal(find("   ", &n, hits), CATALOG_TYPE_NONE);
}

static void test_numbering_footnotes_glossary(void **state)
{
	char r[16];
	struct dynbuf b = DYNBUF_INIT;
	const struct control *c = catalog_control(cat, "III.5.1.1");
	const struct eval_item *it = catalog_item(cat, "III.2.1.3.c");
	const char *expect[] = {"i",    "ii", "iii", "iv", "v",   "vi",  "vii",
	                        "viii", "ix", "x",   "xi", "xiv", "xvii"};
	const size_t nums[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 17};
	(void)state;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		catalog_roman(nums[i], r, sizeof(r));
		assert_string_equal(r, expect[i]);
	}
	assert_int_equal(it->nfootnotes, 2);
	assert_int_equal(it->footnotes[0].number, 15);
	assert_string_equal(it->footnotes[0].term_ja, "ホットスタンバイ");
	assert_int_equal(c->nfootnotes, 0);
	assert_int_equal(catalog_item(cat, "III.5.1.1.a")->nfootnotes, 1);
	assert_string_equal(catalog_item(cat, "III.5.1.1.a")->footnotes[0].term_ja, "時刻認証");
	assert_int_equal(cat->nglossary, 26);
	assert_string_equal(catalog_glossary_find(cat, "responsible manager")->term_ja,
	                    "管理責任者");
	assert_string_equal(catalog_glossary_find(cat, "連携ASP・SaaS事業者")->number, "vii");
	assert_null(catalog_glossary_find(cat, "顧客"));
	/* starting points as data */
	assert_string_equal(catalog_item(cat, "III.3.2.5.a")->starts_ja, "検知後");
	assert_string_equal(catalog_item(cat, "III.1.1.8.a")->starts_ja, "発見後");
	assert_string_equal(catalog_item(cat, "III.2.2.1.a")->starts_ja, "ベンダリリースから");
	assert_null(catalog_item(cat, "III.1.1.1.a")->starts_ja);
	/* nested lists */
	catalog_text_render("前文\na) 一\n1) 入れ子\nb) 二", CATALOG_TEXT_HTML, 0, &b);
	assert_string_equal(dynbuf_ptr(&b), "<p>前文</p>\n<ul><li>a) 一</li>\n<ul><li>1) 入れ子"
	                                    "</li>\n</ul><li>b) 二</li>\n</ul>\n");
	dynbuf_reset(&b);
	catalog_text_render("a) 一\n1) 入れ子", CATALOG_TEXT_MARKDOWN, 0, &b);
	assert_string_equal(dynbuf_ptr(&b), "\n- a) 一\n    - 1) 入れ子\n");
	dynbuf_release(&b);
	assert_int_equal(catalog_control(cat, "II.8.1.1")->partners, PARTNERS_ALWAYS);
	assert_int_equal(catalog_control(cat, "II.3.1.1")->partners, PARTNERS_PARTNER);
}

static void test_broken_data_is_refused(void **state)
{
	struct catalog *c = NULL;
	struct sg_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(catalog_load_from(&c, "{", "{}", "{}", &err), SG_OK);
	assert_null(c);
	assert_int_not_equal(
	    catalog_load_from(&c, "{\"controls\":[{\"id\":\"II.1.1.1\",\"level\":\"sometimes\"}]}",
	                      "{}", "{\"patterns\":[]}", &err),
	    SG_OK);
	assert_non_null(strstr(err.msg, "level"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_controls_table),
	    cmocka_unit_test(test_reference_values_table),
	    cmocka_unit_test(test_quantities_match_text),
	    cmocka_unit_test(test_normalize_id),
	    cmocka_unit_test(test_lookup_and_suggest),
	    cmocka_unit_test(test_table1),
	    cmocka_unit_test(test_classify_and_item_ref),
	    cmocka_unit_test(test_table2_never_guesses),
	    cmocka_unit_test(test_numbering_footnotes_glossary),
	    cmocka_unit_test(test_broken_data_is_refused),
	};
	return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
