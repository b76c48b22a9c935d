/*
 * sigma_load.c: compiles a Sigma rule document (YAML tree) into a wd_sigma predicate:
 * logsource, search identifiers (maps, lists of maps, keyword lists), value modifiers
 * (sigma-appendix-modifiers.md v2.1.0) and the condition (sigma_cond.c). Every problem is
 * reported at its YAML node; constructs ward cannot honour say "unsupported: why".
 */
#include "sigma_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "ytree.h"

#define MAX_VALUES 65536 /* compiled values per field test (windash, expand, base64offset) */

struct sl {
    struct wd_sigma *s;
    struct wd_yerr *err;
    const char *product, *category, *service;
};

/* ---- small helpers ---- */

static char *lower_dup(const char *p)
{
    char *d = wd_xstrdup(p);
    for (char *c = d; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return d;
}

static char *scalar_dup(const struct wd_ynode *doc, const char *key)
{
    const struct wd_ynode *n = wd_ynode_get(doc, key);
    return n && n->kind == WD_Y_SCALAR && !wd_ynode_is_null(n) ? wd_xstrdup(n->s.p) : NULL;
}

bool wd_sigma_is_rule(const struct wd_ynode *doc)
{
    return doc && doc->kind == WD_Y_MAP && wd_ynode_get(doc, "detection") &&
           wd_ynode_get(doc, "logsource");
}

bool wd_sigma_is_correlation(const struct wd_ynode *doc)
{
    return doc && doc->kind == WD_Y_MAP && wd_ynode_get(doc, "correlation");
}

bool wd_sigma_is_filter(const struct wd_ynode *doc)
{
    return doc && doc->kind == WD_Y_MAP && wd_ynode_get(doc, "filter") &&
           wd_ynode_get(doc, "logsource");
}

void wd_sigma_info_fini(struct wd_sigma_info *in)
{
    char **s[] = {&in->title,   &in->id,       &in->name,    &in->level,      &in->status,
                  &in->product, &in->category, &in->service, &in->description};
    for (size_t i = 0; i < WD_ARRAY_LEN(s); i++)
        WD_FREE(*s[i]);
    for (uint32_t i = 0; i < in->ntags; i++)
        free(in->tags[i]);
    WD_FREE(in->tags);
    in->ntags = 0;
}

/* ---- patterns ---- */

/* A value under construction: bytes with marker bytes for wildcards. */
struct pat {
    struct wd_buf b;
};

/* Parses a Sigma string (escapes, wildcards) into marker form (spec: "\\*" is a literal
 * backslash then a wildcard, "\*" a literal star, a lone backslash is literal). */
static void pat_parse(struct pat *p, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            wd_buf_putc(&p->b, s[++i]);
        } else if (c == '*') {
            wd_buf_putc(&p->b, SG_STAR);
        } else if (c == '?') {
            wd_buf_putc(&p->b, SG_QMARK);
        } else {
            wd_buf_putc(&p->b, c);
        }
    }
}

static bool pat_has_markers(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == SG_STAR || p[i] == SG_QMARK || p[i] == SG_DASH)
            return true;
    return false;
}

/* UTF-8 -> UTF-16 (le or be), markers kept as single bytes. */
static void to_utf16(struct wd_buf *out, const char *p, size_t n, bool be)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c == SG_STAR || c == SG_QMARK || c == SG_DASH) {
            wd_buf_putc(out, (char)c);
            i++;
            continue;
        }
        uint32_t cp = c;
        size_t k = 1;
        if (c >= 0xf0 && i + 3 < n) {
            cp = ((c & 7u) << 18) | ((p[i + 1] & 0x3fu) << 12) | ((p[i + 2] & 0x3fu) << 6) |
                 (p[i + 3] & 0x3fu);
            k = 4;
        } else if (c >= 0xe0 && i + 2 < n) {
            cp = ((c & 15u) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
            k = 3;
        } else if (c >= 0xc0 && i + 1 < n) {
            cp = ((c & 31u) << 6) | (p[i + 1] & 0x3fu);
            k = 2;
        }
        if (i + k > n)
            k = n - i;
        i += k;
        uint16_t u[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xd800 + (cp >> 10));
            u[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
            nu = 2;
        } else {
            u[0] = (uint16_t)cp;
        }
        for (int j = 0; j < nu; j++) {
            char b2[2] = {(char)(u[j] & 0xff), (char)(u[j] >> 8)};
            if (be) {
                char t = b2[0];
                b2[0] = b2[1];
                b2[1] = t;
            }
            wd_buf_append(out, b2, 2);
        }
    }
}

