/* libFuzzer target: the one ISO 8601 / RFC 3339 parser (timeutil_parse and
 * timeutil_parse_prefix, which read profiles, log lines and tool output).
 * Properties: never reads past the input, a prefix parse ends inside it,
 * and a parsed time printed in UTC parses back to the same second. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct sg_error err;
	const char *end = NULL;
	long long t, again;
	double d;
	char utc[32];

	memcpy(s, data, size);
	s[size] = '\0';
	memset(&err, 0, sizeof(err));
	if (timeutil_parse(s, &t, &err) == SG_OK && t > -62135596800LL && t < 253402300800LL) {
		timeutil_utc(t, utc);
		if (timeutil_parse(utc, &again, NULL) != SG_OK || again != t)
			abort();
	}
	if (timeutil_parse_prefix(s, &end, &d, &err) == SG_OK) {
		if (!end || end < s || end > s + strlen(s) || isnan(d))
			abort();
	}
	free(s);
	return 0;
}
