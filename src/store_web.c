/*
 * store_web - the web server's queries; see store_web.h.
 */
#include <stdlib.h>

#include "store_web.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code store_web_check_id(struct store *s, const char *service, const char *name,
                                long long *id, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT id FROM checks WHERE service = ? AND name = ? "
	                                "AND retired_at IS NULL",
	                                &st, err);
	int r;

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	*id = 0;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		rc = store_fail(s, err, "checks");
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_web_check_name(struct store *s, long long id, char **name, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s, "SELECT name FROM checks WHERE id = ?", &st, err);
	int r;

	*name = NULL;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_text(st, 0))
		*name = xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = store_fail(s, err, "checks");
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_web_followups(struct store *s, long long incident_id,
                                 struct store_web_followup **out, size_t *n, struct sg_error *err)
{
	sqlite3_stmt *st;
	enum sg_code rc = store_prepare(s,
	                                "SELECT sent_at, message FROM followups WHERE "
	                                "incident_id = ? ORDER BY sent_at, id",
	                                &st, err);
	size_t alloc = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, incident_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 1);
		ALLOC_GROW(*out, *n, alloc);
		(*out)[*n].sent_at = sqlite3_column_double(st, 0);
		(*out)[*n].message = xstrdup(m ? m : "");
		(*n)++;
	}
	if (r != SQLITE_DONE) {
		rc = store_fail(s, err, "followups");
		store_web_followups_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void store_web_followups_free(struct store_web_followup *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].message);
	free(f);
}
