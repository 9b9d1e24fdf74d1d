/* Unit tests for cluster: the quorum rule, the agreed verdict and
 * rendezvous hashing, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"

static void test_quorum(void **state)
{
	static const struct {
		int configured;
		size_t live;
		int want;
	} t[] = {
	    {0, 0, 1}, /* no live location known yet: the monitor's own */
	    {0, 1, 1}, /* a cluster of one: today's single monitor */
	    {0, 2, 2}, {0, 3, 2}, {0, 4, 3}, {0, 5, 3},
	    {0, 6, 4}, {0, 7, 4}, {1, 3, 1}, /* configured: used as is */
	    {3, 5, 3}, {3, 2, 2},            /* more than live: the survivors decide */
	    {5, 1, 1}, {2, 0, 2},            /* nothing live known: as configured */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = cluster_quorum(t[i].configured, t[i].live);
		if (got != t[i].want)
			fail_msg("quorum(%d, %zu) = %d, want %d", t[i].configured, t[i].live, got,
			         t[i].want);
	}
}

static void test_agree(void **state)
{
	static const struct {
		int configured;
		size_t live, failing, confirmed;
		enum cluster_verdict want;
	} t[] = {
	    /* one location, quorum 1: its own state is the verdict */
	    {0, 1, 0, 0, CLUSTER_AGREED_UP},
	    {0, 1, 1, 0, CLUSTER_AGREED_FAILING},
	    {0, 1, 1, 1, CLUSTER_AGREED_DOWN},
	    /* three locations, majority 2 */
	    {0, 3, 1, 0, CLUSTER_AGREED_UP},
	    {0, 3, 1, 1, CLUSTER_LOCATION_ONLY},  /* one location's network */
	    {0, 3, 2, 1, CLUSTER_AGREED_FAILING}, /* the second has not confirmed yet */
	    {0, 3, 2, 2, CLUSTER_AGREED_DOWN},
	    {0, 3, 3, 2, CLUSTER_AGREED_DOWN},
	    {0, 3, 3, 0, CLUSTER_AGREED_FAILING},
	    {0, 3, 0, 0, CLUSTER_AGREED_UP},
	    /* confirmed counts as failing even when the caller left it out */
	    {0, 3, 0, 2, CLUSTER_AGREED_DOWN},
	    /* quorum 3 of 3: two confirmed is still one side's problem */
	    {3, 3, 2, 2, CLUSTER_LOCATION_ONLY},
	    {3, 3, 3, 3, CLUSTER_AGREED_DOWN},
	    /* quorum 1 of 3: any location decides */
	    {1, 3, 1, 1, CLUSTER_AGREED_DOWN},
	    /* two of three locations dead: the survivor decides */
	    {0, 1, 1, 1, CLUSTER_AGREED_DOWN},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum cluster_verdict got =
		    cluster_agree(t[i].configured, t[i].live, t[i].failing, t[i].confirmed);
		if (got != t[i].want)
			fail_msg("row %zu: agree(%d, %zu, %zu, %zu) = %d, want %d", i,
			         t[i].configured, t[i].live, t[i].failing, t[i].confirmed, got,
			         t[i].want);
	}
}

static void test_state_names(void **state)
{
	(void)state;
	for (int i = CLUSTER_UP; i <= CLUSTER_DEGRADED; i++)
		assert_int_equal(cluster_state_parse(cluster_state_name((enum cluster_state)i)), i);
	assert_int_equal(cluster_state_parse("bogus"), CLUSTER_UP);
	assert_int_equal(cluster_state_parse(NULL), CLUSTER_UP);
	assert_true(cluster_grace_s(60, 10, 2, 5) == 60 + 10 + 2 * 15 + 1);
}

/* Fixed values: the hash must not change between versions, or a rolling
 * upgrade would run checks twice (or not at all) for an interval. */
static void test_weight_stable(void **state)
{
	static const struct {
		long long check, node;
	} t[] = {{1, 1}, {1, 2}, {2, 1}, {1000000, 7}, {42, 42}};
	uint64_t seen[5];
	(void)state;
	for (size_t i = 0; i < 5; i++) {
		seen[i] = cluster_weight(t[i].check, t[i].node);
		assert_true(seen[i] == cluster_weight(t[i].check, t[i].node));
		for (size_t j = 0; j < i; j++)
			assert_true(seen[i] != seen[j]);
	}
	assert_true(cluster_weight(1, 2) != cluster_weight(2, 1)); /* not symmetric */
}

/* Owners over n nodes: spread evenly, and removing one node moves only
 * the checks it held (rendezvous hashing's promise). */
static void test_owner_spread_and_move(void **state)
{
	static const struct {
		size_t nodes;
		size_t gone; /* index of the node that dies */
	} t[] = {{2, 0}, {2, 1}, {3, 1}, {5, 4}, {8, 3}};
	enum { CHECKS = 20000 };
	(void)state;
	for (size_t r = 0; r < sizeof(t) / sizeof(t[0]); r++) {
		long long nodes[8], rest[8];
		size_t count[8] = {0}, nrest = 0;
		for (size_t i = 0; i < t[r].nodes; i++)
			nodes[i] = (long long)(i * 7 + 3);
		for (size_t i = 0; i < t[r].nodes; i++)
			if (i != t[r].gone)
				rest[nrest++] = nodes[i];
		for (long long c = 1; c <= CHECKS; c++) {
			size_t o = cluster_owner(c, nodes, t[r].nodes);
			size_t o2 = cluster_owner(c, rest, nrest);
			count[o]++;
			if (o != t[r].gone && rest[o2] != nodes[o])
				fail_msg("check %lld moved from live node %lld to %lld", c,
				         nodes[o], rest[o2]);
		}
		for (size_t i = 0; i < t[r].nodes; i++) {
			double share = (double)count[i] / CHECKS, want = 1.0 / (double)t[r].nodes;
			if (share < want * 0.9 || share > want * 1.1)
				fail_msg("%zu nodes: node %zu runs %.3f of the checks, want %.3f",
				         t[r].nodes, i, share, want);
		}
	}
}

static void test_owner_one_and_order(void **state)
{
	long long one[] = {9}, ab[] = {4, 11}, ba[] = {11, 4};
	(void)state;
	for (long long c = 1; c < 100; c++) {
		assert_int_equal(cluster_owner(c, one, 1), 0);
		/* the answer is the node, not its position in the list */
		assert_true(ab[cluster_owner(c, ab, 2)] == ba[cluster_owner(c, ba, 2)]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quorum),
	    cmocka_unit_test(test_agree),
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_weight_stable),
	    cmocka_unit_test(test_owner_spread_and_move),
	    cmocka_unit_test(test_owner_one_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
