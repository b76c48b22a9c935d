/*
 * bench_norm.c: normalization throughput (part of `make bench`): decodes a MozDef-form
 * syslog event once, then runs wd_norm_event and serializes the result repeatedly, one
 * core, arena reset every 128 events (as a batch would). Prints events/s.
 *
 * With an NDJSON file argument it runs the per-event path of an HTTP /_bulk request
 * instead (what a connection thread does, without HTTP): decode each line in place,
 * normalize, serialize into the batch payload (wd_ingest_add_event) and submit each batch
 * of `batch` (2000) events to a WAL in a fresh temporary directory (wal.durability=none), one core.
 * Meant for `valgrind --tool=callgrind` (instructions per event):
 *   bench_norm FILE [batch]
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "cfg.h"
#include "ingest.h"
#include "wal.h"
#include "ward.h"

/* Reads FILE whole (wd_read_file), with WD_JSON_PADDING readable bytes after it. */
static char *slurp(const char *path, size_t *len)
{
    char *p;
    if (wd_read_file(path, SIZE_MAX / 2, &p, len) != WD_OK)
        return NULL;
    p = wd_xrealloc(p, *len + WD_JSON_PADDING + 1);
    memset(p + *len, ' ', WD_JSON_PADDING);
    return p;
}

/* Removes the temporary WAL directory (segment files only). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[512];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The connection thread's per-event path over the lines of FILE (see the top). */
static int bench_file(const char *path, size_t batch)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    if (!data) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    char dir[] = "/tmp/bench_norm_walXXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct wd_wal_opts wo = {.dir = dir, .durability = WD_DUR_NONE};
    struct wd_wal *wal = NULL;
    char err[256];
    if (wd_wal_open(&wo, &wal, err, sizeof(err)) != WD_OK) {
        fprintf(stderr, "wal: %s\n", err);
        return 1;
    }
    struct wd_ingest_batch b;
    wd_ingest_batch_init(&b);
    /* as wd_ingest_add: each decoded line is used once */
    struct wd_norm_opts o = {
        .mozdefhostname = "bench", .now_us = 1767225600000000, .consume_input = true};
    size_t events = 0, in_batch = 0;
    int64_t t0 = wd_mono_ns();
    for (size_t p = 0; p < len;) {
        const char *e = memchr(data + p, '\n', len - p);
        size_t end = e ? (size_t)(e - data) : len;
        struct wd_jv *in = NULL, *ev = NULL;
        if (end > p) {
            if (wd_json_parse_compact(data + p, end - p, len + WD_JSON_PADDING - p, 0, &b.arena,
                                      &in, NULL) ||
                wd_norm_event(&b.arena, &o, in, &ev, NULL))
                return 1;
            if (wd_ingest_add_event(&b, ev, err, sizeof(err)))
                return 1;
            events++;
            in_batch++;
        }
        p = end + 1;
        if (in_batch == batch || (p >= len && in_batch)) {
            struct wd_wal_req req = {
                .payload = b.payload.p, .len = b.payload.len, .count = (uint32_t)in_batch};
            if (wd_wal_submit(wal, &req, true))
                return 1;
            in_batch = 0;
            wd_ingest_batch_reset(&b);
        }
    }
    double s = (double)(wd_mono_ns() - t0) / 1e9;
    printf("bulk path (decode+normalize+serialize+WAL): events=%zu seconds=%.3f "
           "events_per_s=%.0f ns_per_event=%.0f\n",
           events, s, (double)events / s, s * 1e9 / (double)events);
    wd_wal_close(wal);
    remove_dir(dir);
    wd_ingest_batch_fini(&b);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return bench_file(argv[1], argc > 2 ? strtoul(argv[2], NULL, 10) : 2000);

    const char *json =
        "{\"timestamp\":\"2020-03-05T10:00:00.123456+00:00\",\"hostname\":\"web-01\","
        "\"processname\":\"sshd\",\"processid\":\"1234\",\"severity\":\"info\",\"summary\":"
        "\"Accepted publickey for alice\",\"category\":\"syslog\",\"source\":\"authpriv\","
        "\"tags\":[\"ssh\"],\"details\":{\"sourceipaddress\":\"10.1.2.3\",\"username\":\"a\"}}";
    struct wd_arena a, b;
    struct wd_buf out;
    wd_arena_init(&a, 65536, 0);
    wd_arena_init(&b, 1 << 20, 0);
    wd_buf_init(&out, 0);
    struct wd_jv *in = NULL, *ev = NULL;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &in, NULL) != WD_OK)
        return 1;
    struct wd_norm_opts o = {.mozdefhostname = "bench", .now_us = 1767225600000000};
    const int n = 2000000;
    int64_t t0 = wd_mono_ns();
    for (int i = 0; i < n; i++) {
        if (wd_norm_event(&b, &o, in, &ev, NULL) != WD_OK)
            return 1;
        out.len = 0;
        wd_jv_write(ev, &out);
        if ((i & 127) == 127)
            wd_arena_reset(&b);
    }
    double s = (double)(wd_mono_ns() - t0) / 1e9;
    printf("normalize+serialize: events=%d seconds=%.3f events_per_s=%.0f ns_per_event=%.0f\n", n,
           s, n / s, s * 1e9 / n);
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    wd_arena_fini(&b);
    return 0;
}
