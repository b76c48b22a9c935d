/*
 * zeek_dir.c: the zeek.dir input (see zeek_dir.h). One thread scans the directory every
 * zeek.poll_interval_ms:
 *   - ROOT/current/<log>.log (or ROOT/<log>.log when there is no current/): files being
 *     written. Each is read through an open descriptor, so lines written just before a
 *     rotation renames or removes the file are still read to its end.
 *   - ROOT/YYYY-MM-DD/<log>.HH:MM:SS-HH:MM:SS.log[.gz]: rotated archives, read once.
 *
 * Identity across rotation: a file is known by a fingerprint of its first bytes (up to the
 * end of its first data line, at most 1 KiB; the TSV header holds #open with the second it
 * was created), so conn.log in current/ and the .log.gz zeekctl archives it to are one
 * file: the archive is read from where the live file was left.
 *
 * Durability: the checkpoint DATA_DIR/zeek-checkpoint maps fingerprints to the count of
 * bytes (of decompressed content) whose lines are in the write-ahead log, plus a done
 * flag. It is rewritten (temp, fsync, rename, fsync of the directory) after every WAL
 * commit, so a clean restart resumes exactly: no line lost, none repeated. A crash between
 * a commit and the checkpoint write (microseconds) repeats that one batch.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "zeek_dir.h"

#include "ingest.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "server.h"
#include "zeek.h"
#include "zeek_srv.h"

#define FP_BYTES    1024
#define READ_BYTES  ((size_t)4 << 20)
#define MAX_ENTRIES 65536
#define KEEP_S      ((int64_t)7 * 86400) /* forget entries of files gone this long */

struct entry {
    uint64_t fp;
    uint64_t off; /* bytes whose lines are durable (or were skipped as bad) */
    bool done;    /* read to its end and closed/archived, or refused */
    int64_t seen_s;
    char log[64];
};

/* A live file being tailed through its descriptor. */
struct live {
    char path[4600];
    int fd;
    dev_t dev;
    ino_t ino;
    uint64_t fp;
    struct wd_zeek_reader r;
    struct wd_buf pend; /* bytes read after `off` but not yet consumed (a partial line) */
    bool gone;          /* the path no longer names this file */
    bool used;          /* seen in the current scan */
};

struct wd_zeek_dir {
    struct wd_server *s;
    pthread_t thr;
    bool stop;
    char root[4096], live_dir[4200], ckpt[4200];
    struct entry *e;
    size_t ne;
    bool dirty;
    struct live *lv[256];
    size_t nlv;
    struct wd_ingest_batch batch;
    uint64_t bytes, files_done, ckpt_writes, ckpt_errors, tracked, scans;
};

/* ---- checkpoint ---- */

static struct entry *find(struct wd_zeek_dir *d, uint64_t fp)
{
    for (size_t i = 0; i < d->ne; i++)
        if (d->e[i].fp == fp)
            return &d->e[i];
    return NULL;
}

static struct entry *get(struct wd_zeek_dir *d, uint64_t fp, const char *log)
{
    struct entry *x = find(d, fp);
    if (x)
        return x;
    if (d->ne == MAX_ENTRIES)
        return NULL;
    d->e = wd_xrealloc(d->e, (d->ne + 1) * sizeof(*d->e));
    x = &d->e[d->ne++];
    memset(x, 0, sizeof(*x));
    x->fp = fp;
    snprintf(x->log, sizeof(x->log), "%s", log);
    d->dirty = true;
    return x;
}

/* "FP_HEX OFFSET DONE SEEN LOG": false when the line is not that. */
static bool ckpt_line(const char *p, unsigned long long *fp, unsigned long long *off, int *done,
                      long long *seen, char *log, size_t log_len)
{
    char *end;
    errno = 0;
    *fp = strtoull(p, &end, 16);
    if (end == p || *end != ' ')
        return false;
    p = end + 1;
    *off = strtoull(p, &end, 10);
    if (end == p || *end != ' ' || (end[1] != '0' && end[1] != '1') || end[2] != ' ')
        return false;
    *done = end[1] == '1';
    p = end + 3;
    *seen = strtoll(p, &end, 10);
    if (end == p || *end != ' ' || errno)
        return false;
    p = end + 1;
    size_t n = strcspn(p, " \n");
    if (n == 0 || n >= log_len || (p[n] != '\n' && p[n] != '\0'))
        return false;
    memcpy(log, p, n);
    log[n] = '\0';
    return true;
}

