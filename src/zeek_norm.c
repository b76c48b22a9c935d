/*
 * zeek_norm.c: MozDef's broFixup for Zeek records (see zeek_norm.h). The per-log rules
 * are a table of defaults and a summary template; the logs whose rules are code (notice,
 * x509, software, ntlm, smb_files, snmp, ...) have a fix-up function. Templates name
 * details fields as `{field}` or `{field[0]}` and render them with Python str() rules.
 */
#include <arpa/inet.h>

#include "zeek_norm.h"

#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "wd_time.h"
#include "zeek.h"

struct zctx {
    struct wd_arena *a;
    const struct wd_norm_opts *o;
    struct wd_jv *ev, *det, *errors;
    struct wd_buf *tmp;
    uint32_t nerr;
    bool oom;
};

static struct wd_str S_(const char *s) {
    return (struct wd_str){s, strlen(s)};
}

static struct wd_jv *
str_lit(struct zctx *c, const char *s)
{
    struct wd_jv *v = wd_jv_str(c->a, s, strlen(s));
    c->oom |= !v;
    return v;
}

static struct wd_jv *str_copy(struct zctx *c, const char *p, size_t n)
{
    struct wd_jv *v = wd_jv_strdup(c->a, p, n);
    c->oom |= !v;
    return v;
}

static void put(struct zctx *c, struct wd_jv *obj, const char *key, struct wd_jv *v)
{
    if (v)
        wd_jv_set(obj, S_(key), v);
    else
        c->oom = true; /* every caller passes a fresh node: NULL means the arena is full */
}

/* Appends a member the fresh event cannot have yet (no lookup). */
static void add(struct zctx *c, struct wd_jv *obj, const char *key, struct wd_jv *v)
{
    if (v)
        wd_jv_add(obj, S_(key), v);
    else
        c->oom = true;
}

static struct wd_jv *dget(struct zctx *c, const char *key)
{
    return wd_jv_get(c->det, key);
}

static void note(struct zctx *c, const char *what, const char *field)
{
    if (!c->errors) {
        c->errors = wd_jv_new(c->a, WD_JV_ARR);
        if (!c->errors) {
            c->oom = true;
            return;
        }
    }
    char msg[200];
    int n = snprintf(msg, sizeof(msg), "broFixup: %s %s", what, field);
    struct wd_jv *v = str_copy(c, msg, (size_t)WD_MIN(n, (int)sizeof(msg) - 1));
    if (v)
        wd_jv_push(c->errors, v);
    c->nerr++;
}

/* Renames a details member in place (MozDef pops and re-adds; order is not observable). */
static struct wd_jv *rename_(struct zctx *c, const char *from, const char *to)
{
    struct wd_jv *v = dget(c, from);
    if (v) {
        struct wd_jv *old = dget(c, to);
        if (old && old != v)
            wd_jv_del(c->det, S_(to));
        v->key = S_(to);
    }
    return v;
}

static void del(struct zctx *c, const char *key)
{
    wd_jv_del(c->det, S_(key));
}

/* "default X": set when absent. */
static void dflt_str(struct zctx *c, const char *key, const char *val)
{
    if (!dget(c, key))
        put(c, c->det, key, str_lit(c, val));
}

static void dflt_int(struct zctx *c, const char *key, int64_t val)
{
    if (!dget(c, key)) {
        struct wd_jv *v = wd_jv_int(c->a, val);
        c->oom |= !v;
        put(c, c->det, key, v);
    }
}

/* Python str() of a value, into the arena. */
static struct wd_str text(struct zctx *c, const struct wd_jv *v)
{
    if (v->type == WD_JV_STR)
        return v->u.s;
    c->tmp->len = 0;
    wd_jv_text(v, c->tmp);
    char *p = wd_arena_strndup(c->a, c->tmp->p, c->tmp->len);
    if (!p) {
        c->oom = true;
        return WD_STR("");
    }
    return (struct wd_str){p, c->tmp->len};
}

