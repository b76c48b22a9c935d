/*
 * jv.c: the arena-backed JSON value tree (see jv.h): constructors, member edits and
 * lookups, the compact JSON writer and the Python str() renderer.
 *
 * Invariants:
 * - Nodes never own memory: everything lives in the arena or is borrowed.
 * - ARR/OBJ: `count` equals the length of the kids list, and `tail` is its last node.
 * - The writer is on the hot path. A string with no byte to escape or check (all_plain,
 *   8 bytes at a time, never reading outside the string) is copied with one memcpy, and
 *   a plain object key is written with its comma, quotes and colon at once. Otherwise
 *   the escaper scans runs of bytes that need no escaping (8 at a time) and copies each
 *   run with one memcpy into space reserved up front; only escapes reserve again. Output
 *   is always valid UTF-8 JSON.
 * - Every public writer leaves `out` NUL-terminated and, on failure, at its old length.
 */
#include <float.h>
#include <math.h>

#include "jv.h"
#include "mem.h"

struct wd_jv *wd_jv_new(struct wd_arena *a, enum wd_jv_type type)
{
    struct wd_jv *v = wd_arena_alloc(a, sizeof(*v));
    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    return v;
}

struct wd_jv *wd_jv_str(struct wd_arena *a, const char *p, size_t len)
{
    struct wd_jv *v = wd_jv_new(a, WD_JV_STR);
    if (!v)
        return NULL;
    v->u.s.p = len ? p : "";
    v->u.s.len = len;
    return v;
}

struct wd_jv *wd_jv_strdup(struct wd_arena *a, const char *p, size_t len)
{
    char *s = wd_arena_strndup(a, p, len);
    return s ? wd_jv_str(a, s, len) : NULL;
}

struct wd_jv *wd_jv_int(struct wd_arena *a, int64_t v)
{
    struct wd_jv *j = wd_jv_new(a, WD_JV_INT);
    if (j)
        j->u.i = v;
    return j;
}

struct wd_jv *wd_jv_float(struct wd_arena *a, double v)
{
    struct wd_jv *j = wd_jv_new(a, WD_JV_FLOAT);
    if (j)
        j->u.f = v;
    return j;
}

struct wd_jv *wd_jv_bool(struct wd_arena *a, bool v)
{
    return wd_jv_new(a, v ? WD_JV_TRUE : WD_JV_FALSE);
}

void wd_jv_add(struct wd_jv *obj, struct wd_str key, struct wd_jv *v)
{
    v->key = key;
    wd_jv_push(obj, v);
}

static bool key_eq(struct wd_str k, const char *p, size_t len)
{
    return k.len == len && (len == 0 || memcmp(k.p, p, len) == 0);
}

void wd_jv_set(struct wd_jv *obj, struct wd_str key, struct wd_jv *v)
{
    struct wd_jv *prev = NULL;
    for (struct wd_jv *c = obj->u.kids.head; c; prev = c, c = c->next) {
        if (!key_eq(c->key, key.p, key.len))
            continue;
        v->key = key;
        v->next = c->next;
        if (prev)
            prev->next = v;
        else
            obj->u.kids.head = v;
        if (obj->u.kids.tail == c)
            obj->u.kids.tail = v;
        c->next = NULL;
        return;
    }
    wd_jv_add(obj, key, v);
}

struct wd_jv *wd_jv_del(struct wd_jv *obj, struct wd_str key)
{
    if (!obj || obj->type != WD_JV_OBJ)
        return NULL;
    struct wd_jv *prev = NULL;
    for (struct wd_jv *c = obj->u.kids.head; c; prev = c, c = c->next) {
        if (!key_eq(c->key, key.p, key.len))
            continue;
        if (prev)
            prev->next = c->next;
        else
            obj->u.kids.head = c->next;
        if (obj->u.kids.tail == c)
            obj->u.kids.tail = prev;
        c->next = NULL;
        obj->count--;
        return c;
    }
    return NULL;
}

static struct wd_jv *get_len(const struct wd_jv *obj, const char *key, size_t len)
{
    if (!obj || obj->type != WD_JV_OBJ)
        return NULL;
    for (struct wd_jv *c = obj->u.kids.head; c; c = c->next)
        if (key_eq(c->key, key, len))
            return c;
    return NULL;
}

struct wd_jv *wd_jv_get(const struct wd_jv *obj, const char *key)
{
    return get_len(obj, key, strlen(key));
}

struct wd_jv *wd_jv_getn(const struct wd_jv *obj, struct wd_str key)
{
    return get_len(obj, key.p, key.len);
}

