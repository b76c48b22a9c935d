/*
 * win_norm.c: Windows events as shippers render them, rewritten into the MozDef envelope
 * before the key mapping (norm.c calls wd_win_norm() first), so that ingest and
 * `ward rules test --events` see the same event and Sigma's field names resolve:
 *   - EVTX rendered as JSON (evtx_dump, the SigmaHQ regression data):
 *     {"Event": {"System": {...}, "EventData": {...} | "UserData": {...}}}
 *   - Winlogbeat / ECS: {"@timestamp", "winlog": {"event_id", "channel", "provider_name",
 *     "computer_name", "event_data": {...}, ...}, "message", ...}
 * The result: utctimestamp (System TimeCreated), hostname (Computer), processname
 * (provider), processid, source (channel), category "windows", tags ["windows"], a
 * summary, and details holding the System fields under Sigma's names (EventID, Channel,
 * Provider_Name, Computer, Execution_ProcessID, Security_UserID, ...: XML attributes
 * joined with `_`) and every EventData / UserData field by name (never replacing a System
 * field); Security 4688 events also get Image and ParentImage (from NewProcessName and
 * ParentProcessName) as Sysmon names them. NXLog events keep the existing nxlog mapping (their keys
 * are already flat; Sigma lookups are case-blind). Pure: no I/O; everything is allocated in the
 * caller's arena; the input is not changed.
 */
#include "win_norm.h"

#include <stdio.h>
#include <string.h>

#include "jv.h"
#include "mem.h"

struct wn {
    struct wd_arena *a;
    struct wd_jv *det;
    bool oom;
};

static struct wd_str cat(struct wn *w, struct wd_str a, const char *sep, struct wd_str b)
{
    size_t sl = strlen(sep), n = a.len + sl + b.len;
    char *p = wd_arena_alloc(w->a, n + 1);
    if (!p) {
        w->oom = true;
        return (struct wd_str){"", 0};
    }
    memcpy(p, a.p, a.len);
    memcpy(p + a.len, sep, sl);
    memcpy(p + a.len + sl, b.p, b.len);
    p[n] = '\0';
    return (struct wd_str){p, n};
}

static void put(struct wn *w, struct wd_str key, const struct wd_jv *v)
{
    if (!v || w->oom)
        return;
    struct wd_jv *c = wd_jv_new(w->a, v->type);
    if (!c) {
        w->oom = true;
        return;
    }
    struct wd_jv *nx = c->next;
    *c = *v;
    c->next = nx;
    wd_jv_set(w->det, key, c);
}

/* One System element: a scalar, {"#text"}, {"#attributes": {...}} or both. */
static void system_elem(struct wn *w, struct wd_str name, const struct wd_jv *v)
{
    if (v->type != WD_JV_OBJ) {
        if (v->type != WD_JV_NULL)
            put(w, name, v);
        return;
    }
    for (const struct wd_jv *k = v->u.kids.head; k; k = k->next) {
        if (wd_str_eq(k->key, "#text")) {
            put(w, name, k);
        } else if (wd_str_eq(k->key, "#attributes") && k->type == WD_JV_OBJ) {
            for (const struct wd_jv *at = k->u.kids.head; at; at = at->next)
                if (at->type != WD_JV_NULL)
                    put(w, cat(w, name, "_", at->key), at);
        } else if (k->type != WD_JV_NULL) {
            system_elem(w, cat(w, name, "_", k->key), k);
        }
    }
}

/* A data field: never replaces a System field of the same name (UserData's Channel). */
static void put_data(struct wn *w, struct wd_str key, const struct wd_jv *v)
{
    if (!wd_jv_getn(w->det, key))
        put(w, key, v);
}

/* EventData / UserData members: Name -> value, or [{"#attributes":{"Name"}, "#text"}]. */
static void data_fields(struct wn *w, const struct wd_jv *d, int depth)
{
    if (!d || d->type != WD_JV_OBJ || depth > 3)
        return;
    for (const struct wd_jv *k = d->u.kids.head; k; k = k->next) {
        if (wd_str_eq(k->key, "#attributes"))
            continue;
        if (k->type == WD_JV_OBJ) {
            const struct wd_jv *t = wd_jv_get(k, "#text");
            const struct wd_jv *at = wd_jv_get(k, "#attributes");
            const struct wd_jv *nm = at ? wd_jv_get(at, "Name") : NULL;
            if (nm && nm->type == WD_JV_STR)
                put_data(w, nm->u.s, t);
            else if (t)
                put_data(w, k->key, t);
            else
                data_fields(w, k, depth + 1); /* UserData: the one child element */
        } else if (k->type == WD_JV_ARR && wd_str_eq(k->key, "Data")) {
            bool named = false;
            for (const struct wd_jv *e = k->u.kids.head; e; e = e->next) {
                const struct wd_jv *at = e->type == WD_JV_OBJ ? wd_jv_get(e, "#attributes") : NULL;
                const struct wd_jv *nm = at ? wd_jv_get(at, "Name") : NULL;
                if (nm && nm->type == WD_JV_STR) {
                    put_data(w, nm->u.s, wd_jv_get(e, "#text"));
                    named = true;
                }
            }
            if (!named)
                put_data(w, k->key, k); /* unnamed Data values stay a list */
        } else if (k->type != WD_JV_NULL) {
            put_data(w, k->key, k);
        }
    }
}

static const struct wd_jv *sget(const struct wd_jv *o, const char *k)
{
    const struct wd_jv *v = o ? wd_jv_get(o, k) : NULL;
    return v && v->type != WD_JV_NULL ? v : NULL;
}

