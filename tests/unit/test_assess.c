/* Unit tests for assess and judge: every evaluation item of every pattern on
 * both sides of its boundary (generated from the catalog, not hand-picked),
 * the judging rules of issue 3, control verdicts, severities, measured
 * values and the JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog_fixture.h"
#include "assess.h"
#include "judge.h"
#include "profile.h"

static size_t boundary_checks;

/* Assesses a one-control profile; returns the item's verdict, or -1 when the
 * profile does not load. */
static int verdict_for(int pattern, const struct eval_item *it, const char *value,
                       const char *target)
{
	char yaml[1024];
	struct profile *p = NULL;
	struct assess_result *r = NULL;
	struct sg_error err;
	int v = -1;
	size_t k = (size_t)(it - it->control->items);

	snprintf(yaml, sizeof(yaml),
	         "service: {name: t, pattern: %d}\ncontrols:\n  %s:\n    status: implemented\n"
	         "%s%c%s%s%s%s%c%s%s",
	         pattern, it->control->id, value ? "    values: {" : "", value ? it->letter : ' ',
	         value ? ": " : "", value ? value : "", value ? "}\n" : "",
	         target ? "    targets: {" : "", target ? it->letter : ' ', target ? ": " : "",
	         target ? target : "");
	if (target)
		strncat(yaml, "}\n", sizeof(yaml) - strlen(yaml) - 1);
	memset(&err, 0, sizeof(err));
	if (profile_parse(yaml, strlen(yaml), "t.yaml", cat, &p, &err)) {
		print_message("profile did not load: %s:%d:%d: %s\n%s\n", err.file, err.line,
		              err.col, err.msg, yaml);
		return -1;
	}
	assert_int_equal(assess_run(cat, p, NULL, 1790000000.0, &r, &err), SG_OK);
	v = (int)r->controls[it->control - cat->controls].items[k].verdict;
	assess_free(r);
	profile_free(p);
	return v;
}

static void expect(int pattern, const struct eval_item *it, const char *value, const char *target,
                   enum item_verdict want)
{
	int got = verdict_for(pattern, it, value, target);

	if (got != (int)want)
		print_error("%s pattern %d value '%s' target '%s': want %s, got %s\n", it->id,
		            pattern, value ? value : "(none)", target ? target : "(none)",
		            assess_item_verdict_name(want),
		            got < 0 ? "load error" : assess_item_verdict_name(got));
	assert_int_equal(got, want);
	boundary_checks++;
}

static void set_text(enum value_set set, unsigned bits, char *out, size_t n)
{
	struct dynbuf b = DYNBUF_INIT;

	dynbuf_addch(&b, '[');
	value_set_format(set, bits, &b);
	dynbuf_addch(&b, ']');
	snprintf(out, n, "%s", dynbuf_ptr(&b));
	dynbuf_release(&b);
}

/* Both sides of the boundary of threshold q of kind k; target is passed on
 * (for "-" references judged against a target). */
