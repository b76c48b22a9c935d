/*
 * tz.c: time zones for naive timestamps (shared/spec/mozdef-compat.md section b: MozDef's
 * LOCAL_TZ, ward's normalize.naive_time_zone). Fixed zones (UTC, +HH:MM), IANA zones read
 * from TZif files (RFC 8536 v1..v4: transitions, local time types and the footer POSIX TZ
 * string used past the last transition) and zones given as a POSIX TZ string.
 *
 * Invariants:
 * - A struct wd_tz is one malloc'd block, immutable after construction, so it can be
 *   shared by threads without locks.
 * - Transition times are strictly ascending seconds UTC; every type offset lies in
 *   -89999..93599 seconds (RFC 8536 section 3.2 recommendation), so time arithmetic
 *   cannot overflow for any instant representable in int64 microseconds.
 * - Only wd_tz_load() touches the file system; the parsers are pure (fuzzable).
 */
#include "wd_time.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ward.h"

#define TZ_MAX_FILE_BYTES (4u << 20) /* largest TZif file we read */
#define TZ_MAX_TRANS      (1u << 20)
#define TZ_MIN_OFF        (-89999)
#define TZ_MAX_OFF        93599
#define TZ_DEFAULT_TIME   7200 /* POSIX default transition time 02:00:00 */

/* A rule date of a POSIX TZ string. */
enum tz_date_kind { TZ_DATE_JULIAN1, TZ_DATE_JULIAN0, TZ_DATE_MONTH };

struct tz_date {
    uint8_t kind;  /* enum tz_date_kind */
    uint8_t month; /* TZ_DATE_MONTH: 1..12 */
    uint8_t week;  /* TZ_DATE_MONTH: 1..5 (5 = last) */
    uint8_t wday;  /* TZ_DATE_MONTH: 0 = Sunday */
    int16_t n;     /* Jn: 1..365; n: 0..365 */
    int32_t time;  /* seconds after local midnight, -167h..167h */
};

/* A parsed POSIX TZ string. */
struct tz_rule {
    int32_t std_off; /* seconds east of UTC */
    int32_t dst_off;
    bool has_dst;
    struct tz_date start, end; /* to DST, back to standard time */
};

