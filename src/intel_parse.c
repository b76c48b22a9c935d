/*
 * intel_parse.c: the threat-intel feed parsers (intel.h): plain indicator lists, Spamhaus
 * DROP (`CIDR ; SBLnnn` lines and the newer JSON-lines form), and MISP feed JSON (an event
 * file, a list of events, or a manifest), plus the normalization of one indicator.
 * Pure functions over (text, len): no I/O, no logging.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel.h"
#include "json.h"
#include "jv.h"
#include "lists.h"
#include "mem.h"

static const char *const type_names[] = {"ip",     "domain", "url",  "md5", "sha1",
                                         "sha256", "auto",   "hash", NULL};

int wd_intel_type_parse(const char *s)
{
    for (int i = 0; type_names[i]; i++)
        if (strcasecmp(s, type_names[i]) == 0)
            return i;
    return -1;
}

const char *wd_intel_type_name(int type)
{
    return type >= 0 && type <= WD_INTEL_HASH ? type_names[type] : "?";
}

int wd_intel_format_parse(const char *s)
{
    if (strcasecmp(s, "plain") == 0)
        return WD_INTEL_PLAIN;
    if (strcasecmp(s, "spamhaus") == 0)
        return WD_INTEL_SPAMHAUS;
    if (strcasecmp(s, "misp") == 0)
        return WD_INTEL_MISP;
    return -1;
}

void wd_intel_list_free(struct wd_intel_list *l)
{
    free(l->v);
    free(l->pool);
    memset(l, 0, sizeof(*l));
}

static struct wd_str trim(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return (struct wd_str){p, n};
}

static bool is_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)p[i]))
            return false;
    return true;
}

static bool domain_ok(const char *p, size_t n)
{
    if (!n || n > 253 || p[0] == '.' || p[n - 1] == '.' || p[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.' && i + 1 < n && p[i + 1] == '.')
            return false;
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c >= 0x80))
            return false;
    }
    return true;
}

static int guess(const char *p, size_t n)
{
    uint8_t a[16];
    int bits;
    if (wd_cidr_parse(p, n, a, &bits))
        return WD_INTEL_IP;
    if (n > 3 && memmem(p, n, "://", 3))
        return WD_INTEL_URL;
    if ((n == 32 || n == 40 || n == 64) && is_hex(p, n))
        return WD_INTEL_HASH;
    if (n > 2 && p[0] == '*' && p[1] == '.')
        p += 2, n -= 2;
    if (n > 1 && p[n - 1] == '.')
        n--;
    if (memchr(p, '.', n) && domain_ok(p, n))
        return WD_INTEL_DOMAIN;
    return -1;
}

bool wd_intel_norm(int type, const char *p, size_t len, char *buf, size_t cap, uint8_t addr[16],
                   uint8_t *bits)
{
    struct wd_str s = trim(p, len);
    p = s.p;
    len = s.len;
    if (!len || len >= cap || memchr(p, '\0', len))
        return false;
    if (type == WD_INTEL_AUTO)
        type = guess(p, len);
    if (type == WD_INTEL_HASH)
        type = len == 32 ? WD_INTEL_MD5 : len == 40 ? WD_INTEL_SHA1 : WD_INTEL_SHA256;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)p[i]);
    buf[len] = '\0';
    switch (type) {
    case WD_INTEL_IP: {
        int b;
        if (!wd_cidr_parse(p, len, addr, &b))
            return false;
        *bits = (uint8_t)b;
        return true;
    }
    case WD_INTEL_DOMAIN:
        if (len > 2 && buf[0] == '*' && buf[1] == '.') { /* a wildcard: the domain itself */
            memmove(buf, buf + 2, len - 1);
            len -= 2;
        }
        if (len > 1 && buf[len - 1] == '.')
            buf[--len] = '\0';
        return domain_ok(buf, len);
    case WD_INTEL_URL: {
        const char *sep = strstr(buf, "://");
        if (!sep || sep == buf)
            return false;
        for (const char *c = buf; c < sep; c++)
            if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
                return false;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
                return false;
        size_t host = (size_t)(sep + 3 - buf);
        size_t hend = host + strcspn(buf + host, "/?#");
        if (hend == host)
            return false;
        /* the path, query keep their case: copy them back from the input */
        memcpy(buf + hend, p + hend, len - hend);
        char *frag = memchr(buf + hend, '#', len - hend);
        if (frag) {
            len = (size_t)(frag - buf);
            buf[len] = '\0';
        }
        if (hend == len) { /* no path: "/" */
            if (len + 1 >= cap)
                return false;
            buf[len++] = '/';
            buf[len] = '\0';
        }
        return true;
    }
    case WD_INTEL_MD5:
        return len == 32 && is_hex(buf, len);
    case WD_INTEL_SHA1:
        return len == 40 && is_hex(buf, len);
    case WD_INTEL_SHA256:
        return len == 64 && is_hex(buf, len);
    default:
        return false;
    }
}

