/*
 * report_job - making reports on behalf of a profile, shared by `saasguard
 * report` and the monitoring daemon: the inputs a report needs besides the
 * store (the assessment with the measured values, and for the manager
 * summary the ledger's verification status), the profile's `reports:`
 * section, and the daemon's job when a reporting period closes (issue 7):
 * generate each audience's PDF into the reports directory, queue it by mail
 * with the PDF attached (customer report -> admin_contacts, manager summary
 * -> managers) and record the delivery in the store and the ledger in one
 * transaction, so a restart never mails a report twice.
 *
 * Ownership: report_job_inputs_release() frees what report_job_inputs_load() put in
 * the request; report_job_config_release() frees a config's strings. Profiles,
 * stores and configs passed in are borrowed.
 */
#ifndef SG_REPORT_JOB_H
#define SG_REPORT_JOB_H

#include <jansson.h>

#include "catalog.h"
#include "error.h"
#include "ledger.h"
#include "notify.h"
#include "profile.h"
#include "report.h"
#include "store.h"
#include "timeutil.h"
#include "ydoc.h"

/* ---- the inputs of a report ---- */

struct report_job_inputs {
	json_t *assessment;
	char ledger_detail[600];
};

/* Fills req->assessment (the profile's declarations judged together with
 * the collectors' measurements taken in req->period, the worst of each
 * item) and, for the manager summary,
 * req->ledger_status and ledger_detail: the whole ledger verified with the
 * public half of lc's signing key (lc NULL: not checked; no public key:
 * not checked, and the detail says why). req must have its profile,
 * catalog, period, audience, lang and now set. */
enum sg_code report_job_inputs_load(struct report_request *req, struct store *s,
                                    const struct ledger_config *lc, struct report_job_inputs *in,
                                    struct sg_error *err);
void report_job_inputs_release(struct report_job_inputs *in);

/* ---- the profile's `reports:` section ---- */

struct report_job_config {
	int enabled;        /* `enabled:` (default true) */
	char *dir;          /* `dir:`; default `reports` in store_files_dir() */
	unsigned audiences; /* bits (1u << enum report_audience); default both */
};

#define REPORT_CONFIG_KEYS "enabled", "dir", "audiences", "format"

/* Defaults; the directory is `reports` beside db_path. */
void report_job_config_init(struct report_job_config *c, const char *db_path);
/* Reads a `reports:` map (section may be NULL: the defaults stay). A
 * relative dir is taken relative to base_dir (the profile's directory).
 * `format:` may only say pdf (what is mailed). Errors name
 * file:line:column. */
enum sg_code report_job_config_load(struct report_job_config *c, const struct ydoc *doc,
                                    const struct ydoc_node *section, const char *base_dir,
                                    struct sg_error *err);
void report_job_config_release(struct report_job_config *c);

/* ---- the daemon's job when a period closes ---- */

/* The last complete period of the pattern's reporting interval before now
 * (in zone tz), and which of c's audiences still lack a delivered report for
 * it: *pending is a mask of (1u << audience), 0 when reports are off, the
 * period was not monitored at all (no daily rollup of the service's checks
 * in it) or everything was delivered. Reads only the store. */
enum sg_code report_job_due(struct store *s, const struct catalog *cat, const char *service,
                            int pattern, const char *tz, const struct report_job_config *c,
                            double now, struct timeutil_period *period, unsigned *pending,
                            struct sg_error *err);

struct report_delivered {
	enum report_audience audience;
	char path[4096];
	char sha256[65];
	long long recipients; /* messages queued */
};

/* For each audience in `pending`: builds the report of the period as PDF
 * (report_render_generate(): the file is written atomically and a "report"
 * ledger entry records its SHA-256), then in one transaction queues it by
 * mail with the PDF attached, in each recipient's language from notify's
 * report templates (notify_enqueue_report()), records the
 * delivery (store_report_delivered_add()) and appends a "report_mailed"
 * ledger entry. out[] (2 entries) and *nout say what was done; a failure
 * stops at that audience (the ones before stay delivered). Call outside a
 * transaction. */
enum sg_code report_job_deliver(struct store *s, const struct catalog *cat, const struct profile *p,
                                const struct report_job_config *c, const struct ledger_config *lc,
                                const struct notify_config *nc,
                                const struct timeutil_period *period, unsigned pending, double now,
                                struct report_delivered out[2], size_t *nout, struct sg_error *err);

/* The file name of a delivered report inside the reports directory:
 * SERVICE-PERIOD-AUDIENCE.pdf, with '/', control characters and a leading
 * '.' of the service name replaced by '_'. Caller frees. */
char *report_job_file_name(const char *service, const char *period, enum report_audience a);

#endif
