/*
 * assess - verdicts for every control and evaluation item; see assess.h.
 */
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "hex.h"
#include "judge.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

static const char *const item_names[] = {"meets", "falls_short", "no_value", "no_reference",
                                         "not_applicable"};
static const char *const control_names[] = {"compliant", "gap", "not_applicable", "accepted_risk",
                                            "not_assessed"};
static const char *const severity_names[] = {"", "medium", "high", "critical"};

const char *assess_item_verdict_name(enum item_verdict v)
{
	return v < ITEM_VERDICTS ? item_names[v] : "";
}

const char *assess_control_verdict_name(enum control_verdict v)
{
	return v < CONTROL_VERDICTS ? control_names[v] : "";
}

const char *assess_severity_name(enum severity s)
{
	return s < SEVERITIES ? severity_names[s] : "";
}

const char *assess_provenance_name(enum provenance p)
{
	return p == PROVENANCE_MEASURED ? "measured" : p == PROVENANCE_DECLARED ? "declared" : "";
}

const char *assess_item_verdict_label(enum item_verdict v, int lang)
{
	static const char *const ja[] = {"参照値を満たす", "参照値に達しない", "値なし",
	                                 "参照値なし", "対象外"};
	static const char *const en[] = {"meets the reference value",
	                                 "short of the reference value", "no value",
	                                 "no reference value", "not applicable"};
	return v < ITEM_VERDICTS ? (lang == 1 ? en[v] : ja[v]) : "";
}

const char *assess_control_verdict_label(enum control_verdict v, int lang)
{
	static const char *const ja[] = {"対策済み", "要対応", "対象外", "リスク受容", "未評価"};
	static const char *const en[] = {"in place", "to be addressed", "not applicable",
	                                 "accepted risk", "not assessed"};
	return v < CONTROL_VERDICTS ? (lang == 1 ? en[v] : ja[v]) : "";
}

const char *assess_severity_label(enum severity s, int lang)
{
	static const char *const ja[] = {"", "中", "高", "重大"};
	static const char *const en[] = {"", "medium", "high", "critical"};
	return s < SEVERITIES ? (lang == 1 ? en[s] : ja[s]) : "";
}

const char *assess_control_status_label(enum control_status s, int lang)
{
	static const char *const ja[] = {"未記入", "実施済み", "一部実施",  "計画中",
	                                 "未実施", "対象外",   "リスク受容"};
	static const char *const en[] = {"not declared", "implemented",     "partial",
	                                 "planned",      "not implemented", "not applicable",
	                                 "accepted risk"};
	return (size_t)s < sizeof(ja) / sizeof(ja[0]) ? (lang == 1 ? en[s] : ja[s]) : "";
}

void assess_reference_words(const struct assess_item *ai, int lang, struct dynbuf *out)
{
	if (lang != 1 || ai->ref->kind == REF_NONE) {
		dynbuf_addstr(out, ai->ref->text_ja);
		return;
	}
	if (!judge_token_words(ai->ref->quantity_text, lang, out))
		judge_value_words(&ai->ref->quantity, ai->ref->kind, lang, out);
	if (ai->item->starts_en)
		dynbuf_printf(out, " %s", ai->item->starts_en); /* the point it is measured from */
	if (ai->ref->quantity.type == VALUE_COUNT && strstr(ai->item->name_ja, "世代"))
		dynbuf_addstr(out, ai->ref->quantity.count == 1 ? " generation" : " generations");
}

void assess_item_words(const struct assess_item *ai, enum assess_value_which which, int lang,
                       struct dynbuf *out)
{
	const struct value *v = which == ASSESS_TARGET ? (ai->has_target ? &ai->target : NULL)
	                        : which == ASSESS_DECLARED
	                            ? (ai->has_declared ? &ai->declared : NULL)
	                            : (ai->provenance ? &ai->value : NULL);
	const char *token = which == ASSESS_TARGET     ? ai->target_text
	                    : which == ASSESS_DECLARED ? ai->declared_text
	                                               : ai->value_text;