/* Renders a template: {name} and {name[0]} from details; a missing one is empty + note. */
static struct wd_jv *render(struct zctx *c, const char *tpl)
{
    struct wd_buf out;
    wd_buf_init(&out, 0);
    for (const char *p = tpl; *p;) {
        if (*p != '{') {
            wd_buf_putc(&out, *p++);
            continue;
        }
        const char *e = strchr(p, '}');
        char name[64];
        size_t n = (size_t)(e - p - 1);
        memcpy(name, p + 1, n);
        name[n] = '\0';
        bool first = n > 3 && !strcmp(name + n - 3, "[0]");
        if (first)
            name[n - 3] = '\0';
        const struct wd_jv *v = dget(c, name);
        if (v && first)
            v = v->type == WD_JV_ARR ? v->u.kids.head : NULL;
        if (v) {
            struct wd_str s = text(c, v);
            wd_buf_append(&out, s.p, s.len);
        } else {
            note(c, "summary field missing:", name);
        }
        p = e + 1;
    }
    struct wd_jv *v = str_copy(c, out.len ? out.p : "", out.len);
    wd_buf_fini(&out);
    return v;
}

static void summary(struct zctx *c, struct wd_jv *s)
{
    put(c, c->ev, "summary", s);
}

/* Appends text to the summary. */
static void summary_add(struct zctx *c, const char *suffix)
{
    struct wd_jv *s = wd_jv_get(c->ev, "summary");
    if (!s)
        return;
    size_t n = strlen(suffix);
    char *p = wd_arena_alloc(c->a, s->u.s.len + n + 1);
    if (!p) {
        c->oom = true;
        return;
    }
    memcpy(p, s->u.s.p, s->u.s.len);
    memcpy(p + s->u.s.len, suffix, n + 1);
    s->u.s = (struct wd_str){p, s->u.s.len + n};
}

static bool text_is(const struct wd_jv *v, int af)
{
    if (!v || v->type != WD_JV_STR || v->u.s.len >= 64)
        return false;
    char tmp[64];
    unsigned char buf[16];
    memcpy(tmp, v->u.s.p, v->u.s.len);
    tmp[v->u.s.len] = '\0';
    return inet_pton(af, tmp, buf) == 1;
}

/* MozDef's IPv4 test for notices: contains '.', 4 dot parts, IPv4 or IPv4 CIDR. */
static bool moz_ipv4(struct wd_str s)
{
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof(tmp))
        return false;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    char *slash = strchr(tmp, '/');
    if (slash) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 0 || bits > 32)
            return false;
        *slash = '\0';
    }
    int parts = 0;
    for (char *p = tmp;; parts++) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        long v = strtol(p, &end, 10);
        if (v > 255 || (*end != '.' && *end))
            return false;
        if (!*end) {
            parts++;
            break;
        }
        p = end + 1;
    }
    return parts == 4;
}

/* The renames and deletions every log gets, in one pass over the record (the keys they
 * produce are not in Zeek records, so renaming in place cannot create duplicates). */
static void common_fixups(struct zctx *c)
{
    struct wd_jv *prev = NULL;
    for (struct wd_jv *m = c->det->u.kids.head; m;) {
        struct wd_jv *next = m->next;
        struct wd_str k = m->key;
        bool drop = false;
        if (k.len > 3 && k.p[0] == 'i' && k.p[1] == 'd' && k.p[2] == '.') {
            if (wd_str_eq(k, "id.orig_h"))
                m->key = WD_STR("sourceipaddress");
            else if (wd_str_eq(k, "id.orig_p"))
                m->key = WD_STR("sourceport");
            else if (wd_str_eq(k, "id.resp_h"))
                m->key = WD_STR("destinationipaddress");
            else if (wd_str_eq(k, "id.resp_p"))
                m->key = WD_STR("destinationport");
        } else {
            drop = wd_str_eq(k, "resp_cc") || wd_str_eq(k, "FILE_NAME") ||
                   wd_str_eq(k, "MESSAGE") || wd_str_eq(k, "SOURCE");
        }
        if (drop) {
            if (prev)
                prev->next = next;
            else
                c->det->u.kids.head = next;
            if (c->det->u.kids.tail == m)
                c->det->u.kids.tail = prev;
            c->det->count--;
        } else {
            prev = m;
        }
        m = next;
    }
}

/* ---- per-log fix-ups (c.1 table) ---- */

static void fix_conn(struct zctx *c)
{
    rename_(c, "orig_ip_bytes", "originipbytes");
    rename_(c, "resp_ip_bytes", "responseipbytes");
    dflt_str(c, "history", "");
}

static void fix_files(struct zctx *c)
{
    struct wd_jv *rx = dget(c, "rx_hosts"), *tx = dget(c, "tx_hosts");
    if (rx && rx->type == WD_JV_ARR && rx->u.kids.head) {
        struct wd_str s = text(c, rx->u.kids.head);
        put(c, c->det, "sourceipaddress", str_copy(c, s.p, s.len));
    }
    if (tx && tx->type == WD_JV_ARR && tx->u.kids.head) {
        struct wd_str s = text(c, tx->u.kids.head);
        put(c, c->det, "destinationipaddress", str_copy(c, s.p, s.len));
    }
    dflt_str(c, "mime_type", "unknown");
    dflt_str(c, "filename", "unknown");
    dflt_str(c, "total_bytes", "0");
    dflt_str(c, "md5", "None");
    dflt_str(c, "filesource", "None");
}

