/*
 * agg.c: the pipe executor of agg.h: checks and resolves a query's pipes into stages
 * (stats / top / timechart, agg_fn.c) and table operations (sort / head / fields), feeds
 * the rows the store hands over, and renders the final table as JSON. User-facing rules
 * (ordering, nulls, percentiles, limits) are in docs/pipes.md.
 *
 * Shape: pipes before the first stats/top/timechart only limit the events (`head`);
 * the first such pipe is stage 0 and eats the event rows; every later pipe is an op
 * applied at render time to the table so far (a later stats/top is fed the rows of that
 * table). Without any stage ("event mode") the events themselves are held as rows; a
 * `head` before any sort stops the feed early, and `sort ... | head N` keeps only the N
 * best rows while feeding (two arenas swapped at each pruning keep memory bounded).
 */
#include "agg.h"
#include "agg_int.h"
#include "jv.h"
#include "mem.h"
#include "query.h"

#include <math.h>

enum op_kind { OP_SORT, OP_HEAD, OP_FIELDS, OP_STAGE };

struct op {
    uint8_t kind; /* enum op_kind */
    uint32_t nkeys;
    struct wd_agg_sortkey *keys; /* OP_SORT */
    uint64_t n;                  /* OP_HEAD */
    uint32_t ncols;              /* OP_FIELDS: the new visible columns */
    const char **names;
    uint32_t *idx;
    struct wd_agg_stage *st; /* OP_STAGE */
};

struct wd_agg {
    struct wd_arena arena; /* names, ops, stages, render-time tables */
    uint32_t nfields, fcap;
    const char **fields; /* needed event fields (arena strings) */
    bool needs_time;
    bool event_mode;
    struct wd_agg_stage *stage0;
    struct op *ops;
    uint32_t nops, ops_cap;
    struct wd_agg_stage **stages; /* every stage, for wd_agg_free */
    uint32_t nstages, stages_cap;
    uint64_t pre_cap; /* events accepted before WD_ENOENT (UINT64_MAX: no head) */
    uint64_t fed;
    /* event mode */
    uint32_t ncols0; /* visible columns before any `fields` */
    const char **names0;
    uint32_t *idx0;
    struct wd_agg_table ev;
    struct wd_arena evar[2];
    int cur;
    int64_t topk_op; /* index of the sort op whose following head keeps topk rows; -1 */
    uint64_t topk;
    struct wd_agg_lim lim;
    int err; /* sticky */
    bool rendered;
};

static const char *const default_cols[] = {"utctimestamp", "hostname", "category", "summary"};

static int fail(struct wd_perr *err, const char *msg)
{
    if (err) {
        err->code = WD_EINVAL;
        err->off = 0;
        err->msg = msg;
    }
    return WD_EINVAL;
}

