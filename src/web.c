/*
 * web - the HTTP server of `saasguard serve`; see web.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <stdint.h>
#include <zlib.h>

#include "fileio.h"
#include "hex.h"
#include "html.h"
#include "store.h"
#include "timeutil.h"
#include "web.h"
#include "web_site.h"
#include "web_req.h"
#include "web_status.h"
#include "store_web.h"
#include "xalloc.h"
#include "banned.h"

#define WEB_MAX_BODY (64 * 1024)

/* What a cached view is rendered as: each once per view and language, on
 * the builder thread (html, json, badges) or by the first request that
 * asks (atom and verify, which name the base URL the client reached us at). */
enum rep { REP_HTML, REP_JSON, REP_ATOM, REP_VERIFY, REP_BADGE_STATUS, REP_BADGE_AVAIL, REP_N };

/* One rendered representation: its bytes, their gzip, their ETags. Written
 * once, then only read until the view is freed. */
struct rendition {
	char *body, *gz;
	size_t len, gzlen;
	char *base; /* atom, verify: the base URL in the bytes */
	char etag[40], gz_etag[44];
};

/* A cached status view; refs counts the cache and every request or queued
 * response using it (a response's free callback drops its reference). */
struct view_ref {
	struct web *w;
	struct web_status *v;
	int refs;
	pthread_mutex_t lock; /* rend[] slots being filled */
	struct rendition *rend[REP_N][2];
};

/* A service's view. The builder thread rebuilds it; requests only read it
 * and ask (wanted) for a rebuild when it is older than the cache period. */
struct cache_slot {
	struct view_ref *ref;
	/* monotonic ms (SAASGUARD_NOW may freeze the wall clock): when the
	 * view's build started, and when the last build, failed or not, did */
	double built_at, tried_at;
	int wanted, building;
	unsigned attempts; /* builds finished, failed or not */
};

struct web {
	struct web_options o;
	const struct catalog *cat;
	char **files;
	size_t nfiles;
	char *db;
	struct MHD_Daemon *d;
	int tls, loopback;
	unsigned port;
	char *cert_pem, *key_pem;

	pthread_rwlock_t site_lock; /* held shared by requests, exclusively by a reload */
	struct web_site *site;

	pthread_mutex_t cache_lock;
	pthread_cond_t cache_cond; /* a build finished */
	pthread_cond_t work_cond;  /* a view is wanted, or stopping */
	struct cache_slot *cache;  /* one per service of site */
	size_t ncache;
	pthread_t builder;
	int builder_started, stopping;
	unsigned test_delay_ms; /* SAASGUARD_TEST_VIEW_DELAY_MS: each rebuild sleeps first */

	pthread_mutex_t stores_lock;
	struct store **stores; /* every per-thread connection, closed at stop */
	size_t nstores, astores;

	atomic_int active; /* requests being answered */
};

static _Thread_local struct store *thread_store;

/* Evidence files attached to an attestation may be this large. */
#define WEB_MAX_UPLOAD (10 * 1024 * 1024)

struct request {
	struct dynbuf body; /* POST bodies, up to WEB_MAX_FORM */
	int refused;
	/* multipart/form-data (the attestation form), parsed by libmicrohttpd */
	struct MHD_PostProcessor *pp;
	struct web_form fields;
	struct dynbuf file;
	char file_name[256];
};

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
	struct request *rq = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (filename) {
		if (!off)
			snprintf(rq->file_name, sizeof(rq->file_name), "%s", filename);
		dynbuf_add(&rq->file, data, size);
		return dynbuf_status(&rq->file) ? MHD_NO : MHD_YES;
	}
	/* a field arrives in pieces: append to the last value of the same key */
	if (off && rq->fields.n && !strcmp(rq->fields.key[rq->fields.n - 1], key)) {
		char **v = &rq->fields.value[rq->fields.n - 1];
		size_t have = strlen(*v);
		if (have + size > 8192)
			return MHD_NO;
		*v = xrealloc(*v, have + size + 1);
		memcpy(*v + have, data, size);
		(*v)[have + size] = 0;
		return MHD_YES;
	}
	if (rq->fields.n == WEB_MAX_PAIRS || size > 8192 || memchr(data, 0, size))
		return MHD_NO;
	rq->fields.key[rq->fields.n] = xstrdup(key);
	rq->fields.value[rq->fields.n++] = xstrndup(data, size);
	return MHD_YES;
}

