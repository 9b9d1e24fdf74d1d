/*
 * assess_write - the assessment's writers; see assess_write.h.
 */
#include <stdlib.h>
#include <string.h>

#include "assess_write.h"
#include "i18n.h"
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

static void ref_text(const struct assess_item *ai, struct dynbuf *out)
{
	dynbuf_printf(out, "%s%s", ai->ref->text_ja, ai->ref->required ? "*" : "");
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
		dynbuf_printf(out, "%s%s", ai->value_text,
		              ai->provenance == PROVENANCE_MEASURED
		                  ? TR(lang, "［計測］", " [measured]")
		                  : "");
		dynbuf_addstr(out, TR(lang, "（", " ("));
	}
	if (ai->threshold_is_target) {
		dynbuf_printf(out, TR(lang, "目標 %s", "target %s"), ai->target_text);
		if (ai->ref->kind != REF_NONE) {
			dynbuf_addstr(out, TR(lang, "、対策参照値 ", ", reference value "));
			ref_text(ai, out);
		}
	} else {
		dynbuf_addstr(out, TR(lang, "対策参照値 ", "reference value "));
		ref_text(ai, out);
	}
	dynbuf_addstr(out, TR(lang, "）", ")"));
}

void assess_gap_text(const struct assess_result *r, const struct assess_control *ac, int lang,
                     const char *sep, struct dynbuf *out)
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

size_t *assess_gap_order(const struct assess_result *r, size_t *n)
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

static void items_cell(const struct assess_control *ac, struct dynbuf *out)
{
	for (size_t k = 0; k < ac->nitems; k++) {
		const struct assess_item *ai = &ac->items[k];
		const char *mark = ai->verdict == ITEM_MEETS         ? "✓"
		                   : ai->verdict == ITEM_FALLS_SHORT ? "✗"
		                   : ai->verdict == ITEM_NO_VALUE    ? "?"
		                                                     : "-";
		dynbuf_printf(out, "%s%c:%s%s%s", k ? " " : "", ai->item->letter,
		              ai->provenance ? ai->value_text : "", mark,
		              ai->provenance == PROVENANCE_MEASURED ? "ᵐ" : "");
	}
}

static void summary_line(const struct assess_result *r, int lang, struct dynbuf *out)
{
	const struct assess_summary *s = &r->summary;

	dynbuf_printf(
	    out,
	    TR(lang,
	       "対策項目 %zu: 適合 %zu、不適合 %zu、対象外 %zu、リスク受容 %zu、未評価 %zu"
	       "（基本 %zu 中 適合 %zu）\n"
	       "評価項目 %zu: 達成 %zu、未達 %zu、値なし %zu、参照値なし %zu、対象外 %zu"
	       "（* 付き %zu 中 達成 %zu、計測値 %zu）\n",
	       "%zu controls: %zu compliant, %zu gap, %zu not applicable, %zu accepted "
	       "risk, %zu not assessed (basic: %zu compliant of %zu)\n"
	       "%zu evaluation items: %zu meet, %zu fall short, %zu no value, %zu no "
	       "reference, %zu not applicable (* items: %zu of %zu meet; %zu measured)\n"),
	    s->controls, s->control_verdicts[CONTROL_COMPLIANT], s->control_verdicts[CONTROL_GAP],
	    s->control_verdicts[CONTROL_NOT_APPLICABLE], s->control_verdicts[CONTROL_ACCEPTED_RISK],
	    s->control_verdicts[CONTROL_NOT_ASSESSED],
	    lang == SG_LANG_EN
	        ? s->basic_verdicts[CONTROL_COMPLIANT]
	        : s->basic_verdicts[CONTROL_COMPLIANT] + s->basic_verdicts[CONTROL_GAP] +
	              s->basic_verdicts[CONTROL_NOT_APPLICABLE] +
	              s->basic_verdicts[CONTROL_ACCEPTED_RISK] +
	              s->basic_verdicts[CONTROL_NOT_ASSESSED],
	    lang == SG_LANG_EN
	        ? s->basic_verdicts[CONTROL_COMPLIANT] + s->basic_verdicts[CONTROL_GAP] +
	              s->basic_verdicts[CONTROL_NOT_APPLICABLE] +
	              s->basic_verdicts[CONTROL_ACCEPTED_RISK] +
	              s->basic_verdicts[CONTROL_NOT_ASSESSED]
	        : s->basic_verdicts[CONTROL_COMPLIANT],
	    s->items, s->item_verdicts[ITEM_MEETS], s->item_verdicts[ITEM_FALLS_SHORT],
	    s->item_verdicts[ITEM_NO_VALUE], s->item_verdicts[ITEM_NO_REFERENCE],
	    s->item_verdicts[ITEM_NOT_APPLICABLE],
	    lang == SG_LANG_EN ? s->required_met : s->required_items,
	    lang == SG_LANG_EN ? s->required_items : s->required_met, s->measured_items);
}

