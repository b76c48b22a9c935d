/*
 * auth.h: users, sessions and API tokens, kept in the case-state store DATA/state.db
 * (SQLite). Passwords are argon2id hashes (libargon2); session ids and API tokens are
 * random and stored as SHA-256 hashes only, so a copy of state.db opens nothing.
 * Thread-safe (one connection, serialized by a mutex). See docs/security.md.
 */
#ifndef WD_AUTH_H
#define WD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wd_buf;
struct wd_auth;

/* Roles, least privileged first. */
enum wd_role { WD_ROLE_VIEWER, WD_ROLE_ANALYST, WD_ROLE_ADMIN, WD_ROLE__COUNT };

/* Scopes of a principal (bit set). A role grants: viewer read; analyst read+write;
 * admin everything. */
enum {
    WD_SCOPE_INGEST = 1u << 0,
    WD_SCOPE_READ = 1u << 1,
    WD_SCOPE_WRITE = 1u << 2,
    WD_SCOPE_ADMIN = 1u << 3,
    WD_SCOPE_ALL = 0xf,
};

#define WD_AUTH_ID_LEN      64 /* hex of a 32-byte random value */
#define WD_AUTH_SESSION_TTL (12 * 3600)

/* Who a request runs as. */
struct wd_principal {
    bool authenticated;
    bool is_session; /* cookie session (CSRF applies) rather than a Bearer token */
    unsigned scopes;
    char name[128];                /* user name, or "token:<name>" */
    char csrf[WD_AUTH_ID_LEN + 1]; /* sessions only */
};

const char *wd_role_name(int role);
/* -1 when unknown. */
int wd_role_parse(const char *name);
unsigned wd_role_scopes(int role);
/* Parses "read,write"; returns false on an unknown scope name. */
bool wd_scopes_parse(const char *list, unsigned *out);
/* Writes "read,write" into out. */
void wd_scopes_format(unsigned scopes, char *out, size_t out_len);

/* Opens (creating) DATA/state.db. Returns a new handle (free with wd_auth_close) or NULL
 * with a message in err. */
struct wd_auth *wd_auth_open(const char *data_dir, char *err, size_t err_len);
void wd_auth_close(struct wd_auth *a);

/* Users. add: WD_OK, WD_EINVAL (bad name/role/short password: why), WD_EIO. A user that
 * exists gets the new password and role. */
int wd_auth_user_add(struct wd_auth *a, const char *name, int role, const char *password, char *why,
                     size_t why_len);
int wd_auth_user_del(struct wd_auth *a, const char *name); /* WD_OK or WD_ENOENT */
/* Appends {"users":[{"name","role","created"}]} to out. */
void wd_auth_user_list(struct wd_auth *a, struct wd_buf *out);
/* Checks a password (constant work whether or not the user exists); WD_OK with *role. */
int wd_auth_password_check(struct wd_auth *a, const char *name, const char *password, int *role);

/* Sessions: creates one for a user; sid and csrf are written (WD_AUTH_ID_LEN + 1 bytes). */
int wd_auth_session_new(struct wd_auth *a, const char *user, int role, char *sid, char *csrf);
/* Fills p from a live session id; false when unknown or expired. */
bool wd_auth_session_get(struct wd_auth *a, const char *sid, struct wd_principal *p);
void wd_auth_session_del(struct wd_auth *a, const char *sid);

/* API tokens. add: writes the token (shown once) into tok (WD_AUTH_ID_LEN + 4 bytes) and
 * its id into *id. `fixed` (may be NULL) is used instead of a random value (bootstrap). */
int wd_auth_token_add(struct wd_auth *a, const char *name, unsigned scopes, const char *owner,
                      const char *fixed, char *tok, int64_t *id);
/* Appends {"tokens":[{"id","name","scopes","owner","created","last_used","revoked"}]}. */
void wd_auth_token_list(struct wd_auth *a, struct wd_buf *out);
int wd_auth_token_revoke(struct wd_auth *a, int64_t id); /* WD_OK or WD_ENOENT */
/* Fills p from a Bearer token; false when unknown or revoked. */
bool wd_auth_token_get(struct wd_auth *a, const char *tok, struct wd_principal *p);

/* Audit events of changes made outside the server (the CLI): queued in state.db, taken
 * by the server, which writes them as events. take calls emit for each (oldest first)
 * and deletes those it handed over; returns how many. */
int wd_auth_audit_queue(struct wd_auth *a, const char *json);
int wd_auth_audit_take(struct wd_auth *a, void (*emit)(void *arg, const char *json), void *arg);

/* Fills out with n random bytes as hex (2n chars + NUL). */
int wd_auth_random_hex(char *out, size_t n);
/* Constant-time string comparison. */
bool wd_auth_str_eq(const char *a, const char *b);

#endif
