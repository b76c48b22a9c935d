/*
 * http_ingest.c: the ingest routes. MozDef's loginput paths (/events, /nxlog, /cef,
 * /custom/<app>, /_status; mozdef-compat.md g) answer 200 with an empty body once the
 * event is durable; Elasticsearch /_bulk answers {"took","errors","items"} with one
 * item per action, in order (interop.md 1.2). A bad item never loses the good ones.
 */
#include <pthread.h>

#include "bulk.h"
#include "http_int.h"
#include "ingest.h"
#include "json.h"
#include "jv.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

/* Per-thread batch, reused across requests of the connection thread. */
static pthread_key_t batch_key;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

static void batch_destroy(void *p)
{
    /* Not wd_json_thread_fini(): C++ thread_local objects are already destroyed when
     * pthread key destructors run. */
    wd_ingest_batch_fini(p);
    free(p);
}

static void batch_key_init(void)
{
    pthread_key_create(&batch_key, batch_destroy);
}

static struct wd_ingest_batch *thread_batch(void)
{
    pthread_once(&batch_once, batch_key_init);
    struct wd_ingest_batch *b = pthread_getspecific(batch_key);
    if (!b) {
        b = wd_xcalloc(1, sizeof(*b));
        wd_ingest_batch_init(b);
        pthread_setspecific(batch_key, b);
    }
    wd_ingest_batch_reset(b);
    return b;
}

/* Decodes gzip when needed; on failure fills r and returns false. While the pipeline is
 * too far behind, refuses the request before its events are decoded: under sustained
 * overload, decoding requests only to refuse them at commit took CPU from the store and
 * the engine that were behind. The refused events are estimated from the lines. */
static bool body_ready(struct wd_http_req *q, struct wd_http_resp *r)
{
    int rc = wd_http_decode_body(q);
    if (rc == WD_OK && wd_ingest_lagging(q->s)) {
        wd_ingest_reject(q->s, q->input, WD_REJ_BACKPRESSURE,
                         wd_bulk_estimate_events(q->body.p, q->body.len));
        r->retry_after_s = 1;
        wd_http_error(r, 429, "es_rejected_execution_exception",
                      "ward's store or detection engine is more than ingest.max_lag_events "
                      "behind; retry later");
        return false;
    }
    if (rc == WD_OK)
        return true;
    if (rc == WD_ELIMIT) {
        wd_ingest_reject(q->s, q->input, WD_REJ_BODY_TOO_LARGE, 1);
        wd_http_error(r, 413, "content_too_long_exception",
                      "decoded request body larger than http.max_body_bytes");
    } else {
        wd_ingest_reject(q->s, q->input, WD_REJ_GZIP, 1);
        wd_http_error(r, 400, "parse_exception",
                      "request body is not a valid gzip/deflate stream or the "
                      "Content-Encoding is unsupported");
    }
    return false;
}

/* Shared with the Zeek routes (http_zeek.c). */
struct wd_ingest_batch *wd_http_batch(void)
{
    return thread_batch();
}

bool wd_http_body_ready(struct wd_http_req *q, struct wd_http_resp *r)
{
    return body_ready(q, r);
}

/* Maps a commit failure to the response. */
static void commit_failed(struct wd_http_req *q, struct wd_http_resp *r, int rc, uint32_t n)
{
    if (rc == WD_EAGAIN) {
        wd_ingest_reject(q->s, q->input, WD_REJ_BACKPRESSURE, n);
        r->retry_after_s = 1;
        wd_http_error(r, 429, "es_rejected_execution_exception",
                      "ward is busy writing earlier events; retry later");
    } else {
        wd_ingest_reject(q->s, q->input, WD_REJ_IO, n);
        wd_http_error(r, 503, "unavailable_exception",
                      "the write-ahead log cannot be written; events were not stored");
        r->retry_after_s = 5;
    }
}

