/*
 * judge - values against reference values; see judge.h.
 */
#include <math.h>
#include <string.h>

#include "judge.h"
#include "banned.h"

/* Durations compare with a tolerance of a millisecond, so 12mo equals 1y. */
#define EPS_SECONDS 0.001

const struct reference_value *judge_model(const struct eval_item *it, int pattern)
{
	const struct reference_value *r = &it->refs[pattern - 1];

	if (r->kind != REF_NONE)
		return r;
	for (int p = 0; p < CATALOG_PATTERNS; p++)
		if (it->refs[p].kind != REF_NONE)
			return &it->refs[p];
	return r;
}

int judge_fits(enum ref_kind kind, const struct value *model, const struct value *v)
{
	switch (kind) {
	case REF_NONE:
		return 1;
	case REF_MAX_INTERVAL:
	case REF_MAX_DELAY:
	case REF_MIN_RETENTION:
	case REF_MIN_DURATION:
		return v->type == VALUE_DURATION;
	case REF_MIN_PERCENTAGE:
		return v->type == VALUE_PERCENT;
	case REF_MIN_COUNT:
		return v->type == VALUE_COUNT;
	case REF_SERVICE_PLUS:
		return v->type == VALUE_SERVICE_PLUS;
	case REF_EVERY_BACKUP:
		/* how often backups are verified: every backup, or an interval */
		return v->type == VALUE_EVERY_BACKUP || v->type == VALUE_DURATION;
	case REF_STANDBY:
		return v->type == VALUE_STANDBY;
	case REF_ANY_OF:
	case REF_ALL_OF:
		return v->type == VALUE_SET && (!model || v->set == model->set);
	case REF_DONE:
		return v->type == VALUE_BOOL;
	case REF_24X7:
		return v->type == VALUE_24X7 || (v->type == VALUE_BOOL && !v->boolean);
	}
	return 0;
}

/* password < ic_card = biometric = certificate */
static int auth_strength(unsigned bit)
{
	return bit == AUTH_PASSWORD ? 1 : 2;
}

static int auth_meets(unsigned listed, unsigned given)
{
	int weakest = 3;

	if (listed & given)
		return 1;
	for (unsigned b = 1; b <= AUTH_CERTIFICATE; b <<= 1)
		if ((listed & b) && auth_strength(b) < weakest)
			weakest = auth_strength(b);
	for (unsigned b = 1; b <= AUTH_CERTIFICATE; b <<= 1)
		if ((given & b) && auth_strength(b) >= weakest)
			return 1;
	return 0;
}

int judge_meets(enum ref_kind kind, const struct value *t, const struct value *v)
{
	if (!judge_fits(kind, t, v))
		return 0;
	switch (kind) {
	case REF_NONE:
		return 1;
	case REF_MAX_INTERVAL:
	case REF_MAX_DELAY:
		return v->seconds <= t->seconds + EPS_SECONDS;
	case REF_MIN_RETENTION:
	case REF_MIN_DURATION:
	case REF_SERVICE_PLUS:
		return v->seconds + EPS_SECONDS >= t->seconds;
	case REF_MIN_PERCENTAGE:
		return v->percent + 1e-9 >= t->percent;
	case REF_MIN_COUNT:
		return v->count >= t->count;
	case REF_EVERY_BACKUP:
		return v->type == VALUE_EVERY_BACKUP;
	case REF_STANDBY:
		if (t->standby == STANDBY_HOT)
			return v->standby == STANDBY_HOT;
		if (t->standby == STANDBY_COLD)
			return v->standby == STANDBY_HOT || v->standby == STANDBY_COLD;
		return 1;
	case REF_ANY_OF:
		if (!v->members)
			return 0;
		if (t->set == SET_AUTH)
			return auth_meets(t->members, v->members);
		return (t->members & v->members) != 0;
	case REF_ALL_OF:
		return (t->members & v->members) == t->members;
	case REF_DONE:
		return v->boolean;
	case REF_24X7:
		return v->type == VALUE_24X7;
	}
	return 0;
}

int judge_larger_is_better(enum ref_kind kind)
{
	return kind == REF_MIN_RETENTION || kind == REF_MIN_DURATION || kind == REF_SERVICE_PLUS;
}

const char *judge_expected(enum ref_kind kind, const struct value *model, int lang)
{
#define T(ja, en) (lang == 1 ? (en) : (ja))
	switch (kind) {
	case REF_NONE:
		return T("値", "a value");
	case REF_MAX_INTERVAL:
		return T("間隔（例: 5m, 1d, 1mo）", "an interval such as 5m, 1d or 1mo");
	case REF_MAX_DELAY:
		return T("時間（例: 20m, 24h, 3d）", "a time such as 20m, 24h or 3d");
	case REF_MIN_RETENTION:
		return T("保存期間（例: 3mo, 1y, 5y）", "a retention period such as 3mo, 1y or 5y");
	case REF_MIN_DURATION:
		return T("持続時間（例: 10m, 1h）", "a duration such as 10m or 1h");
	case REF_MIN_PERCENTAGE:
		return T("割合（例: 99.5%）", "a percentage such as 99.5%");
	case REF_MIN_COUNT:
		return T("個数（例: 5）", "a count such as 5");
	case REF_SERVICE_PLUS:
		return T("サービス提供期間+期間（例: service+1y）",
		         "the service period plus a duration, such as service+1y");
	case REF_EVERY_BACKUP:
		return T("every_backup か確認の間隔（例: 1w）",
		         "every_backup, or the interval of the checks such as 1w");
	case REF_STANDBY:
		return T("hot、cold、none のいずれか", "hot, cold or none");
	case REF_ANY_OF:
	case REF_ALL_OF:
		if (model && model->set == SET_AUTH)
			return T(
			    "認証方式のリスト（password, ic_card, biometric, certificate）",
			    "a list of methods from password, ic_card, biometric, certificate");
		if (model && model->set == SET_ENCRYPTION)
			return T("暗号化方式のリスト（tls, ipsec）", "a list from tls, ipsec");
		return T("原本性確認の方式のリスト（timestamp, signature, print_digitization）",
		         "a list from timestamp, signature, print_digitization");
	case REF_DONE:
		return T("true か false", "true or false");
	case REF_24X7:
		return T("24x7（365日24時間）か false", "24x7 (around the clock) or false");
	}
	return "?";
#undef T
}
