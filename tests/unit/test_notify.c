/*
 * Unit tests of notify: every template in both languages against reviewed
 * golden files (tests/data/templates/), what customers never read, the
 * template language, redaction, the channels' requests and MIME.
 * SG_UPDATE_GOLDEN=1 rewrites the golden files (then review the diff).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "catalog.h"
#include "fileio.h"
#include "notify.h"
#include "notify_channels.h"
#include "notify_template.h"
#include "profile.h"
#include "store_monitor.h"
#include "store_notify.h"
#include "xalloc.h"

#define NOV1_JST 1793458800.0 /* 2026-11-01 00:00 JST, a Sunday */

static const char *const PROFILE =
    "service: {name: 給与クラウド, pattern: 1}\n"
    "provider:\n"
    "  name: {ja: 株式会社サンプル, en: Sample K.K.}\n"
    "  desk: {ja: サポートデスク, en: Support Desk}\n"
    "  email: support@provider.example.jp\n"
    "  phone: 03-1234-5678\n"
    "  hours: {ja: 平日 9時〜18時, en: weekdays 9:00-18:00 JST}\n"
    "  status_url: https://status.provider.example.jp\n"
    "  service_name: {ja: 給与クラウド, en: Kyuyo Cloud}\n"
    "monitor:\n"
    "  checks:\n"
    "    - {name: web, label: {ja: 給与計算画面, en: the payroll screen}, kind: liveness, "
    "type: http, url: \"http://127.0.0.1:1/healthz?token=abc\"}\n"
    "notify:\n"
    "  smtp: {url: \"smtp://127.0.0.1:25\", from: \"noreply@provider.example.jp\"}\n"
    "  all_users: [{email: users@customer.example.jp}]\n"
    "  admin_contacts: [{email: it@customer.example.jp, name: 株式会社顧客 情報システム部 "
    "ご担当者様}]\n"
    "  managers: [{email: ops@provider.example.jp}]\n";

struct fixture {
	struct catalog *cat;
	struct profile *p;
	struct notify_config *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sg_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(catalog_load(&f->cat, &err), SG_OK);
	assert_int_equal(profile_parse(PROFILE, strlen(PROFILE), "p.yaml", f->cat, &f->p, &err),
	                 SG_OK);
	if (notify_config_load(f->p, &f->cfg, &err))
		fail_msg("%s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	notify_config_free(f->cfg);
	profile_free(f->p);
	catalog_free(f->cat);
	free(f);
	return 0;
}

static struct notify_incident incident(const char *kind, int resolved)
{
	struct notify_incident inc = {12,
	                              "給与クラウド",
	                              1,
	                              kind,
	                              "web",
	                              "http://127.0.0.1:1/healthz?token=abc",
	                              "III.1.1.1.b",
	                              NOV1_JST + 9 * 3600 + 38 * 60 + 5, /* 09:38:05 */
	                              NOV1_JST + 9 * 3600 + 39 * 60,
	                              resolved ? NOV1_JST + 10 * 3600 + 1 * 60 + 30 : 0,
	                              "Failed to connect to 127.0.0.1 port 1 after 0 ms: "
	                              "Couldn't connect to server",
	                              1200,
	                              3600};
	return inc;
}

/* Compares with the golden file, or writes it under SG_UPDATE_GOLDEN. */
static void golden(const char *name, const char *lang, const char *audience, const struct dynbuf *s,
                   const struct dynbuf *b)
{
	char path[512];
	struct dynbuf want = DYNBUF_INIT, got = DYNBUF_INIT;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/tests/data/templates/%s/%s.%s.txt", SG_SOURCE_ROOT, lang,
	         name, audience);
	dynbuf_printf(&got, "Subject: %s\n\n%s", dynbuf_ptr(s), dynbuf_ptr(b));
	if (getenv("SG_UPDATE_GOLDEN")) {
		assert_int_equal(
		    fileio_write_atomic(path, dynbuf_ptr(&got), dynbuf_len(&got), 0644, 0, &err),
		    SG_OK);
	} else {
		if (fileio_read(path, 1 << 20, &want, &err))
			fail_msg("%s: %s", path, err.msg);
		if (strcmp(dynbuf_ptr(&want), dynbuf_ptr(&got)))
			fail_msg("%s differs; got:\n%s", path, dynbuf_ptr(&got));
	}
	dynbuf_release(&want);
	dynbuf_release(&got);
}

