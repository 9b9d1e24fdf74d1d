/*
 * sla - the SLA commitments table; see sla.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "sla.h"
#include "timeutil.h"
#include "banned.h"

const char *const sla_format_names[] = {"markdown", "html", "json", "xlsx", NULL};

static const struct {
	const char *ja, *en;
	double seconds;
} dur_units[] = {
    {"年", "year", VALUE_YEAR_SECONDS},
    {"ヶ月", "month", VALUE_MONTH_SECONDS},
    {"週間", "week", 7 * 86400},
    {"日", "day", 86400},
    {"時間", "hour", 3600},
    {"分", "minute", 60},
    {"秒", "second", 1},
};

static size_t dur_unit(double seconds, double *q)
{
	size_t n = sizeof(dur_units) / sizeof(dur_units[0]);

	for (size_t i = 0; i < n; i++) {
		*q = seconds / dur_units[i].seconds;
		if (*q >= 1 && fabs(*q - round(*q)) < 1e-9)
			return i;
	}
	*q = seconds;
	return n - 1;
}

static void duration_en(double seconds, struct dynbuf *out);

/* "24h" -> "24時間" / "24 hours", keeping the unit the text was written in;
 * other texts (Japanese already, or none) fall back to seconds. */
static void duration_words(const char *text, double seconds, int lang, struct dynbuf *out)
{
	static const struct {
		const char *unit;
		size_t idx;
	} map[] = {{"y", 0}, {"mo", 1}, {"w", 2}, {"d", 3}, {"h", 4}, {"m", 5}, {"s", 6}};
	const char *p = text ? text : "";
	size_t digits;

	if (!strncmp(p, "service+", 8))
		p += 8;
	digits = strspn(p, "0123456789");
	if (digits && digits < 12) {
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			if (strcmp(p + digits, map[i].unit))
				continue;
			long n = strtol(p, NULL, 10);
			if (lang == SG_LANG_EN)
				dynbuf_printf(out, "%ld %s%s", n, dur_units[map[i].idx].en,
				              n == 1 ? "" : "s");
			else
				dynbuf_printf(out, "%ld%s", n, dur_units[map[i].idx].ja);
			return;
		}
	}
	if (lang == SG_LANG_EN)
		duration_en(seconds, out);
	else
		sla_duration_ja(seconds, out);
}

void sla_duration_ja(double seconds, struct dynbuf *out)
{
	double q;
	size_t u = dur_unit(seconds, &q);

	dynbuf_printf(out, "%.0f%s", round(q), dur_units[u].ja);
}

static void duration_en(double seconds, struct dynbuf *out)
{
	double q;
	size_t u = dur_unit(seconds, &q);

	dynbuf_printf(out, "%.0f %s%s", round(q), dur_units[u].en, round(q) == 1 ? "" : "s");
}

static const char *member_ja(enum value_set set, unsigned bit)
{
	if (set == SET_AUTH)
		return bit == AUTH_PASSWORD    ? "ID・パスワード"
		       : bit == AUTH_IC_CARD   ? "ICカード"
		       : bit == AUTH_BIOMETRIC ? "生体認証"
		                               : "デジタル証明書による認証";
	if (set == SET_ENCRYPTION)
		return bit == ENC_TLS ? "HTTP暗号通信（SSL（TLS）等）"
		                      : "IP暗号通信（VPN（IPsec）等）";
	return bit == ORIG_TIMESTAMP   ? "時刻認証"
	       : bit == ORIG_SIGNATURE ? "署名"
	                               : "印刷データ電子化・管理";
}

static const char *member_en(enum value_set set, unsigned bit)
{
	if (set == SET_AUTH)
		return bit == AUTH_PASSWORD    ? "ID and password"
		       : bit == AUTH_IC_CARD   ? "IC card"
		       : bit == AUTH_BIOMETRIC ? "biometrics"
		                               : "digital certificate";
	if (set == SET_ENCRYPTION)
		return bit == ENC_TLS ? "HTTPS (TLS)" : "IPsec VPN";
	return bit == ORIG_TIMESTAMP   ? "time-stamping"
	       : bit == ORIG_SIGNATURE ? "signature"
	                               : "print digitization";
}

