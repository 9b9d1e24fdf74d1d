/*
 * saasguard cluster status - the monitors sharing a store: host, pid,
 * location, role (coordinator or member), shard, last heartbeat and lag
 * (store_cluster).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cluster.h"
#include "store_cluster.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

/* A node counts as running while it heartbeated within the lease's TTL. */
static const char *status_of(const struct cluster_node_row *r, double now)
{
	if (!isnan(r->stopped_at))
		return "stopped";
	return now - r->heartbeat_at <= CLUSTER_LEASE_TTL_S ? "running" : "silent";
}

static int cluster_status(struct cli *cli, int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_FORMAT };
	static const struct option opts[] = {{"db", required_argument, NULL, OPT_DB},
	                                     {"format", required_argument, NULL, OPT_FORMAT},
	                                     {NULL, 0, NULL, 0}};
	static const char *const formats[] = {"table", "json", NULL};
	const char *db = NULL;
	struct cluster_node_row *rows = NULL;
	struct dynbuf out = DYNBUF_INIT;
	struct store *s = NULL;
	struct sg_error err;
	size_t n = 0;
	double now = timeutil_now();
	int c, json = 0, rc;

	cli_getopt_reset();
	while ((c = cli_option(cli, "cluster", NULL, argc, argv, opts, &rc)) > 0) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_FORMAT:
			if ((json = cli_choice(cli, "cluster", "--format", optarg, formats)) < 0)
				return 2;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind != argc)
		return cli_usage_error(cli, "cluster",
		                       TR(cli->lang, "余分な引数: %s", "unexpected argument: %s"),
		                       argv[optind]);
	if ((rc = cli_store_open(cli, db, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (store_cluster_nodes(s, &rows, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (json) {
		json_t *a = json_array();
		for (size_t k = 0; k < n; k++) {
			const struct cluster_node_row *r = &rows[k];
			int live = !strcmp(status_of(r, now), "running");
			json_array_append_new(
			    a, json_pack("{s:I,s:s,s:I,s:s,s:s,s:s?,s:f,s:f,s:f,s:o?,s:s}", "id",
			                 (json_int_t)r->id, "host", r->host, "pid",
			                 (json_int_t)r->pid, "location", r->location, "role",
			                 live ? r->role : "member", "shard", r->shard, "started_at",
			                 r->started_at, "heartbeat_at", r->heartbeat_at, "lag_s",
			                 now - r->heartbeat_at, "stopped_at",
			                 isnan(r->stopped_at) ? NULL : json_real(r->stopped_at),
			                 "status", status_of(r, now)));
		}
		cli_add_json(&out, a);
	} else {
		struct table t;
		const char *hdr_ja[] = {"ID",   "ホスト",           "PID",  "拠点", "役割",
		                        "分担", "最終ハートビート", "遅れ", "状態"};
		const char *hdr_en[] = {"ID",    "host",           "pid", "location", "role",
		                        "shard", "last heartbeat", "lag", "status"};
		table_init(&t, 9, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
		for (size_t k = 0; k < n; k++) {
			const struct cluster_node_row *r = &rows[k];
			const char *st = status_of(r, now);
			int live = !strcmp(st, "running");
			char id[24], pid[24], beat[40], lag[32];
			snprintf(id, sizeof(id), "%lld", r->id);
			snprintf(pid, sizeof(pid), "%lld", r->pid);
			timeutil_local((long long)r->heartbeat_at, "Asia/Tokyo", 1, beat);
			snprintf(lag, sizeof(lag), "%.1fs", now - r->heartbeat_at);
			const char *cells[] = {
			    id,
			    r->host,
			    pid,
			    r->location,
			    live && !strcmp(r->role, "coordinator")
			        ? TR(cli->lang, "coordinator（調整役）", "coordinator")
			        : TR(cli->lang, "member（参加）", "member"),
			    r->shard ? r->shard : "-",
			    beat,
			    live ? lag : "-",
			    !strcmp(st, "running")   ? TR(cli->lang, "稼働中", "running")
			    : !strcmp(st, "stopped") ? TR(cli->lang, "停止", "stopped")
			                             : TR(cli->lang, "応答なし", "silent")};
			table_add_row(&t, cells);
		}
		table_render(&t, TABLE_TEXT, &out);
		table_release(&t);
	}
	rc = cli_emit(cli, NULL, &out);
out:
	for (size_t k = 0; k < n; k++)
		store_cluster_node_row_release(&rows[k]);
	free(rows);
	dynbuf_release(&out);
	store_close(s);
	return rc;
}

int cmd_cluster(struct cli *cli, int argc, char **argv)
{
	static const char usage_ja[] =
	    "使い方: saasguard cluster status [--db パス] [--format table|json]\n\n"
	    "同じデータベースを使う monitor の一覧: ホスト、PID、拠点、役割（coordinator は\n"
	    "インシデントと通知を扱う調整役、member は参加）、分担、最終ハートビートと遅れ。\n";
	static const char usage_en[] =
	    "usage: saasguard cluster status [--db PATH] [--format table|json]\n\n"
	    "The monitors sharing the database: host, pid, location, role (the coordinator\n"
	    "opens incidents and sends notices; members probe and report), shard, last\n"
	    "heartbeat and lag.\n";
	static const struct cli_sub subs[] = {{"status", cluster_status}, {NULL, NULL}};

	return cli_dispatch_sub(cli, "cluster", subs, TR(cli->lang, usage_ja, usage_en), argc,
	                        argv);
}
