/*
 * cmd_catalog - `saasguard catalog list|show|export`: the guideline as data.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "oscal.h"
#include "table.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard catalog list [--part II|III] [--level basic|recommended] [--pattern N]\n"
    "                              [--format table|json|csv|markdown]\n"
    "        saasguard catalog show ID [--pattern N] [--format table|json|markdown]\n"
    "        saasguard catalog export --format json|oscal [--pattern N] [--output PATH]\n"
    "        saasguard catalog glossary [用語] [--format table|json|markdown]\n\n"
    "  list    対策項目（全68項目）の一覧。--pattern でそのパターンの対策参照値も表示\n"
    "  show    対策項目・評価項目・節の詳細（ID は III.1.1.1、Ⅲ. 1. 1. 1、III.1.1.1.a など）\n"
    "  export  カタログ全体を JSON で、または OSCAL 1.1.3 カタログで出力。\n"
    "          --format oscal --pattern N はパターン N の対策参照値を設定する OSCAL プロファイル\n"
    "  glossary I.9 用語の定義（利用者、管理責任者、外部ネットワーク …）\n";
static const char usage_en[] =
    "usage: saasguard catalog list [--part II|III] [--level basic|recommended] [--pattern N]\n"
    "                              [--format table|json|csv|markdown]\n"
    "       saasguard catalog show ID [--pattern N] [--format table|json|markdown]\n"
    "       saasguard catalog export --format json|oscal [--pattern N] [--output PATH]\n"
    "       saasguard catalog glossary [TERM] [--format table|json|markdown]\n\n"
    "  list    the 68 countermeasures; --pattern adds that pattern's reference values\n"
    "  show    one countermeasure, evaluation item or section (III.1.1.1, Ⅲ. 1. 1. 1,\n"
    "          III.1.1.1.a, II.1 ...)\n"
    "  export  the whole catalog as JSON, or as an OSCAL 1.1.3 catalog;\n"
    "          --format oscal --pattern N gives an OSCAL profile for pattern N\n"
    "  glossary the I.9 definitions (user, responsible manager, external network ...)\n";

#define USAGE(cli) TR((cli)->lang, usage_ja, usage_en)

struct opts {
	const char *part;
	int level;    /* -1: any */
	long pattern; /* 0: all */
	int format;
	const char *output;
};

enum { OPT_PART = 256, OPT_LEVEL, OPT_PATTERN, OPT_FORMAT, OPT_OUTPUT, OPT_HELP };

