/*
 * collect_ids - the IDS collector [III.3.1.5.a]: how old the intrusion
 * detection signature set is, from the newest modification time among the
 * configured rule files (Suricata's /var/lib/suricata/rules/suricata.rules,
 * as suricata-update writes it, or the *.rules files in /etc/suricata/rules). No rules
 * anywhere: unavailable (not installed), since an IDS is recommended, not
 * basic.
 *
 * Configuration: `ids: {paths: [/var/lib/suricata/rules/suricata.rules]}`.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

struct ids_cfg {
	char **paths;
	size_t npaths;
};

static enum sg_code ids_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                              struct sg_error *err)
{
	static const char *const keys[] = {"paths", NULL};
	struct ids_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.ids", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.ids", err)) ||
	    (rc = collect_cfg_strlist(doc, ydoc_get(n, "paths"), "collectors.ids.paths", &c->paths,
	                              &c->npaths, err)))
		return rc;
	return SG_OK;
}

static void ids_free(void *p)
{
	struct ids_cfg *c = p;
	collect_strlist_free(c->paths, c->npaths);
	free(c);
}

/* A file, or every *.rules in a directory: newest mtime and file count. */
static void scan(const char *path, double *newest, int *files, const char **newest_path,
                 char **keep)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st))
		return;
	if (S_ISREG(st.st_mode)) {
		(*files)++;
		if ((double)st.st_mtime > *newest) {
			*newest = (double)st.st_mtime;
			free(*keep);
			*keep = xstrdup(path);
			*newest_path = *keep;
		}
		return;
	}
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 6 && !strcmp(de->d_name + l - 6, ".rules")) {
			char *f = xstrfmt("%s/%s", path, de->d_name);
			struct stat fs;
			if (!stat(f, &fs) && S_ISREG(fs.st_mode))
				scan(f, newest, files, newest_path, keep);
			free(f);
		}
	}
	closedir(d);
}

static enum sg_code ids_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                            struct sg_error *err)
{
	struct ids_cfg *c = p;
	static const char *const defaults[] = {"/var/lib/suricata/rules/suricata.rules",
	                                       "/etc/suricata/rules", NULL};
	double newest = -1;
	int files = 0;
	const char *newest_path = NULL;
	char *keep = NULL;
	struct dynbuf subj = DYNBUF_INIT;

	(void)err;
	if (c->npaths) {
		for (size_t i = 0; i < c->npaths; i++) {
			scan(c->paths[i], &newest, &files, &newest_path, &keep);
			dynbuf_printf(&subj, "%s%s", i ? "," : "", c->paths[i]);
		}
	} else {
		for (size_t i = 0; defaults[i] && newest < 0; i++) {
			char *path = collect_path(ctx, defaults[i]);
			scan(path, &newest, &files, &newest_path, &keep);
			if (newest >= 0 || !defaults[i + 1])
				dynbuf_addstr(&subj, path);
			free(path);
		}
	}
	if (newest < 0) {
		collect_add(out, "ids", "III.3.1.5.a", dynbuf_ptr(&subj), MEASUREMENT_UNAVAILABLE,
		            NULL, NAN, NULL, NULL,
		            ctx->lang
		                ? "not installed: no IDS signature files (Suricata rules) found"
		                : "未導入: IDS のシグネチャファイル（Suricata のルール）が"
		                  "見つかりません");
	} else {
		char when[32], *age = collect_duration_text(ctx->now - newest, 1), *ev;
		timeutil_utc((long long)newest, when);
		ev = xstrfmt("%d rule file(s); newest %s modified %s", files, newest_path, when);
		collect_add(out, "ids", "III.3.1.5.a", dynbuf_ptr(&subj), MEASUREMENT_OK, age,
		            ctx->now - newest, "s", ev, NULL);
		free(ev);
		free(age);
	}
	free(keep);
	dynbuf_release(&subj);
	return SG_OK;
}

const struct collector collector_ids = {
    "ids", "III.3.1.5.a", ids_parse, ids_run, ids_free,
};
