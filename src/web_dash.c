/*
 * web_dash - the operator pages of `saasguard serve`: login and logout,
 * the overview of every service, an incident's page with the follow-up
 * form, and the checks with server-side SVG response-time charts. Every
 * state-changing form carries the session's CSRF token; roles are checked
 * here for every route (viewer reads, operator sends follow-ups).
 */
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "availability.h"
#include "fileio.h"
#include "html.h"
#include "ledger_check.h"
#include "ledger_events.h"
#include "notify.h"
#include "store_ledger.h"
#include "histogram.h"
#include "store_monitor.h"
#include "store_web.h"
#include "timeutil.h"
#include "web_actions.h"
#include "web_reports.h"
#include "web_req.h"
#include "xalloc.h"
#include "banned.h"

#define EN(q) ((q)->lang == SG_LANG_EN)

static void begin(struct web_req *q, struct web_reply *r, struct html_page *pg, const char *title)
{
	*pg = (struct html_page){
	    q->lang,       title, EN(q) ? "saasguard — operations" : "saasguard 運用画面",
	    "/dashboard/", NULL,  NULL};
	r->status = r->status ? r->status : 200;
	r->type = "text/html; charset=utf-8";
	html_page_begin(&r->body, pg);
	if (q->role) {
		html_fmt(&r->body,
		         "<form class=\"logout\" method=\"post\" action=\"/logout\"><p>%s（%r）"
		         "<input type=\"hidden\" name=\"csrf\" value=\"%s\"> "
		         "<button type=\"submit\">%r</button></p></form>\n",
		         q->user, web_auth_role_name(q->role), q->csrf,
		         EN(q) ? "Log out" : "ログアウト");
	}
}

static void message_page(struct web_req *q, struct web_reply *r, int status, const char *ja,
                         const char *en)
{
	struct html_page pg;

	r->status = status;
	begin(q, r, &pg, EN(q) ? en : ja);
	html_fmt(&r->body, "<h1>%s</h1>\n<p><a href=\"/dashboard/\">%r</a></p>\n", EN(q) ? en : ja,
	         EN(q) ? "Back to the overview" : "概要へ戻る");
	html_page_end(&r->body, &pg, NULL);
}

static void redirect(struct web_reply *r, const char *to)
{
	r->status = 303;
	snprintf(r->location_buf, sizeof(r->location_buf), "%s", to);
	r->location = r->location_buf;
	r->type = "text/plain; charset=utf-8";
}

static int form_csrf_ok(const struct web_req *q, const char *want)
{
	const char *got = q->form ? web_form_get(q->form, "csrf") : NULL;
	return got && want && *want && web_auth_equal(got, want);
}

/* A form an operator submits: the session's CSRF token first, then the role.
 * Answers 403 and returns 0 when either is wrong. */
static int operator_form(struct web_req *q, struct web_reply *r)
{
	if (!form_csrf_ok(q, q->csrf)) {
		message_page(q, r, 403,
		             "この操作は受け付けられません（CSRF トークンが一致しません）",
		             "Refused: the CSRF token does not match");
		return 0;
	}
	if (q->role < WEB_ROLE_OPERATOR) {
		message_page(q, r, 403, "この操作の権限がありません（operator 以上が必要です）",
		             "Forbidden: this needs the operator role");
		return 0;
	}
	return 1;
}

/* ---- login ---- */

static void login_form(struct web_req *q, struct web_reply *r, const char *error)
{
	struct html_page pg;
	char csrf[80];
	unsigned char h[32];

	/* The login form's CSRF token is a cookie it must echo (no session yet). */
	if (q->login_csrf[0]) {
		snprintf(csrf, sizeof(csrf), "%s", q->login_csrf);
	} else {
		web_auth_new_secret(csrf, h);
		snprintf(q->set_cookie[1], sizeof(q->set_cookie[1]),
		         "sg_login=%s; Path=/login; HttpOnly; SameSite=Strict%s", csrf,
		         q->secure ? "; Secure" : "");
	}
	begin(q, r, &pg, EN(q) ? "Log in" : "ログイン");
	html_fmt(&r->body, "<h1>%r</h1>\n", EN(q) ? "Log in" : "ログイン");
	if (error)
		html_fmt(&r->body, "<p class=\"banner down\" role=\"alert\">%s</p>\n", error);
	html_fmt(
	    &r->body,
	    "<form method=\"post\" action=\"/login\">\n"
	    "<p><label for=\"user\">%r</label><br><input id=\"user\" name=\"user\" "
	    "autocomplete=\"username\" required maxlength=\"64\"></p>\n"
	    "<p><label for=\"password\">%r</label><br><input id=\"password\" name=\"password\" "
	    "type=\"password\" autocomplete=\"current-password\" required maxlength=\"256\"></p>\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
	    EN(q) ? "User name" : "ユーザー名", EN(q) ? "Password" : "パスワード", csrf,
	    EN(q) ? "Log in" : "ログイン");
	html_page_end(&r->body, &pg, NULL);
}

static void login_post(struct web_req *q, struct web_reply *r)
{
	const char *user = q->form ? web_form_get(q->form, "user") : NULL;
	const char *pw = q->form ? web_form_get(q->form, "password") : NULL;
	char session[WEB_AUTH_SECRET_LEN + 1], csrf[WEB_AUTH_SECRET_LEN + 1];
	enum web_login_result res;
	struct store_web_user u;
	struct sg_error err;

	if (!form_csrf_ok(q, q->login_csrf)) {
		r->status = 403;
		login_form(q, r,
		           EN(q)
		               ? "The form has expired. Please log in again."
		               : "フォームの有効期限が切れました。もう一度ログインしてください。");
		return;
	}
	if (!user || !pw || !*user || strlen(user) > 64 || strlen(pw) > 256) {
		r->status = 400;
		login_form(q, r,
		           EN(q) ? "Enter your user name and password."
		                 : "ユーザー名とパスワードを入力してください。");
		return;
	}
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if (web_auth_login(q->s, user, pw, q->address, timeutil_now(), &res, session, csrf, &u,
	                   &err)) {
		message_page(q, r, 500, "ログインを処理できませんでした",
		             "Could not process the login");
		return;
	}
	if (res == WEB_LOGIN_THROTTLED) {
		r->status = 429;
		login_form(q, r,
		           EN(q) ? "Too many failed logins. Please wait 15 minutes and try again."
		                 : "ログインの失敗が続いたため、15 分間ログインできません。"
		                   "時間をおいてからお試しください。");
		return;
	}
	if (res == WEB_LOGIN_BAD) {
		r->status = 401;
		login_form(q, r,
		           EN(q) ? "The user name or password is wrong."
		                 : "ユーザー名またはパスワードが違います。");
		return;
	}
	store_web_user_release(&u);
	snprintf(q->set_cookie[0], sizeof(q->set_cookie[0]),
	         "sg_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", session,
	         (int)WEB_AUTH_SESSION_S, q->secure ? "; Secure" : "");
	snprintf(q->set_cookie[1], sizeof(q->set_cookie[1]),
	         "sg_login=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0%s",
	         q->secure ? "; Secure" : "");
	sodium_memzero(session, sizeof(session));
	redirect(r, "/dashboard/");
}

static void logout(struct web_req *q, struct web_reply *r)
{
	struct sg_error err;

	if (!q->has_session || !form_csrf_ok(q, q->csrf)) {
		message_page(q, r, 403,
		             "この操作は受け付けられません（CSRF トークンが一致しません）",
		             "Refused: the CSRF token does not match");
		return;
	}
	memset(&err, 0, sizeof(err));
	if (store_begin(q->s, &err) || store_web_session_end(q->s, q->session_hash, &err) ||
	    ledger_events_web_logout(q->s, q->user, &err) || store_commit(q->s, &err))
		store_rollback(q->s);
	snprintf(q->set_cookie[0], sizeof(q->set_cookie[0]),
	         "sg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
	         q->secure ? "; Secure" : "");
	redirect(r, "/login");
}

/* ---- overview ---- */

