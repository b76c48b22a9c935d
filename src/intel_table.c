/*
 * intel_table.c: the merged threat-intel table (intel.h): every feed's indicators copied
 * into one pool; IP blocks in a binary trie over 128-bit keys (longest-prefix match, each
 * node a chain of the feeds having that block), the other types in one open-addressing
 * hash table keyed by (type, normalized text).
 */
#include <stdlib.h>
#include <string.h>

#include "intel.h"
#include "lists.h"

struct entry {
    uint32_t off, len; /* text in the pool */
    uint16_t feed;
    uint8_t type;
    int32_t next; /* trie: the next entry with the same block, -1 = none */
};

struct node {
    uint32_t kid[2];
    int32_t entry; /* first entry of the chain, -1 = none */
};

struct wd_intel_table {
    struct entry *e;
    size_t ne;
    char *pool;
    char **feeds;
    size_t nfeeds;
    uint32_t *slot; /* entry index + 1; 0 = empty */
    size_t mask;
    struct node *n;
    size_t nn, ncap;
    /* IPv4 lookups start at the node of ::ffff:0:0/96 (0 = none) with the deepest entry
     * on the way there, instead of walking 96 fixed bits each time */
    uint32_t v4node;
    int32_t v4best;
};

static uint64_t hash(int type, const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)type;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static int add_node(struct wd_intel_table *t)
{
    if (t->nn == t->ncap) {
        size_t cap = t->ncap ? t->ncap * 2 : 256;
        struct node *nn = realloc(t->n, cap * sizeof(*nn));
        if (!nn)
            return -1;
        t->n = nn;
        t->ncap = cap;
    }
    t->n[t->nn] = (struct node){{0, 0}, -1};
    return (int)t->nn++;
}

/* 1 = inserted, 0 = the same block twice in one feed (skipped), -1 = out of memory. */
static int trie_insert(struct wd_intel_table *t, const uint8_t a[16], int bits, int32_t ei)
{
    uint32_t at = 0;
    for (int i = 0; i < bits; i++) {
        int b = a[i / 8] >> (7 - i % 8) & 1;
        if (!t->n[at].kid[b]) {
            int k = add_node(t);
            if (k < 0)
                return -1;
            t->n[at].kid[b] = (uint32_t)k;
        }
        at = t->n[at].kid[b];
    }
    for (int32_t j = t->n[at].entry; j >= 0; j = t->e[j].next)
        if (t->e[j].feed == t->e[ei].feed)
            return 0;
    t->e[ei].next = t->n[at].entry;
    t->n[at].entry = ei;
    return 1;
}

/* Returns false when the same (type, text, feed) is already there. */
static bool hash_insert(struct wd_intel_table *t, int32_t ei)
{
    const struct entry *e = &t->e[ei];
    for (size_t i = hash(e->type, t->pool + e->off, e->len) & t->mask;; i = (i + 1) & t->mask) {
        if (!t->slot[i]) {
            t->slot[i] = (uint32_t)ei + 1;
            return true;
        }
        const struct entry *o = &t->e[t->slot[i] - 1];
        if (o->type == e->type && o->feed == e->feed && o->len == e->len &&
            memcmp(t->pool + o->off, t->pool + e->off, e->len) == 0)
            return false;
    }
}

