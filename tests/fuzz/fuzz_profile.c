/* libFuzzer target: the profile parser (YAML -> service, controls, partners), and
 * for a profile that loads, the assessment and its writers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "assess_write.h"
#include "profile.h"
#include "sla.h"

static struct catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	struct assess_result *r = NULL;
	struct sg_error err;

	if (!cat && catalog_load(&cat, NULL))
		abort();
	memset(&err, 0, sizeof(err));
	if (profile_parse((const char *)data, size, "fuzz.yaml", cat, &p, &err) == SG_OK) {
		struct dynbuf out = DYNBUF_INIT;
		struct assess_write_opts o = {0, 0, 0};
		if (assess_run(cat, p, NULL, 1790000000.0, &r, &err))
			abort();
		assess_write(r, ASSESS_TABLE, &o, &out, &err);
		assess_write(r, ASSESS_JSON, &o, &out, &err);
		assess_write(r, ASSESS_MARKDOWN, &o, &out, &err);
		sla_write(r, SLA_MARKDOWN, 0, &out, &err);
		sla_write(r, SLA_JSON, 1, &out, &err);
		sla_shortfalls(r, 0, &out);
		dynbuf_release(&out);
		assess_free(r);
		profile_free(p);
	} else if (err.code != SG_ERR_INPUT || !err.msg[0]) {
		abort(); /* bad input is always an input error with a message */
	}
	return 0;
}
