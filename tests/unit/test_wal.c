/*
 * test_wal.c: write-ahead log: submit/iterate round trip, sequence numbers across
 * reopen, torn-tail truncation, corruption reporting, segment rolling, backpressure,
 * concurrent submitters (group commit), the CRC-32C checksum (hardware and portable
 * paths agree), records of the original WDW1 format (zlib CRC-32) still read, and
 * recycled segments (a follower at the end of a file that is recycled under it, a crash
 * image whose newest segment still holds a recycled file's older records).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#include <pthread.h>
#include <unistd.h>

#include "cfg.h"
#include "crc32c.h"
#include "mem.h"
#include "metrics.h"
#include "wal.h"
#include "ward.h"
#include "wd_test.h"

static char dir[256];

static void fresh_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ward-test-wal-XXXXXX");
    WD_BUG_ON(!mkdtemp(dir));
}

static void rm_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    WD_BUG_ON(system(cmd) != 0);
}

static struct wd_wal *open_wal(uint64_t seg, uint64_t queue, struct wd_metrics *m)
{
    struct wd_wal_opts o = {dir, WD_DUR_FSYNC, seg, queue, 100, m};
    struct wd_wal *w = NULL;
    char err[256];
    if (wd_wal_open(&o, &w, err, sizeof(err)) != WD_OK)
        printf("# open: %s\n", err);
    return w;
}

/* Submits n events "<tag>-<i>"; returns the first sequence number or 0. */
static uint64_t submit(struct wd_wal *w, const char *tag, int n)
{
    struct wd_buf p;
    wd_buf_init(&p, 0);
    for (int i = 0; i < n; i++) {
        char ev[64];
        int l = snprintf(ev, sizeof(ev), "{\"e\":\"%s-%d\"}", tag, i);
        wd_wal_payload_add(&p, ev, (size_t)l);
    }
    struct wd_wal_req r = {.payload = p.p, .len = p.len, .count = (uint32_t)n};
    int rc = wd_wal_submit(w, &r, true);
    wd_buf_fini(&p);
    return rc == WD_OK ? r.first_seq : 0;
}

/* Iterates the log in d: returns how many events, checking they run first, first+1, ...
 * (-2 on a gap); counts corrupt records (an I/O error stops); the last event's text goes
 * into last when it is not NULL. */
static int iter_from(const char *d, uint64_t first, int *corrupt, char *last, size_t last_len)
{
    struct wd_wal_iter *it;
    if (wd_wal_iter_open(d, &it))
        return -1;
    int n = 0, rc;
    uint64_t seq;
    const char *ev;
    size_t len;
    char err[256];
    *corrupt = 0;
    while ((rc = wd_wal_iter_next(it, &seq, &ev, &len, err, sizeof(err))) != WD_ENOENT) {
        if (rc == WD_ECORRUPT) {
            (*corrupt)++;
            continue;
        }
        if (rc)
            break;
        if (seq != first + (uint64_t)n) {
            n = -2;
            break;
        }
        n++;
        if (last)
            snprintf(last, last_len, "%.*s", (int)len, ev);
    }
    wd_wal_iter_close(it);
    return n;
}

/* Reads the whole log; returns the count of events, checking seqs are 1..n in order. */
static int read_all(int *corrupt, char *last, size_t last_len)
{
    return iter_from(dir, 1, corrupt, last, last_len);
}

static void t_roundtrip_and_reopen(void)
{
    fresh_dir();
    struct wd_metrics m;
    memset(&m, 0, sizeof(m));
    struct wd_wal *w = open_wal(0, 0, &m);
    FAIL_UNLESS(w);
    EXPECT_INT(submit(w, "a", 3), 1);
    EXPECT_INT(submit(w, "b", 2), 4);
    EXPECT_INT(m.wal_events, 5);
    EXPECT_INT(m.wal_records, 2);
    FAIL_UNLESS(m.wal_fsync_count >= 1);
    wd_wal_close(w);
    w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    EXPECT_INT(wd_wal_next_seq(w), 6);
    EXPECT_INT(submit(w, "c", 1), 6);
    wd_wal_close(w);
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 6);
    EXPECT_INT(corrupt, 0);
    EXPECT_STR(last, "{\"e\":\"c-0\"}");
    rm_dir();
}

