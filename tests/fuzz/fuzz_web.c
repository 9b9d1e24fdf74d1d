/* libFuzzer target: what a client controls in an HTTP request — the path
 * (routing), the query string or form body (percent-decoding, pairs), the
 * Accept-Language, Accept-Encoding and If-None-Match headers and a
 * --trusted-proxy value — and the HTML writer fed the decoded values. Invariants: a route's slug is
 * a valid slug, its method flag only set for GET/HEAD on a known route; decoded values never
 * contain NUL; escaped text never contains a raw < > " ' or a bare &. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "html.h"
#include "web_http.h"

static void check_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '<' || *s == '>' || *s == '"' || *s == '\'')
			abort();
		if (*s == '&' && strncmp(s, "&amp;", 5) && strncmp(s, "&lt;", 4) &&
		    strncmp(s, "&gt;", 4) && strncmp(s, "&quot;", 6) && strncmp(s, "&#39;", 5))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *dec = malloc(size + 1);
	struct web_route r;
	struct web_form f;
	struct web_cidr c;
	struct dynbuf d = DYNBUF_INIT;
	const char *methods[] = {"GET", "POST", "HEAD", NULL};

	memcpy(s, data, size);
	s[size] = 0;
	for (int m = 0; m < 4; m++) {
		web_route_match(methods[m], s, &r);
		if (r.id != WEB_R_NOT_FOUND && r.slug[0] && !web_slug_valid(r.slug))
			abort();
		if (r.id == WEB_R_NOT_FOUND && r.method_ok)
			abort();
		if (r.method_ok && !methods[m])
			abort();
		if (r.method_ok && !strcmp(methods[m], "POST") && !(r.allowed & WEB_M_POST))
			abort();
	}
	if (web_form_parse(s, strlen(s), &f, NULL) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			html_text(&d, f.key[i]);
			html_fmt(&d, "<p title=\"%s\">%s</p>", f.value[i], f.key[i]);
		}
		(void)web_form_get(&f, "lang");
		web_form_release(&f);
	}
	dynbuf_reset(&d);
	if (web_percent_decode(s, strlen(s), 1, dec) == 0) {
		html_text(&d, dec);
		if (dynbuf_status(&d) == SG_OK)
			check_escaped(dynbuf_ptr(&d));
	}
	(void)web_lang_negotiate(s, s);
	(void)web_lang_negotiate(NULL, s);
	(void)web_accepts_gzip(s);
	/* only "*" or a list naming the tag matches it */
	if (web_etag_matches(s, "\"t1\"") && !strchr(s, '*') && !strstr(s, "\"t1\""))
		abort();
	(void)web_etag_matches(s, s);
	if (web_cidr_parse(s, &c) == 0) {
		unsigned char a[16] = {0};
		(void)web_cidr_contains(&c, c.family, a);
	}
	{
		char slug[WEB_MAX_SLUG + 1];
		web_slug_from_name(s, slug);
		if (!web_slug_valid(slug))
			abort();
	}
	dynbuf_release(&d);
	free(dec);
	free(s);
	return 0;
}
