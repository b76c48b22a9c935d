/*
 * ward.h: definitions every ward source file shares: error codes, string views,
 * assertions, small helpers, and the list of banned libc calls.
 *
 * Include this after the system headers: it poisons unsafe functions.
 */
#ifndef WD_WARD_H
#define WD_WARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WD_VERSION "0.1.0"

/* Every fallible function returns WD_OK or one of these negative codes. */
enum wd_err {
    WD_OK = 0,
    WD_ENOMEM = -1,
    WD_EINVAL = -2,
    WD_EPARSE = -3,
    WD_ELIMIT = -4,
    WD_EIO = -5,
    WD_ECORRUPT = -6,
    WD_EAGAIN = -7,
    WD_ENOENT = -8,
};

/* Returns a static text for a wd_err code. */
const char *wd_strerror(int code);

/* A borrowed string view; never assume NUL termination. */
struct wd_str {
    const char *p;
    size_t len;
};

#define WD_STR(lit) ((struct wd_str){(lit), sizeof(lit) - 1})

static inline bool wd_str_eq(struct wd_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* Parser error: code, byte offset into the input, and a constant message. */
struct wd_perr {
    int code;
    size_t off;
    const char *msg;
};

#define WD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WD_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define WD_MAX(a, b)    ((a) > (b) ? (a) : (b))
#define WD_UNUSED(x)    ((void)(x))
#define WD_FREE(p)                                                                                 \
    do {                                                                                           \
        free(p);                                                                                   \
        (p) = NULL;                                                                                \
    } while (0)

void wd_bug(const char *file, int line, const char *expr) __attribute__((noreturn));

/* Always on: continuing would corrupt data. */
#define WD_BUG_ON(x)                                                                               \
    do {                                                                                           \
        if (x)                                                                                     \
            wd_bug(__FILE__, __LINE__, #x);                                                        \
    } while (0)

#ifdef NDEBUG
#define WD_ASSERT(x) ((void)0)
#else
#define WD_ASSERT(x) WD_BUG_ON(!(x))
#endif

/* Defensive checks that should always (never) hold; in release builds they only evaluate. */
#define WD_ALWAYS(x) (x)
#define WD_NEVER(x)  (x)

/* Allocation for start-up and config code: logs and aborts on failure. */
void *wd_xmalloc(size_t n);
void *wd_xcalloc(size_t count, size_t n);
void *wd_xrealloc(void *p, size_t n);
char *wd_xstrdup(const char *s);
char *wd_xstrndup(const char *s, size_t n);

/* "00".."99": two decimal digits per value, for printf-free number formatting. */
extern const char wd_digit_pairs[201];
/* Writes v in decimal to out (at least 20 bytes, no NUL); returns the length. */
size_t wd_fmt_i64(int64_t v, char *out);

/* Creates dir and its missing parents (mode 0755); WD_OK, WD_EINVAL or WD_EIO (errno set). */
int wd_mkdir_p(const char *dir);
/* Reads a whole file ("-" = standard input; at most max bytes, else WD_ELIMIT) into a
 * malloc'd NUL-terminated buffer; errno is kept on WD_EIO. */
int wd_read_file(const char *path, size_t max, char **out, size_t *len);
/* 64-bit hash of bytes (store_col.c). */
uint64_t wd_hash64(const void *p, size_t len, uint64_t seed);

/* Whether a[0..n) equals b[0..n). The short keys and values of events are compared inline,
 * where a call to memcmp costs more than the compare: 4 to 16 bytes as two loads that
 * overlap (the first and the last 4 or 8 bytes), fewer byte by byte. */
static inline bool wd_bytes_eq(const void *a, const void *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    if (n > 16)
        return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t u0, v0, u1, v1;
        memcpy(&u0, x, 8);
        memcpy(&v0, y, 8);
        memcpy(&u1, x + n - 8, 8);
        memcpy(&v1, y + n - 8, 8);
        return ((u0 ^ v0) | (u1 ^ v1)) == 0;
    }
    if (n >= 4) {
        uint32_t u0, v0, u1, v1;
        memcpy(&u0, x, 4);
        memcpy(&v0, y, 4);
        memcpy(&u1, x + n - 4, 4);
        memcpy(&v1, y + n - 4, 4);
        return ((u0 ^ v0) | (u1 ^ v1)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* Current wall-clock time in microseconds since the epoch, and monotonic nanoseconds. */
int64_t wd_now_us(void);
int64_t wd_mono_ns(void);

/* Names the calling thread for top -H, ps -L and perf ("wd-" + name, at most 15 bytes:
 * the kernel's limit, longer names are cut). */
void wd_thread_name(const char *name);

/* Banned calls (see STYLE.md section 9). */
#undef sprintf
#undef vsprintf
#undef strcpy
#undef strcat
#undef strtok
#undef gets
#undef atoi
#ifndef __cplusplus
#pragma GCC poison sprintf vsprintf strcpy strcat strtok gets atoi
#endif

#endif
