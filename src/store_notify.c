/*
 * store_notify - outbox queries for notify; see store_notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "store_notify.h"
#include "store_rows.h"
#include "banned.h"

enum sg_code store_notify_due(struct store *s, double now, size_t share, size_t max,
                              struct notification_row **rows, size_t *n, struct sg_error *err)
{
	struct store_stmt *st;
	/* The NOT EXISTS keeps one incident's messages in order per recipient;
	 * the window gives every route (all mail is one, each other recipient
	 * one) at most `share` rows of the batch, so a dead SMTP server with
	 * thousands of messages behind it cannot fill the batch and hide a
	 * webhook's message beyond the LIMIT. */
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT " STORE_MONITOR_NOTIF_COLS
	    " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY CASE WHEN "
	    "channel = 'email' THEN '' ELSE recipient END ORDER BY next_attempt_at, id) AS k FROM "
	    "notifications n WHERE delivered_at IS NULL AND next_attempt_at <= ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM notifications p WHERE p.delivered_at IS NULL AND p.incident_id = "
	    "n.incident_id AND p.recipient = n.recipient AND p.id < n.id)) due WHERE k <= ?2 ORDER "
	    "BY "
	    "k, next_attempt_at, id LIMIT ?3",
	    &st, err);

	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_real(st, 1, now);
	store_bind_int(st, 2, (long long)share);
	store_bind_int(st, 3, (long long)max);
	return store_monitor_notifications_read(s, st, rows, n, err);
}

/* Column 0 of the first row into *(long long *)ctx. */
static int first_int(struct store_stmt *st, void *ctx)
{
	*(long long *)ctx = store_col_int(st, 0);
	return 1;
}

enum sg_code store_notify_rewrite(struct store *s, long long id, const char *subject,
                                  const char *body, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE notifications SET subject = ?1, body = ?2 WHERE "
	                                "id = ?3 AND delivered_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	store_bind_text(st, 1, subject);
	store_bind_text(st, 2, body);
	store_bind_int(st, 3, id);
	return store_step_done(s, st, "rewrite notification", err);
}

enum sg_code store_notify_pending_ids(struct store *s, long long incident_id, const char *recipient,
                                      const char *purpose, long long **ids, size_t *n,
                                      struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id FROM notifications WHERE incident_id = ?1 AND "
	                                "recipient = ?2 AND purpose = ?3 AND delivered_at IS NULL "
	                                "ORDER BY id",
	                                &st, err);
	*ids = NULL;
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_text(st, 2, recipient);
	store_bind_text(st, 3, purpose);
	return store_rows_ids(s, st, ids, n, "read pending notifications", err);
}

enum sg_code store_notify_merged(struct store *s, long long id, long long into, double at,
                                 struct sg_error *err)
{
	struct store_stmt *st;
	char note[64];
	enum sg_code rc = store_prepare(s,
	                                "UPDATE notifications SET delivered_at = ?1, last_error = "
	                                "?2, next_attempt_at = ?1 WHERE id = ?3 AND delivered_at "
	                                "IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	snprintf(note, sizeof(note), "merged into #%lld", into);
	store_bind_real(st, 1, at);
	store_bind_text(st, 2, note);
	store_bind_int(st, 3, id);
	return store_step_done(s, st, "merge notification", err);
}

enum sg_code store_notify_count(struct store *s, long long incident_id, const char *recipient,
                                const char *purpose, long long *n, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT COUNT(*) FROM notifications WHERE incident_id = ?1 "
	                                "AND recipient = ?2 AND purpose = ?3",
	                                &st, err);
	*n = 0;
	if (rc)
		return rc;
	store_bind_int(st, 1, incident_id);
	store_bind_text(st, 2, recipient);
	store_bind_text(st, 3, purpose);
	return store_each(s, st, first_int, n, "count notifications", err);
}

enum sg_code store_notify_maintenance_claim(struct store *s, const char *service,
                                            const char *window, const char *notice, double now,
                                            int *claimed, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc =
	    store_prepare(s,
	                  "INSERT INTO maintenance_notices(service, window_key, notice, "
	                  "queued_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
	                  &st, err);
	*claimed = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, window);
	store_bind_text(st, 3, notice);
	store_bind_real(st, 4, now);
	if ((rc = store_step_done(s, st, "maintenance notice", err)))
		return rc;
	*claimed = store_changes(s) == 1;
	return SG_OK;
}

static int real_of(struct store_stmt *st, void *ctx)
{
	*(double *)ctx = store_col_real(st, 0);
	return 1;
}

enum sg_code store_notify_maintenance_queued(struct store *s, const char *service,
                                             const char *window, const char *notice, double *at,
                                             struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT queued_at FROM maintenance_notices WHERE service = "
	                                "?1 AND window_key = ?2 AND notice = ?3",
	                                &st, err);
	*at = 0;
	if (rc)
		return rc;
	store_bind_text(st, 1, service);
	store_bind_text(st, 2, window);
	store_bind_text(st, 3, notice);
	return store_each(s, st, real_of, at, "read maintenance notices", err);
}

enum sg_code store_notify_claim(struct store *s, long long id, long long node, double now,
                                double hold, int *claimed, struct sg_error *err)
{
	struct store_stmt *st;
	enum sg_code rc;
	long long got = 0;

	*claimed = 0;
	if (store_kind(s) == STORE_SQLITE) {
		/* One monitor per SQLite store (its lock file): nothing to race. */
		*claimed = 1;
		return SG_OK;
	}
	/* The row is locked by whoever claims it first; the others skip it
	 * rather than wait. A claim that ran out, or whose monitor stopped or
	 * went silent (killed before recording the attempt), can be taken
	 * again. */
	rc =
	    store_prepare(s,
	                  "UPDATE notifications SET claimed_by = ?1, claimed_until = ?3 WHERE id = "
	                  "(SELECT id FROM notifications WHERE id = ?2 AND delivered_at IS NULL "
	                  "AND (claimed_by IS NULL OR claimed_by = ?1 OR claimed_until < ?4 OR NOT "
	                  "EXISTS (SELECT 1 FROM cluster_nodes c WHERE c.id = claimed_by AND "
	                  "c.stopped_at IS NULL AND c.heartbeat_at >= ?5)) FOR UPDATE SKIP LOCKED) "
	                  "RETURNING id",
	                  &st, err);
	if (rc)
		return rc;
	store_bind_int(st, 1, node);
	store_bind_int(st, 2, id);
	store_bind_real(st, 3, now + hold);
	store_bind_real(st, 4, now);
	store_bind_real(st, 5, now - CLUSTER_LEASE_TTL_S); /* its node is gone */
	if ((rc = store_each(s, st, first_int, &got, "claim a notification", err)))
		return rc;
	*claimed = got == id;
	return SG_OK;
}
