/*
 * auth.c: users, sessions and API tokens in DATA/state.db (SQLite, WAL journal).
 * Passwords: argon2id (OWASP parameters: 19 MiB, 2 passes). Session ids and tokens:
 * 32 random bytes from getrandom(2), stored as SHA-256 (GnuTLS) so the database alone
 * grants nothing. One connection behind a mutex: logins are rare, lookups are one
 * indexed SELECT.
 */
#include "auth.h"

#include <argon2.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <time.h>

#include "jv.h"
#include "mem.h"
#include "ward.h"

#define ARGON_T       2
#define ARGON_M_KIB   19456
#define ARGON_P       1
#define ARGON_SALT    16
#define ARGON_HASH    32
#define ARGON_ENC_MAX 160

struct wd_auth {
    sqlite3 *db;
    pthread_mutex_t mu;
    char dummy[ARGON_ENC_MAX]; /* verified for unknown users: same work either way */
};

static const char *const role_names[] = {"viewer", "analyst", "admin"};
static const char *const scope_names[] = {"ingest", "read", "write", "admin"};

const char *wd_role_name(int role)
{
    return role >= 0 && role < WD_ROLE__COUNT ? role_names[role] : "none";
}

int wd_role_parse(const char *name)
{
    for (int i = 0; i < WD_ROLE__COUNT; i++)
        if (strcmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

unsigned wd_role_scopes(int role)
{
    switch (role) {
    case WD_ROLE_ADMIN:
        return WD_SCOPE_ALL;
    case WD_ROLE_ANALYST:
        return WD_SCOPE_READ | WD_SCOPE_WRITE;
    case WD_ROLE_VIEWER:
        return WD_SCOPE_READ;
    default:
        return 0;
    }
}

bool wd_scopes_parse(const char *list, unsigned *out)
{
    unsigned s = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ", ");
        if (n) {
            bool found = false;
            for (unsigned i = 0; i < 4; i++)
                if (strlen(scope_names[i]) == n && strncmp(p, scope_names[i], n) == 0) {
                    s |= 1u << i;
                    found = true;
                }
            if (!found)
                return false;
        }
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    if (s & WD_SCOPE_ADMIN)
        s = WD_SCOPE_ALL;
    *out = s;
    return s != 0;
}

void wd_scopes_format(unsigned scopes, char *out, size_t out_len)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < 4; i++)
        if (scopes & (1u << i))
            n += (size_t)snprintf(out + n, n < out_len ? out_len - n : 0, "%s%s", n ? "," : "",
                                  scope_names[i]);
}

int wd_auth_random_hex(char *out, size_t n)
{
    unsigned char raw[64];
    if (n > sizeof(raw))
        return WD_EINVAL;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(raw + got, n - got, 0);
        if (r <= 0)
            return WD_EIO;
        got += (size_t)r;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return WD_OK;
}

bool wd_auth_str_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char h[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), h);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int exec(struct wd_auth *a, const char *sql)
{
    return sqlite3_exec(a->db, sql, NULL, NULL, NULL) == SQLITE_OK ? WD_OK : WD_EIO;
}

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA busy_timeout=5000;"
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, role TEXT NOT NULL,"
    " hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions(sid_hash TEXT PRIMARY KEY, user TEXT NOT NULL,"
    " role TEXT NOT NULL, csrf TEXT NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " hash TEXT UNIQUE NOT NULL, name TEXT NOT NULL, scopes INTEGER NOT NULL,"
    " owner TEXT NOT NULL, created INTEGER NOT NULL, last_used INTEGER,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit_pending(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " json TEXT NOT NULL);";

