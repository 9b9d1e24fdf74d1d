/*
 * cmd_ledger - `saasguard ledger keygen|show|seal|verify|proof|export`: the
 * evidence ledger for operators and auditors. Also the option handling
 * `saasguard attest` shares (cli_ledger_opts, cli_ledger_config).
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ledger.h"
#include "ledger_check.h"
#include "ledger_key.h"
#include "ledger_events.h"
#include "ledger_signer.h"
#include "ledger_verify.h"
#include "store_ledger.h"
#include "notify.h"
#include "profile.h"
#include "store.h"
#include "table.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard ledger keygen [--key PATH]\n"
    "        saasguard ledger show [--type T] [--from TIME] [--to TIME] [--format table|json]\n"
    "        saasguard ledger seal\n"
    "        saasguard ledger verify [--public-key FILE ...] [--tsa-ca FILE] [--from TIME] [--to "
    "TIME]\n"
    "                                [--checkpoint FILE ...] [--record]\n"
    "        saasguard ledger proof SEQ | --consistency SIZE\n"
    "        saasguard ledger head [--format table|json]\n"
    "        saasguard ledger export [--from TIME] [--to TIME] [--tsa-ca FILE] DIR\n"
    "共通: [--db PATH] [--key PATH] [--profile PATH] (プロファイルの ledger: 節を使う)\n"
    "鍵の既定はデータベースと同じディレクトリの ledger.key\n\n"
    "  keygen  署名用 Ed25519 鍵を作成 (PATH は 0600、公開鍵は PATH.pub)。上書きしません\n"
    "  show    監査向けの索引: 番号・日時 (現地時刻)・種別・概要 (--type で種別、--from/--to\n"
    "          で期間を絞り込み、--format json で全内容)\n"
    "  seal    新しいエントリを含むツリーヘッドに署名し、設定があればタイムスタンプを付与\n"
    "  verify  全エントリと木を再計算し、すべてのヘッドの署名とタイムスタンプを検証。\n"
    "          改ざんがあれば最初の不正なエントリを示して終了ステータス 1。ヘッドの連鎖が\n"
    "          最初から欠けていないこと、--checkpoint (以前保存したヘッドか書き出し) "
    "と署名者の記録\n"
    "          (鍵の横の KEY.heads) に一致することも確認。--record で結果を台帳に記録\n"
    "          (なしでは読み取りのみ)\n"
    "  proof   エントリ SEQ の最新ヘッドへの包含証明 (RFC 6962)、または --consistency SIZE で\n"
    "          サイズ SIZE の木から最新ヘッドへの一貫性証明を JSON で出力\n"
    "  head    公開鍵で検証できる最新のツリーヘッド。--format json の出力を保存すれば\n"
    "          verify --checkpoint に使えます\n"
    "  export  エントリ・ツリーヘッド・署名・公開鍵・タイムスタンプと、openssl と sha256sum\n"
    "          だけで検証する手順 VERIFY.md (日英) をディレクトリ DIR に書き出す\n"
    "TIME は 2026-11-01 や 2026-11-01T09:00+09:00 (--to の日付はその日の終わりまで)\n";
static const char usage_en[] =
    "usage: saasguard ledger keygen [--key PATH]\n"
    "       saasguard ledger show [--type T] [--from TIME] [--to TIME] [--format table|json]\n"
    "       saasguard ledger seal\n"
    "       saasguard ledger verify [--public-key FILE ...] [--tsa-ca FILE] [--from TIME] [--to "
    "TIME]\n"
    "                               [--checkpoint FILE ...] [--record]\n"
    "       saasguard ledger proof SEQ | --consistency SIZE\n"
    "       saasguard ledger head [--format table|json]\n"
    "       saasguard ledger export [--from TIME] [--to TIME] [--tsa-ca FILE] DIR\n"
    "all take: [--db PATH] [--key PATH] [--profile PATH] (uses the profile's ledger: section)\n"
    "the key defaults to ledger.key beside the database\n\n"
    "  keygen  make the Ed25519 signing key (PATH mode 0600, public key PATH.pub); never "
    "overwrites\n"
    "  show    an index for auditors: seq, local time, type, summary (--type, --from/--to\n"
    "          narrow it; --format json gives every field)\n"
    "  seal    sign a tree head over the new entries, time-stamped when a TSA is configured\n"
    "  verify  recompute every entry and the tree, check every head's signature and token;\n"
    "          exit 1 naming the first bad entry when anything was altered; the heads must\n"
    "          chain unbroken from the first, and agree with --checkpoint files (heads saved\n"
    "          earlier, or earlier exports) and the signer's record (KEY.heads beside the key);\n"
    "          --record appends the result to the ledger (without it nothing is written)\n"
    "  proof   RFC 6962 inclusion proof of entry SEQ in the latest head, or with --consistency\n"
    "          SIZE the consistency proof from the tree of SIZE entries to it (JSON)\n"
    "  head    the latest tree head the public key verifies; save its --format json output\n"
    "          to check against later with verify --checkpoint\n"
    "  export  write entries, tree head, signature, public key, time-stamp and a VERIFY.md\n"
    "          (Japanese and English) that checks them with openssl and sha256sum alone to DIR\n"
    "TIME is 2026-11-01 or 2026-11-01T09:00+09:00 (a --to date runs to the end of that day)\n";

#define USAGE(cli) TR((cli)->lang, usage_ja, usage_en)

enum {
	OPT_DB = 256,
	OPT_KEY,
	OPT_PROFILE,
	OPT_PUBLIC_KEY,
	OPT_TSA_CA,
	OPT_TYPE,
	OPT_FROM,
	OPT_TO,
	OPT_FORMAT,
	OPT_CONSISTENCY,
	OPT_NOTE,
	OPT_EVIDENCE,
	OPT_CHECKPOINT,
	OPT_RECORD,
	OPT_HELP,
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"key", required_argument, NULL, OPT_KEY},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
    {"tsa-ca", required_argument, NULL, OPT_TSA_CA},
    {"type", required_argument, NULL, OPT_TYPE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"consistency", required_argument, NULL, OPT_CONSISTENCY},
    {"note", required_argument, NULL, OPT_NOTE},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"record", no_argument, NULL, OPT_RECORD},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int cli_ledger_opts(struct cli *cli, const char *cmd, const char *usage, int argc, char **argv,
                    const char *allowed, struct cli_ledger_opts *o, int *first)
{
	static const char *const formats[] = {"table", "json", NULL};
	int c, status = -1;

	memset(o, 0, sizeof(*o));
	o->from_ms = LLONG_MIN;
	o->to_ms = LLONG_MAX;
	cli_getopt_reset();
	while ((c = cli_option(cli, cmd, usage, argc, argv, long_opts, &status)) > 0) {
		const char *name = c >= OPT_DB && c < OPT_HELP ? long_opts[c - OPT_DB].name : "";
		long long t;
		struct sg_error err;
		char word[32];

		snprintf(word, sizeof(word), " %s ", name);
		if (!strstr(allowed, word))
			return cli_usage_error(cli, cmd,
			                       TR(cli->lang, "--%s はこのコマンドでは使えません",
			                          "--%s does not apply here"),
			                       name);
		switch (c) {
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_KEY:
			o->key = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_PUBLIC_KEY:
		case OPT_EVIDENCE:
			if (o->nfiles >= sizeof(o->files) / sizeof(o->files[0]))
				return cli_usage_error(cli, cmd, "%s",
				                       TR(cli->lang,
				                          "ファイルが多すぎます (64 まで)",
				                          "too many files (at most 64)"));
			o->files[o->nfiles++] = optarg;
			break;
		case OPT_CHECKPOINT:
			if (o->ncheckpoints >= sizeof(o->checkpoints) / sizeof(o->checkpoints[0]))
				return cli_usage_error(cli, cmd, "%s",
				                       TR(cli->lang,
				                          "チェックポイントが多すぎます (16 まで)",
				                          "too many checkpoints (at most 16)"));
			o->checkpoints[o->ncheckpoints++] = optarg;
			break;
		case OPT_TSA_CA:
			o->tsa_ca = optarg;
			break;
		case OPT_TYPE:
			o->type = optarg;
			break;
		case OPT_FROM:
		case OPT_TO:
			cli_error_init(cli, &err);
			if (timeutil_parse(optarg, &t, &err))
				return cli_usage_error(
				    cli, cmd,
				    TR(cli->lang,
				       "--%s には 2026-11-01 や 2026-11-01T09:00+09:00 "
				       "の形で日時を指定して"
				       "ください ('%s' は不可)",
				       "--%s takes a date or time such as 2026-11-01 or "
				       "2026-11-01T09:00+09:00, not '%s'"),
				    name, optarg);
			if (c == OPT_FROM) {
				o->from_ms = t * 1000;
			} else {
				/* A bare date runs to the end of that day. */
				if (strlen(optarg) == 10)
					t += 86400;
				o->to_ms = t * 1000;
			}
			break;
		case OPT_FORMAT:
			if ((o->format = cli_choice(cli, cmd, "--format", optarg, formats)) < 0)
				return 2;
			break;
		case OPT_CONSISTENCY: {
			char *end;
			o->consistency = strtoll(optarg, &end, 10);
			if (*end || end == optarg || o->consistency < 1)
				return cli_usage_error(
				    cli, cmd,
				    TR(cli->lang,
				       "--consistency には 1 以上の整数を指定してください",
				       "--consistency takes a whole number of at least 1"));
			break;
		}
		case OPT_NOTE:
			o->note = optarg;
			break;
		case OPT_RECORD:
			o->record = 1;
			break;
		}
	}
	*first = optind;
	return status;
}

