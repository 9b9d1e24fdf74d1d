/* libFuzzer target: the value grammar (durations, percentages, sets). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct value v;
	struct dynbuf b = DYNBUF_INIT;
	struct sg_error err;

	memcpy(s, data, size);
	s[size] = '\0';
	memset(&err, 0, sizeof(err));
	if (value_parse(s, &v, &err) == SG_OK) {
		struct value again;
		value_format(&v, &b);
		/* What we print must parse back to the same kind of value. */
		if (value_parse(dynbuf_ptr(&b), &again, NULL) != SG_OK || again.type != v.type)
			abort();
	}
	dynbuf_release(&b);
	free(s);
	return 0;
}
