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
    "--service-type は図表2のサービス種別から引きます。※の種別や未知の名称は終了コード 1。\n";
static const char usage_en[] =
    "usage: saasguard classify --personal-information yes|no --trade-secrets yes|no\n"
    "                          --availability high|medium|low [--format text|json]\n"
    "       saasguard classify --service-type NAME [--format text|json]\n"
    "       saasguard classify            (on a terminal: answer the I.7.1 questions)\n\n"
    "Judges the confidentiality, integrity and availability needs by the I.7.1 criteria\n"
    "and gives the pattern (1-6) of Table 1. Personal information or trade secrets make\n"
    "confidentiality high; integrity is always high. --service-type looks the type up in\n"
    "Table 2; a ※ type or an unknown name exits 1.\n";

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

static int emit_result(struct cli *cli, int json, int pattern, int pi, int ts, const char *avail,
                       const char *how_ja, const char *how_en)
{
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
	if (json) {
		json_t *j = json_pack("{s:i,s:s,s:s,s:s,s:s}", "pattern", pattern,
		                      "confidentiality", conf, "integrity", "high", "availability",
		                      avail, cli->lang == SG_LANG_EN ? "reason_en" : "reason_ja",
		                      dynbuf_ptr(&reason));
		char *s = json_dumps(j, JSON_INDENT(2));
		dynbuf_printf(&out, "%s\n", s);
		free(s);
		json_decref(j);
	} else {
		dynbuf_printf(&out,
		              TR(cli->lang, "パターン %d（機密性 %s・完全性 %s・可用性 %s）\n%s\n",
		                 "Pattern %d (confidentiality %s, integrity %s, availability "
		                 "%s)\n%s\n"),
		              pattern, cli->lang == SG_LANG_EN ? conf : level_ja(conf),
		              cli->lang == SG_LANG_EN ? "high" : "高",
		              cli->lang == SG_LANG_EN ? avail : level_ja(avail),
		              dynbuf_ptr(&reason));
	}
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	dynbuf_release(&reason);
	return rc;
}

static int by_levels(struct cli *cli, int json, int pi, int ts, const char *avail)
{
	const struct catalog *cat = cli_catalog(cli);
	int pattern = catalog_pattern_for(cat, pi || ts ? "high" : "low", "high", avail);

	if (!pattern) {
		fprintf(stderr, "saasguard classify: Table 1 has no pattern for these levels\n");
		return 2;
	}
	return emit_result(cli, json, pattern, pi, ts, avail, NULL, NULL);
}

static int name_matches(const struct service_type *st, const char *name)
{
	return !strcmp(st->name_ja, name) || !strcasecmp(st->name_en, name);
}

static int by_type(struct cli *cli, int json, const char *name)
{
	const struct catalog *cat = cli_catalog(cli);
	const struct service_type *hit = NULL;
	size_t nsub = 0;

	for (size_t i = 0; i < cat->nservice_types && !hit; i++)
		if (name_matches(&cat->service_types[i], name))
			hit = &cat->service_types[i];
	for (size_t i = 0; i < cat->nservice_types && !hit; i++) {
		const struct service_type *st = &cat->service_types[i];
		if (strstr(st->name_ja, name) || strcasestr(st->name_en, name)) {
			nsub++;
			if (nsub == 1)
				hit = st;
		}
	}
	if (hit && nsub > 1)
		hit = NULL;
	if (hit && hit->pattern) {
		const struct pattern *p = catalog_pattern(cat, hit->pattern);
		char *ja = xstrfmt("図表2で「%s」はパターン %d に分類されています。", hit->name_ja,
		                   hit->pattern);
		char *en =
		    xstrfmt("Table 2 puts \"%s\" in pattern %d.", hit->name_en, hit->pattern);
		int rc = emit_result(cli, json, hit->pattern, !strcmp(p->confidentiality, "high"),
		                     0, p->availability, ja, en);
		free(ja);
		free(en);
		return rc;
	}
	if (hit) {
		fprintf(
		    stderr,
		    TR(cli->lang,
		       "「%s」は図表2で※（一律にパターンを設定することが困難なサービス）です。\n"
		       "I.7.1 の基準で判定してください:\n"
		       "  saasguard classify --personal-information yes|no --trade-secrets yes|no "
		       "--availability high|medium|low\n",
		       "\"%s\" is a ※ type in Table 2 (no single pattern can be set for it).\n"
		       "Decide by the I.7.1 criteria:\n"
		       "  saasguard classify --personal-information yes|no --trade-secrets yes|no "
		       "--availability high|medium|low\n"),
		    cli->lang == SG_LANG_EN ? hit->name_en : hit->name_ja);
		return 1;
	}
	fprintf(stderr,
	        TR(cli->lang, "「%s」は図表2のサービス種別にありません。\n",
	           "\"%s\" is not a service type in Table 2.\n"),
	        name);
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
	fprintf(
	    stderr, "%s",
	    TR(cli->lang,
	       "I.7.1 の基準で判定してください: saasguard classify --personal-information yes|no "
	       "--trade-secrets yes|no --availability high|medium|low\n",
	       "Decide by the I.7.1 criteria: saasguard classify --personal-information yes|no "
	       "--trade-secrets yes|no --availability high|medium|low\n"));
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
		printf(
		    TR(cli->lang, "  %s のいずれかで答えてください。\n", "  Please answer %s.\n"),
		    choices[2] ? "high / medium / low" : "yes / no");
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
			dynbuf_printf(&prompt, "%d. %s\n%s\nこれに当たりますか? [yes/no] ", ++n,
			              json_string_value(json_object_get(q, "criterion_ja")),
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
		fprintf(stderr, "saasguard classify: the catalog's I.7.1 questions leave a level "
		                "undecided\n");
		return 2;
	}
	return by_levels(cli, json, pi, ts, avail);
}

int cmd_classify(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"text", "json", NULL};
	int c, pi = -1, ts = -1, av = -1, json = 0;
	const char *type = NULL;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
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
		case 'h':
		case OPT_HELP:
			return cli_help(TR(cli->lang, usage_ja, usage_en));
		default:
			return cli_bad_option(cli, "classify", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_extra_argument(cli, "classify", argv[optind]);
	if (type && (pi >= 0 || ts >= 0 || av >= 0))
		return cli_usage_error(
		    cli, "classify",
		    TR(cli->lang,
		       "--service-type と I.7.1 の基準（--personal-information "
		       "など）は同時に指定できません",
		       "--service-type cannot be combined with the I.7.1 criteria flags"));
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
