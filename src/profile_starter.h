/*
 * profile_starter - the starter profile `saasguard init` writes: the service
 * block; every other section (provider:, partners:, monitor:, notify:,
 * service_hours:, collectors:, ledger:, reports:) with guidance in comments
 * (provider: commented out as a whole); and every one of the guideline's 68
 * countermeasures in I.8.6's order (II, then III basic, then III
 * recommended), each with a comment carrying its requirement (Japanese
 * text, or the English summary) and the pattern's reference values, and
 * commented-out example values in the value grammar. The result loads with
 * profile_load() (and every section's loader) as it is.
 *
 * Appends to the caller's dynbuf; allocates nothing the caller must free.
 */
#ifndef SG_PROFILE_STARTER_H
#define SG_PROFILE_STARTER_H

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"

struct starter_opts {
	const char *name; /* the service's name; NULL: a placeholder */
	int pattern;      /* 1..6 */
	int classified;   /* write the classification instead of the pattern */
	int personal_information, trade_secrets;
	const char *availability; /* "high" | "medium" | "low" */
	int lang;                 /* comments in Japanese (0) or English (1) */
};

enum sg_code profile_starter(const struct catalog *cat, const struct starter_opts *o,
                             struct dynbuf *out, struct sg_error *err);

#endif
