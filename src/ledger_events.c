/*
 * ledger_events - the payloads the ledger records; see ledger_events.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n.h"
#include "ledger_events.h"
#include "merkle.h"
#include "xalloc.h"
#include "banned.h"

const char *const ledger_events_types[] = {
    "assessment",
    "attestation",
    "measurements",
    "monitor_started",
    "monitor_stopped",
    "check_state",
    "check_results_digest",
    "incident_opened",
    "incident_resolved",
    "monitor_measurements",
    "followup_recorded",
    "notification_queued",
    "notification_attempt",
    "notification_delivered",
    "notification_rewritten",
    "report",
    "report_mailed",
    "maintenance_announced",
    "maintenance_started",
    "maintenance_ended",
    "web_login",
    "web_logout",
    "web_user_added",
    "web_user_password_changed",
    "web_user_removed",
    "web_token_added",
    "web_token_revoked",
    "ledger_verified",
    "ledger_exported",
    NULL,
};

/* Names for people, in the order of ledger_events_types. */
/* Names for people, in the order of ledger_events_types. */
static const char *const labels_ja[] = {
    "評価",
    "実施記録",
    "収集結果",
    "監視開始",
    "監視停止",
    "チェック状態の変化",
    "チェック結果のダイジェスト",
    "インシデント発生",
    "インシデント復旧",
    "監視の測定値",
    "続報",
    "通知の登録",
    "通知の送信",
    "通知の配信",
    "通知の書き換え",
    "報告書",
    "報告書の送付",
    "保守の告知",
    "保守開始の通知",
    "保守終了の通知",
    "Web ログイン",
    "Web ログアウト",
    "Web ユーザーの追加",
    "Web ユーザーのパスワード変更",
    "Web ユーザーの削除",
    "API トークンの発行",
    "API トークンの失効",
    "台帳の検証",
    "台帳の書き出し",
};
static const char *const labels_en[] = {
    "assessment",
    "attestation",
    "collector results",
    "monitoring started",
    "monitoring stopped",
    "check state",
    "check results digest",
    "incident opened",
    "incident resolved",
    "monitor measurements",
    "follow-up",
    "notification queued",
    "notification attempt",
    "notification delivered",
    "notification rewritten",
    "report",
    "report mailed",
    "maintenance announced",
    "maintenance start notice",
    "maintenance end notice",
    "web login",
    "web logout",
    "web user added",
    "web user password changed",
    "web user removed",
    "API token added",
    "API token revoked",
    "ledger verified",
    "ledger exported",
};
_Static_assert(sizeof(labels_ja) / sizeof(labels_ja[0]) ==
                   sizeof(ledger_events_types) / sizeof(ledger_events_types[0]) - 1,
               "a Japanese name for every type");
_Static_assert(sizeof(labels_en) / sizeof(labels_en[0]) ==
                   sizeof(ledger_events_types) / sizeof(ledger_events_types[0]) - 1,
               "an English name for every type");

const char *ledger_events_label(const char *type, int lang)
{
	for (size_t i = 0; ledger_events_types[i]; i++)
		if (!strcmp(ledger_events_types[i], type))
			return lang == SG_LANG_EN ? labels_en[i] : labels_ja[i];
	return type;
}

int ledger_events_type_known(const char *type)
{
	for (size_t i = 0; ledger_events_types[i]; i++)
		if (!strcmp(ledger_events_types[i], type))
			return 1;
	return 0;
}

/* Appends payload (stolen) as an entry of type. */
static enum sg_code put(struct store *s, const char *type, json_t *payload, long long *seq,
                        struct sg_error *err)
{
	enum sg_code rc;

	if (!payload)
		return sg_error_set(err, SG_ERR_INTERNAL, "ledger: cannot build the %s payload",
		                    type);
	rc = ledger_append(s, type, payload, seq, err);
	json_decref(payload);
	return rc;
}

static json_t *hex(const unsigned char sha256[LEDGER_HASH_LEN])
{
	char h[2 * LEDGER_HASH_LEN + 1];

	merkle_hex(sha256, h);
	return json_string(h);
}

