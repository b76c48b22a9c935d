/*
 * zeek_tsv.c: Zeek's TSV ("ASCII") log format (see zeek.h and shared/spec/zeek.md 1.1):
 * header lines, data rows into records, and the writer's rendering for re-emission.
 *
 * Invariants: pure (no I/O, no logging); a row is split once, left to right, and each
 * field is decoded without copying when it holds no escape (the common case), so the
 * record's strings point into the caller's line.
 */
#include <math.h>

#include "zeek.h"

#include "jv.h"
#include "mem.h"

static const char hexd[] = "0123456789abcdef";

static void mark_set(struct wd_zeek_mark *m, const char *p, size_t n)
{
    memcpy(m->p, p, n);
    m->len = (uint8_t)n;
}

void wd_zeek_hdr_init(struct wd_zeek_hdr *h)
{
    memset(h, 0, sizeof(*h));
    mark_set(&h->prefix, "#", 1);
    mark_set(&h->sep, "\t", 1);
    mark_set(&h->set_sep, ",", 1);
    mark_set(&h->empty, "(empty)", 7);
    mark_set(&h->unset, "-", 1);
}

void wd_zeek_hdr_fini(struct wd_zeek_hdr *h)
{
    if (!h)
        return;
    WD_FREE(h->cols);
    WD_FREE(h->text);
    WD_FREE(h->types_text);
    h->ncols = h->ntypes = 0;
}

bool wd_zeek_is_meta(const struct wd_zeek_hdr *h, const char *p, size_t len)
{
    return len >= h->prefix.len && memcmp(p, h->prefix.p, h->prefix.len) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes \xHH in a header value (nothing else is escaped there). */
static int meta_value(struct wd_zeek_mark *m, const char *p, size_t n)
{
    m->len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\' && i + 3 < n && p[i + 1] == 'x' && hexval(p[i + 2]) >= 0 &&
            hexval(p[i + 3]) >= 0) {
            c = (char)(hexval(p[i + 2]) * 16 + hexval(p[i + 3]));
            i += 3;
        }
        if (m->len == WD_ZEEK_MARK_MAX)
            return WD_ELIMIT;
        m->p[m->len++] = c;
    }
    return WD_OK;
}

int wd_zeek_fail(struct wd_perr *e, int code, size_t off, const char *msg)
{
    if (e) {
        e->code = code;
        e->off = off;
        e->msg = msg;
    }
    return code;
}

int wd_zeek_hdr_first(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err)
{
    static const char kw[] = "separator ";
    const char *k = NULL;
    for (size_t i = 0; i + sizeof(kw) - 1 <= len && i <= WD_ZEEK_MARK_MAX; i++)
        if (memcmp(p + i, kw, sizeof(kw) - 1) == 0) {
            k = p + i;
            break;
        }
    if (!k || k == p)
        return wd_zeek_fail(err, WD_EPARSE, 0, "not a Zeek TSV log (no '#separator' first line)");
    wd_zeek_hdr_fini(h);
    wd_zeek_hdr_init(h);
    mark_set(&h->prefix, p, (size_t)(k - p));
    const char *v = k + sizeof(kw) - 1;
    struct wd_zeek_mark sep;
    if (meta_value(&sep, v, (size_t)(p + len - v)) || sep.len == 0)
        return wd_zeek_fail(err, WD_EPARSE, (size_t)(v - p), "bad #separator value");
    h->sep = sep;
    h->order[h->nmeta++] = WD_ZM_SEPARATOR;
    return WD_OK;
}

