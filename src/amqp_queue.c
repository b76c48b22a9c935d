/*
 * amqp_queue.c: the disk-backed retry queue of the AMQP output (format in amqp_int.h).
 * One append-only file of checksummed records and a 16-byte acknowledgement file. The
 * output thread peeks records, publishes them, and pops them only after the broker
 * confirmed them, so a crash or an outage at any point loses nothing it accepted
 * (duplicates are possible: a record published but not yet popped is sent again).
 *
 * Invariants: [read_off, end) holds exactly the waiting records, oldest first, with
 * increasing seq; acked_seq < the seq at read_off; end <= max_bytes unless one record
 * alone is larger (it is dropped instead). All state is under mu.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "amqp_int.h"
#include "log.h"
#include "mem.h"

#define HDR 16

struct wd_amqp_q {
    pthread_mutex_t mu;
    int fd, ack_fd;
    char path[4200], tmp[4200];
    uint64_t max_bytes;
    uint64_t read_off, end;
    uint64_t next_seq, acked_seq;
    uint64_t depth;
    struct wd_amqp_q_stats st;
};

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t rec_crc(const unsigned char *seq8, const void *body, size_t len)
{
    uLong c = crc32(0, seq8, 8);
    return (uint32_t)crc32(c, body, (uInt)len);
}

static int full_pwrite(int fd, const void *p, size_t n, off_t off)
{
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return WD_EIO;
        c += w;
        n -= (size_t)w;
        off += w;
    }
    return WD_OK;
}

static int full_pread(int fd, void *p, size_t n, off_t off)
{
    char *c = p;
    while (n) {
        ssize_t r = pread(fd, c, n, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return WD_EIO;
        c += r;
        n -= (size_t)r;
        off += r;
    }
    return WD_OK;
}

static int write_ack(struct wd_amqp_q *q, uint64_t seq)
{
    unsigned char b[16];
    put64(b, seq);
    put64(b + 8, ~seq);
    if (full_pwrite(q->ack_fd, b, 16, 0) || fdatasync(q->ack_fd))
        return WD_EIO;
    q->acked_seq = seq;
    return WD_OK;
}

/* Reads the header at off: body length and seq. */
static int read_hdr(struct wd_amqp_q *q, uint64_t off, uint32_t *len, uint64_t *seq)
{
    unsigned char h[HDR];
    if (full_pread(q->fd, h, HDR, (off_t)off))
        return WD_EIO;
    *len = get32(h);
    *seq = get64(h + 8);
    return WD_OK;
}

/* Scans the file: validates every record, cuts a torn or corrupt tail, skips acked ones. */
static int scan(struct wd_amqp_q *q)
{
    struct stat sb;
    if (fstat(q->fd, &sb))
        return WD_EIO;
    uint64_t size = (uint64_t)sb.st_size, off = 0, last = q->acked_seq, prev = 0;
    bool found = false;
    char *body = NULL;
    size_t cap = 0;
    while (off + HDR <= size) {
        unsigned char h[HDR];
        if (full_pread(q->fd, h, HDR, (off_t)off))
            break;
        uint32_t len = get32(h);
        uint64_t seq = get64(h + 8);
        if (off + HDR + len > size || (found && seq <= prev))
            break;
        if (len > cap) {
            cap = len;
            body = wd_xrealloc(body, cap);
        }
        if (full_pread(q->fd, body, len, (off_t)(off + HDR)) ||
            rec_crc(h + 8, body, len) != get32(h + 4))
            break;
        if (seq <= q->acked_seq) {
            q->read_off = off + HDR + len; /* consumed before the restart */
        } else {
            q->depth++;
        }
        if (seq > last)
            last = seq;
        prev = seq;
        found = true;
        off += HDR + len;
    }
    free(body);
    if (off < size) {
        q->st.torn = size - off;
        wd_log(WD_LOG_WARN, "amqp", "%s: cut %llu bytes of a torn or corrupt tail", q->path,
               (unsigned long long)(size - off));
        if (ftruncate(q->fd, (off_t)off) || fdatasync(q->fd))
            return WD_EIO;
    }
    q->end = off;
    q->next_seq = last + 1;
    if (q->read_off > q->end)
        q->read_off = q->end;
    return WD_OK;
}

