/*
 * notify - configuration, rendering through the templates, the durable
 * outbox and its delivery; see notify.h.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "curluv.h"
#include "fileio.h"
#include "hex.h"
#include "ledger_events.h"
#include "notify.h"
#include "notify_channels.h"
#include "notify_template.h"
#include "redact.h"
#include "secretfile.h"
#include "store_monitor.h"
#include "store_cluster.h"
#include "store_notify.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

#define NAUD 3
static const char *const audiences[NAUD + 1] = {"all_users", "admin_contacts", "managers", NULL};

/* The provider as its customers know it (`provider:`), per language. */
struct provider {
	char *name[2], *desk[2], *hours[2], *signature[2], *service_name[2];
	char *email, *phone, *status_url;
};

struct label {
	char *check, *text[2];
};

struct notify_config {
	char *service;
	int pattern;
	struct provider prov;
	char *smtp_url, *from, *username, *password;
	int smtp_tls_verify;
	enum notify_starttls starttls;
	struct notify_recipient *r[NAUD];
	size_t n[NAUD];
	struct label *labels;
	size_t nlabels;
	struct notify_template_set *tmpl;
	double retry_initial, retry_max, risk_fraction, timeout;
	size_t route_share;
	char *timezone, *status_url;
	double maint_announce_before; /* notify.maintenance.announce_before */
};

static int audience_index(const char *a)
{
	for (int i = 0; a && i < NAUD; i++)
		if (!strcmp(a, audiences[i]))
			return i;
	return -1;
}

void notify_config_free(struct notify_config *c)
{
	if (!c)
		return;
	for (int a = 0; a < NAUD; a++) {
		for (size_t i = 0; i < c->n[a]; i++)
			notify_recipient_release(&c->r[a][i]);
		free(c->r[a]);
	}
	for (int l = 0; l < 2; l++) {
		free(c->prov.name[l]);
		free(c->prov.desk[l]);
		free(c->prov.hours[l]);
		free(c->prov.signature[l]);
		free(c->prov.service_name[l]);
	}
	free(c->prov.email);
	free(c->prov.phone);
	free(c->prov.status_url);
	for (size_t i = 0; i < c->nlabels; i++) {
		free(c->labels[i].check);
		free(c->labels[i].text[0]);
		free(c->labels[i].text[1]);
	}
	free(c->labels);
	notify_template_set_free(c->tmpl);
	free(c->service);
	free(c->smtp_url);
	free(c->from);
	free(c->username);
	if (c->password) {
		memset(c->password, 0, strlen(c->password));
		free(c->password);
	}
	free(c->timezone);
	free(c->status_url);
	free(c);
}

size_t notify_config_recipients(const struct notify_config *cfg, const char *audience)
{
	int a = audience_index(audience);
	return a < 0 ? 0 : cfg->n[a];
}

static enum sg_code get_str(const struct ydoc *doc, const struct ydoc_node *m, const char *key,
                            char **out, struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(m, key);
	const char *v;
	enum sg_code rc;

	if (!n || ydoc_is_null(n))
		return SG_OK;
	if ((rc = ydoc_str(doc, n, key, &v, err)))
		return rc;
	free(*out);
	*out = xstrdup(v);
	return SG_OK;
}

/* A secret given as KEY_file (0600) in map m. */
static enum sg_code get_secret(const struct ydoc *doc, const struct ydoc_node *m, const char *key,
                               char **out, struct sg_error *err)
{
	char *path = NULL;
	enum sg_code rc = get_str(doc, m, key, &path, err);
	if (!rc && path)
		rc = secretfile_read(doc, ydoc_get(m, key), key, path, 4096, out, err);
	free(path);
	return rc;
}

static enum sg_code parse_smtp(const struct ydoc *doc, const struct ydoc_node *m,
                               struct notify_config *c, struct sg_error *err)
{
	static const char *const keys[] = {"url",      "from",       "username", "password_file",
	                                   "starttls", "tls_verify", NULL};
	const struct ydoc_node *n;
	enum sg_code rc;

	if ((rc = ydoc_want(doc, m, YDOC_MAP, "notify.smtp", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "notify.smtp", err)))
		return rc;
	if (!ydoc_get(m, "url"))
		return ydoc_missing(doc, m, "url", "notify.smtp", err);
	if (!ydoc_get(m, "from"))
		return ydoc_missing(doc, m, "from", "notify.smtp", err);
	if ((rc = get_str(doc, m, "url", &c->smtp_url, err)) ||
	    (rc = get_str(doc, m, "from", &c->from, err)) ||
	    (rc = get_str(doc, m, "username", &c->username, err)))
		return rc;
	if (!c->smtp_url || !c->from)
		return ydoc_missing(doc, m, c->smtp_url ? "from" : "url", "notify.smtp", err);
	if (strncmp(c->smtp_url, "smtp://", 7) && strncmp(c->smtp_url, "smtps://", 8))
		return ydoc_error(doc, ydoc_get(m, "url"), err, "%s",
		                  ETR(err, "url は smtp:// か smtps:// で始めてください",
		                      "url must start with smtp:// or smtps://"));
	if (!strchr(c->from, '@') || strpbrk(c->from, "<>\r\n \"")) {
		return ydoc_error(
		    doc, ydoc_get(m, "from"), err, "%s",
		    ETR(err, "from はメールアドレスです", "from must be an email address"));
	}
	if ((n = ydoc_get(m, "starttls"))) {
		const char *v = NULL;
		int b;
		/* required (default): STARTTLS or no mail, so an attacker on the
		 * path cannot strip it; off: plain SMTP on a trusted link;
		 * opportunistic: the old behaviour, for servers that cannot. */
		if (n->type == YDOC_SCALAR && !ydoc_bool(doc, n, "starttls", &b, NULL))
			c->starttls = b ? NOTIFY_STARTTLS_REQUIRED : NOTIFY_STARTTLS_OFF;
		else if ((rc = ydoc_str(doc, n, "notify.smtp.starttls", &v, err)))
			return rc;
		if (v && !strcmp(v, "required"))
			c->starttls = NOTIFY_STARTTLS_REQUIRED;
		else if (v && !strcmp(v, "off"))
			c->starttls = NOTIFY_STARTTLS_OFF;
		else if (v && !strcmp(v, "opportunistic"))
			c->starttls = NOTIFY_STARTTLS_OPPORTUNISTIC;
		else if (v) {
			ydoc_error(
			    doc, n, err,
			    ETR(err, "starttls '%s' は使えません", "starttls '%s' is not known"),
			    v);
			sg_error_hint(err, "starttls: required | off | opportunistic");
			return SG_ERR_INPUT;
		}
	}
	if ((n = ydoc_get(m, "tls_verify")) &&
	    (rc = ydoc_bool(doc, n, "tls_verify", &c->smtp_tls_verify, err)))
		return rc;
	if ((rc = get_secret(doc, m, "password_file", &c->password, err)))
		return rc;
	if (c->password && !c->username)
		c->username = xstrdup(c->from);
	return SG_OK;
}

static int is_http_url(const char *u)
{
	return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7));
}

/* slack:/teams:/webhook: a URL, or a map {url | url_file, secret_file}. */
static enum sg_code parse_url_channel(const struct ydoc *doc, const struct ydoc_node *v,
                                      const char *what, struct notify_recipient *r,
                                      struct sg_error *err)
{
	static const char *const keys[] = {"url", "url_file", "secret_file", NULL};
	enum sg_code rc;

	if (v->type == YDOC_MAP) {
		if ((rc = ydoc_check_keys(doc, v, keys, what, err)) ||
		    (rc = get_str(doc, v, "url", &r->url, err)) ||
		    (rc = get_secret(doc, v, "url_file", &r->url, err)))
			return rc;
		if (r->ch == NOTIFY_CH_WEBHOOK &&
		    (rc = get_secret(doc, v, "secret_file", &r->secret, err)))
			return rc;
		if (r->ch != NOTIFY_CH_WEBHOOK && ydoc_get(v, "secret_file"))
			return ydoc_error(doc, ydoc_get(v, "secret_file"), err, "%s",
			                  ETR(err, "secret_file は webhook だけに書けます",
			                      "secret_file belongs to webhook only"));
	} else {
		const char *s;
		if ((rc = ydoc_str(doc, v, what, &s, err)))
			return rc;
		r->url = xstrdup(s);
	}
	if (!is_http_url(r->url))
		return ydoc_error(doc, v, err, "%s",
		                  ETR(err, "http:// か https:// の URL を書いてください",
		                      "write an http:// or https:// URL"));
	return SG_OK;
}

/* line:/chatwork: {to | room, token_file, api}. */
static enum sg_code parse_api_channel(const struct ydoc *doc, const struct ydoc_node *v,
                                      const char *what, struct notify_recipient *r,
                                      struct sg_error *err)
{
	static const char *const line_keys[] = {"to", "token_file", "api", NULL};
	static const char *const cw_keys[] = {"room", "token_file", "api", NULL};
	const char *idkey = r->ch == NOTIFY_CH_LINE ? "to" : "room";
	enum sg_code rc;

	if ((rc = ydoc_want(doc, v, YDOC_MAP, what, err)) ||
	    (rc =
	         ydoc_check_keys(doc, v, r->ch == NOTIFY_CH_LINE ? line_keys : cw_keys, what, err)))
		return rc;
	if (!ydoc_get(v, idkey))
		return ydoc_missing(doc, v, idkey, what, err);
	if (!ydoc_get(v, "token_file"))
		return ydoc_missing(doc, v, "token_file", what, err);
	if ((rc = get_str(doc, v, idkey, &r->to, err)) ||
	    (rc = get_str(doc, v, "api", &r->url, err)) ||
	    (rc = get_secret(doc, v, "token_file", &r->secret, err)))
		return rc;
	if (!r->to || !*r->to || strpbrk(r->to, "/?#&\r\n "))
		return ydoc_error(doc, ydoc_get(v, idkey), err,
		                  ETR(err, "%s は ID です", "%s is an id"), idkey);
	if (!r->url)
		r->url = xstrdup(r->ch == NOTIFY_CH_LINE ? "https://api.line.me"
		                                         : "https://api.chatwork.com/v2");
	while (strlen(r->url) > 8 && r->url[strlen(r->url) - 1] == '/')
		r->url[strlen(r->url) - 1] = 0;
	if (!is_http_url(r->url))
		return ydoc_error(doc, ydoc_get(v, "api"), err, "%s",
		                  ETR(err, "api は http:// か https:// の URL です",
		                      "api must be an http:// or https:// URL"));
	return SG_OK;
}

/* lineworks: {bot, channel | user, client_id, client_secret_file,
 * service_account, private_key_file, token_url, api}. */
