/*
 * web_api - the REST API (/api/v1/…, JSON, described by the OpenAPI 3.1
 * document data/web/openapi.json served at /api/v1/openapi.json) and
 * /metrics in the Prometheus text format. Roles: viewer reads, operator
 * also posts follow-ups, admin also lists users. Errors are
 * {"error": "..."} with the HTTP status.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "assess_write.h"
#include "availability.h"
#include "measured.h"
#include "store_collect.h"
#include "ledger_check.h"
#include "ledger_verify.h"
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

extern const char web_openapi_json[];
extern const size_t web_openapi_json_len;

static void reply_json(struct web_reply *r, int status, json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2));

	r->status = status;
	r->type = "application/json";
	dynbuf_reset(&r->body);
	dynbuf_addstr(&r->body, t ? t : "{}");
	dynbuf_addch(&r->body, '\n');
	free(t);
	json_decref(j);
}

static void error_json(struct web_reply *r, int status, const char *msg)
{
	reply_json(r, status, json_pack("{s:s}", "error", msg));
}

static json_t *utc_json(double t)
{
	char s[32];

	if (!(t > 0))
		return json_null();
	timeutil_utc((long long)t, s);
	return json_string(s);
}

static json_t *incident_json(const struct incident_row *x)
{
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:s,s:b}", "id", (json_int_t)x->id, "service",
	    x->service, "kind", x->kind, "check", x->check_name, "item", x->item_id, "started_at",
	    utc_json(x->started_at), "detected_at", utc_json(x->detected_at), "resolved_at",
	    utc_json(x->resolved_at), "first_notice_at", utc_json(x->first_delivered_at),
	    "followups", (json_int_t)x->nfollowups, "summary", x->summary, "muted", x->muted);
}

static void services(struct web_req *q, struct web_reply *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < q->site->n; i++) {
		const struct web_service *s = &q->site->svc[i];
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:I}", "slug", s->slug, "name",
		                                   s->name, "pattern", s->mcfg->pattern, "checks",
		                                   (json_int_t)s->mcfg->nchecks));
	}
	reply_json(r, 200, json_pack("{s:o}", "services", a));
}

static void incidents(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct incident_row *rows = NULL;
	size_t n = 0;
	struct sg_error err;
	double now = timeutil_now();
	json_t *a;

	memset(&err, 0, sizeof(err));
	if (store_monitor_incident_list(q->s, svc->mcfg->service, now - 90 * 86400.0, now + 1,
	                                &rows, &n, &err)) {
		error_json(r, 500, "the store could not be read");
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		struct incident_row full;
		memset(&full, 0, sizeof(full));
		if (store_monitor_incident_get(q->s, rows[i].id, &full, &err) == SG_OK)
			json_array_append_new(a, incident_json(&full));
		store_monitor_incident_row_release(&full);
		store_monitor_incident_row_release(&rows[i]);
	}
	free(rows);
	reply_json(r, 200, json_pack("{s:s,s:o}", "service", svc->slug, "incidents", a));
}

static void incident(struct web_req *q, struct web_reply *r)
{
	struct incident_row x;
	struct store_web_followup *fu = NULL;
	struct notification_row *nr = NULL;
	size_t nfu = 0, nn = 0;
	struct sg_error err;
	json_t *j, *a;

	memset(&err, 0, sizeof(err));
	memset(&x, 0, sizeof(x));
	if (store_monitor_incident_get(q->s, q->rt->seq, &x, &err) ||
	    !web_req_incident_service(q, x.service)) {
		store_monitor_incident_row_release(&x);
		error_json(r, 404, "no such incident");
		return;
	}
	j = incident_json(&x);
	a = json_array();
	if (store_web_followups(q->s, x.id, &fu, &nfu, &err) == SG_OK)
		for (size_t i = 0; i < nfu; i++)
			json_array_append_new(a, json_pack("{s:o,s:s}", "sent_at",
			                                   utc_json(fu[i].sent_at), "message",
			                                   fu[i].message));
	store_web_followups_free(fu, nfu);
	json_object_set_new(j, "followup_texts", a);
	a = json_array();
	if (store_monitor_notifications_of(q->s, x.id, &nr, &nn, &err) == SG_OK)
		for (size_t i = 0; i < nn; i++) {
			json_array_append_new(
			    a, json_pack("{s:s,s:s,s:s,s:o,s:o,s:i}", "purpose", nr[i].purpose,
			                 "audience", nr[i].audience, "channel", nr[i].channel,
			                 "created_at", utc_json(nr[i].created_at), "delivered_at",
			                 utc_json(nr[i].delivered_at), "attempts", nr[i].attempts));
			store_monitor_notification_row_release(&nr[i]);
		}
	free(nr);
	json_object_set_new(j, "notifications", a);
	store_monitor_incident_row_release(&x);
	reply_json(r, 200, j);
}

static void followup(struct web_req *q, struct web_reply *r)
{
	struct incident_row x;
	const struct web_service *svc;
	struct sg_error err;
	json_error_t jerr;
	json_t *in;
	const char *msg;
	size_t n = 0;

	if (q->role < WEB_ROLE_OPERATOR) {
		error_json(r, 403, "this needs the operator role");
		return;
	}
	in = json_loadb(q->body ? q->body : "", q->body_len, JSON_REJECT_DUPLICATES, &jerr);
	msg = json_string_value(json_object_get(in, "message"));
	if (!msg) {
		json_decref(in);
		error_json(r, 400, "send {\"message\": \"...\"} as application/json");
		return;
	}
	memset(&err, 0, sizeof(err));
	memset(&x, 0, sizeof(x));
	if (store_monitor_incident_get(q->s, q->rt->seq, &x, &err) ||
	    !(svc = web_req_incident_service(q, x.service))) {
		store_monitor_incident_row_release(&x);
		json_decref(in);
		error_json(r, 404, "no such incident");
		return;
	}
	store_monitor_incident_row_release(&x);
	err.lang = SG_LANG_EN;
	if (web_action_followup(q->s, svc->profile, q->rt->seq, msg, q->user, timeutil_now(), &n,
	                        &err)) {
		json_decref(in);
		error_json(r, err.code == SG_ERR_INPUT ? 400 : 500, err.msg);
		return;
	}
	json_decref(in);
	reply_json(r, 201,
	           json_pack("{s:I,s:I,s:s}", "incident", (json_int_t)q->rt->seq, "recipients",
	                     (json_int_t)n, "recorded_by", q->user));
}

static void availability(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct timeutil_period per;
	struct availability av;
	struct sg_error err;
	char pct[16];
	double now = timeutil_now(), coverage;
	const struct eval_item *it = catalog_item(q->cat, "III.2.1.1.a");
	const struct reference_value *ref = it ? &it->refs[svc->mcfg->pattern - 1] : NULL;
	int bad, meets;

	memset(&err, 0, sizeof(err));
	web_status_tz_lock();
	if (q->q_month)
		bad = timeutil_period_parse(q->q_month, svc->mcfg->hours.timezone, &per, &err) != 0;
	else
		bad =
		    (timeutil_period_containing((long long)now, 1, svc->mcfg->hours.timezone, &per),
		     0);
	if (!bad)
		bad = availability_for_period(q->s, svc->mcfg, (double)per.start, (double)per.end,
		                              now, &av, &err)
		          ? 2
		          : 0;
	web_status_tz_unlock();
	if (bad) {
		error_json(
		    r, bad == 2 ? 500 : 400,
		    bad == 2 ? "the store could not be read"
		             : "month must be a month, quarter or half: 2026-11, 2026-Q4, 2026-H2");
		return;
	}
	availability_format(av.percent, pct);
	coverage = av.counted_s > 0 ? (av.up_s + av.down_s) / av.counted_s : 0;
	meets = ref && av.percent >= 0 && floor(av.percent * 100) / 100 >= ref->quantity.percent;
	reply_json(r, 200,
	           json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:o,s:b,s:f,s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f}}",
	                     "service", svc->slug, "period", per.label, "item", "III.2.1.1.a",
	                     "availability", av.percent >= 0 ? pct : NULL, "committed",
	                     ref ? ref->quantity_text : NULL, "meets_commitment",
	                     av.percent >= 0 ? json_boolean(meets) : json_null(), "provisional",
	                     av.percent >= 0 && coverage < AVAILABILITY_MIN_COVERAGE, "coverage",
	                     coverage, "seconds", "counted", av.counted_s, "up", av.up_s, "down",
	                     av.down_s, "unknown", av.unknown_s, "maintenance_excluded",
	                     av.maintenance_s, "unconfirmed_failures", av.unconfirmed_s, "degraded",
	                     av.degraded_s));
}

static void checks(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	json_t *a = json_array();
	struct sg_error err;
	char today[16];

	memset(&err, 0, sizeof(err));
	web_status_local_day(timeutil_now(), svc->mcfg->hours.timezone, today);
	for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
		const struct check_def *c = &svc->mcfg->checks[i];
		long long id = 0, iv = 0, n = 0, nf = 0;
		int confirmed = 0;
		char st[16] = "";
		unsigned long long hist[HISTOGRAM_BUCKETS];
		double gap = 0, p50 = -1, p95 = -1;
		if (store_web_check_id(q->s, svc->mcfg->service, c->name, &id, &err) == SG_OK &&
		    id) {
			store_monitor_open_interval(q->s, id, &iv, st, &confirmed, &err);
			if (store_monitor_daily_sum(q->s, id, today, today, hist, &n, &nf, &gap,
			                            &err) == SG_OK &&
			    n > 0) {
				p50 = histogram_quantile(hist, 0.5);
				p95 = histogram_quantile(hist, 0.95);
			}
		}
		json_array_append_new(
		    a,
		    json_pack("{s:I,s:s,s:s,s:s,s:b,s:s,s:s?,s:b,s:f,s:I,s:I,s:o,s:o}", "id",
		              (json_int_t)id, "name", c->name, "kind",
		              monitor_config_kind_name(c->kind), "type",
		              monitor_config_type_name(c->type), "public", svc->checks[i].is_public,
		              "group", svc->checks[i].group, "state", st[0] ? st : NULL,
		              "confirmed", confirmed, "interval_s", c->interval_s, "probes_today",
		              (json_int_t)n, "failures_today", (json_int_t)nf, "latency_p50_ms",
		              p50 >= 0 ? json_real(p50) : json_null(), "latency_p95_ms",
		              p95 >= 0 ? json_real(p95) : json_null()));
	}
	reply_json(r, 200, json_pack("{s:s,s:o}", "service", svc->slug, "checks", a));
}

static void ledger_head(struct web_req *q, struct web_reply *r)
{
	struct store_ledger_head h;
	struct sg_error err;
	int found = 0;
	char root[65], sig[128], t[32];

	memset(&err, 0, sizeof(err));
	memset(&h, 0, sizeof(h));
	struct ledger_key keys[16];
	size_t nk = 0;

	/* the newest head one of the services' keys signed (as the proofs use) */
	for (size_t i = 0; i < q->site->n && nk < 16; i++)
		if (q->site->svc[i].has_pub)
			keys[nk++] = q->site->svc[i].pub;
	found = nk && ledger_verify_latest_head(q->s, keys, nk, &h, &err) == SG_OK;
	if (!found) {
		error_json(r, 404, "no signed tree head yet");
		return;
	}
	sodium_bin2hex(root, sizeof(root), h.root, 32);
	sodium_bin2base64(sig, sizeof(sig), h.signature, 64, sodium_base64_VARIANT_ORIGINAL);
	timeutil_utc(h.at_ms / 1000, t);
	reply_json(r, 200,
	           json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b}", "tree_size", (json_int_t)h.tree_size,
	                     "root", root, "time", t, "key_id", h.key_id, "head", h.head,
	                     "signature", sig, "timestamped", h.token != NULL));
	free(h.head);
	free(h.token);
}

