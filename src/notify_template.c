/*
 * notify_template - built-in and overriding templates, rendering, and the
 * way times, durations and probe results are said to people; see
 * notify_template.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "notify_template.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

const char *const notify_template_names[] = {
    "outage_open",       "fault_open",       "degradation_open", "external_network_open",
    "recovered",         "recovered_merged", "followup",         "maintenance_announce",
    "maintenance_start", "maintenance_end",  "deadline_risk",    "followup_overdue",
    "internal",          "report_users",     "report_managers",  NULL};
#define NTEMPL 15

const char *const notify_template_vars[] = {
    "service",       "provider",    "desk",           "email",          "phone",
    "hours",         "status_url",  "contact",        "signature",      "salutation",
    "event",         "occurrence",  "affected",       "affected_short", "affected_past",
    "label",         "kind_label",  "started",        "detected",       "resolved",
    "duration",      "next_report", "notice_due",     "deadline",       "zone",
    "incident_no",   "detail",      "message",        "maint_start",    "maint_end",
    "maint_started", "maint_ended", "maint_affected", "maint_note",     "period",
    "period_span",   "file",        "sha256",         "report_no",      NULL};

extern const char notify_tmpl_ja_outage_open[];
extern const char notify_tmpl_ja_fault_open[];
extern const char notify_tmpl_ja_degradation_open[];
extern const char notify_tmpl_ja_external_network_open[];
extern const char notify_tmpl_ja_recovered[];
extern const char notify_tmpl_ja_recovered_merged[];
extern const char notify_tmpl_ja_followup[];
extern const char notify_tmpl_ja_maintenance_announce[];
extern const char notify_tmpl_ja_maintenance_start[];
extern const char notify_tmpl_ja_maintenance_end[];
extern const char notify_tmpl_ja_deadline_risk[];
extern const char notify_tmpl_ja_followup_overdue[];
extern const char notify_tmpl_ja_internal[];
extern const char notify_tmpl_ja_report_users[];
extern const char notify_tmpl_ja_report_managers[];
extern const char notify_tmpl_en_outage_open[];
extern const char notify_tmpl_en_fault_open[];
extern const char notify_tmpl_en_degradation_open[];
extern const char notify_tmpl_en_external_network_open[];
extern const char notify_tmpl_en_recovered[];
extern const char notify_tmpl_en_recovered_merged[];
extern const char notify_tmpl_en_followup[];
extern const char notify_tmpl_en_maintenance_announce[];
extern const char notify_tmpl_en_maintenance_start[];
extern const char notify_tmpl_en_maintenance_end[];
extern const char notify_tmpl_en_deadline_risk[];
extern const char notify_tmpl_en_followup_overdue[];
extern const char notify_tmpl_en_internal[];
extern const char notify_tmpl_en_report_users[];
extern const char notify_tmpl_en_report_managers[];
static const char *const builtin[][2] = {
    {notify_tmpl_ja_outage_open, notify_tmpl_en_outage_open},
    {notify_tmpl_ja_fault_open, notify_tmpl_en_fault_open},
    {notify_tmpl_ja_degradation_open, notify_tmpl_en_degradation_open},
    {notify_tmpl_ja_external_network_open, notify_tmpl_en_external_network_open},
    {notify_tmpl_ja_recovered, notify_tmpl_en_recovered},
    {notify_tmpl_ja_recovered_merged, notify_tmpl_en_recovered_merged},
    {notify_tmpl_ja_followup, notify_tmpl_en_followup},
    {notify_tmpl_ja_maintenance_announce, notify_tmpl_en_maintenance_announce},
    {notify_tmpl_ja_maintenance_start, notify_tmpl_en_maintenance_start},
    {notify_tmpl_ja_maintenance_end, notify_tmpl_en_maintenance_end},
    {notify_tmpl_ja_deadline_risk, notify_tmpl_en_deadline_risk},
    {notify_tmpl_ja_followup_overdue, notify_tmpl_en_followup_overdue},
    {notify_tmpl_ja_internal, notify_tmpl_en_internal},
    {notify_tmpl_ja_report_users, notify_tmpl_en_report_users},
    {notify_tmpl_ja_report_managers, notify_tmpl_en_report_managers},
};

struct notify_template_set {
	char *text[NTEMPL][2];
};

static int template_index(const char *name)
{
	for (int i = 0; i < NTEMPL; i++)
		if (!strcmp(name, notify_template_names[i]))
			return i;
	return -1;
}

static int var_known(const char *name, size_t len)
{
	for (const char *const *v = notify_template_vars; *v; v++)
		if (strlen(*v) == len && !memcmp(*v, name, len))
			return 1;
	return 0;
}

static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

enum sg_code notify_template_check(const char *text, const char *file, struct sg_error *err)
{
	const char *open[16];
	size_t olen[16];
	int depth = 0, line, col;
	const char *p = text;

	if (strncmp(text, "Subject: ", 9) || !strstr(text, "\n\n")) {
		sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "%s: テンプレートは「Subject: 件名」の行、空行、本文の順に書きます",
		        "%s: a template is a \"Subject: ...\" line, a blank line, then the "
		        "body"),
		    file);
		return SG_ERR_INPUT;
	}
	while ((p = strstr(p, "{{"))) {
		const char *q = strstr(p + 2, "}}"), *name = p + 2;
		size_t len;
		char kind = 0;

		line_col(text, p, &line, &col);
		if (!q) {
			sg_error_set(err, SG_ERR_INPUT,
			             ETR(err, "%s:%d:%d: 「{{」に対応する「}}」がありません",
			                 "%s:%d:%d: \"{{\" without \"}}\""),
			             file, line, col);
			return SG_ERR_INPUT;
		}
		if (*name == '#' || *name == '^' || *name == '/')
			kind = *name++;
		len = (size_t)(q - name);
		if (!var_known(name, len)) {
			sg_error_set(err, SG_ERR_INPUT,
			             ETR(err, "%s:%d:%d: 変数 '%.*s' はありません",
			                 "%s:%d:%d: there is no variable '%.*s'"),
			             file, line, col, (int)len, name);
			sg_error_hint(err, "docs/templates.md");
			return SG_ERR_INPUT;
		}
		if (kind == '#' || kind == '^') {
			if (depth == 16) {
				sg_error_set(err, SG_ERR_INPUT,
				             ETR(err, "%s:%d:%d: 入れ子が深すぎます",
				                 "%s:%d:%d: sections nested too deeply"),
				             file, line, col);
				return SG_ERR_INPUT;
			}
			open[depth] = name;
			olen[depth++] = len;
		} else if (kind == '/') {
			if (!depth || olen[depth - 1] != len ||
			    memcmp(open[depth - 1], name, len)) {
				sg_error_set(err, SG_ERR_INPUT,
				             ETR(err,
				                 "%s:%d:%d: {{/%.*s}} に対応する開始がありません",
				                 "%s:%d:%d: {{/%.*s}} closes no open section"),
				             file, line, col, (int)len, name);
				return SG_ERR_INPUT;
			}
			depth--;
		}
		p = q + 2;
	}
	if (depth) {
		sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "%s: {{#%.*s}} が閉じられていません", "%s: {{#%.*s}} is never closed"),
		    file, (int)olen[depth - 1], open[depth - 1]);
		return SG_ERR_INPUT;
	}
	return SG_OK;
}

enum sg_code notify_template_load(const char *dir, struct notify_template_set **out,
                                  struct sg_error *err)
{
	struct notify_template_set *t = xcalloc(1, sizeof(*t));
	static const char *const langs[2] = {"ja", "en"};

	*out = NULL;
	for (int i = 0; dir && i < NTEMPL; i++)
		for (int l = 0; l < 2; l++) {
			char *path =
			    xstrfmt("%s/%s/%s.txt", dir, langs[l], notify_template_names[i]);
			struct dynbuf b = DYNBUF_INIT;
			enum sg_code rc = SG_OK;
			FILE *f = fopen(path, "r");

			if (f) {
				fclose(f);
				if (!(rc = fileio_read(path, 256 * 1024, &b, err)) &&
				    !(rc = notify_template_check(dynbuf_ptr(&b), path, err)))
					t->text[i][l] = dynbuf_detach(&b, NULL);
			}
			dynbuf_release(&b);
			free(path);
			if (rc) {
				notify_template_set_free(t);
				return rc;
			}
		}
	*out = t;
	return SG_OK;
}

void notify_template_set_free(struct notify_template_set *t)
{
	if (!t)
		return;
	for (int i = 0; i < NTEMPL; i++) {
		free(t->text[i][0]);
		free(t->text[i][1]);
	}
	free(t);
}

const char *notify_template_text(const struct notify_template_set *t, const char *name, int en)
{
	int i = template_index(name);
	if (i < 0)
		return NULL;
	if (t && t->text[i][!!en])
		return t->text[i][!!en];
	return builtin[i][!!en];
}

void notify_vars_set(struct notify_vars *v, const char *name, const char *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			v->value[i] = value;
			return;
		}
	if (v->n < NOTIFY_VARS_MAX) {
		v->name[v->n] = name;
		v->value[v->n++] = value;
	}
}

static const char *var_get(const struct notify_vars *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->name[i]) == len && !memcmp(v->name[i], name, len))
			return v->value[i] ? v->value[i] : "";
	return "";
}

/* Whether [from, to) holds only spaces and tabs. */
static int blank(const char *from, const char *to)
{
	for (; from < to; from++)
		if (*from != ' ' && *from != '\t')
			return 0;
	return 1;
}

