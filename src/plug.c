/*
 * plug.c: the plugin layer (plug.h): loads a directory of Lua plugins into an immutable
 * set with a token index, gives every thread its own Lua state built from the current
 * set, runs the chain for one event, counts, disables plugins that keep failing, and
 * reports in /metrics and /api/v1/health.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jv.h"
#include "log.h"
#include "mem.h"
#include "plug.h"
#include "plug_int.h"
#include "ward.h"

struct wd_plugins {
    struct wd_plug_opts o;
    char *dir;
    pthread_mutex_t mu;      /* taken only to swap or to take a reference of `cur` */
    struct wd_plug_set *cur; /* atomic pointer */
    pthread_key_t key;       /* this thread's struct wd_plug_vm */
    struct wd_ratelimit rl;
};

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

/* ---- the set ---- */

static void set_unref(struct wd_plug_set *ps)
{
    if (!ps || __atomic_sub_fetch(&ps->refs, 1, __ATOMIC_ACQ_REL))
        return;
    for (int i = 0; i < ps->n; i++) {
        free(ps->v[i].name);
        free(ps->v[i].path);
        free(ps->v[i].src);
    }
    for (size_t i = 0; i < ps->ntok_slots; i++)
        free(ps->tok[i].p);
    free(ps->tok);
    free(ps->v);
    free(ps->dir);
    free(ps);
}