static void wlog(struct web *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wlog(struct web *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!w->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->o.log(w->o.log_ctx, line);
}

static struct store *get_store(struct web *w)
{
	struct sg_error err;

	if (thread_store)
		return thread_store;
	memset(&err, 0, sizeof(err));
	if (store_open(w->db, 0, &thread_store, &err)) {
		wlog(w, "store: %s", err.msg);
		thread_store = NULL;
		return NULL;
	}
	pthread_mutex_lock(&w->stores_lock);
	ALLOC_GROW(w->stores, w->nstores, w->astores);
	w->stores[w->nstores++] = thread_store;
	pthread_mutex_unlock(&w->stores_lock);
	return thread_store;
}

static void rendition_free(struct rendition *rd)
{
	if (!rd)
		return;
	free(rd->body);
	free(rd->gz);
	free(rd->base);
	free(rd);
}

static void ref_put(struct web *w, struct view_ref *r)
{
	int last;

	if (!r)
		return;
	pthread_mutex_lock(&w->cache_lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&w->cache_lock);
	if (last) {
		for (int k = 0; k < REP_N; k++)
			for (int l = 0; l < 2; l++)
				rendition_free(r->rend[k][l]);
		pthread_mutex_destroy(&r->lock);
		web_status_free(r->v);
		free(r);
	}
}

/* MHD's free callback of a response whose body is a rendition's bytes. */
static void ref_put_cb(void *cls)
{
	struct view_ref *r = cls;

	ref_put(r->w, r);
}

/* in compressed with gzip (level 9: once per view), or NULL when in is
 * too small to gain or the result is not smaller. */
static char *gzip_bytes(const char *in, size_t len, size_t *outlen)
{
	z_stream z;
	char *out;
	size_t cap;

	memset(&z, 0, sizeof(z));
	if (len < 256 || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len);
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct rendition *render(const struct web_status *v, enum rep k, enum sg_lang l,
                                const char *base)
{
	struct dynbuf d;
	struct rendition *rd;
	unsigned char h[crypto_hash_sha256_BYTES];
	char hx[33];

	dynbuf_init(&d, 64 << 20);
	switch (k) {
	case REP_HTML:
		web_status_html(v, l, &d);
		break;
	case REP_JSON:
		web_status_json(v, &d);
		break;
	case REP_ATOM:
		web_status_atom(v, l, base, &d);
		break;
	case REP_VERIFY:
		web_status_verify_html(v, l, base, &d);
		break;
	default:
		web_status_badge(v, k == REP_BADGE_AVAIL, l, &d);
	}
	if (dynbuf_status(&d) || !dynbuf_len(&d)) {
		dynbuf_release(&d);
		return NULL;
	}
	rd = xcalloc(1, sizeof(*rd));
	rd->body = dynbuf_detach(&d, &rd->len);
	rd->base = base ? xstrdup(base) : NULL;
	/* The content's hash: the same page has the same tag in every process
	 * behind a load balancer and across rebuilds that change nothing. */
	crypto_hash_sha256(h, (const unsigned char *)rd->body, rd->len);
	hex_encode(h, 16, hx);
	snprintf(rd->etag, sizeof(rd->etag), "\"%s\"", hx);
	snprintf(rd->gz_etag, sizeof(rd->gz_etag), "\"%s-gz\"", hx);
	rd->gz = gzip_bytes(rd->body, rd->len, &rd->gzlen);
	return rd;
}

/* The rendition k of view r in language l (JSON has one), rendered now if
 * no request asked before; NULL when it cannot be cached (an atom or
 * verify page already rendered for another base URL: the caller renders
 * its own). */
static struct rendition *rendition_get(struct view_ref *r, enum rep k, enum sg_lang l,
                                       const char *base)
{
	struct rendition *rd, *mine;
	int li = k == REP_JSON ? 0 : l == SG_LANG_EN;

	if (k != REP_ATOM && k != REP_VERIFY)
		base = NULL;
	pthread_mutex_lock(&r->lock);
	rd = r->rend[k][li];
	pthread_mutex_unlock(&r->lock);
	if (!rd) {
		if (!(mine = render(r->v, k, l, base)))
			return NULL;
		pthread_mutex_lock(&r->lock);
		if (!(rd = r->rend[k][li]))
			rd = r->rend[k][li] = mine, mine = NULL;
		pthread_mutex_unlock(&r->lock);
		rendition_free(mine);
	}
	if (base && strcmp(rd->base, base))
		return NULL;
	return rd;
}

/* A view older than this many cache periods is not served: the request
 * waits for the new one, as the first does, so a customer coming back to
 * an idle server never reads an hour-old state. */
#define WEB_VIEW_MAX_PERIODS 12

/* The view of service i (site_lock held shared): the cached one, even when
 * older than the cache period (the builder thread is asked for a new one);
 * waits only while none exists or it is older than WEB_VIEW_MAX_PERIODS.
 * NULL when none can be built. */
static struct view_ref *get_view(struct web *w, size_t i)
{
	struct cache_slot *c;
	struct view_ref *r;
	double mono = timeutil_monotonic_ms(), period = w->o.cache_s * 1000;
	int usable;

	pthread_mutex_lock(&w->cache_lock);
	c = &w->cache[i];
	usable = c->ref && mono - c->built_at < period * WEB_VIEW_MAX_PERIODS;
	if ((!c->ref || mono - c->built_at >= period) && !c->wanted && !c->building &&
	    (!usable || mono - c->tried_at >= period)) {
		c->wanted = 1;
		pthread_cond_signal(&w->work_cond);
	}
	if (!usable) {
		unsigned a = c->attempts;
		while (c->attempts == a && !w->stopping)
			pthread_cond_wait(&w->cache_cond, &w->cache_lock);
	}
	if ((r = c->ref))
		r->refs++;
	pthread_mutex_unlock(&w->cache_lock);
	return r;
}

/* Builds the view of service i on the builder thread (site_lock held
 * shared), renders what does not depend on the request, and swaps it in. */
static void build_one(struct web *w, struct store *s, size_t i, int first)
{
	struct web_status *v = NULL;
	struct view_ref *r = NULL, *old = NULL;
	struct sg_error err;
	double now, mono;
	enum sg_code rc = SG_ERR_IO;

	if (!first && w->test_delay_ms) {
		struct timespec ts = {w->test_delay_ms / 1000,
		                      (long)(w->test_delay_ms % 1000) * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	now = timeutil_now();
	mono = timeutil_monotonic_ms();
	memset(&err, 0, sizeof(err));
	if (s && (rc = web_status_build(s, w->cat, &w->site->svc[i], now, &v, &err)))
		wlog(w, "status %s: %s", w->site->svc[i].slug, err.msg);
	if (!rc) {
		r = xcalloc(1, sizeof(*r));
		r->w = w;
		r->v = v;
		r->refs = 1; /* the cache's */
		pthread_mutex_init(&r->lock, NULL);
		for (int l = 0; l < 2; l++) {
			r->rend[REP_HTML][l] = render(v, REP_HTML, (enum sg_lang)l, NULL);
			r->rend[REP_BADGE_STATUS][l] =
			    render(v, REP_BADGE_STATUS, (enum sg_lang)l, NULL);
			r->rend[REP_BADGE_AVAIL][l] =
			    render(v, REP_BADGE_AVAIL, (enum sg_lang)l, NULL);
		}
		r->rend[REP_JSON][0] = render(v, REP_JSON, SG_LANG_JA, NULL);
	}
	pthread_mutex_lock(&w->cache_lock);
	if (r) {
		old = w->cache[i].ref;
		w->cache[i].ref = r;
		w->cache[i].built_at = mono;
	}
	w->cache[i].tried_at = mono;
	w->cache[i].building = 0;
	w->cache[i].attempts++;
	pthread_cond_broadcast(&w->cache_cond);
	pthread_mutex_unlock(&w->cache_lock);
	ref_put(w, old);
}

/* The first wanted slot, now building (cache_lock held); -1 when none. */
static long take_wanted(struct web *w, int *first)
{
	for (size_t i = 0; i < w->ncache; i++)
		if (w->cache[i].wanted) {
			w->cache[i].wanted = 0;
			w->cache[i].building = 1;
			*first = !w->cache[i].ref;
			return (long)i;
		}
	return -1;
}

/* The builder thread: no request ever builds a view. It holds site_lock
 * shared while it builds, as a request does (glibc's rwlocks prefer
 * readers, so requests waiting for a first view never block it). */
static void *builder_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	long i;
	int first;

	for (;;) {
		pthread_mutex_lock(&w->cache_lock);
		for (;;) {
			int any = 0;
			for (size_t k = 0; k < w->ncache && !any; k++)
				any = w->cache[k].wanted;
			if (any || w->stopping)
				break;
			pthread_cond_wait(&w->work_cond, &w->cache_lock);
		}
		if (w->stopping) {
			pthread_mutex_unlock(&w->cache_lock);
			return NULL;
		}
		pthread_mutex_unlock(&w->cache_lock);
		if (!s)
			s = get_store(w);
		/* site_lock is let go between two builds, so a reload is not held
		 * off while many services are rebuilt */
		for (i = 0; i >= 0;) {
			pthread_rwlock_rdlock(&w->site_lock);
			pthread_mutex_lock(&w->cache_lock);
			i = w->stopping ? -1 : take_wanted(w, &first);
			pthread_mutex_unlock(&w->cache_lock);
			if (i >= 0)
				build_one(w, s, (size_t)i, first);
			pthread_rwlock_unlock(&w->site_lock);
		}
	}
}

static void cache_clear(struct web *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ref_put(w, w->cache[i].ref);
	free(w->cache);
	w->cache = NULL;
	w->ncache = 0;
}

/* ---- requests ---- */

static int peer_trusted(struct web *w, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa)
		return 0;
	for (size_t i = 0; i < w->o.nproxies; i++) {
		if (sa->sa_family == AF_INET &&
		    web_cidr_contains(
		        &w->o.proxies[i], AF_INET,
		        (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr))
			return 1;
		if (sa->sa_family == AF_INET6 &&
		    web_cidr_contains(
		        &w->o.proxies[i], AF_INET6,
		        (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr))
			return 1;
	}
	return 0;
}

static int host_ok(const char *h)
{
	size_t n = 0;

	if (!h || !*h)
		return 0;
	for (; h[n]; n++)
		if (n > 255 || !(isalnum((unsigned char)h[n]) || strchr(".-:[]", h[n])))
			return 0;
	return 1;
}

/* "https://host:port" the client reached us at (X-Forwarded-* only from a
 * trusted proxy). */
static void base_url(struct web *w, struct MHD_Connection *c, char *out, size_t n)
{
	const char *proto = w->tls ? "https" : "http";
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	char fallback[64];

	if (w->o.nproxies && peer_trusted(w, c)) {
		const char *p =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Host");
		if (p && (!strcmp(p, "https") || !strcmp(p, "http")))
			proto = p;
		if (host_ok(h))
			host = h;
	}
	if (!host_ok(host)) {
		snprintf(fallback, sizeof(fallback), "localhost:%u", w->port);
		host = fallback;
	}
	snprintf(out, n, "%s://%s", proto, host);
}

static void error_page(struct web_reply *r, int status, enum sg_lang l)
{
	const char *ja, *en;
	struct html_page pg = {l, NULL, NULL, "/status/", NULL, NULL};

	switch (status) {
	case 404:
		ja = "ページが見つかりません";
		en = "Page not found";
		break;
	case 400:
		ja = "リクエストの形式が正しくありません";
		en = "Bad request";
		break;
	case 403:
		ja = "この操作は受け付けられません";
		en = "Forbidden";
		break;
	case 405:
		ja = "この操作には対応しておりません";
		en = "Method not allowed";
		break;
	case 413:
		ja = "リクエストが大きすぎます";
		en = "Request too large";
		break;
	case 503:
		ja = "ただいま表示できません。しばらくしてから再度お試しください";
		en = "Temporarily unavailable. Please try again later";
		break;
	default:
		status = 500;
		ja = "表示できませんでした。しばらくしてから再度お試しください";
		en = "Something went wrong. Please try again later";
	}
	dynbuf_reset(&r->body);
	r->status = status;
	r->type = "text/html; charset=utf-8";
	pg.title = l == SG_LANG_EN ? en : ja;
	html_page_begin(&r->body, &pg);
	html_fmt(&r->body, "<h1>%r</h1>\n<p><a href=\"/status/\">%r</a></p>\n", pg.title,
	         l == SG_LANG_EN ? "Service status" : "サービス稼働状況へ");
	html_page_end(&r->body, &pg, NULL);
}

/* A reply whose body is a rendition of a cached view (cr->rd set, and the
 * view's reference in cr->vr), or built in r. */
struct cached {
	struct view_ref *vr;
	struct rendition *rd;
};

static void dispatch(struct web *w, struct MHD_Connection *c, const struct web_route *rt,
                     enum sg_lang lang, struct web_reply *r, struct cached *cr)
{
	const struct web_service *svc = NULL;
	struct store *s;
	struct view_ref *vr = NULL;
	char base[320];
	size_t idx = 0;
	enum rep k = REP_N;

	r->status = 200;
	r->type = "text/html; charset=utf-8";
	switch (rt->id) {
	case WEB_R_ROOT:
		r->status = 302;
		r->location = "/status/";
		return;
	case WEB_R_STYLESHEET: {
		size_t len;
		const char *css = html_stylesheet(&len);
		r->type = "text/css; charset=utf-8";
		dynbuf_add(&r->body, css, len);
		return;
	}
	case WEB_R_FAVICON:
		r->status = 204;
		r->type = "image/x-icon";
		return;
	case WEB_R_HEALTH:
		r->type = "text/plain; charset=utf-8";
		dynbuf_addstr(&r->body, "ok\n");
		return;
	case WEB_R_NOT_FOUND:
		error_page(r, 404, lang);
		return;
	default:
		break;
	}
	if (!(s = get_store(w))) {
		error_page(r, 503, lang);
		return;
	}
	if (rt->id == WEB_R_STATUS_INDEX) {
		struct view_ref **refs = xcalloc(w->site->n + 1, sizeof(*refs));
		struct web_status **views = xcalloc(w->site->n + 1, sizeof(*views));
		size_t n = 0;
		for (size_t i = 0; i < w->site->n; i++)
			if ((refs[n] = get_view(w, i)))
				views[n] = refs[n]->v, n++;
		web_status_index_html(views, n, lang, &r->body);
		for (size_t i = 0; i < n; i++)
			ref_put(w, refs[i]);
		free(refs);
		free(views);
		return;
	}
	for (idx = 0; idx < w->site->n; idx++)
		if (!strcmp(w->site->svc[idx].slug, rt->slug)) {
			svc = &w->site->svc[idx];
			break;
		}
	if (!svc) {
		error_page(r, 404, lang);
		return;
	}
	if (rt->id == WEB_R_LEDGER_PUB || rt->id == WEB_R_TSA_CA) {
		web_status_public_key(svc, rt->id == WEB_R_TSA_CA, r);
		if (r->status != 200)
			error_page(r, r->status, lang);
		return;
	}
	if (!(vr = get_view(w, idx))) {
		error_page(r, 503, lang);
		return;
	}
	base_url(w, c, base, sizeof(base));
	switch (rt->id) {
	case WEB_R_STATUS:
		k = REP_HTML;
		break;
	case WEB_R_STATUS_JSON:
		r->type = "application/json";
		r->embeddable = 1;
		k = REP_JSON;
		break;
	case WEB_R_STATUS_FEED:
		r->type = "application/atom+xml; charset=utf-8";
		k = REP_ATOM;
		break;
	case WEB_R_STATUS_VERIFY:
		k = REP_VERIFY;
		break;
	case WEB_R_BADGE_STATUS:
	case WEB_R_BADGE_AVAIL:
		r->type = "image/svg+xml";
		r->embeddable = 1;
		k = rt->id == WEB_R_BADGE_AVAIL ? REP_BADGE_AVAIL : REP_BADGE_STATUS;
		break;
	case WEB_R_PROOF:
	case WEB_R_PROOF_JSON:
		web_status_proof(s, vr->v, rt->seq, lang, base, rt->id == WEB_R_PROOF_JSON, r);
		if (r->status != 200)
			error_page(r, r->status, lang);
		break;
	case WEB_R_PROOF_FILE:
		web_status_proof_file(s, vr->v, rt->seq, rt->size, rt->file, r);
		if (r->status != 200)
			error_page(r, r->status, lang);
		break;
	default:
		error_page(r, 404, lang);
	}
	if (k != REP_N) {
		r->max_age = w->o.cache_s < 1 ? 1 : (int)w->o.cache_s;
		if ((cr->rd = rendition_get(vr, k, lang, base))) {
			cr->vr = vr; /* the response's reference from now on */
			return;
		}
		/* rendered for another host name: this request's own copy */
		if (k == REP_ATOM)
			web_status_atom(vr->v, lang, base, &r->body);
		else if (k == REP_VERIFY)
			web_status_verify_html(vr->v, lang, base, &r->body);
		else
			error_page(r, 500, lang);
		if (r->status != 200)
			r->max_age = 0;
	}
	ref_put(w, vr);
}

static void add_headers(struct web *w, struct MHD_Response *resp, const struct web_reply *r)
{
	int by_lang;

	MHD_add_response_header(resp, "Content-Type", r->type);
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'none'; style-src 'self'; img-src 'self'; "
	                        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
	                        r->embeddable ? "cross-origin" : "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy", "interest-cohort=()");
	if (w->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (r->max_age > 0) {
		char cc[48];
		snprintf(cc, sizeof(cc), "public, max-age=%d", r->max_age);
		MHD_add_response_header(resp, "Cache-Control", cc);
	} else {
		MHD_add_response_header(resp, "Cache-Control",
		                        r->no_store                        ? "no-store"
		                        : !strncmp(r->type, "text/css", 8) ? "public, max-age=3600"
		                        : r->embeddable                    ? "public, max-age=60"
		                                                           : "no-cache");
	}
	/* The pages and badges are negotiated by language; what is cached is
	 * also sent gzip-compressed to clients that accept it. */
	by_lang = !strncmp(r->type, "text/html", 9) || !strncmp(r->type, "application/atom", 16) ||
	          !strncmp(r->type, "image/svg", 9);
	if (by_lang || r->max_age > 0)
		MHD_add_response_header(resp, "Vary",
		                        !(r->max_age > 0) ? "Accept-Language"
		                        : by_lang         ? "Accept-Language, Accept-Encoding"
		                                          : "Accept-Encoding");
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->status == 405)
		MHD_add_response_header(resp, "Allow",
		                        r->allow == WEB_M_POST                 ? "POST"
		                        : r->allow == (WEB_M_GET | WEB_M_POST) ? "GET, HEAD, POST"
		                                                               : "GET, HEAD");
}

static enum MHD_Result send_reply(struct web *w, struct MHD_Connection *c, struct web_reply *r,
                                  const struct web_req *q, int private_page)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	if (dynbuf_status(&r->body) || r->status < 100) {
		dynbuf_release(&r->body);
		r->status = 500;
		r->type = "text/plain; charset=utf-8";
		dynbuf_addstr(&r->body, "error\n");
	}
	body = dynbuf_detach(&r->body, &len);
	resp =
	    MHD_create_response_from_buffer(len, body ? body : xstrdup(""), MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	r->no_store = private_page;
	add_headers(w, resp, r);
	for (int i = 0; i < 2; i++)
		if (q->set_cookie[i][0])
			MHD_add_response_header(resp, "Set-Cookie", q->set_cookie[i]);
	if (r->www_authenticate)
		MHD_add_response_header(resp, "WWW-Authenticate", r->www_authenticate);
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A rendition of a cached view: 304 when the client has it (If-None-Match),
 * else its bytes (gzip when accepted) straight from the view, which the
 * response keeps alive until libmicrohttpd has sent it. A 304 is queued
 * with the same response: libmicrohttpd sends no body with it, and its
 * Content-Length is then that of the 200, as RFC 9110 8.6 requires (an
 * empty response would say 0). */
static enum MHD_Result send_cached(struct web *w, struct MHD_Connection *c, struct web_reply *r,
                                   struct cached *cr)
{
	const struct rendition *rd = cr->rd;
	int gz = rd->gz && web_accepts_gzip(
	                       MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding"));
	const char *etag = gz ? rd->gz_etag : rd->etag;
	struct MHD_Response *resp;
	unsigned status = 200;
	enum MHD_Result ret;

	if (web_etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"),
	                     etag))
		status = 304;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    gz ? rd->gzlen : rd->len, gz ? rd->gz : rd->body, ref_put_cb, cr->vr);
	if (!resp)
		ref_put(w, cr->vr);
	cr->vr = NULL;
	if (!resp)
		return MHD_NO;
	add_headers(w, resp, r);
	MHD_add_response_header(resp, "ETag", etag);
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The client's address: the peer, or the nearest address a trusted proxy
 * put in X-Forwarded-For. */
static void client_address(struct web *w, struct MHD_Connection *c, int trusted, char *out,
                           size_t n)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *xff;

	snprintf(out, n, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		          (socklen_t)n);
	(void)w;
	if (trusted && (xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For"))) {
		const char *last = strrchr(xff, ',');
		struct web_cidr tmp;
		char cand[64];
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		snprintf(cand, sizeof(cand), "%s", last);
		if (web_cidr_parse(cand, &tmp) == 0 && !strchr(cand, '/'))
			snprintf(out, n, "%s", cand);
	}
}

/* Who is asking: a session cookie (pages) or a bearer token (API).
 * Returns 429 when the address has failed too often, else 0. */
static int identify(struct web *w, struct MHD_Connection *c, struct store *s, struct web_req *q)
{
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sg_session");
	const char *login = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sg_login");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct sg_error err;
	double now = timeutil_now();
	int found = 0;
	char akey[96];

	(void)w;
	memset(&err, 0, sizeof(err));
	if (login && strlen(login) < sizeof(q->login_csrf))
		snprintf(q->login_csrf, sizeof(q->login_csrf), "%s", login);
	if (auth && !strncasecmp(auth, "Bearer ", 7)) {
		struct store_web_token t;
		unsigned char h[32];
		long long fails = 0;
		snprintf(akey, sizeof(akey), "addr:%.80s", q->address);
		if (store_web_login_failures(s, akey, now - WEB_AUTH_WINDOW_S, &fails, &err) ==
		        SG_OK &&
		    fails >= WEB_AUTH_MAX_ADDR_FAILS)
			return 429;
		web_auth_hash_text(auth + 7, h);
		if (store_web_token_find(s, h, now, &t, &found, &err) == SG_OK && found) {
			q->role = (enum web_role)web_auth_role_parse(t.role);
			q->via_token = 1;
			snprintf(q->user, sizeof(q->user), "token:%s", t.name);
		} else {
			store_web_login_failed(s, akey, now, &err);
		}
		store_web_token_release(&t);
		return 0;
	}
	if (cookie && strlen(cookie) <= WEB_AUTH_SECRET_LEN) {
		struct store_web_user u;
		char csrf[65];
		web_auth_hash_text(cookie, q->session_hash);
		if (store_web_session_get(s, q->session_hash, now, &u, csrf, &found, &err) ==
		        SG_OK &&
		    found) {
			q->role = (enum web_role)web_auth_role_parse(u.role);
			q->has_session = 1;
			snprintf(q->user, sizeof(q->user), "%s", u.name);
			snprintf(q->csrf, sizeof(q->csrf), "%s", csrf);
		}
		store_web_user_release(&u);
	}
	return 0;
}

static int is_dash(enum web_route_id id)
{
	return id >= WEB_R_LOGIN && id <= WEB_R_CHART;
}

static int is_api(enum web_route_id id)
{
	return id >= WEB_R_API_OPENAPI && id <= WEB_R_METRICS;
}

/* Operator pages and the API: identity, the POST body, then the writers. */
static void dispatch_private(struct web *w, struct MHD_Connection *c, const struct web_route *rt,
                             enum sg_lang lang, struct request *rq, struct web_req *q,
                             struct web_reply *r)
{
	struct store *s = get_store(w);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	struct web_form form;
	int trusted = w->o.nproxies && peer_trusted(w, c), have_form = 0;
	char base[320], addr[64];
	struct view_ref *vr = NULL;
	const char *proto;

	if (!s) {
		error_page(r, 503, lang);
		return;
	}
	base_url(w, c, base, sizeof(base));
	client_address(w, c, trusted, addr, sizeof(addr));
	proto =
	    trusted ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto") : NULL;
	q->rt = rt;
	q->lang = lang;
	q->s = s;
	q->cat = w->cat;
	q->site = w->site;
	q->base = base;
	q->address = addr;
	q->secure = w->tls || (proto && !strcmp(proto, "https"));
	q->loopback = w->loopback;
	q->q_month = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "month");
	q->q_section = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "section");
	q->q_level = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "level");
	q->q_verdict = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "verdict");
	q->q_from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	q->q_to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	if (identify(w, c, s, q) == 429) {
		r->status = 429;
		r->type = "application/json";
		dynbuf_addstr(&r->body,
		              "{\"error\": \"too many failed attempts; wait 15 minutes\"}\n");
		return;
	}
	if (rt->is_post && is_dash(rt->id)) {
		/* A form from another origin is refused even before its CSRF token. */
		if (origin && strcmp(origin, base) && strcmp(origin, "null")) {
			error_page(r, 403, lang);
			return;
		}
		if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33) &&
		    web_form_parse(dynbuf_ptr(&rq->body), dynbuf_len(&rq->body), &form, NULL) ==
		        SG_OK)
			have_form = 1;
		q->form = have_form ? &form : NULL;
		if (rq->pp) {
			q->form = &rq->fields;
			q->upload = dynbuf_len(&rq->file) ? &rq->file : NULL;
			q->upload_name = rq->file_name;
		}
	}
	q->body = dynbuf_ptr(&rq->body);
	q->body_len = dynbuf_len(&rq->body);
	if (rt->id == WEB_R_API_SERVICE && q->role) {
		for (size_t i = 0; i < w->site->n; i++)
			if (!strcmp(w->site->svc[i].slug, rt->slug))
				vr = get_view(w, i);
		q->view = vr ? vr->v : NULL;
	}
	if (is_dash(rt->id))
		web_dash_handle(q, r);
	else
		web_api_handle(q, r);
	if (have_form)
		web_form_release(&form);
	ref_put(w, vr);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct request *rq = *con_cls;
	struct web_route rt;
	struct web_reply r;
	struct web_req q;
	struct cached cr = {NULL, NULL};
	enum sg_lang lang;
	enum MHD_Result ret;

	(void)version;
	if (!rq) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		rq = xcalloc(1, sizeof(*rq));
		dynbuf_init(&rq->body, WEB_MAX_FORM);
		dynbuf_init(&rq->file, WEB_MAX_UPLOAD);
		web_route_match(method, url, &rt);
		if (rt.id == WEB_R_DASH_ATTEST && rt.method_ok && ct &&
		    !strncasecmp(ct, "multipart/form-data", 19))
			rq->pp = MHD_create_post_processor(c, 16 * 1024, post_field, rq);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size && rq->pp) {
		if (!rq->refused && MHD_post_process(rq->pp, upload, *upload_size) != MHD_YES)
			rq->refused = dynbuf_status(&rq->file) ? 413 : 400;
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->refused) {
			dynbuf_add(&rq->body, upload, *upload_size);
			if (dynbuf_status(&rq->body))
				rq->refused = 413;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&w->active, 1);
	memset(&r, 0, sizeof(r));
	memset(&q, 0, sizeof(q));
	dynbuf_init(&r.body, 64 << 20);
	lang =
	    web_lang_negotiate(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"),
	                       MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
	web_route_match(method, url, &rt);
	if (rq->refused) {
		error_page(&r, rq->refused, lang);
	} else if (rt.id != WEB_R_NOT_FOUND && !rt.method_ok) {
		error_page(&r, 405, lang);
		r.allow = rt.allowed;
	} else {
		pthread_rwlock_rdlock(&w->site_lock);
		if (is_dash(rt.id) || is_api(rt.id))
			dispatch_private(w, c, &rt, lang, rq, &q, &r);
		else
			dispatch(w, c, &rt, lang, &r, &cr);
		pthread_rwlock_unlock(&w->site_lock);
	}
	ret = cr.rd ? send_cached(w, c, &r, &cr)
	            : send_reply(w, c, &r, &q, is_dash(rt.id) || is_api(rt.id));
	dynbuf_release(&r.body);
	atomic_fetch_sub(&w->active, 1);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct request *rq = *con_cls;

	if (rq) {
		if (rq->pp)
			MHD_destroy_post_processor(rq->pp);
		web_form_release(&rq->fields);
		dynbuf_release(&rq->file);
		dynbuf_release(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct web *w = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	wlog(w, "http: %s", line);
}

/* ---- lifecycle ---- */

static enum sg_code parse_listen(const char *s, struct sockaddr_storage *ss, int *loopback,
                                 struct sg_error *err)
{
	char host[128];
	const char *colon;
	struct addrinfo hints, *ai = NULL;
	long port;
	char *end;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			goto bad;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || colon[1] == 0)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		goto bad;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		*loopback = (ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	else
		*loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
	return SG_OK;
bad:
	sg_error_set(err, SG_ERR_USAGE,
	             ETR(err, "--listen '%s' は アドレス:ポート で指定してください",
	                 "--listen '%s' must be ADDRESS:PORT"),
	             s);
	sg_error_hint(err, "--listen 127.0.0.1:8080 / --listen [::1]:8080 / --listen 0.0.0.0:443");
	return SG_ERR_USAGE;
}

static enum sg_code read_secret(const char *path, int is_key, char **out, struct sg_error *err)
{
	struct dynbuf b = DYNBUF_INIT;
	struct stat st;
	enum sg_code rc;

	if (is_key && stat(path, &st) == 0 && (st.st_mode & 077)) {
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "%s: 秘密鍵のファイルを他のユーザーが読めます",
		                 "%s: the private key file can be read by other users"),
		             path);
		sg_error_hint(err, "chmod 600 %s", path);
		return SG_ERR_INPUT;
	}
	if ((rc = fileio_read(path, 1 << 20, &b, err)))
		return rc;
	*out = dynbuf_detach(&b, NULL);
	return SG_OK;
}

