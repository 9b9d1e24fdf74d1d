/*
 * store_collect - measurements: what the host collectors and the monitor
 * measured for a guideline evaluation item, one row per result. This table
 * is how measured values reach the assessment: `assess --db` reads the
 * latest measurement of each item (store_collect_latest()).
 *
 * Also `first_seen`: when saasguard first saw a thing (a pending security
 * update), which is how long it has waited.
 */
#ifndef SG_STORE_COLLECT_H
#define SG_STORE_COLLECT_H

#include "measured.h"
#include "store.h"

const char *store_collect_status_name(enum measurement_status s);

/* Inserts one measurement (joins the caller's transaction). */
enum sg_code store_collect_insert(struct store *s, const struct measurement *m, long long *id,
                                  struct sg_error *err);

/* Adds to out the latest measurement with status ok or finding of every item
 * of the service that has a value_text; its source is "COLLECTOR:SUBJECT". */
enum sg_code store_collect_latest(struct store *s, const char *service, struct measured_set *out,
                                  struct sg_error *err);

/* When key was first seen; records now (and returns it) on the first call. */
enum sg_code store_collect_first_seen(struct store *s, const char *key, double now, double *first,
                                      struct sg_error *err);

/* Whether a measurement of collector with this exact subject and status ok
 * exists for item_id (e.g. a backup already verified): *found 1 or 0. */
enum sg_code store_collect_has_ok(struct store *s, const char *collector, const char *item_id,
                                  const char *subject, int *found, struct sg_error *err);

#endif
