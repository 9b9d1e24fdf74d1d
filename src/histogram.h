/*
 * histogram - the latency histogram every part of saasguard shares: 64
 * buckets, bucket i counting latencies below 2^(i/4) ms (bucket 0: below
 * 1 ms; the last bucket takes everything above), so a bucket's bounds are
 * 19 % apart. Stored (check_daily.lat_hist) as 64 little-endian uint32
 * counters, 256 bytes. The monitor fills it, the report and the metrics
 * read it; this is the one encoder, decoder and quantile.
 *
 * Ownership: nothing allocates; arrays are the caller's.
 */
#ifndef SG_HISTOGRAM_H
#define SG_HISTOGRAM_H

#include <stddef.h>

#define HISTOGRAM_BUCKETS 64
#define HISTOGRAM_BLOB    (HISTOGRAM_BUCKETS * 4)

/* The bucket of a latency in ms (0 for ms <= 0 or NaN). */
int histogram_bucket(double ms);
/* The upper bound of bucket i in ms. */
double histogram_upper(int i);
/* The latency at quantile q (0..1): the rank's bucket, interpolated
 * geometrically between its bounds (linearly in bucket 0); NAN when the
 * histogram is empty. */
double histogram_quantile(const unsigned long long hist[HISTOGRAM_BUCKETS], double q);
/* Writes hist as the stored blob (counters above 2^32-1 saturate). */
void histogram_encode(const unsigned long long hist[HISTOGRAM_BUCKETS],
                      unsigned char out[HISTOGRAM_BLOB]);
/* Adds a stored blob of len bytes to hist (a short or NULL blob adds what
 * it has: the store's contents are not trusted). */
void histogram_decode_add(unsigned long long hist[HISTOGRAM_BUCKETS], const void *blob, size_t len);

#endif
