/*
 * wal.c: write-ahead log with group commit (format and contract in wal.h).
 *
 * Submitters compute their payload checksum outside the lock, then take a sequence
 * range and queue the request. The writer thread drains the whole queue, writes it
 * with writev, syncs once per policy, and wakes every submitter of the group. Order
 * on disk equals sequence order because both are decided under the same lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "wal.h"
#include "cfg.h"
#include "crc32c.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "ward.h"

enum { REQ_QUEUED, REQ_DONE };

/* Consumed segments kept for reuse are renamed "recycled-<first seq>.wal" (not a segment
 * name: readers never list them). */
#define RECYCLED_PREFIX "recycled-"

struct wd_wal {
    char *dir;
    int durability;
    uint64_t segment_bytes;
    uint64_t queue_max_bytes;
    int fsync_interval_ms;
    struct wd_metrics *metrics;

    int fd;     /* current segment, written at seg_size */
    int dir_fd; /* for fsync after creating segments */
    uint64_t seg_size;
    bool seg_stale; /* the segment is a recycled file: bytes past seg_size are old records */
    bool dirty;     /* written but not fsync'd (async mode) */
    int64_t last_sync_ns;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;  /* writer waits for requests */
    pthread_cond_t done_cv;  /* submitters wait for their group */
    pthread_cond_t space_cv; /* submitters wait for queue space */
    struct wd_wal_req *head, *tail;
    uint64_t queued_bytes;
    uint64_t next_seq;
    uint64_t durable_next; /* every event below this is written (and synced per policy) */
    bool stop;
    int io_error;
    pthread_t thread;
};

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int wd_wal_payload_add(struct wd_buf *payload, const char *ev, size_t len)
{
    unsigned char n[4];
    if (len > UINT32_MAX)
        return WD_ELIMIT;
    put32(n, (uint32_t)len);
    int rc = wd_buf_append(payload, n, 4);
    return rc ? rc : wd_buf_append(payload, ev, len);
}

int wd_wal_payload_begin(struct wd_buf *payload, size_t *at)
{
    static const unsigned char zero[4];
    *at = payload->len;
    return wd_buf_append(payload, zero, 4);
}

int wd_wal_payload_end(struct wd_buf *payload, size_t at)
{
    size_t len = payload->len - at - 4;
    if (len > UINT32_MAX)
        return WD_ELIMIT;
    put32((unsigned char *)payload->p + at, (uint32_t)len);
    return WD_OK;
}

static void seg_name(char *out, size_t len, const char *dir, uint64_t seq)
{
    snprintf(out, len, "%s/%016llx.wal", dir, (unsigned long long)seq);
}

static int sync_fd(struct wd_wal *w, int fd)
{
    int64_t t0 = wd_mono_ns();
    int rc = fdatasync(fd);
    if (w->metrics)
        wd_metrics_observe_fsync(w->metrics, wd_mono_ns() - t0);
    w->last_sync_ns = wd_mono_ns();
    return rc;
}

/* How many recycled segment files (wd_wal_remove_upto) dir holds; the path of one goes
 * into first when first is not NULL and there is one. */
static unsigned scan_recycled(const char *dir, char *first, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, RECYCLED_PREFIX, strlen(RECYCLED_PREFIX)) && n++ == 0 && first)
            snprintf(first, len, "%s/%s", dir, de->d_name);
    closedir(d);
    return n;
}

/*
 * Starts the segment whose first event is seq. A recycled file is renamed to its name
 * and overwritten from offset 0: its pages are still in the page cache, so the writes
 * copy into them instead of allocating (and, on a VM, faulting in) fresh memory, and an
 * overwrite within the file's size leaves fdatasync no size to commit. The bytes past
 * seg_size are old records until overwritten; every reader tells them apart by their
 * sequence numbers (older than the segment's name), and the segment is cut to its
 * length when the writer leaves it.
 */
