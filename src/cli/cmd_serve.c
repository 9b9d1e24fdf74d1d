/*
 * cmd_serve - `saasguard serve FILE...`: the status pages of every given
 * service over HTTP(S), in the foreground. SIGTERM/SIGINT drain and stop,
 * SIGHUP reloads the profiles.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "report_pdf.h"
#include "sdnotify.h"
#include "timeutil.h"
#include "web.h"
#include "banned.h"

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	cli_log_line("serve", line); /* escapes control characters; journal priorities */
}

struct urls {
	const char *base;
	enum sg_lang lang;
};

static void print_url(void *ctx, const char *slug, const char *name)
{
	struct urls *u = ctx;

	printf("  %s/status/%s  %s\n", u->base, slug,
	       name); /* msg: not translated (a URL and a name) */
}

/* Tells where each service's status page is. */
static void print_urls(struct cli *cli, const struct web_options *o, struct web *w)
{
	char base[96];
	struct urls u;

	snprintf(base, sizeof(base), "%s://%s%.*s:%u", o->tls_cert ? "https" : "http",
	         o->listen[0] == '[' ? "" : "", (int)(strrchr(o->listen, ':') - o->listen),
	         o->listen, web_port(w));
	u.base = base;
	u.lang = cli->lang;
	printf(TR(cli->lang, "saasguard serve: %s で配信しています（Ctrl-C で終了）\n",
	          "saasguard serve: listening on %s (Ctrl-C stops)\n"),
	       base);
	web_each_slug(w, print_url, &u);
	fflush(stdout);
}

/* Serves until SIGTERM or SIGINT; SIGHUP reloads the profiles. */
static void serve_until_stopped(struct cli *cli, struct web *w, const sigset_t *set)
{
	struct sg_error err;

	for (;;) {
		/* A one-second wait keeps systemd's watchdog fed while idle. */
		struct timespec tick = {1, 0};
		int sig = sigtimedwait(set, NULL, &tick);

		sdnotify_watchdog();
		if (sig < 0)
			continue;
		if (sig != SIGHUP)
			return;
		cli_error_init(cli, &err);
		if (web_reload(w, &err))
			fprintf(stderr,
			        TR(cli->lang,
			           "saasguard serve: "
			           "再読み込みに失敗したため、現在の設定で続けます: %s\n",
			           "saasguard serve: reload failed, keeping the running "
			           "configuration: %s\n"),
			        err.msg);
		else
			log_line(NULL, "reloaded");
	}
}

