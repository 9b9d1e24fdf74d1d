/*
 * ledger_signer - the signer, its record of signed heads, checkpoints and
 * sealing; see ledger_signer.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "dynbuf.h"
#include "fileio.h"
#include "ledger.h"
#include "ledger_signer.h"
#include "ledger_tsa.h"
#include "merkle.h"
#include "store_ledger.h"
#include "timeutil.h"
#include "xalloc.h"
#include "ydoc.h"
#include "banned.h"

/* A checkpoint is far smaller; a record is read from its last bytes. */
#define TAIL_BYTES 65536

struct ledger_signer {
	struct ledger_key key;
	int fd; /* the record, O_APPEND */
	char *record_path;
	pthread_mutex_t mu; /* flock() does not exclude threads sharing fd */
};

/* ---- checkpoints ---- */

void ledger_checkpoint_release(struct ledger_checkpoint *cp)
{
	free(cp->head);
	memset(cp, 0, sizeof(*cp));
}

static int checkpoint_from_json(json_t *j, struct ledger_checkpoint *cp)
{
	const char *head = json_string_value(json_object_get(j, "head"));
	const char *sig = json_string_value(json_object_get(j, "signature"));
	size_t n = 0;

	memset(cp, 0, sizeof(*cp));
	if (!head || !sig ||
	    sodium_base642bin(cp->signature, sizeof(cp->signature), sig, strlen(sig), NULL, &n,
	                      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    n != LEDGER_SIG_LEN || ledger_head_parse(head, &cp->info))
		return -1;
	cp->head = xstrdup(head);
	return 0;
}

/* `ledger head` as text: the head, then "signature BASE64". */
static int checkpoint_from_head_text(const char *text, size_t len, struct ledger_checkpoint *cp)
{
	const char *sig = memmem(text, len, "\nsignature ", 11);
	char *head;
	size_t n = 0, sl;
	int r;

	if (!sig)
		return -1;
	sig += 11;
	sl = (size_t)(text + len - sig);
	while (sl && (sig[sl - 1] == '\n' || sig[sl - 1] == '\r'))
		sl--;
	head = xstrndup(text, (size_t)(sig - 10 - text));
	r = sodium_base642bin(cp->signature, sizeof(cp->signature), sig, sl, NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) ||
	            n != LEDGER_SIG_LEN || ledger_head_parse(head, &cp->info)
	        ? -1
	        : 0;
	if (r)
		free(head);
	else
		cp->head = head;
	return r;
}

/* The checkpoint in text: `ledger head`'s text form, the whole text as one
 * JSON value, else its last line that is one. */
static int checkpoint_from_text(const char *text, size_t len, struct ledger_checkpoint *cp)
{
	json_t *j;
	size_t end = len;

	if (len > 22 && !memcmp(text, "saasguard-ledger-head ", 22))
		return checkpoint_from_head_text(text, len, cp);
	j = json_loadb(text, len, 0, NULL);

	if (j) {
		int r = checkpoint_from_json(j, cp);
		json_decref(j);
		return r;
	}
	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && text[start - 1] != '\n')
			start--;
		if (end - start > 1) {
			j = json_loadb(text + start, end - start, 0, NULL);
			if (j) {
				int r = checkpoint_from_json(j, cp);
				json_decref(j);
				if (!r)
					return 0;
			}
		}
		end = start;
	}
	return -1;
}

/* The last TAIL_BYTES of an open file. */
static int read_tail(int fd, struct dynbuf *out)
{
	struct stat st;
	off_t off;
	char buf[8192];
	ssize_t n;

	if (fstat(fd, &st))
		return -1;
	off = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		dynbuf_add(out, buf, (size_t)n);
		off += n;
	}
	return n < 0 || dynbuf_status(out) ? -1 : 0;
}

/* An export directory: head.txt and its raw signature head.sig. */
static enum sg_code checkpoint_from_export(const char *dir, struct ledger_checkpoint *cp,
                                           struct sg_error *err)
{
	struct dynbuf head = DYNBUF_INIT, sig = DYNBUF_INIT;
	char *hp = xstrfmt("%s/head.txt", dir), *sp = xstrfmt("%s/head.sig", dir);
	enum sg_code rc;

