/*
 * table - rows of text cells rendered for a terminal (aligned by display
 * width, so Japanese lines up), as CSV (UTF-8 with a BOM and CRLF, which Excel
 * opens correctly) or as a Markdown table.
 *
 * Ownership: table_add_row() copies the cells; table_release() frees them.
 */
#ifndef SG_TABLE_H
#define SG_TABLE_H

#include <stddef.h>

#include "dynbuf.h"

enum table_format {
	TABLE_TEXT,
	TABLE_CSV,
	TABLE_MARKDOWN,
};

struct table {
	size_t ncols;
	char **cells; /* nrows * ncols, row-major; row 0 is the header */
	size_t nrows;
	size_t alloc;
	size_t max_width; /* text format: wider cells are cut with "…" (0: 60) */
};

void table_init(struct table *t, size_t ncols, const char *const *headers);
void table_add_row(struct table *t, const char *const *cells);
void table_release(struct table *t);
enum sg_code table_render(const struct table *t, enum table_format fmt, struct dynbuf *out);

#endif
