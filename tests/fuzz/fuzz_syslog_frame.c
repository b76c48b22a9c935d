/*
 * fuzz_syslog_frame.c: libFuzzer target for RFC 6587 framing. The first two input bytes pick
 * max_msg (1..256) and a read size (1..64); the rest is a TCP stream. The stream is fed to
 * wd_syslog_framer_next() through a bounded receive buffer (max_msg + 64 bytes, as a
 * connection would) twice, in one go and in reads of the chosen size, and both runs must yield
 * the same messages and codes. Also checked (abort() on failure): views inside the buffer,
 * messages at most max_msg bytes, *consumed <= len, progress whenever a message comes out, no
 * stall with a full buffer, and the stateless wd_syslog_frame_next() contract over the whole
 * stream. Every message is also parsed.
 */
#include "fuzz.h"
#include "syslog.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

struct digest {
    uint64_t h; /* FNV-1a over codes and message bytes */
    size_t count;
    int last_rc;
};

static void mix(struct digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static void feed(const char *s, size_t len, size_t step, size_t max, struct digest *d)
{
    size_t cap = max + 64, have = 0, pos = 0;
    char *buf = malloc(cap);
    struct wd_syslog_framer f;
    check(buf != NULL);
    wd_syslog_framer_init(&f);
    d->h = 1469598103934665603ull;
    d->count = 0;
    d->last_rc = WD_EAGAIN;
    for (;;) {
        size_t n = WD_MIN(step, len - pos);
        n = WD_MIN(n, cap - have);
        memcpy(buf + have, s + pos, n);
        have += n;
        pos += n;
        size_t off = 0;
        int rc;
        for (;;) {
            struct wd_str msg;
            size_t used = 0;
            struct wd_perr err = {0, 0, NULL};
            rc = wd_syslog_framer_next(&f, buf + off, have - off, max, &msg, &used, &err);
            check(used <= have - off);
            check(msg.p != NULL);
            off += used;
            if (rc == WD_EAGAIN)
                break;
            if (rc == WD_EPARSE) {
                check(err.code == WD_EPARSE && err.msg && err.off < have);
                break;
            }
            check(rc == WD_OK || rc == WD_ELIMIT);
            check(used > 0);
            check(msg.len <= max);
            check(msg.len == 0 || (msg.p >= buf && msg.p + msg.len <= buf + have));
            check(rc == WD_OK || (err.code == WD_ELIMIT && err.msg && msg.len == max));
            mix(d, &rc, sizeof(rc));
            mix(d, msg.p, msg.len);
            d->count++;
            struct wd_syslog_msg m;
            int prc = wd_syslog_parse(msg.p, msg.len, &m, NULL);
            check(prc == WD_OK || prc == WD_EPARSE);
        }
        memmove(buf, buf + off, have - off);
        have -= off;
        if (rc == WD_EPARSE) {
            d->last_rc = rc;
            mix(d, &rc, sizeof(rc));
            break;
        }
        /* a full buffer must always make progress */
        check(!(have == cap && off == 0));
        if (pos == len && n == 0)
            break;
    }
    free(buf);
}

/* The stateless call over the whole stream: consumed may exceed len only for ELIMIT. */
static void stateless(const char *s, size_t len, size_t max)
{
    size_t off = 0;
    while (off < len) {
        struct wd_str msg;
        size_t used = 0;
        struct wd_perr err = {0, 0, NULL};
        int rc = wd_syslog_frame_next(s + off, len - off, max, &msg, &used, &err);
        if (rc == WD_EAGAIN) {
            check(used <= len - off);
            for (size_t i = 0; i < used; i++)
                check(s[off + i] == '\n' || s[off + i] == '\r' || s[off + i] == '\0');
            return;
        }
        check(used > 0);
        if (rc == WD_EPARSE) {
            check(used <= len - off && err.off < len - off);
            off += used;
            continue;
        }
        check(rc == WD_OK || rc == WD_ELIMIT);
        check(msg.len <= max && msg.p >= s + off && msg.p + msg.len <= s + len);
        check(rc == WD_ELIMIT || used <= len - off);
        if (used > len - off)
            return;
        off += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max = (size_t)data[0] + 1, step = (size_t)(data[1] & 63) + 1;
    const char *s = (const char *)data + 2;
    size_t len = size - 2;
    struct digest whole, chunked;
    feed(s, len, len ? len : 1, max, &whole);
    feed(s, len, step, max, &chunked);
    check(whole.h == chunked.h && whole.count == chunked.count && whole.last_rc == chunked.last_rc);
    stateless(s, len, max);
    return 0;
}