/* Renders text[0..len) into out; returns the end of what was consumed (the
 * matching close tag of `closing`, or the end). */
static const char *render(const char *text, const char *start, const char *end,
                          const struct notify_vars *v, int emit, const char *closing,
                          size_t closing_len, struct dynbuf *out)
{
	const char *p = start;

	while (p < end) {
		const char *o = strstr(p, "{{"), *q, *name, *line_start, *after;
		size_t len;
		char kind = 0;
		int standalone;

		if (!o || o >= end) {
			if (emit)
				dynbuf_add(out, p, (size_t)(end - p));
			return end;
		}
		q = strstr(o + 2, "}}");
		if (!q) {
			if (emit)
				dynbuf_add(out, p, (size_t)(end - p));
			return end;
		}
		name = o + 2;
		if (*name == '#' || *name == '^' || *name == '/')
			kind = *name++;
		len = (size_t)(q - name);
		after = q + 2;
		line_start = o;
		while (line_start > text && line_start[-1] != '\n')
			line_start--;
		standalone = kind && blank(line_start, o) && line_start >= p &&
		             (*after == '\n' || after >= end);
		if (emit)
			dynbuf_add(out, p, (size_t)((standalone ? line_start : o) - p));
		if (standalone && *after == '\n')
			after++;
		if (kind == '/') {
			if (closing && len == closing_len && !memcmp(name, closing, len))
				return after;
			p = after; /* stray close: checked templates have none */
			continue;
		}
		if (kind == '#' || kind == '^') {
			int set = *var_get(v, name, len) != '\0';
			int on = emit && (kind == '#' ? set : !set);
			p = render(text, after, end, v, on, name, len, out);
			continue;
		}
		if (emit)
			dynbuf_addstr(out, var_get(v, name, len));
		p = after;
	}
	return end;
}

