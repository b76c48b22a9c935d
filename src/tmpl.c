/*
 * tmpl.c: compiles and renders alert summary templates (tmpl.h). Compilation splits the
 * text into literal pieces and substitutions with parsed arguments, so rendering is a
 * walk over a small array. Group-wide functions (distinct, dc, top) look at every event
 * or only at the samples, in event order, comparing values by their text (MozDef
 * compares JSON values; ward compares their Python text, which agrees for the scalar
 * values these alerts aggregate).
 */
#include "tmpl.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "jv.h"

enum elt_kind {
    E_LIT,
    E_COUNT,
    E_VALUE,
    E_FIELD,
    E_DISTINCT,
    E_DC,
    E_TOP,
    E_RDNS,
    E_CAPTURE,
    E_SS,
    E_TOPK,
    E_FIRST,
};

struct elt {
    uint8_t kind;
    char *text;       /* LIT: the text; others: the path (or CALC for SS) */
    char *deflt;      /* FIELD, CAPTURE: default when absent (NULL = empty) */
    char *fmt;        /* TOP, TOPK: per-entry format; DISTINCT: separator */
    char *more;       /* DISTINCT: appended when limit is reached */
    char *pre, *post; /* DISTINCT, FIRST: around the rendering when it is not empty */
    char *cond;       /* FIRST: only when this path has a value in the first event */
    char **paths;     /* FIRST: the paths tried in order */
    size_t npaths;
    uint32_t n;     /* TOP/TOPK: entries; DISTINCT: limit (0 = all) */
    uint32_t min;   /* TOP: only when at least this many distinct values */
    bool sorted;    /* DISTINCT */
    bool samples;   /* from=samples */
    bool internal;  /* RDNS; DISTINCT with rdns=internal */
    bool dups;      /* DISTINCT: keep repeated values, in order */
    bool truthy;    /* DISTINCT: skip "", 0, false, [] and {} (Python falsy values) */
    bool rdns;      /* DISTINCT: each value through reverse DNS, "ip (name)" */
    pcre2_code *re; /* CAPTURE; DISTINCT with re=: the first group (or match) of a search */
};

struct wd_tmpl {
    struct elt *e;
    size_t n;
};

static const struct {
    const char *name;
    uint8_t kind;
} fns[] = {
    {"distinct", E_DISTINCT}, {"dc", E_DC}, {"top", E_TOP},   {"rdns", E_RDNS},
    {"capture", E_CAPTURE},   {"ss", E_SS}, {"topk", E_TOPK}, {"first", E_FIRST},
};

/* ---- compile ---- */

#define MAX_ARGS 8

struct args {
    char *v[MAX_ARGS];
    size_t n;
};

static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

/* Splits the inside of {...} into words and quoted strings ("\"" and "\\" escapes). */
static int split(const char *p, size_t len, struct args *a, struct wd_perr *err, size_t base)
{
    size_t i = 0;
    a->n = 0;
    while (i < len) {
        if (p[i] == ' ' || p[i] == '\t') {
            i++;
            continue;
        }
        if (a->n == MAX_ARGS) {
            err->off = base + i;
            err->msg = "too many arguments";
            return WD_EPARSE;
        }
        struct wd_buf b;
        wd_buf_init(&b, 0);
        int rc = WD_OK;
        while (i < len && p[i] != ' ' && p[i] != '\t' && rc == WD_OK) {
            if (p[i] == '"') {
                size_t j = i + 1;
                while (j < len && p[j] != '"') {
                    if (p[j] == '\\' && j + 1 < len)
                        j++;
                    rc = rc ? rc : wd_buf_putc(&b, p[j]);
                    j++;
                }
                if (j >= len) {
                    wd_buf_fini(&b);
                    err->off = base + i;
                    err->msg = "unterminated string in template";
                    return WD_EPARSE;
                }
                i = j + 1;
            } else {
                rc = wd_buf_putc(&b, p[i++]);
            }
        }
        if (rc == WD_OK && !b.p)
            rc = wd_buf_putc(&b, '\0'), b.len = 0;
        if (rc) {
            wd_buf_fini(&b);
            return rc;
        }
        a->v[a->n++] = wd_buf_detach(&b, NULL);
    }
    return WD_OK;
}

