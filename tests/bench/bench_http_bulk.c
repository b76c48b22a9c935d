/*
 * bench_http_bulk.c: HTTP load client for `make bench`. Reads an NDJSON file of events,
 * cuts it into Elasticsearch bulk bodies of --batch events (an {"index":{}} action line
 * before each), and posts them over --conns keep-alive connections to a running ward.
 * A request answered 429 is sent again after the Retry-After the server gave (ward says 1 s
 * when it is behind), as a shipper does; retrying at once would spend the server's CPU
 * on requests it refuses. Prints one line: events, seconds, events/s, and how many
 * requests got 429.
 *
 * usage: bench_http_bulk --port N [--conns 8] [--batch 2000] FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "ward.h"

struct body {
    char *p;
    size_t len;
    size_t events;
};

static struct body *bodies;
static size_t nbodies;
static size_t next_body;
static int port = 8080;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t done_events, n429, nerr;

static int connect_ward(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads one HTTP response; returns its status or -1. */
/* The Retry-After of the response in `in` in microseconds (at most 10 s), or 1 ms. */
static useconds_t retry_after_us(const struct wd_buf *in)
{
    const char *h = strcasestr(in->p, "\r\nRetry-After:");
    const char *end = strstr(in->p, "\r\n\r\n");
    if (!h || h > end)
        return 1000;
    long s = strtol(h + 15, NULL, 10);
    return (useconds_t)(s <= 0 ? 1000 : WD_MIN(s, 10) * 1000000L);
}

static int read_response(int fd, struct wd_buf *in)
{
    in->len = 0;
    for (;;) {
        if (wd_buf_reserve(in, 65536))
            return -1;
        ssize_t r = read(fd, in->p + in->len, in->cap - in->len - 1);
        if (r <= 0)
            return -1;
        in->len += (size_t)r;
        in->p[in->len] = '\0';
        char *hdr_end = strstr(in->p, "\r\n\r\n");
        if (!hdr_end)
            continue;
        char *cl = strcasestr(in->p, "\r\nContent-Length:");
        size_t clen = cl && cl < hdr_end ? strtoull(cl + 17, NULL, 10) : 0;
        if (in->len >= (size_t)(hdr_end + 4 - in->p) + clen)
            return (int)strtol(in->p + 9, NULL, 10);
    }
}

static void *worker(void *arg)
{
    WD_UNUSED(arg);
    int fd = connect_ward();
    struct wd_buf in;
    wd_buf_init(&in, 0);
    char hdr[256];
    for (;;) {
        pthread_mutex_lock(&mu);
        size_t i = next_body < nbodies ? next_body++ : SIZE_MAX;
        pthread_mutex_unlock(&mu);
        if (i == SIZE_MAX)
            break;
        struct body *b = &bodies[i];
        for (;;) {
            int n = snprintf(hdr, sizeof(hdr),
                             "POST /_bulk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                             "application/x-ndjson\r\nContent-Length: %zu\r\n\r\n",
                             b->len);
            if (send_all(fd, hdr, (size_t)n) || send_all(fd, b->p, b->len)) {
                __atomic_add_fetch(&nerr, 1, __ATOMIC_RELAXED);
                goto out;
            }
            int st = read_response(fd, &in);
            if (st == 429) {
                __atomic_add_fetch(&n429, 1, __ATOMIC_RELAXED);
                usleep(retry_after_us(&in));
                continue;
            }
            if (st != 200)
                __atomic_add_fetch(&nerr, 1, __ATOMIC_RELAXED);
            else
                __atomic_add_fetch(&done_events, b->events, __ATOMIC_RELAXED);
            break;
        }
    }
out:
    close(fd);
    wd_buf_fini(&in);
    return NULL;
}

/*
 * Cuts the NDJSON file at path into bodies of `batch` events, each line preceded by an
 * {"index":{}} action line, all in ONE anonymous mapping (*region, *region_len): with a
 * buffer per body, the client's thousands of mappings made every reverse-map walk of
 * the kernel's memory monitor (kdamond, DAMON proactive reclaim on this VM) iterate
 * them all, and that monitor took about 30% of the 2 CPUs during a 10M-event load.
 * Returns the number of events, or -1.
 */
static long long load_bodies(const char *path, size_t batch, char **region, size_t *region_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    const char *in = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : "";
    close(fd);
    if (in == MAP_FAILED)
        return -1;
    size_t lines = 0;
    for (const char *q = in, *e = in + n; q < e; lines++) {
        const char *nl = memchr(q, '\n', (size_t)(e - q));
        q = nl ? nl + 1 : e;
    }
    size_t need = n + lines * 14 + 1; /* action lines, a missing last newline */
    char *out = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (out == MAP_FAILED) {
        if (n)
            munmap((void *)in, n);
        return -1;
    }
    bodies = wd_xmalloc((lines / (batch ? batch : 1) + 1) * sizeof(*bodies));
    size_t w = 0, ev = 0, start = 0;
    long long total = 0;
    for (const char *q = in, *e = in + n; q < e;) {
        const char *nl = memchr(q, '\n', (size_t)(e - q));
        size_t l = nl ? (size_t)(nl - q) : (size_t)(e - q);
        memcpy(out + w, "{\"index\":{}}\n", 13);
        memcpy(out + w + 13, q, l);
        out[w + 13 + l] = '\n';
        w += 14 + l;
        q += l + (nl != NULL);
        if (++ev == batch || q >= e) {
            bodies[nbodies++] = (struct body){out + start, w - start, ev};
            total += (long long)ev;
            start = w;
            ev = 0;
        }
    }
    if (n)
        munmap((void *)in, n);
    *region = out;
    *region_len = need;
    return total;
}

int main(int argc, char **argv)
{
    int conns = 8;
    size_t batch = 2000;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
            conns = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = strtoull(argv[++i], NULL, 10);
        else
            file = argv[i];
    }
    char *region = NULL;
    size_t region_len = 0;
    long long total = file ? load_bodies(file, batch, &region, &region_len) : -1;
    if (total < 0) {
        fprintf(stderr, "usage: bench_http_bulk --port N [--conns C] [--batch B] FILE\n");
        return 2;
    }
    pthread_t *t = wd_xmalloc((size_t)conns * sizeof(*t));
    int64_t t0 = wd_mono_ns();
    for (int i = 0; i < conns; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    double s = (double)(wd_mono_ns() - t0) / 1e9;
    printf("events=%llu seconds=%.3f events_per_s=%.0f rejected_429=%llu errors=%llu\n",
           (unsigned long long)done_events, s, (double)done_events / s, (unsigned long long)n429,
           (unsigned long long)nerr);
    munmap(region, region_len);
    free(bodies);
    free(t);
    return done_events == (uint64_t)total && !nerr ? 0 : 1;
}