static void fmt_dur(double s, char out[32])
{
	long long m = (long long)(s / 60 + 0.5);
	snprintf(out, 32, "%lldh%02lldm", m / 60, m % 60);
}

/* "compliant 62 · gap 3 …" from an object of counts. */
static void counts(struct dynbuf *d, json_t *o)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach(o, k, v)
	{
		html_fmt(d, "%r%s %lld", first ? "" : " · ", k, (long long)json_integer_value(v));
		first = 0;
	}
}

static void summary_line(struct web_req *q, struct dynbuf *d, const struct web_service *svc)
{
	json_t *a = web_req_assessment(q, svc), *s;

	if (!a)
		return;
	s = json_object_get(a, "summary");
	html_fmt(d, "<p><a href=\"/dashboard/%s/controls\">%r</a>: ", svc->slug,
	         EN(q) ? "Assessment" : "評価");
	counts(d, json_object_get(s, "control_verdicts"));
	html_fmt(d, "<br>%r: ", EN(q) ? "basic controls" : "基本の対策項目");
	counts(d, json_object_get(s, "basic"));
	html_fmt(d, "<br>%r: ", EN(q) ? "gaps by severity" : "重大度別のギャップ");
	counts(d, json_object_get(s, "gaps"));
	html_fmt(d, "<br>%r %lld / %lld</p>\n", EN(q) ? "* items met:" : "* の評価項目の達成:",
	         (long long)json_integer_value(json_object_get(s, "required_met")),
	         (long long)json_integer_value(json_object_get(s, "required_items")));
	json_decref(a);
}

static void controls_page(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	json_t *a = web_req_assessment(q, svc), *c, *it;
	struct html_page pg;
	char title[200];
	size_t i, k, shown = 0;
	static const char *const levels[] = {"", "basic", "recommended", NULL};
	static const char *const verdicts[] = {
	    "", "compliant", "gap", "not_applicable", "accepted_risk", "not_assessed", NULL};

	if (!a) {
		message_page(q, r, 500, "評価できませんでした", "The assessment could not be made");
		return;
	}
	snprintf(title, sizeof(title), EN(q) ? "%s — controls" : "%s 対策項目", svc->name);
	begin(q, r, &pg, title);
	html_fmt(&r->body,
	         "<h1>%s</h1>\n<form method=\"get\" action=\"/dashboard/%s/controls\">"
	         "<p><label for=\"section\">%r</label> <input id=\"section\" name=\"section\" "
	         "value=\"%s\" size=\"10\" placeholder=\"III.1\"> "
	         "<label for=\"level\">%r</label> <select id=\"level\" name=\"level\">",
	         title, svc->slug, EN(q) ? "Section" : "節", q->q_section ? q->q_section : "",
	         EN(q) ? "Level" : "区分");
	for (i = 0; levels[i]; i++)
		html_fmt(&r->body, "<option value=\"%s\"%r>%s</option>", levels[i],
		         q->q_level && !strcmp(q->q_level, levels[i]) ? " selected" : "",
		         levels[i][0] ? levels[i] : "-");
	html_fmt(&r->body,
	         "</select> <label for=\"verdict\">%r</label> <select id=\"verdict\" "
	         "name=\"verdict\">",
	         EN(q) ? "Verdict" : "判定");
	for (i = 0; verdicts[i]; i++)
		html_fmt(&r->body, "<option value=\"%s\"%r>%s</option>", verdicts[i],
		         q->q_verdict && !strcmp(q->q_verdict, verdicts[i]) ? " selected" : "",
		         verdicts[i][0] ? verdicts[i] : "-");
	html_fmt(&r->body, "</select> <button type=\"submit\">%r</button></p></form>\n",
	         EN(q) ? "Filter" : "絞り込む");
	html_fmt(&r->body,
	         "<table>\n<thead><tr><th scope=\"col\">%r</th><th scope=\"col\">%r</th>"
	         "<th scope=\"col\">%r</th><th scope=\"col\">%r</th><th scope=\"col\">%r"
	         "</th></tr></thead>\n<tbody>\n",
	         EN(q) ? "Control" : "対策項目", EN(q) ? "Level" : "区分",
	         EN(q) ? "Declared" : "申告", EN(q) ? "Verdict" : "判定",
	         EN(q) ? "Evaluation items (value, provenance, verdict)"
	               : "評価項目（値・出所・判定）");
	json_array_foreach(json_object_get(a, "controls"), i, c)
	{
		if (!web_req_control_matches(q, c))
			continue;
		shown++;
		html_fmt(&r->body, "<tr><td>%s %s</td><td>%s</td><td>%s</td><td>%s%r%s</td><td>",
		         json_string_value(json_object_get(c, "id")),
		         json_string_value(json_object_get(c, EN(q) ? "title_en" : "title_ja")),
		         json_string_value(json_object_get(c, "level")),
		         json_string_value(json_object_get(c, "status")),
		         json_string_value(json_object_get(c, "verdict")),
		         json_string_value(json_object_get(c, "severity")) ? " / " : "",
		         json_string_value(json_object_get(c, "severity")));
		json_array_foreach(json_object_get(c, "evaluation_items"), k, it)
		    html_fmt(&r->body, "%s: %s（%s、%r %s）%s<br>",
		             json_string_value(json_object_get(it, "id")),
		             json_string_value(json_object_get(it, "value"))
		                 ? json_string_value(json_object_get(it, "value"))
		                 : "-",
		             json_string_value(json_object_get(it, "provenance")),
		             EN(q) ? "reference" : "参照値",
		             json_string_value(json_object_get(it, "reference")),
		             json_string_value(json_object_get(it, "verdict")));
		dynbuf_addstr(&r->body, "</td></tr>\n");
	}
	html_fmt(&r->body, "</tbody>\n</table>\n<p>%zu %r</p>\n", shown,
	         EN(q) ? "control(s)" : "件");
	if (q->role >= WEB_ROLE_OPERATOR) {
		html_fmt(
		    &r->body,
		    "<h2 id=\"attest\">%r</h2>\n<form method=\"post\" "
		    "action=\"/dashboard/%s/attest\" "
		    "enctype=\"multipart/form-data\">\n<p><label for=\"control\">%r</label><br>"
		    "<select id=\"control\" name=\"control\">",
		    EN(q) ? "Attest a control" : "対策の確認を記録する", svc->slug,
		    EN(q) ? "Control or evaluation item" : "対策項目・評価項目");
		json_array_foreach(json_object_get(a, "controls"), i, c)
		{
			html_fmt(&r->body, "<option>%s</option>",
			         json_string_value(json_object_get(c, "id")));
			json_array_foreach(json_object_get(c, "evaluation_items"), k, it)
			    html_fmt(&r->body, "<option>%s</option>",
			             json_string_value(json_object_get(it, "id")));
		}
		html_fmt(
		    &r->body,
		    "</select></p>\n<p><label for=\"note\">%r</label><br><textarea id=\"note\" "
		    "name=\"note\" rows=\"3\" cols=\"70\" required "
		    "maxlength=\"2000\"></textarea></p>\n"
		    "<p><label for=\"evidence\">%r</label><br><input id=\"evidence\" "
		    "name=\"evidence\" "
		    "type=\"file\"></p>\n<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		    EN(q) ? "What was checked, by whom, with what result" : "確認した内容・結果",
		    EN(q) ? "Evidence file (kept, hashed into the ledger; up to 10 MB)"
		          : "証拠ファイル（保管し、SHA-256 を証跡台帳に記録。10 MB まで）",
		    q->csrf, EN(q) ? "Record" : "記録する");
	}
	html_page_end(&r->body, &pg, NULL);
	json_decref(a);
}

/* Deadline-risk alerts of the last 90 days (an incident whose first notice
 * was at risk of missing its deadline) and each collector's latest run. */
