/*
 * bulk.c: bulk body framing (see bulk.h). One state machine consumes a sequence of
 * values, whether they come from lines or from the elements of a top-level array: an
 * Elasticsearch action line ({"index":{...}} alone) sets the action for the next value;
 * any other value is an event. interop.md 1.1, mozdef-compat.md g.
 */
#include "bulk.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "metrics.h"

static const char *const action_names[] = {"index", "create", "update", "delete"};

const char *wd_bulk_action_name(int action)
{
    return action_names[action];
}

struct walker {
    const struct wd_bulk_opts *o;
    struct wd_arena *a;
    wd_bulk_cb cb;
    void *ctx;
    int pending; /* action awaiting its source, or -1 */
    struct wd_str index, id;
    size_t action_line;
    bool keep; /* the value taken last was an action line: its strings are in use */
};

/* Returns the action when v is an action line ({"index": {...}} with one member). */
static int action_of(const struct wd_jv *v)
{
    if (v->type != WD_JV_OBJ || v->count != 1 || v->u.kids.head->type != WD_JV_OBJ)
        return -1;
    for (int i = 0; i < (int)WD_ARRAY_LEN(action_names); i++)
        if (wd_str_eq(v->u.kids.head->key, action_names[i]))
            return i;
    return -1;
}

static struct wd_str meta_str(const struct wd_jv *meta, const char *key)
{
    const struct wd_jv *v = wd_jv_get(meta, key);
    if (v && v->type == WD_JV_STR)
        return v->u.s;
    return (struct wd_str){"", 0};
}

static int emit_error(struct walker *w, struct wd_bulk_item *it, int status, int reason,
                      const char *type)
{
    it->status = status;
    it->reason = reason;
    it->error_type = type;
    it->doc = NULL;
    return w->cb(w->ctx, it);
}

/* Consumes one value (or a decoding failure, when v is NULL and perr says why). */
static int take(struct walker *w, struct wd_jv *v, const struct wd_perr *perr, size_t line)
{
    struct wd_bulk_item it;
    memset(&it, 0, sizeof(it));
    it.line = line;
    if (w->pending >= 0) {
        it.action = w->pending;
        it.index = w->index;
        it.id = w->id;
        w->pending = -1;
    } else if (v) {
        int act = action_of(v);
        w->keep = act >= 0;
        if (act == WD_BULK_DELETE) {
            it.action = act;
            it.index = meta_str(v->u.kids.head, "_index");
            it.id = meta_str(v->u.kids.head, "_id");
            snprintf(it.msg, sizeof(it.msg),
                     "line %zu: delete is not supported: events are "
                     "immutable",
                     line);
            return emit_error(w, &it, 404, WD_REJ_BAD_ACTION,
                              "action_request_validation_exception");
        }
        if (act >= 0) {
            w->pending = act;
            w->index = meta_str(v->u.kids.head, "_index");
            w->id = meta_str(v->u.kids.head, "_id");
            w->action_line = line;
            return WD_OK;
        }
    }
    if (!v) {
        int reason = WD_REJ_PARSE;
        if (perr->code == WD_ELIMIT && perr->msg && strstr(perr->msg, "line"))
            reason = WD_REJ_LINE_TOO_LONG;
        else if (perr->code == WD_ELIMIT)
            reason = WD_REJ_DEPTH;
        snprintf(it.msg, sizeof(it.msg), "line %zu: %s at byte %zu", line,
                 perr->msg ? perr->msg : "invalid JSON", perr->off);
        return emit_error(w, &it, 400, reason, "mapper_parsing_exception");
    }
    if (it.action == WD_BULK_UPDATE) {
        snprintf(it.msg, sizeof(it.msg),
                 "line %zu: update is not supported: events are "
                 "immutable",
                 line);
        return emit_error(w, &it, 403, WD_REJ_BAD_ACTION, "action_request_validation_exception");
    }
    it.doc = v;
    return w->cb(w->ctx, &it);
}

/* WD_BULK_INDEX or WD_BULK_CREATE when p[0..len) is exactly {"index":{}} or
 * {"create":{}}, the action line shippers send before every event; else -1. */
static int plain_action_text(const char *p, size_t len)
{
    static const char idx[] = "{\"index\":{}}", crt[] = "{\"create\":{}}";
    if (len == sizeof(idx) - 1 && memcmp(p, idx, len) == 0)
        return WD_BULK_INDEX;
    if (len == sizeof(crt) - 1 && memcmp(p, crt, len) == 0)
        return WD_BULK_CREATE;
    return -1;
}

/*
 * Takes such an action line without a decode: it sets the action exactly as take() does
 * for the decoded value (no _index, no _id). Only when no action is pending (otherwise
 * the line is the event itself) and within the line limit.
 */
static bool plain_action(struct walker *w, const char *p, size_t len, size_t line)
{
    int act = w->pending < 0 && len <= w->o->max_line ? plain_action_text(p, len) : -1;
    if (act < 0)
        return false;
    w->pending = act;
    w->index = (struct wd_str){"", 0};
    w->id = (struct wd_str){"", 0};
    w->action_line = line;
    return true;
}

