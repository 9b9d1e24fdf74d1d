/*
 * profile - one service's profile file (YAML): who the service is (name,
 * pattern, or the classification that gives the pattern) and what its
 * provider declares per countermeasure (status, owner, evidence, values,
 * targets, reasons). Parsing and validation with exact file:line:column
 * positions live here.
 *
 * The same file carries other modules' sections (monitor, notify,
 * service_hours, maintenance, collectors, ledger, reports); profile checks
 * that no unknown top-level key is present and keeps the parsed tree
 * (`doc`) so each of those modules reads its own section with the ydoc
 * helpers.
 *
 * Ownership: profile_load() returns a profile freed with profile_free();
 * every string and node inside belongs to it.
 */
#ifndef SG_PROFILE_H
#define SG_PROFILE_H

#include <stddef.h>

#include "catalog.h"
#include "error.h"
#include "ydoc.h"

/* Top-level sections of a profile file and the module that reads each. */
#define PROFILE_SECTIONS                                                                           \
	"service", "controls", "monitor", "notify", "service_hours", "maintenance", "collectors",  \
	    "ledger", "reports", "provider", "partners"

struct profile_service {
	const char *name;
	int pattern;                             /* 1..6, given or from the classification */
	int classified;                          /* the pattern came from classification */
	int personal_information, trade_secrets; /* -1 when not given */
	const char *availability;                /* "high" | "medium" | "low" | NULL */
	const struct ydoc_node *node;
};

/* What the provider declares about a countermeasure (issue 3). */
enum control_status {
	STATUS_UNSET = 0, /* the control is not in the file */
	STATUS_IMPLEMENTED,
	STATUS_PARTIAL,
	STATUS_PLANNED,
	STATUS_NOT_IMPLEMENTED,
	STATUS_NOT_APPLICABLE,
	STATUS_ACCEPTED_RISK,
};

/* What profile_check_evidence() found for an evidence file. */
enum evidence_file {
	EVIDENCE_UNCHECKED = 0,
	EVIDENCE_NO_FILE,       /* no path given */
	EVIDENCE_OK,            /* exists (and matches sha256 when given) */
	EVIDENCE_MISSING,       /* path given, file not found */
	EVIDENCE_HASH_MISMATCH, /* file's SHA-256 differs from the declared one */
};

struct profile_evidence {
	const char *title;
	const char *path;             /* NULL when not given; relative to the profile's directory */
	const char *url;              /* NULL when not given */
	const char *sha256;           /* 64 lowercase hex digits, or NULL */
	long long collected, expires; /* seconds since the epoch; 0 when not given */
	enum evidence_file file;
	const struct ydoc_node *node;
};

/* A declared value or target of one evaluation item. */
struct profile_item {
	const struct eval_item *item;
	int has_value;
	struct value value;
	const char *value_text; /* as written; for a list, the canonical text */
	const struct ydoc_node *value_node;
	int has_target;
	struct value target;
	const char *target_text;
	const struct ydoc_node *target_node;
};

struct profile_control {
	const struct control *control;
	enum control_status status; /* STATUS_UNSET: not listed */
	const char *owner;          /* NULL when not given */
	const char *reason;         /* required for not_applicable and accepted_risk */
	const char *notes;
	long long expires; /* accepted_risk: until when (required); 0 otherwise */
	struct profile_evidence *evidence;
	size_t nevidence;
	struct profile_item *items; /* control->nitems entries, in catalog order */
	const struct ydoc_node *node;
};

/* A partner service (連携 ASP・SaaS, I.9.2 vii) or an outsourcing contractor
 * (外部委託) the service relies on: `partners:` in the profile. */
enum partner_role {
	PARTNER_ASP_SAAS = 0, /* partner: 連携 ASP・SaaS 事業者 */
	PARTNER_OUTSOURCING,  /* outsourcing: 外部委託先 */
};

struct profile_partner {
	const char *name;
	enum partner_role role;
	const char *provides; /* what it provides (NULL when not given) */
	const char *contract; /* the contract terms (NULL when not given) */
	const struct ydoc_node *node;
};

struct profile {
	char *path;
	struct ydoc *doc;
	struct profile_service service;
	unsigned char sha256[32]; /* of the file's bytes, for the ledger */
	/* One entry per catalog control, in catalog order (index = control -
	 * catalog->controls); status STATUS_UNSET for controls not listed. */
	struct profile_control *controls;
	size_t ncontrols;
	size_t nlisted;                   /* controls the file lists */
	struct profile_partner *partners; /* `partners:`, in file order */
	size_t npartners;
};

/* Reads and validates path against the catalog. Bad input: SG_ERR_INPUT with
 * file:line:column and a hint in err. */
enum sg_code profile_load(const char *path, const struct catalog *cat, struct profile **out,
                          struct sg_error *err);
/* As profile_load() from memory; `name` is used in messages. */
enum sg_code profile_parse(const char *text, size_t len, const char *name,
                           const struct catalog *cat, struct profile **out, struct sg_error *err);
void profile_free(struct profile *p);

/* "partner" | "outsourcing" */
const char *profile_partner_role_name(enum partner_role r);

/* The declaration for a control (by catalog pointer), never NULL for a
 * control of the catalog the profile was loaded with. */
const struct profile_control *profile_control(const struct profile *p, const struct control *ctl);

/* Checks each evidence file that has a path (relative paths against the
 * profile's directory): does it exist, does its SHA-256 match. Fills
 * profile_evidence.file; reads files, so it is kept out of the pure
 * assessment. Returns SG_OK unless reading fails for another reason than
 * the file not existing. */
enum sg_code profile_check_evidence(struct profile *p, struct sg_error *err);

const char *profile_control_status_name(enum control_status s); /* "implemented" ... */

/* A top-level section's node, or NULL when the file has none. */
const struct ydoc_node *profile_section(const struct profile *p, const char *name);

#endif