int cli_ledger_config(struct cli *cli, const struct cli_ledger_opts *o, struct ledger_config *cfg)
{
	struct sg_error err;
	struct profile *p = NULL;
	enum sg_code rc;

	ledger_config_init(cfg);
	cli_error_init(cli, &err);
	if (o->profile) {
		char *copy = xstrdup(o->profile);
		if (!(rc = profile_load(o->profile, cli_catalog(cli), &p, &err)))
			rc = ledger_config_load(cfg, p->doc, profile_section(p, "ledger"),
			                        dirname(copy), &err);
		free(copy);
		profile_free(p);
		if (rc) {
			ledger_config_release(cfg);
			return cli_report(cli, &err);
		}
	}
	ledger_config_set_db(cfg, o->db);
	if (o->key) {
		free(cfg->key_path);
		cfg->key_path = xstrdup(o->key);
		cfg->key_path_default = 0;
	}
	if (o->tsa_ca) {
		free(cfg->tsa_ca_file);
		cfg->tsa_ca_file = xstrdup(o->tsa_ca);
	}
	return 0;
}

int cli_ledger_open(struct cli *cli, const struct cli_ledger_opts *o, int flags, struct store **s)
{
	struct sg_error err;
	char *path = o->db ? xstrdup(o->db) : store_default_path();
	enum sg_code rc;

	cli_error_init(cli, &err);
	rc = store_open(path, flags, s, &err);
	free(path);
	return rc ? cli_report(cli, &err) : 0;
}