static int parse_value(struct walker *w, const char *p, size_t len, size_t readable, size_t line)
{
    struct wd_perr perr = {0, 0, NULL};
    struct wd_jv *v = NULL;
    if (plain_action(w, p, len, line))
        return WD_OK;
    if (len > w->o->max_line) {
        perr.code = WD_ELIMIT;
        perr.msg = "line longer than ingest.max_line_bytes";
        return take(w, NULL, &perr, line);
    }
    struct wd_arena_pos m;
    wd_arena_mark(w->a, &m);
    if (wd_json_parse_compact(p, len, readable, w->o->max_depth, w->a, &v, &perr) != WD_OK)
        v = NULL;
    w->keep = false;
    int rc = take(w, v, &perr, line);
    if (w->o->reuse_docs && !w->keep)
        wd_arena_rewind(w->a, &m);
    return rc;
}

static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static bool starts_action(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    if (len < 2 || p[0] != '{' || p[1] != '"')
        return false;
    for (size_t i = 0; i < WD_ARRAY_LEN(action_names); i++) {
        size_t n = strlen(action_names[i]);
        if (len >= n + 3 && !memcmp(p + 2, action_names[i], n) && p[2 + n] == '"')
            return true;
    }
    return false;
}

uint64_t wd_bulk_estimate_events(const char *body, size_t len)
{
    uint64_t n = 0;
    bool any = false;
    for (size_t p = 0; p < len;) {
        const char *e = memchr(body + p, '\n', len - p);
        size_t end = e ? (size_t)(e - body) : len;
        if (!is_blank(body + p, end - p)) {
            any = true;
            n += !starts_action(body + p, end - p);
        }
        p = end + 1;
    }
    return n || !any ? n : 1;
}

static int finish(struct walker *w)
{
    if (w->pending < 0)
        return WD_OK;
    struct wd_bulk_item it;
    memset(&it, 0, sizeof(it));
    it.action = w->pending;
    it.index = w->index;
    it.id = w->id;
    it.line = w->action_line;
    w->pending = -1;
    snprintf(it.msg, sizeof(it.msg), "line %zu: action line without a source line", it.line);
    return emit_error(w, &it, 400, WD_REJ_BAD_ACTION, "illegal_argument_exception");
}

/* A body that is one JSON array: its elements are the values. */
static int walk_array(struct walker *w, struct wd_jv *arr)
{
    size_t i = 0;
    for (struct wd_jv *v = arr->u.kids.head, *next; v; v = next) {
        next = v->next;
        v->next = NULL;
        v->key = (struct wd_str){"", 0};
        int rc = take(w, v, NULL, ++i);
        if (rc)
            return rc;
    }
    return finish(w);
}

int wd_bulk_parse(const char *body, size_t len, size_t readable, const struct wd_bulk_opts *o,
                  struct wd_arena *a, wd_bulk_cb cb, void *ctx)
{
    struct walker w = {o, a, cb, ctx, -1, {"", 0}, {"", 0}, 0, false};
    size_t start = 0;
    while (start < len && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' ||
                           body[start] == '\n'))
        start++;
    const char *nl = memchr(body + start, '\n', len - start);
    size_t first_end = nl ? (size_t)(nl - body) : len;
    bool single_line = !nl || is_blank(nl, len - (size_t)(nl - body));
    if (start < len && (body[start] == '[' || !single_line)) {
        /* A whole-body array, or a pretty-printed single document (its first line alone
         * is not JSON): decode the whole body once. */
        struct wd_jv *v = NULL;
        bool try_whole = body[start] == '[';
        if (!try_whole) {
            struct wd_perr perr;
            struct wd_jv *probe;
            size_t first_len = first_end - start;
            if (first_len && body[first_end - 1] == '\r')
                first_len--;
            /* A plain action line is valid JSON: no need to decode it to know. */
            try_whole = first_end - start <= o->max_line &&
                        plain_action_text(body + start, first_len) < 0 &&
                        wd_json_parse(body + start, first_end - start, readable - start,
                                      o->max_depth, a, &probe, &perr) != WD_OK;
        }
        if (try_whole && len - start <= o->max_line * 64 &&
            wd_json_parse(body + start, len - start, readable - start, o->max_depth, a, &v, NULL) ==
                WD_OK) {
            if (v->type == WD_JV_ARR)
                return walk_array(&w, v);
            int rc = take(&w, v, NULL, 1);
            return rc ? rc : finish(&w);
        }
    }
    size_t line = 0;
    size_t p = 0;
    while (p < len) {
        const char *e = memchr(body + p, '\n', len - p);
        size_t end = e ? (size_t)(e - body) : len;
        line++;
        size_t l = end - p;
        if (l && body[end - 1] == '\r')
            l--;
        if (!is_blank(body + p, l)) {
            int rc = parse_value(&w, body + p, l, readable - p, line);
            if (rc)
                return rc;
        }
        p = end + 1;
    }
    return finish(&w);
}
