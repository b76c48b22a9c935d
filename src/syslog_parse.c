/*
 * syslog_parse.c: syslog message parsing (RFC 5424, RFC 3164 and observed deviations) and the
 * structured-data iterator. Framing is in syslog_frame.c. See syslog.h for the API and flags.
 *
 * Invariants: pure functions over (buf, len); no allocation, no I/O, no logging; a single
 * forward pass per message (a few short look-aheads while recognising a timestamp); every view
 * returned points inside the caller's buffer (or at a static empty string, never NULL).
 *
 * Leniency decisions (spec/interop.md 3.4), each also commented where it is implemented:
 * - a message never fails to parse unless it is empty: at worst all of it becomes msg;
 * - an invalid PRI ("<192>", "<1234>", "<abc>", "<13" unclosed) makes the whole text msg with
 *   pri -1 (user.notice), because nothing after a garbage "<...>" can be trusted as a header;
 * - a missing PRI is not a reason to skip the header: ESXi and replayed files send a normal
 *   3164 header without it;
 * - 5424 is chosen only when "VERSION SP" is followed by "-" or something shaped like a date,
 *   so a 3164 CONTENT that happens to start with "1 " is not misread;
 * - 3164 header: timestamp (BSD, ISO/RFC 3339, or 10-digit epoch), then HOSTNAME unless the
 *   token looks like a TAG (ends with ':' but is not an IPv6 address, or has '[' after its
 *   first byte) or cannot be a host name; then TAG[PID]: only in the strict "NAME:" /
 *   "NAME[PID]:" / "NAME[PID] " shapes, so free text is never split into a fake tag.
 */
#include "syslog.h"
#include "syslog_int.h"

static const char empty_str[] = "";

#define EMPTY_STR ((struct wd_str){empty_str, 0})

static inline bool is_upper(char c)
{
    return (unsigned char)(c - 'A') < 26u;
}

/* Index of the first SP at or after i, or len. */
static size_t token_end(const char *p, size_t len, size_t i)
{
    const char *q = i < len ? memchr(p + i, ' ', len - i) : NULL;
    return q ? (size_t)(q - p) : len;
}

/* Value of exactly n digits at p[i..], or -1 when they are not all there. */
static int digits_n(const char *p, size_t len, size_t i, size_t n)
{
    int v = 0;
    if (i > len || len - i < n)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit(p[i + k]))
            return -1;
        v = v * 10 + (p[i + k] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const unsigned char dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && year != 0) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 29 : 28;
    }
    return dim[month - 1]; /* year 0 (unknown): Feb 29 is allowed */
}

/* Strips a leading UTF-8 byte order mark from m->msg. */
static void strip_bom(struct wd_syslog_msg *m)
{
    if (m->msg.len >= 3 && memcmp(m->msg.p, "\xEF\xBB\xBF", 3) == 0) {
        m->msg.p += 3;
        m->msg.len -= 3;
        m->flags |= WD_SYSLOG_F_BOM;
    }
}

static void set_msg(struct wd_syslog_msg *m, const char *p, size_t i, size_t len)
{
    m->msg = view(p, i, len);
    strip_bom(m);
}

/* ---------------------------------------------------------------------------------------- */
/* Timestamps                                                                                */

/*
 * Fraction digits starting at p[i] (after the '.'); any count is accepted (interop.md 3.4:
 * senders emit 9), the first 6 give usec. Returns the index after the digits.
 */
static size_t parse_frac(const char *p, size_t len, size_t i, int *usec, uint32_t *flags)
{
    int v = 0;
    size_t n = 0;
    for (; i < len && is_digit(p[i]); i++, n++) {
        if (n < 6)
            v = v * 10 + (p[i] - '0');
    }
    for (size_t k = n; k < 6; k++)
        v *= 10;
    if (n > 6)
        *flags |= WD_SYSLOG_F_FRAC_TRUNC;
    *usec = v;
    return i;
}

