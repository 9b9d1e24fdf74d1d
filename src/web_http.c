/*
 * web_http - router, decoding and negotiation; see web_http.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "web_http.h"
#include "xalloc.h"
#include "banned.h"

int web_slug_valid(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '-')
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= WEB_MAX_SLUG)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return s[n - 1] != '-';
}

void web_slug_from_name(const char *name, char out[WEB_MAX_SLUG + 1])
{
	size_t n = 0;
	int dash = 0;

	for (const unsigned char *p = (const unsigned char *)name; p && *p && n < WEB_MAX_SLUG;
	     p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (dash && n && n < WEB_MAX_SLUG - 1)
				out[n++] = '-';
			dash = 0;
			out[n++] = (char)tolower(*p);
		} else {
			dash = 1;
		}
	}
	out[n] = 0;
	if (!n)
		memcpy(out, "service", 8);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int web_percent_decode(const char *src, size_t len, int form, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= len)
				return -1;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && form) {
			c = ' ';
		}
		if (!c)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

/* Splits path into at most max segments (pointers into buf). -1 when the
 * path is not absolute, too long, or has an empty or dot segment inside. */
static int split(const char *path, char *buf, char **seg, int max, int *trailing)
{
	size_t len = strlen(path);
	int n = 0;
	char *p;

	if (path[0] != '/' || len > WEB_MAX_PATH)
		return -1;
	memcpy(buf, path + 1, len);
	*trailing = len > 1 && path[len - 1] == '/';
	if (*trailing)
		buf[len - 2] = 0;
	if (!buf[0])
		return 0;
	for (p = buf; p; n++) {
		char *slash = strchr(p, '/');
		if (n == max)
			return -1;
		if (slash)
			*slash = 0;
		if (!*p || !strcmp(p, ".") || !strcmp(p, ".."))
			return -1;
		seg[n] = p;
		p = slash ? slash + 1 : NULL;
	}
	return n;
}

