/* libFuzzer target: the checklist import (import.h) on arbitrary bytes: xlsx
 * (ZIP + XML through libzip and expat) when they start like a ZIP, CSV in
 * UTF-8 or CP932 otherwise. A failure must be an input or usage error with a
 * message; a success must give a profile the profile parser reads without
 * crashing (it may still want a reason or an expiry filled in). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "profile.h"

static struct catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts o = {NULL, 0, 0};
	struct import_result res;
	struct sg_error err;
	enum sg_code rc;

	if (!cat && catalog_load(&cat, NULL))
		abort();
	memset(&err, 0, sizeof(err));
	rc = import_run("fuzz.csv", data, size, cat, &o, &res, &err);
	if (rc == SG_OK) {
		struct profile *p = NULL;
		struct sg_error perr;
		memset(&perr, 0, sizeof(perr));
		if (profile_parse(dynbuf_ptr(&res.yaml), dynbuf_len(&res.yaml), "fuzz.yaml", cat,
		                  &p, &perr) &&
		    perr.code != SG_ERR_INPUT)
			abort();
		profile_free(p);
		import_result_release(&res);
	} else if ((rc != SG_ERR_INPUT && rc != SG_ERR_USAGE) || !err.msg[0]) {
		abort();
	}
	return 0;
}
