/*
 * zeek_cli.c: `ward ingest --format zeek FILE...`: sends Zeek logs (TSV or JSON, plain or
 * .gz) to a running server's POST /api/v1/zeek in chunks of whole lines, each TSV chunk
 * carrying the file's current header, so the server parses every chunk on its own. A
 * chunk counts as sent once the server answered 200 (its events are durable then).
 *
 * A file that is not a Zeek log is refused before anything is sent; a file whose last
 * line has no newline is sent without that line, which is reported with its byte offset.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <unistd.h>
#include <time.h>
#include <zlib.h>

#include "zeek_cli.h"

#include "cli_http.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "zeek.h"

#define CHUNK_BYTES ((size_t)1 << 20)
#define MAX_JOBS    16

static const char usage_text[] =
    "usage: ward ingest --format zeek [--url URL] [--sensor NAME] [--log NAME] FILE...|-\n"
    "\n"
    "Sends Zeek logs to a running server (POST /api/v1/zeek): TSV with its #-header or\n"
    "JSON lines (per-log or json-streaming-logs with _path), plain or gzip-compressed.\n"
    "Filters (zeek.filters) and MozDef normalization run on the server.\n"
    "\n"
    "  -f, --format zeek   input format (zeek is the one supported here)\n"
    "      --url URL       server (default $WARD_URL or " WD_CLI_DEFAULT_URL ")\n"
    "      --sensor NAME   sensor name of the events (default: this host's name)\n"
    "  -j, --jobs N        requests in flight at once (default 4; the server commits them\n"
    "                      together and uses every core)\n"
    "      --log NAME      log name when the file names none (#path, _path); default: the\n"
    "                      file name up to its first dot (conn.log.gz -> conn)\n"
    "  -h, --help          this help\n"
    "\n"
    "exit status: 0 every line stored or filtered; 1 a file was refused, a line was bad or\n"
    "truncated, or the server failed; 2 usage error\n";

struct totals {
    uint64_t records, accepted, dropped, diverted, bad;
};

static uint64_t num_of(const struct wd_jv *o, const char *k)
{
    const struct wd_jv *v = wd_jv_get(o, k);
    return v && v->type == WD_JV_INT && v->u.i > 0 ? (uint64_t)v->u.i : 0;
}

/* Posts one chunk; retries while the server answers 429. Returns 0 or 1 (printed). */
static int post(const struct wd_cli_url *u, const char *target, const char *file, const char *body,
                size_t len, size_t prefix_len, uint64_t chunk_off, struct totals *t)
{
    for (int attempt = 0;; attempt++) {
        struct wd_cli_conn c;
        if (wd_cli_open(&c, u, 600))
            return 1;
        struct wd_buf resp;
        wd_buf_init(&resp, 16u << 20);
        int rc = wd_cli_request_body(&c, u, "POST", target, "application/json",
                                     "text/plain; charset=utf-8", NULL, body, len);
        if (!rc)
            rc = wd_cli_body_all(&c, &resp);
        int status = c.status;
        wd_cli_close(&c);
        if (rc) {
            fprintf(stderr, "ward: %s: no answer from the server\n", file);
            wd_buf_fini(&resp);
            return 1;
        }
        if (status == 429 && attempt < 120) {
            wd_buf_fini(&resp);
            struct timespec ts = {0, 500 * 1000000L}; /* the server asked to retry later */
            nanosleep(&ts, NULL);
            continue;
        }
        struct wd_arena a;
        wd_arena_init(&a, 4096, 0);
        struct wd_jv *o = NULL;
        if (resp.len)
            wd_json_parse(resp.p, resp.len, resp.len, 16, &a, &o, NULL);
        int out = 0;
        if (status != 200 || !o) {
            const struct wd_jv *e = o ? wd_jv_path(o, "error.reason") : NULL;
            fprintf(stderr, "ward: %s: server answered %d: %.*s\n", file, status,
                    e && e->type == WD_JV_STR ? (int)e->u.s.len : (int)WD_MIN(resp.len, 300),
                    e && e->type == WD_JV_STR ? e->u.s.p
                    : resp.p                  ? resp.p
                                              : "");
            out = 1;
        } else {
            t->records += num_of(o, "records");
            t->accepted += num_of(o, "accepted");
            t->dropped += num_of(o, "dropped");
            t->diverted += num_of(o, "diverted");
            uint64_t bad = num_of(o, "bad_lines");
            t->bad += bad;
            const struct wd_jv *fe = wd_jv_get(o, "first_error");
            if (bad && fe) {
                const struct wd_jv *why = wd_jv_get(fe, "reason");
                uint64_t off = num_of(fe, "offset");
                fprintf(
                    stderr, "ward: %s: %llu bad line(s), the first at byte offset %llu: %.*s\n",
                    file, (unsigned long long)bad,
                    (unsigned long long)(chunk_off + (off >= prefix_len ? off - prefix_len : 0)),
                    why && why->type == WD_JV_STR ? (int)why->u.s.len : 0,
                    why && why->type == WD_JV_STR ? why->u.s.p : "");
                out = 1;
            }
        }
        wd_arena_fini(&a);
        wd_buf_fini(&resp);
        return out;
    }
}

