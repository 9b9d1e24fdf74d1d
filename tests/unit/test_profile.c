/* Unit tests for profile: the controls section, and every kind of bad input
 * reported at file:line:column with a hint (a table of cases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "catalog_fixture.h"
#include "profile.h"

#define HEAD "service: {name: s, pattern: 1}\ncontrols:\n"

struct bad {
	const char *yaml;
	int line, col;
	const char *msg;  /* substring of the English message */
	const char *hint; /* substring of the hint, or NULL */
};

static const struct bad bad[] = {
    {HEAD "  III.1.1.1: {status: implemented, values: {a: 5 minutes}}\n", 3, 48, "not a duration",
     "use 5m"},
    {HEAD "  III.1.1.1: {status: implemented, values: {a: 99.5%}}\n", 3, 48, "does not fit",
     "interval"},
    {HEAD "  III.1.1.1: {status: implemented, values: {d: 5m}}\n", 3, 45, "no evaluation item 'd'",
     "a, b"},
    {HEAD "  III.1.1.4: {status: implemented, values: {a: 5m}}\n", 3, 45, "has no evaluation items",
     NULL},
    {HEAD "  III.1.1.99: {status: implemented}\n", 3, 3, "not a countermeasure", "III.1.1.9"},
    {HEAD "  III.1.1.1.a: {status: implemented}\n", 3, 3, "is an evaluation item", "values"},
    {HEAD "  III.1.1.1: {status: done}\n", 3, 23, "not a status", "implemented"},
    {HEAD "  III.1.1.1: {status: implemnted}\n", 3, 23, "not a status",
     "did you mean 'implemented'"},
    {HEAD "  III.1.1.1: {owner: x}\n", 3, 14, "needs 'status'", NULL},
    {HEAD "  II.3.1.1: {status: not_applicable}\n", 3, 13, "needs 'reason'", "reason"},
    {HEAD "  II.3.1.1: {status: accepted_risk, reason: r}\n", 3, 13, "needs 'expires'", "expires"},
    {HEAD "  II.3.1.1: {status: implemented, expires: 2027-01-01}\n", 3, 44, "accepted_risk", NULL},
    {HEAD "  III.1.1.1: {status: implemented, valeus: {a: 5m}}\n", 3, 36, "no key 'valeus'",
     "values"},
    {HEAD "  III.1.1.1: {status: implemented}\n  Ⅲ.1.1.1: {status: planned}\n", 4, 3,
     "listed twice", NULL},
    {HEAD "  III.1.1.1: {status: implemented, status: planned}\n", 3, 36, "duplicate key", NULL},
    {HEAD "  III.2.1.1: {status: implemented, values: {a: 101%}}\n", 3, 48, "between 0% and 100%",
     NULL},
    {HEAD "  III.1.1.1: {status: implemented, values: {a: 0m}}\n", 3, 48, "zero", NULL},
    {HEAD "  III.2.1.3: {status: implemented, values: {b: 500y}}\n", 3, 48, "out of range", NULL},
    {HEAD "  III.3.1.3: {status: implemented, values: {a: [password, tls]}}\n", 3, 59,
     "not a method name", NULL},
    {HEAD "  III.3.1.3: {status: implemented, values: {a: [tls]}}\n", 3, 48, "does not fit", NULL},
    {HEAD "  III.1.1.1: {status: implemented, targets: {a: 10m}}\n", 3, 49, "looser", "5m"},
    {HEAD "  III.1.1.1:\n    status: implemented\n    evidence:\n      - {path: x.pdf}\n", 6, 9,
     "needs 'title'", NULL},
    {HEAD "  III.1.1.1:\n    status: implemented\n    evidence:\n      - {title: t, path: x, "
          "sha256: abc}\n",
     6, 37, "64 hexadecimal", "sha256sum"},
    {HEAD "  III.1.1.1:\n    status: implemented\n    evidence:\n      - {title: t, collected: "
          "yesterday}\n",
     6, 31, "evidence.collected", NULL},
    {HEAD "  III.1.1.1:\n    status: implemented\n    evidence: {title: t}\n", 5, 15, "a list",
     NULL},
    {HEAD "  III.1.1.1: implemented\n", 3, 14, "mapping", NULL},
    {"service: {name: s, pattern: 7}\n", 1, 29, "from 1 to 6", NULL},
    {"service: {name: s, pattern: 2, classification: {personal_information: true, "
     "trade_secrets: false, availability: high}}\n",
     1, 29, "conflicts", "agree"},
    {"service: {name: s}\n", 1, 10, "pattern or a classification", "pattern: 1"},
    {"service: {name: s, pattern: 1}\nmonitr: {}\n", 2, 1, "no key 'monitr'", "monitor"},
    {"service: {name: s, pattern: 1}\ncontrols: [a]\n", 2, 11, "mapping", NULL},
    {"service: [\n", 2, 1, "", NULL},
    {HEAD "  III.1.1.1: {status: 済み}\n", 3, 23, "not a status", "実施済み"},
    {"service: {name: s, pattern: 1}\npartners: {name: x}\n", 2, 11, "", NULL},
    {"service: {name: s, pattern: 1}\npartners:\n  - {role: partner}\n", 3, 5, "needs 'name'",
     NULL},
    {"service: {name: s, pattern: 1}\npartners:\n  - {name: x, role: vendor}\n", 3, 21,
     "not a role", "outsourcing"},
    {"service: {name: s, pattern: 1}\npartners:\n  - {name: x, sla: 1}\n", 3, 15, "no key 'sla'",
     NULL},
};