static void risks_and_findings(struct web_req *q, struct dynbuf *d, const struct web_service *svc,
                               double now)
{
	struct store_web_risk *rk = NULL;
	struct store_web_collector *c = NULL;
	size_t nr = 0, nc = 0;
	struct sg_error err;
	char t[40];

	memset(&err, 0, sizeof(err));
	html_fmt(d, "<h3>%r</h3>\n",
	         EN(q) ? "Notifications at risk of their deadline"
	               : "期限に間に合わないおそれのある通知");
	if (store_web_deadline_risks(q->s, svc->mcfg->service, now - 90 * 86400.0, &rk, &nr,
	                             &err) == SG_OK) {
		if (!nr)
			html_fmt(d, "<p>%r</p>\n",
			         EN(q) ? "None in the last 90 days."
			               : "過去 90 日間にはありません。");
		else
			dynbuf_addstr(d, "<ul>\n");
		for (size_t i = 0; i < nr; i++) {
			web_status_local_time(rk[i].at, svc->mcfg->hours.timezone, t);
			html_fmt(
			    d,
			    "<li class=\"risk\"><a href=\"/dashboard/incidents/%lld\">%r %lld</a> "
			    "%s（%r）</li>\n",
			    rk[i].incident, EN(q) ? "Incident" : "インシデント", rk[i].incident, t,
			    rk[i].delivered ? (EN(q) ? "alert delivered" : "警告は配信済み")
			                    : (EN(q) ? "alert not yet delivered" : "警告は未配信"));
		}
		if (nr)
			dynbuf_addstr(d, "</ul>\n");
	}
	free(rk);
	html_fmt(d,
	         "<h3>%r</h3>\n<table>\n<thead><tr><th scope=\"col\">%r</th><th scope=\"col\">"
	         "%r</th><th scope=\"col\">%r</th><th scope=\"col\">%r</th></tr></thead>\n"
	         "<tbody>\n",
	         EN(q) ? "Collector findings (latest run of each)" : "収集結果（各収集の最新）",
	         EN(q) ? "Collector" : "収集", EN(q) ? "Run" : "実行日時",
	         EN(q) ? "Results" : "結果", EN(q) ? "Findings" : "指摘");
	if (store_web_collectors(q->s, svc->mcfg->service, &c, &nc, &err) == SG_OK)
		for (size_t i = 0; i < nc; i++) {
			web_status_local_time(c[i].at, svc->mcfg->hours.timezone, t);
			html_fmt(d,
			         "<tr class=\"collector\"><td>%s</td><td>%s</td><td>%lld</td>"
			         "<td>%lld</td></tr>\n",
			         c[i].collector, t, c[i].results, c[i].findings);
		}
	if (!nc)
		html_fmt(d, "<tr><td colspan=\"4\">%r</td></tr>\n",
		         EN(q) ? "No collector has run (saasguard check)."
		               : "収集はまだ実行されていません（saasguard check）。");
	dynbuf_addstr(d, "</tbody>\n</table>\n");
	store_web_collectors_free(c, nc);
}

static void service_overview(struct web_req *q, struct web_reply *r, const struct web_service *svc,
                             double now)
{
	struct dynbuf *d = &r->body;
	struct incident_row *rows = NULL;
	size_t n = 0, open = 0, due = 0, overdue = 0;
	struct availability av;
	struct timeutil_period per;
	struct sg_error err;
	char pct[16] = "-";
	const struct eval_item *it = catalog_item(q->cat, "III.2.1.1.a");
	const struct reference_value *ref = it ? &it->refs[svc->mcfg->pattern - 1] : NULL;

	memset(&err, 0, sizeof(err));
	html_fmt(
	    d,
	    "<section>\n<h2>%s</h2>\n<p>%r %d · <a href=\"/status/%s\">%r</a> · "
	    "<a href=\"/dashboard/%s/checks\">%r</a> · <a href=\"/dashboard/%s/maintenance\">%r"
	    "</a></p>\n",
	    svc->name, EN(q) ? "Pattern" : "パターン", svc->mcfg->pattern, svc->slug,
	    EN(q) ? "public status page" : "公開稼働状況ページ", svc->slug,
	    EN(q) ? "checks and response times" : "監視項目と応答時間", svc->slug,
	    EN(q) ? "maintenance" : "保守作業");
	html_fmt(d, "<p><a href=\"/dashboard/%s/reports\">%r</a></p>\n", svc->slug,
	         EN(q) ? "Reports" : "報告書");
	web_status_tz_lock();
	timeutil_period_containing((long long)now, 1, svc->mcfg->hours.timezone, &per);
	if (availability_for_period(q->s, svc->mcfg, (double)per.start, (double)per.end, now, &av,
	                            &err) == SG_OK &&
	    av.percent >= 0)
		availability_format(av.percent, pct);
	web_status_tz_unlock();
	html_fmt(d, "<p>%r %s: %s（%r %s）</p>\n", EN(q) ? "Availability" : "稼働率", per.label,
	         pct, EN(q) ? "committed" : "約定値", ref ? ref->quantity_text : "-");
	summary_line(q, d, svc);
	if (store_monitor_incident_list(q->s, svc->mcfg->service, now - 90 * 86400.0, now + 1,
	                                &rows, &n, &err) == SG_OK) {
		for (size_t i = 0; i < n; i++) {
			struct incident_row full;
			memset(&full, 0, sizeof(full));
			if (!(rows[i].resolved_at > 0))
				open++;
			if (rows[i].followup_deadline_s > 0 &&
			    store_monitor_incident_get(q->s, rows[i].id, &full, &err) == SG_OK &&
			    full.nfollowups == 0) {
				if (now > full.detected_at + full.followup_deadline_s)
					overdue++;
				else
					due++;
			}
			store_monitor_incident_row_release(&full);
		}
		html_fmt(d, "<p>%r %zu · %r %zu · %r %zu</p>\n",
		         EN(q) ? "Open incidents" : "対応中のインシデント", open,
		         EN(q) ? "Follow-ups due" : "続報の期限前", due,
		         EN(q) ? "Follow-ups overdue" : "続報の期限超過", overdue);
		html_fmt(d,
		         "<table>\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">%r</th>"
		         "<th scope=\"col\">%r</th><th scope=\"col\">%r</th><th scope=\"col\">%r"
		         "</th></tr></thead>\n<tbody>\n",
		         EN(q) ? "Kind" : "種別", EN(q) ? "Check" : "監視項目",
		         EN(q) ? "Detected" : "検知", EN(q) ? "Duration" : "継続時間");
		for (size_t i = 0; i < n && i < 20; i++) {
			char t[40], dur[32], *name = NULL;
			/* incidents recorded before check names were kept name their check by id */
			if (!*rows[i].check_name && rows[i].check_id &&
			    store_web_check_name(q->s, rows[i].check_id, &name, &err) == SG_OK &&
			    name) {
				free(rows[i].check_name);
				rows[i].check_name = name;
			}
			web_status_local_time(rows[i].detected_at, svc->mcfg->hours.timezone, t);
			fmt_dur((rows[i].resolved_at > 0 ? rows[i].resolved_at : now) -
			            rows[i].started_at,
			        dur);
			html_fmt(
			    d,
			    "<tr><td><a href=\"/dashboard/incidents/%lld\">%lld</a></td><td>%s</td>"
			    "<td>%s</td><td>%s</td><td>%s%r</td></tr>\n",
			    rows[i].id, rows[i].id, rows[i].kind, rows[i].check_name, t, dur,
			    rows[i].resolved_at > 0 ? "" : (EN(q) ? " (open)" : "（対応中）"));
		}
		dynbuf_addstr(d, "</tbody>\n</table>\n");
	}
	for (size_t i = 0; i < n; i++)
		store_monitor_incident_row_release(&rows[i]);
	free(rows);
	risks_and_findings(q, d, svc, now);
	dynbuf_addstr(d, "</section>\n");
}

/* ---- ledger ---- */

