/*
 * ydoc - YAML documents as position-carrying trees; see ydoc.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "i18n.h"
#include "timeutil.h"
#include "xalloc.h"
#include "ydoc.h"
#include "banned.h"

#define MAX_DEPTH 64

struct builder {
	yaml_parser_t parser;
	const char *file;
	struct sg_error *err;
	int depth;
};

static void node_free(struct ydoc_node *n)
{
	if (!n)
		return;
	free(n->scalar);
	for (size_t i = 0; i < n->npairs; i++) {
		node_free(n->pairs[i].key);
		node_free(n->pairs[i].value);
	}
	free(n->pairs);
	for (size_t i = 0; i < n->nitems; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n);
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->file);
	free(doc);
}

static enum sg_code parser_error(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
	struct sg_error *err = b->err;

	sg_error_at(err, SG_ERR_INPUT, b->file, (int)m->line + 1, (int)m->column + 1,
	            ETR(err, "YAML の構文エラー: %s%s%s", "YAML syntax error: %s%s%s"),
	            p->problem ? p->problem : ETR(err, "不明", "unknown"), p->context ? " " : "",
	            p->context ? p->context : "");
	if (p->problem && strstr(p->problem, "tab"))
		sg_error_hint(err, ETR(err, "字下げにはタブではなく空白を使ってください",
		                       "indent with spaces, not tabs"));
	else if (p->problem && strstr(p->problem, "mapping values are not allowed"))
		sg_error_hint(err, ETR(err, "値に「: 」を含めるときは引用符で囲んでください",
		                       "quote a value that contains ': '"));
	else
		sg_error_hint(err, ETR(err, "字下げと「キー: 値」の形を確認してください",
		                       "check the indentation and the 'key: value' form"));
	return SG_ERR_INPUT;
}

static enum sg_code next(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev))
		return parser_error(b);
	return SG_OK;
}

static struct ydoc_node *new_node(enum ydoc_type t, const yaml_event_t *ev)
{
	struct ydoc_node *n = xcalloc(1, sizeof(*n));

	n->type = t;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	return n;
}

static enum sg_code build(struct builder *b, yaml_event_t *ev, struct ydoc_node **out);

/*
 * The keys of one map seen so far, for the duplicate check: an open-addressed
 * hash set of pair indices (+1; 0 is empty), kept at most half full, so a map
 * of n keys is checked in O(n) rather than O(n^2) (40,000 keys took 4.9 s).
 */
struct keyset {
	size_t *slot;
	size_t cap; /* a power of two */
};

static size_t key_hash(const char *s)
{
	size_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void keyset_put(struct keyset *ks, const struct ydoc_node *n, size_t idx)
{
	size_t i = key_hash(n->pairs[idx].key->scalar) & (ks->cap - 1);

	while (ks->slot[i])
		i = (i + 1) & (ks->cap - 1);
	ks->slot[i] = idx + 1;
}

/* The earlier pair with key k in map n, or NULL. Call before adding k. */
static const struct ydoc_pair *keyset_find(struct keyset *ks, const struct ydoc_node *n,
                                           const char *k)
{
	size_t i;

	if ((n->npairs + 1) * 2 > ks->cap) {
		free(ks->slot);
		ks->cap = ks->cap ? ks->cap * 2 : 16;
		ks->slot = xcalloc(ks->cap, sizeof(*ks->slot));
		for (size_t j = 0; j < n->npairs; j++)
			keyset_put(ks, n, j);
	}
	for (i = key_hash(k) & (ks->cap - 1); ks->slot[i]; i = (i + 1) & (ks->cap - 1))
		if (!strcmp(n->pairs[ks->slot[i] - 1].key->scalar, k))
			return &n->pairs[ks->slot[i] - 1];
	return NULL;
}

static enum sg_code build_pairs(struct builder *b, struct ydoc_node *n, struct keyset *ks)
{
	size_t alloc = 0;

	for (;;) {
		yaml_event_t ev;
		struct ydoc_node *k = NULL, *v = NULL;
		const struct ydoc_pair *first;
		enum sg_code rc = next(b, &ev);

		if (rc)
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return SG_OK;
		}
		rc = build(b, &ev, &k);
		yaml_event_delete(&ev);
		if (rc)
			return rc;
		if (k->type != YDOC_SCALAR) {
			sg_error_at(b->err, SG_ERR_INPUT, b->file, k->line, k->col, "%s",
			            ETR(b->err, "キーは文字列でなければなりません",
			                "a key must be a plain string"));
			node_free(k);
			return SG_ERR_INPUT;
		}
		if ((first = keyset_find(ks, n, k->scalar))) {
			sg_error_at(b->err, SG_ERR_INPUT, b->file, k->line, k->col,
			            ETR(b->err, "キー '%s' が重複しています（最初は %d 行目）",
			                "duplicate key '%s' (first at line %d)"),
			            k->scalar, first->key->line);
			sg_error_hint(
			    b->err, "%s",
			    ETR(b->err, "同じキーは1回だけ書いてください", "write each key once"));
			node_free(k);
			return SG_ERR_INPUT;
		}
		rc = next(b, &ev);
		if (!rc) {
			rc = build(b, &ev, &v);
			yaml_event_delete(&ev);
		}
		if (rc) {
			node_free(k);
			return rc;
		}
		ALLOC_GROW(n->pairs, n->npairs, alloc);
		n->pairs[n->npairs].key = k;
		n->pairs[n->npairs].value = v;
		keyset_put(ks, n, n->npairs);
		n->npairs++;
	}
}