void wd_zeek_type_parse(const char *p, size_t len, uint8_t *t, uint8_t *kind)
{
    static const struct {
        const char *name;
        uint8_t t;
    } names[] = {
        {"string", WD_ZT_STRING}, {"enum", WD_ZT_ENUM},      {"func", WD_ZT_FUNC},
        {"addr", WD_ZT_ADDR},     {"subnet", WD_ZT_SUBNET},  {"bool", WD_ZT_BOOL},
        {"int", WD_ZT_INT},       {"count", WD_ZT_COUNT},    {"port", WD_ZT_PORT},
        {"double", WD_ZT_DOUBLE}, {"time", WD_ZT_TIME},      {"interval", WD_ZT_INTERVAL},
        {"file", WD_ZT_STRING},   {"pattern", WD_ZT_STRING}, {"counter", WD_ZT_COUNT},
        {"table", WD_ZT_UNKNOWN}, {"record", WD_ZT_UNKNOWN}, {"opaque", WD_ZT_UNKNOWN},
    };
    *kind = WD_ZK_SCALAR;
    if (len > 5 && p[len - 1] == ']' && memcmp(p, "set[", 4) == 0) {
        *kind = WD_ZK_SET;
        p += 4, len -= 5;
    } else if (len > 8 && p[len - 1] == ']' && memcmp(p, "vector[", 7) == 0) {
        *kind = WD_ZK_VECTOR;
        p += 7, len -= 8;
    }
    *t = WD_ZT_UNKNOWN;
    for (size_t i = 0; i < WD_ARRAY_LEN(names); i++)
        if (strlen(names[i].name) == len && memcmp(names[i].name, p, len) == 0)
            *t = names[i].t;
}

/* Splits `v` by the separator into column names or types, keeping a copy in h->text. */
static int set_list(struct wd_zeek_hdr *h, const char *v, size_t n, bool types, struct wd_perr *err,
                    size_t base)
{
    size_t cnt = 1;
    for (size_t i = 0; i + h->sep.len <= n; i++)
        if (memcmp(v + i, h->sep.p, h->sep.len) == 0)
            cnt++, i += h->sep.len - 1;
    if (cnt > WD_ZEEK_MAX_COLS)
        return wd_zeek_fail(err, WD_ELIMIT, base, "too many columns");
    char *copy = wd_xmalloc(n + 1);
    memcpy(copy, v, n);
    copy[n] = '\0';
    if (!types) {
        /* A new #fields line starts a new schema (a second header in one stream). */
        free(h->text);
        free(h->cols);
        WD_FREE(h->types_text);
        h->text = copy;
        h->cols = wd_xcalloc(cnt, sizeof(*h->cols));
        h->ncols = (uint32_t)cnt;
        h->ntypes = 0;
    } else if (cnt != h->ncols) {
        free(copy);
        return wd_zeek_fail(err, WD_EPARSE, base,
                            "#types does not have one type per #fields column");
    } else {
        free(h->types_text); /* a repeated #types line replaces the types */
        h->types_text = copy;
    }
    const char *s = copy;
    for (size_t i = 0; i < cnt; i++) {
        const char *e = s;
        while (*e && !(strncmp(e, h->sep.p, h->sep.len) == 0))
            e++;
        struct wd_zeek_col *c = &h->cols[i];
        if (types) {
            c->type = (struct wd_str){s, (size_t)(e - s)};
            wd_zeek_type_parse(s, (size_t)(e - s), &c->t, &c->kind);
        } else {
            c->name = (struct wd_str){s, (size_t)(e - s)};
            c->type = WD_STR("string");
            c->t = WD_ZT_STRING;
            c->kind = WD_ZK_SCALAR;
            if (c->name.len == 0) {
                /* leave no half-built schema behind: rows are refused until a good one */
                WD_FREE(h->cols);
                WD_FREE(h->text);
                h->ncols = 0;
                return wd_zeek_fail(err, WD_EPARSE, base, "empty column name in #fields");
            }
        }
        s = *e ? e + h->sep.len : e;
    }
    if (types)
        h->ntypes = h->ncols;
    return WD_OK;
}

int wd_zeek_hdr_plain(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err)
{
    wd_zeek_hdr_fini(h);
    wd_zeek_hdr_init(h);
    h->plain = true;
    if (memchr(p, '\0', len))
        return wd_zeek_fail(err, WD_EPARSE, 0, "NUL byte in the header");
    return set_list(h, p, len, false, err, 0);
}

