/*
 * monitor_probe - probes: HTTP through libcurl multi, TCP connects, ICMP echo, name lookups; see
 * monitor_engine.h.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "curluv.h"
#include "monitor_writer.h"
#include "timeutil.h"
#include "monitor.h"
#include "monitor_engine.h"
#include "xalloc.h"
#include "banned.h"

/* Hands a result to the writer thread. */
#define PROBE_POOL_MAX 4096

/* A zeroed probe, from the pool when it has one. */
static struct probe *probe_get(struct monitor *m)
{
	struct probe *p;

	if (!m->npool)
		return xcalloc(1, sizeof(struct probe));
	p = m->probe_pool[--m->npool];
	memset(p, 0, sizeof(*p));
	return p;
}

/* A probe done with (its handles closed, its lookup over) back to the pool. */
static void probe_release(struct monitor *m, struct probe *p)
{
	if (m->npool >= PROBE_POOL_MAX) {
		free(p);
		return;
	}
	ALLOC_GROW(m->probe_pool, m->npool + 1, m->apool);
	m->probe_pool[m->npool++] = p;
}

void monitor_probe_pool_free(struct monitor *m)
{
	for (size_t i = 0; i < m->npool; i++)
		free(m->probe_pool[i]);
	free(m->probe_pool);
	m->probe_pool = NULL;
	m->npool = m->apool = 0;
}

static void record(struct monitor *m, const struct result *r)
{
	struct monitor_record rec = {
	    r->check_id, r->at,      r->latency_ms, r->dns_ms, r->connect_ms,
	    r->tls_ms,   r->ttfb_ms, r->gap_s,      r->ok,     r->status,
	    "",          ""};

	snprintf(rec.day, sizeof(rec.day), "%s", monitor_record_day(m, r->at));
	if (!r->ok)
		memcpy(rec.error, r->error, sizeof(rec.error));
	monitor_writer_add(m->writer, &rec);
}

static void probe_complete(struct probe *p)
{
	struct monitor *m = p->m;
	struct check_rt *c = &m->rt[p->idx];
	double now = timeutil_monotonic_ms();
	int failing;

	c->busy = 0;
	m->inflight--;
	m->probes++;
	m->probes_failed += !p->res.ok;
	p->res.check_id = c->id;
	p->res.gap_s = c->last_at > 0 && p->res.at > c->last_at ? p->res.at - c->last_at : 0;
	m->nfirst += !c->probed;
	c->probed = 1;
	c->last_at = p->res.at;
	record(m, &p->res);
	/* The outcome joins the queue the loop applies in one transaction
	 * within APPLY_MS (monitor.c, monitor_on_apply). */
	ALLOC_GROW(m->pend, m->npend + 1, m->apend);
	m->pend[m->npend++] = p->res;
	monitor_apply_soon(m);
	/* Next due: quick retry while failing and not yet confirmed (the state
	 * machine's rule, counted here so the schedule never waits on the
	 * store). */
	c->sched_fails = p->res.ok ? 0 : c->sched_fails + 1;
	failing = !p->res.ok && c->sched_fails < c->def->confirm;
	if (failing)
		c->due = now + fmin(m->cfg->retry_s, c->def->interval_s) * 1000.0;
	else
		c->due = monitor_schedule_next_due(c->due, now, c->def->interval_s);
	if (m->opts->once && !failing)
		c->done_once = 1;
	if (!m->stopping && !m->reload_pending && !c->done_once)
		monitor_schedule_push(m, p->idx);
	dynbuf_release(&p->body);
	curl_slist_free_all(p->hdr);
	p->completed = 1;
	if (!p->gai_pending)
		probe_release(m, p);
	monitor_schedule_arm(m);
	monitor_maybe_finish(m);
}

static size_t body_cb(char *ptr, size_t size, size_t n, void *arg)
{
	struct probe *p = arg;
	size_t len = size * n;

	if (p->m->rt[p->idx].def->expect_body && dynbuf_len(&p->body) < BODY_MAX)
		dynbuf_add(&p->body, ptr, len);
	return len;
}

