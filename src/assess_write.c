/*
 * assess_write - the assessment's writers; see assess_write.h.
 */
#include <stdlib.h>
#include <string.h>

#include "assess_write.h"
#include "hex.h"
#include "i18n.h"
#include "judge.h"
#include "oscal.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

const char *const assess_format_names[] = {"table", "json",  "markdown", "html",
                                           "csv",   "oscal", "xlsx",     NULL};

#define L(o, ja, en) ((o)->lang == SG_LANG_EN ? (en) : (ja))

static const char *title_of(const struct control *c, int lang)
{
	return lang == SG_LANG_EN ? c->title_en : c->title_ja;
}

static const char *item_name(const struct eval_item *it, int lang)
{
	return lang == SG_LANG_EN ? it->name_en : it->name_ja;
}

static void ref_text_lang(const struct assess_item *ai, int lang, struct dynbuf *out)
{
	assess_reference_words(ai, lang, out);
	dynbuf_addstr(out, ai->ref->required ? "*" : "");
}

static void ref_text(const struct assess_item *ai, struct dynbuf *out)
{
	ref_text_lang(ai, SG_LANG_JA, out);
}

static void date_text(long long t, struct dynbuf *out)
{
	char buf[40];

	timeutil_local(t, "Asia/Tokyo", 0, buf);
	buf[10] = '\0';
	dynbuf_addstr(out, buf);
}

static void item_gap_line(const struct assess_item *ai, int lang, struct dynbuf *out)
{
	dynbuf_printf(out, "%c %s: ", ai->item->letter, item_name(ai->item, lang));
	if (ai->verdict == ITEM_NO_VALUE) {
		dynbuf_addstr(out, TR(lang, "値が未記入（", "no value given ("));
	} else {
		assess_item_words(ai, ASSESS_VALUE, lang, out);
		dynbuf_addstr(out, ai->provenance == PROVENANCE_MEASURED
		                       ? TR(lang, "［計測］", " [measured]")
		                       : "");
		dynbuf_addstr(out, TR(lang, "（", " ("));
	}
	if (ai->threshold_is_target) {
		dynbuf_addstr(out, TR(lang, "目標 ", "target "));
		assess_item_words(ai, ASSESS_TARGET, lang, out);
		if (ai->ref->kind != REF_NONE) {
			dynbuf_addstr(out, TR(lang, "、対策参照値 ", ", reference value "));
			ref_text_lang(ai, lang, out);
		}
	} else {
		dynbuf_addstr(out, TR(lang, "対策参照値 ", "reference value "));
		ref_text_lang(ai, lang, out);
	}
	dynbuf_addstr(out, TR(lang, "）", ")"));
}

/* One line per reason a control is a gap, in the language asked for
 * ("a 死活監視インターバル（応答確認）: 10m（対策参照値 1回以上／5分*）"),
 * joined by sep. */
static void assess_gap_text(const struct assess_result *r, const struct assess_control *ac,
                            int lang, const char *sep, struct dynbuf *out)
{
	const struct profile_control *pc = ac->declared;
	size_t start = out->len;

	(void)r;
#define SEP()                                                                                      \
	do {                                                                                       \
		if (out->len > start)                                                              \
			dynbuf_addstr(out, sep);                                                   \
	} while (0)
	if (ac->reasons & GAP_NOT_ASSESSED)
		dynbuf_addstr(out,
		              TR(lang, "プロファイルに記載がありません", "not in the profile"));
	if (ac->reasons & GAP_STATUS) {
		SEP();
		dynbuf_printf(out, TR(lang, "状況: %s", "status: %s"),
		              assess_control_status_label(pc->status, lang));
	}
	if (ac->reasons & GAP_PARTNERS) {
		SEP();
		dynbuf_addstr(
		    out, ac->control->partners == PARTNERS_ALWAYS
		             ? TR(lang,
		                  "対象外にはできません（連携 ASP・SaaS 事業者の有無にかかわらず、"
		                  "利用者と契約する事業者が一元的に実施）",
		                  "cannot be not applicable (the provider contracting with users "
		                  "does this whether or not partner services are used)")
		             : TR(lang,
		                  "対象外にはできません（プロファイルの partners: に連携 ASP・SaaS "
		                  "事業者・外部委託先があります）",
		                  "cannot be not applicable (partners: in the profile lists "
		                  "partner services or contractors)"));
	}
	if (ac->reasons & GAP_MEASURED) {
		SEP();
		dynbuf_printf(out,
		              TR(lang, "計測で指摘あり（%s）: %s", "finding measured by %s: %s"),
		              ac->finding_source, ac->finding_detail);
	}
	if (ac->reasons & GAP_RISK_EXPIRED) {
		SEP();
		dynbuf_addstr(out, TR(lang, "リスク受容の期限切れ（", "accepted risk expired ("));
		date_text(pc->expires, out);
		dynbuf_addstr(out, TR(lang, "）", ")"));
	}
	for (size_t k = 0; k < ac->nitems; k++) {
		const struct assess_item *ai = &ac->items[k];
		if (ai->verdict != ITEM_FALLS_SHORT && ai->verdict != ITEM_NO_VALUE)
			continue;
		if (ai->verdict == ITEM_NO_VALUE &&
		    (ac->verdict == CONTROL_NOT_ASSESSED || pc->status == STATUS_PLANNED ||
		     pc->status == STATUS_NOT_IMPLEMENTED))
			continue;
		SEP();
		item_gap_line(ai, lang, out);
	}
#undef SEP
}