struct wd_tz {
    char name[64];
    bool is_utc;
    bool fixed;        /* one offset forever: fixed_off */
    int32_t fixed_off; /* seconds east */
    bool has_rule;     /* rule applies from the last transition on (or always if none) */
    struct tz_rule rule;
    size_t ntrans;
    int64_t *trans;      /* [ntrans] seconds UTC, strictly ascending */
    uint8_t *trans_type; /* [ntrans] index into type_off */
    size_t ntypes;
    int32_t *type_off; /* [ntypes] seconds east; type 0 applies before the first transition */
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void set_err(struct wd_perr *err, int code, size_t off, const char *msg)
{
    if (err) {
        err->code = code;
        err->off = off;
        err->msg = msg;
    }
}

static struct wd_tz *tz_alloc(size_t ntrans, size_t ntypes, const char *name)
{
    size_t bytes =
        sizeof(struct wd_tz) + ntrans * sizeof(int64_t) + ntypes * sizeof(int32_t) + ntrans;
    struct wd_tz *tz = calloc(1, bytes);
    if (!tz)
        return NULL;
    unsigned char *p = (unsigned char *)(tz + 1);
    tz->ntrans = ntrans;
    tz->ntypes = ntypes;
    tz->trans = (int64_t *)p;
    p += ntrans * sizeof(int64_t);
    tz->type_off = (int32_t *)p;
    p += ntypes * sizeof(int32_t);
    tz->trans_type = p;
    snprintf(tz->name, sizeof(tz->name), "%s", name ? name : "");
    return tz;
}

/* ---- POSIX TZ strings ---- */

/* Parses a zone abbreviation: <...> or 3+ letters. */
static bool posix_name(const char *p, size_t len, size_t *i)
{
    size_t j = *i;
    if (j < len && p[j] == '<') {
        size_t k = j + 1;
        while (k < len && p[k] != '>') {
            char c = p[k];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-'))
                return false;
            k++;
        }
        if (k >= len || k - j - 1 < 3)
            return false;
        *i = k + 1;
        return true;
    }
    size_t k = j;
    while (k < len && ((p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= 'a' && p[k] <= 'z')))
        k++;
    if (k - j < 3)
        return false;
    *i = k;
    return true;
}

/* Parses [+-]h[h[h]][:mm[:ss]] with hours <= max_h; OUT: *secs (sign applied). */
static bool posix_hms(const char *p, size_t len, size_t *i, int max_h, int32_t *secs)
{
    size_t j = *i;
    int sign = 1;
    if (j < len && (p[j] == '+' || p[j] == '-')) {
        sign = p[j] == '-' ? -1 : 1;
        j++;
    }
    int v[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        if (part > 0) {
            if (j >= len || p[j] != ':')
                break;
            j++;
        }
        size_t start = j;
        while (j < len && p[j] >= '0' && p[j] <= '9' && j - start < 3) {
            v[part] = v[part] * 10 + (p[j] - '0');
            j++;
        }
        if (j == start || (part > 0 && (j - start != 2 || v[part] > 59)))
            return false;
    }
    if (v[0] > max_h)
        return false;
    *secs = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    *i = j;
    return true;
}

static bool posix_num(const char *p, size_t len, size_t *i, int lo, int hi, int *out)
{
    size_t j = *i;
    int v = 0;
    while (j < len && p[j] >= '0' && p[j] <= '9' && j - *i < 4) {
        v = v * 10 + (p[j] - '0');
        j++;
    }
    if (j == *i || v < lo || v > hi)
        return false;
    *out = v;
    *i = j;
    return true;
}

static bool posix_date(const char *p, size_t len, size_t *i, struct tz_date *d)
{
    int a = 0, b = 0, c = 0;
    memset(d, 0, sizeof(*d));
    if (*i < len && p[*i] == 'J') {
        (*i)++;
        if (!posix_num(p, len, i, 1, 365, &a))
            return false;
        d->kind = TZ_DATE_JULIAN1;
        d->n = (int16_t)a;
    } else if (*i < len && p[*i] == 'M') {
        (*i)++;
        if (!posix_num(p, len, i, 1, 12, &a) || *i >= len || p[*i] != '.')
            return false;
        (*i)++;
        if (!posix_num(p, len, i, 1, 5, &b) || *i >= len || p[*i] != '.')
            return false;
        (*i)++;
        if (!posix_num(p, len, i, 0, 6, &c))
            return false;
        d->kind = TZ_DATE_MONTH;
        d->month = (uint8_t)a;
        d->week = (uint8_t)b;
        d->wday = (uint8_t)c;
    } else {
        if (!posix_num(p, len, i, 0, 365, &a))
            return false;
        d->kind = TZ_DATE_JULIAN0;
        d->n = (int16_t)a;
    }
    d->time = TZ_DEFAULT_TIME;
    if (*i < len && p[*i] == '/') {
        (*i)++;
        if (!posix_hms(p, len, i, 167, &d->time))
            return false;
    }
    return true;
}

static int parse_posix(const char *p, size_t len, struct tz_rule *r, size_t *erroff)
{
    size_t i = 0;
    int32_t off;
    memset(r, 0, sizeof(*r));
    if (!posix_name(p, len, &i) || !posix_hms(p, len, &i, 24, &off))
        goto fail;
    r->std_off = -off; /* POSIX offsets count hours west of Greenwich */
    if (i == len)
        return WD_OK;
    if (!posix_name(p, len, &i))
        goto fail;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (i < len && p[i] != ',') {
        if (!posix_hms(p, len, &i, 24, &off))
            goto fail;
        r->dst_off = -off;
    }
    if (i == len) {
        /* No rules: the traditional US rules, as glibc's built-in default. */
        r->start = (struct tz_date){TZ_DATE_MONTH, 3, 2, 0, 0, TZ_DEFAULT_TIME};
        r->end = (struct tz_date){TZ_DATE_MONTH, 11, 1, 0, 0, TZ_DEFAULT_TIME};
        return WD_OK;
    }
    if (p[i] != ',')
        goto fail;
    i++;
    if (!posix_date(p, len, &i, &r->start) || i >= len || p[i] != ',')
        goto fail;
    i++;
    if (!posix_date(p, len, &i, &r->end) || i != len)
        goto fail;
    return WD_OK;
fail:
    *erroff = i;
    return WD_EPARSE;
}

/* Days since the epoch of a rule date in year y. */
static int64_t rule_day(const struct tz_date *d, int64_t y)
{
    int64_t jan1 = wd_days_from_civil(y, 1, 1);
    switch (d->kind) {
    case TZ_DATE_JULIAN1:
        /* Jn: 1..365, February 29 is never counted. */
        return jan1 + d->n - 1 + (wd_is_leap_year(y) && d->n >= 60 ? 1 : 0);
    case TZ_DATE_JULIAN0:
        return jan1 + d->n;
    default: {
        int64_t first = wd_days_from_civil(y, d->month, 1);
        int delta = (d->wday - wd_weekday_from_days(first) + 7) % 7;
        int day = 1 + delta + (d->week - 1) * 7;
        int mdays = wd_days_in_month(y, d->month);
        while (day > mdays)
            day -= 7;
        return first + day - 1;
    }
    }
}

/* Offset of a POSIX rule at the instant s (seconds UTC). */
static int32_t rule_offset(const struct tz_rule *r, int64_t s)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    int m, d;
    wd_civil_from_days(floor_div(s + r->std_off, WD_SEC_PER_DAY), &y, &m, &d);
    /* Transitions of the neighbouring years too: rule times may reach 167 hours. */
    int64_t t[6];
    bool to_dst[6];
    int n = 0;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        t[n] = rule_day(&r->start, yy) * WD_SEC_PER_DAY + r->start.time - r->std_off;
        to_dst[n++] = true;
        t[n] = rule_day(&r->end, yy) * WD_SEC_PER_DAY + r->end.time - r->dst_off;
        to_dst[n++] = false;
    }
    /* Latest transition at or before s; at equal instants DST wins (all-year DST rules). */
    bool have = false, dst = false;
    int64_t best = 0;
    for (int k = 0; k < n; k++) {
        if (t[k] > s)
            continue;
        if (!have || t[k] > best || (t[k] == best && to_dst[k])) {
            have = true;
            best = t[k];
            dst = to_dst[k];
        }
    }
    return dst ? r->dst_off : r->std_off;
}

