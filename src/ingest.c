/*
 * ingest.c: the input-independent pipeline stage (see ingest.h): normalize each decoded
 * event (MozDef rules, norm.c), serialize it once to compact JSON straight into the
 * batch's WAL payload, and commit the batch to the write-ahead log.
 */
#include <time.h>

#include "ingest.h"
#include "jv.h"
#include "log.h"
#include "metrics.h"
#include "norm.h"
#include "plug.h"
#include "enrich.h"
#include "ipfix.h"
#include "server.h"
#include "detect.h"
#include "store.h"
#include "tail.h"
#include "wal.h"

void wd_ingest_batch_init(struct wd_ingest_batch *b)
{
    wd_arena_init(&b->arena, (size_t)256 * 1024, 0);
    wd_buf_init(&b->payload, 0);
    wd_buf_init(&b->scratch, 0);
    b->count = 0;
    b->norm_errors = 0;
}

void wd_ingest_batch_reset(struct wd_ingest_batch *b)
{
    wd_arena_reset(&b->arena);
    b->payload.len = 0;
    b->scratch.len = 0;
    b->count = 0;
    b->norm_errors = 0;
    /* Do not keep a huge payload buffer alive after one giant request. */
    if (b->payload.cap > (64u << 20))
        wd_buf_fini(&b->payload);
}

void wd_ingest_batch_fini(struct wd_ingest_batch *b)
{
    if (!b)
        return;
    wd_arena_fini(&b->arena);
    wd_buf_fini(&b->payload);
    wd_buf_fini(&b->scratch);
}

void wd_ingest_reject(struct wd_server *s, int input, int reason, uint64_t n)
{
    if (input >= 0 && input < WD_IN__COUNT && n)
        wd_metric_add(&s->metrics.rejected_events[input][reason], n);
}

/* enrich.ip_fixup: c.7 after the plugin chain and the defaults; named in mozdef.plugins. */
static int ip_fixup(struct wd_arena *a, struct wd_jv *ev)
{
    bool ran;
    int rc = wd_ipfix_event(a, ev, &ran);
    struct wd_jv *pl = ran && rc == WD_OK ? wd_jv_path(ev, "mozdef.plugins") : NULL;
    if (pl && pl->type == WD_JV_ARR) {
        struct wd_jv *n = wd_jv_str(a, "ipFixup", 7);
        if (!n)
            return WD_ENOMEM;
        wd_jv_push(pl, n);
    }
    return rc;
}

int wd_ingest_add(struct wd_server *s, struct wd_ingest_batch *b, struct wd_jv *v,
                  const struct wd_ingest_meta *meta, char *why, size_t why_len)
{
    struct wd_norm_opts o = {
        .mozdefhostname = s->hostname,
        .naive_tz = s->tz,
        .now_us = wd_now_us(),
        .max_depth = (uint32_t)s->cfg.ingest_max_json_depth,
        .consume_input = true, /* v is not used after this call (ingest.h) */
    };
    struct wd_norm_stats st;
    memset(&st, 0, sizeof(st));
    /* loginput marks /custom/<app> events before the worker sees them (a.3). */
    if (meta->custom_app && v->type == WD_JV_OBJ) {
        wd_jv_set(v, WD_STR("endpoint"),
                  wd_jv_str(&b->arena, meta->custom_app, strlen(meta->custom_app)));
        wd_jv_set(v, WD_STR("customendpoint"), wd_jv_bool(&b->arena, true));
    }
    struct wd_plugins *pl = s->plugins;
    o.defer_defaults = pl != NULL; /* plugins run between key mapping and a.4 */
    struct wd_jv *ev = NULL;
    int rc = wd_norm_event(&b->arena, &o, v, &ev, &st);
    if (rc) {
        snprintf(why, why_len, "%s", st.msg ? st.msg : wd_strerror(rc));
        return rc;
    }
    if (pl) {
        struct wd_plug_result pr;
        rc = wd_plugins_run(pl, &b->arena, &ev, &pr);
        if (rc == WD_OK && pr.dropped)
            return WD_OK; /* counted per plugin (ward_plugin_drops_total) */
        if (rc == WD_OK)
            rc = wd_norm_defaults(&b->arena, &o, ev);
        if (rc) {
            snprintf(why, why_len, "plugins: %s", wd_strerror(rc));
            return rc;
        }
    }
    if (s->cfg.enrich_ip_fixup && ip_fixup(&b->arena, ev) != WD_OK) {
        snprintf(why, why_len, "ipFixup: %s", wd_strerror(WD_ENOMEM));
        return WD_ENOMEM;
    }
    if (s->enrich && wd_enrich_event(s->enrich, &b->arena, ev) != WD_OK) {
        snprintf(why, why_len, "enrichment: %s", wd_strerror(WD_ENOMEM));
        return WD_ENOMEM;
    }
    if (meta->dataset.len)
        wd_jv_set(ev, WD_STR("dataset"), wd_jv_str(&b->arena, meta->dataset.p, meta->dataset.len));
    if (st.events_with_errors) {
        b->norm_errors++;
        wd_metric_add(&s->metrics.normalize_errors, 1);
    }
    return wd_ingest_add_event(b, ev, why, why_len);
}

