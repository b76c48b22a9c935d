/*
 * norm.c: MozDef event normalization (shared/spec/mozdef-compat.md a.1 steps 1, 2 and 4,
 * a.2 key mapping, a.3 custom endpoints, a.4 defaults, a.5 failures); see norm.h.
 *
 * Invariants:
 * - The input tree is read only. Every output node is allocated in the caller's arena;
 *   string bytes are borrowed from the input (or written to the arena). The exception is
 *   opts.consume_input: a custom-endpoint event then takes over the input's members that a
 *   copy would reproduce exactly (no repeated key at any depth) instead of copying them.
 * - Objects follow Python dict semantics wherever MozDef had a dict: a repeated JSON key
 *   keeps its first position and its last value; assigning an existing key replaces its
 *   value in place (wd_jv_set-like), a new key is appended.
 * - One pass over the input keys: each key is lower-cased with '@' removed into a small
 *   stack buffer and classified by length and bytes into a bit set of a.2 rules.
 */
#include "norm.h"
#include "win_norm.h"

#include <math.h>
#include <time.h>

#include "wd_time.h"

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

#define S(lit)                                                                                     \
    {                                                                                              \
        (lit), sizeof(lit) - 1                                                                     \
    }

/* Top-level fields the mapping writes, in MozDef's first-assignment order. */
enum fld {
    F_RECEIVED,
    F_MOZDEFHOST,
    F_DETAILS,
    F_SOURCE,
    F_SUMMARY,
    F_UTCTS,
    F_TS,
    F_HOSTNAME,
    F_TAGS,
    F_SEVERITY,
    F_FACILITY,
    F_PROCESSID,
    F_PROCESSNAME,
    F_EVENTSOURCE,
    F_CATEGORY,
    F_TYPE,
    F_COUNT
};

static const struct wd_str fld_name[F_COUNT] = {
    S("receivedtimestamp"),
    S("mozdefhostname"),
    S("details"),
    S("source"),
    S("summary"),
    S("utctimestamp"),
    S("timestamp"),
    S("hostname"),
    S("tags"),
    S("severity"),
    S("facility"),
    S("processid"),
    S("processname"),
    S("eventsource"),
    S("category"),
    S("type"),
};

/* a.2 rules; one key can trigger several. */
enum {
    R_SOURCEIP = 1 << 0,  /* details.eventsourceipaddress = v */
    R_SOURCE = 1 << 1,    /* source = v */
    R_SUMMARY = 1 << 2,   /* summary = text(v) */
    R_PAYLOAD = 1 << 3,   /* summary or details.payload = text(v) */
    R_TIME = 1 << 4,      /* utctimestamp = timestamp = toUTC(v) */
    R_HOSTNAME = 1 << 5,  /* hostname = text(v) */
    R_TAGS = 1 << 6,      /* tags += v */
    R_SEVERITY = 1 << 7,  /* severity = upper(text(v)) */
    R_FACILITY = 1 << 8,  /* facility = text(v) */
    R_PID = 1 << 9,       /* processid = text(v) */
    R_PNAME = 1 << 10,    /* processname = text(v) */
    R_EVSOURCE = 1 << 11, /* eventsource = text(v) */
    R_CATEGORY = 1 << 12, /* category = text(v) */
    R_DETAILS = 1 << 13,  /* copy an object into details, else details.message = v */
    R_PREFIX = 1 << 14,   /* fields.x / details.x -> details[x] */
};

#define KEYBUF 64 /* longest key classified from the stack (longer: only R_PREFIX) */

/* An object under construction with an optional hash index (Python dict semantics). */
struct omap {
    struct wd_jv *obj;
    struct wd_jv **tab; /* NULL while obj is small */
    uint32_t mask;      /* tab size - 1 */
};

#define OMAP_LINEAR 16 /* members searched linearly before an index is built */

struct nctx {
    struct wd_arena *a;
    const struct wd_norm_opts *o;
    struct wd_jv *ev;
    struct wd_jv *slot[F_COUNT]; /* ev's member for each field, once set */
    struct omap det;             /* details */
    struct wd_jv *errs;          /* the `errors` list, linked into ev at the end */
    uint32_t nerr[WD_NORM_ERR_COUNT];
    int64_t utc_us;
    bool have_time;
    bool oom;
};

const char *wd_norm_err_name(int kind)
{
    static const char *const names[WD_NORM_ERR_COUNT] = {"timestamp", "int", "float", "tags"};
    return kind >= 0 && kind < WD_NORM_ERR_COUNT ? names[kind] : "unknown";
}

/* ---- small helpers ---- */

static uint32_t hash_key(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static bool key_is(struct wd_str k, const char *p, size_t n)
{
    return k.len == n && (n == 0 || (k.p[0] == p[0] && memcmp(k.p, p, n) == 0));
}

/* Compare of a short key with a literal of the same length. Always called with a
 * constant n, so the compiler expands the memcmp into a few word compares (a libc memcmp
 * call with a variable length dominated the key classification otherwise). */
static inline __attribute__((always_inline)) bool same(const char *a, const char *lit, size_t n)
{
    return memcmp(a, lit, n) == 0;
}

/* wd_jv_new(), inline: the copy of an event makes one per member. */
static inline struct wd_jv *node(struct nctx *c, enum wd_jv_type t)
{
    struct wd_jv *v = wd_arena_alloc(c->a, sizeof(*v));
    if (!v) {
        c->oom = true;
        return NULL;
    }
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)t;
    return v;
}

static struct wd_jv *str_node(struct nctx *c, struct wd_str s)
{
    struct wd_jv *v = node(c, WD_JV_STR);
    if (v)
        v->u.s = s;
    return v;
}

static char *arena_bytes(struct nctx *c, const char *p, size_t n)
{
    char *s = wd_arena_strndup(c->a, p, n);
    if (!s)
        c->oom = true;
    return s;
}

/* Moves the payload of src (a fresh node) into dst, keeping dst's key and position. */
static void jv_assign(struct wd_jv *dst, const struct wd_jv *src)
{
    dst->type = src->type;
    dst->is_intlit = src->is_intlit;
    dst->count = src->count;
    dst->u = src->u;
    dst->raw = src->raw;
}