static int open_segment(struct wd_wal *w, uint64_t seq)
{
    char path[PATH_MAX], old[PATH_MAX];
    seg_name(path, sizeof(path), w->dir, seq);
    bool stale = scan_recycled(w->dir, old, sizeof(old)) && rename(old, path) == 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        wd_log(WD_LOG_ERROR, "wal", "cannot create %s: %s", path, strerror(errno));
        return WD_EIO;
    }
    if (w->durability != WD_DUR_NONE)
        fsync(w->dir_fd);
    if (w->fd >= 0)
        close(w->fd);
    w->fd = fd;
    w->seg_size = 0;
    w->seg_stale = stale;
    if (stale && w->metrics)
        wd_metric_add(&w->metrics->wal_segments_recycled, 1);
    return WD_OK;
}

/* Cuts the old records off a recycled segment the writer leaves (before its sync). */
static int cut_stale(struct wd_wal *w)
{
    if (!w->seg_stale)
        return WD_OK;
    if (ftruncate(w->fd, (off_t)w->seg_size) != 0) {
        wd_log(WD_LOG_ERROR, "wal", "cannot cut a recycled segment: %s", strerror(errno));
        return WD_EIO;
    }
    w->seg_stale = false;
    return WD_OK;
}

/* Segment sequence numbers in dir, sorted ascending. Caller frees *out. */
static int list_segments(const char *dir, uint64_t **out, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return WD_EIO;
    size_t cap = 16;
    uint64_t *v = wd_xmalloc(cap * sizeof(*v));
    *n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        if (strlen(de->d_name) != 20 || strcmp(de->d_name + 16, ".wal") != 0)
            continue;
        unsigned long long s = strtoull(de->d_name, &end, 16);
        if (end != de->d_name + 16)
            continue;
        if (*n == cap)
            v = wd_xrealloc(v, (cap *= 2) * sizeof(*v));
        v[(*n)++] = s;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) /* insertion sort: few segments */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    return WD_OK;
}

/* The record format of the magic at p (wal.h): 2 for WDW2, 1 for WDW1, else 0. */
static int record_version(const unsigned char *p)
{
    if (memcmp(p, "WDW", 3) != 0)
        return 0;
    return p[3] == '2' ? 2 : p[3] == '1' ? 1 : 0;
}

/* The checksum of a record: WDW2 is CRC-32C of the payload, then header bytes 0..19;
 * WDW1 (the original format, still read) is zlib's CRC-32 of the header bytes, then the
 * payload. */
static uint32_t record_crc(int version, const unsigned char *hdr, const unsigned char *payload,
                           uint32_t plen)
{
    if (version == 2)
        return wd_crc32c(wd_crc32c(0, payload, plen), hdr, 20);
    uLong crc = crc32(0, hdr, 20);
    return (uint32_t)crc32(crc, payload, plen);
}

/* Checks one record at buf[off..len); returns its total size, or 0 when torn/corrupt. */
static size_t check_record(const unsigned char *buf, size_t len, size_t off)
{
    if (len - off < WD_WAL_HDR_BYTES)
        return 0;
    int version = record_version(buf + off);
    if (!version)
        return 0;
    uint32_t plen = get32(buf + off + 4);
    if (len - off - WD_WAL_HDR_BYTES < plen)
        return 0;
    if (record_crc(version, buf + off, buf + off + WD_WAL_HDR_BYTES, plen) != get32(buf + off + 20))
        return 0;
    return WD_WAL_HDR_BYTES + plen;
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WD_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return WD_EIO;
    }
    *len = (size_t)st.st_size;
    *buf = wd_xmalloc(*len + 1);
    size_t got = 0;
    while (got < *len) {
        ssize_t r = read(fd, *buf + got, *len - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return WD_OK;
}

/* Scans the newest segment, truncates a torn tail (or the old records of a recycled file,
 * whose sequence numbers are older than the segment's name) and sets next_seq. */
static int recover(struct wd_wal *w, uint64_t seg_seq, char *err, size_t err_len)
{
    char path[PATH_MAX];
    unsigned char *buf;
    size_t len, off = 0;
    seg_name(path, sizeof(path), w->dir, seg_seq);
    if (read_file(path, &buf, &len)) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return WD_EIO;
    }
    w->next_seq = seg_seq;
    size_t n;
    while ((n = check_record(buf, len, off)) && get64(buf + off + 8) == w->next_seq) {
        w->next_seq += get32(buf + off + 16);
        off += n;
    }
    bool stale = n && get64(buf + off + 8) < seg_seq;
    free(buf);
    if (off < len) {
        if (stale)
            wd_log(WD_LOG_INFO, "wal",
                   "%s: the log ends at offset %zu (%zu bytes of a recycled segment cut)", path,
                   off, len - off);
        else
            wd_log(WD_LOG_WARN, "wal",
                   "torn or corrupt tail in %s at offset %zu (%zu bytes dropped: "
                   "never acknowledged)",
                   path, off, len - off);
        if (truncate(path, (off_t)off) != 0) {
            snprintf(err, err_len, "cannot truncate %s: %s", path, strerror(errno));
            return WD_EIO;
        }
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || lseek(fd, (off_t)off, SEEK_SET) < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return WD_EIO;
    }
    w->fd = fd;
    w->seg_size = off;
    return WD_OK;
}

