/*
 * sigma_lit.c: the necessary literals of a Sigma predicate for the prefilter (rule_pre.c).
 * N(x) is a set of lower-cased strings such that any event x accepts has a string value
 * containing one of them (or "unknown"). A string value test gives the longest run of
 * its pattern between wildcards; a field test is the union over its values (any one
 * unknown makes it unknown) or, with `all`, its best value; a map (AND) and `and` take
 * the most selective part; a list of maps, `or` and `x of` the union; `not`, regexes,
 * numbers compared as numbers, CIDR, null and exists give nothing. Keyword literals that
 * a number or boolean could contain are refused (the every-value database holds strings).
 */
#include "sigma_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LITS 8192

struct lset {
    char **v;
    char **f; /* per literal: the lower-cased field path, NULL = any field */
    uint32_t n;
    bool ok;
};

static void ls_free(struct lset *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        free(s->v[i]);
        free(s->f[i]);
    }
    free(s->v);
    free(s->f);
    memset(s, 0, sizeof(*s));
}

static char *lower(const char *p, size_t n)
{
    char *t = wd_xstrndup(p, n);
    for (size_t i = 0; i < n; i++)
        if (t[i] >= 'A' && t[i] <= 'Z')
            t[i] = (char)(t[i] + 32);
    return t;
}

static void ls_add(struct lset *s, const char *field, const char *p, size_t n)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == n && memcmp(s->v[i], p, n) == 0 && !s->f[i] == !field &&
            (!field || strcasecmp(s->f[i], field) == 0))
            return;
    s->v = wd_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->f = wd_xrealloc(s->f, (s->n + 1) * sizeof(*s->f));
    s->f[s->n] = field ? lower(field, strlen(field)) : NULL;
    s->v[s->n++] = lower(p, n);
}

/* Moves b into a (union). */
static void ls_union(struct lset *a, struct lset *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        ls_add(a, b->f[i], b->v[i], strlen(b->v[i]));
    ls_free(b);
    if (a->n > MAX_LITS) {
        ls_free(a);
        a->ok = false;
    }
}

/* Selectivity: the shortest literal decides (longer is rarer), then fewer literals. */
static size_t score(const struct lset *s)
{
    if (!s->ok)
        return 0;
    size_t m = SIZE_MAX;
    for (uint32_t i = 0; i < s->n; i++)
        m = WD_MIN(m, strlen(s->v[i]));
    if (m == SIZE_MAX)
        return SIZE_MAX; /* the empty set: never matches */
    return m * 1024 + (1024 - WD_MIN(s->n, 1023u));
}

/* Keeps the better of *best and *cand. */
static void pick(struct lset *best, struct lset *cand)
{
    if (score(cand) > score(best)) {
        ls_free(best);
        *best = *cand;
        memset(cand, 0, sizeof(*cand));
    } else {
        ls_free(cand);
    }
}

/* keyword (field-less) literals go to the prefilter's every-string-value database, which
 * does not see numbers and booleans: there a literal such a value could hold is refused.
 * Fielded literals are scanned against every value's text. */
static bool usable(const char *p, size_t n, bool keyword)
{
    if (n < 2)
        return false;
    bool numeric = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20) /* bytes >= 0x80 are fine: both sides fold ASCII only */
            return false;
        if (!strchr("0123456789.-+eE", c))
            numeric = false;
    }
    if (!keyword)
        return true;
    if (numeric)
        return false;
    static const char *const words[] = {"true", "false"};
    for (size_t i = 0; i < WD_ARRAY_LEN(words); i++)
        if (n <= strlen(words[i]) && memmem(words[i], strlen(words[i]), p, n))
            return false;
    return true;
}

static bool val_lit(const struct sg_val *v, const char *field, struct lset *out)
{
    if (v->kind != SV_STR || v->neq)
        return false;
    size_t best = 0, bs = 0, start = 0;
    for (size_t i = 0; i <= v->len; i++) {
        char c = i < v->len ? v->pat[i] : (char)SG_STAR;
        if (c == SG_STAR || c == SG_QMARK || c == SG_DASH) {
            size_t run = i - start;
            if (run > best && usable(v->pat + start, run, field == NULL)) {
                best = run;
                bs = start;
            }
            start = i + 1;
        }
    }
    if (!best)
        return false;
    ls_add(out, field, v->pat + bs, best);
    return true;
}

static struct lset field_lits(const struct sg_field *f)
{
    struct lset r = {0};
    if (f->all) {
        for (uint32_t i = 0; i < f->nv; i++) {
            struct lset c = {.ok = true};
            c.ok = val_lit(&f->v[i], f->path, &c);
            pick(&r, &c);
        }
        return r;
    }
    r.ok = true;
    for (uint32_t i = 0; i < f->nv && r.ok; i++)
        if (!val_lit(&f->v[i], f->path, &r))
            r.ok = false;
    if (!r.ok || r.n > MAX_LITS)
        ls_free(&r);
    return r;
}

static struct lset ident_lits(const struct sg_ident *id)
{
    struct lset r = {.ok = true};
    for (uint32_t i = 0; i < id->nm && r.ok; i++) {
        struct lset best = {0};
        for (uint32_t k = 0; k < id->m[i].nf; k++) {
            struct lset c = field_lits(&id->m[i].f[k]);
            pick(&best, &c);
        }
        if (!best.ok) {
            ls_free(&r);
            return r;
        }
        ls_union(&r, &best);
    }
    return r;
}

static struct lset pred_lits(const struct wd_sigma *s);

static struct lset node_lits(const struct sg_node *n)
{
    struct lset r = {0};
    switch (n->kind) {
    case SN_AND:
        for (uint32_t i = 0; i < n->n; i++) {
            struct lset c = node_lits(n->kid[i]);
            pick(&r, &c);
        }
        return r;
    case SN_OR:
    case SN_OF:
        if (n->kind == SN_OF && n->need == n->n && n->n > 1) {
            for (uint32_t i = 0; i < n->n; i++) {
                struct lset c = node_lits(n->kid[i]);
                pick(&r, &c);
            }
            return r;
        }
        r.ok = true;
        for (uint32_t i = 0; i < n->n && r.ok; i++) {
            struct lset c = node_lits(n->kid[i]);
            if (!c.ok) {
                ls_free(&r);
                return r;
            }
            ls_union(&r, &c);
        }
        return r;
    case SN_IDENT:
        return ident_lits(n->id);
    case SN_PRED:
        return pred_lits(n->sub);
    case SN_FALSE:
        r.ok = true;
        return r;
    default:
        return r;
    }
}

/* The detection's literals; the logsource's only when the detection has none, since a
 * logsource value (a channel name) occurs in every event of that source however long. */
static struct lset pred_lits(const struct wd_sigma *s)
{
    struct lset r = node_lits(s->cond);
    if (!r.ok && s->ls) {
        ls_free(&r);
        r = node_lits(s->ls);
    }
    return r;
}

void wd_sg_literals(struct wd_sigma *s)
{
    struct lset r = pred_lits(s);
    s->has_lits = r.ok;
    s->lits = r.v;
    s->lit_fields = r.f;
    s->nlits = r.n;
}
