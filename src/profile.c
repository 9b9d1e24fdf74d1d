/*
 * profile - a service's profile file; see profile.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "i18n.h"
#include "judge.h"
#include "profile.h"
#include "xalloc.h"
#include "banned.h"

/* Large enough for any real profile and the 10 MB stress test. */
#define PROFILE_MAX_BYTES ((size_t)64 << 20)

static enum sg_code parse_service(struct profile *p, const struct catalog *cat,
                                  struct sg_error *err)
{
	static const char *const keys[] = {"name", "pattern", "classification", "slug", NULL};
	static const char *const ckeys[] = {"personal_information", "trade_secrets", "availability",
	                                    NULL};
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *svc = ydoc_get(doc->root, "service"), *n, *cls;
	struct profile_service *s = &p->service;
	enum sg_code rc;
	long long pat = 0;

	s->personal_information = s->trade_secrets = -1;
	if (!svc)
		return ydoc_missing(doc, doc->root, "service",
		                    ETR(err, "プロファイル", "the profile"), err);
	if ((rc = ydoc_want(doc, svc, YDOC_MAP, "service", err)) ||
	    (rc = ydoc_check_keys(doc, svc, keys, "service", err)))
		return rc;
	s->node = svc;
	if (!(n = ydoc_get(svc, "name")))
		return ydoc_missing(doc, svc, "name", "service", err);
	if ((rc = ydoc_str(doc, n, "service.name", &s->name, err)))
		return rc;
	if (!*s->name)
		return ydoc_error(doc, n, err, "%s",
		                  ETR(err, "service.name が空です", "service.name is empty"));
	n = ydoc_get(svc, "pattern");
	if (n && (rc = ydoc_int(doc, n, "service.pattern", 1, 6, &pat, err)))
		return rc;
	cls = ydoc_get(svc, "classification");
	if (cls) {
		const struct ydoc_node *a;
		const char *av;
		int pi, ts, derived;

		if ((rc = ydoc_want(doc, cls, YDOC_MAP, "service.classification", err)) ||
		    (rc = ydoc_check_keys(doc, cls, ckeys, "service.classification", err)))
			return rc;
		for (int i = 0; ckeys[i]; i++)
			if (!ydoc_get(cls, ckeys[i]))
				return ydoc_missing(doc, cls, ckeys[i], "service.classification",
				                    err);
		if ((rc = ydoc_bool(doc, ydoc_get(cls, "personal_information"),
		                    "service.classification.personal_information", &pi, err)) ||
		    (rc = ydoc_bool(doc, ydoc_get(cls, "trade_secrets"),
		                    "service.classification.trade_secrets", &ts, err)))
			return rc;
		a = ydoc_get(cls, "availability");
		if ((rc = ydoc_str(doc, a, "service.classification.availability", &av, err)))
			return rc;
		if (strcmp(av, "high") && strcmp(av, "medium") && strcmp(av, "low"))
			return ydoc_error(
			    doc, a, err,
			    ETR(err,
			        "availability は high、medium、low のいずれかです（'%s' は不可）",
			        "availability is high, medium or low, not '%s'"),
			    av);
		s->personal_information = pi;
		s->trade_secrets = ts;
		s->availability = av;
		derived = catalog_pattern_for(cat, pi || ts ? "high" : "low", "high", av);
		if (pat && pat != derived) {
			ydoc_error(doc, n, err,
			           ETR(err,
			               "pattern %lld と classification（パターン %d "
			               "になる）が矛盾しています",
			               "pattern %lld conflicts with the classification, which "
			               "gives pattern %d"),
			           pat, derived);
			sg_error_hint(err, "%s",
			              ETR(err, "どちらか一方だけを書くか、両者を一致させてください",
			                  "give only one of them, or make them agree"));
			return SG_ERR_INPUT;
		}
		if (!pat) {
			pat = derived;
			s->classified = 1;
		}
	}
	if (!pat) {
		ydoc_error(doc, svc, err, "%s",
		           ETR(err, "service に pattern も classification もありません",
		               "service needs a pattern or a classification"));
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "pattern: 1 か、classification: {personal_information: true, "
		        "trade_secrets: false, availability: high} と書いてください",
		        "write pattern: 1, or classification: {personal_information: true, "
		        "trade_secrets: false, availability: high}"));
		return SG_ERR_INPUT;
	}
	s->pattern = (int)pat;
	return SG_OK;
}

