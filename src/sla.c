/*
 * sla - the SLA commitments table; see sla.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "judge.h"
#include "sla.h"
#include "timeutil.h"
#include "banned.h"

const char *const sla_format_names[] = {"markdown", "html", "json", "xlsx", NULL};

/* "1 month" -> "monthly" (never "at least once every 1 month"); NULL otherwise. */
static const char *every_one(const char *words)
{
	static const char *const map[][2] = {{"1 year", "yearly"},
	                                     {"1 month", "monthly"},
	                                     {"1 week", "weekly"},
	                                     {"1 day", "daily"},
	                                     {"1 hour", "hourly"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(words, map[i][0]))
			return map[i][1];
	return NULL;
}

/* The clause for an item whose committed value is v: the item's name, the
 * point the time is measured from where the reference names one (catalog
 * data: 「ベンダリリースから」「検知後」), and the value in words. */
static void clause(const struct assess_item *ai, const struct value *v, const char *token, int lang,
                   struct dynbuf *out)
{
	const struct eval_item *it = ai->item;
	const char *name = lang == SG_LANG_EN ? it->name_en : it->name_ja;
	int en = lang == SG_LANG_EN;
	struct dynbuf w = DYNBUF_INIT;
	enum ref_kind kind = ai->kind;

	if (!judge_token_words(token, lang, &w))
		judge_value_words(v, kind, lang, &w);
	if ((v->type == VALUE_BOOL && !v->boolean) ||
	    (v->type == VALUE_STANDBY && v->standby == STANDBY_NONE)) {
		dynbuf_printf(out, en ? "%s: no commitment." : "%sについては、約定しない。", name);
		dynbuf_release(&w);
		return;
	}
	if (kind == REF_EVERY_BACKUP && v->type == VALUE_DURATION)
		kind = REF_MAX_INTERVAL; /* verified at an interval, not at every backup */
	switch (kind) {
	case REF_MAX_INTERVAL:
		if (en && every_one(dynbuf_ptr(&w)))
			dynbuf_printf(out, "%s: at least %s.", name, every_one(dynbuf_ptr(&w)));
		else
			dynbuf_printf(
			    out, en ? "%s: at least once every %s." : "%sは、%sに1回以上とする。",
			    name, dynbuf_ptr(&w));
		break;
	case REF_MAX_DELAY:
		if (en)
			dynbuf_printf(out, "%s: within %s%s%s.", name, dynbuf_ptr(&w),
			              it->starts_en ? " " : "", it->starts_en ? it->starts_en : "");
		else
			dynbuf_printf(out, "%sは、%s%s以内とする。", name,
			              it->starts_ja ? it->starts_ja : "", dynbuf_ptr(&w));
		break;
	case REF_MIN_PERCENTAGE:
	case REF_MIN_DURATION:
		dynbuf_printf(out, en ? "%s: at least %s." : "%sは、%s以上とする。", name,
		              dynbuf_ptr(&w));
		break;
	case REF_MIN_RETENTION:
		dynbuf_printf(out, en ? "%s: kept for at least %s." : "%sは、%s以上とする。", name,
		              dynbuf_ptr(&w));
		break;
	case REF_MIN_COUNT:
		if (en)
			dynbuf_printf(out, "%s: at least %s%s.", name, dynbuf_ptr(&w),
			              !strstr(it->name_ja, "世代") ? ""
			              : v->count == 1              ? " generation"
			                                           : " generations");
		else
			dynbuf_printf(out, "%sは、%s%s以上とする。", name, dynbuf_ptr(&w),
			              !strstr(name, "世代") ? "" : "世代");
		break;
	case REF_SERVICE_PLUS:
		dynbuf_printf(out,
		              en ? "%s: the service period plus at least %s."
		                 : "%sは、サービス提供期間に%s以上を加えた期間とする。",
		              name,
		              dynbuf_ptr(&w) + (en ? strlen("the service period plus ")
		                                   : strlen("サービス提供期間＋")));
		break;
	case REF_EVERY_BACKUP:
		dynbuf_printf(out,
		              en ? "%s: at every backup." : "%sは、バックアップ実施の都度とする。",
		              name);
		break;
	case REF_STANDBY:
		dynbuf_printf(out,
		              v->standby == STANDBY_HOT
		                  ? (en ? "%s: possible with a hot standby."
		                        : "%sは、ホットスタンバイにより可能とする。")
		                  : (en ? "%s: possible with a cold (or hot) standby."
		                        : "%sは、コールドスタンバイ（又はホットスタンバイ）により可"
		                          "能とする。"),
		              name);
		break;
	case REF_ANY_OF:
	case REF_ALL_OF:
		dynbuf_printf(out, en ? "%s: %s." : "%sは、%sによる。", name, dynbuf_ptr(&w));
		break;
	case REF_DONE:
		if (en) {
			dynbuf_printf(out, "%s: in place.", name);
		} else {
			/* "複数給電の実施" -> "複数給電を実施する。" */
			size_t n = strlen(name);
			const char *verb = "を実施する";
			if (n > 9 && !strcmp(name + n - 9, "の設置"))
				verb = "を設置する";
			if (n > 9 &&
			    (!strcmp(name + n - 9, "の実施") || !strcmp(name + n - 9, "の設置")))
				n -= 9;
			dynbuf_add(out, name, n);
			dynbuf_addstr(out, verb);
			if (strcmp(ai->ref->text_ja, "実施") && strcmp(ai->ref->text_ja, "-"))
				dynbuf_printf(out, "（%s）", ai->ref->text_ja);
			dynbuf_addstr(out, "。");
		}
		break;
	case REF_24X7:
		dynbuf_printf(out,
		              en ? "%s: around the clock, all year." : "%sは、365日24時間とする。",
		              name);
		break;
	case REF_NONE:
		break;
	}
	dynbuf_release(&w);
}

struct commitment {
	const struct assess_control *ac;
	const struct assess_item *ai;
	const struct value *committed; /* NULL: none */
	const char *token;             /* as written: the target, the declared value, the data */
	const char *from;              /* "target" | "declared" | "reference" | NULL */
	int applicable;
	int short_of_reference; /* the provider's own value does not meet the reference */
};

static void commitment_of(const struct assess_control *ac, const struct assess_item *ai,
                          struct commitment *c)
{
	c->ac = ac;
	c->ai = ai;
	c->applicable = ac->verdict != CONTROL_NOT_APPLICABLE;
	c->short_of_reference = 0;
	c->token = NULL;
	if (ai->has_target) {
		c->committed = &ai->target;
		c->token = ai->target_text;
		c->from = "target";
	} else if (ai->has_declared) {
		c->committed = &ai->declared;
		c->token = ai->declared_text;
		c->from = "declared";
	} else if (ai->ref->kind != REF_NONE) {
		c->committed = &ai->ref->quantity;
		c->token = ai->ref->quantity_text;
		c->from = "reference";
	} else {
		c->committed = NULL;
		c->from = NULL;
	}
	if (c->committed && c->from[0] != 'r' && ai->ref->kind != REF_NONE)
		c->short_of_reference = !judge_meets(ai->kind, &ai->ref->quantity, c->committed);
}

static void committed_text(const struct commitment *c, int lang, struct dynbuf *out)
{
	if (!c->committed) {
		dynbuf_printf(out,
		              TR(lang, "%sは、個別に定める（ガイドラインの対策参照値なし）。",
		                 "%s: to be agreed (no reference value in the guideline)."),
		              lang == SG_LANG_EN ? c->ai->item->name_en : c->ai->item->name_ja);
		return;
	}
	clause(c->ai, c->committed, c->token, lang, out);
}

/* The committed value in words (「1ヶ月」「ホットスタンバイ」), never a token. */
static void committed_value(const struct commitment *c, int lang, struct dynbuf *out)
{
	if (c->committed && !judge_token_words(c->token, lang, out))
		judge_value_words(c->committed, c->ai->kind, lang, out);
	if (c->committed && c->committed->type == VALUE_COUNT &&
	    strstr(c->ai->item->name_ja, "世代")) /* 「3世代」 */
		dynbuf_addstr(out, lang == SG_LANG_EN
		                       ? (c->committed->count == 1 ? " generation" : " generations")
		                       : "世代");
}

/* The committed value in the value grammar, for machines (JSON). */
static void committed_token(const struct commitment *c, struct dynbuf *out)
{
	const struct value *v = c->committed;

	if (!v)
		return;
	if (v->type == VALUE_NONE) /* kinds without a quantity: done, 24x7, every_backup */
		dynbuf_addstr(out, c->ai->kind == REF_DONE           ? "true"
		                   : c->ai->kind == REF_24X7         ? "24x7"
		                   : c->ai->kind == REF_EVERY_BACKUP ? "every_backup"
		                                                     : "");
	else if (c->token && *c->token && v->type != VALUE_SET)
		dynbuf_addstr(out, c->token); /* as written: "24h" stays "24h" */
	else
		value_format(v, out);
}

json_t *sla_to_json(const struct assess_result *r)
{
	json_t *j = json_object(), *list = json_array();

	json_object_set_new(
	    j, "service",
	    json_pack("{s:s,s:i}", "name", r->profile->service.name, "pattern", r->pattern));
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			struct commitment c;
			struct dynbuf ja = DYNBUF_INIT, en = DYNBUF_INIT, val = DYNBUF_INIT,
			              vja = DYNBUF_INIT, ven = DYNBUF_INIT;
			json_t *o;
			commitment_of(ac, &ac->items[k], &c);
			committed_text(&c, SG_LANG_JA, &ja);
			committed_text(&c, SG_LANG_EN, &en);
			committed_token(&c, &val);
			committed_value(&c, SG_LANG_JA, &vja);
			committed_value(&c, SG_LANG_EN, &ven);
			o = json_pack(
			    "{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o,s:b,s:b,s:s,s:s}", "id",
			    c.ai->item->id, "control", ac->control->id, "name_ja",
			    c.ai->item->name_ja, "name_en", c.ai->item->name_en, "level",
			    catalog_level_name(ac->control->level), "required", c.ai->ref->required,
			    "reference_ja", c.ai->ref->text_ja, "committed",
			    c.committed ? json_string(dynbuf_ptr(&val)) : json_null(),
			    "committed_ja",
			    c.committed ? json_string(dynbuf_ptr(&vja)) : json_null(),
			    "committed_en",
			    c.committed ? json_string(dynbuf_ptr(&ven)) : json_null(),
			    "committed_from", c.from ? json_string(c.from) : json_null(),
			    "short_of_reference", c.short_of_reference, "applicable", c.applicable,
			    "clause_ja", dynbuf_ptr(&ja), "clause_en", dynbuf_ptr(&en));
			json_array_append_new(list, o);
			dynbuf_release(&ja);
			dynbuf_release(&en);
			dynbuf_release(&val);
			dynbuf_release(&vja);
			dynbuf_release(&ven);
		}
	}
	json_object_set_new(j, "commitments", list);
	return j;
}

