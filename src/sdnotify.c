/*
 * sdnotify - readiness, watchdog and journal priorities (see sdnotify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_SD_JOURNAL
#include <systemd/sd-daemon.h>
#endif

#include "sdnotify.h"
#include "banned.h"

static void notify(const char *msg)
{
#ifdef HAVE_SD_JOURNAL
	sd_notify(0, msg);
#else
	(void)msg;
#endif
}

void sdnotify_ready(const char *status)
{
	char buf[256];

	if (status)
		snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	else
		snprintf(buf, sizeof(buf), "READY=1");
	notify(buf);
}

void sdnotify_watchdog(void)
{
	notify("WATCHDOG=1");
}

void sdnotify_stopping(void)
{
	notify("STOPPING=1");
}

int sdnotify_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

enum sdnotify_priority sdnotify_classify(const char *line)
{
	static const char *const err[] = {"failed", "cannot", "error", "store:", NULL};
	static const char *const warn[] = {"warning", "refused", "retry", "keeping", NULL};

	for (size_t i = 0; err[i]; i++)
		if (strstr(line, err[i]))
			return SDNOTIFY_ERR;
	for (size_t i = 0; warn[i]; i++)
		if (strstr(line, warn[i]))
			return SDNOTIFY_WARNING;
	return SDNOTIFY_INFO;
}
