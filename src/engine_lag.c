/*
 * engine_lag.c: pipeline-lag rules (`lag:` in docs/rules.md). Each matching event has a
 * lag, its receivedtimestamp minus its event time; per group (sensor, log type) the lags
 * fall into buckets by receive time. When a bucket is complete, its percentile is
 * compared with the bound; a run of consecutive buckets above it lasting `for` raises
 * an alert ("a huge lag disables your detection"), and again after another full run.
 * A bucket without events breaks the run (silence is the dead-man rule's business).
 * Per bucket up to LAG_KEEP lags are kept exactly, then a reservoir sample.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "wd_time.h"

#define LAG_KEEP 4096
#define LAG_RING 62 /* for <= 60 buckets, plus the one filling and one late */

struct lagbucket {
    int64_t idx; /* bucket number; INT64_MIN = free */
    int64_t *v;  /* lags, microseconds */
    uint32_t n;
    uint64_t seen;
};

struct wd_lagstate {
    struct lagbucket b[LAG_RING];
    int64_t evaluated; /* last bucket evaluated */
    uint32_t run;      /* consecutive buckets above the bound */
    double last;       /* the percentile of the last bucket evaluated, microseconds */
    uint64_t rng;
};

void wd_lagstate_free(struct wd_lagstate *ls)
{
    if (!ls)
        return;
    for (int i = 0; i < LAG_RING; i++)
        free(ls->b[i].v);
    free(ls);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the bucket's lags. */
static double percentile(struct lagbucket *b, double pct)
{
    qsort(b->v, b->n, sizeof(*b->v), cmp_i64);
    size_t rank = (size_t)ceil(pct / 100.0 * (double)b->n);
    return (double)b->v[rank ? rank - 1 : 0];
}

/* {ss lag} (seconds), {ss percentile}, {ss minutes} for lag alerts. */
static int lag_render(const void *result, const char *calc, uint32_t n, const char *fmt,
                      struct wd_buf *out)
{
    WD_UNUSED(n);
    WD_UNUSED(fmt);
    const double *v = result; /* lag us, percentile, for us */
    if (!calc)
        return WD_OK;
    if (!strcmp(calc, "lag"))
        return wd_buf_printf(out, "%.1f", v[0] / 1e6);
    if (!strcmp(calc, "percentile"))
        return wd_buf_printf(out, "%g", v[1]);
    if (!strcmp(calc, "minutes"))
        return wd_buf_printf(out, "%g", v[2] / 60e6);
    return WD_OK;
}

static void evaluate(struct wd_engine *e, struct rstate *s, struct group *g, struct lagbucket *b)
{
    const struct wd_rule *r = s->rule;
    struct wd_lagstate *ls = g->lag;
    if (ls->evaluated != INT64_MIN && b->idx != ls->evaluated + 1)
        ls->run = 0; /* a silent bucket between: the run is broken */
    ls->evaluated = b->idx;
    ls->last = percentile(b, r->lag_pct);
    ls->run = ls->last > (double)r->lag_above_us ? ls->run + 1 : 0;
    uint64_t seen = b->seen;
    b->idx = INT64_MIN;
    b->n = 0;
    b->seen = 0;
    if ((int64_t)ls->run * r->lag_bucket_us < r->lag_for_us)
        return;
    ls->run = 0;
    if (g->suppress_until > e->now_us) {
        s->st.suppressed++;
        return;
    }
    if (r->suppress_us)
        g->suppress_until = e->now_us + r->suppress_us;
    double vals[3] = {ls->last, r->lag_pct, (double)r->lag_for_us};
    struct alert_in in = {.value = {g->key, g->key_len},
                          .count = seen,
                          .ev = g->ev,
                          .nev = g->n,
                          .nsamples = WD_MIN(g->n, r->samples),
                          .extra = vals,
                          .extra_render = lag_render};
    wd_engine_alert(e, s, &in);
    wd_group_clear(g);
}

/* Evaluates the held buckets numbered <= upto, oldest first. */
static void evaluate_through(struct wd_engine *e, struct rstate *s, struct group *g, int64_t upto)
{
    struct wd_lagstate *ls = g->lag;
    for (;;) {
        struct lagbucket *next = NULL;
        for (int i = 0; i < LAG_RING; i++)
            if (ls->b[i].idx != INT64_MIN && ls->b[i].idx <= upto &&
                (!next || ls->b[i].idx < next->idx))
                next = &ls->b[i];
        if (!next)
            return;
        evaluate(e, s, g, next);
    }
}

/* The event time in a field: an ISO 8601 string or epoch seconds (Zeek's _write_ts). */
static int64_t field_time(const struct wd_jv *ev, const char *path)
{
    const struct wd_jv *v = wd_jv_path(ev, path);
    int64_t us;
    if (v && v->type == WD_JV_STR && wd_time_parse_fast(v->u.s.p, v->u.s.len, NULL, &us) == WD_OK)
        return us;
    if (v && v->type == WD_JV_INT && v->u.i > 0 && v->u.i < INT64_C(253402300800))
        return v->u.i * 1000000;
    if (v && v->type == WD_JV_FLOAT && v->u.f > 0 && v->u.f < 253402300800.0)
        return (int64_t)(v->u.f * 1e6);
    return INT64_MIN;
}

void wd_engine_lag_event(struct wd_engine *e, struct rstate *s, struct group *g,
                         const struct wd_jv *ev, const struct gev *x)
{
    const struct wd_rule *r = s->rule;
    int64_t t = r->lag_from ? field_time(ev, r->lag_from) : x->utc;
    if (t == INT64_MIN || x->recv == INT64_MIN)
        return;
    if (!g->lag) {
        g->lag = wd_xcalloc(1, sizeof(*g->lag));
        for (int i = 0; i < LAG_RING; i++)
            g->lag->b[i].idx = INT64_MIN;
        g->lag->evaluated = INT64_MIN;
        g->lag->rng = g->hash | 1;
    }
    struct wd_lagstate *ls = g->lag;
    int64_t idx = x->recv / r->lag_bucket_us;
    if (ls->evaluated != INT64_MIN && idx <= ls->evaluated) {
        s->st.late++;
        return;
    }
    int64_t span = r->lag_for_us / r->lag_bucket_us + 1;
    evaluate_through(e, s, g, idx - span); /* keep at most `span` buckets open */
    struct lagbucket *b = NULL, *free_slot = NULL;
    for (int i = 0; i < LAG_RING && !b; i++) {
        if (ls->b[i].idx == idx)
            b = &ls->b[i];
        else if (ls->b[i].idx == INT64_MIN && !free_slot)
            free_slot = &ls->b[i];
    }
    if (!b) {
        if (!free_slot)
            return;
        b = free_slot;
        b->idx = idx;
        if (!b->v)
            b->v = wd_xmalloc(LAG_KEEP * sizeof(*b->v));
    }
    int64_t lag = x->recv - t;
    b->seen++;
    if (b->n < LAG_KEEP) {
        b->v[b->n++] = lag;
    } else { /* reservoir */
        ls->rng ^= ls->rng << 13;
        ls->rng ^= ls->rng >> 7;
        ls->rng ^= ls->rng << 17;
        uint64_t j = ls->rng % b->seen;
        if (j < LAG_KEEP)
            b->v[j] = lag;
    }
    if (g->n < r->samples)
        wd_group_push(e, g, x, r->samples);
}

void wd_engine_lag_tick(struct wd_engine *e, struct rstate *s)
{
    const struct wd_rule *r = s->rule;
    int64_t done = e->now_us / r->lag_bucket_us - 1; /* the bucket now is still filling */
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group *g = s->buckets[b]; g; g = g->next)
            if (g->lag)
                evaluate_through(e, s, g, done);
}
