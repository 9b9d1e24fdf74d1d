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

static void heap_sift_down(struct sched_entry *h, size_t n, size_t i)
{
	struct sched_entry e = h[i];

	for (;;) {
		size_t l = 2 * i + 1, s = l;
		if (l >= n)
			break;
		if (l + 1 < n && h[l + 1].due < h[l].due)
			s = l + 1;
		if (!(h[s].due < e.due))
			break;
		h[i] = h[s];
		i = s;
	}
	h[i] = e;
}

void monitor_schedule_push(struct monitor *m, size_t idx)
{
	struct sched_entry e = {m->rt[idx].due, idx};
	size_t i = m->nheap++;

	while (i && e.due < m->heap[(i - 1) / 2].due) {
		m->heap[i] = m->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->heap[i] = e;
}

static size_t heap_pop(struct monitor *m)
{
	size_t top = m->heap[0].idx;

	m->heap[0] = m->heap[--m->nheap];
	if (m->nheap)
		heap_sift_down(m->heap, m->nheap, 0);
	return top;
}

static void on_sched(uv_timer_t *t)
{
	struct monitor *m = t->data;
	double now = timeutil_monotonic_ms();

	while (m->nheap && m->inflight < MAX_INFLIGHT && !m->stopping && !m->reload_pending &&
	       m->heap[0].due <= now + 0.5) {
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
	wait = m->heap[0].due - timeutil_monotonic_ms();
	uv_timer_start(&m->sched, on_sched, wait > 0 ? (uint64_t)ceil(wait) : 0, 0);
}
