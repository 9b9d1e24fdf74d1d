/*
 * ledger_verify - verification, proofs and export of the ledger; see
 * ledger_verify.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dynbuf.h"
#include "fileio.h"
#include "ledger.h"
#include "ledger_tsa.h"
#include "ledger_verify.h"
#include "merkle.h"
#include "store_ledger.h"
#include "xalloc.h"
#include "banned.h"

/* Clock skew allowed between a head's own time and its token's. */
#define TOKEN_SKEW_S 300

static enum sg_code fail(struct sg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum sg_code fail(struct sg_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_error_vset(err, SG_ERR_VERIFY, fmt, ap);
	va_end(ap);
	return SG_ERR_VERIFY;
}

static const struct ledger_key *find_key(const struct ledger_verify_opts *o, const char *id)
{
	for (size_t i = 0; i < o->nkeys; i++)
		if (!strcmp(o->keys[i].id, id))
			return &o->keys[i];
	return NULL;
}

/* A size at which the streaming tree's root must be known: a head's or a
 * checkpoint's. */
struct vtarget {
	long long size;
	unsigned char root[LEDGER_HASH_LEN];
	long long number; /* the head's number (v1: its row id) */
	int checkpoint;
	size_t order;
};

static int target_cmp(const void *a, const void *b)
{
	const struct vtarget *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* One head on its own: text, columns, key, signature, token. */
static enum sg_code check_head(const struct store_ledger_head *h, struct ledger_head_info *info,
                               const struct ledger_verify_opts *o, struct ledger_verify_report *r,
                               struct sg_error *err)
{
	const struct ledger_key *k;
	struct sg_error terr;
	long long gen = 0;

	if (ledger_head_parse(h->head, info))
		return fail(err,
		            ETR(err, "ツリーヘッド #%lld: 署名された本文が壊れています",
		                "tree head #%lld: its signed text is damaged"),
		            h->id);
	if (info->size != h->tree_size || h->root_len != LEDGER_HASH_LEN ||
	    memcmp(info->root, h->root, LEDGER_HASH_LEN) || info->at_ms != h->at_ms ||
	    strcmp(info->key_id, h->key_id) || (info->version == 2 ? info->number : 0) != h->number)
		return fail(
		    err,
		    ETR(err,
		        "ツリーヘッド #%lld: 保存された値 (番号・サイズ・ルート・時刻・鍵) "
		        "が署名された本文と異なります",
		        "tree head #%lld: its stored number, size, root, time or key differ "
		        "from its signed text"),
		    h->id);
	if (info->version == 1)
		info->number = h->id;
	k = find_key(o, info->key_id);
	if (!k)
		return fail(
		    err,
		    ETR(err,
		        "ツリーヘッド #%lld (サイズ %lld) は鍵 %.16s… で署名されていますが、"
		        "検証に使う公開鍵は %.16s… です。鍵が差し替えられたか、"
		        "以前の公開鍵を --public-key で指定する必要があります",
		        "tree head #%lld (size %lld) is signed by key %.16s…, but the "
		        "public key is %.16s…: the key was replaced, or give the earlier "
		        "public key with --public-key"),
		    info->number, info->size, info->key_id, o->nkeys ? o->keys[0].id : "-");
	if (h->signature_len != LEDGER_SIG_LEN ||
	    !ledger_key_verify(k, h->head, strlen(h->head), h->signature))
		return fail(err,
		            ETR(err, "ツリーヘッド #%lld (サイズ %lld): 署名が一致しません",
		                "tree head #%lld (size %lld): the signature does not verify"),
		            info->number, info->size);
	if (!h->token)
		return SG_OK;
	memset(&terr, 0, sizeof(terr));
	terr.lang = err ? err->lang : 0;
	if (ledger_tsa_check(h->token, h->token_len, h->head, strlen(h->head), o->tsa_ca_file, &gen,
	                     &terr))
		return fail(err,
		            ETR(err, "ツリーヘッド #%lld (サイズ %lld): タイムスタンプ: %s",
		                "tree head #%lld (size %lld): time-stamp: %s"),
		            info->number, info->size, terr.msg);
	if (gen * 1000 < info->at_ms - TOKEN_SKEW_S * 1000LL)
		return fail(err,
		            ETR(err,
		                "ツリーヘッド #%lld: タイムスタンプの時刻がヘッドの時刻より前です",
		                "tree head #%lld: the time-stamp is older than the head"),
		            info->number);
	r->heads_timestamped++;
	if (gen > r->last_token_time)
		r->last_token_time = gen;
	return SG_OK;
}

/* Head i follows head i-1 (prev is NULL for the first): v2 heads name their
 * predecessor, so a deleted or replaced head breaks the chain. */
static enum sg_code check_link(const struct store_ledger_head *prev,
                               const struct ledger_head_info *pi, const struct ledger_head_info *hi,
                               struct sg_error *err)
{
	static const unsigned char zero[LEDGER_HASH_LEN];
	unsigned char ph[LEDGER_HASH_LEN];

	if (hi->version == 1) {
		if (prev && pi->version == 2)
			return fail(
			    err,
			    ETR(err,
			        "ツリーヘッド #%lld は連鎖のない旧形式ですが、連鎖の始まった後に"
			        "あります。ヘッドが差し込まれています",
			        "tree head #%lld is of the old, unchained form but comes after "
			        "the chain began: a head was inserted"),
			    hi->number);
		return SG_OK;
	}
	if (!prev) {
		if (hi->number == 1 && hi->prev_size == 0 &&
		    !memcmp(hi->prev_head, zero, sizeof(zero)))
			return SG_OK;
		return fail(err,
		            ETR(err,
		                "最初のツリーヘッドは #%lld で、ツリーヘッド #%lld (サイズ %lld) "
		                "に続くものです。それ以前のヘッドが削除されています",
		                "the first tree head is #%lld, which follows tree head #%lld (size "
		                "%lld): the heads before it were deleted"),
		            hi->number, hi->number - 1, hi->prev_size);
	}
	ledger_head_hash(prev->head, ph);
	if (memcmp(ph, hi->prev_head, sizeof(ph)) || pi->size != hi->prev_size ||
	    (pi->version == 2 && pi->number + 1 != hi->number))
		return fail(
		    err,
		    ETR(err,
		        "ツリーヘッド #%lld の前はツリーヘッド #%lld (サイズ %lld) のはずですが、"
		        "台帳にあるのは #%lld (サイズ %lld) です。ヘッドが削除されたか、"
		        "書き換えられています",
		        "tree head #%lld follows tree head #%lld (size %lld), but the "
		        "ledger holds #%lld (size %lld) before it: heads were deleted or "
		        "rewritten"),
		    hi->number, hi->number - 1, hi->prev_size, pi->number, pi->size);
	return SG_OK;
}

/* Checks every head (on its own and its link to the one before), then the
 * checkpoints, and lists the sizes whose roots the entries must give. */
static enum sg_code check_heads(const struct store_ledger_head *h, size_t n,
                                const struct ledger_verify_opts *o, struct ledger_verify_report *r,
                                struct vtarget **targets, size_t *ntargets, struct sg_error *err)
{
	struct ledger_head_info prev, info;
	struct vtarget *t = xcalloc(n + o->ncheckpoints + 1, sizeof(*t));
	size_t nt = 0;
	enum sg_code rc;

	*targets = t;
	for (size_t i = 0; i < n; i++) {
		if ((rc = check_head(&h[i], &info, o, r, err)) ||
		    (rc = check_link(i ? &h[i - 1] : NULL, &prev, &info, err)))
			return rc;
		if (i && info.size < prev.size)
			return fail(
			    err,
			    ETR(err,
			        "ツリーヘッド #%lld (サイズ %lld) が先のヘッド #%lld (サイズ "
			        "%lld) より小さくなっています。台帳が切り詰められ、"
			        "書き直されています",
			        "tree head #%lld (size %lld) is smaller than the earlier head "
			        "#%lld (size %lld): the ledger was truncated and rewritten"),
			    info.number, info.size, prev.number, prev.size);
		if (i && info.size == prev.size && memcmp(info.root, prev.root, LEDGER_HASH_LEN))
			return fail(
			    err,
			    ETR(err,
			        "同じサイズ %lld に異なるツリーヘッドが 2 つあります (#%lld と "
			        "#%lld)。台帳が分岐しています",
			        "two different tree heads for size %lld (#%lld and #%lld): the "
			        "ledger forked"),
			    info.size, prev.number, info.number);
		if (info.version == 1)
			r->legacy_heads++;
		t[nt].size = info.size;
		memcpy(t[nt].root, info.root, LEDGER_HASH_LEN);
		t[nt].number = info.number;
		t[nt].order = nt;
		nt++;
		r->heads++;
		r->last_head_ms = info.at_ms;
		prev = info;
	}
	for (size_t i = 0; i < o->ncheckpoints; i++) {
		const struct ledger_checkpoint *cp = &o->checkpoints[i];
		int held = cp->info.version == 1;
		if (find_key(o, cp->info.key_id) &&
		    !ledger_checkpoint_verify(cp, o->keys, o->nkeys))
			return fail(
			    err,
			    ETR(err,
			        "チェックポイント (ツリーヘッド #%lld、サイズ %lld) の署名が"
			        "一致しません。チェックポイントが書き換えられています",
			        "the checkpoint (tree head #%lld, size %lld): the signature does "
			        "not verify: the checkpoint was edited"),
			    cp->info.number, cp->info.size);
		if (!ledger_checkpoint_verify(cp, o->keys, o->nkeys))
			return fail(
			    err,
			    ETR(err,
			        "チェックポイント (ツリーヘッド #%lld、サイズ %lld) は鍵 %.16s… "
			        "の署名ですが、検証に使う公開鍵 (%.16s…) では検証できません。"
			        "鍵が差し替えられています",
			        "the checkpoint (tree head #%lld, size %lld) is signed by key "
			        "%.16s…, which the public key (%.16s…) does not verify: the key "
			        "was replaced"),
			    cp->info.number, cp->info.size, cp->info.key_id,
			    o->nkeys ? o->keys[0].id : "-");
		for (size_t j = 0; j < n && !held; j++)
			held = !strcmp(h[j].head, cp->head);
		if (!held)
			return fail(
			    err,
			    ETR(err,
			        "チェックポイントのツリーヘッド #%lld (サイズ %lld) "
			        "が台帳にありません。台帳が書き換えられています",
			        "the ledger no longer holds tree head #%lld (size %lld) that "
			        "the checkpoint saved: the ledger was rewritten"),
			    cp->info.number, cp->info.size);
		t[nt].size = cp->info.size;
		memcpy(t[nt].root, cp->info.root, LEDGER_HASH_LEN);
		t[nt].number = cp->info.number;
		t[nt].checkpoint = 1;
		t[nt].order = nt;
		nt++;
		r->checkpoints++;
	}
	qsort(t, nt, sizeof(*t), target_cmp);
	*ntargets = nt;
	return SG_OK;
}

/* The position of the top-level "seq" value in an entry text: after the last
 * `,"seq":` (the type that follows cannot contain quotes). */
static const char *find_seq(const char *text, size_t len)
{
	static const char key[] = ",\"seq\":";
	const size_t kl = sizeof(key) - 1;

	if (len < kl)
		return NULL;
	for (size_t i = len - kl + 1; i-- > 0;)
		if (text[i] == ',' && !memcmp(text + i, key, kl))
			return text + i + kl;
	return NULL;
}

/* A non-negative decimal number at p; *end after it (== p when none). */
static long long digits(const char *p, const char **end)
{
	long long v = 0;
	const char *q = p;

	while (*q >= '0' && *q <= '9' && q - p < 18)
		v = v * 10 + (*q++ - '0');
	*end = q;
	return v;
}

/* Checks that an entry's text agrees with its row: 0 when it does, 1 when
 * the text claims another seq (*claimed), 2 when the time or type differ,
 * 3 when the text is not an entry at all. */
static int text_agrees(const struct store_ledger_row *row, long long *claimed)
{
	const char *p = find_seq(row->entry, row->entry_len), *t, *end;
	long long at;
	size_t tl;

	if (!p || strncmp(row->entry, "{\"at\":", 6))
		return 3;
	*claimed = digits(p, &end);
	if (end == p || strncmp(end, ",\"type\":\"", 9))
		return 3;
	if (*claimed != row->seq)
		return 1;
	t = end + 9;
	tl = strlen(row->type);
	at = digits(row->entry + 6, &end);
	if (*end != ',' || at != row->at_ms ||
	    row->entry_len != (size_t)(t - row->entry) + tl + 2 || strncmp(t, row->type, tl) ||
	    memcmp(t + tl, "\"}", 2))
		return 2;
	return 0;
}

/*
 * Verification runs as a two-stage pipeline: this thread steps through the
 * entries in SQLite and copies batches of rows; a worker thread recomputes
 * each leaf, checks it, and folds it into the streaming tree, checking every
 * head's root as the tree reaches its size. Reading and hashing so overlap.
 */
#define BATCH_ROWS  1024
#define BATCH_BYTES ((size_t)64 << 20) /* a batch ends after this much text */
#define NBATCHES    3

struct vrow {
	long long seq, at_ms;
	size_t off, len; /* of the entry text in the batch's text buffer */
	size_t type_off, type_len;
	unsigned char leaf[LEDGER_HASH_LEN];
	int leaf_ok; /* the stored hash was 32 bytes */
};

struct vbatch {
	struct vrow rows[BATCH_ROWS];
	size_t n;
	struct dynbuf text;
	int full;
};

struct vstate {
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vbatch b[NBATCHES];
	int done;   /* the reader has no more batches */
	int failed; /* the worker found a problem */
	/* the worker's own */
	const struct ledger_verify_opts *o;
	struct ledger_verify_report *r;
	struct store_ledger_head *heads;
	size_t nheads;
	struct vtarget *targets;
	size_t ntargets, hi;
	long long want, prev_good;
	struct merkle_hasher *h;
	struct merkle_stream ms;
	struct sg_error err;
	enum sg_code rc;
};

/* The entries a failure names (report's bad_from/bad_to). */
static void bad_range(struct vstate *v, long long from, long long to)
{
	v->r->bad_from = from;
	v->r->bad_to = to;
}

/* Checks the heads and checkpoints whose size the tree has reached. */
static int check_roots(struct vstate *v)
{
	unsigned char root[LEDGER_HASH_LEN];
	struct sg_error *err = &v->err;

	while (v->hi < v->ntargets && v->targets[v->hi].size == v->want) {
		const struct vtarget *t = &v->targets[v->hi];
		merkle_stream_root(&v->ms, root);
		if (memcmp(root, t->root, LEDGER_HASH_LEN)) {
			v->rc = fail(
			    err,
			    ETR(err,
			        "%sツリーヘッド #%lld (サイズ %lld): エントリから計算したルートが"
			        "署名されたルートと一致しません。エントリ %lld〜%lld のいずれかが"
			        "署名後に変更・挿入・削除・並べ替えされています",
			        "%stree head #%lld (size %lld): the entries do not hash to its "
			        "signed root: an entry in seq %lld-%lld was changed, inserted, "
			        "removed or reordered after it was signed"),
			    t->checkpoint ? ETR(err, "チェックポイントの", "the checkpoint's ")
			                  : "",
			    t->number, t->size, t->checkpoint ? 0 : v->prev_good, t->size - 1);
			bad_range(v, t->checkpoint ? 0 : v->prev_good, t->size - 1);
			return -1;
		}
		if (!t->checkpoint) {
			v->prev_good = t->size;
			v->r->sealed = t->size;
			v->r->sealed_number = t->number;
			memcpy(v->r->sealed_root, t->root, LEDGER_HASH_LEN);
		}
		v->hi++;
	}
	return 0;
}

static int check_row(struct vstate *v, const struct vrow *vr, const char *text)
{
	struct sg_error *err = &v->err;
	struct store_ledger_row row;
	unsigned char leaf[LEDGER_HASH_LEN];
	long long claimed = -1;
	char type[65]; /* the longest type (64) and a NUL */
	int t;

	if (check_roots(v))
		return -1;
	/* Every failure below names one entry (a missing one: the first gone). */
	bad_range(v, vr->seq != v->want ? v->want : vr->seq,
	          vr->seq != v->want ? vr->seq - 1 : vr->seq);
	if (vr->seq != v->want) {
		v->rc =
		    fail(err,
		         ETR(err,
		             "エントリ %lld がありません (削除されています)。次にあるのはエントリ "
		             "%lld です",
		             "entry %lld is missing (deleted); the next entry present is %lld"),
		         v->want, vr->seq);
		return -1;
	}
	if (vr->at_ms >= v->o->from_ms && vr->at_ms < v->o->to_ms) {
		/* The stored type is hostile: longer than any type is a mismatch. */
		if (vr->type_len < sizeof(type))
			memcpy(type, text + vr->len + 1, vr->type_len);
		type[vr->type_len < sizeof(type) ? vr->type_len : 0] = '\0';
		row.seq = vr->seq;
		row.at_ms = vr->at_ms;
		row.type = type;
		row.entry = text;
		row.entry_len = vr->len;
		t = vr->type_len >= sizeof(type) ? 2 : text_agrees(&row, &claimed);
		merkle_leaf(v->h, text, vr->len, leaf);
		if (!vr->leaf_ok || memcmp(leaf, vr->leaf, LEDGER_HASH_LEN)) {
			v->rc =
			    fail(err,
			         ETR(err,
			             "エントリ %lld: 本文が記録されたハッシュと一致しません "
			             "(書き込み後に変更されています)",
			             "entry %lld: its text does not match its recorded hash (it "
			             "was changed after it was written)"),
			         vr->seq);
			return -1;
		}
		if (t == 1) {
			v->rc = fail(err,
			             ETR(err,
			                 "エントリ %lld の位置にエントリ %lld の内容があります "
			                 "(並べ替えまたは挿入されています)",
			                 "entry %lld holds the text of entry %lld (entries were "
			                 "reordered or one was inserted)"),
			             vr->seq, claimed);
			return -1;
		}
		if (t) {
			v->rc =
			    fail(err,
			         ETR(err,
			             "エントリ %lld: 保存された時刻・種別が本文と異なるか、"
			             "本文が台帳のエントリではありません",
			             "entry %lld: its stored time or type differ from its text, "
			             "or the text is not a ledger entry"),
			         vr->seq);
			return -1;
		}
		v->r->recomputed++;
		merkle_stream_push(&v->ms, leaf);
	} else {
		if (!vr->leaf_ok) {
			v->rc = fail(err,
			             ETR(err, "エントリ %lld: 記録されたハッシュが壊れています",
			                 "entry %lld: its recorded hash is damaged"),
			             vr->seq);
			return -1;
		}
		merkle_stream_push(&v->ms, vr->leaf);
	}
	bad_range(v, -1, -1);
	v->want++;
	return 0;
}

static void *worker(void *arg)
{
	struct vstate *v = arg;
	int next = 0;

	for (;;) {
		struct vbatch *b = &v->b[next];
		pthread_mutex_lock(&v->mu);
		while (!b->full && !v->done)
			pthread_cond_wait(&v->cv, &v->mu);
		if (!b->full) {
			pthread_mutex_unlock(&v->mu);
			break;
		}
		pthread_mutex_unlock(&v->mu);
		for (size_t i = 0; i < b->n && !v->failed; i++)
			if (check_row(v, &b->rows[i], b->text.buf + b->rows[i].off)) {
				pthread_mutex_lock(&v->mu);
				v->failed = 1;
				pthread_mutex_unlock(&v->mu);
			}
		pthread_mutex_lock(&v->mu);
		b->full = 0;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		if (v->failed)
			break;
		next = (next + 1) % NBATCHES;
	}
	if (!v->failed && check_roots(v) == 0)
		v->r->entries = v->want;
	return NULL;
}

/* Reads every entry into the batches; returns nonzero on a read error. */
static int read_entries(struct vstate *v, struct store_ledger_cursor *c, struct sg_error *err)
{
	struct store_ledger_row row;
	int next = 0, r = 1;

	while (r == 1) {
		struct vbatch *b = &v->b[next];
		pthread_mutex_lock(&v->mu);
		while (b->full && !v->failed)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->failed) {
			pthread_mutex_unlock(&v->mu);
			return 0;
		}
		pthread_mutex_unlock(&v->mu);
		b->n = 0;
		dynbuf_reset(&b->text);
		while (b->n < BATCH_ROWS && b->text.len < BATCH_BYTES &&
		       (r = store_ledger_cursor_next(c, &row, err)) == 1) {
			struct vrow *vr = &b->rows[b->n++];
			vr->seq = row.seq;
			vr->at_ms = row.at_ms;
			vr->off = b->text.len;
			vr->len = row.entry_len;
			vr->type_len = strlen(row.type);
			vr->leaf_ok = row.leaf_hash_len == LEDGER_HASH_LEN;
			if (vr->leaf_ok)
				memcpy(vr->leaf, row.leaf_hash, LEDGER_HASH_LEN);
			/* text NUL type NUL */
			dynbuf_add(&b->text, row.entry, row.entry_len);
			dynbuf_addch(&b->text, '\0');
			dynbuf_add(&b->text, row.type, vr->type_len + 1);
			if (dynbuf_status(&b->text)) {
				/* Stored texts are hostile: one too large to hold
				 * is an error, never a short buffer. */
				sg_error_set(err, SG_ERR_VERIFY,
				             ETR(err, "エントリ %lld が大きすぎて検証できません",
				                 "entry %lld is too large to verify"),
				             row.seq);
				r = -1;
				break;
			}
		}
		if (r < 0)
			break;
		pthread_mutex_lock(&v->mu);
		b->full = b->n > 0;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		next = (next + 1) % NBATCHES;
	}
	pthread_mutex_lock(&v->mu);
	v->done = 1;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	return r < 0;
}

enum sg_code ledger_verify(struct store *s, const struct ledger_verify_opts *o,
                           struct ledger_verify_report *r, struct sg_error *err)
{
	struct store_ledger_cursor *c = NULL;
	struct vstate *v = xcalloc(1, sizeof(*v));
	pthread_t th;
	int read_failed;
	enum sg_code rc;

	memset(r, 0, sizeof(*r));
	r->bad_from = r->bad_to = -1;
	r->chains_checked = o->tsa_ca_file != NULL;
	v->o = o;
	v->r = r;
	v->err.lang = err ? err->lang : 0;
	if ((rc = store_ledger_prepare_scan(s, err)) ||
	    (rc = store_ledger_heads(s, &v->heads, &v->nheads, err)) ||
	    (rc = check_heads(v->heads, v->nheads, o, r, &v->targets, &v->ntargets, err)) ||
	    (rc = store_ledger_cursor_open(s, 0, -1, LLONG_MIN, LLONG_MAX, NULL, &c, err)))
		goto out;
	v->h = merkle_hasher_new();
	merkle_stream_init(&v->ms, v->h);
	for (int i = 0; i < NBATCHES; i++)
		dynbuf_init(&v->b[i].text, DYNBUF_DEFAULT_MAX);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	if (pthread_create(&th, NULL, worker, v)) {
		rc = sg_error_set(err, SG_ERR_INTERNAL, "cannot start a thread");
		goto out_sync;
	}
	read_failed = read_entries(v, c, err);
	pthread_join(th, NULL);
	if (read_failed) {
		rc = err && err->code ? err->code : SG_ERR_DB;
	} else if (v->rc) {
		rc = v->rc;
		if (err)
			*err = v->err;
	} else if (v->hi < v->ntargets) {
		const struct vtarget *t = &v->targets[v->hi];
		rc = fail(
		    err,
		    ETR(err,
		        "台帳はエントリ %lld で終わっていますが、%sツリーヘッド #%lld はエントリ "
		        "%lld 件を含みます。エントリ %lld〜%lld が削除されています "
		        "(末尾の切り詰め)",
		        "the ledger ends at entry %lld, but %stree head #%lld covers %lld entries: "
		        "entries %lld-%lld were removed (the tail was truncated)"),
		    v->want - 1,
		    t->checkpoint ? ETR(err, "チェックポイントの", "the checkpoint's ") : "",
		    t->number, t->size, v->want, t->size - 1);
		r->bad_from = v->want;
		r->bad_to = t->size - 1;
	} else if (v->nheads == 0 && r->entries > 0) {
		rc = fail(err,
		          ETR(err,
		              "台帳にはエントリが %lld 件ありますが、署名済みのツリーヘッドが 1 "
		              "つもありません。どのエントリも検証できません",
		              "the ledger holds %lld entries but no signed tree head: no entry can "
		              "be verified"),
		          r->entries);
		sg_error_hint(err, "saasguard ledger seal");
	}
out_sync:
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	for (int i = 0; i < NBATCHES; i++)
		dynbuf_release(&v->b[i].text);
out:
	store_ledger_cursor_close(c);
	store_ledger_heads_free(v->heads, v->nheads);
	free(v->targets);
	merkle_hasher_free(v->h);
	free(v);
	return rc;
}

/* The newest head a trusted key signed, whose size the ledger can hold. A
 * head's claimed size is hostile until its signature is checked: nothing is
 * allocated by it before. */
/* The newest stored head one of keys signed whose size the ledger can hold
 * and, when size >= 0, is size. */
static enum sg_code signed_head(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                long long size, struct store_ledger_head *out, struct sg_error *err)
{
	struct store_ledger_head *heads;
	struct ledger_head_info info;
	size_t n, i;
	long long entries;
	enum sg_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_ledger_next_seq(s, &entries, err)) ||
	    (rc = store_ledger_heads(s, &heads, &n, err)))
		return rc;
	for (i = n; i-- > 0;) {
		const struct ledger_key *k = NULL;
		if (ledger_head_parse(heads[i].head, &info) || info.size > entries ||
		    (size >= 0 && info.size != size) || heads[i].signature_len != LEDGER_SIG_LEN)
			continue;
		for (size_t j = 0; j < nkeys && !k; j++)
			if (!strcmp(keys[j].id, info.key_id))
				k = &keys[j];
		if (k &&
		    ledger_key_verify(k, heads[i].head, strlen(heads[i].head), heads[i].signature))
			break;
	}
	if (i == (size_t)-1 && size >= 0) {
		store_ledger_heads_free(heads, n);
		return sg_error_set(err, SG_ERR_NOT_FOUND,
		                    ETR(err, "大きさ %lld の署名付きツリーヘッドはありません",
		                        "there is no signed tree head of size %lld"),
		                    size);
	}
	if (i == (size_t)-1) {
		store_ledger_heads_free(heads, n);
		sg_error_set(err, SG_ERR_NOT_FOUND,
		             ETR(err, "公開鍵で検証できるツリーヘッドがまだありません",
		                 "there is no tree head the public key verifies yet"));
		sg_error_hint(err, "saasguard ledger seal; saasguard ledger verify");
		return SG_ERR_NOT_FOUND;
	}
	*out = heads[i];
	/* The signed text is what counts; the columns are copies. */
	out->number = info.version == 2 ? info.number : heads[i].id;
	out->tree_size = info.size;
	memcpy(out->root, info.root, LEDGER_HASH_LEN);
	out->at_ms = info.at_ms;
	memcpy(out->key_id, info.key_id, sizeof(out->key_id));
	heads[i].head = NULL;
	heads[i].token = NULL;
	store_ledger_heads_free(heads, n);
	return SG_OK;
}

