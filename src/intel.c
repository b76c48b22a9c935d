/*
 * intel.c: threat-intel feeds (intel.h): the feeds file, reading or downloading each feed
 * on its schedule (MISP manifests followed to their event files), merging the good lists
 * into a new table swapped in atomically, matching an event's fields, and the metrics.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "intel.h"
#include "jv.h"
#include "log.h"
#include "mem.h"
#include "ytree.h"

#define MAX_FEEDS  1000
#define MAX_BYTES  ((size_t)256 << 20)
#define TIMEOUT_MS 60000
#define GRACE_NS   (60LL * 1000000000LL)
#define RETRY_NS   (60LL * 1000000000LL)
#define MAX_HITS   16

struct feed {
    char *name;
    char *path; /* a file or directory (MISP), or NULL */
    char *url;  /* or an http(s) URL */
    int format, type;
    int64_t refresh_ns, next_ns;
    struct stat seen; /* path feeds: the file last read */
    bool have_seen;
    struct wd_intel_list list; /* the last good list */
    size_t count;              /* indicators of the last good list (metrics) */
    uint64_t refreshes, errors, bad_lines;
};

struct retired {
    struct wd_intel_table *t;
    int64_t at_ns;
};

struct wd_intel {
    char *file;
    struct feed *f;
    size_t nf;
    struct wd_intel_table *table; /* atomic pointer */
    struct retired *old;
    size_t nold;
    pthread_mutex_t mu; /* refreshes */
    uint64_t lookups, hits, tagged;
};

/* ---- the feeds file ---- */

static char *resolve(const char *base_file, const char *p)
{
    if (p[0] == '/')
        return strdup(p);
    const char *slash = strrchr(base_file, '/');
    size_t dl = slash ? (size_t)(slash - base_file + 1) : 0;
    size_t n = dl + strlen(p) + 1;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%.*s%s", (int)dl, base_file, p);
    return r;
}

static int feed_err(FILE *errs, const char *file, const struct wd_ynode *n, const char *msg)
{
    fprintf(errs, "%s:%u:%u: %s\n", file, n->line, n->col, msg);
    return 1;
}