static bool opt(const char *arg, const char *key, const char **val)
{
    size_t k = strlen(key);
    if (strncmp(arg, key, k) != 0 || arg[k] != '=')
        return false;
    *val = arg + k + 1;
    return true;
}

static int parse_uint(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 100000)
        return WD_EINVAL;
    *out = (uint32_t)v;
    return WD_OK;
}

/* Fills e from the function arguments a->v[1..]; takes ownership of what it keeps. */
static int build_fn(struct elt *e, struct args *a, struct wd_perr *err)
{
    const char *v;
    size_t need = e->kind == E_TOP || e->kind == E_CAPTURE ? 3 : e->kind == E_TOPK ? 3 : 2;
    if (a->n < need) {
        err->msg = "missing argument";
        return WD_EPARSE;
    }
    if (e->kind == E_TOPK) {
        if (parse_uint(a->v[1], &e->n)) {
            err->msg = "expected a number of entries";
            return WD_EPARSE;
        }
        e->fmt = a->v[2];
        a->v[2] = NULL;
        return WD_OK;
    }
    if (e->kind == E_FIRST) {
        e->paths = wd_xcalloc(a->n, sizeof(char *));
        for (size_t i = 1; i < a->n; i++) {
            const char *x = a->v[i];
            char **dst = opt(x, "if", &v)        ? &e->cond
                         : opt(x, "default", &v) ? &e->deflt
                         : opt(x, "pre", &v)     ? &e->pre
                         : opt(x, "post", &v)    ? &e->post
                                                 : NULL;
            if (dst) {
                free(*dst);
                *dst = wd_xstrdup(v);
            } else if (strchr(x, '=')) {
                err->msg = "unknown template option";
                return WD_EPARSE;
            } else {
                e->paths[e->npaths++] = a->v[i];
                a->v[i] = NULL;
            }
        }
        if (!e->npaths) {
            err->msg = "expected {first PATH [PATH...]}";
            return WD_EPARSE;
        }
        return WD_OK;
    }
    e->text = a->v[1];
    a->v[1] = NULL;
    size_t i = 2;
    if (e->kind == E_TOP) {
        if (parse_uint(a->v[2], &e->n) || a->n < 4) {
            err->msg = "expected {top PATH N FORMAT}";
            return WD_EPARSE;
        }
        e->fmt = a->v[3];
        a->v[3] = NULL;
        i = 4;
    } else if (e->kind == E_CAPTURE) {
        int ec;
        PCRE2_SIZE eo;
        e->re =
            pcre2_compile((PCRE2_SPTR)a->v[2], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
        if (!e->re) {
            err->msg = "invalid regular expression in {capture}";
            return WD_EPARSE;
        }
        if (a->n > 3) {
            e->deflt = a->v[3];
            a->v[3] = NULL;
        }
        return WD_OK;
    }
    for (; i < a->n; i++) {
        const char *x = a->v[i];
        if (e->kind == E_DISTINCT && strcmp(x, "sorted") == 0) {
            e->sorted = true;
        } else if (e->kind == E_RDNS && strcmp(x, "internal") == 0) {
            e->internal = true;
        } else if (opt(x, "from", &v) && e->kind != E_RDNS && e->kind != E_SS) {
            if (strcmp(v, "samples") != 0 && strcmp(v, "all") != 0) {
                err->msg = "from= must be samples or all";
                return WD_EPARSE;
            }
            e->samples = strcmp(v, "samples") == 0;
        } else if (e->kind == E_DISTINCT && opt(x, "limit", &v)) {
            if (parse_uint(v, &e->n)) {
                err->msg = "limit= expects a number";
                return WD_EPARSE;
            }
        } else if (e->kind == E_DISTINCT && opt(x, "sep", &v)) {
            free(e->fmt);
            e->fmt = wd_xstrdup(v);
        } else if (e->kind == E_DISTINCT && opt(x, "more", &v)) {
            free(e->more);
            e->more = wd_xstrdup(v);
        } else if (e->kind == E_DISTINCT && opt(x, "pre", &v)) {
            free(e->pre);
            e->pre = wd_xstrdup(v);
        } else if (e->kind == E_DISTINCT && opt(x, "post", &v)) {
            free(e->post);
            e->post = wd_xstrdup(v);
        } else if (e->kind == E_DISTINCT && strcmp(x, "dups") == 0) {
            e->dups = true;
        } else if (e->kind == E_DISTINCT && strcmp(x, "truthy") == 0) {
            e->truthy = true;
        } else if (e->kind == E_DISTINCT && strcmp(x, "rdns") == 0) {
            e->rdns = true;
        } else if (e->kind == E_DISTINCT && opt(x, "rdns", &v) && strcmp(v, "internal") == 0) {
            e->rdns = e->internal = true;
        } else if (e->kind == E_DISTINCT && opt(x, "re", &v) && !e->re) {
            int ec;
            PCRE2_SIZE eo;
            e->re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
            if (!e->re) {
                err->msg = "invalid regular expression in re=";
                return WD_EPARSE;
            }
        } else if (e->kind == E_TOP && opt(x, "min", &v)) {
            if (parse_uint(v, &e->min)) {
                err->msg = "min= expects a number";
                return WD_EPARSE;
            }
        } else {
            err->msg = "unknown template option";
            return WD_EPARSE;
        }
    }
    return WD_OK;
}

static void elt_fini(struct elt *e)
{
    free(e->text);
    free(e->deflt);
    free(e->fmt);
    free(e->more);
    free(e->pre);
    free(e->post);
    free(e->cond);
    for (size_t i = 0; i < e->npaths; i++)
        free(e->paths[i]);
    free(e->paths);
    if (e->re)
        pcre2_code_free(e->re);
}

/* One {...} body at text[start, end). */
static int compile_subst(const char *text, size_t start, size_t end, struct elt *e,
                         struct wd_perr *err)
{
    const char *p = text + start;
    size_t len = end - start;
    memset(e, 0, sizeof(*e));
    while (len && (*p == ' ')) {
        p++;
        len--;
        start++;
    }
    while (len && p[len - 1] == ' ')
        len--;
    if (!len) {
        err->off = start;
        err->msg = "empty substitution";
        return WD_EPARSE;
    }
    if (len == 5 && memcmp(p, "count", 5) == 0) {
        e->kind = E_COUNT;
        return WD_OK;
    }
    if ((len == 5 && memcmp(p, "value", 5) == 0) || (len == 3 && memcmp(p, "key", 3) == 0)) {
        e->kind = E_VALUE;
        return WD_OK;
    }
    if (!memchr(p, ' ', len)) {
        /* {path} or {path|default} */
        e->kind = E_FIELD;
        const char *bar = memchr(p, '|', len);
        size_t plen = bar ? (size_t)(bar - p) : len;
        e->text = wd_xstrndup(p, plen);
        if (bar)
            e->deflt = wd_xstrndup(bar + 1, len - plen - 1);
        return WD_OK;
    }
    struct args a;
    int rc = split(p, len, &a, err, start);
    if (!rc && !a.n) { /* only blanks (tabs) */
        err->off = start;
        err->msg = "empty substitution";
        rc = WD_EPARSE;
    }
    if (rc) {
        args_free(&a); /* the arguments split before the error */
        return rc;
    }
    e->kind = E_LIT;
    for (size_t i = 0; i < WD_ARRAY_LEN(fns); i++)
        if (strcmp(a.v[0], fns[i].name) == 0)
            e->kind = fns[i].kind;
    if (e->kind == E_LIT) {
        args_free(&a);
        err->off = start;
        err->msg = "unknown template function (expected distinct, dc, top, rdns, capture, ss, "
                   "topk or first)";
        return WD_EPARSE;
    }
    rc = build_fn(e, &a, err);
    if (rc)
        err->off = start;
    for (size_t i = 0; i < a.n; i++)
        free(a.v[i]);
    return rc;
}

static int push(struct wd_tmpl *t, size_t *cap, const struct elt *e)
{
    if (t->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        t->e = wd_xrealloc(t->e, *cap * sizeof(*t->e));
    }
    t->e[t->n++] = *e;
    return WD_OK;
}

int wd_tmpl_compile(const char *text, size_t len, struct wd_tmpl **out, struct wd_perr *err)
{
    struct wd_tmpl *t = wd_xcalloc(1, sizeof(*t));
    size_t cap = 0;
    struct wd_buf lit;
    wd_buf_init(&lit, 0);
    int rc = WD_OK;
    err->code = WD_OK;
    for (size_t i = 0; i < len && rc == WD_OK;) {
        char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < len && text[i + 1] == c) {
            rc = wd_buf_putc(&lit, c);
            i += 2;
            continue;
        }
        if (c == '}') {
            err->off = i;
            err->msg = "'}' without '{' (write }} for a literal brace)";
            rc = WD_EPARSE;
            break;
        }
        if (c != '{') {
            rc = wd_buf_putc(&lit, c);
            i++;
            continue;
        }
        /* find the closing brace, skipping quoted strings */
        size_t j = i + 1;
        bool q = false;
        for (; j < len; j++) {
            if (q && text[j] == '\\' && j + 1 < len)
                j++;
            else if (text[j] == '"')
                q = !q;
            else if (!q && text[j] == '}')
                break;
        }
        if (j >= len) {
            err->off = i;
            err->msg = "'{' without '}'";
            rc = WD_EPARSE;
            break;
        }
        if (lit.len) {
            struct elt l = {.kind = E_LIT, .text = wd_xstrndup(lit.p, lit.len)};
            push(t, &cap, &l);
            lit.len = 0;
        }
        struct elt e;
        rc = compile_subst(text, i + 1, j, &e, err);
        if (rc) {
            elt_fini(&e);
            break;
        }
        push(t, &cap, &e);
        i = j + 1;
    }
    if (rc == WD_OK && lit.len) {
        struct elt l = {.kind = E_LIT, .text = wd_xstrndup(lit.p, lit.len)};
        push(t, &cap, &l);
    }
    wd_buf_fini(&lit);
    if (rc) {
        err->code = rc;
        wd_tmpl_free(t);
        return rc;
    }
    *out = t;
    return WD_OK;
}

