/*
 * report_json - writes a report model (report.h) as JSON: every number a number, availability
 * rounded to 3 decimals, times as local RFC 3339 strings.
 *
 * Ownership: appends to the caller's buffer; keeps nothing.
 */
#ifndef SG_REPORT_JSON_H
#define SG_REPORT_JSON_H

#include "dynbuf.h"
#include "error.h"
#include "report.h"

enum sg_code report_json_write(const struct report *r, struct dynbuf *out, struct sg_error *err);

#endif
