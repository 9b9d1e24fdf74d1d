/*
 * cmd_user - `saasguard user add|list|passwd|remove` and `saasguard token
 * add|list|revoke`: the accounts and API tokens of `saasguard serve`.
 * Passwords come from a terminal (asked twice, not echoed) or a 0600 file,
 * never from argv; a token is printed once and only its hash is stored.
 * Every change is recorded in the ledger.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "dynbuf.h"
#include "fileio.h"
#include "ledger_events.h"
#include "store_web.h"
#include "table.h"
#include "timeutil.h"
#include "web_auth.h"
#include "xalloc.h"
#include "banned.h"

/* Parses --db, --role, --password-file; returns the index of the first
 * operand or -1 after a usage error. */
int cli_account_opts(struct cli *cli, const char *cmd, int argc, char **argv,
                     struct cli_account_opts *o)
{
	enum { OPT_DB = 256, OPT_ROLE, OPT_PWFILE };
	static const struct option opts[] = {{"db", required_argument, NULL, OPT_DB},
	                                     {"role", required_argument, NULL, OPT_ROLE},
	                                     {"password-file", required_argument, NULL, OPT_PWFILE},
	                                     {NULL, 0, NULL, 0}};
	int c, status;

	memset(o, 0, sizeof(*o));
	cli_getopt_reset();
	while ((c = cli_option(cli, cmd, NULL, argc, argv, opts, &status)) > 0) {
		switch (c) {
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_ROLE:
			if (web_auth_role_parse(optarg) < 0) {
				cli_usage_error(
				    cli, cmd,
				    TR(cli->lang,
				       "--role は admin、operator、viewer のいずれかです: %s",
				       "--role is admin, operator or viewer, not %s"),
				    optarg);
				return -1;
			}
			o->role = optarg;
			break;
		case OPT_PWFILE:
			o->password_file = optarg;
			break;
		}
	}
	if (c < 0)
		return -1;
	return optind;
}

int cli_account_name_ok(struct cli *cli, const char *cmd, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (!(name[i] == '-' || name[i] == '_' || name[i] == '.' || name[i] == '@' ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			n = 0;
	if (n && n <= 64)
		return 0;
	cli_usage_error(cli, cmd,
	                TR(cli->lang, "名前 '%s' には英数字と - _ . @ だけを 64 文字まで使えます",
	                   "the name '%s' may use letters, digits and - _ . @ (up to 64)"),
	                name);
	return -1;
}

static int read_tty_line(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	int ok;
	size_t len;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old))
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	ok = fgets(buf, (int)n, stdin) != NULL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!ok)
		return -1;
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	return 0;
}

/* The new password from --password-file (0600, first line) or the terminal. */
static int get_password(struct cli *cli, const char *cmd, const struct cli_account_opts *o,
                        char *pw, size_t n)
{
	struct sg_error err;

	if (o->password_file) {
		struct stat st;
		struct dynbuf b = DYNBUF_INIT;
		char *nl;
		cli_error_init(cli, &err);
		if (stat(o->password_file, &st) == 0 && (st.st_mode & 077)) {
			sg_error_set(&err, SG_ERR_INPUT,
			             TR(cli->lang,
			                "%s: パスワードのファイルを他のユーザーが読めます",
			                "%s: other users can read the password file"),
			             o->password_file);
			sg_error_hint(&err, "chmod 600 %s", o->password_file);
			return cli_report(cli, &err);
		}
		if (fileio_read(o->password_file, 4096, &b, &err))
			return cli_report(cli, &err);
		snprintf(pw, n, "%s", dynbuf_ptr(&b));
		sodium_memzero(b.buf, b.cap);
		dynbuf_release(&b);
		if ((nl = strpbrk(pw, "\r\n")))
			*nl = 0;
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return cli_usage_error(
		    cli, cmd, "%s",
		    TR(cli->lang,
		       "端末から実行するか、--password-file（モード 0600）を指定してください",
		       "run it on a terminal or give --password-file (mode 0600)"));
	char again[256];
	if (read_tty_line(TR(cli->lang, "新しいパスワード: ", "New password: "), pw, n) ||
	    read_tty_line(TR(cli->lang, "もう一度: ", "Again: "), again, sizeof(again)))
		return 2;
	if (strcmp(pw, again)) {
		sodium_memzero(again, sizeof(again));
		fprintf(stderr, "%s\n",
		        TR(cli->lang, "saasguard: パスワードが一致しません",
		           "saasguard: the passwords do not match"));
		return 2;
	}
	sodium_memzero(again, sizeof(again));
	return 0;
}

const char *cli_account_actor(void)
{
	const char *u = getenv("USER");
	return u && *u ? u : "cli";
}

static int user_add(struct cli *cli, int argc, char **argv)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct sg_error err;
	char pw[256], hash[crypto_pwhash_STRBYTES];
	int i = cli_account_opts(cli, "user", argc, argv, &o), rc;

	if (i < 0)
		return 2;
	if (i + 1 != argc || !o.role)
		return cli_usage_error(
		    cli, "user", "%s",
		    TR(cli->lang,
		       "使い方: saasguard user add 名前 --role admin|operator|viewer "
		       "[--password-file F] [--db パス]",
		       "usage: saasguard user add NAME --role admin|operator|viewer "
		       "[--password-file F] [--db PATH]"));
	if (cli_account_name_ok(cli, "user", argv[i]))
		return 2;
	if ((rc = get_password(cli, "user", &o, pw, sizeof(pw))))
		return rc;
	cli_error_init(cli, &err);
	rc = web_auth_hash_password(pw, hash, &err);
	sodium_memzero(pw, sizeof(pw));
	if (rc)
		return cli_report(cli, &err);
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	if (store_begin(s, &err) ||
	    store_web_user_add(s, argv[i], o.role, hash, timeutil_now(), &err)) {
		store_rollback(s);
		if (err.code == SG_ERR_EXISTS)
			sg_error_set(&err, SG_ERR_EXISTS,
			             TR(cli->lang, "ユーザー %s はすでにあります",
			                "the user %s already exists"),
			             argv[i]);
		rc = cli_report(cli, &err);
	} else if (ledger_events_web_user_added(s, argv[i], o.role, cli_account_actor(), &err)) {
		rc = cli_report(cli, &err);
		store_rollback(s);
	} else {
		if (store_commit(s, &err))
			rc = cli_report(cli, &err);
		else
			printf(TR(cli->lang, "ユーザー %s（%s）を追加しました。\n",
			          "Added the user %s (%s).\n"),
			       argv[i], o.role);
	}
	store_close(s);
	return rc;
}

