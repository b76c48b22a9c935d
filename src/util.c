/*
 * util.c: process-wide helpers declared in ward.h: error texts, aborting allocators,
 * clocks, thread names, directory creation, whole-file reads and the bug handler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include "ward.h"
#include "log.h"

const char *wd_strerror(int code)
{
    switch (code) {
    case WD_OK:
        return "ok";
    case WD_ENOMEM:
        return "out of memory";
    case WD_EINVAL:
        return "invalid argument";
    case WD_EPARSE:
        return "parse error";
    case WD_ELIMIT:
        return "limit exceeded";
    case WD_EIO:
        return "I/O error";
    case WD_ECORRUPT:
        return "corrupt data";
    case WD_EAGAIN:
        return "try again";
    case WD_ENOENT:
        return "not found";
    default:
        return "unknown error";
    }
}

void wd_bug(const char *file, int line, const char *expr)
{
    fprintf(stderr, "ward: BUG at %s:%d: %s\n", file, line, expr);
    abort();
}

static void oom(size_t n)
{
    fprintf(stderr, "ward: out of memory allocating %zu bytes\n", n);
    abort();
}

void *wd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *wd_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        oom(count * n);
    return p;
}

void *wd_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *wd_xstrdup(const char *s)
{
    return wd_xstrndup(s, strlen(s));
}

char *wd_xstrndup(const char *s, size_t n)
{
    char *p = wd_xmalloc(n + 1);
    if (n) /* s may be NULL then (an empty buffer's view) */
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int64_t wd_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t wd_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void wd_thread_name(const char *name)
{
    char n[16];
    snprintf(n, sizeof(n), "wd-%s", name);
    pthread_setname_np(pthread_self(), n);
}

const char wd_digit_pairs[201] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

size_t wd_fmt_i64(int64_t v, char *out)
{
    char tmp[24];
    char *e = tmp + sizeof(tmp), *w = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        w -= 2;
        memcpy(w, wd_digit_pairs + (size_t)2 * r, 2);
    }
    if (u >= 10) {
        w -= 2;
        memcpy(w, wd_digit_pairs + (size_t)2 * u, 2);
    } else {
        *--w = (char)('0' + u);
    }
    if (v < 0)
        *--w = '-';
    size_t n = (size_t)(e - w);
    memcpy(out, w, n);
    return n;
}

int wd_mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(tmp))
        return WD_EINVAL;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return WD_EIO;
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return WD_EIO;
    return WD_OK;
}

int wd_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? WD_ENOENT : WD_EIO;
    size_t cap = 4096, n = 0;
    char *p = wd_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max) {
                free(p);
                if (f != stdin)
                    (void)fclose(f);
                return WD_ELIMIT;
            }
            cap *= 2;
            p = wd_xrealloc(p, cap);
        }
        size_t r = fread(p + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    if (f != stdin)
        (void)fclose(f);
    if (bad || n > max) {
        free(p);
        return bad ? WD_EIO : WD_ELIMIT;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return WD_OK;
}
