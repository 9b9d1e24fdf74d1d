/*
 * cmd_import - `saasguard import CHECKLIST --output profile.yaml`: a
 * provider's Annex 2/3 checklist (the xlsx or CSV that assess exports, or
 * their own table with those headers) becomes a starter profile; each cell
 * that could not be mapped is listed as FILE:ROW:COLUMN on standard error.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "import.h"
#include "profile.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard import チェックリスト.xlsx|.csv [--output ファイル] [--name 名前]\n"
    "                         [--pattern N] [--force]\n\n"
    "Annex 2・3 のチェックリスト（saasguard assess --format xlsx・csv で書き出した表、または\n"
    "見出しに「項番」「状況」「担当」「証跡」「理由・備考」「値」「目標」を持つ表。CSV は\n"
    "UTF-8 または Shift_JIS）からプロファイルの雛形を作ります。取り込めなかったセルは\n"
    "ファイル:行:列 で標準エラー出力に示します。\n"
    "  --output   書き出すプロファイル（既定: profile.yaml、- で標準出力）。既存のファイルは\n"
    "             --force がなければ上書きしない\n"
    "  --name     サービス名（既定: 概要シートのサービス名、なければファイル名）\n"
    "  --pattern  パターン 1〜6（既定: 概要シート、なければ対策参照値の列から判定）\n"
    "終了コード: 0 すべて取り込んだ、1 取り込めなかったセルがある（プロファイルは書き出す）、\n"
    "2 チェックリストとして読めない・書き出せない。\n";
static const char usage_en[] =
    "usage: saasguard import CHECKLIST.xlsx|.csv [--output FILE] [--name NAME]\n"
    "                        [--pattern N] [--force]\n\n"
    "Makes a starter profile from an Annex 2/3 checklist (one exported by saasguard assess\n"
    "--format xlsx or csv, or a table headed id, status, owner, evidence, reason / notes,\n"
    "value, target; CSV in UTF-8 or Shift_JIS). Each cell that could not be mapped is\n"
    "listed on standard error as FILE:ROW:COLUMN.\n"
    "  --output   the profile to write (default: profile.yaml; - for standard output); an\n"
    "             existing file is kept unless --force\n"
    "  --name     the service's name (default: the summary sheet's, else the file's name)\n"
    "  --pattern  the pattern 1-6 (default: the summary sheet's, else inferred from the\n"
    "             reference value column)\n"
    "Exit status: 0 everything imported, 1 some cells not imported (the profile is still\n"
    "written), 2 not a readable checklist, or the profile could not be written.\n";

enum { OPT_OUTPUT = 256, OPT_NAME, OPT_PATTERN, OPT_FORCE, OPT_HELP };

static const struct option long_opts[] = {
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"name", required_argument, NULL, OPT_NAME},
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"force", no_argument, NULL, OPT_FORCE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int cmd_import(struct cli *cli, int argc, char **argv)
{
	const char *output = "profile.yaml", *file;
	struct import_opts o = {NULL, 0, (int)cli->lang};
	struct import_result res;
	struct dynbuf in = DYNBUF_INIT;
	struct profile *p = NULL;
	struct sg_error err;
	long pattern;
	int c, force = 0, status;

	cli_getopt_reset();
	while ((c = cli_option(cli, "import", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &status)) > 0) {
		switch (c) {
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_PATTERN:
			if (cli_int(cli, "import", "--pattern", optarg, 1, 6, &pattern) < 0)
				return 2;
			o.pattern = (int)pattern;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		}
	}
	if (c < 0)
		return status;
	if (optind >= argc)
		return cli_usage_error(cli, "import", "%s",
		                       TR(cli->lang, "チェックリストのファイルを指定してください",
		                          "name the checklist file"));
	if (optind + 1 < argc)
		return cli_extra_argument(cli, "import", argv[optind + 1]);
	file = argv[optind];
	cli_error_init(cli, &err);
	if (fileio_read(file, 0, &in, &err) ||
	    import_run(file, dynbuf_ptr(&in), dynbuf_len(&in), cli_catalog(cli), &o, &res, &err)) {
		dynbuf_release(&in);
		return cli_report(cli, &err);
	}
	dynbuf_release(&in);
	for (size_t i = 0; i < res.nissues; i++) {
		const struct import_issue *is = &res.issues[i];
		fprintf(stderr, "saasguard: %s:%d:%d: %s: %s\n", is->where, is->row, is->col,
		        TR(cli->lang, "取り込めません", "not imported"), is->msg);
	}
	/* What we write must load: a failure here is a defect of the import or a
	 * declaration the checklist leaves incomplete (a reason, an expiry). */
	if (profile_parse(dynbuf_ptr(&res.yaml), dynbuf_len(&res.yaml), output, cli_catalog(cli),
	                  &p, &err)) {
		fprintf(stderr, "%s",
		        TR(cli->lang,
		           "saasguard: 注意: 作成したプロファイルはそのままでは読み込めません。"
		           "次の箇所を直してください:\n",
		           "saasguard: note: the profile needs an edit before it loads:\n"));
		cli_report(cli, &err);
		res.nissues++;
	}
	profile_free(p);
	cli_error_init(cli, &err);
	if (fileio_write_atomic(output, dynbuf_ptr(&res.yaml), dynbuf_len(&res.yaml), 0666,
	                        force ? 0 : FILEIO_NO_CLOBBER, &err)) {
		if (err.code == SG_ERR_EXISTS)
			sg_error_hint(&err, "%s",
			              TR(cli->lang,
			                 "別の --output を指定するか --force を付けてください",
			                 "give another --output, or add --force"));
		status = cli_report(cli, &err);
	} else {
		if (strcmp(output, "-"))
			fprintf(
			    stderr,
			    TR(cli->lang,
			       "saasguard: %s を書き出しました（%s、パターン %d、対策項目 %zu "
			       "件、%zu "
			       "行を読み、取り込めなかったセル %zu 件）\n",
			       "saasguard: wrote %s (%s, pattern %d, %zu countermeasures from %zu "
			       "rows; %zu cells not imported)\n"),
			    output, res.name, res.pattern, res.controls, res.rows, res.nissues);
		status = res.nissues ? 1 : 0;
	}
	import_result_release(&res);
	return status;
}
