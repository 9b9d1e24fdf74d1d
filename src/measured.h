/*
 * measured - values measured rather than declared: what the monitor and the
 * host collectors found for an evaluation item (III.1.1.1.a ...), ready for
 * the assessment to judge against the reference value with provenance
 * `measured`.
 *
 * struct measurement is the one record of a measurement: a collector's
 * result, the monitor's figure and a row of the store's measurements table
 * are the same struct. struct measured_value is what the assessment reads
 * back: the latest measurement of an item with its value parsed.
 *
 * Ownership: a struct measurement borrows its strings (a collect_results
 * owns those of the measurements it holds). A struct measured_set owns its
 * array; measured_set_release() frees it. Its entries are plain values.
 */
#ifndef SG_MEASURED_H
#define SG_MEASURED_H

#include <stddef.h>

#include "value.h"

enum measurement_status {
	MEASUREMENT_OK = 0,
	MEASUREMENT_FINDING,
	MEASUREMENT_UNAVAILABLE,
	MEASUREMENT_ERROR,
};

struct measurement {
	const char *service;
	const char *collector; /* "backup", "tls", ... or "monitor" */
	const char *item_id;   /* "III.2.3.1.a" or a control, or NULL when it maps to none */
	const char *subject;   /* what was measured: a URL, a path, a check name */
	enum measurement_status status;
	const char *value_text; /* in the value grammar ("26h", "99.82%", "[tls]") or NULL */
	double value_num;       /* the same as a number in `unit` (NAN when none) */
	const char *unit;       /* "s", "%", "count", ... */
	const char *evidence;   /* what was read, for a person */
	const char *detail;     /* why: a finding's or an error's explanation */
	double measured_at;
	long long id; /* the row once stored; 0 before */
};

struct measured_value {
	char item_id[32];   /* "III.1.1.1.a" */
	struct value value; /* comparable with the item's reference value */
	char text[96];      /* as a person reads it: "5m", "99.82%", "3 generations" */
	char source[96];    /* "monitor:web", "collector:backup:/srv/backup" */
	double at;          /* when measured (for a period: its end) */
	char detail[256];   /* how it was measured, or what it rests on; a finding's why */
	int finding;        /* the collector reported a finding (a shortfall); with
	                     * value.type VALUE_NONE when it has no value at all
	                     * (antivirus missing, clock not synchronised) */
};

struct measured_set {
	struct measured_value *v;
	size_t n;
	size_t alloc;
};

#define MEASURED_SET_INIT                                                                          \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Appends a copy of mv. */
void measured_set_add(struct measured_set *s, const struct measured_value *mv);
/* The entry for item_id, or NULL. When several sources measured one item,
 * the one worst for the provider (the assessment judges the worst). For
 * durations larger_is_better says which way is worse: 0 for intervals,
 * delays and ages, 1 for retention and capacity. Percentages and counts: the
 * lowest; booleans: false; otherwise the newest. A finding without a value
 * is worse than any value. */
const struct measured_value *measured_set_find(const struct measured_set *s, const char *item_id,
                                               int larger_is_better);
void measured_set_release(struct measured_set *s);

#endif
