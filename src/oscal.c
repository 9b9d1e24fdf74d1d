/*
 * oscal - OSCAL 1.1.3 catalog and profile export; see oscal.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "hex.h"
#include "oscal.h"
#include "dynbuf.h"
#include "xalloc.h"
#include "banned.h"

/* The namespace UUID of saasguard's name-based UUIDs. */
static const unsigned char ns_uuid[16] = {0x5a, 0x1c, 0x93, 0x0e, 0x2b, 0x4f, 0x4d, 0x6a,
                                          0x9f, 0x11, 0x7e, 0x20, 0x8a, 0xc3, 0x55, 0x01};

static void format_uuid(const unsigned char b[16], char out[37])
{
	/* 8-4-4-4-12 hex digits */
	static const unsigned char group[] = {4, 2, 2, 2, 6};
	char *o = out;

	for (size_t g = 0; g < sizeof(group); g++) {
		if (g)
			*o++ = '-';
		hex_encode(b, group[g], o);
		b += group[g];
		o += 2 * group[g];
	}
}

void oscal_uuid(const char *name, char out[37])
{
	unsigned char md[EVP_MAX_MD_SIZE], b[16];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, ns_uuid, sizeof(ns_uuid));
	EVP_DigestUpdate(ctx, name, strlen(name));
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	memcpy(b, md, 16);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x50);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	format_uuid(b, out);
}

void oscal_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *oscal_metadata(const char *title, const char *version)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char ts[32];

	oscal_time(sde ? atoll(sde) : (long long)time(NULL), ts);
	return json_pack("{s:s,s:s,s:s,s:s}", "title", title, "last-modified", ts, "version",
	                 version, "oscal-version", OSCAL_VERSION);
}

json_t *oscal_prop(const char *name, const char *value, const char *klass)
{
	json_t *p = json_pack("{s:s,s:s,s:s}", "name", name, "ns", OSCAL_NS, "value", value);

	if (klass)
		json_object_set_new(p, "class", json_string(klass));
	return p;
}

size_t oscal_count_items(const struct catalog *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ncontrols; i++)
		n += c->controls[i].nitems;
	return n;
}

/* OSCAL prose and values must not be empty or start/end with white space. */
static json_t *nonempty(const char *s)
{
	return json_string(s && *s ? s : "-");
}

static json_t *param_for(const struct eval_item *it)
{
	json_t *p = json_pack("{s:s,s:o}", "id", it->id, "label", nonempty(it->name_ja));
	json_t *props = json_array();
	struct dynbuf g = DYNBUF_INIT;

	json_array_append_new(props, oscal_prop("label-en", it->name_en, NULL));
	if (it->starts_ja) {
		json_array_append_new(props, oscal_prop("measured-from", it->starts_ja, NULL));
		json_array_append_new(props, oscal_prop("measured-from-en", it->starts_en, NULL));
	}
	for (int k = 0; k < CATALOG_PATTERNS; k++) {
		const struct reference_value *r = catalog_item_ref(it, k + 1);
		char cls[16];
		struct dynbuf q = DYNBUF_INIT;

		snprintf(cls, sizeof(cls), "pattern-%d", r->pattern);
		json_array_append_new(props, oscal_prop("reference-value", r->text_ja, cls));
		json_array_append_new(props, oscal_prop("value-kind", r->kind_name, cls));
		if (r->quantity.type == VALUE_SET)
			value_set_format(r->quantity.set, r->quantity.members, &q);
		else
			dynbuf_addstr(&q, r->quantity_text);
		if (q.len)
			json_array_append_new(props, oscal_prop("quantity", dynbuf_ptr(&q), cls));
		json_array_append_new(props,
		                      oscal_prop("required", r->required ? "true" : "false", cls));
		dynbuf_printf(&g, "%s%s %d: %s%s", k ? "\n" : "", "パターン", r->pattern,
		              r->text_ja, r->required ? "*" : "");
		dynbuf_release(&q);
	}
	json_object_set_new(p, "props", props);
	json_object_set_new(p, "guidelines", json_pack("[{s:s}]", "prose", dynbuf_ptr(&g)));
	dynbuf_release(&g);
	return p;
}

/* The guideline's footnotes that define terms (注15 ホットスタンバイ …). */
static void footnote_parts(const char *ctl_id, const char *item_id, const struct footnote *f,
                           size_t n, json_t *parts)
{
	for (size_t i = 0; i < n; i++) {
		char id[80], label[16];
		json_t *props = json_array();
		snprintf(id, sizeof(id), "%s_fn%d", ctl_id, f[i].number);
		snprintf(label, sizeof(label), "注%d", f[i].number);
		json_array_append_new(props,
		                      json_pack("{s:s,s:s}", "name", "label", "value", label));
		if (item_id)
			json_array_append_new(props, oscal_prop("evaluation-item", item_id, NULL));
		json_array_append_new(parts, json_pack("{s:s,s:s,s:s,s:o,s:s}", "id", id, "name",
		                                       "footnote", "title", f[i].term_ja, "props",
		                                       props, "prose", f[i].text_ja));
	}
}

