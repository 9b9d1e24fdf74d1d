/*
 * cmd_monitor - `saasguard monitor`, `saasguard availability` and
 * `saasguard incident list|show|followup`: the monitoring daemon and what
 * it recorded.
 */
#include <getopt.h>
#include <math.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "availability.h"
#include "cli.h"
#include "fileio.h"
#include "ledger.h"
#include "monitor.h"
#include "notify.h"
#include "store_monitor.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static void log_line(void *arg, const char *line)
{
	(void)arg;
	cli_log_line("monitor", line); /* escapes control characters */
}

static int open_store(struct cli *cli, const char *db, int flags, struct store **s)
{
	struct sg_error err;
	char *path = db ? xstrdup(db) : store_default_path();
	int rc = 0;

	cli_error_init(cli, &err);
	if (store_open(path, flags, s, &err))
		rc = cli_report(cli, &err);
	free(path);
	return rc;
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

int cmd_monitor(struct cli *cli, int argc, char **argv)
{
	static const char usage_ja[] =
	    "使い方: saasguard monitor プロファイル.yaml [--db パス] [--once] [--user 名前]\n\n"
	    "死活監視・障害監視・性能監視・外部ネットワーク監視を実行し、インシデントを記録して\n"
	    "ガイドラインの期限内に通知します（フォアグラウンドで動作）。\n"
	    "  --once   全チェックを一度実行し、送るべき通知を送り、計測値を書いて終了\n"
	    "  --user   root で起動した場合、ストアを開いた後にこのユーザーに切り替える\n"
	    "SIGTERM で実行中の処理を終えて終了、SIGHUP で設定を再読み込みします。\n";
	static const char usage_en[] =
	    "usage: saasguard monitor PROFILE.yaml [--db PATH] [--once] [--user NAME]\n\n"
	    "Runs the liveness, fault, performance and external-network checks, records\n"
	    "incidents and notifies within the guideline's deadlines (in the foreground).\n"
	    "  --once   run every check once, deliver what is due, write measurements, exit\n"
	    "  --user   when started as root, switch to this user after opening the store\n"
	    "SIGTERM finishes in-flight work and exits; SIGHUP reloads the file.\n";
	enum { OPT_DB = 256, OPT_ONCE, OPT_USER, OPT_STATS, OPT_HELP };
	static const struct option opts[] = {
	    {"db", required_argument, NULL, OPT_DB},     {"once", no_argument, NULL, OPT_ONCE},
	    {"user", required_argument, NULL, OPT_USER}, {"stats", no_argument, NULL, OPT_STATS},
	    {"help", no_argument, NULL, OPT_HELP},       {NULL, 0, NULL, 0}};
	const char *db = NULL, *user = NULL;
	struct monitor_opts mo;
	struct store *s = NULL;
	struct sg_error err;
	int c, rc, lock = -1;

	memset(&mo, 0, sizeof(mo));
	mo.log = log_line;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
		case OPT_HELP:
			return cli_help(TR(cli->lang, usage_ja, usage_en));
		default:
			return cli_usage_error(
			    cli, "monitor",
			    TR(cli->lang, "不明なオプション: %s", "unknown option: %s"),
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_need_one_profile(cli, "monitor");
	if ((rc = open_store(cli, db, 0, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (monitor_lock(s->path, &lock, &err)) {
		store_close(s);
		return cli_report(cli, &err);
	}
	if ((rc = drop_privileges(cli, user))) {
		store_close(s);
		close(lock);
		return rc;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = monitor_run(argv[optind], cli_catalog(cli), s, &mo, &err) ? cli_report(cli, &err) : 0;
	store_close(s);
	close(lock);
	curl_global_cleanup();
	return rc;
}

/* ---- availability ---- */

static void hms(double s, char out[32])
{
	long long t = (long long)(s + 0.5);
	snprintf(out, 32, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
}

int cmd_availability(struct cli *cli, int argc, char **argv)
{
	static const char usage_ja[] =
	    "使い方: saasguard availability プロファイル.yaml --month 2026-11 [--db パス]\n"
	    "                               [--format table|json]\n\n"
	    "III.2.1.1 のサービス稼働率を、契約したサービス時間帯について、事前に告知した\n"
	    "保守を除き、記録された状態区間から時間加重で計算します。期間は月・四半期・半期\n"
	    "（2026-11, 2026-Q4, 2026-H2）。\n";
	static const char usage_en[] =
	    "usage: saasguard availability PROFILE.yaml --month 2026-11 [--db PATH]\n"
	    "                              [--format table|json]\n\n"
	    "III.2.1.1 availability, time-weighted from the recorded state intervals over the\n"
	    "contracted service hours, minus maintenance announced in advance. The period is a\n"
	    "month, quarter or half (2026-11, 2026-Q4, 2026-H2).\n";
	enum { OPT_DB = 256, OPT_MONTH, OPT_FORMAT, OPT_HELP };
	static const struct option opts[] = {{"db", required_argument, NULL, OPT_DB},
	                                     {"month", required_argument, NULL, OPT_MONTH},
	                                     {"period", required_argument, NULL, OPT_MONTH},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {"help", no_argument, NULL, OPT_HELP},
	                                     {NULL, 0, NULL, 0}};
	static const char *const formats[] = {"table", "json", NULL};
	const char *db = NULL, *month = NULL;
	int fmt = 0, c, rc;
	struct profile *p = NULL;
	struct monitor_config *cfg = NULL;
	struct store *s = NULL;
	struct sg_error err;
	struct timeutil_period per;
	struct availability av;
	struct dynbuf out = DYNBUF_INIT;
	const struct eval_item *it;
	char pct[16], worst[16];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_MONTH:
			month = optarg;
			break;
		case OPT_FORMAT:
			if ((fmt = cli_choice(cli, "availability", "--format", optarg, formats)) <
			    0)
				return 2;
			break;
		case OPT_HELP:
			return cli_help(TR(cli->lang, usage_ja, usage_en));
		default:
			return cli_usage_error(
			    cli, "availability",
			    TR(cli->lang, "不明なオプション: %s", "unknown option: %s"),
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !month)
		return cli_usage_error(cli, "availability", "%s",
		                       TR(cli->lang, "プロファイルと --month を指定してください",
		                          "give a profile file and --month"));
	cli_error_init(cli, &err);
	if (profile_load(argv[optind], cli_catalog(cli), &p, &err) ||
	    monitor_config_load(p, cli_catalog(cli), &cfg, &err) ||
	    timeutil_period_parse(month, cfg->hours.timezone, &per, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if ((rc = open_store(cli, db, STORE_READONLY, &s)))
		goto out;
	if (availability_for_period(s, cfg, (double)per.start, (double)per.end, timeutil_now(), &av,
	                            &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	availability_format(av.percent, pct);
	availability_format(av.percent_worst, worst);
	it = catalog_item(cli_catalog(cli), "III.2.1.1.a");
	const struct reference_value *ref = it ? &it->refs[cfg->pattern - 1] : NULL;
	int meets =
	    ref && av.percent >= 0 && floor(av.percent * 100) / 100 >= ref->quantity.percent;
	/* Share of the counted time the monitor has records for: a verdict on
	 * a small share is provisional, and says so. */
	double coverage = av.counted_s > 0 ? (av.up_s + av.down_s) / av.counted_s : 0;
	int provisional = av.percent >= 0 && coverage < AVAILABILITY_MIN_COVERAGE;
	if (fmt == 1) {
		json_t *j = json_pack(
		    "{s:s,s:s,s:i,s:s,s:f,s:f,s:s?,s:f,s:s,s:s,s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,"
		    "s:f,"
		    "s:f},s:i,s:s?,s:b,s:[s,s,s,s,s]}",
		    "service", cfg->service, "period", per.label, "pattern", cfg->pattern, "item",
		    "III.2.1.1.a", "from", (double)per.start, "to", (double)per.end, "availability",
		    av.percent >= 0 ? pct : NULL, "availability_num", av.percent,
		    "availability_if_unknown_were_down", worst, "timezone", cfg->hours.timezone,
		    "seconds", "service_hours", av.service_s, "maintenance_excluded",
		    av.maintenance_s, "counted", av.counted_s, "up", av.up_s, "down", av.down_s,
		    "unknown", av.unknown_s, "unconfirmed_failures", av.unconfirmed_s, "degraded",
		    av.degraded_s, "maintenance_overrun", av.overrun_s,
		    "late_announced_maintenance", av.late_maintenance_s, "outages", av.incidents,
		    "reference", ref ? ref->quantity_text : NULL, "meets_reference", meets, "rules",
		    "only contracted service hours count",
		    "maintenance announced before it starts is excluded; late or unannounced "
		    "maintenance counts",
		    "time without records (the monitor was not running) is unknown: left out of "
		    "the "
		    "percentage and shown separately",
		    "failures that never reached confirm count as up",
		    "downtime past the end of a maintenance window (overrun) counts as downtime");
		json_object_set_new(j, "coverage", json_real(coverage));
		json_object_set_new(j, "provisional", json_boolean(provisional));
		char *txt = json_dumps(j, JSON_INDENT(2));
		dynbuf_printf(&out, "%s\n", txt);
		free(txt);
		json_decref(j);
	} else {
		char a[32], b[32], c2[32], d[32], e[32], f[32], g[32], h[32];
		int en = cli->lang == SG_LANG_EN;
		hms(av.counted_s, a);
		hms(av.up_s, b);
		hms(av.down_s, c2);
		hms(av.unknown_s, d);
		hms(av.maintenance_s, e);
		hms(av.overrun_s, f);
		hms(av.unconfirmed_s, g);
		hms(av.late_maintenance_s, h);
		dynbuf_printf(
		    &out,
		    en ? "%s — availability %s (III.2.1.1.a, pattern %d reference %s): %s\n"
		       : "%s — %s のサービス稼働率（III.2.1.1.a、パターン %d の基準値 %s）: "
		         "%s\n",
		    cfg->service, per.label, cfg->pattern, ref ? ref->quantity_text : "-", pct);
		dynbuf_printf(&out, en ? "  verdict: %s\n" : "  判定: %s\n",
		              av.percent < 0 ? (en ? "no records" : "記録なし")
		              : meets ? (en ? "meets the reference" : "基準値を満たす")
		                      : (en ? "below the reference" : "基準値を下回る"));
		if (provisional)
			dynbuf_printf(
			    &out,
			    en ? "  provisional: the monitor has records for only %.1f%% of "
			         "the counted time\n"
			       : "  参考値: 監視の記録があるのは対象時間の %.1f%% だけです\n",
			    coverage * 100);
		dynbuf_printf(
		    &out,
		    en ? "  counted service time %s: up %s, down %s (%d outage(s))\n"
		         "  unknown (monitor not running) %s — if all of it were down: %s\n"
		         "  excluded: maintenance announced in advance %s\n"
		         "  counted as down: maintenance overrun %s\n"
		         "  counted as up: unconfirmed failures %s\n"
		         "  counted normally: maintenance announced late %s\n"
		         "  service hours: %s (%s)\n"
		       : "  対象時間 %s: 稼働 %s、停止 %s（%d 件）\n"
		         "  不明（監視が動いていなかった時間）%s — すべて停止だった場合: %s\n"
		         "  除外: 事前告知した保守 %s\n"
		         "  停止に算入: 保守の延長分 %s\n"
		         "  稼働に算入: 確認回数に達しなかった失敗 %s\n"
		         "  通常どおり算入: 事前告知のなかった保守 %s\n"
		         "  サービス時間帯: %s（%s）\n",
		    a, b, c2, av.incidents, d, worst, e, f, g, h,
		    en ? "as contracted" : "契約どおり", cfg->hours.timezone);
	}
	rc = cli_emit(cli, NULL, &out);
	if (!rc && av.percent >= 0 && !meets)
		rc = 1;
out:
	dynbuf_release(&out);
	store_close(s);
	monitor_config_free(cfg);
	profile_free(p);
	return rc;
}

/* ---- incident ---- */

static const char *db_opt;
static const char *profile_opt;

static int incident_opts(struct cli *cli, int argc, char **argv, const char **msgfile, int *json)
{
	enum { OPT_DB = 256, OPT_MSG, OPT_FORMAT, OPT_PROFILE };
	static const struct option opts[] = {{"db", required_argument, NULL, OPT_DB},
	                                     {"message-file", required_argument, NULL, OPT_MSG},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {"profile", required_argument, NULL, OPT_PROFILE},
	                                     {NULL, 0, NULL, 0}};
	static const char *const formats[] = {"table", "json", NULL};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db_opt = optarg;
			break;
		case OPT_MSG:
			if (!msgfile)
				goto bad;
			*msgfile = optarg;
			break;
		case OPT_PROFILE:
			profile_opt = optarg;
			break;
		case OPT_FORMAT:
			if ((*json = cli_choice(cli, "incident", "--format", optarg, formats)) < 0)
				return -1;
			break;
		default:
			goto bad;
		}
	}
	return optind;
bad:
	cli_usage_error(cli, "incident",
	                TR(cli->lang, "不明なオプション: %s", "unknown option: %s"),
	                argv[optind - 1]);
	return -1;
}

static void when(double t, char out[40])
{
	if (t <= 0)
		snprintf(out, 40, "-");
	else
		timeutil_local((long long)t, "Asia/Tokyo", 1, out);
}

static json_t *incident_json(const struct incident_row *r)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:o?,s:f,s:f,s:s,s:b,s:o?,s:o?,s:I}",
	                 "id", (json_int_t)r->id, "service", r->service, "kind", r->kind, "check",
	                 r->check_name, "target", r->target, "item", r->item_id, "started_at",
	                 r->started_at, "detected_at", r->detected_at, "resolved_at",
	                 r->resolved_at > 0 ? json_real(r->resolved_at) : NULL, "notify_deadline_s",
	                 r->notify_deadline_s, "followup_deadline_s", r->followup_deadline_s,
	                 "summary", r->summary, "muted", r->muted, "first_notice_delivered_at",
	                 r->first_delivered_at > 0 ? json_real(r->first_delivered_at) : NULL,
	                 "followup_delivered_at",
	                 r->followup_at > 0 ? json_real(r->followup_at) : NULL, "followups",
	                 (json_int_t)r->nfollowups);
}

static int incident_list(struct cli *cli, int argc, char **argv)
{
	struct incident_row *rows = NULL;
	size_t n = 0;
	struct store *s = NULL;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	int json = 0, rc, i = incident_opts(cli, argc, argv, NULL, &json);

	if (i < 0)
		return 2;
	if ((rc = open_store(cli, db_opt, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_monitor_incident_list(s, NULL, 0, 1e18, &rows, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (json) {
		json_t *a = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(a, incident_json(&rows[k]));
		char *t = json_dumps(a, JSON_INDENT(2));
		dynbuf_printf(&out, "%s\n", t);
		free(t);
		json_decref(a);
	} else {
		struct table t;
		const char *hdr_ja[] = {"ID", "種類", "チェック", "検知", "復旧", "第一報", "続報"};
		const char *hdr_en[] = {"ID",       "kind",         "check",    "detected",
		                        "resolved", "first notice", "follow-up"};
		table_init(&t, 7, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
		for (size_t k = 0; k < n; k++) {
			char id[24], det[40], res[40], fn[40], fu[40];
			snprintf(id, sizeof(id), "%lld", rows[k].id);
			when(rows[k].detected_at, det);
			when(rows[k].resolved_at, res);
			when(rows[k].first_delivered_at, fn);
			when(rows[k].followup_at, fu);
			const char *cells[] = {id, rows[k].kind, rows[k].check_name, det, res, fn,
			                       fu};
			table_add_row(&t, cells);
		}
		table_render(&t, TABLE_TEXT, &out);
		table_release(&t);
	}
	rc = cli_emit(cli, NULL, &out);
out:
	for (size_t k = 0; k < n; k++)
		store_monitor_incident_row_release(&rows[k]);
	free(rows);
	dynbuf_release(&out);
	store_close(s);
	return rc;
}

static int parse_id(struct cli *cli, const char *s, long long *id)
{
	char *end;
	*id = strtoll(s, &end, 10);
	if (*end || *id <= 0)
		return cli_usage_error(cli, "incident",
		                       TR(cli->lang, "インシデント ID は正の整数です: %s",
		                          "an incident id is a positive number: %s"),
		                       s);
	return 0;
}

static int incident_show(struct cli *cli, int argc, char **argv)
{
	struct incident_row r;
	struct notification_row *nr = NULL;
	size_t n = 0;
	struct store *s = NULL;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	long long id;
	int json = 0, rc, i = incident_opts(cli, argc, argv, NULL, &json);

	if (i < 0 || i + 1 != argc)
		return i < 0 ? 2
		             : cli_usage_error(
		                   cli, "incident", "%s",
		                   TR(cli->lang, "ID を1つ指定してください", "give one ID"));
	if ((rc = parse_id(cli, argv[i], &id)) ||
	    (rc = open_store(cli, db_opt, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	memset(&r, 0, sizeof(r));
	if (store_monitor_incident_get(s, id, &r, &err) ||
	    store_monitor_notifications_of(s, id, &nr, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (json) {
		json_t *j = incident_json(&r), *a = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(
			    a,
			    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:i,s:o?,s:s?}", "id",
			              (json_int_t)nr[k].id, "purpose", nr[k].purpose, "audience",
			              nr[k].audience, "channel", nr[k].channel, "recipient",
			              nr[k].recipient, "subject", nr[k].subject, "created_at",
			              nr[k].created_at, "attempts", nr[k].attempts, "delivered_at",
			              nr[k].delivered_at > 0 ? json_real(nr[k].delivered_at) : NULL,
			              "last_error", nr[k].last_error));
		json_object_set_new(j, "notifications", a);
		char *t = json_dumps(j, JSON_INDENT(2));
		dynbuf_printf(&out, "%s\n", t);
		free(t);
		json_decref(j);
	} else {
		char a[40], b[40], c[40];
		int en = cli->lang == SG_LANG_EN;
		when(r.started_at, a);
		when(r.detected_at, b);
		when(r.resolved_at, c);
		dynbuf_printf(
		    &out,
		    en ? "incident %lld: %s of %s (%s)\n  started %s, detected %s, resolved "
		         "%s\n  known: %s\n  guideline item %s; first notice within %.0f "
		         "min, follow-up within %.0f min%s\n\nnotifications:\n"
		       : "インシデント %lld: %s — %s（%s）\n  発生 %s、検知 %s、復旧 %s\n"
		         "  内容: %s\n  評価項目 %s、第一報の期限 %.0f 分、続報の期限 %.0f "
		         "分%s\n\n通知:\n",
		    r.id, r.kind, r.check_name, r.target, a, b, c, r.summary, r.item_id,
		    r.notify_deadline_s / 60, r.followup_deadline_s / 60,
		    r.muted ? (en ? " (muted: maintenance)" : "（保守中のため通知なし）") : "");
		for (size_t k = 0; k < n; k++) {
			char d[40];
			when(nr[k].delivered_at, d);
			dynbuf_printf(&out, "  #%lld %s → %s %s (%s): %s, %d %s%s%s\n", nr[k].id,
			              nr[k].purpose, nr[k].audience, nr[k].recipient, nr[k].channel,
			              nr[k].delivered_at > 0 ? d : (en ? "pending" : "未配信"),
			              nr[k].attempts, en ? "attempt(s)" : "回試行",
			              nr[k].last_error ? " — " : "",
			              nr[k].last_error ? nr[k].last_error : "");
		}
	}
	rc = cli_emit(cli, NULL, &out);
out:
	for (size_t k = 0; k < n; k++)
		store_monitor_notification_row_release(&nr[k]);
	free(nr);
	store_monitor_incident_row_release(&r);
	dynbuf_release(&out);
	store_close(s);
	return rc;
}

static int incident_followup(struct cli *cli, int argc, char **argv)
{
	const char *msgfile = NULL;
	struct incident_row r;
	struct store *s = NULL;
	struct profile *p = NULL;
	struct notify_config *ncfg = NULL;
	struct sg_error err;
	struct dynbuf msg = DYNBUF_INIT;
	struct notify_incident v;
	long long id, fid = 0;
	int json = 0, rc, i = incident_opts(cli, argc, argv, &msgfile, &json);
	json_t *j;

	if (i < 0)
		return 2;
	if (i + 1 != argc || !msgfile || !profile_opt)
		return cli_usage_error(cli, "incident", "%s",
		                       TR(cli->lang,
		                          "使い方: saasguard incident followup ID --message-file F "
		                          "--profile プロファイル.yaml [--db パス]",
		                          "usage: saasguard incident followup ID --message-file F "
		                          "--profile PROFILE.yaml [--db PATH]"));
	if ((rc = parse_id(cli, argv[i], &id)))
		return rc;
	cli_error_init(cli, &err);
	memset(&r, 0, sizeof(r));
	if (fileio_read(msgfile, 1 << 20, &msg, &err) ||
	    profile_load(profile_opt, cli_catalog(cli), &p, &err) ||
	    notify_config_load(p, &ncfg, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (!dynbuf_len(&msg)) {
		rc = cli_usage_error(
		    cli, "incident", "%s",
		    TR(cli->lang, "続報の本文が空です", "the follow-up text is empty"));
		goto out;
	}
	if ((rc = open_store(cli, db_opt, 0, &s)))
		goto out;
	if (store_monitor_incident_get(s, id, &r, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	memset(&v, 0, sizeof(v));
	v.id = r.id;
	v.service = r.service;
	v.pattern = r.pattern;
	v.kind = r.kind;
	v.check_name = r.check_name;
	v.target = r.target;
	v.item_id = "III.1.1.8";
	v.started_at = r.started_at;
	v.detected_at = r.detected_at;
	v.resolved_at = r.resolved_at;
	v.summary = r.summary;
	v.followup_deadline_s = r.followup_deadline_s;
	j = json_pack("{s:I,s:s,s:f,s:I}", "incident", (json_int_t)id, "message", dynbuf_ptr(&msg),
	              "delay_s", timeutil_now() - r.detected_at, "recipients",
	              (json_int_t)notify_config_recipients(ncfg, "admin_contacts"));
	if (store_begin(s, &err) ||
	    store_monitor_followup_insert(s, id, timeutil_now(), dynbuf_ptr(&msg), &fid, &err) ||
	    ledger_append(s, "followup_recorded", j, NULL, &err) ||
	    notify_enqueue(s, ncfg, NOTIFY_FOLLOWUP, &v, dynbuf_ptr(&msg), &err) ||
	    store_commit(s, &err)) {
		store_rollback(s);
		json_decref(j);
		rc = cli_report(cli, &err);
		goto out;
	}
	json_decref(j);
	printf(TR(cli->lang,
	          "インシデント %lld の続報を記録し、管理者窓口 %zu 件宛てに送信待ちにしました。\n"
	          "送信は saasguard monitor が行います（--once でも可）。\n",
	          "Recorded the follow-up of incident %lld and queued it for %zu admin "
	          "contact(s).\nsaasguard monitor delivers it (--once works too).\n"),
	       id, notify_config_recipients(ncfg, "admin_contacts"));
out:
	store_monitor_incident_row_release(&r);
	dynbuf_release(&msg);
	notify_config_free(ncfg);
	profile_free(p);
	store_close(s);
	return rc;
}

int cmd_incident(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"list", incident_list},
	                                      {"show", incident_show},
	                                      {"followup", incident_followup},
	                                      {NULL, NULL}};
	static const char usage_ja[] =
	    "使い方: saasguard incident list [--db パス] [--format table|json]\n"
	    "        saasguard incident show ID [--db パス] [--format table|json]\n"
	    "        saasguard incident followup ID --message-file F --profile プロファイル.yaml "
	    "[--db パス]\n\n"
	    "監視が記録したインシデントと通知を表示し、続報（III.1.1.8）を管理者窓口へ送ります。\n";
	static const char usage_en[] =
	    "usage: saasguard incident list [--db PATH] [--format table|json]\n"
	    "       saasguard incident show ID [--db PATH] [--format table|json]\n"
	    "       saasguard incident followup ID --message-file F --profile PROFILE.yaml "
	    "[--db PATH]\n\n"
	    "Shows the incidents and notifications the monitor recorded and sends follow-up\n"
	    "reports (III.1.1.8) to the admin contacts.\n";
	return cli_dispatch_sub(cli, "incident", subs, TR(cli->lang, usage_ja, usage_en), argc,
	                        argv);
}
