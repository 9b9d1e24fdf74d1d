/* libFuzzer target: the monitor, notify, service_hours and maintenance
 * sections of a profile (monitor_config_load, notify_config_load). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_config.h"
#include "notify.h"

static struct catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	struct monitor_config *mc = NULL;
	struct notify_config *nc = NULL;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	if (!cat && catalog_load(&cat, &err))
		abort();
	if (profile_parse((const char *)data, size, "fuzz.yaml", cat, &p, &err) == SG_OK) {
		if (monitor_config_load(p, cat, &mc, &err) == SG_OK) {
			for (size_t i = 0; i < mc->nchecks; i++)
				if (mc->checks[i].interval_s < 1 || !mc->checks[i].target)
					abort();
			monitor_config_free(mc);
		}
		if (notify_config_load(p, &nc, &err) == SG_OK)
			notify_config_free(nc);
	}
	profile_free(p);
	return 0;
}