void notify_template_render(const char *text, const struct notify_vars *v, struct dynbuf *subject,
                            struct dynbuf *body)
{
	struct dynbuf all = DYNBUF_INIT;
	const char *s, *nl;

	render(text, text, text + strlen(text), v, 1, NULL, 0, &all);
	s = dynbuf_ptr(&all);
	if (!strncmp(s, "Subject: ", 9))
		s += 9;
	nl = strchr(s, '\n');
	if (!nl)
		nl = s + strlen(s);
	/* A subject is one line whatever the variables held. */
	for (const char *c = s; c < nl; c++)
		dynbuf_addch(subject, *c == '\r' ? ' ' : *c);
	s = *nl ? nl + 1 : nl;
	while (*s == '\n')
		s++;
	dynbuf_addstr(body, s);
	/* One trailing newline, however the template ended. */
	while (dynbuf_len(body) && body->buf[body->len - 1] == '\n')
		dynbuf_setlen(body, body->len - 1);
	dynbuf_addch(body, '\n');
	dynbuf_release(&all);
}

void notify_template_time(double t, const char *tz, int en, int approx, struct dynbuf *out)
{
	static const char *const wd_ja[] = {"日", "月", "火", "水", "木", "金", "土"};
	static const char *const wd_en[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
	                                    "Thursday", "Friday", "Saturday"};
	static const char *const mon_en[] = {"January",   "February", "March",    "April",
	                                     "May",       "June",     "July",     "August",
	                                     "September", "October",  "November", "December"};
	struct tm tm;

	timeutil_localtime((long long)t, tz, &tm);
	if (en)
		dynbuf_printf(out, "%02d:%02d on %s %d %s %d", tm.tm_hour, tm.tm_min,
		              wd_en[tm.tm_wday], tm.tm_mday, mon_en[tm.tm_mon], tm.tm_year + 1900);
	else
		dynbuf_printf(out, "%d年%d月%d日（%s）%d時%02d分%s", tm.tm_year + 1900,
		              tm.tm_mon + 1, tm.tm_mday, wd_ja[tm.tm_wday], tm.tm_hour, tm.tm_min,
		              approx ? "頃" : "");
}