static int parse_num(const char *s, long long *out)
{
	long long v = 0;

	if (!*s || strlen(s) > 15 || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int set_slug(struct web_route *r, const char *s)
{
	if (!web_slug_valid(s))
		return -1;
	memcpy(r->slug, s, strlen(s) + 1); /* valid slugs fit */
	return 0;
}

static enum web_route_id route_status(char **seg, int n, int trailing, struct web_route *r)
{
	static const char *const files[] = {"entry.txt", "path.txt", "head.txt", "head.sig",
	                                    "head.tst"};
	size_t l;
	char slug[WEB_MAX_SLUG + 8];

	if (n == 1)
		return WEB_R_STATUS_INDEX; /* /status and /status/ */
	if (n == 2 && !trailing) {
		l = strlen(seg[1]);
		if (l > 5 && l < sizeof(slug) && !strcmp(seg[1] + l - 5, ".json")) {
			memcpy(slug, seg[1], l - 5);
			slug[l - 5] = 0;
			return set_slug(r, slug) ? WEB_R_NOT_FOUND : WEB_R_STATUS_JSON;
		}
		return set_slug(r, seg[1]) ? WEB_R_NOT_FOUND : WEB_R_STATUS;
	}
	if (n < 3 || trailing || set_slug(r, seg[1]))
		return WEB_R_NOT_FOUND;
	if (n == 3 && !strcmp(seg[2], "feed.atom"))
		return WEB_R_STATUS_FEED;
	if (n == 3 && !strcmp(seg[2], "verify"))
		return WEB_R_STATUS_VERIFY;
	if (n == 3 && !strcmp(seg[2], "ledger.pub"))
		return WEB_R_LEDGER_PUB;
	if (n == 3 && !strcmp(seg[2], "tsa-ca.pem"))
		return WEB_R_TSA_CA;
	if (strcmp(seg[2], "proof") || n < 4)
		return WEB_R_NOT_FOUND;
	if (n == 4) {
		l = strlen(seg[3]);
		if (l > 5 && !strcmp(seg[3] + l - 5, ".json")) {
			seg[3][l - 5] = 0;
			return parse_num(seg[3], &r->seq) ? WEB_R_NOT_FOUND : WEB_R_PROOF_JSON;
		}
		return parse_num(seg[3], &r->seq) ? WEB_R_NOT_FOUND : WEB_R_PROOF;
	}
	if (n != 6 || parse_num(seg[3], &r->seq) || parse_num(seg[4], &r->size))
		return WEB_R_NOT_FOUND;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(seg[5], files[i])) {
			r->file = (enum web_proof_file)i;
			return WEB_R_PROOF_FILE;
		}
	return WEB_R_NOT_FOUND;
}

static enum web_route_id route_dash(char **seg, int n, int trailing, struct web_route *r)
{
	if (n == 1)
		return WEB_R_DASHBOARD; /* /dashboard and /dashboard/ */
	if (trailing)
		return WEB_R_NOT_FOUND;
	if (n == 2 && !strcmp(seg[1], "ledger"))
		return WEB_R_DASH_LEDGER;
	if (n == 3 && !strcmp(seg[1], "ledger") && !strcmp(seg[2], "verify"))
		return WEB_R_DASH_LEDGER_VERIFY;
	if (n == 3 && !strcmp(seg[1], "ledger") && !strcmp(seg[2], "export"))
		return WEB_R_DASH_LEDGER_EXPORT;
	if (n == 3 && !strcmp(seg[1], "incidents") && !parse_num(seg[2], &r->seq))
		return WEB_R_DASH_INCIDENT;
	if (n == 4 && !strcmp(seg[1], "incidents") && !parse_num(seg[2], &r->seq) &&
	    !strcmp(seg[3], "followup"))
		return WEB_R_DASH_FOLLOWUP;
	if (n == 3 && !set_slug(r, seg[1]) && !strcmp(seg[2], "checks"))
		return WEB_R_DASH_CHECKS;
	if (n == 3 && !set_slug(r, seg[1]) && !strcmp(seg[2], "maintenance"))
		return WEB_R_DASH_MAINT;
	if (n == 3 && !set_slug(r, seg[1]) && !strcmp(seg[2], "controls"))
		return WEB_R_DASH_CONTROLS;
	if (n == 3 && !set_slug(r, seg[1]) && !strcmp(seg[2], "attest"))
		return WEB_R_DASH_ATTEST;
	if (n == 3 && !set_slug(r, seg[1]) && !strcmp(seg[2], "reports"))
		return WEB_R_DASH_REPORTS;
	if (n == 4 && !set_slug(r, seg[1]) && !strcmp(seg[2], "reports") &&
	    !parse_num(seg[3], &r->seq) && r->seq > 0)
		return WEB_R_DASH_REPORTS;
	if (n == 5 && !set_slug(r, seg[1]) && !strcmp(seg[2], "checks") &&
	    !parse_num(seg[3], &r->seq) && !strcmp(seg[4], "chart.svg"))
		return WEB_R_CHART;
	return WEB_R_NOT_FOUND;
}

static enum web_route_id route_api(char **seg, int n, int trailing, struct web_route *r)
{
	if (trailing || n < 3 || strcmp(seg[1], "v1"))
		return WEB_R_NOT_FOUND;
	if (n == 3 && !strcmp(seg[2], "openapi.json"))
		return WEB_R_API_OPENAPI;
	if (n == 3 && !strcmp(seg[2], "services"))
		return WEB_R_API_SERVICES;
	if (n == 3 && !strcmp(seg[2], "users"))
		return WEB_R_API_USERS;
	if (!strcmp(seg[2], "services") && n >= 4 && !set_slug(r, seg[3])) {
		if (n == 4)
			return WEB_R_API_SERVICE;
		if (n == 5 && !strcmp(seg[4], "incidents"))
			return WEB_R_API_INCIDENTS;
		if (n == 5 && !strcmp(seg[4], "availability"))
			return WEB_R_API_AVAIL;
		if (n == 5 && !strcmp(seg[4], "checks"))
			return WEB_R_API_CHECKS;
		if (n == 5 && !strcmp(seg[4], "assessment"))
			return WEB_R_API_ASSESSMENT;
		if (n == 5 && !strcmp(seg[4], "controls"))
			return WEB_R_API_CONTROLS;
		if (n == 5 && !strcmp(seg[4], "maintenance"))
			return WEB_R_API_MAINT;
		if (n == 5 && !strcmp(seg[4], "reports"))
			return WEB_R_API_REPORTS;
		if (n == 6 && !strcmp(seg[4], "reports") && !parse_num(seg[5], &r->seq))
			return WEB_R_API_REPORT;
		return WEB_R_NOT_FOUND;
	}
	if (!strcmp(seg[2], "incidents") && n >= 4 && !parse_num(seg[3], &r->seq)) {
		if (n == 4)
			return WEB_R_API_INCIDENT;
		if (n == 5 && !strcmp(seg[4], "followups"))
			return WEB_R_API_FOLLOWUP;
		return WEB_R_NOT_FOUND;
	}
	if (!strcmp(seg[2], "ledger") && n == 4 && !strcmp(seg[3], "head"))
		return WEB_R_API_LEDGER_HEAD;
	if (!strcmp(seg[2], "ledger") && n == 4 && !strcmp(seg[3], "consistency"))
		return WEB_R_API_LEDGER_CONS;
	if (!strcmp(seg[2], "ledger") && n == 4 && !strcmp(seg[3], "verification"))
		return WEB_R_API_LEDGER_VERIFICATION;
	if (!strcmp(seg[2], "ledger") && n == 4 && !strcmp(seg[3], "export"))
		return WEB_R_API_LEDGER_EXPORT;
	if (!strcmp(seg[2], "ledger") && n == 5 && !strcmp(seg[3], "proofs") &&
	    !parse_num(seg[4], &r->seq))
		return WEB_R_API_LEDGER_PROOF;
	return WEB_R_NOT_FOUND;
}

void web_route_match(const char *method, const char *path, struct web_route *out)
{
	char buf[WEB_MAX_PATH + 1];
	char *seg[8];
	int n, trailing, get, post;

	memset(out, 0, sizeof(*out));
	get = method && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
	post = method && !strcmp(method, "POST");
	out->is_post = post;
	if (!path || (n = split(path, buf, seg, 8, &trailing)) < 0)
		return;
	out->allowed = WEB_M_GET;
	if (n == 0)
		out->id = WEB_R_ROOT;
	else if (n == 2 && !trailing && !strcmp(seg[0], "assets") && !strcmp(seg[1], "style.css"))
		out->id = WEB_R_STYLESHEET;
	else if (n == 1 && !trailing && !strcmp(seg[0], "healthz"))
		out->id = WEB_R_HEALTH;
	else if (n == 1 && !trailing && !strcmp(seg[0], "favicon.ico"))
		out->id = WEB_R_FAVICON;
	else if (n == 1 && !trailing && !strcmp(seg[0], "metrics"))
		out->id = WEB_R_METRICS;
	else if (n == 1 && !trailing && !strcmp(seg[0], "login")) {
		out->id = WEB_R_LOGIN;
		out->allowed = WEB_M_GET | WEB_M_POST;
	} else if (n == 1 && !trailing && !strcmp(seg[0], "logout")) {
		out->id = WEB_R_LOGOUT;
		out->allowed = WEB_M_POST;
	} else if (!strcmp(seg[0], "status"))
		out->id = route_status(seg, n, trailing, out);
	else if (!strcmp(seg[0], "dashboard"))
		out->id = route_dash(seg, n, trailing, out);
	else if (!strcmp(seg[0], "api"))
		out->id = route_api(seg, n, trailing, out);
	else if (n == 3 && !trailing && !strcmp(seg[0], "badge") && !set_slug(out, seg[1]))
		out->id = !strcmp(seg[2], "status.svg")         ? WEB_R_BADGE_STATUS
		          : !strcmp(seg[2], "availability.svg") ? WEB_R_BADGE_AVAIL
		                                                : WEB_R_NOT_FOUND;
	if (out->id == WEB_R_DASH_FOLLOWUP || out->id == WEB_R_DASH_ATTEST ||
	    out->id == WEB_R_DASH_LEDGER_VERIFY || out->id == WEB_R_DASH_LEDGER_EXPORT)
		out->allowed = WEB_M_POST;
	if (out->id == WEB_R_API_FOLLOWUP || out->id == WEB_R_DASH_MAINT ||
	    out->id == WEB_R_API_MAINT || out->id == WEB_R_DASH_REPORTS ||
	    out->id == WEB_R_API_REPORTS || out->id == WEB_R_API_LEDGER_VERIFICATION)
		out->allowed = WEB_M_GET | WEB_M_POST;
	if (out->id == WEB_R_NOT_FOUND) {
		out->allowed = 0;
		out->slug[0] = 0; /* nothing half-parsed leaks out of a miss */
	}
	out->method_ok =
	    (get && (out->allowed & WEB_M_GET)) || (post && (out->allowed & WEB_M_POST));
}

enum sg_code web_form_parse(const char *src, size_t len, struct web_form *out, struct sg_error *err)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (len > WEB_MAX_FORM)
		return sg_error_set(err, SG_ERR_INPUT, "%s",
		                    ETR(err, "フォームが大きすぎます", "the form is too large"));
	while (i < len) {
		size_t j = i, eq;
		char *k, *v;
		while (j < len && src[j] != '&')
			j++;
		if (j == i) {
			i++;
			continue;
		}
		for (eq = i; eq < j && src[eq] != '='; eq++)
			;
		if (out->n == WEB_MAX_PAIRS) {
			web_form_release(out);
			return sg_error_set(
			    err, SG_ERR_INPUT, "%s",
			    ETR(err, "フォームの項目が多すぎます", "the form has too many fields"));
		}
		k = xmalloc(eq - i + 1);
		v = xmalloc((eq < j ? j - eq - 1 : 0) + 1);
		if (web_percent_decode(src + i, eq - i, 1, k) ||
		    web_percent_decode(src + eq + (eq < j), eq < j ? j - eq - 1 : 0, 1, v)) {
			free(k);
			free(v);
			web_form_release(out);
			return sg_error_set(err, SG_ERR_INPUT, "%s",
			                    ETR(err, "フォームの符号化が正しくありません",
			                        "the form is not correctly encoded"));
		}
		out->key[out->n] = k;
		out->value[out->n++] = v;
		i = j + 1;
	}
	return SG_OK;
}

