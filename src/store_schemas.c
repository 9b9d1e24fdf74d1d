/*
 * store_schemas - the schemas store_open() migrates; see store_schemas.h.
 */
#include <stddef.h>

#include "store_schemas.h"
#include "banned.h"

const struct store_schema *const store_schemas[] = {
    &store_ledger_schema,
    &store_monitor_schema,
    &store_monitor_components_schema, /* incident_checks (store_monitor.c) */
    &store_collect_schema,
    &store_report_schema,  /* report_deliveries (the daemon's mailed reports) */
    &store_web_schema,     /* users, sessions, API tokens of `saasguard serve` */
    &store_cluster_schema, /* monitors, lease, locations (store_cluster.c); after monitor's */
    NULL,
};
