/*
 * amqp_out.c: the AMQP output thread. Publishes the records of the retry queue (alerts,
 * oldest first) to the configured topic exchange as persistent messages with publisher
 * confirms, a window of up to 256 at a time, and pops them from the queue only after
 * every one of the window was confirmed. A nack publishes the window again after a
 * backoff; a connection error reconnects with a backoff and republishes the window (so
 * delivery is at least once). While idle it watches the connection so a broker restart
 * is noticed and reconnected before the next alert.
 */
#include "amqp_int.h"
#include "log.h"
#include "mem.h"
#include "server.h"

#define WINDOW 256

static void bump(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Waits up to ms for work; meanwhile reads frames so a closed connection is seen.
 * Returns WD_EIO when the connection is gone. */
static int idle(struct wd_amqp *a, amqp_connection_state_t c, int ms)
{
    struct timeval tv = {0, ms * 1000};
    amqp_frame_t f;
    WD_UNUSED(a);
    amqp_maybe_release_buffers(c);
    int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
    if (rc == AMQP_STATUS_TIMEOUT)
        return WD_OK;
    if (rc != AMQP_STATUS_OK)
        return WD_EIO;
    if (f.frame_type == AMQP_FRAME_METHOD && (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                                              f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD))
        return WD_EIO;
    return WD_OK;
}

/* Publishes from the queue until the connection fails or the server stops. */
static void run(struct wd_amqp *a, amqp_connection_state_t c, void *unused)
{
    (void)unused;
    const struct wd_config *cfg = &a->s->cfg;
    struct wd_buf w;
    wd_buf_init(&w, 0);
    uint64_t tag = 0; /* delivery tags of this channel */
    uint32_t nacks = 0;
    char err[512];
    while (!a->stopping) {
        uint32_t n;
        uint64_t last;
        if (wd_amqp_q_peek(a->q, WINDOW, &w, &n, &last) != WD_OK) {
            wd_log(WD_LOG_ERROR, "amqp", "output: cannot read the retry queue");
            wd_amqp_nap(a, 1000);
            continue;
        }
        if (!n) {
            if (idle(a, c, 100))
                break;
            continue;
        }
        uint64_t from = tag;
        int rc = WD_OK;
        for (size_t off = 0; off < w.len && rc == WD_OK;) {
            uint32_t len = get32((const unsigned char *)w.p + off);
            rc = wd_amqp_publish(c, cfg->amqp_output_exchange, cfg->amqp_output_routing_key,
                                 w.p + off + 4, len);
            off += 4 + len;
            tag++;
        }
        if (rc) {
            wd_log(WD_LOG_WARN, "amqp", "output: publish failed");
            break;
        }
        bump(&a->out.published, n);
        rc = wd_amqp_wait_confirms(c, from, tag, 10000, err, sizeof(err));
        if (rc == WD_EAGAIN) {
            bump(&a->out.nacked, 1);
            wd_log(WD_LOG_WARN, "amqp", "output: %s; publishing again", err);
            wd_amqp_nap(a, wd_amqp_backoff_ms(nacks++, cfg->amqp_reconnect_max_ms));
            continue;
        }
        if (rc) {
            wd_log(WD_LOG_WARN, "amqp", "output: %s", err);
            break;
        }
        nacks = 0;
        if (wd_amqp_q_pop(a->q, last) != WD_OK)
            wd_log(WD_LOG_ERROR, "amqp", "output: cannot update the retry queue");
        bump(&a->out.confirmed, n);
    }
    wd_buf_fini(&w);
}

static amqp_connection_state_t setup(struct wd_amqp *a, char *err, size_t err_len)
{
    amqp_connection_state_t c = wd_amqp_connect(&a->url, 5000, err, err_len);
    if (!c)
        return NULL;
    if (wd_amqp_declare_exchange(c, a->s->cfg.amqp_output_exchange, "topic", err, err_len)) {
        wd_amqp_disconnect(c);
        return NULL;
    }
    amqp_confirm_select(c, 1);
    if (wd_amqp_check(amqp_get_rpc_reply(c), "confirm.select", err, err_len)) {
        wd_amqp_disconnect(c);
        return NULL;
    }
    return c;
}

void *wd_amqp_out_main(void *arg)
{
    wd_thread_name("amqp-out");
    struct wd_amqp *a = arg;
    char doing[300];
    snprintf(doing, sizeof(doing), "publishing to exchange %s", a->s->cfg.amqp_output_exchange);
    struct wd_amqp_link l = {
        "output", doing, &a->out.reconnects, &a->out.connect_failures, &a->out.connected, setup,
        run,      NULL};
    wd_amqp_link_loop(a, &l);
    return NULL;
}