/* Enough descriptors for the connection limit (idle keep-alive clients). */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const char usage_ja[] =
	    "使い方: saasguard serve プロファイル.yaml... [--db パス] [--listen 127.0.0.1:8080]\n"
	    "                        [--tls-cert F --tls-key F] [--trusted-proxy CIDR]...\n"
	    "                        [--threads N] [--max-per-address N] [--max-connections N]\n"
	    "                        [--idle-timeout 秒]\n\n"
	    "指定したすべてのサービスの公開稼働状況ページ（/status/）を配信します\n"
	    "（フォアグラウンドで動作）。\n"
	    "  --listen           待ち受けるアドレスとポート（既定 127.0.0.1:8080）\n"
	    "  --tls-cert/--tls-key  HTTPS で配信する（鍵はモード 0600）\n"
	    "  --trusted-proxy    X-Forwarded-* を信用するリバースプロキシのアドレス（複数可）\n"
	    "  --threads          作業スレッド数（既定 4）\n"
	    "  --max-per-address  1 つのアドレスからの同時接続数の上限（既定 64）\n"
	    "  --max-connections  同時接続数の上限（既定 4096）\n"
	    "  --idle-timeout     無通信の接続を閉じるまでの秒数（既定 30）\n"
	    "SIGTERM で処理中のリクエストを終えて終了、SIGHUP でプロファイルを再読み込みします。\n";
	static const char usage_en[] =
	    "usage: saasguard serve PROFILE.yaml... [--db PATH] [--listen 127.0.0.1:8080]\n"
	    "                       [--tls-cert F --tls-key F] [--trusted-proxy CIDR]...\n"
	    "                       [--threads N] [--max-per-address N] [--max-connections N]\n"
	    "                       [--idle-timeout SECONDS]\n\n"
	    "Serves the public status pages (/status/) of every service given, in the\n"
	    "foreground.\n"
	    "  --listen           address and port (default 127.0.0.1:8080)\n"
	    "  --tls-cert/--tls-key  serve HTTPS (the key file must be mode 0600)\n"
	    "  --trusted-proxy    a reverse proxy whose X-Forwarded-* headers are believed\n"
	    "  --threads          worker threads (default 4)\n"
	    "  --max-per-address  concurrent connections from one address (default 64)\n"
	    "  --max-connections  concurrent connections in total (default 4096)\n"
	    "  --idle-timeout     seconds before an idle connection is closed (default 30)\n"
	    "SIGTERM finishes running requests and exits; SIGHUP reloads the profiles.\n";
	enum {
		OPT_DB = 256,
		OPT_LISTEN,
		OPT_CERT,
		OPT_KEY,
		OPT_PROXY,
		OPT_THREADS,
		OPT_PER_ADDR,
		OPT_MAX_CONN,
		OPT_TIMEOUT,
		OPT_HELP
	};
	static const struct option opts[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"tls-cert", required_argument, NULL, OPT_CERT},
	    {"tls-key", required_argument, NULL, OPT_KEY},
	    {"trusted-proxy", required_argument, NULL, OPT_PROXY},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"max-per-address", required_argument, NULL, OPT_PER_ADDR},
	    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
	    {"idle-timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0}};
	struct web_options o;
	struct web *w = NULL;
	struct sg_error err;
	sigset_t set;
	long v;
	int c, status;

	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:8080";
	o.log = log_line;
	cli_getopt_reset();
	while ((c = cli_option(cli, "serve", TR(cli->lang, usage_ja, usage_en), argc, argv, opts,
	                       &status)) > 0) {
		switch (c) {
		case OPT_DB:
			o.db = optarg;
			break;
		case OPT_LISTEN:
			o.listen = optarg;
			break;
		case OPT_CERT:
			o.tls_cert = optarg;
			break;
		case OPT_KEY:
			o.tls_key = optarg;
			break;
		case OPT_PROXY:
			if (o.nproxies == WEB_MAX_PROXIES ||
			    web_cidr_parse(optarg, &o.proxies[o.nproxies]))
				return cli_usage_error(cli, "serve",
				                       TR(cli->lang,
				                          "--trusted-proxy '%s' は 10.0.0.0/8 や "
				                          "::1 のように書いてください（%d 個まで）",
				                          "write --trusted-proxy '%s' like "
				                          "10.0.0.0/8 or ::1 (up to %d)"),
				                       optarg, WEB_MAX_PROXIES);
			o.nproxies++;
			break;
		case OPT_THREADS:
			if (cli_int(cli, "serve", "--threads", optarg, 1, 256, &v) < 0)
				return 2;
			o.threads = (unsigned)v;
			break;
		case OPT_PER_ADDR:
			if (cli_int(cli, "serve", "--max-per-address", optarg, 1, 100000, &v) < 0)
				return 2;
			o.max_per_address = (unsigned)v;
			break;
		case OPT_MAX_CONN:
			if (cli_int(cli, "serve", "--max-connections", optarg, 1, 1000000, &v) < 0)
				return 2;
			o.max_connections = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			if (cli_int(cli, "serve", "--idle-timeout", optarg, 1, 3600, &v) < 0)
				return 2;
			o.timeout_s = (unsigned)v;
			break;
		}
	}
	if (c < 0)
		return status;
	if (optind >= argc)
		return cli_usage_error(cli, "serve", "%s",
		                       TR(cli->lang, "プロファイルを 1 つ以上指定してください",
		                          "give one or more profile files"));
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	raise_nofile();
	/* The workers inherit this mask: signals reach only sigwait() below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	cli_error_init(cli, &err);
	if (web_start(&o, cli_catalog(cli), argv + optind, (size_t)(argc - optind), &w, &err))
		return cli_report(cli, &err);
	print_urls(cli, &o, w);
	sdnotify_ready("serving");
	serve_until_stopped(cli, w, &set);
	log_line(NULL, "stopping");
	sdnotify_stopping();
	web_stop(w, 10);
	report_pdf_shutdown(); /* reports generated from the web: the font caches */
	return 0;
}
