/*
 * store_monitor - the monitor's schema and queries; see store_monitor.h.
 *
 * Times are wall-clock seconds since the epoch (REAL). An interval or
 * incident with a NULL end is still open.
 */
#include <math.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "histogram.h"
#include "rollup.h"
#include "store_monitor.h"
#include "xalloc.h"
#include "store_rows.h"
#include "store_schemas.h"
#include "banned.h"

#define LAST_AT_V7(real)                                                                           \
	"ALTER TABLE check_daily ADD COLUMN last_at " real ";"                                     \
	"UPDATE check_daily SET last_at = (SELECT MAX(r.at) FROM check_results r WHERE "           \
	"r.check_id = check_daily.check_id) WHERE day = (SELECT MAX(d.day) FROM check_daily d "    \
	"WHERE d.check_id = check_daily.check_id);"                                                \
	"DROP INDEX check_results_by_time;"

/* check_daily's columns as v1 made them (v7 added last_at) */
#define DAILY_COLS                                                                                 \
	" check_id INTEGER NOT NULL REFERENCES checks(id), day TEXT NOT NULL, n INTEGER NOT NULL " \
	"DEFAULT 0, n_fail INTEGER NOT NULL DEFAULT 0, max_gap_s REAL NOT NULL DEFAULT 0, "        \
	"lat_hist BLOB,"

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
        "CREATE TABLE check_daily(" DAILY_COLS " PRIMARY KEY (check_id, day)) WITHOUT ROWID;"
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
    /* v5: on PostgreSQL, raw results in one partition per UTC day, so
     * retention drops whole days (store_monitor_partitions() makes them
     * ahead of the writer). The rows move; ids are kept. SQLite: no
     * change. */
    {5, "",
     "ALTER TABLE check_results RENAME TO check_results_v4;"
     "ALTER INDEX check_results_by_time RENAME TO check_results_v4_by_time;"
     "CREATE TABLE check_results("
     " id BIGINT GENERATED BY DEFAULT AS IDENTITY,"
     " check_id BIGINT NOT NULL REFERENCES checks(id),"
     " at DOUBLE PRECISION NOT NULL,"
     " ok BIGINT NOT NULL,"
     " latency_ms DOUBLE PRECISION,"
     " status_code BIGINT,"
     " error TEXT,"
     " dns_ms DOUBLE PRECISION,"
     " connect_ms DOUBLE PRECISION,"
     " tls_ms DOUBLE PRECISION,"
     " ttfb_ms DOUBLE PRECISION,"
     " PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
     "CREATE INDEX check_results_by_time ON check_results(check_id, at);"
     "DO $d$ DECLARE d BIGINT; BEGIN"
     " FOR d IN SELECT DISTINCT floor(at / 86400)::BIGINT FROM check_results_v4 LOOP"
     "  EXECUTE format('CREATE TABLE check_results_%s PARTITION OF check_results"
     " FOR VALUES FROM (%s) TO (%s)', to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC',"
     " 'YYYYMMDD'), d * 86400, (d + 1) * 86400);"
     " END LOOP; END $d$;"
     "INSERT INTO check_results(id, check_id, at, ok, latency_ms, status_code, error, dns_ms,"
     " connect_ms, tls_ms, ttfb_ms) SELECT id, check_id, at, ok, latency_ms, status_code, error,"
     " dns_ms, connect_ms, tls_ms, ttfb_ms FROM check_results_v4;"
     "SELECT setval(pg_get_serial_sequence('check_results', 'id'),"
     " COALESCE((SELECT max(id) FROM check_results), 0) + 1, false);"
     "DROP TABLE check_results_v4;"},
    /* v6: the gap since the check's previous probe, kept with the result so
     * the rollup of a node that stopped before its last fold can be summed
     * again from its results (monitor_writer.c) */
    {6, "ALTER TABLE check_results ADD COLUMN gap_s REAL;",
     "ALTER TABLE check_results ADD COLUMN gap_s DOUBLE PRECISION;"},
    /* v7: a check's last result from its latest daily rollup (last_at, kept
     * by the fold) and the few results after its node's last fold, rather
     * than from an index on (check_id, at): every result landed on one of
     * as many leaf pages as there are checks, which made a result's cost
     * grow with their number (docs/performance.md). */
    {7, LAST_AT_V7("REAL"), LAST_AT_V7("DOUBLE PRECISION")},
    /* v8: SQLite keeps check_daily in (day, check) order, so a day's rows
     * share their pages: in (check, day) order each check's rows were
     * together and a fold, which rewrites today's row of every check
     * probed in the minute, dirtied a page per check (at 100,000 checks
     * with 30 days kept, 15.8 MiB/s written against 1.9 MiB/s;
     * docs/performance.md). Reads by check go through the index.
     * PostgreSQL's heap is not kept in key order: a day's rows are made,
     * and rewritten, where there is room, not beside the check's earlier
     * days; no change there. */
    {8,
     "CREATE TABLE check_daily_v8(" DAILY_COLS " last_at REAL,"
     " PRIMARY KEY (day, check_id)) WITHOUT ROWID;"
     "INSERT INTO check_daily_v8(check_id, day, n, n_fail, max_gap_s, lat_hist, last_at)"
     " SELECT check_id, day, n, n_fail, max_gap_s, lat_hist, last_at FROM check_daily;"
     "DROP TABLE check_daily;"
     "ALTER TABLE check_daily_v8 RENAME TO check_daily;"
     "CREATE INDEX check_daily_by_check ON check_daily(check_id, day);",
     ""},
};

const struct store_schema store_monitor_schema = {
    "monitor",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

/* The first row of an aggregate or single-row query, its columns 0..3 as
 * numbers (real: NAN for SQL NULL). */
struct first_row {
	int found;
	double real[4];
	long long i64[4];
};

static int first_row(struct store_stmt *st, void *ctx)
{
	struct first_row *f = ctx;
	int n = store_col_count(st);

	f->found = 1;
	for (int i = 0; i < n && i < 4; i++) {
		f->real[i] = store_col_real(st, i);
		f->i64[i] = store_col_int(st, i);
	}
	return 1;
}

/* Runs st, keeping its first row (if any) in f. */
static enum sg_code first(struct store *s, struct store_stmt *st, struct first_row *f,
                          const char *what, struct sg_error *err)
{
	memset(f, 0, sizeof(*f));
	return store_each(s, st, first_row, f, what, err);
}

/* first() for a kept statement (store_prepare_kept()): reset, not finalized. */
static enum sg_code first_kept(struct store *s, struct store_stmt *st, struct first_row *f,
                               const char *what, struct sg_error *err)
{
	int r = store_step(st);
	enum sg_code rc = SG_OK;

	memset(f, 0, sizeof(*f));
	if (r == STORE_ROW)
		first_row(st, f);
	else if (r == STORE_ERROR)
		rc = store_fail(s, err, what);
	store_reset(st);
	return rc;
}

enum sg_code store_monitor_retire_all(struct store *s, const char *service, double now,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "UPDATE checks SET retired_at = ? WHERE service = ? AND retired_at IS NULL", &st,
	    err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_text(st, 2, service);
	return store_step_done(s, st, "retire checks", err);
}

enum sg_code store_monitor_check_upsert(struct store *s, const char *service, const char *name,
                                        const char *kind, const char *type, const char *target,
                                        double interval_s, const char *item_id, double now,
                                        long long *id, struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
	/* Kept, as the other queries run per check when the monitor starts:
	 * 100,000 checks parsed each of them 100,000 times. */
	enum sg_code rc = store_prepare_kept(
	    s,
	    "INSERT INTO checks(service, name, kind, type, target, interval_s, item_id, "
	    "created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(service, name) DO UPDATE "
	    "SET kind = ?3, type = ?4, target = ?5, interval_s = ?6, item_id = ?7, "
	    "retired_at = NULL RETURNING id",
	    &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, kind);
	store_bind_text(st, 4, type);
	store_bind_text(st, 5, target);
	store_bind_real(st, 6, interval_s);
	store_bind_text(st, 7, item_id);
	store_bind_real(st, 8, now);
	if ((rc = first_kept(s, st, &f, "upsert check", err)))
		return rc;
	if (!f.found) /* RETURNING always gives the row it wrote */
		return store_fail(s, err, "upsert check");
	*id = f.i64[0];
	return SG_OK;
}

static void values_list(struct dynbuf *b, size_t rows, int cols);
static enum sg_code prepare_built(struct store *s, struct dynbuf *b, struct store_stmt **st,
                                  struct sg_error *err);

/* Sorts indices into checks (ctx) by name, then by index. */
static int cmp_check_name(const void *a, const void *b, void *ctx)
{
	const struct store_monitor_check *v = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x].name, v[y].name);

	return c ? c : (x > y) - (x < y);
}

