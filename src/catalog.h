/*
 * catalog - the guideline as data: sections, the 68 countermeasures
 * (controls), their 37 evaluation items with a typed reference value for each
 * of the six patterns, Table 1 (patterns), Table 2 (service types and how a
 * name is looked up in it), the I.7.1 criteria, the footnotes that define
 * terms and reference values, and the I.9 glossary. Compiled in from the JSON
 * files in data/catalog; read-only; knows nothing about any service.
 *
 * Ownership: catalog_load() returns a catalog the caller frees with
 * catalog_free(). Every pointer inside (strings, arrays, the JSON document)
 * belongs to the catalog and lives exactly as long as it.
 */
#ifndef SG_CATALOG_H
#define SG_CATALOG_H

#include <stddef.h>

#include <jansson.h>

#include "dynbuf.h"
#include "error.h"
#include "value.h"

#define CATALOG_PATTERNS 6

/* The edition of the guideline the compiled-in data transcribes (--version,
 * the OSCAL catalog's version "2008"). */
#define CATALOG_EDITION_JA "ASP・SaaS における情報セキュリティ対策ガイドライン 2008年（最終案）"
#define CATALOG_EDITION_EN "MIC ASP/SaaS information security guideline, 2008 (final draft)"

enum level {
	LEVEL_BASIC = 0,   /* 基本 */
	LEVEL_RECOMMENDED, /* 推奨 */
};

/* How a reference value is judged; see docs/catalog-format.md. */
enum ref_kind {
	REF_NONE = 0, /* "-" */
	REF_MAX_INTERVAL,
	REF_MAX_DELAY,
	REF_MIN_PERCENTAGE,
	REF_MIN_RETENTION,
	REF_MIN_DURATION,
	REF_MIN_COUNT,
	REF_SERVICE_PLUS,
	REF_EVERY_BACKUP,
	REF_STANDBY,
	REF_ANY_OF,
	REF_ALL_OF,
	REF_DONE,
	REF_24X7,
};

struct reference_value {
	int pattern; /* 1..6 */
	const char *text_ja;
	int required; /* the "*" flag */
	enum ref_kind kind;
	struct value quantity;     /* type VALUE_NONE for kinds without one */
	const char *quantity_text; /* as in the data ("24h", "service+1y"); "" if none */
	const char *kind_name;
};

struct control;

/* A footnote of the guideline that defines a term or a reference value
 * (¹⁵ ホットスタンバイ …), carried with its control or item. */
struct footnote {
	int number;
	const char *term_ja;
	const char *text_ja;
};

/* An I.9 glossary entry (I.9.1: from JIS Q 27001; I.9.2: the guideline's own). */
struct glossary_term {
	const char *section; /* "I.9.1" | "I.9.2" */
	const char *number;  /* "iv" */
	const char *term_ja;
	const char *term_en;
	const char *text_ja;
};

struct eval_item {
	const char *id; /* "III.1.1.1.a" */
	char letter;    /* 'a' */
	const char *name_ja;
	const char *name_en;
	struct reference_value refs[CATALOG_PATTERNS]; /* use catalog_item_ref() */
	/* The point the time is measured from, when the reference value names
	 * one ("ベンダリリースから", "検知後"); NULL otherwise. */
	const char *starts_ja;
	const char *starts_en;
	struct footnote *footnotes;
	size_t nfootnotes;
	const struct control *control;
};

struct section {
	const char *id; /* "III.1" or "III.1.1" */
	const char *title_ja;
	const char *title_en;
};

struct control {
	const char *id; /* "III.1.1.1" */
	int part;       /* 2 or 3 */
	const char *section;
	enum level level;
	const char *title_ja;
	const char *title_en;
	const char *summary_en;
	const char *text_ja;
	const char **best_practices_ja;
	size_t nbest_practices;
	struct eval_item *items;
	size_t nitems;
	struct footnote *footnotes;
	size_t nfootnotes;
	/* How a profile's partners: bear on it (II.2.2, II.3, II.8.1.1): it cannot
	 * be not_applicable when a partner ASP/SaaS (PARTNERS_PARTNER) or any
	 * partner or contractor (PARTNERS_ANY) is listed, or at all
	 * (PARTNERS_ALWAYS: II.8.1.1's unified user support). */
	enum { PARTNERS_NONE = 0, PARTNERS_PARTNER, PARTNERS_ANY, PARTNERS_ALWAYS } partners;
	json_t *json; /* the control's object in the merged document */
};

struct pattern {
	int pattern;
	const char *confidentiality; /* "high" | "low" */
	const char *integrity;       /* "high" */
	const char *availability;    /* "high" | "medium" | "low" */
};

struct service_type {
	const char *name_ja;
	const char *name_en;
	const char *category_ja;
	int pattern; /* 0: a ※ type with no single pattern */
	const char *note_ja;
};