static const struct option long_opts[] = {
    {"part", required_argument, NULL, OPT_PART},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses options; returns -1 to continue, or an exit status. `allowed` lists
 * the options this subcommand takes, `formats` its formats. */
static int parse_opts(struct cli *cli, const char *cmd, int argc, char **argv, const char *allowed,
                      const char *const *formats, struct opts *o, int *first_arg)
{
	static const char *const parts[] = {"II", "III", NULL};
	static const char *const levels[] = {"basic", "recommended", NULL};
	int c, status;

	memset(o, 0, sizeof(*o));
	o->level = -1;
	cli_getopt_reset();
	while ((c = cli_option(cli, cmd, USAGE(cli), argc, argv, long_opts, &status)) > 0) {
		const char *name =
		    c >= OPT_PART && c < OPT_HELP ? long_opts[c - OPT_PART].name : "";
		if (!strstr(allowed, name))
			return cli_usage_error(cli, cmd,
			                       TR(cli->lang,
			                          "--%s はこのサブコマンドでは使えません",
			                          "--%s does not apply here"),
			                       name);
		switch (c) {
		case OPT_PART:
			if (cli_choice(cli, cmd, "--part", optarg, parts) < 0)
				return 2;
			o->part = optarg;
			break;
		case OPT_LEVEL:
			if ((o->level = cli_choice(cli, cmd, "--level", optarg, levels)) < 0)
				return 2;
			break;
		case OPT_PATTERN:
			if (cli_int(cli, cmd, "--pattern", optarg, 1, 6, &o->pattern))
				return 2;
			break;
		case OPT_FORMAT:
			if ((o->format = cli_choice(cli, cmd, "--format", optarg, formats)) < 0)
				return 2;
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		}
	}
	if (c < 0)
		return status;
	*first_arg = optind;
	return -1;
}

static int control_matches(const struct control *ctl, const struct opts *o)
{
	if (o->part && strcmp(o->part, ctl->part == 2 ? "II" : "III"))
		return 0;
	if (o->level >= 0 && (int)ctl->level != o->level)
		return 0;
	return 1;
}

/* "a: 1回以上／5分*; b: 20分以内*" for one pattern. */
static void refs_for_pattern(const struct control *ctl, int pattern, struct dynbuf *out)
{
	for (size_t k = 0; k < ctl->nitems; k++) {
		const struct reference_value *r = catalog_item_ref(&ctl->items[k], pattern);
		dynbuf_printf(out, "%s%c: %s%s", k ? "; " : "", ctl->items[k].letter, r->text_ja,
		              r->required ? "*" : "");
	}
}

static json_t *control_json(const struct control *ctl, int pattern)
{
	json_t *j = json_deep_copy(ctl->json), *items, *it;
	size_t i;

	if (!pattern)
		return j;
	items = json_object_get(j, "evaluation_items");
	json_array_foreach(items, i, it)
	{
		json_t *refs = json_object_get(it, "reference_values");
		json_t *one = json_array();
		json_array_append(one, json_array_get(refs, (size_t)pattern - 1));
		json_object_set_new(it, "reference_values", one);
	}
	return j;
}

static int catalog_list(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"table", "json", "csv", "markdown", NULL};
	const struct catalog *cat;
	struct opts o;
	struct dynbuf out = DYNBUF_INIT;
	int first, rc = parse_opts(cli, "catalog list", argc, argv, "part level pattern format",
	                           formats, &o, &first);

	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_extra_argument(cli, "catalog list", argv[first]);
	cat = cli_catalog(cli);
	if (o.format == 1) {
		json_t *arr = json_array();
		for (size_t i = 0; i < cat->ncontrols; i++)
			if (control_matches(&cat->controls[i], &o))
				json_array_append_new(
				    arr, control_json(&cat->controls[i], (int)o.pattern));
		cli_add_json(&out, arr);
	} else {
		const char *hdr_ja[] = {"項番", "区分", "対策項目", "評価項目", "対策参照値"};
		const char *hdr_en[] = {"id", "level", "title", "items", "reference values"};
		struct table t;
		size_t ncols = o.pattern ? 5 : 4;
		table_init(&t, ncols, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
		for (size_t i = 0; i < cat->ncontrols; i++) {
			const struct control *ctl = &cat->controls[i];
			struct dynbuf refs = DYNBUF_INIT;
			char n[16];
			if (!control_matches(ctl, &o))
				continue;
			snprintf(n, sizeof(n), "%zu", ctl->nitems);
			if (o.pattern)
				refs_for_pattern(ctl, (int)o.pattern, &refs);
			const char *row[] = {
			    ctl->id,
			    cli->lang == SG_LANG_EN ? catalog_level_name(ctl->level)
			                            : catalog_level_name_ja(ctl->level),
			    cli->lang == SG_LANG_EN ? ctl->title_en : ctl->title_ja,
			    n,
			    dynbuf_ptr(&refs),
			};
			table_add_row(&t, row);
			dynbuf_release(&refs);
		}
		if (o.format == 0)
			t.max_width = 48;
		table_render(&t,
		             o.format == 0   ? TABLE_TEXT
		             : o.format == 2 ? TABLE_CSV
		                             : TABLE_MARKDOWN,
		             &out);
		table_release(&t);
	}
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

/* The footnotes that define terms and reference values (¹⁵ ホットスタンバイ …). */
static void show_footnotes(struct cli *cli, const struct footnote *f, size_t n, struct dynbuf *out,
                           int md)
{
	if (!n)
		return;
	dynbuf_printf(
	    out, md ? "\n**%s**\n\n" : "\n  %s\n",
	    TR(cli->lang, "脚注（ガイドラインの定義）", "footnotes (the guideline's definitions)"));
	for (size_t i = 0; i < n; i++)
		dynbuf_printf(out,
		              cli->lang == SG_LANG_EN
		                  ? (md ? "- note %d %s: %s\n" : "    note %d %s: %s\n")
		                  : (md ? "- 注%d %s: %s\n" : "    注%d %s: %s\n"),
		              f[i].number, f[i].term_ja, f[i].text_ja);
}

static void show_item_text(struct cli *cli, const struct eval_item *it, int pattern,
                           struct dynbuf *out, int md)
{
	dynbuf_printf(out, md ? "\n### %s %s\n\n" : "\n  %s  %s\n", it->id,
	              cli->lang == SG_LANG_EN ? it->name_en : it->name_ja);
	if (cli->lang == SG_LANG_EN)
		dynbuf_printf(out, md ? "%s\n\n" : "      (%s)\n", it->name_ja);
	if (md)
		dynbuf_addstr(out,
		              TR(cli->lang, "| パターン | 対策参照値 | 種別 |\n|---|---|---|\n",
		                 "| pattern | reference value | kind |\n|---|---|---|\n"));
	for (int p = 1; p <= CATALOG_PATTERNS; p++) {
		const struct reference_value *r = catalog_item_ref(it, p);
		struct dynbuf q = DYNBUF_INIT;
		if (pattern && p != pattern)
			continue;
		if (r->quantity.type == VALUE_SET)
			value_set_format(r->quantity.set, r->quantity.members, &q);
		else
			dynbuf_addstr(&q, r->quantity_text);
		if (md)
			dynbuf_printf(out, "| %d | %s%s | %s %s |\n", p, r->text_ja,
			              r->required ? "*" : "", r->kind_name, dynbuf_ptr(&q));
		else
			dynbuf_printf(out, "      %s %d: %s%s  [%s%s%s]\n",
			              TR(cli->lang, "パターン", "pattern"), p, r->text_ja,
			              r->required ? "*" : "", r->kind_name, q.len ? " " : "",
			              dynbuf_ptr(&q));
		dynbuf_release(&q);
	}
	show_footnotes(cli, it->footnotes, it->nfootnotes, out, md);
}

static void show_control_text(struct cli *cli, const struct catalog *cat, const struct control *ctl,
                              int pattern, struct dynbuf *out, int md)
{
	const struct section *sec = catalog_section(cat, ctl->section);

	dynbuf_printf(out,
	              cli->lang == SG_LANG_EN ? (md ? "## %s %s [%s]\n\n" : "%s  %s  [%s]\n")
	                                      : (md ? "## %s %s【%s】\n\n" : "%s  %s  【%s】\n"),
	              ctl->id, cli->lang == SG_LANG_EN ? ctl->title_en : ctl->title_ja,
	              cli->lang == SG_LANG_EN ? catalog_level_name(ctl->level)
	                                      : catalog_level_name_ja(ctl->level));
	if (sec)
		dynbuf_printf(out, md ? "%s: %s %s\n\n" : "%s: %s %s\n",
		              TR(cli->lang, "節", "section"), sec->id,
		              cli->lang == SG_LANG_EN ? sec->title_en : sec->title_ja);
	if (cli->lang == SG_LANG_EN)
		dynbuf_printf(out, md ? "%s\n\n" : "\n%s\n", ctl->summary_en);
	if (!md)
		dynbuf_addch(out, '\n');
	catalog_text_render(ctl->text_ja, md, 0, out);
	if (ctl->nbest_practices)
		dynbuf_printf(out, md ? "\n**%s**\n\n" : "\n%s\n",
		              TR(cli->lang, "ベストプラクティス", "best practices (Japanese)"));
	/* the guideline's own numbers i., ii., iii. (its cross-references use them) */
	for (size_t i = 0; i < ctl->nbest_practices; i++) {
		const char *bp = ctl->best_practices_ja[i];
		const char *nl = strchr(bp, '\n');
		char roman[16], *first = xstrndup(bp, nl ? (size_t)(nl - bp) : strlen(bp));
		catalog_roman(i + 1, roman, sizeof(roman));
		dynbuf_printf(out, md ? "- %s. %s\n" : "  %s. %s\n", roman, first);
		if (nl)
			catalog_text_render(nl + 1, md, md ? 4 : 6, out);
		free(first);
	}
	show_footnotes(cli, ctl->footnotes, ctl->nfootnotes, out, md);
	if (ctl->nitems)
		dynbuf_printf(out, md ? "\n**%s**\n" : "\n%s\n",
		              TR(cli->lang, "評価項目（* は特に達成が必要な値）",
		                 "evaluation items (* marks a value that must especially be met)"));
	for (size_t k = 0; k < ctl->nitems; k++)
		show_item_text(cli, &ctl->items[k], pattern, out, md);
}

static int catalog_show(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"table", "json", "markdown", NULL};
	const struct catalog *cat;
	const struct control *ctl;
	const struct eval_item *it;
	const struct section *sec;
	struct opts o;
	struct dynbuf out = DYNBUF_INIT;
	struct sg_error err;
	char id[64];
	int first,
	    rc = parse_opts(cli, "catalog show", argc, argv, "pattern format", formats, &o, &first);

	if (rc >= 0)
		return rc;
	if (first != argc - 1)
		return cli_usage_error(cli, "catalog show",
		                       TR(cli->lang, "ID を1つ指定してください（例: III.1.1.1）",
		                          "give one id (e.g. III.1.1.1)"));
	cat = cli_catalog(cli);
	cli_error_init(cli, &err);
	if (catalog_normalize_id(argv[first], id, sizeof(id), &err))
		return cli_report(cli, &err);
	ctl = catalog_control(cat, id);
	it = ctl ? NULL : catalog_item(cat, id);
	sec = ctl || it ? NULL : catalog_section(cat, id);
	if (!ctl && !it && !sec) {
		const char *near[5];
		size_t n = catalog_suggest(cat, id, near, 5);
		struct dynbuf s = DYNBUF_INIT;
		for (size_t i = 0; i < n; i++)
			dynbuf_printf(&s, "%s%s", i ? ", " : "", near[i]);
		sg_error_set(
		    &err, SG_ERR_NOT_FOUND,
		    ETR(&err, "%s はガイドラインにありません", "%s is not in the guideline"), id);
		if (n)
			sg_error_hint(&err, ETR(&err, "近い ID: %s", "nearest ids: %s"),
			              dynbuf_ptr(&s));
		dynbuf_release(&s);
		return cli_report(cli, &err);
	}
	if (o.format == 1) {
		json_t *j;
		if (ctl) {
			j = control_json(ctl, (int)o.pattern);
		} else if (it) {
			json_t *cj = control_json(it->control, (int)o.pattern);
			json_t *items = json_object_get(cj, "evaluation_items");
			j = json_incref(json_array_get(items, (size_t)(it - it->control->items)));
			json_object_set_new(j, "control", json_string(it->control->id));
			json_decref(cj);
		} else {
			j = json_pack("{s:s,s:s,s:s}", "id", sec->id, "title_ja", sec->title_ja,
			              "title_en", sec->title_en);
			json_t *list = json_array();
			for (size_t i = 0; i < cat->ncontrols; i++)
				if (!strncmp(cat->controls[i].id, sec->id, strlen(sec->id)) &&
				    cat->controls[i].id[strlen(sec->id)] == '.')
					json_array_append_new(list,
					                      json_string(cat->controls[i].id));
			json_object_set_new(j, "controls", list);
		}
		cli_add_json(&out, j);
	} else if (ctl) {
		show_control_text(cli, cat, ctl, (int)o.pattern, &out, o.format == 2);
	} else if (it) {
		dynbuf_printf(&out, o.format == 2 ? "## %s %s\n" : "%s  %s\n", it->control->id,
		              cli->lang == SG_LANG_EN ? it->control->title_en
		                                      : it->control->title_ja);
		show_item_text(cli, it, (int)o.pattern, &out, o.format == 2);
	} else {
		dynbuf_printf(&out, o.format == 2 ? "## %s %s\n\n" : "%s  %s\n\n", sec->id,
		              cli->lang == SG_LANG_EN ? sec->title_en : sec->title_ja);
		for (size_t i = 0; i < cat->ncontrols; i++) {
			const struct control *c = &cat->controls[i];
			if (strncmp(c->id, sec->id, strlen(sec->id)) ||
			    c->id[strlen(sec->id)] != '.')
				continue;
			dynbuf_printf(
			    &out,
			    cli->lang == SG_LANG_EN
			        ? (o.format == 2 ? "- %s %s [%s]\n" : "  %s  %s  [%s]\n")
			        : (o.format == 2 ? "- %s %s【%s】\n" : "  %s  %s  【%s】\n"),
			    c->id, cli->lang == SG_LANG_EN ? c->title_en : c->title_ja,
			    cli->lang == SG_LANG_EN ? catalog_level_name(c->level)
			                            : catalog_level_name_ja(c->level));
		}
	}
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

static int catalog_export(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"json", "oscal", NULL};
	const struct catalog *cat;
	struct opts o;
	struct dynbuf out = DYNBUF_INIT;
	struct sg_error err;
	json_t *doc = NULL;
	int first, rc = parse_opts(cli, "catalog export", argc, argv, "format pattern output",
	                           formats, &o, &first);

	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_extra_argument(cli, "catalog export", argv[first]);
	if (o.pattern && o.format != 1)
		return cli_usage_error(cli, "catalog export",
		                       TR(cli->lang, "--pattern は --format oscal と組み合わせます",
		                          "--pattern goes with --format oscal"));
	cat = cli_catalog(cli);
	cli_error_init(cli, &err);
	rc = SG_OK;
	if (o.format == 0) {
		doc = json_deep_copy(cat->doc);
		json_object_set_new(doc, "guideline",
		                    json_pack("{s:s,s:s,s:i,s:i,s:i}", "title_ja",
		                              "ASP・SaaS における情報セキュリティ対策ガイドライン",
		                              "publisher_ja", "総務省", "controls",
		                              (int)cat->ncontrols, "patterns", CATALOG_PATTERNS,
		                              "evaluation_items", (int)oscal_count_items(cat)));
	} else if (o.pattern) {
		rc = oscal_profile(cat, (int)o.pattern, &doc, &err);
	} else {
		rc = oscal_catalog(cat, &doc, &err);
	}
	if (rc) {
		dynbuf_release(&out);
		return cli_report(cli, &err);
	}
	cli_add_json(&out, doc);
	rc = cli_emit(cli, o.output, &out);
	dynbuf_release(&out);
	return rc;
}

/* `catalog glossary [TERM]`: the I.9 definitions, all or one. */
static int catalog_glossary(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"table", "json", "markdown", NULL};
	const struct catalog *cat;
	const struct glossary_term *one = NULL;
	struct opts o;
	struct dynbuf out = DYNBUF_INIT;
	int first,
	    rc = parse_opts(cli, "catalog glossary", argc, argv, "format", formats, &o, &first);

	if (rc >= 0)
		return rc;
	if (first + 1 < argc)
		return cli_extra_argument(cli, "catalog glossary", argv[first + 1]);
	cat = cli_catalog(cli);
	if (first < argc && !(one = catalog_glossary_find(cat, argv[first]))) {
		struct sg_error err;
		cli_error_init(cli, &err);
		sg_error_set(&err, SG_ERR_NOT_FOUND,
		             ETR(&err, "「%s」は I.9 用語の定義にありません",
		                 "\"%s\" is not defined in I.9"),
		             argv[first]);
		sg_error_hint(&err, "%s",
		              ETR(&err, "一覧: saasguard catalog glossary",
		                  "all terms: saasguard catalog glossary"));
		return cli_report(cli, &err);
	}
	if (o.format == 1) {
		json_t *j = one ? json_pack("{s:s,s:s,s:s,s:s,s:s}", "section", one->section,
		                            "number", one->number, "term_ja", one->term_ja,
		                            "term_en", one->term_en, "text_ja", one->text_ja)
		                : json_incref(json_object_get(cat->doc, "glossary"));
		cli_add_json(&out, j);
	} else {
		for (size_t i = 0; i < cat->nglossary; i++) {
			const struct glossary_term *g = &cat->glossary[i];
			if (one && g != one)
				continue;
			dynbuf_printf(&out,
			              o.format == 2 ? "- **%s** (%s, %s %s.): %s\n"
			                            : "%s (%s, %s %s.)\n  %s\n",
			              g->term_ja, g->term_en, g->section, g->number, g->text_ja);
		}
	}
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"list", catalog_list},         {"show", catalog_show}, {"export", catalog_export},
	    {"glossary", catalog_glossary}, {NULL, NULL},
	};

	return cli_dispatch_sub(cli, "catalog", subs, USAGE(cli), argc, argv);
}