static enum sg_code build_map(struct builder *b, struct ydoc_node *n)
{
	struct keyset ks = {NULL, 0};
	enum sg_code rc = build_pairs(b, n, &ks);

	free(ks.slot);
	return rc;
}

static enum sg_code build_seq(struct builder *b, struct ydoc_node *n)
{
	size_t alloc = 0;

	for (;;) {
		yaml_event_t ev;
		struct ydoc_node *v = NULL;
		enum sg_code rc = next(b, &ev);

		if (rc)
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return SG_OK;
		}
		rc = build(b, &ev, &v);
		yaml_event_delete(&ev);
		if (rc)
			return rc;
		ALLOC_GROW(n->items, n->nitems, alloc);
		n->items[n->nitems++] = v;
	}
}

static enum sg_code build(struct builder *b, yaml_event_t *ev, struct ydoc_node **out)
{
	struct ydoc_node *n;
	enum sg_code rc = SG_OK;

	*out = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = new_node(YDOC_SCALAR, ev);
		n->scalar = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (strlen(n->scalar) != n->len) {
			sg_error_at(b->err, SG_ERR_INPUT, b->file, n->line, n->col, "%s",
			            ETR(b->err, "値に NUL 文字が含まれています",
			                "a value contains a NUL character"));
			node_free(n);
			return SG_ERR_INPUT;
		}
		*out = n;
		return SG_OK;
	case YAML_ALIAS_EVENT:
		sg_error_at(b->err, SG_ERR_INPUT, b->file, (int)ev->start_mark.line + 1,
		            (int)ev->start_mark.column + 1, "%s",
		            ETR(b->err, "YAML のエイリアス（*名前）は使えません",
		                "YAML aliases (*name) are not accepted"));
		sg_error_hint(
		    b->err, "%s",
		    ETR(b->err, "値をそのまま書いてください", "write the value out in full"));
		return SG_ERR_INPUT;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (++b->depth > MAX_DEPTH) {
			sg_error_at(
			    b->err, SG_ERR_INPUT, b->file, (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1,
			    ETR(b->err, "入れ子が深すぎます（最大 %d）", "nesting deeper than %d"),
			    MAX_DEPTH);
			return SG_ERR_INPUT;
		}
		if (ev->type == YAML_MAPPING_START_EVENT) {
			n = new_node(YDOC_MAP, ev);
			rc = build_map(b, n);
		} else {
			n = new_node(YDOC_SEQ, ev);
			rc = build_seq(b, n);
		}
		b->depth--;
		if (rc) {
			node_free(n);
			return rc;
		}
		*out = n;
		return SG_OK;
	default:
		return sg_error_at(
		    b->err, SG_ERR_INPUT, b->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "%s",
		    ETR(b->err, "予期しない YAML の構造です", "unexpected YAML structure"));
	}
}

enum sg_code ydoc_parse(const char *text, size_t len, const char *file, struct ydoc **out,
                        struct sg_error *err)
{
	struct builder b;
	struct ydoc *doc = xcalloc(1, sizeof(*doc));
	yaml_event_t ev;
	enum sg_code rc;
	int docs = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.file = file;
	b.err = err;
	doc->file = xstrdup(file);
	if (!yaml_parser_initialize(&b.parser)) {
		ydoc_free(doc);
		return sg_error_set(
		    err, SG_ERR_NOMEM,
		    ETR(err, "YAML の読み取りを開始できません", "libyaml could not start"));
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&b.parser, YAML_UTF8_ENCODING);
	for (;;) {
		rc = next(&b, &ev);
		if (rc)
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			rc = sg_error_at(err, SG_ERR_INPUT, file, (int)ev.start_mark.line + 1,
			                 (int)ev.start_mark.column + 1, "%s",
			                 ETR(err,
			                     "1つのファイルに文書は1つだけ書けます（--- が2つ目）",
			                     "one document per file (a second ---)"));
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_ALIAS_EVENT) {
			rc = build(&b, &ev, &doc->root);
			yaml_event_delete(&ev);
			if (rc)
				break;
			continue;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.parser);
	if (rc) {
		ydoc_free(doc);
		return rc;
	}
	*out = doc;
	return SG_OK;
}