static uint64_t hash_lower(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)tolower((unsigned char)p[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

static struct wd_plug_tok *tok_find(const struct wd_plug_set *ps, const char *p, size_t n)
{
    size_t m = ps->ntok_slots - 1;
    for (size_t i = hash_lower(p, n) & m;; i = (i + 1) & m) {
        struct wd_plug_tok *t = &ps->tok[i];
        if (!t->p)
            return NULL;
        if (t->len == n && !strncasecmp(t->p, p, n))
            return t;
    }
}

static int tok_add(struct wd_plug_set *ps, const char *p, size_t n, int plugin)
{
    struct wd_plug_tok *t = tok_find(ps, p, n);
    if (!t) {
        size_t m = ps->ntok_slots - 1;
        size_t i = hash_lower(p, n) & m;
        while (ps->tok[i].p)
            i = (i + 1) & m;
        t = &ps->tok[i];
        t->p = strndup(p, n);
        if (!t->p)
            return WD_ENOMEM;
        for (size_t k = 0; k < n; k++)
            t->p[k] = (char)tolower((unsigned char)t->p[k]);
        t->len = n;
        ps->tok_min = ps->tok_min ? WD_MIN(ps->tok_min, n) : n;
        ps->tok_max = WD_MAX(ps->tok_max, n);
    }
    t->mask[plugin / 64] |= 1ULL << (plugin % 64);
    return WD_OK;
}

struct loaded {
    struct wd_plug p;
    char *toks;
    size_t toks_len;
};

static int cmp_loaded(const void *x, const void *y)
{
    const struct loaded *a = x, *b = y;
    if (a->p.priority != b->p.priority)
        return a->p.priority < b->p.priority ? -1 : 1;
    return strcmp(a->p.name, b->p.name);
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct wd_buf b;
    wd_buf_init(&b, 16u << 20);
    char tmp[65536];
    size_t n;
    int rc = WD_OK;
    while (rc == WD_OK && (n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        rc = wd_buf_append(&b, tmp, n);
    bool bad = ferror(f) || rc;
    fclose(f);
    if (bad) {
        wd_buf_fini(&b);
        return NULL;
    }
    if (wd_buf_putc(&b, 0)) {
        wd_buf_fini(&b);
        return NULL;
    }
    b.len--;
    return wd_buf_detach(&b, len);
}

/* The .lua files of `dir` (or `dir` itself when it is a file), sorted. */
static int list_files(const char *dir, char ***out, int *n, FILE *errs)
{
    struct stat st;
    *out = NULL;
    *n = 0;
    if (stat(dir, &st)) {
        fprintf(errs, "%s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        *out = wd_xmalloc(sizeof(char *));
        (*out)[0] = strdup(dir);
        *n = 1;
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(errs, "%s: %s\n", dir, strerror(errno));
        return 1;
    }
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".lua") || de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, (size_t)cap * sizeof(char *));
            if (!*out)
                abort();
        }
        size_t pl = strlen(dir) + l + 2;
        char *p = wd_xmalloc(pl);
        snprintf(p, pl, "%s/%s", dir, de->d_name);
        (*out)[(*n)++] = p;
    }
    closedir(d);
    if (*n)
        qsort(*out, (size_t)*n, sizeof(char *), cmp_cstr);
    return 0;
}

static int set_load(const struct wd_plug_opts *o, struct wd_plug_set **out, FILE *errs)
{
    *out = NULL;
    char **files;
    int nf, nerr = list_files(o->dir, &files, &nf, errs);
    if (nerr)
        return nerr;
    struct loaded *ld = calloc((size_t)nf + 1, sizeof(*ld));
    int n = 0;
    struct wd_plug_vm *vm = wd_plug_vm_new();
    if (!ld || !vm) {
        fprintf(errs, "%s: out of memory\n", o->dir);
        nerr++;
        goto out;
    }
    if (nf > WD_PLUG_MAX) {
        fprintf(errs, "%s: %d plugins, at most %d are supported\n", o->dir, nf, WD_PLUG_MAX);
        nerr++;
        goto out;
    }
    for (int i = 0; i < nf; i++) {
        size_t len;
        char *src = read_all(files[i], &len), err[512];
        if (!src) {
            fprintf(errs, "%s: cannot read: %s\n", files[i], strerror(errno));
            nerr++;
            continue;
        }
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        char def[256];
        snprintf(def, sizeof(def), "%.*s", (int)(strlen(base) - 4), base);
        int ref;
        struct loaded *l = &ld[n];
        if (wd_plug_vm_load(vm, files[i], src, len, def, &ref, &l->p.name, &l->p.priority, &l->toks,
                            &l->toks_len, err, sizeof(err))) {
            fprintf(errs, "%s\n", err);
            free(src);
            nerr++;
            continue;
        }
        if (!l->p.name[0] || strspn(l->p.name, NAME_CHARS) != strlen(l->p.name)) {
            /* names are metric labels and log fields: keep them plain */
            fprintf(errs, "%s:1: plugin name '%.64s' must be letters, digits, '_', '-' or '.'\n",
                    files[i], l->p.name);
            nerr++;
        }
        for (int j = 0; j < n; j++)
            if (!strcmp(ld[j].p.name, l->p.name)) {
                fprintf(errs, "%s:1: plugin name '%s' is also used by %s\n", files[i], l->p.name,
                        ld[j].p.path);
                nerr++;
            }
        l->p.path = strdup(files[i]);
        l->p.src = src;
        l->p.src_len = len;
        n++;
    }
    if (nerr)
        goto out;
    qsort(ld, (size_t)n, sizeof(*ld), cmp_loaded);
    struct wd_plug_set *ps = calloc(1, sizeof(*ps));
    if (!ps)
        abort();
    ps->refs = 1;
    ps->o = *o;
    ps->dir = strdup(o->dir);
    ps->o.dir = ps->dir;
    ps->n = n;
    ps->v = calloc((size_t)n + 1, sizeof(*ps->v));
    size_t ntok = 0;
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < ld[i].toks_len; k += strlen(ld[i].toks + k) + 1)
            ntok++;
    ps->ntok_slots = 16;
    while (ps->ntok_slots < ntok * 2 + 2)
        ps->ntok_slots *= 2;
    ps->tok = calloc(ps->ntok_slots, sizeof(*ps->tok));
    if (!ps->v || !ps->tok)
        abort();
    for (int i = 0; i < n; i++) {
        ps->v[i] = ld[i].p;
        memset(&ld[i].p, 0, sizeof(ld[i].p));
        for (size_t k = 0; k < ld[i].toks_len; k += strlen(ld[i].toks + k) + 1)
            if (tok_add(ps, ld[i].toks + k, strlen(ld[i].toks + k), i))
                abort();
    }
    *out = ps;
out:
    for (int i = 0; i < n; i++) {
        free(ld[i].p.name);
        free(ld[i].p.path);
        free(ld[i].p.src);
        free(ld[i].toks);
    }
    free(ld);
    wd_plug_vm_free(vm);
    for (int i = 0; i < nf; i++)
        free(files[i]);
    free(files);
    return nerr;
}

