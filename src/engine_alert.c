/*
 * engine_alert.c: builds MozDef's alert document (spec e.1) for a decision: the summary
 * from the rule's template over the group's events, the attached sample events as
 * {documentindex, documentid, documentsource}, severity (by group value when the rule
 * maps it), channel and the notify_mozdefbot rule, then hands it to the emit callback.
 */
#include <string.h>

#include "engine_int.h"
#include "json.h"
#include "sumstats.h"
#include "tmpl.h"
#include "wd_time.h"

static const char *severity_of(const struct wd_rule *r, struct wd_str value)
{
    for (uint32_t i = 0; i < r->nsevmaps; i++)
        for (uint32_t j = 0; j < r->sevmaps[i].nvalues; j++)
            if (wd_str_eq(value, r->sevmaps[i].values[j]))
                return r->sevmaps[i].severity;
    return r->severity;
}

/* e.1 tagBotNotify */
static bool notify_of(const struct wd_rule *r, const char *severity)
{
    if (r->notify >= 0)
        return r->notify;
    if (r->channel && r->channel[0])
        return true;
    return strcmp(severity, "NOTICE") != 0 && strcmp(severity, "INFO") != 0;
}

static int put_str(struct wd_buf *b, const char *key, const char *v)
{
    int rc = wd_buf_printf(b, ",\"%s\":", key);
    return rc ? rc : wd_jv_write_str(v, strlen(v), b);
}

/* MozDef's partition of an event: events-YYYYMMDD of its utctimestamp. */
static int put_index(struct wd_buf *b, const struct gev *x)
{
    int64_t t = x->utc != INT64_MIN ? x->utc : x->recv != INT64_MIN ? x->recv : 0;
    struct wd_civil c;
    wd_time_to_civil(t, &c);
    return wd_buf_printf(b, "\"events-%04d%02d%02d\"", (int)c.year, c.month, c.day);
}

/* {ss CALC} and {topk N FORMAT} */
static int ss_render(const void *result, const char *calc, uint32_t n, const char *fmt,
                     struct wd_buf *out)
{
    const struct wd_ss_result *r = result;
    if (calc) {
        double v;
        if (strcmp(calc, "num") == 0) {
            v = (double)wd_ss_num(r);
        } else {
            int c = wd_ss_parse_calc(calc, strlen(calc));
            if (c < 0 || !wd_ss_has(r, c))
                return WD_OK;
            v = wd_ss_value(r, c);
        }
        if (v != v)
            return WD_OK; /* no value yet (NaN) */
        if (v == (double)(int64_t)v && v > -1e15 && v < 1e15)
            return wd_buf_printf(out, "%lld", (long long)v);
        return wd_buf_printf(out, "%.2f", v);
    }
    if (!wd_ss_has(r, WD_SS_TOPK))
        return WD_OK;
    struct wd_ss_topk_item items[64];
    size_t k = wd_ss_topk(r, WD_MIN(n, WD_ARRAY_LEN(items)), items);
    struct wd_buf v;
    wd_buf_init(&v, 0);
    int rc = WD_OK;
    for (size_t i = 0; i < k && rc == WD_OK; i++) {
        const struct wd_ss_obs *o = items[i].value;
        v.len = 0;
        if (o->type == WD_SS_OBS_STR)
            rc = wd_buf_append(&v, o->str.p, o->str.len);
        else if (o->type == WD_SS_OBS_NUM)
            rc = wd_buf_printf(&v, "%llu", (unsigned long long)o->num);
        else
            rc = wd_buf_printf(&v, "%g", o->dbl);
        rc = rc ? rc : wd_buf_putc(&v, '\0');
        for (const char *p = fmt; rc == WD_OK && *p; p++) {
            if (p[0] == '%' && p[1] == 'v')
                rc = wd_buf_append(out, v.p, strlen(v.p)), p++;
            else if (p[0] == '%' && p[1] == 'n')
                rc = wd_buf_printf(out, "%llu", (unsigned long long)items[i].count), p++;
            else
                rc = wd_buf_putc(out, *p);
        }
    }
    wd_buf_fini(&v);
    return rc;
}