static void note_meta(struct wd_zeek_hdr *h, uint8_t m)
{
    for (uint8_t i = 0; i < h->nmeta; i++)
        if (h->order[i] == m)
            return;
    if (h->nmeta < WD_ZM__COUNT)
        h->order[h->nmeta++] = m;
}

static void copy_rest(char *dst, size_t cap, const char *p, size_t n)
{
    n = WD_MIN(n, cap - 1);
    memcpy(dst, p, n);
    dst[n] = '\0';
}

int wd_zeek_hdr_line(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err)
{
    static const struct {
        const char *kw;
        uint8_t m;
    } kws[] = {
        {"set_separator", WD_ZM_SET_SEPARATOR},
        {"empty_field", WD_ZM_EMPTY},
        {"unset_field", WD_ZM_UNSET},
        {"path", WD_ZM_PATH},
        {"open", WD_ZM_OPEN},
        {"close", WD_ZM_CLOSE},
        {"fields", WD_ZM_FIELDS},
        {"types", WD_ZM_TYPES},
        {"separator", WD_ZM_SEPARATOR},
    };
    if (!wd_zeek_is_meta(h, p, len))
        return wd_zeek_fail(err, WD_EPARSE, 0, "not a meta line");
    if (memchr(p, '\0', len))
        return wd_zeek_fail(err, WD_EPARSE, (size_t)((const char *)memchr(p, '\0', len) - p),
                            "NUL byte in a meta line");
    const char *k = p + h->prefix.len;
    size_t kn = len - h->prefix.len;
    for (size_t i = 0; i < WD_ARRAY_LEN(kws); i++) {
        size_t n = strlen(kws[i].kw);
        if (kn < n || memcmp(k, kws[i].kw, n) != 0)
            continue;
        const char *rest = k + n;
        size_t rn = kn - n;
        uint8_t m = kws[i].m;
        if (m == WD_ZM_SEPARATOR)
            return wd_zeek_hdr_first(h, p, len, err);
        if (m == WD_ZM_OPEN || m == WD_ZM_CLOSE) {
            if (rn && rest[0] != ' ' && memcmp(rest, h->sep.p, WD_MIN(rn, h->sep.len)) != 0)
                continue; /* "#openfoo": not ours */
            copy_rest(m == WD_ZM_OPEN ? h->open : h->close, sizeof(h->open), rest, rn);
            note_meta(h, m);
            return WD_OK;
        }
        if (rn < h->sep.len || memcmp(rest, h->sep.p, h->sep.len) != 0)
            continue; /* another keyword sharing the prefix, or an unknown meta line */
        const char *v = rest + h->sep.len;
        size_t vn = rn - h->sep.len;
        size_t off = (size_t)(v - p);
        int rc = WD_OK;
        switch (m) {
        case WD_ZM_SET_SEPARATOR:
            rc = meta_value(&h->set_sep, v, vn);
            if (!rc && h->set_sep.len == 0)
                rc = WD_EPARSE;
            break;
        case WD_ZM_EMPTY:
            rc = meta_value(&h->empty, v, vn);
            break;
        case WD_ZM_UNSET:
            rc = meta_value(&h->unset, v, vn);
            break;
        case WD_ZM_PATH:
            copy_rest(h->path, sizeof(h->path), v, vn);
            break;
        case WD_ZM_FIELDS:
            rc = set_list(h, v, vn, false, err, off);
            if (rc)
                return rc;
            break;
        case WD_ZM_TYPES:
            if (!h->ncols)
                return wd_zeek_fail(err, WD_EPARSE, 0, "#types before #fields");
            rc = set_list(h, v, vn, true, err, off);
            if (rc)
                return rc;
            break;
        default:
            break;
        }
        if (rc)
            return wd_zeek_fail(err, rc == WD_ELIMIT ? WD_ELIMIT : WD_EPARSE, off,
                                "bad or too long marker value");
        note_meta(h, m);
        return WD_OK;
    }
    return WD_OK; /* unknown meta lines are comments */
}

/* ---- values ---- */

