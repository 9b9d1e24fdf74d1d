/*
 * monitor_config - the monitor, service_hours and maintenance sections; see
 * monitor_config.h.
 */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fileio.h"
#include "monitor_config.h"
#include "redact.h"
#include "secretfile.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

#define MIN_INTERVAL_S 1.0

const char *monitor_config_kind_name(enum check_kind k)
{
	static const char *const names[] = {"liveness", "fault", "performance", "external_network"};
	return names[k];
}

const char *monitor_config_type_name(enum check_type t)
{
	static const char *const names[] = {"http", "tcp", "icmp"};
	return names[t];
}

const char *monitor_config_incident_kind(enum check_kind k)
{
	static const char *const names[] = {"outage", "fault", "degradation", "external_network"};
	return names[k];
}

const char *monitor_config_interval_item(enum check_kind k)
{
	static const char *const ids[] = {"III.1.1.1.a", "III.1.1.2.a", "III.1.1.3.a", NULL};
	return ids[k];
}

const char *monitor_config_notify_item(enum check_kind k)
{
	static const char *const ids[] = {"III.1.1.1.b", "III.1.1.2.b", "III.1.1.3.b",
	                                  "III.3.2.5.a"};
	return ids[k];
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int day_index(const char *s, size_t len)
{
	for (int i = 0; i < 7; i++)
		if (len == 3 && !strncasecmp(s, day_names[i], 3))
			return i;
	return -1;
}

int monitor_config_days_parse(const char *s)
{
	unsigned bits = 0;
	const char *p = s;

	while (*p) {
		const char *e = p;
		int a, b;
		while (*e && *e != ',' && *e != '-')
			e++;
		if ((a = day_index(p, (size_t)(e - p))) < 0)
			return -1;
		b = a;
		if (*e == '-') {
			const char *f = ++e;
			while (*e && *e != ',')
				e++;
			if ((b = day_index(f, (size_t)(e - f))) < 0)
				return -1;
		}
		for (int d = a;; d = (d + 1) % 7) {
			bits |= 1u << d;
			if (d == b)
				break;
		}
		if (*e == ',')
			e++;
		else if (*e)
			return -1;
		p = e;
	}
	return bits ? (int)bits : -1;
}

int monitor_config_time_parse(const char *s)
{
	int h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

static void check_release(struct check_def *c)
{
	free(c->name);
	free(c->target);
	free(c->url);
	free(c->method);
	for (size_t i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	free(c->headers);
	if (c->expect_body && c->body_regex)
		regfree(&c->re);
	free(c->expect_body);
	free(c->host);
	free(c->username);
	if (c->password) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->below_reference_reason);
	free(c->component);
	for (size_t i = 0; i < c->ndepends_on; i++)
		free(c->depends_on[i]);
	free(c->depends_on);
	free(c->dep_checks);
}

void monitor_config_free(struct monitor_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nchecks; i++)
		check_release(&cfg->checks[i]);
	for (size_t i = 0; cfg->secret_params && cfg->secret_params[i]; i++)
		free(cfg->secret_params[i]);
	free(cfg->secret_params);
	free(cfg->checks);
	for (size_t i = 0; i < cfg->nmaint; i++)
		free(cfg->maint[i].note);
	free(cfg->maint);
	free(cfg->hours.timezone);
	free(cfg->service);
	free(cfg);
}

static int pick(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static enum sg_code opt_str(const struct ydoc *doc, const struct ydoc_node *map, const char *key,
                            const char *what, char **out, struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(map, key);
	const char *v;
	enum sg_code rc;
	char w[96];

	if (!n || ydoc_is_null(n))
		return SG_OK;
	snprintf(w, sizeof(w), "%s.%s", what, key);
	if ((rc = ydoc_str(doc, n, w, &v, err)))
		return rc;
	if (!*v)
		return ydoc_error(doc, n, err, ETR(err, "%s が空です", "%s is empty"), w);
	*out = xstrdup(v);
	return SG_OK;
}

static enum sg_code opt_duration(const struct ydoc *doc, const struct ydoc_node *map,
                                 const char *key, const char *what, double *out,
                                 struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(map, key);
	char w[96];

	if (!n || ydoc_is_null(n))
		return SG_OK;
	snprintf(w, sizeof(w), "%s.%s", what, key);
	return ydoc_duration(doc, n, w, out, err);
}

/* username / password_file / headers_file: credentials kept out of the
 * profile (and so out of the URL, the records and the ledger). */
static enum sg_code parse_credentials(const struct ydoc *doc, const struct ydoc_node *m,
                                      struct check_def *c, const char *what, struct sg_error *err)
{
	const struct ydoc_node *n;
	char *path = NULL, *text = NULL;
	enum sg_code rc;

	if ((rc = opt_str(doc, m, "username", what, &c->username, err)) ||
	    (rc = opt_str(doc, m, "password_file", what, &path, err)))
		return rc;
	if (path) {
		rc = secretfile_read(doc, ydoc_get(m, "password_file"), "password_file", path,
		                     16384, &c->password, err);
		free(path);
		path = NULL;
		if (rc)
			return rc;
		if (!c->username)
			return ydoc_missing(doc, m, "username", what, err);
	}
	if ((rc = opt_str(doc, m, "headers_file", what, &path, err)) || !path)
		return rc;
	n = ydoc_get(m, "headers_file");
	rc = secretfile_read(doc, n, "headers_file", path, 16384, &text, err);
	free(path);
	if (rc)
		return rc;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = 0;
		if (!*line)
			continue;
		if (!strchr(line, ':') || line[0] == ':') {
			free(text);
			return ydoc_error(doc, n, err, "%s",
			                  ETR(err,
			                      "headers_file は「名前: 値」の行で書いてください",
			                      "headers_file holds lines of \"Name: value\""));
		}
		c->headers = xrealloc(c->headers, (c->nheaders + 2) * sizeof(char *));
		c->headers[c->nheaders++] = xstrdup(line);
		c->headers[c->nheaders] = NULL;
	}
	free(text);
	return SG_OK;
}

/* The URL's host (without IPv6 brackets) and port (the scheme's default
 * when none is written): the monitor resolves the name itself. */
static int url_host_port(struct check_def *c)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int bad = curl_url_set(u, CURLUPART_URL, c->url, 0) ||
	          curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	          curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);

	if (!bad) {
		size_t n = strlen(host);
		if (n > 2 && host[0] == '[' && host[n - 1] == ']')
			c->host = xstrndup(host + 1, n - 2);
		else
			c->host = xstrdup(host);
		c->port = atoi(port);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return bad;
}

