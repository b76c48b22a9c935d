/*
 * sigma_match.c: evaluates a compiled Sigma predicate against one flattened event.
 * Field names resolve case-insensitively (a per-event index of lower-cased path hashes,
 * built on first use), so Sigma's `Image` finds `details.Image` and nxlog's lower-cased
 * `details.image` alike. Strings compare ASCII case-insensitively (patterns are stored
 * folded) unless `cased`; regular expressions are case-sensitive unless `i`.
 * A field test over a multi-valued field (a JSON array) holds when some value passes.
 */
#include "sigma_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query.h"
#include "wd_time.h"

static inline unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* wd_hash64 (seed 3, as wd_qflat's path_hash) of the lower-cased path, so that a path
 * already in lower case reuses the hash the flattening computed. */
uint64_t wd_sg_path_hash(const char *p, size_t len)
{
    char stack[256];
    if (!len)
        return wd_hash64("", 0, 3);
    char *b = len <= sizeof(stack) ? stack : malloc(len);
    if (!b)
        return 0; /* no memory: a hash no path has (lookups then fail: no match) */
    for (size_t i = 0; i < len; i++)
        b[i] = (char)fold((unsigned char)p[i]);
    uint64_t h = wd_hash64(b, len, 3);
    if (b != stack)
        free(b);
    return h;
}

void wd_sigma_ev_init(struct wd_sigma_ev *ev)
{
    memset(ev, 0, sizeof(*ev));
}

void wd_sigma_ev_fini(struct wd_sigma_ev *ev)
{
    free(ev->hash);
    free(ev->next);
    free(ev->slot);
    if (ev->md)
        pcre2_match_data_free(ev->md);
    free(ev->ls_gen);
    free(ev->ls_val);
    memset(ev, 0, sizeof(*ev));
}

void wd_sigma_ev_reset(struct wd_sigma_ev *ev, const struct wd_qflat *f)
{
    ev->f = f;
    ev->built = false;
    if (++ev->gen == 0) { /* wrapped: forget every memo */
        if (ev->ls_gen)
            memset(ev->ls_gen, 0, ev->nls * sizeof(*ev->ls_gen));
        ev->gen = 1;
    }
}

/* The logsource condition of s on this event, computed once per event per condition. */
static bool ls_match(const struct wd_sigma *s, struct wd_sigma_ev *ev)
{
    uint32_t id = s->ls_id;
    if (id >= ev->nls) {
        uint32_t n = id + 64;
        uint32_t *g = realloc(ev->ls_gen, n * sizeof(*g));
        if (g)
            ev->ls_gen = g;
        uint8_t *v = realloc(ev->ls_val, n);
        if (v)
            ev->ls_val = v;
        if (!g || !v)
            return wd_sg_node_match(s->ls, ev); /* no memo without memory */
        memset(ev->ls_gen + ev->nls, 0, (n - ev->nls) * sizeof(*g));
        ev->nls = n;
    }
    if (ev->ls_gen[id] != ev->gen) {
        ev->ls_val[id] = wd_sg_node_match(s->ls, ev);
        ev->ls_gen[id] = ev->gen;
    }
    return ev->ls_val[id];
}

static bool ev_build(struct wd_sigma_ev *ev)
{
    const struct wd_qflat *f = ev->f;
    if (f->n > ev->cap) {
        size_t cap = f->n * 2;
        uint64_t *h = realloc(ev->hash, cap * sizeof(*h));
        if (h)
            ev->hash = h;
        uint32_t *nx = realloc(ev->next, cap * sizeof(*nx));
        if (nx)
            ev->next = nx;
        if (!h || !nx)
            return false;
        ev->cap = cap;
    }
    uint32_t want = 16;
    while (want < f->n * 2)
        want *= 2;
    if (want != ev->nslots) {
        uint32_t *s = realloc(ev->slot, want * sizeof(*s));
        if (!s)
            return false;
        ev->slot = s;
        ev->nslots = want;
    }
    memset(ev->slot, 0, ev->nslots * sizeof(*ev->slot));
    for (size_t i = 0; i < f->n; i++) {
        struct wd_str path;
        struct wd_qval v;
        wd_qflat_at(f, i, &path, &v);
        size_t up = 0;
        while (up < path.len && !(path.p[up] >= 'A' && path.p[up] <= 'Z'))
            up++;
        uint64_t h = up == path.len ? f->v[i].path_hash : wd_sg_path_hash(path.p, path.len);
        ev->hash[i] = h;
        uint32_t s = (uint32_t)h & (ev->nslots - 1);
        ev->next[i] = ev->slot[s];
        ev->slot[s] = (uint32_t)i + 1;
    }
    ev->built = true;
    return true;
}

/* Iterates the values of a path: start with *it = 0; returns false at the end. */
static bool next_value(struct wd_sigma_ev *ev, const char *path, size_t plen, uint64_t h,
                       uint32_t *it, struct wd_qval *out)
{
    if (!ev->built && !ev_build(ev))
        return false;
    uint32_t k = *it == 0 ? ev->slot[(uint32_t)h & (ev->nslots - 1)] : ev->next[*it - 1];
    for (; k; k = ev->next[k - 1]) {
        if (ev->hash[k - 1] != h)
            continue;
        struct wd_str p;
        wd_qflat_at(ev->f, k - 1, &p, out);
        if (p.len != plen || strncasecmp(p.p, path, plen) != 0)
            continue;
        *it = k;
        return true;
    }
    *it = 0;
    return false;
}

/* ---- strings ---- */

/* Length of the dash form at s (windash), 0 when none. */
static size_t dash_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && (s[0] == '-' || s[0] == '/'))
        return 1;
    if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x93 || s[2] == 0x94 || s[2] == 0x95))
        return 3;
    return 0;
}

