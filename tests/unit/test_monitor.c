/* Unit tests for the monitor: availability arithmetic (service hours across
 * midnight and zones, maintenance announced late, monitor downtime,
 * overruns), schedule and jitter, notification templates, MIME, backoff,
 * latency buckets and configuration parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "availability.h"
#include "histogram.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "dynbuf.h"
#include "monitor_config.h"
#include "monitor_writer.h"
#include "notify.h"
#include "redact.h"
#include "store_monitor.h"
#include "timeutil.h"

/* 2026-11-01T00:00+09:00 */
#define NOV1_JST 1793458800.0
#define DAY      86400.0

static struct service_hours all_day(const char *tz)
{
	struct service_hours sh = {1, 0x7f, 0, 1440, (char *)tz};
	return sh;
}

static void expect_redacted(const char *in, const char *const *extra, const char *want)
{
	char *got = redact_url(in, extra);
	assert_string_equal(got, want);
	free(got);
}

static void test_redact(void **state)
{
	static const char *const extra[] = {"X-Sig", NULL};
	(void)state;
	expect_redacted("https://user:pa%40ss@app.example.jp:8443/a?b=1&api_key=s3&Token=t#f", NULL,
	                "https://***@app.example.jp:8443/a?b=1&api_key=***&Token=***#f");
	expect_redacted("http://app.example.jp/healthz", NULL, "http://app.example.jp/healthz");
	expect_redacted("http://h/x?x%2Dsig=1&x-sig&keep=key", extra,
	                "http://h/x?x%2dsig=***&x-sig=***&keep=key");
	expect_redacted("https://hooks.example.jp/x?token=abc", NULL,
	                "https://hooks.example.jp/x?token=***");
	expect_redacted("not a url", NULL, "[URL]");
	expect_redacted("http://user@h/", NULL, "http://***@h/");
	{
		/* exact names by default; REDACT_CONTAINS for names containing a word */
		int red = -1;
		char *got = redact_url_ex("http://h/?x-api-key=1&keyword=2", NULL, 0, &red);
		assert_string_equal(got, "http://h/?x-api-key=1&keyword=2");
		assert_int_equal(red, 0);
		free(got);
		got = redact_url_ex("http://h/?x-api-key=1&keyword=2&b=3", NULL, REDACT_CONTAINS,
		                    &red);
		assert_string_equal(got, "http://h/?x-api-key=***&keyword=***&b=3");
		assert_int_equal(red, 1);
		free(got);
		got = redact_url_ex("http://u@h/", NULL, 0, &red);
		assert_int_equal(red, 1);
		free(got);
		got = redact_url_ex("::", NULL, 0, &red);
		assert_string_equal(got, "[URL]");
		assert_int_equal(red, 1);
		free(got);
	}
}

static void test_full_month_up(void **state)
{
	struct service_hours sh = all_day("Asia/Tokyo");
	struct avail_interval iv[] = {{NOV1_JST, NOV1_JST + 30 * DAY, AVAIL_UP, 1}};
	struct avail_check c = {iv, 1};
	struct availability a;
	(void)state;
	availability_compute(&sh, NULL, 0, &c, 1, NOV1_JST, NOV1_JST + 30 * DAY, &a);
	assert_true(a.service_s == 30 * DAY);
	assert_true(a.percent == 100.0);
	assert_true(a.unknown_s == 0);
}