static int gap_cmp_sev(const struct assess_result *r, size_t a, size_t b)
{
	enum severity sa = r->controls[a].severity, sb = r->controls[b].severity;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Indexes of the controls that are gaps or not assessed, ordered by severity
 * (critical first) then catalog id; *n receives the count. Caller frees. */
static size_t *assess_gap_order(const struct assess_result *r, size_t *n)
{
	size_t *idx = xcalloc(r->ncontrols ? r->ncontrols : 1, sizeof(*idx)), count = 0;

	for (size_t i = 0; i < r->ncontrols; i++)
		if (r->controls[i].verdict == CONTROL_GAP ||
		    r->controls[i].verdict == CONTROL_NOT_ASSESSED)
			idx[count++] = i;
	/* insertion sort: 68 controls at most */
	for (size_t i = 1; i < count; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && gap_cmp_sev(r, v, idx[j - 1]) < 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	*n = count;
	return idx;
}

static void items_cell(const struct assess_control *ac, int lang, struct dynbuf *out)
{
	for (size_t k = 0; k < ac->nitems; k++) {
		const struct assess_item *ai = &ac->items[k];
		const char *mark = ai->verdict == ITEM_MEETS         ? "✓"
		                   : ai->verdict == ITEM_FALLS_SHORT ? "✗"
		                   : ai->verdict == ITEM_NO_VALUE    ? "?"
		                                                     : "-";
		dynbuf_printf(out, "%s%c:", k ? " " : "", ai->item->letter);
		assess_item_words(ai, ASSESS_VALUE, lang, out);
		dynbuf_printf(out, "%s%s", mark, ai->provenance == PROVENANCE_MEASURED ? "ᵐ" : "");
	}
}

const char *assess_caveat_text(int lang)
{
	return TR(lang,
	          "ガイドライン I.8.1 のとおり、対策項目は認証基準のような実施必須事項ではなく、"
	          "情報セキュリティ対策を実施する上での指標です。対策参照値は実施レベルの目安"
	          "（I.8.5）であり、* の値は特に達成が必要とされています。本評価はこれらとの照合"
	          "結果であり、認証や合否を示すものではありません。",
	          "As I.8.1 of the guideline says, the countermeasures are indicators for "
	          "information security measures, not mandatory requirements such as "
	          "certification criteria. Reference values are guides to the level of "
	          "implementation (I.8.5); values marked * are those especially to be met. This "
	          "assessment compares the service with them; it is not a certification.");
}

/* I.3's scope, I.4's "not exhaustive" and I.8.6's who reads what, for the
 * introduction of an assessment. */
static const char *assess_scope_text(int lang)
{
	return TR(lang,
	          "対象範囲（I.3）: ASP・SaaS 事業者がサービスを提供する際に実施すべき対策を対象と"
	          "し、利用者が契約の範囲外で独自に利用するハードウェア・ソフトウェア、利用者が"
	          "契約する通信回線及びインターネット・サービスは対象外です。ガイドラインの対策を"
	          "全て実施しても、あらゆる情報セキュリティ脅威に対応できるものではありません"
	          "（I.4）。読み方（I.8.6）: 経営者等の組織管理者は II 組織・運用編の対策を、運用"
	          "現場の技術者はパターンを確認のうえ III 物理的・技術的対策編の対策を「基本」から"
	          "優先して確認してください。",
	          "Scope (I.3): the measures a provider should take when providing its service; "
	          "hardware and software users run outside the contract, and the lines and "
	          "Internet services users contract for, are out of scope. Carrying out every "
	          "countermeasure does not meet every information security threat (I.4). How to "
	          "read (I.8.6): managers read the countermeasures of part II (organisation and "
	          "operation); technicians confirm the pattern, then read part III (physical and "
	          "technical), basic countermeasures first.");
}

/* The * items that do not meet (falls short or no value), not exempt. */
static void required_counts(const struct assess_result *r, size_t *shortn, size_t *novalue)
{
	*shortn = *novalue = 0;
	for (size_t i = 0; i < r->ncontrols; i++)
		for (size_t k = 0; k < r->controls[i].nitems; k++) {
			const struct assess_item *ai = &r->controls[i].items[k];
			if (!ai->ref->required)
				continue;
			*shortn += ai->verdict == ITEM_FALLS_SHORT;
			*novalue += ai->verdict == ITEM_NO_VALUE;
		}
}

static void group_line(const size_t *v, const char *name_ja, const char *name_en, int lang,
                       struct dynbuf *out)
{
	size_t total = 0;

	for (int i = 0; i < CONTROL_VERDICTS; i++)
		total += v[i];
	dynbuf_printf(
	    out,
	    TR(lang,
	       "%s %zu 件: 対策済み %zu、要対応 %zu、対象外 %zu、リスク受容 %zu、未評価 %zu\n",
	       "%s: %zu: %zu in place, %zu to be addressed, %zu not applicable, %zu "
	       "accepted risk, %zu not assessed\n"),
	    TR(lang, name_ja, name_en), total, v[CONTROL_COMPLIANT], v[CONTROL_GAP],
	    v[CONTROL_NOT_APPLICABLE], v[CONTROL_ACCEPTED_RISK], v[CONTROL_NOT_ASSESSED]);
}

/* The summary in three groups: the * items, the basic countermeasures, the
 * rest (recommended countermeasures and the other items). */
static void summary_line(const struct assess_result *r, int lang, struct dynbuf *out)
{
	const struct assess_summary *s = &r->summary;
	size_t req_short, req_none;

	required_counts(r, &req_short, &req_none);
	dynbuf_printf(
	    out,
	    TR(lang,
	       "* の評価項目（特に達成が必要な値）%zu 件: 参照値を満たす %zu、参照値に達しない "
	       "%zu、値なし %zu\n",
	       "* evaluation items (values especially to be met): %zu: %zu meet the "
	       "reference value, %zu short of it, %zu without a value\n"),
	    s->required_items, s->required_met, req_short, req_none);
	group_line(s->basic_verdicts, "基本の対策項目", "Basic countermeasures", lang, out);
	group_line(s->recommended_verdicts, "推奨の対策項目", "Recommended countermeasures", lang,
	           out);
	dynbuf_printf(
	    out,
	    TR(lang,
	       "評価項目 全 %zu 件: 参照値を満たす %zu、参照値に達しない %zu、値なし %zu、"
	       "参照値なし %zu、対象外 %zu（計測値 %zu）\n",
	       "All %zu evaluation items: %zu meet the reference value, %zu short of "
	       "it, %zu without a value, %zu without a reference value, %zu not "
	       "applicable (%zu measured)\n"),
	    s->items, s->item_verdicts[ITEM_MEETS], s->item_verdicts[ITEM_FALLS_SHORT],
	    s->item_verdicts[ITEM_NO_VALUE], s->item_verdicts[ITEM_NO_REFERENCE],
	    s->item_verdicts[ITEM_NOT_APPLICABLE], s->measured_items);
}

static const char *verdict_line(const struct assess_result *r, int lang, int strict)
{
	int ok = strict ? r->summary.passed_strict : r->summary.passed;

	if (ok)
		return strict
		           ? TR(lang,
		                "推奨を含む全ての対策項目が、対策済み・対象外・リスク受容です。",
		                "Every countermeasure, recommended ones too, is in place, not "
		                "applicable or an accepted risk.")
		           : TR(lang,
		                "基本の対策項目は全て対策済み・対象外・リスク受容で、* の評価項目は"
		                "全て参照値を満たしています。",
		                "Every basic countermeasure is in place, not applicable or an "
		                "accepted risk, and every * item meets its reference value.");
	return strict ? TR(lang, "要対応の対策項目があります（推奨を含む）。",
	                   "Some countermeasures (recommended ones included) are to be addressed.")
	              : TR(lang,
	                   "基本の対策項目か * の評価項目に、要対応のもの（参照値に達しない・値なし"
	                   "を含む）があります。",
	                   "Some basic countermeasures or * items are to be addressed (short of "
	                   "the reference value, or without a value).");
}

static const char *policy_line(int lang, int strict)
{
	return strict
	           ? TR(lang,
	                "saasguard の方針（--strict）: 要対応の対策項目が1つでもあれば終了コード "
	                "1。",
	                "saasguard's policy (--strict): exit status 1 when any countermeasure is "
	                "to be addressed.")
	           : TR(lang,
	                "saasguard の方針: 基本の対策項目か * の評価項目に要対応のものがあれば"
	                "終了コード 1（ガイドラインの判定ではありません）。",
	                "saasguard's policy: exit status 1 when a basic countermeasure or a * "
	                "item is to be addressed (not a verdict of the guideline).");
}

/* `saasguard attest` records of a control, one line each. */
static void attestations_text(const struct assess_control *ac, int lang, const char *bullet,
                              struct dynbuf *out)
{
	for (size_t a = 0; a < ac->nattestations; a++) {
		const struct assess_attestation *at = &ac->attestations[a];
		char when[40];
		timeutil_local((long long)at->at, "Asia/Tokyo", 0, when);
		dynbuf_printf(out,
		              TR(lang, "%s%s 記録（台帳 %lld）: %s（%s、%s）",
		                 "%s%s attestation (ledger %lld): %s (%s, %s)"),
		              bullet, at->item, at->seq, at->note, at->by, when);
		for (size_t f = 0; f < at->nfiles; f++)
			dynbuf_printf(out, TR(lang, "、%s（SHA-256 %s）", "; %s (SHA-256 %s)"),
			              at->files[f], at->sha256[f]);
		dynbuf_addch(out, '\n');
	}
}

static void issues_text(const struct assess_result *r, int lang, const char *bullet,
                        struct dynbuf *out, int *any_evidence, int *any_disagreement)
{
	*any_evidence = *any_disagreement = 0;
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t e = 0; e < ac->nevidence_issues; e++) {
			const struct assess_evidence_issue *is = &ac->evidence_issues[e];
			if (!*any_evidence)
				dynbuf_addstr(out, TR(lang, "\n証跡:\n", "\nEvidence:\n"));
			*any_evidence = 1;
			dynbuf_printf(out, "%s%s %s: ", bullet, ac->control->id,
			              is->evidence->title);
			if (is->expired) {
				dynbuf_addstr(out, TR(lang, "有効期限切れ（", "expired ("));
				date_text(is->evidence->expires, out);
				dynbuf_addstr(out, TR(lang, "）", ")"));
			}
			if (is->missing)
				dynbuf_printf(out,
				              TR(lang, "%sファイルがありません（%s）",
				                 "%sfile not found (%s)"),
				              is->expired ? TR(lang, "、", ", ") : "",
				              is->evidence->path);
			if (is->mismatch)
				dynbuf_printf(out,
				              TR(lang, "%sSHA-256 が記載と異なります（%s）",
				                 "%sSHA-256 differs from the declared one (%s)"),
				              is->expired ? TR(lang, "、", ", ") : "",
				              is->evidence->path);
			dynbuf_addch(out, '\n');
		}
	}
	for (size_t i = 0; i < r->ncontrols; i++) {
		if (!r->controls[i].nattestations)
			continue;
		if (!*any_evidence)
			dynbuf_addstr(out, TR(lang, "\n証跡:\n", "\nEvidence:\n"));
		*any_evidence = 1;
		attestations_text(&r->controls[i], lang, bullet, out);
	}
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			struct dynbuf dv = DYNBUF_INIT, mv = DYNBUF_INIT;
			if (!ai->disagreement)
				continue;
			if (!*any_disagreement)
				dynbuf_addstr(out, TR(lang, "\n計測値と申告値の相違:\n",
				                      "\nMeasured values worse than declared:\n"));
			*any_disagreement = 1;
			assess_item_words(ai, ASSESS_DECLARED, lang, &dv);
			assess_item_words(ai, ASSESS_VALUE, lang, &mv);
			dynbuf_printf(out,
			              TR(lang, "%s%s %s: 申告 %s、計測 %s（%s）\n",
			                 "%s%s %s: declared %s, measured %s (%s)\n"),
			              bullet, ai->item->id, item_name(ai->item, lang),
			              dynbuf_ptr(&dv), dynbuf_ptr(&mv), ai->measured_source);
			dynbuf_release(&dv);
			dynbuf_release(&mv);
		}
	}
}