static const char *const status_names[] = {
    "", "implemented", "partial", "planned", "not_implemented", "not_applicable", "accepted_risk",
};

/* As assess_control_status_label() prints them. */
static const char *const status_labels_ja[] = {
    "", "実施済み", "一部実施", "計画中", "未実施", "対象外", "リスク受容",
};

const char *profile_control_status_name(enum control_status st)
{
	return (size_t)st < sizeof(status_names) / sizeof(status_names[0]) ? status_names[st] : "";
}

const struct profile_control *profile_control(const struct profile *p, const struct control *ctl)
{
	return &p->controls[ctl - p->controls[0].control];
}

static enum sg_code parse_status(struct profile *p, struct profile_control *pc,
                                 const struct ydoc_node *n, const char *what, struct sg_error *err)
{
	const char *v;
	enum sg_code rc = ydoc_str(p->doc, n, what, &v, err);
	size_t best = 0, bestd = (size_t)-1;

	if (rc)
		return rc;
	for (size_t i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		size_t d;
		/* the Japanese labels saasguard itself prints (実施済み …) are accepted too */
		if (!strcmp(v, status_names[i]) || !strcmp(v, status_labels_ja[i])) {
			pc->status = (enum control_status)i;
			return SG_OK;
		}
		d = i18n_edit_distance(v, status_names[i]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	ydoc_error(p->doc, n, err,
	           ETR(err, "%s: '%s' という状況はありません", "%s: '%s' is not a status"), what,
	           v);
	if (bestd <= 3)
		sg_error_hint(err, ETR(err, "'%s' のことですか?", "did you mean '%s'?"),
		              status_names[best]);
	else
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "implemented（実施済み）, partial（一部実施）, planned（計画中）, "
		        "not_implemented（未実施）, not_applicable（対象外）, "
		        "accepted_risk（リスク受容）のいずれかです",
		        "use one of implemented (実施済み), partial (一部実施), planned (計画中), "
		        "not_implemented (未実施), not_applicable (対象外), accepted_risk "
		        "(リスク受容)"));
	return SG_ERR_INPUT;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i == 64;
}

static enum sg_code parse_evidence(struct profile *p, struct profile_control *pc,
                                   const struct ydoc_node *list, struct sg_error *err)
{
	static const char *const keys[] = {"title",     "path",    "url", "sha256",
	                                   "collected", "expires", NULL};
	const struct ydoc *doc = p->doc;
	char what[96];
	enum sg_code rc;

	snprintf(what, sizeof(what), "%s.evidence", pc->control->id);
	if ((rc = ydoc_want(doc, list, YDOC_SEQ, what, err)))
		return rc;
	pc->evidence = xcalloc(list->nitems ? list->nitems : 1, sizeof(*pc->evidence));
	for (size_t i = 0; i < list->nitems; i++) {
		const struct ydoc_node *e = list->items[i], *n;
		struct profile_evidence *ev = &pc->evidence[pc->nevidence];

		if ((rc = ydoc_want(doc, e, YDOC_MAP, what, err)) ||
		    (rc = ydoc_check_keys(doc, e, keys, what, err)))
			return rc;
		ev->node = e;
		if (!(n = ydoc_get(e, "title")))
			return ydoc_missing(doc, e, "title", what, err);
		if ((rc = ydoc_str(doc, n, "evidence.title", &ev->title, err)))
			return rc;
		if ((n = ydoc_get(e, "path")) &&
		    (rc = ydoc_str(doc, n, "evidence.path", &ev->path, err)))
			return rc;
		if ((n = ydoc_get(e, "url")) &&
		    (rc = ydoc_str(doc, n, "evidence.url", &ev->url, err)))
			return rc;
		if ((n = ydoc_get(e, "sha256"))) {
			if ((rc = ydoc_str(doc, n, "evidence.sha256", &ev->sha256, err)))
				return rc;
			if (!is_hex64(ev->sha256)) {
				ydoc_error(doc, n, err, "%s",
				           ETR(err, "sha256 は16進数64桁です",
				               "sha256 is 64 hexadecimal digits"));
				sg_error_hint(
				    err, "%s",
				    ETR(err, "sha256sum ファイル名 の出力の先頭を貼ってください",
				        "paste the first field of `sha256sum FILE`"));
				return SG_ERR_INPUT;
			}
			if (!ev->path) {
				ydoc_error(doc, n, err, "%s",
				           ETR(err, "sha256 には path が必要です",
				               "sha256 needs a path to check it against"));
				return SG_ERR_INPUT;
			}
		}
		if ((n = ydoc_get(e, "collected")) &&
		    (rc = ydoc_time(doc, n, "evidence.collected", &ev->collected, err)))
			return rc;
		if ((n = ydoc_get(e, "expires")) &&
		    (rc = ydoc_time(doc, n, "evidence.expires", &ev->expires, err)))
			return rc;
		if (ev->collected && ev->expires && ev->expires <= ev->collected)
			return ydoc_error(doc, n, err, "%s",
			                  ETR(err, "expires が collected より前です",
			                      "expires is not after collected"));
		pc->nevidence++;
	}
	return SG_OK;
}

