/*
 * xlsx - workbooks of tables through libxlsxwriter (see xlsx.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "fileio.h"
#include "i18n.h"
#include "xalloc.h"
#include "xlsx.h"
#include "banned.h"

#define PAPER_A4 9

struct formats {
	lxw_format *title, *subtitle, *header, *cell;
};

/* Widest line of s in display columns (a CJK character counts two). */
static size_t widest_line(const char *s)
{
	size_t best = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xstrndup(s, len);
		size_t w = i18n_display_width(line);
		free(line);
		if (w > best)
			best = w;
		s += len + (nl ? 1 : 0);
	}
	return best;
}

static lxw_error write_sheet(lxw_workbook *wb, const struct xlsx_sheet *sh, const struct formats *f)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, sh->name);
	const struct table *t = sh->t;
	size_t ncols = sh->cols ? sh->ncols : t->ncols;
	lxw_row_t hdr = XLSX_HEADER_ROW;
	lxw_error e = LXW_NO_ERROR;

	if (!ws)
		return LXW_ERROR_SHEETNAME_LENGTH_EXCEEDED;
	worksheet_set_row(ws, 0, 22, NULL);
	worksheet_write_string(ws, 0, 0, sh->title, f->title);
	if (sh->subtitle)
		worksheet_write_string(ws, 1, 0, sh->subtitle, f->subtitle);
	for (size_t c = 0; c < ncols; c++) {
		size_t col = sh->cols ? sh->cols[c] : c;
		double cap = sh->max_width && sh->max_width[c] > 0 ? sh->max_width[c] : 50;
		double w = 4;
		for (size_t r = 0; r < t->nrows; r++) {
			double cw = (double)widest_line(t->cells[r * t->ncols + col]) + 2;
			if (cw > w)
				w = cw;
		}
		if (w > cap)
			w = cap;
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, f->cell);
		for (size_t r = 0; r < t->nrows && !e; r++) {
			const char *s = t->cells[r * t->ncols + col];
			if (*s || r == 0)
				e = worksheet_write_string(ws, (lxw_row_t)(hdr + r), (lxw_col_t)c,
				                           s, r ? f->cell : f->header);
		}
	}
	if (e)
		return e;
	worksheet_freeze_panes(ws, hdr + 1, 0);
	worksheet_autofilter(ws, hdr, 0, (lxw_row_t)(hdr + (t->nrows ? t->nrows - 1 : 0)),
	                     (lxw_col_t)(ncols ? ncols - 1 : 0));
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, PAPER_A4);
	worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
	worksheet_repeat_rows(ws, 0, hdr);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_footer(ws, "&C&P / &N");
	return LXW_NO_ERROR;
}

enum sg_code xlsx_write(const struct xlsx_doc *doc, const struct xlsx_sheet *sheets, size_t nsheets,
                        struct dynbuf *out, struct sg_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = xstrfmt("%s/saasguard-xlsx-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	lxw_workbook_options opts = {0};
	lxw_doc_properties props = {0};
	lxw_workbook *wb;
	struct formats f;
	lxw_error e = LXW_NO_ERROR;
	enum sg_code rc;
	int fd = mkstemp(path);

	if (fd < 0) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "作業用の一時ファイルを作れません: %s",
		                      "cannot create a temporary file: %s"),
		                  path);
		free(path);
		return rc;
	}
	close(fd);
	wb = workbook_new_opt(path, &opts);
	if (!wb) {
		unlink(path);
		free(path);
		return sg_error_set(
		    err, SG_ERR_IO, "%s",
		    ETR(err, "Excel ファイルを作れません", "cannot create the Excel workbook"));
	}
	props.title = (char *)doc->title;
	props.subject = (char *)doc->subject;
	props.author = (char *)"saasguard";
	props.created = (time_t)doc->created;
	workbook_set_properties(wb, &props);
	f.title = workbook_add_format(wb);
	format_set_bold(f.title);
	format_set_font_size(f.title, 14);
	f.subtitle = workbook_add_format(wb);
	format_set_font_size(f.subtitle, 10);
	f.header = workbook_add_format(wb);
	format_set_bold(f.header);
	format_set_text_wrap(f.header);
	format_set_align(f.header, LXW_ALIGN_VERTICAL_CENTER);
	format_set_bg_color(f.header, 0xD9E1F2);
	format_set_border(f.header, LXW_BORDER_THIN);
	f.cell = workbook_add_format(wb);
	format_set_text_wrap(f.cell);
	format_set_align(f.cell, LXW_ALIGN_VERTICAL_TOP);
	format_set_border(f.cell, LXW_BORDER_THIN);
	for (size_t i = 0; i < nsheets && !e; i++)
		e = write_sheet(wb, &sheets[i], &f);
	if (e) {
		workbook_close(wb);
		rc = sg_error_set(err, SG_ERR_INTERNAL, "xlsx: %s", lxw_strerror(e));
	} else if ((e = workbook_close(wb))) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "Excel ファイルを書き出せません（%s）",
		                      "cannot write the Excel workbook (%s)"),
		                  lxw_strerror(e));
	} else {
		rc = fileio_read(path, 0, out, err);
	}
	unlink(path);
	free(path);
	return rc;
}