enum sg_code ledger_events_assessment(struct store *s, const char *profile_path,
                                      const unsigned char profile_sha256[LEDGER_HASH_LEN],
                                      const char *service, int pattern, json_t *summary,
                                      struct sg_error *err)
{
	return put(s, "assessment",
	           json_pack("{s:s,s:o,s:s,s:i,s:o}", "profile", profile_path, "profile_sha256",
	                     hex(profile_sha256), "service", service, "pattern", pattern, "summary",
	                     summary),
	           NULL, err);
}

enum sg_code ledger_events_attestation(struct store *s, const char *control, const char *note,
                                       const char *by, const char *via,
                                       const struct ledger_events_evidence *evidence, size_t n,
                                       long long *seq, struct sg_error *err)
{
	json_t *files = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    files, json_pack("{s:s,s:s,s:I,s:s*}", "file", evidence[i].file, "sha256",
		                     evidence[i].sha256_hex, "bytes", (json_int_t)evidence[i].bytes,
		                     "name", evidence[i].name));
	return put(s, "attestation",
	           json_pack("{s:s,s:s,s:s,s:o,s:s*}", "control", control, "note", note, "by", by,
	                     "evidence", files, "via", via),
	           seq, err);
}

json_t *ledger_events_measurement(long long id, const char *collector, const char *item,
                                  const char *subject, const char *status, const char *value,
                                  const char *unit, double at, const char *evidence)
{
	json_t *o = json_pack("{s:I,s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:f}", "measurement",
	                      (json_int_t)id, "collector", collector, "item", item, "subject",
	                      subject, "status", status, "value", value, "unit", unit, "at", at);

	if (o && evidence)
		json_object_set_new(o, "evidence", json_string(evidence));
	return o;
}

enum sg_code ledger_events_measurements(struct store *s, const char *service, int pattern,
                                        json_t *results, long long *seq, struct sg_error *err)
{
	return put(
	    s, "measurements",
	    json_pack("{s:s,s:i,s:o}", "service", service, "pattern", pattern, "results", results),
	    seq, err);
}

enum sg_code ledger_events_monitor_started(struct store *s, long long run, const char *service,
                                           const char *profile,
                                           const unsigned char profile_sha256[LEDGER_HASH_LEN],
                                           int pattern, long long checks, int once,
                                           struct sg_error *err)
{
	return put(s, "monitor_started",
	           json_pack("{s:I,s:s,s:s,s:o,s:i,s:I,s:b}", "run", (json_int_t)run, "service",
	                     service, "profile", profile, "profile_sha256", hex(profile_sha256),
	                     "pattern", pattern, "checks", (json_int_t)checks, "once", once),
	           NULL, err);
}

enum sg_code ledger_events_monitor_stopped(struct store *s, long long run, const char *service,
                                           long long probes, long long lost_results,
                                           struct sg_error *err)
{
	return put(s, "monitor_stopped",
	           json_pack("{s:I,s:s,s:I,s:I}", "run", (json_int_t)run, "service", service,
	                     "probes", (json_int_t)probes, "lost_results",
	                     (json_int_t)lost_results),
	           NULL, err);
}

enum sg_code ledger_events_check_state(struct store *s, const char *service, const char *check,
                                       long long check_id, const char *kind, const char *from,
                                       const char *to, int confirmed, double at, const char *detail,
                                       struct sg_error *err)
{
	return put(s, "check_state",
	           json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:f,s:s}", "service", service, "check",
	                     check, "check_id", (json_int_t)check_id, "kind", kind, "from", from,
	                     "to", to, "confirmed", confirmed, "at", at, "detail",
	                     detail ? detail : ""),
	           NULL, err);
}

enum sg_code ledger_events_check_results_digest(struct store *s, const char *service,
                                                long long first, long long last, long long count,
                                                long long failures,
                                                const unsigned char sha256[LEDGER_HASH_LEN],
                                                double at, struct sg_error *err)
{
	return put(s, "check_results_digest",
	           json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:f}", "service", service, "first_result",
	                     (json_int_t)first, "last_result", (json_int_t)last, "count",
	                     (json_int_t)count, "failures", (json_int_t)failures, "sha256",
	                     hex(sha256), "at", at),
	           NULL, err);
}

