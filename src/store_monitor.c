/*
 * store_monitor - the monitor's schema and queries; see store_monitor.h.
 *
 * Times are wall-clock seconds since the epoch (REAL). An interval or
 * incident with a NULL end is still open.
 */
#include <stddef.h>

#include "store_monitor.h"
#include "store_schemas.h"
#include "banned.h"

static const struct store_migration migrations[] = {
    {1, "CREATE TABLE checks("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('liveness','fault','performance',"
        "  'external_network')),"
        " type TEXT NOT NULL CHECK (type IN ('http','tcp','icmp')),"
        " target TEXT NOT NULL,"
        " interval_s REAL NOT NULL,"
        " item_id TEXT,"
        " created_at REAL NOT NULL,"
        " retired_at REAL,"
        " UNIQUE (service, name));"
        "CREATE TABLE check_results("
        " id INTEGER PRIMARY KEY,"
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " at REAL NOT NULL,"
        " ok INTEGER NOT NULL,"
        " latency_ms REAL,"
        " status_code INTEGER,"
        " error TEXT);"
        "CREATE INDEX check_results_by_time ON check_results(check_id, at);"
        /* One row per check and local day: what reports read instead of raw
         * results. lat_hist is 64 little-endian uint32 counters of latency
         * buckets (bucket i holds latencies below 2^(i/4) ms). */
        "CREATE TABLE check_daily("
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " day TEXT NOT NULL,"
        " n INTEGER NOT NULL DEFAULT 0,"
        " n_fail INTEGER NOT NULL DEFAULT 0,"
        " max_gap_s REAL NOT NULL DEFAULT 0,"
        " lat_hist BLOB,"
        " PRIMARY KEY (check_id, day)) WITHOUT ROWID;"
        "CREATE TABLE state_intervals("
        " id INTEGER PRIMARY KEY,"
        " check_id INTEGER NOT NULL REFERENCES checks(id),"
        " state TEXT NOT NULL CHECK (state IN ('up','down','degraded','unknown')),"
        " confirmed INTEGER NOT NULL DEFAULT 1,"
        " start_at REAL NOT NULL,"
        " end_at REAL);"
        "CREATE INDEX state_intervals_by_time ON state_intervals(check_id, start_at);"
        "CREATE TABLE monitor_runs("
        " id INTEGER PRIMARY KEY,"
        " started_at REAL NOT NULL,"
        " last_seen_at REAL NOT NULL,"
        " stopped_at REAL,"
        " pid INTEGER);"
        "CREATE TABLE incidents("
        " id INTEGER PRIMARY KEY,"
        " service TEXT NOT NULL,"
        " check_id INTEGER REFERENCES checks(id),"
        " kind TEXT NOT NULL CHECK (kind IN ('outage','fault','degradation',"
        "  'external_network')),"
        " item_id TEXT,"
        " started_at REAL NOT NULL,"
        " detected_at REAL NOT NULL,"
        " resolved_at REAL,"
        " notify_deadline_s REAL,"
        " followup_deadline_s REAL,"
        " summary TEXT);"
        "CREATE INDEX incidents_by_time ON incidents(service, detected_at);"
        "CREATE TABLE notifications("
        " id INTEGER PRIMARY KEY,"
        " incident_id INTEGER REFERENCES incidents(id),"
        " purpose TEXT NOT NULL CHECK (purpose IN ('incident_open','incident_resolved',"
        "  'followup','deadline_risk','followup_overdue','report','internal')),"
        " audience TEXT NOT NULL CHECK (audience IN ('all_users','admin_contacts',"
        "  'managers')),"
        " channel TEXT NOT NULL CHECK (channel IN ('email','webhook')),"
        " recipient TEXT NOT NULL,"
        " lang TEXT NOT NULL DEFAULT 'ja',"
        " subject TEXT,"
        " body TEXT NOT NULL,"
        " attachment_path TEXT,"
        " created_at REAL NOT NULL,"
        " deadline_at REAL,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at REAL NOT NULL,"
        " last_error TEXT,"
        " delivered_at REAL);"
        "CREATE INDEX notifications_pending ON notifications(delivered_at, next_attempt_at);"
        "CREATE TABLE followups("
        " id INTEGER PRIMARY KEY,"
        " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
        " sent_at REAL NOT NULL,"
        " message TEXT NOT NULL);"},
};

const struct store_schema store_monitor_schema = {
    "monitor",
    migrations,
    (int)(sizeof(migrations) / sizeof(migrations[0])),
};