/* Writes iov[0..n) completely (writev may write partially, e.g. on a full disk). */
static int writev_all(int fd, struct iovec *v, int n)
{
    while (n > 0) {
        ssize_t wr = writev(fd, v, n);
        if (wr < 0) {
            if (errno == EINTR)
                continue;
            wd_log(WD_LOG_ERROR, "wal", "write failed: %s", strerror(errno));
            return WD_EIO;
        }
        while (n > 0 && (size_t)wr >= v->iov_len) {
            wr -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0 && wr > 0) {
            v->iov_base = (char *)v->iov_base + wr;
            v->iov_len -= (size_t)wr;
        }
    }
    return WD_OK;
}

/* Writes every request of the group; returns WD_OK or WD_EIO. Called without the lock. */
static int write_group(struct wd_wal *w, struct wd_wal_req *group)
{
    struct iovec iov[512];
    int n = 0;
    uint64_t bytes = 0;
    for (struct wd_wal_req *r = group; r; r = r->next) {
        if (w->seg_size >= w->segment_bytes) {
            /* Finish the old segment (synced per policy), then start a new one. */
            if (writev_all(w->fd, iov, n))
                return WD_EIO;
            n = 0;
            if (cut_stale(w))
                return WD_EIO;
            if (w->durability != WD_DUR_NONE && sync_fd(w, w->fd) != 0)
                return WD_EIO;
            if (open_segment(w, get64(r->hdr + 8)))
                return WD_EIO;
        }
        iov[n].iov_base = r->hdr;
        iov[n++].iov_len = WD_WAL_HDR_BYTES;
        iov[n].iov_base = (void *)r->payload;
        iov[n++].iov_len = r->len;
        w->seg_size += WD_WAL_HDR_BYTES + r->len;
        bytes += WD_WAL_HDR_BYTES + r->len;
        if (n + 2 > (int)WD_ARRAY_LEN(iov) || !r->next) {
            if (writev_all(w->fd, iov, n))
                return WD_EIO;
            n = 0;
        }
    }
    if (w->metrics)
        wd_metric_add(&w->metrics->wal_bytes, bytes);
    w->dirty = true;
    if (w->durability == WD_DUR_FSYNC) {
        if (sync_fd(w, w->fd) != 0) {
            wd_log(WD_LOG_ERROR, "wal", "fdatasync failed: %s", strerror(errno));
            return WD_EIO;
        }
        w->dirty = false;
    }
    return WD_OK;
}