static int user_list(struct cli *cli, int argc, char **argv)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct store_web_user *u = NULL;
	struct sg_error err;
	size_t n = 0;
	int i = cli_account_opts(cli, "user", argc, argv, &o), rc;

	if (i < 0)
		return 2;
	if (i != argc)
		return cli_extra_argument(cli, "user", argv[i]);
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_web_user_list(s, &u, &n, &err))
		rc = cli_report(cli, &err);
	for (size_t k = 0; k < n; k++) {
		char t[32];
		timeutil_utc((long long)u[k].created_at, t);
		printf("%-24s %-9s %s\n", u[k].name, u[k].role, t);
		store_web_user_release(&u[k]);
	}
	free(u);
	store_close(s);
	return rc;
}

static int user_change(struct cli *cli, int argc, char **argv, int remove)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct sg_error err;
	char pw[256], hash[crypto_pwhash_STRBYTES];
	int i = cli_account_opts(cli, "user", argc, argv, &o), rc, found = 0;

	if (i < 0)
		return 2;
	if (i + 1 != argc)
		return cli_usage_error(
		    cli, "user", "%s",
		    TR(cli->lang, "ユーザー名を 1 つ指定してください", "give one user name"));
	cli_error_init(cli, &err);
	if (!remove) {
		if ((rc = get_password(cli, "user", &o, pw, sizeof(pw))))
			return rc;
		rc = web_auth_hash_password(pw, hash, &err);
		sodium_memzero(pw, sizeof(pw));
		if (rc)
			return cli_report(cli, &err);
	}
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	if (store_begin(s, &err) ||
	    (remove ? store_web_user_remove(s, argv[i], &found, &err)
	            : store_web_user_passwd(s, argv[i], hash, &found, &err))) {
		store_rollback(s);
		rc = cli_report(cli, &err);
		goto out;
	}
	if (!found) {
		store_rollback(s);
		sg_error_set(&err, SG_ERR_NOT_FOUND,
		             TR(cli->lang, "ユーザー %s はありません", "there is no user %s"),
		             argv[i]);
		rc = cli_report(cli, &err);
		goto out;
	}
	if (remove
	        ? ledger_events_web_user_removed(s, argv[i], cli_account_actor(), &err)
	        : ledger_events_web_user_password_changed(s, argv[i], cli_account_actor(), &err)) {
		store_rollback(s);
		rc = cli_report(cli, &err);
		goto out;
	}
	if (store_commit(s, &err))
		rc = cli_report(cli, &err);
	else
		printf(remove ? TR(cli->lang, "ユーザー %s を削除しました。\n",
		                   "Removed the user %s.\n")
		              : TR(cli->lang,
		                   "ユーザー %s "
		                   "のパスワードを変更しました（ログイン中のセッションは終了しまし"
		                   "た）。\n",
		                   "Changed the password of %s (its sessions were ended).\n"),
		       argv[i]);
out:
	store_close(s);
	return rc;
}

static int user_passwd(struct cli *cli, int argc, char **argv)
{
	return user_change(cli, argc, argv, 0);
}

static int user_remove(struct cli *cli, int argc, char **argv)
{
	return user_change(cli, argc, argv, 1);
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"add", user_add},
	                                      {"list", user_list},
	                                      {"passwd", user_passwd},
	                                      {"remove", user_remove},
	                                      {NULL, NULL}};
	static const char usage_ja[] =
	    "使い方: saasguard user add 名前 --role admin|operator|viewer [--password-file F]\n"
	    "        saasguard user list\n"
	    "        saasguard user passwd 名前 [--password-file F]\n"
	    "        saasguard user remove 名前\n"
	    "（いずれも [--db パス]）\n\n"
	    "saasguard serve の管理画面の利用者を管理します。パスワードは端末で入力するか、\n"
	    "モード 0600 のファイルで渡します（12 文字以上、Argon2id で保存）。\n";
	static const char usage_en[] =
	    "usage: saasguard user add NAME --role admin|operator|viewer [--password-file F]\n"
	    "       saasguard user list\n"
	    "       saasguard user passwd NAME [--password-file F]\n"
	    "       saasguard user remove NAME\n"
	    "(each takes [--db PATH])\n\n"
	    "Manages the operators of saasguard serve. The password is typed on a terminal\n"
	    "or given in a mode-0600 file (12 characters or more, stored as Argon2id).\n";
	return cli_dispatch_sub(cli, "user", subs, TR(cli->lang, usage_ja, usage_en), argc, argv);
}
