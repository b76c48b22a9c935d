/*
 * norm.h: MozDef event normalization (shared/spec/mozdef-compat.md section a): the input
 * checks of a.1 step 1, the custom-endpoint bypass of a.1 step 2 / a.3, the key mapping of
 * a.2, the storage defaults of a.4 and ward's never-drop failure handling of a.5.
 * Plugins (a.1 step 3, section c) are not done here: see wd_norm_opts.defer_defaults.
 *
 * Ward's two deliberate improvements over MozDef (also in docs/normalization.md):
 * - Naive timestamps (no zone) are taken in a configured zone (normalize.naive_time_zone,
 *   default UTC; opts.naive_tz) instead of the worker process's zone.
 * - Unknown top-level keys are kept under `details` (original spelling) instead of being
 *   dropped, without overwriting a `details` key the mapping set.
 *
 * Invariants:
 * - Hot path: no malloc per event (everything comes from the caller's arena; the only
 *   exception is rendering a list/object value as text, which uses a temporary buffer),
 *   keys are classified with one pass over their bytes and a switch on length.
 * - The input tree is never modified. The output tree is new: every node is a fresh copy
 *   (containers deep-copied), but string bytes are borrowed from the input, so the input's
 *   buffers must outlive the output. Both live until the arena is reset.
 * - Thread-safety: no global state; each worker uses its own arena and wd_norm_stats.
 */
#ifndef WD_NORM_H
#define WD_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wd_arena;
struct wd_jv;
struct wd_tz;

/* Kinds of per-event normalization errors (a.5), each counted in wd_norm_stats.errors[]. */
enum wd_norm_err_kind {
    WD_NORM_ERR_TIMESTAMP, /* a time key toUTC() rejects: kept in details.unparsed_timestamp */
    WD_NORM_ERR_INT,       /* a fields./details. key ending in _int: value not an integer */
    WD_NORM_ERR_FLOAT,     /* ... ending in _float: value not a finite number */
    WD_NORM_ERR_TAGS,      /* a tags value that is not a list, string or object */
    WD_NORM_ERR_COUNT
};

struct wd_norm_opts {
    const char *mozdefhostname;   /* borrowed; the worker's host name (NULL: "") */
    size_t mozdefhostname_len;    /* 0: strlen(mozdefhostname) */
    const struct wd_tz *naive_tz; /* zone of naive timestamps; NULL: UTC. Borrowed. */
    int64_t now_us;               /* "now": receivedtimestamp, defaults, today's date */
    uint32_t max_depth;           /* nesting limit when a JSON string body is re-parsed;
                                     0: WD_JSON_DEPTH_CAP */
    bool defer_defaults;          /* true: skip a.4 here; the caller runs its plugins and then
                                     wd_norm_defaults() (MozDef adds defaults after plugins) */
    bool drop_unknown;            /* true: MozDef's behaviour, unknown keys are dropped */
    bool consume_input;           /* true: the caller never uses `in` again, so custom-endpoint
                                     events take its nodes over instead of copying them
                                     (same output; `in` is left in pieces) */
};

/* Counters for /metrics (cumulative; one struct per worker, summed by the server), plus
 * the per-call outputs utc_us and msg. */
struct wd_norm_stats {
    uint64_t events;                    /* events accepted (mapped + custom) */
    uint64_t custom;                    /* ... of which custom-endpoint events (a.3) */
    uint64_t rejected;                  /* inputs refused with WD_EINVAL (not an object) */
    uint64_t events_with_errors;        /* accepted events that got at least one `errors` note */
    uint64_t errors[WD_NORM_ERR_COUNT]; /* notes by enum wd_norm_err_kind */
    int64_t utc_us;  /* OUT: the accepted event's utctimestamp (us UTC; store partition key) */
    const char *msg; /* OUT: constant text saying why the call failed, else NULL */
};

/* A short constant name for an error kind ("timestamp", "int", "float", "tags"), for
 * metric labels. */
const char *wd_norm_err_name(int kind);

/*
 * Normalizes one decoded message into a new event (a.1 steps 1, 2 and 4):
 *   - `in` must be an object; a string holding JSON is decoded once more (wd_json_parse,
 *     into `a`) and must then be an object. Anything else: WD_EINVAL, st->rejected++,
 *     st->msg says why (the HTTP layer answers 400 with it).
 *   - a truthy `customendpoint` member: the object as received (deep copy), `type` set to
 *     its `endpoint` member when present (customDocType, a.3), then the a.4 defaults.
 *   - otherwise the a.2 key mapping with ward's fixes (exact `payload`/`tags` keys; nxlog
 *     Windows events copy every unconsumed key) and a.5 failure handling (never drop: the
 *     offending field is left out, a note is appended to the event's `errors` list and
 *     counted), then the a.4 defaults.
 *   All timestamps are written as wd_time_iso() strings. Key order follows MozDef's Python
 *   dict insertion order.
 * a: arena for the output (and the re-decoded string body). o: options (borrowed).
 * in: the decoded message (borrowed, not modified unless o->consume_input; its strings,
 * and then some of its nodes, are referenced by *out).
 * out: OUT: the new event, valid until `a` is reset. st: counters (may be NULL); on
 * success st->utc_us is the event's utctimestamp.
 * Returns WD_OK, WD_EINVAL (not an object) or WD_ENOMEM (arena cap reached: apply
 * backpressure; *out is NULL).
 */
int wd_norm_event(struct wd_arena *a, const struct wd_norm_opts *o, const struct wd_jv *in,
                  struct wd_jv **out, struct wd_norm_stats *st);

/*
 * a.4: adds the fields a stored event must have, each only when its key is absent (a
 * present null is kept): receivedtimestamp, utctimestamp, timestamp (now, ISO),
 * mozdefhostname, type "event", tags [], category/hostname/processid/processname/severity/
 * source/summary "UNKNOWN", mozdef {} with plugins [] (added inside an existing mozdef
 * object too; a non-object mozdef is left alone), details {}.
 * Called by wd_norm_event() unless opts.defer_defaults; the plugin layer calls it after
 * the plugin chain (having set mozdef.plugins to the names of the plugins that ran).
 * ev: an object built in `a` (modified in place). Returns WD_OK, WD_EINVAL (ev is not an
 * object) or WD_ENOMEM.
 */
int wd_norm_defaults(struct wd_arena *a, const struct wd_norm_opts *o, struct wd_jv *ev);

#endif
