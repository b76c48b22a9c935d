/*
 * store.c: the store object (store.h): start-up recovery (checkpoint, leftover and
 * covered parts), the ingest thread that follows the WAL and publishes a part per
 * partition at every flush, the maintenance thread (merges, retention, WAL clean-up),
 * and the live part list searches take snapshots of.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "jv.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "store_int.h"
#include "wal.h"
#include "wd_time.h"

#define FLUSH_MAX_ROWS  (1u << 20) /* a flush also happens when this many rows wait */
#define FLUSH_BEHIND    8 /* times the flush interval a flush waits while the store is behind */
/* A batch one worker shreds: small enough that the events copied into it are still in
 * the cache when the worker parses them; RING of them are read ahead at most. */
#define BATCH_MAX_EVENTS 1024
#define BATCH_MAX_BYTES  (1u << 20)
#define RING             8
#define MERGE_MIN_PARTS 4
#define MERGE_MAX_ROWS  (8u << 20)

struct builder_slot {
    char partition[32];
    struct wd_part_builder b;
    uint32_t rows;
};

struct wd_store {
    struct wd_store_opts o;
    char *dir;
    struct wd_wal *wal;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wd_part **parts; /* sorted by partition, then lo */
    size_t nparts, cap;
    uint64_t checkpoint;
    uint64_t indexed;
    bool stop;
    pthread_t ingest_thr, maint_thr;
    struct pool *pool;
    bool threads;
    uint64_t corrupt_parts, merges;
    uint64_t merge_blocks_copied, merge_rows_rebuilt; /* merge work since start */
    int merging; /* a merge is being written (gauge for /metrics) */
    /* flushes published, flushes that failed (their events read again from the WAL), and
     * the events shredded and then dropped for it (atomics, for /metrics) */
    uint64_t flushes, flush_failures, events_reread;
};

struct pool;

/* ---- checkpoint ---- */

static int read_checkpoint(const char *dir, uint64_t *seq)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/checkpoint", dir);
    unsigned char b[16];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *seq = 0;
    if (fd < 0)
        return errno == ENOENT ? WD_OK : WD_EIO;
    ssize_t n = read(fd, b, sizeof(b));
    close(fd);
    if (n != 16 || memcmp(b, "WDCK", 4) != 0 || (uint32_t)crc32(0, b, 12) != wd_get_u32(b + 12))
        return WD_ECORRUPT;
    *seq = (uint64_t)wd_get_u32(b + 4) | (uint64_t)wd_get_u32(b + 8) << 32;
    return WD_OK;
}

static int write_checkpoint(const char *dir, uint64_t seq)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof(path), "%s/checkpoint", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unsigned char b[16];
    memcpy(b, "WDCK", 4);
    wd_put_u32(b + 4, (uint32_t)seq);
    wd_put_u32(b + 8, (uint32_t)(seq >> 32));
    wd_put_u32(b + 12, (uint32_t)crc32(0, b, 12));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return WD_EIO;
    int rc = wd_store_write_all(fd, b, sizeof(b));
    if (!rc && wd_store_io->fsync(fd) != 0)
        rc = WD_EIO;
    close(fd);
    if (!rc && wd_store_io->rename(tmp, path) != 0)
        rc = WD_EIO;
    if (!rc)
        rc = wd_store_sync_dir(dir);
    if (rc)
        unlink(tmp);
    return rc;
}

/* ---- part list ---- */

static int cmp_parts(const void *a, const void *b)
{
    const struct wd_part *x = *(struct wd_part *const *)a, *y = *(struct wd_part *const *)b;
    int c = strcmp(x->partition, y->partition);
    if (c)
        return c;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void list_add(struct wd_store *st, struct wd_part *p)
{
    if (st->nparts == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->parts = wd_xrealloc(st->parts, st->cap * sizeof(*st->parts));
    }
    st->parts[st->nparts++] = p;
    qsort(st->parts, st->nparts, sizeof(*st->parts), cmp_parts);
}

static void list_remove(struct wd_store *st, struct wd_part *p)
{
    for (size_t i = 0; i < st->nparts; i++)
        if (st->parts[i] == p) {
            memmove(&st->parts[i], &st->parts[i + 1], (st->nparts - i - 1) * sizeof(*st->parts));
            st->nparts--;
            return;
        }
}

struct wd_part **wd_store_snapshot(struct wd_store *st, size_t *n)
{
    pthread_mutex_lock(&st->mu);
    struct wd_part **v = wd_xmalloc((st->nparts + 1) * sizeof(*v));
    for (size_t i = 0; i < st->nparts; i++) {
        v[i] = st->parts[i];
        wd_part_ref(v[i]);
    }
    *n = st->nparts;
    pthread_mutex_unlock(&st->mu);
    return v;
}

void wd_store_snapshot_free(struct wd_part **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wd_part_unref(v[i]);
    free(v);
}

static bool is_partition_name(const char *n)
{
    size_t l = strlen(n);
    if (l == 15 && (!strncmp(n, "events-", 7) || !strncmp(n, "divert-", 7)))
        return strspn(n + 7, "0123456789") == 8;
    if (l == 13 && !strncmp(n, "alerts-", 7))
        return strspn(n + 7, "0123456789") == 6;
    return false;
}

/* p-LO-HI-GGWW.wdp: WAL range, merge generation (00 = a flush), shredding worker. */
static bool parse_part_name(const char *n, uint64_t *lo, uint64_t *hi, unsigned *gen)
{
    char *end;
    if (strlen(n) != 44 || strncmp(n, "p-", 2) != 0 || n[18] != '-' || n[35] != '-' ||
        strcmp(n + 40, ".wdp") || strspn(n + 36, "0123456789abcdef") != 4)
        return false;
    *lo = strtoull(n + 2, &end, 16);
    if (end != n + 18)
        return false;
    *hi = strtoull(n + 19, &end, 16);
    if (end != n + 35)
        return false;
    *gen = (unsigned)((strtoul(n + 36, NULL, 16) >> 8) & 0xff);
    return true;
}

/* Whether part a is made redundant by part b: b covers a's range and is a merge of a (a
 * wider range, or the same range at a higher generation). */
static bool covered_by(const struct wd_part *a, const struct wd_part *b)
{
    if (a == b || strcmp(a->partition, b->partition) || b->lo > a->lo || a->hi > b->hi)
        return false;
    return b->lo < a->lo || a->hi < b->hi || b->gen > a->gen;
}

void wd_store_rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char p[4600];
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Calls fn for every file of every partition folder of the store. WD_EIO when the store
 * folder cannot be read. */
typedef void (*part_file_fn)(struct wd_store *st, const char *path, const char *name);

static int each_part_file(struct wd_store *st, part_file_fn fn)
{
    DIR *d = opendir(st->dir);
    if (!d)
        return WD_EIO;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_partition_name(de->d_name))
            continue;
        char pdir[4400];
        snprintf(pdir, sizeof(pdir), "%s/%s", st->dir, de->d_name);
        DIR *pd = opendir(pdir);
        if (!pd)
            continue;
        struct dirent *pe;
        while ((pe = readdir(pd))) {
            char path[4700];
            snprintf(path, sizeof(path), "%s/%s", pdir, pe->d_name);
            fn(st, path, pe->d_name);
        }
        closedir(pd);
    }
    closedir(d);
    return WD_OK;
}