static void test_downtime_and_unknown(void **state)
{
	struct service_hours sh = all_day("Asia/Tokyo");
	/* 1 h down (confirmed), 10 min unconfirmed failure, then the monitor
	 * was not running for 2 h (no interval), then up. */
	double t = NOV1_JST;
	struct avail_interval iv[] = {
	    {t, t + 10 * 3600, AVAIL_UP, 1},
	    {t + 10 * 3600, t + 11 * 3600, AVAIL_DOWN, 1},
	    {t + 11 * 3600, t + 12 * 3600, AVAIL_UP, 1},
	    {t + 12 * 3600, t + 12 * 3600 + 600, AVAIL_DOWN, 0},
	    {t + 12 * 3600 + 600, t + 20 * 3600, AVAIL_UP, 1},
	    {t + 22 * 3600, t + 30 * DAY, AVAIL_UP, 1},
	};
	struct avail_check c = {iv, 6};
	struct availability a;
	char txt[16];
	(void)state;
	availability_compute(&sh, NULL, 0, &c, 1, t, t + 30 * DAY, &a);
	assert_true(a.down_s == 3600);
	assert_true(a.unknown_s == 7200);
	assert_true(a.unconfirmed_s == 600);
	assert_int_equal(a.incidents, 1);
	assert_true(a.up_s == 30 * DAY - 3600 - 7200);
	availability_format(a.percent, txt);
	/* 1 - 3600 / (30 d - 2 h) = 99.8610...% */
	assert_string_equal(txt, "99.86%");
	assert_true(a.percent_worst < a.percent);
}

static void test_service_hours_across_midnight(void **state)
{
	/* 22:00-06:00 JST on weekdays (Mon-Fri starts). */
	struct service_hours sh = {1, 0x1f, 22 * 60, 6 * 60, "Asia/Tokyo"};
	double w[64][2];
	size_t n;
	(void)state;
	/* 2026-11-02 is a Monday. Week of Mon 2 .. Sun 8. */
	n = availability_windows(&sh, NOV1_JST + DAY, NOV1_JST + 8 * DAY, w, 64);
	assert_int_equal(n, 5);
	assert_true(w[0][0] == NOV1_JST + DAY + 22 * 3600);
	assert_true(w[0][1] == NOV1_JST + 2 * DAY + 6 * 3600);
	/* Sunday 1 Nov starts no window, but nothing of it leaks into Monday. */
	n = availability_windows(&sh, NOV1_JST, NOV1_JST + DAY, w, 64);
	assert_int_equal(n, 0);
}

static void test_service_hours_zone(void **state)
{
	/* 09:00-18:00 in UTC vs in Tokyo over one JST day. */
	struct service_hours utc = {1, 0x7f, 9 * 60, 18 * 60, "UTC"};
	struct service_hours jst = {1, 0x7f, 9 * 60, 18 * 60, "Asia/Tokyo"};
	double w[8][2];
	size_t n;
	(void)state;
	n = availability_windows(&jst, NOV1_JST, NOV1_JST + DAY, w, 8);
	assert_int_equal(n, 1);
	assert_true(w[0][0] == NOV1_JST + 9 * 3600);
	n = availability_windows(&utc, NOV1_JST, NOV1_JST + DAY, w, 8);
	/* The JST day holds the end of 31 Oct's UTC window (00:00-03:00 JST)
	 * and the start of 1 Nov's (18:00-24:00 JST, clipped). */
	assert_int_equal(n, 2);
	assert_true(w[0][0] == NOV1_JST && w[0][1] == NOV1_JST + 3 * 3600);
	assert_true(w[1][0] == NOV1_JST + 18 * 3600);
	assert_true(w[1][1] == NOV1_JST + DAY);
}

static void test_maintenance_announced_late_and_overrun(void **state)
{
	struct service_hours sh = all_day("Asia/Tokyo");
	double t = NOV1_JST;
	struct maintenance_window m[] = {
	    /* announced a week ahead: excluded; the outage overruns it by 30 min */
	    {t + 2 * 3600, t + 4 * 3600, t - 7 * DAY, 1, 1, NULL},
	    /* announced after it started: counts */
	    {t + 10 * 3600, t + 11 * 3600, t + 10 * 3600 + 60, 1, 1, NULL},
	};
	struct avail_interval iv[] = {
	    {t, t + 2 * 3600, AVAIL_UP, 1},
	    {t + 2 * 3600, t + 4 * 3600 + 1800, AVAIL_DOWN, 1},
	    {t + 4 * 3600 + 1800, t + 10 * 3600, AVAIL_UP, 1},
	    {t + 10 * 3600, t + 11 * 3600, AVAIL_DOWN, 1},
	    {t + 11 * 3600, t + DAY, AVAIL_UP, 1},
	};
	struct avail_check c = {iv, 5};
	struct availability a;
	(void)state;
	availability_compute(&sh, m, 2, &c, 1, t, t + DAY, &a);
	assert_true(a.maintenance_s == 7200);
	assert_true(a.counted_s == DAY - 7200);
	assert_true(a.overrun_s == 1800);
	assert_true(a.late_maintenance_s == 3600);
	assert_true(a.down_s == 1800 + 3600);
}

