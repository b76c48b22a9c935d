/*
 * resp_watch.h: the watch-list matcher the engine thread runs on every event: the live
 * terms compiled into one Hyperscan literal database (case-insensitive, one match per
 * term), so the cost per event is one scan of its text whatever the number of terms.
 * The engine thread owns it: when the watch list changes (wd_resp_watch_version) or a
 * term expires, it builds a new matcher and frees the old one itself, so no other
 * thread ever sees a matcher being freed. Not thread-safe by design.
 */
#ifndef WD_RESP_WATCH_H
#define WD_RESP_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_watch;

/* Builds a matcher of n NUL-separated terms. OUT: *out (NULL when n is 0), freed with
 * wd_watch_free(). WD_OK, WD_EINVAL (a term Hyperscan refuses), WD_ENOMEM. */
int wd_watch_new(const char *terms, uint32_t n, struct wd_watch **out);
void wd_watch_free(struct wd_watch *w);

/* Scans text; returns the first term found (borrowed, valid until wd_watch_free) or
 * NULL. Accepts a NULL matcher (nothing matches). */
const char *wd_watch_scan(struct wd_watch *w, const char *text, size_t len);

#endif