/* The latest trusted head and the leaf hashes of the entries it covers,
 * checked against its root. */
enum sg_code ledger_verify_latest_head(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                       struct store_ledger_head *out, struct sg_error *err)
{
	return signed_head(s, keys, nkeys, -1, out, err);
}

static enum sg_code load_sealed(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                struct store_ledger_head *head,
                                unsigned char (**leaves)[LEDGER_HASH_LEN], struct sg_error *err)
{
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	struct merkle_hasher *h;
	unsigned char root[LEDGER_HASH_LEN];
	size_t n = 0, alloc = 0;
	int r;
	enum sg_code rc;

	*leaves = NULL;
	if ((rc = ledger_verify_latest_head(s, keys, nkeys, head, err)))
		return rc;
	if ((rc = store_ledger_cursor_open(s, 0, head->tree_size, LLONG_MIN, LLONG_MAX, NULL, &c,
	                                   err)))
		return rc;
	while ((r = store_ledger_cursor_next(c, &row, err)) == 1 && row.seq == (long long)n &&
	       row.leaf_hash_len == LEDGER_HASH_LEN) {
		ALLOC_GROW(*leaves, n + 1, alloc);
		memcpy((*leaves)[n++], row.leaf_hash, LEDGER_HASH_LEN);
	}
	store_ledger_cursor_close(c);
	if (r < 0)
		return SG_ERR_DB;
	h = merkle_hasher_new();
	if ((long long)n == head->tree_size)
		merkle_subtree(h, (const unsigned char(*)[LEDGER_HASH_LEN]) * leaves, 0, n, root);
	merkle_hasher_free(h);
	if ((long long)n != head->tree_size || memcmp(root, head->root, LEDGER_HASH_LEN)) {
		sg_error_set(err, SG_ERR_VERIFY,
		             ETR(err, "台帳が最新のツリーヘッド (#%lld) と一致しません",
		                 "the ledger does not match its latest tree head (#%lld)"),
		             head->number);
		sg_error_hint(err, "saasguard ledger verify");
		return SG_ERR_VERIFY;
	}
	return SG_OK;
}

