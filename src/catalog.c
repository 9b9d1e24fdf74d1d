/*
 * catalog - loads the compiled-in guideline data; see catalog.h.
 */
#include <ctype.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dynbuf.h"
#include "i18n.h"
#include "xalloc.h"
#include "banned.h"

extern const char catalog_part2_json[];
extern const char catalog_part3_json[];
extern const char catalog_patterns_json[];

static const char *const kind_names[] = {
    [REF_NONE] = "none",
    [REF_MAX_INTERVAL] = "max_interval",
    [REF_MAX_DELAY] = "max_delay",
    [REF_MIN_PERCENTAGE] = "min_percentage",
    [REF_MIN_RETENTION] = "min_retention",
    [REF_MIN_DURATION] = "min_duration",
    [REF_MIN_COUNT] = "min_count",
    [REF_SERVICE_PLUS] = "service_plus",
    [REF_EVERY_BACKUP] = "every_backup",
    [REF_STANDBY] = "standby",
    [REF_ANY_OF] = "any_of",
    [REF_ALL_OF] = "all_of",
    [REF_DONE] = "done",
    [REF_24X7] = "24x7",
};

const char *catalog_ref_kind_name(enum ref_kind k)
{
	return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "none";
}

/* The kind named name ("max_interval" ...); -1 when unknown. */
static int catalog_ref_kind_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(kind_names[i], name))
			return (int)i;
	return -1;
}

const char *catalog_level_name(enum level l)
{
	return l == LEVEL_BASIC ? "basic" : "recommended";
}