/*
 * Dotted lookup. Member names may contain dots themselves (Zeek's "id.orig_h"), so each
 * level tries the shortest prefix first and backtracks to longer ones: "id.orig_h" finds
 * {"id":{"orig_h":..}} as well as {"id.orig_h":..}. Recursion depth is the number of dots.
 */
static struct wd_jv *path_len(const struct wd_jv *obj, const char *path, size_t len)
{
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '.')
            continue;
        struct wd_jv *c = get_len(obj, path, i);
        if (!c)
            continue;
        if (i == len)
            return c;
        if (c->type == WD_JV_OBJ) {
            struct wd_jv *r = path_len(c, path + i + 1, len - i - 1);
            if (r)
                return r;
        }
    }
    return NULL;
}

struct wd_jv *wd_jv_path(const struct wd_jv *obj, const char *path)
{
    return path_len(obj, path, strlen(path));
}

static bool same_str(struct wd_str a, struct wd_str b)
{
    return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
}

bool wd_jv_same(const struct wd_jv *a, const struct wd_jv *b)
{
    if (a->type != b->type || a->is_intlit != b->is_intlit || !same_str(a->key, b->key) ||
        !same_str(a->raw, b->raw))
        return false;
    switch (a->type) {
    case WD_JV_INT:
        return a->u.i == b->u.i;
    case WD_JV_FLOAT:
        return memcmp(&a->u.f, &b->u.f, sizeof(a->u.f)) == 0;
    case WD_JV_STR:
        return same_str(a->u.s, b->u.s);
    case WD_JV_ARR:
    case WD_JV_OBJ: {
        if (a->count != b->count)
            return false;
        const struct wd_jv *x = a->u.kids.head, *y = b->u.kids.head;
        for (; x && y; x = x->next, y = y->next)
            if (!wd_jv_same(x, y))
                return false;
        return !x && !y;
    }
    default:
        return true;
    }
}

/* ---- output helpers ---- */

/* What wd_buf_reserve(b, n) would check, inline: room for n bytes and a NUL, within the cap. */
static inline bool has_room(const struct wd_buf *b, size_t n)
{
    return b->cap - b->len > n && (b->max_len == 0 || b->max_len - b->len >= n);
}

/* memcpy for the short runs the writer copies most (keys, numbers, short strings): up to
 * 16 bytes with two overlapping loads and stores, inline, instead of a libc call. */
static inline void copy_bytes(char *dst, const char *src, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
    } else if (n && n < 4) {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    } else if (n) {
        memcpy(dst, src, n);
    }
}

/* Appends n bytes; the common case (room available) is an inline copy. */
static inline int put(struct wd_buf *b, const void *p, size_t n)
{
    if (has_room(b, n)) {
        copy_bytes(b->p + b->len, p, n);
        b->len += n;
        return WD_OK;
    }
    return wd_buf_append(b, p, n);
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

static inline void terminate(struct wd_buf *b)
{
    /* wd_buf_reserve keeps cap > len, so there is always room for the NUL. */
    if (b->p)
        b->p[b->len] = '\0';
}

static int put_i64(struct wd_buf *b, int64_t v)
{
    char tmp[24];
    return put(b, tmp, wd_fmt_i64(v, tmp));
}

/*
 * Shortest round-trip digits of a finite d > 0: the result of trying %.1e..%.16e until
 * strtod gives d back, found in at most three tries: when a representation with S <= 15
 * significant digits round-trips, rounding d to 15 digits gives exactly those digits
 * padded with zeros (d is within 2^-53 relative of them, far below half a unit in the
 * 15th digit), so trying 15, 16, 17 and stripping trailing zeros yields the same digits.
 * Subnormals have less precision, so they try every precision from 1.
 * OUT: digits (no NUL), *ndig, *exp10 (scientific exponent of the first digit).
 */
static void shortest_digits(double d, char *digits, int *ndig, int *exp10)
{
    char buf[40];
    for (int prec = d < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        (void)snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
        if (prec == 17 || strtod(buf, NULL) == d)
            break;
    }
    /* buf is "d.ddddde[+-]xx" */
    int n = 0;
    const char *s = buf;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    int e = 0, neg = 0;
    if (*s == 'e') {
        s++;
        neg = *s == '-';
        if (*s == '-' || *s == '+')
            s++;
        for (; *s >= '0' && *s <= '9'; s++)
            e = e * 10 + (*s - '0');
    }
    *ndig = n;
    *exp10 = neg ? -e : e;
}

#define DOUBLE_MAX_LEN 32

/* Python repr() of d into out (>= DOUBLE_MAX_LEN bytes, no NUL); returns the length. */
static size_t fmt_double(double d, char *out)
{
    char *w = out;
    if (isnan(d)) {
        out[0] = 'n';
        out[1] = 'a';
        out[2] = 'n';
        return 3;
    }
    if (signbit(d)) {
        *w++ = '-';
        d = -d;
    }
    if (isinf(d)) {
        w[0] = 'i';
        w[1] = 'n';
        w[2] = 'f';
        return (size_t)(w - out) + 3;
    }
    char dig[20] = "0";
    int nd, e;
    if (d == 0) {
        dig[0] = '0';
        nd = 1;
        e = 0;
    } else {
        shortest_digits(d, dig, &nd, &e);
    }
    int decpt = e + 1; /* digits are 0.ddd * 10^decpt */
    if (decpt > 16 || decpt < -3) {
        *w++ = dig[0];
        if (nd > 1) {
            *w++ = '.';
            memcpy(w, dig + 1, (size_t)nd - 1);
            w += nd - 1;
        }
        *w++ = 'e';
        *w++ = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100)
            *w++ = (char)('0' + ae / 100);
        memcpy(w, wd_digit_pairs + (size_t)2 * (size_t)(ae % 100), 2);
        w += 2;
    } else if (decpt <= 0) {
        *w++ = '0';
        *w++ = '.';
        for (int i = 0; i < -decpt; i++)
            *w++ = '0';
        memcpy(w, dig, (size_t)nd);
        w += nd;
    } else if (decpt >= nd) {
        memcpy(w, dig, (size_t)nd);
        w += nd;
        for (int i = nd; i < decpt; i++)
            *w++ = '0';
        *w++ = '.';
        *w++ = '0';
    } else {
        memcpy(w, dig, (size_t)decpt);
        w += decpt;
        *w++ = '.';
        memcpy(w, dig + decpt, (size_t)(nd - decpt));
        w += nd - decpt;
    }
    return (size_t)(w - out);
}