static int no_args(struct cli *cli, const char *cmd, int first, int argc, char **argv)
{
	if (first < argc)
		return cli_usage_error(
		    cli, cmd,
		    TR(cli->lang, "余分な引数 '%s' があります", "unexpected argument '%s'"),
		    argv[first]);
	return -1;
}

void cli_ledger_print_seal(struct cli *cli, const struct ledger_config *cfg,
                           const struct ledger_seal_result *r)
{
	if (!r->sealed)
		return;
	printf(TR(cli->lang, "ツリーヘッド #%lld に署名しました (エントリ %lld 件)%s\n",
	          "signed tree head #%lld (%lld entries)%s\n"),
	       r->head_id, r->tree_size,
	       r->timestamped ? TR(cli->lang, "、タイムスタンプ付き", ", time-stamped") : "");
	if (cfg->tsa_url && !r->timestamped)
		fprintf(
		    stderr,
		    TR(cli->lang,
		       "saasguard: 警告: タイムスタンプを取得できませんでした: %s\n"
		       "  このヘッドはタイムスタンプなしで保存しました。次の封印で再試行します\n",
		       "saasguard: warning: no time-stamp: %s\n"
		       "  the head was kept without one; the next seal tries again\n"),
		    r->tsa_error);
}

static int ledger_keygen(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_key key;
	struct sg_error err;
	int first, rc = cli_ledger_opts(cli, "ledger keygen", USAGE(cli), argc, argv,
	                                " db key profile ", &o, &first);

	if (rc >= 0 || (rc = no_args(cli, "ledger keygen", first, argc, argv)) >= 0)
		return rc;
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	cli_error_init(cli, &err);
	if (ledger_key_generate(cfg.key_path, &key, &err)) {
		ledger_config_release(&cfg);
		return cli_report(cli, &err);
	}
	printf(
	    TR(cli->lang,
	       "署名鍵を作成しました\n  秘密鍵: %s (0600)\n  公開鍵: %s.pub\n  鍵 ID (公開鍵 DER "
	       "の SHA-256): %s\n公開鍵と鍵 ID は監査人に別経路で渡してください。\n",
	       "made the signing key\n  private key: %s (0600)\n  public key:  %s.pub\n  key id "
	       "(SHA-256 of the public key DER): %s\nGive the public key and its id to your "
	       "auditors through another channel.\n"),
	    cfg.key_path, cfg.key_path, key.id);
	ledger_key_wipe(&key);
	ledger_config_release(&cfg);
	return 0;
}

