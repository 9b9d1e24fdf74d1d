/*
 * report_render - a report in a format, and the whole job; see report_render.h.
 */
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "hex.h"
#include "ledger_events.h"
#include "report_html.h"
#include "report_json.h"
#include "report_pdf.h"
#include "report_render.h"
#include "banned.h"

enum sg_code report_render(const struct report *r, enum report_format fmt, struct dynbuf *out,
                           struct sg_error *err)
{
	switch (fmt) {
	case REPORT_FORMAT_JSON:
		return report_json_write(r, out, err);
	case REPORT_FORMAT_HTML:
		return report_html_write(r, out, err);
	case REPORT_FORMAT_PDF:
		return report_pdf_write(r, out, err);
	}
	return sg_error_set(err, SG_ERR_INTERNAL,
	                    ETR(err, "報告書の形式が不明です", "unknown report format"));
}

enum sg_code report_render_generate(struct store *s, const struct report_request *req,
                                    enum report_format fmt, const char *path, char sha256_hex[65],
                                    struct sg_error *err)
{
	struct report r;
	struct dynbuf out = DYNBUF_INIT;
	unsigned char md[LEDGER_HASH_LEN];
	unsigned int mdlen = 0;
	char hex[65];
	enum sg_code rc;

	if ((rc = report_build(s, req, &r, err)))
		return rc;
	rc = report_render(&r, fmt, &out, err);
	if (rc)
		goto out;
	EVP_Digest(dynbuf_ptr(&out), dynbuf_len(&out), md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, LEDGER_HASH_LEN, hex);
	/* The write transaction never waits on the output: a file is written
	 * (atomically) before it, standard output after it, so a slow reader of
	 * a pipe never holds the store's write lock and stalls the monitor. */
	if (strcmp(path, "-") &&
	    (rc = fileio_write_atomic(path, dynbuf_ptr(&out), dynbuf_len(&out), 0666, 0, err)))
		goto out;
	if ((rc = store_begin(s, err)) ||
	    (rc = ledger_events_report(s, r.service, r.pattern, r.period.label,
	                               report_audience_name(r.audience), report_format_name(fmt),
	                               path, md, (long long)dynbuf_len(&out),
	                               r.lang == SG_LANG_EN ? "en" : "ja", req->by, err)) ||
	    (rc = store_commit(s, err))) {
		store_rollback(s);
		/* The ledger does not record it, so the file must not stand. */
		if (strcmp(path, "-"))
			unlink(path);
		goto out;
	}
	if (!strcmp(path, "-") &&
	    (rc = fileio_write_atomic(path, dynbuf_ptr(&out), dynbuf_len(&out), 0666, 0, err)))
		goto out;
	if (sha256_hex)
		memcpy(sha256_hex, hex, 65);
out:
	dynbuf_release(&out);
	report_release(&r);
	return rc;
}
