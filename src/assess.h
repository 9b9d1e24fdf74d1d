/*
 * assess - the assessment of one service: a verdict for every
 * countermeasure and every evaluation item of the service's pattern, in the
 * guideline's terms (I.8.1, I.8.5: 参照値を満たす / 参照値に達しない / 値なし;
 * 対策済み / 要対応 …, never pass or fail), from what its profile declares
 * (with its partners:) and, where the monitor or the collectors measured
 * something, from the measurement (provenance "measured"; a measurement
 * worse than the declared value is reported as a disagreement; a finding
 * without a value is a shortfall). Attestations from the ledger are
 * attached to their controls as evidence (assess_attach_attestation()).
 *
 * assess_run() is a pure function of (catalog, profile, measured values,
 * now): it reads no file and no clock. The writers in assess_write.c (table,
 * JSON, Markdown, HTML, CSV checklists, OSCAL assessment results) and sla.c
 * render the same result; assess_to_json() is the machine-readable form other
 * modules (reports) use.
 *
 * Ownership: assess_run() returns a result freed with assess_free(). It
 * points into the catalog and the profile (titles, ids, reasons), which must
 * outlive it; measured values are copied.
 */
#ifndef SG_ASSESS_H
#define SG_ASSESS_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"
#include "error.h"
#include "measured.h"
#include "profile.h"

enum item_verdict {
	ITEM_MEETS = 0,
	ITEM_FALLS_SHORT,
	ITEM_NO_VALUE,
	ITEM_NO_REFERENCE,
	ITEM_NOT_APPLICABLE,
	ITEM_VERDICTS
};

enum control_verdict {
	CONTROL_COMPLIANT = 0,
	CONTROL_GAP,
	CONTROL_NOT_APPLICABLE,
	CONTROL_ACCEPTED_RISK,
	CONTROL_NOT_ASSESSED,
	CONTROL_VERDICTS
};

enum severity {
	SEVERITY_NONE = 0,
	SEVERITY_MEDIUM,   /* a recommended control */
	SEVERITY_HIGH,     /* a basic control */
	SEVERITY_CRITICAL, /* a reference value marked * */
	SEVERITIES
};

enum provenance {
	PROVENANCE_NONE = 0,
	PROVENANCE_DECLARED,
	PROVENANCE_MEASURED,
};

/* Why a control is a gap (bits of assess_control.reasons). */
enum gap_reason {
	GAP_STATUS = 1u << 0,       /* partial, planned or not_implemented */
	GAP_FALLS_SHORT = 1u << 1,  /* an item falls short */
	GAP_NO_VALUE = 1u << 2,     /* an item with a reference has no value */
	GAP_RISK_EXPIRED = 1u << 3, /* accepted_risk past its expires */
	GAP_NOT_ASSESSED = 1u << 4, /* not in the profile */
	GAP_MEASURED = 1u << 5,     /* a collector found a shortfall (clock, firewall) */
	GAP_PARTNERS = 1u << 6, /* not_applicable, but partners: (or II.8.1.1) says it applies */
};

struct assess_item {
	const struct eval_item *item;
	const struct reference_value *ref; /* the pattern's reference */
	enum ref_kind kind;                /* how it is judged (the model's kind for "-") */
	/* What is judged: the target where given, else the reference. */
	int has_threshold;
	struct value threshold;
	int threshold_is_target;
	/* The value judged and where it came from. */
	enum provenance provenance;
	struct value value;
	char value_text[96];
	/* The declared value, kept beside a measured one. */
	int has_declared;
	struct value declared;
	char declared_text[96];
	int has_target;
	struct value target;
	char target_text[64];
	/* The measurement, when one was judged. */
	char measured_source[96];
	double measured_at;
	char measured_detail[256];
	int disagreement;        /* the measurement is worse than the declared value */
	int measured_finding;    /* a collector's finding without a value: falls short */
	int ignored_measurement; /* a measurement of the wrong type was left out */
	enum item_verdict verdict;
	enum severity severity; /* for falls_short and no_value */
};

struct assess_evidence_issue {
	const struct profile_evidence *evidence;
	int expired;  /* expires <= now */
	int missing;  /* the file is not there */
	int mismatch; /* the file's SHA-256 differs */
};

/* A manual attestation from the evidence ledger (`saasguard attest`), shown
 * with the control's evidence. Owned (copied) by the result. */
struct assess_attestation {
	long long seq; /* ledger entry */
	double at;     /* when recorded (Unix seconds) */
	char *item;    /* the id attested (control or item) */
	char *by;      /* who */
	char *note;    /* what was done */
	char **files;  /* evidence files and their SHA-256 (hex) */
	char **sha256;
	size_t nfiles;
};

