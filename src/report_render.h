/*
 * report_render - a report in one of its formats, and the whole job of a
 * report file. report_render() picks the writer (report_json, report_html,
 * report_pdf); report_render_generate() builds the model, renders it,
 * writes the file atomically and records its SHA-256 in the ledger in one
 * store transaction, for the command and for the daemon when a period
 * closes. The rendered bytes belong to the caller's dynbuf.
 */
#ifndef SG_REPORT_RENDER_H
#define SG_REPORT_RENDER_H

#include "dynbuf.h"
#include "error.h"
#include "report.h"
#include "store.h"

/* Renders r in a format into out (bytes: UTF-8 text or a PDF). */
enum sg_code report_render(const struct report *r, enum report_format fmt, struct dynbuf *out,
                           struct sg_error *err);

/* The whole job: build, render, write path atomically (0666 less the umask, like any new file)
 * and append a "report" ledger entry with the file's SHA-256, in one store
 * transaction. sha256_hex (may be NULL) receives the digest. */
enum sg_code report_render_generate(struct store *s, const struct report_request *req,
                                    enum report_format fmt, const char *path, char sha256_hex[65],
                                    struct sg_error *err);

#endif