	if (!v)
		return;
	if (v->type == VALUE_NONE) { /* a collector's finding without a value */
		dynbuf_addstr(out, lang == 1 ? "finding (no value)" : "計測で指摘あり（値なし）");
		return;
	}
	if (!judge_token_words(token, lang, out))
		judge_value_words(v, ai->kind, lang, out);
	if (v->type == VALUE_COUNT && strstr(ai->item->name_ja, "世代")) /* 5世代 */
		dynbuf_addstr(out, lang == 1 ? (v->count == 1 ? " generation" : " generations")
		                             : "世代");
}

static void format_into(const struct value *v, char *out, size_t n)
{
	struct dynbuf b = DYNBUF_INIT;

	value_format(v, &b);
	snprintf(out, n, "%s", dynbuf_ptr(&b));
	dynbuf_release(&b);
}

static enum severity item_severity(const struct eval_item *it, const struct reference_value *ref)
{
	if (ref->required)
		return SEVERITY_CRITICAL;
	return it->control->level == LEVEL_BASIC ? SEVERITY_HIGH : SEVERITY_MEDIUM;
}

static void judge_item(const struct assess_result *r, const struct profile_control *pc,
                       const struct profile_item *pi, const struct measured_set *measured,
                       struct assess_item *ai)
{
	const struct eval_item *it = pi->item;
	const struct reference_value *model = judge_model(it, r->pattern);
	const struct measured_value *mv = NULL;

	ai->item = it;
	ai->ref = catalog_item_ref(it, r->pattern);
	ai->kind = model->kind;
	if (pi->has_value) {
		ai->has_declared = 1;
		ai->declared = pi->value;
		if (pi->value_text)
			snprintf(ai->declared_text, sizeof(ai->declared_text), "%s",
			         pi->value_text);
		else
			format_into(&pi->value, ai->declared_text, sizeof(ai->declared_text));
	}
	if (pi->has_target) {
		ai->has_target = 1;
		ai->target = pi->target;
		if (pi->target_text)
			snprintf(ai->target_text, sizeof(ai->target_text), "%s", pi->target_text);
		else
			format_into(&pi->target, ai->target_text, sizeof(ai->target_text));
	}
	if (pi->has_target) {
		ai->has_threshold = 1;
		ai->threshold = pi->target;
		ai->threshold_is_target = 1;
	} else if (ai->ref->kind != REF_NONE) {
		ai->has_threshold = 1;
		ai->threshold = ai->ref->quantity;
	}
	if (measured) {
		mv = measured_set_find(measured, it->id, judge_larger_is_better(ai->kind));
		if (mv && mv->value.type == VALUE_NONE && mv->finding) {
			ai->measured_finding = 1; /* judged below: a measured shortfall */
		} else if (mv && !judge_fits(ai->kind, &model->quantity, &mv->value)) {
			ai->ignored_measurement = 1;
			mv = NULL;
		}
	}
	if (mv) {
		ai->provenance = PROVENANCE_MEASURED;
		ai->value = mv->value;
		snprintf(ai->value_text, sizeof(ai->value_text), "%s", mv->text);
		snprintf(ai->measured_source, sizeof(ai->measured_source), "%s", mv->source);
		snprintf(ai->measured_detail, sizeof(ai->measured_detail), "%s", mv->detail);
		ai->measured_at = mv->at;
		if (ai->has_declared &&
		    (ai->measured_finding || !judge_meets(ai->kind, &ai->declared, &mv->value)))
			ai->disagreement = 1;
	} else if (ai->has_declared) {
		ai->provenance = PROVENANCE_DECLARED;
		ai->value = ai->declared;
		snprintf(ai->value_text, sizeof(ai->value_text), "%s", ai->declared_text);
	}
	if (pc->status == STATUS_NOT_APPLICABLE)
		ai->verdict = ITEM_NOT_APPLICABLE;
	else if (!ai->has_threshold)
		ai->verdict = ITEM_NO_REFERENCE;
	else if (ai->provenance == PROVENANCE_NONE)
		ai->verdict = ITEM_NO_VALUE;
	else if (ai->measured_finding)
		ai->verdict = ITEM_FALLS_SHORT;
	else
		ai->verdict = judge_meets(ai->kind, &ai->threshold, &ai->value) ? ITEM_MEETS
		                                                                : ITEM_FALLS_SHORT;
	if (ai->verdict == ITEM_FALLS_SHORT || ai->verdict == ITEM_NO_VALUE)
		ai->severity = item_severity(it, ai->ref);
}

