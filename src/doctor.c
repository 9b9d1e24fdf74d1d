/*
 * doctor - host set-up checks (see doctor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include <curl/curl.h>

#include "doctor.h"
#include "dynbuf.h"
#include "fileio.h"
#include "i18n.h"
#include "ledger_tsa.h"
#include "monitor.h"
#include "store.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

#define DL(o, ja, en) ((o)->lang == SG_LANG_EN ? (en) : (ja))

static struct doctor_finding *add(struct doctor_report *r, const char *check, enum doctor_status st)
{
	struct doctor_finding *f;

	r->f = xreallocarray(r->f, r->n + 1, sizeof(*r->f));
	f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	f->check = check;
	f->status = st;
	return f;
}

static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

#define MSG(f, ...) say((f)->msg, sizeof((f)->msg), __VA_ARGS__)
#define FIX(f, ...) say((f)->fix, sizeof((f)->fix), __VA_ARGS__)

/* ---- files ---- */

/* A PostgreSQL store has no file to look at: can this user reach it? */
static void check_pg_store(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	struct store *s;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = o->lang;
	if (store_open(o->db, STORE_READONLY, &s, &err)) {
		f = add(r, "store", DOCTOR_FAIL);
		MSG(f, "%s", err.msg);
		FIX(f, "%s",
		    DL(o,
		       "接続先・ロール・~/.pgpass（0600）を確認してください。スキーマは "
		       "saasguard monitor か check の初回実行で作られます",
		       "check the host, the role and ~/.pgpass (0600); the schema is created "
		       "by the first saasguard monitor or check"));
		return;
	}
	f = add(r, "store", DOCTOR_OK);
	MSG(f,
	    DL(o, "PostgreSQL のストアに接続できます（監視スキーマ v%d）",
	       "the PostgreSQL store answers (monitor schema v%d)"),
	    store_schema_version(s, "monitor"));
	store_close(s);
}

static void check_store(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	struct stat st, dst;
	char *copy, *dir;

	if (store_kind_of(o->db) == STORE_POSTGRES) {
		check_pg_store(o, r);
		return;
	}
	copy = xstrdup(o->db);
	dir = dirname(copy);

	if (stat(o->db, &st)) {
		f = add(r, "store", DOCTOR_WARN);
		MSG(f,
		    DL(o, "データベース %s はまだありません", "the database %s does not exist yet"),
		    o->db);
		FIX(f, "%s",
		    DL(o, "saasguard monitor か saasguard check を一度実行すると作られます（0600）",
		       "running saasguard monitor or saasguard check once creates it (0600)"));
	} else if (st.st_mode & 0077) {
		f = add(r, "store", DOCTOR_FAIL);
		MSG(f,
		    DL(o, "データベース %s のモードが %04o です（他のユーザーが読めます）",
		       "the database %s has mode %04o (others can read it)"),
		    o->db, (unsigned)(st.st_mode & 07777));
		FIX(f, "chmod 600 %s", o->db);
	} else if (st.st_uid != geteuid()) {
		f = add(r, "store", DOCTOR_WARN);
		MSG(f,
		    DL(o, "データベース %s の所有者（uid %u）がこのユーザー（uid %u）と違います",
		       "the database %s is owned by uid %u, not by this user (uid %u)"),
		    o->db, (unsigned)st.st_uid, (unsigned)geteuid());
		FIX(f,
		    DL(o,
		       "saasguard を実行するユーザーで chown してください（例: chown saasguard: "
		       "%s）",
		       "chown it to the user that runs saasguard (e.g. chown saasguard: %s)"),
		    o->db);
	} else {
		f = add(r, "store", DOCTOR_OK);
		MSG(f, DL(o, "データベース %s（0600）", "database %s (0600)"), o->db);
	}
	if (!stat(dir, &dst) && (dst.st_mode & 0077) && f->status != DOCTOR_FAIL) {
		f->status = DOCTOR_FAIL;
		MSG(f,
		    DL(o, "データベースのディレクトリ %s のモードが %04o です",
		       "the database's directory %s has mode %04o"),
		    dir, (unsigned)(dst.st_mode & 07777));
		FIX(f, "chmod 700 %s", dir);
	}
	free(copy);
}

