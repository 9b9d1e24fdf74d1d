/*
 * cmd_report - `saasguard report FILE --period 2026-11 [--audience
 * users|managers] --format html|pdf|json --output PATH [--db PATH]`: the
 * periodic customer report (III.1.1.7) or the manager summary (III.1.1.4)
 * of the service in FILE, from what the store holds. The file written is
 * recorded in the ledger with its SHA-256.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "ledger.h"
#include "profile.h"
#include "report.h"
#include "report_render.h"
#include "report_job.h"
#include "report_pdf.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard report FILE [--period 2026-11|2026-Q4|2026-H2]\n"
    "                          [--audience users|managers] [--format html|pdf|json]\n"
    "                          [--output PATH] [--db PATH]\n\n"
    "監視結果の定期報告書（III.1.1.7、--audience users）又は管理責任者向けの総括報告書\n"
    "（III.1.1.4、--audience managers）を作成します。FILE はサービスのプロファイルです。\n"
    "--period を省略すると、パターンの報告間隔（1・3・6ヶ月）で区切った期間のうち、\n"
    "監視の記録がある直近の完了した期間です（どの期間にも記録がなければ現在の期間）。\n"
    "選んだ期間とその理由は標準エラー出力と報告書に示します。記録のない期間の報告書は、\n"
    "記録がないことを示します。\n"
    "--format の既定は pdf、--output の既定は標準出力（pdf は端末には出力しません）。\n"
    "作成したファイルの SHA-256 は証跡台帳に記録されます。\n";
static const char usage_en[] =
    "usage: saasguard report FILE [--period 2026-11|2026-Q4|2026-H2]\n"
    "                         [--audience users|managers] [--format html|pdf|json]\n"
    "                         [--output PATH] [--db PATH]\n\n"
    "Writes the periodic customer report (III.1.1.7, --audience users) or the monitoring\n"
    "summary for management (III.1.1.4, --audience managers) of the service whose profile\n"
    "is FILE. Without --period: the last complete period of the pattern's reporting\n"
    "interval (1, 3 or 6 months) with monitoring records, or the current period when\n"
    "none has any; the choice and its reason go to standard error and into the report.\n"
    "A period without records is reported as such. --format defaults to pdf, --output\n"
    "to standard output (never a PDF to a terminal). The file's SHA-256 is recorded in\n"
    "the evidence ledger.\n";

enum { OPT_PERIOD = 256, OPT_AUDIENCE, OPT_FORMAT, OPT_OUTPUT, OPT_DB, OPT_HELP };

static const struct option long_opts[] = {
    {"period", required_argument, NULL, OPT_PERIOD},
    {"audience", required_argument, NULL, OPT_AUDIENCE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"db", required_argument, NULL, OPT_DB},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *const audiences[] = {"users", "managers", NULL};
static const char *const formats[] = {"html", "pdf", "json", NULL};

int cmd_report(struct cli *cli, int argc, char **argv)
{
	const char *period = NULL, *output = "-", *db = NULL;
	int audience = REPORT_USERS, format = REPORT_FORMAT_PDF, c, rc = 0;
	struct report_request req;
	struct profile *prof = NULL;
	struct store *store = NULL;
	struct sg_error err;
	char *dbpath = NULL, sha[65];
	struct report_job_inputs in = {0};
	struct ledger_config lc;
	int have_lc = 0;

	cli_getopt_reset();
	while ((c = cli_option(cli, "report", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &rc)) > 0) {
		switch (c) {
		case OPT_PERIOD:
			period = optarg;
			break;
		case OPT_AUDIENCE:
			if ((audience =
			         cli_choice(cli, "report", "--audience", optarg, audiences)) < 0)
				return 2;
			break;
		case OPT_FORMAT:
			if ((format = cli_choice(cli, "report", "--format", optarg, formats)) < 0)
				return 2;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind + 1 != argc)
		return cli_need_one_profile(cli, "report");
	if (format == REPORT_FORMAT_PDF && !strcmp(output, "-") && isatty(STDOUT_FILENO))
		return cli_usage_error(cli, "report", "%s",
		                       TR(cli->lang,
		                          "PDF は端末に出力できません。--output で保存先を指定し"
		                          "てください",
		                          "a PDF does not go to a terminal; give --output PATH"));

	cli_error_init(cli, &err);
	if (profile_load(argv[optind], cli_catalog(cli), &prof, &err))
		return cli_report(cli, &err);
	report_request_init(&req, cli_catalog(cli), prof);
	req.audience = (enum report_audience)audience;
	req.lang = cli->lang;
	req.ledger_status = REPORT_LEDGER_NOT_CHECKED;
	if (period && report_period(req.catalog, prof->service.pattern, period, req.tz, req.now,
	                            &req.period, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	dbpath = db ? xstrdup(db) : store_default_path();
	/* a PostgreSQL store says itself when it is not there */
	if (store_kind_of(dbpath) == STORE_SQLITE && access(dbpath, F_OK)) {
		sg_error_set(
		    &err, SG_ERR_NOT_FOUND,
		    TR(cli->lang, "データベース %s がありません", "there is no database %s"),
		    dbpath);
		sg_error_hint(
		    &err, "%s",
		    TR(cli->lang,
		       "監視（saasguard monitor）が使うデータベースを --db で指定してください",
		       "give the database the monitor (saasguard monitor) uses with --db"));
		rc = cli_report(cli, &err);
		goto out;
	}
	/* The manager summary states whether the evidence ledger verified,
	 * with the public half of the profile's signing key. */
	if ((rc = cli_ledger_load_for(cli, prof, &lc)))
		goto out;
	have_lc = 1;
	ledger_config_set_db(&lc, dbpath);
	if (store_open(dbpath, 0, &store, &err) ||
	    (!period && report_period_default(store, req.catalog, prof, req.tz, req.now,
	                                      &req.period, &req.period_choice, &err)) ||
	    report_job_inputs_load(&req, store, &lc, &in, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (!period)
		fprintf(
		    stderr,
		    req.period_choice == REPORT_PERIOD_LAST_WITH_DATA
		        ? TR(cli->lang,
		             "対象期間: 監視の記録がある直近の完了した期間 %s（--period で変更"
		             "できます）\n",
		             "Period: %s, the last complete period with monitoring records "
		             "(--period chooses another)\n")
		        : TR(cli->lang,
		             "対象期間: 完了した期間に監視の記録がないため、現在の期間 %s（現時点"
		             "まで）\n",
		             "Period: %s, the current period so far: no complete period has "
		             "monitoring records\n"),
		    req.period.label);
	if (report_render_generate(store, &req, (enum report_format)format, output, sha, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if ((rc = cli_ledger_seal_for(cli, store, prof)))
		goto out;
	if (strcmp(output, "-"))
		fprintf(stderr,
		        TR(cli->lang, "報告書を作成しました: %s（期間 %s、SHA-256 %s）\n",
		           "Wrote %s (period %s, SHA-256 %s)\n"),
		        output, req.period.label, sha);
out:
	report_job_inputs_release(&in);
	if (have_lc)
		ledger_config_release(&lc);
	if (format == REPORT_FORMAT_PDF)
		report_pdf_shutdown();
	store_close(store);
	free(dbpath);
	profile_free(prof);
	return rc;
}
