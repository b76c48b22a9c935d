/*
 * geo.c: GeoIP enrichment (geo.h): opening MaxMind databases from a private memory copy,
 * change detection by stat(), and the MozDef geoip plugin's fields.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

/* An open database; gen is unique per open (the per-thread record cache keys on it). */
struct mmdb {
    MMDB_s m;
    uint64_t gen;
};

static uint64_t next_gen;

struct retired {
    struct mmdb *db;
    int64_t at_ns;
};

struct db {
    const char *name;   /* "city" / "asn" (metrics label) */
    char *path;         /* NULL: not configured */
    struct mmdb *cur;   /* atomic pointer */
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
static struct mmdb *open_db(const char *path, struct fileid *id, FILE *errs)
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
    struct mmdb *db = calloc(1, sizeof(*db));
    if (!db)
        abort();
    db->gen = __atomic_add_fetch(&next_gen, 1, __ATOMIC_RELAXED);
    int rc = MMDB_open(proc, MMDB_MODE_MMAP, &db->m);
    close(mfd); /* the mapping stays */
    if (rc != MMDB_SUCCESS) {
        fprintf(errs, "%s: not a MaxMind database: %s\n", path,
                rc == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(rc));
        free(db);
        return NULL;
    }
    return db;
}

static void close_db(struct mmdb *db)
{
    if (db) {
        MMDB_close(&db->m);
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
    struct mmdb *db = open_db(d->path, &id, errs);
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

/*
 * A record's fields are extracted once and kept in a per-thread cache keyed by (database
 * generation, record offset): libmaxminddb finds each path by walking the record's maps and
 * formatting the coordinates is costly, so a record seen again costs only copies into the
 * batch arena. Entries are overwritten, never shared between threads.
 */
enum { K_STR, K_INT, K_FLOAT };
#define MAXF    12
#define TEXTCAP 512
#define NCACHE  1024 /* 256 sets of 4 */

struct field {
    const char *key; /* a constant */
    uint8_t kind, klen;
    uint16_t off, len; /* the text (K_FLOAT: its JSON form) in rec.text */
    int64_t i;
    double d;
};

struct rec {
    uint64_t gen; /* 0 = empty */
    uint32_t off;
    uint32_t used; /* when last used (LRU within a set) */
    uint8_t n;
    uint16_t gp_off, gp_len; /* "lat,lon" (city records; len 0 = none) */
    uint16_t tl;
    struct field f[MAXF];
    char text[TEXTCAP];
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
    (void)pthread_key_create(&cache_key, free);
}

static struct rec *cache_slot(uint64_t gen, uint32_t off, bool *hit)
{
    pthread_once(&cache_once, cache_init);
    struct rec *c = pthread_getspecific(cache_key);
    if (!c) {
        c = calloc(NCACHE, sizeof(*c));
        if (!c || pthread_setspecific(cache_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    /* 4-way set-associative (256 sets), least recently used out */
    struct rec *set = &c[(((gen << 32 ^ off) * 0x9E3779B97F4A7C15ULL) >> 56) * 4], *victim = set;
    static _Thread_local uint32_t tick;
    tick++;
    for (int i = 0; i < 4; i++) {
        if (set[i].gen == gen && set[i].off == off) {
            set[i].used = tick;
            *hit = true;
            return &set[i];
        }
        if (set[i].used < victim->used)
            victim = &set[i];
    }
    *hit = false;
    victim->used = tick;
    return victim;
}

static bool get(MMDB_entry_s *e, MMDB_entry_data_s *d, const char *const *path)
{
    return MMDB_aget_value(e, d, path) == MMDB_SUCCESS && d->has_data;
}

static struct field *add(struct rec *r, const char *key, int kind, const char *p, size_t len)
{
    if (r->n == MAXF || len > (size_t)(TEXTCAP - r->tl))
        return NULL;
    struct field *f = &r->f[r->n++];
    *f = (struct field){key, (uint8_t)kind, (uint8_t)strlen(key), r->tl, (uint16_t)len, 0, 0};
    memcpy(r->text + r->tl, p, len);
    r->tl = (uint16_t)(r->tl + len);
    return f;
}

static const struct field *add_str(struct rec *r, MMDB_entry_s *e, const char *key,
                                   const char *const *path)
{
    MMDB_entry_data_s d;
    if (!get(e, &d, path) || d.type != MMDB_DATA_TYPE_UTF8_STRING)
        return NULL;
    return add(r, key, K_STR, d.utf8_string, d.data_size);
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

static void add_int(struct rec *r, MMDB_entry_s *e, const char *key, const char *const *path)
{
    double v;
    struct field *f;
    if (num(e, path, &v) && v >= 0 && v < 9e15 && (f = add(r, key, K_INT, "", 0)))
        f->i = (int64_t)v;
}

int wd_geo_fmt_coord(double v, char *out, size_t cap)
{
    double k = nearbyint(v * 10000.0);
    if (cap >= 32 && v != 0 && fabs(v) >= 1e-4 && fabs(v) < 1e6 && k / 10000.0 == v) {
        /* at most 4 decimals: the shortest text that reads back as v (Python's repr) */
        long long q = llabs((long long)k);
        long long ip = q / 10000, fr = q % 10000;
        int n = snprintf(out, cap, "%s%lld.", v < 0 ? "-" : "", ip);
        char d[5] = {(char)('0' + fr / 1000), (char)('0' + fr / 100 % 10),
                     (char)('0' + fr / 10 % 10), (char)('0' + fr % 10), 0};
        int dl = 4;
        while (dl > 1 && d[dl - 1] == '0')
            dl--;
        memcpy(out + n, d, (size_t)dl);
        out[n + dl] = '\0';
        return n + dl;
    }
    return wd_jv_fmt_double(v, out, cap);
}

static const struct field *add_float(struct rec *r, MMDB_entry_s *e, const char *key,
                                     const char *const *path)
{
    double v;
    char t[40];
    if (!num(e, path, &v) || !isfinite(v) || wd_geo_fmt_coord(v, t, sizeof(t)) < 0)
        return NULL;
    struct field *f = add(r, key, K_FLOAT, t, strlen(t));
    if (f)
        f->d = v;
    return f;
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
static const char *const p_sub[] = {"subdivisions", NULL};
static const char *const p_asn[] = {"autonomous_system_number", NULL};
static const char *const p_asorg[] = {"autonomous_system_organization", NULL};

/* The map at `key` of e as an entry of its own, so deeper paths skip less of the record. */
static MMDB_entry_s sub(MMDB_entry_s *e, const char *key, bool *ok)
{
    MMDB_entry_data_s d;
    const char *const path[] = {key, NULL};
    *ok = get(e, &d, path) && d.type == MMDB_DATA_TYPE_MAP;
    return (MMDB_entry_s){.mmdb = e->mmdb, .offset = *ok ? d.offset : 0};
}

/* MozDef's geoip plugin fields, in its order. */
static void fill_city(struct rec *r, MMDB_entry_s *e)
{
    bool okc, okn, okl, okp;
    MMDB_entry_s c = sub(e, "country", &okn), loc = sub(e, "location", &okl),
                 cty = sub(e, "city", &okc), pc = sub(e, "postal", &okp);
    const struct field *city = okc ? add_str(r, &cty, "city", p_city + 1) : NULL;
    add_str(r, e, "continent", p_cont);
    if (okn) {
        add_str(r, &c, "country_code", p_cc + 1);
        add_str(r, &c, "country_name", p_cn + 1);
    }
    const struct field *lat = NULL, *lon = NULL;
    if (okl) {
        add_int(r, &loc, "dma_code", p_metro + 1);
        lat = add_float(r, &loc, "latitude", p_lat + 1);
        lon = add_float(r, &loc, "longitude", p_lon + 1);
    }
    if (okp)
        add_str(r, &pc, "postal_code", p_postal + 1);
    const struct field *reg = NULL;
    MMDB_entry_data_s d;
    if (get(e, &d, p_sub) && d.type == MMDB_DATA_TYPE_ARRAY && d.data_size) {
        char idx[16]; /* the most specific subdivision is the last one */
        snprintf(idx, sizeof(idx), "%u", d.data_size - 1);
        const char *const path[] = {"subdivisions", idx, "iso_code", NULL};
        reg = add_str(r, e, "region_code", path);
    }
    if (okl)
        add_str(r, &loc, "time_zone", p_tz + 1);
    if (city && reg && city->len + reg->len + 2 <= TEXTCAP - r->tl) {
        /* MozDef: "{city}, {region iso code}" */
        char m[TEXTCAP];
        memcpy(m, r->text + city->off, city->len);
        memcpy(m + city->len, ", ", 2);
        memcpy(m + city->len + 2, r->text + reg->off, reg->len);
        add(r, "metro_code", K_STR, m, city->len + reg->len + 2U);
    }
    if (lat && lon && lat->len + lon->len + 1U <= (unsigned)(TEXTCAP - r->tl)) {
        r->gp_off = r->tl;
        memcpy(r->text + r->tl, r->text + lat->off, lat->len);
        r->text[r->tl + lat->len] = ',';
        memcpy(r->text + r->tl + lat->len + 1, r->text + lon->off, lon->len);
        r->gp_len = (uint16_t)(lat->len + lon->len + 1);
        r->tl = (uint16_t)(r->tl + r->gp_len);
    }
}

static void fill_asn(struct rec *r, MMDB_entry_s *e)
{
    add_int(r, e, "asn", p_asn);
    add_str(r, e, "asorg", p_asorg);
}

/* The cached fields of entry e of database db (filled on a miss). */
static const struct rec *record(const struct mmdb *db, MMDB_entry_s *e, bool city,
                                struct rec *scratch)
{
    bool hit = false;
    struct rec *r = cache_slot(db->gen, e->offset, &hit);
    if (!r)
        r = scratch;
    else if (hit)
        return r;
    r->gen = db->gen;
    r->off = e->offset;
    r->n = 0;
    r->tl = 0;
    r->gp_len = 0;
    if (city)
        fill_city(r, e);
    else
        fill_asn(r, e);
    return r;
}

/* A value of the record as a new node in the arena. */
static struct wd_jv *value(struct wd_arena *a, const struct rec *r, const struct field *f)
{
    if (f->kind == K_INT)
        return wd_jv_int(a, f->i);
    struct wd_jv *v =
        f->kind == K_STR ? wd_jv_strdup(a, r->text + f->off, f->len) : wd_jv_float(a, f->d);
    if (v && f->kind == K_FLOAT) { /* serialized as formatted once */
        char *t = wd_arena_alloc(a, f->len);
        if (!t)
            return NULL;
        memcpy(t, r->text + f->off, f->len);
        v->raw = (struct wd_str){t, f->len};
    }
    return v;
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

static struct wd_str key(const char *k)
{
    return (struct wd_str){k, strlen(k)};
}

static int emit_city(struct wd_arena *a, const struct rec *r, struct wd_jv *details,
                     const struct keys *k)
{
    struct wd_jv *o = wd_jv_new(a, WD_JV_OBJ);
    if (!o)
        return WD_ENOMEM;
    for (uint8_t i = 0; i < r->n; i++) {
        struct wd_jv *v = value(a, r, &r->f[i]);
        if (!v)
            return WD_ENOMEM;
        wd_jv_add(o, (struct wd_str){r->f[i].key, r->f[i].klen}, v);
    }
    wd_jv_set(details, key(k->geolocation), o);
    if (r->gp_len) {
        struct wd_jv *gp = wd_jv_strdup(a, r->text + r->gp_off, r->gp_len);
        if (!gp)
            return WD_ENOMEM;
        wd_jv_set(details, key(k->geopoint), gp);
    }
    return WD_OK;
}

static int emit_asn(struct wd_arena *a, const struct rec *r, struct wd_jv *details,
                    const struct keys *k)
{
    for (uint8_t i = 0; i < r->n; i++) {
        struct wd_jv *v = value(a, r, &r->f[i]);
        if (!v)
            return WD_ENOMEM;
        wd_jv_set(details, key(r->f[i].kind == K_INT ? k->asn : k->asorg), v);
    }
    return WD_OK;
}

static const struct mmdb *lookup(struct db *d, const uint8_t ip[16], MMDB_entry_s *out)
{
    const struct mmdb *db = __atomic_load_n(&d->cur, __ATOMIC_ACQUIRE);
    if (!db)
        return NULL;
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
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db->m, sa, &err);
    if (err != MMDB_SUCCESS || !r.found_entry)
        return NULL;
    __atomic_add_fetch(&d->hits, 1, __ATOMIC_RELAXED);
    *out = r.entry;
    return db;
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
    MMDB_entry_s e;
    struct rec scratch;
    const struct mmdb *db = lookup(&g->city, addr, &e);
    int rc = db ? emit_city(a, record(db, &e, true, &scratch), details, k) : WD_OK;
    db = rc == WD_OK ? lookup(&g->asn, addr, &e) : NULL;
    if (db)
        rc = emit_asn(a, record(db, &e, false, &scratch), details, k);
    return rc;
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