static int ckpt_load(struct wd_zeek_dir *d)
{
    FILE *f = fopen(d->ckpt, "r");
    if (!f)
        return errno == ENOENT ? WD_OK : WD_EIO;
    char line[256];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        unsigned long long fp, off;
        int done;
        long long seen;
        char log[64];
        if (!ckpt_line(line, &fp, &off, &done, &seen, log, sizeof(log))) {
            wd_log(WD_LOG_ERROR, "zeek",
                   "%s:%d: unreadable checkpoint line; move the file "
                   "away to re-read the directory from the start",
                   d->ckpt, lineno);
            (void)fclose(f);
            return WD_ECORRUPT;
        }
        struct entry *x = get(d, fp, log);
        if (x) {
            x->off = off;
            x->done = done != 0;
            x->seen_s = seen;
        }
    }
    (void)fclose(f);
    d->dirty = false;
    return WD_OK;
}

static void ckpt_write(struct wd_zeek_dir *d)
{
    if (!d->dirty)
        return;
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", d->ckpt);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL;
    for (size_t i = 0; ok && i < d->ne; i++)
        ok = fprintf(f, "%016llx %llu %d %lld %s\n", (unsigned long long)d->e[i].fp,
                     (unsigned long long)d->e[i].off, d->e[i].done ? 1 : 0,
                     (long long)d->e[i].seen_s, d->e[i].log[0] ? d->e[i].log : "-") > 0;
    if (f) {
        ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok = fclose(f) == 0 && ok;
    }
    ok = ok && rename(tmp, d->ckpt) == 0;
    if (ok) {
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s", d->ckpt);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        d->dirty = false;
        d->ckpt_writes++;
    } else {
        d->ckpt_errors++;
        wd_log(WD_LOG_ERROR, "zeek", "cannot write the checkpoint %s: %s", d->ckpt,
               strerror(errno));
    }
}

/* ---- fingerprints ---- */

/* FNV-1a of p[0..n), n = the end of the first data line (a line not starting with '#'),
 * at most FP_BYTES. False while a live file is too short to tell. complete: p is the
 * whole file (a short archive). */
static bool fingerprint(const char *p, size_t len, bool complete, uint64_t *fp)
{
    size_t n = 0;
    bool found = false;
    while (n < len && n < FP_BYTES) {
        const char *nl = memchr(p + n, '\n', len - n);
        if (!nl)
            break;
        bool meta = p[n] == '#';
        n = (size_t)(nl - p) + 1;
        if (!meta) {
            found = true;
            break;
        }
    }
    if (found)
        n = WD_MIN(n, (size_t)FP_BYTES);
    else if (len >= FP_BYTES)
        n = FP_BYTES; /* a long header or a long first line */
    else if (complete && len > 0)
        n = len;
    else
        return false;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    *fp = h;
    return true;
}

/* Reads the first FP_BYTES (decompressed) of a file. */
static ssize_t head_of(const char *path, char *buf, bool *complete)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return -1;
    int n = gzread(g, buf, FP_BYTES);
    char one;
    *complete = n >= 0 && n < FP_BYTES && gzread(g, &one, 1) == 0;
    gzclose(g);
    return n;
}

/* ---- reading ---- */

static struct wd_str sensor_of(struct wd_zeek_dir *d)
{
    const char *s = d->s->cfg.zeek_sensor[0] ? d->s->cfg.zeek_sensor : d->s->hostname;
    return (struct wd_str){s, strlen(s)};
}

/* Feeds the header lines in buf[0..off) to the reader (resuming mid-file). */
static void replay_header(struct wd_zeek_reader *r, const char *buf, size_t off)
{
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    for (size_t p = 0; p < off;) {
        const char *nl = memchr(buf + p, '\n', off - p);
        size_t n = nl ? (size_t)(nl - (buf + p)) : off - p;
        if (r->fmt == WD_ZF_NONE || buf[p] == '#') {
            struct wd_jv *rec;
            struct wd_str log;
            (void)wd_zeek_reader_line(r, buf + p, n, n, &a, &rec, &log, NULL);
            wd_arena_reset(&a);
        }
        if (r->fmt == WD_ZF_JSON)
            break;
        p += n + 1;
    }
    wd_arena_fini(&a);
}

/*
 * Ingests data (the bytes after x->off) through r; returns bytes consumed. final: the
 * file is complete (a last line without newline is rejected). Marks x done when final
 * and all consumed, or when the file is not Zeek.
 */
