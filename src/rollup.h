/*
 * rollup - daily rollups summed in memory: per check and local day, the
 * probes, the failures, the largest gap between probes, the last probe's
 * time and the latency histogram (histogram.h) of results not yet folded
 * into the store's check_daily rows. The monitor's writer sums the results
 * it has stored into one set and folds the set every minute or so
 * (store_monitor_fold(); monitor_writer.h says when), so a row is
 * rewritten once per fold rather than once per result; a node that
 * stopped before its last fold has its stored results summed into a set
 * again by the next monitor (monitor_writer.c).
 *
 * Ownership: a struct rollup_set is the caller's (ROLLUP_SET_INIT or
 * rollup_set_init(), then rollup_set_release()); the entries
 * rollup_set_sorted() returns are the set's, valid until the next add,
 * clear or release.
 */
#ifndef SG_ROLLUP_H
#define SG_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "histogram.h"

/* One check's rollup for one local day: what was summed since the set was
 * last cleared. 16-bit buckets keep an entry at 176 bytes (the writer holds
 * one per check probed in the last minute); a counter that reaches its
 * largest value sets the set's `full`, and the writer folds then. */
struct rollup {
	long long check_id;
	char day[12]; /* YYYY-MM-DD */
	uint32_t n, n_fail;
	double max_gap;
	double last_at; /* the latest result's time (check_daily.last_at) */
	uint16_t hist[HISTOGRAM_BUCKETS];
};

struct rollup_set {
	struct rollup *v;
	size_t n, alloc;
	uint32_t *slot; /* open addressing: index into v + 1 (0: empty), at most half full */
	size_t cap;     /* a power of two (0: no index yet) */
	int full;       /* a counter is at its largest: fold and clear before more */
	size_t results; /* results added since the last clear */
};

#define ROLLUP_SET_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0, NULL, 0, 0, 0                                                          \
	}

void rollup_set_init(struct rollup_set *s);
/* Adds one result of check_id on day (its local day, YYYY-MM-DD): its
 * time at, ok, its latency in ms (< 0: none, not in the histogram) and the
 * gap since the check's previous probe in seconds. */
void rollup_set_add(struct rollup_set *s, long long check_id, const char *day, double at, int ok,
                    double latency_ms, double gap_s);
/* The entries sorted by (check_id, day): the order store_monitor_fold()
 * locks rows in. *n receives their number. */
struct rollup *rollup_set_sorted(struct rollup_set *s, size_t *n);
/* Empties the set, keeping its memory for the next round. */
void rollup_set_clear(struct rollup_set *s);
void rollup_set_release(struct rollup_set *s);
/* Orders two rollups by (check_id, day). */
int rollup_cmp(const struct rollup *a, const struct rollup *b);

#endif
