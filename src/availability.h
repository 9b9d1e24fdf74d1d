/*
 * availability - III.2.1.1: time-weighted availability over the contracted
 * service hours, minus maintenance announced in advance, computed from the
 * stored state intervals of the liveness checks (never from a ratio of
 * samples). Pure arithmetic: the caller reads the intervals from the store
 * (availability_for_period() does both).
 *
 * Accounting rules (docs/internals/monitor.md):
 * - only service hours count; outside them nothing is counted;
 * - maintenance with exclude_from_availability (default) that was announced
 *   before it started is excluded; one announced late (or never) counts as
 *   ordinary time, shown as late_maintenance_s;
 * - at any moment the service is down when any liveness check is in a
 *   confirmed down state; failures that never reached `confirm` count as up
 *   (shown as unconfirmed_s);
 * - time no check has a record for (the monitor itself was down or not yet
 *   running) is unknown: left out of the percentage and shown separately,
 *   with the percentage it would give if all of it had been downtime;
 * - downtime that continues past the end of an excluded maintenance window
 *   (an overrun) counts as downtime and is shown as overrun_s.
 *
 * Ownership: struct avail_check arrays are the caller's; nothing here
 * allocates beyond the call except availability_maintenance()'s list.
 */
#ifndef SG_AVAILABILITY_H
#define SG_AVAILABILITY_H

#include <stddef.h>

#include "error.h"
#include "monitor_config.h"
#include "store.h"
#include "store_monitor.h" /* struct avail_interval: the stored row */

/* One check's intervals, sorted by start and not overlapping. */
struct avail_check {
	const struct avail_interval *iv;
	size_t n;
};

struct availability {
	double from, to;
	double service_s;          /* contracted service time in the period */
	double maintenance_s;      /* excluded: announced maintenance within service hours */
	double counted_s;          /* service_s - maintenance_s */
	double up_s, down_s;       /* known time */
	double unknown_s;          /* no record: the monitor was not running */
	double unconfirmed_s;      /* failing but never confirmed: counted as up */
	double degraded_s;         /* up but slow (performance is not availability) */
	double overrun_s;          /* downtime past the end of an excluded window */
	double late_maintenance_s; /* maintenance not announced in advance: counted */
	double percent;            /* up / (up + down) * 100; -1 when nothing known */
	double percent_worst;      /* up / counted * 100 (unknown as down); -1 if none */
	int incidents;             /* confirmed down stretches that began in the period */
};

/* Service-hours windows [start, end) intersecting [from, to), clipped,
 * merged; returns the count written to out (at most max). */
size_t availability_windows(const struct service_hours *sh, double from, double to,
                            double (*out)[2], size_t max);

void availability_compute(const struct service_hours *sh, const struct maintenance_window *m,
                          size_t nm, const struct avail_check *checks, size_t nchecks, double from,
                          double to, struct availability *out);

/* The maintenance windows of cfg's service in force in [from, to), from
 * both sources: the profile's `maintenance:` and those announced from the
 * web (store_web's web_maintenance: muted, excluded, announced when
 * created). A profile window without `announced:` counts as announced when
 * the monitor queued its announcement (maintenance_notices). The one list
 * every figure uses. *out (free with availability_maintenance_free()) and
 * *keys (may be NULL; free()) are the caller's; keys name each window as
 * maintenance_notices does ("profile:START-END", "web:ID"). */
#define AVAILABILITY_KEY_LEN 48
enum sg_code availability_maintenance(struct store *s, const struct monitor_config *cfg,
                                      double from, double to, struct maintenance_window **out,
                                      size_t *n, char (**keys)[AVAILABILITY_KEY_LEN],
                                      struct sg_error *err);
void availability_maintenance_free(struct maintenance_window *w, size_t n);
/* 1 when the window's time is excluded from availability: `exclude` and
 * announced before it starts (otherwise it counts as downtime). */
int availability_window_excluded(const struct maintenance_window *w);

/* Reads the liveness checks' intervals of cfg's service from the store and
 * computes [from, to) with availability_maintenance()'s windows. Open intervals end at min(now,
 * last heartbeat of the running monitor). */
enum sg_code availability_for_period(struct store *s, const struct monitor_config *cfg, double from,
                                     double to, double now, struct availability *out,
                                     struct sg_error *err);

/* Below this share of the counted time with monitoring records, an
 * availability verdict is shown as provisional. */
#define AVAILABILITY_MIN_COVERAGE 0.9

/* The verdict on an availability against the pattern's reference
 * (III.2.1.1.a): meets when the figure, truncated to two decimals, is at
 * least the reference; provisional when the monitor has records for less
 * than AVAILABILITY_MIN_COVERAGE of the counted time. */
struct availability_verdict {
	int known;             /* some time is known (av.percent >= 0) */
	int meets;             /* known and at or above the reference (no reference: 0) */
	int provisional;       /* known, on too little coverage */
	double coverage;       /* (up + down) / counted, 0 when nothing is counted */
	const char *reference; /* "99.5%" from the catalog (borrowed), or NULL */
};
void availability_verdict(const struct availability *av, const struct catalog *cat, int pattern,
                          struct availability_verdict *out);

/* "99.82%" (two decimals, truncated toward the worse so 99.499 is not
 * shown as 99.50%). out holds 16 bytes. */
void availability_format(double percent, char out[16]);

#endif
