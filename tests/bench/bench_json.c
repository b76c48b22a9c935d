/*
 * bench_json.c: throughput of the JSON layer on Zeek-conn-like NDJSON. Generates ~100k
 * lines in memory, then (best of several rounds) parses them in batches of 1000 into an
 * arena (in place, and again through the padded scratch copy) and writes each batch's
 * trees back to compact JSON. Prints MB/s (of input JSON) and events/s for each step.
 * Usage: bench_json [lines] [rounds]
 */
#include <time.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

#ifndef BENCH_PARSE
#define BENCH_PARSE wd_json_parse /* an alternative decoder can be swapped in to compare */
#endif

#define BATCH 1000

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Appends one Zeek conn.log line (JSON, newline-terminated). */
static int gen_line(struct wd_buf *b, size_t i)
{
    static const char *const states[] = {"SF", "S0", "REJ", "RSTO", "OTH", "SH"};
    static const char *const services[] = {"dns", "ssl", "http", "-", "ssh", "ntp"};
    static const char *const hist[] = {"ShADadFf", "D", "Dd", "S", "ShADadfF", "ShR"};
    char uid[19];
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uid[0] = 'C';
    for (int k = 1; k < 18; k++)
        uid[k] = al[rnd() % 62];
    uid[18] = '\0';
    uint32_t s = rnd() % 6;
    int udp = s == 0 || s == 5;
    return wd_buf_printf(
        b,
        "{\"ts\":%.6f,\"uid\":\"%s\",\"id.orig_h\":\"10.%u.%u.%u\",\"id.orig_p\":%u,"
        "\"id.resp_h\":\"%u.%u.%u.%u\",\"id.resp_p\":%u,\"proto\":\"%s\",\"service\":\"%s\","
        "\"duration\":%.6f,\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"%s\","
        "\"local_orig\":%s,\"local_resp\":false,\"missed_bytes\":0,\"history\":\"%s\","
        "\"orig_pkts\":%u,\"orig_ip_bytes\":%u,\"resp_pkts\":%u,\"resp_ip_bytes\":%u,"
        "\"tunnel_parents\":[]}\n",
        1700000000.0 + (double)i * 0.01 + (rnd() % 1000) / 1e6, uid, rnd() % 256, rnd() % 256,
        rnd() % 256, 1024 + rnd() % 64000, rnd() % 224, rnd() % 256, rnd() % 256, rnd() % 256,
        udp ? 53 : 443, udp ? "udp" : "tcp", services[s], (rnd() % 100000) / 1e4, rnd() % 100000,
        rnd() % 1000000, states[rnd() % 6], rnd() % 2 ? "true" : "false", hist[rnd() % 6],
        rnd() % 100, rnd() % 100000, rnd() % 100, rnd() % 1000000);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
    double parse_s, write_s;
    size_t out_bytes;
};

/* One pass over all lines; in_place chooses readable = rest of the buffer or = len. */
static int run(const char *data, const size_t *starts, size_t nlines, bool in_place,
               struct wd_arena *a, struct wd_buf *out, struct result *r)
{
    struct wd_jv *trees[BATCH];
    r->parse_s = r->write_s = 0;
    r->out_bytes = 0;
    const char *end = data + starts[nlines];
    for (size_t i = 0; i < nlines; i += BATCH) {
        size_t n = WD_MIN(BATCH, nlines - i);
        double t0 = now_s();
        for (size_t k = 0; k < n; k++) {
            const char *p = data + starts[i + k];
            size_t len = starts[i + k + 1] - starts[i + k] - 1; /* without the newline */
            size_t readable = in_place ? (size_t)(end - p) + WD_JSON_PADDING : len;
            struct wd_perr err;
            int rc = BENCH_PARSE(p, len, readable, 64, a, &trees[k], &err);
            if (rc) {
                fprintf(stderr, "line %zu: %s at %zu\n", i + k, err.msg, err.off);
                return rc;
            }
        }
        double t1 = now_s();
        out->len = 0;
        for (size_t k = 0; k < n; k++) {
            int rc = wd_jv_write(trees[k], out);
            if (!rc)
                rc = wd_buf_putc(out, '\n');
            if (rc)
                return rc;
        }
        double t2 = now_s();
        r->out_bytes += out->len;
        r->parse_s += t1 - t0;
        r->write_s += t2 - t1;
        wd_arena_reset(a);
    }
    return WD_OK;
}

int main(int argc, char **argv)
{
    size_t nlines = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    if (nlines == 0 || rounds <= 0)
        return 2;
    struct wd_buf data, out;
    wd_buf_init(&data, 0);
    wd_buf_init(&out, 0);
    size_t *starts = wd_xmalloc((nlines + 1) * sizeof(*starts));
    for (size_t i = 0; i < nlines; i++) {
        starts[i] = data.len;
        if (gen_line(&data, i))
            return 1;
    }
    starts[nlines] = data.len;
    /* Padding after the last line so every line can be parsed in place. */
    if (wd_buf_reserve(&data, WD_JSON_PADDING + 1))
        return 1;
    memset(data.p + data.len, ' ', WD_JSON_PADDING);

    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    double mb = (double)data.len / 1e6;
    printf("bench_json: %zu Zeek-conn-like lines, %.1f MB, %.0f bytes/line, best of %d\n", nlines,
           mb, (double)data.len / (double)nlines, rounds);
    for (int mode = 0; mode < 2; mode++) {
        struct result best = {1e9, 1e9, 0};
        for (int r = 0; r < rounds; r++) {
            struct result res;
            if (run(data.p, starts, nlines, mode == 0, &a, &out, &res))
                return 1;
            best.parse_s = WD_MIN(best.parse_s, res.parse_s);
            best.write_s = WD_MIN(best.write_s, res.write_s);
            best.out_bytes = res.out_bytes;
        }
        printf("parse %-8s %8.1f MB/s %10.0f events/s\n", mode == 0 ? "in-place" : "copied",
               mb / best.parse_s, (double)nlines / best.parse_s);
        if (mode == 0)
            printf("write          %8.1f MB/s %10.0f events/s (%.1f MB out)\n",
                   (double)best.out_bytes / 1e6 / best.write_s, (double)nlines / best.write_s,
                   (double)best.out_bytes / 1e6);
    }
    wd_arena_fini(&a);
    wd_buf_fini(&data);
    wd_buf_fini(&out);
    free(starts);
    return 0;
}
