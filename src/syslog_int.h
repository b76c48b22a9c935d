/*
 * syslog_int.h: helpers private to the syslog parser and framer (syslog_parse.c,
 * syslog_frame.c).
 */
#ifndef WD_SYSLOG_INT_H
#define WD_SYSLOG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ward.h"

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10u;
}

static inline struct wd_str view(const char *p, size_t a, size_t b)
{
    return (struct wd_str){p + a, b - a};
}

/* Fills err (when not NULL); msg is a constant string. */
static inline void set_err(struct wd_perr *err, int code, size_t off, const char *msg)
{
    if (err) {
        err->code = code;
        err->off = off;
        err->msg = msg;
    }
}

#endif
