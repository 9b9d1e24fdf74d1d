/*
 * judge - how a value is judged against a typed reference value of the
 * guideline (issue 3): intervals and delays at most the reference, minimums
 * at least, service+N at least N, every_backup, standby (cold accepts hot),
 * authentication methods by strength (password < ic_card = biometric =
 * certificate), encryption any of, originality all of, done (true), 24x7.
 *
 * Used by the profile (is a value of the right type, is a target stricter
 * than the reference) and the assessment (meets or falls short). Pure
 * functions over struct value; nothing is allocated.
 */
#ifndef SG_JUDGE_H
#define SG_JUDGE_H

#include "catalog.h"
#include "value.h"

/* The reference an item is judged by for a pattern: the pattern's own, or,
 * when the pattern has "-", the first pattern's that has a kind (so a
 * provider's target for a "-" is judged the same way as the others). Never
 * NULL for a catalog item. */
const struct reference_value *judge_model(const struct eval_item *it, int pattern);

/* Whether v has a type that can be judged by kind (with model's set for
 * sets). */
int judge_fits(enum ref_kind kind, const struct value *model, const struct value *v);

/* Whether v meets threshold (a value of the same kind): 1 meets, 0 falls
 * short. v must fit (judge_fits); an unfit value falls short. */
int judge_meets(enum ref_kind kind, const struct value *threshold, const struct value *v);

/* Whether a larger duration is better for the kind (retention, UPS time):
 * for measured_set_find(). */
int judge_larger_is_better(enum ref_kind kind);

/* What to write for a value of kind, for hints: "a duration such as 5m". */
const char *judge_expected(enum ref_kind kind, const struct value *model, int lang);

#endif
