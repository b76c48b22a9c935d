/*
 * analyze.c: `summary` tokenizer (see analyze.h and spec d.2). A single left-to-right pass
 * over code points; a token is a maximal run of word characters where a joiner character
 * is kept only when the characters right before and right after it satisfy its condition.
 */
#include "analyze.h"

#include <string.h>

#include "ward.h"

size_t wd_utf8_next(const char *p, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < n)
        goto bad;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        goto bad;
    *cp = v;
    return n;
bad:
    *cp = 0xFFFD;
    return 1;
}

size_t wd_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

uint32_t wd_lower_cp(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        if (c == 0x178)
            return 0xFF;
        bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_upper)
            return (c & 1) ? c + 1 : c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 32;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

enum cat {
    C_SEP,   /* separates tokens */
    C_LET,   /* ALetter */
    C_DIG,   /* Numeric */
    C_US,    /* `_` (ExtendNumLet) */
    C_IDEO,  /* one token per character */
    C_MIDNL, /* `.` `'`: letter-letter and digit-digit */
    C_MIDL,  /* `:`: letter-letter */
    C_MIDN,  /* `,` `;`: digit-digit */
};

static enum cat cat_of(uint32_t c)
{
    if (c < 0x80) {
        if ((c | 32) >= 'a' && (c | 32) <= 'z')
            return C_LET;
        if (c >= '0' && c <= '9')
            return C_DIG;
        switch (c) {
        case '_':
            return C_US;
        case '.':
        case '\'':
            return C_MIDNL;
        case ':':
            return C_MIDL;
        case ',':
        case ';':
            return C_MIDN;
        default:
            return C_SEP;
        }
    }
    if (c == 0x2018 || c == 0x2019)
        return C_MIDNL;
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) ||
        (c >= 0x3040 && c <= 0x309F))
        return C_IDEO;
    /* Punctuation, symbols and spaces that are not letters. */
    if ((c >= 0x80 && c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) || c == 0xD7 || c == 0xF7 ||
        (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || c == 0xFEFF || c == 0xFFFD ||
        (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0xE000 && c <= 0xF8FF))
        return C_SEP;
    return C_LET;
}

/* cat_of() of the ASCII characters, for the tokenizer's fast path. */
#define S C_SEP
#define L C_LET
#define D C_DIG
#define U C_US
#define J C_MIDNL
#define K C_MIDL
#define N C_MIDN
static const unsigned char ascii_cat[128] = {
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, /* 0x00 */
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, /* 0x10 */
    S, S, S, S, S, S, S, J, S, S, S, S, N, S, J, S, /* 0x20 */
    D, D, D, D, D, D, D, D, D, D, K, N, S, S, S, S, /* 0x30 */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, /* 0x40 */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, U, /* 0x50 */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, /* 0x60 */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, S, /* 0x70 */
};
#undef S
#undef L
#undef D
#undef U
#undef J
#undef K
#undef N

/* The code point at p[0..len) (len > 0): ASCII inline, the rest by wd_utf8_next(). */
static inline size_t next_cp(const char *p, size_t len, uint32_t *c)
{
    unsigned char b = (unsigned char)*p;
    if (b < 0x80) {
        *c = b;
        return 1;
    }
    return wd_utf8_next(p, len, c);
}

static inline enum cat cat_fast(uint32_t c)
{
    return c < 0x80 ? (enum cat)ascii_cat[c] : cat_of(c);
}

/* Appends the lower-cased c to out; returns its byte length. */
static inline size_t put_lower(uint32_t c, char *out)
{
    if (c < 0x80) {
        *out = (char)(c - 'A' < 26 ? c + 32 : c);
        return 1;
    }
    return wd_utf8_put(wd_lower_cp(c), out);
}

static bool is_word(enum cat c)
{
    return c == C_LET || c == C_DIG || c == C_US;
}

/* Whether joiner category j joins previous character category a with next b. */
static bool joins(enum cat j, enum cat a, enum cat b)
{
    switch (j) {
    case C_MIDNL:
        return (a == C_LET && b == C_LET) || (a == C_DIG && b == C_DIG);
    case C_MIDL:
        return a == C_LET && b == C_LET;
    case C_MIDN:
        return a == C_DIG && b == C_DIG;
    default:
        return false;
    }
}

bool wd_analyze(const char *p, size_t len, wd_token_cb cb, void *ctx)
{
    char tok[WD_TOKEN_MAX_BYTES];
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t n = next_cp(p + i, len - i, &c);
        enum cat k = cat_fast(c);
        if (k == C_IDEO) {
            size_t m = put_lower(c, tok);
            if (!cb(ctx, tok, m))
                return false;
            i += n;
            continue;
        }
        if (!is_word(k)) {
            i += n;
            continue;
        }
        /* A token starts at i. */
        size_t tl = 0, chars = 0;
        enum cat prev = k;
        for (;;) {
            if (chars == WD_TOKEN_MAX_CHARS) {
                if (!cb(ctx, tok, tl))
                    return false;
                tl = chars = 0;
            }
            tl += put_lower(c, tok + tl);
            chars++;
            prev = k;
            i += n;
            if (i >= len)
                break;
            n = next_cp(p + i, len - i, &c);
            k = cat_fast(c);
            if (is_word(k))
                continue;
            if (k == C_SEP || k == C_IDEO)
                break;
            /* A joiner: look at the character after it. */
            if (i + n >= len)
                break;
            uint32_t c2;
            size_t n2 = next_cp(p + i + n, len - i - n, &c2);
            enum cat k2 = cat_fast(c2);
            if (!joins(k, prev, k2))
                break;
            /* Keep the joiner; the loop appends it, then continues with c2. */
            WD_UNUSED(n2);
        }
        if (tl && !cb(ctx, tok, tl))
            return false;
    }
    return true;
}
