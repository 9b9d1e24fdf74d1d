/*
 * cluster - quorum, agreement and rendezvous hashing; see cluster.h.
 */
#include <string.h>

#include "cluster.h"
#include "banned.h"

int cluster_quorum(int configured, size_t live)
{
	int n = live > 100000 ? 100000 : (int)live;
	int q = configured > 0 ? configured : n / 2 + 1;

	if (n >= 1 && q > n)
		q = n;
	return q < 1 ? 1 : q;
}

enum cluster_verdict cluster_agree(int configured, size_t live, size_t failing, size_t confirmed)
{
	int q = cluster_quorum(configured, live);

	if (confirmed > failing)
		failing = confirmed;
	if ((int)confirmed >= q)
		return CLUSTER_AGREED_DOWN;
	if ((int)failing >= q)
		return CLUSTER_AGREED_FAILING;
	return confirmed ? CLUSTER_LOCATION_ONLY : CLUSTER_AGREED_UP;
}

double cluster_grace_s(double interval_s, double timeout_s, int confirm, double retry_s)
{
	return interval_s + timeout_s + confirm * (retry_s + timeout_s) + 1;
}

static const char *const state_names[] = {"up", "failing", "down", "degraded"};

const char *cluster_state_name(enum cluster_state st)
{
	return (unsigned)st < 4 ? state_names[st] : "up";
}

enum cluster_state cluster_state_parse(const char *name)
{
	for (int i = 0; name && i < 4; i++)
		if (!strcmp(name, state_names[i]))
			return (enum cluster_state)i;
	return CLUSTER_UP;
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t cluster_weight(long long check_id, long long node_id)
{
	return mix64(mix64((uint64_t)check_id + 0x9e3779b97f4a7c15ULL) ^ (uint64_t)node_id);
}

size_t cluster_owner(long long check_id, const long long *nodes, size_t n)
{
	size_t best = 0;
	uint64_t bw = cluster_weight(check_id, nodes[0]);

	for (size_t i = 1; i < n; i++) {
		uint64_t w = cluster_weight(check_id, nodes[i]);
		if (w > bw || (w == bw && nodes[i] < nodes[best])) {
			best = i;
			bw = w;
		}
	}
	return best;
}
