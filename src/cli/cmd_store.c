/*
 * cmd_store - `saasguard store backup PATH` and `saasguard store restore
 * PATH`: a consistent copy of the database while the daemon runs (SQLite's
 * online backup API), and putting one back, so the evidence ledger still
 * verifies afterwards.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"
#include "store_backup.h"
#include "store_ledger.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard store backup パス [--db パス] [--force]\n"
    "        saasguard store restore パス [--db パス] [--force]\n\n"
    "  backup   稼働中のデータベースを SQLite のオンラインバックアップで一時ファイルに\n"
    "           写し、整合性を確かめてから パス に置き換えます（0600）。監視を止める\n"
    "           必要はありません。証跡台帳はそのまま検証できます\n"
    "  restore  バックアップの整合性とスキーマを確かめてから、データベースの内容を\n"
    "           置き換えます。証跡台帳のあるデータベースへの復元には --force が必要です\n"
    "  --db     データベース（既定: $SAASGUARD_DB、root は /var/lib/saasguard/saasguard.db）\n"
    "  --force  既存のファイル・台帳を上書きする\n"
    "復元の後は 'saasguard ledger verify' で台帳を検証してください。\n"
    "終了コード: 0 成功、2 引数・ファイルの誤り、書き込みやデータベースの失敗。\n";
static const char usage_en[] =
    "usage: saasguard store backup PATH [--db PATH] [--force]\n"
    "       saasguard store restore PATH [--db PATH] [--force]\n\n"
    "  backup   copies the live database with SQLite's online backup API into a temporary\n"
    "           file, checks its integrity and renames it to PATH (0600); the monitor can\n"
    "           keep running, and the evidence ledger in the copy verifies as it is\n"
    "  restore  checks the backup's integrity and schema, then replaces the database's\n"
    "           contents; restoring over a database that has a ledger needs --force\n"
    "  --db     the database (default: $SAASGUARD_DB; root: /var/lib/saasguard/saasguard.db)\n"
    "  --force  overwrite an existing file or ledger\n"
    "Run 'saasguard ledger verify' after a restore.\n"
    "Exit status: 0 done, 2 bad arguments or files, a failed write or database.\n";

#define USAGE(cli) TR((cli)->lang, usage_ja, usage_en)

enum { OPT_DB = 256, OPT_FORCE, OPT_HELP };

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"force", no_argument, NULL, OPT_FORCE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct store_args {
	const char *db, *path;
	int force;
};

/* -1 to go on, else an exit status. */
static int parse(struct cli *cli, const char *cmd, int argc, char **argv, struct store_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			return cli_help(USAGE(cli));
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_FORCE:
			a->force = 1;
			break;
		default:
			return cli_bad_option(cli, cmd, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, cmd, "%s",
		                       TR(cli->lang, "バックアップのパスを指定してください",
		                          "name the backup's PATH"));
	if (optind + 1 < argc)
		return cli_extra_argument(cli, cmd, argv[optind + 1]);
	a->path = argv[optind];
	return -1;
}

static int store_backup_cmd(struct cli *cli, int argc, char **argv)
{
	struct store_args a;
	struct store *s = NULL;
	struct store_backup_info info;
	struct sg_error err;
	char *db;
	int rc = parse(cli, "store backup", argc, argv, &a);

	if (rc >= 0)
		return rc;
	cli_error_init(cli, &err);
	db = a.db ? xstrdup(a.db) : store_default_path();
	if (store_open(db, STORE_READONLY, &s, &err) ||
	    store_backup_write(s, a.path, a.force, &info, &err)) {
		rc = cli_report(cli, &err);
	} else {
		rc = 0;
		printf(TR(cli->lang, "%s を %s にバックアップしました（%lld ページ",
		          "backed up %s to %s (%lld pages"),
		       db, a.path, info.pages);
		if (info.ledger_entries >= 0)
			printf(TR(cli->lang, "、証跡台帳 %lld 件", ", %lld ledger entries"),
			       info.ledger_entries);
		printf("%s\n", TR(cli->lang, "）", ")"));
	}
	store_close(s);
	free(db);
	return rc;
}

/* Entries in the ledger (seqs run 0, 1, 2 ... without gaps). */
static long long ledger_size(struct store *s)
{
	long long n = 0;

	return store_ledger_next_seq(s, &n, NULL) ? 0 : n;
}

static int store_restore_cmd(struct cli *cli, int argc, char **argv)
{
	struct store_args a;
	struct store *s = NULL;
	struct store_backup_info info;
	struct sg_error err;
	char *db;
	int rc = parse(cli, "store restore", argc, argv, &a);

	if (rc >= 0)
		return rc;
	cli_error_init(cli, &err);
	db = a.db ? xstrdup(a.db) : store_default_path();
	if (store_open(db, 0, &s, &err)) {
		rc = cli_report(cli, &err);
		goto done;
	}
	if (!a.force && ledger_size(s) > 0) {
		sg_error_set(&err, SG_ERR_EXISTS,
		             TR(cli->lang, "%s には証跡台帳があります。復元すると置き換わります",
		                "%s has an evidence ledger; a restore replaces it"),
		             db);
		sg_error_hint(
		    &err, "%s",
		    TR(cli->lang,
		       "先に 'saasguard store backup' で今の内容を保存し、--force を付けて"
		       "ください",
		       "keep the current contents with 'saasguard store backup' first, "
		       "then add --force"));
		rc = cli_report(cli, &err);
		goto done;
	}
	if (store_backup_restore(s, a.path, &info, &err)) {
		rc = cli_report(cli, &err);
		goto done;
	}
	/* A backup from an older version gets this version's migrations. */
	store_close(s);
	s = NULL;
	if (store_open(db, 0, &s, &err)) {
		rc = cli_report(cli, &err);
		goto done;
	}
	printf(TR(cli->lang, "%s を %s から復元しました（証跡台帳 %lld 件）。",
	          "restored %s from %s (%lld ledger entries). "),
	       db, a.path, info.ledger_entries < 0 ? 0 : info.ledger_entries);
	printf("%s\n", TR(cli->lang, "'saasguard ledger verify' で検証してください",
	                  "Check it with 'saasguard ledger verify'"));
	rc = 0;
done:
	store_close(s);
	free(db);
	return rc;
}

int cmd_store(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"backup", store_backup_cmd},
	    {"restore", store_restore_cmd},
	    {NULL, NULL},
	};

	return cli_dispatch_sub(cli, "store", subs, USAGE(cli), argc, argv);
}