int wd_jv_fmt_double(double d, char *out, size_t out_len)
{
    char tmp[DOUBLE_MAX_LEN];
    size_t n = fmt_double(d, tmp);
    if (n + 1 > out_len)
        return WD_ELIMIT;
    memcpy(out, tmp, n);
    out[n] = '\0';
    return (int)n;
}

/* ---- string escaping ---- */

/* 1 for ASCII bytes copied verbatim inside a JSON string. */
/* clang-format off */
static const uint8_t ascii_safe[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00: control characters */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' at 0x22 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' at 0x5c */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70: DEL stays as is */
};
/* clang-format on */

static const char replacement[3] = {'\xEF', '\xBF', '\xBD'}; /* U+FFFD in UTF-8 */

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * Flags (bit 7) the bytes of x that are < 0x20, '"', '\\' or >= 0x80. Borrows can flag a
 * byte above a flagged one by mistake, never below: the lowest flag is always exact.
 */
static inline uint64_t word_special(uint64_t x)
{
    uint64_t lt = (x - ONES * 0x20) & ~x;
    uint64_t q = x ^ (ONES * '"');
    uint64_t bs = x ^ (ONES * '\\');
    q = (q - ONES) & ~q;
    bs = (bs - ONES) & ~bs;
    return (lt | q | bs | x) & HIGHS;
}

/* Length of the valid UTF-8 sequence (2..4 bytes) at s, or 0 when it is invalid. */
static inline size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n = (size_t)(end - s);
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* Skips bytes that are copied verbatim (safe ASCII and valid UTF-8); returns the stop. */
static inline const unsigned char *skip_safe(const unsigned char *s, const unsigned char *end)
{
    for (;;) {
        while (end - s >= 8) {
            uint64_t x;
            memcpy(&x, s, 8);
            uint64_t m = word_special(x);
            if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                s += __builtin_ctzll(m) >> 3; /* jump to the first flagged byte */
#endif
                break;
            }
            s += 8;
        }
        while (s < end && ascii_safe[*s])
            s++;
        if (s == end || *s < 0x80)
            return s;
        size_t k = utf8_seq(s, end);
        if (!k)
            return s;
        s += k;
    }
}

/* The escape for byte c (< 0x80) into esc; returns its length. */
static size_t escape_ascii(unsigned char c, char *esc)
{
    static const char hex[] = "0123456789abcdef";
    esc[0] = '\\';
    switch (c) {
    case '"':
        esc[1] = '"';
        return 2;
    case '\\':
        esc[1] = '\\';
        return 2;
    case '\n':
        esc[1] = 'n';
        return 2;
    case '\t':
        esc[1] = 't';
        return 2;
    case '\r':
        esc[1] = 'r';
        return 2;
    case '\b':
        esc[1] = 'b';
        return 2;
    case '\f':
        esc[1] = 'f';
        return 2;
    default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return 6;
    }
}

