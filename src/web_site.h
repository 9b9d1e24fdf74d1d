/*
 * web_site - the services one `saasguard serve` process shows: each given
 * profile loaded with its monitor and ledger configuration, its URL slug
 * (`service.slug:`, else derived from the name, else from the file name
 * when the name has no ASCII letters or digits) and, per check, whether the
 * public status page may show it (`public: false` hides it, name and all)
 * and the group it is shown under (`group:`, default its name). A reload
 * builds a new site and swaps it in whole, so a bad file keeps the old one.
 *
 * Ownership: web_site_load() returns a site freed with web_site_free();
 * it owns every profile, configuration and string inside.
 */
#ifndef SG_WEB_SITE_H
#define SG_WEB_SITE_H

#include <stddef.h>

#include "catalog.h"
#include "error.h"
#include "ledger.h"
#include "ledger_key.h"
#include "monitor_config.h"
#include "profile.h"
#include "web_http.h"

struct web_check {
	const struct check_def *def; /* in mcfg */
	int is_public;
	const char *group; /* the check's group (its name when none given) */
};

struct web_service {
	char slug[WEB_MAX_SLUG + 1];
	const char *name; /* the service's name as the profile gives it */
	struct profile *profile;
	struct monitor_config *mcfg;
	struct ledger_config lcfg;
	struct ledger_key pub; /* the ledger's public key (KEY.pub) that proofs are checked with */
	int has_pub;
	struct web_check *checks; /* mcfg->nchecks of them */
	char **groups;            /* distinct groups of public checks, in file order */
	size_t ngroups;
};

struct web_site {
	struct web_service *svc;
	size_t n;
};

/* Loads every file; the first bad one fails the whole load (file:line:col in
 * err). Two services with one slug are refused. */
enum sg_code web_site_load(char *const *files, size_t n, const struct catalog *cat,
                           struct web_site **out, struct sg_error *err);
void web_site_free(struct web_site *site);
const struct web_service *web_site_find(const struct web_site *site, const char *slug);

#endif
