/*
 * value - parsing and formatting of the guideline's quantities; see value.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"
#include "xalloc.h"
#include "banned.h"

struct unit {
	const char *name;
	double seconds;
};

/* Longest names first where one is a prefix of another (mo before m, ms). */
static const struct unit units[] = {
    {"ms", 0.001},
    {"mo", VALUE_MONTH_SECONDS},
    {"s", 1},
    {"m", 60},
    {"h", 3600},
    {"d", 86400},
    {"w", 7 * 86400},
    {"y", VALUE_YEAR_SECONDS},
    {"ミリ秒", 0.001},
    {"秒", 1},
    {"分間", 60},
    {"分", 60},
    {"時間", 3600},
    {"日間", 86400},
    {"日", 86400},
    {"週間", 7 * 86400},
    {"週", 7 * 86400},
    {"ヶ月間", VALUE_MONTH_SECONDS},
    {"ヶ月", VALUE_MONTH_SECONDS},
    {"か月間", VALUE_MONTH_SECONDS},
    {"か月", VALUE_MONTH_SECONDS},
    {"カ月", VALUE_MONTH_SECONDS},
    {"ケ月", VALUE_MONTH_SECONDS},
    {"ヵ月", VALUE_MONTH_SECONDS},
    {"箇月", VALUE_MONTH_SECONDS},
    {"年間", VALUE_YEAR_SECONDS},
    {"年", VALUE_YEAR_SECONDS},
};

/* English words people write, and the unit to use instead. */
static const struct {
	const char *word;
	const char *unit;
} words[] = {
    {"millisecond", "ms"}, {"msec", "ms"}, {"second", "s"}, {"sec", "s"}, {"minute", "m"},
    {"min", "m"},          {"hour", "h"},  {"hr", "h"},     {"day", "d"}, {"week", "w"},
    {"month", "mo"},       {"year", "y"},  {"yr", "y"},
};

/* Full-width digits (０-９, U+FF10..) to ASCII; other bytes as they are. */
static char *ascii_digits(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len + 1), *o = out;

	while (*s) {
		const unsigned char *u = (const unsigned char *)s;
		if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
			*o++ = (char)('0' + (u[2] - 0x90));
			s += 3;
		} else if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8E) { /* ． */
			*o++ = '.';
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int parse_number(const char *s, double *out, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtod(s, &e);
	if (errno || e == s || !isfinite(*out))
		return -1;
	*end = e;
	return 0;
}

static enum sg_code duration_error(const char *orig, const char *num_end, double n,
                                   struct sg_error *err)
{
	const char *w = skip_space(num_end);

	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "'%s' は期間として読めません", "'%s' is not a duration"), orig);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strncasecmp(w, words[i].word, strlen(words[i].word))) {
			sg_error_hint(err, ETR(err, "%g%s と書いてください", "use %g%s"), n,
			              words[i].unit);
			return SG_ERR_INPUT;
		}
	}
	sg_error_hint(err, "%s",
	              ETR(err,
	                  "数と単位で書いてください: s, m, h, d, w, mo, y（5m, 24h, 3d, 1w, "
	                  "1mo, 5y）または 5分, 24時間, 1ヶ月, 1年",
	                  "write a whole number and a unit: s, m, h, d, w, mo or y "
	                  "(5m, 24h, 3d, 1w, 1mo, 5y), or 5分, 24時間, 1ヶ月, 1年"));
	return SG_ERR_INPUT;
}

enum sg_code value_parse_duration(const char *in, double *seconds, struct sg_error *err)
{
	char *s = ascii_digits(in);
	const char *p = skip_space(s), *end;
	double n;
	enum sg_code rc;

	if (parse_number(p, &n, &end)) {
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "'%s' は期間として読めません", "'%s' is not a duration"), in);
		sg_error_hint(err, "%s",
		              ETR(err, "数と単位で書いてください（例: 5m, 24h, 1mo, 5y）",
		                  "write a number and a unit, e.g. 5m, 24h, 1mo, 5y"));
		free(s);
		return SG_ERR_INPUT;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ul = strlen(units[i].name);
		if (!strncmp(end, units[i].name, ul) && *skip_space(end + ul) == '\0') {
			if (!isfinite(n * units[i].seconds))
				break; /* 1e300h overflows: not a duration (found by fuzz_value) */
			*seconds = n * units[i].seconds;
			free(s);
			return SG_OK;
		}
	}
	rc = duration_error(in, end, n, err);
	free(s);
	return rc;
}