const char *catalog_level_name_ja(enum level l)
{
	return l == LEVEL_BASIC ? "基本" : "推奨";
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static const char *str_or_empty(json_t *j)
{
	return json_string_value(j) ? json_string_value(j) : "";
}

static enum sg_code bad(struct sg_error *err, const char *where, const char *what)
{
	return sg_error_set(err, SG_ERR_INTERNAL, "catalog data: %s: %s", where, what);
}

/* Which kinds carry which quantity type. */
static enum sg_code load_quantity(struct reference_value *r, json_t *v, const char *where,
                                  struct sg_error *err)
{
	const char *q = json_string_value(json_object_get(v, "quantity"));
	struct sg_error e2;
	json_t *members, *m;
	size_t i;

	r->quantity_text = q ? q : "";
	switch (r->kind) {
	case REF_NONE:
	case REF_EVERY_BACKUP:
	case REF_DONE:
	case REF_24X7:
		return SG_OK;
	case REF_ANY_OF:
	case REF_ALL_OF:
		r->quantity.type = VALUE_SET;
		if (!strcmp(str(v, "set"), "auth"))
			r->quantity.set = SET_AUTH;
		else if (!strcmp(str(v, "set"), "encryption"))
			r->quantity.set = SET_ENCRYPTION;
		else if (!strcmp(str(v, "set"), "originality"))
			r->quantity.set = SET_ORIGINALITY;
		else
			return bad(err, where, "set must be auth, encryption or originality");
		members = json_object_get(v, "members");
		if (!json_array_size(members))
			return bad(err, where, "members missing");
		json_array_foreach(members, i, m)
		{
			unsigned bit = value_set_member(
			    r->quantity.set, json_string_value(m) ? json_string_value(m) : "");
			if (!bit)
				return bad(err, where, "unknown set member");
			r->quantity.members |= bit;
		}
		return SG_OK;
	default:
		break;
	}
	if (!q)
		return bad(err, where, "quantity missing");
	if (value_parse(q, &r->quantity, &e2))
		return bad(err, where, e2.msg);
	switch (r->kind) {
	case REF_MAX_INTERVAL:
	case REF_MAX_DELAY:
	case REF_MIN_RETENTION:
	case REF_MIN_DURATION:
		if (r->quantity.type != VALUE_DURATION)
			return bad(err, where, "quantity must be a duration");
		break;
	case REF_MIN_PERCENTAGE:
		if (r->quantity.type != VALUE_PERCENT)
			return bad(err, where, "quantity must be a percentage");
		break;
	case REF_MIN_COUNT:
		if (r->quantity.type != VALUE_COUNT)
			return bad(err, where, "quantity must be a count");
		break;
	case REF_SERVICE_PLUS:
		if (r->quantity.type != VALUE_SERVICE_PLUS)
			return bad(err, where, "quantity must be service+DURATION");
		break;
	case REF_STANDBY:
		if (r->quantity.type != VALUE_STANDBY || r->quantity.standby == STANDBY_NONE)
			return bad(err, where, "quantity must be hot or cold");
		break;
	default:
		break;
	}
	return SG_OK;
}

static struct footnote *load_footnotes(json_t *arr, size_t *n)
{
	struct footnote *f;
	json_t *x;
	size_t i;

	*n = json_array_size(arr);
	if (!*n)
		return NULL;
	f = xcalloc(*n, sizeof(*f));
	json_array_foreach(arr, i, x)
	{
		f[i].number = (int)json_integer_value(json_object_get(x, "number"));
		f[i].term_ja = str(x, "term_ja");
		f[i].text_ja = str(x, "text_ja");
	}
	return f;
}

static enum sg_code load_item(struct catalog *c, struct control *ctl, struct eval_item *it,
                              json_t *j, struct sg_error *err)
{
	json_t *refs = json_object_get(j, "reference_values"), *r;
	size_t i;
	size_t idlen;

	(void)c;
	it->id = str(j, "id");
	it->name_ja = str(j, "name_ja");
	it->name_en = str(j, "name_en");
	it->control = ctl;
	it->starts_ja = json_string_value(json_object_get(j, "starts_ja"));
	it->starts_en = json_string_value(json_object_get(j, "starts_en"));
	if (!it->starts_ja != !it->starts_en)
		return bad(err, it->id, "starts_ja and starts_en go together");
	it->footnotes = load_footnotes(json_object_get(j, "footnotes"), &it->nfootnotes);
	idlen = strlen(it->id);
	if (idlen < 3 || strncmp(it->id, ctl->id, strlen(ctl->id)) || it->id[idlen - 2] != '.')
		return bad(err, it->id, "item id does not extend its control's id");
	it->letter = it->id[idlen - 1];
	if (json_array_size(refs) != CATALOG_PATTERNS)
		return bad(err, it->id, "needs exactly six reference values");
	json_array_foreach(refs, i, r)
	{
		struct reference_value *rv = &it->refs[i];
		json_t *v = json_object_get(r, "value");
		int k = catalog_ref_kind_parse(str(v, "kind"));
		enum sg_code rc;

		rv->pattern = (int)json_integer_value(json_object_get(r, "pattern"));
		if (rv->pattern != (int)i + 1)
			return bad(err, it->id, "reference values must be patterns 1..6 in order");
		rv->text_ja = str(r, "text_ja");
		rv->required = json_is_true(json_object_get(r, "required"));
		if (k < 0)
			return bad(err, it->id, "unknown value kind");
		rv->kind = (enum ref_kind)k;
		rv->kind_name = catalog_ref_kind_name(rv->kind);
		rc = load_quantity(rv, v, it->id, err);
		if (rc)
			return rc;
	}
	return SG_OK;
}

static enum sg_code load_controls(struct catalog *c, json_t *arr, struct sg_error *err)
{
	json_t *j;
	size_t i;

	json_array_foreach(arr, i, j)
	{
		struct control *ctl = &c->controls[c->ncontrols++];
		json_t *bps = json_object_get(j, "best_practices_ja");
		json_t *items = json_object_get(j, "evaluation_items");
		json_t *x;
		size_t k;
		const char *lv = str(j, "level");

		ctl->json = j;
		ctl->id = str(j, "id");
		ctl->part = !strncmp(ctl->id, "III.", 4) ? 3 : !strncmp(ctl->id, "II.", 3) ? 2 : 0;
		if (!ctl->part)
			return bad(err, ctl->id, "control id must start with II. or III.");
		ctl->section = str(j, "section");
		if (!strcmp(lv, "basic"))
			ctl->level = LEVEL_BASIC;
		else if (!strcmp(lv, "recommended"))
			ctl->level = LEVEL_RECOMMENDED;
		else
			return bad(err, ctl->id, "level must be basic or recommended");
		ctl->title_ja = str(j, "title_ja");
		ctl->title_en = str(j, "title_en");
		ctl->summary_en = str(j, "summary_en");
		ctl->text_ja = str(j, "text_ja");
		ctl->nbest_practices = json_array_size(bps);
		ctl->best_practices_ja = xcalloc(ctl->nbest_practices + 1, sizeof(char *));
		json_array_foreach(bps, k, x) ctl->best_practices_ja[k] = str_or_empty(x);
		ctl->footnotes = load_footnotes(json_object_get(j, "footnotes"), &ctl->nfootnotes);
		lv = str(j, "partners");
		ctl->partners = !strcmp(lv, "partner")  ? PARTNERS_PARTNER
		                : !strcmp(lv, "any")    ? PARTNERS_ANY
		                : !strcmp(lv, "always") ? PARTNERS_ALWAYS
		                                        : PARTNERS_NONE;
		ctl->nitems = json_array_size(items);
		ctl->items = xcalloc(ctl->nitems + 1, sizeof(*ctl->items));
		json_array_foreach(items, k, x)
		{
			enum sg_code rc = load_item(c, ctl, &ctl->items[k], x, err);
			if (rc)
				return rc;
		}
	}
	return SG_OK;
}

static enum sg_code parse(const char *text, const char *name, json_t **out, struct sg_error *err)
{
	json_error_t je;

	*out = json_loads(text, 0, &je);
	if (!*out)
		return sg_error_at(err, SG_ERR_INTERNAL, name, je.line, je.column,
		                   "catalog data: %s", je.text);
	return SG_OK;
}

enum sg_code catalog_load_from(struct catalog **out, const char *part2, const char *part3,
                               const char *patterns, struct sg_error *err)
{
	json_t *p2 = NULL, *p3 = NULL, *pt = NULL, *j;
	struct catalog *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;
	size_t i, n;

	*out = NULL;
	if ((rc = parse(part2, "part2.json", &p2, err)) ||
	    (rc = parse(part3, "part3.json", &p3, err)) ||
	    (rc = parse(patterns, "patterns.json", &pt, err)))
		goto fail;
	c->doc = json_object();
	json_object_set_new(c->doc, "sections", json_array());
	json_object_set_new(c->doc, "controls", json_array());
	json_array_extend(json_object_get(c->doc, "sections"), json_object_get(p2, "sections"));
	json_array_extend(json_object_get(c->doc, "sections"), json_object_get(p3, "sections"));
	json_array_extend(json_object_get(c->doc, "controls"), json_object_get(p2, "controls"));
	json_array_extend(json_object_get(c->doc, "controls"), json_object_get(p3, "controls"));
	json_object_set(c->doc, "patterns", json_object_get(pt, "patterns"));
	json_object_set(c->doc, "levels", json_object_get(pt, "levels"));
	json_object_set(c->doc, "service_types", json_object_get(pt, "service_types"));
	json_object_set(c->doc, "questions", json_object_get(pt, "questions"));
	json_object_set(c->doc, "glossary", json_object_get(pt, "glossary"));
	json_object_set(c->doc, "table2_note", json_object_get(pt, "table2_note"));
	if (!json_object_get(c->doc, "glossary"))
		json_object_set_new(c->doc, "glossary", json_array());
	if (!json_object_get(c->doc, "questions"))
		json_object_del(c->doc, "questions");

	n = json_array_size(json_object_get(c->doc, "sections"));
	c->sections = xcalloc(n + 1, sizeof(*c->sections));
	json_array_foreach(json_object_get(c->doc, "sections"), i, j)
	{
		c->sections[i].id = str(j, "id");
		c->sections[i].title_ja = str(j, "title_ja");
		c->sections[i].title_en = str(j, "title_en");
	}
	c->nsections = n;

	n = json_array_size(json_object_get(c->doc, "controls"));
	c->controls = xcalloc(n + 1, sizeof(*c->controls));
	if ((rc = load_controls(c, json_object_get(c->doc, "controls"), err)))
		goto fail;

	if (json_array_size(json_object_get(pt, "patterns")) != CATALOG_PATTERNS) {
		rc = bad(err, "patterns", "needs six patterns");
		goto fail;
	}
	json_array_foreach(json_object_get(c->doc, "patterns"), i, j)
	{
		c->patterns[i].pattern = (int)json_integer_value(json_object_get(j, "pattern"));
		c->patterns[i].confidentiality = str(j, "confidentiality");
		c->patterns[i].integrity = str(j, "integrity");
		c->patterns[i].availability = str(j, "availability");
		if (c->patterns[i].pattern != (int)i + 1) {
			rc = bad(err, "patterns", "must be 1..6 in order");
			goto fail;
		}
	}
	c->levels = json_object_get(c->doc, "levels");
	n = json_array_size(json_object_get(c->doc, "service_types"));
	c->service_types = xcalloc(n + 1, sizeof(*c->service_types));
	json_array_foreach(json_object_get(c->doc, "service_types"), i, j)
	{
		struct service_type *st = &c->service_types[i];
		st->name_ja = str(j, "name_ja");
		st->name_en = str(j, "name_en");
		st->category_ja = str(j, "category_ja");
		st->pattern = (int)json_integer_value(json_object_get(j, "pattern"));
		st->note_ja = str(j, "note_ja");
	}
	c->nservice_types = n;
	n = json_array_size(json_object_get(c->doc, "glossary"));
	c->glossary = xcalloc(n + 1, sizeof(*c->glossary));
	json_array_foreach(json_object_get(c->doc, "glossary"), i, j)
	{
		struct glossary_term *g = &c->glossary[i];
		g->section = str(j, "section");
		g->number = str(j, "number");
		g->term_ja = str(j, "term_ja");
		g->term_en = str(j, "term_en");
		g->text_ja = str(j, "text_ja");
	}
	c->nglossary = n;
	json_decref(p2);
	json_decref(p3);
	json_decref(pt);
	*out = c;
	return SG_OK;
fail:
	json_decref(p2);
	json_decref(p3);
	json_decref(pt);
	catalog_free(c);
	return rc;
}

enum sg_code catalog_load(struct catalog **out, struct sg_error *err)
{
	return catalog_load_from(out, catalog_part2_json, catalog_part3_json, catalog_patterns_json,
	                         err);
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncontrols; i++) {
		for (size_t k = 0; k < c->controls[i].nitems; k++)
			free(c->controls[i].items[k].footnotes);
		free(c->controls[i].footnotes);
		free(c->controls[i].best_practices_ja);
		free(c->controls[i].items);
	}
	free(c->glossary);
	free(c->controls);
	free(c->sections);
	free(c->service_types);
	json_decref(c->doc);
	free(c);
}