enum sg_code web_start(const struct web_options *o, const struct catalog *cat, char *const *files,
                       size_t nfiles, struct web **out, struct sg_error *err)
{
	struct web *w = xcalloc(1, sizeof(*w));
	struct sockaddr_storage ss;
	struct store *s = NULL;
	unsigned flags;
	enum sg_code rc;
	const union MHD_DaemonInfo *di;

	w->o = *o;
	if (!w->o.threads)
		w->o.threads = 4;
	if (!w->o.max_per_address)
		w->o.max_per_address = 64;
	if (!w->o.max_connections)
		w->o.max_connections = 4096;
	if (!w->o.timeout_s)
		w->o.timeout_s = 30;
	if (!(w->o.cache_s > 0))
		w->o.cache_s = 5;
	w->cat = cat;
	w->files = xcalloc(nfiles + 1, sizeof(*w->files));
	for (size_t i = 0; i < nfiles; i++)
		w->files[i] = xstrdup(files[i]);
	w->nfiles = nfiles;
	w->db = o->db ? xstrdup(o->db) : store_default_path();
	pthread_rwlock_init(&w->site_lock, NULL);
	pthread_mutex_init(&w->cache_lock, NULL);
	pthread_cond_init(&w->cache_cond, NULL);
	pthread_cond_init(&w->work_cond, NULL);
	pthread_mutex_init(&w->stores_lock, NULL);
	if (getenv("SAASGUARD_TEST_VIEW_DELAY_MS"))
		w->test_delay_ms =
		    (unsigned)strtoul(getenv("SAASGUARD_TEST_VIEW_DELAY_MS"), NULL, 10);
	if ((rc = parse_listen(o->listen ? o->listen : "127.0.0.1:8080", &ss, &w->loopback, err)))
		goto fail;
	if (!o->tls_cert != !o->tls_key) {
		rc = sg_error_set(err, SG_ERR_USAGE, "%s",
		                  ETR(err, "--tls-cert と --tls-key は両方指定してください",
		                      "give both --tls-cert and --tls-key"));
		goto fail;
	}
	if (o->tls_cert && ((rc = read_secret(o->tls_cert, 0, &w->cert_pem, err)) ||
	                    (rc = read_secret(o->tls_key, 1, &w->key_pem, err))))
		goto fail;
	w->tls = o->tls_cert != NULL;
	if ((rc = web_site_load(w->files, w->nfiles, cat, &w->site, err)))
		goto fail;
	w->cache = xcalloc(w->site->n + 1, sizeof(*w->cache));
	w->ncache = w->site->n;
	/* Creates the store (0600) and runs migrations once, before any worker. */
	if ((rc = store_open(w->db, 0, &s, err)))
		goto fail;
	store_close(s);
	/* Every view is built at once, before the first request asks. */
	for (size_t i = 0; i < w->ncache; i++)
		w->cache[i].wanted = 1;
	if (pthread_create(&w->builder, NULL, builder_main, w)) {
		rc = sg_error_set(
		    err, SG_ERR_IO, "%s",
		    ETR(err, "スレッドを作成できませんでした", "could not start a thread"));
		goto fail;
	}
	w->builder_started = 1;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (w->tls)
		flags |= MHD_USE_TLS;
	w->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, w->o.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, w->o.timeout_s, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    w->o.max_per_address, MHD_OPTION_CONNECTION_LIMIT, w->o.max_connections,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    1024, MHD_OPTION_NOTIFY_COMPLETED, completed, w,
	    w->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, w->cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, w->key_pem, MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", MHD_OPTION_END);
	if (!w->d) {
		rc = sg_error_set(
		    err, SG_ERR_IO,
		    ETR(err, "%s で待ち受けを開始できませんでした", "could not listen on %s"),
		    o->listen ? o->listen : "127.0.0.1:8080");
		sg_error_hint(
		    err, "%s",
		    ETR(err, "ポートが使用中でないか、証明書と鍵が対応しているか確認してください",
		        "check that the port is free and the certificate matches the key"));
		goto fail;
	}
	di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
	w->port = di ? di->port : 0;
	*out = w;
	return SG_OK;
fail:
	web_stop(w, 0);
	return rc;
}