static enum sg_code parse_lineworks(const struct ydoc *doc, const struct ydoc_node *v,
                                    struct notify_recipient *r, struct sg_error *err)
{
	static const char *const keys[] = {"bot",
	                                   "channel",
	                                   "user",
	                                   "client_id",
	                                   "client_secret_file",
	                                   "service_account",
	                                   "private_key_file",
	                                   "token_url",
	                                   "api",
	                                   NULL};
	static const char *const need[] = {
	    "bot", "client_id", "client_secret_file", "service_account", "private_key_file", NULL};
	struct dynbuf b = DYNBUF_INIT;
	char *path = NULL, *probe = NULL;
	enum sg_code rc;

	if ((rc = ydoc_want(doc, v, YDOC_MAP, "lineworks", err)) ||
	    (rc = ydoc_check_keys(doc, v, keys, "lineworks", err)))
		return rc;
	for (const char *const *k = need; *k; k++)
		if (!ydoc_get(v, *k))
			return ydoc_missing(doc, v, *k, "lineworks", err);
	if (!ydoc_get(v, "channel") == !ydoc_get(v, "user")) {
		ydoc_error(doc, v, err, "%s",
		           ETR(err, "lineworks には channel か user のどちらか一方を書きます",
		               "lineworks has either channel or user"));
		return SG_ERR_INPUT;
	}
	r->to_user = ydoc_get(v, "user") != NULL;
	if ((rc = get_str(doc, v, "bot", &r->bot, err)) ||
	    (rc = get_str(doc, v, r->to_user ? "user" : "channel", &r->to, err)) ||
	    (rc = get_str(doc, v, "client_id", &r->client_id, err)) ||
	    (rc = get_str(doc, v, "service_account", &r->service_account, err)) ||
	    (rc = get_str(doc, v, "token_url", &r->token_url, err)) ||
	    (rc = get_str(doc, v, "api", &r->url, err)) ||
	    (rc = get_secret(doc, v, "client_secret_file", &r->client_secret, err)))
		return rc;
	/* The key file: mode and type checked by secretfile_read(), then read whole
	 * (a PEM key is longer than a token). */
	if (!(rc = get_str(doc, v, "private_key_file", &path, err)) &&
	    !(rc = secretfile_read(doc, ydoc_get(v, "private_key_file"), "private_key_file", path,
	                           4096, &probe, err)))
		rc = fileio_read(path, 64 * 1024, &b, err);
	if (probe) {
		memset(probe, 0, strlen(probe));
		free(probe);
	}
	free(path);
	if (rc) {
		dynbuf_release(&b);
		return rc;
	}
	r->private_key = dynbuf_detach(&b, NULL);
	if (!r->private_key || !strstr(r->private_key, "PRIVATE KEY"))
		return ydoc_error(doc, ydoc_get(v, "private_key_file"), err, "%s",
		                  ETR(err, "private_key_file は PEM の秘密鍵です",
		                      "private_key_file is a PEM private key"));
	if (!r->bot || !*r->bot || strpbrk(r->bot, "/?#&\r\n ") || !r->to || !*r->to ||
	    strpbrk(r->to, "/?#&\r\n ") || !r->client_id || !r->service_account)
		return ydoc_error(
		    doc, v, err, "%s",
		    ETR(err, "bot と channel/user は ID です", "bot and channel/user are ids"));
	if (!r->token_url)
		r->token_url = xstrdup("https://auth.worksmobile.com/oauth2/v2.0/token");
	if (!r->url)
		r->url = xstrdup("https://www.worksapis.com/v1.0");
	while (strlen(r->url) > 8 && r->url[strlen(r->url) - 1] == '/')
		r->url[strlen(r->url) - 1] = 0;
	if (!is_http_url(r->url) || !is_http_url(r->token_url))
		return ydoc_error(doc, v, err, "%s",
		                  ETR(err, "api と token_url は http:// か https:// の URL です",
		                      "api and token_url must be http:// or https:// URLs"));
	return SG_OK;
}

static enum sg_code parse_events(const struct ydoc *doc, const struct ydoc_node *seq, unsigned *out,
                                 struct sg_error *err)
{
	static const char *const names[] = {"outage", "fault", "degradation", "external_network",
	                                    NULL};
	enum sg_code rc;

	if ((rc = ydoc_want(doc, seq, YDOC_SEQ, "events", err)))
		return rc;
	*out = 0;
	for (size_t i = 0; i < seq->nitems; i++) {
		const char *s;
		int k;
		if ((rc = ydoc_str(doc, seq->items[i], "events[]", &s, err)))
			return rc;
		for (k = 0; names[k] && strcmp(names[k], s); k++)
			;
		if (!names[k]) {
			ydoc_error(
			    doc, seq->items[i], err,
			    ETR(err, "'%s' という事象はありません", "there is no event '%s'"), s);
			sg_error_hint(err,
			              "events: [outage, fault, degradation, external_network]");
			return SG_ERR_INPUT;
		}
		*out |= 1u << k;
	}
	return SG_OK;
}

static enum sg_code parse_recipients(const struct ydoc *doc, const struct ydoc_node *seq, int a,
                                     struct notify_config *c, struct sg_error *err)
{
	static const char *const keys[] = {"email",      "webhook",  "slack",     "teams",
	                                   "line",       "chatwork", "lineworks", "lang",
	                                   "tls_verify", "name",     "events",    NULL};
	static const char *const chans[] = {"email", "webhook",  "slack",     "teams",
	                                    "line",  "chatwork", "lineworks", NULL};
	enum sg_code rc;
	char what[64];

	snprintf(what, sizeof(what), "notify.%s", audiences[a]);
	if ((rc = ydoc_want(doc, seq, YDOC_SEQ, what, err)))
		return rc;
	c->r[a] = xcalloc(seq->nitems + 1, sizeof(struct notify_recipient));
	for (size_t i = 0; i < seq->nitems; i++) {
		const struct ydoc_node *m = seq->items[i], *n, *v = NULL;
		struct notify_recipient *r = &c->r[a][i];
		int nch = 0;
		c->n[a] = i + 1;
		r->tls_verify = 1;
		r->events = a == 2 ? NOTIFY_EV_OUTAGE | NOTIFY_EV_FAULT | NOTIFY_EV_EXTERNAL
		                   : NOTIFY_EV_OUTAGE | NOTIFY_EV_FAULT | NOTIFY_EV_DEGRADATION |
		                         NOTIFY_EV_EXTERNAL;
		if ((rc = ydoc_want(doc, m, YDOC_MAP, what, err)) ||
		    (rc = ydoc_check_keys(doc, m, keys, what, err)))
			return rc;
		for (int k = 0; chans[k]; k++)
			if ((n = ydoc_get(m, chans[k]))) {
				nch++;
				r->ch = (enum notify_channel)k;
				v = n;
			}
		if (nch != 1) {
			ydoc_error(
			    doc, m, err, "%s",
			    ETR(err,
			        "受信者には email, webhook, slack, teams, line, chatwork, "
			        "lineworks "
			        "のどれか一つを書きます",
			        "a recipient has exactly one of email, webhook, slack, teams, "
			        "line, chatwork, lineworks"));
			sg_error_hint(
			    err, "{email: \"ops@example.jp\"} / {slack: \"https://hooks...\"}");
			return SG_ERR_INPUT;
		}
		switch (r->ch) {
		case NOTIFY_CH_EMAIL:
			if ((rc = get_str(doc, m, "email", &r->email, err)))
				return rc;
			if (!r->email || !strchr(r->email, '@') || strpbrk(r->email, "<>\r\n ,\""))
				return ydoc_error(doc, v, err,
				                  ETR(err, "'%s' はメールアドレスではありません",
				                      "'%s' is not an email address"),
				                  r->email ? r->email : "");
			if (!c->smtp_url) {
				ydoc_error(doc, m, err, "%s",
				           ETR(err,
				               "メールの受信者がいますが notify.smtp がありません",
				               "there is an email recipient but no notify.smtp"));
				sg_error_hint(err, "smtp: {url: \"smtp://127.0.0.1:25\", from: "
				                   "\"noreply@...\"}");
				return SG_ERR_INPUT;
			}
			break;
		case NOTIFY_CH_WEBHOOK:
		case NOTIFY_CH_SLACK:
		case NOTIFY_CH_TEAMS:
			if ((rc = parse_url_channel(doc, v, chans[r->ch], r, err)))
				return rc;
			break;
		case NOTIFY_CH_LINE:
		case NOTIFY_CH_CHATWORK:
			if ((rc = parse_api_channel(doc, v, chans[r->ch], r, err)))
				return rc;
			break;
		case NOTIFY_CH_LINEWORKS:
			if ((rc = parse_lineworks(doc, v, r, err)))
				return rc;
			break;
		}
		if ((rc = get_str(doc, m, "lang", &r->lang, err)) ||
		    (rc = get_str(doc, m, "name", &r->name, err)))
			return rc;
		if (r->lang && strcmp(r->lang, "ja") && strcmp(r->lang, "en"))
			return ydoc_error(doc, ydoc_get(m, "lang"), err, "%s",
			                  ETR(err, "lang は ja か en です", "lang is ja or en"));
		if (!r->lang)
			r->lang = xstrdup("ja");
		if ((n = ydoc_get(m, "tls_verify")) &&
		    (rc = ydoc_bool(doc, n, "tls_verify", &r->tls_verify, err)))
			return rc;
		if ((n = ydoc_get(m, "events")) && (rc = parse_events(doc, n, &r->events, err)))
			return rc;
		notify_channel_identify(r);
	}
	return SG_OK;
}

/* name: "株式会社…" or {ja: …, en: …}. */
static enum sg_code get_bilingual(const struct ydoc *doc, const struct ydoc_node *m,
                                  const char *key, char *out[2], struct sg_error *err)
{
	static const char *const keys[] = {"ja", "en", NULL};
	const struct ydoc_node *n = ydoc_get(m, key);
	enum sg_code rc;

	if (!n || ydoc_is_null(n))
		return SG_OK;
	if (n->type != YDOC_MAP) {
		if ((rc = get_str(doc, m, key, &out[0], err)))
			return rc;
		out[1] = xstrdup(out[0]);
		return SG_OK;
	}
	if ((rc = ydoc_check_keys(doc, n, keys, key, err)) ||
	    (rc = get_str(doc, n, "ja", &out[0], err)) ||
	    (rc = get_str(doc, n, "en", &out[1], err)))
		return rc;
	if (!out[0])
		return ydoc_missing(doc, n, "ja", key, err);
	if (!out[1])
		out[1] = xstrdup(out[0]);
	return SG_OK;
}

static enum sg_code parse_provider(const struct ydoc *doc, const struct ydoc_node *m,
                                   struct provider *pv, struct sg_error *err)
{
	static const char *const keys[] = {"name",      "desk",         "email",
	                                   "phone",     "hours",        "status_url",
	                                   "signature", "service_name", NULL};
	enum sg_code rc;