struct assess_control {
	const struct control *control;
	const struct profile_control *declared; /* never NULL; status UNSET when not listed */
	enum control_verdict verdict;
	enum severity severity; /* for gaps */
	unsigned reasons;       /* enum gap_reason bits */
	struct assess_item *items;
	size_t nitems;
	struct assess_evidence_issue *evidence_issues;
	size_t nevidence_issues;
	/* A collector's finding for the control itself (III.1.1.5 clock not
	 * synchronised, III.3.1.4 firewall unreadable): the worst, copied. */
	struct assess_attestation *attestations;
	size_t nattestations;
	int has_finding;
	char finding_source[96];
	char finding_detail[256];
	double finding_at;
};

struct assess_summary {
	size_t controls;
	size_t control_verdicts[CONTROL_VERDICTS];
	size_t basic_verdicts[CONTROL_VERDICTS];
	size_t recommended_verdicts[CONTROL_VERDICTS];
	size_t items;
	size_t item_verdicts[ITEM_VERDICTS];
	size_t gaps_by_severity[SEVERITIES]; /* controls */
	size_t required_items, required_met;
	size_t measured_items, disagreements;
	size_t evidence, evidence_expired, evidence_missing, evidence_mismatch;
	int passed;        /* every basic control compliant/NA/accepted, every * item meets */
	int passed_strict; /* the same over recommended controls too */
};

struct assess_result {
	const struct catalog *catalog;
	const struct profile *profile;
	int pattern;
	double now;
	struct assess_control *controls; /* catalog order */
	size_t ncontrols;
	struct assess_summary summary;
};

/* Judges every control and item. measured may be NULL. Fails only with
 * SG_ERR_INTERNAL on a profile not loaded with this catalog. */
enum sg_code assess_run(const struct catalog *cat, const struct profile *profile,
                        const struct measured_set *measured, double now, struct assess_result **out,
                        struct sg_error *err);
void assess_free(struct assess_result *r);

/* Attaches a ledger "attestation" entry ({"seq","at" (ms),"payload":{"control",
 * "note","by","evidence":[{"file","sha256"}]}}) to its control; entries for
 * ids outside the result are ignored. Strings are copied. */
void assess_attach_attestation(struct assess_result *r, json_t *entry);

/* 0 when the service passes (strict: recommended controls count too), 1
 * otherwise: the exit status of `saasguard assess`. */
int assess_exit_status(const struct assess_result *r, int strict);

/* The result as JSON (keys in English; Japanese and English texts side by
 * side). The caller owns the reference. Shape:
 * {"service":{"name","pattern","profile","profile_sha256"},"assessed_at",
 *  "summary":{...},"controls":[{"id","level","title_ja","title_en","status",
 *  "verdict","severity","reasons":[...],"owner","reason","expires",
 *  "evidence":[...],"evaluation_items":[{"id","name_ja","name_en",
 *  "reference_ja","reference","kind","required","value","provenance",
 *  "declared","target","verdict","severity","disagreement","measured"}]}]} */
json_t *assess_to_json(const struct assess_result *r);
/* Only the "summary" object of assess_to_json() (for the ledger entry). */
json_t *assess_summary_json(const struct assess_result *r);

const char *assess_item_verdict_name(enum item_verdict v);       /* "meets" ... */
const char *assess_control_verdict_name(enum control_verdict v); /* "compliant" ... */
const char *assess_severity_name(enum severity s);               /* "critical" ... ("" for none) */
const char *assess_provenance_name(enum provenance p);           /* "declared" | "measured" */
/* Which value of an item assess_item_words() renders. */
enum assess_value_which {
	ASSESS_VALUE = 0, /* the value judged */
	ASSESS_DECLARED,
	ASSESS_TARGET,
};
/* The value in words for people (「24時間」「ホットスタンバイ」), never a token;
 * appends nothing when the item has no such value. */
void assess_item_words(const struct assess_item *ai, enum assess_value_which which, int lang,
                       struct dynbuf *out);

/* The pattern's reference value for people: the guideline's own text in
 * Japanese (「ベンダリリースから 24 時間以内」), in words in English ("24 hours
 * after the vendor's release"); without the "*". */
void assess_reference_words(const struct assess_item *ai, int lang, struct dynbuf *out);

/* Labels in the guideline's terms (I.8.1: countermeasures are indicators,
 * not certification criteria; I.8.5: reference values are guides):
 * 参照値を満たす / 参照値に達しない / 値なし …, 対策済み / 要対応 … */
const char *assess_item_verdict_label(enum item_verdict v, int lang);
const char *assess_control_verdict_label(enum control_verdict v, int lang);
const char *assess_severity_label(enum severity s, int lang);
const char *assess_control_status_label(enum control_status s, int lang);

#endif