static enum sg_code parse_http(const struct ydoc *doc, const struct ydoc_node *m,
                               struct check_def *c, const char *what, char **secret_params,
                               struct sg_error *err)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "OPTIONS", NULL};
	const struct ydoc_node *n;
	enum sg_code rc;
	long long v;

	if (!ydoc_get(m, "url"))
		return ydoc_missing(doc, m, "url", what, err);
	if ((rc = opt_str(doc, m, "url", what, &c->url, err)))
		return rc;
	if (!c->url)
		return ydoc_missing(doc, m, "url", what, err);
	if (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8))
		return ydoc_error(doc, ydoc_get(m, "url"), err, "%s",
		                  ETR(err, "url は http:// か https:// で始めてください",
		                      "url must start with http:// or https://"));
	c->target = redact_url(c->url, (const char *const *)secret_params);
	if (url_host_port(c)) {
		ydoc_error(doc, ydoc_get(m, "url"), err, "%s",
		           ETR(err, "url を URL として読めません", "url is not a valid URL"));
		sg_error_hint(err, "%s",
		              ETR(err, "例: https://app.example.jp/healthz",
		                  "for example https://app.example.jp/healthz"));
		return SG_ERR_INPUT;
	}
	if ((rc = opt_str(doc, m, "method", what, &c->method, err)))
		return rc;
	if (!c->method)
		c->method = xstrdup("GET");
	if (pick(c->method, methods) < 0) {
		ydoc_error(doc, ydoc_get(m, "method"), err,
		           ETR(err, "method '%s' は使えません", "method '%s' is not supported"),
		           c->method);
		sg_error_hint(err, "GET, HEAD, POST, PUT, OPTIONS");
		return SG_ERR_INPUT;
	}
	if ((n = ydoc_get(m, "headers"))) {
		if ((rc = ydoc_want(doc, n, YDOC_MAP, "headers", err)))
			return rc;
		c->headers = xcalloc(n->npairs + 1, sizeof(char *));
		for (size_t i = 0; i < n->npairs; i++) {
			const char *hv;
			if ((rc = ydoc_str(doc, n->pairs[i].value, "headers", &hv, err)))
				return rc;
			if (strpbrk(n->pairs[i].key->scalar, ":\r\n") || strpbrk(hv, "\r\n"))
				return ydoc_error(doc, n->pairs[i].key, err, "%s",
				                  ETR(err, "ヘッダーに改行やコロンは書けません",
				                      "a header cannot contain a line break or a "
				                      "colon in its name"));
			c->headers[c->nheaders++] = xstrfmt("%s: %s", n->pairs[i].key->scalar, hv);
		}
	}
	if ((n = ydoc_get(m, "expect_status"))) {
		if ((rc = ydoc_int(doc, n, "expect_status", 100, 599, &v, err)))
			return rc;
		c->expect_status = (int)v;
	}
	if ((rc = opt_str(doc, m, "expect_body", what, &c->expect_body, err)))
		return rc;
	if ((n = ydoc_get(m, "expect_body_regex"))) {
		int e;
		if (c->expect_body)
			return ydoc_error(doc, n, err, "%s",
			                  ETR(err,
			                      "expect_body と expect_body_regex はどちらか一方だけ",
			                      "give expect_body or expect_body_regex, not both"));
		if ((rc = opt_str(doc, m, "expect_body_regex", what, &c->expect_body, err)))
			return rc;
		if (!c->expect_body)
			return ydoc_error(
			    doc, n, err, "%s",
			    ETR(err, "expect_body_regex が空です", "expect_body_regex is empty"));
		c->body_regex = 1;
		if ((e = regcomp(&c->re, c->expect_body, REG_EXTENDED | REG_NOSUB))) {
			char buf[128];
			regerror(e, &c->re, buf, sizeof(buf));
			free(c->expect_body);
			c->expect_body = NULL;
			c->body_regex = 0;
			ydoc_error(
			    doc, n, err,
			    ETR(err, "正規表現として読めません: %s", "not a valid regex: %s"), buf);
			sg_error_hint(err, "%s",
			              ETR(err, "POSIX 拡張正規表現で書いてください（例: ^OK$）",
			                  "write a POSIX extended regex, e.g. ^OK$"));
			return SG_ERR_INPUT;
		}
	}
	if ((n = ydoc_get(m, "reuse_connection")) &&
	    (rc = ydoc_bool(doc, n, "reuse_connection", &c->reuse_connection, err)))
		return rc;
	if ((n = ydoc_get(m, "tls_verify")) &&
	    (rc = ydoc_bool(doc, n, "tls_verify", &c->tls_verify, err)))
		return rc;
	return SG_OK;
}

