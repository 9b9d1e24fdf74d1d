/*
 * store_web - the web server's tables and queries: operator accounts
 * (web_users: name, role, Argon2id hash), login sessions (web_sessions,
 * keyed by the SHA-256 of the session id, never the id), API tokens
 * (web_tokens: SHA-256 of the token only), failed logins for throttling
 * (web_login_failures), maintenance announced from the web
 * (web_maintenance), and the reads the status page needs from the
 * monitor's tables (a check's id by name, an incident's follow-ups).
 *
 * Ownership: arrays returned through ** parameters are the caller's, freed
 * with the matching _free function. Every function joins the caller's
 * transaction if one is open.
 */
#ifndef SG_STORE_WEB_H
#define SG_STORE_WEB_H

#include <stddef.h>

#include "store.h"

/* The id of the service's check named name that is not retired (0: none). */
enum sg_code store_web_check_id(struct store *s, const char *service, const char *name,
                                long long *id, struct sg_error *err);

/* The name of check id (caller frees; NULL when there is no such check). */
enum sg_code store_web_check_name(struct store *s, long long id, char **name, struct sg_error *err);

struct store_web_followup {
	double sent_at;
	char *message;
};
/* An incident's follow-ups, oldest first. */
enum sg_code store_web_followups(struct store *s, long long incident_id,
                                 struct store_web_followup **out, size_t *n, struct sg_error *err);
void store_web_followups_free(struct store_web_followup *f, size_t n);

/* Undelivered messages in the notify outbox and the creation time of the
 * oldest (0: none). */
enum sg_code store_web_outbox(struct store *s, long long *pending, double *oldest,
                              struct sg_error *err);
/* Open incidents of a service. */
enum sg_code store_web_open_incidents(struct store *s, const char *service, long long *n,
                                      struct sg_error *err);

/* maintenance announced from the web */
struct store_web_maintenance {
	long long id;
	double start, end, announced;
	char *note;
	char *announced_by;
};
void store_web_maintenance_free(struct store_web_maintenance *m, size_t n);
enum sg_code store_web_maintenance_add(struct store *s, const char *service,
                                       const struct store_web_maintenance *m, long long *id,
                                       struct sg_error *err);
/* The service's windows that end after ending_after, by start. */
enum sg_code store_web_maintenance_list(struct store *s, const char *service, double ending_after,
                                        struct store_web_maintenance **out, size_t *n,
                                        struct sg_error *err);

/* Deadline-risk alerts (notify's deadline_risk messages) of the service's
 * incidents queued since since: one per incident, the first time, and
 * whether any of them was delivered; newest first. *out: free(). */
struct store_web_risk {
	long long incident;
	double at;
	int delivered;
};
enum sg_code store_web_deadline_risks(struct store *s, const char *service, double since,
                                      struct store_web_risk **out, size_t *n, struct sg_error *err);

/* Each collector's latest run for the service (not the monitor's values):
 * when, how many results and how many findings. */
struct store_web_collector {
	char *collector;
	double at;
	long long results, findings;
};
enum sg_code store_web_collectors(struct store *s, const char *service,
                                  struct store_web_collector **out, size_t *n,
                                  struct sg_error *err);
void store_web_collectors_free(struct store_web_collector *c, size_t n);

/* users */
struct store_web_user {
	long long id;
	char *name;
	char role[16];
	char *password_hash;
	double created_at;
};
void store_web_user_release(struct store_web_user *u);
/* SG_ERR_EXISTS when the name is taken. */
enum sg_code store_web_user_add(struct store *s, const char *name, const char *role,
                                const char *hash, double now, struct sg_error *err);
/* *found 0 when there is no such user. */
enum sg_code store_web_user_get(struct store *s, const char *name, struct store_web_user *u,
                                int *found, struct sg_error *err);
enum sg_code store_web_user_list(struct store *s, struct store_web_user **out, size_t *n,
                                 struct sg_error *err);
/* Replaces the hash and ends every session of the user; *found 0: none. */
enum sg_code store_web_user_passwd(struct store *s, const char *name, const char *hash, int *found,
                                   struct sg_error *err);
/* Removes the user and its sessions; *found 0: none. */
enum sg_code store_web_user_remove(struct store *s, const char *name, int *found,
                                   struct sg_error *err);

/* sessions (id_hash: SHA-256 of the session id, 32 bytes) */
enum sg_code store_web_session_add(struct store *s, const unsigned char id_hash[32],
                                   long long user_id, const char *csrf, double now, double expires,
                                   struct sg_error *err);
/* The live session's user and CSRF token (csrf: 64 bytes); *found 0 when
 * the session is unknown or expired. Slides last_seen_at. */
enum sg_code store_web_session_get(struct store *s, const unsigned char id_hash[32], double now,
                                   struct store_web_user *u, char csrf[65], int *found,
                                   struct sg_error *err);
enum sg_code store_web_session_end(struct store *s, const unsigned char id_hash[32],
                                   struct sg_error *err);

/* tokens (hash: SHA-256 of the token text) */
struct store_web_token {
	long long id;
	char *name;
	char role[16];
	double created_at, revoked_at, last_used_at; /* 0: never */
};
void store_web_token_release(struct store_web_token *t);
enum sg_code store_web_token_add(struct store *s, const char *name, const char *role,
                                 const unsigned char hash[32], double now, struct sg_error *err);
enum sg_code store_web_token_list(struct store *s, struct store_web_token **out, size_t *n,
                                  struct sg_error *err);
/* *found 0 when there is no unrevoked token of that name. */
enum sg_code store_web_token_revoke(struct store *s, const char *name, double now, int *found,
                                    struct sg_error *err);
/* The unrevoked token with this hash (*found 0: none); records its use. */
enum sg_code store_web_token_find(struct store *s, const unsigned char hash[32], double now,
                                  struct store_web_token *t, int *found, struct sg_error *err);

/* login throttling: key is "user:NAME" or "addr:ADDRESS" */
enum sg_code store_web_login_failed(struct store *s, const char *key, double now,
                                    struct sg_error *err);
/* Failures of key since `since`. */
enum sg_code store_web_login_failures(struct store *s, const char *key, double since, long long *n,
                                      struct sg_error *err);
/* Forgets a key's failures (after a successful login) and anything older
 * than `before`. */
enum sg_code store_web_login_clear(struct store *s, const char *key, double before,
                                   struct sg_error *err);

#endif
