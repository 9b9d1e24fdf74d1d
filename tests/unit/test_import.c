/* Unit tests for import: CSV details (BOM, CRLF, quoted newlines and quotes,
 * CP932), header names in either language, the notes and evidence cells,
 * the pattern inferred from references, and errors with positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "catalog_fixture.h"
#include "i18n.h"
#include "import.h"

static int setup(void **state)
{
	i18n_setup();
	return catalog_setup(state);
}

static enum sg_code run(const char *csv, size_t len, int pattern, struct import_result *r,
                        struct sg_error *err)
{
	struct import_opts o = {"テスト", pattern, 0};
	memset(err, 0, sizeof(*err));
	return import_run("t.csv", csv, len ? len : strlen(csv), cat, &o, r, err);
}

static void test_csv_quoting(void **state)
{
	static const char csv[] =
	    "\xEF\xBB\xBF"
	    "項番,状況,担当,証跡,理由・備考\r\n"
	    "II.1.1.1,実施済み,\"総務部, 法務部\",\"方針 (https://x.example.jp/p)\n手順書 "
	    "(docs/手順 (v2).pdf)\",\"一行目\n\"\"二行目\"\"\"\r\n"
	    "III.1.1.2,リスク受容,,,\"予算確保まで（期限 2027-03-31）\nギャップ: 消える\"\r\n";
	struct import_result r;
	struct sg_error err;
	const char *y;
	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, 1, &r, &err), SG_OK);
	y = dynbuf_ptr(&r.yaml);
	assert_non_null(strstr(y, "owner: \"総務部, 法務部\""));
	assert_non_null(strstr(y, "{title: \"方針\", url: \"https://x.example.jp/p\"}"));
	assert_non_null(strstr(y, "{title: \"手順書\", path: \"docs/手順 (v2).pdf\"}"));
	assert_non_null(strstr(y, "notes: \"一行目\\n\\\"二行目\\\"\""));
	assert_non_null(strstr(y, "reason: \"予算確保まで\"\n    expires: 2027-03-31\n"));
	assert_null(strstr(y, "消える"));
	assert_int_equal(r.controls, 2);
	assert_int_equal(r.nissues, 0);
	import_result_release(&r);
}

static void test_english_headers_and_item_ids(void **state)
{
	static const char csv[] = "ID,Status,Owner,Value,Target\n"
	                          "III.1.1.1.a,implemented,ops,1m,30s\n"
	                          "III.1.1.1.b,,,15m,\n"
	                          "III.3.1.3.a,yes,,\"[password, ic_card]\",\n";
	struct import_result r;
	struct sg_error err;
	const char *y;
	(void)state;
	assert_int_equal(run(csv, 0, 2, &r, &err), SG_OK);
	y = dynbuf_ptr(&r.yaml);
	assert_non_null(strstr(y, "values: {a: \"1m\", b: \"15m\"}\n    targets: {a: \"30s\"}"));
	assert_non_null(strstr(y, "values: {a: [password, ic_card]}"));
	assert_non_null(strstr(y, "pattern: 2\n"));
	import_result_release(&r);
}

static void test_unmapped_cells_have_positions(void **state)
{
	static const char csv[] = "項番,状況,値,メモ\n"
	                          "III.1.1.1,実施済み,5 minutes,x\n"
	                          "IV.1.1.1,実施済み,,\n"
	                          "II.1,,,\n" /* a section heading: skipped quietly */
	                          "II.1.1.1,たぶん,,\n";
	struct import_result r;
	struct sg_error err;
	(void)state;
	assert_int_equal(run(csv, 0, 1, &r, &err), SG_OK);
	assert_int_equal(r.nissues, 4);
	assert_int_equal(r.issues[0].row, 1); /* the column nobody reads */
	assert_int_equal(r.issues[0].col, 4);
	assert_int_equal(r.issues[1].row, 2); /* "5 minutes" */
	assert_int_equal(r.issues[1].col, 3);
	assert_int_equal(r.issues[2].row, 3); /* IV.1.1.1 */
	assert_int_equal(r.issues[2].col, 1);
	assert_int_equal(r.issues[3].row, 5); /* たぶん */
	assert_int_equal(r.issues[3].col, 2);
	import_result_release(&r);
}

