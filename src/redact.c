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

/* Only with REDACT_CONTAINS (as words inside a name they are too common to
 * be names on their own, "code" of a product, say). */
static const char *const contains_only[] = {"code", "credential", NULL};

static int has_word(const char *name, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, word, n))
			return 1;
	return 0;
}

static int in_list(const char *name, const char *const *list, unsigned flags)
{
	for (size_t i = 0; list && list[i]; i++)
		if ((flags & REDACT_CONTAINS) ? has_word(name, list[i])
		                              : !strcasecmp(name, list[i]))
			return 1;
	return 0;
}

/* Is the query parameter "name[=value]" (len bytes) a secret? */
static int secret_param(const char *p, size_t len, const char *const *extra, unsigned flags)
{
	const char *eq = memchr(p, '=', len);
	size_t n = eq ? (size_t)(eq - p) : len;
	int outlen = 0, hit;
	char *name = curl_easy_unescape(NULL, p, (int)n, &outlen);

	if (!name)
		return 1; /* undecodable: be safe */
	hit = in_list(name, builtin, flags) || in_list(name, extra, flags) ||
	      ((flags & REDACT_CONTAINS) && in_list(name, contains_only, flags));
	curl_free(name);
	return hit;
}

/* Returns whether a value was replaced. */
static int redact_query(CURLU *u, const char *const *extra, unsigned flags)
{
	char *q = NULL;
	struct dynbuf b = DYNBUF_INIT;
	const char *p;

	int hit = 0;

	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK || !q)
		return 0;
	for (p = q; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (p != q)
			dynbuf_addch(&b, '&');
		if (secret_param(p, len, extra, flags)) {
			dynbuf_add(&b, p, eq ? (size_t)(eq - p) : len);
			dynbuf_addstr(&b, "=***");
			hit = 1;
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
	return hit;
}

char *redact_url_ex(const char *url, const char *const *secret_params, unsigned flags,
                    int *redacted)
{
	CURLU *u = curl_url();
	char *part = NULL, *out = NULL, *ret;
	int hit = 0;

	if (redacted)
		*redacted = 1;
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
		hit = 1;
	}
	curl_free(part);
	hit |= redact_query(u, secret_params, flags);
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK || !out) {
		ret = xstrdup("[URL]");
	} else {
		ret = xstrdup(out);
		if (redacted)
			*redacted = hit;
	}
	curl_free(out);
	curl_url_cleanup(u);
	return ret;
}

char *redact_url(const char *url, const char *const *secret_params)
{
	return redact_url_ex(url, secret_params, 0, NULL);
}