	if (!(rc = fileio_read(hp, 4096, &head, err)) && !(rc = fileio_read(sp, 4096, &sig, err))) {
		if (sig.len != LEDGER_SIG_LEN || ledger_head_parse(dynbuf_ptr(&head), &cp->info)) {
			rc = sg_error_set(err, SG_ERR_INPUT,
			                  ETR(err, "%s: 書き出しのツリーヘッドが読めません",
			                      "%s: the export's tree head cannot be read"),
			                  dir);
		} else {
			cp->head = xstrdup(dynbuf_ptr(&head));
			memcpy(cp->signature, sig.buf, LEDGER_SIG_LEN);
		}
	}
	dynbuf_release(&head);
	dynbuf_release(&sig);
	free(hp);
	free(sp);
	return rc;
}

enum sg_code ledger_checkpoint_read(const char *path, struct ledger_checkpoint *cp,
                                    struct sg_error *err)
{
	struct dynbuf text = DYNBUF_INIT;
	struct stat st;
	int fd, r;

	memset(cp, 0, sizeof(*cp));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return checkpoint_from_export(path, cp, err);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return sg_error_set(err, errno == ENOENT ? SG_ERR_NOT_FOUND : SG_ERR_IO, "%s: %s",
		                    path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "%s: 通常のファイルではありません", "%s: not a regular file"), path);
	}
	r = read_tail(fd, &text);
	close(fd);
	if (r || checkpoint_from_text(text.buf ? text.buf : "", text.len, cp)) {
		dynbuf_release(&text);
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "%s: ツリーヘッドのチェックポイントではありません",
		                 "%s: not a tree head checkpoint"),
		             path);
		sg_error_hint(err, "saasguard ledger head --format json > %s", path);
		return SG_ERR_INPUT;
	}
	dynbuf_release(&text);
	return SG_OK;
}

int ledger_checkpoint_verify(const struct ledger_checkpoint *cp, const struct ledger_key *keys,
                             size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (!strcmp(keys[i].id, cp->info.key_id))
			return ledger_key_verify(&keys[i], cp->head, strlen(cp->head),
			                         cp->signature);
	return 0;
}

json_t *ledger_checkpoint_json(const char *head, const unsigned char sig[LEDGER_SIG_LEN])
{
	struct ledger_head_info h;
	char b64[sodium_base64_ENCODED_LEN(LEDGER_SIG_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char root[2 * LEDGER_HASH_LEN + 1], when[32];

	if (ledger_head_parse(head, &h))
		return NULL;
	sodium_bin2base64(b64, sizeof(b64), sig, LEDGER_SIG_LEN, sodium_base64_VARIANT_ORIGINAL);
	merkle_hex(h.root, root);
	timeutil_utc(h.at_ms / 1000, when);
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "number", (json_int_t)h.number,
	                 "tree_size", (json_int_t)h.size, "root", root, "time", when, "key_id",
	                 h.key_id, "head", head, "signature", b64);
}

/* ---- the signer ---- */

char *ledger_signer_record_path(const char *key_path)
{
	return xstrfmt("%s.heads", key_path);
}

/* Loads the private key and opens (creating, 0600) its record. */
static enum sg_code ledger_signer_open(const char *key_path, struct ledger_signer **out,
                                       struct sg_error *err)
{
	struct ledger_signer *sg = xcalloc(1, sizeof(*sg));
	struct stat st;
	enum sg_code rc;

	*out = NULL;
	sg->fd = -1;
	if ((rc = ledger_key_load_private(key_path, &sg->key, err))) {
		if (rc == SG_ERR_NOT_FOUND)
			sg_error_hint(err, "saasguard ledger keygen --key %s", key_path);
		free(sg);
		return rc;
	}
	pthread_mutex_init(&sg->mu, NULL);
	sg->record_path = ledger_signer_record_path(key_path);
	sg->fd = open(sg->record_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sg->fd < 0) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "%s: 署名者の記録を開けません: %s",
		                      "%s: cannot open the signer's record: %s"),
		                  sg->record_path, strerror(errno));
		ledger_signer_free(sg);
		return rc;
	}
	/* Others who could write it could cut its last lines, and so have a
	 * rewritten history signed. */
	if (fstat(sg->fd, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 022)) {
		rc = sg_error_set(err, SG_ERR_INPUT,
		                  ETR(err, "%s: 署名者の記録を他のユーザーが書き換えられます",
		                      "%s: the signer's record is writable by others"),
		                  sg->record_path);
		sg_error_hint(err, "chmod 600 %s", sg->record_path);
		ledger_signer_free(sg);
		return rc;
	}
	*out = sg;
	return SG_OK;
}

