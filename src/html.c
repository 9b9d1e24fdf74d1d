/*
 * html - the one HTML writer; see html.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "banned.h"

void html_text(struct dynbuf *d, const char *s)
{
	/* The one escaping implementation is dynbuf's (the report and assessment
	 * writers use it directly); this adds NULL as "nothing". */
	if (s)
		dynbuf_add_html_escaped(d, s);
}

void html_fmt(struct dynbuf *d, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *run = fmt;

	va_start(ap, fmt);
	while (*p) {
		if (*p != '%') {
			p++;
			continue;
		}
		dynbuf_add(d, run, (size_t)(p - run));
		p++;
		if (*p == 's') {
			html_text(d, va_arg(ap, const char *));
			p++;
		} else if (*p == 'r') {
			dynbuf_addstr(d, va_arg(ap, const char *));
			p++;
		} else if (*p == 'd') {
			dynbuf_printf(d, "%d", va_arg(ap, int));
			p++;
		} else if (*p == 'u') {
			dynbuf_printf(d, "%u", va_arg(ap, unsigned));
			p++;
		} else if (!strncmp(p, "lld", 3)) {
			dynbuf_printf(d, "%lld", va_arg(ap, long long));
			p += 3;
		} else if (!strncmp(p, "ld", 2)) {
			dynbuf_printf(d, "%ld", va_arg(ap, long));
			p += 2;
		} else if (!strncmp(p, "zu", 2)) {
			dynbuf_printf(d, "%zu", va_arg(ap, size_t));
			p += 2;
		} else if (*p == 'f') {
			dynbuf_printf(d, "%f", va_arg(ap, double));
			p++;
		} else if (p[0] == '.' && p[1] >= '0' && p[1] <= '9' && p[2] == 'f') {
			dynbuf_printf(d, "%.*f", p[1] - '0', va_arg(ap, double));
			p += 3;
		} else if (*p == '%') {
			dynbuf_addch(d, '%');
			p++;
		} else {
			dynbuf_addch(d, '%');
		}
		run = p;
	}
	dynbuf_add(d, run, (size_t)(p - run));
	va_end(ap);
}

/* Colours checked against WCAG 2.1 AA on #ffffff (text >= 4.5:1, bars and
 * borders >= 3:1): #1a1a1a 17.4, #1f6f3a 6.2, #a3111f 7.6, #7a4f00 7.3,
 * #595959 7.0, #0b57a4 7.1. */
static const char stylesheet[] =
    ":root{color-scheme:light}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\","
    "system-ui,sans-serif;color:#1a1a1a;background:#fff;line-height:1.6}\n"
    "a{color:#0b57a4}a:focus,button:focus,input:focus,select:focus,textarea:focus"
    "{outline:3px solid #0b57a4;outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;"
    "padding:4px}\n"
    "header.site{border-bottom:1px solid #767676;padding:12px 24px;display:flex;"
    "justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}\n"
    "header.site .name{font-weight:bold;font-size:1.2em;color:#1a1a1a;text-decoration:none}\n"
    "main{max-width:960px;margin:0 auto;padding:16px 24px}\n"
    "footer.site{border-top:1px solid #767676;padding:12px 24px;color:#595959;"
    "font-size:.9em}\n"
    "h1{font-size:1.6em}h2{font-size:1.3em;margin-top:2em}h3{font-size:1.1em}\n"
    ".state{font-weight:bold}.up{color:#1f6f3a}.down{color:#a3111f}"
    ".degraded{color:#7a4f00}.unknown,.muted{color:#595959}\n"
    ".banner{border:2px solid;padding:8px 12px;margin:12px 0}\n"
    ".banner.up{border-color:#1f6f3a}.banner.down{border-color:#a3111f}"
    ".banner.degraded{border-color:#7a4f00}.banner.unknown{border-color:#595959}\n"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;"
    "border-bottom:1px solid #c6c6c6;vertical-align:top}\n"
    "ol.bars{list-style:none;display:flex;gap:1px;padding:0;margin:8px 0;height:36px;"
    "align-items:stretch}\n"
    "ol.bars li{flex:1;min-width:2px;border-radius:1px}\n"
    "ol.bars li.up{background:#1f6f3a}ol.bars li.down{background:#a3111f}"
    "ol.bars li.degraded{background:#b07a00}ol.bars li.unknown{background:#8c8c8c}"
    "ol.bars li.maint{background:#0b57a4}\n"
    ".legend{font-size:.9em;color:#595959}\n"
    "pre,code{font-family:ui-monospace,\"Noto Sans Mono CJK JP\",monospace;"
    "font-size:.9em}\n"
    "pre{background:#f3f3f3;border:1px solid #c6c6c6;padding:8px;overflow-x:auto;"
    "white-space:pre-wrap;word-break:break-all}\n"
    ".timeline{margin:0;padding-left:1.2em}\n"
    ".proof{font-size:.9em}\n"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0)}\n";

const char *html_stylesheet(size_t *len)
{
	if (len)
		*len = sizeof(stylesheet) - 1;
	return stylesheet;
}

void html_page_begin(struct dynbuf *d, const struct html_page *p)
{
	int en = p->lang == SG_LANG_EN;

	html_fmt(d,
	         "<!DOCTYPE html>\n<html lang=\"%r\">\n<head>\n<meta charset=\"utf-8\">\n"
	         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	         "<meta name=\"referrer\" content=\"no-referrer\">\n<title>%s</title>\n"
	         "<link rel=\"stylesheet\" href=\"%s\">\n",
	         en ? "en" : "ja", p->title, HTML_STYLESHEET_PATH);
	if (p->feed)
		html_fmt(d, "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"%s\">\n",
		         p->feed);
	html_fmt(
	    d, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">%r</a>\n<header class=\"site\">",
	    en ? "Skip to content" : "本文へ移動");
	if (p->home)
		html_fmt(d, "<a class=\"name\" href=\"%s\">%s</a>", p->home,
		         p->heading ? p->heading : p->title);
	else
		html_fmt(d, "<span class=\"name\">%s</span>", p->heading ? p->heading : p->title);
	if (p->alt_lang)
		html_fmt(d, "<a href=\"%s\" hreflang=\"%r\" lang=\"%r\">%r</a>", p->alt_lang,
		         en ? "ja" : "en", en ? "ja" : "en", en ? "日本語" : "English");
	dynbuf_addstr(d, "</header>\n<main id=\"main\">\n");
}

void html_page_end(struct dynbuf *d, const struct html_page *p, const char *footer_note)
{
	dynbuf_addstr(d, "</main>\n<footer class=\"site\">");
	if (footer_note)
		html_text(d, footer_note);
	(void)p;
	dynbuf_addstr(d, "</footer>\n</body>\n</html>\n");
}
