/*
 * store_monitor - the monitor's schema and queries; see store_monitor.h.
 *
 * Times are wall-clock seconds since the epoch (REAL). An interval or
 * incident with a NULL end is still open.
 */
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "store_monitor.h"
#include "xalloc.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE checks("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('liveness','fault','performance',"
        "  'external_network')),"
        " type TEXT NOT NULL CHECK (type IN ('http','tcp','icmp')),"
        " target TEXT NOT NULL,"
        " interval_s REAL NOT NULL,"
        " item_id TEXT,"
        " created_at REAL NOT NULL,"
        " retired_at REAL,"
        " UNIQUE (service, name));"
        "CREATE TABLE check_results("
        " id INTEGER PRIMARY KEY,"
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " at REAL NOT NULL,"
        " ok INTEGER NOT NULL,"
        " latency_ms REAL,"
        " status_code INTEGER,"
        " error TEXT);"
        "CREATE INDEX check_results_by_time ON check_results(check_id, at);"
        /* One row per check and local day: what reports read instead of raw
         * results. lat_hist is 64 little-endian uint32 counters of latency
         * buckets (bucket i holds latencies below 2^(i/4) ms). */
        "CREATE TABLE check_daily("
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " day TEXT NOT NULL,"
        " n INTEGER NOT NULL DEFAULT 0,"
        " n_fail INTEGER NOT NULL DEFAULT 0,"
        " max_gap_s REAL NOT NULL DEFAULT 0,"
        " lat_hist BLOB,"
        " PRIMARY KEY (check_id, day)) WITHOUT ROWID;"
        "CREATE TABLE state_intervals("
        " id INTEGER PRIMARY KEY,"
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " state TEXT NOT NULL CHECK (state IN ('up','down','degraded','unknown')),"
        " confirmed INTEGER NOT NULL DEFAULT 1,"
        " start_at REAL NOT NULL,"
        " end_at REAL);"
        "CREATE INDEX state_intervals_by_time ON state_intervals(check_id, start_at);"
        "CREATE TABLE monitor_runs("
        " id INTEGER PRIMARY KEY,"
        " started_at REAL NOT NULL,"
        " last_seen_at REAL NOT NULL,"
        " stopped_at REAL,"
        " pid INTEGER);"
        "CREATE TABLE incidents("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " check_id INTEGER REFERENCES checks(id),"
        " kind TEXT NOT NULL CHECK (kind IN ('outage','fault','degradation',"
        "  'external_network')),"
        " item_id TEXT,"
        " started_at REAL NOT NULL,"
        " detected_at REAL NOT NULL,"
        " resolved_at REAL,"
        " notify_deadline_s REAL,"
        " followup_deadline_s REAL,"
        " summary TEXT);"
        "CREATE INDEX incidents_by_time ON incidents(service, detected_at);"
        "CREATE TABLE notifications("
        " id INTEGER PRIMARY KEY,"
        " incident_id INTEGER REFERENCES incidents(id),"
        " purpose TEXT NOT NULL CHECK (purpose IN ('incident_open','incident_resolved',"
        "  'followup','deadline_risk','followup_overdue','report','internal')),"
        " audience TEXT NOT NULL CHECK (audience IN ('all_users','admin_contacts',"
        "  'managers')),"
        " channel TEXT NOT NULL CHECK (channel IN ('email','webhook')),"
        " recipient TEXT NOT NULL,"
        " lang TEXT NOT NULL DEFAULT 'ja',"
        " subject TEXT,"
        " body TEXT NOT NULL,"
        " attachment_path TEXT,"
        " created_at REAL NOT NULL,"
        " deadline_at REAL,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at REAL NOT NULL,"
        " last_error TEXT,"
        " delivered_at REAL);"
        "CREATE INDEX notifications_pending ON notifications(delivered_at, next_attempt_at);"
        "CREATE TABLE followups("
        " id INTEGER PRIMARY KEY,"
        " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
        " sent_at REAL NOT NULL,"
        " message TEXT NOT NULL);"},
    /* v2: what the monitor needs to resume after a restart and to measure
     * delays: the incident's check name and target as they were, whether
     * alerts were muted (announced maintenance), the pattern, and when
     * managers were reminded or alerted. */
    {2, "ALTER TABLE incidents ADD COLUMN check_name TEXT;"
        "ALTER TABLE incidents ADD COLUMN target TEXT;"
        "ALTER TABLE incidents ADD COLUMN pattern INTEGER;"
        "ALTER TABLE incidents ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE incidents ADD COLUMN followup_reminded_at REAL;"
        "ALTER TABLE incidents ADD COLUMN risk_alerted_at REAL;"
        "CREATE INDEX state_intervals_open ON state_intervals(end_at) WHERE end_at IS NULL;"
        "CREATE INDEX notifications_by_incident ON notifications(incident_id);"
        "CREATE INDEX followups_by_incident ON followups(incident_id);"},
    /* v3: where an HTTP probe's time went, ms from its start: name lookup
     * done, connected, TLS handshake done, first response byte. */
    {3, "ALTER TABLE check_results ADD COLUMN dns_ms REAL;"
        "ALTER TABLE check_results ADD COLUMN connect_ms REAL;"
        "ALTER TABLE check_results ADD COLUMN tls_ms REAL;"
        "ALTER TABLE check_results ADD COLUMN ttfb_ms REAL;"},
    /* v4: maintenance notices in the outbox. SQLite cannot change a CHECK,
     * so notifications is rebuilt (in the migration's transaction; rows and
     * ids kept; nothing references it). maintenance_notices keys each
     * window's announcement, start and end notice so each is queued once,
     * across restarts; window_key is "profile:START-END" or "web:ID". */
    {4, "CREATE TABLE notifications_v4("
        " id INTEGER PRIMARY KEY,"
        " incident_id INTEGER REFERENCES incidents(id),"
        " purpose TEXT NOT NULL CHECK (purpose IN ('incident_open','incident_resolved',"
        "  'followup','deadline_risk','followup_overdue','report','internal',"
        "  'maintenance_announce','maintenance_start','maintenance_end')),"
        " audience TEXT NOT NULL CHECK (audience IN ('all_users','admin_contacts',"
        "  'managers')),"
        " channel TEXT NOT NULL CHECK (channel IN ('email','webhook')),"
        " recipient TEXT NOT NULL,"
        " lang TEXT NOT NULL DEFAULT 'ja',"
        " subject TEXT,"
        " body TEXT NOT NULL,"
        " attachment_path TEXT,"
        " created_at REAL NOT NULL,"
        " deadline_at REAL,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at REAL NOT NULL,"
        " last_error TEXT,"
        " delivered_at REAL);"
        "INSERT INTO notifications_v4(id, incident_id, purpose, audience, channel, recipient,"
        " lang, subject, body, attachment_path, created_at, deadline_at, attempts,"
        " next_attempt_at, last_error, delivered_at) SELECT id, incident_id, purpose,"
        " audience, channel, recipient, lang, subject, body, attachment_path, created_at,"
        " deadline_at, attempts, next_attempt_at, last_error, delivered_at FROM notifications;"
        "DROP TABLE notifications;"
        "ALTER TABLE notifications_v4 RENAME TO notifications;"
        "CREATE INDEX notifications_pending ON notifications(delivered_at, next_attempt_at);"
        "CREATE INDEX notifications_by_incident ON notifications(incident_id);"
        "CREATE TABLE maintenance_notices("
        " service TEXT NOT NULL,"
        " window_key TEXT NOT NULL,"
        " notice TEXT NOT NULL CHECK (notice IN ('announce','start','end')),"
        " queued_at REAL NOT NULL,"
        " PRIMARY KEY (service, window_key, notice)) WITHOUT ROWID;"},
};