static void check_key(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	struct stat st;

	if (stat(o->key, &st)) {
		f = add(r, "key", DOCTOR_FAIL);
		MSG(f,
		    DL(o, "証跡台帳の署名鍵 %s がありません（ツリーヘッドに署名できません）",
		       "the ledger's signing key %s is missing (no tree head can be signed)"),
		    o->key);
		FIX(f, "saasguard ledger keygen --key %s", o->key);
	} else if (st.st_mode & 0077) {
		f = add(r, "key", DOCTOR_FAIL);
		MSG(f,
		    DL(o, "署名鍵 %s のモードが %04o です（他のユーザーが読めます）",
		       "the signing key %s has mode %04o (others can read it)"),
		    o->key, (unsigned)(st.st_mode & 07777));
		FIX(f, "chmod 600 %s", o->key);
	} else {
		f = add(r, "key", DOCTOR_OK);
		MSG(f, DL(o, "署名鍵 %s（0600）", "signing key %s (0600)"), o->key);
	}
}

/* ---- network ---- */

struct upload {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t want = size * n, left = u->len - u->off;

	if (want > left)
		want = left;
	memcpy(buf, u->data + u->off, want);
	u->off += want;
	return want;
}

static size_t sink(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static char *read_secret(const struct doctor_opts *o, const char *path, struct doctor_finding *f)
{
	struct stat st;
	struct dynbuf b = DYNBUF_INIT;
	char *s;

	if (stat(path, &st) || (st.st_mode & 0077)) {
		f->status = DOCTOR_FAIL;
		MSG(f,
		    DL(o, "SMTP のパスワードファイル %s がないか、モードが 0600 ではありません",
		       "the SMTP password file %s is missing or not mode 0600"),
		    path);
		FIX(f, "chmod 600 %s", path);
		return NULL;
	}
	if (fileio_read(path, 4096, &b, NULL)) {
		dynbuf_release(&b);
		return NULL;
	}
	while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		dynbuf_setlen(&b, b.len - 1);
	s = dynbuf_detach(&b, NULL);
	return s ? s : xstrdup("");
}

static void check_smtp(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	CURL *e;
	CURLcode cc;
	struct curl_slist *rcpt = NULL;
	struct dynbuf msg = DYNBUF_INIT;
	struct upload up = {NULL, 0, 0};
	char *password = NULL;
	char date[64];

	if (!o->smtp_url) {
		f = add(r, "smtp", DOCTOR_SKIP);
		MSG(f, "%s",
		    DL(o, "notify.smtp がありません（メール通知なし）",
		       "no notify.smtp (no mail notifications)"));
		return;
	}
	f = add(r, "smtp", DOCTOR_OK);
	if (o->smtp_password_file && !(password = read_secret(o, o->smtp_password_file, f)))
		return;
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, o->smtp_url);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * 1000));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS as the daemon does it (notify): required unless the profile
	 * says off or opportunistic, so doctor never passes what notify refuses. */
	if (!o->smtp_starttls || !strcmp(o->smtp_starttls, "required") ||
	    !strcmp(o->smtp_starttls, "true"))
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (!strcmp(o->smtp_starttls, "opportunistic"))
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (o->smtp_no_verify) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->smtp_username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, o->smtp_username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, password ? password : "");
	}
	if (o->test_mail_to) {
		time_t now = (time_t)timeutil_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		dynbuf_printf(&msg,
		              "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\n"
		              "Subject: =?UTF-8?B?c2Fhc2d1YXJkIGRvY3RvcjogdGVzdA==?=\r\n"
		              "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		              "Content-Transfer-Encoding: 8bit\r\n\r\n"
		              "saasguard doctor のテストメールです。\r\n"
		              "This is a test mail from saasguard doctor.\r\n",
		              date, o->smtp_from ? o->smtp_from : "saasguard@localhost",
		              o->test_mail_to);
		up.data = dynbuf_ptr(&msg);
		up.len = dynbuf_len(&msg);
		rcpt = curl_slist_append(rcpt, o->test_mail_to);
		curl_easy_setopt(e, CURLOPT_MAIL_FROM,
		                 o->smtp_from ? o->smtp_from : "saasguard@localhost");
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, &up);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "NOOP");
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	}
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		f->status = DOCTOR_FAIL;
		MSG(f,
		    DL(o, "SMTP サーバ %s に接続できません: %s",
		       "cannot reach the SMTP server %s: %s"),
		    o->smtp_url, curl_easy_strerror(cc));
		const char *starttls_fix =
		    DL(o,
		       "サーバが STARTTLS に対応していません。対応させるか、信頼できる経路"
		       "（同じホストの中継など）に限り notify.smtp.starttls: off と書きます",
		       "the server does not offer STARTTLS: enable it, or, on a trusted path "
		       "only, write notify.smtp.starttls: off");
		const char *reach_fix =
		    DL(o,
		       "notify.smtp.url のホストとポート、ファイアウォール、認証情報"
		       "（username・password_file）を確かめてください",
		       "check notify.smtp.url's host and port, the firewall and the "
		       "credentials (username, password_file)");
		FIX(f, "%s", cc == CURLE_USE_SSL_FAILED ? starttls_fix : reach_fix);
	} else if (o->test_mail_to) {
		MSG(f,
		    DL(o, "SMTP サーバ %s がテストメール（宛先 %s）を受け付けました",
		       "the SMTP server %s accepted a test mail to %s"),
		    o->smtp_url, o->test_mail_to);
	} else {
		MSG(f,
		    DL(o, "SMTP サーバ %s が応答しました（テストメールは --test-mail で送ります）",
		       "the SMTP server %s answers (--test-mail sends a test mail)"),
		    o->smtp_url);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(e);
	dynbuf_release(&msg);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
}

