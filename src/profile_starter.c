/*
 * profile_starter - the starter profile of `saasguard init`; see
 * profile_starter.h.
 */
#include <string.h>

#include "i18n.h"
#include "judge.h"
#include "profile_starter.h"
#include "banned.h"

#define COMMENT_COLS 76

/* "# text" lines, wrapped at COMMENT_COLS display columns. */
static void comment(struct dynbuf *out, const char *indent, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t para = nl ? (size_t)(nl - p) : strlen(p);
		char *line = NULL;
		size_t done = 0;

		while (done < para || !para) {
			size_t rest = para - done, take;
			char buf[1024];
			if (rest >= sizeof(buf))
				rest = sizeof(buf) - 1;
			memcpy(buf, p + done, rest);
			buf[rest] = '\0';
			take = i18n_fit_bytes(buf, COMMENT_COLS);
			if (!take)
				take = rest ? 1 : 0;
			/* break English at a space */
			if (take < rest) {
				size_t sp = take;
				while (sp > 0 && buf[sp] != ' ')
					sp--;
				if (sp > take / 2)
					take = sp + 1;
			}
			dynbuf_printf(out, "%s#   ", indent);
			dynbuf_add(out, buf, take);
			while (out->len && out->buf[out->len - 1] == ' ')
				dynbuf_setlen(out, out->len - 1);
			dynbuf_addch(out, '\n');
			done += take;
			if (!para)
				break;
		}
		(void)line;
		p += para + (nl ? 1 : 0);
	}
}

static void yaml_quoted(struct dynbuf *out, const char *s)
{
	dynbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			dynbuf_addch(out, '\\');
		if (*s == '\n')
			dynbuf_addstr(out, "\\n");
		else
			dynbuf_addch(out, *s);
	}
	dynbuf_addch(out, '"');
}

/* An example value for an item: the reference's own, in the value grammar. */
static void example(const struct eval_item *it, int pattern, struct dynbuf *out)
{
	const struct reference_value *m = judge_model(it, pattern);

	switch (m->kind) {
	case REF_ANY_OF:
	case REF_ALL_OF:
		dynbuf_addch(out, '[');
		value_set_format(m->quantity.set, m->quantity.members, out);
		dynbuf_addch(out, ']');
		break;
	case REF_EVERY_BACKUP:
		dynbuf_addstr(out, "every_backup");
		break;
	case REF_DONE:
		dynbuf_addstr(out, "true");
		break;
	case REF_24X7:
		dynbuf_addstr(out, "24x7");
		break;
	default:
		if (m->quantity.type == VALUE_PERCENT || m->quantity.type == VALUE_SET)
			value_format(&m->quantity, out);
		else
			dynbuf_addstr(out, m->quantity_text);
	}
}

static void control_entry(const struct control *c, int pattern, int en, struct dynbuf *out)
{
	dynbuf_printf(out, en ? "\n  # %s %s [%s]\n" : "\n  # %s %s【%s】\n", c->id,
	              en ? c->title_en : c->title_ja,
	              en ? catalog_level_name(c->level) : catalog_level_name_ja(c->level));
	comment(out, "  ", en ? c->summary_en : c->text_ja);
	dynbuf_printf(out, "  %s:\n    status: not_implemented\n    owner:\n    evidence: []\n",
	              c->id);
	if (!c->nitems)
		return;
	dynbuf_printf(out, "    values:%s\n",
	              en ? "   # * marks a value that must especially be met"
	                 : "   # * は特に達成が必要な値");
	for (size_t k = 0; k < c->nitems; k++) {
		const struct eval_item *it = &c->items[k];
		const struct reference_value *r = catalog_item_ref(it, pattern);
		struct dynbuf ex = DYNBUF_INIT;
		example(it, pattern, &ex);
		if (r->kind == REF_NONE)
			dynbuf_printf(out,
			              en ? "      # %c: %-14s # %s — reference: - (none for "
			                   "this pattern; set targets: %c: to commit to one)\n"
			                 : "      # %c: %-14s # %s — 対策参照値: -（このパターン"
			                   "には参照値なし。targets: %c: で目標を定められます）\n",
			              it->letter, dynbuf_ptr(&ex), en ? it->name_en : it->name_ja,
			              it->letter);
		else {
			/* English: the reference in words (the Japanese keeps the guideline's text)
			 */
			struct dynbuf ref = DYNBUF_INIT;
			if (!en)
				dynbuf_addstr(&ref, r->text_ja);
			else if (!judge_token_words(r->quantity_text, 1, &ref))
				judge_value_words(&r->quantity, r->kind, 1, &ref);
			if (en && it->starts_en)
				dynbuf_printf(&ref, " %s", it->starts_en);
			dynbuf_printf(out,
			              en ? "      # %c: %-14s # %s — reference: %s%s\n"
			                 : "      # %c: %-14s # %s — 対策参照値: %s%s\n",
			              it->letter, dynbuf_ptr(&ex), en ? it->name_en : it->name_ja,
			              dynbuf_ptr(&ref), r->required ? "*" : "");
			dynbuf_release(&ref);
		}
		dynbuf_release(&ex);
	}
}