/* The type wd_intel_norm settled on for buf (AUTO and HASH resolved). */
static int final_type(int type, const char *buf)
{
    if (type == WD_INTEL_AUTO)
        type = guess(buf, strlen(buf));
    if (type == WD_INTEL_HASH) {
        size_t n = strlen(buf);
        type = n == 32 ? WD_INTEL_MD5 : n == 40 ? WD_INTEL_SHA1 : WD_INTEL_SHA256;
    }
    return type;
}

static int add(struct wd_intel_list *l, int type, const char *p, size_t len, bool *ok)
{
    char buf[2048];
    uint8_t a[16] = {0}, bits = 0;
    *ok = wd_intel_norm(type, p, len, buf, sizeof(buf), a, &bits);
    if (!*ok)
        return WD_OK;
    type = final_type(type, buf);
    size_t n = strlen(buf);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        void *v = realloc(l->v, cap * sizeof(*l->v));
        if (!v)
            return WD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (l->plen + n + 1 > l->pcap) {
        size_t cap = l->pcap ? l->pcap * 2 : 4096;
        while (cap < l->plen + n + 1)
            cap *= 2;
        void *q = realloc(l->pool, cap);
        if (!q)
            return WD_ENOMEM;
        l->pool = q;
        l->pcap = cap;
    }
    memcpy(l->pool + l->plen, buf, n + 1);
    struct wd_intel_ind *d = &l->v[l->n++];
    d->type = (uint8_t)type;
    d->bits = bits;
    memcpy(d->addr, a, 16);
    d->off = (uint32_t)l->plen;
    d->len = (uint32_t)n;
    l->plen += n + 1;
    return WD_OK;
}

/* Plain lists and Spamhaus DROP: one indicator per line. */
static int parse_lines(const char *text, size_t len, int format, int type,
                       struct wd_intel_list *out, wd_intel_err_cb err, void *ud, size_t *bad)
{
    size_t line = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        struct wd_str l = trim(text + off, end - off);
        off = end + 1;
        if (!l.len || l.p[0] == '#' || (format == WD_INTEL_SPAMHAUS && l.p[0] == ';'))
            continue;
        struct wd_str tok;
        int t = type;
        if (format == WD_INTEL_SPAMHAUS) {
            t = WD_INTEL_IP;
            if (l.p[0] == '{') { /* drop_v4.json: {"cidr":"1.10.16.0/20","sblid":...} */
                const char *c = memmem(l.p, l.len, "\"cidr\":\"", 8);
                if (!c)
                    continue; /* the metadata line */
                c += 8;
                const char *q = memchr(c, '"', (size_t)(l.p + l.len - c));
                if (!q) {
                    if (err)
                        err(ud, line, "unterminated cidr value");
                    ++*bad;
                    continue;
                }
                tok = (struct wd_str){c, (size_t)(q - c)};
            } else {
                const char *semi = memchr(l.p, ';', l.len);
                tok = trim(l.p, semi ? (size_t)(semi - l.p) : l.len);
            }
        } else {
            size_t n = 0;
            while (n < l.len && !isspace((unsigned char)l.p[n]))
                n++;
            tok = (struct wd_str){l.p, n};
        }
        bool ok;
        int rc = add(out, t, tok.p, tok.len, &ok);
        if (rc)
            return rc;
        if (!ok) {
            if (err) {
                char msg[96];
                snprintf(msg, sizeof(msg), "not a valid %s indicator",
                         format == WD_INTEL_SPAMHAUS ? "CIDR" : wd_intel_type_name(type));
                err(ud, line, msg);
            }
            ++*bad;
        }
    }
    return WD_OK;
}