static void fix_http(struct zctx *c)
{
    dflt_str(c, "method", "");
    dflt_str(c, "host", "");
    dflt_str(c, "uri", "");
    dflt_str(c, "status_code", "");
    struct wd_jv *u = dget(c, "uri");
    if (u && u->type == WD_JV_STR) {
        /* first 1024 characters (code points) */
        size_t chars = 0, i = 0;
        for (; i < u->u.s.len; i++)
            if (((unsigned char)u->u.s.p[i] & 0xc0) != 0x80 && chars++ == 1024)
                break;
        u->u.s.len = i;
    }
}

static void fix_ssl(struct zctx *c)
{
    if (!dget(c, "server_name")) {
        struct wd_jv *d = dget(c, "destinationipaddress");
        if (d) {
            struct wd_str s = text(c, d);
            put(c, c->det, "server_name", str_copy(c, s.p, s.len));
        } else {
            note(c, "default field missing:", "destinationipaddress");
        }
    }
}

static void fix_dhcp(struct zctx *c)
{
    dflt_str(c, "assigned_addr", "0.0.0.0");
    dflt_str(c, "mac", "000000000000");
    struct wd_jv *m = dget(c, "mac");
    if (m && m->type == WD_JV_STR && memchr(m->u.s.p, ':', m->u.s.len)) {
        char *p = wd_arena_alloc(c->a, m->u.s.len + 1);
        if (!p) {
            c->oom = true;
            return;
        }
        size_t n = 0;
        for (size_t i = 0; i < m->u.s.len; i++)
            if (m->u.s.p[i] != ':')
                p[n++] = m->u.s.p[i];
        m->u.s = (struct wd_str){p, n};
    }
}

static void fix_intel(struct zctx *c)
{
    if (!rename_(c, "seen.indicator", "seenindicator"))
        dflt_str(c, "seenindicator", "");
    rename_(c, "seen.node", "seennode");
    rename_(c, "seen.where", "seenwhere");
    rename_(c, "seen.indicator_type", "seenindicatortype");
}

static void fix_known_services(struct zctx *c)
{
    struct wd_jv *s = dget(c, "service");
    bool empty = !s || (s->type == WD_JV_ARR && s->count == 0) || s->type == WD_JV_FALSE ||
                 (s->type == WD_JV_STR && s->u.s.len == 0);
    if (empty) {
        struct wd_jv *arr = wd_jv_new(c->a, WD_JV_ARR);
        struct wd_jv *u = str_lit(c, "Unknown");
        if (!arr || !u)
            return;
        wd_jv_push(arr, u);
        put(c, c->det, "service", arr);
    }
    dflt_str(c, "host", "unknown");
    dflt_str(c, "port_num", "0");
    dflt_str(c, "port_proto", "");
}

static void fix_software(struct zctx *c)
{
    struct wd_jv *pv = wd_jv_new(c->a, WD_JV_OBJ);
    if (!pv) {
        c->oom = true;
        return;
    }
    dflt_str(c, "name", "unparsed");
    dflt_str(c, "software_type", "unknown");
    static const char *const parts[] = {"addl", "major", "minor", "minor2", "minor3"};
    for (size_t i = 0; i < WD_ARRAY_LEN(parts); i++) {
        char k[32];
        snprintf(k, sizeof(k), "version.%s", parts[i]);
        struct wd_jv *v = wd_jv_del(c->det, S_(k));
        if (v)
            wd_jv_add(pv, S_(parts[i]), v);
    }
    put(c, c->det, "parsed_version", pv);
}

static void move_into(struct zctx *c, struct wd_jv *obj, const char *from, const char *to)
{
    struct wd_jv *v = wd_jv_del(c->det, S_(from));
    if (v)
        wd_jv_set(obj, S_(to), v);
}

/* toUTC(float(v)) as ISO text, or the value unchanged when it is not a time. */
static struct wd_jv *iso_of(struct zctx *c, struct wd_jv *v)
{
    int64_t us;
    if (!v || wd_time_from_jv(v, NULL, c->o->now_us, &us) != WD_OK)
        return v;
    char iso[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, iso);
    return str_copy(c, iso, n);
}

