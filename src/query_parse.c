/*
 * query_parse.c: the lexer and parser of the search part of a query: Lucene's classic
 * query_string grammar (the token rules of QueryParser.jj, ES 6.8 behaviour, spec d.4):
 *
 *   query  := clause ( [AND|OR] [+|-|NOT] clause )*      (first clause: [+|-|NOT] clause)
 *   clause := [ (term | '*') ':' ] ( term-ish | '(' query ')' ) [ '^' number ]
 *
 * Clause occurrence follows Lucene's addClause() with the default operator OR: clauses
 * joined by nothing or OR are SHOULD, AND makes both neighbours MUST (unless the left one
 * is prohibited), NOT / - makes MUST_NOT, + makes MUST. Leaves are compiled here through
 * wd_qleaf_prepare(). Everything is allocated in the query's arena.
 */
#include "query_int.h"

#include "analyze.h"

#define MAX_DEPTH 64

enum tk {
    T_EOF,
    T_PIPE,
    T_AND,
    T_OR,
    T_NOT,
    T_PLUS,
    T_MINUS,
    T_LP,
    T_RP,
    T_COLON,
    T_CARAT,
    T_QUOTED,
    T_TERM,
    T_STAR,
    T_WILD,
    T_REGEX,
    T_RSTART,
    T_BAREOP,
    T_BAD,
};

struct tok {
    enum tk k;
    size_t off, end; /* raw text [off, end) */
};

struct ps {
    const char *s;
    size_t len;
    struct tok cur, nxt;
    bool has_nxt;
    struct wd_arena *a;
    struct wd_perr *err;
    int rc;
    int depth;
};

enum occ { O_SHOULD, O_MUST, O_MUST_NOT };

struct fctx {
    const char *name; /* canonical field, NULL = all fields */
    size_t len;
    bool exists; /* inside `_exists_:` */
};

/* Whether s[0..end) ends with what looks like an address: a dotted quad of digits, or hex
 * digits with at least two colons (escaped or not). Only picks the hint below. */
