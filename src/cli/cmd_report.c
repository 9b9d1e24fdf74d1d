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

#include "assess.h"
#include "ledger.h"
#include "ledger_key.h"
#include "ledger_verify.h"
#include "cli.h"
#include "profile.h"
#include "report.h"
#include "report_pdf.h"
#include "store.h"
#include "store_collect.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard report FILE [--period 2026-11|2026-Q4|2026-H2]\n"
    "                          [--audience users|managers] [--format html|pdf|json]\n"
    "                          [--output PATH] [--db PATH]\n\n"
    "監視結果の定期報告書（III.1.1.7、--audience users）又は管理責任者向けの総括報告書\n"
    "（III.1.1.4、--audience managers）を作成します。FILE はサービスのプロファイルです。\n"
    "--period を省略すると、パターンの報告間隔（1・3・6ヶ月）で直近に終わった期間です。\n"
    "--format の既定は pdf、--output の既定は標準出力（pdf は端末には出力しません）。\n"
    "作成したファイルの SHA-256 は証跡台帳に記録されます。\n";
static const char usage_en[] =
    "usage: saasguard report FILE [--period 2026-11|2026-Q4|2026-H2]\n"
    "                         [--audience users|managers] [--format html|pdf|json]\n"
    "                         [--output PATH] [--db PATH]\n\n"
    "Writes the periodic customer report (III.1.1.7, --audience users) or the monitoring\n"
    "summary for management (III.1.1.4, --audience managers) of the service whose profile\n"
    "is FILE. Without --period: the last complete period of the pattern's reporting\n"
    "interval (1, 3 or 6 months). --format defaults to pdf, --output to standard output\n"
    "(never a PDF to a terminal). The file's SHA-256 is recorded in the evidence ledger.\n";

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

/* The assessment the SLA table and the manager summary show: the profile's
 * declarations judged together with the latest measurements in the store. */
static enum sg_code assess_with_measurements(struct store *store, const struct profile *prof,
                                             const struct catalog *cat, double now, json_t **out,
                                             struct sg_error *err)
{
	struct measured_set measured = MEASURED_SET_INIT;
	struct assess_result *r = NULL;
	enum sg_code rc = store_collect_latest(store, prof->service.name, &measured, err);

	if (!rc)
		rc = assess_run(cat, prof, &measured, now, &r, err);
	if (!rc)
		*out = assess_to_json(r);
	assess_free(r);
	measured_set_release(&measured);
	return rc;
}

/* The manager summary states whether the evidence ledger verified, with the
 * public half of the profile's signing key. */
static void ledger_status(struct cli *cli, struct store *store, const struct profile *prof,
                          struct report_request *req, char *detail, size_t n)
{
	struct ledger_config cfg;
	struct ledger_key pub;
	struct ledger_verify_opts vo;
	struct ledger_verify_report vr;
	struct sg_error err;
	char *pubpath;

	if (cli_ledger_load_for(cli, prof, &cfg))
		return;
	pubpath = xasprintf("%s.pub", cfg.key_path);
	cli_error_init(cli, &err);
	memset(&vo, 0, sizeof(vo));
	vo.from_ms = LLONG_MIN;
	vo.to_ms = LLONG_MAX;
	vo.tsa_ca_file = cfg.tsa_ca_file;
	if (ledger_key_load_public(pubpath, &pub, &err)) {
		snprintf(detail, n, "%s: %s", pubpath, err.msg);
	} else {
		vo.keys = &pub;
		vo.nkeys = 1;
		if (ledger_verify(store, &vo, &vr, &err)) {
			req->ledger_status = REPORT_LEDGER_FAILED;
			snprintf(detail, n, "%s", err.msg);
		} else {
			req->ledger_status = REPORT_LEDGER_VERIFIED;
			snprintf(detail, n,
			         TR(cli->lang,
			            "エントリ %lld 件、署名付きツリーヘッド %lld "
			            "件（うちタイムスタンプ付き %lld 件）を検証",
			            "%lld entries and %lld signed tree heads (%lld timestamped) "
			            "verified"),
			         vr.entries, vr.heads, vr.heads_timestamped);
		}
	}
	req->ledger_detail = detail;
	free(pubpath);
	ledger_config_release(&cfg);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	const char *period = NULL, *output = "-", *db = NULL;
	int audience = REPORT_USERS, format = REPORT_FORMAT_PDF, c, rc = 0;
	struct report_request req;
	struct profile *prof = NULL;
	struct store *store = NULL;
	struct sg_error err;
	char *dbpath = NULL, sha[65], ledger_detail[600];
	json_t *assessment = NULL;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
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
		case OPT_HELP:
			return cli_help(TR(cli->lang, usage_ja, usage_en));
		case ':':
			return cli_usage_error(
			    cli, "report", TR(cli->lang, "%s には値が必要です", "%s needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error(cli, "report",
			                       TR(cli->lang, "'%s' というオプションはありません",
			                          "there is no option '%s'"),
			                       argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cli, "report", "%s",
		                       TR(cli->lang, "プロファイル FILE を 1 つ指定してください",
		                          "give one profile FILE"));
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
	if (report_period(req.catalog, prof->service.pattern, period, req.tz, req.now, &req.period,
	                  &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	dbpath = db ? xstrdup(db) : store_default_path();
	if (access(dbpath, F_OK)) {
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
	if (store_open(dbpath, 0, &store, &err) ||
	    assess_with_measurements(store, prof, req.catalog, req.now, &assessment, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	req.assessment = assessment;
	if (req.audience == REPORT_MANAGERS)
		ledger_status(cli, store, prof, &req, ledger_detail, sizeof(ledger_detail));
	if (report_generate(store, &req, (enum report_format)format, output, sha, &err)) {
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
	json_decref(assessment);
	if (format == REPORT_FORMAT_PDF)
		report_pdf_shutdown();
	store_close(store);
	free(dbpath);
	profile_free(prof);
	return rc;
}
