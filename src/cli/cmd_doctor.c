/*
 * cmd_doctor - `saasguard doctor [FILE]`: checks this host's set-up (store,
 * key, SMTP, ICMP, TSA, clock, disk) for the profile FILE, or for the
 * defaults without one, and prints how to fix each finding.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "doctor.h"
#include "ledger.h"
#include "profile.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard doctor [ファイル] [--db パス] [--key パス] [--test-mail 宛先]\n"
    "                         [--timeout 秒] [--format table|json]\n\n"
    "このホストの設定を確かめ、問題ごとに直し方を示します: データベースの権限（0600、\n"
    "ディレクトリ 0700）、証跡台帳の署名鍵（あり・0600）、SMTP サーバ（応答。--test-mail で\n"
    "テストメールを送る）、ICMP（ping_group_range）、TSA（実際にタイム\n"
    "スタンプを取得）、時刻同期、空き容量。ファイルを指定するとそのプロファイルの notify:・\n"
    "ledger:・monitor: の設定で確かめます。ホストは変更しません。\n"
    "終了コード: 0 問題なし、1 問題または注意あり、2 引数・プロファイルの誤り。\n";
static const char usage_en[] =
    "usage: saasguard doctor [FILE] [--db PATH] [--key PATH] [--test-mail ADDRESS]\n"
    "                        [--timeout SECONDS] [--format table|json]\n\n"
    "Checks this host's set-up and says how to fix each finding: the database's permissions\n"
    "(0600, directory 0700), the ledger's signing key (present, 0600), the SMTP server\n"
    "(answers; --test-mail sends a test mail), ICMP (ping_group_range), the\n"
    "TSA (a real time-stamp request), clock synchronisation and free disk space. With FILE,\n"
    "the profile's notify:, ledger: and monitor: settings are checked. Changes nothing.\n"
    "Exit status: 0 no finding, 1 a problem or warning, 2 bad arguments or profile.\n";

enum { OPT_DB = 256, OPT_KEY, OPT_TEST_MAIL, OPT_TIMEOUT, OPT_FORMAT, OPT_HELP };

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"key", required_argument, NULL, OPT_KEY},
    {"test-mail", required_argument, NULL, OPT_TEST_MAIL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *scalar(const struct ydoc_node *map, const char *key)
{
	const struct ydoc_node *n = map ? ydoc_get(map, key) : NULL;
	return n && n->type == YDOC_SCALAR && !ydoc_is_null(n) ? n->scalar : NULL;
}

/* The profile's monitor: has a check of type icmp. */
static int has_icmp(const struct profile *p)
{
	const struct ydoc_node *m = profile_section(p, "monitor");
	const struct ydoc_node *checks = m && m->type == YDOC_MAP ? ydoc_get(m, "checks") : NULL;

	if (!checks || checks->type != YDOC_SEQ)
		return 0;
	for (size_t i = 0; i < checks->nitems; i++) {
		const char *t =
		    checks->items[i]->type == YDOC_MAP ? scalar(checks->items[i], "type") : NULL;
		if (t && !strcmp(t, "icmp"))
			return 1;
	}
	return 0;
}

/* A path in the profile, relative to the profile's directory. */
static char *rel(const struct profile *p, const char *path)
{
	char *copy, *out;

	if (!path || path[0] == '/')
		return path ? xstrdup(path) : NULL;
	copy = xstrdup(p->path);
	out = xstrfmt("%s/%s", dirname(copy), path);
	free(copy);
	return out;
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"table", "json", NULL};
	struct doctor_opts o;
	struct doctor_report rep;
	struct ledger_config lc;
	struct profile *p = NULL;
	struct sg_error err;
	const char *db = NULL, *key = NULL;
	char *dbpath, *pwfile = NULL;
	int c, format = 0, have_lc = 0, status;
	long timeout = 10;

	memset(&o, 0, sizeof(o));
	cli_getopt_reset();
	while ((c = cli_option(cli, "doctor", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       long_opts, &status)) > 0) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_TEST_MAIL:
			o.test_mail_to = optarg;
			break;
		case OPT_TIMEOUT:
			if (cli_int(cli, "doctor", "--timeout", optarg, 1, 300, &timeout) < 0)
				return 2;
			break;
		case OPT_FORMAT:
			if ((format = cli_choice(cli, "doctor", "--format", optarg, formats)) < 0)
				return 2;
			break;
		}
	}
	if (c < 0)
		return status;
	if (optind + 1 < argc)
		return cli_extra_argument(cli, "doctor", argv[optind + 1]);
	cli_error_init(cli, &err);
	if (optind < argc) {
		const struct ydoc_node *smtp;
		if (profile_load(argv[optind], cli_catalog(cli), &p, &err))
			return cli_report(cli, &err);
		if ((status = cli_ledger_load_for(cli, p, &lc))) {
			profile_free(p);
			return status;
		}
		have_lc = 1;
		smtp = profile_section(p, "notify");
		smtp = smtp && smtp->type == YDOC_MAP ? ydoc_get(smtp, "smtp") : NULL;
		if (smtp && smtp->type == YDOC_MAP) {
			o.smtp_url = scalar(smtp, "url");
			o.smtp_from = scalar(smtp, "from");
			o.smtp_username = scalar(smtp, "username");
			o.smtp_starttls = scalar(smtp, "starttls");
			o.smtp_no_verify = scalar(smtp, "tls_verify") &&
			                   !strcmp(scalar(smtp, "tls_verify"), "false");
			pwfile = rel(p, scalar(smtp, "password_file"));
			o.smtp_password_file = pwfile;
		}
		o.tsa_url = lc.tsa_url;
		o.tsa_ca_file = lc.tsa_ca_file;
		o.needs_icmp = has_icmp(p);
	} else {
		ledger_config_init(&lc);
		have_lc = 1;
	}
	if (o.test_mail_to && !o.smtp_url) {
		status = cli_usage_error(
		    cli, "doctor", "%s",
		    TR(cli->lang, "--test-mail には notify.smtp のあるプロファイルが必要です",
		       "--test-mail needs a profile with notify.smtp"));
		goto done;
	}
	dbpath = db ? xstrdup(db) : store_default_path();
	ledger_config_set_db(&lc, dbpath); /* the key beside the database */
	o.db = dbpath;
	o.key = key ? key : lc.key_path;
	o.timeout_s = (double)timeout;
	o.lang = (int)cli->lang;
	o.ping_range_file = getenv("SAASGUARD_PING_GROUP_RANGE_FILE"); /* tests */
	doctor_run(&o, &rep);
	if (format == 1) {
		json_t *arr = json_array();
		char *s;
		for (size_t i = 0; i < rep.n; i++) {
			static const char *const st[] = {"ok", "warning", "problem", "skipped"};
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:s,s:s*}", "check", rep.f[i].check, "status",
			                   st[rep.f[i].status], "message", rep.f[i].msg, "fix",
			                   rep.f[i].fix[0] ? rep.f[i].fix : NULL));
		}
		s = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(arr);
	} else {
		for (size_t i = 0; i < rep.n; i++) {
			const struct doctor_finding *f = &rep.f[i];
			printf("%-7s %-8s %s\n", f->check,
			       doctor_status_label(f->status, (int)cli->lang), f->msg);
			if (f->fix[0])
				printf("        %s %s\n", TR(cli->lang, "直し方:", "fix:"), f->fix);
		}
	}
	status = doctor_worst(&rep) == DOCTOR_OK ? 0 : 1;
	doctor_report_release(&rep);
	free(dbpath);
done:
	free(pwfile);
	if (have_lc)
		ledger_config_release(&lc);
	profile_free(p);
	return status;
}
