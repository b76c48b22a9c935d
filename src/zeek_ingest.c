/*
 * zeek_ingest.c: the Zeek pipeline stage and its server state (see zeek_srv.h): filters
 * and lists loaded at start, a thread re-reading changed list files every
 * lists.reload_interval_ms, and the line loop shared by POST /api/v1/zeek, `ward ingest
 * --format zeek` (through that endpoint) and the directory input.
 *
 * Invariant: an event is acknowledged (the call returns WD_OK) only after the WAL commit
 * of the batch holding it; lines that cannot be read are counted and skipped, never
 * losing the rest of the stream.
 */
#include <pthread.h>
#include <time.h>

#include "zeek_srv.h"

#include "filter.h"
#include "enrich.h"
#include "ingest.h"
#include "jv.h"
#include "lag.h"
#include "lists.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "norm.h"
#include "server.h"
#include "zeek.h"
#include "zeek_dir.h"
#include "zeek_norm.h"

static void *reload_main(void *arg)
{
    wd_thread_name("zeek-reload");
    struct wd_server *s = arg;
    struct wd_zeek_srv *z = s->zeek;
    int64_t step_ms = s->cfg.lists_reload_interval_ms;
    while (!__atomic_load_n(&z->stop, __ATOMIC_ACQUIRE)) {
        /* sleep in short slices so shutdown is prompt */
        for (int64_t slept = 0; slept < step_ms && !__atomic_load_n(&z->stop, __ATOMIC_ACQUIRE);
             slept += 50) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        wd_lists_reload(z->lists);
    }
    return NULL;
}

int wd_zeek_srv_start(struct wd_server *s)
{
    struct wd_zeek_srv *z = wd_xcalloc(1, sizeof(*z));
    s->zeek = z;
    z->lists = wd_lists_new();
    z->lag = wd_lag_new();
    if (s->cfg.zeek_filters[0]) {
        int nerr = wd_filter_load(s->cfg.zeek_filters, z->lists, &z->filters, stderr);
        if (nerr) {
            wd_log(WD_LOG_ERROR, "zeek", "%d error%s in zeek.filters %s; nothing started", nerr,
                   nerr == 1 ? "" : "s", s->cfg.zeek_filters);
            return 1;
        }
        wd_log(WD_LOG_INFO, "zeek", "loaded filters=%zu from %s", wd_filter_count(z->filters),
               s->cfg.zeek_filters);
    }
    pthread_t t;
    if (pthread_create(&t, NULL, reload_main, s) == 0) {
        z->thread = (uint64_t)t;
        z->thread_started = true;
    }
    if (s->cfg.zeek_dir[0] && wd_zeek_dir_start(s, &z->dir))
        return 1;
    return 0;
}

void wd_zeek_srv_stop(struct wd_server *s)
{
    struct wd_zeek_srv *z = s->zeek;
    if (!z)
        return;
    wd_zeek_dir_stop(z->dir);
    z->dir = NULL;
    __atomic_store_n(&z->stop, true, __ATOMIC_RELEASE);
    if (z->thread_started)
        pthread_join((pthread_t)z->thread, NULL);
    wd_filter_set_free(z->filters);
    wd_lists_free(z->lists);
    wd_lag_free(z->lag);
    free(z);
    s->zeek = NULL;
}

static void bad_line(struct wd_zeek_result *res, uint64_t line_no, uint64_t off, const char *why)
{
    if (res->bad_lines++ == 0) {
        res->bad_line_no = line_no;
        res->bad_off = off;
        snprintf(res->bad_why, sizeof(res->bad_why), "%.150s", why ? why : "unreadable line");
    }
}

static int commit(struct wd_server *s, struct wd_ingest_batch *b, int input,
                  struct wd_zeek_result *res)
{
    uint64_t seq;
    uint32_t n = b->count;
    int rc = wd_ingest_commit(s, b, input, true, &seq);
    if (rc == WD_OK)
        res->accepted += n;
    else
        wd_ingest_reject(s, input, rc == WD_EAGAIN ? WD_REJ_BACKPRESSURE : WD_REJ_IO, n);
    wd_ingest_batch_reset(b);
    res->commit_rc = rc;
    return rc;
}

