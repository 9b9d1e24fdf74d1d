/*
 * web_reports - a service's reports as the dashboard and the API show them.
 * The list is the ledger's "report" entries of the service: every report
 * the command (`saasguard report`), the daemon (period close) and the web
 * generated, newest first. A file is served only when it lies in the
 * service's reports directory (the profile's `reports: dir:`, default
 * `reports` beside the database) and its SHA-256 is still the recorded one.
 * Generating runs the report job of the command and the daemon
 * (report_job_inputs_load(), report_render_generate()): a PDF in the reports
 * directory, recorded in the ledger with the user's name ("by").
 *
 * Ownership: web_reports_list() returns an array freed with
 * web_reports_free(); web_reports_generate() fills a caller's struct whose
 * strings web_reports_free(out, 1) would free, so it takes one it frees
 * with web_report_release().
 */
#ifndef SG_WEB_REPORTS_H
#define SG_WEB_REPORTS_H

#include <stddef.h>

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"
#include "report.h"
#include "store.h"
#include "web_site.h"

struct web_report {
	long long seq; /* the ledger entry: the report's id on the web */
	char period[32], audience[16], format[8], sha256[65];
	long long bytes;
	double at;        /* when it was recorded (seconds) */
	char *path;       /* as recorded */
	char *by;         /* the web user, or NULL (command, daemon) */
	int downloadable; /* in the reports directory and unchanged */
};

enum sg_code web_reports_list(struct store *s, const struct web_service *svc,
                              struct web_report **out, size_t *n, struct sg_error *err);
void web_report_release(struct web_report *r);
void web_reports_free(struct web_report *r, size_t n);

/* The file of report seq into body, with its content type in *type.
 * SG_ERR_NOT_FOUND when there is no such report of the service, or its file
 * is missing, outside the reports directory or changed. */
enum sg_code web_reports_read(struct store *s, const struct web_service *svc, long long seq,
                              struct dynbuf *body, const char **type, struct sg_error *err);

/* Generates the PDF of period (NULL: `saasguard report`'s default, the last
 * complete period with monitoring records) for audience in lang, as user.
 * Bad periods are SG_ERR_INPUT/SG_ERR_USAGE with the message of the command. */
enum sg_code web_reports_generate(struct store *s, const struct catalog *cat,
                                  const struct web_service *svc, const char *period,
                                  enum report_audience audience, enum sg_lang lang,
                                  const char *user, struct web_report *out, struct sg_error *err);

#endif