struct wd_tz *wd_tz_posix(const char *spec, size_t len, struct wd_perr *err)
{
    struct tz_rule r;
    size_t off = 0;
    if (parse_posix(spec, len, &r, &off) != WD_OK) {
        set_err(err, WD_EPARSE, off, "invalid POSIX TZ string");
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)WD_MIN(len, sizeof(name) - 1), spec);
    struct wd_tz *tz = tz_alloc(0, 1, name);
    if (!tz) {
        set_err(err, WD_ENOMEM, 0, "out of memory");
        return NULL;
    }
    tz->has_rule = true;
    tz->rule = r;
    tz->type_off[0] = r.std_off;
    tz->is_utc = !r.has_dst && r.std_off == 0;
    return tz;
}

/* ---- fixed zones ---- */

static bool fixed_offset(const char *n, size_t len, int32_t *off)
{
    /* +HH, +HHMM, +HH:MM */
    if (len < 3 || (n[0] != '+' && n[0] != '-'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(n[i] >= '0' && n[i] <= '9') && !(i == 3 && n[i] == ':' && len == 6))
            return false;
    int h = (n[1] - '0') * 10 + (n[2] - '0'), m = 0;
    if (len == 5)
        m = (n[3] - '0') * 10 + (n[4] - '0');
    else if (len == 6)
        m = (n[4] - '0') * 10 + (n[5] - '0');
    else if (len != 3)
        return false;
    if (h > 23 || m > 59)
        return false;
    *off = (n[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

static struct wd_tz *tz_fixed(const char *name, int32_t off)
{
    struct wd_tz *tz = tz_alloc(0, 1, name);
    if (!tz)
        return NULL;
    tz->fixed = true;
    tz->fixed_off = off;
    tz->type_off[0] = off;
    tz->is_utc = off == 0;
    return tz;
}

/* ---- TZif ---- */

struct tzif_hdr {
    uint8_t version; /* 0, '2', '3', '4' */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static bool tzif_hdr(const uint8_t *p, size_t len, size_t off, struct tzif_hdr *h)
{
    if (len < off || len - off < 44 || memcmp(p + off, "TZif", 4) != 0)
        return false;
    h->version = p[off + 4];
    h->isutcnt = be32(p + off + 20);
    h->isstdcnt = be32(p + off + 24);
    h->leapcnt = be32(p + off + 28);
    h->timecnt = be32(p + off + 32);
    h->typecnt = be32(p + off + 36);
    h->charcnt = be32(p + off + 40);
    return h->typecnt >= 1 && h->typecnt <= 256 && h->timecnt <= TZ_MAX_TRANS &&
           h->leapcnt <= TZ_MAX_TRANS && h->charcnt <= 65536 &&
           (h->isutcnt == 0 || h->isutcnt == h->typecnt) &&
           (h->isstdcnt == 0 || h->isstdcnt == h->typecnt);
}

/* Size of a data block after a header; tsize is 4 (v1) or 8 (v2+). */
static uint64_t tzif_block(const struct tzif_hdr *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

struct wd_tz *wd_tz_parse_tzif(const void *buf, size_t len, const char *name, struct wd_perr *err)
{
    const uint8_t *p = buf;
    struct tzif_hdr h;
    size_t off = 0;
    unsigned tsize = 4;
    if (!tzif_hdr(p, len, 0, &h)) {
        set_err(err, WD_ECORRUPT, 0, "not a TZif file or bad header");
        return NULL;
    }
    uint64_t blk = tzif_block(&h, 4);
    if (blk > len - 44) {
        set_err(err, WD_ECORRUPT, 44, "truncated TZif data");
        return NULL;
    }
    off = 44;
    if (h.version >= '2') {
        size_t off2 = 44 + (size_t)blk;
        if (!tzif_hdr(p, len, off2, &h)) {
            set_err(err, WD_ECORRUPT, off2, "bad second TZif header");
            return NULL;
        }
        blk = tzif_block(&h, 8);
        if (blk > len - off2 - 44) {
            set_err(err, WD_ECORRUPT, off2 + 44, "truncated TZif v2 data");
            return NULL;
        }
        off = off2 + 44;
        tsize = 8;
    }
    const uint8_t *tt = p + off;
    const uint8_t *ti = tt + (size_t)h.timecnt * tsize;
    const uint8_t *ty = ti + h.timecnt;
    size_t end = off + (size_t)blk;

    struct wd_tz *tz = tz_alloc(h.timecnt, h.typecnt, name);
    if (!tz) {
        set_err(err, WD_ENOMEM, 0, "out of memory");
        return NULL;
    }
    for (uint32_t k = 0; k < h.typecnt; k++) {
        const uint8_t *tt6 = ty + (size_t)6 * k;
        int32_t o = (int32_t)be32(tt6);
        if (o < TZ_MIN_OFF || o > TZ_MAX_OFF || tt6[4] > 1) {
            set_err(err, WD_ECORRUPT, (size_t)(tt6 - p), "bad local time type");
            goto fail;
        }
        tz->type_off[k] = o;
    }
    for (uint32_t k = 0; k < h.timecnt; k++) {
        int64_t t = tsize == 8 ? be64(tt + 8 * (size_t)k) : (int32_t)be32(tt + 4 * (size_t)k);
        if (k > 0 && t <= tz->trans[k - 1]) {
            set_err(err, WD_ECORRUPT, off + tsize * (size_t)k, "transitions not ascending");
            goto fail;
        }
        /* Clamp absurd times so second-to-microsecond conversions cannot overflow. */
        if (t < -INT64_C(9000000000000) || t > INT64_C(9000000000000)) {
            set_err(err, WD_ECORRUPT, off + tsize * (size_t)k, "transition out of range");
            goto fail;
        }
        if (ti[k] >= h.typecnt) {
            set_err(err, WD_ECORRUPT, (size_t)(ti - p) + k, "bad transition type index");
            goto fail;
        }
        tz->trans[k] = t;
        tz->trans_type[k] = ti[k];
    }
    if (tsize == 8 && end < len) {
        /* Footer: "\n" POSIX-TZ "\n" (the TZ string may be empty). */
        if (p[end] != '\n') {
            set_err(err, WD_ECORRUPT, end, "bad TZif footer");
            goto fail;
        }
        const char *s = (const char *)p + end + 1;
        const char *nl = memchr(s, '\n', len - end - 1);
        if (!nl) {
            set_err(err, WD_ECORRUPT, end, "unterminated TZif footer");
            goto fail;
        }
        if (nl > s) {
            size_t eo = 0;
            if (parse_posix(s, (size_t)(nl - s), &tz->rule, &eo) != WD_OK) {
                set_err(err, WD_ECORRUPT, end + 1 + eo, "bad TZ string in TZif footer");
                goto fail;
            }
            tz->has_rule = true;
        }
    }
    bool utc = !tz->has_rule || (!tz->rule.has_dst && tz->rule.std_off == 0);
    for (size_t k = 0; k < tz->ntypes && utc; k++)
        utc = tz->type_off[k] == 0;
    tz->is_utc = utc;
    return tz;
fail:
    free(tz);
    return NULL;
}

/* ---- loading ---- */

static bool valid_zone_name(const char *n)
{
    if (!*n || *n == '/' || strlen(n) > 255)
        return false;
    for (const char *c = n; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '+' || *c == '-' || *c == '/'))
            return false;
        if (c[0] == '/' && c[1] == '/')
            return false;
    }
    return strstr(n, "..") == NULL;
}

struct wd_tz *wd_tz_load(const char *name, struct wd_perr *err)
{
    int32_t off;
    if (!name || !*name || strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 ||
        strcmp(name, "GMT") == 0 || strcmp(name, "Etc/UTC") == 0) {
        struct wd_tz *tz = tz_fixed("UTC", 0);
        if (!tz)
            set_err(err, WD_ENOMEM, 0, "out of memory");
        return tz;
    }
    if (name[0] == '+' || name[0] == '-') {
        if (!fixed_offset(name, strlen(name), &off)) {
            set_err(err, WD_EINVAL, 0, "bad fixed offset (want +HH:MM, +HHMM or +HH)");
            return NULL;
        }
        struct wd_tz *tz = tz_fixed(name, off);
        if (!tz)
            set_err(err, WD_ENOMEM, 0, "out of memory");
        return tz;
    }
    if (!valid_zone_name(name)) {
        set_err(err, WD_EINVAL, 0, "bad time zone name");
        return NULL;
    }
    const char *dir = getenv("TZDIR");
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        set_err(err, WD_EINVAL, 0, "time zone path too long");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errno == ENOENT || errno == ENOTDIR ? WD_ENOENT : WD_EIO, 0,
                "cannot open time zone file");
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > TZ_MAX_FILE_BYTES) {
        close(fd);
        set_err(err, WD_ECORRUPT, 0, "time zone file is not a regular file of sane size");
        return NULL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(size);
    if (!buf) {
        close(fd);
        set_err(err, WD_ENOMEM, 0, "out of memory");
        return NULL;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    struct wd_tz *tz = NULL;
    if (got != size)
        set_err(err, WD_EIO, got, "short read on time zone file");
    else
        tz = wd_tz_parse_tzif(buf, size, name, err);
    free(buf);
    return tz;
}

void wd_tz_free(struct wd_tz *tz)
{
    free(tz);
}

const char *wd_tz_name(const struct wd_tz *tz)
{
    return tz ? tz->name : "UTC";
}

bool wd_tz_is_utc(const struct wd_tz *tz)
{
    return !tz || tz->is_utc;
}

/* ---- queries ---- */

static int32_t offset_at_sec(const struct wd_tz *tz, int64_t s)
{
    if (tz->fixed)
        return tz->fixed_off;
    size_t n = tz->ntrans;
    if (n == 0)
        return tz->has_rule ? rule_offset(&tz->rule, s) : tz->type_off[0];
    if (s < tz->trans[0])
        return tz->type_off[0];
    if (s >= tz->trans[n - 1])
        return tz->has_rule ? rule_offset(&tz->rule, s) : tz->type_off[tz->trans_type[n - 1]];
    /* Last transition at or before s: trans[lo] <= s < trans[hi]. */
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    return tz->type_off[tz->trans_type[lo]];
}

int wd_tz_offset_at(const struct wd_tz *tz, int64_t utc_us)
{
    if (!tz || tz->is_utc)
        return 0;
    return offset_at_sec(tz, floor_div(utc_us, WD_US_PER_SEC));
}

int64_t wd_tz_local_to_utc(const struct wd_tz *tz, int64_t local_us)
{
    if (!tz || tz->is_utc)
        return local_us;
    if (tz->fixed)
        return local_us - (int64_t)tz->fixed_off * WD_US_PER_SEC;
    int64_t l = floor_div(local_us, WD_US_PER_SEC);
    /* The true instant lies within 26 hours of l; sample the offsets 30 hours either side:
     * `ob` is the offset before any transition near l, `oa` the one after it. */
    int32_t ob = offset_at_sec(tz, l - INT64_C(30) * 3600);
    int32_t oa = offset_at_sec(tz, l + INT64_C(30) * 3600);
    if (ob != oa && offset_at_sec(tz, l - ob) != ob && offset_at_sec(tz, l - oa) == oa)
        return local_us - (int64_t)oa * WD_US_PER_SEC;
    /* Valid with ob, ambiguous (ob wins: fold=0) or skipped (ob: the earlier offset). */
    return local_us - (int64_t)ob * WD_US_PER_SEC;
}
