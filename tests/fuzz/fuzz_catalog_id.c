/* libFuzzer target: id normalisation and lookup (Ⅲ. 1. 1. 1, full width). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

static struct catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[64];
	const char *near[5];

	if (!cat && catalog_load(&cat, NULL))
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (catalog_normalize_id(s, out, sizeof(out), NULL) == SG_OK) {
		char again[64];
		/* Normalising is idempotent. */
		if (catalog_normalize_id(out, again, sizeof(again), NULL) != SG_OK ||
		    strcmp(out, again))
			abort();
	}
	catalog_control(cat, s);
	catalog_item(cat, s);
	if (size < 64)
		catalog_suggest(cat, s, near, 5);
	free(s);
	return 0;
}
