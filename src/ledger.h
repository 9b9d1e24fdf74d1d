/*
 * ledger - saasguard's evidence: an append-only, RFC 6962 Merkle log of
 * everything it does (assessments, check state changes, incidents,
 * notifications, follow-ups, measurements, attestations, reports), sealed by
 * signed tree heads (Ed25519, see ledger_key.h) that can carry RFC 3161
 * time-stamp tokens (ledger_tsa.h). Verification, proofs and export for
 * auditors live in ledger_verify.h; docs/internals/ledger.md has the formats.
 *
 * An entry is the canonical JSON text {"at":MS,"payload":{...},"seq":N,
 * "type":"..."} (keys sorted, no white space, UTF-8); its leaf hash is
 * SHA-256(0x00 || entry). Callers record an event with ledger_append() inside
 * the same store transaction as the event itself, so the two commit or
 * vanish together; long-running programs call ledger_maybe_seal() after
 * their work (an assessment, a round of checks) and ledger_seal_now() at
 * shutdown.
 *
 * A tree head is the text
 *   saasguard-ledger-head v2\n number K\n size N\n root HEX\n
 *   time ISO8601\n key KEYID\n prev-size M\n prev-head HEX\n
 * (one item per line, no leading spaces): the K-th head of the chain, whose
 * prev-head is the SHA-256 of the (K-1)-th head's text (zeros for the first),
 * so a deleted head breaks the chain. Its signature is Ed25519 over exactly
 * those bytes, and its token's imprint is their SHA-256. Heads written before
 * the chain (v1: no number, no prev-*) still parse and verify.
 *
 * The signer (ledger_signer.h) keeps its own record of the heads it signed
 * beside the key and signs only a tree that extends the last one.
 *
 * Ownership: ledger_append() borrows payload (the caller keeps its
 * reference). A ledger_config owns its strings (ledger_config_release()).
 * A writer is closed with ledger_writer_close(). Returned texts are freed by
 * the caller with free().
 */
#ifndef SG_LEDGER_H
#define SG_LEDGER_H

#include <jansson.h>

#include "error.h"
#include "ledger_key.h"
#include "store.h"
#include "ydoc.h"

#define LEDGER_HASH_LEN      32
#define LEDGER_HEAD_MAGIC    "saasguard-ledger-head v2"
#define LEDGER_HEAD_MAGIC_V1 "saasguard-ledger-head v1"

struct ledger_signer;

/* Appends one entry; *seq (may be NULL) receives its sequence number (0-based
 * leaf index). Joins the caller's transaction if one is open. type is 1-64
 * characters of [A-Za-z0-9_.:-]. */
enum sg_code ledger_append(struct store *s, const char *type, json_t *payload, long long *seq,
                           struct sg_error *err);

/* Many appends with prepared statements kept between calls (bulk imports,
 * the benchmark). Wrap a batch in store_begin()/store_commit(). */
struct ledger_writer;
enum sg_code ledger_writer_open(struct store *s, struct ledger_writer **out, struct sg_error *err);
enum sg_code ledger_writer_append(struct ledger_writer *w, const char *type, json_t *payload,
                                  long long *seq, struct sg_error *err);
void ledger_writer_close(struct ledger_writer *w);

/* The canonical text of an entry (caller frees). */
char *ledger_entry_text(long long seq, long long at_ms, const char *type, json_t *payload);

/* Reads entries in seq order: of type (NULL: any), at_ms in [from_ms, to_ms).
 * cb gets the parsed entry ({"at","payload","seq","type"}, borrowed) and
 * its text; a nonzero return stops the walk. */
typedef int (*ledger_entry_fn)(json_t *entry, const char *text, void *ctx);
enum sg_code ledger_each(struct store *s, const char *type, long long from_ms, long long to_ms,
                         ledger_entry_fn cb, void *ctx, struct sg_error *err);