enum sg_code ledger_events_incident_opened(struct store *s, const struct ledger_events_incident *i,
                                           struct sg_error *err)
{
	unsigned char t[crypto_hash_sha256_BYTES];

	/* The target by its hash only: the status page publishes this entry as the
	 * text of an inclusion proof, and the target is an internal address. The
	 * incident's row keeps the target, so an auditor can recompute it. */
	crypto_hash_sha256(t, (const unsigned char *)(i->target ? i->target : ""),
	                   i->target ? strlen(i->target) : 0);
	return put(s, "incident_opened",
	           json_pack("{s:I,s:s,s:s,s:o,s:s,s:s,s:f,s:f,s:f,s:f,s:s,s:b}", "incident",
	                     (json_int_t)i->id, "service", i->service, "check", i->check,
	                     "target_sha256", hex(t), "kind", i->kind, "item", i->item,
	                     "started_at", i->started_at, "detected_at", i->detected_at,
	                     "notify_deadline_s", i->notify_deadline_s, "followup_deadline_s",
	                     i->followup_deadline_s, "summary", i->summary, "muted", i->muted),
	           NULL, err);
}

enum sg_code ledger_events_incident_resolved(struct store *s, long long id, const char *service,
                                             const char *check, double resolved_at,
                                             double duration_s, struct sg_error *err)
{
	return put(s, "incident_resolved",
	           json_pack("{s:I,s:s,s:s,s:f,s:f}", "incident", (json_int_t)id, "service",
	                     service, "check", check, "resolved_at", resolved_at, "duration_s",
	                     duration_s),
	           NULL, err);
}

enum sg_code ledger_events_monitor_measurements(struct store *s, const char *service, double from,
                                                double to, json_t *values, struct sg_error *err)
{
	return put(s, "monitor_measurements",
	           json_pack("{s:s,s:f,s:f,s:O}", "service", service, "from", from, "to", to,
	                     "values", values),
	           NULL, err);
}

enum sg_code ledger_events_followup_recorded(struct store *s, long long incident,
                                             const char *message, double delay_s,
                                             long long recipients, const char *by,
                                             struct sg_error *err)
{
	return put(s, "followup_recorded",
	           json_pack("{s:I,s:s,s:f,s:I,s:s*}", "incident", (json_int_t)incident, "message",
	                     message, "delay_s", delay_s, "recipients", (json_int_t)recipients,
	                     "by", by),
	           NULL, err);
}

enum sg_code ledger_events_notification_queued(struct store *s, long long id, long long incident,
                                               const char *purpose, const char *audience,
                                               const char *channel, const char *recipient,
                                               const char *subject, struct sg_error *err)
{
	return put(s, "notification_queued",
	           json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "notification", (json_int_t)id,
	                     "incident", (json_int_t)incident, "purpose", purpose, "audience",
	                     audience, "channel", channel, "recipient", recipient, "subject",
	                     subject),
	           NULL, err);
}

enum sg_code ledger_events_notification_attempt(struct store *s, long long id, long long attempt,
                                                int ok, const char *error, double seconds,
                                                struct sg_error *err)
{
	return put(s, "notification_attempt",
	           json_pack("{s:I,s:I,s:b,s:s?,s:f}", "notification", (json_int_t)id, "attempt",
	                     (json_int_t)attempt, "ok", ok, "error", ok ? NULL : error, "seconds",
	                     seconds),
	           NULL, err);
}

enum sg_code ledger_events_notification_delivered(struct store *s, long long id, long long incident,
                                                  const char *purpose, const char *recipient,
                                                  double delivered_at, double since_created_s,
                                                  const long long *merged, size_t nmerged,
                                                  struct sg_error *err)
{
	json_t *m = json_array();

