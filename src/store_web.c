/*
 * store_web - the web server's queries; see store_web.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_schemas.h"
#include "store_web.h"
#include "xalloc.h"
#include "banned.h"

/* Steps st (prepared and bound) to its end and returns an array of one
 * element of size bytes per row (zeroed, then filled by fill), *n of them;
 * finalizes st. *rc: SG_OK, or the failure (the array then holds what was
 * read). The array is the caller's. */
static void *read_rows(struct store *s, struct store_stmt *st, const char *table, size_t size,
                       void (*fill)(struct store_stmt *, void *), size_t *n, enum sg_code *rc,
                       struct sg_error *err)
{
	char *a = NULL;
	size_t alloc = 0;
	int r;

	*n = 0;
	while ((r = store_step(st)) == STORE_ROW) {
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			a = xreallocarray(a, alloc, size);
		}
		memset(a + *n * size, 0, size);
		fill(st, a + (*n)++ * size);
	}
	store_finalize(st);
	*rc = r == STORE_DONE ? SG_OK : store_fail(s, err, table);
	return a;
}

enum sg_code store_web_check_id(struct store *s, const char *service, const char *name,
                                long long *id, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id FROM checks WHERE service = ? AND name = ? "
	                                "AND retired_at IS NULL",
	                                &st, err);
	int r;

	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, name);
	*id = 0;
	r = store_step(st);
	if (r == STORE_ROW)
		*id = store_col_int(st, 0);
	else if (r != STORE_DONE)
		rc = store_fail(s, err, "checks");
	store_finalize(st);
	return rc;
}

enum sg_code store_web_check_name(struct store *s, long long id, char **name, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s, "SELECT name FROM checks WHERE id = ?", &st, err);
	int r;

	*name = NULL;
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	r = store_step(st);
	if (r == STORE_ROW && store_col_text(st, 0))
		*name = xstrdup(store_col_text(st, 0));
	else if (r != STORE_DONE && r != STORE_ROW)
		rc = store_fail(s, err, "checks");
	store_finalize(st);
	return rc;
}

static void followup_from(struct store_stmt *st, void *elem)
{
	struct store_web_followup *f = elem;
	const char *m = store_col_text(st, 1);

	f->sent_at = store_col_real(st, 0);
	f->message = xstrdup(m ? m : "");
}

enum sg_code store_web_followups(struct store *s, long long incident_id,
                                 struct store_web_followup **out, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT sent_at, message FROM followups WHERE "
	                                "incident_id = ? ORDER BY sent_at, id",
	                                &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	*out = read_rows(s, st, "followups", sizeof(**out), followup_from, n, &rc, err);
	if (rc) {
		store_web_followups_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void store_web_followups_free(struct store_web_followup *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].message);
	free(f);
}

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE web_users("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " role TEXT NOT NULL CHECK (role IN ('admin','operator','viewer')),"
        " password_hash TEXT NOT NULL,"
        " created_at REAL NOT NULL);"
        "CREATE TABLE web_sessions("
        " id_hash BLOB PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,"
        " csrf TEXT NOT NULL,"
        " created_at REAL NOT NULL,"
        " last_seen_at REAL NOT NULL,"
        " expires_at REAL NOT NULL);"
        "CREATE INDEX web_sessions_by_user ON web_sessions(user_id);"
        "CREATE TABLE web_tokens("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " role TEXT NOT NULL CHECK (role IN ('admin','operator','viewer')),"
        " token_hash BLOB NOT NULL UNIQUE,"
        " created_at REAL NOT NULL,"
        " revoked_at REAL,"
        " last_used_at REAL);"
        "CREATE UNIQUE INDEX web_tokens_live_name ON web_tokens(name) WHERE revoked_at IS NULL;"
        "CREATE TABLE web_login_failures("
        " key TEXT NOT NULL,"
        " at REAL NOT NULL);"
        "CREATE INDEX web_login_failures_by_key ON web_login_failures(key, at);"},
    /* v2: maintenance announced from the web (shown on the status page and
     * mailed to the users; the profile's maintenance: stays the input of
     * the availability accounting). */
    {2, "CREATE TABLE web_maintenance("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " start_at REAL NOT NULL,"
        " end_at REAL NOT NULL CHECK (end_at > start_at),"
        " note TEXT NOT NULL,"
        " announced_at REAL NOT NULL,"
        " announced_by TEXT NOT NULL);"
        "CREATE INDEX web_maintenance_by_service ON web_maintenance(service, end_at);"},
};

const struct store_schema store_web_schema = {
    "web",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};

static enum sg_code step_done(struct store *s, struct store_stmt *st, const char *what,
                              struct sg_error *err)
{
	int r = store_step(st);
	enum sg_code rc = SG_OK;

