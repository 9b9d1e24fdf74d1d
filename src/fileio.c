/*
 * fileio - whole-file reads and crash-safe writes; see fileio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code fileio_read(const char *path, size_t max, struct dynbuf *out, struct sg_error *err)
{
	char chunk[65536];
	int fd;
	ssize_t n;
	size_t total = 0;

	if (!max)
		max = (size_t)256 << 20;
	if (!strcmp(path, "-"))
		fd = STDIN_FILENO;
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sg_error_set(err, errno == ENOENT ? SG_ERR_NOT_FOUND : SG_ERR_IO,
		                    "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			if (fd != STDIN_FILENO)
				close(fd);
			return sg_error_set(err, SG_ERR_IO, "%s: read failed: %s", path,
			                    strerror(e));
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total <= max)
			dynbuf_add(out, chunk, (size_t)n);
		if (total > max || dynbuf_status(out)) {
			if (fd != STDIN_FILENO)
				close(fd);
			return sg_error_set(err, SG_ERR_INPUT, "%s: larger than %zu bytes", path,
			                    max);
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return SG_OK;
}

static enum sg_code write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SG_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return SG_OK;
}

enum sg_code fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                 int flags, struct sg_error *err)
{
	char *tmp, *dcopy, *dir;
	int fd, dfd;
	struct stat st;

	if (!strcmp(path, "-")) {
		if (write_all(STDOUT_FILENO, data, len))
			return sg_error_set(err, SG_ERR_IO, "cannot write to standard output: %s",
			                    strerror(errno));
		return SG_OK;
	}
	if ((flags & FILEIO_NO_CLOBBER) && lstat(path, &st) == 0)
		return sg_error_set(err, SG_ERR_EXISTS, "%s: already exists; not overwriting it",
		                    path);
	tmp = xstrfmt("%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return sg_error_set(err, SG_ERR_IO, "%s: cannot create: %s", path, strerror(e));
	}
	if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", path, strerror(e));
	}
	close(fd);
	if ((flags & FILEIO_NO_CLOBBER) ? link(tmp, path) : rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return sg_error_set(err, e == EEXIST ? SG_ERR_EXISTS : SG_ERR_IO,
		                    "%s: cannot put in place: %s", path, strerror(e));
	}
	if (flags & FILEIO_NO_CLOBBER)
		unlink(tmp);
	free(tmp);
	dcopy = xstrdup(path);
	dir = dirname(dcopy);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dcopy);
	return SG_OK;
}

enum sg_code fileio_mkdirs(const char *path, mode_t mode, struct sg_error *err)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			int e = errno;
			sg_error_set(err, SG_ERR_IO, "%s: cannot create directory: %s", p,
			             strerror(e));
			free(p);
			return SG_ERR_IO;
		}
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST) {
		int e = errno;
		sg_error_set(err, SG_ERR_IO, "%s: cannot create directory: %s", p, strerror(e));
		free(p);
		return SG_ERR_IO;
	}
	free(p);
	return SG_OK;
}

enum sg_code fileio_sha256_hex(const char *path, char out[65], struct sg_error *err)
{
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return sg_error_set(err, errno == ENOENT ? SG_ERR_NOT_FOUND : SG_ERR_IO,
		                    "%s: cannot open: %s", path, strerror(errno));
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return sg_error_set(err, SG_ERR_CRYPTO, "SHA-256 unavailable");
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	close(fd);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return sg_error_set(err, SG_ERR_IO, "%s: read failed", path);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return SG_OK;
}
