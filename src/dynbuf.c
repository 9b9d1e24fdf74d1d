/*
 * dynbuf - growable NUL-terminated buffer with sticky failure; see dynbuf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "xalloc.h"
#include "banned.h"

void dynbuf_init(struct dynbuf *d, size_t max)
{
	d->buf = NULL;
	d->len = d->cap = 0;
	d->max = max ? max : DYNBUF_DEFAULT_MAX;
	d->status = SG_OK;
}

void dynbuf_release(struct dynbuf *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = d->cap = 0;
	d->status = SG_OK;
}

void dynbuf_reset(struct dynbuf *d)
{
	d->len = 0;
	d->status = SG_OK;
	if (d->buf)
		d->buf[0] = '\0';
}

char *dynbuf_detach(struct dynbuf *d, size_t *len)
{
	char *p = d->buf ? d->buf : xstrdup("");

	if (len)
		*len = d->len;
	d->buf = NULL;
	d->len = d->cap = 0;
	d->status = SG_OK;
	return p;
}

/* Makes room for extra more bytes; 0 when the buffer is failed or would pass its limit. */
static int grow(struct dynbuf *d, size_t extra)
{
	size_t need, cap;

	if (d->status)
		return 0;
	if (extra > d->max || d->len > d->max - extra) {
		d->status = SG_ERR_NOMEM;
		return 0;
	}
	need = d->len + extra + 1;
	if (need <= d->cap)
		return 1;
	cap = d->cap ? d->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	d->buf = xrealloc(d->buf, cap);
	d->cap = cap;
	return 1;
}

void dynbuf_add(struct dynbuf *d, const void *mem, size_t len)
{
	if (!grow(d, len))
		return;
	if (len)
		memcpy(d->buf + d->len, mem, len);
	d->len += len;
	d->buf[d->len] = '\0';
}

void dynbuf_addstr(struct dynbuf *d, const char *s)
{
	dynbuf_add(d, s, strlen(s));
}

void dynbuf_addch(struct dynbuf *d, char c)
{
	dynbuf_add(d, &c, 1);
}

void dynbuf_vprintf(struct dynbuf *d, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (d->status)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		d->status = SG_ERR_INTERNAL;
		return;
	}
	if (!grow(d, (size_t)n))
		return;
	vsnprintf(d->buf + d->len, (size_t)n + 1, fmt, ap);
	d->len += (size_t)n;
}

void dynbuf_printf(struct dynbuf *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dynbuf_vprintf(d, fmt, ap);
	va_end(ap);
}

void dynbuf_setlen(struct dynbuf *d, size_t len)
{
	if (len <= d->len && d->buf) {
		d->len = len;
		d->buf[len] = '\0';
	}
}

void dynbuf_add_line_escaped(struct dynbuf *d, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == '\n')
			dynbuf_addstr(d, "\\n");
		else if (*p == '\r')
			dynbuf_addstr(d, "\\r");
		else if (*p == '\t')
			dynbuf_addstr(d, "\\t");
		else if (*p == '\\')
			dynbuf_addstr(d, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			dynbuf_printf(d, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* U+0080..U+009F */
			dynbuf_printf(d, "\\xc2\\x%02x", *++p);
		else
			dynbuf_addch(d, (char)*p);
	}
}

void dynbuf_add_html_escaped(struct dynbuf *d, const char *s)
{
	const char *run = s;

	/* Unescaped runs are copied whole: status pages escape every value. */
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		dynbuf_add(d, run, (size_t)(s - run));
		dynbuf_addstr(d, rep);
		run = s + 1;
	}
	dynbuf_add(d, run, (size_t)(s - run));
}