/* A measurement recorded against the control itself (no evaluation item):
 * a finding (false, or no value) makes the control a gap like an item that
 * falls short. */
static void control_finding(const struct control *ctl, const struct measured_set *measured,
                            struct assess_control *ac)
{
	const struct measured_value *mv = measured_set_find(measured, ctl->id, 0);

	if (!mv || !(mv->finding || (mv->value.type == VALUE_BOOL && !mv->value.boolean)))
		return;
	ac->has_finding = 1;
	ac->reasons |= GAP_MEASURED;
	snprintf(ac->finding_source, sizeof(ac->finding_source), "%s", mv->source);
	snprintf(ac->finding_detail, sizeof(ac->finding_detail), "%s", mv->detail);
	ac->finding_at = mv->at;
}

/* Whether the profile's partners: (or the control itself) make a control
 * apply that the profile calls not_applicable. */
static int partners_apply(const struct profile *p, const struct control *ctl)
{
	size_t any = p->npartners, asp = 0;

	for (size_t i = 0; i < p->npartners; i++)
		asp += p->partners[i].role == PARTNER_ASP_SAAS;
	return ctl->partners == PARTNERS_ALWAYS || (ctl->partners == PARTNERS_PARTNER && asp) ||
	       (ctl->partners == PARTNERS_ANY && any);
}

static void judge_control(struct assess_result *r, const struct profile_control *pc,
                          const struct measured_set *measured, struct assess_control *ac)
{
	const struct control *ctl = pc->control;
	enum severity base = ctl->level == LEVEL_BASIC ? SEVERITY_HIGH : SEVERITY_MEDIUM;

	ac->control = ctl;
	ac->declared = pc;
	ac->nitems = ctl->nitems;
	ac->items = xcalloc(ctl->nitems ? ctl->nitems : 1, sizeof(*ac->items));
	for (size_t k = 0; k < ctl->nitems; k++) {
		judge_item(r, pc, &pc->items[k], measured, &ac->items[k]);
		if (ac->items[k].verdict == ITEM_FALLS_SHORT)
			ac->reasons |= GAP_FALLS_SHORT;
		else if (ac->items[k].verdict == ITEM_NO_VALUE)
			ac->reasons |= GAP_NO_VALUE;
	}
	control_finding(ctl, measured, ac);
	switch (pc->status) {
	case STATUS_UNSET:
		ac->verdict = CONTROL_NOT_ASSESSED;
		ac->reasons = GAP_NOT_ASSESSED;
		break;
	case STATUS_NOT_APPLICABLE:
		ac->verdict = CONTROL_NOT_APPLICABLE;
		ac->reasons = 0;
		if (partners_apply(r->profile, ctl)) {
			ac->verdict = CONTROL_GAP;
			ac->reasons = GAP_PARTNERS;
		}
		break;
	case STATUS_ACCEPTED_RISK:
		if ((double)pc->expires > r->now) {
			ac->verdict = CONTROL_ACCEPTED_RISK;
			ac->reasons = 0;
		} else {
			ac->verdict = CONTROL_GAP;
			ac->reasons =
			    GAP_RISK_EXPIRED | (ac->reasons & (GAP_FALLS_SHORT | GAP_MEASURED));
		}
		break;
	case STATUS_IMPLEMENTED:
		ac->verdict = ac->reasons ? CONTROL_GAP : CONTROL_COMPLIANT;
		break;
	case STATUS_PARTIAL:
	case STATUS_PLANNED:
	case STATUS_NOT_IMPLEMENTED:
		ac->verdict = CONTROL_GAP;
		ac->reasons |= GAP_STATUS;
		break;
	}
	if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_NOT_ASSESSED) {
		ac->severity = base;
		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			enum severity s = ai->severity;
			if (ac->verdict == CONTROL_NOT_ASSESSED && ai->ref->required)
				s = SEVERITY_CRITICAL;
			if (s > ac->severity)
				ac->severity = s;
		}
	}
	ac->evidence_issues =
	    xcalloc(pc->nevidence ? pc->nevidence : 1, sizeof(*ac->evidence_issues));
	for (size_t e = 0; e < pc->nevidence; e++) {
		const struct profile_evidence *ev = &pc->evidence[e];
		struct assess_evidence_issue is = {ev, ev->expires && (double)ev->expires <= r->now,
		                                   ev->file == EVIDENCE_MISSING,
		                                   ev->file == EVIDENCE_HASH_MISMATCH};
		if (is.expired || is.missing || is.mismatch)
			ac->evidence_issues[ac->nevidence_issues++] = is;
	}
}

