/*
 * subproc - run an external program (restic, chronyc, nft ...) the safe way:
 * posix_spawn with an argv (never a shell), the program found by absolute
 * path (never through root's $PATH), standard input from /dev/null,
 * standard output and error captured up to a limit, extra environment
 * variables added to a minimal environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin,
 * LC_ALL=C, HOME=/nonexistent when set), and a deadline after which the
 * child is killed. Collectors use it for every program they run.
 *
 * Ownership: struct subproc_result owns its two buffers; subproc_result_release()
 * frees them.
 */
#ifndef SG_SUBPROC_H
#define SG_SUBPROC_H

#include <stddef.h>

#include "dynbuf.h"
#include "error.h"

struct subproc_result {
	int exited;        /* the child exited (rather than being killed) */
	int status;        /* exit status when exited */
	int timed_out;     /* killed at the deadline */
	int truncated;     /* output beyond max_output was dropped */
	struct dynbuf out; /* standard output */
	struct dynbuf err; /* standard error */
};

struct subproc_opts {
	double timeout_s;       /* 0: 30 s */
	size_t max_output;      /* bytes kept of each stream; 0: 16 MiB */
	const char *const *env; /* extra NAME=value entries (NULL-terminated) or NULL */
};

/* Finds an executable regular file for prog; returns a string the caller
 * frees, or NULL. A prog with a '/' must be an absolute path (a configured
 * tool) and is taken as is. A bare name is looked up in /usr/sbin, /usr/bin,
 * /sbin and /bin; the caller's PATH is searched first only for an ordinary
 * user (never as root or set-id, where PATH may name a directory an
 * attacker writes), and only its absolute entries. */
char *subproc_which(const char *prog);

/* Runs argv[0] (found by subproc_which()) with argv. Returns SG_OK
 * when the program ran (whatever its exit status); SG_ERR_NOT_FOUND when it
 * is not installed; SG_ERR_IO when it could not be started. */
enum sg_code subproc_run(const char *const *argv, const struct subproc_opts *opts,
                         struct subproc_result *res, struct sg_error *err);
void subproc_result_release(struct subproc_result *res);

#endif