static int parse_feed(struct wd_intel *t, const struct wd_ynode *m, FILE *errs)
{
    const char *file = t->file;
    if (m->kind != WD_Y_MAP)
        return feed_err(errs, file, m, "a feed must be a mapping (name, path or url, format)");
    struct feed f = {.format = -1, .type = WD_INTEL_AUTO, .refresh_ns = 3600LL * 1000000000LL};
    int n = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        const struct wd_ynode *k = m->items[2 * i], *v = m->items[2 * i + 1];
        const char *key = k->s.p ? k->s.p : "";
        if (v->kind != WD_Y_SCALAR) {
            n += feed_err(errs, file, v, "expected a scalar value");
            continue;
        }
        const char *val = v->s.p;
        char msg[160];
        if (!strcmp(key, "name")) {
            f.name = strdup(val);
        } else if (!strcmp(key, "path")) {
            f.path = resolve(file, val);
        } else if (!strcmp(key, "url")) {
            f.url = strdup(val);
        } else if (!strcmp(key, "format")) {
            f.format = wd_intel_format_parse(val);
            if (f.format < 0)
                n += feed_err(errs, file, v, "format must be plain, spamhaus or misp");
        } else if (!strcmp(key, "type")) {
            f.type = wd_intel_type_parse(val);
            if (f.type < 0)
                n += feed_err(errs, file, v,
                              "type must be ip, domain, url, md5, sha1, sha256, hash or auto");
        } else if (!strcmp(key, "refresh")) {
            char *end;
            long long s = strtoll(val, &end, 10);
            if (!*val || *end || s < 1 || s > 30LL * 86400)
                n += feed_err(errs, file, v, "refresh must be seconds (1 to 2592000)");
            else
                f.refresh_ns = s * 1000000000LL;
        } else {
            snprintf(msg, sizeof(msg), "unknown key '%s' (name, path, url, format, type, refresh)",
                     key);
            n += feed_err(errs, file, k, msg);
        }
    }
    if (!f.name || !f.name[0] ||
        strspn(f.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789_.-") != strlen(f.name))
        n += feed_err(errs, file, m, "a feed needs a name of letters, digits, _ . -");
    if (!!f.path == !!f.url)
        n += feed_err(errs, file, m, "a feed needs exactly one of path and url");
    if (f.url && strncmp(f.url, "http://", 7) && strncmp(f.url, "https://", 8))
        n += feed_err(errs, file, m, "url must start with http:// or https://");
    if (f.format < 0 && !n)
        n += feed_err(errs, file, m, "a feed needs a format (plain, spamhaus or misp)");
    for (size_t i = 0; f.name && i < t->nf; i++)
        if (!strcmp(t->f[i].name, f.name))
            n += feed_err(errs, file, m, "two feeds have this name");
    if (!n && t->nf >= MAX_FEEDS)
        n += feed_err(errs, file, m, "more than 1000 feeds");
    if (n) {
        free(f.name);
        free(f.path);
        free(f.url);
        return n;
    }
    struct feed *nf = realloc(t->f, (t->nf + 1) * sizeof(*nf));
    if (!nf)
        abort();
    t->f = nf;
    t->f[t->nf++] = f;
    return 0;
}

int wd_intel_new(const char *feeds_file, struct wd_intel **out, FILE *errs)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = wd_read_file(feeds_file, (size_t)16 << 20, &text, &len);
    if (rc) {
        fprintf(errs, "%s: cannot read: %s\n", feeds_file, wd_strerror(rc));
        return 1;
    }
    struct wd_intel *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    t->file = strdup(feeds_file);
    pthread_mutex_init(&t->mu, NULL);
    struct wd_arena a;
    wd_arena_init(&a, 16 * 1024, 0);
    struct wd_ynode *root = NULL;
    struct wd_yerr ye;
    int n = 0;
    if (wd_ytree_parse(text, len, &a, &root, &ye) != WD_OK) {
        fprintf(errs, "%s:%u:%u: %s\n", feeds_file, ye.line, ye.col, ye.msg);
        n = 1;
    } else {
        const struct wd_ynode *list =
            root && root->kind == WD_Y_MAP ? wd_ynode_get(root, "feeds") : root;
        if (!list || list->kind != WD_Y_SEQ) {
            fprintf(errs, "%s:1:1: expected `feeds:` with a list of feeds\n", feeds_file);
            n = 1;
        } else {
            for (uint32_t i = 0; i < list->n; i++)
                n += parse_feed(t, list->items[i], errs);
        }
    }
    wd_arena_fini(&a);
    free(text);
    if (n) {
        wd_intel_free(t);
        return n;
    }
    *out = t;
    return 0;
}

void wd_intel_free(struct wd_intel *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nf; i++) {
        free(t->f[i].name);
        free(t->f[i].path);
        free(t->f[i].url);
        wd_intel_list_free(&t->f[i].list);
    }
    free(t->f);
    wd_intel_table_free(t->table);
    for (size_t i = 0; i < t->nold; i++)
        wd_intel_table_free(t->old[i].t);
    free(t->old);
    pthread_mutex_destroy(&t->mu);
    free(t->file);
    free(t);
}

/* ---- refresh ---- */

struct perr {
    FILE *f;
    const char *src;
    size_t n;
};

static void on_err(void *ud, size_t line, const char *msg)
{
    struct perr *p = ud;
    if (p->n++ < 20) { /* a bad feed does not flood the log: the rest are counted */
        if (line)
            fprintf(p->f, "%s:%zu: %s\n", p->src, line, msg);
        else
            fprintf(p->f, "%s: %s\n", p->src, msg);
    }
}

