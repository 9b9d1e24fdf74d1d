/*
 * import - a provider's existing checklist back into a starter profile: the
 * Annex 2/3 checklists `saasguard assess` exports (xlsx from assess_xlsx.h,
 * or the CSV of assess_write.h), or any sheet or CSV with those column
 * headers (Japanese or English), become the service: and controls: sections
 * of a profile (status, owner, evidence, reason, expires, notes, declared
 * values and targets). Every cell that could not be mapped (an unknown id, a
 * status or value that does not parse, a column nobody reads, a measured
 * value) is reported with file:row:column, so the provider knows what to
 * fill in by hand.
 *
 * Input is hostile: xlsx is read with libzip (sizes capped, zip bombs cut
 * off) and expat; CSV is RFC 4180, UTF-8 (a BOM is fine) or Excel's CP932.
 * A file that is neither is SG_ERR_INPUT with its position.
 *
 * Ownership: import_run() fills a struct import_result the caller releases
 * with import_result_release(); every string in it belongs to it.
 */
#ifndef SG_IMPORT_H
#define SG_IMPORT_H

#include <stddef.h>

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"

/* Hard limits on what a checklist may be (hostile input). */
#define IMPORT_MAX_ROWS  20000
#define IMPORT_MAX_COLS  64
#define IMPORT_MAX_BYTES ((size_t)64 << 20) /* uncompressed, per xlsx part */

struct import_opts {
	const char *name; /* the service's name; NULL: the summary sheet's, else the file's */
	int pattern;      /* 1..6; 0: the summary sheet's, else inferred from the references */
	int lang;         /* enum sg_lang of the issues and comments */
};

/* One cell that did not make it into the profile. */
struct import_issue {
	char *where; /* "checklist.csv" or "checklist.xlsx[Annex3 …]" */
	int row;     /* 1-based; as Excel and a text editor count */
	int col;     /* 1-based; 0 for a whole row */
	char *msg;
};

struct import_result {
	struct dynbuf yaml; /* the profile */
	char *name;
	int pattern;
	size_t controls; /* countermeasures declared */
	size_t rows;     /* checklist rows read */
	struct import_issue *issues;
	size_t nissues;
};

/* Reads the checklist in data (len bytes; `file` names it in messages and
 * tells xlsx from CSV only together with the content) and writes the
 * profile into out->yaml. Fails (SG_ERR_INPUT) only when the file is not a
 * checklist at all; cells it cannot map become issues. */
enum sg_code import_run(const char *file, const void *data, size_t len, const struct catalog *cat,
                        const struct import_opts *o, struct import_result *out,
                        struct sg_error *err);

void import_result_release(struct import_result *r);

#endif
