/*
 * cmd_assess - `saasguard assess FILE`: judges a service's profile against
 * its pattern's reference values, with the measurements in the store when
 * --db is given (and records the assessment in the evidence ledger).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess.h"
#include "assess_write.h"
#include "assess_xlsx.h"
#include "cli.h"
#include "ledger.h"
#include "profile.h"
#include "store.h"
#include "store_collect.h"
#include "timeutil.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard assess ファイル [--format table|json|markdown|html|csv|oscal|xlsx]\n"
    "                         [--output パス] [--strict] [--db パス]\n\n"
    "プロファイル（YAML）の申告をサービスのパターンの対策参照値と照合し、対策項目ごとに\n"
    "適合・不適合・対象外・リスク受容・未評価を、評価項目ごとに達成・未達などを判定します。\n"
    "  --format    table（端末）、json、markdown・html（ギャップレポート）、\n"
    "              csv（Annex 2・3 のチェックリスト）、oscal（OSCAL 1.1.3 assessment-results）、\n"
    "              xlsx（監査用の Excel: 概要、Annex 2、Annex 3 の3シート。端末には出力しない）\n"
    "  --output    ファイルに書き出す（一時ファイル経由で置き換え）\n"
    "  --strict    推奨の対策項目も合否に含める\n"
    "  --db        監視・収集の計測値があるデータベース。計測値は申告値より優先して判定し、\n"
    "              評価を証跡台帳に記録する\n"
    "終了コード: 0 合格（基本の対策項目がすべて適合・対象外・リスク受容で * の評価項目を\n"
    "すべて達成）、1 不合格、2 プロファイルが読めない・不正。\n";
static const char usage_en[] =
    "usage: saasguard assess FILE [--format table|json|markdown|html|csv|oscal|xlsx]\n"
    "                             [--output PATH] [--strict] [--db PATH]\n\n"
    "Judges what a profile (YAML) declares against its pattern's reference values: each\n"
    "countermeasure compliant, gap, not applicable, accepted risk or not assessed; each\n"
    "evaluation item meets, falls short, no value, no reference or not applicable.\n"
    "  --format    table (terminal), json, markdown or html (gap report), csv (the Annex 2\n"
    "              and 3 checklists), oscal (OSCAL 1.1.3 assessment-results), xlsx (an\n"
    "              Excel workbook for auditors: summary, Annex 2, Annex 3; not to a terminal)\n"
    "  --output    write to a file (atomically)\n"
    "  --strict    recommended countermeasures count too\n"
    "  --db        the database with the monitor's and collectors' measurements; measured\n"
    "              values are judged before declared ones, and the assessment is recorded\n"
    "              in the evidence ledger\n"
    "Exit status: 0 pass (every basic countermeasure compliant, not applicable or an\n"
    "accepted risk, and every * item met), 1 fail, 2 an unreadable or invalid profile.\n";

enum { OPT_FORMAT = 256, OPT_OUTPUT, OPT_STRICT, OPT_DB, OPT_HELP };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"db", required_argument, NULL, OPT_DB},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static enum sg_code record(struct store *s, const struct assess_result *r, struct sg_error *err)
{
	const struct profile *p = r->profile;
	char sha[65];
	json_t *payload;
	enum sg_code rc;

	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", p->sha256[i]);
	payload =
	    json_pack("{s:s,s:s,s:s,s:i,s:o}", "profile", p->path, "profile_sha256", sha, "service",
	              p->service.name, "pattern", r->pattern, "summary", assess_summary_json(r));
	if (!(rc = store_begin(s, err))) {
		rc = ledger_append(s, "assessment", payload, NULL, err);
		if (!rc)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
	json_decref(payload);
	return rc;
}

int cmd_assess(struct cli *cli, int argc, char **argv)
{
	const struct catalog *cat;
	const char *output = NULL, *db = NULL, *file;
	int format = ASSESS_TABLE, strict = 0, c, status;
	struct sg_error err;
	struct profile *p = NULL;
	struct store *store = NULL;
	struct measured_set measured = MEASURED_SET_INIT;
	struct assess_result *r = NULL;
	struct assess_write_opts wo;
	struct dynbuf out = DYNBUF_INIT;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			return cli_help(TR(cli->lang, usage_ja, usage_en));
		case OPT_FORMAT:
			if ((format = cli_choice(cli, "assess", "--format", optarg,
			                         assess_format_names)) < 0)
				return 2;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_DB:
			db = optarg;
			break;
		default:
			return cli_bad_option(cli, "assess", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_need_one_profile(cli, "assess");
	if (format == ASSESS_XLSX && (!output || !strcmp(output, "-")) && isatty(STDOUT_FILENO))
		return cli_usage_error(cli, "assess", "%s",
		                       TR(cli->lang,
		                          "xlsx は --output でファイルに書き出してください",
		                          "write xlsx to a file with --output"));
	file = argv[optind];
	cat = cli_catalog(cli);
	cli_error_init(cli, &err);
	if (profile_load(file, cat, &p, &err))
		return cli_report(cli, &err);
	profile_check_evidence(p, &err);
	if (db) {
		if (access(db, F_OK)) {
			sg_error_set(&err, SG_ERR_NOT_FOUND,
			             TR(cli->lang, "データベース %s がありません",
			                "the database %s does not exist"),
			             db);
			sg_error_hint(&err, "%s",
			              TR(cli->lang,
			                 "監視（saasguard "
			                 "monitor）や収集が作るデータベースを指定してください",
			                 "name the database the monitor and the collectors write"));
			status = cli_report(cli, &err);
			goto done;
		}
		if (store_open(db, 0, &store, &err) ||
		    store_collect_latest(store, p->service.name, &measured, &err)) {
			status = cli_report(cli, &err);
			goto done;
		}
	}
	if (assess_run(cat, p, db ? &measured : NULL, timeutil_now(), &r, &err)) {
		status = cli_report(cli, &err);
		goto done;
	}
	if (store && record(store, r, &err)) {
		status = cli_report(cli, &err);
		goto done;
	}
	if (store && (status = cli_ledger_seal_for(cli, store, p)))
		goto done;
	memset(&wo, 0, sizeof(wo));
	wo.lang = (int)cli->lang;
	wo.color = cli->color && format == ASSESS_TABLE && (!output || !strcmp(output, "-"));
	wo.strict = strict;
	if (format == ASSESS_XLSX ? assess_xlsx(r, &wo, &out, &err)
	                          : assess_write(r, (enum assess_format)format, &wo, &out, &err)) {
		status = cli_report(cli, &err);
		goto done;
	}
	status = cli_emit(cli, output, &out);
	if (!status)
		status = assess_exit_status(r, strict);
done:
	dynbuf_release(&out);
	assess_free(r);
	measured_set_release(&measured);
	store_close(store);
	profile_free(p);
	return status;
}
