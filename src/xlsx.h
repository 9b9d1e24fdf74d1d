/*
 * xlsx - Excel workbooks for auditors, written with libxlsxwriter: each sheet
 * is a table (table.h, row 0 the header) under a bold title row and a
 * subtitle row, with the header row frozen and filtered, columns sized to
 * their text (capped, long text wrapped), and printing set up the way a
 * Japanese audit file is kept: A4 landscape, one page wide, the title and
 * header rows repeated on every page, page numbers in the footer.
 *
 * xlsx_write() appends the workbook's bytes to the caller's dynbuf (the
 * library writes a temporary file, which is removed), so the caller writes
 * it atomically like every other output. Nothing is printed.
 */
#ifndef SG_XLSX_H
#define SG_XLSX_H

#include <stddef.h>

#include "dynbuf.h"
#include "error.h"
#include "table.h"

/* The rows above a sheet's header: title (row 1) and subtitle (row 2). */
#define XLSX_HEADER_ROW 2

struct xlsx_sheet {
	const char *name;        /* at most 31 characters; no []:*?/\ */
	const char *title;       /* row 1 */
	const char *subtitle;    /* row 2; NULL for none */
	const struct table *t;   /* row 0 is the header */
	const size_t *cols;      /* the table's columns to show, in order; NULL: all */
	size_t ncols;            /* entries of cols */
	const double *max_width; /* per shown column, in characters (0: 50); NULL: 50 */
};

struct xlsx_doc {
	const char *title, *subject;
	long long created; /* seconds since the epoch; 0: now */
};

enum sg_code xlsx_write(const struct xlsx_doc *doc, const struct xlsx_sheet *sheets, size_t nsheets,
                        struct dynbuf *out, struct sg_error *err);

#endif