static size_t trusted_keys(const struct web_req *q, struct ledger_key keys[16]);

static json_t *verification_json(const struct ledger_check *c)
{
	char root[65], t[32];
	json_t *j;

	timeutil_utc((long long)c->at, t);
	if (c->has_root)
		sodium_bin2hex(root, sizeof(root), c->r.sealed_root, sizeof(c->r.sealed_root));
	j = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:f}", "seq",
	              (json_int_t)c->seq, "at", t, "by", c->by ? c->by : "", "result",
	              c->ok ? "ok" : "failed", "entries", (json_int_t)c->r.entries, "recomputed",
	              (json_int_t)c->r.recomputed, "heads", (json_int_t)c->r.heads, "checkpoints",
	              (json_int_t)c->r.checkpoints, "head_number", (json_int_t)c->r.sealed_number,
	              "head_size", (json_int_t)c->r.sealed, "head_root",
	              c->has_root ? json_string(root) : json_null(), "seconds",
	              c->seconds >= 0 ? c->seconds : 0.0);
	if (j && !c->ok) {
		json_object_set_new(j, "error", json_string(c->error ? c->error : ""));
		json_object_set_new(j, "first_bad",
		                    c->r.bad_from >= 0 ? json_integer(c->r.bad_from) : json_null());
		json_object_set_new(j, "last_bad",
		                    c->r.bad_to >= 0 ? json_integer(c->r.bad_to) : json_null());
	}
	return j;
}

