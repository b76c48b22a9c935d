/*
 * lre.h: a small engine for Lucene's regular expression syntax (RegExp with all flags,
 * as Elasticsearch's query_string uses it; spec d.4), written for ward: no PCRE, no POSIX
 * regex. A pattern matches the WHOLE subject (there are no anchors).
 *
 * Syntax: literal characters, `.` (any character), `?` `*` `+` `{n}` `{n,}` `{n,m}`, `|`,
 * `( )` (`()` is the empty string), classes `[abc]` `[a-z]` `[^...]`, `\` escaping the
 * next character (`\d` is the letter d), `"..."` a literal string, `#` the empty language,
 * `@` any string, `~` complement, `&` intersection, `<n-m>` a decimal interval (fixed
 * width when both bounds are written with the same number of digits, otherwise any number
 * of leading zeros). Parsing mirrors Lucene's recursive descent, including its corner cases
 * (a leading `*` or `|` is a literal character, `[]a]` is a class of `]` and `a`).
 * Named automata `<name>` are not supported (an error, as in Elasticsearch).
 *
 * Matching works on code points with position sets (one bit per position of the subject):
 * each operator maps the set of start positions to the set of end positions, so the
 * cost is polynomial in the subject length (no exponential backtracking); `&` and `~`
 * evaluate per start position. Repeat counts are limited to WD_LRE_MAX_REPEAT, nesting to
 * WD_LRE_MAX_DEPTH, and patterns whose estimated work is too high (about three nested
 * loops, counting `*`, `+`, `~` and `&`) are refused as "regular expression too complex";
 * stacked simple quantifiers (`a**`, `(a+)?`) collapse into one.
 *
 * A compiled program is immutable and may be shared between threads.
 */
#ifndef WD_LRE_H
#define WD_LRE_H

#include <stdbool.h>
#include <stddef.h>

#include "ward.h"

struct wd_arena;
struct wd_lre;

#define WD_LRE_MAX_REPEAT 1000
#define WD_LRE_MAX_DEPTH  64
#define WD_LRE_MAX_LEN    4096 /* pattern bytes */

/*
 * Compiles pat[0..len). The program lives in arena `a` (borrowed: valid until the arena
 * is reset). Returns WD_OK, WD_EPARSE (err->off: byte offset in the pattern, err->msg a
 * constant text) or WD_ENOMEM. err may be NULL.
 */
int wd_lre_compile(const char *pat, size_t len, struct wd_arena *a, struct wd_lre **out,
                   struct wd_perr *err);

/* Whether the whole of s[0..len) matches. Thread-safe; allocates only for subjects of
 * more than about 1000 characters (false if that allocation fails). */
bool wd_lre_match(const struct wd_lre *re, const char *s, size_t len);

#endif