/*
 * Emits the escape (or U+FFFD) for the byte at s, output cursor *w. Kept out of line so
 * the common path has no local array (and so no stack-protector canary).
 */
__attribute__((noinline)) static int put_escape(struct wd_buf *out, char **w,
                                                const unsigned char *s, const unsigned char *end)
{
    char esc[6];
    size_t en = 3;
    if (*s < 0x80)
        en = escape_ascii(*s, esc);
    else
        memcpy(esc, replacement, 3); /* U+FFFD for an invalid byte */
    out->len = (size_t)(*w - out->p);
    /* Remaining input (this byte included) + the escape's extra bytes + closing quote. */
    int rc = wd_buf_reserve(out, (size_t)(end - s) + en);
    if (rc)
        return rc;
    *w = out->p + out->len;
    memcpy(*w, esc, en);
    *w += en;
    return WD_OK;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Nonzero when a byte of v is < 0x20, '"', '\\' or >= 0x80 (signed: negative). */
static inline int vec_special(__m128i v)
{
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(m);
}
#endif

/*
 * Whether p[0..len) holds no byte that needs escaping or checking (< 0x20, '"', '\\',
 * >= 0x80), reading only inside it: 16-byte vectors (SSE2; 8-byte words elsewhere) and
 * one overlapping last one, two overlapping halves for shorter strings, and single bytes
 * (in a word of safe filler) below 4. A zero word_special() mask is exact (borrows start
 * only at flagged bytes).
 */
static inline __attribute__((always_inline)) bool all_plain(const unsigned char *p, size_t len)
{
#ifdef __SSE2__
    if (len >= 16) {
        int acc = 0;
        for (size_t i = 0; i + 16 < len; i += 16)
            acc |= vec_special(_mm_loadu_si128((const __m128i *)(const void *)(p + i)));
        return !(acc | vec_special(_mm_loadu_si128((const __m128i *)(const void *)(p + len - 16))));
    }
    if (len >= 8)
        return !vec_special(_mm_set_epi64x((long long)load64(p), (long long)load64(p + len - 8)));
#else
    if (len >= 8) {
        uint64_t acc = 0;
        for (size_t i = 0; i + 8 < len; i += 8)
            acc |= word_special(load64(p + i));
        return !(acc | word_special(load64(p + len - 8)));
    }
#endif
    uint64_t x = ONES * 'a';
    if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + len - 4, 4);
        x = lo | (uint64_t)hi << 32;
    } else if (len) {
        x = (x & ~0xFFFFFFULL) | p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)p[len - 1] << 16;
    }
    return !word_special(x);
}

/* The general escaper: runs of safe bytes, escapes, U+FFFD for invalid UTF-8. */
__attribute__((noinline)) static int write_str_slow(const char *p, size_t len, struct wd_buf *out)
{
    size_t start = out->len;
    /* Room for the quotes and every byte unescaped; escapes reserve their extra bytes. */
    int rc = has_room(out, len + 2) ? WD_OK : wd_buf_reserve(out, len + 2);
    if (rc)
        return rc;
    char *w = out->p + out->len;
    *w++ = '"';
    const unsigned char *s = (const unsigned char *)p, *end = s + len;
    while (s < end) {
        const unsigned char *run = s;
        s = skip_safe(s, end);
        memcpy(w, run, (size_t)(s - run));
        w += s - run;
        if (s == end)
            break;
        rc = put_escape(out, &w, s, end);
        if (rc) {
            out->len = start;
            terminate(out);
            return rc;
        }
        s++;
    }
    *w++ = '"';
    out->len = (size_t)(w - out->p);
    *w = '\0';
    return WD_OK;
}

/* Fast path: a string with nothing to escape (most of them) is one memcpy between quotes. */
static inline __attribute__((always_inline)) int write_str(const char *p, size_t len,
                                                           struct wd_buf *out)
{
    if (!has_room(out, len + 2) || !all_plain((const unsigned char *)p, len))
        return write_str_slow(p, len, out);
    char *w = out->p + out->len;
    w[0] = '"';
    copy_bytes(w + 1, p, len);
    w[len + 1] = '"';
    w[len + 2] = '\0'; /* has_room: cap > len + 2 */
    out->len += len + 2;
    return WD_OK;
}

int wd_jv_write_str(const char *p, size_t len, struct wd_buf *out)
{
    return write_str(p, len, out);
}

/* Writes `,"key":` (comma unless first) for a plain key; false when the key needs the
 * general path (escapes, non-ASCII, or no room). */