static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    return k > n ? n : k;
}

static inline bool ch_eq(unsigned char p, unsigned char s, bool cased)
{
    return cased ? p == s : p == fold(s);
}

/* Wildcard match over marker patterns (a star backtracks; every other token consumes a
 * length determined by the subject, so the classic single-backtrack-point algorithm is
 * exact). */
static bool glob(const unsigned char *p, size_t pn, const unsigned char *s, size_t sn, bool cased)
{
    size_t pi = 0, si = 0, sp = SIZE_MAX, ss = 0;
    while (si < sn) {
        if (pi < pn) {
            unsigned char c = p[pi];
            if (c == (unsigned char)SG_STAR) {
                sp = pi++;
                ss = si;
                continue;
            }
            if (c == (unsigned char)SG_QMARK) {
                si += utf8_len(s + si, sn - si);
                pi++;
                continue;
            }
            if (c == (unsigned char)SG_DASH) {
                size_t d = dash_at(s + si, sn - si);
                if (d) {
                    si += d;
                    pi++;
                    continue;
                }
            } else if (ch_eq(c, s[si], cased)) {
                si++;
                pi++;
                continue;
            }
        }
        if (sp == SIZE_MAX)
            return false;
        pi = sp + 1;
        ss += utf8_len(s + ss, sn - ss);
        si = ss;
    }
    while (pi < pn && p[pi] == (unsigned char)SG_STAR)
        pi++;
    return pi == pn;
}

static bool mem_eq(const char *lit, const char *s, size_t n, bool cased)
{
    for (size_t i = 0; i < n; i++)
        if (!ch_eq((unsigned char)lit[i], (unsigned char)s[i], cased))
            return false;
    return true;
}

static bool contains(const char *lit, size_t ln, const char *s, size_t sn, bool cased)
{
    if (!ln)
        return true;
    if (ln > sn)
        return false;
    unsigned char c0 = (unsigned char)lit[0];
    unsigned char up = c0 >= 'a' && c0 <= 'z' && !cased ? (unsigned char)(c0 - 32) : c0;
    const char *end = s + sn - ln;
    for (const char *q = s; q <= end; q++) {
        unsigned char c = (unsigned char)*q;
        if ((c == c0 || c == up) && mem_eq(lit + 1, q + 1, ln - 1, cased))
            return true;
    }
    return false;
}