static void b64(struct wd_buf *out, const unsigned char *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        wd_buf_putc(out, t[(v >> 18) & 63]);
        wd_buf_putc(out, t[(v >> 12) & 63]);
        const char pad = '=';
        wd_buf_putc(out, i + 1 < n ? t[(v >> 6) & 63] : pad);
        wd_buf_putc(out, i + 2 < n ? t[v & 63] : pad);
    }
}

/* ---- value compilation ---- */

enum {
    M_CONTAINS = 1u << 0,
    M_STARTS = 1u << 1,
    M_ENDS = 1u << 2,
    M_ALL = 1u << 3,
    M_RE = 1u << 4,
    M_RE_I = 1u << 5,
    M_RE_M = 1u << 6,
    M_RE_S = 1u << 7,
    M_CIDR = 1u << 8,
    M_EXISTS = 1u << 9,
    M_CASED = 1u << 10,
    M_NEQ = 1u << 11,
    M_FIELDREF = 1u << 12,
    M_EXPAND = 1u << 13,
    M_CMP = 1u << 14,
    M_TIME = 1u << 15,
    M_WINDASH = 1u << 16,
};

/* Encodings apply in the written order; up to 8 of them. */
enum { E_WIDE = 1, E_UTF16BE, E_UTF16, E_B64, E_B64OFF };

struct mods {
    uint32_t m;
    uint8_t cmp, tpart;
    uint8_t enc[8];
    uint32_t nenc;
};

static int parse_mods(struct sl *l, const struct wd_ynode *key, const char *list, struct mods *o)
{
    memset(o, 0, sizeof(*o));
    static const struct {
        const char *name;
        uint32_t bit;
        int enc, cmp, tpart;
    } tab[] = {
        {"contains", M_CONTAINS, 0, -1, -1},
        {"startswith", M_STARTS, 0, -1, -1},
        {"endswith", M_ENDS, 0, -1, -1},
        {"all", M_ALL, 0, -1, -1},
        {"re", M_RE, 0, -1, -1},
        {"i", M_RE_I, 0, -1, -1},
        {"ignorecase", M_RE_I, 0, -1, -1},
        {"m", M_RE_M, 0, -1, -1},
        {"multiline", M_RE_M, 0, -1, -1},
        {"s", M_RE_S, 0, -1, -1},
        {"dotall", M_RE_S, 0, -1, -1},
        {"cidr", M_CIDR, 0, -1, -1},
        {"exists", M_EXISTS, 0, -1, -1},
        {"cased", M_CASED, 0, -1, -1},
        {"neq", M_NEQ, 0, -1, -1},
        {"fieldref", M_FIELDREF, 0, -1, -1},
        {"expand", M_EXPAND, 0, -1, -1},
        {"windash", M_WINDASH, 0, -1, -1},
        {"wide", 0, E_WIDE, -1, -1},
        {"utf16le", 0, E_WIDE, -1, -1},
        {"utf16be", 0, E_UTF16BE, -1, -1},
        {"utf16", 0, E_UTF16, -1, -1},
        {"base64", 0, E_B64, -1, -1},
        {"base64offset", 0, E_B64OFF, -1, -1},
        {"lt", M_CMP, 0, SC_LT, -1},
        {"lte", M_CMP, 0, SC_LTE, -1},
        {"gt", M_CMP, 0, SC_GT, -1},
        {"gte", M_CMP, 0, SC_GTE, -1},
        {"minute", M_TIME, 0, -1, ST_MINUTE},
        {"hour", M_TIME, 0, -1, ST_HOUR},
        {"day", M_TIME, 0, -1, ST_DAY},
        {"week", M_TIME, 0, -1, ST_WEEK},
        {"month", M_TIME, 0, -1, ST_MONTH},
        {"year", M_TIME, 0, -1, ST_YEAR},
    };
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t i = 0;
        for (; i < WD_ARRAY_LEN(tab); i++)
            if (strlen(tab[i].name) == n && strncmp(tab[i].name, p, n) == 0)
                break;
        if (i == WD_ARRAY_LEN(tab))
            return wd_yerr_at(l->err, key, "unsupported: unknown value modifier '%.*s'", (int)n, p);
        o->m |= tab[i].bit;
        if (tab[i].enc) {
            if (o->nenc == WD_ARRAY_LEN(o->enc))
                return wd_yerr_at(l->err, key, "too many encoding modifiers");
            o->enc[o->nenc++] = (uint8_t)tab[i].enc;
        }
        if (tab[i].cmp >= 0)
            o->cmp = (uint8_t)tab[i].cmp;
        if (tab[i].tpart >= 0)
            o->tpart = (uint8_t)tab[i].tpart;
        p += n;
        if (*p == '|')
            p++;
    }
    uint32_t wild = o->m & (M_CONTAINS | M_STARTS | M_ENDS);
    if ((wild & (wild - 1)) != 0)
        return wd_yerr_at(l->err, key, "contains, startswith and endswith exclude each other");
    if ((o->m & (M_RE_I | M_RE_M | M_RE_S)) && !(o->m & M_RE))
        return wd_yerr_at(l->err, key, "the i, m and s modifiers need re");
    if ((o->m & M_RE) && ((o->m & (wild | M_CIDR | M_FIELDREF | M_CMP)) || o->nenc))
        return wd_yerr_at(l->err, key, "re does not combine with string or encoding modifiers");
    return WD_OK;
}