/* Start-up: keeps a part, or removes what recovery says to remove. */
static void load_one(struct wd_store *st, const char *path, const char *name)
{
    size_t l = strlen(name);
    uint64_t lo, hi;
    unsigned gen;
    if (l > 4 && !strcmp(name + l - 4, ".tmp")) {
        unlink(path); /* an interrupted write */
        return;
    }
    if (!parse_part_name(name, &lo, &hi, &gen))
        return;
    if (lo > st->checkpoint) {
        /* Published by a flush whose checkpoint never landed: replayed from the WAL. */
        wd_log(WD_LOG_INFO, "store", "removing %s (after checkpoint %llu; replayed)", path,
               (unsigned long long)st->checkpoint);
        unlink(path);
        return;
    }
    struct wd_part *p;
    char perr[512];
    if (wd_part_open(path, &p, perr, sizeof(perr))) {
        wd_log(WD_LOG_ERROR, "store", "%s (part skipped; other data stays queryable)", perr);
        st->corrupt_parts++;
        return;
    }
    p->gen = gen;
    list_add(st, p);
}

/* Opens every part under the store directory, removing what recovery says to remove. */
static int load_parts(struct wd_store *st, char *err, size_t err_len)
{
    if (each_part_file(st, load_one)) {
        snprintf(err, err_len, "cannot open %s: %s", st->dir, strerror(errno));
        return WD_EIO;
    }
    /* A merge that crashed after publishing leaves the parts it covered: drop them. */
    for (size_t i = 0; i < st->nparts; i++)
        for (size_t j = 0; j < st->nparts; j++) {
            struct wd_part *a = st->parts[i], *b = st->parts[j];
            if (!covered_by(a, b))
                continue;
            wd_log(WD_LOG_INFO, "store", "removing %s (covered by merged %s)", a->path, b->path);
            unlink(a->path);
            list_remove(st, a);
            wd_part_unref(a);
            i = (size_t)-1;
            break;
        }
    return WD_OK;
}

/* ---- ingest ---- */

static void put_digits(char *o, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        o[i] = (char)('0' + v % 10);
}

/* The partition of an event: alerts-YYYYMM, divert-YYYYMMDD or events-YYYYMMDD. Formatted
 * by hand: it runs once per event, and snprintf cost more than the rest of the routing. */
static void partition_of(const struct wd_jv *ev, int64_t ts, char out[32])
{
    struct wd_civil c;
    wd_time_to_civil(ts, &c);
    const struct wd_jv *t = wd_jv_get(ev, "type");
    const struct wd_jv *d = wd_jv_get(ev, "diverted");
    const char *kind = "events-";
    bool monthly = false;
    if (t && t->type == WD_JV_STR && wd_str_eq(t->u.s, "alert"))
        kind = "alerts-", monthly = true;
    else if (d && d->type == WD_JV_TRUE) /* a filter's noise stream: its own retention */
        kind = "divert-";
    if (c.year < 0 || c.year > 9999) { /* as %04d would print it */
        snprintf(out, 32, monthly ? "%s%04d%02d" : "%s%04d%02d%02d", kind, (int)c.year, c.month,
                 c.day);
        return;
    }
    memcpy(out, kind, 7);
    put_digits(out + 7, (unsigned)c.year, 4);
    put_digits(out + 11, (unsigned)c.month, 2);
    put_digits(out + 13, (unsigned)c.day, 2);
    out[monthly ? 13 : 15] = '\0';
}