/* Entries, the newest signed head and what is not yet sealed. */
static void ledger_summary(struct web_req *q, struct dynbuf *d)
{
	struct store_ledger_head h;
	struct sg_error err;
	long long entries = 0;
	int found = 0;

	memset(&err, 0, sizeof(err));
	memset(&h, 0, sizeof(h));
	if (store_ledger_next_seq(q->s, &entries, &err) == SG_OK &&
	    store_ledger_last_head(q->s, &h, &found, &err) == SG_OK) {
		char t[32] = "-";
		if (found)
			timeutil_utc(h.at_ms / 1000, t);
		html_fmt(
		    d,
		    EN(q)
		        ? "<p>Ledger: %lld entries; latest signed tree head covers %lld (%s UTC); "
		          "%lld not yet sealed.</p>\n"
		        : "<p>証跡台帳: 記録 %lld 件、最新の署名付きツリーヘッドは %lld 件まで（%s "
		          "UTC）、"
		          "未封印 %lld 件。</p>\n",
		    entries, found ? h.tree_size : 0, t, entries - (found ? h.tree_size : 0));
	}
	free(h.head);
	free(h.token);
}

/* The last verification of the whole ledger (its ledger_verified entry):
 * when, by whom, the result and what it covered; a failure in red. */
static void verification_html(struct web_req *q, struct dynbuf *d, const struct ledger_check *c,
                              int found)
{
	char t[32], root[65] = "-";

	if (!found) {
		html_fmt(d, "<p class=\"banner unknown\" role=\"status\">%r</p>\n",
		         EN(q) ? "Last ledger verification: none recorded yet (saasguard monitor "
		                 "verifies the ledger daily; an admin can verify it now)."
		               : "最後の台帳検証: 記録がありません（saasguard monitor が毎日検証し"
		                 "ます。管理者は今すぐ検証できます）。");
		return;
	}
	timeutil_utc((long long)c->at, t);
	if (c->has_root) {
		sodium_bin2hex(root, sizeof(root), c->r.sealed_root, sizeof(c->r.sealed_root));
		root[16] = 0; /* shown shortened; the API and the entry carry all of it */
	}
	if (!c->ok) {
		html_fmt(d,
		         "<div class=\"banner down\" role=\"alert\"><p><strong>%r</strong></p>\n"
		         "<p>%r %s %r %s (%r %lld)</p>\n<p>%s</p>\n",
		         EN(q) ? "Ledger verification FAILED" : "台帳の検証に失敗しました",
		         EN(q) ? "Verified at" : "検証日時:", t, EN(q) ? "by" : "実行:", c->by,
		         EN(q) ? "ledger entry" : "台帳エントリ", c->seq, c->error ? c->error : "");
		if (c->r.bad_from >= 0)
			html_fmt(d,
			         EN(q) ? "<p>Entries concerned: %lld–%lld</p>\n"
			               : "<p>該当するエントリ: %lld〜%lld</p>\n",
			         c->r.bad_from, c->r.bad_to);
		dynbuf_addstr(d, "</div>\n");
		return;
	}
	html_fmt(d,
	         EN(q) ? "<p class=\"banner up\" role=\"status\">Last ledger verification: OK — "
	                 "%s by %s: %lld entries recomputed, %lld tree heads, the latest #%lld "
	                 "covering %lld entries (root %s…), %lld checkpoints (ledger entry "
	                 "%lld).</p>\n"
	               : "<p class=\"banner up\" role=\"status\">最後の台帳検証: 正常 — %s、"
	                 "実行 %s。エントリ %lld 件を再計算、ツリーヘッド %lld 件（最新 #%lld は"
	                 "エントリ %lld 件、ルート %s…）、チェックポイント %lld 件（台帳エントリ "
	                 "%lld）。</p>\n",
	         t, c->by, c->r.recomputed, c->r.heads, c->r.sealed_number, c->r.sealed, root,
	         c->r.checkpoints, c->seq);
}

static void overview(struct web_req *q, struct web_reply *r)
{
	struct html_page pg;
	struct ledger_check c;
	struct sg_error err;
	long long pending = 0;
	double oldest = 0;
	int found = 0;
	double now = timeutil_now();

	memset(&err, 0, sizeof(err));
	if (ledger_check_latest(q->s, &c, &found, &err))
		found = 0;
	begin(q, r, &pg, EN(q) ? "Overview" : "概要");
	html_fmt(&r->body, "<h1>%r</h1>\n", EN(q) ? "Overview" : "概要");
	if (found && !c.ok) /* a failed verification first, before anything else */
		verification_html(q, &r->body, &c, found);
	for (size_t i = 0; i < q->site->n; i++)
		service_overview(q, r, &q->site->svc[i], now);
	html_fmt(&r->body, "<h2>%r</h2>\n", EN(q) ? "Notifications and ledger" : "通知と証跡台帳");
	if (store_web_outbox(q->s, &pending, &oldest, &err) == SG_OK)
		html_fmt(&r->body, "<p>%r %lld%r</p>\n",
		         EN(q) ? "Messages waiting in the outbox:" : "送信待ちの通知:", pending,
		         pending && oldest > 0
		             ? (EN(q) ? " (check the monitor is running)"
		                      : "（saasguard monitor が動いているか確認してください）")
		             : "");
	ledger_summary(q, &r->body);
	if (!found || c.ok)
		verification_html(q, &r->body, &c, found);
	html_fmt(&r->body, "<p><a href=\"/dashboard/ledger\">%r</a></p>\n",
	         EN(q) ? "Ledger: verification and export" : "証跡台帳: 検証と書き出し");
	ledger_check_release(&c);
	html_page_end(&r->body, &pg, NULL);
}

/* The last RECENT verifications and exports, newest first. */
#define RECENT 10
struct recent {
	struct {
		long long seq, at_ms;
		char *summary;
		const char *label;
	} e[RECENT];
	size_t n, next;
	enum sg_lang lang;
};

static int recent_one(json_t *entry, const char *text, void *ctx)
{
	struct recent *rc = ctx;
	const char *type = json_string_value(json_object_get(entry, "type"));
	json_t *at = json_object_get(entry, "at");
	size_t i = rc->next;

	(void)text;
	free(rc->e[i].summary);
	rc->e[i].seq = (long long)json_integer_value(json_object_get(entry, "seq"));
	rc->e[i].at_ms = json_is_integer(at) ? (long long)json_integer_value(at) : 0;
	rc->e[i].label = ledger_events_label(type ? type : "", rc->lang);
	rc->e[i].summary =
	    ledger_events_summary(type ? type : "", json_object_get(entry, "payload"), rc->lang);
	rc->next = (i + 1) % RECENT;
	if (rc->n < RECENT)
		rc->n++;
	return 0;
}

static void recent_html(struct web_req *q, struct dynbuf *d, const char *type, const char *h2)
{
	struct recent rc;
	struct sg_error err;

	memset(&rc, 0, sizeof(rc));
	memset(&err, 0, sizeof(err));
	rc.lang = q->lang;
	if (ledger_each(q->s, type, LLONG_MIN, LLONG_MAX, recent_one, &rc, &err) == SG_OK && rc.n) {
		html_fmt(
		    d,
		    "<h3>%r</h3>\n<table>\n<thead><tr><th scope=\"col\">%r</th>"
		    "<th scope=\"col\">%r</th><th scope=\"col\">%r</th></tr></thead>\n<tbody>\n",
		    h2, EN(q) ? "Entry" : "エントリ", EN(q) ? "Time (UTC)" : "日時（UTC）",
		    EN(q) ? "Summary" : "内容");
		for (size_t k = 0; k < rc.n; k++) {
			size_t i = (rc.next + RECENT - 1 - k) % RECENT;
			char t[32] = "-";
			/* stored times are hostile: only years 1970-9999 are formatted */
			if (rc.e[i].at_ms >= 0 && rc.e[i].at_ms <= 253402300799999LL)
				timeutil_utc(rc.e[i].at_ms / 1000, t);
			html_fmt(d, "<tr><td>%lld</td><td>%s</td><td>%s</td></tr>\n", rc.e[i].seq,
			         t, rc.e[i].summary ? rc.e[i].summary : "");
		}
		dynbuf_addstr(d, "</tbody>\n</table>\n");
	}
	for (size_t i = 0; i < RECENT; i++)
		free(rc.e[i].summary);
}

/* /dashboard/ledger: the last verification, "verify now" (admin) and the
 * export download (operator). */