struct upserted {
	const struct store_monitor_check *c;
	const size_t *order; /* every index, by name */
	size_t n, got;
	long long *ids;
};

/* A returned (id, name): the id of every check of that name. */
static int upserted_row(struct store_stmt *st, void *ctx)
{
	struct upserted *u = ctx;
	const char *name = store_col_text(st, 1);
	size_t lo = 0, hi = u->n;

	while (name && lo < hi) { /* the first index of the name */
		size_t mid = (lo + hi) / 2;
		if (strcmp(u->c[u->order[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; name && lo < u->n && !strcmp(u->c[u->order[lo]].name, name); lo++)
		u->ids[u->order[lo]] = store_col_int(st, 0);
	u->got++;
	return 0;
}

#define CHECK_COLS  8
#define CHECK_CHUNK 200

enum sg_code store_monitor_checks_upsert(struct store *s, const char *service,
                                         const struct store_monitor_check *c, size_t n, double now,
                                         long long *ids, struct sg_error *err)
{
	size_t *order = xcalloc(n ? n : 1, sizeof(*order)),
	       *uniq = xcalloc(n ? n : 1, sizeof(*uniq));
	struct upserted u = {c, order, n, 0, ids};
	size_t nu = 0;
	enum sg_code rc = SG_OK;

	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_check_name, (void *)c);
	/* One row per name, the last check of it (PostgreSQL refuses a statement
	 * that upserts one row twice), in name order. */
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || strcmp(c[order[i]].name, c[order[i + 1]].name))
			uniq[nu++] = order[i];
	for (size_t i = 0; i < nu && !rc; i += CHECK_CHUNK) {
		size_t k = nu - i < CHECK_CHUNK ? nu - i : CHECK_CHUNK;
		struct dynbuf b = DYNBUF_INIT;
		struct store_stmt *st;
		dynbuf_addstr(&b,
		              "INSERT INTO checks(service, name, kind, type, target, interval_s, "
		              "item_id, created_at) VALUES ");
		values_list(&b, k, CHECK_COLS);
		dynbuf_addstr(&b, " ON CONFLICT(service, name) DO UPDATE SET kind = excluded.kind, "
		                  "type = excluded.type, target = excluded.target, "
		                  "interval_s = excluded.interval_s, item_id = excluded.item_id, "
		                  "retired_at = NULL RETURNING id, name");
		if ((rc = prepare_built(s, &b, &st, err)))
			break;
		for (size_t j = 0; j < k; j++) {
			const struct store_monitor_check *x = &c[uniq[i + j]];
			int p = (int)j * CHECK_COLS;
			store_bind_text(st, p + 1, service);
			store_bind_text(st, p + 2, x->name);
			store_bind_text(st, p + 3, x->kind);
			store_bind_text(st, p + 4, x->type);
			store_bind_text(st, p + 5, x->target);
			store_bind_real(st, p + 6, x->interval_s);
			store_bind_text(st, p + 7, x->item_id);
			store_bind_real(st, p + 8, now);
		}
		u.got = 0;
		rc = store_each(s, st, upserted_row, &u, "upsert checks", err);
		if (!rc && u.got != k) /* RETURNING gives every row it wrote */
			rc = store_fail(s, err, "upsert checks");
	}
	free(order);
	free(uniq);
	return rc;
}

struct resumed {
	const long long *ids; /* the chunk's, sorted copy below */
	struct store_monitor_resume *out;
	size_t n;
	const size_t *order; /* indices of the chunk by id */
};

/* The first position in r->order whose id is not below id. */
static size_t resumed_first(const struct resumed *r, long long id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->ids[r->order[mid]] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int resume_row(struct store_stmt *st, void *ctx)
{
	struct resumed *r = ctx;
	long long id = store_col_int(st, 0);

	for (size_t lo = resumed_first(r, id); lo < r->n && r->ids[r->order[lo]] == id; lo++) {
		struct store_monitor_resume *o = &r->out[r->order[lo]];
		const char *state = store_col_text(st, 4);
		o->last_at = store_col_real(st, 1);
		o->incident_id = store_col_int(st, 2);
		o->interval_id = store_col_int(st, 3);
		snprintf(o->state, sizeof(o->state), "%s", state ? state : "");
		o->confirmed = (int)store_col_int(st, 5);
	}
	return 0;
}

/* Sorts indices into ids (ctx) by id. */
static int cmp_by_id(const void *a, const void *b, void *ctx)
{
	const long long *ids = ctx;
	long long x = ids[*(const size_t *)a], y = ids[*(const size_t *)b];

	return (x > y) - (x < y);
}

/* The time of a check's last result in its latest daily rollup (NULL:
 * none); unfolded_last() adds the results not folded yet. */
#define DAILY_LAST_AT(check)                                                                       \
	"(SELECT d.last_at FROM check_daily d WHERE d.check_id = " check " AND d.last_at IS NOT "  \
	"NULL ORDER BY d.day DESC LIMIT 1)"

struct node_mark {
	long long id, upto;
};

static void node_mark_fill(struct store_stmt *st, void *row)
{
	struct node_mark *m = row;

	m->id = store_col_int(st, 0);
	m->upto = store_col_int(st, 1);
}

/* Calls row(st, ctx) with (check_id, MAX(at)) for the results not yet in
 * the daily rollups: each node's after the mark of its last fold
 * (cluster_nodes.folded_upto; a node marks its start there, so the scan is
 * at most ten minutes' results, monitor_writer.h, or those of a node that
 * stopped before it folded).
 * check_id 0: every check. */
static enum sg_code unfolded_last(struct store *s, long long check_id,
                                  int (*row)(struct store_stmt *, void *), void *ctx,
                                  struct sg_error *err)
{
	struct node_mark *m = NULL;
	size_t n = 0;
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "SELECT id, folded_upto FROM cluster_nodes WHERE rollups_done = 0", &st, err);

	if (!rc)
		rc = store_rows_read(s, st, sizeof(*m), node_mark_fill, (void **)&m, &n,
		                     "last result", err);
	for (size_t i = 0; i < n && !rc; i++) {
		rc =
		    store_prepare(s,
		                  "SELECT check_id, MAX(at) FROM check_results WHERE node_id = ?1 "
		                  "AND id > ?2 AND (CAST(?3 AS BIGINT) = 0 OR check_id = ?3) GROUP "
		                  "BY check_id",
		                  &st, err);
		if (rc)
			break;
		store_bind_int(st, 1, m[i].id);
		store_bind_int(st, 2, m[i].upto);
		store_bind_int(st, 3, check_id);
		rc = store_each(s, st, row, ctx, "last result", err);
	}
	free(m);
	return rc;
}

/* unfolded_last()'s rows into the resume entries of their checks. */
static int resume_tail_row(struct store_stmt *st, void *ctx)
{
	struct resumed *r = ctx;
	long long id = store_col_int(st, 0);
	double at = store_col_real(st, 1);

	for (size_t lo = resumed_first(r, id); lo < r->n && r->ids[r->order[lo]] == id; lo++)
		if (at > r->out[r->order[lo]].last_at)
			r->out[r->order[lo]].last_at = at;
	return 0;
}

#define OPEN_INTERVAL(col)                                                                         \
	"(SELECT " col " FROM state_intervals si WHERE si.check_id = c.id AND si.end_at IS NULL "  \
	"ORDER BY si.id DESC LIMIT 1)"

/* What a check resumes with: the same queries as the one-check functions,
 * as subqueries, for the checks listed after it. (clang-format would break
 * the literals between the macros mid-word.) */
/* clang-format off */
#define RESUME_SELECT                                                                              \
	"SELECT c.id, COALESCE(" DAILY_LAST_AT("c.id") ", 0), "                                    \
	"COALESCE((SELECT i.id FROM incidents i WHERE i.check_id = c.id AND i.resolved_at IS "    \
	"NULL ORDER BY i.id DESC LIMIT 1), "                                                       \
	"(SELECT ic.incident_id FROM incident_checks ic JOIN incidents i ON i.id = "              \
	"ic.incident_id WHERE ic.check_id = c.id AND ic.role = 'member' AND ic.recovered_at IS "   \
	"NULL AND i.resolved_at IS NULL ORDER BY ic.incident_id DESC LIMIT 1), 0), "               \
	"COALESCE(" OPEN_INTERVAL("si.id") ", 0), " OPEN_INTERVAL("si.state") ", "                 \
	"COALESCE(" OPEN_INTERVAL("si.confirmed") ", 0) FROM checks c WHERE c.id IN "
/* clang-format on */

/* The positions 0..n-1 ordered by ids[position] (resumed's order). */
static size_t *order_by_id(const long long *ids, size_t n)
{
	size_t *order = xcalloc(n, sizeof(*order));

	for (size_t j = 0; j < n; j++)
		order[j] = j;
	qsort_r(order, n, sizeof(*order), cmp_by_id, (void *)ids);
	return order;
}

enum sg_code store_monitor_checks_resume(struct store *s, const long long *ids, size_t n,
                                         struct store_monitor_resume *out, struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n && !rc; i += CHECK_CHUNK) {
		size_t k = n - i < CHECK_CHUNK ? n - i : CHECK_CHUNK;
		size_t *order = order_by_id(ids + i, k);
		struct resumed r = {ids + i, out + i, k, order};
		struct dynbuf b = DYNBUF_INIT;
		struct store_stmt *st;
		dynbuf_addstr(&b, RESUME_SELECT);
		values_list(&b, 1, (int)k);
		if (!(rc = prepare_built(s, &b, &st, err))) {
			for (size_t j = 0; j < k; j++)
				store_bind_int(st, (int)j + 1, ids[i + j]);
			rc = store_each(s, st, resume_row, &r, "resume checks", err);
		}
		free(order);
	}
	if (!rc && n) {
		size_t *order = order_by_id(ids, n);
		struct resumed r = {ids, out, n, order};
		rc = unfolded_last(s, 0, resume_tail_row, &r, err);
		free(order);
	}
	return rc;
}

/* The ids in column 0 of st's rows; none on failure. */
static enum sg_code collect_ids(struct store *s, struct store_stmt *st, long long **ids, size_t *n,
                                struct sg_error *err)
{
	enum sg_code rc = store_rows_ids(s, st, ids, n, "read ids", err);

	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

enum sg_code store_monitor_check_ids(struct store *s, const char *service, const char *kind,
                                     long long **ids, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id FROM checks WHERE service = ?1 AND (CAST(?2 AS "
	                                "TEXT) IS NULL OR kind = ?2) ORDER BY id",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, kind);
	return collect_ids(s, st, ids, n, err);
}

/* Keeps the later of *ctx and column 1. */
static int later_row(struct store_stmt *st, void *ctx)
{
	double *at = ctx, v = store_col_real(st, 1);

	if (v > *at)
		*at = v;
	return 0;
}

enum sg_code store_monitor_last_result(struct store *s, long long check_id, double *at,
                                       struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc =
	    store_prepare_kept(s, "SELECT COALESCE(" DAILY_LAST_AT("?1") ", 0)", &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	rc = first_kept(s, st, &f, "last result", err);
	*at = f.found ? f.real[0] : 0;
	if (!rc)
		rc = unfolded_last(s, check_id, later_row, at, err);
	return rc;
}

enum sg_code store_monitor_max_gap(struct store *s, const char *service, const char *kind,
                                   const char *from_day, const char *to_day, double *gap,
                                   long long *nprobes, struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT COALESCE(MAX(d.max_gap_s), 0), COALESCE(SUM(d.n), 0) FROM check_daily d "
	    "JOIN checks c ON c.id = d.check_id WHERE c.service = ? AND c.kind = ? AND "
	    "d.day BETWEEN ? AND ?",
	    &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, from_day);
	store_bind_text(st, 4, to_day);
	if ((rc = first(s, st, &f, "max gap", err)))
		return rc;
	if (f.found) {
		*gap = f.real[0];
		*nprobes = f.i64[1];
	}
	return SG_OK;
}

enum sg_code store_monitor_interval_open(struct store *s, long long check_id, const char *state,
                                         int confirmed, double start, long long *id,
                                         struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare_kept(s,
	                                     "INSERT INTO state_intervals(check_id, state, "
	                                     "confirmed, start_at) VALUES (?,?,?,?)",
	                                     &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	store_bind_text(st, 2, state);
	store_bind_int(st, 3, confirmed);
	store_bind_real(st, 4, start);
	if (!(rc = store_step_kept(s, st, "open interval", err)))
		*id = store_last_id(s);
	return rc;
}

enum sg_code store_monitor_interval_close(struct store *s, long long id, double end,
                                          struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare_kept(
	    s,
	    "UPDATE state_intervals SET end_at = CASE WHEN start_at > ?1 THEN start_at ELSE ?1 END "
	    "WHERE id = ?2 AND end_at IS NULL",
	    &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, end);
	store_bind_int(st, 2, id);
	return store_step_kept(s, st, "close interval", err);
}

enum sg_code store_monitor_interval_confirm(struct store *s, long long id, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare_kept(
	    s, "UPDATE state_intervals SET confirmed = 1 WHERE id = ?", &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	return store_step_kept(s, st, "confirm interval", err);
}

static enum avail_state state_parse(const char *s)
{
	if (!s)
		return AVAIL_UNKNOWN;
	if (!strcmp(s, "up"))
		return AVAIL_UP;
	if (!strcmp(s, "down"))
		return AVAIL_DOWN;
	if (!strcmp(s, "degraded"))
		return AVAIL_DEGRADED;
	return AVAIL_UNKNOWN;
}

struct intervals {
	struct avail_interval *v;
	size_t n, alloc;
};

static int interval_of(struct store_stmt *st, void *ctx)
{
	struct intervals *r = ctx;
	struct avail_interval iv;

	iv.state = state_parse(store_col_text(st, 0));
	iv.confirmed = (int)store_col_int(st, 1);
	iv.start = store_col_real(st, 2);
	iv.end = store_col_real(st, 3);
	/* Keep them disjoint even if a crash left an overlap. */
	if (r->n && iv.start < r->v[r->n - 1].end)
		r->v[r->n - 1].end = iv.start;
	ALLOC_GROW(r->v, r->n, r->alloc);
	r->v[r->n++] = iv;
	return 0;
}

enum sg_code store_monitor_intervals(struct store *s, long long check_id, double from, double to,
                                     double close_at, struct avail_interval **out, size_t *n,
                                     struct sg_error *err)
{
	struct store_stmt *st;
	struct intervals r = {NULL, 0, 0};
	/* Kept: availability reads every check's intervals (100,000 of them
	 * for the monitor's hourly measurement). */
	enum sg_code rc =
	    store_prepare_kept(s,
	                       "SELECT state, confirmed, start_at, COALESCE(end_at, CASE "
	                       "WHEN start_at > ?4 THEN start_at ELSE ?4 END) FROM "
	                       "state_intervals WHERE check_id = ?1 AND start_at < ?3 AND "
	                       "COALESCE(end_at, CASE WHEN start_at > ?4 THEN start_at "
	                       "ELSE ?4 END) > ?2 ORDER BY start_at, id",
	                       &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	store_bind_real(st, 2, from);
	store_bind_real(st, 3, to);
	store_bind_real(st, 4, close_at);
	if ((rc = store_each_kept(s, st, interval_of, &r, "read intervals", err))) {
		free(r.v);
		return rc;
	}
	*out = r.v;
	*n = r.n;
	return SG_OK;
}

enum sg_code store_monitor_close_time(struct store *s, double now, double *at, struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT last_seen_at, stopped_at FROM monitor_runs ORDER BY last_seen_at DESC LIMIT 1",
	    &st, err);
	if (rc)
		return rc;
	*at = now;
	rc = first(s, st, &f, "last run", err);
	if (f.found) {
		double seen = f.real[0];
		int stopped = !isnan(f.real[1]);
		/* A run that stopped, or whose heartbeat is older than a minute, is
		 * not running: its open intervals end at its last heartbeat. */
		if (stopped || now - seen > 60)
			*at = seen < now ? seen : now;
	}
	return rc;
}

enum sg_code store_monitor_run_start(struct store *s, double now, long long pid, long long *id,
                                     struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "INSERT INTO monitor_runs(started_at, last_seen_at, pid) VALUES (?1, ?1, ?2)", &st,
	    err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_int(st, 2, pid);
	if (!(rc = store_step_done(s, st, "start run", err)))
		*id = store_last_id(s);
	return rc;
}

static enum sg_code run_set(struct store *s, const char *sql, long long id, double now,
                            struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_int(st, 2, id);
	return store_step_done(s, st, "update run", err);
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
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc = store_prepare(
	    s, "SELECT COALESCE(MAX(last_seen_at), 0) FROM monitor_runs WHERE id != ?", &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, except_run);
	rc = first(s, st, &f, "last run", err);
	*at = f.found ? f.real[0] : 0;
	return rc;
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
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO incidents(service, check_id, kind, item_id, started_at, detected_at, "
	    "notify_deadline_s, followup_deadline_s, summary, check_name, target, pattern, muted) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, r->service);
	store_bind_int(st, 2, r->check_id);
	store_bind_text(st, 3, r->kind);
	store_bind_text(st, 4, r->item_id);
	store_bind_real(st, 5, r->started_at);
	store_bind_real(st, 6, r->detected_at);
	store_bind_real(st, 7, r->notify_deadline_s);
	store_bind_real(st, 8, r->followup_deadline_s);
	store_bind_text(st, 9, r->summary);
	store_bind_text(st, 10, r->check_name);
	store_bind_text(st, 11, r->target);
	store_bind_int(st, 12, r->pattern);
	store_bind_int(st, 13, r->muted);
	if (!(rc = store_step_done(s, st, "open incident", err)))
		r->id = store_last_id(s);
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
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc =
	    store_prepare_kept(s,
	                       "SELECT id FROM incidents WHERE check_id = ? AND resolved_at "
	                       "IS NULL ORDER BY id DESC LIMIT 1",
	                       &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	rc = first_kept(s, st, &f, "open incident", err);
	*id = f.found ? f.i64[0] : 0;
	return rc;
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

static void incident_from(struct store_stmt *st, struct incident_row *r)
{
	r->id = store_col_int(st, 0);
	r->service = store_col_dup(st, 1);
	r->check_id = store_col_int(st, 2);
	r->check_name = store_col_dup(st, 3);
	r->target = store_col_dup(st, 4);
	r->kind = store_col_dup(st, 5);
	r->item_id = store_col_dup(st, 6);
	r->pattern = (int)store_col_int(st, 7);
	r->started_at = store_col_real(st, 8);
	r->detected_at = store_col_real(st, 9);
	r->resolved_at = store_col_real(st, 10);
	r->notify_deadline_s = store_col_real(st, 11);
	r->followup_deadline_s = store_col_real(st, 12);
	r->summary = store_col_dup(st, 13);
	r->muted = (int)store_col_int(st, 14);
	r->followup_reminded_at = store_col_real(st, 15);
	r->first_delivered_at = store_col_real(st, 16);
	r->followup_at = store_col_real(st, 17);
	r->nfollowups = store_col_int(st, 18);
}

struct incidents {
	struct incident_row *v;
	size_t n, alloc;
	int found; /* for one row */
};

static int incident_one(struct store_stmt *st, void *ctx)
{
	struct incidents *r = ctx;

	incident_from(st, r->v);
	r->found = 1;
	return 1;
}

static int incident_of(struct store_stmt *st, void *ctx)
{
	struct incidents *r = ctx;

	ALLOC_GROW(r->v, r->n, r->alloc);
	incident_from(st, &r->v[r->n++]);
	return 0;
}

enum sg_code store_monitor_incident_get(struct store *s, long long id, struct incident_row *r,
                                        struct sg_error *err)
{
	struct store_stmt *st;
	struct incidents one = {r, 0, 0, 0};
	enum sg_code rc =
	    store_prepare(s, "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id = ?", &st, err);
	if (rc)
		return rc;
	memset(r, 0, sizeof(*r));
	store_bind_int(st, 1, id);
	if ((rc = store_each(s, st, incident_one, &one, "read incident", err)))
		return rc;
	if (!one.found)
		return sg_error_set(
		    err, SG_ERR_NOT_FOUND,
		    ETR(err, "インシデント %lld はありません", "there is no incident %lld"), id);
	return SG_OK;
}

enum sg_code store_monitor_incident_list(struct store *s, const char *service, double from,
                                         double to, struct incident_row **rows, size_t *n,
                                         struct sg_error *err)
{
	struct store_stmt *st;
	struct incidents r = {NULL, 0, 0, 0};
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT " INCIDENT_COLS " FROM incidents i WHERE "
	    "(CAST(?1 AS TEXT) IS NULL OR i.service = ?1) AND i.detected_at >= ?2 AND "
	    "i.detected_at < ?3 ORDER BY i.detected_at DESC, i.id DESC",
	    &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, from);
	store_bind_real(st, 3, to);
	/* On failure the rows read so far are the caller's to release. */
	rc = store_each(s, st, incident_of, &r, "list incidents", err);
	*rows = r.v;
	*n = r.n;
	return rc;
}

enum sg_code store_monitor_followups_overdue(struct store *s, double now, long long **ids,
                                             size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT i.id FROM incidents i WHERE i.muted = 0 AND i.followup_deadline_s > 0 AND "
	    "i.followup_reminded_at IS NULL AND i.detected_at + i.followup_deadline_s <= ? AND "
	    "NOT EXISTS (SELECT 1 FROM followups f WHERE f.incident_id = i.id) ORDER BY i.id",
	    &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
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
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "INSERT INTO followups(incident_id, sent_at, message) VALUES (?,?,?)", &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_real(st, 2, at);
	store_bind_text(st, 3, message);
	if (!(rc = store_step_done(s, st, "insert follow-up", err)) && id)
		*id = store_last_id(s);
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
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO notifications(incident_id, purpose, audience, channel, recipient, lang, "
	    "subject, body, attachment_path, created_at, deadline_at, next_attempt_at) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	    &st, err);
	if (rc)
		return rc;
	if (r->incident_id)
		store_bind_int(st, 1, r->incident_id);
	else
		store_bind_null(st, 1);
	store_bind_text(st, 2, r->purpose);
	store_bind_text(st, 3, r->audience);
	store_bind_text(st, 4, r->channel);
	store_bind_text(st, 5, r->recipient);
	store_bind_text(st, 6, r->lang);
	store_bind_text(st, 7, r->subject);
	store_bind_text(st, 8, r->body);
	store_bind_text(st, 9, r->attachment);
	store_bind_real(st, 10, r->created_at);
	store_bind_real(st, 11, r->deadline_at > 0 ? r->deadline_at : NAN);
	store_bind_real(st, 12, r->next_attempt_at);
	if (!(rc = store_step_done(s, st, "insert notification", err)) && id)
		*id = store_last_id(s);
	return rc;
}

#define NOTIF_COLS STORE_MONITOR_NOTIF_COLS

struct notifications {
	struct notification_row *v;
	size_t n, alloc;
};

static int notification_of(struct store_stmt *st, void *ctx)
{
	struct notifications *r = ctx;
	struct notification_row *x;

	ALLOC_GROW(r->v, r->n, r->alloc);
	x = &r->v[r->n++];
	x->id = store_col_int(st, 0);
	x->incident_id = store_col_int(st, 1);
	x->purpose = store_col_dup(st, 2);
	x->audience = store_col_dup(st, 3);
	x->channel = store_col_dup(st, 4);
	x->recipient = store_col_dup(st, 5);
	x->lang = store_col_dup(st, 6);
	x->subject = store_col_dup(st, 7);
	x->body = store_col_dup(st, 8);
	x->attachment = store_col_text(st, 9) ? store_col_dup(st, 9) : NULL;
	x->created_at = store_col_real(st, 10);
	x->deadline_at = store_col_real(st, 11);
	x->next_attempt_at = store_col_real(st, 12);
	x->delivered_at = store_col_real(st, 13);
	x->attempts = (int)store_col_int(st, 14);
	x->last_error = store_col_text(st, 15) ? store_col_dup(st, 15) : NULL;
	return 0;
}

enum sg_code store_monitor_notifications_read(struct store *s, struct store_stmt *st,
                                              struct notification_row **rows, size_t *n,
                                              struct sg_error *err)
{
	struct notifications r = {NULL, 0, 0};
	enum sg_code rc = store_each(s, st, notification_of, &r, "read notifications", err);

	*rows = r.v;
	*n = r.n;
	return rc;
}

enum sg_code store_monitor_notifications_of(struct store *s, long long incident_id,
                                            struct notification_row **rows, size_t *n,
                                            struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT " NOTIF_COLS " FROM notifications WHERE ?1 = 0 OR "
	                                "incident_id = ?1 ORDER BY id",
	                                &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	return store_monitor_notifications_read(s, st, rows, n, err);
}

enum sg_code store_monitor_notification_attempted(struct store *s, long long id, double at, int ok,
                                                  const char *error, double next_at,
                                                  struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "UPDATE notifications SET attempts = attempts + 1, last_error = ?2, "
	                  "delivered_at = CASE WHEN ?3 <> 0 THEN ?1 ELSE NULL END, next_attempt_at "
	                  "= ?4 WHERE id = ?5",
	                  &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, at);
	store_bind_text(st, 2, ok ? NULL : error);
	store_bind_int(st, 3, ok);
	store_bind_real(st, 4, ok ? at : next_at);
	store_bind_int(st, 5, id);
	return store_step_done(s, st, "record attempt", err);
}

enum sg_code store_monitor_notification_next(struct store *s, double *at, long long *pending,
                                             struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
	enum sg_code rc = store_prepare(s,
	                                "SELECT COALESCE(MIN(next_attempt_at), 0), COUNT(*) FROM "
	                                "notifications WHERE delivered_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	rc = first(s, st, &f, "next notification", err);
	if (f.found) {
		*at = f.real[0];
		if (pending)
			*pending = f.i64[1];
	}
	return rc;
}

enum sg_code store_monitor_notifications_at_risk(struct store *s, double now, double fraction,
                                                 long long **ids, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT DISTINCT i.id FROM incidents i JOIN notifications n ON n.incident_id = i.id "
	    "WHERE n.purpose = 'incident_open' AND n.audience != 'managers' AND "
	    "n.delivered_at IS NULL AND i.risk_alerted_at IS NULL AND i.notify_deadline_s > 0 AND "
	    "?1 >= i.detected_at + ?2 * i.notify_deadline_s ORDER BY i.id",
	    &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_real(st, 2, fraction);
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
	struct store_stmt *st;
	struct first_row f;
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
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, kind);
	store_bind_real(st, 3, from);
	store_bind_real(st, 4, to);
	store_bind_real(st, 5, now);
	if ((rc = first(s, st, &f, "notification delay", err)))
		return rc;
	if (f.found) {
		*worst = f.real[0];
		*n = f.i64[1];
	}
	return SG_OK;
}

enum sg_code store_monitor_worst_followup_delay(struct store *s, const char *service, double from,
                                                double to, double now, double *worst, long long *n,
                                                struct sg_error *err)
{
	struct store_stmt *st;
	struct first_row f;
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
	    "i.detected_at < ?3 AND i.followup_deadline_s > 0) per_incident) delays "
	    "WHERE d IS NOT NULL OR ?4 <> 0",
	    &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, from);
	store_bind_real(st, 3, to);
	store_bind_int(st, 4, 0);
	store_bind_real(st, 5, now);
	if ((rc = first(s, st, &f, "follow-up delay", err)))
		return rc;
	if (f.found) {
		*worst = f.real[0];
		*n = f.i64[1];
	}
	return SG_OK;
}

struct open_interval {
	long long *id;
	char *state;
	int *confirmed;
};

static int open_interval_of(struct store_stmt *st, void *ctx)
{
	struct open_interval *o = ctx;
	const char *state = store_col_text(st, 1);

	*o->id = store_col_int(st, 0);
	snprintf(o->state, 16, "%s", state ? state : "");
	*o->confirmed = (int)store_col_int(st, 2);
	return 1;
}

enum sg_code store_monitor_open_interval(struct store *s, long long check_id, long long *id,
                                         char state[16], int *confirmed, struct sg_error *err)
{
	struct store_stmt *st;
	struct open_interval o = {id, state, confirmed};
	enum sg_code rc =
	    store_prepare_kept(s,
	                       "SELECT id, state, confirmed FROM state_intervals WHERE "
	                       "check_id = ? AND end_at IS NULL ORDER BY id DESC LIMIT 1",
	                       &st, err);
	int r;

	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	*id = 0;
	state[0] = 0;
	*confirmed = 0;
	if ((r = store_step(st)) == STORE_ROW)
		open_interval_of(st, &o);
	else if (r == STORE_ERROR)
		rc = store_fail(s, err, "open interval");
	store_reset(st);
	return rc;
}

/* A phase time, or SQL NULL for a negative one (not measured). */
static void bind_ms(struct store_stmt *st, int i, double ms)
{
	store_bind_real(st, i, ms >= 0 ? ms : NAN);
}

#define RESULT_COLS 13
#define CHUNK       200 /* rows per statement: 2,400 parameters, below both engines' limits */

/* "(?,?,...),(?,?,...)": rows groups of cols parameters. */
static void values_list(struct dynbuf *b, size_t rows, int cols)
{
	for (size_t r = 0; r < rows; r++) {
		dynbuf_addstr(b, r ? ",(" : "(");
		for (int c = 0; c < cols; c++)
			dynbuf_addstr(b, c ? ",?" : "?");
		dynbuf_addstr(b, ")");
	}
}

/* Prepares the SQL built in b and releases b. */
static enum sg_code prepare_built(struct store *s, struct dynbuf *b, struct store_stmt **st,
                                  struct sg_error *err)
{
	enum sg_code rc = dynbuf_status(b);

	if (rc)
		sg_error_set(err, rc, "%s", ETR(err, "メモリが足りません", "out of memory"));
	else
		rc = store_prepare(s, dynbuf_ptr(b), st, err);
	dynbuf_release(b);
	return rc;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

#define INSERT_RESULTS                                                                             \
	"INSERT INTO check_results(check_id, at, ok, latency_ms, status_code, error, dns_ms, "     \
	"connect_ms, tls_ms, ttfb_ms, location, node_id, gap_s) VALUES "

/* The statements written per chunk of n rows. */
enum chunk_sql { CHUNK_INSERT, CHUNK_OLD_HISTS, CHUNK_OLD_HISTS_LOCKED, CHUNK_FOLD, CHUNK_KINDS };

static void chunk_sql(struct dynbuf *b, enum chunk_sql k, size_t n)
{
	switch (k) {
	case CHUNK_INSERT:
		dynbuf_addstr(b, INSERT_RESULTS);
		values_list(b, n, RESULT_COLS);
		dynbuf_addstr(b, " RETURNING id");
		break;
	case CHUNK_OLD_HISTS:
		/* (check, day) pairs as two lists, which SQLite answers from the key */
		dynbuf_addstr(b,
		              "SELECT check_id, day, lat_hist FROM check_daily WHERE check_id IN ");
		values_list(b, 1, (int)n);
		dynbuf_addstr(b, " AND day IN ");
		values_list(b, 1, (int)n);
		break;
	case CHUNK_OLD_HISTS_LOCKED:
		/* the pairs exactly: a row locked beyond them would break the order */
		dynbuf_addstr(b, "SELECT check_id, day, lat_hist FROM check_daily WHERE (check_id, "
		                 "day) IN (VALUES ");
		values_list(b, n, 2);
		dynbuf_addstr(b, ") ORDER BY check_id, day FOR NO KEY UPDATE");
		break;
	case CHUNK_FOLD:
		dynbuf_addstr(b, "INSERT INTO check_daily(check_id, day, n, n_fail, max_gap_s, "
		                 "lat_hist, last_at) VALUES ");
		values_list(b, n, 7);
		dynbuf_addstr(b, " ON CONFLICT(check_id, day) DO UPDATE SET "
		                 "n = check_daily.n + excluded.n, "
		                 "n_fail = check_daily.n_fail + excluded.n_fail, "
		                 "max_gap_s = CASE WHEN check_daily.max_gap_s > excluded.max_gap_s "
		                 "THEN check_daily.max_gap_s ELSE excluded.max_gap_s END, "
		                 "lat_hist = excluded.lat_hist, "
		                 "last_at = CASE WHEN check_daily.last_at > excluded.last_at "
		                 "THEN check_daily.last_at ELSE excluded.last_at END");
		break;
	case CHUNK_KINDS:
		break;
	}
}

static char *full_chunk[CHUNK_KINDS]; /* built once, kept for the process */

static void build_full_chunks(void)
{
	for (int k = 0; k < CHUNK_KINDS; k++) {
		struct dynbuf b = DYNBUF_INIT;

		chunk_sql(&b, (enum chunk_sql)k, CHUNK);
		full_chunk[k] = dynbuf_status(&b) ? NULL : dynbuf_detach(&b, NULL);
		dynbuf_release(&b);
	}
}

/*
 * The statement k for n rows. A full chunk's is kept prepared
 * (store_prepare_kept(); *kept = 1: reset it, never finalize it): parsing
 * 200 rows' SQL anew cost more than running it (the insert), and a fold of
 * 100,000 checks' rollups parsed two such statements per 200 rows (17 % of
 * the writer thread's CPU). Others are prepared for the call (*kept = 0).
 */
static enum sg_code prepare_chunk(struct store *s, enum chunk_sql k, size_t n,
                                  struct store_stmt **st, int *kept, struct sg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct dynbuf b = DYNBUF_INIT;

	if (n == CHUNK) {
		pthread_once(&once, build_full_chunks);
		if (full_chunk[k]) {
			*kept = 1;
			return store_prepare_kept(s, full_chunk[k], st, err);
		}
	}
	*kept = 0;
	chunk_sql(&b, k, n);
	return prepare_built(s, &b, st, err);
}

/* Inserts r[0..n) (n <= CHUNK) in one statement; ids[i] is r[i]'s id. Ids
 * are handed out in VALUES order by both engines; RETURNING's own order is
 * not promised, so the ids are sorted before they are paired. */
static enum sg_code insert_chunk(struct store *s, const struct store_monitor_result *r, size_t n,
                                 long long *ids, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc;
	size_t got = 0;
	int step, kept;

	if ((rc = prepare_chunk(s, CHUNK_INSERT, n, &st, &kept, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		int p = (int)i * RESULT_COLS;
		store_bind_int(st, p + 1, r[i].check_id);
		store_bind_real(st, p + 2, r[i].at);
		store_bind_int(st, p + 3, r[i].ok);
		bind_ms(st, p + 4, r[i].latency_ms);
		if (r[i].status_code > 0)
			store_bind_int(st, p + 5, r[i].status_code);
		else
			store_bind_null(st, p + 5);
		store_bind_text(st, p + 6, r[i].error);
		bind_ms(st, p + 7, r[i].dns_ms);
		bind_ms(st, p + 8, r[i].connect_ms);
		bind_ms(st, p + 9, r[i].tls_ms);
		bind_ms(st, p + 10, r[i].ttfb_ms);
		store_bind_text(st, p + 11, r[i].location); /* store_cluster's columns */
		if (r[i].node_id > 0)
			store_bind_int(st, p + 12, r[i].node_id);
		else
			store_bind_null(st, p + 12);
		store_bind_real(st, p + 13, r[i].gap_s);
	}
	while ((step = store_step(st)) == STORE_ROW)
		if (got < n)
			ids[got++] = store_col_int(st, 0);
	if (step == STORE_ERROR)
		rc = store_fail(s, err, "insert results");
	if (kept)
		store_reset(st);
	else
		store_finalize(st);
	if (!rc && got != n)
		rc = sg_error_set(err, SG_ERR_DB, "%s: insert results: %zu ids for %zu rows",
		                  s->path, got,
		                  n); /* msg: not translated (an engine broke its promise) */
	if (!rc)
		qsort(ids, n, sizeof(*ids), cmp_ll);
	return rc;
}

static int cmp_rollup(const void *a, const void *b)
{
	return rollup_cmp(a, b);
}

struct old_hists {
	const struct rollup *v; /* the chunk the query asked for, sorted */
	size_t n;
	unsigned long long (*hist)[HISTOGRAM_BUCKETS]; /* v's stored histograms */
	size_t found;                                  /* rows of the chunk read */
};

static int add_old_hist(struct store_stmt *st, void *ctx)
{
	struct old_hists *o = ctx;
	struct rollup key;
	const struct rollup *x;
	const char *day = store_col_text(st, 1);
	size_t n;
	const void *b;

	key.check_id = store_col_int(st, 0);
	snprintf(key.day, sizeof(key.day), "%s", day ? day : "");
	/* The query lists the chunk's checks and days: a pair it also returns
	 * that is not in the chunk is another chunk's to add. */
	x = bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_rollup);
	if (x) {
		o->found++;
		b = store_col_blob(st, 2, &n);
		histogram_decode_add(o->hist[x - o->v], b, n);
	}
	return 0;
}

/*
 * The stored histograms of v's (check, day) pairs into hist.
 *
 * In a shared transaction (store_begin_shared(): no store-wide writer lock)
 * two monitors may fold into one check's day at once: the five locations
 * of a check write its one row. The rollup is read, added to here and
 * written back (the histogram is summed in C), so the read locks the rows
 * (FOR NO KEY UPDATE): the second writer waits for the first's commit and
 * then reads its sum. The rows are locked in (check, day) order, in every
 * chunk and across the chunks of a fold (v is sorted), so two writers whose
 * folds share rollups queue behind each other and never deadlock: neither
 * can hold a row the other locked first while it waits for a smaller one.
 * Rows that do not exist cannot be locked: the writer made them beforehand
 * (store_monitor_daily_ensure()), and a missing one is an error here
 * rather than a lost count.
 */
static enum sg_code read_old_hists(struct store *s, const struct rollup *v, size_t n,
                                   unsigned long long (*hist)[HISTOGRAM_BUCKETS],
                                   struct sg_error *err)
{
	struct old_hists o = {v, n, hist, 0};
	struct store_stmt *st;
	int lock = store_tx_shared(s), kept;
	enum sg_code rc;

	rc = prepare_chunk(s, lock ? CHUNK_OLD_HISTS_LOCKED : CHUNK_OLD_HISTS, n, &st, &kept, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		store_bind_int(st, lock ? 2 * (int)i + 1 : (int)i + 1, v[i].check_id);
		store_bind_text(st, lock ? 2 * (int)i + 2 : (int)(n + i) + 1, v[i].day);
	}
	rc = kept ? store_each_kept(s, st, add_old_hist, &o, "read daily rollups", err)
	          : store_each(s, st, add_old_hist, &o, "read daily rollups", err);
	if (!rc && lock && o.found != n)
		rc = sg_error_set(err, SG_ERR_INTERNAL,
		                  "%s: %zu of %zu daily rollups missing in a shared transaction "
		                  "(store_monitor_daily_ensure() first)",
		                  s->path, n - o.found,
		                  n); /* msg: not translated (a caller broke the contract) */
	return rc;
}

/* Folds v[0..n) (n <= CHUNK, sorted, each (check, day) once) in one upsert. */
static enum sg_code fold_chunk(struct store *s, const struct rollup *v, size_t n,
                               struct sg_error *err)
{
	unsigned long long(*hist)[HISTOGRAM_BUCKETS] = xcalloc(n, sizeof(*hist));
	struct store_stmt *st;
	enum sg_code rc;
	int kept;

	if ((rc = read_old_hists(s, v, n, hist, err)) ||
	    (rc = prepare_chunk(s, CHUNK_FOLD, n, &st, &kept, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		unsigned char blob[HISTOGRAM_BLOB];
		int p = (int)i * 7;
		for (int k = 0; k < HISTOGRAM_BUCKETS; k++)
			hist[i][k] += v[i].hist[k];
		histogram_encode(hist[i], blob);
		store_bind_int(st, p + 1, v[i].check_id);
		store_bind_text(st, p + 2, v[i].day);
		store_bind_int(st, p + 3, v[i].n);
		store_bind_int(st, p + 4, v[i].n_fail);
		store_bind_real(st, p + 5, v[i].max_gap);
		store_bind_blob(st, p + 6, blob, sizeof(blob));
		store_bind_real(st, p + 7, v[i].last_at);
	}
	rc = kept ? store_step_kept(s, st, "update daily rollups", err)
	          : store_step_done(s, st, "update daily rollups", err);
out:
	free(hist);
	return rc;
}

enum sg_code store_monitor_write_results(struct store *s, const struct store_monitor_result *r,
                                         size_t n, long long *ids, struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	for (size_t i = 0; i < n && !rc; i += CHUNK)
		rc = insert_chunk(s, r + i, n - i < CHUNK ? n - i : CHUNK, ids + i, err);
	return rc;
}

enum sg_code store_monitor_writer_setup(struct store *s, struct sg_error *err)
{
	if (store_kind(s) != STORE_SQLITE)
		return SG_OK;
	return store_exec(s, "PRAGMA temp_store = MEMORY", err);
}

enum sg_code store_monitor_fold(struct store *s, const struct rollup *v, size_t n,
                                struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	for (size_t i = 0; i < n && !rc; i += CHUNK)
		rc = fold_chunk(s, v + i, n - i < CHUNK ? n - i : CHUNK, err);
	return rc;
}

enum sg_code store_monitor_daily_ensure(struct store *s, const struct rollup *v, size_t n,
                                        struct sg_error *err)
{
	enum sg_code rc = SG_OK;

	if (store_kind(s) != STORE_POSTGRES)
		return SG_OK;
	/* In order, as read_old_hists() locks: an insert waits for another
	 * writer's uncommitted insert of the same row, so the same order keeps
	 * two of these from waiting for each other. */
	for (size_t i = 0; i < n && !rc; i += CHUNK) {
		size_t k = n - i < CHUNK ? n - i : CHUNK;
		struct dynbuf b = DYNBUF_INIT;
		struct store_stmt *st;
		dynbuf_addstr(&b, "INSERT INTO check_daily(check_id, day) VALUES ");
		values_list(&b, k, 2);
		dynbuf_addstr(&b, " ON CONFLICT(check_id, day) DO NOTHING");
		if ((rc = prepare_built(s, &b, &st, err)))
			break;
		for (size_t j = 0; j < k; j++) {
			store_bind_int(st, 2 * (int)j + 1, v[i + j].check_id);
			store_bind_text(st, 2 * (int)j + 2, v[i + j].day);
		}
		rc = store_step_done(s, st, "create daily rollups", err);
	}
	return rc;
}

struct node_results {
	int (*row)(const struct store_monitor_stored *, void *);
	void *ctx;
};

static int node_result(struct store_stmt *st, void *ctx)
{
	struct node_results *c = ctx;
	struct store_monitor_stored r;

	r.id = store_col_int(st, 0);
	r.check_id = store_col_int(st, 1);
	r.at = store_col_real(st, 2);
	r.ok = (int)store_col_int(st, 3);
	r.latency_ms = store_col_is_null(st, 4) ? -1 : store_col_real(st, 4);
	r.gap_s = store_col_is_null(st, 5) ? 0 : store_col_real(st, 5);
	return c->row(&r, c->ctx);
}

enum sg_code store_monitor_node_results(struct store *s, long long node_id, long long after_id,
                                        int (*row)(const struct store_monitor_stored *, void *),
                                        void *ctx, struct sg_error *err)
{
	struct node_results c = {row, ctx};
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, check_id, at, ok, latency_ms, gap_s FROM "
	                                "check_results WHERE node_id = ? AND id > ? ORDER BY id",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, node_id);
	store_bind_int(st, 2, after_id);
	return store_each(s, st, node_result, &c, "read a node's results", err);
}

#define DAY_S 86400.0

enum sg_code store_monitor_partitions(struct store *s, double from, double to, double *until,
                                      struct sg_error *err)
{
	long long d0 = (long long)floor(from / DAY_S), d1 = (long long)floor(to / DAY_S) + 1;
	enum sg_code rc = SG_OK;

	if (store_kind(s) != STORE_POSTGRES) {
		*until = INFINITY;
		return SG_OK;
	}
	if (*until > 0 && d0 < (long long)(*until / DAY_S))
		d0 = (long long)(*until / DAY_S); /* the days before exist */
	for (long long d = d0; d <= d1 && !rc; d++) {
		time_t t = (time_t)(d * 86400);
		struct tm tm;
		char name[16], sql[200];
		gmtime_r(&t, &tm);
		strftime(name, sizeof(name), "%Y%m%d", &tm);
		/* Only digits reach the SQL: no quoting to get wrong. */
		snprintf(sql, sizeof(sql),
		         "CREATE TABLE IF NOT EXISTS check_results_%s PARTITION OF check_results "
		         "FOR VALUES FROM (%lld) TO (%lld)",
		         name, d * 86400, (d + 1) * 86400);
		rc = store_exec(s, sql, err);
	}
	if (!rc)
		*until = (double)(d1 + 1) * DAY_S;
	return rc;
}

struct old_parts {
	double before;
	char (*names)[64];
	size_t n, alloc;
};

static int old_part(struct store_stmt *st, void *ctx)
{
	struct old_parts *o = ctx;
	const char *name = store_col_text(st, 0);
	struct tm tm = {0};
	const char *end;

	/* check_results_YYYYMMDD, and nothing else */
	if (!name || strlen(name) != 22 || strncmp(name, "check_results_", 14))
		return 0;
	end = strptime(name + 14, "%Y%m%d", &tm);
	if (!end || *end || (double)timegm(&tm) + DAY_S > o->before)
		return 0;
	ALLOC_GROW(o->names, o->n + 1, o->alloc);
	snprintf(o->names[o->n++], 64, "%s", name);
	return 0;
}

/* Drops the day partitions wholly before `before`; *dropped counts their
 * rows. */
static enum sg_code drop_old_partitions(struct store *s, double before, long long *dropped,
                                        struct sg_error *err)
{
	struct old_parts o = {before, NULL, 0, 0};
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON "
	                                "c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
	                                "WHERE p.relname = 'check_results' AND "
	                                "p.relnamespace = current_schema()::regnamespace",
	                                &st, err);

	if (!rc)
		rc = store_each(s, st, old_part, &o, "list result partitions", err);
	for (size_t i = 0; i < o.n && !rc; i++) {
		char sql[120];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", o.names[i]);
		if (!(rc = store_prepare(s, sql, &st, err))) {
			if (store_step(st) == STORE_ROW)
				*dropped += store_col_int(st, 0);
			store_finalize(st);
			snprintf(sql, sizeof(sql), "DROP TABLE %s", o.names[i]);
			rc = store_exec(s, sql, err);
		}
	}
	free(o.names);
	return rc;
}

enum sg_code store_monitor_results_expire(struct store *s, double ok_before, double fail_before,
                                          int limit, long long *deleted, struct sg_error *err)
{
	struct store_stmt *st;
	long long dropped = 0;
	enum sg_code rc;

	*deleted = 0;
	if (store_kind(s) == STORE_POSTGRES &&
	    (rc = drop_old_partitions(s, ok_before < fail_before ? ok_before : fail_before,
	                              &dropped, err)))
		return rc;
	rc = store_prepare(s,
	                   "DELETE FROM check_results WHERE id IN (SELECT id FROM check_results "
	                   "WHERE (ok = 1 AND at < ?1) OR (ok = 0 AND at < ?2) LIMIT ?3)",
	                   &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, ok_before);
	store_bind_real(st, 2, fail_before);
	store_bind_int(st, 3, limit);
	/* store_changes() counts the last statement completed on the
	 * connection, which finalizing does not change. */
	if (!(rc = store_step_done(s, st, "expire results", err)))
		*deleted = store_changes(s) + dropped;
	return rc;
}

struct daily_sum {
	unsigned long long *hist;
	long long *n, *n_fail;
	double *max_gap;
};

static int daily_add(struct store_stmt *st, void *ctx)
{
	struct daily_sum *d = ctx;
	double gap = store_col_real(st, 2);

	*d->n += store_col_int(st, 0);
	*d->n_fail += store_col_int(st, 1);
	if (gap > *d->max_gap)
		*d->max_gap = gap;
	size_t n;
	const void *b = store_col_blob(st, 3, &n);

	histogram_decode_add(d->hist, b, n);
	return 0;
}

enum sg_code store_monitor_daily_sum(struct store *s, long long check_id, const char *from_day,
                                     const char *to_day, unsigned long long hist[HISTOGRAM_BUCKETS],
                                     long long *n, long long *n_fail, double *max_gap,
                                     struct sg_error *err)
{
	struct store_stmt *st;
	struct daily_sum d = {hist, n, n_fail, max_gap};
	enum sg_code rc = store_prepare(s,
	                                "SELECT n, n_fail, max_gap_s, lat_hist FROM check_daily "
	                                "WHERE check_id = ? AND day BETWEEN ? AND ?",
	                                &st, err);

	if (rc)
		return rc;
	memset(hist, 0, sizeof(unsigned long long) * HISTOGRAM_BUCKETS);
	*n = *n_fail = 0;
	*max_gap = 0;
	store_bind_int(st, 1, check_id);
	store_bind_text(st, 2, from_day);
	store_bind_text(st, 3, to_day);
	return store_each(s, st, daily_add, &d, "read daily rollups", err);
}

/* ---- components: the checks an incident involves ---- */

/* A schema of its own (additive to store_monitor_schema's versions): which
 * checks an incident involves. role 'member': the check's failure is part
 * of the incident (the first one opened it, later ones of the same
 * component joined it); 'suppressed': the check failed while a check it
 * depends on was down, and was recorded here instead of opening an
 * incident of its own. */
static const struct store_migration component_migrations[] = {
    {1, "CREATE TABLE incident_checks("
        " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " check_name TEXT NOT NULL,"
        " component TEXT NOT NULL,"
        " role TEXT NOT NULL CHECK (role IN ('member','suppressed')),"
        " joined_at REAL NOT NULL,"
        " recovered_at REAL,"
        " detail TEXT);"
        "CREATE INDEX incident_checks_by_incident ON incident_checks(incident_id);"},
};

const struct store_schema store_monitor_components_schema = {
    "monitor_components",
    component_migrations,
    (int)(sizeof(component_migrations) / sizeof(component_migrations[0])),
};

enum sg_code store_monitor_incident_check_add(struct store *s, long long incident_id,
                                              long long check_id, const char *check_name,
                                              const char *component, const char *role, double at,
                                              const char *detail, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO incident_checks(incident_id, check_id, check_name, component, "
	    "role, joined_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_int(st, 2, check_id);
	store_bind_text(st, 3, check_name);
	store_bind_text(st, 4, component);
	store_bind_text(st, 5, role);
	store_bind_real(st, 6, at);
	store_bind_text(st, 7, detail);
	return store_step_done(s, st, "insert incident check", err);
}

enum sg_code store_monitor_incident_check_recovered(struct store *s, long long incident_id,
                                                    long long check_id, double at,
                                                    struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "UPDATE incident_checks SET recovered_at = ? WHERE incident_id = ? AND "
	                  "check_id = ? AND recovered_at IS NULL",
	                  &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, at);
	store_bind_int(st, 2, incident_id);
	store_bind_int(st, 3, check_id);
	return store_step_done(s, st, "update incident check", err);
}

enum sg_code store_monitor_incident_reopen(struct store *s, long long id, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "UPDATE incidents SET resolved_at = NULL WHERE id = ?", &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	return store_step_done(s, st, "reopen incident", err);
}

void store_monitor_incident_check_row_release(struct incident_check_row *r)
{
	free(r->check_name);
	free(r->component);
	free(r->role);
	free(r->detail);
}

enum sg_code store_monitor_incident_checks_of(struct store *s, long long incident_id,
                                              struct incident_check_row **rows, size_t *n,
                                              struct sg_error *err)
{
	struct store_stmt *st;
	size_t alloc = 0;
	int r;
	enum sg_code rc;

	*rows = NULL;
	*n = 0;
	/* A store a read-only command opens may predate the table (read-only
	 * opens do not migrate): no rows then. */
	if (store_schema_version(s, "monitor_components") < 1)
		return SG_OK;
	rc = store_prepare(
	    s,
	    "SELECT incident_id, check_id, check_name, component, role, joined_at, "
	    "COALESCE(recovered_at, 0), COALESCE(detail, '') FROM incident_checks "
	    "WHERE ? = 0 OR incident_id = ? ORDER BY incident_id, joined_at, check_id",
	    &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_int(st, 2, incident_id);
	while ((r = store_step(st)) == STORE_ROW) {
		struct incident_check_row *x;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			*rows = xreallocarray(*rows, alloc, sizeof(**rows));
		}
		x = &(*rows)[(*n)++];
		x->incident_id = store_col_int(st, 0);
		x->check_id = store_col_int(st, 1);
		x->check_name = store_col_dup(st, 2);
		x->component = store_col_dup(st, 3);
		x->role = store_col_dup(st, 4);
		x->joined_at = store_col_real(st, 5);
		x->recovered_at = store_col_real(st, 6);
		x->detail = store_col_dup(st, 7);
	}
	if (r != STORE_DONE)
		rc = store_fail(s, err, "read incident checks");
	store_finalize(st);
	return rc;
}

enum sg_code store_monitor_incident_joined_by(struct store *s, long long check_id, long long *id,
                                              struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare_kept(
	    s,
	    "SELECT c.incident_id FROM incident_checks c JOIN incidents i ON i.id = c.incident_id "
	    "WHERE c.check_id = ? AND c.role = 'member' AND c.recovered_at IS NULL AND "
	    "i.resolved_at IS NULL ORDER BY c.incident_id DESC LIMIT 1",
	    &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	*id = store_step(st) == STORE_ROW ? store_col_int(st, 0) : 0;
	store_reset(st);
	return SG_OK;
}