/* The item of ctl named by a key of values/targets ("a", or the full id). */
static const struct eval_item *item_by_key(const struct control *ctl, const char *key)
{
	for (size_t k = 0; k < ctl->nitems; k++) {
		const struct eval_item *it = &ctl->items[k];
		if ((key[0] == it->letter && !key[1]) || !strcmp(key, it->id))
			return it;
	}
	return NULL;
}

/* Values range: no interval of zero, nothing beyond a century. */
static enum sg_code check_range(const struct ydoc *doc, const struct ydoc_node *n,
                                enum ref_kind kind, const struct value *v, const char *what,
                                struct sg_error *err)
{
	if ((v->type == VALUE_DURATION || v->type == VALUE_SERVICE_PLUS) &&
	    v->seconds > 100 * VALUE_YEAR_SECONDS)
		return ydoc_error(doc, n, err,
		                  ETR(err, "%s: 100年を超える期間は扱えません",
		                      "%s: a duration beyond 100 years is out of range"),
		                  what);
	if (v->type == VALUE_DURATION && v->seconds <= 0 &&
	    (kind == REF_MAX_INTERVAL || kind == REF_EVERY_BACKUP)) {
		ydoc_error(doc, n, err,
		           ETR(err, "%s: 間隔 0 はありえません",
		               "%s: an interval of zero is out of range"),
		           what);
		sg_error_hint(err, "%s",
		              ETR(err, "実施の間隔を書いてください（例: 5m）",
		                  "write how often it happens, e.g. 5m"));
		return SG_ERR_INPUT;
	}
	if (v->type == VALUE_COUNT && v->count > 1000000)
		return ydoc_error(
		    doc, n, err,
		    ETR(err, "%s: 個数が大きすぎます", "%s: the count is out of range"), what);
	return SG_OK;
}

/* values: or targets: of one control. */
static enum sg_code parse_item_values(struct profile *p, struct profile_control *pc,
                                      const struct ydoc_node *map, int targets,
                                      struct sg_error *err)
{
	const struct ydoc *doc = p->doc;
	const struct control *ctl = pc->control;
	const char *section = targets ? "targets" : "values";
	char what[96];
	enum sg_code rc;