static void *writer_main(void *arg)
{
    wd_thread_name("wal");
    struct wd_wal *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stop) {
            if (w->durability == WD_DUR_ASYNC && w->dirty) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int64_t ns = ts.tv_nsec + (int64_t)w->fsync_interval_ms * 1000000;
                ts.tv_sec += ns / 1000000000;
                ts.tv_nsec = ns % 1000000000;
                if (pthread_cond_timedwait(&w->work_cv, &w->mu, &ts) == ETIMEDOUT && w->dirty) {
                    pthread_mutex_unlock(&w->mu);
                    sync_fd(w, w->fd);
                    w->dirty = false;
                    pthread_mutex_lock(&w->mu);
                }
            } else {
                pthread_cond_wait(&w->work_cv, &w->mu);
            }
        }
        if (!w->head && w->stop)
            break;
        struct wd_wal_req *group = w->head;
        w->head = w->tail = NULL;
        pthread_mutex_unlock(&w->mu);

        int rc = w->io_error ? WD_EIO : write_group(w, group);
        if (w->durability == WD_DUR_ASYNC && w->dirty &&
            wd_mono_ns() - w->last_sync_ns > (int64_t)w->fsync_interval_ms * 1000000) {
            sync_fd(w, w->fd);
            w->dirty = false;
        }

        pthread_mutex_lock(&w->mu);
        if (rc)
            w->io_error = rc;
        uint64_t bytes = 0, events = 0, records = 0;
        for (struct wd_wal_req *r = group, *next; r; r = next) {
            next = r->next;
            if (!rc)
                __atomic_store_n(&w->durable_next, r->first_seq + r->count, __ATOMIC_RELEASE);
            bytes += r->len;
            events += r->count;
            records++;
            r->rc = rc;
            r->state = REQ_DONE;
        }
        w->queued_bytes -= bytes;
        if (w->metrics) {
            wd_gauge_add(&w->metrics->wal_queue_bytes, -(int64_t)bytes);
            wd_gauge_add(&w->metrics->wal_queue_batches, -(int64_t)records);
            if (!rc) {
                wd_metric_add(&w->metrics->wal_events, events);
                wd_metric_add(&w->metrics->wal_records, records);
            }
        }
        pthread_cond_broadcast(&w->done_cv);
        pthread_cond_broadcast(&w->space_cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (w->seg_stale && !w->io_error && cut_stale(w) == WD_OK)
        w->dirty = true; /* a clean shutdown leaves no old records behind the log's end */
    if (w->dirty && w->durability != WD_DUR_NONE)
        sync_fd(w, w->fd);
    return NULL;
}

int wd_wal_open(const struct wd_wal_opts *o, struct wd_wal **out, char *err, size_t err_len)
{
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", o->dir, strerror(errno));
        return WD_EIO;
    }
    struct wd_wal *w = wd_xcalloc(1, sizeof(*w));
    w->dir = wd_xstrdup(o->dir);
    w->durability = o->durability;
    w->segment_bytes = o->segment_bytes ? o->segment_bytes : 64u << 20;
    w->queue_max_bytes = o->queue_max_bytes ? o->queue_max_bytes : 256u << 20;
    w->fsync_interval_ms = o->fsync_interval_ms > 0 ? o->fsync_interval_ms : 200;
    w->metrics = o->metrics;
    w->fd = -1;
    w->dir_fd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = WD_OK;
    uint64_t *segs = NULL;
    size_t nseg = 0;
    if (w->dir_fd < 0 || list_segments(o->dir, &segs, &nseg)) {
        snprintf(err, err_len, "cannot open %s: %s", o->dir, strerror(errno));
        rc = WD_EIO;
        goto fail;
    }
    if (nseg)
        rc = recover(w, segs[nseg - 1], err, err_len);
    else if ((w->next_seq = 1), open_segment(w, 1))
        rc = WD_EIO;
    free(segs);
    if (rc)
        goto fail;
    w->durable_next = w->next_seq;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    pthread_cond_init(&w->space_cv, NULL);
    w->last_sync_ns = wd_mono_ns();
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, err_len, "cannot start the WAL writer thread");
        rc = WD_ENOMEM;
        goto fail;
    }
    *out = w;
    return WD_OK;
fail:
    if (w->fd >= 0)
        close(w->fd);
    if (w->dir_fd >= 0)
        close(w->dir_fd);
    free(w->dir);
    free(w);
    return rc;
}

void wd_wal_close(struct wd_wal *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    close(w->fd);
    close(w->dir_fd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->done_cv);
    pthread_cond_destroy(&w->space_cv);
    free(w->dir);
    free(w);
}

