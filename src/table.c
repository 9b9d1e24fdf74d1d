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

enum sg_code table_csv_field(struct dynbuf *out, const char *s)
{
	enum sg_code rc;

	if (!strpbrk(s, ",\"\r\n"))
		return dynbuf_addstr(out, s);
	rc = dynbuf_addch(out, '"');
	for (; *s && !rc; s++)
		rc = *s == '"' ? dynbuf_addstr(out, "\"\"") : dynbuf_addch(out, *s);
	return rc ? rc : dynbuf_addch(out, '"');
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

static enum sg_code render_text(const struct table *t, struct dynbuf *out)
{
	size_t maxw = t->max_width ? t->max_width : 60;
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	enum sg_code rc = SG_OK;

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
	for (size_t r = 0; r < t->nrows && !rc; r++) {
		for (size_t c = 0; c < t->ncols && !rc; c++) {
			char *cell = one_line(t->cells[r * t->ncols + c]);
			size_t cw = i18n_display_width(cell);
			int last = c + 1 == t->ncols;
			if (cw > w[c]) {
				size_t b = i18n_fit_bytes(cell, w[c] - 1);
				rc = dynbuf_add(out, cell, b);
				if (!rc)
					rc = dynbuf_addstr(out, "…");
				cw = i18n_display_width(cell) - i18n_display_width(cell + b) + 1;
			} else {
				rc = dynbuf_addstr(out, cell);
			}
			free(cell);
			if (!last)
				for (size_t k = cw; k < w[c] + 2 && !rc; k++)
					rc = dynbuf_addch(out, ' ');
		}
		if (!rc)
			rc = dynbuf_addch(out, '\n');
		if (r == 0 && !rc) {
			for (size_t c = 0; c < t->ncols && !rc; c++) {
				for (size_t k = 0; k < w[c] && !rc; k++)
					rc = dynbuf_addch(out, '-');
				if (c + 1 < t->ncols)
					rc = dynbuf_addstr(out, "  ");
			}
			if (!rc)
				rc = dynbuf_addch(out, '\n');
		}
	}
	free(w);
	return rc;
}

static enum sg_code render_csv(const struct table *t, struct dynbuf *out)
{
	enum sg_code rc = dynbuf_addstr(out, "\xEF\xBB\xBF");

	for (size_t r = 0; r < t->nrows && !rc; r++) {
		for (size_t c = 0; c < t->ncols && !rc; c++) {
			if (c)
				rc = dynbuf_addch(out, ',');
			if (!rc)
				rc = table_csv_field(out, t->cells[r * t->ncols + c]);
		}
		if (!rc)
			rc = dynbuf_addstr(out, "\r\n");
	}
	return rc;
}

static enum sg_code md_cell(struct dynbuf *out, const char *s)
{
	enum sg_code rc = SG_OK;

	for (; *s && !rc; s++) {
		if (*s == '|')
			rc = dynbuf_addstr(out, "\\|");
		else if (*s == '\n')
			rc = dynbuf_addstr(out, "<br>");
		else
			rc = dynbuf_addch(out, *s);
	}
	return rc;
}

static enum sg_code render_markdown(const struct table *t, struct dynbuf *out)
{
	enum sg_code rc = SG_OK;

	for (size_t r = 0; r < t->nrows && !rc; r++) {
		rc = dynbuf_addch(out, '|');
		for (size_t c = 0; c < t->ncols && !rc; c++) {
			rc = dynbuf_addch(out, ' ');
			if (!rc)
				rc = md_cell(out, t->cells[r * t->ncols + c]);
			if (!rc)
				rc = dynbuf_addstr(out, " |");
		}
		if (!rc)
			rc = dynbuf_addch(out, '\n');
		if (r == 0 && !rc) {
			rc = dynbuf_addch(out, '|');
			for (size_t c = 0; c < t->ncols && !rc; c++)
				rc = dynbuf_addstr(out, "---|");
			if (!rc)
				rc = dynbuf_addch(out, '\n');
		}
	}
	return rc;
}

enum sg_code table_render(const struct table *t, enum table_format fmt, struct dynbuf *out)
{
	switch (fmt) {
	case TABLE_TEXT:
		return render_text(t, out);
	case TABLE_CSV:
		return render_csv(t, out);
	case TABLE_MARKDOWN:
		return render_markdown(t, out);
	}
	return SG_ERR_INTERNAL;
}
