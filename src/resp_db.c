/*
 * resp_db.c: the response lists and the alert action record in DATA/response.db (resp.h).
 * Schema:
 *   entries(id, list, value, comment, reference, creator, added, updated, expires,
 *           blocks, removed, removed_by, touched)   times in Unix seconds; touched orders
 *           blocks and extensions (a counter: seconds are too coarse); one row per block
 *           period: a live row (removed IS NULL AND expires > now) is extended in place,
 *           a value blocked again after expiry or removal gets a new row (history).
 *   alert_actions(id, alert_id, type, target, at, outcome)     at in microseconds.
 * One connection behind a mutex; every statement is short. Values are validated here
 * (resp_validate.c) so no caller can store what the feeds must not publish.
 */
#include "resp.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "mem.h"
#include "resp_validate.h"
#include "wd_time.h"

#define MAX_ALLOW 256

struct wd_resp {
    sqlite3 *db;
    pthread_mutex_t mu;
    struct wd_resp_opts o;
    struct wd_cidr allow[MAX_ALLOW];
    char allow_text[MAX_ALLOW][WD_RESP_CIDR_TEXT_MAX];
    size_t nallow;
    int64_t last_purge_s;
    uint64_t watch_version;  /* atomic */
    struct wd_resp_stats st; /* relaxed atomics */
};

static const char *const list_names[] = {"ip", "fqdn", "watch"};

const char *wd_resp_list_name(int list)
{
    return list >= 0 && list < WD_RESP__COUNT ? list_names[list] : "?";
}

static void bump(uint64_t *c)
{
    __atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA busy_timeout=5000;"
    "CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " list TEXT NOT NULL, value TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '',"
    " reference TEXT NOT NULL DEFAULT '', creator TEXT NOT NULL, added INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, expires INTEGER NOT NULL, blocks INTEGER NOT NULL DEFAULT 1,"
    " removed INTEGER, removed_by TEXT, touched INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS entries_value ON entries(list, value);"
    "CREATE TABLE IF NOT EXISTS alert_actions(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " alert_id INTEGER NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL,"
    " at INTEGER NOT NULL, outcome TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS alert_actions_alert ON alert_actions(alert_id);";

static int parse_allowlist(struct wd_resp *r, const char *text, char *err, size_t err_len)
{
    const char *p = text ? text : "";
    while (*p) {
        size_t n = strcspn(p, ", \t\n");
        if (n) {
            struct wd_perr pe;
            if (r->nallow == MAX_ALLOW) {
                snprintf(err, err_len, "response.allowlist: more than %d networks", MAX_ALLOW);
                return WD_EINVAL;
            }
            struct wd_cidr *c = &r->allow[r->nallow];
            if (wd_resp_cidr_parse(p, n, c, NULL, &pe) != WD_OK) {
                snprintf(err, err_len, "response.allowlist: '%.*s': %s", (int)n, p, pe.msg);
                return WD_EINVAL;
            }
            wd_resp_cidr_format(c, r->allow_text[r->nallow], WD_RESP_CIDR_TEXT_MAX);
            r->nallow++;
        }
        p += n;
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
            p++;
    }
    return WD_OK;
}

int wd_resp_open(const struct wd_resp_opts *o, struct wd_resp **out, char *err, size_t err_len)
{
    char path[4200];
    *out = NULL;
    struct wd_resp *r = wd_xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    r->o = *o;
    r->o.data_dir = NULL;
    r->o.allowlist = NULL;
    if (r->o.feed_max_entries <= 0)
        r->o.feed_max_entries = 10000;
    int rc = parse_allowlist(r, o->allowlist, err, err_len);
    if (rc)
        goto fail;
    snprintf(path, sizeof(path), "%s/response.db", o->data_dir);
    rc = WD_EIO;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 r->db ? sqlite3_errmsg(r->db) : "out of memory");
        goto fail;
    }
    if (sqlite3_exec(r->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "%s: %s", path, sqlite3_errmsg(r->db));
        goto fail;
    }
    *out = r;
    return WD_OK;
