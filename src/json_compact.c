/*
 * json_compact.c: wd_json_parse_compact() (json.h), a decoder for the JSON ward writes
 * itself. WAL records are wd_jv_write() output: no whitespace, ASCII almost always, few
 * escapes, numbers as they came in. The store and the detection engine each decode every
 * record again; for such text a single scalar pass that builds the tree directly costs a
 * fraction of simdjson's two passes plus the walk over its tape (docs/BENCHMARKS.md).
 *
 * The subset taken here: compact JSON (no whitespace) whose strings hold ASCII from 0x20
 * and any escape but \\u, whose numbers are integers fitting int64 (but "-0") or decimals
 * with at most 19 significant digits and a value w * 10^q with w <= 2^53 and |q| <= 22
 * (both exact doubles, so one multiplication or division rounds correctly, as simdjson
 * does), nested at most 64 levels (and at most max_depth). Anything else, including every error, makes wd_json_decode_compact()
 * return WD_EAGAIN and wd_json_parse() decide, so the results are the same for every
 * input (tests/fuzz/fuzz_json.c compares the two trees).
 *
 * Pure: no I/O, reads only p[0..len).
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"
#include "jv.h"
#include "mem.h"

#define COMPACT_MAX_DEPTH 64

struct cdec {
    const char *p, *end;
    struct wd_arena *a;
    uint32_t max_depth;
};

/* (The helpers of the per-value path are inline: a call per value, with its register
 * saves, cost as much as building the node.) */
#define HOT static inline __attribute__((always_inline))

HOT struct wd_jv *node(struct cdec *d, uint8_t type)
{
    struct wd_jv *v = wd_arena_alloc(d->a, sizeof(*v));
    if (v)
        *v = (struct wd_jv){.type = type};
    return v;
}

/* The escape character after a backslash, unescaped; 0 for \\u and anything invalid. */
static char unescape(char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

/* get_string() from the first backslash at q of the string that starts at s: the text up
 * to the closing quote, unescaped into the arena (as wd_json_parse does). */
static bool get_escaped(struct cdec *d, const char *s, const char *q, struct wd_str *out)
{
    const char *e = q;
    while (e < d->end && *e != '"') {
        if ((unsigned char)*e < 0x20 || (unsigned char)*e >= 0x80)
            return false;
        if (*e == '\\' && (e + 1 >= d->end || !unescape(e[1])))
            return false;
        e += *e == '\\' ? 2 : 1;
    }
    if (e >= d->end)
        return false;
    char *t = wd_arena_alloc(d->a, (size_t)(e - s) + 1), *o = t;
    if (!t)
        return false;
    memcpy(o, s, (size_t)(q - s));
    o += q - s;
    for (const char *i = q; i < e; i++)
        *o++ = *i == '\\' ? unescape(*++i) : *i;
    *o = '\0';
    out->p = t;
    out->len = (size_t)(o - t);
    d->p = e + 1;
    return true;
}

/*
 * The string after the opening quote at d->p: its bytes up to the closing quote, which
 * must all be ASCII from 0x20, with escapes other than \\u (get_escaped). Sixteen bytes at
 * a time while they lie inside the input: the signed compare flags bytes below 0x20 and,
 * being negative, every byte from 0x80.
 */
HOT bool get_string(struct cdec *d, struct wd_str *out)
{
    const char *s = ++d->p, *q = s;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), low = _mm_set1_epi8(0x20);
    while (d->end - q >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs)),
                                   _mm_cmplt_epi8(x, low));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m) {
            q += __builtin_ctz(m);
            goto found;
        }
        q += 16;
    }
#endif
    while (q < d->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 &&
           (unsigned char)*q < 0x80)
        q++;
#ifdef __SSE2__
found:
#endif
    if (q < d->end && *q == '\\')
        return get_escaped(d, s, q, out);
    if (q >= d->end || *q != '"')
        return false;
    out->p = s;
    out->len = (size_t)(q - s);
    d->p = q + 1;
    return true;
}

/* Exact powers of ten in double (10^0 .. 10^22). */
static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