size_t sla_shortfalls(const struct assess_result *r, int lang, struct dynbuf *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			struct commitment c;
			struct dynbuf v = DYNBUF_INIT, ref = DYNBUF_INIT;
			commitment_of(ac, &ac->items[k], &c);
			if (!c.applicable || !c.short_of_reference)
				continue;
			committed_value(&c, lang, &v);
			assess_reference_words(c.ai, lang, &ref);
			dynbuf_printf(
			    out,
			    TR(lang, "%s %s: 約定値「%s」は対策参照値「%s」%sに達しません。\n",
			       "%s %s: the committed value \"%s\" falls short of the "
			       "reference value \"%s\"%s.\n"),
			    c.ai->item->id,
			    lang == SG_LANG_EN ? c.ai->item->name_en : c.ai->item->name_ja,
			    dynbuf_ptr(&v), dynbuf_ptr(&ref),
			    c.ai->ref->required ? TR(lang, "（* 特に達成が必要な値）",
			                             " (* a value to be met especially)")
			                        : "");
			dynbuf_release(&v);
			dynbuf_release(&ref);
			n++;
		}
	}
	return n;
}

static void cell(struct dynbuf *out, const char *s, int html)
{
	if (html) {
		dynbuf_addstr(out, "<td>");
		dynbuf_add_html_escaped(out, s);
		dynbuf_addstr(out, "</td>");
		return;
	}
	dynbuf_addstr(out, "| ");
	for (; *s; s++) {
		if (*s == '|' || *s == '*')
			dynbuf_addch(out, '\\');
		dynbuf_addch(out, *s);
	}
	dynbuf_addch(out, ' ');
}

