/*
 * web_auth - roles, password hashes, secrets, login; see web_auth.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_events.h"
#include "web_auth.h"
#include "banned.h"

static const char *const roles[] = {"", "viewer", "operator", "admin"};

int web_auth_role_parse(const char *name)
{
	for (int i = 1; i < 4; i++)
		if (name && !strcmp(name, roles[i]))
			return i;
	return -1;
}

const char *web_auth_role_name(enum web_role r)
{
	return r >= 0 && r < 4 ? roles[r] : "";
}

enum sg_code web_auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
                                    struct sg_error *err)
{
	if (strlen(password) < WEB_AUTH_MIN_PASSWORD)
		return sg_error_set(err, SG_ERR_INPUT,
		                    ETR(err, "パスワードは %d 文字以上にしてください",
		                        "the password must be at least %d characters long"),
		                    WEB_AUTH_MIN_PASSWORD);
	if (sodium_init() < 0 ||
	    crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		return sg_error_set(err, SG_ERR_NOMEM, "%s",
		                    ETR(err,
		                        "パスワードのハッシュを計算できませんでした（メモリ不足）",
		                        "could not hash the password (out of memory)"));
	return SG_OK;
}

int web_auth_password_matches(const char *hash, const char *password)
{
	return hash && *hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void web_auth_hash_text(const char *text, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)text, strlen(text));
}

void web_auth_new_secret(char text[WEB_AUTH_SECRET_LEN + 1], unsigned char hash[32])
{
	unsigned char raw[32];

	if (sodium_init() < 0)
		abort();
	randombytes_buf(raw, sizeof(raw));
	memcpy(text, "sg_", 3);
	sodium_bin2base64(text + 3, WEB_AUTH_SECRET_LEN + 1 - 3, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	web_auth_hash_text(text, hash);
}

int web_auth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && la && sodium_memcmp(a, b, la) == 0;
}

/* A hash to compare against when the user does not exist, so a missing
 * name costs the same time as a wrong password. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	if (crypto_pwhash_str(dummy, "saasguard-dummy-password", 24,
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		dummy[0] = 0;
}

static const char *dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_init);
	return dummy;
}

enum sg_code web_auth_login(struct store *s, const char *name, const char *password,
                            const char *address, double now, enum web_login_result *res,
                            char session[WEB_AUTH_SECRET_LEN + 1],
                            char csrf[WEB_AUTH_SECRET_LEN + 1], struct store_web_user *u,
                            struct sg_error *err)
{
	char ukey[192], akey[96];
	long long nu = 0, na = 0;
	unsigned char sh[32], ch[32];
	int found = 0, ok;
	enum sg_code rc;

	*res = WEB_LOGIN_BAD;
	snprintf(ukey, sizeof(ukey), "user:%.180s", name);
	snprintf(akey, sizeof(akey), "addr:%.80s", address);
	if ((rc = store_web_login_failures(s, ukey, now - WEB_AUTH_WINDOW_S, &nu, err)) ||
	    (rc = store_web_login_failures(s, akey, now - WEB_AUTH_WINDOW_S, &na, err)))
		return rc;
	if (nu >= WEB_AUTH_MAX_USER_FAILS || na >= WEB_AUTH_MAX_ADDR_FAILS) {
		*res = WEB_LOGIN_THROTTLED;
		return SG_OK;
	}
	if ((rc = store_web_user_get(s, name, u, &found, err)))
		return rc;
	ok = found ? web_auth_password_matches(u->password_hash, password)
	           : (web_auth_password_matches(dummy_hash(), password), 0);
	if (!ok) {
		store_web_user_release(u);
		if ((rc = store_begin(s, err)) ||
		    (rc = store_web_login_failed(s, ukey, now, err)) ||
		    (rc = store_web_login_failed(s, akey, now, err)) ||
		    (rc = store_commit(s, err))) {
			store_rollback(s);
			return rc;
		}
		return SG_OK;
	}
	web_auth_new_secret(session, sh);
	web_auth_new_secret(csrf, ch);
	if ((rc = store_begin(s, err)) ||
	    (rc = store_web_session_add(s, sh, u->id, csrf, now, now + WEB_AUTH_SESSION_S, err)) ||
	    (rc = store_web_login_clear(s, ukey, now - WEB_AUTH_WINDOW_S, err)) ||
	    (rc = ledger_events_web_login(s, u->name, u->role, address, err)) ||
	    (rc = store_commit(s, err))) {
		store_rollback(s);
		store_web_user_release(u);
		return rc;
	}
	*res = WEB_LOGIN_OK;
	return SG_OK;
}