bool wd_zeek_time_us(const char *p, size_t len, int64_t *us)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    int64_t sec = 0;
    size_t d0 = i;
    while (i < len && p[i] >= '0' && p[i] <= '9') {
        if (sec > (INT64_MAX / 1000000 - 9) / 10)
            return false;
        sec = sec * 10 + (p[i++] - '0');
    }
    if (i == d0)
        return false;
    int64_t frac = 0;
    int nf = 0;
    if (i < len && p[i] == '.') {
        i++;
        size_t f0 = i;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            if (nf < 6)
                frac = frac * 10 + (p[i] - '0'), nf++;
            else if (nf == 6 && p[i] >= '5')
                nf = 7; /* round half up below */
            i++;
        }
        if (i == f0)
            return false;
    }
    if (i != len)
        return false;
    bool up = nf == 7;
    if (nf == 7)
        nf = 6;
    while (nf < 6)
        frac *= 10, nf++;
    int64_t v = sec * 1000000 + frac + (up ? 1 : 0);
    *us = neg ? -v : v;
    return true;
}

static const double pow10tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Decimal literal to double: when the digits form an integer below 2^53 and there are at
 * most 22 decimals, mantissa and power of ten are both exact doubles, so one division is
 * correctly rounded (Zeek's six-decimal times take this path); strtod otherwise. */
static bool parse_double(const char *p, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    uint64_t m = 0;
    int digits = 0, frac = 0;
    bool any = false, dot = false;
    for (; i < len; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            any = true;
            if (m || c != '0')
                digits++;
            if (digits > 17)
                goto slow;
            m = m * 10 + (uint64_t)(c - '0');
            if (dot)
                frac++;
            if (m > (UINT64_C(1) << 53))
                goto slow; /* beyond the doubles that hold every integer exactly */
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            goto slow;
        }
    }
    if (!any)
        return false;
    *out = (neg ? -1.0 : 1.0) * ((double)m / pow10tab[frac > 22 ? 22 : frac]);
    if (frac > 22)
        goto slow;
    return true;
slow:;
    char tmp[400];
    if (len >= sizeof(tmp))
        return false;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    if (!strcmp(tmp, "inf") || !strcmp(tmp, "-inf") || !strcmp(tmp, "nan") ||
        !strcmp(tmp, "-nan")) {
        *out = tmp[0] == 'n'                    ? NAN
               : tmp[0] == '-' && tmp[1] == 'i' ? -INFINITY
               : tmp[0] == '-'                  ? -NAN
                                                : INFINITY;
        return true;
    }
    char *end;
    for (size_t k = 0; k < len; k++)
        if (!((tmp[k] >= '0' && tmp[k] <= '9') || tmp[k] == '.' || tmp[k] == '-' || tmp[k] == '+' ||
              tmp[k] == 'e' || tmp[k] == 'E'))
            return false;
    *out = strtod(tmp, &end);
    return end == tmp + len;
}

static bool parse_int(const char *p, size_t len, bool sign_ok, int64_t *v, bool *big)
{
    size_t i = 0;
    bool neg = false;
    *big = false;
    if (sign_ok && i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    if (i == len || len - i > 20)
        return false;
    uint64_t u = 0;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (u > (UINT64_MAX - d) / 10)
            return false;
        u = u * 10 + d;
    }
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return false;
        *v = (int64_t)(0 - u);
    } else if (u > (uint64_t)INT64_MAX) {
        *big = true;
        *v = 0;
    } else {
        *v = (int64_t)u;
    }
    return true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - s) < n)
        return 0;
    unsigned cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static bool json_plain_ctl(unsigned char c)
{
    return c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t';
}

