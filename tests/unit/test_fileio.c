/* Unit tests for fileio: atomic writes, no-clobber, modes, reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"

static char dir[] = "/tmp/sg-fileio-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static void test_write_read(void **state)
{
	char path[256];
	struct dynbuf b = DYNBUF_INIT;
	struct stat st;
	(void)state;
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_int_equal(fileio_write_atomic(path, "hello", 5, 0600, 0, NULL), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fileio_read(path, 0, &b, NULL), SG_OK);
	assert_string_equal(dynbuf_ptr(&b), "hello");
	/* Overwrite replaces the whole content. */
	assert_int_equal(fileio_write_atomic(path, "bye", 3, 0644, 0, NULL), SG_OK);
	dynbuf_reset(&b);
	fileio_read(path, 0, &b, NULL);
	assert_string_equal(dynbuf_ptr(&b), "bye");
	dynbuf_release(&b);
}

static void test_no_clobber(void **state)
{
	char path[256];
	struct sg_error err;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/b.txt", dir);
	assert_int_equal(fileio_write_atomic(path, "one", 3, 0600, FILEIO_NO_CLOBBER, &err), SG_OK);
	assert_int_equal(fileio_write_atomic(path, "two", 3, 0600, FILEIO_NO_CLOBBER, &err),
	                 SG_ERR_EXISTS);
	fileio_read(path, 0, &b, NULL);
	assert_string_equal(dynbuf_ptr(&b), "one");
	dynbuf_release(&b);
}

static void test_read_limits(void **state)
{
	char path[256];
	struct sg_error err;
	struct dynbuf b = DYNBUF_INIT;
	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(fileio_read(path, 0, &b, &err), SG_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_int_equal(fileio_read(path, 2, &b, &err), SG_ERR_INPUT);
	dynbuf_release(&b);
}

static void test_sha256(void **state)
{
	char path[256], hex[65];
	(void)state;
	snprintf(path, sizeof(path), "%s/c.txt", dir);
	fileio_write_atomic(path, "abc", 3, 0600, 0, NULL);
	assert_int_equal(fileio_sha256_hex(path, hex, NULL), SG_OK);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Hangs and harm (issue 16): a FIFO as input blocked every command, a
 * device hashed forever, --output replaced FIFOs, devices and symlinks. */
static void test_refuses_special_files(void **state)
{
	char fifo[256], link_path[256], target[256], hex[65];
	struct sg_error err;
	struct dynbuf b = DYNBUF_INIT;
	struct stat st;
	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* No writer: a blocking open would hang this test forever. */
	assert_int_equal(fileio_read(fifo, 0, &b, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "通常のファイルではありません"));
	assert_int_equal(fileio_sha256_hex(fifo, hex, NULL), SG_ERR_INPUT);
	assert_int_equal(fileio_sha256_hex("/dev/zero", hex, NULL), SG_ERR_INPUT);
	assert_int_equal(fileio_read("/dev/zero", 0, &b, NULL), SG_ERR_INPUT);
	assert_int_equal(fileio_sha256_hex(dir, hex, NULL), SG_ERR_INPUT);
	/* Writing onto a FIFO, a device or a symlink is refused; all stay. */
	assert_int_equal(fileio_write_atomic(fifo, "x", 1, 0644, 0, NULL), SG_ERR_INPUT);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	{
		/* Our own device node as root, so a regression replaces a scratch
		 * node and never the machine's /dev/null. */
		char dev[256] = "/dev/null";
		if (geteuid() == 0) {
			snprintf(dev, sizeof(dev), "%s/null", dir);
			assert_int_equal(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
		}
		assert_int_equal(fileio_write_atomic(dev, "x", 1, 0644, 0, NULL), SG_ERR_INPUT);
		assert_int_equal(lstat(dev, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		if (geteuid() == 0)
			unlink(dev);
	}
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(fileio_write_atomic(target, "keep", 4, 0644, 0, NULL), SG_OK);
	assert_int_equal(symlink(target, link_path), 0);
	err.lang = 1;
	assert_int_equal(fileio_write_atomic(link_path, "evil", 4, 0644, 0, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(fileio_read(target, 0, &b, NULL), SG_OK);
	assert_string_equal(dynbuf_ptr(&b), "keep");
	dynbuf_release(&b);
	unlink(fifo);
	unlink(link_path);
	unlink(target);
}

/* A new file gets the requested mode less the umask, as open(2) gives. */
static void test_umask(void **state)
{
	char path[256];
	struct stat st;
	mode_t old = umask(027);
	(void)state;
	snprintf(path, sizeof(path), "%s/u.txt", dir);
	assert_int_equal(fileio_write_atomic(path, "u", 1, 0666, 0, NULL), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	unlink(path);
	umask(077);
	assert_int_equal(fileio_write_atomic(path, "u", 1, 0644, 0, NULL), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(path);
	umask(old);
}

static void test_mkdirs(void **state)
{
	char path[256];
	struct stat st;
	(void)state;
	snprintf(path, sizeof(path), "%s/x/y/z", dir);
	assert_int_equal(fileio_mkdirs(path, 0700, NULL), SG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static int teardown(void **state)
{
	char cmd[512];
	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/x/y/z", dir);
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "%s/x/y", dir);
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "%s/x", dir);
	rmdir(cmd);
	const char *files[] = {"a.txt", "b.txt", "c.txt"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, files[i]);
		unlink(cmd);
	}
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_read),  cmocka_unit_test(test_no_clobber),
	    cmocka_unit_test(test_read_limits), cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_mkdirs),      cmocka_unit_test(test_refuses_special_files),
	    cmocka_unit_test(test_umask),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
