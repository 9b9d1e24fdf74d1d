/*
 * rollup - daily rollups summed in memory; see rollup.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "xalloc.h"
#include "banned.h"

void rollup_set_init(struct rollup_set *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t hash_of(long long check_id, const char *day)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)check_id;

	h *= 1099511628211ULL;
	for (; *day; day++)
		h = (h ^ (unsigned char)*day) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of (check_id, day): its entry's, or the empty one it would take. */
static uint32_t *slot_of(struct rollup_set *s, long long check_id, const char *day)
{
	size_t i = hash_of(check_id, day) & (s->cap - 1);

	for (; s->slot[i]; i = (i + 1) & (s->cap - 1)) {
		const struct rollup *x = &s->v[s->slot[i] - 1];
		if (x->check_id == check_id && !strcmp(x->day, day))
			break;
	}
	return &s->slot[i];
}

static void reindex(struct rollup_set *s, size_t cap)
{
	free(s->slot);
	s->cap = cap;
	s->slot = xcalloc(cap, sizeof(*s->slot));
	for (size_t k = 0; k < s->n; k++)
		*slot_of(s, s->v[k].check_id, s->v[k].day) = (uint32_t)(k + 1);
}

void rollup_set_add(struct rollup_set *s, long long check_id, const char *day, double at, int ok,
                    double latency_ms, double gap_s)
{
	struct rollup *x;
	uint32_t *slot;

	if (2 * (s->n + 1) > s->cap)
		reindex(s, s->cap ? 2 * s->cap : 1024);
	slot = slot_of(s, check_id, day);
	if (!*slot) {
		ALLOC_GROW(s->v, s->n + 1, s->alloc);
		x = &s->v[s->n++];
		memset(x, 0, sizeof(*x));
		x->check_id = check_id;
		snprintf(x->day, sizeof(x->day), "%s", day);
		*slot = (uint32_t)s->n;
	}
	x = &s->v[*slot - 1];
	s->results++;
	x->n += x->n != UINT32_MAX;
	x->n_fail += !ok && x->n_fail != UINT32_MAX;
	if (gap_s > x->max_gap)
		x->max_gap = gap_s;
	if (at > x->last_at)
		x->last_at = at;
	if (latency_ms >= 0) {
		uint16_t *b = &x->hist[histogram_bucket(latency_ms)];
		*b += *b != UINT16_MAX;
		s->full |= *b == UINT16_MAX;
	}
	s->full |= x->n == UINT32_MAX;
}

int rollup_cmp(const struct rollup *a, const struct rollup *b)
{
	if (a->check_id != b->check_id)
		return (a->check_id > b->check_id) - (a->check_id < b->check_id);
	return strcmp(a->day, b->day);
}

static int cmp_entry(const void *a, const void *b)
{
	return rollup_cmp(a, b);
}

struct rollup *rollup_set_sorted(struct rollup_set *s, size_t *n)
{
	if (s->n) /* v is NULL before the first add */
		qsort(s->v, s->n, sizeof(*s->v), cmp_entry);
	if (s->cap)
		reindex(s, s->cap); /* the entries moved */
	*n = s->n;
	return s->v;
}

void rollup_set_clear(struct rollup_set *s)
{
	s->n = 0;
	s->full = 0;
	s->results = 0;
	if (s->slot)
		memset(s->slot, 0, s->cap * sizeof(*s->slot));
}

void rollup_set_release(struct rollup_set *s)
{
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
