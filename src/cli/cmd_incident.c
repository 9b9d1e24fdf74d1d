/*
 * saasguard incident list|show|followup - the incidents and notifications
 * the monitor recorded, and follow-up reports (III.1.1.8) to the admin
 * contacts (notify_followup_record()).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "notify.h"
#include "store_cluster.h"
#include "store_monitor.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

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
	int c, status;

	cli_getopt_reset();
	while ((c = cli_option(cli, "incident", NULL, argc, argv, opts, &status)) > 0) {
		switch (c) {
		case OPT_DB:
			db_opt = optarg;
			break;
		case OPT_MSG:
			if (!msgfile) {
				cli_bad_option(cli, "incident", argv[optind - 1]);
				return -1;
			}
			*msgfile = optarg;
			break;
		case OPT_PROFILE:
			profile_opt = optarg;
			break;
		case OPT_FORMAT:
			if ((*json = cli_choice(cli, "incident", "--format", optarg, formats)) < 0)
				return -1;
			break;
		}
	}
	return c < 0 ? -1 : optind;
}

static void when(double t, char out[40])
{
	if (t <= 0)
		snprintf(out, 40, "-");
	else
		timeutil_local((long long)t, "Asia/Tokyo", 1, out);
}

/* The checks of incident id among ic (all incidents' rows), by role:
 * "web, api" (the check that opened it when there are none recorded). */
static void checks_of(const struct incident_check_row *ic, size_t nic, long long id,
                      const char *role, struct dynbuf *out)
{
	dynbuf_reset(out);
	for (size_t k = 0; k < nic; k++) {
		int seen = 0;
		if (ic[k].incident_id != id || strcmp(ic[k].role, role))
			continue;
		for (size_t j = 0; j < k; j++)
			seen |= ic[j].incident_id == id && !strcmp(ic[j].role, role) &&
			        ic[j].check_id == ic[k].check_id;
		if (seen)
			continue;
		if (dynbuf_len(out))
			dynbuf_addstr(out, ", ");
		dynbuf_addstr(out, ic[k].check_name);
	}
}

static json_t *checks_json(const struct incident_check_row *ic, size_t nic, long long id)
{
	json_t *a = json_array();
	for (size_t k = 0; k < nic; k++)
		if (ic[k].incident_id == id)
			json_array_append_new(
			    a,
			    json_pack("{s:s,s:s,s:s,s:f,s:o?,s:s}", "check", ic[k].check_name,
			              "component", ic[k].component, "role", ic[k].role, "joined_at",
			              ic[k].joined_at, "recovered_at",
			              ic[k].recovered_at > 0 ? json_real(ic[k].recovered_at) : NULL,
			              "detail", ic[k].detail));
	return a;
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

/* "a,b" -> ["a","b"] (NULL: an empty array). */
static json_t *locations_json(const char *csv)
{
	json_t *a = json_array();
	const char *p = csv;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, len));
		p = e ? e + 1 : NULL;
	}
	return a;
}

/* A failure fewer than a quorum of locations saw: a managers-only alert,
 * not an incident (docs/internals/cluster.md). */
static json_t *alert_json(const struct cluster_alert_row *a)
{
	json_t *j =
	    json_pack("{s:I,s:s,s:s,s:s,s:f,s:f,s:o?,s:s?,s:s,s:s}", "id", (json_int_t)a->id,
	              "kind", "location_only", "check", a->check_name, "check_kind", a->kind,
	              "started_at", a->since, "detected_at", a->alerted_at, "resolved_at",
	              isnan(a->resolved_at) ? NULL : json_real(a->resolved_at), "summary",
	              a->detail, "audience", "managers", "purpose", "internal");
	json_object_set_new(j, "locations", locations_json(a->location));
	return j;
}