static void color_wrap(struct dynbuf *out, const char *color, const char *text, int on)
{
	if (on)
		dynbuf_printf(out, "\033[%sm%s\033[0m", color, text);
	else
		dynbuf_addstr(out, text);
}

static enum sg_code write_table(const struct assess_result *r, const struct assess_write_opts *o,
                                struct dynbuf *out)
{
	const char *hdr_ja[] = {"項番", "区分", "対策項目", "状況", "判定", "評価項目"};
	const char *hdr_en[] = {"id", "level", "control", "status", "verdict", "items"};
	struct table t;
	struct dynbuf tb = DYNBUF_INIT;
	size_t *gaps, ngaps;
	int any_e, any_d;
	const char *line;

	dynbuf_printf(out, "%s — %s %d\n", r->profile->service.name, L(o, "パターン", "pattern"),
	              r->pattern);
	table_init(&t, 6, o->lang == SG_LANG_EN ? hdr_en : hdr_ja);
	t.max_width = 40;
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		struct dynbuf items = DYNBUF_INIT;
		items_cell(ac, o->lang, &items);
		const char *row[] = {
		    ac->control->id,
		    o->lang == SG_LANG_EN ? catalog_level_name(ac->control->level)
		                          : catalog_level_name_ja(ac->control->level),
		    title_of(ac->control, o->lang),
		    assess_control_status_label(ac->declared->status, o->lang),
		    assess_control_verdict_label(ac->verdict, o->lang),
		    dynbuf_ptr(&items),
		};
		table_add_row(&t, row);
		dynbuf_release(&items);
	}
	table_render(&t, TABLE_TEXT, &tb);
	table_release(&t);
	/* Colour whole rows after alignment, so escapes never upset widths. */
	line = dynbuf_ptr(&tb);
	for (size_t n = 0; *line; n++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *color = NULL;
		if (o->color && n >= 2 && n - 2 < r->ncontrols) {
			enum control_verdict v = r->controls[n - 2].verdict;
			color = v == CONTROL_GAP             ? "31"
			        : v == CONTROL_COMPLIANT     ? "32"
			        : v == CONTROL_ACCEPTED_RISK ? "33"
			        : v == CONTROL_NOT_ASSESSED  ? "2"
			                                     : NULL;
		}
		if (color)
			dynbuf_printf(out, "\033[%sm", color);
		dynbuf_add(out, line, len);
		if (color)
			dynbuf_addstr(out, "\033[0m");
		dynbuf_addch(out, '\n');
		line += len + (nl ? 1 : 0);
	}
	dynbuf_release(&tb);
	gaps = assess_gap_order(r, &ngaps);
	if (ngaps)
		dynbuf_addstr(out, L(o, "\n要対応（重要度順）:\n",
		                     "\nTo be addressed (most severe first):\n"));
	for (size_t g = 0; g < ngaps; g++) {
		const struct assess_control *ac = &r->controls[gaps[g]];
		char sev[32];
		snprintf(sev, sizeof(sev), "[%s]", assess_severity_label(ac->severity, o->lang));
		dynbuf_addstr(out, "  ");
		color_wrap(out, ac->severity == SEVERITY_CRITICAL ? "1;31" : "31", sev,
		           o->color && ac->severity >= SEVERITY_HIGH);
		dynbuf_printf(out, " %s %s: ", ac->control->id, title_of(ac->control, o->lang));
		assess_gap_text(r, ac, o->lang, "; ", out);
		dynbuf_addch(out, '\n');
	}
	free(gaps);
	issues_text(r, o->lang, "  ", out, &any_e, &any_d);
	dynbuf_addch(out, '\n');
	summary_line(r, o->lang, out);
	color_wrap(out,
	           (o->strict ? r->summary.passed_strict : r->summary.passed) ? "1;32" : "1;31",
	           verdict_line(r, o->lang, o->strict), o->color);
	dynbuf_printf(out, "\n%s\n%s\n", policy_line(o->lang, o->strict),
	              assess_caveat_text(o->lang));
	return dynbuf_status(out);
}

