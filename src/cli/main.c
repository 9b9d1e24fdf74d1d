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

    {"serve", cmd_serve, "公開稼働状況ページを配信する（HTTP/HTTPS）",
     "serve the public status pages (HTTP/HTTPS)"},
    {"user", cmd_user, "管理画面の利用者を追加・一覧・変更・削除する",
     "add, list, change and remove the operators of serve"},
    {"token", cmd_token, "REST API のトークンを作成・一覧・失効する",
     "create, list and revoke REST API tokens"},
    {"attest", cmd_attest, "手作業の確認・訓練・承認を証跡台帳に記録する",
     "record a manual attestation (a review, a drill, an approval) in the ledger"},
    {"ledger", cmd_ledger, "証跡台帳の鍵作成・表示・封印・検証・証明・チェックポイント・書き出し",
     "the evidence ledger: keygen, show, seal, verify, proof, head, export"},
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
	           "使い方: saasguard [--lang ja|en] <コマンド> [<引数>]\n"
	           "        saasguard --version | --help\n\n"
	           "総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」への対応を\n"
	           "評価・計測・証跡化するツールです。\n\nコマンド:\n",
	           "usage: saasguard [--lang ja|en] <command> [<args>]\n"
	           "       saasguard --version | --help\n\n"
	           "Assesses, measures and keeps evidence of a SaaS service's conformance\n"
	           "to the MIC ASP/SaaS information security guideline.\n\nCommands:\n"));
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, TR(cli->lang, c->summary_ja, c->summary_en));
	/* Every variable the program reads (grep getenv), bar the system's own. */
	fprintf(
	    f, "%s",
	    TR(cli->lang,
	       "\n共通のオプション:\n"
	       "  --lang ja|en   表示の言語（どの位置でも可。既定は LC_ALL・LC_MESSAGES・LANG\n"
	       "                 が en で始まれば英語、それ以外は日本語）\n"
	       "  --db PATH|URI  データベース（monitor・availability・report・ledger など、\n"
	       "                 データベースを使うコマンドの後に指定）。SQLite のファイル、\n"
	       "                 又は PostgreSQL の接続先（postgresql://… か host=… dbname=…）。\n"
	       "                 パスワードは ~/.pgpass か passfile=（0600）から読みます\n"
	       "  --version      版を表示する\n"
	       "  --help         この説明を表示する\n"
	       "\n環境変数:\n"
	       "  SAASGUARD_DB          --db の既定のデータベース\n"
	       "  SAASGUARD_STATE_DIR   データベースを置くディレクトリ（saasguard.db）。\n"
	       "                        どちらもなければ root は /var/lib/saasguard、\n"
	       "                        それ以外は $XDG_STATE_HOME/saasguard 又は\n"
	       "                        ~/.local/state/saasguard\n"
	       "  SAASGUARD_LEDGER_KEY  証跡台帳の署名鍵（--key の既定）\n"
	       "  SAASGUARD_NOW         現在時刻をエポック秒で固定する（試験用）\n"
	       "  SOURCE_DATE_EPOCH     OSCAL 出力の作成日時を固定する（再現可能なビルド）\n"
	       "  LC_ALL, LC_MESSAGES, LANG  既定の言語（上記）\n"
	       "  NO_COLOR              色付きの表示をしない\n"
	       "  SUDO_USER, USER       attest で記録する確認者の名前\n"
	       "\n各コマンドの詳細は 'saasguard <コマンド> --help' を参照してください。\n",
	       "\nCommon options:\n"
	       "  --lang ja|en   language of the output (anywhere on the line; default English\n"
	       "                 when LC_ALL, LC_MESSAGES or LANG starts with en, else Japanese)\n"
	       "  --db PATH|URI  the database (after a command that uses it: monitor,\n"
	       "                 availability, report, ledger ...): a SQLite file, or a\n"
	       "                 PostgreSQL connection (postgresql://... or host=... dbname=...);\n"
	       "                 its password comes from ~/.pgpass or passfile= (0600)\n"
	       "  --version      print the version\n"
	       "  --help         print this help\n"
	       "\nEnvironment:\n"
	       "  SAASGUARD_DB          default database for --db\n"
	       "  SAASGUARD_STATE_DIR   directory of the database (saasguard.db); without\n"
	       "                        either, /var/lib/saasguard for root, else\n"
	       "                        $XDG_STATE_HOME/saasguard or ~/.local/state/saasguard\n"
	       "  SAASGUARD_LEDGER_KEY  the evidence ledger's signing key (default of --key)\n"
	       "  SAASGUARD_NOW         fixes the current time, in epoch seconds (for tests)\n"
	       "  SOURCE_DATE_EPOCH     fixes the creation time of OSCAL output (reproducible)\n"
	       "  LC_ALL, LC_MESSAGES, LANG  default language (above)\n"
	       "  NO_COLOR              no coloured output\n"
	       "  SUDO_USER, USER       who `attest` records as the attester\n"
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
