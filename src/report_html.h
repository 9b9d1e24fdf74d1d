/*
 * report_html - writes a report model (report.h) as one self-contained HTML file with inline CSS
 * and SVG charts, laid out for A4 printing.
 *
 * Ownership: appends to the caller's buffer; keeps nothing.
 */
#ifndef SG_REPORT_HTML_H
#define SG_REPORT_HTML_H

#include "dynbuf.h"
#include "error.h"
#include "report.h"

enum sg_code report_html_write(const struct report *r, struct dynbuf *out, struct sg_error *err);

#endif
