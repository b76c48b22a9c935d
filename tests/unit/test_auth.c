/*
 * test_auth.c: users, sessions, tokens and scopes in state.db (auth.c): argon2id password
 * checks, unknown users, sessions ending with password changes and deletion, token
 * scopes and revocation, nothing secret stored in clear, the CLI audit queue.
 */
#include <stdlib.h>
#include <unistd.h>

#include "auth.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

static struct wd_auth *open_tmp(char *dir)
{
    char err[256];
    snprintf(dir, 64, "/tmp/wd-auth-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    return wd_auth_open(dir, err, sizeof(err));
}

static void rm_tmp(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    FAIL_UNLESS(system(cmd) == 0);
}

static void t_scopes(void)
{
    unsigned s;
    char out[64];
    FAIL_UNLESS(wd_scopes_parse("read,ingest", &s) && s == (WD_SCOPE_READ | WD_SCOPE_INGEST));
    FAIL_UNLESS(wd_scopes_parse("admin", &s) && s == WD_SCOPE_ALL);
    FAIL_UNLESS(!wd_scopes_parse("read,root", &s));
    FAIL_UNLESS(!wd_scopes_parse("", &s));
    wd_scopes_format(WD_SCOPE_READ | WD_SCOPE_WRITE, out, sizeof(out));
    EXPECT_STR(out, "read,write");
    EXPECT_INT(wd_role_scopes(WD_ROLE_VIEWER), WD_SCOPE_READ);
    EXPECT_INT(wd_role_scopes(WD_ROLE_ANALYST), WD_SCOPE_READ | WD_SCOPE_WRITE);
    EXPECT_INT(wd_role_scopes(WD_ROLE_ADMIN), WD_SCOPE_ALL);
    EXPECT_INT(wd_role_parse("analyst"), WD_ROLE_ANALYST);
    EXPECT_INT(wd_role_parse("root"), -1);
    FAIL_UNLESS(wd_auth_str_eq("abc", "abc") && !wd_auth_str_eq("abc", "abd") &&
                !wd_auth_str_eq("abc", "abcd"));
}

static void t_users_and_sessions(void)
{
    char dir[64], why[160], sid[WD_AUTH_ID_LEN + 1], csrf[WD_AUTH_ID_LEN + 1];
    struct wd_auth *a = open_tmp(dir);
    FAIL_UNLESS(a != NULL);
    int role = -1;
    FAIL_UNLESS(wd_auth_user_add(a, "alice", WD_ROLE_ANALYST, "short", why, sizeof(why)) ==
                WD_EINVAL);
    FAIL_UNLESS(wd_auth_user_add(a, "bad name", WD_ROLE_ANALYST, "long enough", why, sizeof(why)) ==
                WD_EINVAL);
    FAIL_UNLESS(wd_auth_user_add(a, "alice", WD_ROLE_ANALYST, "correct horse", why, sizeof(why)) ==
                WD_OK);
    FAIL_UNLESS(wd_auth_password_check(a, "alice", "correct horse", &role) == WD_OK);
    EXPECT_INT(role, WD_ROLE_ANALYST);
    FAIL_UNLESS(wd_auth_password_check(a, "alice", "correct horsE", &role) == WD_ENOENT);
    FAIL_UNLESS(wd_auth_password_check(a, "bob", "correct horse", &role) == WD_ENOENT);
    FAIL_UNLESS(wd_auth_session_new(a, "alice", role, sid, csrf) == WD_OK);
    EXPECT_INT(strlen(sid), WD_AUTH_ID_LEN);
    struct wd_principal p = {0};
    FAIL_UNLESS(wd_auth_session_get(a, sid, &p));
    EXPECT_STR(p.name, "alice");
    EXPECT_STR(p.csrf, csrf);
    FAIL_UNLESS(p.is_session && p.scopes == (WD_SCOPE_READ | WD_SCOPE_WRITE));
    char forged[WD_AUTH_ID_LEN + 1];
    memcpy(forged, sid, sizeof(forged));
    forged[0] = forged[0] == 'a' ? 'b' : 'a';
    FAIL_UNLESS(!wd_auth_session_get(a, forged, &(struct wd_principal){0}));
    /* a new password (and role) ends the sessions */
    FAIL_UNLESS(wd_auth_user_add(a, "alice", WD_ROLE_ADMIN, "battery staple", why, sizeof(why)) ==
                WD_OK);
    FAIL_UNLESS(!wd_auth_session_get(a, sid, &(struct wd_principal){0}));
    FAIL_UNLESS(wd_auth_password_check(a, "alice", "battery staple", &role) == WD_OK);
    EXPECT_INT(role, WD_ROLE_ADMIN);
    FAIL_UNLESS(wd_auth_session_new(a, "alice", role, sid, csrf) == WD_OK);
    wd_auth_session_del(a, sid);
    FAIL_UNLESS(!wd_auth_session_get(a, sid, &(struct wd_principal){0}));
    FAIL_UNLESS(wd_auth_session_new(a, "alice", role, sid, csrf) == WD_OK);
    FAIL_UNLESS(wd_auth_user_del(a, "alice") == WD_OK);
    FAIL_UNLESS(!wd_auth_session_get(a, sid, &(struct wd_principal){0}));
    FAIL_UNLESS(wd_auth_user_del(a, "alice") == WD_ENOENT);
    wd_auth_close(a);
    rm_tmp(dir);
}

static void t_tokens(void)
{
    char dir[64], tok[WD_AUTH_ID_LEN + 4], tok2[WD_AUTH_ID_LEN + 4];
    struct wd_auth *a = open_tmp(dir);
    FAIL_UNLESS(a != NULL);
    int64_t id, id2;
    FAIL_UNLESS(wd_auth_token_add(a, "shipper", WD_SCOPE_INGEST, "test", NULL, tok, &id) == WD_OK);
    FAIL_UNLESS(wd_auth_token_add(a, "reader", WD_SCOPE_READ, "test", NULL, tok2, &id2) == WD_OK);
    FAIL_UNLESS(strncmp(tok, "wd_", 3) == 0 && strcmp(tok, tok2) != 0 && id != id2);
    struct wd_principal p = {0};
    FAIL_UNLESS(wd_auth_token_get(a, tok, &p));
    EXPECT_STR(p.name, "token:shipper");
    FAIL_UNLESS(p.scopes == WD_SCOPE_INGEST && !p.is_session);
    FAIL_UNLESS(!wd_auth_token_get(a, "wd_0000000000000000000000000000000000", &p));
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_auth_token_list(a, &b);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"name\":\"reader\"") && !strstr(b.p, tok + 3));
    const char *sh = strstr(b.p, "\"name\":\"shipper\""), *rd = strstr(b.p, "\"name\":\"reader\"");
    FAIL_UNLESS(sh && rd && sh < rd);
    /* shipper was used (its last_used is a time), reader never (null) */
    FAIL_UNLESS(strncmp(strstr(sh, "\"last_used\":") + 12, "null", 4) != 0);
    FAIL_UNLESS(strncmp(strstr(rd, "\"last_used\":") + 12, "null", 4) == 0);
    wd_buf_fini(&b);
    FAIL_UNLESS(wd_auth_token_revoke(a, id) == WD_OK);
    FAIL_UNLESS(!wd_auth_token_get(a, tok, &(struct wd_principal){0}));
    FAIL_UNLESS(wd_auth_token_revoke(a, id) == WD_ENOENT);
    FAIL_UNLESS(wd_auth_token_get(a, tok2, &(struct wd_principal){0}));
    wd_auth_close(a);
    /* nothing secret in the file: neither token appears in state.db */
    char path[128];
    snprintf(path, sizeof(path), "%s/state.db", dir);
    FILE *f = fopen(path, "rb");
    FAIL_UNLESS(f != NULL);
    wd_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        wd_buf_append(&b, chunk, n);
    fclose(f);
    FAIL_UNLESS(!memmem(b.p, b.len, tok2 + 3, strlen(tok2) - 3));
    wd_buf_fini(&b);
    rm_tmp(dir);
}

static int emitted;
static void count_emit(void *arg, const char *json)
{
    WD_UNUSED(arg);
    FAIL_UNLESS(strstr(json, "audit") != NULL);
    emitted++;
}

static void t_audit_queue(void)
{
    char dir[64];
    struct wd_auth *a = open_tmp(dir);
    FAIL_UNLESS(a != NULL);
    FAIL_UNLESS(wd_auth_audit_queue(a, "{\"category\":\"audit\",\"n\":1}") == WD_OK);
    FAIL_UNLESS(wd_auth_audit_queue(a, "{\"category\":\"audit\",\"n\":2}") == WD_OK);
    EXPECT_INT(wd_auth_audit_take(a, count_emit, NULL), 2);
    EXPECT_INT(emitted, 2);
    EXPECT_INT(wd_auth_audit_take(a, count_emit, NULL), 0);
    wd_auth_close(a);
    rm_tmp(dir);
}

WD_TEST_LIST{
    {"auth_scopes_and_roles", t_scopes},
    {"auth_users_and_sessions", t_users_and_sessions},
    {"auth_tokens", t_tokens},
    {"auth_audit_queue", t_audit_queue},
};
WD_TEST_MAIN