void wd_tmpl_free(struct wd_tmpl *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        elt_fini(&t->e[i]);
    free(t->e);
    free(t);
}

/* ---- render ---- */

/* Distinct values of `path` over the chosen events, with counts, in first-seen order. */
struct dval {
    char *text;
    uint64_t count;
    size_t first;
};

struct dset {
    struct dval *v;
    size_t n, cap;
};

static void dset_fini(struct dset *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].text);
    free(d->v);
}

static int dset_add(struct dset *d, const char *p, size_t len, bool dups)
{
    for (size_t i = 0; i < d->n && !dups; i++)
        if (strlen(d->v[i].text) == len && memcmp(d->v[i].text, p, len) == 0) {
            d->v[i].count++;
            return WD_OK;
        }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = wd_xrealloc(d->v, d->cap * sizeof(*d->v));
    }
    d->v[d->n] = (struct dval){wd_xstrndup(p, len), 1, d->n};
    d->n++;
    return WD_OK;
}

/* Python's falsy values: "", 0, 0.0, false, [] and {} (null never gets here). */
static bool falsy(const struct wd_jv *v)
{
    switch (v->type) {
    case WD_JV_FALSE:
        return true;
    case WD_JV_INT:
        return v->u.i == 0;
    case WD_JV_FLOAT:
        return v->u.f == 0;
    case WD_JV_STR:
        return v->u.s.len == 0;
    case WD_JV_ARR:
    case WD_JV_OBJ:
        return v->count == 0;
    default:
        return false;
    }
}

