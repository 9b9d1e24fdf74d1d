/*
 * report_pdf - writes a report model (report.h) as an A4 PDF drawn with cairo and pango in Noto
 * Sans CJK: real text, vector charts, page numbers, table headers repeated where a table breaks
 * across pages.
 *
 * Ownership: appends to the caller's buffer; keeps nothing.
 */
#ifndef SG_REPORT_PDF_H
#define SG_REPORT_PDF_H

#include "dynbuf.h"
#include "error.h"
#include "report.h"

enum sg_code report_pdf_write(const struct report *r, struct dynbuf *out, struct sg_error *err);

/* Frees the font and drawing caches pango, cairo and fontconfig keep for the
 * life of the process, so a leak checker sees a clean exit. Call once at
 * exit, after the last report; never while another thread draws. */
void report_pdf_shutdown(void);

#endif
