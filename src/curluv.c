/*
 * curluv - libcurl multi on libuv; see curluv.h.
 */
#include <stdlib.h>

#include "curluv.h"
#include "xalloc.h"
#include "banned.h"

/* Finished easy handles kept for reuse: enough for the bursts of a busy
 * loop (a quarter of the monitor's 1,024 transfers in flight), not so many
 * that an idle monitor holds megabytes. */
#define POOL_MAX 256

struct xfer {
	curluv_done_fn done;
	void *arg;
	struct xfer *next; /* in the free list */
};

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct curluv *c;
	struct sock_ctx *next; /* in the free list */
};

struct curluv {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	int running;
	CURL *pool[POOL_MAX];
	int npool;
	/* Freed transfer and socket records, reused: a fresh connection per
	 * check would otherwise cost two allocations more each. */
	struct xfer *free_xfer;
	struct sock_ctx *free_sock;
	int nfree_sock;
	int closing_socks; /* sockets whose uv_close has not called back */
	int dead;          /* curluv_free() ran and the timer has closed */
};

static void release(struct curluv *c)
{
	while (c->free_sock) {
		struct sock_ctx *sc = c->free_sock;
		c->free_sock = sc->next;
		free(sc);
	}
	free(c);
}

static void check_done(struct curluv *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		struct xfer *x = NULL;
		CURL *e = m->easy_handle;
		CURLcode res = m->data.result;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(c->multi, e);
		c->running--;
		if (x) {
			curluv_done_fn done = x->done;
			void *arg = x->arg;
			x->next = c->free_xfer;
			c->free_xfer = x;
			curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
			done(e, res, arg);
		}
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_ctx *sc = p->data;
	int flags = 0, still;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (!status && (events & UV_READABLE))
		flags |= CURL_CSELECT_IN;
	if (!status && (events & UV_WRITABLE))
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(sc->c->multi, sc->fd, flags, &still);
	check_done(sc->c);
}

static void on_timer(uv_timer_t *t)
{
	struct curluv *c = t->data;
	int still;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	check_done(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curluv *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void free_sock(uv_handle_t *h)
{
	struct sock_ctx *sc = h->data;
	struct curluv *c = sc->c;

	c->closing_socks--;
	if (c->dead || c->nfree_sock >= POOL_MAX) {
		free(sc);
		if (c->dead && !c->closing_socks)
			release(c);
		return;
	}
	sc->next = c->free_sock;
	c->free_sock = sc;
	c->nfree_sock++;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct curluv *c = userp;
	struct sock_ctx *sc = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sc) {
			uv_poll_stop(&sc->poll);
			uv_close((uv_handle_t *)&sc->poll, free_sock);
			c->closing_socks++;
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!sc) {
		if ((sc = c->free_sock)) {
			c->free_sock = sc->next;
			c->nfree_sock--;
		} else {
			sc = xcalloc(1, sizeof(*sc));
		}
		sc->fd = fd;
		sc->c = c;
		if (uv_poll_init_socket(c->loop, &sc->poll, fd)) {
			free(sc);
			return -1;
		}
		sc->poll.data = sc;
		curl_multi_assign(c->multi, fd, sc);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&sc->poll, events, on_poll);
	return 0;
}

struct curluv *curluv_new(uv_loop_t *loop)
{
	struct curluv *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->multi = curl_multi_init();
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	return c;
}

CURL *curluv_easy(struct curluv *c)
{
	return c->npool ? c->pool[--c->npool] : curl_easy_init();
}

void curluv_easy_done(struct curluv *c, CURL *easy)
{
	if (!easy)
		return;
	if (c->npool == POOL_MAX) {
		curl_easy_cleanup(easy);
		return;
	}
	curl_easy_reset(easy);
	c->pool[c->npool++] = easy;
}

int curluv_add(struct curluv *c, CURL *easy, curluv_done_fn done, void *arg)
{
	struct xfer *x = c->free_xfer;

	if (x)
		c->free_xfer = x->next;
	else
		x = xcalloc(1, sizeof(*x));
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		x->next = c->free_xfer;
		c->free_xfer = x;
		return -1;
	}
	c->running++;
	return 0;
}

/* The timer has closed; sockets may still be closing (libuv calls close
 * callbacks in no promised order): the last of them frees c. */
static void free_self(uv_handle_t *h)
{
	struct curluv *c = h->data;

	c->dead = 1;
	if (!c->closing_socks)
		release(c);
}

void curluv_free(struct curluv *c)
{
	if (!c)
		return;
	while (c->npool)
		curl_easy_cleanup(c->pool[--c->npool]);
	while (c->free_xfer) {
		struct xfer *x = c->free_xfer;
		c->free_xfer = x->next;
		free(x);
	}
	curl_multi_cleanup(c->multi);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, free_self);
}
