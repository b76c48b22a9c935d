/*
 * stub_query_agg.c: TEMPORARY minimal query language and pipes so the store can be
 * built and tested before the real parser (query_*.c) and executor (agg.c) merge.
 * Supports `*`, `field:value` (exact; summary by lower-cased word) and bare words.
 */
#include <ctype.h>

#include "agg.h"
#include "jv.h"
#include "query.h"

enum wd_ftype wd_qfield_type(const char *path, size_t len)
{
    if (len == 7 && !memcmp(path, "summary", 7))
        return WD_FT_TEXT;
    return WD_FT_KEYWORD;
}

const char *wd_qfield_alias(const char *name, size_t len)
{
    WD_UNUSED(name);
    WD_UNUSED(len);
    return NULL;
}

static void words(const char *p, size_t n, wd_qkey_cb cb, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !isalnum((unsigned char)p[i]))
            i++;
        size_t s = i;
        char w[256];
        size_t k = 0;
        while (i < n && isalnum((unsigned char)p[i])) {
            if (k < sizeof(w))
                w[k++] = (char)tolower((unsigned char)p[i]);
            i++;
        }
        if (i > s)
            cb(ctx, w, k);
    }
}

void wd_qindex_keys(enum wd_ftype t, const struct wd_qval *v, wd_qkey_cb cb, void *ctx)
{
    if (t == WD_FT_TEXT)
        words(v->s.p, v->s.len, cb, ctx);
    else if (v->s.len <= WD_QINDEX_MAX_KEY)
        cb(ctx, v->s.p, v->s.len);
}

int wd_qleaf_keys(const struct wd_qleaf *l, enum wd_ftype t, wd_qkey_cb cb, void *ctx)
{
    if (l->op != WD_QOP_TERM)
        return WD_QKEYS_NONE;
    wd_qindex_keys(t, &(struct wd_qval){.type = WD_QV_STR, .s = l->text}, cb, ctx);
    return WD_QKEYS_ANY;
}

struct has {
    struct wd_str want;
    bool found;
};

static void on_has(void *ctx, const char *k, size_t n)
{
    struct has *h = ctx;
    if (n == h->want.len && !memcmp(k, h->want.p, n))
        h->found = true;
}

bool wd_qleaf_match(const struct wd_qleaf *l, const char *path, size_t path_len,
                    const struct wd_qval *v)
{
    if (l->op == WD_QOP_EXISTS)
        return true;
    if (wd_qfield_type(path, path_len) == WD_FT_TEXT) {
        char w[256];
        size_t n = WD_MIN(l->text.len, sizeof(w));
        for (size_t i = 0; i < n; i++)
            w[i] = (char)tolower((unsigned char)l->text.p[i]);
        struct has h = {{w, n}, false};
        words(v->s.p, v->s.len, on_has, &h);
        return h.found;
    }
    return v->s.len == l->text.len && !memcmp(v->s.p, l->text.p, v->s.len);
}

bool wd_qleaf_covers(const struct wd_qleaf *l, const char *path, size_t path_len)
{
    return l->field && path_len >= l->field_len && !memcmp(path, l->field, l->field_len) &&
           (path_len == l->field_len || path[l->field_len] == '.');
}

int wd_query_parse(const char *text, size_t len, struct wd_query **out, struct wd_perr *err)
{
    struct wd_query *q = wd_xcalloc(1, sizeof(*q));
    wd_arena_init(&q->arena, 4096, 0);
    struct wd_qnode *n = wd_arena_alloc(&q->arena, sizeof(*n));
    memset(n, 0, sizeof(*n));
    while (len && text[len - 1] == ' ')
        len--;
    if (len == 1 && text[0] == '*') {
        n->kind = WD_QN_ALL;
    } else if (len == 0) {
        n->kind = WD_QN_NONE;
    } else {
        n->kind = WD_QN_LEAF;
        const char *colon = memchr(text, ':', len);
        if (colon) {
            n->leaf.field = wd_arena_strndup(&q->arena, text, (size_t)(colon - text));
            n->leaf.field_len = (size_t)(colon - text);
            n->leaf.ftype = (uint8_t)wd_qfield_type(n->leaf.field, n->leaf.field_len);
            text = colon + 1;
            len -= n->leaf.field_len + 1;
        }
        if (len == 0) {
            *err = (struct wd_perr){WD_EPARSE, 0,
                                    "expected a value after ':'"};
            wd_query_free(q);
            return WD_EPARSE;
        }
        n->leaf.op = len == 1 && text[0] == '*' ? WD_QOP_EXISTS : WD_QOP_TERM;
        n->leaf.text = (struct wd_str){wd_arena_strndup(&q->arena, text, len), len};
    }
    q->root = n;
    *out = q;
    return WD_OK;
}