/* GET: the newest recorded verification; POST (admin): verify now, as the
 * dashboard's form and the monitor's daily run do, recorded with the
 * token's name. */
static void ledger_verification(struct web_req *q, struct web_reply *r)
{
	struct ledger_check c;
	struct sg_error err;
	int found = 0;
	enum sg_code rc;

	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if (q->rt->is_post) {
		long long seq = 0;
		/* a session posts the dashboard's form, which carries its CSRF token */
		if (q->role < WEB_ROLE_ADMIN || !q->via_token) {
			error_json(r, 403,
			           q->via_token
			               ? "this needs the admin role"
			               : "POST with a bearer token (or use the dashboard)");
			return;
		}
		rc = web_action_verify_ledger(q->s, q->site, q->user, &c, &seq, &err);
		if (rc) {
			error_json(r, rc == SG_ERR_NOT_FOUND ? 404 : 500, err.msg);
			return;
		}
		ledger_check_release(&c);
	}
	/* what was recorded (the entry just written, for a POST) */
	if (ledger_check_latest(q->s, &c, &found, &err)) {
		error_json(r, 500, err.msg);
		return;
	}
	reply_json(r, 200,
	           json_pack("{s:o}", "verification", found ? verification_json(&c) : json_null()));
	ledger_check_release(&c);
}

