/*
 * store_cluster - nodes, the coordinator's lease, per-location states and
 * location alerts; see store_cluster.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "store_cluster.h"
#include "store_rows.h"
#include "store_schemas.h"
#include "xalloc.h"
#include "banned.h"

/* Shared by both engines; only the store identity's random text differs. */
#define CLUSTER_V1_TABLES                                                                          \
	"CREATE TABLE cluster_nodes("                                                              \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" host TEXT NOT NULL,"                                                                     \
	" pid INTEGER NOT NULL,"                                                                   \
	" location TEXT NOT NULL,"                                                                 \
	" role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('coordinator','member')),"           \
	" shard TEXT,"                                                                             \
	" started_at REAL NOT NULL,"                                                               \
	" heartbeat_at REAL NOT NULL,"                                                             \
	" stopped_at REAL);"                                                                       \
	"CREATE INDEX cluster_nodes_live ON cluster_nodes(heartbeat_at);" /* one row: who          \
	                                                                     coordinates, until    \
	                                                                     when */               \
	"CREATE TABLE cluster_lease("                                                              \
	" id INTEGER PRIMARY KEY CHECK (id = 1),"                                                  \
	" holder INTEGER,"                                                                         \
	" expires_at REAL NOT NULL,"                                                               \
	" term INTEGER NOT NULL);"                                                                 \
	"INSERT INTO cluster_lease(id, holder, expires_at, term) VALUES (1, NULL, 0, 0);"          \
	"CREATE TABLE cluster_check_states("                                                       \
	" check_id INTEGER NOT NULL,"                                                              \
	" location TEXT NOT NULL,"                                                                 \
	" state TEXT NOT NULL CHECK (state IN ('up','failing','down','degraded')),"                \
	" since REAL NOT NULL,"                                                                    \
	" updated_at REAL NOT NULL,"                                                               \
	" node_id INTEGER,"                                                                        \
	" detail TEXT,"                                                                            \
	" PRIMARY KEY (check_id, location));"                                                      \
	"CREATE TABLE cluster_incident_locations("                                                 \
	" incident_id INTEGER NOT NULL,"                                                           \
	" location TEXT NOT NULL,"                                                                 \
	" state TEXT NOT NULL,"                                                                    \
	" since REAL NOT NULL,"                                                                    \
	" PRIMARY KEY (incident_id, location));"                                                   \
	"CREATE TABLE cluster_location_alerts("                                                    \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" check_id INTEGER NOT NULL,"                                                              \
	" location TEXT NOT NULL,"                                                                 \
	" kind TEXT NOT NULL,"                                                                     \
	" since REAL NOT NULL,"                                                                    \
	" alerted_at REAL NOT NULL,"                                                               \
	" resolved_at REAL,"                                                                       \
	" detail TEXT);"                                                                           \
	"CREATE INDEX cluster_location_alerts_open ON cluster_location_alerts(check_id, "          \
	"location, resolved_at);" /* the store's identity, in each message's idempotency key */    \
	"CREATE TABLE cluster_store(id INTEGER PRIMARY KEY CHECK (id = 1), uid TEXT NOT NULL);"

#define CLUSTER_V1_COLUMNS                                                                         \
	/* added columns only: who probed; who claimed a message until when */                     \
	"ALTER TABLE check_results ADD COLUMN location TEXT;"                                      \
	"ALTER TABLE check_results ADD COLUMN node_id INTEGER;"                                    \
	"ALTER TABLE notifications ADD COLUMN claimed_by INTEGER;"                                 \
	"ALTER TABLE notifications ADD COLUMN claimed_until REAL;"

#define CLUSTER_V2                                                                                 \
	"CREATE INDEX cluster_check_states_failing ON cluster_check_states(check_id, location) "   \
	"WHERE state <> 'up';"