struct fieldb {
    struct sg_val *v;
    uint32_t n, cap;
};

static struct sg_val *fb_push(struct sl *l, struct fieldb *fb, const struct wd_ynode *at)
{
    if (fb->n >= MAX_VALUES) {
        wd_yerr_at(l->err, at, "unsupported: more than %d compiled values in one field test",
                   MAX_VALUES);
        return NULL;
    }
    if (fb->n == fb->cap) {
        fb->cap = fb->cap ? fb->cap * 2 : 4;
        fb->v = wd_xrealloc(fb->v, fb->cap * sizeof(*fb->v));
    }
    struct sg_val *v = &fb->v[fb->n++];
    memset(v, 0, sizeof(*v));
    return v;
}

/* Finishes a string pattern: wildcards around, case folding, fast path. */
static int add_pat(struct sl *l, struct fieldb *fb, const struct wd_ynode *at, const struct mods *o,
                   const char *p, size_t n)
{
    struct sg_val *v = fb_push(l, fb, at);
    if (!v)
        return WD_EINVAL;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if ((o->m & (M_CONTAINS | M_ENDS)) && !(n && p[0] == SG_STAR))
        wd_buf_putc(&b, SG_STAR);
    wd_buf_append(&b, p, n);
    if ((o->m & (M_CONTAINS | M_STARTS)) && !(n && p[n - 1] == SG_STAR))
        wd_buf_putc(&b, SG_STAR);
    v->kind = SV_STR;
    v->cased = (o->m & M_CASED) != 0;
    v->neq = (o->m & M_NEQ) != 0;
    v->len = b.len;
    v->pat = wd_xcalloc(1, b.len + 1);
    if (b.len)
        memcpy(v->pat, b.p, b.len);
    wd_buf_fini(&b);
    if (!v->cased)
        for (size_t i = 0; i < v->len; i++)
            if (v->pat[i] >= 'A' && v->pat[i] <= 'Z')
                v->pat[i] = (char)(v->pat[i] - 'A' + 'a');
    /* fast paths: literal, *literal, literal*, *literal* */
    const char *q = v->pat;
    size_t ql = v->len;
    bool lead = ql && q[0] == SG_STAR, trail = ql > (size_t)lead && q[ql - 1] == SG_STAR;
    const char *mid = q + lead;
    size_t ml = ql - lead - trail;
    if (!pat_has_markers(mid, ml)) {
        v->plain = lead ? (trail ? 4 : 3) : (trail ? 2 : 1);
        v->lit = mid;
        v->lit_len = ml;
    }
    return WD_OK;
}

/* Applies the encodings from index k on, then windash, then adds the pattern(s). */
static int enc_apply(struct sl *l, struct fieldb *fb, const struct wd_ynode *at,
                     const struct mods *o, uint32_t k, const char *p, size_t n)
{
    if (k == o->nenc) {
        if (!(o->m & M_WINDASH))
            return add_pat(l, fb, at, o, p, n);
        /* windash: a '-' (or '/') matches any of the dash forms */
        char *d = wd_xstrndup(p, n);
        for (size_t i = 0; i < n; i++)
            if (d[i] == '-' || d[i] == '/')
                d[i] = SG_DASH;
        int rc = add_pat(l, fb, at, o, d, n);
        free(d);
        return rc;
    }
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int rc = WD_OK;
    switch (o->enc[k]) {
    case E_WIDE:
    case E_UTF16BE:
    case E_UTF16:
        if (o->enc[k] == E_UTF16)
            wd_buf_append(&b, "\xff\xfe", 2);
        to_utf16(&b, p, n, o->enc[k] == E_UTF16BE);
        rc = enc_apply(l, fb, at, o, k + 1, b.p ? b.p : "", b.len);
        break;
    case E_B64:
    case E_B64OFF:
        if (pat_has_markers(p, n)) {
            rc = wd_yerr_at(l->err, at, "unsupported: base64 of a value with wildcards");
            break;
        }
        if (o->enc[k] == E_B64) {
            b64(&b, (const unsigned char *)p, n);
            rc = enc_apply(l, fb, at, o, k + 1, b.p ? b.p : "", b.len);
            break;
        }
        /* the three alignments (spec): encode i spaces + value, cut the bytes that
         * depend on the neighbours */
        for (size_t i = 0; i < 3 && rc == WD_OK; i++) {
            static const size_t start[3] = {0, 2, 3};
            static const size_t cut[3] = {0, 3, 2};
            unsigned char *t = wd_xcalloc(1, n + 3);
            memset(t, ' ', i);
            memcpy(t + i, p, n);
            b.len = 0;
            b64(&b, t, n + i);
            free(t);
            size_t e = cut[(n + i) % 3];
            if (b.len < start[i] + e) {
                continue;
            }
            rc = enc_apply(l, fb, at, o, k + 1, b.p + start[i], b.len - start[i] - e);
        }
        break;
    default:
        break;
    }
    wd_buf_fini(&b);
    return rc;
}

