/*
 * collect_tls - the TLS collector [III.3.2.2.a, III.3.2.2, III.3.2.3]: for
 * each service URL in the profile, with OpenSSL directly:
 *   - which protocol versions the server accepts (a handshake limited to
 *     each of TLS 1.0, 1.1, 1.2 and 1.3; old versions probed at SECLEVEL=0);
 *   - which cipher suites it accepts for TLS 1.2 and 1.3 (offer all, note the
 *     server's choice, remove it, repeat), flagged when outside the CRYPTREC
 *     list in data/cryptrec-tls-ciphers.txt;
 *   - whether the certificate chain verifies against the system store (or a
 *     configured CA file), the host name matches, and how many days remain
 *     before it expires (a finding under warn_days, default 30);
 *   - whether the response carries Strict-Transport-Security.
 * It connects to nothing but the configured URLs, each attempt bounded by the
 * collectors' timeout. A URL is named in results (the store, the ledger,
 * reports) only through redact_url(): credentials in it never leave.
 *
 * Configuration: `tls: [https://example.jp/, {url: https://127.0.0.1:8443/,
 * ca_file: FILE, server_name: NAME, warn_days: 30}]`.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "collect.h"
#include "redact.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

extern const char cryptrec_tls_ciphers_txt[];

struct tls_target {
	char *url, *ca_file, *server_name;
	char *shown; /* url through redact_url(): what results name */
	long long warn_days;
};

struct tls_cfg {
	struct tls_target *v;
	size_t n;
};

static enum sg_code tls_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                              struct sg_error *err)
{
	static const char *const keys[] = {"url", "ca_file", "server_name", "warn_days", NULL};
	struct tls_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_SEQ, "collectors.tls", err)))
		return rc;
	c->v = xcalloc(n->nitems ? n->nitems : 1, sizeof(*c->v));
	for (size_t i = 0; i < n->nitems; i++) {
		const struct ydoc_node *e = n->items[i], *k;
		struct tls_target *t = &c->v[c->n++];
		const char *url;
		t->warn_days = 30;
		if (e->type == YDOC_SCALAR) {
			if ((rc = ydoc_str(doc, e, "collectors.tls[]", &url, err)))
				return rc;
			t->url = xstrdup(url);
		} else {
			if ((rc = ydoc_want(doc, e, YDOC_MAP, "collectors.tls[]", err)) ||
			    (rc = ydoc_check_keys(doc, e, keys, "collectors.tls[]", err)) ||
			    (rc = collect_cfg_str(doc, e, "url", "url", &t->url, err)) ||
			    (rc =
			         collect_cfg_str(doc, e, "ca_file", "ca_file", &t->ca_file, err)) ||
			    (rc = collect_cfg_str(doc, e, "server_name", "server_name",
			                          &t->server_name, err)))
				return rc;
			if ((k = ydoc_get(e, "warn_days")) &&
			    (rc = ydoc_int(doc, k, "warn_days", 0, 3650, &t->warn_days, err)))
				return rc;
			if (!t->url)
				return ydoc_missing(doc, e, "url", "collectors.tls[]", err);
		}
		t->shown = redact_url(t->url, NULL);
		if (strncmp(t->url, "https://", 8) && strncmp(t->url, "http://", 7)) {
			rc = ydoc_error(doc, e->type == YDOC_SCALAR ? e : ydoc_get(e, "url"), err,
			                ETR(err, "'%s' は http(s) の URL ではありません",
			                    "'%s' is not an http(s) URL"),
			                t->shown);
			sg_error_hint(err, "%s", "https://example.jp/");
			return rc;
		}
	}
	return SG_OK;
}

static void tls_free(void *p)
{
	struct tls_cfg *c = p;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].url);
		free(c->v[i].shown);
		free(c->v[i].ca_file);
		free(c->v[i].server_name);
	}
	free(c->v);
	free(c);
}

struct url {
	int https;
	char host[256];
	char port[8];
	char path[1024];
};

