/*
 * report_doc - the words of a report: turns a struct report into a list of
 * blocks (title, headings, paragraphs, summary cards, tables, charts) in the
 * report's language, so the HTML and PDF writers lay out the same document
 * and differ only in drawing. Also the formatting both use: dates
 * (2026年11月3日 10:05), periods (2026年11月, 2026年第4四半期) and the scales
 * of the two charts (durations are report_text's).
 *
 * Ownership: report_doc_build() fills a struct rdoc that owns every string;
 * report_doc_release() frees them. The rdoc borrows the report (charts read
 * its series), which must outlive it.
 */
#ifndef SG_REPORT_DOC_H
#define SG_REPORT_DOC_H

#include <stddef.h>

#include "catalog.h"
#include "dynbuf.h"
#include "i18n.h"
#include "report.h"

enum rdoc_kind {
	RDOC_TITLE,   /* text: title; sub: subtitle lines joined by '\n' */
	RDOC_HEADING, /* text */
	RDOC_PARA,    /* text; sub non-NULL marks a note (smaller) */
	RDOC_CARDS,   /* cells: pairs (label, value) */
	RDOC_TABLE,   /* cells: ncols header cells, then rows */
	RDOC_CHART_AVAIL,
	RDOC_CHART_PERF,
};

enum rdoc_tone {
	TONE_NONE = 0,
	TONE_OK,
	TONE_BAD,
	TONE_WARN,
	TONE_MUTED,
};

struct rdoc_cell {
	char *text;
	enum rdoc_tone tone;
};

struct rdoc_block {
	enum rdoc_kind kind;
	char *text;
	char *sub;
	size_t ncols;
	double widths[10]; /* relative column widths of a table */
	struct rdoc_cell *cells;
	size_t ncells, alloc;
};

struct rdoc {
	const struct report *r;
	enum sg_lang lang;
	char *title;  /* the document's title (HTML <title>, PDF metadata) */
	char *footer; /* the running footer text (without the page number) */
	struct rdoc_block *blocks;
	size_t n, alloc;
};

void report_doc_build(const struct report *r, struct rdoc *d);
void report_doc_release(struct rdoc *d);

/* "2026年11月3日 10:05" / "2026-11-03 10:05" in the zone; "－" for NAN. */
void report_doc_time(struct dynbuf *out, double t, const char *tz, enum sg_lang lang);
/* "2026年11月" / "November 2026"; quarters and halves with their months. */
void report_doc_period(struct dynbuf *out, const struct timeutil_period *p, const char *tz,
                       enum sg_lang lang);

/* Chart scales: the availability axis runs from the returned floor to 100;
 * the response-time axis from 0 to the returned ceiling (ms), with `ticks`
 * equal steps. */
double report_doc_avail_floor(const struct report *r);
double report_doc_perf_ceiling(const struct report *r, int *ticks);
/* Day-of-month label of day i ("3"), and whether to label it. */
int report_doc_day_label(const struct report *r, size_t i, char out[8]);

#endif
