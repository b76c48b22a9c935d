/*
 * query_jv.c: the brute-force evaluator over a decoded event (wd_query_match_jv), which
 * is the reference the store's columnar evaluator is tested against, and the debugging
 * S-expression dump (wd_query_dump).
 *
 * An event is flattened into (path, value) pairs: a path is the dotted join of object
 * keys; array elements (also nested arrays, and the members of objects inside arrays)
 * are values of the array's own path; null is not a value and objects are not values.
 */
#include "query_int.h"

#include "jv.h"

static inline __attribute__((always_inline)) void add_val(struct wd_qflat *f, uint32_t path,
                                                          const struct wd_jv *j)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct wd_qflat_val *g = realloc(f->v, cap * sizeof(*g));
        if (!g) {
            f->oom = true;
            return;
        }
        f->v = g;
        f->cap = cap;
    }
    struct wd_qflat_val *e = &f->v[f->n];
    if (path == WD_QPATH_ROOT) {
        *e = (struct wd_qflat_val){.path_id = WD_QPATH_ROOT, .path_hash = f->pt.root_hash};
    } else {
        const struct wd_qpath *q = &f->pt.p[path];
        *e = (struct wd_qflat_val){
            .path_off = q->off, .path_len = q->len, .path_id = path, .path_hash = q->hash};
    }
    switch (j->type) {
    case WD_JV_TRUE:
    case WD_JV_FALSE:
        e->v.type = WD_QV_BOOL;
        e->v.b = j->type == WD_JV_TRUE;
        e->v.s = e->v.b ? WD_STR("true") : WD_STR("false");
        break;
    case WD_JV_STR:
        e->v.type = WD_QV_STR;
        e->v.s = j->u.s;
        break;
    case WD_JV_INT:
    case WD_JV_FLOAT:
        e->v.type = j->type == WD_JV_INT ? WD_QV_INT : WD_QV_FLOAT;
        if (j->type == WD_JV_INT)
            e->v.i = j->u.i;
        else
            e->v.f = j->u.f;
        if (j->raw.len) {
            e->v.s = j->raw;
        } else {
            char buf[40];
            size_t n;
            if (j->type == WD_JV_INT) {
                n = wd_fmt_i64(j->u.i, buf);
            } else {
                int r = wd_jv_fmt_double(j->u.f, buf, sizeof(buf));
                n = r > 0 ? (size_t)r : 0;
            }
            e->text_off = (uint32_t)f->text.len;
            e->text_own = true;
            e->v.s.len = n;
            if (wd_buf_append(&f->text, buf, n) != WD_OK)
                f->oom = true;
        }
        break;
    default:
        return;
    }
    f->n++;
}

/* The values under j, at path id `path` (WD_QPATH_ROOT: the event itself). */
static void walk(struct wd_qflat *f, const struct wd_jv *j, uint32_t path)
{
    if (f->oom)
        return;
    if (j->type == WD_JV_OBJ) {
        uint32_t idx = 0;
        for (const struct wd_jv *k = j->u.kids.head; k; k = k->next, idx++) {
            if (k->type == WD_JV_NULL)
                continue;
            uint32_t id = wd_qpaths_member(&f->pt, path, idx, k->key);
            if (id == UINT32_MAX) {
                f->oom = true;
                return;
            }
            if (k->type == WD_JV_OBJ || k->type == WD_JV_ARR)
                walk(f, k, id);
            else /* a scalar member: no call */
                add_val(f, id, k);
        }
    } else if (j->type == WD_JV_ARR) {
        for (const struct wd_jv *k = j->u.kids.head; k; k = k->next)
            walk(f, k, path);
    } else if (j->type != WD_JV_NULL) {
        add_val(f, path, j);
    }
}