static void boundaries(int pattern, const struct eval_item *it, enum ref_kind k,
                       const struct value *q, const char *target)
{
	char in[128], out[128];

	switch (k) {
	case REF_MAX_INTERVAL:
	case REF_MAX_DELAY:
		snprintf(in, sizeof(in), "%.0fs", q->seconds);
		snprintf(out, sizeof(out), "%.0fs", q->seconds + 1);
		expect(pattern, it, in, target, ITEM_MEETS);
		expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		break;
	case REF_MIN_RETENTION:
	case REF_MIN_DURATION:
		snprintf(in, sizeof(in), "%.0fs", q->seconds);
		snprintf(out, sizeof(out), "%.0fs", q->seconds - 1);
		expect(pattern, it, in, target, ITEM_MEETS);
		expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		break;
	case REF_SERVICE_PLUS:
		snprintf(in, sizeof(in), "service+%.0fs", q->seconds);
		snprintf(out, sizeof(out), "service+%.0fs", q->seconds - 1);
		expect(pattern, it, in, target, ITEM_MEETS);
		expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		break;
	case REF_MIN_PERCENTAGE:
		snprintf(in, sizeof(in), "%g%%", q->percent);
		snprintf(out, sizeof(out), "%g%%", q->percent - 0.01);
		expect(pattern, it, in, target, ITEM_MEETS);
		expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		break;
	case REF_MIN_COUNT:
		snprintf(in, sizeof(in), "%lld", q->count);
		snprintf(out, sizeof(out), "%lld", q->count - 1);
		expect(pattern, it, in, target, ITEM_MEETS);
		expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		break;
	case REF_EVERY_BACKUP:
		expect(pattern, it, "every_backup", target, ITEM_MEETS);
		expect(pattern, it, "1d", target, ITEM_FALLS_SHORT);
		break;
	case REF_STANDBY:
		expect(pattern, it, "hot", target, ITEM_MEETS);
		expect(pattern, it, "cold", target,
		       q->standby == STANDBY_COLD ? ITEM_MEETS : ITEM_FALLS_SHORT);
		expect(pattern, it, "none", target, ITEM_FALLS_SHORT);
		break;
	case REF_ANY_OF:
		for (unsigned b = 1; b <= (q->set == SET_AUTH ? AUTH_CERTIFICATE : ENC_IPSEC);
		     b <<= 1) {
			int listed = (q->members & b) != 0, meets;
			if (q->set == SET_AUTH)
				/* listed, or at least as strong as the weakest listed */
				meets =
				    listed || b != AUTH_PASSWORD || (q->members & AUTH_PASSWORD);
			else
				meets = listed;
			set_text(q->set, b, in, sizeof(in));
			expect(pattern, it, in, target, meets ? ITEM_MEETS : ITEM_FALLS_SHORT);
		}
		break;
	case REF_ALL_OF:
		set_text(q->set, q->members, in, sizeof(in));
		expect(pattern, it, in, target, ITEM_MEETS);
		for (unsigned b = 1; b <= ORIG_PRINT_DIGITIZATION; b <<= 1) {
			unsigned less = q->members & ~b;
			if (!(q->members & b))
				continue;
			if (!less) /* a one-member reference: another member alone */
				less = (b == ORIG_TIMESTAMP ? ORIG_SIGNATURE : ORIG_TIMESTAMP);
			set_text(q->set, less, out, sizeof(out));
			expect(pattern, it, out, target, ITEM_FALLS_SHORT);
		}
		break;
	case REF_DONE:
		expect(pattern, it, "true", target, ITEM_MEETS);
		expect(pattern, it, "false", target, ITEM_FALLS_SHORT);
		break;
	case REF_24X7:
		expect(pattern, it, "24x7", target, ITEM_MEETS);
		expect(pattern, it, "false", target, ITEM_FALLS_SHORT);
		break;
	case REF_NONE:
		fail_msg("%s: a model reference without a kind", it->id);
	}
}