/* The pair of key (for the key's position), or NULL. */
static const struct ydoc_pair *pair_of(const struct ydoc_node *map, const char *key)
{
	if (!map || map->type != YDOC_MAP)
		return NULL;
	for (size_t i = 0; i < map->npairs; i++)
		if (!strcmp(map->pairs[i].key->scalar, key))
			return &map->pairs[i];
	return NULL;
}

struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key)
{
	const struct ydoc_pair *p = pair_of(map, key);
	return p ? p->value : NULL;
}

int ydoc_is_null(const struct ydoc_node *n)
{
	return !n || (n->type == YDOC_SCALAR && n->plain &&
	              (!n->len || !strcmp(n->scalar, "~") || !strcmp(n->scalar, "null")));
}

enum sg_code ydoc_error(const struct ydoc *doc, const struct ydoc_node *n, struct sg_error *err,
                        const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_error_vset(err, SG_ERR_INPUT, fmt, ap);
	va_end(ap);
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", doc->file);
		err->line = n ? n->line : 1;
		err->col = n ? n->col : 1;
	}
	return SG_ERR_INPUT;
}

static const char *type_name(struct sg_error *err, enum ydoc_type t)
{
	switch (t) {
	case YDOC_SCALAR:
		return ETR(err, "値", "a value");
	case YDOC_MAP:
		return ETR(err, "「キー: 値」の対応（マップ）", "a mapping (key: value)");
	case YDOC_SEQ:
		return ETR(err, "リスト（- 項目 または [a, b]）", "a list (- item or [a, b])");
	}
	return "?";
}

enum sg_code ydoc_want(const struct ydoc *doc, const struct ydoc_node *n, enum ydoc_type type,
                       const char *what, struct sg_error *err)
{
	if (n && n->type == type)
		return SG_OK;
	return ydoc_error(
	    doc, n, err,
	    ETR(err, "%s には%sを書いてください（%sになっています）", "%s must be %s, not %s"),
	    what, type_name(err, type), n ? type_name(err, n->type) : ETR(err, "空", "empty"));
}

enum sg_code ydoc_check_keys(const struct ydoc *doc, const struct ydoc_node *map,
                             const char *const *allowed, const char *what, struct sg_error *err)
{
	for (size_t i = 0; map && i < map->npairs; i++) {
		const struct ydoc_node *k = map->pairs[i].key;
		const char *best = NULL;
		size_t bestd = (size_t)-1;
		int ok = 0;

		for (size_t a = 0; allowed[a]; a++) {
			size_t d;
			if (!strcmp(allowed[a], k->scalar)) {
				ok = 1;
				break;
			}
			d = i18n_edit_distance(allowed[a], k->scalar);
			if (d < bestd) {
				bestd = d;
				best = allowed[a];
			}
		}
		if (ok)
			continue;
		ydoc_error(doc, k, err,
		           ETR(err, "%s に '%s' というキーはありません", "%s has no key '%s'"),
		           what, k->scalar);
		if (best && bestd <= 3)
			sg_error_hint(err, ETR(err, "'%s' のことですか?", "did you mean '%s'?"),
			              best);
		else {
			struct dynbuf l = DYNBUF_INIT;
			for (size_t a = 0; allowed[a]; a++)
				dynbuf_printf(&l, "%s%s", a ? ", " : "", allowed[a]);
			sg_error_hint(err, ETR(err, "使えるキー: %s", "allowed keys: %s"),
			              dynbuf_ptr(&l));
			dynbuf_release(&l);
		}
		return SG_ERR_INPUT;
	}
	return SG_OK;
}

enum sg_code ydoc_missing(const struct ydoc *doc, const struct ydoc_node *map, const char *key,
                          const char *what, struct sg_error *err)
{
	return ydoc_error(doc, map, err, ETR(err, "%s に '%s' がありません", "%s needs '%s'"), what,
	                  key);
}

enum sg_code ydoc_str(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                      const char **out, struct sg_error *err)
{
	enum sg_code rc = ydoc_want(doc, n, YDOC_SCALAR, what, err);

	if (rc)
		return rc;
	*out = n->scalar;
	return SG_OK;
}

