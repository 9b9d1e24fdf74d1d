/*
 * daemon_reports - the monitoring daemon's period-close reports as a job
 * beside probing (struct monitor_job, monitor.h): hourly, and at the end of
 * --once, when the last complete reporting period has reports not yet
 * delivered, it generates, keeps and mails them (report_job_deliver());
 * decided from the store, so a restart never mails twice. It owns the
 * profile's `reports:` configuration (reloaded with the profile on SIGHUP)
 * and the PDF renderer's caches, freed at shutdown. The monitor engine
 * knows nothing of reports.
 *
 * Ownership: daemon_reports_new() returns state the caller frees with
 * daemon_reports_free() after monitor_run() returned; the job filled by
 * daemon_reports_job() points into it.
 */
#ifndef SG_DAEMON_REPORTS_H
#define SG_DAEMON_REPORTS_H

#include "monitor.h"

struct daemon_reports;

/* db_path: where reports are kept by default (beside the database). */
struct daemon_reports *daemon_reports_new(const char *db_path);
void daemon_reports_free(struct daemon_reports *d);
void daemon_reports_job(struct daemon_reports *d, struct monitor_job *job);

#endif
