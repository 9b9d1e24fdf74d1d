/*
 * store_collect - the host collectors' measurements, and when saasguard
 * first saw a thing (a pending patch), which is how long it has waited.
 */
#ifndef SG_STORE_COLLECT_H
#define SG_STORE_COLLECT_H

#include "store.h"

#endif