static size_t feed(struct wd_zeek_dir *d, struct entry *x, struct wd_zeek_reader *r,
                   const char *buf, size_t len, bool final, const char *path)
{
    struct wd_zeek_result res;
    size_t used = 0;
    int rc = wd_zeek_ingest(d->s, r, &d->batch, sensor_of(d), buf, len, final, x->off, WD_IN_ZEEK,
                            &used, &res);
    if (res.refused) {
        wd_log(WD_LOG_WARN, "zeek", "%s: %s; file refused", path, res.refused_why);
        x->done = true;
        d->dirty = true;
        return len;
    }
    if (res.bad_lines)
        wd_log_rl(&d->s->rl_ingest, WD_LOG_WARN, "zeek",
                  "%s: %llu bad line(s); first at byte offset %llu: %s", path,
                  (unsigned long long)res.bad_lines, (unsigned long long)res.bad_off, res.bad_why);
    if (rc) {
        /* WAL trouble: nothing past the last commit is acknowledged; retry next scan */
        wd_log_rl(&d->s->rl_ingest, WD_LOG_WARN, "zeek", "%s: write-ahead log: %s", path,
                  wd_strerror(rc));
    }
    if (used) {
        x->off += used;
        d->bytes += used;
        d->dirty = true;
    }
    if (final && used == len && !rc) {
        x->done = true;
        d->files_done++;
        d->dirty = true;
    }
    ckpt_write(d);
    return used;
}

/* Reads an archive (or any file read whole) from its checkpoint offset. */
static void read_whole(struct wd_zeek_dir *d, const char *path, const char *log, uint64_t fp)
{
    struct entry *x = get(d, fp, log);
    if (!x || x->done)
        return;
    gzFile g = gzopen(path, "rb");
    if (!g)
        return;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    char tmp[65536];
    int n;
    while ((n = gzread(g, tmp, sizeof(tmp))) > 0)
        if (wd_buf_append(&b, tmp, (size_t)n))
            break;
    int err = Z_OK;
    (void)gzerror(g, &err);
    bool complete = n == 0 && err == Z_OK; /* a .gz still being written ends early */
    gzclose(g);
    if (x->off <= b.len) {
        struct wd_zeek_reader r;
        wd_zeek_reader_init(&r, log);
        replay_header(&r, b.p ? b.p : "", (size_t)x->off);
        feed(d, x, &r, b.p + x->off, b.len - (size_t)x->off, complete, path);
        wd_zeek_reader_fini(&r);
    }
    wd_buf_fini(&b);
}

static void live_close(struct wd_zeek_dir *d, size_t i)
{
    struct live *l = d->lv[i];
    close(l->fd);
    wd_zeek_reader_fini(&l->r);
    wd_buf_fini(&l->pend);
    free(l);
    d->lv[i] = d->lv[--d->nlv];
}

/* Reads what was appended to a live file. */
static void live_read(struct wd_zeek_dir *d, struct live *l)
{
    struct entry *x = find(d, l->fp);
    if (!x || x->done)
        return;
    char *tmp = malloc(READ_BYTES);
    if (!tmp)
        return;
    for (;;) {
        ssize_t n = pread(l->fd, tmp, READ_BYTES, (off_t)(x->off + l->pend.len));
        if (n <= 0)
            break;
        wd_buf_append(&l->pend, tmp, (size_t)n);
        size_t used = feed(d, x, &l->r, l->pend.p, l->pend.len, false, l->path);
        memmove(l->pend.p, l->pend.p + used, l->pend.len - used);
        l->pend.len -= used;
        if (x->done || (size_t)n < READ_BYTES || __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE))
            break;
    }
    free(tmp);
    /* #close at the end and nothing pending: Zeek closed the file */
    if (!x->done && l->r.closed && l->pend.len == 0) {
        x->done = true;
        d->files_done++;
        d->dirty = true;
        ckpt_write(d);
    }
}

static struct live *live_find(struct wd_zeek_dir *d, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < d->nlv; i++)
        if (d->lv[i]->dev == dev && d->lv[i]->ino == ino)
            return d->lv[i];
    return NULL;
}

static bool tracked_fp(struct wd_zeek_dir *d, uint64_t fp)
{
    for (size_t i = 0; i < d->nlv; i++)
        if (d->lv[i]->fp == fp)
            return true;
    return false;
}

