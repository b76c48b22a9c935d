/*
 * lre.c: Lucene regular expressions (see lre.h). Parsing builds a small AST in the
 * caller's arena, following Lucene RegExp's grammar:
 *
 *   union  := inter ( '|' union )?
 *   inter  := concat ( '&' inter )?
 *   concat := repeat ( concat )?        (stops before ')' and '|' and '&')
 *   repeat := compl ( '?' | '*' | '+' | '{' n (',' m?)? '}' )*
 *   compl  := '~' compl | class
 *   class  := '[' '^'? ( char ( '-' char )? )+ ']' | simple
 *   simple := '.' | '#' | '@' | '"' chars '"' | '(' ')' | '(' union ')' | '<' n '-' m '>'
 *           | char
 *   char   := '\'? any
 *
 * Matching: eval(node, in, out) maps the set of positions where the node may start to the
 * set where it may end, as bitsets of n+1 bits over the subject's code points. The whole
 * subject matches when position n is reachable from {0}.
 */
#include "lre.h"

#include "analyze.h"
#include "mem.h"

enum nkind {
    N_CHAR,   /* c */
    N_ANY,    /* . */
    N_CLASS,  /* [..] ranges, neg */
    N_STR,    /* "...": str[0..nstr) */
    N_EPS,    /* () */
    N_EMPTY,  /* # */
    N_ANYSTR, /* @ */
    N_CAT,
    N_ALT,
    N_AND,
    N_NOT,
    N_REP,  /* a{min,max}, max < 0 = unbounded */
    N_INTV, /* <lo-hi> */
};

struct range {
    uint32_t lo, hi;
};

struct node {
    uint8_t kind;
    bool neg;             /* N_CLASS */
    uint32_t c;           /* N_CHAR */
    uint32_t nstr;        /* N_STR, N_CLASS (number of ranges) */
    uint32_t *str;        /* N_STR */
    struct range *ranges; /* N_CLASS */
    struct node *a, *b;   /* children */
    int32_t min, max;     /* N_REP */
    uint32_t ilo, ihi;    /* N_INTV */
    uint32_t digits;      /* N_INTV: fixed width, 0 = any */
    uint32_t need;        /* scratch bitsets this subtree needs */
};

struct wd_lre {
    struct node *root;
};

struct parser {
    const uint32_t *cp; /* pattern code points */
    const size_t *off;  /* byte offset of each code point (n+1 entries) */
    size_t n, pos;
    int depth;
    struct wd_arena *a;
    struct wd_perr *err;
    int rc;
};

static struct node *fail(struct parser *p, size_t at, const char *msg)
{
    if (p->rc == WD_OK) {
        p->rc = WD_EPARSE;
        if (p->err) {
            p->err->code = WD_EPARSE;
            p->err->off = p->off[at < p->n ? at : p->n];
            p->err->msg = msg;
        }
    }
    return NULL;
}

static struct node *mk(struct parser *p, enum nkind k)
{
    struct node *n = wd_arena_alloc(p->a, sizeof(*n));
    if (!n) {
        if (p->rc == WD_OK)
            p->rc = WD_ENOMEM;
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)k;
    return n;
}

static struct node *mk2(struct parser *p, enum nkind k, struct node *a, struct node *b)
{
    if (!a || (!b && k != N_NOT && k != N_REP))
        return NULL;
    struct node *n = mk(p, k);
    if (n) {
        n->a = a;
        n->b = b;
    }
    return n;
}

static bool more(const struct parser *p)
{
    return p->pos < p->n;
}

static bool peek(const struct parser *p, const char *set)
{
    return more(p) && p->cp[p->pos] < 0x80 && strchr(set, (int)p->cp[p->pos]) != NULL;
}