	for (size_t i = 0; i < nmerged; i++)
		json_array_append_new(m, json_integer((json_int_t)merged[i]));
	return put(s, "notification_delivered",
	           json_pack("{s:I,s:I,s:s,s:s,s:f,s:f,s:o}", "notification", (json_int_t)id,
	                     "incident", (json_int_t)incident, "purpose", purpose, "recipient",
	                     recipient, "delivered_at", delivered_at, "since_created_s",
	                     since_created_s, "merged", m),
	           NULL, err);
}

enum sg_code ledger_events_notification_rewritten(struct store *s, long long id, long long incident,
                                                  const char *reason, const char *subject,
                                                  struct sg_error *err)
{
	return put(s, "notification_rewritten",
	           json_pack("{s:I,s:I,s:s,s:s}", "notification", (json_int_t)id, "incident",
	                     (json_int_t)incident, "reason", reason, "subject", subject),
	           NULL, err);
}

enum sg_code ledger_events_report(struct store *s, const char *service, int pattern,
                                  const char *period, const char *audience, const char *format,
                                  const char *path, const unsigned char sha256[LEDGER_HASH_LEN],
                                  long long bytes, const char *lang, const char *by,
                                  struct sg_error *err)
{
	return put(s, "report",
	           json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:I,s:s,s:s*}", "service", service,
	                     "pattern", pattern, "period", period, "audience", audience, "format",
	                     format, "path", path, "sha256", hex(sha256), "bytes",
	                     (json_int_t)bytes, "lang", lang, "by", by),
	           NULL, err);
}

enum sg_code ledger_events_report_mailed(struct store *s, const char *service, const char *period,
                                         const char *audience, const char *group, const char *path,
                                         const char *sha256_hex, long long recipients,
                                         const char *subject, struct sg_error *err)
{
	return put(s, "report_mailed",
	           json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "service", service, "period",
	                     period, "audience", audience, "recipients_group", group, "path", path,
	                     "sha256", sha256_hex, "recipients", (json_int_t)recipients, "subject",
	                     subject),
	           NULL, err);
}

enum sg_code ledger_events_maintenance_announced(struct store *s, const char *service, double start,
                                                 double end, const char *note, const char *by,
                                                 long long recipients, struct sg_error *err)
{
	return put(s, "maintenance_announced",
	           json_pack("{s:s,s:f,s:f,s:s,s:s,s:I}", "service", service, "start", start, "end",
	                     end, "note", note, "by", by, "recipients", (json_int_t)recipients),
	           NULL, err);
}

static enum sg_code maintenance_notice(struct store *s, const char *type, const char *service,
                                       double start, double end, const char *note,
                                       long long recipients, struct sg_error *err)
{
	return put(s, type,
	           json_pack("{s:s,s:f,s:f,s:s,s:I}", "service", service, "start", start, "end",
	                     end, "note", note, "recipients", (json_int_t)recipients),
	           NULL, err);
}

enum sg_code ledger_events_maintenance_started(struct store *s, const char *service, double start,
                                               double end, const char *note, long long recipients,
                                               struct sg_error *err)
{
	return maintenance_notice(s, "maintenance_started", service, start, end, note, recipients,
	                          err);
}

enum sg_code ledger_events_maintenance_ended(struct store *s, const char *service, double start,
                                             double end, const char *note, long long recipients,
                                             struct sg_error *err)
{
	return maintenance_notice(s, "maintenance_ended", service, start, end, note, recipients,
	                          err);
}

enum sg_code ledger_events_web_login(struct store *s, const char *user, const char *role,
                                     const char *address, struct sg_error *err)
{
	return put(s, "web_login",
	           json_pack("{s:s,s:s,s:s}", "user", user, "role", role, "address", address), NULL,
	           err);
}

enum sg_code ledger_events_web_logout(struct store *s, const char *user, struct sg_error *err)
{
	return put(s, "web_logout", json_pack("{s:s}", "user", user), NULL, err);
}