static bool parse_num(const char *s, double *out)
{
    char *end;
    if (!*s)
        return false;
    double d = strtod(s, &end);
    if (*end)
        return false;
    *out = d;
    return true;
}

static bool parse_cidr(const char *s, uint8_t net[16], unsigned *plen)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    unsigned bits = 128;
    bool v4 = strchr(buf, ':') == NULL;
    memset(net, 0, 16);
    if (v4) {
        if (inet_pton(AF_INET, buf, net + 12) != 1)
            return false;
        net[10] = net[11] = 0xff;
    } else if (inet_pton(AF_INET6, buf, net) != 1) {
        return false;
    }
    if (slash) {
        char *end;
        unsigned long pl = strtoul(slash + 1, &end, 10);
        if (*end || end == slash + 1 || pl > (v4 ? 32u : 128u))
            return false;
        bits = (unsigned)pl + (v4 ? 96u : 0u);
    }
    *plen = bits;
    for (unsigned i = bits; i < 128; i++)
        net[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return true;
}

/* Replaces %name% placeholders by every configured value (a cross product). */
static int expand(struct sl *l, struct fieldb *fb, const struct wd_ynode *at, const struct mods *o,
                  const char *s, int depth)
{
    const char *a = strchr(s, '%');
    const char *b = a ? strchr(a + 1, '%') : NULL;
    if (!a || !b || depth > 4) {
        struct pat pp;
        wd_buf_init(&pp.b, 0);
        pat_parse(&pp, s, strlen(s));
        int rc = enc_apply(l, fb, at, o, 0, pp.b.p ? pp.b.p : "", pp.b.len);
        wd_buf_fini(&pp.b);
        return rc;
    }
    char name[128];
    size_t nl = (size_t)(b - a - 1);
    if (nl >= sizeof(name))
        return wd_yerr_at(l->err, at, "expand: placeholder name too long");
    memcpy(name, a + 1, nl);
    name[nl] = '\0';
    const char *const *vals = wd_sigma_map_placeholder(name);
    if (!vals)
        return wd_yerr_at(l->err, at,
                          "unsupported: expand: placeholder %%%s%% has no configured value", name);
    for (; *vals; vals++) {
        struct wd_buf t;
        wd_buf_init(&t, 0);
        wd_buf_append(&t, s, (size_t)(a - s));
        wd_buf_printf(&t, "%s%s", *vals, b + 1);
        wd_buf_putc(&t, '\0');
        int rc = expand(l, fb, at, o, t.p, depth + 1);
        wd_buf_fini(&t);
        if (rc)
            return rc;
    }
    return WD_OK;
}