static void test_two_checks_any_down(void **state)
{
	struct service_hours sh = all_day("UTC");
	struct avail_interval a1[] = {{0, 100, AVAIL_UP, 1}};
	struct avail_interval a2[] = {
	    {0, 40, AVAIL_UP, 1}, {40, 50, AVAIL_DOWN, 1}, {50, 100, AVAIL_DEGRADED, 1}};
	struct avail_check c[] = {{a1, 1}, {a2, 3}};
	struct availability a;
	(void)state;
	availability_compute(&sh, NULL, 0, c, 2, 0, 100, &a);
	assert_true(a.down_s == 10);
	assert_true(a.degraded_s == 50);
	assert_true(a.percent == 90.0);
}

/* The sweep against the definition, segment by segment and check by
 * check, on random checks (gaps, every state, touching intervals). */
static void reference(const struct avail_check *c, size_t nc, double to, struct availability *r)
{
	double b[2 + 2 * 8 * 12];
	size_t nb = 0;

	memset(r, 0, sizeof(*r));
	b[nb++] = 0;
	b[nb++] = to;
	for (size_t i = 0; i < nc; i++)
		for (size_t k = 0; k < c[i].n; k++) {
			b[nb++] = c[i].iv[k].start;
			b[nb++] = c[i].iv[k].end;
		}
	for (size_t i = 1; i < nb; i++) /* insertion sort: a few dozen */
		for (size_t j = i; j > 0 && b[j - 1] > b[j]; j--) {
			double t = b[j];
			b[j] = b[j - 1];
			b[j - 1] = t;
		}
	for (size_t k = 0; k + 1 < nb; k++) {
		double len = b[k + 1] - b[k], mid = b[k] + len / 2;
		int down = 0, unknown = 0, unconf = 0, degr = 0;
		if (len <= 0 || b[k] < 0 || b[k + 1] > to)
			continue;
		for (size_t i = 0; i < nc; i++) {
			const struct avail_interval *hit = NULL;
			for (size_t j = 0; j < c[i].n; j++)
				if (c[i].iv[j].start <= mid && mid < c[i].iv[j].end)
					hit = &c[i].iv[j];
			if (!hit || hit->state == AVAIL_UNKNOWN)
				unknown = 1;
			else if (hit->state == AVAIL_DOWN)
				*(hit->confirmed ? &down : &unconf) = 1;
			else if (hit->state == AVAIL_DEGRADED)
				degr = 1;
		}
		if (down)
			r->down_s += len;
		else if (unknown)
			r->unknown_s += len;
		else {
			r->up_s += len;
			r->unconfirmed_s += unconf ? len : 0;
			r->degraded_s += degr ? len : 0;
		}
	}
}

static void test_sweep_matches_definition(void **state)
{
	struct service_hours sh = all_day("UTC");
	struct avail_interval iv[8][12];
	struct avail_check c[8];
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 500; round++) {
		struct availability a, r;
		size_t nc = 1 + (size_t)(rand_r(&seed) % 8);
		for (size_t i = 0; i < nc; i++) {
			double t = (double)(rand_r(&seed) % 5);
			c[i].iv = iv[i];
			c[i].n = (size_t)(rand_r(&seed) % 12);
			for (size_t k = 0; k < c[i].n; k++) {
				iv[i][k].start = t;
				iv[i][k].end = t + (double)(rand_r(&seed) % 4); /* empty ones too */
				iv[i][k].state = (enum avail_state)(rand_r(&seed) % 4);
				iv[i][k].confirmed = rand_r(&seed) % 2;
				t = iv[i][k].end +
				    (double)(rand_r(&seed) % 3); /* gap or touching */
			}
		}
		availability_compute(&sh, NULL, 0, c, nc, 0, 60, &a);
		reference(c, nc, 60, &r);
		assert_true(fabs(a.down_s - r.down_s) < 1e-9);
		assert_true(fabs(a.up_s - r.up_s) < 1e-9);
		assert_true(fabs(a.unknown_s - r.unknown_s) < 1e-9);
		assert_true(fabs(a.unconfirmed_s - r.unconfirmed_s) < 1e-9);
		assert_true(fabs(a.degraded_s - r.degraded_s) < 1e-9);
	}
}