/* ---- per-thread states ---- */

static void vm_destroy(void *p)
{
    struct wd_plug_vm *vm = p;
    if (!vm)
        return;
    struct wd_plug_set *ps = vm->set;
    wd_plug_vm_free(vm);
    set_unref(ps);
}

static struct wd_plug_set *cur_ref(struct wd_plugins *p)
{
    pthread_mutex_lock(&p->mu);
    struct wd_plug_set *ps = p->cur;
    __atomic_add_fetch(&ps->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&p->mu);
    return ps;
}

/* This thread's state for the current set: built again after a reload. */
static struct wd_plug_vm *thread_vm(struct wd_plugins *p)
{
    struct wd_plug_vm *vm = pthread_getspecific(p->key);
    if (vm && vm->set == __atomic_load_n(&p->cur, __ATOMIC_ACQUIRE))
        return vm;
    vm_destroy(vm);
    pthread_setspecific(p->key, NULL);
    struct wd_plug_set *ps = cur_ref(p);
    vm = wd_plug_vm_new();
    if (!vm) {
        set_unref(ps);
        return NULL;
    }
    vm->set = ps;
    vm->fn = calloc((size_t)ps->n + 1, sizeof(int));
    if (!vm->fn) {
        vm_destroy(vm);
        return NULL;
    }
    for (int i = 0; i < ps->n; i++) {
        char *name = NULL, *toks = NULL, err[512];
        double prio;
        size_t tl;
        /* loaded once already: an error now means out of memory or a file with side
         * effects in its top level; the plugin then never runs in this thread */
        if (wd_plug_vm_load(vm, ps->v[i].path, ps->v[i].src, ps->v[i].src_len, "", &vm->fn[i],
                            &name, &prio, &toks, &tl, err, sizeof(err))) {
            wd_log_rl(&p->rl, WD_LOG_ERROR, "plugins", "%s: %s", ps->v[i].name, err);
            vm->fn[i] = WD_PLUG_NOREF;
        }
        free(name);
        free(toks);
    }
    vm->max_steps = ps->o.max_instructions;
    pthread_setspecific(p->key, vm);
    return vm;
}

/* ---- public ---- */

int wd_plugins_new(const struct wd_plug_opts *o, struct wd_plugins **out, FILE *errs)
{
    *out = NULL;
    struct wd_plug_set *ps;
    int nerr = set_load(o, &ps, errs);
    if (nerr)
        return nerr;
    struct wd_plugins *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->o = *o;
    p->dir = strdup(o->dir);
    p->o.dir = p->dir;
    pthread_mutex_init(&p->mu, NULL);
    pthread_key_create(&p->key, vm_destroy);
    p->cur = ps;
    p->rl = (struct wd_ratelimit)WD_RATELIMIT_INIT(10);
    *out = p;
    return 0;
}

void wd_plugins_free(struct wd_plugins *p)
{
    if (!p)
        return;
    vm_destroy(pthread_getspecific(p->key));
    pthread_key_delete(p->key);
    set_unref(p->cur);
    pthread_mutex_destroy(&p->mu);
    free(p->dir);
    free(p);
}

int wd_plugins_reload(struct wd_plugins *p, FILE *errs)
{
    struct wd_plug_set *ps;
    int nerr = set_load(&p->o, &ps, errs);
    if (nerr)
        return nerr;
    pthread_mutex_lock(&p->mu);
    struct wd_plug_set *old = p->cur;
    __atomic_store_n(&p->cur, ps, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&p->mu);
    set_unref(old);
    return 0;
}

int wd_plugins_count(struct wd_plugins *p)
{
    struct wd_plug_set *ps = cur_ref(p);
    int n = ps->n;
    set_unref(ps);
    return n;
}

