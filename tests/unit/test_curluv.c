/* Unit tests for curluv: transfers on its own epoll set against a loopback
 * HTTP server thread — many fresh connections (socket numbers reused), a
 * kept connection the server closes while curl does not watch it (it must
 * leave the set, not wake the loop in a spin), and the loop ending when
 * the transfers do. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "curluv.h"

/* The server: one thread accepting, one per connection, which answers
 * every request and closes after idle_ms without one. */
struct srv {
	int lfd, port, idle_ms;
	pthread_t th;
	pthread_mutex_t mu;
	int accepted, open;
};

struct conn {
	struct srv *s;
	int fd;
};

static void *serve(void *arg)
{
	struct conn *cn = arg;
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = {cn->fd, POLLIN, 0};
		char *end;
		ssize_t n;
		if (poll(&pfd, 1, cn->s->idle_ms) <= 0)
			break;
		n = recv(cn->fd, buf + len, sizeof(buf) - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		while ((end = strstr(buf, "\r\n\r\n"))) {
			size_t used = (size_t)(end + 4 - buf);
			if (send(cn->fd, resp, sizeof(resp) - 1, MSG_NOSIGNAL) < 0)
				goto out;
			memmove(buf, buf + used, len - used + 1);
			len -= used;
		}
	}
out:
	close(cn->fd);
	pthread_mutex_lock(&cn->s->mu);
	cn->s->open--;
	pthread_mutex_unlock(&cn->s->mu);
	free(cn);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct srv *s = arg;
	int fd;

	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		struct conn *cn = malloc(sizeof(*cn));
		pthread_t th;
		cn->s = s;
		cn->fd = fd;
		pthread_mutex_lock(&s->mu);
		s->accepted++;
		s->open++;
		pthread_mutex_unlock(&s->mu);
		pthread_create(&th, NULL, serve, cn);
		pthread_detach(th);
	}
	return NULL;
}

static void srv_start(struct srv *s, int idle_ms)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->idle_ms = idle_ms;
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 128), 0);
	getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
	s->port = ntohs(sa.sin_port);
	pthread_create(&s->th, NULL, accept_loop, s);
}

/* Stops accepting and waits for the connections' threads to end. */
static void srv_stop(struct srv *s)
{
	int open = 1;

	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
	for (int i = 0; i < 500 && open; i++) {
		pthread_mutex_lock(&s->mu);
		open = s->open;
		pthread_mutex_unlock(&s->mu);
		if (open)
			usleep(10 * 1000);
	}
	assert_int_equal(open, 0);
	pthread_mutex_destroy(&s->mu);
}

struct run {
	uv_loop_t loop;
	struct curluv *cu;
	char url[64];
	int fresh;
	int started, done, ok, want;
};

static void start_one(struct run *r);

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

static void on_done(CURL *e, CURLcode res, void *arg)
{
	struct run *r = arg;
	long code = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	r->done++;
	r->ok += res == CURLE_OK && code == 200;
	curluv_easy_done(r->cu, e);
	if (r->started < r->want)
		start_one(r);
}

static void start_one(struct run *r)
{
	CURL *e = curluv_easy(r->cu);

	assert_non_null(e);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	if (r->fresh) {
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	r->started++;
	assert_int_equal(curluv_add(r->cu, e, on_done, r), 0);
}

static void run_init(struct run *r, const struct srv *s, int fresh)
{
	memset(r, 0, sizeof(*r));
	uv_loop_init(&r->loop);
	r->cu = curluv_new(&r->loop);
	r->fresh = fresh;
	snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d/t", s->port);
}

static void run_release(struct run *r)
{
	curluv_free(r->cu);
	uv_run(&r->loop, UV_RUN_DEFAULT); /* the driver's handles close */
	assert_int_equal(uv_loop_close(&r->loop), 0);
}

static void test_fresh_connections(void **state)
{
	struct srv s;
	struct run r;

	(void)state;
	srv_start(&s, 2000);
	run_init(&r, &s, 1);
	r.want = 300;
	for (int i = 0; i < 20; i++)
		start_one(&r);
	/* Returns only once no transfer runs: the driver's poll handle keeps
	 * the loop alive while one does, and not after. */
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(r.done, 300);
	assert_int_equal(r.ok, 300);
	run_release(&r);
	srv_stop(&s);
	assert_int_equal(s.accepted, 300); /* one connection each */
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_wait(uv_timer_t *t)
{
	(void)t;
}

static void test_kept_connection_closed_by_server(void **state)
{
	struct srv s;
	struct run r;
	uv_timer_t wait;
	double cpu;

	(void)state;
	srv_start(&s, 100); /* closes an idle connection after 100 ms */
	run_init(&r, &s, 0);
	r.want = 1;
	start_one(&r);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(r.ok, 1);
	/* curl keeps the connection and no longer watches its socket; the
	 * server closes it meanwhile. The loop waits 400 ms: the hang-up takes
	 * the socket out of the set once, with no spin (well under the
	 * wait in CPU time). */
	cpu = cpu_s();
	uv_timer_init(&r.loop, &wait);
	uv_timer_start(&wait, on_wait, 400, 0);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_true(cpu_s() - cpu < 0.2);
	/* The next transfer finds the connection dead and opens another. */
	r.want = 2;
	start_one(&r);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(r.ok, 2);
	uv_close((uv_handle_t *)&wait, NULL);
	run_release(&r);
	srv_stop(&s);
	assert_int_equal(s.accepted, 2);
}

static void test_kept_connection_reused(void **state)
{
	struct srv s;
	struct run r;

	(void)state;
	srv_start(&s, 2000);
	run_init(&r, &s, 0);
	r.want = 50;
	start_one(&r); /* one at a time: each reuses the one connection */
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(r.ok, 50);
	run_release(&r);
	srv_stop(&s);
	assert_int_equal(s.accepted, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_connections),
	    cmocka_unit_test(test_kept_connection_closed_by_server),
	    cmocka_unit_test(test_kept_connection_reused),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