const char *web_form_get(const struct web_form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return f->value[i];
	return NULL;
}

void web_form_release(struct web_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->key[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

enum sg_lang web_lang_negotiate(const char *lang_param, const char *accept_language)
{
	double best_q = -1;
	enum sg_lang best = SG_LANG_JA;
	const char *p = accept_language;

	if (lang_param && !strcmp(lang_param, "en"))
		return SG_LANG_EN;
	if (lang_param && !strcmp(lang_param, "ja"))
		return SG_LANG_JA;
	while (p && *p) {
		const char *end = strchr(p, ','), *semi;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		double q = 1;
		int which = -1;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len >= 2 && !strncasecmp(p, "ja", 2) &&
		    (len == 2 || p[2] == '-' || p[2] == ';' || p[2] == ' '))
			which = SG_LANG_JA;
		else if (len >= 2 && !strncasecmp(p, "en", 2) &&
		         (len == 2 || p[2] == '-' || p[2] == ';' || p[2] == ' '))
			which = SG_LANG_EN;
		semi = memchr(p, ';', len);
		if (semi && (size_t)(semi - p) + 3 <= len && !strncmp(semi, ";q=", 3)) {
			char num[8];
			size_t nl = len - (size_t)(semi - p) - 3;
			if (nl >= sizeof(num))
				nl = sizeof(num) - 1;
			memcpy(num, semi + 3, nl);
			num[nl] = 0;
			q = strtod(num, NULL);
		}
		if (which >= 0 && q > best_q && q > 0) {
			best_q = q;
			best = (enum sg_lang)which;
		}
		p = end ? end + 1 : NULL;
	}
	return best;
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The q-value of one Accept-* element's parameters [p, end): 1 without
 * one, 0 for a malformed one (RFC 9110 12.4.2: at most three decimals). */
static double element_q(const char *p, const char *end)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		p = skip_ows(p);
		if (e - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char num[8];
			size_t n = (size_t)(e - p - 2);
			while (n && (p[2 + n - 1] == ' ' || p[2 + n - 1] == '\t'))
				n--;
			if (!n || n >= sizeof(num) || (p[2] != '0' && p[2] != '1'))
				return 0;
			memcpy(num, p + 2, n);
			num[n] = 0;
			for (size_t i = 1; i < n; i++)
				if (!(i == 1 ? num[i] == '.' : isdigit((unsigned char)num[i])))
					return 0;
			return strtod(num, NULL);
		}
		p = semi ? semi + 1 : end;
	}
	return 1;
}

