/*
 * notify_channels - requests for the HTTP channels; see notify_channels.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "hex.h"
#include "notify_channels.h"
#include "redact.h"
#include "xalloc.h"
#include "banned.h"

void notify_recipient_release(struct notify_recipient *r)
{
	free(r->email);
	free(r->url);
	if (r->secret) {
		memset(r->secret, 0, strlen(r->secret));
		free(r->secret);
	}
	free(r->to);
	free(r->bot);
	free(r->client_id);
	free(r->service_account);
	free(r->token_url);
	if (r->client_secret) {
		memset(r->client_secret, 0, strlen(r->client_secret));
		free(r->client_secret);
	}
	if (r->private_key) {
		memset(r->private_key, 0, strlen(r->private_key));
		free(r->private_key);
	}
	free(r->key);
	free(r->route);
	free(r->lang);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

const char *notify_channel_name(enum notify_channel ch)
{
	static const char *const n[] = {"email", "webhook",  "slack",    "teams",
	                                "line",  "chatwork", "lineworks"};
	return n[ch];
}

static void hex8(const char *s, char out[9])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)s, strlen(s), md);
	hex_encode(md, 4, out);
}

/* The URL before any fragment, through redact_url() with names that contain
 * a secret word, plus 8 hex digits of the whole URL's SHA-256 when anything
 * was taken out (distinct per secret, revealing none). */
char *notify_channel_redact_url(const char *url)
{
	char *bare = xstrndup(url, strcspn(url, "#")), *r, *res, h[9];
	int redacted = 0;

	r = redact_url_ex(bare, NULL, REDACT_CONTAINS, &redacted);
	free(bare);
	if (!strcmp(r, "[URL]")) {
		free(r);
		return NULL;
	}
	if (!redacted)
		return r;
	hex8(url, h);
	res = xstrfmt("%s#%s", r, h);
	free(r);
	return res;
}

static char *host_of(const char *url)
{
	CURLU *u = curl_url();
	char *h = NULL, *res;
	if (u && !curl_url_set(u, CURLUPART_URL, url, 0))
		curl_url_get(u, CURLUPART_HOST, &h, 0);
	res = xstrdup(h ? h : "?");
	curl_free(h);
	curl_url_cleanup(u);
	return res;
}

void notify_channel_identify(struct notify_recipient *r)
{
	char h[9], *host;

	free(r->key);
	free(r->route);
	switch (r->ch) {
	case NOTIFY_CH_EMAIL:
		r->key = xstrdup(r->email);
		r->route = xstrdup("smtp");
		return;
	case NOTIFY_CH_WEBHOOK:
		r->key = notify_channel_redact_url(r->url);
		if (!r->key)
			r->key = xstrdup("webhook");
		break;
	case NOTIFY_CH_SLACK:
	case NOTIFY_CH_TEAMS:
		/* The whole URL is the credential: keep only the host. */
		hex8(r->url, h);
		host = host_of(r->url);
		r->key = xstrfmt("%s:%s#%s", notify_channel_name(r->ch), host, h);
		free(host);
		break;
	case NOTIFY_CH_LINE:
		r->key = xstrfmt("line:%s", r->to);
		break;
	case NOTIFY_CH_CHATWORK:
		r->key = xstrfmt("chatwork:room/%s", r->to);
		break;
	case NOTIFY_CH_LINEWORKS:
		r->key = xstrfmt("lineworks:bot/%s/%s/%s", r->bot, r->to_user ? "user" : "channel",
		                 r->to);
		break;
	}
	host = host_of(r->url);
	r->route = xstrfmt("%s:%s", notify_channel_name(r->ch), host);
	free(host);
}

void notify_http_release(struct notify_http *h)
{
	free(h->url);
	curl_slist_free_all(h->headers);
	dynbuf_release(&h->body);
	memset(h, 0, sizeof(*h));
}

static void add_json(struct notify_http *out, json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);
	dynbuf_addstr(&out->body, t ? t : "");
	free(t);
	json_decref(j);
	out->headers =
	    curl_slist_append(out->headers, "Content-Type: application/json; charset=utf-8");
}

/* Cuts s to at most max characters (UTF-8 code points: the services count
 * characters, and a Japanese character is three bytes). */
static json_t *cut(const char *s, size_t max)
{
	size_t chars = 0, i = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max)
			return json_stringn(s, i);
	return json_string(s);
}