static enum sg_code write_json(const struct assess_result *r, struct dynbuf *out)
{
	json_t *j = assess_to_json(r);
	char *s = json_dumps(j, JSON_INDENT(2));

	dynbuf_addstr(out, s);
	dynbuf_addch(out, '\n');
	free(s);
	json_decref(j);
	return dynbuf_status(out);
}

/* ---- Markdown and HTML gap reports ---- */

struct report {
	const struct assess_result *r;
	const struct assess_write_opts *o;
	struct dynbuf *out;
	int html;
};

static void esc(struct report *w, const char *s)
{
	if (w->html) {
		dynbuf_add_html_escaped(w->out, s);
		return;
	}
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '<' || *s == '`')
			dynbuf_addch(w->out, '\\');
		dynbuf_addch(w->out, *s == '\n' ? ' ' : *s);
	}
}

static void heading(struct report *w, int level, const char *text)
{
	if (w->html) {
		dynbuf_printf(w->out, "<h%d>", level);
		esc(w, text);
		dynbuf_printf(w->out, "</h%d>\n", level);
	} else {
		for (int i = 0; i < level; i++)
			dynbuf_addch(w->out, '#');
		dynbuf_addch(w->out, ' ');
		dynbuf_addstr(w->out, text);
		dynbuf_addstr(w->out, "\n\n");
	}
}

