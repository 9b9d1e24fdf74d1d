/*
 * sg-store-init - creates (or migrates) a saasguard store at the path given,
 * through store_open() and every module's schema, so test and benchmark
 * helpers can fill the tables of a store that saasguard itself made.
 */
#include <stdio.h>

#include "store.h"
#include "banned.h"

int main(int argc, char **argv)
{
	struct store *s;
	struct sg_error err = {0};

	if (argc != 2) {
		fprintf(stderr, "usage: sg-store-init PATH\n");
		return 2;
	}
	if (store_open(argv[1], 0, &s, &err)) {
		fprintf(stderr, "sg-store-init: %s\n", err.msg);
		return 1;
	}
	store_close(s);
	return 0;
}
