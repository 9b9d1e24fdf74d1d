/*
 * html - the one HTML writer. Every page saasguard serves or writes (the
 * status page, the operator pages, later the assessment, SLA and report
 * pages) is built here: html_text() is the only function that turns data
 * into markup (it escapes & < > " ' so the result is safe both as text and
 * inside a quoted attribute), html_fmt() is printf for markup whose %s
 * arguments always go through it, and html_page_begin()/html_page_end()
 * write the page shell (doctype, language, title, the one stylesheet, a
 * skip link, header and footer). The stylesheet is compiled in and served
 * as a file (no inline style or script, so a strict Content-Security-Policy
 * holds); its colours meet WCAG 2.1 AA contrast on white.
 *
 * Ownership: the caller owns the dynbuf; nothing here allocates beyond it.
 * Failure is the dynbuf's sticky status.
 */
#ifndef SG_HTML_H
#define SG_HTML_H

#include <stddef.h>

#include "dynbuf.h"
#include "i18n.h"

/* Appends s escaped for HTML text and quoted attribute values (through
 * dynbuf_add_html_escaped(), the one implementation). NULL appends nothing. */
void html_text(struct dynbuf *d, const char *s);

/* printf for markup. Conversions: %s (data: escaped with html_text), %r
 * (trusted markup written by the program, never data: appended as is), %d,
 * %u, %ld, %lld, %zu, %f and %.Nf (N one digit), %%. Anything else is
 * written literally. */
void html_fmt(struct dynbuf *d, const char *fmt, ...);

/* Where the stylesheet is served from (html_page_begin() links it). */
#define HTML_STYLESHEET_PATH "/assets/style.css"

/* The compiled-in stylesheet and its length. */
const char *html_stylesheet(size_t *len);

struct html_page {
	enum sg_lang lang;
	const char *title;    /* data: escaped */
	const char *heading;  /* the site name shown in the header (data); NULL: title */
	const char *home;     /* link target of the heading (trusted path); NULL: none */
	const char *alt_lang; /* link to the page in the other language (trusted); NULL: none */
	const char *feed;     /* an Atom feed to announce (trusted path); NULL: none */
};

void html_page_begin(struct dynbuf *d, const struct html_page *p);
/* Closes <main> and writes the footer (footer_note: data, may be NULL). */
void html_page_end(struct dynbuf *d, const struct html_page *p, const char *footer_note);

#endif