/* Decodes a TSV string field. Borrows when nothing needs changing. */
static struct wd_jv *str_value(struct wd_arena *a, const char *p, size_t n, unsigned flags)
{
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\' || c < 0x20 || c >= 0x7f)
            break;
    }
    if (i == n)
        return wd_jv_str(a, p, n);
    /* Decode every escape to bytes; in JSON-text mode re-encode what Zeek's JSON HEX
     * policy writes as text. Worst case 4x (a raw byte becoming `\xHH`). */
    char *tmp = wd_arena_alloc(a, n + 1);
    char *out = wd_arena_alloc(a, 4 * n + 1);
    if (!tmp || !out)
        return NULL;
    size_t tn = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '\\' && k + 1 < n && p[k + 1] == '\\') {
            tmp[tn++] = '\\';
            k++;
        } else if (p[k] == '\\' && k + 3 < n && p[k + 1] == 'x' && hexval(p[k + 2]) >= 0 &&
                   hexval(p[k + 3]) >= 0) {
            tmp[tn++] = (char)(hexval(p[k + 2]) * 16 + hexval(p[k + 3]));
            k += 3;
        } else {
            tmp[tn++] = p[k];
        }
    }
    if (flags & WD_ZEEK_BYTES)
        return wd_jv_str(a, tmp, tn);
    const unsigned char *s = (const unsigned char *)tmp, *end = s + tn;
    size_t on = 0;
    while (s < end) {
        size_t l = utf8_len(s, end);
        if (l == 1 && (*s >= 0x20 || json_plain_ctl(*s)) && *s != 0x7f) {
            out[on++] = (char)*s++;
        } else if (l > 1) {
            memcpy(out + on, s, l);
            on += l, s += l;
        } else {
            out[on++] = '\\';
            out[on++] = 'x';
            out[on++] = hexd[*s >> 4];
            out[on++] = hexd[*s & 15];
            s++;
        }
    }
    return wd_jv_str(a, out, on);
}

static bool same(const char *p, size_t n, const struct wd_zeek_mark *m)
{
    return n == m->len && memcmp(p, m->p, n) == 0;
}

/* One scalar value of type t; *bad counts values kept as strings. */
static struct wd_jv *scalar(struct wd_arena *a, uint8_t t, const char *p, size_t n, unsigned flags,
                            uint32_t *bad)
{
    struct wd_jv *v;
    int64_t i;
    bool big;
    double d;
    switch (t) {
    case WD_ZT_BOOL:
        if (n == 1 && (p[0] == 'T' || p[0] == 'F'))
            return wd_jv_bool(a, p[0] == 'T');
        break;
    case WD_ZT_INT:
    case WD_ZT_COUNT:
    case WD_ZT_PORT:
        if (parse_int(p, n, t == WD_ZT_INT, &i, &big)) {
            if (big) {
                v = wd_jv_new(a, WD_JV_FLOAT);
                if (v) {
                    v->is_intlit = true;
                    if (!parse_double(p, n, &v->u.f))
                        v->u.f = 0;
                }
            } else {
                v = wd_jv_int(a, i);
            }
            if (v)
                v->raw = (struct wd_str){p, n};
            return v;
        }
        break;
    case WD_ZT_DOUBLE:
    case WD_ZT_TIME:
    case WD_ZT_INTERVAL:
        if (parse_double(p, n, &d)) {
            v = wd_jv_float(a, d);
            /* The literal is valid JSON only when finite (inf/nan are written as null). */
            if (v && isfinite(d))
                v->raw = (struct wd_str){p, n};
            return v;
        }
        break;
    default:
        return str_value(a, p, n, flags);
    }
    if (bad)
        (*bad)++;
    return str_value(a, p, n, flags);
}

static const char *find_sep(const char *p, const char *end, const struct wd_zeek_mark *m)
{
    if (m->len == 1)
        return memchr(p, m->p[0], (size_t)(end - p));
    for (; p + m->len <= end; p++)
        if (memcmp(p, m->p, m->len) == 0)
            return p;
    return NULL;
}

