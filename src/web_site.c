/*
 * web_site - the services a serve process shows; see web_site.h.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "web_site.h"
#include "xalloc.h"
#include "banned.h"

static enum sg_code read_slug(struct web_service *w, struct sg_error *err)
{
	const struct ydoc *doc = w->profile->doc;
	const struct ydoc_node *n = ydoc_get(w->profile->service.node, "slug");
	const char *s;
	enum sg_code rc;

	if (!n) {
		/* A name with no ASCII letters or digits (most Japanese names) gives
		 * its slug from the file name instead: payroll-cloud.yaml -> payroll-cloud. */
		int ascii = 0;
		for (const char *p = w->name; *p; p++)
			ascii |= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			         (*p >= '0' && *p <= '9');
		if (ascii) {
			web_slug_from_name(w->name, w->slug);
		} else {
			char *copy = xstrdup(w->profile->path), *base = basename(copy), *dot;
			if ((dot = strrchr(base, '.')))
				*dot = 0;
			web_slug_from_name(base, w->slug);
			free(copy);
		}
		return SG_OK;
	}
	if ((rc = ydoc_str(doc, n, "service.slug", &s, err)))
		return rc;
	if (!web_slug_valid(s)) {
		ydoc_error(
		    doc, n, err, "%s",
		    ETR(err,
		        "service.slug は URL に使う名前です（英小文字・数字・ハイフン、63 "
		        "文字まで）",
		        "service.slug is the name used in URLs (lowercase letters, digits and "
		        "hyphens, up to 63)"));
		sg_error_hint(err, "slug: payroll-cloud");
		return SG_ERR_INPUT;
	}
	snprintf(w->slug, sizeof(w->slug), "%s", s);
	return SG_OK;
}

static void add_group(struct web_service *w, const char *g)
{
	for (size_t i = 0; i < w->ngroups; i++)
		if (!strcmp(w->groups[i], g))
			return;
	w->groups = xreallocarray(w->groups, w->ngroups + 1, sizeof(*w->groups));
	w->groups[w->ngroups++] = xstrdup(g);
}

/* public: and group: of each check, read from the profile's tree (the
 * monitor's configuration accepts the keys and leaves them to us). */
static enum sg_code read_checks(struct web_service *w, struct sg_error *err)
{
	const struct ydoc *doc = w->profile->doc;
	const struct ydoc_node *mon = profile_section(w->profile, "monitor");
	const struct ydoc_node *list = mon ? ydoc_get(mon, "checks") : NULL;
	enum sg_code rc;

	w->checks = xcalloc(w->mcfg->nchecks + 1, sizeof(*w->checks));
	for (size_t i = 0; i < w->mcfg->nchecks; i++) {
		w->checks[i].def = &w->mcfg->checks[i];
		w->checks[i].is_public = 1;
		w->checks[i].group = w->mcfg->checks[i].name;
	}
	for (size_t k = 0; list && list->type == YDOC_SEQ && k < list->nitems; k++) {
		const struct ydoc_node *m = list->items[k], *name, *n;
		struct web_check *c = NULL;
		if (m->type != YDOC_MAP || !(name = ydoc_get(m, "name")) ||
		    name->type != YDOC_SCALAR)
			continue;
		for (size_t i = 0; i < w->mcfg->nchecks; i++)
			if (!strcmp(w->mcfg->checks[i].name, name->scalar))
				c = &w->checks[i];
		if (!c)
			continue;
		if ((n = ydoc_get(m, "public")) &&
		    (rc = ydoc_bool(doc, n, "public", &c->is_public, err)))
			return rc;
		if ((n = ydoc_get(m, "group")) && (rc = ydoc_str(doc, n, "group", &c->group, err)))
			return rc;
	}
	for (size_t i = 0; i < w->mcfg->nchecks; i++)
		if (w->checks[i].is_public && w->checks[i].def->kind != CHECK_EXTERNAL_NETWORK)
			add_group(w, w->checks[i].group);
	return SG_OK;
}

static void service_release(struct web_service *w)
{
	for (size_t i = 0; i < w->ngroups; i++)
		free(w->groups[i]);
	free(w->groups);
	free(w->checks);
	ledger_config_release(&w->lcfg);
	monitor_config_free(w->mcfg);
	profile_free(w->profile);
}

static enum sg_code load_one(const char *file, const struct catalog *cat, struct web_service *w,
                             struct sg_error *err)
{
	enum sg_code rc;
	char *dir;

	ledger_config_init(&w->lcfg);
	if ((rc = profile_load(file, cat, &w->profile, err)) ||
	    (rc = monitor_config_load(w->profile, cat, &w->mcfg, err)))
		return rc;
	w->name = w->profile->service.name;
	dir = xstrdup(file);
	rc = ledger_config_load(&w->lcfg, w->profile->doc, profile_section(w->profile, "ledger"),
	                        dirname(dir), err);
	free(dir);
	if (rc || (rc = read_slug(w, err)) || (rc = read_checks(w, err)))
		return rc;
	/* Without the public key there are no proofs (the pages say so), not an error. */
	{
		char *pub = xstrfmt("%s.pub", w->lcfg.key_path);
		struct sg_error e2;
		memset(&e2, 0, sizeof(e2));
		w->has_pub = ledger_key_load_public(pub, &w->pub, &e2) == SG_OK;
		free(pub);
	}
	return SG_OK;
}

enum sg_code web_site_load(char *const *files, size_t n, const struct catalog *cat,
                           struct web_site **out, struct sg_error *err)
{
	struct web_site *site = xcalloc(1, sizeof(*site));
	enum sg_code rc = SG_OK;

	site->svc = xcalloc(n + 1, sizeof(*site->svc));
	for (size_t i = 0; i < n && !rc; i++) {
		rc = load_one(files[i], cat, &site->svc[i], err);
		site->n = i + 1;
		for (size_t j = 0; j < i && !rc; j++)
			if (!strcmp(site->svc[j].slug, site->svc[i].slug)) {
				rc = sg_error_set(
				    err, SG_ERR_INPUT,
				    ETR(err, "%s と %s の URL 名（slug）がどちらも '%s' です",
				        "%s and %s both have the URL name (slug) '%s'"),
				    files[j], files[i], site->svc[i].slug);
				sg_error_hint(
				    err, "%s",
				    ETR(err,
				        "一方のプロファイルの service: に slug: を書いてください",
				        "give one of them a slug: under service:"));
			}
	}
	if (rc) {
		web_site_free(site);
		return rc;
	}
	*out = site;
	return SG_OK;
}

void web_site_free(struct web_site *site)
{
	if (!site)
		return;
	for (size_t i = 0; i < site->n; i++)
		service_release(&site->svc[i]);
	free(site->svc);
	free(site);
}

const struct web_service *web_site_find(const struct web_site *site, const char *slug)
{
	for (size_t i = 0; i < site->n; i++)
		if (!strcmp(site->svc[i].slug, slug))
			return &site->svc[i];
	return NULL;
}
