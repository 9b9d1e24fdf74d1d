/*
 * oscal - NIST OSCAL 1.1.3 documents built from the catalog: the catalog
 * itself (groups for sections, controls with statement and guidance parts,
 * props for level, params for evaluation items) and one profile per pattern
 * whose set-parameters carry that pattern's reference values. Other modules
 * build their OSCAL documents (assessment results) with the helpers here.
 *
 * Ownership: every function that returns a json_t gives the caller one
 * reference, released with json_decref().
 */
#ifndef SG_OSCAL_H
#define SG_OSCAL_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "error.h"

#define OSCAL_VERSION "1.1.3"
#define OSCAL_NS      "urn:saasguard:oscal"
/* The href a profile uses to import the catalog export. */
#define OSCAL_CATALOG_HREF "saasguard-catalog.oscal.json"

enum sg_code oscal_catalog(const struct catalog *c, json_t **out, struct sg_error *err);
enum sg_code oscal_profile(const struct catalog *c, int pattern, json_t **out,
                           struct sg_error *err);

size_t oscal_count_items(const struct catalog *c);

/* A name-based (version 5) UUID, so the same document gets the same ids on
 * every export. out holds 37 bytes. */
void oscal_uuid(const char *name, char out[37]);
/* OSCAL metadata: title, last-modified (now, or SOURCE_DATE_EPOCH), version. */
json_t *oscal_metadata(const char *title, const char *version);
/* A prop in saasguard's namespace. */
json_t *oscal_prop(const char *name, const char *value, const char *klass);
/* RFC 3339 UTC timestamp of t (seconds since the epoch). out holds 32. */
void oscal_time(long long t, char out[32]);

#endif