static void check_tsa(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	unsigned char *token = NULL;
	size_t tlen = 0;
	struct sg_error err;
	static const char probe[] = "saasguard doctor";

	if (!o->tsa_url) {
		f = add(r, "tsa", DOCTOR_SKIP);
		MSG(f, "%s",
		    DL(o, "ledger.tsa_url がありません（ツリーヘッドにタイムスタンプを付けません）",
		       "no ledger.tsa_url (tree heads are not time-stamped)"));
		return;
	}
	memset(&err, 0, sizeof(err));
	err.lang = o->lang;
	if (ledger_tsa_stamp(o->tsa_url, o->tsa_ca_file, o->timeout_s, probe, sizeof(probe) - 1,
	                     &token, &tlen, &err) ||
	    ledger_tsa_check(token, tlen, probe, sizeof(probe) - 1, o->tsa_ca_file, NULL, &err)) {
		f = add(r, "tsa", DOCTOR_FAIL);
		MSG(f,
		    DL(o, "TSA %s からタイムスタンプを取得できません: %s",
		       "no time-stamp from the TSA %s: %s"),
		    o->tsa_url, err.msg);
		FIX(f, "%s",
		    DL(o,
		       "ledger.tsa_url と "
		       "ledger.tsa_ca_file、プロキシ・ファイアウォールを確かめてください",
		       "check ledger.tsa_url and ledger.tsa_ca_file, the proxy and the firewall"));
	} else {
		f = add(r, "tsa", DOCTOR_OK);
		MSG(f,
		    DL(o, "TSA %s がタイムスタンプを発行しました（%zu バイト）",
		       "the TSA %s issued a time-stamp (%zu bytes)"),
		    o->tsa_url, tlen);
	}
	free(token);
}

/* ---- the host ---- */

static void check_icmp(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	const char *path =
	    o->ping_range_file ? o->ping_range_file : "/proc/sys/net/ipv4/ping_group_range";
	FILE *fp = fopen(path, "r");
	long lo = 1, hi = 0;
	gid_t gid = getegid();
	int in_range, allowed;

	if (fp) {
		if (fscanf(fp, "%ld %ld", &lo, &hi) != 2)
			lo = 1, hi = 0;
		fclose(fp);
	}
	in_range = (long)gid >= lo && (long)gid <= hi;
	allowed = o->ping_range_file ? in_range : (in_range || monitor_icmp_allowed());
	if (!o->needs_icmp) {
		f = add(r, "icmp", DOCTOR_SKIP);
		MSG(f,
		    DL(o, "ICMP の監視はありません（ping_group_range は %ld〜%ld）",
		       "no ICMP checks (ping_group_range is %ld-%ld)"),
		    lo, hi);
	} else if (allowed) {
		f = add(r, "icmp", DOCTOR_OK);
		MSG(f,
		    DL(o, "ICMP ソケットを開けます（グループ %u、ping_group_range %ld〜%ld）",
		       "ICMP sockets can be opened (group %u, ping_group_range %ld-%ld)"),
		    (unsigned)gid, lo, hi);
	} else {
		f = add(r, "icmp", DOCTOR_FAIL);
		MSG(f,
		    DL(o,
		       "ICMP の監視がありますが、グループ %u は ping_group_range（%ld〜%ld）に"
		       "入っていません（ping ソケットを開けません）",
		       "the profile has ICMP checks, but group %u is outside ping_group_range "
		       "(%ld-%ld), so no ping socket can be opened"),
		    (unsigned)gid, lo, hi);
		FIX(f,
		    DL(o,
		       "/etc/sysctl.d/60-saasguard.conf に net.ipv4.ping_group_range = %u %u と"
		       "書き、sysctl --system を実行してください",
		       "write net.ipv4.ping_group_range = %u %u to /etc/sysctl.d/60-saasguard.conf "
		       "and run sysctl --system"),
		    (unsigned)gid, (unsigned)gid);
	}
}

