/*
 * profile - a service's profile file; see profile.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fileio.h"
#include "profile.h"
#include "xalloc.h"
#include "banned.h"

/* Large enough for any real profile and the 10 MB stress test. */
#define PROFILE_MAX_BYTES ((size_t)64 << 20)

static enum sg_code parse_service(struct profile *p, const struct catalog *cat,
                                  struct sg_error *err)
{
	static const char *const keys[] = {"name", "pattern", "classification", NULL};
	static const char *const ckeys[] = {"personal_information", "trade_secrets", "availability",
	                                    NULL};
	const struct ydoc *doc = p->doc;
	const struct ydoc_node *svc = ydoc_get(doc->root, "service"), *n, *cls;
	struct profile_service *s = &p->service;
	enum sg_code rc;
	long long pat = 0;

	s->personal_information = s->trade_secrets = -1;
	if (!svc)
		return ydoc_missing(doc, doc->root, "service",
		                    ETR(err, "プロファイル", "the profile"), err);
	if ((rc = ydoc_want(doc, svc, YDOC_MAP, "service", err)) ||
	    (rc = ydoc_check_keys(doc, svc, keys, "service", err)))
		return rc;
	s->node = svc;
	if (!(n = ydoc_get(svc, "name")))
		return ydoc_missing(doc, svc, "name", "service", err);
	if ((rc = ydoc_str(doc, n, "service.name", &s->name, err)))
		return rc;
	if (!*s->name)
		return ydoc_error(doc, n, err, "%s",
		                  ETR(err, "service.name が空です", "service.name is empty"));
	n = ydoc_get(svc, "pattern");
	if (n && (rc = ydoc_int(doc, n, "service.pattern", 1, 6, &pat, err)))
		return rc;
	cls = ydoc_get(svc, "classification");
	if (cls) {
		const struct ydoc_node *a;
		const char *av;
		int pi, ts, derived;

		if ((rc = ydoc_want(doc, cls, YDOC_MAP, "service.classification", err)) ||
		    (rc = ydoc_check_keys(doc, cls, ckeys, "service.classification", err)))
			return rc;
		for (int i = 0; ckeys[i]; i++)
			if (!ydoc_get(cls, ckeys[i]))
				return ydoc_missing(doc, cls, ckeys[i], "service.classification",
				                    err);
		if ((rc = ydoc_bool(doc, ydoc_get(cls, "personal_information"),
		                    "service.classification.personal_information", &pi, err)) ||
		    (rc = ydoc_bool(doc, ydoc_get(cls, "trade_secrets"),
		                    "service.classification.trade_secrets", &ts, err)))
			return rc;
		a = ydoc_get(cls, "availability");
		if ((rc = ydoc_str(doc, a, "service.classification.availability", &av, err)))
			return rc;
		if (strcmp(av, "high") && strcmp(av, "medium") && strcmp(av, "low"))
			return ydoc_error(
			    doc, a, err,
			    ETR(err,
			        "availability は high、medium、low のいずれかです（'%s' は不可）",
			        "availability is high, medium or low, not '%s'"),
			    av);
		s->personal_information = pi;
		s->trade_secrets = ts;
		s->availability = av;
		derived = catalog_pattern_for(cat, pi || ts ? "high" : "low", "high", av);
		if (pat && pat != derived) {
			ydoc_error(doc, n, err,
			           ETR(err,
			               "pattern %lld と classification（パターン %d "
			               "になる）が矛盾しています",
			               "pattern %lld conflicts with the classification, which "
			               "gives pattern %d"),
			           pat, derived);
			sg_error_hint(err, "%s",
			              ETR(err, "どちらか一方だけを書くか、両者を一致させてください",
			                  "give only one of them, or make them agree"));
			return SG_ERR_INPUT;
		}
		if (!pat) {
			pat = derived;
			s->classified = 1;
		}
	}
	if (!pat) {
		ydoc_error(doc, svc, err, "%s",
		           ETR(err, "service に pattern も classification もありません",
		               "service needs a pattern or a classification"));
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "pattern: 1 か、classification: {personal_information: true, "
		        "trade_secrets: false, availability: high} と書いてください",
		        "write pattern: 1, or classification: {personal_information: true, "
		        "trade_secrets: false, availability: high}"));
		return SG_ERR_INPUT;
	}
	s->pattern = (int)pat;
	return SG_OK;
}

enum sg_code profile_parse(const char *text, size_t len, const char *name,
                           const struct catalog *cat, struct profile **out, struct sg_error *err)
{
	static const char *const sections[] = {PROFILE_SECTIONS, NULL};
	struct profile *p = xcalloc(1, sizeof(*p));
	unsigned int mdlen = 0;
	enum sg_code rc;

	*out = NULL;
	p->path = xstrdup(name);
	EVP_Digest(text, len, p->sha256, &mdlen, EVP_sha256(), NULL);
	if ((rc = ydoc_parse(text, len, name, &p->doc, err)))
		goto fail;
	if (!p->doc->root) {
		rc = sg_error_at(err, SG_ERR_INPUT, name, 1, 1, "%s",
		                 ETR(err, "プロファイルが空です", "the profile is empty"));
		sg_error_hint(err, "%s",
		              ETR(err, "saasguard init で雛形を作れます",
		                  "saasguard init writes a starter profile"));
		goto fail;
	}
	if ((rc = ydoc_want(p->doc, p->doc->root, YDOC_MAP, ETR(err, "プロファイル", "the profile"),
	                    err)) ||
	    (rc = ydoc_check_keys(p->doc, p->doc->root, sections,
	                          ETR(err, "プロファイル", "the profile"), err)) ||
	    (rc = parse_service(p, cat, err)))
		goto fail;
	*out = p;
	return SG_OK;
fail:
	profile_free(p);
	return rc;
}

enum sg_code profile_load(const char *path, const struct catalog *cat, struct profile **out,
                          struct sg_error *err)
{
	struct dynbuf b = DYNBUF_INIT;
	enum sg_code rc = fileio_read(path, PROFILE_MAX_BYTES, &b, err);

	if (!rc)
		rc = profile_parse(dynbuf_ptr(&b), dynbuf_len(&b), path, cat, out, err);
	dynbuf_release(&b);
	return rc;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	ydoc_free(p->doc);
	free(p->path);
	free(p);
}

const struct ydoc_node *profile_section(const struct profile *p, const char *name)
{
	return ydoc_get(p->doc->root, name);
}
