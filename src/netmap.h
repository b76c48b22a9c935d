/*
 * netmap.h: the network table of the enrichment stage (docs/enrichment.md): CIDR blocks
 * (IPv4 and IPv6) tagged with site, environment and owner, looked up by longest-prefix
 * match in a binary trie. Text format: one `CIDR,site,environment,owner` per line (fields
 * after the CIDR optional), `#` comments, blank lines, an optional header line starting
 * with `cidr`. The parser is a pure function over (buf, len): no I/O, no logging.
 * A loaded table is immutable (share it between threads; swap it to reload).
 */
#ifndef WD_NETMAP_H
#define WD_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_netmap;

/* One row: strings are NUL-terminated and owned by the table. */
struct wd_netmap_entry {
    const char *cidr, *site, *environment, *owner;
};

/* Called for each bad line (1-based); msg is constant text. */
typedef void (*wd_netmap_err_cb)(void *ud, size_t line, const char *msg);

/*
 * Parses a table. Every bad line is reported through err (may be NULL) and skipped;
 * returns WD_OK with *out a new table (free with wd_netmap_free()) when there was no bad
 * line, WD_EPARSE (with *out NULL) when there was, WD_ENOMEM on allocation failure.
 * *bad (may be NULL) receives the number of bad lines.
 */
int wd_netmap_parse(const char *text, size_t len, struct wd_netmap **out, wd_netmap_err_cb err,
                    void *ud, size_t *bad);
void wd_netmap_free(struct wd_netmap *m);
size_t wd_netmap_count(const struct wd_netmap *m);

/* Longest-prefix match of an address given as text (IPv4 or IPv6, no prefix); NULL when
 * the text is not an address or no block contains it. Borrowed from the table. */
const struct wd_netmap_entry *wd_netmap_lookup(const struct wd_netmap *m, const char *p,
                                               size_t len);

#endif