void notify_template_duration(double s, int en, struct dynbuf *out)
{
	long long m = (long long)(s / 60.0 + 0.5), h = m / 60;

	if (s < 60) {
		dynbuf_addstr(out, en ? "less than a minute" : "1分未満");
		return;
	}
	m %= 60;
	if (en) {
		dynbuf_addstr(out, "about ");
		if (h)
			dynbuf_printf(out, "%lld hour%s", h, h > 1 ? "s" : "");
		if (h && m)
			dynbuf_addstr(out, " ");
		if (m)
			dynbuf_printf(out, "%lld minute%s", m, m > 1 ? "s" : "");
	} else {
		dynbuf_addstr(out, "約");
		if (h)
			dynbuf_printf(out, "%lld時間", h);
		if (m)
			dynbuf_printf(out, "%lld分", m);
	}
}

struct explanation {
	const char *needle;
	const char *ja, *en;
};

void notify_template_explain(const char *raw, int en, struct dynbuf *out)
{
	/* libcurl's messages and the monitor's own, most specific first. */
	static const struct explanation ex[] = {
	    {"Could not resolve", "名前解決（DNS）に失敗しました",
	     "the host name could not be resolved (DNS)"},
	    {"Couldn't connect", "接続が拒否されました（サーバーが接続を受け付けていません）",
	     "the connection was refused (the server is not accepting connections)"},
	    {"onnection refused", "接続が拒否されました（サーバーが接続を受け付けていません）",
	     "the connection was refused (the server is not accepting connections)"},
	    {"imed out", "時間内に応答がありませんでした", "no response within the time limit"},
	    {"imeout", "時間内に応答がありませんでした", "no response within the time limit"},
	    {"SSL certificate", "サーバー証明書の検証に失敗しました",
	     "the server certificate could not be verified"},
	    {"certificate", "サーバー証明書の検証に失敗しました",
	     "the server certificate could not be verified"},
	    {"SSL", "暗号化通信（TLS）の確立に失敗しました",
	     "the encrypted connection (TLS) could not be established"},
	    {"Empty reply", "サーバーから空の応答が返されました",
	     "the server returned an empty reply"},
	    {"Recv failure", "通信の途中で接続が切断されました",
	     "the connection was cut during the exchange"},
	    {"reset", "通信の途中で接続が切断されました",
	     "the connection was cut during the exchange"},
	    {"body lacks", "応答に期待した内容が含まれていませんでした",
	     "the response did not contain the expected content"},
	    {"body does not match", "応答に期待した内容が含まれていませんでした",
	     "the response did not contain the expected content"},
	    {"slow:", "応答に通常より時間がかかっています",
	     "responses are taking longer than usual"},
	    {"unreachable", "ネットワーク上で到達できませんでした", "the host was unreachable"},
	    {"no reply", "応答がありませんでした（ping）", "no reply to ping"},
	    {"cannot start", "監視の通信を開始できませんでした", "the check could not be started"},
	};
	long code;

	if (!raw || !*raw) {
		dynbuf_addstr(out, en ? "no details" : "詳細は不明です");
		return;
	}
	if (sscanf(raw, "HTTP %ld", &code) == 1) {
		const char *ja = code >= 500                  ? "サーバーエラー"
		                 : code == 404                ? "ページが見つからない"
		                 : code == 401 || code == 403 ? "アクセスが拒否された"
		                                              : "想定外の応答";
		const char *e = code >= 500                  ? "server error"
		                : code == 404                ? "not found"
		                : code == 401 || code == 403 ? "access denied"
		                                             : "unexpected response";
		if (en)
			dynbuf_printf(out, "the server answered with HTTP status %ld (%s)", code,
			              e);
		else
			dynbuf_printf(out, "HTTP ステータス %ld（%s）が返されました", code, ja);
		return;
	}
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		if (strstr(raw, ex[i].needle)) {
			dynbuf_addstr(out, en ? ex[i].en : ex[i].ja);
			return;
		}
	dynbuf_addstr(out, en ? "the check failed" : "監視で異常を検知しました");
}
