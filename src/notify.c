/*
 * notify - configuration, templates, the durable outbox and its delivery;
 * see notify.h.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "curluv.h"
#include "fileio.h"
#include "ledger.h"
#include "notify.h"
#include "store_monitor.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

#define NAUD 3
static const char *const audiences[NAUD + 1] = {"all_users", "admin_contacts", "managers", NULL};

struct recipient {
	char *email;
	char *webhook;
	char *lang;
	int tls_verify;
};

struct notify_config {
	char *service;
	int pattern;
	char *smtp_url, *from, *username, *password;
	int smtp_tls_verify;
	int starttls; /* -1: required when a password is sent */
	struct recipient *r[NAUD];
	size_t n[NAUD];
	double retry_initial, retry_max, risk_fraction, timeout;
	char *timezone, *status_url;
};

static int audience_index(const char *a)
{
	for (int i = 0; i < NAUD; i++)
		if (!strcmp(a, audiences[i]))
			return i;
	return -1;
}

void notify_config_free(struct notify_config *c)
{
	if (!c)
		return;
	for (int a = 0; a < NAUD; a++) {
		for (size_t i = 0; i < c->n[a]; i++) {
			free(c->r[a][i].email);
			free(c->r[a][i].webhook);
			free(c->r[a][i].lang);
		}
		free(c->r[a]);
	}
	free(c->service);
	free(c->smtp_url);
	free(c->from);
	free(c->username);
	if (c->password) {
		memset(c->password, 0, strlen(c->password));
		free(c->password);
	}
	free(c->timezone);
	free(c->status_url);
	free(c);
}

size_t notify_config_recipients(const struct notify_config *cfg, const char *audience)
{
	int a = audience_index(audience);
	return a < 0 ? 0 : cfg->n[a];
}

static enum sg_code read_password(const struct ydoc *doc, const struct ydoc_node *n,
                                  const char *path, char **out, struct sg_error *err)
{
	struct stat st;
	struct dynbuf b = DYNBUF_INIT;
	enum sg_code rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return ydoc_error(
		    doc, n, err,
		    ETR(err, "password_file '%s' を開けません", "cannot open password_file '%s'"),
		    path);
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		ydoc_error(
		    doc, n, err,
		    ETR(err,
		        "password_file '%s' は所有者だけが読めるようにしてください（現在 %03o）",
		        "password_file '%s' must be readable by its owner only (it is %03o)"),
		    path, (unsigned)(st.st_mode & 0777));
		sg_error_hint(err, "chmod 600 %s", path);
		return SG_ERR_INPUT;
	}
	if ((rc = fileio_read(path, 4096, &b, err)))
		return rc;
	while (dynbuf_len(&b) && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		dynbuf_setlen(&b, b.len - 1);
	*out = dynbuf_detach(&b, NULL);
	if (!*out)
		*out = xstrdup("");
	return SG_OK;
}

static enum sg_code get_str(const struct ydoc *doc, const struct ydoc_node *m, const char *key,
                            char **out, struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(m, key);
	const char *v;
	enum sg_code rc;

	if (!n || ydoc_is_null(n))
		return SG_OK;
	if ((rc = ydoc_str(doc, n, key, &v, err)))
		return rc;
	free(*out);
	*out = xstrdup(v);
	return SG_OK;
}

static enum sg_code parse_smtp(const struct ydoc *doc, const struct ydoc_node *m,
                               struct notify_config *c, struct sg_error *err)
{
	static const char *const keys[] = {"url",      "from",       "username", "password_file",
	                                   "starttls", "tls_verify", NULL};
	const struct ydoc_node *n;
	char *pw_path = NULL;
	enum sg_code rc;

	if ((rc = ydoc_want(doc, m, YDOC_MAP, "notify.smtp", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "notify.smtp", err)))
		return rc;
	if (!ydoc_get(m, "url"))
		return ydoc_missing(doc, m, "url", "notify.smtp", err);
	if (!ydoc_get(m, "from"))
		return ydoc_missing(doc, m, "from", "notify.smtp", err);
	if ((rc = get_str(doc, m, "url", &c->smtp_url, err)) ||
	    (rc = get_str(doc, m, "from", &c->from, err)) ||
	    (rc = get_str(doc, m, "username", &c->username, err)) ||
	    (rc = get_str(doc, m, "password_file", &pw_path, err)))
		goto out;
	if (!c->smtp_url || !c->from) {
		rc = ydoc_missing(doc, m, c->smtp_url ? "from" : "url", "notify.smtp", err);
		goto out;
	}
	if (strncmp(c->smtp_url, "smtp://", 7) && strncmp(c->smtp_url, "smtps://", 8)) {
		rc = ydoc_error(doc, ydoc_get(m, "url"), err, "%s",
		                ETR(err, "url は smtp:// か smtps:// で始めてください",
		                    "url must start with smtp:// or smtps://"));
		goto out;
	}
	if (!strchr(c->from, '@') || strpbrk(c->from, "<>\r\n ")) {
		rc = ydoc_error(
		    doc, ydoc_get(m, "from"), err, "%s",
		    ETR(err, "from はメールアドレスです", "from must be an email address"));
		goto out;
	}
	if ((n = ydoc_get(m, "starttls")) &&
	    (rc = ydoc_bool(doc, n, "starttls", &c->starttls, err)))
		goto out;
	if ((n = ydoc_get(m, "tls_verify")) &&
	    (rc = ydoc_bool(doc, n, "tls_verify", &c->smtp_tls_verify, err)))
		goto out;
	if (pw_path)
		rc = read_password(doc, ydoc_get(m, "password_file"), pw_path, &c->password, err);
	if (!rc && c->password && !c->username)
		c->username = xstrdup(c->from);
out:
	free(pw_path);
	return rc;
}