void wd_http_events(struct wd_http_req *q, struct wd_http_resp *r, const char *custom_app)
{
    struct wd_server *s = q->s;
    wd_metric_add(&s->metrics.received_bytes[q->input], q->body.len);
    if (!body_ready(q, r))
        return;
    wd_metric_add(&s->metrics.received_events[q->input], 1);
    if (q->body.len == 0) {
        wd_ingest_reject(s, q->input, WD_REJ_EMPTY, 1);
        wd_http_error(r, 400, "parse_exception", "empty body: send one JSON object");
        return;
    }
    struct wd_ingest_batch *b = thread_batch();
    struct wd_jv *v = NULL;
    struct wd_perr perr = {0, 0, NULL};
    char why[256];
    if ((size_t)q->body.len > (size_t)s->cfg.ingest_max_line_bytes) {
        wd_ingest_reject(s, q->input, WD_REJ_LINE_TOO_LONG, 1);
        wd_http_error(r, 413, "content_too_long_exception",
                      "event larger than ingest.max_line_bytes");
        return;
    }
    int rc = wd_json_parse_compact(q->body.p, q->body.len, q->body.cap - 1,
                                   (uint32_t)s->cfg.ingest_max_json_depth, &b->arena, &v, &perr);
    if (rc) {
        wd_ingest_reject(s, q->input, rc == WD_ELIMIT ? WD_REJ_DEPTH : WD_REJ_PARSE, 1);
        snprintf(why, sizeof(why), "invalid JSON at byte %zu: %s", perr.off,
                 perr.msg ? perr.msg : "parse error");
        wd_http_error(r, 400, "parse_exception", why);
        return;
    }
    struct wd_ingest_meta meta = {custom_app, {"", 0}};
    if (wd_ingest_add(s, b, v, &meta, why, sizeof(why)) != WD_OK) {
        wd_ingest_reject(s, q->input, WD_REJ_NOT_OBJECT, 1);
        wd_http_error(r, 400, "parse_exception", why);
        return;
    }
    uint64_t seq;
    rc = wd_ingest_commit(s, b, q->input, false, &seq);
    if (rc)
        commit_failed(q, r, rc, 1);
}

/* One answered item of a bulk request. */
struct item {
    uint8_t action;
    uint16_t status;
    struct wd_str index, id;
    const char *error_type;
    uint32_t reason_off, reason_len; /* in bulk_ctx.reasons (the arena's doc memory is
                                      * reused: wd_bulk_opts.reuse_docs) */
};

struct bulk_ctx {
    struct wd_http_req *q;
    struct wd_ingest_batch *b;
    struct wd_buf items;   /* struct item array */
    struct wd_buf reasons; /* the error messages of the items */
    struct wd_str path_index;
    uint32_t n, bad;
    uint64_t max_items;
};

static int on_item(void *arg, struct wd_bulk_item *it)
{
    struct bulk_ctx *c = arg;
    struct wd_server *s = c->q->s;
    if (++c->n > c->max_items)
        return WD_ELIMIT;
    struct item x = {(uint8_t)it->action, 0, it->index, it->id, NULL, 0, 0};
    if (!x.index.len)
        x.index = c->path_index.len ? c->path_index : WD_STR("events");
    char why[256];
    if (!it->status) {
        struct wd_ingest_meta meta = {NULL, x.index};
        uint32_t before = c->b->count;
        if (wd_ingest_add(s, c->b, it->doc, &meta, why, sizeof(why)) == WD_OK) {
            x.status = c->b->count > before ? 201 : 200; /* 200: a plugin dropped it */
        } else {
            it->status = 400;
            it->reason = WD_REJ_NOT_OBJECT;
            it->error_type = "mapper_parsing_exception";
            snprintf(it->msg, sizeof(it->msg), "line %zu: %.120s", it->line, why);
        }
    }
    if (it->status) {
        x.status = (uint16_t)it->status;
        x.error_type = it->error_type;
        x.reason_off = (uint32_t)c->reasons.len;
        x.reason_len = (uint32_t)strlen(it->msg);
        if (wd_buf_append(&c->reasons, it->msg, x.reason_len))
            x.reason_len = 0;
        c->bad++;
        wd_ingest_reject(s, c->q->input, it->reason, 1);
        if (x.status == 400) {
            char esc[300];
            wd_log_rl(&s->rl_ingest, WD_LOG_WARN, "ingest", "bulk item rejected: %s",
                      wd_log_escape(esc, sizeof(esc), it->msg, strlen(it->msg)));
        }
    }
    return wd_buf_append(&c->items, &x, sizeof(x));
}

/*
 * Response items (hot path: one per bulk item). write_item reserves once for the whole
 * item, then appends with plain copies (put); only the index and id strings go through
 * the JSON string writer, which checks its own room.
 */