enum sg_code ydoc_bool(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                       int *out, struct sg_error *err)
{
	static const char *const t[] = {"true", "yes", "True", "TRUE", "on", NULL};
	static const char *const f[] = {"false", "no", "False", "FALSE", "off", NULL};
	enum sg_code rc = ydoc_want(doc, n, YDOC_SCALAR, what, err);

	if (rc)
		return rc;
	for (int i = 0; t[i]; i++) {
		if (!strcmp(n->scalar, t[i])) {
			*out = 1;
			return SG_OK;
		}
		if (!strcmp(n->scalar, f[i])) {
			*out = 0;
			return SG_OK;
		}
	}
	ydoc_error(
	    doc, n, err,
	    ETR(err, "%s は true か false です（'%s' は不可）", "%s is true or false, not '%s'"),
	    what, n->scalar);
	return SG_ERR_INPUT;
}

enum sg_code ydoc_int(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                      long long lo, long long hi, long long *out, struct sg_error *err)
{
	char *end;
	long long v;
	enum sg_code rc = ydoc_want(doc, n, YDOC_SCALAR, what, err);

	if (rc)
		return rc;
	errno = 0;
	v = strtoll(n->scalar, &end, 10);
	if (errno || end == n->scalar || *end || v < lo || v > hi)
		return ydoc_error(
		    doc, n, err,
		    ETR(err, "%s には %lld から %lld の整数を書いてください（'%s' は不可）",
		        "%s must be a whole number from %lld to %lld, not '%s'"),
		    what, lo, hi, n->scalar);
	*out = v;
	return SG_OK;
}

static void position(const struct ydoc *doc, const struct ydoc_node *n, struct sg_error *err)
{
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", doc->file);
		err->line = n->line;
		err->col = n->col;
	}
}

enum sg_code ydoc_duration(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                           double *seconds, struct sg_error *err)
{
	enum sg_code rc = ydoc_want(doc, n, YDOC_SCALAR, what, err);

	if (rc)
		return rc;
	rc = value_parse_duration(n->scalar, seconds, err);
	if (rc) {
		sg_error_prefix(err, "%s: ", what);
		position(doc, n, err);
	}
	return rc;
}

enum sg_code ydoc_value(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                        struct value *out, struct sg_error *err)
{
	enum sg_code rc;

	if (n && n->type == YDOC_SEQ) {
		memset(out, 0, sizeof(*out));
		out->type = VALUE_SET;
		for (size_t i = 0; i < n->nitems; i++) {
			const struct ydoc_node *m = n->items[i];
			enum value_set set;
			if ((rc = ydoc_want(doc, m, YDOC_SCALAR, what, err)))
				return rc;
			set = value_set_of(m->scalar);
			if (set == SET_NONE || (out->set && set != out->set)) {
				ydoc_error(doc, m, err,
				           ETR(err, "%s: '%s' は方式の名前ではありません",
				               "%s: '%s' is not a method name"),
				           what, m->scalar);
				sg_error_hint(
				    err, ETR(err, "次から選んでください: %s", "choose from: %s"),
				    value_set_members_list(out->set ? out->set : SET_AUTH));
				if (!out->set)
					sg_error_hint(
					    err,
					    ETR(err, "認証: %s / 暗号化: %s / 原本性: %s",
					        "auth: %s; encryption: %s; originality: %s"),
					    value_set_members_list(SET_AUTH),
					    value_set_members_list(SET_ENCRYPTION),
					    value_set_members_list(SET_ORIGINALITY));
				return SG_ERR_INPUT;
			}
			out->set = set;
			out->members |= value_set_member(set, m->scalar);
		}
		if (!n->nitems)
			return ydoc_error(doc, n, err,
			                  ETR(err, "%s: 空のリストです", "%s: the list is empty"),
			                  what);
		return SG_OK;
	}
	if ((rc = ydoc_want(doc, n, YDOC_SCALAR, what, err)))
		return rc;
	rc = value_parse(n->scalar, out, err);
	if (rc) {
		sg_error_prefix(err, "%s: ", what);
		position(doc, n, err);
	}
	return rc;
}

enum sg_code ydoc_time(const struct ydoc *doc, const struct ydoc_node *n, const char *what,
                       long long *out, struct sg_error *err)
{
	enum sg_code rc = ydoc_want(doc, n, YDOC_SCALAR, what, err);

	if (rc)
		return rc;
	rc = timeutil_parse(n->scalar, out, err);
	if (rc) {
		sg_error_prefix(err, "%s: ", what);
		position(doc, n, err);
	}
	return rc;
}