/* Chunks waiting for a sender thread (bounded: memory is jobs x 2 chunks). */
struct job {
    char *target, *body;
    const char *file;
    size_t len, prefix;
    uint64_t off;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job q[MAX_JOBS];
    int head, n, cap;
    bool closing;
    const struct wd_cli_url *u;
    struct totals t;
    int status;
    pthread_t thr[MAX_JOBS];
    int nthr;
};

static void *sender(void *arg)
{
    wd_thread_name("ingest-send");
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->n && !p->closing)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->n) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        struct job j = p->q[p->head];
        p->head = (p->head + 1) % p->cap;
        p->n--;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        struct totals t = {0, 0, 0, 0, 0};
        int st = post(p->u, j.target, j.file, j.body, j.len, j.prefix, j.off, &t);
        free(j.body);
        free(j.target);
        pthread_mutex_lock(&p->mu);
        p->status |= st;
        p->t.records += t.records;
        p->t.accepted += t.accepted;
        p->t.dropped += t.dropped;
        p->t.diverted += t.diverted;
        p->t.bad += t.bad;
        pthread_mutex_unlock(&p->mu);
    }
}

/* Queues a copy of body[0..len); blocks while the queue is full. */
static void pool_put(struct pool *p, const char *target, const char *file, const char *body,
                     size_t len, size_t prefix, uint64_t off)
{
    struct job j = {wd_xstrdup(target), wd_xmalloc(len), file, len, prefix, off};
    memcpy(j.body, body, len);
    pthread_mutex_lock(&p->mu);
    while (p->n == p->cap)
        pthread_cond_wait(&p->cv, &p->mu);
    p->q[(p->head + p->n) % p->cap] = j;
    p->n++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void pool_start(struct pool *p, const struct wd_cli_url *u, int jobs)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->u = u;
    p->cap = jobs;
    for (int i = 0; i < jobs; i++)
        if (pthread_create(&p->thr[p->nthr], NULL, sender, p) == 0)
            p->nthr++;
}

