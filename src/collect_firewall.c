/*
 * collect_firewall - the firewall collector [III.3.1.4]: whether the host's
 * packet filter drops incoming traffic by default, and which sockets listen
 * on addresses other than loopback (so exposure is visible).
 *
 * The policy comes from nftables (`nft -j list ruleset`: a base chain on the
 * input hook with policy drop, in family inet, or in both ip and ip6) or,
 * without nft, from iptables (`iptables-save` and `ip6tables-save`:
 * ":INPUT DROP"). Saved outputs can be given instead of running the programs
 * (fixtures, or hosts where saasguard does not run as root). Listening
 * sockets come from /proc/net/{tcp,tcp6,udp,udp6}.
 *
 * Configuration: `firewall: {nft_json: FILE, iptables_save: FILE,
 * ip6tables_save: FILE, proc_net: /proc/net}`.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "collect.h"
#include "fileio.h"
#include "subproc.h"
#include "xalloc.h"
#include "banned.h"

struct fw_cfg {
	char *nft_json, *iptables_save, *ip6tables_save, *proc_net;
};

static enum sg_code fw_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                             struct sg_error *err)
{
	static const char *const keys[] = {"nft_json", "iptables_save", "ip6tables_save",
	                                   "proc_net", NULL};
	struct fw_cfg *c = xcalloc(1, sizeof(*c));
	enum sg_code rc;

	*out = c;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.firewall", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.firewall", err)) ||
	    (rc = collect_cfg_str(doc, n, "nft_json", "collectors.firewall.nft_json", &c->nft_json,
	                          err)) ||
	    (rc = collect_cfg_str(doc, n, "iptables_save", "collectors.firewall.iptables_save",
	                          &c->iptables_save, err)) ||
	    (rc = collect_cfg_str(doc, n, "ip6tables_save", "collectors.firewall.ip6tables_save",
	                          &c->ip6tables_save, err)) ||
	    (rc = collect_cfg_str(doc, n, "proc_net", "collectors.firewall.proc_net", &c->proc_net,
	                          err)))
		return rc;
	return SG_OK;
}

static void fw_free(void *p)
{
	struct fw_cfg *c = p;
	free(c->nft_json);
	free(c->iptables_save);
	free(c->ip6tables_save);
	free(c->proc_net);
	free(c);
}

/* Output of a file or a program; 0 ok, 1 not installed, -1 failed (why in d). */
static int obtain(const char *file, const char *const *argv, const struct collect_ctx *ctx,
                  struct dynbuf *out, struct dynbuf *why)
{
	struct sg_error e;
	struct subproc_opts o = {ctx->timeout_s, 8u << 20, NULL};
	struct subproc_result r;

	memset(&e, 0, sizeof(e));
	e.lang = ctx->lang;
	if (file) {
		if (fileio_read(file, 8u << 20, out, &e)) {
			dynbuf_addstr(why, e.msg);
			return -1;
		}
		return 0;
	}
	if (subproc_run(argv, &o, &r, &e)) {
		dynbuf_addstr(why, e.msg);
		subproc_result_release(&r);
		return e.code == SG_ERR_NOT_FOUND ? 1 : -1;
	}
	if (!r.exited || r.status) {
		dynbuf_printf(why, "%s: %s%.200s", argv[0], r.timed_out ? "timed out " : "",
		              dynbuf_ptr(&r.err));
		subproc_result_release(&r);
		return -1;
	}
	dynbuf_add(out, dynbuf_ptr(&r.out), dynbuf_len(&r.out));
	subproc_result_release(&r);
	return 0;
}

/* nft JSON: which families have an input base chain with policy drop. */
static int nft_policy(const char *text, int *v4, int *v6, struct dynbuf *ev)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je), *arr, *o;
	size_t i;

	if (!root)
		return -1;
	arr = json_object_get(root, "nftables");
	json_array_foreach(arr, i, o)
	{
		json_t *ch = json_object_get(o, "chain");
		const char *fam, *hook, *pol, *name;
		if (!ch)
			continue;
		fam = json_string_value(json_object_get(ch, "family"));
		hook = json_string_value(json_object_get(ch, "hook"));
		pol = json_string_value(json_object_get(ch, "policy"));
		name = json_string_value(json_object_get(ch, "name"));
		if (!fam || !hook || strcmp(hook, "input"))
			continue;
		dynbuf_printf(ev, "%snft %s %s input policy %s", ev->len ? "; " : "", fam,
		              name ? name : "?", pol ? pol : "accept");
		if (!pol || strcmp(pol, "drop"))
			continue;
		if (!strcmp(fam, "inet"))
			*v4 = *v6 = 1;
		else if (!strcmp(fam, "ip"))
			*v4 = 1;
		else if (!strcmp(fam, "ip6"))
			*v6 = 1;
	}
	json_decref(root);
	return 0;
}