static enum sg_code parse_recipients(const struct ydoc *doc, const struct ydoc_node *seq, int a,
                                     struct notify_config *c, struct sg_error *err)
{
	static const char *const keys[] = {"email", "webhook", "lang", "tls_verify", NULL};
	enum sg_code rc;
	char what[64];

	snprintf(what, sizeof(what), "notify.%s", audiences[a]);
	if ((rc = ydoc_want(doc, seq, YDOC_SEQ, what, err)))
		return rc;
	c->r[a] = xcalloc(seq->nitems + 1, sizeof(struct recipient));
	for (size_t i = 0; i < seq->nitems; i++) {
		const struct ydoc_node *m = seq->items[i], *n;
		struct recipient *r = &c->r[a][i];
		c->n[a] = i + 1;
		r->tls_verify = 1;
		if ((rc = ydoc_want(doc, m, YDOC_MAP, what, err)) ||
		    (rc = ydoc_check_keys(doc, m, keys, what, err)) ||
		    (rc = get_str(doc, m, "email", &r->email, err)) ||
		    (rc = get_str(doc, m, "webhook", &r->webhook, err)) ||
		    (rc = get_str(doc, m, "lang", &r->lang, err)))
			return rc;
		if (!!r->email == !!r->webhook) {
			ydoc_error(doc, m, err, "%s",
			           ETR(err, "受信者には email か webhook のどちらか一方を書きます",
			               "a recipient has either email or webhook"));
			sg_error_hint(err,
			              "{email: \"ops@example.jp\"} / {webhook: \"https://...\"}");
			return SG_ERR_INPUT;
		}
		if (r->email && (!strchr(r->email, '@') || strpbrk(r->email, "<>\r\n ,")))
			return ydoc_error(doc, ydoc_get(m, "email"), err,
			                  ETR(err, "'%s' はメールアドレスではありません",
			                      "'%s' is not an email address"),
			                  r->email);
		if (r->webhook && strncmp(r->webhook, "https://", 8) &&
		    strncmp(r->webhook, "http://", 7))
			return ydoc_error(doc, ydoc_get(m, "webhook"), err, "%s",
			                  ETR(err, "webhook は http:// か https:// の URL です",
			                      "webhook must be an http:// or https:// URL"));
		if (r->email && !c->smtp_url) {
			ydoc_error(doc, m, err, "%s",
			           ETR(err, "メールの受信者がいますが notify.smtp がありません",
			               "there is an email recipient but no notify.smtp"));
			sg_error_hint(
			    err, "smtp: {url: \"smtp://127.0.0.1:25\", from: \"noreply@...\"}");
			return SG_ERR_INPUT;
		}
		if (r->lang && strcmp(r->lang, "ja") && strcmp(r->lang, "en"))
			return ydoc_error(doc, ydoc_get(m, "lang"), err, "%s",
			                  ETR(err, "lang は ja か en です", "lang is ja or en"));
		if (!r->lang)
			r->lang = xstrdup("ja");
		if ((n = ydoc_get(m, "tls_verify")) &&
		    (rc = ydoc_bool(doc, n, "tls_verify", &r->tls_verify, err)))
			return rc;
	}
	return SG_OK;
}

enum sg_code notify_config_load(const struct profile *p, struct notify_config **out,
                                struct sg_error *err)
{
	static const char *const keys[] = {"smtp",    "all_users", "admin_contacts", "managers",
	                                   "retry",   "risk_at",   "timezone",       "status_url",
	                                   "timeout", NULL};
	struct notify_config *c = xcalloc(1, sizeof(*c));
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *m = profile_section(p, "notify"), *n;
	enum sg_code rc = SG_OK;