static void test_format_truncates(void **state)
{
	char t[16];
	(void)state;
	availability_format(99.4999, t);
	assert_string_equal(t, "99.49%");
	availability_format(100, t);
	assert_string_equal(t, "100.00%");
	availability_format(-1, t);
	assert_string_equal(t, "-");
}

static void test_schedule(void **state)
{
	(void)state;
	assert_true(monitor_schedule_first_due(60, 0) == 0);
	assert_true(monitor_schedule_first_due(60, 0.5) == 30000);
	/* keeps the phase */
	assert_true(monitor_schedule_next_due(1000, 1200, 1) == 2000);
	/* skips missed slots instead of bursting */
	assert_true(monitor_schedule_next_due(1000, 5500, 1) == 6000);
	/* spread: 1000 checks with uniform jitter cover the interval */
	double lo = 1e9, hi = -1;
	srand(1);
	for (int i = 0; i < 1000; i++) {
		double d = monitor_schedule_first_due(300, (double)rand() / RAND_MAX);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 3000 && hi > 297000 && hi <= 300000);
}

/* When the writer folds the daily rollups: rows pending, results summed in
 * them, seconds since the last fold. */
static void test_fold_due(void **state)
{
	static const struct {
		size_t rows, results;
		double age;
		int due;
	} t[] = {
	    {0, 0, 59.9, 0},         /* a minute between folds */
	    {0, 0, 60, 1},           /* nothing pending: the fold marks the node */
	    {1000, 60000, 60, 1},    /* 1,000 checks probed every second */
	    {2000, 2000, 60, 1},     /* few rows: every minute, however few results */
	    {2001, 2001, 60, 0},     /* many checks probed rarely wait for results */
	    {60000, 299999, 400, 0}, /* 100,000 checks every 100 s, 400 s on */
	    {60000, 300000, 400, 1}, /* five results a row on average */
	    {99000, 100000, 599.9, 0},
	    {99000, 100000, 600, 1},  /* never later than ten minutes */
	    {131072, 131072, 1, 1},   /* the memory bound */
	    {131071, 10000000, 59, 0} /* results alone never hurry it */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (monitor_writer_fold_due(t[i].rows, t[i].results, t[i].age) != t[i].due)
			fail_msg("row %zu: rows %zu, results %zu, %.1f s: expected %d", i,
			         t[i].rows, t[i].results, t[i].age, t[i].due);
	}
}

static void test_backoff(void **state)
{
	(void)state;
	assert_true(notify_backoff(1, 10, 600, 0.5) == 10);
	assert_true(notify_backoff(2, 10, 600, 0.5) == 20);
	assert_true(notify_backoff(4, 10, 600, 0.5) == 80);
	assert_true(notify_backoff(30, 10, 600, 0.5) == 600);
	assert_true(notify_backoff(1, 10, 600, 0) == 9);
	assert_true(notify_backoff(1, 10, 600, 0.999) < 11.0);
}