int wd_amqp_q_open(const char *dir, uint64_t max_bytes, struct wd_amqp_q **out, char *err,
                   size_t err_len)
{
    if (wd_mkdir_p(dir)) {
        snprintf(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        return WD_EIO;
    }
    struct wd_amqp_q *q = wd_xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    q->max_bytes = max_bytes;
    char ack[4200];
    snprintf(q->path, sizeof(q->path), "%s/alerts.q", dir);
    snprintf(q->tmp, sizeof(q->tmp), "%s/alerts.q.tmp", dir);
    snprintf(ack, sizeof(ack), "%s/alerts.ack", dir);
    q->fd = open(q->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    q->ack_fd = open(ack, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (q->fd < 0 || q->ack_fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", q->fd < 0 ? q->path : ack, strerror(errno));
        wd_amqp_q_close(q);
        return WD_EIO;
    }
    unsigned char b[16];
    if (full_pread(q->ack_fd, b, 16, 0) == WD_OK && get64(b) == ~get64(b + 8))
        q->acked_seq = get64(b);
    if (scan(q)) {
        snprintf(err, err_len, "cannot read %s: %s", q->path, strerror(errno));
        wd_amqp_q_close(q);
        return WD_EIO;
    }
    *out = q;
    return WD_OK;
}

void wd_amqp_q_close(struct wd_amqp_q *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    if (q->ack_fd >= 0)
        close(q->ack_fd);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* Moves the waiting records to the start of a new file (atomic rename). */
static int compact(struct wd_amqp_q *q)
{
    uint64_t live = q->end - q->read_off;
    if (!q->read_off)
        return WD_OK;
    int fd = open(q->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return WD_EIO;
    char *buf = wd_xmalloc(live ? live : 1);
    int rc = full_pread(q->fd, buf, live, (off_t)q->read_off);
    if (rc == WD_OK)
        rc = full_pwrite(fd, buf, live, 0);
    free(buf);
    if (rc == WD_OK && (fdatasync(fd) || rename(q->tmp, q->path)))
        rc = WD_EIO;
    if (rc) {
        close(fd);
        (void)unlink(q->tmp);
        return rc;
    }
    close(q->fd);
    q->fd = fd;
    q->read_off = 0;
    q->end = live;
    return WD_OK;
}

/* Drops the oldest waiting record (queue full). */
static int drop_oldest(struct wd_amqp_q *q)
{
    uint32_t len;
    uint64_t seq;
    if (read_hdr(q, q->read_off, &len, &seq) || write_ack(q, seq))
        return WD_EIO;
    q->read_off += HDR + len;
    q->depth--;
    q->st.dropped++;
    return WD_OK;
}

int wd_amqp_q_append(struct wd_amqp_q *q, const struct wd_str *bodies, uint32_t n)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int rc = WD_OK;
    pthread_mutex_lock(&q->mu);
    for (uint32_t i = 0; i < n && rc == WD_OK; i++) {
        uint64_t need = HDR + bodies[i].len;
        if (need > q->max_bytes || bodies[i].len > UINT32_MAX) {
            q->st.dropped++; /* can never fit */
            wd_log(WD_LOG_WARN, "amqp", "an alert of %zu bytes is larger than the retry queue",
                   bodies[i].len);
            continue;
        }
        if (q->end + b.len + need > q->max_bytes) { /* flush what we have, then make room */
            if (b.len && (full_pwrite(q->fd, b.p, b.len, (off_t)q->end) || fdatasync(q->fd))) {
                rc = WD_EIO;
                break;
            }
            q->end += b.len;
            b.len = 0;
            while (rc == WD_OK && q->depth && q->end - q->read_off + need > q->max_bytes)
                rc = drop_oldest(q);
            if (rc == WD_OK)
                rc = compact(q);
            if (rc)
                break;
        }
        unsigned char h[HDR];
        uint64_t seq = q->next_seq++;
        put32(h, (uint32_t)bodies[i].len);
        put64(h + 8, seq);
        put32(h + 4, rec_crc(h + 8, bodies[i].p, bodies[i].len));
        if (wd_buf_append(&b, h, HDR) || wd_buf_append(&b, bodies[i].p, bodies[i].len))
            rc = WD_ENOMEM;
        q->depth++;
        q->st.appended++;
    }
    if (rc == WD_OK && b.len) {
        if (full_pwrite(q->fd, b.p, b.len, (off_t)q->end) || fdatasync(q->fd))
            rc = WD_EIO;
        else
            q->end += b.len;
    }
    if (rc) { /* the file ends at q->end: a partial write is cut by the next open */
        struct stat sb;
        if (fstat(q->fd, &sb) == 0 && (uint64_t)sb.st_size > q->end &&
            ftruncate(q->fd, (off_t)q->end) != 0)
            wd_log(WD_LOG_ERROR, "amqp", "%s: cannot cut a partial append", q->path);
        wd_log(WD_LOG_ERROR, "amqp", "%s: append failed: %s", q->path, strerror(errno));
    }
    pthread_mutex_unlock(&q->mu);
    wd_buf_fini(&b);
    return rc;
}

int wd_amqp_q_peek(struct wd_amqp_q *q, uint32_t max, struct wd_buf *out, uint32_t *n,
                   uint64_t *last_seq)
{
    int rc = WD_OK;
    *n = 0;
    *last_seq = 0;
    out->len = 0;
    pthread_mutex_lock(&q->mu);
    uint64_t off = q->read_off;
    while (*n < max && off < q->end) {
        uint32_t len;
        uint64_t seq;
        unsigned char l[4];
        if ((rc = read_hdr(q, off, &len, &seq)) != WD_OK)
            break;
        put32(l, len);
        if ((rc = wd_buf_append(out, l, 4)) || (rc = wd_buf_reserve(out, len)))
            break;
        if ((rc = full_pread(q->fd, out->p + out->len, len, (off_t)(off + HDR))))
            break;
        out->len += len;
        off += HDR + len;
        *last_seq = seq;
        (*n)++;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int wd_amqp_q_pop(struct wd_amqp_q *q, uint64_t upto)
{
    int rc = WD_OK;
    pthread_mutex_lock(&q->mu);
    uint64_t off = q->read_off, depth = q->depth;
    while (off < q->end) {
        uint32_t len;
        uint64_t seq;
        if ((rc = read_hdr(q, off, &len, &seq)) || seq > upto)
            break;
        off += HDR + len;
        depth--;
    }
    if (rc == WD_OK && off != q->read_off && upto > q->acked_seq) {
        rc = write_ack(q, upto);
        if (rc == WD_OK) {
            q->read_off = off;
            q->depth = depth;
            if (off == q->end && ftruncate(q->fd, 0) == 0) /* drained: start the file over */
                q->read_off = q->end = 0;
        }
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void wd_amqp_q_stats(struct wd_amqp_q *q, struct wd_amqp_q_stats *st)
{
    pthread_mutex_lock(&q->mu);
    *st = q->st;
    st->depth = q->depth;
    st->bytes = q->end - q->read_off;
    pthread_mutex_unlock(&q->mu);
}
