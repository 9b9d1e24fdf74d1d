/*
 * dynbuf - a growable, always NUL-terminated byte buffer (after curl's dynbuf
 * and git's strbuf), with a hard size limit so hostile input cannot make it
 * grow without bound.
 *
 * Failure is sticky, as in curl: an append that would pass the limit (or a
 * printf that fails) leaves the buffer unchanged and marks it failed; every
 * later append is then a no-op, so a producer appends freely and checks
 * dynbuf_status() once, where the result is used. dynbuf_reset() and
 * dynbuf_release() clear the mark.
 *
 * Ownership: a struct dynbuf owns its buffer. dynbuf_release() frees it and
 * leaves an empty, reusable buffer; dynbuf_detach() hands the buffer to the
 * caller, who frees it with free(). dynbuf_ptr() stays valid until the next
 * call that changes the buffer.
 */
#ifndef SG_DYNBUF_H
#define SG_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

#define DYNBUF_DEFAULT_MAX ((size_t)1 << 30)

struct dynbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;          /* adding beyond this fails with SG_ERR_NOMEM */
	enum sg_code status; /* SG_OK until an append fails; then sticky */
};

#define DYNBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, DYNBUF_DEFAULT_MAX, SG_OK                                              \
	}

void dynbuf_init(struct dynbuf *d, size_t max);
void dynbuf_release(struct dynbuf *d);
void dynbuf_reset(struct dynbuf *d); /* length 0, keeps the memory */
char *dynbuf_detach(struct dynbuf *d, size_t *len);

void dynbuf_add(struct dynbuf *d, const void *mem, size_t len);
void dynbuf_addstr(struct dynbuf *d, const char *s);
void dynbuf_addch(struct dynbuf *d, char c);
void dynbuf_printf(struct dynbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dynbuf_vprintf(struct dynbuf *d, const char *fmt, va_list ap);
void dynbuf_setlen(struct dynbuf *d, size_t len); /* len <= current length */

/* SG_OK, or the code of the first append that failed since the last reset. */
__attribute__((warn_unused_result)) static inline enum sg_code dynbuf_status(const struct dynbuf *d)
{
	return d->status;
}

/* Appends s with HTML escaping (& < > " '), safe in text and quoted attributes. */
void dynbuf_add_html_escaped(struct dynbuf *d, const char *s);
/* Appends s with every control character escaped (\n \r \t \\ and \xNN for
 * C0, DEL and the UTF-8 encoded C1 controls), so a name from a profile or a
 * peer can never start a new log line or move the cursor; other UTF-8 (日本語)
 * is kept. */
void dynbuf_add_line_escaped(struct dynbuf *d, const char *s);

static inline const char *dynbuf_ptr(const struct dynbuf *d)
{
	return d->buf ? d->buf : "";
}

static inline size_t dynbuf_len(const struct dynbuf *d)
{
	return d->len;
}

#endif