struct wd_intel_table *wd_intel_table_build(const struct wd_intel_list *const *lists,
                                            const char *const *names, size_t n)
{
    struct wd_intel_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    size_t total = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        total += lists[i] ? lists[i]->n : 0;
        bytes += lists[i] ? lists[i]->plen : 0;
    }
    size_t slots = 16;
    while (slots < total * 2)
        slots *= 2;
    t->e = malloc((total + 1) * sizeof(*t->e));
    t->pool = malloc(bytes + 1);
    t->feeds = calloc(n + 1, sizeof(*t->feeds));
    t->slot = calloc(slots, sizeof(*t->slot));
    t->mask = slots - 1;
    if (!t->e || !t->pool || !t->feeds || !t->slot || add_node(t) < 0)
        goto fail;
    size_t pl = 0;
    for (size_t f = 0; f < n; f++) {
        t->feeds[f] = strdup(names[f]);
        if (!t->feeds[f])
            goto fail;
        t->nfeeds = f + 1;
        const struct wd_intel_list *l = lists[f];
        if (!l)
            continue;
        if (l->plen)
            memcpy(t->pool + pl, l->pool, l->plen); /* an empty list has no pool */
        for (size_t i = 0; i < l->n; i++) {
            const struct wd_intel_ind *d = &l->v[i];
            int32_t ei = (int32_t)t->ne;
            t->e[ei] = (struct entry){(uint32_t)(pl + d->off), d->len, (uint16_t)f, d->type, -1};
            if (d->type == WD_INTEL_IP) {
                int r = trie_insert(t, d->addr, d->bits, ei);
                if (r < 0)
                    goto fail;
                t->ne += r == 1;
            } else if (hash_insert(t, ei)) {
                t->ne++;
            }
        }
        pl += l->plen;
    }
    static const uint8_t v4pre[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    t->v4best = t->n[0].entry;
    uint32_t at = 0;
    for (int i = 0; i < 96 && at != UINT32_MAX; i++) {
        uint32_t k = t->n[at].kid[v4pre[i / 8] >> (7 - i % 8) & 1];
        at = k ? k : UINT32_MAX;
        if (k && t->n[k].entry >= 0)
            t->v4best = t->n[k].entry;
    }
    t->v4node = at == UINT32_MAX ? 0 : at;
    return t;
fail:
    wd_intel_table_free(t);
    return NULL;
}

void wd_intel_table_free(struct wd_intel_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nfeeds; i++)
        free(t->feeds[i]);
    free(t->feeds);
    free(t->e);
    free(t->pool);
    free(t->slot);
    free(t->n);
    free(t);
}

size_t wd_intel_table_count(const struct wd_intel_table *t)
{
    return t ? t->ne : 0;
}

static void emit(const struct wd_intel_table *t, const struct entry *e, struct wd_intel_hit *out,
                 size_t max, size_t *n)
{
    if (*n < max)
        out[(*n)++] = (struct wd_intel_hit){t->pool + e->off, t->feeds[e->feed], e->type};
}

static void hash_find(const struct wd_intel_table *t, int type, const char *p, size_t len,
                      struct wd_intel_hit *out, size_t max, size_t *n)
{
    for (size_t i = hash(type, p, len) & t->mask; t->slot[i]; i = (i + 1) & t->mask) {
        const struct entry *e = &t->e[t->slot[i] - 1];
        if (e->type == type && e->len == len && memcmp(t->pool + e->off, p, len) == 0)
            emit(t, e, out, max, n);
    }
}

void wd_intel_table_match(const struct wd_intel_table *t, int type, const char *p, size_t len,
                          struct wd_intel_hit *out, size_t max, size_t *n)
{
    if (!t || !len || len > 2000)
        return;
    if (type == WD_INTEL_IP) {
        uint8_t a[16];
        int bits;
        if (memchr(p, '/', len) || !wd_cidr_parse(p, len, a, &bits) || bits != 128)
            return;
        static const uint8_t v4pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        int32_t best = t->n[0].entry;
        uint32_t at = 0;
        int i = 0;
        if (memcmp(a, v4pre, 12) == 0) {
            best = t->v4best;
            at = t->v4node;
            i = at ? 96 : 128; /* no node for ::ffff:0:0/96: nothing deeper either */
        }
        for (; i < 128; i++) {
            uint32_t k = t->n[at].kid[a[i / 8] >> (7 - i % 8) & 1];
            if (!k)
                break;
            at = k;
            if (t->n[at].entry >= 0)
                best = t->n[at].entry;
        }
        for (int32_t j = best; j >= 0; j = t->e[j].next)
            emit(t, &t->e[j], out, max, n);
        return;
    }
    char buf[2048];
    uint8_t a[16], bits;
    if (!wd_intel_norm(type, p, len, buf, sizeof(buf), a, &bits))
        return;
    size_t bl = strlen(buf);
    if (type != WD_INTEL_DOMAIN) {
        hash_find(t, type, buf, bl, out, max, n);
        return;
    }
    for (size_t i = 0; i < bl; i++) /* the name, then each parent domain */
        if (i == 0 || buf[i - 1] == '.')
            hash_find(t, type, buf + i, bl - i, out, max, n);
}