/* Slack's mrkdwn treats &, < and > as markup. */
static char *slack_escape(const char *s)
{
	struct dynbuf b = DYNBUF_INIT;
	for (; *s; s++)
		if (*s == '&')
			dynbuf_addstr(&b, "&amp;");
		else if (*s == '<')
			dynbuf_addstr(&b, "&lt;");
		else if (*s == '>')
			dynbuf_addstr(&b, "&gt;");
		else
			dynbuf_addch(&b, *s);
	return dynbuf_detach(&b, NULL);
}

static void slack(const struct notify_message *m, struct notify_http *out)
{
	json_t *blocks = json_array(), *j;
	char *esc = slack_escape(m->text);
	size_t len = strlen(esc), off = 0;

	json_array_append_new(blocks,
	                      json_pack("{s:s,s:{s:s,s:o}}", "type", "header", "text", "type",
	                                "plain_text", "text", cut(m->subject, 150)));
	/* A section's text is at most 3000 characters: split on lines. */
	while (off < len) {
		size_t take = len - off, k;
		if (take > 2900) {
			take = 2900;
			for (k = take; k > 0 && esc[off + k] != '\n'; k--)
				;
			if (k)
				take = k + 1;
			else
				while (take && ((unsigned char)esc[off + take] & 0xc0) == 0x80)
					take--;
		}
		json_array_append_new(blocks,
		                      json_pack("{s:s,s:{s:s,s:s%}}", "type", "section", "text",
		                                "type", "mrkdwn", "text", esc + off, take));
		off += take;
	}
	j = json_pack("{s:o,s:o}", "text", cut(m->subject, 3000), "blocks", blocks);
	add_json(out, j);
	free(esc);
}

static void teams(const struct notify_message *m, struct notify_http *out)
{
	json_t *card = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:b},{s:s,s:s,s:b}]}", "$schema",
	                         "http://adaptivecards.io/schemas/adaptive-card.json", "type",
	                         "AdaptiveCard", "version", "1.4", "body", "type", "TextBlock",
	                         "text", m->subject, "weight", "Bolder", "size", "Medium", "wrap",
	                         1, "type", "TextBlock", "text", m->text, "wrap", 1);
	json_t *j =
	    json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message", "attachments", "contentType",
	              "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
	add_json(out, j);
}

/* LINE's retry key is a UUID; derive it from the message so every retry of
 * one message carries the same key (LINE then delivers it once). */
static void retry_key(const struct notify_message *m, const char *to, char out[37])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char seed[128];
	snprintf(seed, sizeof(seed), "saasguard:%lld:%s", m->id, to);
	SHA256((const unsigned char *)seed, strlen(seed), md);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x40);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	/* 8-4-4-4-12 hex digits */
	hex_encode(md, 4, out);
	out[8] = '-';
	hex_encode(md + 4, 2, out + 9);
	out[13] = '-';
	hex_encode(md + 6, 2, out + 14);
	out[18] = '-';
	hex_encode(md + 8, 2, out + 19);
	out[23] = '-';
	hex_encode(md + 10, 6, out + 24);
}

static void line(const struct notify_recipient *r, const struct notify_message *m,
                 struct notify_http *out)
{
	struct dynbuf t = DYNBUF_INIT;
	char key[37];
	char *hdr;
	json_t *j;

	dynbuf_printf(&t, "%s\n\n%s", m->subject, m->text);
	j = json_pack("{s:s,s:[{s:s,s:o}]}", "to", r->to, "messages", "type", "text", "text",
	              cut(dynbuf_ptr(&t), 5000));
	add_json(out, j);
	dynbuf_release(&t);
	hdr = xstrfmt("Authorization: Bearer %s", r->secret);
	out->headers = curl_slist_append(out->headers, hdr);
	memset(hdr, 0, strlen(hdr));
	free(hdr);
	retry_key(m, r->to, key);
	hdr = xstrfmt("X-Line-Retry-Key: %s", key);
	out->headers = curl_slist_append(out->headers, hdr);
	free(hdr);
	out->url = xstrfmt("%s/v2/bot/message/push", r->url);
}

static void chatwork(const struct notify_recipient *r, const struct notify_message *m,
                     struct notify_http *out)
{
	struct dynbuf t = DYNBUF_INIT;
	char *enc, *hdr;