static int add_value(struct sl *l, struct fieldb *fb, const struct wd_ynode *v,
                     const struct mods *o)
{
    if (v->kind != WD_Y_SCALAR)
        return wd_yerr_at(l->err, v, "a field value is a scalar or a list of scalars");
    const char *s = v->s.p;
    struct sg_val *x;
    if (o->m & M_EXISTS) {
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = SV_EXISTS;
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
            x->exists = true;
        else if (strcasecmp(s, "false") != 0 && strcasecmp(s, "no") != 0)
            return wd_yerr_at(l->err, v, "exists takes true or false");
        return WD_OK;
    }
    if (wd_ynode_is_null(v) && !v->quoted) {
        if (o->m & ~(M_NEQ | M_ALL))
            return wd_yerr_at(l->err, v, "null does not take modifiers");
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = SV_NULL;
        x->neq = (o->m & M_NEQ) != 0;
        return WD_OK;
    }
    if (o->m & M_RE) {
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = SV_RE;
        x->neq = (o->m & M_NEQ) != 0;
        uint32_t fl = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        if (o->m & M_RE_I)
            fl |= PCRE2_CASELESS;
        if (o->m & M_RE_M)
            fl |= PCRE2_MULTILINE;
        if (o->m & M_RE_S)
            fl |= PCRE2_DOTALL;
        int ec;
        PCRE2_SIZE eo;
        x->re = pcre2_compile((PCRE2_SPTR)s, v->s.len, fl, &ec, &eo, NULL);
        if (!x->re) {
            char m[120];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)m, sizeof(m));
            return wd_yerr_at(l->err, v, "re: offset %zu: %s", (size_t)eo, m);
        }
        pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE);
        return WD_OK;
    }
    if (o->m & M_CIDR) {
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = SV_CIDR;
        x->neq = (o->m & M_NEQ) != 0;
        if (!parse_cidr(s, x->net, &x->plen))
            return wd_yerr_at(l->err, v, "cidr: not an IPv4 or IPv6 network");
        return WD_OK;
    }
    if (o->m & (M_CMP | M_TIME)) {
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = (o->m & M_TIME) ? SV_TIME : SV_NUM;
        x->cmp = (o->m & M_TIME) ? SC_EQ : o->cmp;
        x->tpart = o->tpart;
        x->neq = (o->m & M_NEQ) != 0;
        if (!parse_num(s, &x->num))
            return wd_yerr_at(l->err, v, "a numeric modifier needs a number");
        return WD_OK;
    }
    if (o->m & M_FIELDREF) {
        if (!(x = fb_push(l, fb, v)))
            return WD_EINVAL;
        x->kind = SV_FIELDREF;
        x->cased = (o->m & M_CASED) != 0;
        x->neq = (o->m & M_NEQ) != 0;
        char buf[256];
        const char *path =
            wd_sigma_map_field(l->product, l->category, l->service, s, buf, sizeof(buf));
        x->pat = wd_xstrdup(path);
        x->len = strlen(path);
        x->ref_hash = wd_sg_path_hash(x->pat, x->len);
        return WD_OK;
    }
    if (o->m & M_EXPAND)
        return expand(l, fb, v, o, s, 0);
    struct pat pp;
    wd_buf_init(&pp.b, 0);
    pat_parse(&pp, s, v->s.len);
    int rc = enc_apply(l, fb, v, o, 0, pp.b.p ? pp.b.p : "", pp.b.len);
    wd_buf_fini(&pp.b);
    return rc;
}

/* One `field|mods: value(s)` entry (field NULL: keywords). */
static int add_field(struct sl *l, struct sg_map *m, const struct wd_ynode *key, const char *field,
                     const char *mods, const struct wd_ynode *val)
{
    struct mods o;
    int rc = parse_mods(l, key, mods, &o);
    if (rc)
        return rc;
    struct fieldb fb = {0};
    if (val->kind == WD_Y_SEQ) {
        if (!val->n && (rc = wd_yerr_at(l->err, val, "an empty value list")))
            goto fail;
        for (uint32_t i = 0; i < val->n && !rc; i++)
            rc = add_value(l, &fb, val->items[i], &o);
    } else if (val->kind == WD_Y_SCALAR) {
        if ((o.m & M_ALL) && !field)
            ;
        else if (o.m & M_ALL) {
            rc = wd_yerr_at(l->err, key, "'all' needs a list of values");
            goto fail;
        }
        rc = add_value(l, &fb, val, &o);
    } else {
        rc = wd_yerr_at(l->err, val, "a field value is a scalar or a list");
    }
    if (rc)
        goto fail;
    m->f = wd_xrealloc(m->f, (m->nf + 1) * sizeof(*m->f));
    struct sg_field *f = &m->f[m->nf++];
    memset(f, 0, sizeof(*f));
    if (field) {
        char buf[256];
        f->path = wd_xstrdup(
            wd_sigma_map_field(l->product, l->category, l->service, field, buf, sizeof(buf)));
        f->path_len = strlen(f->path);
        f->hash = wd_sg_path_hash(f->path, f->path_len);
    }
    f->all = (o.m & M_ALL) != 0;
    f->v = fb.v;
    f->nv = fb.n;
    return WD_OK;
fail:
    for (uint32_t i = 0; i < fb.n; i++) {
        free(fb.v[i].pat);
        if (fb.v[i].re)
            pcre2_code_free(fb.v[i].re);
    }
    free(fb.v);
    return rc;
}

