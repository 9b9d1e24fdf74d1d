/*
 * curluv - libcurl multi on libuv; see curluv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "curluv.h"
#include "xalloc.h"
#include "banned.h"

/* Finished easy handles kept for reuse: enough for the bursts of a busy
 * loop (a quarter of the monitor's 1,024 transfers in flight), not so many
 * that an idle monitor holds megabytes. */
#define POOL_MAX 256
/* Events taken from the driver's epoll set per wake-up of the loop. */
#define EVENTS 128

struct xfer {
	curluv_done_fn done;
	void *arg;
	struct xfer *next; /* in the free list */
};

/* Per file descriptor: what the driver's epoll set holds for it. */
struct fd_state {
	unsigned char reg;  /* epoll events registered (0: not in the set) */
	unsigned char want; /* curl watches it (0 after CURL_POLL_REMOVE) */
};

struct curluv {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	uv_poll_t poll; /* on epfd; referenced only while transfers run */
	int epfd;
	struct fd_state *fds;
	size_t nfds;
	int running;
	CURL *pool[POOL_MAX];
	int npool;
	/* Freed transfer records, reused: a fresh connection per check would
	 * otherwise cost an allocation more each. */
	struct xfer *free_xfer;
	int closing; /* handles whose uv_close has not called back */
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
		if (--c->running == 0 && c->epfd >= 0)
			uv_unref((uv_handle_t *)&c->poll);
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

static void on_epoll(uv_poll_t *p, int status, int events)
{
	struct curluv *c = p->data;
	struct epoll_event ev[EVENTS];
	int n, still;

	(void)status;
	(void)events;
	n = epoll_wait(c->epfd, ev, EVENTS, 0);
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd, flags = 0;
		unsigned e = ev[i].events;
		struct fd_state *st = &c->fds[fd];
		if (!st->want) {
			/* Open but no longer watched (a kept connection, or a
			 * socket an earlier event of this batch closed): out of
			 * the set now that it reports something. */
			epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
			st->reg = 0;
			continue;
		}
		/* As libuv does: an error or hang-up wakes what is watched, and
		 * curl finds the cause when it reads or writes. */
		if (e & (EPOLLERR | EPOLLHUP))
			e |= st->reg;
		if (e & EPOLLIN)
			flags |= CURL_CSELECT_IN;
		if (e & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		curl_multi_socket_action(c->multi, fd, flags, &still);
		check_done(c);
	}
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

/* curl's REMOVE is not passed on: curl closes the socket next, and closing
 * takes it out of the epoll set without a call. A socket curl keeps open
 * stays in the set until it reports an event (on_epoll takes it out) or
 * curl watches it again. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct curluv *c = userp;
	struct epoll_event ev = {0};
	struct fd_state *st;
	int op, fresh;

	(void)easy;
	if (fd < 0)
		return 0;
	if ((size_t)fd >= c->nfds) {
		size_t n = c->nfds ? c->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		c->fds = xreallocarray(c->fds, n, sizeof(*c->fds));
		for (size_t i = c->nfds; i < n; i++)
			c->fds[i].reg = c->fds[i].want = 0;
		c->nfds = n;
	}
	st = &c->fds[fd];
	if (what == CURL_POLL_REMOVE) {
		st->want = 0;
		return 0;
	}
	st->want = 1;
	/* New to curl's socket hash, which forgets a socket at REMOVE: a new
	 * socket (what the set held for this number went with its close), or
	 * a kept one that may still be in the set with other events. */
	fresh = !socketp;
	if (fresh)
		curl_multi_assign(c->multi, fd, c);
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (!ev.events) {
		/* Watched for nothing yet: out of the set, where a hang-up
		 * would wake the loop for nothing. */
		if (fresh || st->reg)
			epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
		st->reg = 0;
		return 0;
	}
	if (!fresh && st->reg == ev.events)
		return 0;
	op = fresh || !st->reg ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(c->epfd, op, fd, &ev)) {
		op = errno == EEXIST ? EPOLL_CTL_MOD : errno == ENOENT ? EPOLL_CTL_ADD : -1;
		if (op < 0 || epoll_ctl(c->epfd, op, fd, &ev))
			return -1;
	}
	st->reg = (unsigned char)ev.events;
	return 0;
}

/* curl's own socket() with close-on-exec: a socket never leaks into a
 * spawned process, where it would outlive curl's close, and so would its
 * place in the epoll set (socket_cb relies on a close taking it out). */
static curl_socket_t open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)clientp;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

struct curluv *curluv_new(uv_loop_t *loop)
{
	struct curluv *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->multi = curl_multi_init();
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	/* Without a set every transfer fails to start (curluv_add). */
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd >= 0 && uv_poll_init(loop, &c->poll, c->epfd)) {
		close(c->epfd);
		c->epfd = -1;
	}
	if (c->epfd >= 0) {
		c->poll.data = c;
		uv_poll_start(&c->poll, UV_READABLE, on_epoll);
		uv_unref((uv_handle_t *)&c->poll);
	}
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

	if (c->epfd < 0)
		return -1;
	if (x)
		c->free_xfer = x->next;
	else
		x = xcalloc(1, sizeof(*x));
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		x->next = c->free_xfer;
		c->free_xfer = x;
		return -1;
	}
	if (c->running++ == 0)
		uv_ref((uv_handle_t *)&c->poll);
	return 0;
}

/* The memory goes when both handles have closed (libuv calls close
 * callbacks in no promised order). */
static void closed(uv_handle_t *h)
{
	struct curluv *c = h->data;

	if (--c->closing)
		return;
	if (c->epfd >= 0)
		close(c->epfd);
	free(c->fds);
	free(c);
}

void curluv_free(struct curluv *c)
{
	if (!c)
		return;
	while (c->npool)
		curl_easy_cleanup(c->pool[--c->npool]);
	curl_multi_cleanup(c->multi);
	while (c->free_xfer) {
		struct xfer *x = c->free_xfer;
		c->free_xfer = x->next;
		free(x);
	}
	uv_timer_stop(&c->timer);
	c->closing = 1;
	uv_close((uv_handle_t *)&c->timer, closed);
	if (c->epfd >= 0) {
		c->closing++;
		uv_close((uv_handle_t *)&c->poll, closed);
	}
}
