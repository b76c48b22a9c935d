/*
 * amqp_conn.c: connection set-up over librabbitmq shared by ward serve and the ward amqp
 * CLI: TCP connect with a timeout, PLAIN login, channel 1, RPC timeouts (a hung broker
 * cannot block a thread for ever), durable exchange/queue declarations, persistent
 * publishes and the publisher-confirm wait. Heartbeats are off: a broker that goes away
 * closes the socket, which every blocking call notices.
 */
#include "amqp_int.h"

#include <amqp_tcp_socket.h>
#include "wd_time.h"

int wd_amqp_check(amqp_rpc_reply_t r, const char *what, char *err, size_t err_len)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return WD_OK;
    case AMQP_RESPONSE_NONE:
        snprintf(err, err_len, "%s: missing reply", what);
        break;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        snprintf(err, err_len, "%s: %s", what, amqp_error_string2(r.library_error));
        break;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = r.reply.decoded;
            snprintf(err, err_len, "%s: connection closed by the broker: %u %.*s", what,
                     m->reply_code, (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = r.reply.decoded;
            snprintf(err, err_len, "%s: channel closed by the broker: %u %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        } else {
            snprintf(err, err_len, "%s: broker error (method 0x%08x)", what, r.reply.id);
        }
        break;
    }
    return WD_EIO;
}

amqp_connection_state_t wd_amqp_connect(const struct wd_amqp_url *u, int timeout_ms, char *err,
                                        size_t err_len)
{
    amqp_connection_state_t c = amqp_new_connection();
    if (!c) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    amqp_socket_t *sock = amqp_tcp_socket_new(c);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int rc = sock ? amqp_socket_open_noblock(sock, u->host, u->port, &tv) : AMQP_STATUS_NO_MEMORY;
    if (rc != AMQP_STATUS_OK) {
        snprintf(err, err_len, "connect %s:%d: %s", u->host, u->port, amqp_error_string2(rc));
        amqp_destroy_connection(c);
        return NULL;
    }
    (void)amqp_set_rpc_timeout(c, &tv);
    amqp_rpc_reply_t r =
        amqp_login(c, u->vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, u->user, u->pass);
    if (wd_amqp_check(r, "login", err, err_len) == WD_OK) {
        amqp_channel_open(c, 1);
        if (wd_amqp_check(amqp_get_rpc_reply(c), "channel.open", err, err_len) == WD_OK)
            return c;
    }
    amqp_destroy_connection(c);
    return NULL;
}

void wd_amqp_disconnect(amqp_connection_state_t c)
{
    if (!c)
        return;
    (void)amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    (void)amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

int wd_amqp_declare_exchange(amqp_connection_state_t c, const char *name, const char *type,
                             char *err, size_t err_len)
{
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(name), amqp_cstring_bytes(type), 0, 1, 0, 0,
                          amqp_empty_table);
    return wd_amqp_check(amqp_get_rpc_reply(c), "exchange.declare", err, err_len);
}

int wd_amqp_declare_queue(amqp_connection_state_t c, const char *queue, const char *exchange,
                          const char *key, uint32_t *messages, char *err, size_t err_len)
{
    amqp_queue_declare_ok_t *ok =
        amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, amqp_empty_table);
    if (wd_amqp_check(amqp_get_rpc_reply(c), "queue.declare", err, err_len))
        return WD_EIO;
    if (messages)
        *messages = ok ? ok->message_count : 0;
    if (!exchange[0])
        return WD_OK;
    amqp_queue_bind(c, 1, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
                    amqp_cstring_bytes(key), amqp_empty_table);
    return wd_amqp_check(amqp_get_rpc_reply(c), "queue.bind", err, err_len);
}

int64_t wd_amqp_backoff_ms(uint32_t attempt, int64_t max_ms)
{
    int64_t d = 100;
    for (uint32_t i = 0; i < attempt && d < max_ms; i++)
        d *= 2;
    return d < max_ms ? d : max_ms;
}

int wd_amqp_publish(amqp_connection_state_t c, const char *exchange, const char *key,
                    const void *body, size_t len)
{
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof(props));
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.content_type = amqp_cstring_bytes("application/json");
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    amqp_bytes_t b = {len, (void *)body};
    return amqp_basic_publish(c, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes(key), 0, 0,
                              &props, b) == AMQP_STATUS_OK
               ? WD_OK
               : WD_EIO;
}

/* Marks tags (lo, hi] of the window (from, upto] as confirmed. */
static uint64_t mark(bool *seen, uint64_t from, uint64_t upto, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;
    if (lo < from)
        lo = from;
    if (hi > upto)
        hi = upto;
    for (uint64_t t = lo + 1; t <= hi; t++)
        if (!seen[t - from - 1]) {
            seen[t - from - 1] = true;
            n++;
        }
    return n;
}

int wd_amqp_wait_confirms(amqp_connection_state_t c, uint64_t from, uint64_t upto, int timeout_ms,
                          char *err, size_t err_len)
{
    uint64_t want = upto > from ? upto - from : 0, got = 0;
    bool *seen = wd_xcalloc(want ? want : 1, 1);
    bool nacked = false;
    int ret = WD_OK;
    int64_t deadline = wd_mono_ns() / 1000000 + timeout_ms;
    while (got < want) {
        int64_t left = deadline - wd_mono_ns() / 1000000;
        if (left <= 0) {
            snprintf(err, err_len, "no publisher confirm within %d ms", timeout_ms);
            ret = WD_EIO;
            break;
        }
        struct timeval tv = {left / 1000, (left % 1000) * 1000};
        amqp_frame_t f;
        amqp_maybe_release_buffers(c);
        int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
        if (rc == AMQP_STATUS_TIMEOUT)
            continue;
        if (rc != AMQP_STATUS_OK) {
            snprintf(err, err_len, "waiting for confirms: %s", amqp_error_string2(rc));
            ret = WD_EIO;
            break;
        }
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *m = f.payload.method.decoded;
            got += mark(seen, from, upto, m->multiple ? 0 : m->delivery_tag - 1, m->delivery_tag);
        } else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            amqp_basic_nack_t *m = f.payload.method.decoded;
            got += mark(seen, from, upto, m->multiple ? 0 : m->delivery_tag - 1, m->delivery_tag);
            nacked = true;
        } else if (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                   f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
            snprintf(err, err_len, "the broker closed the %s while confirming",
                     f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ? "channel" : "connection");
            ret = WD_EIO;
            break;
        }
    }
    free(seen);
    if (ret == WD_OK && nacked) {
        snprintf(err, err_len, "the broker nacked a message");
        ret = WD_EAGAIN;
    }
    return ret;
}
