/*
 * report_pdf - the report as an A4 PDF; see report_pdf.h.
 *
 * A small flow layout over report_doc's blocks: text is set by pango in
 * Noto Sans CJK JP (cairo embeds the subset, so the text stays searchable
 * and copyable), charts are cairo paths, a table that does not fit goes on
 * to the next page with its header row repeated, and every page carries a
 * footer with "page / pages". The document is laid out twice: the first pass
 * counts the pages, the second draws them with the total known.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "report_doc.h"
#include "report_pdf.h"
#include "xalloc.h"
#include "banned.h"

#define PAGE_W  595.276
#define PAGE_H  841.890
#define MARGIN  46.0
#define TOP     48.0
#define BOTTOM  (PAGE_H - 56.0)
#define CONTENT (PAGE_W - 2 * MARGIN)
#define FONT    "Noto Sans CJK JP"
#define PAD     3.0

struct pdf {
	cairo_t *cr;
	cairo_surface_t *surface;
	const struct rdoc *d;
	double y;
	int page;  /* 1-based, current */
	int total; /* 0 on the counting pass */
};

struct rgb {
	double r, g, b;
};

static const struct rgb C_TEXT = {0.11, 0.14, 0.19}, C_BLUE = {0.12, 0.31, 0.47},
                        C_GRID = {0.79, 0.83, 0.87}, C_STRIPE = {0.965, 0.973, 0.984},
                        C_OK = {0.11, 0.50, 0.23}, C_BAD = {0.75, 0.22, 0.17},
                        C_WARN = {0.73, 0.47, 0.05}, C_MUTED = {0.45, 0.45, 0.52},
                        C_BAR = {0.18, 0.53, 0.76}, C_LIGHT = {0.87, 0.89, 0.92};

static void set_rgb(cairo_t *cr, struct rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static struct rgb tone_rgb(enum rdoc_tone t)
{
	switch (t) {
	case TONE_OK:
		return C_OK;
	case TONE_BAD:
		return C_BAD;
	case TONE_WARN:
		return C_WARN;
	case TONE_MUTED:
		return C_MUTED;
	case TONE_NONE:
		break;
	}
	return C_TEXT;
}

/* A layout of text in the font at size, wrapped at width (0: no wrap). */
static PangoLayout *text_layout(struct pdf *p, const char *text, double size, int bold,
                                double width)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONT);

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static double layout_w(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)w / PANGO_SCALE;
}

static void show(struct pdf *p, PangoLayout *l, double x, double y, struct rgb c)
{
	set_rgb(p->cr, c);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

static void footer(struct pdf *p)
{
	char num[32];
	PangoLayout *l;

	set_rgb(p->cr, C_GRID);
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, MARGIN, PAGE_H - 42);
	cairo_line_to(p->cr, PAGE_W - MARGIN, PAGE_H - 42);
	cairo_stroke(p->cr);
	l = text_layout(p, p->d->footer, 7.5, 0, CONTENT - 60);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_height(l, 0);
	show(p, l, MARGIN, PAGE_H - 38, C_MUTED);
	g_object_unref(l);
	if (p->total)
		snprintf(num, sizeof(num), "%d / %d", p->page, p->total);
	else
		snprintf(num, sizeof(num), "%d", p->page);
	l = text_layout(p, num, 8, 0, 0);
	show(p, l, PAGE_W - MARGIN - layout_w(l), PAGE_H - 38, C_MUTED);
	g_object_unref(l);
}