/* ---- MISP ---- */

static struct wd_str jstr(const struct wd_jv *o, const char *key)
{
    const struct wd_jv *v = o && o->type == WD_JV_OBJ ? wd_jv_get(o, key) : NULL;
    return v && v->type == WD_JV_STR ? v->u.s : (struct wd_str){NULL, 0};
}

static bool streq(struct wd_str s, const char *lit)
{
    return s.p && s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

struct misp {
    struct wd_intel_list *out;
    wd_intel_err_cb err;
    void *ud;
    size_t *bad, nattr;
};

static int misp_value(struct misp *m, int type, struct wd_str v, struct wd_str tname)
{
    bool ok;
    int rc = add(m->out, type, v.p, v.len, &ok);
    if (rc == WD_OK && !ok) {
        if (m->err) {
            char msg[160];
            snprintf(msg, sizeof(msg), "attribute %zu (%.*s): not a valid value", m->nattr,
                     (int)(tname.len > 40 ? 40 : tname.len), tname.p);
            m->err(m->ud, 0, msg);
        }
        ++*m->bad;
    }
    return rc;
}

static int misp_attr(struct misp *m, const struct wd_jv *at)
{
    m->nattr++;
    struct wd_str t = jstr(at, "type"), v = jstr(at, "value");
    if (!t.p || !v.p)
        return WD_OK;
    static const struct {
        const char *name;
        int type;
        int part; /* 0 = whole value, 1 = before '|', 2 = after '|', 3 = both (domain|ip) */
    } map[] = {
        {"ip-src", WD_INTEL_IP, 0},
        {"ip-dst", WD_INTEL_IP, 0},
        {"ip-src|port", WD_INTEL_IP, 1},
        {"ip-dst|port", WD_INTEL_IP, 1},
        {"domain", WD_INTEL_DOMAIN, 0},
        {"hostname", WD_INTEL_DOMAIN, 0},
        {"hostname|port", WD_INTEL_DOMAIN, 1},
        {"domain|ip", WD_INTEL_DOMAIN, 3},
        {"url", WD_INTEL_URL, 0},
        {"md5", WD_INTEL_MD5, 0},
        {"sha1", WD_INTEL_SHA1, 0},
        {"sha256", WD_INTEL_SHA256, 0},
        {"filename|md5", WD_INTEL_MD5, 2},
        {"filename|sha1", WD_INTEL_SHA1, 2},
        {"filename|sha256", WD_INTEL_SHA256, 2},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (!streq(t, map[i].name))
            continue;
        if (!map[i].part)
            return misp_value(m, map[i].type, v, t);
        const char *bar = memchr(v.p, '|', v.len);
        struct wd_str a = {v.p, bar ? (size_t)(bar - v.p) : v.len};
        struct wd_str b = {bar ? bar + 1 : v.p + v.len, bar ? v.len - a.len - 1 : 0};
        if (map[i].part == 1)
            return misp_value(m, map[i].type, a, t);
        if (map[i].part == 2)
            return misp_value(m, map[i].type, b, t);
        int rc = misp_value(m, WD_INTEL_DOMAIN, a, t);
        return rc ? rc : misp_value(m, WD_INTEL_IP, b, t);
    }
    return WD_OK; /* a type without a matcher (email, filename, text, ...) */
}

static int misp_attrs(struct misp *m, const struct wd_jv *list)
{
    if (!list || list->type != WD_JV_ARR)
        return WD_OK;
    for (const struct wd_jv *at = list->u.kids.head; at; at = at->next) {
        int rc = misp_attr(m, at);
        if (rc)
            return rc;
    }
    return WD_OK;
}

static int misp_event(struct misp *m, const struct wd_jv *ev)
{
    int rc = misp_attrs(m, wd_jv_get(ev, "Attribute"));
    const struct wd_jv *objs = wd_jv_get(ev, "Object");
    if (rc == WD_OK && objs && objs->type == WD_JV_ARR)
        for (const struct wd_jv *o = objs->u.kids.head; o && rc == WD_OK; o = o->next)
            if (o->type == WD_JV_OBJ)
                rc = misp_attrs(m, wd_jv_get(o, "Attribute"));
    return rc;
}

static size_t line_of(const char *text, size_t len, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        line += text[i] == '\n';
    return line;
}

/* A manifest: every member an object with "info" (MISP writes uuid -> event summary). */
static bool is_manifest(const struct wd_jv *root)
{
    if (root->type != WD_JV_OBJ || !root->count)
        return false;
    for (const struct wd_jv *k = root->u.kids.head; k; k = k->next)
        if (k->type != WD_JV_OBJ || !wd_jv_get(k, "info") ||
            (k->key.len == 5 && !memcmp(k->key.p, "Event", 5)))
            return false;
    return true;
}

static int parse_json(const char *text, size_t len, struct wd_arena *a, struct wd_jv **root,
                      wd_intel_err_cb err, void *ud)
{
    struct wd_perr pe = {0, 0, NULL};
    int rc = wd_json_parse(text, len, len, 64, a, root, &pe);
    if (rc == WD_ENOMEM)
        return rc;
    if (rc) {
        if (err) {
            char msg[160];
            snprintf(msg, sizeof(msg), "not JSON: %s", pe.msg ? pe.msg : wd_strerror(rc));
            err(ud, line_of(text, len, pe.off), msg);
        }
        return WD_EPARSE;
    }
    return WD_OK;
}

static int parse_misp(const char *text, size_t len, struct wd_intel_list *out, wd_intel_err_cb err,
                      void *ud, size_t *bad)
{
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, (size_t)1 << 31);
    struct wd_jv *root = NULL;
    int rc = parse_json(text, len, &a, &root, err, ud);
    if (rc == WD_EPARSE)
        ++*bad;
    struct misp m = {out, err, ud, bad, 0};
    if (rc == WD_OK) {
        const struct wd_jv *ev = root->type == WD_JV_OBJ ? wd_jv_get(root, "Event") : NULL;
        const struct wd_jv *list = root->type == WD_JV_ARR   ? root
                                   : root->type == WD_JV_OBJ ? wd_jv_get(root, "response")
                                                             : NULL;
        if (ev && ev->type == WD_JV_OBJ) {
            rc = misp_event(&m, ev);
        } else if (list && list->type == WD_JV_ARR) { /* [{"Event": ...}, ...] */
            for (const struct wd_jv *it = list->u.kids.head; it && rc == WD_OK; it = it->next) {
                const struct wd_jv *e = it->type == WD_JV_OBJ ? wd_jv_get(it, "Event") : NULL;
                if (e && e->type == WD_JV_OBJ)
                    rc = misp_event(&m, e);
            }
        } else if (!is_manifest(root)) {
            if (err)
                err(ud, 1, "not a MISP event (no \"Event\" object) nor a feed manifest");
            ++*bad;
            rc = WD_EPARSE;
        }
    }
    wd_arena_fini(&a);
    return rc;
}