static enum sg_code parse_host(const struct ydoc *doc, const struct ydoc_node *m,
                               struct check_def *c, const char *what, int need_port,
                               struct sg_error *err)
{
	const struct ydoc_node *n;
	enum sg_code rc;
	long long v;

	if (!ydoc_get(m, "host"))
		return ydoc_missing(doc, m, "host", what, err);
	if ((rc = opt_str(doc, m, "host", what, &c->host, err)))
		return rc;
	if (!c->host)
		return ydoc_missing(doc, m, "host", what, err);
	if (need_port) {
		if (!(n = ydoc_get(m, "port")))
			return ydoc_missing(doc, m, "port", what, err);
		if ((rc = ydoc_int(doc, n, "port", 1, 65535, &v, err)))
			return rc;
		c->port = (int)v;
		c->target = xstrfmt(strchr(c->host, ':') ? "[%s]:%d" : "%s:%d", c->host, c->port);
	} else {
		c->target = xstrdup(c->host);
	}
	return SG_OK;
}

/* The interval: the pattern's reference value unless given; looser than a
 * required (*) reference only with below_reference_reason. */
static enum sg_code parse_interval(const struct ydoc *doc, const struct ydoc_node *m,
                                   const struct monitor_config *cfg, const struct catalog *cat,
                                   struct check_def *c, struct sg_error *err)
{
	const struct ydoc_node *n;
	enum sg_code rc;

	/* External network checks have no interval item; they default to the
	 * liveness one. */
	c->item_id = monitor_config_interval_item(c->kind);
	{
		const struct eval_item *it =
		    catalog_item(cat, c->item_id ? c->item_id : "III.1.1.1.a");
		const struct reference_value *ref = it ? &it->refs[cfg->pattern - 1] : NULL;
		if (ref && ref->kind == REF_MAX_INTERVAL) {
			c->reference_s = ref->quantity.seconds;
			c->reference_required = ref->required && c->item_id;
		}
	}
	c->interval_s = c->reference_s > 0 ? c->reference_s : 300;
	if ((n = ydoc_get(m, "interval"))) {
		if ((rc = ydoc_duration(doc, n, "interval", &c->interval_s, err)))
			return rc;
		if (c->interval_s < MIN_INTERVAL_S) {
			ydoc_error(doc, n, err, "%s",
			           ETR(err, "interval は 1s 以上にしてください",
			               "interval must be at least 1s"));
			sg_error_hint(err, "interval: 1s");
			return SG_ERR_INPUT;
		}
		if (c->reference_required && c->interval_s > c->reference_s &&
		    !c->below_reference_reason) {
			struct dynbuf ref = DYNBUF_INIT;
			value_format_duration(c->reference_s, &ref);
			ydoc_error(
			    doc, n, err,
			    ETR(err,
			        "interval がパターン %d の %s の基準値（%s 以内、必須 *）より"
			        "長いため開始できません",
			        "interval is longer than pattern %d's required (*) reference "
			        "value for %s (at most %s), so the monitor will not start"),
			    cfg->pattern, c->item_id, dynbuf_ptr(&ref));
			sg_error_hint(
			    err,
			    ETR(err,
			        "interval: %s 以下にするか、below_reference_reason: で理由を"
			        "書いてください",
			        "use interval: %s or less, or say why in "
			        "below_reference_reason:"),
			    dynbuf_ptr(&ref));
			dynbuf_release(&ref);
			return SG_ERR_INPUT;
		}
	}
	return SG_OK;
}

/* component: (default: the check's name) and depends_on: as written; the
 * names are resolved once every check is read (resolve_depends()). */