	if ((rc = ydoc_want(doc, m, YDOC_MAP, "provider", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "provider", err)))
		return rc;
	if (!ydoc_get(m, "name"))
		return ydoc_missing(doc, m, "name", "provider", err);
	if ((rc = get_bilingual(doc, m, "name", pv->name, err)) ||
	    (rc = get_bilingual(doc, m, "desk", pv->desk, err)) ||
	    (rc = get_bilingual(doc, m, "hours", pv->hours, err)) ||
	    (rc = get_bilingual(doc, m, "signature", pv->signature, err)) ||
	    (rc = get_bilingual(doc, m, "service_name", pv->service_name, err)) ||
	    (rc = get_str(doc, m, "email", &pv->email, err)) ||
	    (rc = get_str(doc, m, "phone", &pv->phone, err)) ||
	    (rc = get_str(doc, m, "status_url", &pv->status_url, err)))
		return rc;
	if (pv->email && (!strchr(pv->email, '@') || strpbrk(pv->email, "<>\r\n ,\"")))
		return ydoc_error(
		    doc, ydoc_get(m, "email"), err, "%s",
		    ETR(err, "email はメールアドレスです", "email is an email address"));
	for (int l = 0; l < 2; l++)
		if (pv->name[l] && strpbrk(pv->name[l], "\r\n"))
			return ydoc_error(doc, ydoc_get(m, "name"), err, "%s",
			                  ETR(err, "name は一行で書きます", "name is one line"));
	return SG_OK;
}

/* The customer-facing label of each check (monitor.checks[].label). The
 * monitor validates the section; this only picks the labels out. */
static enum sg_code read_labels(const struct profile *p, struct notify_config *c,
                                struct sg_error *err)
{
	const struct ydoc_node *m = profile_section(p, "monitor"), *checks;
	enum sg_code rc;

	if (!m || m->type != YDOC_MAP || !(checks = ydoc_get(m, "checks")) ||
	    checks->type != YDOC_SEQ)
		return SG_OK;
	c->labels = xcalloc(checks->nitems + 1, sizeof(*c->labels));
	for (size_t i = 0; i < checks->nitems; i++) {
		const struct ydoc_node *ck = checks->items[i], *name;
		struct label *l = &c->labels[c->nlabels];
		const char *s;
		const struct ydoc_node *comp;
		if (ck->type != YDOC_MAP || !(name = ydoc_get(ck, "name")) ||
		    name->type != YDOC_SCALAR ||
		    (!ydoc_get(ck, "label") && !ydoc_get(ck, "component")) ||
		    ydoc_str(p->doc, name, "name", &s, NULL))
			continue;
		if (ydoc_get(ck, "label") &&
		    (rc = get_bilingual(p->doc, ck, "label", l->text, err)))
			return rc;
		/* An incident is its component's (monitor.checks[].component,
		 * the customer-facing service part): customers read its name. */
		if ((comp = ydoc_get(ck, "component")) && comp->type == YDOC_SCALAR) {
			const char *cv;
			if (!ydoc_str(p->doc, comp, "component", &cv, NULL)) {
				if (!l->text[1])
					l->text[1] = xstrdup(cv);
				free(l->text[0]);
				l->text[0] = xstrdup(cv);
			}
		}
		l->check = xstrdup(s);
		c->nlabels++;
	}
	return SG_OK;
}

const char *notify_config_provider_name(const struct notify_config *cfg, int en)
{
	return cfg ? cfg->prov.name[!!en] : NULL;
}

const char *notify_config_label(const struct notify_config *cfg, const char *check, int en)
{
	for (size_t i = 0; cfg && check && i < cfg->nlabels; i++)
		if (!strcmp(cfg->labels[i].check, check))
			return cfg->labels[i].text[!!en];
	return NULL;
}

enum sg_code notify_config_load(const struct profile *p, struct notify_config **out,
                                struct sg_error *err)
{
	static const char *const keys[] = {"smtp",    "all_users", "admin_contacts", "managers",
	                                   "retry",   "risk_at",   "timezone",       "status_url",
	                                   "timeout", "templates", "route_share",    "maintenance",
	                                   NULL};
	struct notify_config *c = xcalloc(1, sizeof(*c));
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *m = profile_section(p, "notify"), *n;
	char *tdir = NULL;
	enum sg_code rc = SG_OK;

	*out = NULL;
	c->service = xstrdup(p->service.name);
	c->pattern = p->service.pattern;
	c->smtp_tls_verify = 1;
	c->starttls = NOTIFY_STARTTLS_REQUIRED;
	c->retry_initial = 10;
	c->retry_max = 600;
	c->risk_fraction = 0.5;
	c->timeout = 30;
	c->route_share = 8;
	c->maint_announce_before = NOTIFY_MAINTENANCE_ANNOUNCE_BEFORE;
	c->timezone = xstrdup("Asia/Tokyo");
	if ((n = profile_section(p, "provider")) && !ydoc_is_null(n) &&
	    (rc = parse_provider(doc, n, &c->prov, err)))
		goto done;
	if ((rc = read_labels(p, c, err)))
		goto done;
	if (!m || ydoc_is_null(m))
		goto templates;
	if ((rc = ydoc_want(doc, m, YDOC_MAP, "notify", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "notify", err)))
		goto done;
	if ((n = ydoc_get(m, "smtp")) && (rc = parse_smtp(doc, n, c, err)))
		goto done;
	for (int a = 0; a < NAUD; a++)
		if ((n = ydoc_get(m, audiences[a])) && !ydoc_is_null(n) &&
		    (rc = parse_recipients(doc, n, a, c, err)))
			goto done;
	if ((n = ydoc_get(m, "retry"))) {
		static const char *const rkeys[] = {"initial", "max", NULL};
		const struct ydoc_node *x;
		if ((rc = ydoc_want(doc, n, YDOC_MAP, "notify.retry", err)) ||
		    (rc = ydoc_check_keys(doc, n, rkeys, "notify.retry", err)))
			goto done;
		if ((x = ydoc_get(n, "initial")) &&
		    (rc = ydoc_duration(doc, x, "notify.retry.initial", &c->retry_initial, err)))
			goto done;
		if ((x = ydoc_get(n, "max")) &&
		    (rc = ydoc_duration(doc, x, "notify.retry.max", &c->retry_max, err)))
			goto done;
	}
	if ((n = ydoc_get(m, "risk_at"))) {
		struct value v;
		if ((rc = ydoc_value(doc, n, "notify.risk_at", &v, err)))
			goto done;
		if (v.type != VALUE_PERCENT || v.percent <= 0 || v.percent >= 100) {
			rc = ydoc_error(doc, n, err, "%s",
			                ETR(err, "risk_at は期限に対する割合です（例: 50%）",
			                    "risk_at is a share of the deadline, e.g. 50%"));
			goto done;
		}
		c->risk_fraction = v.percent / 100.0;
	}
	if ((n = ydoc_get(m, "timeout")) &&
	    (rc = ydoc_duration(doc, n, "notify.timeout", &c->timeout, err)))
		goto done;
	if ((n = ydoc_get(m, "maintenance"))) {
		static const char *const mkeys[] = {"announce_before", NULL};
		const struct ydoc_node *x;
		if ((rc = ydoc_want(doc, n, YDOC_MAP, "notify.maintenance", err)) ||
		    (rc = ydoc_check_keys(doc, n, mkeys, "notify.maintenance", err)))
			goto done;
		if ((x = ydoc_get(n, "announce_before")) &&
		    (rc = ydoc_duration(doc, x, "notify.maintenance.announce_before",
		                        &c->maint_announce_before, err)))
			goto done;
	}
	if ((n = ydoc_get(m, "route_share"))) {
		long long k;
		if ((rc = ydoc_int(doc, n, "notify.route_share", 1, 256, &k, err)))
			goto done;
		c->route_share = (size_t)k;
	}
	if ((n = ydoc_get(m, "timezone")) && ydoc_is_null(n)) {
		rc = ydoc_missing(doc, m, "timezone", "notify", err);
		goto done;
	}
	if ((rc = get_str(doc, m, "timezone", &c->timezone, err)) ||
	    (rc = get_str(doc, m, "status_url", &c->status_url, err)) ||
	    (rc = get_str(doc, m, "templates", &tdir, err)))
		goto done;
	if (!timeutil_tz_valid(c->timezone)) {
		rc = ydoc_error(
		    doc, ydoc_get(m, "timezone"), err,
		    ETR(err, "タイムゾーン '%s' が見つかりません", "unknown time zone '%s'"),
		    c->timezone);
		goto done;
	}
templates:
	if (!c->status_url && c->prov.status_url)
		c->status_url = xstrdup(c->prov.status_url);
	if (tdir && tdir[0] != '/' && p->path && strchr(p->path, '/')) {
		/* relative to the profile, like evidence paths */
		char *t = xstrfmt("%.*s/%s", (int)(strrchr(p->path, '/') - p->path), p->path, tdir);
		free(tdir);
		tdir = t;
	}
	if ((rc = notify_template_load(tdir, &c->tmpl, err)) && m) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		ydoc_error(doc, ydoc_get(m, "templates"), err, "%s", msg);
	}
done:
	free(tdir);
	if (rc) {
		notify_config_free(c);
		return rc;
	}
	*out = c;
	return SG_OK;
}

static const char *notify_purpose_name(enum notify_purpose p)
{
	static const char *const names[] = {"incident_open", "incident_resolved", "followup",
	                                    "deadline_risk", "followup_overdue",  "internal"};
	return names[p];
}

/* The audience of a purpose for an incident kind, per the guideline. */
static const char *notify_audience(enum notify_purpose p, const char *kind)
{
	switch (p) {
	case NOTIFY_DEADLINE_RISK:
	case NOTIFY_FOLLOWUP_OVERDUE:
	case NOTIFY_INTERNAL:
		return "managers";
	case NOTIFY_FOLLOWUP:
		return "admin_contacts";
	default:
		break;
	}
	if (kind && !strcmp(kind, "outage"))
		return "all_users";
	if (kind && !strcmp(kind, "external_network"))
		return "managers";
	return "admin_contacts";
}

static unsigned kind_event(const char *kind)
{
	if (!kind)
		return 0;
	if (!strcmp(kind, "outage"))
		return NOTIFY_EV_OUTAGE;
	if (!strcmp(kind, "fault"))
		return NOTIFY_EV_FAULT;
	if (!strcmp(kind, "degradation"))
		return NOTIFY_EV_DEGRADATION;
	if (!strcmp(kind, "external_network"))
		return NOTIFY_EV_EXTERNAL;
	return 0;
}

/* Whether recipient i of audience gets a purpose's message about kind. */
static int notify_wants(const struct notify_config *cfg, const char *audience, size_t i,
                        enum notify_purpose p, const char *kind)
{
	int a = audience_index(audience);
	const char *primary = notify_audience(p, kind);

	if (a < 0 || i >= cfg->n[a])
		return 0;
	if (!strcmp(primary, audience))
		return a != 2 || p > NOTIFY_FOLLOWUP || !kind_event(kind) ||
		       (cfg->r[a][i].events & kind_event(kind));
	/* Managers hear of incidents told to others, per their subscription. */
	return a == 2 && p <= NOTIFY_FOLLOWUP && (cfg->r[a][i].events & kind_event(kind));
}