int wd_wal_submit(struct wd_wal *w, struct wd_wal_req *r, bool wait_for_space)
{
    if (r->len > UINT32_MAX || r->count == 0)
        return WD_EINVAL;
    r->payload_crc = wd_crc32c(0, r->payload, r->len);
    pthread_mutex_lock(&w->mu);
    /* A batch larger than the whole queue is still admitted when the queue is empty. */
    while (w->queued_bytes && w->queued_bytes + r->len > w->queue_max_bytes && !w->io_error) {
        if (!wait_for_space) {
            pthread_mutex_unlock(&w->mu);
            return WD_EAGAIN;
        }
        pthread_cond_wait(&w->space_cv, &w->mu);
    }
    if (w->io_error) {
        pthread_mutex_unlock(&w->mu);
        return WD_EIO;
    }
    r->first_seq = w->next_seq;
    w->next_seq += r->count;
    memcpy(r->hdr, "WDW2", 4);
    put32(r->hdr + 4, (uint32_t)r->len);
    put64(r->hdr + 8, r->first_seq);
    put32(r->hdr + 16, r->count);
    /* The payload part was summed outside the lock; the header comes last (WDW2). */
    put32(r->hdr + 20, wd_crc32c(r->payload_crc, r->hdr, 20));
    r->state = REQ_QUEUED;
    r->next = NULL;
    if (w->tail)
        w->tail->next = r;
    else
        w->head = r;
    w->tail = r;
    w->queued_bytes += r->len;
    if (w->metrics) {
        wd_gauge_add(&w->metrics->wal_queue_bytes, (int64_t)r->len);
        wd_gauge_add(&w->metrics->wal_queue_batches, 1);
    }
    pthread_cond_signal(&w->work_cv);
    while (r->state != REQ_DONE)
        pthread_cond_wait(&w->done_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return r->rc;
}

uint64_t wd_wal_next_seq(struct wd_wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t s = w->next_seq;
    pthread_mutex_unlock(&w->mu);
    return s;
}

uint64_t wd_wal_durable_seq(struct wd_wal *w)
{
    return __atomic_load_n(&w->durable_next, __ATOMIC_ACQUIRE) - 1;
}

uint64_t wd_wal_queued_bytes(struct wd_wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t s = w->queued_bytes;
    pthread_mutex_unlock(&w->mu);
    return s;
}

struct wd_wal_iter {
    char *dir;
    uint64_t *segs;
    size_t nseg, seg;
    unsigned char *buf; /* current segment */
    size_t len, off;    /* record offset */
    size_t ev_off;      /* next event inside the current record; 0 = record not entered */
    uint64_t seq;
    uint64_t expect; /* first sequence number of the next record of this segment */
    uint32_t left;   /* events left in the current record */
};

int wd_wal_iter_open(const char *dir, struct wd_wal_iter **out)
{
    struct wd_wal_iter *it = wd_xcalloc(1, sizeof(*it));
    it->dir = wd_xstrdup(dir);
    if (list_segments(dir, &it->segs, &it->nseg)) {
        free(it->dir);
        free(it);
        return WD_ENOENT;
    }
    *out = it;
    return WD_OK;
}

int wd_wal_iter_next(struct wd_wal_iter *it, uint64_t *seq, const char **ev, size_t *len, char *err,
                     size_t err_len)
{
    while (!it->left) {
        if (it->buf && it->off < it->len) {
            size_t n = check_record(it->buf, it->len, it->off);
            if (n && get64(it->buf + it->off + 8) < it->expect) {
                it->off = it->len; /* old records of a recycled file: the segment ends */
                continue;
            }
            if (!n || get64(it->buf + it->off + 8) != it->expect) {
                char path[PATH_MAX];
                seg_name(path, sizeof(path), it->dir, it->segs[it->seg - 1]);
                snprintf(err, err_len, "%s: bad record at offset %zu", path, it->off);
                it->off = it->len; /* the rest of this segment is unreadable */
                return WD_ECORRUPT;
            }
            it->seq = get64(it->buf + it->off + 8);
            it->left = get32(it->buf + it->off + 16);
            it->expect = it->seq + it->left;
            it->ev_off = it->off + WD_WAL_HDR_BYTES;
            it->off += n;
            continue;
        }
        WD_FREE(it->buf);
        if (it->seg == it->nseg)
            return WD_ENOENT;
        char path[PATH_MAX];
        it->expect = it->segs[it->seg];
        seg_name(path, sizeof(path), it->dir, it->segs[it->seg++]);
        if (read_file(path, &it->buf, &it->len)) {
            snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
            return WD_EIO;
        }
        it->off = 0;
    }
    uint32_t n = get32(it->buf + it->ev_off);
    if (n > it->off - it->ev_off - 4) {
        snprintf(err, err_len, "event length out of record bounds at offset %zu", it->ev_off);
        it->left = 0;
        return WD_ECORRUPT;
    }
    *ev = (const char *)it->buf + it->ev_off + 4;
    *len = n;
    *seq = it->seq++;
    it->ev_off += 4 + n;
    it->left--;
    return WD_OK;
}

void wd_wal_iter_close(struct wd_wal_iter *it)
{
    if (!it)
        return;
    free(it->buf);
    free(it->segs);
    free(it->dir);
    free(it);
}

struct wd_wal_tail {
    char *dir;
    int fd;
    uint64_t seg;       /* first sequence number of the open segment */
    uint64_t off;       /* file offset of the next record */
    uint64_t from;      /* events below this are skipped */
    uint64_t seq;       /* sequence number of the next event */
    unsigned char *rec; /* current record */
    size_t rec_cap, ev_off, rec_end;
    uint32_t left; /* events left in the current record */
};

static int tail_open_seg(struct wd_wal_tail *t, uint64_t seg, char *err, size_t err_len)
{
    char path[PATH_MAX];
    seg_name(path, sizeof(path), t->dir, seg);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return errno == ENOENT ? WD_ENOENT : WD_EIO;
    }
    if (t->fd >= 0)
        close(t->fd);
    t->fd = fd;
    t->seg = seg;
    t->off = 0;
    return WD_OK;
}