/* Sends what is queued, stops the threads; returns the status of every request. */
static int pool_finish(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthr; i++)
        pthread_join(p->thr[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    return p->status;
}

/* Sends one file. Returns 0 or 1. */
static int send_file(struct pool *pool, const struct wd_cli_url *u, const char *path,
                     const char *sensor, const char *log)
{
    bool is_stdin = !strcmp(path, "-");
    gzFile f = is_stdin ? gzdopen(0, "rb") : gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ward: %s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    char hint[64] = "";
    if (log)
        snprintf(hint, sizeof(hint), "%s", log);
    else if (!is_stdin)
        wd_zeek_log_of_file(path, hint, sizeof(hint));
    struct wd_buf target, hdr, buf;
    wd_buf_init(&target, 0);
    wd_buf_init(&hdr, 0);
    wd_buf_init(&buf, 0);
    wd_buf_printf(&target, "%s/api/v1/zeek", u->prefix);
    wd_cli_add_param(&target, "log", hint[0] ? hint : NULL);
    wd_cli_add_param(&target, "sensor", sensor);
    int status = 0, fmt = WD_ZF_NONE;
    uint64_t file_off = 0; /* decompressed offset of buf's first byte after the prefix */
    bool eof = false, in_header = true;
    char tmp[65536];
    while (!eof || buf.len > hdr.len) {
        /* fill to CHUNK_BYTES of new data after the header prefix */
        size_t prefix = hdr.len;
        while (!eof && buf.len - prefix < CHUNK_BYTES) {
            int n = gzread(f, tmp, sizeof(tmp));
            if (n < 0) {
                int e;
                fprintf(stderr, "ward: %s: %s\n", path, gzerror(f, &e));
                status = 1;
                eof = true;
                break;
            }
            if (n == 0)
                eof = true;
            else if (wd_buf_append(&buf, tmp, (size_t)n))
                goto oom;
        }
        if (fmt == WD_ZF_NONE && buf.len) {
            const char *nl = memchr(buf.p, '\n', buf.len);
            fmt = wd_zeek_detect(buf.p, nl ? (size_t)(nl - buf.p) : buf.len);
            if (fmt == WD_ZF_NONE) {
                fprintf(stderr,
                        "ward: %s: not a Zeek log (neither a '#separator' header nor "
                        "JSON lines); refused\n",
                        path);
                status = 1;
                break;
            }
        }
        /* send whole lines only; keep the rest for the next chunk */
        size_t end = buf.len;
        while (end > prefix && buf.p[end - 1] != '\n')
            end--;
        if (eof && end < buf.len) {
            fprintf(stderr, "ward: %s: truncated last line at byte offset %llu (not sent)\n", path,
                    (unsigned long long)(file_off + (end - prefix)));
            status = 1;
            buf.len = end;
        }
        if (end == prefix && !eof) {
            if (buf.len - prefix >= CHUNK_BYTES * 4) {
                fprintf(stderr, "ward: %s: a line longer than %zu bytes at offset %llu\n", path,
                        CHUNK_BYTES * 4, (unsigned long long)file_off);
                status = 1;
                break;
            }
            continue;
        }
        if (end > prefix)
            pool_put(pool, target.p, path, buf.p, end, prefix, file_off);
        /* the TSV header so far (meta lines up to the first data line, and any new one) */
        size_t keep_from = end;
        if (fmt == WD_ZF_TSV) {
            struct wd_buf nh;
            wd_buf_init(&nh, 0);
            wd_buf_append(&nh, hdr.p ? hdr.p : "", hdr.len);
            for (size_t p = prefix; p < end;) {
                const char *nl = memchr(buf.p + p, '\n', end - p);
                size_t n = (size_t)(nl - (buf.p + p)) + 1;
                if (buf.p[p] == '#') {
                    if (!in_header)
                        nh.len = 0; /* a header after data: a new file in the stream */
                    in_header = true;
                    if (n < 7 || memcmp(buf.p + p, "#close", 6) != 0)
                        wd_buf_append(&nh, buf.p + p, n);
                } else {
                    in_header = false;
                }
                p += n;
            }
            wd_buf_fini(&hdr);
            hdr = nh;
        }
        file_off += end - prefix;
        struct wd_buf next;
        wd_buf_init(&next, 0);
        wd_buf_append(&next, hdr.p ? hdr.p : "", hdr.len);
        wd_buf_append(&next, buf.p + keep_from, buf.len - keep_from);
        wd_buf_fini(&buf);
        buf = next;
        if (eof && buf.len <= hdr.len)
            break;
    }
    gzclose(f);
    wd_buf_fini(&target);
    wd_buf_fini(&hdr);
    wd_buf_fini(&buf);
    return status;
oom:
    fprintf(stderr, "ward: %s: out of memory\n", path);
    gzclose(f);
    wd_buf_fini(&target);
    wd_buf_fini(&hdr);
    wd_buf_fini(&buf);
    return 1;
}

int wd_ingest_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"url", required_argument, NULL, 'u'},
        {"sensor", required_argument, NULL, 's'},
        {"log", required_argument, NULL, 'l'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL, *url = wd_cli_default_url(), *sensor = NULL, *log = NULL;
    int c, jobs = 4;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'u':
            url = optarg;
            break;
        case 's':
            sensor = optarg;
            break;
        case 'l':
            log = optarg;
            break;
        case 'j':
            jobs = (int)strtol(optarg, NULL, 10);
            if (jobs < 1 || jobs > MAX_JOBS) {
                fprintf(stderr, "ward: --jobs must be 1..%d\n", MAX_JOBS);
                return 2;
            }
            break;
        case 'h':
            (void)fputs(usage_text, stdout);
            return 0;
        default:
            (void)fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!format || strcmp(format, "zeek") != 0) {
        fprintf(stderr, "ward: --format zeek is required (other formats: POST to /_bulk)\n%s",
                usage_text);
        return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "ward: no FILE given\n%s", usage_text);
        return 2;
    }
    struct wd_cli_url u;
    if (wd_cli_parse_url(url, &u))
        return 2;
    char host[256] = "";
    if (!sensor && gethostname(host, sizeof(host) - 1) == 0)
        sensor = host;
    int status = 0;
    struct pool pool;
    pool_start(&pool, &u, jobs);
    for (int i = optind; i < argc; i++)
        status |= send_file(&pool, &u, argv[i], sensor, log);
    status |= pool_finish(&pool);
    struct totals t = pool.t;
    fprintf(stderr,
            "ward: %llu records: %llu stored (%llu diverted), %llu dropped by filters, "
            "%llu bad lines\n",
            (unsigned long long)t.records, (unsigned long long)t.accepted,
            (unsigned long long)t.diverted, (unsigned long long)t.dropped,
            (unsigned long long)t.bad);
    return status;
}
