/*
 * case_metrics.c: incident and alert metrics over DATA/cases.db (wd_cases_metrics in
 * case_db.h). Incidents count in the month (UTC) of their dateOpened (their creation
 * when unset); durations are nearest-rank percentiles over the incidents or alerts that
 * have both ends: detect = dateReported - dateOccurred, contain = dateContained -
 * dateOpened, close = dateClosed - dateOpened, acknowledge = first status change away
 * from manual - alert creation. docs/incidents.md states the same.
 */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "case_db.h"
#include "case_int.h"
#include "case_field.h"
#include "case_veris.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "wd_time.h"

static void put_iso(struct wd_buf *out, int64_t us)
{
    char t[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, t);
    wd_buf_putc(out, '"');
    wd_buf_append(out, t, n);
    wd_buf_putc(out, '"');
}

double wd_case_percentile(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct series {
    double *v;
    size_t n, cap;
};

static void series_add(struct series *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = wd_xrealloc(s->v, s->cap * sizeof(double));
    }
    s->v[s->n++] = x;
}

static void put_num(struct wd_buf *out, double d)
{
    char t[40];
    wd_jv_fmt_double(d, t, sizeof(t));
    wd_buf_printf(out, "%s", t);
}

/* {"count":N,"mean":..,"p50":..,"p90":..,"p95":..,"p99":..,"max":..} in seconds */
static void put_series(struct wd_buf *out, const char *name, struct series *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof(double), cmp_dbl);
    wd_buf_printf(out, "\"%s\":{\"count\":%zu", name, s->n);
    if (s->n) {
        double sum = 0;
        for (size_t i = 0; i < s->n; i++)
            sum += s->v[i];
        static const double ps[] = {50, 90, 95, 99};
        wd_buf_printf(out, ",\"mean\":");
        put_num(out, sum / (double)s->n);
        for (size_t i = 0; i < 4; i++) {
            wd_buf_printf(out, ",\"p%d\":", (int)ps[i]);
            put_num(out, wd_case_percentile(s->v, s->n, ps[i]));
        }
        wd_buf_printf(out, ",\"max\":");
        put_num(out, s->v[s->n - 1]);
    }
    wd_buf_putc(out, '}');
    free(s->v);
}

/* A small ordered map of string -> count (metrics data is small). */
struct kv {
    char *k;
    int64_t n;
};
struct counts {
    struct kv *e;
    size_t n;
};

static void count(struct counts *c, const char *k, int64_t by)
{
    size_t i = 0;
    while (i < c->n && strcmp(c->e[i].k, k) < 0)
        i++;
    if (i < c->n && !strcmp(c->e[i].k, k)) {
        c->e[i].n += by;
        return;
    }
    c->e = wd_xrealloc(c->e, (c->n + 1) * sizeof(*c->e));
    memmove(c->e + i + 1, c->e + i, (c->n - i) * sizeof(*c->e));
    c->e[i] = (struct kv){wd_xstrdup(k), by};
    c->n++;
}

static void counts_free(struct counts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].k);
    free(c->e);
    memset(c, 0, sizeof(*c));
}

/* Appends {"key":n,...} and frees the map. */
static void put_counts(struct wd_buf *out, struct counts *c)
{
    wd_buf_putc(out, '{');
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            wd_buf_putc(out, ',');
        wd_jv_write_str(c->e[i].k, strlen(c->e[i].k), out);
        wd_buf_printf(out, ":%lld", (long long)c->e[i].n);
    }
    wd_buf_putc(out, '}');
    counts_free(c);
}

/* YYYY-MM-DD of us (UTC) in out[0..11); a month is its first 7 characters. */
static void day_of(int64_t us, char out[16])
{
    struct wd_civil cv;
    wd_time_to_civil(us, &cv);
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)cv.year % 10000u, (unsigned)cv.month % 100u,
             (unsigned)cv.day % 100u);
}

static void month_of(int64_t us, char out[8])
{
    char d[16];
    day_of(us, d);
    memcpy(out, d, 7);
    out[7] = '\0';
}

struct inc {
    int64_t id, created, occurred, reported, opened, contained, closed;
    char phase[24];
    struct counts veris; /* category -> 1 */
};

enum { D_OCC, D_REP, D_OPEN, D_CONT, D_CLOSE };
static const char *const date_fields[] = {"dateOccurred", "dateReported", "dateOpened",
                                          "dateContained", "dateClosed"};

