/*
 * mmdb_write.h: a minimal MaxMind DB (format 2.0) writer for tests and benchmarks, written
 * from the public format specification: an IPv6 search tree with 32-bit records (IPv4
 * networks under ::/96), a data section of values appended with the mmw_* encoders, and the
 * metadata map. Networks are inserted shortest prefix first, so a longer one nested in a
 * shorter one takes its part of the range. Test helper only: no error recovery.
 */
#ifndef WD_MMDB_WRITE_H
#define WD_MMDB_WRITE_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mmw_net {
    uint8_t a[16];
    int bits;
    uint32_t off; /* the record in the data section */
};

struct mmw {
    uint8_t *d; /* the data section */
    size_t dl, dcap;
    struct mmw_net *nets;
    size_t nn;
};

static void mmw_put(struct mmw *w, const void *p, size_t n)
{
    if (w->dl + n > w->dcap) {
        w->dcap = (w->dl + n) * 2 + 256;
        w->d = realloc(w->d, w->dcap);
        if (!w->d)
            abort();
    }
    memcpy(w->d + w->dl, p, n);
    w->dl += n;
}

/* A control byte (and the extended type and size bytes). */
static void mmw_ctrl(struct mmw *w, int type, size_t size)
{
    uint8_t b[6];
    size_t n = 1;
    int sz;
    if (size < 29) {
        sz = (int)size;
    } else if (size < 285) {
        sz = 29;
    } else if (size < 65821) {
        sz = 30;
    } else {
        sz = 31;
    }
    b[0] = (uint8_t)((type <= 7 ? type : 0) << 5 | sz);
    if (type > 7)
        b[n++] = (uint8_t)(type - 7);
    if (sz == 29) {
        b[n++] = (uint8_t)(size - 29);
    } else if (sz == 30) {
        size_t v = size - 285;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
    } else if (sz == 31) {
        size_t v = size - 65821;
        b[n++] = (uint8_t)(v >> 16);
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
    }
    mmw_put(w, b, n);
}

static size_t mmw_str(struct mmw *w, const char *s)
{
    size_t at = w->dl;
    mmw_ctrl(w, 2, strlen(s));
    mmw_put(w, s, strlen(s));
    return at;
}

static size_t mmw_double(struct mmw *w, double v)
{
    size_t at = w->dl;
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (56 - 8 * i));
    mmw_ctrl(w, 3, 8);
    mmw_put(w, b, 8);
    return at;
}

/* type 5 uint16, 6 uint32, 9 uint64: big-endian without leading zero bytes. */
static size_t mmw_uint(struct mmw *w, int type, uint64_t v)
{
    size_t at = w->dl;
    uint8_t b[8];
    size_t n = 0;
    for (int i = 7; i >= 0; i--)
        if (n || (v >> (8 * i) & 0xff))
            b[n++] = (uint8_t)(v >> (8 * i));
    mmw_ctrl(w, type, n);
    mmw_put(w, b, n);
    return at;
}

static size_t mmw_map(struct mmw *w, size_t pairs)
{
    size_t at = w->dl;
    mmw_ctrl(w, 7, pairs);
    return at;
}

static size_t mmw_array(struct mmw *w, size_t n)
{
    size_t at = w->dl;
    mmw_ctrl(w, 11, n);
    return at;
}

/* Adds a network ("1.2.3.0/24", "2001:db8::/32") whose record starts at data offset off. */
static void mmw_net_add(struct mmw *w, const char *cidr, size_t off)
{
    char ip[64];
    const char *slash = strchr(cidr, '/');
    size_t il = slash ? (size_t)(slash - cidr) : strlen(cidr);
    memcpy(ip, cidr, il);
    ip[il] = '\0';
    struct mmw_net n = {{0}, 0, (uint32_t)off};
    if (strchr(ip, ':')) {
        if (inet_pton(AF_INET6, ip, n.a) != 1)
            abort();
        n.bits = slash ? (int)strtol(slash + 1, NULL, 10) : 128;
    } else {
        if (inet_pton(AF_INET, ip, n.a + 12) != 1)
            abort();
        n.bits = 96 + (slash ? (int)strtol(slash + 1, NULL, 10) : 32);
    }
    w->nets = realloc(w->nets, (w->nn + 1) * sizeof(*w->nets));
    if (!w->nets)
        abort();
    w->nets[w->nn++] = n;
}

struct mmw_rec {
    int kind; /* 0 empty, 1 node, 2 data */
    uint32_t v;
};

static int mmw_bylen(const void *a, const void *b)
{
    return ((const struct mmw_net *)a)->bits - ((const struct mmw_net *)b)->bits;
}