/* The zip of `ledger export --from --to` (operator). */
static void ledger_export_zip(struct web_req *q, struct web_reply *r)
{
	struct web_ledger_export x;
	struct sg_error err;
	long long from, to;
	enum sg_code rc;

	if (q->role < WEB_ROLE_OPERATOR) {
		error_json(r, 403, "this needs the operator role");
		return;
	}
	memset(&err, 0, sizeof(err));
	err.lang = q->lang;
	if ((rc = web_action_period(q->q_from, q->q_to, &from, &to, &err)) ||
	    (rc = web_action_ledger_export(q->s, q->site, from, to, q->user, &r->body, &x, &err))) {
		error_json(r,
		           rc == SG_ERR_INPUT       ? 400
		           : rc == SG_ERR_NOT_FOUND ? 404
		                                    : 500,
		           err.msg);
		return;
	}
	r->status = 200;
	r->type = "application/zip";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"", x.name);
}

static void ledger_proof(struct web_req *q, struct web_reply *r)
{
	struct sg_error err;
	json_t *p = NULL;

	struct ledger_key keys[16];
	size_t nk = trusted_keys(q, keys);

	memset(&err, 0, sizeof(err));
	err.lang = SG_LANG_EN;
	if (ledger_inclusion_proof(q->s, keys, nk, q->rt->seq, &p, &err)) {
		error_json(r, err.code == SG_ERR_NOT_FOUND ? 404 : 500, err.msg);
		return;
	}
	reply_json(r, 200, p);
}

/* The public keys of every service (a ledger is one per store). */
static size_t trusted_keys(const struct web_req *q, struct ledger_key keys[16])
{
	size_t nk = 0;

	for (size_t i = 0; i < q->site->n && nk < 16; i++)
		if (q->site->svc[i].has_pub)
			keys[nk++] = q->site->svc[i].pub;
	return nk;
}

/* A size in a query: 1 to 2^53 digits only; -1 when malformed. */
static long long query_size(const char *v)
{
	long long n = 0;

	if (!v || !*v || strlen(v) > 15)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/* RFC 6962 PROOF(from, D[to]) between two signed heads (to: the latest
 * when absent), as `saasguard ledger proof --consistency`. */
static void ledger_consistency(struct web_req *q, struct web_reply *r)
{
	struct ledger_key keys[16];
	size_t nk = trusted_keys(q, keys);
	long long from = query_size(q->q_from), to = q->q_to ? query_size(q->q_to) : 0;
	struct sg_error err;
	json_t *p = NULL;

	memset(&err, 0, sizeof(err));
	err.lang = SG_LANG_EN;
	if (from < 1 || to < 0 || (to && from > to)) {
		error_json(r, 400,
		           "give from=N (the size of the tree head you hold, 1 or more) and "
		           "optionally to=M (a signed tree head's size, at least N; default: the "
		           "latest)");
		return;
	}
	if (ledger_consistency_proof_between(q->s, keys, nk, from, to, &p, &err)) {
		error_json(r,
		           err.code == SG_ERR_NOT_FOUND ? 404
		           : err.code == SG_ERR_USAGE   ? 400
		                                        : 500,
		           err.msg);
		return;
	}
	reply_json(r, 200, p);
}

static json_t *report_json(const struct web_report *x)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:o,s:s?,s:b}", "id", (json_int_t)x->seq,
	                 "period", x->period, "audience", x->audience, "format", x->format,
	                 "sha256", x->sha256, "bytes", (json_int_t)x->bytes, "generated_at",
	                 utc_json(x->at), "by", x->by, "downloadable", x->downloadable);
}

/* GET: the list, or one file; POST {"period","audience","lang"}: generate
 * (operator), through the report job of the command and the daemon. */