static const char *verdict_line(const struct assess_result *r, int lang, int strict)
{
	int ok = strict ? r->summary.passed_strict : r->summary.passed;

	if (ok)
		return strict
		           ? TR(lang,
		                "判定: "
		                "合格（推奨を含むすべての対策項目が適合・対象外・リスク受容）",
		                "Result: pass (every control, recommended too, is compliant, not "
		                "applicable or an accepted risk)")
		           : TR(lang,
		                "判定: 合格（基本対策項目がすべて適合・対象外・リスク受容で、"
		                "* の評価項目をすべて達成）",
		                "Result: pass (every basic control is compliant, not applicable "
		                "or an accepted risk, and every * item meets)");
	return strict ? TR(lang, "判定: 不合格（適合していない対策項目があります）",
	                   "Result: fail (some controls are not compliant)")
	              : TR(lang, "判定: 不合格（基本対策項目か * の評価項目に未達があります）",
	                   "Result: fail (a basic control or a * item is not met)");
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
				dynbuf_addstr(out,
				              TR(lang, "\n証跡の問題:\n", "\nEvidence issues:\n"));
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
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			if (!ai->disagreement)
				continue;
			if (!*any_disagreement)
				dynbuf_addstr(out, TR(lang, "\n計測値と申告値の相違:\n",
				                      "\nMeasured values worse than declared:\n"));
			*any_disagreement = 1;
			dynbuf_printf(out,
			              TR(lang, "%s%s %s: 申告 %s、計測 %s（%s）\n",
			                 "%s%s %s: declared %s, measured %s (%s)\n"),
			              bullet, ai->item->id, item_name(ai->item, lang),
			              ai->declared_text, ai->value_text, ai->measured_source);
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
		items_cell(ac, &items);
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
		dynbuf_addstr(out,
		              L(o, "\nギャップ（重要度順）:\n", "\nGaps (most severe first):\n"));
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
	dynbuf_addch(out, '\n');
	return SG_OK;
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
    ".verdict{font-weight:bold;font-size:1.1em}.pass{color:#1b5e20}.fail{color:#b00020}\n"
    ".meta{color:#555;font-size:.9em}\n"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "h2{page-break-after:avoid}tr{page-break-inside:avoid}"
    "thead{display:table-header-group}th{background:#eee!important;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "tr.critical td:first-child,tr.high td:first-child,tr.medium td:first-child"
    "{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
    "</style>\n</head>\n<body>\n";

static enum sg_code write_report(const struct assess_result *r, const struct assess_write_opts *o,
                                 struct dynbuf *out, int html)
{
	struct report w = {r, o, out, html};
	const struct profile *p = r->profile;
	const struct assess_summary *s = &r->summary;
	struct dynbuf t = DYNBUF_INIT;
	size_t *gaps, ngaps;
	char at[40], sha[65];
	int ok = o->strict ? s->passed_strict : s->passed;

	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", p->sha256[i]);
	timeutil_local((long long)r->now, "Asia/Tokyo", 0, at);
	dynbuf_printf(&t, L(o, "ギャップレポート: %s", "Gap report: %s"), p->service.name);
	if (html) {
		struct dynbuf title = DYNBUF_INIT;
		dynbuf_add_html_escaped(&title, dynbuf_ptr(&t));
		dynbuf_printf(out, html_head, o->lang == SG_LANG_EN ? "en" : "ja",
		              dynbuf_ptr(&title));
		dynbuf_release(&title);
	}
	heading(&w, 1, dynbuf_ptr(&t));
	dynbuf_reset(&t);
	dynbuf_printf(&t,
	              L(o, "パターン %d ／ 評価日時 %s（JST）／ プロファイル %s（SHA-256 %.16s…）",
	                "Pattern %d / assessed %s (JST) / profile %s (SHA-256 %.16s…)"),
	              r->pattern, at, p->path, sha);
	para(&w, "meta", dynbuf_ptr(&t));
	heading(&w, 2, L(o, "概要", "Summary"));
	para(&w, ok ? "verdict pass" : "verdict fail", verdict_line(r, o->lang, o->strict));
	{
		const char *cols_ja[] = {"",           "適合",   "不適合", "対象外",
		                         "リスク受容", "未評価", "計"};
		const char *cols_en[] = {
		    "",     "compliant", "gap", "not applicable", "accepted risk", "not assessed",
		    "total"};
		const size_t *rows[] = {s->basic_verdicts, s->recommended_verdicts,
		                        s->control_verdicts};
		const char *names_ja[] = {"基本", "推奨", "計"};
		const char *names_en[] = {"basic", "recommended", "total"};
		table_start(&w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
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
			table_row(&w, NULL, cells, 7);
		}
		table_end(&w);
	}
	dynbuf_reset(&t);
	dynbuf_printf(&t,
	              L(o,
	                "ギャップの重要度: 重大 %zu、高 %zu、中 %zu。評価項目: 達成 %zu、未達 %zu、"
	                "値なし %zu（* 付き %zu 中 達成 %zu）。証跡 %zu 件中 期限切れ %zu、"
	                "所在不明 %zu、改変の疑い %zu。計測値 %zu 件、申告との相違 %zu 件。",
	                "Gaps by severity: %zu critical, %zu high, %zu medium. Evaluation items: "
	                "%zu meet, %zu fall short, %zu without a value (* items: %zu, %zu met). "
	                "Evidence: %zu, of which %zu expired, %zu missing, %zu changed. %zu "
	                "measured values, %zu worse than declared."),
	              s->gaps_by_severity[SEVERITY_CRITICAL], s->gaps_by_severity[SEVERITY_HIGH],
	              s->gaps_by_severity[SEVERITY_MEDIUM], s->item_verdicts[ITEM_MEETS],
	              s->item_verdicts[ITEM_FALLS_SHORT], s->item_verdicts[ITEM_NO_VALUE],
	              s->required_items, s->required_met, s->evidence, s->evidence_expired,
	              s->evidence_missing, s->evidence_mismatch, s->measured_items,
	              s->disagreements);
	para(&w, NULL, dynbuf_ptr(&t));

	heading(&w, 2, L(o, "ギャップ（重要度順）", "Gaps (most severe first)"));
	gaps = assess_gap_order(r, &ngaps);
	if (!ngaps) {
		para(&w, NULL, L(o, "ギャップはありません。", "No gaps."));
	} else {
		const char *cols_ja[] = {"重要度", "項番", "対策項目", "区分",
		                         "状況",   "内容", "担当"};
		const char *cols_en[] = {"severity", "id",   "control", "level",
		                         "status",   "what", "owner"};
		table_start(&w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
		for (size_t g = 0; g < ngaps; g++) {
			const struct assess_control *ac = &r->controls[gaps[g]];
			struct dynbuf what = DYNBUF_INIT;
			assess_gap_text(r, ac, o->lang, html ? "\n" : "; ", &what);
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
			table_row(&w, assess_severity_name(ac->severity), cells, 7);
			dynbuf_release(&what);
		}
		table_end(&w);
	}
	free(gaps);
	{
		struct dynbuf iss = DYNBUF_INIT;
		int any_e, any_d;
		issues_text(r, o->lang, "- ", &iss, &any_e, &any_d);
		if (any_e || any_d) {
			heading(&w, 2, L(o, "証跡と計測値", "Evidence and measurements"));
			/* one paragraph per line */
			const char *line = dynbuf_ptr(&iss);
			while (*line) {
				const char *nl = strchr(line, '\n');
				size_t len = nl ? (size_t)(nl - line) : strlen(line);
				char *one = xstrndup(line, len);
				if (*one)
					para(&w, NULL, one);
				free(one);
				line += len + (nl ? 1 : 0);
			}
		}
		dynbuf_release(&iss);
	}
	heading(&w, 2,
	        L(o, "評価項目（パターンの対策参照値との照合）",
	          "Evaluation items against the pattern's reference values"));
	{
		const char *cols_ja[] = {"評価項目", "名称", "対策参照値", "目標",
		                         "値",       "出所", "判定"};
		const char *cols_en[] = {"item",  "name",   "reference value", "target",
		                         "value", "source", "verdict"};
		table_start(&w, o->lang == SG_LANG_EN ? cols_en : cols_ja, 7);
		for (size_t i = 0; i < r->ncontrols; i++) {
			const struct assess_control *ac = &r->controls[i];
			for (size_t k = 0; k < ac->nitems; k++) {
				const struct assess_item *ai = &ac->items[k];
				struct dynbuf ref = DYNBUF_INIT;
				ref_text(ai, &ref);
				const char *cells[] = {
				    ai->item->id,
				    item_name(ai->item, o->lang),
				    dynbuf_ptr(&ref),
				    ai->has_target ? ai->target_text : "",
				    ai->provenance ? ai->value_text : "",
				    ai->provenance == PROVENANCE_MEASURED ? ai->measured_source
				    : ai->provenance ? L(o, "申告", "declared")
				                     : "",
				    assess_item_verdict_label(ai->verdict, o->lang),
				};
				table_row(&w,
				          ai->severity ? assess_severity_name(ai->severity) : NULL,
				          cells, 7);
				dynbuf_release(&ref);
			}
		}
		table_end(&w);
	}
	if (html)
		dynbuf_addstr(out, "</body>\n</html>\n");
	dynbuf_release(&t);
	return SG_OK;
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

static void evidence_cell(const struct profile_control *pc, struct dynbuf *out)
{
	for (size_t e = 0; e < pc->nevidence; e++) {
		const struct profile_evidence *ev = &pc->evidence[e];
		dynbuf_printf(out, "%s%s", e ? "\n" : "", ev->title);
		if (ev->path || ev->url)
			dynbuf_printf(out, " (%s)", ev->path ? ev->path : ev->url);
	}
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
		evidence_cell(pc, &ev);
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
			              L(o, "ギャップ: ", "gap: "), dynbuf_ptr(&g));
			dynbuf_release(&g);
		}
		for (size_t k = 0; k < rows; k++) {
			const struct assess_item *ai = ac->nitems ? &ac->items[k] : NULL;
			struct dynbuf ref = DYNBUF_INIT;
			char letter[2] = {ai ? ai->item->letter : '-', '\0'};
			if (ai)
				ref_text(ai, &ref);
			const char *row[] = {
			    ac->control->part == 2 ? "Annex 2" : "Annex 3",
			    ac->control->id,
			    ac->control->part == 2 ? "" : letter,
			    dynbuf_ptr(&ctl),
			    o->lang == SG_LANG_EN ? catalog_level_name(ac->control->level)
			                          : catalog_level_name_ja(ac->control->level),
			    ai ? item_name(ai->item, o->lang) : "",
			    dynbuf_ptr(&ref),
			    ai && ai->has_target ? ai->target_text : "",
			    ai && ai->provenance ? ai->value_text : "",
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

enum sg_code assess_oscal(const struct assess_result *r, json_t **out, struct sg_error *err)
{
	const struct profile *p = r->profile;
	json_t *doc, *ar, *res, *sel, *obs = json_array(), *findings = json_array(),
	                              *risks = json_array();
	char sha[65], uuid[37], start[32], name[256];

	(void)err;
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", p->sha256[i]);
	oscal_time((long long)r->now, start);
	sel = json_array();
	for (size_t i = 0; i < r->ncontrols; i++)
		json_array_append_new(sel,
		                      json_pack("{s:s}", "control-id", r->controls[i].control->id));
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		const struct profile_control *pc = ac->declared;
		json_t *f, *target, *status, *related = json_array(), *rrisks = NULL;
		struct dynbuf desc = DYNBUF_INIT;
		const char *impl = impl_state(pc->status);
		int satisfied =
		    ac->verdict == CONTROL_COMPLIANT || ac->verdict == CONTROL_NOT_APPLICABLE;

		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			json_t *o, *props;
			struct dynbuf d = DYNBUF_INIT;
			char ouuid[37], collected[32];
			if (!ai->provenance)
				continue;
			snprintf(name, sizeof(name), "%s/%s/%s/observation", sha, start,
			         ai->item->id);
			oscal_uuid(name, ouuid);
			dynbuf_printf(&d, "%s %s: %s", ai->item->id, ai->item->name_ja,
			              ai->value_text);
			dynbuf_addstr(&d, "（対策参照値 ");
			ref_text(ai, &d);
			if (ai->has_target)
				dynbuf_printf(&d, "、目標 %s", ai->target_text);
			dynbuf_printf(&d, "）: %s", assess_item_verdict_label(ai->verdict, 0));
			oscal_time(ai->provenance == PROVENANCE_MEASURED
			               ? (long long)ai->measured_at
			               : (long long)r->now,
			           collected);
			props = json_array();
			json_array_append_new(props,
			                      oscal_prop("evaluation-item", ai->item->id, NULL));
			json_array_append_new(props, oscal_prop("value", ai->value_text, NULL));
			json_array_append_new(
			    props,
			    oscal_prop("provenance", assess_provenance_name(ai->provenance), NULL));
			json_array_append_new(
			    props,
			    oscal_prop("verdict", assess_item_verdict_name(ai->verdict), NULL));
			o = json_pack("{s:s,s:s,s:s,s:[s],s:[s],s:s,s:o}", "uuid", ouuid, "title",
			              ai->item->id, "description", dynbuf_ptr(&d), "methods",
			              ai->provenance == PROVENANCE_MEASURED ? "TEST" : "EXAMINE",
			              "types", "control-objective", "collected", collected, "props",
			              props);
			if (ai->provenance == PROVENANCE_MEASURED)
				json_object_set_new(o, "remarks", json_string(ai->measured_source));
			json_array_append_new(obs, o);
			json_array_append_new(related,
			                      json_pack("{s:s}", "observation-uuid", ouuid));
			dynbuf_release(&d);
		}
		for (size_t e = 0; e < pc->nevidence; e++) {
			const struct profile_evidence *ev = &pc->evidence[e];
			json_t *o, *evj;
			char ouuid[37], collected[32];
			snprintf(name, sizeof(name), "%s/%s/%s/evidence/%zu", sha, start,
			         ac->control->id, e);
			oscal_uuid(name, ouuid);
			oscal_time(ev->collected ? ev->collected : (long long)r->now, collected);
			evj = json_pack("{s:s}", "description", ev->title);
			if (ev->path || ev->url)
				json_object_set_new(evj, "href",
				                    json_string(ev->url ? ev->url : ev->path));
			o = json_pack("{s:s,s:s,s:s,s:[s],s:s,s:[o]}", "uuid", ouuid, "title",
			              ev->title, "description", ev->title, "methods", "EXAMINE",
			              "collected", collected, "relevant-evidence", evj);
			if (ev->expires) {
				char exp[32];
				oscal_time(ev->expires, exp);
				json_object_set_new(o, "expires", json_string(exp));
			}
			json_array_append_new(obs, o);
			json_array_append_new(related,
			                      json_pack("{s:s}", "observation-uuid", ouuid));
		}
		dynbuf_printf(&desc, "%s %s: %s", ac->control->id, ac->control->title_ja,
		              assess_control_verdict_label(ac->verdict, 0));
		if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_NOT_ASSESSED) {
			dynbuf_addstr(&desc, "（");
			assess_gap_text(r, ac, 0, "; ", &desc);
			dynbuf_addstr(&desc, "）");
		} else if (pc->reason) {
			dynbuf_printf(&desc, "（%s）", pc->reason);
		}
		status = json_pack("{s:s,s:s}", "state", satisfied ? "satisfied" : "not-satisfied",
		                   "reason",
		                   ac->verdict == CONTROL_COMPLIANT ? "pass"
		                   : ac->verdict == CONTROL_GAP     ? "fail"
		                                                    : "other");
		target = json_pack("{s:s,s:s,s:o}", "type", "objective-id", "target-id",
		                   ac->control->id, "status", status);
		if (impl)
			json_object_set_new(target, "implementation-status",
			                    json_pack("{s:s}", "state", impl));
		snprintf(name, sizeof(name), "%s/%s/%s/finding", sha, start, ac->control->id);
		oscal_uuid(name, uuid);
		f = json_pack("{s:s,s:s,s:s,s:o}", "uuid", uuid, "title", ac->control->id,
		              "description", dynbuf_ptr(&desc), "target", target);
		json_object_set_new(f, "props", json_array());
		{
			json_t *props = json_object_get(f, "props");
			json_array_append_new(
			    props,
			    oscal_prop("level", catalog_level_name(ac->control->level), NULL));
			json_array_append_new(
			    props,
			    oscal_prop("verdict", assess_control_verdict_name(ac->verdict), NULL));
			if (ac->severity)
				json_array_append_new(
				    props, oscal_prop("severity",
				                      assess_severity_name(ac->severity), NULL));
		}
		if (json_array_size(related))
			json_object_set_new(f, "related-observations", related);
		else
			json_decref(related);
		if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_ACCEPTED_RISK) {
			char ruuid[37];
			json_t *risk;
			snprintf(name, sizeof(name), "%s/%s/%s/risk", sha, start, ac->control->id);
			oscal_uuid(name, ruuid);
			risk = json_pack(
			    "{s:s,s:s,s:s,s:s,s:s}", "uuid", ruuid, "title", ac->control->title_ja,
			    "description", dynbuf_ptr(&desc), "statement",
			    ac->verdict == CONTROL_ACCEPTED_RISK && pc->reason
			        ? pc->reason
			        : ac->control->text_ja,
			    "status",
			    ac->verdict == CONTROL_ACCEPTED_RISK ? "deviation-approved" : "open");
			if (ac->verdict == CONTROL_ACCEPTED_RISK) {
				char dl[32];
				oscal_time(pc->expires, dl);
				json_object_set_new(risk, "deadline", json_string(dl));
			}
			if (ac->severity)
				json_object_set_new(
				    risk, "props",
				    json_pack("[o]", oscal_prop("severity",
				                                assess_severity_name(ac->severity),
				                                NULL)));
			json_array_append_new(risks, risk);
			rrisks = json_pack("[{s:s}]", "risk-uuid", ruuid);
			json_object_set_new(f, "related-risks", rrisks);
		}
		json_array_append_new(findings, f);
		dynbuf_release(&desc);
	}
	snprintf(name, sizeof(name), "%s/%s/result", sha, start);
	oscal_uuid(name, uuid);
	{
		struct dynbuf d = DYNBUF_INIT;
		dynbuf_printf(&d,
		              "「%s」（パターン %d）の ASP・SaaS における情報セキュリティ対策"
		              "ガイドラインに基づく評価。%s",
		              p->service.name, r->pattern, verdict_line(r, 0, 0));
		res =
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:[{s:o}]},s:o,s:o}", "uuid", uuid, "title",
		              "saasguard assessment", "description", dynbuf_ptr(&d), "start", start,
		              "end", start, "reviewed-controls", "control-selections",
		              "include-controls", sel, "observations", obs, "findings", findings);
		dynbuf_release(&d);
	}
	{
		char pat[8];
		snprintf(pat, sizeof(pat), "%d", r->pattern);
		json_object_set_new(
		    res, "props",
		    json_pack("[o,o,o]", oscal_prop("pattern", pat, NULL),
		              oscal_prop("profile-sha256", sha, NULL),
		              oscal_prop("passed", r->summary.passed ? "true" : "false", NULL)));
	}
	if (json_array_size(risks))
		json_object_set_new(res, "risks", risks);
	else
		json_decref(risks);
	if (!json_array_size(obs))
		json_object_del(res, "observations");
	snprintf(name, sizeof(name), "%s/%s/assessment-results", sha, start);
	oscal_uuid(name, uuid);
	{
		struct dynbuf title = DYNBUF_INIT;
		dynbuf_printf(&title, "saasguard 評価結果: %s", p->service.name);
		ar = json_pack(
		    "{s:s,s:o,s:{s:s,s:s},s:[o]}", "uuid", uuid, "metadata",
		    oscal_metadata(dynbuf_ptr(&title), SAASGUARD_VERSION), "import-ap", "href",
		    p->path, "remarks",
		    "saasguard profile file; the assessment plan is the guideline pattern's "
		    "reference values",
		    "results", res);
		dynbuf_release(&title);
	}
	doc = json_pack("{s:o}", "assessment-results", ar);
	*out = doc;
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