/* DISTINCT's per-value options: re= keeps the first group (or the match) of a search and
 * skips values it does not match; rdns turns an address into "ip (name)". False = skip. */
static bool transform(const struct elt *e, const struct wd_tmpl_ctx *c, struct wd_buf *b,
                      pcre2_match_data *md)
{
    if (e->re) {
        int n = pcre2_match(e->re, (PCRE2_SPTR)(b->p ? b->p : ""), b->len, 0, 0, md, NULL);
        if (n < 1)
            return false;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t g = n >= 2 && ov[2] != PCRE2_UNSET ? 1 : 0;
        size_t lo = ov[2 * g], hi = ov[2 * g + 1];
        if (hi > lo && b->p)
            memmove(b->p, b->p + lo, hi - lo);
        b->len = hi - lo;
    }
    if (e->rdns && c->rdns && b->p && b->len && b->len < 64) {
        char ip[64], name[256];
        memcpy(ip, b->p, b->len);
        ip[b->len] = '\0';
        if ((!e->internal || wd_ip_is_internal(ip)) &&
            c->rdns(c->rdns_arg, ip, name, sizeof(name)) == WD_OK) {
            b->len = 0;
            if (wd_buf_printf(b, "%s (%s)", ip, name) != WD_OK)
                return false;
        }
    }
    return true;
}