static void summarise(struct assess_result *r)
{
	struct assess_summary *s = &r->summary;

	memset(s, 0, sizeof(*s));
	s->passed = s->passed_strict = 1;
	s->controls = r->ncontrols;
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		int basic = ac->control->level == LEVEL_BASIC;
		int exempt =
		    ac->verdict == CONTROL_NOT_APPLICABLE || ac->verdict == CONTROL_ACCEPTED_RISK;
		int ok = ac->verdict == CONTROL_COMPLIANT || exempt;

		s->control_verdicts[ac->verdict]++;
		if (basic)
			s->basic_verdicts[ac->verdict]++;
		else
			s->recommended_verdicts[ac->verdict]++;
		if (ac->verdict == CONTROL_GAP || ac->verdict == CONTROL_NOT_ASSESSED)
			s->gaps_by_severity[ac->severity]++;
		if (!ok) {
			s->passed_strict = 0;
			if (basic)
				s->passed = 0;
		}
		s->evidence += ac->declared->nevidence;
		for (size_t e = 0; e < ac->nevidence_issues; e++) {
			s->evidence_expired += ac->evidence_issues[e].expired;
			s->evidence_missing += ac->evidence_issues[e].missing;
			s->evidence_mismatch += ac->evidence_issues[e].mismatch;
		}
		for (size_t k = 0; k < ac->nitems; k++) {
			const struct assess_item *ai = &ac->items[k];
			s->items++;
			s->item_verdicts[ai->verdict]++;
			s->measured_items += ai->provenance == PROVENANCE_MEASURED;
			s->disagreements += ai->disagreement;
			if (ai->ref->required) {
				s->required_items++;
				s->required_met += ai->verdict == ITEM_MEETS;
				if (!exempt && ai->verdict != ITEM_MEETS)
					s->passed = s->passed_strict = 0;
			}
		}
	}
}

enum sg_code assess_run(const struct catalog *cat, const struct profile *profile,
                        const struct measured_set *measured, double now, struct assess_result **out,
                        struct sg_error *err)
{
	struct assess_result *r;

	*out = NULL;
	if (profile->ncontrols != cat->ncontrols ||
	    (cat->ncontrols && profile->controls[0].control != &cat->controls[0]))
		return sg_error_set(err, SG_ERR_INTERNAL, "%s",
		                    ETR(err, "プロファイルが別のカタログで読み込まれています",
		                        "the profile was loaded with another catalog"));
	r = xcalloc(1, sizeof(*r));
	r->catalog = cat;
	r->profile = profile;
	r->pattern = profile->service.pattern;
	r->now = now;
	r->ncontrols = cat->ncontrols;
	r->controls = xcalloc(cat->ncontrols ? cat->ncontrols : 1, sizeof(*r->controls));
	for (size_t i = 0; i < cat->ncontrols; i++)
		judge_control(r, &profile->controls[i], measured, &r->controls[i]);
	summarise(r);
	*out = r;
	return SG_OK;
}

void assess_free(struct assess_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncontrols; i++) {
		struct assess_control *ac = &r->controls[i];
		for (size_t a = 0; a < ac->nattestations; a++) {
			struct assess_attestation *at = &ac->attestations[a];
			for (size_t f = 0; f < at->nfiles; f++) {
				free(at->files[f]);
				free(at->sha256[f]);
			}
			free(at->files);
			free(at->sha256);
			free(at->item);
			free(at->by);
			free(at->note);
		}
		free(ac->attestations);
		free(ac->items);
		free(ac->evidence_issues);
	}
	free(r->controls);
	free(r);
}

static char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return xstrdup(s ? s : "");
}