static void handle_closed(uv_handle_t *h);

/* A curl phase as ms from the probe's start (after our own name lookup). */
static double phase_ms(CURL *e, CURLINFO what, double dns_ms)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(e, what, &us) != CURLE_OK || us <= 0)
		return -1;
	return dns_ms + (double)us / 1000.0;
}

static void http_done(CURL *e, CURLcode res, void *arg)
{
	struct probe *p = arg;
	const struct check_def *d = p->m->rt[p->idx].def;
	double dns = p->res.dns_ms > 0 ? p->res.dns_ms : 0;
	long code = 0;
	double total = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &total);
	p->res.status = (int)code;
	p->res.connect_ms = phase_ms(e, CURLINFO_CONNECT_TIME_T, dns);
	p->res.tls_ms =
	    !strncmp(d->url, "https:", 6) ? phase_ms(e, CURLINFO_APPCONNECT_TIME_T, dns) : -1;
	p->res.ttfb_ms = phase_ms(e, CURLINFO_STARTTRANSFER_TIME_T, dns);
	total = dns / 1000.0 + total;
	p->res.latency_ms = total * 1000.0;
	if (res != CURLE_OK) {
		snprintf(p->res.error, sizeof(p->res.error), "%s", curl_easy_strerror(res));
	} else if (d->expect_status ? code != d->expect_status : (code < 200 || code > 399)) {
		snprintf(p->res.error, sizeof(p->res.error), "HTTP %ld", code);
	} else if (d->expect_body && !d->body_regex &&
	           !strstr(dynbuf_ptr(&p->body), d->expect_body)) {
		snprintf(p->res.error, sizeof(p->res.error), "body lacks \"%.100s\"",
		         d->expect_body);
	} else if (d->expect_body && d->body_regex &&
	           regexec(&d->re, dynbuf_ptr(&p->body), 0, NULL, 0)) {
		snprintf(p->res.error, sizeof(p->res.error), "body does not match /%.100s/",
		         d->expect_body);
	} else if (d->kind == CHECK_PERFORMANCE && total > d->max_response_s) {
		snprintf(p->res.error, sizeof(p->res.error), "slow: %.0f ms > %.0f ms",
		         total * 1000, d->max_response_s * 1000);
	} else {
		p->res.ok = 1;
	}
	curluv_easy_done(p->m->cu, e);
	curl_slist_free_all(p->connect_to);
	p->connect_to = NULL;
	if (p->open_handles) {
		/* The lookup's timer is still open: complete once it closes. */
		p->finished = 1;
		uv_close((uv_handle_t *)&p->timer, handle_closed);
		return;
	}
	probe_complete(p);
}

/* Starts the transfer; addr is the address our own lookup found (NULL: the
 * URL names an address). curl never resolves a name itself: its threaded
 * resolver joins a lookup that never returns on cleanup, which would block
 * the loop. */
static void start_http(struct monitor *m, struct probe *p, const struct check_def *d,
                       const char *addr)
{
	CURL *e = curluv_easy(m->cu);
	double left = d->timeout_s * 1000 - (p->res.dns_ms > 0 ? p->res.dns_ms : 0);

	dynbuf_init(&p->body, BODY_MAX + CURL_MAX_WRITE_SIZE);
	curl_easy_setopt(e, CURLOPT_URL, d->url);
	if (addr) {
		char *ct = xstrfmt(strchr(addr, ':') ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d", d->host,
		                   d->port, addr, d->port);
		p->connect_to = curl_slist_append(NULL, ct);
		free(ct);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, p->connect_to);
	}
	if (!d->reuse_connection) {
		/* What a user's browser does: a new connection, so a full accept
		 * queue or a broken handshake shows. */
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
		/* The handle comes from a pool (curluv_easy()): no TLS session
		 * of an earlier probe is resumed, so every handshake is full
		 * and the certificate is checked each time. */
		curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	if (d->username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, d->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, d->password ? d->password : "");
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "saasguard-monitor/" SAASGUARD_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)d->tls_verify);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, d->tls_verify ? 2L : 0L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (!strcmp(d->method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(d->method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, d->method);
	for (size_t i = 0; i < d->nheaders; i++)
		p->hdr = curl_slist_append(p->hdr, d->headers[i]);
	if (p->hdr)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->hdr);
	if (!e || curluv_add(m->cu, e, http_done, p)) {
		if (e)
			curl_easy_cleanup(e);
		curl_slist_free_all(p->connect_to);
		p->connect_to = NULL;
		snprintf(p->res.error, sizeof(p->res.error), "cannot start transfer");
		if (p->open_handles) {
			p->finished = 1;
			uv_close((uv_handle_t *)&p->timer, handle_closed);
			return;
		}
		probe_complete(p);
	}
}