static void write_head(const struct assess_result *r, int lang, int html, struct dynbuf *out)
{
	struct dynbuf title = DYNBUF_INIT;

	dynbuf_printf(&title,
	              TR(lang, "サービスレベル合意（SLA）の約定値: %s", "SLA commitments: %s"),
	              r->profile->service.name);
	if (html) {
		dynbuf_printf(
		    out,
		    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<title>",
		    lang == SG_LANG_EN ? "en" : "ja");
		dynbuf_add_html_escaped(out, dynbuf_ptr(&title));
		dynbuf_addstr(out,
		              "</title>\n<style>\nbody{font-family:\"Noto Sans CJK JP\",sans-serif;"
		              "margin:2em auto;max-width:60em;padding:0 1em;color:#222}\n"
		              "table{border-collapse:collapse;width:100%;font-size:.9em}\n"
		              "th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top;"
		              "text-align:left}\nth{background:#eee}\ntr.na td{color:#888}\n"
		              "@media print{body{margin:0;max-width:none;font-size:10pt}"
		              "tr{page-break-inside:avoid}thead{display:table-header-group}}\n"
		              "</style>\n</head>\n<body>\n<h1>");
		dynbuf_add_html_escaped(out, dynbuf_ptr(&title));
		dynbuf_addstr(out, "</h1>\n<p>");
	} else {
		dynbuf_printf(out, "# %s\n\n", dynbuf_ptr(&title));
	}
	dynbuf_printf(
	    out,
	    TR(lang,
	       "総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」パターン %d の"
	       "評価項目について、当社が約定する値（約定値）を示します。約定値は当社が定めた"
	       "目標値、目標がない項目は当社が申告した値、いずれもない項目はガイドラインの"
	       "対策参照値です。対策参照値は目安であり、* は特に達成が必要な値です。",
	       "The values committed to for each evaluation item of pattern %d of the MIC "
	       "ASP/SaaS information security guideline: the provider's own target where it "
	       "set one, else the value it declared, else the guideline's reference value. "
	       "Reference values are guides; * marks a value that must especially be met."),
	    r->pattern);
	dynbuf_addstr(out, html ? "</p>\n<table>\n<thead><tr>" : "\n\n");
	dynbuf_release(&title);
}

