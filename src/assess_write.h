/*
 * assess_write - renders an assessment result (assess.h) for people and
 * tools: a terminal table (coloured only when asked), JSON, a gap report in
 * Markdown or self-contained HTML (ordered by severity then id, summary on
 * top, prints well), the Annex 2 and Annex 3 checklists as CSV (UTF-8 with a
 * BOM) and OSCAL 1.1.3 assessment results.
 *
 * Writers only append to the caller's dynbuf; nothing is printed or written
 * to a file here.
 */
#ifndef SG_ASSESS_WRITE_H
#define SG_ASSESS_WRITE_H

#include <jansson.h>

#include "assess.h"
#include "dynbuf.h"
#include "error.h"
#include "table.h"

enum assess_format {
	ASSESS_TABLE = 0,
	ASSESS_JSON,
	ASSESS_MARKDOWN,
	ASSESS_HTML,
	ASSESS_CSV,
	ASSESS_OSCAL,
	ASSESS_XLSX, /* written by assess_xlsx() (assess_xlsx.h), not assess_write() */
};

/* The names of the formats in enum order, NULL-terminated (for --format). */
extern const char *const assess_format_names[];

struct assess_write_opts {
	int lang;   /* enum sg_lang */
	int color;  /* table: ANSI colours */
	int strict; /* the verdict line counts recommended controls */
};

enum sg_code assess_write(const struct assess_result *r, enum assess_format fmt,
                          const struct assess_write_opts *o, struct dynbuf *out,
                          struct sg_error *err);

/* I.8.1's caveat (countermeasures are indicators, not certification
 * criteria; reference values are guides), for every gap report, HTML and PDF. */
const char *assess_caveat_text(int lang);

/* The Annex 2 and Annex 3 checklist rows the CSV and the xlsx workbook show:
 * one row per evaluation item (one per countermeasure without items), the
 * columns named in the user's language:
 *   0 annex ("Annex 2"/"Annex 3"), 1 id, 2 item letter, 3 control text,
 *   4 level, 5 evaluation item, 6 reference value, 7 target, 8 value,
 *   9 value source ("申告"/"declared" or the measurement's source),
 *   10 item verdict, 11 implemented mark (○ × － △), 12 status,
 *   13 owner, 14 evidence ("title (path or url)" per line),
 *   15 reason / notes (reason, "（期限 DATE）", notes, "ギャップ: ...").
 * `saasguard import` reads these columns back by their header names.
 * Initialises t; the caller releases it with table_release(). */
#define ASSESS_CHECKLIST_COLUMNS 16
void assess_checklist_table(const struct assess_result *r, const struct assess_write_opts *o,
                            struct table *t);

#endif