static int compile_map(struct sl *l, struct sg_map *m, const struct wd_ynode *map)
{
    for (uint32_t i = 0; i < map->n; i++) {
        const struct wd_ynode *k = map->items[2 * (size_t)i], *v = map->items[2 * (size_t)i + 1];
        if (k->kind != WD_Y_SCALAR)
            return wd_yerr_at(l->err, k, "a field name is a string");
        const char *bar = strchr(k->s.p, '|');
        char *field = bar ? wd_xstrndup(k->s.p, (size_t)(bar - k->s.p)) : wd_xstrdup(k->s.p);
        const char *mods = bar ? bar + 1 : "";
        char kw[128];
        if (!field[0] && !strstr(mods, "re") && !strstr(mods, "contains") &&
            !strstr(mods, "with")) {
            /* keywords with modifiers (`'|all'`) keep the keyword substring semantics */
            (void)snprintf(kw, sizeof(kw), "contains%s%.100s", *mods ? "|" : "", mods);
            mods = kw;
        }
        int rc = add_field(l, m, k, field[0] ? field : NULL, mods, v);
        free(field);
        if (rc)
            return rc;
    }
    return WD_OK;
}

static int compile_ident(struct sl *l, struct sg_ident *id, const struct wd_ynode *v)
{
    if (v->kind == WD_Y_MAP) {
        id->m = wd_xcalloc(1, sizeof(*id->m));
        id->nm = 1;
        return compile_map(l, id->m, v);
    }
    if (v->kind == WD_Y_SEQ) {
        bool maps = v->n && v->items[0]->kind == WD_Y_MAP;
        for (uint32_t i = 0; i < v->n; i++)
            if ((v->items[i]->kind == WD_Y_MAP) != maps)
                return wd_yerr_at(l->err, v->items[i],
                                  "unsupported: a list mixing maps and keywords");
        if (!maps) {
            id->m = wd_xcalloc(1, sizeof(*id->m));
            id->nm = 1;
            return add_field(l, id->m, v, NULL, "contains", v);
        }
        id->m = wd_xcalloc(v->n, sizeof(*id->m));
        id->nm = v->n;
        for (uint32_t i = 0; i < v->n; i++) {
            int rc = compile_map(l, &id->m[i], v->items[i]);
            if (rc)
                return rc;
        }
        return WD_OK;
    }
    if (v->kind == WD_Y_SCALAR && !wd_ynode_is_null(v)) {
        id->m = wd_xcalloc(1, sizeof(*id->m));
        id->nm = 1;
        return add_field(l, id->m, v, NULL, "contains", v);
    }
    return wd_yerr_at(l->err, v, "a search identifier is a map, a list or a keyword");
}

/* ---- the rule ---- */

/* Compiles one logsource condition text into id (nothing for ""). */
static int compile_ls_text(struct sl *l, const struct wd_ynode *ls, struct sg_ident *id,
                           const char *text)
{
    if (!text || !*text)
        return WD_OK;
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1u << 20);
    struct wd_ynode *root = NULL;
    struct wd_yerr ye;
    int rc = wd_ytree_parse(text, strlen(text), &a, &root, &ye);
    if (rc)
        rc = wd_yerr_at(l->err, ls, "logsource mapping: %s", ye.msg);
    else if (root) {
        id->name = wd_xstrdup("\x01logsource");
        rc = compile_ident(l, id, root);
        if (rc) {
            l->err->line = ls->line;
            l->err->col = ls->col;
        }
    }
    wd_arena_fini(&a);
    return rc;
}

/* Logsource conditions interned by what decides their compiled form (both texts and the
 * logsource, which selects the field mapping): equal ones share an id, so their result is
 * computed once per event (sigma_match.c). Grows at load time only (one loading thread);
 * ids stay valid for the process's life. */
struct lsint {
    char *key;
};
static struct lsint *lsints;
static uint32_t nlsints;

static uint32_t ls_intern(const struct sl *l, const char *t0, const char *t1)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    const char *parts[5] = {t0, t1, l->product, l->category, l->service};
    for (int i = 0; i < 5; i++) {
        wd_buf_printf(&b, "%s", parts[i] ? parts[i] : "");
        wd_buf_putc(&b, '\x02');
    }
    wd_buf_putc(&b, '\0');
    for (uint32_t i = 0; i < nlsints; i++)
        if (strcmp(lsints[i].key, b.p) == 0) {
            wd_buf_fini(&b);
            return i;
        }
    lsints = wd_xrealloc(lsints, (nlsints + 1) * sizeof(*lsints));
    lsints[nlsints].key = wd_xstrdup(b.p);
    wd_buf_fini(&b);
    return nlsints++;
}

/* The logsource condition: the product's (events of that product) AND the category's or
 * service's (sigma_map.c); ids[0..1] receive the compiled identifiers. */