static const char *kind_label(const char *kind, int en)
{
	static const char *const k[] = {"outage", "fault", "degradation", "external_network"};
	static const char *const ja[] = {"稼働停止", "障害", "応答の遅延", "外部ネットワーク障害"};
	static const char *const eng[] = {"outage", "fault", "slow response",
	                                  "external network failure"};
	for (int i = 0; i < 4; i++)
		if (kind && !strcmp(kind, k[i]))
			return en ? eng[i] : ja[i];
	return en ? "incident" : "障害";
}

static const char *template_of(enum notify_purpose p, const char *kind, int merged)
{
	switch (p) {
	case NOTIFY_INCIDENT_OPEN:
		if (merged)
			return "recovered_merged";
		if (kind && !strcmp(kind, "outage"))
			return "outage_open";
		if (kind && !strcmp(kind, "degradation"))
			return "degradation_open";
		if (kind && !strcmp(kind, "external_network"))
			return "external_network_open";
		return "fault_open";
	case NOTIFY_INCIDENT_RESOLVED:
		return "recovered";
	case NOTIFY_FOLLOWUP:
		return "followup";
	case NOTIFY_DEADLINE_RISK:
		return "deadline_risk";
	case NOTIFY_FOLLOWUP_OVERDUE:
		return "followup_overdue";
	case NOTIFY_INTERNAL:
		return "internal";
	}
	return "internal";
}

/* The scratch space one rendering's variables point into. */
struct render_ctx {
	struct dynbuf b[24];
	int used;
};

static struct dynbuf *slot(struct render_ctx *x)
{
	struct dynbuf *d = &x->b[x->used++];
	dynbuf_init(d, 1 << 20);
	return d;
}

static const char *service_name(const struct notify_config *cfg, int en)
{
	if (cfg->prov.service_name[en])
		return cfg->prov.service_name[en];
	return cfg->service ? cfg->service : "";
}

static void provider_vars(const struct notify_config *cfg, int en, const char *audience,
                          const char *name, int copy, struct notify_vars *v, struct render_ctx *x)
{
	const struct provider *pv = &cfg->prov;
	const char *svc = service_name(cfg, en);
	const char *prov = pv->name[en] ? pv->name[en] : "";
	const char *desk = pv->desk[en] ? pv->desk[en] : (en ? "support desk" : "サポート窓口");
	struct dynbuf *sal = slot(x), *contact = slot(x), *sig = slot(x);
	int a = audience_index(audience);

	notify_vars_set(v, "service", svc);
	notify_vars_set(v, "provider", prov);
	notify_vars_set(v, "desk", desk);
	notify_vars_set(v, "email", pv->email);
	notify_vars_set(v, "phone", pv->phone);
	notify_vars_set(v, "hours", pv->hours[en]);
	notify_vars_set(v, "status_url", cfg->status_url);
	notify_vars_set(v, "zone",
	                !strcmp(cfg->timezone, "Asia/Tokyo") ? (en ? "JST" : "日本時間")
	                                                     : cfg->timezone);
	if (name && *name)
		dynbuf_addstr(sal, name);
	else if (a == 0)
		dynbuf_printf(sal, en ? "Dear %s users," : "%sをご利用のお客様各位", svc);
	else if (a == 1)
		dynbuf_printf(sal, en ? "Dear %s administrator," : "%sご契約のお客様 ご担当者様",
		              svc);
	else
		dynbuf_printf(sal, en ? "To the %s operations managers" : "%s 運用管理者各位", svc);
	if (en && name && *name && a != 2)
		dynbuf_addch(sal, ',');
	if (copy)
		dynbuf_addstr(sal, en ? "\n(A copy of the notice sent to customers.)"
		                      : "\n（以下は、お客様へお送りしたお知らせの写しです。）");
	notify_vars_set(v, "salutation", dynbuf_ptr(sal));
	if (a != 2) {
		dynbuf_addstr(contact, en ? "Contact for this matter:\n"
		                          : "【本件に関するお問い合わせ先】\n");
		if (*prov)
			dynbuf_printf(contact, "%s %s\n", prov, desk);
		else
			dynbuf_printf(contact, "%s\n", desk);
		if (pv->email)
			dynbuf_printf(contact, en ? "Email: %s\n" : "メール：%s\n", pv->email);
		if (pv->phone) {
			dynbuf_printf(contact, en ? "Telephone: %s" : "電話：%s", pv->phone);
			if (pv->hours[en])
				dynbuf_printf(contact, en ? " (%s)" : "（受付時間：%s）",
				              pv->hours[en]);
			dynbuf_addch(contact, '\n');
		} else if (pv->hours[en]) {
			dynbuf_printf(contact, en ? "Hours: %s\n" : "受付時間：%s\n",
			              pv->hours[en]);
		}
		while (dynbuf_len(contact) && contact->buf[contact->len - 1] == '\n')
			dynbuf_setlen(contact, contact->len - 1);
	}
	notify_vars_set(v, "contact", dynbuf_ptr(contact));
	if (pv->signature[en]) {
		dynbuf_addstr(sig, pv->signature[en]);
		while (dynbuf_len(sig) && sig->buf[sig->len - 1] == '\n')
			dynbuf_setlen(sig, sig->len - 1);
	} else {
		dynbuf_addstr(sig, "--\n");
		if (*prov)
			dynbuf_printf(sig, "%s\n", prov);
		dynbuf_printf(sig, "%s\n", desk);
		if (pv->email)
			dynbuf_printf(sig, "%s\n", pv->email);
		dynbuf_setlen(sig, sig->len - 1);
	}
	notify_vars_set(v, "signature", dynbuf_ptr(sig));
}

static void incident_vars(const struct notify_config *cfg, const struct notify_incident *inc,
                          int en, const char *audience, struct notify_vars *v, struct render_ctx *x)
{
	const char *tz = cfg->timezone, *kind = inc->kind ? inc->kind : "";
	const char *label = notify_config_label(cfg, inc->check_name, en);
	const char *svc = service_name(cfg, en);
	struct dynbuf *started = slot(x), *detected = slot(x), *resolved = slot(x), *dur = slot(x),
	              *next = slot(x), *due = slot(x), *deadline = slot(x), *no = slot(x),
	              *detail = slot(x), *aff = slot(x), *affs = slot(x), *affp = slot(x),
	              *occ = slot(x);
	int a = audience_index(audience);
	int outage = !strcmp(kind, "outage"), slow = !strcmp(kind, "degradation");

	if (!label)
		label = svc; /* never the check's internal name */
	notify_template_time(inc->started_at, tz, en, 1, started);
	notify_template_time(inc->detected_at, tz, en, 0, detected);
	if (inc->resolved_at > 0) {
		notify_template_time(inc->resolved_at, tz, en, 1, resolved);
		notify_template_duration(inc->resolved_at - inc->started_at, en, dur);
	}
	if (inc->followup_deadline_s > 0)
		notify_template_time(inc->detected_at + inc->followup_deadline_s, tz, en, 0, next);
	if (inc->notify_deadline_s > 0) {
		notify_template_time(inc->detected_at + inc->notify_deadline_s, tz, en, 0, due);
		notify_template_duration(inc->notify_deadline_s, en, deadline);
		if (!en && !strncmp(dynbuf_ptr(deadline), "約", 3)) {
			/* a deadline is exact: 20分, not 約20分 */
			char *t = xstrdup(dynbuf_ptr(deadline) + 3);
			dynbuf_reset(deadline);
			dynbuf_addstr(deadline, t);
			free(t);
		}
	}
	dynbuf_printf(no, "%lld", inc->id);
	if (en) {
		dynbuf_printf(aff,
		              outage ? "users have been unable to use %s"
		              : slow ? "%s has been responding slowly"
		                     : "some functions of %s have not been available",
		              label);
		dynbuf_printf(affp,
		              outage ? "users were unable to use %s"
		              : slow ? "%s was responding slowly"
		                     : "some functions of %s were not available",
		              label);
		dynbuf_printf(affs,
		              outage ? "%s (unavailable)"
		              : slow ? "%s (slow response)"
		                     : "%s (some functions unavailable)",
		              label);
		dynbuf_printf(occ,
		              outage ? "an issue in which %s could not be used"
		              : slow ? "an issue in which %s responded slowly"
		                     : "an issue in which some functions of %s could not be used",
		              label);
	} else {
		dynbuf_printf(aff,
		              outage ? "%sをご利用いただけない状態"
		              : slow ? "%sの表示や処理に時間がかかる状態"
		                     : "%sの一部の機能をご利用いただけない状態",
		              label);
		dynbuf_addstr(affs, dynbuf_ptr(aff));
		dynbuf_addstr(affp, dynbuf_ptr(aff));
		dynbuf_printf(occ,
		              outage ? "%sをご利用いただけない事象"
		              : slow ? "%sの表示や処理に時間がかかる事象"
		                     : "%sの一部の機能をご利用いただけない事象",
		              label);
	}
	notify_vars_set(v, "event",
	                en ? (outage ? "service unavailable"
	                      : slow ? "slow response"
	                             : "some functions unavailable")
	                   : (outage ? "ご利用いただけない事象"
	                      : slow ? "動作が遅くなる事象"
	                             : "一部の機能をご利用いただけない事象"));
	/* Technical detail only for the customer's administrators and the
	 * provider's managers, and even there said in words, not libcurl's. */
	if (a >= 1) {
		dynbuf_printf(detail,
		              en ? "Check: %s\nWhat was seen: " : "監視項目：%s\n検知した内容：",
		              inc->check_name ? inc->check_name : "-");
		notify_template_explain(inc->summary, en, detail);
		if (a == 2 && inc->target) {
			/* stored redacted by the monitor; again for stores from before */
			char *t = redact_url(inc->target, NULL);
			dynbuf_printf(detail, en ? "\nTarget: %s" : "\n監視対象：%s", t);
			free(t);
		}
		if (a == 2 && inc->item_id)
			dynbuf_printf(detail,
			              en ? "\nGuideline item: %s" : "\nガイドラインの該当項目：%s",
			              inc->item_id);
	}
	notify_vars_set(v, "label", label);
	notify_vars_set(v, "kind_label", kind_label(kind, en));
	notify_vars_set(v, "started", dynbuf_ptr(started));
	notify_vars_set(v, "detected", dynbuf_ptr(detected));
	notify_vars_set(v, "resolved", dynbuf_ptr(resolved));
	notify_vars_set(v, "duration", dynbuf_ptr(dur));
	notify_vars_set(v, "next_report", dynbuf_ptr(next));
	notify_vars_set(v, "notice_due", dynbuf_ptr(due));
	notify_vars_set(v, "deadline", dynbuf_ptr(deadline));
	notify_vars_set(v, "incident_no", dynbuf_ptr(no));
	notify_vars_set(v, "detail", dynbuf_ptr(detail));
	notify_vars_set(v, "affected", dynbuf_ptr(aff));
	notify_vars_set(v, "affected_short", dynbuf_ptr(affs));
	notify_vars_set(v, "affected_past", dynbuf_ptr(affp));
	notify_vars_set(v, "occurrence", dynbuf_ptr(occ));
}

