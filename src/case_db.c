/*
 * case_db.c: the case-state store DATA/cases.db (case_db.h). A separate database file
 * from state.db (users, sessions) so incident traffic never waits on logins; both live
 * in the data directory and are backed up with it (docs/incidents.md, "Backup").
 * Field values are stored as normalized JSON text (case_field.c made them), one row per
 * incident and field with its version, so a writer's stale version is detected per
 * field inside one IMMEDIATE transaction.
 */
#include "case_db.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "case_field.h"
#include "case_int.h"
#include "case_veris.h"
#include "cfg.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "wd_time.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA busy_timeout=5000;"
    "CREATE TABLE IF NOT EXISTS incidents(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created_us INTEGER NOT NULL, creator TEXT NOT NULL, updated_us INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS incident_fields(incident INTEGER NOT NULL, field TEXT NOT NULL,"
    " value TEXT NOT NULL, num INTEGER, version INTEGER NOT NULL, by TEXT NOT NULL,"
    " at_us INTEGER NOT NULL, PRIMARY KEY(incident, field));"
    "CREATE TABLE IF NOT EXISTS timeline(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " incident INTEGER NOT NULL, at_us INTEGER NOT NULL, author TEXT NOT NULL,"
    " kind TEXT NOT NULL, field TEXT, old TEXT, new TEXT, text TEXT);"
    "CREATE INDEX IF NOT EXISTS timeline_incident ON timeline(incident, seq);"
    "CREATE TABLE IF NOT EXISTS links(incident INTEGER NOT NULL, kind TEXT NOT NULL,"
    " ref TEXT NOT NULL, label TEXT, by TEXT NOT NULL, at_us INTEGER NOT NULL,"
    " PRIMARY KEY(incident, kind, ref));"
    "CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
    " severity TEXT NOT NULL, sev_rank INTEGER NOT NULL, created_us INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'manual', ack_us INTEGER, ack_by TEXT, fp_reason TEXT,"
    " incident INTEGER);"
    "CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_us);"
    "CREATE TABLE IF NOT EXISTS suppressions(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " rule TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT, alert INTEGER, by TEXT NOT NULL,"
    " created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,"
    " deleted INTEGER NOT NULL DEFAULT 0);";

static sqlite3_stmt *prep(struct wd_cases *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static void put_iso(struct wd_buf *out, int64_t us)
{
    char t[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, t);
    wd_buf_putc(out, '"');
    wd_buf_append(out, t, n);
    wd_buf_putc(out, '"');
}

static void put_col_str(struct wd_buf *out, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    if (!s)
        wd_buf_printf(out, "null");
    else
        wd_jv_write_str((const char *)s, strlen((const char *)s), out);
}

/* A column holding JSON text we wrote, embedded as is. */
static void put_col_json(struct wd_buf *out, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    wd_buf_printf(out, "%s", s ? (const char *)s : "null");
}

static void supp_free_all(struct wd_cases *c)
{
    for (size_t i = 0; i < c->ns; i++) {
        struct supp *x = &c->s[i];
        for (size_t k = 0; k < x->nf; k++) {
            free(x->path[k]);
            free(x->value[k]);
        }
        free(x->path);
        free(x->value);
        free(x->rule);
    }
    free(c->s);
    c->s = NULL;
    c->ns = 0;
}

/* Writes the in-memory hit counts back. Both locks held. */
static void supp_save_hits(struct wd_cases *c)
{
    sqlite3_stmt *st = prep(c, "UPDATE suppressions SET hits=hits+? WHERE id=?");
    for (size_t i = 0; st && i < c->ns; i++) {
        struct supp *x = &c->s[i];
        if (x->hits == x->hits_saved)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(x->hits - x->hits_saved));
        sqlite3_bind_int64(st, 2, x->id);
        if (sqlite3_step(st) == SQLITE_DONE)
            x->hits_saved = x->hits;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

/* Rebuilds the in-memory suppressions from the table. c->mu held. */
static void supp_load(struct wd_cases *c)
{
    pthread_mutex_lock(&c->smu);
    supp_save_hits(c);
    supp_free_all(c);
    sqlite3_stmt *st = prep(c, "SELECT id,rule,fields,expires_us FROM suppressions WHERE "
                               "deleted=0 ORDER BY id");
    struct wd_arena a;
    wd_arena_init(&a, 4096, 16u << 20);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(st, 2);
        struct wd_jv *v;
        wd_arena_reset(&a);
        if (!f || wd_json_parse(f, strlen(f), strlen(f), 16, &a, &v, NULL) != WD_OK ||
            v->type != WD_JV_OBJ)
            continue;
        c->s = wd_xrealloc(c->s, (c->ns + 1) * sizeof(*c->s));
        struct supp *x = &c->s[c->ns++];
        memset(x, 0, sizeof(*x));
        x->id = sqlite3_column_int64(st, 0);
        x->rule = wd_xstrdup((const char *)sqlite3_column_text(st, 1));
        x->expires_us = sqlite3_column_int64(st, 3);
        x->path = wd_xcalloc(v->count + 1, sizeof(char *));
        x->value = wd_xcalloc(v->count + 1, sizeof(char *));
        for (const struct wd_jv *k = v->u.kids.head; k; k = k->next) {
            if (k->type != WD_JV_STR)
                continue;
            x->path[x->nf] = wd_arena_strndup(&a, k->key.p, k->key.len);
            x->path[x->nf] = wd_xstrdup(x->path[x->nf]);
            x->value[x->nf] = wd_xstrdup(wd_arena_strndup(&a, k->u.s.p, k->u.s.len));
            x->nf++;
        }
    }
    sqlite3_finalize(st);
    wd_arena_fini(&a);
    pthread_mutex_unlock(&c->smu);
}

struct wd_cases *wd_cases_open(const char *data_dir, char *err, size_t err_len)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/cases.db", data_dir);
    struct wd_cases *c = wd_xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->smu, NULL);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "%s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    pthread_mutex_lock(&c->mu);
    supp_load(c);
    pthread_mutex_unlock(&c->mu);
    return c;
