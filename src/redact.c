/*
 * redact - URLs with their credentials taken out; see redact.h.
 */
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "dynbuf.h"
#include "redact.h"
#include "xalloc.h"
#include "banned.h"

static const char *const builtin[] = {
    "token", "access_token", "api_key",       "apikey",    "key", "password", "passwd",
    "pass",  "secret",       "client_secret", "signature", "sig", "auth",     NULL};

static int in_list(const char *name, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcasecmp(name, list[i]))
			return 1;
	return 0;
}

/* Is the query parameter "name[=value]" (len bytes) a secret? */
static int secret_param(const char *p, size_t len, const char *const *extra)
{
	const char *eq = memchr(p, '=', len);
	size_t n = eq ? (size_t)(eq - p) : len;
	int outlen = 0, hit;
	char *name = curl_easy_unescape(NULL, p, (int)n, &outlen);

	if (!name)
		return 1; /* undecodable: be safe */
	hit = in_list(name, builtin) || in_list(name, extra);
	curl_free(name);
	return hit;
}

static void redact_query(CURLU *u, const char *const *extra)
{
	char *q = NULL;
	struct dynbuf b = DYNBUF_INIT;
	const char *p;

	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK || !q)
		return;
	for (p = q; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (p != q)
			dynbuf_addch(&b, '&');
		if (secret_param(p, len, extra)) {
			dynbuf_add(&b, p, eq ? (size_t)(eq - p) : len);
			dynbuf_addstr(&b, "=***");
		} else {
			dynbuf_add(&b, p, len);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	curl_url_set(u, CURLUPART_QUERY, dynbuf_ptr(&b), 0);
	dynbuf_release(&b);
	curl_free(q);
}

char *redact_url(const char *url, const char *const *secret_params)
{
	CURLU *u = curl_url();
	char *part = NULL, *out = NULL, *ret;

	if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup("[URL]");
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK) {
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
		curl_url_set(u, CURLUPART_USER, "***", 0);
	}
	curl_free(part);
	redact_query(u, secret_params);
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK || !out)
		ret = xstrdup("[URL]");
	else
		ret = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return ret;
}
