/*
 * ydoc - a YAML document as a tree of nodes that remember where they stood
 * (line and column), so every later check can say "profile.yaml:12:7: ...".
 *
 * Built on libyaml's event parser. It refuses what a configuration file has
 * no business containing: aliases (no "billion laughs"), duplicate keys,
 * non-scalar keys, more than one document, and nesting deeper than 64.
 * Each module interprets its own part of the tree (the profile its service
 * and controls, the monitor its checks); the helpers here keep their error
 * messages alike.
 *
 * Ownership: ydoc_parse() returns a document freed with ydoc_free(); every
 * node and string in it belongs to the document.
 */
#ifndef SG_YDOC_H
#define SG_YDOC_H

#include <stddef.h>

#include "error.h"
#include "value.h"

enum ydoc_type {
	YDOC_SCALAR,
	YDOC_MAP,
	YDOC_SEQ,
};

struct ydoc_node;

struct ydoc_pair {
	struct ydoc_node *key; /* always a scalar */
	struct ydoc_node *value;
};

struct ydoc_node {
	enum ydoc_type type;
	int line; /* 1-based */
	int col;  /* 1-based */
	/* YDOC_SCALAR */
	char *scalar;
	size_t len;
	int plain; /* unquoted: `null`, `~` and the empty plain scalar mean null */
	/* YDOC_MAP */
	struct ydoc_pair *pairs;
	size_t npairs;
	/* YDOC_SEQ */
	struct ydoc_node **items;
	size_t nitems;
};

struct ydoc {
	char *file;             /* the name used in messages */
	struct ydoc_node *root; /* NULL for an empty document */
};

enum sg_code ydoc_parse(const char *text, size_t len, const char *file, struct ydoc **out,
                        struct sg_error *err);
void ydoc_free(struct ydoc *doc);

/* The value of key in a map, or NULL (also when map is not a map). */
struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key);

/* A null scalar: `~`, `null`, or nothing after the colon. */
int ydoc_is_null(const struct ydoc_node *n);

/* Checks that report at the node's position and return SG_ERR_INPUT. `what`
 * names the thing for the message ("service.pattern"). */
enum sg_code ydoc_want(const struct ydoc *doc, const struct ydoc_node *n, enum ydoc_type type,
                       const char *what, struct sg_error *err);
/* Every key of map must be in the NULL-terminated allowed list; an unknown
 * one is reported with the nearest allowed key. */
enum sg_code ydoc_check_keys(const struct ydoc *doc, const struct ydoc_node *map,
                             const char *const *allowed, const char *what, struct sg_error *err);
/* Reports a missing required key at the map's position. */
enum sg_code ydoc_missing(const struct ydoc *doc, const struct ydoc_node *map, const char *key,
                          const char *what, struct sg_error *err);

/* Typed scalar readers: each reports a wrong type or value at n. */
enum sg_code ydoc_str(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                      const char **out, struct sg_error *err);
enum sg_code ydoc_bool(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                       int *out, struct sg_error *err);
enum sg_code ydoc_int(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                      long long lo, long long hi, long long *out, struct sg_error *err);
enum sg_code ydoc_duration(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                           double *seconds, struct sg_error *err);
/* Any value of the value grammar; a sequence becomes a VALUE_SET. */
enum sg_code ydoc_value(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                        struct value *out, struct sg_error *err);
/* A date (2026-10-01) or date-time (2026-12-01T02:00+09:00, ...Z); a bare
 * date is midnight UTC. Seconds since the epoch. */
enum sg_code ydoc_time(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                       long long *out, struct sg_error *err);

/* Sets err at n's position (file:line:col) with a message. */
enum sg_code ydoc_error(const struct ydoc *doc, const struct ydoc_node *n, struct sg_error *err,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
