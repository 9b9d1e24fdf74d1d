/*
 * store_collect - the collectors' schema and queries; see store_collect.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "store_collect.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE measurements("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " collector TEXT NOT NULL,"
        " item_id TEXT,"
        " subject TEXT,"
        " status TEXT NOT NULL CHECK (status IN ('ok','finding','unavailable','error')),"
        " value_text TEXT,"
        " value_num REAL,"
        " unit TEXT,"
        " evidence TEXT,"
        " detail TEXT,"
        " measured_at REAL NOT NULL);"
        "CREATE INDEX measurements_by_item ON measurements(service, item_id, measured_at);"
        "CREATE TABLE first_seen("
        " key TEXT PRIMARY KEY,"
        " first_seen_at REAL NOT NULL);"},
};

const struct store_schema store_collect_schema = {
    "collect",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

const char *store_collect_status_name(enum measurement_status st)
{
	switch (st) {
	case MEASUREMENT_OK:
		return "ok";
	case MEASUREMENT_FINDING:
		return "finding";
	case MEASUREMENT_UNAVAILABLE:
		return "unavailable";
	case MEASUREMENT_ERROR:
		return "error";
	}
	return "error";
}

enum sg_code store_collect_insert(struct store *s, const struct measurement *m, long long *id,
                                  struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO measurements(service, collector, item_id, "
	                                "subject, status, value_text, value_num, unit, evidence, "
	                                "detail, measured_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	                                &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, m->service);
	store_bind_text(st, 2, m->collector);
	store_bind_text(st, 3, m->item_id);
	store_bind_text(st, 4, m->subject);
	store_bind_text(st, 5, store_collect_status_name(m->status));
	store_bind_text(st, 6, m->value_text);
	store_bind_real(st, 7, m->value_num);
	store_bind_text(st, 8, m->unit);
	store_bind_text(st, 9, m->evidence);
	store_bind_text(st, 10, m->detail);
	store_bind_real(st, 11, m->measured_at);
	rc = store_step_done(s, st, "insert measurement", err);
	if (!rc && id)
		*id = store_last_id(s);
	return rc;
}

static int latest_row(struct store_stmt *st, void *p)
{
	struct measured_value mv;
	int has_value = !store_col_is_null(st, 3);
	const char *text = store_col_text(st, 3);

	memset(&mv, 0, sizeof(mv));
	mv.finding = !strcmp(store_col_text(st, 6), "finding");
	/* a finding without a value is still a measured shortfall */
	if (has_value && value_parse(text, &mv.value, NULL))
		return 0; /* a value this version cannot judge */
	snprintf(mv.item_id, sizeof(mv.item_id), "%s", store_col_text(st, 0));
	snprintf(mv.text, sizeof(mv.text), "%s", text);
	snprintf(mv.source, sizeof(mv.source), "%s:%s", store_col_text(st, 1),
	         store_col_text(st, 2));
	mv.at = store_col_real(st, 4);
	/* a finding's explanation, else what was read */
	snprintf(mv.detail, sizeof(mv.detail), "%s",
	         mv.finding && *store_col_text(st, 7) ? store_col_text(st, 7)
	                                              : store_col_text(st, 5));
	measured_set_add(p, &mv);
	return 0;
}

enum sg_code store_collect_latest(struct store *s, const char *service, struct measured_set *out,
                                  struct sg_error *err)
{
	/* The newest row per (item, collector, subject): each source's latest word. */
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT m.item_id, m.collector, COALESCE(m.subject, ''), m.value_text, "
	    "m.measured_at, COALESCE(m.evidence, ''), m.status, COALESCE(m.detail, '') "
	    "FROM measurements m "
	    "JOIN (SELECT item_id, collector, COALESCE(subject, '') AS subj, "
	    "MAX(measured_at) AS at FROM measurements WHERE service = ?1 AND item_id IS NOT NULL "
	    "AND (status = 'finding' OR (status = 'ok' AND value_text IS NOT NULL)) "
	    "GROUP BY item_id, collector, subj) l ON l.item_id = m.item_id AND "
	    "l.collector = m.collector AND l.subj = COALESCE(m.subject, '') AND "
	    "l.at = m.measured_at WHERE m.service = ?1 AND (m.status = 'finding' OR "
	    "(m.status = 'ok' AND m.value_text IS NOT NULL)) ORDER BY m.item_id, m.id",
	    &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	return store_each(s, st, latest_row, out, "read measurements", err);
}

enum sg_code store_collect_first_seen(struct store *s, const char *key, double now, double *first,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO first_seen(key, first_seen_at) VALUES (?, ?) "
	                                "ON CONFLICT(key) DO UPDATE SET key = excluded.key "
	                                "RETURNING first_seen_at",
	                                &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, key);
	store_bind_real(st, 2, now);
	if (store_step(st) == STORE_ROW)
		*first = store_col_real(st, 0);
	else
		rc = store_fail(s, err, "first seen");
	store_finalize(st);
	return rc;
}

static int found_row(struct store_stmt *st, void *p)
{
	(void)st;
	*(int *)p = 1;
	return 1;
}

enum sg_code store_collect_has_ok(struct store *s, const char *collector, const char *item_id,
                                  const char *subject, int *found, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT 1 FROM measurements WHERE collector = ? AND "
	                                "item_id = ? AND subject = ? AND status = 'ok' LIMIT 1",
	                                &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, collector);
	store_bind_text(st, 2, item_id);
	store_bind_text(st, 3, subject);
	*found = 0;
	return store_each(s, st, found_row, found, "read verifications", err);
}
