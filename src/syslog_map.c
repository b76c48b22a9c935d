/*
 * syslog_map.c: turns a parsed syslog message into the MozDef input keys syslog-ng fed
 * MozDef (hostname, processname, processid, severity, facility, summary, utctimestamp,
 * sourceip, details), so syslog events go through the same normalization as HTTP ones
 * (mozdef-compat.md a.2; interop.md 3). Time zone and missing-year handling live here.
 */
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "syslog.h"
#include "syslog_net.h"
#include "wd_time.h"
#include "ward.h"

static int64_t msg_time(const struct wd_syslog_msg *m, const struct wd_tz *tz, int64_t now_us)
{
    if (!m->ts.has_time)
        return now_us;
    struct wd_civil c = {0};
    bool guess_year = m->ts.year == 0;
    if (guess_year) {
        struct wd_civil nowc;
        wd_time_to_civil(now_us + (int64_t)wd_tz_offset_at(tz, now_us) * WD_US_PER_SEC, &nowc);
        c.year = nowc.year;
    } else {
        c.year = m->ts.year;
    }
    c.month = m->ts.month;
    c.day = m->ts.day;
    c.hour = m->ts.hour;
    c.minute = m->ts.min;
    c.second = m->ts.sec > 59 ? 59 : m->ts.sec;
    c.usec = m->ts.usec;
    int64_t local = wd_time_from_civil(&c);
    int64_t t = m->ts.has_zone ? local - (int64_t)m->ts.zone_off_s * WD_US_PER_SEC
                               : wd_tz_local_to_utc(tz, local);
    /* BSD timestamps carry no year: a December message read in January belongs to the
     * previous year (RFC 3164 practice; interop.md 3.2). */
    if (guess_year && t > now_us + 2 * WD_US_PER_DAY) {
        c.year--;
        local = wd_time_from_civil(&c);
        t = m->ts.has_zone ? local - (int64_t)m->ts.zone_off_s * WD_US_PER_SEC
                           : wd_tz_local_to_utc(tz, local);
    }
    return t;
}

static struct wd_jv *str_node(struct wd_arena *a, struct wd_str s)
{
    return wd_jv_str(a, s.p, s.len);
}

static void add_sd(struct wd_jv *details, const struct wd_syslog_msg *m, struct wd_arena *a)
{
    struct wd_syslog_sd_iter it;
    struct wd_str id, name, raw;
    struct wd_jv *elem = NULL;
    struct wd_str elem_id = {"", 0};
    wd_syslog_sd_iter_init(&it, m->sd);
    while (wd_syslog_sd_next(&it, &id, &name, &raw) == WD_OK) {
        if (!elem || id.len != elem_id.len || memcmp(id.p, elem_id.p, id.len) != 0) {
            elem = wd_jv_new(a, WD_JV_OBJ);
            if (!elem)
                return;
            elem_id = id;
            wd_jv_set(details, id, elem);
        }
        if (!name.len)
            continue; /* an element without parameters */
        char *v = wd_arena_alloc(a, raw.len + 1);
        if (!v)
            return;
        size_t n = wd_syslog_sd_unescape(raw, v);
        wd_jv_add(elem, name, wd_jv_str(a, v, n));
    }
}

/* Merges a JSON object body into obj (its keys come last, so they win in key mapping). */
static bool merge_json_body(struct wd_jv *obj, struct wd_str msg, uint32_t max_depth,
                            struct wd_arena *a)
{
    struct wd_str body = msg;
    if (body.len > 5 && memcmp(body.p, "@cee:", 5) == 0) {
        body.p += 5;
        body.len -= 5;
    }
    while (body.len && (*body.p == ' ' || *body.p == '\t')) {
        body.p++;
        body.len--;
    }
    if (!body.len || body.p[0] != '{')
        return false;
    struct wd_jv *v;
    struct wd_perr perr;
    if (wd_json_parse(body.p, body.len, body.len, max_depth, a, &v, &perr) != WD_OK ||
        v->type != WD_JV_OBJ)
        return false;
    for (struct wd_jv *k = v->u.kids.head, *next; k; k = next) {
        next = k->next;
        k->next = NULL;
        wd_jv_add(obj, k->key, k);
    }
    return true;
}

struct wd_jv *wd_syslog_to_object(const struct wd_syslog_msg *m, const char *peer,
                                  const struct wd_tz *tz, int64_t now_us, uint32_t max_depth,
                                  struct wd_arena *a)
{
    struct wd_jv *o = wd_jv_new(a, WD_JV_OBJ);
    struct wd_jv *d = wd_jv_new(a, WD_JV_OBJ);
    if (!o || !d)
        return NULL;
    char iso[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(msg_time(m, tz, now_us), iso);
    wd_jv_add(o, WD_STR("utctimestamp"), wd_jv_strdup(a, iso, n));
    if (m->hostname.len)
        wd_jv_add(o, WD_STR("hostname"), str_node(a, m->hostname));
    else if (peer)
        wd_jv_add(o, WD_STR("hostname"), wd_jv_strdup(a, peer, strlen(peer)));
    if (m->appname.len)
        wd_jv_add(o, WD_STR("processname"), str_node(a, m->appname));
    if (m->procid.len)
        wd_jv_add(o, WD_STR("processid"), str_node(a, m->procid));
    const char *sev = wd_syslog_severity_name(m->severity);
    const char *fac = wd_syslog_facility_name(m->facility);
    wd_jv_add(o, WD_STR("severity"), wd_jv_str(a, sev, strlen(sev)));
    wd_jv_add(o, WD_STR("facility"), wd_jv_str(a, fac, strlen(fac)));
    wd_jv_add(o, WD_STR("summary"), str_node(a, m->msg));
    if (peer)
        wd_jv_add(o, WD_STR("sourceip"), wd_jv_strdup(a, peer, strlen(peer)));
    wd_jv_add(d, WD_STR("syslog_format"),
              m->format == WD_SYSLOG_5424 ? wd_jv_str(a, "rfc5424", 7)
                                          : wd_jv_str(a, "rfc3164", 7));
    if (m->pri >= 0)
        wd_jv_add(d, WD_STR("pri"), wd_jv_int(a, m->pri));
    if (m->msgid.len)
        wd_jv_add(d, WD_STR("msgid"), str_node(a, m->msgid));
    if (m->cisco_counter.len)
        wd_jv_add(d, WD_STR("cisco_counter"), str_node(a, m->cisco_counter));
    if (m->cisco_seq.len)
        wd_jv_add(d, WD_STR("cisco_sequence"), str_node(a, m->cisco_seq));
    if (m->sd.len)
        add_sd(d, m, a);
    wd_jv_add(o, WD_STR("details"), d);
    merge_json_body(o, m->msg, max_depth, a);
    return o;
}