/* The profile's `ledger:` section. */
struct ledger_config {
	char *key_path;               /* private key; default $SAASGUARD_LEDGER_KEY, else
	                                 ledger.key beside the database */
	int key_path_default;         /* key_path is the default (follows the database) */
	struct ledger_signer *signer; /* borrowed; when set, sealing signs with it
	                                 instead of opening key_path */
	char *tsa_url;                /* RFC 3161 TSA; NULL: heads are not timestamped */
	char *tsa_ca_file;            /* CA certificates the TSA chains to */
	long long seal_every_entries; /* seal after this many new entries (default 1000) */
	double seal_every;            /* ... or this many seconds after the last head (600) */
	double tsa_timeout;           /* seconds (30) */
};

#define LEDGER_CONFIG_KEYS                                                                         \
	"key", "tsa_url", "tsa_ca_file", "seal_every_entries", "seal_every", "tsa_timeout"

/* Defaults, with the default key_path (see struct ledger_config). */
void ledger_config_init(struct ledger_config *c);
/* Reads a `ledger:` map (section may be NULL: defaults stay). Relative paths
 * are taken relative to base_dir (the profile's directory; NULL: as given).
 * Errors name file:line:column. */
enum sg_code ledger_config_load(struct ledger_config *c, const struct ydoc *doc,
                                const struct ydoc_node *section, const char *base_dir,
                                struct sg_error *err);
void ledger_config_release(struct ledger_config *c);
/* The database in use is db_path: a key path still at its default moves
 * beside it (README: "ledger.key beside the database"). */
void ledger_config_set_db(struct ledger_config *c, const char *db_path);

struct ledger_seal_result {
	int sealed;          /* a head was written */
	long long tree_size; /* its size (or the ledger's size when nothing was new) */
	long long head_id;   /* its number in the chain (never reused) */
	int timestamped;     /* it carries a token */
	char tsa_error[512]; /* why not, when a TSA is configured but failed */
};

/* (Implemented in ledger_signer.c.) Signs the next head of the chain over
 * every entry now in the ledger, if any entry is newer than the last head the
 * signer recorded (or there is none yet), with a token when a TSA is
 * configured. Refuses (SG_ERR_VERIFY) a ledger whose entries no longer hash
 * to that head's root or that is shorter than it, also when nothing is new.
 * A TSA failure does not fail the seal: the head is kept untimestamped,
 * out->tsa_error says why, and the next head's token covers these entries
 * too. Call it outside a transaction: it may wait for the TSA (tsa_timeout),
 * holding no store lock meanwhile (the signer's record stays locked). */
enum sg_code ledger_seal_now(struct store *s, const struct ledger_config *c,
                             struct ledger_seal_result *out, struct sg_error *err);
/* As ledger_seal_now() when seal_every_entries entries or seal_every seconds
 * have passed since the last head; otherwise out->sealed = 0. */
enum sg_code ledger_maybe_seal(struct store *s, const struct ledger_config *c,
                               struct ledger_seal_result *out, struct sg_error *err);

/* The values a head text carries. */
struct ledger_head_info {
	int version;      /* 2; 1 for a head written before the chain */
	long long number; /* v2: position in the chain, from 1 */
	long long size;
	unsigned char root[LEDGER_HASH_LEN];
	long long at_ms;
	char key_id[LEDGER_KEY_ID_LEN + 1];
	long long prev_size;                      /* v2: the previous head's size */
	unsigned char prev_head[LEDGER_HASH_LEN]; /* v2: SHA-256 of its text */
};

/* The head text for these values (caller frees). */
char *ledger_head_text(const struct ledger_head_info *h);
/* Parses a head text exactly as ledger_head_text() makes it (v2 or v1);
 * -1 if it is not one. */
int ledger_head_parse(const char *text, struct ledger_head_info *h);
/* SHA-256 of a head text (what the next head's prev-head names). */
void ledger_head_hash(const char *text, unsigned char out[LEDGER_HASH_LEN]);

#endif
