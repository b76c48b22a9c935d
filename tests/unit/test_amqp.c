/*
 * test_amqp.c: the AMQP pieces that need no broker: the amqp.url parser (defaults,
 * percent-decoding, IPv6, every refusal) and the disk-backed retry queue (order across
 * peek/pop and reopen, the acknowledgement file, a torn tail cut at open, a corrupt
 * record, the size bound dropping the oldest records, compaction, oversized records).
 */
#include <fcntl.h>
#include <unistd.h>

#include "amqp_int.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

static char dir[256];

static void fresh_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ward-test-amqp-XXXXXX");
    WD_BUG_ON(!mkdtemp(dir));
}

static void rm_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    WD_BUG_ON(system(cmd) != 0);
}

static int parse(const char *s, struct wd_amqp_url *u)
{
    char err[256];
    return wd_amqp_url_parse(s, strlen(s), u, err, sizeof(err));
}

static void t_url_full(void)
{
    struct wd_amqp_url u;
    FAIL_UNLESS(parse("amqp://ward:s%40cret%3a@rabbit.example:5673/prod", &u) == WD_OK);
    EXPECT_STR(u.user, "ward");
    EXPECT_STR(u.pass, "s@cret:");
    EXPECT_STR(u.host, "rabbit.example");
    FAIL_UNLESS(u.port == 5673);
    EXPECT_STR(u.vhost, "prod");
}

static void t_url_defaults(void)
{
    struct wd_amqp_url u;
    FAIL_UNLESS(parse("amqp://127.0.0.1", &u) == WD_OK);
    EXPECT_STR(u.user, "guest");
    EXPECT_STR(u.pass, "guest");
    FAIL_UNLESS(u.port == 5672);
    EXPECT_STR(u.vhost, "/");
    FAIL_UNLESS(parse("AMQP://h/", &u) == WD_OK);
    EXPECT_STR(u.vhost, "/");
    FAIL_UNLESS(parse("amqp://h/%2f", &u) == WD_OK);
    EXPECT_STR(u.vhost, "/");
    FAIL_UNLESS(parse("amqp://", &u) == WD_OK);
    EXPECT_STR(u.host, "localhost");
    FAIL_UNLESS(parse("amqp://bob@h", &u) == WD_OK);
    EXPECT_STR(u.user, "bob");
    EXPECT_STR(u.pass, "");
}

static void t_url_ipv6(void)
{
    struct wd_amqp_url u;
    FAIL_UNLESS(parse("amqp://u:p@[::1]:5999/v", &u) == WD_OK);
    EXPECT_STR(u.host, "::1");
    FAIL_UNLESS(u.port == 5999);
    FAIL_UNLESS(parse("amqp://[::1]", &u) == WD_OK);
    FAIL_UNLESS(u.port == 5672);
    FAIL_UNLESS(parse("amqp://[::1", &u) == WD_EINVAL);
    FAIL_UNLESS(parse("amqp://[::1]x", &u) == WD_EINVAL);
}

static void t_url_refused(void)
{
    struct wd_amqp_url u;
    const char *bad[] = {
        "http://h/",      "amqps://h/",
        "amqp://h:0/",    "amqp://h:65536/",
        "amqp://h:/",     "amqp://h:5x/",
        "amqp://h/a/b",   "amqp://h/v?heartbeat=5",
        "amqp://h/#x",    "amqp://u%zz@h/",
        "amqp://u:%4@h/", "amqp://h/%00",
        "amqp://h o/",    "amqp://h:99999999999999999999/",
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        char err[256] = "";
        if (wd_amqp_url_parse(bad[i], strlen(bad[i]), &u, err, sizeof(err)) != WD_EINVAL) {
            printf("# accepted %s\n", bad[i]);
            FAIL_IF(1);
        }
        FAIL_UNLESS(strncmp(err, "amqp url: ", 10) == 0);
    }
    /* the password never appears in an error */
    char err[256];
    FAIL_UNLESS(wd_amqp_url_parse("amqp://u:hunter2@h:0/", 21, &u, err, sizeof(err)) == WD_EINVAL);
    FAIL_IF(strstr(err, "hunter2"));
}

static struct wd_amqp_q *qopen(uint64_t max)
{
    struct wd_amqp_q *q = NULL;
    char err[256];
    if (wd_amqp_q_open(dir, max, &q, err, sizeof(err)) != WD_OK)
        printf("# open: %s\n", err);
    return q;
}