static void write_row(const struct assess_control *ac, const struct assess_item *ai, int lang,
                      int html, struct dynbuf *out)
{
	struct commitment c;
	struct dynbuf ref = DYNBUF_INIT, val = DYNBUF_INIT, cl = DYNBUF_INIT;

	commitment_of(ac, ai, &c);
	assess_reference_words(c.ai, lang, &ref);
	dynbuf_addstr(&ref, c.ai->ref->required ? "*" : "");
	if (c.committed)
		committed_value(&c, lang, &val);
	else
		dynbuf_addstr(&val, "-");
	if (c.from && !strcmp(c.from, "target"))
		dynbuf_addstr(&val, TR(lang, "（目標）", " (target)"));
	if (!c.applicable)
		dynbuf_printf(&cl, TR(lang, "対象外: %s", "not applicable: %s"),
		              ac->declared->reason ? ac->declared->reason : "");
	else
		committed_text(&c, lang, &cl);
	dynbuf_addstr(out, html ? (c.applicable ? "<tr>" : "<tr class=\"na\">") : "");
	cell(out, c.ai->item->id, html);
	cell(out, lang == SG_LANG_EN ? c.ai->item->name_en : c.ai->item->name_ja, html);
	cell(out,
	     lang == SG_LANG_EN ? catalog_level_name(ac->control->level)
	                        : catalog_level_name_ja(ac->control->level),
	     html);
	cell(out, dynbuf_ptr(&ref), html);
	cell(out, dynbuf_ptr(&val), html);
	cell(out, dynbuf_ptr(&cl), html);
	dynbuf_addstr(out, html ? "</tr>\n" : "|\n");
	dynbuf_release(&ref);
	dynbuf_release(&val);
	dynbuf_release(&cl);
}

enum sg_code sla_write(const struct assess_result *r, enum sla_format fmt, int lang,
                       struct dynbuf *out, struct sg_error *err)
{
	const char *cols_ja[] = {"項番", "評価項目", "区分", "対策参照値", "約定値", "条項"};
	const char *cols_en[] = {"item",      "evaluation item", "level", "reference value",
	                         "committed", "clause"};
	const char *const *cols = lang == SG_LANG_EN ? cols_en : cols_ja;
	int html = fmt == SLA_HTML;

	if (fmt == SLA_XLSX)
		return sg_error_set(err, SG_ERR_INTERNAL, "sla_write: xlsx is sla_xlsx()'s");
	if (fmt == SLA_JSON) {
		json_t *j = sla_to_json(r);
		char *s = json_dumps(j, JSON_INDENT(2));
		dynbuf_addstr(out, s);
		dynbuf_addch(out, '\n');
		free(s);
		json_decref(j);
		return dynbuf_status(out);
	}
	write_head(r, lang, html, out);
	for (int i = 0; i < 6; i++) {
		if (html) {
			dynbuf_addstr(out, "<th>");
			dynbuf_add_html_escaped(out, cols[i]);
			dynbuf_addstr(out, "</th>");
		} else {
			dynbuf_printf(out, "| %s ", cols[i]);
		}
	}
	dynbuf_addstr(out, html ? "</tr></thead>\n<tbody>\n" : "|\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < r->ncontrols; i++)
		for (size_t k = 0; k < r->controls[i].nitems; k++)
			write_row(&r->controls[i], &r->controls[i].items[k], lang, html, out);
	if (html)
		dynbuf_addstr(out, "</tbody>\n</table>\n</body>\n</html>\n");
	return dynbuf_status(out);
}