bool wd_sg_str_match(const struct sg_val *v, const char *s, size_t n)
{
    switch (v->plain) {
    case 1:
        return n == v->lit_len && mem_eq(v->lit, s, n, v->cased);
    case 2:
        return n >= v->lit_len && mem_eq(v->lit, s, v->lit_len, v->cased);
    case 3:
        return n >= v->lit_len && mem_eq(v->lit, s + n - v->lit_len, v->lit_len, v->cased);
    case 4:
        return contains(v->lit, v->lit_len, s, n, v->cased);
    default:
        return glob((const unsigned char *)v->pat, v->len, (const unsigned char *)s, n, v->cased);
    }
}

/* ---- other value kinds ---- */

static bool num_of(const struct wd_qval *q, double *d)
{
    if (q->type == WD_QV_INT) {
        *d = (double)q->i;
        return true;
    }
    if (q->type == WD_QV_FLOAT) {
        *d = q->f;
        return true;
    }
    if (q->type != WD_QV_STR || !q->s.len || q->s.len > 60)
        return false;
    char b[64];
    memcpy(b, q->s.p, q->s.len);
    b[q->s.len] = '\0';
    char *end;
    *d = strtod(b, &end);
    return *end == '\0';
}

static bool cmp(double a, uint8_t op, double b)
{
    switch (op) {
    case SC_LT:
        return a < b;
    case SC_LTE:
        return a <= b;
    case SC_GT:
        return a > b;
    case SC_GTE:
        return a >= b;
    default:
        return a == b;
    }
}

static bool ip_of(const struct wd_qval *q, uint8_t ip[16])
{
    char b[64];
    if (q->type != WD_QV_STR || !q->s.len || q->s.len >= sizeof(b))
        return false;
    memcpy(b, q->s.p, q->s.len);
    b[q->s.len] = '\0';
    memset(ip, 0, 16);
    if (inet_pton(AF_INET, b, ip + 12) == 1) {
        ip[10] = ip[11] = 0xff;
        return true;
    }
    return inet_pton(AF_INET6, b, ip) == 1;
}

static bool time_part(const struct wd_qval *q, uint8_t part, double *out)
{
    int64_t us;
    if (q->type != WD_QV_STR || wd_time_parse_fast(q->s.p, q->s.len, NULL, &us) != WD_OK)
        return false;
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return false;
    switch (part) {
    case ST_MINUTE:
        *out = tm.tm_min;
        break;
    case ST_HOUR:
        *out = tm.tm_hour;
        break;
    case ST_DAY:
        *out = tm.tm_mday;
        break;
    case ST_WEEK:
        /* whole weeks of the year: NOLINTNEXTLINE(bugprone-integer-division) */
        *out = (double)((tm.tm_yday + 7 - ((tm.tm_wday + 6) % 7)) / 7);
        break;
    case ST_MONTH:
        *out = tm.tm_mon + 1;
        break;
    default:
        *out = tm.tm_year + 1900;
        break;
    }
    return true;
}

static bool re_match(const struct sg_val *v, struct wd_sigma_ev *ev, struct wd_str s)
{
    if (!ev->md && !(ev->md = pcre2_match_data_create(1, NULL)))
        return false;
    return pcre2_match(v->re, (PCRE2_SPTR)(s.p ? s.p : ""), s.len, 0, 0, ev->md, NULL) >= 0;
}

