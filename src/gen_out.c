/*
 * gen_out.c: the generator's output primitives: integer, address, time and string
 * formatting straight into a pre-reserved buffer, without printf, and the PRNG helpers
 * that need more than a line. All functions return the new write position.
 *
 * Invariant: callers reserve enough room (see GEN_REC_MAX in gen_int.h); these
 * functions never check bounds.
 */
#include "gen_int.h"

size_t wd_gen_pick(struct gen_rng *r, const uint16_t *w, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    uint32_t x = (uint32_t)gen_below(r, sum);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

uint64_t wd_gen_logu(struct gen_rng *r, unsigned lo_bits, unsigned hi_bits)
{
    unsigned b = (unsigned)gen_range(r, lo_bits, hi_bits);
    uint64_t base = (uint64_t)1 << b;
    return base + gen_below(r, base);
}

static unsigned ndigits(uint64_t v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

char *wd_gen_put_u64(char *w, uint64_t v)
{
    unsigned n = ndigits(v);
    char *p = w + n;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = wd_digit_pairs[i + 1];
        *--p = wd_digit_pairs[i];
    }
    if (v >= 10) {
        unsigned i = (unsigned)v * 2;
        *--p = wd_digit_pairs[i + 1];
        *--p = wd_digit_pairs[i];
    } else {
        *--p = (char)('0' + v);
    }
    return w + n;
}

char *wd_gen_put_i64(char *w, int64_t v)
{
    if (v < 0) {
        *w++ = '-';
        return wd_gen_put_u64(w, (uint64_t)0 - (uint64_t)v);
    }
    return wd_gen_put_u64(w, (uint64_t)v);
}

char *wd_gen_put_u64w(char *w, uint64_t v, int width)
{
    char *p = w + width;
    int i = width;
    while (i >= 2) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = wd_digit_pairs[d + 1];
        *--p = wd_digit_pairs[d];
        i -= 2;
    }
    if (i)
        *--p = (char)('0' + v % 10);
    return w + width;
}

/* One address byte: 1..3 digits, no leading zeros. */
static char *put_octet(char *w, unsigned b)
{
    if (b >= 100) {
        *w++ = (char)('0' + b / 100);
        b %= 100;
        *w++ = wd_digit_pairs[(size_t)b * 2];
        *w++ = wd_digit_pairs[(size_t)b * 2 + 1];
    } else if (b >= 10) {
        *w++ = wd_digit_pairs[(size_t)b * 2];
        *w++ = wd_digit_pairs[(size_t)b * 2 + 1];
    } else {
        *w++ = (char)('0' + b);
    }
    return w;
}

char *wd_gen_put_ipv4(char *w, uint32_t a)
{
    w = put_octet(w, a >> 24);
    *w++ = '.';
    w = put_octet(w, (a >> 16) & 0xff);
    *w++ = '.';
    w = put_octet(w, (a >> 8) & 0xff);
    *w++ = '.';
    return put_octet(w, a & 0xff);
}

char *wd_gen_put_hex(char *w, uint64_t seed, size_t nchars, bool upper)
{
    const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    uint64_t x = seed, v = 0;
    for (size_t i = 0; i < nchars; i++) {
        if (i % 16 == 0)
            v = gen_splitmix(&x);
        *w++ = hx[v & 15];
        v >>= 4;
    }
    return w;
}

/* Splits microseconds into whole seconds and the fraction, flooring. */
static void split_us(int64_t us, int64_t *sec, int64_t *frac)
{
    *sec = us / GEN_US;
    *frac = us % GEN_US;
    if (*frac < 0) {
        *frac += GEN_US;
        (*sec)--;
    }
}

char *wd_gen_put_fix6(char *w, int64_t us)
{
    uint64_t a = (uint64_t)us;
    if (us < 0) {
        *w++ = '-';
        a = (uint64_t)0 - a;
    }
    w = wd_gen_put_u64(w, a / GEN_US);
    *w++ = '.';
    return wd_gen_put_u64w(w, a % GEN_US, 6);
}

char *wd_gen_put_jnum(char *w, int64_t us)
{
    char *p = wd_gen_put_fix6(w, us);
    /* trim trailing zeros, keep one decimal */
    while (p[-1] == '0' && p[-2] != '.')
        p--;
    return p;
}