static const struct {
	enum value_set set;
	unsigned bit;
	const char *name;
} members[] = {
    {SET_AUTH, AUTH_PASSWORD, "password"},
    {SET_AUTH, AUTH_IC_CARD, "ic_card"},
    {SET_AUTH, AUTH_BIOMETRIC, "biometric"},
    {SET_AUTH, AUTH_CERTIFICATE, "certificate"},
    {SET_AUTH, AUTH_TOTP, "totp"},
    {SET_AUTH, AUTH_FIDO2, "fido2"},
    {SET_AUTH, AUTH_CERTIFICATE, "client_certificate"}, /* aliases after the names */
    {SET_AUTH, AUTH_FIDO2, "webauthn"},
    {SET_ENCRYPTION, ENC_TLS, "tls"},
    {SET_ENCRYPTION, ENC_IPSEC, "ipsec"},
    {SET_ORIGINALITY, ORIG_TIMESTAMP, "timestamp"},
    {SET_ORIGINALITY, ORIG_SIGNATURE, "signature"},
    {SET_ORIGINALITY, ORIG_PRINT_DIGITIZATION, "print_digitization"},
};

unsigned value_set_member(enum value_set set, const char *name)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (members[i].set == set && !strcmp(members[i].name, name))
			return members[i].bit;
	return 0;
}

enum value_set value_set_of(const char *name)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (!strcmp(members[i].name, name))
			return members[i].set;
	return SET_NONE;
}

const char *value_set_members_list(enum value_set set)
{
	switch (set) {
	case SET_AUTH:
		return "password, totp, fido2 (webauthn), ic_card, biometric, certificate "
		       "(client_certificate)";
	case SET_ENCRYPTION:
		return "tls, ipsec";
	case SET_ORIGINALITY:
		return "timestamp, signature, print_digitization";
	case SET_NONE:
		break;
	}
	return "";
}

enum sg_code value_set_format(enum value_set set, unsigned bits, struct dynbuf *out)
{
	int first = 1;

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (members[i].set != set || !(bits & members[i].bit))
			continue;
		bits &= ~members[i].bit; /* an alias is not named twice */
		if (!first)
			dynbuf_addstr(out, ", ");
		dynbuf_addstr(out, members[i].name);
		first = 0;
	}
	return dynbuf_status(out);
}

/* "[a, b]" (p just after the bracket): members of one set. */
static enum sg_code parse_set(const char *in, const char *p, struct value *v, struct sg_error *err)
{
	v->type = VALUE_SET;
	for (;;) {
		char name[32];
		size_t n;
		enum value_set set;

		p = skip_space(p);
		n = strcspn(p, ",] \t");
		if (!n || n >= sizeof(name))
			break;
		memcpy(name, p, n);
		name[n] = '\0';
		set = value_set_of(name);
		if (set == SET_NONE || (v->set && set != v->set))
			break;
		v->set = set;
		v->members |= value_set_member(set, name);
		p = skip_space(p + n);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']' && *skip_space(p + 1) == '\0')
			return SG_OK;
		break;
	}
	sg_error_set(err, SG_ERR_INPUT,
	             ETR(err, "'%s' は方式のリストではありません", "'%s' is not a list of methods"),
	             in);
	sg_error_hint(err,
	              ETR(err, "認証: %s / 暗号化: %s / 原本性: %s から選んでください",
	                  "choose from auth: %s; encryption: %s; originality: %s"),
	              value_set_members_list(SET_AUTH), value_set_members_list(SET_ENCRYPTION),
	              value_set_members_list(SET_ORIGINALITY));
	return SG_ERR_INPUT;
}

enum sg_code value_parse(const char *in, struct value *v, struct sg_error *err)
{
	char *s = ascii_digits(in);
	const char *p = skip_space(s), *end;
	double n;
	enum sg_code rc = SG_OK;

