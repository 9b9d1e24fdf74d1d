/*
 * ledger_export - an auditor's copy of part of the ledger that checks with
 * openssl and sha256sum alone; see ledger_verify.h (ledger_export()) and the
 * template data/ledger/VERIFY.md.in.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "dynbuf.h"
#include "fileio.h"
#include "ledger.h"
#include "ledger_verify.h"
#include "merkle.h"
#include "store_ledger.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

extern const char ledger_verify_md[];
extern const char ledger_verify_tsa_md[];
extern const char ledger_verify_notsa_md[];

struct exporter {
	const unsigned char (*leaves)[LEDGER_HASH_LEN];
	long long first, end;
	long long split; /* no node spans it: the start head's size (0: none) */
	struct merkle_hasher *h;
	struct dynbuf nodes;
};

/* Mirrors mth() in VERIFY.md: a subtree outside [first, end) is written to
 * nodes.txt whole; one inside is split down to its leaves. A subtree that
 * spans the start head's size is split too, so mth(0, that size) can be
 * computed from the same nodes (RFC 6962 subtrees are aligned: every piece
 * that MTH of the shorter tree needs is one of them or made of them). */
static void walk(struct exporter *x, long long lo, long long hi)
{
	long long k = 1;

	if ((hi <= x->first || lo >= x->end) && !(lo < x->split && x->split < hi)) {
		unsigned char hash[LEDGER_HASH_LEN];
		char hex[2 * LEDGER_HASH_LEN + 1];
		merkle_subtree(x->h, x->leaves, (uint64_t)lo, (uint64_t)hi, hash);
		merkle_hex(hash, hex);
		dynbuf_printf(&x->nodes, "%lld %lld %s\n", lo, hi, hex);
		return;
	}
	if (hi - lo == 1)
		return;
	while (k * 2 < hi - lo)
		k *= 2;
	walk(x, lo, lo + k);
	walk(x, lo + k, hi);
}

/* The export directory is named by whoever runs the export, like --output:
 * a new path (created 0777 less the umask) or an empty directory, never a
 * symlink, a FIFO or a device in its place. */
static enum sg_code dir_empty_or_new(const char *dir, struct sg_error *err)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int used = 0;

	if (lstat(dir, &st)) {
		if (errno == ENOENT)
			return fileio_mkdirs(dir, 0777, err);
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: 開けません: %s", "%s: cannot open: %s"), dir,
		                    strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err,
		        "%s: ディレクトリではないため書き出しません（シンボリックリンク・FIFO・"
		        "デバイス・ファイル）",
		        "%s: not a directory; refusing to export there (symlink, FIFO, device "
		        "or file)"),
		    dir);
		sg_error_hint(
		    err, "%s",
		    ETR(err, "新しいディレクトリを指定してください", "give a new directory"));
		return SG_ERR_INPUT;
	}
	if (!(d = opendir(dir)))
		return sg_error_set(err, SG_ERR_IO,
		                    ETR(err, "%s: 開けません: %s", "%s: cannot open: %s"), dir,
		                    strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			used = 1;
	closedir(d);
	if (used) {
		sg_error_set(err, SG_ERR_EXISTS,
		             ETR(err, "%s: ディレクトリが空ではありません。上書きしません",
		                 "%s: the directory is not empty; not overwriting it"),
		             dir);
		sg_error_hint(
		    err, "%s",
		    ETR(err, "新しいディレクトリを指定してください", "give a new directory"));
		return SG_ERR_EXISTS;
	}
	return SG_OK;
}

static enum sg_code put(const char *dir, const char *name, const void *data, size_t len,
                        struct dynbuf *sums, struct sg_error *err)
{
	char *path = xstrfmt("%s/%s", dir, name), hex[2 * LEDGER_HASH_LEN + 1];
	unsigned char h[LEDGER_HASH_LEN];
	enum sg_code rc = fileio_write_atomic(path, data, len, 0666, 0, err);