/* Python truthiness of a JSON value. */
static bool truthy(const struct wd_jv *v)
{
    switch (v->type) {
    case WD_JV_TRUE:
        return true;
    case WD_JV_INT:
        return v->u.i != 0;
    case WD_JV_FLOAT:
        return v->is_intlit || v->u.f != 0.0; /* nan is truthy in Python too */
    case WD_JV_STR:
        return v->u.s.len > 0;
    case WD_JV_ARR:
    case WD_JV_OBJ:
        return v->count > 0;
    default:
        return false;
    }
}

/* ---- objects with Python dict semantics ---- */

static void om_init(struct omap *m, struct wd_jv *obj)
{
    m->obj = obj;
    m->tab = NULL;
    m->mask = 0;
}

static void om_index(struct nctx *c, struct omap *m, struct wd_jv *v)
{
    uint32_t i = hash_key(v->key.p, v->key.len) & m->mask;
    while (m->tab[i])
        i = (i + 1) & m->mask;
    m->tab[i] = v;
    WD_UNUSED(c);
}

/* (Re)builds the index with room for twice the members. */
static void om_rebuild(struct nctx *c, struct omap *m)
{
    uint32_t cap = 64;
    while (cap < 2 * m->obj->count + 2)
        cap *= 2;
    size_t bytes = cap * sizeof(struct wd_jv *); /* NOLINT(bugprone-sizeof-expression) */
    struct wd_jv **tab = wd_arena_alloc(c->a, bytes);
    if (!tab) {
        c->oom = true;
        return;
    }
    memset(tab, 0, bytes);
    m->tab = tab;
    m->mask = cap - 1;
    for (struct wd_jv *k = m->obj->u.kids.head; k; k = k->next)
        om_index(c, m, k);
}

static struct wd_jv *om_find(const struct omap *m, const char *p, size_t n)
{
    if (!m->tab) {
        for (struct wd_jv *k = m->obj->u.kids.head; k; k = k->next)
            if (key_is(k->key, p, n))
                return k;
        return NULL;
    }
    for (uint32_t i = hash_key(p, n) & m->mask; m->tab[i]; i = (i + 1) & m->mask)
        if (key_is(m->tab[i]->key, p, n))
            return m->tab[i];
    return NULL;
}

/* Sets obj[key] = v (a fresh node): replaces in place when present and `overwrite`, keeps
 * the old value when present and not `overwrite`, else appends. */
static void om_set(struct nctx *c, struct omap *m, struct wd_str key, struct wd_jv *v,
                   bool overwrite)
{
    if (!v)
        return;
    struct wd_jv *old = om_find(m, key.p, key.len);
    if (old) {
        if (overwrite)
            jv_assign(old, v);
        return;
    }
    wd_jv_add(m->obj, key, v);
    if (m->tab) {
        if (2 * m->obj->count + 2 > m->mask + 1)
            om_rebuild(c, m);
        else
            om_index(c, m, v);
    } else if (m->obj->count > OMAP_LINEAR) {
        om_rebuild(c, m);
    }
}

/* ---- copying input values ---- */

static struct wd_jv *copy_jv(struct nctx *c, const struct wd_jv *v);

/* An input object's members in Python dict order: first position, last value. */
struct ent {
    const struct wd_jv *key; /* first member with the key */
    const struct wd_jv *val; /* last member with the key */
};

#define ENT_STACK 64

/* A 6-bit signature of a key (length, first and last byte): equal keys have equal ones. */
static inline unsigned key_sig(struct wd_str k)
{
    if (!k.len)
        return 0;
    return (unsigned)(k.len * 7 + (unsigned char)k.p[0] + (unsigned char)k.p[k.len - 1] * 3) & 63;
}

static struct ent *dict_entries(struct nctx *c, const struct wd_jv *obj, struct ent *stack,
                                size_t *count)
{
    size_t n = obj->count, m = 0;
    struct ent *e = stack;
    uint32_t *tab = NULL, mask = 0;
    uint64_t seen = 0; /* key_sig() bits of the keys so far (small objects) */
    if (n > ENT_STACK) {
        e = wd_arena_alloc(c->a, n * sizeof(*e));
        if (!e) {
            c->oom = true;
            return NULL;
        }
    }
    if (n > 32) {
        uint32_t cap = 64;
        while (cap < 2 * n)
            cap *= 2;
        tab = wd_arena_alloc(c->a, cap * sizeof(*tab));
        if (!tab) {
            c->oom = true;
            return NULL;
        }
        memset(tab, 0, cap * sizeof(*tab));
        mask = cap - 1;
    }
    for (const struct wd_jv *k = obj->u.kids.head; k && m < n; k = k->next) {
        size_t found = SIZE_MAX;
        if (tab) {
            uint32_t i = hash_key(k->key.p, k->key.len) & mask;
            for (; tab[i]; i = (i + 1) & mask) {
                if (key_is(e[tab[i] - 1].key->key, k->key.p, k->key.len)) {
                    found = tab[i] - 1;
                    break;
                }
            }
            if (found == SIZE_MAX)
                tab[i] = (uint32_t)m + 1;
        } else {
            /* Repeated keys are rare: a 64-bit filter of the keys seen so far skips the
             * linear search for a key that cannot have been seen. */
            uint64_t bit = 1ULL << key_sig(k->key);
            if (seen & bit) {
                for (size_t j = 0; j < m; j++) {
                    if (key_is(e[j].key->key, k->key.p, k->key.len)) {
                        found = j;
                        break;
                    }
                }
            }
            seen |= bit;
        }
        if (found != SIZE_MAX) {
            e[found].val = k;
        } else {
            e[m].key = k;
            e[m].val = k;
            m++;
        }
    }
    *count = m;
    return e;
}

/* A copy of a scalar input value (strings borrowed). */
static inline struct wd_jv *copy_scalar(struct nctx *c, const struct wd_jv *v)
{
    struct wd_jv *n = node(c, (enum wd_jv_type)v->type);
    if (!n)
        return NULL;
    n->is_intlit = v->is_intlit;
    n->u = v->u;
    n->raw = v->raw;
    return n;
}

/* A member or element: scalars inline, containers by recursion. */
static inline struct wd_jv *copy_kid(struct nctx *c, const struct wd_jv *v)
{
    if (v->type == WD_JV_OBJ || v->type == WD_JV_ARR)
        return copy_jv(c, v);
    return copy_scalar(c, v);
}