	dynbuf_printf(&t, "[info][title]%s[/title]%s[/info]", m->subject, m->text);
	enc = curl_easy_escape(NULL, dynbuf_ptr(&t), (int)dynbuf_len(&t));
	dynbuf_printf(&out->body, "body=%s&self_unread=0", enc ? enc : "");
	curl_free(enc);
	dynbuf_release(&t);
	out->headers =
	    curl_slist_append(out->headers, "Content-Type: application/x-www-form-urlencoded");
	hdr = xstrfmt("X-ChatWorkToken: %s", r->secret);
	out->headers = curl_slist_append(out->headers, hdr);
	memset(hdr, 0, strlen(hdr));
	free(hdr);
	out->url = xstrfmt("%s/rooms/%s/messages", r->url, r->to);
}

static void webhook(const struct notify_recipient *r, const struct notify_message *m, double now,
                    struct notify_http *out)
{
	json_t *j = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "source", "saasguard", "id",
	                      (json_int_t)m->id, "incident", (json_int_t)m->incident_id, "purpose",
	                      m->purpose, "audience", m->audience, "lang", m->lang, "subject",
	                      m->subject, "text", m->text);
	add_json(out, j);
	if (r->secret) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0;
		struct dynbuf signed_ = DYNBUF_INIT, h = DYNBUF_INIT;
		long long ts = (long long)now;

		/* Signed over "timestamp.body" so a captured request cannot be
		 * replayed later with a fresh timestamp. */
		dynbuf_printf(&signed_, "%lld.", ts);
		dynbuf_add(&signed_, dynbuf_ptr(&out->body), dynbuf_len(&out->body));
		HMAC(EVP_sha256(), r->secret, (int)strlen(r->secret),
		     (const unsigned char *)dynbuf_ptr(&signed_), dynbuf_len(&signed_), mac,
		     &maclen);
		dynbuf_printf(&h, "X-Saasguard-Timestamp: %lld", ts);
		out->headers = curl_slist_append(out->headers, dynbuf_ptr(&h));
		dynbuf_reset(&h);
		dynbuf_addstr(&h, "X-Saasguard-Signature: sha256=");
		{
			char hex[2 * EVP_MAX_MD_SIZE + 1];
			hex_encode(mac, maclen, hex);
			dynbuf_addstr(&h, hex);
		}
		out->headers = curl_slist_append(out->headers, dynbuf_ptr(&h));
		dynbuf_release(&h);
		dynbuf_release(&signed_);
	}
}

static void lineworks(const struct notify_recipient *r, const struct notify_message *m,
                      struct notify_http *out)
{
	struct dynbuf t = DYNBUF_INIT;
	char *hdr;
	json_t *j;

	dynbuf_printf(&t, "%s\n\n%s", m->subject, m->text);
	j = json_pack("{s:{s:s,s:s}}", "content", "type", "text", "text", dynbuf_ptr(&t));
	add_json(out, j);
	dynbuf_release(&t);
	hdr = xstrfmt("Authorization: Bearer %s", m->access_token ? m->access_token : "");
	out->headers = curl_slist_append(out->headers, hdr);
	memset(hdr, 0, strlen(hdr));
	free(hdr);
	out->url = xstrfmt("%s/bots/%s/%s/%s/messages", r->url, r->bot,
	                   r->to_user ? "users" : "channels", r->to);
}

static void b64url(struct dynbuf *out, const unsigned char *p, size_t n)
{
	unsigned char *buf = xmalloc(4 * ((n + 2) / 3) + 1);
	int k = EVP_EncodeBlock(buf, p, (int)n);

	while (k > 0 && buf[k - 1] == '=')
		k--;
	for (int i = 0; i < k; i++)
		dynbuf_addch(out, buf[i] == '+' ? '-' : buf[i] == '/' ? '_' : (char)buf[i]);
	free(buf);
}

/* LINE WORKS: the JWT (header.claims.signature, RS256 with the service
 * account's key; iss client id, sub service account, iat now, exp now+1h). */