static void test_latency_buckets(void **state)
{
	unsigned long long h[HISTOGRAM_BUCKETS], back[HISTOGRAM_BUCKETS];
	unsigned char blob[HISTOGRAM_BLOB];
	(void)state;
	assert_int_equal(histogram_bucket(0.5), 0);
	assert_int_equal(histogram_bucket(1.0), 1);
	assert_int_equal(histogram_bucket(-3), 0);
	assert_int_equal(histogram_bucket(1e30), HISTOGRAM_BUCKETS - 1);
	assert_true(histogram_bucket(100) > histogram_bucket(50));
	assert_true(100 < histogram_upper(histogram_bucket(100)));
	assert_true(100 >= histogram_upper(histogram_bucket(100) - 1));
	memset(h, 0, sizeof(h));
	assert_true(isnan(histogram_quantile(h, 0.5)));
	h[histogram_bucket(10)] = 99;
	h[histogram_bucket(1000)] = 1;
	assert_true(histogram_quantile(h, 0.5) < 20);
	assert_true(histogram_quantile(h, 1.0) > 1000);
	/* the stored form round-trips; a short blob adds only what it has */
	h[5] = 5000000000ULL; /* saturates at 2^32-1 */
	histogram_encode(h, blob);
	memset(back, 0, sizeof(back));
	histogram_decode_add(back, blob, sizeof(blob));
	assert_true(back[histogram_bucket(10)] == 99 && back[5] == 4294967295ULL);
	histogram_decode_add(back, blob, 7);
	assert_true(back[0] == 0 && back[1] == 0 && back[histogram_bucket(10)] == 99);
	histogram_decode_add(back, NULL, 256);
}

static void test_days_and_times(void **state)
{
	(void)state;
	assert_int_equal(monitor_config_days_parse("mon-sun"), 0x7f);
	assert_int_equal(monitor_config_days_parse("mon-fri"), 0x1f);
	assert_int_equal(monitor_config_days_parse("sat-mon"), 0x61);
	assert_int_equal(monitor_config_days_parse("mon,wed"), 0x05);
	assert_int_equal(monitor_config_days_parse("monday"), -1);
	assert_int_equal(monitor_config_time_parse("24:00"), 1440);
	assert_int_equal(monitor_config_time_parse("09:30"), 570);
	assert_int_equal(monitor_config_time_parse("24:01"), -1);
	assert_int_equal(monitor_config_time_parse("9:30"), -1);
}

static enum sg_code load(const char *yaml, struct monitor_config **cfg, struct sg_error *err)
{
	struct catalog *cat = NULL;
	struct profile *p = NULL;
	enum sg_code rc = catalog_load(&cat, err);
	if (!rc)
		rc = profile_parse(yaml, strlen(yaml), "p.yaml", cat, &p, err);
	if (!rc)
		rc = monitor_config_load(p, cat, cfg, err);
	profile_free(p);
	catalog_free(cat);
	return rc;
}