static void ledger_page(struct web_req *q, struct web_reply *r, const char *notice, int ok)
{
	struct html_page pg;
	struct ledger_check c;
	struct sg_error err;
	int found = 0;

	memset(&err, 0, sizeof(err));
	if (ledger_check_latest(q->s, &c, &found, &err))
		found = 0;
	begin(q, r, &pg, EN(q) ? "Evidence ledger" : "証跡台帳");
	html_fmt(&r->body, "<h1>%r</h1>\n", EN(q) ? "Evidence ledger" : "証跡台帳");
	if (notice)
		html_fmt(&r->body, "<p class=\"banner %r\" role=\"%r\">%s</p>\n",
		         ok ? "up" : "down", ok ? "status" : "alert", notice);
	ledger_summary(q, &r->body);
	html_fmt(&r->body, "<h2>%r</h2>\n", EN(q) ? "Verification" : "検証");
	verification_html(q, &r->body, &c, found);
	ledger_check_release(&c);
	recent_html(q, &r->body, "ledger_verified", EN(q) ? "Recent verifications" : "最近の検証");
	if (q->role >= WEB_ROLE_ADMIN)
		html_fmt(
		    &r->body,
		    "<form method=\"post\" action=\"/dashboard/ledger/verify\">\n"
		    "<p>%r</p>\n<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		    EN(q) ? "Recompute every entry and the tree, check every tree head's "
		            "signature and the signer's record, and record the result in the "
		            "ledger with your name (as saasguard ledger verify --record)."
		          : "すべてのエントリと木を再計算し、すべてのツリーヘッドの署名と署名者の"
		            "記録を確認して、結果をあなたの名前で台帳に記録します（saasguard "
		            "ledger verify --record と同じ処理）。",
		    q->csrf, EN(q) ? "Verify now" : "今すぐ検証する");
	if (q->role >= WEB_ROLE_OPERATOR)
		html_fmt(
		    &r->body,
		    "<h2>%r</h2>\n<p>%r</p>\n"
		    "<form method=\"post\" action=\"/dashboard/ledger/export\">\n"
		    "<p><label for=\"from\">%r</label><br><input id=\"from\" name=\"from\" "
		    "type=\"date\"></p>\n"
		    "<p><label for=\"to\">%r</label><br><input id=\"to\" name=\"to\" "
		    "type=\"date\"></p>\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		    EN(q) ? "Export for auditors" : "監査人向けの書き出し",
		    EN(q) ? "A zip of what saasguard ledger export writes: the period's entries, "
		            "the signed tree head, the public key and VERIFY.md, which checks them "
		            "with openssl and sha256sum alone (at most 32 MB; recorded in the "
		            "ledger with your name)."
		          : "saasguard ledger export "
		            "と同じ内容（期間のエントリ、署名付きツリーヘッド、"
		            "公開鍵、openssl と sha256sum だけで検証する手順 VERIFY.md）を zip で"
		            "ダウンロードします（32 MB まで。あなたの名前で台帳に記録します）。",
		    EN(q) ? "From (UTC date; empty: the first entry)"
		          : "開始日（UTC。空欄は最初のエントリから）",
		    EN(q) ? "To (UTC date, inclusive; empty: now)"
		          : "終了日（UTC、その日を含む。空欄は現在まで）",
		    q->csrf, EN(q) ? "Download the export (zip)" : "書き出しをダウンロード（zip）");
	recent_html(q, &r->body, "ledger_exported",
	            EN(q) ? "Recent exports from the web" : "Web からの最近の書き出し");
	html_page_end(&r->body, &pg, NULL);
}

static void ledger_verify_post(struct web_req *q, struct web_reply *r)
{
	struct ledger_check c;
	struct sg_error err;
	long long seq = 0;
	char note[700];
	enum sg_code rc;

	if (!form_csrf_ok(q, q->csrf)) {
		message_page(q, r, 403,
		             "この操作は受け付けられません（CSRF トークンが一致しません）",
		             "Refused: the CSRF token does not match");
		return;
	}
	if (q->role < WEB_ROLE_ADMIN) {
		message_page(q, r, 403, "この操作の権限がありません（admin が必要です）",
		             "Forbidden: this needs the admin role");
		return;
	}
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if ((rc = web_action_verify_ledger(q->s, q->site, q->user, &c, &seq, &err))) {
		r->status = rc == SG_ERR_NOT_FOUND ? 404 : 500;
		ledger_page(q, r, err.msg, 0);
		return;
	}
	if (c.ok)
		snprintf(note, sizeof(note),
		         EN(q) ? "Verified the ledger: %lld entries; recorded as entry %lld."
		               : "台帳を検証しました（エントリ %lld 件）。台帳エントリ %lld "
		                 "に記録しました。",
		         c.r.entries, seq);
	else
		snprintf(note, sizeof(note),
		         EN(q) ? "The verification FAILED: %.400s (recorded as entry %lld)."
		               : "検証に失敗しました: %.400s（台帳エントリ %lld に記録しました）。",
		         c.error ? c.error : "", seq);
	ledger_page(q, r, note, c.ok);
	ledger_check_release(&c);
}

static void ledger_export_post(struct web_req *q, struct web_reply *r)
{
	struct web_ledger_export x;
	struct sg_error err;
	long long from, to;
	enum sg_code rc;

	if (!operator_form(q, r))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	dynbuf_reset(&r->body);
	if ((rc = web_action_period(web_form_get(q->form, "from"), web_form_get(q->form, "to"),
	                            &from, &to, &err)) ||
	    (rc = web_action_ledger_export(q->s, q->site, from, to, q->user, &r->body, &x, &err))) {
		r->status = rc == SG_ERR_INPUT ? 400 : rc == SG_ERR_NOT_FOUND ? 404 : 500;
		ledger_page(q, r, err.msg, 0);
		return;
	}
	r->status = 200;
	r->type = "application/zip";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"", x.name);
}

/* ---- incident ---- */

