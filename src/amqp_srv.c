/*
 * amqp_srv.c: the AMQP service of `ward serve`: parses amqp.url, opens the retry queue
 * (DATA/amqp/), starts and stops the input and output threads, turns committed alerts
 * into retry-queue records ({"_id", "_index", "_source"} like MozDef's alert publisher),
 * and renders /metrics and /api/v1/health.
 */
#include <time.h>

#include "amqp_srv.h"
#include "amqp_int.h"
#include "log.h"
#include "mem.h"
#include "server.h"
#include "wd_time.h"

bool wd_amqp_nap(struct wd_amqp *a, int64_t ms)
{
    while (ms > 0 && !a->stopping) {
        int64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return !a->stopping;
}

void wd_amqp_link_loop(struct wd_amqp *a, const struct wd_amqp_link *l)
{
    uint32_t attempt = 0;
    bool ever = false;
    char err[512];
    while (!a->stopping) {
        amqp_connection_state_t c = l->setup(a, err, sizeof(err));
        if (!c) {
            __atomic_add_fetch(l->connect_failures, 1, __ATOMIC_RELAXED);
            int64_t d = wd_amqp_backoff_ms(attempt++, a->s->cfg.amqp_reconnect_max_ms);
            wd_log(WD_LOG_WARN, "amqp", "%s: %s; retrying in %lld ms", l->side, err, (long long)d);
            wd_amqp_nap(a, d);
            continue;
        }
        if (ever || attempt) /* after a lost connection or a failed attempt */
            __atomic_add_fetch(l->reconnects, 1, __ATOMIC_RELAXED);
        ever = true;
        attempt = 0;
        __atomic_store_n(l->connected, 1, __ATOMIC_RELAXED);
        wd_log(WD_LOG_INFO, "amqp", "%s: %s on %s:%d", l->side, l->doing, a->url.host, a->url.port);
        l->run(a, c, l->arg);
        __atomic_store_n(l->connected, 0, __ATOMIC_RELAXED);
        wd_amqp_disconnect(c);
        if (!a->stopping)
            wd_log(WD_LOG_WARN, "amqp", "%s: connection lost; reconnecting", l->side);
    }
}

int wd_amqp_start(struct wd_server *s, struct wd_amqp **out, char *err, size_t err_len)
{
    const struct wd_config *cfg = &s->cfg;
    *out = NULL;
    if (!cfg->amqp_input_enabled && !cfg->amqp_output_alerts)
        return WD_OK;
    struct wd_amqp *a = wd_xcalloc(1, sizeof(*a));
    a->s = s;
    if (wd_amqp_url_parse(cfg->amqp_url, strlen(cfg->amqp_url), &a->url, err, err_len)) {
        free(a);
        return WD_EINVAL;
    }
    if (cfg->amqp_output_alerts) {
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s/amqp", cfg->data_dir);
        if (wd_amqp_q_open(dir, (uint64_t)cfg->amqp_output_queue_max_bytes, &a->q, err, err_len)) {
            free(a);
            return WD_EIO;
        }
    }
    *out = a;
    if (cfg->amqp_input_enabled)
        a->in_started = pthread_create(&a->in_thr, NULL, wd_amqp_in_main, a) == 0;
    if (a->q)
        a->out_started = pthread_create(&a->out_thr, NULL, wd_amqp_out_main, a) == 0;
    if ((cfg->amqp_input_enabled && !a->in_started) || (a->q && !a->out_started)) {
        snprintf(err, err_len, "cannot start the AMQP threads");
        return WD_ENOMEM;
    }
    return WD_OK;
}

void wd_amqp_stop(struct wd_amqp *a)
{
    if (!a)
        return;
    a->stopping = 1;
    if (a->in_started)
        pthread_join(a->in_thr, NULL);
    if (a->out_started)
        pthread_join(a->out_thr, NULL);
    wd_amqp_q_close(a->q);
    free(a);
}

void wd_amqp_alerts(struct wd_amqp *a, const char *payload, size_t len, uint32_t count,
                    uint64_t first_seq)
{
    if (!a || !a->q || !count)
        return;
    char iso[WD_TIME_ISO_MAX];
    wd_time_iso(wd_now_us(), iso);
    struct wd_str *bodies = wd_xcalloc(count, sizeof(*bodies));
    struct wd_buf b;
    wd_buf_init(&b, 0);
    size_t off = 0, *starts = wd_xcalloc(count, sizeof(*starts));
    uint32_t n = 0;
    for (; n < count && off + 4 <= len; n++) {
        const unsigned char *l = (const unsigned char *)payload + off;
        uint32_t al =
            (uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 | (uint32_t)l[3] << 24;
        if (off + 4 + al > len)
            break;
        starts[n] = b.len;
        if (wd_buf_printf(&b, "{\"_id\":\"%llu\",\"_index\":\"alerts-%.4s%.2s\",\"_source\":",
                          (unsigned long long)(first_seq + n), iso, iso + 5) ||
            wd_buf_append(&b, payload + off + 4, al) || wd_buf_putc(&b, '}'))
            break;
        off += 4 + al;
    }
    for (uint32_t i = 0; i < n; i++)
        bodies[i] =
            (struct wd_str){b.p + starts[i], (i + 1 < n ? starts[i + 1] : b.len) - starts[i]};
    if (n && wd_amqp_q_append(a->q, bodies, n) != WD_OK)
        wd_log(WD_LOG_ERROR, "amqp", "%u alerts could not be queued for AMQP", n);
    wd_buf_fini(&b);
    free(starts);
    free(bodies);
}

static void metric(struct wd_buf *b, const char *name, const char *type, const char *help,
                   const char *labels, unsigned long long v)
{
    wd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s%s %llu\n", name, help, name, type, name,
                  labels, v);
}

static uint64_t ld(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void wd_amqp_render_prom(struct wd_amqp *a, struct wd_buf *b)
{
    if (!a)
        return;
    if (a->s->cfg.amqp_input_enabled) {
        metric(b, "ward_amqp_in_connected", "gauge", "1 while the AMQP input is connected.", "",
               (unsigned long long)__atomic_load_n(&a->in.connected, __ATOMIC_RELAXED));
        metric(b, "ward_amqp_in_consumed_total", "counter", "AMQP messages received.", "",
               ld(&a->in.consumed));
        metric(b, "ward_amqp_in_acked_total", "counter",
               "AMQP messages acknowledged (after their batch was durable).", "", ld(&a->in.acked));
        metric(b, "ward_amqp_in_rejected_total", "counter",
               "AMQP messages that were not a JSON event (acknowledged, not stored).", "",
               ld(&a->in.rejected));
        metric(b, "ward_amqp_in_redelivered_total", "counter",
               "AMQP messages the broker flagged as redelivered.", "", ld(&a->in.redelivered));
        metric(b, "ward_amqp_in_batches_total", "counter", "AMQP input batches committed.", "",
               ld(&a->in.batches));
        metric(b, "ward_amqp_in_reconnects_total", "counter",
               "AMQP input connections made again after a loss or failure.", "",
               ld(&a->in.reconnects));
        metric(b, "ward_amqp_in_connect_failures_total", "counter",
               "AMQP input connection attempts that failed.", "", ld(&a->in.connect_failures));
    }
    if (a->q) {
        struct wd_amqp_q_stats st;
        wd_amqp_q_stats(a->q, &st);
        metric(b, "ward_amqp_out_connected", "gauge", "1 while the AMQP output is connected.", "",
               (unsigned long long)__atomic_load_n(&a->out.connected, __ATOMIC_RELAXED));
        metric(b, "ward_amqp_out_published_total", "counter",
               "AMQP messages published (republished ones count again).", "",
               ld(&a->out.published));
        metric(b, "ward_amqp_out_confirmed_total", "counter",
               "AMQP messages confirmed by the broker and removed from the retry queue.", "",
               ld(&a->out.confirmed));
        metric(b, "ward_amqp_out_nacked_total", "counter",
               "Publish windows the broker nacked (published again).", "", ld(&a->out.nacked));
        metric(b, "ward_amqp_out_reconnects_total", "counter",
               "AMQP output connections made again after a loss or failure.", "",
               ld(&a->out.reconnects));
        metric(b, "ward_amqp_out_connect_failures_total", "counter",
               "AMQP output connection attempts that failed.", "", ld(&a->out.connect_failures));
        metric(b, "ward_amqp_retry_queue_depth", "gauge", "Alerts waiting in the retry queue.", "",
               st.depth);
        metric(b, "ward_amqp_retry_queue_bytes", "gauge", "Bytes waiting in the retry queue.", "",
               st.bytes);
        metric(b, "ward_amqp_retry_queue_dropped_total", "counter",
               "Alerts dropped from the full retry queue (oldest first).", "", st.dropped);
        metric(b, "ward_amqp_retry_queue_torn_bytes", "gauge",
               "Bytes of a torn tail cut from the retry queue at start-up.", "", st.torn);
    }
}

void wd_amqp_render_health(struct wd_amqp *a, struct wd_buf *b)
{
    if (!a)
        return;
    wd_buf_printf(b, ",\"amqp\":{");
    if (a->s->cfg.amqp_input_enabled)
        wd_buf_printf(b, "\"input\":{\"connected\":%s}%s",
                      __atomic_load_n(&a->in.connected, __ATOMIC_RELAXED) ? "true" : "false",
                      a->q ? "," : "");
    if (a->q) {
        struct wd_amqp_q_stats st;
        wd_amqp_q_stats(a->q, &st);
        wd_buf_printf(b, "\"output\":{\"connected\":%s,\"retry_queue_depth\":%llu}",
                      __atomic_load_n(&a->out.connected, __ATOMIC_RELAXED) ? "true" : "false",
                      (unsigned long long)st.depth);
    }
    wd_buf_putc(b, '}');
}