	snprintf(what, sizeof(what), "%s.%s", ctl->id, section);
	if ((rc = ydoc_want(doc, map, YDOC_MAP, what, err)))
		return rc;
	for (size_t i = 0; i < map->npairs; i++) {
		const struct ydoc_node *k = map->pairs[i].key, *n = map->pairs[i].value;
		const struct eval_item *it = item_by_key(ctl, k->scalar);
		const struct reference_value *ref, *model;
		struct profile_item *pi;
		struct value v;
		char iwhat[96];

		if (!it) {
			struct dynbuf l = DYNBUF_INIT;
			for (size_t m = 0; m < ctl->nitems; m++)
				dynbuf_printf(&l, "%s%c", m ? ", " : "", ctl->items[m].letter);
			if (!ctl->nitems) {
				ydoc_error(doc, k, err,
				           ETR(err, "%s には評価項目がありません",
				               "%s has no evaluation items"),
				           ctl->id);
				sg_error_hint(err, ETR(err, "%s: を削除してください", "remove %s:"),
				              section);
			} else {
				ydoc_error(doc, k, err,
				           ETR(err, "%s に評価項目 '%s' はありません",
				               "%s has no evaluation item '%s'"),
				           ctl->id, k->scalar);
				sg_error_hint(
				    err, ETR(err, "%s の評価項目: %s", "the items of %s are: %s"),
				    ctl->id, dynbuf_ptr(&l));
			}
			dynbuf_release(&l);
			return SG_ERR_INPUT;
		}
		pi = &pc->items[it - ctl->items];
		if ((targets && pi->has_target) || (!targets && pi->has_value))
			return ydoc_error(
			    doc, k, err,
			    ETR(err, "%s の%sが重複しています", "%s is given twice in %s"), it->id,
			    section);
		snprintf(iwhat, sizeof(iwhat), "%s.%s.%c", ctl->id, section, it->letter);
		if ((rc = ydoc_value(doc, n, iwhat, &v, err)))
			return rc;
		ref = catalog_item_ref(it, p->service.pattern);
		model = judge_model(it, p->service.pattern);
		if (!judge_fits(model->kind, &model->quantity, &v)) {
			struct dynbuf got = DYNBUF_INIT;
			value_format(&v, &got);
			ydoc_error(doc, n, err,
			           ETR(err, "%s: '%s' はこの評価項目（%s）の値になりません",
			               "%s: '%s' does not fit this item (%s)"),
			           iwhat, dynbuf_ptr(&got),
			           sg_error_lang(err) == 1 ? it->name_en : it->name_ja);
			sg_error_hint(
			    err,
			    ETR(err, "%sを書いてください（対策参照値: %s）",
			        "write %s (reference value: %s)"),
			    judge_expected(model->kind, &model->quantity, sg_error_lang(err)),
			    ref->text_ja);
			dynbuf_release(&got);
			return SG_ERR_INPUT;
		}
		if ((rc = check_range(doc, n, model->kind, &v, iwhat, err)))
			return rc;
		if (targets && ref->kind != REF_NONE &&
		    !judge_meets(ref->kind, &ref->quantity, &v)) {
			struct dynbuf got = DYNBUF_INIT;
			value_format(&v, &got);
			ydoc_error(doc, n, err,
			           ETR(err,
			               "%s: 目標 %s は対策参照値「%s」より緩く設定されています",
			               "%s: the target %s is looser than the reference value %s"),
			           iwhat, dynbuf_ptr(&got), ref->text_ja);
			sg_error_hint(err,
			              ETR(err,
			                  "目標は参照値より厳しい値だけ書けます（参照値は %s）。"
			                  "不要なら削除してください",
			                  "a target can only be stricter than the reference "
			                  "(%s); remove it otherwise"),
			              ref->quantity_text);
			dynbuf_release(&got);
			return SG_ERR_INPUT;
		}
		if (targets) {
			pi->has_target = 1;
			pi->target = v;
			pi->target_text = n->type == YDOC_SCALAR ? n->scalar : NULL;
			pi->target_node = n;
		} else {
			pi->has_value = 1;
			pi->value = v;
			pi->value_text = n->type == YDOC_SCALAR ? n->scalar : NULL;
			pi->value_node = n;
		}
	}
	return SG_OK;
}

static enum sg_code parse_control(struct profile *p, const struct catalog *cat,
                                  struct profile_control *pc, const struct ydoc_node *m,
                                  struct sg_error *err)
{
	static const char *const keys[] = {"status", "owner",   "evidence", "values", "targets",
	                                   "reason", "expires", "notes",    NULL};
	const struct ydoc *doc = p->doc;
	const char *id = pc->control->id;
	const struct ydoc_node *n;
	char what[96];
	enum sg_code rc;