static void test_guideline_annex3_ids(void **state)
{
	/* The guideline's Annex 3 writes the item letter after the id. */
	static const char csv[] = "対策項目番号,状況,値\n"
	                          "Ⅲ. 1. 1. 1 a,実施済み,1m\n"
	                          "Ⅲ. 1. 1. 4 -,一部実施,\n";
	struct import_result r;
	struct sg_error err;
	(void)state;
	assert_int_equal(run(csv, 0, 1, &r, &err), SG_OK);
	assert_int_equal(r.nissues, 0);
	assert_non_null(strstr(dynbuf_ptr(&r.yaml), "III.1.1.1:\n    status: implemented\n"
	                                            "    values: {a: \"1m\"}\n"));
	assert_non_null(strstr(dynbuf_ptr(&r.yaml), "III.1.1.4:\n    status: partial\n"));
	import_result_release(&r);
}

static void test_cp932(void **state)
{
	/* "項番,状況\nII.1.1.1,実施済み\n" in Shift_JIS */
	static const char csv[] = "\x8d\x80\x94\xd4,\x8f\xf3\x8b\xb5\n"
	                          "II.1.1.1,\x8e\xc0\x8e\x7b\x8d\xcf\x82\xdd\n";
	struct import_result r;
	struct sg_error err;
	(void)state;
	assert_int_equal(run(csv, sizeof(csv) - 1, 1, &r, &err), SG_OK);
	assert_non_null(strstr(dynbuf_ptr(&r.yaml), "II.1.1.1:\n    status: implemented\n"));
	import_result_release(&r);
}

static void test_errors(void **state)
{
	struct import_result r;
	struct sg_error err;
	(void)state;
	assert_int_equal(run("項番,状況\nII.1.1.1,\"open\n\nmore", 0, 1, &r, &err), SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "引用符"));
	/* A quote inside an unquoted field is literal, as in Excel. */
	assert_int_equal(run("項番,担当\nII.1.1.1,ab\"c\n", 0, 1, &r, &err), SG_OK);
	assert_int_equal(r.nissues, 0);
	import_result_release(&r);
	assert_int_equal(run("a,b\n1,2\n", 0, 1, &r, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "見出し行"));
	/* No pattern given, no reference column to infer it from. */
	assert_int_equal(run("項番,状況\nII.1.1.1,実施済み\n", 0, 0, &r, &err), SG_ERR_USAGE);
	assert_non_null(strstr(err.hint, "--pattern"));
	assert_int_equal(run("PK\x03\x04garbage", 0, 1, &r, &err), SG_ERR_INPUT);
}

static void test_pattern_from_references(void **state)
{
	/* III.1.1.1.a: pattern 6's reference differs from pattern 1's. */
	const struct eval_item *it = catalog_item(cat, "III.1.1.1.a");
	struct import_result r;
	struct sg_error err;
	struct dynbuf csv = DYNBUF_INIT;
	(void)state;
	dynbuf_printf(&csv, "項番,評価項目番号,対策参照値,状況\nIII.1.1.1,a,%s%s,実施済み\n",
	              catalog_item_ref(it, 6)->text_ja,
	              catalog_item_ref(it, 6)->required ? "*" : "");
	if (run(dynbuf_ptr(&csv), 0, 0, &r, &err) == SG_OK) {
		/* Unique to one pattern, or shared: then it must not guess. */
		int fits = 0, p = 0;
		for (int k = 0; k < CATALOG_PATTERNS; k++)
			if (!strcmp(catalog_item_ref(it, k + 1)->text_ja,
			            catalog_item_ref(it, 6)->text_ja) &&
			    catalog_item_ref(it, k + 1)->required ==
			        catalog_item_ref(it, 6)->required) {
				fits++;
				p = k + 1;
			}
		assert_int_equal(fits, 1);
		assert_int_equal(r.pattern, p);
		import_result_release(&r);
	} else {
		assert_int_equal(err.code, SG_ERR_USAGE);
	}
	dynbuf_release(&csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_english_headers_and_item_ids),
	    cmocka_unit_test(test_unmapped_cells_have_positions),
	    cmocka_unit_test(test_guideline_annex3_ids),
	    cmocka_unit_test(test_cp932),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_pattern_from_references),
	};
	return cmocka_run_group_tests(tests, setup, catalog_teardown);
}
