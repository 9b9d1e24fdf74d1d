/*
 * collect_passwords - the password hash collector [III.3.1.3, best practice
 * ii]: which hash schemes the accounts in /etc/shadow use. yescrypt,
 * gost-yescrypt, scrypt, bcrypt, SHA-512 and SHA-256 crypt are acceptable;
 * MD5, DES, bsdi and unknown (possibly plain) entries and empty passwords are
 * findings. Locked accounts ("!", "*") are counted, not judged. A hash is
 * never copied anywhere: only the scheme and the account name of a finding.
 * Without permission to read the file the result is unavailable (needs
 * root).
 *
 * Configuration: `passwords: {shadow: /etc/shadow}`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "fileio.h"
#include "xalloc.h"
#include "banned.h"

struct pw_cfg {
	char *shadow;
};

static enum sg_code pw_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                             struct sg_error *err)
{
	static const char *const keys[] = {"shadow", NULL};
	struct pw_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.passwords", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.passwords", err)) ||
	    (rc =
	         collect_cfg_str(doc, n, "shadow", "collectors.passwords.shadow", &c->shadow, err)))
		return rc;
	return SG_OK;
}

static void pw_free(void *p)
{
	struct pw_cfg *c = p;
	free(c->shadow);
	free(c);
}

enum scheme {
	S_LOCKED,
	S_EMPTY,
	S_YESCRYPT,
	S_GOST_YESCRYPT,
	S_SCRYPT,
	S_BCRYPT,
	S_SHA512,
	S_SHA256,
	S_MD5,
	S_SHA1,
	S_BSDI,
	S_DES,
	S_UNKNOWN,
	S_COUNT
};

static const struct {
	const char *name;
	int weak;
} schemes[S_COUNT] = {
    {"locked", 0}, {"empty", 1},  {"yescrypt", 0}, {"gost-yescrypt", 0}, {"scrypt", 0},
    {"bcrypt", 0}, {"sha512", 0}, {"sha256", 0},   {"md5", 1},           {"sha1", 1},
    {"bsdi", 1},   {"des", 1},    {"unknown", 1},
};

static int is_b64(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '/';
}

static enum scheme classify(const char *h, size_t n)
{
	if (n == 0)
		return S_EMPTY;
	if (h[0] == '!' || h[0] == '*')
		return S_LOCKED;
	if (n > 3 && !strncmp(h, "$y$", 3))
		return S_YESCRYPT;
	if (n > 4 && !strncmp(h, "$gy$", 4))
		return S_GOST_YESCRYPT;
	if (n > 3 && !strncmp(h, "$7$", 3))
		return S_SCRYPT;
	if (n > 4 && (!strncmp(h, "$2b$", 4) || !strncmp(h, "$2a$", 4) || !strncmp(h, "$2y$", 4)))
		return S_BCRYPT;
	if (n > 3 && !strncmp(h, "$6$", 3))
		return S_SHA512;
	if (n > 3 && !strncmp(h, "$5$", 3))
		return S_SHA256;
	if ((n > 3 && !strncmp(h, "$1$", 3)) || (n > 5 && !strncmp(h, "$md5", 4)))
		return S_MD5;
	if (n > 6 && !strncmp(h, "$sha1$", 6))
		return S_SHA1;
	if (n == 20 && h[0] == '_')
		return S_BSDI;
	if (n == 13) {
		int ok = 1;
		for (size_t i = 0; i < n; i++)
			ok &= is_b64(h[i]);
		if (ok)
			return S_DES;
	}
	return S_UNKNOWN;
}

static enum sg_code pw_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                           struct sg_error *err)
{
	struct pw_cfg *c = p;
	char *path = c->shadow ? xstrdup(c->shadow) : collect_path(ctx, "/etc/shadow");
	struct dynbuf text = DYNBUF_INIT, ev = DYNBUF_INIT, bad = DYNBUF_INIT;
	struct sg_error e2;
	int counts[S_COUNT] = {0}, weak = 0, accounts = 0;
	const char *line;

	(void)err;
	memset(&e2, 0, sizeof(e2));
	e2.lang = ctx->lang;
	/* O_NONBLOCK: a FIFO configured as the shadow file must not hang check
	 * (fileio_read then refuses it as not a regular file). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), open_errno = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || fileio_read(path, 64u << 20, &text, &e2)) {
		int denied = fd < 0 && (open_errno == EACCES || open_errno == EPERM);
		if (fd < 0 && !denied)
			snprintf(e2.msg, sizeof(e2.msg), "%s: %s", path, strerror(open_errno));
		collect_add(
		    out, "passwords", "III.3.1.3", path,
		    denied ? MEASUREMENT_UNAVAILABLE : MEASUREMENT_ERROR, NULL, NAN, NULL, NULL,
		    denied ? (ctx->lang ? "needs root: cannot read the shadow file; run "
		                          "saasguard check as root for this collector"
		                        : "root 権限が必要です: shadow ファイルを読めません。"
		                          "この収集器は root で実行してください")
		           : e2.msg);
		goto done;
	}
	line = dynbuf_ptr(&text);
	while (*line) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len), *c2;
		if (c1 && (c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)))) {
			enum scheme s = classify(c1 + 1, (size_t)(c2 - c1 - 1));
			counts[s]++;
			accounts++;
			if (schemes[s].weak) {
				weak++;
				if (bad.len < 400)
					dynbuf_printf(&bad, "%s%.*s (%s)", bad.len ? ", " : "",
					              (int)(c1 - line), line, schemes[s].name);
			}
		}
		line += len;
		if (*line)
			line++;
	}
	dynbuf_printf(&ev, "%s: %d accounts;", path, accounts);
	for (int i = 0; i < S_COUNT; i++)
		if (counts[i])
			dynbuf_printf(&ev, " %s %d", schemes[i].name, counts[i]);
	if (weak) {
		char *d = xstrfmt(ctx->lang ? "weak or no password hash: %s"
		                            : "弱いハッシュ方式またはパスワードなし: %s",
		                  dynbuf_ptr(&bad));
		collect_add(out, "passwords", "III.3.1.3", path, MEASUREMENT_FINDING, "false", weak,
		            "count", dynbuf_ptr(&ev), d);
		free(d);
	} else {
		collect_add(out, "passwords", "III.3.1.3", path, MEASUREMENT_OK, "true", 0, "count",
		            dynbuf_ptr(&ev), NULL);
	}
done:
	dynbuf_release(&text);
	dynbuf_release(&ev);
	dynbuf_release(&bad);
	free(path);
	return SG_OK;
}

const struct collector collector_passwords = {
    "passwords", "III.3.1.3 (best practice ii)", pw_parse, pw_run, pw_free,
};
