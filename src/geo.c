/*
 * geo.c: GeoIP enrichment (geo.h): opening MaxMind databases from a private memory copy,
 * change detection by stat(), and the MozDef geoip plugin's fields.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jv.h"
#include "lists.h"
#include "mem.h"
#include "ward.h"

#define GRACE_NS (60LL * 1000000000LL)

struct fileid {
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
};

struct retired {
    MMDB_s *db;
    int64_t at_ns;
};

struct db {
    const char *name;   /* "city" / "asn" (metrics label) */
    char *path;         /* NULL: not configured */
    MMDB_s *cur;        /* atomic pointer */
    struct fileid seen; /* the file as last read (also when it did not open) */
    struct retired *old;
    size_t nold;
    uint64_t lookups, hits, skipped, reloads, reload_errors;
};

struct wd_geo {
    struct db city, asn;
    pthread_mutex_t mu; /* checks */
};

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* Copies the file into a memory file and opens that, so the mapping is ours alone. */
static MMDB_s *open_db(const char *path, struct fileid *id, FILE *errs)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(errs, "%s: not a regular file\n", path);
        close(fd);
        return NULL;
    }
    *id = (struct fileid){st.st_dev, st.st_ino, st.st_size, mtime_ns(&st)};
    int mfd = memfd_create("ward-geoip", MFD_CLOEXEC);
    if (mfd < 0) {
        fprintf(errs, "%s: memfd_create: %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = sendfile(mfd, fd, &off, (size_t)(st.st_size - off));
        if (n <= 0) {
            fprintf(errs, "%s: cannot read: %s\n", path, n < 0 ? strerror(errno) : "short file");
            close(fd);
            close(mfd);
            return NULL;
        }
    }
    close(fd);
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
    MMDB_s *db = calloc(1, sizeof(*db));
    if (!db)
        abort();
    int rc = MMDB_open(proc, MMDB_MODE_MMAP, db);
    close(mfd); /* the mapping stays */
    if (rc != MMDB_SUCCESS) {
        fprintf(errs, "%s: not a MaxMind database: %s\n", path,
                rc == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(rc));
        free(db);
        return NULL;
    }
    return db;
}

static void close_db(MMDB_s *db)
{
    if (db) {
        MMDB_close(db);
        free(db);
    }
}

static int db_init(struct db *d, const char *name, const char *path, FILE *errs)
{
    d->name = name;
    if (!path || !path[0])
        return 0;
    d->path = strdup(path);
    if (!d->path)
        abort();
    d->cur = open_db(path, &d->seen, errs);
    return d->cur ? 0 : 1;
}

static void db_fini(struct db *d)
{
    close_db(d->cur);
    for (size_t i = 0; i < d->nold; i++)
        close_db(d->old[i].db);
    free(d->old);
    free(d->path);
}

int wd_geo_new(const char *city, const char *asn, struct wd_geo **out, FILE *errs)
{
    *out = NULL;
    struct wd_geo *g = calloc(1, sizeof(*g));
    if (!g)
        abort();
    pthread_mutex_init(&g->mu, NULL);
    int n = db_init(&g->city, "city", city, errs) + db_init(&g->asn, "asn", asn, errs);
    if (n) {
        wd_geo_free(g);
        return n;
    }
    *out = g;
    return 0;
}

