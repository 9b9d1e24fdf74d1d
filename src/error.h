/*
 * error - the project's one error enum and the error object callers pass down.
 *
 * Library functions never print: they return an enum sg_code and, when the
 * caller passed a struct sg_error, fill it with a message, an optional hint
 * ("what to write instead") and the position (file:line:col) of bad input.
 * The CLI is the only place that formats an error for a person and maps the
 * code to an exit status. A struct sg_error owns no heap memory; it can live
 * on the stack and needs no release.
 */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include <stdarg.h>

enum sg_code {
	SG_OK = 0,
	SG_ERR_USAGE,     /* bad command-line arguments */
	SG_ERR_INPUT,     /* bad input file or value: has file:line:col */
	SG_ERR_NOT_FOUND, /* a named thing does not exist */
	SG_ERR_EXISTS,    /* refusing to overwrite */
	SG_ERR_IO,        /* the OS said no */
	SG_ERR_NOMEM,
	SG_ERR_DB,      /* the store failed */
	SG_ERR_CRYPTO,  /* signing, hashing or a token failed */
	SG_ERR_NETWORK, /* a peer could not be reached */
	SG_ERR_VERIFY,  /* evidence did not verify: a finding, not a crash */
	SG_ERR_INTERNAL,
};

struct sg_error {
	enum sg_code code;
	char msg[512];
	char hint[256];
	char file[256];
	int line; /* 1-based; 0 when unknown */
	int col;  /* 1-based; 0 when unknown */
	int lang; /* enum sg_lang the caller wants messages in (0: Japanese) */
};

/* Picks the message text in the language the caller asked for. Every
 * message a person reads is written in both languages with ETR(err, "日本語",
 * "English") (TR() for what the CLI prints). Two exceptions, kept by
 * tools/checkmsg.py (tests/integration/test_source_rules.py):
 *  - SG_ERR_INTERNAL errors say "cannot happen" (a defect, not something
 *    the user did or can fix) and may stay English;
 *  - text that reads the same in both languages (a command or a line of the
 *    profile to type, the version line) is marked on its line with the
 *    comment: msg: not translated (why). */
#define ETR(e, ja, en) (sg_error_lang(e) == 1 ? (en) : (ja))
static inline int sg_error_lang(const struct sg_error *e)
{
	return e ? e->lang : 0;
}

/* Sets code and message; returns code so callers can `return sg_error_set(...)`.
 * e may be NULL, then only the code is returned. */
enum sg_code sg_error_set(struct sg_error *e, enum sg_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum sg_code sg_error_vset(struct sg_error *e, enum sg_code code, const char *fmt, va_list ap);

/* As sg_error_set() with the position of the bad input. */
enum sg_code sg_error_at(struct sg_error *e, enum sg_code code, const char *file, int line, int col,
                         const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds a "write this instead" hint to an error already set. */
void sg_error_hint(struct sg_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the message, e.g. with the file being read: "profile.yaml: ...". */
void sg_error_prefix(struct sg_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Exit status for a command that failed with this code: 2 for usage and
 * input errors (and anything unexpected), 1 for a verification finding. */
int sg_code_exit_status(enum sg_code code);

#endif