	*out = NULL;
	c->service = xstrdup(p->service.name);
	c->pattern = p->service.pattern;
	c->smtp_tls_verify = 1;
	c->starttls = -1;
	c->retry_initial = 10;
	c->retry_max = 600;
	c->risk_fraction = 0.5;
	c->timeout = 30;
	c->timezone = xstrdup("Asia/Tokyo");
	if (!m || ydoc_is_null(m))
		goto done;
	if ((rc = ydoc_want(doc, m, YDOC_MAP, "notify", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "notify", err)))
		goto done;
	if ((n = ydoc_get(m, "smtp")) && (rc = parse_smtp(doc, n, c, err)))
		goto done;
	for (int a = 0; a < NAUD; a++)
		if ((n = ydoc_get(m, audiences[a])) && (rc = parse_recipients(doc, n, a, c, err)))
			goto done;
	if ((n = ydoc_get(m, "retry"))) {
		static const char *const rkeys[] = {"initial", "max", NULL};
		const struct ydoc_node *v;
		if ((rc = ydoc_want(doc, n, YDOC_MAP, "notify.retry", err)) ||
		    (rc = ydoc_check_keys(doc, n, rkeys, "notify.retry", err)))
			goto done;
		if ((v = ydoc_get(n, "initial")) &&
		    (rc = ydoc_duration(doc, v, "notify.retry.initial", &c->retry_initial, err)))
			goto done;
		if ((v = ydoc_get(n, "max")) &&
		    (rc = ydoc_duration(doc, v, "notify.retry.max", &c->retry_max, err)))
			goto done;
		if (c->retry_initial < 0.1 || c->retry_max < c->retry_initial) {
			rc = ydoc_error(
			    doc, n, err, "%s",
			    ETR(err, "retry は initial ≥ 100ms、max ≥ initial にしてください",
			        "retry needs initial >= 100ms and max >= initial"));
			goto done;
		}
	}
	if ((n = ydoc_get(m, "risk_at"))) {
		struct value v;
		if ((rc = ydoc_value(doc, n, "notify.risk_at", &v, err)))
			goto done;
		if (v.type != VALUE_PERCENT || v.percent <= 0 || v.percent >= 100) {
			rc = ydoc_error(doc, n, err, "%s",
			                ETR(err, "risk_at は期限に対する割合です（例: 50%）",
			                    "risk_at is a share of the deadline, e.g. 50%"));
			goto done;
		}
		c->risk_fraction = v.percent / 100.0;
	}
	if ((n = ydoc_get(m, "timeout")) &&
	    (rc = ydoc_duration(doc, n, "notify.timeout", &c->timeout, err)))
		goto done;
	if ((n = ydoc_get(m, "timezone")) && ydoc_is_null(n)) {
		rc = ydoc_missing(doc, m, "timezone", "notify", err);
		goto done;
	}
	if ((rc = get_str(doc, m, "timezone", &c->timezone, err)) ||
	    (rc = get_str(doc, m, "status_url", &c->status_url, err)))
		goto done;
	if (!timeutil_tz_valid(c->timezone))
		rc = ydoc_error(
		    doc, ydoc_get(m, "timezone"), err,
		    ETR(err, "タイムゾーン '%s' が見つかりません", "unknown time zone '%s'"),
		    c->timezone);
done:
	if (rc) {
		notify_config_free(c);
		return rc;
	}
	*out = c;
	return SG_OK;
}

const char *notify_purpose_name(enum notify_purpose p)
{
	static const char *const names[] = {"incident_open", "incident_resolved", "followup",
	                                    "deadline_risk", "followup_overdue",  "internal"};
	return names[p];
}

const char *notify_audience(enum notify_purpose p, const char *kind)
{
	switch (p) {
	case NOTIFY_DEADLINE_RISK:
	case NOTIFY_FOLLOWUP_OVERDUE:
	case NOTIFY_INTERNAL:
		return "managers";
	case NOTIFY_FOLLOWUP:
		return "admin_contacts";
	default:
		break;
	}
	if (kind && !strcmp(kind, "outage"))
		return "all_users";
	if (kind && !strcmp(kind, "external_network"))
		return "managers";
	return "admin_contacts";
}

static const char *kind_label(const char *kind, int en)
{
	static const char *const k[] = {"outage", "fault", "degradation", "external_network"};
	static const char *const ja[] = {"稼働停止", "障害", "パフォーマンス低下",
	                                 "外部ネットワーク障害"};
	static const char *const eng[] = {"outage", "fault", "performance degradation",
	                                  "external network failure"};
	for (int i = 0; i < 4; i++)
		if (kind && !strcmp(kind, k[i]))
			return en ? eng[i] : ja[i];
	return en ? "incident" : "インシデント";
}

static void fmt_dur(double s, int en, struct dynbuf *out)
{
	long long m = (long long)(s / 60.0 + 0.5);
	if (s < 90)
		dynbuf_printf(out, en ? "%.0f s" : "%.0f秒", s);
	else if (m < 120)
		dynbuf_printf(out, en ? "%lld min" : "%lld分", m);
	else
		dynbuf_printf(out, en ? "%.1f h" : "%.1f時間", s / 3600.0);
}

void notify_render(enum notify_purpose p, const struct notify_incident *inc, const char *message,
                   const char *lang, const char *tz, const char *status_url, struct dynbuf *subj,
                   struct dynbuf *body)
{
	int en = lang && !strcmp(lang, "en");
	char since[40], det[40], res[40], due[40];
	const char *kl = kind_label(inc ? inc->kind : NULL, en);
	const char *svc = inc && inc->service ? inc->service : "";