static struct wd_jv *copy_obj(struct nctx *c, const struct wd_jv *v)
{
    struct wd_jv *o = node(c, WD_JV_OBJ);
    if (!o || v->count == 0)
        return o;
    struct ent stack[ENT_STACK];
    size_t n = 0;
    struct ent *e = dict_entries(c, v, stack, &n);
    if (!e)
        return NULL;
    for (size_t i = 0; i < n && !c->oom; i++) {
        struct wd_jv *x = copy_kid(c, e[i].val);
        if (x)
            wd_jv_add(o, e[i].key->key, x);
    }
    return c->oom ? NULL : o;
}

/* A deep copy of an input value (keys and strings borrowed). */
static struct wd_jv *copy_jv(struct nctx *c, const struct wd_jv *v)
{
    if (v->type == WD_JV_OBJ)
        return copy_obj(c, v);
    if (v->type != WD_JV_ARR)
        return copy_scalar(c, v);
    struct wd_jv *n = node(c, WD_JV_ARR);
    if (!n)
        return NULL;
    for (const struct wd_jv *k = v->u.kids.head; k && !c->oom; k = k->next) {
        struct wd_jv *x = copy_kid(c, k);
        if (x)
            wd_jv_push(n, x);
    }
    return c->oom ? NULL : n;
}

/* ---- text(v): Python str() ---- */

static struct wd_str text_of(struct nctx *c, const struct wd_jv *v)
{
    char tmp[40];
    switch (v->type) {
    case WD_JV_STR:
        return v->u.s;
    case WD_JV_NULL:
        return (struct wd_str)S("None");
    case WD_JV_TRUE:
        return (struct wd_str)S("True");
    case WD_JV_FALSE:
        return (struct wd_str)S("False");
    case WD_JV_INT: {
        /* decimal digits of the int64, written backwards */
        char *w = tmp + sizeof(tmp);
        uint64_t u = v->u.i < 0 ? 0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
        do {
            *--w = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v->u.i < 0)
            *--w = '-';
        size_t n = (size_t)(tmp + sizeof(tmp) - w);
        char *p = arena_bytes(c, w, n);
        return (struct wd_str){p ? p : "", p ? n : 0};
    }
    case WD_JV_FLOAT: {
        if (v->is_intlit && v->raw.len)
            return v->raw; /* Python keeps big integer literals as exact ints */
        int n = wd_jv_fmt_double(v->u.f, tmp, sizeof(tmp));
        char *p = n > 0 ? arena_bytes(c, tmp, (size_t)n) : NULL;
        return (struct wd_str){p ? p : "", p ? (size_t)n : 0};
    }
    default:
        break;
    }
    /* Lists and objects: compact JSON (spec Conventions allow it instead of Python repr).
     * Rare, so a temporary heap buffer is acceptable here. */
    struct wd_buf b;
    wd_buf_init(&b, 0);
    struct wd_str out = {"", 0};
    if (wd_jv_text(v, &b) == WD_OK) {
        char *p = arena_bytes(c, b.p ? b.p : "", b.len);
        if (p)
            out = (struct wd_str){p, b.len};
    } else {
        c->oom = true;
    }
    wd_buf_fini(&b);
    return out;
}

/* ---- errors (a.5) ---- */

/* Bytes of the first `chars` UTF-8 characters of s (never splits a sequence). */
static size_t utf8_prefix(struct wd_str s, size_t chars)
{
    size_t i = 0, n = 0;
    while (i < s.len) {
        if (((unsigned char)s.p[i] & 0xC0) != 0x80 && n++ == chars)
            break;
        i++;
    }
    return i;
}

static void add_error(struct nctx *c, int kind, struct wd_str key, const char *what,
                      const struct wd_jv *v)
{
    char msg[320];
    int n;
    c->nerr[kind]++;
    size_t kl = utf8_prefix(key, 128);
    if (v) {
        struct wd_str t = text_of(c, v);
        size_t tl = utf8_prefix(t, 64);
        n = snprintf(msg, sizeof(msg), "%.*s: %s: '%.*s%s'", (int)kl, key.p, what, (int)tl, t.p,
                     tl < t.len ? "..." : "");
    } else {
        n = snprintf(msg, sizeof(msg), "%.*s: %s", (int)kl, key.p, what);
    }
    if (n < 0)
        return;
    if (!c->errs && !(c->errs = node(c, WD_JV_ARR)))
        return;
    char *p = arena_bytes(c, msg, WD_MIN((size_t)n, sizeof(msg) - 1));
    struct wd_jv *s = p ? str_node(c, (struct wd_str){p, strlen(p)}) : NULL;
    if (s)
        wd_jv_push(c->errs, s);
}

/* ---- output fields ---- */

/* ev[f] = v (a fresh node), replacing the value in place when already set. */
static void put_fld(struct nctx *c, enum fld f, struct wd_jv *v)
{
    if (!v)
        return;
    if (c->slot[f]) {
        jv_assign(c->slot[f], v);
        return;
    }
    wd_jv_add(c->ev, fld_name[f], v);
    c->slot[f] = v;
}

static void put_text(struct nctx *c, enum fld f, const struct wd_jv *v)
{
    struct wd_str t = text_of(c, v);
    put_fld(c, f, str_node(c, t));
}

static void put_iso(struct nctx *c, enum fld f, int64_t us)
{
    char iso[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, iso);
    char *p = arena_bytes(c, iso, n);
    if (p)
        put_fld(c, f, str_node(c, (struct wd_str){p, n}));
}

static void put_detail(struct nctx *c, struct wd_str key, struct wd_jv *v)
{
    om_set(c, &c->det, key, v, true);
}

/* ---- a.2 rules ---- */

static char lower_ascii(char ch)
{
    static const char lower[27] = "abcdefghijklmnopqrstuvwxyz";
    if (ch >= 'A' && ch <= 'Z')
        return lower[ch - 'A'];
    return ch;
}

/* Lower-cases `key` without '@' into buf (KEYBUF bytes); returns the full length. */
static size_t lower_key(struct wd_str key, char *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < key.len; i++) {
        char ch = lower_ascii(key.p[i]);
        if (ch == '@')
            continue;
        if (n < KEYBUF)
            buf[n] = ch;
        n++;
    }
    return n;
}

#define IS(lit) (n == sizeof(lit) - 1 && same(k, lit, sizeof(lit) - 1))

