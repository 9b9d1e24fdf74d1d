/*
 * judge - values against reference values; see judge.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "xalloc.h"
#include "banned.h"

/* Durations compare with a tolerance of a millisecond, so 12mo equals 1y. */
#define EPS_SECONDS 0.001

const struct reference_value *judge_model(const struct eval_item *it, int pattern)
{
	const struct reference_value *r = catalog_item_ref(it, pattern);

	if (r && r->kind != REF_NONE)
		return r;
	for (int p = 1; p <= CATALOG_PATTERNS; p++)
		if (catalog_item_ref(it, p)->kind != REF_NONE)
			return catalog_item_ref(it, p);
	return r ? r : catalog_item_ref(it, 1);
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

/* password < totp < ic_card = biometric = certificate = fido2. A TOTP code
 * adds a second factor to a password but is not a token held exclusively by
 * the user as an IC card is (it can be phished or copied with its seed);
 * FIDO2/WebAuthn keys are hardware-bound like an IC card. See
 * docs/internals/assess.md. */
static int auth_strength(unsigned bit)
{
	return bit == AUTH_PASSWORD ? 1 : bit == AUTH_TOTP ? 2 : 3;
}

static int auth_meets(unsigned listed, unsigned given)
{
	int weakest = 4;

	if (listed & given)
		return 1;
	for (unsigned b = 1; b <= AUTH_FIDO2; b <<= 1)
		if ((listed & b) && auth_strength(b) < weakest)
			weakest = auth_strength(b);
	for (unsigned b = 1; b <= AUTH_FIDO2; b <<= 1)
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
			    "認証方式のリスト（password, totp, fido2, ic_card, biometric, "
			    "certificate）",
			    "a list of methods from password, totp, fido2, ic_card, biometric, "
			    "certificate");
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

static const struct {
	const char *ja, *en;
	double seconds;
} dur_units[] = {
    {"年", "year", VALUE_YEAR_SECONDS},
    {"ヶ月", "month", VALUE_MONTH_SECONDS},
    {"週間", "week", 7 * 86400},
    {"日", "day", 86400},
    {"時間", "hour", 3600},
    {"分", "minute", 60},
    {"秒", "second", 1},
};

static void unit_words(double n, size_t u, int lang, struct dynbuf *out)
{
	if (lang == 1)
		dynbuf_printf(out, "%.0f %s%s", n, dur_units[u].en, n == 1 ? "" : "s");
	else
		dynbuf_printf(out, "%.0f%s", n, dur_units[u].ja);
}

void judge_duration_words(double seconds, int lang, struct dynbuf *out)
{
	size_t n = sizeof(dur_units) / sizeof(dur_units[0]);
	long long left;
	int any = 0;

	/* one unit where it is exact and reads naturally: 「1年」「3週間」「5時間」, but
	 * 「2日3時間」 rather than 「51時間」 and 「12時間41分1秒」 rather than seconds */
	static const double below[] = {0, 0, 0, 0, 24, 60, 60};    /* 0: no limit */
	if (!isfinite(seconds) || seconds < 0 || seconds > 1e15) { /* nothing real; no overflow */
		unit_words(round(seconds / dur_units[n - 1].seconds), n - 1, lang, out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double q = seconds / dur_units[i].seconds;
		if (q >= 1 && fabs(q - round(q)) < 1e-6 && (!below[i] || q < below[i])) {
			unit_words(round(q), i, lang, out);
			return;
		}
	}
	/* no single unit: days, hours, minutes, seconds ("2日3時間", "12時間41分1秒") */
	left = (long long)round(seconds);
	for (size_t i = 3; i < n; i++) {
		long long u = (long long)dur_units[i].seconds, k = left / u;
		if (!k)
			continue;
		if (any && lang == 1)
			dynbuf_addch(out, ' ');
		unit_words((double)k, i, lang, out);
		left -= k * u;
		any = 1;
	}
	if (!any)
		unit_words(0, n - 1, lang, out);
}

/* A set member in the guideline's words (「ICカード」, "IC card"). */
static const char *judge_member_words(enum value_set set, unsigned bit, int lang)
{
	static const struct {
		enum value_set set;
		unsigned bit;
		const char *ja, *en;
	} m[] = {
	    {SET_AUTH, AUTH_PASSWORD, "ID・パスワード", "ID and password"},
	    {SET_AUTH, AUTH_IC_CARD, "ICカード", "IC card"},
	    {SET_AUTH, AUTH_BIOMETRIC, "生体認証", "biometric authentication"},
	    {SET_AUTH, AUTH_CERTIFICATE, "デジタル証明書による認証", "digital certificate"},
	    {SET_AUTH, AUTH_TOTP, "ワンタイムパスワード（TOTP）", "one-time password (TOTP)"},
	    {SET_AUTH, AUTH_FIDO2, "FIDO2（WebAuthn）認証器", "FIDO2 (WebAuthn) authenticator"},
	    {SET_ENCRYPTION, ENC_TLS, "HTTP暗号通信（SSL（TLS）等）", "HTTPS (TLS)"},
	    {SET_ENCRYPTION, ENC_IPSEC, "IP暗号通信（VPN（IPsec）等）", "IPsec VPN"},
	    {SET_ORIGINALITY, ORIG_TIMESTAMP, "時刻認証", "time-stamping"},
	    {SET_ORIGINALITY, ORIG_SIGNATURE, "署名", "signature"},
	    {SET_ORIGINALITY, ORIG_PRINT_DIGITIZATION, "印刷データ電子化・管理",
	     "digitisation and management of printed data"},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i].set == set && m[i].bit == bit)
			return lang == 1 ? m[i].en : m[i].ja;
	return "";
}

static void members_words(const struct value *v, int lang, int all, struct dynbuf *out)
{
	unsigned bits[8];
	size_t n = 0;

	for (unsigned b = 1; b <= AUTH_FIDO2 && n < 8; b <<= 1)
		if (v->members & b)
			bits[n++] = b;
	for (size_t i = 0; i < n; i++) {
		if (i)
			dynbuf_addstr(out, lang == 1
			                       ? (i + 1 == n ? (all ? " and " : " or ") : ", ")
			                       : (i + 1 == n ? (all ? "及び" : "又は") : "、"));
		dynbuf_addstr(out, judge_member_words(v->set, bits[i], lang));
	}
	if (!n)
		dynbuf_addstr(out, lang == 1 ? "none" : "なし");
	else if (lang == 1 && v->set == SET_ENCRYPTION)
		dynbuf_addstr(out, ", or equivalent"); /* the guideline's 等 */
}

void judge_value_words(const struct value *v, enum ref_kind kind, int lang, struct dynbuf *out)
{
	int en = lang == 1;

	switch (v->type) {
	case VALUE_DURATION:
		judge_duration_words(v->seconds, lang, out);
		return;
	case VALUE_SERVICE_PLUS:
		dynbuf_addstr(out, en ? "the service period plus " : "サービス提供期間＋");
		judge_duration_words(v->seconds, lang, out);
		return;
	case VALUE_PERCENT:
		dynbuf_printf(out, "%g%%", v->percent);
		return;
	case VALUE_COUNT:
		dynbuf_printf(out, "%lld", v->count);
		return;
	case VALUE_BOOL:
		dynbuf_addstr(out, v->boolean ? (en ? "in place" : "実施")
		                              : (en ? "not in place" : "未実施"));
		return;
	case VALUE_24X7:
		dynbuf_addstr(out, en ? "around the clock, all year" : "365日24時間");
		return;
	case VALUE_EVERY_BACKUP:
		dynbuf_addstr(out, en ? "at every backup" : "バックアップ実施の都度");
		return;
	case VALUE_STANDBY:
		dynbuf_addstr(
		    out, v->standby == STANDBY_HOT ? (en ? "hot standby" : "ホットスタンバイ")
		         : v->standby == STANDBY_COLD ? (en ? "cold standby" : "コールドスタンバイ")
		                                      : (en ? "no standby" : "スタンバイ機なし"));
		return;
	case VALUE_SET:
		members_words(v, lang, kind == REF_ALL_OF, out);
		return;
	case VALUE_NONE:
		break;
	}
	/* kinds whose reference carries no quantity */
	dynbuf_addstr(out, kind == REF_DONE   ? (en ? "in place" : "実施")
	                   : kind == REF_24X7 ? (en ? "around the clock, all year" : "365日24時間")
	                   : kind == REF_EVERY_BACKUP
	                       ? (en ? "at every backup" : "バックアップ実施の都度")
	                       : "-");
}

int judge_token_words(const char *token, int lang, struct dynbuf *out)
{
	static const struct {
		const char *unit;
		size_t idx;
	} map[] = {{"y", 0}, {"mo", 1}, {"w", 2}, {"d", 3}, {"h", 4}, {"m", 5}, {"s", 6}};
	const char *p = token ? token : "";
	int plus = !strncmp(p, "service+", 8);
	size_t digits;

	if (plus)
		p += 8;
	digits = strspn(p, "0123456789");
	if (!digits || digits > 9)
		return 0;
	for (size_t i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]) && !plus; i++)
		if (!strcmp(p + digits, dur_units[i].ja)) { /* as written in Japanese: 「24時間」 */
			unit_words((double)strtoll(p, NULL, 10), i, lang, out);
			return 1;
		}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(p + digits, map[i].unit))
			continue;
		if (plus)
			dynbuf_addstr(out, lang == 1 ? "the service period plus "
			                             : "サービス提供期間＋");
		unit_words((double)strtoll(p, NULL, 10), map[i].idx, lang, out);
		return 1;
	}
	return 0;
}