struct show_ctx {
	struct cli *cli;
	json_t *arr;
	struct table *t;
	const char *tz;
};

static int show_one(json_t *entry, const char *text, void *ctx)
{
	struct show_ctx *c = ctx;
	char seq[24], when[40], *summary;
	const char *type = json_string_value(json_object_get(entry, "type"));
	long long at = (long long)json_integer_value(json_object_get(entry, "at"));

	(void)text;
	if (c->arr) {
		json_array_append(c->arr, entry);
		return 0;
	}
	if (!type)
		type = "";
	snprintf(seq, sizeof(seq), "%lld",
	         (long long)json_integer_value(json_object_get(entry, "seq")));
	/* Stored times are hostile: only years 1970-9999 are shown. */
	if (at >= 0 && at <= 253402300799999LL)
		timeutil_local(at / 1000, c->tz, 1, when);
	else
		snprintf(when, sizeof(when), "-");
	summary = ledger_events_summary(type, json_object_get(entry, "payload"), c->cli->lang);
	{
		const char *row[] = {seq, when, ledger_events_label(type, c->cli->lang), summary};
		table_add_row(c->t, row);
	}
	free(summary);
	return 0;
}

/* --type names one of the types saasguard records; 0 or an exit status. */
static int known_type(struct cli *cli, const char *type)
{
	struct dynbuf list = DYNBUF_INIT;
	int rc;

	if (!type || ledger_events_type_known(type))
		return 0;
	for (size_t i = 0; ledger_events_types[i]; i++)
		dynbuf_printf(&list, "%s%s (%s)", i ? ", " : "", ledger_events_types[i],
		              ledger_events_label(ledger_events_types[i], cli->lang));
	rc = cli_usage_error(cli, "ledger show",
	                     TR(cli->lang, "--type '%s' は台帳の種別ではありません。種別: %s",
	                        "--type '%s' is not a ledger entry type; the types: %s"),
	                     type, dynbuf_ptr(&list));
	dynbuf_release(&list);
	return rc;
}

