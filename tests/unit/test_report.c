/* Unit tests for report: histogram percentiles, the simple availability
 * over state intervals, deadlines, wording helpers and the JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <math.h>

#include "catalog.h"
#include "profile.h"
#include "histogram.h"
#include "report.h"
#include "report_render.h"
#include "report_text.h"
#include "report_doc.h"
#include "report_job.h"
#include "report_pdf.h"
#include "store.h"

/* 2026-11-01T00:00+09:00 */
#define NOV 1793458800.0

static void test_percentile(void **state)
{
	unsigned long long h[64] = {0};
	double p;
	(void)state;
	assert_true(isnan(histogram_quantile(h, 0.5)));
	h[22] = 100; /* 38.05 .. 45.25 ms */
	p = histogram_quantile(h, 0.5);
	assert_true(p > 38.0 && p < 45.3);
	h[40] = 100; /* 724 .. 1024 ms */
	p = histogram_quantile(h, 0.99);
	assert_true(p > 724 && p <= 1024.01);
	p = histogram_quantile(h, 0.25);
	assert_true(p < 45.3);
}

static void test_wording(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	struct timeutil_period q;
	(void)state;
	report_text_duration(&b, 2820, SG_LANG_JA);
	assert_string_equal(dynbuf_ptr(&b), "47分");
	dynbuf_reset(&b);
	report_text_duration(&b, 5400, SG_LANG_JA);
	assert_string_equal(dynbuf_ptr(&b), "1時間30分");
	dynbuf_reset(&b);
	report_text_duration(&b, 5400, SG_LANG_EN);
	assert_string_equal(dynbuf_ptr(&b), "1 h 30 min");
	dynbuf_reset(&b);
	report_text_duration(&b, 0, SG_LANG_JA);
	assert_string_equal(dynbuf_ptr(&b), "0秒");
	dynbuf_reset(&b);
	assert_int_equal(timeutil_period_parse("2026-Q4", "Asia/Tokyo", &q, NULL), SG_OK);
	report_doc_period(&b, &q, "Asia/Tokyo", SG_LANG_JA);
	assert_string_equal(dynbuf_ptr(&b), "2026年第4四半期（10月〜12月）");
	dynbuf_reset(&b);
	report_doc_period(&b, &q, "Asia/Tokyo", SG_LANG_EN);
	assert_string_equal(dynbuf_ptr(&b), "Q4 2026 (October to December)");
	dynbuf_reset(&b);
	report_doc_time(&b, NOV + 9 * 86400 + 3600 * 2 + 300, "Asia/Tokyo", SG_LANG_JA);
	assert_string_equal(dynbuf_ptr(&b), "2026年11月10日 02:05");
	dynbuf_release(&b);
}

static void test_interval(void **state)
{
	struct catalog *cat;
	(void)state;
	assert_int_equal(catalog_load(&cat, NULL), SG_OK);
	assert_int_equal(report_interval_months(cat, 1), 1);
	assert_int_equal(report_interval_months(cat, 2), 3);
	assert_int_equal(report_interval_months(cat, 3), 6);
	assert_int_equal(report_interval_months(cat, 4), 1);
	assert_int_equal(report_interval_months(cat, 5), 3);
	assert_int_equal(report_interval_months(cat, 6), 6);
	{
		struct timeutil_period p;
		/* 2026-12-15 in Japan, pattern 5: the last complete quarter is Q3 */
		assert_int_equal(
		    report_period(cat, 5, NULL, "Asia/Tokyo", NOV + 44 * 86400, &p, NULL), SG_OK);
		assert_string_equal(p.label, "2026-Q3");
		assert_int_equal(
		    report_period(cat, 3, NULL, "Asia/Tokyo", NOV + 44 * 86400, &p, NULL), SG_OK);
		assert_string_equal(p.label, "2026-H1");
	}
	catalog_free(cat);
}

static const char profile_text[] = "service:\n  name: svc\n  pattern: 1\n"
                                   "service_hours: {timezone: Asia/Tokyo}\n";