static inline bool put_plain_key(struct wd_buf *b, struct wd_str key, bool first)
{
    if (!has_room(b, key.len + 4) || !all_plain((const unsigned char *)key.p, key.len))
        return false;
    char *w = b->p + b->len;
    if (!first)
        *w++ = ',';
    *w++ = '"';
    copy_bytes(w, key.p, key.len);
    w += key.len;
    *w++ = '"';
    *w++ = ':';
    b->len = (size_t)(w - b->p);
    return true;
}

/* ---- writer ---- */

static int put_double_json(struct wd_buf *b, double d)
{
    if (!isfinite(d))
        return PUT_LIT(b, "null");
    char tmp[DOUBLE_MAX_LEN];
    return put(b, tmp, fmt_double(d, tmp));
}

/* A scalar (or WD_EINVAL for an unknown type). Inline in the container loops of
 * write_val, which recurses only into containers. */
static inline __attribute__((always_inline)) int write_scalar(const struct wd_jv *v,
                                                              struct wd_buf *b)
{
    switch (v->type) {
    case WD_JV_NULL:
        return PUT_LIT(b, "null");
    case WD_JV_FALSE:
        return PUT_LIT(b, "false");
    case WD_JV_TRUE:
        return PUT_LIT(b, "true");
    case WD_JV_INT:
        return v->raw.len ? put(b, v->raw.p, v->raw.len) : put_i64(b, v->u.i);
    case WD_JV_FLOAT:
        return v->raw.len ? put(b, v->raw.p, v->raw.len) : put_double_json(b, v->u.f);
    case WD_JV_STR:
        return write_str(v->u.s.p, v->u.s.len, b);
    default:
        return WD_EINVAL;
    }
}

static inline bool is_container(const struct wd_jv *v)
{
    return v->type == WD_JV_ARR || v->type == WD_JV_OBJ;
}

static int write_val(const struct wd_jv *v, struct wd_buf *b)
{
    if (!is_container(v))
        return write_scalar(v, b);
    int rc = WD_OK;
    if (v->type == WD_JV_ARR) {
        rc = put(b, "[", 1);
        for (const struct wd_jv *c = v->u.kids.head; c && !rc; c = c->next) {
            if (c != v->u.kids.head)
                rc = put(b, ",", 1);
            if (!rc)
                rc = is_container(c) ? write_val(c, b) : write_scalar(c, b);
        }
        return rc ? rc : put(b, "]", 1);
    }
    rc = put(b, "{", 1);
    for (const struct wd_jv *c = v->u.kids.head; c && !rc; c = c->next) {
        bool first = c == v->u.kids.head;
        if (!put_plain_key(b, c->key, first)) {
            if (!first)
                rc = put(b, ",", 1);
            if (!rc)
                rc = write_str_slow(c->key.p, c->key.len, b);
            if (!rc)
                rc = put(b, ":", 1);
        }
        if (!rc)
            rc = is_container(c) ? write_val(c, b) : write_scalar(c, b);
    }
    return rc ? rc : put(b, "}", 1);
}

int wd_jv_write(const struct wd_jv *v, struct wd_buf *out)
{
    size_t start = out->len;
    int rc = write_val(v, out);
    if (rc)
        out->len = start;
    terminate(out);
    return rc;
}

int wd_jv_text(const struct wd_jv *v, struct wd_buf *out)
{
    size_t start = out->len;
    int rc;
    char tmp[DOUBLE_MAX_LEN];
    switch (v->type) {
    case WD_JV_NULL:
        rc = PUT_LIT(out, "None");
        break;
    case WD_JV_FALSE:
        rc = PUT_LIT(out, "False");
        break;
    case WD_JV_TRUE:
        rc = PUT_LIT(out, "True");
        break;
    case WD_JV_INT:
        rc = put_i64(out, v->u.i);
        break;
    case WD_JV_FLOAT:
        /* Python's json keeps integer literals as exact ints, whatever their size. */
        if (v->is_intlit && v->raw.len)
            rc = put(out, v->raw.p, v->raw.len);
        else
            rc = put(out, tmp, fmt_double(v->u.f, tmp));
        break;
    case WD_JV_STR:
        rc = put(out, v->u.s.p, v->u.s.len);
        break;
    default:
        return wd_jv_write(v, out);
    }
    if (rc)
        out->len = start;
    terminate(out);
    return rc;
}

size_t wd_json_object_span(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    if (i == len || p[i] != '{')
        return 0;
    int depth = 0;
    bool str = false;
    for (; i < len; i++) {
        char c = p[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}