static void test_labels_and_partners(void **state)
{
	static const char yaml[] =
	    HEAD "  II.1.1.1: {status: 実施済み}\n  II.1.1.2: {status: 一部実施}\n"
	         "  II.2.1.1: {status: 計画中}\n  II.2.1.2: {status: 未実施}\n"
	         "  II.2.1.3: {status: 対象外, reason: r}\n"
	         "  II.4.1.1: {status: リスク受容, reason: r, expires: 2099-01-01}\n"
	         "partners:\n  - {name: 決済, role: 連携, provides: 決済}\n"
	         "  - {name: DC, role: outsourcing, contract: 年次監査}\n";
	static const enum control_status want[] = {STATUS_IMPLEMENTED,    STATUS_PARTIAL,
	                                           STATUS_PLANNED,        STATUS_NOT_IMPLEMENTED,
	                                           STATUS_NOT_APPLICABLE, STATUS_ACCEPTED_RISK};
	static const char *const ids[] = {"II.1.1.1", "II.1.1.2", "II.2.1.1",
	                                  "II.2.1.2", "II.2.1.3", "II.4.1.1"};
	struct profile *p = NULL;
	(void)state;

	assert_int_equal(profile_parse(yaml, strlen(yaml), "p.yaml", cat, &p, NULL), SG_OK);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(profile_control(p, catalog_control(cat, ids[i]))->status, want[i]);
	assert_int_equal(p->npartners, 2);
	assert_string_equal(p->partners[0].name, "決済");
	assert_int_equal(p->partners[0].role, PARTNER_ASP_SAAS);
	assert_string_equal(p->partners[0].provides, "決済");
	assert_null(p->partners[0].contract);
	assert_int_equal(p->partners[1].role, PARTNER_OUTSOURCING);
	assert_string_equal(p->partners[1].contract, "年次監査");
	profile_free(p);
}

static void test_bad_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct profile *p = NULL;
		struct sg_error err;
		enum sg_code rc;

		memset(&err, 0, sizeof(err));
		err.lang = 1;
		rc = profile_parse(bad[i].yaml, strlen(bad[i].yaml), "p.yaml", cat, &p, &err);
		if (rc != SG_ERR_INPUT || err.line != bad[i].line || err.col != bad[i].col ||
		    !strstr(err.msg, bad[i].msg) || (bad[i].hint && !strstr(err.hint, bad[i].hint)))
			fail_msg("case %zu: got code %d %s:%d:%d: %s (hint: %s)\n%s", i, (int)rc,
			         err.file, err.line, err.col, err.msg, err.hint, bad[i].yaml);
		assert_null(p);
		assert_string_equal(err.file, "p.yaml");
	}
}

