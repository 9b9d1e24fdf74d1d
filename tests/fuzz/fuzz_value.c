/* libFuzzer target: the value grammar (durations, percentages, sets), and
 * the same values in words (judge_words_parse, as saasguard import reads
 * the checklists): words read back to a value that prints as words again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
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
	if (judge_words_parse(s, &v) == 0) {
		struct dynbuf w = DYNBUF_INIT, t = DYNBUF_INIT;
		struct value again;
		judge_value_words(&v, REF_ANY_OF, 0, &w);
		if (judge_words_parse(dynbuf_ptr(&w), &again) || again.type != v.type)
			abort();
		if (judge_words_token(s, &t) == 0 && value_parse(dynbuf_ptr(&t), &again, NULL))
			abort(); /* a token made from words is in the value grammar */
		dynbuf_release(&w);
		dynbuf_release(&t);
	}
	free(s);
	return 0;
}