static int collect(const struct elt *e, const struct wd_tmpl_ctx *c, struct dset *d)
{
    size_t n = e->samples ? WD_MIN(c->nsamples, c->nevents) : c->nevents;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    pcre2_match_data *md = e->re ? pcre2_match_data_create_from_pattern(e->re, NULL) : NULL;
    if (e->re && !md)
        return WD_ENOMEM;
    int rc = WD_OK;
    for (size_t i = 0; i < n && rc == WD_OK; i++) {
        const struct wd_jv *v = wd_jv_path(c->events[i], e->text);
        if (!v || v->type == WD_JV_NULL || (e->truthy && falsy(v)))
            continue;
        b.len = 0;
        rc = wd_jv_text(v, &b);
        if (rc == WD_OK && transform(e, c, &b, md))
            rc = dset_add(d, b.p ? b.p : "", b.len, e->dups);
    }
    if (md)
        pcre2_match_data_free(md);
    wd_buf_fini(&b);
    return rc;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(((const struct dval *)a)->text, ((const struct dval *)b)->text);
}

/* mostCommon: count descending, ties by first appearance. */
static int cmp_common(const void *a, const void *b)
{
    const struct dval *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int put(struct wd_buf *o, const char *s)
{
    return s ? wd_buf_append(o, s, strlen(s)) : WD_OK;
}

/* Appends fmt with %v -> v and %n -> n (%% is a percent sign). */
static int put_fmt(struct wd_buf *o, const char *fmt, const char *v, uint64_t n)
{
    int rc = WD_OK;
    for (const char *p = fmt; *p && rc == WD_OK; p++) {
        if (p[0] == '%' && p[1] == 'v') {
            rc = put(o, v);
            p++;
        } else if (p[0] == '%' && p[1] == 'n') {
            rc = wd_buf_printf(o, "%llu", (unsigned long long)n);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            rc = wd_buf_putc(o, '%');
            p++;
        } else {
            rc = wd_buf_putc(o, *p);
        }
    }
    return rc;
}

static int render_group(const struct elt *e, const struct wd_tmpl_ctx *c, struct wd_buf *o)
{
    struct dset d = {0};
    int rc = collect(e, c, &d);
    if (rc == WD_OK && e->kind == E_DC) {
        rc = wd_buf_printf(o, "%zu", d.n);
    } else if (rc == WD_OK && e->kind == E_DISTINCT) {
        if (e->sorted && d.n > 1)
            qsort(d.v, d.n, sizeof(*d.v), cmp_text);
        size_t lim = e->n && e->n < d.n ? e->n : d.n;
        if (d.n)
            rc = put(o, e->pre);
        for (size_t i = 0; i < lim && rc == WD_OK; i++) {
            if (i)
                rc = put(o, e->fmt ? e->fmt : ", ");
            rc = rc ? rc : put(o, d.v[i].text);
        }
        if (rc == WD_OK && e->more && e->n && d.n >= e->n)
            rc = put(o, e->more);
        if (rc == WD_OK && d.n)
            rc = put(o, e->post);
    } else if (rc == WD_OK && e->kind == E_TOP && d.n >= e->min) {
        if (d.n > 1)
            qsort(d.v, d.n, sizeof(*d.v), cmp_common);
        for (size_t i = 0; i < d.n && i < e->n && rc == WD_OK; i++)
            rc = put_fmt(o, e->fmt, d.v[i].text, d.v[i].count);
    }
    dset_fini(&d);
    return rc;
}

/* The text of the first event's value at path into b; false when absent. */
static bool first_text(const struct wd_tmpl_ctx *c, const char *path, struct wd_buf *b)
{
    if (!c->nevents)
        return false;
    const struct wd_jv *v = wd_jv_path(c->events[0], path);
    if (!v || v->type == WD_JV_NULL)
        return false;
    b->len = 0;
    return wd_jv_text(v, b) == WD_OK && b->p;
}

/* {first P1 P2 ...}: the first path with a value in the first event. */
static int render_first(const struct elt *e, const struct wd_tmpl_ctx *c, struct wd_buf *o,
                        struct wd_buf *tmp)
{
    if (!e->cond || first_text(c, e->cond, tmp))
        for (size_t i = 0; i < e->npaths; i++)
            if (first_text(c, e->paths[i], tmp)) {
                int rc = put(o, e->pre);
                rc = rc ? rc : wd_buf_append(o, tmp->p, tmp->len);
                return rc ? rc : put(o, e->post);
            }
    return put(o, e->deflt);
}

int wd_ip_is_internal(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1) {
        static const struct {
            uint32_t net;
            int bits;
        } nets[] = {
            {0x0a000000u, 8},  {0x64400000u, 10}, {0xac100000u, 12}, {0xc0000000u, 24},
            {0xc0a80000u, 16}, {0xc6120000u, 15}, {0xef000000u, 8},  {0xa9fe0000u, 16},
        };
        uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
        for (size_t i = 0; i < WD_ARRAY_LEN(nets); i++)
            if ((x >> (32 - nets[i].bits)) == (nets[i].net >> (32 - nets[i].bits)))
                return 1;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, a) == 1)
        return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||
               (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
    return 0;
}

