/* Unit tests for debver: Debian version order as deb-version(7) defines it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "debver.h"

struct ccase {
	const char *a, *b;
	int sign; /* a vs b */
};

/* Cases from deb-version(7), dpkg's own test suite (t-version.c) and the
 * Debian security archive. */
static const struct ccase cases[] = {
    {"1.0", "1.0", 0},
    {"1.0", "1.0-0", 0}, /* an absent revision equals "0" */
    {"0:1.0", "1.0", 0},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1", "1.0", 1},
    {"1:0.1", "2.0", 1}, /* the epoch wins */
    {"2:1.0", "10:0.1", -1},
    {"1.0~rc1", "1.0", -1}, /* tilde sorts before the end */
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~~a", "1.0~~", 1},
    {"1.0~", "1.0", -1},
    {"1.0a", "1.0", 1},   /* letters sort after the end */
    {"1.0a", "1.0+", -1}, /* and before other characters */
    {"1.0+", "1.0.", -1}, /* '+' before '.' by ASCII */
    {"1.10", "1.9", 1},   /* digits compare as numbers */
    {"1.010", "1.10", 0}, /* leading zeros do not count */
    {"1.0-1ubuntu1", "1.0-1", 1},
    {"3.0.15-1~deb12u1", "3.0.15-1~deb12u2", -1},
    {"3.0.15-1~deb12u2", "3.0.15-1", -1},
    {"2.36-9+deb12u9", "2.36-9+deb12u10", -1},
    {"2024a-0+deb12u1", "2024b-0+deb12u1", -1},
    {"1.0.9-2+b6", "1.0.9-2+deb12u1", -1}, /* binNMU vs security upload */
    {"20230311+deb12u1", "20250419~deb12u2", -1},
    {"1:2.4.2-3+deb12u8", "2.4.2-3+deb12u9", 1},
    {"1.2-3-4", "1.2-3-5", -1}, /* the last hyphen splits the revision */
    {"1.2-3-4", "1.2-3", 1},
    {"a", "b", -1},
    {"", "", 0},
};

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_order(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ab = sign(debver_cmp(cases[i].a, cases[i].b));
		int ba = sign(debver_cmp(cases[i].b, cases[i].a));
		if (ab != cases[i].sign || ba != -cases[i].sign)
			fail_msg("%s vs %s: got %d/%d, want %d", cases[i].a, cases[i].b, ab, ba,
			         cases[i].sign);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
