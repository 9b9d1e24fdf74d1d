/*
 * profile_starter - the starter profile of `saasguard init`; see
 * profile_starter.h.
 */
#include <string.h>

#include "i18n.h"
#include "judge.h"
#include "profile_starter.h"
#include "banned.h"

#define COMMENT_COLS 76

/* "# text" lines, wrapped at COMMENT_COLS display columns. */
static void comment(struct dynbuf *out, const char *indent, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t para = nl ? (size_t)(nl - p) : strlen(p);
		char *line = NULL;
		size_t done = 0;

		while (done < para || !para) {
			size_t rest = para - done, take;
			char buf[1024];
			if (rest >= sizeof(buf))
				rest = sizeof(buf) - 1;
			memcpy(buf, p + done, rest);
			buf[rest] = '\0';
			take = i18n_fit_bytes(buf, COMMENT_COLS);
			if (!take)
				take = rest ? 1 : 0;
			/* break English at a space */
			if (take < rest) {
				size_t sp = take;
				while (sp > 0 && buf[sp] != ' ')
					sp--;
				if (sp > take / 2)
					take = sp + 1;
			}
			dynbuf_printf(out, "%s#   ", indent);
			dynbuf_add(out, buf, take);
			while (out->len && out->buf[out->len - 1] == ' ')
				dynbuf_setlen(out, out->len - 1);
			dynbuf_addch(out, '\n');
			done += take;
			if (!para)
				break;
		}
		(void)line;
		p += para + (nl ? 1 : 0);
	}
}

static void yaml_quoted(struct dynbuf *out, const char *s)
{
	dynbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			dynbuf_addch(out, '\\');
		if (*s == '\n')
			dynbuf_addstr(out, "\\n");
		else
			dynbuf_addch(out, *s);
	}
	dynbuf_addch(out, '"');
}

/* An example value for an item: the reference's own, in the value grammar. */
static void example(const struct eval_item *it, int pattern, struct dynbuf *out)
{
	const struct reference_value *m = judge_model(it, pattern);

	switch (m->kind) {
	case REF_ANY_OF:
	case REF_ALL_OF:
		dynbuf_addch(out, '[');
		value_set_format(m->quantity.set, m->quantity.members, out);
		dynbuf_addch(out, ']');
		break;
	case REF_EVERY_BACKUP:
		dynbuf_addstr(out, "every_backup");
		break;
	case REF_DONE:
		dynbuf_addstr(out, "true");
		break;
	case REF_24X7:
		dynbuf_addstr(out, "24x7");
		break;
	default:
		if (m->quantity.type == VALUE_PERCENT || m->quantity.type == VALUE_SET)
			value_format(&m->quantity, out);
		else
			dynbuf_addstr(out, m->quantity_text);
	}
}

enum sg_code profile_starter(const struct catalog *cat, const struct starter_opts *o,
                             struct dynbuf *out, struct sg_error *err)
{
	int en = o->lang == SG_LANG_EN;
	const char *section = "";

	if (o->pattern < 1 || o->pattern > CATALOG_PATTERNS)
		return sg_error_set(err, SG_ERR_USAGE, "pattern %d", o->pattern);
	dynbuf_printf(
	    out,
	    en ? "# saasguard profile (written by `saasguard init`): one file per service.\n"
	         "# The MIC ASP/SaaS information security guideline, pattern %d.\n"
	         "# For each countermeasure set status: implemented | partial | planned |\n"
	         "# not_implemented | not_applicable | accepted_risk; add owner, evidence\n"
	         "# ({title, path, sha256, collected, expires}) and the values of its\n"
	         "# evaluation items. not_applicable and accepted_risk need reason:, and\n"
	         "# accepted_risk needs expires:. Then run: saasguard assess FILE\n"
	       : "# saasguard プロファイル（saasguard init で作成）: サービスごとに1ファイル。\n"
	         "# 総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」パターン %d。\n"
	         "# 対策項目ごとに status: implemented（実施済み）| partial（一部実施）|\n"
	         "# planned（計画中）| not_implemented（未実施）| not_applicable（対象外）|\n"
	         "# accepted_risk（リスク受容）を書き、owner（担当）、evidence（証跡: title,\n"
	         "# path, sha256, collected, expires）、評価項目の values を記入します。\n"
	         "# not_applicable と accepted_risk には reason:、accepted_risk には expires: "
	         "が必要です。\n"
	         "# 記入後: saasguard assess ファイル名\n",
	    o->pattern);
	dynbuf_addstr(out, "service:\n  name: ");
	yaml_quoted(out, o->name ? o->name : (en ? "(service name)" : "（サービス名）"));
	dynbuf_addch(out, '\n');
	if (o->classified)
		dynbuf_printf(out,
		              "  classification: {personal_information: %s, trade_secrets: %s, "
		              "availability: %s}   # %s %d\n",
		              o->personal_information ? "true" : "false",
		              o->trade_secrets ? "true" : "false", o->availability,
		              en ? "gives pattern" : "→ パターン", o->pattern);
	else
		dynbuf_printf(out, "  pattern: %d\n", o->pattern);
	dynbuf_addstr(out, "\ncontrols:\n");
	for (size_t i = 0; i < cat->ncontrols; i++) {
		const struct control *c = &cat->controls[i];
		const struct section *sec = catalog_section(cat, c->section);

		if (strcmp(section, c->section)) {
			section = c->section;
			dynbuf_printf(out, "\n  # ==== %s %s ====\n", sec ? sec->id : c->section,
			              sec ? (en ? sec->title_en : sec->title_ja) : "");
		}
		dynbuf_printf(out, "\n  # %s %s【%s】\n", c->id, en ? c->title_en : c->title_ja,
		              en ? catalog_level_name(c->level) : catalog_level_name_ja(c->level));
		comment(out, "  ", en ? c->summary_en : c->text_ja);
		dynbuf_printf(out,
		              "  %s:\n    status: not_implemented\n    owner:\n    evidence: []\n",
		              c->id);
		if (!c->nitems)
			continue;
		dynbuf_printf(out, "    values:%s\n",
		              en ? "   # * marks a value that must especially be met"
		                 : "   # * は特に達成が必要な値");
		for (size_t k = 0; k < c->nitems; k++) {
			const struct eval_item *it = &c->items[k];
			const struct reference_value *r = catalog_item_ref(it, o->pattern);
			struct dynbuf ex = DYNBUF_INIT;
			example(it, o->pattern, &ex);
			if (r->kind == REF_NONE)
				dynbuf_printf(
				    out,
				    en ? "      # %c: %-14s # %s — reference: - (none for "
				         "this pattern; set targets: %c: to commit to one)\n"
				       : "      # %c: %-14s # %s — 対策参照値: -（このパターン"
				         "には参照値なし。targets: %c: で目標を定められます）\n",
				    it->letter, dynbuf_ptr(&ex), en ? it->name_en : it->name_ja,
				    it->letter);
			else
				dynbuf_printf(out,
				              en ? "      # %c: %-14s # %s — reference: %s%s\n"
				                 : "      # %c: %-14s # %s — 対策参照値: %s%s\n",
				              it->letter, dynbuf_ptr(&ex),
				              en ? it->name_en : it->name_ja, r->text_ja,
				              r->required ? "*" : "");
			dynbuf_release(&ex);
		}
	}
	return SG_OK;
}