/* m: the hour of the last utctimestamp in ward's own form (events mostly share it) */
static int64_t event_ts(const struct wd_jv *ev, struct wd_time_memo *m)
{
    static const char *const keys[] = {"utctimestamp", "receivedtimestamp"};
    for (size_t i = 0; i < WD_ARRAY_LEN(keys); i++) {
        const struct wd_jv *v = wd_jv_get(ev, keys[i]);
        int64_t us;
        if (v && v->type == WD_JV_STR &&
            wd_time_parse_memo(v->u.s.p, v->u.s.len, i == 0 ? m : NULL, &us) == WD_OK)
            return us;
    }
    return wd_now_us();
}

/*
 * The ingest thread reads events from the WAL in batches into a ring and queues them;
 * each shredding worker takes the next queued batch whole (parse + shred + encode, one
 * builder per partition and worker), so the workers never wait for each other or for the
 * reading, and each worker's rows stay in id order (it takes batches in ring order). A
 * flush waits for every queued batch, then has every worker finish its parts; the parts
 * are published, then the checkpoint moves, under one lock hold, so searches see a flush
 * entirely or not at all.
 */
struct flush_state {
    struct builder_slot *slots;
    size_t nslots;
};

struct worker {
    struct wd_store *st;
    uint32_t id;
    pthread_t thr;
    struct flush_state fs;
    struct wd_arena arena;
    struct wd_time_memo tm; /* the hour of the last event's time */
    /* a flush of [lo, hi] */
    uint64_t lo, hi;
    uint64_t flush_seen;
    struct wd_part **opened; /* flush result: one part per slot */
    size_t nopened;
    int rc;
};

enum { SLOT_FREE, SLOT_QUEUED, SLOT_WORKING };

struct batch {
    struct wd_buf text; /* events back to back */
    size_t *off;
    size_t *len;
    uint64_t *seq;
    uint32_t n, cap;
    int state; /* SLOT_*, under the pool's lock */
};

static void fs_discard(struct flush_state *fs)
{
    for (size_t i = 0; i < fs->nslots; i++)
        wd_part_abort(&fs->slots[i].b);
    free(fs->slots);
    fs->slots = NULL;
    fs->nslots = 0;
}

static struct builder_slot *slot_for(struct wd_store *st, struct worker *w, const char *partition)
{
    struct flush_state *fs = &w->fs;
    for (size_t i = 0; i < fs->nslots; i++)
        if (!strcmp(fs->slots[i].partition, partition))
            return &fs->slots[i];
    char pdir[4200], tmp[4300];
    snprintf(pdir, sizeof(pdir), "%s/%s", st->dir, partition);
    if (mkdir(pdir, 0755) != 0 && errno != EEXIST)
        return NULL;
    fs->slots = wd_xrealloc(fs->slots, (fs->nslots + 1) * sizeof(*fs->slots));
    struct builder_slot *s = &fs->slots[fs->nslots++];
    memset(s, 0, sizeof(*s));
    snprintf(s->partition, sizeof(s->partition), "%s", partition);
    snprintf(tmp, sizeof(tmp), "%s/w%02x.tmp", pdir, w->id);
    if (wd_part_begin(&s->b, tmp, 1)) { /* zstd 1: as small as 3 on columns, faster */
        wd_part_abort(&s->b);
        fs->nslots--;
        return NULL;
    }
    return s;
}

/* Worker side of a flush: finishes every builder into a published (renamed) part. */
static int worker_flush(struct worker *w)
{
    struct wd_store *st = w->st;
    struct flush_state *fs = &w->fs;
    int rc = WD_OK;
    w->opened = wd_xcalloc(fs->nslots + 1, sizeof(*w->opened));
    w->nopened = fs->nslots;
    for (size_t i = 0; i < fs->nslots; i++) {
        struct builder_slot *s = &fs->slots[i];
        char final[4400];
        snprintf(final, sizeof(final), "%s/%s/p-%016llx-%016llx-00%02x.wdp", st->dir, s->partition,
                 (unsigned long long)w->lo, (unsigned long long)w->hi, w->id);
        if (rc) {
            wd_part_abort(&s->b);
            continue;
        }
        rc = wd_part_finish(&s->b, w->lo, w->hi, final);
        if (rc) {
            wd_log(WD_LOG_ERROR, "store", "cannot write %s: %s (events stay in the WAL)", final,
                   strerror(errno));
            continue;
        }
        char perr[512];
        if ((rc = wd_part_open(final, &w->opened[i], perr, sizeof(perr)))) {
            wd_log(WD_LOG_ERROR, "store", "%s", perr);
            unlink(final);
        }
    }
    free(fs->slots);
    fs->slots = NULL;
    fs->nslots = 0;
    return rc;
}

static int worker_shred(struct worker *w, const struct batch *bt)
{
    for (uint32_t i = 0; i < bt->n; i++) {
        struct wd_jv *v;
        struct wd_perr pe;
        const char *ev = bt->text.p + bt->off[i];
        if (wd_json_parse_compact(ev, bt->len[i], bt->text.cap - bt->off[i], 0, &w->arena, &v,
                                  &pe) == WD_OK &&
            v->type == WD_JV_OBJ) {
            int64_t ts = event_ts(v, &w->tm);
            char part[32];
            partition_of(v, ts, part);
            struct builder_slot *s = slot_for(w->st, w, part);
            if (!s || wd_part_add(&s->b, bt->seq[i], ts, v))
                return WD_EIO;
        } else {
            wd_log(WD_LOG_WARN, "store", "WAL event %llu is not a JSON object: skipped",
                   (unsigned long long)bt->seq[i]);
        }
        /* the tree is copied into the builder: the next one reuses its memory while it
         * is still in the cache */
        wd_arena_reset(&w->arena);
    }
    return WD_OK;
}

