/*
 * web_auth - who may do what on `saasguard serve`: roles (viewer <
 * operator < admin), Argon2id password hashes (libsodium crypto_pwhash_str),
 * 256-bit random session ids and API tokens of which only the SHA-256 is
 * stored, per-session CSRF tokens compared in constant time, and login with
 * throttling per user name and per client address. Account changes made
 * with the CLI and logins are recorded in the ledger (never a secret).
 *
 * Ownership: texts written to caller buffers; users returned through
 * struct store_web_user are released with store_web_user_release().
 */
#ifndef SG_WEB_AUTH_H
#define SG_WEB_AUTH_H

#include <sodium.h>

#include "store.h"
#include "store_web.h"

enum web_role {
	WEB_ROLE_NONE = 0, /* anonymous */
	WEB_ROLE_VIEWER,
	WEB_ROLE_OPERATOR,
	WEB_ROLE_ADMIN,
};

/* "viewer" ... ; -1 when not a role. */
int web_auth_role_parse(const char *name);
const char *web_auth_role_name(enum web_role r);

#define WEB_AUTH_MIN_PASSWORD   12
#define WEB_AUTH_SECRET_LEN     46 /* "sg_" + 43 base64url characters of 32 bytes */
#define WEB_AUTH_SESSION_S      (8 * 3600.0)
#define WEB_AUTH_WINDOW_S       (15 * 60.0)
#define WEB_AUTH_MAX_USER_FAILS 5  /* failed logins for one name per window */
#define WEB_AUTH_MAX_ADDR_FAILS 20 /* failed logins from one address per window */

/* SG_ERR_INPUT when the password is too short. */
enum sg_code web_auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
                                    struct sg_error *err);
int web_auth_password_matches(const char *hash, const char *password);

/* 32 random bytes as "sg_" + base64url (text has WEB_AUTH_SECRET_LEN + 1
 * bytes) and the SHA-256 of the text. */
void web_auth_new_secret(char text[WEB_AUTH_SECRET_LEN + 1], unsigned char hash[32]);
void web_auth_hash_text(const char *text, unsigned char hash[32]);
/* Constant-time comparison of two NUL-terminated texts. */
int web_auth_equal(const char *a, const char *b);

enum web_login_result {
	WEB_LOGIN_OK = 0,
	WEB_LOGIN_BAD,       /* unknown user or wrong password (one answer for both) */
	WEB_LOGIN_THROTTLED, /* too many failures for the name or the address */
};
/* Checks the password and, when it matches, opens a session: session
 * (the cookie value) and csrf receive fresh secrets, u the user. Failures
 * are counted; a success clears the name's count and is recorded in the
 * ledger (web_login, with the user and the address). */
enum sg_code web_auth_login(struct store *s, const char *name, const char *password,
                            const char *address, double now, enum web_login_result *res,
                            char session[WEB_AUTH_SECRET_LEN + 1],
                            char csrf[WEB_AUTH_SECRET_LEN + 1], struct store_web_user *u,
                            struct sg_error *err);

#endif