static void check_time(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	if (state == -1) {
		f = add(r, "time", DOCTOR_WARN);
		MSG(f, DL(o, "時刻同期の状態を読めません: %s", "cannot read the clock's state: %s"),
		    strerror(errno));
		FIX(f, "%s",
		    DL(o, "chronyc tracking で確かめてください", "check with chronyc tracking"));
	} else if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		f = add(r, "time", DOCTOR_FAIL);
		MSG(f, "%s",
		    DL(o,
		       "時刻が同期していません（III.1.1.5: "
		       "監視・ログの時刻は正確でなければなりません）",
		       "the clock is not synchronised (III.1.1.5: monitoring and log times must be "
		       "accurate)"));
		FIX(f, "%s",
		    DL(o,
		       "apt install chrony && systemctl enable --now chrony（または "
		       "systemd-timesyncd）",
		       "apt install chrony && systemctl enable --now chrony (or "
		       "systemd-timesyncd)"));
	} else {
		f = add(r, "time", DOCTOR_OK);
		MSG(f,
		    DL(o, "時刻は同期しています（最大誤差 %ld µs）",
		       "the clock is synchronised (maximum error %ld µs)"),
		    (long)tx.maxerror);
	}
}

static void check_disk(const struct doctor_opts *o, struct doctor_report *r)
{
	struct doctor_finding *f;
	struct statvfs vfs;
	char *copy = store_files_dir(o->db), *dir = copy;
	long long want = o->min_free_bytes ? o->min_free_bytes : (1LL << 30);

	while (statvfs(dir, &vfs) && strcmp(dir, "/") && strcmp(dir, "."))
		dir = dirname(dir); /* the store's directory may not exist yet */
	if (statvfs(dir, &vfs)) {
		f = add(r, "disk", DOCTOR_WARN);
		MSG(f, DL(o, "%s の空き容量を読めません", "cannot read the free space of %s"), dir);
	} else {
		long long avail = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
		if (avail < want) {
			f = add(r, "disk", DOCTOR_FAIL);
			MSG(f,
			    DL(o, "%s の空き容量が %lld MiB しかありません（%lld MiB 以上必要）",
			       "%s has only %lld MiB free (%lld MiB needed)"),
			    dir, avail >> 20, want >> 20);
			FIX(f, "%s",
			    DL(o,
			       "空き容量を増やすか、--db で別のファイルシステムを指定してください",
			       "free some space, or put the store on another file system with "
			       "--db"));
		} else {
			f = add(r, "disk", DOCTOR_OK);
			MSG(f, DL(o, "%s の空き容量 %lld MiB", "%s has %lld MiB free"), dir,
			    avail >> 20);
		}
	}
	free(copy);
}

void doctor_run(const struct doctor_opts *o, struct doctor_report *out)
{
	memset(out, 0, sizeof(*out));
	check_store(o, out);
	check_key(o, out);
	check_smtp(o, out);
	check_icmp(o, out);
	check_tsa(o, out);
	check_time(o, out);
	check_disk(o, out);
}

void doctor_report_release(struct doctor_report *r)
{
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

enum doctor_status doctor_worst(const struct doctor_report *r)
{
	enum doctor_status w = DOCTOR_OK;

	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].status != DOCTOR_SKIP && r->f[i].status > w)
			w = r->f[i].status;
	return w;
}

const char *doctor_status_label(enum doctor_status s, int lang)
{
	static const char *const ja[] = {"正常", "注意", "問題", "対象外"};
	static const char *const en[] = {"ok", "warning", "problem", "skipped"};
	return (size_t)s < 4 ? (lang == SG_LANG_EN ? en[s] : ja[s]) : "";
}