static enum sg_code parse_component(const struct ydoc *doc, const struct ydoc_node *m,
                                    struct check_def *c, const char *what, struct sg_error *err)
{
	const struct ydoc_node *n;
	const char *s;
	enum sg_code rc;

	if ((rc = opt_str(doc, m, "component", what, &c->component, err)))
		return rc;
	if (!c->component)
		c->component = xstrdup(c->name);
	if (!(n = ydoc_get(m, "depends_on")) || ydoc_is_null(n))
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_SEQ, "depends_on", err)))
		return rc;
	c->depends_on = xcalloc(n->nitems ? n->nitems : 1, sizeof(char *));
	for (size_t i = 0; i < n->nitems; i++) {
		if ((rc = ydoc_str(doc, n->items[i], "depends_on[]", &s, err)))
			return rc;
		c->depends_on[c->ndepends_on++] = xstrdup(s);
	}
	return SG_OK;
}

/* The check names seen so far: an open-addressed hash set of check indices
 * (+1; 0 is empty), at most half full, so a profile of 100,000 checks is not
 * 5 billion name comparisons. */
struct name_set {
	size_t *slot;
	size_t cap; /* a power of two */
};

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Adds checks[idx]'s name; 1 if an earlier check has it (not added). */
static int name_set_add(struct name_set *ns, const struct check_def *checks, size_t idx)
{
	size_t i = name_hash(checks[idx].name) & (ns->cap - 1);

	for (; ns->slot[i]; i = (i + 1) & (ns->cap - 1))
		if (!strcmp(checks[ns->slot[i] - 1].name, checks[idx].name))
			return 1;
	ns->slot[i] = idx + 1;
	return 0;
}

static enum sg_code parse_check(const struct ydoc *doc, const struct ydoc_node *m,
                                struct monitor_config *cfg, const struct catalog *cat,
                                struct check_def *c, struct name_set *seen, struct sg_error *err)
{
	static const char *const keys[] = {"name",
	                                   "label", /* customer-facing; read by notify */
	                                   "kind",
	                                   "type",
	                                   "url",
	                                   "method",
	                                   "headers",
	                                   "expect_status",
	                                   "expect_body",
	                                   "expect_body_regex",
	                                   "tls_verify",
	                                   "reuse_connection",
	                                   "username",
	                                   "password_file",
	                                   "headers_file",
	                                   "timeout",
	                                   "host",
	                                   "port",
	                                   "interval",
	                                   "below_reference_reason",
	                                   "max_response_time",
	                                   "confirm",
	                                   "public", /* read by the web status page */
	                                   "group",  /* read by the web status page */
	                                   "component",
	                                   "depends_on",
	                                   NULL};
	static const char *const kinds[] = {"liveness", "fault", "performance", "external_network",
	                                    NULL};
	static const char *const types[] = {"http", "tcp", "icmp", NULL};
	const struct ydoc_node *n;
	const char *s;
	char what[160];
	enum sg_code rc;
	int k;
	long long v;