static void append_bytes(const char *file, const char *bytes, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_APPEND);
    WD_BUG_ON(fd < 0 || write(fd, bytes, n) != (ssize_t)n);
    close(fd);
}

static void t_torn_tail_truncated(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    submit(w, "a", 2);
    wd_wal_close(w);
    /* a record header promising more bytes than were written: a crash mid-write */
    append_bytes("0000000000000001.wal", "WDW1\x10\0\0\0\x03\0\0\0\0\0\0\0\x01\0\0\0xxxx", 24);
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 2);
    EXPECT_INT(corrupt, 1);   /* the reader reports it ... */
    w = open_wal(0, 0, NULL); /* ... and open truncates it */
    FAIL_UNLESS(w);
    EXPECT_INT(submit(w, "b", 1), 3);
    wd_wal_close(w);
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 3);
    EXPECT_INT(corrupt, 0);
    rm_dir();
}

static void t_bitflip_detected(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    submit(w, "a", 2);
    submit(w, "b", 2);
    wd_wal_close(w);
    char path[512];
    snprintf(path, sizeof(path), "%s/0000000000000001.wal", dir);
    int fd = open(path, O_RDWR);
    FAIL_UNLESS(fd >= 0);
    FAIL_UNLESS(pwrite(fd, "X", 1, 30) == 1); /* inside the first record's payload */
    close(fd);
    int corrupt;
    char last[64];
    int n = read_all(&corrupt, last, sizeof(last));
    EXPECT_INT(corrupt, 1);
    EXPECT_INT(n, 0); /* the rest of that segment is not trusted */
    rm_dir();
}

static void t_segments_roll(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(1 << 20, 0, NULL);
    FAIL_UNLESS(w);
    for (int i = 0; i < 40; i++)
        FAIL_UNLESS(submit(w, "roll-with-a-longer-tag-to-fill-the-segment", 1000) != 0);
    wd_wal_close(w);
    int segs = 0;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "ls %s | grep -c '\\.wal$'", dir);
    FILE *p = popen(cmd, "r");
    FAIL_UNLESS(p && fscanf(p, "%d", &segs) == 1);
    pclose(p);
    FAIL_UNLESS(segs >= 2);
    int corrupt;
    char last[128];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 40000);
    EXPECT_INT(corrupt, 0);
    rm_dir();
}

struct thr {
    struct wd_wal *w;
    int id;
    int ok;
};

static void *submitter(void *arg)
{
    struct thr *t = arg;
    char tag[16];
    snprintf(tag, sizeof(tag), "t%d", t->id);
    for (int i = 0; i < 200; i++)
        t->ok += submit(t->w, tag, 5) != 0;
    return NULL;
}