static void fix_x509(struct zctx *c)
{
    struct wd_jv *cert = wd_jv_new(c->a, WD_JV_OBJ);
    if (!cert) {
        c->oom = true;
        return;
    }
    move_into(c, cert, "basic_constraints.ca", "basic_constraints_ca");
    move_into(c, cert, "basic_constraints.path_len", "basic_constraints_path_len");
    static const char *const f[] = {"exponent", "issuer",  "key_alg", "key_length", "key_type",
                                    "sig_alg",  "subject", "version", "serial"};
    for (size_t i = 0; i < WD_ARRAY_LEN(f); i++) {
        char k[48];
        snprintf(k, sizeof(k), "certificate.%s", f[i]);
        move_into(c, cert, k, f[i]);
    }
    static const char *const t[] = {"not_valid_after", "not_valid_before"};
    for (size_t i = 0; i < WD_ARRAY_LEN(t); i++) {
        char k[48];
        snprintf(k, sizeof(k), "certificate.%s", t[i]);
        struct wd_jv *v = wd_jv_del(c->det, S_(k));
        if (v)
            wd_jv_set(cert, S_(t[i]), iso_of(c, v));
    }
    if (!wd_jv_get(cert, "serial"))
        wd_jv_set(cert, WD_STR("serial"), str_lit(c, "0"));
    put(c, c->det, "certificate", cert);
}

static void fix_smb_files(struct zctx *c)
{
    struct wd_jv *t = wd_jv_new(c->a, WD_JV_OBJ);
    if (!t) {
        c->oom = true;
        return;
    }
    dflt_str(c, "path", "");
    dflt_str(c, "name", "");
    dflt_str(c, "action", "");
    static const char *const f[] = {"accessed", "changed", "created", "modified"};
    for (size_t i = 0; i < WD_ARRAY_LEN(f); i++) {
        char k[32];
        snprintf(k, sizeof(k), "times.%s", f[i]);
        struct wd_jv *v = wd_jv_del(c->det, S_(k));
        if (v)
            wd_jv_set(t, S_(f[i]), iso_of(c, v));
    }
    put(c, c->det, "smbtimes", t);
}

static void fix_snmp(struct zctx *c)
{
    dflt_str(c, "version", "Unknown");
    dflt_int(c, "get_bulk_requests", 0);
    dflt_int(c, "get_requests", 0);
    dflt_int(c, "set_requests", 0);
    dflt_int(c, "get_responses", 0);
    struct wd_jv *a = dget(c, "get_bulk_requests"), *b = dget(c, "get_requests");
    char sum[32];
    if (a && b && a->type == WD_JV_INT && b->type == WD_JV_INT) {
        size_t n = wd_fmt_i64(a->u.i + b->u.i, sum);
        put(c, c->det, "getreqestssum", str_copy(c, sum, n));
    } else {
        note(c, "cannot add", "get_bulk_requests + get_requests");
        put(c, c->det, "getreqestssum", str_lit(c, ""));
    }
}

static void fix_ntlm(struct zctx *c)
{
    struct wd_jv *n = wd_jv_new(c->a, WD_JV_OBJ);
    if (!n) {
        c->oom = true;
        return;
    }
    static const char *const f[] = {"domainname", "hostname", "username"};
    for (size_t i = 0; i < WD_ARRAY_LEN(f); i++) {
        struct wd_jv *v = wd_jv_del(c->det, S_(f[i]));
        wd_jv_set(n, S_(f[i]), v ? v : str_lit(c, "unknown"));
    }
    put(c, c->det, "ntlm", n);
    dflt_str(c, "status", "unknown");
}

static void fix_kerberos(struct zctx *c)
{
    dflt_str(c, "request_type", "unknown");
    dflt_str(c, "client", "unknown");
    dflt_str(c, "service", "unknown");
    dflt_str(c, "error_msg", "");
}