/* The text of a reference quantity usable as a target. */
static void target_text(const struct eval_item *it, const struct reference_value *m, char *out,
                        size_t n)
{
	struct dynbuf b = DYNBUF_INIT;

	switch (m->kind) {
	case REF_DONE:
		dynbuf_addstr(&b, "true");
		break;
	case REF_24X7:
		dynbuf_addstr(&b, "24x7");
		break;
	case REF_EVERY_BACKUP:
		dynbuf_addstr(&b, "every_backup");
		break;
	default:
		value_format(&m->quantity, &b);
	}
	(void)it;
	snprintf(out, n, "%s", dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static void test_every_item_every_pattern(void **state)
{
	size_t items = 0, dashes = 0;

	(void)state;
	boundary_checks = 0;
	for (size_t i = 0; i < cat->ncontrols; i++) {
		const struct control *c = &cat->controls[i];
		for (size_t k = 0; k < c->nitems; k++) {
			const struct eval_item *it = &c->items[k];
			items++;
			for (int p = 1; p <= CATALOG_PATTERNS; p++) {
				const struct reference_value *r = catalog_item_ref(it, p);
				const struct reference_value *m = judge_model(it, p);
				char t[128];
				assert_int_not_equal(m->kind, REF_NONE);
				if (r->kind != REF_NONE) {
					boundaries(p, it, r->kind, &r->quantity, NULL);
					expect(p, it, NULL, NULL, ITEM_NO_VALUE);
					continue;
				}
				/* "-": no_reference, unless a target is set */
				dashes++;
				target_text(it, m, t, sizeof(t));
				expect(p, it, t, NULL, ITEM_NO_REFERENCE);
				expect(p, it, NULL, NULL, ITEM_NO_REFERENCE);
				boundaries(p, it, m->kind, &m->quantity, t);
			}
		}
	}
	assert_int_equal(items, 37);
	assert_true(dashes > 0);
	print_message("# %zu boundary checks over 37 items x 6 patterns (%zu '-')\n",
	              boundary_checks, dashes);
	assert_true(boundary_checks > 37 * 6 * 2);
}

static struct value val(const char *s)
{
	struct value v;

	assert_int_equal(value_parse(s, &v, NULL), SG_OK);
	return v;
}

static int meets(enum ref_kind k, const char *ref, const char *v)
{
	struct value r = val(ref), x = val(v);
	return judge_meets(k, &r, &x);
}

static void test_rules(void **state)
{
	(void)state;
	/* 12mo equals 1y; a month is 1/12 of a year */
	assert_true(meets(REF_MIN_RETENTION, "1y", "12mo"));
	assert_true(meets(REF_MAX_INTERVAL, "12mo", "1y"));
	assert_true(meets(REF_MAX_INTERVAL, "5m", "5分"));
	assert_true(meets(REF_MAX_DELAY, "24h", "1日"));
	assert_false(meets(REF_MAX_DELAY, "24h", "25時間"));
	/* auth: password < ic_card = biometric = certificate */
	assert_true(meets(REF_ANY_OF, "[biometric, ic_card]", "[certificate]"));
	assert_false(meets(REF_ANY_OF, "[biometric, ic_card]", "[password]"));
	assert_true(meets(REF_ANY_OF, "[ic_card, password]", "[password]"));
	assert_true(meets(REF_ANY_OF, "[password]", "[biometric]"));
	assert_true(meets(REF_ANY_OF, "[biometric, ic_card]", "[password, ic_card]"));
	/* encryption: any listed; originality: all listed */
	assert_false(meets(REF_ANY_OF, "[tls]", "[ipsec]"));
	assert_true(meets(REF_ANY_OF, "[tls, ipsec]", "[ipsec]"));
	assert_false(meets(REF_ALL_OF, "[timestamp, signature]", "[signature]"));
	assert_true(meets(REF_ALL_OF, "[signature]", "[timestamp, signature]"));
	/* standby: cold accepts hot */
	assert_true(meets(REF_STANDBY, "cold", "hot"));
	assert_false(meets(REF_STANDBY, "hot", "cold"));
	assert_true(meets(REF_SERVICE_PLUS, "service+6mo", "service+1y"));
	assert_false(meets(REF_SERVICE_PLUS, "service+1y", "service+6mo"));
	/* a value of the wrong type never meets */
	assert_false(meets(REF_MAX_INTERVAL, "5m", "99%"));
	assert_false(judge_fits(REF_MIN_PERCENTAGE, NULL, &(struct value){.type = VALUE_DURATION}));
}

static struct profile *load(const char *yaml)
{
	struct profile *p = NULL;
	struct sg_error err;

	memset(&err, 0, sizeof(err));
	if (profile_parse(yaml, strlen(yaml), "t.yaml", cat, &p, &err))
		fail_msg("%d:%d: %s (%s)", err.line, err.col, err.msg, err.hint);
	return p;
}

static const struct assess_control *ctl(const struct assess_result *r, const char *id)
{
	for (size_t i = 0; i < r->ncontrols; i++)
		if (!strcmp(r->controls[i].control->id, id))
			return &r->controls[i];
	fail_msg("no control %s", id);
	return NULL;
}

static void test_control_verdicts(void **state)
{
	struct profile *p =
	    load("service: {name: s, pattern: 1}\n"
	         "controls:\n"
	         "  III.1.1.1: {status: implemented, values: {a: 5m, b: 20m}}\n"
	         "  III.1.1.2: {status: implemented, values: {a: 10m}}\n"         /* b no value */
	         "  III.1.1.3: {status: implemented, values: {a: 30m, b: 20m}}\n" /* a short */
	         "  II.3.1.1: {status: not_applicable, reason: 連携なし}\n"
	         "  II.3.1.2: {status: accepted_risk, reason: 来期, expires: 2030-01-01}\n"
	         "  II.2.1.1: {status: accepted_risk, reason: 期限切れ, expires: 2020-01-01}\n"
	         "  II.5.2.1: {status: partial}\n"
	         "  III.2.1.1: {status: implemented, values: {a: 99%}}\n" /* * short */
	         "  III.3.2.5: {status: implemented, targets: {a: 30m}, values: {a: 45m}}\n");
	struct assess_result *r;
	const struct assess_control *c;
	(void)state;

	assert_int_equal(assess_run(cat, p, NULL, 1790000000.0, &r, NULL), SG_OK);
	assert_int_equal(ctl(r, "III.1.1.1")->verdict, CONTROL_COMPLIANT);
	c = ctl(r, "III.1.1.2");
	assert_int_equal(c->verdict, CONTROL_GAP);
	assert_true(c->reasons & GAP_NO_VALUE);
	assert_int_equal(c->items[1].verdict, ITEM_NO_VALUE);
	c = ctl(r, "III.1.1.3");
	assert_int_equal(c->verdict, CONTROL_GAP);
	assert_int_equal(c->severity, SEVERITY_MEDIUM); /* recommended */
	assert_int_equal(ctl(r, "II.3.1.1")->verdict, CONTROL_NOT_APPLICABLE);
	assert_int_equal(ctl(r, "II.3.1.2")->verdict, CONTROL_ACCEPTED_RISK);
	c = ctl(r, "II.2.1.1");
	assert_int_equal(c->verdict, CONTROL_GAP);
	assert_true(c->reasons & GAP_RISK_EXPIRED);
	assert_int_equal(c->severity, SEVERITY_HIGH);
	assert_int_equal(ctl(r, "II.5.2.1")->verdict, CONTROL_GAP);
	c = ctl(r, "III.2.1.1");
	assert_int_equal(c->items[0].verdict, ITEM_FALLS_SHORT);
	assert_int_equal(c->items[0].severity, SEVERITY_CRITICAL);
	assert_int_equal(c->severity, SEVERITY_CRITICAL);
	c = ctl(r, "III.3.2.5"); /* a stricter target is what is judged */
	assert_int_equal(c->items[0].verdict, ITEM_FALLS_SHORT);
	assert_true(c->items[0].threshold_is_target);
	assert_int_equal(ctl(r, "III.5.3.2")->verdict, CONTROL_NOT_ASSESSED);
	assert_false(r->summary.passed);
	assert_int_equal(assess_exit_status(r, 0), 1);
	assert_int_equal(r->summary.control_verdicts[CONTROL_NOT_ASSESSED], 68 - 9);
	assess_free(r);
	profile_free(p);
}

/* A profile where every basic control is compliant passes; a recommended gap
 * fails only --strict. */
static void test_exit_status(void **state)
{
	struct dynbuf y = DYNBUF_INIT;
	struct profile *p;
	struct assess_result *r;
	(void)state;

	dynbuf_addstr(&y, "service: {name: s, pattern: 6}\ncontrols:\n");
	for (size_t i = 0; i < cat->ncontrols; i++) {
		const struct control *c = &cat->controls[i];
		dynbuf_printf(&y, "  %s:\n    status: %s\n", c->id,
		              c->level == LEVEL_BASIC ? "implemented" : "planned");
		if (c->nitems && c->level == LEVEL_BASIC) {
			dynbuf_addstr(&y, "    values:\n");
			for (size_t k = 0; k < c->nitems; k++) {
				const struct reference_value *m = judge_model(&c->items[k], 6);
				char t[128];
				target_text(&c->items[k], m, t, sizeof(t));
				dynbuf_printf(&y, "      %c: %s\n", c->items[k].letter, t);
			}
		}
	}
	p = load(dynbuf_ptr(&y));
	assert_int_equal(assess_run(cat, p, NULL, 1790000000.0, &r, NULL), SG_OK);
	assert_true(r->summary.passed);
	assert_false(r->summary.passed_strict);
	assert_int_equal(assess_exit_status(r, 0), 0);
	assert_int_equal(assess_exit_status(r, 1), 1);
	assert_int_equal(r->summary.required_met, r->summary.required_items);
	assess_free(r);
	profile_free(p);
	dynbuf_release(&y);
}

static void test_measured(void **state)
{
	struct profile *p = load("service: {name: s, pattern: 1}\ncontrols:\n"
	                         "  III.1.1.1: {status: implemented, values: {a: 5m, b: 20m}}\n"
	                         "  III.2.1.1: {status: implemented, values: {a: 99.9%}}\n"
	                         "  III.2.3.1: {status: implemented, values: {a: 1d, b: 5}}\n");
	struct measured_set ms = MEASURED_SET_INIT;
	struct measured_value mv;
	struct assess_result *r;
	const struct assess_control *c;
	(void)state;

	memset(&mv, 0, sizeof(mv));
	snprintf(mv.item_id, sizeof(mv.item_id), "III.2.1.1.a");
	mv.value = val("99.2%");
	snprintf(mv.text, sizeof(mv.text), "99.2%%");
	snprintf(mv.source, sizeof(mv.source), "monitor:web");
	measured_set_add(&ms, &mv);
	snprintf(mv.item_id, sizeof(mv.item_id), "III.1.1.1.a");
	mv.value = val("1m");
	snprintf(mv.text, sizeof(mv.text), "1m");
	measured_set_add(&ms, &mv);
	snprintf(mv.item_id, sizeof(mv.item_id), "III.2.3.1.b");
	mv.value = val("true"); /* the wrong type: left out */
	measured_set_add(&ms, &mv);
	assert_int_equal(assess_run(cat, p, &ms, 1790000000.0, &r, NULL), SG_OK);
	c = ctl(r, "III.2.1.1");
	assert_int_equal(c->items[0].provenance, PROVENANCE_MEASURED);
	assert_int_equal(c->items[0].verdict, ITEM_FALLS_SHORT);
	assert_true(c->items[0].disagreement);
	assert_string_equal(c->items[0].declared_text, "99.9%");
	c = ctl(r, "III.1.1.1");
	assert_int_equal(c->items[0].provenance, PROVENANCE_MEASURED);
	assert_int_equal(c->items[0].verdict, ITEM_MEETS);
	assert_false(c->items[0].disagreement); /* measured better than declared */
	c = ctl(r, "III.2.3.1");
	assert_int_equal(c->items[1].provenance, PROVENANCE_DECLARED);
	assert_true(c->items[1].ignored_measurement);
	assert_int_equal(r->summary.disagreements, 1);
	assert_int_equal(r->summary.measured_items, 2);
	{
		json_t *j = assess_to_json(r), *cs = json_object_get(j, "controls"), *x;
		size_t i;
		json_array_foreach(cs, i, x)
		{
			if (strcmp(json_string_value(json_object_get(x, "id")), "III.2.1.1"))
				continue;
			json_t *it = json_array_get(json_object_get(x, "evaluation_items"), 0);
			assert_string_equal(json_string_value(json_object_get(it, "provenance")),
			                    "measured");
			assert_string_equal(json_string_value(json_object_get(it, "verdict")),
			                    "falls_short");
			assert_string_equal(json_string_value(json_object_get(it, "severity")),
			                    "critical");
			assert_string_equal(json_string_value(json_object_get(it, "reference_ja")),
			                    "99.5%以上");
			assert_true(json_is_true(json_object_get(it, "required")));
			assert_true(json_is_true(json_object_get(it, "disagreement")));
		}
		assert_int_equal(
		    json_integer_value(json_object_get(json_object_get(j, "service"), "pattern")),
		    1);
		json_decref(j);
	}
	assess_free(r);
	measured_set_release(&ms);
	profile_free(p);
}

static void words(const char *token, int lang, const char *want)
{
	struct value v;
	struct dynbuf b = DYNBUF_INIT;

	assert_int_equal(value_parse(token, &v, NULL), SG_OK);
	judge_value_words(&v, REF_NONE, lang, &b);
	assert_string_equal(dynbuf_ptr(&b), want);
	dynbuf_release(&b);
}

static void test_value_words(void **state)
{
	struct dynbuf b = DYNBUF_INIT;
	(void)state;

	words("1mo", 0, "1ヶ月");
	words("service+1y", 0, "サービス提供期間＋1年");
	words("hot", 0, "ホットスタンバイ");
	words("24x7", 0, "365日24時間");
	words("every_backup", 0, "バックアップ実施の都度");
	words("51h", 0, "2日3時間");
	words("3w", 0, "3週間");
	words("[ic_card, biometric]", 0, "ICカード又は生体認証");
	words("[password, totp]", 0, "ID・パスワード又はワンタイムパスワード（TOTP）");
	words("[webauthn]", 0, "FIDO2（WebAuthn）認証器");
	words("[client_certificate]", 0, "デジタル証明書による認証");
	words("1mo", 1, "1 month");
	words("51h", 1, "2 days 3 hours");
	words("[tls]", 1, "HTTPS (TLS), or equivalent");
	judge_duration_words(12 * 3600 + 41 * 60 + 1, 0, &b);
	assert_string_equal(dynbuf_ptr(&b), "12時間41分1秒");
	dynbuf_reset(&b);
	assert_int_equal(judge_token_words("24h", 0, &b), 1);
	assert_string_equal(dynbuf_ptr(&b), "24時間"); /* the unit as written, not 1日 */
	dynbuf_reset(&b);
	assert_int_equal(judge_token_words("99.5%", 0, &b), 0);
	assert_int_equal(b.len, 0);
	dynbuf_release(&b);
}

/* The words read back (saasguard import): every kind, both languages. */
static void test_words_read_back(void **state)
{
	static const char *const tokens[] = {"5m",           "24h",
	                                     "1mo",          "service+1y",
	                                     "hot",          "cold",
	                                     "24x7",         "every_backup",
	                                     "true",         "[ic_card, biometric]",
	                                     "[tls, ipsec]", "[timestamp, signature]",
	                                     "51h"};
	(void)state;

	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		for (int lang = 0; lang < 2; lang++) {
			struct value v, back;
			struct dynbuf w = DYNBUF_INIT, t1 = DYNBUF_INIT, t2 = DYNBUF_INIT;
			assert_int_equal(value_parse(tokens[i], &v, NULL), SG_OK);
			judge_value_words(&v,
			                  v.type == VALUE_SET && v.set == SET_ORIGINALITY
			                      ? REF_ALL_OF
			                      : REF_ANY_OF,
			                  lang, &w);
			if (judge_words_parse(dynbuf_ptr(&w), &back))
				fail_msg("'%s' (%s) does not read back", dynbuf_ptr(&w), tokens[i]);
			value_format(&v, &t1);
			value_format(&back, &t2);
			assert_string_equal(dynbuf_ptr(&t1), dynbuf_ptr(&t2));
			dynbuf_release(&w);
			dynbuf_release(&t1);
			dynbuf_release(&t2);
		}
	{
		struct dynbuf t = DYNBUF_INIT;
		assert_int_equal(judge_words_token("24時間", &t), 0);
		assert_string_equal(dynbuf_ptr(&t), "24h"); /* the unit as written */
		dynbuf_reset(&t);
		assert_int_equal(judge_words_token("サービス提供期間＋6ヶ月", &t), 0);
		assert_string_equal(dynbuf_ptr(&t), "service+6mo");
		dynbuf_reset(&t);
		assert_int_equal(judge_words_token("3世代", &t), 0);
		assert_string_equal(dynbuf_ptr(&t), "3");
		dynbuf_reset(&t);
		assert_int_equal(judge_words_token("5 mins", &t), -1);
		assert_int_equal(judge_words_token("たぶん", &t), -1);
		dynbuf_release(&t);
	}
}

/* III.3.1.3's reference values against the methods providers use today. */
static void test_auth_methods(void **state)
{
	const struct eval_item *a = catalog_item(cat, "III.3.1.3.a");
	const struct reference_value *p1 = catalog_item_ref(a, 1), *p2 = catalog_item_ref(a, 2),
	                             *p4 = catalog_item_ref(a, 4);
	(void)state;

	assert_false(judge_meets(REF_ANY_OF, &p1->quantity, &(struct value){0}));
	struct value v;
	assert_int_equal(value_parse("[password]", &v, NULL), SG_OK);
	assert_false(judge_meets(REF_ANY_OF, &p1->quantity, &v));
	assert_true(judge_meets(REF_ANY_OF, &p4->quantity, &v));
	assert_int_equal(value_parse("[password, totp]", &v, NULL), SG_OK);
	assert_false(judge_meets(REF_ANY_OF, &p1->quantity, &v)); /* TOTP is not an IC card */
	assert_true(judge_meets(REF_ANY_OF, &p2->quantity, &v));
	assert_int_equal(value_parse("[fido2]", &v, NULL), SG_OK);
	assert_true(judge_meets(REF_ANY_OF, &p1->quantity, &v));
	assert_int_equal(value_parse("[client_certificate]", &v, NULL), SG_OK);
	assert_true(judge_meets(REF_ANY_OF, &p1->quantity, &v));
}

/* A collector's finding without a value is a measured shortfall, on an item
 * and on a control without items; attestations are attached to controls. */
static void test_findings_and_attestations(void **state)
{
	struct profile *p = load("service: {name: s, pattern: 1}\ncontrols:\n"
	                         "  III.2.2.1: {status: implemented, values: {a: 1h}}\n"
	                         "  III.1.1.5: {status: implemented}\n");
	struct measured_set ms = MEASURED_SET_INIT;
	struct measured_value mv;
	struct assess_result *r;
	const struct assess_control *c;
	json_t *e;
	(void)state;

	memset(&mv, 0, sizeof(mv));
	snprintf(mv.item_id, sizeof(mv.item_id), "III.2.2.1.a");
	mv.finding = 1; /* antivirus missing: no value at all */
	snprintf(mv.source, sizeof(mv.source), "antivirus:clamav");
	snprintf(mv.detail, sizeof(mv.detail), "no antivirus");
	measured_set_add(&ms, &mv);
	memset(&mv, 0, sizeof(mv));
	snprintf(mv.item_id, sizeof(mv.item_id), "III.2.2.1.a");
	mv.value = val("2h"); /* an older value: the finding is worse */
	measured_set_add(&ms, &mv);
	memset(&mv, 0, sizeof(mv));
	snprintf(mv.item_id, sizeof(mv.item_id), "III.1.1.5");
	mv.value = val("false");
	mv.finding = 1;
	snprintf(mv.source, sizeof(mv.source), "time:chrony");
	snprintf(mv.detail, sizeof(mv.detail), "not synchronised");
	measured_set_add(&ms, &mv);
	assert_int_equal(assess_run(cat, p, &ms, 1790000000.0, &r, NULL), SG_OK);
	c = ctl(r, "III.2.2.1");
	assert_int_equal(c->items[0].verdict, ITEM_FALLS_SHORT);
	assert_true(c->items[0].measured_finding);
	assert_true(c->items[0].disagreement);
	assert_int_equal(c->verdict, CONTROL_GAP);
	c = ctl(r, "III.1.1.5");
	assert_int_equal(c->verdict, CONTROL_GAP);
	assert_true(c->reasons & GAP_MEASURED);
	assert_string_equal(c->finding_detail, "not synchronised");
	e = json_pack("{s:I,s:I,s:{s:s,s:s,s:s,s:[{s:s,s:s}]}}", "seq", (json_int_t)7, "at",
	              (json_int_t)1790000000000, "payload", "control", "III.1.1.5.a", "note",
	              "checked", "by", "alice", "evidence", "file", "f.txt", "sha256", "ab");
	assess_attach_attestation(r, e); /* an item id that is not in the catalog: ignored */
	json_object_set_new(json_object_get(e, "payload"), "control", json_string("III.1.1.5"));
	assess_attach_attestation(r, e);
	json_decref(e);
	c = ctl(r, "III.1.1.5");
	assert_int_equal(c->nattestations, 1);
	assert_string_equal(c->attestations[0].by, "alice");
	assert_int_equal(c->attestations[0].seq, 7);
	assert_string_equal(c->attestations[0].sha256[0], "ab");
	assess_free(r);
	measured_set_release(&ms);
	profile_free(p);
}

static void test_evidence_expiry(void **state)
{
	struct profile *p =
	    load("service: {name: s, pattern: 3}\ncontrols:\n"
	         "  II.1.1.1:\n    status: implemented\n    evidence:\n"
	         "      - {title: old, collected: 2020-01-01, expires: 2021-01-01}\n"
	         "      - {title: new, collected: 2026-01-01, expires: 2030-01-01}\n");
	struct assess_result *r;
	const struct assess_control *c;
	(void)state;

	assert_int_equal(assess_run(cat, p, NULL, 1790000000.0, &r, NULL), SG_OK);
	c = ctl(r, "II.1.1.1");
	assert_int_equal(c->verdict, CONTROL_COMPLIANT); /* reported, not a gap */
	assert_int_equal(c->nevidence_issues, 1);
	assert_string_equal(c->evidence_issues[0].evidence->title, "old");
	assert_int_equal(r->summary.evidence_expired, 1);
	assert_int_equal(r->summary.evidence, 2);
	assess_free(r);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_item_every_pattern),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_control_verdicts),
	    cmocka_unit_test(test_exit_status),
	    cmocka_unit_test(test_measured),
	    cmocka_unit_test(test_evidence_expiry),
	    cmocka_unit_test(test_value_words),
	    cmocka_unit_test(test_words_read_back),
	    cmocka_unit_test(test_auth_methods),
	    cmocka_unit_test(test_findings_and_attestations),
	};
	return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
