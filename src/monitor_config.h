/*
 * monitor_config - the profile's `monitor:`, `service_hours:` and
 * `maintenance:` sections: the checks (kind -> guideline item, interval
 * defaulting to the pattern's reference value, http/tcp/icmp targets and
 * expectations), `confirm`, the contracted service hours and the announced
 * maintenance windows. Every error names file:line:column and what to write
 * instead. Validation that needs the machine (an unprivileged ICMP socket)
 * belongs to the engine, not here.
 *
 * Ownership: monitor_config_load() returns a config freed with
 * monitor_config_free(); every string and compiled regex inside belongs to
 * it. It copies what it keeps, so the profile may be freed first.
 */
#ifndef SG_MONITOR_CONFIG_H
#define SG_MONITOR_CONFIG_H

#include <regex.h>
#include <stddef.h>

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"
#include "profile.h"

enum check_kind {
	CHECK_LIVENESS = 0,
	CHECK_FAULT,
	CHECK_PERFORMANCE,
	CHECK_EXTERNAL_NETWORK,
};

enum check_type {
	CHECK_HTTP = 0,
	CHECK_TCP,
	CHECK_ICMP,
};

struct check_def {
	char *name;
	enum check_kind kind;
	enum check_type type;
	char *target; /* what the records show: the URL with credentials redacted
	               * (redact.h), "host:port" or host */
	/* http */
	char *url;
	char *method;   /* "GET" unless given */
	char **headers; /* "Name: value", nheaders of them */
	size_t nheaders;
	int expect_status; /* 0: any 2xx or 3xx */
	char *expect_body; /* a substring, or a regex when body_regex */
	int body_regex;
	regex_t re;
	int tls_verify;       /* 1 unless `tls_verify: false` */
	int reuse_connection; /* 0: a fresh connection per probe, as a user's browser */
	char *username;       /* with password (from password_file, 0600): HTTP auth */
	char *password;
	/* tcp and icmp; for http the URL's host and port (resolved by the monitor) */
	char *host;
	int port;
	/* timing, seconds */
	double interval_s;
	double reference_s; /* the pattern's reference interval (0: none) */
	int reference_required;
	double timeout_s;
	double max_response_s; /* performance: slower than this is degraded (0: none) */
	int confirm;           /* consecutive failures before an incident */
	char *below_reference_reason;
	const char *item_id; /* "III.1.1.1.a" ... (static) */
	int line, col;       /* where the check is written */
	/* The customer-facing service part the check belongs to (`component:`;
	 * default: its own name). A component's failures are one incident. */
	char *component;
	/* `depends_on:` as written (check or component names), and resolved to
	 * the indices of the checks they name (a component: all its checks).
	 * While one of those is failing, this check's failure opens no incident
	 * and sends no notice; it is recorded as suppressed. */
	char **depends_on;
	size_t ndepends_on;
	size_t *dep_checks;
	size_t ndep_checks;
};

/* days: bit 0 Monday ... bit 6 Sunday. Minutes after local midnight; to_min
 * <= from_min means the window runs past midnight; 24:00 is 1440. */
struct service_hours {
	int given;
	unsigned days;
	int from_min, to_min;
	char *timezone;
};

struct maintenance_window {
	double start, end, announced; /* announced: 0 when not given */
	int mute_alerts;              /* no notifications while it runs (default 1) */
	int exclude;                  /* excluded from availability (default 1; only
	                               * when announced before start) */
	char *note;
	char *announced_by; /* availability_maintenance()'s web windows: the user; else NULL */
};

struct monitor_config {
	char *service;
	int pattern;
	struct check_def *checks;
	size_t nchecks;
	int confirm;
	double retry_s;        /* how soon a failed check is probed again */
	double digest_s;       /* ledger digest of raw results */
	double measure_window; /* rolling window of the measured values */
	/* A component's failure confirmed within this long after its incident
	 * was resolved reopens that incident instead of opening another
	 * (`monitor.incident_window`, default 2 min). */
	double incident_window_s;
	/* How many live locations must confirm a failure before it is an
	 * incident (`monitor.quorum`; 0: a majority of the live ones, see
	 * cluster_quorum()). */
	int quorum;
	/* `monitor.shards: auto`: each location's live monitors split the
	 * checks by rendezvous hashing; 0: every monitor runs every check. */
	int shards_auto;
	/* how long raw results are kept (seconds): successful ones and failures;
	 * defaults: the pattern's III.2.1.3.a and III.2.1.3.b reference values */
	double retention_ok_s, retention_fail_s;
	struct service_hours hours;
	struct maintenance_window *maint;
	size_t nmaint;
	/* query parameters redacted from check URLs besides redact.h's list
	 * (NULL-terminated; NULL: none) */
	char **secret_params;
};

const char *monitor_config_kind_name(enum check_kind k);
const char *monitor_config_type_name(enum check_type t);
/* The incident kind a check's failures open: outage, fault, degradation,
 * external_network. */
const char *monitor_config_incident_kind(enum check_kind k);
/* The guideline item of a check kind's interval ("III.1.1.1.a") and of its
 * notification delay ("III.1.1.1.b"; external_network "III.3.2.5.a"). */
const char *monitor_config_interval_item(enum check_kind k);
const char *monitor_config_notify_item(enum check_kind k);

/* Reads the monitor, service_hours and maintenance sections. A profile with
 * no monitor section gives a config with no checks. */
enum sg_code monitor_config_load(const struct profile *p, const struct catalog *cat,
                                 struct monitor_config **out, struct sg_error *err);
void monitor_config_free(struct monitor_config *cfg);

/* The checks of cfg in a depends_on cycle, written "a -> b -> a" into out
 * (empty when none). Exposed for the unit tests; monitor_config_load()
 * refuses such a config. */
void monitor_config_find_cycle(const struct monitor_config *cfg, struct dynbuf *out);

/* Parses "mon-fri", "mon,wed,sat", "mon-sun", "sat-mon" into day bits;
 * -1 when it is not a day list. */
int monitor_config_days_parse(const char *s);
/* "09:00" -> 540, "24:00" -> 1440; -1 when malformed. */
int monitor_config_time_parse(const char *s);

#endif