	since[0] = det[0] = res[0] = due[0] = 0;
	if (inc) {
		timeutil_local((long long)inc->started_at, tz, 1, since);
		timeutil_local((long long)inc->detected_at, tz, 1, det);
		if (inc->resolved_at > 0)
			timeutil_local((long long)inc->resolved_at, tz, 1, res);
		if (inc->followup_deadline_s > 0)
			timeutil_local((long long)(inc->detected_at + inc->followup_deadline_s), tz,
			               0, due);
	}
	switch (p) {
	case NOTIFY_INCIDENT_OPEN:
		dynbuf_printf(subj,
		              en ? "[%s] %s: %s is failing" : "【%s】%s: %s で異常を検知しました",
		              kl, svc, inc->check_name);
		dynbuf_printf(body,
		              en ? "saasguard detected a %s of %s.\n\n"
		                   "What: the check %s (%s) failed several times in a row.\n"
		                   "Since: %s (%s), detected %s\n"
		                   "What is known: %s\n"
		                 : "%2$s で%1$sを検知しました。\n\n"
		                   "内容: 監視「%3$s」（%4$s）が続けて失敗しています。\n"
		                   "発生: %5$s（%6$s）から。検知 %7$s\n"
		                   "わかっていること: %8$s\n",
		              kl, svc, inc->check_name, inc->target, since, tz, det,
		              inc->summary && *inc->summary ? inc->summary : "-");
		if (due[0])
			dynbuf_printf(body,
			              en ? "Next report: by %s at the latest.\n"
			                 : "続報: 遅くとも %s までにお知らせします。\n",
			              due);
		break;
	case NOTIFY_INCIDENT_RESOLVED:
		dynbuf_printf(subj, en ? "[Recovered] %s: %s" : "【復旧】%s: %s", svc,
		              inc->check_name);
		dynbuf_printf(
		    body,
		    en ? "The %s of %s has ended.\n\nWhat: %s (%s)\nFrom %s to %s (%s)\n"
		         "Duration: "
		       : "%2$s の%1$sは復旧しました。\n\n内容: %3$s（%4$s）\n期間: %5$s から "
		         "%6$s まで（%7$s）\n継続時間: ",
		    kl, svc, inc->check_name, inc->target, since, res, tz);
		fmt_dur(inc->resolved_at - inc->started_at, en, body);
		dynbuf_addstr(body, "\n");
		break;
	case NOTIFY_FOLLOWUP:
		dynbuf_printf(subj,
		              en ? "[Follow-up] %s: %s since %s" : "【続報】%s: %s（%s から）", svc,
		              kl, since);
		dynbuf_printf(
		    body,
		    en ? "Follow-up report on the %s of %s detected %s (incident %lld).\n\n"
		       : "%2$s で %3$s に検知した%1$s（インシデント %4$lld）の続報です。\n\n",
		    kl, svc, det, inc->id);
		dynbuf_addstr(body, message ? message : "");
		if (dynbuf_len(body) && body->buf[body->len - 1] != '\n')
			dynbuf_addch(body, '\n');
		break;
	case NOTIFY_DEADLINE_RISK:
		dynbuf_printf(subj,
		              en ? "[Action needed] %s: first notice of incident %lld not delivered"
		                 : "【要対応】%s: インシデント %lld の第一報が届いていません",
		              svc, inc->id);
		dynbuf_printf(
		    body,
		    en ? "The first notice of the %s detected %s (%s, %s) has not been "
		         "delivered to every recipient, and the guideline's deadline of "
		       : "%2$s に検知した%1$s（%3$s、%4$s）の第一報がまだ全員に届いていません。"
		         "ガイドラインの期限（",
		    kl, det, inc->check_name, inc->target);
		fmt_dur(inc->notify_deadline_s, en, body);
		dynbuf_addstr(body, en ? " is at risk. Check the mail server and webhooks "
		                         "(saasguard incident show).\n"
		                       : "）に間に合わない恐れがあります。メールサーバーと webhook "
		                         "を確認し、必要なら別の手段で連絡してください"
		                         "（saasguard incident show）。\n");
		dynbuf_printf(body, en ? "Incident: %lld\n" : "インシデント: %lld\n", inc->id);
		break;
	case NOTIFY_FOLLOWUP_OVERDUE:
		dynbuf_printf(
		    subj,
		    en ? "[Action needed] %s: follow-up report of incident %lld is overdue"
		       : "【要対応】%s: インシデント %lld の続報が期限を過ぎています",
		    svc, inc->id);
		dynbuf_printf(
		    body,
		    en ? "No follow-up report has been sent for the %s detected %s (%s). It "
		         "was due by %s.\nSend one with: saasguard incident followup %lld "
		         "--message-file FILE\n"
		       : "%2$s に検知した%1$s（%3$s）の続報が送られていません。期限は %4$s "
		         "でした。\n送信: saasguard incident followup %5$lld --message-file "
		         "ファイル\n",
		    kl, det, inc->check_name, due, inc->id);
		break;
	case NOTIFY_INTERNAL:
		dynbuf_printf(subj, en ? "[saasguard] %s" : "【saasguard】%s", svc);
		dynbuf_addstr(body, message ? message : "");
		dynbuf_addch(body, '\n');
		break;
	}
	if (status_url && *status_url)
		dynbuf_printf(body, en ? "Details: %s\n" : "詳細: %s\n", status_url);
	else if (inc && inc->target && p != NOTIFY_INTERNAL)
		dynbuf_printf(body, en ? "Where to look: %s\n" : "確認先: %s\n", inc->target);
	if (inc && inc->item_id)
		dynbuf_printf(
		    body,
		    en ? "\n-- saasguard (MIC ASP/SaaS guideline %s)\n"
		       : "\n-- saasguard（ASP・SaaS 情報セキュリティ対策ガイドライン %s）\n",
		    inc->item_id);
}

double notify_backoff(int attempts, double initial, double max, double r)
{
	double d = initial * pow(2.0, attempts > 1 ? attempts - 1 : 0);
	if (d > max)
		d = max;
	return d * (0.9 + 0.2 * r);
}

static void add_b64(struct dynbuf *out, const unsigned char *p, size_t n, int wrap)
{
	unsigned char buf[4 * 57 / 3 + 4];

	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		int m = EVP_EncodeBlock(buf, p + i, (int)k);
		dynbuf_add(out, buf, (size_t)m);
		if (wrap)
			dynbuf_addstr(out, "\r\n");
	}
}

