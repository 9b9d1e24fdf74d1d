/*
 * sla - the SLA commitments table (guideline I.8.4: the evaluation items are
 * meant as SLA terms): every evaluation item of the service's pattern with
 * the value the provider commits to (約定値: its own target where it set
 * one, else the value it declared, else the guideline's reference value) in
 * contract wording, values in words (「1ヶ月」, never "1mo"), each time with
 * the point it is measured from. Japanese by default, ready to attach to a
 * contract. Rendered as Markdown, self-contained HTML or JSON from an
 * assessment result. A committed value short of the reference is never
 * changed: sla_shortfalls() tells the provider (not the contract).
 *
 * Writers only append to the caller's dynbuf.
 */
#ifndef SG_SLA_H
#define SG_SLA_H

#include <jansson.h>

#include "assess.h"
#include "dynbuf.h"
#include "error.h"

enum sla_format {
	SLA_MARKDOWN = 0,
	SLA_HTML,
	SLA_JSON,
	SLA_XLSX, /* written by sla_xlsx() (assess_xlsx.h), not sla_write() */
};

extern const char *const sla_format_names[];

/* The commitments as JSON: {"service":{...},"commitments":[{"id","control",
 * "name_ja","name_en","level","required","reference_ja","committed" (value
 * grammar),"committed_ja","committed_en" (words),
 * "committed_from":"target"|"declared"|"reference"|null,"short_of_reference",
 * "applicable","clause_ja","clause_en"}]}. The caller owns the reference. */
json_t *sla_to_json(const struct assess_result *r);

enum sg_code sla_write(const struct assess_result *r, enum sla_format fmt, int lang,
                       struct dynbuf *out, struct sg_error *err);

/* For the provider's eyes: one line per applicable item whose committed value
 * falls short of the reference value; returns how many. */
size_t sla_shortfalls(const struct assess_result *r, int lang, struct dynbuf *out);

#endif