void wd_gen_civil(int64_t days, int *y, int *m, int *d)
{
    /* Howard Hinnant's civil_from_days */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

int64_t wd_gen_days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct tm6 {
    int y, mo, d, h, mi, s;
    int64_t frac;
};

static void breakdown(int64_t us, struct tm6 *t)
{
    int64_t sec, days, sod;
    split_us(us, &sec, &t->frac);
    days = sec / 86400;
    sod = sec % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    wd_gen_civil(days, &t->y, &t->mo, &t->d);
    t->h = (int)(sod / 3600);
    t->mi = (int)(sod / 60 % 60);
    t->s = (int)(sod % 60);
}

static char *put2(char *w, int v)
{
    *w++ = wd_digit_pairs[(size_t)v * 2];
    *w++ = wd_digit_pairs[(size_t)v * 2 + 1];
    return w;
}

char *wd_gen_put_iso(char *w, int64_t us, enum gen_iso style)
{
    struct tm6 t;
    breakdown(us, &t);
    w = wd_gen_put_u64w(w, (uint64_t)t.y, 4);
    *w++ = '-';
    w = put2(w, t.mo);
    *w++ = '-';
    w = put2(w, t.d);
    *w++ = 'T';
    w = put2(w, t.h);
    *w++ = ':';
    w = put2(w, t.mi);
    *w++ = ':';
    w = put2(w, t.s);
    switch (style) {
    case GEN_ISO_MOZDEF:
        if (t.frac) {
            *w++ = '.';
            w = wd_gen_put_u64w(w, (uint64_t)t.frac, 6);
        }
        return GEN_LIT(w, "+00:00");
    case GEN_ISO_ZULU6:
        *w++ = '.';
        w = wd_gen_put_u64w(w, (uint64_t)t.frac, 6);
        *w++ = 'Z';
        return w;
    case GEN_ISO_SEC:
        *w++ = 'Z';
        return w;
    }
    return w;
}

char *wd_gen_put_zeekdate(char *w, int64_t us)
{
    struct tm6 t;
    breakdown(us, &t);
    w = wd_gen_put_u64w(w, (uint64_t)t.y, 4);
    *w++ = '-';
    w = put2(w, t.mo);
    *w++ = '-';
    w = put2(w, t.d);
    *w++ = '-';
    w = put2(w, t.h);
    *w++ = '-';
    w = put2(w, t.mi);
    *w++ = '-';
    return put2(w, t.s);
}

char *wd_gen_put_bsddate(char *w, int64_t us)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm6 t;
    breakdown(us, &t);
    w = gen_put(w, mon + (size_t)(t.mo - 1) * 3, 3);
    *w++ = ' ';
    *w++ = (char)(t.d < 10 ? ' ' : '0' + t.d / 10);
    *w++ = (char)('0' + t.d % 10);
    *w++ = ' ';
    w = put2(w, t.h);
    *w++ = ':';
    w = put2(w, t.mi);
    *w++ = ':';
    return put2(w, t.s);
}

char *wd_gen_put_jstr(char *w, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *w++ = (char)c;
            continue;
        }
        *w++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *w++ = (char)c;
            break;
        case '\n':
            *w++ = 'n';
            break;
        case '\t':
            *w++ = 't';
            break;
        case '\r':
            *w++ = 'r';
            break;
        default:
            w = GEN_LIT(w, "u00");
            *w++ = hx[c >> 4];
            *w++ = hx[c & 15];
        }
    }
    *w++ = '"';
    return w;
}

char *wd_gen_put_tsvstr(char *w, const char *s, size_t n, bool in_set)
{
    static const char hx[] = "0123456789abcdef";
    if (n == 0)
        return GEN_LIT(w, "(empty)");
    size_t i = 0;
    /* a value equal to the unset or empty marker gets its first byte escaped */
    if ((n == 1 && s[0] == '-') || (n == 7 && memcmp(s, "(empty)", 7) == 0)) {
        w = GEN_LIT(w, "\\x");
        *w++ = hx[(unsigned char)s[0] >> 4];
        *w++ = hx[s[0] & 15];
        i = 1;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            w = GEN_LIT(w, "\\\\");
        } else if (c < 0x20 || c == 0x7f || (in_set && c == ',')) {
            w = GEN_LIT(w, "\\x");
            *w++ = hx[c >> 4];
            *w++ = hx[c & 15];
        } else {
            *w++ = (char)c;
        }
    }
    return w;
}
