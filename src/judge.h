/*
 * judge - how a value is judged against a typed reference value of the
 * guideline (issue 3): intervals and delays at most the reference, minimums
 * at least, service+N at least N, every_backup, standby (cold accepts hot),
 * authentication methods by strength (password < ic_card = biometric =
 * certificate), encryption any of, originality all of, done (true), 24x7.
 *
 * Used by the profile (is a value of the right type, is a target stricter
 * than the reference) and the assessment (meets or falls short). Pure
 * functions over struct value; nothing is allocated.
 */
#ifndef SG_JUDGE_H
#define SG_JUDGE_H

#include "catalog.h"
#include "value.h"

/* The reference an item is judged by for a pattern: the pattern's own, or,
 * when the pattern has "-", the first pattern's that has a kind (so a
 * provider's target for a "-" is judged the same way as the others). Never
 * NULL for a catalog item. */
const struct reference_value *judge_model(const struct eval_item *it, int pattern);

/* Whether v has a type that can be judged by kind (with model's set for
 * sets). */
int judge_fits(enum ref_kind kind, const struct value *model, const struct value *v);

/* Whether v meets threshold (a value of the same kind): 1 meets, 0 falls
 * short. v must fit (judge_fits); an unfit value falls short. */
int judge_meets(enum ref_kind kind, const struct value *threshold, const struct value *v);

/* Whether a larger duration is better for the kind (retention, UPS time):
 * for measured_set_find(). */
int judge_larger_is_better(enum ref_kind kind);

/* What to write for a value of kind, for hints: "a duration such as 5m". */
const char *judge_expected(enum ref_kind kind, const struct value *model, int lang);

/* A value in words for people, never a token (one rendering for the SLA,
 * the assessment and the reports): 1mo -> 「1ヶ月」, service+1y ->
 * 「サービス提供期間＋1年」, hot -> 「ホットスタンバイ」, 24x7 -> 「365日24時間」,
 * every_backup -> 「バックアップ実施の都度」, 51h -> 「2日3時間」, [ic_card,
 * biometric] -> 「ICカード又は生体認証」 (及び for all_of). kind tells the words
 * for values without a quantity (done, 24x7, every_backup) and the
 * connective of a set. lang: 0 Japanese, 1 English. Appends to out. */
void judge_value_words(const struct value *v, enum ref_kind kind, int lang, struct dynbuf *out);
/* A duration in words: one unit where exact (「1年」「3週間」), else days,
 * hours, minutes and seconds (「12時間41分1秒」). */
void judge_duration_words(double seconds, int lang, struct dynbuf *out);
/* A duration token as written ("24h", "service+1y") in words keeping its
 * unit (「24時間」, not 「1日」); 0 (nothing appended) for any other text. */
int judge_token_words(const char *token, int lang, struct dynbuf *out);
/* The inverse of judge_value_words() (Japanese or English words, as the
 * checklists print them) into a value: 0, or -1 when s is not such words.
 * For `saasguard import`, which reads its own checklists back. */
int judge_words_parse(const char *s, struct value *v);
/* judge_words_parse() written as the value grammar's token, keeping a
 * single unit as written ("24時間" -> "24h", "サービス提供期間＋1年" ->
 * "service+1y", 「ホットスタンバイ」 -> "hot"); 0, or -1 for other text. */
int judge_words_token(const char *s, struct dynbuf *token);

#endif
