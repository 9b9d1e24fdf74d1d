/*
 * catalog - the guideline as data: sections, the 68 countermeasures
 * (controls), their 37 evaluation items with a typed reference value for each
 * of the six patterns, Table 1 (patterns), Table 2 (service types) and the
 * I.7.1 criteria. Compiled in from the JSON files in data/catalog; read-only; knows
 * nothing about any service.
 *
 * Ownership: catalog_load() returns a catalog the caller frees with
 * catalog_free(). Every pointer inside (strings, arrays, the JSON document)
 * belongs to the catalog and lives exactly as long as it.
 */
#ifndef SG_CATALOG_H
#define SG_CATALOG_H

#include <stddef.h>

#include <jansson.h>

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

struct eval_item {
	const char *id; /* "III.1.1.1.a" */
	char letter;    /* 'a' */
	const char *name_ja;
	const char *name_en;
	struct reference_value refs[CATALOG_PATTERNS]; /* refs[p - 1] */
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

const char *catalog_level_name(enum level l);       /* "basic" | "recommended" */
const char *catalog_level_name_ja(enum level l);    /* "基本" | "推奨" */
const char *catalog_ref_kind_name(enum ref_kind k); /* "max_interval" ... */
int catalog_ref_kind_parse(const char *name);       /* -1 when unknown */

#endif
