/*
 * curluv - libcurl's multi interface driven by a libuv loop: the documented
 * curl_multi_socket_action() pattern with one uv_timer_t for curl's
 * timeouts and one epoll set of the driver's own for the sockets curl
 * watches, itself watched by one uv_poll_t. A socket costs one epoll_ctl
 * to add and one per change of the events curl wants; closing it takes it
 * out of the set (uv_poll per socket paid eight epoll_ctl and an ioctl).
 * The monitor's HTTP probes and the notify's SMTP and webhook deliveries
 * all run on it, in one thread, with no process or thread per transfer.
 *
 * Ownership: curluv_new() returns a driver freed with curluv_free() after
 * every transfer finished (every done callback ran). curluv_add() takes the
 * easy handle until its done callback, which gets it back to clean up,
 * reuse or hand to curluv_easy_done(). Handles in the pool are the
 * driver's. The driver opens the sockets of the transfers it runs
 * (close-on-exec); libcurl closes them.
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
/* An easy handle with default options, from the driver's pool of finished
 * ones (curl_easy_reset()) or new: the allocation and set-up of a handle is
 * not paid per transfer. NULL when libcurl cannot make one. */
CURL *curluv_easy(struct curluv *c);
/* Gives a finished transfer's handle back to the pool (the caller no longer
 * owns it); a full pool cleans it up. */
void curluv_easy_done(struct curluv *c, CURL *easy);
/* Closes the timer and the poll handle and cleans up the pooled handles;
 * the memory goes when the loop has processed the close (run the loop once
 * more before uv_loop_close). */
void curluv_free(struct curluv *c);

#endif