/* UTF-8 sequences that stand for ASCII in ids people paste from the PDF. */
static const struct {
	const char *from;
	const char *to;
} id_map[] = {
    {"Ⅰ", "I"},  {"Ⅱ", "II"}, {"Ⅲ", "III"}, {"Ⅳ", "IV"}, {"．", "."}, {"。", "."},
    {"、", "."}, {"　", ""},  {"ａ", "a"},  {"ｂ", "b"}, {"ｃ", "c"}, {"Ｉ", "I"},
};

enum sg_code catalog_normalize_id(const char *in, char *out, size_t outsz, struct sg_error *err)
{
	struct dynbuf b = DYNBUF_INIT;
	const char *s = in, *p;
	size_t dots = 0, i;
	int ok = 1;

	while (*s) {
		const unsigned char *u = (const unsigned char *)s;
		int done = 0;
		if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
			dynbuf_addch(&b, (char)('0' + u[2] - 0x90));
			s += 3;
			continue;
		}
		for (i = 0; i < sizeof(id_map) / sizeof(id_map[0]); i++) {
			size_t l = strlen(id_map[i].from);
			if (!strncmp(s, id_map[i].from, l)) {
				dynbuf_addstr(&b, id_map[i].to);
				s += l;
				done = 1;
				break;
			}
		}
		if (done)
			continue;
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		dynbuf_addch(&b, *s++);
	}
	/* Roman numeral part upper case, item letter lower case. */
	p = dynbuf_ptr(&b);
	for (i = 0; p[i] && p[i] != '.'; i++)
		b.buf[i] = (char)toupper((unsigned char)p[i]);
	if (!(i == 2 && !strncmp(p, "II", 2)) && !(i == 3 && !strncmp(p, "III", 3)))
		ok = 0;
	for (; ok && p[i]; i++) {
		if (p[i] == '.') {
			if (!p[i + 1] || p[i + 1] == '.')
				ok = 0;
			dots++;
		} else if (isdigit((unsigned char)p[i])) {
			continue;
		} else if (isalpha((unsigned char)p[i]) && p[i - 1] == '.' && !p[i + 1] &&
		           dots == 4) {
			b.buf[i] = (char)tolower((unsigned char)p[i]);
		} else {
			ok = 0;
		}
	}
	if (!ok || dots < 1 || dots > 4 || b.len + 1 > outsz) {
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "'%s' はガイドラインの番号ではありません",
		                 "'%s' is not a guideline id"),
		             in);
		sg_error_hint(err, "%s",
		              ETR(err,
		                  "III.1.1.1（Ⅲ.1.1.1 も可）のような対策項目、III.1.1.1.a "
		                  "のような評価項目、II.1 のような章を書いてください",
		                  "write a countermeasure id like III.1.1.1 (or Ⅲ.1.1.1), "
		                  "an evaluation item like III.1.1.1.a, or a section like II.1"));
		dynbuf_release(&b);
		return SG_ERR_INPUT;
	}
	memcpy(out, dynbuf_ptr(&b), b.len + 1);
	dynbuf_release(&b);
	return SG_OK;
}

