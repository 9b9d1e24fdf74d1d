/*
 * cmd_classify - `saasguard classify`: a service's pattern by the I.7.1
 * criteria (confidentiality from personal information and trade secrets,
 * integrity always high, availability high/medium/low) and Table 1, or by
 * its service type from Table 2.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard classify --personal-information yes|no --trade-secrets yes|no\n"
    "                           --availability high|medium|low [--format text|json]\n"
    "        saasguard classify --service-type 名称 [--format text|json]\n"
    "        saasguard classify            （端末では I.7.1 の質問に対話で答える）\n\n"
    "I.7.1 の考え方で機密性・完全性・可用性への要求を判定し、図表1のパターン（1〜6）を示します。\n"
    "個人情報か営業秘密情報を扱えば機密性は「高」、完全性は常に「高」です。\n"
    "--service-type は図表2のサービス種別から引きます（NFKC 正規化・空白無視）。複数の種別に\n"
    "当たる名称・※の種別・未知の名称は、候補を示して終了コード "
    "1。推測で1つを選ぶことはありません。\n";
static const char usage_en[] =
    "usage: saasguard classify --personal-information yes|no --trade-secrets yes|no\n"
    "                          --availability high|medium|low [--format text|json]\n"
    "       saasguard classify --service-type NAME [--format text|json]\n"
    "       saasguard classify            (on a terminal: answer the I.7.1 questions)\n\n"
    "Judges the confidentiality, integrity and availability needs by the I.7.1 criteria\n"
    "and gives the pattern (1-6) of Table 1. Personal information or trade secrets make\n"
    "confidentiality high; integrity is always high. --service-type looks the type up in\n"
    "Table 2 (NFKC, spaces ignored); a name matching several types, a ※ type or an\n"
    "unknown name lists the candidates and exits 1: it never picks one on a guess.\n";

enum { OPT_PI = 256, OPT_TS, OPT_AV, OPT_TYPE, OPT_FORMAT, OPT_HELP };

static const struct option long_opts[] = {
    {"personal-information", required_argument, NULL, OPT_PI},
    {"trade-secrets", required_argument, NULL, OPT_TS},
    {"availability", required_argument, NULL, OPT_AV},
    {"service-type", required_argument, NULL, OPT_TYPE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *const yesno[] = {"yes", "no", NULL};
static const char *const avail_names[] = {"high", "medium", "low", NULL};

static const char *level_ja(const char *l)
{
	switch (l[0]) {
	case 'h':
		return "高";
	case 'm':
		return "中";
	default:
		return "低";
	}
}

static void classification_notes(struct cli *cli, int by_type, struct dynbuf *out);

static int emit_result(struct cli *cli, int json, int pattern, int pi, int ts, const char *avail,
                       const char *how_ja, const char *how_en, int by_type)
{
	struct dynbuf notes = DYNBUF_INIT;
	const char *conf = pi || ts ? "high" : "low";
	struct dynbuf reason = DYNBUF_INIT, out = DYNBUF_INIT;
	int rc;

	if (how_ja) {
		dynbuf_addstr(&reason, TR(cli->lang, how_ja, how_en));
	} else {
		if (pi || ts)
			dynbuf_printf(
			    &reason, "%s",
			    TR(cli->lang,
			       pi && ts ? "個人情報と営業秘密情報を扱うため機密性は「高」。"
			       : pi ? "個人情報を扱うため機密性は「高」。"
			            : "営業秘密情報を扱うため機密性は「高」。",
			       pi && ts ? "Handles personal information and trade secrets, "
			                  "so confidentiality is high. "
			       : pi     ? "Handles personal information, so "
			                  "confidentiality is high. "
			                : "Handles trade secrets, so confidentiality is high. "));
		else
			dynbuf_addstr(&reason,
			              TR(cli->lang,
			                 "個人情報も営業秘密情報も扱わないため機密性は「低」。",
			                 "Handles neither personal information nor trade secrets, "
			                 "so confidentiality is low. "));
		dynbuf_addstr(&reason,
		              TR(cli->lang, "利用者のデータを管理するため完全性は常に「高」。",
		                 "Integrity is always high, since the provider holds its users' "
		                 "data. "));
		dynbuf_printf(&reason,
		              TR(cli->lang, "可用性への要求は「%s」。", "Availability need is %s."),
		              cli->lang == SG_LANG_EN ? avail : level_ja(avail));
	}
	classification_notes(cli, by_type, &notes);
	if (json) {
		json_t *j = json_pack(
		    "{s:i,s:s,s:s,s:s,s:s,s:s}", "pattern", pattern, "confidentiality", conf,
		    "integrity", "high", "availability", avail,
		    cli->lang == SG_LANG_EN ? "reason_en" : "reason_ja", dynbuf_ptr(&reason),
		    cli->lang == SG_LANG_EN ? "notes_en" : "notes_ja", dynbuf_ptr(&notes));
		cli_add_json(&out, j);
	} else {
		dynbuf_printf(&out,
		              TR(cli->lang, "パターン %d（機密性 %s・完全性 %s・可用性 %s）\n%s\n",
		                 "Pattern %d (confidentiality %s, integrity %s, availability "
		                 "%s)\n%s\n"),
		              pattern, cli->lang == SG_LANG_EN ? conf : level_ja(conf),
		              cli->lang == SG_LANG_EN ? "high" : "高",
		              cli->lang == SG_LANG_EN ? avail : level_ja(avail),
		              dynbuf_ptr(&reason));
		dynbuf_addstr(&out, dynbuf_ptr(&notes));
	}
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	dynbuf_release(&reason);
	dynbuf_release(&notes);
	return rc;
}

static int by_levels(struct cli *cli, int json, int pi, int ts, const char *avail)
{
	struct sg_error err;
	int pattern;

	cli_error_init(cli, &err);
	if (catalog_classify(cli_catalog(cli), pi, ts, avail, &pattern, &err))
		return cli_report(cli, &err);
	return emit_result(cli, json, pattern, pi, ts, avail, NULL, NULL, 0);
}

static const char decide_ja[] =
    "I.7.1 の基準で判定してください: saasguard classify --personal-information yes|no "
    "--trade-secrets yes|no --availability high|medium|low\n";
static const char decide_en[] =
    "Decide by the I.7.1 criteria: saasguard classify --personal-information yes|no "
    "--trade-secrets yes|no --availability high|medium|low\n";

static void list_types(struct cli *cli, const struct service_type *const *types, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[32];
		if (types[i]->pattern)
			snprintf(p, sizeof(p), TR(cli->lang, "パターン %d", "pattern %d"),
			         types[i]->pattern);
		else
			snprintf(p, sizeof(p), "※");
		fprintf(stderr, "  %s (%s): %s\n", types[i]->name_ja, types[i]->name_en, p);
	}
}

static void nearest_types(struct cli *cli, const struct catalog *cat, const char *name)
{
	size_t shown = 0;

	for (size_t d = 0; d <= 6 && shown < 5; d++)
		for (size_t i = 0; i < cat->nservice_types && shown < 5; i++) {
			const struct service_type *st = &cat->service_types[i];
			size_t dj = i18n_edit_distance(name, st->name_ja);
			size_t de = i18n_edit_distance(name, st->name_en);
			if ((dj < de ? dj : de) != d)
				continue;
			if (!shown)
				fprintf(stderr, "%s",
				        TR(cli->lang, "近い種別:\n", "Nearest types:\n"));
			fprintf(stderr, "  %s (%s)\n", st->name_ja, st->name_en);
			shown++;
		}
}

static int type_not_found(struct cli *cli, const struct catalog *cat, const char *name,
                          enum catalog_type_match m, const struct service_type *const *hits,
                          size_t n)
{
	if (m == CATALOG_TYPE_AMBIGUOUS || m == CATALOG_TYPE_CANDIDATES) {
		fprintf(
		    stderr,
		    m == CATALOG_TYPE_AMBIGUOUS
		        ? TR(cli->lang,
		             "「%s」は図表2の複数の種別に当たります。種別を1つに決められません:\n",
		             "\"%s\" names several service types in Table 2; none is picked:\n")
		        : TR(cli->lang,
		             "「%s」という種別は図表2にありません。名称にこれを含む種別:\n",
		             "\"%s\" is not a service type in Table 2. Types whose name "
		             "contains it:\n"),
		    name);
		list_types(cli, hits, n);
		fprintf(stderr, "%s",
		        TR(cli->lang, "正確な名称で指定し直すか、", "Give the exact name, or "));
	} else {
		fprintf(stderr,
		        TR(cli->lang, "「%s」は図表2のサービス種別にありません。\n",
		           "\"%s\" is not a service type in Table 2.\n"),
		        name);
		nearest_types(cli, cat, name);
	}
	fprintf(stderr, "%s", TR(cli->lang, decide_ja, decide_en));
	return 1;
}

/* I.7.2 (the table is not exhaustive; a service unlike its type is classified by
 * I.7.1) and footnote 7 (high/low are relative), shown with every
 * classification. */