void ledger_signer_free(struct ledger_signer *sg)
{
	if (!sg)
		return;
	ledger_key_wipe(&sg->key);
	if (sg->fd >= 0)
		close(sg->fd);
	free(sg->record_path);
	pthread_mutex_destroy(&sg->mu);
	free(sg);
}

enum sg_code ledger_signer_open_for(const char *profile_path, const char *db_path,
                                    struct ledger_signer **out, struct sg_error *err)
{
	struct ledger_config c;
	struct dynbuf text = DYNBUF_INIT;
	struct ydoc *doc = NULL;
	struct stat st;
	char *base = xstrdup(profile_path);
	enum sg_code rc;

	*out = NULL;
	ledger_config_init(&c);
	if (!(rc = fileio_read(profile_path, 0, &text, err)) &&
	    !(rc = ydoc_parse(dynbuf_ptr(&text), text.len, profile_path, &doc, err)) &&
	    !(rc =
	          ledger_config_load(&c, doc, ydoc_get(doc->root, "ledger"), dirname(base), err))) {
		ledger_config_set_db(&c, db_path);
		if (stat(c.key_path, &st) == 0)
			rc = ledger_signer_open(c.key_path, out, err);
	}
	ydoc_free(doc);
	dynbuf_release(&text);
	ledger_config_release(&c);
	free(base);
	return rc;
}

/* The last head in the signer's record; *found = 0 when it is empty. A
 * record line by another key or with a bad signature is an error: the
 * record was edited, or belongs to another key. */
static enum sg_code record_last(struct ledger_signer *sg, struct ledger_checkpoint *cp, int *found,
                                struct sg_error *err)
{
	struct dynbuf text = DYNBUF_INIT;
	int r;

	*found = 0;
	memset(cp, 0, sizeof(*cp));
	if (read_tail(sg->fd, &text)) {
		dynbuf_release(&text);
		return sg_error_set(err, SG_ERR_IO, "%s: %s", sg->record_path, strerror(errno));
	}
	/* Nothing that parses (empty, or only a line torn by a crash during
	 * the first seal): no record yet. */
	r = checkpoint_from_text(text.buf ? text.buf : "", text.len, cp);
	dynbuf_release(&text);
	if (r)
		return SG_OK;
	if (!ledger_checkpoint_verify(cp, &sg->key, 1)) {
		ledger_checkpoint_release(cp);
		sg_error_set(
		    err, SG_ERR_VERIFY,
		    ETR(err,
		        "%s: 署名者の記録の最後のツリーヘッドがこの鍵の署名ではありません。"
		        "記録が書き換えられたか、別の鍵のものです。封印しません",
		        "%s: the last tree head in the signer's record is not signed by "
		        "this key: the record was edited or belongs to another key; not "
		        "sealing"),
		    sg->record_path);
		sg_error_hint(err, "%s",
		              ETR(err, "鍵を入れ替えた場合は、古い記録を別の名前に移してください",
		                  "if the key was replaced on purpose, move the old record aside"));
		return SG_ERR_VERIFY;
	}
	*found = 1;
	return SG_OK;
}

static enum sg_code record_append(struct ledger_signer *sg, const char *head,
                                  const unsigned char sig[LEDGER_SIG_LEN], struct sg_error *err)
{
	json_t *j = ledger_checkpoint_json(head, sig);
	char *line = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *text = line ? xstrfmt("%s\n", line) : NULL;
	size_t len = text ? strlen(text) : 0;
	ssize_t n = text ? write(sg->fd, text, len) : -1;
	enum sg_code rc = SG_OK;

	if (n != (ssize_t)len || fsync(sg->fd))
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "%s: 署名者の記録に書けません: %s",
		                      "%s: cannot write the signer's record: %s"),
		                  sg->record_path,
		                  n < 0 ? strerror(errno)
		                        : ETR(err, "一部しか書けません", "short write"));
	json_decref(j);
	free(line);
	free(text);
	return rc;
}

