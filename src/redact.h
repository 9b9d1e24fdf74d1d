/*
 * redact - URLs with their credentials taken out, for everything that leaves
 * the process (log lines, the store, ledger payloads, messages, reports).
 * The userinfo (user, password, login options) becomes "***", and so does
 * the value of each query parameter whose name is a secret: the built-in
 * list (token, access_token, api_key, apikey, key, password, passwd, pass,
 * secret, client_secret, signature, sig, auth) and any the caller adds.
 * Parameter names compare case-insensitively after percent-decoding.
 *
 * Ownership: redact_url() returns a string the caller frees; it never
 * returns NULL. A string that is not a URL libcurl can parse comes back as
 * "[URL]" so nothing of it leaks.
 */
#ifndef SG_REDACT_H
#define SG_REDACT_H

/* url with its credentials replaced by "***"; secret_params is a
 * NULL-terminated list of extra parameter names (NULL: none). */
char *redact_url(const char *url, const char *const *secret_params);

#endif