/* "hh:mm:ss" at p[*ip] with range checks (sec 60 allowed for leap seconds). */
static bool parse_hms(const char *p, size_t len, size_t *ip, struct wd_syslog_time *t)
{
    size_t i = *ip;
    if (len - i < 8 || p[i + 2] != ':' || p[i + 5] != ':')
        return false;
    int h = digits_n(p, len, i, 2), mi = digits_n(p, len, i + 3, 2), s = digits_n(p, len, i + 6, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return false;
    t->hour = h;
    t->min = mi;
    t->sec = s;
    *ip = i + 8;
    return true;
}

/* Optional ".digits" after a time of day. */
static size_t opt_frac(const char *p, size_t len, size_t i, struct wd_syslog_time *t,
                       uint32_t *flags)
{
    if (i + 1 < len && p[i] == '.' && is_digit(p[i + 1]))
        return parse_frac(p, len, i + 1, &t->usec, flags);
    return i;
}

/* Numeric offset "+hh:mm", "+hhmm" (and "+hh" when allow_hh) at p[i]; returns end or 0. */
static size_t parse_num_zone(const char *p, size_t len, size_t i, bool allow_hh, int *off_s)
{
    if (i >= len || (p[i] != '+' && p[i] != '-'))
        return 0;
    int sign = p[i] == '-' ? -1 : 1;
    int hh = digits_n(p, len, i + 1, 2), mm = -1;
    size_t end = i + 3;
    if (hh < 0 || hh > 23)
        return 0;
    if (end < len && p[end] == ':') {
        mm = digits_n(p, len, end + 1, 2);
        end += 3;
    } else {
        mm = digits_n(p, len, end, 2);
        if (mm >= 0)
            end += 2;
        else if (allow_hh)
            mm = 0;
    }
    if (mm < 0 || mm > 59)
        return 0;
    *off_s = sign * (hh * 3600 + mm * 60);
    return end;
}

/*
 * RFC 3339 / ISO 8601 "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm]" at p[*ip], within len.
 * Lenient: lowercase t/z, a missing zone (has_zone false), any number of fraction digits, and
 * (3164 only, allow_space) a space instead of 'T' ("2024-01-12 06:30:00").
 */
static bool parse_iso(const char *p, size_t len, size_t *ip, struct wd_syslog_time *out,
                      bool allow_space, uint32_t *flags)
{
    struct wd_syslog_time t = {0};
    uint32_t f = 0;
    size_t i = *ip;
    if (len - i < 19 || p[i + 4] != '-' || p[i + 7] != '-')
        return false;
    int y = digits_n(p, len, i, 4), mo = digits_n(p, len, i + 5, 2), d = digits_n(p, len, i + 8, 2);
    char sep = p[i + 10];
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    if (sep != 'T' && sep != 't' && !(allow_space && sep == ' '))
        return false;
    i += 11;
    if (!parse_hms(p, len, &i, &t))
        return false;
    i = opt_frac(p, len, i, &t, &f);
    if (i < len && (p[i] == 'Z' || p[i] == 'z')) {
        t.has_zone = true;
        i++;
    } else if (i < len && (p[i] == '+' || p[i] == '-')) {
        size_t e = parse_num_zone(p, len, i, false, &t.zone_off_s);
        if (!e)
            return false;
        t.has_zone = true;
        i = e;
    }
    t.year = y;
    t.month = mo;
    t.day = d;
    t.has_time = true;
    t.zone_name = EMPTY_STR;
    *out = t;
    *flags |= f;
    *ip = i;
    return true;
}

static int month_index(const char *s)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    char a = (char)(s[0] | 0x20), b = (char)(s[1] | 0x20), c = (char)(s[2] | 0x20);
    for (size_t k = 0; k < 12; k++) {
        if (names[3 * k] == a && names[3 * k + 1] == b && names[3 * k + 2] == c)
            return (int)k + 1;
    }
    return 0;
}

/*
 * Zone abbreviations recognised after a BSD time and reported in ts.zone_name without an offset
 * (abbreviations are ambiguous, e.g. IST, CST: mapping them is the caller's policy). Only listed
 * names are taken, so that an upper-case host name is not swallowed as a zone.
 */
static const char *const zone_abbrevs[] = {
    "CET", "CEST", "MET", "MEST", "EET",  "EEST", "WET",  "WEST", "BST",  "IST",  "MSK",
    "EST", "EDT",  "CST", "CDT",  "MST",  "MDT",  "PST",  "PDT",  "AKST", "AKDT", "HST",
    "JST", "KST",  "HKT", "SGT",  "AEST", "AEDT", "ACST", "ACDT", "AWST", "NZST", "NZDT",
};

