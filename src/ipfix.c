/*
 * ipfix.c: spec c.7 (ipfix.h). "IPv4" is the C inet_aton rule (short, hex and octal forms;
 * anything after whitespace ignored), "IPv6" inet_pton's RFC 4291 text.
 */
#include "ipfix.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "jv.h"
#include "mem.h"
#include "ward.h"

static const char *const regs[] = {"sourceipaddress", "destinationipaddress", "src", "dst", "srcip",
                                   "dstip",           "http_x_forwarded_for"};

static bool is_reg(struct wd_str s)
{
    if (s.len < 3 || s.len > 20)
        return false;
    for (size_t i = 0; i < WD_ARRAY_LEN(regs); i++)
        if (strlen(regs[i]) == s.len && !strncasecmp(regs[i], s.p, s.len))
            return true;
    return false;
}

static bool has_token(const struct wd_jv *v, int depth)
{
    if (v->type == WD_JV_STR)
        return is_reg(v->u.s);
    if ((v->type != WD_JV_OBJ && v->type != WD_JV_ARR) || depth > 64)
        return false;
    for (const struct wd_jv *k = v->u.kids.head; k; k = k->next)
        if ((v->type == WD_JV_OBJ && is_reg(k->key)) || has_token(k, depth + 1))
            return true;
    return false;
}

static bool addr_is(struct wd_str s, int af)
{
    char tmp[128];
    unsigned char buf[16];
    if (!s.len || s.len >= sizeof(tmp) || memchr(s.p, 0, s.len))
        return false;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    if (af == AF_INET) {
        struct in_addr ia;
        return inet_aton(tmp, &ia) != 0;
    }
    return inet_pton(AF_INET6, tmp, buf) == 1;
}

static bool text_is(const struct wd_jv *v, int af)
{
    return v && v->type == WD_JV_STR && addr_is(v->u.s, af);
}

static struct wd_jv *lit(struct wd_arena *a, const char *s)
{
    return wd_jv_str(a, s, strlen(s));
}

#define KEY(s) ((struct wd_str){(s), strlen(s)})

/* Sets d[key] = a copy of the node v (a fresh node: v stays where it is). */
static int put_copy(struct wd_arena *a, struct wd_jv *d, const char *key, const struct wd_jv *v)
{
    struct wd_jv *c = wd_jv_str(a, v->u.s.p, v->u.s.len);
    if (!c)
        return WD_ENOMEM;
    wd_jv_set(d, KEY(key), c);
    return WD_OK;
}

static int split(struct wd_arena *a, struct wd_jv *ev, struct wd_jv *d, const char *field,
                 const char *v4, const char *v6, const char *other, const char *msg)
{
    struct wd_jv *v = wd_jv_get(d, field);
    if (!v)
        return WD_OK;
    if (text_is(v, AF_INET6)) { /* tested first: "::1" is not inet_aton text anyway */
        if (put_copy(a, d, v6, v))
            return WD_ENOMEM;
        struct wd_jv *z = lit(a, "0.0.0.0");
        if (!z)
            return WD_ENOMEM;
        wd_jv_set(d, KEY(field), z);
        struct wd_jv *errs = wd_jv_get(ev, "errors");
        if (!errs) {
            if (!(errs = wd_jv_new(a, WD_JV_ARR)))
                return WD_ENOMEM;
            wd_jv_add(ev, WD_STR("errors"), errs);
        }
        if (errs->type == WD_JV_ARR) {
            struct wd_jv *m = lit(a, msg);
            if (!m)
                return WD_ENOMEM;
            wd_jv_push(errs, m);
        }
    } else if (text_is(v, AF_INET)) {
        return put_copy(a, d, v4, v);
    } else {
        /* the value moves to `other`; the field keeps its place, now null (Python dict) */
        struct wd_jv *x = wd_arena_alloc(a, sizeof(*x)), *n = wd_jv_new(a, WD_JV_NULL);
        if (!x || !n)
            return WD_ENOMEM;
        *x = *v;
        x->next = NULL;
        wd_jv_set(d, KEY(field), n);
        wd_jv_set(d, KEY(other), x);
    }
    return WD_OK;
}

/* Step 4-6: alias fields overwrite the canonical ones. */
static int alias(struct wd_arena *a, struct wd_jv *d, const char *from, const char *addr,
                 const char *v4, const char *v6)
{
    struct wd_jv *v = wd_jv_get(d, from);
    if (text_is(v, AF_INET)) {
        if (put_copy(a, d, addr, v) || (v4 && put_copy(a, d, v4, v)))
            return WD_ENOMEM;
    } else if (text_is(v, AF_INET6)) {
        return put_copy(a, d, v6, v);
    }
    return WD_OK;
}

int wd_ipfix_event(struct wd_arena *a, struct wd_jv *ev, bool *ran)
{
    *ran = false;
    if (ev->type != WD_JV_OBJ || !has_token(ev, 0))
        return WD_OK;
    *ran = true; /* MozDef lists the plugin as run once dispatched */
    struct wd_jv *d = wd_jv_get(ev, "details");
    if (!d || d->type != WD_JV_OBJ)
        return WD_OK;
    struct wd_jv *x = wd_jv_get(d, "http_x_forwarded_for");
    if (x && x->type == WD_JV_STR) {
        const char *c = memchr(x->u.s.p, ',', x->u.s.len);
        struct wd_str first = {x->u.s.p, c ? (size_t)(c - x->u.s.p) : x->u.s.len};
        struct wd_jv *f = wd_jv_str(a, first.p, first.len);
        if (!f)
            return WD_ENOMEM;
        if (addr_is(first, AF_INET)) {
            if (!wd_jv_get(d, "sourceipaddress") && put_copy(a, d, "sourceipaddress", f))
                return WD_ENOMEM;
            if (!wd_jv_get(d, "sourceipv4address") && put_copy(a, d, "sourceipv4address", f))
                return WD_ENOMEM;
        } else if (addr_is(first, AF_INET6)) {
            if (!wd_jv_get(d, "sourceipv6address") && put_copy(a, d, "sourceipv6address", f))
                return WD_ENOMEM;
        }
    }
    if (split(a, ev, d, "sourceipaddress", "sourceipv4address", "sourceipv6address", "source",
              "plugin: ipFixUp.py error: sourceipaddress is ipv6, moved") ||
        split(a, ev, d, "destinationipaddress", "destinationipv4address", "destinationipv6address",
              "destination", "plugin: ipFixUp.py error: destinationipaddress is ipv6, moved") ||
        alias(a, d, "src", "sourceipaddress", "sourceipv4address", "sourceipv6address") ||
        alias(a, d, "srcip", "sourceipaddress", "sourceipv4address", "sourceipv6address") ||
        alias(a, d, "dst", "destinationipaddress", "destinationipv4address",
              "destinationipv6address") ||
        alias(a, d, "dstip", "destinationipaddress", "destinationipv4address",
              "destinationipv6address") ||
        alias(a, d, "cluster_client_ip", "sourceipaddress", NULL, "sourceipv6address"))
        return WD_ENOMEM;
    return WD_OK;
}
