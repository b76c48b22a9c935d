/*
 * enrich.c: the enrichment stage (enrich.h): network table tags on the source and
 * destination addresses of an event.
 */
#include "enrich.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "mem.h"
#include "netmap.h"
#include "ward.h"

struct wd_enrich {
    char *path;
    struct wd_netmap *net; /* atomic pointer */
    struct wd_netmap **old;
    size_t nold;
    pthread_mutex_t mu; /* reloads */
    uint64_t lookups, hits, reload_errors;
};

struct errctx {
    FILE *f;
    const char *path;
};

static void on_err(void *ud, size_t line, const char *msg)
{
    struct errctx *c = ud;
    fprintf(c->f, "%s:%zu: %s\n", c->path, line, msg);
}

static int load(const char *path, struct wd_netmap **out, FILE *errs)
{
    char *text;
    size_t len;
    int rc = wd_read_file(path, (size_t)1 << 30, &text, &len);
    if (rc) {
        fprintf(errs, "%s: cannot read: %s\n", path, wd_strerror(rc));
        return 1;
    }
    struct errctx c = {errs, path};
    size_t bad = 0;
    rc = wd_netmap_parse(text, len, out, on_err, &c, &bad);
    free(text);
    if (rc == WD_ENOMEM) {
        fprintf(errs, "%s: out of memory\n", path);
        return 1;
    }
    return (int)bad;
}

int wd_enrich_new(const char *networks, struct wd_enrich **out, FILE *errs)
{
    *out = NULL;
    struct wd_netmap *m = NULL;
    int n = load(networks, &m, errs);
    if (n)
        return n;
    struct wd_enrich *e = calloc(1, sizeof(*e));
    if (!e)
        abort();
    e->path = strdup(networks);
    e->net = m;
    pthread_mutex_init(&e->mu, NULL);
    *out = e;
    return 0;
}

void wd_enrich_free(struct wd_enrich *e)
{
    if (!e)
        return;
    wd_netmap_free(e->net);
    for (size_t i = 0; i < e->nold; i++)
        wd_netmap_free(e->old[i]);
    free(e->old);
    pthread_mutex_destroy(&e->mu);
    free(e->path);
    free(e);
}

int wd_enrich_reload(struct wd_enrich *e, FILE *errs)
{
    struct wd_netmap *m = NULL;
    int n = load(e->path, &m, errs);
    if (n) {
        __atomic_add_fetch(&e->reload_errors, 1, __ATOMIC_RELAXED);
        return n;
    }
    pthread_mutex_lock(&e->mu);
    struct wd_netmap **o = realloc(e->old, (e->nold + 1) * sizeof(*o));
    if (!o)
        abort();
    e->old = o;
    /* readers may still hold the previous table: it is freed with the stage */
    e->old[e->nold++] = __atomic_exchange_n(&e->net, m, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&e->mu);
    return 0;
}

static struct wd_jv *str(struct wd_arena *a, const char *s)
{
    return wd_jv_str(a, s, strlen(s)); /* borrowed: tables outlive every batch */
}

static int tag(struct wd_enrich *e, const struct wd_netmap *m, struct wd_arena *a,
               struct wd_jv *details, const char *field, struct wd_str net_key,
               struct wd_str local_key)
{
    struct wd_jv *ip = wd_jv_get(details, field);
    if (!ip || ip->type != WD_JV_STR)
        return WD_OK;
    __atomic_add_fetch(&e->lookups, 1, __ATOMIC_RELAXED);
    const struct wd_netmap_entry *ne = wd_netmap_lookup(m, ip->u.s.p, ip->u.s.len);
    struct wd_jv *local = wd_jv_bool(a, ne != NULL);
    if (!local)
        return WD_ENOMEM;
    wd_jv_set(details, local_key, local);
    if (!ne)
        return WD_OK;
    __atomic_add_fetch(&e->hits, 1, __ATOMIC_RELAXED);
    struct wd_jv *o = wd_jv_new(a, WD_JV_OBJ);
    if (!o)
        return WD_ENOMEM;
    const char *const names[] = {"cidr", "site", "environment", "owner"};
    const char *const vals[] = {ne->cidr, ne->site, ne->environment, ne->owner};
    for (int i = 0; i < 4; i++) {
        if (!vals[i][0])
            continue;
        struct wd_jv *v = str(a, vals[i]);
        if (!v)
            return WD_ENOMEM;
        wd_jv_add(o, (struct wd_str){names[i], strlen(names[i])}, v);
    }
    wd_jv_set(details, net_key, o);
    return WD_OK;
}

int wd_enrich_event(struct wd_enrich *e, struct wd_arena *a, struct wd_jv *ev)
{
    struct wd_jv *d = wd_jv_get(ev, "details");
    if (!d || d->type != WD_JV_OBJ)
        return WD_OK;
    const struct wd_netmap *m = __atomic_load_n(&e->net, __ATOMIC_ACQUIRE);
    int rc = tag(e, m, a, d, "sourceipaddress", WD_STR("sourcenetwork"), WD_STR("sourcelocal"));
    if (rc == WD_OK)
        rc = tag(e, m, a, d, "destinationipaddress", WD_STR("destinationnetwork"),
                 WD_STR("destinationlocal"));
    return rc;
}

void wd_enrich_render_prom(struct wd_enrich *e, struct wd_buf *o)
{
    if (!e)
        return;
    const struct wd_netmap *m = __atomic_load_n(&e->net, __ATOMIC_ACQUIRE);
    wd_buf_printf(o,
                  "# HELP ward_enrich_network_entries Blocks in the network table "
                  "(enrich.networks).\n# TYPE ward_enrich_network_entries gauge\n"
                  "ward_enrich_network_entries %zu\n"
                  "# HELP ward_enrich_network_lookups_total Addresses looked up in the network "
                  "table.\n# TYPE ward_enrich_network_lookups_total counter\n"
                  "ward_enrich_network_lookups_total %llu\n"
                  "# HELP ward_enrich_network_hits_total Addresses found in a block.\n"
                  "# TYPE ward_enrich_network_hits_total counter\n"
                  "ward_enrich_network_hits_total %llu\n"
                  "# HELP ward_enrich_reload_errors_total Reloads refused because the file "
                  "had bad lines.\n# TYPE ward_enrich_reload_errors_total counter\n"
                  "ward_enrich_reload_errors_total %llu\n",
                  wd_netmap_count(m),
                  (unsigned long long)__atomic_load_n(&e->lookups, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&e->hits, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&e->reload_errors, __ATOMIC_RELAXED));
}