/* The a.2 rules triggered by the lower-cased, '@'-less key k[0..n) (n may exceed KEYBUF:
 * then only the first KEYBUF bytes are in k). ward: `payload` and `tags` match exactly. */
static unsigned classify(const char *k, size_t n)
{
    unsigned r = 0;
    if (n >= 7 && (same(k, "fields.", 7) || (n >= 8 && same(k, "details.", 8))))
        r |= R_PREFIX;
    switch (n) {
    case 3:
        return IS("pid") ? R_PID : r;
    case 4:
        if (IS("date"))
            return R_TIME;
        if (IS("host"))
            return R_HOSTNAME;
        if (IS("tags"))
            return R_TAGS;
        if (IS("type"))
            return R_CATEGORY;
        if (IS("path") || IS("file"))
            return R_EVSOURCE;
        return r;
    case 5:
        if (IS("level"))
            return R_SEVERITY;
        return IS("pname") ? R_PNAME : r;
    case 6:
        if (IS("source"))
            return R_SOURCE;
        if (IS("fields"))
            return R_DETAILS;
        return IS("logger") ? R_EVSOURCE : r;
    case 7:
        if (IS("message") || IS("summary"))
            return R_SUMMARY;
        if (IS("payload"))
            return R_PAYLOAD;
        if (IS("details"))
            return R_DETAILS;
        return IS("program") ? R_PNAME : r;
    case 8:
        if (IS("facility"))
            return R_SOURCE | R_FACILITY;
        if (IS("sourceip"))
            return R_SOURCEIP;
        if (IS("hostname"))
            return R_HOSTNAME;
        if (IS("severity") || IS("priority"))
            return R_SEVERITY;
        return IS("category") ? R_CATEGORY : r;
    case 9:
        if (IS("eventtime") || IS("timestamp"))
            return R_TIME;
        if (IS("processid"))
            return R_PID;
        return IS("eventtype") ? R_CATEGORY : r;
    case 10:
        return IS("sourcename") ? R_PNAME : r;
    case 11:
        if (IS("source_host"))
            return R_HOSTNAME;
        return IS("processname") ? R_PNAME : r;
    case 12:
        return IS("utctimestamp") ? R_TIME : r;
    case 13:
        return IS("severityvalue") ? R_SEVERITY : r;
    case 14:
        if (IS("syslogseverity"))
            return R_SEVERITY;
        return IS("syslogfacility") ? R_FACILITY : r;
    default:
        return r;
    }
}

#undef IS

static void rule_time(struct nctx *c, struct wd_str key, const struct wd_jv *v)
{
    int64_t us;
    if (wd_time_from_jv(v, c->o->naive_tz, c->o->now_us, &us) == WD_OK) {
        char iso[WD_TIME_ISO_MAX];
        size_t n = wd_time_iso(us, iso);
        char *p = arena_bytes(c, iso, n);
        if (!p)
            return;
        struct wd_str s = {p, n};
        put_fld(c, F_UTCTS, str_node(c, s));
        put_fld(c, F_TS, str_node(c, s));
        c->utc_us = us;
        c->have_time = true;
        return;
    }
    /* a.5: keep the text, use now (below, when no other time key succeeds) */
    put_detail(c, (struct wd_str)S("unparsed_timestamp"), str_node(c, text_of(c, v)));
    add_error(c, WD_NORM_ERR_TIMESTAMP, key, "unparseable timestamp", NULL);
}

static void rule_tags(struct nctx *c, struct wd_str key, const struct wd_jv *v)
{
    if (!c->slot[F_TAGS])
        put_fld(c, F_TAGS, node(c, WD_JV_ARR));
    struct wd_jv *tags = c->slot[F_TAGS];
    if (!tags)
        return;
    switch (v->type) {
    case WD_JV_ARR:
        for (const struct wd_jv *k = v->u.kids.head; k && !c->oom; k = k->next) {
            struct wd_jv *x = copy_jv(c, k);
            if (x)
                wd_jv_push(tags, x);
        }
        return;
    case WD_JV_STR:
    case WD_JV_OBJ:
        /* MozDef: `if len(v) > 0: tags.append(v)` (works for dicts too) */
        if ((v->type == WD_JV_STR ? v->u.s.len : v->count) > 0) {
            struct wd_jv *x = copy_jv(c, v);
            if (x)
                wd_jv_push(tags, x);
        }
        return;
    default:
        add_error(c, WD_NORM_ERR_TAGS, key, "tags must be a list or a string", v);
        return;
    }
}

/* Python's str.upper() for one 2-byte UTF-8 code point: Latin-1, basic Greek and
 * Cyrillic letters (other scripts are left as they are). Returns the upper-case code point
 * (0 for ß, which becomes "SS"), or cp itself. */
static unsigned upper_cp2(unsigned cp)
{
    if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x3B1 && cp <= 0x3CB && cp != 0x3C2) ||
        (cp >= 0x430 && cp <= 0x44F))
        return cp - 0x20;
    if (cp >= 0x450 && cp <= 0x45F)
        return cp - 0x50;
    switch (cp) {
    case 0xDF:
        return 0; /* ß -> SS */
    case 0xFF:
        return 0x178;
    case 0xB5:
        return 0x39C;
    case 0x3C2:
        return 0x3A3;
    case 0x3AC:
        return 0x386;
    case 0x3AD:
    case 0x3AE:
    case 0x3AF:
        return cp - 0x25;
    case 0x3CC:
        return 0x38C;
    case 0x3CD:
    case 0x3CE:
        return cp - 0x3F;
    default:
        return cp;
    }
}

/* upper(text): ASCII letters plus the 2-byte letters of upper_cp2() (same byte length). */
static void rule_severity(struct nctx *c, const struct wd_jv *v)
{
    struct wd_str t = text_of(c, v);
    size_t i = 0;
    while (i < t.len && !(t.p[i] >= 'a' && t.p[i] <= 'z') && !((unsigned char)t.p[i] & 0x80))
        i++;
    if (i < t.len) {
        char *p = wd_arena_alloc(c->a, t.len + 1);
        if (!p) {
            c->oom = true;
            return;
        }
        const unsigned char *s = (const unsigned char *)t.p;
        for (size_t j = 0; j < t.len; j++) {
            unsigned ch = s[j];
            if (ch >= 'a' && ch <= 'z') {
                p[j] = (char)(ch - 'a' + 'A');
            } else if (ch >= 0xC2 && ch <= 0xDF && j + 1 < t.len && (s[j + 1] & 0xC0) == 0x80) {
                unsigned cp = (ch & 0x1Fu) << 6 | (s[j + 1] & 0x3Fu), up = upper_cp2(cp);
                if (up == 0) {
                    p[j] = 'S';
                    p[j + 1] = 'S';
                } else {
                    p[j] = (char)(0xC0 | up >> 6);
                    p[j + 1] = (char)(0x80 | (up & 0x3F));
                }
                j++;
            } else {
                p[j] = (char)ch;
            }
        }
        p[t.len] = '\0';
        t.p = p;
    }
    put_fld(c, F_SEVERITY, str_node(c, t));
}

