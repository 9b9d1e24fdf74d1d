/* Unit tests for subproc: programs run by absolute path, never through
 * root's $PATH; output captured; relative paths refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "subproc.h"

static char dir[] = "/tmp/sg-subproc-XXXXXX";
static char tool[300], marker[300];

static int setup(void **state)
{
	FILE *f;
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(tool, sizeof(tool), "%s/sg-planted-tool", dir);
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	f = fopen(tool, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\necho planted\ntouch %s\n", marker);
	fclose(f);
	return chmod(tool, 0755);
}

static int teardown(void **state)
{
	(void)state;
	unlink(tool);
	unlink(marker);
	rmdir(dir);
	return 0;
}

/* A program planted in a directory on PATH: root never runs it; an
 * ordinary user (who controls their own PATH) does. */
static void test_path_not_searched_as_root(void **state)
{
	const char *argv[] = {"sg-planted-tool", NULL};
	struct subproc_result r;
	struct sg_error err;
	char *found;
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	enum sg_code rc;
	(void)state;
	memset(&err, 0, sizeof(err));
	/* setenv is banned in src/ (threads); a test may set its own PATH. */
	setenv("PATH", dir, 1);
	found = subproc_which("sg-planted-tool");
	rc = subproc_run(argv, NULL, &r, &err);
	if (geteuid() == 0) {
		assert_null(found);
		assert_int_equal(rc, SG_ERR_NOT_FOUND);
		assert_int_equal(access(marker, F_OK), -1);
	} else {
		assert_non_null(found);
		assert_int_equal(rc, SG_OK);
		assert_string_equal(dynbuf_ptr(&r.out), "planted\n");
	}
	subproc_result_release(&r);
	free(found);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	unlink(marker);
}

/* A configured absolute path runs; a relative one never does. */
static void test_absolute_and_relative(void **state)
{
	const char *argv[] = {tool, NULL};
	const char *rel[] = {"./sg-planted-tool", NULL};
	struct subproc_result r;
	char *p;
	(void)state;
	assert_int_equal(subproc_run(argv, NULL, &r, NULL), SG_OK);
	assert_true(r.exited);
	assert_int_equal(r.status, 0);
	assert_string_equal(dynbuf_ptr(&r.out), "planted\n");
	subproc_result_release(&r);
	assert_int_equal(chdir(dir), 0);
	assert_null(subproc_which("./sg-planted-tool"));
	assert_int_equal(subproc_run(rel, NULL, &r, NULL), SG_ERR_NOT_FOUND);
	subproc_result_release(&r);
	/* Standard tools are found in the fixed directories. */
	p = subproc_which("sh");
	assert_non_null(p);
	assert_true(!strcmp(p, "/usr/bin/sh") || !strcmp(p, "/bin/sh"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_not_searched_as_root),
	    cmocka_unit_test(test_absolute_and_relative),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