/* A live file seen in the scan. */
static void live_seen(struct wd_zeek_dir *d, const char *path, const struct stat *st)
{
    struct live *l = live_find(d, st->st_dev, st->st_ino);
    if (l) {
        l->used = true;
        return;
    }
    if (d->nlv == WD_ARRAY_LEN(d->lv))
        return;
    char head[FP_BYTES];
    bool complete;
    ssize_t n = head_of(path, head, &complete);
    uint64_t fp;
    if (n <= 0 || !fingerprint(head, (size_t)n, false, &fp))
        return; /* too short to identify yet */
    if (tracked_fp(d, fp))
        return; /* the same file under a second name (renamed by rotation) */
    char log[64];
    wd_zeek_log_of_file(path, log, sizeof(log));
    struct entry *x = get(d, fp, log);
    if (!x || x->done)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    l = wd_xcalloc(1, sizeof(*l));
    snprintf(l->path, sizeof(l->path), "%s", path);
    l->fd = fd;
    l->dev = st->st_dev;
    l->ino = st->st_ino;
    l->fp = fp;
    l->used = true;
    wd_zeek_reader_init(&l->r, log);
    wd_buf_init(&l->pend, 0);
    if (x->off) { /* resuming: the header is before the checkpoint */
        size_t hn = (size_t)WD_MIN(x->off, (uint64_t)(1u << 20)); /* headers lead the file */
        char *hb = malloc(hn);
        ssize_t got = hb ? pread(fd, hb, hn, 0) : -1;
        if (got > 0)
            replay_header(&l->r, hb, (size_t)got);
        free(hb);
    }
    d->lv[d->nlv++] = l;
}

static bool is_date_dir(const char *n)
{
    /* YYYY-MM-DD */
    if (strlen(n) != 10)
        return false;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? n[i] != '-' : (n[i] < '0' || n[i] > '9'))
            return false;
    return true;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Archives first (oldest first), each read whole once. */
static void scan_archives(struct wd_zeek_dir *d, int64_t now_s)
{
    DIR *r = opendir(d->root);
    if (!r)
        return;
    char **paths = NULL;
    size_t np = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(r))) {
        if (!is_date_dir(de->d_name))
            continue;
        char sub[4200];
        snprintf(sub, sizeof(sub), "%s/%s", d->root, de->d_name);
        DIR *s = opendir(sub);
        if (!s)
            continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            if (f->d_name[0] == '.' ||
                !(ends_with(f->d_name, ".log.gz") || ends_with(f->d_name, ".log")))
                continue;
            if (np == cap) {
                cap = cap ? 2 * cap : 64;
                paths = wd_xrealloc(paths, cap * sizeof(*paths));
            }
            char p[4500];
            snprintf(p, sizeof(p), "%s/%s", sub, f->d_name);
            paths[np++] = wd_xstrdup(p);
        }
        closedir(s);
    }
    closedir(r);
    if (np)
        qsort(paths, np, sizeof(*paths), cmp_str);
    for (size_t i = 0; i < np && !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE); i++) {
        char head[FP_BYTES];
        bool complete;
        ssize_t n = head_of(paths[i], head, &complete);
        uint64_t fp;
        if (n > 0 && fingerprint(head, (size_t)n, complete, &fp) && !tracked_fp(d, fp)) {
            char log[64];
            wd_zeek_log_of_file(paths[i], log, sizeof(log));
            struct entry *x = get(d, fp, log);
            if (x && x->seen_s != now_s) {
                x->seen_s = now_s; /* not a reason to rewrite the checkpoint on its own */
            }
            if (x && !x->done)
                read_whole(d, paths[i], log, fp);
        }
        free(paths[i]);
    }
    free(paths);
}

static void scan_live(struct wd_zeek_dir *d, int64_t now_s)
{
    for (size_t i = 0; i < d->nlv; i++)
        d->lv[i]->used = false;
    DIR *r = opendir(d->live_dir);
    struct dirent *de;
    while (r && (de = readdir(r))) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".log"))
            continue;
        char p[4500];
        snprintf(p, sizeof(p), "%s/%s", d->live_dir, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            live_seen(d, p, &st);
    }
    if (r)
        closedir(r);
    for (size_t i = 0; i < d->nlv && !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);) {
        struct live *l = d->lv[i];
        live_read(d, l);
        struct entry *x = find(d, l->fp);
        if (x)
            x->seen_s = now_s;
        /* renamed away or removed (rotation), read to its end: the archive finishes it */
        if (!l->used || (x && x->done)) {
            live_close(d, i);
            continue;
        }
        i++;
    }
}

static void prune(struct wd_zeek_dir *d, int64_t now_s)
{
    for (size_t i = 0; i < d->ne;) {
        if (d->e[i].seen_s && now_s - d->e[i].seen_s > KEEP_S) {
            d->e[i] = d->e[--d->ne];
            d->dirty = true;
        } else {
            i++;
        }
    }
}