static const struct store_migration cluster_migrations[] = {
    {1,
     CLUSTER_V1_TABLES "INSERT INTO cluster_store(id, uid) VALUES (1, "
                       "lower(hex(randomblob(16))));" CLUSTER_V1_COLUMNS,
     CLUSTER_V1_TABLES "INSERT INTO cluster_store(id, uid) VALUES (1, "
                       "md5(random()::text || clock_timestamp()::text));" CLUSTER_V1_COLUMNS},
    /* v2: the agreement pass reads the states that are not up every second;
     * without an index of them it walked every check's row (100,000 rows a
     * second at 100,000 checks). */
    /* ... and each node's results are folded into the daily rollups by the
     * node itself every few seconds: up to which result id (folded_upto),
     * and whether all of them are (rollups_done: set by its last fold, or
     * by the monitor that folded them after it stopped without). The nodes
     * before are done: their writer folded each batch as it wrote it. */
    {2,
     CLUSTER_V2 "ALTER TABLE cluster_nodes ADD COLUMN folded_upto INTEGER NOT NULL DEFAULT 0;"
                "ALTER TABLE cluster_nodes ADD COLUMN rollups_done INTEGER NOT NULL DEFAULT 0;"
                "UPDATE cluster_nodes SET rollups_done = 1;",
     CLUSTER_V2 "ALTER TABLE cluster_nodes ADD COLUMN folded_upto BIGINT NOT NULL DEFAULT 0;"
                "ALTER TABLE cluster_nodes ADD COLUMN rollups_done INTEGER NOT NULL DEFAULT 0;"
                "UPDATE cluster_nodes SET rollups_done = 1;"},
};

const struct store_schema store_cluster_schema = {
    "cluster", cluster_migrations, sizeof(cluster_migrations) / sizeof(cluster_migrations[0])};

void store_cluster_node_row_release(struct cluster_node_row *r)
{
	free(r->host);
	free(r->location);
	free(r->role);
	free(r->shard);
	memset(r, 0, sizeof(*r));
}

void store_cluster_state_row_release(struct cluster_state_row *r)
{
	free(r->location);
	free(r->state);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

void store_cluster_alert_row_release(struct cluster_alert_row *r)
{
	free(r->check_name);
	free(r->location);
	free(r->kind);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

static int first_int(struct store_stmt *st, void *ctx)
{
	*(long long *)ctx = store_col_int(st, 0);
	return 1;
}

enum sg_code store_cluster_node_register(struct store *s, const char *host, long long pid,
                                         const char *location, double now, long long *id,
                                         struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO cluster_nodes(host, pid, location, role, "
	                                "started_at, heartbeat_at, folded_upto) VALUES (?1, ?2, "
	                                "?3, 'member', ?4, ?4, (SELECT COALESCE(MAX(id), 0) FROM "
	                                "check_results)) RETURNING id",
	                                &st, err);
	*id = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, host);
	store_bind_int(st, 2, pid);
	store_bind_text(st, 3, location);
	store_bind_real(st, 4, now);
	return store_each(s, st, first_int, id, "register monitor node", err);
}

enum sg_code store_cluster_node_beat(struct store *s, long long id, double now, int coordinator,
                                     const char *shard, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE cluster_nodes SET heartbeat_at = ?1, role = ?2, "
	                                "shard = ?3 WHERE id = ?4",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_text(st, 2, coordinator ? "coordinator" : "member");
	store_bind_text(st, 3, shard);
	store_bind_int(st, 4, id);
	return store_step_done(s, st, "monitor node heartbeat", err);
}

enum sg_code store_cluster_node_stop(struct store *s, long long id, double now,
                                     struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE cluster_nodes SET stopped_at = ?1, heartbeat_at = "
	                                "?1, role = 'member' WHERE id = ?2",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_int(st, 2, id);
	if ((rc = store_step_done(s, st, "monitor node stop", err)))
		return rc;
	/* The lease goes with the node: the next monitor need not wait for it
	 * to expire. */
	if ((rc = store_prepare(s, "UPDATE cluster_lease SET expires_at = 0 WHERE holder = ?1", &st,
	                        err)))
		return rc;
	store_bind_int(st, 1, id);
	if ((rc = store_step_done(s, st, "release the coordinator lease", err)))
		return rc;
	/* and so do its claims on outbox messages it did not get out */
	if ((rc = store_prepare(s,
	                        "UPDATE notifications SET claimed_by = NULL, claimed_until = NULL "
	                        "WHERE claimed_by = ?1 AND delivered_at IS NULL",
	                        &st, err)))
		return rc;
	store_bind_int(st, 1, id);
	return store_step_done(s, st, "release outbox claims", err);
}

static void node_fill(struct store_stmt *st, void *row)
{
	struct cluster_node_row *o = row;

	o->id = store_col_int(st, 0);
	o->host = store_col_dup(st, 1);
	o->pid = store_col_int(st, 2);
	o->location = store_col_dup(st, 3);
	o->role = store_col_dup(st, 4);
	o->shard = store_col_is_null(st, 5) ? NULL : store_col_dup(st, 5);
	o->started_at = store_col_real(st, 6);
	o->heartbeat_at = store_col_real(st, 7);
	o->stopped_at = store_col_real(st, 8);
}

enum sg_code store_cluster_nodes(struct store *s, struct cluster_node_row **rows, size_t *n,
                                 struct sg_error *err)
{
	struct store_stmt *st;
	void *v;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, host, pid, location, role, shard, started_at, "
	                                "heartbeat_at, stopped_at FROM cluster_nodes ORDER BY "
	                                "id DESC",
	                                &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	rc = store_rows_read(s, st, sizeof(**rows), node_fill, &v, n, "read monitor nodes", err);
	*rows = v;
	return rc;
}

struct live_rows {
	long long *ids;
	char **locs;
	size_t n, a1, a2;
};

static int live_row(struct store_stmt *st, void *ctx)
{
	struct live_rows *r = ctx;

	ALLOC_GROW(r->ids, r->n + 1, r->a1);
	ALLOC_GROW(r->locs, r->n + 1, r->a2);
	r->ids[r->n] = store_col_int(st, 0);
	r->locs[r->n] = store_col_dup(st, 1);
	r->n++;
	return 0;
}

enum sg_code store_cluster_live(struct store *s, double since, long long **ids, char ***locations,
                                size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	struct live_rows r = {NULL, NULL, 0, 0, 0};
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, location FROM cluster_nodes WHERE stopped_at "
	                                "IS NULL AND heartbeat_at >= ?1 ORDER BY id",
	                                &st, err);
	*ids = NULL;
	*locations = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_real(st, 1, since);
	rc = store_each(s, st, live_row, &r, "read live monitor nodes", err);
	*ids = r.ids;
	*locations = r.locs;
	*n = r.n;
	return rc;
}

