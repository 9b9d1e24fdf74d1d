/*
 * assess_xlsx - the assessment and the SLA table as Excel workbooks for
 * auditors (xlsx.h does the Excel side): `assess --format xlsx` gives a
 * summary sheet, then the Annex 2 checklist (組織・運用編) and the Annex 3
 * checklist (物理的・技術的対策編) each on its own sheet with the columns of
 * the CSV checklist (assess_checklist_table()); `sla --format xlsx` gives a
 * summary sheet and the commitments.
 *
 * The summary sheet holds the service's name and pattern in column B next to
 * the labels 「サービス名」 / "service" and 「パターン」 / "pattern", which is
 * where `saasguard import` reads them back.
 *
 * Writers only append to the caller's dynbuf.
 */
#ifndef SG_ASSESS_XLSX_H
#define SG_ASSESS_XLSX_H

#include "assess.h"
#include "assess_write.h"
#include "dynbuf.h"
#include "error.h"

/* Sheet names; import finds the checklists by them (either language). */
#define ASSESS_XLSX_SUMMARY_JA "概要"
#define ASSESS_XLSX_SUMMARY_EN "Summary"
#define ASSESS_XLSX_ANNEX2_JA  "Annex2 組織・運用編"
#define ASSESS_XLSX_ANNEX3_JA  "Annex3 物理的・技術的対策編"
#define ASSESS_XLSX_ANNEX2_EN  "Annex 2 organisational"
#define ASSESS_XLSX_ANNEX3_EN  "Annex 3 technical"

enum sg_code assess_xlsx(const struct assess_result *r, const struct assess_write_opts *o,
                         struct dynbuf *out, struct sg_error *err);

enum sg_code sla_xlsx(const struct assess_result *r, int lang, struct dynbuf *out,
                      struct sg_error *err);

#endif