static int compile_logsource(struct sl *l, const struct wd_ynode *ls, struct sg_ident *ids,
                             uint32_t *n)
{
    *n = 0;
    const char *t[2] = {wd_sigma_map_product(l->product),
                        wd_sigma_map_logsource(l->product, l->category, l->service)};
    l->s->ls_id = ls_intern(l, t[0], t[1]);
    for (int i = 0; i < 2; i++) {
        if (!t[i] || !*t[i])
            continue;
        int rc = compile_ls_text(l, ls, &ids[*n], t[i]);
        if (ids[*n].name)
            (*n)++;
        if (rc)
            return rc;
    }
    return WD_OK;
}

static void info_fill(const struct wd_ynode *doc, struct wd_sigma_info *in)
{
    in->title = scalar_dup(doc, "title");
    in->id = scalar_dup(doc, "id");
    in->name = scalar_dup(doc, "name");
    in->level = scalar_dup(doc, "level");
    in->status = scalar_dup(doc, "status");
    in->description = scalar_dup(doc, "description");
    const struct wd_ynode *t = wd_ynode_get(doc, "tags");
    if (t && t->kind == WD_Y_SEQ) {
        in->tags = wd_xcalloc(t->n ? t->n : 1, sizeof(*in->tags));
        for (uint32_t i = 0; i < t->n; i++)
            if (t->items[i]->kind == WD_Y_SCALAR)
                in->tags[in->ntags++] = wd_xstrdup(t->items[i]->s.p);
    }
}

static int compile_doc(const struct wd_ynode *doc, const char *detkey, struct wd_sigma **out,
                       struct wd_sigma_info *info, struct wd_yerr *err)
{
    memset(info, 0, sizeof(*info));
    *out = NULL;
    bool filter = strcmp(detkey, "filter") == 0;
    const struct wd_ynode *det = wd_ynode_get(doc, detkey);
    const struct wd_ynode *ls = wd_ynode_get(doc, "logsource");
    if (!det || det->kind != WD_Y_MAP)
        return wd_yerr_at(err, det ? det : doc, "sigma: '%s' must be a map", detkey);
    if (!ls || ls->kind != WD_Y_MAP)
        return wd_yerr_at(err, ls ? ls : doc, "sigma: 'logsource' must be a map");
    info_fill(doc, info);
    const char *lk[] = {"product", "category", "service"};
    char **ldst[] = {&info->product, &info->category, &info->service};
    for (size_t i = 0; i < 3; i++) {
        const struct wd_ynode *n = wd_ynode_get(ls, lk[i]);
        if (n && n->kind == WD_Y_SCALAR && !wd_ynode_is_null(n))
            *ldst[i] = lower_dup(n->s.p);
    }
    struct wd_sigma *s = wd_xcalloc(1, sizeof(*s));
    s->refs = 1;
    struct sl l = {s, err, info->product, info->category, info->service};
    const struct wd_ynode *cond = wd_ynode_get(det, "condition");
    if (!cond) {
        wd_yerr_at(err, det, "sigma: detection has no 'condition'");
        goto fail;
    }
    s->ids = wd_xcalloc(det->n + 2, sizeof(*s->ids));
    for (uint32_t i = 0; i < det->n; i++) {
        const struct wd_ynode *k = det->items[2 * (size_t)i], *v = det->items[2 * (size_t)i + 1];
        if (k->kind != WD_Y_SCALAR) {
            wd_yerr_at(err, k, "sigma: a search identifier is a string");
            goto fail;
        }
        if (strcmp(k->s.p, "condition") == 0 || strcmp(k->s.p, "timeframe") == 0 ||
            (filter && strcmp(k->s.p, "rules") == 0))
            continue;
        struct sg_ident *id = &s->ids[s->nids++];
        id->name = wd_xstrdup(k->s.p);
        if (compile_ident(&l, id, v))
            goto fail;
    }
    if (wd_ynode_get(det, "timeframe")) {
        wd_yerr_at(err, wd_ynode_get(det, "timeframe"),
                   "unsupported: Sigma 1 timeframe (use a correlation rule)");
        goto fail;
    }
    /* the logsource identifiers are last, out of the conditions' reach */
    uint32_t nls = 0;
    if (compile_logsource(&l, ls, &s->ids[s->nids], &nls)) {
        s->nids += nls;
        goto fail;
    }
    if (cond->kind == WD_Y_SCALAR) {
        const char *msg;
        if (!(s->cond = wd_sg_cond_parse(s, cond->s.p, &msg))) {
            wd_yerr_at(err, cond, "%s", msg);
            goto fail;
        }
    } else if (cond->kind == WD_Y_SEQ && cond->n) {
        s->cond = wd_sg_node_new(s, SN_OR);
        for (uint32_t i = 0; i < cond->n; i++) {
            const char *msg;
            struct sg_node *c = cond->items[i]->kind == WD_Y_SCALAR
                                    ? wd_sg_cond_parse(s, cond->items[i]->s.p, &msg)
                                    : NULL;
            if (!c) {
                wd_yerr_at(err, cond->items[i], "%s",
                           cond->items[i]->kind == WD_Y_SCALAR ? msg : "a condition is a string");
                goto fail;
            }
            wd_sg_node_add(s->cond, c);
        }
    } else {
        wd_yerr_at(err, cond, "sigma: condition is a string or a list of strings");
        goto fail;
    }
    if (nls) {
        s->ls = wd_sg_node_new(s, SN_AND);
        for (uint32_t i = 0; i < nls; i++) {
            struct sg_node *x = wd_sg_node_new(s, SN_IDENT);
            x->id = &s->ids[s->nids + i];
            wd_sg_node_add(s->ls, x);
        }
    }
    s->nids += nls; /* freed with the others; conditions were parsed without them */
    wd_sg_literals(s);
    *out = s;
    return WD_OK;
fail:
    for (uint32_t i = 0; s->ids && i < 2 && s->ids[s->nids].name; i++)
        s->nids++; /* logsource identifiers compiled before the failure */
    wd_sigma_unref(s);
    wd_sigma_info_fini(info);
    return WD_EINVAL;
}