void wd_geo_free(struct wd_geo *g)
{
    if (!g)
        return;
    db_fini(&g->city);
    db_fini(&g->asn);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static int db_check(struct db *d, bool force, FILE *errs, int *reloaded)
{
    if (!d->path)
        return 0;
    int64_t now = wd_mono_ns();
    size_t keep = 0; /* free what was swapped out long enough ago */
    for (size_t i = 0; i < d->nold; i++) {
        if (now - d->old[i].at_ns >= GRACE_NS)
            close_db(d->old[i].db);
        else
            d->old[keep++] = d->old[i];
    }
    d->nold = keep;
    struct stat st;
    if (stat(d->path, &st) != 0) {
        if (!force)
            return 0; /* a missing file (mid-replace) keeps the database quietly */
        fprintf(errs, "%s: cannot open: %s\n", d->path, strerror(errno));
        __atomic_add_fetch(&d->reload_errors, 1, __ATOMIC_RELAXED);
        return 1;
    }
    struct fileid id = {st.st_dev, st.st_ino, st.st_size, mtime_ns(&st)};
    if (!force && id.dev == d->seen.dev && id.ino == d->seen.ino && id.size == d->seen.size &&
        id.mtime_ns == d->seen.mtime_ns)
        return 0;
    MMDB_s *db = open_db(d->path, &id, errs);
    d->seen = id; /* a bad file is reported once, not at every check */
    if (!db) {
        __atomic_add_fetch(&d->reload_errors, 1, __ATOMIC_RELAXED);
        return 1;
    }
    struct retired *o = realloc(d->old, (d->nold + 1) * sizeof(*o));
    if (!o)
        abort();
    d->old = o;
    d->old[d->nold++] = (struct retired){__atomic_exchange_n(&d->cur, db, __ATOMIC_ACQ_REL), now};
    __atomic_add_fetch(&d->reloads, 1, __ATOMIC_RELAXED);
    if (reloaded)
        ++*reloaded;
    return 0;
}

int wd_geo_check(struct wd_geo *g, bool force, FILE *errs, int *reloaded)
{
    if (reloaded)
        *reloaded = 0;
    pthread_mutex_lock(&g->mu);
    int n = db_check(&g->city, force, errs, reloaded) + db_check(&g->asn, force, errs, reloaded);
    pthread_mutex_unlock(&g->mu);
    return n;
}

bool wd_geo_public(const uint8_t a[16])
{
    static const uint8_t v4pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, v4pre, 12) == 0) {
        const uint8_t *b = a + 12;
        return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
                 (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
                 (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64));
    }
    static const uint8_t zero[16];
    if (memcmp(a, zero, 15) == 0) /* :: and ::1 */
        return false;
    return !((a[0] & 0xfe) == 0xfc ||                   /* fc00::/7 unique local */
             (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
             a[0] == 0xff);                             /* multicast */
}

/* ---- the event fields ---- */

struct out {
    struct wd_arena *a;
    struct wd_jv *obj;
    int rc;
};

static void put(struct out *o, struct wd_jv *obj, const char *key, struct wd_jv *v)
{
    if (!v) {
        o->rc = WD_ENOMEM;
        return;
    }
    wd_jv_set(obj, (struct wd_str){key, strlen(key)}, v);
}

static bool get(MMDB_entry_s *e, MMDB_entry_data_s *d, const char *const *path)
{
    return MMDB_aget_value(e, d, path) == MMDB_SUCCESS && d->has_data;
}

/* A string member (copied into the arena: the database can be swapped out later). */
static const char *put_str(struct out *o, MMDB_entry_s *e, const char *key, const char *const *path,
                           size_t *len)
{
    MMDB_entry_data_s d;
    if (!get(e, &d, path) || d.type != MMDB_DATA_TYPE_UTF8_STRING)
        return NULL;
    struct wd_jv *v = wd_jv_strdup(o->a, d.utf8_string, d.data_size);
    if (key)
        put(o, o->obj, key, v);
    *len = d.data_size;
    return v ? v->u.s.p : NULL;
}

static bool num(MMDB_entry_s *e, const char *const *path, double *out)
{
    MMDB_entry_data_s d;
    if (!get(e, &d, path))
        return false;
    switch (d.type) {
    case MMDB_DATA_TYPE_DOUBLE:
        *out = d.double_value;
        return true;
    case MMDB_DATA_TYPE_FLOAT:
        *out = d.float_value;
        return true;
    case MMDB_DATA_TYPE_UINT16:
        *out = d.uint16;
        return true;
    case MMDB_DATA_TYPE_UINT32:
        *out = d.uint32;
        return true;
    case MMDB_DATA_TYPE_INT32:
        *out = d.int32;
        return true;
    case MMDB_DATA_TYPE_UINT64:
        *out = (double)d.uint64;
        return true;
    default:
        return false;
    }
}