static void rule_details(struct nctx *c, const struct wd_jv *v)
{
    if (v->type != WD_JV_OBJ) {
        put_detail(c, (struct wd_str)S("message"), copy_jv(c, v));
        return;
    }
    struct ent stack[ENT_STACK];
    size_t n = 0;
    struct ent *e = dict_entries(c, v, stack, &n);
    for (size_t i = 0; e && i < n && !c->oom; i++)
        put_detail(c, e[i].key->key, copy_jv(c, e[i].val));
}

static bool is_ws(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

/* Python int() of a string: whitespace, sign, digits with single underscores (at most 4300
 * digits, CPython's limit). Fits int64: *i. Otherwise *big (sign and digits, in the arena). */
static bool py_int_str(struct nctx *c, struct wd_str s, int64_t *i, struct wd_str *big)
{
    size_t b = 0, e = s.len;
    while (b < e && is_ws(s.p[b]))
        b++;
    while (e > b && is_ws(s.p[e - 1]))
        e--;
    bool neg = false;
    if (b < e && (s.p[b] == '+' || s.p[b] == '-'))
        neg = s.p[b++] == '-';
    if (b == e || !(s.p[b] >= '0' && s.p[b] <= '9'))
        return false;
    size_t nd = 0;
    for (size_t k = b; k < e; k++) {
        if (s.p[k] >= '0' && s.p[k] <= '9')
            nd++;
        else if (!(s.p[k] == '_' && k + 1 < e && s.p[k - 1] != '_' && s.p[k + 1] >= '0' &&
                   s.p[k + 1] <= '9'))
            return false;
    }
    if (nd > 4300)
        return false;
    uint64_t v = 0;
    bool fits = true;
    char *d = wd_arena_alloc(c->a, nd + 2);
    if (!d) {
        c->oom = true;
        return false;
    }
    size_t dl = 0;
    if (neg)
        d[dl++] = '-';
    for (size_t k = b; k < e; k++) {
        if (s.p[k] == '_')
            continue;
        unsigned dig = (unsigned)(s.p[k] - '0');
        if (dl == (size_t)neg && dig == 0 && k + 1 < e)
            continue; /* leading zero */
        d[dl++] = s.p[k];
        if (v > (UINT64_MAX - dig) / 10)
            fits = false;
        else
            v = v * 10 + dig;
    }
    if (dl == (size_t)neg)
        d[dl++] = '0';
    if (fits && (neg ? v <= (uint64_t)INT64_MAX + 1 : v <= (uint64_t)INT64_MAX)) {
        *i = neg ? (int64_t)(0 - v) : (int64_t)v;
        big->len = 0;
        return true;
    }
    big->p = d;
    big->len = dl;
    return true;
}

/* integer(v) for `_int` fields; NULL (and no error) on OOM, NULL + *bad when invalid. */
static struct wd_jv *py_int(struct nctx *c, const struct wd_jv *v, bool *bad)
{
    struct wd_jv *r = NULL;
    *bad = false;
    switch (v->type) {
    case WD_JV_INT:
        r = node(c, WD_JV_INT);
        if (r)
            r->u.i = v->u.i;
        return r;
    case WD_JV_TRUE:
    case WD_JV_FALSE:
        r = node(c, WD_JV_INT);
        if (r)
            r->u.i = v->type == WD_JV_TRUE;
        return r;
    case WD_JV_FLOAT:
        if (v->is_intlit)
            return copy_jv(c, v);
        if (!isfinite(v->u.f))
            break; /* OverflowError / ValueError */
        if (fabs(v->u.f) < 9.2e18) {
            r = node(c, WD_JV_INT);
            if (r)
                r->u.i = (int64_t)v->u.f; /* truncation toward zero, as int(float) */
            return r;
        } else {
            char tmp[400];
            int n = snprintf(tmp, sizeof(tmp), "%.0f", trunc(v->u.f)); /* exact digits */
            r = node(c, WD_JV_FLOAT);
            char *p = r && n > 0 ? arena_bytes(c, tmp, (size_t)n) : NULL;
            if (!p)
                return NULL;
            r->is_intlit = true;
            r->u.f = trunc(v->u.f);
            r->raw = (struct wd_str){p, (size_t)n};
            return r;
        }
    case WD_JV_STR: {
        int64_t i = 0;
        struct wd_str big = {NULL, 0};
        if (!py_int_str(c, v->u.s, &i, &big))
            break;
        if (big.len) {
            r = node(c, WD_JV_FLOAT);
            if (r) {
                r->is_intlit = true;
                r->raw = big;
                r->u.f = strtod(big.p, NULL); /* approximate value; raw is exact */
            }
        } else {
            r = node(c, WD_JV_INT);
            if (r)
                r->u.i = i;
        }
        return r;
    }
    default:
        break; /* TypeError */
    }
    *bad = !c->oom;
    return NULL;
}

/* float(v) for `_float` fields; inf/nan are refused (JSON cannot hold them). */
static struct wd_jv *py_float(struct nctx *c, const struct wd_jv *v, bool *bad)
{
    double d;
    *bad = false;
    switch (v->type) {
    case WD_JV_INT:
        d = (double)v->u.i;
        break;
    case WD_JV_TRUE:
    case WD_JV_FALSE:
        d = v->type == WD_JV_TRUE;
        break;
    case WD_JV_FLOAT:
        d = v->u.f;
        break;
    case WD_JV_STR:
        if (!wd_py_float(v->u.s.p, v->u.s.len, &d)) {
            *bad = true;
            return NULL;
        }
        break;
    default:
        *bad = true;
        return NULL;
    }
    if (!isfinite(d)) {
        *bad = true;
        return NULL;
    }
    struct wd_jv *r = node(c, WD_JV_FLOAT);
    if (r)
        r->u.f = d;
    return r;
}

/* `fields.x` / `details.x`: name = k without every "fields.", then without every
 * "details." (Python str.replace, left to right, non-overlapping). */
static struct wd_str prefix_name(struct nctx *c, const char *k, size_t n)
{
    char *a = arena_bytes(c, k, n), *b;
    if (!a)
        return (struct wd_str){"", 0};
    static const char *const pats[2] = {"fields.", "details."};
    size_t len = n;
    for (int p = 0; p < 2; p++) {
        size_t pl = strlen(pats[p]), o = 0;
        b = a;
        for (size_t i = 0; i < len;) {
            if (i + pl <= len && memcmp(a + i, pats[p], pl) == 0) {
                i += pl;
            } else {
                b[o++] = a[i++];
            }
        }
        len = o;
        a[len] = '\0';
    }
    return (struct wd_str){a, len};
}

static void rule_prefix(struct nctx *c, struct wd_str key, const char *k, size_t n,
                        const struct wd_jv *v)
{
    struct wd_str name = prefix_name(c, k, n);
    bool bad = false;
    struct wd_jv *x;
    if (name.len >= 4 && memcmp(name.p + name.len - 4, "_int", 4) == 0) {
        x = py_int(c, v, &bad);
        if (bad)
            add_error(c, WD_NORM_ERR_INT, key, "not an integer", v);
    } else if (name.len >= 6 && memcmp(name.p + name.len - 6, "_float", 6) == 0) {
        x = py_float(c, v, &bad);
        if (bad)
            add_error(c, WD_NORM_ERR_FLOAT, key, "not a finite number", v);
    } else {
        x = str_node(c, text_of(c, v));
    }
    if (x)
        put_detail(c, name, x);
}

/* Applies every rule of `rules` for the input member key = v. */
static void apply_rules(struct nctx *c, unsigned rules, struct wd_str key, const char *k, size_t kn,
                        const struct wd_jv *v, bool has_summary)
{
    if (rules & R_SOURCEIP)
        put_detail(c, (struct wd_str)S("eventsourceipaddress"), copy_jv(c, v));
    if (rules & R_SOURCE)
        put_fld(c, F_SOURCE, copy_jv(c, v));
    if (rules & R_SUMMARY)
        put_text(c, F_SUMMARY, v);
    if (rules & R_PAYLOAD) {
        /* heka sends payload and summary: keep both, payload goes to details */
        if (has_summary)
            put_detail(c, (struct wd_str)S("payload"), str_node(c, text_of(c, v)));
        else
            put_text(c, F_SUMMARY, v);
    }
    if (rules & R_TIME)
        rule_time(c, key, v);
    if (rules & R_HOSTNAME)
        put_text(c, F_HOSTNAME, v);
    if (rules & R_TAGS)
        rule_tags(c, key, v);
    if (rules & R_SEVERITY)
        rule_severity(c, v);
    if (rules & R_FACILITY)
        put_text(c, F_FACILITY, v);
    if (rules & R_PID)
        put_text(c, F_PROCESSID, v);
    if (rules & R_PNAME)
        put_text(c, F_PROCESSNAME, v);
    if (rules & R_EVSOURCE)
        put_text(c, F_EVENTSOURCE, v);
    if (rules & R_CATEGORY)
        put_text(c, F_CATEGORY, v);
    if (rules & R_DETAILS)
        rule_details(c, v);
    if (rules & R_PREFIX)
        rule_prefix(c, key, k, kn, v);
}

/* a.2: the key mapping of a (non-custom) object. */
static void key_mapping(struct nctx *c, const struct wd_jv *in)
{
    const struct wd_norm_opts *o = c->o;
    const char *host = o->mozdefhostname ? o->mozdefhostname : "";
    size_t host_len = o->mozdefhostname_len ? o->mozdefhostname_len : strlen(host);
    put_iso(c, F_RECEIVED, o->now_us);
    put_fld(c, F_MOZDEFHOST, str_node(c, (struct wd_str){host, host_len}));
    put_fld(c, F_DETAILS, node(c, WD_JV_OBJ));
    if (c->oom)
        return;
    om_init(&c->det, c->slot[F_DETAILS]);

    struct ent stack[ENT_STACK];
    size_t n = 0;
    struct ent *e = dict_entries(c, in, stack, &n);
    if (!e)
        return;
    bool has_summary = false, has_domain = false, has_smt = false;
    for (size_t i = 0; i < n; i++) {
        struct wd_str k = e[i].key->key;
        has_summary |= key_is(k, "summary", 7);
        has_domain |= key_is(k, "Domain", 6);
        has_smt |= key_is(k, "SourceModuleType", 16);
    }
    bool nxlog = has_domain && has_smt;
    /* unknown[i]: no rule matched key i (kept for the pass after the loop) */
    uint8_t small[ENT_STACK], *unknown = small;
    if (n > ENT_STACK && !(unknown = wd_arena_alloc(c->a, n))) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n && !c->oom; i++) {
        struct wd_str key = e[i].key->key;
        char buf[KEYBUF];
        size_t kn = lower_key(key, buf);
        const char *k = buf;
        unsigned rules = classify(buf, kn);
        if (kn > KEYBUF && (rules & R_PREFIX)) {
            /* a long fields./details. key: lower-case it in full */
            char *full = wd_arena_alloc(c->a, kn + 1);
            if (!full) {
                c->oom = true;
                return;
            }
            size_t j = 0;
            for (size_t q = 0; q < key.len; q++)
                if (key.p[q] != '@')
                    full[j++] = lower_ascii(key.p[q]);
            k = full;
        }
        unknown[i] = rules == 0;
        if (rules)
            apply_rules(c, rules, key, k, kn, e[i].val, has_summary);
    }
    if (c->oom)
        return;

    /* ward: unknown keys go to details (never overwriting what the mapping set). nxlog
     * Windows events (MozDef copied only the last key: a quirk) get every unconsumed key,
     * lower-cased with '@' removed as MozDef's k. */
    if (!o->drop_unknown || nxlog) {
        for (size_t i = 0; i < n && !c->oom; i++) {
            if (!unknown[i])
                continue;
            struct wd_str key = e[i].key->key;
            if (nxlog) {
                char *lk = wd_arena_alloc(c->a, key.len + 1);
                if (!lk) {
                    c->oom = true;
                    return;
                }
                size_t j = 0;
                for (size_t q = 0; q < key.len; q++)
                    if (key.p[q] != '@')
                        lk[j++] = lower_ascii(key.p[q]);
                key = (struct wd_str){lk, j};
            }
            om_set(c, &c->det, key, copy_jv(c, e[i].val), false);
        }
    }
    if (!c->have_time) {
        put_iso(c, F_UTCTS, o->now_us);
        c->utc_us = o->now_us;
    }
    put_fld(c, F_TYPE, str_node(c, (struct wd_str)S("event")));
}

