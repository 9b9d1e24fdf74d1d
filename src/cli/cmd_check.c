/*
 * cmd_check - `saasguard check FILE`: runs the host collectors the profile
 * configures, judges each result against the pattern's reference values,
 * stores the measurements and records the run in the ledger; prints a table
 * or JSON. Exit 1 when any result is a finding.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "collect.h"
#include "profile.h"
#include "store.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard check FILE [--only NAME,...] [--db PATH] [--format table|json]\n\n"
    "プロファイルの collectors: に従ってサーバ上で計測し（時刻同期、パッチ、ウイルス定義、\n"
    "IDS シグネチャ、バックアップ、ログ保存期間、TLS、ファイアウォール、パスワードハッシュ）、\n"
    "結果をデータベースに保存して証跡台帳に記録します。assess --db が計測値として使います。\n"
    "収集器: time, patches, antivirus, ids, backup, logs, tls, firewall, passwords\n"
    "終了コード: 0 指摘なし、1 パターンの基準値を満たさない指摘あり、2 入力の誤り。\n";
static const char usage_en[] =
    "usage: saasguard check FILE [--only NAME,...] [--db PATH] [--format table|json]\n\n"
    "Measures on this server what the profile's collectors: section configures (time sync,\n"
    "patches, antivirus and IDS signatures, backups, log retention, TLS, firewall, password\n"
    "hashes), stores the results and records them in the evidence ledger; assess --db uses\n"
    "them as measured values.\n"
    "Collectors: time, patches, antivirus, ids, backup, logs, tls, firewall, passwords\n"
    "Exit status: 0 no finding, 1 a finding short of the pattern's reference value, 2 bad\n"
    "input.\n";

enum { OPT_ONLY = 256, OPT_DB, OPT_FORMAT, OPT_HELP };

static const struct option long_opts[] = {
    {"only", required_argument, NULL, OPT_ONLY},
    {"db", required_argument, NULL, OPT_DB},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *status_label(struct cli *cli, enum measurement_status s)
{
	switch (s) {
	case MEASUREMENT_OK:
		return TR(cli->lang, "OK", "ok");
	case MEASUREMENT_FINDING:
		return TR(cli->lang, "指摘", "finding");
	case MEASUREMENT_UNAVAILABLE:
		return TR(cli->lang, "測定不可", "unavailable");
	case MEASUREMENT_ERROR:
		return TR(cli->lang, "エラー", "error");
	}
	return "?";
}

static void render_table(struct cli *cli, const struct profile *p, struct collect_results *res,
                         struct dynbuf *out)
{
	const char *hdr_ja[] = {"収集器", "項目", "対象", "結果", "値", "詳細"};
	const char *hdr_en[] = {"collector", "item", "subject", "status", "value", "detail"};
	struct table t;
	int counts[4] = {0};

	table_init(&t, 6, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
	t.max_width = 70;
	for (size_t i = 0; i < res->n; i++) {
		struct measurement *r = &res->v[i];
		const char *row[6] = {r->collector,
		                      r->item_id ? r->item_id : "-",
		                      r->subject ? r->subject : "-",
		                      status_label(cli, r->status),
		                      r->value_text ? r->value_text : "-",
		                      r->detail     ? r->detail
		                      : r->evidence ? r->evidence
		                                    : ""};
		counts[r->status]++;
		table_add_row(&t, row);
	}
	dynbuf_printf(out,
	              TR(cli->lang, "%s（パターン %d）のホスト計測\n",
	                 "Host measurements of %s (pattern %d)\n"),
	              p->service.name, p->service.pattern);
	table_render(&t, TABLE_TEXT, out);
	dynbuf_printf(out,
	              TR(cli->lang, "OK %d・指摘 %d・測定不可 %d・エラー %d\n",
	                 "%d ok, %d finding(s), %d unavailable, %d error(s)\n"),
	              counts[0], counts[1], counts[2], counts[3]);
	table_release(&t);
}

static void render_json(const struct profile *p, struct collect_results *res, double at,
                        long long seq, struct dynbuf *out)
{
	json_t *arr = json_array(), *root, *summary = json_object();
	int counts[4] = {0};
	char when[32];
	char *s;

	for (size_t i = 0; i < res->n; i++) {
		struct measurement *r = &res->v[i];
		json_t *o =
		    json_pack("{s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:s?,s:s?,s:f,s:I}", "collector",
		              r->collector, "item", r->item_id, "subject", r->subject, "status",
		              store_collect_status_name(r->status), "value", r->value_text, "unit",
		              r->unit, "evidence", r->evidence, "detail", r->detail, "at",
		              r->measured_at, "measurement", r->id);
		json_object_set_new(o, "value_num",
		                    isnan(r->value_num) ? json_null() : json_real(r->value_num));
		json_array_append_new(arr, o);
		counts[r->status]++;
	}
	for (int i = 0; i < 4; i++)
		json_object_set_new(summary, store_collect_status_name((enum measurement_status)i),
		                    json_integer(counts[i]));
	timeutil_utc((long long)at, when);
	root = json_pack("{s:s,s:i,s:s,s:I,s:o,s:o}", "service", p->service.name, "pattern",
	                 p->service.pattern, "measured_at", when, "ledger_seq", seq, "summary",
	                 summary, "results", arr);
	s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	dynbuf_printf(out, "%s\n", s);
	free(s);
	json_decref(root);
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const char *const formats[] = {"table", "json", NULL};
	const char *only = NULL, *db = NULL, *file;
	int format = 0, opt, rc = 0;
	struct sg_error err;
	struct profile *p = NULL;
	struct collect_plan plan;
	struct collect_results res = {0};
	struct collect_ctx ctx;
	struct store *st = NULL;
	struct dynbuf out = DYNBUF_INIT;
	char *dbpath = NULL;
	long long seq = -1;

	cli_getopt_reset();
	while ((opt = cli_option(cli, "check", TR(cli->lang, usage_ja, usage_en), argc, argv,
	                         long_opts, &rc)) > 0) {
		switch (opt) {
		case OPT_ONLY:
			only = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_FORMAT:
			if ((format = cli_choice(cli, "check", "--format", optarg, formats)) < 0)
				return 2;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if (optind + 1 != argc)
		return cli_need_one_profile(cli, "check");
	file = argv[optind];
	cli_error_init(cli, &err);
	if (profile_load(file, cli_catalog(cli), &p, &err))
		return cli_report(cli, &err);
	if (collect_plan_load(p, only, &plan, &err)) {
		rc = err.code == SG_ERR_USAGE ? (cli_report(cli, &err), 2) : cli_report(cli, &err);
		profile_free(p);
		return rc;
	}
	dbpath = db ? xstrdup(db) : store_default_path();
	if (store_open(dbpath, 0, &st, &err)) {
		rc = cli_report(cli, &err);
		goto done;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.cat = cli_catalog(cli);
	ctx.pattern = p->service.pattern;
	ctx.store = st;
	ctx.now = timeutil_now();
	ctx.timeout_s = plan.timeout_s;
	ctx.root = plan.root ? plan.root : "";
	ctx.lang = cli->lang;
	if (collect_run(&plan, &ctx, &res, &err) ||
	    collect_store(st, p->service.name, p->service.pattern, &res, &seq, &err)) {
		rc = cli_report(cli, &err);
		goto done;
	}
	if ((rc = cli_ledger_seal_for(cli, st, p)))
		goto done;
	if (format == 1)
		render_json(p, &res, ctx.now, seq, &out);
	else
		render_table(cli, p, &res, &out);
	rc = cli_emit(cli, NULL, &out);
	for (size_t i = 0; !rc && i < res.n; i++)
		if (res.v[i].status == MEASUREMENT_FINDING)
			rc = 1;
done:
	dynbuf_release(&out);
	collect_results_release(&res);
	collect_plan_release(&plan);
	store_close(st);
	free(dbpath);
	profile_free(p);
	return rc;
}