int wd_intel_misp_events(const char *text, size_t len, void (*fn)(void *ud, const char *uuid),
                         void *ud)
{
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, (size_t)1 << 31);
    struct wd_jv *root = NULL;
    int rc = parse_json(text, len, &a, &root, NULL, NULL);
    if (rc == WD_OK && !is_manifest(root))
        rc = WD_EPARSE;
    if (rc == WD_OK)
        for (const struct wd_jv *k = root->u.kids.head; k; k = k->next) {
            char id[64];
            bool ok = k->key.len && k->key.len < sizeof(id);
            for (size_t i = 0; ok && i < k->key.len; i++)
                ok = isxdigit((unsigned char)k->key.p[i]) || k->key.p[i] == '-';
            if (!ok)
                continue;
            memcpy(id, k->key.p, k->key.len);
            id[k->key.len] = '\0';
            fn(ud, id);
        }
    wd_arena_fini(&a);
    return rc;
}

int wd_intel_parse(const char *text, size_t len, int format, int type, struct wd_intel_list *out,
                   wd_intel_err_cb err, void *ud, size_t *bad)
{
    size_t nb = 0;
    int rc;
    if (format == WD_INTEL_MISP)
        rc = parse_misp(text, len, out, err, ud, &nb);
    else
        rc = parse_lines(text, len, format, type, out, err, ud, &nb);
    if (bad)
        *bad = nb;
    return rc;
}
