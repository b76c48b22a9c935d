/*
 * syslog_frame.c: RFC 6587 TCP framing (octet counting or LF/NUL trailer, detected per frame),
 * the per-connection framer that performs the discards an over-long frame needs, and the UDP
 * datagram trim. See syslog.h for the contract of each return code.
 *
 * Invariants: pure functions over (buf, len); no allocation, I/O or logging; returned views
 * point into buf (or a static empty string); *consumed never exceeds len except for the
 * documented WD_ELIMIT octet-counted case of wd_syslog_frame_next().
 */
#include "syslog.h"
#include "syslog_int.h"

static const char empty_str[] = "";

#define EMPTY_STR ((struct wd_str){empty_str, 0})

static inline bool is_sep(char c)
{
    return c == '\n' || c == '\r' || c == '\0';
}

/* First LF or NUL in p[a..b), or b. */
static size_t find_term(const char *p, size_t a, size_t b)
{
    if (a >= b)
        return b;
    const char *lf = memchr(p + a, '\n', b - a);
    size_t e = lf ? (size_t)(lf - p) : b;
    const char *nul = memchr(p + a, '\0', e - a);
    return nul ? (size_t)(nul - p) : e;
}

/* Largest value whose decimal form has at most 10 digits: MSG-LEN above is invalid. */
#define MAX_LEN_DIGITS 10

/*
 * The framing logic. OUT line_pending: true when WD_ELIMIT truncated a line whose terminator
 * is not in buf yet (the caller discards through the next LF/NUL).
 */
static int frame_impl(const char *buf, size_t len, size_t max_msg, struct wd_str *msg,
                      size_t *consumed, struct wd_perr *err, bool *line_pending)
{
    size_t s = 0, i, t, e;
    *line_pending = false;
    if (max_msg > SIZE_MAX / 2)
        max_msg = SIZE_MAX / 2; /* keeps max_msg + 2 from wrapping */
    *msg = view(buf ? buf : empty_str, 0, 0);
    *consumed = 0;
    set_err(err, WD_OK, 0, NULL);
    if (max_msg == 0 || (!buf && len)) {
        set_err(err, WD_EINVAL, 0, "invalid argument");
        return WD_EINVAL;
    }
    if (!buf)
        buf = empty_str;
    while (s < len && is_sep(buf[s]))
        s++;
    *msg = view(buf, s, s);
    if (s == len) {
        *consumed = s;
        return WD_EAGAIN;
    }
    if (is_digit(buf[s])) {
        uint64_t v = 0;
        for (i = s; i < len && i - s < 20 && is_digit(buf[i]); i++)
            v = v * 10 + (uint64_t)(buf[i] - '0');
        if (i == len) {
            *consumed = s;
            return WD_EAGAIN;
        }
        if (buf[i] == ' ') {
            size_t hdr = i + 1;
            if (buf[s] == '0' || i - s > MAX_LEN_DIGITS) {
                *consumed = hdr;
                set_err(err, WD_EPARSE, s, "invalid octet count");
                return WD_EPARSE;
            }
            if (v > max_msg) {
                if (len - hdr < max_msg) {
                    *consumed = s;
                    return WD_EAGAIN;
                }
                *msg = view(buf, hdr, hdr + max_msg);
                *consumed = hdr + (size_t)v;
                set_err(err, WD_ELIMIT, s, "octet count exceeds the message limit");
                return WD_ELIMIT;
            }
            if (len - hdr < v) {
                *consumed = s;
                return WD_EAGAIN;
            }
            *msg = view(buf, hdr, hdr + (size_t)v);
            *consumed = hdr + (size_t)v;
            return WD_OK;
        }
        /* digits not followed by SP: not a count, e.g. a PRI-less "2024-01-12T..." line */
    }
    /* LF/NUL-terminated line: content up to max_msg bytes, plus an optional CR, plus LF */
    size_t lim = len - s > max_msg + 2 ? s + max_msg + 2 : len;
    t = find_term(buf, s, lim);
    if (t < lim) {
        e = t > s && buf[t - 1] == '\r' ? t - 1 : t;
        if (e - s <= max_msg) {
            *msg = view(buf, s, e);
            *consumed = t + 1;
            return WD_OK;
        }
    } else if (len - s < max_msg + 2) {
        *consumed = s;
        return WD_EAGAIN;
    }
    /* over-long line: return the first max_msg bytes, skip through the terminator */
    *msg = view(buf, s, s + max_msg);
    t = find_term(buf, s + max_msg, len);
    if (t < len) {
        *consumed = t + 1;
    } else {
        *consumed = len;
        *line_pending = true;
    }
    set_err(err, WD_ELIMIT, s, "line exceeds the message limit");
    return WD_ELIMIT;
}

int wd_syslog_frame_next(const char *buf, size_t len, size_t max_msg, struct wd_str *msg,
                         size_t *consumed, struct wd_perr *err)
{
    bool pending;
    return frame_impl(buf, len, max_msg, msg, consumed, err, &pending);
}

void wd_syslog_framer_init(struct wd_syslog_framer *f)
{
    f->skip_bytes = 0;
    f->skip_line = false;
}

int wd_syslog_framer_next(struct wd_syslog_framer *f, const char *buf, size_t len, size_t max_msg,
                          struct wd_str *msg, size_t *consumed, struct wd_perr *err)
{
    size_t off = 0;
    bool pending;
    int rc;

    if (!buf && len) {
        *consumed = 0;
        *msg = EMPTY_STR;
        set_err(err, WD_EINVAL, 0, "invalid argument");
        return WD_EINVAL;
    }
    if (!buf)
        buf = empty_str; /* no arithmetic on NULL */
    if (f->skip_bytes) {
        off = f->skip_bytes < len ? (size_t)f->skip_bytes : len;
        f->skip_bytes -= off;
    } else if (f->skip_line) {
        off = find_term(buf, 0, len);
        if (off < len) {
            off++;
            f->skip_line = false;
        }
    }
    if (f->skip_bytes || f->skip_line) {
        *consumed = off;
        *msg = view(buf, off, off);
        set_err(err, WD_OK, 0, NULL);
        return WD_EAGAIN;
    }
    rc = frame_impl(buf + off, len - off, max_msg, msg, consumed, err, &pending);
    if (err && err->code != WD_OK)
        err->off += off;
    if (rc == WD_ELIMIT) {
        if (*consumed > len - off) {
            f->skip_bytes = *consumed - (len - off);
            *consumed = len - off;
        }
        f->skip_line = pending;
    }
    *consumed += off;
    return rc;
}

struct wd_str wd_syslog_dgram_trim(const char *p, size_t len)
{
    if (!p)
        return EMPTY_STR;
    while (len && is_sep(p[len - 1]))
        len--;
    return view(p, 0, len);
}