static const char *const p_city[] = {"city", "names", "en", NULL};
static const char *const p_cont[] = {"continent", "code", NULL};
static const char *const p_cc[] = {"country", "iso_code", NULL};
static const char *const p_cn[] = {"country", "names", "en", NULL};
static const char *const p_metro[] = {"location", "metro_code", NULL};
static const char *const p_lat[] = {"location", "latitude", NULL};
static const char *const p_lon[] = {"location", "longitude", NULL};
static const char *const p_postal[] = {"postal", "code", NULL};
static const char *const p_tz[] = {"location", "time_zone", NULL};
static const char *const p_asn[] = {"autonomous_system_number", NULL};
static const char *const p_asorg[] = {"autonomous_system_organization", NULL};

/* The most specific subdivision is the last one of the list. */
static const char *region(struct out *o, MMDB_entry_s *e, size_t *len)
{
    MMDB_entry_data_s d;
    static const char *const p_sub[] = {"subdivisions", NULL};
    if (!get(e, &d, p_sub) || d.type != MMDB_DATA_TYPE_ARRAY || !d.data_size)
        return NULL;
    char idx[16];
    snprintf(idx, sizeof(idx), "%u", d.data_size - 1);
    const char *const path[] = {"subdivisions", idx, "iso_code", NULL};
    return put_str(o, e, "region_code", path, len);
}

/* The member names of one side (keys are borrowed by the event: constants). */
struct keys {
    const char *field, *v6field, *geolocation, *geopoint, *asn, *asorg;
};
static const struct keys src_keys = {"sourceipaddress",  "sourceipv6address", "sourceipgeolocation",
                                     "sourceipgeopoint", "sourceipasn",       "sourceipasorg"};
static const struct keys dst_keys = {"destinationipaddress",     "destinationipv6address",
                                     "destinationipgeolocation", "destinationipgeopoint",
                                     "destinationipasn",         "destinationipasorg"};

static void city_fields(struct out *o, MMDB_entry_s *e, struct wd_jv *details, const struct keys *k)
{
    size_t cl = 0, rl = 0, l;
    const char *city = put_str(o, e, "city", p_city, &cl);
    put_str(o, e, "continent", p_cont, &l);
    put_str(o, e, "country_code", p_cc, &l);
    put_str(o, e, "country_name", p_cn, &l);
    double metro, lat, lon;
    if (num(e, p_metro, &metro))
        put(o, o->obj, "dma_code", wd_jv_int(o->a, (int64_t)metro));
    bool has_lat = num(e, p_lat, &lat), has_lon = num(e, p_lon, &lon);
    if (has_lat)
        put(o, o->obj, "latitude", wd_jv_float(o->a, lat));
    if (has_lon)
        put(o, o->obj, "longitude", wd_jv_float(o->a, lon));
    put_str(o, e, "postal_code", p_postal, &l);
    const char *reg = region(o, e, &rl);
    put_str(o, e, "time_zone", p_tz, &l);
    if (city && reg) { /* MozDef: "{city}, {region iso code}" */
        char *m = wd_arena_alloc(o->a, cl + rl + 3);
        if (!m) {
            o->rc = WD_ENOMEM;
            return;
        }
        memcpy(m, city, cl);
        memcpy(m + cl, ", ", 2);
        memcpy(m + cl + 2, reg, rl);
        put(o, o->obj, "metro_code", wd_jv_str(o->a, m, cl + rl + 2));
    }
    put(o, details, k->geolocation, o->obj);
    if (has_lat && has_lon) {
        char a[40], b[40];
        wd_jv_fmt_double(lat, a, sizeof(a));
        wd_jv_fmt_double(lon, b, sizeof(b));
        size_t n = strlen(a) + strlen(b) + 2;
        char *gp = wd_arena_alloc(o->a, n);
        if (!gp) {
            o->rc = WD_ENOMEM;
            return;
        }
        snprintf(gp, n, "%s,%s", a, b);
        put(o, details, k->geopoint, wd_jv_str(o->a, gp, n - 1));
    }
}