struct wd_auth *wd_auth_open(const char *data_dir, char *err, size_t err_len)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/state.db", data_dir);
    struct wd_auth *a = wd_xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->mu, NULL);
    if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 a->db ? sqlite3_errmsg(a->db) : "out of memory");
        goto fail;
    }
    if (exec(a, schema)) {
        snprintf(err, err_len, "%s: %s", path, sqlite3_errmsg(a->db));
        goto fail;
    }
    unsigned char salt[ARGON_SALT] = {0};
    if (argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, "x", 1, salt, sizeof(salt), ARGON_HASH,
                              a->dummy, sizeof(a->dummy)) != ARGON2_OK) {
        snprintf(err, err_len, "argon2id is not usable");
        goto fail;
    }
    return a;
fail:
    wd_auth_close(a);
    return NULL;
}

void wd_auth_close(struct wd_auth *a)
{
    if (!a)
        return;
    sqlite3_close(a->db);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

int wd_auth_user_add(struct wd_auth *a, const char *name, int role, const char *password, char *why,
                     size_t why_len)
{
    if (!name_ok(name)) {
        snprintf(why, why_len, "user names are 1 to 64 of A-Z a-z 0-9 . _ - @");
        return WD_EINVAL;
    }
    if (role < 0 || role >= WD_ROLE__COUNT) {
        snprintf(why, why_len, "role must be admin, analyst or viewer");
        return WD_EINVAL;
    }
    if (strlen(password) < 8 || strlen(password) > 1024) {
        snprintf(why, why_len, "passwords are 8 to 1024 characters");
        return WD_EINVAL;
    }
    unsigned char salt[ARGON_SALT];
    char enc[ARGON_ENC_MAX];
    if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt) ||
        argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, password, strlen(password), salt,
                              sizeof(salt), ARGON_HASH, enc, sizeof(enc)) != ARGON2_OK) {
        snprintf(why, why_len, "argon2id failed");
        return WD_EIO;
    }
    pthread_mutex_lock(&a->mu);
    sqlite3_stmt *st = NULL;
    int rc = WD_EIO;
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO users(name,role,hash,created) VALUES(?,?,?,?) "
                           "ON CONFLICT(name) DO UPDATE SET role=excluded.role,"
                           " hash=excluded.hash",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, wd_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, enc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = WD_OK;
    }
    if (rc)
        snprintf(why, why_len, "state.db: %s", sqlite3_errmsg(a->db));
    sqlite3_finalize(st);
    /* A new password ends the user's sessions. */
    if (rc == WD_OK && sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE user=?", -1, &st,
                                          NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* Runs one statement with one text parameter; returns the number of changed rows. */
static int exec1(struct wd_auth *a, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_DONE)
            n = sqlite3_changes(a->db);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    return n;
}

int wd_auth_user_del(struct wd_auth *a, const char *name)
{
    exec1(a, "DELETE FROM sessions WHERE user=?", name);
    return exec1(a, "DELETE FROM users WHERE name=?", name) > 0 ? WD_OK : WD_ENOENT;
}

static void put_text(struct wd_buf *out, const unsigned char *s)
{
    const char *t = s ? (const char *)s : "";
    wd_jv_write_str(t, strlen(t), out);
}