static void *dir_main(void *arg)
{
    wd_thread_name("zeek-dir");
    struct wd_zeek_dir *d = arg;
    while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
        int64_t now_s = wd_now_us() / 1000000;
        scan_archives(d, now_s);
        scan_live(d, now_s);
        prune(d, now_s);
        ckpt_write(d);
        d->tracked = d->nlv;
        __atomic_add_fetch(&d->scans, 1, __ATOMIC_RELEASE);
        for (int64_t slept = 0; slept < d->s->cfg.zeek_poll_interval_ms &&
                                !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
             slept += 10) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

int wd_zeek_dir_start(struct wd_server *s, struct wd_zeek_dir **out)
{
    *out = NULL;
    struct stat st;
    if (stat(s->cfg.zeek_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        wd_log(WD_LOG_ERROR, "zeek", "zeek.dir %s is not a directory", s->cfg.zeek_dir);
        return 1;
    }
    struct wd_zeek_dir *d = wd_xcalloc(1, sizeof(*d));
    d->s = s;
    snprintf(d->root, sizeof(d->root), "%.4000s", s->cfg.zeek_dir);
    snprintf(d->live_dir, sizeof(d->live_dir), "%s/current", d->root);
    if (stat(d->live_dir, &st) != 0)
        snprintf(d->live_dir, sizeof(d->live_dir), "%.4000s", d->root);
    snprintf(d->ckpt, sizeof(d->ckpt), "%.4000s/zeek-checkpoint", s->cfg.data_dir);
    if (ckpt_load(d)) {
        wd_log(WD_LOG_ERROR, "zeek", "cannot read the checkpoint %s", d->ckpt);
        free(d->e);
        free(d);
        return 1;
    }
    wd_ingest_batch_init(&d->batch);
    if (pthread_create(&d->thr, NULL, dir_main, d) != 0) {
        wd_log(WD_LOG_ERROR, "zeek", "cannot start the zeek.dir thread");
        wd_ingest_batch_fini(&d->batch);
        free(d->e);
        free(d);
        return 1;
    }
    wd_log(WD_LOG_INFO, "zeek", "tailing zeek.dir=%s (live files in %s) checkpoint=%s entries=%zu",
           d->root, d->live_dir, d->ckpt, d->ne);
    *out = d;
    return 0;
}

void wd_zeek_dir_stop(struct wd_zeek_dir *d)
{
    if (!d)
        return;
    __atomic_store_n(&d->stop, true, __ATOMIC_RELEASE);
    pthread_join(d->thr, NULL);
    ckpt_write(d);
    while (d->nlv)
        live_close(d, 0);
    wd_ingest_batch_fini(&d->batch);
    free(d->e);
    free(d);
}

void wd_zeek_dir_render_prom(struct wd_zeek_dir *d, struct wd_buf *o)
{
    if (!d)
        return;
    wd_buf_printf(o,
                  "# HELP ward_zeek_dir_bytes_total Bytes of Zeek logs read from zeek.dir.\n"
                  "# TYPE ward_zeek_dir_bytes_total counter\nward_zeek_dir_bytes_total %llu\n"
                  "# HELP ward_zeek_dir_files_done_total Files of zeek.dir read to their end.\n"
                  "# TYPE ward_zeek_dir_files_done_total counter\n"
                  "ward_zeek_dir_files_done_total %llu\n"
                  "# HELP ward_zeek_dir_scans_total Completed scans of zeek.dir.\n"
                  "# TYPE ward_zeek_dir_scans_total counter\nward_zeek_dir_scans_total %llu\n"
                  "# HELP ward_zeek_dir_live_files Files of zeek.dir being tailed.\n"
                  "# TYPE ward_zeek_dir_live_files gauge\nward_zeek_dir_live_files %llu\n"
                  "# HELP ward_zeek_dir_checkpoint_writes_total Checkpoint writes.\n"
                  "# TYPE ward_zeek_dir_checkpoint_writes_total counter\n"
                  "ward_zeek_dir_checkpoint_writes_total %llu\n"
                  "# HELP ward_zeek_dir_checkpoint_errors_total Checkpoint writes that failed.\n"
                  "# TYPE ward_zeek_dir_checkpoint_errors_total counter\n"
                  "ward_zeek_dir_checkpoint_errors_total %llu\n",
                  (unsigned long long)__atomic_load_n(&d->bytes, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&d->files_done, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&d->scans, __ATOMIC_ACQUIRE),
                  (unsigned long long)__atomic_load_n(&d->tracked, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&d->ckpt_writes, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&d->ckpt_errors, __ATOMIC_RELAXED));
}
