/*
 * resp_validate.h: what the response lists accept (docs/response.md). Pure functions
 * over (buf, len): no I/O, no logging, so they are fuzzable (tests/fuzz/fuzz_resp.c).
 *   - IP addresses and CIDR blocks (IPv4 and IPv6), normalized to the network address,
 *     and classified against the special-purpose ranges MozDef refused (private,
 *     loopback, link-local, multicast, reserved, documentation, ...).
 *   - FQDNs (RFC 1123 host names, lower-cased, trailing dot dropped).
 *   - Block durations "1h", "12h", "1d", "2d", "1w", "30d" (1 hour to 30 days).
 *   - Watch-list terms (printable text without quotes or backslashes).
 *   - CIDR merging for the feeds: the minimal set of blocks covering the same addresses.
 * Errors fill a struct wd_perr with a constant message and the offset.
 */
#ifndef WD_RESP_VALIDATE_H
#define WD_RESP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

#define WD_RESP_DURATION_MIN_S 3600                  /* 1 hour */
#define WD_RESP_DURATION_MAX_S ((int64_t)30 * 86400) /* 30 days */
#define WD_RESP_FQDN_MAX       253                   /* RFC 1035 presentation length, no dot */
#define WD_RESP_TERM_MIN       3 /* shorter watch terms would match everything */
#define WD_RESP_TERM_MAX       256
#define WD_RESP_CIDR_TEXT_MAX  (46 + 4) /* INET6_ADDRSTRLEN + "/128" */

/* An IPv4 (fam 4, addr[0..3]) or IPv6 (fam 6, addr[0..15]) block; host bits are zero. */
struct wd_cidr {
    uint8_t fam;
    uint8_t plen; /* prefix length: 0..32 or 0..128 */
    uint8_t addr[16];
};

/*
 * Parses "1.2.3.4", "1.2.3.0/24", "2001:db8::1", "2001:db8::/32" (surrounding blanks
 * allowed). Host bits below the prefix are cleared (1.2.3.4/24 -> 1.2.3.0/24) and
 * *host_bits tells whether any were set (may be NULL). Returns WD_OK or WD_EPARSE with pe.
 */
int wd_resp_cidr_parse(const char *s, size_t len, struct wd_cidr *out, bool *host_bits,
                       struct wd_perr *pe);

/* "1.2.3.4" for a single address (/32, /128), else "1.2.3.0/24". out: at least
 * WD_RESP_CIDR_TEXT_MAX bytes. Returns the length. */
size_t wd_resp_cidr_format(const struct wd_cidr *c, char *out, size_t out_len);

/* True when a and b share at least one address (same family). */
bool wd_resp_cidr_overlaps(const struct wd_cidr *a, const struct wd_cidr *b);

/*
 * The special-purpose range c overlaps, as "private network 10.0.0.0/8", or NULL when c
 * is a public unicast block. Constant strings.
 */
const char *wd_resp_cidr_special(const struct wd_cidr *c);

/*
 * Checks and normalizes an FQDN: 1 to 253 characters, at least two labels of 1 to 63
 * letters, digits and hyphens (not at either end of a label), a top-level label that is
 * not all digits. out gets the lower-cased name without a trailing dot (out_len >=
 * WD_RESP_FQDN_MAX + 1). Returns WD_OK or WD_EPARSE with pe.
 */
int wd_fqdn_parse(const char *s, size_t len, char *out, size_t out_len, struct wd_perr *pe);

/*
 * Parses a duration: a positive integer and a unit h (hours), d (days) or w (weeks),
 * optionally the words "hour(s)", "day(s)", "week(s)" ("1h", "12h", "2d", "1w", "30d",
 * "12 hours"). OUT: *secs. WD_EPARSE on syntax, WD_ELIMIT outside 1 hour .. 30 days.
 */
int wd_resp_duration_parse(const char *s, size_t len, int64_t *secs, struct wd_perr *pe);

/* Checks a watch-list term: 3 to 256 bytes of printable text (UTF-8 allowed), no '"',
 * '\\' or control characters, not only blanks. WD_OK or WD_EPARSE with pe. */
int wd_watch_term_check(const char *s, size_t len, struct wd_perr *pe);

/*
 * Replaces c[0..n) by the minimal set of CIDR blocks covering exactly the same
 * addresses (overlapping and adjacent blocks collapse), in a deterministic order: IPv4
 * first, then by address. Returns the new count (<= n). In place; no allocation.
 */
size_t wd_resp_cidr_merge(struct wd_cidr *c, size_t n);

#endif