static bool lookup(struct db *d, const uint8_t ip[16], MMDB_entry_s *out)
{
    const MMDB_s *db = __atomic_load_n(&d->cur, __ATOMIC_ACQUIRE);
    if (!db)
        return false;
    __atomic_add_fetch(&d->lookups, 1, __ATOMIC_RELAXED);
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    const struct sockaddr *sa;
    static const uint8_t v4pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(ip, v4pre, 12) == 0) {
        memset(&s4, 0, sizeof(s4));
        s4.sin_family = AF_INET;
        memcpy(&s4.sin_addr, ip + 12, 4);
        sa = (const struct sockaddr *)&s4;
    } else {
        memset(&s6, 0, sizeof(s6));
        s6.sin6_family = AF_INET6;
        memcpy(&s6.sin6_addr, ip, 16);
        sa = (const struct sockaddr *)&s6;
    }
    int err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, sa, &err);
    if (err != MMDB_SUCCESS || !r.found_entry)
        return false;
    __atomic_add_fetch(&d->hits, 1, __ATOMIC_RELAXED);
    *out = r.entry;
    return true;
}

static int one(struct wd_geo *g, struct wd_arena *a, struct wd_jv *details, const struct keys *k)
{
    struct wd_jv *ip = wd_jv_get(details, k->field);
    if (ip && ip->type == WD_JV_STR && ip->u.s.len == 7 && !memcmp(ip->u.s.p, "0.0.0.0", 7))
        ip = NULL; /* ipFixup moved an IPv6 address out */
    if (!ip)
        ip = wd_jv_get(details, k->v6field);
    if (!ip || ip->type != WD_JV_STR || !ip->u.s.len || memchr(ip->u.s.p, '/', ip->u.s.len))
        return WD_OK;
    uint8_t addr[16];
    int bits;
    if (!wd_cidr_parse(ip->u.s.p, ip->u.s.len, addr, &bits) || bits != 128)
        return WD_OK;
    if (!wd_geo_public(addr)) {
        if (g->city.cur)
            __atomic_add_fetch(&g->city.skipped, 1, __ATOMIC_RELAXED);
        if (g->asn.cur)
            __atomic_add_fetch(&g->asn.skipped, 1, __ATOMIC_RELAXED);
        return WD_OK;
    }
    struct out o = {a, NULL, WD_OK};
    MMDB_entry_s e;
    if (lookup(&g->city, addr, &e)) {
        o.obj = wd_jv_new(a, WD_JV_OBJ);
        if (!o.obj)
            return WD_ENOMEM;
        city_fields(&o, &e, details, k);
    }
    if (o.rc == WD_OK && lookup(&g->asn, addr, &e)) {
        double asn;
        size_t l;
        o.obj = details;
        if (num(&e, p_asn, &asn))
            put(&o, details, k->asn, wd_jv_int(a, (int64_t)asn));
        put_str(&o, &e, k->asorg, p_asorg, &l);
    }
    return o.rc;
}

int wd_geo_event(struct wd_geo *g, struct wd_arena *a, struct wd_jv *details)
{
    int rc = one(g, a, details, &src_keys);
    if (rc == WD_OK)
        rc = one(g, a, details, &dst_keys);
    return rc;
}

static void prom(struct wd_buf *o, const char *name, const char *help, const struct db *c,
                 const struct db *a, size_t off)
{
    wd_buf_printf(o, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    const struct db *dbs[2] = {c, a};
    for (int i = 0; i < 2; i++)
        if (dbs[i]->path)
            wd_buf_printf(o, "%s{db=\"%s\"} %llu\n", name, dbs[i]->name,
                          (unsigned long long)__atomic_load_n(
                              (const uint64_t *)((const char *)dbs[i] + off), __ATOMIC_RELAXED));
}

void wd_geo_render_prom(struct wd_geo *g, struct wd_buf *o)
{
    if (!g)
        return;
    prom(o, "ward_enrich_geoip_lookups_total", "Public addresses looked up in a GeoIP database.",
         &g->city, &g->asn, offsetof(struct db, lookups));
    prom(o, "ward_enrich_geoip_hits_total", "GeoIP lookups that found a record.", &g->city, &g->asn,
         offsetof(struct db, hits));
    prom(o, "ward_enrich_geoip_skipped_total",
         "Addresses not looked up (private, loopback, link-local, multicast, reserved).", &g->city,
         &g->asn, offsetof(struct db, skipped));
    prom(o, "ward_enrich_geoip_reloads_total", "GeoIP databases opened again after a change.",
         &g->city, &g->asn, offsetof(struct db, reloads));
    prom(o, "ward_enrich_geoip_reload_errors_total",
         "Changed GeoIP files that did not open (the previous database stays).", &g->city, &g->asn,
         offsetof(struct db, reload_errors));
}
