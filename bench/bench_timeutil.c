/*
 * bench_timeutil - the cost of zone conversion: N pairs of
 * timeutil_localtime() + timeutil_mktime() in Asia/Tokyo (what a report or
 * the daemon's day boundaries do per day and per sample).
 * usage: build/bench_timeutil [N]   (default 1,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timeutil.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;
	long long sum = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		struct tm tm;
		timeutil_localtime(1790812800LL + i * 61LL, "Asia/Tokyo", &tm);
		sum += timeutil_mktime(&tm, "Asia/Tokyo") - (1790812800LL + i * 61LL);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld localtime+mktime pairs in Asia/Tokyo: %.0f ns per pair%s\n", n,
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n,
	       sum ? " (WRONG ROUND TRIP)" : "");
	return sum != 0;
}