	memset(v, 0, sizeof(*v));
	if (!strcmp(p, "true") || !strcmp(p, "false")) {
		v->type = VALUE_BOOL;
		v->boolean = p[0] == 't';
	} else if (!strcmp(p, "24x7") || !strcmp(p, "365日24時間")) {
		v->type = VALUE_24X7;
	} else if (!strcmp(p, "every_backup")) {
		v->type = VALUE_EVERY_BACKUP;
	} else if (!strcmp(p, "hot") || !strcmp(p, "cold") || !strcmp(p, "none")) {
		v->type = VALUE_STANDBY;
		v->standby = p[0] == 'h' ? STANDBY_HOT : p[0] == 'c' ? STANDBY_COLD : STANDBY_NONE;
	} else if (!strncmp(p, "service+", 8)) {
		v->type = VALUE_SERVICE_PLUS;
		rc = value_parse_duration(p + 8, &v->seconds, err);
		if (rc)
			sg_error_hint(err, "%s",
			              ETR(err,
			                  "service+ に続けて期間を書いてください（例: service+1y）",
			                  "write service+ and a duration, e.g. service+1y"));
	} else if (*p == '[') {
		rc = parse_set(in, p + 1, v, err);
	} else if (value_set_of(p) != SET_NONE) {
		v->type = VALUE_SET;
		v->set = value_set_of(p);
		v->members = value_set_member(v->set, p);
	} else if (!parse_number(p, &n, &end)) {
		end = skip_space(end);
		if (*end == '%' && *skip_space(end + 1) == '\0') {
			v->type = VALUE_PERCENT;
			v->percent = n;
			if (n < 0 || n > 100) {
				rc =
				    sg_error_set(err, SG_ERR_INPUT,
				                 ETR(err, "'%s': 割合は 0%% から 100%% の間です",
				                     "'%s': a percentage is between 0%% and 100%%"),
				                 in);
			}
		} else if (*end == '\0') {
			if (n != floor(n) || n > 1e15) {
				rc = sg_error_set(err, SG_ERR_INPUT,
				                  ETR(err, "'%s' は整数ではありません",
				                      "'%s' is not a whole count"),
				                  in);
				sg_error_hint(
				    err, "%s",
				    ETR(err, "個数は整数（5）、割合は % を付けます（99.5%）",
				        "a count is a whole number (5); a percentage ends "
				        "in % (99.5%)"));
			}
			v->type = VALUE_COUNT;
			/* Only a whole number up to 1e15 fits; 1e62 would be undefined
			 * behaviour (found by fuzz_value). */
			v->count = rc ? 0 : (long long)n;
		} else {
			v->type = VALUE_DURATION;
			rc = value_parse_duration(p, &v->seconds, err);
		}
	} else {
		rc = sg_error_set(
		    err, SG_ERR_INPUT,
		    ETR(err, "'%s' は値として読めません", "'%s' is not a value saasguard knows"),
		    in);
		sg_error_hint(err, "%s",
		              ETR(err,
		                  "期間（5m, 24h, 1mo）、割合（99.5%）、個数（5）、true/false、"
		                  "24x7、every_backup、service+1y、hot/cold/none、方式のリスト"
		                  "のいずれかを書いてください",
		                  "write a duration (5m, 24h, 1mo), a percentage (99.5%), a count "
		                  "(5), true/false, 24x7, every_backup, service+1y, hot/cold/none, "
		                  "or a list of methods"));
	}
	free(s);
	return rc;
}

enum sg_code value_format_duration(double seconds, struct dynbuf *out)
{
	static const struct unit order[] = {
	    {"y", VALUE_YEAR_SECONDS},
	    {"mo", VALUE_MONTH_SECONDS},
	    {"w", 7 * 86400},
	    {"d", 86400},
	    {"h", 3600},
	    {"m", 60},
	    {"s", 1},
	};

	if (seconds == 0) {
		dynbuf_addstr(out, "0s");
		return dynbuf_status(out);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		double q = seconds / order[i].seconds;
		if (q >= 1 && fabs(q - round(q)) < 1e-9) {
			dynbuf_printf(out, "%.0f%s", round(q), order[i].name);
			return dynbuf_status(out);
		}
	}
	if (seconds < 1)
		dynbuf_printf(out, "%.0fms", seconds * 1000);
	else
		dynbuf_printf(out, "%.0fs", seconds);
	return dynbuf_status(out);
}

enum sg_code value_format(const struct value *v, struct dynbuf *out)
{
	switch (v->type) {
	case VALUE_NONE:
		dynbuf_addstr(out, "-");
		break;
	case VALUE_DURATION:
		return value_format_duration(v->seconds, out);
	case VALUE_PERCENT:
		dynbuf_printf(out, "%g%%", v->percent);
		break;
	case VALUE_COUNT:
		dynbuf_printf(out, "%lld", v->count);
		break;
	case VALUE_BOOL:
		dynbuf_addstr(out, v->boolean ? "true" : "false");
		break;
	case VALUE_24X7:
		dynbuf_addstr(out, "24x7");
		break;
	case VALUE_EVERY_BACKUP:
		dynbuf_addstr(out, "every_backup");
		break;
	case VALUE_SERVICE_PLUS:
		dynbuf_addstr(out, "service+");
		return value_format_duration(v->seconds, out);
	case VALUE_STANDBY:
		dynbuf_addstr(out, v->standby == STANDBY_HOT    ? "hot"
		                   : v->standby == STANDBY_COLD ? "cold"
		                                                : "none");
		break;
	case VALUE_SET:
		dynbuf_addch(out, '[');
		(void)value_set_format(v->set, v->members, out);
		dynbuf_addch(out, ']');
		break;
	default:
		return SG_ERR_INTERNAL;
	}
	return dynbuf_status(out);
}