static void test_config(void **state)
{
	struct monitor_config *cfg = NULL;
	struct sg_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(load("service: {name: s, pattern: 2}\nmonitor:\n  checks:\n"
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/'}\n"
	                      "    - {name: b, kind: performance, type: http, url: 'http://x/', "
	                      "max_response_time: 800ms}\n"
	                      "    - {name: c, kind: fault, type: http, url: 'http://x/', "
	                      "expect_body_regex: '^OK$', interval: 1h}\n",
	                      &cfg, &err),
	                 SG_OK);
	assert_int_equal(cfg->nchecks, 3);
	assert_true(cfg->checks[0].interval_s == 600); /* pattern 2: 10m */
	assert_string_equal(cfg->checks[0].item_id, "III.1.1.1.a");
	assert_true(cfg->checks[1].max_response_s == 0.8);
	assert_true(cfg->checks[2].interval_s == 3600); /* not a * reference: allowed */
	assert_int_equal(cfg->checks[2].body_regex, 1);
	assert_int_equal(cfg->checks[0].tls_verify, 1);
	monitor_config_free(cfg);
	cfg = NULL;
	assert_int_equal(load("service: {name: s, pattern: 1}\nmonitor:\n  checks:\n"
	                      "    - {name: a, kind: fault, type: http, url: 'http://x/', "
	                      "expect_body_regex: '(('}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(err.line, 4);
	assert_int_equal(load("service: {name: s, pattern: 1}\nmonitor:\n  checks:\n"
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/', "
	                      "interval: 500ms}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(load("service: {name: s, pattern: 1}\nservice_hours: {days: mon-fri, "
	                      "from: '09:00', to: '18:00', timezone: Mars/Base}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_int_equal(load("service: {name: s, pattern: 1}\nmaintenance:\n"
	                      "  - {start: 2026-12-01T04:00+09:00, end: 2026-12-01T02:00+09:00}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
}

#define COMP_HEAD "service: {name: s, pattern: 2}\nmonitor:\n  checks:\n"

static void test_components(void **state)
{
	struct monitor_config *cfg = NULL;
	struct sg_error err;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	memset(&err, 0, sizeof(err));
	/* a component, a check of its own, depends_on by component and check */
	assert_int_equal(
	    load(COMP_HEAD "    - {name: db, kind: liveness, type: tcp, host: 127.0.0.1, port: 1}\n"
	                   "    - {name: web, kind: liveness, type: http, url: 'http://x/', "
	                   "component: 給与計算画面, depends_on: [db]}\n"
	                   "    - {name: api, kind: fault, type: http, url: 'http://x/a', "
	                   "component: 給与計算画面}\n"
	                   "    - {name: lat, kind: performance, type: http, url: 'http://x/', "
	                   "max_response_time: 1s, depends_on: [給与計算画面, db]}\n"
	                   "  incident_window: 30s\n",
	         &cfg, &err),
	    SG_OK);
	assert_string_equal(cfg->checks[0].component, "db"); /* its own component */
	assert_string_equal(cfg->checks[1].component, "給与計算画面");
	assert_int_equal(cfg->checks[1].ndep_checks, 1);
	assert_int_equal(cfg->checks[1].dep_checks[0], 0);
	assert_int_equal(cfg->checks[3].ndep_checks, 3); /* web, api, db */
	assert_int_equal(cfg->checks[3].dep_checks[0], 1);
	assert_int_equal(cfg->checks[3].dep_checks[1], 2);
	assert_int_equal(cfg->checks[3].dep_checks[2], 0);
	assert_true(cfg->incident_window_s == 30);
	monitor_config_find_cycle(cfg, &b);
	assert_int_equal(dynbuf_len(&b), 0);
	monitor_config_free(cfg);
	cfg = NULL;
	/* the default window */
	assert_int_equal(load(COMP_HEAD
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/'}\n",
	                      &cfg, &err),
	                 SG_OK);
	assert_true(cfg->incident_window_s == 120);
	monitor_config_free(cfg);
	cfg = NULL;
	/* an unknown name: at the name */
	assert_int_equal(load(COMP_HEAD
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/', "
	                      "depends_on: [nosuch]}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.col, 76);
	assert_non_null(strstr(err.msg, "nosuch"));
	/* a cycle through a component: named in the message */
	assert_int_equal(load(COMP_HEAD
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/', "
	                      "depends_on: [c2]}\n"
	                      "    - {name: b, kind: liveness, type: http, url: 'http://x/', "
	                      "component: c2, depends_on: [c]}\n"
	                      "    - {name: c, kind: liveness, type: http, url: 'http://x/', "
	                      "depends_on: [a]}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "a -> b -> c -> a"));
	/* depending on one's own component is a cycle */
	assert_int_equal(load(COMP_HEAD
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/', "
	                      "component: x, depends_on: [x]}\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "a -> a"));
	/* the window's bounds */
	assert_int_equal(load(COMP_HEAD
	                      "    - {name: a, kind: liveness, type: http, url: 'http://x/'}\n"
	                      "  incident_window: 2h\n",
	                      &cfg, &err),
	                 SG_ERR_INPUT);
	dynbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_month_up),
	    cmocka_unit_test(test_downtime_and_unknown),
	    cmocka_unit_test(test_service_hours_across_midnight),
	    cmocka_unit_test(test_service_hours_zone),
	    cmocka_unit_test(test_maintenance_announced_late_and_overrun),
	    cmocka_unit_test(test_two_checks_any_down),
	    cmocka_unit_test(test_sweep_matches_definition),
	    cmocka_unit_test(test_format_truncates),
	    cmocka_unit_test(test_schedule),
	    cmocka_unit_test(test_fold_due),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_latency_buckets),
	    cmocka_unit_test(test_days_and_times),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_components),
	    cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