/* RFC 2047 encoded-words, each under 76 characters, split on characters. */
static void add_encoded_header(struct dynbuf *out, const char *s)
{
	size_t n = strlen(s), i = 0;
	int ascii = 1;

	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80 || s[k] == '\r' || s[k] == '\n')
			ascii = 0;
	if (ascii && n < 900) {
		dynbuf_addstr(out, s);
		return;
	}
	while (i < n) {
		size_t j = i, take;
		while (j < n && j - i < 42) {
			size_t len = 1;
			unsigned char c = (unsigned char)s[j];
			if (c >= 0xf0)
				len = 4;
			else if (c >= 0xe0)
				len = 3;
			else if (c >= 0xc0)
				len = 2;
			if (j - i + len > 42)
				break;
			j += len;
		}
		take = j > i ? j - i : 1;
		if (i)
			dynbuf_addstr(out, "\r\n ");
		dynbuf_addstr(out, "=?UTF-8?B?");
		add_b64(out, (const unsigned char *)s + i, take, 0);
		dynbuf_addstr(out, "?=");
		i += take;
	}
}

enum sg_code notify_mime(const char *from, const char *to, const char *subject, const char *body,
                         const char *attachment_path, double date, struct dynbuf *out,
                         struct sg_error *err)
{
	char datebuf[64], boundary[64];
	time_t t = (time_t)date;
	struct tm tm;
	unsigned char rnd[12];

	gmtime_r(&t, &tm);
	strftime(datebuf, sizeof(datebuf), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(rand() & 0xff);
	snprintf(boundary, sizeof(boundary), "=_sg_%02x%02x%02x%02x%02x%02x%08lx", rnd[0], rnd[1],
	         rnd[2], rnd[3], rnd[4], rnd[5], (unsigned long)t);
	dynbuf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", datebuf, from, to);
	add_encoded_header(out, subject);
	dynbuf_printf(out,
	              "\r\nMessage-ID: <%lx.%02x%02x%02x%02x@saasguard>\r\nMIME-Version: 1.0\r\n"
	              "Auto-Submitted: auto-generated\r\n",
	              (unsigned long)t, rnd[6], rnd[7], rnd[8], rnd[9]);
	if (attachment_path)
		dynbuf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n",
		              boundary, boundary);
	dynbuf_addstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n");
	add_b64(out, (const unsigned char *)body, strlen(body), 1);
	if (attachment_path) {
		struct dynbuf f = DYNBUF_INIT;
		const char *base = strrchr(attachment_path, '/');
		enum sg_code rc = fileio_read(attachment_path, 32u << 20, &f, err);
		if (rc)
			return rc;
		base = base ? base + 1 : attachment_path;
		size_t blen = strlen(base);
		int ascii = 1;
		for (const char *c = base; *c; c++)
			if ((unsigned char)*c >= 0x80)
				ascii = 0;
		dynbuf_printf(out,
		              "\r\n--%s\r\nContent-Type: %s\r\n"
		              "Content-Transfer-Encoding: base64\r\nContent-Disposition: "
		              "attachment; ",
		              boundary,
		              blen > 4 && !strcmp(base + blen - 4, ".pdf")
		                  ? "application/pdf"
		                  : "application/octet-stream");
		if (ascii) {
			dynbuf_addstr(out, "filename=\"");
			for (const char *c = base; *c; c++)
				if (*c != '"' && *c != '\r' && *c != '\n' && *c != '\\')
					dynbuf_addch(out, *c);
			dynbuf_addstr(out, "\"\r\n\r\n");
		} else {
			/* RFC 2231: a UTF-8 file name, percent-encoded. */
			dynbuf_addstr(out, "filename*=UTF-8''");
			for (const unsigned char *c = (const unsigned char *)base; *c; c++)
				if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_')
					dynbuf_addch(out, (char)*c);
				else
					dynbuf_printf(out, "%%%02X", *c);
			dynbuf_addstr(out, "\r\n\r\n");
		}
		add_b64(out, (const unsigned char *)dynbuf_ptr(&f), dynbuf_len(&f), 1);
		dynbuf_printf(out, "\r\n--%s--\r\n", boundary);
		dynbuf_release(&f);
	}
	return SG_OK;
}

/* ---- the outbox ---- */

static enum sg_code enqueue_one(struct store *s, long long incident_id, const char *purpose,
                                const char *audience, const struct recipient *r,
                                const char *subject, const char *body, const char *attachment,
                                double now, double deadline_at, struct sg_error *err)
{
	struct notification_row row;
	long long id = 0;
	enum sg_code rc;
	json_t *j;

	memset(&row, 0, sizeof(row));
	row.incident_id = incident_id;
	row.purpose = (char *)purpose;
	row.audience = (char *)audience;
	row.channel = r->email ? "email" : "webhook";
	row.recipient = r->email ? r->email : r->webhook;
	row.lang = r->lang;
	row.subject = (char *)subject;
	row.body = (char *)body;
	row.attachment = (char *)attachment;
	row.created_at = now;
	row.deadline_at = deadline_at;
	row.next_attempt_at = now;
	if ((rc = store_monitor_notification_insert(s, &row, &id, err)))
		return rc;
	j = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "notification", (json_int_t)id, "incident",
	              (json_int_t)incident_id, "purpose", purpose, "audience", audience, "channel",
	              row.channel, "recipient", row.recipient, "subject", subject);
	rc = ledger_append(s, "notification_queued", j, NULL, err);
	json_decref(j);
	return rc;
}

