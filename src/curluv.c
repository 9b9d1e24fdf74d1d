/*
 * curluv - libcurl multi on libuv; see curluv.h.
 */
#include <stdlib.h>

#include "curluv.h"
#include "xalloc.h"
#include "banned.h"

struct curluv {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	int running;
};

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct curluv *c;
};

struct xfer {
	curluv_done_fn done;
	void *arg;
};

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
			free(x);
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
	free(h->data);
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
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!sc) {
		sc = xcalloc(1, sizeof(*sc));
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

int curluv_add(struct curluv *c, CURL *easy, curluv_done_fn done, void *arg)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return -1;
	}
	c->running++;
	return 0;
}

static void free_self(uv_handle_t *h)
{
	free(h->data);
}

void curluv_free(struct curluv *c)
{
	if (!c)
		return;
	curl_multi_cleanup(c->multi);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, free_self);
}