static void test_japanese_messages(void **state)
{
	const char *y = HEAD "  III.1.1.1: {status: implemented, values: {a: 5 minutes}}\n";
	struct profile *p = NULL;
	struct sg_error err;
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(profile_parse(y, strlen(y), "p.yaml", cat, &p, &err), SG_ERR_INPUT);
	assert_non_null(strstr(err.msg, "期間として読めません"));
	assert_non_null(strstr(err.hint, "5m"));
}

static void test_controls_parsed(void **state)
{
	const char *y =
	    "service:\n  name: 給与\n  classification: {personal_information: true, "
	    "trade_secrets: false, availability: high}\n"
	    "controls:\n"
	    "  Ⅲ. 1. 1. 1:\n"
	    "    status: implemented\n"
	    "    owner: 運用部\n"
	    "    evidence:\n"
	    "      - {title: 監視手順書 v3, path: docs/monitoring.pdf, sha256: "
	    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\", "
	    "collected: 2026-10-01, expires: 2027-10-01}\n"
	    "    values: {a: 5分, b: 15m}\n"
	    "  III.3.2.5:\n    status: implemented\n    targets: {a: 45m}\n    values: {a: 45m}\n"
	    "  III.3.1.3:\n    status: implemented\n    values:\n      a:\n        - ic_card\n"
	    "        - biometric\n"
	    "  II.8.1.1:\n    status: not_applicable\n    reason: "
	    "連携ASP・SaaS事業者を利用していない\n";
	struct profile *p = NULL;
	const struct profile_control *pc;
	struct sg_error err;
	(void)state;

	memset(&err, 0, sizeof(err));
	if (profile_parse(y, strlen(y), "p.yaml", cat, &p, &err))
		fail_msg("%d:%d %s", err.line, err.col, err.msg);
	assert_int_equal(p->service.pattern, 1);
	assert_int_equal(p->nlisted, 4);
	pc = profile_control(p, catalog_control(cat, "III.1.1.1"));
	assert_int_equal(pc->status, STATUS_IMPLEMENTED);
	assert_string_equal(pc->owner, "運用部");
	assert_int_equal(pc->nevidence, 1);
	assert_string_equal(pc->evidence[0].path, "docs/monitoring.pdf");
	assert_true(pc->evidence[0].expires > pc->evidence[0].collected);
	assert_true(pc->items[0].has_value);
	assert_true(pc->items[0].value.seconds == 300);
	pc = profile_control(p, catalog_control(cat, "III.3.2.5"));
	assert_true(pc->items[0].has_target);
	pc = profile_control(p, catalog_control(cat, "III.3.1.3"));
	assert_int_equal(pc->items[0].value.members, AUTH_IC_CARD | AUTH_BIOMETRIC);
	assert_false(pc->items[1].has_value);
	pc = profile_control(p, catalog_control(cat, "II.8.1.1"));
	assert_int_equal(pc->status, STATUS_NOT_APPLICABLE);
	assert_string_equal(pc->reason, "連携ASP・SaaS事業者を利用していない");
	pc = profile_control(p, catalog_control(cat, "III.5.3.2"));
	assert_int_equal(pc->status, STATUS_UNSET);
	/* evidence check: the file is not there */
	assert_int_equal(profile_check_evidence(p, &err), SG_OK);
	pc = profile_control(p, catalog_control(cat, "III.1.1.1"));
	assert_int_equal(pc->evidence[0].file, EVIDENCE_MISSING);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_japanese_messages),
	    cmocka_unit_test(test_controls_parsed),
	    cmocka_unit_test(test_labels_and_partners),
	};
	return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
