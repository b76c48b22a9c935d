/*
 * query.h: ward's query language: a Lucene query_string subset with MozDef's semantics
 * (shared/spec/mozdef-compat.md section d) plus aggregation pipes. wd_query_parse()
 * turns text into a tree of boolean nodes over leaf predicates; the leaf predicates
 * decide, one scalar value at a time, whether a field value matches. Two evaluators
 * share those leaves: wd_query_match_jv() over a decoded event (live tail, tests, the
 * brute-force reference) and the store's columnar evaluator (store_eval.c).
 *
 * Pure functions over (buf, len): no I/O, no logging.
 */
#ifndef WD_QUERY_H
#define WD_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "ward.h"

struct wd_jv;

/* The semantic type of a field (d.1), which decides how a leaf compares a value. */
enum wd_ftype {
    WD_FT_KEYWORD, /* exact, case-sensitive whole value; numbers by their JSON text */
    WD_FT_TEXT,    /* `summary`: analysed into lower-cased word tokens (d.2) */
    WD_FT_IP,      /* details.sourceipaddress / destinationipaddress: compared as addresses */
    WD_FT_DATE,    /* utctimestamp, timestamp, receivedtimestamp: compared as instants */
};

/* Type of a field path (canonical MozDef name, dotted). */
enum wd_ftype wd_qfield_type(const char *path, size_t len);
/* Resolves an ECS alias ("source.ip" -> "details.sourceipaddress"); returns the
 * canonical path (static storage), or NULL when `name` is not an alias. */
const char *wd_qfield_alias(const char *name, size_t len);

/* One scalar value of an event field as the evaluators see it. */
enum wd_qval_type { WD_QV_STR, WD_QV_INT, WD_QV_FLOAT, WD_QV_BOOL };
struct wd_qval {
    uint8_t type;    /* enum wd_qval_type */
    bool b;          /* WD_QV_BOOL */
    int64_t i;       /* WD_QV_INT */
    double f;        /* WD_QV_FLOAT */
    struct wd_str s; /* STR: the text; INT/FLOAT: the JSON literal; BOOL: "true"/"false" */
};

enum wd_qop {
    WD_QOP_TERM,     /* field:value (analysed on text fields; address/CIDR on ip fields) */
    WD_QOP_PHRASE,   /* field:"a phrase" */
    WD_QOP_WILDCARD, /* field:a*b? */
    WD_QOP_REGEX,    /* field:/regex/ (whole value or whole token) */
    WD_QOP_RANGE,    /* [a TO b], {a TO b}, >x, >=x, <x, <=x */
    WD_QOP_EXISTS,   /* _exists_:field, field:* */
};

struct wd_qleaf_priv; /* compiled operand: tokens, address, regex program (query_leaf.c) */

struct wd_qleaf {
    uint8_t op;        /* enum wd_qop */
    const char *field; /* canonical path, NUL-terminated; NULL = every field (bare term) */
    size_t field_len;
    uint64_t field_hash; /* wd_qflat's path hash of field (WD_QFLAT_PATH_SEED), set once */
    uint8_t ftype;       /* enum wd_ftype of `field` (KEYWORD when field is NULL) */
    struct wd_str text;  /* operand as written, unescaped (RANGE: empty) */
    struct wd_qleaf_priv *priv;
};

enum wd_qnode_kind {
    WD_QN_LEAF,
    WD_QN_BOOL,
    WD_QN_ALL,  /* `*` or `*:*`: every event */
    WD_QN_NONE, /* matches nothing (e.g. a term with no tokens) */
};

/*
 * A boolean node, Lucene style. It matches when every `must` child matches, no
 * `must_not` child matches, and, when `should_required` is set, at least one `should`
 * child matches. The parser sets should_required when the node has should children and
 * either no must children or filter-context semantics apply (d.4, d.5); a node made only
 * of must_not children matches every event except those (the implicit match-all).
 */
struct wd_qnode {
    uint8_t kind; /* enum wd_qnode_kind */
    bool should_required;
    uint32_t nmust, nshould, nmust_not;
    struct wd_qnode **must, **should, **must_not;
    struct wd_qleaf leaf; /* WD_QN_LEAF */
};

/* Aggregation pipes: `| stats ...`, `| top N f`, `| timechart SPAN agg by f`, `| sort`,
 * `| head N`, `| fields a, b`, applied in order after the search. */
enum wd_agg_fn {
    WD_AGG_COUNT, /* count() */
    WD_AGG_DC,    /* dc(f): distinct count */
    WD_AGG_SUM,
    WD_AGG_AVG,
    WD_AGG_MIN,
    WD_AGG_MAX,
    WD_AGG_PCT, /* p50(f), p95(f), any pNN */
};

struct wd_aggspec {
    uint8_t fn;        /* enum wd_agg_fn */
    const char *field; /* canonical path; NULL for count() */
    double pct;        /* WD_AGG_PCT: 50, 95, ... */
    const char *name;  /* output column name as written, e.g. "count()", "p95(duration)" */
};