HOT struct wd_jv *get_number(struct cdec *d)
{
    const char *s = d->p, *q = s;
    bool neg = *q == '-';
    q += neg;
    if (q >= d->end || (unsigned)(*q - '0') > 9)
        return NULL;
    uint64_t w = 0;
    int digits = 0, q10 = 0;
    bool lead = *q == '0';
    if (lead) {
        q++;
    } else {
        for (; q < d->end && (unsigned)(*q - '0') <= 9; q++, digits++)
            if (digits < 19)
                w = w * 10 + (uint64_t)(*q - '0');
    }
    bool is_int = true;
    if (q < d->end && *q == '.') {
        is_int = false;
        const char *f = ++q;
        for (; q < d->end && (unsigned)(*q - '0') <= 9; q++) {
            if (!digits && *q == '0') { /* zeros before the first significant digit */
                q10--;
                continue;
            }
            if (digits < 19)
                w = w * 10 + (uint64_t)(*q - '0');
            digits++;
            q10--;
        }
        if (q == f)
            return NULL;
    }
    if (q < d->end && (*q == 'e' || *q == 'E')) {
        is_int = false;
        q++;
        bool eneg = q < d->end && *q == '-';
        if (q < d->end && (*q == '-' || *q == '+'))
            q++;
        const char *e0 = q;
        int e = 0;
        for (; q < d->end && (unsigned)(*q - '0') <= 9; q++)
            if (e < 10000)
                e = e * 10 + (*q - '0');
        if (q == e0)
            return NULL;
        q10 += eneg ? -e : e;
    }
    if (digits > 19)
        return NULL;
    struct wd_jv *v;
    if (is_int) {
        /* integers fitting int64; -0 (and -0.0 below) left to wd_json_parse, which
         * keeps the sign as simdjson classifies it */
        if (digits == 19 && (w > (uint64_t)INT64_MAX + neg))
            return NULL;
        if (neg && w == 0)
            return NULL;
        if (!(v = node(d, WD_JV_INT)))
            return NULL;
        v->u.i = neg ? (int64_t)(0 - w) : (int64_t)w;
    } else {
        if (w > (1ull << 53) || q10 < -22 || q10 > 22 || (neg && w == 0))
            return NULL;
        double x = (double)w;
        x = q10 < 0 ? x / pow10_tab[-q10] : x * pow10_tab[q10];
        if (!(v = node(d, WD_JV_FLOAT)))
            return NULL;
        v->u.f = neg ? -x : x;
    }
    v->raw.p = s;
    v->raw.len = (size_t)(q - s);
    d->p = q;
    return v;
}

HOT bool literal(struct cdec *d, const char *lit, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0)
        return false;
    d->p += n;
    return true;
}

/* A string, number or literal at d->p; NULL when it is none (a bracket included). */
HOT struct wd_jv *get_scalar(struct cdec *d)
{
    struct wd_jv *v;
    switch (*d->p) {
    case '"':
        if (!(v = node(d, WD_JV_STR)) || !get_string(d, &v->u.s))
            return NULL;
        return v;
    case 't':
        return literal(d, "true", 4) ? node(d, WD_JV_TRUE) : NULL;
    case 'f':
        return literal(d, "false", 5) ? node(d, WD_JV_FALSE) : NULL;
    case 'n':
        return literal(d, "null", 4) ? node(d, WD_JV_NULL) : NULL;
    case '{':
    case '[':
        return NULL;
    default:
        return get_number(d);
    }
}

/* An object or array at d->p (its opening bracket), nested at `depth` + 1: scalars
 * inline, containers by recursion. */
static struct wd_jv *get_container(struct cdec *d, uint32_t depth)
{
    bool obj = *d->p == '{';
    char close = obj ? '}' : ']';
    if (depth + 1 > d->max_depth)
        return NULL;
    struct wd_jv *v = node(d, obj ? WD_JV_OBJ : WD_JV_ARR);
    if (!v)
        return NULL;
    d->p++;
    if (d->p < d->end && *d->p == close) {
        d->p++;
        return v;
    }
    for (;;) {
        struct wd_str key = {0};
        if (obj) {
            if (d->p >= d->end || *d->p != '"' || !get_string(d, &key) || d->p >= d->end ||
                *d->p != ':')
                return NULL;
            d->p++;
        }
        if (d->p >= d->end)
            return NULL;
        struct wd_jv *kid =
            *d->p == '{' || *d->p == '[' ? get_container(d, depth + 1) : get_scalar(d);
        if (!kid)
            return NULL;
        kid->key = key;
        wd_jv_push(v, kid);
        if (d->p >= d->end)
            return NULL;
        if (*d->p == ',') {
            d->p++;
            continue;
        }
        if (*d->p != close)
            return NULL;
        d->p++;
        return v;
    }
}

int wd_json_decode_compact(const char *p, size_t len, uint32_t max_depth, struct wd_arena *a,
                           struct wd_jv **out)
{
    uint32_t depth =
        max_depth == 0 || max_depth > WD_JSON_DEPTH_CAP ? WD_JSON_DEPTH_CAP : max_depth;
    struct cdec d = {p, p + len, a, depth < COMPACT_MAX_DEPTH ? depth : COMPACT_MAX_DEPTH};
    struct wd_arena_pos m;
    wd_arena_mark(a, &m);
    struct wd_jv *v = !len ? NULL : *p == '{' || *p == '[' ? get_container(&d, 0) : get_scalar(&d);
    if (v && d.p == d.end) {
        *out = v;
        return WD_OK;
    }
    /* not in the subset (or not JSON, or the arena is full): what it allocated goes back */
    wd_arena_rewind(a, &m);
    *out = NULL;
    return WD_EAGAIN;
}

int wd_json_parse_compact(const char *p, size_t len, size_t readable, uint32_t max_depth,
                          struct wd_arena *a, struct wd_jv **out, struct wd_perr *err)
{
    if (wd_json_decode_compact(p, len, max_depth, a, out) == WD_OK)
        return WD_OK;
    return wd_json_parse(p, len, readable, max_depth, a, out, err);
}