static int append(struct wd_amqp_q *q, const char *s)
{
    struct wd_str b = {s, strlen(s)};
    return wd_amqp_q_append(q, &b, 1);
}

/* Peeks everything and returns the bodies joined by ',' (static buffer). */
static const char *peek_all(struct wd_amqp_q *q, uint64_t *last)
{
    static char out[4096];
    struct wd_buf b;
    uint32_t n;
    wd_buf_init(&b, 0);
    out[0] = '\0';
    if (wd_amqp_q_peek(q, 1000, &b, &n, last) != WD_OK) {
        wd_buf_fini(&b);
        return "ERROR";
    }
    size_t o = 0;
    for (size_t off = 0; off < b.len;) {
        uint32_t l;
        const unsigned char *p = (const unsigned char *)b.p + off;
        l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "," : "", (int)l,
                              b.p + off + 4);
        off += 4 + l;
    }
    wd_buf_fini(&b);
    return out;
}

static void t_queue_order_and_reopen(void)
{
    fresh_dir();
    struct wd_amqp_q *q = qopen(1 << 20);
    FAIL_UNLESS(q);
    struct wd_str two[2] = {{"a", 1}, {"b", 1}};
    FAIL_UNLESS(wd_amqp_q_append(q, two, 2) == WD_OK);
    FAIL_UNLESS(append(q, "c") == WD_OK);
    uint64_t last = 0;
    EXPECT_STR(peek_all(q, &last), "a,b,c");
    /* confirmed up to b: only c is left, also after a reopen */
    struct wd_buf b;
    uint32_t n;
    uint64_t l2;
    wd_buf_init(&b, 0);
    FAIL_UNLESS(wd_amqp_q_peek(q, 2, &b, &n, &l2) == WD_OK && n == 2);
    wd_buf_fini(&b);
    FAIL_UNLESS(wd_amqp_q_pop(q, l2) == WD_OK);
    EXPECT_STR(peek_all(q, &last), "c");
    struct wd_amqp_q_stats st;
    wd_amqp_q_stats(q, &st);
    FAIL_UNLESS(st.depth == 1 && st.bytes == 16 + 1);
    wd_amqp_q_close(q);
    q = qopen(1 << 20);
    FAIL_UNLESS(q);
    EXPECT_STR(peek_all(q, &last), "c");
    FAIL_UNLESS(append(q, "d") == WD_OK);
    EXPECT_STR(peek_all(q, &last), "c,d");
    /* drained: the file starts over and seqs keep increasing across a reopen */
    FAIL_UNLESS(wd_amqp_q_pop(q, last) == WD_OK);
    EXPECT_STR(peek_all(q, &l2), "");
    wd_amqp_q_close(q);
    char path[300];
    snprintf(path, sizeof(path), "%s/alerts.q", dir);
    struct stat sb;
    FAIL_UNLESS(stat(path, &sb) == 0 && sb.st_size == 0);
    q = qopen(1 << 20);
    FAIL_UNLESS(append(q, "e") == WD_OK);
    EXPECT_STR(peek_all(q, &l2), "e");
    FAIL_UNLESS(l2 > last);
    wd_amqp_q_close(q);
    rm_dir();
}

static void t_queue_torn_tail(void)
{
    fresh_dir();
    struct wd_amqp_q *q = qopen(1 << 20);
    FAIL_UNLESS(append(q, "first") == WD_OK && append(q, "second") == WD_OK);
    wd_amqp_q_close(q);
    char path[300];
    snprintf(path, sizeof(path), "%s/alerts.q", dir);
    /* a crash in the middle of an append: half a header, then half a body */
    int fd = open(path, O_WRONLY | O_APPEND);
    FAIL_UNLESS(fd >= 0);
    FAIL_UNLESS(write(fd, "\x09\x00\x00\x00\x01\x02", 6) == 6);
    close(fd);
    q = qopen(1 << 20);
    FAIL_UNLESS(q);
    uint64_t last;
    EXPECT_STR(peek_all(q, &last), "first,second");
    struct wd_amqp_q_stats st;
    wd_amqp_q_stats(q, &st);
    FAIL_UNLESS(st.torn == 6 && st.depth == 2);
    FAIL_UNLESS(append(q, "third") == WD_OK);
    EXPECT_STR(peek_all(q, &last), "first,second,third");
    wd_amqp_q_close(q);
    /* a flipped byte in the last body: that record is cut, the earlier ones stay */
    fd = open(path, O_RDWR);
    off_t end = lseek(fd, 0, SEEK_END);
    FAIL_UNLESS(pwrite(fd, "X", 1, end - 1) == 1);
    close(fd);
    q = qopen(1 << 20);
    EXPECT_STR(peek_all(q, &last), "first,second");
    wd_amqp_q_close(q);
    rm_dir();
}

