/*
 * catalog_fixture - the group setup of the unit tests that read the
 * guideline catalog: `cat` is loaded once before a test file's tests and
 * freed after them, with cmocka_run_group_tests(tests, catalog_setup,
 * catalog_teardown). Header-only, included once by each such test program
 * (after <cmocka.h>).
 */
#ifndef SG_TEST_CATALOG_FIXTURE_H
#define SG_TEST_CATALOG_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "catalog.h"

static struct catalog *cat;

static int catalog_setup(void **state)
{
	struct sg_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	if (catalog_load(&cat, &err)) {
		fprintf(stderr, "catalog_load: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int catalog_teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

#endif
