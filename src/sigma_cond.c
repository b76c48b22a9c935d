/*
 * sigma_cond.c: the Sigma condition language (rules specification, "condition"):
 * identifiers, and/or/not, parentheses, `1 of`/`all of`/`N of` a pattern with `*`
 * wildcards or `them` (every identifier not starting with `_`). Precedence, loosest to
 * tightest: or, and, not, x of, parentheses. Keywords are case-insensitive. The Sigma 1.x
 * aggregation (`| count() ...`) and `near` are refused as unsupported.
 */
#include "sigma_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct cp {
    struct wd_sigma *s;
    const char *p;
    const char *msg;
    int depth;
};

struct sg_node *wd_sg_node_new(struct wd_sigma *s, uint8_t kind)
{
    struct sg_node *n = wd_xcalloc(1, sizeof(*n));
    n->kind = kind;
    if (s->nnodes == s->capnodes) {
        s->capnodes = s->capnodes ? s->capnodes * 2 : 16;
        s->nodes = wd_xrealloc(s->nodes, s->capnodes * sizeof(*s->nodes));
    }
    s->nodes[s->nnodes++] = n;
    return n;
}

void wd_sg_node_add(struct sg_node *n, struct sg_node *kid)
{
    n->kid = wd_xrealloc(n->kid, (n->n + 1) * sizeof(*n->kid));
    n->kid[n->n++] = kid;
}

static void skip_ws(struct cp *c)
{
    while (*c->p && isspace((unsigned char)*c->p))
        c->p++;
}

/* The next word (identifier characters, wildcards) without consuming it. */
static size_t word_len(const char *p)
{
    size_t n = 0;
    while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '*' || p[n] == '-' ||
                    p[n] == '.' || p[n] == '?'))
        n++;
    return n;
}

static bool is_kw(const char *p, size_t n, const char *kw)
{
    return n == strlen(kw) && strncasecmp(p, kw, n) == 0;
}

/* Glob of an `x of` pattern against an identifier (only `*` is special). */
static bool glob(const char *pat, size_t plen, const char *s)
{
    size_t sl = strlen(s), pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < sl) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < plen && pat[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

static struct sg_node *ident(struct cp *c, const char *p, size_t n)
{
    for (uint32_t i = 0; i < c->s->nids; i++)
        if (strlen(c->s->ids[i].name) == n && memcmp(c->s->ids[i].name, p, n) == 0) {
            struct sg_node *x = wd_sg_node_new(c->s, SN_IDENT);
            x->id = &c->s->ids[i];
            return x;
        }
    c->msg = "condition names an undefined search identifier";
    return NULL;
}

static struct sg_node *expr(struct cp *c);

static struct sg_node *quant(struct cp *c, uint32_t need, bool all)
{
    skip_ws(c);
    size_t n = word_len(c->p);
    if (!n) {
        c->msg = "expected an identifier pattern or 'them' after 'of'";
        return NULL;
    }
    const char *pat = c->p;
    c->p += n;
    bool them = is_kw(pat, n, "them");
    struct sg_node *x = wd_sg_node_new(c->s, SN_OF);
    for (uint32_t i = 0; i < c->s->nids; i++) {
        const char *name = c->s->ids[i].name;
        if (them ? name[0] == '_' : !glob(pat, n, name))
            continue;
        struct sg_node *k = wd_sg_node_new(c->s, SN_IDENT);
        k->id = &c->s->ids[i];
        wd_sg_node_add(x, k);
    }
    if (!x->n) {
        c->msg = "'of' pattern matches no search identifier";
        return NULL;
    }
    x->need = all ? x->n : need;
    return x;
}

static struct sg_node *primary(struct cp *c)
{
    skip_ws(c);
    if (*c->p == '(') {
        c->p++;
        if (++c->depth > 64) {
            c->msg = "condition nested too deeply";
            return NULL;
        }
        struct sg_node *x = expr(c);
        c->depth--;
        if (!x)
            return NULL;
        skip_ws(c);
        if (*c->p != ')') {
            c->msg = "expected ')'";
            return NULL;
        }
        c->p++;
        return x;
    }
    size_t n = word_len(c->p);
    if (!n) {
        c->msg = *c->p == '|' ? "unsupported: Sigma 1 aggregation in the condition (use a "
                                "correlation rule)"
                              : "expected an identifier, 'not', 'x of' or '('";
        return NULL;
    }
    const char *w = c->p;
    c->p += n;
    bool all = is_kw(w, n, "all");
    bool num = true;
    for (size_t i = 0; i < n; i++)
        num &= isdigit((unsigned char)w[i]) != 0;
    if (all || num) {
        const char *save = c->p;
        skip_ws(c);
        size_t m = word_len(c->p);
        if (is_kw(c->p, m, "of")) {
            c->p += m;
            uint32_t need = num ? (uint32_t)strtoul(w, NULL, 10) : 0;
            if (num && need == 0) {
                c->msg = "'0 of' is not a condition";
                return NULL;
            }
            return quant(c, need, all);
        }
        c->p = save;
    }
    return ident(c, w, n);
}

static struct sg_node *unary(struct cp *c)
{
    skip_ws(c);
    size_t n = word_len(c->p);
    if (is_kw(c->p, n, "not")) {
        c->p += n;
        if (++c->depth > 64) {
            c->msg = "condition nested too deeply";
            return NULL;
        }
        struct sg_node *k = unary(c);
        c->depth--;
        if (!k)
            return NULL;
        struct sg_node *x = wd_sg_node_new(c->s, SN_NOT);
        wd_sg_node_add(x, k);
        return x;
    }
    return primary(c);
}

static struct sg_node *binary(struct cp *c, const char *op, uint8_t kind,
                              struct sg_node *(*sub)(struct cp *))
{
    struct sg_node *l = sub(c);
    if (!l)
        return NULL;
    struct sg_node *x = NULL;
    for (;;) {
        skip_ws(c);
        size_t n = word_len(c->p);
        if (!is_kw(c->p, n, op))
            break;
        c->p += n;
        struct sg_node *r = sub(c);
        if (!r)
            return NULL;
        if (!x) {
            x = wd_sg_node_new(c->s, kind);
            wd_sg_node_add(x, l);
        }
        wd_sg_node_add(x, r);
    }
    return x ? x : l;
}

static struct sg_node *and_expr(struct cp *c)
{
    return binary(c, "and", SN_AND, unary);
}

static struct sg_node *expr(struct cp *c)
{
    return binary(c, "or", SN_OR, and_expr);
}

struct sg_node *wd_sg_cond_parse(struct wd_sigma *s, const char *text, const char **msg)
{
    struct cp c = {.s = s, .p = text};
    struct sg_node *x = expr(&c);
    if (x) {
        skip_ws(&c);
        if (*c.p) {
            size_t n = word_len(c.p);
            c.msg = *c.p == '|' ? "unsupported: Sigma 1 aggregation in the condition (use a "
                                  "correlation rule)"
                    : is_kw(c.p, n, "near") ? "unsupported: Sigma 1 'near' in the condition"
                                            : "unexpected text after the condition";
            x = NULL;
        }
    }
    if (!x)
        *msg = c.msg ? c.msg : "bad condition";
    return x;
}