static int get(const struct feed *f, const char *src, bool is_url, char **text, size_t *len,
               FILE *errs)
{
    if (is_url) {
        char err[256];
        int rc = wd_intel_fetch(src, MAX_BYTES, TIMEOUT_MS, text, len, err, sizeof(err));
        if (rc)
            fprintf(errs, "%s: %s\n", src, err);
        return rc;
    }
    (void)f;
    int rc = wd_read_file(src, MAX_BYTES, text, len);
    if (rc)
        fprintf(errs, "%s: cannot read: %s\n", src, wd_strerror(rc));
    return rc;
}

struct uuids {
    char **v;
    size_t n;
};

static void add_uuid(void *ud, const char *id)
{
    struct uuids *u = ud;
    char **nv = realloc(u->v, (u->n + 1) * sizeof(*nv));
    if (!nv || !(nv[u->n] = strdup(id)))
        abort();
    u->v = nv;
    u->n++;
}

/* Reads one feed into l. Returns WD_OK or an error (reported to errs). */
static int load_feed(struct feed *f, struct wd_intel_list *l, FILE *errs, size_t *bad)
{
    const char *src = f->url ? f->url : f->path;
    char *path = NULL;
    struct stat st;
    if (f->path && f->format == WD_INTEL_MISP && stat(f->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t n = strlen(f->path) + 16;
        path = malloc(n);
        if (!path)
            abort();
        snprintf(path, n, "%s/manifest.json", f->path);
        src = path;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = get(f, src, f->url != NULL, &text, &len, errs);
    struct perr pe = {errs, src, 0};
    *bad = 0;
    if (rc == WD_OK && f->format == WD_INTEL_MISP) {
        struct uuids u = {NULL, 0};
        if (wd_intel_misp_events(text, len, add_uuid, &u) == WD_OK) {
            /* a manifest: the events sit next to it as UUID.json */
            const char *slash = strrchr(src, '/');
            size_t bl = slash ? (size_t)(slash - src + 1) : 0;
            for (size_t i = 0; i < u.n && rc == WD_OK; i++) {
                size_t evn = bl + strlen(u.v[i]) + 6;
                char *ev = malloc(evn);
                if (!ev)
                    abort();
                snprintf(ev, evn, "%.*s%s.json", (int)bl, src, u.v[i]);
                char *et;
                size_t el, eb = 0;
                rc = get(f, ev, f->url != NULL, &et, &el, errs);
                if (rc == WD_OK) {
                    struct perr pe2 = {errs, ev, 0};
                    rc = wd_intel_parse(et, el, WD_INTEL_MISP, 0, l, on_err, &pe2, &eb);
                    free(et);
                    *bad += eb;
                }
                free(ev);
            }
            for (size_t i = 0; i < u.n; i++)
                free(u.v[i]);
            free(u.v);
            free(text);
            free(path);
            return rc;
        }
        free(u.v);
    }
    if (rc == WD_OK)
        rc = wd_intel_parse(text, len, f->format, f->type, l, on_err, &pe, bad);
    if (rc == WD_OK && *bad && !l->n) {
        fprintf(errs, "%s: no valid indicator in %zu bad lines\n", src, *bad);
        rc = WD_EPARSE;
    }
    if (pe.n > 20)
        fprintf(errs, "%s: %zu more errors\n", src, pe.n - 20);
    free(text);
    free(path);
    return rc;
}

/* A path feed whose file did not change is not read again (unless forced). */
static bool unchanged(struct feed *f)
{
    struct stat st;
    if (!f->path || stat(f->path, &st) != 0 || S_ISDIR(st.st_mode))
        return false;
    bool same = f->have_seen && st.st_ino == f->seen.st_ino && st.st_dev == f->seen.st_dev &&
                st.st_size == f->seen.st_size && st.st_mtim.tv_sec == f->seen.st_mtim.tv_sec &&
                st.st_mtim.tv_nsec == f->seen.st_mtim.tv_nsec;
    f->seen = st;
    f->have_seen = true;
    return same;
}

int wd_intel_refresh(struct wd_intel *t, bool force, FILE *errs)
{
    pthread_mutex_lock(&t->mu);
    int64_t now = wd_mono_ns();
    int failed = 0;
    bool changed = false;
    for (size_t i = 0; i < t->nf; i++) {
        struct feed *f = &t->f[i];
        if (!force && now < f->next_ns)
            continue;
        f->next_ns = now + f->refresh_ns;
        if (!force && unchanged(f))
            continue;
        if (force && f->path)
            (void)unchanged(f); /* remember what was read */
        struct wd_intel_list l;
        memset(&l, 0, sizeof(l));
        size_t bad = 0;
        int rc = load_feed(f, &l, errs, &bad);
        __atomic_add_fetch(&f->bad_lines, bad, __ATOMIC_RELAXED);
        if (rc) {
            wd_intel_list_free(&l);
            __atomic_add_fetch(&f->errors, 1, __ATOMIC_RELAXED);
            fprintf(errs,
                    "intel feed %s: refresh failed: the previous list (%zu indicators) "
                    "stays\n",
                    f->name, f->list.n);
            if (f->refresh_ns > RETRY_NS)
                f->next_ns = now + RETRY_NS;
            f->have_seen = false; /* retried even when the file stays as it is */
            failed++;
            continue;
        }
        wd_intel_list_free(&f->list);
        f->list = l;
        __atomic_store_n(&f->count, l.n, __ATOMIC_RELAXED);
        __atomic_add_fetch(&f->refreshes, 1, __ATOMIC_RELAXED);
        wd_log(WD_LOG_INFO, "intel", "feed %s: %zu indicators%s", f->name, l.n,
               bad ? " (bad lines skipped)" : "");
        changed = true;
    }
    size_t keep = 0;
    for (size_t i = 0; i < t->nold; i++) {
        if (now - t->old[i].at_ns >= GRACE_NS)
            wd_intel_table_free(t->old[i].t);
        else
            t->old[keep++] = t->old[i];
    }
    t->nold = keep;
    if (changed || !t->table) {
        const struct wd_intel_list **lists = calloc(t->nf + 1, sizeof(*lists));
        const char **names = calloc(t->nf + 1, sizeof(*names));
        if (!lists || !names)
            abort();
        for (size_t i = 0; i < t->nf; i++) {
            lists[i] = &t->f[i].list;
            names[i] = t->f[i].name;
        }
        struct wd_intel_table *nt = wd_intel_table_build(lists, names, t->nf);
        free(lists);
        free(names);
        if (!nt) {
            fprintf(errs, "intel: out of memory building the table: the previous one stays\n");
            failed++;
        } else {
            struct wd_intel_table *o = __atomic_exchange_n(&t->table, nt, __ATOMIC_ACQ_REL);
            if (o) {
                struct retired *r = realloc(t->old, (t->nold + 1) * sizeof(*r));
                if (!r)
                    abort();
                t->old = r;
                t->old[t->nold++] = (struct retired){o, now};
            }
        }
    }
    pthread_mutex_unlock(&t->mu);
    return failed;
}

/* ---- matching ---- */

struct match {
    struct wd_arena *a;
    const struct wd_intel_table *t;
    struct wd_intel_hit hits[MAX_HITS];
    const char *field[MAX_HITS];
    size_t n;
    uint64_t lookups;
};

static void look(struct match *m, int type, const char *field, const char *p, size_t len)
{
    size_t before = m->n;
    m->lookups++;
    wd_intel_table_match(m->t, type, p, len, m->hits, MAX_HITS, &m->n);
    for (size_t i = before; i < m->n; i++)
        m->field[i] = field;
}

static void look_field(struct match *m, const struct wd_jv *d, int type, const char *field)
{
    const struct wd_jv *v = wd_jv_get(d, field + 8); /* after "details." */
    if (!v)
        return;
    if (v->type == WD_JV_STR) {
        if (type != WD_INTEL_URL || memmem(v->u.s.p, v->u.s.len, "://", 3))
            look(m, type, field, v->u.s.p, v->u.s.len);
        return;
    }
    if (v->type == WD_JV_ARR)
        for (const struct wd_jv *k = v->u.kids.head; k; k = k->next)
            if (k->type == WD_JV_STR)
                look(m, type, field, k->u.s.p, k->u.s.len);
}

static const struct {
    int type;
    const char *field;
} fields[] = {
    {WD_INTEL_IP, "details.sourceipaddress"},
    {WD_INTEL_IP, "details.destinationipaddress"},
    {WD_INTEL_IP, "details.sourceipv6address"},
    {WD_INTEL_IP, "details.destinationipv6address"},
    {WD_INTEL_DOMAIN, "details.query"},
    {WD_INTEL_DOMAIN, "details.host"},
    {WD_INTEL_DOMAIN, "details.hostname"},
    {WD_INTEL_DOMAIN, "details.server_name"},
    {WD_INTEL_DOMAIN, "details.domain"},
    {WD_INTEL_URL, "details.url"},
    {WD_INTEL_URL, "details.uri"},
    {WD_INTEL_MD5, "details.md5"},
    {WD_INTEL_SHA1, "details.sha1"},
    {WD_INTEL_SHA256, "details.sha256"},
};

static struct wd_jv *str(struct wd_arena *a, const char *s)
{
    return wd_jv_strdup(a, s, strlen(s));
}

int wd_intel_event(struct wd_intel *t, struct wd_arena *a, struct wd_jv *ev)
{
    struct wd_jv *d = wd_jv_get(ev, "details");
    const struct wd_intel_table *tab = __atomic_load_n(&t->table, __ATOMIC_ACQUIRE);
    if (!d || d->type != WD_JV_OBJ || !wd_intel_table_count(tab))
        return WD_OK;
    struct match m = {.a = a, .t = tab};
    for (size_t i = 0; i < WD_ARRAY_LEN(fields); i++)
        look_field(&m, d, fields[i].type, fields[i].field);
    /* Zeek http: host + uri without a scheme */
    const struct wd_jv *h = wd_jv_get(d, "host"), *u = wd_jv_get(d, "uri");
    if (h && u && h->type == WD_JV_STR && u->type == WD_JV_STR && h->u.s.len && u->u.s.len &&
        u->u.s.p[0] == '/' && h->u.s.len + u->u.s.len < 2000) {
        char url[2048];
        int n = snprintf(url, sizeof(url), "http://%.*s%.*s", (int)h->u.s.len, h->u.s.p,
                         (int)u->u.s.len, u->u.s.p);
        look(&m, WD_INTEL_URL, "details.host+details.uri", url, (size_t)n);
    }
    __atomic_add_fetch(&t->lookups, m.lookups, __ATOMIC_RELAXED);
    if (!m.n)
        return WD_OK;
    __atomic_add_fetch(&t->hits, m.n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t->tagged, 1, __ATOMIC_RELAXED);
    struct wd_jv *list = wd_jv_new(a, WD_JV_ARR);
    if (!list)
        return WD_ENOMEM;
    for (size_t i = 0; i < m.n; i++) {
        struct wd_jv *o = wd_jv_new(a, WD_JV_OBJ);
        struct wd_jv *vi = str(a, m.hits[i].indicator),
                     *vt = str(a, wd_intel_type_name(m.hits[i].type)), *vf = str(a, m.hits[i].feed),
                     *vd = str(a, m.field[i]);
        if (!o || !vi || !vt || !vf || !vd)
            return WD_ENOMEM;
        wd_jv_add(o, WD_STR("indicator"), vi);
        wd_jv_add(o, WD_STR("type"), vt);
        wd_jv_add(o, WD_STR("feed"), vf);
        wd_jv_add(o, WD_STR("field"), vd);
        wd_jv_push(list, o);
    }
    wd_jv_set(d, WD_STR("intel"), list);
    /* the first hit as plain fields, for rules that group by it (paths do not enter lists) */
    struct wd_jv *fi = str(a, m.hits[0].indicator), *ff = str(a, m.hits[0].feed);
    if (!fi || !ff)
        return WD_ENOMEM;
    wd_jv_set(d, WD_STR("intelindicator"), fi);
    wd_jv_set(d, WD_STR("intelfeed"), ff);
    struct wd_jv *tags = wd_jv_get(ev, "tags");
    if (!tags || tags->type == WD_JV_NULL) {
        tags = wd_jv_new(a, WD_JV_ARR);
        if (!tags)
            return WD_ENOMEM;
        wd_jv_set(ev, WD_STR("tags"), tags);
    }
    if (tags->type != WD_JV_ARR)
        return WD_OK;
    for (const struct wd_jv *k = tags->u.kids.head; k; k = k->next)
        if (k->type == WD_JV_STR && k->u.s.len == 11 && !memcmp(k->u.s.p, "threatintel", 11))
            return WD_OK;
    struct wd_jv *tag = wd_jv_str(a, "threatintel", 11);
    if (!tag)
        return WD_ENOMEM;
    wd_jv_push(tags, tag);
    return WD_OK;
}

void wd_intel_render_prom(struct wd_intel *t, struct wd_buf *o)
{
    if (!t)
        return;
    const struct wd_intel_table *tab = __atomic_load_n(&t->table, __ATOMIC_ACQUIRE);
    wd_buf_printf(o,
                  "# HELP ward_enrich_intel_indicators Indicators in the merged threat-intel "
                  "table.\n# TYPE ward_enrich_intel_indicators gauge\n"
                  "ward_enrich_intel_indicators %zu\n"
                  "# HELP ward_enrich_intel_lookups_total Event values looked up in the "
                  "threat-intel table.\n# TYPE ward_enrich_intel_lookups_total counter\n"
                  "ward_enrich_intel_lookups_total %llu\n"
                  "# HELP ward_enrich_intel_hits_total Indicator matches (entries of "
                  "details.intel).\n# TYPE ward_enrich_intel_hits_total counter\n"
                  "ward_enrich_intel_hits_total %llu\n"
                  "# HELP ward_enrich_intel_events_total Events tagged threatintel.\n"
                  "# TYPE ward_enrich_intel_events_total counter\n"
                  "ward_enrich_intel_events_total %llu\n",
                  wd_intel_table_count(tab),
                  (unsigned long long)__atomic_load_n(&t->lookups, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&t->hits, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&t->tagged, __ATOMIC_RELAXED));
    static const struct {
        const char *name, *type, *help;
        size_t off;
    } per[] = {
        {"ward_enrich_intel_feed_indicators", "gauge", "Indicators of a feed's last good list.",
         offsetof(struct feed, count)},
        {"ward_enrich_intel_refreshes_total", "counter", "Feed refreshes that gave a new list.",
         offsetof(struct feed, refreshes)},
        {"ward_enrich_intel_refresh_errors_total", "counter",
         "Feed refreshes that failed (the previous list stays).", offsetof(struct feed, errors)},
        {"ward_enrich_intel_parse_errors_total", "counter",
         "Bad lines or attributes skipped in feeds.", offsetof(struct feed, bad_lines)},
    };
    for (size_t k = 0; k < WD_ARRAY_LEN(per); k++) {
        wd_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", per[k].name, per[k].help, per[k].name,
                      per[k].type);
        for (size_t i = 0; i < t->nf; i++)
            wd_buf_printf(
                o, "%s{feed=\"%s\"} %llu\n", per[k].name, t->f[i].name,
                (unsigned long long)__atomic_load_n(
                    (const uint64_t *)((const char *)&t->f[i] + per[k].off), __ATOMIC_RELAXED));
    }
}