static void classification_notes(struct cli *cli, int by_type, struct dynbuf *out)
{
	const struct catalog *cat = cli_catalog(cli);
	json_t *low = json_object_get(json_object_get(cat->levels, "availability"), "low");
	json_t *t2 = json_object_get(cat->doc, "table2_note");
	const char *en = cli->lang == SG_LANG_EN ? "_en" : "_ja";
	char key[16];

	snprintf(key, sizeof(key), "text%s", en);
	if (by_type && t2)
		dynbuf_printf(out, "%s%s\n", TR(cli->lang, "I.7.2: ", "I.7.2: "),
		              json_string_value(json_object_get(t2, key)));
	snprintf(key, sizeof(key), "note%s", en);
	if (json_string_value(json_object_get(low, key)))
		dynbuf_printf(out, "%s%s\n", TR(cli->lang, "注7: ", ""),
		              json_string_value(json_object_get(low, key)));
}

static int by_type(struct cli *cli, int json, const char *name)
{
	const struct catalog *cat = cli_catalog(cli);
	const struct service_type *hits[16];
	size_t n;
	enum catalog_type_match m;
	const struct service_type *hit;

	m = catalog_service_type_find(cat, name, hits, 16, &n);
	if (m != CATALOG_TYPE_FOUND)
		return type_not_found(cli, cat, name, m, hits, n);
	hit = hits[0];
	if (hit->pattern) {
		const struct pattern *p = catalog_pattern(cat, hit->pattern);
		char *ja = xstrfmt("図表2で「%s」はパターン %d に分類されています。", hit->name_ja,
		                   hit->pattern);
		char *en =
		    xstrfmt("Table 2 puts \"%s\" in pattern %d.", hit->name_en, hit->pattern);
		int rc = emit_result(cli, json, hit->pattern, !strcmp(p->confidentiality, "high"),
		                     0, p->availability, ja, en, 1);
		free(ja);
		free(en);
		return rc;
	}
	fprintf(stderr,
	        TR(cli->lang,
	           "「%s」は図表2で※（一律にパターンを設定することが困難なサービス）です。\n",
	           "\"%s\" is a ※ type in Table 2 (no single pattern can be set for it).\n"),
	        cli->lang == SG_LANG_EN ? hit->name_en : hit->name_ja);
	fprintf(stderr, "%s", TR(cli->lang, decide_ja, decide_en));
	return 1;
}

