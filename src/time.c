/*
 * time.c: civil-date helpers, the isoformat() renderer and MozDef's toUTC() rules
 * (shared/spec/mozdef-compat.md section b): epoch numbers (rules 2 and 3), numeric strings
 * (rule 4, first three bullets), an exact-form fast path, and a faithful re-implementation
 * of python-dateutil 2.8's parse(s, fuzzy=True) for everything else (rule 4, fuzzy).
 *
 * Invariants:
 * - Pure functions: no I/O, no logging, no globals, no allocation (the fuzzy parser works
 *   on a bounded stack token array), so all of it is thread-safe and fuzzable.
 * - Results are int64 microseconds UTC inside Python's datetime range (years 1..9999);
 *   anything MozDef's Python would reject with an exception is WD_EPARSE.
 * - Where dateutil's behaviour is odd but harmless it is reproduced (commented "dateutil:");
 *   ward's deliberate departures are commented "ward:".
 */
#include "wd_time.h"

#include <math.h>

#include "jv.h"
#include "ward.h"

typedef unsigned __int128 wd_u128;

/* ---- civil calendar (H. Hinnant's days_from_civil / civil_from_days algorithms) ---- */

int64_t wd_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void wd_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int wd_weekday_from_days(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

bool wd_is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int wd_days_in_month(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && wd_is_leap_year(y) ? 29 : len[m - 1];
}

void wd_time_to_civil(int64_t us, struct wd_civil *c)
{
    int64_t days = us / WD_US_PER_DAY, rem = us % WD_US_PER_DAY;
    if (rem < 0) {
        rem += WD_US_PER_DAY; /* no overflow even for INT64_MIN */
        days--;
    }
    wd_civil_from_days(days, &c->year, &c->month, &c->day);
    int64_t secs = rem / WD_US_PER_SEC;
    c->usec = (int)(rem % WD_US_PER_SEC);
    c->hour = (int)(secs / 3600);
    c->minute = (int)(secs / 60 % 60);
    c->second = (int)(secs % 60);
    c->wday = wd_weekday_from_days(days);
}

int64_t wd_time_from_civil(const struct wd_civil *c)
{
    int64_t days = wd_days_from_civil(c->year, c->month, c->day);
    return days * WD_US_PER_DAY +
           ((int64_t)c->hour * 3600 + (int64_t)c->minute * 60 + c->second) * WD_US_PER_SEC +
           c->usec;
}

static char *put_digits(char *o, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *o++ = tmp[--n];
    return o;
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

size_t wd_time_iso(int64_t us, char out[WD_TIME_ISO_MAX])
{
    struct wd_civil c;
    wd_time_to_civil(us, &c);
    char *o = out;
    if (c.year >= 0 && c.year <= 9999) {
        put2(o, (int)(c.year / 100));
        put2(o + 2, (int)(c.year % 100));
        o += 4;
    } else if (c.year < 0) {
        *o++ = '-';
        o = put_digits(o, (uint64_t)(-c.year), 4);
    } else {
        o = put_digits(o, (uint64_t)c.year, 4);
    }
    /* fixed layout from here: "-MM-DDTHH:MM:SS[.ffffff]+00:00" */
    o[0] = '-';
    put2(o + 1, c.month);
    o[3] = '-';
    put2(o + 4, c.day);
    o[6] = 'T';
    put2(o + 7, c.hour);
    o[9] = ':';
    put2(o + 10, c.minute);
    o[12] = ':';
    put2(o + 13, c.second);
    o += 15;
    if (c.usec) {
        o[0] = '.';
        put2(o + 1, c.usec / 10000);
        put2(o + 3, c.usec / 100 % 100);
        put2(o + 5, c.usec % 100);
        o += 7;
    }
    memcpy(o, "+00:00", 7);
    return (size_t)(o - out) + 6;
}

/* Two decimal digits at s; false when either is not a digit. */
static inline bool two_digits(const char *s, int *v)
{
    unsigned a = (unsigned char)s[0] - '0', b = (unsigned char)s[1] - '0';
    *v = (int)(a * 10 + b);
    return a <= 9 && b <= 9;
}

/*
 * wd_time_iso() writes a time of years 1 to 9999 as "YYYY-MM-DDTHH:MM:SS+00:00" when its
 * microseconds are 0, else with ".ffffff" before the offset; so a text in that layout with
 * valid fields (a real day, hour <= 23, minute and second <= 59, a fraction of six digits
 * that is not 000000) is what it writes for the time it denotes, and no other text is.
 */
bool wd_time_parse_canon(const char *s, size_t len, struct wd_time_memo *m, int64_t *us)
{
    if ((len != 25 && len != 32) || s[13] != ':' || s[16] != ':' ||
        memcmp(s + len - 6, "+00:00", 6) != 0)
        return false;
    struct wd_time_memo local = {.set = false};
    if (!m)
        m = &local;
    if (!m->set || memcmp(m->hour, s, sizeof(m->hour)) != 0) {
        int y1, y2, mo, d, h;
        if (!two_digits(s, &y1) || !two_digits(s + 2, &y2) || s[4] != '-' ||
            !two_digits(s + 5, &mo) || s[7] != '-' || !two_digits(s + 8, &d) || s[10] != 'T' ||
            !two_digits(s + 11, &h))
            return false;
        int y = y1 * 100 + y2;
        if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > wd_days_in_month(y, mo) || h > 23)
            return false;
        m->base = (wd_days_from_civil(y, mo, d) * 86400 + h * 3600) * WD_US_PER_SEC;
        memcpy(m->hour, s, sizeof(m->hour));
        m->set = true;
    }
    int mi, se;
    if (!two_digits(s + 14, &mi) || !two_digits(s + 17, &se) || mi > 59 || se > 59)
        return false;
    int64_t f = 0;
    if (len == 32) {
        if (s[19] != '.')
            return false;
        for (int i = 20; i < 26; i++) {
            unsigned dd = (unsigned char)s[i] - '0';
            if (dd > 9)
                return false;
            f = f * 10 + dd;
        }
        if (f == 0)
            return false;
    }
    *us = m->base + (int64_t)(mi * 60 + se) * WD_US_PER_SEC + f;
    return true;
}

/* ---- epoch numbers (spec b rules 2 and 3) ---- */

/* 1970-01-01T00:00:00 as a naive time in the naive zone: MozDef's datetime(1970, 1, 1). */
static int64_t epoch_zero(const struct wd_tz *tz)
{
    return wd_tz_local_to_utc(tz, 0);
}

/* Python's _PyTime_RoundHalfEven. */
static double round_half_even(double x)
{
    double r = round(x);
    if (fabs(x - r) == 0.5)
        r = 2.0 * round(x / 2.0);
    return r;
}

/* datetime.fromtimestamp(t): CPython's _PyTime_DoubleToDenominator with ROUND_HALF_EVEN,
 * then its year range check. */
static int py_fromtimestamp(double t, int64_t *out)
{
    if (isnan(t) || isinf(t))
        return WD_EPARSE;
    double ip;
    double fp = modf(t, &ip) * 1e6;
    fp = round_half_even(fp);
    if (fp >= 1e6) {
        fp -= 1e6;
        ip += 1.0;
    } else if (fp < 0) {
        fp += 1e6;
        ip -= 1.0;
    }
    if (ip < -62135596800.0 || ip > 253402300799.0)
        return WD_EPARSE;
    *out = (int64_t)ip * WD_US_PER_SEC + (int64_t)fp;
    return WD_OK;
}

/* The double nearest to 10^k (k >= 0), as Python's float(10 ** k). */
static double pow10_double(int k)
{
    static const double exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (k < (int)WD_ARRAY_LEN(exact))
        return exact[k];
    char buf[16];
    snprintf(buf, sizeof(buf), "1e%d", k);
    return strtod(buf, NULL); /* glibc's strtod rounds correctly */
}

/* Rule 2: a JSON float (or a positive float string, ward's resolution). */
static int epoch_float(double x, const struct wd_tz *tz, int64_t *out)
{
    if (isnan(x))
        return WD_EPARSE;
    if (x < 1) {
        /* x <= 0: MozDef's datetime(1970, 1, 1); 0 < x < 1: MozDef raises (log10(0)),
         * ward: the same 1970-01-01 (spec b rule 2). */
        *out = epoch_zero(tz);
        return WD_OK;
    }
    if (isinf(x))
        return WD_EPARSE;
    /* m = int(math.log10(int(x))): libm's log10 as CPython uses it, quirks included
     * (log10(999999999999999) rounds to 15.0). */
    int m = (int)log10(floor(x));
    if (m > 9)
        x = x / pow10_double(m - 9);
    return py_fromtimestamp(x, out);
}

static int bitlen128(wd_u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    if (hi)
        return 128 - __builtin_clzll(hi);
    return lo ? 64 - __builtin_clzll(lo) : 0;
}

/* The double nearest to v / 10^k (ties to even), as Python's int / int; k <= 9. */
static double ratio_to_double(wd_u128 v, int k)
{
    uint64_t p = 1;
    for (int i = 0; i < k; i++)
        p *= 10;
    if (v < ((wd_u128)1 << 53))
        return (double)(uint64_t)v / (double)p; /* both exact: one correctly rounded op */
    wd_u128 q = v / p, r = v % p;
    int b = bitlen128(q);
    if (b > 53) {
        int s = b - 53;
        wd_u128 mant = q >> s;
        wd_u128 low = q & (((wd_u128)1 << s) - 1), half = (wd_u128)1 << (s - 1);
        if (low > half || (low == half && (r > 0 || (mant & 1))))
            mant++;
        return ldexp((double)(uint64_t)mant, s);
    }
    int f = 53 - b; /* q >= 2^23 here, so f <= 30 and r << f stays small */
    wd_u128 rf = r << f;
    wd_u128 mant = (q << f) + rf / p, rr = rf % p;
    if (2 * rr > p || (2 * rr == p && (mant & 1)))
        mant++;
    return ldexp((double)(uint64_t)mant, -f);
}

/* Rule 3 on decimal digits d[0..n): n counts every digit (leading zeros too, as MozDef's
 * len(str(x)) does for strings); the value is divided by 10^(n mod 10). */
static int epoch_digits(const char *d, size_t n, const struct wd_tz *tz, int64_t *out)
{
    size_t i = 0;
    while (i < n && d[i] == '0')
        i++;
    if (i == n) {
        *out = epoch_zero(tz);
        return WD_OK;
    }
    if (n - i > 38)
        return WD_EPARSE; /* >= 1e38: seconds far beyond year 9999 */
    wd_u128 v = 0;
    for (; i < n; i++)
        v = v * 10 + (unsigned)(d[i] - '0');
    return py_fromtimestamp(ratio_to_double(v, (int)(n % 10)), out);
}

static int epoch_int(int64_t v, const struct wd_tz *tz, int64_t *out)
{
    if (v <= 0) {
        /* 0: datetime(1970, 1, 1); negative: MozDef raises, ward: the same (spec b rule 3). */
        *out = epoch_zero(tz);
        return WD_OK;
    }
    char buf[24];
    char *e = put_digits(buf, (uint64_t)v, 1);
    return epoch_digits(buf, (size_t)(e - buf), tz, out);
}

/* ---- numeric strings (spec b rule 4, first bullets) ---- */

static bool py_isspace(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool ieq_lit(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* Copies digits with Python's single-underscore rule; returns the end index or 0 on error. */
static size_t float_digits(const char *p, size_t i, size_t n, char *buf, size_t *bl, size_t cap,
                           bool *nonzero)
{
    size_t start = i;
    while (i < n) {
        if (is_digit(p[i])) {
            if (*bl < cap)
                buf[*bl] = p[i];
            (*bl)++;
            if (p[i] != '0')
                *nonzero = true;
            i++;
        } else if (p[i] == '_' && i > start && i + 1 < n && is_digit(p[i + 1])) {
            i++;
        } else {
            break;
        }
    }
    return i;
}

bool wd_py_float(const char *p, size_t n, double *v)
{
    size_t i = 0;
    while (n > 0 && py_isspace((unsigned char)p[n - 1]))
        n--;
    while (i < n && py_isspace((unsigned char)p[i]))
        i++;
    if (i == n)
        return false;
    char buf[512];
    size_t bl = 0;
    bool neg = false, nonzero = false;
    if (p[i] == '+' || p[i] == '-') {
        neg = p[i] == '-';
        buf[bl++] = p[i++];
    }
    if (ieq_lit(p + i, n - i, "inf") || ieq_lit(p + i, n - i, "infinity")) {
        *v = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (ieq_lit(p + i, n - i, "nan")) {
        *v = NAN;
        return true;
    }
    size_t before = bl;
    i = float_digits(p, i, n, buf, &bl, sizeof(buf) - 1, &nonzero);
    bool intpart = bl > before, fracpart = false;
    if (i < n && p[i] == '.') {
        if (bl < sizeof(buf) - 1)
            buf[bl] = '.';
        bl++;
        i++;
        size_t b2 = bl;
        i = float_digits(p, i, n, buf, &bl, sizeof(buf) - 1, &nonzero);
        fracpart = bl > b2;
    }
    if (!intpart && !fracpart)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        if (bl < sizeof(buf) - 1)
            buf[bl] = 'e';
        bl++;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) {
            if (bl < sizeof(buf) - 1)
                buf[bl] = p[i];
            bl++;
            i++;
        }
        size_t b3 = bl;
        bool dummy = false;
        i = float_digits(p, i, n, buf, &bl, sizeof(buf) - 1, &dummy);
        if (bl == b3)
            return false;
    }
    if (i != n)
        return false;
    if (bl >= sizeof(buf)) {
        *v = neg ? -1.0 : (nonzero ? NAN : 0.0);
        return true;
    }
    buf[bl] = '\0';
    *v = strtod(buf, NULL);
    return true;
}

/* ---- results and range checks ---- */

/* Joins validated local fields with an offset (has_off) or the naive zone. */
static int finish(const struct wd_civil *c, bool has_off, int64_t off_s, const struct wd_tz *tz,
                  int64_t *out)
{
    if (c->year < 1 || c->year > 9999 || c->month < 1 || c->month > 12 || c->day < 1 ||
        c->day > wd_days_in_month(c->year, c->month) || c->hour < 0 || c->hour > 23 ||
        c->minute < 0 || c->minute > 59 || c->second < 0 || c->second > 59 || c->usec < 0 ||
        c->usec > 999999)
        return WD_EPARSE;
    int64_t local = wd_time_from_civil(c), utc;
    if (has_off) {
        /* Python's tzinfo contract: |utcoffset| < 24 hours. */
        if (off_s <= -86400 || off_s >= 86400)
            return WD_EPARSE;
        utc = local - off_s * WD_US_PER_SEC;
    } else {
        utc = wd_tz_local_to_utc(tz, local);
    }
    if (utc < WD_TIME_MIN_US || utc > WD_TIME_MAX_US)
        return WD_EPARSE; /* Python: OverflowError in astimezone() */
    *out = utc;
    return WD_OK;
}

/* ---- the fast path ---- */

static bool dig2(const char *p, size_t len, size_t i, int *v)
{
    if (i + 2 > len || !is_digit(p[i]) || !is_digit(p[i + 1]))
        return false;
    *v = (p[i] - '0') * 10 + (p[i + 1] - '0');
    return true;
}

/* "HH:MM[:SS[.f+]][Z|z|(+|-)HH[[:]MM]]" from p[i] to the end. */
static int fast_time(const char *p, size_t len, size_t i, struct wd_civil *c, bool *has_off,
                     int64_t *off)
{
    if (!dig2(p, len, i, &c->hour) || i + 2 >= len || p[i + 2] != ':' ||
        !dig2(p, len, i + 3, &c->minute))
        return WD_EAGAIN;
    i += 5;
    if (i < len && p[i] == ':') {
        if (!dig2(p, len, i + 1, &c->second))
            return WD_EAGAIN;
        i += 3;
        if (i < len && p[i] == '.') {
            size_t s = ++i;
            int us = 0;
            while (i < len && is_digit(p[i])) {
                if (i - s < 6)
                    us = us * 10 + (p[i] - '0');
                i++;
            }
            if (i == s)
                return WD_EAGAIN;
            for (size_t k = i - s; k < 6; k++)
                us *= 10; /* dateutil: f.ljust(6, "0")[:6], i.e. truncation */
            c->usec = us;
        }
    }
    if (i == len)
        return WD_OK;
    if ((p[i] == 'Z' || p[i] == 'z') && i + 1 == len) {
        *has_off = true;
        return WD_OK;
    }
    if (p[i] != '+' && p[i] != '-')
        return WD_EAGAIN;
    int sign = p[i] == '-' ? -1 : 1, hh, mm = 0;
    if (!dig2(p, len, i + 1, &hh))
        return WD_EAGAIN;
    i += 3;
    if (i < len && p[i] == ':')
        i++;
    if (i < len) {
        if (!dig2(p, len, i, &mm) || i + 2 != len)
            return WD_EAGAIN;
    } else if (p[i - 1] == ':') {
        return WD_EAGAIN;
    }
    *has_off = true;
    *off = sign * ((int64_t)hh * 3600 + (int64_t)mm * 60);
    return WD_OK;
}

static int parse_fast(const char *p, size_t len, const struct wd_tz *naive_tz,
                      struct wd_time_memo *m, int64_t *out_us)
{
    /* ward's own form first (every normalized event's times): fixed positions */
    if (wd_time_parse_canon(p, len, m, out_us))
        return WD_OK;
    struct wd_civil c = {0};
    bool has_off = false;
    int64_t off = 0;
    int y1, y2, rc;
    size_t i;
    if (len >= 10 && p[4] == '-' && p[7] == '-' && dig2(p, len, 0, &y1) && dig2(p, len, 2, &y2) &&
        dig2(p, len, 5, &c.month) && dig2(p, len, 8, &c.day)) {
        /* YYYY-MM-DD[(T| )time] */
        c.year = y1 * 100 + y2;
        i = 10;
        if (i < len) {
            if ((p[i] != 'T' && p[i] != ' ') || i + 1 == len)
                return WD_EAGAIN;
            rc = fast_time(p, len, i + 1, &c, &has_off, &off);
            if (rc != WD_OK)
                return rc;
        }
    } else {
        /* M[M]/D[D]/YYYY[ time] with M <= 12 (dateutil then reads month/day/year). */
        int f[2] = {0, 0};
        i = 0;
        for (int k = 0; k < 2; k++) {
            size_t s = i;
            while (i < len && is_digit(p[i]) && i - s < 2)
                f[k] = f[k] * 10 + (p[i++] - '0');
            if (i == s || i >= len || p[i] != '/')
                return WD_EAGAIN;
            i++;
        }
        if (f[0] > 12 || len - i < 4 || !dig2(p, len, i, &y1) || !dig2(p, len, i + 2, &y2))
            return WD_EAGAIN;
        c.month = f[0];
        c.day = f[1];
        c.year = y1 * 100 + y2;
        i += 4;
        if (i < len) {
            if (p[i] != ' ' || i + 1 == len)
                return WD_EAGAIN;
            rc = fast_time(p, len, i + 1, &c, &has_off, &off);
            if (rc != WD_OK)
                return rc;
        }
    }
    return finish(&c, has_off, off, naive_tz, out_us);
}

int wd_time_parse_fast(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t *out_us)
{
    return parse_fast(p, len, naive_tz, NULL, out_us);
}

int wd_time_parse_memo(const char *p, size_t len, struct wd_time_memo *m, int64_t *out_us)
{
    return parse_fast(p, len, NULL, m, out_us);
}

/* The syslog form "Mmm dd HH:MM:SS" (RFC 3164; the day may be space-padded), which
 * dateutil completes with the current year in the naive zone. Same results as the fuzzy
 * parser (checked by tests); WD_EAGAIN for anything else. */
static int fast_syslog(const char *p, size_t len, const struct wd_tz *tz, int64_t now_us,
                       int64_t *out)
{
    static const char mon[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (len < 14 || len > 16 || p[3] != ' ')
        return WD_EAGAIN;
    char m3[3];
    for (int k = 0; k < 3; k++) {
        char ch = p[k];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        m3[k] = ch;
    }
    struct wd_civil c = {0};
    for (int k = 0; k < 12 && !c.month; k++)
        if (memcmp(mon + (size_t)3 * (size_t)k, m3, 3) == 0)
            c.month = k + 1;
    size_t i = 4;
    if (!c.month)
        return WD_EAGAIN;
    if (p[i] == ' ')
        i++;
    if (!is_digit(p[i]))
        return WD_EAGAIN;
    c.day = p[i++] - '0';
    if (is_digit(p[i]))
        c.day = c.day * 10 + (p[i++] - '0');
    /* a "day" above 31 is a year to dateutil: leave such strings to the fuzzy parser */
    if (c.day > 31 || i + 9 != len || p[i] != ' ' || !dig2(p, len, i + 1, &c.hour) ||
        p[i + 3] != ':' || !dig2(p, len, i + 4, &c.minute) || p[i + 6] != ':' ||
        !dig2(p, len, i + 7, &c.second))
        return WD_EAGAIN;
    struct wd_civil today;
    wd_time_to_civil(now_us + (int64_t)wd_tz_offset_at(tz, now_us) * WD_US_PER_SEC, &today);
    c.year = today.year;
    return finish(&c, false, 0, tz, out);
}

/* ---- the fuzzy parser: python-dateutil 2.8 parser._parse(fuzzy=True) ---- */

enum tok_kind {
    TK_SPACE, /* one whitespace character (dateutil: the token " ") */
    TK_ALPHA, /* letters (bytes >= 0x80 count as letters: non-ASCII words) */
    TK_NUM,   /* digits, optionally one '.' or ',' (read as '.') and more digits */
    TK_PUNCT, /* any other single character */
    TK_JUNK,  /* what dateutil keeps as one odd token ("10.M" at the end, "00,1.2") */
};

#define NO_SEP 0xffff

struct tok {
    uint16_t off, len;
    uint16_t sep; /* TK_NUM: offset of the '.'/',' inside the token, or NO_SEP */
    uint8_t kind;
    char c; /* TK_PUNCT: the character; the parser may flip '+' and '-' (dateutil does) */
};

static bool is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool tk_push(struct tok *t, size_t *nt, size_t off, size_t len, int kind, char c, size_t sep)
{
    if (*nt >= WD_TIME_FUZZY_MAX)
        return false;
    t[*nt] = (struct tok){(uint16_t)off, (uint16_t)len, (uint16_t)sep, (uint8_t)kind, c};
    (*nt)++;
    return true;
}

/* Emits s[b..e) of a homogeneous piece of a split token. */
static bool tk_piece(const char *s, struct tok *t, size_t *nt, size_t b, size_t e)
{
    if (b == e)
        return true;
    return tk_push(t, nt, b, e - b, is_digit(s[b]) ? TK_NUM : TK_ALPHA, 0, NO_SEP);
}

/* dateutil's _timelex state machine ('a', '0', 'a.', '0.') over s[0..n). */
static bool tokenize(const char *s, size_t n, struct tok *t, size_t *nt)
{
    enum { ST_A, ST_N, ST_AD, ST_ND } st;
    size_t i = 0;
    *nt = 0;
    while (i < n) {
        size_t b = i;
        unsigned char c = (unsigned char)s[i++];
        if (is_word(c)) {
            st = ST_A;
        } else if (is_digit((char)c)) {
            st = ST_N;
        } else {
            if (!tk_push(t, nt, b, 1, py_isspace(c) ? TK_SPACE : TK_PUNCT, (char)c, NO_SEP))
                return false;
            continue;
        }
        bool seen_letters = false;
        while (i < n) {
            unsigned char x = (unsigned char)s[i];
            if (st == ST_A || st == ST_AD)
                seen_letters = true;
            if (st == ST_A) {
                if (is_word(x))
                    i++;
                else if (x == '.') {
                    i++;
                    st = ST_AD;
                } else
                    break;
            } else if (st == ST_N) {
                if (is_digit((char)x))
                    i++;
                else if (x == '.' || (x == ',' && i - b >= 2)) {
                    i++;
                    st = ST_ND;
                } else
                    break;
            } else if (st == ST_AD) {
                if (x == '.' || is_word(x))
                    i++;
                else if (is_digit((char)x) && s[i - 1] == '.') {
                    i++;
                    st = ST_ND;
                } else
                    break;
            } else {
                if (x == '.' || is_digit((char)x))
                    i++;
                else if (is_word(x) && s[i - 1] == '.') {
                    i++;
                    st = ST_AD;
                } else
                    break;
            }
        }
        size_t dots = 0, commas = 0, sep = NO_SEP;
        for (size_t k = b; k < i; k++) {
            if (s[k] == '.' || s[k] == ',') {
                dots += s[k] == '.';
                commas += s[k] == ',';
                if (sep == NO_SEP)
                    sep = k - b;
            }
        }
        bool ok;
        if ((st == ST_AD || st == ST_ND) &&
            (seen_letters || dots > 1 || s[i - 1] == '.' || s[i - 1] == ',')) {
            /* re.split("([.,])"): pieces and separators, empty pieces dropped */
            size_t pb = b;
            ok = true;
            for (size_t k = b; k < i && ok; k++) {
                if (s[k] == '.' || s[k] == ',') {
                    ok = tk_piece(s, t, nt, pb, k) && tk_push(t, nt, k, 1, TK_PUNCT, s[k], NO_SEP);
                    pb = k + 1;
                }
            }
            ok = ok && tk_piece(s, t, nt, pb, i);
        } else if (st == ST_A) {
            ok = tk_push(t, nt, b, i - b, TK_ALPHA, 0, NO_SEP);
        } else if (st == ST_N) {
            ok = tk_push(t, nt, b, i - b, TK_NUM, 0, NO_SEP);
        } else if (st == ST_ND && dots + commas == 1) {
            ok = tk_push(t, nt, b, i - b, TK_NUM, 0, sep); /* a lone ',' reads as '.' */
        } else {
            ok = tk_push(t, nt, b, i - b, TK_JUNK, 0, NO_SEP);
        }
        if (!ok)
            return false;
    }
    return true;
}

#define NONE (-1)

enum { LBL_NONE, LBL_Y, LBL_M };
enum { TZN_NONE, TZN_UTC, TZN_OTHER };

/* dateutil's _ymd list: at most 3 values (a fourth makes resolve_ymd raise). */
struct ymd {
    int64_t v[3];
    int n;
    int yi, mi; /* ystridx, mstridx (NONE when unset); dateutil never labels days */
    bool century;
};

/* A numeric token read as a Decimal: integer part (saturated) and fraction digits. */
struct num {
    int64_t ip;
    const char *frac;
    size_t nfrac;
    bool frac_nz;
};

struct pctx {
    const char *s;
    struct tok *t;
    size_t n;
    struct ymd y;
    int64_t hour, minute, second, usec; /* NONE when unset */
    int ampm;
    int tzname; /* TZN_* */
    bool has_off;
    int64_t off;
    int64_t cur_year; /* parserinfo._year: the current year in the naive zone */
};

#define SAT_MAX INT64_C(1000000000000)

/* Python int() of a string that must be all ASCII digits (saturating). */
static bool py_int(const char *p, size_t n, int64_t *out)
{
    if (n == 0)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v >= SAT_MAX ? SAT_MAX : v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static const char *tx(const struct pctx *c, size_t i)
{
    return c->s + c->t[i].off;
}

static bool is_punct(const struct pctx *c, size_t i, char ch)
{
    return i < c->n && c->t[i].kind == TK_PUNCT && c->t[i].c == ch;
}

static bool is_space(const struct pctx *c, size_t i)
{
    return i < c->n && c->t[i].kind == TK_SPACE;
}

static bool tok_ieq(const struct pctx *c, size_t i, const char *lit)
{
    return c->t[i].kind == TK_ALPHA && ieq_lit(tx(c, i), c->t[i].len, lit);
}

static bool tok_isdigit(const struct pctx *c, size_t i)
{
    return c->t[i].kind == TK_NUM && c->t[i].sep == NO_SEP;
}

static int tok_lookup(const struct pctx *c, size_t i, const char *const *names, size_t count,
                      const int *vals)
{
    if (c->t[i].kind != TK_ALPHA || c->t[i].len > 9)
        return NONE;
    for (size_t k = 0; k < count; k++)
        if (ieq_lit(tx(c, i), c->t[i].len, names[k]))
            return vals[k];
    return NONE;
}

static int tok_month(const struct pctx *c, size_t i)
{
    static const char *const names[] = {
        "jan",  "january",   "feb",  "february", "mar",  "march",    "apr",    "april",
        "may",  "jun",       "june", "jul",      "july", "aug",      "august", "sep",
        "sept", "september", "oct",  "october",  "nov",  "november", "dec",    "december"};
    static const int vals[] = {1, 1, 2, 2, 3, 3, 4,  4,  5,  6,  6,  7,
                               7, 8, 8, 9, 9, 9, 10, 10, 11, 11, 12, 12};
    return tok_lookup(c, i, names, WD_ARRAY_LEN(names), vals);
}

static int tok_weekday(const struct pctx *c, size_t i)
{
    static const char *const names[] = {"mon",       "monday",   "tue",      "tuesday", "wed",
                                        "wednesday", "thu",      "thursday", "fri",     "friday",
                                        "sat",       "saturday", "sun",      "sunday"};
    static const int vals[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6};
    return tok_lookup(c, i, names, WD_ARRAY_LEN(names), vals);
}

static int tok_ampm(const struct pctx *c, size_t i)
{
    static const char *const names[] = {"am", "a", "pm", "p"};
    static const int vals[] = {0, 0, 1, 1};
    return i < c->n ? tok_lookup(c, i, names, WD_ARRAY_LEN(names), vals) : NONE;
}

static int tok_hms(const struct pctx *c, size_t i)
{
    static const char *const names[] = {"h",       "hour", "hours",  "m",      "minute",
                                        "minutes", "s",    "second", "seconds"};
    static const int vals[] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    return i < c->n ? tok_lookup(c, i, names, WD_ARRAY_LEN(names), vals) : NONE;
}

/* dateutil's JUMP words: " . , ; - / ' at on and ad m t of st nd rd th". */
static bool tok_jump(const struct pctx *c, size_t i)
{
    static const char *const words[] = {"at", "on", "and", "ad", "m", "t",
                                        "of", "st", "nd",  "rd", "th"};
    const struct tok *t = &c->t[i];
    if (t->kind == TK_SPACE)
        return true;
    if (t->kind == TK_PUNCT)
        return t->c && strchr(".,;-/'", t->c) != NULL;
    for (size_t k = 0; k < WD_ARRAY_LEN(words); k++)
        if (tok_ieq(c, i, words[k]))
            return true;
    return false;
}

/* _could_be_tzname: after an hour, no zone yet, <= 5 chars, A-Z only or UTC/GMT/Z/z. */
static bool could_be_tzname(const struct pctx *c, size_t i, bool ignore_off)
{
    const struct tok *t = &c->t[i];
    if (c->hour == NONE || c->tzname != TZN_NONE || (!ignore_off && c->has_off) ||
        t->kind != TK_ALPHA || t->len > 5)
        return false;
    const char *p = tx(c, i);
    if (t->len == 1 && p[0] == 'z')
        return true;
    for (size_t k = 0; k < t->len; k++)
        if (p[k] < 'A' || p[k] > 'Z')
            return false;
    return true;
}

static void set_tzname(struct pctx *c, size_t i)
{
    bool utc = tok_ieq(c, i, "utc") || tok_ieq(c, i, "gmt") || tok_ieq(c, i, "z");
    c->tzname = utc ? TZN_UTC : TZN_OTHER;
}

static void tok_num(const struct pctx *c, size_t i, struct num *v)
{
    const struct tok *t = &c->t[i];
    const char *p = tx(c, i);
    size_t ilen = t->sep == NO_SEP ? t->len : t->sep;
    v->ip = 0;
    for (size_t k = 0; k < ilen; k++)
        v->ip = v->ip >= SAT_MAX ? SAT_MAX : v->ip * 10 + (p[k] - '0');
    v->frac = t->sep == NO_SEP ? p + t->len : p + t->sep + 1;
    v->nfrac = t->sep == NO_SEP ? 0 : t->len - t->sep - 1;
    v->frac_nz = false;
    for (size_t k = 0; k < v->nfrac; k++)
        v->frac_nz |= v->frac[k] != '0';
}

/* int(60 * (value % 1)), exactly (decimal long multiplication). */
static int64_t sixty_frac(const struct num *v)
{
    int carry = 0;
    for (size_t k = v->nfrac; k > 0; k--)
        carry = ((v->frac[k - 1] - '0') * 60 + carry) / 10;
    return carry;
}

/* Python comparisons of a Decimal value with an integer. */
static bool num_le(const struct num *v, int64_t x)
{
    return v->ip < x || (v->ip == x && !v->frac_nz);
}

static bool num_gt(const struct num *v, int64_t x)
{
    return !num_le(v, x);
}

static int ymd_push(struct ymd *y, int64_t v, int label, bool century)
{
    if (century) {
        y->century = true;
        if (label != LBL_NONE && label != LBL_Y)
            return WD_EPARSE;
        label = LBL_Y;
    }
    if (y->n == 3)
        return WD_EPARSE; /* "More than three YMD values" */
    if (label == LBL_M) {
        if (y->mi != NONE)
            return WD_EPARSE; /* "Month is already set" */
        y->mi = y->n;
    } else if (label == LBL_Y) {
        if (y->yi != NONE)
            return WD_EPARSE; /* "Year is already set" */
        y->yi = y->n;
    }
    y->v[y->n++] = v;
    return WD_OK;
}

/* ymd.append(<str>): digits only; more than 2 digits marks a year. */
static int ymd_push_str(struct ymd *y, const char *p, size_t n, int label)
{
    int64_t v;
    bool digits = py_int(p, n, &v);
    if (!digits)
        return WD_EPARSE;
    return ymd_push(y, v, label, n > 2);
}

/* ymd.append(tokens[i]) with the token's text (int() fails on anything but digits). */
static int ymd_push_tok(struct pctx *c, size_t i)
{
    return ymd_push_str(&c->y, tx(c, i), c->t[i].len, LBL_NONE);
}

static int ymd_push_num(struct ymd *y, const struct num *v)
{
    return ymd_push(y, v->ip, LBL_NONE, num_gt(v, 100));
}

static bool could_be_day(const struct ymd *y, const struct num *v)
{
    int64_t mdays = 31;
    if (y->mi != NONE) {
        int64_t yr = y->yi != NONE ? y->v[y->yi] : 2000; /* dateutil: "assume leap year" */
        mdays = wd_days_in_month(yr, (int)y->v[y->mi]);
    }
    return v->ip >= 1 && num_le(v, mdays);
}

/* _parsems: "S[.F]" -> second, microsecond (fraction truncated to 6 digits). */
static int parsems(const char *p, size_t n, int64_t *sec, int64_t *us)
{
    size_t dot = n;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '.' || p[k] == ',') {
            if (dot != n)
                return WD_EPARSE;
            dot = k;
        }
    }
    if (!py_int(p, dot, sec))
        return WD_EPARSE;
    *us = 0;
    if (dot == n)
        return WD_OK;
    int64_t v = 0;
    for (size_t k = 0; k < 6; k++) {
        size_t j = dot + 1 + k;
        if (j < n && !is_digit(p[j]))
            return WD_EPARSE;
        v = v * 10 + (j < n ? p[j] - '0' : 0);
    }
    *us = v;
    return WD_OK;
}

static int parsems_tok(const struct pctx *c, size_t i, int64_t *sec, int64_t *us)
{
    /* Only tokens that can hold a ',' read as '.' are numeric ones. */
    if (c->t[i].kind != TK_NUM) {
        for (size_t k = 0; k < c->t[i].len; k++)
            if (tx(c, i)[k] == ',')
                return WD_EPARSE;
    }
    return parsems(tx(c, i), c->t[i].len, sec, us);
}

static void parse_min_sec(const struct num *v, int64_t *minute, int64_t *second)
{
    *minute = v->ip;
    *second = v->frac_nz ? sixty_frac(v) : NONE;
}

static int64_t adjust_ampm(int64_t hour, int ampm)
{
    if (hour < 12 && ampm == 1)
        return hour + 12;
    if (hour == 12 && ampm == 0)
        return 0;
    return hour;
}

static long find_hms_idx(const struct pctx *c, size_t idx)
{
    if (tok_hms(c, idx + 1) != NONE)
        return (long)idx + 1;
    if (is_space(c, idx + 1) && tok_hms(c, idx + 2) != NONE)
        return (long)idx + 2;
    if (idx > 0 && tok_hms(c, idx - 1) != NONE)
        return (long)idx - 1;
    if (idx > 1 && idx == c->n - 1 && is_space(c, idx - 1) && tok_hms(c, idx - 2) != NONE)
        return (long)idx - 2;
    return NONE;
}

static int assign_hms(struct pctx *c, size_t idx, const struct num *v, int hms)
{
    if (hms == 0) {
        c->hour = v->ip;
        if (v->frac_nz)
            c->minute = sixty_frac(v);
    } else if (hms == 1) {
        parse_min_sec(v, &c->minute, &c->second);
    } else if (hms == 2) {
        return parsems_tok(c, idx, &c->second, &c->usec);
    }
    return WD_OK;
}

/* Branch "01-01[-01]" / "01-Jan[-01]" of _parse_numeric_token. */
static int numeric_sep(struct pctx *c, size_t *pidx)
{
    size_t idx = *pidx;
    char sep = c->t[idx + 1].c;
    int mo;
    if (c->t[idx].sep != NO_SEP)
        return WD_EPARSE; /* ymd.append("10.5") raises */
    if (ymd_push_str(&c->y, tx(c, idx), c->t[idx].len, LBL_NONE))
        return WD_EPARSE;
    if (idx + 2 < c->n && !tok_jump(c, idx + 2)) {
        if (tok_isdigit(c, idx + 2)) {
            if (ymd_push_tok(c, idx + 2))
                return WD_EPARSE;
        } else if ((mo = tok_month(c, idx + 2)) != NONE) {
            if (ymd_push(&c->y, mo, LBL_M, false))
                return WD_EPARSE;
        } else {
            return WD_EPARSE;
        }
        if (is_punct(c, idx + 3, sep)) {
            if (idx + 4 >= c->n)
                return WD_EPARSE; /* IndexError */
            if ((mo = tok_month(c, idx + 4)) != NONE) {
                if (ymd_push(&c->y, mo, LBL_M, false))
                    return WD_EPARSE;
            } else if (ymd_push_tok(c, idx + 4)) {
                return WD_EPARSE;
            }
            idx += 2;
        }
        idx += 1;
    }
    *pidx = idx + 1;
    return WD_OK;
}

/* dateutil's _parse_numeric_token; *pidx is advanced like its idx. */
static int numeric_token(struct pctx *c, size_t *pidx)
{
    size_t idx = *pidx, n = c->n;
    const struct tok *t = &c->t[idx];
    const char *s = tx(c, idx);
    size_t len_li = t->len;
    struct num v;
    long hms_idx;
    int ap;
    tok_num(c, idx, &v);

    if (c->y.n == 3 && (len_li == 2 || len_li == 4) && c->hour == NONE &&
        (idx + 1 >= n || (!is_punct(c, idx + 1, ':') && tok_hms(c, idx + 1) == NONE))) {
        /* 19990101T23[59] */
        if (!py_int(s, 2, &c->hour) || (len_li == 4 && !py_int(s + 2, 2, &c->minute)))
            return WD_EPARSE;
    } else if (len_li == 6 || (len_li > 6 && t->sep == 6)) {
        /* YYMMDD or HHMMSS[.ss] */
        if (c->y.n == 0 && t->sep == NO_SEP) {
            if (ymd_push_str(&c->y, s, 2, LBL_NONE) || ymd_push_str(&c->y, s + 2, 2, LBL_NONE) ||
                ymd_push_str(&c->y, s + 4, len_li - 4, LBL_NONE))
                return WD_EPARSE;
        } else {
            if (!py_int(s, 2, &c->hour) || !py_int(s + 2, 2, &c->minute) ||
                parsems(s + 4, len_li - 4, &c->second, &c->usec))
                return WD_EPARSE;
        }
    } else if (len_li == 8 || len_li == 12 || len_li == 14) {
        /* YYYYMMDD[hhmm[ss]] */
        if (ymd_push_str(&c->y, s, 4, LBL_Y) || ymd_push_str(&c->y, s + 4, 2, LBL_NONE) ||
            ymd_push_str(&c->y, s + 6, 2, LBL_NONE))
            return WD_EPARSE;
        if (len_li > 8 && (!py_int(s + 8, 2, &c->hour) || !py_int(s + 10, 2, &c->minute) ||
                           (len_li > 12 && !py_int(s + 12, len_li - 12, &c->second))))
            return WD_EPARSE;
    } else if ((hms_idx = find_hms_idx(c, idx)) != NONE) {
        /* HH[ ]h or MM[ ]m or SS[.ss][ ]s */
        int hms;
        if ((size_t)hms_idx > idx) {
            hms = tok_hms(c, (size_t)hms_idx);
            *pidx = (size_t)hms_idx;
        } else {
            hms = tok_hms(c, (size_t)hms_idx) + 1;
        }
        return assign_hms(c, idx, &v, hms);
    } else if (idx + 2 < n && is_punct(c, idx + 1, ':')) {
        /* HH:MM[:SS[.ss]] */
        c->hour = v.ip;
        if (c->t[idx + 2].kind != TK_NUM)
            return WD_EPARSE;
        struct num v2;
        tok_num(c, idx + 2, &v2);
        parse_min_sec(&v2, &c->minute, &c->second);
        if (idx + 4 < n && is_punct(c, idx + 3, ':')) {
            if (parsems_tok(c, idx + 4, &c->second, &c->usec))
                return WD_EPARSE;
            idx += 2;
        }
        idx += 2;
    } else if (idx + 1 < n && (is_punct(c, idx + 1, '-') || is_punct(c, idx + 1, '/') ||
                               is_punct(c, idx + 1, '.'))) {
        return numeric_sep(c, pidx);
    } else if (idx + 1 >= n || tok_jump(c, idx + 1)) {
        if (idx + 2 < n && (ap = tok_ampm(c, idx + 2)) != NONE) {
            /* 12 am */
            c->hour = adjust_ampm(v.ip, ap);
            idx += 1;
        } else if (ymd_push_num(&c->y, &v)) {
            return WD_EPARSE; /* year, month or day */
        }
        idx += 1;
    } else if ((ap = tok_ampm(c, idx + 1)) != NONE && v.ip < 24) {
        /* 12am */
        c->hour = adjust_ampm(v.ip, ap);
        idx += 1;
    } else if (could_be_day(&c->y, &v)) {
        if (ymd_push_num(&c->y, &v))
            return WD_EPARSE;
    }
    /* else: fuzzy, ignored */
    *pidx = idx;
    return WD_OK;
}

/* convertyear(): two-digit years land within 50 years of the current one. */
static int64_t convert_year(int64_t year, bool century, int64_t cur)
{
    if (year < 100 && !century) {
        year += cur / 100 * 100;
        if (year >= cur + 50)
            year -= 100;
        else if (year < cur - 50)
            year += 100;
    }
    return year;
}

/* Numbered zone after '+'/'-' (the main loop's branch); *pi advanced like dateutil's i. */
static int numbered_zone(struct pctx *c, size_t *pi)
{
    size_t i = *pi;
    int sign = c->t[i].c == '+' ? 1 : -1;
    int64_t ho, mo = 0;
    if (i + 1 >= c->n)
        return WD_EPARSE; /* IndexError */
    const char *s1 = tx(c, i + 1);
    size_t len_li = c->t[i + 1].len;
    if (len_li == 4) {
        if (!py_int(s1, 2, &ho) || !py_int(s1 + 2, 2, &mo))
            return WD_EPARSE; /* -0300 */
    } else if (is_punct(c, i + 2, ':')) {
        if (!py_int(s1, len_li, &ho) || i + 3 >= c->n ||
            !py_int(tx(c, i + 3), c->t[i + 3].len, &mo))
            return WD_EPARSE; /* -03:00 */
        i += 2;
    } else if (len_li <= 2) {
        if (!py_int(s1, len_li, &ho))
            return WD_EPARSE; /* -[0]3 */
    } else {
        return WD_EPARSE;
    }
    c->has_off = true;
    c->off = sign * (ho * 3600 + mo * 60);
    /* "-0300 (BRST)" */
    if (i + 5 < c->n && tok_jump(c, i + 2) && is_punct(c, i + 3, '(') && is_punct(c, i + 5, ')') &&
        c->t[i + 4].len >= 3 && could_be_tzname(c, i + 4, true)) {
        set_tzname(c, i + 4);
        i += 4;
    }
    *pi = i + 1;
    return WD_OK;
}

/* One token of the main loop of _parse; *pi is advanced like its i (before the final i += 1). */
static int main_token(struct pctx *c, size_t *pi)
{
    size_t i = *pi, n = c->n;
    const struct tok *t = &c->t[i];
    int val;
    if (t->kind == TK_NUM)
        return numeric_token(c, pi);
    if (t->kind == TK_ALPHA &&
        (tok_ieq(c, i, "inf") || tok_ieq(c, i, "infinity") || tok_ieq(c, i, "nan")))
        return WD_EPARSE; /* float() accepts it, _to_decimal() then raises */
    if (tok_weekday(c, i) != NONE)
        return WD_OK; /* ward: weekday names are ignored (spec b rule 4) */
    if ((val = tok_month(c, i)) != NONE) {
        if (ymd_push(&c->y, val, LBL_M, false))
            return WD_EPARSE;
        if (i + 1 < n) {
            if (is_punct(c, i + 1, '-') || is_punct(c, i + 1, '/')) {
                /* Jan-01[-99] */
                char sep = c->t[i + 1].c;
                if (i + 2 >= n || ymd_push_tok(c, i + 2))
                    return WD_EPARSE;
                if (is_punct(c, i + 3, sep)) {
                    if (i + 4 >= n || ymd_push_tok(c, i + 4))
                        return WD_EPARSE;
                    i += 2;
                }
                i += 2;
            } else if (i + 4 < n && is_space(c, i + 1) && is_space(c, i + 3) &&
                       tok_ieq(c, i + 2, "of")) {
                /* Jan of 01: int(), convertyear(), then ymd.append(str(year), 'Y') */
                int64_t yv;
                if (tok_isdigit(c, i + 4) && py_int(tx(c, i + 4), c->t[i + 4].len, &yv) &&
                    ymd_push(&c->y, convert_year(yv, false, c->cur_year), LBL_Y, true))
                    return WD_EPARSE;
                i += 4;
            }
        }
        *pi = i;
        return WD_OK;
    }
    if ((val = tok_ampm(c, i)) != NONE) {
        if (c->ampm == NONE && c->hour != NONE && c->hour <= 12) {
            c->hour = adjust_ampm(c->hour, val);
            c->ampm = val;
        }
        return WD_OK;
    }
    if (could_be_tzname(c, i, false)) {
        set_tzname(c, i);
        c->has_off = t->len == 1 && tx(c, i)[0] == 'z'; /* info.tzoffset(): only "z" is 0 */
        c->off = 0;
        if (i + 1 < n && (is_punct(c, i + 1, '+') || is_punct(c, i + 1, '-'))) {
            /* "GMT+3" means "my time +3 is GMT": flip the sign (dateutil) */
            c->t[i + 1].c = c->t[i + 1].c == '+' ? '-' : '+';
            c->has_off = false;
            if (c->tzname == TZN_UTC)
                c->tzname = TZN_NONE;
        }
        return WD_OK;
    }
    if (c->hour != NONE && (is_punct(c, i, '+') || is_punct(c, i, '-'))) {
        return numbered_zone(c, pi);
    }
    return WD_OK; /* fuzzy: skipped */
}

/* _ymd.resolve_ymd(yearfirst=False, dayfirst=False). OUT: year/month/day or NONE. */
static void resolve_ymd(const struct ymd *y, int64_t *yr, int64_t *mo, int64_t *dy)
{
    const int64_t *v = y->v;
    int n = y->n, nstr = (y->yi != NONE) + (y->mi != NONE);
    *yr = *mo = *dy = NONE;
    if ((n == nstr && n > 0) || (n == 3 && nstr == 2)) {
        int yi = y->yi, mi = y->mi, di = NONE;
        if (n == 3 && nstr == 2)
            di = 3 - yi - mi;
        if (yi != NONE)
            *yr = v[yi];
        if (mi != NONE)
            *mo = v[mi];
        if (di != NONE)
            *dy = v[di];
        return;
    }
    int mi = y->mi;
    if (n == 1 || (mi != NONE && n == 2)) {
        int64_t other;
        if (mi != NONE) {
            *mo = v[mi];
            other = v[mi == 0 ? n - 1 : mi - 1]; /* Python's self[mstridx - 1] wraps */
        } else {
            other = v[0];
        }
        if (n > 1 || mi == NONE) {
            if (other > 31)
                *yr = other;
            else
                *dy = other;
        }
    } else if (n == 2) {
        if (v[0] > 31) {
            *yr = v[0];
            *mo = v[1];
        } else if (v[1] > 31) {
            *mo = v[0];
            *yr = v[1];
        } else {
            *mo = v[0];
            *dy = v[1];
        }
    } else if (n == 3) {
        if (mi == 0) {
            if (v[1] > 31) {
                *mo = v[0];
                *yr = v[1];
                *dy = v[2];
            } else {
                *mo = v[0];
                *dy = v[1];
                *yr = v[2];
            }
        } else if (mi == 1) {
            if (v[0] > 31) {
                *yr = v[0];
                *mo = v[1];
                *dy = v[2];
            } else {
                *dy = v[0];
                *mo = v[1];
                *yr = v[2];
            }
        } else if (mi == 2) {
            if (v[1] > 31) {
                *dy = v[0];
                *yr = v[1];
                *mo = v[2];
            } else {
                *yr = v[0];
                *dy = v[1];
                *mo = v[2];
            }
        } else if (v[0] > 31 || y->yi == 0) {
            *yr = v[0];
            *mo = v[1];
            *dy = v[2];
        } else if (v[0] > 12) {
            *dy = v[0];
            *mo = v[1];
            *yr = v[2];
        } else {
            *mo = v[0];
            *dy = v[1];
            *yr = v[2];
        }
    }
}

int wd_time_parse_fuzzy(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t now_us,
                        int64_t *out_us)
{
    if (len > WD_TIME_FUZZY_MAX)
        return WD_ELIMIT;
    char clean[WD_TIME_FUZZY_MAX];
    if (memchr(p, '\0', len)) {
        /* dateutil's tokenizer drops NUL characters */
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (p[i])
                clean[k++] = p[i];
        p = clean;
        len = k;
    }
    struct tok toks[WD_TIME_FUZZY_MAX];
    struct pctx c = {.s = p, .t = toks};
    c.y.yi = c.y.mi = NONE;
    c.hour = c.minute = c.second = c.usec = NONE;
    c.ampm = NONE;
    c.tzname = TZN_NONE;
    /* "today" in the naive zone: dateutil's default and convertyear()'s current year */
    struct wd_civil today;
    wd_time_to_civil(now_us + (int64_t)wd_tz_offset_at(naive_tz, now_us) * WD_US_PER_SEC, &today);
    c.cur_year = today.year;
    if (!tokenize(p, len, toks, &c.n))
        return WD_ELIMIT;
    for (size_t i = 0; i < c.n; i++) {
        if (main_token(&c, &i))
            return WD_EPARSE;
    }

    int64_t yr, mo, dy;
    resolve_ymd(&c.y, &yr, &mo, &dy);
    if (yr != NONE)
        yr = convert_year(yr, c.y.century, today.year);
    if (yr == NONE && mo == NONE && dy == NONE && c.hour == NONE && c.minute == NONE &&
        c.second == NONE && c.usec == NONE)
        return WD_EPARSE; /* "String does not contain a date" */

    /* validate(): UTC names mean +00:00 */
    if ((c.has_off && c.off == 0 && c.tzname == TZN_NONE) || c.tzname == TZN_UTC) {
        c.has_off = true;
        c.off = 0;
    }

    /* _build_naive(): missing parts from today, time parts from midnight */
    struct wd_civil r = {0};
    r.year = yr != NONE ? yr : today.year;
    r.month = (int)(mo != NONE ? WD_MIN(mo, 99) : today.month);
    if (dy != NONE) {
        r.day = (int)WD_MIN(dy, 99);
    } else {
        if (r.month < 1 || r.month > 12)
            return WD_EPARSE; /* monthrange() raises */
        r.day = WD_MIN(today.day, wd_days_in_month(r.year, r.month));
    }
    r.hour = (int)(c.hour != NONE ? WD_MIN(c.hour, 99) : 0);
    r.minute = (int)(c.minute != NONE ? WD_MIN(c.minute, 99) : 0);
    r.second = (int)(c.second != NONE ? WD_MIN(c.second, 99) : 0);
    r.usec = (int)(c.usec != NONE ? c.usec : 0);
    if (r.year > 9999)
        return WD_EPARSE;
    /* ward: unknown zone names (tzname without offset) are ignored: naive */
    return finish(&r, c.has_off, c.off, naive_tz, out_us);
}

/* ---- entry points ---- */

int wd_time_parse_str(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t now_us,
                      int64_t *out_us)
{
    size_t i = 0;
    while (i < len && is_digit(p[i]))
        i++;
    if (len > 0 && i == len) {
        /* str.isdigit(): MozDef raises for positive values; ward: integer rule 3 */
        return epoch_digits(p, len, naive_tz, out_us);
    }
    double v;
    if (wd_py_float(p, len, &v)) {
        if (isnan(v))
            return WD_EPARSE; /* dateutil rejects "nan" */
        if (v <= 0) {
            *out_us = epoch_zero(naive_tz);
            return WD_OK;
        }
        return epoch_float(v, naive_tz, out_us); /* ward: positive float strings as rule 2 */
    }
    int rc = wd_time_parse_fast(p, len, naive_tz, out_us);
    if (rc == WD_EAGAIN)
        rc = fast_syslog(p, len, naive_tz, now_us, out_us);
    if (rc != WD_EAGAIN)
        return rc;
    return wd_time_parse_fuzzy(p, len, naive_tz, now_us, out_us);
}

int wd_time_from_jv(const struct wd_jv *v, const struct wd_tz *naive_tz, int64_t now_us,
                    int64_t *out_us)
{
    if (!v)
        return WD_EPARSE;
    switch (v->type) {
    case WD_JV_INT:
        return epoch_int(v->u.i, naive_tz, out_us);
    case WD_JV_FLOAT:
        if (v->is_intlit && v->raw.len > 0) {
            /* An integer literal beyond int64 (Python int): rule 3 on its digits. */
            if (v->raw.p[0] == '-') {
                *out_us = epoch_zero(naive_tz);
                return WD_OK;
            }
            for (size_t i = 0; i < v->raw.len; i++)
                if (!is_digit(v->raw.p[i]))
                    return WD_EPARSE;
            return epoch_digits(v->raw.p, v->raw.len, naive_tz, out_us);
        }
        return epoch_float(v->u.f, naive_tz, out_us);
    case WD_JV_STR:
        return wd_time_parse_str(v->u.s.p, v->u.s.len, naive_tz, now_us, out_us);
    default:
        return WD_EPARSE; /* MozDef: objDate stays None and .tzinfo raises */
    }
}
