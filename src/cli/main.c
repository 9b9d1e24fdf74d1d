/*
 * main - the saasguard entry point: language selection and command dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "banned.h"

const struct cli_command cli_commands[] = {
    {"classify", cmd_classify, "サービスのパターン（1〜6）を判定する",
     "find a service's pattern (1-6)"},
    {"catalog", cmd_catalog, "ガイドラインの対策項目・評価項目を表示・出力する",
     "list, show and export the guideline's countermeasures"},
    {"init", cmd_init, "プロファイルの雛形（全対策項目）を作る",
     "write a starter profile listing every countermeasure"},
    {"assess", cmd_assess, "プロファイルを評価する（ギャップ、チェックリスト、OSCAL）",
     "assess a profile (gaps, checklists, OSCAL)"},
    {"sla", cmd_sla, "SLA の約定値の一覧を作る", "list the SLA commitments"},
    {"check", cmd_check, "サーバ上で計測する（時刻同期・パッチ・バックアップ・TLS など）",
     "measure on this server (time sync, patches, backups, TLS ...)"},
    {"monitor", cmd_monitor, "死活・障害・性能監視を実行し、期限内に通知する",
     "run the liveness, fault and performance checks and notify in time"},
    {"availability", cmd_availability, "サービス時間帯の稼働率（III.2.1.1）を計算する",
     "availability over the service hours (III.2.1.1)"},
    {"incident", cmd_incident, "インシデントの一覧・詳細・続報（III.1.1.8）",
     "list and show incidents, send follow-ups (III.1.1.8)"},
    {"report", cmd_report, "利用者向け定期報告書・管理責任者向け総括報告書を作成する",
     "write the periodic customer report or the manager summary"},

    {"attest", cmd_attest, "手作業の確認・訓練・承認を証跡台帳に記録する",
     "record a manual attestation (a review, a drill, an approval) in the ledger"},
    {"ledger", cmd_ledger, "証跡台帳の鍵作成・表示・封印・検証・証明・書き出し",
     "the evidence ledger: keygen, show, seal, verify, proof, export"},
    {"doctor", cmd_doctor, "このホストの設定（権限・鍵・SMTP・ICMP・TSA・時刻・容量）を確かめる",
     "check this host's set-up (permissions, key, SMTP, ICMP, TSA, clock, disk)"},
    {"import", cmd_import, "チェックリスト（xlsx・CSV）からプロファイルの雛形を作る",
     "make a starter profile from a checklist (xlsx, CSV)"},
    {"store", cmd_store, "データベースのバックアップ・復元（証跡台帳を検証可能なまま）",
     "back up and restore the database (the ledger stays verifiable)"},
    {NULL, NULL, NULL, NULL},
};

static void usage(struct cli *cli, FILE *f)
{
	fprintf(f, "%s",
	        TR(cli->lang,
	           "使い方: saasguard [--lang ja|en] <コマンド> [<引数>]\n\n"
	           "総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」への対応を\n"
	           "評価・計測・証跡化するツールです。\n\nコマンド:\n",
	           "usage: saasguard [--lang ja|en] <command> [<args>]\n\n"
	           "Assesses, measures and keeps evidence of a SaaS service's conformance\n"
	           "to the MIC ASP/SaaS information security guideline.\n\nCommands:\n"));
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, TR(cli->lang, c->summary_ja, c->summary_en));
	fprintf(f, "%s",
	        TR(cli->lang,
	           "\n各コマンドの詳細は 'saasguard <コマンド> --help' を参照してください。\n",
	           "\nSee 'saasguard <command> --help' for each command.\n"));
}

/* The program's and the catalog's edition, with the catalog's counts so a
 * reader can tell which transcription the binary carries. */
static int version(struct cli *cli)
{
	const struct catalog *cat = cli_catalog(cli);
	size_t nitems = 0;

	for (size_t i = 0; i < cat->ncontrols; i++)
		nitems += cat->controls[i].nitems;
	printf("saasguard %s\n", SAASGUARD_VERSION);
	printf(TR(cli->lang, "カタログ: %s（対策項目 %zu、評価項目 %zu）\n",
	          "catalog: %s (%zu countermeasures, %zu evaluation items)\n"),
	       TR(cli->lang, CATALOG_EDITION_JA, CATALOG_EDITION_EN), cat->ncontrols, nitems);
	catalog_free(cli->catalog);
	cli->catalog = NULL;
	return 0;
}

/* Takes --lang wherever it stands, so every command accepts it. */
static int take_lang(struct cli *cli, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--lang") && i + 1 < *argc)
			v = argv[++i];
		else if (!strncmp(argv[i], "--lang=", 7))
			v = argv[i] + 7;
		else if (!strcmp(argv[i], "--lang")) {
			fputs(TR(cli->lang, "saasguard: --lang には ja か en を指定してください\n",
			         "saasguard: --lang needs ja or en\n"),
			      stderr);
			return -1;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (i18n_lang_parse(v) < 0) {
			fprintf(stderr,
			        TR(cli->lang,
			           "saasguard: --lang は ja か en です（'%s' ではありません）\n",
			           "saasguard: --lang takes ja or en, not '%s'\n"),
			        v);
			return -1;
		}
		cli->lang = (enum sg_lang)i18n_lang_parse(v);
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli;
	int rc;

	i18n_setup();
	memset(&cli, 0, sizeof(cli));
	cli.lang = i18n_lang_from_env();
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (take_lang(&cli, &argc, argv))
		return 2;
	if (argc < 2) {
		usage(&cli, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(&cli, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))
		return version(&cli);
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(argv[1], c->name))
			continue;
		rc = c->run(&cli, argc - 1, argv + 1);
		catalog_free(cli.catalog);
		fflush(stdout);
		return rc;
	}
	fprintf(stderr,
	        TR(cli.lang, "saasguard: '%s' というコマンドはありません。\n",
	           "saasguard: '%s' is not a command.\n"),
	        argv[1]);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (i18n_edit_distance(argv[1], c->name) <= 2)
			fprintf(stderr, TR(cli.lang, "もしかして: %s\n", "Did you mean: %s\n"),
			        c->name);
	return 2;
}