/* Reads one answer from the terminal; returns the index in choices or -1 at EOF. */
static int ask(struct cli *cli, const char *q, const char *const *choices)
{
	char line[64];

	for (;;) {
		fputs(q, stdout);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return -1;
		line[strcspn(line, "\r\n")] = '\0';
		for (int i = 0; choices[i]; i++)
			if (!strcasecmp(line, choices[i]) ||
			    (line[0] && !line[1] && (line[0] | 0x20) == choices[i][0]))
				return i;
		if (!choices[2] && (!strcmp(line, "はい") || !strcmp(line, "ｙ")))
			return 0;
		if (!choices[2] && (!strcmp(line, "いいえ") || !strcmp(line, "ｎ")))
			return 1;
		printf(
		    TR(cli->lang, "  %s のいずれかで答えてください。\n", "  Please answer %s.\n"),
		    choices[2] ? "high / medium / low" /* msg: not translated (what to type) */
		               : TR(cli->lang, "はい / いいえ（yes / no）", "yes / no"));
	}
}

/* Asks the I.7.1 criteria as the catalog states them (patterns.json
 * "questions"): each answer sets its property's level, or (null) passes to
 * the next criterion of the same property; a decided property is not asked
 * again. Integrity is always high. */
static int interactive(struct cli *cli, int json)
{
	const struct catalog *cat = cli_catalog(cli);
	json_t *qs = json_object_get(cat->doc, "questions"), *q;
	const char *conf = NULL, *avail = NULL;
	int pi = 0, ts = 0, n = 0;
	size_t i;

	puts(TR(cli->lang, "I.7.1 の考え方に沿ってパターンを判定します。",
	        "Finding the pattern by the I.7.1 criteria."));
	json_array_foreach(qs, i, q)
	{
		const char *prop = json_string_value(json_object_get(q, "property"));
		const char *id = json_string_value(json_object_get(q, "id"));
		const char **level = prop && !strcmp(prop, "availability") ? &avail : &conf;
		json_t *to;
		struct dynbuf prompt = DYNBUF_INIT;
		int a;

		if (*level || !id)
			continue;
		if (cli->lang == SG_LANG_EN)
			dynbuf_printf(&prompt, "%d. %s [yes/no] ", ++n,
			              json_string_value(json_object_get(q, "text_en")));
		else
			dynbuf_printf(&prompt, "%d. %s\n%s\nこれに当たりますか? [はい/いいえ] ",
			              ++n, json_string_value(json_object_get(q, "criterion_ja")),
			              json_string_value(json_object_get(q, "text_ja")));
		a = ask(cli, dynbuf_ptr(&prompt), yesno);
		dynbuf_release(&prompt);
		if (a < 0)
			return 2;
		if (!strcmp(id, "personal_information"))
			pi = a == 0;
		if (!strcmp(id, "trade_secrets"))
			ts = a == 0;
		to = json_object_get(q, a == 0 ? "yes" : "no");
		if (json_is_string(to))
			*level = json_string_value(to);
	}
	if (!conf || !avail) {
		struct sg_error err;
		cli_error_init(cli, &err);
		sg_error_set(&err, SG_ERR_INTERNAL,
		             ETR(&err, "カタログの I.7.1 の質問では区分が決まりません",
		                 "the catalog's I.7.1 questions leave a level undecided"));
		return cli_report(cli, &err);
	}
	return by_levels(cli, json, pi, ts, avail);
}