/* ---- a.4 defaults ---- */

enum {
    D_RECEIVED,
    D_UTCTS,
    D_TS,
    D_MOZDEFHOST,
    D_TYPE,
    D_TAGS,
    D_CATEGORY,
    D_HOSTNAME,
    D_PROCESSID,
    D_PROCESSNAME,
    D_SEVERITY,
    D_SOURCE,
    D_SUMMARY,
    D_MOZDEF,
    D_DETAILS,
    D_COUNT
};

static const struct wd_str dflt_name[D_COUNT] = {
    S("receivedtimestamp"), S("utctimestamp"), S("timestamp"),
    S("mozdefhostname"),    S("type"),         S("tags"),
    S("category"),          S("hostname"),     S("processid"),
    S("processname"),       S("severity"),     S("source"),
    S("summary"),           S("mozdef"),       S("details"),
};

#define DIS(lit, idx)                                                                              \
    if (k.len == sizeof(lit) - 1 && same(k.p, lit, sizeof(lit) - 1))                               \
    return idx

/* Which a.4 field the key k names, or -1. */
static int dflt_index(struct wd_str k)
{
    switch (k.len) {
    case 4:
        DIS("type", D_TYPE);
        DIS("tags", D_TAGS);
        return -1;
    case 6:
        DIS("source", D_SOURCE);
        DIS("mozdef", D_MOZDEF);
        return -1;
    case 7:
        DIS("summary", D_SUMMARY);
        DIS("details", D_DETAILS);
        return -1;
    case 8:
        DIS("category", D_CATEGORY);
        DIS("hostname", D_HOSTNAME);
        DIS("severity", D_SEVERITY);
        return -1;
    case 9:
        DIS("timestamp", D_TS);
        DIS("processid", D_PROCESSID);
        return -1;
    case 11:
        DIS("processname", D_PROCESSNAME);
        return -1;
    case 12:
        DIS("utctimestamp", D_UTCTS);
        return -1;
    case 14:
        DIS("mozdefhostname", D_MOZDEFHOST);
        return -1;
    case 17:
        DIS("receivedtimestamp", D_RECEIVED);
        return -1;
    default:
        return -1;
    }
}