static enum sg_code notify_channel_jwt(const struct notify_recipient *r, double now, char **out,
                                       struct sg_error *err)
{
	struct dynbuf b = DYNBUF_INIT;
	BIO *bio = BIO_new_mem_buf(r->private_key, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	json_t *claims;
	char *c;
	enum sg_code rc = SG_OK;
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";

	*out = NULL;
	BIO_free(bio);
	if (!key || !ctx || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		rc = sg_error_set(err, SG_ERR_CRYPTO, "%s",
		                  ETR(err, "LINE WORKS の秘密鍵（RSA、PEM）を読めません",
		                      "cannot read the LINE WORKS private key (RSA, PEM)"));
		goto out;
	}
	claims = json_pack("{s:s,s:s,s:I,s:I}", "iss", r->client_id, "sub", r->service_account,
	                   "iat", (json_int_t)now, "exp", (json_int_t)now + 3600);
	c = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	b64url(&b, (const unsigned char *)header, strlen(header));
	dynbuf_addch(&b, '.');
	b64url(&b, (const unsigned char *)c, strlen(c));
	free(c);
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)dynbuf_ptr(&b),
	                   dynbuf_len(&b)) != 1) {
		rc = sg_error_set(err, SG_ERR_CRYPTO, "%s",
		                  ETR(err, "JWT に署名できません", "cannot sign the JWT"));
		goto out;
	}
	dynbuf_addch(&b, '.');
	b64url(&b, sig, siglen);
	*out = dynbuf_detach(&b, NULL);
out:
	dynbuf_release(&b);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}

static void form_field(struct dynbuf *b, const char *name, const char *value)
{
	char *enc = curl_easy_escape(NULL, value ? value : "", 0);
	if (dynbuf_len(b))
		dynbuf_addch(b, '&');
	dynbuf_printf(b, "%s=%s", name, enc ? enc : "");
	curl_free(enc);
}

enum sg_code notify_channel_token_request(const struct notify_recipient *r, double now,
                                          struct notify_http *out, struct sg_error *err)
{
	char *jwt = NULL;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	dynbuf_init(&out->body, 1 << 20);
	if ((rc = notify_channel_jwt(r, now, &jwt, err)))
		return rc;
	form_field(&out->body, "assertion", jwt);
	form_field(&out->body, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
	form_field(&out->body, "client_id", r->client_id);
	form_field(&out->body, "client_secret", r->client_secret);
	form_field(&out->body, "scope", "bot");
	free(jwt);
	out->headers =
	    curl_slist_append(out->headers, "Content-Type: application/x-www-form-urlencoded");
	out->url = xstrdup(r->token_url);
	return SG_OK;
}

enum sg_code notify_channel_token_parse(const char *body, size_t len, char **token,
                                        double *expires_in, struct sg_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je), *t, *e;
	enum sg_code rc = SG_OK;

	*token = NULL;
	*expires_in = 3600;
	t = j ? json_object_get(j, "access_token") : NULL;
	if (!json_is_string(t) || !json_string_length(t) || json_string_length(t) > 4096 ||
	    strpbrk(json_string_value(t), "\r\n")) {
		rc = sg_error_set(err, SG_ERR_NETWORK, "%s",
		                  ETR(err, "LINE WORKS のトークン応答に access_token がありません",
		                      "the LINE WORKS token response has no access_token"));
		goto out;
	}
	*token = xstrdup(json_string_value(t));
	e = json_object_get(j, "expires_in");
	if (json_is_integer(e))
		*expires_in = (double)json_integer_value(e);
	else if (json_is_string(e))
		*expires_in = atof(json_string_value(e));
	if (!(*expires_in > 60) || *expires_in > 86400 * 2)
		*expires_in = 3600;
out:
	json_decref(j);
	return rc;
}

enum sg_code notify_channel_request(const struct notify_recipient *r,
                                    const struct notify_message *m, double now,
                                    struct notify_http *out, struct sg_error *err)
{
	memset(out, 0, sizeof(*out));
	dynbuf_init(&out->body, DYNBUF_DEFAULT_MAX);
	switch (r->ch) {
	case NOTIFY_CH_WEBHOOK:
		webhook(r, m, now, out);
		break;
	case NOTIFY_CH_SLACK:
		slack(m, out);
		break;
	case NOTIFY_CH_TEAMS:
		teams(m, out);
		break;
	case NOTIFY_CH_LINE:
		line(r, m, out);
		break;
	case NOTIFY_CH_CHATWORK:
		chatwork(r, m, out);
		break;
	case NOTIFY_CH_LINEWORKS:
		lineworks(r, m, out);
		break;
	case NOTIFY_CH_EMAIL:
		return sg_error_set(err, SG_ERR_INTERNAL, "mail is not an HTTP channel");
	}
	if (!out->url)
		out->url = xstrdup(r->url);
	if (dynbuf_status(&out->body))
		return sg_error_set(err, SG_ERR_INTERNAL, "%s",
		                    ETR(err, "メッセージが大きすぎます", "message too large"));
	return SG_OK;
}
