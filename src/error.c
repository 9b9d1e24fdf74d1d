/*
 * error - the project's error enum and error object; see error.h.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

enum sg_code sg_error_vset(struct sg_error *e, enum sg_code code, const char *fmt, va_list ap)
{
	if (!e)
		return code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->hint[0] = '\0';
	e->file[0] = '\0';
	e->line = e->col = 0;
	return code;
}

enum sg_code sg_error_set(struct sg_error *e, enum sg_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_error_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

enum sg_code sg_error_at(struct sg_error *e, enum sg_code code, const char *file, int line, int col,
                         const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	sg_error_vset(e, code, fmt, ap);
	va_end(ap);
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	e->col = col;
	return code;
}

void sg_error_hint(struct sg_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
}

void sg_error_prefix(struct sg_error *e, const char *fmt, ...)
{
	char pre[256], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Keep the prefix whole and cut the old message if the two overflow. */
	size_t n = strlen(pre);
	if (n >= sizeof(e->msg))
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, pre, n);
	memcpy(e->msg + n, old, sizeof(e->msg) - n - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
}

int sg_code_exit_status(enum sg_code code)
{
	switch (code) {
	case SG_OK:
		return 0;
	case SG_ERR_VERIFY:
		return 1;
	default:
		return 2;
	}
}