static void handle_closed(uv_handle_t *h)
{
	struct probe *p = h->data;
	if (--p->open_handles == 0)
		probe_complete(p);
}

/* Ends a tcp/icmp probe: closes its handles, then completes. */
static void net_finish(struct probe *p, int ok, const char *error)
{
	if (p->finished)
		return;
	p->finished = 1;
	p->res.ok = ok;
	p->res.latency_ms = timeutil_monotonic_ms() - p->t0;
	if (!ok)
		snprintf(p->res.error, sizeof(p->res.error), "%s", error);
	if (p->gai_pending)
		uv_cancel((uv_req_t *)&p->gai); /* if not yet running: ECANCELED */
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, handle_closed);
	if (p->tcp_open)
		uv_close((uv_handle_t *)&p->tcp, handle_closed);
	if (p->fd >= 0) {
		uv_poll_stop(&p->poll);
		uv_close((uv_handle_t *)&p->poll, handle_closed);
	}
}

static void on_net_timeout(uv_timer_t *t)
{
	struct probe *p = t->data;
	net_finish(p, 0, p->gai_pending ? "DNS timeout" : "timeout");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct probe *p = req->data;
	if (status == UV_ECANCELED)
		return;
	net_finish(p, status == 0, status ? uv_strerror(status) : NULL);
}

static void tcp_connect_to(struct probe *p, const struct sockaddr *sa)
{
	struct monitor *m = p->m;
	int r;

	uv_tcp_init(&m->loop, &p->tcp);
	p->tcp.data = p;
	p->tcp_open = 1;
	p->open_handles++;
	p->conn.data = p;
	if ((r = uv_tcp_connect(&p->conn, &p->tcp, sa, on_connect)))
		net_finish(p, 0, uv_strerror(r));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct probe *p = req->data;
	struct monitor *m = p->m;

	p->gai_pending = 0;
	/* The check may have moved in rt since (a reload after the probe). */
	for (size_t i = 0; i < m->nrt; i++)
		if (m->rt[i].id == p->check_id)
			m->rt[i].resolving = 0;
	if (p->finished) {
		uv_freeaddrinfo(res);
		if (p->completed)
			probe_release(m, p);
		return;
	}
	if (status || !res) {
		net_finish(p, 0, status ? uv_strerror(status) : "no address");
	} else if (p->m->rt[p->idx].def->type == CHECK_TCP) {
		struct sockaddr_storage ss;
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p->m->rt[p->idx].def->port);
		tcp_connect_to(p, (struct sockaddr *)&ss);
	} else {
		char addr[INET6_ADDRSTRLEN];
		p->res.dns_ms = timeutil_monotonic_ms() - p->t0;
		uv_timer_stop(&p->timer); /* curl keeps the rest of the timeout */
		if (res->ai_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, addr, sizeof(addr));
		else
			uv_ip4_name((struct sockaddr_in *)res->ai_addr, addr, sizeof(addr));
		start_http(p->m, p, p->m->rt[p->idx].def, addr);
	}
	uv_freeaddrinfo(res);
}

