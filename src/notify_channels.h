/*
 * notify_channels - the HTTP channels' requests as each service documents
 * them: a generic JSON webhook (optionally signed: HMAC-SHA256 over
 * "timestamp.body" in X-Saasguard-Signature, the timestamp in
 * X-Saasguard-Timestamp against replay), Slack incoming webhooks (Block
 * Kit), Microsoft Teams Workflows webhooks (an Adaptive Card), LINE
 * Messaging API push messages (channel access token, X-Line-Retry-Key so a
 * retry is not delivered twice), Chatwork room messages (X-ChatWorkToken)
 * and LINE WORKS Bot API messages (an access token obtained with a
 * service-account JWT signed RS256, RFC 7523). Also the identity a recipient is stored and logged
 * under, which never holds a secret (tokens in URLs are redacted).
 *
 * Ownership: struct notify_recipient's strings belong to it
 * (notify_recipient_release()); notify_channel_request() fills a request
 * the caller releases with notify_http_release().
 */
#ifndef SG_NOTIFY_CHANNELS_H
#define SG_NOTIFY_CHANNELS_H

#include <curl/curl.h>

#include "dynbuf.h"
#include "error.h"

enum notify_channel {
	NOTIFY_CH_EMAIL = 0,
	NOTIFY_CH_WEBHOOK,
	NOTIFY_CH_SLACK,
	NOTIFY_CH_TEAMS,
	NOTIFY_CH_LINE,
	NOTIFY_CH_CHATWORK,
	NOTIFY_CH_LINEWORKS,
};

/* Managers' subscriptions (`events:`), bits of incident kinds. */
enum {
	NOTIFY_EV_OUTAGE = 1,
	NOTIFY_EV_FAULT = 2,
	NOTIFY_EV_DEGRADATION = 4,
	NOTIFY_EV_EXTERNAL = 8,
};

struct notify_recipient {
	enum notify_channel ch;
	char *email;  /* email */
	char *url;    /* webhook, slack, teams; the API base for line, chatwork */
	char *secret; /* webhook HMAC key, line/chatwork token (from a 0600 file) */
	char *to;     /* line: user/group id; chatwork: room id; lineworks: channel
	               * or user id */
	/* lineworks: the bot, the service account and its private key (PEM,
	 * from a 0600 file), the app's client id and secret, the token URL */
	char *bot, *client_id, *client_secret, *service_account, *private_key, *token_url;
	int to_user;
	char *key;   /* what the store, ledger and log call it: no secrets */
	char *route; /* deliveries sharing a route share its in-flight limit */
	char *lang;  /* "ja" | "en" */
	char *name;  /* how the mail addresses them (宛名), NULL: by audience */
	int tls_verify;
	unsigned events;
};
void notify_recipient_release(struct notify_recipient *r);
const char *notify_channel_name(enum notify_channel ch); /* "email", "slack" ... */

/* Sets r->key and r->route from the other fields. */
void notify_channel_identify(struct notify_recipient *r);
/* url through redact_url() (REDACT_CONTAINS: the userinfo and the values of
 * parameters whose names contain token, key, secret, sig ... become "***"),
 * without its fragment, plus "#" and 8 hex digits of the whole URL's SHA-256
 * when anything was taken out; NULL when not a URL. The caller frees it. */
char *notify_channel_redact_url(const char *url);

struct notify_http {
	char *url;
	struct curl_slist *headers;
	struct dynbuf body;
};
void notify_http_release(struct notify_http *h);

/* The request delivering one message (id: the outbox row, for idempotency
 * keys; meta: the generic webhook's JSON fields besides subject/text). */
struct notify_message {
	long long id, incident_id;
	const char *purpose, *audience, *lang, *subject, *text;
	const char *access_token; /* lineworks: from notify_channel_token_parse() */
};
enum sg_code notify_channel_request(const struct notify_recipient *r,
                                    const struct notify_message *m, double now,
                                    struct notify_http *out, struct sg_error *err);
/* LINE WORKS: the token request (POST token_url, form: assertion,
 * grant_type jwt-bearer, client_id, client_secret, scope=bot). */
enum sg_code notify_channel_token_request(const struct notify_recipient *r, double now,
                                          struct notify_http *out, struct sg_error *err);
/* Reads {"access_token": ..., "expires_in": N or "N"} (hostile input). */
enum sg_code notify_channel_token_parse(const char *body, size_t len, char **token,
                                        double *expires_in, struct sg_error *err);

#endif
