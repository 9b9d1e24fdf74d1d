/*
 * saasguard availability - III.2.1.1 availability of a period from the
 * recorded state intervals (the rules: availability.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "availability.h"
#include "cli.h"
#include "monitor_config.h"
#include "timeutil.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard availability プロファイル.yaml [--month 2026-11] [--db パス]\n"
    "                               [--format table|json]\n\n"
    "III.2.1.1 のサービス稼働率を、契約したサービス時間帯について、事前に告知した\n"
    "保守を除き、記録された状態区間から時間加重で計算します。期間は月・四半期・半期\n"
    "（2026-11, 2026-Q4, 2026-H2）。省略すると今月（サービス時間帯のタイムゾーン）です。\n";
static const char usage_en[] =
    "usage: saasguard availability PROFILE.yaml [--month 2026-11] [--db PATH]\n"
    "                              [--format table|json]\n\n"
    "III.2.1.1 availability, time-weighted from the recorded state intervals over the\n"
    "contracted service hours, minus maintenance announced in advance. The period is a\n"
    "month, quarter or half (2026-11, 2026-Q4, 2026-H2); without --month, the current\n"
    "month in the service hours' time zone.\n";

static void hms(double s, char out[32])
{
	long long t = (long long)(s + 0.5);
	snprintf(out, 32, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
}

static void write_json(const struct monitor_config *cfg, const struct timeutil_period *per,
                       const struct availability *av, const struct availability_verdict *v,
                       struct dynbuf *out)
{
	char pct[16], worst[16];
	json_t *j;

	availability_format(av->percent, pct);
	availability_format(av->percent_worst, worst);
	j = json_pack(
	    "{s:s,s:s,s:i,s:s,s:f,s:f,s:s?,s:f,s:s,s:s,s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,"
	    "s:f},s:i,s:s?,s:b,s:[s,s,s,s,s]}",
	    "service", cfg->service, "period", per->label, "pattern", cfg->pattern, "item",
	    "III.2.1.1.a", "from", (double)per->start, "to", (double)per->end, "availability",
	    av->percent >= 0 ? pct : NULL, "availability_num", av->percent,
	    "availability_if_unknown_were_down", worst, "timezone", cfg->hours.timezone, "seconds",
	    "service_hours", av->service_s, "maintenance_excluded", av->maintenance_s, "counted",
	    av->counted_s, "up", av->up_s, "down", av->down_s, "unknown", av->unknown_s,
	    "unconfirmed_failures", av->unconfirmed_s, "degraded", av->degraded_s,
	    "maintenance_overrun", av->overrun_s, "late_announced_maintenance",
	    av->late_maintenance_s, "outages", av->incidents, "reference", v->reference,
	    "meets_reference", v->meets, "rules", "only contracted service hours count",
	    "maintenance announced before it starts is excluded; late or unannounced "
	    "maintenance counts",
	    "time without records (the monitor was not running) is unknown: left out of the "
	    "percentage and shown separately",
	    "failures that never reached confirm count as up",
	    "downtime past the end of a maintenance window (overrun) counts as downtime");
	json_object_set_new(j, "coverage", json_real(v->coverage));
	json_object_set_new(j, "provisional", json_boolean(v->provisional));
	cli_add_json(out, j);
}

static void write_table(const struct monitor_config *cfg, const struct timeutil_period *per,
                        const struct availability *av, const struct availability_verdict *v, int en,
                        struct dynbuf *out)
{
	char pct[16], worst[16], a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32];

	availability_format(av->percent, pct);
	availability_format(av->percent_worst, worst);
	hms(av->counted_s, a);
	hms(av->up_s, b);
	hms(av->down_s, c);
	hms(av->unknown_s, d);
	hms(av->maintenance_s, e);
	hms(av->overrun_s, f);
	hms(av->unconfirmed_s, g);
	hms(av->late_maintenance_s, h);
	dynbuf_printf(out,
	              en ? "%s — availability %s (III.2.1.1.a, pattern %d reference %s): %s\n"
	                 : "%s — %s のサービス稼働率（III.2.1.1.a、パターン %d の基準値 %s）: "
	                   "%s\n",
	              cfg->service, per->label, cfg->pattern, v->reference ? v->reference : "-",
	              pct);
	dynbuf_printf(out, en ? "  verdict: %s\n" : "  判定: %s\n",
	              !v->known  ? (en ? "no records" : "記録なし")
	              : v->meets ? (en ? "meets the reference" : "基準値を満たす")
	                         : (en ? "below the reference" : "基準値を下回る"));
	if (v->provisional)
		dynbuf_printf(out,
		              en ? "  provisional: the monitor has records for only %.1f%% of the "
		                   "counted time\n"
		                 : "  参考値: 監視の記録があるのは対象時間の %.1f%% だけです\n",
		              v->coverage * 100);
	dynbuf_printf(out,
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
	              a, b, c, av->incidents, d, worst, e, f, g, h,
	              en ? "as contracted" : "契約どおり", cfg->hours.timezone);
}

int cmd_availability(struct cli *cli, int argc, char **argv)
{
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
	struct availability_verdict v;
	struct dynbuf out = DYNBUF_INIT;

	cli_getopt_reset();
	while ((c = cli_option(cli, "availability", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                       opts, &rc)) > 0) {
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
		}
	}
	if (c < 0)
		return rc;
	if ((rc = cli_profile_arg(cli, "availability", argc, argv, &p, &err)))
		return rc;
	if (monitor_config_load(p, cli_catalog(cli), &cfg, &err) ||
	    (month && timeutil_period_parse(month, cfg->hours.timezone, &per, &err))) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (!month) /* the current month */
		timeutil_period_containing((long long)timeutil_now(), 1, cfg->hours.timezone, &per);
	if ((rc = cli_store_open(cli, db, STORE_READONLY, &s)))
		goto out;
	if (availability_for_period(s, cfg, (double)per.start, (double)per.end, timeutil_now(), &av,
	                            &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	availability_verdict(&av, cli_catalog(cli), cfg->pattern, &v);
	if (fmt == 1)
		write_json(cfg, &per, &av, &v, &out);
	else
		write_table(cfg, &per, &av, &v, cli->lang == SG_LANG_EN, &out);
	rc = cli_emit(cli, NULL, &out);
	if (!rc && v.known && !v.meets)
		rc = 1;
out:
	dynbuf_release(&out);
	store_close(s);
	monitor_config_free(cfg);
	profile_free(p);
	return rc;
}