static void ctx_release(struct render_ctx *x)
{
	for (int i = 0; i < x->used; i++)
		dynbuf_release(&x->b[i]);
}

/* 第二報, 第三報 … (the first notice is 第一報) / "update 2". */
static void report_no(long long n, int en, struct dynbuf *out)
{
	static const char *const kan[] = {"一", "二", "三", "四", "五",
	                                  "六", "七", "八", "九", "十"};
	if (en)
		dynbuf_printf(out, "update %lld", n - 1);
	else if (n >= 1 && n <= 10)
		dynbuf_printf(out, "第%s報", kan[n - 1]);
	else
		dynbuf_printf(out, "第%lld報", n);
}

static void render_named_no(const struct notify_config *cfg, const char *tmpl,
                            const struct notify_incident *inc, const char *message,
                            const char *audience, const char *lang, const char *name, long long no,
                            struct dynbuf *subj, struct dynbuf *body);

static void render_named(const struct notify_config *cfg, const char *tmpl,
                         const struct notify_incident *inc, const char *message,
                         const char *audience, const char *lang, const char *name,
                         struct dynbuf *subj, struct dynbuf *body)
{
	render_named_no(cfg, tmpl, inc, message, audience, lang, name, 2, subj, body);
}

/* no: which report this is to the recipient (2: the first follow-up). */
static void render_named_no(const struct notify_config *cfg, const char *tmpl,
                            const struct notify_incident *inc, const char *message,
                            const char *audience, const char *lang, const char *name, long long no,
                            struct dynbuf *subj, struct dynbuf *body)
{
	/* Managers reading a customer notice are told it is a copy. */
	int copy = audience && !strcmp(audience, "managers") &&
	           (!strncmp(tmpl, "outage", 6) || !strncmp(tmpl, "fault", 5) ||
	            !strncmp(tmpl, "degradation", 11) || !strncmp(tmpl, "recovered", 9) ||
	            !strcmp(tmpl, "followup"));
	int en = lang && !strcmp(lang, "en");
	struct notify_vars v;
	struct render_ctx x;

	memset(&v, 0, sizeof(v));
	x.used = 0;
	provider_vars(cfg, en, audience, name, copy, &v, &x);
	if (inc)
		incident_vars(cfg, inc, en, audience, &v, &x);
	if (!strcmp(tmpl, "followup")) {
		struct dynbuf *rn = slot(&x);
		report_no(no, en, rn);
		notify_vars_set(&v, "report_no", dynbuf_ptr(rn));
	}
	if (message) {
		/* the operator's text, without the blank lines it may end with */
		struct dynbuf *m = slot(&x);
		dynbuf_addstr(m, message);
		while (dynbuf_len(m) && (m->buf[m->len - 1] == '\n' || m->buf[m->len - 1] == ' '))
			dynbuf_setlen(m, m->len - 1);
		notify_vars_set(&v, "message", dynbuf_ptr(m));
	}
	notify_template_render(notify_template_text(cfg->tmpl, tmpl, en), &v, subj, body);
	ctx_release(&x);
}

void notify_render(const struct notify_config *cfg, enum notify_purpose p,
                   const struct notify_incident *inc, const char *message, const char *audience,
                   const char *lang, struct dynbuf *subj, struct dynbuf *body)
{
	render_named(cfg, template_of(p, inc ? inc->kind : NULL, 0), inc, message, audience, lang,
	             NULL, subj, body);
}

void notify_render_merged(const struct notify_config *cfg, const struct notify_incident *inc,
                          const char *audience, const char *lang, struct dynbuf *subj,
                          struct dynbuf *body)
{
	render_named(cfg, "recovered_merged", inc, NULL, audience, lang, NULL, subj, body);
}

void notify_render_maintenance(const struct notify_config *cfg, const char *tmpl,
                               const struct notify_maintenance *mw, const char *audience,
                               const char *lang, struct dynbuf *subj, struct dynbuf *body)
{
	int en = lang && !strcmp(lang, "en");
	struct notify_vars v;
	struct render_ctx x;
	struct dynbuf *st, *end, *started, *ended, *aff;

	memset(&v, 0, sizeof(v));
	x.used = 0;
	provider_vars(cfg, en, audience, NULL, 0, &v, &x);
	st = slot(&x);
	end = slot(&x);
	started = slot(&x);
	ended = slot(&x);
	aff = slot(&x);
	notify_template_time(mw->start, cfg->timezone, en, 0, st);
	notify_template_time(mw->end, cfg->timezone, en, 0, end);
	if (mw->started_at > 0)
		notify_template_time(mw->started_at, cfg->timezone, en, 0, started);
	if (mw->ended_at > 0)
		notify_template_time(mw->ended_at, cfg->timezone, en, 0, ended);
	if (mw->affected)
		dynbuf_addstr(aff, mw->affected);
	else
		dynbuf_printf(aff,
		              en ? "%s will not be available during the maintenance"
		                 : "メンテナンス中は%sをご利用いただけません",
		              service_name(cfg, en));
	notify_vars_set(&v, "maint_start", dynbuf_ptr(st));
	notify_vars_set(&v, "maint_end", dynbuf_ptr(end));
	notify_vars_set(&v, "maint_started", dynbuf_ptr(started));
	notify_vars_set(&v, "maint_ended", dynbuf_ptr(ended));
	notify_vars_set(&v, "maint_affected", dynbuf_ptr(aff));
	notify_vars_set(&v, "maint_note", mw->note);
	notify_template_render(notify_template_text(cfg->tmpl, tmpl, en), &v, subj, body);
	ctx_release(&x);
}

double notify_backoff(int attempts, double initial, double max, double r)
{
	double d = initial * pow(2.0, attempts > 1 ? attempts - 1 : 0);
	if (d > max)
		d = max;
	return d * (0.9 + 0.2 * r);
}

static void add_b64(struct dynbuf *out, const unsigned char *p, size_t n, int wrap)
{
	unsigned char buf[4 * 57 / 3 + 4];

	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		int m = EVP_EncodeBlock(buf, p + i, (int)k);
		dynbuf_add(out, buf, (size_t)m);
		if (wrap)
			dynbuf_addstr(out, "\r\n");
	}
}

/* RFC 2047 encoded-words, each under 76 characters, split on characters. */
static void add_encoded_header(struct dynbuf *out, const char *s)
{
	size_t n = strlen(s), i = 0;
	int ascii = 1;

	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80 || s[k] == '\r' || s[k] == '\n')
			ascii = 0;
	if (ascii && n < 900) {
		dynbuf_addstr(out, s);
		return;
	}
	while (i < n) {
		size_t j = i, take;
		while (j < n && j - i < 42) {
			size_t len = 1;
			unsigned char c = (unsigned char)s[j];
			if (c >= 0xf0)
				len = 4;
			else if (c >= 0xe0)
				len = 3;
			else if (c >= 0xc0)
				len = 2;
			if (j - i + len > 42)
				break;
			j += len;
		}
		take = j > i ? j - i : 1;
		if (i)
			dynbuf_addstr(out, "\r\n ");
		dynbuf_addstr(out, "=?UTF-8?B?");
		add_b64(out, (const unsigned char *)s + i, take, 0);
		dynbuf_addstr(out, "?=");
		i += take;
	}
}

enum sg_code notify_mime(const char *from_name, const char *from, const char *to,
                         const char *subject, const char *body, const char *attachment_path,
                         double date, struct dynbuf *out, struct sg_error *err)
{
	return notify_mime_keyed(from_name, from, to, subject, body, attachment_path, date, NULL,
	                         out, err);
}

enum sg_code notify_mime_keyed(const char *from_name, const char *from, const char *to,
                               const char *subject, const char *body, const char *attachment_path,
                               double date, const char *key, struct dynbuf *out,
                               struct sg_error *err)
{
	const char *domain = strrchr(from, '@');
	char datebuf[64], boundary[64], rhex[26]; /* two halves of 12 digits + NUL each */
	time_t t = (time_t)date;
	struct tm tm;
	unsigned char rnd[12];