enum sg_code ledger_events_web_user_added(struct store *s, const char *user, const char *role,
                                          const char *by, struct sg_error *err)
{
	return put(s, "web_user_added",
	           json_pack("{s:s,s:s,s:s}", "user", user, "role", role, "by", by), NULL, err);
}

enum sg_code ledger_events_web_user_password_changed(struct store *s, const char *user,
                                                     const char *by, struct sg_error *err)
{
	return put(s, "web_user_password_changed", json_pack("{s:s,s:s}", "user", user, "by", by),
	           NULL, err);
}

enum sg_code ledger_events_web_user_removed(struct store *s, const char *user, const char *by,
                                            struct sg_error *err)
{
	return put(s, "web_user_removed", json_pack("{s:s,s:s}", "user", user, "by", by), NULL,
	           err);
}

enum sg_code ledger_events_web_token_added(struct store *s, const char *token, const char *role,
                                           const char *by, struct sg_error *err)
{
	return put(s, "web_token_added",
	           json_pack("{s:s,s:s,s:s}", "token", token, "role", role, "by", by), NULL, err);
}

enum sg_code ledger_events_web_token_revoked(struct store *s, const char *token, const char *by,
                                             struct sg_error *err)
{
	return put(s, "web_token_revoked", json_pack("{s:s,s:s}", "token", token, "by", by), NULL,
	           err);
}

enum sg_code ledger_events_ledger_verified(struct store *s,
                                           const struct ledger_events_verification *v,
                                           long long *seq, struct sg_error *err)
{
	json_t *p =
	    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "by", v->by, "result",
	              v->ok ? "ok" : "failed", "entries", (json_int_t)v->entries, "recomputed",
	              (json_int_t)v->recomputed, "heads", (json_int_t)v->heads, "checkpoints",
	              (json_int_t)v->checkpoints, "head_number", (json_int_t)v->head_number,
	              "head_size", (json_int_t)v->head_size, "seconds", v->seconds);
	char hex[2 * LEDGER_HASH_LEN + 1];

	if (p && v->head_root) {
		sodium_bin2hex(hex, sizeof(hex), v->head_root, LEDGER_HASH_LEN);
		json_object_set_new(p, "head_root", json_string(hex));
	} else if (p) {
		json_object_set_new(p, "head_root", json_null());
	}
	if (p && !v->ok) {
		json_object_set_new(p, "error", json_string(v->error ? v->error : ""));
		json_object_set_new(p, "first_bad",
		                    v->first_bad >= 0 ? json_integer(v->first_bad) : json_null());
		json_object_set_new(p, "last_bad",
		                    v->last_bad >= 0 ? json_integer(v->last_bad) : json_null());
	}
	return put(s, "ledger_verified", p, seq, err);
}

enum sg_code ledger_events_ledger_exported(struct store *s, long long from_ms, long long to_ms,
                                           long long first_seq, long long end_seq,
                                           long long tree_size, int timestamped,
                                           const char *sha256_hex, long long bytes, const char *by,
                                           struct sg_error *err)
{
	json_t *p = json_pack("{s:s,s:I,s:I,s:I,s:b,s:s,s:I,s:s}", "by", by, "first_seq",
	                      (json_int_t)first_seq, "end_seq", (json_int_t)end_seq, "tree_size",
	                      (json_int_t)tree_size, "timestamped", timestamped, "sha256",
	                      sha256_hex, "bytes", (json_int_t)bytes, "via", "web");

	if (p) {
		json_object_set_new(p, "from_ms",
		                    from_ms != LLONG_MIN ? json_integer(from_ms) : json_null());
		json_object_set_new(p, "to_ms",
		                    to_ms != LLONG_MAX ? json_integer(to_ms) : json_null());
	}
	return put(s, "ledger_exported", p, NULL, err);
}

/* ---- the index for people ---- */

static const char *str(json_t *p, const char *key)
{
	const char *v = json_string_value(json_object_get(p, key));

	return v ? v : "";
}

static long long num(json_t *p, const char *key)
{
	double v = json_number_value(json_object_get(p, key));

	/* Payloads read back are hostile: no cast of an out-of-range double. */
	return v > -9e18 && v < 9e18 ? (long long)v : 0;
}

