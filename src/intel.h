/*
 * intel.h: threat-intel enrichment (docs/enrichment.md). Indicator lists (IP addresses and
 * CIDR blocks, domains, URLs, MD5/SHA-1/SHA-256 hashes) come from feeds declared in a YAML
 * feeds file: each a local file or an http(s):// URL in one of three formats (a plain list,
 * Spamhaus DROP, a MISP feed) refreshed on its own schedule. Every feed's latest good list
 * is merged into one immutable table (a binary trie for addresses, a hash table for the
 * rest) swapped in atomically; a failed refresh keeps that feed's previous list.
 * A matching event gets details.intel = [{indicator, type, feed, field}, ...], the first
 * hit's details.intelindicator and details.intelfeed, and the tag `threatintel`.
 *
 * The parsers are pure functions over (text, len) (intel_parse.c); the table is in
 * intel_table.c; feeds, refresh and the event matching in intel.c.
 */
#ifndef WD_INTEL_H
#define WD_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ward.h"

struct wd_arena;
struct wd_buf;
struct wd_jv;
struct wd_intel;

enum wd_intel_type {
    WD_INTEL_IP, /* an address or CIDR block (IPv4 or IPv6) */
    WD_INTEL_DOMAIN,
    WD_INTEL_URL,
    WD_INTEL_MD5,
    WD_INTEL_SHA1,
    WD_INTEL_SHA256,
    WD_INTEL__COUNT,
    WD_INTEL_AUTO = WD_INTEL__COUNT, /* plain lists: each line's type guessed */
    WD_INTEL_HASH,                   /* plain lists: md5, sha1 or sha256 by length */
};

enum wd_intel_format { WD_INTEL_PLAIN, WD_INTEL_SPAMHAUS, WD_INTEL_MISP };

/* "ip", "domain", ... (and "auto", "hash"); -1 when unknown. */
int wd_intel_type_parse(const char *s);
const char *wd_intel_type_name(int type);
int wd_intel_format_parse(const char *s);

/* A parsed list: indicators in normalized text (addresses as CIDR text, domains and hosts
 * lower-case without a trailing dot, URLs with lower-case scheme and host, hashes lower-case
 * hex) with the parsed address for IP indicators. */
struct wd_intel_ind {
    uint8_t type; /* enum wd_intel_type */
    uint8_t bits; /* IP: prefix length over 128 bits (IPv4 as ::ffff:0:0/96 + n) */
    uint8_t addr[16];
    uint32_t off, len; /* the text in the list's pool */
};
struct wd_intel_list {
    struct wd_intel_ind *v;
    size_t n, cap;
    char *pool;
    size_t plen, pcap;
};
void wd_intel_list_free(struct wd_intel_list *l);

/* Called for each bad line or item (line 1-based; 0 when there is none); msg is text. */
typedef void (*wd_intel_err_cb)(void *ud, size_t line, const char *msg);

/*
 * Parses text in `format` and appends its indicators to out. type: for plain lists the
 * type of every line (WD_INTEL_AUTO guesses per line); ignored otherwise. Bad lines are
 * reported through err and skipped (*bad counts them). Returns WD_OK, WD_EPARSE when the
 * whole text is unusable (MISP: not JSON or not a MISP event/manifest) or WD_ENOMEM.
 * A MISP manifest (an object of event UUIDs) gives no indicators: wd_intel_misp_events
 * lists its events.
 */
int wd_intel_parse(const char *text, size_t len, int format, int type, struct wd_intel_list *out,
                   wd_intel_err_cb err, void *ud, size_t *bad);
/* When text is a MISP feed manifest, calls fn for each event UUID and returns WD_OK
 * (WD_EPARSE when it is not one). UUIDs are checked to be [0-9a-fA-F-] only. */
int wd_intel_misp_events(const char *text, size_t len, void (*fn)(void *ud, const char *uuid),
                         void *ud);

/* Normalizes one indicator of a known type into buf (NUL-terminated); false when it is not
 * a valid one. IP: addr and bits are set. */
bool wd_intel_norm(int type, const char *p, size_t len, char *buf, size_t cap, uint8_t addr[16],
                   uint8_t *bits);

/* ---- the merged table ---- */

struct wd_intel_table;
/* Builds a table from lists[i] named names[i]. NULL on allocation failure. */
struct wd_intel_table *wd_intel_table_build(const struct wd_intel_list *const *lists,
                                            const char *const *names, size_t n);
void wd_intel_table_free(struct wd_intel_table *t);
size_t wd_intel_table_count(const struct wd_intel_table *t);
/* One match. */
struct wd_intel_hit {
    const char *indicator, *feed;
    int type;
};
/* Looks value (event text) up as type; appends up to max - *n hits to out. Domains match
 * the name and every parent domain; IPs the longest matching block (every feed having
 * it); URLs and hashes exactly (after normalization). */
void wd_intel_table_match(const struct wd_intel_table *t, int type, const char *p, size_t len,
                          struct wd_intel_hit *out, size_t max, size_t *n);

/* ---- feeds ---- */

/* GETs an http:// or https:// URL within timeout_ms; on WD_OK *body (free it) holds the
 * answer body of a 200 of at most max bytes, else err says why (WD_EINVAL: a bad URL,
 * WD_EIO: anything else). Blocking (the refresh thread). intel_fetch.c. */
int wd_intel_fetch(const char *url, size_t max, int timeout_ms, char **body, size_t *len, char *err,
                   size_t elen);

/* Reads the feeds file (YAML: docs/enrichment.md). Errors as "file:line:col: message" to
 * errs; returns their number (0 = ok, *out set; no feed is loaded yet). */
int wd_intel_new(const char *feeds_file, struct wd_intel **out, FILE *errs);
void wd_intel_free(struct wd_intel *t);
/* Refreshes every feed that is due (every feed when force); the table is rebuilt when one
 * changed. Errors go to errs; returns the number of feeds that failed. */
int wd_intel_refresh(struct wd_intel *t, bool force, FILE *errs);
/* Matches the event's fields; on a hit adds details.intel and the tag threatintel. */
int wd_intel_event(struct wd_intel *t, struct wd_arena *a, struct wd_jv *ev);
/* ward_enrich_intel_{indicators,feed_indicators,refreshes_total,refresh_errors_total,
 * parse_errors_total,lookups_total,hits_total}. */
void wd_intel_render_prom(struct wd_intel *t, struct wd_buf *o);

#endif