/* I.9 as a group of definitions (no controls). */
static json_t *glossary_group(const struct catalog *c)
{
	json_t *parts = json_array();

	for (size_t i = 0; i < c->nglossary; i++) {
		const struct glossary_term *g = &c->glossary[i];
		char id[40];
		snprintf(id, sizeof(id), "%s_%s", g->section, g->number);
		json_array_append_new(parts, json_pack("{s:s,s:s,s:s,s:[o],s:s}", "id", id, "name",
		                                       "definition", "title", g->term_ja, "props",
		                                       oscal_prop("term-en", g->term_en, NULL),
		                                       "prose", g->text_ja));
	}
	return json_pack("{s:s,s:s,s:s,s:o}", "id", "I.9", "class", "glossary", "title",
	                 "用語の定義", "parts", parts);
}

static json_t *control_for(const struct control *ctl)
{
	json_t *c = json_pack("{s:s,s:s,s:o}", "id", ctl->id, "class", "countermeasure", "title",
	                      nonempty(ctl->title_ja));
	json_t *props = json_array(), *parts = json_array();
	char pid[64];

	json_array_append_new(props, oscal_prop("level", catalog_level_name(ctl->level), NULL));
	json_array_append_new(props, oscal_prop("title-en", ctl->title_en, NULL));
	json_array_append_new(props, json_pack("{s:s,s:s}", "name", "label", "value", ctl->id));
	json_object_set_new(c, "props", props);
	if (ctl->nitems) {
		json_t *params = json_array();
		for (size_t k = 0; k < ctl->nitems; k++)
			json_array_append_new(params, param_for(&ctl->items[k]));
		json_object_set_new(c, "params", params);
	}
	snprintf(pid, sizeof(pid), "%s_smt", ctl->id);
	json_array_append_new(parts, json_pack("{s:s,s:s,s:o}", "id", pid, "name", "statement",
	                                       "prose", nonempty(ctl->text_ja)));
	if (ctl->nbest_practices) {
		json_t *g = json_pack("{s:s,s:s,s:[]}", "id", "", "name", "guidance", "parts");
		snprintf(pid, sizeof(pid), "%s_gdn", ctl->id);
		json_object_set_new(g, "id", json_string(pid));
		/* the guideline's numbers (i., ii. …): its cross-references use them */
		for (size_t i = 0; i < ctl->nbest_practices; i++) {
			char iid[80], roman[16], label[20];
			catalog_roman(i + 1, roman, sizeof(roman));
			snprintf(iid, sizeof(iid), "%s_gdn.%s", ctl->id, roman);
			snprintf(label, sizeof(label), "%s.", roman);
			json_array_append_new(
			    json_object_get(g, "parts"),
			    json_pack("{s:s,s:s,s:[o],s:o}", "id", iid, "name", "item", "props",
			              json_pack("{s:s,s:s}", "name", "label", "value", label),
			              "prose", nonempty(ctl->best_practices_ja[i])));
		}
		json_array_append_new(parts, g);
	}
	footnote_parts(ctl->id, NULL, ctl->footnotes, ctl->nfootnotes, parts);
	for (size_t k = 0; k < ctl->nitems; k++)
		footnote_parts(ctl->id, ctl->items[k].id, ctl->items[k].footnotes,
		               ctl->items[k].nfootnotes, parts);
	snprintf(pid, sizeof(pid), "%s_ovw", ctl->id);
	json_array_append_new(parts, json_pack("{s:s,s:s,s:o,s:[o]}", "id", pid, "name", "overview",
	                                       "prose", nonempty(ctl->summary_en), "props",
	                                       oscal_prop("lang", "en", NULL)));
	json_object_set_new(c, "parts", parts);
	return c;
}

/* The group for section id, creating it (under its parent) on first use. */
static json_t *group_for(const struct catalog *c, json_t *top, const char *id)
{
	const struct section *sec = catalog_section(c, id);
	char parent[64];
	const char *dot = strrchr(id, '.');
	json_t *list, *g;
	size_t i;

	if (dot) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(dot - id), id);
		list = json_object_get(group_for(c, top, parent), "groups");
	} else {
		list = top;
	}
	json_array_foreach(
	    list, i, g) if (!strcmp(json_string_value(json_object_get(g, "id")), id)) return g;
	if (!dot) {
		g = json_pack("{s:s,s:s,s:s,s:[]}", "id", id, "class", "part", "title",
		              !strcmp(id, "II") ? "組織・運用編" : "物理的・技術的対策編",
		              "groups");
	} else {
		g = json_pack("{s:s,s:s,s:o,s:[],s:[]}", "id", id, "class", "section", "title",
		              nonempty(sec ? sec->title_ja : id), "groups", "controls");
		if (sec && sec->title_en[0])
			json_object_set_new(
			    g, "props",
			    json_pack("[o]", oscal_prop("title-en", sec->title_en, NULL)));
	}
	json_array_append_new(list, g);
	return g;
}