static bool match(struct parser *p, uint32_t c)
{
    if (more(p) && p->cp[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static bool next_char(struct parser *p, uint32_t *c)
{
    if (!more(p)) {
        fail(p, p->pos, "unexpected end of regular expression");
        return false;
    }
    *c = p->cp[p->pos++];
    return true;
}

static bool parse_charexp(struct parser *p, uint32_t *c)
{
    match(p, '\\');
    return next_char(p, c);
}

static struct node *parse_union(struct parser *p);

/* Parses up to 9 decimal digits at [s, e); false when empty, too long or not digits. */
static bool parse_uint(const struct parser *p, size_t s, size_t e, uint32_t *v)
{
    if (s >= e || e - s > 9)
        return false;
    uint32_t x = 0;
    for (size_t i = s; i < e; i++) {
        if (p->cp[i] < '0' || p->cp[i] > '9')
            return false;
        x = x * 10 + (p->cp[i] - '0');
    }
    *v = x;
    return true;
}

static struct node *parse_simple(struct parser *p)
{
    size_t start = p->pos;
    if (match(p, '.'))
        return mk(p, N_ANY);
    if (match(p, '#'))
        return mk(p, N_EMPTY);
    if (match(p, '@'))
        return mk(p, N_ANYSTR);
    if (match(p, '"')) {
        size_t s = p->pos;
        while (more(p) && p->cp[p->pos] != '"')
            p->pos++;
        if (!match(p, '"'))
            return fail(p, start, "unterminated string in regular expression: expected '\"'");
        struct node *n = mk(p, N_STR);
        if (!n)
            return NULL;
        n->nstr = (uint32_t)(p->pos - 1 - s);
        n->str = wd_arena_alloc(p->a, sizeof(uint32_t) * (n->nstr + 1));
        if (!n->str) {
            p->rc = p->rc ? p->rc : WD_ENOMEM;
            return NULL;
        }
        memcpy(n->str, p->cp + s, sizeof(uint32_t) * n->nstr);
        return n;
    }
    if (match(p, '(')) {
        if (match(p, ')'))
            return mk(p, N_EPS);
        if (++p->depth > WD_LRE_MAX_DEPTH)
            return fail(p, start, "regular expression nested too deeply");
        struct node *e = parse_union(p);
        p->depth--;
        if (!e)
            return NULL;
        if (!match(p, ')'))
            return fail(p, p->pos, "expected ')' in regular expression");
        return e;
    }
    if (match(p, '<')) {
        size_t s = p->pos;
        while (more(p) && p->cp[p->pos] != '>')
            p->pos++;
        if (!match(p, '>'))
            return fail(p, start, "expected '>' to close the interval");
        size_t e = p->pos - 1, dash = s;
        while (dash < e && p->cp[dash] != '-')
            dash++;
        uint32_t lo, hi;
        if (dash == e)
            return fail(p, start, "named automata are not supported");
        if (!parse_uint(p, s, dash, &lo) || !parse_uint(p, dash + 1, e, &hi))
            return fail(p, start, "bad interval: use <n-m> with decimal numbers");
        struct node *n = mk(p, N_INTV);
        if (!n)
            return NULL;
        n->digits = (dash - s == e - dash - 1) ? (uint32_t)(dash - s) : 0;
        n->ilo = lo < hi ? lo : hi;
        n->ihi = lo < hi ? hi : lo;
        return n;
    }
    uint32_t c;
    if (!parse_charexp(p, &c))
        return NULL;
    struct node *n = mk(p, N_CHAR);
    if (n)
        n->c = c;
    return n;
}

static struct node *parse_class(struct parser *p)
{
    size_t start = p->pos;
    if (!match(p, '['))
        return parse_simple(p);
    bool neg = match(p, '^');
    struct range tmp[64], *rs = tmp;
    size_t nr = 0, cap = WD_ARRAY_LEN(tmp);
    do {
        uint32_t lo, hi;
        size_t at = p->pos;
        if (!parse_charexp(p, &lo))
            return NULL;
        hi = lo;
        if (match(p, '-')) {
            if (!parse_charexp(p, &hi))
                return NULL;
            if (hi < lo)
                return fail(p, at, "invalid range in character class");
        }
        if (nr == cap) {
            struct range *g = wd_arena_alloc(p->a, sizeof(*g) * cap * 2);
            if (!g) {
                p->rc = p->rc ? p->rc : WD_ENOMEM;
                return NULL;
            }
            memcpy(g, rs, sizeof(*g) * nr);
            rs = g;
            cap *= 2;
        }
        rs[nr].lo = lo;
        rs[nr].hi = hi;
        nr++;
    } while (more(p) && p->cp[p->pos] != ']');
    if (!match(p, ']'))
        return fail(p, start, "expected ']' to close the character class");
    struct node *n = mk(p, N_CLASS);
    if (!n)
        return NULL;
    n->neg = neg;
    n->nstr = (uint32_t)nr;
    n->ranges = wd_arena_alloc(p->a, sizeof(*rs) * nr);
    if (!n->ranges) {
        p->rc = p->rc ? p->rc : WD_ENOMEM;
        return NULL;
    }
    memcpy(n->ranges, rs, sizeof(*rs) * nr);
    return n;
}

static struct node *parse_compl(struct parser *p)
{
    size_t start = p->pos;
    if (match(p, '~')) {
        if (++p->depth > WD_LRE_MAX_DEPTH)
            return fail(p, start, "regular expression nested too deeply");
        struct node *a = parse_compl(p);
        p->depth--;
        return mk2(p, N_NOT, a, NULL);
    }
    return parse_class(p);
}

static struct node *parse_repeat(struct parser *p)
{
    struct node *e = parse_compl(p);
    int reps = 0;
    while (e && peek(p, "?*+{")) {
        size_t start = p->pos;
        int32_t mn, mx;
        if (++reps > WD_LRE_MAX_DEPTH)
            return fail(p, start, "regular expression nested too deeply");
        if (match(p, '?')) {
            mn = 0, mx = 1;
        } else if (match(p, '*')) {
            mn = 0, mx = -1;
        } else if (match(p, '+')) {
            mn = 1, mx = -1;
        } else {
            match(p, '{');
            size_t s = p->pos;
            while (peek(p, "0123456789"))
                p->pos++;
            uint32_t v;
            if (s == p->pos)
                return fail(p, p->pos, "expected a number in '{n,m}'");
            if (!parse_uint(p, s, p->pos, &v) || v > WD_LRE_MAX_REPEAT)
                return fail(p, s, "repeat count too large");
            mn = mx = (int32_t)v;
            if (match(p, ',')) {
                s = p->pos;
                while (peek(p, "0123456789"))
                    p->pos++;
                mx = -1;
                if (s != p->pos) {
                    if (!parse_uint(p, s, p->pos, &v) || v > WD_LRE_MAX_REPEAT)
                        return fail(p, s, "repeat count too large");
                    mx = (int32_t)v;
                }
            }
            if (!match(p, '}'))
                return fail(p, p->pos, "expected '}' in '{n,m}'");
        }
        /* (x*)*, (x+)?, (x?)+ ...: a simple quantifier of a simple quantifier is one
         * quantifier (min multiplies, an unbounded max wins), which keeps stacked
         * quantifiers from nesting fixpoint loops. */
        bool simple = (mn == 0 && mx == 1) || (mn == 0 && mx < 0) || (mn == 1 && mx < 0);
        bool inner =
            e->kind == N_REP && ((e->min == 0 && e->max == 1) || (e->min == 0 && e->max < 0) ||
                                 (e->min == 1 && e->max < 0));
        if (simple && inner) {
            e->min = e->min * mn;
            e->max = (e->max < 0 || mx < 0) ? -1 : 1;
            continue;
        }
        struct node *r = mk2(p, N_REP, e, NULL);
        if (!r)
            return NULL;
        r->min = mn;
        r->max = mx;
        e = r;
    }
    return e;
}

static struct node *parse_concat(struct parser *p)
{
    /* Iterative (right-nested like Lucene's, but without recursion per element). */
    struct node *first = parse_repeat(p);
    if (!first)
        return NULL;
    struct node *head = first, **slot = &head;
    while (more(p) && !peek(p, ")|&")) {
        struct node *e = parse_repeat(p);
        if (!e)
            return NULL;
        struct node *c = mk2(p, N_CAT, *slot, e);
        if (!c)
            return NULL;
        *slot = c;
        slot = &c->b;
    }
    return head;
}

static struct node *parse_inter(struct parser *p)
{
    struct node *e = parse_concat(p);
    if (e && match(p, '&')) {
        if (++p->depth > WD_LRE_MAX_DEPTH)
            return fail(p, p->pos, "regular expression nested too deeply");
        struct node *b = parse_inter(p);
        p->depth--;
        e = mk2(p, N_AND, e, b);
    }
    return e;
}

static struct node *parse_union(struct parser *p)
{
    struct node *e = parse_inter(p);
    if (e && match(p, '|')) {
        if (++p->depth > WD_LRE_MAX_DEPTH)
            return fail(p, p->pos, "regular expression nested too deeply");
        struct node *b = parse_union(p);
        p->depth--;
        e = mk2(p, N_ALT, e, b);
    }
    return e;
}

/*
 * Estimated evaluation steps for a subject of COST_LEN characters: a fixpoint loop or a
 * per-start operator multiplies its child's cost by the subject length, a bounded repeat
 * by its count. Patterns above COST_MAX (e.g. three nested unbounded loops) are refused,
 * which bounds the work per value to a low polynomial of its length.
 */
#define COST_LEN 256.0
#define COST_MAX 4e6

static double cost(const struct node *n)
{
    switch (n->kind) {
    case N_CAT:
    case N_ALT:
        return cost(n->a) + cost(n->b);
    case N_AND:
        return COST_LEN * (cost(n->a) + cost(n->b));
    case N_NOT:
        return COST_LEN * cost(n->a);
    case N_REP:
        return (n->max < 0 ? COST_LEN + n->min : (double)WD_MAX(n->max, 1)) * cost(n->a);
    case N_INTV:
        return 10;
    default:
        return 1;
    }
}

/* Scratch bitsets eval() needs below and including each node (excluding in/out). */
static uint32_t compute_need(struct node *n)
{
    uint32_t a = n->a ? compute_need(n->a) : 0, b = n->b ? compute_need(n->b) : 0;
    uint32_t kids = WD_MAX(a, b);
    switch (n->kind) {
    case N_CAT:
    case N_ALT:
        n->need = 1 + kids;
        break;
    case N_REP:
        n->need = 3 + kids;
        break;
    case N_AND:
        n->need = 3 + kids;
        break;
    case N_NOT:
        n->need = 2 + kids;
        break;
    default:
        n->need = 0;
    }
    return n->need;
}

int wd_lre_compile(const char *pat, size_t len, struct wd_arena *a, struct wd_lre **out,
                   struct wd_perr *err)
{
    *out = NULL;
    if (len > WD_LRE_MAX_LEN) {
        if (err) {
            err->code = WD_EPARSE;
            err->off = WD_LRE_MAX_LEN;
            err->msg = "regular expression too long";
        }
        return WD_EPARSE;
    }
    uint32_t *cp = malloc(sizeof(uint32_t) * (len + 1));
    size_t *off = malloc(sizeof(size_t) * (len + 1));
    int rc = WD_ENOMEM;
    if (!cp || !off)
        goto out;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        off[n] = i;
        i += wd_utf8_next(pat + i, len - i, &cp[n]);
        n++;
    }
    off[n] = len;
    struct parser p = {cp, off, n, 0, 0, a, err, WD_OK};
    struct node *root = parse_union(&p);
    if (root && p.pos < p.n)
        root = fail(&p, p.pos,
                    p.cp[p.pos] == ')' ? "unbalanced ')' in regular expression"
                                       : "unexpected character in regular expression");
    if (!root) {
        rc = p.rc ? p.rc : WD_EPARSE;
        if (rc == WD_ENOMEM && err) {
            err->code = WD_ENOMEM;
            err->off = 0;
            err->msg = "out of memory";
        }
        goto out;
    }
    if (cost(root) > COST_MAX) {
        fail(&p, 0, "regular expression too complex");
        rc = WD_EPARSE;
        goto out;
    }
    compute_need(root);
    struct wd_lre *re = wd_arena_alloc(a, sizeof(*re));
    if (!re)
        goto out;
    re->root = root;
    *out = re;
    rc = WD_OK;
out:
    free(cp);
    free(off);
    return rc;
}

/* ---- matching ---- */

struct subj {
    const uint32_t *s;
    size_t n; /* code points; positions 0..n */
    size_t w; /* words per bitset */
};

static void bs_zero(uint64_t *b, size_t w)
{
    memset(b, 0, w * sizeof(uint64_t));
}

static bool bs_get(const uint64_t *b, size_t i)
{
    return (b[i >> 6] >> (i & 63)) & 1;
}

static void bs_set(uint64_t *b, size_t i)
{
    b[i >> 6] |= UINT64_C(1) << (i & 63);
}

static bool bs_empty(const uint64_t *b, size_t w)
{
    for (size_t i = 0; i < w; i++)
        if (b[i])
            return false;
    return true;
}

/* Calls each set position of b as variable i (positions are <= n). */
#define BS_FOREACH(b, w, i)                                                                        \
    for (size_t w_ = 0; w_ < (w); w_++)                                                            \
        for (uint64_t m_ = (b)[w_]; m_; m_ &= m_ - 1)                                              \
            for (size_t i = w_ * 64 + (size_t)__builtin_ctzll(m_), once_ = 1; once_; once_ = 0)

static bool in_class(const struct node *n, uint32_t c)
{
    bool in = false;
    for (uint32_t k = 0; k < n->nstr && !in; k++)
        in = c >= n->ranges[k].lo && c <= n->ranges[k].hi;
    return in != n->neg;
}

/* Whether s[i..e) (all digits) is in the interval of node n. */
static bool intv_ok(const struct subj *sj, const struct node *n, size_t i, size_t e)
{
    if (n->digits && e - i != n->digits)
        return false;
    while (i + 1 < e && sj->s[i] == '0')
        i++;
    if (e - i > 10)
        return false;
    uint64_t v = 0;
    for (size_t k = i; k < e; k++)
        v = v * 10 + (sj->s[k] - '0');
    return v >= n->ilo && v <= n->ihi;
}

static void eval(const struct node *n, const struct subj *sj, const uint64_t *in, uint64_t *out,
                 uint64_t *scr);

static void eval_rep(const struct node *n, const struct subj *sj, const uint64_t *in, uint64_t *out,
                     uint64_t *scr)
{
    size_t w = sj->w;
    uint64_t *cur = scr, *nxt = scr + w, *fr = scr + 2 * w, *rest = scr + 3 * w;
    memcpy(cur, in, w * sizeof(uint64_t));
    for (int32_t k = 0; k < n->min; k++) {
        eval(n->a, sj, cur, nxt, rest);
        memcpy(cur, nxt, w * sizeof(uint64_t));
        if (bs_empty(cur, w))
            break;
    }
    memcpy(out, cur, w * sizeof(uint64_t));
    if (n->max < 0) {
        memcpy(fr, cur, w * sizeof(uint64_t));
        while (!bs_empty(fr, w)) {
            eval(n->a, sj, fr, nxt, rest);
            bool any = false;
            for (size_t i = 0; i < w; i++) {
                fr[i] = nxt[i] & ~out[i];
                out[i] |= fr[i];
                any |= fr[i] != 0;
            }
            if (!any)
                break;
        }
        return;
    }
    for (int32_t k = n->min; k < n->max && !bs_empty(cur, w); k++) {
        eval(n->a, sj, cur, nxt, rest);
        memcpy(cur, nxt, w * sizeof(uint64_t));
        for (size_t i = 0; i < w; i++)
            out[i] |= cur[i];
    }
}

static void eval(const struct node *n, const struct subj *sj, const uint64_t *in, uint64_t *out,
                 uint64_t *scr)
{
    size_t w = sj->w, len = sj->n;
    bs_zero(out, w);
    switch (n->kind) {
    case N_CHAR:
        BS_FOREACH(in, w, i)
        {
            if (i < len && sj->s[i] == n->c)
                bs_set(out, i + 1);
        }
        break;
    case N_ANY:
        BS_FOREACH(in, w, i)
        {
            if (i < len)
                bs_set(out, i + 1);
        }
        break;
    case N_CLASS:
        BS_FOREACH(in, w, i)
        {
            if (i < len && in_class(n, sj->s[i]))
                bs_set(out, i + 1);
        }
        break;
    case N_STR:
        BS_FOREACH(in, w, i)
        {
            if (len - i >= n->nstr && memcmp(sj->s + i, n->str, n->nstr * sizeof(uint32_t)) == 0)
                bs_set(out, i + n->nstr);
        }
        break;
    case N_EPS:
        memcpy(out, in, w * sizeof(uint64_t));
        break;
    case N_EMPTY:
        break;
    case N_ANYSTR: {
        size_t first = SIZE_MAX;
        BS_FOREACH(in, w, i)
        {
            if (i < first)
                first = i;
        }
        for (size_t i = first; first != SIZE_MAX && i <= len; i++)
            bs_set(out, i);
        break;
    }
    case N_CAT:
        eval(n->a, sj, in, scr, scr + w);
        eval(n->b, sj, scr, out, scr + w);
        break;
    case N_ALT:
        eval(n->a, sj, in, out, scr + w);
        eval(n->b, sj, in, scr, scr + w);
        for (size_t i = 0; i < w; i++)
            out[i] |= scr[i];
        break;
    case N_REP:
        eval_rep(n, sj, in, out, scr);
        break;
    case N_AND: {
        uint64_t *one = scr, *ra = scr + w, *rb = scr + 2 * w, *rest = scr + 3 * w;
        BS_FOREACH(in, w, i)
        {
            bs_zero(one, w);
            bs_set(one, i);
            eval(n->a, sj, one, ra, rest);
            if (bs_empty(ra, w))
                continue;
            eval(n->b, sj, one, rb, rest);
            for (size_t k = 0; k < w; k++)
                out[k] |= ra[k] & rb[k];
        }
        break;
    }
    case N_NOT: {
        uint64_t *one = scr, *ra = scr + w, *rest = scr + 2 * w;
        BS_FOREACH(in, w, i)
        {
            bs_zero(one, w);
            bs_set(one, i);
            eval(n->a, sj, one, ra, rest);
            for (size_t e = i; e <= len; e++)
                if (!bs_get(ra, e))
                    bs_set(out, e);
        }
        break;
    }
    case N_INTV:
        BS_FOREACH(in, w, i)
        {
            for (size_t e = i; e < len && sj->s[e] >= '0' && sj->s[e] <= '9'; e++)
                if (intv_ok(sj, n, i, e + 1))
                    bs_set(out, e + 1);
        }
        break;
    default:
        break;
    }
}

bool wd_lre_match(const struct wd_lre *re, const char *s, size_t len)
{
    uint64_t stack[1024];
    size_t n = 0;
    /* Code points first: at most len of them. */
    size_t w = (len + 1 + 63) / 64;
    size_t words = (size_t)(re->root->need + 2) * w + (len + 1) / 2 + 1;
    uint64_t *mem = words <= WD_ARRAY_LEN(stack) ? stack : malloc(words * sizeof(uint64_t));
    if (!mem)
        return false;
    uint32_t *cp = (uint32_t *)(mem + (size_t)(re->root->need + 2) * w);
    for (size_t i = 0; i < len; n++)
        i += wd_utf8_next(s + i, len - i, &cp[n]);
    struct subj sj = {cp, n, (n + 1 + 63) / 64};
    uint64_t *in = mem, *out = mem + sj.w, *scr = mem + 2 * sj.w;
    bs_zero(in, sj.w);
    bs_set(in, 0);
    eval(re->root, &sj, in, out, scr);
    bool ok = bs_get(out, n);
    if (mem != stack)
        free(mem);
    return ok;
}