int wd_ingest_add_event(struct wd_ingest_batch *b, const struct wd_jv *ev, char *why,
                        size_t why_len)
{
    /* Serialized straight into the payload, behind its length prefix (no copy). */
    size_t at;
    int rc = wd_wal_payload_begin(&b->payload, &at);
    if (rc == WD_OK)
        rc = wd_jv_write(ev, &b->payload);
    if (rc == WD_OK)
        rc = wd_wal_payload_end(&b->payload, at);
    if (rc) {
        if (b->payload.len > at) {
            b->payload.len = at;
            b->payload.p[at] = '\0';
        }
        snprintf(why, why_len, "cannot serialize the event: %s", wd_strerror(rc));
        return rc;
    }
    b->count++;
    return WD_OK;
}

/* Events acknowledged but not yet in the store or past the detection engine. */
static uint64_t pipeline_lag(struct wd_server *s)
{
    uint64_t next = wd_wal_next_seq(s->wal), done = next ? next - 1 : 0;
    if (s->store)
        done = WD_MIN(done, wd_store_indexed_seq(s->store));
    struct wd_detect *d = __atomic_load_n(&s->detect, __ATOMIC_ACQUIRE);
    if (d)
        done = WD_MIN(done, wd_detect_seq(d));
    return next > done + 1 ? next - 1 - done : 0;
}

/* Backpressure (DESIGN 2): beyond ingest.max_lag_events, refuse (HTTP, UDP) or wait for
 * the store and the engine to catch up (TCP readers pause), at most 30 s per commit. */
static bool too_far_behind(struct wd_server *s, bool wait)
{
    uint64_t max = (uint64_t)s->cfg.ingest_max_lag_events;
    if (!max || pipeline_lag(s) <= max)
        return false;
    if (!wait)
        return true;
    for (int i = 0; i < 3000 && pipeline_lag(s) > max; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

bool wd_ingest_lagging(struct wd_server *s)
{
    return too_far_behind(s, false);
}

int wd_ingest_commit(struct wd_server *s, struct wd_ingest_batch *b, int input, bool wait,
                     uint64_t *first_seq)
{
    *first_seq = 0;
    if (!b->count)
        return WD_OK;
    if (too_far_behind(s, wait))
        return WD_EAGAIN;
    struct wd_wal_req req = {.payload = b->payload.p, .len = b->payload.len, .count = b->count};
    int rc = wd_wal_submit(s->wal, &req, wait);
    if (rc == WD_OK) {
        *first_seq = req.first_seq;
        wd_metric_add(&s->metrics.accepted_events[input], b->count);
        /* Live tail sees only what the WAL accepted; one relaxed load when unused. */
        wd_tail_publish(s->tail, b->payload.p, b->payload.len, b->count, req.first_seq);
    }
    return rc;
}