static void reports(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct web_report *x = NULL, one;
	size_t n = 0;
	struct sg_error err;
	json_t *a;

	memset(&err, 0, sizeof(err));
	err.lang = SG_LANG_EN;
	if (q->rt->is_post) {
		json_error_t jerr;
		json_t *in;
		const char *aud, *per, *lang;
		if (q->role < WEB_ROLE_OPERATOR) {
			error_json(r, 403, "this needs the operator role");
			return;
		}
		in = json_loadb(q->body ? q->body : "", q->body_len, JSON_REJECT_DUPLICATES, &jerr);
		aud = json_string_value(json_object_get(in, "audience"));
		per = json_string_value(json_object_get(in, "period"));
		lang = json_string_value(json_object_get(in, "lang"));
		if (!json_is_object(in) || !aud ||
		    (strcmp(aud, "users") && strcmp(aud, "managers")) ||
		    (json_object_get(in, "period") && !per) ||
		    (lang && strcmp(lang, "ja") && strcmp(lang, "en"))) {
			json_decref(in);
			error_json(r, 400,
			           "send {\"audience\": \"users\" or \"managers\", \"period\": "
			           "\"2026-11\" (optional), \"lang\": \"ja\" or \"en\" (optional)} "
			           "as application/json");
			return;
		}
		if (web_reports_generate(q->s, q->cat, svc, per,
		                         strcmp(aud, "users") ? REPORT_MANAGERS : REPORT_USERS,
		                         lang && !strcmp(lang, "en") ? SG_LANG_EN : SG_LANG_JA,
		                         q->user, &one, &err)) {
			json_decref(in);
			error_json(r,
			           err.code == SG_ERR_INPUT || err.code == SG_ERR_USAGE ? 400 : 500,
			           err.msg);
			return;
		}
		json_decref(in);
		reply_json(r, 201, report_json(&one));
		web_report_release(&one);
		return;
	}
	if (q->rt->id == WEB_R_API_REPORT) {
		const char *type = NULL;
		if (web_reports_read(q->s, svc, q->rt->seq, &r->body, &type, &err)) {
			dynbuf_reset(&r->body);
			error_json(r, err.code == SG_ERR_NOT_FOUND ? 404 : 500, err.msg);
			return;
		}
		r->status = 200;
		r->type = type;
		return;
	}
	if (web_reports_list(q->s, svc, &x, &n, &err)) {
		error_json(r, 500, err.msg);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, report_json(&x[i]));
	web_reports_free(x, n);
	reply_json(r, 200, json_pack("{s:s,s:o}", "service", svc->slug, "reports", a));
}

static void users(struct web_req *q, struct web_reply *r)
{
	struct store_web_user *u = NULL;
	size_t n = 0;
	struct sg_error err;
	json_t *a = json_array();

	if (q->role < WEB_ROLE_ADMIN) {
		json_decref(a);
		error_json(r, 403, "this needs the admin role");
		return;
	}
	memset(&err, 0, sizeof(err));
	if (store_web_user_list(q->s, &u, &n, &err) == SG_OK)
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "name", u[i].name,
			                                   "role", u[i].role, "created_at",
			                                   utc_json(u[i].created_at)));
			store_web_user_release(&u[i]);
		}
	free(u);
	reply_json(r, 200, json_pack("{s:o}", "users", a));
}

static void assessment(struct web_req *q, struct web_reply *r, const struct web_service *svc,
                       int controls_only)
{
	json_t *j = web_req_assessment(q, svc), *a, *c;
	size_t i;

	if (!j) {
		error_json(r, 500, "the assessment could not be made");
		return;
	}
	if (!controls_only) {
		reply_json(r, 200, j);
		return;
	}
	a = json_array();
	json_array_foreach(json_object_get(j, "controls"), i, c) if (web_req_control_matches(q, c))
	    json_array_append(a, c);
	reply_json(r, 200, json_pack("{s:s,s:o}", "service", svc->slug, "controls", a));
	json_decref(j);
}

