/*
 * fileio - whole-file reads and crash-safe writes.
 *
 * fileio_write_atomic() writes to a temporary file beside the target, fsyncs
 * it, renames it over the target and fsyncs the directory, so a reader sees
 * either the old file or the new one, never half of it. Nothing here prints.
 */
#ifndef SG_FILEIO_H
#define SG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "dynbuf.h"
#include "error.h"

/* Appends the file's contents to out; "-" reads standard input. Refuses files
 * larger than max bytes (0: 256 MiB). */
enum sg_code fileio_read(const char *path, size_t max, struct dynbuf *out, struct sg_error *err);

enum fileio_flags {
	FILEIO_NO_CLOBBER = 1, /* fail with SG_ERR_EXISTS if path exists */
};

/* Writes data to path atomically with the given mode (e.g. 0600, 0644).
 * path "-" writes to standard output instead. */
enum sg_code fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                 int flags, struct sg_error *err);

/* mkdir -p with mode for the directories it creates. */
enum sg_code fileio_mkdirs(const char *path, mode_t mode, struct sg_error *err);

/* SHA-256 of a file as 64 lowercase hex characters plus NUL. */
enum sg_code fileio_sha256_hex(const char *path, char out[65], struct sg_error *err);

#endif
