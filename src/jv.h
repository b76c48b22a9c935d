/*
 * jv.h: the decoded JSON value tree every stage after decoding works on. Nodes live in a
 * wd_arena (one per batch); strings are views, either into the decoded input (when no
 * unescaping was needed) or into the arena. Objects and arrays keep their children as
 * a singly linked list in input order, so stages can append, replace and unlink members
 * cheaply. Duplicate keys are kept as decoded (lookups find the first).
 *
 * Numbers keep their literal text (`raw`) so they re-serialize exactly, plus a parsed
 * value: WD_JV_INT when the literal is an integer that fits int64, WD_JV_FLOAT
 * otherwise (fraction, exponent, or an integer outside int64; `is_intlit` then says
 * whether the literal had neither fraction nor exponent).
 */
#ifndef WD_JV_H
#define WD_JV_H

#include <stdbool.h>
#include <stdint.h>

#include "ward.h"

struct wd_arena;
struct wd_buf;

enum wd_jv_type {
    WD_JV_NULL,
    WD_JV_FALSE,
    WD_JV_TRUE,
    WD_JV_INT,
    WD_JV_FLOAT,
    WD_JV_STR,
    WD_JV_ARR,
    WD_JV_OBJ,
};

struct wd_jv {
    struct wd_jv *next; /* next sibling in the parent array/object */
    struct wd_str key;  /* member name when the parent is an object (unescaped) */
    uint8_t type;       /* enum wd_jv_type */
    bool is_intlit;     /* WD_JV_FLOAT only: literal was an integer too big for int64 */
    uint32_t count;     /* ARR/OBJ: number of children */
    union {
        int64_t i;       /* WD_JV_INT */
        double f;        /* WD_JV_FLOAT */
        struct wd_str s; /* WD_JV_STR (unescaped UTF-8) */
        struct {
            struct wd_jv *head, *tail;
        } kids; /* WD_JV_ARR, WD_JV_OBJ */
    } u;
    struct wd_str raw; /* INT/FLOAT: literal text; empty for numbers built in code */
};

/* Constructors: nodes come from the arena; NULL when it is exhausted. */
struct wd_jv *wd_jv_new(struct wd_arena *a, enum wd_jv_type type);
struct wd_jv *wd_jv_str(struct wd_arena *a, const char *p, size_t len);    /* borrows p */
struct wd_jv *wd_jv_strdup(struct wd_arena *a, const char *p, size_t len); /* copies p */
struct wd_jv *wd_jv_int(struct wd_arena *a, int64_t v);
struct wd_jv *wd_jv_float(struct wd_arena *a, double v);
struct wd_jv *wd_jv_bool(struct wd_arena *a, bool v);

/* Appends `v` to an array, or as member `key` (borrowed) of an object. Inline: the
 * decoder calls it for every value. */
static inline void wd_jv_push(struct wd_jv *arr, struct wd_jv *v)
{
    v->next = NULL;
    if (arr->u.kids.tail)
        arr->u.kids.tail->next = v;
    else
        arr->u.kids.head = v;
    arr->u.kids.tail = v;
    arr->count++;
}
void wd_jv_add(struct wd_jv *obj, struct wd_str key, struct wd_jv *v);
/* Sets member `key`: replaces the first member with that key in place, else appends. */
void wd_jv_set(struct wd_jv *obj, struct wd_str key, struct wd_jv *v);
/* Unlinks the first member named key; returns it or NULL. */
struct wd_jv *wd_jv_del(struct wd_jv *obj, struct wd_str key);

/* Whether two trees are identical: types, keys, order, number literals and values bit for
 * bit (so 0.0 and -0.0 differ), strings by their bytes (not where they live). */
bool wd_jv_same(const struct wd_jv *a, const struct wd_jv *b);

/* Looks up a member by name (first match); NULL when absent or obj is not an object. */
struct wd_jv *wd_jv_get(const struct wd_jv *obj, const char *key);
struct wd_jv *wd_jv_getn(const struct wd_jv *obj, struct wd_str key);
/* Looks up a dotted path ("details.sourceipaddress") through nested objects. */
struct wd_jv *wd_jv_path(const struct wd_jv *obj, const char *path);

/*
 * Python str() rendering of a scalar, used wherever MozDef converts a value to text:
 * strings as-is, integers in decimal, floats in shortest round-trip form (`1.5`, `1e+16`),
 * `True`/`False`, `None`; containers as compact JSON. Appends to `out`.
 */
int wd_jv_text(const struct wd_jv *v, struct wd_buf *out);
/*
 * Renders a double the way Python's repr() does ("1.0", "1e-05", "inf") into out, with a
 * NUL. Returns the length (>= 0, without the NUL), or WD_ELIMIT when out_len is too small
 * (32 bytes always suffice).
 */
int wd_jv_fmt_double(double d, char *out, size_t out_len);

/*
 * Serializes compact JSON (no spaces) to `out`. Numbers with `raw` text are copied; built
 * floats use the shortest round-trip form, non-finite ones become null. On failure
 * (WD_ELIMIT, WD_ENOMEM) `out` keeps its previous length. `out` stays NUL-terminated.
 */
int wd_jv_write(const struct wd_jv *v, struct wd_buf *out);
/* Length of the JSON object starting at p after blanks (brackets balanced outside
 * strings; not validated), or 0 when p does not start one or it is cut short. Splits
 * concatenated pretty-printed objects (`ward rules test`, the Sigma regression data). */
size_t wd_json_object_span(const char *p, size_t len);
/* Appends a JSON string literal with escaping; invalid UTF-8 bytes become U+FFFD. */
int wd_jv_write_str(const char *p, size_t len, struct wd_buf *out);

#endif