static void incident_page(struct web_req *q, struct web_reply *r, const char *notice)
{
	struct incident_row x;
	struct store_web_followup *fu = NULL;
	struct notification_row *nr = NULL;
	size_t nfu = 0, nn = 0;
	struct sg_error err;
	struct html_page pg;
	const struct web_service *svc;
	char title[128], t[40];
	const char *tz;

	memset(&err, 0, sizeof(err));
	memset(&x, 0, sizeof(x));
	if (store_monitor_incident_get(q->s, q->rt->seq, &x, &err) ||
	    !(svc = web_req_incident_service(q, x.service))) {
		store_monitor_incident_row_release(&x);
		message_page(q, r, 404, "インシデントが見つかりません", "No such incident");
		return;
	}
	tz = svc->mcfg->hours.timezone;
	snprintf(title, sizeof(title), EN(q) ? "Incident %lld" : "インシデント %lld", x.id);
	begin(q, r, &pg, title);
	html_fmt(&r->body, "<h1>%s — %s</h1>\n", title, svc->name);
	if (notice)
		html_fmt(&r->body, "<p class=\"banner up\" role=\"status\">%s</p>\n", notice);
	html_fmt(&r->body, "<dl>\n<dt>%r</dt><dd>%s (%s)</dd>\n<dt>%r</dt><dd>%s</dd>\n",
	         EN(q) ? "Kind" : "種別", x.kind, x.item_id, EN(q) ? "Check" : "監視項目",
	         x.check_name);
	html_fmt(&r->body, "<dt>%r</dt><dd>%s</dd>\n", EN(q) ? "Summary" : "概要", x.summary);
	dynbuf_addstr(&r->body, "</dl>\n");
	html_fmt(&r->body, "<h2>%r</h2>\n<ol class=\"timeline\">\n", EN(q) ? "Timeline" : "経過");
	web_status_local_time(x.started_at, tz, t);
	html_fmt(&r->body, "<li>%s %r</li>\n", t, EN(q) ? "first failure" : "最初の失敗");
	web_status_local_time(x.detected_at, tz, t);
	html_fmt(&r->body, "<li>%s %r</li>\n", t, EN(q) ? "detected (confirmed)" : "検知（確定）");
	if (store_monitor_notifications_of(q->s, x.id, &nr, &nn, &err) == SG_OK)
		for (size_t i = 0; i < nn; i++) {
			web_status_local_time(
			    nr[i].delivered_at > 0 ? nr[i].delivered_at : nr[i].created_at, tz, t);
			html_fmt(&r->body, "<li>%s %s → %s (%s): %r</li>\n", t, nr[i].purpose,
			         nr[i].audience, nr[i].channel,
			         nr[i].delivered_at > 0 ? (EN(q) ? "delivered" : "送信済み")
			                                : (EN(q) ? "waiting" : "送信待ち"));
			store_monitor_notification_row_release(&nr[i]);
		}
	free(nr);
	if (store_web_followups(q->s, x.id, &fu, &nfu, &err) == SG_OK)
		for (size_t i = 0; i < nfu; i++) {
			web_status_local_time(fu[i].sent_at, tz, t);
			html_fmt(&r->body, "<li>%s %r: %s</li>\n", t, EN(q) ? "follow-up" : "続報",
			         fu[i].message);
		}
	store_web_followups_free(fu, nfu);
	if (x.resolved_at > 0) {
		web_status_local_time(x.resolved_at, tz, t);
		html_fmt(&r->body, "<li>%s %r</li>\n", t, EN(q) ? "resolved" : "復旧");
	}
	dynbuf_addstr(&r->body, "</ol>\n");
	if (q->role >= WEB_ROLE_OPERATOR)
		html_fmt(
		    &r->body,
		    "<h2>%r</h2>\n<form method=\"post\" "
		    "action=\"/dashboard/incidents/%lld/followup\">\n"
		    "<p><label for=\"message\">%r</label><br>"
		    "<textarea id=\"message\" name=\"message\" rows=\"8\" cols=\"70\" required "
		    "maxlength=\"20000\"></textarea></p>\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		    EN(q) ? "Send a follow-up (III.1.1.8)" : "続報を送る（III.1.1.8）", x.id,
		    EN(q) ? "Text sent to the admin contacts and shown on the status page"
		          : "管理者窓口へ送信し、稼働状況ページにも掲載する本文",
		    q->csrf, EN(q) ? "Send" : "送信");
	html_page_end(&r->body, &pg, NULL);
	store_monitor_incident_row_release(&x);
}

static void followup_post(struct web_req *q, struct web_reply *r)
{
	struct incident_row x;
	const struct web_service *svc;
	struct sg_error err;
	size_t n = 0;
	const char *msg = q->form ? web_form_get(q->form, "message") : NULL;
	char *text;
	char note[160];

	if (!operator_form(q, r))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	memset(&x, 0, sizeof(x));
	if (store_monitor_incident_get(q->s, q->rt->seq, &x, &err) ||
	    !(svc = web_req_incident_service(q, x.service))) {
		store_monitor_incident_row_release(&x);
		message_page(q, r, 404, "インシデントが見つかりません", "No such incident");
		return;
	}
	store_monitor_incident_row_release(&x);
	/* Browsers send CR LF in a textarea; the text is stored with LF. */
	text = xstrdup(msg ? msg : "");
	for (char *p = text, *o = text;; p++) {
		if (*p != '\r')
			*o++ = *p;
		if (!*p)
			break;
	}
	if (web_action_followup(q->s, svc->profile, q->rt->seq, text, q->user, timeutil_now(), &n,
	                        &err)) {
		free(text);
		r->status = err.code == SG_ERR_INPUT ? 400 : 500;
		incident_page(q, r, err.msg);
		return;
	}
	free(text);
	snprintf(note, sizeof(note),
	         EN(q) ? "Recorded the follow-up and queued it for %zu admin contact(s)."
	               : "続報を記録し、管理者窓口 %zu 件宛てに送信待ちにしました。",
	         n);
	incident_page(q, r, note);
}

/* ---- checks and charts ---- */

static void checks_page(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct html_page pg;
	struct sg_error err;
	char title[200];

	memset(&err, 0, sizeof(err));
	snprintf(title, sizeof(title), EN(q) ? "%s — checks" : "%s 監視項目", svc->name);
	begin(q, r, &pg, title);
	html_fmt(&r->body, "<h1>%s</h1>\n", title);
	for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
		const struct check_def *c = &svc->mcfg->checks[i];
		long long id = 0, iv = 0;
		int confirmed = 0;
		char st[16] = "";
		if (store_web_check_id(q->s, svc->mcfg->service, c->name, &id, &err) || !id)
			continue;
		store_monitor_open_interval(q->s, id, &iv, st, &confirmed, &err);
		html_fmt(&r->body,
		         "<section>\n<h2>%s</h2>\n<p>%s · %s · %s · %r %s%r</p>\n"
		         "<p><img src=\"/dashboard/%s/checks/%lld/chart.svg\" width=\"640\" "
		         "height=\"220\" alt=\"%r %s\"></p>\n</section>\n",
		         c->name, monitor_config_kind_name(c->kind),
		         monitor_config_type_name(c->type), c->target, EN(q) ? "state" : "状態",
		         st[0] ? st : "-",
		         svc->checks[i].is_public ? "" : (EN(q) ? " · not public" : " · 非公開"),
		         svc->slug, id,
		         EN(q) ? "Daily response times (median and 95th percentile) of"
		               : "日ごとの応答時間（中央値と95パーセンタイル）:",
		         c->name);
	}
	html_page_end(&r->body, &pg, NULL);
}

#define CHART_DAYS 30

static void chart(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	double p50[CHART_DAYS], p95[CHART_DAYS], top = 1;
	char days[CHART_DAYS][16];
	double now = timeutil_now();
	struct sg_error err;
	long long id = 0;
	int found = 0;
	struct dynbuf *d = &r->body;

	memset(&err, 0, sizeof(err));
	for (size_t i = 0; i < svc->mcfg->nchecks && !found; i++)
		if (store_web_check_id(q->s, svc->mcfg->service, svc->mcfg->checks[i].name, &id,
		                       &err) == SG_OK &&
		    id == q->rt->seq)
			found = 1;
	if (!found) {
		message_page(q, r, 404, "監視項目が見つかりません", "No such check");
		return;
	}
	for (int i = 0; i < CHART_DAYS; i++) {
		unsigned long long hist[HISTOGRAM_BUCKETS];
		long long n = 0, nf = 0;
		double gap = 0;
		web_status_local_day(now - (CHART_DAYS - 1 - i) * 86400.0,
		                     svc->mcfg->hours.timezone, days[i]);
		p50[i] = p95[i] = -1;
		if (store_monitor_daily_sum(q->s, id, days[i], days[i], hist, &n, &nf, &gap,
		                            &err) == SG_OK &&
		    n > 0) {
			p50[i] = histogram_quantile(hist, 0.5);
			p95[i] = histogram_quantile(hist, 0.95);
			if (p95[i] > top)
				top = p95[i];
		}
	}
	top = pow(10, ceil(log10(top))); /* a round scale */
	r->status = 200;
	r->type = "image/svg+xml";
	html_fmt(
	    d,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"220\" "
	    "viewBox=\"0 0 640 220\" role=\"img\" aria-labelledby=\"t\">"
	    "<title id=\"t\">%r %s — %s</title>"
	    "<rect width=\"640\" height=\"220\" fill=\"#ffffff\"/>"
	    "<line x1=\"60\" y1=\"190\" x2=\"630\" y2=\"190\" stroke=\"#595959\"/>"
	    "<line x1=\"60\" y1=\"10\" x2=\"60\" y2=\"190\" stroke=\"#595959\"/>"
	    "<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#1a1a1a\">"
	    "<text x=\"55\" y=\"14\" text-anchor=\"end\">%.0f ms</text>"
	    "<text x=\"55\" y=\"190\" text-anchor=\"end\">0</text>"
	    "<text x=\"60\" y=\"206\">%s</text><text x=\"630\" y=\"206\" text-anchor=\"end\">%s"
	    "</text><text x=\"400\" y=\"14\" fill=\"#a3111f\">p95</text>"
	    "<text x=\"440\" y=\"14\" fill=\"#0b57a4\">p50</text></g>",
	    EN(q) ? "Response times of" : "応答時間:", days[0], days[CHART_DAYS - 1], top, days[0],
	    days[CHART_DAYS - 1]);
	for (int k = 0; k < 2; k++) {
		const double *v = k ? p50 : p95;
		html_fmt(d, "<polyline fill=\"none\" stroke=\"%r\" stroke-width=\"2\" points=\"",
		         k ? "#0b57a4" : "#a3111f");
		for (int i = 0; i < CHART_DAYS; i++)
			if (v[i] >= 0)
				dynbuf_printf(d, "%.1f,%.1f ", 60 + i * (570.0 / (CHART_DAYS - 1)),
				              190 - v[i] / top * 180);
		dynbuf_addstr(d, "\"/>");
	}
	dynbuf_addstr(d, "</svg>\n");
}