static void t_concurrent_group_commit(void)
{
    fresh_dir();
    struct wd_metrics m;
    memset(&m, 0, sizeof(m));
    struct wd_wal *w = open_wal(0, 0, &m);
    FAIL_UNLESS(w);
    pthread_t th[8];
    struct thr t[8];
    for (int i = 0; i < 8; i++) {
        t[i] = (struct thr){w, i, 0};
        pthread_create(&th[i], NULL, submitter, &t[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        EXPECT_INT(t[i].ok, 200);
    EXPECT_INT(m.wal_events, 8000);
    /* group commit: fewer fsyncs than batches when submitters overlap */
    FAIL_UNLESS(m.wal_fsync_count < m.wal_records);
    wd_wal_close(w);
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 8000);
    rm_dir();
}

static void t_backpressure_eagain(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(0, 1, NULL); /* 1-byte queue: any overlap is full */
    FAIL_UNLESS(w);
    /* An empty queue always admits a batch, however large. */
    EXPECT_INT(submit(w, "big", 100), 1);
    struct wd_wal_req r = {.payload = "\x01\0\0\0x", .len = 5, .count = 1};
    EXPECT_INT(wd_wal_submit(w, &r, false), WD_OK);
    wd_wal_close(w);
    rm_dir();
}

static void t_crc32c_vectors(void)
{
    EXPECT_INT(wd_crc32c(0, "123456789", 9), 0xE3069283u);
    EXPECT_INT(wd_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    EXPECT_INT(wd_crc32c(0, "", 0), 0);
    unsigned char zeros[32] = {0};
    EXPECT_INT(wd_crc32c_sw(0, zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
    EXPECT_INT(wd_crc32c(0, zeros, 32), 0x8A9136AAu);
    /* Every length and alignment, in one piece and in two: both paths agree. */
    unsigned char buf[600];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len + off <= sizeof(buf); len += 1 + len / 16) {
            uint32_t want = wd_crc32c_sw(0, buf + off, len);
            EXPECT_INT(wd_crc32c(0, buf + off, len), want);
            size_t cut = len / 3;
            EXPECT_INT(wd_crc32c(wd_crc32c(0, buf + off, cut), buf + off + cut, len - cut), want);
            EXPECT_INT(wd_crc32c_sw(wd_crc32c_sw(0, buf + off, cut), buf + off + cut, len - cut),
                       want);
        }
    }
    /* Lengths around the three-lane rounds of the hardware path (3 x 4096 bytes), cut at
     * lane boundaries and between them. */
    size_t big_len = 5 * 3 * 4096 + 100;
    unsigned char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        big[i] = (unsigned char)x;
    }
    size_t lens[] = {3 * 4096 - 1, 3 * 4096, 3 * 4096 + 1, 3 * 4096 + 8, 6 * 4096 - 8,
                     6 * 4096 + 7, 12 * 4096 + 3, big_len - 8};
    for (size_t k = 0; k < WD_ARRAY_LEN(lens); k++)
        for (size_t off = 0; off < 8; off += 3) {
            uint32_t want = wd_crc32c_sw(0, big + off, lens[k]);
            EXPECT_INT(wd_crc32c(0, big + off, lens[k]), want);
            size_t cut = 4096 + off;
            EXPECT_INT(wd_crc32c(wd_crc32c(0, big + off, cut), big + off + cut, lens[k] - cut),
                       want);
            EXPECT_INT(wd_crc32c(0x12345678u, big + off, lens[k]),
                       wd_crc32c_sw(0x12345678u, big + off, lens[k]));
        }
    free(big);
    printf("# crc32c: %s\n", wd_crc32c_is_hw() ? "SSE4.2 crc32 instruction" : "portable");
}

/* Appends a WDW1 record (the original format: zlib CRC-32 of the header, then the payload)
 * of n events "<tag>-<i>" starting at seq to the segment file. */
static void append_wdw1(const char *file, uint64_t seq, const char *tag, int n)
{
    struct wd_buf p;
    wd_buf_init(&p, 0);
    for (int i = 0; i < n; i++) {
        char ev[64];
        int l = snprintf(ev, sizeof(ev), "{\"e\":\"%s-%d\"}", tag, i);
        wd_wal_payload_add(&p, ev, (size_t)l);
    }
    unsigned char h[WD_WAL_HDR_BYTES];
    memcpy(h, "WDW1", 4);
    for (int i = 0; i < 4; i++) {
        h[4 + i] = (unsigned char)(p.len >> (8 * i));
        h[16 + i] = (unsigned char)((uint32_t)n >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        h[8 + i] = (unsigned char)(seq >> (8 * i));
    uLong crc = crc32(crc32(0, h, 20), (const unsigned char *)p.p, (uInt)p.len);
    for (int i = 0; i < 4; i++)
        h[20 + i] = (unsigned char)(crc >> (8 * i));
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    WD_BUG_ON(fd < 0 || write(fd, h, sizeof(h)) != (ssize_t)sizeof(h) ||
              write(fd, p.p, p.len) != (ssize_t)p.len);
    close(fd);
    wd_buf_fini(&p);
}

/* Reads every event with the live follower up to limit; returns the count (seqs 1..n). */
static int tail_all(uint64_t limit)
{
    struct wd_wal_tail *t;
    char err[256];
    if (wd_wal_tail_open(dir, 1, &t, err, sizeof(err)))
        return -1;
    int n = 0, rc;
    uint64_t seq;
    const char *ev;
    size_t len;
    while ((rc = wd_wal_tail_next(t, limit, &seq, &ev, &len, err, sizeof(err))) == WD_OK) {
        if (seq != (uint64_t)n + 1)
            break;
        n++;
    }
    wd_wal_tail_close(t);
    return rc == WD_EAGAIN ? n : -2;
}

static void t_wdw1_records_still_read(void)
{
    fresh_dir();
    /* A log written by an earlier version: two WDW1 records in the first segment. */
    append_wdw1("0000000000000001.wal", 1, "old", 3);
    append_wdw1("0000000000000001.wal", 4, "old2", 2);
    struct wd_wal *w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    EXPECT_INT(wd_wal_next_seq(w), 6);  /* recovery accepted both records */
    EXPECT_INT(submit(w, "new", 4), 6); /* a WDW2 record after them */
    wd_wal_close(w);
    char path[512], magic[5] = {0};
    snprintf(path, sizeof(path), "%s/0000000000000001.wal", dir);
    FILE *f = fopen(path, "rb");
    FAIL_UNLESS(f);
    long second_end = 2 * WD_WAL_HDR_BYTES + (3 * 4 + 3 * 13) + (2 * 4 + 2 * 14);
    FAIL_UNLESS(fseek(f, second_end, SEEK_SET) == 0 && fread(magic, 1, 4, f) == 4);
    fclose(f);
    EXPECT_STR(magic, "WDW2");
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 9);
    EXPECT_INT(corrupt, 0);
    EXPECT_STR(last, "{\"e\":\"new-3\"}");
    EXPECT_INT(tail_all(9), 9);
    /* Reopen once more: recovery reads the mixed segment to the end. */
    w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    EXPECT_INT(wd_wal_next_seq(w), 10);
    wd_wal_close(w);
    rm_dir();
}

static void t_wdw1_bitflip_detected(void)
{
    fresh_dir();
    append_wdw1("0000000000000001.wal", 1, "old", 3);
    char path[512];
    snprintf(path, sizeof(path), "%s/0000000000000001.wal", dir);
    int fd = open(path, O_RDWR);
    FAIL_UNLESS(fd >= 0);
    FAIL_UNLESS(pwrite(fd, "X", 1, 30) == 1); /* inside the payload */
    close(fd);
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 0);
    EXPECT_INT(corrupt, 1);
    EXPECT_INT(tail_all(3), -2); /* the follower reports WD_ECORRUPT */
    rm_dir();
}

static void t_wdw2_header_bitflip_detected(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(0, 0, NULL);
    FAIL_UNLESS(w);
    submit(w, "a", 2);
    wd_wal_close(w);
    char path[512];
    snprintf(path, sizeof(path), "%s/0000000000000001.wal", dir);
    int fd = open(path, O_RDWR);
    FAIL_UNLESS(fd >= 0);
    FAIL_UNLESS(pwrite(fd, "\x07", 1, 16) == 1); /* the event count, covered by the CRC */
    close(fd);
    int corrupt;
    char last[64];
    EXPECT_INT(read_all(&corrupt, last, sizeof(last)), 0);
    EXPECT_INT(corrupt, 1);
    rm_dir();
}

static void t_payload_in_place(void)
{
    /* An event written in place between _begin and _end frames like wd_wal_payload_add. */
    struct wd_buf a, b;
    wd_buf_init(&a, 0);
    wd_buf_init(&b, 0);
    FAIL_UNLESS(wd_wal_payload_add(&a, "{\"x\":1}", 7) == WD_OK);
    FAIL_UNLESS(wd_wal_payload_add(&a, "", 0) == WD_OK);
    size_t at;
    FAIL_UNLESS(wd_wal_payload_begin(&b, &at) == WD_OK && at == 0);
    FAIL_UNLESS(wd_buf_append(&b, "{\"x\":1}", 7) == WD_OK);
    FAIL_UNLESS(wd_wal_payload_end(&b, at) == WD_OK);
    FAIL_UNLESS(wd_wal_payload_begin(&b, &at) == WD_OK && at == 11);
    FAIL_UNLESS(wd_wal_payload_end(&b, at) == WD_OK);
    EXPECT_INT(b.len, a.len);
    FAIL_UNLESS(memcmp(a.p, b.p, a.len) == 0);
    wd_buf_fini(&a);
    wd_buf_fini(&b);
}

/* ---- recycled segments ---- */

/* Segment first sequence numbers in dir, ascending (at most max); returns the count. */
static int list_segs(const char *d, uint64_t *out, int max)
{
    DIR *dd = opendir(d);
    int n = 0;
    struct dirent *de;
    while (dd && (de = readdir(dd)))
        if (strlen(de->d_name) == 20 && !strcmp(de->d_name + 16, ".wal") && n < max)
            out[n++] = strtoull(de->d_name, NULL, 16);
    if (dd)
        closedir(dd);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint64_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static int count_recycled(const char *d)
{
    DIR *dd = opendir(d);
    int n = 0;
    struct dirent *de;
    while (dd && (de = readdir(dd)))
        n += !strncmp(de->d_name, "recycled-", 9);
    if (dd)
        closedir(dd);
    return n;
}

static uint64_t seg_inode(const char *d, uint64_t seg)
{
    char path[400];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%016llx.wal", d, (unsigned long long)seg);
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Follows the log in d from `from` up to limit: returns how many events, checking they
 * run from, from+1, ...; -2 on a gap or an error other than the end. */
static int tail_count(struct wd_wal_tail *t, uint64_t from, uint64_t limit)
{
    int n = 0, rc;
    uint64_t seq;
    const char *ev;
    size_t len;
    char err[256];
    while ((rc = wd_wal_tail_next(t, limit, &seq, &ev, &len, err, sizeof(err))) == WD_OK) {
        if (seq != from + (uint64_t)n) {
            printf("# tail: event %llu after %d from %llu\n", (unsigned long long)seq, n,
                   (unsigned long long)from);
            return -2;
        }
        n++;
    }
    if (rc != WD_EAGAIN)
        printf("# tail: %s\n", err);
    return rc == WD_EAGAIN ? n : -2;
}

/* Every record is 1000 events "<tag>-0" .. "<tag>-999", so records of one tag have one
 * length and those of a recycled file line up with new ones: the old record right after
 * the log's end is whole and valid. */
#define REC_EVENTS 1000
static uint64_t fill_until_segments(struct wd_wal *w, const char *tag, int segs)
{
    uint64_t s[64], last = 0;
    while (list_segs(dir, s, 64) < segs)
        last = submit(w, tag, REC_EVENTS);
    return last;
}

static uint64_t record_bytes(const char *tag)
{
    uint64_t n = WD_WAL_HDR_BYTES;
    for (int i = 0; i < REC_EVENTS; i++)
        n += 4 + (uint64_t)snprintf(NULL, 0, "{\"e\":\"%s-%d\"}", tag, i);
    return n;
}

/* The size of segment seq in d, or 0. */
static uint64_t seg_size(const char *d, uint64_t seq)
{
    char path[400];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%016llx.wal", d, (unsigned long long)seq);
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void t_recycled_segment_reused(void)
{
    fresh_dir();
    struct wd_metrics m;
    memset(&m, 0, sizeof(m));
    struct wd_wal *w = open_wal(1 << 20, 0, &m);
    FAIL_UNLESS(w);
    fill_until_segments(w, "recycle", 4);
    uint64_t s[64];
    FAIL_UNLESS(list_segs(dir, s, 64) == 4);
    /* The two oldest are consumed: one is kept for reuse, the other deleted. */
    EXPECT_INT(wd_wal_remove_upto(dir, s[2] - 1, 1), 2);
    EXPECT_INT(count_recycled(dir), 1);
    EXPECT_INT(list_segs(dir, s, 64), 2);
    char rpath[400];
    snprintf(rpath, sizeof(rpath), "%s/recycled-%016llx.wal", dir, (unsigned long long)1);
    struct stat st;
    FAIL_UNLESS(stat(rpath, &st) == 0);
    uint64_t ino = (uint64_t)st.st_ino;
    /* A follower reads everything, and waits at the end of the newest segment... */
    struct wd_wal_tail *t;
    char err[256];
    FAIL_UNLESS(wd_wal_tail_open(dir, s[0], &t, err, sizeof(err)) == WD_OK);
    uint64_t next = wd_wal_next_seq(w);
    EXPECT_INT(tail_count(t, s[0], next - 1), (int)(next - s[0]));
    /* ... while the writer starts the next segment in the recycled file */
    fill_until_segments(w, "recycle", 3);
    EXPECT_INT(list_segs(dir, s, 64), 3);
    EXPECT_INT(count_recycled(dir), 0);
    EXPECT_INT(m.wal_segments_recycled, 1);
    EXPECT_INT(seg_inode(dir, s[2]), ino);
    uint64_t end = wd_wal_next_seq(w);
    EXPECT_INT(tail_count(t, next, end - 1), (int)(end - next));
    wd_wal_tail_close(t);
    wd_wal_close(w);
    /* A clean close cuts the recycled file to the log's end: nothing older follows. */
    int corrupt;
    EXPECT_INT(iter_from(dir, s[0], &corrupt, NULL, 0), (int)(end - s[0]));
    EXPECT_INT(corrupt, 0);
    EXPECT_INT(seg_size(dir, s[2]), (end - s[2]) / REC_EVENTS * record_bytes("recycle"));
    rm_dir();
}

/* A follower that read a segment to its end keeps its file open; the segment is then
 * consumed, recycled and overwritten as a later segment past the follower's offset. It
 * must go on with the next segment by name, not read the newer records in that file. */
static void t_recycled_under_follower(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(1 << 20, 0, NULL);
    FAIL_UNLESS(w);
    fill_until_segments(w, "r", 2); /* segment 1: short records */
    uint64_t s[64];
    FAIL_UNLESS(list_segs(dir, s, 64) == 2);
    uint64_t seg1_bytes = seg_size(dir, 1);
    struct wd_wal_tail *t;
    char err[256];
    FAIL_UNLESS(wd_wal_tail_open(dir, 1, &t, err, sizeof(err)) == WD_OK);
    EXPECT_INT(tail_count(t, 1, s[1] - 1), (int)(s[1] - 1)); /* all of segment 1 */
    EXPECT_INT(wd_wal_remove_upto(dir, s[1] - 1, 1), 1);
    EXPECT_INT(count_recycled(dir), 1);
    fill_until_segments(w, "recycle", 3); /* segment 3 starts in segment 1's file */
    FAIL_UNLESS(list_segs(dir, s, 64) == 3);
    while (seg_size(dir, s[2]) <= seg1_bytes)               /* and grows past the */
        FAIL_UNLESS(submit(w, "recycle", REC_EVENTS) != 0); /* follower's offset */
    FAIL_UNLESS(list_segs(dir, s, 64) == 3);
    uint64_t end = wd_wal_next_seq(w);
    EXPECT_INT(tail_count(t, s[0], end - 1), (int)(end - s[0]));
    wd_wal_tail_close(t);
    wd_wal_close(w);
    rm_dir();
}

/* A crash while the newest segment is a recycled file: past the log's end are whole,
 * valid older records. Recovery cuts them, and no reader returns them. */
static void t_recycled_crash_image(void)
{
    fresh_dir();
    struct wd_wal *w = open_wal(1 << 20, 0, NULL);
    FAIL_UNLESS(w);
    fill_until_segments(w, "recycle", 3);
    uint64_t s[64];
    FAIL_UNLESS(list_segs(dir, s, 64) == 3);
    EXPECT_INT(wd_wal_remove_upto(dir, s[1] - 1, 1), 1);
    fill_until_segments(w, "recycle", 3); /* the new segment: a few records in segment 1's file */
    for (int i = 0; i < 3; i++)
        FAIL_UNLESS(submit(w, "recycle", REC_EVENTS) != 0);
    FAIL_UNLESS(list_segs(dir, s, 64) == 3);
    uint64_t end = wd_wal_next_seq(w);
    /* The crash image: the directory as it is on disk while the writer runs. */
    char img[300], cmd[1000];
    snprintf(img, sizeof(img), "%s/image", dir);
    snprintf(cmd, sizeof(cmd), "mkdir '%s' && cp '%s'/0*.wal '%s'/", img, dir, img);
    FAIL_UNLESS(system(cmd) == 0);
    wd_wal_close(w);
    int corrupt;
    EXPECT_INT(iter_from(img, s[0], &corrupt, NULL, 0),
               (int)(end - s[0])); /* old records: the end */
    EXPECT_INT(corrupt, 0);
    struct wd_wal_tail *t;
    char err[256];
    FAIL_UNLESS(wd_wal_tail_open(img, s[0], &t, err, sizeof(err)) == WD_OK);
    EXPECT_INT(tail_count(t, s[0], UINT64_MAX - 1), (int)(end - s[0]));
    wd_wal_tail_close(t);
    struct wd_wal_opts o = {img, WD_DUR_FSYNC, 1 << 20, 0, 100, NULL};
    FAIL_UNLESS(wd_wal_open(&o, &w, err, sizeof(err)) == WD_OK);
    EXPECT_INT(wd_wal_next_seq(w), end); /* not past the end, not back in the old records */
    EXPECT_INT(submit(w, "after", 2), end);
    wd_wal_close(w);
    EXPECT_INT(iter_from(img, s[0], &corrupt, NULL, 0), (int)(end + 2 - s[0]));
    EXPECT_INT(corrupt, 0);
    rm_dir();
}

WD_TEST_LIST{
    {"wal_payload_in_place", t_payload_in_place},
    {"wal_crc32c_vectors_and_paths", t_crc32c_vectors},
    {"wal_wdw1_records_still_read", t_wdw1_records_still_read},
    {"wal_wdw1_bitflip_detected", t_wdw1_bitflip_detected},
    {"wal_wdw2_header_bitflip_detected", t_wdw2_header_bitflip_detected},
    {"wal_roundtrip_and_reopen", t_roundtrip_and_reopen},
    {"wal_torn_tail_truncated", t_torn_tail_truncated},
    {"wal_bitflip_detected", t_bitflip_detected},
    {"wal_segments_roll", t_segments_roll},
    {"wal_concurrent_group_commit", t_concurrent_group_commit},
    {"wal_backpressure_empty_queue_admits", t_backpressure_eagain},
    {"wal_recycled_segment_reused", t_recycled_segment_reused},
    {"wal_recycled_under_follower", t_recycled_under_follower},
    {"wal_recycled_crash_image", t_recycled_crash_image},
};
WD_TEST_MAIN