static int head_by(const struct store_ledger_head *h, const struct ledger_key *k,
                   struct ledger_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	if (h->signature_len != LEDGER_SIG_LEN || ledger_head_parse(h->head, &cp->info) ||
	    strcmp(cp->info.key_id, k->id) ||
	    !ledger_key_verify(k, h->head, strlen(h->head), h->signature))
		return 0;
	cp->head = xstrdup(h->head);
	memcpy(cp->signature, h->signature, LEDGER_SIG_LEN);
	if (cp->info.version == 1)
		cp->info.number = h->id; /* v1 heads were numbered by their row */
	return 1;
}

/* The head the next one extends: the record's last, else (a store from
 * before the record) the newest stored head this key signed; then any
 * stored heads this key signed after it that the record missed (a crash
 * between storing a head and recording it). */
static enum sg_code find_base(struct ledger_signer *sg, struct store *s,
                              struct ledger_checkpoint *base, int *found, struct sg_error *err)
{
	struct store_ledger_head *heads;
	struct ledger_checkpoint cp;
	unsigned char prev[LEDGER_HASH_LEN];
	size_t n;
	enum sg_code rc;

	if ((rc = record_last(sg, base, found, err)) ||
	    (rc = store_ledger_heads(s, &heads, &n, err)))
		return rc;
	for (size_t i = n; !*found && i-- > 0;)
		if (head_by(&heads[i], &sg->key, base))
			*found = 1;
	/* A new key taking over (its record moved aside on purpose): the
	 * chain goes on from the newest head of the old key that the ledger
	 * can hold; sign_head() still checks the entries hash to its root. */
	for (size_t i = n; !*found && i-- > 0;) {
		long long entries;
		if (heads[i].signature_len != LEDGER_SIG_LEN ||
		    ledger_head_parse(heads[i].head, &base->info) ||
		    store_ledger_next_seq(s, &entries, NULL) || base->info.size > entries)
			continue;
		base->head = xstrdup(heads[i].head);
		memcpy(base->signature, heads[i].signature, LEDGER_SIG_LEN);
		if (base->info.version == 1)
			base->info.number = heads[i].id;
		*found = 1;
	}
	for (size_t i = 0; *found && i < n && !rc; i++) {
		ledger_head_hash(base->head, prev);
		if (!head_by(&heads[i], &sg->key, &cp))
			continue;
		if (cp.info.version == 2 && cp.info.number == base->info.number + 1 &&
		    cp.info.prev_size == base->info.size &&
		    !memcmp(cp.info.prev_head, prev, sizeof(prev))) {
			rc = record_append(sg, cp.head, cp.signature, err);
			ledger_checkpoint_release(base);
			*base = cp;
		} else {
			ledger_checkpoint_release(&cp);
		}
	}
	store_ledger_heads_free(heads, n);
	return rc;
}

/* MTH of the first `size` entries from their stored hashes; when
 * check_size >= 0 the root at that size must be check_root. */
static enum sg_code root_of(struct store *s, long long size, long long check_size,
                            const unsigned char *check_root, unsigned char root[LEDGER_HASH_LEN],
                            struct sg_error *err)
{
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	struct merkle_hasher *h;
	struct merkle_stream ms;
	unsigned char at[LEDGER_HASH_LEN];
	long long want = 0;
	enum sg_code rc = store_ledger_cursor_open(s, 0, size, LLONG_MIN, LLONG_MAX, NULL, &c, err);
	int r;

