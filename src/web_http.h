/*
 * web_http - the hostile-input half of the web server, kept pure so it can
 * be fuzzed on its own: the router (method and path to a route and its
 * parameters), percent-decoding, query strings and urlencoded form bodies,
 * Accept-Language negotiation, and CIDR matching for --trusted-proxy.
 * Nothing here touches the network, the store or the clock.
 *
 * Ownership: a web_form owns its decoded keys and values
 * (web_form_release()). Routes copy their parameters into the struct.
 */
#ifndef SG_WEB_HTTP_H
#define SG_WEB_HTTP_H

#include <stddef.h>

#include "error.h"
#include "i18n.h"

/* Longest path, slug and form accepted (longer requests are refused). */
#define WEB_MAX_PATH  1024
#define WEB_MAX_SLUG  63
#define WEB_MAX_FORM  (64 * 1024)
#define WEB_MAX_PAIRS 64

enum web_route_id {
	WEB_R_NOT_FOUND = 0,
	WEB_R_ROOT,          /* /  -> /status/ */
	WEB_R_STYLESHEET,    /* /assets/style.css */
	WEB_R_HEALTH,        /* /healthz */
	WEB_R_FAVICON,       /* /favicon.ico: 204, so browsers stop asking */
	WEB_R_STATUS_INDEX,  /* /status/ */
	WEB_R_STATUS,        /* /status/SLUG */
	WEB_R_STATUS_JSON,   /* /status/SLUG.json */
	WEB_R_STATUS_FEED,   /* /status/SLUG/feed.atom */
	WEB_R_STATUS_VERIFY, /* /status/SLUG/verify */
	WEB_R_PROOF,         /* /status/SLUG/proof/SEQ (HTML) */
	WEB_R_PROOF_JSON,    /* /status/SLUG/proof/SEQ.json */
	WEB_R_PROOF_FILE,    /* /status/SLUG/proof/SEQ/SIZE/FILE (entry.txt path.txt head.txt
	                        head.sig) */
	WEB_R_LEDGER_PUB,    /* /status/SLUG/ledger.pub */
	WEB_R_TSA_CA,        /* /status/SLUG/tsa-ca.pem */
	WEB_R_BADGE_STATUS,  /* /badge/SLUG/status.svg */
	WEB_R_BADGE_AVAIL,   /* /badge/SLUG/availability.svg */
	/* operators (session cookie) */
	WEB_R_LOGIN,         /* /login (GET form, POST) */
	WEB_R_LOGOUT,        /* /logout (POST) */
	WEB_R_DASHBOARD,     /* /dashboard/ */
	WEB_R_DASH_INCIDENT, /* /dashboard/incidents/ID */
	WEB_R_DASH_FOLLOWUP, /* /dashboard/incidents/ID/followup (POST) */
	WEB_R_DASH_CHECKS,   /* /dashboard/SLUG/checks */
	WEB_R_DASH_MAINT,    /* /dashboard/SLUG/maintenance (GET, POST) */
	WEB_R_DASH_CONTROLS, /* /dashboard/SLUG/controls?section=&level=&verdict= */
	WEB_R_DASH_ATTEST,   /* /dashboard/SLUG/attest (POST multipart: control, note, evidence) */
	WEB_R_DASH_REPORTS,  /* /dashboard/SLUG/reports, /dashboard/SLUG/reports/N (download) */
	WEB_R_DASH_LEDGER,   /* /dashboard/ledger: verification and export */
	WEB_R_DASH_LEDGER_VERIFY, /* /dashboard/ledger/verify (POST, admin) */
	WEB_R_DASH_LEDGER_EXPORT, /* /dashboard/ledger/export (POST from, to: a zip) */
	WEB_R_CHART,              /* /dashboard/SLUG/checks/ID/chart.svg */
	/* REST API (bearer token or session) */
	WEB_R_API_OPENAPI,             /* /api/v1/openapi.json */
	WEB_R_API_SERVICES,            /* /api/v1/services */
	WEB_R_API_SERVICE,             /* /api/v1/services/SLUG */
	WEB_R_API_INCIDENTS,           /* /api/v1/services/SLUG/incidents */
	WEB_R_API_AVAIL,               /* /api/v1/services/SLUG/availability?month= */
	WEB_R_API_CHECKS,              /* /api/v1/services/SLUG/checks */
	WEB_R_API_ASSESSMENT,          /* /api/v1/services/SLUG/assessment */
	WEB_R_API_CONTROLS,            /* /api/v1/services/SLUG/controls?section=&level=&verdict= */
	WEB_R_API_MAINT,               /* /api/v1/services/SLUG/maintenance (GET, POST) */
	WEB_R_API_INCIDENT,            /* /api/v1/incidents/ID */
	WEB_R_API_FOLLOWUP,            /* /api/v1/incidents/ID/followups (POST) */
	WEB_R_API_LEDGER_HEAD,         /* /api/v1/ledger/head */
	WEB_R_API_LEDGER_PROOF,        /* /api/v1/ledger/proofs/SEQ */
	WEB_R_API_LEDGER_CONS,         /* /api/v1/ledger/consistency?from=N&to=M */
	WEB_R_API_LEDGER_VERIFICATION, /* /api/v1/ledger/verification (GET; POST: admin) */
	WEB_R_API_LEDGER_EXPORT,       /* /api/v1/ledger/export?from=&to= (a zip) */
	WEB_R_API_REPORTS,             /* /api/v1/services/SLUG/reports (GET, POST) */
	WEB_R_API_REPORT,              /* /api/v1/services/SLUG/reports/SEQ (the file) */
	WEB_R_API_USERS,               /* /api/v1/users (admin) */
	WEB_R_METRICS,                 /* /metrics */
};