int wd_wal_tail_open(const char *dir, uint64_t from, struct wd_wal_tail **out, char *err,
                     size_t err_len)
{
    uint64_t *segs = NULL;
    size_t n = 0;
    if (list_segments(dir, &segs, &n)) {
        snprintf(err, err_len, "cannot list %s: %s", dir, strerror(errno));
        return WD_EIO;
    }
    struct wd_wal_tail *t = wd_xcalloc(1, sizeof(*t));
    t->dir = wd_xstrdup(dir);
    t->fd = -1;
    t->from = from;
    t->seq = from;
    int rc = WD_OK;
    if (n) {
        size_t i = 0;
        while (i + 1 < n && segs[i + 1] <= from)
            i++;
        rc = tail_open_seg(t, segs[i], err, err_len);
        if (!rc && segs[i] > from)
            t->seq = segs[i]; /* older events were removed: they are stored already */
        else if (!rc)
            t->seq = segs[i];
    }
    free(segs);
    if (rc) {
        wd_wal_tail_close(t);
        return rc;
    }
    *out = t;
    return WD_OK;
}

static int tail_pread(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return (int)got;
        got += (size_t)r;
    }
    return (int)got;
}

/* Reads the record at t->off into t->rec. WD_EAGAIN at the end of what is written. */
static int tail_read_record(struct wd_wal_tail *t, char *err, size_t err_len)
{
    unsigned char hdr[WD_WAL_HDR_BYTES];
    if (t->fd < 0) {
        int rc = tail_open_seg(t, t->seq, err, err_len);
        return rc == WD_ENOENT ? WD_EAGAIN : rc;
    }
    int got = tail_pread(t->fd, hdr, sizeof(hdr), t->off);
    if (got == 0) {
        /* End of this segment: the writer may have rolled to one starting at t->seq. */
        if (t->seq == t->seg)
            return WD_EAGAIN;
        int rc = tail_open_seg(t, t->seq, err, err_len);
        return rc == WD_ENOENT ? WD_EAGAIN : rc ? rc : WD_EINVAL;
    }
    bool whole = got == (int)sizeof(hdr) && record_version(hdr);
    if (!whole || get64(hdr + 8) != t->seq) {
        /* Not the next record. If the segment starting at t->seq exists, this one ended
         * and its file was recycled after (its bytes here are older or newer records). */
        int rc = t->seq != t->seg ? tail_open_seg(t, t->seq, err, err_len) : WD_ENOENT;
        if (rc != WD_ENOENT)
            return rc ? rc : WD_EINVAL;
        if (whole && get64(hdr + 8) < t->seg)
            return WD_EAGAIN; /* a recycled file's older records: the end of the log */
    }
    char path[PATH_MAX];
    seg_name(path, sizeof(path), t->dir, t->seg);
    if (!whole || get64(hdr + 8) != t->seq) {
        snprintf(err, err_len, "%s: bad record header at offset %llu", path,
                 (unsigned long long)t->off);
        return WD_ECORRUPT;
    }
    size_t plen = get32(hdr + 4);
    if (t->rec_cap < WD_WAL_HDR_BYTES + plen + WD_WAL_TAIL_PAD) {
        /* padded: readers may parse an event in place (wd_wal_tail_readable) */
        t->rec_cap = WD_WAL_HDR_BYTES + plen + WD_WAL_TAIL_PAD;
        t->rec = wd_xrealloc(t->rec, t->rec_cap);
    }
    memcpy(t->rec, hdr, sizeof(hdr));
    if (tail_pread(t->fd, t->rec + WD_WAL_HDR_BYTES, plen, t->off + WD_WAL_HDR_BYTES) !=
            (int)plen ||
        !check_record(t->rec, WD_WAL_HDR_BYTES + plen, 0)) {
        snprintf(err, err_len, "%s: bad record at offset %llu", path, (unsigned long long)t->off);
        return WD_ECORRUPT;
    }
    t->off += WD_WAL_HDR_BYTES + plen;
    t->seq = get64(hdr + 8);
    t->left = get32(hdr + 16);
    t->ev_off = WD_WAL_HDR_BYTES;
    t->rec_end = WD_WAL_HDR_BYTES + plen;
    return WD_OK;
}