/* What a customer reads holds no check name, URL, library text or ID. */
static void customer_clean(const struct dynbuf *s, const struct dynbuf *b)
{
	static const char *const banned[] = {"web",     "127.0.0.1", "healthz",    "Couldn't",
	                                     "III.1",   "saasguard", "Asia/Tokyo", "token",
	                                     "confirm", NULL};
	for (const char *const *w = banned; *w; w++) {
		if (strstr(dynbuf_ptr(s), *w) || strstr(dynbuf_ptr(b), *w))
			fail_msg("customer text holds '%s':\n%s\n%s", *w, dynbuf_ptr(s),
			         dynbuf_ptr(b));
	}
}

static void test_incident_templates(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum notify_purpose p;
		const char *kind, *name, *audience;
		int resolved;
	} cases[] = {
	    {NOTIFY_INCIDENT_OPEN, "outage", "outage_open", "all_users", 0},
	    {NOTIFY_INCIDENT_OPEN, "outage", "outage_open", "managers", 0},
	    {NOTIFY_INCIDENT_OPEN, "fault", "fault_open", "admin_contacts", 0},
	    {NOTIFY_INCIDENT_OPEN, "degradation", "degradation_open", "admin_contacts", 0},
	    {NOTIFY_INCIDENT_OPEN, "external_network", "external_network_open", "managers", 0},
	    {NOTIFY_INCIDENT_RESOLVED, "outage", "recovered", "all_users", 1},
	    {NOTIFY_FOLLOWUP, "outage", "followup", "admin_contacts", 1},
	    {NOTIFY_DEADLINE_RISK, "outage", "deadline_risk", "managers", 0},
	    {NOTIFY_FOLLOWUP_OVERDUE, "outage", "followup_overdue", "managers", 0},
	    {NOTIFY_INTERNAL, NULL, "internal", "managers", 0},
	};
	static const char *const langs[] = {"ja", "en"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int l = 0; l < 2; l++) {
			struct notify_incident inc = incident(cases[i].kind, cases[i].resolved);
			struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
			const char *msg =
			    cases[i].p == NOTIFY_FOLLOWUP
			        ? (l ? "The cause was a failed load balancer; it has "
			               "been replaced."
			             : "原因はロードバランサーの故障でした。交換を完了"
			               "いたしました。")
			    : cases[i].p == NOTIFY_INTERNAL ? (l ? "The ledger key was rotated."
			                                         : "証跡台帳の鍵を更新しました。")
			                                    : NULL;
			notify_render(f->cfg, cases[i].p, cases[i].kind ? &inc : NULL, msg,
			              cases[i].audience, langs[l], &s, &b);
			golden(cases[i].name, langs[l], cases[i].audience, &s, &b);
			if (!strcmp(cases[i].audience, "all_users"))
				customer_clean(&s, &b);
			dynbuf_release(&s);
			dynbuf_release(&b);
		}
	for (int l = 0; l < 2; l++) {
		struct notify_incident inc = incident("outage", 1);
		struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
		notify_render_merged(f->cfg, &inc, "all_users", langs[l], &s, &b);
		golden("recovered_merged", langs[l], "all_users", &s, &b);
		customer_clean(&s, &b);
		dynbuf_release(&s);
		dynbuf_release(&b);
	}
}

static void test_maintenance_templates(void **state)
{
	struct fixture *f = *state;
	/* The notices the monitor and the web send. There is no reminder: the
	 * announcement ahead of the window is the prior notice the guideline
	 * asks for (III.2.1.1), and a template nothing sends is not kept. */
	static const char *const names[] = {"maintenance_announce", "maintenance_start",
	                                    "maintenance_end"};
	static const char *const langs[] = {"ja", "en"};
	struct notify_maintenance mw = {NOV1_JST + 5 * 86400 + 2 * 3600,
	                                NOV1_JST + 5 * 86400 + 4 * 3600,
	                                NOV1_JST + 5 * 86400 + 2 * 3600 + 60,
	                                NOV1_JST + 5 * 86400 + 3 * 3600 + 50 * 60,
	                                NULL,
	                                NULL};
	for (size_t i = 0; notify_template_names[i]; i++)
		assert_string_not_equal(notify_template_names[i], "maintenance_reminder");
	for (size_t i = 0; i < 3; i++)
		for (int l = 0; l < 2; l++) {
			struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
			mw.note = l ? "Database server upgrade" : "データベースサーバーの更新";
			notify_render_maintenance(f->cfg, names[i], &mw, "all_users", langs[l], &s,
			                          &b);
			golden(names[i], langs[l], "all_users", &s, &b);
			customer_clean(&s, &b);
			assert_null(strstr(dynbuf_ptr(&b), "お詫び"));
			dynbuf_release(&s);
			dynbuf_release(&b);
		}
}

