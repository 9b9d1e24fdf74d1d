/*
 * collect - the collector framework: plan, run, judge, store; see collect.h.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collect.h"
#include "dynbuf.h"
#include "ledger.h"
#include "ledger_events.h"
#include "timeutil.h"
#include "value.h"
#include "xalloc.h"
#include "banned.h"

/* Every collector, in the order a run uses. NULL-terminated. */
static const struct collector *const collectors[] = {
    &collector_time,      &collector_patches,
    &collector_antivirus, &collector_ids,
    &collector_backup,    &collector_logs,
    &collector_tls,       &collector_firewall,
    &collector_passwords, NULL,
};

static const struct collector *collector_find(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (!strcmp(collectors[i]->name, name))
			return collectors[i];
	return NULL;
}

struct measurement *collect_add(struct collect_results *out, const char *collector,
                                const char *item_id, const char *subject,
                                enum measurement_status status, const char *value_text,
                                double value_num, const char *unit, const char *evidence,
                                const char *detail)
{
	struct measurement *r;

	ALLOC_GROW(out->v, out->n, out->alloc);
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	r->collector = xstrdup(collector);
	r->item_id = item_id ? xstrdup(item_id) : NULL;
	r->subject = subject ? xstrdup(subject) : NULL;
	r->status = status;
	r->value_text = value_text ? xstrdup(value_text) : NULL;
	r->value_num = value_num;
	r->unit = unit ? xstrdup(unit) : NULL;
	r->evidence = evidence ? xstrdup(evidence) : NULL;
	r->detail = detail ? xstrdup(detail) : NULL;
	r->measured_at = timeutil_now();
	return r;
}

void collect_results_release(struct collect_results *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct measurement *x = &r->v[i];
		free((char *)x->collector);
		free((char *)x->item_id);
		free((char *)x->subject);
		free((char *)x->value_text);
		free((char *)x->unit);
		free((char *)x->evidence);
		free((char *)x->detail);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

char *collect_duration_text(double seconds, int round_up)
{
	struct dynbuf b = DYNBUF_INIT;
	double unit = 60;

	if (seconds < 0)
		seconds = 0;
	/* Whole minutes for short spans, coarser for long ones so a person can
	 * read them ("46h", "519d"); always rounded the conservative way. */
	if (round_up && seconds > 86400)
		unit = 3600;
	else if (!round_up && seconds >= 2 * 86400)
		unit = 86400;
	else if (!round_up && seconds >= 3600)
		unit = 3600;
	seconds = (round_up ? ceil(seconds / unit - 1e-9) : floor(seconds / unit + 1e-9)) * unit;
	value_format_duration(seconds, &b);
	return dynbuf_detach(&b, NULL);
}

char *collect_path(const struct collect_ctx *ctx, const char *path)
{
	if (ctx->root && *ctx->root && path[0] == '/')
		return xstrfmt("%s%s", ctx->root, path);
	return xstrdup(path);
}

enum sg_code collect_cfg_str(const struct ydoc *doc, const struct ydoc_node *map, const char *key,
                             const char *what, char **out, struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(map, key);
	const char *s;
	enum sg_code rc;

	if (!n || ydoc_is_null(n))
		return SG_OK;
	rc = ydoc_str(doc, n, what, &s, err);
	if (rc)
		return rc;
	if (!*s)
		return ydoc_error(doc, n, err, ETR(err, "%s が空です", "%s is empty"), what);
	free(*out);
	*out = xstrdup(s);
	return SG_OK;
}

enum sg_code collect_cfg_duration(const struct ydoc *doc, const struct ydoc_node *map,
                                  const char *key, const char *what, double *out,
                                  struct sg_error *err)
{
	const struct ydoc_node *n = ydoc_get(map, key);

	if (!n || ydoc_is_null(n))
		return SG_OK;
	return ydoc_duration(doc, n, what, out, err);
}

enum sg_code collect_cfg_strlist(const struct ydoc *doc, const struct ydoc_node *n,
                                 const char *what, char ***out, size_t *nout, struct sg_error *err)
{
	const char *s;
	enum sg_code rc;

	if (!n || ydoc_is_null(n))
		return SG_OK;
	if (n->type == YDOC_SCALAR) {
		if ((rc = ydoc_str(doc, n, what, &s, err)))
			return rc;
		*out = xreallocarray(*out, *nout + 1, sizeof(**out));
		(*out)[(*nout)++] = xstrdup(s);
		return SG_OK;
	}
	if ((rc = ydoc_want(doc, n, YDOC_SEQ, what, err)))
		return rc;
	for (size_t i = 0; i < n->nitems; i++) {
		if ((rc = ydoc_str(doc, n->items[i], what, &s, err)))
			return rc;
		*out = xreallocarray(*out, *nout + 1, sizeof(**out));
		(*out)[(*nout)++] = xstrdup(s);
	}
	return SG_OK;
}

void collect_strlist_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n == len && !strncmp(list, name, n))
			return 1;
		list += n;
		if (*list == ',')
			list++;
	}
	return 0;
}