	gmtime_r(&t, &tm);
	strftime(datebuf, sizeof(datebuf), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(rand() & 0xff);
	hex_encode(rnd, 6, rhex);
	snprintf(boundary, sizeof(boundary), "=_sg_%s%08lx", rhex, (unsigned long)t);
	hex_encode(rnd + 6, 6, rhex + 13);
	dynbuf_printf(out, "Date: %s\r\nFrom: ", datebuf);
	if (from_name && *from_name) {
		if (strpbrk(from_name, "()<>@,;:\\\".[]") && !strpbrk(from_name, "\r\n")) {
			/* RFC 5322 specials: a quoted-string (non-ASCII is encoded anyway) */
			int ascii = 1;
			for (const char *c = from_name; *c; c++)
				ascii &= (unsigned char)*c < 0x80;
			if (ascii) {
				dynbuf_addch(out, '"');
				for (const char *c = from_name; *c; c++) {
					if (*c == '"' || *c == '\\')
						dynbuf_addch(out, '\\');
					dynbuf_addch(out, *c);
				}
				dynbuf_addch(out, '"');
			} else {
				add_encoded_header(out, from_name);
			}
		} else {
			add_encoded_header(out, from_name);
		}
		dynbuf_printf(out, " <%s>", from);
	} else {
		dynbuf_addstr(out, from);
	}
	dynbuf_printf(out, "\r\nTo: %s\r\nSubject: ", to);
	add_encoded_header(out, subject);
	/* The provider's domain: the message is the provider's, not the tool's. */
	if (key)
		dynbuf_printf(out, "\r\nMessage-ID: <%s@%s>", key,
		              domain && domain[1] ? domain + 1 : "localhost");
	else
		dynbuf_printf(out, "\r\nMessage-ID: <%lx.%s@%s>", (unsigned long)t, rhex + 13,
		              domain && domain[1] ? domain + 1 : "localhost");
	dynbuf_addstr(out, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (attachment_path)
		dynbuf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n",
		              boundary, boundary);
	dynbuf_addstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n");
	add_b64(out, (const unsigned char *)body, strlen(body), 1);
	if (attachment_path) {
		struct dynbuf f = DYNBUF_INIT;
		const char *base = strrchr(attachment_path, '/');
		enum sg_code rc = fileio_read(attachment_path, 32u << 20, &f, err);
		if (rc)
			return rc;
		base = base ? base + 1 : attachment_path;
		size_t blen = strlen(base);
		int ascii = 1;
		for (const char *c = base; *c; c++)
			if ((unsigned char)*c >= 0x80)
				ascii = 0;
		dynbuf_printf(out,
		              "\r\n--%s\r\nContent-Type: %s\r\n"
		              "Content-Transfer-Encoding: base64\r\nContent-Disposition: "
		              "attachment; ",
		              boundary,
		              blen > 4 && !strcmp(base + blen - 4, ".pdf")
		                  ? "application/pdf"
		                  : "application/octet-stream");
		if (ascii) {
			dynbuf_addstr(out, "filename=\"");
			for (const char *c = base; *c; c++)
				if (*c != '"' && *c != '\r' && *c != '\n' && *c != '\\')
					dynbuf_addch(out, *c);
			dynbuf_addstr(out, "\"\r\n\r\n");
		} else {
			/* RFC 2231: a UTF-8 file name, percent-encoded. */
			dynbuf_addstr(out, "filename*=UTF-8''");
			for (const unsigned char *c = (const unsigned char *)base; *c; c++)
				if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_')
					dynbuf_addch(out, (char)*c);
				else
					dynbuf_printf(out, "%%%02X", *c);
			dynbuf_addstr(out, "\r\n\r\n");
		}
		add_b64(out, (const unsigned char *)dynbuf_ptr(&f), dynbuf_len(&f), 1);
		dynbuf_printf(out, "\r\n--%s--\r\n", boundary);
		dynbuf_release(&f);
	}
	return SG_OK;
}

/* ---- the outbox ---- */

/* Ends a transaction of the enqueue functions: commits when rc is SG_OK,
 * else rolls back and returns rc. */
static enum sg_code tx_end(struct store *s, enum sg_code rc, struct sg_error *err)
{
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

static enum sg_code enqueue_one(struct store *s, long long incident_id, const char *purpose,
                                const char *audience, const struct notify_recipient *r,
                                const char *subject, const char *body, const char *attachment,
                                double now, double deadline_at, struct sg_error *err)
{
	struct notification_row row;
	long long id = 0;
	enum sg_code rc;

	memset(&row, 0, sizeof(row));
	row.incident_id = incident_id;
	row.purpose = (char *)purpose;
	row.audience = (char *)audience;
	row.channel = r->ch == NOTIFY_CH_EMAIL ? "email" : "webhook";
	row.recipient = r->key; /* never a URL's token */
	row.lang = r->lang;
	row.subject = (char *)subject;
	row.body = (char *)body;
	row.attachment = (char *)attachment;
	row.created_at = now;
	row.deadline_at = deadline_at;
	row.next_attempt_at = now;
	if ((rc = store_monitor_notification_insert(s, &row, &id, err)))
		return rc;
	return ledger_events_notification_queued(s, id, incident_id, purpose, audience,
	                                         notify_channel_name(r->ch), r->key, subject, err);
}

enum sg_code notify_enqueue(struct store *s, const struct notify_config *cfg,
                            enum notify_purpose purpose, const struct notify_incident *inc,
                            const char *message, struct sg_error *err)
{
	const char *kind = inc ? inc->kind : NULL;
	double now = timeutil_now(), deadline = 0;
	enum sg_code rc;

	if (purpose == NOTIFY_INCIDENT_OPEN && inc && inc->notify_deadline_s > 0)
		deadline = inc->detected_at + inc->notify_deadline_s;
	if ((rc = store_begin(s, err)))
		return rc;
	for (int a = 0; a < NAUD && !rc; a++)
		for (size_t i = 0; i < cfg->n[a] && !rc; i++) {
			const struct notify_recipient *r = &cfg->r[a][i];
			struct dynbuf subj = DYNBUF_INIT, body = DYNBUF_INIT;
			long long no = 0;
			if (!notify_wants(cfg, audiences[a], i, purpose, kind))
				continue;
			/* the n-th follow-up to this recipient is report n+1 */
			if (purpose == NOTIFY_FOLLOWUP && inc &&
			    (rc = store_notify_count(s, inc->id, r->key, "followup", &no, err)))
				break;
			render_named_no(cfg, template_of(purpose, kind, 0), inc, message,
			                audiences[a], r->lang, r->name, no + 2, &subj, &body);
			rc = enqueue_one(
			    s, inc ? inc->id : 0, notify_purpose_name(purpose), audiences[a], r,
			    dynbuf_ptr(&subj), dynbuf_ptr(&body), NULL, now,
			    a == 2 && strcmp(notify_audience(purpose, kind), "managers")
			        ? 0 /* the deadline is the customers' */
			        : deadline,
			    err);
			dynbuf_release(&subj);
			dynbuf_release(&body);
		}
	return tx_end(s, rc, err);
}

void notify_render_report(const struct notify_config *cfg, const struct notify_report *r,
                          const char *lang, const char *name, struct dynbuf *subj,
                          struct dynbuf *body)
{
	int en = lang && !strcmp(lang, "en");
	struct notify_vars v;
	struct render_ctx x;