int web_accepts_gzip(const char *ae)
{
	double gzip = -1, star = -1;

	while (ae && *ae) {
		const char *end = strchr(ae, ','), *p = skip_ows(ae), *tok;
		size_t len;
		if (!end)
			end = ae + strlen(ae);
		if (p > end)
			p = end;
		tok = p;
		while (p < end && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		len = (size_t)(p - tok);
		if ((len == 4 && !strncasecmp(tok, "gzip", 4)) ||
		    (len == 6 && !strncasecmp(tok, "x-gzip", 6)))
			gzip = element_q(p, end);
		else if (len == 1 && *tok == '*')
			star = element_q(p, end);
		ae = *end ? end + 1 : end;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}

int web_etag_matches(const char *inm, const char *etag)
{
	size_t elen;

	if (!inm || !etag)
		return 0;
	if (etag[0] == 'W' && etag[1] == '/')
		etag += 2;
	elen = strlen(etag);
	for (const char *p = inm; *p;) {
		const char *q;
		p = skip_ows(p);
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return 0; /* malformed: no match, the full response is sent */
		if (!(q = strchr(p + 1, '"')))
			return 0;
		if ((size_t)(q + 1 - p) == elen && !memcmp(p, etag, elen))
			return 1;
		p = skip_ows(q + 1);
		if (*p != ',')
			return 0;
		p++;
	}
	return 0;
}

int web_cidr_parse(const char *s, struct web_cidr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	long long bits = -1;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		if (parse_num(slash + 1, &bits) || bits > out->bits)
			return -1;
		out->bits = (int)bits;
	}
	return 0;
}

int web_cidr_contains(const struct web_cidr *c, int family, const unsigned char *addr)
{
	int full = c->bits / 8, rest = c->bits % 8;
	unsigned char v4m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	/* An IPv4 client seen on an IPv6 socket (::ffff:a.b.c.d). */
	if (family == AF_INET6 && c->family == AF_INET && !memcmp(addr, v4m, 12)) {
		family = AF_INET;
		addr += 12;
	}
	if (family != c->family)
		return 0;
	if (memcmp(addr, c->addr, (size_t)full))
		return 0;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		if ((addr[full] & m) != (c->addr[full] & m))
			return 0;
	}
	return 1;
}