/* OSCAL forbids empty arrays: drop the ones the tree building left. */
static void prune(json_t *groups)
{
	json_t *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		json_t *sub = json_object_get(g, "groups");
		if (sub) {
			prune(sub);
			if (!json_array_size(sub))
				json_object_del(g, "groups");
		}
		if (json_object_get(g, "controls") &&
		    !json_array_size(json_object_get(g, "controls")))
			json_object_del(g, "controls");
	}
}

enum sg_code oscal_catalog(const struct catalog *c, json_t **out, struct sg_error *err)
{
	json_t *groups = json_array(), *cat;
	char uuid[37];

	(void)err;
	for (size_t i = 0; i < c->ncontrols; i++) {
		const struct control *ctl = &c->controls[i];
		json_t *g = group_for(c, groups, ctl->section);
		json_array_append_new(json_object_get(g, "controls"), control_for(ctl));
	}
	prune(groups);
	if (c->nglossary)
		json_array_insert_new(groups, 0, glossary_group(c));
	oscal_uuid("catalog", uuid);
	cat =
	    json_pack("{s:s,s:o,s:o}", "uuid", uuid, "metadata",
	              oscal_metadata("ASP・SaaS における情報セキュリティ対策ガイドライン", "2008"),
	              "groups", groups);
	json_object_set_new(json_object_get(cat, "metadata"), "props",
	                    json_pack("[o]", oscal_prop("publisher", "総務省 (MIC, Japan)", NULL)));
	*out = json_pack("{s:o}", "catalog", cat);
	return SG_OK;
}

enum sg_code oscal_profile(const struct catalog *c, int pattern, json_t **out, struct sg_error *err)
{
	const struct pattern *p = catalog_pattern(c, pattern);
	json_t *sets, *prof;
	char uuid[37], name[64], title[160];

	if (!p)
		return sg_error_set(err, SG_ERR_USAGE,
		                    ETR(err, "パターンは 1〜6 です", "pattern must be 1 to 6"));
	sets = json_array();
	for (size_t i = 0; i < c->ncontrols; i++) {
		const struct control *ctl = &c->controls[i];
		for (size_t k = 0; k < ctl->nitems; k++) {
			const struct reference_value *r = catalog_item_ref(&ctl->items[k], pattern);
			json_t *sp = json_pack("{s:s}", "param-id", ctl->items[k].id);
			json_t *props = json_array();
			struct dynbuf q = DYNBUF_INIT, d = DYNBUF_INIT;

			json_array_append_new(props,
			                      oscal_prop("reference-value", r->text_ja, NULL));
			json_array_append_new(props, oscal_prop("value-kind", r->kind_name, NULL));
			json_array_append_new(
			    props, oscal_prop("required", r->required ? "true" : "false", NULL));
			json_object_set_new(sp, "props", props);
			if (r->quantity.type == VALUE_SET)
				value_set_format(r->quantity.set, r->quantity.members, &q);
			else
				dynbuf_addstr(&q, r->quantity_text);
			if (q.len)
				json_object_set_new(sp, "values", json_pack("[s]", dynbuf_ptr(&q)));
			dynbuf_printf(&d, "%s%s (%s)", r->text_ja, r->required ? "*" : "",
			              r->kind_name);
			json_object_set_new(sp, "constraints",
			                    json_pack("[{s:s}]", "description", dynbuf_ptr(&d)));
			json_array_append_new(sets, sp);
			dynbuf_release(&q);
			dynbuf_release(&d);
		}
	}
	snprintf(name, sizeof(name), "profile-pattern-%d", pattern);
	oscal_uuid(name, uuid);
	snprintf(title, sizeof(title),
	         "ASP・SaaS 情報セキュリティ対策ガイドライン パターン%d (機密性 %s, 完全性 %s, "
	         "可用性 %s)",
	         pattern, p->confidentiality, p->integrity, p->availability);
	prof = json_pack("{s:s,s:o,s:[{s:s,s:b}],s:{s:o}}", "uuid", uuid, "metadata",
	                 oscal_metadata(title, "2008"), "imports", "href", OSCAL_CATALOG_HREF,
	                 "include-all", 1, "modify", "set-parameters", sets);
	/* include-all is an empty object, not a boolean. */
	json_object_set_new(json_array_get(json_object_get(prof, "imports"), 0), "include-all",
	                    json_object());
	*out = json_pack("{s:o}", "profile", prof);
	return SG_OK;
}