	if (r == STORE_ERROR && store_failed_constraint(s))
		rc = sg_error_set(err, SG_ERR_EXISTS, "%s", what);
	else if (r != STORE_DONE)
		rc = store_fail(s, err, what);
	store_finalize(st);
	return rc;
}

void store_web_user_release(struct store_web_user *u)
{
	free(u->name);
	if (u->password_hash) {
		explicit_bzero(u->password_hash, strlen(u->password_hash));
		free(u->password_hash);
	}
	memset(u, 0, sizeof(*u));
}

enum sg_code store_web_user_add(struct store *s, const char *name, const char *role,
                                const char *hash, double now, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO web_users(name, role, password_hash, "
	                                "created_at) VALUES (?,?,?,?)",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, role);
	store_bind_text(st, 3, hash);
	store_bind_real(st, 4, now);
	return step_done(s, st, "web_users", err);
}

static void user_from(struct store_stmt *st, int col, struct store_web_user *u)
{
	u->id = store_col_int(st, col);
	u->name = store_col_dup(st, col + 1);
	snprintf(u->role, sizeof(u->role), "%s", store_col_text(st, col + 2));
	u->password_hash = store_col_dup(st, col + 3);
	u->created_at = store_col_real(st, col + 4);
}

enum sg_code store_web_user_get(struct store *s, const char *name, struct store_web_user *u,
                                int *found, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, name, role, password_hash, created_at FROM "
	                                "web_users WHERE name = ?",
	                                &st, err);
	int r;

	memset(u, 0, sizeof(*u));
	*found = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	r = store_step(st);
	if (r == STORE_ROW) {
		user_from(st, 0, u);
		*found = 1;
	} else if (r != STORE_DONE) {
		rc = store_fail(s, err, "web_users");
	}
	store_finalize(st);
	return rc;
}

static void user_row(struct store_stmt *st, void *elem)
{
	user_from(st, 0, elem);
}

enum sg_code store_web_user_list(struct store *s, struct store_web_user **out, size_t *n,
                                 struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s, "SELECT id, name, role, '', created_at FROM web_users ORDER BY name", &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	*out = read_rows(s, st, "web_users", sizeof(**out), user_row, n, &rc, err);
	return rc;
}

static enum sg_code changes(struct store *s, struct store_stmt *st, const char *what, int *found,
                            struct sg_error *err)
{
	int r = store_step(st);

	store_finalize(st);
	if (r != STORE_DONE)
		return store_fail(s, err, what);
	*found = store_changes(s) > 0;
	return SG_OK;
}

enum sg_code store_web_user_passwd(struct store *s, const char *name, const char *hash, int *found,
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc;

	if ((rc = store_begin(s, err)))
		return rc;
	if ((rc = store_prepare(s, "UPDATE web_users SET password_hash = ? WHERE name = ?", &st,
	                        err)))
		goto fail;
	store_bind_text(st, 1, hash);
	store_bind_text(st, 2, name);
	if ((rc = changes(s, st, "web_users", found, err)))
		goto fail;
	if ((rc = store_prepare(s,
	                        "DELETE FROM web_sessions WHERE user_id = (SELECT id FROM "
	                        "web_users WHERE name = ?)",
	                        &st, err)))
		goto fail;
	store_bind_text(st, 1, name);
	if ((rc = step_done(s, st, "web_sessions", err)))
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return rc;
}

enum sg_code store_web_user_remove(struct store *s, const char *name, int *found,
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s, "DELETE FROM web_users WHERE name = ?", &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	return changes(s, st, "web_users", found, err);
}

enum sg_code store_web_session_add(struct store *s, const unsigned char id_hash[32],
                                   long long user_id, const char *csrf, double now, double expires,
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO web_sessions(id_hash, user_id, csrf, "
	                                "created_at, last_seen_at, expires_at) VALUES "
	                                "(?,?,?,?,?,?)",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_blob(st, 1, id_hash, 32);
	store_bind_int(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	store_bind_real(st, 4, now);
	store_bind_real(st, 5, now);
	store_bind_real(st, 6, expires);
	return step_done(s, st, "web_sessions", err);
}

enum sg_code store_web_session_get(struct store *s, const unsigned char id_hash[32], double now,
                                   struct store_web_user *u, char csrf[65], int *found,
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT u.id, u.name, u.role, '', u.created_at, s.csrf "
	                                "FROM web_sessions s JOIN web_users u ON u.id = s.user_id "
	                                "WHERE s.id_hash = ? AND s.expires_at > ?",
	                                &st, err);
	int r;

	memset(u, 0, sizeof(*u));
	*found = 0;
	csrf[0] = 0;
	if (rc)
		return rc;
	store_bind_blob(st, 1, id_hash, 32);
	store_bind_real(st, 2, now);
	r = store_step(st);
	if (r == STORE_ROW) {
		user_from(st, 0, u);
		snprintf(csrf, 65, "%s", store_col_text(st, 5));
		*found = 1;
	} else if (r != STORE_DONE) {
		rc = store_fail(s, err, "web_sessions");
	}
	store_finalize(st);
	if (rc || !*found)
		return rc;
	if ((rc = store_prepare(s, "UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?",
	                        &st, err)))
		return rc;
	store_bind_real(st, 1, now);
	store_bind_blob(st, 2, id_hash, 32);
	return step_done(s, st, "web_sessions", err);
}

enum sg_code store_web_session_end(struct store *s, const unsigned char id_hash[32],
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s, "DELETE FROM web_sessions WHERE id_hash = ?", &st, err);

	if (rc)
		return rc;
	store_bind_blob(st, 1, id_hash, 32);
	return step_done(s, st, "web_sessions", err);
}