void assess_attach_attestation(struct assess_result *r, json_t *entry)
{
	json_t *p = json_object_get(entry, "payload"), *ev = json_object_get(p, "evidence"), *f;
	const char *id = json_string_value(json_object_get(p, "control"));
	const struct eval_item *it;
	const struct control *ctl;
	struct assess_control *ac = NULL;
	struct assess_attestation *at;
	size_t i;

	if (!id)
		return;
	it = catalog_item(r->catalog, id);
	ctl = it ? it->control : catalog_control(r->catalog, id);
	for (i = 0; ctl && i < r->ncontrols && !ac; i++)
		if (r->controls[i].control == ctl)
			ac = &r->controls[i];
	if (!ac)
		return;
	ac->attestations =
	    xrealloc(ac->attestations, (ac->nattestations + 1) * sizeof(*ac->attestations));
	at = &ac->attestations[ac->nattestations++];
	memset(at, 0, sizeof(*at));
	at->seq = (long long)json_integer_value(json_object_get(entry, "seq"));
	at->at = (double)json_integer_value(json_object_get(entry, "at")) / 1000.0;
	at->item = xstrdup(id);
	at->by = jstr(p, "by");
	at->note = jstr(p, "note");
	at->nfiles = json_array_size(ev);
	at->files = xcalloc(at->nfiles + 1, sizeof(char *));
	at->sha256 = xcalloc(at->nfiles + 1, sizeof(char *));
	json_array_foreach(ev, i, f)
	{
		at->files[i] = jstr(f, "file");
		at->sha256[i] = jstr(f, "sha256");
	}
}

int assess_exit_status(const struct assess_result *r, int strict)
{
	return (strict ? r->summary.passed_strict : r->summary.passed) ? 0 : 1;
}

/* ---- JSON ---- */