/* Indexes the values by path so a fielded leaf looks only at its own values. */
static void index_paths(struct wd_qflat *f)
{
    uint32_t want = 64;
    while (want < f->n * 2)
        want *= 2;
    /* kept when somewhat smaller: events alternate in size */
    if (want > f->nslots || want * 8 < f->nslots) {
        free(f->slot);
        f->slot = malloc(want * sizeof(*f->slot));
        f->nslots = f->slot ? want : 0;
        if (!f->slot) {
            f->oom = true;
            return;
        }
    }
    memset(f->slot, 0, f->nslots * sizeof(*f->slot));
    for (size_t i = f->n; i-- > 0;) { /* chains in value order */
        struct wd_qflat_val *e = &f->v[i];
        uint32_t s = (uint32_t)e->path_hash & (f->nslots - 1);
        e->next = f->slot[s];
        f->slot[s] = (uint32_t)i + 1;
    }
}

/* The next value at exactly l's path through the path index (f->nslots > 0), after chain
 * position *k (0: from the start); NULL when there is no more. */
static const struct wd_qflat_val *next_at(const struct wd_qflat *f, const struct wd_qleaf *l,
                                          uint32_t *k)
{
    uint32_t i = *k ? f->v[*k - 1].next : f->slot[(uint32_t)l->field_hash & (f->nslots - 1)];
    for (; i; i = f->v[i - 1].next) {
        const struct wd_qflat_val *e = &f->v[i - 1];
        if (e->path_hash == l->field_hash && e->path_len == l->field_len &&
            wd_bytes_eq(f->pt.text.p + e->path_off, l->field, l->field_len)) {
            *k = i;
            return e;
        }
    }
    return NULL;
}

/* _exists_:field / field:* : a value at the path itself (one probe of the path index),
 * else one under it (field + '.' + ...), which needs the scan. */
static bool leaf_exists(const struct wd_qleaf *l, const struct wd_qflat *f)
{
    if (!l->field)
        return f->n > 0;
    if (!f->nslots) { /* no path index: the scan looks for the exact path too */
        for (size_t i = 0; i < f->n; i++)
            if (wd_qleaf_covers(l, f->pt.text.p + f->v[i].path_off, f->v[i].path_len))
                return true;
        return false;
    }
    uint32_t k = 0;
    if (next_at(f, l, &k))
        return true;
    /* under it: a longer path with a '.' right after the field (checked first: cheap) */
    size_t n = l->field_len;
    for (size_t i = 0; i < f->n; i++) {
        const struct wd_qflat_val *e = &f->v[i];
        const char *path = f->pt.text.p + e->path_off;
        if (e->path_len > n && path[n] == '.' && memcmp(path, l->field, n) == 0)
            return true;
    }
    return false;
}

static bool val_match(const struct wd_qleaf *l, const struct wd_qflat *f,
                      const struct wd_qflat_val *e)
{
    struct wd_qval v = e->v;
    if (e->text_own)
        v.s.p = f->text.p + e->text_off;
    return wd_qleaf_match(l, f->pt.text.p + e->path_off, e->path_len, &v);
}

/* Whether a value at the leaf's path (any path for a bare term) matches it. */
static bool leaf_any(const struct wd_qleaf *l, const struct wd_qflat *f)
{
    if (l->op == WD_QOP_EXISTS)
        return leaf_exists(l, f);
    if (l->field && f->nslots) {
        uint32_t k = 0;
        for (const struct wd_qflat_val *e; (e = next_at(f, l, &k));)
            if (val_match(l, f, e))
                return true;
        return false;
    }
    for (size_t i = 0; i < f->n; i++) {
        const struct wd_qflat_val *e = &f->v[i];
        if (l->field && (e->path_len != l->field_len ||
                         memcmp(f->pt.text.p + e->path_off, l->field, l->field_len) != 0))
            continue;
        if (val_match(l, f, e))
            return true;
    }
    return false;
}