/* Writes the database to path; returns 0 or -1. */
static int mmw_write(struct mmw *w, const char *path, const char *db_type)
{
    qsort(w->nets, w->nn, sizeof(*w->nets), mmw_bylen);
    struct mmw_rec(*node)[2] = calloc(1, sizeof(*node));
    size_t nodes = 1;
    for (size_t i = 0; i < w->nn; i++) {
        const struct mmw_net *n = &w->nets[i];
        uint32_t at = 0;
        for (int d = 0; d < n->bits; d++) {
            int b = n->a[d / 8] >> (7 - d % 8) & 1;
            struct mmw_rec *r = &node[at][b];
            if (d == n->bits - 1) {
                *r = (struct mmw_rec){2, n->off};
                break;
            }
            if (r->kind != 1) { /* a new node; a covering record is pushed down into it */
                struct mmw_rec old = *r;
                node = realloc(node, (nodes + 1) * sizeof(*node));
                if (!node)
                    abort();
                node[nodes][0] = node[nodes][1] = old;
                r = &node[at][b];
                *r = (struct mmw_rec){1, (uint32_t)nodes++};
            }
            at = r->v;
        }
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(node);
        return -1;
    }
    for (size_t i = 0; i < nodes; i++)
        for (int k = 0; k < 2; k++) {
            const struct mmw_rec *r = &node[i][k];
            uint32_t v = r->kind == 1   ? r->v
                         : r->kind == 2 ? (uint32_t)nodes + 16 + r->v
                                        : (uint32_t)nodes;
            uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            fwrite(b, 1, 4, f);
        }
    static const uint8_t zero[16];
    fwrite(zero, 1, 16, f);
    fwrite(w->d, 1, w->dl, f);
    fwrite("\xab\xcd\xefMaxMind.com", 1, 14, f);
    struct mmw m = {0};
    mmw_map(&m, 9);
    mmw_str(&m, "node_count");
    mmw_uint(&m, 6, nodes);
    mmw_str(&m, "record_size");
    mmw_uint(&m, 5, 32);
    mmw_str(&m, "ip_version");
    mmw_uint(&m, 5, 6);
    mmw_str(&m, "database_type");
    mmw_str(&m, db_type);
    mmw_str(&m, "languages");
    mmw_array(&m, 1);
    mmw_str(&m, "en");
    mmw_str(&m, "binary_format_major_version");
    mmw_uint(&m, 5, 2);
    mmw_str(&m, "binary_format_minor_version");
    mmw_uint(&m, 5, 0);
    mmw_str(&m, "build_epoch");
    mmw_uint(&m, 9, 1700000000);
    mmw_str(&m, "description");
    mmw_map(&m, 1);
    mmw_str(&m, "en");
    mmw_str(&m, "ward test database");
    fwrite(m.d, 1, m.dl, f);
    free(m.d);
    free(node);
    return fclose(f) == 0 ? 0 : -1;
}

static void mmw_free(struct mmw *w)
{
    free(w->d);
    free(w->nets);
    memset(w, 0, sizeof(*w));
}

/* A City-shaped record; region may be NULL. Returns its data offset. */
static size_t mmw_city(struct mmw *w, const char *city, const char *cc, const char *country,
                       const char *continent, double lat, double lon, const char *tz,
                       const char *postal, const char *region, unsigned metro)
{
    size_t at = mmw_map(w, 5 + (region != NULL));
    mmw_str(w, "city");
    mmw_map(w, 1);
    mmw_str(w, "names");
    mmw_map(w, 1);
    mmw_str(w, "en");
    mmw_str(w, city);
    mmw_str(w, "continent");
    mmw_map(w, 1);
    mmw_str(w, "code");
    mmw_str(w, continent);
    mmw_str(w, "country");
    mmw_map(w, 2);
    mmw_str(w, "iso_code");
    mmw_str(w, cc);
    mmw_str(w, "names");
    mmw_map(w, 1);
    mmw_str(w, "en");
    mmw_str(w, country);
    mmw_str(w, "location");
    mmw_map(w, 3 + (metro != 0));
    mmw_str(w, "latitude");
    mmw_double(w, lat);
    mmw_str(w, "longitude");
    mmw_double(w, lon);
    mmw_str(w, "time_zone");
    mmw_str(w, tz);
    if (metro) {
        mmw_str(w, "metro_code");
        mmw_uint(w, 5, metro);
    }
    mmw_str(w, "postal");
    mmw_map(w, 1);
    mmw_str(w, "code");
    mmw_str(w, postal);
    if (region) {
        mmw_str(w, "subdivisions");
        mmw_array(w, 1);
        mmw_map(w, 1);
        mmw_str(w, "iso_code");
        mmw_str(w, region);
    }
    return at;
}

/* An ASN-shaped record. */
static size_t mmw_asn(struct mmw *w, uint32_t asn, const char *org)
{
    size_t at = mmw_map(w, 2);
    mmw_str(w, "autonomous_system_number");
    mmw_uint(w, 6, asn);
    mmw_str(w, "autonomous_system_organization");
    mmw_str(w, org);
    return at;
}

#endif
