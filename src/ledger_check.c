/*
 * ledger_check - verification as a recorded act; see ledger_check.h.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger_check.h"
#include "ledger_events.h"
#include "ledger_key.h"
#include "ledger_signer.h"
#include "notify.h"
#include "store_ledger.h"
#include "timeutil.h"
#include "xalloc.h"
#include "banned.h"

/* Keys and records of at most this many configs (services of one serve). */
#define MAX_CFGS 16

void ledger_check_release(struct ledger_check *c)
{
	free(c->error);
	free(c->by);
	memset(c, 0, sizeof(*c));
}

enum sg_code ledger_check_outcome(enum sg_code code, const struct ledger_verify_report *r,
                                  const struct sg_error *verr, double seconds,
                                  struct ledger_check *c)
{
	memset(c, 0, sizeof(*c));
	if (code && code != SG_ERR_VERIFY)
		return code;
	c->ok = code == SG_OK;
	c->r = *r;
	c->has_root = r->sealed > 0;
	c->seconds = seconds;
	if (!c->ok)
		c->error = xstrdup(verr && verr->msg[0] ? verr->msg : "verification failed");
	return SG_OK;
}

enum sg_code ledger_check_run(struct store *s, const struct ledger_config *const *cfgs, size_t n,
                              struct ledger_check *c, struct sg_error *err)
{
	struct ledger_key keys[MAX_CFGS];
	struct ledger_checkpoint cps[MAX_CFGS];
	struct ledger_verify_opts vo;
	struct ledger_verify_report r;
	struct sg_error verr;
	size_t nkeys = 0, ncps = 0;
	const char *tsa_ca = NULL;
	double t0;
	enum sg_code rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n && i < MAX_CFGS; i++) {
		char *pub = xstrfmt("%s.pub", cfgs[i]->key_path);
		char *record = ledger_signer_record_path(cfgs[i]->key_path);
		int dup = 0;
		if (ledger_key_load_public(pub, &keys[nkeys], NULL) == SG_OK) {
			for (size_t k = 0; k < nkeys; k++)
				dup |= !strcmp(keys[k].id, keys[nkeys].id);
			if (!dup) {
				nkeys++;
				/* The signer's record when this process may read it. */
				if (ledger_checkpoint_read(record, &cps[ncps], NULL) == SG_OK)
					ncps++;
			}
		}
		if (!tsa_ca && cfgs[i]->tsa_ca_file)
			tsa_ca = cfgs[i]->tsa_ca_file;
		free(pub);
		free(record);
	}
	if (!nkeys)
		return sg_error_set(
		    err, SG_ERR_NOT_FOUND, "%s",
		    ETR(err, "台帳の公開鍵 (署名鍵の横の KEY.pub) がないため、台帳を検証できません",
		        "the ledger cannot be verified: there is no public key (KEY.pub beside "
		        "the signing key)"));
	memset(&vo, 0, sizeof(vo));
	vo.keys = keys;
	vo.nkeys = nkeys;
	vo.checkpoints = cps;
	vo.ncheckpoints = ncps;
	vo.tsa_ca_file = tsa_ca;
	vo.from_ms = LLONG_MIN;
	vo.to_ms = LLONG_MAX;
	memset(&verr, 0, sizeof(verr));
	verr.lang = err ? err->lang : 0;
	t0 = timeutil_monotonic_ms();
	rc = ledger_verify(s, &vo, &r, &verr);
	rc = ledger_check_outcome(rc, &r, &verr, (timeutil_monotonic_ms() - t0) / 1000.0, c);
	if (rc && err)
		*err = verr;
	for (size_t i = 0; i < ncps; i++)
		ledger_checkpoint_release(&cps[i]);
	return rc;
}

/* The managers' alert of a failed verification, Japanese then English. */
static void alert_text(const struct ledger_check *c, const char *by, struct dynbuf *out)
{
	const char *why = c->error ? c->error : "";

	dynbuf_printf(
	    out,
	    "証跡台帳の検証（実行: %s）に失敗しました。記録が改ざんされたか、データベースが"
	    "壊れている可能性があります。\n%s\n"
	    "監査人が保存したチェックポイントや書き出しと照合し、原因を調べてください"
	    "（saasguard ledger verify で再検証できます）。\n\n"
	    "The verification of the evidence ledger (run by %s) FAILED: records may "
	    "have been altered, or the database is damaged.\n%s\n"
	    "Compare it with checkpoints and exports held by auditors and find the cause "
	    "(saasguard ledger verify checks it again).",
	    by, why, by, why);
}