enum wd_pipe_kind {
    WD_PIPE_STATS,
    WD_PIPE_TOP,
    WD_PIPE_TIMECHART,
    WD_PIPE_SORT,
    WD_PIPE_HEAD,
    WD_PIPE_FIELDS,
};

struct wd_sortkey {
    const char *name; /* a column of the table so far (or an event field) */
    bool desc;        /* `sort -x` or `sort x desc` */
};

struct wd_pipe {
    uint8_t kind; /* enum wd_pipe_kind */
    uint32_t naggs;
    struct wd_aggspec *aggs; /* STATS, TIMECHART (default count()) */
    uint32_t nby;
    const char **by;   /* STATS: group fields; TIMECHART: at most one */
    int64_t span_us;   /* TIMECHART bucket width */
    uint32_t n;        /* TOP N (default 10), HEAD N (default 10) */
    const char *field; /* TOP field */
    uint32_t nkeys;
    struct wd_sortkey *keys; /* SORT */
    uint32_t nfields;
    const char **fields; /* FIELDS */
};

/* A parsed query. Everything lives in `arena`. */
struct wd_query {
    struct wd_qnode *root; /* never NULL; WD_QN_NONE for a blank search part */
    uint32_t npipes;
    struct wd_pipe *pipes;
    struct wd_arena arena;
};

/*
 * Parses a query. On error returns WD_EPARSE (or WD_ENOMEM) with err->off the byte
 * column (0-based) of the problem and err->msg saying what was expected
 * ("expected ']' or '}' to close the range", "unknown pipe 'foo'", ...).
 */
int wd_query_parse(const char *text, size_t len, struct wd_query **out, struct wd_perr *err);
void wd_query_free(struct wd_query *q);

/* Whether one scalar value of field `path` (canonical, not NUL-terminated) matches the
 * leaf. For a field-less leaf, `path`'s own type decides the comparison; for a fielded
 * leaf the caller only passes values of leaf->field. EXISTS leaves match any value.
 * For PHRASE on a text field, consecutive tokens are looked for inside this one value. */
bool wd_qleaf_match(const struct wd_qleaf *l, const char *path, size_t path_len,
                    const struct wd_qval *v);

/* Whether `path` is leaf->field or lies below it (object-path semantics for EXISTS). */
bool wd_qleaf_covers(const struct wd_qleaf *l, const char *path, size_t path_len);

/*
 * Index keys for pruning. The store indexes, for every value of a field of type t,
 * the strings wd_qindex_keys() yields (TEXT: each analysed token; IP: the canonical
 * address text; KEYWORD: the whole value's text, when at most WD_QINDEX_MAX_KEY bytes).
 * wd_qleaf_keys() yields the keys of which a value of a field of type `t` must contain
 * at least one (mode ANY) or all (mode ALL) to possibly match; WD_QKEYS_NONE when the
 * leaf cannot be answered from the index (wildcards, regexes, ranges, CIDR, EXISTS).
 */
#define WD_QINDEX_MAX_KEY 256
enum wd_qkeys_mode { WD_QKEYS_NONE, WD_QKEYS_ANY, WD_QKEYS_ALL };
typedef void (*wd_qkey_cb)(void *ctx, const char *key, size_t len);
/* Returns an enum wd_qkeys_mode. ANY with no keys yielded means no value can match. */
int wd_qleaf_keys(const struct wd_qleaf *l, enum wd_ftype t, wd_qkey_cb cb, void *ctx);
void wd_qindex_keys(enum wd_ftype t, const struct wd_qval *v, wd_qkey_cb cb, void *ctx);

/* False when no value of a field of type t can match the leaf (query_type.c): e.g. a bare
 * word against a date field. True when unsure. */
bool wd_qleaf_may_match_type(const struct wd_qleaf *l, enum wd_ftype t);

/* Evaluates the whole boolean tree against one decoded event (an object). */
bool wd_query_match_jv(const struct wd_query *q, const struct wd_jv *event);
bool wd_qnode_match_jv(const struct wd_qnode *n, const struct wd_jv *event);

/*
 * Appends a debugging S-expression of the query to out (tests, fuzzing, `ward query
 * --explain`). Leaves: (term F "x"), (phrase F "x"), (wildcard F "a*"), (regex F "a.*"),
 * (range F [a TO *}), (exists F), with F = `*` for a field-less leaf; (all), (none);
 * (bool (must ...) (should ...) (not ...)), empty lists omitted. Pipes follow, one
 * " | (...)" each. Returns WD_OK or the wd_buf error.
 */
int wd_query_dump(const struct wd_query *q, struct wd_buf *out);
int wd_qnode_dump(const struct wd_qnode *n, struct wd_buf *out);

/* Whether the query has pipes that produce a table instead of hits. */
static inline bool wd_query_is_table(const struct wd_query *q)
{
    return q->npipes > 0;
}

/* The seed of wd_qflat's path hashes (wd_hash64), also of each leaf's field_hash. */
#define WD_QFLAT_PATH_SEED 3