fail:
    wd_resp_close(r);
    return rc;
}

void wd_resp_close(struct wd_resp *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int wd_resp_check(const struct wd_resp *r, int list, const char *value, char *norm, size_t norm_len,
                  char *why, size_t why_len)
{
    struct wd_perr pe = {0, 0, ""};
    size_t len = value ? strlen(value) : 0;
    if (list == WD_RESP_IP) {
        struct wd_cidr c;
        if (wd_resp_cidr_parse(value ? value : "", len, &c, NULL, &pe) != WD_OK) {
            snprintf(why, why_len, "bad address '%.100s': %s", value ? value : "", pe.msg);
            return WD_EINVAL;
        }
        char t[WD_RESP_CIDR_TEXT_MAX];
        wd_resp_cidr_format(&c, t, sizeof(t));
        const char *sp = wd_resp_cidr_special(&c);
        if (sp) {
            snprintf(why, why_len, "%s is in the %s: only public addresses can be blocked", t, sp);
            return WD_EINVAL;
        }
        for (size_t i = 0; r && i < r->nallow; i++)
            if (wd_resp_cidr_overlaps(&c, &r->allow[i])) {
                snprintf(why, why_len,
                         "%s overlaps the allow-listed network %s (response.allowlist)", t,
                         r->allow_text[i]);
                return WD_EINVAL;
            }
        snprintf(norm, norm_len, "%s", t);
        return WD_OK;
    }
    if (list == WD_RESP_FQDN) {
        char n[WD_RESP_FQDN_MAX + 1];
        if (wd_fqdn_parse(value ? value : "", len, n, sizeof(n), &pe) != WD_OK) {
            snprintf(why, why_len, "bad name '%.100s': %s", value ? value : "", pe.msg);
            return WD_EINVAL;
        }
        snprintf(norm, norm_len, "%s", n);
        return WD_OK;
    }
    if (list == WD_RESP_WATCH) {
        if (wd_watch_term_check(value ? value : "", len, &pe) != WD_OK) {
            snprintf(why, why_len, "bad term: %s", pe.msg);
            return WD_EINVAL;
        }
        snprintf(norm, norm_len, "%s", value);
        return WD_OK;
    }
    snprintf(why, why_len, "unknown list");
    return WD_EINVAL;
}

/* ---- statements ---- */

static sqlite3_stmt *prep(struct wd_resp *r, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static void put_time(struct wd_buf *b, const char *key, int64_t s)
{
    char t[WD_TIME_ISO_MAX];
    wd_time_iso(s * 1000000, t);
    wd_buf_printf(b, ",\"%s\":\"%s\"", key, t);
}

static void put_col(struct wd_buf *b, const char *key, sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    wd_buf_printf(b, ",\"%s\":", key);
    if (v)
        wd_jv_write_str(v, strlen(v), b);
    else
        wd_buf_printf(b, "null");
}

#define ENTRY_COLS                                                                                 \
    "id, list, value, comment, reference, creator, added, updated, expires, blocks, removed,"      \
    " removed_by"

/* One entry row (ENTRY_COLS) as JSON. */
static void entry_json(sqlite3_stmt *st, int64_t now_s, struct wd_buf *b)
{
    int64_t expires = sqlite3_column_int64(st, 8);
    bool removed = sqlite3_column_type(st, 10) != SQLITE_NULL;
    wd_buf_printf(b, "{\"id\":%lld", (long long)sqlite3_column_int64(st, 0));
    put_col(b, "list", st, 1);
    put_col(b, "value", st, 2);
    put_col(b, "comment", st, 3);
    put_col(b, "reference", st, 4);
    put_col(b, "creator", st, 5);
    put_time(b, "added", sqlite3_column_int64(st, 6));
    put_time(b, "updated", sqlite3_column_int64(st, 7));
    put_time(b, "expires", expires);
    wd_buf_printf(b, ",\"expires_in_s\":%lld,\"blocks\":%lld,\"state\":\"%s\"",
                  (long long)(expires > now_s && !removed ? expires - now_s : 0),
                  (long long)sqlite3_column_int64(st, 9),
                  removed           ? "removed"
                  : expires > now_s ? "active"
                                    : "expired");
    if (removed) {
        put_time(b, "removed", sqlite3_column_int64(st, 10));
        put_col(b, "removed_by", st, 11);
    }
    wd_buf_putc(b, '}');
}

/* Appends entry id as JSON (the lock held). */
static int entry_by_id(struct wd_resp *r, int64_t id, int64_t now_s, struct wd_buf *out)
{
    sqlite3_stmt *st = prep(r, "SELECT " ENTRY_COLS " FROM entries WHERE id = ?");
    if (!st)
        return WD_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? WD_OK : WD_ENOENT;
    if (rc == WD_OK && out)
        entry_json(st, now_s, out);
    sqlite3_finalize(st);
    return rc;
}

static void bump_version(struct wd_resp *r, int list)
{
    if (list == WD_RESP_WATCH)
        __atomic_add_fetch(&r->watch_version, 1, __ATOMIC_RELEASE);
}

int wd_resp_add(struct wd_resp *r, int list, const char *value, int64_t duration_s,
                const char *comment, const char *reference, const char *creator, int64_t now_s,
                bool *created, struct wd_buf *out, char *why, size_t why_len)
{
    char norm[300];
    *created = false;
    if (wd_resp_check(r, list, value, norm, sizeof(norm), why, why_len) != WD_OK) {
        bump(&r->st.refused);
        return WD_EINVAL;
    }
    if (duration_s < WD_RESP_DURATION_MIN_S || duration_s > WD_RESP_DURATION_MAX_S) {
        snprintf(why, why_len, "duration must be 1 hour to 30 days");
        bump(&r->st.refused);
        return WD_EINVAL;
    }
    wd_resp_purge(r, now_s, false);
    int rc = WD_EIO;
    int64_t id = 0;
    pthread_mutex_lock(&r->mu);
    sqlite3_stmt *st = prep(r, "SELECT id FROM entries WHERE list = ? AND value = ? AND removed "
                               "IS NULL AND expires > ? ORDER BY id DESC LIMIT 1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, list_names[list], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, norm, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now_s);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        goto out;
    bool has_comment = comment && comment[0], has_ref = reference && reference[0];
    if (id) { /* re-blocking extends: never shortens a block */
        st = prep(r, "UPDATE entries SET expires = MAX(expires, ?), updated = ?, blocks = blocks "
                     "+ 1, touched = (SELECT COALESCE(MAX(touched), 0) + 1 FROM entries), comment "
                     "= CASE WHEN ? THEN ? ELSE comment END, reference = CASE WHEN "
                     "? THEN ? ELSE reference END WHERE id = ?");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, now_s + duration_s);
        sqlite3_bind_int64(st, 2, now_s);
        sqlite3_bind_int(st, 3, has_comment);
        sqlite3_bind_text(st, 4, comment ? comment : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, has_ref);
        sqlite3_bind_text(st, 6, reference ? reference : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 7, id);
    } else {
        st = prep(r, "INSERT INTO entries(list, value, comment, reference, creator, added, "
                     "updated, expires, touched) VALUES(?, ?, ?, ?, ?, ?, ?, ?, (SELECT "
                     "COALESCE(MAX(touched), 0) + 1 FROM entries))");
        if (!st)
            goto out;
        sqlite3_bind_text(st, 1, list_names[list], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, norm, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, comment ? comment : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, reference ? reference : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, creator ? creator : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, now_s);
        sqlite3_bind_int64(st, 7, now_s);
        sqlite3_bind_int64(st, 8, now_s + duration_s);
    }
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        goto out;
    if (!id) {
        id = sqlite3_last_insert_rowid(r->db);
        *created = true;
    }
    rc = entry_by_id(r, id, now_s, out);
out:
    if (rc == WD_EIO)
        snprintf(why, why_len, "response.db: %s", sqlite3_errmsg(r->db));
    pthread_mutex_unlock(&r->mu);
    if (rc == WD_OK) {
        bump(*created ? &r->st.added : &r->st.extended);
        bump_version(r, list);
    }
    return rc;
}

/* After an UPDATE that changed nothing: WD_EAGAIN when entry id exists in the list (it
 * ended: expired or removed), else WD_ENOENT (the lock held). */
static int ended_or_unknown(struct wd_resp *r, int list, int64_t id)
{
    sqlite3_stmt *st = prep(r, "SELECT 1 FROM entries WHERE id = ? AND list = ?");
    if (!st)
        return WD_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, list_names[list], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? WD_EAGAIN : WD_ENOENT;
    sqlite3_finalize(st);
    return rc;
}

int wd_resp_extend(struct wd_resp *r, int list, int64_t id, int64_t duration_s, const char *by,
                   int64_t now_s, struct wd_buf *out)
{
    WD_UNUSED(by);
    if (duration_s < WD_RESP_DURATION_MIN_S || duration_s > WD_RESP_DURATION_MAX_S)
        return WD_EINVAL;
    pthread_mutex_lock(&r->mu);
    int rc = WD_EIO;
    sqlite3_stmt *st =
        prep(r, "UPDATE entries SET expires = MIN(MAX(expires, ?1) + ?2, ?1 + ?3),"
                " updated = ?1, touched = (SELECT COALESCE(MAX(touched), 0) + 1 FROM entries)"
                " WHERE id = ?4 AND list = ?5 AND removed IS NULL"
                " AND expires > ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, now_s);
        sqlite3_bind_int64(st, 2, duration_s);
        sqlite3_bind_int64(st, 3, WD_RESP_DURATION_MAX_S);
        sqlite3_bind_int64(st, 4, id);
        sqlite3_bind_text(st, 5, list_names[list], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(r->db) ? WD_OK : ended_or_unknown(r, list, id);
        sqlite3_finalize(st);
    }
    if (rc == WD_OK)
        rc = entry_by_id(r, id, now_s, out);
    pthread_mutex_unlock(&r->mu);
    if (rc == WD_OK) {
        bump(&r->st.extended);
        bump_version(r, list);
    }
    return rc;
}

int wd_resp_remove(struct wd_resp *r, int list, int64_t id, const char *by, int64_t now_s)
{
    pthread_mutex_lock(&r->mu);
    int rc = WD_EIO;
    sqlite3_stmt *st = prep(r, "UPDATE entries SET removed = ?, removed_by = ? WHERE id = ? AND "
                               "list = ? AND removed IS NULL AND expires > ?");
    if (st) {
        sqlite3_bind_int64(st, 1, now_s);
        sqlite3_bind_text(st, 2, by ? by : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, id);
        sqlite3_bind_text(st, 4, list_names[list], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now_s);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(r->db) ? WD_OK : ended_or_unknown(r, list, id);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    if (rc == WD_OK) {
        bump(&r->st.removed);
        bump_version(r, list);
    }
    return rc;
}

int wd_resp_list(struct wd_resp *r, int list, bool all, int64_t now_s, struct wd_buf *out)
{
    pthread_mutex_lock(&r->mu);
    sqlite3_stmt *st = prep(r, all ? "SELECT " ENTRY_COLS " FROM entries WHERE list = ?1 "
                                     "ORDER BY id DESC"
                                   : "SELECT " ENTRY_COLS " FROM entries WHERE list = ?1 AND "
                                     "removed IS NULL AND expires > ?2 ORDER BY touched DESC");
    int rc = WD_EIO;
    if (st) {
        sqlite3_bind_text(st, 1, list_names[list], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now_s);
        wd_buf_printf(out, "{\"list\":\"%s\",\"entries\":[", list_names[list]);
        uint64_t n = 0;
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            if (n++)
                wd_buf_putc(out, ',');
            entry_json(st, now_s, out);
        }
        wd_buf_printf(out, "],\"total\":%llu}", (unsigned long long)n);
        rc = s == SQLITE_DONE ? WD_OK : WD_EIO;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int wd_resp_feed(struct wd_resp *r, int list, int64_t now_s, struct wd_buf *out,
                 int64_t *last_modified_s, uint64_t *omitted)
{
    *last_modified_s = 0;
    *omitted = 0;
    pthread_mutex_lock(&r->mu);
    int rc = WD_EIO;
    size_t cap = (size_t)r->o.feed_max_entries, n = 0;
    struct wd_cidr *cidrs = NULL;
    char **names = NULL;
    sqlite3_stmt *st = prep(
        r, "SELECT MAX(MAX(updated, COALESCE(removed, 0), CASE WHEN expires <= ?2 THEN expires "
           "ELSE 0 END)), SUM(removed IS NULL AND expires > ?2) FROM entries WHERE list = ?1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, list_names[list], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_s);
    uint64_t live = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *last_modified_s = sqlite3_column_int64(st, 0);
        live = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    *omitted = live > cap ? live - cap : 0;
    st = prep(r, r->o.feed_order == WD_RESP_OLDEST
                     ? "SELECT value FROM entries WHERE list = ?1 AND removed IS NULL AND "
                       "expires > ?2 ORDER BY touched ASC LIMIT ?3"
                     : "SELECT value FROM entries WHERE list = ?1 AND removed IS NULL AND "
                       "expires > ?2 ORDER BY touched DESC LIMIT ?3");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, list_names[list], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_s);
    sqlite3_bind_int64(st, 3, (int64_t)cap);
    size_t want = live < cap ? (size_t)live : cap;
    if (list == WD_RESP_IP)
        cidrs = calloc(want ? want : 1, sizeof(*cidrs));
    else
        names = calloc(want ? want : 1, sizeof(*names));
    if (!cidrs && !names) {
        sqlite3_finalize(st);
        goto out;
    }
    while (n < want && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!v)
            continue;
        if (cidrs) {
            if (wd_resp_cidr_parse(v, strlen(v), &cidrs[n], NULL, NULL) == WD_OK)
                n++; /* stored values were validated; a bad one is skipped */
        } else if ((names[n] = strdup(v))) {
            n++;
        }
    }
    sqlite3_finalize(st);
    if (cidrs) {
        n = wd_resp_cidr_merge(cidrs, n);
        for (size_t i = 0; i < n; i++) {
            char t[WD_RESP_CIDR_TEXT_MAX];
            size_t l = wd_resp_cidr_format(&cidrs[i], t, sizeof(t));
            wd_buf_append(out, t, l);
            wd_buf_putc(out, '\n');
        }
    } else {
        qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
            wd_buf_append(out, names[i], strlen(names[i]));
            wd_buf_putc(out, '\n');
            free(names[i]);
        }
    }
    rc = WD_OK;
out:
    pthread_mutex_unlock(&r->mu);
    free(cidrs);
    free(names);
    return rc;
}

int wd_resp_purge(struct wd_resp *r, int64_t now_s, bool force)
{
    pthread_mutex_lock(&r->mu);
    int n = 0;
    if (force || now_s - r->last_purge_s >= 60) {
        r->last_purge_s = now_s;
        sqlite3_stmt *st = prep(r, "DELETE FROM entries WHERE COALESCE(removed, expires) < ?");
        if (st) {
            sqlite3_bind_int64(st, 1, now_s - r->o.purge_after_s);
            if (sqlite3_step(st) == SQLITE_DONE)
                n = sqlite3_changes(r->db);
            sqlite3_finalize(st);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return n;
}

int64_t wd_resp_action_add(struct wd_resp *r, uint64_t alert_id, const char *type,
                           const char *target, const char *outcome, int64_t at_us)
{
    int64_t id = 0;
    pthread_mutex_lock(&r->mu);
    sqlite3_stmt *st = prep(r, "INSERT INTO alert_actions(alert_id, type, target, at, outcome) "
                               "VALUES(?, ?, ?, ?, ?)");
    if (st) {
        sqlite3_bind_int64(st, 1, (int64_t)alert_id);
        sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, target, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, at_us);
        sqlite3_bind_text(st, 5, outcome, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(r->db);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    return id;
}

void wd_resp_action_outcome(struct wd_resp *r, int64_t action_id, const char *outcome,
                            int64_t at_us)
{
    pthread_mutex_lock(&r->mu);
    sqlite3_stmt *st = prep(r, "UPDATE alert_actions SET outcome = ?, at = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_text(st, 1, outcome, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, at_us);
        sqlite3_bind_int64(st, 3, action_id);
        (void)sqlite3_step(st);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
}

bool wd_resp_actions_json(struct wd_resp *r, uint64_t alert_id, struct wd_buf *out)
{
    uint32_t n = 0;
    pthread_mutex_lock(&r->mu);
    sqlite3_stmt *st = prep(r, "SELECT type, target, at, outcome FROM alert_actions WHERE "
                               "alert_id = ? ORDER BY id");
    if (st) {
        sqlite3_bind_int64(st, 1, (int64_t)alert_id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char t[WD_TIME_ISO_MAX];
            wd_time_iso(sqlite3_column_int64(st, 2), t);
            wd_buf_printf(out, "%s{\"type\":", n++ ? "," : "[");
            const char *v = (const char *)sqlite3_column_text(st, 0);
            wd_jv_write_str(v ? v : "", v ? strlen(v) : 0, out);
            v = (const char *)sqlite3_column_text(st, 1);
            wd_buf_printf(out, ",\"target\":");
            wd_jv_write_str(v ? v : "", v ? strlen(v) : 0, out);
            wd_buf_printf(out, ",\"at\":\"%s\",\"outcome\":", t);
            v = (const char *)sqlite3_column_text(st, 3);
            wd_jv_write_str(v ? v : "", v ? strlen(v) : 0, out);
            wd_buf_putc(out, '}');
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    if (n)
        wd_buf_putc(out, ']');
    return n > 0;
}

int wd_resp_watch_terms(struct wd_resp *r, int64_t now_s, struct wd_buf *terms, uint32_t *n,
                        int64_t *next_expiry_s)
{
    *n = 0;
    *next_expiry_s = INT64_MAX;
    terms->len = 0;
    pthread_mutex_lock(&r->mu);
    int rc = WD_EIO;
    sqlite3_stmt *st = prep(r, "SELECT value, expires FROM entries WHERE list = 'watch' AND "
                               "removed IS NULL AND expires > ? ORDER BY id");
    if (st) {
        sqlite3_bind_int64(st, 1, now_s);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            const char *v = (const char *)sqlite3_column_text(st, 0);
            int64_t e = sqlite3_column_int64(st, 1);
            if (!v)
                continue;
            wd_buf_append(terms, v, strlen(v) + 1);
            (*n)++;
            if (e < *next_expiry_s)
                *next_expiry_s = e;
        }
        rc = s == SQLITE_DONE ? WD_OK : WD_EIO;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

uint64_t wd_resp_watch_version(const struct wd_resp *r)
{
    return __atomic_load_n(&r->watch_version, __ATOMIC_ACQUIRE);
}

void wd_resp_stats(const struct wd_resp *r, struct wd_resp_stats *st)
{
#define LD(f) st->f = __atomic_load_n(&r->st.f, __ATOMIC_RELAXED)
    LD(added);
    LD(extended);
    LD(removed);
    LD(refused);
    LD(auto_blocks);
    LD(watch_alerts);
    LD(feed_requests);
    LD(feed_not_modified);
#undef LD
}

void wd_resp_count_watch_alert(struct wd_resp *r)
{
    bump(&r->st.watch_alerts);
}

void wd_resp_count_feed(struct wd_resp *r, bool not_modified)
{
    bump(not_modified ? &r->st.feed_not_modified : &r->st.feed_requests);
}

void wd_resp_count_auto_block(struct wd_resp *r)
{
    bump(&r->st.auto_blocks);
}