	c->line = m->line;
	c->col = m->col;
	c->tls_verify = 1;
	c->confirm = cfg->confirm;
	if ((rc = ydoc_want(doc, m, YDOC_MAP, "monitor.checks[]", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "monitor.checks[]", err)))
		return rc;
	if (!ydoc_get(m, "name"))
		return ydoc_missing(doc, m, "name", "monitor.checks[]", err);
	if ((rc = opt_str(doc, m, "name", "monitor.checks[]", &c->name, err)))
		return rc;
	if (!c->name)
		return ydoc_missing(doc, m, "name", "monitor.checks[]", err);
	snprintf(what, sizeof(what), "monitor.checks[%s]", c->name);
	if (name_set_add(seen, cfg->checks, (size_t)(c - cfg->checks)))
		return ydoc_error(
		    doc, ydoc_get(m, "name"), err,
		    ETR(err, "チェック名 '%s' が重複しています", "check name '%s' is used twice"),
		    c->name);
	for (int f = 0; f < 2; f++) {
		const char *key = f ? "type" : "kind";
		const char *const *names = f ? types : kinds;
		if (!(n = ydoc_get(m, key)))
			return ydoc_missing(doc, m, key, what, err);
		if ((rc = ydoc_str(doc, n, key, &s, err)))
			return rc;
		if ((k = pick(s, names)) < 0) {
			ydoc_error(doc, n, err,
			           ETR(err, "%s に '%s' は書けません", "%s cannot be '%s'"), key,
			           s);
			sg_error_hint(err, "%s",
			              f ? "http, tcp, icmp"
			                : "liveness, fault, performance, external_network");
			return SG_ERR_INPUT;
		}
		if (f)
			c->type = (enum check_type)k;
		else
			c->kind = (enum check_kind)k;
	}
	if (c->type != CHECK_HTTP)
		rc = parse_host(doc, m, c, what, c->type == CHECK_TCP, err);
	else if (!(rc = parse_http(doc, m, c, what, cfg->secret_params, err)))
		rc = parse_credentials(doc, m, c, what, err);
	if (rc)
		return rc;
	if (c->type != CHECK_HTTP) {
		static const char *const http_only[] = {
		    "url",           "method",           "headers",
		    "expect_status", "expect_body",      "expect_body_regex",
		    "tls_verify",    "reuse_connection", NULL};
		for (int i = 0; http_only[i]; i++)
			if ((n = ydoc_get(m, http_only[i])))
				return ydoc_error(doc, n, err,
				                  ETR(err,
				                      "%s は type: http のチェックにだけ書けます",
				                      "%s only applies to type: http checks"),
				                  http_only[i]);
	} else if ((n = ydoc_get(m, "host")) || (n = ydoc_get(m, "port"))) {
		return ydoc_error(doc, n, err, "%s",
		                  ETR(err, "type: http のチェックは url で対象を指定します",
		                      "a type: http check names its target with url"));
	}
	if (c->type == CHECK_ICMP && (n = ydoc_get(m, "port")))
		return ydoc_error(doc, n, err, "%s",
		                  ETR(err, "icmp に port はありません", "icmp has no port"));
	if ((n = ydoc_get(m, "confirm"))) {
		if ((rc = ydoc_int(doc, n, "confirm", 1, 100, &v, err)))
			return rc;
		c->confirm = (int)v;
	}
	c->timeout_s = 10;
	if ((rc = opt_duration(doc, m, "timeout", what, &c->timeout_s, err)) ||
	    (rc = opt_duration(doc, m, "max_response_time", what, &c->max_response_s, err)) ||
	    (rc = opt_str(doc, m, "below_reference_reason", what, &c->below_reference_reason, err)))
		return rc;
	if (c->timeout_s < 0.001 || c->timeout_s > 300)
		return ydoc_error(doc, ydoc_get(m, "timeout"), err, "%s",
		                  ETR(err, "timeout は 1ms から 5m の間にしてください",
		                      "timeout must be between 1ms and 5m"));
	if ((n = ydoc_get(m, "max_response_time")) && c->kind != CHECK_PERFORMANCE)
		return ydoc_error(doc, n, err, "%s",
		                  ETR(err,
		                      "max_response_time は kind: performance のチェックに書きます",
		                      "max_response_time belongs to kind: performance checks"));
	if (c->kind == CHECK_PERFORMANCE && c->max_response_s <= 0) {
		ydoc_missing(doc, m, "max_response_time", what, err);
		sg_error_hint(
		    err, "%s",
		    ETR(err, "例: max_response_time: 800ms", "e.g. max_response_time: 800ms"));
		return SG_ERR_INPUT;
	}
	if ((rc = parse_component(doc, m, c, what, err)) ||
	    (rc = parse_interval(doc, m, cfg, cat, c, err)))
		return rc;
	if (c->timeout_s > c->interval_s)
		c->timeout_s = c->interval_s;
	return SG_OK;
}

/* depends_on names to check indices: a check's name first, else every check
 * of the component of that name. An unknown name, or a check depending on
 * itself or on a cycle back to it, is an error at the name. */
static enum sg_code resolve_depends(const struct ydoc *doc, const struct ydoc_node *checks,
                                    struct monitor_config *cfg, struct sg_error *err)
{
	struct dynbuf cycle = DYNBUF_INIT;

	for (size_t i = 0; i < cfg->nchecks; i++) {
		struct check_def *c = &cfg->checks[i];
		const struct ydoc_node *seq = ydoc_get(checks->items[i], "depends_on");
		if (!c->ndepends_on)
			continue;
		c->dep_checks = xcalloc(cfg->nchecks, sizeof(size_t));
		for (size_t d = 0; d < c->ndepends_on; d++) {
			const char *name = c->depends_on[d];
			int found = 0;
			for (size_t k = 0; k < cfg->nchecks && !found; k++)
				if (!strcmp(cfg->checks[k].name, name)) {
					found = 1;
					c->dep_checks[c->ndep_checks++] = k;
				}
			for (size_t k = 0; k < cfg->nchecks && !found; k++)
				if (!strcmp(cfg->checks[k].component, name))
					found = 2;
			for (size_t k = 0; found == 2 && k < cfg->nchecks; k++) {
				int dup = 0;
				if (strcmp(cfg->checks[k].component, name))
					continue;
				for (size_t j = 0; j < c->ndep_checks; j++)
					dup |= c->dep_checks[j] == k;
				if (!dup && c->ndep_checks < cfg->nchecks)
					c->dep_checks[c->ndep_checks++] = k;
			}
			if (!found) {
				ydoc_error(
				    doc, seq->items[d], err,
				    ETR(err,
				        "depends_on の '%s' "
				        "というチェックもコンポーネントもありません",
				        "depends_on names '%s', which is neither a check nor a "
				        "component"),
				    name);
				sg_error_hint(err, "%s",
				              ETR(err,
				                  "monitor.checks の name: か component: "
				                  "に書いた名前を書いてください",
				                  "write a name given as name: or component: in "
				                  "monitor.checks"));
				return SG_ERR_INPUT;
			}
		}
	}
	monitor_config_find_cycle(cfg, &cycle);
	if (dynbuf_len(&cycle)) {
		size_t first = 0;
		const char *s = dynbuf_ptr(&cycle);
		const char *arrow = strstr(s, " -> ");
		for (size_t k = 0; arrow && k < cfg->nchecks; k++)
			if (strlen(cfg->checks[k].name) == (size_t)(arrow - s) &&
			    !strncmp(cfg->checks[k].name, s, (size_t)(arrow - s)))
				first = k;
		ydoc_error(doc, ydoc_get(checks->items[first], "depends_on"), err,
		           ETR(err, "depends_on が循環しています: %s", "depends_on is a cycle: %s"),
		           s);
		sg_error_hint(
		    err, "%s",
		    ETR(err, "どれかの depends_on から循環を作る名前を外してください",
		        "remove one of the names that close the cycle from a depends_on"));
		dynbuf_release(&cycle);
		return SG_ERR_INPUT;
	}
	dynbuf_release(&cycle);
	return SG_OK;
}