/*
 * The dotted paths a wd_qflat has met, kept across builds (query_path.c): each has an id,
 * its text, its hash, and the object path (parent id) and key it was last reached by.
 * Consecutive events mostly share their structure, or alternate between a few (one per
 * log type), so a cache keyed by (parent, member position, key) answers without joining
 * the path's text or hashing it.
 */
struct wd_qpath {
    uint32_t off, len; /* text */
    uint32_t parent;   /* id of the object path it was reached from (WD_QPATH_ROOT: the event) */
    uint32_t keyoff;   /* where the key starts in its text */
    uint64_t hash;     /* wd_hash64(text, WD_QFLAT_PATH_SEED) */
};
#define WD_QPATH_ROOT  UINT32_MAX
#define WD_QPATH_CACHE 4096 /* direct-mapped: (parent, position, key) -> id */
struct wd_qpaths {
    struct wd_buf text;
    struct wd_qpath *p;
    uint32_t n, cap;
    uint32_t *tab; /* hash -> id + 1 (open addressing; 0 = empty) */
    uint32_t tab_cap;
    uint64_t root_hash;
    uint64_t epoch; /* names this set of ids, unique in the process (caches of ids check it) */
    struct wd_buf scratch;
    uint32_t *cache; /* WD_QPATH_CACHE ids (made by the first miss); one not below n, or
                      * not of this member, misses */
};
/* Forgets every path when the table has grown past its bounds (keys that are data:
 * ids, addresses); ids of earlier builds are invalid afterwards, and epoch changes. */
void wd_qpaths_trim(struct wd_qpaths *t);
/* wd_qpaths_member() past the cache (cache slot `slot`). */
uint32_t wd_qpaths_add(struct wd_qpaths *t, uint32_t parent, uint32_t slot, struct wd_str key);
void wd_qpaths_fini(struct wd_qpaths *t);

static inline uint32_t wd_qpaths_slot(uint32_t parent, uint32_t idx, struct wd_str key)
{
    uint32_t h = parent * 0x9e3779b1u ^ idx * 0x85ebca77u ^ (uint32_t)key.len * 0xc2b2ae3du;
    if (key.len)
        h ^= ((uint32_t)(unsigned char)key.p[0] << 8 | (unsigned char)key.p[key.len - 1]) *
             0x27d4eb2fu;
    return (h ^ h >> 15) & (WD_QPATH_CACHE - 1);
}

/* The id of member `key` (the idx-th member) of the object at path `parent`; UINT32_MAX
 * when out of memory. Inline: the flattener asks for every member of every event. */
static inline uint32_t wd_qpaths_member(struct wd_qpaths *t, uint32_t parent, uint32_t idx,
                                        struct wd_str key)
{
    uint32_t slot = wd_qpaths_slot(parent, idx, key), c = t->cache ? t->cache[slot] : UINT32_MAX;
    if (c < t->n) {
        const struct wd_qpath *q = &t->p[c];
        if (q->parent == parent && q->len - q->keyoff == key.len &&
            wd_bytes_eq(t->text.p + q->off + q->keyoff, key.p, key.len))
            return c;
    }
    return wd_qpaths_add(t, parent, slot, key);
}

/*
 * A decoded event flattened once into (path, scalar value) pairs (arrays contribute
 * their elements under the array's path, null is no value), so that many queries can
 * be evaluated against one event without walking the tree again (the detection engine).
 */
struct wd_qflat_val {
    uint32_t path_off, path_len; /* into pt.text */
    uint32_t path_id;            /* in pt (WD_QPATH_ROOT: the event itself) */
    uint32_t next;               /* next value with the same path hash slot, + 1 (0 = none) */
    uint64_t path_hash;
    uint32_t text_off; /* number text formatted into text (when the literal is absent) */
    bool text_own;
    struct wd_qval v;
};
struct wd_qflat {
    struct wd_qflat_val *v;
    size_t n, cap;
    struct wd_buf text; /* number texts of this event */
    struct wd_qpaths pt;
    bool oom;
    uint32_t *slot; /* path hash -> first value index + 1 */
    uint32_t nslots;
};
void wd_qflat_init(struct wd_qflat *f);
/* Replaces the contents with `event`'s values; WD_ENOMEM leaves it matching nothing. */
int wd_qflat_build(struct wd_qflat *f, const struct wd_jv *event);
void wd_qflat_fini(struct wd_qflat *f);
/* The i-th pair (i < f->n); views into f, valid until the next build. Inline: the
 * prefilter reads every pair of every event. */
static inline void wd_qflat_at(const struct wd_qflat *f, size_t i, struct wd_str *path,
                               struct wd_qval *v)
{
    const struct wd_qflat_val *e = &f->v[i];
    path->p = f->pt.text.p + e->path_off;
    path->len = e->path_len;
    *v = e->v;
    if (e->text_own)
        v->s.p = f->text.p + e->text_off;
}
bool wd_qnode_match_flat(const struct wd_qnode *n, const struct wd_qflat *f);

#endif