/* One record: lag, filters, normalization, batch. */
static void one(struct wd_server *s, struct wd_ingest_batch *b, struct wd_str sensor,
                struct wd_str log, struct wd_jv *rec, const struct wd_norm_opts *o,
                struct wd_zeek_result *res)
{
    struct wd_zeek_srv *z = s->zeek;
    res->records++;
    const char *divert = NULL;
    int act = z ? wd_filter_eval(z->filters, log, rec, &divert) : WD_FILTER_KEEP;
    struct wd_jv *ev;
    struct wd_zeek_info info;
    if (act == WD_FILTER_DROP) {
        /* the sensor is alive even when all its records are cut: lag still counts them */
        struct wd_jv *ts = wd_jv_get(rec, "ts");
        int64_t us;
        if (z && ts && ts->raw.len && wd_zeek_time_us(ts->raw.p, ts->raw.len, &us))
            wd_lag_observe(z->lag, sensor, log, o->now_us, us, INT64_MIN);
        res->dropped++;
        return;
    }
    if (wd_zeek_norm(&b->arena, o, log, sensor, rec, &b->scratch, &ev, &info) != WD_OK) {
        bad_line(res, 0, 0, "out of memory normalizing the record");
        return;
    }
    if (z)
        wd_lag_observe(z->lag, sensor, log, o->now_us, info.event_us, info.write_us);
    if (info.errors && z)
        __atomic_add_fetch(&z->norm_errors, 1, __ATOMIC_RELAXED);
    if (act == WD_FILTER_DIVERT) {
        /* normalized as its own log (summary), then moved to the noise stream */
        wd_jv_set(ev, WD_STR("source"), wd_jv_str(&b->arena, divert, strlen(divert)));
        wd_jv_set(ev, WD_STR("dataset"), wd_jv_str(&b->arena, divert, strlen(divert)));
        /* the store keeps it in divert-YYYYMMDD (store.divert_retention_days) */
        wd_jv_set(ev, WD_STR("diverted"), wd_jv_bool(&b->arena, true));
        res->diverted++;
    }
    /* enrichment (docs/enrichment.md): network table, GeoIP, threat intel */
    if (s->enrich && wd_enrich_event(s->enrich, &b->arena, ev) != WD_OK) {
        bad_line(res, 0, 0, "out of memory enriching the record");
        return;
    }
    char why[128];
    if (wd_ingest_add_event(b, ev, why, sizeof(why)) != WD_OK)
        bad_line(res, 0, 0, why);
}

