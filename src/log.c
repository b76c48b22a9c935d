/*
 * log.c: the log writer (one line per record, UTC timestamp, level, subsystem),
 * the per-event error rate limiter, and escaping of untrusted text.
 */
#include <stdarg.h>
#include <time.h>

#include "log.h"
#include "ward.h"

int wd_log_level = WD_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

int wd_log_level_parse(const char *name)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(level_names); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void wd_log_write(int level, const char *subsys, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], subsys);
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; the analyzer misreads the fortified vsnprintf. */
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap); /* NOLINT */

    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : WD_MIN((size_t)m, sizeof(line) - (size_t)n - 2));
    for (size_t i = (size_t)n; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    /* One write(2) per record keeps lines whole across threads. */
    (void)fwrite(line, 1, len, stderr);
}

bool wd_ratelimit_ok(struct wd_ratelimit *rl, uint32_t *suppressed)
{
    int64_t now = time(NULL);
    *suppressed = 0;
    int64_t w = __atomic_load_n(&rl->window_s, __ATOMIC_RELAXED);
    if (w != now && __atomic_compare_exchange_n(&rl->window_s, &w, now, false, __ATOMIC_RELAXED,
                                                __ATOMIC_RELAXED)) {
        __atomic_store_n(&rl->count, 0, __ATOMIC_RELAXED);
        *suppressed = __atomic_exchange_n(&rl->suppressed, 0, __ATOMIC_RELAXED);
    }
    if (__atomic_add_fetch(&rl->count, 1, __ATOMIC_RELAXED) <= rl->burst)
        return true;
    __atomic_add_fetch(&rl->suppressed, 1, __ATOMIC_RELAXED);
    return false;
}

char *wd_log_escape(char *out, size_t out_len, const char *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    size_t n = WD_MIN(len, (size_t)256);
    for (size_t i = 0; i < n && o + 5 < out_len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (n < len && o + 4 < out_len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
