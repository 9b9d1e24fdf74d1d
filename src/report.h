/*
 * report - the periodic customer report (III.1.1.7) and the manager summary
 * (III.1.1.4): a model of one service over one period (a month, quarter or
 * half), built from the store, the assessment and an availability series,
 * and written as JSON, HTML or PDF by report_json/report_html/report_pdf
 * (chosen by report_render, which sits above the model: the model knows
 * nothing of its writers).
 *
 * report_build() fills a struct report; every string and array in it belongs
 * to the report and is freed by report_release(). The availability series is
 * computed by a pluggable function (struct report_request.availability),
 * by default report_availability_monitor(): the monitor's service-hours and
 * maintenance-aware accounting, so a report and `saasguard availability`
 * always agree.
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"
#include "i18n.h"
#include "profile.h"
#include "store.h"
#include "timeutil.h"

enum report_audience {
	REPORT_USERS = 0, /* the customer report (III.1.1.7) */
	REPORT_MANAGERS,  /* the manager summary (III.1.1.4): adds the assessment & risks */
};

enum report_format {
	REPORT_FORMAT_HTML = 0,
	REPORT_FORMAT_PDF,
	REPORT_FORMAT_JSON,
};

/* Whether a deadline was kept. */
enum report_deadline {
	DEADLINE_MET = 0,
	DEADLINE_MISSED,  /* done late, or not done and the deadline has passed */
	DEADLINE_PENDING, /* not done yet, the deadline still ahead */
	DEADLINE_NONE,    /* no deadline applies */
};

enum report_sla_verdict {
	SLA_MET = 0,
	SLA_MISSED,
	SLA_NO_DATA,       /* nothing measured or declared for the period */
	SLA_NO_COMMITMENT, /* "-" in the guideline and no target of the provider's */
};

/* The ledger's verification status, filled by the caller (the ledger module
 * verifies; the report only shows the result). */
enum report_ledger_status {
	REPORT_LEDGER_NOT_CHECKED = 0,
	REPORT_LEDGER_VERIFIED,
	REPORT_LEDGER_FAILED,
};

/* ---- availability: what the pluggable computation returns ---- */

struct report_avail_day {
	char day[11];         /* local date "2026-11-03" */
	long long start, end; /* the day's bounds (epoch seconds) */
	double measured_s;    /* seconds counted (0: the day is in the future) */
	double down_s;        /* seconds counted as down */
	double achieved;      /* percent; NAN when measured_s is 0 */
};

struct report_maintenance {
	long long start, end;
	long long announced; /* 0 when not announced */
	char *note;          /* may be NULL */
};

struct report_availability {
	double achieved;   /* percent over the period; NAN when nothing was counted */
	double committed;  /* percent the provider commits to (III.2.1.1.a) */
	double measured_s; /* seconds with a monitoring record (up or down) */
	double down_s;     /* seconds counted as down */
	double counted_s;  /* service time less announced maintenance, up to now */
	double coverage;   /* measured_s / counted_s (0..1); NAN when nothing counted */
	int provisional;   /* coverage below AVAILABILITY_MIN_COVERAGE: a provisional
	                      figure (暫定値), marked so in every output */
	struct report_avail_day *days;
	size_t ndays;
	struct report_maintenance *maintenance; /* windows held in the period */
	size_t nmaintenance;
	char *method_ja; /* how availability was counted, for the reader */
	char *method_en;
};

struct report_request;

/* Computes the availability series of the request's service and period. */
typedef enum sg_code (*report_availability_fn)(struct store *s, const struct report_request *req,
                                               struct report_availability *out,
                                               struct sg_error *err);

/* The monitor's service-hours and maintenance-aware accounting
 * (availability_for_period()), per local day and over the period up to now;
 * the maintenance windows of the profile that fall in the period are listed.
 * Committed is the pattern's III.2.1.1.a reference. */
enum sg_code report_availability_monitor(struct store *s, const struct report_request *req,
                                         struct report_availability *out, struct sg_error *err);

/* ---- the request ---- */

/* How the period was chosen (stated in the report and by the command). */
enum report_period_choice {
	REPORT_PERIOD_REQUESTED = 0,  /* --period, or the daemon's closed period */
	REPORT_PERIOD_LAST_WITH_DATA, /* default: the last complete period with data */
	REPORT_PERIOD_CURRENT,        /* default: no complete period has data */
};

struct report_request {
	const struct catalog *catalog;
	const struct profile *profile;
	struct timeutil_period period;
	const char *tz; /* the zone days and dates are in ("Asia/Tokyo") */
	enum report_audience audience;
	enum sg_lang lang;
	double now;               /* generation time (timeutil_now()) */
	const json_t *assessment; /* `assess --format json` output, or NULL: section left out */
	report_availability_fn availability; /* NULL: report_availability_monitor */
	enum report_ledger_status ledger_status;
	const char *ledger_detail; /* a line for the reader, or NULL */
	enum report_period_choice period_choice;
	const char *by; /* the web user who asked for it (the ledger entry's "by"), or NULL */
};

/* Sets the defaults: Japanese, users, now, zone from the profile's
 * service_hours.timezone (else Asia/Tokyo), the simple availability. */
void report_request_init(struct report_request *req, const struct catalog *cat,
                         const struct profile *p);