/* The controls in I.8.6's order of who reads what: II for managers, then
 * III for technicians, 基本 before 推奨. */
static void controls_block(const struct catalog *cat, int pattern, int en, struct dynbuf *out)
{
	static const struct {
		int part, level;
		const char *ja, *en;
	} passes[] = {
	    {2, -1, "II 組織・運用編（経営者等の組織管理者が実施します: I.8.6）",
	     "II Organisation and operation (for managers: I.8.6)"},
	    {3, LEVEL_BASIC,
	     "III 物理的・技術的対策編「基本」（運用現場の技術者が、パターンを確認のうえ優先して"
	     "実施します: I.8.6）",
	     "III Physical and technical, basic (for technicians, first: I.8.6)"},
	    {3, LEVEL_RECOMMENDED, "III 物理的・技術的対策編「推奨」（基本の次に実施します）",
	     "III Physical and technical, recommended (after the basic ones)"},
	};

	dynbuf_addstr(out, "\ncontrols:\n");
	for (size_t p = 0; p < sizeof(passes) / sizeof(passes[0]); p++) {
		const char *section = "";
		dynbuf_printf(out, "\n  # ######## %s ########\n",
		              en ? passes[p].en : passes[p].ja);
		for (size_t i = 0; i < cat->ncontrols; i++) {
			const struct control *c = &cat->controls[i];
			const struct section *sec = catalog_section(cat, c->section);
			if (c->part != passes[p].part ||
			    (passes[p].level >= 0 && (int)c->level != passes[p].level))
				continue;
			if (strcmp(section, c->section)) {
				section = c->section;
				dynbuf_printf(out, "\n  # ==== %s %s ====\n",
				              sec ? sec->id : c->section,
				              sec ? (en ? sec->title_en : sec->title_ja) : "");
			}
			control_entry(c, pattern, en, out);
		}
	}
}

/* The other sections, each with guidance in comments; as written they load
 * (commented-out blocks are null) and change nothing until filled in. */
