/*
 * report_text - a report's numbers as a person reads them: durations
 * ("1時間5分" / "1 h 5 min") and measured values in the SLA table. Below both
 * the report model (which fills the SLA rows' texts) and its writers, so the
 * model never includes a writer. Returned strings belong to the caller.
 */
#ifndef SG_REPORT_TEXT_H
#define SG_REPORT_TEXT_H

#include "catalog.h"
#include "dynbuf.h"
#include "i18n.h"
#include "value.h"

/* "1時間5分" / "1 h 5 min" (two largest units, whole seconds). */
void report_text_duration(struct dynbuf *out, double seconds, enum sg_lang lang);
/* A measured number of item as text for the SLA table (duration, percent
 * or count, by the committed value's type; "-" for NAN). Caller frees. */
char *report_text_measure(const struct eval_item *it, enum ref_kind kind,
                          const struct value *commit, double num, enum sg_lang lang);

#endif