/* "2日3時間", "12 hours 41 minutes 1 second", "1ヶ月": number-unit pairs. */
static int duration_words_parse_unit(const char *s, double *seconds, size_t *unit, int *nparts);

static int duration_words_parse(const char *s, double *seconds)
{
	return duration_words_parse_unit(s, seconds, NULL, NULL);
}

/* As duration_words_parse(); *unit is the last unit's index, *nparts the pairs. */
static int duration_words_parse_unit(const char *s, double *seconds, size_t *unit, int *nparts)
{
	size_t n = sizeof(dur_units) / sizeof(dur_units[0]);
	const char *p = s;
	int parts = 0;

	*seconds = 0;
	while (*p) {
		char *end;
		double q;
		size_t best = n, bestlen = 0;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9')
			return -1;
		q = strtod(p, &end);
		if (!isfinite(q) || q < 0 || q > 1e9)
			return -1;
		p = end;
		while (*p == ' ')
			p++;
		for (size_t i = 0; i < n; i++) {
			const char *names[] = {dur_units[i].ja, dur_units[i].en};
			for (size_t k = 0; k < 2; k++) {
				size_t l = strlen(names[k]);
				if (strncmp(p, names[k], l) || l <= bestlen)
					continue;
				best = i;
				bestlen = l;
			}
		}
		if (best == n)
			return -1;
		p += bestlen;
		if (*p == 's') /* "hours" */
			p++;
		*seconds += q * dur_units[best].seconds;
		parts++;
		if (unit)
			*unit = best;
	}
	if (nparts)
		*nparts = parts;
	/* nothing the guideline talks about lasts longer than a century */
	return parts && *seconds <= 100 * VALUE_YEAR_SECONDS ? 0 : -1;
}