static int render_rdns(const struct elt *e, const struct wd_tmpl_ctx *c, struct wd_buf *o,
                       struct wd_buf *tmp)
{
    if (!first_text(c, e->text, tmp))
        return WD_OK;
    char ip[64], name[256];
    snprintf(ip, sizeof(ip), "%s", tmp->p);
    if ((e->internal && !wd_ip_is_internal(ip)) || !c->rdns ||
        c->rdns(c->rdns_arg, ip, name, sizeof(name)) != WD_OK)
        return put(o, ip);
    return wd_buf_printf(o, "%s (%s)", ip, name);
}

static int render_capture(const struct elt *e, const struct wd_tmpl_ctx *c, struct wd_buf *o,
                          struct wd_buf *tmp)
{
    int rc = WD_OK;
    bool done = false;
    if (first_text(c, e->text, tmp)) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(e->re, NULL);
        if (!md)
            return WD_ENOMEM;
        if (pcre2_match(e->re, (PCRE2_SPTR)tmp->p, tmp->len, 0, 0, md, NULL) >= 2) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[2] != PCRE2_UNSET) {
                rc = wd_buf_append(o, tmp->p + ov[2], ov[3] - ov[2]);
                done = true;
            }
        }
        pcre2_match_data_free(md);
    }
    return done ? rc : put(o, e->deflt);
}

int wd_tmpl_render(const struct wd_tmpl *t, const struct wd_tmpl_ctx *c, struct wd_buf *out)
{
    struct wd_buf tmp;
    wd_buf_init(&tmp, 0);
    int rc = WD_OK;
    for (size_t i = 0; i < t->n && rc == WD_OK; i++) {
        const struct elt *e = &t->e[i];
        switch (e->kind) {
        case E_LIT:
            rc = put(out, e->text);
            break;
        case E_COUNT:
            rc = wd_buf_printf(out, "%llu", (unsigned long long)c->count);
            break;
        case E_VALUE:
            rc = wd_buf_append(out, c->value.p, c->value.len);
            break;
        case E_FIELD:
            if (first_text(c, e->text, &tmp))
                rc = wd_buf_append(out, tmp.p, tmp.len);
            else
                rc = put(out, e->deflt);
            break;
        case E_DISTINCT:
        case E_DC:
        case E_TOP:
            rc = render_group(e, c, out);
            break;
        case E_RDNS:
            rc = render_rdns(e, c, out, &tmp);
            break;
        case E_CAPTURE:
            rc = render_capture(e, c, out, &tmp);
            break;
        case E_FIRST:
            rc = render_first(e, c, out, &tmp);
            break;
        case E_SS:
        case E_TOPK:
            if (c->ss_render && c->ss_result)
                rc =
                    c->ss_render(c->ss_result, e->kind == E_SS ? e->text : NULL, e->n, e->fmt, out);
            break;
        default:
            break;
        }
    }
    wd_buf_fini(&tmp);
    return rc;
}
