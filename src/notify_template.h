/*
 * notify_template - the message templates and their small language.
 *
 * Owns the built-in templates (data/templates/{ja,en}/NAME.txt, compiled
 * in), loading a provider's overrides from a `templates:` directory, and
 * rendering. A template is "Subject: ...", a blank line, then the body.
 * {{name}} inserts a variable; {{#name}}...{{/name}} keeps its content only
 * when the variable is non-empty, {{^name}}...{{/name}} only when it is
 * empty; a section tag alone on its line takes the line with it. Only the
 * variables in notify_template_vars[] exist (docs/templates.md), so a typo in
 * an override is an error at load time, not a blank in a customer's mail.
 *
 * Ownership: notify_template_load() returns a set freed with
 * notify_template_set_free(); texts it returns are borrowed from the set or
 * are static. struct notify_vars borrows its values.
 */
#ifndef SG_NOTIFY_TEMPLATE_H
#define SG_NOTIFY_TEMPLATE_H

#include "dynbuf.h"
#include "error.h"

/* Template names, NULL-terminated ("outage_open", "recovered" ...). */
extern const char *const notify_template_names[];
/* Variable names, NULL-terminated. */
extern const char *const notify_template_vars[];

struct notify_template_set;

/* Reads DIR/ja/NAME.txt and DIR/en/NAME.txt where present (dir NULL: only
 * the built-ins) and checks each against the language above. */
enum sg_code notify_template_load(const char *dir, struct notify_template_set **out,
                                  struct sg_error *err);
void notify_template_set_free(struct notify_template_set *t);
/* The text of a template: the override if loaded, else the built-in. */
const char *notify_template_text(const struct notify_template_set *t, const char *name, int en);

#define NOTIFY_VARS_MAX 48
struct notify_vars {
	const char *name[NOTIFY_VARS_MAX];
	const char *value[NOTIFY_VARS_MAX];
	size_t n;
};
void notify_vars_set(struct notify_vars *v, const char *name, const char *value);

/* Checks a template's syntax and variable names (file: for messages). */
enum sg_code notify_template_check(const char *text, const char *file, struct sg_error *err);
/* Renders text with v into subject and body (both appended to). */
void notify_template_render(const char *text, const struct notify_vars *v, struct dynbuf *subject,
                            struct dynbuf *body);

/* "2026年12月1日（火）12時38分頃" / "12:38 on Tuesday 1 December 2026"; approx
 * adds 頃 ("around" is the template's word in English). */
void notify_template_time(double t, const char *tz, int en, int approx, struct dynbuf *out);
/* "約23分", "約1時間5分" / "about 23 minutes". */
void notify_template_duration(double s, int en, struct dynbuf *out);
/* A probe's raw result ("HTTP 503", libcurl's English) said for people:
 * "HTTP ステータス 503（サーバーエラー）が返されました". */
void notify_template_explain(const char *raw, int en, struct dynbuf *out);

#endif
