/*
 * cmd_init - `saasguard init`: writes a starter profile listing every
 * countermeasure with its requirement and the pattern's reference values.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "profile_starter.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard init [--pattern N | --personal-information yes|no --trade-secrets yes|no\n"
    "                        --availability high|medium|low] [--name サービス名]\n"
    "                       [--output ファイル]\n\n"
    "プロファイルの雛形を書き出します（既定: profile.yaml。- で標準出力）。provider:・partners:・\n"
    "monitor:・notify:・service_hours:・collectors:・ledger:・reports: の各セクションを日本語の\n"
    "記入案内付きで、ガイドラインの全68対策項目を要求事項とパターンの対策参照値のコメント付きで\n"
    "I.8.6 の順（II 編、III 編の基本、III 編の推奨）に並べます。既存のファイルは上書きしません。\n";
static const char usage_en[] =
    "usage: saasguard init [--pattern N | --personal-information yes|no --trade-secrets yes|no\n"
    "                       --availability high|medium|low] [--name NAME] [--output FILE]\n\n"
    "Writes a starter profile (default: profile.yaml; - for standard output): every section\n"
    "(provider:, partners:, monitor:, notify:, service_hours:, collectors:, ledger:, reports:)\n"
    "with guidance in comments, and all 68 countermeasures of the guideline in I.8.6's order\n"
    "(II, III basic, III recommended), each with its requirement and the pattern's reference\n"
    "values. Never overwrites an existing file.\n";

enum { OPT_PATTERN = 256, OPT_PI, OPT_TS, OPT_AV, OPT_NAME, OPT_OUTPUT, OPT_HELP };

static const struct option long_opts[] = {
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"personal-information", required_argument, NULL, OPT_PI},
    {"trade-secrets", required_argument, NULL, OPT_TS},
    {"availability", required_argument, NULL, OPT_AV},
    {"name", required_argument, NULL, OPT_NAME},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char *const yesno[] = {"yes", "no", NULL};
	static const char *const avail[] = {"high", "medium", "low", NULL};
	const char *output = "profile.yaml";
	struct starter_opts o;
	long pattern = 0;
	int pi = -1, ts = -1, av = -1, c, rc;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;

	memset(&o, 0, sizeof(o));
	cli_getopt_reset();
	while ((c = cli_option(cli, "init", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &rc)) > 0) {
		switch (c) {
		case OPT_PATTERN:
			if (cli_int(cli, "init", "--pattern", optarg, 1, 6, &pattern))
				return 2;
			break;
		case OPT_PI:
			if ((pi = cli_choice(cli, "init", "--personal-information", optarg,
			                     yesno)) < 0)
				return 2;
			break;
		case OPT_TS:
			if ((ts = cli_choice(cli, "init", "--trade-secrets", optarg, yesno)) < 0)
				return 2;
			break;
		case OPT_AV:
			if ((av = cli_choice(cli, "init", "--availability", optarg, avail)) < 0)
				return 2;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind < argc)
		return cli_extra_argument(cli, "init", argv[optind]);
	if (pattern && (pi >= 0 || ts >= 0 || av >= 0))
		return cli_usage_error(
		    cli, "init", "%s",
		    TR(cli->lang, "--pattern と分類のオプションはどちらか一方を指定してください",
		       "give --pattern or the classification options, not both"));
	if (!pattern && (pi < 0 || ts < 0 || av < 0))
		return cli_usage_error(
		    cli, "init", "%s",
		    TR(cli->lang,
		       "--pattern N か、--personal-information・--trade-secrets・--availability の"
		       "3つすべてを指定してください（パターンは saasguard classify "
		       "でも判定できます）",
		       "give --pattern N, or all of --personal-information, --trade-secrets and "
		       "--availability (saasguard classify helps find the pattern)"));
	o.lang = (int)cli->lang;
	if (pattern) {
		o.pattern = (int)pattern;
	} else {
		o.classified = 1;
		o.personal_information = pi == 0;
		o.trade_secrets = ts == 0;
		o.availability = avail[av];
		o.pattern = catalog_pattern_for(
		    cli_catalog(cli), pi == 0 || ts == 0 ? "high" : "low", "high", o.availability);
	}
	cli_error_init(cli, &err);
	if (profile_starter(cli_catalog(cli), &o, &out, &err) ||
	    fileio_write_atomic(output, dynbuf_ptr(&out), dynbuf_len(&out), 0666, FILEIO_NO_CLOBBER,
	                        &err)) {
		if (err.code == SG_ERR_EXISTS)
			sg_error_hint(
			    &err, "%s",
			    TR(cli->lang,
			       "別の名前を --output で指定するか、既存のファイルを移動してください",
			       "choose another name with --output, or move the file away"));
		rc = cli_report(cli, &err);
	} else {
		rc = 0;
		if (strcmp(output, "-"))
			fprintf(
			    stderr,
			    TR(cli->lang,
			       "%s を作成しました（パターン %d）。記入後: saasguard assess %s\n",
			       "wrote %s (pattern %d). When filled in: saasguard assess %s\n"),
			    output, o.pattern, output);
	}
	dynbuf_release(&out);
	return rc;
}
