/*
 * secretfile - reads a secret a profile names by its path (a password, a
 * token, an HMAC key, header lines with credentials), the one check every
 * such file passes: a regular file only its owner can read (0600 or
 * stricter), opened without following a symbolic link, at most `max`
 * bytes; trailing line breaks go. An error names the profile's line: the
 * YAML node that gave the path.
 *
 * Ownership: *out is the caller's, freed with free() (after wiping it: it
 * is a secret).
 */
#ifndef SG_SECRETFILE_H
#define SG_SECRETFILE_H

#include <stddef.h>

#include "error.h"
#include "ydoc.h"

/* Reads the file at path, which the key `key` at node n of doc names. */
enum sg_code secretfile_read(const struct ydoc *doc, const struct ydoc_node *n, const char *key,
                             const char *path, size_t max, char **out, struct sg_error *err);

#endif