	memset(&v, 0, sizeof(v));
	x.used = 0;
	provider_vars(cfg, en, r->audience, name, 0, &v, &x);
	notify_vars_set(&v, "period", r->period[en]);
	notify_vars_set(&v, "period_span", r->span[en]);
	notify_vars_set(&v, "file", r->file);
	notify_vars_set(&v, "sha256", r->sha256);
	notify_template_render(
	    notify_template_text(cfg->tmpl, r->managers ? "report_managers" : "report_users", en),
	    &v, subj, body);
	ctx_release(&x);
}

double notify_config_maintenance_announce_before(const struct notify_config *cfg)
{
	return cfg->maint_announce_before;
}

/* One notice of a maintenance window to every recipient of all_users, each
 * in its language; the purpose is the template's name. */
enum sg_code notify_enqueue_maintenance(struct store *s, const struct notify_config *cfg,
                                        const char *notice, const struct notify_maintenance *mw,
                                        long long *recipients, struct sg_error *err)
{
	int a = audience_index("all_users");
	double now = timeutil_now();
	enum sg_code rc;

	if (recipients)
		*recipients = 0;
	if (strcmp(notice, "maintenance_announce") && strcmp(notice, "maintenance_start") &&
	    strcmp(notice, "maintenance_end"))
		return sg_error_set(
		    err, SG_ERR_USAGE,
		    ETR(err, "保守の通知 '%s' はありません", "there is no maintenance notice '%s'"),
		    notice);
	if ((rc = store_begin(s, err)))
		return rc;
	for (size_t i = 0; a >= 0 && i < cfg->n[a] && !rc; i++) {
		const struct notify_recipient *r = &cfg->r[a][i];
		struct dynbuf sj = DYNBUF_INIT, bd = DYNBUF_INIT;
		notify_render_maintenance(cfg, notice, mw, "all_users", r->lang, &sj, &bd);
		rc = enqueue_one(s, 0, notice, "all_users", r, dynbuf_ptr(&sj), dynbuf_ptr(&bd),
		                 NULL, now, 0, err);
		dynbuf_release(&sj);
		dynbuf_release(&bd);
		if (!rc && recipients)
			(*recipients)++;
	}
	return tx_end(s, rc, err);
}

enum sg_code notify_enqueue_report(struct store *s, const struct notify_config *cfg,
                                   const struct notify_report *rep, struct sg_error *err)
{
	int a = audience_index(rep->audience);
	double now = timeutil_now();
	enum sg_code rc;

	if (a < 0)
		return sg_error_set(
		    err, SG_ERR_USAGE,
		    ETR(err, "'%s' という宛先グループはありません", "there is no audience '%s'"),
		    rep->audience);
	if ((rc = store_begin(s, err)))
		return rc;
	for (size_t i = 0; i < cfg->n[a] && !rc; i++) {
		const struct notify_recipient *r = &cfg->r[a][i];
		struct dynbuf sj = DYNBUF_INIT, bd = DYNBUF_INIT;
		notify_render_report(cfg, rep, r->lang, r->name, &sj, &bd);
		rc = enqueue_one(s, 0, "report", rep->audience, r, dynbuf_ptr(&sj), dynbuf_ptr(&bd),
		                 rep->attachment_path, now, 0, err);
		dynbuf_release(&sj);
		dynbuf_release(&bd);
	}
	return tx_end(s, rc, err);
}

/* ---- delivery ---- */

struct delivery {
	struct notify *n;
	struct notification_row row;
	struct dynbuf payload;
	size_t off;
	struct curl_slist *rcpt;
	struct notify_http http;
	char errbuf[CURL_ERROR_SIZE];
	char *route;
	int token_stage;      /* lineworks: this transfer asks for an access token */
	struct dynbuf answer; /* lineworks: the token response */
	long long *merged;    /* recovery notices this one carries */
	size_t nmerged;
	double started;
};

struct inflight {
	long long id;
	char *route;
};

/* LINE WORKS access tokens by recipient key, reused until they expire. */
struct lw_token {
	char *key, *token;
	double expires;
};

struct notify {
	uv_loop_t *loop;
	struct store *s;
	const struct notify_config *cfg;
	struct curluv *cu;
	uv_timer_t timer;
	struct inflight *inflight;
	size_t ninflight, alloc;
	struct lw_token *tokens;
	size_t ntokens, tokalloc;
	int stopping, drain;
	void (*done)(void *);
	void *done_arg;
	void (*log)(void *, const char *);
	void *log_arg;
	/* Several monitors on one store: only the coordinator delivers
	 * (paused otherwise), each message claimed first (claimant: this
	 * node), and every message carries a key stable across retries and
	 * monitors: "n<notification id>.<store uid>" (no product name: the
	 * message is the provider's). */
	int paused;
	long long claimant;
	char *store_uid;
};

static void logf_(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct notify *n, const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	if (!n->log)
		return;
	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	n->log(n->log_arg, dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct delivery *d = arg;
	size_t left = dynbuf_len(&d->payload) - d->off, n = size * nitems;

	if (n > left)
		n = left;
	memcpy(buf, dynbuf_ptr(&d->payload) + d->off, n);
	d->off += n;
	return n;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static size_t keep_cb(char *p, size_t size, size_t n, void *arg)
{
	struct dynbuf *b = arg;
	if (dynbuf_len(b) + size * n > 64 * 1024)
		return 0; /* a token response is small */
	dynbuf_add(b, p, size * n);
	return size * n;
}

static struct lw_token *token_of(struct notify *n, const char *key)
{
	for (size_t i = 0; i < n->ntokens; i++)
		if (!strcmp(n->tokens[i].key, key))
			return &n->tokens[i];
	return NULL;
}

static void token_drop(struct notify *n, const char *key)
{
	struct lw_token *t = token_of(n, key);
	if (!t)
		return;
	free(t->key);
	memset(t->token, 0, strlen(t->token));
	free(t->token);
	*t = n->tokens[--n->ntokens];
}

static void token_set(struct notify *n, const char *key, char *token, double expires)
{
	token_drop(n, key);
	ALLOC_GROW(n->tokens, n->ntokens, n->tokalloc);
	n->tokens[n->ntokens].key = xstrdup(key);
	n->tokens[n->ntokens].token = token;
	n->tokens[n->ntokens++].expires = expires;
}

static const struct notify_recipient *find_recipient(const struct notify_config *cfg,
                                                     const struct notification_row *r)
{
	int a = audience_index(r->audience);
	if (a < 0)
		return NULL;
	for (size_t i = 0; i < cfg->n[a]; i++)
		if (!strcmp(cfg->r[a][i].key, r->recipient))
			return &cfg->r[a][i];
	return NULL;
}

static int is_inflight(struct notify *n, long long id)
{
	for (size_t i = 0; i < n->ninflight; i++)
		if (n->inflight[i].id == id)
			return 1;
	return 0;
}

static size_t route_load(struct notify *n, const char *route)
{
	size_t k = 0;
	for (size_t i = 0; i < n->ninflight; i++)
		k += !strcmp(n->inflight[i].route, route);
	return k;
}

static void drop_inflight(struct notify *n, long long id)
{
	for (size_t i = 0; i < n->ninflight; i++)
		if (n->inflight[i].id == id) {
			free(n->inflight[i].route);
			n->inflight[i] = n->inflight[--n->ninflight];
			return;
		}
}

static void schedule(struct notify *n);
static void maybe_done(struct notify *n);

static void record_attempt(struct notify *n, struct delivery *d, int ok, const char *error)
{
	struct sg_error err;
	double now = timeutil_now();
	double next = now + notify_backoff(d->row.attempts + 1, n->cfg->retry_initial,
	                                   n->cfg->retry_max, (double)rand() / RAND_MAX);

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	if (store_begin(n->s, &err) ||
	    store_monitor_notification_attempted(n->s, d->row.id, now, ok, error, next, &err) ||
	    ledger_events_notification_attempt(n->s, d->row.id, d->row.attempts + 1, ok, error,
	                                       now - d->started, &err)) {
		store_rollback(n->s);
		logf_(n, "notify: cannot record attempt %lld: %s", d->row.id, err.msg);
	} else {
		if (ok) {
			for (size_t i = 0; i < d->nmerged; i++)
				if (store_notify_merged(n->s, d->merged[i], d->row.id, now, &err))
					logf_(n, "notify: %s", err.msg);
			/* since_created_s and the deadline stay those of this message:
			 * a merged first notice is measured as late as it was. */
			if (ledger_events_notification_delivered(
			        n->s, d->row.id, d->row.incident_id, d->row.purpose,
			        d->row.recipient, now, now - d->row.created_at, d->merged,
			        d->nmerged, &err))
				logf_(n, "notify: ledger: %s", err.msg);
		}
		if (store_commit(n->s, &err))
			logf_(n, "notify: cannot record attempt %lld: %s", d->row.id, err.msg);
	}
	if (ok)
		logf_(n, "notify: delivered %s #%lld to %s%s", d->row.purpose, d->row.id,
		      d->row.recipient, d->nmerged ? " (merged with its recovery)" : "");
	else
		logf_(n, "notify: attempt %d of #%lld to %s failed: %s (next in %.0f s)",
		      d->row.attempts + 1, d->row.id, d->row.recipient, error, next - now);
}

static void delivery_free(struct delivery *d)
{
	store_monitor_notification_row_release(&d->row);
	dynbuf_release(&d->payload);
	curl_slist_free_all(d->rcpt);
	notify_http_release(&d->http);
	dynbuf_release(&d->answer);
	free(d->route);
	free(d->merged);
	free(d);
}

static int start_http(struct notify *n, struct delivery *d, const struct notify_recipient *r);

static void on_delivered(CURL *e, CURLcode res, void *arg)
{
	struct delivery *d = arg;
	struct notify *n = d->n;
	long code = 0;
	int ok = res == CURLE_OK;
	char msg[CURL_ERROR_SIZE + 600];

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (d->token_stage) {
		const struct notify_recipient *r = find_recipient(n->cfg, &d->row);
		struct sg_error err;
		char *token = NULL;
		double ttl = 0;

		memset(&err, 0, sizeof(err));
		err.lang = 1;
		curl_easy_cleanup(e);
		d->token_stage = 0;
		if (!ok)
			snprintf(msg, sizeof(msg), "token: %s",
			         d->errbuf[0] ? d->errbuf : curl_easy_strerror(res));
		else if (code < 200 || code > 299)
			snprintf(msg, sizeof(msg), "token: HTTP %ld", code);
		else if (!r)
			snprintf(msg, sizeof(msg), "recipient no longer configured");
		else if (notify_channel_token_parse(dynbuf_ptr(&d->answer), dynbuf_len(&d->answer),
		                                    &token, &ttl, &err))
			snprintf(msg, sizeof(msg), "token: %s", err.msg);
		else {
			token_set(n, d->row.recipient, token, timeutil_now() + ttl);
			notify_http_release(&d->http);
			if (!start_http(n, d, r))
				return; /* the message itself is on its way */
			snprintf(msg, sizeof(msg), "%s", d->errbuf);
		}
		record_attempt(n, d, 0, msg);
		drop_inflight(n, d->row.id);
		delivery_free(d);
		schedule(n);
		maybe_done(n);
		return;
	}
	if (code == 401)
		token_drop(n, d->row.recipient); /* expired or revoked: ask again next time */
	if (ok && strcmp(d->row.channel, "email") && (code < 200 || code > 299)) {
		ok = 0;
		snprintf(msg, sizeof(msg), "HTTP %ld", code);
	} else {
		snprintf(msg, sizeof(msg), "%s",
		         d->errbuf[0] ? d->errbuf : curl_easy_strerror(res));
	}
	curl_easy_cleanup(e);
	record_attempt(n, d, ok, msg);
	drop_inflight(n, d->row.id);
	delivery_free(d);
	schedule(n);
	maybe_done(n);
}

/* A first notice whose incident has already recovered is not sent stale:
 * it becomes one message saying both, and carries the pending recovery
 * notices to the same recipient. */
static void merge_if_recovered(struct notify *n, struct delivery *d,
                               const struct notify_recipient *r)
{
	struct incident_row ir;
	struct notify_incident v;
	struct sg_error err;
	struct dynbuf subj = DYNBUF_INIT, body = DYNBUF_INIT;

	memset(&err, 0, sizeof(err));
	if (strcmp(d->row.purpose, "incident_open") || !d->row.incident_id ||
	    store_monitor_incident_get(n->s, d->row.incident_id, &ir, &err))
		return;
	if (ir.resolved_at > 0 &&
	    !store_notify_pending_ids(n->s, ir.id, d->row.recipient, "incident_resolved",
	                              &d->merged, &d->nmerged, &err)) {
		int same;
		render_named(n->cfg, "recovered_merged", notify_incident_of(&ir, &v), NULL,
		             d->row.audience, d->row.lang, r ? r->name : NULL, &subj, &body);
		same = d->row.subject && d->row.body &&
		       !strcmp(d->row.subject, dynbuf_ptr(&subj)) &&
		       !strcmp(d->row.body, dynbuf_ptr(&body));
		/* The rewrite is recorded: an auditor sees what went out and why. */
		if (same) {
			/* rewritten by an earlier attempt */
		} else if (!store_begin(n->s, &err) &&
		           !store_notify_rewrite(n->s, d->row.id, dynbuf_ptr(&subj),
		                                 dynbuf_ptr(&body), &err) &&
		           !ledger_events_notification_rewritten(
		               n->s, d->row.id, ir.id,
		               "recovered before the first notice was delivered", dynbuf_ptr(&subj),
		               &err) &&
		           !store_commit(n->s, &err)) {
			free(d->row.subject);
			free(d->row.body);
			d->row.subject = dynbuf_detach(&subj, NULL);
			d->row.body = dynbuf_detach(&body, NULL);
		} else {
			store_rollback(n->s);
			logf_(n, "notify: cannot merge #%lld with its recovery: %s", d->row.id,
			      err.msg);
			free(d->merged);
			d->merged = NULL;
			d->nmerged = 0;
		}
	}
	dynbuf_release(&subj);
	dynbuf_release(&body);
	store_monitor_incident_row_release(&ir);
}

/* Starts the HTTP transfer of d to r: for LINE WORKS without a valid token,
 * first the token request (on_delivered() then starts the message). Returns
 * non-zero, with d->errbuf set, when nothing was started. */
/* The message's idempotency key (see struct notify). */
static void idem_key(struct notify *n, long long id, char *out, size_t len)
{
	if (!n->store_uid) {
		struct sg_error err;
		memset(&err, 0, sizeof(err));
		if (store_cluster_store_id(n->s, &n->store_uid, &err))
			n->store_uid = NULL; /* asked again next time */
	}
	snprintf(out, len, "n%lld.%s", id, n->store_uid ? n->store_uid : "store");
}

static int start_http(struct notify *n, struct delivery *d, const struct notify_recipient *r)
{
	const struct notify_config *cfg = n->cfg;
	struct sg_error err;
	struct lw_token *tok = NULL;
	double now = timeutil_now();
	CURL *e;
	enum sg_code rc;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	if (r->ch == NOTIFY_CH_LINEWORKS) {
		tok = token_of(n, d->row.recipient);
		if (tok && tok->expires - 60 < now) {
			token_drop(n, d->row.recipient);
			tok = NULL;
		}
	}
	if (r->ch == NOTIFY_CH_LINEWORKS && !tok) {
		d->token_stage = 1;
		dynbuf_release(&d->answer);
		dynbuf_init(&d->answer, 64 * 1024);
		rc = notify_channel_token_request(r, now, &d->http, &err);
	} else {
		struct notify_message msg = {
		    d->row.id,   d->row.incident_id, d->row.purpose, d->row.audience,
		    d->row.lang, d->row.subject,     d->row.body,    tok ? tok->token : NULL};
		rc = notify_channel_request(r, &msg, d->started, &d->http, &err);
	}
	if (rc) {
		snprintf(d->errbuf, sizeof(d->errbuf), "%.200s", err.msg);
		return -1;
	}
	if (!d->token_stage) {
		/* Delivery is at least once: a receiver that saw the key
		 * drops the repeat. */
		char key[160], hdr[200];
		idem_key(n, d->row.id, key, sizeof(key));
		snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
		d->http.headers = curl_slist_append(d->http.headers, hdr);
	}
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(cfg->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(cfg->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_URL, d->http.url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->http.headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, dynbuf_ptr(&d->http.body));
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)dynbuf_len(&d->http.body));
	if (d->token_stage) {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_cb);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &d->answer);
	} else {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	}
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)r->tls_verify);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r->tls_verify ? 2L : 0L);
	d->errbuf[0] = 0;
	if (curluv_add(n->cu, e, on_delivered, d)) {
		curl_easy_cleanup(e);
		snprintf(d->errbuf, sizeof(d->errbuf), "cannot start transfer");
		return -1;
	}
	return 0;
}