enum sg_code store_cluster_lease(struct store *s, long long node, double now, double ttl, int force,
                                 int *held, struct sg_error *err)
{
	struct store_stmt *st;
	long long got = 0;
	/* One statement decides: it matches only while node holds the lease or
	 * the lease has expired, so of two monitors racing for it exactly one
	 * changes the row (the other then sees it held and unexpired). */
	enum sg_code rc = store_prepare(
	    s,
	    "UPDATE cluster_lease SET term = CASE WHEN holder = ?1 THEN term ELSE term + 1 END, "
	    "holder = ?1, expires_at = ?3 WHERE id = 1 AND (?4 = 1 OR holder = ?1 OR holder IS "
	    "NULL OR expires_at < ?2) RETURNING holder",
	    &st, err);
	*held = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, node);
	store_bind_real(st, 2, now);
	store_bind_real(st, 3, now + ttl);
	store_bind_int(st, 4, force ? 1 : 0);
	if ((rc = store_each(s, st, first_int, &got, "take the coordinator lease", err)))
		return rc;
	*held = got == node;
	return SG_OK;
}

enum sg_code store_cluster_lease_held(struct store *s, long long node, double now, int *held,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	long long got = 0;
	enum sg_code rc = store_prepare(s,
	                                "SELECT holder FROM cluster_lease WHERE id = 1 AND "
	                                "holder = ?1 AND expires_at >= ?2",
	                                &st, err);
	*held = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, node);
	store_bind_real(st, 2, now);
	if ((rc = store_each(s, st, first_int, &got, "read the coordinator lease", err)))
		return rc;
	*held = got == node;
	return SG_OK;
}