static void maintenance(struct web_req *q, struct web_reply *r, const struct web_service *svc)
{
	struct maintenance_window *w = NULL;
	char(*keys)[AVAILABILITY_KEY_LEN] = NULL;
	size_t n = 0;
	struct sg_error err;
	double now = timeutil_now();
	json_t *a;

	memset(&err, 0, sizeof(err));
	err.lang = SG_LANG_EN;
	if (q->rt->is_post) {
		json_error_t jerr;
		json_t *in;
		const char *start, *end, *note;
		long long s0 = 0, e0 = 0;
		size_t recipients = 0;
		if (q->role < WEB_ROLE_OPERATOR) {
			error_json(r, 403, "this needs the operator role");
			return;
		}
		in = json_loadb(q->body ? q->body : "", q->body_len, JSON_REJECT_DUPLICATES, &jerr);
		start = json_string_value(json_object_get(in, "start"));
		end = json_string_value(json_object_get(in, "end"));
		note = json_string_value(json_object_get(in, "note"));
		if (!start || !end || !note || timeutil_parse(start, &s0, &err) ||
		    timeutil_parse(end, &e0, &err)) {
			json_decref(in);
			error_json(
			    r, 400,
			    "send {\"start\": \"2026-12-10T02:00+09:00\", \"end\": ..., \"note\": "
			    "\"...\"} as application/json");
			return;
		}
		if (web_action_maintenance(q->s, svc->profile, svc->mcfg->hours.timezone,
		                           (double)s0, (double)e0, note, q->user, now, &recipients,
		                           &err)) {
			json_decref(in);
			error_json(r, err.code == SG_ERR_INPUT ? 400 : 500, err.msg);
			return;
		}
		json_decref(in);
		reply_json(r, 201,
		           json_pack("{s:s,s:o,s:o,s:I,s:s}", "service", svc->slug, "start",
		                     utc_json((double)s0), "end", utc_json((double)e0),
		                     "recipients", (json_int_t)recipients, "recorded_by", q->user));
		return;
	}
	/* The windows every figure uses (profile and web, one list). */
	if (availability_maintenance(q->s, svc->mcfg, -1e300, 1e300, &w, &n, &keys, &err)) {
		error_json(r, 500, err.msg);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack(
		    "{s:s,s:o,s:o,s:s?,s:o,s:b,s:b}", "source",
		    strncmp(keys[i], "web:", 4) ? "profile" : "web", "start", utc_json(w[i].start),
		    "end", utc_json(w[i].end), "note", w[i].note, "announced_at",
		    utc_json(w[i].announced), "excluded_from_availability",
		    availability_window_excluded(&w[i]), "mute_alerts", w[i].mute_alerts);
		if (w[i].announced_by)
			json_object_set_new(o, "announced_by", json_string(w[i].announced_by));
		json_array_append_new(a, o);
	}
	availability_maintenance_free(w, n);
	free(keys);
	reply_json(r, 200, json_pack("{s:s,s:o}", "service", svc->slug, "maintenance", a));
}

/* ---- metrics ---- */

static void label(struct dynbuf *d, const char *s)
{
	dynbuf_addch(d, '"');
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			dynbuf_addch(d, '\\');
		if (*s == '\n') {
			dynbuf_addstr(d, "\\n");
			continue;
		}
		dynbuf_addch(d, *s);
	}
	dynbuf_addch(d, '"');
}

/* Resolved incidents by duration (started to resolved), since the store
 * began: buckets from a minute to a day, the span between a short blip
 * and the outages III.2.1.1 counts against a month. */
static void incident_durations(struct web_req *q, struct dynbuf *d, double now)
{
	static const double le[] = {60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400};
	enum { NB = sizeof(le) / sizeof(le[0]) };

	dynbuf_addstr(d, "# HELP saasguard_incident_duration_seconds Duration of resolved "
	                 "incidents, from the start of the failure to recovery.\n"
	                 "# TYPE saasguard_incident_duration_seconds histogram\n");
	for (size_t k = 0; k < q->site->n; k++) {
		const struct web_service *svc = &q->site->svc[k];
		struct incident_row *rows = NULL;
		unsigned long long count[NB + 1] = {0}, total = 0;
		double sum = 0;
		size_t n = 0;
		struct sg_error err;

		memset(&err, 0, sizeof(err));
		if (store_monitor_incident_list(q->s, svc->mcfg->service, 0, now + 1, &rows, &n,
		                                &err))
			continue;
		for (size_t i = 0; i < n; i++) {
			double dur = rows[i].resolved_at - rows[i].started_at;
			size_t b = 0;
			if (!(rows[i].resolved_at > 0) || dur < 0)
				continue;
			while (b < NB && dur > le[b])
				b++;
			count[b]++;
			total++;
			sum += dur;
		}
		for (size_t i = 0; i < n; i++)
			store_monitor_incident_row_release(&rows[i]);
		free(rows);
		for (size_t b = 0, cum = 0; b <= NB; b++) {
			cum += count[b];
			dynbuf_addstr(d, "saasguard_incident_duration_seconds_bucket{service=");
			label(d, svc->slug);
			if (b < NB)
				dynbuf_printf(d, ",le=\"%g\"} %zu\n", le[b], cum);
			else
				dynbuf_printf(d, ",le=\"+Inf\"} %llu\n", total);
		}
		dynbuf_addstr(d, "saasguard_incident_duration_seconds_sum{service=");
		label(d, svc->slug);
		dynbuf_printf(d, "} %.3f\n", sum);
		dynbuf_addstr(d, "saasguard_incident_duration_seconds_count{service=");
		label(d, svc->slug);
		dynbuf_printf(d, "} %llu\n", total);
	}
}