/* Sets a details address field and its v4/v6 twin the way the notice rules do. */
static void notice(struct zctx *c)
{
    struct wd_jv *ind = wd_jv_new(c->a, WD_JV_ARR);
    if (!ind) {
        c->oom = true;
        return;
    }
    put(c, c->det, "indicators", ind);
    dflt_str(c, "sub", "");
    dflt_str(c, "msg", "");
    dflt_str(c, "note", "");
    struct wd_jv *act = dget(c, "actions");
    struct wd_jv *sub = dget(c, "sub");
    if (act && act->type == WD_JV_STR && wd_str_eq(act->u.s, "Notice::ACTION_LOG") &&
        sub->type == WD_JV_STR) {
        const char *p = sub->u.s.p, *end = p + sub->u.s.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
            const char *w = p;
            while (p < end && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
            struct wd_str s = {w, (size_t)(p - w)};
            static const char strip[] = "\"',";
            for (int k = 0; k < 3; k++) {
                while (s.len && s.p[0] == strip[k])
                    s.p++, s.len--;
                while (s.len && s.p[s.len - 1] == strip[k])
                    s.len--;
            }
            if (s.len && memchr(s.p, '.', s.len) && moz_ipv4(s)) {
                struct wd_jv *v = wd_jv_str(c->a, s.p, s.len);
                if (v)
                    wd_jv_push(ind, v);
            }
        }
    }
    struct wd_jv *src = dget(c, "src");
    if (src) {
        bool v4 =
            src->type == WD_JV_STR && memchr(src->u.s.p, '.', src->u.s.len) && moz_ipv4(src->u.s);
        bool v6 = !v4 && text_is(src, AF_INET6);
        if (v4 || v6)
            wd_jv_push(ind, wd_jv_str(c->a, src->u.s.p, src->u.s.len));
        if (v4) {
            put(c, c->det, "sourceipaddress", wd_jv_str(c->a, src->u.s.p, src->u.s.len));
            put(c, c->det, "sourceipv4address", wd_jv_str(c->a, src->u.s.p, src->u.s.len));
        } else if (v6) {
            put(c, c->det, "sourceipv6address", wd_jv_str(c->a, src->u.s.p, src->u.s.len));
        }
        del(c, "src");
    }
    struct wd_buf *t = c->tmp;
    struct wd_buf out;
    wd_buf_init(&out, 0);
    struct wd_str s = text(c, dget(c, "note"));
    wd_buf_append(&out, s.p, s.len);
    wd_buf_append(&out, " source ", 8);
    struct wd_jv *sv = dget(c, "sourceipv6address");
    if (!sv)
        sv = dget(c, "sourceipv4address");
    s = sv ? text(c, sv) : WD_STR("unknown");
    wd_buf_append(&out, s.p, s.len);
    wd_buf_append(&out, " destination ", 13);
    struct wd_jv *dst = wd_jv_del(c->det, WD_STR("dst"));
    if (dst) {
        s = text(c, dst);
        wd_buf_append(&out, s.p, s.len);
        bool v4 =
            dst->type == WD_JV_STR && memchr(dst->u.s.p, '.', dst->u.s.len) && moz_ipv4(dst->u.s);
        if (v4) {
            put(c, c->det, "destinationipaddress", wd_jv_str(c->a, s.p, s.len));
            put(c, c->det, "destinationipv4address", wd_jv_str(c->a, s.p, s.len));
        } else if (text_is(dst, AF_INET6)) {
            put(c, c->det, "destinationipv6address", wd_jv_str(c->a, s.p, s.len));
        }
    } else {
        wd_buf_append(&out, "unknown", 7);
    }
    wd_buf_append(&out, " port ", 6);
    struct wd_jv *pp = dget(c, "p");
    s = pp ? text(c, pp) : WD_STR("unknown");
    wd_buf_append(&out, s.p, s.len);
    summary(c, str_copy(c, out.len ? out.p : "", out.len));
    wd_buf_fini(&out);
    WD_UNUSED(t);
}

#define SRC_DST "{sourceipaddress} -> {destinationipaddress}:{destinationport}"

struct logrule {
    const char *log;
    void (*fix)(struct zctx *c);
    const char *summary;         /* NULL: the fix-up writes it (or none) */
    const char *const *defaults; /* pairs of (field, default text), NULL-terminated */
};

static const char *const d_dns[] = {"qtype_name", "unknown", "query", "", "rcode_name", "", NULL};
static const char *const d_ftp[] = {"command", "", "user", "", NULL};
static const char *const d_pe[] = {"os", "", "subsystem", "", NULL};
static const char *const d_tunnel[] = {"tunnel_type", "", "action", "", NULL};
static const char *const d_certs[] = {"serial", "0", NULL};
static const char *const d_devices[] = {"mac", "", "dhcp_host_name", "", NULL};
static const char *const d_hosts[] = {"host", "", NULL};
static const char *const d_rdp[] = {"cookie", "unknown", NULL};
static const char *const d_sip[] = {"status_msg", "unknown", "uri", "unknown",
                                    "method",     "unknown", NULL};
