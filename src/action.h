/*
 * action.h: alert actions that never block detection. wd_actions_webhook() copies the
 * alert into a bounded in-memory queue and returns at once; one sender thread POSTs it
 * (http:// or https:// via GnuTLS) with retries and exponential backoff, and writes every
 * delivery it gives up on to an NDJSON dead-letter file. Behaviour for operators:
 * docs/actions.md.
 *
 * Invariants:
 * - Nothing here blocks the caller beyond a mutex held for a few pointer moves (and a
 *   dead-letter write when the queue is full).
 * - Every accepted alert ends exactly once as delivered or dead-lettered (failed);
 *   every refused one is counted as dropped and dead-lettered too.
 * - Thread-safe: any thread may call wd_actions_webhook() and wd_actions_stats().
 */
#ifndef WD_ACTION_H
#define WD_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_actions;

/* Body formats for wd_actions_webhook(). */
enum wd_action_format {
    WD_ACTION_JSON = 0,  /* the alert JSON as is */
    WD_ACTION_SLACK = 1, /* a Slack incoming-webhook message built from the alert */
};

/* max_retries value meaning "no retry at all" (0 means the default). */
#define WD_ACTION_NO_RETRY UINT32_MAX

/* Options; a zeroed struct gives the defaults. Strings are copied. */
struct wd_actions_opts {
    uint32_t queue_cap;           /* alerts waiting or in delivery; 0 = 1024 */
    uint32_t max_retries;         /* retries after the first attempt; 0 = 5 */
    uint32_t backoff_ms;          /* delay before the first retry, doubling; 0 = 500 */
    uint32_t backoff_max_ms;      /* cap on the delay; 0 = 30000 */
    uint32_t timeout_ms;          /* one attempt: connect + TLS + send + status line; 0 = 5000 */
    uint32_t flush_ms;            /* how long wd_actions_free() keeps delivering; 0 = 5000 */
    size_t max_alert_bytes;       /* larger alerts are refused (WD_ELIMIT); 0 = 1 MiB */
    const char *dead_letter_path; /* NDJSON file appended to; NULL = log only */
    const char *ca_file;          /* extra trusted CA (PEM) besides the system store */
    /* Called on the sender thread when a delivery queued with a non-zero tag ends
     * (delivered, or given up with the reason); may be NULL. Must not call back into
     * wd_actions_*. */
    void (*done)(void *arg, uint64_t tag, bool delivered, const char *error);
    void *done_arg;
};

/* Counters since wd_actions_new(); pending is a gauge. */
struct wd_action_stats {
    uint64_t queued;    /* alerts accepted into the queue */
    uint64_t delivered; /* answered 2xx */
    uint64_t retried;   /* attempts after the first one */
    uint64_t failed;    /* given up: dead-lettered after acceptance */
    uint64_t dropped;   /* refused: queue full, alert too large, or shutting down */
    uint64_t pending;   /* in the queue now, including the one in delivery */
};

/*
 * Starts the sender thread. OUT: *out, a new object the caller frees with
 * wd_actions_free(). Returns WD_OK, WD_ENOMEM, or WD_EIO (dead-letter file cannot be
 * opened, CA file unreadable, thread cannot start; the reason is logged).
 */
int wd_actions_new(const struct wd_actions_opts *o, struct wd_actions **out);

/*
 * Queues one webhook delivery of alert_json[0..len) (copied) to url ("http://host[:port]
 * [/path]" or "https://..."; copied). Returns at once: WD_OK (queued), WD_EINVAL (bad URL
 * or format; nothing counted), WD_ELIMIT (alert above max_alert_bytes; counted as
 * dropped and dead-lettered), WD_EAGAIN (queue full: counted as dropped and
 * dead-lettered), WD_ENOMEM. Thread-safe.
 */
int wd_actions_webhook(struct wd_actions *a, const char *url, const char *alert_json, size_t len,
                       int format);
/* The same, with a tag reported to opts.done when the delivery ends (0 = no report). */
int wd_actions_webhook_tagged(struct wd_actions *a, const char *url, const char *alert_json,
                              size_t len, int format, uint64_t tag);

/* OUT: *st, a snapshot of the counters. Thread-safe. */
void wd_actions_stats(const struct wd_actions *a, struct wd_action_stats *st);

/*
 * Stops accepting, keeps delivering (retries included) for at most flush_ms (each attempt
 * is cut to the time left), dead-letters what remains with the error "shutdown", stops
 * the thread and frees everything. Accepts NULL. Name resolution (getaddrinfo) is not
 * interruptible, so a hanging resolver can extend the wait.
 */
void wd_actions_free(struct wd_actions *a);

/*
 * Builds the Slack incoming-webhook body for an alert (pure; used by the sender):
 * {"text":"[SEVERITY] summary","attachments":[{"fallback":..,"color":"#rrggbb",
 *  "title":summary,"fields":[{"title":"Severity","value":..,"short":true},
 *  {"title":"Category",..},{"title":"Rule","value":classname,..},{"title":"Time",
 *  "value":utctimestamp,..},{"title":"Tags","value":"a, b","short":false}],"ts":N}]}
 * Missing fields render as "" (Tags is left out without tags; ts without a parsable
 * utctimestamp). Appends to out. Returns WD_OK, WD_EPARSE (not a JSON object),
 * WD_ENOMEM or WD_ELIMIT.
 */
int wd_action_slack_body(const char *alert_json, size_t len, struct wd_buf *out);

#endif