enum sg_code store_cluster_state_publish(struct store *s, long long check_id, const char *location,
                                         const char *state, double since, double now,
                                         long long node, const char *detail, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO cluster_check_states(check_id, location, state, since, updated_at, "
	    "node_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (check_id, location) "
	    "DO UPDATE SET state = excluded.state, since = excluded.since, updated_at = "
	    "excluded.updated_at, node_id = excluded.node_id, detail = excluded.detail",
	    &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	store_bind_text(st, 2, location);
	store_bind_text(st, 3, state);
	store_bind_real(st, 4, since);
	store_bind_real(st, 5, now);
	store_bind_int(st, 6, node);
	store_bind_text(st, 7, detail);
	return store_step_done(s, st, "publish a location's check state", err);
}

static void state_fill(struct store_stmt *st, void *row)
{
	struct cluster_state_row *o = row;

	o->check_id = store_col_int(st, 0);
	o->location = store_col_dup(st, 1);
	o->state = store_col_dup(st, 2);
	o->since = store_col_real(st, 3);
	o->detail = store_col_is_null(st, 4) ? NULL : store_col_dup(st, 4);
}

enum sg_code store_cluster_states(struct store *s, double live_since, int all,
                                  struct cluster_state_row **rows, size_t *n, struct sg_error *err)
{
	/* Two statements, not one with "?2 = 1 OR": a planner cannot use the
	 * partial index of the failing states for a condition it only knows
	 * when it runs. */
#define STATES_SQL(cond)                                                                           \
	"SELECT s.check_id, s.location, s.state, s.since, s.detail FROM cluster_check_states s "   \
	"WHERE " cond "EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.location = s.location AND "   \
	"n.stopped_at IS NULL AND n.heartbeat_at >= ?1) ORDER BY s.check_id, s.location"
	struct store_stmt *st;
	void *v;
	enum sg_code rc =
	    store_prepare(s, all ? STATES_SQL("") : STATES_SQL("s.state <> 'up' AND "), &st, err);
#undef STATES_SQL
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_real(st, 1, live_since);
	rc = store_rows_read(s, st, sizeof(**rows), state_fill, &v, n,
	                     "read the locations' check states", err);
	*rows = v;
	return rc;
}

enum sg_code store_cluster_incident_location(struct store *s, long long incident_id,
                                             const char *location, const char *state, double since,
                                             struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO cluster_incident_locations(incident_id, "
	                                "location, state, since) VALUES (?1, ?2, ?3, ?4) ON "
	                                "CONFLICT DO NOTHING",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_text(st, 2, location);
	store_bind_text(st, 3, state);
	store_bind_real(st, 4, since);
	return store_step_done(s, st, "record an incident's location", err);
}

static int loc_row(struct store_stmt *st, void *ctx)
{
	struct dynbuf *b = ctx;
	const char *t = store_col_text(st, 0);

	if (dynbuf_len(b))
		dynbuf_addch(b, ',');
	dynbuf_addstr(b, t ? t : "");
	return 0;
}

enum sg_code store_cluster_incident_locations(struct store *s, long long incident_id, char **out,
                                              struct sg_error *err)
{
	struct store_stmt *st;
	struct dynbuf b = DYNBUF_INIT;
	enum sg_code rc = store_prepare(s,
	                                "SELECT location FROM cluster_incident_locations WHERE "
	                                "incident_id = ?1 ORDER BY location",
	                                &st, err);
	*out = NULL;
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	if ((rc = store_each(s, st, loc_row, &b, "read an incident's locations", err)) ||
	    !dynbuf_len(&b)) {
		dynbuf_release(&b);
		return rc;
	}
	*out = dynbuf_detach(&b, NULL);
	return SG_OK;
}

enum sg_code store_cluster_alert_open(struct store *s, long long check_id, const char *location,
                                      const char *kind, double since, double now,
                                      const char *detail, int *opened, struct sg_error *err)
{
	struct store_stmt *st;
	long long id = 0;
	enum sg_code rc = store_prepare(
	    s,
	    "INSERT INTO cluster_location_alerts(check_id, location, kind, since, alerted_at, "
	    "detail) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM "
	    "cluster_location_alerts WHERE check_id = ?1 AND location = ?2 AND resolved_at IS "
	    "NULL) RETURNING id",
	    &st, err);
	*opened = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, check_id);
	store_bind_text(st, 2, location);
	store_bind_text(st, 3, kind);
	store_bind_real(st, 4, since);
	store_bind_real(st, 5, now);
	store_bind_text(st, 6, detail);
	if ((rc = store_each(s, st, first_int, &id, "open a location alert", err)))
		return rc;
	*opened = id != 0;
	return SG_OK;
}

enum sg_code store_cluster_alerts_resolve(struct store *s, double now, long long *n,
                                          struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "UPDATE cluster_location_alerts SET resolved_at = ?1 WHERE resolved_at IS NULL AND "
	    "NOT EXISTS (SELECT 1 FROM cluster_check_states c WHERE c.check_id = "
	    "cluster_location_alerts.check_id AND c.location = cluster_location_alerts.location "
	    "AND c.state IN ('down','degraded'))",
	    &st, err);
	*n = 0;
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	if ((rc = store_step_done(s, st, "resolve location alerts", err)))
		return rc;
	*n = store_changes(s);
	return SG_OK;
}

