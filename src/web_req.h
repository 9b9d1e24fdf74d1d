/*
 * web_req - one request as the page and API writers see it: the route,
 * language, the per-thread store, the services, the caller's identity and
 * role (from a session cookie or a bearer token, resolved by web.c), the
 * decoded form or raw body of a POST, and the reply being built. The
 * operator pages live in web_dash.c, the REST API and metrics in web_api.c.
 *
 * Ownership: everything is borrowed from web.c for the request's duration.
 */
#ifndef SG_WEB_REQ_H
#define SG_WEB_REQ_H

#include <jansson.h>

#include "catalog.h"
#include "store.h"
#include "web_auth.h"
#include "web_http.h"
#include "web_site.h"
#include "web_status.h"

struct web_req {
	const struct web_route *rt;
	enum sg_lang lang;
	struct store *s;
	const struct catalog *cat;
	const struct web_site *site;
	const char *base;    /* "https://host" as the client reached us */
	const char *address; /* the client (after a trusted proxy) */
	int secure;          /* the client speaks HTTPS to us or to the proxy */
	int loopback;        /* we listen on loopback only */
	/* who: a session or a token (role WEB_ROLE_NONE: anonymous) */
	enum web_role role;
	char user[80]; /* the user name, or "token:NAME" */
	int via_token;
	char csrf[80]; /* the session's CSRF token ("" without a session) */
	unsigned char session_hash[32];
	int has_session;
	char login_csrf[80]; /* the sg_login cookie (login form before a session) */
	/* POST */
	const struct web_form *form; /* urlencoded body (or multipart fields), or NULL */
	const struct dynbuf *upload; /* multipart: the file part's bytes, or NULL */
	const char *upload_name;     /* its file name as the browser sent it */
	const char *body;            /* raw body (JSON for the API) */
	size_t body_len;
	/* the service's status view (routes with a slug), or NULL */
	const struct web_status *view;
	/* query string values (NULL when absent) */
	const char *q_month;
	const char *q_section, *q_level, *q_verdict; /* control filters */
	const char *q_from, *q_to;                   /* consistency proof sizes */
	/* reply extras */
	char set_cookie[2][256];
};

/* Operator pages (web_dash.c). */
void web_dash_handle(struct web_req *q, struct web_reply *r);
/* REST API and /metrics (web_api.c). */
void web_api_handle(struct web_req *q, struct web_reply *r);

/* The assessment of a service (assess_run() with the store's latest
 * measured values, as `saasguard assess --db`) as the JSON of `assess
 * --format json`, its controls filtered by section prefix, level and
 * verdict (each NULL or "": any). Caller decrefs; NULL on failure. */
json_t *web_req_assessment(const struct web_req *q, const struct web_service *svc);
int web_req_control_matches(const struct web_req *q, json_t *control);

/* Shared by both: the service of a slug (NULL: none). */
const struct web_service *web_req_service(const struct web_req *q, const char *slug);
/* The service an incident belongs to (NULL: none served here). */
const struct web_service *web_req_incident_service(const struct web_req *q, const char *service);

#endif