/* Members joined by 又は / 及び / 、 / " or " / " and " / ", ". */
static int members_words_parse(const char *s, struct value *v)
{
	static const char *const seps[] = {"又は", "及び",  "、", ", or ", ", and ",
	                                   " or ", " and ", ", ", NULL};
	static const enum value_set sets[] = {SET_AUTH, SET_ENCRYPTION, SET_ORIGINALITY};
	char *copy = xstrdup(s), *suffix = strstr(copy, ", or equivalent");

	if (suffix)
		*suffix = '\0';
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		const char *p = copy;
		unsigned bits = 0;
		int ok = 1;
		while (*p && ok) {
			size_t best = 0;
			unsigned bit = 0;
			for (unsigned b = 1; b <= AUTH_FIDO2; b <<= 1)
				for (int lang = 0; lang < 2; lang++) {
					const char *w = judge_member_words(sets[k], b, lang);
					size_t l = strlen(w);
					if (l && l > best && !strncmp(p, w, l)) {
						best = l;
						bit = b;
					}
				}
			if (!bit) {
				ok = 0;
				break;
			}
			bits |= bit;
			p += best;
			for (size_t i = 0; seps[i]; i++)
				if (!strncmp(p, seps[i], strlen(seps[i]))) {
					p += strlen(seps[i]);
					break;
				}
		}
		if (ok && bits) {
			memset(v, 0, sizeof(*v));
			v->type = VALUE_SET;
			v->set = sets[k];
			v->members = bits;
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -1;
}

int judge_words_parse(const char *s, struct value *v)
{
	static const struct {
		const char *ja, *en;
		enum value_type type;
		int arg;
	} fixed[] = {
	    {"365日24時間", "around the clock, all year", VALUE_24X7, 0},
	    {"バックアップ実施の都度", "at every backup", VALUE_EVERY_BACKUP, 0},
	    {"ホットスタンバイ", "hot standby", VALUE_STANDBY, STANDBY_HOT},
	    {"コールドスタンバイ", "cold standby", VALUE_STANDBY, STANDBY_COLD},
	    {"スタンバイ機なし", "no standby", VALUE_STANDBY, STANDBY_NONE},
	    {"実施", "in place", VALUE_BOOL, 1},
	    {"未実施", "not in place", VALUE_BOOL, 0},
	};
	size_t len = strlen(s);
	char *end;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(s, fixed[i].ja) || !strcmp(s, fixed[i].en)) {
			v->type = fixed[i].type;
			v->standby = (enum value_standby)fixed[i].arg;
			v->boolean = fixed[i].arg;
			return 0;
		}
	if (!strncmp(s, "サービス提供期間＋", strlen("サービス提供期間＋")) ||
	    !strncmp(s, "the service period plus ", 24)) {
		const char *rest = s + (s[0] == 't' ? 24 : strlen("サービス提供期間＋"));
		if (duration_words_parse(rest, &v->seconds))
			return -1;
		v->type = VALUE_SERVICE_PLUS;
		return 0;
	}
	/* "5世代", "3 generations" */
	v->count = strtoll(s, &end, 10);
	if (end != s && s[0] >= '0' && s[0] <= '9' && v->count <= 1000000 &&
	    (!*end || !strcmp(end, "世代") || !strcmp(end, " generations") ||
	     !strcmp(end, " generation"))) {
		v->type = VALUE_COUNT;
		return 0;
	}
	if (len && s[len - 1] == '%')
		return -1; /* the value grammar's own */
	if (!duration_words_parse(s, &v->seconds)) {
		v->type = VALUE_DURATION;
		return 0;
	}
	return members_words_parse(s, v);
}

int judge_words_token(const char *s, struct dynbuf *token)
{
	static const char *const toks[] = {"y", "mo", "w", "d", "h", "m", "s"};
	struct value v;
	const char *d = s;
	double sec;
	size_t unit = 0;
	int parts = 0;

	if (judge_words_parse(s, &v))
		return -1;
	if (v.type == VALUE_SERVICE_PLUS)
		d = s + (s[0] == 't' ? 24 : strlen("サービス提供期間＋"));
	/* one number and unit: keep the unit ("24時間" -> 24h, not 1d) */
	if ((v.type == VALUE_DURATION || v.type == VALUE_SERVICE_PLUS) &&
	    !duration_words_parse_unit(d, &sec, &unit, &parts) && parts == 1) {
		dynbuf_printf(token, "%s%.0f%s", v.type == VALUE_SERVICE_PLUS ? "service+" : "",
		              sec / dur_units[unit].seconds, toks[unit]);
		return dynbuf_status(token) ? -1 : 0;
	}
	return value_format(&v, token) ? -1 : 0;
}