void store_web_token_release(struct store_web_token *t)
{
	free(t->name);
	memset(t, 0, sizeof(*t));
}

enum sg_code store_web_token_add(struct store *s, const char *name, const char *role,
                                 const unsigned char hash[32], double now, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO web_tokens(name, role, token_hash, "
	                                "created_at) VALUES (?,?,?,?)",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, role);
	store_bind_blob(st, 3, hash, 32);
	store_bind_real(st, 4, now);
	return step_done(s, st, "web_tokens", err);
}

static void token_from(struct store_stmt *st, struct store_web_token *t)
{
	t->id = store_col_int(st, 0);
	t->name = store_col_dup(st, 1);
	snprintf(t->role, sizeof(t->role), "%s", store_col_text(st, 2));
	t->created_at = store_col_real(st, 3);
	t->revoked_at = store_col_real(st, 4);
	t->last_used_at = store_col_real(st, 5);
}

static void token_row(struct store_stmt *st, void *elem)
{
	token_from(st, elem);
}

enum sg_code store_web_token_list(struct store *s, struct store_web_token **out, size_t *n,
                                  struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, name, role, created_at, revoked_at, "
	                                "last_used_at FROM web_tokens ORDER BY name, id",
	                                &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	*out = read_rows(s, st, "web_tokens", sizeof(**out), token_row, n, &rc, err);
	return rc;
}

enum sg_code store_web_token_revoke(struct store *s, const char *name, double now, int *found,
                                    struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE web_tokens SET revoked_at = ? WHERE name = ? AND "
	                                "revoked_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_text(st, 2, name);
	return changes(s, st, "web_tokens", found, err);
}

enum sg_code store_web_token_find(struct store *s, const unsigned char hash[32], double now,
                                  struct store_web_token *t, int *found, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, name, role, created_at, revoked_at, "
	                                "last_used_at FROM web_tokens WHERE token_hash = ? AND "
	                                "revoked_at IS NULL",
	                                &st, err);
	int r;

	memset(t, 0, sizeof(*t));
	*found = 0;
	if (rc)
		return rc;
	store_bind_blob(st, 1, hash, 32);
	r = store_step(st);
	if (r == STORE_ROW) {
		token_from(st, t);
		*found = 1;
	} else if (r != STORE_DONE) {
		rc = store_fail(s, err, "web_tokens");
	}
	store_finalize(st);
	if (rc || !*found)
		return rc;
	if ((rc =
	         store_prepare(s, "UPDATE web_tokens SET last_used_at = ? WHERE id = ?", &st, err)))
		return rc;
	store_bind_real(st, 1, now);
	store_bind_int(st, 2, t->id);
	return step_done(s, st, "web_tokens", err);
}

enum sg_code store_web_login_failed(struct store *s, const char *key, double now,
                                    struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "INSERT INTO web_login_failures(key, at) VALUES (?,?)", &st, err);

	if (rc)
		return rc;
	store_bind_text(st, 1, key);
	store_bind_real(st, 2, now);
	return step_done(s, st, "web_login_failures", err);
}

enum sg_code store_web_login_failures(struct store *s, const char *key, double since, long long *n,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT count(*) FROM web_login_failures WHERE key = ? "
	                                "AND at >= ?",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, key);
	store_bind_real(st, 2, since);
	*n = 0;
	if (store_step(st) == STORE_ROW)
		*n = store_col_int(st, 0);
	else
		rc = store_fail(s, err, "web_login_failures");
	store_finalize(st);
	return rc;
}

enum sg_code store_web_login_clear(struct store *s, const char *key, double before,
                                   struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s, "DELETE FROM web_login_failures WHERE key = ? OR at < ?", &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, key);
	store_bind_real(st, 2, before);
	return step_done(s, st, "web_login_failures", err);
}

