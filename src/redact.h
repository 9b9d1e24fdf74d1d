/*
 * redact - URLs with their credentials taken out, for everything that leaves
 * the process (log lines, the store, ledger payloads, messages, reports).
 * The userinfo (user, password, login options) becomes "***", and so does
 * the value of each query parameter whose name is a secret: the built-in
 * list (token, access_token, api_key, apikey, key, password, passwd, pass,
 * secret, client_secret, signature, sig, auth) and any the caller adds.
 * Parameter names compare case-insensitively after percent-decoding.
 * This is the one redaction: the monitor's targets, the TLS collector's
 * service URLs and notify's webhook keys all go through it.
 *
 * Ownership: redact_url() and redact_url_ex() return a string the caller
 * frees; they never return NULL. A string that is not a URL libcurl can parse
 * comes back as "[URL]" so nothing of it leaks.
 */
#ifndef SG_REDACT_H
#define SG_REDACT_H

/* url with its credentials replaced by "***"; secret_params is a
 * NULL-terminated list of extra parameter names (NULL: none). */
char *redact_url(const char *url, const char *const *secret_params);

enum redact_flags {
	/* A parameter is secret when its name contains a secret word (the list
	 * above, "code" and "credential" too): "x-api-key", "hook_token". For
	 * URLs that are credentials themselves, where hiding too much costs
	 * nothing. */
	REDACT_CONTAINS = 1,
};

/* redact_url() with flags; *redacted (if not NULL) is set to 1 when
 * anything was taken out (or the URL did not parse), else 0. */
char *redact_url_ex(const char *url, const char *const *secret_params, unsigned flags,
                    int *redacted);

#endif