#undef DIS

/* Adds the a.4 fields missing from c->ev; present[i]: ev's member for field i, or NULL. */
static void add_defaults(struct nctx *c, struct wd_jv *const present[D_COUNT])
{
    const struct wd_norm_opts *o = c->o;
    char iso[WD_TIME_ISO_MAX];
    size_t isolen = 0;
    char *now = NULL;
    const char *host = o->mozdefhostname ? o->mozdefhostname : "";
    size_t host_len = o->mozdefhostname_len ? o->mozdefhostname_len : strlen(host);
    for (int i = 0; i < D_COUNT && !c->oom; i++) {
        if (present[i]) {
            if (i == D_MOZDEF && present[i]->type == WD_JV_OBJ &&
                !wd_jv_getn(present[i], (struct wd_str)S("plugins"))) {
                struct wd_jv *pl = node(c, WD_JV_ARR);
                if (pl)
                    wd_jv_add(present[i], (struct wd_str)S("plugins"), pl);
            }
            continue;
        }
        struct wd_jv *v = NULL;
        switch (i) {
        case D_RECEIVED:
        case D_UTCTS:
        case D_TS:
            if (!now) {
                isolen = wd_time_iso(o->now_us, iso);
                if (!(now = arena_bytes(c, iso, isolen)))
                    break;
            }
            v = str_node(c, (struct wd_str){now, isolen});
            break;
        case D_MOZDEFHOST:
            v = str_node(c, (struct wd_str){host, host_len});
            break;
        case D_TYPE:
            v = str_node(c, (struct wd_str)S("event"));
            break;
        case D_TAGS:
            v = node(c, WD_JV_ARR);
            break;
        case D_MOZDEF:
            v = node(c, WD_JV_OBJ);
            if (v) {
                struct wd_jv *pl = node(c, WD_JV_ARR);
                if (pl)
                    wd_jv_add(v, (struct wd_str)S("plugins"), pl);
            }
            break;
        case D_DETAILS:
            v = node(c, WD_JV_OBJ);
            break;
        default:
            v = str_node(c, (struct wd_str)S("UNKNOWN"));
            break;
        }
        if (v)
            wd_jv_add(c->ev, dflt_name[i], v);
    }
}

/* Fills present[] from the members of c->ev (first member per key). */
static void scan_defaults(const struct nctx *c, struct wd_jv *present[D_COUNT])
{
    for (int i = 0; i < D_COUNT; i++)
        present[i] = NULL;
    for (struct wd_jv *k = c->ev->u.kids.head; k; k = k->next) {
        int i = dflt_index(k->key);
        if (i >= 0 && !present[i])
            present[i] = k;
    }
}

int wd_norm_defaults(struct wd_arena *a, const struct wd_norm_opts *o, struct wd_jv *ev)
{
    if (!ev || ev->type != WD_JV_OBJ)
        return WD_EINVAL;
    struct nctx c = {.a = a, .o = o, .ev = ev};
    struct wd_jv *present[D_COUNT];
    scan_defaults(&c, present);
    add_defaults(&c, present);
    return c.oom ? WD_ENOMEM : WD_OK;
}

/* ---- entry point ---- */

/* Custom endpoint events (a.3): the object as received, type = endpoint. */
/*
 * Whether copy_jv(v) would equal v: no object with a repeated key at any depth. Objects
 * beyond 32 members answer false (they take the copy). Recursion is bounded by the
 * decoder's depth limit.
 */
