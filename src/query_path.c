/*
 * query_path.c: the dotted paths of wd_qflat (struct wd_qpaths, query.h), interned once
 * and found again through a cache by (parent path, member position, key), so flattening
 * an event of a structure seen before neither joins path texts nor hashes them.
 *
 * A path is known by its text alone: the root key "a.b" and the member b of object a
 * are one path, as they are one path to a query. Members of an object whose path is
 * empty (the key "") have their own key as path, without a dot (as query_jv.c always
 * joined them). A cache hit is checked against the
 * id's own parent and key, so a stale or colliding entry costs a lookup, never a wrong
 * path.
 */
#include <string.h>

#include "query.h"

#define MAX_PATHS 16384 /* wd_qpaths_trim: more paths than this are data, not structure */
#define MAX_TEXT  (1u << 20)

static uint64_t new_epoch(void)
{
    static uint64_t last;
    return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

void wd_qpaths_trim(struct wd_qpaths *t)
{
    if (!t->epoch)
        t->epoch = new_epoch();
    if (t->n <= MAX_PATHS && t->text.len <= MAX_TEXT)
        return;
    t->epoch = new_epoch();
    t->n = 0; /* every cached id is now >= n: a miss */
    t->text.len = 0;
    if (t->tab)
        memset(t->tab, 0, t->tab_cap * sizeof(*t->tab));
}

static bool grow_tab(struct wd_qpaths *t)
{
    uint32_t cap = t->tab_cap ? t->tab_cap * 2 : 256;
    uint32_t *tab = calloc(cap, sizeof(*tab));
    if (!tab)
        return false;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t k = (uint32_t)t->p[i].hash & (cap - 1);
        while (tab[k])
            k = (k + 1) & (cap - 1);
        tab[k] = i + 1;
    }
    free(t->tab);
    t->tab = tab;
    t->tab_cap = cap;
    return true;
}

/* The id of the path with text s (hash h), added when new; UINT32_MAX: out of memory. */
static uint32_t intern(struct wd_qpaths *t, const char *s, uint32_t len, uint64_t h)
{
    if ((t->n + 1) * 2 > t->tab_cap && !grow_tab(t))
        return UINT32_MAX;
    uint32_t mask = t->tab_cap - 1, k = (uint32_t)h & mask;
    for (uint32_t e; (e = t->tab[k]); k = (k + 1) & mask) {
        const struct wd_qpath *q = &t->p[e - 1];
        if (q->hash == h && q->len == len && memcmp(t->text.p + q->off, s, len) == 0)
            return e - 1;
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        struct wd_qpath *p = realloc(t->p, cap * sizeof(*p));
        if (!p)
            return UINT32_MAX;
        t->p = p;
        t->cap = cap;
    }
    uint32_t off = (uint32_t)t->text.len;
    if (wd_buf_append(&t->text, s, len) != WD_OK)
        return UINT32_MAX;
    t->p[t->n] = (struct wd_qpath){.off = off, .len = len, .hash = h};
    t->tab[k] = t->n + 1;
    return t->n++;
}

uint32_t wd_qpaths_add(struct wd_qpaths *t, uint32_t parent, uint32_t slot, struct wd_str key)
{
    if (!t->cache && !(t->cache = calloc(WD_QPATH_CACHE, sizeof(*t->cache))))
        return UINT32_MAX;
    /* the text: the parent's, a dot, the key (joined aside: interning may move text) */
    struct wd_buf *b = &t->scratch;
    b->len = 0;
    if (parent != WD_QPATH_ROOT && t->p[parent].len) { /* under an empty key: no dot */
        const struct wd_qpath *q = &t->p[parent];
        if (wd_buf_append(b, t->text.p + q->off, q->len) != WD_OK ||
            wd_buf_append(b, ".", 1) != WD_OK)
            return UINT32_MAX;
    }
    uint32_t keyoff = (uint32_t)b->len;
    if (wd_buf_append(b, key.p, key.len) != WD_OK || b->len > UINT32_MAX / 2)
        return UINT32_MAX;
    uint32_t c = intern(t, b->p, (uint32_t)b->len, wd_hash64(b->p, b->len, WD_QFLAT_PATH_SEED));
    if (c == UINT32_MAX)
        return c;
    /* the route it was reached by now: a path with a dotted key has two */
    t->p[c].parent = parent;
    t->p[c].keyoff = keyoff;
    t->cache[slot] = c;
    return c;
}

void wd_qpaths_fini(struct wd_qpaths *t)
{
    wd_buf_fini(&t->text);
    wd_buf_fini(&t->scratch);
    free(t->p);
    free(t->tab);
    free(t->cache);
    memset(t, 0, sizeof(*t));
}
