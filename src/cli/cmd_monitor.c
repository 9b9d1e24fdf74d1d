/*
 * cmd_monitor - `saasguard monitor`: runs the monitoring daemon (monitor.h)
 * on one store, which it locks, after dropping privileges when asked.
 */
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "daemon_reports.h"
#include "ledger_signer.h"
#include "monitor.h"
#include "sdnotify.h"
#include "banned.h"

static void log_line(void *arg, const char *line)
{
	(void)arg;
	cli_log_line("monitor", line); /* escapes control characters */
}

static int drop_privileges(struct cli *cli, const char *user)
{
	if (user) {
		struct passwd *pw = getpwnam(user);
		if (!pw) {
			fprintf(stderr,
			        TR(cli->lang, "saasguard monitor: ユーザー '%s' がいません\n",
			           "saasguard monitor: there is no user '%s'\n"),
			        user);
			return 2;
		}
		if (getuid() == 0 &&
		    (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))) {
			perror("saasguard monitor: setuid");
			return 2;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("saasguard monitor: prctl");
		return 2;
	}
	return 0;
}

/* A location name: what cluster status and incident list show. */
static int location_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int cmd_monitor(struct cli *cli, int argc, char **argv)
{
	static const char usage_ja[] =
	    "使い方: saasguard monitor プロファイル.yaml [--db パス] [--once] [--user 名前]\n"
	    "                         [--location 拠点名]\n\n"
	    "死活監視・障害監視・性能監視・外部ネットワーク監視を実行し、インシデントを記録して\n"
	    "ガイドラインの期限内に通知します（フォアグラウンドで動作）。\n"
	    "  --once   全チェックを一度実行し、送るべき通知を送り、計測値を書いて終了\n"
	    "  --user   root で起動した場合、ストアを開いた後にこのユーザーに切り替える\n"
	    "  --location  この監視の拠点名（既定: ホスト名）。PostgreSQL のストアでは複数拠点の\n"
	    "           監視が合意（monitor.quorum）したときだけインシデントになる\n"
	    "SIGTERM で実行中の処理を終えて終了、SIGHUP で設定を再読み込みします。\n";
	static const char usage_en[] =
	    "usage: saasguard monitor PROFILE.yaml [--db PATH] [--once] [--user NAME]\n"
	    "                         [--location NAME]\n\n"
	    "Runs the liveness, fault, performance and external-network checks, records\n"
	    "incidents and notifies within the guideline's deadlines (in the foreground).\n"
	    "  --once   run every check once, deliver what is due, write measurements, exit\n"
	    "  --user   when started as root, switch to this user after opening the store\n"
	    "  --location  this monitor's location (default: the host name); on a PostgreSQL\n"
	    "           store, incidents open only when locations agree (monitor.quorum)\n"
	    "SIGTERM finishes in-flight work and exits; SIGHUP reloads the file.\n";
	enum { OPT_DB = 256, OPT_ONCE, OPT_USER, OPT_STATS, OPT_HELP, OPT_LOCATION };
	static const struct option opts[] = {{"db", required_argument, NULL, OPT_DB},
	                                     {"once", no_argument, NULL, OPT_ONCE},
	                                     {"user", required_argument, NULL, OPT_USER},
	                                     {"stats", no_argument, NULL, OPT_STATS},
	                                     {"help", no_argument, NULL, OPT_HELP},
	                                     {"location", required_argument, NULL, OPT_LOCATION},
	                                     {NULL, 0, NULL, 0}};
	const char *db = NULL, *user = NULL;
	struct monitor_opts mo;
	struct store *s = NULL;
	struct sg_error err;
	int c, rc, lock = -1;
	struct daemon_reports *reports;
	struct monitor_job job;

	memset(&mo, 0, sizeof(mo));
	mo.log = log_line;
	cli_getopt_reset();
	while ((c = cli_option(cli, "monitor", TR(cli->lang, usage_ja, usage_en), argc, argv, opts,
	                       &rc)) > 0) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_ONCE:
			mo.once = 1;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case OPT_STATS:
			mo.stats = 1;
			break;
		case OPT_LOCATION:
			if (!location_ok(optarg))
				return cli_usage_error(cli, "monitor",
				                       TR(cli->lang,
				                          "拠点名は英数字と . _ - の 1〜64 "
				                          "文字にしてください（例: tokyo-1）: %s",
				                          "a location is 1 to 64 letters, digits, "
				                          "'.', '_' or '-' (e.g. "
				                          "tokyo-1): %s"),
				                       optarg);
			mo.location = optarg;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind + 1 != argc)
		return cli_need_one_profile(cli, "monitor");
	if ((rc = cli_store_open(cli, db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	/* One monitor per SQLite file; on PostgreSQL several share the store
	 * and the coordinator's lease decides who writes incidents. */
	if (store_kind(s) == STORE_SQLITE && monitor_lock(s->path, &lock, &err)) {
		store_close(s);
		return cli_report(cli, &err);
	}
	/* The key and the writer thread's connection are opened now: after
	 * --user they may be out of reach. */
	if (ledger_signer_open_for(argv[optind], s->path, &mo.signer, &err) ||
	    (rc = cli_store_open(cli, s->path, 0, &mo.writer_store)) ||
	    (rc = drop_privileges(cli, user))) {
		rc = rc ? rc : cli_report(cli, &err);
		ledger_signer_free(mo.signer);
		store_close(mo.writer_store);
		store_close(s);
		if (lock >= 0)
			close(lock);
		return rc;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* The period-close reports run as the daemon's job beside probing. */
	reports = daemon_reports_new(s->path);
	daemon_reports_job(reports, &job);
	mo.job = &job;
	/* Tests only: the first hourly work sooner than a minute after start. */
	if (getenv("SAASGUARD_TEST_HOURLY_FIRST_MS"))
		mo.first_hourly_ms =
		    (unsigned)strtoul(getenv("SAASGUARD_TEST_HOURLY_FIRST_MS"), NULL, 10);
	rc = monitor_run(argv[optind], cli_catalog(cli), s, &mo, &err) ? cli_report(cli, &err) : 0;
	daemon_reports_free(reports);
	ledger_signer_free(mo.signer);
	store_close(s);
	if (lock >= 0)
		close(lock);
	curl_global_cleanup();
	return rc;
}

/* ---- availability ---- */