static void test_build(void **state)
{
	char dir[] = "/tmp/sg-report-XXXXXX", path[300], sql[4096];
	struct catalog *cat;
	struct profile *prof;
	struct store *s;
	struct report_request req;
	struct report r;
	struct dynbuf out = DYNBUF_INIT;
	struct sg_error err = {0};
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/db.sqlite", dir);
	assert_int_equal(catalog_load(&cat, NULL), SG_OK);
	assert_int_equal(
	    profile_parse(profile_text, strlen(profile_text), "p.yaml", cat, &prof, NULL), SG_OK);
	assert_int_equal(store_open(path, 0, &s, NULL), SG_OK);
	/* Two liveness checks with overlapping outages (counted once), an
	 * unconfirmed failure and a fault check's outage (not liveness). */
	snprintf(sql, sizeof(sql),
	         "INSERT INTO checks VALUES (1,'svc','a','liveness','http','x',60,NULL,0,NULL);"
	         "INSERT INTO checks VALUES (2,'svc','b','liveness','http','x',60,NULL,0,NULL);"
	         "INSERT INTO checks VALUES (3,'svc','c','fault','http','x',60,NULL,0,NULL);"
	         "INSERT INTO state_intervals(check_id,state,confirmed,start_at,end_at) VALUES"
	         " (1,'up',1,%.0f,%.0f),(1,'down',1,%.0f,%.0f),(1,'up',1,%.0f,%.0f),"
	         " (1,'down',0,%.0f,%.0f),(1,'up',1,%.0f,NULL),"
	         " (2,'up',1,%.0f,%.0f),(2,'down',1,%.0f,%.0f),(2,'up',1,%.0f,%.0f),"
	         " (2,'down',1,%.0f,NULL),(3,'down',1,%.0f,%.0f);"
	         "INSERT INTO monitor_runs(started_at,last_seen_at,stopped_at,pid) VALUES"
	         " (%.0f,%.0f,NULL,1);"
	         "INSERT INTO incidents(id,service,check_id,kind,started_at,detected_at,"
	         "resolved_at) VALUES (1,'svc',1,'outage',%.0f,%.0f,%.0f);"
	         "INSERT INTO notifications(incident_id,purpose,audience,channel,recipient,body,"
	         "created_at,next_attempt_at,delivered_at) VALUES"
	         " (1,'incident_open','all_users','email','u@x','b',%.0f,%.0f,%.0f);",
	         /* check a */
	         NOV - 86400, NOV + 3600, NOV + 3600, NOV + 4200, NOV + 4200, NOV + 7200,
	         NOV + 7200, NOV + 7300, NOV + 7300,
	         /* check b */
	         NOV - 86400, NOV + 3900, NOV + 3900, NOV + 4500, NOV + 4500,
	         NOV + 29 * 86400 + 86000, NOV + 29 * 86400 + 86000,
	         /* check c (fault) */
	         NOV + 9000, NOV + 12000,
	         /* the monitor ran throughout */
	         NOV - 86400, NOV + 30 * 86400 + 3600, NOV + 3600, NOV + 3720, NOV + 4500,
	         NOV + 3720, NOV + 3720, NOV + 3720 + 1500);
	assert_int_equal(store_exec(s, sql, NULL), SG_OK);

	report_request_init(&req, cat, prof);
	assert_int_equal(timeutil_period_parse("2026-11", req.tz, &req.period, NULL), SG_OK);
	req.now = NOV + 30 * 86400 + 3600;
	req.audience = REPORT_MANAGERS;
	assert_int_equal(report_build(s, &req, &r, &err), SG_OK);
	/* down: 3600..4500 (900 s, merged) + the open outage from day 30 86000 s
	 * to the period's end (400 s) */
	assert_true(fabs(r.availability.down_s - 1300) < 1e-6);
	assert_true(fabs(r.availability.achieved - 100.0 * (2592000 - 1300) / 2592000) < 1e-9);
	assert_int_equal(r.availability.ndays, 30);
	assert_true(fabs(r.availability.days[0].down_s - 900) < 1e-6);
	assert_true(fabs(r.availability.days[29].down_s - 400) < 1e-6);
	assert_true(fabs(r.availability.committed - 99.5) < 1e-9);
	assert_int_equal(r.nincidents, 1);
	assert_int_equal(r.incidents[0].notice, DEADLINE_MISSED);   /* 25 min > 20 min */
	assert_int_equal(r.incidents[0].followup, DEADLINE_MISSED); /* none sent */
	assert_int_equal(r.noverdue, 1);
	assert_int_equal(r.nsla, 37);
	assert_int_equal(report_render(&r, REPORT_FORMAT_JSON, &out, &err), SG_OK);
	assert_non_null(strstr(dynbuf_ptr(&out), "\"achieved\": 99.95"));
	assert_non_null(strstr(dynbuf_ptr(&out), "\"notices_missed\": 1"));
	dynbuf_reset(&out);
	assert_int_equal(report_render(&r, REPORT_FORMAT_HTML, &out, &err), SG_OK);
	assert_non_null(strstr(dynbuf_ptr(&out), "99.950%"));
	dynbuf_reset(&out);
	assert_int_equal(report_render(&r, REPORT_FORMAT_PDF, &out, &err), SG_OK);
	assert_memory_equal(dynbuf_ptr(&out), "%PDF-", 5);
	report_release(&r);

	/* The same period while it runs: only the time so far counts. */
	req.now = NOV + 86400;
	req.audience = REPORT_USERS;
	assert_int_equal(report_build(s, &req, &r, &err), SG_OK);
	assert_true(fabs(r.availability.measured_s - 86400) < 1e-6);
	assert_true(isnan(r.availability.days[1].achieved));
	report_release(&r);

	dynbuf_release(&out);
	store_close(s);
	profile_free(prof);
	catalog_free(cat);
	snprintf(sql, sizeof(sql), "%s/db.sqlite", dir);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s/db.sqlite-wal", dir);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s/db.sqlite-shm", dir);
	unlink(sql);
	rmdir(dir);
}