/* Whether one event value passes a value test (before neq). */
static bool val_match(const struct sg_val *v, struct wd_sigma_ev *ev, const struct wd_qval *q)
{
    switch (v->kind) {
    case SV_STR:
        return wd_sg_str_match(v, q->s.p, q->s.len);
    case SV_RE:
        return re_match(v, ev, q->s);
    case SV_CIDR: {
        uint8_t ip[16];
        if (!ip_of(q, ip))
            return false;
        for (unsigned i = 0; i < v->plen; i++) {
            uint8_t m = (uint8_t)(0x80u >> (i % 8));
            if ((ip[i / 8] & m) != (v->net[i / 8] & m))
                return false;
        }
        return true;
    }
    case SV_NUM: {
        double d;
        return num_of(q, &d) && cmp(d, v->cmp, v->num);
    }
    case SV_TIME: {
        double d;
        return time_part(q, v->tpart, &d) && d == v->num;
    }
    case SV_FIELDREF: {
        struct wd_qval r;
        uint32_t it = 0;
        while (next_value(ev, v->pat, v->len, v->ref_hash, &it, &r))
            if (r.s.len == q->s.len && (v->cased ? memcmp(r.s.p, q->s.p, q->s.len) == 0
                                                 : strncasecmp(r.s.p, q->s.p, q->s.len) == 0))
                return true;
        return false;
    }
    default:
        return false;
    }
}

/* Whether the field passes one value test. */
static bool field_val(const struct sg_field *f, const struct sg_val *v, struct wd_sigma_ev *ev)
{
    struct wd_qval q;
    if (!f->path) { /* keyword: any value of the event */
        for (size_t i = 0; i < ev->f->n; i++) {
            struct wd_str p;
            wd_qflat_at(ev->f, i, &p, &q);
            if (val_match(v, ev, &q))
                return !v->neq;
        }
        return v->neq;
    }
    uint32_t it = 0;
    bool any = next_value(ev, f->path, f->path_len, f->hash, &it, &q);
    if (v->kind == SV_NULL)
        return any == v->neq;
    if (v->kind == SV_EXISTS)
        return any == v->exists;
    if (!any)
        return false;
    do {
        if (val_match(v, ev, &q))
            return !v->neq;
    } while (next_value(ev, f->path, f->path_len, f->hash, &it, &q));
    return v->neq;
}

static bool field_match(const struct sg_field *f, struct wd_sigma_ev *ev)
{
    for (uint32_t i = 0; i < f->nv; i++) {
        bool m = field_val(f, &f->v[i], ev);
        if (f->all && !m)
            return false;
        if (!f->all && m)
            return true;
    }
    return f->all;
}

static bool ident_match(const struct sg_ident *id, struct wd_sigma_ev *ev)
{
    for (uint32_t i = 0; i < id->nm; i++) {
        const struct sg_map *m = &id->m[i];
        uint32_t k = 0;
        while (k < m->nf && field_match(&m->f[k], ev))
            k++;
        if (k == m->nf)
            return true;
    }
    return false;
}

bool wd_sg_node_match(const struct sg_node *n, struct wd_sigma_ev *ev)
{
    switch (n->kind) {
    case SN_AND:
        for (uint32_t i = 0; i < n->n; i++)
            if (!wd_sg_node_match(n->kid[i], ev))
                return false;
        return true;
    case SN_OR:
        for (uint32_t i = 0; i < n->n; i++)
            if (wd_sg_node_match(n->kid[i], ev))
                return true;
        return false;
    case SN_OF: {
        uint32_t got = 0;
        for (uint32_t i = 0; i < n->n; i++) {
            if (wd_sg_node_match(n->kid[i], ev) && ++got >= n->need)
                return true;
            if (got + (n->n - i - 1) < n->need)
                return false;
        }
        return false;
    }
    case SN_NOT:
        return !wd_sg_node_match(n->kid[0], ev);
    case SN_IDENT:
        return ident_match(n->id, ev);
    case SN_TRUE:
        return true;
    case SN_PRED:
        return wd_sigma_match(n->sub, ev);
    default:
        return false;
    }
}

bool wd_sigma_match(const struct wd_sigma *s, struct wd_sigma_ev *ev)
{
    if (s->ls && !ls_match(s, ev))
        return false;
    return wd_sg_node_match(s->cond, ev);
}

bool wd_sigma_match_detection(const struct wd_sigma *s, struct wd_sigma_ev *ev)
{
    return wd_sg_node_match(s->cond, ev);
}