int cmd_classify(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"text", "json", NULL};
	int c, pi = -1, ts = -1, av = -1, json = 0, status;
	const char *type = NULL;

	cli_getopt_reset();
	while ((c = cli_option(cli, "classify", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &status)) > 0) {
		switch (c) {
		case OPT_PI:
			if ((pi = cli_choice(cli, "classify", "--personal-information", optarg,
			                     yesno)) < 0)
				return 2;
			break;
		case OPT_TS:
			if ((ts = cli_choice(cli, "classify", "--trade-secrets", optarg, yesno)) <
			    0)
				return 2;
			break;
		case OPT_AV:
			if ((av = cli_choice(cli, "classify", "--availability", optarg,
			                     avail_names)) < 0)
				return 2;
			break;
		case OPT_TYPE:
			type = optarg;
			break;
		case OPT_FORMAT:
			if ((json = cli_choice(cli, "classify", "--format", optarg, formats)) < 0)
				return 2;
			break;
		}
	}
	if (c < 0)
		return status;
	if (optind < argc)
		return cli_extra_argument(cli, "classify", argv[optind]);
	if (type && (pi >= 0 || ts >= 0 || av >= 0))
		return cli_usage_error(
		    cli, "classify",
		    TR(cli->lang,
		       "--service-type と I.7.1 の基準（--personal-information "
		       "など）は同時に指定できません",
		       "--service-type cannot be combined with the I.7.1 criteria flags"));
	if (type && !*type)
		return cli_usage_error(cli, "classify",
		                       TR(cli->lang,
		                          "--service-type に図表2の種別名を指定してください",
		                          "--service-type needs a Table 2 type name"));
	if (type)
		return by_type(cli, json, type);
	if (pi < 0 && ts < 0 && av < 0) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return interactive(cli, json);
		return cli_usage_error(cli, "classify",
		                       TR(cli->lang,
		                          "--personal-information、--trade-secrets、--availability "
		                          "を指定してください（端末では対話で質問します）",
		                          "give --personal-information, --trade-secrets and "
		                          "--availability (on a terminal, classify asks)"));
	}
	if (pi < 0 || ts < 0 || av < 0)
		return cli_usage_error(cli, "classify",
		                       TR(cli->lang,
		                          "--personal-information、--trade-secrets、--availability "
		                          "の3つすべてが必要です",
		                          "all three of --personal-information, --trade-secrets "
		                          "and --availability are needed"));
	return by_levels(cli, json, pi == 0, ts == 0, avail_names[av]);
}
