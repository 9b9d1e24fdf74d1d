/*
 * cluster - the rules several monitors in several locations share, as pure
 * functions (no store, no clock): how many live locations must confirm a
 * failure before it is an incident (the quorum), what the locations'
 * confirmed states of one check add up to (the agreed verdict), how long a
 * location may wait for the others before its failure is its own (the
 * grace), and which live monitor of a location runs a check (rendezvous,
 * highest-random-weight hashing of check id and node id). A single monitor
 * in a single location is a cluster of one: quorum 1, every verdict is its
 * own. The tables and the lease live in store_cluster; the engine's use of
 * these rules in monitor_cluster.c.
 *
 * Ownership: nothing is allocated; arrays are the caller's.
 */
#ifndef SG_CLUSTER_H
#define SG_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

/* The lease's time to live (seconds). The coordinator renews it every
 * second; when it dies another monitor takes it once it has expired, so a
 * failover takes at most CLUSTER_LEASE_TTL_S + 1 s (the renewal tick) + 1 s
 * (the new coordinator's next agreement pass): 6 s, under 10 s and under
 * two intervals of any check with an interval of 4 s or more. Four seconds
 * leave a loaded machine three missed renewals before the lease moves. A
 * location is live while one of its monitors heartbeated within the same
 * TTL. */
#define CLUSTER_LEASE_TTL_S 4.0

/* A location's confirmed state of a check, as published. */
enum cluster_state {
	CLUSTER_UP = 0,
	CLUSTER_FAILING,  /* failed, not yet confirmed (fewer than `confirm` failures) */
	CLUSTER_DOWN,     /* confirmed down */
	CLUSTER_DEGRADED, /* confirmed too slow (performance checks) */
};

/* What the live locations' states of one check add up to. */
enum cluster_verdict {
	CLUSTER_AGREED_UP = 0,  /* fewer than a quorum fail, and none confirmed */
	CLUSTER_AGREED_FAILING, /* a quorum fails, fewer than a quorum confirmed */
	CLUSTER_AGREED_DOWN,    /* a quorum confirmed: an incident */
	CLUSTER_LOCATION_ONLY,  /* confirmed by some, fewer than a quorum fail */
};

/* The quorum among `live` live locations: `configured` (monitor.quorum)
 * when set, else a majority, floor(live / 2) + 1. Never more than the live
 * locations (a cluster that lost locations still detects, the survivors
 * deciding) and never less than 1. */
int cluster_quorum(int configured, size_t live);

/* The verdict from the live locations' states: `failing` of them fail
 * (confirmed or not), `confirmed` of those confirmed. */
enum cluster_verdict cluster_agree(int configured, size_t live, size_t failing, size_t confirmed);

/* How long (seconds) the first location to confirm a check's failure waits
 * for the others before it is a problem of that location alone: the other
 * locations probe on their own phases within the interval and need their
 * own `confirm` failures retry_s apart. */
double cluster_grace_s(double interval_s, double timeout_s, int confirm, double retry_s);

/* The state's name in the store ("up", "failing", "down", "degraded") and
 * back (unknown text: CLUSTER_UP). */
const char *cluster_state_name(enum cluster_state st);
enum cluster_state cluster_state_parse(const char *name);

/* Rendezvous hashing: the weight of node for check (a 64-bit mix of both
 * ids; stable across versions and machines). */
uint64_t cluster_weight(long long check_id, long long node_id);
/* The index in nodes[0..n) of the node that runs check: the highest
 * weight, ties to the lower node id. n must be at least 1. A node joining
 * or leaving moves only the checks it wins or held. */
size_t cluster_owner(long long check_id, const long long *nodes, size_t n);

#endif