static json_t *hex_json(const unsigned char *hash)
{
	char hex[2 * LEDGER_HASH_LEN + 1];

	merkle_hex(hash, hex);
	return json_string(hex);
}

static json_t *head_json(json_t *o, const struct store_ledger_head *head)
{
	char b64[128];

	sodium_bin2base64(b64, sizeof(b64), head->signature, 64, sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "number", json_integer(head->number));
	json_object_set_new(o, "tree_size", json_integer(head->tree_size));
	json_object_set_new(o, "root", hex_json(head->root));
	json_object_set_new(o, "head", json_string(head->head));
	json_object_set_new(o, "signature", json_string(b64));
	json_object_set_new(o, "key_id", json_string(head->key_id));
	json_object_set_new(o, "timestamped", json_boolean(head->token != NULL));
	return o;
}

enum sg_code ledger_inclusion_proof(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                    long long seq, json_t **out, struct sg_error *err)
{
	struct store_ledger_head head;
	unsigned char(*leaves)[LEDGER_HASH_LEN] = NULL, path[MERKLE_MAX_PATH][LEDGER_HASH_LEN];
	struct store_ledger_cursor *c;
	struct store_ledger_row row;
	struct merkle_hasher *h;
	size_t len;
	json_t *o, *arr;
	enum sg_code rc;

