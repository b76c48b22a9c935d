/*
 * json.cc: the simdjson shim (see json.h), the one C++ file in ward. It decodes one JSON
 * document into a wd_jv tree in an arena, behind a C API; no exceptions cross it (only
 * simdjson's error-code API is used) and it does no I/O or logging.
 *
 * DOM, not On-Demand (DESIGN.md says On-Demand; measured, DOM wins):
 * - Both front ends share simdjson's stage 1 (structural index, full UTF-8 validation,
 *   unescaped control characters). The DOM's stage 2 then validates the whole grammar;
 *   On-Demand validates only what is visited and, in 3.0.1, not string escapes read raw,
 *   not content after the root value, no depth in release builds, and its root-literal
 *   checks are buggy (see build_any). With our own checks for those, both pass the whole
 *   JSONTestSuite (tests/unit/test_json.c).
 * - Speed, tests/bench/bench_json.c (100k Zeek conn lines, 415 B each, full wd_jv tree,
 *   in place, best of interleaved runs on the 2-core dev VM, AVX2 build): On-Demand
 *   604 MB/s (1.46M lines/s), DOM 861 MB/s (2.07M lines/s). The DOM's stage 2 is compiled
 *   into libsimdjson with run-time kernel dispatch and is one tight pass; On-Demand's
 *   iterator is inlined here and pays per value for type peeks, token lengths and checks.
 * - The DOM tape keeps no input offsets, and we want views into the input (strings
 *   without escapes, number literals). So a cursor follows the walk through the input
 *   (walk/dom_string): separators are skipped, a string without escapes is exactly as
 *   long as its unescaped text (checked with one memchr), a number runs to its last
 *   number character. Escaped strings are copied from the DOM's buffer to the arena.
 * - The DOM rejects some documents we accept (see json.h): integers beyond uint64 and
 *   doubles beyond DBL_MAX (NUMBER_ERROR), lone surrogates (STRING_ERROR), and exactly
 *   WD_JSON_DEPTH_CAP levels (DEPTH_ERROR). Those rare documents go through the On-Demand
 *   builder kept below (parse_ondemand), which unescapes strings itself and re-checks big
 *   literals against the JSON grammar.
 * - simdjson reports no error offsets in the DOM, so on failure a small strict scalar
 *   validator (locate_error) re-reads the input for the exact offset and a precise
 *   message. It runs only on the error path and is also exported (wd_json_validate); the
 *   fuzz target checks that it and the simdjson paths always reach the same verdict.
 *
 * Invariants: strings without escapes and number literals point into the caller's input
 * (never into the scratch buffer); escaped strings are unescaped into the arena.
 */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <simdjson.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

extern "C" {
#include "jv.h"
#include "mem.h"
}

static_assert(WD_JSON_PADDING >= simdjson::SIMDJSON_PADDING, "WD_JSON_PADDING too small");

namespace ondemand = simdjson::ondemand;
namespace dom = simdjson::dom;