/* The workers and the ring of batches they take from. */
struct pool {
    struct worker *w;
    uint32_t n;
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers: a batch queued, a flush asked, or quit */
    pthread_cond_t done; /* ingest thread: a batch finished, a flush done */
    struct batch ring[RING];
    uint32_t take;      /* the next slot a worker takes (ring order) */
    uint32_t nbusy;     /* slots queued or being shredded */
    uint32_t rows;      /* rows shredded since the last flush */
    int err;            /* a worker's failure since the last flush (sticky) */
    uint64_t flush_gen; /* a flush is asked of every worker when this moves */
    uint32_t flushing;  /* workers still finishing their parts */
    bool quit;
};

static void *worker_main(void *arg)
{
    wd_thread_name("shred");
    struct worker *w = arg;
    struct pool *pl = w->st->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->quit && pl->flush_gen == w->flush_seen &&
               pl->ring[pl->take].state != SLOT_QUEUED)
            pthread_cond_wait(&pl->work, &pl->mu);
        if (pl->quit)
            break;
        if (pl->flush_gen != w->flush_seen) { /* asked only while no batch is queued */
            w->flush_seen = pl->flush_gen;
            pthread_mutex_unlock(&pl->mu);
            w->rc = worker_flush(w);
            pthread_mutex_lock(&pl->mu);
            if (--pl->flushing == 0)
                pthread_cond_broadcast(&pl->done);
            continue;
        }
        struct batch *bt = &pl->ring[pl->take];
        bt->state = SLOT_WORKING;
        pl->take = (pl->take + 1) % RING;
        if (pl->ring[pl->take].state == SLOT_QUEUED)
            pthread_cond_signal(&pl->work); /* more for another worker */
        bool skip = pl->err != 0;           /* the flush fails and is replayed anyway */
        pthread_mutex_unlock(&pl->mu);
        int rc = skip ? WD_OK : worker_shred(w, bt);
        pthread_mutex_lock(&pl->mu);
        if (rc && !pl->err)
            pl->err = rc;
        pl->rows += bt->n;
        bt->state = SLOT_FREE;
        pl->nbusy--;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* Waits (pool lock held) until no batch is queued or being shredded. */
static void wait_idle(struct pool *pl)
{
    while (pl->nbusy)
        pthread_cond_wait(&pl->done, &pl->mu);
}

/* Publishes a flush of [lo, hi] (no batch queued): every worker finishes its parts, then
 * the parts join the list and the checkpoint moves together. On failure everything of the
 * flush is removed and the caller re-reads the WAL from the old checkpoint. */