/* iptables-save: ":INPUT DROP [0:0]" in *filter. */
static int ipt_policy(const char *text, const char *label, struct dynbuf *ev)
{
	int in_filter = 0, drop = 0;

	while (*text) {
		size_t n = strcspn(text, "\n");
		if (n >= 7 && !strncmp(text, "*filter", 7))
			in_filter = 1;
		else if (n && text[0] == '*')
			in_filter = 0;
		else if (in_filter && n > 7 && !strncmp(text, ":INPUT ", 7)) {
			drop = !strncmp(text + 7, "DROP", 4);
			dynbuf_printf(ev, "%s%s INPUT policy %.*s", ev->len ? "; " : "", label,
			              (int)strcspn(text + 7, " \n"), text + 7);
		}
		text += n;
		if (*text)
			text++;
	}
	return drop;
}

static void policy(struct fw_cfg *c, const struct collect_ctx *ctx, struct collect_results *out)
{
	static const char *const nft_argv[] = {"nft", "-j", "list", "ruleset", NULL};
	static const char *const ipt_argv[] = {"iptables-save", NULL};
	static const char *const ip6_argv[] = {"ip6tables-save", NULL};
	struct dynbuf text = DYNBUF_INIT, why = DYNBUF_INIT, ev = DYNBUF_INIT;
	int v4 = 0, v6 = 0, got = 0, r;
	const char *subject = "nftables";

	if (!c->nft_json && !c->iptables_save && geteuid() != 0) {
		collect_add(out, "firewall", "III.3.1.4", "input-policy", MEASUREMENT_UNAVAILABLE,
		            NULL, NAN, NULL, NULL,
		            ctx->lang ? "needs root to read the nftables/iptables ruleset"
		                      : "nftables/iptables のルールを読むには root 権限が必要です");
		return;
	}
	if (!c->iptables_save) {
		r = obtain(c->nft_json, nft_argv, ctx, &text, &why);
		if (r == 0 && nft_policy(dynbuf_ptr(&text), &v4, &v6, &ev) == 0)
			got = 1;
		else if (r == 0)
			dynbuf_addstr(&why, "nft: output is not JSON");
		if (got && !ev.len)
			dynbuf_addstr(&ev, "nft: no base chain on the input hook");
	}
	if (!got && !c->nft_json) {
		subject = "iptables";
		dynbuf_reset(&text);
		if (why.len)
			dynbuf_addstr(&why, "; ");
		if (obtain(c->iptables_save, ipt_argv, ctx, &text, &why) == 0) {
			got = 1;
			v4 = ipt_policy(dynbuf_ptr(&text), "iptables", &ev);
			dynbuf_reset(&text);
			if (c->iptables_save && !c->ip6tables_save)
				v6 = v4; /* only an IPv4 dump was given */
			else if (obtain(c->ip6tables_save, ip6_argv, ctx, &text, &why) == 0)
				v6 = ipt_policy(dynbuf_ptr(&text), "ip6tables", &ev);
		}
	}
	if (!got) {
		char *d = xstrfmt(ctx->lang ? "no packet filter could be read (nft, iptables): %s"
		                            : "パケットフィルタ（nft, iptables）を読めません: %s",
		                  dynbuf_ptr(&why));
		collect_add(out, "firewall", "III.3.1.4", "input-policy", MEASUREMENT_FINDING,
		            "false", 0, "bool", NULL, d);
		free(d);
	} else if (v4 && v6) {
		collect_add(out, "firewall", "III.3.1.4", subject, MEASUREMENT_OK, "true", 1,
		            "bool", dynbuf_ptr(&ev), NULL);
	} else {
		char *d = xstrfmt(ctx->lang ? "incoming traffic is not dropped by default (%s%s%s)"
		                            : "受信通信を既定で破棄していません（%s%s%s）",
		                  v4 ? "" : "IPv4", !v4 && !v6 ? ", " : "", v6 ? "" : "IPv6");
		collect_add(out, "firewall", "III.3.1.4", subject, MEASUREMENT_FINDING, "false", 0,
		            "bool", dynbuf_ptr(&ev), d);
		free(d);
	}
	dynbuf_release(&text);
	dynbuf_release(&why);
	dynbuf_release(&ev);
}