static int norm(const char *id, char *buf, size_t n)
{
	return catalog_normalize_id(id, buf, n, NULL) == SG_OK;
}

const struct control *catalog_control(const struct catalog *c, const char *id)
{
	char n[64];

	if (!norm(id, n, sizeof(n)))
		return NULL;
	for (size_t i = 0; i < c->ncontrols; i++)
		if (!strcmp(c->controls[i].id, n))
			return &c->controls[i];
	return NULL;
}

const struct eval_item *catalog_item(const struct catalog *c, const char *id)
{
	char n[64];

	if (!norm(id, n, sizeof(n)))
		return NULL;
	for (size_t i = 0; i < c->ncontrols; i++)
		for (size_t k = 0; k < c->controls[i].nitems; k++)
			if (!strcmp(c->controls[i].items[k].id, n))
				return &c->controls[i].items[k];
	return NULL;
}

const struct section *catalog_section(const struct catalog *c, const char *id)
{
	char n[64];

	if (!norm(id, n, sizeof(n)))
		return NULL;
	for (size_t i = 0; i < c->nsections; i++)
		if (!strcmp(c->sections[i].id, n))
			return &c->sections[i];
	return NULL;
}

const struct pattern *catalog_pattern(const struct catalog *c, int pattern)
{
	if (pattern < 1 || pattern > CATALOG_PATTERNS)
		return NULL;
	return &c->patterns[pattern - 1];
}