void wd_query_free(struct wd_query *q)
{
    if (!q)
        return;
    wd_arena_fini(&q->arena);
    free(q);
}

static bool match_vals(const struct wd_qleaf *l, const struct wd_jv *v, struct wd_buf *path)
{
    if (v->type == WD_JV_OBJ) {
        size_t base = path->len;
        for (const struct wd_jv *m = v->u.kids.head; m; m = m->next) {
            path->len = base;
            if (base)
                wd_buf_putc(path, '.');
            wd_buf_append(path, m->key.p, m->key.len);
            if (match_vals(l, m, path))
                return true;
        }
        path->len = base;
        return false;
    }
    if (v->type == WD_JV_ARR) {
        for (const struct wd_jv *e = v->u.kids.head; e; e = e->next)
            if (match_vals(l, e, path))
                return true;
        return false;
    }
    if (v->type == WD_JV_NULL)
        return false;
    if (l->field && (path->len != l->field_len || memcmp(path->p, l->field, path->len)))
        return l->op == WD_QOP_EXISTS && wd_qleaf_covers(l, path->p, path->len);
    struct wd_qval q = {.type = WD_QV_STR};
    if (v->type == WD_JV_STR)
        q.s = v->u.s;
    else if (v->type == WD_JV_TRUE)
        q.s = WD_STR("true");
    else if (v->type == WD_JV_FALSE)
        q.s = WD_STR("false");
    else
        q.s = v->raw;
    return wd_qleaf_match(l, path->p, path->len, &q);
}

bool wd_qnode_match_jv(const struct wd_qnode *n, const struct wd_jv *event)
{
    if (n->kind == WD_QN_ALL)
        return true;
    if (n->kind != WD_QN_LEAF)
        return false;
    struct wd_buf path;
    wd_buf_init(&path, 0);
    bool r = match_vals(&n->leaf, event, &path);
    wd_buf_fini(&path);
    return r;
}

bool wd_query_match_jv(const struct wd_query *q, const struct wd_jv *event)
{
    return wd_qnode_match_jv(q->root, event);
}

int wd_agg_new(const struct wd_query *q, struct wd_agg **out, struct wd_perr *err)
{
    WD_UNUSED(q);
    *out = NULL;
    *err = (struct wd_perr){WD_EINVAL, 0, "pipes are not available in this build"};
    return WD_EINVAL;
}

void wd_agg_free(struct wd_agg *a)
{
    WD_UNUSED(a);
}

uint32_t wd_agg_nfields(const struct wd_agg *a)
{
    WD_UNUSED(a);
    return 0;
}

const char *wd_agg_field(const struct wd_agg *a, uint32_t i)
{
    WD_UNUSED(a);
    WD_UNUSED(i);
    return "";
}

bool wd_agg_needs_time(const struct wd_agg *a)
{
    WD_UNUSED(a);
    return false;
}

int wd_agg_row(struct wd_agg *a, int64_t ts_us, const struct wd_qval *const *vals,
               const uint32_t *nvals, uint64_t weight)
{
    WD_UNUSED(a);
    WD_UNUSED(ts_us);
    WD_UNUSED(vals);
    WD_UNUSED(nvals);
    WD_UNUSED(weight);
    return WD_EINVAL;
}

int wd_agg_render(struct wd_agg *a, struct wd_buf *out)
{
    WD_UNUSED(a);
    WD_UNUSED(out);
    return WD_EINVAL;
}
