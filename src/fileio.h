/*
 * fileio - whole-file reads, crash-safe writes and file hashes, for regular
 * files only.
 *
 * Every path saasguard reads or writes may be named by someone else (a
 * profile's evidence list, --output, a log path), so each function refuses
 * what would hang or harm: a FIFO (blocks the reader forever), a device
 * (/dev/zero never ends; /dev/full would be replaced), a directory, and, for
 * writes, a symbolic link at the target. Reads are capped in size.
 *
 * fileio_write_atomic() writes to a temporary file beside the target, fsyncs
 * it, renames it over the target and fsyncs the directory, so a reader sees
 * either the old file or the new one, never half of it. The new file gets
 * the requested mode less the process umask, as open(2) would give it.
 * Nothing here prints; every message is in both languages.
 */
#ifndef SG_FILEIO_H
#define SG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "dynbuf.h"
#include "error.h"

/* Appends the file's contents to out; "-" reads standard input (which may be
 * a pipe). Refuses anything but a regular file, and files larger than max
 * bytes (0: 256 MiB), before reading them. */
enum sg_code fileio_read(const char *path, size_t max, struct dynbuf *out, struct sg_error *err);

enum fileio_flags {
	FILEIO_NO_CLOBBER = 1, /* fail with SG_ERR_EXISTS if path exists */
};

/* Writes data to path atomically with the given mode less the umask: 0666
 * for output a person asked for (the umask decides, as for any new file),
 * 0600 for secrets and keys (the umask can only make it stricter). The target must be a new path or
 * a regular file: a symlink, a FIFO, a device or a directory there is refused with SG_ERR_INPUT and
 * left alone. path "-" writes to standard output instead. */
enum sg_code fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                 int flags, struct sg_error *err);

/* Opens path for reading like fileio_read() does: without blocking on a
 * FIFO, refusing anything but a regular file of at most max bytes (0: no
 * size limit). Returns a blocking descriptor the caller closes, or -1 with
 * err set. For readers that stream (gzdopen, fdopen). */
int fileio_open_regular(const char *path, off_t max, struct sg_error *err);

/* mkdir -p with mode for the directories it creates. */
enum sg_code fileio_mkdirs(const char *path, mode_t mode, struct sg_error *err);

/* Files larger than this are not hashed (evidence is documents, not disks). */
#define FILEIO_HASH_MAX ((off_t)4 << 30)

/* SHA-256 of a regular file of at most FILEIO_HASH_MAX bytes as 64 lowercase
 * hex characters plus NUL. */
enum sg_code fileio_sha256_hex(const char *path, char out[65], struct sg_error *err);

#endif
