/*
 * monitor_schedule - the schedule: due times on the monotonic clock, a min-heap, one uv_timer; see
 * monitor_engine.h.
 */
#include <math.h>

#include "monitor.h"
#include "monitor_engine.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

double monitor_schedule_first_due(double interval_s, double r)
{
	return r * interval_s * 1000.0;
}

double monitor_schedule_next_due(double due, double now, double interval_s)
{
	double step = interval_s * 1000.0, next = due + step;

	if (next <= now)
		next = due + step * (floor((now - due) / step) + 1);
	return next;
}

static int heap_less(struct monitor *m, size_t a, size_t b)
{
	return m->rt[m->heap[a]].due < m->rt[m->heap[b]].due;
}

static void heap_swap(struct monitor *m, size_t a, size_t b)
{
	size_t t = m->heap[a];
	m->heap[a] = m->heap[b];
	m->heap[b] = t;
}

void monitor_schedule_push(struct monitor *m, size_t idx)
{
	size_t i = m->nheap++;

	m->heap[i] = idx;
	while (i && heap_less(m, i, (i - 1) / 2)) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static size_t heap_pop(struct monitor *m)
{
	size_t top = m->heap[0], i = 0;

	m->heap[0] = m->heap[--m->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < m->nheap && heap_less(m, l, s))
			s = l;
		if (r < m->nheap && heap_less(m, r, s))
			s = r;
		if (s == i)
			break;
		heap_swap(m, i, s);
		i = s;
	}
	return top;
}

static void on_sched(uv_timer_t *t)
{
	struct monitor *m = t->data;
	double now = timeutil_monotonic_ms();

	while (m->nheap && m->inflight < MAX_INFLIGHT && !m->stopping && !m->reload_pending &&
	       m->rt[m->heap[0]].due <= now + 0.5) {
		size_t idx = heap_pop(m);
		struct check_rt *c = &m->rt[idx];
		if (monitor_cluster_runs(m, c)) {
			monitor_probe_start(m, idx);
			continue;
		}
		/* Another node of this location runs it (monitor.shards): the
		 * slot passes; ownership is asked again at the next one. */
		c->due = monitor_schedule_next_due(c->due, now, c->def->interval_s);
		if (m->opts->once)
			c->done_once = 1;
		else
			monitor_schedule_push(m, idx);
	}
	if (m->opts->once)
		monitor_maybe_finish(m);
	monitor_schedule_arm(m);
}

void monitor_schedule_arm(struct monitor *m)
{
	double wait;

	if (m->stopping || m->reload_pending || !m->nheap || m->inflight >= MAX_INFLIGHT) {
		uv_timer_stop(&m->sched);
		return;
	}
	wait = m->rt[m->heap[0]].due - timeutil_monotonic_ms();
	uv_timer_start(&m->sched, on_sched, wait > 0 ? (uint64_t)ceil(wait) : 0, 0);
}