static unsigned short icmp_sum(const void *data, size_t len)
{
	const unsigned char *b = data;
	unsigned long sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (unsigned long)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

static void on_icmp(uv_poll_t *h, int status, int events)
{
	struct probe *p = h->data;
	unsigned char buf[1500];
	ssize_t n;

	(void)events;
	if (status < 0) {
		net_finish(p, 0, uv_strerror(status));
		return;
	}
	while ((n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		/* The kernel rewrites the id of ping sockets; match the sequence. */
		if (n >= 8 && buf[0] == ICMP_ECHOREPLY &&
		    (unsigned short)(buf[6] << 8 | buf[7]) == p->echo_seq) {
			net_finish(p, 1, NULL);
			return;
		}
	}
}

static void start_icmp(struct monitor *m, struct probe *p, const struct check_def *d)
{
	struct sockaddr_in sa;
	unsigned char pkt[16];
	static unsigned short seq;

	memset(&sa, 0, sizeof(sa));
	if (uv_ip4_addr(d->host, 0, &sa)) {
		net_finish(p, 0, "icmp needs an IPv4 address");
		return;
	}
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
	if (p->fd < 0) {
		net_finish(p, 0, "unprivileged ICMP not allowed (net.ipv4.ping_group_range)");
		return;
	}
	uv_poll_init_socket(&m->loop, &p->poll, p->fd);
	p->poll.data = p;
	p->open_handles++;
	p->echo_seq = ++seq;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ICMP_ECHO;
	pkt[6] = (unsigned char)(p->echo_seq >> 8);
	pkt[7] = (unsigned char)p->echo_seq;
	{
		unsigned short sum = icmp_sum(pkt, sizeof(pkt));
		pkt[2] = (unsigned char)(sum >> 8);
		pkt[3] = (unsigned char)sum;
	}
	uv_poll_start(&p->poll, UV_READABLE, on_icmp);
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		net_finish(p, 0, strerror(errno));
}

static int is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return uv_inet_pton(AF_INET, host, buf) == 0 || uv_inet_pton(AF_INET6, host, buf) == 0;
}

void monitor_probe_start(struct monitor *m, size_t idx)
{
	struct check_rt *c = &m->rt[idx];
	const struct check_def *d = c->def;
	struct probe *p = probe_get(m);
	double now = timeutil_monotonic_ms();

	p->m = m;
	p->idx = idx;
	p->t0 = now;
	p->fd = -1;
	p->res.idx = idx;
	p->res.at = timeutil_now();
	p->res.latency_ms = -1;
	p->res.dns_ms = p->res.connect_ms = p->res.tls_ms = p->res.ttfb_ms = -1;
	c->busy = 1;
	m->inflight++;
	if (m->opts->stats) {
		if (!m->steady && m->nfirst >= m->nrt && now >= m->steady_at)
			monitor_stats_steady(m, now);
		ALLOC_GROW(m->late, m->nlate, m->alate);
		m->late[m->nlate++] = now - c->due;
	}
	if (d->type == CHECK_HTTP && is_address(d->host)) {
		start_http(m, p, d, NULL);
		return;
	}
	uv_timer_init(&m->loop, &p->timer);
	p->timer.data = p;
	p->open_handles = 1;
	uv_timer_start(&p->timer, on_net_timeout, (uint64_t)(d->timeout_s * 1000), 0);
	if (d->type == CHECK_ICMP) {
		start_icmp(m, p, d);
	} else {
		struct sockaddr_storage ss;
		char port[8];
		if (d->type == CHECK_TCP &&
		    (!uv_ip4_addr(d->host, d->port, (struct sockaddr_in *)&ss) ||
		     !uv_ip6_addr(d->host, d->port, (struct sockaddr_in6 *)&ss))) {
			tcp_connect_to(p, (struct sockaddr *)&ss);
			return;
		}
		if (c->resolving) {
			/* One lookup per check at a time: a resolver that never
			 * answers must not fill the thread pool with lookups. */
			net_finish(p, 0, "DNS timeout (the previous lookup has not returned)");
			return;
		}
		snprintf(port, sizeof(port), "%d", d->port);
		p->gai.data = p;
		p->check_id = c->id;
		if (uv_getaddrinfo(&m->loop, &p->gai, on_resolved, d->host, port, NULL)) {
			net_finish(p, 0, "cannot resolve");
			return;
		}
		p->gai_pending = 1;
		c->resolving = 1;
	}
}