/* The last recorded verification of the ledger (none: no samples), so an
 * alert can fire on a failure or on a daily run that stopped coming. */
static void ledger_metrics(struct web_req *q, struct dynbuf *d)
{
	struct ledger_check c;
	struct sg_error err;
	int found = 0;

	memset(&err, 0, sizeof(err));
	if (ledger_check_latest(q->s, &c, &found, &err) || !found)
		return;
	dynbuf_printf(d,
	              "# HELP saasguard_ledger_verified_ok 1 when the last recorded verification "
	              "of the ledger passed, 0 when it failed.\n"
	              "# TYPE saasguard_ledger_verified_ok gauge\nsaasguard_ledger_verified_ok %d\n"
	              "# HELP saasguard_ledger_verified_timestamp_seconds When it ran.\n"
	              "# TYPE saasguard_ledger_verified_timestamp_seconds gauge\n"
	              "saasguard_ledger_verified_timestamp_seconds %.3f\n",
	              c.ok, c.at);
	ledger_check_release(&c);
}

static void metrics(struct web_req *q, struct web_reply *r)
{
	struct dynbuf *d = &r->body;
	struct sg_error err;
	long long pending = 0;
	double oldest = 0, now = timeutil_now();

	memset(&err, 0, sizeof(err));
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	dynbuf_addstr(d, "# HELP saasguard_check_up 1 when the check's current state is up, 0 when "
	                 "down or degraded, -1 when unknown.\n# TYPE saasguard_check_up gauge\n");
	for (size_t k = 0; k < q->site->n; k++) {
		const struct web_service *svc = &q->site->svc[k];
		for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
			long long id = 0, iv = 0;
			int confirmed = 0;
			char st[16] = "";
			int v = -1;
			if (store_web_check_id(q->s, svc->mcfg->service, svc->mcfg->checks[i].name,
			                       &id, &err) == SG_OK &&
			    id)
				store_monitor_open_interval(q->s, id, &iv, st, &confirmed, &err);
			if (!strcmp(st, "up") || (!strcmp(st, "down") && !confirmed))
				v = 1;
			else if (!strcmp(st, "down") || !strcmp(st, "degraded"))
				v = 0;
			dynbuf_addstr(d, "saasguard_check_up{service=");
			label(d, svc->slug);
			dynbuf_addstr(d, ",check=");
			label(d, svc->mcfg->checks[i].name);
			dynbuf_addstr(d, ",kind=");
			label(d, monitor_config_kind_name(svc->mcfg->checks[i].kind));
			dynbuf_printf(d, "} %d\n", v);
		}
	}
	dynbuf_addstr(d, "# HELP saasguard_check_latency_ms Response times today (local day of the "
	                 "service), from the daily roll-up.\n"
	                 "# TYPE saasguard_check_latency_ms histogram\n");
	for (size_t k = 0; k < q->site->n; k++) {
		const struct web_service *svc = &q->site->svc[k];
		char today[16];
		web_status_local_day(now, svc->mcfg->hours.timezone, today);
		for (size_t i = 0; i < svc->mcfg->nchecks; i++) {
			unsigned long long hist[HISTOGRAM_BUCKETS], cum = 0;
			long long id = 0, n = 0, nf = 0;
			double gap = 0;
			if (store_web_check_id(q->s, svc->mcfg->service, svc->mcfg->checks[i].name,
			                       &id, &err) ||
			    !id ||
			    store_monitor_daily_sum(q->s, id, today, today, hist, &n, &nf, &gap,
			                            &err))
				continue;
			for (int b = 0; b <= HISTOGRAM_BUCKETS; b++) {
				if (b < HISTOGRAM_BUCKETS) {
					cum += hist[b];
					if (b % 4 != 3) /* one bucket per doubling keeps it short */
						continue;
				}
				dynbuf_addstr(d, "saasguard_check_latency_ms_bucket{service=");
				label(d, svc->slug);
				dynbuf_addstr(d, ",check=");
				label(d, svc->mcfg->checks[i].name);
				if (b < HISTOGRAM_BUCKETS)
					dynbuf_printf(d, ",le=\"%g\"} %llu\n", histogram_upper(b),
					              cum);
				else
					dynbuf_printf(d, ",le=\"+Inf\"} %lld\n", n);
			}
			dynbuf_addstr(d, "saasguard_check_latency_ms_count{service=");
			label(d, svc->slug);
			dynbuf_addstr(d, ",check=");
			label(d, svc->mcfg->checks[i].name);
			dynbuf_printf(d, "} %lld\n", n);
		}
	}
	if (store_web_outbox(q->s, &pending, &oldest, &err) == SG_OK)
		dynbuf_printf(
		    d,
		    "# HELP saasguard_outbox_pending Undelivered notifications.\n"
		    "# TYPE saasguard_outbox_pending gauge\nsaasguard_outbox_pending %lld\n"
		    "# HELP saasguard_outbox_oldest_age_seconds Age of the oldest undelivered "
		    "notification.\n# TYPE saasguard_outbox_oldest_age_seconds gauge\n"
		    "saasguard_outbox_oldest_age_seconds %.0f\n",
		    pending, oldest > 0 ? now - oldest : 0);
	dynbuf_addstr(d, "# HELP saasguard_incidents_open Open incidents.\n"
	                 "# TYPE saasguard_incidents_open gauge\n");
	for (size_t k = 0; k < q->site->n; k++) {
		long long n = 0;
		if (store_web_open_incidents(q->s, q->site->svc[k].mcfg->service, &n, &err))
			continue;
		dynbuf_addstr(d, "saasguard_incidents_open{service=");
		label(d, q->site->svc[k].slug);
		dynbuf_printf(d, "} %lld\n", n);
	}
	incident_durations(q, d, now);
	ledger_metrics(q, d);
}