int catalog_pattern_for(const struct catalog *c, const char *conf, const char *integ,
                        const char *avail)
{
	for (int i = 0; i < CATALOG_PATTERNS; i++)
		if (!strcmp(c->patterns[i].confidentiality, conf) &&
		    !strcmp(c->patterns[i].integrity, integ) &&
		    !strcmp(c->patterns[i].availability, avail))
			return c->patterns[i].pattern;
	return 0;
}

enum sg_code catalog_classify(const struct catalog *c, int pi, int ts, const char *avail,
                              int *pattern, struct sg_error *err)
{
	*pattern = catalog_pattern_for(c, pi || ts ? "high" : "low", "high", avail);
	if (!*pattern)
		return sg_error_set(
		    err, SG_ERR_INTERNAL,
		    ETR(err, "図表1にこの組合せ（可用性「%s」）のパターンがありません",
		        "Table 1 has no pattern for these levels (availability %s)"),
		    avail);
	return SG_OK;
}

const struct reference_value *catalog_item_ref(const struct eval_item *it, int pattern)
{
	if (!it || pattern < 1 || pattern > CATALOG_PATTERNS)
		return NULL;
	return &it->refs[pattern - 1];
}

char *catalog_fold(const char *s)
{
	gchar *nfkc = g_utf8_normalize(s ? s : "", -1, G_NORMALIZE_NFKC);
	gchar *low = nfkc ? g_utf8_casefold(nfkc, -1) : NULL;
	struct dynbuf b = DYNBUF_INIT;

	for (const gchar *p = low ? low : ""; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		if (g_unichar_isspace(u) || u == 0x3000)
			continue;
		dynbuf_add(&b, p, (size_t)(g_utf8_next_char(p) - p));
	}
	g_free(nfkc);
	g_free(low);
	return dynbuf_detach(&b, NULL);
}