	free(path);
	if (rc)
		return rc;
	EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL);
	merkle_hex(h, hex);
	dynbuf_printf(sums, "%s  %s\n", hex, name);
	return SG_OK;
}

static void replace(struct dynbuf *out, const char *tmpl, const char *const *pairs)
{
	const char *p = tmpl;

	while (*p) {
		const char *at = strchr(p, '@');
		int done = 0;
		if (!at) {
			dynbuf_addstr(out, p);
			return;
		}
		dynbuf_add(out, p, (size_t)(at - p));
		for (size_t i = 0; pairs[i]; i += 2) {
			size_t n = strlen(pairs[i]);
			if (!strncmp(at, pairs[i], n)) {
				dynbuf_addstr(out, pairs[i + 1]);
				p = at + n;
				done = 1;
				break;
			}
		}
		if (!done) {
			dynbuf_addch(out, '@');
			p = at + 1;
		}
	}
}

/* The head to export against: the newest one pub signed (nothing is read
 * by a size an unsigned head claims), and the TSA's CA when it has a token. */
static enum sg_code export_head(struct store *s, const struct ledger_key *pub,
                                const char *tsa_ca_file, struct store_ledger_head *head,
                                struct dynbuf *ca, struct sg_error *err)
{
	enum sg_code rc = ledger_verify_latest_head(s, pub, 1, head, err);

	if (rc)
		return rc;
	if (head->token && !tsa_ca_file) {
		rc = sg_error_set(
		    err, SG_ERR_USAGE,
		    ETR(err,
		        "ツリーヘッドにタイムスタンプがあります。検証に使うタイムスタンプ局の "
		        "CA 証明書を指定してください",
		        "the tree head is timestamped; give the TSA's CA certificate so "
		        "the export can be checked"));
		sg_error_hint(err, "--tsa-ca FILE");
		return rc;
	}
	return head->token ? fileio_read(tsa_ca_file, 0, ca, err) : SG_OK;
}

/* The start head: the newest head pub signed whose entries all come before
 * the period (size <= first, > 0); out->head == NULL when there is none. */
static enum sg_code export_start_head(struct store *s, const struct ledger_key *pub,
                                      long long first, const struct store_ledger_head *end,
                                      struct store_ledger_head *out, struct sg_error *err)
{
	struct store_ledger_head *heads;
	struct ledger_head_info info;
	size_t n;
	enum sg_code rc = store_ledger_heads(s, &heads, &n, err);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	for (size_t i = n; i-- > 0;) {
		if (ledger_head_parse(heads[i].head, &info) || info.size > first || info.size < 1 ||
		    info.size > end->tree_size || strcmp(info.key_id, pub->id) ||
		    heads[i].signature_len != LEDGER_SIG_LEN ||
		    !ledger_key_verify(pub, heads[i].head, strlen(heads[i].head),
		                       heads[i].signature))
			continue;
		*out = heads[i];
		out->tree_size = info.size;
		memcpy(out->root, info.root, LEDGER_HASH_LEN);
		heads[i].head = NULL;
		heads[i].token = NULL;
		break;
	}
	store_ledger_heads_free(heads, n);
	return SG_OK;
}

/* Reads the leaves the head covers (checked against its root) and the texts
 * of entries [x->first, x->end) into lines. */
static enum sg_code export_read(struct store *s, const struct store_ledger_head *head,
                                struct exporter *x, unsigned char (**leaves)[LEDGER_HASH_LEN],
                                struct dynbuf *lines, struct sg_error *err)
{
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	unsigned char h[LEDGER_HASH_LEN];
	size_t n = 0, alloc = 0;
	int r;
	enum sg_code rc =
	    store_ledger_cursor_open(s, 0, head->tree_size, LLONG_MIN, LLONG_MAX, NULL, &c, err);

