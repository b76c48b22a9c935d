/*
 * log.h: one-line log records "ts level subsys msg" to stderr, with levels and a
 * rate limiter for per-event errors. The level check happens before arguments are
 * evaluated.
 */
#ifndef WD_LOG_H
#define WD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wd_log_level { WD_LOG_ERROR, WD_LOG_WARN, WD_LOG_INFO, WD_LOG_DEBUG, WD_LOG_TRACE };

extern int wd_log_level;

void wd_log_write(int level, const char *subsys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses "error", "warn", ... into a level; returns -1 when unknown. */
int wd_log_level_parse(const char *name);

#define wd_log(level, subsys, ...)                                                                 \
    do {                                                                                           \
        if ((level) <= wd_log_level)                                                               \
            wd_log_write((level), (subsys), __VA_ARGS__);                                          \
    } while (0)

/*
 * Rate limiter for per-event errors: at most `burst` records per second per limiter;
 * the rest are counted in `suppressed` and reported with the next allowed record.
 * Thread-safe (atomics).
 */
struct wd_ratelimit {
    int64_t window_s;
    uint32_t count;
    uint32_t suppressed;
    uint32_t burst;
};

#define WD_RATELIMIT_INIT(b)                                                                       \
    {                                                                                              \
        0, 0, 0, (b)                                                                               \
    }

/* Returns true when a record may be written now; OUT *suppressed gets the skipped count. */
bool wd_ratelimit_ok(struct wd_ratelimit *rl, uint32_t *suppressed);

#define wd_log_rl(rl, level, subsys, ...)                                                          \
    do {                                                                                           \
        uint32_t wd_rl_skip_;                                                                      \
        if ((level) <= wd_log_level && wd_ratelimit_ok((rl), &wd_rl_skip_)) {                      \
            wd_log_write((level), (subsys), __VA_ARGS__);                                          \
            if (wd_rl_skip_)                                                                       \
                wd_log_write((level), (subsys), "suppressed=%u similar records", wd_rl_skip_);     \
        }                                                                                          \
    } while (0)

/* Escapes untrusted bytes for a log line (at most 256 input bytes); returns `out`. */
char *wd_log_escape(char *out, size_t out_len, const char *p, size_t len);

#endif