/* Depth-first search over dep_checks; color 0 white, 1 on the path, 2 done. */
static int cycle_dfs(const struct monitor_config *cfg, size_t v, unsigned char *color, size_t *path,
                     size_t depth, struct dynbuf *out)
{
	const struct check_def *c = &cfg->checks[v];

	color[v] = 1;
	path[depth] = v;
	for (size_t i = 0; i < c->ndep_checks; i++) {
		size_t w = c->dep_checks[i];
		if (color[w] == 1) {
			size_t from = depth;
			while (path[from] != w)
				from--;
			for (size_t k = from; k <= depth; k++)
				dynbuf_printf(out, "%s -> ", cfg->checks[path[k]].name);
			dynbuf_addstr(out, cfg->checks[w].name);
			return 1;
		}
		if (!color[w] && cycle_dfs(cfg, w, color, path, depth + 1, out))
			return 1;
	}
	color[v] = 2;
	return 0;
}

void monitor_config_find_cycle(const struct monitor_config *cfg, struct dynbuf *out)
{
	unsigned char *color = xcalloc(cfg->nchecks ? cfg->nchecks : 1, 1);
	size_t *path = xcalloc(cfg->nchecks ? cfg->nchecks : 1, sizeof(size_t));

	dynbuf_reset(out);
	for (size_t v = 0; v < cfg->nchecks; v++)
		if (!color[v] && cycle_dfs(cfg, v, color, path, 0, out))
			break;
	free(color);
	free(path);
}

static enum sg_code parse_monitor(const struct ydoc *doc, const struct ydoc_node *mon,
                                  struct monitor_config *cfg, const struct catalog *cat,
                                  struct sg_error *err)
{
	static const char *const keys[] = {
	    "checks",          "confirm",       "retry_interval", "digest_interval",
	    "measure_window",  "secret_params", "retention",      "retention_failures",
	    "incident_window", "quorum",        "shards",         NULL};
	const struct ydoc_node *n, *checks;
	struct name_set names;
	enum sg_code rc;
	long long v;