/* ---- maintenance ---- */

/* "2026-12-10T02:00" in zone tz -> seconds; -1 when malformed. */
static double parse_local(const char *v, const char *tz)
{
	struct tm tm;
	int y, mo, d, h, mi;
	char tail;
	double t;

	if (!v || sscanf(v, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || y < 2000 || y > 2200)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	web_status_tz_lock();
	t = (double)timeutil_mktime(&tm, tz);
	web_status_tz_unlock();
	return t;
}

static void maintenance_page(struct web_req *q, struct web_reply *r, const struct web_service *svc,
                             const char *notice, int ok)
{
	struct html_page pg;
	struct maintenance_window *w = NULL;
	size_t n = 0;
	struct sg_error err;
	char title[200], a[40], b[40];
	double now = timeutil_now();
	const char *tz = svc->mcfg->hours.timezone;

	memset(&err, 0, sizeof(err));
	snprintf(title, sizeof(title), EN(q) ? "%s — maintenance" : "%s 保守作業", svc->name);
	begin(q, r, &pg, title);
	html_fmt(&r->body, "<h1>%s</h1>\n", title);
	if (notice)
		html_fmt(&r->body, "<p class=\"banner %r\" role=\"status\">%s</p>\n",
		         ok ? "up" : "down", notice);
	html_fmt(&r->body, "<h2>%r</h2>\n<ul>\n", EN(q) ? "Scheduled" : "予定と実績");
	/* the windows availability counts (availability_maintenance(): one list) */
	if (availability_maintenance(q->s, svc->mcfg, now - 90 * 86400.0, 1e300, &w, &n, NULL,
	                             &err) == SG_OK)
		for (size_t i = 0; i < n; i++) {
			web_status_local_time(w[i].start, tz, a);
			web_status_local_time(w[i].end, tz, b);
			if (w[i].announced_by)
				html_fmt(&r->body, "<li>%s – %s %s（%r %s）</li>\n", a, b,
				         w[i].note ? w[i].note : "",
				         EN(q) ? "announced from the web by" : "Web から告知:",
				         w[i].announced_by);
			else
				html_fmt(&r->body, "<li>%s – %s %s（%r）</li>\n", a, b,
				         w[i].note ? w[i].note : "",
				         EN(q) ? "profile" : "プロファイル");
		}
	availability_maintenance_free(w, n);
	dynbuf_addstr(&r->body, "</ul>\n");
	if (q->role >= WEB_ROLE_OPERATOR)
		html_fmt(
		    &r->body,
		    "<h2>%r</h2>\n<p>%r</p>\n"
		    "<form method=\"post\" action=\"/dashboard/%s/maintenance\">\n"
		    "<p><label for=\"start\">%r（%s）</label><br><input id=\"start\" "
		    "name=\"start\" "
		    "type=\"datetime-local\" required></p>\n"
		    "<p><label for=\"end\">%r（%s）</label><br><input id=\"end\" name=\"end\" "
		    "type=\"datetime-local\" required></p>\n"
		    "<p><label for=\"note\">%r</label><br><textarea id=\"note\" name=\"note\" "
		    "rows=\"3\" cols=\"70\" required maxlength=\"2000\"></textarea></p>\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		    EN(q) ? "Announce maintenance" : "保守作業を告知する",
		    EN(q) ? "Mailed to every user now and shown on the status page. Announced "
		            "before it starts, it is excluded from the availability figure and "
		            "mutes alerts while it runs, like a window in the profile."
		          : "利用者全員にただちにメールで告知し、稼働状況ページに掲載します。開始"
		            "前に告知した保守作業は、プロファイルの保守作業と同じく稼働率の計算か"
		            "ら除外され、作業中は警報を送りません。",
		    svc->slug, EN(q) ? "Start" : "開始", tz, EN(q) ? "End" : "終了", tz,
		    EN(q) ? "Work (shown to users)" : "作業内容（利用者に表示されます）", q->csrf,
		    EN(q) ? "Announce" : "告知する");
	html_page_end(&r->body, &pg, NULL);
}

static void maintenance_post(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	const char *tz = svc->mcfg->hours.timezone;
	double start, end;
	struct sg_error err;
	size_t n = 0;
	char note[160];

	if (!operator_form(q, r))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	start = parse_local(web_form_get(q->form, "start"), tz);
	end = parse_local(web_form_get(q->form, "end"), tz);
	if (start < 0 || end < 0 ||
	    web_action_maintenance(q->s, svc->profile, tz, start, end,
	                           web_form_get(q->form, "note"), q->user, timeutil_now(), &n,
	                           &err)) {
		r->status = 400;
		maintenance_page(q, r, svc,
		                 err.msg[0] ? err.msg
		                            : (EN(q) ? "Give the start and end as date and time."
		                                     : "開始と終了を日時で指定してください。"),
		                 0);
		return;
	}
	snprintf(note, sizeof(note),
	         EN(q) ? "Announced; the mail is queued for %zu user address(es)."
	               : "告知しました。利用者 %zu 件宛てにメールを送信待ちにしました。",
	         n);
	maintenance_page(q, r, svc, note, 1);
}

static void attest_post(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct sg_error err;
	long long seq = -1;
	char sha[65], note[256];
	struct html_page pg;

	if (!operator_form(q, r))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if (web_action_attest(
	        q->s, q->cat, web_form_get(q->form, "control"), web_form_get(q->form, "note"),
	        q->upload ? dynbuf_ptr(q->upload) : NULL, q->upload ? dynbuf_len(q->upload) : 0,
	        q->upload_name, q->user, &seq, sha, &err)) {
		r->status = err.code == SG_ERR_INPUT || err.code == SG_ERR_NOT_FOUND ? 400 : 500;
		begin(q, r, &pg, EN(q) ? "Attestation" : "確認の記録");
		html_fmt(&r->body, "<h1>%r</h1>\n<p class=\"banner down\" role=\"alert\">%s</p>\n",
		         EN(q) ? "Not recorded" : "記録できませんでした", err.msg);
		html_page_end(&r->body, &pg, NULL);
		return;
	}
	snprintf(note, sizeof(note),
	         EN(q) ? "Recorded in the evidence ledger as entry %lld%s%s."
	               : "証跡台帳に記録しました（記録 %lld%s%s）。",
	         seq, sha[0] ? ", SHA-256 " : "", sha);
	begin(q, r, &pg, EN(q) ? "Attestation" : "確認の記録");
	html_fmt(&r->body,
	         "<h1>%r</h1>\n<p class=\"banner up\" role=\"status\">%s</p>\n"
	         "<p><a href=\"/dashboard/%s/controls\">%r</a></p>\n",
	         EN(q) ? "Attestation" : "確認の記録", note, svc->slug,
	         EN(q) ? "Back to the controls" : "対策項目へ戻る");
	html_page_end(&r->body, &pg, NULL);
}

/* ---- reports ---- */

static void reports_page(struct web_req *q, struct web_reply *r, const struct web_service *svc,
                         const char *notice, int ok)
{
	struct web_report *x = NULL;
	size_t n = 0;
	struct sg_error err;
	struct html_page pg;
	char title[200], t[40];

	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if (q->rt->seq > 0) { /* a download: only a recorded file, unchanged since */
		const char *type = NULL;
		if (web_reports_read(q->s, svc, q->rt->seq, &r->body, &type, &err)) {
			dynbuf_reset(&r->body);
			message_page(q, r, 404, "報告書が見つからないか、記録後に変更されています",
			             "No such report, or it changed after it was recorded");
			return;
		}
		r->status = 200;
		r->type = type;
		return;
	}
	if (web_reports_list(q->s, svc, &x, &n, &err)) {
		message_page(q, r, 500, "報告書の一覧を読めませんでした",
		             "Could not read the reports");
		return;
	}
	snprintf(title, sizeof(title), EN(q) ? "%s — reports" : "%s 報告書", svc->name);
	begin(q, r, &pg, title);
	html_fmt(&r->body, "<h1>%s</h1>\n", title);
	if (notice)
		html_fmt(&r->body, "<p class=\"banner %r\" role=\"status\">%s</p>\n",
		         ok ? "up" : "down", notice);
	html_fmt(&r->body,
	         "<p>%r</p>\n<table>\n<thead><tr><th scope=\"col\">%r</th>"
	         "<th scope=\"col\">%r</th><th scope=\"col\">%r</th><th scope=\"col\">%r</th>"
	         "<th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n",
	         EN(q)
	             ? "Every report the evidence ledger records: written by saasguard report, by "
	               "the monitor when a period closed (and mailed), or here."
	             : "証跡台帳に記録された報告書です（saasguard report、期間の締めに監視デーモン"
	               "が作成・送付したもの、この画面で作成したもの）。",
	         EN(q) ? "Period" : "期間", EN(q) ? "Audience" : "宛先",
	         EN(q) ? "Recorded" : "記録日時", EN(q) ? "By" : "作成者");
	for (size_t i = 0; i < n; i++) {
		web_status_local_time(x[i].at, svc->mcfg->hours.timezone, t);
		if (x[i].downloadable)
			html_fmt(&r->body, "<tr><td><a href=\"/dashboard/%s/reports/%lld\">%s</a>",
			         svc->slug, x[i].seq, x[i].period);
		else
			html_fmt(&r->body, "<tr><td>%s（%r）", x[i].period,
			         EN(q) ? "file not in the reports directory, or changed"
			               : "報告書ディレクトリにないか、変更されています");
		html_fmt(&r->body,
		         " %s</td><td>%s</td><td>%s</td><td>%s</td><td><code>%s</code></td></tr>\n",
		         x[i].format, x[i].audience, t,
		         x[i].by ? x[i].by : (EN(q) ? "command or monitor" : "コマンドまたは監視"),
		         x[i].sha256);
	}
	if (!n)
		html_fmt(&r->body, "<tr><td colspan=\"5\">%r</td></tr>\n",
		         EN(q) ? "None yet." : "まだありません。");
	dynbuf_addstr(&r->body, "</tbody>\n</table>\n");
	if (q->role >= WEB_ROLE_OPERATOR)
		html_fmt(&r->body,
		         "<h2>%r</h2>\n<form method=\"post\" action=\"/dashboard/%s/reports\">\n"
		         "<p><label for=\"period\">%r</label> <input id=\"period\" name=\"period\" "
		         "size=\"10\" placeholder=\"2026-11\"> <label for=\"audience\">%r</label> "
		         "<select id=\"audience\" name=\"audience\"><option value=\"users\">%r"
		         "</option><option value=\"managers\">%r</option></select></p>\n"
		         "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		         "<p><button type=\"submit\">%r</button></p>\n</form>\n",
		         EN(q) ? "Generate a report (PDF)" : "報告書（PDF）を作成する", svc->slug,
		         EN(q) ? "Period (empty: the last complete one)"
		               : "期間（空欄: 直近の完了した期間）",
		         EN(q) ? "Audience" : "宛先",
		         EN(q) ? "users (III.1.1.7)" : "利用者向け（III.1.1.7）",
		         EN(q) ? "managers (III.1.1.4)" : "経営層向け（III.1.1.4）", q->csrf,
		         EN(q) ? "Generate" : "作成する");
	html_page_end(&r->body, &pg, NULL);
	web_reports_free(x, n);
}

static void reports_post(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	const char *aud = web_form_get(q->form, "audience");
	struct web_report one;
	struct sg_error err;
	char note[256];

	if (!operator_form(q, r))
		return;
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if (web_reports_generate(q->s, q->cat, svc, web_form_get(q->form, "period"),
	                         aud && !strcmp(aud, "managers") ? REPORT_MANAGERS : REPORT_USERS,
	                         q->lang, q->user, &one, &err)) {
		r->status = err.code == SG_ERR_INPUT || err.code == SG_ERR_USAGE ? 400 : 500;
		reports_page(q, r, svc, err.msg, 0);
		return;
	}
	snprintf(note, sizeof(note),
	         EN(q) ? "Generated the report of %s (SHA-256 %.16s…), recorded in the ledger."
	               : "%s の報告書を作成し、証跡台帳に記録しました（SHA-256 %.16s…）。",
	         one.period, one.sha256);
	web_report_release(&one);
	reports_page(q, r, svc, note, 1);
}

/* ---- dispatch ---- */

void web_dash_handle(struct web_req *q, struct web_reply *r)
{
	const struct web_service *svc;

	switch (q->rt->id) {
	case WEB_R_LOGIN:
		if (q->rt->is_post)
			login_post(q, r);
		else if (q->role)
			redirect(r, "/dashboard/");
		else
			login_form(q, r, NULL);
		return;
	case WEB_R_LOGOUT:
		logout(q, r);
		return;
	default:
		break;
	}
	if (!q->role || q->via_token) {
		redirect(r, "/login");
		return;
	}
	switch (q->rt->id) {
	case WEB_R_DASHBOARD:
		overview(q, r);
		return;
	case WEB_R_DASH_LEDGER:
		ledger_page(q, r, NULL, 0);
		return;
	case WEB_R_DASH_LEDGER_VERIFY:
		ledger_verify_post(q, r);
		return;
	case WEB_R_DASH_LEDGER_EXPORT:
		ledger_export_post(q, r);
		return;
	case WEB_R_DASH_INCIDENT:
		incident_page(q, r, NULL);
		return;
	case WEB_R_DASH_FOLLOWUP:
		followup_post(q, r);
		return;
	case WEB_R_DASH_REPORTS:
		if (!(svc = web_req_service(q, q->rt->slug))) {
			message_page(q, r, 404, "サービスが見つかりません", "No such service");
			return;
		}
		if (q->rt->is_post)
			reports_post(q, r, svc);
		else
			reports_page(q, r, svc, NULL, 0);
		return;
	case WEB_R_DASH_CONTROLS:
	case WEB_R_DASH_ATTEST:
		if (!(svc = web_req_service(q, q->rt->slug))) {
			message_page(q, r, 404, "サービスが見つかりません", "No such service");
			return;
		}
		if (q->rt->id == WEB_R_DASH_ATTEST)
			attest_post(q, r, svc);
		else
			controls_page(q, r, svc);
		return;
	case WEB_R_DASH_MAINT:
		if (!(svc = web_req_service(q, q->rt->slug))) {
			message_page(q, r, 404, "サービスが見つかりません", "No such service");
			return;
		}
		if (q->rt->is_post)
			maintenance_post(q, r, svc);
		else
			maintenance_page(q, r, svc, NULL, 0);
		return;
	case WEB_R_DASH_CHECKS:
	case WEB_R_CHART:
		if (!(svc = web_req_service(q, q->rt->slug))) {
			message_page(q, r, 404, "サービスが見つかりません", "No such service");
			return;
		}
		if (q->rt->id == WEB_R_CHART)
			chart(q, r, svc);
		else
			checks_page(q, r, svc);
		return;
	default:
		message_page(q, r, 404, "ページが見つかりません", "Page not found");
	}
}