int wd_wal_tail_next(struct wd_wal_tail *t, uint64_t limit, uint64_t *seq, const char **ev,
                     size_t *len, char *err, size_t err_len)
{
    for (;;) {
        while (t->left) {
            if (t->rec_end - t->ev_off < 4 ||
                get32(t->rec + t->ev_off) > t->rec_end - t->ev_off - 4) {
                snprintf(err, err_len, "event length out of record bounds");
                t->left = 0;
                return WD_ECORRUPT;
            }
            uint32_t n = get32(t->rec + t->ev_off);
            const char *p = (const char *)t->rec + t->ev_off + 4;
            t->ev_off += 4 + n;
            t->left--;
            uint64_t s = t->seq++;
            if (s < t->from)
                continue;
            *seq = s;
            *ev = p;
            *len = n;
            return WD_OK;
        }
        if (t->seq > limit)
            return WD_EAGAIN;
        int rc = tail_read_record(t, err, err_len);
        if (rc == WD_EINVAL)
            continue; /* switched segment */
        if (rc)
            return rc;
    }
}

size_t wd_wal_tail_readable(const struct wd_wal_tail *t, const char *ev)
{
    return (size_t)((const char *)t->rec + t->rec_cap - ev);
}

void wd_wal_tail_close(struct wd_wal_tail *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t->rec);
    free(t->dir);
    free(t);
}

int wd_wal_remove_upto(const char *dir, uint64_t seq, unsigned keep)
{
    uint64_t *segs = NULL;
    size_t n = 0;
    if (list_segments(dir, &segs, &n))
        return WD_EIO;
    int removed = 0;
    unsigned kept = keep ? scan_recycled(dir, NULL, 0) : 0;
    for (size_t i = 0; i + 1 < n && segs[i + 1] - 1 <= seq; i++) {
        char path[PATH_MAX], to[PATH_MAX];
        seg_name(path, sizeof(path), dir, segs[i]);
        snprintf(to, sizeof(to), "%s/" RECYCLED_PREFIX "%016llx.wal", dir,
                 (unsigned long long)segs[i]);
        if (kept < keep && rename(path, to) == 0) {
            kept++;
            removed++;
        } else if (unlink(path) == 0) {
            removed++;
        }
    }
    free(segs);
    return removed;
}
