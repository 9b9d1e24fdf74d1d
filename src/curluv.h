/*
 * curluv - libcurl's multi interface driven by a libuv loop: the documented
 * curl_multi_socket_action() pattern with one uv_poll_t per socket curl
 * watches and one uv_timer_t for curl's timeouts. The monitor's HTTP probes
 * and the notify's SMTP and webhook deliveries all run on it, in one
 * thread, with no process or thread per transfer.
 *
 * Ownership: curluv_new() returns a driver freed with curluv_free() after
 * every transfer finished (every done callback ran). curluv_add() takes the
 * easy handle until its done callback, which gets it back to clean up or
 * reuse.
 */
#ifndef SG_CURLUV_H
#define SG_CURLUV_H

#include <curl/curl.h>
#include <uv.h>

struct curluv;

typedef void (*curluv_done_fn)(CURL *easy, CURLcode result, void *arg);

struct curluv *curluv_new(uv_loop_t *loop);
/* Starts a transfer; done runs on the loop when it ends. 0 or -1. */
int curluv_add(struct curluv *c, CURL *easy, curluv_done_fn done, void *arg);
/* Closes the timer; the memory goes when the loop has processed the close
 * (run the loop once more before uv_loop_close). */
void curluv_free(struct curluv *c);

#endif