	(void)cat;
	if ((rc = ydoc_want(doc, m, YDOC_MAP, id, err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, id, err)))
		return rc;
	pc->node = m;
	if (!(n = ydoc_get(m, "status"))) {
		ydoc_missing(doc, m, "status", id, err);
		sg_error_hint(err, "%s",
		              ETR(err, "status: implemented（実施済み）などを書いてください",
		                  "write status: implemented (or partial, planned, "
		                  "not_implemented, not_applicable, accepted_risk)"));
		return SG_ERR_INPUT;
	}
	snprintf(what, sizeof(what), "%s.status", id);
	if ((rc = parse_status(p, pc, n, what, err)))
		return rc;
	if ((n = ydoc_get(m, "owner")) && !ydoc_is_null(n) &&
	    (rc = ydoc_str(doc, n, "owner", &pc->owner, err)))
		return rc;
	if ((n = ydoc_get(m, "notes")) && !ydoc_is_null(n) &&
	    (rc = ydoc_str(doc, n, "notes", &pc->notes, err)))
		return rc;
	if ((n = ydoc_get(m, "reason")) && !ydoc_is_null(n)) {
		if ((rc = ydoc_str(doc, n, "reason", &pc->reason, err)))
			return rc;
		if (!*pc->reason)
			pc->reason = NULL;
	}
	if ((n = ydoc_get(m, "expires")) && !ydoc_is_null(n)) {
		if (pc->status != STATUS_ACCEPTED_RISK)
			return ydoc_error(doc, n, err, "%s",
			                  ETR(err,
			                      "expires は status: accepted_risk のときだけ書けます",
			                      "expires belongs to status: accepted_risk"));
		if ((rc = ydoc_time(doc, n, "expires", &pc->expires, err)))
			return rc;
	}
	if ((pc->status == STATUS_NOT_APPLICABLE || pc->status == STATUS_ACCEPTED_RISK) &&
	    !pc->reason) {
		ydoc_missing(doc, m, "reason", id, err);
		sg_error_hint(err,
		              ETR(err, "status: %s には reason: （理由）が必要です",
		                  "status: %s needs a reason:"),
		              profile_control_status_name(pc->status));
		return SG_ERR_INPUT;
	}
	if (pc->status == STATUS_ACCEPTED_RISK && !pc->expires) {
		ydoc_missing(doc, m, "expires", id, err);
		sg_error_hint(err, "%s",
		              ETR(err, "リスク受容には期限が必要です（例: expires: 2027-03-31）",
		                  "an accepted risk needs an end date, e.g. expires: 2027-03-31"));
		return SG_ERR_INPUT;
	}
	if ((n = ydoc_get(m, "evidence")) && !ydoc_is_null(n) &&
	    (rc = parse_evidence(p, pc, n, err)))
		return rc;
	if ((n = ydoc_get(m, "values")) && !ydoc_is_null(n) &&
	    (rc = parse_item_values(p, pc, n, 0, err)))
		return rc;
	if ((n = ydoc_get(m, "targets")) && !ydoc_is_null(n) &&
	    (rc = parse_item_values(p, pc, n, 1, err)))
		return rc;
	return SG_OK;
}

const char *profile_partner_role_name(enum partner_role r)
{
	return r == PARTNER_OUTSOURCING ? "outsourcing" : "partner";
}

static enum sg_code parse_partner(struct profile *p, const struct ydoc_node *m,
                                  struct profile_partner *pp, struct sg_error *err)
{
	static const char *const keys[] = {"name", "role", "provides", "contract", NULL};
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *n;
	enum sg_code rc;
	const char *role;

	pp->node = m;
	if ((rc = ydoc_want(doc, m, YDOC_MAP, "partners[]", err)) ||
	    (rc = ydoc_check_keys(doc, m, keys, "partners[]", err)))
		return rc;
	if (!(n = ydoc_get(m, "name")))
		return ydoc_missing(doc, m, "name", "partners[]", err);
	if ((rc = ydoc_str(doc, n, "partners[].name", &pp->name, err)))
		return rc;
	if ((n = ydoc_get(m, "role"))) {
		if ((rc = ydoc_str(doc, n, "partners[].role", &role, err)))
			return rc;
		if (!strcmp(role, "partner") || !strcmp(role, "連携"))
			pp->role = PARTNER_ASP_SAAS;
		else if (!strcmp(role, "outsourcing") || !strcmp(role, "外部委託"))
			pp->role = PARTNER_OUTSOURCING;
		else {
			ydoc_error(doc, n, err,
			           ETR(err, "partners[].role: '%s' という役割はありません",
			               "partners[].role: '%s' is not a role"),
			           role);
			sg_error_hint(
			    err, "%s",
			    ETR(err,
			        "partner（連携 ASP・SaaS 事業者）か outsourcing（外部委託）"
			        "と書いてください",
			        "write partner (a partner ASP/SaaS provider) or "
			        "outsourcing (an outsourcing contractor)"));
			return SG_ERR_INPUT;
		}
	}
	if ((n = ydoc_get(m, "provides")) && !ydoc_is_null(n) &&
	    (rc = ydoc_str(doc, n, "partners[].provides", &pp->provides, err)))
		return rc;
	if ((n = ydoc_get(m, "contract")) && !ydoc_is_null(n) &&
	    (rc = ydoc_str(doc, n, "partners[].contract", &pp->contract, err)))
		return rc;
	return SG_OK;
}

