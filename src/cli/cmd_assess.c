/*
 * cmd_assess - `saasguard assess FILE`: judges a service's profile against
 * its pattern's reference values, with the measurements in the store when
 * --db is given (and records the assessment in the evidence ledger).
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess.h"
#include "assess_write.h"
#include "assess_xlsx.h"
#include "cli.h"
#include "ledger.h"
#include "ledger_events.h"
#include "profile.h"
#include "store.h"
#include "store_collect.h"
#include "timeutil.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard assess ファイル [--format table|json|markdown|html|csv|oscal|xlsx]\n"
    "                         [--output パス] [--strict] [--db パス]\n\n"
    "プロファイル（YAML）の申告をサービスのパターンの対策参照値と照合し、評価項目ごとに\n"
    "参照値を満たす・参照値に達しない・値なしなどを、対策項目ごとに対策済み・要対応・\n"
    "対象外・リスク受容・未評価を示します。対策項目は認証基準ではなく指標、対策参照値は\n"
    "目安です（I.8.1、I.8.5）。\n"
    "  --format    table（端末）、json、markdown・html（報告書）、\n"
    "              csv（Annex 2・3 のチェックリスト）、oscal（OSCAL 1.1.3 assessment-results）、\n"
    "              xlsx（監査用の Excel: 概要、Annex 2、Annex 3 の3シート。端末には出力しない）\n"
    "  --output    ファイルに書き出す（一時ファイル経由で置き換え）\n"
    "  --strict    推奨の対策項目も終了コードに含める\n"
    "  --db        監視・収集の計測値があるデータベース。計測値は申告値より優先して判定し\n"
    "              （値のない指摘も参照値に達しないものとします）、saasguard attest の記録を\n"
    "              証跡として示し、評価を証跡台帳に記録する\n"
    "終了コード（saasguard の方針）: 0 基本の対策項目がすべて対策済み・対象外・リスク受容で\n"
    "* の評価項目がすべて参照値を満たす、1 それ以外、2 プロファイルが読めない・不正。\n";
static const char usage_en[] =
    "usage: saasguard assess FILE [--format table|json|markdown|html|csv|oscal|xlsx]\n"
    "                             [--output PATH] [--strict] [--db PATH]\n\n"
    "Compares what a profile (YAML) declares with its pattern's reference values: each\n"
    "evaluation item meets the reference value, falls short of it, has no value ...; each\n"
    "countermeasure in place, to be addressed, not applicable, accepted risk or not assessed.\n"
    "The countermeasures are indicators, not certification criteria, and reference values\n"
    "are guides (I.8.1, I.8.5).\n"
    "  --format    table (terminal), json, markdown or html (report), csv (the Annex 2\n"
    "              and 3 checklists), oscal (OSCAL 1.1.3 assessment-results), xlsx (an\n"
    "              Excel workbook for auditors: summary, Annex 2, Annex 3; not to a terminal)\n"
    "  --output    write to a file (atomically)\n"
    "  --strict    recommended countermeasures count for the exit status too\n"
    "  --db        the database with the monitor's and collectors' measurements; measured\n"
    "              values are judged before declared ones (a finding without a value falls\n"
    "              short), saasguard attest records show as evidence, and the assessment is\n"
    "              recorded in the evidence ledger\n"
    "Exit status (saasguard's policy): 0 when every basic countermeasure is in place, not\n"
    "applicable or an accepted risk and every * item meets its reference value; 1 otherwise;\n"
    "2 for an unreadable or invalid profile.\n";

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

	return ledger_events_assessment(s, p->path, p->sha256, p->service.name, r->pattern,
	                                assess_summary_json(r), err);
}

static int attach_one(json_t *entry, const char *text, void *ctx)
{
	(void)text;
	assess_attach_attestation(ctx, entry);
	return 0;
}

int cmd_assess(struct cli *cli, int argc, char **argv)
{
	const char *output = NULL, *db = NULL;
	int format = ASSESS_TABLE, strict = 0, c, status;
	struct sg_error err;
	struct profile *p = NULL;
	struct store *store = NULL;
	struct measured_set measured = MEASURED_SET_INIT;
	struct assess_result *r = NULL;
	struct assess_write_opts wo;
	struct dynbuf out = DYNBUF_INIT;

	cli_getopt_reset();
	while ((c = cli_option(cli, "assess", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &status)) > 0) {
		switch (c) {
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
		}
	}
	if (c < 0)
		return status;
	if (format == ASSESS_XLSX && (status = cli_not_to_terminal(cli, "assess", "xlsx", output)))
		return status;
	if ((status = cli_profile_arg(cli, "assess", argc, argv, &p, &err)))
		return status;
	profile_check_evidence(p, &err);
	if (db) {
		/* a PostgreSQL store says itself when it is not there */
		if (store_kind_of(db) == STORE_SQLITE && access(db, F_OK)) {
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
	if (assess_run(cli_catalog(cli), p, db ? &measured : NULL, timeutil_now(), &r, &err)) {
		status = cli_report(cli, &err);
		goto done;
	}
	/* `saasguard attest` records show with the controls' evidence */
	if (store && ledger_each(store, "attestation", 0, LLONG_MAX, attach_one, r, &err)) {
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