/* Collects the plugins whose tokens occur in the event: one walk, one lookup a token. */
static void match(const struct wd_plug_set *ps, const struct wd_jv *v, uint64_t *m, int depth)
{
    if (depth > 64)
        return;
    if (v->type == WD_JV_STR) {
        if (v->u.s.len >= ps->tok_min && v->u.s.len <= ps->tok_max) {
            const struct wd_plug_tok *t = tok_find(ps, v->u.s.p, v->u.s.len);
            for (int i = 0; t && i < WD_PLUG_WORDS; i++)
                m[i] |= t->mask[i];
        }
        return;
    }
    if (v->type != WD_JV_OBJ && v->type != WD_JV_ARR)
        return;
    for (const struct wd_jv *k = v->u.kids.head; k; k = k->next) {
        if (v->type == WD_JV_OBJ && k->key.len >= ps->tok_min && k->key.len <= ps->tok_max) {
            const struct wd_plug_tok *t = tok_find(ps, k->key.p, k->key.len);
            for (int i = 0; t && i < WD_PLUG_WORDS; i++)
                m[i] |= t->mask[i];
        }
        match(ps, k, m, depth + 1);
    }
}

static void failed(struct wd_plugins *p, struct wd_plug *pl, const char *err)
{
    __atomic_add_fetch(&pl->errors, 1, __ATOMIC_RELAXED);
    uint32_t c = __atomic_add_fetch(&pl->consecutive, 1, __ATOMIC_RELAXED);
    char esc[300];
    wd_log_rl(&p->rl, WD_LOG_WARN, "plugins", "plugin %s failed: %s", pl->name,
              wd_log_escape(esc, sizeof(esc), err, strlen(err)));
    if (p->o.max_failures && c >= (uint64_t)p->o.max_failures &&
        !__atomic_exchange_n(&pl->disabled, true, __ATOMIC_ACQ_REL))
        wd_log(WD_LOG_ERROR, "plugins",
               "plugin %s disabled after %u failures in a row (reload to enable it again)",
               pl->name, c);
}

int wd_plugins_run(struct wd_plugins *p, struct wd_arena *a, struct wd_jv **ev,
                   struct wd_plug_result *res)
{
    memset(res, 0, sizeof(*res));
    struct wd_plug_set *ps = __atomic_load_n(&p->cur, __ATOMIC_ACQUIRE);
    if (!ps->n || (*ev)->type != WD_JV_OBJ)
        return WD_OK;
    uint64_t m[WD_PLUG_WORDS] = {0};
    match(ps, *ev, m, 0);
    bool any = false;
    for (int i = 0; i < WD_PLUG_WORDS; i++)
        any |= m[i] != 0;
    if (!any)
        return WD_OK;
    struct wd_plug_vm *vm = thread_vm(p);
    if (!vm)
        return WD_ENOMEM;
    if (vm->set != ps) { /* a reload between the match and now: match the state's set */
        ps = vm->set;
        memset(m, 0, sizeof(m));
        match(ps, *ev, m, 0);
    }
    struct wd_jv *names = NULL;
    const char *part = NULL, *docid = NULL;
    for (int i = 0; i < ps->n; i++) {
        if (!(m[i / 64] >> (i % 64) & 1))
            continue;
        struct wd_plug *pl = &ps->v[i];
        if (__atomic_load_n(&pl->disabled, __ATOMIC_RELAXED) || vm->fn[i] == WD_PLUG_NOREF)
            continue;
        char err[512];
        const char *pp, *pid;
        __atomic_add_fetch(&pl->runs, 1, __ATOMIC_RELAXED);
        res->ran++;
        int rc = wd_plug_vm_call(vm, vm->fn[i], a, ev, &pp, &pid, err, sizeof(err));
        if (rc == WD_ENOMEM)
            return rc;
        if (!names && !(names = wd_jv_new(a, WD_JV_ARR)))
            return WD_ENOMEM;
        struct wd_jv *nm = wd_jv_str(a, pl->name, strlen(pl->name));
        if (!nm)
            return WD_ENOMEM;
        wd_jv_push(names, nm);
        if (rc == WD_EPARSE) {
            res->errors++;
            failed(p, pl, err);
            if (p->o.drop_on_error) {
                __atomic_add_fetch(&pl->drops, 1, __ATOMIC_RELAXED);
                res->dropped = true;
                res->dropped_by = pl->name;
                return WD_OK;
            }
            continue;
        }
        __atomic_store_n(&pl->consecutive, 0, __ATOMIC_RELAXED);
        if (rc == 1) {
            __atomic_add_fetch(&pl->drops, 1, __ATOMIC_RELAXED);
            res->dropped = true;
            res->dropped_by = pl->name;
            return WD_OK;
        }
        if (pp)
            part = pp;
        if (pid)
            docid = pid;
    }
    struct wd_jv *e = *ev;
    if (part) {
        bool divert = strcmp(part, "events") != 0;
        struct wd_jv *d = wd_jv_bool(a, divert);
        struct wd_jv *ds = divert ? wd_jv_str(a, part, strlen(part)) : NULL;
        if (!d || (divert && !ds))
            return WD_ENOMEM;
        wd_jv_set(e, WD_STR("diverted"), d);
        if (ds)
            wd_jv_set(e, WD_STR("dataset"), ds);
    }
    if (docid) {
        struct wd_jv *d = wd_jv_str(a, docid, strlen(docid));
        if (!d)
            return WD_ENOMEM;
        wd_jv_set(e, WD_STR("documentid"), d);
    }
    if (names && !wd_jv_get(e, "mozdef")) {
        struct wd_jv *moz = wd_jv_new(a, WD_JV_OBJ);
        if (!moz)
            return WD_ENOMEM;
        wd_jv_add(moz, WD_STR("plugins"), names);
        wd_jv_add(e, WD_STR("mozdef"), moz);
    }
    return WD_OK;
}