struct catalog {
	struct section *sections;
	size_t nsections;
	struct control *controls; /* in guideline order, II then III */
	size_t ncontrols;
	struct pattern patterns[CATALOG_PATTERNS];
	struct service_type *service_types;
	size_t nservice_types;
	struct glossary_term *glossary; /* I.9, in the guideline's order */
	size_t nglossary;
	json_t *levels; /* the I.7.1 criteria, as in patterns.json */
	json_t *doc;    /* {"sections","controls","patterns","levels","service_types"} */
};

/* Loads the compiled-in catalog. Fails only if the embedded data is broken. */
enum sg_code catalog_load(struct catalog **out, struct sg_error *err);
/* Loads from JSON texts (part II, part III, patterns); for tests and fuzzing. */
enum sg_code catalog_load_from(struct catalog **out, const char *part2, const char *part3,
                               const char *patterns, struct sg_error *err);
void catalog_free(struct catalog *c);

/* "Ⅲ. 1. 1. 1", "III．１．１．１", "iii.1.1.1.a" -> "III.1.1.1" / "III.1.1.1.a".
 * Returns SG_ERR_INPUT when the text is not an id at all. */
enum sg_code catalog_normalize_id(const char *in, char *out, size_t outsz, struct sg_error *err);

/* Lookups by normalised or raw id; NULL when absent. */
const struct control *catalog_control(const struct catalog *c, const char *id);
const struct eval_item *catalog_item(const struct catalog *c, const char *id);
const struct section *catalog_section(const struct catalog *c, const char *id);
const struct pattern *catalog_pattern(const struct catalog *c, int pattern);

/* Up to max ids (controls and items) nearest to id, for "did you mean". */
size_t catalog_suggest(const struct catalog *c, const char *id, const char **out, size_t max);

/* Table 1: the pattern for C/I/A levels, or 0 when none matches. */
int catalog_pattern_for(const struct catalog *c, const char *confidentiality, const char *integrity,
                        const char *availability);
/* I.7.1 applied: personal information or trade secrets make confidentiality
 * high, integrity is always high; then Table 1. SG_ERR_INTERNAL (with a
 * message in both languages) when the catalog's Table 1 has no such row. */
enum sg_code catalog_classify(const struct catalog *c, int personal_information, int trade_secrets,
                              const char *availability, int *pattern, struct sg_error *err);

/* The reference value of an item for a pattern; NULL when pattern is not 1..6. */
const struct reference_value *catalog_item_ref(const struct eval_item *it, int pattern);

/* Text folded for comparing names: Unicode NFKC (glib), case-folded, white
 * space removed, so "ＥＲＰ（財務会計等）" and "ERP(財務会計等)" compare equal. Caller frees. */
char *catalog_fold(const char *s);

/* Table 2 lookup that never guesses. A name equal (after catalog_fold) to a
 * type's Japanese or English name, or to exactly one type's name before its
 * parenthesis, is FOUND (out[0]). Several types sharing that short name are
 * AMBIGUOUS; types whose Japanese name merely contains the text are
 * CANDIDATES; all of them are listed in out (up to max). */
enum catalog_type_match {
	CATALOG_TYPE_NONE = 0,
	CATALOG_TYPE_FOUND,
	CATALOG_TYPE_AMBIGUOUS,
	CATALOG_TYPE_CANDIDATES,
};
enum catalog_type_match catalog_service_type_find(const struct catalog *c, const char *name,
                                                  const struct service_type **out, size_t max,
                                                  size_t *n);

/* The I.9 entry whose term (Japanese or English, folded) is term; NULL when none. */
const struct glossary_term *catalog_glossary_find(const struct catalog *c, const char *term);

/* The guideline numbers best practices i., ii., iii. …: 1 -> "i", 4 -> "iv". */
void catalog_roman(size_t n, char *buf, size_t bufsz);

/* Appends a text of the guideline (paragraphs joined by \n, "a) …" items and
 * nested "1) …" items) as nested lists: CATALOG_TEXT_PLAIN (indented),
 * CATALOG_TEXT_MARKDOWN or CATALOG_TEXT_HTML (<p> and nested <ul>, escaped).
 * indent is the first level's indentation in spaces (plain, Markdown). */
enum { CATALOG_TEXT_PLAIN = 0, CATALOG_TEXT_MARKDOWN = 1, CATALOG_TEXT_HTML = 2 };
void catalog_text_render(const char *text, int md, int indent, struct dynbuf *out);

const char *catalog_level_name(enum level l);       /* "basic" | "recommended" */
const char *catalog_level_name_ja(enum level l);    /* "基本" | "推奨" */
const char *catalog_ref_kind_name(enum ref_kind k); /* "max_interval" ... */

#endif
