/*
 * profile - one service's profile file (YAML): who the service is (name,
 * pattern, or the classification that gives the pattern) and what its
 * provider declares per countermeasure (status, owner, evidence, values,
 * targets, reasons). Parsing and validation with exact file:line:column
 * positions live here.
 *
 * The same file carries other modules' sections (monitor, notify,
 * service_hours, maintenance, collectors, ledger, reports); profile checks
 * that no unknown top-level key is present and keeps the parsed tree
 * (`doc`) so each of those modules reads its own section with the ydoc
 * helpers.
 *
 * Ownership: profile_load() returns a profile freed with profile_free();
 * every string and node inside belongs to it.
 */
#ifndef SG_PROFILE_H
#define SG_PROFILE_H

#include <stddef.h>

#include "catalog.h"
#include "error.h"
#include "ydoc.h"

/* Top-level sections of a profile file and the module that reads each. */
#define PROFILE_SECTIONS                                                                           \
	"service", "controls", "monitor", "notify", "service_hours", "maintenance", "collectors",  \
	    "ledger", "reports"

struct profile_service {
	const char *name;
	int pattern;                             /* 1..6, given or from the classification */
	int classified;                          /* the pattern came from classification */
	int personal_information, trade_secrets; /* -1 when not given */
	const char *availability;                /* "high" | "medium" | "low" | NULL */
	const struct ydoc_node *node;
};

struct profile {
	char *path;
	struct ydoc *doc;
	struct profile_service service;
	unsigned char sha256[32]; /* of the file's bytes, for the ledger */
};

/* Reads and validates path against the catalog. Bad input: SG_ERR_INPUT with
 * file:line:column and a hint in err. */
enum sg_code profile_load(const char *path, const struct catalog *cat, struct profile **out,
                          struct sg_error *err);
/* As profile_load() from memory; `name` is used in messages. */
enum sg_code profile_parse(const char *text, size_t len, const char *name,
                           const struct catalog *cat, struct profile **out, struct sg_error *err);
void profile_free(struct profile *p);

/* A top-level section's node, or NULL when the file has none. */
const struct ydoc_node *profile_section(const struct profile *p, const char *name);

#endif