	*out = NULL;
	memset(&head, 0, sizeof(head));
	if ((rc = load_sealed(s, keys, nkeys, &head, &leaves, err)))
		goto done;
	if (seq < 0 || seq >= head.tree_size) {
		rc = sg_error_set(
		    err, SG_ERR_NOT_FOUND,
		    ETR(err, "エントリ %lld は最新のツリーヘッド (サイズ %lld) に含まれていません",
		        "entry %lld is not covered by the latest tree head (size %lld)"),
		    seq, head.tree_size);
		sg_error_hint(err, "%s",
		              ETR(err,
		                  "新しいエントリなら saasguard ledger seal で封印してください",
		                  "if the entry is new, seal it first: saasguard ledger seal"));
		goto done;
	}
	h = merkle_hasher_new();
	len = merkle_inclusion_path(h, (const unsigned char(*)[LEDGER_HASH_LEN])leaves,
	                            (uint64_t)head.tree_size, (uint64_t)seq, path);
	if (!merkle_verify_inclusion(h, leaves[seq], (uint64_t)seq, (uint64_t)head.tree_size,
	                             (const unsigned char(*)[LEDGER_HASH_LEN])path, len,
	                             head.root)) {
		merkle_hasher_free(h);
		rc = sg_error_set(err, SG_ERR_INTERNAL, "inclusion proof does not verify");
		goto done;
	}
	merkle_hasher_free(h);
	o = json_object();
	json_object_set_new(o, "seq", json_integer(seq));
	if (!store_ledger_cursor_open(s, seq, seq + 1, LLONG_MIN, LLONG_MAX, NULL, &c, NULL)) {
		if (store_ledger_cursor_next(c, &row, NULL) == 1)
			json_object_set_new(o, "entry", json_stringn(row.entry, row.entry_len));
		store_ledger_cursor_close(c);
	}
	json_object_set_new(o, "leaf_hash", hex_json(leaves[seq]));
	arr = json_array();
	for (size_t i = 0; i < len; i++)
		json_array_append_new(arr, hex_json(path[i]));
	json_object_set_new(o, "path", arr);
	*out = head_json(o, &head);
done:
	free(leaves);
	free(head.head);
	free(head.token);
	return rc;
}