/* Security 4688 (process creation) also under the Sysmon names Sigma's process_creation
 * rules use: Image = NewProcessName, ParentImage = ParentProcessName (when absent). */
static void sec4688(struct wn *w)
{
    const struct wd_jv *id = sget(w->det, "EventID"), *ch = sget(w->det, "Channel");
    bool is = id && ((id->type == WD_JV_INT && id->u.i == 4688) ||
                     (id->type == WD_JV_STR && wd_str_eq(id->u.s, "4688")));
    if (!is || !ch || ch->type != WD_JV_STR || !wd_str_eq(ch->u.s, "Security"))
        return;
    put_data(w, WD_STR("Image"), sget(w->det, "NewProcessName"));
    put_data(w, WD_STR("ParentImage"), sget(w->det, "ParentProcessName"));
}

static void set_str(struct wn *w, struct wd_jv *ev, const char *key, const struct wd_jv *v)
{
    if (!v || w->oom)
        return;
    struct wd_jv *c = wd_jv_new(w->a, v->type);
    if (!c) {
        w->oom = true;
        return;
    }
    struct wd_jv *nx = c->next;
    *c = *v;
    c->next = nx;
    wd_jv_set(ev, (struct wd_str){key, strlen(key)}, c);
}

/* Text of a scalar for the summary. */
static void text(struct wd_buf *b, const struct wd_jv *v)
{
    if (v)
        wd_jv_text(v, b);
}

struct wd_jv *wd_win_norm(struct wd_arena *a, const struct wd_jv *in, bool *oom)
{
    *oom = false;
    if (!in || in->type != WD_JV_OBJ)
        return NULL;
    const struct wd_jv *evt = sget(in, "Event"), *sys = sget(evt, "System");
    const struct wd_jv *wl = sget(in, "winlog");
    if (!(sys && sys->type == WD_JV_OBJ) && !(wl && wl->type == WD_JV_OBJ))
        return NULL;
    struct wn w = {.a = a};
    struct wd_jv *ev = wd_jv_new(a, WD_JV_OBJ);
    w.det = wd_jv_new(a, WD_JV_OBJ);
    if (!ev || !w.det)
        goto oom;
    if (sys && sys->type == WD_JV_OBJ) {
        for (const struct wd_jv *k = sys->u.kids.head; k; k = k->next)
            system_elem(&w, k->key, k);
        data_fields(&w, sget(evt, "EventData"), 0);
        data_fields(&w, sget(evt, "UserData"), 0);
    } else {
        /* Winlogbeat: winlog.* under Sigma's System names, event_data by name */
        static const char *const ren[][2] = {
            {"event_id", "EventID"},
            {"channel", "Channel"},
            {"provider_name", "Provider_Name"},
            {"provider_guid", "Provider_Guid"},
            {"computer_name", "Computer"},
            {"record_id", "EventRecordID"},
            {"task", "Task"},
            {"opcode", "Opcode"},
            {"version", "Version"},
            {"keywords", "Keywords"},
        };
        for (size_t i = 0; i < WD_ARRAY_LEN(ren); i++)
            put(&w, (struct wd_str){ren[i][1], strlen(ren[i][1])}, sget(wl, ren[i][0]));
        const struct wd_jv *pr = sget(wl, "process");
        put(&w, WD_STR("Execution_ProcessID"), sget(pr, "pid"));
        const struct wd_jv *th = sget(pr, "thread");
        put(&w, WD_STR("Execution_ThreadID"), sget(th, "id"));
        const struct wd_jv *us = sget(wl, "user");
        put(&w, WD_STR("Security_UserID"), sget(us, "identifier"));
        data_fields(&w, sget(wl, "event_data"), 0);
        data_fields(&w, sget(wl, "user_data"), 0);
    }
    sec4688(&w);
    if (w.oom)
        goto oom;
    const struct wd_jv *ts = sget(w.det, "TimeCreated_SystemTime");
    if (!ts)
        ts = sget(in, "@timestamp");
    set_str(&w, ev, "utctimestamp", ts);
    set_str(&w, ev, "hostname", sget(w.det, "Computer"));
    set_str(&w, ev, "processname", sget(w.det, "Provider_Name"));
    set_str(&w, ev, "processid", sget(w.det, "Execution_ProcessID"));
    set_str(&w, ev, "source", sget(w.det, "Channel"));
    struct wd_jv *catv = wd_jv_str(a, "windows", 7), *tags = wd_jv_new(a, WD_JV_ARR),
                 *tag = wd_jv_str(a, "windows", 7);
    if (!catv || !tags || !tag)
        goto oom;
    wd_jv_set(ev, WD_STR("category"), catv);
    wd_jv_push(tags, tag);
    wd_jv_set(ev, WD_STR("tags"), tags);
    const struct wd_jv *msg = sget(in, "message");
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if (msg && msg->type == WD_JV_STR) {
        wd_buf_append(&b, msg->u.s.p, WD_MIN(msg->u.s.len, (size_t)1024));
    } else {
        wd_buf_printf(&b, "Windows ");
        text(&b, sget(w.det, "Channel"));
        wd_buf_printf(&b, " event ");
        text(&b, sget(w.det, "EventID"));
        const struct wd_jv *img = sget(w.det, "Image");
        if (img && img->type == WD_JV_STR) {
            wd_buf_printf(&b, ": ");
            text(&b, img);
        }
    }
    struct wd_jv *sum = wd_jv_strdup(a, b.p ? b.p : "", b.len);
    wd_buf_fini(&b);
    if (!sum)
        goto oom;
    wd_jv_set(ev, WD_STR("summary"), sum);
    wd_jv_set(ev, WD_STR("details"), w.det);
    return ev;
oom:
    *oom = true;
    return NULL;
}