static bool eval(const struct wd_qnode *n, const struct wd_qflat *f)
{
    switch (n->kind) {
    case WD_QN_LEAF:
        return leaf_any(&n->leaf, f);
    case WD_QN_ALL:
        return true;
    case WD_QN_NONE:
        return false;
    default:
        break;
    }
    for (uint32_t i = 0; i < n->nmust; i++)
        if (!eval(n->must[i], f))
            return false;
    for (uint32_t i = 0; i < n->nmust_not; i++)
        if (eval(n->must_not[i], f))
            return false;
    if (!n->should_required)
        return true;
    for (uint32_t i = 0; i < n->nshould; i++)
        if (eval(n->should[i], f))
            return true;
    return false;
}

void wd_qflat_init(struct wd_qflat *f)
{
    memset(f, 0, sizeof(*f));
    wd_buf_init(&f->text, 0);
    wd_buf_init(&f->pt.text, 0);
    wd_buf_init(&f->pt.scratch, 0);
}

int wd_qflat_build(struct wd_qflat *f, const struct wd_jv *event)
{
    f->n = 0;
    f->text.len = 0;
    f->oom = false;
    wd_qpaths_trim(&f->pt);
    f->pt.root_hash = wd_hash64("", 0, WD_QFLAT_PATH_SEED);
    walk(f, event, WD_QPATH_ROOT);
    if (!f->oom)
        index_paths(f);
    return f->oom ? WD_ENOMEM : WD_OK;
}

void wd_qflat_fini(struct wd_qflat *f)
{
    free(f->v);
    free(f->slot);
    wd_buf_fini(&f->text);
    wd_qpaths_fini(&f->pt);
    memset(f, 0, sizeof(*f));
}

bool wd_qnode_match_flat(const struct wd_qnode *n, const struct wd_qflat *f)
{
    return !f->oom && eval(n, f);
}

bool wd_qnode_match_jv(const struct wd_qnode *n, const struct wd_jv *event)
{
    struct wd_qflat f;
    wd_qflat_init(&f);
    bool ok = wd_qflat_build(&f, event) == WD_OK && eval(n, &f);
    wd_qflat_fini(&f);
    return ok;
}

bool wd_query_match_jv(const struct wd_query *q, const struct wd_jv *event)
{
    return wd_qnode_match_jv(q->root, event);
}

/* ---- dump ---- */

static int put(struct wd_buf *b, const char *s)
{
    return wd_buf_append(b, s, strlen(s));
}

static int dump_field(const struct wd_qleaf *l, struct wd_buf *b)
{
    int rc = put(b, " ");
    return rc ? rc : l->field ? wd_buf_append(b, l->field, l->field_len) : put(b, "*");
}

static int dump_str(struct wd_str s, struct wd_buf *b)
{
    int rc = put(b, " ");
    return rc ? rc : wd_jv_write_str(s.p, s.len, b);
}

static int dump_bound(const struct wd_qbound *x, struct wd_buf *b)
{
    if (x->open)
        return put(b, "*");
    return wd_jv_write_str(x->s.p, x->s.len, b);
}

int wd_qnode_dump(const struct wd_qnode *n, struct wd_buf *b)
{
    static const char *const ops[] = {"term", "phrase", "wildcard", "regex", "range", "exists"};
    int rc = WD_OK;
    if (n->kind == WD_QN_ALL)
        return put(b, "(all)");
    if (n->kind == WD_QN_NONE)
        return put(b, "(none)");
    if (n->kind == WD_QN_LEAF) {
        const struct wd_qleaf *l = &n->leaf;
        const struct wd_qleaf_priv *pv = l->priv;
        rc = wd_buf_printf(b, "(%s", ops[l->op < 6 ? l->op : 0]);
        if (!rc)
            rc = dump_field(l, b);
        switch (l->op) {
        case WD_QOP_WILDCARD:
            rc = rc ? rc : dump_str(pv->pat, b);
            break;
        case WD_QOP_REGEX:
            rc = rc ? rc : dump_str(pv->re_src, b);
            break;
        case WD_QOP_RANGE:
            rc = rc ? rc : put(b, pv->lo.incl ? " [" : " {");
            rc = rc ? rc : dump_bound(&pv->lo, b);
            rc = rc ? rc : put(b, " TO ");
            rc = rc ? rc : dump_bound(&pv->hi, b);
            rc = rc ? rc : put(b, pv->hi.incl ? "]" : "}");
            break;
        case WD_QOP_EXISTS:
            break;
        default:
            rc = rc ? rc : dump_str(l->text, b);
        }
        return rc ? rc : put(b, ")");
    }
    rc = put(b, "(bool");
    struct {
        const char *name;
        uint32_t n;
        struct wd_qnode *const *v;
    } lists[] = {{"must", n->nmust, n->must},
                 {"should", n->nshould, n->should},
                 {"not", n->nmust_not, n->must_not}};
    for (size_t k = 0; k < 3 && !rc; k++) {
        if (!lists[k].n)
            continue;
        rc = wd_buf_printf(b, " (%s", lists[k].name);
        for (uint32_t i = 0; i < lists[k].n && !rc; i++) {
            rc = put(b, " ");
            rc = rc ? rc : wd_qnode_dump(lists[k].v[i], b);
        }
        rc = rc ? rc : put(b, ")");
    }
    return rc ? rc : put(b, ")");
}