/* `partners:` — the partner services and contractors the service relies on
 * (II.2.2, II.3, II.8.1.1 are judged against this list). */
static enum sg_code parse_partners(struct profile *p, struct sg_error *err)
{
	const struct ydoc_node *seq = ydoc_get(p->doc->root, "partners");
	enum sg_code rc;

	if (!seq || ydoc_is_null(seq))
		return SG_OK;
	if ((rc = ydoc_want(p->doc, seq, YDOC_SEQ, "partners", err)))
		return rc;
	p->partners = xcalloc(seq->nitems ? seq->nitems : 1, sizeof(*p->partners));
	for (size_t i = 0; i < seq->nitems; i++) {
		if ((rc = parse_partner(p, seq->items[i], &p->partners[i], err)))
			return rc;
		p->npartners++;
	}
	return SG_OK;
}

static enum sg_code parse_controls(struct profile *p, const struct catalog *cat,
                                   struct sg_error *err)
{
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *map = ydoc_get(doc->root, "controls");
	enum sg_code rc;

	p->ncontrols = cat->ncontrols;
	p->controls = xcalloc(cat->ncontrols ? cat->ncontrols : 1, sizeof(*p->controls));
	for (size_t i = 0; i < cat->ncontrols; i++) {
		struct profile_control *pc = &p->controls[i];
		pc->control = &cat->controls[i];
		pc->items =
		    xcalloc(pc->control->nitems ? pc->control->nitems : 1, sizeof(*pc->items));
		for (size_t k = 0; k < pc->control->nitems; k++)
			pc->items[k].item = &pc->control->items[k];
	}
	if (!map || ydoc_is_null(map))
		return SG_OK;
	if ((rc = ydoc_want(doc, map, YDOC_MAP, "controls", err)))
		return rc;
	for (size_t i = 0; i < map->npairs; i++) {
		const struct ydoc_node *k = map->pairs[i].key;
		const struct control *ctl;
		char id[64];

		if (catalog_normalize_id(k->scalar, id, sizeof(id), NULL) == SG_OK &&
		    (ctl = catalog_control(cat, id))) {
			struct profile_control *pc = &p->controls[ctl - cat->controls];
			if (pc->node)
				return ydoc_error(doc, k, err,
				                  ETR(err, "%s が重複しています（最初は %d 行目）",
				                      "%s is listed twice (first at line %d)"),
				                  ctl->id, pc->node->line);
			if ((rc = parse_control(p, cat, pc, map->pairs[i].value, err)))
				return rc;
			if (!pc->node) /* an empty map has no position of its own */
				pc->node = map->pairs[i].value;
			p->nlisted++;
			continue;
		}
		{
			const struct eval_item *it =
			    catalog_normalize_id(k->scalar, id, sizeof(id), NULL) == SG_OK
			        ? catalog_item(cat, id)
			        : NULL;
			const char *near[5];
			size_t nn;
			struct dynbuf l = DYNBUF_INIT;

			if (it) {
				ydoc_error(doc, k, err,
				           ETR(err, "%s は評価項目で、対策項目ではありません",
				               "%s is an evaluation item, not a countermeasure"),
				           it->id);
				sg_error_hint(err,
				              ETR(err, "%s の values: に %c: として書いてください",
				                  "under values: of %s, write it as %c:"),
				              it->control->id, it->letter);
				return SG_ERR_INPUT;
			}
			nn = catalog_suggest(cat, k->scalar, near, 5);
			for (size_t j = 0, shown = 0; j < nn; j++) {
				if (!catalog_control(cat, near[j]))
					continue;
				dynbuf_printf(&l, "%s%s", shown++ ? ", " : "", near[j]);
			}
			ydoc_error(doc, k, err,
			           ETR(err, "'%s' はガイドラインの対策項目ではありません",
			               "'%s' is not a countermeasure of the guideline"),
			           k->scalar);
			if (l.len)
				sg_error_hint(err, ETR(err, "近い ID: %s", "nearest ids: %s"),
				              dynbuf_ptr(&l));
			else
				sg_error_hint(err, "%s",
				              ETR(err,
				                  "saasguard catalog list で ID を確認できます",
				                  "saasguard catalog list shows the ids"));
			dynbuf_release(&l);
			return SG_ERR_INPUT;
		}
	}
	return SG_OK;
}