const struct store_schema store_monitor_schema = {
    "monitor",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

/* Binding helpers: text or NULL, and a column's text copied (NULL -> ""). */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

/* Runs a prepared statement to completion (no rows wanted). */
static enum sg_code step_done(struct store *s, sqlite3_stmt *st, const char *what,
                              struct sg_error *err)
{
	enum sg_code rc = SG_OK;
	int r = sqlite3_step(st);

	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = store_fail(s, err, what);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_retire_all(struct store *s, const char *service, double now,
                                      struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "UPDATE checks SET retired_at = ? WHERE service = ? AND retired_at IS NULL", &st,
	    err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	bind_text(st, 2, service);
	return step_done(s, st, "retire checks", err);
}

enum sg_code store_monitor_check_upsert(struct store *s, const char *service, const char *name,
                                        const char *kind, const char *type, const char *target,
                                        double interval_s, const char *item_id, double now,
                                        long long *id, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO checks(service, name, kind, type, target, interval_s, item_id, "
	    "created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(service, name) DO UPDATE "
	    "SET kind = ?3, type = ?4, target = ?5, interval_s = ?6, item_id = ?7, "
	    "retired_at = NULL RETURNING id",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, service);
	bind_text(st, 2, name);
	bind_text(st, 3, kind);
	bind_text(st, 4, type);
	bind_text(st, 5, target);
	sqlite3_bind_double(st, 6, interval_s);
	bind_text(st, 7, item_id);
	sqlite3_bind_double(st, 8, now);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		rc = store_fail(s, err, "upsert check");
	sqlite3_finalize(st);
	return rc;
}

static enum sg_code collect_ids(struct store *s, sqlite3_stmt *st, long long **ids, size_t *n,
                                struct sg_error *err)
{
	size_t alloc = 0;
	int r;

	*ids = NULL;
	*n = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(*ids, *n, alloc);
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return store_fail(s, err, "read ids");
	}
	return SG_OK;
}

enum sg_code store_monitor_check_ids(struct store *s, const char *service, const char *kind,
                                     long long **ids, size_t *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "SELECT id FROM checks WHERE service = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, service);
	bind_text(st, 2, kind);
	return collect_ids(s, st, ids, n, err);
}

enum sg_code store_monitor_last_result(struct store *s, long long check_id, double *at,
                                       struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "SELECT COALESCE(MAX(at), 0) FROM check_results WHERE check_id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, check_id);
	*at = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : 0;
	sqlite3_finalize(st);
	return SG_OK;
}

enum sg_code store_monitor_max_gap(struct store *s, const char *service, const char *kind,
                                   const char *from_day, const char *to_day, double *gap,
                                   long long *nprobes, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT COALESCE(MAX(d.max_gap_s), 0), COALESCE(SUM(d.n), 0) FROM check_daily d "
	    "JOIN checks c ON c.id = d.check_id WHERE c.service = ? AND c.kind = ? AND "
	    "d.day BETWEEN ? AND ?",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, service);
	bind_text(st, 2, kind);
	bind_text(st, 3, from_day);
	bind_text(st, 4, to_day);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*gap = sqlite3_column_double(st, 0);
		*nprobes = sqlite3_column_int64(st, 1);
	} else {
		rc = store_fail(s, err, "max gap");
	}
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_interval_open(struct store *s, long long check_id, const char *state,
                                         int confirmed, double start, long long *id,
                                         struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO state_intervals(check_id, state, confirmed, "
	                                "start_at) VALUES (?,?,?,?)",
	                                &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, check_id);
	bind_text(st, 2, state);
	sqlite3_bind_int(st, 3, confirmed);
	sqlite3_bind_double(st, 4, start);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "open interval");
	else
		*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_interval_close(struct store *s, long long id, double end,
                                          struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "UPDATE state_intervals SET end_at = MAX(start_at, ?) WHERE id = ? AND end_at IS NULL",
	    &st, err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, end);
	sqlite3_bind_int64(st, 2, id);
	return step_done(s, st, "close interval", err);
}

