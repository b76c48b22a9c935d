/*
 * amqp_in.c: the AMQP input thread. Declares the exchange (direct, durable), the durable
 * queue and its binding, sets the prefetch window (basic.qos) and consumes with manual
 * acknowledgements. Each message body is one JSON object (a JSON string holding an
 * object is decoded once more, as MozDef's esworker did); anything else is counted as
 * rejected and acknowledged with the batch (it can never become valid). A batch is the
 * messages that arrived without waiting, at most the prefetch window; it is committed
 * to the WAL (waiting while the WAL is full: the unacknowledged window is the
 * backpressure) and only then acknowledged with one basic.ack(multiple) up to its last
 * delivery tag. A lost connection drops the uncommitted batch: the broker redelivers it.
 */
#include "amqp_int.h"
#include "ingest.h"
#include "json.h"
#include "jv.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "server.h"

static void bump(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static void reject(struct wd_amqp *a, int reason, const char *why, const amqp_bytes_t *body)
{
    char esc[300];
    wd_ingest_reject(a->s, WD_IN_AMQP, reason, 1);
    bump(&a->in.rejected, 1);
    wd_log_rl(&a->s->rl_ingest, WD_LOG_WARN, "amqp", "message rejected: %s sample=%s", why,
              wd_log_escape(esc, sizeof(esc), body->bytes, body->len < 200 ? body->len : 200));
}

/* Decodes one message into the batch (or counts it as rejected). */
static void take(struct wd_amqp *a, struct wd_ingest_batch *b, const amqp_envelope_t *env)
{
    struct wd_server *s = a->s;
    const amqp_bytes_t *body = &env->message.body;
    char why[256];
    bump(&a->in.consumed, 1);
    if (env->redelivered)
        bump(&a->in.redelivered, 1);
    wd_metric_add(&s->metrics.received_events[WD_IN_AMQP], 1);
    wd_metric_add(&s->metrics.received_bytes[WD_IN_AMQP], body->len);
    if (body->len > (size_t)s->cfg.ingest_max_line_bytes) {
        reject(a, WD_REJ_LINE_TOO_LONG, "larger than ingest.max_line_bytes", body);
        return;
    }
    if (!body->len) {
        reject(a, WD_REJ_EMPTY, "empty body", body);
        return;
    }
    uint32_t depth = (uint32_t)s->cfg.ingest_max_json_depth;
    struct wd_jv *v = NULL;
    struct wd_perr perr = {0, 0, NULL};
    int rc = wd_json_parse(body->bytes, body->len, body->len, depth, &b->arena, &v, &perr);
    if (rc == WD_OK && v->type == WD_JV_STR) { /* a JSON string holding the event */
        char *t = wd_arena_strndup(&b->arena, v->u.s.p, v->u.s.len);
        rc = t ? wd_json_parse(t, v->u.s.len, v->u.s.len, depth, &b->arena, &v, &perr) : WD_ENOMEM;
    }
    if (rc) {
        snprintf(why, sizeof(why), "invalid JSON at byte %zu: %s", perr.off,
                 perr.msg ? perr.msg : "parse error");
        reject(a, rc == WD_ELIMIT ? WD_REJ_DEPTH : WD_REJ_PARSE, why, body);
        return;
    }
    struct wd_ingest_meta meta = {NULL, {"", 0}};
    if (wd_ingest_add(s, b, v, &meta, why, sizeof(why)) != WD_OK)
        reject(a, WD_REJ_NOT_OBJECT, why, body);
}

/* Commits the batch, then acknowledges every delivery up to last_tag. WD_OK or WD_EIO
 * (connection or WAL failure: the caller reconnects; the broker redelivers). */
static int flush(struct wd_amqp *a, amqp_connection_state_t c, struct wd_ingest_batch *b,
                 uint64_t last_tag, uint32_t n)
{
    struct wd_server *s = a->s;
    uint64_t seq;
    int rc;
    while ((rc = wd_ingest_commit(s, b, WD_IN_AMQP, true, &seq)) == WD_EAGAIN)
        if (!wd_amqp_nap(a, 50)) /* stopping: not acked, redelivered after the restart */
            return WD_EIO;
    if (rc) {
        wd_ingest_reject(s, WD_IN_AMQP, WD_REJ_IO, b->count);
        wd_log(WD_LOG_ERROR, "amqp", "the write-ahead log failed: %u messages not acknowledged", n);
        return WD_EIO;
    }
    if (amqp_basic_ack(c, 1, last_tag, 1) != AMQP_STATUS_OK) {
        wd_log(WD_LOG_WARN, "amqp", "basic.ack failed: %u stored messages will be redelivered", n);
        return WD_EIO;
    }
    bump(&a->in.acked, n);
    bump(&a->in.batches, 1);
    wd_ingest_batch_reset(b);
    return WD_OK;
}

/* Consumes until the connection fails or the server stops. */
static void consume(struct wd_amqp *a, amqp_connection_state_t c, struct wd_ingest_batch *b)
{
    uint32_t max = (uint32_t)a->s->cfg.amqp_input_prefetch, n = 0;
    uint64_t last_tag = 0;
    char err[512];
    wd_ingest_batch_reset(b);
    while (!a->stopping) {
        amqp_envelope_t env;
        struct timeval tv = {0, n ? 0 : 200000};
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            take(a, b, &env);
            last_tag = env.delivery_tag;
            amqp_destroy_envelope(&env);
            if (++n < max)
                continue;
        } else if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                   r.library_error == AMQP_STATUS_TIMEOUT) {
            if (!n)
                continue;
        } else if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                   r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
            amqp_frame_t f; /* not a delivery: a close ends the connection, the rest is noise */
            if (amqp_simple_wait_frame(c, &f) != AMQP_STATUS_OK ||
                (f.frame_type == AMQP_FRAME_METHOD &&
                 (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                  f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD))) {
                wd_log(WD_LOG_WARN, "amqp", "input: the broker closed the channel");
                return;
            }
            continue;
        } else {
            wd_amqp_check(r, "input: consume", err, sizeof(err));
            wd_log(WD_LOG_WARN, "amqp", "%s", err);
            return;
        }
        if (flush(a, c, b, last_tag, n))
            return;
        n = 0;
    }
    if (n)
        (void)flush(a, c, b, last_tag, n);
}

