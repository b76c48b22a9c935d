/*
 * ytree.c: builds the wd_ynode tree of ytree.h from libyaml's event stream. Recursion
 * depth is bounded (a hostile file cannot exhaust the stack) and so is the node count
 * through the arena's cap.
 */
#include "ytree.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

struct ybuild {
    yaml_parser_t p;
    struct wd_arena *a;
    struct wd_yerr *err;
};

int wd_yerr_at(struct wd_yerr *err, const struct wd_ynode *n, const char *fmt, ...)
{
    va_list ap;
    err->line = n ? n->line : 1;
    err->col = n ? n->col : 1;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above */
    (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return WD_EINVAL;
}

static int fail(struct ybuild *b, const yaml_mark_t *m, const char *msg)
{
    b->err->line = (uint32_t)m->line + 1;
    b->err->col = (uint32_t)m->column + 1;
    snprintf(b->err->msg, sizeof(b->err->msg), "%s", msg);
    return WD_EPARSE;
}

static int next(struct ybuild *b, yaml_event_t *ev)
{
    if (yaml_parser_parse(&b->p, ev))
        return WD_OK;
    const yaml_mark_t *m = b->p.problem_mark.line || b->p.problem_mark.column ? &b->p.problem_mark
                                                                              : &b->p.context_mark;
    char msg[200];
    snprintf(msg, sizeof(msg), "%s%s%s", b->p.problem ? b->p.problem : "invalid YAML",
             b->p.context ? " " : "", b->p.context ? b->p.context : "");
    return fail(b, m, msg);
}

static struct wd_ynode *node_new(struct ybuild *b, uint8_t kind, const yaml_mark_t *m)
{
    struct wd_ynode *n = wd_arena_alloc(b->a, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = (uint32_t)m->line + 1;
    n->col = (uint32_t)m->column + 1;
    return n;
}

/* Appends to a growing item array kept in the arena (doubling; old arrays are garbage
 * until the arena is reset, which is fine for small documents). */
static int push(struct ybuild *b, struct wd_ynode *parent, uint32_t *cap, struct wd_ynode *kid,
                uint32_t count)
{
    if (count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 8;
        struct wd_ynode **g = wd_arena_alloc(b->a, ncap * sizeof(struct wd_ynode *));
        if (!g)
            return WD_ENOMEM;
        if (count)
            memcpy(g, parent->items, count * sizeof(struct wd_ynode *));
        parent->items = g;
        *cap = ncap;
    }
    parent->items[count] = kid;
    return WD_OK;
}

static int build(struct ybuild *b, yaml_event_t *ev, struct wd_ynode **out, int depth);

static int build_kids(struct ybuild *b, struct wd_ynode *n, yaml_event_type_t end, int depth)
{
    uint32_t cap = 0, count = 0;
    for (;;) {
        yaml_event_t ev;
        int rc = next(b, &ev);
        if (rc)
            return rc;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        struct wd_ynode *kid = NULL;
        rc = build(b, &ev, &kid, depth + 1);
        yaml_event_delete(&ev);
        if (rc == WD_OK)
            rc = push(b, n, &cap, kid, count);
        if (rc)
            return rc;
        count++;
    }
    n->n = n->kind == WD_Y_MAP ? count / 2 : count;
    return WD_OK;
}

static int build(struct ybuild *b, yaml_event_t *ev, struct wd_ynode **out, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(b, &ev->start_mark, "nesting too deep");
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        struct wd_ynode *n = node_new(b, WD_Y_SCALAR, &ev->start_mark);
        if (!n)
            return WD_ENOMEM;
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        n->s.len = ev->data.scalar.length;
        n->s.p = wd_arena_strndup(b->a, (const char *)ev->data.scalar.value, n->s.len);
        if (!n->s.p)
            return WD_ENOMEM;
        *out = n;
        return WD_OK;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        struct wd_ynode *n = node_new(b, seq ? WD_Y_SEQ : WD_Y_MAP, &ev->start_mark);
        if (!n)
            return WD_ENOMEM;
        *out = n;
        return build_kids(b, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth);
    }
    case YAML_ALIAS_EVENT:
        return fail(b, &ev->start_mark, "aliases are not supported");
    default:
        return fail(b, &ev->start_mark, "unexpected YAML event");
    }
}