enum sg_code notify_enqueue(struct store *s, const struct notify_config *cfg,
                            enum notify_purpose purpose, const struct notify_incident *inc,
                            const char *message, struct sg_error *err)
{
	const char *aud = notify_audience(purpose, inc ? inc->kind : NULL);
	int a = audience_index(aud);
	double now = timeutil_now(), deadline = 0;
	enum sg_code rc;

	if (purpose == NOTIFY_INCIDENT_OPEN && inc && inc->notify_deadline_s > 0)
		deadline = inc->detected_at + inc->notify_deadline_s;
	if ((rc = store_begin(s, err)))
		return rc;
	for (size_t i = 0; i < cfg->n[a] && !rc; i++) {
		const struct recipient *r = &cfg->r[a][i];
		struct dynbuf subj = DYNBUF_INIT, body = DYNBUF_INIT;
		notify_render(purpose, inc, message, r->lang, cfg->timezone, cfg->status_url, &subj,
		              &body);
		rc = enqueue_one(s, inc ? inc->id : 0, notify_purpose_name(purpose), aud, r,
		                 dynbuf_ptr(&subj), dynbuf_ptr(&body), NULL, now, deadline, err);
		dynbuf_release(&subj);
		dynbuf_release(&body);
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

enum sg_code notify_enqueue_report(struct store *s, const struct notify_config *cfg,
                                   const char *audience, const char *subject, const char *body,
                                   const char *attachment_path, struct sg_error *err)
{
	int a = audience_index(audience);
	double now = timeutil_now();
	enum sg_code rc;

	if (a < 0)
		return sg_error_set(
		    err, SG_ERR_USAGE,
		    ETR(err, "'%s' という宛先グループはありません", "there is no audience '%s'"),
		    audience);
	if ((rc = store_begin(s, err)))
		return rc;
	for (size_t i = 0; i < cfg->n[a] && !rc; i++)
		rc = enqueue_one(s, 0, "report", audience, &cfg->r[a][i], subject, body,
		                 attachment_path, now, 0, err);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* ---- delivery ---- */

struct delivery {
	struct notify *n;
	struct notification_row row;
	struct dynbuf payload;
	size_t off;
	struct curl_slist *rcpt, *headers;
	char errbuf[CURL_ERROR_SIZE];
	double started;
};

struct notify {
	uv_loop_t *loop;
	struct store *s;
	const struct notify_config *cfg;
	struct curluv *cu;
	uv_timer_t timer;
	long long *inflight;
	size_t ninflight, alloc;
	int stopping, drain;
	void (*done)(void *);
	void *done_arg;
	void (*log)(void *, const char *);
	void *log_arg;
};

static void logf_(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct notify *n, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	if (!n->log)
		return;
	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	n->log(n->log_arg, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct delivery *d = arg;
	size_t left = dynbuf_len(&d->payload) - d->off, n = size * nitems;

	if (n > left)
		n = left;
	memcpy(buf, dynbuf_ptr(&d->payload) + d->off, n);
	d->off += n;
	return n;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static const struct recipient *find_recipient(const struct notify_config *cfg,
                                              const struct notification_row *r)
{
	int a = audience_index(r->audience);
	if (a < 0)
		return NULL;
	for (size_t i = 0; i < cfg->n[a]; i++) {
		const struct recipient *x = &cfg->r[a][i];
		const char *addr = x->email ? x->email : x->webhook;
		if (!strcmp(addr, r->recipient))
			return x;
	}
	return NULL;
}

static int is_inflight(struct notify *n, long long id)
{
	for (size_t i = 0; i < n->ninflight; i++)
		if (n->inflight[i] == id)
			return 1;
	return 0;
}

static void drop_inflight(struct notify *n, long long id)
{
	for (size_t i = 0; i < n->ninflight; i++)
		if (n->inflight[i] == id) {
			n->inflight[i] = n->inflight[--n->ninflight];
			return;
		}
}

static void schedule(struct notify *n);
static void maybe_done(struct notify *n);

static void record_attempt(struct notify *n, struct delivery *d, int ok, const char *error)
{
	struct sg_error err;
	double now = timeutil_now();
	double next = now + notify_backoff(d->row.attempts + 1, n->cfg->retry_initial,
	                                   n->cfg->retry_max, (double)rand() / RAND_MAX);
	json_t *j;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	j = json_pack("{s:I,s:I,s:b,s:s?,s:f}", "notification", (json_int_t)d->row.id, "attempt",
	              (json_int_t)(d->row.attempts + 1), "ok", ok, "error", ok ? NULL : error,
	              "seconds", now - d->started);
	if (store_begin(n->s, &err) ||
	    store_monitor_notification_attempted(n->s, d->row.id, now, ok, error, next, &err) ||
	    ledger_append(n->s, "notification_attempt", j, NULL, &err)) {
		store_rollback(n->s);
		logf_(n, "notify: cannot record attempt %lld: %s", d->row.id, err.msg);
	} else {
		if (ok) {
			json_t *k = json_pack(
			    "{s:I,s:I,s:s,s:s,s:f,s:f}", "notification", (json_int_t)d->row.id,
			    "incident", (json_int_t)d->row.incident_id, "purpose", d->row.purpose,
			    "recipient", d->row.recipient, "delivered_at", now, "since_created_s",
			    now - d->row.created_at);
			if (ledger_append(n->s, "notification_delivered", k, NULL, &err))
				logf_(n, "notify: ledger: %s", err.msg);
			json_decref(k);
		}
		if (store_commit(n->s, &err))
			logf_(n, "notify: cannot record attempt %lld: %s", d->row.id, err.msg);
	}
	json_decref(j);
	if (ok)
		logf_(n, "notify: delivered %s #%lld to %s", d->row.purpose, d->row.id,
		      d->row.recipient);
	else
		logf_(n, "notify: attempt %d of #%lld to %s failed: %s (next in %.0f s)",
		      d->row.attempts + 1, d->row.id, d->row.recipient, error, next - now);
}

static void delivery_free(struct delivery *d)
{
	store_monitor_notification_row_release(&d->row);
	dynbuf_release(&d->payload);
	curl_slist_free_all(d->rcpt);
	curl_slist_free_all(d->headers);
	free(d);
}

static void on_delivered(CURL *e, CURLcode res, void *arg)
{
	struct delivery *d = arg;
	struct notify *n = d->n;
	long code = 0;
	int ok = res == CURLE_OK;
	char msg[CURL_ERROR_SIZE + 64];

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (ok && !strcmp(d->row.channel, "webhook") && (code < 200 || code > 299)) {
		ok = 0;
		snprintf(msg, sizeof(msg), "HTTP %ld", code);
	} else {
		snprintf(msg, sizeof(msg), "%s",
		         d->errbuf[0] ? d->errbuf : curl_easy_strerror(res));
	}
	curl_easy_cleanup(e);
	record_attempt(n, d, ok, msg);
	drop_inflight(n, d->row.id);
	delivery_free(d);
	schedule(n);
	maybe_done(n);
}

static void start_delivery(struct notify *n, struct notification_row *row)
{
	const struct notify_config *cfg = n->cfg;
	const struct recipient *r = find_recipient(cfg, row);
	struct delivery *d = xcalloc(1, sizeof(*d));
	struct sg_error err;
	CURL *e;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	d->n = n;
	d->row = *row;
	memset(row, 0, sizeof(*row));
	d->started = timeutil_now();
	dynbuf_init(&d->payload, DYNBUF_DEFAULT_MAX);
	if (!strcmp(d->row.channel, "email") && !cfg->smtp_url) {
		record_attempt(n, d, 0, "no notify.smtp configured");
		delivery_free(d);
		return;
	}
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(cfg->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(cfg->timeout * 1000));
	if (!strcmp(d->row.channel, "email")) {
		if (notify_mime(cfg->from, d->row.recipient, d->row.subject, d->row.body,
		                d->row.attachment, d->started, &d->payload, &err)) {
			curl_easy_cleanup(e);
			record_attempt(n, d, 0, err.msg);
			delivery_free(d);
			return;
		}
		d->rcpt = curl_slist_append(NULL, d->row.recipient);
		curl_easy_setopt(e, CURLOPT_URL, cfg->smtp_url);
		curl_easy_setopt(e, CURLOPT_MAIL_FROM, cfg->from);
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, d->rcpt);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, d);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)dynbuf_len(&d->payload));
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)cfg->smtp_tls_verify);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->smtp_tls_verify ? 2L : 0L);
		if (cfg->password) {
			curl_easy_setopt(e, CURLOPT_USERNAME, cfg->username);
			curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->password);
		}
		if (cfg->starttls == 1 || (cfg->starttls == -1 && cfg->password))
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		else if (cfg->starttls == -1)
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	} else {
		json_t *j = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "source", "saasguard",
		                      "incident", (json_int_t)d->row.incident_id, "purpose",
		                      d->row.purpose, "audience", d->row.audience, "lang",
		                      d->row.lang, "subject", d->row.subject, "text", d->row.body);
		char *txt = json_dumps(j, JSON_COMPACT);
		dynbuf_addstr(&d->payload, txt);
		free(txt);
		json_decref(j);
		d->headers =
		    curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
		curl_easy_setopt(e, CURLOPT_URL, d->row.recipient);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, dynbuf_ptr(&d->payload));
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)dynbuf_len(&d->payload));
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r ? (long)r->tls_verify : 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, !r || r->tls_verify ? 2L : 0L);
	}
	ALLOC_GROW(n->inflight, n->ninflight, n->alloc);
	n->inflight[n->ninflight++] = d->row.id;
	if (curluv_add(n->cu, e, on_delivered, d)) {
		drop_inflight(n, d->row.id);
		curl_easy_cleanup(e);
		record_attempt(n, d, 0, "cannot start transfer");
		delivery_free(d);
	}
}

