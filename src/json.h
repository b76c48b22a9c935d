/*
 * json.h: strict JSON decoding into a wd_jv tree, a C API over simdjson (implemented in
 * json.cc, the one C++ file of the project). Pure functions: no I/O, no logging.
 *
 * Invariants:
 * - The decoder accepts exactly RFC 8259 JSON (one value, surrounding whitespace allowed),
 *   verified against JSONTestSuite; see json.cc for the implementation-defined cases.
 * - Strings and number literals in the tree are views into the input whenever possible, so
 *   the input must outlive every use of the tree. Unescaped strings are copied to the arena.
 * - Thread-safe: each thread uses its own thread_local parser and scratch buffer.
 */
#ifndef WD_JSON_H
#define WD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "ward.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wd_arena;
struct wd_jv;

/* Bytes that may be read past the end of the input without a copy (>= SIMDJSON_PADDING). */
#define WD_JSON_PADDING 64
/* Hard cap on nesting: max_depth above it is clamped (the tree is built recursively). */
#define WD_JSON_DEPTH_CAP 1024

/*
 * Parses one JSON document p[0..len) into a tree allocated in `a`.
 *   readable: bytes readable from p (>= len). When readable - len >= WD_JSON_PADDING the
 *             input is parsed in place; otherwise it is copied to a thread-local buffer.
 *   max_depth: maximum nesting of arrays/objects (1 = `[1]` is fine, `[[1]]` is not);
 *              0 means WD_JSON_DEPTH_CAP; values above WD_JSON_DEPTH_CAP are clamped.
 *   out: OUT: the root value, valid while `a` is not reset and p is alive (strings and
 *        number literals without escapes point into p).
 *   err: OUT (may be NULL): on failure, code, byte offset (best effort, exact for syntax
 *        errors) and a constant message.
 * Numbers: INT when the literal is an integer fitting int64, else FLOAT (is_intlit when it
 * had no fraction or exponent). Literals beyond the double range (1e999, 400-digit integers)
 * are accepted and stored as +-inf (or 0 on underflow); `raw` keeps the exact text, so they
 * re-serialize unchanged. Lone UTF-16 surrogates in \u escapes become U+FFFD.
 * Returns WD_OK, WD_EPARSE (bad JSON, invalid UTF-8), WD_ELIMIT (nesting deeper than
 * max_depth, or input too large for simdjson) or WD_ENOMEM (arena cap reached or the
 * scratch buffer cannot grow). On failure *out is NULL and the arena may hold garbage.
 */
int wd_json_parse(const char *p, size_t len, size_t readable, uint32_t max_depth,
                  struct wd_arena *a, struct wd_jv **out, struct wd_perr *err);

/*
 * wd_json_parse() for text mostly in the compact form wd_jv_write() gives (WAL records;
 * most shippers' NDJSON too): such a document is decoded by one scalar pass
 * (json_compact.c), anything else by wd_json_parse(). Same arguments, same results (tree
 * or error) for every input.
 */
int wd_json_parse_compact(const char *p, size_t len, size_t readable, uint32_t max_depth,
                          struct wd_arena *a, struct wd_jv **out, struct wd_perr *err);
/* The scalar pass alone: WD_OK with the tree wd_json_parse() would build, or WD_EAGAIN
 * (nothing left allocated in `a`) when p[0..len) is not in its subset (json_compact.c).
 * No padding needed. */
int wd_json_decode_compact(const char *p, size_t len, uint32_t max_depth, struct wd_arena *a,
                           struct wd_jv **out);
/*
 * Checks p[0..len) with a slow, strict scalar validator (the one that locates errors for
 * wd_json_parse) without building anything; no padding needed. Same acceptance rules,
 * codes, offsets and messages as wd_json_parse. For error reporting and differential
 * tests; use wd_json_parse on the hot path. err may be NULL.
 */
int wd_json_validate(const char *p, size_t len, uint32_t max_depth, struct wd_perr *err);

/* Returns whether p[0..len) is valid UTF-8 (nonzero) or not (0). Thread-safe. */
int wd_json_valid_utf8(const char *p, size_t len);

/*
 * Frees this thread's parsers and scratch buffer. Optional: they are freed at thread exit
 * anyway, but they keep the size of the largest document seen, so a thread that parsed
 * one huge document may call this to give the memory back.
 */
void wd_json_thread_fini(void);

#ifdef __cplusplus
}
#endif

#endif