enum sg_code store_monitor_interval_confirm(struct store *s, long long id, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "UPDATE state_intervals SET confirmed = 1 WHERE id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "confirm interval", err);
}

static enum avail_state state_parse(const char *s)
{
	if (!strcmp(s, "up"))
		return AVAIL_UP;
	if (!strcmp(s, "down"))
		return AVAIL_DOWN;
	if (!strcmp(s, "degraded"))
		return AVAIL_DEGRADED;
	return AVAIL_UNKNOWN;
}

enum sg_code store_monitor_intervals(struct store *s, long long check_id, double from, double to,
                                     double close_at, struct avail_interval **out, size_t *n,
                                     struct sg_error *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int r;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT state, confirmed, start_at, COALESCE(end_at, MAX(start_at, ?4)) FROM "
	    "state_intervals WHERE check_id = ?1 AND start_at < ?3 AND "
	    "COALESCE(end_at, MAX(start_at, ?4)) > ?2 ORDER BY start_at, id",
	    &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, check_id);
	sqlite3_bind_double(st, 2, from);
	sqlite3_bind_double(st, 3, to);
	sqlite3_bind_double(st, 4, close_at);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct avail_interval iv;
		iv.state = state_parse((const char *)sqlite3_column_text(st, 0));
		iv.confirmed = sqlite3_column_int(st, 1);
		iv.start = sqlite3_column_double(st, 2);
		iv.end = sqlite3_column_double(st, 3);
		/* Keep them disjoint even if a crash left an overlap. */
		if (*n && iv.start < (*out)[*n - 1].end)
			(*out)[*n - 1].end = iv.start;
		ALLOC_GROW(*out, *n, alloc);
		(*out)[(*n)++] = iv;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_fail(s, err, "read intervals");
	}
	return SG_OK;
}