static int build(struct wd_engine *e, const struct wd_rule *r, const struct alert_in *in,
                 struct wd_arena *a, struct wd_buf *b)
{
    const struct wd_jv **evs =
        in->nev ? wd_arena_alloc(a, in->nev * sizeof(const struct wd_jv *)) : NULL;
    if (in->nev && !evs)
        return WD_ENOMEM;
    uint32_t nparsed = 0;
    for (uint32_t i = 0; i < in->nev; i++) {
        struct wd_jv *v;
        struct wd_perr pe;
        if (in->ev[i].json && wd_json_parse_compact(in->ev[i].json, in->ev[i].len, in->ev[i].len, 0,
                                                    a, &v, &pe) == WD_OK)
            evs[nparsed++] = v;
    }
    struct wd_tmpl_ctx ctx = {.events = evs,
                              .nevents = nparsed,
                              .nsamples = in->nsamples,
                              .value = in->value,
                              .count = in->count,
                              .ss_result = in->extra ? (const void *)in->extra : in->ss,
                              .ss_render = in->extra ? in->extra_render : ss_render,
                              .rdns = e->o.rdns,
                              .rdns_arg = e->o.rdns_arg};
    struct wd_buf sum;
    wd_buf_init(&sum, 0);
    int rc = wd_tmpl_render(r->summary, &ctx, &sum);
    if (rc == WD_OK)
        rc = wd_buf_putc(&sum, '\0');
    const char *sev = severity_of(r, in->value);
    char ts[WD_TIME_ISO_MAX];
    wd_time_iso(e->now_us, ts);
    b->len = 0;
    if (rc == WD_OK)
        rc = wd_buf_printf(b, "{\"utctimestamp\":\"%s\"", ts);
    if (rc == WD_OK)
        rc = put_str(b, "severity", sev);
    if (rc == WD_OK)
        rc = put_str(b, "summary", sum.p);
    if (rc == WD_OK)
        rc = put_str(b, "category", r->category);
    if (rc == WD_OK)
        rc = wd_buf_printf(b, ",\"tags\":[");
    for (uint32_t i = 0; i < r->ntags && rc == WD_OK; i++) {
        if (i)
            rc = wd_buf_putc(b, ',');
        rc = rc ? rc : wd_jv_write_str(r->tags[i], strlen(r->tags[i]), b);
    }
    if (rc == WD_OK)
        rc = wd_buf_printf(b, "],\"events\":[");
    for (uint32_t i = 0, k = 0; i < in->nev && k < in->nsamples && rc == WD_OK; i++) {
        const struct gev *x = &in->ev[i];
        if (!x->json)
            continue; /* counted only (memory bound) */
        rc = wd_buf_printf(b, "%s{\"documentindex\":", k++ ? "," : "");
        rc = rc ? rc : put_index(b, x);
        rc = rc ? rc
                : wd_buf_printf(
                      b, ",\"documentid\":\"%llu\",\"documentsource\":", (unsigned long long)x->id);
        rc = rc ? rc : wd_buf_append(b, x->json, x->len);
        rc = rc ? rc : wd_buf_putc(b, '}');
    }
    if (rc == WD_OK)
        rc = wd_buf_printf(b, "],\"channel\":");
    if (rc == WD_OK)
        rc = r->channel ? wd_jv_write_str(r->channel, strlen(r->channel), b)
                        : wd_buf_printf(b, "null");
    if (rc == WD_OK)
        rc = wd_buf_printf(b, ",\"notify_mozdefbot\":%s,\"status\":\"manual\"",
                           notify_of(r, sev) ? "true" : "false");
    if (rc == WD_OK)
        rc = put_str(b, "classname", r->name);
    if (rc == WD_OK && r->url && r->url[0])
        rc = put_str(b, "url", r->url);
    if (rc == WD_OK && in->ss) {
        char t0[WD_TIME_ISO_MAX];
        wd_time_iso(wd_ss_begin(in->ss), t0);
        rc = wd_buf_printf(b, ",\"details\":{\"key\":");
        rc = rc ? rc : wd_jv_write_str(in->value.p, in->value.len, b);
        rc = rc ? rc : wd_buf_printf(b, ",\"first\":\"%s\",\"result\":", t0);
        rc = rc ? rc : wd_ss_result_json(in->ss, b);
        rc = rc ? rc : wd_buf_putc(b, '}');
    }
    if (rc == WD_OK && in->extra) {
        rc = wd_buf_printf(b, ",\"details\":{\"key\":");
        rc = rc ? rc : wd_jv_write_str(in->value.p, in->value.len, b);
        rc = rc ? rc
                : wd_buf_printf(b, ",\"lag_seconds\":%.3f,\"percentile\":%g,\"for_seconds\":%.0f}",
                                in->extra[0] / 1e6, in->extra[1], in->extra[2] / 1e6);
    }
    if (rc == WD_OK)
        rc = wd_buf_printf(b, ",\"type\":\"alert\"}");
    wd_buf_fini(&sum);
    return rc;
}

void wd_engine_alert(struct wd_engine *e, struct rstate *s, const struct alert_in *in)
{
    if (e->replay) { /* raised before the restart */
        e->st.replayed++;
        return;
    }
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 256u << 20);
    int rc = build(e, s->rule, in, &a, &e->out);
    wd_arena_fini(&a);
    if (rc) {
        s->st.errors++;
        return;
    }
    s->st.alerts++;
    s->st.last_alert_us = e->now_us;
    e->st.alerts++;
    if (e->o.emit)
        e->o.emit(e->o.emit_arg, s->rule, e->out.p, e->out.len);
}
