/*
 * collect - the host collectors behind `saasguard check`: what each measures
 * on the provider's own servers (time sync, patches, antivirus and IDS
 * signatures, backups, log retention, TLS, firewall, password hashes), for
 * which guideline items, and how a run's results are judged against the
 * pattern's reference values, stored as measurements and recorded in the
 * ledger in one transaction.
 *
 * Every collector (collect_NAME.c) implements one interface: it parses its
 * part of the profile's `collectors:` section (errors at file:line:column),
 * then runs against that configuration and appends results. A collector
 * never prints, never runs a shell (subproc.h), reaches no network beyond the
 * service URLs in the profile, and bounds its time by ctx->timeout_s per
 * program or connection.
 *
 * Ownership: struct collect_results owns its results and every string in
 * them; collect_results_release() frees them. A struct collect_plan owns
 * each collector's parsed configuration; collect_plan_release() frees it.
 */
#ifndef SG_COLLECT_H
#define SG_COLLECT_H

#include <stddef.h>

#include "catalog.h"
#include "error.h"
#include "profile.h"
#include "store.h"
#include "store_collect.h"
#include "ydoc.h"

/* The measurements of one run; owns every string they point to. */
struct collect_results {
	struct measurement *v;
	size_t n, alloc;
};

/* What a collector may use while it runs. */
struct collect_ctx {
	const struct catalog *cat;
	int pattern;         /* 1..6 */
	struct store *store; /* may be NULL (first_seen then counts from now) */
	double now;          /* timeutil_now() at the start of the run */
	double timeout_s;    /* per program run or network connection */
	const char *root;    /* prefix for default system paths ("" for /) */
	int lang;            /* enum sg_lang for detail texts */
};

struct collector {
	const char *name;
	const char *items; /* the guideline items it measures, for help and docs */
	/* Parses the collector's configuration node (NULL: not configured, use
	 * the defaults); *cfg receives what run() takes. */
	enum sg_code (*parse)(const struct ydoc *doc, const struct ydoc_node *node, void **cfg,
	                      struct sg_error *err);
	/* Measures; appends results. Returns non-OK only for a defect of saasguard
	 * (results with status error carry what went wrong on the host). */
	enum sg_code (*run)(void *cfg, const struct collect_ctx *ctx, struct collect_results *out,
	                    struct sg_error *err);
	void (*free_cfg)(void *cfg);
};

/* The collectors chosen for a run and their configuration. */
struct collect_plan {
	struct {
		const struct collector *c;
		void *cfg;
	} v[16];
	size_t n;
	double timeout_s;
	char *root;
};

/* Reads the profile's `collectors:` section. only: comma-separated names or
 * NULL for every collector; a collector set to `false` in the profile is left
 * out unless named in only. */
enum sg_code collect_plan_load(const struct profile *p, const char *only, struct collect_plan *plan,
                               struct sg_error *err);
void collect_plan_release(struct collect_plan *plan);

/* Runs the plan; every result lands in out with its status judged. */
enum sg_code collect_run(const struct collect_plan *plan, const struct collect_ctx *ctx,
                         struct collect_results *out, struct sg_error *err);

/* Stores every result as a measurement of the service and appends one
 * ledger entry ("measurements") for the run, in one transaction. */
enum sg_code collect_store(struct store *s, const char *service, int pattern,
                           struct collect_results *res, long long *ledger_seq,
                           struct sg_error *err);

/* Judges a measured value against the pattern's reference value of item:
 * 1 a finding (falls short), 0 meets it, -1 no reference to judge by. */
int collect_judge(const struct catalog *cat, int pattern, const char *item_id,
                  const struct value *v);

/* Result helpers for collectors. add() copies the strings (any may be
 * NULL); it returns the new result so a collector can adjust it. */
struct measurement *collect_add(struct collect_results *out, const char *collector,
                                const char *item_id, const char *subject,
                                enum measurement_status status, const char *value_text,
                                double value_num, const char *unit, const char *evidence,
                                const char *detail);
void collect_results_release(struct collect_results *r);

/* A duration for a value_text: rounded up to whole minutes ("ceil") for
 * ages and waits, down for retention, in the largest exact unit ("26h"). */
char *collect_duration_text(double seconds, int round_up);

/* root + path when path is a default system path; path as is otherwise. */
char *collect_path(const struct collect_ctx *ctx, const char *path);

/* Shared config readers (errors at the node). */
enum sg_code collect_cfg_str(const struct ydoc *doc, const struct ydoc_node *map, const char *key,
                             const char *what, char **out, struct sg_error *err);
enum sg_code collect_cfg_duration(const struct ydoc *doc, const struct ydoc_node *map,
                                  const char *key, const char *what, double *out,
                                  struct sg_error *err);
/* A string or a list of strings; appends copies to *out (n entries). */
enum sg_code collect_cfg_strlist(const struct ydoc *doc, const struct ydoc_node *n,
                                 const char *what, char ***out, size_t *nout, struct sg_error *err);
void collect_strlist_free(char **v, size_t n);

/* The collectors (collect_NAME.c). */
extern const struct collector collector_time, collector_patches, collector_antivirus, collector_ids,
    collector_backup, collector_logs, collector_tls, collector_firewall, collector_passwords;

#endif