static void alert_fill(struct store_stmt *st, void *row)
{
	struct cluster_alert_row *o = row;

	o->id = store_col_int(st, 0);
	o->check_id = store_col_int(st, 1);
	o->check_name = store_col_dup(st, 2);
	o->location = store_col_dup(st, 3);
	o->kind = store_col_dup(st, 4);
	o->detail = store_col_is_null(st, 5) ? NULL : store_col_dup(st, 5);
	o->since = store_col_real(st, 6);
	o->alerted_at = store_col_real(st, 7);
	o->resolved_at = store_col_real(st, 8);
}

enum sg_code store_cluster_alerts(struct store *s, const char *service, double from, double to,
                                  struct cluster_alert_row **rows, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	void *v;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT a.id, a.check_id, c.name, a.location, a.kind, a.detail, a.since, a.alerted_at, "
	    "a.resolved_at FROM cluster_location_alerts a JOIN checks c ON c.id = a.check_id "
	    "WHERE (CAST(?1 AS TEXT) IS NULL OR c.service = ?1) AND a.alerted_at >= ?2 AND "
	    "a.alerted_at < ?3 "
	    "ORDER BY a.alerted_at, a.id",
	    &st, err);
	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, from);
	store_bind_real(st, 3, to);
	rc = store_rows_read(s, st, sizeof(**rows), alert_fill, &v, n, "read location alerts", err);
	*rows = v;
	return rc;
}

static int first_text(struct store_stmt *st, void *ctx)
{
	*(char **)ctx = store_col_dup(st, 0);
	return 1;
}

enum sg_code store_cluster_store_id(struct store *s, char **out, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s, "SELECT uid FROM cluster_store WHERE id = 1", &st, err);

	*out = NULL;
	if (rc)
		return rc;
	if ((rc = store_each(s, st, first_text, out, "read the store's identity", err)))
		return rc;
	if (!*out)
		*out = xstrdup("store");
	return SG_OK;
}

enum sg_code store_cluster_node_folded(struct store *s, long long id, long long upto, int done,
                                       int expect_done, int *mine, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE cluster_nodes SET folded_upto = CASE WHEN "
	                                "folded_upto > ?1 THEN folded_upto ELSE ?1 END, "
	                                "rollups_done = ?2 WHERE id = ?3 AND rollups_done = ?4",
	                                &st, err);
	*mine = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, upto);
	store_bind_int(st, 2, done);
	store_bind_int(st, 3, id);
	store_bind_int(st, 4, expect_done);
	if ((rc = store_step_done(s, st, "mark a node's folded results", err)))
		return rc;
	*mine = store_changes(s) == 1;
	return SG_OK;
}

struct unfolded {
	struct cluster_unfolded *v;
	size_t n, alloc;
};

static int unfolded_row(struct store_stmt *st, void *ctx)
{
	struct unfolded *u = ctx;

	ALLOC_GROW(u->v, u->n + 1, u->alloc);
	u->v[u->n].id = store_col_int(st, 0);
	u->v[u->n].folded_upto = store_col_int(st, 1);
	u->v[u->n++].rollups_done = (int)store_col_int(st, 2);
	return 0;
}

enum sg_code store_cluster_unfolded(struct store *s, long long me, double dead_before,
                                    struct cluster_unfolded **out, size_t *n, struct sg_error *err)
{
	struct unfolded u = {NULL, 0, 0};
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, folded_upto, rollups_done FROM cluster_nodes "
	                                "WHERE (rollups_done = 0 AND id <> ?1 AND (stopped_at IS "
	                                "NOT NULL OR heartbeat_at < ?2)) OR id = ?1 ORDER BY id",
	                                &st, err);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, me);
	store_bind_real(st, 2, dead_before);
	rc = store_each(s, st, unfolded_row, &u, "read the nodes' folded results", err);
	if (rc) {
		free(u.v);
		return rc;
	}
	*out = u.v;
	*n = u.n;
	return SG_OK;
}
