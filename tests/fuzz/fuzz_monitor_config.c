/* libFuzzer target: the monitor, notify, service_hours, maintenance and
 * reports sections of a profile (monitor_config_load, notify_config_load,
 * report_job_config_load). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_config.h"
#include "notify.h"
#include "report_job.h"

static struct catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	struct monitor_config *mc = NULL;
	struct notify_config *nc = NULL;
	struct report_job_config rc;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	if (!cat && catalog_load(&cat, &err))
		abort();
	if (profile_parse((const char *)data, size, "fuzz.yaml", cat, &p, &err) == SG_OK) {
		if (monitor_config_load(p, cat, &mc, &err) == SG_OK) {
			for (size_t i = 0; i < mc->nchecks; i++)
				if (mc->checks[i].interval_s < 1 || !mc->checks[i].target)
					abort();
			if (mc->quorum < 0 || mc->quorum > 1000 || (mc->shards_auto & ~1))
				abort(); /* monitor.quorum 1..1000 (0: majority), shards auto or not
				          */
			monitor_config_free(mc);
		}
		if (notify_config_load(p, &nc, &err) == SG_OK)
			notify_config_free(nc);
		report_job_config_init(&rc, "/var/lib/saasguard/saasguard.db");
		if (report_job_config_load(&rc, p->doc, profile_section(p, "reports"), "/etc",
		                           &err) == SG_OK &&
		    (!rc.dir || rc.audiences > 3u))
			abort();
		report_job_config_release(&rc);
	}
	profile_free(p);
	return 0;
}
