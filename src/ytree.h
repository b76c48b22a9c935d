/*
 * ytree.h: a YAML document as a small tree of scalars, sequences and mappings, each node
 * knowing the line and column it starts at, so that loaders of rule files (and later
 * Sigma and filter files) can report every problem as file:line:col. Built on libyaml's
 * event parser; anchors and aliases are refused (none of our formats need them).
 */
#ifndef WD_YTREE_H
#define WD_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "ward.h"

enum wd_ynode_kind { WD_Y_SCALAR, WD_Y_SEQ, WD_Y_MAP };

struct wd_ynode {
    uint8_t kind;            /* enum wd_ynode_kind */
    bool quoted;             /* SCALAR: written in quotes (so `"10"` is a string, `10` a number) */
    uint32_t line;           /* 1-based */
    uint32_t col;            /* 1-based */
    struct wd_str s;         /* SCALAR: the value, NUL-terminated in the arena */
    uint32_t n;              /* SEQ: items; MAP: pairs */
    struct wd_ynode **items; /* SEQ: n items; MAP: 2n nodes, key then value */
};

/* Where and why a document or a value in it is wrong (1-based line and column). */
struct wd_yerr {
    uint32_t line, col;
    char msg[256];
};

/* Parses one YAML document. On error returns WD_EPARSE with err set. An empty document
 * gives *out == NULL and WD_OK. Nodes live in `arena`. */
int wd_ytree_parse(const char *text, size_t len, struct wd_arena *arena, struct wd_ynode **out,
                   struct wd_yerr *err);
/* Parses every document of a multi-document stream (`---` separated), as Sigma files
 * with several rules are. *out is an arena array of *n roots (empty documents skipped). */
int wd_ytree_parse_all(const char *text, size_t len, struct wd_arena *arena, struct wd_ynode ***out,
                       size_t *n, struct wd_yerr *err);
/* Sets err from node n's position and a printf-style message; returns WD_EINVAL. */
int wd_yerr_at(struct wd_yerr *err, const struct wd_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Mapping lookup by key (first match); NULL when absent or `map` is not a mapping. */
struct wd_ynode *wd_ynode_get(const struct wd_ynode *map, const char *key);
/* A hash of the node's whole content (kinds, scalars, order); equal trees hash equal. */
uint64_t wd_ynode_hash(const struct wd_ynode *n, uint64_t seed);
/* true for a plain (unquoted) scalar spelled null, ~ or empty. */
bool wd_ynode_is_null(const struct wd_ynode *n);

#endif