static struct wd_jv *field(const struct wd_zeek_hdr *h, const struct wd_zeek_col *c, const char *p,
                           size_t n, unsigned flags, struct wd_arena *a, uint32_t *bad)
{
    if (c->kind == WD_ZK_SCALAR) {
        if (same(p, n, &h->empty))
            return wd_jv_str(a, "", 0);
        return scalar(a, c->t, p, n, flags, bad);
    }
    struct wd_jv *arr = wd_jv_new(a, WD_JV_ARR);
    if (!arr || same(p, n, &h->empty))
        return arr;
    const char *s = p, *end = p + n;
    for (;;) {
        const char *e = find_sep(s, end, &h->set_sep);
        if (!e)
            e = end;
        /* an element may be the unset marker (vector hole) or the empty marker (the
         * writer's rendering of an empty string element) */
        struct wd_jv *el = same(s, (size_t)(e - s), &h->unset) ? wd_jv_new(a, WD_JV_NULL)
                           : same(s, (size_t)(e - s), &h->empty)
                               ? wd_jv_str(a, "", 0)
                               : scalar(a, c->t, s, (size_t)(e - s), flags, bad);
        if (!el)
            return NULL;
        wd_jv_push(arr, el);
        if (e == end)
            break;
        s = e + h->set_sep.len;
    }
    return arr;
}

int wd_zeek_tsv_row(const struct wd_zeek_hdr *h, const char *p, size_t len, unsigned flags,
                    struct wd_arena *a, struct wd_jv **out, uint32_t *bad_values,
                    struct wd_perr *err)
{
    *out = NULL;
    if (!h->ncols)
        return wd_zeek_fail(err, WD_EPARSE, 0, "data line before the #fields header");
    struct wd_jv *rec = wd_jv_new(a, WD_JV_OBJ);
    if (!rec)
        return WD_ENOMEM;
    const char *s = p, *end = p + len;
    for (uint32_t i = 0; i < h->ncols; i++) {
        const char *e = find_sep(s, end, &h->sep);
        if (!e && i + 1 < h->ncols)
            return wd_zeek_fail(err, WD_EPARSE, len, "fewer fields than the #fields header names");
        if (e && i + 1 == h->ncols)
            return wd_zeek_fail(err, WD_EPARSE, (size_t)(e - p),
                                "more fields than the #fields header names");
        if (!e)
            e = end;
        size_t n = (size_t)(e - s);
        /* `\x23` at the very start is the writer's escape of a leading '#': decoded below. */
        if (!same(s, n, &h->unset)) {
            struct wd_jv *v = field(h, &h->cols[i], s, n, flags, a, bad_values);
            if (!v)
                return WD_ENOMEM;
            wd_jv_add(rec, h->cols[i].name, v);
        }
        s = e + h->sep.len;
    }
    *out = rec;
    return WD_OK;
}

/* ---- writer ---- */

size_t wd_zeek_fmt_double(double d, char *out)
{
    if (isnan(d))
        return (size_t)snprintf(out, 8, "nan");
    if (isinf(d))
        return (size_t)snprintf(out, 8, "%s", d < 0 ? "-inf" : "inf");
    int n = snprintf(out, 400, "%.6f", d);
    if (n < 0 || n >= 400)
        return 0;
    while (n > 0 && out[n - 1] == '0')
        n--;
    if (n > 0 && out[n - 1] == '.')
        out[n++] = '0';
    out[n] = '\0';
    return (size_t)n;
}