static int dump_aggs(const struct wd_pipe *pi, struct wd_buf *b)
{
    static const char *const fns[] = {"count", "dc", "sum", "avg", "min", "max", "pct"};
    int rc = WD_OK;
    for (uint32_t i = 0; i < pi->naggs && !rc; i++) {
        const struct wd_aggspec *a = &pi->aggs[i];
        if (a->fn == WD_AGG_PCT)
            rc = wd_buf_printf(b, " (p%g", a->pct);
        else
            rc = wd_buf_printf(b, " (%s", fns[a->fn < 7 ? a->fn : 0]);
        rc = rc ? rc : wd_buf_printf(b, " %s", a->field ? a->field : "-");
        rc = rc ? rc : dump_str((struct wd_str){a->name, strlen(a->name)}, b);
        rc = rc ? rc : put(b, ")");
    }
    if (!rc && pi->nby) {
        rc = put(b, " (by");
        for (uint32_t i = 0; i < pi->nby && !rc; i++)
            rc = wd_buf_printf(b, " %s", pi->by[i]);
        rc = rc ? rc : put(b, ")");
    }
    return rc;
}

static int dump_pipe(const struct wd_pipe *pi, struct wd_buf *b)
{
    int rc = WD_OK;
    switch (pi->kind) {
    case WD_PIPE_STATS:
        rc = put(b, "(stats");
        rc = rc ? rc : dump_aggs(pi, b);
        break;
    case WD_PIPE_TIMECHART:
        rc = wd_buf_printf(b, "(timechart %llds", (long long)(pi->span_us / 1000000));
        rc = rc ? rc : dump_aggs(pi, b);
        break;
    case WD_PIPE_TOP:
        rc = wd_buf_printf(b, "(top %u %s", pi->n, pi->field);
        break;
    case WD_PIPE_HEAD:
        rc = wd_buf_printf(b, "(head %u", pi->n);
        break;
    case WD_PIPE_SORT:
        rc = put(b, "(sort");
        for (uint32_t i = 0; i < pi->nkeys && !rc; i++)
            rc = wd_buf_printf(b, " %s%s", pi->keys[i].desc ? "-" : "", pi->keys[i].name);
        break;
    case WD_PIPE_FIELDS:
        rc = put(b, "(fields");
        for (uint32_t i = 0; i < pi->nfields && !rc; i++)
            rc = wd_buf_printf(b, " %s", pi->fields[i]);
        break;
    default:
        rc = put(b, "(?");
    }
    return rc ? rc : put(b, ")");
}

int wd_query_dump(const struct wd_query *q, struct wd_buf *out)
{
    int rc = wd_qnode_dump(q->root, out);
    for (uint32_t i = 0; i < q->npipes && !rc; i++) {
        rc = put(out, " | ");
        rc = rc ? rc : dump_pipe(&q->pipes[i], out);
    }
    return rc;
}
