/*
 * web - `saasguard serve`: one HTTP(S) server (libmicrohttpd with its own
 * thread pool) for every service given. It owns the listening socket and
 * its limits (request and header sizes, idle timeout, connections per
 * client address and in total), the security headers every response
 * carries (a Content-Security-Policy without inline script, nosniff,
 * no-referrer, frame-ancestors 'none', HSTS under TLS), which client
 * addresses may speak through X-Forwarded-* (--trusted-proxy), language
 * negotiation, a per-thread store connection, and the cache of status
 * views: one builder thread builds every view (at start, after a reload,
 * and when a request finds one older than the cache period, which it is
 * still served), renders the page, JSON and badges once per language,
 * with their gzip and ETag, and requests answer from those bytes (304 on
 * If-None-Match). Only a request that finds no view, or one older than 12
 * cache periods, waits for the builder. Routing and header parsing are
 * web_http's, the pages web_status's.
 *
 * The server keeps no state of its own: everything it shows is read from
 * the store, so several processes can stand behind one load balancer.
 * web_reload() swaps in newly loaded profiles (a bad file keeps the running
 * ones; the views of the old ones are dropped at once); web_stop() stops
 * accepting, lets running requests finish (up to drain_s), joins the
 * builder thread and closes everything.
 *
 * Ownership: web_start() returns a server the caller stops with web_stop(),
 * which frees it. The catalog and the option strings are borrowed for the
 * server's lifetime.
 */
#ifndef SG_WEB_H
#define SG_WEB_H

#include <stddef.h>

#include "catalog.h"
#include "error.h"
#include "web_http.h"

#define WEB_MAX_PROXIES 16

struct web_options {
	const char *listen;             /* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:443" */
	const char *db;                 /* NULL: store_default_path() */
	const char *tls_cert, *tls_key; /* PEM files; both or neither */
	struct web_cidr proxies[WEB_MAX_PROXIES];
	size_t nproxies;
	unsigned threads;         /* worker threads (0: 4) */
	unsigned max_per_address; /* connections from one client address (0: 64) */
	unsigned max_connections; /* in total (0: 4096) */
	unsigned timeout_s;       /* idle connections are closed after this (0: 30) */
	double cache_s;           /* status views are rebuilt at most this often (0: 5) */
	/* Where the server's own messages go (start, reload, failures). */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct web;

/* Loads the profiles and starts listening. */
enum sg_code web_start(const struct web_options *o, const struct catalog *cat, char *const *files,
                       size_t nfiles, struct web **out, struct sg_error *err);
/* Loads the profiles again; on failure the running ones stay. */
enum sg_code web_reload(struct web *w, struct sg_error *err);
/* The port actually bound (useful with port 0). */
unsigned web_port(const struct web *w);
/* The service slugs being served, for the startup message: calls fn for each. */
void web_each_slug(struct web *w, void (*fn)(void *ctx, const char *slug, const char *name),
                   void *ctx);
/* Whether the listening address is a loopback address. */
int web_is_loopback(const struct web *w);
void web_stop(struct web *w, double drain_s);

#endif