	if ((rc = ydoc_want(doc, mon, YDOC_MAP, "monitor", err)) ||
	    (rc = ydoc_check_keys(doc, mon, keys, "monitor", err)))
		return rc;
	if ((n = ydoc_get(mon, "confirm"))) {
		if ((rc = ydoc_int(doc, n, "monitor.confirm", 1, 100, &v, err)))
			return rc;
		cfg->confirm = (int)v;
	}
	if ((n = ydoc_get(mon, "quorum"))) {
		if ((rc = ydoc_int(doc, n, "monitor.quorum", 1, 1000, &v, err)))
			return rc;
		cfg->quorum = (int)v;
	}
	if ((n = ydoc_get(mon, "shards"))) {
		const char *sv;
		if ((rc = ydoc_str(doc, n, "monitor.shards", &sv, err)))
			return rc;
		if (strcmp(sv, "auto") != 0)
			return ydoc_error(doc, n, err, "%s",
			                  ETR(err,
			                      "shards に書けるのは auto だけです（書かなければ全 "
			                      "monitor が全チェックを実行します）",
			                      "shards takes only auto (leave it out and every "
			                      "monitor runs every check)"));
		cfg->shards_auto = 1;
	}
	if ((rc = opt_duration(doc, mon, "retry_interval", "monitor", &cfg->retry_s, err)) ||
	    (rc = opt_duration(doc, mon, "digest_interval", "monitor", &cfg->digest_s, err)) ||
	    (rc = opt_duration(doc, mon, "measure_window", "monitor", &cfg->measure_window, err)) ||
	    (rc = opt_duration(doc, mon, "incident_window", "monitor", &cfg->incident_window_s,
	                       err)) ||
	    (rc = opt_duration(doc, mon, "retention", "monitor", &cfg->retention_ok_s, err)) ||
	    (rc = opt_duration(doc, mon, "retention_failures", "monitor", &cfg->retention_fail_s,
	                       err)))
		return rc;
	if (cfg->retention_ok_s < 86400 || cfg->retention_fail_s < 86400)
		return ydoc_error(doc, mon, err, "%s",
		                  ETR(err,
		                      "retention と retention_failures は 1d 以上にしてください",
		                      "retention and retention_failures must be at least 1d"));
	if (cfg->retry_s < 0.1 || cfg->digest_s < 1 || cfg->measure_window < 3600)
		return ydoc_error(doc, mon, err, "%s",
		                  ETR(err,
		                      "retry_interval は 100ms 以上、digest_interval は 1s 以上、"
		                      "measure_window は 1h 以上にしてください",
		                      "retry_interval must be at least 100ms, digest_interval at "
		                      "least 1s and measure_window at least 1h"));
	if (cfg->incident_window_s < 0 || cfg->incident_window_s > 3600)
		return ydoc_error(doc, ydoc_get(mon, "incident_window"), err, "%s",
		                  ETR(err, "incident_window は 0s から 1h の間にしてください",
		                      "incident_window must be between 0s and 1h"));
	if ((n = ydoc_get(mon, "secret_params"))) {
		if ((rc = ydoc_want(doc, n, YDOC_SEQ, "monitor.secret_params", err)))
			return rc;
		cfg->secret_params = xcalloc(n->nitems + 1, sizeof(char *));
		for (size_t i = 0; i < n->nitems; i++) {
			const char *name;
			if ((rc = ydoc_str(doc, n->items[i], "monitor.secret_params", &name, err)))
				return rc;
			cfg->secret_params[i] = xstrdup(name);
		}
	}
	if (!(checks = ydoc_get(mon, "checks")))
		return ydoc_missing(doc, mon, "checks", "monitor", err);
	if ((rc = ydoc_want(doc, checks, YDOC_SEQ, "monitor.checks", err)))
		return rc;
	cfg->checks = xcalloc(checks->nitems ? checks->nitems : 1, sizeof(*cfg->checks));
	names.cap = 16;
	while (names.cap < 2 * checks->nitems)
		names.cap *= 2;
	names.slot = xcalloc(names.cap, sizeof(*names.slot));
	for (size_t i = 0; i < checks->nitems; i++) {
		rc = parse_check(doc, checks->items[i], cfg, cat, &cfg->checks[i], &names, err);
		cfg->nchecks = i + 1;
		if (rc) {
			free(names.slot);
			return rc;
		}
	}
	free(names.slot);
	return resolve_depends(doc, checks, cfg, err);
}

static enum sg_code parse_hours(const struct ydoc *doc, const struct ydoc_node *h,
                                struct service_hours *sh, struct sg_error *err)
{
	static const char *const keys[] = {"days", "from", "to", "timezone", NULL};
	const struct ydoc_node *n;
	const char *s;
	enum sg_code rc;
	int v;

	if ((rc = ydoc_want(doc, h, YDOC_MAP, "service_hours", err)) ||
	    (rc = ydoc_check_keys(doc, h, keys, "service_hours", err)))
		return rc;
	sh->given = 1;
	if ((n = ydoc_get(h, "days"))) {
		if ((rc = ydoc_str(doc, n, "service_hours.days", &s, err)))
			return rc;
		if ((v = monitor_config_days_parse(s)) < 0) {
			ydoc_error(doc, n, err,
			           ETR(err, "days '%s' を曜日として読めません",
			               "days '%s' is not a list of days"),
			           s);
			sg_error_hint(err, "mon-fri, mon-sun, mon,wed,fri");
			return SG_ERR_INPUT;
		}
		sh->days = (unsigned)v;
	}
	for (int f = 0; f < 2; f++) {
		const char *key = f ? "to" : "from";
		if (!(n = ydoc_get(h, key)))
			continue;
		if ((rc = ydoc_str(doc, n, key, &s, err)))
			return rc;
		if ((v = monitor_config_time_parse(s)) < 0) {
			ydoc_error(
			    doc, n, err,
			    ETR(err, "%s '%s' を時刻として読めません", "%s '%s' is not a time"),
			    key, s);
			sg_error_hint(err, "\"09:00\", \"24:00\"");
			return SG_ERR_INPUT;
		}
		if (f)
			sh->to_min = v;
		else
			sh->from_min = v;
	}
	if ((n = ydoc_get(h, "timezone"))) {
		if ((rc = ydoc_str(doc, n, "service_hours.timezone", &s, err)))
			return rc;
		if (!timeutil_tz_valid(s)) {
			ydoc_error(doc, n, err,
			           ETR(err, "タイムゾーン '%s' が見つかりません",
			               "time zone '%s' is unknown"),
			           s);
			sg_error_hint(err, "Asia/Tokyo, UTC");
			return SG_ERR_INPUT;
		}
		free(sh->timezone);
		sh->timezone = xstrdup(s);
	}
	return SG_OK;
}