enum sg_code web_reload(struct web *w, struct sg_error *err)
{
	struct web_site *site, *old;
	struct cache_slot *cache, *old_cache;
	size_t old_n;
	enum sg_code rc;

	if ((rc = web_site_load(w->files, w->nfiles, w->cat, &site, err)))
		return rc;
	cache = xcalloc(site->n + 1, sizeof(*cache));
	/* No view of the old profiles is kept: a check made private must not
	 * be shown once more. Requests wait for the first views, as at start. */
	for (size_t i = 0; i < site->n; i++)
		cache[i].wanted = 1;
	pthread_rwlock_wrlock(&w->site_lock);
	old = w->site;
	old_n = old->n;
	w->site = site;
	pthread_mutex_lock(&w->cache_lock);
	old_cache = w->cache;
	w->cache = cache;
	w->ncache = site->n;
	pthread_cond_signal(&w->work_cond);
	pthread_mutex_unlock(&w->cache_lock);
	pthread_rwlock_unlock(&w->site_lock);
	for (size_t i = 0; i < old_n; i++)
		ref_put(w, old_cache[i].ref);
	free(old_cache);
	web_site_free(old);
	return SG_OK;
}

unsigned web_port(const struct web *w)
{
	return w->port;
}

int web_is_loopback(const struct web *w)
{
	return w->loopback;
}