static const char sections_ja[] =
    "\n"
    "# ==== 事業者（provider:）: お客様へのメール・報告書の差出人と署名 ====\n"
    "# 利用者に届くメールと報告書は、ここに書いた事業者の名前と窓口で送られます。\n"
    "# 記入したら行頭の # を外してください。\n"
    "# provider:\n"
    "#   name: 株式会社〇〇             # 会社名（お客様から見た正式名称。{ja: …, en: …} でも可）\n"
    "#   service_name: 〇〇クラウド      # お客様から見たサービス名\n"
    "#   desk: サポートデスク           # お問い合わせ窓口の名前\n"
    "#   email: support@example.jp     # 窓口のメールアドレス（差出人・Message-ID のドメイン）\n"
    "#   phone: 03-0000-0000\n"
    "#   hours: 平日 9:00〜18:00\n"
    "#   status_url: https://status.example.jp/\n"
    "#   signature: |\n"
    "#     株式会社〇〇 サポートデスク\n"
    "\n"
    "# ==== 連携 ASP・SaaS 事業者・外部委託先（partners:）: II.2.2、II.3、II.8.1.1 ====\n"
    "# 組み込んでいる他社のサービス（連携 ASP・SaaS、I.9.2 vii）や委託先を書きます。\n"
    "# 書いた場合、II.3.1.x（role: partner のとき）と II.2.2.x は対象外にできません。\n"
    "# II.8.1.1（一元的なユーザサポート）は連携の有無にかかわらず必要です。\n"
    "partners:\n"
    "  # - {name: 〇〇決済サービス, role: partner, provides: クレジットカード決済, contract: SLA "
    "99.9%%}\n"
    "  # - {name: 〇〇データセンタ, role: outsourcing, provides: ハウジング, contract: "
    "年次監査報告書}\n"
    "\n"
    "# ==== 稼働・障害・パフォーマンス監視（monitor:）: III.1.1.1〜III.1.1.3 ====\n"
    "# saasguard monitor が監視します。間隔はパターン %d の対策参照値以内にしてください。\n"
    "# label: はお客様向けの名前です（メールや報告書に出ます。URL やチェック名は出ません）。\n"
    "monitor:\n"
    "  # confirm: 2                   # 続けて何回失敗したら停止とみなすか\n"
    "  # checks:\n"
    "  #   - {name: web, label: ログイン画面, kind: liveness, type: http,\n"
    "  #      url: \"https://app.example.jp/healthz\", expect_status: 200}\n"
    "\n"
    "# ==== 利用者への通知（notify:）: III.1.1.1.b、III.1.1.2.b、III.1.1.8 ====\n"
    "# 停止・障害を検知したら、対策参照値の時間内に利用者へ通知します。\n"
    "notify:\n"
    "  # smtp: {url: \"smtp://mail.example.jp:587\", from: \"support@example.jp\"}\n"
    "  # all_users:      [{email: \"users@customer.example.jp\"}]     # 利用者全員\n"
    "  # admin_contacts: [{email: \"it@customer.example.jp\"}]        # 利用者の管理者\n"
    "  # managers:       [{email: \"ops@example.jp\"}]                 # 当社の管理責任者\n"
    "\n"
    "# ==== サービス提供時間帯（service_hours:）: III.2.1.1 の稼働率の計算に使います ====\n"
    "service_hours: {days: mon-sun, from: \"00:00\", to: \"24:00\", timezone: Asia/Tokyo}\n"
    "\n"
    "# ==== サーバ上の計測（collectors:）: saasguard check ====\n"
    "# 時刻同期（III.1.1.5）、パッチ（III.1.1.6）、ウイルス対策（III.2.2.1）、バックアップ\n"
    "# （III.2.3.1）、ログの保存期間（III.2.1.3）、ファイアウォール（III.3.1.4）などを計測し、\n"
    "# saasguard assess --db で評価に反映します。使わない計測は false にします。\n"
    "collectors:\n"
    "  timeout: 30s\n"
    "  # backup: {directory: /var/backups, pattern: \"*.gz\", window: 30d}\n"
    "\n"
    "# ==== 証跡台帳（ledger:）: 評価・計測・記録（saasguard attest）の改ざん検知 ====\n"
    "# 台帳の先頭を一定件数・一定時間ごとに署名します（鍵: saasguard ledger keygen）。\n"
    "ledger:\n"
    "  seal_every_entries: 1000\n"
    "  seal_every: 10m\n"
    "  # tsa_url: https://tsa.example.jp/tsa   # RFC 3161 のタイムスタンプ局\n"
    "\n"
    "# ==== 定期報告（reports:）: III.1.1.7 ====\n"
    "# 報告期間（パターン %d の対策参照値: %s）が締まると、利用者向けと管理責任者向けの報告書を\n"
    "# PDF で作り、notify: の宛先に送ります。\n"
    "reports:\n"
    "  # enabled: true\n"
    "  # audiences: [users, managers]\n";