/* What may follow a BSD timestamp element: SP, the end, or ": "/":" at the end (Cisco
 * "time:"). A bare ':' is not enough: "2001:db8::1" after the time is a host, not a year. */
static bool bsd_term(const char *p, size_t len, size_t i)
{
    return i == len || p[i] == ' ' || (p[i] == ':' && (i + 1 == len || p[i + 1] == ' '));
}

/* Zone token at p[i] after a BSD time; returns end or 0 when it is not a zone. */
static size_t parse_bsd_zone(const char *p, size_t len, size_t i, struct wd_syslog_time *t,
                             uint32_t *flags)
{
    size_t e = parse_num_zone(p, len, i, true, &t->zone_off_s);
    if (e) {
        if (!bsd_term(p, len, e))
            return 0;
        t->has_zone = true;
        return e;
    }
    for (e = i; e < len && e - i < 5 && is_upper(p[e]); e++)
        ;
    size_t n = e - i;
    if (n == 0 || !bsd_term(p, len, e))
        return 0;
    struct wd_str z = view(p, i, e);
    if (wd_str_eq(z, "UTC") || wd_str_eq(z, "GMT") || wd_str_eq(z, "UT") || wd_str_eq(z, "Z")) {
        t->has_zone = true;
        t->zone_off_s = 0;
        return e;
    }
    for (size_t k = 0; k < WD_ARRAY_LEN(zone_abbrevs); k++) {
        if (wd_str_eq(z, zone_abbrevs[k])) {
            t->zone_name = z;
            *flags |= WD_SYSLOG_F_ZONE_IGNORED;
            return e;
        }
    }
    return 0;
}

/* A plausible 4-digit year (a range, so a numeric host name after the time is not a year). */
static int year_at(const char *p, size_t len, size_t i)
{
    int y = digits_n(p, len, i, 4);
    return y >= 1970 && y <= 2200 && bsd_term(p, len, i + 4) ? y : 0;
}

/*
 * BSD timestamp "Mmm dd hh:mm:ss" at p[*ip]. Lenient: any letter case ("AUG"), one or two
 * spaces before the day, a 1- or 2-digit day, a year before the time ("Jan 12 2024 06:30:00")
 * or after it, a fraction (Cisco milliseconds), and a zone after the time (UTC/GMT/UT/Z,
 * numeric, or a listed abbreviation).
 */
static bool parse_bsd(const char *p, size_t len, size_t *ip, struct wd_syslog_time *out,
                      uint32_t *flags)
{
    struct wd_syslog_time t = {0};
    uint32_t f = 0;
    size_t i = *ip;
    t.zone_name = EMPTY_STR;
    if (len - i < 14 || p[i + 3] != ' ')
        return false;
    t.month = month_index(p + i);
    if (!t.month)
        return false;
    i += 4;
    if (p[i] == ' ')
        i++;
    if (!is_digit(p[i]))
        return false;
    t.day = p[i++] - '0';
    if (i < len && is_digit(p[i]))
        t.day = t.day * 10 + (p[i++] - '0');
    if (i >= len || p[i] != ' ')
        return false;
    i++;
    if (i + 5 <= len && p[i + 4] == ' ' && (t.year = year_at(p, len, i)) != 0) {
        f |= WD_SYSLOG_F_YEAR;
        i += 5;
    }
    if (!parse_hms(p, len, &i, &t))
        return false;
    i = opt_frac(p, len, i, &t, &f);
    /* At most one year and one zone after the time, in either order. */
    for (int k = 0; k < 2 && i + 1 < len && p[i] == ' '; k++) {
        size_t e;
        if (!t.year && (t.year = year_at(p, len, i + 1)) != 0) {
            f |= WD_SYSLOG_F_YEAR;
            i += 5;
        } else if (!t.has_zone && !t.zone_name.len &&
                   (e = parse_bsd_zone(p, len, i + 1, &t, &f)) != 0) {
            i = e;
        } else {
            break;
        }
    }
    if (t.day < 1 || t.day > days_in_month(t.year, t.month))
        return false;
    t.has_time = true;
    *out = t;
    *flags |= f;
    *ip = i;
    return true;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; the usual era arithmetic). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = mm;
    *y = (int)(yoe + era * 400 + (mm <= 2));
}