enum sg_code store_monitor_close_time(struct store *s, double now, double *at, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT last_seen_at, stopped_at FROM monitor_runs ORDER BY last_seen_at DESC LIMIT 1",
	    &st, err);
	if (rc)
		return rc;
	*at = now;
	if (sqlite3_step(st) == SQLITE_ROW) {
		double seen = sqlite3_column_double(st, 0);
		int stopped = sqlite3_column_type(st, 1) != SQLITE_NULL;
		/* A run that stopped, or whose heartbeat is older than a minute, is
		 * not running: its open intervals end at its last heartbeat. */
		if (stopped || now - seen > 60)
			*at = seen < now ? seen : now;
	}
	sqlite3_finalize(st);
	return SG_OK;
}

enum sg_code store_monitor_run_start(struct store *s, double now, long long pid, long long *id,
                                     struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "INSERT INTO monitor_runs(started_at, last_seen_at, pid) VALUES (?1, ?1, ?2)", &st,
	    err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int64(st, 2, pid);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "start run");
	else
		*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

static enum sg_code run_set(struct store *s, const char *sql, long long id, double now,
                            struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return step_done(s, st, "update run", err);
}

enum sg_code store_monitor_run_beat(struct store *s, long long id, double now, struct sg_error *err)
{
	return run_set(s, "UPDATE monitor_runs SET last_seen_at = ? WHERE id = ?", id, now, err);
}

enum sg_code store_monitor_run_stop(struct store *s, long long id, double now, struct sg_error *err)
{
	return run_set(s,
	               "UPDATE monitor_runs SET last_seen_at = ?1, stopped_at = ?1 WHERE id = ?2",
	               id, now, err);
}

enum sg_code store_monitor_last_seen(struct store *s, long long except_run, double *at,
                                     struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "SELECT COALESCE(MAX(last_seen_at), 0) FROM monitor_runs WHERE id != ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, except_run);
	*at = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : 0;
	sqlite3_finalize(st);
	return SG_OK;
}

void store_monitor_incident_row_release(struct incident_row *r)
{
	free(r->service);
	free(r->check_name);
	free(r->target);
	free(r->kind);
	free(r->item_id);
	free(r->summary);
	memset(r, 0, sizeof(*r));
}

enum sg_code store_monitor_incident_open(struct store *s, struct incident_row *r,
                                         struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO incidents(service, check_id, kind, item_id, started_at, detected_at, "
	    "notify_deadline_s, followup_deadline_s, summary, check_name, target, pattern, muted) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, r->service);
	sqlite3_bind_int64(st, 2, r->check_id);
	bind_text(st, 3, r->kind);
	bind_text(st, 4, r->item_id);
	sqlite3_bind_double(st, 5, r->started_at);
	sqlite3_bind_double(st, 6, r->detected_at);
	sqlite3_bind_double(st, 7, r->notify_deadline_s);
	sqlite3_bind_double(st, 8, r->followup_deadline_s);
	bind_text(st, 9, r->summary);
	bind_text(st, 10, r->check_name);
	bind_text(st, 11, r->target);
	sqlite3_bind_int(st, 12, r->pattern);
	sqlite3_bind_int(st, 13, r->muted);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "open incident");
	else
		r->id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_incident_resolve(struct store *s, long long id, double at,
                                            struct sg_error *err)
{
	return run_set(s,
	               "UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
	               id, at, err);
}

enum sg_code store_monitor_incident_open_for(struct store *s, long long check_id, long long *id,
                                             struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "SELECT id FROM incidents WHERE check_id = ? AND resolved_at "
	                  "IS NULL ORDER BY id DESC LIMIT 1",
	                  &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, check_id);
	*id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return SG_OK;
}

/* Managers receive copies of customer notices (notify); the first notice
 * is the customers', so a copy never counts as it. */
#define NOT_A_COPY "AND (n.audience != 'managers' OR i.kind = 'external_network')"
#define INCIDENT_COLS                                                                              \
	"i.id, i.service, COALESCE(i.check_id, 0), i.check_name, i.target, i.kind, i.item_id, "    \
	"COALESCE(i.pattern, 0), i.started_at, i.detected_at, COALESCE(i.resolved_at, 0), "        \
	"COALESCE(i.notify_deadline_s, 0), COALESCE(i.followup_deadline_s, 0), i.summary, "        \
	"i.muted, COALESCE(i.followup_reminded_at, 0), "                                           \
	"(SELECT COALESCE(MIN(delivered_at), 0) FROM notifications n WHERE n.incident_id = i.id "  \
	" AND n.purpose = 'incident_open' AND n.delivered_at IS NOT NULL " NOT_A_COPY "), "        \
	"(SELECT COALESCE(MIN(delivered_at), 0) FROM notifications n WHERE n.incident_id = i.id "  \
	" AND n.purpose = 'followup' AND n.delivered_at IS NOT NULL), "                            \
	"(SELECT COUNT(*) FROM followups f WHERE f.incident_id = i.id)"