enum sg_code store_web_outbox(struct store *s, long long *pending, double *oldest,
                              struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT count(*), COALESCE(min(created_at), 0) FROM "
	                                "notifications WHERE delivered_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	*pending = 0;
	*oldest = 0;
	if (store_step(st) == STORE_ROW) {
		*pending = store_col_int(st, 0);
		*oldest = store_col_real(st, 1);
	} else {
		rc = store_fail(s, err, "notifications");
	}
	store_finalize(st);
	return rc;
}

enum sg_code store_web_open_incidents(struct store *s, const char *service, long long *n,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT count(*) FROM incidents WHERE service = ? AND "
	                                "resolved_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	*n = 0;
	if (store_step(st) == STORE_ROW)
		*n = store_col_int(st, 0);
	else
		rc = store_fail(s, err, "incidents");
	store_finalize(st);
	return rc;
}

void store_web_maintenance_free(struct store_web_maintenance *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].note);
		free(m[i].announced_by);
	}
	free(m);
}

enum sg_code store_web_maintenance_add(struct store *s, const char *service,
                                       const struct store_web_maintenance *m, long long *id,
                                       struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "INSERT INTO web_maintenance(service, start_at, end_at, "
	                                "note, announced_at, announced_by) VALUES (?,?,?,?,?,?)",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, m->start);
	store_bind_real(st, 3, m->end);
	store_bind_text(st, 4, m->note);
	store_bind_real(st, 5, m->announced);
	store_bind_text(st, 6, m->announced_by);
	rc = step_done(s, st, "web_maintenance", err);
	if (!rc && id)
		*id = store_last_id(s);
	return rc;
}

static void maintenance_from(struct store_stmt *st, void *elem)
{
	struct store_web_maintenance *m = elem;

	m->id = store_col_int(st, 0);
	m->start = store_col_real(st, 1);
	m->end = store_col_real(st, 2);
	m->note = store_col_dup(st, 3);
	m->announced = store_col_real(st, 4);
	m->announced_by = store_col_dup(st, 5);
}

enum sg_code store_web_maintenance_list(struct store *s, const char *service, double ending_after,
                                        struct store_web_maintenance **out, size_t *n,
                                        struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id, start_at, end_at, note, announced_at, "
	                                "announced_by FROM web_maintenance WHERE service = ? AND "
	                                "end_at > ? ORDER BY start_at, id",
	                                &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, ending_after);
	*out = read_rows(s, st, "web_maintenance", sizeof(**out), maintenance_from, n, &rc, err);
	return rc;
}

static void risk_from(struct store_stmt *st, void *elem)
{
	struct store_web_risk *x = elem;

	x->incident = store_col_int(st, 0);
	x->at = store_col_real(st, 1);
	x->delivered = store_col_int(st, 2) != 0;
}

enum sg_code store_web_deadline_risks(struct store *s, const char *service, double since,
                                      struct store_web_risk **out, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT n.incident_id, min(n.created_at), max(CASE WHEN n.delivered_at IS NULL THEN 0 "
	    "ELSE 1 END) FROM notifications n JOIN incidents i ON i.id = n.incident_id WHERE "
	    "n.purpose = 'deadline_risk' AND i.service = ? AND n.created_at >= ? GROUP BY "
	    "n.incident_id ORDER BY 2 DESC",
	    &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_real(st, 2, since);
	*out = read_rows(s, st, "notifications", sizeof(**out), risk_from, n, &rc, err);
	return rc;
}

static void collector_from(struct store_stmt *st, void *elem)
{
	struct store_web_collector *x = elem;

	x->collector = store_col_dup(st, 0);
	x->at = store_col_real(st, 1);
	x->results = store_col_int(st, 2);
	x->findings = store_col_int(st, 3);
}

enum sg_code store_web_collectors(struct store *s, const char *service,
                                  struct store_web_collector **out, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT m.collector, m.measured_at, count(*), sum(CASE WHEN m.status = 'finding' THEN "
	    "1 ELSE 0 END) FROM measurements m JOIN (SELECT collector, max(measured_at) AS at "
	    "FROM measurements WHERE service = ? AND collector <> 'monitor' GROUP BY collector) l "
	    "ON l.collector = m.collector AND l.at = m.measured_at WHERE m.service = ? GROUP BY "
	    "m.collector, m.measured_at ORDER BY m.collector",
	    &st, err);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, service);
	*out = read_rows(s, st, "measurements", sizeof(**out), collector_from, n, &rc, err);
	return rc;
}

void store_web_collectors_free(struct store_web_collector *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].collector);
	free(c);
}
