/*
 * subproc - external programs with argv, bounded output and a deadline; see
 * subproc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subproc.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

/* Where programs are looked for when the caller's PATH is not trusted. */
static const char *const fixed_dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL};

static char *executable(char *cand)
{
	struct stat st;

	if (access(cand, X_OK) == 0 && !stat(cand, &st) && S_ISREG(st.st_mode))
		return cand;
	free(cand);
	return NULL;
}

char *subproc_which(const char *prog)
{
	const char *path = getenv("PATH");
	/* Root (or a set-id process) must not run whatever the caller's PATH
	 * names first: a directory an attacker can write would own the host. */
	int trusted_path = geteuid() != 0 && geteuid() == getuid() && path && *path;
	char *found;

	if (strchr(prog, '/'))
		return prog[0] == '/' ? executable(xstrdup(prog)) : NULL;
	while (trusted_path && *path) {
		size_t n = strcspn(path, ":");
		if (n && path[0] == '/' &&
		    (found = executable(xstrfmt("%.*s/%s", (int)n, path, prog))))
			return found;
		path += n;
		if (*path == ':')
			path++;
	}
	for (size_t i = 0; fixed_dirs[i]; i++)
		if ((found = executable(xstrfmt("%s/%s", fixed_dirs[i], prog))))
			return found;
	return NULL;
}

static void drain(int fd, struct dynbuf *b, size_t max, int *truncated, int *open_)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		size_t room = b->len < max ? max - b->len : 0;
		size_t take = (size_t)n < room ? (size_t)n : room;
		if (take)
			dynbuf_add(b, buf, take);
		if (take < (size_t)n)
			*truncated = 1;
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		*open_ = 0;
	}
}

enum sg_code subproc_run(const char *const *argv, const struct subproc_opts *opts,
                         struct subproc_result *res, struct sg_error *err)
{
	double timeout = opts && opts->timeout_s > 0 ? opts->timeout_s : 30;
	size_t max = opts && opts->max_output ? opts->max_output : (size_t)16 << 20;
	char *prog = subproc_which(argv[0]);
	const char *base_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	const char **envp;
	size_t nenv = 0, k = 0;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, devnull;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, wstatus = 0, out_open = 1, err_open = 1, killed = 0;
	double deadline;

	memset(res, 0, sizeof(*res));
	dynbuf_init(&res->out, DYNBUF_DEFAULT_MAX);
	dynbuf_init(&res->err, DYNBUF_DEFAULT_MAX);
	if (!prog)
		return sg_error_set(
		    err, SG_ERR_NOT_FOUND,
		    ETR(err, "%s がインストールされていません", "%s is not installed"), argv[0]);
	for (const char *const *e = opts ? opts->env : NULL; e && *e; e++)
		nenv++;
	envp = xcalloc(nenv + 4, sizeof(*envp));
	for (int i = 0; base_env[i]; i++)
		envp[k++] = base_env[i];
	if (getenv("HOME"))
		envp[k++] = "HOME=/nonexistent"; /* no user configuration leaks in */
	for (size_t i = 0; i < nenv; i++)
		envp[k++] = opts->env[i];
	envp[k] = NULL;

	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		rc =
		    sg_error_set(err, SG_ERR_IO, ETR(err, "パイプを作成できません: %s", "pipe: %s"),
		                 strerror(errno));
		goto out;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	if (devnull >= 0)
		posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	rc = posix_spawn(&pid, prog, &fa, NULL, (char *const *)argv, (char *const *)envp);
	posix_spawn_file_actions_destroy(&fa);
	if (devnull >= 0)
		close(devnull);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (rc) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "%s を起動できません: %s", "cannot start %s: %s"),
		                  argv[0], strerror(rc));
		goto out;
	}
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	deadline = timeutil_monotonic_ms() + timeout * 1000;
	while (out_open || err_open) {
		struct pollfd pfd[2];
		int np = 0, left = (int)(deadline - timeutil_monotonic_ms());
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (out_open)
			pfd[np++] = (struct pollfd){outp[0], POLLIN, 0};
		if (err_open)
			pfd[np++] = (struct pollfd){errp[0], POLLIN, 0};
		if (poll(pfd, (nfds_t)np, left) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < np; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == outp[0])
				drain(outp[0], &res->out, max, &res->truncated, &out_open);
			else
				drain(errp[0], &res->err, max, &res->truncated, &err_open);
		}
	}
	/* The streams closed; wait for the exit within what is left. */
	while (!killed) {
		pid_t w = waitpid(pid, &wstatus, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (timeutil_monotonic_ms() > deadline) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		usleep(2000);
	}
	if (killed)
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	res->timed_out = killed;
	res->exited = !killed && WIFEXITED(wstatus);
	res->status = res->exited ? WEXITSTATUS(wstatus) : -1;
	rc = SG_OK;
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(envp);
	free(prog);
	return rc;
}

void subproc_result_release(struct subproc_result *res)
{
	dynbuf_release(&res->out);
	dynbuf_release(&res->err);
}