void web_api_handle(struct web_req *q, struct web_reply *r)
{
	const struct web_service *svc = NULL;

	if (q->rt->id == WEB_R_API_OPENAPI) {
		r->status = 200;
		r->type = "application/json";
		dynbuf_add(&r->body, web_openapi_json, web_openapi_json_len);
		return;
	}
	if (q->rt->id == WEB_R_METRICS) {
		if (!q->loopback && !q->role) {
			r->www_authenticate = "Bearer realm=\"saasguard\"";
			error_json(r, 401, "a bearer token is required");
			return;
		}
		metrics(q, r);
		return;
	}
	if (!q->role) {
		r->www_authenticate = "Bearer realm=\"saasguard\"";
		error_json(r, 401, "a valid bearer token is required");
		return;
	}
	if (q->rt->slug[0] && !(svc = web_req_service(q, q->rt->slug))) {
		error_json(r, 404, "no such service");
		return;
	}
	switch (q->rt->id) {
	case WEB_R_API_SERVICES:
		services(q, r);
		break;
	case WEB_R_API_SERVICE:
		if (!q->view) {
			error_json(r, 503, "the status could not be read");
			break;
		}
		r->status = 200;
		r->type = "application/json";
		web_status_json(q->view, &r->body);
		break;
	case WEB_R_API_INCIDENTS:
		incidents(q, r, svc);
		break;
	case WEB_R_API_AVAIL:
		availability(q, r, svc);
		break;
	case WEB_R_API_CHECKS:
		checks(q, r, svc);
		break;
	case WEB_R_API_MAINT:
		maintenance(q, r, svc);
		break;
	case WEB_R_API_ASSESSMENT:
	case WEB_R_API_CONTROLS:
		assessment(q, r, svc, q->rt->id == WEB_R_API_CONTROLS);
		break;
	case WEB_R_API_INCIDENT:
		if (q->rt->is_post)
			error_json(r, 405, "POST to /api/v1/incidents/{id}/followups");
		else
			incident(q, r);
		break;
	case WEB_R_API_FOLLOWUP:
		if (!q->rt->is_post)
			error_json(r, 405, "POST a follow-up here");
		else
			followup(q, r);
		break;
	case WEB_R_API_LEDGER_HEAD:
		ledger_head(q, r);
		break;
	case WEB_R_API_LEDGER_PROOF:
		ledger_proof(q, r);
		break;
	case WEB_R_API_REPORTS:
	case WEB_R_API_REPORT:
		reports(q, r, svc);
		break;
	case WEB_R_API_LEDGER_CONS:
		ledger_consistency(q, r);
		break;
	case WEB_R_API_LEDGER_VERIFICATION:
		ledger_verification(q, r);
		break;
	case WEB_R_API_LEDGER_EXPORT:
		ledger_export_zip(q, r);
		break;
	case WEB_R_API_USERS:
		users(q, r);
		break;
	default:
		error_json(r, 404, "no such endpoint");
	}
}
