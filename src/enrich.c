/*
 * enrich.c: the enrichment stage (enrich.h): network table tags on the source and
 * destination addresses of an event, then GeoIP (geo.c) and threat intel (intel.c), and
 * the background thread that keeps the GeoIP databases and intel feeds current.
 */
#include "enrich.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo.h"
#include "intel.h"
#include "jv.h"
#include "log.h"
#include "mem.h"
#include "netmap.h"
#include "ward.h"

struct wd_enrich {
    char *path;            /* network table; NULL: none */
    struct wd_netmap *net; /* atomic pointer */
    struct wd_netmap **old;
    size_t nold;
    pthread_mutex_t mu; /* reloads */
    uint64_t lookups, hits, reload_errors;
    struct wd_geo *geo;     /* NULL: no GeoIP */
    struct wd_intel *intel; /* NULL: no feeds */
    int64_t geo_check_ns;
    /* the background thread */
    pthread_t thr;
    bool running, stop;
    pthread_mutex_t tmu;
    pthread_cond_t tcv; /* CLOCK_MONOTONIC */
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

static bool set(const char *s)
{
    return s && s[0];
}

int wd_enrich_new(const struct wd_enrich_opts *o, struct wd_enrich **out, FILE *errs)
{
    *out = NULL;
    struct wd_enrich *e = calloc(1, sizeof(*e));
    if (!e)
        abort();
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->tmu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->tcv, &ca);
    pthread_condattr_destroy(&ca);
    e->geo_check_ns = (o->geoip_check_s > 0 ? o->geoip_check_s : 5) * 1000000000LL;
    int n = 0;
    if (set(o->networks)) {
        n += load(o->networks, &e->net, errs);
        e->path = strdup(o->networks);
    }
    if (set(o->geoip_city) || set(o->geoip_asn))
        n += wd_geo_new(o->geoip_city, o->geoip_asn, &e->geo, errs);
    if (set(o->intel)) {
        int k = wd_intel_new(o->intel, &e->intel, errs);
        n += k;
        if (!k) /* a feed that cannot be read now is logged and retried: not fatal */
            (void)wd_intel_refresh(e->intel, true, errs);
    }
    if (n) {
        wd_enrich_free(e);
        return n;
    }
    *out = e;
    return 0;
}

/* Logs each line of an error text (from the background thread). */
static void log_text(char *msg)
{
    for (char *l = msg, *nl; l && *l; l = nl ? nl + 1 : l + strlen(l)) {
        nl = strchr(l, '\n');
        wd_log(WD_LOG_ERROR, "enrich", "%.*s", (int)(nl ? nl - l : (long)strlen(l)), l);
    }
    free(msg);
}

static void *housekeeping(void *arg)
{
    wd_thread_name("enrich");
    struct wd_enrich *e = arg;
    int64_t next_geo = wd_mono_ns() + e->geo_check_ns;
    pthread_mutex_lock(&e->tmu);
    while (!e->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&e->tcv, &e->tmu, &ts);
        if (e->stop)
            break;
        pthread_mutex_unlock(&e->tmu);
        char *msg = NULL;
        size_t len = 0;
        FILE *errs = open_memstream(&msg, &len);
        if (errs) {
            if (e->geo && wd_mono_ns() >= next_geo) {
                int reloaded = 0;
                if (wd_geo_check(e->geo, false, errs, &reloaded))
                    fprintf(errs, "GeoIP: the previous database stays\n");
                else if (reloaded)
                    wd_log(WD_LOG_INFO, "enrich", "GeoIP database reloaded (%d changed)", reloaded);
                next_geo = wd_mono_ns() + e->geo_check_ns;
            }
            if (e->intel)
                (void)wd_intel_refresh(e->intel, false, errs);
            fclose(errs);
            log_text(msg);
        }
        pthread_mutex_lock(&e->tmu);
    }
    pthread_mutex_unlock(&e->tmu);
    return NULL;
}

void wd_enrich_start(struct wd_enrich *e)
{
    if (!e || e->running || (!e->geo && !e->intel))
        return;
    e->running = pthread_create(&e->thr, NULL, housekeeping, e) == 0;
    if (!e->running)
        wd_log(WD_LOG_ERROR, "enrich", "cannot start the refresh thread: %s", strerror(errno));
}

void wd_enrich_free(struct wd_enrich *e)
{
    if (!e)
        return;
    if (e->running) {
        pthread_mutex_lock(&e->tmu);
        e->stop = true;
        pthread_cond_signal(&e->tcv);
        pthread_mutex_unlock(&e->tmu);
        pthread_join(e->thr, NULL);
    }
    pthread_cond_destroy(&e->tcv);
    pthread_mutex_destroy(&e->tmu);
    wd_geo_free(e->geo);
    wd_intel_free(e->intel);
    wd_netmap_free(e->net);
    for (size_t i = 0; i < e->nold; i++)
        wd_netmap_free(e->old[i]);
    free(e->old);
    pthread_mutex_destroy(&e->mu);
    free(e->path);
    free(e);
}

static int net_reload(struct wd_enrich *e, FILE *errs)
{
    if (!e->path)
        return 0;
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

int wd_enrich_reload(struct wd_enrich *e, FILE *errs)
{
    int n = net_reload(e, errs);
    if (e->geo)
        n += wd_geo_check(e->geo, true, errs, NULL);
    if (e->intel)
        n += wd_intel_refresh(e->intel, true, errs);
    return n;
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
    int rc = WD_OK;
    const struct wd_netmap *m = __atomic_load_n(&e->net, __ATOMIC_ACQUIRE);
    if (m) {
        rc = tag(e, m, a, d, "sourceipaddress", WD_STR("sourcenetwork"), WD_STR("sourcelocal"));
        if (rc == WD_OK)
            rc = tag(e, m, a, d, "destinationipaddress", WD_STR("destinationnetwork"),
                     WD_STR("destinationlocal"));
    }
    if (rc == WD_OK && e->geo)
        rc = wd_geo_event(e->geo, a, d);
    if (rc == WD_OK && e->intel)
        rc = wd_intel_event(e->intel, a, ev);
    return rc;
}

void wd_enrich_render_prom(struct wd_enrich *e, struct wd_buf *o)
{
    if (!e)
        return;
    wd_geo_render_prom(e->geo, o);
    wd_intel_render_prom(e->intel, o);
    if (!e->path)
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