int wd_sigma_compile(const struct wd_ynode *doc, struct wd_sigma **out, struct wd_sigma_info *info,
                     struct wd_yerr *err)
{
    return compile_doc(doc, "detection", out, info, err);
}

int wd_sigma_compile_filter(const struct wd_ynode *doc, struct wd_sigma **out,
                            struct wd_sigma_info *info, struct wd_yerr *err)
{
    return compile_doc(doc, "filter", out, info, err);
}

struct wd_sigma *wd_sigma_or(struct wd_sigma *const *kids, uint32_t n)
{
    struct wd_sigma *s = wd_xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->cond = wd_sg_node_new(s, SN_OR);
    s->subs = wd_xcalloc(n ? n : 1, sizeof(*s->subs));
    for (uint32_t i = 0; i < n; i++) {
        wd_sigma_ref(kids[i]);
        s->subs[s->nsubs++] = kids[i];
        struct sg_node *p = wd_sg_node_new(s, SN_PRED);
        p->sub = kids[i];
        wd_sg_node_add(s->cond, p);
    }
    wd_sg_literals(s);
    return s;
}

void wd_sigma_add_filter(struct wd_sigma *s, struct wd_sigma *filter)
{
    wd_sigma_ref(filter);
    s->subs = wd_xrealloc(s->subs, (s->nsubs + 1) * sizeof(*s->subs));
    s->subs[s->nsubs++] = filter;
    struct sg_node *a = wd_sg_node_new(s, SN_AND), *no = wd_sg_node_new(s, SN_NOT),
                   *p = wd_sg_node_new(s, SN_PRED);
    p->sub = filter;
    wd_sg_node_add(no, p);
    wd_sg_node_add(a, s->cond);
    wd_sg_node_add(a, no);
    s->cond = a;
}

void wd_sigma_ref(struct wd_sigma *s)
{
    if (s)
        s->refs++;
}

void wd_sigma_unref(struct wd_sigma *s)
{
    if (!s || --s->refs)
        return;
    for (uint32_t i = 0; s->ids && i < s->nids; i++) {
        struct sg_ident *id = &s->ids[i];
        for (uint32_t j = 0; j < id->nm; j++) {
            for (uint32_t k = 0; k < id->m[j].nf; k++) {
                struct sg_field *f = &id->m[j].f[k];
                for (uint32_t q = 0; q < f->nv; q++) {
                    free(f->v[q].pat);
                    if (f->v[q].re)
                        pcre2_code_free(f->v[q].re);
                }
                free(f->v);
                free(f->path);
            }
            free(id->m[j].f);
        }
        free(id->m);
        free(id->name);
    }
    free(s->ids);
    for (uint32_t i = 0; i < s->nnodes; i++) {
        free(s->nodes[i]->kid);
        free(s->nodes[i]);
    }
    free(s->nodes);
    for (uint32_t i = 0; i < s->nsubs; i++)
        wd_sigma_unref(s->subs[i]);
    free(s->subs);
    for (uint32_t i = 0; i < s->nlits; i++) {
        free(s->lits[i]);
        free(s->lit_fields[i]);
    }
    free(s->lits);
    free(s->lit_fields);
    free(s);
}

bool wd_sigma_literals(const struct wd_sigma *s, const char *const **lits,
                       const char *const **fields, uint32_t *n)
{
    *lits = (const char *const *)s->lits;
    *fields = (const char *const *)s->lit_fields;
    *n = s->nlits;
    return s->has_lits;
}