/* "0100007F:1F90" (IPv4) or 32 hex digits (IPv6): printable address, port,
 * and whether it is loopback. */
static int parse_addr(const char *s, int v6, char *buf, size_t bsz, int *loopback)
{
	unsigned char a[16];
	unsigned port;
	size_t hexlen = v6 ? 32 : 8;
	char addr[INET6_ADDRSTRLEN];

	if (strlen(s) < hexlen + 2 || s[hexlen] != ':')
		return -1;
	for (size_t w = 0; w < hexlen / 8; w++) {
		unsigned int word;
		if (sscanf(s + w * 8, "%8x", &word) != 1)
			return -1;
		/* each 32-bit word is in host (little-endian) order */
		memcpy(a + w * 4, &word, 4);
	}
	if (sscanf(s + hexlen + 1, "%x", &port) != 1)
		return -1;
	if (!v6) {
		*loopback = a[0] == 127;
		inet_ntop(AF_INET, a, addr, sizeof(addr));
		snprintf(buf, bsz, "%s:%u", addr, port);
	} else {
		static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0,
		                                     0, 0, 0, 0, 0, 0, 0, 1};
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		*loopback = !memcmp(a, lo, 16) || (!memcmp(a, mapped, 12) && a[12] == 127);
		inet_ntop(AF_INET6, a, addr, sizeof(addr));
		snprintf(buf, bsz, "[%s]:%u", addr, port);
	}
	return 0;
}

static void listening(struct fw_cfg *c, const struct collect_ctx *ctx, struct collect_results *out)
{
	static const struct {
		const char *file, *proto;
		int v6;
		const char *state;
	} files[] = {
	    {"tcp", "tcp", 0, "0A"},
	    {"tcp6", "tcp6", 1, "0A"},
	    {"udp", "udp", 0, "07"},
	    {"udp6", "udp6", 1, "07"},
	};
	char *dir = c->proc_net ? xstrdup(c->proc_net) : collect_path(ctx, "/proc/net");
	struct dynbuf ev = DYNBUF_INIT, text = DYNBUF_INIT;
	int exposed = 0, read_any = 0;
	char num[16];

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *path = xstrfmt("%s/%s", dir, files[f].file);
		const char *line;
		dynbuf_reset(&text);
		if (fileio_read(path, 16u << 20, &text, NULL)) {
			free(path);
			continue;
		}
		free(path);
		read_any = 1;
		line = dynbuf_ptr(&text);
		line += strcspn(line, "\n"); /* header */
		while (*line) {
			char one[256], local[80], rem[80], st[8], shown[80];
			size_t n;
			int lo;
			line++;
			/* sscanf on a copy of the line: on the whole buffer it would
			 * measure the rest of the file for every line */
			n = strcspn(line, "\n");
			snprintf(one, sizeof(one), "%.*s", (int)(n < 255 ? n : 255), line);
			if (sscanf(one, "%*s %79s %79s %7s", local, rem, st) == 3 &&
			    !strcmp(st, files[f].state) &&
			    !parse_addr(local, files[f].v6, shown, sizeof(shown), &lo) && !lo) {
				exposed++;
				if (ev.len < 1500)
					dynbuf_printf(&ev, "%s%s %s", ev.len ? ", " : "",
					              files[f].proto, shown);
			}
			line += strcspn(line, "\n");
		}
	}
	if (!read_any) {
		collect_add(out, "firewall", "III.3.1.4", dir, MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL,
		            ctx->lang ? "cannot read /proc/net/tcp" : "/proc/net/tcp を読めません");
	} else {
		snprintf(num, sizeof(num), "%d", exposed);
		collect_add(out, "firewall", "III.3.1.4", "listening", MEASUREMENT_OK, num, exposed,
		            "count", exposed ? dynbuf_ptr(&ev) : "no non-loopback listeners", NULL);
	}
	dynbuf_release(&ev);
	dynbuf_release(&text);
	free(dir);
}

static enum sg_code fw_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                           struct sg_error *err)
{
	(void)err;
	policy(p, ctx, out);
	listening(p, ctx, out);
	return SG_OK;
}

const struct collector collector_firewall = {
    "firewall", "III.3.1.4", fw_parse, fw_run, fw_free,
};
