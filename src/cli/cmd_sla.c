/*
 * cmd_sla - `saasguard sla FILE`: the SLA commitments table of a service,
 * every evaluation item of its pattern with the value committed to.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "assess.h"
#include "assess_xlsx.h"
#include "cli.h"
#include "profile.h"
#include "sla.h"
#include "timeutil.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard sla ファイル [--format markdown|html|json|xlsx] [--output パス]\n\n"
    "パターンのすべての評価項目について、約定値（targets: の目標値、なければ values: の\n"
    "申告値、どちらもなければ対策参照値）を契約書に添付できる文言で一覧にします（I.8.4:\n"
    "評価項目は SLA の項目として使えます）。約定値が対策参照値に達しない項目は、契約書には\n"
    "含めず標準エラーに示します（事業者の確認用）。xlsx は監査用の Excel ファイル（概要と\n"
    "約定値の2シート。--output で書き出す）です。\n";
static const char usage_en[] =
    "usage: saasguard sla FILE [--format markdown|html|json|xlsx] [--output PATH]\n\n"
    "Lists every evaluation item of the pattern with the value committed to (the target in\n"
    "targets:, else the value declared in values:, else the reference value) in contract\n"
    "wording, ready to attach to a contract (I.8.4: the evaluation items are meant as SLA\n"
    "terms). Committed values short of the reference value are listed on stderr for the\n"
    "provider, not in the contract. xlsx is an Excel workbook for auditors (a summary\n"
    "sheet and the commitments; written with --output, not to a terminal).\n";

enum { OPT_FORMAT = 256, OPT_OUTPUT, OPT_HELP };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int cmd_sla(struct cli *cli, int argc, char **argv)
{
	const char *output = NULL;
	int format = SLA_MARKDOWN, c, status;
	struct sg_error err;
	struct profile *p = NULL;
	struct assess_result *r = NULL;
	struct dynbuf out = DYNBUF_INIT;

	cli_getopt_reset();
	while ((c = cli_option(cli, "sla", TR(cli->lang, usage_ja, usage_en), argc, argv, long_opts,
	                       &status)) > 0) {
		switch (c) {
		case OPT_FORMAT:
			if ((format =
			         cli_choice(cli, "sla", "--format", optarg, sla_format_names)) < 0)
				return 2;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		}
	}
	if (c < 0)
		return status;
	if (format == SLA_XLSX && (status = cli_not_to_terminal(cli, "sla", "xlsx", output)))
		return status;
	if ((status = cli_profile_arg(cli, "sla", argc, argv, &p, &err)))
		return status;
	if (assess_run(cli_catalog(cli), p, NULL, timeutil_now(), &r, &err) ||
	    (format == SLA_XLSX
	         ? sla_xlsx(r, (int)cli->lang, &out, &err)
	         : sla_write(r, (enum sla_format)format, (int)cli->lang, &out, &err)))
		status = cli_report(cli, &err);
	else
		status = cli_emit(cli, output, &out);
	if (!status && r) {
		/* for the provider, not the contract: what falls short of the reference */
		struct dynbuf warn = DYNBUF_INIT;
		if (sla_shortfalls(r, (int)cli->lang, &warn))
			fprintf(
			    stderr, "%s%s",
			    TR(cli->lang,
			       "注意（事業者向け・契約書には含まれません）: "
			       "次の約定値は対策参照値に"
			       "達しません。\n",
			       "Note (for the provider; not part of the contract): these committed "
			       "values fall short of the reference values.\n"),
			    dynbuf_ptr(&warn));
		dynbuf_release(&warn);
	}
	dynbuf_release(&out);
	assess_free(r);
	profile_free(p);
	return status;
}
