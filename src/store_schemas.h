/*
 * store_schemas - the list of every module's schema that store_open()
 * migrates. A module with tables adds its store_MODULE_schema here.
 */
#ifndef SG_STORE_SCHEMAS_H
#define SG_STORE_SCHEMAS_H

#include "store.h"

extern const struct store_schema store_ledger_schema;
extern const struct store_schema store_monitor_schema;
extern const struct store_schema store_collect_schema;
extern const struct store_schema store_report_schema;
extern const struct store_schema store_web_schema;

/* NULL-terminated, in the order migrations run. */
extern const struct store_schema *const store_schemas[];

#endif