namespace
{

/* Per-thread parser and padded copy buffer for inputs without enough readable slack. */
struct tls_state {
    dom::parser dom;         /* the fast path */
    ondemand::parser parser; /* the fallback; allocates nothing until first used */
    char *scratch = nullptr;
    size_t scratch_cap = 0;
    ~tls_state()
    {
        free(scratch);
    }
};

thread_local tls_state tls;

struct ctx {
    const char *buf; /* bytes being parsed: the input itself or the scratch copy */
    const char *src; /* the caller's input */
    size_t len;
    wd_arena *a;
    uint32_t max_depth;
    int code;        /* WD_OK or the first error */
    size_t off;      /* error offset */
    const char *msg; /* error message */
    const char *end; /* end of the last scalar read (for the root trailing check) */
    const char *q;   /* DOM path: cursor following the walk through buf */
};

/* Maps a pointer into buf to the same byte of the caller's input. */
inline const char *to_src(const ctx &c, const char *p)
{
    return c.src + (p - c.buf);
}

int fail(ctx &c, int code, const char *at, const char *msg)
{
    if (c.code == WD_OK) {
        c.code = code;
        c.off = at ? (size_t)(at - c.buf) : c.len;
        if (c.off > c.len)
            c.off = c.len;
        c.msg = msg;
    }
    return c.code;
}

const char *simdjson_msg(simdjson::error_code e)
{
    switch (e) {
    case simdjson::UTF8_ERROR:
        return "invalid UTF-8";
    case simdjson::UNCLOSED_STRING:
        return "unterminated string";
    case simdjson::UNESCAPED_CHARS:
        return "control character in string";
    case simdjson::EMPTY:
        return "empty input";
    case simdjson::NUMBER_ERROR:
        return "invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
        return "invalid literal";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
        return "unexpected end of input";
    case simdjson::DEPTH_ERROR:
        return "nesting too deep";
    default:
        return "unexpected character";
    }
}

int fail_sj(ctx &c, simdjson::error_code e)
{
    if (e == simdjson::CAPACITY)
        return fail(c, WD_ELIMIT, nullptr, "document too large");
    if (e == simdjson::MEMALLOC)
        return fail(c, WD_ENOMEM, nullptr, "out of memory");
    return fail(c, WD_EPARSE, nullptr, simdjson_msg(e));
}

inline wd_jv *new_node(ctx &c, uint8_t type)
{
    wd_jv *v = static_cast<wd_jv *>(wd_arena_alloc(c.a, sizeof(wd_jv)));
    if (!v) {
        fail(c, WD_ENOMEM, nullptr, "out of memory (arena cap)");
        return nullptr;
    }
    memset(v, 0, sizeof(*v));
    v->type = type;
    return v;
}

/* ---- strings ---- */

constexpr uint64_t ONES = 0x0101010101010101ULL;
constexpr uint64_t HIGHS = 0x8080808080808080ULL;

inline bool word_has_quote_or_bs(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

/* First '"' or '\\' at or after s. The string is known to be closed within the buffer
 * (stage 1 checked it) and the buffer is padded, so reading whole words is safe. */
inline const char *find_quote_or_bs(const char *s)
{
    for (;;) {
        uint64_t x;
        memcpy(&x, s, 8);
        if (word_has_quote_or_bs(x))
            break;
        s += 8;
    }
    while (*s != '"' && *s != '\\')
        s++;
    return s;
}

/* The closing '"' of a string whose body starts at s, skipping escaped characters. */
inline const char *find_closing_quote(const char *s)
{
    for (;;) {
        s = find_quote_or_bs(s);
        if (*s == '"')
            return s;
        s += 2;
    }
}

inline int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Reads 4 hex digits at s (padding makes reading them safe); -1 if not hex. */
inline long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

inline char *put_utf8(char *w, unsigned long cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/*
 * Decodes the escape at s (s[0] == '\\') into w. Lone surrogates become U+FFFD.
 * OUT: *s_out past the escape, *w_out past the output. Returns false if invalid.
 */
bool unescape_one(const char *s, const char **s_out, char **w_out)
{
    char *w = *w_out;
    switch (s[1]) {
    case '"':
    case '\\':
    case '/':
        *w++ = s[1];
        s += 2;
        break;
    case 'b':
        *w++ = '\b';
        s += 2;
        break;
    case 'f':
        *w++ = '\f';
        s += 2;
        break;
    case 'n':
        *w++ = '\n';
        s += 2;
        break;
    case 'r':
        *w++ = '\r';
        s += 2;
        break;
    case 't':
        *w++ = '\t';
        s += 2;
        break;
    case 'u': {
        long cp = hex4(s + 2);
        if (cp < 0)
            return false;
        s += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && s[0] == '\\' && s[1] == 'u') {
            long lo = hex4(s + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 0xFFFD;
        w = put_utf8(w, (unsigned long)cp);
        break;
    }
    default:
        return false;
    }
    *s_out = s;
    *w_out = w;
    return true;
}

/* The string whose body starts at r (just after the opening quote) into *out. */
int read_string(ctx &c, const char *r, wd_str *out)
{
    const char *s = find_quote_or_bs(r);
    if (*s == '"') {
        out->p = to_src(c, r);
        out->len = (size_t)(s - r);
        c.end = s + 1;
        return WD_OK;
    }
    /* Find the closing quote to size the copy: unescaped text is never longer. */
    const char *e = find_closing_quote(s);
    c.end = e + 1;
    char *dst = static_cast<char *>(wd_arena_alloc(c.a, (size_t)(e - r) + 1));
    if (!dst)
        return fail(c, WD_ENOMEM, nullptr, "out of memory (arena cap)");
    memcpy(dst, r, (size_t)(s - r));
    char *w = dst + (s - r);
    while (s < e) {
        if (*s == '\\') {
            if (!unescape_one(s, &s, &w))
                return fail(c, WD_EPARSE, s, "invalid escape");
            continue;
        }
        const char *t = find_quote_or_bs(s);
        memcpy(w, s, (size_t)(t - s));
        w += t - s;
        s = t;
    }
    *w = '\0';
    out->p = dst;
    out->len = (size_t)(w - dst);
    return WD_OK;
}

/* ---- numbers ---- */

/* Whether p[0..n) is a JSON number; *is_int when it has no fraction or exponent. */
bool number_grammar(const char *p, size_t n, bool *is_int)
{
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (p[i] == '0') {
        i++;
    } else if (p[i] >= '1' && p[i] <= '9') {
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    } else {
        return false;
    }
    *is_int = true;
    if (i < n && p[i] == '.') {
        *is_int = false;
        i++;
        size_t d = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        *is_int = false;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

inline bool is_ws(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

/* Builds a number node from its token and simdjson's parse of it. */
int make_number(ctx &c, std::string_view tok, simdjson::simdjson_result<ondemand::number> res,
                wd_jv **out)
{
    const char *p = tok.data();
    size_t n = tok.size();
    while (n && is_ws(p[n - 1]))
        n--;
    c.end = p + n;
    wd_jv *v = new_node(c, WD_JV_INT);
    if (!v)
        return c.code;
    v->raw.p = to_src(c, p);
    v->raw.len = n;
    ondemand::number num;
    simdjson::error_code e = std::move(res).get(num);
    if (!e) {
        switch (num.get_number_type()) {
        case ondemand::number_type::signed_integer:
            v->u.i = num.get_int64();
            break;
        case ondemand::number_type::unsigned_integer:
            v->type = WD_JV_FLOAT;
            v->is_intlit = true;
            v->u.f = (double)num.get_uint64();
            break;
        default:
            v->type = WD_JV_FLOAT;
            v->u.f = num.get_double();
            break;
        }
        *out = v;
        return WD_OK;
    }
    /* simdjson rejects integers beyond uint64 and doubles beyond DBL_MAX: accept them
     * when they are valid JSON, and store the nearest double (+-inf when out of range). */
    bool is_int = false;
    if (e != simdjson::NUMBER_ERROR || !number_grammar(p, n, &is_int))
        return e == simdjson::NUMBER_ERROR ? fail(c, WD_EPARSE, p, "invalid number")
                                           : fail_sj(c, e);
    char small[128];
    char *tmp = n < sizeof(small) ? small : wd_arena_strndup(c.a, p, n);
    if (!tmp)
        return fail(c, WD_ENOMEM, nullptr, "out of memory (arena cap)");
    if (tmp == small) {
        memcpy(small, p, n);
        small[n] = '\0';
    }
    v->type = WD_JV_FLOAT;
    v->is_intlit = is_int;
    v->u.f = strtod(tmp, nullptr);
    *out = v;
    return WD_OK;
}

/* ---- tree ---- */

inline std::string_view token_of(ondemand::value &v)
{
    return v.raw_json_token();
}

inline std::string_view token_of(ondemand::document &d)
{
    std::string_view t;
    if (d.raw_json_token().get(t))
        return std::string_view();
    return t;
}

int build_value(ctx &c, ondemand::value v, uint32_t depth, wd_jv **out);

/* The elements of an array or members of an object at nesting `depth` (1 = root). */
template <class V> int build_container(ctx &c, V &v, bool is_obj, uint32_t depth, wd_jv **out)
{
    if (depth > c.max_depth) {
        const char *at = token_of(v).data();
        return fail(c, WD_ELIMIT, at, "nesting too deep");
    }
    wd_jv *node = new_node(c, is_obj ? WD_JV_OBJ : WD_JV_ARR);
    if (!node)
        return c.code;
    simdjson::error_code e;
    if (is_obj) {
        ondemand::object obj;
        if ((e = v.get_object().get(obj)))
            return fail_sj(c, e);
        for (auto res : obj) {
            ondemand::field f;
            if ((e = std::move(res).get(f)))
                return fail_sj(c, e);
            wd_str key;
            if (read_string(c, f.key().raw(), &key))
                return c.code;
            wd_jv *kid = nullptr;
            if (build_value(c, f.value(), depth, &kid))
                return c.code;
            kid->key = key;
            wd_jv_push(node, kid);
        }
    } else {
        ondemand::array arr;
        if ((e = v.get_array().get(arr)))
            return fail_sj(c, e);
        for (auto res : arr) {
            ondemand::value ev;
            if ((e = std::move(res).get(ev)))
                return fail_sj(c, e);
            wd_jv *kid = nullptr;
            if (build_value(c, ev, depth, &kid))
                return c.code;
            wd_jv_push(node, kid);
        }
    }
    *out = node;
    return WD_OK;
}

/* Any value (a value, or the document itself at the root) at nesting `depth`. */
template <class V> int build_any(ctx &c, V &v, uint32_t depth, wd_jv **out)
{
    ondemand::json_type t;
    simdjson::error_code e = v.type().get(t);
    if (e)
        return fail_sj(c, e);
    switch (t) {
    case ondemand::json_type::object:
        return build_container(c, v, true, depth + 1, out);
    case ondemand::json_type::array:
        return build_container(c, v, false, depth + 1, out);
    case ondemand::json_type::string: {
        ondemand::raw_json_string r;
        if ((e = v.get_raw_json_string().get(r)))
            return fail_sj(c, e);
        wd_jv *s = new_node(c, WD_JV_STR);
        if (!s || read_string(c, r.raw(), &s->u.s))
            return c.code;
        *out = s;
        return WD_OK;
    }
    case ondemand::json_type::number: {
        std::string_view tok = token_of(v);
        return make_number(c, tok, v.get_number(), out);
    }
    case ondemand::json_type::boolean:
    case ondemand::json_type::null: {
        uint8_t type;
        if (depth == 0) {
            /* simdjson 3.0.1's root atom checks are wrong: is_root_null() tests the wrong
             * byte (rejects "null ", accepts "nullx "), get_root_bool() rejects "true" with
             * more than one trailing space. So read root literals ourselves. */
            std::string_view tok = token_of(v);
            size_t n = tok.size();
            while (n && is_ws(tok[n - 1]))
                n--;
            if (n == 4 && memcmp(tok.data(), "true", 4) == 0)
                type = WD_JV_TRUE;
            else if (n == 5 && memcmp(tok.data(), "false", 5) == 0)
                type = WD_JV_FALSE;
            else if (n == 4 && memcmp(tok.data(), "null", 4) == 0)
                type = WD_JV_NULL;
            else
                return fail(c, WD_EPARSE, tok.data(), "invalid literal");
            c.end = tok.data() + n;
        } else if (t == ondemand::json_type::boolean) {
            bool b;
            if ((e = v.get_bool().get(b)))
                return fail_sj(c, e);
            type = b ? WD_JV_TRUE : WD_JV_FALSE;
        } else {
            bool isnull;
            if ((e = v.is_null().get(isnull)))
                return fail_sj(c, e);
            if (!isnull)
                return fail_sj(c, simdjson::N_ATOM_ERROR);
            type = WD_JV_NULL;
        }
        *out = new_node(c, type);
        return c.code;
    }
    }
    return fail_sj(c, simdjson::TAPE_ERROR);
}

int build_value(ctx &c, ondemand::value v, uint32_t depth, wd_jv **out)
{
    return build_any(c, v, depth, out);
}

bool at_end(ctx &c, ondemand::document &doc, const wd_jv *root);

/* ---- the DOM path ---- */

/* Whitespace and the separators ',' and ':' (the DOM has already checked their places). */
constexpr uint8_t SEP = 1, NUM = 2;
struct char_table {
    uint8_t t[256];
    constexpr char_table() : t()
    {
        t[(uint8_t)' '] = t[(uint8_t)'\t'] = t[(uint8_t)'\n'] = t[(uint8_t)'\r'] = SEP;
        t[(uint8_t)','] = t[(uint8_t)':'] = SEP;
        for (int ch = '0'; ch <= '9'; ch++)
            t[ch] = NUM;
        t[(uint8_t)'-'] = t[(uint8_t)'+'] = t[(uint8_t)'.'] = t[(uint8_t)'e'] = t[(uint8_t)'E'] =
            NUM;
    }
};
constexpr char_table chars;

/* (Loops over the cursor run on a local copy: c.q in memory would be stored at every
 * byte, as a char load may alias it.) */
inline void skip_sep(ctx &c)
{
    const char *q = c.q;
    while (chars.t[(uint8_t)*q] == SEP)
        q++;
    c.q = q;
}

/*
 * Whether r[0..n) holds no backslash. Reads whole 16-byte blocks (8-byte words without
 * SSE2), up to r + n + 15: r[n] lies inside the input (the string's raw text is at least n
 * bytes long) and WD_JSON_PADDING readable bytes follow the input.
 */
inline bool no_backslash(const char *r, size_t n)
{
#ifdef __SSE2__
    const __m128i bs = _mm_set1_epi8('\\');
    for (size_t i = 0; i < n; i += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs));
        if (n - i < 16)
            m &= (1u << (n - i)) - 1;
        if (m)
            return false;
    }
    return true;
#else
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x;
        memcpy(&x, r + i, 8);
        uint64_t b = x ^ (ONES * '\\');
        uint64_t m = (b - ONES) & ~b & HIGHS;
        if (n - i < 8)
            m &= (1ULL << (8 * (n - i))) - 1;
        if (m)
            return false;
    }
    return true;
#endif
}

/* dom_string() for a string with escapes (or a raw text longer than sv). */
__attribute__((noinline)) int dom_string_slow(ctx &c, std::string_view sv, wd_str *out)
{
    const char *r = c.q + 1, *s = find_closing_quote(r);
    c.q = s + 1;
    if ((size_t)(s - r) == sv.size()) {
        out->p = to_src(c, r);
        out->len = sv.size();
        return WD_OK;
    }
    char *dst = wd_arena_strndup(c.a, sv.data(), sv.size());
    if (!dst)
        return fail(c, WD_ENOMEM, nullptr, "out of memory (arena cap)");
    out->p = dst;
    out->len = sv.size();
    return WD_OK;
}

/*
 * The string at the cursor (an opening quote) whose unescaped text simdjson gave as sv.
 * Without escapes the raw text is sv.size() bytes followed by the closing quote, and then
 * we point into the input. (If r[0..L) holds no backslash and r[L] is a quote, that quote
 * closes the string; if the string had an escape, its first backslash would lie before L,
 * since every escape yields at least one byte.) Otherwise find the end, and copy sv
 * (simdjson's buffer is reused by the next parse) into the arena.
 * The fast path is inline (no libc call, no prologue for the copy path).
 */
inline __attribute__((always_inline)) int dom_string(ctx &c, std::string_view sv, wd_str *out)
{
    const char *r = c.q + 1;
    size_t n = sv.size();
    if (r[n] == '"' && no_backslash(r, n)) {
        c.q = r + n + 1;
        out->p = to_src(c, r);
        out->len = n;
        return WD_OK;
    }
    return dom_string_slow(c, sv, out);
}

inline bool is_container(dom::element_type t)
{
    return t == dom::element_type::ARRAY || t == dom::element_type::OBJECT;
}

/* A scalar (string, number, literal) at the cursor, past any separators; NULL with c.code
 * set on failure. Inline in the container loops: most members are scalars, and a call
 * per member cost more than building its node. */
inline __attribute__((always_inline)) wd_jv *scalar(ctx &c, dom::element e, dom::element_type t)
{
    wd_jv *v;
    switch (t) {
    case dom::element_type::STRING: {
        std::string_view sv;
        if (e.get_string().get(sv)) {
            fail_sj(c, simdjson::TAPE_ERROR);
            return nullptr;
        }
        if (!(v = new_node(c, WD_JV_STR)) || dom_string(c, sv, &v->u.s))
            return nullptr;
        break;
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
        if (!(v = new_node(c, WD_JV_INT)))
            return nullptr;
        /* lim: the bytes after len may be digits */
        const char *start = c.q, *lim = c.buf + c.len, *q = start;
        while (q < lim && chars.t[(uint8_t)*q] == NUM)
            q++;
        c.q = q;
        v->raw.p = to_src(c, start);
        v->raw.len = (size_t)(c.q - start);
        if (t == dom::element_type::INT64) {
            v->u.i = e.get_int64().value_unsafe();
        } else if (t == dom::element_type::UINT64) {
            v->type = WD_JV_FLOAT;
            v->is_intlit = true;
            v->u.f = (double)e.get_uint64().value_unsafe();
        } else {
            v->type = WD_JV_FLOAT;
            v->u.f = e.get_double().value_unsafe();
        }
        break;
    }
    case dom::element_type::BOOL: {
        bool b = e.get_bool().value_unsafe();
        if (!(v = new_node(c, b ? WD_JV_TRUE : WD_JV_FALSE)))
            return nullptr;
        c.q += b ? 4 : 5;
        break;
    }
    case dom::element_type::NULL_VALUE:
    default:
        if (!(v = new_node(c, WD_JV_NULL)))
            return nullptr;
        c.q += 4;
        break;
    }
    return v;
}

int walk(ctx &c, dom::element e, uint32_t depth, wd_jv **out);

/* One member or element at nesting `depth`: scalars inline, containers by recursion. */
inline __attribute__((always_inline)) wd_jv *child(ctx &c, dom::element e, uint32_t depth)
{
    dom::element_type t = e.type();
    wd_jv *kid;
    if (is_container(t))
        return walk(c, e, depth, &kid) ? nullptr : kid;
    skip_sep(c);
    return scalar(c, e, t);
}

/* Builds the tree from a DOM element at nesting `depth`, moving the cursor along. */
int walk(ctx &c, dom::element e, uint32_t depth, wd_jv **out)
{
    skip_sep(c);
    dom::element_type t = e.type();
    if (!is_container(t)) {
        wd_jv *v = scalar(c, e, t);
        if (!v)
            return c.code;
        *out = v;
        return WD_OK;
    }
    bool is_obj = t == dom::element_type::OBJECT;
    if (depth + 1 > c.max_depth)
        return fail(c, WD_ELIMIT, c.q, "nesting too deep");
    wd_jv *v = new_node(c, is_obj ? WD_JV_OBJ : WD_JV_ARR);
    if (!v)
        return c.code;
    c.q++;
    if (is_obj) {
        dom::object obj;
        if (e.get_object().get(obj))
            return fail_sj(c, simdjson::TAPE_ERROR);
        for (dom::key_value_pair kv : obj) {
            skip_sep(c);
            wd_str key;
            if (dom_string(c, kv.key, &key))
                return c.code;
            wd_jv *kid = child(c, kv.value, depth + 1);
            if (!kid)
                return c.code;
            kid->key = key;
            wd_jv_push(v, kid);
        }
    } else {
        dom::array arr;
        if (e.get_array().get(arr))
            return fail_sj(c, simdjson::TAPE_ERROR);
        for (dom::element k : arr) {
            wd_jv *kid = child(c, k, depth + 1);
            if (!kid)
                return c.code;
            wd_jv_push(v, kid);
        }
    }
    skip_sep(c);
    c.q++; /* the closing bracket */
    *out = v;
    return WD_OK;
}

/* The On-Demand path, for documents the DOM rejects but we accept (see the top). */
int parse_ondemand(ctx &c, wd_jv **root)
{
    ondemand::document doc;
    simdjson::error_code e = tls.parser.iterate(c.buf, c.len, c.len + WD_JSON_PADDING).get(doc);
    if (e)
        return fail_sj(c, e);
    if (build_any(c, doc, 0, root) == WD_OK && !at_end(c, doc, *root))
        return fail(c, WD_EPARSE, nullptr, "trailing content after JSON value");
    return c.code;
}

/* ---- error location (error path only) ---- */

/* Scans a JSON string starting at p[i] == '"'; returns the index after it or sets err. */
/* Length of the valid escape at p[i] == '\\' (2, or 6 for \uXXXX), or 0. */
size_t escape_len(const char *p, size_t len, size_t i)
{
    char e = p[i + 1];
    if (e != 'u')
        return e && strchr("\"\\/bfnrt", e) ? 2 : 0;
    for (size_t k = 2; k < 6; k++)
        if (i + k >= len || hexval((unsigned char)p[i + k]) < 0)
            return 0;
    return 6;
}

bool scan_string(const char *p, size_t len, size_t &i, size_t &off, const char *&msg)
{
    size_t start = i++;
    while (i < len) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"') {
            i++;
            return true;
        }
        if (ch < 0x20) {
            off = i;
            msg = "control character in string";
            return false;
        }
        if (ch == '\\') {
            if (i + 1 >= len)
                break;
            size_t k = escape_len(p, len, i);
            if (!k) {
                off = i;
                msg = "invalid escape";
                return false;
            }
            i += k;
            continue;
        }
        if (ch >= 0x80) {
            size_t k = ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
            if (ch < 0xC2 || ch > 0xF4 || k > len - i || !wd_json_valid_utf8(p + i, k)) {
                off = i;
                msg = "invalid UTF-8";
                return false;
            }
            i += k;
            continue;
        }
        i++;
    }
    off = start;
    msg = "unterminated string";
    return false;
}

bool scan_literal(const char *p, size_t len, size_t &i)
{
    static const char *const lits[] = {"true", "false", "null"};
    for (const char *lit : lits) {
        size_t n = strlen(lit);
        if (len - i >= n && memcmp(p + i, lit, n) == 0) {
            /* "nulll" and "true1" are one bad token, not a literal and garbage. */
            char nx = len - i > n ? p[i + n] : ' ';
            if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') || (nx >= '0' && nx <= '9'))
                return false;
            i += n;
            return true;
        }
    }
    return false;
}

bool scan_number(const char *p, size_t len, size_t &i)
{
    size_t j = i;
    while (j < len && p[j] && strchr("+-.eE0123456789", p[j]))
        j++;
    bool is_int;
    if (j == i || !number_grammar(p + i, j - i, &is_int))
        return false;
    i = j;
    return true;
}

/*
 * A strict scalar JSON validator used only after a failure, to find where the input goes
 * wrong. Returns true with *code/off/msg set when it finds an error.
 */
bool locate_error(const char *p, size_t len, uint32_t max_depth, int *code, size_t *off_out,
                  const char **msg_out)
{
    uint8_t stack[WD_JSON_DEPTH_CAP + 1]; /* 1 = object, 0 = array */
    uint32_t depth = 0;
    size_t i = 0, off = 0;
    const char *msg = nullptr;
    int rc = WD_EPARSE;
    auto ws = [&]() {
        while (i < len && is_ws(p[i]))
            i++;
    };
    ws();
    if (i == len) {
        off = len;
        msg = "empty input";
        goto err;
    }
    for (;;) {
        /* a value at p[i] */
        ws();
        if (i == len) {
            off = len;
            msg = "unexpected end of input";
            goto err;
        }
        if (p[i] == '{' || p[i] == '[') {
            if (depth >= max_depth) {
                off = i;
                msg = "nesting too deep";
                rc = WD_ELIMIT;
                goto err;
            }
            bool obj = p[i] == '{';
            stack[depth++] = obj;
            i++;
            ws();
            if (i < len && p[i] == (obj ? '}' : ']')) {
                i++;
                depth--;
                goto after_value;
            }
            if (obj)
                goto key;
            continue;
        }
        if (p[i] == '"') {
            if (!scan_string(p, len, i, off, msg))
                goto err;
        } else if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
            size_t at = i;
            if (!scan_number(p, len, i) ||
                (i < len && !is_ws(p[i]) && !(p[i] && strchr(",:[]{}", p[i])))) {
                off = at;
                msg = "invalid number";
                goto err;
            }
        } else if (!scan_literal(p, len, i)) {
            off = i;
            msg = p[i] == 't' || p[i] == 'f' || p[i] == 'n' ? "invalid literal"
                                                            : "unexpected character";
            goto err;
        }
    after_value:
        ws();
        if (depth == 0) {
            if (i != len) {
                off = i;
                msg = "trailing content after JSON value";
                goto err;
            }
            return false;
        }
        if (i == len) {
            off = len;
            msg = "unexpected end of input";
            goto err;
        }
        if (p[i] == (stack[depth - 1] ? '}' : ']')) {
            i++;
            depth--;
            goto after_value;
        }
        if (p[i] != ',') {
            off = i;
            msg = stack[depth - 1] ? "expected ',' or '}'" : "expected ',' or ']'";
            goto err;
        }
        i++;
        if (!stack[depth - 1])
            continue;
        ws();
    key:
        if (i == len) {
            off = len;
            msg = "unexpected end of input";
            goto err;
        }
        if (p[i] != '"') {
            off = i;
            msg = "expected string key";
            goto err;
        }
        if (!scan_string(p, len, i, off, msg))
            goto err;
        ws();
        if (i == len || p[i] != ':') {
            off = i;
            msg = i == len ? "unexpected end of input" : "expected ':'";
            goto err;
        }
        i++;
    }
err:
    *code = rc;
    *off_out = off;
    *msg_out = msg;
    return true;
}

/*
 * Whether nothing but whitespace follows the root value. A container leaves the
 * iterator after its last token (ondemand::document has no at_end() in 3.0); a root
 * scalar may not advance it (our number fallback), so check the bytes after it.
 */
bool at_end(ctx &c, ondemand::document &doc, const wd_jv *root)
{
    if (root->type == WD_JV_ARR || root->type == WD_JV_OBJ)
        return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
    const char *s = c.end, *e = c.buf + c.len;
    while (s < e && is_ws(*s))
        s++;
    return s == e;
}

/* Returns the parse buffer for p: p itself when padded enough, else the scratch copy. */
const char *padded(const char *p, size_t len, size_t readable)
{
    if (readable >= len && readable - len >= WD_JSON_PADDING)
        return p;
    size_t need = len + WD_JSON_PADDING;
    if (need < len)
        return nullptr;
    if (tls.scratch_cap < need) {
        size_t cap = tls.scratch_cap ? tls.scratch_cap : 4096;
        while (cap < need)
            cap *= 2;
        char *n = static_cast<char *>(malloc(cap));
        if (!n)
            return nullptr;
        free(tls.scratch);
        tls.scratch = n;
        tls.scratch_cap = cap;
    }
    if (len)
        memcpy(tls.scratch, p, len);
    memset(tls.scratch + len, 0, WD_JSON_PADDING);
    return tls.scratch;
}

} /* namespace */

