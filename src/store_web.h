/*
 * store_web - the web server's queries. Today they only read what other
 * modules wrote (a check's id by name, an incident's follow-ups) for the
 * public status page; the server's own tables (users, sessions, tokens)
 * will join them here through store_schemas.c.
 *
 * Ownership: arrays returned through ** parameters are the caller's, freed
 * with the matching _free function. Every function joins the caller's
 * transaction if one is open.
 */
#ifndef SG_STORE_WEB_H
#define SG_STORE_WEB_H

#include <stddef.h>

#include "store.h"

/* The id of the service's check named name that is not retired (0: none). */
enum sg_code store_web_check_id(struct store *s, const char *service, const char *name,
                                long long *id, struct sg_error *err);

/* The name of check id (caller frees; NULL when there is no such check). */
enum sg_code store_web_check_name(struct store *s, long long id, char **name, struct sg_error *err);

struct store_web_followup {
	double sent_at;
	char *message;
};
/* An incident's follow-ups, oldest first. */
enum sg_code store_web_followups(struct store *s, long long incident_id,
                                 struct store_web_followup **out, size_t *n, struct sg_error *err);
void store_web_followups_free(struct store_web_followup *f, size_t n);

#endif