static void *alloc0(struct wd_agg *a, size_t n)
{
    void *p = wd_arena_alloc(&a->arena, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static const char *dupstr(struct wd_agg *a, const char *s)
{
    return wd_arena_strndup(&a->arena, s, strlen(s));
}

/* Index of event field `name`, added when new; -1 on OOM. */
static int64_t field_slot(struct wd_agg *a, const char *name)
{
    for (uint32_t i = 0; i < a->nfields; i++)
        if (strcmp(a->fields[i], name) == 0)
            return i;
    if (a->nfields == a->fcap) {
        uint32_t nc = a->fcap ? a->fcap * 2 : 8;
        const char **nf = realloc(a->fields, nc * sizeof(*nf));
        if (!nf)
            return -1;
        a->fields = nf;
        a->fcap = nc;
    }
    const char *d = dupstr(a, name);
    if (!d)
        return -1;
    a->fields[a->nfields] = d;
    return a->nfields++;
}

/* The visible columns while resolving pipes after stage 0. */
struct schema {
    uint32_t ncols;
    const char **names;
    uint32_t *idx;
};

static int64_t col_slot(const struct schema *sc, const char *name)
{
    for (uint32_t i = 0; i < sc->ncols; i++)
        if (strcmp(sc->names[i], name) == 0)
            return sc->idx[i];
    return -1;
}

/* Resolves a field name: an event field for stage 0 (sc NULL), else a column. -1: OOM,
 * -2: no such column. */
static int64_t resolve(struct wd_agg *a, const struct schema *sc, const char *name)
{
    if (!sc)
        return field_slot(a, name);
    int64_t s = col_slot(sc, name);
    return s < 0 ? -2 : s;
}

static const char *agg_name(struct wd_agg *a, const struct wd_aggspec *sp)
{
    static const char *const fn[] = {"count", "dc", "sum", "avg", "min", "max"};
    char buf[512];
    if (sp->name)
        return dupstr(a, sp->name);
    if (sp->fn == WD_AGG_PCT)
        snprintf(buf, sizeof(buf), "p%g(%s)", sp->pct, sp->field ? sp->field : "");
    else
        snprintf(buf, sizeof(buf), "%s(%s)", fn[sp->fn], sp->field ? sp->field : "");
    return dupstr(a, buf);
}

static int add_op(struct wd_agg *a, struct op **out)
{
    if (a->nops == a->ops_cap) {
        uint32_t nc = a->ops_cap ? a->ops_cap * 2 : 8;
        struct op *no = realloc(a->ops, nc * sizeof(*no));
        if (!no)
            return WD_ENOMEM;
        a->ops = no;
        a->ops_cap = nc;
    }
    *out = &a->ops[a->nops++];
    memset(*out, 0, sizeof(**out));
    return WD_OK;
}

/* Builds the stage for pipe p; resolves its fields against sc (NULL: event fields) and
 * sets *osc to its output columns. */
static int build_stage(struct wd_agg *a, const struct wd_pipe *p, const struct schema *sc,
                       struct wd_agg_stage **out, struct schema *osc, struct wd_perr *err)
{
    static const char *const nocol[] = {"stats: no such column", "top: no such column",
                                        "timechart: no such column"};
    const char *enocol = nocol[p->kind];
    struct wd_agg_stage *s = alloc0(a, sizeof(*s));
    if (!s)
        return WD_ENOMEM;
    if (a->nstages == a->stages_cap) {
        uint32_t nc = a->stages_cap ? a->stages_cap * 2 : 4;
        struct wd_agg_stage **ns = realloc(a->stages, nc * sizeof(*ns));
        if (!ns)
            return WD_ENOMEM;
        a->stages = ns;
        a->stages_cap = nc;
    }
    a->stages[a->nstages++] = s;
    s->kind = p->kind;
    static const struct wd_aggspec count_spec = {WD_AGG_COUNT, NULL, 0, "count()"};
    const struct wd_aggspec *specs = p->aggs;
    uint32_t naggs = p->naggs;
    const char *const *by = p->by;
    uint32_t nby = p->nby;
    if (p->kind == WD_PIPE_TOP) {
        if (!p->field)
            return fail(err, "top: needs a field");
        by = &p->field;
        nby = 1;
        specs = &count_spec;
        naggs = 1;
        s->top_n = p->n;
    } else if (naggs == 0) {
        specs = &count_spec;
        naggs = 1;
    }
    if (p->kind == WD_PIPE_TIMECHART) {
        if (p->span_us <= 0)
            return fail(err, "timechart: the span must be positive");
        if (nby > 1)
            return fail(err, "timechart: at most one by field");
        s->span_us = p->span_us;
    }
    s->nby = nby;
    s->by_slot = alloc0(a, nby * sizeof(*s->by_slot));
    s->by_name = alloc0(a, nby * sizeof(*s->by_name));
    s->vi = alloc0(a, nby * sizeof(*s->vi));
    s->naggs = naggs;
    s->aggs = alloc0(a, naggs * sizeof(*s->aggs));
    if (!s->by_slot || !s->by_name || !s->vi || !s->aggs)
        return WD_ENOMEM;
    for (uint32_t k = 0; k < nby; k++) {
        if (!by[k])
            return fail(err, "stats: empty by field");
        int64_t slot = resolve(a, sc, by[k]);
        if (slot == -2)
            return fail(err, enocol);
        s->by_slot[k] = (uint32_t)slot;
        s->by_name[k] = dupstr(a, by[k]);
        if (slot < 0 || !s->by_name[k])
            return WD_ENOMEM;
    }
    for (uint32_t j = 0; j < naggs; j++) {
        const struct wd_aggspec *sp = &specs[j];
        struct wd_agg_def *d = &s->aggs[j];
        if (sp->fn > WD_AGG_PCT)
            return fail(err, "stats: unknown function");
        d->fn = sp->fn;
        d->pct = sp->pct;
        if (sp->fn != WD_AGG_COUNT) {
            if (!sp->field)
                return fail(err, "stats: this function needs a field");
            int64_t slot = resolve(a, sc, sp->field);
            if (slot == -2)
                return fail(err, enocol);
            if (slot < 0)
                return WD_ENOMEM;
            d->slot = (uint32_t)slot;
        }
        d->name = agg_name(a, sp);
        if (!d->name)
            return WD_ENOMEM;
    }
    s->fast = nby == 1 && p->kind != WD_PIPE_TIMECHART;
    s->count_only = true;
    for (uint32_t j = 0; j < naggs; j++)
        s->count_only &= s->aggs[j].fn == WD_AGG_COUNT;
    /* Output columns. */
    uint32_t ncols = p->kind == WD_PIPE_TOP         ? 3
                     : p->kind == WD_PIPE_TIMECHART ? 1 + nby + naggs
                                                    : nby + naggs;
    osc->ncols = ncols;
    osc->names = alloc0(a, ncols * sizeof(*osc->names));
    osc->idx = alloc0(a, ncols * sizeof(*osc->idx));
    if (!osc->names || !osc->idx)
        return WD_ENOMEM;
    uint32_t c = 0;
    if (p->kind == WD_PIPE_TIMECHART)
        osc->names[c++] = "_time";
    for (uint32_t k = 0; k < nby; k++)
        osc->names[c++] = s->by_name[k];
    if (p->kind == WD_PIPE_TOP) {
        osc->names[c++] = "count";
        osc->names[c++] = "percent";
    } else {
        for (uint32_t j = 0; j < naggs; j++)
            osc->names[c++] = s->aggs[j].name;
    }
    for (uint32_t i = 0; i < ncols; i++)
        osc->idx[i] = i;
    *out = s;
    return WD_OK;
}

/* A sort/head/fields op; sc NULL means event mode (names are event fields). */
static int build_op(struct wd_agg *a, const struct wd_pipe *p, struct schema *sc,
                    struct wd_perr *err)
{
    struct op *o;
    int rc = add_op(a, &o);
    if (rc)
        return rc;
    if (p->kind == WD_PIPE_HEAD) {
        o->kind = OP_HEAD;
        o->n = p->n;
        return WD_OK;
    }
    if (p->kind == WD_PIPE_SORT) {
        o->kind = OP_SORT;
        o->nkeys = p->nkeys;
        o->keys = alloc0(a, p->nkeys * sizeof(*o->keys));
        if (!o->keys)
            return WD_ENOMEM;
        for (uint32_t k = 0; k < p->nkeys; k++) {
            if (!p->keys[k].name)
                return fail(err, "sort: no such column");
            int64_t slot = resolve(a, sc, p->keys[k].name);
            if (slot == -2)
                return fail(err, "sort: no such column");
            if (slot < 0)
                return WD_ENOMEM;
            o->keys[k] = (struct wd_agg_sortkey){(uint32_t)slot, p->keys[k].desc};
        }
        return WD_OK;
    }
    o->kind = OP_FIELDS;
    o->ncols = p->nfields;
    o->names = alloc0(a, p->nfields * sizeof(*o->names));
    o->idx = alloc0(a, p->nfields * sizeof(*o->idx));
    if (!o->names || !o->idx)
        return WD_ENOMEM;
    for (uint32_t k = 0; k < p->nfields; k++) {
        if (!p->fields[k])
            return fail(err, "fields: no such column");
        int64_t slot = resolve(a, sc, p->fields[k]);
        if (slot == -2)
            return fail(err, "fields: no such column");
        o->names[k] = dupstr(a, p->fields[k]);
        if (slot < 0 || !o->names[k])
            return WD_ENOMEM;
        o->idx[k] = (uint32_t)slot;
    }
    if (sc) {
        sc->ncols = o->ncols;
        sc->names = o->names;
        sc->idx = o->idx;
    }
    return WD_OK;
}

static int setup_events(struct wd_agg *a, const struct wd_query *q, struct wd_perr *err)
{
    bool has_fields = false;
    for (uint32_t i = 0; i < q->npipes; i++)
        has_fields |= q->pipes[i].kind == WD_PIPE_FIELDS;
    if (!has_fields) {
        a->ncols0 = WD_ARRAY_LEN(default_cols);
        a->names0 = alloc0(a, a->ncols0 * sizeof(*a->names0));
        a->idx0 = alloc0(a, a->ncols0 * sizeof(*a->idx0));
        if (!a->names0 || !a->idx0)
            return WD_ENOMEM;
        for (uint32_t i = 0; i < a->ncols0; i++) {
            int64_t slot = field_slot(a, default_cols[i]);
            if (slot < 0)
                return WD_ENOMEM;
            a->names0[i] = default_cols[i];
            a->idx0[i] = (uint32_t)slot;
        }
    }
    bool sorted = false;
    for (uint32_t i = 0; i < q->npipes; i++) {
        const struct wd_pipe *p = &q->pipes[i];
        int rc = build_op(a, p, NULL, err);
        if (rc)
            return rc;
        if (p->kind == WD_PIPE_SORT && !sorted) {
            sorted = true;
            /* `sort ... [| fields ...] | head N`: keep the N best rows while feeding. */
            uint32_t j = i + 1;
            while (j < q->npipes && q->pipes[j].kind == WD_PIPE_FIELDS)
                j++;
            if (j < q->npipes && q->pipes[j].kind == WD_PIPE_HEAD) {
                a->topk_op = a->nops - 1;
                a->topk = q->pipes[j].n;
            }
        }
        if (p->kind == WD_PIPE_HEAD && !sorted)
            a->pre_cap = WD_MIN(a->pre_cap, (uint64_t)p->n);
    }
    return WD_OK;
}

static int setup(struct wd_agg *a, const struct wd_query *q, struct wd_perr *err)
{
    uint32_t first = q->npipes;
    for (uint32_t i = 0; i < q->npipes; i++) {
        uint8_t k = q->pipes[i].kind;
        if (k > WD_PIPE_FIELDS)
            return fail(err, "unknown pipe");
        if (first == q->npipes &&
            (k == WD_PIPE_STATS || k == WD_PIPE_TOP || k == WD_PIPE_TIMECHART))
            first = i;
    }
    if (first == q->npipes) {
        a->event_mode = true;
        return setup_events(a, q, err);
    }
    /* Before the first stage only `head` changes the result. */
    for (uint32_t i = 0; i < first; i++) {
        const struct wd_pipe *p = &q->pipes[i];
        if (p->kind == WD_PIPE_HEAD) {
            a->pre_cap = WD_MIN(a->pre_cap, (uint64_t)p->n);
        } else if (p->kind == WD_PIPE_SORT) {
            for (uint32_t j = i + 1; j < first; j++)
                if (q->pipes[j].kind == WD_PIPE_HEAD)
                    return fail(err, "sort: `sort | head` before stats/top/timechart is not "
                                     "supported");
        }
    }
    struct schema sc;
    int rc = build_stage(a, &q->pipes[first], NULL, &a->stage0, &sc, err);
    if (rc)
        return rc;
    a->ncols0 = sc.ncols;
    a->names0 = sc.names;
    a->idx0 = sc.idx;
    a->needs_time = q->pipes[first].kind == WD_PIPE_TIMECHART;
    for (uint32_t i = first + 1; i < q->npipes; i++) {
        const struct wd_pipe *p = &q->pipes[i];
        if (p->kind == WD_PIPE_TIMECHART)
            return fail(err, "timechart: must come before stats and top");
        if (p->kind == WD_PIPE_STATS || p->kind == WD_PIPE_TOP) {
            struct schema nsc;
            struct wd_agg_stage *st;
            if ((rc = build_stage(a, p, &sc, &st, &nsc, err)))
                return rc;
            struct op *o;
            if ((rc = add_op(a, &o)))
                return rc;
            o->kind = OP_STAGE;
            o->st = st;
            o->ncols = nsc.ncols;
            o->names = nsc.names;
            o->idx = nsc.idx;
            sc = nsc;
            continue;
        }
        if ((rc = build_op(a, p, &sc, err)))
            return rc;
    }
    return WD_OK;
}

int wd_agg_new(const struct wd_query *q, struct wd_agg **out, struct wd_perr *err)
{
    *out = NULL;
    struct wd_agg *a = calloc(1, sizeof(*a));
    if (!a)
        return WD_ENOMEM;
    wd_arena_init(&a->arena, 16 * 1024, 0);
    wd_arena_init(&a->evar[0], 64 * 1024, 0);
    wd_arena_init(&a->evar[1], 64 * 1024, 0);
    a->pre_cap = UINT64_MAX;
    a->lim = (struct wd_agg_lim){
        WD_AGG_MAX_GROUPS, WD_AGG_MAX_BUCKETS, WD_AGG_MAX_ENTRIES, WD_AGG_MAX_ROWS, 0, 0};
    a->topk_op = -1;
    int rc = setup(a, q, err);
    if (rc) {
        if (rc == WD_ENOMEM && err) {
            err->code = WD_ENOMEM;
            err->off = 0;
            err->msg = "out of memory";
        }
        wd_agg_free(a);
        return rc;
    }
    a->ev.ncell = a->nfields;
    *out = a;
    return WD_OK;
}

void wd_agg_set_limits(struct wd_agg *a, uint32_t max_groups, uint32_t max_buckets,
                       uint32_t max_entries, uint32_t max_rows)
{
    if (max_groups)
        a->lim.max_groups = max_groups;
    if (max_buckets)
        a->lim.max_buckets = max_buckets;
    if (max_entries)
        a->lim.max_entries = max_entries;
    if (max_rows)
        a->lim.max_rows = max_rows;
}

void wd_agg_free(struct wd_agg *a)
{
    if (!a)
        return;
    for (uint32_t i = 0; i < a->nstages; i++)
        wd_agg_stage_fini(a->stages[i]);
    free(a->stages);
    free(a->ops);
    free(a->fields);
    free(a->ev.rows);
    wd_arena_fini(&a->evar[0]);
    wd_arena_fini(&a->evar[1]);
    wd_arena_fini(&a->arena);
    free(a);
}

uint32_t wd_agg_nfields(const struct wd_agg *a)
{
    return a->nfields;
}

const char *wd_agg_field(const struct wd_agg *a, uint32_t i)
{
    return i < a->nfields ? a->fields[i] : NULL;
}

bool wd_agg_needs_time(const struct wd_agg *a)
{
    return a->needs_time;
}

bool wd_agg_any_order(const struct wd_agg *a)
{
    return !a->event_mode && !a->needs_time && a->pre_cap == UINT64_MAX;
}

/* ---- event mode ---- */

static int copy_qval(struct wd_arena *ar, struct wd_qval *dst, const struct wd_qval *src)
{
    *dst = *src;
    if (src->s.len) {
        char *p = wd_arena_alloc(ar, src->s.len);
        if (!p)
            return WD_ENOMEM;
        memcpy(p, src->s.p, src->s.len);
        dst->s.p = p;
    }
    return WD_OK;
}

/* Copies one event's values (ncell slots) into a row in ar. */
static struct wd_agg_cell *copy_row(struct wd_arena *ar, uint32_t ncell,
                                    const struct wd_qval *const *vals, const uint32_t *nvals)
{
    struct wd_agg_cell *row = wd_arena_alloc(ar, (size_t)WD_MAX(ncell, 1u) * sizeof(*row));
    if (!row)
        return NULL;
    for (uint32_t k = 0; k < ncell; k++) {
        struct wd_agg_cell *c = &row[k];
        memset(c, 0, sizeof(*c));
        c->n = nvals[k];
        if (c->n == 0) {
            c->q.type = WD_AGG_QV_NULL;
        } else if (c->n == 1) {
            if (copy_qval(ar, &c->q, &vals[k][0]))
                return NULL;
        } else {
            c->arr = wd_arena_alloc(ar, (size_t)c->n * sizeof(*c->arr));
            if (!c->arr)
                return NULL;
            for (uint32_t j = 0; j < c->n; j++)
                if (copy_qval(ar, &c->arr[j], &vals[k][j]))
                    return NULL;
        }
    }
    return row;
}

/* The value arrays of a row, as wd_agg_row() takes them. */
static void row_vals(const struct wd_agg_cell *row, uint32_t ncell, const struct wd_qval **vals,
                     uint32_t *nvals)
{
    for (uint32_t k = 0; k < ncell; k++) {
        nvals[k] = row[k].n;
        vals[k] = row[k].n == 1 ? &row[k].q : row[k].arr;
    }
}

/* Keeps the topk best rows: sorts, truncates and moves the survivors to the other arena. */
static int prune(struct wd_agg *a)
{
    struct wd_agg_table *t = &a->ev;
    const struct op *o = &a->ops[a->topk_op];
    int rc = wd_agg_sort_rows(t->rows, t->nrows, o->keys, o->nkeys);
    if (rc)
        return rc;
    if (t->nrows > a->topk)
        t->nrows = a->topk;
    struct wd_arena *dst = &a->evar[a->cur ^ 1];
    const struct wd_qval **vals = malloc((size_t)WD_MAX(t->ncell, 1u) * sizeof(*vals));
    uint32_t *nvals = malloc((size_t)WD_MAX(t->ncell, 1u) * sizeof(*nvals));
    rc = vals && nvals ? WD_OK : WD_ENOMEM;
    for (size_t i = 0; i < t->nrows && !rc; i++) {
        row_vals(t->rows[i], t->ncell, vals, nvals);
        t->rows[i] = copy_row(dst, t->ncell, (const struct wd_qval *const *)vals, nvals);
        if (!t->rows[i])
            rc = WD_ENOMEM;
    }
    free(vals);
    free(nvals);
    if (rc)
        return rc;
    wd_arena_reset(&a->evar[a->cur]);
    a->cur ^= 1;
    return WD_OK;
}

/* Out of line: keeps wd_agg_row()'s frame small for the stage path. */
static __attribute__((noinline)) int event_row(struct wd_agg *a, const struct wd_qval *const *vals,
                                               const uint32_t *nvals, uint64_t reps)
{
    struct wd_agg_cell *row = copy_row(&a->evar[a->cur], a->ev.ncell, vals, nvals);
    if (!row)
        return WD_ENOMEM;
    for (uint64_t r = 0; r < reps; r++) {
        int rc = wd_agg_table_push(&a->ev, row, a->lim.max_rows);
        if (rc)
            return rc;
        if (a->topk_op >= 0 && a->ev.nrows >= 2 * a->topk + 1024 && (rc = prune(a)))
            return rc;
    }
    return WD_OK;
}

int wd_agg_row(struct wd_agg *a, int64_t ts_us, const struct wd_qval *const *vals,
               const uint32_t *nvals, uint64_t weight)
{
    if (a->err)
        return a->err;
    if (a->fed >= a->pre_cap)
        return WD_ENOENT;
    uint64_t w = WD_MIN(weight, a->pre_cap - a->fed);
    int rc = a->event_mode ? event_row(a, vals, nvals, w)
                           : wd_agg_stage_row(a->stage0, &a->lim, ts_us, vals, nvals, w);
    if (rc) {
        a->err = rc;
        return rc;
    }
    a->fed += w;
    return a->fed >= a->pre_cap ? WD_ENOENT : WD_OK;
}

/* ---- rendering ---- */

static int put_qval(struct wd_buf *b, const struct wd_qval *v)
{
    char tmp[32];
    switch (v->type) {
    case WD_QV_STR:
        return wd_jv_write_str(v->s.p, v->s.len, b);
    case WD_QV_INT:
        if (v->s.len)
            return wd_buf_append(b, v->s.p, v->s.len);
        return wd_buf_append(b, tmp, wd_fmt_i64(v->i, tmp));
    case WD_QV_FLOAT: {
        if (v->s.len)
            return wd_buf_append(b, v->s.p, v->s.len);
        if (!isfinite(v->f))
            return wd_buf_append(b, "null", 4);
        int n = wd_jv_fmt_double(v->f, tmp, sizeof(tmp));
        return n < 0 ? n : wd_buf_append(b, tmp, (size_t)n);
    }
    case WD_QV_BOOL:
        return v->b ? wd_buf_append(b, "true", 4) : wd_buf_append(b, "false", 5);
    default:
        return wd_buf_append(b, "null", 4);
    }
}

static int put_cell(struct wd_buf *b, const struct wd_agg_cell *c)
{
    if (c->n == 0)
        return wd_buf_append(b, "null", 4);
    if (c->n == 1)
        return put_qval(b, &c->q);
    int rc = wd_buf_putc(b, '[');
    for (uint32_t i = 0; i < c->n && !rc; i++) {
        if (i)
            rc = wd_buf_putc(b, ',');
        if (!rc)
            rc = put_qval(b, &c->arr[i]);
    }
    return rc ? rc : wd_buf_putc(b, ']');
}

static int put_table(struct wd_buf *b, const struct wd_agg_table *t)
{
    int rc = wd_buf_append(b, "{\"columns\":[", 12);
    for (uint32_t c = 0; c < t->ncols && !rc; c++) {
        if (c)
            rc = wd_buf_putc(b, ',');
        if (!rc)
            rc = wd_jv_write_str(t->names[c], strlen(t->names[c]), b);
    }
    if (!rc)
        rc = wd_buf_append(b, "],\"rows\":[", 10);
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        rc = wd_buf_append(b, r ? ",[" : "[", r ? 2 : 1);
        for (uint32_t c = 0; c < t->ncols && !rc; c++) {
            if (c)
                rc = wd_buf_putc(b, ',');
            if (!rc)
                rc = put_cell(b, &t->rows[r][t->idx[c]]);
        }
        if (!rc)
            rc = wd_buf_putc(b, ']');
    }
    return rc ? rc : wd_buf_append(b, "]}", 2);
}

/* Feeds table t into stage st and replaces t with the stage's output. */
static int run_stage(struct wd_agg *a, struct wd_agg_stage *st, struct wd_agg_table *t)
{
    const struct wd_qval **vals = malloc((size_t)WD_MAX(t->ncell, 1u) * sizeof(*vals));
    uint32_t *nvals = malloc((size_t)WD_MAX(t->ncell, 1u) * sizeof(*nvals));
    int rc = vals && nvals ? WD_OK : WD_ENOMEM;
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        row_vals(t->rows[r], t->ncell, vals, nvals);
        rc = wd_agg_stage_row(st, &a->lim, 0, (const struct wd_qval *const *)vals, nvals, 1);
    }
    free(vals);
    free(nvals);
    struct wd_agg_table nt = {0};
    if (!rc)
        rc = wd_agg_stage_finish(st, &a->lim, &a->arena, &nt);
    if (t->rows != a->ev.rows)
        free(t->rows);
    *t = nt;
    return rc;
}