static void test_config_and_names(void **state)
{
	static const char yaml[] = "reports:\n  dir: out\n  audiences: [managers]\n"
	                           "  format: pdf\n  enabled: false\n";
	static const char bad[] = "reports:\n  audiences: [users, boss]\n";
	struct report_job_config c;
	struct ydoc *doc = NULL;
	struct sg_error err;
	char *name;
	(void)state;

	report_job_config_init(&c, "/var/lib/saasguard/saasguard.db");
	assert_string_equal(c.dir, "/var/lib/saasguard/reports");
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.audiences, 3u);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ydoc_parse(yaml, sizeof(yaml) - 1, "p.yaml", &doc, &err), SG_OK);
	assert_int_equal(
	    report_job_config_load(&c, doc, ydoc_get(doc->root, "reports"), "/etc/sg", &err),
	    SG_OK);
	assert_string_equal(c.dir, "/etc/sg/out");
	assert_int_equal(c.audiences, 1u << REPORT_MANAGERS);
	assert_int_equal(c.enabled, 0);
	report_job_config_release(&c);
	ydoc_free(doc);

	report_job_config_init(&c, "sg.db");
	assert_string_equal(c.dir, "reports");
	assert_int_equal(ydoc_parse(bad, sizeof(bad) - 1, "p.yaml", &doc, &err), SG_OK);
	assert_int_equal(
	    report_job_config_load(&c, doc, ydoc_get(doc->root, "reports"), NULL, &err),
	    SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 22);
	report_job_config_release(&c);
	ydoc_free(doc);

	name = report_job_file_name("a/b\nc", "2026-11", REPORT_USERS);
	assert_string_equal(name, "a_b_c-2026-11-users.pdf");
	free(name);
	name = report_job_file_name(".hidden", "2026-Q4", REPORT_MANAGERS);
	assert_string_equal(name, "_hidden-2026-Q4-managers.pdf");
	free(name);
}

/* Raw errors in the managers' language: a table of what the monitor and the
 * mail servers write and what the summary prints (a probe's in the incident
 * mail's words). */
static void test_error_text(void **state)
{
	static const struct {
		const char *raw, *ja, *en;
	} cases[] = {
	    {"Couldn't connect to server",
	     "接続が拒否されました（サーバーが接続を受け付けていません）",
	     "the connection was refused (the server is not accepting connections)"},
	    {"Timeout was reached", "時間内に応答がありませんでした",
	     "no response within the time limit"},
	    {"Could not resolve host: app.example.jp", "名前解決（DNS）に失敗しました",
	     "the host name could not be resolved (DNS)"},
	    {"HTTP 404", "HTTP ステータス 404（ページが見つからない）が返されました",
	     "the server answered with HTTP status 404 (not found)"},
	    {"421 4.7.0 try again later", "メールサーバが一時的に受け付けませんでした（421）",
	     "the mail server deferred the message (421)"},
	    {"SMTP 550", "メールサーバが受け付けを拒否しました（550）",
	     "the mail server refused the message (550)"},
	    {"frobnicated", "その他のエラー（原文:「frobnicated」）",
	     "other error (\"frobnicated\")"},
	    {"ロードバランサの設定誤り", "ロードバランサの設定誤り", "ロードバランサの設定誤り"},
	};
	(void)state;
	assert_null(report_text_error(NULL, SG_LANG_JA));
	assert_null(report_text_error("", SG_LANG_EN));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *ja = report_text_error(cases[i].raw, SG_LANG_JA);
		char *en = report_text_error(cases[i].raw, SG_LANG_EN);
		assert_string_equal(ja, cases[i].ja);
		assert_string_equal(en, cases[i].en);
		free(ja);
		free(en);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_percentile), cmocka_unit_test(test_config_and_names),
	    cmocka_unit_test(test_wording),    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_build),      cmocka_unit_test(test_error_text),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	report_pdf_shutdown();
	return rc;
}