static void table_start(struct report *w, const char *const *cols, size_t n)
{
	if (w->html) {
		dynbuf_addstr(w->out, "<table>\n<thead><tr>");
		for (size_t i = 0; i < n; i++) {
			dynbuf_addstr(w->out, "<th>");
			esc(w, cols[i]);
			dynbuf_addstr(w->out, "</th>");
		}
		dynbuf_addstr(w->out, "</tr></thead>\n<tbody>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		dynbuf_addstr(w->out, "| ");
		esc(w, cols[i]);
		dynbuf_addch(w->out, ' ');
	}
	dynbuf_addstr(w->out, "|\n");
	for (size_t i = 0; i < n; i++)
		dynbuf_addstr(w->out, "|---");
	dynbuf_addstr(w->out, "|\n");
}

static void table_row(struct report *w, const char *klass, const char *const *cells, size_t n)
{
	if (w->html) {
		if (klass)
			dynbuf_printf(w->out, "<tr class=\"%s\">", klass);
		else
			dynbuf_addstr(w->out, "<tr>");
		for (size_t i = 0; i < n; i++) {
			dynbuf_addstr(w->out, "<td>");
			esc(w, cells[i]);
			dynbuf_addstr(w->out, "</td>");
		}
		dynbuf_addstr(w->out, "</tr>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		dynbuf_addstr(w->out, "| ");
		esc(w, cells[i]);
		dynbuf_addch(w->out, ' ');
	}
	dynbuf_addstr(w->out, "|\n");
}

static void table_end(struct report *w)
{
	dynbuf_addstr(w->out, w->html ? "</tbody>\n</table>\n" : "\n");
}

static void para(struct report *w, const char *klass, const char *text)
{
	if (w->html) {
		if (klass)
			dynbuf_printf(w->out, "<p class=\"%s\">", klass);
		else
			dynbuf_addstr(w->out, "<p>");
		esc(w, text);
		dynbuf_addstr(w->out, "</p>\n");
	} else {
		int bold = klass && !strncmp(klass, "verdict", 7);
		dynbuf_addstr(w->out, bold ? "**" : "");
		esc(w, text);
		dynbuf_addstr(w->out, bold ? "**\n\n" : "\n\n");
	}
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>%s</title>\n<style>\n"
    "body{font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",sans-serif;"
    "margin:2em auto;max-width:60em;padding:0 1em;color:#222;line-height:1.5}\n"
    "h1{font-size:1.5em;border-bottom:2px solid #345;padding-bottom:.2em}\n"
    "h2{font-size:1.2em;margin-top:1.6em;border-left:4px solid #345;padding-left:.4em}\n"
    "table{border-collapse:collapse;width:100%%;font-size:.9em;margin:.5em 0}\n"
    "th,td{border:1px solid #bbb;padding:.25em .45em;vertical-align:top;text-align:left}\n"
    "th{background:#eef1f5;white-space:nowrap}\n"
    "tr.critical td:first-child{background:#b00020;color:#fff;font-weight:bold}\n"
    "tr.high td:first-child{background:#e65100;color:#fff}\n"
    "tr.medium td:first-child{background:#f9a825}\n"
    ".verdict{font-weight:bold;font-size:1.1em}.met{color:#1b5e20}.short{color:#b00020}.caveat{"
    "border-left:3px solid #999;padding-left:.6em;color:#444}\n"
    ".meta{color:#555;font-size:.9em}\n"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "h2{page-break-after:avoid}tr{page-break-inside:avoid}"
    "thead{display:table-header-group}th{background:#eee!important;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "tr.critical td:first-child,tr.high td:first-child,tr.medium td:first-child"
    "{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
    "</style>\n</head>\n<body>\n";

static void report_head(struct report *w, struct dynbuf *t)
{
	const struct assess_result *r = w->r;
	const struct assess_write_opts *o = w->o;
	const struct profile *p = r->profile;
	char at[40], sha[65];

	hex_encode(p->sha256, sizeof(p->sha256), sha);
	timeutil_local((long long)r->now, "Asia/Tokyo", 0, at);
	dynbuf_printf(t, L(o, "ギャップレポート: %s", "Gap report: %s"), p->service.name);
	if (w->html) {
		struct dynbuf title = DYNBUF_INIT;
		dynbuf_add_html_escaped(&title, dynbuf_ptr(t));
		dynbuf_printf(w->out, html_head, o->lang == SG_LANG_EN ? "en" : "ja",
		              dynbuf_ptr(&title));
		dynbuf_release(&title);
	}
	heading(w, 1, dynbuf_ptr(t));
	dynbuf_reset(t);
	dynbuf_printf(t,
	              L(o, "パターン %d ／ 評価日時 %s（JST）／ プロファイル %s（SHA-256 %.16s…）",
	                "Pattern %d / assessed %s (JST) / profile %s (SHA-256 %.16s…)"),
	              r->pattern, at, p->path, sha);
	para(w, "meta", dynbuf_ptr(t));
	para(w, "caveat", assess_caveat_text(o->lang));
	for (size_t i = 0; i < p->npartners; i++) {
		const struct profile_partner *pp = &p->partners[i];
		dynbuf_reset(t);
		dynbuf_printf(
		    t, "%s%s（%s）",
		    i ? "" : L(o, "連携 ASP・SaaS・外部委託: ", "Partners and contractors: "),
		    pp->name,
		    pp->role == PARTNER_OUTSOURCING ? L(o, "外部委託", "outsourcing")
		                                    : L(o, "連携 ASP・SaaS", "partner ASP/SaaS"));
		if (pp->provides)
			dynbuf_printf(t, L(o, " 提供: %s", "; provides: %s"), pp->provides);
		if (pp->contract)
			dynbuf_printf(t, L(o, " 契約: %s", "; contract: %s"), pp->contract);
		para(w, "partners", dynbuf_ptr(t));
	}
	para(w, "scope", assess_scope_text(o->lang));
}

static void report_summary(struct report *w, struct dynbuf *t)
{
	const struct assess_result *r = w->r;
	const struct assess_write_opts *o = w->o;
	const struct assess_summary *s = &r->summary;
	const char *cols_ja[] = {"", "対策済み", "要対応", "対象外", "リスク受容", "未評価", "計"};
	const char *cols_en[] = {"",
	                         "in place",
	                         "to be addressed",
	                         "not applicable",
	                         "accepted risk",
	                         "not assessed",
	                         "total"};
	const size_t *rows[] = {s->basic_verdicts, s->recommended_verdicts, s->control_verdicts};
	const char *names_ja[] = {"基本", "推奨", "計"};
	const char *names_en[] = {"basic", "recommended", "total"};
	size_t req_short, req_none;
	int ok = o->strict ? s->passed_strict : s->passed;

	heading(w, 2, L(o, "概要", "Summary"));
	para(w, ok ? "verdict met" : "verdict short", verdict_line(r, o->lang, o->strict));
	required_counts(r, &req_short, &req_none);
	dynbuf_reset(t);
	dynbuf_printf(t,
	              L(o,
	                "* の評価項目（特に達成が必要な値）%zu 件: 参照値を満たす %zu、参照値に達し"
	                "ない %zu、値なし %zu。",
	                "* evaluation items (values especially to be met): %zu: %zu meet the "
	                "reference value, %zu short of it, %zu without a value."),
	              s->required_items, s->required_met, req_short, req_none);
	para(w, NULL, dynbuf_ptr(t));
	table_start(w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
	for (int k = 0; k < 3; k++) {
		char c[6][24];
		size_t sum = 0;
		for (int v = 0; v < CONTROL_VERDICTS; v++) {
			snprintf(c[v], sizeof(c[v]), "%zu", rows[k][v]);
			sum += rows[k][v];
		}
		snprintf(c[5], sizeof(c[5]), "%zu", sum);
		const char *cells[] = {o->lang == SG_LANG_EN ? names_en[k] : names_ja[k],
		                       c[0],
		                       c[1],
		                       c[2],
		                       c[3],
		                       c[4],
		                       c[5]};
		table_row(w, NULL, cells, 7);
	}
	table_end(w);
	dynbuf_reset(t);
	dynbuf_printf(t,
	              L(o,
	                "要対応の重要度: 重大 %zu、高 %zu、中 %zu。評価項目: 参照値を満たす %zu、"
	                "参照値に達しない %zu、値なし %zu。証跡 %zu 件中 期限切れ %zu、所在不明 "
	                "%zu、改変の疑い %zu。計測値 %zu 件、申告との相違 %zu 件。",
	                "To be addressed by severity: %zu critical, %zu high, %zu medium. "
	                "Evaluation items: %zu meet the reference value, %zu short of it, %zu "
	                "without a value. Evidence: %zu, of which %zu expired, %zu missing, %zu "
	                "changed. %zu measured values, %zu worse than declared."),
	              s->gaps_by_severity[SEVERITY_CRITICAL], s->gaps_by_severity[SEVERITY_HIGH],
	              s->gaps_by_severity[SEVERITY_MEDIUM], s->item_verdicts[ITEM_MEETS],
	              s->item_verdicts[ITEM_FALLS_SHORT], s->item_verdicts[ITEM_NO_VALUE],
	              s->evidence, s->evidence_expired, s->evidence_missing, s->evidence_mismatch,
	              s->measured_items, s->disagreements);
	para(w, NULL, dynbuf_ptr(t));
	para(w, "policy", policy_line(o->lang, o->strict));
}

static void report_gaps(struct report *w)
{
	const struct assess_result *r = w->r;
	const struct assess_write_opts *o = w->o;
	const char *cols_ja[] = {"重要度", "項番", "対策項目", "区分", "状況", "内容", "担当"};
	const char *cols_en[] = {"severity", "id", "control", "level", "status", "what", "owner"};
	size_t ngaps, *gaps = assess_gap_order(r, &ngaps);

	heading(w, 2, L(o, "要対応の対策項目（重要度順）", "To be addressed (most severe first)"));
	if (!ngaps)
		para(w, NULL, L(o, "要対応の対策項目はありません。", "Nothing to be addressed."));
	else
		table_start(w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
	for (size_t g = 0; g < ngaps; g++) {
		const struct assess_control *ac = &r->controls[gaps[g]];
		struct dynbuf what = DYNBUF_INIT;
		assess_gap_text(r, ac, o->lang, w->html ? "\n" : "; ", &what);
		const char *cells[] = {
		    assess_severity_label(ac->severity, o->lang),
		    ac->control->id,
		    title_of(ac->control, o->lang),
		    o->lang == SG_LANG_EN ? catalog_level_name(ac->control->level)
		                          : catalog_level_name_ja(ac->control->level),
		    assess_control_status_label(ac->declared->status, o->lang),
		    dynbuf_ptr(&what),
		    ac->declared->owner ? ac->declared->owner : "",
		};
		table_row(w, assess_severity_name(ac->severity), cells, 7);
		dynbuf_release(&what);
	}
	if (ngaps)
		table_end(w);
	free(gaps);
}

static void report_evidence(struct report *w)
{
	struct dynbuf iss = DYNBUF_INIT;
	int any_e, any_d;
	const char *line;

	issues_text(w->r, w->o->lang, "- ", &iss, &any_e, &any_d);
	if (any_e || any_d)
		heading(w, 2, L(w->o, "証跡と計測値", "Evidence and measurements"));
	/* one paragraph per line */
	for (line = dynbuf_ptr(&iss); *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *one = xstrndup(line, len);
		if (*one)
			para(w, NULL, one);
		free(one);
		line += len + (nl ? 1 : 0);
	}
	dynbuf_release(&iss);
}

static void report_items(struct report *w)
{
	const struct assess_result *r = w->r;
	const struct assess_write_opts *o = w->o;
	const char *cols_ja[] = {"評価項目", "名称", "対策参照値", "目標", "値", "出所", "判定"};
	const char *cols_en[] = {"item",  "name",   "reference value", "target",
	                         "value", "source", "verdict"};

	heading(w, 2,
	        L(o, "評価項目（パターンの対策参照値との照合）",
	          "Evaluation items against the pattern's reference values"));
	table_start(w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			struct dynbuf ref = DYNBUF_INIT, tg = DYNBUF_INIT, val = DYNBUF_INIT;
			ref_text(ai, &ref);
			assess_item_words(ai, ASSESS_TARGET, o->lang, &tg);
			assess_item_words(ai, ASSESS_VALUE, o->lang, &val);
			const char *cells[] = {
			    ai->item->id,
			    item_name(ai->item, o->lang),
			    dynbuf_ptr(&ref),
			    dynbuf_ptr(&tg),
			    dynbuf_ptr(&val),
			    ai->provenance == PROVENANCE_MEASURED ? ai->measured_source
			    : ai->provenance                      ? L(o, "申告", "declared")
			                                          : "",
			    assess_item_verdict_label(ai->verdict, o->lang),
			};
			table_row(w, ai->severity ? assess_severity_name(ai->severity) : NULL,
			          cells, 7);
			dynbuf_release(&ref);
			dynbuf_release(&tg);
			dynbuf_release(&val);
		}
	}
	table_end(w);
}

/* HTML: the I.9 definitions of the guideline's terms the report uses. */
static void report_glossary(struct report *w, size_t from)
{
	const struct catalog *cat = w->r->catalog;
	int any = 0;

	for (size_t i = 0; i < cat->nglossary; i++) {
		const struct glossary_term *g = &cat->glossary[i];
		const char *term = w->o->lang == SG_LANG_EN ? g->term_en : g->term_ja;
		if (!strstr(dynbuf_ptr(w->out) + from, term))
			continue;
		if (!any) {
			heading(w, 2,
			        L(w->o, "用語の定義（ガイドライン I.9）", "Terms (guideline I.9)"));
			dynbuf_addstr(w->out, "<dl class=\"glossary\">\n");
		}
		any = 1;
		dynbuf_printf(w->out, "<dt id=\"glossary-%s-%s\">", g->section, g->number);
		dynbuf_add_html_escaped(w->out, g->term_ja);
		dynbuf_addstr(w->out, " (");
		dynbuf_add_html_escaped(w->out, g->term_en);
		dynbuf_addstr(w->out, ")</dt><dd>");
		dynbuf_add_html_escaped(w->out, g->text_ja);
		dynbuf_addstr(w->out, "</dd>\n");
	}
	if (any)
		dynbuf_addstr(w->out, "</dl>\n");
}

static enum sg_code write_report(const struct assess_result *r, const struct assess_write_opts *o,
                                 struct dynbuf *out, int html)
{
	struct report w = {r, o, out, html};
	struct dynbuf t = DYNBUF_INIT;
	size_t from = out->len;

	report_head(&w, &t);
	report_summary(&w, &t);
	report_gaps(&w);
	report_evidence(&w);
	report_items(&w);
	if (html) {
		report_glossary(&w, from);
		dynbuf_addstr(out, "</body>\n</html>\n");
	}
	dynbuf_release(&t);
	return dynbuf_status(out);
}

/* ---- CSV: the Annex 2 and Annex 3 checklists ---- */

static const char *check_mark(enum control_verdict v, int lang)
{
	switch (v) {
	case CONTROL_COMPLIANT:
		return TR(lang, "○", "yes");
	case CONTROL_GAP:
		return TR(lang, "×", "no");
	case CONTROL_NOT_APPLICABLE:
		return TR(lang, "－", "n/a");
	case CONTROL_ACCEPTED_RISK:
		return TR(lang, "△", "accepted");
	default:
		return "";
	}
}

static void evidence_cell(const struct assess_control *ac, int lang, struct dynbuf *out)
{
	const struct profile_control *pc = ac->declared;

	for (size_t e = 0; e < pc->nevidence; e++) {
		const struct profile_evidence *ev = &pc->evidence[e];
		dynbuf_printf(out, "%s%s", e ? "\n" : "", ev->title);
		if (ev->path || ev->url)
			dynbuf_printf(out, " (%s)", ev->path ? ev->path : ev->url);
	}
	if (ac->nattestations && out->len)
		dynbuf_addch(out, '\n');
	attestations_text(ac, lang, "", out);
	if (out->len && dynbuf_ptr(out)[out->len - 1] == '\n')
		dynbuf_setlen(out, out->len - 1);
}

void assess_checklist_table(const struct assess_result *r, const struct assess_write_opts *o,
                            struct table *t_out)
{
	const char *hdr_ja[] = {"一覧表", "項番",     "評価項目番号",   "対策項目",
	                        "区分",   "評価項目", "対策参照値",     "目標",
	                        "値",     "値の出所", "評価項目の判定", "実施チェック",
	                        "状況",   "担当",     "証跡",           "理由・備考"};
	const char *hdr_en[] = {"annex",           "id",           "item",
	                        "control",         "level",        "evaluation item",
	                        "reference value", "target",       "value",
	                        "source",          "item verdict", "implemented",
	                        "status",          "owner",        "evidence",
	                        "reason / notes"};
	struct table *t = t_out;

	table_init(t, ASSESS_CHECKLIST_COLUMNS, o->lang == SG_LANG_EN ? hdr_en : hdr_ja);
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		const struct profile_control *pc = ac->declared;
		struct dynbuf ctl = DYNBUF_INIT, ev = DYNBUF_INIT, notes = DYNBUF_INIT;
		size_t rows = ac->nitems ? ac->nitems : 1;

		if (o->lang == SG_LANG_EN)
			dynbuf_printf(&ctl, "%s: %s", ac->control->title_en,
			              ac->control->summary_en);
		else
			dynbuf_addstr(&ctl, ac->control->text_ja);
		evidence_cell(ac, o->lang, &ev);
		if (pc->reason)
			dynbuf_addstr(&notes, pc->reason);
		if (pc->expires) {
			dynbuf_addstr(&notes, notes.len ? L(o, "（期限 ", " (until ")
			                                : L(o, "期限 ", "until "));
			date_text(pc->expires, &notes);
			if (pc->reason)
				dynbuf_addstr(&notes, L(o, "）", ")"));
		}
		if (pc->notes)
			dynbuf_printf(&notes, "%s%s", notes.len ? "\n" : "", pc->notes);
		if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_NOT_ASSESSED) {
			struct dynbuf g = DYNBUF_INIT;
			assess_gap_text(r, ac, o->lang, "; ", &g);
			dynbuf_printf(&notes, "%s%s%s", notes.len ? "\n" : "",
			              L(o, "要対応: ", "to be addressed: "), dynbuf_ptr(&g));
			dynbuf_release(&g);
		}
		for (size_t k = 0; k < rows; k++) {
			const struct assess_item *ai = ac->nitems ? &ac->items[k] : NULL;
			struct dynbuf ref = DYNBUF_INIT, tg = DYNBUF_INIT, val = DYNBUF_INIT;
			char letter[2] = {ai ? ai->item->letter : '-', '\0'};
			if (ai) {
				ref_text(ai, &ref);
				assess_item_words(ai, ASSESS_TARGET, o->lang, &tg);
				assess_item_words(ai, ASSESS_VALUE, o->lang, &val);
			}
			const char *row[] = {
			    ac->control->part == 2 ? "Annex 2" : "Annex 3",
			    ac->control->id,
			    ac->control->part == 2 ? "" : letter,
			    dynbuf_ptr(&ctl),
			    o->lang == SG_LANG_EN ? catalog_level_name(ac->control->level)
			                          : catalog_level_name_ja(ac->control->level),
			    ai ? item_name(ai->item, o->lang) : "",
			    dynbuf_ptr(&ref),
			    dynbuf_ptr(&tg),
			    dynbuf_ptr(&val),
			    ai && ai->provenance == PROVENANCE_MEASURED ? ai->measured_source
			    : ai && ai->provenance                      ? L(o, "申告", "declared")
			                                                : "",
			    ai ? assess_item_verdict_label(ai->verdict, o->lang) : "",
			    check_mark(ac->verdict, o->lang),
			    assess_control_status_label(pc->status, o->lang),
			    pc->owner ? pc->owner : "",
			    dynbuf_ptr(&ev),
			    dynbuf_ptr(&notes),
			};
			table_add_row(t, row);
			dynbuf_release(&ref);
			dynbuf_release(&tg);
			dynbuf_release(&val);
		}
		dynbuf_release(&ctl);
		dynbuf_release(&ev);
		dynbuf_release(&notes);
	}
}

static enum sg_code write_csv(const struct assess_result *r, const struct assess_write_opts *o,
                              struct dynbuf *out)
{
	struct table t;
	enum sg_code rc;

	assess_checklist_table(r, o, &t);
	rc = table_render(&t, TABLE_CSV, out);
	table_release(&t);
	return rc;
}

/* ---- OSCAL assessment results ---- */

static const char *impl_state(enum control_status s)
{
	switch (s) {
	case STATUS_IMPLEMENTED:
		return "implemented";
	case STATUS_PARTIAL:
		return "partial";
	case STATUS_PLANNED:
	case STATUS_NOT_IMPLEMENTED:
		return "planned";
	case STATUS_NOT_APPLICABLE:
		return "not-applicable";
	case STATUS_ACCEPTED_RISK:
		return "alternative";
	default:
		return NULL;
	}
}

/* Names for deterministic UUIDs: profile hash and assessment time. */
struct oscal_ctx {
	const struct assess_result *r;
	char sha[65], start[32];
	json_t *obs, *findings, *risks;
};

static void oscal_name_uuid(const struct oscal_ctx *x, const char *what, const char *id,
                            char uuid[37])
{
	char name[256];

	snprintf(name, sizeof(name), "%s/%s/%s%s%s", x->sha, x->start, id ? id : "", id ? "/" : "",
	         what);
	oscal_uuid(name, uuid);
}

static void oscal_item_observations(struct oscal_ctx *x, const struct assess_control *ac,
                                    json_t *related)
{
	for (size_t k = 0; k < ac->nitems; k++) {
		const struct assess_item *ai = &ac->items[k];
		json_t *o, *props;
		struct dynbuf d = DYNBUF_INIT;
		char ouuid[37], collected[32];
		if (!ai->provenance)
			continue;
		oscal_name_uuid(x, "observation", ai->item->id, ouuid);
		dynbuf_printf(&d, "%s %s: ", ai->item->id, ai->item->name_ja);
		assess_item_words(ai, ASSESS_VALUE, 0, &d);
		dynbuf_addstr(&d, "（対策参照値 ");
		ref_text(ai, &d);
		if (ai->has_target) {
			dynbuf_addstr(&d, "、目標 ");
			assess_item_words(ai, ASSESS_TARGET, 0, &d);
		}
		dynbuf_printf(&d, "）: %s", assess_item_verdict_label(ai->verdict, 0));
		oscal_time(ai->provenance == PROVENANCE_MEASURED ? (long long)ai->measured_at
		                                                 : (long long)x->r->now,
		           collected);
		props = json_array();
		json_array_append_new(props, oscal_prop("evaluation-item", ai->item->id, NULL));
		json_array_append_new(props, oscal_prop("value", ai->value_text, NULL));
		json_array_append_new(
		    props, oscal_prop("provenance", assess_provenance_name(ai->provenance), NULL));
		json_array_append_new(
		    props, oscal_prop("verdict", assess_item_verdict_name(ai->verdict), NULL));
		o = json_pack("{s:s,s:s,s:s,s:[s],s:[s],s:s,s:o}", "uuid", ouuid, "title",
		              ai->item->id, "description", dynbuf_ptr(&d), "methods",
		              ai->provenance == PROVENANCE_MEASURED ? "TEST" : "EXAMINE", "types",
		              "control-objective", "collected", collected, "props", props);
		if (ai->provenance == PROVENANCE_MEASURED)
			json_object_set_new(o, "remarks", json_string(ai->measured_source));
		json_array_append_new(x->obs, o);
		json_array_append_new(related, json_pack("{s:s}", "observation-uuid", ouuid));
		dynbuf_release(&d);
	}
}

static void oscal_evidence_observations(struct oscal_ctx *x, const struct assess_control *ac,
                                        json_t *related)
{
	const struct profile_control *pc = ac->declared;

	for (size_t e = 0; e < pc->nevidence; e++) {
		const struct profile_evidence *ev = &pc->evidence[e];
		json_t *o, *evj;
		char ouuid[37], collected[32], what[32];
		snprintf(what, sizeof(what), "evidence/%zu", e);
		oscal_name_uuid(x, what, ac->control->id, ouuid);
		oscal_time(ev->collected ? ev->collected : (long long)x->r->now, collected);
		evj = json_pack("{s:s}", "description", ev->title);
		if (ev->path || ev->url)
			json_object_set_new(evj, "href", json_string(ev->url ? ev->url : ev->path));
		o = json_pack("{s:s,s:s,s:s,s:[s],s:s,s:[o]}", "uuid", ouuid, "title", ev->title,
		              "description", ev->title, "methods", "EXAMINE", "collected",
		              collected, "relevant-evidence", evj);
		if (ev->expires) {
			char exp[32];
			oscal_time(ev->expires, exp);
			json_object_set_new(o, "expires", json_string(exp));
		}
		json_array_append_new(x->obs, o);
		json_array_append_new(related, json_pack("{s:s}", "observation-uuid", ouuid));
	}
	for (size_t a = 0; a < ac->nattestations; a++) {
		const struct assess_attestation *at = &ac->attestations[a];
		struct dynbuf d = DYNBUF_INIT;
		json_t *o, *evs = json_array();
		char ouuid[37], collected[32], what[48];
		snprintf(what, sizeof(what), "attestation/%lld", at->seq);
		oscal_name_uuid(x, what, ac->control->id, ouuid);
		oscal_time((long long)at->at, collected);
		dynbuf_printf(&d, "%s（%s）", at->note, at->by);
		for (size_t f = 0; f < at->nfiles; f++)
			json_array_append_new(
			    evs, json_pack("{s:s,s:[o]}", "description", at->files[f], "props",
			                   oscal_prop("sha256", at->sha256[f], NULL)));
		if (!at->nfiles)
			json_array_append_new(evs, json_pack("{s:s}", "description", at->note));
		o = json_pack("{s:s,s:s,s:s,s:[s],s:s,s:o}", "uuid", ouuid, "title", at->item,
		              "description", dynbuf_ptr(&d), "methods", "EXAMINE", "collected",
		              collected, "relevant-evidence", evs);
		json_array_append_new(x->obs, o);
		json_array_append_new(related, json_pack("{s:s}", "observation-uuid", ouuid));
		dynbuf_release(&d);
	}
}

static void oscal_risk(struct oscal_ctx *x, const struct assess_control *ac, const char *desc,
                       json_t *f)
{
	const struct profile_control *pc = ac->declared;
	char ruuid[37];
	json_t *risk;

	oscal_name_uuid(x, "risk", ac->control->id, ruuid);
	risk = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s}", "uuid", ruuid, "title", ac->control->title_ja, "description",
	    desc, "statement",
	    ac->verdict == CONTROL_ACCEPTED_RISK && pc->reason ? pc->reason : ac->control->text_ja,
	    "status", ac->verdict == CONTROL_ACCEPTED_RISK ? "deviation-approved" : "open");
	if (ac->verdict == CONTROL_ACCEPTED_RISK) {
		char dl[32];
		oscal_time(pc->expires, dl);
		json_object_set_new(risk, "deadline", json_string(dl));
	}
	if (ac->severity)
		json_object_set_new(
		    risk, "props",
		    json_pack("[o]",
		              oscal_prop("severity", assess_severity_name(ac->severity), NULL)));
	json_array_append_new(x->risks, risk);
	json_object_set_new(f, "related-risks", json_pack("[{s:s}]", "risk-uuid", ruuid));
}

