/*
 * store_monitor - the monitor's tables: checks, raw results, daily rollups,
 * state intervals (the basis of time-weighted availability), the monitor's
 * own run heartbeats, incidents, the notification outbox and follow-ups.
 * docs/internals/store.md describes every column.
 */
#ifndef SG_STORE_MONITOR_H
#define SG_STORE_MONITOR_H

#include "store.h"

#endif
