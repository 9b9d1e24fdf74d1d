/*
 * sdnotify - what a daemon tells systemd, and how its log lines reach the
 * journal: readiness and watchdog pings for Type=notify units (sd_notify(3)
 * from libsystemd; no-ops when saasguard runs outside systemd or was built
 * without libsystemd), and the "<N>" priority prefix journald reads from a
 * service's standard error (sd-daemon(3)) when stderr is the journal.
 *
 * Owns no memory; safe to call from the event loop at any rate.
 */
#ifndef SG_SDNOTIFY_H
#define SG_SDNOTIFY_H

/* Syslog priorities as journald reads them. */
enum sdnotify_priority {
	SDNOTIFY_ERR = 3,
	SDNOTIFY_WARNING = 4,
	SDNOTIFY_INFO = 6,
};

/* READY=1 with a one-line STATUS= (NULL for none). */
void sdnotify_ready(const char *status);
/* WATCHDOG=1: the event loop is turning. */
void sdnotify_watchdog(void);
/* STOPPING=1 / RELOADING=1. */
void sdnotify_stopping(void);

/* 1 when standard error is connected to the journal ($JOURNAL_STREAM names
 * its device and inode), so lines need no timestamp but a priority. */
int sdnotify_stderr_is_journal(void);

/* The priority of a daemon log line: failures are errors, refusals and
 * retries warnings, the rest information. */
enum sdnotify_priority sdnotify_classify(const char *line);

#endif