static void test_report_templates(void **state)
{
	struct fixture *f = *state;
	static const char *const langs[] = {"ja", "en"};
	struct notify_report r = {
	    "admin_contacts",
	    0,
	    {"2026年11月", "November 2026"},
	    {"2026年11月1日〜2026年11月30日", "1 November 2026 to 30 November 2026"},
	    "給与クラウド_2026-11_users.pdf",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    NULL};
	for (int m = 0; m < 2; m++)
		for (int l = 0; l < 2; l++) {
			struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
			r.managers = m;
			r.audience = m ? "managers" : "admin_contacts";
			notify_render_report(f->cfg, &r, langs[l], NULL, &s, &b);
			golden(m ? "report_managers" : "report_users", langs[l], r.audience, &s,
			       &b);
			assert_non_null(strstr(dynbuf_ptr(&b), r.sha256));
			if (!m)
				customer_clean(&s, &b);
			dynbuf_release(&s);
			dynbuf_release(&b);
		}
}

static void test_register(void **state)
{
	struct fixture *f = *state;
	struct notify_incident inc = incident("outage", 0);
	struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;

	notify_render(f->cfg, NOTIFY_INCIDENT_OPEN, &inc, NULL, "all_users", "ja", &s, &b);
	assert_string_equal(dynbuf_ptr(&s),
	                    "【障害発生】給与クラウド ご利用いただけない事象について（第一報）");
	assert_non_null(strstr(dynbuf_ptr(&b), "2026年11月1日（日）9時38分頃"));
	assert_non_null(strstr(dynbuf_ptr(&b), "給与計算画面をご利用いただけない状態"));
	assert_non_null(strstr(dynbuf_ptr(&b), "お知らせいたします"));
	assert_non_null(strstr(dynbuf_ptr(&b), "深くお詫び申し上げます"));
	assert_non_null(strstr(dynbuf_ptr(&b), "株式会社サンプル"));
	assert_null(strstr(dynbuf_ptr(&b), " で"));
	dynbuf_reset(&s);
	dynbuf_reset(&b);
	/* The admin contact reads the technical detail, translated. */
	inc.kind = "fault";
	notify_render(f->cfg, NOTIFY_INCIDENT_OPEN, &inc, NULL, "admin_contacts", "ja", &s, &b);
	assert_non_null(strstr(dynbuf_ptr(&b), "接続が拒否されました"));
	assert_null(strstr(dynbuf_ptr(&b), "Couldn't"));
	assert_null(strstr(dynbuf_ptr(&b), "token"));
	dynbuf_release(&s);
	dynbuf_release(&b);
}

static void test_template_language(void **state)
{
	struct notify_vars v;
	struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
	struct sg_error err;
	(void)state;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	notify_vars_set(&v, "service", "S");
	notify_vars_set(&v, "detail", "");
	notify_template_render("Subject: a {{service}}\n\nx\n{{#detail}}\nD {{detail}}\n{{/detail}}"
	                       "{{^detail}}none{{/detail}} {{service}}\n",
	                       &v, &s, &b);
	assert_string_equal(dynbuf_ptr(&s), "a S");
	assert_string_equal(dynbuf_ptr(&b), "x\nnone S\n");
	assert_int_equal(notify_template_check("Subject: x\n\n{{nosuch}}\n", "t.txt", &err),
	                 SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "t.txt:3:1"));
	assert_int_equal(notify_template_check("Subject: x\n\n{{#detail}}\n", "t.txt", &err),
	                 SG_ERR_INPUT);
	assert_int_equal(notify_template_check("no subject", "t.txt", &err), SG_ERR_INPUT);
	for (const char *const *n = notify_template_names; *n; n++) {
		assert_int_equal(notify_template_check(notify_template_text(NULL, *n, 0), *n, &err),
		                 SG_OK);
		assert_int_equal(notify_template_check(notify_template_text(NULL, *n, 1), *n, &err),
		                 SG_OK);
	}
	dynbuf_release(&s);
	dynbuf_release(&b);
}