struct notify_incident *notify_incident_of(const struct incident_row *r, struct notify_incident *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->service = r->service;
	v->pattern = r->pattern;
	v->kind = r->kind;
	v->check_name = r->check_name;
	v->target = r->target;
	v->item_id = r->item_id;
	v->started_at = r->started_at;
	v->detected_at = r->detected_at;
	v->resolved_at = r->resolved_at;
	v->summary = r->summary;
	v->notify_deadline_s = r->notify_deadline_s;
	v->followup_deadline_s = r->followup_deadline_s;
	return v;
}

/* Deadline watchdogs: first notices at risk, overdue follow-ups. */
static void watch(struct notify *n)
{
	struct sg_error err;
	long long *ids = NULL;
	size_t k = 0;
	double now = timeutil_now();

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	for (int pass = 0; pass < 2; pass++) {
		enum sg_code rc = pass ? store_monitor_followups_overdue(n->s, now, &ids, &k, &err)
		                       : store_monitor_notifications_at_risk(
		                             n->s, now, n->cfg->risk_fraction, &ids, &k, &err);
		if (rc) {
			logf_(n, "notify: watchdog: %s", err.msg);
			continue;
		}
		for (size_t i = 0; i < k; i++) {
			struct incident_row r;
			struct notify_incident v;
			if (store_monitor_incident_get(n->s, ids[i], &r, &err))
				continue;
			if (store_begin(n->s, &err) ||
			    notify_enqueue(n->s, n->cfg,
			                   pass ? NOTIFY_FOLLOWUP_OVERDUE : NOTIFY_DEADLINE_RISK,
			                   notify_incident_of(&r, &v), NULL, &err) ||
			    (pass ? store_monitor_followup_reminded(n->s, r.id, now, &err)
			          : store_monitor_notifications_risk_alerted(n->s, r.id, now,
			                                                     &err)) ||
			    store_commit(n->s, &err)) {
				store_rollback(n->s);
				logf_(n, "notify: watchdog: %s", err.msg);
			} else {
				logf_(n,
				      pass ? "notify: follow-up of incident %lld is overdue; "
				             "managers reminded"
				           : "notify: first notice of incident %lld may miss its "
				             "deadline; managers alerted",
				      r.id);
			}
			store_monitor_incident_row_release(&r);
		}
		free(ids);
		ids = NULL;
	}
}