	if (rc)
		return rc;
	h = merkle_hasher_new();
	merkle_stream_init(&ms, h);
	for (;;) {
		if (want == check_size) {
			merkle_stream_root(&ms, at);
			if (memcmp(at, check_root, LEDGER_HASH_LEN)) {
				rc = sg_error_set(
				    err, SG_ERR_VERIFY,
				    ETR(err,
				        "最後に署名したツリーヘッド (エントリ %lld 件) の後で台帳が"
				        "書き換えられています。封印しません",
				        "the ledger was rewritten after the last tree head this "
				        "key "
				        "signed (%lld entries); not sealing"),
				    check_size);
				sg_error_hint(err, "saasguard ledger verify");
				break;
			}
		}
		if ((r = store_ledger_cursor_next(c, &row, err)) != 1)
			break;
		if (row.seq != want || row.leaf_hash_len != LEDGER_HASH_LEN) {
			rc = sg_error_set(
			    err, SG_ERR_VERIFY,
			    ETR(err, "台帳のエントリ %lld が欠けているか壊れています。封印しません",
			        "ledger entry %lld is missing or damaged; not sealing"),
			    want);
			sg_error_hint(err, "saasguard ledger verify");
			break;
		}
		merkle_stream_push(&ms, row.leaf_hash);
		want++;
	}
	if (!rc && r < 0)
		rc = SG_ERR_DB;
	if (!rc && want != size)
		rc = sg_error_set(err, SG_ERR_VERIFY,
		                  ETR(err, "台帳のエントリ %lld が欠けています。封印しません",
		                      "ledger entry %lld is missing; not sealing"),
		                  want);
	if (!rc)
		merkle_stream_root(&ms, root);
	store_ledger_cursor_close(c);
	merkle_hasher_free(h);
	return rc;
}

/* Signs, time-stamps, stores and records the head after base. */
static enum sg_code sign_head(struct ledger_signer *sg, struct store *s,
                              const struct ledger_config *c, const struct ledger_checkpoint *base,
                              long long size, struct ledger_seal_result *out, struct sg_error *err)
{
	struct ledger_head_info info;
	struct store_ledger_head head;
	struct sg_error terr;
	enum sg_code rc;

	memset(&info, 0, sizeof(info));
	memset(&head, 0, sizeof(head));
	info.version = 2;
	info.number = base ? base->info.number + 1 : 1;
	info.size = size;
	info.at_ms = (long long)(timeutil_now() * 1000.0);
	memcpy(info.key_id, sg->key.id, sizeof(info.key_id));
	if (base) {
		info.prev_size = base->info.size;
		ledger_head_hash(base->head, info.prev_head);
	}
	if ((rc = root_of(s, size, base ? base->info.size : -1, base ? base->info.root : NULL,
	                  info.root, err)))
		return rc;
	head.number = info.number;
	head.tree_size = size;
	memcpy(head.root, info.root, LEDGER_HASH_LEN);
	head.root_len = LEDGER_HASH_LEN;
	head.at_ms = info.at_ms;
	memcpy(head.key_id, sg->key.id, sizeof(head.key_id));
	head.head = ledger_head_text(&info);
	ledger_key_sign(&sg->key, head.head, strlen(head.head), head.signature);
	head.signature_len = LEDGER_SIG_LEN;
	if (c->tsa_url) {
		memset(&terr, 0, sizeof(terr));
		terr.lang = err ? err->lang : 0;
		if (ledger_tsa_stamp(c->tsa_url, c->tsa_ca_file, c->tsa_timeout, head.head,
		                     strlen(head.head), &head.token, &head.token_len, &terr))
			snprintf(out->tsa_error, sizeof(out->tsa_error), "%s", terr.msg);
	}
	if (!(rc = store_begin(s, err))) {
		if ((rc = store_ledger_head_insert(s, &head, &out->head_id, err)))
			store_rollback(s);
		else
			rc = store_commit(s, err);
	}
	/* Recorded after it is stored: a crash between the two leaves a
	 * stored head the next seal finds and records (find_base()). */
	if (!rc)
		rc = record_append(sg, head.head, head.signature, err);
	if (!rc) {
		out->sealed = 1;
		out->head_id = info.number;
		out->timestamped = head.token != NULL;
	}
	free(head.head);
	free(head.token);
	return rc;
}

/* What ledger_seal_now() does with a signer: see ledger.h. Refuses
 * (SG_ERR_VERIFY) a ledger that does not extend the last recorded head. */
