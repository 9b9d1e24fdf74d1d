/*
 * store_report - the report's queries; see store_report.h.
 */
#include <math.h>
#include <stddef.h>

#include "store_report.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE report_deliveries("
        " service TEXT NOT NULL,"
        " period TEXT NOT NULL,"
        " audience TEXT NOT NULL CHECK (audience IN ('users','managers')),"
        " path TEXT NOT NULL,"
        " sha256 TEXT NOT NULL,"
        " recipients INTEGER NOT NULL,"
        " delivered_at REAL NOT NULL,"
        " PRIMARY KEY (service, period, audience));"},
};

const struct store_schema store_report_schema = {
    "report",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

struct cbctx {
	void *cb;
	void *ctx;
};

static int check_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;
	struct store_report_check r;

	r.id = sqlite3_column_int64(st, 0);
	r.name = store_col_text(st, 1);
	r.kind = store_col_text(st, 2);
	r.interval_s = sqlite3_column_double(st, 3);
	return ((store_report_check_cb)c->cb)(&r, c->ctx);
}

enum sg_code store_report_checks(struct store *s, const char *service, double start, double end,
                                 store_report_check_cb cb, void *ctx, struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, name, kind, interval_s FROM checks WHERE "
	                                "service = ?1 AND created_at < ?3 AND (retired_at IS NULL "
	                                "OR retired_at >= ?2) ORDER BY id",
	                                &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	sqlite3_bind_double(st, 3, end);
	return store_each(s, st, check_row, &c, "read checks", err);
}

static int daily_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;
	struct store_report_daily r;

	r.day = store_col_text(st, 0);
	r.check_id = sqlite3_column_int64(st, 1);
	r.kind = store_col_text(st, 2);
	r.n = sqlite3_column_int64(st, 3);
	r.n_fail = sqlite3_column_int64(st, 4);
	r.max_gap_s = sqlite3_column_double(st, 5);
	r.hist = sqlite3_column_blob(st, 6);
	r.hist_len = (size_t)sqlite3_column_bytes(st, 6);
	return ((store_report_daily_cb)c->cb)(&r, c->ctx);
}

enum sg_code store_report_daily(struct store *s, const char *service, const char *day_from,
                                const char *day_to, store_report_daily_cb cb, void *ctx,
                                struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT d.day, d.check_id, c.kind, d.n, d.n_fail, d.max_gap_s, d.lat_hist "
	    "FROM checks c JOIN check_daily d ON d.check_id = c.id "
	    "WHERE c.service = ?1 AND d.day >= ?2 AND d.day < ?3 ORDER BY d.day",
	    &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, day_to, -1, SQLITE_STATIC);
	return store_each(s, st, daily_row, &c, "read daily rollups", err);
}

/* The incidents a report covers: detected before the end, not resolved
 * before the start. */
#define INCIDENT_SCOPE                                                                             \
	"i.service = ?1 AND i.detected_at < ?3 AND (i.resolved_at IS NULL OR "                     \
	"i.resolved_at >= ?2)"

static int incident_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;
	struct store_report_incident r;

	r.id = sqlite3_column_int64(st, 0);
	r.kind = store_col_text(st, 1);
	r.check_name = store_col_text(st, 2);
	r.item_id = store_col_text(st, 3);
	r.summary = store_col_text(st, 4);
	r.started = sqlite3_column_double(st, 5);
	r.detected = sqlite3_column_double(st, 6);
	r.resolved = store_col_real(st, 7);
	r.notify_deadline_s = store_col_real(st, 8);
	r.followup_deadline_s = store_col_real(st, 9);
	r.first_notice = store_col_real(st, 10);
	return ((store_report_incident_cb)c->cb)(&r, c->ctx);
}

enum sg_code store_report_incidents(struct store *s, const char *service, double start, double end,
                                    store_report_incident_cb cb, void *ctx, struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT i.id, i.kind, c.name, i.item_id, i.summary, i.started_at, i.detected_at, "
	    "i.resolved_at, i.notify_deadline_s, i.followup_deadline_s, "
	    "(SELECT MIN(n.delivered_at) FROM notifications n WHERE n.incident_id = i.id "
	    " AND n.purpose = 'incident_open' AND (n.audience != 'managers' OR "
	    " i.kind = 'external_network')) " /* managers' copies are not the notice */
	    "FROM incidents i LEFT JOIN checks c ON c.id = i.check_id "
	    "WHERE " INCIDENT_SCOPE " ORDER BY i.detected_at, i.id",
	    &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	sqlite3_bind_double(st, 3, end);
	return store_each(s, st, incident_row, &c, "read incidents", err);
}

static int followup_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;

	return ((store_report_followup_cb)c->cb)(sqlite3_column_int64(st, 0),
	                                         sqlite3_column_double(st, 1), c->ctx);
}

enum sg_code store_report_followups(struct store *s, const char *service, double start, double end,
                                    store_report_followup_cb cb, void *ctx, struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "SELECT f.incident_id, f.sent_at FROM followups f "
	                  "JOIN incidents i ON i.id = f.incident_id "
	                  "WHERE " INCIDENT_SCOPE " ORDER BY f.incident_id, f.sent_at, f.id",
	                  &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	sqlite3_bind_double(st, 3, end);
	return store_each(s, st, followup_row, &c, "read follow-ups", err);
}