	if (rc)
		return rc;
	while ((r = store_ledger_cursor_next(c, &row, err)) == 1) {
		if (row.seq != (long long)n || row.leaf_hash_len != LEDGER_HASH_LEN)
			break;
		if (row.seq >= x->first && row.seq < x->end) {
			if (memchr(row.entry, '\n', row.entry_len))
				break;
			merkle_leaf(x->h, row.entry, row.entry_len, h);
			if (memcmp(h, row.leaf_hash, LEDGER_HASH_LEN))
				break;
			dynbuf_add(lines, row.entry, row.entry_len);
			dynbuf_addch(lines, '\n');
		}
		ALLOC_GROW(*leaves, n + 1, alloc);
		memcpy((*leaves)[n++], row.leaf_hash, LEDGER_HASH_LEN);
	}
	store_ledger_cursor_close(c);
	if (r < 0)
		return SG_ERR_DB;
	if ((long long)n == head->tree_size)
		merkle_subtree(x->h, (const unsigned char(*)[LEDGER_HASH_LEN]) * leaves, 0, n, h);
	if ((long long)n != head->tree_size || memcmp(h, head->root, LEDGER_HASH_LEN)) {
		sg_error_set(
		    err, SG_ERR_VERIFY,
		    ETR(err, "台帳が最新のツリーヘッド (#%lld) と一致しません (エントリ %zu)",
		        "the ledger does not match its latest tree head (#%lld) (entry %zu)"),
		    head->number, n);
		sg_error_hint(err, "saasguard ledger verify");
		return SG_ERR_VERIFY;
	}
	return SG_OK;
}

static void ms_text(long long ms, char out[48])
{
	char iso[32];

	if (ms == LLONG_MIN || ms == LLONG_MAX) {
		snprintf(out, 48, "-");
		return;
	}
	timeutil_utc(ms / 1000, iso);
	snprintf(out, 48, "%s", iso);
}

/* VERIFY.md from its template. */
static void export_verify_md(struct dynbuf *md, const struct store_ledger_head *head,
                             long long first, long long end, long long from_ms, long long to_ms)
{
	char sfirst[24], slast[24], ssize[24], scount[24], when[32], sfrom[48], sto[48];

	snprintf(sfirst, sizeof(sfirst), "%lld", first);
	snprintf(slast, sizeof(slast), "%lld", end - 1);
	snprintf(ssize, sizeof(ssize), "%lld", head->tree_size);
	snprintf(scount, sizeof(scount), "%lld", end - first);
	timeutil_utc(head->at_ms / 1000, when);
	ms_text(from_ms, sfrom);
	ms_text(to_ms, sto);
	{
		const char *pairs[] = {
		    "@FIRST@",
		    sfirst,
		    "@LAST@",
		    slast,
		    "@SIZE@",
		    ssize,
		    "@COUNT@",
		    scount,
		    "@HEADTIME@",
		    when,
		    "@FROM@",
		    sfrom,
		    "@TO@",
		    sto,
		    "@KEYID@",
		    head->key_id,
		    "@FILES@",
		    head->token ? "| `head.tst`, `tsa-ca.pem` | RFC 3161 "
		                  "タイムスタンプトークンと時刻認証局の "
		                  "CA 証明書 / the RFC 3161 time-stamp token and the TSA's CA "
		                  "certificate |\n"
		                : "",
		    "@TIMESTAMP@",
		    head->token ? ledger_verify_tsa_md : ledger_verify_notsa_md,
		    NULL,
		};
		replace(md, ledger_verify_md, pairs);
	}
}