void wd_auth_user_list(struct wd_auth *a, struct wd_buf *out)
{
    sqlite3_stmt *st = NULL;
    wd_buf_printf(out, "{\"users\":[");
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, "SELECT name,role,created FROM users ORDER BY name", -1, &st,
                           NULL) == SQLITE_OK) {
        for (int i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
            wd_buf_printf(out, "%s{\"name\":", i ? "," : "");
            put_text(out, sqlite3_column_text(st, 0));
            wd_buf_printf(out, ",\"role\":");
            put_text(out, sqlite3_column_text(st, 1));
            wd_buf_printf(out, ",\"created\":%lld}", (long long)sqlite3_column_int64(st, 2));
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    wd_buf_printf(out, "]}");
}

int wd_auth_password_check(struct wd_auth *a, const char *name, const char *password, int *role)
{
    char enc[ARGON_ENC_MAX] = "";
    char rname[32] = "";
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, "SELECT hash,role FROM users WHERE name=?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(enc, sizeof(enc), "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(rname, sizeof(rname), "%s", (const char *)sqlite3_column_text(st, 1));
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    bool known = enc[0] != '\0';
    /* The hash is checked outside the lock: it takes tens of milliseconds. */
    bool ok = argon2id_verify(known ? enc : a->dummy, password, strlen(password)) == ARGON2_OK;
    if (!known || !ok)
        return WD_ENOENT;
    *role = wd_role_parse(rname);
    return *role >= 0 ? WD_OK : WD_ENOENT;
}

int wd_auth_session_new(struct wd_auth *a, const char *user, int role, char *sid, char *csrf)
{
    char h[65];
    if (wd_auth_random_hex(sid, WD_AUTH_ID_LEN / 2) || wd_auth_random_hex(csrf, WD_AUTH_ID_LEN / 2))
        return WD_EIO;
    sha256_hex(sid, h);
    sqlite3_stmt *st = NULL;
    int rc = WD_EIO;
    time_t now = time(NULL);
    pthread_mutex_lock(&a->mu);
    sqlite3_stmt *gc = NULL;
    if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE expires<?", -1, &gc, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(gc, 1, (sqlite3_int64)now);
        sqlite3_step(gc);
    }
    sqlite3_finalize(gc);
    if (sqlite3_prepare_v2(
            a->db, "INSERT INTO sessions(sid_hash,user,role,csrf,expires) VALUES(?,?,?,?,?)", -1,
            &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, wd_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, csrf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)(now + WD_AUTH_SESSION_TTL));
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = WD_OK;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

bool wd_auth_session_get(struct wd_auth *a, const char *sid, struct wd_principal *p)
{
    char h[65];
    if (strlen(sid) != WD_AUTH_ID_LEN)
        return false;
    sha256_hex(sid, h);
    sqlite3_stmt *st = NULL;
    bool ok = false;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db,
                           "SELECT s.user,s.role,s.csrf FROM sessions s JOIN users u ON "
                           "u.name=s.user WHERE s.sid_hash=? AND s.expires>=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) == SQLITE_ROW) {
            int role = wd_role_parse((const char *)sqlite3_column_text(st, 1));
            snprintf(p->name, sizeof(p->name), "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(p->csrf, sizeof(p->csrf), "%s", (const char *)sqlite3_column_text(st, 2));
            p->scopes = wd_role_scopes(role);
            p->authenticated = ok = role >= 0;
            p->is_session = true;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    return ok;
}

void wd_auth_session_del(struct wd_auth *a, const char *sid)
{
    char h[65];
    sha256_hex(sid, h);
    exec1(a, "DELETE FROM sessions WHERE sid_hash=?", h);
}

int wd_auth_token_add(struct wd_auth *a, const char *name, unsigned scopes, const char *owner,
                      const char *fixed, char *tok, int64_t *id)
{
    char h[65];
    if (fixed)
        snprintf(tok, WD_AUTH_ID_LEN + 4, "%s", fixed);
    else {
        memcpy(tok, "wd_", 3);
        if (wd_auth_random_hex(tok + 3, WD_AUTH_ID_LEN / 2))
            return WD_EIO;
    }
    sha256_hex(tok, h);
    sqlite3_stmt *st = NULL;
    int rc = WD_EIO;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO tokens(hash,name,scopes,owner,created) VALUES(?,?,?,?,?) "
                           "ON CONFLICT(hash) DO UPDATE SET revoked=0, scopes=excluded.scopes",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, scopes);
        sqlite3_bind_text(st, 4, owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) == SQLITE_DONE) {
            rc = WD_OK;
            *id = sqlite3_last_insert_rowid(a->db);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void wd_auth_token_list(struct wd_auth *a, struct wd_buf *out)
{
    sqlite3_stmt *st = NULL;
    wd_buf_printf(out, "{\"tokens\":[");
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db,
                           "SELECT id,name,scopes,owner,created,last_used,revoked FROM tokens "
                           "ORDER BY id",
                           -1, &st, NULL) == SQLITE_OK) {
        for (int i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
            char sc[64];
            wd_scopes_format((unsigned)sqlite3_column_int64(st, 2), sc, sizeof(sc));
            wd_buf_printf(out, "%s{\"id\":%lld,\"name\":", i ? "," : "",
                          (long long)sqlite3_column_int64(st, 0));
            put_text(out, sqlite3_column_text(st, 1));
            wd_buf_printf(out, ",\"scopes\":\"%s\",\"owner\":", sc);
            put_text(out, sqlite3_column_text(st, 3));
            wd_buf_printf(
                out, ",\"created\":%lld,\"last_used\":", (long long)sqlite3_column_int64(st, 4));
            if (sqlite3_column_type(st, 5) == SQLITE_NULL)
                wd_buf_printf(out, "null");
            else
                wd_buf_printf(out, "%lld", (long long)sqlite3_column_int64(st, 5));
            wd_buf_printf(out, ",\"revoked\":%s}", sqlite3_column_int(st, 6) ? "true" : "false");
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->mu);
    wd_buf_printf(out, "]}");
}

int wd_auth_token_revoke(struct wd_auth *a, int64_t id)
{
    char ids[32];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    return exec1(a, "UPDATE tokens SET revoked=1 WHERE id=CAST(? AS INTEGER) AND revoked=0", ids) >
                   0
               ? WD_OK
               : WD_ENOENT;
}

bool wd_auth_token_get(struct wd_auth *a, const char *tok, struct wd_principal *p)
{
    char h[65];
    size_t n = strlen(tok);
    if (n < 32 || n > WD_AUTH_ID_LEN + 3)
        return false;
    sha256_hex(tok, h);
    sqlite3_stmt *st = NULL;
    bool ok = false;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, "SELECT name,scopes FROM tokens WHERE hash=? AND revoked=0", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(p->name, sizeof(p->name), "token:%s",
                     (const char *)sqlite3_column_text(st, 0));
            p->scopes = (unsigned)sqlite3_column_int64(st, 1);
            p->authenticated = ok = true;
            p->is_session = false;
        }
    }
    sqlite3_finalize(st);
    /* last_used, to the minute: at most one write per token and minute on the hot path */
    time_t now = time(NULL);
    if (ok && sqlite3_prepare_v2(a->db,
                                 "UPDATE tokens SET last_used=? WHERE hash=? AND "
                                 "(last_used IS NULL OR last_used<?)",
                                 -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        sqlite3_bind_text(st, 2, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now - 60);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->mu);
    return ok;
}

int wd_auth_audit_queue(struct wd_auth *a, const char *json)
{
    return exec1(a, "INSERT INTO audit_pending(json) VALUES(?)", json) == 1 ? WD_OK : WD_EIO;
}

int wd_auth_audit_take(struct wd_auth *a, void (*emit)(void *arg, const char *json), void *arg)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    int64_t last = 0;
    struct wd_buf all;
    wd_buf_init(&all, 0);
    /* Copied out under the lock, emitted after it: emitting waits for the WAL. */
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, "SELECT id,json FROM audit_pending ORDER BY id LIMIT 1000", -1,
                           &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            last = sqlite3_column_int64(st, 0);
            const char *j = (const char *)sqlite3_column_text(st, 1);
            wd_buf_append(&all, j ? j : "{}", strlen(j ? j : "{}") + 1);
            n++;
        }
    }
    sqlite3_finalize(st);
    if (n && sqlite3_prepare_v2(a->db, "DELETE FROM audit_pending WHERE id<=?", -1, &st, NULL) ==
                 SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)last);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->mu);
    for (size_t off = 0; off < all.len; off += strlen(all.p + off) + 1)
        emit(arg, all.p + off);
    wd_buf_fini(&all);
    return n;
}