/* The reporting interval of a pattern in months (III.1.1.7.a: 1, 3 or 6). */
int report_interval_months(const struct catalog *cat, int pattern);

/* Parses --period (or, when s is NULL, the last complete period of the
 * pattern's interval before now). */
enum sg_code report_period(const struct catalog *cat, int pattern, const char *s, const char *tz,
                           double now, struct timeutil_period *out, struct sg_error *err);

/* The default period of `saasguard report`: the newest complete period of
 * the pattern's interval (looking back up to three years) in which the
 * monitor recorded a daily rollup of the service; when none has, the current
 * period (up to now). *choice says which. */
enum sg_code report_period_default(struct store *s, const struct catalog *cat,
                                   const struct profile *p, const char *tz, double now,
                                   struct timeutil_period *out, enum report_period_choice *choice,
                                   struct sg_error *err);
const char *report_period_choice_name(enum report_period_choice c);

/* ---- the model ---- */

/* One event: the service's incidents that overlap in time (the monitor
 * opens one per failing check, so one cause can open several), merged.
 * Reports count events, not raw incidents. An event's kind is its most
 * severe incident's; its times are the earliest start, detection and first
 * notice and the latest resolution (NAN while one is open); its deadlines
 * the strictest; its follow-ups all of theirs. */
struct report_incident {
	long long id;   /* the event's number: its first incident's id */
	long long *ids; /* the incidents merged into it, in detection order */
	size_t nids;
	char *kind;       /* outage | fault | degradation | external_network */
	char *check_name; /* the checks' internal names, ", "-joined; may be NULL
	                     (managers only: never in a customer text) */
	char *item_id;    /* may be NULL */
	char *label;      /* the checks' customer-facing labels (`label:`), "・"-joined;
	                     NULL when none has one */
	char *summary;    /* the monitor's raw error; may be NULL (managers only,
	                     translated by report_text_error()) */
	double started, detected;
	double resolved;     /* NAN while open */
	double first_notice; /* first delivered incident_open notice; NAN when none */
	double notify_deadline_s, followup_deadline_s; /* NAN when none */
	double *followups;                             /* sent_at of each follow-up, in order */
	size_t nfollowups;
	enum report_deadline notice, followup;
};

struct report_sla_row {
	const struct eval_item *item;
	int required;    /* the reference carries "*" */
	char *committed; /* text: the provider's target, else the reference value */
	char *achieved;  /* text, NULL when no data */
	char *source;    /* "monitor", "collector:backup", "declared", NULL */
	enum report_sla_verdict verdict;
};

struct report_perf_day {
	char day[11];
	unsigned long long n; /* probes with a latency */
	double p50, p95, p99; /* ms; NAN when n is 0 */
};

struct report_short_item {
	char *id, *reference, *value, *severity;
	int required;
};

struct report_overdue {
	long long incident_id;
	char *kind;
	double detected, due;
	double sent; /* the late follow-up's time, NAN when none was sent */
};

struct report_finding {
	char *collector, *item_id, *subject, *status, *value, *detail;
	double measured_at;
};

struct report_delivery {
	long long id, incident_id; /* incident_id 0 when none */
	char *purpose, *audience, *channel, *recipient, *last_error;
	long long attempts;
	double created, deadline, delivered; /* NAN when none */
	char *state;                         /* "failing" | "late" | "pending_overdue" */
};

struct report_checks {
	long long checks, liveness, fault, performance, external_network;
	unsigned long long probes, failures;
};

struct report {
	/* what it is */
	char *service;
	char *provider; /* the provider's name (`provider.name`), else NULL */
	int pattern;
	enum report_audience audience;
	enum sg_lang lang;
	struct timeutil_period period;
	char *tz;
	int interval_months; /* the pattern's reporting interval */
	double generated_at;
	enum report_period_choice period_choice;
	int has_data; /* the monitor recorded a daily rollup in the period */

	struct report_checks checks;
	struct report_availability availability;

	struct report_sla_row *sla;
	size_t nsla;

	struct report_incident *incidents; /* events (see struct report_incident) */
	size_t nincidents;
	size_t nraw_incidents; /* incidents merged into those events */
	size_t notices_met, notices_missed, followups_met, followups_missed;

	struct report_perf_day *perf; /* one per day of the period */
	size_t nperf;
	double p50, p95, p99; /* over the period, ms; NAN when none */
	unsigned long long perf_n;

	/* managers only */
	int has_assessment;
	long long gaps_critical, gaps_high, gaps_medium; /* items falling short */
	long long controls_gap, controls_compliant, controls_total;
	struct report_short_item *short_items; /* `*` items falling short */
	size_t nshort_items;
	struct report_overdue *overdue;
	size_t noverdue;
	struct report_finding *findings;
	size_t nfindings;
	struct report_delivery *deliveries;
	size_t ndeliveries;
	enum report_ledger_status ledger_status;
	char *ledger_detail;
};

/* Builds the model. On error the report is released. */
enum sg_code report_build(struct store *s, const struct report_request *req, struct report *out,
                          struct sg_error *err);
void report_release(struct report *r);

const char *report_format_name(enum report_format f);
const char *report_audience_name(enum report_audience a);
const char *report_deadline_name(enum report_deadline d);
const char *report_sla_verdict_name(enum report_sla_verdict v);
const char *report_ledger_status_name(enum report_ledger_status s);

#endif