static int parse_url(const char *s, struct url *u)
{
	const char *p, *hend, *pstart;

	memset(u, 0, sizeof(*u));
	u->https = !strncmp(s, "https://", 8);
	p = s + (u->https ? 8 : 7);
	{
		/* userinfo (user:password@) is not part of the address */
		const char *at = NULL, *aend = p + strcspn(p, "/?#");
		for (const char *q = p; q < aend; q++)
			if (*q == '@')
				at = q;
		if (at)
			p = at + 1;
	}
	if (*p == '[') {
		hend = strchr(p, ']');
		if (!hend)
			return -1;
		snprintf(u->host, sizeof(u->host), "%.*s", (int)(hend - p - 1), p + 1);
		hend++;
	} else {
		hend = p + strcspn(p, ":/?#");
		snprintf(u->host, sizeof(u->host), "%.*s", (int)(hend - p), p);
	}
	if (*hend == ':') {
		size_t n = strcspn(hend + 1, "/?#");
		snprintf(u->port, sizeof(u->port), "%.*s", (int)n, hend + 1);
		pstart = hend + 1 + n;
	} else {
		snprintf(u->port, sizeof(u->port), "%s", u->https ? "443" : "80");
		pstart = hend;
	}
	snprintf(u->path, sizeof(u->path), "%s", *pstart == '/' ? pstart : "/");
	u->path[strcspn(u->path, "#")] = '\0';
	return u->host[0] ? 0 : -1;
}

