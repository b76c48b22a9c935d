/*
 * query_leaf.c: field types and ECS aliases, operand compilation (wd_qleaf_prepare), the
 * per-value leaf predicates (wd_qleaf_match) and the index-key contract
 * (wd_qindex_keys / wd_qleaf_keys) of query.h. Semantics: spec d.1-d.4; see docs/query.md.
 *
 * Invariant (tested by a property test): whenever wd_qleaf_match(l, path, v) holds for a
 * value v of a field of type t, the keys wd_qleaf_keys(l, t) yields intersect (ANY) or are
 * contained in (ALL) the keys wd_qindex_keys(t, v) yields.
 */
#include <arpa/inet.h>
#include <math.h>

#include "analyze.h"
#include "lre.h"
#include "query_int.h"
#include "wd_time.h"

/* ---- field types and aliases ---- */

enum wd_ftype wd_qfield_type(const char *path, size_t len)
{
    static const struct {
        const char *name;
        uint8_t t;
    } types[] = {
        {"summary", WD_FT_TEXT},
        {"details.sourceipaddress", WD_FT_IP},
        {"details.destinationipaddress", WD_FT_IP},
        {"utctimestamp", WD_FT_DATE},
        {"timestamp", WD_FT_DATE},
        {"receivedtimestamp", WD_FT_DATE},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(types); i++)
        if (strlen(types[i].name) == len && memcmp(types[i].name, path, len) == 0)
            return (enum wd_ftype)types[i].t;
    return WD_FT_KEYWORD;
}

/* ECS name -> MozDef name (shared/spec/interop.md section 5); docs/query.md lists it. */
static const struct {
    const char *ecs, *mozdef;
} aliases[] = {
    {"@timestamp", "utctimestamp"},
    {"event.ingested", "receivedtimestamp"},
    {"source.ip", "details.sourceipaddress"},
    {"source.port", "details.sourceport"},
    {"destination.ip", "details.destinationipaddress"},
    {"destination.port", "details.destinationport"},
    {"host.name", "hostname"},
    {"host.hostname", "hostname"},
    {"observer.hostname", "mozdefhostname"},
    {"user.name", "details.username"},
    {"process.name", "processname"},
    {"process.pid", "processid"},
    {"log.level", "severity"},
    {"event.category", "category"},
    {"event.kind", "type"},
    {"event.dataset", "source"},
    {"event.provider", "eventsource"},
    {"event.outcome", "details.success"},
    {"message", "summary"},
    {"user_agent.original", "details.useragent"},
    {"url.original", "details.destinationuri"},
    {"event.original", "details.message"},
    {"log.syslog.facility.name", "facility"},
};

const char *wd_qfield_alias(const char *name, size_t len)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(aliases); i++)
        if (strlen(aliases[i].ecs) == len && memcmp(aliases[i].ecs, name, len) == 0)
            return aliases[i].mozdef;
    return NULL;
}

/* ---- addresses ---- */