static json_t *time_or_null(long long t)
{
	char buf[32];

	if (!t)
		return json_null();
	timeutil_utc(t, buf);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *reasons_json(unsigned reasons)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{GAP_STATUS, "status"},
	             {GAP_FALLS_SHORT, "falls_short"},
	             {GAP_NO_VALUE, "no_value"},
	             {GAP_RISK_EXPIRED, "accepted_risk_expired"},
	             {GAP_NOT_ASSESSED, "not_assessed"},
	             {GAP_MEASURED, "measured_finding"},
	             {GAP_PARTNERS, "applies_with_partners"}};
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (reasons & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

static json_t *item_json(const struct assess_item *ai)
{
	json_t *j = json_object();
	char ref[64];

	json_object_set_new(j, "id", json_string(ai->item->id));
	json_object_set_new(j, "name_ja", json_string(ai->item->name_ja));
	json_object_set_new(j, "name_en", json_string(ai->item->name_en));
	json_object_set_new(j, "reference_ja", json_string(ai->ref->text_ja));
	if (ai->ref->kind != REF_NONE) {
		format_into(&ai->ref->quantity, ref, sizeof(ref));
		json_object_set_new(j, "reference",
		                    json_string(ai->ref->quantity.type ? ref : ai->ref->kind_name));
	} else {
		json_object_set_new(j, "reference", json_null());
	}
	json_object_set_new(j, "kind", json_string(catalog_ref_kind_name(ai->kind)));
	json_object_set_new(j, "required", json_boolean(ai->ref->required));
	json_object_set_new(j, "value", ai->provenance ? json_string(ai->value_text) : json_null());
	if (ai->provenance) {
		struct dynbuf w = DYNBUF_INIT;
		assess_item_words(ai, ASSESS_VALUE, 0, &w);
		json_object_set_new(j, "value_ja", json_string(dynbuf_ptr(&w)));
		dynbuf_reset(&w);
		assess_item_words(ai, ASSESS_VALUE, 1, &w);
		json_object_set_new(j, "value_en", json_string(dynbuf_ptr(&w)));
		dynbuf_release(&w);
	}
	if (ai->measured_finding)
		json_object_set_new(j, "measured_finding", json_true());
	json_object_set_new(j, "provenance",
	                    ai->provenance ? json_string(assess_provenance_name(ai->provenance))
	                                   : json_null());
	json_object_set_new(j, "declared",
	                    ai->has_declared ? json_string(ai->declared_text) : json_null());
	json_object_set_new(j, "target",
	                    ai->has_target ? json_string(ai->target_text) : json_null());
	json_object_set_new(j, "verdict", json_string(assess_item_verdict_name(ai->verdict)));
	json_object_set_new(j, "severity",
	                    ai->severity ? json_string(assess_severity_name(ai->severity))
	                                 : json_null());
	json_object_set_new(j, "disagreement", json_boolean(ai->disagreement));
	if (ai->provenance == PROVENANCE_MEASURED) {
		json_object_set_new(j, "measured",
		                    json_pack("{s:s,s:s,s:f,s:s}", "value", ai->value_text,
		                              "source", ai->measured_source, "at", ai->measured_at,
		                              "detail", ai->measured_detail));
	}
	if (ai->ignored_measurement)
		json_object_set_new(j, "ignored_measurement", json_true());
	return j;
}

static json_t *attestations_json(const struct assess_control *ac)
{
	json_t *a = json_array();

	for (size_t k = 0; k < ac->nattestations; k++) {
		const struct assess_attestation *at = &ac->attestations[k];
		json_t *files = json_array();
		for (size_t f = 0; f < at->nfiles; f++)
			json_array_append_new(files, json_pack("{s:s,s:s}", "file", at->files[f],
			                                       "sha256", at->sha256[f]));
		json_array_append_new(a,
		                      json_pack("{s:I,s:s,s:f,s:s,s:s,s:o}", "ledger_seq",
		                                (json_int_t)at->seq, "id", at->item, "at", at->at,
		                                "by", at->by, "note", at->note, "files", files));
	}
	return a;
}

static json_t *evidence_json(const struct assess_control *ac)
{
	const struct profile_control *pc = ac->declared;
	json_t *a = json_array();
	size_t next = 0; /* issues are in evidence order */

	for (size_t e = 0; e < pc->nevidence; e++) {
		const struct profile_evidence *ev = &pc->evidence[e];
		const struct assess_evidence_issue *is = NULL;
		json_t *j;
		if (next < ac->nevidence_issues && ac->evidence_issues[next].evidence == ev)
			is = &ac->evidence_issues[next++];
		j = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:s}", "title", ev->title, "path",
		              str_or_null(ev->path), "url", str_or_null(ev->url), "sha256",
		              str_or_null(ev->sha256), "collected", time_or_null(ev->collected),
		              "expires", time_or_null(ev->expires), "expired", is && is->expired,
		              "file",
		              ev->file == EVIDENCE_OK              ? "ok"
		              : ev->file == EVIDENCE_MISSING       ? "missing"
		              : ev->file == EVIDENCE_HASH_MISMATCH ? "hash_mismatch"
		              : ev->file == EVIDENCE_NO_FILE       ? "none"
		                                                   : "unchecked");
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *counts_json(const size_t *counts, const char *(*name)(int), int n)
{
	json_t *j = json_object();

	for (int i = 0; i < n; i++)
		json_object_set_new(j, name(i), json_integer((json_int_t)counts[i]));
	return j;
}

static const char *cv_name(int i)
{
	return assess_control_verdict_name((enum control_verdict)i);
}
static const char *iv_name(int i)
{
	return assess_item_verdict_name((enum item_verdict)i);
}

json_t *assess_summary_json(const struct assess_result *r)
{
	const struct assess_summary *s = &r->summary;
	json_t *j = json_object();

	json_object_set_new(j, "controls", json_integer((json_int_t)s->controls));
	json_object_set_new(j, "control_verdicts",
	                    counts_json(s->control_verdicts, cv_name, CONTROL_VERDICTS));
	json_object_set_new(j, "basic", counts_json(s->basic_verdicts, cv_name, CONTROL_VERDICTS));
	json_object_set_new(j, "recommended",
	                    counts_json(s->recommended_verdicts, cv_name, CONTROL_VERDICTS));
	json_object_set_new(j, "evaluation_items", json_integer((json_int_t)s->items));
	json_object_set_new(j, "item_verdicts",
	                    counts_json(s->item_verdicts, iv_name, ITEM_VERDICTS));
	json_object_set_new(j, "gaps",
	                    json_pack("{s:I,s:I,s:I}", "critical",
	                              (json_int_t)s->gaps_by_severity[SEVERITY_CRITICAL], "high",
	                              (json_int_t)s->gaps_by_severity[SEVERITY_HIGH], "medium",
	                              (json_int_t)s->gaps_by_severity[SEVERITY_MEDIUM]));
	json_object_set_new(j, "required_items", json_integer((json_int_t)s->required_items));
	json_object_set_new(j, "required_met", json_integer((json_int_t)s->required_met));
	json_object_set_new(j, "measured_items", json_integer((json_int_t)s->measured_items));
	json_object_set_new(j, "disagreements", json_integer((json_int_t)s->disagreements));
	json_object_set_new(j, "evidence",
	                    json_pack("{s:I,s:I,s:I,s:I}", "total", (json_int_t)s->evidence,
	                              "expired", (json_int_t)s->evidence_expired, "missing",
	                              (json_int_t)s->evidence_missing, "hash_mismatch",
	                              (json_int_t)s->evidence_mismatch));
	json_object_set_new(j, "passed", json_boolean(s->passed));
	json_object_set_new(j, "passed_strict", json_boolean(s->passed_strict));
	return j;
}

json_t *assess_to_json(const struct assess_result *r)
{
	const struct profile *p = r->profile;
	json_t *j = json_object(), *controls = json_array();
	char sha[65], at[32];

	hex_encode(p->sha256, sizeof(p->sha256), sha);
	timeutil_utc((long long)r->now, at);
	json_object_set_new(j, "service",
	                    json_pack("{s:s,s:i,s:b,s:s,s:s}", "name", p->service.name, "pattern",
	                              r->pattern, "classified", p->service.classified, "profile",
	                              p->path, "profile_sha256", sha));
	{
		json_t *pl = json_array();
		for (size_t i = 0; i < p->npartners; i++) {
			const struct profile_partner *pp = &p->partners[i];
			json_array_append_new(pl,
			                      json_pack("{s:s,s:s,s:o,s:o}", "name", pp->name,
			                                "role", profile_partner_role_name(pp->role),
			                                "provides", str_or_null(pp->provides),
			                                "contract", str_or_null(pp->contract)));
		}
		json_object_set_new(json_object_get(j, "service"), "partners", pl);
	}
	json_object_set_new(j, "assessed_at", json_string(at));
	json_object_set_new(j, "summary", assess_summary_json(r));
	for (size_t i = 0; i < r->ncontrols; i++) {
		const struct assess_control *ac = &r->controls[i];
		const struct profile_control *pc = ac->declared;
		json_t *c = json_object(), *items = json_array();

		json_object_set_new(c, "id", json_string(ac->control->id));
		json_object_set_new(c, "level",
		                    json_string(catalog_level_name(ac->control->level)));
		json_object_set_new(c, "title_ja", json_string(ac->control->title_ja));
		json_object_set_new(c, "title_en", json_string(ac->control->title_en));
		json_object_set_new(c, "status",
		                    pc->status
		                        ? json_string(profile_control_status_name(pc->status))
		                        : json_null());
		json_object_set_new(c, "verdict",
		                    json_string(assess_control_verdict_name(ac->verdict)));
		json_object_set_new(c, "severity",
		                    ac->severity ? json_string(assess_severity_name(ac->severity))
		                                 : json_null());
		json_object_set_new(c, "reasons", reasons_json(ac->reasons));
		json_object_set_new(c, "owner", str_or_null(pc->owner));
		json_object_set_new(c, "reason", str_or_null(pc->reason));
		json_object_set_new(c, "notes", str_or_null(pc->notes));
		json_object_set_new(c, "expires", time_or_null(pc->expires));
		json_object_set_new(c, "evidence", evidence_json(ac));
		json_object_set_new(c, "attestations", attestations_json(ac));
		if (ac->has_finding)
			json_object_set_new(c, "finding",
			                    json_pack("{s:s,s:s,s:f}", "source", ac->finding_source,
			                              "detail", ac->finding_detail, "at",
			                              ac->finding_at));
		for (size_t k = 0; k < ac->nitems; k++)
			json_array_append_new(items, item_json(&ac->items[k]));
		json_object_set_new(c, "evaluation_items", items);
		json_array_append_new(controls, c);
	}
	json_object_set_new(j, "controls", controls);
	return j;
}