/* Reads the events of one document after DOCUMENT-START: its root, then DOCUMENT-END. */
static int document(struct ybuild *b, struct wd_ynode **root)
{
    yaml_event_t ev;
    int rc = next(b, &ev);
    if (rc)
        return rc;
    *root = NULL;
    if (ev.type != YAML_DOCUMENT_END_EVENT) {
        rc = build(b, &ev, root, 0);
        yaml_event_delete(&ev);
        if (rc)
            return rc;
        if ((rc = next(b, &ev)))
            return rc;
    }
    yaml_event_delete(&ev);
    return WD_OK;
}

int wd_ytree_parse_all(const char *text, size_t len, struct wd_arena *arena, struct wd_ynode ***out,
                       size_t *n, struct wd_yerr *err)
{
    struct ybuild b = {.a = arena, .err = err};
    memset(err, 0, sizeof(*err));
    *out = NULL;
    *n = 0;
    if (!yaml_parser_initialize(&b.p))
        return WD_ENOMEM;
    yaml_parser_set_input_string(&b.p, (const unsigned char *)text, len);
    int rc;
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        if ((rc = next(&b, &ev)))
            break;
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t != YAML_DOCUMENT_START_EVENT)
            continue;
        struct wd_ynode *root;
        if ((rc = document(&b, &root)))
            break;
        if (!root)
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct wd_ynode **g = wd_arena_alloc(arena, ncap * sizeof(struct wd_ynode *));
            if (!g) {
                rc = WD_ENOMEM;
                break;
            }
            if (*n)
                memcpy(g, *out, *n * sizeof(struct wd_ynode *));
            *out = g;
            cap = ncap;
        }
        (*out)[(*n)++] = root;
    }
    yaml_parser_delete(&b.p);
    return rc;
}

int wd_ytree_parse(const char *text, size_t len, struct wd_arena *arena, struct wd_ynode **out,
                   struct wd_yerr *err)
{
    struct wd_ynode **docs;
    size_t n;
    int rc = wd_ytree_parse_all(text, len, arena, &docs, &n, err);
    if (rc)
        return rc;
    if (n > 1) {
        err->line = docs[1]->line;
        err->col = docs[1]->col;
        snprintf(err->msg, sizeof(err->msg), "expected one YAML document, found %zu", n);
        return WD_EPARSE;
    }
    *out = n ? docs[0] : NULL;
    return WD_OK;
}

struct wd_ynode *wd_ynode_get(const struct wd_ynode *map, const char *key)
{
    if (!map || map->kind != WD_Y_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->n; i++) {
        const struct wd_ynode *k = map->items[2 * (size_t)i];
        if (k->kind == WD_Y_SCALAR && strcmp(k->s.p, key) == 0)
            return map->items[2 * (size_t)i + 1];
    }
    return NULL;
}

bool wd_ynode_is_null(const struct wd_ynode *n)
{
    if (!n)
        return true;
    if (n->kind != WD_Y_SCALAR || n->quoted)
        return false;
    return n->s.len == 0 || strcmp(n->s.p, "null") == 0 || strcmp(n->s.p, "~") == 0 ||
           strcmp(n->s.p, "Null") == 0 || strcmp(n->s.p, "NULL") == 0;
}

uint64_t wd_ynode_hash(const struct wd_ynode *n, uint64_t seed)
{
    if (!n)
        return seed;
    uint8_t tag[2] = {n->kind, n->quoted};
    uint64_t h = wd_hash64(tag, sizeof(tag), seed);
    if (n->kind == WD_Y_SCALAR)
        return wd_hash64(n->s.p, n->s.len, h);
    uint32_t k = n->kind == WD_Y_MAP ? 2 * n->n : n->n;
    for (uint32_t i = 0; i < k; i++)
        h = wd_ynode_hash(n->items[i], h);
    return h;
}