static int delivery_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;
	struct store_report_delivery r;

	r.id = sqlite3_column_int64(st, 0);
	r.incident_id = sqlite3_column_int64(st, 1);
	r.purpose = store_col_text(st, 2);
	r.audience = store_col_text(st, 3);
	r.channel = store_col_text(st, 4);
	r.recipient = store_col_text(st, 5);
	r.last_error = store_col_text(st, 6);
	r.attempts = sqlite3_column_int64(st, 7);
	r.created = sqlite3_column_double(st, 8);
	r.deadline = store_col_real(st, 9);
	r.delivered = store_col_real(st, 10);
	return ((store_report_delivery_cb)c->cb)(&r, c->ctx);
}

enum sg_code store_report_deliveries_at_risk(struct store *s, const char *service, double start,
                                             double end, double now, store_report_delivery_cb cb,
                                             void *ctx, struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT n.id, COALESCE(n.incident_id, 0), n.purpose, n.audience, n.channel, "
	    "n.recipient, n.last_error, n.attempts, n.created_at, n.deadline_at, n.delivered_at "
	    "FROM notifications n LEFT JOIN incidents i ON i.id = n.incident_id "
	    "WHERE (n.incident_id IS NULL OR i.service = ?1) AND n.created_at >= ?2 "
	    "AND n.created_at < ?3 AND ("
	    " (n.delivered_at IS NOT NULL AND n.deadline_at IS NOT NULL "
	    "  AND n.delivered_at > n.deadline_at) OR "
	    " (n.delivered_at IS NULL AND (n.attempts > 0 OR n.last_error IS NOT NULL OR "
	    "  (n.deadline_at IS NOT NULL AND n.deadline_at < ?4)))) "
	    "ORDER BY n.created_at, n.id",
	    &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	sqlite3_bind_double(st, 3, end);
	sqlite3_bind_double(st, 4, now);
	return store_each(s, st, delivery_row, &c, "read notifications", err);
}

static int measurement_row(sqlite3_stmt *st, void *p)
{
	struct cbctx *c = p;
	struct store_report_measurement r;

	r.collector = store_col_text(st, 0);
	r.item_id = store_col_text(st, 1);
	r.subject = store_col_text(st, 2);
	r.status = store_col_text(st, 3);
	r.value_text = store_col_text(st, 4);
	r.value_num = store_col_real(st, 5);
	r.unit = store_col_text(st, 6);
	r.detail = store_col_text(st, 7);
	r.measured_at = sqlite3_column_double(st, 8);
	return ((store_report_measurement_cb)c->cb)(&r, c->ctx);
}

enum sg_code store_report_measurements(struct store *s, const char *service, double start,
                                       double end, int findings_only,
                                       store_report_measurement_cb cb, void *ctx,
                                       struct sg_error *err)
{
	struct cbctx c = {(void *)cb, ctx};
	sqlite3_stmt *st;
	enum sg_code rc;

	if (findings_only)
		rc = store_prepare(
		    s,
		    "SELECT m.collector, m.item_id, m.subject, m.status, m.value_text, "
		    "m.value_num, "
		    "m.unit, m.detail, m.measured_at FROM measurements m "
		    "JOIN (SELECT collector, COALESCE(item_id, '') AS it, COALESCE(subject, '') AS "
		    " sj, MAX(measured_at) AS at FROM measurements WHERE service = ?1 AND "
		    " measured_at >= ?2 AND measured_at < ?3 GROUP BY collector, it, sj) l "
		    "ON l.collector = m.collector AND l.it = COALESCE(m.item_id, '') AND "
		    "l.sj = COALESCE(m.subject, '') AND l.at = m.measured_at "
		    "WHERE m.service = ?1 AND m.status <> 'ok' "
		    "ORDER BY COALESCE(m.item_id, ''), m.measured_at, m.id",
		    &st, err);
	else
		rc = store_prepare(
		    s,
		    "SELECT collector, item_id, subject, status, value_text, "
		    "value_num, unit, detail, measured_at FROM measurements "
		    "WHERE service = ?1 AND item_id IS NOT NULL AND measured_at >= ?2 "
		    "AND measured_at < ?3 AND status IN ('ok', 'finding') "
		    "ORDER BY item_id, measured_at, id",
		    &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, start);
	sqlite3_bind_double(st, 3, end);
	return store_each(s, st, measurement_row, &c, "read measurements", err);
}

/* A row exists: sets the flag and stops. */
static int found_row(sqlite3_stmt *st, void *p)
{
	(void)st;
	*(int *)p = 1;
	return 1;
}

enum sg_code store_report_delivered(struct store *s, const char *service, const char *period,
                                    const char *audience, int *done, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT 1 FROM report_deliveries WHERE service = ?1 AND "
	                                "period = ?2 AND audience = ?3",
	                                &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, audience, -1, SQLITE_STATIC);
	*done = 0;
	return store_each(s, st, found_row, done, "read report_deliveries", err);
}

enum sg_code store_report_delivered_add(struct store *s, const struct store_report_delivery_rec *r,
                                        struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO report_deliveries(service, period, audience, "
	                                "path, sha256, recipients, delivered_at) "
	                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                                &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, r->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->period, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->audience, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->recipients);
	sqlite3_bind_double(st, 7, r->at);
	return store_step_done(s, st, "record a report delivery", err);
}

enum sg_code store_report_monitored(struct store *s, const char *service, const char *day_from,
                                    const char *day_to, int *has, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT 1 FROM check_daily d JOIN checks c ON c.id = "
	                                "d.check_id WHERE c.service = ?1 AND d.day >= ?2 AND "
	                                "d.day < ?3 LIMIT 1",
	                                &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, day_to, -1, SQLITE_STATIC);
	*has = 0;
	return store_each(s, st, found_row, has, "read check_daily", err);
}
