/* Unit tests for oscal: structure of the catalog and profile exports (the
 * integration tests validate them against the OSCAL 1.1.3 schemas). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "oscal.h"

static struct catalog *cat;

static int setup(void **state)
{
	(void)state;
	return catalog_load(&cat, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

static size_t count_controls(json_t *groups, size_t *params)
{
	size_t n = 0, i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		json_t *cs = json_object_get(g, "controls"), *c;
		size_t k;
		json_array_foreach(cs, k, c) *params +=
		    json_array_size(json_object_get(c, "params"));
		n += json_array_size(cs) + count_controls(json_object_get(g, "groups"), params);
	}
	return n;
}

static void test_catalog_shape(void **state)
{
	json_t *doc;
	size_t params = 0;
	(void)state;
	assert_int_equal(oscal_catalog(cat, &doc, NULL), SG_OK);
	json_t *c = json_object_get(doc, "catalog");
	assert_non_null(c);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(c, "metadata"), "oscal-version")),
	    "1.1.3");
	assert_int_equal(count_controls(json_object_get(c, "groups"), &params), 68);
	assert_int_equal(params, 37);
	json_decref(doc);
}

static void test_profile_values(void **state)
{
	json_t *doc, *sp;
	size_t i;
	int found = 0;
	(void)state;
	assert_int_equal(oscal_profile(cat, 1, &doc, NULL), SG_OK);
	json_t *sets = json_object_get(json_object_get(json_object_get(doc, "profile"), "modify"),
	                               "set-parameters");
	assert_int_equal(json_array_size(sets), 37);
	json_array_foreach(sets, i, sp)
	{
		if (strcmp(json_string_value(json_object_get(sp, "param-id")), "III.1.1.1.a"))
			continue;
		found = 1;
		assert_string_equal(
		    json_string_value(json_array_get(json_object_get(sp, "values"), 0)), "5m");
	}
	assert_true(found);
	json_decref(doc);
	assert_int_equal(oscal_profile(cat, 7, &doc, NULL), SG_ERR_USAGE);
}

static void test_uuid(void **state)
{
	char a[37], b[37];
	(void)state;
	oscal_uuid("x", a);
	oscal_uuid("x", b);
	assert_string_equal(a, b);
	assert_int_equal(a[14], '5');
	/* RFC 4122 version 5 of "x" in saasguard's namespace, as Python's
	 * uuid.uuid5() computes it: the digits and the dashes in their places. */
	assert_string_equal(a, "01545e0d-47a9-5411-bc40-62045fa9a060");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_catalog_shape),
	    cmocka_unit_test(test_profile_values),
	    cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
