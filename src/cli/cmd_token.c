/*
 * cmd_token - `saasguard token add|list|revoke`: the API tokens of
 * `saasguard serve`. A token is printed once; only its SHA-256 is stored.
 * Every change is recorded in the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ledger_events.h"
#include "store_web.h"
#include "timeutil.h"
#include "web_auth.h"
#include "banned.h"

static int token_add(struct cli *cli, int argc, char **argv)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct sg_error err;
	char text[WEB_AUTH_SECRET_LEN + 1];
	unsigned char hash[32];
	int i = cli_account_opts(cli, "token", argc, argv, &o), rc;

	if (i < 0)
		return 2;
	if (i + 1 != argc || !o.role)
		return cli_usage_error(
		    cli, "token", "%s",
		    TR(cli->lang, "使い方: saasguard token add 名前 --role admin|operator|viewer",
		       "usage: saasguard token add NAME --role admin|operator|viewer"));
	if (cli_account_name_ok(cli, "token", argv[i]))
		return 2;
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	web_auth_new_secret(text, hash);
	if (store_begin(s, &err) ||
	    store_web_token_add(s, argv[i], o.role, hash, timeutil_now(), &err)) {
		store_rollback(s);
		if (err.code == SG_ERR_EXISTS)
			sg_error_set(&err, SG_ERR_EXISTS,
			             TR(cli->lang, "トークン %s はすでにあります",
			                "the token %s already exists"),
			             argv[i]);
		rc = cli_report(cli, &err);
	} else if (ledger_events_web_token_added(s, argv[i], o.role, cli_account_actor(), &err)) {
		store_rollback(s);
		rc = cli_report(cli, &err);
	} else if (store_commit(s, &err)) {
		rc = cli_report(cli, &err);
	} else {
		fprintf(stderr, "%s",
		        TR(cli->lang,
		           "API "
		           "トークンです。この一度しか表示しません（保存されるのはハッシュだけです"
		           "）:\n",
		           "The API token, shown this once only (only its hash is stored):\n"));
		printf("%s\n", text);
	}
	sodium_memzero(text, sizeof(text));
	store_close(s);
	return rc;
}

static int token_list(struct cli *cli, int argc, char **argv)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct store_web_token *t = NULL;
	struct sg_error err;
	size_t n = 0;
	int i = cli_account_opts(cli, "token", argc, argv, &o), rc;

	if (i < 0)
		return 2;
	if (i != argc)
		return cli_extra_argument(cli, "token", argv[i]);
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_web_token_list(s, &t, &n, &err))
		rc = cli_report(cli, &err);
	for (size_t k = 0; k < n; k++) {
		char c[32], used[32] = "-";
		timeutil_utc((long long)t[k].created_at, c);
		if (t[k].last_used_at > 0)
			timeutil_utc((long long)t[k].last_used_at, used);
		printf("%-24s %-9s %s %s %s\n", t[k].name, t[k].role, c, used,
		       t[k].revoked_at > 0 ? TR(cli->lang, "失効", "revoked")
		                           : TR(cli->lang, "有効", "active"));
		store_web_token_release(&t[k]);
	}
	free(t);
	store_close(s);
	return rc;
}

static int token_revoke(struct cli *cli, int argc, char **argv)
{
	struct cli_account_opts o;
	struct store *s = NULL;
	struct sg_error err;
	int i = cli_account_opts(cli, "token", argc, argv, &o), rc, found = 0;

	if (i < 0)
		return 2;
	if (i + 1 != argc)
		return cli_usage_error(
		    cli, "token", "%s",
		    TR(cli->lang, "トークン名を 1 つ指定してください", "give one token name"));
	if ((rc = cli_store_open(cli, o.db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_begin(s, &err) ||
	    store_web_token_revoke(s, argv[i], timeutil_now(), &found, &err)) {
		store_rollback(s);
		rc = cli_report(cli, &err);
	} else if (!found) {
		store_rollback(s);
		sg_error_set(
		    &err, SG_ERR_NOT_FOUND,
		    TR(cli->lang, "有効なトークン %s はありません", "there is no active token %s"),
		    argv[i]);
		rc = cli_report(cli, &err);
	} else if (ledger_events_web_token_revoked(s, argv[i], cli_account_actor(), &err)) {
		store_rollback(s);
		rc = cli_report(cli, &err);
	} else if (store_commit(s, &err)) {
		rc = cli_report(cli, &err);
	} else {
		printf(TR(cli->lang, "トークン %s を失効させました。\n", "Revoked the token %s.\n"),
		       argv[i]);
	}
	store_close(s);
	return rc;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", token_add}, {"list", token_list}, {"revoke", token_revoke}, {NULL, NULL}};
	static const char usage_ja[] =
	    "使い方: saasguard token add 名前 --role admin|operator|viewer\n"
	    "        saasguard token list\n"
	    "        saasguard token revoke 名前\n"
	    "（いずれも [--db パス]）\n\n"
	    "saasguard serve の REST API（/api/v1/）と /metrics のトークンを管理します。\n"
	    "トークンは作成時に一度だけ表示し、ハッシュだけを保存します。\n";
	static const char usage_en[] =
	    "usage: saasguard token add NAME --role admin|operator|viewer\n"
	    "       saasguard token list\n"
	    "       saasguard token revoke NAME\n"
	    "(each takes [--db PATH])\n\n"
	    "Manages the tokens of saasguard serve's REST API (/api/v1/) and /metrics.\n"
	    "A token is shown once when created; only its hash is stored.\n";
	return cli_dispatch_sub(cli, "token", subs, TR(cli->lang, usage_ja, usage_en), argc, argv);
}
