/*
 * alert_state.c: the mutable part of alerts. Alert documents are immutable in the store;
 * their status (manual -> inProgress / acknowledged / escalated / falsePositive /
 * closed), who changed it and when, live here: an in-memory table backed by an
 * append-only NDJSON journal (DATA/alerts/state.ndjson), replayed at start. Each alert
 * also gets a creation record, so an id can be found in the store by its time.
 */
#include "alert_state.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "json.h"
#include "mem.h"
#include "wd_time.h"

struct entry {
    uint64_t id;
    int64_t ts_us;
    int64_t at_us;
    char status[16];
    char by[64];
};

struct wd_alert_state {
    pthread_mutex_t mu;
    FILE *journal;
    struct entry *e; /* sorted by id (alerts are created in id order) */
    size_t n, cap;
};

static const char *const statuses[] = {"manual",    "inProgress",    "acknowledged",
                                       "escalated", "falsePositive", "closed"};

bool wd_alert_status_valid(const char *s)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(statuses); i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

static struct entry *find(struct wd_alert_state *a, uint64_t id)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->e[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->e[lo].id == id ? &a->e[lo] : NULL;
}

static struct entry *insert(struct wd_alert_state *a, uint64_t id)
{
    struct entry *x = find(a, id);
    if (x)
        return x;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->e = wd_xrealloc(a->e, a->cap * sizeof(*a->e));
    }
    size_t at = a->n;
    while (at && a->e[at - 1].id > id)
        at--;
    memmove(a->e + at + 1, a->e + at, (a->n - at) * sizeof(*a->e));
    a->n++;
    x = &a->e[at];
    memset(x, 0, sizeof(*x));
    x->id = id;
    snprintf(x->status, sizeof(x->status), "manual");
    return x;
}

static void apply(struct wd_alert_state *a, const struct wd_jv *v)
{
    const struct wd_jv *id = wd_jv_get(v, "id"), *ts = wd_jv_get(v, "ts"),
                       *st = wd_jv_get(v, "status"), *by = wd_jv_get(v, "by"),
                       *at = wd_jv_get(v, "at");
    if (!id || id->type != WD_JV_INT || id->u.i <= 0)
        return;
    struct entry *x = insert(a, (uint64_t)id->u.i);
    if (ts && ts->type == WD_JV_INT)
        x->ts_us = ts->u.i;
    if (st && st->type == WD_JV_STR)
        snprintf(x->status, sizeof(x->status), "%.*s", (int)st->u.s.len, st->u.s.p);
    if (by && by->type == WD_JV_STR)
        snprintf(x->by, sizeof(x->by), "%.*s", (int)by->u.s.len, by->u.s.p);
    if (at && at->type == WD_JV_INT)
        x->at_us = at->u.i;
}

int wd_alert_state_open(const char *path, struct wd_alert_state **out, char *err, size_t err_len)
{
    struct wd_alert_state *a = wd_xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->mu, NULL);
    char *text;
    size_t len;
    int rc = wd_read_file(path, (size_t)1 << 32, &text, &len);
    if (rc == WD_OK) {
        struct wd_arena ar;
        wd_arena_init(&ar, 16 << 10, 16u << 20);
        for (size_t off = 0; off < len;) {
            char *nl = memchr(text + off, '\n', len - off);
            size_t end = nl ? (size_t)(nl - text) : len;
            struct wd_jv *v;
            struct wd_perr pe;
            wd_arena_reset(&ar);
            /* a torn last line (crash while appending) is ignored */
            if (end > off &&
                wd_json_parse(text + off, end - off, end - off, 0, &ar, &v, &pe) == WD_OK)
                apply(a, v);
            off = end + 1;
        }
        wd_arena_fini(&ar);
        free(text);
    } else if (rc != WD_ENOENT) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        wd_alert_state_close(a);
        return rc;
    }
    a->journal = fopen(path, "a");
    if (!a->journal) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        wd_alert_state_close(a);
        return WD_EIO;
    }
    *out = a;
    return WD_OK;
}

void wd_alert_state_close(struct wd_alert_state *a)
{
    if (!a)
        return;
    if (a->journal)
        (void)fclose(a->journal);
    pthread_mutex_destroy(&a->mu);
    free(a->e);
    free(a);
}

static void journal(struct wd_alert_state *a, const struct entry *x, bool created)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_buf_printf(&b, "{\"id\":%llu", (unsigned long long)x->id);
    if (created)
        wd_buf_printf(&b, ",\"ts\":%lld", (long long)x->ts_us);
    else {
        wd_buf_printf(&b, ",\"status\":\"%s\",\"by\":", x->status);
        wd_jv_write_str(x->by, strlen(x->by), &b);
        wd_buf_printf(&b, ",\"at\":%lld", (long long)x->at_us);
    }
    wd_buf_printf(&b, "}\n");
    /* a failed append shows up as a missing status after a restart; logged by none */
    (void)fwrite(b.p, 1, b.len, a->journal);
    (void)fflush(a->journal);
    wd_buf_fini(&b);
}

void wd_alert_state_created(struct wd_alert_state *a, uint64_t id, int64_t ts_us)
{
    pthread_mutex_lock(&a->mu);
    struct entry *x = insert(a, id);
    x->ts_us = ts_us;
    journal(a, x, true);
    pthread_mutex_unlock(&a->mu);
}

int wd_alert_state_set(struct wd_alert_state *a, uint64_t id, const char *status, const char *by)
{
    if (!wd_alert_status_valid(status))
        return WD_EINVAL;
    pthread_mutex_lock(&a->mu);
    struct entry *x = find(a, id);
    if (!x) {
        pthread_mutex_unlock(&a->mu);
        return WD_ENOENT;
    }
    snprintf(x->status, sizeof(x->status), "%s", status);
    snprintf(x->by, sizeof(x->by), "%s", by && by[0] ? by : "unknown");
    x->at_us = wd_now_us();
    journal(a, x, false);
    pthread_mutex_unlock(&a->mu);
    return WD_OK;
}

bool wd_alert_state_get(struct wd_alert_state *a, uint64_t id, struct wd_alert_info *out)
{
    pthread_mutex_lock(&a->mu);
    const struct entry *x = find(a, id);
    if (x) {
        out->ts_us = x->ts_us;
        out->at_us = x->at_us;
        snprintf(out->status, sizeof(out->status), "%s", x->status);
        snprintf(out->by, sizeof(out->by), "%s", x->by);
    }
    pthread_mutex_unlock(&a->mu);
    return x != NULL;
}
