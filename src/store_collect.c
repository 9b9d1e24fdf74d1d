/*
 * store_collect - the collectors' schema and queries; see store_collect.h.
 */
#include <stddef.h>

#include "store_collect.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE measurements("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " collector TEXT NOT NULL,"
        " item_id TEXT,"
        " subject TEXT,"
        " status TEXT NOT NULL CHECK (status IN ('ok','finding','unavailable','error')),"
        " value_text TEXT,"
        " value_num REAL,"
        " unit TEXT,"
        " evidence TEXT,"
        " detail TEXT,"
        " measured_at REAL NOT NULL);"
        "CREATE INDEX measurements_by_item ON measurements(service, item_id, measured_at);"
        "CREATE TABLE first_seen("
        " key TEXT PRIMARY KEY,"
        " first_seen_at REAL NOT NULL);"},
};

const struct store_schema store_collect_schema = {
    "collect",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};
