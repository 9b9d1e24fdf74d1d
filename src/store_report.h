/*
 * store_report - the queries reports run over the monitor's and the
 * collectors' tables, and the report's one table of its own,
 * report_deliveries: which report (service, period, audience) the daemon
 * has generated and queued for mail, so a restart never mails it twice.
 * Each walking function streams rows to a callback; the row's strings are
 * valid only during the call. Reports read the daily rollups (check_daily),
 * never check_results.
 *
 * A callback returning non-zero stops the walk; the function then returns
 * SG_OK.
 */
#ifndef SG_STORE_REPORT_H
#define SG_STORE_REPORT_H

#include <stddef.h>

#include "store.h"

struct store_report_check {
	long long id;
	const char *name, *kind;
	double interval_s;
};
typedef int (*store_report_check_cb)(const struct store_report_check *row, void *ctx);
/* Checks of a service that existed at some time in [start, end). */
enum sg_code store_report_checks(struct store *s, const char *service, double start, double end,
                                 store_report_check_cb cb, void *ctx, struct sg_error *err);

struct store_report_daily {
	const char *day; /* "2026-11-03" */
	long long check_id;
	const char *kind;
	long long n, n_fail;
	double max_gap_s;
	const unsigned char *hist; /* 64 little-endian uint32, or NULL */
	size_t hist_len;
};
typedef int (*store_report_daily_cb)(const struct store_report_daily *row, void *ctx);
/* check_daily rows of the service's checks with day_from <= day < day_to,
 * ordered by day. */
enum sg_code store_report_daily(struct store *s, const char *service, const char *day_from,
                                const char *day_to, store_report_daily_cb cb, void *ctx,
                                struct sg_error *err);

struct store_report_incident {
	long long id;
	const char *kind, *check_name, *item_id, *summary; /* the last three may be NULL */
	double started, detected, resolved;                /* resolved NAN while open */
	double notify_deadline_s, followup_deadline_s;     /* NAN when none */
	double first_notice; /* first delivered incident_open notification; NAN */
};
typedef int (*store_report_incident_cb)(const struct store_report_incident *row, void *ctx);
/* Incidents of the service detected before end and not resolved before
 * start, ordered by detection. */
enum sg_code store_report_incidents(struct store *s, const char *service, double start, double end,
                                    store_report_incident_cb cb, void *ctx, struct sg_error *err);

typedef int (*store_report_followup_cb)(long long incident_id, double sent_at, void *ctx);
/* Follow-ups of the same incidents, ordered by incident and time. */
enum sg_code store_report_followups(struct store *s, const char *service, double start, double end,
                                    store_report_followup_cb cb, void *ctx, struct sg_error *err);

struct store_report_delivery {
	long long id, incident_id; /* incident_id 0 when none */
	const char *purpose, *audience, *channel, *recipient, *last_error;
	long long attempts;
	double created, deadline, delivered; /* NAN when none */
};
typedef int (*store_report_delivery_cb)(const struct store_report_delivery *row, void *ctx);
/* Notifications created in [start, end) (of the service's incidents, or of
 * none) that were delivered after their deadline, are still undelivered
 * after a failed attempt, or are undelivered past their deadline at `now`. */
enum sg_code store_report_deliveries_at_risk(struct store *s, const char *service, double start,
                                             double end, double now, store_report_delivery_cb cb,
                                             void *ctx, struct sg_error *err);

struct store_report_measurement {
	const char *collector, *item_id, *subject, *status, *value_text, *unit, *detail;
	double value_num; /* NAN when none */
	double measured_at;
};
typedef int (*store_report_measurement_cb)(const struct store_report_measurement *row, void *ctx);
/* Measurements of the service taken in [start, end). findings_only: only the
 * latest row per (collector, item, subject) whose status is not ok. Ordered
 * by item, then time. */
enum sg_code store_report_measurements(struct store *s, const char *service, double start,
                                       double end, int findings_only,
                                       store_report_measurement_cb cb, void *ctx,
                                       struct sg_error *err);

/* ---- report_deliveries: what the daemon mailed ---- */

/* *done = 1 when the report of (service, period, audience) is recorded as
 * delivered (generated and queued for mail). */
enum sg_code store_report_delivered(struct store *s, const char *service, const char *period,
                                    const char *audience, int *done, struct sg_error *err);

struct store_report_delivery_rec {
	const char *service, *period, *audience, *path, *sha256;
	long long recipients; /* messages queued */
	double at;
};
/* Records a delivery; joins the caller's transaction (where the mail is
 * queued and the ledger entry written). Recording one twice is an error. */
enum sg_code store_report_delivered_add(struct store *s, const struct store_report_delivery_rec *r,
                                        struct sg_error *err);

/* *has = 1 when the monitor recorded a daily rollup of one of the service's
 * checks with day_from <= day < day_to (local dates): the period was
 * monitored, so it has a report to send. */
enum sg_code store_report_monitored(struct store *s, const char *service, const char *day_from,
                                    const char *day_to, int *has, struct sg_error *err);

#endif