static bool ends_like_addr(const char *s, size_t end)
{
    size_t i = end, dots = 0, colons = 0;
    while (i > 0 && ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.'))
        dots += s[--i] == '.';
    if (dots == 3 && i < end && s[i] != '.' && (i == 0 || s[i - 1] == ':' || s[i - 1] == ' '))
        return true;
    for (i = end; i > 0; i--) {
        char c = s[i - 1], l = (char)(c | 0x20);
        if (c == ':')
            colons++;
        else if (!((c >= '0' && c <= '9') || (l >= 'a' && l <= 'f') || c == '\\'))
            break;
    }
    return colons >= 2;
}

static void *perr(struct ps *p, size_t off, const char *msg)
{
    if (p->rc == WD_OK) {
        p->rc = WD_EPARSE;
        p->err->code = WD_EPARSE;
        p->err->off = off;
        p->err->msg = msg;
    }
    return NULL;
}

static void *oom(struct ps *p)
{
    if (p->rc == WD_OK) {
        p->rc = WD_ENOMEM;
        p->err->code = WD_ENOMEM;
        p->err->off = 0;
        p->err->msg = "out of memory";
    }
    return NULL;
}

/* Whitespace per Lucene: space, \t, \n, \r, U+3000. Returns its byte length or 0. */
static size_t ws_len(const char *s, size_t len, size_t i)
{
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return 1;
    if (len - i >= 3 && memcmp(s + i, "\xe3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/* Characters that cannot start a term (besides whitespace); `-` and `+` may continue one. */
static bool term_stop(char c)
{
    return strchr("+-!():^[]\"{}~*?\\/", c) != NULL && c != '\0';
}

static bool lex(struct ps *p, size_t i, struct tok *t)
{
    const char *s = p->s;
    size_t len = p->len, w;
    while (i < len && (w = ws_len(s, len, i)) > 0)
        i += w;
    t->off = i;
    t->end = i + 1;
    if (i >= len) {
        t->k = T_EOF;
        t->end = i;
        return true;
    }
    char c = s[i];
    switch (c) {
    case '|':
        if (i + 1 < len && s[i + 1] == '|')
            break; /* `||` and terms starting with it */
        t->k = T_PIPE;
        return true;
    case '(':
        t->k = T_LP;
        return true;
    case ')':
        t->k = T_RP;
        return true;
    case ':':
        t->k = T_COLON;
        return true;
    case '^':
        t->k = T_CARAT;
        return true;
    case '[':
    case '{':
        t->k = T_RSTART;
        return true;
    case ']':
    case '}':
        t->k = T_BAD;
        return true;
    case '~':
        perr(p, i, "fuzzy and proximity searches are not supported");
        return false;
    case '+':
    case '-':
    case '!':
        if (i + 1 < len && ws_len(s, len, i + 1))
            t->k = T_BAREOP;
        else
            t->k = c == '+' ? T_PLUS : c == '-' ? T_MINUS : T_NOT;
        return true;
    case '"':
        for (size_t j = i + 1; j < len; j++) {
            if (s[j] == '\\') {
                j++;
                continue;
            }
            if (s[j] == '"') {
                t->k = T_QUOTED;
                t->end = j + 1;
                return true;
            }
        }
        perr(p, i, "unterminated phrase: expected '\"'");
        return false;
    case '/':
        for (size_t j = i + 1; j < len; j++) {
            if (s[j] == '\\') {
                j++;
                continue;
            }
            if (s[j] == '/') {
                t->k = T_REGEX;
                t->end = j + 1;
                return true;
            }
        }
        /* `10.0.0.0/8` unquoted: Lucene reads the slash as a regex (spec d.4); say how */
        if (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9' && ends_like_addr(s, i))
            perr(p, i,
                 "unterminated regular expression: expected '/' (quote a network, "
                 "field:\"10.0.0.0/8\", or escape its slash, field:10.0.0.0\\/8)");
        else
            perr(p, i, "unterminated regular expression: expected '/'");
        return false;
    default:
        break;
    }
    /* A term, wildcard term, `*`, or an operator word. */
    bool wild = false, esc = false;
    size_t j = i;
    while (j < len) {
        char d = s[j];
        if (ws_len(s, len, j))
            break;
        if (d == '\\') {
            if (j + 1 >= len) {
                perr(p, j, "expected a character after '\\'");
                return false;
            }
            esc = true;
            j += 1 + wd_utf8_next(s + j + 1, len - j - 1, &(uint32_t){0});
            continue;
        }
        if (d == '*' || d == '?') {
            wild = true;
            j++;
            continue;
        }
        if (term_stop(d) && !(j > i && (d == '-' || d == '+')))
            break;
        j++;
    }
    t->end = j;
    size_t n = j - i;
    t->k = wild ? T_WILD : T_TERM;
    if (!esc && !wild) {
        if ((n == 3 && memcmp(s + i, "AND", 3) == 0) || (n == 2 && memcmp(s + i, "&&", 2) == 0))
            t->k = T_AND;
        else if ((n == 2 && memcmp(s + i, "OR", 2) == 0) || (n == 2 && memcmp(s + i, "||", 2) == 0))
            t->k = T_OR;
        else if (n == 3 && memcmp(s + i, "NOT", 3) == 0)
            t->k = T_NOT;
    }
    if (n == 1 && s[i] == '*')
        t->k = T_STAR;
    return true;
}

static const struct tok *peek(struct ps *p)
{
    return &p->cur;
}

static const struct tok *peek2(struct ps *p)
{
    if (!p->has_nxt) {
        if (!lex(p, p->cur.end, &p->nxt)) {
            p->nxt.k = T_EOF;
            p->nxt.off = p->nxt.end = p->len;
        }
        p->has_nxt = true;
    }
    return &p->nxt;
}

static bool advance(struct ps *p)
{
    if (p->rc != WD_OK)
        return false;
    if (p->has_nxt) {
        p->cur = p->nxt;
        p->has_nxt = false;
        return p->rc == WD_OK;
    }
    return lex(p, p->cur.end, &p->cur);
}

/* Unescaped copy of s[off, end) (NUL-terminated, in the arena). */
static struct wd_str unescape(struct ps *p, size_t off, size_t end)
{
    struct wd_str r = {NULL, 0};
    char *o = wd_arena_alloc(p->a, end - off + 1);
    if (!o) {
        oom(p);
        return r;
    }
    size_t n = 0;
    for (size_t i = off; i < end; i++) {
        if (p->s[i] == '\\' && i + 1 < end)
            i++;
        o[n++] = p->s[i];
    }
    o[n] = '\0';
    r.p = o;
    r.len = n;
    return r;
}

static struct wd_qnode *new_node(struct ps *p, enum wd_qnode_kind k)
{
    struct wd_qnode *n = wd_arena_alloc(p->a, sizeof(*n));
    if (!n)
        return oom(p);
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)k;
    return n;
}

/* Resolves a field name as written: NULL name = all fields. */
static bool resolve_field(struct ps *p, struct wd_str name, size_t off, struct fctx *f)
{
    f->exists = false;
    f->name = NULL;
    f->len = 0;
    if (name.len == 1 && name.p[0] == '*')
        return true;
    if (wd_str_eq(name, "_exists_")) {
        f->exists = true;
        return true;
    }
    if (memchr(name.p, '*', name.len) || memchr(name.p, '?', name.len)) {
        perr(p, off, "field name wildcards are not supported");
        return false;
    }
    const char *al = wd_qfield_alias(name.p, name.len);
    f->name = al ? al : name.p; /* name.p is NUL-terminated in the arena */
    f->len = al ? strlen(al) : name.len;
    return true;
}

static struct wd_qnode *make_leaf(struct ps *p, const struct fctx *f, enum wd_qop op,
                                  struct wd_str text, size_t off, struct wd_qleaf_priv *pv)
{
    struct wd_qnode *n = new_node(p, WD_QN_LEAF);
    if (!n)
        return NULL;
    if (!pv) {
        pv = wd_arena_alloc(p->a, sizeof(*pv));
        if (!pv)
            return oom(p);
        memset(pv, 0, sizeof(*pv));
    }
    struct wd_qleaf *l = &n->leaf;
    l->op = (uint8_t)op;
    l->field = f->name;
    l->field_len = f->len;
    l->field_hash = f->name ? wd_hash64(f->name, f->len, WD_QFLAT_PATH_SEED) : 0;
    l->ftype = (uint8_t)(f->name ? wd_qfield_type(f->name, f->len) : WD_FT_KEYWORD);
    l->text = text;
    l->priv = pv;
    const char *msg = NULL;
    int rc = wd_qleaf_prepare(l, p->a, &msg);
    if (rc == WD_ENOMEM)
        return oom(p);
    if (rc != WD_OK)
        return perr(p, off, msg ? msg : "invalid operand");
    return n;
}

/* EXISTS on a field named by a term (`_exists_:name`). */
static struct wd_qnode *make_exists(struct ps *p, struct wd_str name, size_t off)
{
    struct fctx f;
    if (!resolve_field(p, name, off, &f))
        return NULL;
    if (f.exists || !f.name)
        return new_node(p, WD_QN_ALL);
    return make_leaf(p, &f, WD_QOP_EXISTS, (struct wd_str){"", 0}, off, NULL);
}

static struct wd_qleaf_priv *new_priv(struct ps *p)
{
    struct wd_qleaf_priv *pv = wd_arena_alloc(p->a, sizeof(*pv));
    if (!pv)
        return oom(p);
    memset(pv, 0, sizeof(*pv));
    return pv;
}

/* `>x`, `>=x`, `<x`, `<=x` as a term. */
static struct wd_qnode *make_cmp(struct ps *p, const struct fctx *f, const struct tok *t)
{
    size_t i = t->off;
    bool gt = p->s[i] == '>';
    i++;
    bool eq = i < t->end && p->s[i] == '=';
    if (eq)
        i++;
    if (i >= t->end)
        return perr(p, t->off, "expected a value after the comparison operator");
    struct wd_qleaf_priv *pv = new_priv(p);
    if (!pv)
        return NULL;
    struct wd_qbound *b = gt ? &pv->lo : &pv->hi, *o = gt ? &pv->hi : &pv->lo;
    b->s = unescape(p, i, t->end);
    if (!b->s.p)
        return NULL;
    b->incl = eq;
    o->open = true;
    o->incl = true;
    return make_leaf(p, f, WD_QOP_RANGE, (struct wd_str){"", 0}, t->off, pv);
}

/* Range bound at i: quoted or goop; fills b, returns the position after it. */
static bool range_bound(struct ps *p, size_t *ip, struct wd_qbound *b)
{
    size_t i = *ip, w;
    while (i < p->len && (w = ws_len(p->s, p->len, i)) > 0)
        i += w;
    if (i >= p->len || p->s[i] == ']' || p->s[i] == '}') {
        perr(p, i, "expected a range bound");
        return false;
    }
    if (p->s[i] == '"') {
        size_t j = i + 1;
        while (j < p->len && p->s[j] != '"')
            j += (p->s[j] == '\\' && j + 1 < p->len) ? 2 : 1;
        if (j >= p->len) {
            perr(p, i, "unterminated phrase: expected '\"'");
            return false;
        }
        b->s = unescape(p, i + 1, j);
        *ip = j + 1;
        return b->s.p != NULL;
    }
    size_t j = i;
    while (j < p->len && !ws_len(p->s, p->len, j) && p->s[j] != ']' && p->s[j] != '}')
        j++;
    if (j - i == 1 && p->s[i] == '*') {
        b->open = true;
        b->s.p = "";
    } else {
        b->s = unescape(p, i, j);
        if (!b->s.p)
            return false;
    }
    *ip = j;
    return true;
}

static struct wd_qnode *parse_range(struct ps *p, const struct fctx *f, const struct tok *t)
{
    struct wd_qleaf_priv *pv = new_priv(p);
    if (!pv)
        return NULL;
    size_t i = t->off + 1, w;
    pv->lo.incl = p->s[t->off] == '[';
    if (!range_bound(p, &i, &pv->lo))
        return NULL;
    while (i < p->len && (w = ws_len(p->s, p->len, i)) > 0)
        i += w;
    if (!(i + 2 <= p->len && memcmp(p->s + i, "TO", 2) == 0 &&
          (i + 2 == p->len || ws_len(p->s, p->len, i + 2) || strchr("\"]}", p->s[i + 2]))))
        return perr(p, i, "expected 'TO' in range");
    i += 2;
    if (!range_bound(p, &i, &pv->hi))
        return NULL;
    while (i < p->len && (w = ws_len(p->s, p->len, i)) > 0)
        i += w;
    if (i >= p->len || (p->s[i] != ']' && p->s[i] != '}'))
        return perr(p, i, "expected ']' or '}' to close the range");
    pv->hi.incl = p->s[i] == ']';
    /* Continue lexing after the closing bracket. */
    p->cur.end = i + 1;
    p->has_nxt = false;
    return make_leaf(p, f, WD_QOP_RANGE, (struct wd_str){"", 0}, t->off, pv);
}

/* Optional `^number` boost: accepted and ignored (filter context has no scores). */
static bool skip_boost(struct ps *p)
{
    if (peek(p)->k != T_CARAT)
        return true;
    size_t i = p->cur.off + 1, d = i;
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
        i++;
    if (i > d && i + 1 < p->len && p->s[i] == '.' && p->s[i + 1] >= '0' && p->s[i + 1] <= '9') {
        i++;
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
            i++;
    }
    if (i == d) {
        perr(p, p->cur.off, "expected a number after '^'");
        return false;
    }
    p->cur.end = i;
    p->has_nxt = false;
    return advance(p);
}

static struct wd_qnode *parse_term(struct ps *p, const struct fctx *f)
{
    struct tok t = *peek(p);
    struct wd_qnode *n = NULL;
    struct wd_qleaf_priv *pv;
    struct wd_str txt;
    switch (t.k) {
    case T_STAR:
        if (f->exists || !f->name)
            n = new_node(p, WD_QN_ALL);
        else
            n = make_leaf(p, f, WD_QOP_EXISTS, (struct wd_str){"", 0}, t.off, NULL);
        break;
    case T_TERM:
    case T_BAREOP:
        txt = unescape(p, t.off, t.k == T_BAREOP ? t.off + 1 : t.end);
        if (!txt.p)
            return NULL;
        if (f->exists)
            n = make_exists(p, txt, t.off);
        else if (t.k == T_TERM && (p->s[t.off] == '>' || p->s[t.off] == '<'))
            n = make_cmp(p, f, &t);
        else
            n = make_leaf(p, f, WD_QOP_TERM, txt, t.off, NULL);
        break;
    case T_QUOTED:
        txt = unescape(p, t.off + 1, t.end - 1);
        if (!txt.p)
            return NULL;
        n = f->exists ? make_exists(p, txt, t.off)
                      : make_leaf(p, f, WD_QOP_PHRASE, txt, t.off + 1, NULL);
        break;
    case T_WILD:
        if (f->exists)
            return perr(p, t.off, "field name wildcards are not supported");
        txt = unescape(p, t.off, t.end);
        pv = new_priv(p);
        if (!txt.p || !pv)
            return NULL;
        pv->pat.p = p->s + t.off;
        pv->pat.len = t.end - t.off;
        n = make_leaf(p, f, WD_QOP_WILDCARD, txt, t.off, pv);
        break;
    case T_REGEX:
        if (f->exists)
            return perr(p, t.off, "field name wildcards are not supported");
        pv = new_priv(p);
        if (!pv)
            return NULL;
        pv->re_src.p = wd_arena_strndup(p->a, p->s + t.off + 1, t.end - t.off - 2);
        pv->re_src.len = t.end - t.off - 2;
        if (!pv->re_src.p)
            return oom(p);
        n = make_leaf(p, f, WD_QOP_REGEX, pv->re_src, t.off, pv);
        break;
    case T_RSTART:
        if (f->exists)
            return perr(p, t.off, "expected a field name after '_exists_:'");
        n = parse_range(p, f, &t);
        break;
    default:
        return perr(p, t.off, "expected a term");
    }
    if (!n || !advance(p) || !skip_boost(p))
        return NULL;
    return n;
}

static struct wd_qnode *parse_query(struct ps *p, const struct fctx *f);

static struct wd_qnode *parse_clause(struct ps *p, const struct fctx *f)
{
    struct fctx sub = *f;
    const struct tok *t = peek(p);
    if ((t->k == T_TERM || t->k == T_STAR) && peek2(p)->k == T_COLON) {
        if (p->rc != WD_OK)
            return NULL;
        struct wd_str name = unescape(p, t->off, t->end);
        if (!name.p || !resolve_field(p, name, t->off, &sub))
            return NULL;
        if (!advance(p) || !advance(p))
            return NULL;
        t = peek(p);
        switch (t->k) {
        case T_TERM:
        case T_STAR:
        case T_WILD:
        case T_REGEX:
        case T_QUOTED:
        case T_RSTART:
        case T_LP:
        case T_BAREOP:
            break;
        default:
            return perr(p, t->off, "expected a value after ':'");
        }
    }
    if (p->rc != WD_OK)
        return NULL;
    if (t->k != T_LP)
        return parse_term(p, &sub);
    if (++p->depth > MAX_DEPTH)
        return perr(p, t->off, "query nested too deeply");
    if (!advance(p))
        return NULL;
    struct wd_qnode *n = parse_query(p, &sub);
    p->depth--;
    if (!n)
        return NULL;
    if (peek(p)->k != T_RP)
        return perr(p, peek(p)->off, "expected ')'");
    if (!advance(p) || !skip_boost(p))
        return NULL;
    return n;
}

struct clauses {
    struct wd_qnode **n;
    uint8_t *occ;
    uint32_t count, cap;
};

static bool push_clause(struct ps *p, struct clauses *c, struct wd_qnode *n, enum occ o)
{
    if (c->count == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 8;
        struct wd_qnode **nn = wd_arena_alloc(p->a, sizeof(*nn) * cap);
        uint8_t *no = wd_arena_alloc(p->a, cap);
        if (!nn || !no) {
            oom(p);
            return false;
        }
        if (c->count) {
            memcpy(nn, c->n, sizeof(*nn) * c->count);
            memcpy(no, c->occ, c->count);
        }
        c->n = nn;
        c->occ = no;
        c->cap = cap;
    }
    c->n[c->count] = n;
    c->occ[c->count] = (uint8_t)o;
    c->count++;
    return true;
}

static struct wd_qnode *build_bool(struct ps *p, const struct clauses *c)
{
    if (c->count == 1 && c->occ[0] != O_MUST_NOT)
        return c->n[0];
    struct wd_qnode *b = new_node(p, WD_QN_BOOL);
    if (!b)
        return NULL;
    uint32_t cnt[3] = {0, 0, 0};
    for (uint32_t i = 0; i < c->count; i++)
        cnt[c->occ[i]]++;
    b->should = wd_arena_alloc(p->a, sizeof(*b->should) * (cnt[O_SHOULD] + 1));
    b->must = wd_arena_alloc(p->a, sizeof(*b->must) * (cnt[O_MUST] + 1));
    b->must_not = wd_arena_alloc(p->a, sizeof(*b->must_not) * (cnt[O_MUST_NOT] + 1));
    if (!b->should || !b->must || !b->must_not)
        return oom(p);
    for (uint32_t i = 0; i < c->count; i++) {
        if (c->occ[i] == O_SHOULD)
            b->should[b->nshould++] = c->n[i];
        else if (c->occ[i] == O_MUST)
            b->must[b->nmust++] = c->n[i];
        else
            b->must_not[b->nmust_not++] = c->n[i];
    }
    /* ES 6 filter context (d.5): at least one should clause must match. */
    b->should_required = b->nshould > 0;
    return b;
}

static struct wd_qnode *parse_query(struct ps *p, const struct fctx *f)
{
    struct clauses c = {NULL, NULL, 0, 0};
    for (;;) {
        const struct tok *t = peek(p);
        if (t->k == T_EOF || t->k == T_PIPE || t->k == T_RP) {
            if (c.count == 0)
                return perr(p, t->off, "expected a term");
            break;
        }
        enum { C_NONE, C_AND, C_OR } conj = C_NONE;
        enum { M_NONE, M_REQ, M_NOT } mods = M_NONE;
        if (c.count > 0 && (t->k == T_AND || t->k == T_OR)) {
            conj = t->k == T_AND ? C_AND : C_OR;
            if (!advance(p))
                return NULL;
            t = peek(p);
        }
        if (t->k == T_PLUS || t->k == T_MINUS || t->k == T_NOT) {
            mods = t->k == T_PLUS ? M_REQ : M_NOT;
            if (!advance(p))
                return NULL;
        }
        struct wd_qnode *n = parse_clause(p, f);
        if (!n)
            return NULL;
        if (c.count > 0 && conj == C_AND && c.occ[c.count - 1] != O_MUST_NOT)
            c.occ[c.count - 1] = O_MUST;
        bool prohibited = mods == M_NOT;
        bool required = mods == M_REQ || (conj == C_AND && !prohibited);
        enum occ o = prohibited ? O_MUST_NOT : required ? O_MUST : O_SHOULD;
        if (!push_clause(p, &c, n, o))
            return NULL;
    }
    return build_bool(p, &c);
}

int wd_qparse_search(const char *text, size_t len, struct wd_arena *a, struct wd_qnode **out,
                     size_t *end, struct wd_perr *err)
{
    struct ps p;
    memset(&p, 0, sizeof(p));
    p.s = text;
    p.len = len;
    p.a = a;
    p.err = err;
    *out = NULL;
    if (!lex(&p, 0, &p.cur))
        return p.rc;
    if (p.cur.k == T_EOF || p.cur.k == T_PIPE) {
        *end = p.cur.off;
        *out = new_node(&p, WD_QN_NONE);
        return *out ? WD_OK : p.rc;
    }
    struct fctx all = {NULL, 0, false};
    struct wd_qnode *root = parse_query(&p, &all);
    if (!root)
        return p.rc ? p.rc : WD_EPARSE;
    if (peek(&p)->k == T_RP) {
        perr(&p, peek(&p)->off, "unbalanced ')'");
        return p.rc;
    }
    *end = peek(&p)->off;
    *out = root;
    return WD_OK;
}

int wd_query_parse(const char *text, size_t len, struct wd_query **out, struct wd_perr *err)
{
    struct wd_perr dummy;
    if (!err)
        err = &dummy;
    err->code = WD_OK;
    err->off = 0;
    err->msg = NULL;
    *out = NULL;
    struct wd_query *q = calloc(1, sizeof(*q));
    if (!q) {
        err->code = WD_ENOMEM;
        err->msg = "out of memory";
        return WD_ENOMEM;
    }
    wd_arena_init(&q->arena, 16 * 1024, 0);
    size_t end = len;
    int rc = wd_qparse_search(text, len, &q->arena, &q->root, &end, err);
    if (rc == WD_OK && end < len)
        rc = wd_qparse_pipes(text, end, len, q, err);
    if (rc != WD_OK) {
        wd_query_free(q);
        return rc;
    }
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
