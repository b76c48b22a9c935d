/*
 * resp_alert.c: the watch-list alert document and the block action's address lookup
 * (resp_alert.h). Both parse into a private arena and keep nothing.
 */
#include "resp_alert.h"

#include <string.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "wd_time.h"

static const struct wd_jv *str_at(const struct wd_jv *o, const char *path)
{
    const struct wd_jv *v = wd_jv_path(o, path);
    return v && v->type == WD_JV_STR && v->u.s.len ? v : NULL;
}

static void put(struct wd_buf *b, const struct wd_jv *v)
{
    if (v)
        wd_buf_append(b, v->u.s.p, v->u.s.len);
}

static int parse(const char *p, size_t len, struct wd_arena *a, struct wd_jv **v)
{
    /* the parser reads WD_JSON_PADDING bytes past the end: work on a padded copy */
    char *copy = wd_arena_alloc(a, len + WD_JSON_PADDING);
    if (!copy)
        return WD_ENOMEM;
    memcpy(copy, p, len);
    memset(copy + len, 0, WD_JSON_PADDING);
    struct wd_perr pe;
    return wd_json_parse(copy, len, len + WD_JSON_PADDING, 64, a, v, &pe);
}

int wd_resp_watch_alert(const char *term, const char *ev_json, size_t len, uint64_t seq,
                        int64_t now_us, struct wd_buf *out)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 64u << 20);
    struct wd_jv *ev = NULL;
    int rc = parse(ev_json, len, &a, &ev);
    if (rc != WD_OK)
        goto done;
    const struct wd_jv *t = wd_jv_get(ev, "type");
    const struct wd_jv *details = wd_jv_get(ev, "details");
    const struct wd_jv *host = str_at(ev, "hostname");
    if (ev->type != WD_JV_OBJ || !details || details->type != WD_JV_OBJ || !host ||
        (t && t->type == WD_JV_STR && wd_str_eq(t->u.s, "alert"))) {
        rc = WD_ENOENT;
        goto done;
    }
    const struct wd_jv *user = str_at(details, "username");
    if (!user)
        user = str_at(details, "originaluser");
    if (!user)
        user = str_at(details, "user");
    const struct wd_jv *src = str_at(details, "sourceipaddress");
    struct wd_buf sum;
    wd_buf_init(&sum, 0);
    wd_buf_printf(&sum, "Watchlist term %s detected ", term);
    if (user) {
        wd_buf_printf(&sum, "by ");
        put(&sum, user);
    }
    wd_buf_putc(&sum, ' ');
    if (src) {
        wd_buf_printf(&sum, "from ");
        put(&sum, src);
    }
    wd_buf_printf(&sum, " on ");
    put(&sum, host);
    char ts[WD_TIME_ISO_MAX];
    wd_time_iso(now_us, ts);
    /* the sample's partition, as the engine names it: events-YYYYMMDD of its time */
    int64_t evt = now_us;
    const struct wd_jv *u = wd_jv_get(ev, "utctimestamp");
    if (u && u->type == WD_JV_STR)
        (void)wd_time_parse_fast(u->u.s.p, u->u.s.len, NULL, &evt);
    struct wd_civil c;
    wd_time_to_civil(evt, &c);
    out->len = 0;
    rc = wd_buf_printf(out, "{\"utctimestamp\":\"%s\",\"severity\":\"WARNING\",\"summary\":", ts);
    rc = rc ? rc : wd_jv_write_str(sum.p ? sum.p : "", sum.len, out);
    rc = rc ? rc
            : wd_buf_printf(out,
                            ",\"category\":\"watchlist\",\"tags\":[\"watchtarget\"],\"events\":"
                            "[{\"documentindex\":\"events-%04d%02d%02d\",\"documentid\":\"%llu\","
                            "\"documentsource\":",
                            (int)c.year, c.month, c.day, (unsigned long long)seq);
    rc = rc ? rc : wd_buf_append(out, ev_json, len);
    rc = rc ? rc
            : wd_buf_printf(out, "}],\"channel\":null,\"notify_mozdefbot\":true,\"status\":"
                                 "\"manual\",\"classname\":\"AlertWatchList\",\"details\":{"
                                 "\"term\":");
    rc = rc ? rc : wd_jv_write_str(term, strlen(term), out);
    rc = rc ? rc : wd_buf_printf(out, "},\"type\":\"alert\"}");
    wd_buf_fini(&sum);
done:
    wd_arena_fini(&a);
    return rc;
}

int wd_resp_alert_field(const char *alert_json, size_t len, const char *field, char *out,
                        size_t out_len)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 256u << 20);
    struct wd_jv *doc = NULL;
    int rc = WD_ENOENT;
    if (parse(alert_json, len, &a, &doc) == WD_OK) {
        const struct wd_jv *evs = wd_jv_get(doc, "events");
        for (const struct wd_jv *e = evs && evs->type == WD_JV_ARR ? evs->u.kids.head : NULL; e;
             e = e->next) {
            const struct wd_jv *v = str_at(wd_jv_get(e, "documentsource"), field);
            if (v && v->u.s.len < out_len) {
                memcpy(out, v->u.s.p, v->u.s.len);
                out[v->u.s.len] = '\0';
                rc = WD_OK;
                break;
            }
        }
    }
    wd_arena_fini(&a);
    return rc;
}