static int render(struct wd_agg *a, struct wd_agg_table *t, struct wd_buf *out)
{
    int rc;
    if (a->event_mode) {
        *t = a->ev;
    } else {
        if ((rc = wd_agg_stage_finish(a->stage0, &a->lim, &a->arena, t)))
            return rc;
        t->ncell = a->ncols0;
    }
    t->ncols = a->ncols0;
    t->names = a->names0;
    t->idx = a->idx0;
    for (uint32_t i = 0; i < a->nops; i++) {
        const struct op *o = &a->ops[i];
        switch (o->kind) {
        case OP_SORT:
            if ((rc = wd_agg_sort_rows(t->rows, t->nrows, o->keys, o->nkeys)))
                return rc;
            break;
        case OP_HEAD:
            if (t->nrows > o->n)
                t->nrows = o->n;
            break;
        case OP_FIELDS:
            t->ncols = o->ncols;
            t->names = o->names;
            t->idx = o->idx;
            break;
        default: {
            if ((rc = run_stage(a, o->st, t)))
                return rc;
            t->ncell = t->ncols = o->ncols;
            t->names = o->names;
            t->idx = o->idx;
            break;
        }
        }
    }
    size_t len0 = out->len;
    rc = put_table(out, t);
    if (rc)
        out->len = len0;
    return rc;
}

int wd_agg_render(struct wd_agg *a, struct wd_buf *out)
{
    if (a->err)
        return a->err;
    if (a->rendered)
        return WD_EINVAL;
    a->rendered = true;
    struct wd_agg_table t = {0};
    int rc = render(a, &t, out);
    if (t.rows != a->ev.rows)
        free(t.rows);
    if (rc)
        a->err = rc;
    return rc;
}