void wd_plugins_render_prom(struct wd_plugins *p, struct wd_buf *o)
{
    if (!p)
        return;
    struct wd_plug_set *ps = cur_ref(p);
    static const char *const fam[][2] = {
        {"ward_plugin_runs_total", "Calls of a plugin's process function."},
        {"ward_plugin_errors_total",
         "Plugin calls that raised an error or exceeded a budget (event kept unmodified "
         "unless plugins.on_error is drop)."},
        {"ward_plugin_drops_total", "Events a plugin dropped."},
        {"ward_plugin_disabled", "1 when the plugin was disabled after failing repeatedly."},
    };
    for (int f = 0; f < 4; f++) {
        wd_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", fam[f][0], fam[f][1], fam[f][0],
                      f == 3 ? "gauge" : "counter");
        for (int i = 0; i < ps->n; i++) {
            struct wd_plug *pl = &ps->v[i];
            uint64_t v = f == 0   ? __atomic_load_n(&pl->runs, __ATOMIC_RELAXED)
                         : f == 1 ? __atomic_load_n(&pl->errors, __ATOMIC_RELAXED)
                         : f == 2 ? __atomic_load_n(&pl->drops, __ATOMIC_RELAXED)
                                  : __atomic_load_n(&pl->disabled, __ATOMIC_RELAXED);
            wd_buf_printf(o, "%s{plugin=\"%s\"} %llu\n", fam[f][0], pl->name,
                          (unsigned long long)v);
        }
    }
    set_unref(ps);
}

void wd_plugins_render_health(struct wd_plugins *p, struct wd_buf *o)
{
    if (!p)
        return;
    struct wd_plug_set *ps = cur_ref(p);
    wd_buf_printf(o, ",\"plugins\":{\"loaded\":%d,\"disabled\":[", ps->n);
    int k = 0;
    for (int i = 0; i < ps->n; i++)
        if (__atomic_load_n(&ps->v[i].disabled, __ATOMIC_RELAXED)) {
            if (k++)
                wd_buf_putc(o, ',');
            wd_jv_write_str(ps->v[i].name, strlen(ps->v[i].name), o);
        }
    wd_buf_printf(o, "]}");
    set_unref(ps);
}
