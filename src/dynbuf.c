/*
 * dynbuf - growable NUL-terminated buffer; see dynbuf.h.
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
}

void dynbuf_release(struct dynbuf *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = d->cap = 0;
}

void dynbuf_reset(struct dynbuf *d)
{
	d->len = 0;
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
	return p;
}

static enum sg_code grow(struct dynbuf *d, size_t extra)
{
	size_t need, cap;

	if (extra > d->max || d->len > d->max - extra)
		return SG_ERR_NOMEM;
	need = d->len + extra + 1;
	if (need <= d->cap)
		return SG_OK;
	cap = d->cap ? d->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	d->buf = xrealloc(d->buf, cap);
	d->cap = cap;
	return SG_OK;
}

enum sg_code dynbuf_add(struct dynbuf *d, const void *mem, size_t len)
{
	enum sg_code rc = grow(d, len);

	if (rc)
		return rc;
	if (len)
		memcpy(d->buf + d->len, mem, len);
	d->len += len;
	d->buf[d->len] = '\0';
	return SG_OK;
}

enum sg_code dynbuf_addstr(struct dynbuf *d, const char *s)
{
	return dynbuf_add(d, s, strlen(s));
}

enum sg_code dynbuf_addch(struct dynbuf *d, char c)
{
	return dynbuf_add(d, &c, 1);
}

enum sg_code dynbuf_vprintf(struct dynbuf *d, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	enum sg_code rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return SG_ERR_INTERNAL;
	rc = grow(d, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(d->buf + d->len, (size_t)n + 1, fmt, ap);
	d->len += (size_t)n;
	return SG_OK;
}

enum sg_code dynbuf_printf(struct dynbuf *d, const char *fmt, ...)
{
	va_list ap;
	enum sg_code rc;

	va_start(ap, fmt);
	rc = dynbuf_vprintf(d, fmt, ap);
	va_end(ap);
	return rc;
}

void dynbuf_setlen(struct dynbuf *d, size_t len)
{
	if (len <= d->len && d->buf) {
		d->len = len;
		d->buf[len] = '\0';
	}
}

enum sg_code dynbuf_add_json_escaped(struct dynbuf *d, const char *s)
{
	enum sg_code rc = SG_OK;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			rc = dynbuf_addstr(d, "\\\"");
			break;
		case '\\':
			rc = dynbuf_addstr(d, "\\\\");
			break;
		case '\n':
			rc = dynbuf_addstr(d, "\\n");
			break;
		case '\r':
			rc = dynbuf_addstr(d, "\\r");
			break;
		case '\t':
			rc = dynbuf_addstr(d, "\\t");
			break;
		default:
			if (c < 0x20)
				rc = dynbuf_printf(d, "\\u%04x", c);
			else
				rc = dynbuf_addch(d, (char)c);
		}
	}
	return rc;
}

enum sg_code dynbuf_add_html_escaped(struct dynbuf *d, const char *s)
{
	enum sg_code rc = SG_OK;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '<':
			rc = dynbuf_addstr(d, "&lt;");
			break;
		case '>':
			rc = dynbuf_addstr(d, "&gt;");
			break;
		case '&':
			rc = dynbuf_addstr(d, "&amp;");
			break;
		case '"':
			rc = dynbuf_addstr(d, "&quot;");
			break;
		case '\'':
			rc = dynbuf_addstr(d, "&#39;");
			break;
		default:
			rc = dynbuf_addch(d, *s);
		}
	}
	return rc;
}
