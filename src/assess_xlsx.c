/*
 * assess_xlsx - the checklists and the SLA table as workbooks (see
 * assess_xlsx.h).
 */
#include <stdlib.h>
#include <string.h>

#include "assess_xlsx.h"
#include "catalog.h"
#include "i18n.h"
#include "sla.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "xlsx.h"
#include "banned.h"

#define L(lang, ja, en) ((lang) == SG_LANG_EN ? (en) : (ja))

static void add_pair(struct table *t, const char *k, const char *v)
{
	const char *row[] = {k, v};
	table_add_row(t, row);
}

static void add_pairf(struct table *t, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_pairf(struct table *t, const char *k, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	add_pair(t, k, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static void verdict_counts(const size_t *v, int lang, struct dynbuf *out)
{
	for (int i = 0; i < CONTROL_VERDICTS; i++)
		dynbuf_printf(out, "%s%s %zu", i ? L(lang, "、", ", ") : "",
		              assess_control_verdict_label((enum control_verdict)i, lang), v[i]);
}

/* The heading lines every sheet shares: who, which pattern, when. */
static void subtitle(const struct assess_result *r, int lang, struct dynbuf *out)
{
	char when[40];

	timeutil_local((long long)r->now, "Asia/Tokyo", 0, when);
	dynbuf_printf(out,
	              L(lang, "サービス: %s　パターン %d　作成日時: %s",
	                "service: %s  pattern %d  written: %s"),
	              r->profile->service.name, r->pattern, when);
}

static void summary_table(const struct assess_result *r, int lang, struct table *t)
{
	const struct assess_summary *s = &r->summary;
	const char *hdr_ja[] = {"項目", "内容"}, *hdr_en[] = {"field", "value"};
	const char *base = strrchr(r->profile->path, '/');
	char when[40];
	struct dynbuf b = DYNBUF_INIT;

	table_init(t, 2, L(lang, hdr_ja, hdr_en));
	add_pair(t, L(lang, "サービス名", "service"), r->profile->service.name);
	add_pairf(t, L(lang, "パターン", "pattern"), "%d", r->pattern);
	add_pair(t, L(lang, "プロファイル", "profile"), base ? base + 1 : r->profile->path);
	timeutil_local((long long)r->now, "Asia/Tokyo", 0, when);
	add_pair(t, L(lang, "評価日時", "assessed at"), when);
	/* the guideline's terms, never pass/fail (I.8.1, I.8.5) */
	add_pair(t, L(lang, "概況", "overview"),
	         s->passed ? L(lang,
	                       "基本の対策項目は全て対策済み・対象外・リスク受容で、* の評価項目は"
	                       "全て参照値を満たしています",
	                       "every basic countermeasure is in place, not applicable or an "
	                       "accepted risk, and every * item meets its reference value")
	                   : L(lang, "基本の対策項目か * の評価項目に要対応のものがあります",
	                       "some basic countermeasures or * items are to be addressed"));
	add_pair(t, L(lang, "注記", "note"), assess_caveat_text(lang));
	verdict_counts(s->basic_verdicts, lang, &b);
	add_pair(t, L(lang, "基本の対策項目", "basic countermeasures"), dynbuf_ptr(&b));
	dynbuf_reset(&b);
	verdict_counts(s->recommended_verdicts, lang, &b);
	add_pair(t, L(lang, "推奨の対策項目", "recommended countermeasures"), dynbuf_ptr(&b));
	dynbuf_reset(&b);
	for (int i = 0; i < ITEM_VERDICTS; i++)
		dynbuf_printf(&b, "%s%s %zu", i ? L(lang, "、", ", ") : "",
		              assess_item_verdict_label((enum item_verdict)i, lang),
		              s->item_verdicts[i]);
	add_pair(t, L(lang, "評価項目", "evaluation items"), dynbuf_ptr(&b));
	add_pairf(t, L(lang, "* の評価項目", "* items"),
	          L(lang, "%zu 件中 %zu 件が参照値を満たす", "%zu of %zu meet the reference value"),
	          lang == SG_LANG_EN ? s->required_met : s->required_items,
	          lang == SG_LANG_EN ? s->required_items : s->required_met);
	add_pairf(t, L(lang, "計測値で判定した評価項目", "items judged on measurements"), "%zu",
	          s->measured_items);
	add_pair(t, L(lang, "ガイドライン", "guideline"),
	         L(lang, CATALOG_EDITION_JA, CATALOG_EDITION_EN));
	add_pair(t, L(lang, "凡例（実施チェック）", "legend (implemented)"),
	         L(lang, "○ 対策済み　× 要対応・未評価　－ 対象外　△ リスク受容",
	           "yes in place, no to be addressed or not assessed, n/a not applicable, "
	           "accepted: accepted risk"));
	add_pairf(t, L(lang, "作成", "written by"), "saasguard %s", SAASGUARD_VERSION);
	dynbuf_release(&b);
}

/* The checklist rows of one annex (column 0 says which). */
static void annex_rows(const struct table *all, const char *annex, struct table *t)
{
	table_init(t, all->ncols, (const char *const *)all->cells);
	for (size_t r = 1; r < all->nrows; r++)
		if (!strcmp(all->cells[r * all->ncols], annex))
			table_add_row(t, (const char *const *)&all->cells[r * all->ncols]);
}

enum sg_code assess_xlsx(const struct assess_result *r, const struct assess_write_opts *o,
                         struct dynbuf *out, struct sg_error *err)
{
	/* Annex 2 has no evaluation items: 項番, 対策項目, 区分, 実施チェック, 状況,
	 * 担当, 証跡, 理由・備考. Annex 3 shows every column but the annex's. */
	static const size_t cols2[] = {1, 3, 4, 11, 12, 13, 14, 15};
	static const double width2[] = {12, 60, 8, 8, 12, 18, 40, 50};
	static const size_t cols3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const double width3[] = {12, 6, 50, 8, 24, 24, 14, 14, 14, 12, 8, 12, 18, 36, 44};
	static const double width_summary[] = {30, 90};
	int lang = o->lang;
	struct table all, a2, a3, sum;
	struct dynbuf sub = DYNBUF_INIT, t2 = DYNBUF_INIT, t3 = DYNBUF_INIT, title = DYNBUF_INIT;
	enum sg_code rc;

	assess_checklist_table(r, o, &all);
	annex_rows(&all, "Annex 2", &a2);
	annex_rows(&all, "Annex 3", &a3);
	summary_table(r, lang, &sum);
	subtitle(r, lang, &sub);
	dynbuf_printf(&title, L(lang, "ガイドライン対応状況の評価: %s", "Guideline assessment: %s"),
	              r->profile->service.name);
	dynbuf_addstr(&t2, L(lang, "Annex 2 組織・運用編 対策項目一覧表",
	                     "Annex 2 Organisational and operational countermeasures"));
	dynbuf_addstr(&t3, L(lang, "Annex 3 物理的・技術的対策編 対策項目一覧表",
	                     "Annex 3 Physical and technical countermeasures"));
	{
		const struct xlsx_sheet sheets[] = {
		    {L(lang, ASSESS_XLSX_SUMMARY_JA, ASSESS_XLSX_SUMMARY_EN), dynbuf_ptr(&title),
		     dynbuf_ptr(&sub), &sum, NULL, 0, width_summary},
		    {L(lang, ASSESS_XLSX_ANNEX2_JA, ASSESS_XLSX_ANNEX2_EN), dynbuf_ptr(&t2),
		     dynbuf_ptr(&sub), &a2, cols2, sizeof(cols2) / sizeof(cols2[0]), width2},
		    {L(lang, ASSESS_XLSX_ANNEX3_JA, ASSESS_XLSX_ANNEX3_EN), dynbuf_ptr(&t3),
		     dynbuf_ptr(&sub), &a3, cols3, sizeof(cols3) / sizeof(cols3[0]), width3},
		};
		const struct xlsx_doc doc = {dynbuf_ptr(&title), CATALOG_EDITION_JA,
		                             (long long)r->now};
		rc = xlsx_write(&doc, sheets, 3, out, err);
	}
	table_release(&all);
	table_release(&a2);
	table_release(&a3);
	table_release(&sum);
	dynbuf_release(&sub);
	dynbuf_release(&t2);
	dynbuf_release(&t3);
	dynbuf_release(&title);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

enum sg_code sla_xlsx(const struct assess_result *r, int lang, struct dynbuf *out,
                      struct sg_error *err)
{
	const char *cols_ja[] = {"項番",   "評価項目",     "区分", "対策参照値",
	                         "約定値", "約定値の根拠", "条項"};
	const char *cols_en[] = {"item",      "evaluation item", "level", "reference value",
	                         "committed", "committed from",  "clause"};
	static const double widths[] = {14, 30, 8, 24, 16, 12, 70};
	static const double width_summary[] = {30, 90};
	json_t *j = sla_to_json(r), *c;
	size_t i;
	struct table t, sum;
	struct dynbuf sub = DYNBUF_INIT, title = DYNBUF_INIT, note = DYNBUF_INIT;
	enum sg_code rc;

	table_init(&t, 7, L(lang, cols_ja, cols_en));
	json_array_foreach(json_object_get(j, "commitments"), i, c)
	{
		const char *level = jstr(c, "level"), *from = jstr(c, "committed_from");
		struct dynbuf ref = DYNBUF_INIT;
		dynbuf_printf(&ref, "%s%s", jstr(c, "reference_ja"),
		              json_is_true(json_object_get(c, "required")) ? "*" : "");
		const char *row[] = {
		    jstr(c, "id"),
		    L(lang, jstr(c, "name_ja"), jstr(c, "name_en")),
		    lang == SG_LANG_EN        ? level
		    : !strcmp(level, "basic") ? "基本"
		                              : "推奨",
		    dynbuf_ptr(&ref),
		    /* in words (「1ヶ月」), never the token */
		    json_is_string(json_object_get(c, "committed"))
		        ? L(lang, jstr(c, "committed_ja"), jstr(c, "committed_en"))
		        : "-",
		    !strcmp(from, "target")      ? L(lang, "当社の目標", "own target")
		    : !strcmp(from, "declared")  ? L(lang, "当社の申告", "declared")
		    : !strcmp(from, "reference") ? L(lang, "対策参照値", "reference value")
		                                 : "",
		    L(lang, jstr(c, "clause_ja"), jstr(c, "clause_en")),
		};
		table_add_row(&t, row);
		dynbuf_release(&ref);
	}
	json_decref(j);
	subtitle(r, lang, &sub);
	dynbuf_printf(&title,
	              L(lang, "サービスレベル合意（SLA）の約定値: %s", "SLA commitments: %s"),
	              r->profile->service.name);
	{
		const char *hdr_ja[] = {"項目", "内容"}, *hdr_en[] = {"field", "value"};
		table_init(&sum, 2, L(lang, hdr_ja, hdr_en));
		add_pair(&sum, L(lang, "サービス名", "service"), r->profile->service.name);
		add_pairf(&sum, L(lang, "パターン", "pattern"), "%d", r->pattern);
		add_pairf(&sum, L(lang, "約定する評価項目", "evaluation items committed to"), "%zu",
		          t.nrows - 1);
		dynbuf_printf(
		    &note, "%s",
		    L(lang,
		      "総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」の評価項目"
		      "について、当社が約定する値（約定値）を示します。約定値は当社の目標値、目標が"
		      "ない項目は当社の申告値、いずれもない項目は対策参照値です。* は特に達成が"
		      "必要な値です。",
		      "The values committed to for each evaluation item of the MIC ASP/SaaS "
		      "information security guideline: the provider's target, else the value it "
		      "declared, else the reference value. * marks a value that must especially "
		      "be met."));
		add_pair(&sum, L(lang, "説明", "about"), dynbuf_ptr(&note));
		add_pair(&sum, L(lang, "ガイドライン", "guideline"),
		         L(lang, CATALOG_EDITION_JA, CATALOG_EDITION_EN));
	}
	{
		const struct xlsx_sheet sheets[] = {
		    {L(lang, ASSESS_XLSX_SUMMARY_JA, ASSESS_XLSX_SUMMARY_EN), dynbuf_ptr(&title),
		     dynbuf_ptr(&sub), &sum, NULL, 0, width_summary},
		    {L(lang, "SLA 約定値", "SLA commitments"), dynbuf_ptr(&title), dynbuf_ptr(&sub),
		     &t, NULL, 0, widths},
		};
		const struct xlsx_doc doc = {dynbuf_ptr(&title), CATALOG_EDITION_JA,
		                             (long long)r->now};
		rc = xlsx_write(&doc, sheets, 2, out, err);
	}
	table_release(&t);
	table_release(&sum);
	dynbuf_release(&sub);
	dynbuf_release(&title);
	dynbuf_release(&note);
	return rc;
}