static void oscal_finding(struct oscal_ctx *x, const struct assess_control *ac)
{
	const struct profile_control *pc = ac->declared;
	json_t *f, *target, *status, *props, *related = json_array();
	struct dynbuf desc = DYNBUF_INIT;
	const char *impl = impl_state(pc->status);
	int satisfied = ac->verdict == CONTROL_COMPLIANT || ac->verdict == CONTROL_NOT_APPLICABLE;
	char uuid[37];

	oscal_item_observations(x, ac, related);
	oscal_evidence_observations(x, ac, related);
	dynbuf_printf(&desc, "%s %s: %s", ac->control->id, ac->control->title_ja,
	              assess_control_verdict_label(ac->verdict, 0));
	if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_NOT_ASSESSED) {
		dynbuf_addstr(&desc, "（");
		assess_gap_text(x->r, ac, 0, "; ", &desc);
		dynbuf_addstr(&desc, "）");
	} else if (pc->reason) {
		dynbuf_printf(&desc, "（%s）", pc->reason);
	}
	status =
	    json_pack("{s:s,s:s}", "state", satisfied ? "satisfied" : "not-satisfied", "reason",
	              ac->verdict == CONTROL_COMPLIANT ? "pass"
	              : ac->verdict == CONTROL_GAP     ? "fail"
	                                               : "other");
	target = json_pack("{s:s,s:s,s:o}", "type", "objective-id", "target-id", ac->control->id,
	                   "status", status);
	if (impl)
		json_object_set_new(target, "implementation-status",
		                    json_pack("{s:s}", "state", impl));
	oscal_name_uuid(x, "finding", ac->control->id, uuid);
	f = json_pack("{s:s,s:s,s:s,s:o}", "uuid", uuid, "title", ac->control->id, "description",
	              dynbuf_ptr(&desc), "target", target);
	props = json_array();
	json_array_append_new(props,
	                      oscal_prop("level", catalog_level_name(ac->control->level), NULL));
	json_array_append_new(
	    props, oscal_prop("verdict", assess_control_verdict_name(ac->verdict), NULL));
	if (ac->severity)
		json_array_append_new(
		    props, oscal_prop("severity", assess_severity_name(ac->severity), NULL));
	json_object_set_new(f, "props", props);
	if (json_array_size(related))
		json_object_set_new(f, "related-observations", related);
	else
		json_decref(related);
	if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_ACCEPTED_RISK)
		oscal_risk(x, ac, dynbuf_ptr(&desc), f);
	json_array_append_new(x->findings, f);
	dynbuf_release(&desc);
}

