/*
 * secretfile - a secret from a file only its owner can read; see
 * secretfile.h.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynbuf.h"
#include "fileio.h"
#include "secretfile.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code secretfile_read(const struct ydoc *doc, const struct ydoc_node *n, const char *key,
                             const char *path, size_t max, char **out, struct sg_error *err)
{
	struct stat st;
	struct dynbuf b = DYNBUF_INIT;
	enum sg_code rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return ydoc_error(doc, n, err,
		                  ETR(err, "%s '%s' を開けません", "cannot open %s '%s'"), key,
		                  path);
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		ydoc_error(doc, n, err,
		           ETR(err, "%s '%s' は所有者だけが読めるようにしてください（現在 %03o）",
		               "%s '%s' must be a file readable by its owner only (it is %03o)"),
		           key, path, (unsigned)(st.st_mode & 0777));
		sg_error_hint(err, "chmod 600 %s", path);
		return SG_ERR_INPUT;
	}
	if ((rc = fileio_read(path, max, &b, err)))
		return rc;
	while (dynbuf_len(&b) && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		dynbuf_setlen(&b, b.len - 1);
	*out = dynbuf_detach(&b, NULL);
	if (!*out)
		*out = xstrdup("");
	return SG_OK;
}