/* A TCP connection with a deadline; -1 on failure (why in err). */
static int tcp_connect(const struct url *u, double timeout, char *why, size_t wsz)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(u->host, u->port, &hints, &res);
	if (r) {
		snprintf(why, wsz, "%.100s: %.100s", u->host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		struct timeval tv = {(time_t)timeout,
		                     (suseconds_t)((timeout - floor(timeout)) * 1e6)};
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			r = poll(&pfd, 1, (int)(timeout * 1000)) == 1 &&
			            !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr
			        ? 0
			        : -1;
			if (r)
				snprintf(why, wsz, "connect %.100s:%s: %.100s", u->host, u->port,
				         soerr ? strerror(soerr) : "timed out");
		} else if (r) {
			snprintf(why, wsz, "connect %.100s:%s: %.100s", u->host, u->port,
			         strerror(errno));
		}
		if (!r) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

struct probe {
	const struct tls_target *t;
	struct url u;
	const char *sni;
	double timeout;
};

/* One handshake. version 0: any. ciphers/suites may be NULL. On success
 * returns the SSL (caller frees it with its ctx and fd) or NULL. */
static SSL *handshake(const struct probe *pr, int version, const char *ciphers, const char *suites,
                      int verify, SSL_CTX **ctx_out, int *fd_out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	char why[256];
	int fd;

	*ctx_out = ctx;
	*fd_out = -1;
	if (!ctx)
		return NULL;
	if (version) {
		SSL_CTX_set_min_proto_version(ctx, version);
		SSL_CTX_set_max_proto_version(ctx, version);
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	}
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, ciphers ? ciphers : "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	if (suites)
		SSL_CTX_set_ciphersuites(ctx, suites);
	if (verify) {
		if (pr->t->ca_file)
			SSL_CTX_load_verify_locations(ctx, pr->t->ca_file, NULL);
		else
			SSL_CTX_set_default_verify_paths(ctx);
		SSL_CTX_set_security_level(ctx, 1);
		SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* judged after, not refused */
	fd = tcp_connect(&pr->u, pr->timeout, why, sizeof(why));
	if (fd < 0)
		return NULL;
	*fd_out = fd;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (!isdigit((unsigned char)pr->sni[0]) && !strchr(pr->sni, ':'))
		SSL_set_tlsext_host_name(ssl, pr->sni);
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	return ssl;
}

static void finish(SSL *ssl, SSL_CTX *ctx, int fd)
{
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	if (ctx)
		SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
}

static int recommended(const char *iana)
{
	const char *p = cryptrec_tls_ciphers_txt;
	size_t l = strlen(iana);

	while (*p) {
		size_t n = strcspn(p, "\n");
		if (p[0] != '#' && n == l && !strncmp(p, iana, l))
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* Accepted ciphers for one version: offer all, drop the chosen one, repeat. */
static void accepted_ciphers(const struct probe *pr, int version, struct dynbuf *ok,
                             struct dynbuf *bad, int *nok, int *nbad)
{
	struct dynbuf offer = DYNBUF_INIT;
	int rounds = 0;

	if (version == TLS1_3_VERSION)
		dynbuf_addstr(&offer, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
		                      "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
		                      "TLS_AES_128_CCM_8_SHA256");
	else
		dynbuf_addstr(&offer, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	while (rounds++ < 64 && offer.len) {
		SSL_CTX *ctx;
		int fd;
		SSL *ssl = version == TLS1_3_VERSION
		               ? handshake(pr, version, NULL, dynbuf_ptr(&offer), 0, &ctx, &fd)
		               : handshake(pr, version, dynbuf_ptr(&offer), NULL, 0, &ctx, &fd);
		const SSL_CIPHER *c;
		const char *iana, *ossl;
		if (!ssl) {
			finish(NULL, ctx, fd);
			break;
		}
		c = SSL_get_current_cipher(ssl);
		iana = SSL_CIPHER_standard_name(c);
		ossl = SSL_CIPHER_get_name(c);
		if (!iana)
			iana = ossl;
		if (recommended(iana)) {
			dynbuf_printf(ok, "%s%s", ok->len ? " " : "", iana);
			(*nok)++;
		} else {
			dynbuf_printf(bad, "%s%s", bad->len ? " " : "", iana);
			(*nbad)++;
		}
		if (version == TLS1_3_VERSION) {
			/* remove iana from the list */
			struct dynbuf next = DYNBUF_INIT;
			const char *p = dynbuf_ptr(&offer);
			while (*p) {
				size_t n = strcspn(p, ":");
				if (strlen(iana) != n || strncmp(p, iana, n))
					dynbuf_printf(&next, "%s%.*s", next.len ? ":" : "", (int)n,
					              p);
				p += n;
				if (*p)
					p++;
			}
			dynbuf_release(&offer);
			offer = next;
		} else {
			dynbuf_printf(&offer, ":!%s", ossl);
		}
		finish(ssl, ctx, fd);
	}
	dynbuf_release(&offer);
}

static int hsts(SSL *ssl, const struct url *u, char *hdr, size_t hsz)
{
	char req[1400], buf[16384];
	int n, len = 0;

	snprintf(
	    req, sizeof(req),
	    "HEAD %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: saasguard\r\nConnection: close\r\n\r\n",
	    u->path, u->host);
	if (SSL_write(ssl, req, (int)strlen(req)) <= 0)
		return -1;
	while (len < (int)sizeof(buf) - 1 &&
	       (n = SSL_read(ssl, buf + len, (int)sizeof(buf) - 1 - len)) > 0) {
		len += n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[len] = '\0';
	for (char *p = buf; p && *p; p = strstr(p, "\n")) {
		if (*p == '\n')
			p++;
		if (!strncasecmp(p, "strict-transport-security:", 26)) {
			snprintf(hdr, hsz, "%.*s", (int)strcspn(p, "\r\n"), p);
			return 1;
		}
	}
	return len ? 0 : -1;
}

static char *subj(const char *url, const char *what)
{
	return xstrfmt("%s#%s", url, what);
}

/* The certificate of a default handshake: chain, host name and expiry. */
static void check_certificate(SSL *ssl, const struct probe *pr, const struct tls_target *t,
                              const struct collect_ctx *ctx, struct collect_results *out)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	long vr = SSL_get_verify_result(ssl);
	int host_ok = 0, pday = 0, psec = 0;
	char subject[256] = "", *ev, *s, *d = NULL;
	struct in6_addr a6;
	struct in_addr a4;

	if (cert) {
		X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
		if (inet_pton(AF_INET, pr->sni, &a4) == 1 || inet_pton(AF_INET6, pr->sni, &a6) == 1)
			host_ok = X509_check_ip_asc(cert, pr->sni, 0) == 1;
		else
			host_ok = X509_check_host(cert, pr->sni, 0, 0, NULL) == 1;
		ASN1_TIME_diff(&pday, &psec, NULL, X509_get0_notAfter(cert));
	}
	ev =
	    xstrfmt("subject %s; chain: %s; host %s %s", subject, X509_verify_cert_error_string(vr),
	            pr->sni, host_ok ? "matches" : "does not match");
	if (!cert)
		d = xstrfmt("%s", ctx->lang ? "no certificate" : "証明書がありません");
	else if (vr != X509_V_OK)
		d = xstrfmt(ctx->lang ? "certificate does not verify: %s"
		                      : "証明書を検証できません: %s",
		            X509_verify_cert_error_string(vr));
	else if (!host_ok)
		d = xstrfmt(ctx->lang ? "certificate does not match the host name %s"
		                      : "証明書がホスト名 %s に一致しません",
		            pr->sni);
	s = subj(t->shown, "certificate");
	collect_add(out, "tls", "III.3.2.3", s, d ? MEASUREMENT_FINDING : MEASUREMENT_OK,
	            d ? "false" : "true", NAN, NULL, ev, d);
	free(s);
	free(d);
	free(ev);
	if (cert) {
		double left = pday * 86400.0 + psec;
		char *val = collect_duration_text(left > 0 ? floor(left / 86400) * 86400 : 0, 0);
		char when[32];
		long long days = (long long)floor(left / 86400);
		d = NULL;
		if (left <= 0)
			d = xstrfmt("%s", ctx->lang ? "the certificate has expired"
			                            : "証明書の有効期限が切れています");
		else if (days < t->warn_days)
			d = xstrfmt(ctx->lang ? "the certificate expires in %lld days"
			                      : "証明書の有効期限まで残り %lld 日です",
			            days);
		timeutil_utc((long long)time(NULL) + (long long)left, when);
		ev = xstrfmt("notAfter %s", when);
		s = subj(t->shown, "expiry");
		collect_add(out, "tls", "III.3.2.3", s, d ? MEASUREMENT_FINDING : MEASUREMENT_OK,
		            val, left / 86400, "d", ev, d);
		free(s);
		free(ev);
		free(d);
		free(val);
		X509_free(cert);
	}
}

/* The cipher suites the server accepted, against the CRYPTREC list. */
static void report_ciphers(const struct tls_target *t, const struct collect_ctx *ctx,
                           const struct dynbuf *ok, const struct dynbuf *bad, int nbad,
                           struct collect_results *out)
{
	char *s = subj(t->shown, "ciphers");
	char *ev = xstrfmt("recommended: %s; outside CRYPTREC: %s", ok->len ? ok->buf : "-",
	                   bad->len ? bad->buf : "-");

	if (nbad) {
		char *d = xstrfmt(ctx->lang ? "%d cipher suite(s) outside the CRYPTREC list: %s"
		                            : "CRYPTREC の推奨リスト外の暗号スイート %d 件: %s",
		                  nbad, bad->buf);
		collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_FINDING, "false", nbad, "count",
		            ev, d);
		free(d);
	} else {
		collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_OK, "true", 0, "count", ev,
		            NULL);
	}
	free(ev);
	free(s);
}

static void probe_url(const struct tls_target *t, const struct collect_ctx *ctx,
                      struct collect_results *out)
{
	static const struct {
		int v;
		const char *name;
		int old;
	} versions[] = {
	    {TLS1_VERSION, "TLSv1.0", 1},
	    {TLS1_1_VERSION, "TLSv1.1", 1},
	    {TLS1_2_VERSION, "TLSv1.2", 0},
	    {TLS1_3_VERSION, "TLSv1.3", 0},
	};
	struct probe pr;
	struct dynbuf offered = DYNBUF_INIT, old = DYNBUF_INIT, ok = DYNBUF_INIT, bad = DYNBUF_INIT;
	int any = 0, modern = 0, nok = 0, nbad = 0, fd;
	SSL_CTX *sctx;
	SSL *ssl;
	char *s, why[256] = "";

	memset(&pr, 0, sizeof(pr));
	pr.t = t;
	pr.timeout = ctx->timeout_s > 10 ? 10 : ctx->timeout_s;
	if (parse_url(t->url, &pr.u)) {
		collect_add(out, "tls", "III.3.2.2.a", t->shown, MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL, ctx->lang ? "bad URL" : "URL の形式が正しくありません");
		return;
	}
	pr.sni = t->server_name ? t->server_name : pr.u.host;
	if (!pr.u.https) {
		collect_add(out, "tls", "III.3.2.2.a", t->shown, MEASUREMENT_FINDING, NULL, NAN,
		            NULL, "http:// URL",
		            ctx->lang ? "the service URL is not encrypted (http://)"
		                      : "サービスの URL が暗号化されていません（http://）");
		return;
	}
	fd = tcp_connect(&pr.u, pr.timeout, why, sizeof(why));
	if (fd < 0) {
		collect_add(out, "tls", "III.3.2.2.a", t->shown, MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL, why);
		return;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		ssl = handshake(&pr, versions[i].v, NULL, NULL, 0, &sctx, &fd);
		if (ssl) {
			any = 1;
			dynbuf_printf(&offered, "%s%s", offered.len ? ", " : "", versions[i].name);
			if (versions[i].old)
				dynbuf_printf(&old, "%s%s", old.len ? ", " : "", versions[i].name);
			else
				modern = 1;
		}
		finish(ssl, sctx, fd);
		if (ssl && !versions[i].old)
			accepted_ciphers(&pr, versions[i].v, &ok, &bad, &nok, &nbad);
	}
	if (!any) {
		collect_add(
		    out, "tls", "III.3.2.2.a", t->shown, MEASUREMENT_FINDING, NULL, NAN, NULL, NULL,
		    ctx->lang ? "no TLS handshake succeeded" : "TLS のハンドシェイクができません");
		goto out;
	}
	collect_add(out, "tls", "III.3.2.2.a", t->shown, MEASUREMENT_OK, "[tls]", NAN, NULL,
	            dynbuf_ptr(&offered), NULL);
	s = subj(t->shown, "protocols");
	if (old.len || !modern) {
		char *d = xstrfmt(ctx->lang ? "accepts old protocol versions: %s"
		                            : "古いプロトコルを受け付けます: %s",
		                  old.len ? dynbuf_ptr(&old) : "(no TLS 1.2 or 1.3)");
		collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_FINDING, "false", NAN, NULL,
		            dynbuf_ptr(&offered), d);
		free(d);
	} else {
		collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_OK, "true", NAN, NULL,
		            dynbuf_ptr(&offered), NULL);
	}
	free(s);
	report_ciphers(t, ctx, &ok, &bad, nbad, out);

	/* certificate and HSTS over a default handshake */
	ssl = handshake(&pr, 0, NULL, NULL, 1, &sctx, &fd);
	if (!ssl) {
		collect_add(out, "tls", "III.3.2.3", t->shown, MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL,
		            ctx->lang ? "handshake failed" : "TLS のハンドシェイクに失敗しました");
	} else {
		char hdr[256] = "";
		check_certificate(ssl, &pr, t, ctx, out);
		s = subj(t->shown, "hsts");
		switch (hsts(ssl, &pr.u, hdr, sizeof(hdr))) {
		case 1:
			collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_OK, "true", NAN, NULL,
			            hdr, NULL);
			break;
		case 0:
			collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_FINDING, "false", NAN,
			            NULL, "no Strict-Transport-Security header",
			            ctx->lang ? "no HSTS header" : "HSTS ヘッダがありません");
			break;
		default:
			collect_add(out, "tls", "III.3.2.2", s, MEASUREMENT_ERROR, NULL, NAN, NULL,
			            NULL,
			            ctx->lang ? "no HTTP response" : "HTTP の応答がありません");
		}
		free(s);
	}
	finish(ssl, sctx, fd);
out:
	dynbuf_release(&offered);
	dynbuf_release(&old);
	dynbuf_release(&ok);
	dynbuf_release(&bad);
}

static enum sg_code tls_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                            struct sg_error *err)
{
	struct tls_cfg *c = p;

	(void)err;
	if (!c->n)
		collect_add(out, "tls", "III.3.2.2.a", NULL, MEASUREMENT_UNAVAILABLE, NULL, NAN,
		            NULL, NULL,
		            ctx->lang ? "no service URL configured (collectors.tls)"
		                      : "サービスの URL が設定されていません（collectors.tls）");
	for (size_t i = 0; i < c->n; i++)
		probe_url(&c->v[i], ctx, out);
	return SG_OK;
}

const struct collector collector_tls = {
    "tls", "III.3.2.2.a, III.3.2.2, III.3.2.3", tls_parse, tls_run, tls_free,
};