static const char *const d_socks[] = {"version", "0", "status", "unknown", NULL};
static const char *const d_dce[] = {"endpoint", "unknown", "operation", "unknown", NULL};
static const char *const d_smbmap[] = {"share_type", "", "path", "", NULL};

static const struct logrule rules[] = {
    {"conn", fix_conn,
     "{sourceipaddress}:{sourceport} -> {destinationipaddress}:{destinationport} {history} "
     "{originipbytes} bytes / {responseipbytes} bytes",
     NULL},
    {"files", fix_files,
     "{rx_hosts[0]} downloaded (MD5) {md5} MIME {mime_type} ({total_bytes} bytes) from "
     "{tx_hosts[0]} via {filesource}",
     NULL},
    {"dns", NULL,
     "DNS {qtype_name} type query {sourceipaddress} -> {destinationipaddress}:{destinationport}",
     d_dns},
    {"http", fix_http, "HTTP {method} " SRC_DST, NULL},
    {"ssl", fix_ssl, "SSL: " SRC_DST, NULL},
    {"dhcp", fix_dhcp, "{assigned_addr} assigned to {mac}", NULL},
    {"ftp", NULL, "FTP: " SRC_DST, d_ftp},
    {"pe", NULL, "PE file: {os} {subsystem}", d_pe},
    {"smtp", NULL, "SMTP: " SRC_DST, NULL},
    {"ssh", NULL, "SSH: " SRC_DST, NULL},
    {"tunnel", NULL, SRC_DST " {tunnel_type} {action}", d_tunnel},
    {"intel", fix_intel, "Bro intel match of {seenindicatortype} in {seenwhere}", NULL},
    {"known_certs", NULL, "Certificate X509 seen from: {host}:{port_num}", d_certs},
    {"known_devices", NULL, "New host: {mac}", d_devices},
    {"known_hosts", NULL, "New host: {host}", d_hosts},
    {"known_services", fix_known_services,
     "New service: {service[0]} on host {host}:{port_num} / {port_proto}", NULL},
    {"notice", notice, NULL, NULL},
    {"rdp", NULL, "RDP: " SRC_DST, d_rdp},
    {"sip", NULL, "SIP: " SRC_DST " method {method} status {status_msg}", d_sip},
    {"software", fix_software, "Found {software_type} software on {host}", NULL},
    {"socks", NULL, "SOCKSv{version}: " SRC_DST " status {status}", d_socks},
    {"dce_rpc", NULL, "DCERPC: " SRC_DST, d_dce},
    {"kerberos", fix_kerberos, SRC_DST " request {request_type}", NULL},
    {"ntlm", fix_ntlm, "NTLM: " SRC_DST " ", NULL},
    {"smb_files", fix_smb_files, "SMB file: " SRC_DST " {action}", NULL},
    {"smb_mapping", NULL, "SMB mapping: " SRC_DST " {share_type}", d_smbmap},
    {"snmp", fix_snmp,
     "SNMPv{version}: " SRC_DST
     " ({getreqestssum} get / {set_requests} set requests {get_responses} get responses)",
     NULL},
    {"x509", fix_x509, "X509 certificate seen", NULL},
};

/* The summary suffixes that depend on presence (ssh, kerberos, ntlm) and smtp's rename. */
static void after_summary(struct zctx *c, const char *log)
{
    struct wd_jv *v;
    if (!strcmp(log, "ssh") && (v = dget(c, "auth_success"))) {
        summary_add(c, " success ");
        struct wd_str s = text(c, v);
        char *z = wd_arena_strndup(c->a, s.p, s.len);
        if (z)
            summary_add(c, z);
    } else if (!strcmp(log, "smtp")) {
        rename_(c, "tls", "tls_encrypted");
    }
}

static void ipfixup(struct zctx *c, const char *field, const char *v4, const char *v6,
                    const char *other, const char *msg)
{
    struct wd_jv *v = dget(c, field);
    if (!v)
        return;
    if (text_is(v, AF_INET)) {
        put(c, c->det, v4, wd_jv_str(c->a, v->u.s.p, v->u.s.len));
    } else if (text_is(v, AF_INET6)) {
        put(c, c->det, v6, wd_jv_str(c->a, v->u.s.p, v->u.s.len));
        put(c, c->det, field, str_lit(c, "0.0.0.0"));
        if (!c->errors) {
            c->errors = wd_jv_new(c->a, WD_JV_ARR);
            c->oom |= !c->errors;
        }
        if (c->errors)
            wd_jv_push(c->errors, str_lit(c, msg));
    } else {
        struct wd_jv *x = wd_jv_del(c->det, S_(field));
        put(c, c->det, other, x);
        put(c, c->det, field, wd_jv_new(c->a, WD_JV_NULL));
    }
}