enum sg_code ledger_check_record(struct store *s, const struct ledger_check *c, const char *by,
                                 const struct notify_config *ncfg, const char *service, int pattern,
                                 long long *seq, size_t *alerted, struct sg_error *err)
{
	struct ledger_events_verification v = {
	    c->ok,
	    c->r.entries,
	    c->r.recomputed,
	    c->r.heads,
	    c->r.checkpoints,
	    c->r.sealed_number,
	    c->r.sealed,
	    c->has_root ? c->r.sealed_root : NULL,
	    c->r.bad_from,
	    c->r.bad_to,
	    c->error,
	    /* whole milliseconds: the entry's text stays short */
	    floor(c->seconds * 1000.0) / 1000.0,
	    by,
	};
	struct notify_incident inc;
	struct dynbuf msg = DYNBUF_INIT;
	double now = timeutil_now();
	enum sg_code rc;

	if (alerted)
		*alerted = 0;
	if ((rc = store_begin(s, err)))
		return rc;
	rc = ledger_events_ledger_verified(s, &v, seq, err);
	if (!rc && !c->ok && ncfg && notify_config_recipients(ncfg, "managers")) {
		alert_text(c, by, &msg);
		memset(&inc, 0, sizeof(inc));
		inc.service = service;
		inc.pattern = pattern;
		inc.check_name = "ledger";
		inc.kind = "internal";
		inc.started_at = inc.detected_at = now;
		inc.summary = c->error;
		rc = dynbuf_status(&msg)
		         ? sg_error_set(err, SG_ERR_NOMEM, "%s",
		                        ETR(err, "メモリが足りません", "out of memory"))
		         : notify_enqueue(s, ncfg, NOTIFY_INTERNAL, &inc, dynbuf_ptr(&msg), err);
		if (!rc && alerted)
			*alerted = notify_config_recipients(ncfg, "managers");
	}
	dynbuf_release(&msg);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* Payload fields read back: hostile, so a wrong type reads as absent. */
static long long get_int(json_t *p, const char *key, long long dflt)
{
	json_t *v = json_object_get(p, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

enum sg_code ledger_check_latest(struct store *s, struct ledger_check *c, int *found,
                                 struct sg_error *err)
{
	long long seq = 0, at_ms = 0;
	char *text = NULL;
	json_t *entry, *p;
	const char *result, *by, *error, *root;
	enum sg_code rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_ledger_latest_of_type(s, "ledger_verified", &seq, &at_ms, &text, found,
	                                      err)) ||
	    !*found)
		return rc;
	entry = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	p = json_object_get(entry, "payload");
	if (!json_is_object(p)) {
		*found = 0;
		json_decref(entry);
		return SG_OK;
	}
	result = json_string_value(json_object_get(p, "result"));
	by = json_string_value(json_object_get(p, "by"));
	error = json_string_value(json_object_get(p, "error"));
	root = json_string_value(json_object_get(p, "head_root"));
	c->seq = seq;
	c->at = (double)at_ms / 1000.0;
	c->ok = result && !strcmp(result, "ok");
	c->by = xstrdup(by ? by : "");
	if (!c->ok)
		c->error = xstrdup(error ? error : "");
	c->r.entries = get_int(p, "entries", 0);
	c->r.recomputed = get_int(p, "recomputed", 0);
	c->r.heads = get_int(p, "heads", 0);
	c->r.checkpoints = get_int(p, "checkpoints", 0);
	c->r.sealed_number = get_int(p, "head_number", 0);
	c->r.sealed = get_int(p, "head_size", 0);
	c->r.bad_from = get_int(p, "first_bad", -1);
	c->r.bad_to = get_int(p, "last_bad", -1);
	c->seconds = json_is_number(json_object_get(p, "seconds"))
	                 ? json_number_value(json_object_get(p, "seconds"))
	                 : 0;
	c->has_root = root && strlen(root) == 2 * sizeof(c->r.sealed_root) &&
	              sodium_hex2bin(c->r.sealed_root, sizeof(c->r.sealed_root), root, strlen(root),
	                             NULL, NULL, NULL) == 0;
	json_decref(entry);
	return SG_OK;
}