static enum sg_code check_only(const char *only, struct sg_error *err)
{
	while (only && *only) {
		size_t n = strcspn(only, ",");
		char name[32];
		int found = 0;

		if (n && n < sizeof(name)) {
			memcpy(name, only, n);
			name[n] = '\0';
			found = collector_find(name) != NULL;
		}
		if (!found) {
			struct dynbuf all = DYNBUF_INIT;
			for (size_t i = 0; collectors[i]; i++)
				dynbuf_printf(&all, "%s%s", i ? "," : "", collectors[i]->name);
			sg_error_set(err, SG_ERR_USAGE,
			             ETR(err, "--only: '%.*s' という収集器はありません",
			                 "--only: there is no collector '%.*s'"),
			             (int)n, only);
			sg_error_hint(err, ETR(err, "次から選んでください: %s", "choose from: %s"),
			              dynbuf_ptr(&all));
			dynbuf_release(&all);
			return SG_ERR_USAGE;
		}
		only += n;
		if (*only == ',')
			only++;
	}
	return SG_OK;
}

enum sg_code collect_plan_load(const struct profile *p, const char *only, struct collect_plan *plan,
                               struct sg_error *err)
{
	const struct ydoc_node *sec = profile_section(p, "collectors");
	const struct ydoc *doc = p->doc;
	const char *keys[24];
	size_t nk = 0;
	enum sg_code rc;

	memset(plan, 0, sizeof(*plan));
	plan->timeout_s = 30;
	if ((rc = check_only(only, err)))
		return rc;
	keys[nk++] = "root";
	keys[nk++] = "timeout";
	for (size_t i = 0; collectors[i]; i++)
		keys[nk++] = collectors[i]->name;
	keys[nk] = NULL;
	if (sec && !ydoc_is_null(sec)) {
		if ((rc = ydoc_want(doc, sec, YDOC_MAP, "collectors", err)) ||
		    (rc = ydoc_check_keys(doc, sec, keys, "collectors", err)) ||
		    (rc = collect_cfg_str(doc, sec, "root", "collectors.root", &plan->root, err)) ||
		    (rc = collect_cfg_duration(doc, sec, "timeout", "collectors.timeout",
		                               &plan->timeout_s, err)))
			goto fail;
		if (plan->timeout_s <= 0 || plan->timeout_s > 3600) {
			rc = ydoc_error(doc, ydoc_get(sec, "timeout"), err,
			                ETR(err,
			                    "collectors.timeout は 1s から 1h の間にしてください",
			                    "collectors.timeout must be between 1s and 1h"));
			goto fail;
		}
	} else {
		sec = NULL;
	}
	for (size_t i = 0; collectors[i]; i++) {
		const struct collector *c = collectors[i];
		const struct ydoc_node *n = sec ? ydoc_get(sec, c->name) : NULL;
		int enabled = 1;
		char what[64];

		if (only && !in_list(only, c->name))
			continue;
		snprintf(what, sizeof(what), "collectors.%s", c->name);
		if (n && n->type == YDOC_SCALAR && !ydoc_is_null(n)) {
			if ((rc = ydoc_bool(doc, n, what, &enabled, err)))
				goto fail;
			n = NULL;
			if (!enabled && !only)
				continue;
		}
		if (n && ydoc_is_null(n))
			n = NULL;
		plan->v[plan->n].c = c;
		if ((rc = c->parse(doc, n, &plan->v[plan->n].cfg, err))) {
			if (plan->v[plan->n].cfg)
				c->free_cfg(plan->v[plan->n].cfg);
			plan->v[plan->n].cfg = NULL;
			goto fail;
		}
		plan->n++;
	}
	return SG_OK;
fail:
	collect_plan_release(plan);
	return rc;
}

void collect_plan_release(struct collect_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].cfg)
			plan->v[i].c->free_cfg(plan->v[i].cfg);
	free(plan->root);
	memset(plan, 0, sizeof(*plan));
}

