/*
 * store_cluster - the tables of several monitors sharing one store (schema
 * "cluster"): the monitor nodes and their heartbeats, the coordinator's
 * lease (one row, taken and renewed by one conditional UPDATE, so exactly
 * one holder at a time on either engine), each location's confirmed state
 * of each check, the locations that agreed on each incident, and the
 * alerts about a failure only one location saw. Its migration also adds
 * the location and node of each row of check_results and the claim of
 * each outbox message (notifications.claimed_by, claimed_until).
 *
 * A single monitor on a SQLite store uses the same tables: a cluster of
 * one node in one location, which holds the lease.
 *
 * Ownership: rows returned belong to the caller (release each with its
 * _release function, free the array). Strings passed in are copied.
 */
#ifndef SG_STORE_CLUSTER_H
#define SG_STORE_CLUSTER_H

#include <stddef.h>

#include "store.h"

/* A monitor node as registered. */
struct cluster_node_row {
	long long id;
	char *host, *location, *role, *shard;
	long long pid;
	double started_at, heartbeat_at, stopped_at; /* stopped_at: NAN while running */
};
void store_cluster_node_row_release(struct cluster_node_row *r);

/* Registers a node starting now (role member) and returns its id. Its
 * folded_upto starts at the largest result id stored: every result it
 * writes comes after, so readers of the results not yet folded
 * (store_monitor_last_result()) start there rather than at the first. */
enum sg_code store_cluster_node_register(struct store *s, const char *host, long long pid,
                                         const char *location, double now, long long *id,
                                         struct sg_error *err);
/* The heartbeat: heartbeat_at = now and the role and shard the node has. */
enum sg_code store_cluster_node_beat(struct store *s, long long id, double now, int coordinator,
                                     const char *shard, struct sg_error *err);
/* The node stops: stopped_at = now, and its lease (if it holds it) ends. */
enum sg_code store_cluster_node_stop(struct store *s, long long id, double now,
                                     struct sg_error *err);
/* Every node, newest first (stopped ones with stopped_at set). */
enum sg_code store_cluster_nodes(struct store *s, struct cluster_node_row **rows, size_t *n,
                                 struct sg_error *err);
/* The live nodes (running, heartbeat at or after since), by id: their ids
 * and locations (parallel arrays the caller frees, each location too). */
enum sg_code store_cluster_live(struct store *s, double since, long long **ids, char ***locations,
                                size_t *n, struct sg_error *err);

/* Takes the lease for node, or renews it, until now + ttl: one UPDATE that
 * succeeds only when node holds it or it expired (or force: a SQLite
 * store, whose lock file already keeps every other monitor out). *held: 1
 * when node is the coordinator now. */
enum sg_code store_cluster_lease(struct store *s, long long node, double now, double ttl, int force,
                                 int *held, struct sg_error *err);
/* Whether node holds an unexpired lease at now (read inside the caller's
 * transaction, so writes that only the coordinator may make are fenced). */
enum sg_code store_cluster_lease_held(struct store *s, long long node, double now, int *held,
                                      struct sg_error *err);

/* A location's state of a check changed: state ("up", "failing", "down",
 * "degraded") since `since`, as node saw it; detail: the failure (NULL when
 * up). */
enum sg_code store_cluster_state_publish(struct store *s, long long check_id, const char *location,
                                         const char *state, double since, double now,
                                         long long node, const char *detail, struct sg_error *err);

/* One location's state of one check. */
struct cluster_state_row {
	long long check_id;
	char *location, *state, *detail;
	double since;
};
void store_cluster_state_row_release(struct cluster_state_row *r);
/* The states of checks in the live locations (a node of the location
 * heartbeated at or after live_since): those not up, and (all 0) those up
 * too, by check. */
enum sg_code store_cluster_states(struct store *s, double live_since, int all,
                                  struct cluster_state_row **rows, size_t *n, struct sg_error *err);

/* The locations that agreed on an incident, as it opened. */
enum sg_code store_cluster_incident_location(struct store *s, long long incident_id,
                                             const char *location, const char *state, double since,
                                             struct sg_error *err);
/* The locations of an incident, "a,b,c" in name order (NULL: none recorded,
 * an incident from before the cluster schema). The caller frees it. */
enum sg_code store_cluster_incident_locations(struct store *s, long long incident_id, char **out,
                                              struct sg_error *err);

/* A failure one location (or fewer than a quorum) saw alone. */
struct cluster_alert_row {
	long long id, check_id;
	char *check_name, *location, *kind, *detail;
	double since, alerted_at, resolved_at; /* resolved_at: NAN while open */
};
void store_cluster_alert_row_release(struct cluster_alert_row *r);
/* Opens an alert for check at location unless one is open: *opened 1 when
 * this call opened it (queue its message in the same transaction). */
enum sg_code store_cluster_alert_open(struct store *s, long long check_id, const char *location,
                                      const char *kind, double since, double now,
                                      const char *detail, int *opened, struct sg_error *err);
/* Resolves at now the open alerts whose location no longer confirms the
 * check down (or whose check became an agreed incident); *n: how many. */
enum sg_code store_cluster_alerts_resolve(struct store *s, double now, long long *n,
                                          struct sg_error *err);
/* The alerts of service's checks alerted in [from, to), oldest first. */
enum sg_code store_cluster_alerts(struct store *s, const char *service, double from, double to,
                                  struct cluster_alert_row **rows, size_t *n, struct sg_error *err);

/* The store's identity (random hex made by the migration), for
 * idempotency keys; *out is a string the caller frees. */
enum sg_code store_cluster_store_id(struct store *s, char **out, struct sg_error *err);

/* The fold of node id's results into the daily rollups (monitor_writer.c):
 * raises its folded_upto to upto (it never goes down) and sets
 * rollups_done where rollups_done is still
 * expect_done, in the caller's transaction; *mine = 1 when it was (the
 * row lock decides between two monitors folding one stopped node's
 * results, and tells a node that another folded its own). */
enum sg_code store_cluster_node_folded(struct store *s, long long id, long long upto, int done,
                                       int expect_done, int *mine, struct sg_error *err);
struct cluster_unfolded {
	long long id, folded_upto;
	int rollups_done;
};
/* Node me's own row, and the nodes whose results are not all folded that
 * stopped or whose heartbeat is older than dead_before: *out (the caller
 * frees) by id. */
enum sg_code store_cluster_unfolded(struct store *s, long long me, double dead_before,
                                    struct cluster_unfolded **out, size_t *n, struct sg_error *err);

#endif