/* The folded name before its first parenthesis: "検索サービス（一般向け）" -> "検索サービス". */
static char *short_name(const char *name)
{
	char *f = catalog_fold(name);
	char *paren = strchr(f, '(');

	if (paren)
		*paren = '\0';
	return f;
}

enum catalog_type_match catalog_service_type_find(const struct catalog *c, const char *name,
                                                  const struct service_type **out, size_t max,
                                                  size_t *n)
{
	char *q = catalog_fold(name);
	enum catalog_type_match m = CATALOG_TYPE_NONE;

	*n = 0;
	for (size_t i = 0; i < c->nservice_types && *q && !*n; i++) {
		char *ja = catalog_fold(c->service_types[i].name_ja);
		char *en = catalog_fold(c->service_types[i].name_en);
		if (!strcmp(q, ja) || !strcmp(q, en)) {
			out[(*n)++] = &c->service_types[i];
			m = CATALOG_TYPE_FOUND;
		}
		free(ja);
		free(en);
	}
	for (size_t pass = 0; pass < 2 && *q && !*n; pass++) {
		for (size_t i = 0; i < c->nservice_types; i++) {
			char *ja = pass ? catalog_fold(c->service_types[i].name_ja)
			                : short_name(c->service_types[i].name_ja);
			int hit = pass ? strstr(ja, q) != NULL : !strcmp(ja, q);
			free(ja);
			if (!hit)
				continue;
			if (*n < max)
				out[*n] = &c->service_types[i];
			(*n)++;
		}
		if (*n)
			m = pass      ? CATALOG_TYPE_CANDIDATES
			    : *n == 1 ? CATALOG_TYPE_FOUND
			              : CATALOG_TYPE_AMBIGUOUS;
	}
	if (*n > max)
		*n = max;
	free(q);
	return m;
}

const struct glossary_term *catalog_glossary_find(const struct catalog *c, const char *term)
{
	char *q = catalog_fold(term);
	const struct glossary_term *hit = NULL;

	for (size_t i = 0; i < c->nglossary && !hit; i++) {
		char *ja = catalog_fold(c->glossary[i].term_ja);
		char *en = catalog_fold(c->glossary[i].term_en);
		if (*q && (!strcmp(q, ja) || !strcmp(q, en)))
			hit = &c->glossary[i];
		free(ja);
		free(en);
	}
	free(q);
	return hit;
}