static void members(const struct value *v, int lang, int all, struct dynbuf *out)
{
	unsigned bits[4];
	size_t n = 0;

	for (unsigned b = 1; b <= 8; b <<= 1)
		if (v->members & b)
			bits[n++] = b;
	for (size_t i = 0; i < n; i++) {
		if (i)
			dynbuf_addstr(out, lang == SG_LANG_EN
			                       ? (i + 1 == n ? (all ? " and " : " or ") : ", ")
			                       : (i + 1 == n ? (all ? "及び" : "又は") : "、"));
		dynbuf_addstr(out, lang == SG_LANG_EN ? member_en(v->set, bits[i])
		                                      : member_ja(v->set, bits[i]));
	}
}

/* The clause for an item whose committed value is v of kind k. */
static void clause(const struct assess_item *ai, const struct value *v, const char *text, int lang,
                   struct dynbuf *out)
{
	const char *name = lang == SG_LANG_EN ? ai->item->name_en : ai->item->name_ja;
	int en = lang == SG_LANG_EN;
	struct dynbuf d = DYNBUF_INIT;

	if (v->type == VALUE_DURATION || v->type == VALUE_SERVICE_PLUS)
		duration_words(text, v->seconds, lang, &d);
	switch (ai->kind) {
	case REF_MAX_INTERVAL:
		dynbuf_printf(out, en ? "%s: at least once every %s." : "%sは、%sに1回以上とする。",
		              name, dynbuf_ptr(&d));
		break;
	case REF_MAX_DELAY:
		dynbuf_printf(out, en ? "%s: within %s." : "%sは、%s以内とする。", name,
		              dynbuf_ptr(&d));
		break;
	case REF_MIN_PERCENTAGE:
		dynbuf_printf(out, en ? "%s: at least %g%%." : "%sは、%g%%以上とする。", name,
		              v->percent);
		break;
	case REF_MIN_RETENTION:
		dynbuf_printf(out, en ? "%s: kept for at least %s." : "%sは、%s以上とする。", name,
		              dynbuf_ptr(&d));
		break;
	case REF_MIN_DURATION:
		dynbuf_printf(out, en ? "%s: at least %s." : "%sは、%s以上とする。", name,
		              dynbuf_ptr(&d));
		break;
	case REF_MIN_COUNT:
		dynbuf_printf(out, en ? "%s: at least %lld." : "%sは、%lld%s以上とする。", name,
		              v->count, en || !strstr(name, "世代") ? "" : "世代");
		break;
	case REF_SERVICE_PLUS:
		dynbuf_printf(out,
		              en ? "%s: the service period plus at least %s."
		                 : "%sは、サービス提供期間に%s以上を加えた期間とする。",
		              name, dynbuf_ptr(&d));
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
		dynbuf_printf(out, en ? "%s: " : "%sは、", name);
		members(v, lang, ai->kind == REF_ALL_OF, out);
		dynbuf_addstr(out, en ? "." : "による。");
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
	dynbuf_release(&d);
}

struct commitment {
	const struct assess_control *ac;
	const struct assess_item *ai;
	const struct value *committed; /* NULL: none */
	const char *text;              /* as written (target) or in the data (reference) */
	const char *from;              /* "target" | "reference" | NULL */
	int applicable;
};

static void commitment_of(const struct assess_control *ac, const struct assess_item *ai,
                          struct commitment *c)
{
	c->ac = ac;
	c->ai = ai;
	c->applicable = ac->verdict != CONTROL_NOT_APPLICABLE;
	if (ai->has_target) {
		c->committed = &ai->target;
		c->text = ai->target_text;
		c->from = "target";
	} else if (ai->ref->kind != REF_NONE) {
		c->committed = &ai->ref->quantity;
		c->text = ai->ref->quantity_text;
		c->from = "reference";
	} else {
		c->committed = NULL;
		c->text = NULL;
		c->from = NULL;
	}
}

static void committed_text(const struct commitment *c, int lang, struct dynbuf *out)
{
	if (!c->committed) {
		dynbuf_addstr(out, TR(lang, "個別に定める（ガイドラインの参照値なし）",
		                      "to be agreed (no reference value in the guideline)"));
		return;
	}
	clause(c->ai, c->committed, c->text, lang, out);
}

/* The committed value in the value grammar, as written where possible. */
static void committed_value(const struct commitment *c, struct dynbuf *out)
{
	const struct value *v = c->committed;

	if (!v)
		return;
	if (v->type == VALUE_NONE) /* kinds without a quantity: done, 24x7, every_backup */
		dynbuf_addstr(out, c->ai->kind == REF_DONE           ? "true"
		                   : c->ai->kind == REF_24X7         ? "24x7"
		                   : c->ai->kind == REF_EVERY_BACKUP ? "every_backup"
		                                                     : "");
	else if (c->text && *c->text && v->type != VALUE_SET)
		dynbuf_addstr(out, c->text);
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
			struct dynbuf ja = DYNBUF_INIT, en = DYNBUF_INIT, val = DYNBUF_INIT;
			commitment_of(ac, &ac->items[k], &c);
			committed_text(&c, SG_LANG_JA, &ja);
			committed_text(&c, SG_LANG_EN, &en);
			committed_value(&c, &val);
			json_array_append_new(
			    list,
			    json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:b,s:s,s:s}", "id",
			              c.ai->item->id, "control", ac->control->id, "name_ja",
			              c.ai->item->name_ja, "name_en", c.ai->item->name_en, "level",
			              catalog_level_name(ac->control->level), "required",
			              c.ai->ref->required, "reference_ja", c.ai->ref->text_ja,
			              "committed",
			              c.committed ? json_string(dynbuf_ptr(&val)) : json_null(),
			              "committed_from", c.from ? json_string(c.from) : json_null(),
			              "applicable", c.applicable, "clause_ja", dynbuf_ptr(&ja),
			              "clause_en", dynbuf_ptr(&en)));
			dynbuf_release(&ja);
			dynbuf_release(&en);
			dynbuf_release(&val);
		}
	}
	json_object_set_new(j, "commitments", list);
	return j;
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