/* A 10-digit Unix time (2001-09-09 .. 2286-11-20) with optional fraction, as UTC. */
static bool parse_epoch(const char *p, size_t len, size_t *ip, struct wd_syslog_time *out,
                        uint32_t *flags)
{
    struct wd_syslog_time t = {0};
    uint32_t f = 0;
    size_t i = *ip;
    int64_t v = 0;
    if (len - i < 10 || p[i] == '0')
        return false;
    for (size_t k = 0; k < 10; k++) {
        if (!is_digit(p[i + k]))
            return false;
        v = v * 10 + (p[i + k] - '0');
    }
    i += 10;
    if (i < len && is_digit(p[i]))
        return false;
    i = opt_frac(p, len, i, &t, &f);
    civil_from_days(v / 86400, &t.year, &t.month, &t.day);
    t.hour = (int)(v % 86400 / 3600);
    t.min = (int)(v % 3600 / 60);
    t.sec = (int)(v % 60);
    t.has_zone = true;
    t.has_time = true;
    t.zone_name = EMPTY_STR;
    *out = t;
    *flags |= f | WD_SYSLOG_F_EPOCH_TIME;
    *ip = i;
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Header pieces                                                                             */

/*
 * "<PRI>" at p[0]. Returns 1 (valid: *pri, *ip set), 0 (absent: no '<') or -1 (a '<' that does
 * not start a valid PRI). Leading zeros ("<013>") are accepted and flagged: the value is
 * unambiguous.
 */
static int parse_pri(const char *p, size_t len, size_t *ip, int *pri, uint32_t *flags)
{
    size_t i = 1;
    int v = 0;
    if (len == 0 || p[0] != '<')
        return 0;
    while (i < len && i <= 4 && is_digit(p[i]))
        v = v * 10 + (p[i++] - '0');
    if (i == 1 || i > 4 || i >= len || p[i] != '>' || v > 191)
        return -1;
    if (i > 2 && p[1] == '0')
        *flags |= WD_SYSLOG_F_PRI_ZEROS;
    *pri = v;
    *ip = i + 1;
    return 1;
}

/*
 * True when p[i..] starts "VERSION SP" (1-3 digits, first nonzero) followed by "-" or a date
 * ("dddd-"): only then is the message parsed as 5424. OUT ver, after (index of TIMESTAMP).
 */
static bool looks_5424(const char *p, size_t len, size_t i, int *ver, size_t *after)
{
    size_t j = i;
    int v = 0;
    if (i >= len || p[i] < '1' || p[i] > '9')
        return false;
    while (j < len && j - i < 3 && is_digit(p[j]))
        v = v * 10 + (p[j++] - '0');
    if (j >= len || p[j] != ' ')
        return false;
    j++;
    if (j < len && p[j] == '-' && (j + 1 == len || p[j + 1] == ' ')) {
        /* NILVALUE timestamp */
    } else if (!(digits_n(p, len, j, 4) >= 0 && j + 4 < len && p[j + 4] == '-')) {
        return false;
    }
    *ver = v;
    *after = j;
    return true;
}

/*
 * Cisco "%FAC-SEV-MNEMONIC:" at p[i]: sets msgid to "FAC-SEV-MNEMONIC" and keeps the whole text
 * (with the mnemonic) as msg, which is how IOS/ASA messages are read and grepped.
 */
static bool cisco_mnemonic(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    size_t j = i + 1;
    bool dash = false;
    if (i >= len || p[i] != '%')
        return false;
    for (; j < len && j - i <= 64; j++) {
        char c = p[j];
        if (c == '-')
            dash = true;
        else if (!(is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') || c == '_'))
            break;
    }
    if (j >= len || p[j] != ':' || !dash || j == i + 1)
        return false;
    m->msgid = view(p, i + 1, j);
    m->flags |= WD_SYSLOG_F_CISCO;
    return true;
}

/* Sets msg from p[i]: a Cisco body if it starts with a mnemonic. */
static void cisco_msg(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    cisco_mnemonic(p, len, i, m);
    set_msg(m, p, i, len);
}

/* Index after "digits: " (1-12 digits) at p[i], or 0. */
static size_t cisco_counter_at(const char *p, size_t len, size_t i)
{
    size_t k = i;
    while (k < len && k - i < 12 && is_digit(p[k]))
        k++;
    if (k == i || k + 1 >= len || p[k] != ':' || p[k + 1] != ' ')
        return 0;
    return k;
}

/*
 * Whether the 3164 token s[0..n) is a HOSTNAME rather than a TAG or text: not empty; not
 * ending with ':' unless it has two or more colons (IPv6 "2001:db8::"); no '[' after the first
 * byte ("[::1]" is a host, "sshd[1]" a tag); only host-name bytes (letters, digits, . - _ : %,
 * brackets around IPv6, and bytes >= 0x80 for Latin-1/UTF-8 names).
 */
static bool looks_like_host(const char *s, size_t n)
{
    size_t colons = 0;
    if (n == 0 || s[0] == '%')
        return false;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == ':')
            colons++;
        else if (c == '[' || c == ']') {
            if (s[0] != '[')
                return false;
        } else if (!(c >= 0x80 || is_digit((char)c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
                     c == '.' || c == '-' || c == '_' || c == '%'))
            return false;
    }
    return !(s[n - 1] == ':' && colons < 2);
}

/*
 * Cisco IOS prefixes at p[i]: up to two "digits: " counters (message counter, sequence
 * number), an optional "origin-host: ", an optional '*' / '.' clock marker, and a BSD
 * timestamp ended by ':'. Recognised when a counter or a "timestamp:" is present; the
 * origin host is taken only when a timestamp follows it. A timestamp already taken from an
 * outer (relay) header is kept. Returns true and fills m (msg included) when recognised.
 */
static bool parse_cisco(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    struct wd_str ctr[2] = {EMPTY_STR, EMPTY_STR}, host = EMPTY_STR;
    struct wd_syslog_time t = {0};
    uint32_t f = 0;
    int nctr = 0;
    size_t j = i, k, e;
    bool have_ts = false, marker = false;

    while (nctr < 2 && (k = cisco_counter_at(p, len, j)) != 0) {
        ctr[nctr++] = view(p, j, k);
        j = k + 2;
    }
    e = token_end(p, len, j);
    if (e < len && e > j + 1 && p[e - 1] == ':' && looks_like_host(p + j, e - 1 - j)) {
        /* candidate origin host; confirmed below by a timestamp */
        k = e + 1;
        if (k < len && (p[k] == '*' || p[k] == '.'))
            k++;
        if (parse_bsd(p, len, &k, &t, &f) && k < len && p[k] == ':') {
            host = view(p, j, e - 1);
            j = e + 1;
        }
    }
    k = j;
    if (k < len && (p[k] == '*' || p[k] == '.')) {
        marker = true;
        k++;
    }
    if (nctr == 0 && !marker && !host.len)
        return false; /* a bare "timestamp:" is handled by parse_3164 */
    f = 0;
    if (parse_bsd(p, len, &k, &t, &f) && k < len && p[k] == ':' &&
        (k + 1 == len || p[k + 1] == ' ')) {
        have_ts = true;
        j = k + 1 < len ? k + 2 : k + 1;
    } else {
        marker = false;
    }
    if (nctr == 0 && !have_ts)
        return false;

    m->flags |= WD_SYSLOG_F_CISCO;
    m->cisco_counter = ctr[0];
    m->cisco_seq = ctr[1];
    if (host.len && !m->hostname.len)
        m->hostname = host;
    if (have_ts && !m->ts.has_time) {
        m->ts = t;
        m->flags |= f;
    }
    if (marker)
        m->flags |= WD_SYSLOG_F_CISCO_UNSYNC;
    cisco_msg(p, len, j, m);
    return true;
}

/*
 * Strict TAG at p[*ip]: "NAME:" or "NAME[PID]" optionally followed by ':', then SP or the end;
 * "NAME[PID]:" may also be glued to the text. NAME has no SP, '[' or ':'. "@cee:" is never a
 * tag (CEE JSON follows; all kept as msg).
 * On success sets appname/procid and moves *ip past the tag and one SP.
 */
static bool parse_tag(const char *p, size_t len, size_t *ip, struct wd_syslog_msg *m)
{
    size_t i = *ip, n = i;
    struct wd_str pid = EMPTY_STR;
    bool glued = false;
    while (n < len && p[n] != ' ' && p[n] != '[' && p[n] != ':')
        n++;
    if (n == i || n == len || p[n] == ' ')
        return false;
    size_t j = n;
    if (p[j] == '[') {
        size_t c = j + 1;
        while (c < len && p[c] != ']' && p[c] != ' ')
            c++;
        if (c >= len || p[c] != ']')
            return false;
        pid = view(p, j + 1, c);
        j = c + 1;
        if (j < len && p[j] == ':') {
            j++;
            glued = j < len && p[j] != ' '; /* "app[12]:text": the brackets make it a tag */
        }
    } else {
        j++; /* ':' */
    }
    if (j < len && p[j] != ' ' && !glued)
        return false; /* "http://x", "CEF:0|...": not a tag */
    if (n - i == 4 && memcmp(p + i, "@cee", 4) == 0)
        return false;
    m->appname = view(p, i, n);
    m->procid = pid;
    *ip = j < len && !glued ? j + 1 : j;
    return true;
}

/* The part of a 3164 message after the header: Cisco body, TAG, then msg. */
static void parse_3164_body(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    if (i >= len) {
        m->msg = view(p, len, len);
        return;
    }
    if ((is_digit(p[i]) || p[i] == '*') && parse_cisco(p, len, i, m))
        return;
    if (p[i] == '%' && cisco_mnemonic(p, len, i, m)) {
        set_msg(m, p, i, len);
        return;
    }
    parse_tag(p, len, &i, m);
    set_msg(m, p, i, len);
}

/*
 * RFC 3164 and everything else that is not 5424, from p[i] (after PRI, if any).
 * Order: Cisco prefixes; timestamp (ISO, BSD, epoch), which must be followed by SP or the end
 * (a BSD time followed by ':' is the Cisco form and was taken by parse_cisco); HOSTNAME by the
 * looks_like_host() heuristic (a last lone token is left as msg); then the body. Without a
 * timestamp there is no hostname either (RFC 3164 4.3.3: the whole rest is CONTENT) but a TAG
 * is still looked for.
 */
static void parse_3164(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    struct wd_syslog_time t;
    uint32_t f = 0;
    size_t j = i;
    bool ok;

    if (parse_cisco(p, len, i, m))
        return;
    ok = parse_iso(p, len, &j, &t, true, &f);
    if (ok) {
        f |= WD_SYSLOG_F_ISO_TIME;
    } else if (parse_bsd(p, len, &j, &t, &f)) {
        ok = true;
        if (j < len && p[j] == ':' && (j + 1 == len || p[j + 1] == ' ')) {
            /* Cisco without counters: "Jan  8 19:46:03.295: %SYS-5-CONFIG_I: ..." */
            m->ts = t;
            m->flags |= f | WD_SYSLOG_F_CISCO;
            cisco_msg(p, len, j + 1 < len ? j + 2 : j + 1, m);
            return;
        }
    } else {
        ok = parse_epoch(p, len, &j, &t, &f);
    }
    if (!ok || (j < len && p[j] != ' ')) {
        parse_3164_body(p, len, i, m);
        return;
    }
    m->ts = t;
    m->flags |= f;
    while (j < len && p[j] == ' ')
        j++;
    size_t e = token_end(p, len, j);
    if (e < len && e - j == 1 && p[j] == '-') {
        j = e + 1; /* "-" placeholder for an unknown host (some relays) */
    } else if (e < len && looks_like_host(p + j, e - j)) {
        m->hostname = view(p, j, e);
        j = e + 1;
    }
    parse_3164_body(p, len, j, m);
}

/* ---------------------------------------------------------------------------------------- */
/* RFC 5424                                                                                  */

/* 5424 header field: printable US-ASCII (33..126) and at most max_len bytes, else flagged. */
static void check_field(struct wd_str s, size_t max_len, uint32_t *flags)
{
    if (s.len > max_len) {
        *flags |= WD_SYSLOG_F_BAD_FIELD;
        return;
    }
    for (size_t k = 0; k < s.len; k++) {
        unsigned char c = (unsigned char)s.p[k];
        if (c < 33 || c > 126) {
            *flags |= WD_SYSLOG_F_BAD_FIELD;
            return;
        }
    }
}

/*
 * "TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]" from p[i].
 * Leniency: an invalid TIMESTAMP is flagged and skipped (the other fields are still good);
 * over-long or non-ASCII fields are kept and flagged; a header cut short is flagged
 * MISSING_SD; an SD position holding neither "-" nor "[" (SD omitted) starts msg; malformed
 * SD makes sd empty and msg start at its "[" so no byte is lost. Spaces inside APP-NAME are
 * not recovered (the fields shift; the message is still produced).
 */
static void parse_5424(const char *p, size_t len, size_t i, struct wd_syslog_msg *m)
{
    static const size_t max_len[4] = {255, 48, 128, 32};
    struct wd_str *fields[4] = {&m->hostname, &m->appname, &m->procid, &m->msgid};
    size_t e = token_end(p, len, i);

    if (!(e - i == 1 && p[i] == '-')) {
        size_t j = i;
        if (!parse_iso(p, e, &j, &m->ts, false, &m->flags) || j != e) {
            memset(&m->ts, 0, sizeof(m->ts));
            m->ts.zone_name = EMPTY_STR;
            m->flags |= WD_SYSLOG_F_BAD_TIME;
        }
    }
    i = e;
    for (int k = 0; k < 4; k++) {
        if (i >= len) {
            m->flags |= WD_SYSLOG_F_MISSING_SD;
            m->msg = view(p, len, len);
            return;
        }
        i++;
        e = token_end(p, len, i);
        if (!(e - i == 1 && p[i] == '-')) {
            *fields[k] = view(p, i, e);
            check_field(*fields[k], max_len[k], &m->flags);
        }
        i = e;
    }
    if (i + 1 >= len) {
        m->flags |= WD_SYSLOG_F_MISSING_SD;
        m->msg = view(p, len, len);
        return;
    }
    i++;
    if (p[i] == '-' && (i + 1 == len || p[i + 1] == ' ')) {
        i++;
    } else if (p[i] == '[') {
        struct wd_syslog_sd_iter it;
        struct wd_str id, name, val;
        int rc;
        wd_syslog_sd_iter_init(&it, view(p, i, len));
        while ((rc = wd_syslog_sd_next(&it, &id, &name, &val)) == WD_OK)
            ;
        if (rc != WD_ENOENT) {
            m->flags |= WD_SYSLOG_F_BAD_SD;
            m->msg = view(p, i, len);
            return;
        }
        m->sd = view(p, i, i + it.pos);
        i += it.pos;
    } else {
        m->flags |= WD_SYSLOG_F_MISSING_SD;
        set_msg(m, p, i, len);
        return;
    }
    if (i < len && p[i] == ' ')
        i++;
    set_msg(m, p, i, len);
}

/* ---------------------------------------------------------------------------------------- */
/* Public: message                                                                           */

int wd_syslog_parse(const char *p, size_t len, struct wd_syslog_msg *m, struct wd_perr *err)
{
    size_t i = 0;
    int pri = -1, rc, ver;

    if (!m || (!p && len)) {
        set_err(err, WD_EINVAL, 0, "invalid argument");
        return WD_EINVAL;
    }
    memset(m, 0, sizeof(*m));
    m->pri = -1;
    m->facility = 1;
    m->severity = 5;
    m->format = WD_SYSLOG_3164;
    m->ts.zone_name = m->hostname = m->appname = m->procid = m->msgid = m->sd = m->msg =
        m->cisco_counter = m->cisco_seq = EMPTY_STR;
    if (!p)
        p = empty_str;
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\0')) {
        len--;
        m->flags |= WD_SYSLOG_F_TRAILER;
    }
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        len -= 3;
        m->flags |= WD_SYSLOG_F_BOM;
    }
    if (len == 0) {
        set_err(err, WD_EPARSE, 0, "empty message");
        return WD_EPARSE;
    }
    rc = parse_pri(p, len, &i, &pri, &m->flags);
    if (rc < 0) {
        /* garbage "<...>": nothing after it can be trusted as a header */
        m->flags |= WD_SYSLOG_F_BAD_PRI | WD_SYSLOG_F_MISSING_PRI | WD_SYSLOG_F_MISSING_TIME |
                    WD_SYSLOG_F_MISSING_HOST;
        m->msg = view(p, 0, len);
        set_err(err, WD_OK, 0, NULL);
        return WD_OK;
    }
    if (rc == 0) {
        m->flags |= WD_SYSLOG_F_MISSING_PRI;
    } else {
        m->pri = pri;
        m->facility = pri >> 3;
        m->severity = pri & 7;
    }
    if (rc > 0 && looks_5424(p, len, i, &ver, &i)) {
        m->format = WD_SYSLOG_5424;
        m->version = ver;
        if (ver != 1)
            m->flags |= WD_SYSLOG_F_BAD_VERSION;
        parse_5424(p, len, i, m);
    } else {
        parse_3164(p, len, i, m);
        if (!m->ts.has_time)
            m->flags |= WD_SYSLOG_F_MISSING_TIME;
        if (!m->hostname.len)
            m->flags |= WD_SYSLOG_F_MISSING_HOST;
    }
    set_err(err, WD_OK, 0, NULL);
    return WD_OK;
}

