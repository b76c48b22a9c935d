/*
 * lists.h: named lists that filters (filter.h) test values against: IP addresses and
 * CIDR blocks (IPv4 and IPv6), domains (a value matches an entry or any subdomain of it)
 * and plain strings. A list may be backed by a file, in plain lines (`# comments`, first
 * whitespace-separated token per line) or Zeek input-framework TSV (`#fields` header,
 * first column), such as Mozilla's logfilter_ip.txt; files are re-read when they change
 * (wd_lists_reload) and lists can be replaced or edited (the HTTP API), which writes the
 * file back atomically.
 *
 * Thread-safety: one registry is shared by every ingest thread. Lookups take a read
 * lock; edits and reloads build the new content first and swap it under the write lock,
 * so a lookup sees either the old or the new list, never a mix.
 */
#ifndef WD_LISTS_H
#define WD_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_lists;

enum wd_list_type { WD_LIST_IP, WD_LIST_DOMAIN, WD_LIST_STRING };

#define WD_LISTS_MAX 256

/* Returns a new, empty registry; free with wd_lists_free() (NULL is fine). */
struct wd_lists *wd_lists_new(void);
void wd_lists_free(struct wd_lists *l);

/* Maps "ip" / "domain" / "string" to enum wd_list_type; -1 when unknown. */
int wd_list_type_parse(const char *s);
const char *wd_list_type_name(int type);

/*
 * Declares a list. file: backing file (read now; NULL: in-memory only). entries:
 * initial text (plain lines; may be NULL). On a bad file or entry returns WD_EINVAL /
 * WD_EIO with "file:line: why" in err. Returns WD_OK and *id (for wd_lists_match).
 * WD_ELIMIT beyond WD_LISTS_MAX lists; WD_EINVAL when the name exists.
 */
int wd_lists_define(struct wd_lists *l, const char *name, int type, const char *file,
                    const char *entries, int *id, char *err, size_t err_len);

/* Finds a list by name; -1 when unknown. */
int wd_lists_find(const struct wd_lists *l, const char *name);

/* True when value matches list `id` (see the top of this file). Thread-safe. */
bool wd_lists_match(struct wd_lists *l, int id, struct wd_str value);

/*
 * Re-reads every file-backed list whose file changed (inode, size or mtime). A file that
 * no longer parses keeps the old content (the error is logged and counted). Returns the
 * number of lists reloaded. Thread-safe.
 */
int wd_lists_reload(struct wd_lists *l);

/* Edits (the HTTP API). op: 0 replace with `text`, 1 add the entries of `text`, 2 remove
 * them. text: plain lines. The file, when there is one, is rewritten (temp + fsync +
 * rename). Returns WD_OK, WD_ENOENT (no such list), WD_EINVAL (bad entry: err says
 * "line N: why"), WD_EIO (file not writable). Thread-safe. */
int wd_lists_edit(struct wd_lists *l, const char *name, int op, const char *text, size_t len,
                  char *err, size_t err_len);

/* JSON: one list {"name","type","file","count","version","entries":[...]} (name given) or
 * every list without entries (name NULL). Returns WD_OK or WD_ENOENT. */
int wd_lists_json(struct wd_lists *l, const char *name, struct wd_buf *out);

/* Prometheus families: entries per list, reloads, reload errors. */
void wd_lists_render_prom(struct wd_lists *l, struct wd_buf *out);

/*
 * Parses list text (pure; for fuzzing and the loader): checks every entry of `type`,
 * counting them into *count. Returns WD_OK or WD_EINVAL with *bad_line (1-based) and a
 * constant *why.
 */
int wd_lists_check_text(int type, const char *text, size_t len, size_t *count, size_t *bad_line,
                        const char **why);

/* Parses "a.b.c.d", "a.b.c.d/n", IPv6 and IPv6/n into a 16-byte address (IPv4 mapped to
 * ::ffff:a.b.c.d) and a prefix length over those 128 bits. */
bool wd_cidr_parse(const char *p, size_t len, uint8_t addr[16], int *bits);
bool wd_cidr_contains(const uint8_t net[16], int bits, const uint8_t addr[16]);

#endif
