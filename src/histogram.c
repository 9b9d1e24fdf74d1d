/*
 * histogram - the shared latency histogram; see histogram.h.
 */
#include <math.h>
#include <stdint.h>

#include "histogram.h"
#include "banned.h"

int histogram_bucket(double ms)
{
	int b;

	if (!(ms > 0))
		return 0;
	/* smallest i with ms < 2^(i/4) */
	b = (int)floor(4.0 * log2(ms)) + 1;
	if (b < 0)
		b = 0;
	if (b >= HISTOGRAM_BUCKETS)
		b = HISTOGRAM_BUCKETS - 1;
	return b;
}

double histogram_upper(int i)
{
	return pow(2.0, i / 4.0);
}

double histogram_quantile(const unsigned long long hist[HISTOGRAM_BUCKETS], double q)
{
	unsigned long long total = 0, cum = 0;
	double rank;

	for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return NAN;
	rank = q * (double)total;
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
		double lo, hi, f;
		if (!hist[i] || (double)(cum + hist[i]) < rank) {
			cum += hist[i];
			continue;
		}
		hi = histogram_upper(i);
		lo = i ? histogram_upper(i - 1) : 0.0;
		f = (rank - (double)cum) / (double)hist[i];
		if (i == 0)
			return hi * f;
		return lo * pow(hi / lo, f);
	}
	return histogram_upper(HISTOGRAM_BUCKETS - 1);
}

void histogram_encode(const unsigned long long hist[HISTOGRAM_BUCKETS],
                      unsigned char out[HISTOGRAM_BLOB])
{
	for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
		uint32_t v = hist[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)hist[i];
		for (int k = 0; k < 4; k++)
			out[i * 4 + k] = (unsigned char)(v >> (8 * k));
	}
}

void histogram_decode_add(unsigned long long hist[HISTOGRAM_BUCKETS], const void *blob, size_t len)
{
	const unsigned char *b = blob;

	if (!b)
		return;
	for (size_t i = 0; i < HISTOGRAM_BUCKETS && (i + 1) * 4 <= len; i++)
		hist[i] += (uint32_t)b[i * 4] | (uint32_t)b[i * 4 + 1] << 8 |
		           (uint32_t)b[i * 4 + 2] << 16 | (uint32_t)b[i * 4 + 3] << 24;
}
