/*
 * value - the one grammar for the quantities the guideline talks about:
 * durations (5m, 24h, 3d, 1w, 1mo, 5y and the Japanese 5分, 24時間, 1ヶ月 …),
 * percentages (99.5%), counts (5), booleans, 24x7, every_backup, service-
 * relative retention (service+1y), standby levels (hot, cold, none) and the
 * member sets of authentication, encryption and originality.
 *
 * Used by the catalog (reference quantities), the profile (declared values)
 * and the monitor (intervals, timeouts) alike, so "5m" means the same thing
 * everywhere. A month is 1/12 of a year and a year 365.2425 days, so 12mo
 * equals 1y. A struct value owns no memory.
 */
#ifndef SG_VALUE_H
#define SG_VALUE_H

#include "dynbuf.h"
#include "error.h"

#define VALUE_YEAR_SECONDS  (365.2425 * 86400.0)
#define VALUE_MONTH_SECONDS (VALUE_YEAR_SECONDS / 12.0)

enum value_type {
	VALUE_NONE = 0,
	VALUE_DURATION,
	VALUE_PERCENT,
	VALUE_COUNT,
	VALUE_BOOL,
	VALUE_24X7,
	VALUE_EVERY_BACKUP,
	VALUE_SERVICE_PLUS, /* service period + seconds */
	VALUE_STANDBY,
	VALUE_SET,
};

enum value_standby {
	STANDBY_NONE = 0,
	STANDBY_COLD,
	STANDBY_HOT,
};

enum value_set {
	SET_NONE = 0,
	SET_AUTH,
	SET_ENCRYPTION,
	SET_ORIGINALITY,
};

/* Members of each set, one bit each. */
enum {
	AUTH_PASSWORD = 1u << 0,
	AUTH_IC_CARD = 1u << 1,
	AUTH_BIOMETRIC = 1u << 2,
	AUTH_CERTIFICATE = 1u << 3, /* also "client_certificate" */
	AUTH_TOTP = 1u << 4,        /* one-time codes (TOTP); not in the guideline */
	AUTH_FIDO2 = 1u << 5,       /* FIDO2 / WebAuthn ("webauthn"); not in the guideline */
	ENC_TLS = 1u << 0,
	ENC_IPSEC = 1u << 1,
	ORIG_TIMESTAMP = 1u << 0,
	ORIG_SIGNATURE = 1u << 1,
	ORIG_PRINT_DIGITIZATION = 1u << 2,
};

struct value {
	enum value_type type;
	double seconds; /* DURATION; SERVICE_PLUS: the N after "service+" */
	double percent; /* PERCENT: 99.5 for 99.5% */
	long long count;
	int boolean;
	enum value_standby standby;
	enum value_set set;
	unsigned members; /* SET: bits of the set's members */
};

/* Parses a duration ("5m", "90s", "800ms", "1mo", "5分", "1ヶ月"). On error
 * the message says what to write instead (e.g. "5 minutes" -> "use 5m"). */
enum sg_code value_parse_duration(const char *s, double *seconds, struct sg_error *err);

/* Parses any scalar value by its shape. */
enum sg_code value_parse(const char *s, struct value *v, struct sg_error *err);

/* Set members: name <-> bit. value_set_member() returns 0 for unknown names;
 * value_set_of() tells which set a member name belongs to. */
unsigned value_set_member(enum value_set set, const char *name);
enum value_set value_set_of(const char *member);
/* Comma-separated known member names of a set, for hints. */
const char *value_set_members_list(enum value_set set);
/* Adds the member names in bits to out as "a, b". */
enum sg_code value_set_format(enum value_set set, unsigned bits, struct dynbuf *out);

/* The canonical text of a value ("5m", "99.5%", "service+1y", "[tls]"). */
enum sg_code value_format(const struct value *v, struct dynbuf *out);
/* The largest whole unit that expresses seconds exactly: 300 -> "5m". */
enum sg_code value_format_duration(double seconds, struct dynbuf *out);

#endif
