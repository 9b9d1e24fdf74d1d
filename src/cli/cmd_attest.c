/*
 * cmd_attest - `saasguard attest CONTROL --note TEXT [--evidence FILE ...]`:
 * a manual attestation (a review done, a drill held, a document approved)
 * recorded in the evidence ledger with each evidence file's SHA-256, then
 * sealed when the profile's sealing interval says so.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "ledger.h"
#include "ledger_events.h"
#include "store.h"
#include "banned.h"

static const char usage_ja[] =
    "使い方: saasguard attest CONTROL --note TEXT [--evidence FILE ...] [--db PATH] [--key PATH]\n"
    "                        [--profile PATH]\n\n"
    "手作業で行った対策 (レビューの実施、訓練、文書の承認など) を証跡台帳に記録します。\n"
    "CONTROL は対策項目か評価項目の ID (III.1.1.1、III.1.1.1.a)。--evidence で添えたファイルは\n"
    "SHA-256 を記録します (ファイル自体は保管しません)。記録 (誰が・いつ・内容・SHA-256) は\n"
    "saasguard assess --db の証跡としてすべての形式に表示されます。\n";
static const char usage_en[] =
    "usage: saasguard attest CONTROL --note TEXT [--evidence FILE ...] [--db PATH] [--key PATH]\n"
    "                        [--profile PATH]\n\n"
    "Records a manual attestation (a review done, a drill held, a document approved) in the\n"
    "evidence ledger. CONTROL is a countermeasure or evaluation item id (III.1.1.1,\n"
    "III.1.1.1.a). Each --evidence file's SHA-256 is recorded (the file itself is not kept).\n"
    "Attestations (who, when, the note, each SHA-256) show with the evidence of\n"
    "saasguard assess --db in every format.\n";

static const char *who(void)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return pw->pw_name;
	u = getenv("USER");
	return u && *u ? u : "unknown";
}

/* The control or item id, normalised; 0, or an exit status after reporting
 * with suggestions. */
static int control_id(struct cli *cli, const char *arg, char *out, size_t outsz)
{
	const struct catalog *cat = cli_catalog(cli);
	const char *near[5];
	struct sg_error err;
	size_t n;

	cli_error_init(cli, &err);
	if (!catalog_normalize_id(arg, out, outsz, &err) &&
	    (catalog_control(cat, out) || catalog_item(cat, out)))
		return 0;
	fprintf(stderr,
	        TR(cli->lang,
	           "saasguard attest: '%s' はガイドラインの対策項目・評価項目ではありません\n",
	           "saasguard attest: '%s' is not a countermeasure or evaluation item of the "
	           "guideline\n"),
	        arg);
	n = catalog_suggest(cat, arg, near, 5);
	if (n) {
		fprintf(stderr, "%s", TR(cli->lang, "  もしかして:", "  did you mean:"));
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", near[i]);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "%s",
	        TR(cli->lang, "  一覧は saasguard catalog list で確認できます\n",
	           "  saasguard catalog list shows them all\n"));
	return 2;
}

int cmd_attest(struct cli *cli, int argc, char **argv)
{
	struct cli_ledger_opts o;
	struct ledger_config cfg;
	struct ledger_seal_result sr;
	struct store *s = NULL;
	struct sg_error err;
	struct stat st;
	char id[64];
	struct ledger_events_evidence ev[64];
	char hex[64][65];
	long long seq = -1;
	int first, rc = cli_ledger_opts(cli, "attest", TR(cli->lang, usage_ja, usage_en), argc,
	                                argv, " db key profile note evidence ", &o, &first);

	if (rc >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error(cli, "attest", "%s",
		                       TR(cli->lang,
		                          "対策項目の ID (例: III.1.1.1) を指定してください",
		                          "give a countermeasure id, such as III.1.1.1"));
	if (first + 1 < argc)
		return cli_extra_argument(cli, "attest", argv[first + 1]);
	if (!o.note || !*o.note)
		return cli_usage_error(cli, "attest", "%s",
		                       TR(cli->lang,
		                          "--note で何を行ったかを書いてください (例: --note "
		                          "\"2026年度 BCP 訓練を実施\")",
		                          "say what was done with --note (e.g. --note \"FY2026 "
		                          "BCP drill held\")"));
	if ((rc = control_id(cli, argv[first], id, sizeof(id))))
		return rc;
	cli_error_init(cli, &err);
	for (size_t i = 0; i < o.nfiles; i++) {
		if (fileio_sha256_hex(o.files[i], hex[i], &err) || stat(o.files[i], &st)) {
			if (!err.msg[0])
				sg_error_set(&err, SG_ERR_IO,
				             ETR(&err, "%s: 読めません", "%s: cannot read"),
				             o.files[i]);
			return cli_report(cli, &err);
		}
		ev[i].file = o.files[i];
		ev[i].sha256_hex = hex[i];
		ev[i].bytes = (long long)st.st_size;
		ev[i].name = NULL;
	}
	if ((rc = cli_ledger_config(cli, &o, &cfg)))
		return rc;
	if ((rc = cli_ledger_open(cli, &o, 0, &s)))
		goto out;
	if (ledger_events_attestation(s, id, o.note, who(), NULL, ev, o.nfiles, &seq, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	printf(TR(cli->lang, "証跡台帳に記録しました: エントリ %lld (%s、証跡ファイル %zu 件)\n",
	          "recorded in the evidence ledger: entry %lld (%s, %zu evidence files)\n"),
	       seq, id, o.nfiles);
	if (stat(cfg.key_path, &st) != 0) {
		fprintf(stderr,
		        TR(cli->lang,
		           "saasguard: 注意: 署名鍵 %s がないため封印していません "
		           "(saasguard ledger keygen)\n",
		           "saasguard: note: not sealed, there is no signing key %s "
		           "(saasguard ledger keygen)\n"),
		        cfg.key_path);
	} else if (ledger_maybe_seal(s, &cfg, &sr, &err)) {
		rc = cli_report(cli, &err);
	} else {
		cli_ledger_print_seal(cli, &cfg, &sr);
	}
out:
	store_close(s);
	ledger_config_release(&cfg);
	return rc;
}
