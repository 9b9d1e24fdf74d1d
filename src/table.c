/*
 * table - aligned text, CSV and Markdown tables; see table.h.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "table.h"
#include "xalloc.h"
#include "banned.h"

void table_init(struct table *t, size_t ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	table_add_row(t, headers);
}

void table_add_row(struct table *t, const char *const *cells)
{
	size_t need = (t->nrows + 1) * t->ncols;

	if (need > t->alloc) {
		t->alloc = need * 2;
		t->cells = xreallocarray(t->cells, t->alloc, sizeof(*t->cells));
	}
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* One CSV field, quoted when it needs to be (RFC 4180). */
static void csv_field(struct dynbuf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		dynbuf_addstr(out, s);
		return;
	}
	dynbuf_addch(out, '"');
	for (; *s; s++)
		if (*s == '"')
			dynbuf_addstr(out, "\"\"");
		else
			dynbuf_addch(out, *s);
	dynbuf_addch(out, '"');
}

/* Text cells are one line: newlines become spaces. */
static char *one_line(const char *s)
{
	char *p = xstrdup(s);

	for (char *q = p; *q; q++)
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
	return p;
}

static void render_text(const struct table *t, struct dynbuf *out)
{
	size_t maxw = t->max_width ? t->max_width : 60;
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			char *cell = one_line(t->cells[r * t->ncols + c]);
			size_t cw = i18n_display_width(cell);
			free(cell);
			if (cw > maxw)
				cw = maxw;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			char *cell = one_line(t->cells[r * t->ncols + c]);
			size_t cw = i18n_display_width(cell);
			int last = c + 1 == t->ncols;
			if (cw > w[c]) {
				size_t b = i18n_fit_bytes(cell, w[c] - 1);
				dynbuf_add(out, cell, b);
				dynbuf_addstr(out, "…");
				cw = i18n_display_width(cell) - i18n_display_width(cell + b) + 1;
			} else {
				dynbuf_addstr(out, cell);
			}
			free(cell);
			if (!last)
				for (size_t k = cw; k < w[c] + 2; k++)
					dynbuf_addch(out, ' ');
		}
		dynbuf_addch(out, '\n');
		if (r == 0) {
			for (size_t c = 0; c < t->ncols; c++) {
				for (size_t k = 0; k < w[c]; k++)
					dynbuf_addch(out, '-');
				if (c + 1 < t->ncols)
					dynbuf_addstr(out, "  ");
			}
			dynbuf_addch(out, '\n');
		}
	}
	free(w);
}

static void render_csv(const struct table *t, struct dynbuf *out)
{
	dynbuf_addstr(out, "\xEF\xBB\xBF");
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				dynbuf_addch(out, ',');
			csv_field(out, t->cells[r * t->ncols + c]);
		}
		dynbuf_addstr(out, "\r\n");
	}
}

/* A Markdown cell is also HTML to most renderers: markup characters are escaped. */
static void md_cell(struct dynbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '|':
			dynbuf_addstr(out, "\\|");
			break;
		case '\n':
			dynbuf_addstr(out, "<br>");
			break;
		case '<':
			dynbuf_addstr(out, "&lt;");
			break;
		case '>':
			dynbuf_addstr(out, "&gt;");
			break;
		case '&':
			dynbuf_addstr(out, "&amp;");
			break;
		default:
			dynbuf_addch(out, *s);
		}
	}
}

static void render_markdown(const struct table *t, struct dynbuf *out)
{
	for (size_t r = 0; r < t->nrows; r++) {
		dynbuf_addch(out, '|');
		for (size_t c = 0; c < t->ncols; c++) {
			dynbuf_addch(out, ' ');
			md_cell(out, t->cells[r * t->ncols + c]);
			dynbuf_addstr(out, " |");
		}
		dynbuf_addch(out, '\n');
		if (r == 0) {
			dynbuf_addch(out, '|');
			for (size_t c = 0; c < t->ncols; c++)
				dynbuf_addstr(out, "---|");
			dynbuf_addch(out, '\n');
		}
	}
}

enum sg_code table_render(const struct table *t, enum table_format fmt, struct dynbuf *out)
{
	switch (fmt) {
	case TABLE_TEXT:
		render_text(t, out);
		break;
	case TABLE_CSV:
		render_csv(t, out);
		break;
	case TABLE_MARKDOWN:
		render_markdown(t, out);
		break;
	default:
		return SG_ERR_INTERNAL;
	}
	return dynbuf_status(out);
}