static void incident_from(sqlite3_stmt *st, struct incident_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->service = col_dup(st, 1);
	r->check_id = sqlite3_column_int64(st, 2);
	r->check_name = col_dup(st, 3);
	r->target = col_dup(st, 4);
	r->kind = col_dup(st, 5);
	r->item_id = col_dup(st, 6);
	r->pattern = sqlite3_column_int(st, 7);
	r->started_at = sqlite3_column_double(st, 8);
	r->detected_at = sqlite3_column_double(st, 9);
	r->resolved_at = sqlite3_column_double(st, 10);
	r->notify_deadline_s = sqlite3_column_double(st, 11);
	r->followup_deadline_s = sqlite3_column_double(st, 12);
	r->summary = col_dup(st, 13);
	r->muted = sqlite3_column_int(st, 14);
	r->followup_reminded_at = sqlite3_column_double(st, 15);
	r->first_delivered_at = sqlite3_column_double(st, 16);
	r->followup_at = sqlite3_column_double(st, 17);
	r->nfollowups = sqlite3_column_int64(st, 18);
}

enum sg_code store_monitor_incident_get(struct store *s, long long id, struct incident_row *r,
                                        struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id = ?", &st, err);
	if (rc)
		return rc;
	memset(r, 0, sizeof(*r));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		incident_from(st, r);
	else
		rc = sg_error_set(
		    err, SG_ERR_NOT_FOUND,
		    ETR(err, "インシデント %lld はありません", "there is no incident %lld"), id);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_incident_list(struct store *s, const char *service, double from,
                                         double to, struct incident_row **rows, size_t *n,
                                         struct sg_error *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int r;
	enum sg_code rc =
	    store_prepare(s,
	                  "SELECT " INCIDENT_COLS " FROM incidents i WHERE "
	                  "(?1 IS NULL OR i.service = ?1) AND i.detected_at >= ?2 AND "
	                  "i.detected_at < ?3 ORDER BY i.detected_at DESC, i.id DESC",
	                  &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	bind_text(st, 1, service);
	sqlite3_bind_double(st, 2, from);
	sqlite3_bind_double(st, 3, to);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(*rows, *n, alloc);
		incident_from(st, &(*rows)[(*n)++]);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SG_OK : store_fail(s, err, "list incidents");
}

enum sg_code store_monitor_followups_overdue(struct store *s, double now, long long **ids,
                                             size_t *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT i.id FROM incidents i WHERE i.muted = 0 AND i.followup_deadline_s > 0 AND "
	    "i.followup_reminded_at IS NULL AND i.detected_at + i.followup_deadline_s <= ? AND "
	    "NOT EXISTS (SELECT 1 FROM followups f WHERE f.incident_id = i.id) ORDER BY i.id",
	    &st, err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	return collect_ids(s, st, ids, n, err);
}

enum sg_code store_monitor_followup_reminded(struct store *s, long long id, double at,
                                             struct sg_error *err)
{
	return run_set(s, "UPDATE incidents SET followup_reminded_at = ? WHERE id = ?", id, at,
	               err);
}

enum sg_code store_monitor_followup_insert(struct store *s, long long incident_id, double at,
                                           const char *message, long long *id, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_double(st, 2, at);
	bind_text(st, 3, message);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "insert follow-up");
	else if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

void store_monitor_notification_row_release(struct notification_row *r)
{
	free(r->purpose);
	free(r->audience);
	free(r->channel);
	free(r->recipient);
	free(r->lang);
	free(r->subject);
	free(r->body);
	free(r->attachment);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

enum sg_code store_monitor_notification_insert(struct store *s, const struct notification_row *r,
                                               long long *id, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO notifications(incident_id, purpose, audience, channel, recipient, lang, "
	    "subject, body, attachment_path, created_at, deadline_at, next_attempt_at) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	    &st, err);
	if (rc)
		return rc;
	if (r->incident_id)
		sqlite3_bind_int64(st, 1, r->incident_id);
	else
		sqlite3_bind_null(st, 1);
	bind_text(st, 2, r->purpose);
	bind_text(st, 3, r->audience);
	bind_text(st, 4, r->channel);
	bind_text(st, 5, r->recipient);
	bind_text(st, 6, r->lang);
	bind_text(st, 7, r->subject);
	bind_text(st, 8, r->body);
	bind_text(st, 9, r->attachment);
	sqlite3_bind_double(st, 10, r->created_at);
	if (r->deadline_at > 0)
		sqlite3_bind_double(st, 11, r->deadline_at);
	else
		sqlite3_bind_null(st, 11);
	sqlite3_bind_double(st, 12, r->next_attempt_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "insert notification");
	else if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

#define NOTIF_COLS                                                                                 \
	"id, COALESCE(incident_id, 0), purpose, audience, channel, recipient, lang, subject, "     \
	"body, attachment_path, created_at, COALESCE(deadline_at, 0), next_attempt_at, "           \
	"COALESCE(delivered_at, 0), attempts, last_error"

static enum sg_code collect_notifications(struct store *s, sqlite3_stmt *st,
                                          struct notification_row **rows, size_t *n,
                                          struct sg_error *err)
{
	size_t alloc = 0;
	int r;

	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct notification_row *x;
		ALLOC_GROW(*rows, *n, alloc);
		x = &(*rows)[(*n)++];
		x->id = sqlite3_column_int64(st, 0);
		x->incident_id = sqlite3_column_int64(st, 1);
		x->purpose = col_dup(st, 2);
		x->audience = col_dup(st, 3);
		x->channel = col_dup(st, 4);
		x->recipient = col_dup(st, 5);
		x->lang = col_dup(st, 6);
		x->subject = col_dup(st, 7);
		x->body = col_dup(st, 8);
		x->attachment = sqlite3_column_type(st, 9) == SQLITE_NULL ? NULL : col_dup(st, 9);
		x->created_at = sqlite3_column_double(st, 10);
		x->deadline_at = sqlite3_column_double(st, 11);
		x->next_attempt_at = sqlite3_column_double(st, 12);
		x->delivered_at = sqlite3_column_double(st, 13);
		x->attempts = sqlite3_column_int(st, 14);
		x->last_error = sqlite3_column_type(st, 15) == SQLITE_NULL ? NULL : col_dup(st, 15);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SG_OK : store_fail(s, err, "read notifications");
}

enum sg_code store_monitor_notifications_due(struct store *s, double now, size_t max,
                                             struct notification_row **rows, size_t *n,
                                             struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "SELECT " NOTIF_COLS " FROM notifications WHERE delivered_at "
	                  "IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, "
	                  "id LIMIT ?",
	                  &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int64(st, 2, (long long)max);
	return collect_notifications(s, st, rows, n, err);
}

enum sg_code store_monitor_notifications_of(struct store *s, long long incident_id,
                                            struct notification_row **rows, size_t *n,
                                            struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT " NOTIF_COLS " FROM notifications WHERE ?1 = 0 OR "
	                                "incident_id = ?1 ORDER BY id",
	                                &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, incident_id);
	return collect_notifications(s, st, rows, n, err);
}

enum sg_code store_monitor_notification_attempted(struct store *s, long long id, double at, int ok,
                                                  const char *error, double next_at,
                                                  struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "UPDATE notifications SET attempts = attempts + 1, last_error = ?2, "
	    "delivered_at = CASE WHEN ?3 THEN ?1 ELSE NULL END, next_attempt_at = ?4 WHERE id = ?5",
	    &st, err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, at);
	bind_text(st, 2, ok ? NULL : error);
	sqlite3_bind_int(st, 3, ok);
	sqlite3_bind_double(st, 4, ok ? at : next_at);
	sqlite3_bind_int64(st, 5, id);
	return step_done(s, st, "record attempt", err);
}

enum sg_code store_monitor_notification_next(struct store *s, double *at, long long *pending,
                                             struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT COALESCE(MIN(next_attempt_at), 0), COUNT(*) FROM "
	                                "notifications WHERE delivered_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*at = sqlite3_column_double(st, 0);
		if (pending)
			*pending = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return SG_OK;
}

enum sg_code store_monitor_notifications_at_risk(struct store *s, double now, double fraction,
                                                 long long **ids, size_t *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT DISTINCT i.id FROM incidents i JOIN notifications n ON n.incident_id = i.id "
	    "WHERE n.purpose = 'incident_open' AND n.audience != 'managers' AND "
	    "n.delivered_at IS NULL AND i.risk_alerted_at IS NULL AND i.notify_deadline_s > 0 AND "
	    "?1 >= i.detected_at + ?2 * i.notify_deadline_s ORDER BY i.id",
	    &st, err);
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_double(st, 2, fraction);
	return collect_ids(s, st, ids, n, err);
}

enum sg_code store_monitor_notifications_risk_alerted(struct store *s, long long incident_id,
                                                      double at, struct sg_error *err)
{
	return run_set(s, "UPDATE incidents SET risk_alerted_at = ? WHERE id = ?", incident_id, at,
	               err);
}

enum sg_code store_monitor_worst_notify_delay(struct store *s, const char *service,
                                              const char *kind, double from, double to, double now,
                                              double *worst, long long *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT COALESCE(MAX(COALESCE(n.delivered_at, ?5) - i.detected_at), -1), "
	    "COUNT(DISTINCT i.id) FROM incidents i JOIN notifications n ON n.incident_id = i.id "
	    "AND "
	    "n.purpose = 'incident_open' " NOT_A_COPY " WHERE i.service = ?1 AND i.kind = ?2 AND "
	    "i.muted = 0 AND "
	    "i.detected_at >= ?3 AND i.detected_at < ?4",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, service);
	bind_text(st, 2, kind);
	sqlite3_bind_double(st, 3, from);
	sqlite3_bind_double(st, 4, to);
	sqlite3_bind_double(st, 5, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*worst = sqlite3_column_double(st, 0);
		*n = sqlite3_column_int64(st, 1);
	} else {
		rc = store_fail(s, err, "notification delay");
	}
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_worst_followup_delay(struct store *s, const char *service, double from,
                                                double to, double now, double *worst, long long *n,
                                                struct sg_error *err)
{
	sqlite3_stmt *st;
	/* Per incident: the first delivered follow-up; none yet counts until now
	 * once the deadline has passed (an overdue one is a delay already). */
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT COALESCE(MAX(d), -1), COUNT(*) FROM (SELECT CASE WHEN f IS NOT NULL THEN "
	    "f - detected_at WHEN ?5 >= detected_at + followup_deadline_s THEN ?5 - detected_at "
	    "ELSE NULL END AS d FROM (SELECT i.detected_at, i.followup_deadline_s, (SELECT "
	    "MIN(n.delivered_at) FROM notifications n WHERE n.incident_id = i.id AND n.purpose = "
	    "'followup') AS f FROM incidents i WHERE i.service = ?1 AND i.muted = 0 AND "
	    "i.kind IN ('outage', 'fault', 'degradation') AND i.detected_at >= ?2 AND "
	    "i.detected_at < ?3 AND i.followup_deadline_s > 0)) WHERE d IS NOT NULL OR ?4",
	    &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, service);
	sqlite3_bind_double(st, 2, from);
	sqlite3_bind_double(st, 3, to);
	sqlite3_bind_int(st, 4, 0);
	sqlite3_bind_double(st, 5, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*worst = sqlite3_column_double(st, 0);
		*n = sqlite3_column_int64(st, 1);
	} else {
		rc = store_fail(s, err, "follow-up delay");
	}
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_open_interval(struct store *s, long long check_id, long long *id,
                                         char state[16], int *confirmed, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, state, confirmed FROM state_intervals WHERE "
	                                "check_id = ? AND end_at IS NULL ORDER BY id DESC LIMIT 1",
	                                &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, check_id);
	*id = 0;
	state[0] = 0;
	*confirmed = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(state, 16, "%s", (const char *)sqlite3_column_text(st, 1));
		*confirmed = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return SG_OK;
}

enum sg_code store_monitor_writer_open(struct store *s, struct store_monitor_writer *w,
                                       struct sg_error *err)
{
	enum sg_code rc;

	memset(w, 0, sizeof(*w));
	if ((rc = store_prepare(s,
	                        "INSERT INTO check_results(check_id, at, ok, latency_ms, "
	                        "status_code, error, dns_ms, connect_ms, tls_ms, ttfb_ms) "
	                        "VALUES (?,?,?,?,?,?,?,?,?,?)",
	                        &w->ins, err)) ||
	    (rc =
	         store_prepare(s, "SELECT lat_hist FROM check_daily WHERE check_id = ? AND day = ?",
	                       &w->sel, err)) ||
	    (rc = store_prepare(
	         s,
	         "INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, "
	         "lat_hist) VALUES (?1, ?2, 1, ?3, ?4, ?5) ON CONFLICT(check_id, day) "
	         "DO UPDATE SET n = n + 1, n_fail = n_fail + ?3, "
	         "max_gap_s = MAX(max_gap_s, ?4), lat_hist = ?5",
	         &w->ups, err)))
		store_monitor_writer_close(w);
	return rc;
}

void store_monitor_writer_close(struct store_monitor_writer *w)
{
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->sel);
	sqlite3_finalize(w->ups);
	memset(w, 0, sizeof(*w));
}

static void bind_ms(sqlite3_stmt *st, int i, double ms)
{
	if (ms >= 0)
		sqlite3_bind_double(st, i, ms);
	else
		sqlite3_bind_null(st, i);
}

enum sg_code store_monitor_write_result(struct store *s, struct store_monitor_writer *w,
                                        const struct store_monitor_result *r, long long *id,
                                        struct sg_error *err)
{
	unsigned long long hist[HISTOGRAM_BUCKETS];
	unsigned char blob[HISTOGRAM_BLOB];
	enum sg_code rc = SG_OK;
	long long check_id = r->check_id;
	const char *day = r->day;
	double latency_ms = r->latency_ms, gap_s = r->gap_s;
	int ok = r->ok;

	sqlite3_reset(w->ins);
	sqlite3_bind_int64(w->ins, 1, check_id);
	sqlite3_bind_double(w->ins, 2, r->at);
	sqlite3_bind_int(w->ins, 3, ok);
	bind_ms(w->ins, 4, latency_ms);
	if (r->status_code > 0)
		sqlite3_bind_int(w->ins, 5, r->status_code);
	else
		sqlite3_bind_null(w->ins, 5);
	bind_text(w->ins, 6, r->error);
	bind_ms(w->ins, 7, r->dns_ms);
	bind_ms(w->ins, 8, r->connect_ms);
	bind_ms(w->ins, 9, r->tls_ms);
	bind_ms(w->ins, 10, r->ttfb_ms);
	if (sqlite3_step(w->ins) != SQLITE_DONE) {
		rc = store_fail(s, err, "insert result");
		sqlite3_reset(w->ins);
		return rc;
	}
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	memset(hist, 0, sizeof(hist));
	sqlite3_reset(w->sel);
	sqlite3_bind_int64(w->sel, 1, check_id);
	bind_text(w->sel, 2, day);
	if (sqlite3_step(w->sel) == SQLITE_ROW)
		histogram_decode_add(hist, sqlite3_column_blob(w->sel, 0),
		                     (size_t)sqlite3_column_bytes(w->sel, 0));
	sqlite3_reset(w->sel);
	if (latency_ms >= 0)
		hist[histogram_bucket(latency_ms)]++;
	histogram_encode(hist, blob);
	sqlite3_reset(w->ups);
	sqlite3_bind_int64(w->ups, 1, check_id);
	bind_text(w->ups, 2, day);
	sqlite3_bind_int(w->ups, 3, !ok);
	sqlite3_bind_double(w->ups, 4, gap_s > 0 ? gap_s : 0);
	sqlite3_bind_blob(w->ups, 5, blob, sizeof(blob), SQLITE_TRANSIENT);
	if (sqlite3_step(w->ups) != SQLITE_DONE)
		rc = store_fail(s, err, "update daily rollup");
	sqlite3_reset(w->ups);
	sqlite3_reset(w->ins);
	return rc;
}

enum sg_code store_monitor_results_expire(struct store *s, double ok_before, double fail_before,
                                          int limit, long long *deleted, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "DELETE FROM check_results WHERE id IN (SELECT id FROM check_results WHERE "
	    "(ok = 1 AND at < ?1) OR (ok = 0 AND at < ?2) LIMIT ?3)",
	    &st, err);

	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, ok_before);
	sqlite3_bind_double(st, 2, fail_before);
	sqlite3_bind_int(st, 3, limit);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "expire results");
	else
		*deleted = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_monitor_daily_sum(struct store *s, long long check_id, const char *from_day,
                                     const char *to_day, unsigned long long hist[HISTOGRAM_BUCKETS],
                                     long long *n, long long *n_fail, double *max_gap,
                                     struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT n, n_fail, max_gap_s, lat_hist FROM check_daily "
	                                "WHERE check_id = ? AND day BETWEEN ? AND ?",
	                                &st, err);
	int r;

	if (rc)
		return rc;
	memset(hist, 0, sizeof(unsigned long long) * HISTOGRAM_BUCKETS);
	*n = *n_fail = 0;
	*max_gap = 0;
	sqlite3_bind_int64(st, 1, check_id);
	bind_text(st, 2, from_day);
	bind_text(st, 3, to_day);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*n += sqlite3_column_int64(st, 0);
		*n_fail += sqlite3_column_int64(st, 1);
		if (sqlite3_column_double(st, 2) > *max_gap)
			*max_gap = sqlite3_column_double(st, 2);
		histogram_decode_add(hist, sqlite3_column_blob(st, 3),
		                     (size_t)sqlite3_column_bytes(st, 3));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SG_OK : store_fail(s, err, "read daily rollups");
}
