/*
 * cmd_store - `saasguard store backup PATH` and `saasguard store restore
 * PATH`: a consistent copy of the database while the daemon runs (SQLite's
 * online backup API), and putting one back, so the evidence ledger still
 * verifies afterwards. `saasguard store migrate --from sqlite:PATH --to
 * URI-or-PATH`: an installation moved into a new store (PostgreSQL, or
 * another SQLite file), ledger included, and the ledger verified there.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ledger.h"
#include "ledger_key.h"
#include "ledger_verify.h"
#include "store.h"
#include "store_backup.h"
#include "store_ledger.h"
#include "store_migrate.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard store backup パス [--db パス] [--force]\n"
    "        saasguard store restore パス [--db パス] [--force]\n"
    "        saasguard store migrate --from sqlite:パス --to URIまたはパス\n\n"
    "  backup   稼働中のデータベースを SQLite のオンラインバックアップで一時ファイルに\n"
    "           写し、整合性を確かめてから パス に置き換えます（0600）。監視を止める\n"
    "           必要はありません。証跡台帳はそのまま検証できます\n"
    "  restore  バックアップの整合性とスキーマを確かめてから、データベースの内容を\n"
    "           置き換えます。証跡台帳のあるデータベースへの復元には --force が必要です\n"
    "  migrate  既存の SQLite データベースの全テーブル（証跡台帳を含む）を、ID を保ったまま\n"
    "           新しいデータベース（postgresql://… または SQLite のパス）に写し、写した先で\n"
    "           台帳を検証します。移行先は空でなければなりません。移行の間は監視を止めて\n"
    "           ください。進み具合は標準エラー出力に表示します\n"
    "  --db     データベース（既定: $SAASGUARD_DB、root は /var/lib/saasguard/saasguard.db）\n"
    "  --force  既存のファイル・台帳を上書きする\n"
    "復元の後は 'saasguard ledger verify' で台帳を検証してください。\n"
    "終了コード: 0 成功、1 移行先の台帳の検証失敗、2 引数・ファイルの誤り、書き込みや\n"
    "データベースの失敗、空でない移行先。\n";
static const char usage_en[] =
    "usage: saasguard store backup PATH [--db PATH] [--force]\n"
    "       saasguard store restore PATH [--db PATH] [--force]\n"
    "       saasguard store migrate --from sqlite:PATH --to URI-or-PATH\n\n"
    "  backup   copies the live database with SQLite's online backup API into a temporary\n"
    "           file, checks its integrity and renames it to PATH (0600); the monitor can\n"
    "           keep running, and the evidence ledger in the copy verifies as it is\n"
    "  restore  checks the backup's integrity and schema, then replaces the database's\n"
    "           contents; restoring over a database that has a ledger needs --force\n"
    "  migrate  copies every table of an existing SQLite database (the evidence ledger\n"
    "           included) into a new database (postgresql://... or a SQLite path) with the\n"
    "           ids kept, then verifies the ledger there; the destination must be empty.\n"
    "           Stop the monitor while migrating. Progress goes to standard error\n"
    "  --db     the database (default: $SAASGUARD_DB; root: /var/lib/saasguard/saasguard.db)\n"
    "  --force  overwrite an existing file or ledger\n"
    "Run 'saasguard ledger verify' after a restore.\n"
    "Exit status: 0 done, 1 the ledger did not verify on the migration's destination,\n"
    "2 bad arguments or files, a failed write or database, a destination not empty.\n";

#define USAGE(cli) TR((cli)->lang, usage_ja, usage_en)

enum { OPT_DB = 256, OPT_FORCE, OPT_HELP, OPT_FROM, OPT_TO };

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},     {"force", no_argument, NULL, OPT_FORCE},
    {"from", required_argument, NULL, OPT_FROM}, {"to", required_argument, NULL, OPT_TO},
    {"help", no_argument, NULL, OPT_HELP},       {NULL, 0, NULL, 0},
};

struct store_args {
	const char *db, *path, *from, *to;
	int force;
};

/* -1 to go on, else an exit status. */
static int parse(struct cli *cli, const char *cmd, int argc, char **argv, struct store_args *a)
{
	int c, status;

	memset(a, 0, sizeof(*a));
	cli_getopt_reset();
	while ((c = cli_option(cli, cmd, USAGE(cli), argc, argv, long_opts, &status)) > 0) {
		switch (c) {
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_FORCE:
			a->force = 1;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (strcmp(cmd, "store migrate"))
				return cli_bad_option(cli, cmd, argv[optind - 1]);
			*(c == OPT_FROM ? &a->from : &a->to) = optarg;
			break;
		}
	}
	if (c < 0)
		return status;
	if (!strcmp(cmd, "store migrate")) {
		if (a->db || a->force)
			return cli_bad_option(cli, cmd, a->db ? "--db" : "--force");
		if (!a->from || !a->to)
			return cli_usage_error(
			    cli, cmd, "%s",
			    TR(cli->lang,
			       "--from sqlite:パス と --to URIまたはパス を指定してください",
			       "give --from sqlite:PATH and --to URI-or-PATH"));
		if (optind < argc)
			return cli_extra_argument(cli, cmd, argv[optind]);
		return -1;
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

struct migrate_progress {
	struct cli *cli;
	long long last; /* rows last reported for the table */
};

/* Per table on stderr: every 100,000 rows while a big table runs, then its
 * total. */
static void migrate_progress(const char *table, long long rows, int done, void *ctx)
{
	struct migrate_progress *p = ctx;

	if (!done && rows - p->last < 100000)
		return;
	p->last = done ? 0 : rows;
	fprintf(
	    stderr,
	    done ? TR(p->cli->lang, "saasguard: %s: %lld 行を写しました\n",
	              "saasguard: %s: %lld rows copied\n")
	         : TR(p->cli->lang, "saasguard: %s: %lld 行…\n", "saasguard: %s: %lld rows...\n"),
	    table, rows);
}

/* The ledger's verification on the migrated store, with the public key of
 * the source's signing key (ledger.key.pub beside the SQLite file, or
 * $SAASGUARD_LEDGER_KEY.pub): 0 verified or nothing to verify, else the
 * exit status. */
static int migrate_verify(struct cli *cli, const char *from, const char *to)
{
	struct ledger_config cfg;
	struct ledger_key key;
	struct ledger_verify_opts vo;
	struct ledger_verify_report r;
	struct store *s = NULL;
	struct sg_error err;
	char *pub;
	long long n = 0;
	int rc = 0;

	cli_error_init(cli, &err);
	ledger_config_init(&cfg);
	ledger_config_set_db(&cfg, from);
	pub = xstrfmt("%s.pub", cfg.key_path);
	if (store_open(to, STORE_READONLY, &s, &err) || store_ledger_next_seq(s, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (n == 0) {
		printf("%s\n", TR(cli->lang, "証跡台帳は空です（検証するものはありません）",
		                  "the evidence ledger is empty (nothing to verify)"));
		goto out;
	}
	if (access(pub, R_OK)) {
		printf(TR(cli->lang,
		          "証跡台帳 %lld 件を写しましたが、公開鍵 %s がないため検証していません。"
		          "'saasguard ledger verify --db 移行先 --public-key ファイル' で検証して"
		          "ください\n",
		          "copied %lld ledger entries but did not verify them: there is no public "
		          "key %s; run 'saasguard ledger verify --db DESTINATION --public-key "
		          "FILE'\n"),
		       n, pub);
		goto out;
	}
	if (ledger_key_load_public(pub, &key, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	memset(&vo, 0, sizeof(vo));
	vo.keys = &key;
	vo.nkeys = 1;
	if (ledger_verify(s, &vo, &r, &err)) {
		printf(TR(cli->lang, "移行先の台帳の検証失敗: %s\n",
		          "VERIFICATION FAILED on the destination: %s\n"),
		       err.msg);
		rc = cli_report(cli, &err);
		goto out;
	}
	printf(TR(cli->lang,
	          "移行先の台帳を検証しました（'saasguard ledger verify' と同じ検証）: エントリ "
	          "%lld 件、ツリーヘッド %lld 件、署名はすべて有効\n",
	          "the ledger verifies on the destination (the checks of 'saasguard ledger "
	          "verify'): %lld entries, %lld tree heads, every signature valid\n"),
	       r.entries, r.heads);
out:
	store_close(s);
	free(pub);
	ledger_config_release(&cfg);
	return rc;
}

/* Where the ledger key must be for a store: said when it moves (a
 * PostgreSQL store keeps its key in the state directory). */
static void migrate_key_note(struct cli *cli, const char *from, const char *to)
{
	char *a = store_files_dir(from), *b = store_files_dir(to);
	char *key = xstrfmt("%s/ledger.key", a);

	if (strcmp(a, b) && !getenv("SAASGUARD_LEDGER_KEY") && !access(key, F_OK))
		printf(TR(cli->lang,
		          "署名鍵は移りません: %s/ledger.key・ledger.key.pub・ledger.key.heads を "
		          "%s に置いてください（0600）\n",
		          "the signing key does not move: put %s/ledger.key, ledger.key.pub and "
		          "ledger.key.heads in %s (0600)\n"),
		       a, b);
	free(key);
	free(a);
	free(b);
}

static int store_migrate_cmd(struct cli *cli, int argc, char **argv)
{
	struct store_args a;
	struct store *src = NULL, *dst = NULL;
	struct store_migrate_result res = {0};
	struct migrate_progress prog = {.cli = cli};
	struct sg_error err;
	const char *from_path;
	int rc = parse(cli, "store migrate", argc, argv, &a);

	if (rc >= 0)
		return rc;
	cli_error_init(cli, &err);
	if (store_kind_of(a.from) != STORE_SQLITE)
		return cli_usage_error(cli, "store migrate", "%s",
		                       TR(cli->lang,
		                          "--from は SQLite のデータベース（sqlite:パス）です",
		                          "--from is a SQLite database (sqlite:PATH)"));
	from_path = strncmp(a.from, "sqlite:", 7) ? a.from : a.from + 7;
	/* store_open() would create a missing file */
	if (access(from_path, F_OK)) {
		sg_error_set(&err, SG_ERR_NOT_FOUND,
		             TR(cli->lang, "%s: 移行元のデータベースがありません",
		                "%s: no such source database"),
		             from_path);
		return cli_report(cli, &err);
	}
	if (store_open(a.from, 0, &src, &err) || store_open(a.to, 0, &dst, &err) ||
	    store_migrate_check_empty(src, dst, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (store_migrate_copy(src, dst, migrate_progress, &prog, &res, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	store_close(dst);
	dst = NULL;
	printf(TR(cli->lang, "%s を %s に移しました: テーブル %zu、%lld 行（ID はそのまま",
	          "migrated %s to %s: %zu tables, %lld rows (ids kept"),
	       from_path, a.to, res.n, res.rows);
	if (res.sequences)
		printf(TR(cli->lang, "、ID の連番 %lld 個を写した ID の後に進めました",
		          "; %lld id sequences moved past the copied ids"),
		       res.sequences);
	printf("%s\n", TR(cli->lang, "）", ")"));
	rc = migrate_verify(cli, a.from, a.to);
	migrate_key_note(cli, a.from, a.to);
out:
	store_migrate_result_release(&res);
	store_close(src);
	store_close(dst);
	return rc;
}

int cmd_store(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"backup", store_backup_cmd},
	    {"restore", store_restore_cmd},
	    {"migrate", store_migrate_cmd},
	    {NULL, NULL},
	};

	return cli_dispatch_sub(cli, "store", subs, USAGE(cli), argc, argv);
}