fail:
    wd_cases_close(c);
    return NULL;
}

void wd_cases_close(struct wd_cases *c)
{
    if (!c)
        return;
    if (c->db) {
        pthread_mutex_lock(&c->smu);
        supp_save_hits(c);
        pthread_mutex_unlock(&c->smu);
    }
    supp_free_all(c);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->smu);
    free(c);
}

static bool exec(struct wd_cases *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static bool incident_exists(struct wd_cases *c, int64_t id)
{
    sqlite3_stmt *st = prep(c, "SELECT 1 FROM incidents WHERE id=?");
    bool ok = false;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        ok = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return ok;
}

static int timeline_add(struct wd_cases *c, int64_t id, int64_t at, const char *by,
                        const char *kind, const char *field, const char *old, const char *nw,
                        const char *text)
{
    sqlite3_stmt *st = prep(c, "INSERT INTO timeline(incident,at_us,author,kind,field,old,new,"
                               "text) VALUES(?,?,?,?,?,?,?,?)");
    int rc = WD_EIO;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, at);
        sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, field, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, old, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, nw, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = WD_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static void touch(struct wd_cases *c, int64_t id, int64_t at)
{
    sqlite3_stmt *st = prep(c, "UPDATE incidents SET updated_us=? WHERE id=?");
    if (st) {
        sqlite3_bind_int64(st, 1, at);
        sqlite3_bind_int64(st, 2, id);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

int wd_cases_create(struct wd_cases *c, const char *by, int64_t *id)
{
    int64_t now = wd_now_us();
    int rc = WD_EIO;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "INSERT INTO incidents(created_us,creator,updated_us) "
                               "VALUES(?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, by, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now);
        if (sqlite3_step(st) == SQLITE_DONE) {
            *id = sqlite3_last_insert_rowid(c->db);
            rc = timeline_add(c, *id, now, by, "created", NULL, NULL, NULL, NULL);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_update(struct wd_cases *c, int64_t id, const char *by, const struct wd_case_change *ch,
                    size_t n, struct wd_buf *conflicts)
{
    int64_t now = wd_now_us();
    int rc = WD_OK;
    size_t nconf = 0;
    pthread_mutex_lock(&c->mu);
    if (!exec(c, "BEGIN IMMEDIATE")) {
        pthread_mutex_unlock(&c->mu);
        return WD_EIO;
    }
    if (!incident_exists(c, id)) {
        rc = WD_ENOENT;
        goto out;
    }
    sqlite3_stmt *get = prep(c, "SELECT value,version,by,at_us FROM incident_fields WHERE "
                                "incident=? AND field=?");
    sqlite3_stmt *put = prep(c, "INSERT INTO incident_fields(incident,field,value,num,version,"
                                "by,at_us) VALUES(?,?,?,?,1,?,?) ON CONFLICT(incident,field) DO "
                                "UPDATE SET value=excluded.value, num=excluded.num,"
                                " version=version+1, by=excluded.by, at_us=excluded.at_us");
    if (!get || !put) {
        rc = WD_EIO;
        goto stmts;
    }
    /* pass 1: versions */
    for (size_t i = 0; i < n; i++) {
        if (ch[i].version < 0)
            continue;
        sqlite3_bind_int64(get, 1, id);
        sqlite3_bind_text(get, 2, ch[i].field, -1, SQLITE_STATIC);
        int64_t cur = 0;
        bool row = sqlite3_step(get) == SQLITE_ROW;
        if (row)
            cur = sqlite3_column_int64(get, 1);
        if (cur != ch[i].version) {
            wd_buf_printf(
                conflicts, "%s{\"field\":\"%s\",\"yours\":%lld,\"version\":%lld,\"value\":",
                nconf++ ? "," : "[", ch[i].field, (long long)ch[i].version, (long long)cur);
            if (row) {
                put_col_json(conflicts, get, 0);
                wd_buf_printf(conflicts, ",\"by\":");
                put_col_str(conflicts, get, 2);
                wd_buf_printf(conflicts, ",\"at\":");
                put_iso(conflicts, sqlite3_column_int64(get, 3));
            } else {
                wd_buf_printf(conflicts, "null,\"by\":null,\"at\":null");
            }
            wd_buf_putc(conflicts, '}');
        }
        sqlite3_reset(get);
    }
    if (nconf) {
        wd_buf_putc(conflicts, ']');
        rc = WD_EAGAIN;
        goto stmts;
    }
    /* pass 2: writes, each changed value on the timeline */
    bool any = false;
    for (size_t i = 0; i < n && rc == WD_OK; i++) {
        sqlite3_bind_int64(get, 1, id);
        sqlite3_bind_text(get, 2, ch[i].field, -1, SQLITE_STATIC);
        char *old = NULL;
        if (sqlite3_step(get) == SQLITE_ROW)
            old = wd_xstrdup((const char *)sqlite3_column_text(get, 0));
        sqlite3_reset(get);
        if (!(old && !strcmp(old, ch[i].value)) && !(!old && !strcmp(ch[i].value, "null"))) {
            sqlite3_bind_int64(put, 1, id);
            sqlite3_bind_text(put, 2, ch[i].field, -1, SQLITE_STATIC);
            sqlite3_bind_text(put, 3, ch[i].value, -1, SQLITE_STATIC);
            if (ch[i].has_num)
                sqlite3_bind_int64(put, 4, ch[i].num);
            else
                sqlite3_bind_null(put, 4);
            sqlite3_bind_text(put, 5, by, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(put, 6, now);
            if (sqlite3_step(put) != SQLITE_DONE)
                rc = WD_EIO;
            sqlite3_reset(put);
            if (rc == WD_OK)
                rc = timeline_add(c, id, now, by, "change", ch[i].field, old ? old : "null",
                                  ch[i].value, NULL);
            any = true;
        }
        free(old);
    }
    if (any && rc == WD_OK)
        touch(c, id, now);
stmts:
    sqlite3_finalize(get);
    sqlite3_finalize(put);
out:
    exec(c, rc == WD_OK ? "COMMIT" : "ROLLBACK");
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_note(struct wd_cases *c, int64_t id, const char *by, const char *text)
{
    int64_t now = wd_now_us();
    pthread_mutex_lock(&c->mu);
    int rc = WD_ENOENT;
    if (incident_exists(c, id)) {
        rc = timeline_add(c, id, now, by, "note", NULL, NULL, NULL, text);
        touch(c, id, now);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_link(struct wd_cases *c, int64_t id, const char *by, const char *kind, const char *ref,
                  const char *label, bool add)
{
    int64_t now = wd_now_us();
    int rc = WD_ENOENT;
    pthread_mutex_lock(&c->mu);
    if (!incident_exists(c, id))
        goto out;
    sqlite3_stmt *st =
        prep(c, add ? "INSERT INTO links(incident,kind,ref,label,by,at_us) VALUES(?,?,?,?,?,?) "
                      "ON CONFLICT(incident,kind,ref) DO UPDATE SET label=excluded.label"
                    : "DELETE FROM links WHERE incident=? AND kind=? AND ref=?");
    rc = WD_EIO;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, ref, -1, SQLITE_TRANSIENT);
        if (add) {
            sqlite3_bind_text(st, 4, label, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 5, by, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 6, now);
        }
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = !add && sqlite3_changes(c->db) == 0 ? WD_ENOENT : WD_OK;
    }
    sqlite3_finalize(st);
    if (rc == WD_OK) {
        timeline_add(c, id, now, by, add ? "link" : "unlink", kind, NULL, NULL, ref);
        touch(c, id, now);
    }
out:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_get(struct wd_cases *c, int64_t id, struct wd_buf *out)
{
    int rc = WD_ENOENT;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "SELECT created_us,creator,updated_us FROM incidents WHERE id=?");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto out;
    rc = WD_OK;
    wd_buf_printf(out, "{\"id\":%lld,\"created\":", (long long)id);
    put_iso(out, sqlite3_column_int64(st, 0));
    wd_buf_printf(out, ",\"creator\":");
    put_col_str(out, st, 1);
    wd_buf_printf(out, ",\"updated\":");
    put_iso(out, sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    /* every field, in table order; unset ones as version 0 */
    wd_buf_printf(out, ",\"fields\":{");
    st = prep(c, "SELECT value,version,by,at_us FROM incident_fields WHERE incident=? AND "
                 "field=?");
    for (size_t i = 0; st && wd_case_field_at(i); i++) {
        const struct wd_case_field *f = wd_case_field_at(i);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
        wd_buf_printf(out, "%s\"%s\":{\"value\":", i ? "," : "", f->name);
        if (sqlite3_step(st) == SQLITE_ROW) {
            put_col_json(out, st, 0);
            wd_buf_printf(out, ",\"version\":%lld,\"by\":", (long long)sqlite3_column_int64(st, 1));
            put_col_str(out, st, 2);
            wd_buf_printf(out, ",\"at\":");
            put_iso(out, sqlite3_column_int64(st, 3));
            wd_buf_putc(out, '}');
        } else {
            wd_buf_printf(out, "null,\"version\":0,\"by\":null,\"at\":null}");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    wd_buf_printf(out, "},\"links\":{");
    static const char *const kinds[] = {"alert", "event", "search"};
    st = prep(c, "SELECT ref,label,by,at_us FROM links WHERE incident=? AND kind=? ORDER BY "
                 "at_us, ref");
    for (size_t k = 0; st && k < 3; k++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, kinds[k], -1, SQLITE_STATIC);
        wd_buf_printf(out, "%s\"%s\":[", k ? "," : "", kinds[k]);
        for (int j = 0; sqlite3_step(st) == SQLITE_ROW; j++) {
            wd_buf_printf(out, "%s{\"ref\":", j ? "," : "");
            put_col_str(out, st, 0);
            wd_buf_printf(out, ",\"label\":");
            put_col_str(out, st, 1);
            wd_buf_printf(out, ",\"by\":");
            put_col_str(out, st, 2);
            wd_buf_printf(out, ",\"at\":");
            put_iso(out, sqlite3_column_int64(st, 3));
            wd_buf_putc(out, '}');
        }
        wd_buf_putc(out, ']');
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    wd_buf_printf(out, "},\"timeline\":[");
    st = prep(c, "SELECT seq,at_us,author,kind,field,old,new,text FROM timeline WHERE "
                 "incident=? ORDER BY seq");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        for (int j = 0; sqlite3_step(st) == SQLITE_ROW; j++) {
            wd_buf_printf(out, "%s{\"seq\":%lld,\"at\":", j ? "," : "",
                          (long long)sqlite3_column_int64(st, 0));
            put_iso(out, sqlite3_column_int64(st, 1));
            wd_buf_printf(out, ",\"author\":");
            put_col_str(out, st, 2);
            wd_buf_printf(out, ",\"kind\":");
            put_col_str(out, st, 3);
            wd_buf_printf(out, ",\"field\":");
            put_col_str(out, st, 4);
            wd_buf_printf(out, ",\"old\":");
            put_col_json(out, st, 5);
            wd_buf_printf(out, ",\"new\":");
            put_col_json(out, st, 6);
            wd_buf_printf(out, ",\"text\":");
            put_col_str(out, st, 7);
            wd_buf_putc(out, '}');
        }
    }
    wd_buf_printf(out, "]}");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void wd_cases_list(struct wd_cases *c, const char *phase, const char *owner, int limit,
                   struct wd_buf *out)
{
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st =
        prep(c, "SELECT i.id, i.created_us, i.updated_us,"
                " (SELECT value FROM incident_fields WHERE incident=i.id AND field='summary'),"
                " (SELECT value FROM incident_fields WHERE incident=i.id AND field='phase'),"
                " (SELECT value FROM incident_fields WHERE incident=i.id AND field='severity'),"
                " (SELECT value FROM incident_fields WHERE incident=i.id AND field='owner'),"
                " (SELECT value FROM incident_fields WHERE incident=i.id AND field='dateOpened')"
                " FROM incidents i ORDER BY i.id DESC");
    int shown = 0, total = 0;
    wd_buf_printf(out, "{\"incidents\":[");
    struct wd_buf want;
    wd_buf_init(&want, 0);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *ph = (const char *)sqlite3_column_text(st, 4);
        const char *ow = (const char *)sqlite3_column_text(st, 6);
        if (phase && phase[0]) {
            want.len = 0;
            wd_jv_write_str(phase, strlen(phase), &want);
            wd_buf_putc(&want, '\0');
            if (!ph || strcmp(ph, want.p))
                continue;
        }
        if (owner && owner[0]) {
            want.len = 0;
            wd_jv_write_str(owner, strlen(owner), &want);
            wd_buf_putc(&want, '\0');
            if (!ow || strcmp(ow, want.p))
                continue;
        }
        total++;
        if (shown >= limit)
            continue;
        wd_buf_printf(out, "%s{\"id\":%lld,\"created\":", shown++ ? "," : "",
                      (long long)sqlite3_column_int64(st, 0));
        put_iso(out, sqlite3_column_int64(st, 1));
        wd_buf_printf(out, ",\"updated\":");
        put_iso(out, sqlite3_column_int64(st, 2));
        static const char *const names[] = {"summary", "phase", "severity", "owner", "dateOpened"};
        for (int k = 0; k < 5; k++) {
            wd_buf_printf(out, ",\"%s\":", names[k]);
            put_col_json(out, st, 3 + k);
        }
        wd_buf_putc(out, '}');
    }
    wd_buf_fini(&want);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    wd_buf_printf(out, "],\"total\":%d}", total);
}

/* ---- alerts ---- */

void wd_cases_alerts_created(struct wd_cases *c, const struct wd_case_alert *a, size_t n)
{
    if (!n)
        return;
    pthread_mutex_lock(&c->mu);
    exec(c, "BEGIN");
    sqlite3_stmt *st = prep(c, "INSERT OR IGNORE INTO alerts(id,rule,severity,sev_rank,"
                               "created_us) VALUES(?,?,?,?,?)");
    for (size_t i = 0; st && i < n; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)a[i].id);
        sqlite3_bind_text(st, 2, a[i].rule, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a[i].severity, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, wd_severity_rank(a[i].severity));
        sqlite3_bind_int64(st, 5, a[i].created_us);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec(c, "COMMIT");
    pthread_mutex_unlock(&c->mu);
}

int wd_cases_alert_status(struct wd_cases *c, uint64_t id, const char *status, const char *by,
                          const char *reason, int64_t incident)
{
    int rc = WD_EIO;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st =
        prep(c, "UPDATE alerts SET status=?1,"
                " ack_us=CASE WHEN ack_us IS NULL AND ?1<>'manual' THEN ?2 ELSE ack_us END,"
                " ack_by=CASE WHEN ack_by IS NULL AND ?1<>'manual' THEN ?3 ELSE ack_by END,"
                " fp_reason=COALESCE(?4, fp_reason),"
                " incident=CASE WHEN ?5>0 THEN ?5 ELSE incident END WHERE id=?6");
    if (st) {
        sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, wd_now_us());
        sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
        if (reason)
            sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, incident);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)id);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(c->db) ? WD_OK : WD_ENOENT;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_alert_rule(struct wd_cases *c, uint64_t id, char *rule, size_t rule_len, char *sev,
                        size_t sev_len)
{
    int rc = WD_ENOENT;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "SELECT rule,severity FROM alerts WHERE id=?");
    if (st) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(rule, rule_len, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(sev, sev_len, "%s", (const char *)sqlite3_column_text(st, 1));
            rc = WD_OK;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void wd_cases_unacked(struct wd_cases *c, int min_rank, int64_t now_us, struct wd_buf *out)
{
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "SELECT id,rule,severity,created_us FROM alerts WHERE "
                               "ack_us IS NULL AND sev_rank>=? ORDER BY created_us LIMIT 1000");
    wd_buf_printf(out, "{\"alerts\":[");
    int n = 0;
    if (st) {
        sqlite3_bind_int(st, 1, min_rank);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t cr = sqlite3_column_int64(st, 3);
            wd_buf_printf(out, "%s{\"id\":\"%lld\",\"rule\":", n++ ? "," : "",
                          (long long)sqlite3_column_int64(st, 0));
            put_col_str(out, st, 1);
            wd_buf_printf(out, ",\"severity\":");
            put_col_str(out, st, 2);
            wd_buf_printf(out, ",\"created\":");
            put_iso(out, cr);
            wd_buf_printf(out, ",\"age_s\":%lld}", (long long)((now_us - cr) / 1000000));
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    wd_buf_printf(out, "],\"total\":%d}", n);
}

int64_t wd_cases_unacked_count(struct wd_cases *c, int min_rank)
{
    int64_t n = -1;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "SELECT count(*) FROM alerts WHERE ack_us IS NULL AND sev_rank>=?");
    if (st) {
        sqlite3_bind_int(st, 1, min_rank);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* ---- suppressions ---- */

int wd_cases_suppress_add(struct wd_cases *c, const char *rule, const char *fields_json,
                          const char *reason, uint64_t alert, const char *by, int64_t expires_us,
                          int64_t *id)
{
    int rc = WD_EIO;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "INSERT INTO suppressions(rule,fields,reason,alert,by,created_us,"
                               "expires_us) VALUES(?,?,?,?,?,?,?)");
    if (st) {
        sqlite3_bind_text(st, 1, rule, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, fields_json, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
        if (alert)
            sqlite3_bind_int64(st, 4, (sqlite3_int64)alert);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_text(st, 5, by, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, wd_now_us());
        sqlite3_bind_int64(st, 7, expires_us);
        if (sqlite3_step(st) == SQLITE_DONE) {
            *id = sqlite3_last_insert_rowid(c->db);
            rc = WD_OK;
        }
    }
    sqlite3_finalize(st);
    if (rc == WD_OK)
        supp_load(c);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int wd_cases_suppress_del(struct wd_cases *c, int64_t id)
{
    int rc = WD_ENOENT;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = prep(c, "UPDATE suppressions SET deleted=1 WHERE id=? AND deleted=0");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(c->db))
            rc = WD_OK;
    }
    sqlite3_finalize(st);
    if (rc == WD_OK)
        supp_load(c);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void wd_cases_suppress_list(struct wd_cases *c, int64_t now_us, struct wd_buf *out)
{
    pthread_mutex_lock(&c->mu);
    pthread_mutex_lock(&c->smu);
    supp_save_hits(c);
    pthread_mutex_unlock(&c->smu);
    sqlite3_stmt *st = prep(c, "SELECT id,rule,fields,reason,alert,by,created_us,expires_us,"
                               "hits FROM suppressions WHERE deleted=0 ORDER BY id DESC");
    wd_buf_printf(out, "{\"suppressions\":[");
    for (int n = 0; st && sqlite3_step(st) == SQLITE_ROW; n++) {
        int64_t exp = sqlite3_column_int64(st, 7);
        wd_buf_printf(out, "%s{\"id\":%lld,\"rule\":", n ? "," : "",
                      (long long)sqlite3_column_int64(st, 0));
        put_col_str(out, st, 1);
        wd_buf_printf(out, ",\"fields\":");
        put_col_json(out, st, 2);
        wd_buf_printf(out, ",\"reason\":");
        put_col_str(out, st, 3);
        if (sqlite3_column_type(st, 4) == SQLITE_NULL)
            wd_buf_printf(out, ",\"alert\":null");
        else
            wd_buf_printf(out, ",\"alert\":\"%lld\"", (long long)sqlite3_column_int64(st, 4));
        wd_buf_printf(out, ",\"by\":");
        put_col_str(out, st, 5);
        wd_buf_printf(out, ",\"created\":");
        put_iso(out, sqlite3_column_int64(st, 6));
        wd_buf_printf(out, ",\"expires\":");
        put_iso(out, exp);
        wd_buf_printf(out, ",\"active\":%s,\"hits\":%lld}", exp > now_us ? "true" : "false",
                      (long long)sqlite3_column_int64(st, 8));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    wd_buf_printf(out, "]}");
}

/* The value at path as text (strings as they are, numbers as written, booleans). */
static bool value_is(const struct wd_jv *v, const char *want)
{
    if (!v)
        return false;
    switch (v->type) {
    case WD_JV_STR:
        return wd_str_eq(v->u.s, want);
    case WD_JV_INT:
    case WD_JV_FLOAT:
        if (v->raw.len)
            return wd_str_eq(v->raw, want);
        return v->type == WD_JV_INT && strtoll(want, NULL, 10) == v->u.i;
    case WD_JV_TRUE:
        return !strcmp(want, "true");
    case WD_JV_FALSE:
        return !strcmp(want, "false");
    default:
        return false;
    }
}

/* The values a field path has in one alert: in the document, then in each sample
 * event's documentsource. Looked up once per path and alert (many suppressions of a rule
 * usually test the same path with different values). */
#define MEMO_PATHS  16
#define MEMO_VALUES 33
struct memo {
    const char *path[MEMO_PATHS];
    const struct wd_jv *v[MEMO_PATHS][MEMO_VALUES];
    size_t nv[MEMO_PATHS], n;
};

static bool field_matches(struct memo *m, const struct wd_jv *doc, const char *path,
                          const char *want)
{
    size_t i = 0;
    while (i < m->n && strcmp(m->path[i], path) != 0)
        i++;
    if (i == m->n) {
        if (m->n == MEMO_PATHS) /* full: look up without keeping */
            i = MEMO_PATHS - 1;
        else
            m->n++;
        m->path[i] = path;
        m->nv[i] = 0;
        const struct wd_jv *v = wd_jv_path(doc, path);
        if (v)
            m->v[i][m->nv[i]++] = v;
        const struct wd_jv *evs = wd_jv_get(doc, "events");
        for (const struct wd_jv *e = evs && evs->type == WD_JV_ARR ? evs->u.kids.head : NULL;
             e && m->nv[i] < MEMO_VALUES; e = e->next) {
            const struct wd_jv *src = wd_jv_get(e, "documentsource");
            if (src && (v = wd_jv_path(src, path)))
                m->v[i][m->nv[i]++] = v;
        }
    }
    for (size_t k = 0; k < m->nv[i]; k++)
        if (value_is(m->v[i][k], want))
            return true;
    return false;
}

bool wd_cases_suppressed(struct wd_cases *c, const char *rule, const char *json, size_t len,
                         int64_t now_us)
{
    bool hit = false, parsed = false;
    struct wd_arena a;
    struct wd_jv *doc = NULL;
    struct memo memo;
    memo.n = 0;
    pthread_mutex_lock(&c->smu);
    for (size_t i = 0; i < c->ns && !hit; i++) {
        struct supp *x = &c->s[i];
        if (x->expires_us <= now_us || strcmp(x->rule, rule) != 0)
            continue;
        if (!parsed) {
            parsed = true;
            wd_arena_init(&a, 64 << 10, 256u << 20);
            if (wd_json_parse(json, len, len, 0, &a, &doc, NULL) != WD_OK)
                doc = NULL;
        }
        if (!doc)
            break;
        bool all = true;
        for (size_t k = 0; k < x->nf && all; k++)
            all = field_matches(&memo, doc, x->path[k], x->value[k]);
        if (all) {
            x->hits++;
            hit = true;
        }
    }
    pthread_mutex_unlock(&c->smu);
    if (parsed)
        wd_arena_fini(&a);
    return hit;
}