/* Adds "top.category" of each VERIS path in the JSON array text to x->veris. */
static void add_veris(struct inc *x, const char *field, const char *json)
{
    const char *top = field + 6; /* after "veris_" */
    struct wd_arena a;
    wd_arena_init(&a, 4096, 4u << 20);
    struct wd_jv *v;
    if (wd_json_parse(json, strlen(json), strlen(json), 4, &a, &v, NULL) == WD_OK &&
        v->type == WD_JV_ARR) {
        for (const struct wd_jv *p = v->u.kids.head; p; p = p->next) {
            if (p->type != WD_JV_STR)
                continue;
            size_t cl = strcspn(wd_arena_strndup(&a, p->u.s.p, p->u.s.len), ".");
            char k[160];
            snprintf(k, sizeof(k), "%s.%.*s", top, (int)WD_MIN(cl, 100), p->u.s.p);
            bool seen = false;
            for (size_t i = 0; i < x->veris.n; i++)
                seen |= !strcmp(x->veris.e[i].k, k);
            if (!seen)
                count(&x->veris, k, 1);
        }
    }
    wd_arena_fini(&a);
}

void wd_cases_metrics(struct wd_cases *c, int64_t from_us, int64_t to_us, struct wd_buf *out)
{
    struct inc *incs = NULL;
    size_t ni = 0;
    pthread_mutex_lock(&c->mu);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(c->db, "SELECT id,created_us FROM incidents ORDER BY id", -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        incs = wd_xrealloc(incs, (ni + 1) * sizeof(*incs));
        struct inc *x = &incs[ni++];
        memset(x, 0, sizeof(*x));
        x->id = sqlite3_column_int64(st, 0);
        x->created = sqlite3_column_int64(st, 1);
        x->occurred = x->reported = x->opened = x->contained = x->closed = INT64_MIN;
    }
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_prepare_v2(c->db,
                       "SELECT incident,field,value,num FROM incident_fields WHERE field "
                       "IN ('phase','dateOccurred','dateReported','dateOpened','dateContained',"
                       "'dateClosed','veris_actor','veris_action','veris_asset',"
                       "'veris_attribute') ORDER BY incident",
                       -1, &st, NULL);
    size_t at = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        while (at < ni && incs[at].id < id)
            at++;
        if (at == ni || incs[at].id != id)
            continue;
        struct inc *x = &incs[at];
        const char *f = (const char *)sqlite3_column_text(st, 1);
        const char *val = (const char *)sqlite3_column_text(st, 2);
        bool has = sqlite3_column_type(st, 3) != SQLITE_NULL;
        int64_t num = sqlite3_column_int64(st, 3);
        if (!strcmp(f, "phase")) {
            if (val && val[0] == '"')
                snprintf(x->phase, sizeof(x->phase), "%.*s", (int)strcspn(val + 1, "\""), val + 1);
        } else if (!strncmp(f, "veris_", 6)) {
            if (val)
                add_veris(x, f, val);
        } else if (has) {
            int64_t *slot[] = {&x->occurred, &x->reported, &x->opened, &x->contained, &x->closed};
            for (int k = 0; k < 5; k++)
                if (!strcmp(f, date_fields[k]))
                    *slot[k] = num;
        }
    }
    sqlite3_finalize(st);

    /* incidents */
    struct counts months = {0};
    struct {
        char m[8];
        struct counts phase, veris;
    } *bym = NULL;
    size_t nm = 0;
    struct series detect = {0}, contain = {0}, close = {0};
    int64_t total = 0;
    for (size_t i = 0; i < ni; i++) {
        struct inc *x = &incs[i];
        int64_t t = x->opened != INT64_MIN ? x->opened : x->created;
        if (t < from_us || t >= to_us) {
            counts_free(&x->veris);
            continue;
        }
        total++;
        char m[8];
        month_of(t, m);
        count(&months, m, 1);
        size_t k = 0;
        while (k < nm && strcmp(bym[k].m, m))
            k++;
        if (k == nm) {
            bym = wd_xrealloc(bym, (nm + 1) * sizeof(*bym));
            memset(&bym[nm], 0, sizeof(*bym));
            memcpy(bym[nm].m, m, 8);
            nm++;
        }
        count(&bym[k].phase, x->phase[0] ? x->phase : "none", 1);
        for (size_t v = 0; v < x->veris.n; v++)
            count(&bym[k].veris, x->veris.e[v].k, 1);
        counts_free(&x->veris);
        if (x->occurred != INT64_MIN && x->reported != INT64_MIN)
            series_add(&detect, (double)(x->reported - x->occurred) / 1e6);
        if (x->opened != INT64_MIN && x->contained != INT64_MIN)
            series_add(&contain, (double)(x->contained - x->opened) / 1e6);
        if (x->opened != INT64_MIN && x->closed != INT64_MIN)
            series_add(&close, (double)(x->closed - x->opened) / 1e6);
    }
    free(incs);
    wd_buf_printf(out, "{\"from\":");
    put_iso(out, from_us);
    wd_buf_printf(out, ",\"to\":");
    put_iso(out, to_us);
    wd_buf_printf(out, ",\"incidents\":{\"total\":%lld,\"by_month\":{", (long long)total);
    for (size_t i = 0; i < months.n; i++) {
        size_t k = 0;
        while (strcmp(bym[k].m, months.e[i].k))
            k++;
        wd_buf_printf(out, "%s\"%s\":{\"total\":%lld,\"phase\":", i ? "," : "", bym[k].m,
                      (long long)months.e[i].n);
        put_counts(out, &bym[k].phase);
        wd_buf_printf(out, ",\"veris\":");
        put_counts(out, &bym[k].veris);
        wd_buf_putc(out, '}');
    }
    free(bym);
    counts_free(&months);
    wd_buf_printf(out, "},");
    put_series(out, "time_to_detect_s", &detect);
    wd_buf_putc(out, ',');
    put_series(out, "time_to_contain_s", &contain);
    wd_buf_putc(out, ',');
    put_series(out, "time_to_close_s", &close);

    /* alerts: counts per rule and UTC day grouped in SQL (rule order is SQLite's BINARY
     * collation, i.e. strcmp's), acknowledgement delays fetched for the percentiles */
    struct series ack = {0};
    struct wd_buf rules;
    wd_buf_init(&rules, 0);
    int64_t atotal = 0, afp = 0;
    st = NULL;
    sqlite3_prepare_v2(c->db,
                       "SELECT rule, created_us / 86400000000, count(*),"
                       " sum(status = 'falsePositive') FROM alerts WHERE created_us >= ?"
                       " AND created_us < ? GROUP BY 1, 2 ORDER BY 1, 2",
                       -1, &st, NULL);
    if (st) {
        sqlite3_bind_int64(st, 1, from_us);
        sqlite3_bind_int64(st, 2, to_us);
    }
    char *cur = NULL;
    int64_t rn = 0, rf = 0;
    struct wd_buf days;
    wd_buf_init(&days, 0);
    for (;;) {
        bool row = st && sqlite3_step(st) == SQLITE_ROW;
        const char *rule = row ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (cur && (!row || strcmp(rule, cur) != 0)) { /* the previous rule is complete */
            wd_buf_printf(&rules, "%s{\"rule\":", rules.len ? "," : "");
            wd_jv_write_str(cur, strlen(cur), &rules);
            wd_buf_printf(&rules,
                          ",\"alerts\":%lld,\"false_positives\":%lld,\"false_positive_rate\":",
                          (long long)rn, (long long)rf);
            put_num(&rules, (double)rf / (double)rn);
            wd_buf_printf(&rules, ",\"per_day\":{");
            wd_buf_append(&rules, days.p, days.len);
            wd_buf_printf(&rules, "}}");
            free(cur);
            cur = NULL;
            rn = rf = 0;
            days.len = 0;
        }
        if (!row)
            break;
        if (!cur)
            cur = wd_xstrdup(rule);
        int64_t n = sqlite3_column_int64(st, 2), f = sqlite3_column_int64(st, 3);
        char d[16];
        day_of(sqlite3_column_int64(st, 1) * INT64_C(86400000000), d);
        wd_buf_printf(&days, "%s\"%s\":%lld", days.len ? "," : "", d, (long long)n);
        rn += n;
        rf += f;
        atotal += n;
        afp += f;
    }
    sqlite3_finalize(st);
    wd_buf_fini(&days);
    st = NULL;
    sqlite3_prepare_v2(c->db,
                       "SELECT ack_us - created_us FROM alerts WHERE created_us >= ? AND "
                       "created_us < ? AND ack_us IS NOT NULL",
                       -1, &st, NULL);
    if (st) {
        sqlite3_bind_int64(st, 1, from_us);
        sqlite3_bind_int64(st, 2, to_us);
    }
    while (st && sqlite3_step(st) == SQLITE_ROW)
        series_add(&ack, (double)sqlite3_column_int64(st, 0) / 1e6);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    wd_buf_printf(out,
                  "},\"alerts\":{\"total\":%lld,\"false_positives\":%lld,\"false_positive_rate\":",
                  (long long)atotal, (long long)afp);
    put_num(out, atotal ? (double)afp / (double)atotal : 0);
    wd_buf_putc(out, ',');
    put_series(out, "time_to_acknowledge_s", &ack);
    wd_buf_printf(out, ",\"rules\":[");
    if (rules.len)
        wd_buf_append(out, rules.p, rules.len);
    wd_buf_printf(out, "]}}");
    wd_buf_fini(&rules);
}