static const char sections_en[] =
    "\n"
    "# ==== Provider (provider:): the sender and signature of mail and reports ====\n"
    "# Mail and reports to users go out under this name and desk. Remove the # when filled in.\n"
    "# provider:\n"
    "#   name: Example Co., Ltd.      # or {ja: …, en: …}\n"
    "#   service_name: Example Cloud\n"
    "#   desk: Support desk\n"
    "#   email: support@example.jp\n"
    "#   phone: +81-3-0000-0000\n"
    "#   hours: weekdays 9:00-18:00\n"
    "#   status_url: https://status.example.jp/\n"
    "#   signature: |\n"
    "#     Example Co., Ltd. Support desk\n"
    "\n"
    "# ==== Partner services and contractors (partners:): II.2.2, II.3, II.8.1.1 ====\n"
    "# With partners listed, II.3.1.x (role: partner) and II.2.2.x cannot be not applicable;\n"
    "# II.8.1.1 (unified user support) applies whether or not.\n"
    "partners:\n"
    "  # - {name: Example Pay, role: partner, provides: card payments, contract: SLA 99.9%%}\n"
    "\n"
    "# ==== Monitoring (monitor:): III.1.1.1 to III.1.1.3 ====\n"
    "# Intervals within pattern %d's reference values; label: is the name users see.\n"
    "monitor:\n"
    "  # confirm: 2\n"
    "  # checks:\n"
    "  #   - {name: web, label: Login page, kind: liveness, type: http,\n"
    "  #      url: \"https://app.example.jp/healthz\", expect_status: 200}\n"
    "\n"
    "# ==== Notices to users (notify:): III.1.1.1.b, III.1.1.2.b, III.1.1.8 ====\n"
    "notify:\n"
    "  # smtp: {url: \"smtp://mail.example.jp:587\", from: \"support@example.jp\"}\n"
    "  # all_users:      [{email: \"users@customer.example.jp\"}]\n"
    "  # admin_contacts: [{email: \"it@customer.example.jp\"}]\n"
    "  # managers:       [{email: \"ops@example.jp\"}]\n"
    "\n"
    "# ==== Service hours (service_hours:): for the availability of III.2.1.1 ====\n"
    "service_hours: {days: mon-sun, from: \"00:00\", to: \"24:00\", timezone: Asia/Tokyo}\n"
    "\n"
    "# ==== Measurements on the server (collectors:): saasguard check ====\n"
    "collectors:\n"
    "  timeout: 30s\n"
    "\n"
    "# ==== Evidence ledger (ledger:) ====\n"
    "ledger:\n"
    "  seal_every_entries: 1000\n"
    "  seal_every: 10m\n"
    "\n"
    "# ==== Periodic reports (reports:): III.1.1.7 ====\n"
    "# Reporting period for pattern %d: %s.\n"
    "reports:\n"
    "  # enabled: true\n"
    "  # audiences: [users, managers]\n";

enum sg_code profile_starter(const struct catalog *cat, const struct starter_opts *o,
                             struct dynbuf *out, struct sg_error *err)
{
	int en = o->lang == SG_LANG_EN;
	const struct eval_item *report = catalog_item(cat, "III.1.1.7.a");
	const char *period = report ? catalog_item_ref(report, o->pattern)->text_ja : "";

	if (o->pattern < 1 || o->pattern > CATALOG_PATTERNS)
		return sg_error_set(
		    err, SG_ERR_USAGE,
		    ETR(err, "パターン %d は 1〜6 ではありません", "pattern %d is not 1 to 6"),
		    o->pattern);
	dynbuf_printf(
	    out,
	    en ? "# saasguard profile (written by `saasguard init`): one file per service.\n"
	         "# The MIC ASP/SaaS information security guideline, pattern %d.\n"
	         "# For each countermeasure set status: implemented | partial | planned |\n"
	         "# not_implemented | not_applicable | accepted_risk; add owner, evidence\n"
	         "# ({title, path, sha256, collected, expires}) and the values of its\n"
	         "# evaluation items. not_applicable and accepted_risk need reason:, and\n"
	         "# accepted_risk needs expires:. Then run: saasguard assess FILE\n"
	       : "# saasguard プロファイル（saasguard init で作成）: サービスごとに1ファイル。\n"
	         "# 総務省「ASP・SaaS における情報セキュリティ対策ガイドライン」パターン %d。\n"
	         "# 対策項目ごとに status: implemented（実施済み）| partial（一部実施）|\n"
	         "# planned（計画中）| not_implemented（未実施）| not_applicable（対象外）|\n"
	         "# "
	         "accepted_"
	         "risk（リスク受容）を書き（括弧内の日本語でも書けます）、owner（担当）、\n"
	         "# evidence（証跡: title, path, sha256, collected, expires）、評価項目の values "
	         "を\n"
	         "# 記入します。not_applicable と accepted_risk には reason:、accepted_risk には\n"
	         "# expires: が必要です。記入後: saasguard assess ファイル名\n"
	         "# 対策項目は認証基準ではなく指標、対策参照値は目安です（I.8.1、I.8.5）。\n",
	    o->pattern);
	dynbuf_addstr(out, "service:\n  name: ");
	yaml_quoted(out, o->name ? o->name : (en ? "(service name)" : "（サービス名）"));
	dynbuf_addch(out, '\n');
	if (o->classified)
		dynbuf_printf(out,
		              "  classification: {personal_information: %s, trade_secrets: %s, "
		              "availability: %s}   # %s %d\n",
		              o->personal_information ? "true" : "false",
		              o->trade_secrets ? "true" : "false", o->availability,
		              en ? "gives pattern" : "→ パターン", o->pattern);
	else
		dynbuf_printf(out, "  pattern: %d\n", o->pattern);
	dynbuf_printf(out, en ? sections_en : sections_ja, o->pattern, o->pattern, period);
	controls_block(cat, o->pattern, en, out);
	return dynbuf_status(out);
}