void web_each_slug(struct web *w, void (*fn)(void *ctx, const char *slug, const char *name),
                   void *ctx)
{
	pthread_rwlock_rdlock(&w->site_lock);
	for (size_t i = 0; i < w->site->n; i++)
		fn(ctx, w->site->svc[i].slug, w->site->svc[i].name);
	pthread_rwlock_unlock(&w->site_lock);
}

void web_stop(struct web *w, double drain_s)
{
	if (!w)
		return;
	if (w->d) {
		double until = timeutil_monotonic_ms() + drain_s * 1000;
		MHD_quiesce_daemon(w->d);
		while (atomic_load(&w->active) > 0 && timeutil_monotonic_ms() < until) {
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		MHD_stop_daemon(w->d);
	}
	if (w->builder_started) {
		pthread_mutex_lock(&w->cache_lock);
		w->stopping = 1;
		pthread_cond_broadcast(&w->work_cond);
		pthread_cond_broadcast(&w->cache_cond);
		pthread_mutex_unlock(&w->cache_lock);
		pthread_join(w->builder, NULL);
	}
	if (w->site)
		cache_clear(w, w->site->n);
	web_site_free(w->site);
	for (size_t i = 0; i < w->nstores; i++)
		store_close(w->stores[i]);
	free(w->stores);
	for (size_t i = 0; i < w->nfiles; i++)
		free(w->files[i]);
	free(w->files);
	free(w->db);
	free(w->cert_pem);
	if (w->key_pem) {
		explicit_bzero(w->key_pem, strlen(w->key_pem));
		free(w->key_pem);
	}
	pthread_rwlock_destroy(&w->site_lock);
	pthread_mutex_destroy(&w->cache_lock);
	pthread_cond_destroy(&w->cache_cond);
	pthread_cond_destroy(&w->work_cond);
	pthread_mutex_destroy(&w->stores_lock);
	free(w);
}
