/*
 * monitor_lock - one monitoring daemon per store; see monitor.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "xalloc.h"
#include "banned.h"

enum sg_code monitor_lock(const char *db_path, int *fd_out, struct sg_error *err)
{
	char *path = xstrfmt("%s.monitor.lock", db_path);
	struct flock fl;
	char pid[32];
	int fd, n;

	*fd_out = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		sg_error_set(err, SG_ERR_IO,
		             ETR(err, "%s: ロックファイルを開けません: %s", "%s: cannot open: %s"),
		             path, strerror(errno));
		free(path);
		return SG_ERR_IO;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		long holder = 0;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			holder = (long)fl.l_pid;
		close(fd);
		sg_error_set(err, SG_ERR_EXISTS,
		             ETR(err, "%s は別の monitor（pid %ld）が使用中です",
		                 "%s is in use by another monitor (pid %ld)"),
		             db_path, holder);
		sg_error_hint(err, "%s",
		              ETR(err, "同じデータベースで monitor を二つ動かすことはできません",
		                  "run one monitor per database"));
		free(path);
		return SG_ERR_EXISTS;
	}
	/* The pid is for people reading the file; the lock is what counts. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && write(fd, pid, (size_t)n) < 0)
		(void)0;
	free(path);
	*fd_out = fd;
	return SG_OK;
}
