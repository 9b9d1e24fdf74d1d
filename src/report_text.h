/*
 * report_text - a report's numbers as a person reads them: durations
 * ("1時間5分" / "1 h 5 min"), measured values in the SLA table, and the
 * monitor's and mail servers' raw errors in the managers' language. Below both
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

/* A monitor's or a mail server's raw error ("Couldn't connect to server",
 * "HTTP 404", "421 4.7.0 try again later") said in lang for the managers'
 * report (a probe's in the incident mail's words, notify_template_explain());
 * an unknown one is quoted after a phrase in lang. NULL for NULL or
 * "", the text itself when it is not ASCII (already written for people).
 * Caller frees. Never for customer texts: they say what users
 * experienced instead. */
char *report_text_error(const char *raw, enum sg_lang lang);

#endif
