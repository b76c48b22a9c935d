/*
 * resp.h: the response lists (docs/response.md): the IP/CIDR block list, the FQDN block
 * list and the watch list, each entry with a comment, a creator and an expiry, kept in
 * SQLite in DATA/response.db (its own file and connection, so list traffic never waits
 * on logins). Also the record of automatic actions taken for alerts (blocks, webhooks)
 * shown on the alert. Expiry is computed at read time: an entry whose expiry has passed
 * is out of every feed and list at once; expired and removed rows are purged after
 * response.purge_after_days. Thread-safe (one connection behind a mutex).
 */
#ifndef WD_RESP_H
#define WD_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_resp;

enum wd_resp_list { WD_RESP_IP, WD_RESP_FQDN, WD_RESP_WATCH, WD_RESP__COUNT };
enum wd_resp_order { WD_RESP_NEWEST, WD_RESP_OLDEST };

/* "ip", "fqdn", "watch". */
const char *wd_resp_list_name(int list);

struct wd_resp_opts {
    const char *data_dir;
    const char *allowlist;    /* CIDRs never blocked, separated by commas or blanks */
    int64_t feed_max_entries; /* entries published per feed (before merging) */
    int feed_order;           /* enum wd_resp_order: which entries a full feed keeps */
    int64_t purge_after_s;    /* expired/removed rows are deleted this long after */
};

/* Opens (creating) DATA/response.db. OUT: *out (free with wd_resp_close). WD_OK, or
 * WD_EINVAL (bad allowlist entry) / WD_EIO with the reason in err. */
int wd_resp_open(const struct wd_resp_opts *o, struct wd_resp **out, char *err, size_t err_len);
void wd_resp_close(struct wd_resp *r);

/*
 * Validates value for a list and writes its normal form into norm (norm_len >= 260):
 * IP: an address or CIDR block, not special-purpose, not overlapping response.allowlist;
 * FQDN: RFC 1123 name; watch: a term. WD_OK or WD_EINVAL with a message in why.
 */
int wd_resp_check(const struct wd_resp *r, int list, const char *value, char *norm, size_t norm_len,
                  char *why, size_t why_len);

/*
 * Adds value (validated as wd_resp_check) for duration_s from now_s. When the list
 * already holds it live, the entry is extended instead: its expiry becomes the later of
 * the current one and now + duration, the comment is kept unless a new one is given.
 * comment, reference may be NULL. OUT: *created (false = extended); the entry as JSON
 * appended to out (may be NULL). WD_OK, WD_EINVAL (why), WD_EIO.
 */
int wd_resp_add(struct wd_resp *r, int list, const char *value, int64_t duration_s,
                const char *comment, const char *reference, const char *creator, int64_t now_s,
                bool *created, struct wd_buf *out, char *why, size_t why_len);

/* Extends live entry id: expiry = max(expiry, now) + duration, at most now + 30 days.
 * WD_OK (entry JSON appended to out), WD_ENOENT (no such entry), WD_EAGAIN (it has
 * expired or was removed), WD_EINVAL (duration), WD_EIO. */
int wd_resp_extend(struct wd_resp *r, int list, int64_t id, int64_t duration_s, const char *by,
                   int64_t now_s, struct wd_buf *out);

/* Removes live entry id (kept as removed until purged). WD_OK, WD_ENOENT, WD_EAGAIN
 * (already ended), WD_EIO. */
int wd_resp_remove(struct wd_resp *r, int list, int64_t id, const char *by, int64_t now_s);

/* Appends {"list":..,"entries":[...],"total":N} of the live entries, newest first; with
 * all, expired and removed ones too (with "state"). */
int wd_resp_list(struct wd_resp *r, int list, bool all, int64_t now_s, struct wd_buf *out);

/*
 * Appends the feed text of a block list (IP: merged CIDRs, one a line; FQDN: names, one
 * a line, sorted). At most feed_max_entries live entries are published, chosen by
 * feed_order. OUT: *last_modified_s (latest change, including expiries up to now),
 * *omitted (live entries left out by the limit). WD_OK or WD_EIO.
 */
int wd_resp_feed(struct wd_resp *r, int list, int64_t now_s, struct wd_buf *out,
                 int64_t *last_modified_s, uint64_t *omitted);

/* Deletes expired and removed rows older than purge_after_s (at most once a minute;
 * called by the writers). Returns rows deleted. */
int wd_resp_purge(struct wd_resp *r, int64_t now_s, bool force);

/*
 * Records an automatic action taken for alert alert_id (type "block" or "webhook",
 * target the address or URL, outcome e.g. "added", "extended", "refused: ...",
 * "queued", "delivered", "failed: ..."). Returns the record's id (> 0) or 0.
 */
int64_t wd_resp_action_add(struct wd_resp *r, uint64_t alert_id, const char *type,
                           const char *target, const char *outcome, int64_t at_us);
/* Updates a recorded action's outcome (a webhook's delivery result). */
void wd_resp_action_outcome(struct wd_resp *r, int64_t action_id, const char *outcome,
                            int64_t at_us);
/* Appends [{"type","target","at","outcome"},...] for alert_id; false (nothing written)
 * when it has none. */
bool wd_resp_actions_json(struct wd_resp *r, uint64_t alert_id, struct wd_buf *out);

/*
 * The live watch terms, NUL-separated, into terms (reset first). OUT: *n, *next_expiry_s
 * (the earliest expiry among them, INT64_MAX when none). WD_OK or WD_EIO.
 */
int wd_resp_watch_terms(struct wd_resp *r, int64_t now_s, struct wd_buf *terms, uint32_t *n,
                        int64_t *next_expiry_s);
/* Bumped by every change of the watch list (the engine rebuilds its matcher). */
uint64_t wd_resp_watch_version(const struct wd_resp *r);

/* Counters for /metrics. */
struct wd_resp_stats {
    uint64_t added, extended, removed, refused, auto_blocks, watch_alerts, feed_requests,
        feed_not_modified;
};
void wd_resp_stats(const struct wd_resp *r, struct wd_resp_stats *st);
/* Counts a watch-list alert / a feed request (answered 200 or 304). */
void wd_resp_count_watch_alert(struct wd_resp *r);
void wd_resp_count_feed(struct wd_resp *r, bool not_modified);
void wd_resp_count_auto_block(struct wd_resp *r);

#endif