static void put_hex(struct wd_buf *o, unsigned char c)
{
    char e[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
    wd_buf_append(o, e, 4);
}

static void put_meta_value(struct wd_buf *o, const struct wd_zeek_mark *m, bool sep_line)
{
    for (uint8_t i = 0; i < m->len; i++) {
        unsigned char c = (unsigned char)m->p[i];
        if (c <= 0x20 || c >= 0x7f || (sep_line && c == '\\'))
            put_hex(o, c);
        else
            wd_buf_putc(o, (char)c);
    }
}

static void put_escaped(struct wd_buf *o, const struct wd_zeek_hdr *h, const char *p, size_t n,
                        bool in_set)
{
    size_t i = 0;
    if (same(p, n, &h->unset) || same(p, n, &h->empty)) {
        put_hex(o, (unsigned char)p[0]);
        i = 1;
    }
    const unsigned char *s = (const unsigned char *)p, *end = s + n;
    while (i < n) {
        unsigned char c = s[i];
        if (n - i >= h->sep.len && memcmp(s + i, h->sep.p, h->sep.len) == 0) {
            for (uint8_t k = 0; k < h->sep.len; k++)
                put_hex(o, (unsigned char)h->sep.p[k]);
            i += h->sep.len;
            continue;
        }
        if (in_set && n - i >= h->set_sep.len && memcmp(s + i, h->set_sep.p, h->set_sep.len) == 0) {
            for (uint8_t k = 0; k < h->set_sep.len; k++)
                put_hex(o, (unsigned char)h->set_sep.p[k]);
            i += h->set_sep.len;
            continue;
        }
        if (c == '\\') {
            wd_buf_append(o, "\\\\", 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            put_hex(o, c);
            i++;
        } else if (c >= 0x80) {
            size_t l = h->ascii_only ? 0 : utf8_len(s + i, end);
            if (l)
                wd_buf_append(o, s + i, l), i += l;
            else
                put_hex(o, c), i++;
        } else {
            wd_buf_putc(o, (char)c);
            i++;
        }
    }
}

static void put_scalar(struct wd_buf *o, const struct wd_zeek_hdr *h, uint8_t t,
                       const struct wd_jv *v, bool in_set)
{
    char tmp[400];
    size_t n;
    switch (v->type) {
    case WD_JV_NULL:
        wd_buf_append(o, h->unset.p, h->unset.len);
        break;
    case WD_JV_TRUE:
    case WD_JV_FALSE:
        wd_buf_putc(o, v->type == WD_JV_TRUE ? 'T' : 'F');
        break;
    case WD_JV_INT:
        if (t == WD_ZT_TIME || t == WD_ZT_INTERVAL || t == WD_ZT_DOUBLE) {
            n = t == WD_ZT_DOUBLE
                    ? wd_zeek_fmt_double((double)v->u.i, tmp)
                    : (size_t)snprintf(tmp, sizeof(tmp), "%lld.000000", (long long)v->u.i);
            wd_buf_append(o, tmp, n);
        } else {
            wd_buf_append(o, tmp, wd_fmt_i64(v->u.i, tmp));
        }
        break;
    case WD_JV_FLOAT:
        if (v->is_intlit)
            wd_buf_append(o, v->raw.p, v->raw.len);
        else if (t == WD_ZT_TIME || t == WD_ZT_INTERVAL)
            wd_buf_append(o, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%.6f", v->u.f));
        else
            wd_buf_append(o, tmp, wd_zeek_fmt_double(v->u.f, tmp));
        break;
    case WD_JV_STR:
        if (v->u.s.len == 0)
            wd_buf_append(o, h->empty.p, h->empty.len);
        else
            put_escaped(o, h, v->u.s.p, v->u.s.len, in_set);
        break;
    default: {
        struct wd_buf j;
        wd_buf_init(&j, 0);
        wd_jv_write(v, &j);
        put_escaped(o, h, j.p, j.len, in_set);
        wd_buf_fini(&j);
    }
    }
}

int wd_zeek_tsv_emit_hdr(const struct wd_zeek_hdr *h, struct wd_buf *o)
{
    if (h->plain) {
        for (uint32_t i = 0; i < h->ncols; i++) {
            if (i)
                wd_buf_append(o, h->sep.p, h->sep.len);
            wd_buf_append(o, h->cols[i].name.p, h->cols[i].name.len);
        }
        return wd_buf_putc(o, '\n');
    }
    static const char *const kw[WD_ZM__COUNT] = {"separator",   "set_separator", "empty_field",
                                                 "unset_field", "path",          "open",
                                                 "fields",      "types",         "close"};
    for (uint8_t k = 0; k < h->nmeta; k++) {
        uint8_t m = h->order[k];
        if (m == WD_ZM_CLOSE)
            continue;
        wd_buf_append(o, h->prefix.p, h->prefix.len);
        wd_buf_append(o, kw[m], strlen(kw[m]));
        if (m == WD_ZM_SEPARATOR) {
            wd_buf_putc(o, ' ');
            put_meta_value(o, &h->sep, true);
        } else if (m == WD_ZM_OPEN) {
            wd_buf_append(o, h->open, strlen(h->open));
        } else {
            wd_buf_append(o, h->sep.p, h->sep.len);
            if (m == WD_ZM_SET_SEPARATOR)
                put_meta_value(o, &h->set_sep, false);
            else if (m == WD_ZM_EMPTY)
                put_meta_value(o, &h->empty, false);
            else if (m == WD_ZM_UNSET)
                put_meta_value(o, &h->unset, false);
            else if (m == WD_ZM_PATH)
                wd_buf_append(o, h->path, strlen(h->path));
            for (uint32_t i = 0; (m == WD_ZM_FIELDS || m == WD_ZM_TYPES) && i < h->ncols; i++) {
                struct wd_str s = m == WD_ZM_FIELDS ? h->cols[i].name : h->cols[i].type;
                if (i)
                    wd_buf_append(o, h->sep.p, h->sep.len);
                wd_buf_append(o, s.p, s.len);
            }
        }
        wd_buf_putc(o, '\n');
    }
    return WD_OK;
}

int wd_zeek_tsv_emit_close(const struct wd_zeek_hdr *h, struct wd_buf *o)
{
    wd_buf_append(o, h->prefix.p, h->prefix.len);
    wd_buf_append(o, "close", 5);
    wd_buf_append(o, h->close, strlen(h->close));
    return wd_buf_putc(o, '\n');
}

int wd_zeek_tsv_emit_row(const struct wd_zeek_hdr *h, const struct wd_jv *rec, struct wd_buf *o)
{
    size_t start = o->len;
    const struct wd_jv *cur = rec->u.kids.head;
    for (uint32_t i = 0; i < h->ncols; i++) {
        const struct wd_zeek_col *c = &h->cols[i];
        if (i)
            wd_buf_append(o, h->sep.p, h->sep.len);
        const struct wd_jv *v = NULL;
        if (cur && cur->key.len == c->name.len && !memcmp(cur->key.p, c->name.p, c->name.len)) {
            v = cur;
            cur = cur->next;
        } else {
            v = wd_jv_getn(rec, c->name); /* a record built out of column order */
        }
        if (!v) {
            wd_buf_append(o, h->unset.p, h->unset.len);
        } else if (v->type == WD_JV_ARR) {
            if (!v->count)
                wd_buf_append(o, h->empty.p, h->empty.len);
            for (const struct wd_jv *e = v->u.kids.head; e; e = e->next) {
                if (e != v->u.kids.head)
                    wd_buf_append(o, h->set_sep.p, h->set_sep.len);
                put_scalar(o, h, c->t, e, true);
            }
        } else {
            put_scalar(o, h, c->t, v, false);
        }
    }
    /* A data line must not look like a meta line: escape its first byte. */
    if (o->len - start >= h->prefix.len && !memcmp(o->p + start, h->prefix.p, h->prefix.len)) {
        unsigned char c0 = (unsigned char)o->p[start];
        if (wd_buf_reserve(o, 3) == WD_OK) {
            memmove(o->p + start + 4, o->p + start + 1, o->len - start - 1);
            o->p[start] = '\\';
            o->p[start + 1] = 'x';
            o->p[start + 2] = hexd[c0 >> 4];
            o->p[start + 3] = hexd[c0 & 15];
            o->len += 3;
        }
    }
    return wd_buf_putc(o, '\n');
}

int wd_zeek_detect(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i < len && p[i] == '{')
        return WD_ZF_JSON;
    struct wd_zeek_hdr h;
    wd_zeek_hdr_init(&h);
    int rc = wd_zeek_hdr_first(&h, p, len, NULL);
    wd_zeek_hdr_fini(&h);
    return rc == WD_OK ? WD_ZF_TSV : WD_ZF_NONE;
}

size_t wd_zeek_log_of_file(const char *name, char *out, size_t cap)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    size_t n = strcspn(b, ".");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    return n;
}