static void pump(struct notify *n)
{
	struct notification_row *rows = NULL;
	size_t k = 0;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	if (n->stopping && !n->drain)
		return;
	if (!n->stopping)
		watch(n);
	if (store_monitor_notifications_due(n->s, timeutil_now(), 64, &rows, &k, &err)) {
		logf_(n, "notify: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		if (!is_inflight(n, rows[i].id) && n->ninflight < 32)
			start_delivery(n, &rows[i]);
		store_monitor_notification_row_release(&rows[i]);
	}
	free(rows);
	if (n->drain)
		n->drain = 0; /* one pass of what was due; retries wait for the next run */
}

static void on_timer(uv_timer_t *t)
{
	struct notify *n = t->data;
	pump(n);
	schedule(n);
	maybe_done(n);
}

static void schedule(struct notify *n)
{
	struct sg_error err;
	double next = 0, now = timeutil_now(), wait;
	long long pending = 0;

	memset(&err, 0, sizeof(err));
	if (n->stopping)
		return;
	store_monitor_notification_next(n->s, &next, &pending, &err);
	wait = pending ? next - now : 1.0;
	if (wait > 1.0)
		wait = 1.0; /* the watchdogs look every second */
	if (wait < 0.01)
		wait = 0.01;
	uv_timer_start(&n->timer, on_timer, (uint64_t)(wait * 1000), 0);
}

static void maybe_done(struct notify *n)
{
	if (n->stopping && !n->drain && !n->ninflight && n->done) {
		void (*done)(void *) = n->done;
		n->done = NULL;
		uv_timer_stop(&n->timer);
		done(n->done_arg);
	}
}

enum sg_code notify_start(uv_loop_t *loop, struct store *s, const struct notify_config *cfg,
                          void (*log)(void *arg, const char *line), void *log_arg,
                          struct notify **out, struct sg_error *err)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	(void)err;
	n->loop = loop;
	n->s = s;
	n->cfg = cfg;
	n->log = log;
	n->log_arg = log_arg;
	n->cu = curluv_new(loop);
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	uv_timer_start(&n->timer, on_timer, 0, 0);
	*out = n;
	return SG_OK;
}

void notify_set_config(struct notify *n, const struct notify_config *cfg)
{
	n->cfg = cfg;
}

void notify_kick(struct notify *n)
{
	if (!n->stopping)
		uv_timer_start(&n->timer, on_timer, 0, 0);
}

long long notify_pending(struct notify *n)
{
	struct sg_error err;
	double next;
	long long pending = 0;

	memset(&err, 0, sizeof(err));
	store_monitor_notification_next(n->s, &next, &pending, &err);
	return pending;
}

void notify_stop(struct notify *n, int drain, void (*done)(void *arg), void *arg)
{
	n->done = done;
	n->done_arg = arg;
	n->stopping = 1;
	n->drain = drain;
	uv_timer_stop(&n->timer);
	if (drain)
		pump(n);
	maybe_done(n);
}

static void free_notifier(uv_handle_t *h)
{
	struct notify *n = h->data;
	free(n->inflight);
	free(n);
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	curluv_free(n->cu);
	uv_close((uv_handle_t *)&n->timer, free_notifier);
}

enum sg_code notify_followup_record(struct store *s, const struct notify_config *cfg,
                                    long long incident_id, const char *message, double now,
                                    long long *followup_id, struct sg_error *err)
{
	struct incident_row r;
	struct notify_incident v;
	enum sg_code rc;
	json_t *j;

	memset(&r, 0, sizeof(r));
	if ((rc = store_monitor_incident_get(s, incident_id, &r, err)))
		return rc;
	notify_incident_of(&r, &v);
	v.item_id = "III.1.1.8";
	j = json_pack("{s:I,s:s,s:f,s:I}", "incident", (json_int_t)incident_id, "message", message,
	              "delay_s", now - r.detected_at, "recipients",
	              (json_int_t)notify_config_recipients(cfg, "admin_contacts"));
	if ((rc = store_begin(s, err)) ||
	    (rc = store_monitor_followup_insert(s, incident_id, now, message, followup_id, err)) ||
	    (rc = ledger_append(s, "followup_recorded", j, NULL, err)) ||
	    (rc = notify_enqueue(s, cfg, NOTIFY_FOLLOWUP, &v, message, err)) ||
	    (rc = store_commit(s, err)))
		store_rollback(s);
	json_decref(j);
	store_monitor_incident_row_release(&r);
	return rc;
}