int collect_judge(const struct catalog *cat, int pattern, const char *item_id,
                  const struct value *v)
{
	const struct reference_value *ref =
	    catalog_item_ref(item_id ? catalog_item(cat, item_id) : NULL, pattern);

	if (!ref)
		return -1;
	switch (ref->kind) {
	case REF_MAX_INTERVAL:
	case REF_MAX_DELAY:
		if (v->type != VALUE_DURATION)
			return 1;
		return v->seconds > ref->quantity.seconds + 1e-9;
	case REF_MIN_RETENTION:
	case REF_MIN_DURATION:
		if (v->type != VALUE_DURATION)
			return 1;
		return v->seconds + 1e-9 < ref->quantity.seconds;
	case REF_MIN_COUNT:
		if (v->type != VALUE_COUNT)
			return 1;
		return v->count < ref->quantity.count;
	case REF_MIN_PERCENTAGE:
		if (v->type != VALUE_PERCENT)
			return 1;
		return v->percent + 1e-9 < ref->quantity.percent;
	case REF_EVERY_BACKUP:
		return v->type != VALUE_EVERY_BACKUP;
	case REF_DONE:
		return !(v->type == VALUE_BOOL && v->boolean);
	case REF_ANY_OF:
		if (v->type != VALUE_SET || v->set != ref->quantity.set)
			return 1;
		return !(v->members & ref->quantity.members);
	case REF_ALL_OF:
		if (v->type != VALUE_SET || v->set != ref->quantity.set)
			return 1;
		return (v->members & ref->quantity.members) != ref->quantity.members;
	case REF_24X7:
		return v->type != VALUE_24X7;
	case REF_STANDBY:
		if (v->type != VALUE_STANDBY)
			return 1;
		return ref->quantity.standby == STANDBY_HOT ? v->standby != STANDBY_HOT
		                                            : v->standby == STANDBY_NONE;
	case REF_SERVICE_PLUS:
	case REF_NONE:
		break;
	}
	return -1;
}

/* Judges r against the reference; a collector's own finding stays. */
static void judge(const struct collect_ctx *ctx, struct measurement *r)
{
	struct value v;
	const struct reference_value *ref;
	int verdict;
	char *d;

	if (r->status != MEASUREMENT_OK && r->status != MEASUREMENT_FINDING)
		return;
	if (!r->value_text || value_parse(r->value_text, &v, NULL))
		return;
	verdict = collect_judge(ctx->cat, ctx->pattern, r->item_id, &v);
	if (verdict != 1)
		return;
	/* verdict 1: the item exists and the pattern is 1..6 */
	ref = catalog_item_ref(catalog_item(ctx->cat, r->item_id), ctx->pattern);
	if (ctx->lang)
		d = xstrfmt("%s%sshort of pattern %d's reference value %s",
		            r->detail ? r->detail : "", r->detail ? "; " : "", ctx->pattern,
		            ref->quantity_text[0] ? ref->quantity_text : ref->kind_name);
	else
		d = xstrfmt("%s%sパターン %d の基準値「%s」を満たしません",
		            r->detail ? r->detail : "", r->detail ? "。" : "", ctx->pattern,
		            ref->text_ja);
	free((char *)r->detail);
	r->detail = d;
	r->status = MEASUREMENT_FINDING;
}

enum sg_code collect_run(const struct collect_plan *plan, const struct collect_ctx *ctx,
                         struct collect_results *out, struct sg_error *err)
{
	for (size_t i = 0; i < plan->n; i++) {
		size_t first = out->n;
		enum sg_code rc = plan->v[i].c->run(plan->v[i].cfg, ctx, out, err);
		if (rc)
			return rc;
		for (size_t k = first; k < out->n; k++)
			judge(ctx, &out->v[k]);
	}
	return SG_OK;
}

enum sg_code collect_store(struct store *s, const char *service, int pattern,
                           struct collect_results *res, long long *ledger_seq, struct sg_error *err)
{
	json_t *arr = json_array();
	enum sg_code rc = store_begin(s, err);

	if (rc) {
		json_decref(arr);
		return rc;
	}
	for (size_t i = 0; i < res->n && !rc; i++) {
		struct measurement *r = &res->v[i];
		struct measurement m = *r;

		m.service = service;
		rc = store_collect_insert(s, &m, &r->id, err);
		if (rc)
			break;
		json_array_append_new(arr, ledger_events_measurement(
		                               r->id, r->collector, r->item_id, r->subject,
		                               store_collect_status_name(r->status), r->value_text,
		                               r->unit, r->measured_at, r->evidence));
	}
	if (rc) {
		store_rollback(s);
		json_decref(arr);
		return rc;
	}
	rc = ledger_events_measurements(s, service, pattern, arr, ledger_seq, err);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}