/* ---- times ---- */

static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* YYYY-MM-DDTHH:MM:SS.ffffffZ (27 bytes) to microseconds. */
static bool iso_us(struct wd_str s, int64_t *us)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (s.len != 27)
        return false;
    for (size_t i = 0; i < 27; i++)
        if (shape[i] == 'd' ? (s.p[i] < '0' || s.p[i] > '9') : s.p[i] != shape[i])
            return false;
    struct wd_civil cv;
    memset(&cv, 0, sizeof(cv));
    cv.year = digits(s.p, 4);
    cv.month = digits(s.p + 5, 2);
    cv.day = digits(s.p + 8, 2);
    cv.hour = digits(s.p + 11, 2);
    cv.minute = digits(s.p + 14, 2);
    cv.second = digits(s.p + 17, 2);
    int64_t frac = 0;
    frac = digits(s.p + 20, 6);
    cv.usec = (int)frac;
    *us = wd_time_from_civil(&cv);
    return true;
}

/* A number node with the six-decimal literal of us. */
static struct wd_jv *secs_node(struct wd_arena *a, int64_t us)
{
    char tmp[40];
    int64_t s = us / 1000000, f = us % 1000000;
    if (f < 0)
        s -= 1, f += 1000000;
    int n;
    if (s < 0 && f)
        n = snprintf(tmp, sizeof(tmp), "-%lld.%06lld", (long long)(-(s + 1)),
                     (long long)(1000000 - f));
    else
        n = snprintf(tmp, sizeof(tmp), "%lld.%06lld", (long long)s, (long long)f);
    struct wd_jv *v = wd_jv_float(a, (double)us / 1e6);
    char *p = v ? wd_arena_strndup(a, tmp, (size_t)n) : NULL;
    if (!p)
        return NULL;
    v->raw = (struct wd_str){p, (size_t)n};
    return v;
}

static int canon(struct wd_arena *a, struct wd_jv *v, bool top)
{
    for (struct wd_jv *m = v->u.kids.head; m; m = m->next) {
        int64_t us;
        struct wd_jv *n = NULL;
        if (m->type == WD_JV_STR && iso_us(m->u.s, &us)) {
            n = secs_node(a, us);
        } else if (m->type == WD_JV_ARR) {
            if (canon(a, m, false))
                return WD_ENOMEM;
        } else if (top && m->type == WD_JV_INT &&
                   (wd_str_eq(m->key, "ts") || wd_str_eq(m->key, "_write_ts")) &&
                   (m->u.i > INT64_C(100000000000) || m->u.i < INT64_C(-100000000000)) &&
                   m->u.i < INT64_C(1000000000000000) && m->u.i > INT64_C(-1000000000000000)) {
            n = secs_node(a, m->u.i * 1000); /* TS_MILLIS */
        }
        if (n) {
            n->key = m->key;
            n->next = m->next;
            *m = *n;
        }
        if (n == NULL && m->type == WD_JV_STR && iso_us(m->u.s, &us))
            return WD_ENOMEM;
    }
    return WD_OK;
}

int wd_zeek_canon_times(struct wd_arena *a, struct wd_jv *rec)
{
    return rec && rec->type == WD_JV_OBJ ? canon(a, rec, true) : WD_OK;
}

static int64_t time_of(const struct wd_jv *v, const struct wd_norm_opts *o, bool *ok)
{
    int64_t us;
    *ok = false;
    if (!v)
        return 0;
    if ((v->type == WD_JV_FLOAT || v->type == WD_JV_INT) && v->raw.len &&
        wd_zeek_time_us(v->raw.p, v->raw.len, &us) && us > 0) {
        *ok = true;
        return us;
    }
    if (wd_time_from_jv(v, o->naive_tz, o->now_us, &us) == WD_OK) {
        *ok = true;
        return us;
    }
    return 0;
}

int wd_zeek_norm(struct wd_arena *a, const struct wd_norm_opts *o, struct wd_str log,
                 struct wd_str sensor, struct wd_jv *rec, struct wd_buf *scratch,
                 struct wd_jv **out, struct wd_zeek_info *info)
{
    *out = NULL;
    struct zctx c = {.a = a, .o = o, .det = rec, .tmp = scratch};
    c.ev = wd_jv_new(a, WD_JV_OBJ);
    if (!c.ev)
        return WD_ENOMEM;
    char lname[64];
    size_t ln = WD_MIN(log.len, sizeof(lname) - 1);
    memcpy(lname, log.p, ln);
    lname[ln] = '\0';
    wd_jv_del(rec, WD_STR("_path"));