static inline void put(struct wd_buf *o, const void *p, size_t n)
{
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

#define PUT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* Appends v in decimal (no printf). */
static void put_u64(struct wd_buf *o, uint64_t v)
{
    char tmp[24];
    put(o, tmp, wd_fmt_i64((int64_t)v, tmp));
}

/* Appends the event id: 16 lower-case hex digits. */
static void put_id(struct wd_buf *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[18];
    tmp[0] = tmp[17] = '"';
    for (int i = 16; i >= 1; i--, v >>= 4)
        tmp[i] = hex[v & 15];
    put(o, tmp, sizeof(tmp));
}

/* Room for everything write_item appends besides the index and id strings. */
#define ITEM_FIXED_BYTES 256

/* Appends one item; false when the buffer cannot grow (the response is then cut). */
static bool write_item(struct wd_buf *o, const struct item *x, const char *reasons, uint64_t seq)
{
    const char *act = wd_bulk_action_name(x->action);
    size_t reason_len = x->reason_len;
    if (wd_buf_reserve(o, ITEM_FIXED_BYTES + reason_len))
        return false;
    PUT(o, "{\"");
    put(o, act, strlen(act));
    PUT(o, "\":{\"_index\":");
    if (wd_jv_write_str(x->index.p, x->index.len, o) || wd_buf_reserve(o, ITEM_FIXED_BYTES))
        return false;
    PUT(o, ",\"_id\":");
    if (x->id.len) {
        if (wd_jv_write_str(x->id.p, x->id.len, o) || wd_buf_reserve(o, ITEM_FIXED_BYTES))
            return false;
    } else if (x->status == 201) {
        put_id(o, seq);
    } else {
        PUT(o, "null");
    }
    if (x->status == 201) {
        PUT(o, ",\"_version\":1,\"result\":\"created\",\"_shards\":{\"total\":1,"
               "\"successful\":1,\"failed\":0},\"_seq_no\":");
        put_u64(o, seq);
        PUT(o, ",\"_primary_term\":1,\"status\":201}}");
    } else if (x->status == 200) { /* dropped by a plugin (docs/plugins.md) */
        PUT(o, ",\"result\":\"noop\",\"status\":200}}");
    } else {
        PUT(o, ",\"status\":");
        put_u64(o, x->status);
        PUT(o, ",\"error\":{\"type\":\"");
        put(o, x->error_type, strlen(x->error_type));
        PUT(o, "\",\"reason\":");
        if (wd_jv_write_str(reason_len ? reasons + x->reason_off : "", reason_len, o) ||
            wd_buf_reserve(o, ITEM_FIXED_BYTES))
            return false;
        PUT(o, "}}}");
    }
    o->p[o->len] = '\0';
    return true;
}

void wd_http_bulk(struct wd_http_req *q, struct wd_http_resp *r, struct wd_str index)
{
    struct wd_server *s = q->s;
    wd_metric_add(&s->metrics.received_bytes[q->input], q->body.len);
    if (!body_ready(q, r))
        return;
    struct bulk_ctx c = {
        q, thread_batch(), {0}, {0}, index, 0, 0, (uint64_t)s->cfg.ingest_max_batch_events};
    wd_buf_init(&c.items, 0);
    wd_buf_init(&c.reasons, 0);
    struct wd_bulk_opts o = {(uint32_t)s->cfg.ingest_max_json_depth,
                             (size_t)s->cfg.ingest_max_line_bytes, true};
    int rc = wd_bulk_parse(q->body.p, q->body.len, q->body.cap - 1, &o, &c.b->arena, on_item, &c);
    wd_metric_add(&s->metrics.received_events[q->input], c.n);
    if (rc == WD_ELIMIT) {
        wd_ingest_reject(s, q->input, WD_REJ_TOO_MANY, 1);
        char why[160];
        snprintf(why, sizeof(why),
                 "more than ingest.max_batch_events (%lld) events in one "
                 "request; split it",
                 (long long)s->cfg.ingest_max_batch_events);
        wd_http_error(r, 413, "content_too_long_exception", why);
        goto out;
    }
    uint64_t seq = 0;
    rc = wd_ingest_commit(s, c.b, q->input, false, &seq);
    if (rc) {
        commit_failed(q, r, rc, c.b->count);
        goto out;
    }
    const struct item *items = (const struct item *)c.items.p;
    size_t n = c.items.len / sizeof(struct item);
    wd_buf_reserve(&r->body, 64 + n * 200);
    wd_buf_printf(&r->body, "{\"took\":%lld,\"errors\":%s,\"items\":[",
                  (long long)((wd_mono_ns() - q->start_ns) / 1000000), c.bad ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        if (i)
            wd_buf_putc(&r->body, ',');
        if (!write_item(&r->body, &items[i], c.reasons.p, items[i].status == 201 ? seq++ : 0))
            break;
    }
    wd_buf_printf(&r->body, "]}");
out:
    wd_buf_fini(&c.items);
    wd_buf_fini(&c.reasons);
}