/* Methods a route takes. */
#define WEB_M_GET  1u /* and HEAD */
#define WEB_M_POST 2u

enum web_proof_file {
	WEB_PROOF_ENTRY = 0, /* entry.txt */
	WEB_PROOF_PATH,      /* path.txt */
	WEB_PROOF_HEAD,      /* head.txt */
	WEB_PROOF_SIG,       /* head.sig */
	WEB_PROOF_TST,       /* head.tst: the head's RFC 3161 token, when it has one */
};

struct web_route {
	enum web_route_id id;
	int method_ok;    /* the method is one the route takes */
	unsigned allowed; /* WEB_M_ bits the route takes */
	int is_post;
	char slug[WEB_MAX_SLUG + 1];
	long long seq;  /* proof routes; incident and check ids */
	long long size; /* WEB_R_PROOF_FILE */
	enum web_proof_file file;
};

/* Routes method and path (the path without the query string, still
 * percent-encoded). Unknown paths give WEB_R_NOT_FOUND. */
void web_route_match(const char *method, const char *path, struct web_route *out);

/* A slug is 1-63 of [a-z0-9-], not starting or ending with '-'. */
int web_slug_valid(const char *s);
/* A slug from a service name: ASCII letters and digits lowercased, every
 * other run of characters one '-'; "service" when nothing is left. out has
 * WEB_MAX_SLUG + 1 bytes. */
void web_slug_from_name(const char *name, char out[WEB_MAX_SLUG + 1]);

/* Percent-decodes (and '+' to space when form) src[0..len) into out
 * (NUL-terminated, at most len + 1 bytes). -1 on a malformed escape or a
 * decoded NUL byte. */
int web_percent_decode(const char *src, size_t len, int form, char *out);

struct web_form {
	char *key[WEB_MAX_PAIRS];
	char *value[WEB_MAX_PAIRS];
	size_t n;
};
/* Parses "a=1&b=2" (a query string or an application/x-www-form-urlencoded
 * body). SG_ERR_INPUT on malformed escapes, more than WEB_MAX_PAIRS pairs,
 * or more than WEB_MAX_FORM bytes. */
enum sg_code web_form_parse(const char *src, size_t len, struct web_form *out,
                            struct sg_error *err);
/* The first value of key, or NULL. */
const char *web_form_get(const struct web_form *f, const char *key);
void web_form_release(struct web_form *f);

/* The page language: ?lang= (ja|en) wins, then the first of ja/en in
 * Accept-Language by q-value, else Japanese. Either may be NULL. */
enum sg_lang web_lang_negotiate(const char *lang_param, const char *accept_language);

/* Whether a response with content coding gzip is acceptable under this
 * Accept-Encoding (RFC 9110 12.5.3): "gzip" or "x-gzip", else "*", with a
 * q-value above 0. NULL or absent: no. */
int web_accepts_gzip(const char *accept_encoding);
/* Whether If-None-Match (a list of entity tags, or "*") matches etag (a
 * quoted strong tag such as "\"abc\""), by the weak comparison RFC 9110
 * 13.1.2 prescribes: a W/ prefix on either side is ignored. NULL: no. */
int web_etag_matches(const char *if_none_match, const char *etag);

/* An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", a bare address). */
struct web_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};
/* 0, or -1 when s is not an address or network. */
int web_cidr_parse(const char *s, struct web_cidr *out);
/* Whether the address (family, 4 or 16 bytes) lies in the network. */
int web_cidr_contains(const struct web_cidr *c, int family, const unsigned char *addr);

#endif