    bool ok;
    int64_t ev_us = time_of(wd_jv_get(rec, "ts"), o, &ok);
    if (!ok) {
        if (wd_jv_get(rec, "ts"))
            note(&c, "unparsable", "ts");
        ev_us = o->now_us;
    }
    int64_t wr_us = time_of(wd_jv_get(rec, "_write_ts"), o, &ok);
    if (info) {
        info->event_us = ev_us;
        info->write_us = ok ? wr_us : INT64_MIN;
    }
    char iso[WD_TIME_ISO_MAX];
    size_t isolen = wd_time_iso(ev_us, iso);
    add(&c, c.ev, "utctimestamp", str_copy(&c, iso, isolen));
    add(&c, c.ev, "timestamp", str_copy(&c, iso, isolen));
    isolen = wd_time_iso(o->now_us, iso);
    add(&c, c.ev, "receivedtimestamp", str_copy(&c, iso, isolen));
    add(&c, c.ev, "mozdefhostname",
        wd_jv_str(a, o->mozdefhostname ? o->mozdefhostname : "",
                  o->mozdefhostname
                      ? (o->mozdefhostname_len ? o->mozdefhostname_len : strlen(o->mozdefhostname))
                      : 0));
    add(&c, c.ev, "customendpoint", str_lit(&c, "bro"));
    add(&c, c.ev, "category", str_lit(&c, "bro"));
    add(&c, c.ev, "source", str_copy(&c, log.p, log.len));
    add(&c, c.ev, "eventsource", str_lit(&c, "nsm"));
    add(&c, c.ev, "severity", str_lit(&c, "INFO"));
    if (sensor.len)
        add(&c, c.ev, "hostname", str_copy(&c, sensor.p, sensor.len));
    add(&c, c.ev, "type", str_lit(&c, "nsm"));

    common_fixups(&c);

    for (size_t i = 0; i < WD_ARRAY_LEN(rules); i++) {
        const struct logrule *r = &rules[i];
        if (strcmp(r->log, lname) != 0)
            continue;
        for (const char *const *d = r->defaults; d && *d; d += 2)
            dflt_str(&c, d[0], d[1]);
        if (r->fix)
            r->fix(&c);
        if (r->summary)
            summary(&c, render(&c, r->summary));
        after_summary(&c, lname);
        break;
    }
    if (!strcmp(lname, "kerberos") || !strcmp(lname, "ntlm")) {
        struct wd_jv *s = dget(&c, "success");
        summary_add(&c, lname[0] == 'k' ? " success " : "success ");
        if (s) {
            struct wd_str t = text(&c, s);
            char *z = wd_arena_strndup(a, t.p, t.len);
            if (z)
                summary_add(&c, z);
        } else {
            summary_add(&c, "unknown");
        }
        if (lname[0] == 'n') {
            summary_add(&c, " status ");
            struct wd_str t = text(&c, dget(&c, "status"));
            char *z = wd_arena_strndup(a, t.p, t.len);
            if (z)
                summary_add(&c, z);
        }
    }
    /* ipFixup (c.7, priority 15) runs next on every event with these keys. */
    ipfixup(&c, "sourceipaddress", "sourceipv4address", "sourceipv6address", "source",
            "plugin: ipFixUp.py error: sourceipaddress is ipv6, moved");
    ipfixup(&c, "destinationipaddress", "destinationipv4address", "destinationipv6address",
            "destination", "plugin: ipFixUp.py error: destinationipaddress is ipv6, moved");

    add(&c, c.ev, "details", rec);
    struct wd_jv *moz = wd_jv_new(a, WD_JV_OBJ), *plugins = wd_jv_new(a, WD_JV_ARR);
    if (!moz || !plugins)
        return WD_ENOMEM;
    wd_jv_push(plugins, str_lit(&c, "broFixup"));
    wd_jv_push(plugins, str_lit(&c, "ipFixup"));
    wd_jv_add(moz, WD_STR("plugins"), plugins);
    add(&c, c.ev, "mozdef", moz);
    if (c.errors)
        add(&c, c.ev, "errors", c.errors);
    if (c.oom || wd_norm_defaults(a, o, c.ev) != WD_OK)
        return WD_ENOMEM;
    if (info)
        info->errors = c.nerr;
    *out = c.ev;
    return WD_OK;
}