bool wd_qip_parse(const char *p, size_t len, uint8_t out[16], unsigned *plen)
{
    char buf[64];
    size_t alen = len;
    unsigned pfx = 0;
    bool has_pfx = false;
    if (plen) {
        const char *slash = memchr(p, '/', len);
        if (slash) {
            alen = (size_t)(slash - p);
            size_t nd = len - alen - 1;
            if (nd == 0 || nd > 3)
                return false;
            for (size_t i = 0; i < nd; i++) {
                char c = slash[1 + i];
                if (c < '0' || c > '9')
                    return false;
                pfx = pfx * 10 + (unsigned)(c - '0');
            }
            has_pfx = true;
        }
    }
    if (alen == 0 || alen >= sizeof(buf))
        return false;
    memcpy(buf, p, alen);
    buf[alen] = '\0';
    bool v4 = memchr(buf, ':', alen) == NULL;
    if (v4) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xFF;
        if (inet_pton(AF_INET, buf, out + 12) != 1)
            return false;
    } else if (inet_pton(AF_INET6, buf, out) != 1) {
        return false;
    }
    if (plen) {
        bool mapped = v4 || (memcmp(out, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0);
        if (!has_pfx) {
            pfx = 128;
        } else if (v4) {
            if (pfx > 32)
                return false;
            pfx += 96;
        } else if (pfx > 128) {
            return false;
        }
        WD_UNUSED(mapped);
        /* Mask host bits: 10.1.2.3/8 is the network 10.0.0.0/8. */
        for (unsigned b = pfx; b < 128; b++)
            out[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
        *plen = pfx;
    }
    return true;
}

size_t wd_qip_format(const uint8_t ip[16], char out[48])
{
    if (memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
        if (!inet_ntop(AF_INET, ip + 12, out, 48))
            out[0] = '\0';
    } else if (!inet_ntop(AF_INET6, ip, out, 48)) {
        out[0] = '\0';
    }
    return strlen(out);
}

static bool prefix_eq(const uint8_t *a, const uint8_t *net, unsigned plen)
{
    unsigned full = plen / 8;
    if (memcmp(a, net, full) != 0)
        return false;
    if (plen % 8 == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF00u >> (plen % 8));
    return (a[full] & mask) == (net[full] & mask);
}

/* ---- dates ---- */

/* Parses an ISO-8601 operand; [*lo, *hi] is the span its precision covers (a date alone:
 * the whole UTC day; minutes; seconds; with a fraction: the instant). */
static bool date_parse(const char *p, size_t len, int64_t *lo, int64_t *hi)
{
    int64_t t;
    if (len == 0 || wd_time_parse_fast(p, len, NULL, &t) != WD_OK)
        return false;
    int64_t span;
    if (len == 10)
        span = WD_US_PER_DAY;
    else if (len < 17 || p[16] != ':')
        span = 60 * WD_US_PER_SEC;
    else if (len > 19 && p[19] == '.')
        span = 1;
    else
        span = WD_US_PER_SEC;
    *lo = t;
    *hi = t + span - 1;
    return true;
}

static bool value_date(const struct wd_qval *v, int64_t *t)
{
    return v->s.len > 0 && wd_time_parse_fast(v->s.p, v->s.len, NULL, t) == WD_OK;
}

/* ---- wildcards ---- */

static size_t cp_len(const char *s, size_t len)
{
    uint32_t c;
    return wd_utf8_next(s, len, &c);
}

bool wd_qwild_match(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;
    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star_p = ++p;
            star_i = i;
            continue;
        }
        if (p < plen) {
            if (pat[p] == '?') {
                i += cp_len(s + i, slen - i);
                p++;
                continue;
            }
            size_t esc = (pat[p] == '\\' && p + 1 < plen) ? 1 : 0;
            size_t n = cp_len(pat + p + esc, plen - p - esc);
            if (slen - i >= n && memcmp(s + i, pat + p + esc, n) == 0) {
                i += n;
                p += esc + n;
                continue;
            }
        }
        if (star_p == SIZE_MAX)
            return false;
        star_i += cp_len(s + star_i, slen - star_i);
        i = star_i;
        p = star_p;
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

/* ---- operand compilation ---- */

struct tokvec {
    struct wd_arena *a;
    struct wd_str *v;
    uint32_t n, cap;
    bool oom;
};

static bool collect_tok(void *ctx, const char *tok, size_t len)
{
    struct tokvec *tv = ctx;
    if (tv->n == tv->cap) {
        uint32_t cap = tv->cap ? tv->cap * 2 : 8;
        struct wd_str *g = wd_arena_alloc(tv->a, sizeof(*g) * cap);
        if (!g) {
            tv->oom = true;
            return false;
        }
        if (tv->n)
            memcpy(g, tv->v, sizeof(*g) * tv->n);
        tv->v = g;
        tv->cap = cap;
    }
    char *c = wd_arena_strndup(tv->a, tok, len);
    if (!c) {
        tv->oom = true;
        return false;
    }
    tv->v[tv->n].p = c;
    tv->v[tv->n].len = len;
    tv->n++;
    return true;
}

/* Lower-cased copy of s (code point by code point, rules of wd_analyze). */
static struct wd_str lower_copy(struct wd_arena *a, struct wd_str s)
{
    char *o = wd_arena_alloc(a, s.len * 2 + 4); /* lower-casing never grows past 2x */
    struct wd_str r = {NULL, 0};
    if (!o)
        return r;
    size_t n = 0;
    for (size_t i = 0; i < s.len;) {
        uint32_t c;
        size_t k = wd_utf8_next(s.p + i, s.len - i, &c);
        if (c == 0xFFFD && k == 1) {
            o[n++] = s.p[i]; /* keep invalid bytes */
        } else {
            n += wd_utf8_put(wd_lower_cp(c), o + n);
        }
        i += k;
    }
    o[n] = '\0';
    r.p = o;
    r.len = n;
    return r;
}

/* JSON-style number literal: -?digits(.digits)?([eE][+-]?digits)? */
bool wd_qnum_literal(const char *p, size_t len, double *out)
{
    size_t i = 0;
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return false;
    if (p[i] == '-')
        i++;
    size_t d = i;
    while (i < len && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == d)
        return false;
    if (i < len && p[i] == '.') {
        d = ++i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        d = i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i != len)
        return false;
    /* Up to 15 digits and no exponent: the digits as an integer and a power of ten are both
     * exact doubles, so one division is correctly rounded, as strtod is (Clinger's fast
     * path). Ranges test every value of a field, so this is the common case. */
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    uint64_t m = 0;
    unsigned digits = 0, frac = 0;
    bool dot = false, simple = true;
    for (size_t k = p[0] == '-'; k < len && simple; k++) {
        if (p[k] == '.') {
            dot = true;
        } else if (p[k] >= '0' && p[k] <= '9') {
            m = m * 10 + (uint64_t)(p[k] - '0');
            digits++;
            frac += dot;
        } else {
            simple = false; /* an exponent */
        }
    }
    if (simple && digits <= 15) {
        double v = (double)m / pow10[frac];
        *out = p[0] == '-' ? -v : v;
        return true;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return true;
}

static int prep_bound(struct wd_qbound *b, uint8_t ftype, bool fielded, const char **msg)
{
    if (b->open)
        return WD_OK;
    b->is_num = wd_qnum_literal(b->s.p, b->s.len, &b->num);
    b->has_ip = wd_qip_parse(b->s.p, b->s.len, b->ip, NULL);
    b->has_date = date_parse(b->s.p, b->s.len, &b->d_lo, &b->d_hi);
    if (fielded && ftype == WD_FT_IP && !b->has_ip) {
        *msg = "invalid IP address or CIDR";
        return WD_EPARSE;
    }
    if (fielded && ftype == WD_FT_DATE && !b->has_date) {
        *msg = "invalid date";
        return WD_EPARSE;
    }
    return WD_OK;
}

int wd_qleaf_prepare(struct wd_qleaf *l, struct wd_arena *a, const char **msg)
{
    struct wd_qleaf_priv *pv = l->priv;
    bool fielded = l->field != NULL;
    bool text = !fielded || l->ftype == WD_FT_TEXT;
    bool keyword = !fielded || l->ftype == WD_FT_KEYWORD;
    int rc;
    switch (l->op) {
    case WD_QOP_TERM:
    case WD_QOP_PHRASE: {
        struct tokvec tv = {a, NULL, 0, 0, false};
        wd_analyze(l->text.p, l->text.len, collect_tok, &tv);
        if (tv.oom)
            return WD_ENOMEM;
        pv->toks = tv.v;
        pv->ntoks = tv.n;
        pv->has_ip = wd_qip_parse(l->text.p, l->text.len, pv->ip, &pv->plen);
        pv->is_cidr = pv->has_ip && (pv->plen < 128 || memchr(l->text.p, '/', l->text.len));
        if (pv->has_ip && !pv->is_cidr)
            pv->canon_len = wd_qip_format(pv->ip, pv->canon);
        pv->has_date = date_parse(l->text.p, l->text.len, &pv->d_lo, &pv->d_hi);
        if (fielded && l->ftype == WD_FT_IP && !pv->has_ip) {
            *msg = "invalid IP address or CIDR";
            return WD_EPARSE;
        }
        if (fielded && l->ftype == WD_FT_DATE && !pv->has_date) {
            *msg = "invalid date";
            return WD_EPARSE;
        }
        return WD_OK;
    }
    case WD_QOP_WILDCARD:
    case WD_QOP_REGEX:
        if (!text && !keyword) {
            *msg = "wildcard and regular expression queries need a keyword or text field";
            return WD_EPARSE;
        }
        if (l->op == WD_QOP_WILDCARD) {
            if (text) {
                pv->pat_lc = lower_copy(a, pv->pat);
                if (!pv->pat_lc.p)
                    return WD_ENOMEM;
            }
            return WD_OK;
        }
        if (keyword) {
            rc = wd_lre_compile(pv->re_src.p, pv->re_src.len, a, &pv->re, NULL);
            if (rc != WD_OK) {
                *msg = "invalid regular expression";
                return rc;
            }
        }
        if (text) {
            struct wd_str lc = lower_copy(a, pv->re_src);
            if (!lc.p)
                return WD_ENOMEM;
            rc = wd_lre_compile(lc.p, lc.len, a, &pv->re_lc, NULL);
            if (rc != WD_OK) {
                *msg = "invalid regular expression";
                return rc;
            }
        }
        return WD_OK;
    case WD_QOP_RANGE:
        rc = prep_bound(&pv->lo, l->ftype, fielded, msg);
        if (rc == WD_OK)
            rc = prep_bound(&pv->hi, l->ftype, fielded, msg);
        return rc;
    default:
        return WD_OK;
    }
}

/* ---- matching ---- */

static bool str_eq(struct wd_str a, struct wd_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int cmp_bytes(struct wd_str a, struct wd_str b)
{
    size_t n = WD_MIN(a.len, b.len);
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Keyword range: bytes, or numbers when the value and every given bound are numeric. */
static bool range_kw(const struct wd_qleaf_priv *pv, struct wd_str s)
{
    double x = 0;
    bool num = (pv->lo.open || pv->lo.is_num) && (pv->hi.open || pv->hi.is_num) &&
               wd_qnum_literal(s.p, s.len, &x);
    if (!pv->lo.open) {
        int c = num ? (x < pv->lo.num ? -1 : x > pv->lo.num) : cmp_bytes(s, pv->lo.s);
        if (pv->lo.incl ? c < 0 : c <= 0)
            return false;
    }
    if (!pv->hi.open) {
        int c = num ? (x < pv->hi.num ? -1 : x > pv->hi.num) : cmp_bytes(s, pv->hi.s);
        if (pv->hi.incl ? c > 0 : c >= 0)
            return false;
    }
    return true;
}

static bool range_ip(const struct wd_qleaf_priv *pv, const struct wd_qval *v)
{
    uint8_t ip[16];
    if ((!pv->lo.open && !pv->lo.has_ip) || (!pv->hi.open && !pv->hi.has_ip))
        return false;
    if (!wd_qip_parse(v->s.p, v->s.len, ip, NULL))
        return false;
    if (!pv->lo.open) {
        int c = memcmp(ip, pv->lo.ip, 16);
        if (pv->lo.incl ? c < 0 : c <= 0)
            return false;
    }
    if (!pv->hi.open) {
        int c = memcmp(ip, pv->hi.ip, 16);
        if (pv->hi.incl ? c > 0 : c >= 0)
            return false;
    }
    return true;
}

static bool range_date(const struct wd_qleaf_priv *pv, const struct wd_qval *v)
{
    int64_t t;
    if ((!pv->lo.open && !pv->lo.has_date) || (!pv->hi.open && !pv->hi.has_date))
        return false;
    if (!value_date(v, &t))
        return false;
    if (!pv->lo.open && (pv->lo.incl ? t < pv->lo.d_lo : t <= pv->lo.d_hi))
        return false;
    if (!pv->hi.open && (pv->hi.incl ? t > pv->hi.d_hi : t >= pv->hi.d_lo))
        return false;
    return true;
}

/* Per-token matching on text values. */
struct tokmatch {
    const struct wd_qleaf *l;
    const struct wd_qleaf_priv *pv;
    bool found;
    uint64_t state; /* PHRASE: bit j = the last j tokens equal the phrase's first j */
    uint8_t *big;   /* PHRASE with more than 63 tokens: state[j] */
};

static bool tok_cb(void *ctx, const char *tok, size_t len)
{
    struct tokmatch *m = ctx;
    const struct wd_qleaf_priv *pv = m->pv;
    struct wd_str t = {tok, len};
    switch (m->l->op) {
    case WD_QOP_TERM:
        for (uint32_t i = 0; i < pv->ntoks && !m->found; i++)
            m->found = str_eq(t, pv->toks[i]);
        break;
    case WD_QOP_PHRASE: {
        uint32_t k = pv->ntoks;
        if (k <= 63) {
            uint64_t s = m->state | 1, ns = 0;
            for (uint32_t j = 0; j < k; j++)
                if ((s >> j & 1) && str_eq(t, pv->toks[j]))
                    ns |= UINT64_C(1) << (j + 1);
            m->state = ns;
            m->found = (ns >> k) & 1;
        } else {
            m->big[0] = 1;
            for (uint32_t j = k; j-- > 0;)
                m->big[j + 1] = m->big[j] && str_eq(t, pv->toks[j]);
            m->found = m->big[k];
        }
        break;
    }
    case WD_QOP_WILDCARD:
        m->found = wd_qwild_match(pv->pat_lc.p, pv->pat_lc.len, tok, len);
        break;
    case WD_QOP_REGEX:
        m->found = wd_lre_match(pv->re_lc, tok, len);
        break;
    case WD_QOP_RANGE:
        m->found = range_kw(pv, t);
        break;
    default:
        break;
    }
    return !m->found;
}

static bool match_text(const struct wd_qleaf *l, const struct wd_qval *v)
{
    const struct wd_qleaf_priv *pv = l->priv;
    struct tokmatch m = {l, pv, false, 0, NULL};
    if ((l->op == WD_QOP_TERM || l->op == WD_QOP_PHRASE) && pv->ntoks == 0)
        return false;
    if (l->op == WD_QOP_PHRASE && pv->ntoks > 63) {
        m.big = calloc(pv->ntoks + 1, 1);
        if (!m.big)
            return false;
    }
    wd_analyze(v->s.p, v->s.len, tok_cb, &m);
    free(m.big);
    return m.found;
}

bool wd_qleaf_match(const struct wd_qleaf *l, const char *path, size_t path_len,
                    const struct wd_qval *v)
{
    const struct wd_qleaf_priv *pv = l->priv;
    enum wd_ftype t = l->field ? (enum wd_ftype)l->ftype : wd_qfield_type(path, path_len);
    uint8_t ip[16];
    int64_t when;
    if (l->op == WD_QOP_EXISTS)
        return true;
    if (t == WD_FT_TEXT)
        return match_text(l, v);
    switch (l->op) {
    case WD_QOP_TERM:
    case WD_QOP_PHRASE:
        if (t == WD_FT_IP && wd_qip_parse(v->s.p, v->s.len, ip, NULL))
            return pv->has_ip && prefix_eq(ip, pv->ip, pv->plen);
        if (t == WD_FT_DATE && value_date(v, &when))
            return pv->has_date && when >= pv->d_lo && when <= pv->d_hi;
        return str_eq(v->s, l->text);
    case WD_QOP_WILDCARD:
        return t == WD_FT_KEYWORD && wd_qwild_match(pv->pat.p, pv->pat.len, v->s.p, v->s.len);
    case WD_QOP_REGEX:
        return t == WD_FT_KEYWORD && wd_lre_match(pv->re, v->s.p, v->s.len);
    case WD_QOP_RANGE:
        if (t == WD_FT_IP)
            return range_ip(pv, v);
        if (t == WD_FT_DATE)
            return range_date(pv, v);
        return range_kw(pv, v->s);
    default:
        return false;
    }
}

bool wd_qleaf_covers(const struct wd_qleaf *l, const char *path, size_t path_len)
{
    if (!l->field)
        return true;
    if (path_len < l->field_len || memcmp(path, l->field, l->field_len) != 0)
        return false;
    return path_len == l->field_len || path[l->field_len] == '.';
}

/* ---- index keys ---- */

struct keyfwd {
    wd_qkey_cb cb;
    void *ctx;
};

static bool key_fwd(void *ctx, const char *tok, size_t len)
{
    struct keyfwd *f = ctx;
    f->cb(f->ctx, tok, len);
    return true;
}

/* (query_int.h) */
bool wd_qip_is_canon_v4(const char *p, size_t len)
{
    if (len < 7 || len > 15)
        return false;
    unsigned dots = 0, val = 0, nd = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)p[i];
        if (c - '0' < 10) {
            if (nd && val == 0)
                return false; /* a leading zero */
            val = val * 10 + (c - '0');
            if (++nd > 3 || val > 255)
                return false;
        } else if (c == '.' && nd && dots < 3) {
            dots++;
            nd = val = 0;
        } else {
            return false;
        }
    }
    return dots == 3 && nd;
}

void wd_qindex_keys(enum wd_ftype t, const struct wd_qval *v, wd_qkey_cb cb, void *ctx)
{
    if (t == WD_FT_TEXT) {
        struct keyfwd f = {cb, ctx};
        wd_analyze(v->s.p, v->s.len, key_fwd, &f);
        return;
    }
    if (t == WD_FT_IP && wd_qip_is_canon_v4(v->s.p, v->s.len)) {
        cb(ctx, v->s.p, v->s.len); /* the usual case, without inet_pton/inet_ntop */
        return;
    }
    if (t == WD_FT_IP) {
        uint8_t ip[16];
        char buf[48];
        if (wd_qip_parse(v->s.p, v->s.len, ip, NULL)) {
            size_t n = wd_qip_format(ip, buf);
            cb(ctx, buf, n);
            return;
        }
    }
    if (v->s.len <= WD_QINDEX_MAX_KEY)
        cb(ctx, v->s.p, v->s.len);
}

int wd_qleaf_keys(const struct wd_qleaf *l, enum wd_ftype t, wd_qkey_cb cb, void *ctx)
{
    const struct wd_qleaf_priv *pv = l->priv;
    if (l->op != WD_QOP_TERM && l->op != WD_QOP_PHRASE)
        return WD_QKEYS_NONE;
    if (l->field && t != (enum wd_ftype)l->ftype)
        return WD_QKEYS_NONE;
    switch (t) {
    case WD_FT_TEXT:
        for (uint32_t i = 0; i < pv->ntoks; i++)
            cb(ctx, pv->toks[i].p, pv->toks[i].len);
        /* A phrase without tokens matches nothing: ANY of no keys says so. */
        return l->op == WD_QOP_TERM || pv->ntoks == 0 ? WD_QKEYS_ANY : WD_QKEYS_ALL;
    case WD_FT_IP:
        if (pv->has_ip) {
            if (pv->is_cidr)
                return WD_QKEYS_NONE;
            cb(ctx, pv->canon, pv->canon_len);
            return WD_QKEYS_ANY;
        }
        /* Not an address: only non-address values with the same text can match. */
        __attribute__((fallthrough));
    case WD_FT_KEYWORD:
        if (l->text.len > WD_QINDEX_MAX_KEY)
            return WD_QKEYS_NONE;
        cb(ctx, l->text.p, l->text.len);
        return WD_QKEYS_ANY;
    default:
        return WD_QKEYS_NONE;
    }
}