static int ledger_show(struct cli *cli, int argc, char **argv)
{
	static const char *const hdr_ja[] = {"番号", "日時", "種別", "内容"};
	static const char *const hdr_en[] = {"seq", "time", "type", "summary"};
	struct cli_ledger_opts o;
	struct store *s;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	struct table t;
	struct show_ctx ctx = {cli, NULL, NULL, "Asia/Tokyo"};
	const char *tz = getenv("TZ");
	int first, rc = cli_ledger_opts(cli, "ledger show", USAGE(cli), argc, argv,
	                                " db type from to format ", &o, &first);
	enum sg_code code;

	if (rc >= 0 || (rc = no_args(cli, "ledger show", first, argc, argv)) >= 0 ||
	    (rc = known_type(cli, o.type)))
		return rc;
	/* Local time: the zone in $TZ, else Japan's. */
	if (tz && *tz && timeutil_tz_valid(tz[0] == ':' ? tz + 1 : tz))
		ctx.tz = tz[0] == ':' ? tz + 1 : tz;
	if ((rc = cli_ledger_open(cli, &o, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	if (o.format == 1) {
		ctx.arr = json_array();
	} else {
		table_init(&t, 4, cli->lang == SG_LANG_EN ? hdr_en : hdr_ja);
		t.max_width = 80;
		ctx.t = &t;
	}
	code = ledger_each(s, o.type, o.from_ms, o.to_ms, show_one, &ctx, &err);
	store_close(s);
	if (!code) {
		if (ctx.arr) {
			char *j = json_dumps(ctx.arr, JSON_INDENT(2));
			dynbuf_addstr(&out, j);
			dynbuf_addch(&out, '\n');
			free(j);
		} else {
			dynbuf_printf(&out, TR(cli->lang, "時刻は %s\n", "times in %s\n"), ctx.tz);
			table_render(&t, TABLE_TEXT, &out);
		}
	}
	if (ctx.arr)
		json_decref(ctx.arr);
	else
		table_release(&t);
	rc = code ? cli_report(cli, &err) : cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

static int ledger_seal(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_seal_result r;
	struct store *s;
	struct sg_error err;
	int first, rc = cli_ledger_opts(cli, "ledger seal", USAGE(cli), argc, argv,
	                                " db key profile tsa-ca ", &o, &first);

	if (rc >= 0 || (rc = no_args(cli, "ledger seal", first, argc, argv)) >= 0)
		return rc;
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	if ((rc = cli_ledger_open(cli, &o, 0, &s))) {
		ledger_config_release(&cfg);
		return rc;
	}
	cli_error_init(cli, &err);
	if (ledger_seal_now(s, &cfg, &r, &err)) {
		rc = cli_report(cli, &err);
	} else if (!r.sealed) {
		printf(
		    TR(cli->lang,
		       "新しいエントリはありません (ツリーヘッドはエントリ %lld 件まで署名済み)\n",
		       "nothing new to seal (the tree heads cover all %lld entries)\n"),
		    r.tree_size);
	} else {
		cli_ledger_print_seal(cli, &cfg, &r);
		rc = cfg.tsa_url && !r.timestamped ? 1 : 0;
	}
	store_close(s);
	ledger_config_release(&cfg);
	return rc;
}

/* The trusted public keys: --public-key files, else the key's .pub. */
static int load_public_keys(struct cli *cli, const struct cli_ledger_opts *o,
                            const struct ledger_config *cfg, struct ledger_key *keys, size_t *n)
{
	struct sg_error err;

	cli_error_init(cli, &err);
	*n = 0;
	if (!o->nfiles) {
		char *pub = xstrfmt("%s.pub", cfg->key_path);
		enum sg_code rc = ledger_key_load_public(pub, &keys[0], &err);
		free(pub);
		if (rc) {
			if (rc == SG_ERR_NOT_FOUND)
				sg_error_hint(&err, "--public-key FILE");
			return cli_report(cli, &err);
		}
		*n = 1;
		return 0;
	}
	for (size_t i = 0; i < o->nfiles; i++) {
		if (ledger_key_load_public(o->files[i], &keys[i], &err))
			return cli_report(cli, &err);
		*n = i + 1;
	}
	return 0;
}

/* --checkpoint files, then the signer's record when this user can read it
 * (an auditor's copy of the database usually comes without it). */
static int load_checkpoints(struct cli *cli, const struct cli_ledger_opts *o,
                            const struct ledger_config *cfg, struct ledger_checkpoint *cps,
                            size_t *n)
{
	struct sg_error err;
	char *record;

	cli_error_init(cli, &err);
	*n = 0;
	for (size_t i = 0; i < o->ncheckpoints; i++) {
		enum sg_code rc = ledger_checkpoint_read(o->checkpoints[i], &cps[*n], &err);
		if (rc) {
			if (rc == SG_ERR_NOT_FOUND)
				err.code = SG_ERR_INPUT;
			return cli_report(cli, &err);
		}
		(*n)++;
	}
	record = ledger_signer_record_path(cfg->key_path);
	if (!ledger_checkpoint_read(record, &cps[*n], NULL))
		(*n)++;
	free(record);
	return 0;
}

/* --record: the outcome appended as a `ledger_verified` entry by "cli" (with
 * --profile a failure also alerts the profile's managers, delivered by the
 * monitor). 0 or an exit status after reporting. */
static int record_verification(struct cli *cli, const struct cli_ledger_opts *o, enum sg_code code,
                               const struct ledger_verify_report *r, const struct sg_error *verr,
                               double seconds)
{
	struct ledger_check c;
	struct store *s = NULL;
	struct profile *p = NULL;
	struct notify_config *ncfg = NULL;
	struct sg_error err;
	long long seq = 0;
	size_t alerted = 0;
	int rc = 0;

	/* the store could not be read: no outcome to record */
	if (ledger_check_outcome(code, r, verr, seconds, &c))
		return 0;
	cli_error_init(cli, &err);
	if (o->profile && (profile_load(o->profile, cli_catalog(cli), &p, &err) ||
	                   notify_config_load(p, &ncfg, &err)))
		rc = cli_report(cli, &err);
	if (!rc && !(rc = cli_ledger_open(cli, o, 0, &s))) {
		if (ledger_check_record(s, &c, "cli", ncfg, p ? p->service.name : NULL,
		                        p ? p->service.pattern : 0, &seq, &alerted, &err))
			rc = cli_report(cli, &err);
		else
			printf(TR(cli->lang, "検証結果を台帳のエントリ %lld に記録しました%s\n",
			          "recorded the result as ledger entry %lld%s\n"),
			       seq,
			       alerted ? TR(cli->lang, " (管理者に通知を登録)",
			                    " (managers alerted through the outbox)")
			               : "");
		store_close(s);
	}
	notify_config_free(ncfg);
	profile_free(p);
	ledger_check_release(&c);
	return rc;
}

static int ledger_verify_cmd(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_key keys[64];
	struct ledger_verify_opts vo;
	struct ledger_verify_report r;
	struct store *s;
	struct sg_error err;
	char when[40];
	size_t nkeys;
	struct ledger_checkpoint cps[17];
	size_t ncps = 0;
	int first, rc = cli_ledger_opts(
	               cli, "ledger verify", USAGE(cli), argc, argv,
	               " db key profile public-key tsa-ca from to checkpoint record ", &o, &first);
	enum sg_code code;
	double t0;

	if (rc >= 0 || (rc = no_args(cli, "ledger verify", first, argc, argv)) >= 0)
		return rc;
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	if ((rc = load_public_keys(cli, &o, &cfg, keys, &nkeys)) ||
	    (rc = load_checkpoints(cli, &o, &cfg, cps, &ncps)) ||
	    (rc = cli_ledger_open(cli, &o, STORE_READONLY, &s))) {
		for (size_t i = 0; i < ncps; i++)
			ledger_checkpoint_release(&cps[i]);
		ledger_config_release(&cfg);
		return rc;
	}
	memset(&vo, 0, sizeof(vo));
	vo.keys = keys;
	vo.nkeys = nkeys;
	vo.checkpoints = cps;
	vo.ncheckpoints = ncps;
	vo.tsa_ca_file = cfg.tsa_ca_file;
	vo.from_ms = o.from_ms;
	vo.to_ms = o.to_ms;
	cli_error_init(cli, &err);
	t0 = timeutil_monotonic_ms();
	code = ledger_verify(s, &vo, &r, &err);
	store_close(s);
	ledger_config_release(&cfg);
	for (size_t i = 0; i < ncps; i++)
		ledger_checkpoint_release(&cps[i]);
	if (o.record && (rc = record_verification(cli, &o, code, &r, &err,
	                                          (timeutil_monotonic_ms() - t0) / 1000.0)))
		return rc;
	if (code) {
		printf(TR(cli->lang, "検証失敗: %s\n", "VERIFICATION FAILED: %s\n"), err.msg);
		return cli_report(cli, &err);
	}
	printf(
	    TR(cli->lang,
	       "台帳を検証しました: エントリ %lld 件 (本文から再計算 %lld 件)、ツリーヘッド %lld "
	       "件 (署名はすべて有効、鍵 %.16s…)\n",
	       "ledger verified: %lld entries (%lld recomputed from their text), %lld tree heads "
	       "(every signature valid, key %.16s…)\n"),
	    r.entries, r.recomputed, r.heads, keys[0].id);
	if (r.heads) {
		timeutil_utc(r.last_head_ms / 1000, when);
		printf(TR(cli->lang, "最新のツリーヘッド: エントリ %lld 件、%s\n",
		          "latest tree head: %lld entries, %s\n"),
		       r.sealed, when);
	}
	printf(TR(cli->lang,
	          "ツリーヘッドの連鎖: 最初のヘッドから欠けなし (連鎖以前の旧形式ヘッド %lld 件)\n"
	          "チェックポイント: %lld 件と一致 (%s)\n",
	          "tree head chain: unbroken from the first head (%lld old-form heads before "
	          "the chain)\ncheckpoints: %lld agree (%s)\n"),
	       r.legacy_heads, r.checkpoints,
	       o.ncheckpoints < ncps
	           ? TR(cli->lang, "署名者の記録を含む", "the signer's record included")
	           : TR(cli->lang, "署名者の記録は読めないため含まず",
	                "the signer's record was not readable here"));
	if (r.heads_timestamped) {
		timeutil_utc(r.last_token_time, when);
		printf(
		    TR(cli->lang,
		       "タイムスタンプ: ツリーヘッド %lld 件中 %lld 件に RFC 3161 タイムスタンプ "
		       "(最新 %s)、%s\n",
		       "time-stamps: %lld of %lld tree heads carry an RFC 3161 time-stamp (latest "
		       "%s); %s\n"),
		    r.heads_timestamped, r.heads, when,
		    r.chains_checked
		        ? TR(cli->lang, "時刻認証局の証明書チェーンも検証済み",
		             "the TSA's certificate chain was checked")
		        : TR(cli->lang,
		             "時刻認証局の証明書チェーンは未検証 (--tsa-ca FILE で CA を指定)",
		             "the TSA's certificate chain was NOT checked (give --tsa-ca FILE)"));
		if (r.heads_timestamped < r.heads)
			printf(TR(cli->lang, "  タイムスタンプのないツリーヘッド: %lld 件\n",
			          "  tree heads without a time-stamp: %lld\n"),
			       r.heads - r.heads_timestamped);
	} else if (r.heads) {
		printf("%s",
		       TR(cli->lang,
		          "タイムスタンプ: なし (ツリーヘッドは署名済みですが、RFC 3161 "
		          "タイムスタンプはありません。プロファイルの ledger.tsa_url "
		          "で設定できます)\n",
		          "time-stamps: none (the tree heads are signed but not time-stamped; "
		          "set ledger.tsa_url in the profile)\n"));
	}
	if (r.entries > r.sealed)
		printf(
		    TR(cli->lang,
		       "未封印のエントリ: %lld 件 (最新のツリーヘッドより後。saasguard ledger seal "
		       "で封印できます)\n",
		       "unsealed entries: %lld (after the latest tree head; saasguard ledger seal "
		       "seals them)\n"),
		    r.entries - r.sealed);
	return 0;
}

static int ledger_proof(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct store *s;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	json_t *j = NULL;
	long long seq = -1;
	char *end, *text;
	struct ledger_config cfg;
	struct ledger_key keys[64];
	size_t nkeys;
	int first, rc = cli_ledger_opts(cli, "ledger proof", USAGE(cli), argc, argv,
	                                " db key profile public-key consistency ", &o, &first);
	enum sg_code code;

	if (rc >= 0)
		return rc;
	if (!o.consistency) {
		if (first + 1 != argc)
			return cli_usage_error(cli, "ledger proof", "%s",
			                       TR(cli->lang,
			                          "エントリ番号 SEQ を 1 つ指定してください",
			                          "give one entry number SEQ"));
		seq = strtoll(argv[first], &end, 10);
		if (*end || end == argv[first] || seq < 0)
			return cli_usage_error(cli, "ledger proof",
			                       TR(cli->lang,
			                          "SEQ は 0 以上の整数です ('%s' は不可)",
			                          "SEQ is a whole number from 0, not '%s'"),
			                       argv[first]);
	} else if ((rc = no_args(cli, "ledger proof", first, argc, argv)) >= 0) {
		return rc;
	}
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	rc = load_public_keys(cli, &o, &cfg, keys, &nkeys);
	ledger_config_release(&cfg);
	if (rc || (rc = cli_ledger_open(cli, &o, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	code = o.consistency ? ledger_consistency_proof(s, keys, nkeys, o.consistency, &j, &err)
	                     : ledger_inclusion_proof(s, keys, nkeys, seq, &j, &err);
	store_close(s);
	if (code)
		return cli_report(cli, &err);
	text = json_dumps(j, JSON_INDENT(2));
	dynbuf_addstr(&out, text);
	dynbuf_addch(&out, '\n');
	free(text);
	json_decref(j);
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

/* The latest head the public key verifies, as a checkpoint to keep. */
static int ledger_head(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_key keys[64];
	struct store_ledger_head head;
	struct store *s;
	struct sg_error err;
	struct dynbuf out = DYNBUF_INIT;
	size_t nkeys;
	json_t *j;
	char *text;
	int first, rc = cli_ledger_opts(cli, "ledger head", USAGE(cli), argc, argv,
	                                " db key profile public-key format ", &o, &first);
	enum sg_code code;

	if (rc >= 0 || (rc = no_args(cli, "ledger head", first, argc, argv)) >= 0)
		return rc;
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	rc = load_public_keys(cli, &o, &cfg, keys, &nkeys);
	ledger_config_release(&cfg);
	if (rc || (rc = cli_ledger_open(cli, &o, STORE_READONLY, &s)))
		return rc;
	cli_error_init(cli, &err);
	code = ledger_verify_latest_head(s, keys, nkeys, &head, &err);
	store_close(s);
	if (code)
		return cli_report(cli, &err);
	j = ledger_checkpoint_json(head.head, head.signature);
	if (o.format == 1) {
		text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
		dynbuf_addstr(&out, text);
		dynbuf_addch(&out, '\n');
		free(text);
	} else {
		dynbuf_addstr(&out, head.head);
		dynbuf_printf(&out, "signature %s\n",
		              json_string_value(json_object_get(j, "signature")));
	}
	json_decref(j);
	free(head.head);
	free(head.token);
	rc = cli_emit(cli, NULL, &out);
	dynbuf_release(&out);
	return rc;
}

static int ledger_export_cmd(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_key keys[64];
	struct ledger_export_result r;
	struct ledger_seal_result sr;
	struct store *s;
	struct sg_error err;
	struct stat st;
	size_t nkeys;
	int first, rc = cli_ledger_opts(cli, "ledger export", USAGE(cli), argc, argv,
	                                " db key profile public-key tsa-ca from to ", &o, &first);
	enum sg_code code;

	if (rc >= 0)
		return rc;
	if (first + 1 != argc)
		return cli_usage_error(cli, "ledger export", "%s",
		                       TR(cli->lang,
		                          "書き出し先のディレクトリ DIR を 1 つ指定してください",
		                          "give one directory DIR to export to"));
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	if ((rc = cli_ledger_open(cli, &o, 0, &s))) {
		ledger_config_release(&cfg);
		return rc;
	}
	cli_error_init(cli, &err);
	/* Seal what is new first, so the export reaches the present. */
	if (stat(cfg.key_path, &st) == 0) {
		if (ledger_seal_now(s, &cfg, &sr, &err)) {
			rc = cli_report(cli, &err);
			goto out;
		}
		cli_ledger_print_seal(cli, &cfg, &sr);
	}
	if ((rc = load_public_keys(cli, &o, &cfg, keys, &nkeys)))
		goto out;
	code =
	    ledger_export(s, &keys[0], cfg.tsa_ca_file, o.from_ms, o.to_ms, argv[first], &r, &err);
	if (code) {
		rc = cli_report(cli, &err);
		goto out;
	}
	printf(TR(cli->lang,
	          "%s に書き出しました: エントリ %lld〜%lld (%lld 件)、ツリーヘッド (エントリ %lld "
	          "件)%s\n検証手順は %s/VERIFY.md にあります\n",
	          "exported to %s: entries %lld-%lld (%lld), tree head of %lld entries%s\nthe "
	          "steps to check it are in %s/VERIFY.md\n"),
	       argv[first], r.first_seq, r.end_seq - 1, r.end_seq - r.first_seq, r.tree_size,
	       r.timestamped ? TR(cli->lang, "、タイムスタンプ付き", ", time-stamped")
	                     : TR(cli->lang, "、タイムスタンプなし", ", not time-stamped"),
	       argv[first]);
out:
	store_close(s);
	ledger_config_release(&cfg);
	return rc;
}

int cmd_ledger(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"keygen", ledger_keygen},     {"show", ledger_show}, {"seal", ledger_seal},
	    {"verify", ledger_verify_cmd}, {"head", ledger_head}, {"proof", ledger_proof},
	    {"export", ledger_export_cmd}, {NULL, NULL},
	};

	return cli_dispatch_sub(cli, "ledger", subs, USAGE(cli), argc, argv);
}

int cli_ledger_load_for(struct cli *cli, const struct profile *p, struct ledger_config *cfg)
{
	struct sg_error err;
	char *copy = xstrdup(p->path);
	enum sg_code rc;

	ledger_config_init(cfg);
	cli_error_init(cli, &err);
	rc = ledger_config_load(cfg, p->doc, profile_section(p, "ledger"), dirname(copy), &err);
	free(copy);
	if (rc) {
		ledger_config_release(cfg);
		return cli_report(cli, &err);
	}
	return 0;
}

int cli_ledger_seal_for(struct cli *cli, struct store *s, const struct profile *p)
{
	struct ledger_config cfg;
	struct ledger_seal_result sr;
	struct sg_error err;
	struct stat st;
	int rc = cli_ledger_load_for(cli, p, &cfg);

	if (rc)
		return rc;
	cli_error_init(cli, &err);
	/* Without a key the entries wait, unsealed, for the first head. */
	if (stat(cfg.key_path, &st) == 0) {
		if (ledger_maybe_seal(s, &cfg, &sr, &err))
			rc = cli_report(cli, &err);
		else if (sr.sealed)
			/* A side note: stdout carries the command's own output
			 * (JSON, a report). */
			fprintf(
			    stderr,
			    TR(cli->lang,
			       "saasguard: 証跡台帳のツリーヘッド #%lld に署名しました (エントリ "
			       "%lld 件)%s%s\n",
			       "saasguard: signed ledger tree head #%lld (%lld entries)%s%s\n"),
			    sr.head_id, sr.tree_size,
			    sr.timestamped ? TR(cli->lang, "、タイムスタンプ付き", ", time-stamped")
			    : cfg.tsa_url
			        ? TR(cli->lang, "、タイムスタンプなし: ", ", no time-stamp: ")
			        : "",
			    !sr.timestamped && cfg.tsa_url ? sr.tsa_error : "");
	}
	ledger_config_release(&cfg);
	return rc;
}