enum sg_code profile_check_evidence(struct profile *p, struct sg_error *err)
{
	char *dir = xstrdup(p->path), *slash = strrchr(dir, '/');

	(void)err;
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	for (size_t i = 0; i < p->ncontrols; i++) {
		struct profile_control *pc = &p->controls[i];
		for (size_t e = 0; e < pc->nevidence; e++) {
			struct profile_evidence *ev = &pc->evidence[e];
			char *full;
			char hex[65];
			struct sg_error ignored;

			if (!ev->path) {
				ev->file = EVIDENCE_NO_FILE;
				continue;
			}
			full =
			    ev->path[0] == '/' ? xstrdup(ev->path) : xstrfmt("%s%s", dir, ev->path);
			memset(&ignored, 0, sizeof(ignored));
			if (access(full, R_OK))
				ev->file = EVIDENCE_MISSING;
			else if (!ev->sha256)
				ev->file = EVIDENCE_OK;
			else if (fileio_sha256_hex(full, hex, &ignored))
				ev->file = EVIDENCE_MISSING;
			else
				ev->file = strcasecmp(hex, ev->sha256) ? EVIDENCE_HASH_MISMATCH
				                                       : EVIDENCE_OK;
			free(full);
		}
	}
	free(dir);
	return SG_OK;
}

enum sg_code profile_parse(const char *text, size_t len, const char *name,
                           const struct catalog *cat, struct profile **out, struct sg_error *err)
{
	static const char *const sections[] = {PROFILE_SECTIONS, NULL};
	struct profile *p = xcalloc(1, sizeof(*p));
	unsigned int mdlen = 0;
	enum sg_code rc;

	*out = NULL;
	p->path = xstrdup(name);
	EVP_Digest(text, len, p->sha256, &mdlen, EVP_sha256(), NULL);
	if ((rc = ydoc_parse(text, len, name, &p->doc, err)))
		goto fail;
	if (!p->doc->root) {
		rc = sg_error_at(err, SG_ERR_INPUT, name, 1, 1, "%s",
		                 ETR(err, "プロファイルが空です", "the profile is empty"));
		sg_error_hint(err, "%s",
		              ETR(err, "saasguard init で雛形を作れます",
		                  "saasguard init writes a starter profile"));
		goto fail;
	}
	if ((rc = ydoc_want(p->doc, p->doc->root, YDOC_MAP, ETR(err, "プロファイル", "the profile"),
	                    err)) ||
	    (rc = ydoc_check_keys(p->doc, p->doc->root, sections,
	                          ETR(err, "プロファイル", "the profile"), err)) ||
	    (rc = parse_service(p, cat, err)) || (rc = parse_controls(p, cat, err)) ||
	    (rc = parse_partners(p, err)))
		goto fail;
	*out = p;
	return SG_OK;
fail:
	profile_free(p);
	return rc;
}

enum sg_code profile_load(const char *path, const struct catalog *cat, struct profile **out,
                          struct sg_error *err)
{
	struct dynbuf b = DYNBUF_INIT;
	enum sg_code rc = fileio_read(path, PROFILE_MAX_BYTES, &b, err);

	if (!rc)
		rc = profile_parse(dynbuf_ptr(&b), dynbuf_len(&b), path, cat, out, err);
	dynbuf_release(&b);
	return rc;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncontrols; i++) {
		free(p->controls[i].evidence);
		free(p->controls[i].items);
	}
	free(p->controls);
	free(p->partners);
	ydoc_free(p->doc);
	free(p->path);
	free(p);
}

const struct ydoc_node *profile_section(const struct profile *p, const char *name)
{
	return ydoc_get(p->doc->root, name);
}
