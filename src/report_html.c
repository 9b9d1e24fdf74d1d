/*
 * report_html - the report as one self-contained HTML file; see
 * report_html.h. Layout and wording come from report_doc; this file only
 * draws: CSS for screen and A4 print, SVG for the two charts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_doc.h"
#include "report_html.h"
#include "banned.h"

static const char css[] =
    "@page{size:A4;margin:16mm 14mm 18mm 14mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Kaku Gothic ProN',"
    "'Yu Gothic',Meiryo,sans-serif;color:#1c2430;margin:0 auto;max-width:182mm;"
    "padding:12mm 0;font-size:10pt;line-height:1.6}"
    "header.title{border-bottom:3px solid #1f4e79;padding-bottom:6px;margin-bottom:14px}"
    "header.title h1{font-size:19pt;margin:0 0 4px;color:#1f4e79;letter-spacing:.04em}"
    "header.title p{margin:0;color:#445;font-size:10pt;white-space:pre-line}"
    "h2{font-size:13pt;color:#1f4e79;border-left:5px solid #1f4e79;padding-left:8px;"
    "margin:20px 0 8px;break-after:avoid;page-break-after:avoid}"
    "h3{font-size:10.5pt;margin:12px 0 4px;color:#333;break-after:avoid}"
    "p{margin:4px 0 8px}p.note{font-size:8.5pt;color:#555}"
    ".cards{display:grid;grid-template-columns:repeat(3,1fr);gap:6px;margin:8px 0 10px;"
    "break-inside:avoid}"
    ".card{border:1px solid #c9d3df;border-radius:4px;padding:6px 9px;background:#f6f8fb}"
    ".card .l{font-size:8.5pt;color:#556}.card .v{font-size:15pt;font-weight:bold}"
    "table{width:100%;border-collapse:collapse;margin:6px 0 10px;font-size:8.5pt}"
    "thead{display:table-header-group}"
    "th{background:#1f4e79;color:#fff;font-weight:bold;text-align:left;padding:4px 5px;"
    "border:1px solid #1f4e79}"
    "td{padding:3px 5px;border:1px solid #c9d3df;vertical-align:top;white-space:pre-line}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "tbody tr:nth-child(even) td{background:#f6f8fb}"
    ".ok{color:#1b7f3b;font-weight:bold}.bad{color:#c0392b;font-weight:bold}"
    ".warn{color:#b9770e;font-weight:bold}.muted{color:#778}"
    "figure{margin:6px 0 8px;break-inside:avoid}figcaption{font-size:9pt;color:#445}"
    "svg{width:100%;height:auto;display:block}"
    "footer{margin-top:18px;border-top:1px solid #c9d3df;font-size:8pt;color:#667}";

static const char *tone_class(enum rdoc_tone t)
{
	switch (t) {
	case TONE_OK:
		return "ok";
	case TONE_BAD:
		return "bad";
	case TONE_WARN:
		return "warn";
	case TONE_MUTED:
		return "muted";
	case TONE_NONE:
		break;
	}
	return NULL;
}

static void esc(struct dynbuf *o, const char *s)
{
	dynbuf_add_html_escaped(o, s ? s : "");
}

#define CW 720.0
#define CH 230.0
#define L  48.0
#define R  12.0
#define TP 12.0
#define B  34.0

static void axis_labels(struct dynbuf *o, const struct report *r, double pw, size_t n)
{
	char lab[8];

	for (size_t i = 0; i < n; i++) {
		if (!report_doc_day_label(r, i, lab))
			continue;
		dynbuf_printf(o,
		              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle' "
		              "fill='#445'>%s</text>",
		              L + pw * ((double)i + 0.5) / (double)n, CH - B + 14, lab);
	}
}

static void chart_avail(struct dynbuf *o, const struct report *r, enum sg_lang lang)
{
	const struct report_availability *a = &r->availability;
	double lo = report_doc_avail_floor(r), pw = CW - L - R, ph = CH - TP - B;
	size_t n = a->ndays;

	dynbuf_printf(o,
	              "<svg viewBox='0 0 %.0f %.0f' xmlns='http://www.w3.org/2000/svg' "
	              "role='img'>",
	              CW, CH);
	for (int k = 0; k <= 4; k++) {
		double v = lo + (100.0 - lo) * k / 4.0, y = TP + ph - ph * k / 4.0;
		dynbuf_printf(o,
		              "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#dde3ea'/>"
		              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end' "
		              "fill='#445'>%.*f%%</text>",
		              L, y, CW - R, y, L - 4, y + 3.5, lo >= 99 ? 2 : 1, v);
	}
	for (size_t i = 0; i < n; i++) {
		double v = a->days[i].achieved, bw = pw / (double)n, h, x;
		if (isnan(v))
			continue;
		h = ph * ((v < lo ? lo : v) - lo) / (100.0 - lo);
		x = L + bw * (double)i + bw * 0.15;
		dynbuf_printf(o,
		              "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'>"
		              "<title>%s %.3f%%</title></rect>",
		              x, TP + ph - h, bw * 0.7, h < 0.5 ? 0.5 : h,
		              !isnan(a->committed) && v + 1e-9 < a->committed ? "#c0392b"
		                                                              : "#2e86c1",
		              a->days[i].day, v);
	}
	if (!isnan(a->committed) && a->committed >= lo) {
		double y = TP + ph - ph * (a->committed - lo) / (100.0 - lo);
		dynbuf_printf(o,
		              "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#b9770e' "
		              "stroke-width='1.5' stroke-dasharray='6 4'/>"
		              "<rect x='%.1f' y='%.1f' width='96' height='14' fill='#fff'/>"
		              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end' "
		              "fill='#b9770e'>%s %g%%</text>",
		              L, y, CW - R, y, CW - R - 98, y + 2, CW - R - 2, y + 13,
		              TR(lang, "約定値", "committed"), a->committed);
	}
	axis_labels(o, r, pw, n);
	dynbuf_printf(o,
	              "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#445'/>"
	              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle' "
	              "fill='#445'>%s</text></svg>",
	              L, TP + ph, CW - R, TP + ph, L + pw / 2, CH - 4, TR(lang, "日", "day"));
}

static void chart_perf(struct dynbuf *o, const struct report *r, enum sg_lang lang)
{
	static const char *const colors[] = {"#2e86c1", "#b9770e", "#c0392b"};
	static const char *const names[] = {"p50", "p95", "p99"};
	int ticks;
	double hi = report_doc_perf_ceiling(r, &ticks), pw = CW - L - R, ph = CH - TP - B;
	size_t n = r->nperf;

	dynbuf_printf(o,
	              "<svg viewBox='0 0 %.0f %.0f' xmlns='http://www.w3.org/2000/svg' "
	              "role='img'>",
	              CW, CH);
	for (int k = 0; k <= ticks; k++) {
		double y = TP + ph - ph * k / ticks;
		dynbuf_printf(o,
		              "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#dde3ea'/>"
		              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end' "
		              "fill='#445'>%g ms</text>",
		              L, y, CW - R, y, L - 4, y + 3.5, hi * k / ticks);
	}
	for (int s = 0; s < 3; s++) {
		int open = 0;
		for (size_t i = 0; i < n; i++) {
			const struct report_perf_day *p = &r->perf[i];
			double v = s == 0 ? p->p50 : s == 1 ? p->p95 : p->p99;
			double x = L + pw * ((double)i + 0.5) / (double)n;
			if (isnan(v)) {
				if (open)
					dynbuf_addstr(o, "'/>");
				open = 0;
				continue;
			}
			if (!open)
				dynbuf_printf(
				    o,
				    "<polyline fill='none' stroke='%s' stroke-width='1.8' "
				    "points='",
				    colors[s]);
			dynbuf_printf(o, "%.1f,%.1f ", x, TP + ph - ph * v / hi);
			open = 1;
		}
		if (open)
			dynbuf_addstr(o, "'/>");
		dynbuf_printf(o,
		              "<rect x='%.1f' y='%.1f' width='14' height='3' fill='%s'/>"
		              "<text x='%.1f' y='%.1f' font-size='10' fill='#445'>%s</text>",
		              L + 10 + 60.0 * s, TP + 2, colors[s], L + 28 + 60.0 * s, TP + 7,
		              names[s]);
	}
	axis_labels(o, r, pw, n);
	dynbuf_printf(o,
	              "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#445'/>"
	              "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle' "
	              "fill='#445'>%s</text></svg>",
	              L, TP + ph, CW - R, TP + ph, L + pw / 2, CH - 4, TR(lang, "日", "day"));
}

static void cell(struct dynbuf *o, const char *tag, const struct rdoc_cell *c)
{
	const char *cls = tone_class(c->tone);

	dynbuf_printf(o, "<%s%s%s%s>", tag, cls ? " class='" : "", cls ? cls : "", cls ? "'" : "");
	esc(o, c->text);
	dynbuf_printf(o, "</%s>", tag);
}

static void table(struct dynbuf *o, const struct rdoc_block *b)
{
	double total = 0;

	for (size_t i = 0; i < b->ncols; i++)
		total += b->widths[i];
	dynbuf_addstr(o, "<table><colgroup>");
	for (size_t i = 0; i < b->ncols; i++)
		dynbuf_printf(o, "<col style='width:%.1f%%'>", 100.0 * b->widths[i] / total);
	dynbuf_addstr(o, "</colgroup><thead><tr>");
	for (size_t i = 0; i < b->ncols; i++)
		cell(o, "th", &b->cells[i]);
	dynbuf_addstr(o, "</tr></thead><tbody>");
	for (size_t i = b->ncols; i < b->ncells; i += b->ncols) {
		dynbuf_addstr(o, "<tr>");
		for (size_t c = 0; c < b->ncols && i + c < b->ncells; c++)
			cell(o, "td", &b->cells[i + c]);
		dynbuf_addstr(o, "</tr>\n");
	}
	dynbuf_addstr(o, "</tbody></table>\n");
}

enum sg_code report_html_write(const struct report *r, struct dynbuf *o, struct sg_error *err)
{
	struct rdoc d;

	(void)err;
	report_doc_build(r, &d);
	dynbuf_printf(o,
	              "<!DOCTYPE html>\n<html lang='%s'>\n<head>\n<meta charset='utf-8'>\n"
	              "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
	              "<meta name='generator' content='saasguard %s'>\n<title>",
	              r->lang == SG_LANG_EN ? "en" : "ja", SAASGUARD_VERSION);
	esc(o, d.title);
	dynbuf_printf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	for (size_t i = 0; i < d.n; i++) {
		const struct rdoc_block *b = &d.blocks[i];
		switch (b->kind) {
		case RDOC_TITLE:
			dynbuf_addstr(o, "<header class='title'><h1>");
			esc(o, b->text);
			dynbuf_addstr(o, "</h1><p>");
			esc(o, b->sub);
			dynbuf_addstr(o, "</p></header>\n");
			break;
		case RDOC_HEADING:
			dynbuf_addstr(o, b->sub ? "<h3>" : "<h2>");
			esc(o, b->text);
			dynbuf_addstr(o, b->sub ? "</h3>\n" : "</h2>\n");
			break;
		case RDOC_PARA:
			dynbuf_addstr(o, b->sub ? "<p class='note'>" : "<p>");
			esc(o, b->text);
			dynbuf_addstr(o, "</p>\n");
			break;
		case RDOC_CARDS:
			dynbuf_addstr(o, "<div class='cards'>");
			for (size_t c = 0; c + 1 < b->ncells; c += 2) {
				const char *cls = tone_class(b->cells[c + 1].tone);
				dynbuf_addstr(o, "<div class='card'><div class='l'>");
				esc(o, b->cells[c].text);
				dynbuf_printf(o, "</div><div class='v%s%s'>", cls ? " " : "",
				              cls ? cls : "");
				esc(o, b->cells[c + 1].text);
				dynbuf_addstr(o, "</div></div>");
			}
			dynbuf_addstr(o, "</div>\n");
			break;
		case RDOC_TABLE:
			table(o, b);
			break;
		case RDOC_CHART_AVAIL:
		case RDOC_CHART_PERF:
			dynbuf_addstr(o, "<figure>");
			if (b->kind == RDOC_CHART_AVAIL)
				chart_avail(o, r, r->lang);
			else
				chart_perf(o, r, r->lang);
			dynbuf_addstr(o, "<figcaption>");
			esc(o, b->text);
			dynbuf_addstr(o, "</figcaption></figure>\n");
			break;
		}
	}
	dynbuf_addstr(o, "<footer>");
	esc(o, d.footer);
	dynbuf_addstr(o, " — saasguard</footer>\n</body>\n</html>\n");
	report_doc_release(&d);
	return SG_OK;
}