static void new_page(struct pdf *p)
{
	footer(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
}

/* Starts a new page unless h more points fit on this one. */
static void ensure(struct pdf *p, double h)
{
	if (p->y + h > BOTTOM && p->y > TOP + 1)
		new_page(p);
}

static void block_title(struct pdf *p, const struct rdoc_block *b)
{
	PangoLayout *t = text_layout(p, b->text, 19, 1, CONTENT);
	PangoLayout *s = text_layout(p, b->sub, 9.5, 0, CONTENT);

	show(p, t, MARGIN, p->y, C_BLUE);
	p->y += layout_h(t) + 4;
	show(p, s, MARGIN, p->y, C_TEXT);
	p->y += layout_h(s) + 6;
	set_rgb(p->cr, C_BLUE);
	cairo_set_line_width(p->cr, 2.2);
	cairo_move_to(p->cr, MARGIN, p->y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, p->y);
	cairo_stroke(p->cr);
	p->y += 12;
	g_object_unref(t);
	g_object_unref(s);
}

static void block_heading(struct pdf *p, const struct rdoc_block *b)
{
	int minor = b->sub != NULL;
	PangoLayout *l = text_layout(p, b->text, minor ? 10 : 12.5, 1, CONTENT - 10);
	double h = layout_h(l);

	ensure(p, h + (minor ? 40 : 70)); /* never a heading alone at a page's foot */
	p->y += minor ? 4 : 10;
	if (!minor) {
		set_rgb(p->cr, C_BLUE);
		cairo_rectangle(p->cr, MARGIN, p->y + 1, 4, h - 2);
		cairo_fill(p->cr);
	}
	show(p, l, MARGIN + (minor ? 0 : 9), p->y, minor ? C_TEXT : C_BLUE);
	p->y += h + 5;
	g_object_unref(l);
}

static void block_para(struct pdf *p, const struct rdoc_block *b)
{
	int small = b->sub != NULL;
	PangoLayout *l = text_layout(p, b->text, small ? 7.8 : 9.3, 0, CONTENT);
	double h = layout_h(l);

	if (!b->text || !*b->text) {
		g_object_unref(l);
		return;
	}
	pango_layout_set_spacing(l, 2 * PANGO_SCALE);
	h = layout_h(l);
	ensure(p, h);
	show(p, l, MARGIN, p->y, small ? C_MUTED : C_TEXT);
	p->y += h + 6;
	g_object_unref(l);
}

static void block_cards(struct pdf *p, const struct rdoc_block *b)
{
	const double gap = 6, w = (CONTENT - 2 * gap) / 3, h = 44;
	size_t ncards = b->ncells / 2;

	for (size_t i = 0; i < ncards; i++) {
		size_t col = i % 3;
		double x = MARGIN + (double)col * (w + gap);
		PangoLayout *l, *v;
		if (col == 0) {
			if (i)
				p->y += h + gap;
			ensure(p, h);
		}
		cairo_rectangle(p->cr, x, p->y, w, h);
		set_rgb(p->cr, C_STRIPE);
		cairo_fill_preserve(p->cr);
		set_rgb(p->cr, C_GRID);
		cairo_set_line_width(p->cr, 0.7);
		cairo_stroke(p->cr);
		l = text_layout(p, b->cells[2 * i].text, 7.8, 0, w - 12);
		v = text_layout(p, b->cells[2 * i + 1].text, 14, 1, w - 12);
		show(p, l, x + 7, p->y + 4, C_MUTED);
		show(p, v, x + 7, p->y + 18, tone_rgb(b->cells[2 * i + 1].tone));
		g_object_unref(l);
		g_object_unref(v);
	}
	p->y += h + 10;
}

static void table_widths(const struct rdoc_block *b, double *w)
{
	double total = 0;

	for (size_t i = 0; i < b->ncols; i++)
		total += b->widths[i];
	for (size_t i = 0; i < b->ncols; i++)
		w[i] = CONTENT * b->widths[i] / total;
}

/* Lays out one row; returns its height. ls receives ncols layouts. */
static double row_layouts(struct pdf *p, const struct rdoc_block *b, size_t first, int header,
                          const double *w, PangoLayout **ls)
{
	double h = 0;

	for (size_t c = 0; c < b->ncols; c++) {
		const struct rdoc_cell *cell = &b->cells[first + c];
		ls[c] = text_layout(p, cell->text, 7.8,
		                    header || cell->tone == TONE_OK || cell->tone == TONE_BAD,
		                    w[c] - 2 * PAD);
		if (layout_h(ls[c]) > h)
			h = layout_h(ls[c]);
	}
	return h + 2 * PAD;
}

static void draw_row(struct pdf *p, const struct rdoc_block *b, size_t first, int header,
                     int stripe, const double *w, PangoLayout **ls, double h)
{
	double x = MARGIN;

	for (size_t c = 0; c < b->ncols; c++) {
		cairo_rectangle(p->cr, x, p->y, w[c], h);
		if (header)
			set_rgb(p->cr, C_BLUE);
		else if (stripe)
			set_rgb(p->cr, C_STRIPE);
		else
			cairo_set_source_rgb(p->cr, 1, 1, 1);
		cairo_fill_preserve(p->cr);
		set_rgb(p->cr, header ? C_BLUE : C_GRID);
		cairo_set_line_width(p->cr, 0.5);
		cairo_stroke(p->cr);
		if (header) {
			cairo_set_source_rgb(p->cr, 1, 1, 1);
			cairo_move_to(p->cr, x + PAD, p->y + PAD);
			pango_cairo_show_layout(p->cr, ls[c]);
		} else {
			show(p, ls[c], x + PAD, p->y + PAD, tone_rgb(b->cells[first + c].tone));
		}
		x += w[c];
		g_object_unref(ls[c]);
	}
	p->y += h;
}

static void block_table(struct pdf *p, const struct rdoc_block *b)
{
	double w[10], hh;
	PangoLayout *hl[10], *rl[10];
	size_t nrows = b->ncells / b->ncols;

	table_widths(b, w);
	hh = row_layouts(p, b, 0, 1, w, hl);
	for (size_t c = 0; c < b->ncols; c++)
		g_object_unref(hl[c]);
	/* The header and the first row stay together. */
	if (nrows > 1) {
		double h1 = row_layouts(p, b, b->ncols, 0, w, rl);
		for (size_t c = 0; c < b->ncols; c++)
			g_object_unref(rl[c]);
		ensure(p, hh + h1);
	} else {
		ensure(p, hh);
	}
	row_layouts(p, b, 0, 1, w, hl);
	draw_row(p, b, 0, 1, 0, w, hl, hh);
	for (size_t r = 1; r < nrows; r++) {
		double h = row_layouts(p, b, r * b->ncols, 0, w, rl);
		if (p->y + h > BOTTOM) {
			new_page(p);
			row_layouts(p, b, 0, 1, w, hl);
			draw_row(p, b, 0, 1, 0, w, hl, hh); /* the header again */
		}
		draw_row(p, b, r * b->ncols, 0, r % 2 == 0, w, rl, h);
	}
	p->y += 10;
}

#define CHART_H 165.0
#define CL      44.0 /* left axis room */
#define CB      20.0 /* bottom axis room */

static void small_text(struct pdf *p, const char *s, double x, double y, int align, struct rgb c)
{
	PangoLayout *l = text_layout(p, s, 7, 0, 0);
	double w = layout_w(l), h = layout_h(l);

	show(p, l, align < 0 ? x - w : align == 0 ? x - w / 2 : x, y - h / 2, c);
	g_object_unref(l);
}

static void day_axis(struct pdf *p, const struct report *r, double x0, double pw, double y,
                     size_t n)
{
	char lab[8];

	for (size_t i = 0; i < n; i++)
		if (report_doc_day_label(r, i, lab))
			small_text(p, lab, x0 + pw * ((double)i + 0.5) / (double)n, y + 8, 0,
			           C_MUTED);
	set_rgb(p->cr, C_TEXT);
	cairo_set_line_width(p->cr, 0.7);
	cairo_move_to(p->cr, x0, y);
	cairo_line_to(p->cr, x0 + pw, y);
	cairo_stroke(p->cr);
}

static void chart_avail(struct pdf *p, const struct report *r)
{
	const struct report_availability *a = &r->availability;
	double lo = report_doc_avail_floor(r), x0 = MARGIN + CL, pw = CONTENT - CL - 4;
	double top = p->y + 6, ph = CHART_H - CB - 6, base = top + ph;
	char buf[32];
	size_t n = a->ndays;

	for (int k = 0; k <= 4; k++) {
		double y = base - ph * k / 4.0;
		set_rgb(p->cr, C_LIGHT);
		cairo_set_line_width(p->cr, 0.5);
		cairo_move_to(p->cr, x0, y);
		cairo_line_to(p->cr, x0 + pw, y);
		cairo_stroke(p->cr);
		snprintf(buf, sizeof(buf), "%.*f%%", lo >= 99 ? 2 : 1, lo + (100.0 - lo) * k / 4.0);
		small_text(p, buf, x0 - 4, y, -1, C_MUTED);
	}
	for (size_t i = 0; i < n; i++) {
		double v = a->days[i].achieved, bw = pw / (double)n, h;
		if (isnan(v))
			continue;
		h = ph * ((v < lo ? lo : v) - lo) / (100.0 - lo);
		if (h < 0.4)
			h = 0.4;
		set_rgb(p->cr, !isnan(a->committed) && v + 1e-9 < a->committed ? C_BAD : C_BAR);
		cairo_rectangle(p->cr, x0 + bw * (double)i + bw * 0.15, base - h, bw * 0.7, h);
		cairo_fill(p->cr);
	}
	if (!isnan(a->committed) && a->committed >= lo) {
		double y = base - ph * (a->committed - lo) / (100.0 - lo), dash[] = {5, 3};
		set_rgb(p->cr, C_WARN);
		cairo_set_line_width(p->cr, 1.1);
		cairo_set_dash(p->cr, dash, 2, 0);
		cairo_move_to(p->cr, x0, y);
		cairo_line_to(p->cr, x0 + pw, y);
		cairo_stroke(p->cr);
		cairo_set_dash(p->cr, NULL, 0, 0);
		snprintf(buf, sizeof(buf), "%s %g%%", TR(r->lang, "約定値", "committed"),
		         a->committed);
		{
			PangoLayout *l = text_layout(p, buf, 7, 0, 0);
			double w = layout_w(l) + 6, h = layout_h(l);
			cairo_set_source_rgb(p->cr, 1, 1, 1);
			cairo_rectangle(p->cr, x0 + pw - w - 2, y + 2, w, h);
			cairo_fill(p->cr);
			show(p, l, x0 + pw - w + 1, y + 2, C_WARN);
			g_object_unref(l);
		}
	}
	day_axis(p, r, x0, pw, base, n);
}

static void chart_perf(struct pdf *p, const struct report *r)
{
	static const char *const names[] = {"p50", "p95", "p99"};
	const struct rgb colors[] = {C_BAR, C_WARN, C_BAD};
	int ticks;
	double hi = report_doc_perf_ceiling(r, &ticks), x0 = MARGIN + CL, pw = CONTENT - CL - 4;
	double top = p->y + 6, ph = CHART_H - CB - 6, base = top + ph;
	char buf[32];
	size_t n = r->nperf;

	for (int k = 0; k <= ticks; k++) {
		double y = base - ph * k / ticks;
		set_rgb(p->cr, C_LIGHT);
		cairo_set_line_width(p->cr, 0.5);
		cairo_move_to(p->cr, x0, y);
		cairo_line_to(p->cr, x0 + pw, y);
		cairo_stroke(p->cr);
		snprintf(buf, sizeof(buf), "%g ms", hi * k / ticks);
		small_text(p, buf, x0 - 4, y, -1, C_MUTED);
	}
	for (int s = 0; s < 3; s++) {
		int open = 0;
		set_rgb(p->cr, colors[s]);
		cairo_set_line_width(p->cr, 1.3);
		for (size_t i = 0; i < n; i++) {
			const struct report_perf_day *d = &r->perf[i];
			double v = s == 0 ? d->p50 : s == 1 ? d->p95 : d->p99;
			double x = x0 + pw * ((double)i + 0.5) / (double)n, y;
			if (isnan(v)) {
				open = 0;
				continue;
			}
			y = base - ph * v / hi;
			if (open)
				cairo_line_to(p->cr, x, y);
			else
				cairo_move_to(p->cr, x, y);
			open = 1;
		}
		cairo_stroke(p->cr);
		set_rgb(p->cr, colors[s]);
		cairo_rectangle(p->cr, x0 + 8 + 50.0 * s, top + 2, 12, 2.5);
		cairo_fill(p->cr);
		small_text(p, names[s], x0 + 23 + 50.0 * s, top + 3, 1, C_TEXT);
	}
	day_axis(p, r, x0, pw, base, n);
}

static void block_chart(struct pdf *p, const struct rdoc_block *b)
{
	PangoLayout *cap = text_layout(p, b->text, 8, 0, CONTENT);

	ensure(p, CHART_H + layout_h(cap) + 6);
	if (b->kind == RDOC_CHART_AVAIL)
		chart_avail(p, p->d->r);
	else
		chart_perf(p, p->d->r);
	p->y += CHART_H + 2;
	show(p, cap, MARGIN, p->y, C_MUTED);
	p->y += layout_h(cap) + 8;
	g_object_unref(cap);
}

static cairo_status_t to_dynbuf(void *closure, const unsigned char *data, unsigned int len)
{
	struct dynbuf *out = closure;

	if (!out)
		return CAIRO_STATUS_SUCCESS;
	dynbuf_add(out, data, len);
	return dynbuf_status(out) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* One pass; returns the number of pages, or -1 when cairo failed. */
static int render(const struct rdoc *d, int total, struct dynbuf *out)
{
	struct pdf p;
	cairo_status_t st;

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.total = total;
	p.page = 1;
	p.y = TOP;
	p.surface = cairo_pdf_surface_create_for_stream(to_dynbuf, out, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR,
	                               "saasguard " SAASGUARD_VERSION);
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_SUBJECT,
	                               d->r->audience == REPORT_MANAGERS ? "III.1.1.4"
	                                                                 : "III.1.1.7");
	p.cr = cairo_create(p.surface);
	for (size_t i = 0; i < d->n; i++) {
		const struct rdoc_block *b = &d->blocks[i];
		switch (b->kind) {
		case RDOC_TITLE:
			block_title(&p, b);
			break;
		case RDOC_HEADING:
			block_heading(&p, b);
			break;
		case RDOC_PARA:
			block_para(&p, b);
			break;
		case RDOC_CARDS:
			block_cards(&p, b);
			break;
		case RDOC_TABLE:
			block_table(&p, b);
			break;
		case RDOC_CHART_AVAIL:
		case RDOC_CHART_PERF:
			block_chart(&p, b);
			break;
		}
	}
	footer(&p);
	cairo_show_page(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(p.surface);
	st = cairo_surface_status(p.surface);
	cairo_surface_destroy(p.surface);
	return st == CAIRO_STATUS_SUCCESS ? p.page : -1;
}

enum sg_code report_pdf_write(const struct report *r, struct dynbuf *out, struct sg_error *err)
{
	struct rdoc d;
	int pages;

	report_doc_build(r, &d);
	pages = render(&d, 0, NULL);
	if (pages > 0)
		pages = render(&d, pages, out);
	report_doc_release(&d);
	if (pages < 0)
		return sg_error_set(err, SG_ERR_IO, "%s",
		                    ETR(err, "PDF を作成できませんでした（cairo）",
		                        "cairo could not draw the PDF"));
	return SG_OK;
}

void report_pdf_shutdown(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

/* cairo 1.16 (Debian 12) leaks 768 bytes in its CFF font subsetter each time
 * a PDF with a CID font is finished (inside cairo_surface_finish). It cannot
 * be freed from outside, so sanitizer builds tell LeakSanitizer to ignore
 * allocations made inside libcairo, and nothing else. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_REPORT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SG_REPORT_ASAN)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so\n";
}
#endif
