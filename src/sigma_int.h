/*
 * sigma_int.h: private to the Sigma subsystem (sigma*.c): the compiled predicate.
 * A rule is a condition tree over search identifiers; an identifier is an OR of maps
 * (a list of maps) or a keyword list; a map is an AND of field tests; a field test is an
 * OR (or with `all` an AND) of value tests. Value tests carry their modifiers compiled:
 * string patterns are stored lower-cased (unless cased) with wildcard markers.
 */
#ifndef WD_SIGMA_INT_H
#define WD_SIGMA_INT_H

#include "sigma.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Marker bytes inside compiled string patterns (Sigma values never hold them). */
#define SG_STAR  '\x01' /* `*`: any run */
#define SG_QMARK '\x02' /* `?`: one character */
#define SG_DASH  '\x03' /* windash: one of - / en dash, em dash, horizontal bar */

enum sg_vkind {
    SV_STR,      /* pattern (with markers) */
    SV_RE,       /* PCRE2, unanchored search */
    SV_CIDR,     /* network */
    SV_NUM,      /* numeric comparison lt/lte/gt/gte */
    SV_NULL,     /* field absent or null */
    SV_EXISTS,   /* field present (b) or absent (!b) */
    SV_FIELDREF, /* equal to another field's value */
    SV_TIME,     /* minute/hour/day/week/month/year of a date field equals num */
};

enum sg_cmp { SC_LT, SC_LTE, SC_GT, SC_GTE, SC_EQ };
enum sg_tpart { ST_MINUTE, ST_HOUR, ST_DAY, ST_WEEK, ST_MONTH, ST_YEAR };

struct sg_val {
    uint8_t kind; /* enum sg_vkind */
    bool cased;   /* STR/FIELDREF: case-sensitive */
    bool neq;     /* negate the test (neq modifier) */
    bool exists;  /* EXISTS */
    uint8_t cmp;  /* NUM: enum sg_cmp */
    uint8_t tpart;
    uint8_t plain;     /* STR fast path: 0 glob, 1 exact, 2 prefix, 3 suffix, 4 contains */
    char *pat;         /* STR: pattern; FIELDREF: mapped path */
    size_t len;        /* of pat (may hold NULs after wide) */
    const char *lit;   /* STR fast paths: the literal part of pat */
    size_t lit_len;    /* ... and its length */
    uint64_t ref_hash; /* FIELDREF: hash of the lower-cased path */
    pcre2_code *re;
    uint8_t net[16];
    unsigned plen; /* CIDR prefix (over the v4-mapped 128-bit form) */
    double num;
};

struct sg_field {
    char *path;      /* mapped ward path; NULL = keyword (every value) */
    size_t path_len; /* strlen(path) */
    uint64_t hash;   /* of the lower-cased path */
    bool all;        /* values AND-ed */
    struct sg_val *v;
    uint32_t nv;
};

struct sg_map {
    struct sg_field *f;
    uint32_t nf;
};

struct sg_ident {
    char *name;
    struct sg_map *m; /* OR of maps */
    uint32_t nm;
};

enum sg_nkind { SN_AND, SN_OR, SN_NOT, SN_IDENT, SN_TRUE, SN_FALSE, SN_PRED, SN_OF };

struct sg_node {
    uint8_t kind; /* enum sg_nkind */
    uint32_t n;
    uint32_t need; /* OF: at least this many kids match */
    struct sg_node **kid;
    const struct sg_ident *id;  /* IDENT */
    const struct wd_sigma *sub; /* PRED: another predicate (OR of base rules, filters) */
};

struct wd_sigma {
    uint32_t refs;
    struct sg_ident *ids;
    uint32_t nids;
    struct sg_node *cond;   /* detection condition */
    struct sg_node *ls;     /* logsource condition (NULL = none) */
    uint32_t ls_id;         /* rules with the same logsource condition share it: the
                               per-event memo of its result (wd_sigma_ev.ls_*) */
    struct sg_node **nodes; /* every node, for freeing */
    uint32_t nnodes, capnodes;
    struct wd_sigma **subs; /* referenced predicates */
    uint32_t nsubs;
    char **lits;       /* prefilter literals (lower-cased) */
    char **lit_fields; /* ... the lower-cased field path of each, NULL = any field */
    uint32_t nlits;
    bool has_lits;
};

/* sigma_match.c */
bool wd_sg_node_match(const struct sg_node *n, struct wd_sigma_ev *ev);
uint64_t wd_sg_path_hash(const char *p, size_t len);
/* Matches a value test against one string value. */
bool wd_sg_str_match(const struct sg_val *v, const char *s, size_t len);

/* sigma_cond.c: parses a condition over the identifiers; NULL with *msg on error. */
struct sg_node *wd_sg_cond_parse(struct wd_sigma *s, const char *text, const char **msg);
struct sg_node *wd_sg_node_new(struct wd_sigma *s, uint8_t kind);
void wd_sg_node_add(struct sg_node *n, struct sg_node *kid);

/* sigma_lit.c: computes s->lits. */
void wd_sg_literals(struct wd_sigma *s);

#endif