enum sg_code ledger_consistency_proof(struct store *s, const struct ledger_key *keys, size_t nkeys,
                                      long long old_size, json_t **out, struct sg_error *err)
{
	return ledger_consistency_proof_between(s, keys, nkeys, old_size, 0, out, err);
}

enum sg_code ledger_consistency_proof_between(struct store *s, const struct ledger_key *keys,
                                              size_t nkeys, long long old_size, long long new_size,
                                              json_t **out, struct sg_error *err)
{
	struct store_ledger_head head;
	unsigned char(*leaves)[LEDGER_HASH_LEN] = NULL, proof[MERKLE_MAX_PATH][LEDGER_HASH_LEN],
	         old_root[LEDGER_HASH_LEN];
	struct merkle_hasher *h;
	size_t len;
	json_t *o, *arr;
	enum sg_code rc;

	*out = NULL;
	memset(&head, 0, sizeof(head));
	if ((rc = load_sealed(s, keys, nkeys, &head, &leaves, err)))
		goto done;
	if (new_size > head.tree_size) {
		rc = sg_error_set(err, SG_ERR_NOT_FOUND,
		                  ETR(err, "大きさ %lld の署名付きツリーヘッドはありません",
		                      "there is no signed tree head of size %lld"),
		                  new_size);
		goto done;
	}
	if (new_size > 0 && new_size != head.tree_size) {
		/* An earlier head: its root must be the tree's at its size (the
		 * leaves up to the latest head were checked against its root). */
		struct store_ledger_head older;
		memset(&older, 0, sizeof(older));
		if ((rc = signed_head(s, keys, nkeys, new_size, &older, err)))
			goto done;
		h = merkle_hasher_new();
		merkle_subtree(h, (const unsigned char(*)[LEDGER_HASH_LEN])leaves, 0,
		               (uint64_t)new_size, old_root);
		merkle_hasher_free(h);
		free(head.head);
		free(head.token);
		head = older;
		if (memcmp(old_root, head.root, LEDGER_HASH_LEN)) {
			rc = sg_error_set(
			    err, SG_ERR_VERIFY,
			    ETR(err, "ツリーヘッド (#%lld) のルートが台帳と一致しません",
			        "the root of tree head #%lld does not match the ledger"),
			    head.number);
			goto done;
		}
	}
	if (old_size < 1 || old_size > head.tree_size) {
		rc = sg_error_set(err, SG_ERR_USAGE,
		                  ETR(err, "古いサイズは 1〜%lld で指定してください",
		                      "the old size must be 1 to %lld"),
		                  head.tree_size);
		goto done;
	}
	h = merkle_hasher_new();
	merkle_subtree(h, (const unsigned char(*)[LEDGER_HASH_LEN])leaves, 0, (uint64_t)old_size,
	               old_root);
	len = merkle_consistency_proof(h, (const unsigned char(*)[LEDGER_HASH_LEN])leaves,
	                               (uint64_t)head.tree_size, (uint64_t)old_size, proof);
	if (!merkle_verify_consistency(h, (uint64_t)old_size, (uint64_t)head.tree_size, old_root,
	                               head.root, (const unsigned char(*)[LEDGER_HASH_LEN])proof,
	                               len)) {
		merkle_hasher_free(h);
		rc = sg_error_set(err, SG_ERR_INTERNAL, "consistency proof does not verify");
		goto done;
	}
	merkle_hasher_free(h);
	o = json_object();
	json_object_set_new(o, "old_size", json_integer(old_size));
	json_object_set_new(o, "old_root", hex_json(old_root));
	arr = json_array();
	for (size_t i = 0; i < len; i++)
		json_array_append_new(arr, hex_json(proof[i]));
	json_object_set_new(o, "proof", arr);
	*out = head_json(o, &head);
done:
	free(leaves);
	free(head.head);
	free(head.token);
	return rc;
}