void catalog_roman(size_t n, char *buf, size_t bufsz)
{
	static const struct {
		size_t v;
		const char *s;
	} r[] = {{10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}};
	struct dynbuf b = DYNBUF_INIT;

	if (n >= 40) {
		snprintf(buf, bufsz, "%zu", n);
		return;
	}
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		for (; n >= r[i].v; n -= r[i].v)
			dynbuf_addstr(&b, r[i].s);
	snprintf(buf, bufsz, "%s", dynbuf_ptr(&b));
	dynbuf_release(&b);
}

/* 1 for "a) …", 2 for "1) …", 0 for a paragraph. */
static int list_depth(const char *line)
{
	if (line[0] >= 'a' && line[0] <= 'z' && line[1] == ')')
		return 1;
	if (isdigit((unsigned char)line[0]) && line[1] == ')')
		return 2;
	return 0;
}

/* HTML: paragraphs and nested <ul> lists. */
static void text_render_html(const char *text, struct dynbuf *out)
{
	const char *p = text ? text : "";
	int depth = 0, listed = 0;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		int d = list_depth(line);
		if (d) {
			listed = 1;
			for (; depth < d; depth++)
				dynbuf_addstr(out, "<ul>");
			for (; depth > d; depth--)
				dynbuf_addstr(out, "</ul>");
			dynbuf_addstr(out, "<li>");
			dynbuf_add_html_escaped(out, line);
			dynbuf_addstr(out, "</li>\n");
		} else if (depth) {
			dynbuf_addstr(out, "<li class=\"cont\">");
			dynbuf_add_html_escaped(out, line);
			dynbuf_addstr(out, "</li>\n");
		} else {
			dynbuf_addstr(out, "<p>");
			dynbuf_add_html_escaped(out, line);
			dynbuf_addstr(out, "</p>\n");
		}
		free(line);
		p += len;
		if (*p)
			p++;
	}
	for (; depth > 0; depth--)
		dynbuf_addstr(out, "</ul>");
	if (listed)
		dynbuf_addch(out, '\n');
}

void catalog_text_render(const char *text, int md, int indent, struct dynbuf *out)
{
	const char *p = text ? text : "";
	int in_list = 0;

	if (md == CATALOG_TEXT_HTML) {
		text_render_html(text, out);
		return;
	}
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		int d = list_depth(line);
		if (d) {
			if (md && !in_list)
				dynbuf_addch(out, '\n');
			dynbuf_printf(out, "%*s%s%s\n", indent + (d - 1) * (md ? 4 : 3), "",
			              md ? "- " : "", line);
			in_list = 1;
		} else if (md && in_list) {
			/* a line under a list item (II.7.1.1's a) … then its sources) */
			dynbuf_printf(out, "%*s%s\n", indent + 2, "", line);
		} else {
			dynbuf_printf(out, "%*s%s\n", indent, "", line);
		}
		free(line);
		p += len;
		if (*p)
			p++;
	}
}

size_t catalog_suggest(const struct catalog *c, const char *id, const char **out, size_t max)
{
	char n[64];
	const char *q = norm(id, n, sizeof(n)) ? n : id;
	size_t best[8], count = 0;

	if (max > 8)
		max = 8;
	for (size_t i = 0; i < c->ncontrols; i++) {
		for (size_t k = 0; k <= c->controls[i].nitems; k++) {
			const char *cand = k ? c->controls[i].items[k - 1].id : c->controls[i].id;
			size_t d = i18n_edit_distance(q, cand), pos;
			if (d > 3)
				continue;
			for (pos = count; pos > 0 && best[pos - 1] > d; pos--)
				;
			if (pos >= max)
				continue;
			if (count < max)
				count++;
			for (size_t m = count - 1; m > pos; m--) {
				best[m] = best[m - 1];
				out[m] = out[m - 1];
			}
			best[pos] = d;
			out[pos] = cand;
		}
	}
	return count;
}