enum sg_code sla_write(const struct assess_result *r, enum sla_format fmt, int lang,
                       struct dynbuf *out, struct sg_error *err)
{
	const char *cols_ja[] = {"項番", "評価項目", "区分", "対策参照値", "約定値", "条項"};
	const char *cols_en[] = {"item",      "evaluation item", "level", "reference value",
	                         "committed", "clause"};
	const char *const *cols = lang == SG_LANG_EN ? cols_en : cols_ja;
	int html = fmt == SLA_HTML;
	struct dynbuf title = DYNBUF_INIT;

	if (fmt == SLA_XLSX)
		return sg_error_set(err, SG_ERR_INTERNAL, "sla_write: xlsx is sla_xlsx()'s");

	if (fmt == SLA_JSON) {
		json_t *j = sla_to_json(r);
		char *s = json_dumps(j, JSON_INDENT(2));
		dynbuf_addstr(out, s);
		dynbuf_addch(out, '\n');
		free(s);
		json_decref(j);
		return SG_OK;
	}
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
	       "評価項目について、当社が約定する値を示します。目標を定めた項目は、"
	       "対策参照値より厳しい当社の目標値を約定値とします。* は特に達成が必要な値です。",
	       "The values committed to for each evaluation item of pattern %d of the MIC "
	       "ASP/SaaS information security guideline. Where the provider set a stricter "
	       "target, the target is the commitment. * marks a value that must especially "
	       "be met."),
	    r->pattern);
	dynbuf_addstr(out, html ? "</p>\n<table>\n<thead><tr>" : "\n\n");
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
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		for (size_t k = 0; k < ac->nitems; k++) {
			struct commitment c;
			struct dynbuf ref = DYNBUF_INIT, val = DYNBUF_INIT, cl = DYNBUF_INIT;
			commitment_of(ac, &ac->items[k], &c);
			dynbuf_printf(&ref, "%s%s", c.ai->ref->text_ja,
			              c.ai->ref->required ? "*" : "");
			if (c.committed)
				committed_value(&c, &val);
			else
				dynbuf_addstr(&val, "-");
			if (c.from && !strcmp(c.from, "target"))
				dynbuf_addstr(&val, TR(lang, "（目標）", " (target)"));
			if (!c.applicable)
				dynbuf_printf(&cl, TR(lang, "対象外: %s", "not applicable: %s"),
				              ac->declared->reason ? ac->declared->reason : "");
			else
				committed_text(&c, lang, &cl);
			dynbuf_addstr(out,
			              html ? (c.applicable ? "<tr>" : "<tr class=\"na\">") : "");
			cell(out, c.ai->item->id, html);
			cell(out, lang == SG_LANG_EN ? c.ai->item->name_en : c.ai->item->name_ja,
			     html);
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
	}
	if (html)
		dynbuf_addstr(out, "</tbody>\n</table>\n</body>\n</html>\n");
	dynbuf_release(&title);
	return SG_OK;
}