char *ledger_events_summary(const char *type, json_t *p, int lang)
{
	int en = lang == SG_LANG_EN;
	char *raw, *out;

	if (!json_is_object(p))
		p = NULL;
	if (!p)
		return xstrdup("");
	if (!strcmp(type, "assessment"))
		return xstrfmt(en ? "assessment of %s (pattern %lld)" : "%s（パターン %lld）の評価",
		               str(p, "service"), num(p, "pattern"));
	if (!strcmp(type, "attestation"))
		return xstrfmt(en ? "%s: %s (by %s, %zu evidence files)"
		                  : "%s: %s（%s、証跡ファイル %zu 件）",
		               str(p, "control"), str(p, "note"), str(p, "by"),
		               json_array_size(json_object_get(p, "evidence")));
	if (!strcmp(type, "measurements"))
		return xstrfmt(en ? "%zu collector results for %s" : "収集結果 %zu 件（%s）",
		               json_array_size(json_object_get(p, "results")), str(p, "service"));
	if (!strcmp(type, "monitor_started"))
		return xstrfmt(en ? "monitoring of %s started (%lld checks)"
		                  : "%s の監視を開始（チェック %lld 件）",
		               str(p, "service"), num(p, "checks"));
	if (!strcmp(type, "monitor_stopped"))
		return xstrfmt(en ? "monitoring of %s stopped (%lld probes)"
		                  : "%s の監視を停止（プローブ %lld 回）",
		               str(p, "service"), num(p, "probes"));
	if (!strcmp(type, "check_state"))
		return xstrfmt("%s: %s → %s%s%s", str(p, "check"), str(p, "from"), str(p, "to"),
		               *str(p, "detail") ? " — " : "", str(p, "detail"));
	if (!strcmp(type, "check_results_digest"))
		return xstrfmt(en ? "digest of %lld check results (%lld failed)"
		                  : "チェック結果 %lld 件のダイジェスト（失敗 %lld 件）",
		               num(p, "count"), num(p, "failures"));
	if (!strcmp(type, "incident_opened"))
		return xstrfmt(
		    en ? "incident %lld opened: %s %s (%s)" : "インシデント %lld 発生: %s %s（%s）",
		    num(p, "incident"), str(p, "kind"), str(p, "check"), str(p, "summary"));
	if (!strcmp(type, "incident_resolved"))
		return xstrfmt(en ? "incident %lld resolved after %lld s"
		                  : "インシデント %lld 復旧（%lld 秒）",
		               num(p, "incident"), num(p, "duration_s"));
	if (!strcmp(type, "monitor_measurements"))
		return xstrfmt(en ? "measured values of %s" : "%s の測定値", str(p, "service"));
	if (!strcmp(type, "followup_recorded"))
		return xstrfmt(en ? "follow-up on incident %lld: %s"
		                  : "インシデント %lld の続報: %s",
		               num(p, "incident"), str(p, "message"));
	if (!strcmp(type, "notification_queued"))
		return xstrfmt(en ? "notification %lld queued to %s: %s"
		                  : "通知 %lld を %s 宛てに登録: %s",
		               num(p, "notification"), str(p, "recipient"), str(p, "subject"));
	if (!strcmp(type, "notification_attempt"))
		return xstrfmt(en ? "notification %lld, attempt %lld: %s"
		                  : "通知 %lld の送信 %lld 回目: %s",
		               num(p, "notification"), num(p, "attempt"),
		               json_is_true(json_object_get(p, "ok")) ? (en ? "sent" : "成功")
		                                                      : str(p, "error"));
	if (!strcmp(type, "notification_delivered"))
		return xstrfmt(en ? "notification %lld delivered to %s" : "通知 %lld を %s に配信",
		               num(p, "notification"), str(p, "recipient"));
	if (!strcmp(type, "notification_rewritten"))
		return xstrfmt(en ? "notification %lld rewritten: %s (%s)"
		                  : "通知 %lld を書き換え: %s（%s）",
		               num(p, "notification"), str(p, "subject"), str(p, "reason"));
	if (!strcmp(type, "report"))
		return xstrfmt(en ? "report %s for %s (%s, %s)" : "報告書 %s（%s 向け、%s、%s）",
		               str(p, "period"), str(p, "audience"), str(p, "format"),
		               str(p, "path"));
	if (!strcmp(type, "report_mailed"))
		return xstrfmt(en ? "report %s mailed to %lld recipients"
		                  : "報告書 %s を %lld 名に送付",
		               str(p, "period"), num(p, "recipients"));
	if (!strcmp(type, "maintenance_announced"))
		return xstrfmt(en ? "maintenance of %s announced by %s to %lld recipients: %s"
		                  : "%s の保守を %s が %lld 名に告知: %s",
		               str(p, "service"), str(p, "by"), num(p, "recipients"),
		               str(p, "note"));
	if (!strcmp(type, "maintenance_started"))
		return xstrfmt(en ? "maintenance of %s started: notice to %lld recipients: %s"
		                  : "%s の保守開始を %lld 名に通知: %s",
		               str(p, "service"), num(p, "recipients"), str(p, "note"));
	if (!strcmp(type, "maintenance_ended"))
		return xstrfmt(en ? "maintenance of %s ended: notice to %lld recipients: %s"
		                  : "%s の保守終了を %lld 名に通知: %s",
		               str(p, "service"), num(p, "recipients"), str(p, "note"));
	if (!strcmp(type, "web_login"))
		return xstrfmt(en ? "%s (%s) logged in from %s" : "%s（%s）が %s からログイン",
		               str(p, "user"), str(p, "role"), str(p, "address"));
	if (!strcmp(type, "web_logout"))
		return xstrfmt(en ? "%s logged out" : "%s がログアウト", str(p, "user"));
	if (!strcmp(type, "web_user_added"))
		return xstrfmt(en ? "user %s (%s) added by %s" : "ユーザー %s（%s）を %s が追加",
		               str(p, "user"), str(p, "role"), str(p, "by"));
	if (!strcmp(type, "web_user_password_changed"))
		return xstrfmt(en ? "password of %s changed by %s"
		                  : "ユーザー %s のパスワードを %s が変更",
		               str(p, "user"), str(p, "by"));
	if (!strcmp(type, "web_user_removed"))
		return xstrfmt(en ? "user %s removed by %s" : "ユーザー %s を %s が削除",
		               str(p, "user"), str(p, "by"));
	if (!strcmp(type, "web_token_added"))
		return xstrfmt(en ? "API token %s (%s) added by %s"
		                  : "API トークン %s（%s）を %s が発行",
		               str(p, "token"), str(p, "role"), str(p, "by"));
	if (!strcmp(type, "web_token_revoked"))
		return xstrfmt(en ? "API token %s revoked by %s" : "API トークン %s を %s が失効",
		               str(p, "token"), str(p, "by"));
	if (!strcmp(type, "ledger_verified"))
		return !strcmp(str(p, "result"), "ok")
		           ? xstrfmt(en ? "ledger verified by %s: %lld entries, tree head #%lld"
		                        : "%s が台帳を検証: 正常（エントリ %lld 件、ツリーヘッド "
		                          "#%lld）",
		                     str(p, "by"), num(p, "entries"), num(p, "head_number"))
		           : xstrfmt(en ? "ledger verification by %s FAILED: %s"
		                        : "%s による台帳の検証に失敗: %s",
		                     str(p, "by"), str(p, "error"));
	if (!strcmp(type, "ledger_exported"))
		return xstrfmt(en ? "entries %lld-%lld exported by %s (%lld bytes)"
		                  : "エントリ %lld〜%lld を %s が書き出し（%lld バイト）",
		               num(p, "first_seq"), num(p, "end_seq") - 1, str(p, "by"),
		               num(p, "bytes"));
	raw = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	out = xstrdup(raw ? raw : "");
	free(raw);
	return out;
}