static int flush(struct wd_store *st, struct pool *pl, uint64_t lo, uint64_t hi)
{
    pthread_mutex_lock(&pl->mu);
    for (uint32_t i = 0; i < pl->n; i++) {
        pl->w[i].lo = lo;
        pl->w[i].hi = hi;
    }
    pl->flushing = pl->n;
    pl->flush_gen++;
    pthread_cond_broadcast(&pl->work);
    while (pl->flushing)
        pthread_cond_wait(&pl->done, &pl->mu);
    pl->rows = 0;
    pthread_mutex_unlock(&pl->mu);
    int rc = WD_OK;
    for (uint32_t i = 0; i < pl->n; i++)
        if (pl->w[i].rc)
            rc = pl->w[i].rc;
    if (!rc && (rc = write_checkpoint(st->dir, hi)))
        wd_log(WD_LOG_ERROR, "store", "cannot write the checkpoint: %s", strerror(errno));
    if (!rc)
        pthread_mutex_lock(&st->mu);
    for (uint32_t i = 0; i < pl->n; i++) {
        struct worker *w = &pl->w[i];
        for (size_t k = 0; k < w->nopened; k++) {
            struct wd_part *p = w->opened[k];
            if (!p)
                continue;
            if (rc) {
                unlink(p->path); /* its range is replayed */
                wd_part_unref(p);
            } else {
                list_add(st, p);
            }
        }
        free(w->opened);
        w->opened = NULL;
        w->nopened = 0;
    }
    if (!rc) {
        __atomic_add_fetch(&st->flushes, 1, __ATOMIC_RELAXED);
        st->checkpoint = hi;
        __atomic_store_n(&st->indexed, hi, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
    }
    return rc;
}

static void batch_add(struct batch *bt, uint64_t seq, const char *ev, size_t len)
{
    if (bt->n == bt->cap) {
        bt->cap = bt->cap ? bt->cap * 2 : 4096;
        bt->off = wd_xrealloc(bt->off, bt->cap * sizeof(*bt->off));
        bt->len = wd_xrealloc(bt->len, bt->cap * sizeof(*bt->len));
        bt->seq = wd_xrealloc(bt->seq, bt->cap * sizeof(*bt->seq));
    }
    bt->off[bt->n] = bt->text.len;
    bt->len[bt->n] = len;
    bt->seq[bt->n++] = seq;
    wd_buf_append(&bt->text, ev, len);
}

/* Drops every worker's unpublished parts (no batch queued); the events are read again. */
static void discard_all(struct pool *pl)
{
    for (uint32_t i = 0; i < pl->n; i++)
        fs_discard(&pl->w[i].fs);
    pl->rows = 0;
    pl->err = 0;
}

static void *ingest_main(void *arg)
{
    wd_thread_name("store");
    struct wd_store *st = arg;
    struct pool *pl = st->pool;
    struct wd_wal_tail *tail = NULL;
    char err[512];
    int64_t backoff_ms = 0, started_ns = 0;
    uint64_t lo = 0, last = 0;
    uint32_t fill = 0; /* the next slot of the ring to read into */
    bool pending = false;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        bool stop = st->stop;
        uint64_t ckpt = st->checkpoint;
        pthread_mutex_unlock(&st->mu);
        if (!tail) {
            if (wd_wal_tail_open(st->o.wal_dir, ckpt + 1, &tail, err, sizeof(err))) {
                wd_log(WD_LOG_ERROR, "store", "%s", err);
                tail = NULL;
                if (stop)
                    break;
                struct timespec ts = {0, 100 * 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            lo = ckpt + 1;
            last = ckpt;
            pending = false;
        }
        pthread_mutex_lock(&pl->mu);
        while (pl->ring[fill].state != SLOT_FREE)
            pthread_cond_wait(&pl->done, &pl->mu);
        pthread_mutex_unlock(&pl->mu);
        struct batch *bt = &pl->ring[fill];
        uint64_t limit = wd_wal_durable_seq(st->wal);
        uint64_t seq;
        const char *ev;
        size_t len;
        int rc = WD_OK;
        bt->n = 0;
        bt->text.len = 0;
        while (bt->n < BATCH_MAX_EVENTS && bt->text.len < BATCH_MAX_BYTES &&
               (rc = wd_wal_tail_next(tail, limit, &seq, &ev, &len, err, sizeof(err))) == WD_OK)
            batch_add(bt, seq, ev, len);
        if (rc == WD_ECORRUPT || (rc && rc != WD_EAGAIN))
            wd_log(WD_LOG_ERROR, "store", "reading the WAL: %s", err);
        if (bt->n) {
            if (!pending)
                started_ns = wd_mono_ns();
            pending = true;
            wd_buf_reserve(&bt->text, WD_JSON_PADDING);
            last = bt->seq[bt->n - 1];
            pthread_mutex_lock(&pl->mu);
            bt->state = SLOT_QUEUED;
            pl->nbusy++;
            pthread_cond_signal(&pl->work);
            pthread_mutex_unlock(&pl->mu);
            fill = (fill + 1) % RING;
        }
        /* Behind (this read stopped at a batch's size, not at the end of the log): the
         * events are late already, and a flush waits longer for bigger parts, which cost
         * less to finish and to merge, so the store catches up sooner. */
        int64_t wait_ns = st->o.flush_interval_ms * 1000000 * (rc == WD_OK ? FLUSH_BEHIND : 1);
        pthread_mutex_lock(&pl->mu);
        bool due =
            pending && (pl->rows >= FLUSH_MAX_ROWS || wd_mono_ns() - started_ns >= wait_ns || stop);
        int frc = pl->err;
        if (due || frc) { /* a flush covers every batch read; a failure discards them all */
            wait_idle(pl);
            frc = pl->err;
        }
        uint32_t held = pl->rows; /* what a failure makes the store read again */
        pthread_mutex_unlock(&pl->mu);
        if (!frc && due)
            frc = flush(st, pl, lo, last);
        if (frc) {
            /* Discard the flush and re-read from the checkpoint after a pause. */
            __atomic_add_fetch(&st->flush_failures, 1, __ATOMIC_RELAXED);
            __atomic_add_fetch(&st->events_reread, held, __ATOMIC_RELAXED);
            discard_all(pl);
            wd_wal_tail_close(tail);
            tail = NULL;
            backoff_ms = backoff_ms ? WD_MIN(backoff_ms * 2, 5000) : 100;
            if (stop)
                break;
            struct timespec ts = {backoff_ms / 1000, (backoff_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (due) {
            backoff_ms = 0;
            lo = last + 1;
            pending = false;
        }
        if (stop && (rc == WD_EAGAIN || rc == WD_ECORRUPT) && !pending)
            break;
        if (bt->n == 0 || rc == WD_EAGAIN) {
            struct timespec ts = {0, 10 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    pthread_mutex_lock(&pl->mu);
    wait_idle(pl);
    discard_all(pl);
    pthread_mutex_unlock(&pl->mu);
    wd_wal_tail_close(tail);
    return NULL;
}

/* ---- maintenance: merges and retention ---- */

static int64_t partition_day_us(const char *name)
{
    struct wd_civil c;
    memset(&c, 0, sizeof(c));
    int v = 0;
    for (int i = 7; name[i]; i++)
        v = v * 10 + (name[i] - '0');
    if (!strncmp(name, "alerts-", 7)) {
        c.year = v / 100;
        c.month = v % 100;
        c.day = 1;
    } else {
        c.year = v / 10000;
        c.month = v / 100 % 100;
        c.day = v % 100;
    }
    return wd_time_from_civil(&c);
}

static void retention(struct wd_store *st)
{
    int64_t now = wd_now_us(), day = 86400LL * 1000000;
    for (;;) {
        char victim[32] = "";
        pthread_mutex_lock(&st->mu);
        uint64_t total = 0;
        for (size_t i = 0; i < st->nparts; i++)
            total += st->parts[i]->file_bytes;
        for (size_t i = 0; i < st->nparts && !victim[0]; i++) {
            const char *pn = st->parts[i]->partition;
            bool alert = !strncmp(pn, "alerts-", 7);
            int64_t days = alert                        ? st->o.alert_retention_days
                           : !strncmp(pn, "divert-", 7) ? st->o.divert_retention_days
                                                        : st->o.retention_days;
            int64_t start = partition_day_us(pn);
            /* a month partition ends a month after its start; a day one a day after */
            int64_t end = start + (alert ? 31 : 1) * day;
            if (days > 0 && end <= now - days * day)
                snprintf(victim, sizeof(victim), "%s", pn);
        }
        if (!victim[0] && st->o.retention_bytes > 0 && total > (uint64_t)st->o.retention_bytes &&
            st->nparts) {
            /* oldest events partition by name (names sort by date) */
            const char *oldest = NULL;
            for (size_t i = 0; i < st->nparts; i++)
                if (!oldest || strcmp(st->parts[i]->partition + 7, oldest + 7) < 0)
                    oldest = st->parts[i]->partition;
            /* never delete the partition being written today by size alone when it is all */
            if (oldest)
                snprintf(victim, sizeof(victim), "%s", oldest);
        }
        if (!victim[0]) {
            pthread_mutex_unlock(&st->mu);
            return;
        }
        for (size_t i = 0; i < st->nparts;) {
            struct wd_part *p = st->parts[i];
            if (strcmp(p->partition, victim) == 0) {
                list_remove(st, p);
                wd_part_unref(p);
            } else
                i++;
        }
        pthread_mutex_unlock(&st->mu);
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s/%s", st->dir, victim);
        wd_log(WD_LOG_INFO, "store", "retention: deleting partition %s", victim);
        wd_store_rm_dir(dir);
    }
}

static bool list_has_path(struct wd_store *st, const char *path)
{
    for (size_t i = 0; i < st->nparts; i++)
        if (!strcmp(st->parts[i]->path, path))
            return true;
    return false;
}

/* A checkpointed part that appeared while running (ward restore) joins the list. */
static void rescan_one(struct wd_store *st, const char *path, const char *name)
{
    uint64_t lo, hi;
    unsigned gen;
    if (!parse_part_name(name, &lo, &hi, &gen))
        return;
    pthread_mutex_lock(&st->mu);
    bool want = hi <= st->checkpoint && !list_has_path(st, path);
    pthread_mutex_unlock(&st->mu);
    if (!want)
        return;
    struct wd_part *p;
    char perr[512];
    if (wd_part_open(path, &p, perr, sizeof(perr))) {
        wd_log(WD_LOG_ERROR, "store", "%s (part skipped)", perr);
        return;
    }
    p->gen = gen;
    pthread_mutex_lock(&st->mu);
    if (!list_has_path(st, path)) {
        wd_log(WD_LOG_INFO, "store", "new part %s (restored)", path);
        list_add(st, p);
        p = NULL;
    }
    pthread_mutex_unlock(&st->mu);
    wd_part_unref(p);
}

/* Follows partitions archived or restored by the CLI while the server runs: parts whose
 * files are gone leave the list, checkpointed parts that appeared join it. */
static void rescan(struct wd_store *st)
{
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->nparts;) {
        struct wd_part *p = st->parts[i];
        if (access(p->path, F_OK) != 0 && errno == ENOENT) {
            list_remove(st, p);
            wd_part_unref(p);
        } else
            i++;
    }
    pthread_mutex_unlock(&st->mu);
    each_part_file(st, rescan_one);
}

/* Size tier of a part: floor(log4(rows)). Parts are merged with neighbours of the same
 * tier only, so each event is rewritten about log4(events in the partition) times, and a
 * trickle of tiny parts (low ingest rates) never rewrites a large part over and over. */
static int tier(const struct wd_part *p)
{
    int t = 0;
    for (uint64_t r = p->nrows; r >= 4; r /= 4)
        t++;
    return t;
}

/* Picks a run of consecutive parts of one partition and tier; returns its length. */
static size_t pick_merge(struct wd_store *st, struct wd_part ***out)
{
    size_t n;
    struct wd_part **v = wd_store_snapshot(st, &n);
    size_t best_i = 0, best_n = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint64_t rows = 0;
        /* neighbours one tier apart merge too: flushes at a steady rate straddle a tier
         * boundary, and strict tiers would leave such runs unmerged */
        int t = tier(v[i]);
        while (j < n && !strcmp(v[j]->partition, v[i]->partition) && tier(v[j]) >= t - 1 &&
               tier(v[j]) <= t + 1 && rows + v[j]->nrows <= MERGE_MAX_ROWS) {
            rows += v[j]->nrows;
            j++;
        }
        if (j - i > best_n) {
            best_i = i;
            best_n = j - i;
        }
        i = j > i ? j : i + 1;
    }
    /* Never split parts of one flush (same range, several workers): a merged part covers
     * every part inside its range, so recovery would drop the ones left out. */
    while (best_n && best_i + best_n < n &&
           !strcmp(v[best_i + best_n]->partition, v[best_i]->partition) &&
           v[best_i + best_n]->lo == v[best_i + best_n - 1]->lo) {
        uint64_t l = v[best_i + best_n - 1]->lo;
        while (best_n && v[best_i + best_n - 1]->lo == l)
            best_n--;
    }
    while (best_n && best_i > 0 && !strcmp(v[best_i - 1]->partition, v[best_i]->partition) &&
           v[best_i - 1]->lo == v[best_i]->lo) {
        uint64_t l = v[best_i]->lo;
        while (best_n && v[best_i]->lo == l) {
            best_i++;
            best_n--;
        }
    }
    if (best_n < MERGE_MIN_PARTS) {
        wd_store_snapshot_free(v, n);
        return 0;
    }
    struct wd_part **run = wd_xmalloc(best_n * sizeof(*run));
    for (size_t k = 0; k < best_n; k++) {
        run[k] = v[best_i + k];
        wd_part_ref(run[k]);
    }
    wd_store_snapshot_free(v, n);
    *out = run;
    return best_n;
}

/* Drops (or keeps for reuse, wal.recycle_segments) the WAL segments every consumer is past:
 * the store's checkpoint and, when set, the hold (the detection engine's position). */
static void truncate_wal(struct wd_store *st)
{
    pthread_mutex_lock(&st->mu);
    uint64_t upto = st->checkpoint;
    pthread_mutex_unlock(&st->mu);
    if (!st->o.truncate_wal || !upto)
        return;
    if (st->o.wal_hold)
        upto = WD_MIN(upto, st->o.wal_hold(st->o.wal_hold_arg));
    if (upto)
        wd_wal_remove_upto(st->o.wal_dir, upto, st->o.wal_recycle);
}

static void *maint_main(void *arg)
{
    wd_thread_name("merge");
    struct wd_store *st = arg;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        if (!st->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&st->cv, &st->mu, &ts);
        }
        bool stop = st->stop;
        pthread_mutex_unlock(&st->mu);
        if (stop)
            break;
        retention(st);
        rescan(st);
        /* Before a merge too, which can take seconds: the WAL writer reuses the segments
         * given up here instead of filling fresh page cache (docs/BENCHMARKS.md). */
        truncate_wal(st);
        struct wd_part **run;
        size_t n = pick_merge(st, &run);
        if (n) {
            __atomic_store_n(&st->merging, 1, __ATOMIC_RELAXED);
            wd_store_merge_parts(st, run, n);
            __atomic_store_n(&st->merging, 0, __ATOMIC_RELAXED);
            for (size_t i = 0; i < n; i++)
                wd_part_unref(run[i]);
            free(run);
            truncate_wal(st);
        }
    }
    return NULL;
}

/* Replaces `in` (consecutive parts of one partition) by one merged part. */
int wd_store_merge_parts(struct wd_store *st, struct wd_part **in, size_t n)
{
    struct wd_part_builder b;
    char tmp[4400], final[4400];
    uint64_t lo = in[0]->lo, hi = in[0]->hi;
    unsigned gen = 0;
    for (size_t i = 0; i < n; i++) {
        lo = WD_MIN(lo, in[i]->lo);
        hi = WD_MAX(hi, in[i]->hi);
        gen = WD_MAX(gen, in[i]->gen);
    }
    if (++gen > 255)
        gen = 255;
    snprintf(final, sizeof(final), "%s/%s/p-%016llx-%016llx-%02x00.wdp", st->dir, in[0]->partition,
             (unsigned long long)lo, (unsigned long long)hi, gen);
    snprintf(tmp, sizeof(tmp), "%s/%s/m-%016llx-%016llx.tmp", st->dir, in[0]->partition,
             (unsigned long long)lo, (unsigned long long)hi);
    if (wd_part_begin(&b, tmp, 3)) {
        wd_part_abort(&b);
        return WD_EIO;
    }
    uint64_t copied = 0, rebuilt = 0;
    char err[512];
    int rc = wd_merge_blocks(&b, in, n, &st->stop, &copied, &rebuilt, err, sizeof(err));
    if (rc && rc != WD_EAGAIN)
        wd_log(WD_LOG_ERROR, "store", "merge stopped: %s", err);
    if (rc) {
        wd_part_abort(&b);
        return rc;
    }
    if ((rc = wd_part_finish(&b, lo, hi, final)))
        return rc;
    struct wd_part *m;
    char perr[512];
    if ((rc = wd_part_open(final, &m, perr, sizeof(perr)))) {
        wd_log(WD_LOG_ERROR, "store", "%s", perr);
        return rc;
    }
    m->gen = gen;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < n; i++) {
        list_remove(st, in[i]);
        unlink(in[i]->path);
        wd_part_unref(in[i]); /* the list's reference */
    }
    list_add(st, m);
    st->merges++;
    st->merge_blocks_copied += copied;
    st->merge_rows_rebuilt += rebuilt;
    pthread_mutex_unlock(&st->mu);
    return WD_OK;
}

/* ---- open / close ---- */

int wd_store_open(const struct wd_store_opts *o, struct wd_wal *wal, struct wd_store **out,
                  char *err, size_t err_len)
{
    if (wd_mkdir_p(o->dir)) {
        snprintf(err, err_len, "cannot create %s: %s", o->dir, strerror(errno));
        return WD_EIO;
    }
    struct wd_store *st = wd_xcalloc(1, sizeof(*st));
    st->o = *o;
    if (st->o.flush_interval_ms <= 0)
        st->o.flush_interval_ms = 1000;
    if (st->o.ingest_threads <= 0)
        st->o.ingest_threads = 1;
    st->dir = wd_xstrdup(o->dir);
    st->o.dir = st->dir;
    st->o.wal_dir = o->wal_dir ? wd_xstrdup(o->wal_dir) : NULL;
    st->wal = wal;
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&st->cv, &ca);
    int rc = read_checkpoint(st->dir, &st->checkpoint);
    if (rc) {
        snprintf(err, err_len, "%s/checkpoint: %s", st->dir,
                 rc == WD_ECORRUPT ? "corrupt (delete it to rebuild from the WAL)"
                                   : strerror(errno));
        wd_store_close(st);
        return rc;
    }
    st->indexed = st->checkpoint;
    if ((rc = load_parts(st, err, err_len))) {
        wd_store_close(st);
        return rc;
    }
    if (wal) {
        struct pool *pl = wd_xcalloc(1, sizeof(*pl));
        pl->n = (uint32_t)WD_MAX(1, WD_MIN(st->o.ingest_threads, 16));
        pl->w = wd_xcalloc(pl->n, sizeof(*pl->w));
        pthread_mutex_init(&pl->mu, NULL);
        pthread_cond_init(&pl->work, NULL);
        pthread_cond_init(&pl->done, NULL);
        for (uint32_t i = 0; i < RING; i++)
            wd_buf_init(&pl->ring[i].text, 0);
        st->pool = pl;
        for (uint32_t i = 0; i < pl->n; i++) {
            pl->w[i].st = st;
            pl->w[i].id = i;
            wd_arena_init(&pl->w[i].arena, (size_t)1 << 20, 0);
        }
        for (uint32_t i = 0; i < pl->n; i++)
            if (pthread_create(&pl->w[i].thr, NULL, worker_main, &pl->w[i])) {
                snprintf(err, err_len, "cannot start the store threads");
                pl->n = i; /* the ones started are joined at close */
                wd_store_close(st);
                return WD_ENOMEM;
            }
        if (pthread_create(&st->ingest_thr, NULL, ingest_main, st) ||
            pthread_create(&st->maint_thr, NULL, maint_main, st)) {
            snprintf(err, err_len, "cannot start the store threads");
            wd_store_close(st);
            return WD_ENOMEM;
        }
        st->threads = true;
    }
    *out = st;
    return WD_OK;
}

void wd_store_close(struct wd_store *st)
{
    if (!st)
        return;
    if (st->threads) {
        pthread_mutex_lock(&st->mu);
        __atomic_store_n(&st->stop, true, __ATOMIC_RELAXED);
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->ingest_thr, NULL);
        pthread_join(st->maint_thr, NULL);
    }
    if (st->pool) {
        struct pool *pl = st->pool;
        pthread_mutex_lock(&pl->mu);
        pl->quit = true;
        pthread_cond_broadcast(&pl->work);
        pthread_mutex_unlock(&pl->mu);
        for (uint32_t i = 0; i < pl->n; i++)
            pthread_join(pl->w[i].thr, NULL);
        for (uint32_t i = 0; i < pl->n; i++)
            wd_arena_fini(&pl->w[i].arena);
        for (uint32_t i = 0; i < RING; i++) {
            free(pl->ring[i].off);
            free(pl->ring[i].len);
            free(pl->ring[i].seq);
            wd_buf_fini(&pl->ring[i].text);
        }
        pthread_mutex_destroy(&pl->mu);
        pthread_cond_destroy(&pl->work);
        pthread_cond_destroy(&pl->done);
        free(pl->w);
        free(pl);
    }
    for (size_t i = 0; i < st->nparts; i++)
        wd_part_unref(st->parts[i]);
    free(st->parts);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free((char *)st->o.wal_dir);
    free(st->dir);
    free(st);
}

bool wd_store_merging(struct wd_store *st)
{
    return __atomic_load_n(&st->merging, __ATOMIC_RELAXED) != 0;
}

uint64_t wd_store_indexed_seq(struct wd_store *st)
{
    return __atomic_load_n(&st->indexed, __ATOMIC_ACQUIRE);
}

void wd_store_stats(struct wd_store *st, uint64_t *parts, uint64_t *bytes, uint64_t *rows,
                    uint64_t *merges, uint64_t *corrupt)
{
    pthread_mutex_lock(&st->mu);
    *parts = st->nparts;
    *bytes = *rows = 0;
    for (size_t i = 0; i < st->nparts; i++) {
        *bytes += st->parts[i]->file_bytes;
        *rows += st->parts[i]->nrows;
    }
    *merges = st->merges;
    *corrupt = st->corrupt_parts;
    pthread_mutex_unlock(&st->mu);
}

void wd_store_flush_stats(struct wd_store *st, struct wd_store_flush_stats *out)
{
    out->unpublished = 0;
    if (st->pool) {
        pthread_mutex_lock(&st->pool->mu);
        out->unpublished = st->pool->rows;
        pthread_mutex_unlock(&st->pool->mu);
    }
    out->flushes = __atomic_load_n(&st->flushes, __ATOMIC_RELAXED);
    out->failures = __atomic_load_n(&st->flush_failures, __ATOMIC_RELAXED);
    out->reread = __atomic_load_n(&st->events_reread, __ATOMIC_RELAXED);
}

void wd_store_merge_stats(struct wd_store *st, uint64_t *blocks_copied, uint64_t *rows_rebuilt)
{
    pthread_mutex_lock(&st->mu);
    *blocks_copied = st->merge_blocks_copied;
    *rows_rebuilt = st->merge_rows_rebuilt;
    pthread_mutex_unlock(&st->mu);
}