static void start_delivery(struct notify *n, struct notification_row *row,
                           const struct notify_recipient *r, const char *route)
{
	const struct notify_config *cfg = n->cfg;
	struct delivery *d = xcalloc(1, sizeof(*d));
	struct sg_error err;
	struct notify_recipient legacy;
	CURL *e;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	d->n = n;
	d->row = *row;
	d->route = xstrdup(route);
	memset(row, 0, sizeof(*row));
	d->started = timeutil_now();
	dynbuf_init(&d->payload, DYNBUF_DEFAULT_MAX);
	if (!strcmp(d->row.channel, "email") && !cfg->smtp_url) {
		record_attempt(n, d, 0, "no notify.smtp configured");
		delivery_free(d);
		return;
	}
	memset(&legacy, 0, sizeof(legacy));
	if (!r && strcmp(d->row.channel, "email")) {
		/* a row queued before recipients had keys: its recipient is the URL */
		if (!is_http_url(d->row.recipient)) {
			record_attempt(n, d, 0, "recipient no longer configured");
			delivery_free(d);
			return;
		}
		legacy.ch = NOTIFY_CH_WEBHOOK;
		legacy.url = d->row.recipient;
		legacy.tls_verify = 1;
		r = &legacy;
	}
	merge_if_recovered(n, d, r);
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(cfg->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(cfg->timeout * 1000));
	if (!strcmp(d->row.channel, "email")) {
		const char *addr = r && r->email ? r->email : d->row.recipient;
		int en = d->row.lang && !strcmp(d->row.lang, "en");
		char key[160];
		idem_key(n, d->row.id, key, sizeof(key));
		if (notify_mime_keyed(cfg->prov.name[en], cfg->from, addr, d->row.subject,
		                      d->row.body, d->row.attachment, d->started, key, &d->payload,
		                      &err)) {
			curl_easy_cleanup(e);
			record_attempt(n, d, 0, err.msg);
			delivery_free(d);
			return;
		}
		d->rcpt = curl_slist_append(NULL, addr);
		curl_easy_setopt(e, CURLOPT_URL, cfg->smtp_url);
		curl_easy_setopt(e, CURLOPT_MAIL_FROM, cfg->from);
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, d->rcpt);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, d);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)dynbuf_len(&d->payload));
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)cfg->smtp_tls_verify);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->smtp_tls_verify ? 2L : 0L);
		if (cfg->password) {
			curl_easy_setopt(e, CURLOPT_USERNAME, cfg->username);
			curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->password);
		}
		/* smtps:// is TLS from the first byte; for smtp:// the profile
		 * decides, and "required" fails rather than send in clear text. */
		if (cfg->starttls == NOTIFY_STARTTLS_REQUIRED)
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		else if (cfg->starttls == NOTIFY_STARTTLS_OPPORTUNISTIC)
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		else
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	} else {
		curl_easy_cleanup(e);
		ALLOC_GROW(n->inflight, n->ninflight, n->alloc);
		n->inflight[n->ninflight].id = d->row.id;
		n->inflight[n->ninflight++].route = xstrdup(route);
		if (start_http(n, d, r)) {
			drop_inflight(n, d->row.id);
			record_attempt(n, d, 0, d->errbuf[0] ? d->errbuf : "cannot start transfer");
			delivery_free(d);
		}
		return;
	}
	ALLOC_GROW(n->inflight, n->ninflight, n->alloc);
	n->inflight[n->ninflight].id = d->row.id;
	n->inflight[n->ninflight++].route = xstrdup(route);
	if (curluv_add(n->cu, e, on_delivered, d)) {
		drop_inflight(n, d->row.id);
		curl_easy_cleanup(e);
		record_attempt(n, d, 0, "cannot start transfer");
		delivery_free(d);
	}
}

struct notify_incident *notify_incident_of(const struct incident_row *r, struct notify_incident *v)
{
	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->service = r->service;
	v->pattern = r->pattern;
	v->kind = r->kind;
	v->check_name = r->check_name;
	v->target = r->target;
	v->item_id = r->item_id;
	v->started_at = r->started_at;
	v->detected_at = r->detected_at;
	v->resolved_at = r->resolved_at;
	v->summary = r->summary;
	v->notify_deadline_s = r->notify_deadline_s;
	v->followup_deadline_s = r->followup_deadline_s;
	return v;
}

/* Deadline watchdogs: first notices at risk, overdue follow-ups. */
static void watch(struct notify *n)
{
	struct sg_error err;
	long long *ids = NULL;
	size_t k = 0;
	double now = timeutil_now();

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	for (int pass = 0; pass < 2; pass++) {
		enum sg_code rc = pass ? store_monitor_followups_overdue(n->s, now, &ids, &k, &err)
		                       : store_monitor_notifications_at_risk(
		                             n->s, now, n->cfg->risk_fraction, &ids, &k, &err);
		if (rc) {
			logf_(n, "notify: watchdog: %s", err.msg);
			continue;
		}
		for (size_t i = 0; i < k; i++) {
			struct incident_row r;
			struct notify_incident v;
			if (store_monitor_incident_get(n->s, ids[i], &r, &err))
				continue;
			if (store_begin(n->s, &err) ||
			    notify_enqueue(n->s, n->cfg,
			                   pass ? NOTIFY_FOLLOWUP_OVERDUE : NOTIFY_DEADLINE_RISK,
			                   notify_incident_of(&r, &v), NULL, &err) ||
			    (pass ? store_monitor_followup_reminded(n->s, r.id, now, &err)
			          : store_monitor_notifications_risk_alerted(n->s, r.id, now,
			                                                     &err)) ||
			    store_commit(n->s, &err)) {
				store_rollback(n->s);
				logf_(n, "notify: watchdog: %s", err.msg);
			} else {
				logf_(n,
				      pass ? "notify: follow-up of incident %lld is overdue; "
				             "managers reminded"
				           : "notify: first notice of incident %lld may miss its "
				             "deadline; managers alerted",
				      r.id);
			}
			store_monitor_incident_row_release(&r);
		}
		free(ids);
		ids = NULL;
	}
}

static void pump(struct notify *n)
{
	struct notification_row *rows = NULL;
	size_t k = 0;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	err.lang = 1;
	if (n->paused)
		n->drain = 0; /* another monitor delivers: nothing to drain here */
	if ((n->stopping && !n->drain) || n->paused)
		return;
	if (!n->stopping)
		watch(n);
	/* Each recipient gets its share of the batch and each route (the SMTP
	 * server, one webhook host) its share of the transfers in flight, so a
	 * dead or silent route never holds back another. */
	if (store_notify_due(n->s, timeutil_now(), 8 * n->cfg->route_share, 1024, &rows, &k,
	                     &err)) {
		logf_(n, "notify: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		const struct notify_recipient *r = find_recipient(n->cfg, &rows[i]);
		const char *route = !strcmp(rows[i].channel, "email") ? "smtp"
		                    : r                               ? r->route
		                                                      : "webhook:unconfigured";
		int mine = 0;
		if (!is_inflight(n, rows[i].id) && n->ninflight < 256 &&
		    route_load(n, route) < n->cfg->route_share &&
		    !store_notify_claim(n->s, rows[i].id, n->claimant, timeutil_now(),
		                        n->cfg->timeout + 10, &mine, &err) &&
		    mine)
			start_delivery(n, &rows[i], r, route);
		store_monitor_notification_row_release(&rows[i]);
	}
	free(rows);
	if (n->drain)
		n->drain = 0; /* one pass of what was due; retries wait for the next run */
}

static void on_timer(uv_timer_t *t)
{
	struct notify *n = t->data;
	pump(n);
	schedule(n);
	maybe_done(n);
}

static void schedule(struct notify *n)
{
	struct sg_error err;
	double next = 0, now = timeutil_now(), wait;
	long long pending = 0;

	memset(&err, 0, sizeof(err));
	if (n->stopping)
		return;
	store_monitor_notification_next(n->s, &next, &pending, &err);
	wait = pending ? next - now : 1.0;
	if (wait > 1.0)
		wait = 1.0; /* the watchdogs look every second */
	if (wait < 0.01)
		wait = 0.01;
	uv_timer_start(&n->timer, on_timer, (uint64_t)(wait * 1000), 0);
}

static void maybe_done(struct notify *n)
{
	if (n->stopping && !n->drain && !n->ninflight && n->done) {
		void (*done)(void *) = n->done;
		n->done = NULL;
		uv_timer_stop(&n->timer);
		done(n->done_arg);
	}
}

enum sg_code notify_start(uv_loop_t *loop, struct store *s, const struct notify_config *cfg,
                          void (*log)(void *arg, const char *line), void *log_arg,
                          struct notify **out, struct sg_error *err)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	(void)err;
	n->loop = loop;
	n->s = s;
	n->cfg = cfg;
	n->log = log;
	n->log_arg = log_arg;
	n->cu = curluv_new(loop);
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	uv_timer_start(&n->timer, on_timer, 0, 0);
	*out = n;
	return SG_OK;
}

void notify_set_config(struct notify *n, const struct notify_config *cfg)
{
	n->cfg = cfg;
}

void notify_pause(struct notify *n, int paused)
{
	n->paused = paused;
}

void notify_claimant(struct notify *n, long long node)
{
	n->claimant = node;
}

void notify_kick(struct notify *n)
{
	if (!n->stopping)
		uv_timer_start(&n->timer, on_timer, 0, 0);
}

void notify_stop(struct notify *n, int drain, void (*done)(void *arg), void *arg)
{
	n->done = done;
	n->done_arg = arg;
	n->stopping = 1;
	n->drain = drain;
	uv_timer_stop(&n->timer);
	if (drain)
		pump(n);
	maybe_done(n);
}

static void free_notifier(uv_handle_t *h)
{
	struct notify *n = h->data;
	for (size_t i = 0; i < n->ninflight; i++)
		free(n->inflight[i].route);
	free(n->inflight);
	while (n->ntokens)
		token_drop(n, n->tokens[0].key);
	free(n->tokens);
	free(n->store_uid);
	free(n);
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	curluv_free(n->cu);
	uv_close((uv_handle_t *)&n->timer, free_notifier);
}

enum sg_code notify_followup_record(struct store *s, const struct notify_config *cfg,
                                    long long incident_id, const char *message, double now,
                                    const char *by, long long *followup_id, struct sg_error *err)
{
	struct incident_row r;
	struct notify_incident v;
	enum sg_code rc;

	memset(&r, 0, sizeof(r));
	if ((rc = store_monitor_incident_get(s, incident_id, &r, err)))
		return rc;
	notify_incident_of(&r, &v);
	v.item_id = "III.1.1.8";
	if ((rc = store_begin(s, err)) ||
	    (rc = store_monitor_followup_insert(s, incident_id, now, message, followup_id, err)) ||
	    (rc = ledger_events_followup_recorded(
	         s, incident_id, message, now - r.detected_at,
	         (long long)notify_config_recipients(cfg, "admin_contacts"), by, err)) ||
	    (rc = notify_enqueue(s, cfg, NOTIFY_FOLLOWUP, &v, message, err)) ||
	    (rc = store_commit(s, err)))
		store_rollback(s);
	store_monitor_incident_row_release(&r);
	return rc;
}