extern "C" int wd_json_parse(const char *p, size_t len, size_t readable, uint32_t max_depth,
                             struct wd_arena *a, struct wd_jv **out, struct wd_perr *err)
{
    ctx c = {};
    c.src = p;
    c.len = len;
    c.a = a;
    c.max_depth = max_depth == 0 || max_depth > WD_JSON_DEPTH_CAP ? WD_JSON_DEPTH_CAP : max_depth;
    *out = nullptr;
    c.buf = padded(p, len, readable);
    wd_jv *root = nullptr;
    if (!c.buf) {
        fail(c, WD_ENOMEM, nullptr, "out of memory (scratch buffer)");
    } else {
        dom::element el;
        simdjson::error_code e = tls.dom.parse(c.buf, len, false).get(el);
        if (!e) {
            c.q = c.buf;
            walk(c, el, 0, &root);
        } else if (e == simdjson::NUMBER_ERROR || e == simdjson::STRING_ERROR ||
                   e == simdjson::DEPTH_ERROR) {
            /* Big or huge numbers, lone surrogates, or exactly WD_JSON_DEPTH_CAP deep. */
            parse_ondemand(c, &root);
        } else {
            fail_sj(c, e);
        }
    }
    if (c.code == WD_OK) {
        *out = root;
        return WD_OK;
    }
    if (c.code == WD_EPARSE) {
        /* One source of truth for syntax error reports: the scalar validator. */
        int code;
        size_t off;
        const char *msg;
        if (locate_error(p, len, c.max_depth, &code, &off, &msg)) {
            c.code = code;
            c.off = off;
            c.msg = msg;
        }
    }
    if (err) {
        err->code = c.code;
        err->off = c.off;
        err->msg = c.msg;
    }
    return c.code;
}

extern "C" int wd_json_validate(const char *p, size_t len, uint32_t max_depth, struct wd_perr *err)
{
    uint32_t depth =
        max_depth == 0 || max_depth > WD_JSON_DEPTH_CAP ? WD_JSON_DEPTH_CAP : max_depth;
    int code = WD_OK;
    size_t off = 0;
    const char *msg = nullptr;
    if (!locate_error(p, len, depth, &code, &off, &msg))
        return WD_OK;
    if (err) {
        err->code = code;
        err->off = off;
        err->msg = msg;
    }
    return code;
}

extern "C" int wd_json_valid_utf8(const char *p, size_t len)
{
    return simdjson::validate_utf8(p, len) ? 1 : 0;
}

extern "C" void wd_json_thread_fini(void)
{
    free(tls.scratch);
    tls.scratch = nullptr;
    tls.scratch_cap = 0;
    tls.parser = ondemand::parser();
    tls.dom = dom::parser();
}