static enum sg_code parse_maintenance(const struct ydoc *doc, const struct ydoc_node *seq,
                                      struct monitor_config *cfg, struct sg_error *err)
{
	static const char *const keys[] = {
	    "start", "end", "announced", "mute_alerts", "exclude_from_availability", "note", NULL};
	enum sg_code rc;

	if ((rc = ydoc_want(doc, seq, YDOC_SEQ, "maintenance", err)))
		return rc;
	cfg->maint = xcalloc(seq->nitems ? seq->nitems : 1, sizeof(*cfg->maint));
	for (size_t i = 0; i < seq->nitems; i++) {
		const struct ydoc_node *m = seq->items[i], *n;
		struct maintenance_window *w = &cfg->maint[i];
		long long t;

		cfg->nmaint = i + 1;
		w->mute_alerts = 1;
		w->exclude = 1;
		if ((rc = ydoc_want(doc, m, YDOC_MAP, "maintenance[]", err)) ||
		    (rc = ydoc_check_keys(doc, m, keys, "maintenance[]", err)))
			return rc;
		for (int f = 0; f < 3; f++) {
			const char *key = f == 0 ? "start" : f == 1 ? "end" : "announced";
			if (!(n = ydoc_get(m, key))) {
				if (f == 2)
					continue;
				return ydoc_missing(doc, m, key, "maintenance[]", err);
			}
			if ((rc = ydoc_time(doc, n, key, &t, err)))
				return rc;
			*(f == 0 ? &w->start : f == 1 ? &w->end : &w->announced) = (double)t;
		}
		if (w->end <= w->start)
			return ydoc_error(doc, ydoc_get(m, "end"), err, "%s",
			                  ETR(err, "end は start より後にしてください",
			                      "end must be after start"));
		if ((n = ydoc_get(m, "mute_alerts")) &&
		    (rc = ydoc_bool(doc, n, "mute_alerts", &w->mute_alerts, err)))
			return rc;
		if ((n = ydoc_get(m, "exclude_from_availability")) &&
		    (rc = ydoc_bool(doc, n, "exclude_from_availability", &w->exclude, err)))
			return rc;
		if ((rc = opt_str(doc, m, "note", "maintenance[]", &w->note, err)))
			return rc;
	}
	return SG_OK;
}

static double log_reference(const struct catalog *cat, const char *item, int pattern,
                            double fallback)
{
	const struct eval_item *it = catalog_item(cat, item);
	const struct reference_value *r =
	    it && pattern >= 1 && pattern <= CATALOG_PATTERNS ? &it->refs[pattern - 1] : NULL;

	return r && r->kind == REF_MIN_RETENTION && r->quantity.seconds > 0 ? r->quantity.seconds
	                                                                    : fallback;
}

enum sg_code monitor_config_load(const struct profile *p, const struct catalog *cat,
                                 struct monitor_config **out, struct sg_error *err)
{
	struct monitor_config *cfg = xcalloc(1, sizeof(*cfg));
	const struct ydoc_node *n;
	enum sg_code rc = SG_OK;

	*out = NULL;
	cfg->service = xstrdup(p->service.name);
	cfg->pattern = p->service.pattern;
	cfg->confirm = 2;
	cfg->retry_s = 5;
	cfg->digest_s = 3600;
	cfg->measure_window = 30 * 86400.0;
	/* Long enough to cover a component's checks noticing one failure at
	 * their different intervals and retries, short enough that a new
	 * failure later is a new event: see docs/internals/monitor.md. */
	cfg->incident_window_s = 120;
	/* Raw results are kept as long as the guideline's log items require:
	 * successful probes as a record of use (III.2.1.3.a), failures as a
	 * record of exceptions (III.2.1.3.b); rollups, intervals and incidents
	 * are kept for good. */
	cfg->retention_ok_s = log_reference(cat, "III.2.1.3.a", cfg->pattern, 90 * 86400.0);
	cfg->retention_fail_s = log_reference(cat, "III.2.1.3.b", cfg->pattern, 5 * 365 * 86400.0);
	cfg->hours.days = 0x7f;
	cfg->hours.from_min = 0;
	cfg->hours.to_min = 1440;
	cfg->hours.timezone = xstrdup("Asia/Tokyo");
	if ((n = profile_section(p, "monitor")) && !ydoc_is_null(n))
		rc = parse_monitor(p->doc, n, cfg, cat, err);
	if (!rc && (n = profile_section(p, "service_hours")) && !ydoc_is_null(n))
		rc = parse_hours(p->doc, n, &cfg->hours, err);
	if (!rc && (n = profile_section(p, "maintenance")) && !ydoc_is_null(n))
		rc = parse_maintenance(p->doc, n, cfg, err);
	if (rc) {
		monitor_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return SG_OK;
}
