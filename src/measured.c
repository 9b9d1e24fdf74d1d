/*
 * measured - measured values for the assessment; see measured.h.
 */
#include <stdlib.h>
#include <string.h>

#include "measured.h"
#include "xalloc.h"
#include "banned.h"

void measured_set_add(struct measured_set *s, const struct measured_value *mv)
{
	ALLOC_GROW(s->v, s->n, s->alloc);
	s->v[s->n++] = *mv;
}

/* Which of two measurements of one item is worse for the provider. */
static int worse(const struct measured_value *a, const struct measured_value *b,
                 int larger_is_better)
{
	if (a->finding && a->value.type == VALUE_NONE)
		return !(b->finding && b->value.type == VALUE_NONE) || a->at > b->at;
	if (a->value.type != b->value.type)
		return 0;
	switch (a->value.type) {
	case VALUE_DURATION:
		return larger_is_better ? a->value.seconds < b->value.seconds
		                        : a->value.seconds > b->value.seconds;
	case VALUE_PERCENT:
		return a->value.percent < b->value.percent;
	case VALUE_COUNT:
		return a->value.count < b->value.count;
	case VALUE_BOOL:
		return !a->value.boolean && b->value.boolean;
	default:
		return a->at > b->at; /* otherwise the newest */
	}
}

const struct measured_value *measured_set_find(const struct measured_set *s, const char *item_id,
                                               int larger_is_better)
{
	const struct measured_value *best = NULL;

	for (size_t i = 0; s && i < s->n; i++) {
		if (strcmp(s->v[i].item_id, item_id))
			continue;
		if (!best || worse(&s->v[i], best, larger_is_better))
			best = &s->v[i];
	}
	return best;
}

void measured_set_release(struct measured_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->alloc = 0;
}
