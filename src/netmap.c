/*
 * netmap.c: the CIDR network table (netmap.h): a line parser and a binary trie over
 * 128-bit keys (IPv4 as ::ffff:a.b.c.d) whose nodes sit in one array; a lookup walks at
 * most 128 nodes and remembers the deepest entry on the way (longest-prefix match).
 */
#include "netmap.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lists.h"

struct node {
    uint32_t kid[2]; /* 0 = none (node 0 is the root, never a child) */
    int32_t entry;   /* index into entries, -1 = none */
};

struct wd_netmap {
    struct node *n;
    size_t nn, ncap;
    struct wd_netmap_entry *e;
    size_t ne, ecap;
    char *strings; /* every entry's text, NUL-separated */
};

static struct wd_str trim(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return (struct wd_str){p, n};
}

static int add_node(struct wd_netmap *m)
{
    if (m->nn == m->ncap) {
        size_t cap = m->ncap ? m->ncap * 2 : 256;
        struct node *nn = realloc(m->n, cap * sizeof(*nn));
        if (!nn)
            return -1;
        m->n = nn;
        m->ncap = cap;
    }
    m->n[m->nn] = (struct node){{0, 0}, -1};
    return (int)m->nn++;
}

/* Inserts a prefix; a duplicate prefix keeps the first row. */
static int insert(struct wd_netmap *m, const uint8_t a[16], int bits, int32_t entry)
{
    uint32_t at = 0;
    for (int i = 0; i < bits; i++) {
        int b = a[i / 8] >> (7 - i % 8) & 1;
        if (!m->n[at].kid[b]) {
            int k = add_node(m);
            if (k < 0)
                return WD_ENOMEM;
            m->n[at].kid[b] = (uint32_t)k;
        }
        at = m->n[at].kid[b];
    }
    if (m->n[at].entry < 0)
        m->n[at].entry = entry;
    return WD_OK;
}

int wd_netmap_parse(const char *text, size_t len, struct wd_netmap **out, wd_netmap_err_cb err,
                    void *ud, size_t *bad)
{
    *out = NULL;
    size_t nbad = 0;
    struct wd_netmap *m = calloc(1, sizeof(*m));
    /* each row stores its 4 fields with a NUL each: at most the line's bytes + 4 */
    size_t lines = 1;
    for (const char *q = text; (q = memchr(q, '\n', len - (size_t)(q - text))); q++)
        lines++;
    if (!m || add_node(m) < 0 || !(m->strings = malloc(len + 4 * lines))) {
        wd_netmap_free(m);
        return WD_ENOMEM;
    }
    /* fields are copied into m->strings; rows[] keeps their offsets until the end */
    size_t sl = 0, line = 0;
    struct {
        size_t off[4];
    } *rows = NULL;
    size_t nrows = 0, rcap = 0;
    int rc = WD_OK;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        struct wd_str l = trim(text + off, end - off);
        off = end + 1;
        if (!l.len || l.p[0] == '#')
            continue;
        if (memchr(l.p, '\0', l.len)) {
            if (err)
                err(ud, line, "NUL byte in line");
            nbad++;
            continue;
        }
        struct wd_str f[4] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
        int nf = 0;
        const char *p = l.p, *e = l.p + l.len;
        while (nf < 4) {
            const char *c = memchr(p, ',', (size_t)(e - p));
            f[nf++] = trim(p, (size_t)((c ? c : e) - p));
            if (!c)
                break;
            p = c + 1;
            if (nf == 4) {
                if (err)
                    err(ud, line, "more than 4 fields (CIDR,site,environment,owner)");
                nbad++;
                nf = -1;
                break;
            }
        }
        if (nf < 0)
            continue;
        if (f[0].len == 4 && !strncasecmp(f[0].p, "cidr", 4)) /* a header line */
            continue;
        uint8_t a[16];
        int bits;
        if (!wd_cidr_parse(f[0].p, f[0].len, a, &bits)) {
            if (err)
                err(ud, line, "not an IP address or CIDR block");
            nbad++;
            continue;
        }
        if (nrows == rcap) {
            rcap = rcap ? rcap * 2 : 64;
            void *nr = realloc(rows, rcap * sizeof(*rows));
            if (!nr) {
                rc = WD_ENOMEM;
                goto out;
            }
            rows = nr;
        }
        for (int i = 0; i < 4; i++) {
            rows[nrows].off[i] = sl;
            memcpy(m->strings + sl, f[i].p, f[i].len);
            sl += f[i].len;
            m->strings[sl++] = '\0';
        }
        rc = insert(m, a, bits, (int32_t)nrows);
        if (rc)
            goto out;
        nrows++;
    }
    if (nbad) {
        rc = WD_EPARSE;
        goto out;
    }
    m->e = calloc(nrows + 1, sizeof(*m->e));
    if (!m->e) {
        rc = WD_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nrows; i++)
        m->e[i] =
            (struct wd_netmap_entry){m->strings + rows[i].off[0], m->strings + rows[i].off[1],
                                     m->strings + rows[i].off[2], m->strings + rows[i].off[3]};
    m->ne = nrows;
out:
    free(rows);
    if (bad)
        *bad = nbad;
    if (rc) {
        wd_netmap_free(m);
        return rc;
    }
    *out = m;
    return WD_OK;
}

void wd_netmap_free(struct wd_netmap *m)
{
    if (!m)
        return;
    free(m->n);
    free(m->e);
    free(m->strings);
    free(m);
}

size_t wd_netmap_count(const struct wd_netmap *m)
{
    return m ? m->ne : 0;
}

const struct wd_netmap_entry *wd_netmap_lookup(const struct wd_netmap *m, const char *p, size_t len)
{
    uint8_t a[16];
    int bits;
    if (!m || !len || memchr(p, '/', len) || !wd_cidr_parse(p, len, a, &bits) || bits != 128)
        return NULL;
    int32_t best = m->n[0].entry;
    uint32_t at = 0;
    for (int i = 0; i < 128; i++) {
        uint32_t k = m->n[at].kid[a[i / 8] >> (7 - i % 8) & 1];
        if (!k)
            break;
        at = k;
        if (m->n[at].entry >= 0)
            best = m->n[at].entry;
    }
    return best >= 0 ? &m->e[best] : NULL;
}