/* OSCAL 1.1.3 assessment-results for the result; the caller owns it. */
static enum sg_code assess_oscal(const struct assess_result *r, json_t **out, struct sg_error *err)
{
	const struct profile *p = r->profile;
	struct oscal_ctx x = {r, "", "", json_array(), json_array(), json_array()};
	json_t *ar, *res, *sel = json_array();
	struct dynbuf d = DYNBUF_INIT, title = DYNBUF_INIT;
	char uuid[37], pat[8];

	(void)err;
	hex_encode(p->sha256, sizeof(p->sha256), x.sha);
	oscal_time((long long)r->now, x.start);
	for (size_t i = 0; i < r->ncontrols; i++) {
		json_array_append_new(sel,
		                      json_pack("{s:s}", "control-id", r->controls[i].control->id));
		oscal_finding(&x, &r->controls[i]);
	}
	oscal_name_uuid(&x, "result", NULL, uuid);
	dynbuf_printf(&d,
	              "「%s」（パターン %d）の ASP・SaaS における情報セキュリティ対策"
	              "ガイドラインに基づく評価。%s %s",
	              p->service.name, r->pattern, verdict_line(r, 0, 0), assess_caveat_text(0));
	res = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:[{s:o}]},s:o,s:o}", "uuid", uuid, "title",
	                "saasguard assessment", "description", dynbuf_ptr(&d), "start", x.start,
	                "end", x.start, "reviewed-controls", "control-selections",
	                "include-controls", sel, "observations", x.obs, "findings", x.findings);
	snprintf(pat, sizeof(pat), "%d", r->pattern);
	json_object_set_new(
	    res, "props",
	    json_pack("[o,o,o]", oscal_prop("pattern", pat, NULL),
	              oscal_prop("profile-sha256", x.sha, NULL),
	              oscal_prop("passed", r->summary.passed ? "true" : "false", NULL)));
	if (json_array_size(x.risks))
		json_object_set_new(res, "risks", x.risks);
	else
		json_decref(x.risks);
	if (!json_array_size(x.obs))
		json_object_del(res, "observations");
	oscal_name_uuid(&x, "assessment-results", NULL, uuid);
	dynbuf_printf(&title, "saasguard 評価結果: %s", p->service.name);
	ar = json_pack("{s:s,s:o,s:{s:s,s:s},s:[o]}", "uuid", uuid, "metadata",
	               oscal_metadata(dynbuf_ptr(&title), SAASGUARD_VERSION), "import-ap", "href",
	               p->path, "remarks",
	               "saasguard profile file; the assessment plan is the guideline pattern's "
	               "reference values",
	               "results", res);
	dynbuf_release(&title);
	dynbuf_release(&d);
	*out = json_pack("{s:o}", "assessment-results", ar);
	return SG_OK;
}

enum sg_code assess_write(const struct assess_result *r, enum assess_format fmt,
                          const struct assess_write_opts *o, struct dynbuf *out,
                          struct sg_error *err)
{
	switch (fmt) {
	case ASSESS_TABLE:
		return write_table(r, o, out);
	case ASSESS_JSON:
		return write_json(r, out);
	case ASSESS_MARKDOWN:
		return write_report(r, o, out, 0);
	case ASSESS_HTML:
		return write_report(r, o, out, 1);
	case ASSESS_CSV:
		return write_csv(r, o, out);
	case ASSESS_XLSX:
		break; /* assess_xlsx() writes it */
	case ASSESS_OSCAL: {
		json_t *j;
		char *s;
		enum sg_code rc = assess_oscal(r, &j, err);
		if (rc)
			return rc;
		s = json_dumps(j, JSON_INDENT(2));
		dynbuf_addstr(out, s);
		dynbuf_addch(out, '\n');
		free(s);
		json_decref(j);
		return dynbuf_status(out);
	}
	}
	return sg_error_set(err, SG_ERR_INTERNAL, "unknown format");
}