static void t_queue_full_drops_oldest(void)
{
    fresh_dir();
    /* 64 bytes: two records of 16 + 10 bytes fit, a third does not */
    struct wd_amqp_q *q = qopen(64);
    FAIL_UNLESS(append(q, "0123456789") == WD_OK);
    FAIL_UNLESS(append(q, "abcdefghij") == WD_OK);
    FAIL_UNLESS(append(q, "ABCDEFGHIJ") == WD_OK);
    uint64_t last;
    EXPECT_STR(peek_all(q, &last), "abcdefghij,ABCDEFGHIJ");
    struct wd_amqp_q_stats st;
    wd_amqp_q_stats(q, &st);
    FAIL_UNLESS(st.dropped == 1 && st.depth == 2 && st.bytes == 52);
    /* a record larger than the whole queue is dropped, the rest stays */
    char big[100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    FAIL_UNLESS(append(q, big) == WD_OK);
    wd_amqp_q_stats(q, &st);
    FAIL_UNLESS(st.dropped == 2 && st.depth == 2);
    wd_amqp_q_close(q);
    /* the drop is durable: a reopen does not bring the dropped record back */
    q = qopen(64);
    EXPECT_STR(peek_all(q, &last), "abcdefghij,ABCDEFGHIJ");
    /* pop one, then an append that needs the consumed space compacts instead of dropping */
    struct wd_buf b;
    uint32_t n;
    uint64_t l1;
    wd_buf_init(&b, 0);
    FAIL_UNLESS(wd_amqp_q_peek(q, 1, &b, &n, &l1) == WD_OK && n == 1);
    wd_buf_fini(&b);
    FAIL_UNLESS(wd_amqp_q_pop(q, l1) == WD_OK);
    FAIL_UNLESS(append(q, "klmnopqrst") == WD_OK);
    wd_amqp_q_stats(q, &st);
    FAIL_UNLESS(st.dropped == 0 || st.dropped == 2); /* counters are per process */
    EXPECT_STR(peek_all(q, &last), "ABCDEFGHIJ,klmnopqrst");
    wd_amqp_q_close(q);
    q = qopen(64);
    EXPECT_STR(peek_all(q, &last), "ABCDEFGHIJ,klmnopqrst");
    wd_amqp_q_close(q);
    rm_dir();
}

static void t_queue_bad_ack_file(void)
{
    fresh_dir();
    struct wd_amqp_q *q = qopen(1 << 20);
    FAIL_UNLESS(append(q, "a") == WD_OK && append(q, "b") == WD_OK);
    uint64_t last;
    struct wd_buf b;
    uint32_t n;
    wd_buf_init(&b, 0);
    FAIL_UNLESS(wd_amqp_q_peek(q, 1, &b, &n, &last) == WD_OK);
    wd_buf_fini(&b);
    FAIL_UNLESS(wd_amqp_q_pop(q, last) == WD_OK);
    wd_amqp_q_close(q);
    /* a damaged acknowledgement file: everything is sent again (duplicates, no loss) */
    char path[300];
    snprintf(path, sizeof(path), "%s/alerts.ack", dir);
    int fd = open(path, O_WRONLY);
    FAIL_UNLESS(fd >= 0 && pwrite(fd, "garbage!", 8, 0) == 8);
    close(fd);
    q = qopen(1 << 20);
    EXPECT_STR(peek_all(q, &last), "a,b");
    wd_amqp_q_close(q);
    rm_dir();
}

WD_TEST_LIST{
    {"url_full", t_url_full},
    {"url_defaults", t_url_defaults},
    {"url_ipv6", t_url_ipv6},
    {"url_refused", t_url_refused},
    {"queue_order_and_reopen", t_queue_order_and_reopen},
    {"queue_torn_tail", t_queue_torn_tail},
    {"queue_full_drops_oldest", t_queue_full_drops_oldest},
    {"queue_bad_ack_file", t_queue_bad_ack_file},
};
WD_TEST_MAIN