static void test_redact(void **state)
{
	char *r;
	(void)state;
	r = notify_channel_redact_url("https://u:p@hook.example.jp/x?token=s3cret&room=1#frag");
	assert_non_null(r);
	/* redact_url(), then "#" and 8 hex digits of the whole URL's SHA-256 */
	assert_int_equal(strlen(r), strlen("https://***@hook.example.jp/x?token=***&room=1") + 9);
	assert_int_equal(strncmp(r, "https://***@hook.example.jp/x?token=***&room=1#", 47), 0);
	assert_null(strstr(r, "frag"));
	free(r);
	/* names that contain a secret word, too (webhook URLs are credentials) */
	r = notify_channel_redact_url("https://hook.example.jp/x?X-Api-Key=k1&auth_code=c1&room=1");
	assert_int_equal(
	    strncmp(r, "https://hook.example.jp/x?X-Api-Key=***&auth_code=***&room=1#", 61), 0);
	free(r);
	r = notify_channel_redact_url("https://hook.example.jp/x?room=1");
	assert_string_equal(r, "https://hook.example.jp/x?room=1");
	free(r);
	assert_null(notify_channel_redact_url("not a url"));
}

static void test_mime(void **state)
{
	struct dynbuf m = DYNBUF_INIT;
	(void)state;
	assert_int_equal(notify_mime("株式会社サンプル", "noreply@provider.example.jp", "c@d.jp",
	                             "【障害発生】テスト", "本文です\n", NULL, NOV1_JST, &m, NULL),
	                 SG_OK);
	assert_non_null(strstr(dynbuf_ptr(&m), "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(dynbuf_ptr(&m), "From: =?UTF-8?B?"));
	assert_non_null(strstr(dynbuf_ptr(&m), " <noreply@provider.example.jp>"));
	assert_non_null(strstr(dynbuf_ptr(&m), "@provider.example.jp>\r\nMIME-Version"));
	{
		/* Message-ID: <seconds in hex>.<12 random hex digits>@domain> */
		const char *id = strstr(dynbuf_ptr(&m), "Message-ID: <"), *dot, *at;
		assert_non_null(id);
		id += 13;
		dot = strchr(id, '.');
		at = strchr(id, '@');
		assert_true(dot && at && dot < at);
		assert_int_equal(at - dot - 1, 12);
		for (const char *c = dot + 1; c < at; c++)
			assert_non_null(strchr("0123456789abcdef", *c));
		assert_int_equal(strtoll(id, NULL, 16), (long long)NOV1_JST);
	}
	assert_null(strstr(dynbuf_ptr(&m), "saasguard"));
	assert_null(strstr(dynbuf_ptr(&m), "本文"));
	dynbuf_reset(&m);
	assert_int_equal(notify_mime("Sample, K.K.", "noreply@provider.example.jp", "c@d.jp", "x",
	                             "y\n", NULL, NOV1_JST, &m, NULL),
	                 SG_OK);
	assert_non_null(strstr(dynbuf_ptr(&m), "From: \"Sample, K.K.\" <noreply@"));
	/* The outbox's idempotency key: the same Message-ID on every retry and
	 * from every monitor (cluster.md), in the provider's domain. */
	for (int i = 0; i < 2; i++) {
		dynbuf_reset(&m);
		assert_int_equal(notify_mime_keyed("Sample", "noreply@provider.example.jp",
		                                   "c@d.jp", "x", "y\n", NULL, NOV1_JST + i,
		                                   "n42.0a1b2c", &m, NULL),
		                 SG_OK);
		assert_non_null(
		    strstr(dynbuf_ptr(&m), "\r\nMessage-ID: <n42.0a1b2c@provider.example.jp>\r\n"));
		assert_null(strstr(dynbuf_ptr(&m), "saasguard"));
	}
	dynbuf_release(&m);
}

/* A provider's templates directory overrides built-ins, checked at load. */
static void test_override(void **state)
{
	char dir[] = "/tmp/sg-tmpl-XXXXXX", path[256], *yaml;
	struct catalog *cat;
	struct profile *p;
	struct notify_config *cfg;
	struct sg_error err;
	struct notify_incident inc = incident("outage", 0);
	struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
	static const char custom[] =
	    "Subject: 【障害】{{service}}\n\n{{salutation}}\n独自の文面です。\n";
	static const char bad[] = "Subject: x\n\n{{servce}}\n";
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ja", dir);
	assert_int_equal(fileio_mkdirs(path, 0700, &err), SG_OK);
	snprintf(path, sizeof(path), "%s/ja/outage_open.txt", dir);
	assert_int_equal(fileio_write_atomic(path, custom, strlen(custom), 0600, 0, &err), SG_OK);
	assert_int_equal(catalog_load(&cat, &err), SG_OK);
	yaml = xstrfmt("service: {name: S, pattern: 1}\nnotify:\n  templates: \"%s\"\n", dir);
	assert_int_equal(profile_parse(yaml, strlen(yaml), "p.yaml", cat, &p, &err), SG_OK);
	assert_int_equal(notify_config_load(p, &cfg, &err), SG_OK);
	notify_render(cfg, NOTIFY_INCIDENT_OPEN, &inc, NULL, "all_users", "ja", &s, &b);
	assert_string_equal(dynbuf_ptr(&s), "【障害】S");
	assert_non_null(strstr(dynbuf_ptr(&b), "独自の文面です。"));
	dynbuf_reset(&s);
	dynbuf_reset(&b);
	/* English is still the built-in */
	notify_render(cfg, NOTIFY_INCIDENT_OPEN, &inc, NULL, "all_users", "en", &s, &b);
	assert_non_null(strstr(dynbuf_ptr(&s), "[Incident]"));
	notify_config_free(cfg);
	/* a typo is an error naming the file, line and column */
	assert_int_equal(fileio_write_atomic(path, bad, strlen(bad), 0600, 0, &err), SG_OK);
	assert_int_equal(notify_config_load(p, &cfg, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "outage_open.txt:3:1"));
	assert_non_null(strstr(err.msg, "servce"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/ja", dir);
	rmdir(path);
	rmdir(dir);
	profile_free(p);
	catalog_free(cat);
	free(yaml);
	dynbuf_release(&s);
	dynbuf_release(&b);
}

static long long queue(struct store *st, long long inc, const char *purpose, const char *channel,
                       const char *recipient, double at)
{
	struct notification_row r;
	long long id = 0;
	memset(&r, 0, sizeof(r));
	r.incident_id = inc;
	r.purpose = (char *)purpose;
	r.audience = "all_users";
	r.channel = (char *)channel;
	r.recipient = (char *)recipient;
	r.lang = "ja";
	r.subject = "s";
	r.body = "b";
	r.created_at = r.next_attempt_at = at;
	assert_int_equal(store_monitor_notification_insert(st, &r, &id, NULL), SG_OK);
	return id;
}

static int due_has(struct notification_row *rows, size_t n, long long id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return 1;
	return 0;
}

static void due_free(struct notification_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_monitor_notification_row_release(&rows[i]);
	free(rows);
}

/* The outbox's due query: one incident's messages in order per recipient,
 * a share per route so a mass of mail cannot hide a webhook's message. */
static void test_due_order_and_shares(void **state)
{
	char dir[] = "/tmp/sg-notify-XXXXXX", path[256];
	struct store *st;
	struct notification_row *rows;
	struct incident_row ir;
	size_t n;
	long long open1, rec1, hook, other;
	struct sg_error err;
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sg.db", dir);
	assert_int_equal(store_open(path, 0, &st, &err), SG_OK);
	memset(&ir, 0, sizeof(ir));
	ir.service = "S";
	ir.kind = "outage";
	ir.check_name = "web";
	ir.started_at = ir.detected_at = 1000;
	assert_int_equal(store_monitor_check_upsert(st, "S", "web", "liveness", "http", "http://x/",
	                                            60, "III.1.1.1.a", 1000, &ir.check_id, &err),
	                 SG_OK);
	assert_int_equal(store_monitor_incident_open(st, &ir, &err), SG_OK);
	open1 = queue(st, ir.id, "incident_open", "email", "a@x.jp", 1000);
	rec1 = queue(st, ir.id, "incident_resolved", "email", "a@x.jp", 1001);
	other = queue(st, ir.id, "incident_resolved", "email", "b@x.jp", 1001);
	for (int i = 0; i < 100; i++) {
		char who[32];
		snprintf(who, sizeof(who), "u%d@x.jp", i);
		queue(st, 0, "report", "email", who, 900);
	}
	hook = queue(st, ir.id, "incident_open", "webhook", "https://h.example.jp/x", 1002);
	assert_int_equal(store_notify_due(st, 2000, 8, 9, &rows, &n, &err), SG_OK);
	/* the webhook's message is in a batch of 9 despite 103 older mails */
	assert_int_equal(n, 9);
	assert_true(due_has(rows, n, hook));
	due_free(rows, n);
	assert_int_equal(store_notify_due(st, 2000, 1000, 1000, &rows, &n, &err), SG_OK);
	/* the recovery waits for its first notice to the same recipient only */
	assert_true(due_has(rows, n, open1));
	assert_false(due_has(rows, n, rec1));
	assert_true(due_has(rows, n, other));
	due_free(rows, n);
	assert_int_equal(store_monitor_notification_attempted(st, open1, 2000, 1, NULL, 0, &err),
	                 SG_OK);
	assert_int_equal(store_notify_due(st, 2000, 1000, 1000, &rows, &n, &err), SG_OK);
	assert_true(due_has(rows, n, rec1));
	due_free(rows, n);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sg.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sg.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The chat requests: limits counted in characters, escaping, idempotency. */
static void test_channel_requests(void **state)
{
	struct notify_recipient r;
	struct notify_http h;
	struct dynbuf subj = DYNBUF_INIT;
	struct notify_message m = {7,    3,    "incident_open", "all_users",
	                           "ja", NULL, "本文 <a> & b",  NULL};
	json_error_t je;
	json_t *j;
	char key1[64];
	(void)state;

	for (int i = 0; i < 60; i++)
		dynbuf_addstr(&subj, "障");
	m.subject = dynbuf_ptr(&subj);
	memset(&r, 0, sizeof(r));
	r.ch = NOTIFY_CH_SLACK;
	r.url = "http://127.0.0.1:9/services/x";
	assert_int_equal(notify_channel_request(&r, &m, 1000, &h, NULL), SG_OK);
	j = json_loads(dynbuf_ptr(&h.body), 0, &je);
	assert_non_null(j);
	/* 60 characters fit Slack's 150-character header whole */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "text"), "text")),
	    m.subject);
	assert_non_null(strstr(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(json_object_get(j, "blocks"), 1), "text"), "text")),
	    "&lt;a&gt; &amp; b"));
	json_decref(j);
	notify_http_release(&h);
	/* LINE: the same message always carries the same retry key */
	r.ch = NOTIFY_CH_LINE;
	r.url = "http://127.0.0.1:9";
	r.to = "U1";
	r.secret = "tok";
	assert_int_equal(notify_channel_request(&r, &m, 1000, &h, NULL), SG_OK);
	for (struct curl_slist *x = h.headers; x; x = x->next)
		if (!strncmp(x->data, "X-Line-Retry-Key: ", 18))
			snprintf(key1, sizeof(key1), "%s", x->data + 18);
	notify_http_release(&h);
	assert_int_equal(notify_channel_request(&r, &m, 2000, &h, NULL), SG_OK);
	{
		int found = 0;
		for (struct curl_slist *x = h.headers; x; x = x->next)
			found |= !strncmp(x->data, "X-Line-Retry-Key: ", 18) &&
			         !strcmp(x->data + 18, key1);
		assert_true(found);
	}
	{
		/* the key is SHA-256("saasguard:ID:TO") as an RFC 4122 version 4 UUID */
		unsigned char md[SHA256_DIGEST_LENGTH];
		char seed[64], want[37];
		snprintf(seed, sizeof(seed), "saasguard:%lld:%s", m.id, r.to);
		SHA256((const unsigned char *)seed, strlen(seed), md);
		md[6] = (unsigned char)((md[6] & 0x0f) | 0x40);
		md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
		snprintf(want, sizeof(want),
		         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		         md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9],
		         md[10], md[11], md[12], md[13], md[14], md[15]);
		assert_string_equal(key1, want);
	}
	assert_string_equal(h.url, "http://127.0.0.1:9/v2/bot/message/push");
	notify_http_release(&h);
	dynbuf_release(&subj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_incident_templates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_maintenance_templates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report_templates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_register, setup, teardown),
	    cmocka_unit_test(test_template_language),
	    cmocka_unit_test(test_redact),
	    cmocka_unit_test(test_mime),
	    cmocka_unit_test(test_override),
	    cmocka_unit_test(test_due_order_and_shares),
	    cmocka_unit_test(test_channel_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
