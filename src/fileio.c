/*
 * fileio - whole-file reads, crash-safe writes and hashes of regular files;
 * see fileio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "hex.h"
#include "xalloc.h"
#include "banned.h"

static enum sg_code open_error(const char *path, int e, struct sg_error *err)
{
	return sg_error_set(err, e == ENOENT ? SG_ERR_NOT_FOUND : SG_ERR_IO,
	                    ETR(err, "%s: 開けません: %s", "%s: cannot open: %s"), path,
	                    strerror(e));
}

static enum sg_code not_regular(const char *path, struct sg_error *err)
{
	sg_error_set(
	    err, SG_ERR_INPUT,
	    ETR(err, "%s: 通常のファイルではありません（FIFO・デバイス・ディレクトリは扱いません）",
	        "%s: not a regular file (FIFOs, devices and directories are refused)"),
	    path);
	sg_error_hint(err,
	              ETR(err, "通常のファイルのパスを指定してください", "name a regular file"));
	return SG_ERR_INPUT;
}

static enum sg_code too_large(const char *path, unsigned long long max, struct sg_error *err)
{
	return sg_error_set(err, SG_ERR_INPUT,
	                    ETR(err, "%s: %llu バイトを超えています", "%s: larger than %llu bytes"),
	                    path, max);
}

/* Opens path for reading without blocking on a FIFO and checks that it is a
 * regular file of at most max bytes; returns the descriptor or -1. */
static int open_regular(const char *path, off_t max, struct sg_error *err, enum sg_code *rc)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		*rc = open_error(path, errno, err);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		*rc = not_regular(path, err);
		return -1;
	}
	if (max && st.st_size > max) {
		close(fd);
		*rc = too_large(path, (unsigned long long)max, err);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int fileio_open_regular(const char *path, off_t max, struct sg_error *err)
{
	enum sg_code rc;

	return open_regular(path, max, err, &rc);
}

enum sg_code fileio_read(const char *path, size_t max, struct dynbuf *out, struct sg_error *err)
{
	char chunk[65536];
	int fd;
	ssize_t n;
	size_t total = 0;
	enum sg_code rc = SG_OK;

	if (!max)
		max = (size_t)256 << 20;
	if (!strcmp(path, "-"))
		fd = STDIN_FILENO;
	else if ((fd = open_regular(path, (off_t)max, err, &rc)) < 0)
		return rc;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sg_error_set(
			    err, SG_ERR_IO,
			    ETR(err, "%s: 読み込みに失敗しました: %s", "%s: read failed: %s"), path,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total <= max)
			dynbuf_add(out, chunk, (size_t)n);
		/* A file that grows while read (or a pipe) still stops at max. */
		if (total > max || dynbuf_status(out)) {
			rc = too_large(path, (unsigned long long)max, err);
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
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

/* Creates a new temporary file beside path with mode (the kernel applies
 * the umask, as for any new file); returns its descriptor and name. */
static int create_temp(const char *path, mode_t mode, char **tmp)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned char rnd[6];
		char hex[13];
		int fd;
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		hex_encode(rnd, sizeof(rnd), hex);
		*tmp = xstrfmt("%s.tmp.%s", path, hex);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*tmp);
		*tmp = NULL;
	}
	errno = EEXIST;
	return -1;
}

static void fsync_dir_of(const char *path)
{
	char *dcopy = xstrdup(path);
	int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dcopy);
}

enum sg_code fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                 int flags, struct sg_error *err)
{
	char *tmp = NULL;
	int fd, e;
	struct stat st;

	if (!strcmp(path, "-")) {
		if (write_all(STDOUT_FILENO, data, len))
			return sg_error_set(err, SG_ERR_IO,
			                    ETR(err, "標準出力に書き込めません: %s",
			                        "cannot write to standard output: %s"),
			                    strerror(errno));
		return SG_OK;
	}
	if (lstat(path, &st) == 0) {
		if (flags & FILEIO_NO_CLOBBER)
			return sg_error_set(err, SG_ERR_EXISTS,
			                    ETR(err, "%s: すでにあります。上書きしません",
			                        "%s: already exists; not overwriting it"),
			                    path);
		/* rename() would replace a FIFO, a device node or a symlink with a
		 * regular file (a run as root replaced /dev/full): refuse. */
		if (!S_ISREG(st.st_mode)) {
			sg_error_set(err, SG_ERR_INPUT,
			             ETR(err,
			                 "%s: "
			                 "通常のファイルではないため書き込みません（シンボリックリ"
			                 "ンク・FIFO・デバイス・ディレクトリ）",
			                 "%s: not a regular file; refusing to write there "
			                 "(symlink, FIFO, device or directory)"),
			             path);
			sg_error_hint(
			    err,
			    ETR(err, "新しいファイル名か既存の通常のファイルを指定してください",
			        "name a new file or an existing regular file"));
			return SG_ERR_INPUT;
		}
	}
	fd = create_temp(path, mode, &tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: 作成できません: %s", "%s: cannot create: %s"),
		                    path, strerror(e));
	}
	if (write_all(fd, data, len) || fsync(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return sg_error_set(
		    err, SG_ERR_IO,
		    ETR(err, "%s: 書き込みに失敗しました: %s", "%s: write failed: %s"), path,
		    strerror(e));
	}
	close(fd);
	if ((flags & FILEIO_NO_CLOBBER) ? link(tmp, path) : rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		free(tmp);
		return sg_error_set(
		    err, e == EEXIST ? SG_ERR_EXISTS : SG_ERR_IO,
		    ETR(err, "%s: 置き換えられません: %s", "%s: cannot put in place: %s"), path,
		    strerror(e));
	}
	if (flags & FILEIO_NO_CLOBBER)
		unlink(tmp);
	free(tmp);
	fsync_dir_of(path);
	return SG_OK;
}

static enum sg_code mkdir_one(const char *p, mode_t mode, struct sg_error *err)
{
	if (mkdir(p, mode) && errno != EEXIST)
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: ディレクトリを作成できません: %s",
		                        "%s: cannot create directory: %s"),
		                    p, strerror(errno));
	return SG_OK;
}

enum sg_code fileio_mkdirs(const char *path, mode_t mode, struct sg_error *err)
{
	char *p = xstrdup(path), *s;
	enum sg_code rc = SG_OK;

	for (s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		rc = mkdir_one(p, mode, err);
		*s = '/';
	}
	if (!rc)
		rc = mkdir_one(p, mode, err);
	free(p);
	return rc;
}

enum sg_code fileio_sha256_hex(const char *path, char out[65], struct sg_error *err)
{
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	enum sg_code rc = SG_OK;
	int fd = open_regular(path, FILEIO_HASH_MAX, err, &rc);
	off_t total = 0;
	ssize_t n;

	if (fd < 0)
		return rc;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return sg_error_set(err, SG_ERR_CRYPTO,
		                    ETR(err, "SHA-256 を使えません", "SHA-256 unavailable"));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		total += n;
		if (total > FILEIO_HASH_MAX) /* grew while read */
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	close(fd);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (total > FILEIO_HASH_MAX)
		return too_large(path, (unsigned long long)FILEIO_HASH_MAX, err);
	if (n < 0)
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: 読み込みに失敗しました", "%s: read failed"),
		                    path);
	hex_encode(md, sizeof(md), out);
	return SG_OK;
}
