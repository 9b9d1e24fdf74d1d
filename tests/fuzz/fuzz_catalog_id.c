/* libFuzzer target: id normalisation and lookup (Ⅲ. 1. 1. 1, full width),
 * and the Table 2 and glossary lookups by name (NFKC folding). */
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
	{
		const struct service_type *hits[8];
		size_t n = 0;
		enum catalog_type_match m = catalog_service_type_find(cat, s, hits, 8, &n);
		char *f = catalog_fold(s);
		/* a name found is found again by its own Japanese name */
		if (m == CATALOG_TYPE_FOUND &&
		    catalog_service_type_find(cat, hits[0]->name_ja, hits, 8, &n) !=
		        CATALOG_TYPE_FOUND)
			abort();
		if (n > 8 || !f)
			abort();
		free(f);
		catalog_glossary_find(cat, s);
	}
	free(s);
	return 0;
}