static enum sg_code ledger_signer_seal(struct ledger_signer *sg, struct store *s,
                                       const struct ledger_config *c,
                                       struct ledger_seal_result *out, struct sg_error *err)
{
	struct ledger_checkpoint base;
	long long size;
	int found = 0;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	memset(&base, 0, sizeof(base));
	pthread_mutex_lock(&sg->mu);
	if (flock(sg->fd, LOCK_EX)) {
		pthread_mutex_unlock(&sg->mu);
		return sg_error_set(err, SG_ERR_IO, "%s: %s", sg->record_path, strerror(errno));
	}
	if ((rc = find_base(sg, s, &base, &found, err)) ||
	    (rc = store_ledger_next_seq(s, &size, err)))
		goto out;
	out->tree_size = size;
	if (found && size < base.info.size) {
		rc = sg_error_set(
		    err, SG_ERR_VERIFY,
		    ETR(err,
		        "台帳のエントリは %lld 件ですが、この鍵は %lld 件のツリーヘッド "
		        "#%lld に署名しています。エントリが削除されています。封印しません",
		        "the ledger holds %lld entries, but this key signed tree head "
		        "#%lld of %lld entries: entries were removed; not sealing"),
		    size, base.info.number, base.info.size);
		sg_error_hint(err, "saasguard ledger verify");
		goto out;
	}
	if (found && size == base.info.size) {
		/* Nothing new; but say so only if nothing was rewritten. */
		unsigned char root[LEDGER_HASH_LEN];
		rc = root_of(s, size, size, base.info.root, root, err);
		goto out;
	}
	rc = sign_head(sg, s, c, found ? &base : NULL, size, out, err);
out:
	ledger_checkpoint_release(&base);
	flock(sg->fd, LOCK_UN);
	pthread_mutex_unlock(&sg->mu);
	return rc;
}

/* The size and time of the last head signed (for ledger_maybe_seal()): from
 * the signer's record when there is one, else the newest stored head whose
 * size is possible (0..size); *found = 0 when there is none. */
static enum sg_code ledger_signer_last(const struct ledger_config *c, struct store *s,
                                       long long size, long long *last_size, long long *last_ms,
                                       int *found, struct sg_error *err)
{
	struct ledger_checkpoint cp;
	struct store_ledger_head h;
	char *path = ledger_signer_record_path(c->key_path);
	enum sg_code rc;
	int have = 0;

	*found = 0;
	if (c->signer)
		rc = record_last(c->signer, &cp, &have, NULL) || !have ? SG_ERR_NOT_FOUND : SG_OK;
	else
		rc = ledger_checkpoint_read(path, &cp, NULL);
	free(path);
	if (!rc) {
		*last_size = cp.info.size;
		*last_ms = cp.info.at_ms;
		*found = 1;
		ledger_checkpoint_release(&cp);
		return SG_OK;
	}
	/* No record (yet, or not readable): the newest stored head, unless its
	 * size cannot be right (a bogus head must not stop sealing). */
	if ((rc = store_ledger_last_head(s, &h, found, err)))
		return rc;
	if (*found && (h.tree_size < 0 || h.tree_size > size))
		*found = 0;
	*last_size = h.tree_size;
	*last_ms = h.at_ms;
	free(h.head);
	free(h.token);
	return SG_OK;
}
enum sg_code ledger_seal_now(struct store *s, const struct ledger_config *c,
                             struct ledger_seal_result *out, struct sg_error *err)
{
	struct ledger_signer *sg;
	enum sg_code rc;

	if (c->signer)
		return ledger_signer_seal(c->signer, s, c, out, err);
	memset(out, 0, sizeof(*out));
	if ((rc = ledger_signer_open(c->key_path, &sg, err)))
		return rc;
	rc = ledger_signer_seal(sg, s, c, out, err);
	ledger_signer_free(sg);
	return rc;
}

enum sg_code ledger_maybe_seal(struct store *s, const struct ledger_config *c,
                               struct ledger_seal_result *out, struct sg_error *err)
{
	long long size, last_size, last_ms, now_ms = (long long)(timeutil_now() * 1000.0);
	int found;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_ledger_next_seq(s, &size, err)) ||
	    (rc = ledger_signer_last(c, s, size, &last_size, &last_ms, &found, err)))
		return rc;
	out->tree_size = size;
	if (!found) {
		if (size == 0)
			return SG_OK;
	} else if (size <= last_size || (size - last_size < c->seal_every_entries &&
	                                 (double)(now_ms - last_ms) < c->seal_every * 1000.0)) {
		return SG_OK;
	}
	return ledger_seal_now(s, c, out, err);
}
