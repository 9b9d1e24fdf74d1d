/*
 * web_status - the public status page of a service and everything derived
 * from it: the page itself (HTML, no script), its JSON, the Atom feed, the
 * SVG badges, inclusion proofs of the ledger entries the page cites, and
 * the page explaining how to check a proof with openssl.
 *
 * A status view is built once from the store (current state per public
 * check group, 90 daily availabilities and each month's, both through
 * availability_for_period() — the accounting of `saasguard availability`;
 * incidents of public checks with their timelines; maintenance; the latest
 * signed tree head) and then rendered in either language by any of the
 * writers. Every incident, follow-up and month figure carries the sequence
 * number of the ledger entry that recorded it; only entries a view cites
 * can be proved through the public pages (others may name private checks
 * or recipients).
 *
 * Ownership: web_status_build() returns a view freed with
 * web_status_free(); it copies what it keeps from the service. Renderers
 * append to the caller's dynbuf.
 */
#ifndef SG_WEB_STATUS_H
#define SG_WEB_STATUS_H

#include "catalog.h"
#include "dynbuf.h"
#include "i18n.h"
#include "store.h"
#include "web_site.h"

#define WEB_STATUS_DAYS 90

struct web_status;

/* What a handler answers: status, type and body (extra headers by flags). */
struct web_reply {
	int status;
	const char *type;
	struct dynbuf body;
	int embeddable;       /* may be shown by other origins (badges) */
	const char *location; /* redirect target (static or owned by the caller) */
	char location_buf[128];
	const char *www_authenticate; /* 401 challenge */
	unsigned allow;               /* 405: the methods the route takes (WEB_M_ bits) */
	int no_store;                 /* a page for one user: caches must not keep it */
	int max_age;                  /* > 0: public, fresh this many seconds (status views) */
	char disposition[128];        /* Content-Disposition of a download ("": none) */
};

enum sg_code web_status_build(struct store *s, const struct catalog *cat,
                              const struct web_service *svc, double now, struct web_status **out,
                              struct sg_error *err);
void web_status_free(struct web_status *v);
/* Whether the view cites ledger entry seq. */
int web_status_cites(const struct web_status *v, long long seq);
const char *web_status_slug(const struct web_status *v);

/* base: "https://host" the page is reached at (for the feed and the
 * download commands); data, escaped where written. */
void web_status_html(const struct web_status *v, enum sg_lang lang, struct dynbuf *out);
void web_status_json(const struct web_status *v, struct dynbuf *out);
void web_status_atom(const struct web_status *v, enum sg_lang lang, const char *base,
                     struct dynbuf *out);
void web_status_badge(const struct web_status *v, int availability, enum sg_lang lang,
                      struct dynbuf *out);
/* The index of every service (views in site order). */
void web_status_index_html(struct web_status *const *views, size_t n, enum sg_lang lang,
                           struct dynbuf *out);
void web_status_verify_html(const struct web_status *v, enum sg_lang lang, const char *base,
                            struct dynbuf *out);

/* Proof of cited entry seq against the latest head: as a page (with the
 * commands that check it), as JSON, or one of the files the commands
 * download (size must be the latest head's size: the files of one proof
 * always belong together). Fills r (404 when seq is not cited or not yet
 * covered by a head). */
void web_status_proof(struct store *s, const struct web_status *v, long long seq, enum sg_lang lang,
                      const char *base, int as_json, struct web_reply *r);
void web_status_proof_file(struct store *s, const struct web_status *v, long long seq,
                           long long size, enum web_proof_file f, struct web_reply *r);
/* Local time ("2026-11-25 21:00") and local day ("2026-11-25") in zone tz,
 * serialised with view building (the zone functions swap TZ, which is
 * process-wide). out holds 40 and 16 bytes. */
void web_status_local_time(double t, const char *tz, char out[40]);
void web_status_local_day(double t, const char *tz, char out[16]);
/* "2026年12月10日（木）02時00分" in zone tz (out holds 64 bytes). */
void web_status_local_text(double t, const char *tz, char out[64]);
/* Held around any other call that uses a zone (availability, periods). */
void web_status_tz_lock(void);
void web_status_tz_unlock(void);

/* The service's ledger public key (PEM), or with tsa_ca the CA
 * certificates its time-stamps chain to (tsa_ca_file), as a reply. */
void web_status_public_key(const struct web_service *svc, int tsa_ca, struct web_reply *r);

#endif
