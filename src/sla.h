/*
 * sla - the SLA commitments table (issue 3, guideline I.8.4: the evaluation
 * items are meant as SLA terms): every evaluation item of the service's
 * pattern with the value the provider commits to (its own target where it
 * set a stricter one, else the guideline's reference value) in contract
 * wording, Japanese by default, ready to attach to a contract. Rendered as
 * Markdown, self-contained HTML or JSON from an assessment result.
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
 * "name_ja","name_en","level","required","reference_ja","committed",
 * "committed_from":"target"|"reference"|null,"applicable","clause_ja",
 * "clause_en"}]}. The caller owns the reference. */
json_t *sla_to_json(const struct assess_result *r);

enum sg_code sla_write(const struct assess_result *r, enum sla_format fmt, int lang,
                       struct dynbuf *out, struct sg_error *err);

/* A duration in Japanese contract wording: 300 s -> "5分", 1y -> "1年". */
void sla_duration_ja(double seconds, struct dynbuf *out);

#endif