enum sg_code ledger_export(struct store *s, const struct ledger_key *pub, const char *tsa_ca_file,
                           long long from_ms, long long to_ms, const char *dir,
                           struct ledger_export_result *res, struct sg_error *err)
{
	struct store_ledger_head head, start;
	struct exporter x;
	struct dynbuf entries = DYNBUF_INIT, sums = DYNBUF_INIT, md = DYNBUF_INIT, ca = DYNBUF_INIT,
	              period = DYNBUF_INIT;
	unsigned char(*leaves)[LEDGER_HASH_LEN] = NULL;
	char *pem = NULL, *path = NULL;
	long long first, end;
	enum sg_code rc;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	memset(&head, 0, sizeof(head));
	memset(&start, 0, sizeof(start));
	dynbuf_init(&x.nodes, DYNBUF_DEFAULT_MAX);
	if ((rc = export_head(s, pub, tsa_ca_file, &head, &ca, err)) ||
	    (rc = store_ledger_seq_range(s, from_ms, to_ms, &first, &end, err)))
		goto out;
	if (end > head.tree_size)
		end = head.tree_size;
	if (first >= end) {
		rc = sg_error_set(
		    err, SG_ERR_NOT_FOUND,
		    ETR(err,
		        "その期間に封印済みのエントリがありません (最新のツリーヘッドは "
		        "%lld 件を含みます)",
		        "no sealed entries in that period (the latest tree head covers "
		        "%lld entries)"),
		    head.tree_size);
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "新しいエントリは saasguard ledger seal で封印してから書き出してください",
		        "seal new entries first: saasguard ledger seal"));
		goto out;
	}
	/* The entries just outside the period go along: their times show
	 * that nothing at either end of the period was left out. */
	x.first = first > 0 ? first - 1 : 0;
	x.end = end < head.tree_size ? end + 1 : end;
	x.h = merkle_hasher_new();
	if ((rc = export_start_head(s, pub, first, &head, &start, err)) ||
	    (rc = export_read(s, &head, &x, &leaves, &entries, err)))
		goto out;
	x.split = start.head ? start.tree_size : 0;
	x.leaves = (const unsigned char(*)[LEDGER_HASH_LEN])leaves;
	walk(&x, 0, head.tree_size);
	dynbuf_printf(&period, "from %lld\nto %lld\n", from_ms == LLONG_MIN ? 0 : from_ms, to_ms);
	if ((rc = dir_empty_or_new(dir, err)))
		goto out;
	pem = ledger_key_public_pem(pub);
	if ((rc = put(dir, "entries.jsonl", entries.buf, entries.len, &sums, err)) ||
	    (rc = put(dir, "nodes.txt", x.nodes.buf, x.nodes.len, &sums, err)) ||
	    (rc = put(dir, "period.txt", period.buf, period.len, &sums, err)) ||
	    (rc = put(dir, "head.txt", head.head, strlen(head.head), &sums, err)) ||
	    (rc = put(dir, "head.sig", head.signature, LEDGER_SIG_LEN, &sums, err)) ||
	    (rc = put(dir, "ledger.pub", pem, strlen(pem), &sums, err)))
		goto out;
	if (start.head &&
	    ((rc = put(dir, "start-head.txt", start.head, strlen(start.head), &sums, err)) ||
	     (rc = put(dir, "start-head.sig", start.signature, LEDGER_SIG_LEN, &sums, err))))
		goto out;
	if (head.token && ((rc = put(dir, "head.tst", head.token, head.token_len, &sums, err)) ||
	                   (rc = put(dir, "tsa-ca.pem", ca.buf, ca.len, &sums, err))))
		goto out;
	export_verify_md(&md, &head, first, end, from_ms, to_ms);
	if ((rc = put(dir, "VERIFY.md", md.buf, md.len, &sums, err)))
		goto out;
	path = xstrfmt("%s/SHA256SUMS", dir);
	if ((rc = fileio_write_atomic(path, sums.buf, sums.len, 0666, 0, err)))
		goto out;
	res->first_seq = first;
	res->end_seq = end;
	res->tree_size = head.tree_size;
	res->timestamped = head.token != NULL;
out:
	merkle_hasher_free(x.h);
	dynbuf_release(&x.nodes);
	dynbuf_release(&entries);
	dynbuf_release(&sums);
	dynbuf_release(&md);
	dynbuf_release(&ca);
	dynbuf_release(&period);
	free(leaves);
	free(pem);
	free(path);
	free(head.head);
	free(head.token);
	free(start.head);
	free(start.token);
	return rc;
}