const char *wd_syslog_facility_name(int fac)
{
    static const char *const names[24] = {
        "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
        "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
        "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
    };
    return fac >= 0 && fac < 24 ? names[fac] : NULL;
}

const char *wd_syslog_severity_name(int sev)
{
    static const char *const names[8] = {"emerg",   "alert",  "crit", "err",
                                         "warning", "notice", "info", "debug"};
    return sev >= 0 && sev < 8 ? names[sev] : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Structured data                                                                           */

/* SD-NAME byte: printable US-ASCII except '=', SP, ']' and '"'. */
static inline bool sd_name_char(char c)
{
    return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
}

void wd_syslog_sd_iter_init(struct wd_syslog_sd_iter *it, struct wd_str sd)
{
    it->p = sd.p ? sd.p : empty_str;
    it->len = sd.p ? sd.len : 0;
    it->pos = 0;
    it->id = EMPTY_STR;
    it->in_elem = false;
    it->err_off = 0;
}

static int sd_fail(struct wd_syslog_sd_iter *it, size_t off)
{
    it->err_off = off;
    it->pos = it->len + 1; /* sticky failure */
    return WD_EPARSE;
}

int wd_syslog_sd_next(struct wd_syslog_sd_iter *it, struct wd_str *sd_id, struct wd_str *name,
                      struct wd_str *value_raw)
{
    const char *p = it->p;
    size_t len = it->len, i = it->pos, s;

    if (i > len)
        return WD_EPARSE;
    *sd_id = *name = *value_raw = EMPTY_STR;
    for (;;) {
        if (!it->in_elem) {
            if (i >= len || p[i] != '[') {
                it->pos = i;
                return WD_ENOENT;
            }
            s = ++i;
            while (i < len && sd_name_char(p[i]))
                i++;
            if (i == s)
                return sd_fail(it, i);
            it->id = view(p, s, i);
            it->in_elem = true;
            if (i < len && p[i] == ']') {
                /* element without params: reported once with an empty name */
                it->pos = i + 1;
                it->in_elem = false;
                *sd_id = it->id;
                return WD_OK;
            }
        }
        /* between params: at least one SP before a param, SPs tolerated before ']' */
        s = i;
        while (i < len && p[i] == ' ')
            i++;
        if (i >= len)
            return sd_fail(it, i);
        if (p[i] == ']') {
            i++;
            it->in_elem = false;
            continue;
        }
        if (i == s)
            return sd_fail(it, i);
        s = i;
        while (i < len && sd_name_char(p[i]))
            i++;
        if (i == s || i + 1 >= len || p[i] != '=' || p[i + 1] != '"')
            return sd_fail(it, i);
        *name = view(p, s, i);
        i += 2;
        s = i;
        while (i < len && p[i] != '"')
            i += p[i] == '\\' ? 2 : 1;
        if (i >= len)
            return sd_fail(it, len);
        *value_raw = view(p, s, i);
        *sd_id = it->id;
        it->pos = i + 1;
        return WD_OK;
    }
}

size_t wd_syslog_sd_unescape(struct wd_str raw, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.p[i];
        if (c == '\\' && i + 1 < raw.len &&
            (raw.p[i + 1] == '"' || raw.p[i + 1] == '\\' || raw.p[i + 1] == ']'))
            c = raw.p[++i];
        out[o++] = c;
    }
    return o;
}
