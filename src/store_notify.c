/*
 * store_notify - outbox queries for notify; see store_notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_notify.h"
#include "xalloc.h"
#include "banned.h"

#define NOTIF_COLS                                                                                 \
	"id, COALESCE(incident_id, 0), purpose, audience, channel, recipient, lang, subject, "     \
	"body, attachment_path, created_at, COALESCE(deadline_at, 0), next_attempt_at, "           \
	"COALESCE(delivered_at, 0), attempts, last_error"

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

enum sg_code store_notify_due(struct store *s, double now, size_t share, size_t max,
                              struct notification_row **rows, size_t *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int r;
	/* The NOT EXISTS keeps one incident's messages in order per recipient;
	 * the window gives every route (all mail is one, each other recipient
	 * one) at most `share` rows of the batch, so a dead SMTP server with
	 * thousands of messages behind it cannot fill the batch and hide a
	 * webhook's message beyond the LIMIT. */
	enum sg_code rc = store_prepare(
	    s,
	    "SELECT " NOTIF_COLS " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY CASE WHEN "
	    "channel = 'email' THEN '' ELSE recipient END ORDER BY next_attempt_at, id) AS k FROM "
	    "notifications n WHERE delivered_at IS NULL AND next_attempt_at <= ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM notifications p WHERE p.delivered_at IS NULL AND p.incident_id = "
	    "n.incident_id AND p.recipient = n.recipient AND p.id < n.id)) WHERE k <= ?2 ORDER BY "
	    "k, next_attempt_at, id LIMIT ?3",
	    &st, err);

	*rows = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int64(st, 2, (long long)share);
	sqlite3_bind_int64(st, 3, (long long)max);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct notification_row *x;
		ALLOC_GROW(*rows, *n, alloc);
		x = &(*rows)[(*n)++];
		memset(x, 0, sizeof(*x));
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
	return r == SQLITE_DONE ? SG_OK : store_fail(s, err, "read due notifications");
}

enum sg_code store_notify_rewrite(struct store *s, long long id, const char *subject,
                                  const char *body, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "UPDATE notifications SET subject = ?1, body = ?2 WHERE "
	                                "id = ?3 AND delivered_at IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "rewrite notification");
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_notify_pending_ids(struct store *s, long long incident_id, const char *recipient,
                                      const char *purpose, long long **ids, size_t *n,
                                      struct sg_error *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int r;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id FROM notifications WHERE incident_id = ?1 AND "
	                                "recipient = ?2 AND purpose = ?3 AND delivered_at IS NULL "
	                                "ORDER BY id",
	                                &st, err);
	*ids = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_text(st, 2, recipient, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, purpose, -1, SQLITE_TRANSIENT);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(*ids, *n, alloc);
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SG_OK : store_fail(s, err, "read pending notifications");
}

enum sg_code store_notify_merged(struct store *s, long long id, long long into, double at,
                                 struct sg_error *err)
{
	sqlite3_stmt *st;
	char note[64];
	enum sg_code rc = store_prepare(s,
	                                "UPDATE notifications SET delivered_at = ?1, last_error = "
	                                "?2, next_attempt_at = ?1 WHERE id = ?3 AND delivered_at "
	                                "IS NULL",
	                                &st, err);
	if (rc)
		return rc;
	snprintf(note, sizeof(note), "merged into #%lld", into);
	sqlite3_bind_double(st, 1, at);
	sqlite3_bind_text(st, 2, note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "merge notification");
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_notify_count(struct store *s, long long incident_id, const char *recipient,
                                const char *purpose, long long *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT COUNT(*) FROM notifications WHERE incident_id = ?1 "
	                                "AND recipient = ?2 AND purpose = ?3",
	                                &st, err);
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_text(st, 2, recipient, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, purpose, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = store_fail(s, err, "count notifications");
	sqlite3_finalize(st);
	return rc;
}