static bool dup_free(const struct wd_jv *v)
{
    if (v->type == WD_JV_ARR) {
        for (const struct wd_jv *k = v->u.kids.head; k; k = k->next)
            if (!dup_free(k))
                return false;
        return true;
    }
    if (v->type != WD_JV_OBJ)
        return true;
    if (v->count > 32)
        return false;
    uint64_t seen = 0; /* key_sig() bits, as in dict_entries */
    for (const struct wd_jv *k = v->u.kids.head; k; k = k->next) {
        uint64_t bit = 1ULL << key_sig(k->key);
        if (seen & bit)
            for (const struct wd_jv *j = v->u.kids.head; j != k; j = j->next)
                if (key_is(j->key, k->key.p, k->key.len))
                    return false;
        seen |= bit;
        if (!dup_free(k))
            return false;
    }
    return true;
}

/* The output value for input member e: e's own node when the caller gave the input up
 * and a copy would equal it, else a copy. */
static struct wd_jv *take_or_copy(struct nctx *c, const struct ent *e)
{
    if (c->o->consume_input && e->key == e->val && dup_free(e->val))
        return (struct wd_jv *)e->val; /* opts.consume_input: `in` is the caller's to give */
    return copy_jv(c, e->val);
}

static void custom_event(struct nctx *c, const struct wd_jv *in)
{
    struct ent stack[ENT_STACK];
    size_t n = 0;
    struct ent *e = dict_entries(c, in, stack, &n);
    const struct wd_jv *endpoint = NULL, *utc = NULL;
    struct wd_jv *type = NULL;
    for (size_t i = 0; e && i < n && !c->oom; i++) {
        struct wd_str k = e[i].key->key;
        struct wd_jv *x = take_or_copy(c, &e[i]);
        if (!x)
            return;
        wd_jv_add(c->ev, k, x);
        if (key_is(k, "endpoint", 8))
            endpoint = e[i].val;
        else if (key_is(k, "type", 4))
            type = x;
        else if (key_is(k, "utctimestamp", 12))
            utc = e[i].val;
    }
    if (endpoint) {
        /* customDocType: message['type'] = message['endpoint'] */
        struct wd_jv *x = copy_jv(c, endpoint);
        if (x && type)
            jv_assign(type, x);
        else if (x)
            wd_jv_add(c->ev, (struct wd_str)S("type"), x);
    }
    /* the store partitions by utctimestamp: parse it when it is there, else now */
    int64_t us;
    c->utc_us = c->o->now_us;
    if (utc && wd_time_from_jv(utc, c->o->naive_tz, c->o->now_us, &us) == WD_OK)
        c->utc_us = us;
}

static int reject(struct wd_norm_stats *st, const char *msg)
{
    if (st) {
        st->rejected++;
        st->msg = msg;
    }
    return WD_EINVAL;
}

int wd_norm_event(struct wd_arena *a, const struct wd_norm_opts *o, const struct wd_jv *in,
                  struct wd_jv **out, struct wd_norm_stats *st)
{
    *out = NULL;
    if (st)
        st->msg = NULL;
    if (!in)
        return reject(st, "no event");
    if (in->type == WD_JV_STR) {
        /* a.1 step 1: a JSON string body is decoded once more */
        struct wd_jv *inner = NULL;
        struct wd_perr perr = {0};
        int rc = wd_json_parse(in->u.s.p, in->u.s.len, in->u.s.len, o->max_depth, a, &inner, &perr);
        if (rc == WD_ENOMEM) {
            if (st)
                st->msg = "out of memory";
            return WD_ENOMEM;
        }
        if (rc != WD_OK)
            return reject(st, "event is a string that is not valid JSON");
        if (inner->type != WD_JV_OBJ)
            return reject(st, "event is a string whose JSON is not an object");
        in = inner;
    } else if (in->type != WD_JV_OBJ) {
        return reject(st, "event is not a JSON object");
    }

    /* Windows event JSON (EVTX rendering, Winlogbeat) first becomes a MozDef-form
     * object (win_norm.c), then takes the usual mapping. */
    bool win_oom = false;
    const struct wd_jv *win = wd_win_norm(a, in, &win_oom);
    if (win_oom) {
        if (st)
            st->msg = "out of memory (arena cap reached)";
        return WD_ENOMEM;
    }
    if (win)
        in = win;

    struct nctx c = {.a = a, .o = o};
    c.ev = node(&c, WD_JV_OBJ);
    if (!c.ev)
        goto oom;
    const struct wd_jv *ce = wd_jv_getn(in, (struct wd_str)S("customendpoint"));
    bool custom = false;
    if (ce) {
        /* the last duplicate wins, as in a Python dict */
        for (const struct wd_jv *k = ce->next; k; k = k->next)
            if (key_is(k->key, "customendpoint", 14))
                ce = k;
        custom = truthy(ce);
    }
    if (custom)
        custom_event(&c, in);
    else
        key_mapping(&c, in);
    if (c.oom)
        goto oom;
    if (c.errs)
        wd_jv_add(c.ev, (struct wd_str)S("errors"), c.errs);
    if (!o->defer_defaults) {
        struct wd_jv *present[D_COUNT];
        if (custom) {
            scan_defaults(&c, present);
        } else {
            /* the mapping's own fields: no scan needed (mozdef is never set by it) */
            static const signed char from_fld[D_COUNT] = {
                F_RECEIVED, F_UTCTS,    F_TS,       F_MOZDEFHOST, F_TYPE,
                F_TAGS,     F_CATEGORY, F_HOSTNAME, F_PROCESSID,  F_PROCESSNAME,
                F_SEVERITY, F_SOURCE,   F_SUMMARY,  -1,           F_DETAILS};
            for (int i = 0; i < D_COUNT; i++)
                present[i] = from_fld[i] >= 0 ? c.slot[from_fld[i]] : NULL;
        }
        add_defaults(&c, present);
        if (c.oom)
            goto oom;
    }
    if (st) {
        st->events++;
        st->custom += custom;
        bool any = false;
        for (int i = 0; i < WD_NORM_ERR_COUNT; i++) {
            st->errors[i] += c.nerr[i];
            any |= c.nerr[i] > 0;
        }
        st->events_with_errors += any;
        st->utc_us = c.utc_us;
    }
    *out = c.ev;
    return WD_OK;
oom:
    if (st)
        st->msg = "out of memory (arena cap reached)";
    return WD_ENOMEM;
}