static int incident_list(struct cli *cli, int argc, char **argv)
{
	struct incident_row *rows = NULL;
	struct incident_check_row *ic = NULL;
	size_t n = 0, nic = 0;
	struct store *s = NULL;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT, mem = DYNBUF_INIT, sup = DYNBUF_INIT;
	struct cluster_alert_row *al = NULL;
	size_t nal = 0;
	char **locs = NULL;
	int json = 0, rc, i = incident_opts(cli, argc, argv, NULL, &json);

	if (i < 0)
		return 2;
	if ((rc = cli_store_open(cli, db_opt, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_monitor_incident_list(s, NULL, 0, 1e18, &rows, &n, &err) ||
	    store_monitor_incident_checks_of(s, 0, &ic, &nic, &err) ||
	    store_cluster_alerts(s, NULL, 0, 1e18, &al, &nal, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	locs = xcalloc(n ? n : 1, sizeof(*locs));
	for (size_t k = 0; k < n; k++)
		if (store_cluster_incident_locations(s, rows[k].id, &locs[k], &err)) {
			rc = cli_report(cli, &err);
			goto out;
		}
	if (json) {
		json_t *a = json_array();
		for (size_t k = 0; k < n; k++) {
			json_t *j = incident_json(&rows[k]);
			json_object_set_new(j, "checks", checks_json(ic, nic, rows[k].id));
			json_object_set_new(j, "locations", locations_json(locs[k]));
			json_array_append_new(a, j);
		}
		for (size_t k = 0; k < nal; k++)
			json_array_append_new(a, alert_json(&al[k]));
		cli_add_json(&out, a);
	} else {
		struct table t;
		const char *hdr_ja[] = {"ID",   "種類", "チェック", "抑止（依存先の停止中）",
		                        "検知", "復旧", "第一報",   "続報",
		                        "拠点"};
		const char *hdr_en[] = {
		    "ID",       "kind",     "checks",       "suppressed (dependency down)",
		    "detected", "resolved", "first notice", "follow-up",
		    "locations"};
		table_init(&t, 9, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
		for (size_t k = 0; k < n; k++) {
			char id[24], det[40], res[40], fn[40], fu[40];
			snprintf(id, sizeof(id), "%lld", rows[k].id);
			when(rows[k].detected_at, det);
			when(rows[k].resolved_at, res);
			when(rows[k].first_delivered_at, fn);
			when(rows[k].followup_at, fu);
			checks_of(ic, nic, rows[k].id, "member", &mem);
			checks_of(ic, nic, rows[k].id, "suppressed", &sup);
			const char *cells[] = {id,
			                       rows[k].kind,
			                       dynbuf_len(&mem) ? dynbuf_ptr(&mem)
			                                        : rows[k].check_name,
			                       dynbuf_len(&sup) ? dynbuf_ptr(&sup) : "-",
			                       det,
			                       res,
			                       fn,
			                       fu,
			                       locs[k] ? locs[k] : "-"};
			table_add_row(&t, cells);
		}
		for (size_t k = 0; k < nal; k++) {
			/* Shown as what it is: one location's problem, told to
			 * the managers alone. */
			char id[24], det[40], res[40];
			snprintf(id, sizeof(id), "L%lld", al[k].id);
			when(al[k].alerted_at, det);
			when(isnan(al[k].resolved_at) ? 0 : al[k].resolved_at, res);
			const char *cells[] = {id,
			                       TR(cli->lang, "拠点のみ（管理者へ連絡）",
			                          "location only (managers told)"),
			                       al[k].check_name,
			                       "-",
			                       det,
			                       res,
			                       "-",
			                       "-",
			                       al[k].location};
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
	for (size_t k = 0; k < nic; k++)
		store_monitor_incident_check_row_release(&ic[k]);
	free(ic);
	for (size_t k = 0; locs && k < n; k++)
		free(locs[k]);
	free(locs);
	for (size_t k = 0; k < nal; k++)
		store_cluster_alert_row_release(&al[k]);
	free(al);
	dynbuf_release(&mem);
	dynbuf_release(&sup);
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
	struct incident_check_row *ic = NULL;
	size_t n = 0, nic = 0;
	struct store *s = NULL;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	char *locs = NULL;
	long long id;
	int json = 0, rc, i = incident_opts(cli, argc, argv, NULL, &json);

	if (i < 0 || i + 1 != argc)
		return i < 0 ? 2
		             : cli_usage_error(
		                   cli, "incident", "%s",
		                   TR(cli->lang, "ID を1つ指定してください", "give one ID"));
	if ((rc = parse_id(cli, argv[i], &id)) ||
	    (rc = cli_store_open(cli, db_opt, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	memset(&r, 0, sizeof(r));
	if (store_monitor_incident_get(s, id, &r, &err) ||
	    store_monitor_notifications_of(s, id, &nr, &n, &err) ||
	    store_monitor_incident_checks_of(s, id, &ic, &nic, &err) ||
	    store_cluster_incident_locations(s, id, &locs, &err)) {
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
		json_object_set_new(j, "checks", checks_json(ic, nic, id));
		json_object_set_new(j, "locations", locations_json(locs));
		cli_add_json(&out, j);
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
		         "min, follow-up within %.0f min%s\n"
		       : "インシデント %lld: %s — %s（%s）\n  発生 %s、検知 %s、復旧 %s\n"
		         "  内容: %s\n  評価項目 %s、第一報の期限 %.0f 分、続報の期限 %.0f "
		         "分%s\n",
		    r.id, r.kind, r.check_name, r.target, a, b, c, r.summary, r.item_id,
		    r.notify_deadline_s / 60, r.followup_deadline_s / 60,
		    r.muted ? (en ? " (muted: maintenance)" : "（保守中のため通知なし）") : "");
		if (locs)
			dynbuf_printf(&out, en ? "  confirmed from: %s\n" : "  確認した拠点: %s\n",
			              locs);
		if (nic)
			dynbuf_addstr(&out, en ? "\nchecks:\n" : "\nチェック:\n");
		for (size_t k = 0; k < nic; k++) {
			char j[40], rv[40];
			int member = !strcmp(ic[k].role, "member");
			when(ic[k].joined_at, j);
			when(ic[k].recovered_at, rv);
			dynbuf_printf(&out, "  %s [%s] %s %s%s%s %s%s%s\n", ic[k].check_name,
			              ic[k].component,
			              member ? (en ? "failed" : "失敗")
			                     : (en ? "suppressed (dependency down), failed"
			                           : "抑止（依存先の停止中）、失敗"),
			              j, en ? ", " : "、", en ? "recovered" : "復旧",
			              ic[k].recovered_at > 0 ? rv : "-", *ic[k].detail ? " — " : "",
			              ic[k].detail);
		}
		dynbuf_addstr(&out, en ? "\nnotifications:\n" : "\n通知:\n");
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
	for (size_t k = 0; k < nic; k++)
		store_monitor_incident_check_row_release(&ic[k]);
	free(ic);
	free(locs);
	store_monitor_incident_row_release(&r);
	dynbuf_release(&out);
	store_close(s);
	return rc;
}

static int incident_followup(struct cli *cli, int argc, char **argv)
{
	const char *msgfile = NULL;
	struct store *s = NULL;
	struct profile *p = NULL;
	struct notify_config *ncfg = NULL;
	struct sg_error err;
	struct dynbuf msg = DYNBUF_INIT;
	long long id, fid = 0;
	int json = 0, rc, i = incident_opts(cli, argc, argv, &msgfile, &json);

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
	if ((rc = cli_store_open(cli, db_opt, 0, &s)))
		goto out;
	if (notify_followup_record(s, ncfg, id, dynbuf_ptr(&msg), timeutil_now(), NULL, &fid,
	                           &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	printf(TR(cli->lang,
	          "インシデント %lld の続報を記録し、管理者窓口 %zu 件宛てに送信待ちにしました。\n"
	          "送信は saasguard monitor が行います（--once でも可）。\n",
	          "Recorded the follow-up of incident %lld and queued it for %zu admin "
	          "contact(s).\nsaasguard monitor delivers it (--once works too).\n"),
	       id, notify_config_recipients(ncfg, "admin_contacts"));
out:
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
