/*
 * store_notify - the outbox queries notify needs beyond store_monitor's
 * basic ones: due messages in order per recipient and incident, with a
 * share per delivery route; rewriting a not-yet-sent message (a first
 * notice overtaken by its recovery); closing a message merged into another;
 * which notices of a maintenance window were queued (maintenance_notices).
 * Both tables are store_monitor's (schema v1 and v4).
 *
 * Ownership: rows returned belong to the caller (release each with
 * store_monitor_notification_row_release(), free the array).
 */
#ifndef SG_STORE_NOTIFY_H
#define SG_STORE_NOTIFY_H

#include "store.h"
#include "store_monitor.h"

/* Undelivered messages due at now whose every earlier message to the same
 * recipient about the same incident has been delivered: at most `share` per
 * route (all mail is one route, every other recipient one), the oldest of
 * each route first, `max` in all. */
enum sg_code store_notify_due(struct store *s, double now, size_t share, size_t max,
                              struct notification_row **rows, size_t *n, struct sg_error *err);
/* Claims an undelivered message for node until now + hold seconds before
 * it is sent: *claimed 1 when node has it (no other node claimed it, that
 * claim ran out, or its node stopped or has not heartbeated within the
 * lease's TTL). On PostgreSQL the row is locked with FOR UPDATE
 * SKIP LOCKED, so of several monitors claiming at once exactly one gets it
 * and none waits; a SQLite store has one monitor (its lock file), which
 * always gets it. The claim table is store_cluster's migration. */
enum sg_code store_notify_claim(struct store *s, long long id, long long node, double now,
                                double hold, int *claimed, struct sg_error *err);
/* Replaces subject and body of an undelivered message. */
enum sg_code store_notify_rewrite(struct store *s, long long id, const char *subject,
                                  const char *body, struct sg_error *err);
/* Undelivered messages of a purpose to a recipient about an incident. */
enum sg_code store_notify_pending_ids(struct store *s, long long incident_id, const char *recipient,
                                      const char *purpose, long long **ids, size_t *n,
                                      struct sg_error *err);
/* How many messages of a purpose about an incident were queued for a
 * recipient (delivered or not). */
enum sg_code store_notify_count(struct store *s, long long incident_id, const char *recipient,
                                const char *purpose, long long *n, struct sg_error *err);
/* Closes a message that went out as part of another: delivered with it at
 * `at`, last_error naming the message it was merged into. */
enum sg_code store_notify_merged(struct store *s, long long id, long long into, double at,
                                 struct sg_error *err);

/* Records that notice ("announce", "start", "end") of a maintenance window
 * ("profile:START-END" or "web:ID") is being queued now: *claimed is 1 the
 * first time, 0 when it was already (queue the messages in the same
 * transaction, so a failure leaves it unclaimed). */
enum sg_code store_notify_maintenance_claim(struct store *s, const char *service,
                                            const char *window, const char *notice, double now,
                                            int *claimed, struct sg_error *err);
/* When notice of a window was queued (*at: 0 when never). */
enum sg_code store_notify_maintenance_queued(struct store *s, const char *service,
                                             const char *window, const char *notice, double *at,
                                             struct sg_error *err);

#endif