int wd_zeek_ingest(struct wd_server *s, struct wd_zeek_reader *r, struct wd_ingest_batch *b,
                   struct wd_str sensor, const char *buf, size_t len, bool final, uint64_t base_off,
                   int input, size_t *consumed, struct wd_zeek_result *res)
{
    memset(res, 0, sizeof(*res));
    *consumed = 0;
    if (!sensor.len)
        sensor = (struct wd_str){s->hostname, strlen(s->hostname)};
    struct wd_norm_opts o = {
        .mozdefhostname = s->hostname,
        .naive_tz = s->tz,
        .now_us = wd_now_us(),
        .max_depth = (uint32_t)s->cfg.ingest_max_json_depth,
    };
    uint32_t max_batch = (uint32_t)s->cfg.zeek_batch_events;
    wd_ingest_batch_reset(b);
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl && !final)
            break;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        uint64_t off = base_off + (uint64_t)(p - buf);
        const char *next = nl ? nl + 1 : end;
        if (!nl) {
            /* Zeek ends every line with '\n': a stream ending without one was cut */
            r->lines++;
            bad_line(res, r->lines, off, "truncated last line (no newline at the end)");
            if (s->zeek)
                __atomic_add_fetch(&s->zeek->truncated, 1, __ATOMIC_RELAXED);
            p = next;
            break;
        }
        if ((size_t)n > (size_t)s->cfg.ingest_max_line_bytes) {
            r->lines++;
            bad_line(res, r->lines, off, "line longer than ingest.max_line_bytes");
            wd_ingest_reject(s, input, WD_REJ_LINE_TOO_LONG, 1);
            p = next;
            continue;
        }
        struct wd_jv *rec = NULL;
        struct wd_str log;
        struct wd_perr e = {0, 0, NULL};
        int rc = wd_zeek_reader_line(r, p, n, (size_t)(end - p), &b->arena, &rec, &log, &e);
        if (rc == WD_EINVAL) {
            res->refused = true;
            snprintf(res->refused_why, sizeof(res->refused_why), "%.150s", e.msg);
            if (s->zeek)
                __atomic_add_fetch(&s->zeek->refused, 1, __ATOMIC_RELAXED);
            *consumed = len;
            return WD_OK;
        }
        if (rc == WD_ENOMEM && b->count) {
            /* the batch arena is full: commit what we have, then retry this line */
            r->lines--;
            if (commit(s, b, input, res))
                return res->commit_rc;
            continue;
        }
        if (rc) {
            char why[200];
            snprintf(why, sizeof(why), "%s at byte %zu of the line", e.msg ? e.msg : "bad line",
                     e.off);
            bad_line(res, r->lines, off + e.off, why);
            wd_ingest_reject(s, input, WD_REJ_PARSE, 1);
        } else if (rec) {
            one(s, b, sensor, log, rec, &o, res);
        }
        p = next;
        *consumed = (size_t)(p - buf);
        if (b->count >= max_batch) {
            if (commit(s, b, input, res))
                return res->commit_rc;
            o.now_us = wd_now_us();
        }
    }
    *consumed = (size_t)(p - buf);
    if (s->zeek) {
        struct wd_zeek_srv *z = s->zeek;
        __atomic_add_fetch(&z->records, res->records, __ATOMIC_RELAXED);
        __atomic_add_fetch(&z->dropped, res->dropped, __ATOMIC_RELAXED);
        __atomic_add_fetch(&z->diverted, res->diverted, __ATOMIC_RELAXED);
        __atomic_add_fetch(&z->bad_lines, res->bad_lines, __ATOMIC_RELAXED);
    }
    wd_metric_add(&s->metrics.received_events[input], res->records);
    wd_metric_add(&s->metrics.received_bytes[input], *consumed);
    if (b->count && commit(s, b, input, res))
        return res->commit_rc;
    return WD_OK;
}

static void counter(struct wd_buf *o, const char *name, const char *help, const uint64_t *v)
{
    wd_buf_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                  (unsigned long long)__atomic_load_n(v, __ATOMIC_RELAXED));
}

void wd_zeek_srv_render_prom(struct wd_server *s, struct wd_buf *o)
{
    struct wd_zeek_srv *z = s->zeek;
    if (!z)
        return;
    counter(o, "ward_zeek_records_total", "Zeek data lines read into records.", &z->records);
    counter(o, "ward_zeek_dropped_total", "Zeek records dropped by filters.", &z->dropped);
    counter(o, "ward_zeek_diverted_total", "Zeek records diverted to noise streams.", &z->diverted);
    counter(o, "ward_zeek_bad_lines_total", "Zeek lines that could not be read (skipped).",
            &z->bad_lines);
    counter(o, "ward_zeek_truncated_lines_total",
            "Zeek streams whose last line had no newline (rejected with its offset).",
            &z->truncated);
    counter(o, "ward_zeek_refused_streams_total",
            "Files or request bodies refused because they are not Zeek logs.", &z->refused);
    counter(o, "ward_zeek_normalize_errors_total",
            "Zeek events kept with a note in errors (a summary field was missing).",
            &z->norm_errors);
    wd_filter_render_prom(z->filters, o);
    wd_lists_render_prom(z->lists, o);
    wd_lag_render_prom(z->lag, o);
    wd_zeek_dir_render_prom(z->dir, o);
}