/* Connects and sets up the consumer. NULL with err on failure. */
static void consume_link(struct wd_amqp *a, amqp_connection_state_t c, void *batch)
{
    consume(a, c, batch);
}

static amqp_connection_state_t setup(struct wd_amqp *a, char *err, size_t err_len)
{
    const struct wd_config *cfg = &a->s->cfg;
    amqp_connection_state_t c = wd_amqp_connect(&a->url, 5000, err, err_len);
    if (!c)
        return NULL;
    if (wd_amqp_declare_exchange(c, cfg->amqp_input_exchange, "direct", err, err_len) ||
        wd_amqp_declare_queue(c, cfg->amqp_input_queue, cfg->amqp_input_exchange,
                              cfg->amqp_input_routing_key, NULL, err, err_len))
        goto fail;
    amqp_basic_qos(c, 1, 0, (uint16_t)cfg->amqp_input_prefetch, 0);
    if (wd_amqp_check(amqp_get_rpc_reply(c), "basic.qos", err, err_len))
        goto fail;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(cfg->amqp_input_queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    if (wd_amqp_check(amqp_get_rpc_reply(c), "basic.consume", err, err_len))
        goto fail;
    return c;
fail:
    wd_amqp_disconnect(c);
    return NULL;
}

void *wd_amqp_in_main(void *arg)
{
    wd_thread_name("amqp-in");
    struct wd_amqp *a = arg;
    struct wd_ingest_batch b;
    wd_ingest_batch_init(&b);
    char doing[300];
    snprintf(doing, sizeof(doing), "consuming queue %s", a->s->cfg.amqp_input_queue);
    struct wd_amqp_link l = {"input",          doing, &a->in.reconnects, &a->in.connect_failures,
                             &a->in.connected, setup, consume_link,      &b};
    wd_amqp_link_loop(a, &l);
    wd_ingest_batch_fini(&b);
    wd_json_thread_fini();
    return NULL;
}
