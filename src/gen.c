/*
 * gen.c: the generator object: options, the simulated clock, the queue of pending records
 * and wd_gen_next(), which releases them in timestamp order and renders each one.
 *
 * How time works: a session (see gen_int.h) starts at the clock and pushes records at or
 * after that instant; every record advances the clock by one jittered mean gap (1/rate
 * seconds, uniform 0.5x..1.5x), so the output rate matches --rate on average. Records due
 * soon advance it when pushed; records far ahead (a logout minutes later) when released,
 * so a short run is not stretched by records it never outputs. A record is released once
 * the clock has passed its timestamp; as sessions never push records before the clock and
 * the clock never goes back, released timestamps never decrease.
 */
#include "gen_int.h"
#include "mem.h"

#define DEFAULT_START_US 1767225600000000LL /* 2026-01-01T00:00:00Z */

/* ---- names ----------------------------------------------------------------------------- */

static const char *const kind_names[] = {
    [WD_GEN_ZEEK_CONN] = "zeek-conn",   [WD_GEN_ZEEK_DNS] = "zeek-dns",
    [WD_GEN_ZEEK_HTTP] = "zeek-http",   [WD_GEN_ZEEK_SSL] = "zeek-ssl",
    [WD_GEN_ZEEK_SSH] = "zeek-ssh",     [WD_GEN_ZEEK_X509] = "zeek-x509",
    [WD_GEN_ZEEK_MIX] = "zeek-mix",     [WD_GEN_SYSLOG] = "syslog",
    [WD_GEN_CLOUDTRAIL] = "cloudtrail", [WD_GEN_MIX] = "mix",
};

static const char *const fmt_names[] = {
    [WD_GEN_FMT_DEFAULT] = "default", [WD_GEN_FMT_TSV] = "tsv",
    [WD_GEN_FMT_JSON] = "json",       [WD_GEN_FMT_MOZDEF] = "mozdef",
    [WD_GEN_FMT_RFC3164] = "rfc3164", [WD_GEN_FMT_RFC5424] = "rfc5424",
    [WD_GEN_FMT_NATIVE] = "native",
};

int wd_gen_kind_parse(const char *s, enum wd_gen_kind *out)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(kind_names); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum wd_gen_kind)i;
            return WD_OK;
        }
    }
    return WD_EINVAL;
}

int wd_gen_fmt_parse(const char *s, enum wd_gen_fmt *out)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(fmt_names); i++) {
        if (strcmp(s, fmt_names[i]) == 0) {
            *out = (enum wd_gen_fmt)i;
            return WD_OK;
        }
    }
    if (strcmp(s, "zeek") == 0 || strcmp(s, "ascii") == 0) {
        *out = WD_GEN_FMT_TSV;
        return WD_OK;
    }
    if (strcmp(s, "3164") == 0 || strcmp(s, "bsd") == 0) {
        *out = WD_GEN_FMT_RFC3164;
        return WD_OK;
    }
    if (strcmp(s, "5424") == 0) {
        *out = WD_GEN_FMT_RFC5424;
        return WD_OK;
    }
    return WD_EINVAL;
}

const char *wd_gen_kind_name(enum wd_gen_kind k)
{
    return (size_t)k < WD_ARRAY_LEN(kind_names) ? kind_names[k] : "?";
}

const char *wd_gen_fmt_name(enum wd_gen_fmt f)
{
    return (size_t)f < WD_ARRAY_LEN(fmt_names) ? fmt_names[f] : "?";
}

static bool is_zeek(enum wd_gen_kind k)
{
    return k <= WD_GEN_ZEEK_MIX;
}

enum wd_gen_fmt wd_gen_fmt_default(enum wd_gen_kind k)
{
    if (k == WD_GEN_SYSLOG)
        return WD_GEN_FMT_RFC3164;
    if (k == WD_GEN_MIX)
        return WD_GEN_FMT_MOZDEF;
    return WD_GEN_FMT_JSON;
}

bool wd_gen_fmt_ok(enum wd_gen_kind k, enum wd_gen_fmt f)
{
    if (f == WD_GEN_FMT_DEFAULT || f == WD_GEN_FMT_MOZDEF)
        return (size_t)k < WD_ARRAY_LEN(kind_names);
    if (is_zeek(k))
        return f == WD_GEN_FMT_TSV || f == WD_GEN_FMT_JSON;
    if (k == WD_GEN_SYSLOG)
        return f == WD_GEN_FMT_RFC3164 || f == WD_GEN_FMT_RFC5424;
    if (k == WD_GEN_CLOUDTRAIL)
        return f == WD_GEN_FMT_JSON;
    if (k == WD_GEN_MIX)
        return f == WD_GEN_FMT_NATIVE;
    return false;
}

/* ---- time parsing ------------------------------------------------------------------------ */

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

int wd_gen_parse_time(const char *s, int64_t *us)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    const char *p = s;

    if (!s || !*s)
        return WD_EINVAL;
    if (strcmp(s, "now") == 0) {
        *us = wd_now_us();
        return WD_OK;
    }
    if (*p == '@') {
        /* epoch seconds with an optional fraction */
        int64_t v = 0;
        bool neg = false;
        p++;
        if (*p == '-') {
            neg = true;
            p++;
        }
        if (*p < '0' || *p > '9')
            return WD_EINVAL;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p++ - '0');
            if (v > 253402300799LL) /* 9999-12-31T23:59:59Z */
                return WD_EINVAL;
        }
        if (neg && v > 62135596800LL) /* before 0001-01-01 */
            return WD_EINVAL;
        v *= GEN_US;
        if (*p == '.') {
            int64_t scale = GEN_US / 10;
            p++;
            while (*p >= '0' && *p <= '9') {
                v += (*p++ - '0') * scale;
                scale /= 10;
            }
        }
        if (*p)
            return WD_EINVAL;
        *us = neg ? -v : v;
        return WD_OK;
    }
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return WD_EINVAL;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return WD_EINVAL;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return WD_EINVAL;
            if (*p == '.' || *p == ',') {
                int64_t scale = GEN_US / 10;
                p++;
                if (*p < '0' || *p > '9')
                    return WD_EINVAL;
                while (*p >= '0' && *p <= '9') {
                    frac += (*p++ - '0') * scale;
                    scale /= 10;
                }
            }
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh))
            return WD_EINVAL;
        if (*p == ':')
            p++;
        if (*p && !digits(&p, 2, &om))
            return WD_EINVAL;
        if (oh > 23 || om > 59)
            return WD_EINVAL;
        off = (int64_t)sign * (oh * 3600 + om * 60);
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return WD_EINVAL;
    int64_t days = wd_gen_days_from_civil(y, mo, d);
    *us = ((days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec) - off) * GEN_US + frac;
    return WD_OK;
}

/* ---- object ------------------------------------------------------------------------------ */

void wd_gen_opts_init(struct wd_gen_opts *o)
{
    o->fmt = WD_GEN_FMT_DEFAULT;
    o->count = 1000;
    o->seed = 1;
    o->start_us = DEFAULT_START_US;
    o->rate_eps = 1000;
    o->bulk = false;
    o->index = "events";
    o->split = false;
}

static bool fmt_is_json(enum wd_gen_kind k, enum wd_gen_fmt f)
{
    if (f == WD_GEN_FMT_MOZDEF)
        return true;
    return f == WD_GEN_FMT_JSON && (is_zeek(k) || k == WD_GEN_CLOUDTRAIL);
}

struct wd_gen *wd_gen_new(const struct wd_gen_opts *o)
{
    if (!o || (size_t)o->kind >= WD_ARRAY_LEN(kind_names) || !wd_gen_fmt_ok(o->kind, o->fmt))
        return NULL;
    if (!(o->rate_eps >= 0.001 && o->rate_eps <= 1e9))
        return NULL;
    enum wd_gen_fmt f = o->fmt == WD_GEN_FMT_DEFAULT ? wd_gen_fmt_default(o->kind) : o->fmt;
    if (o->bulk && !fmt_is_json(o->kind, f))
        return NULL;
    if (o->bulk && (!o->index || strlen(o->index) > 255))
        return NULL;

    struct wd_gen *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->o = *o;
    g->o.fmt = f;
    if (!g->o.index)
        g->o.index = "events";
    g->pool = malloc(GEN_POOL_MAX * sizeof(*g->pool));
    g->free_slots = malloc(GEN_POOL_MAX * sizeof(*g->free_slots));
    g->heap = malloc(GEN_POOL_MAX * sizeof(*g->heap));
    g->x509_seen = calloc(wd_gen_ncerts, sizeof(*g->x509_seen));
    g->scratch = malloc(GEN_SCRATCH_MAX);
    if (!g->pool || !g->free_slots || !g->heap || !g->x509_seen || !g->scratch) {
        wd_gen_free(g);
        return NULL;
    }
    for (uint32_t i = 0; i < GEN_POOL_MAX; i++)
        g->free_slots[i] = GEN_POOL_MAX - 1 - i;
    g->nfree = GEN_POOL_MAX;
    gen_rng_seed(&g->rng, o->seed ^ 0x7761726447454e31ULL); /* "wardGEN1" */
    g->clock_us = o->start_us;
    double gap = 1e6 / o->rate_eps * 65536.0;
    g->gap_q16 = (uint64_t)(gap + 0.5);
    g->last_log = -1;
    g->tsv_log = -1;
    g->sys_next_burst = (uint64_t)gen_range(&g->rng, 8, 40);
    g->ct_next_burst = (uint64_t)gen_range(&g->rng, 30, 200);
    return g;
}

void wd_gen_free(struct wd_gen *g)
{
    if (!g)
        return;
    free(g->pool);
    free(g->free_slots);
    free(g->heap);
    free(g->x509_seen);
    free(g->scratch);
    free(g->tmp);
    free(g);
}

/* ---- queue ------------------------------------------------------------------------------- */

static bool hless(const struct gen_hent *a, const struct gen_hent *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

struct gen_rec *wd_gen_push(struct wd_gen *g, int64_t ts, enum gen_log log)
{
    if (!g->nfree)
        return NULL;
    if (ts < g->session_t0)
        ts = g->session_t0;
    uint32_t slot = g->free_slots[--g->nfree];
    struct gen_rec *r = &g->pool[slot];
    r->ts_us = ts;
    r->write_us = ts;
    r->log = (uint8_t)log;
    r->sensor = NULL;
    /* "far": beyond 64 mean gaps from the session start */
    r->deferred = (uint64_t)(ts - g->session_t0) > (g->gap_q16 >> 10);
    g->session_adv += !r->deferred;
    /* sift up */
    uint32_t i = g->nheap++;
    struct gen_hent e = {ts, g->seq++, slot};
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!hless(&e, &g->heap[p]))
            break;
        g->heap[i] = g->heap[p];
        i = p;
    }
    g->heap[i] = e;
    g->session_recs++;
    return r;
}

static uint32_t pop(struct wd_gen *g)
{
    uint32_t slot = g->heap[0].slot;
    struct gen_hent last = g->heap[--g->nheap];
    uint32_t i = 0, n = g->nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && hless(&g->heap[c + 1], &g->heap[c]))
            c++;
        if (!hless(&g->heap[c], &last))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    if (n)
        g->heap[i] = last;
    g->free_slots[g->nfree++] = slot;
    return slot;
}

void *wd_gen_scratch(struct wd_gen *g, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    WD_BUG_ON(g->scratch_len + n > GEN_SCRATCH_MAX);
    void *p = g->scratch + g->scratch_len;
    g->scratch_len += n;
    return p;
}

int64_t wd_gen_burst_gap(struct wd_gen *g, int64_t lo, int64_t hi)
{
    int64_t natural = gen_range(&g->rng, lo, hi);
    uint64_t j = 32768 + gen_below(&g->rng, 65536);
    int64_t dense = (int64_t)((((unsigned __int128)g->gap_q16 * j) >> 16) >> 16);
    return WD_MIN(natural, dense);
}

int64_t wd_gen_follow(struct wd_gen *g, int64_t natural)
{
    int64_t cap = (int64_t)((g->gap_q16 >> 16) * 4096) + 4096;
    return WD_MIN(natural, cap);
}

static void advance(struct wd_gen *g)
{
    uint64_t j = 32768 + gen_below(&g->rng, 65536); /* 0.5 .. 1.5 */
    uint64_t step = (uint64_t)(((unsigned __int128)g->gap_q16 * j) >> 16) + g->clock_frac;
    g->clock_us += (int64_t)(step >> 16);
    g->clock_frac = (uint32_t)(step & 0xffff);
}

static void session(struct wd_gen *g)
{
    static const unsigned zeek_logs[] = {
        [WD_GEN_ZEEK_CONN] = 1u << GL_CONN, [WD_GEN_ZEEK_DNS] = 1u << GL_DNS,
        [WD_GEN_ZEEK_HTTP] = 1u << GL_HTTP, [WD_GEN_ZEEK_SSL] = 1u << GL_SSL,
        [WD_GEN_ZEEK_SSH] = 1u << GL_SSH,   [WD_GEN_ZEEK_X509] = 1u << GL_X509,
        [WD_GEN_ZEEK_MIX] = 0x3f,
    };
    int64_t t0 = g->clock_us;
    g->session_t0 = t0;
    g->session_recs = 0;
    g->session_adv = 0;
    switch (g->o.kind) {
    case WD_GEN_SYSLOG:
        wd_gen_syslog_session(g, t0);
        break;
    case WD_GEN_CLOUDTRAIL:
        wd_gen_ct_session(g, t0);
        break;
    case WD_GEN_MIX: {
        uint64_t x = gen_below(&g->rng, 100);
        if (x < 72)
            wd_gen_zeek_session(g, t0, 0x3f);
        else if (x < 92)
            wd_gen_syslog_session(g, t0);
        else
            wd_gen_ct_session(g, t0);
        break;
    }
    default:
        wd_gen_zeek_session(g, t0, zeek_logs[g->o.kind]);
        break;
    }
    for (uint32_t i = 0; i < g->session_adv; i++)
        advance(g);
}

/* ---- output ------------------------------------------------------------------------------ */

static char *render(struct wd_gen *g, const struct gen_rec *r, char *w)
{
    enum wd_gen_fmt f = g->o.fmt;
    g->scratch_len = 0;
    if (r->log == GL_SYSLOG) {
        if (f == WD_GEN_FMT_NATIVE)
            f = WD_GEN_FMT_RFC3164;
        return wd_gen_syslog_render(g, r, w, f);
    }
    if (r->log == GL_CLOUDTRAIL)
        return wd_gen_ct_render(g, r, w, f == WD_GEN_FMT_NATIVE ? WD_GEN_FMT_JSON : f);
    return wd_gen_zeek_render(g, r, w, f == WD_GEN_FMT_NATIVE ? WD_GEN_FMT_JSON : f);
}

size_t wd_gen_next(struct wd_gen *g, struct wd_buf *out)
{
    if (!g || g->err)
        return 0;
    if (g->o.count && g->produced >= g->o.count)
        return 0;
    int idle = 0;
    while (!g->nheap || g->heap[0].ts > g->clock_us) {
        if (g->nheap && g->nfree < 1024) {
            /* queue nearly full (very long sessions at a high rate): release early */
            g->clock_us = g->heap[0].ts;
            break;
        }
        session(g);
        if (!g->session_recs && ++idle > 1000) {
            advance(g);
            idle = 0;
        }
    }
    uint32_t slot = pop(g);
    const struct gen_rec *r = &g->pool[slot];
    if (r->deferred)
        advance(g);

    /* Render in place when the buffer can take a maximal event, else via a private
     * buffer and a checked append (a capped wd_buf close to its cap). */
    bool direct = !out->max_len || out->max_len - WD_MIN(out->len, out->max_len) > GEN_REC_MAX;
    char *start;
    if (direct) {
        int rc = wd_buf_reserve(out, GEN_REC_MAX);
        if (rc) {
            g->err = rc;
            return 0;
        }
        start = out->p + out->len;
    } else {
        if (!g->tmp && !(g->tmp = malloc(GEN_REC_MAX))) {
            g->err = WD_ENOMEM;
            return 0;
        }
        start = g->tmp;
    }
    char *w = start;
    if (g->o.fmt == WD_GEN_FMT_TSV && !g->o.split && r->log != g->tsv_log) {
        if (g->tsv_log >= 0)
            w = wd_gen_zeek_close(g->last_ts, w);
        w = wd_gen_zeek_header((enum gen_log)r->log, r->ts_us, w);
        g->tsv_log = r->log;
    }
    if (g->o.bulk) {
        w = GEN_LIT(w, "{\"index\":{\"_index\":");
        w = gen_jstr(w, g->o.index);
        w = GEN_LIT(w, "}}\n");
    }
    w = render(g, r, w);
    size_t n = (size_t)(w - start);
    WD_BUG_ON(n >= GEN_REC_MAX);
    if (direct) {
        out->len += n;
        out->p[out->len] = '\0';
    } else {
        int rc = wd_buf_append(out, start, n);
        if (rc) {
            g->err = rc;
            return 0;
        }
    }
    g->last_log = r->log;
    g->last_ts = r->ts_us;
    g->produced++;
    return n;
}

int wd_gen_finish(struct wd_gen *g, struct wd_buf *out)
{
    if (!g || g->o.fmt != WD_GEN_FMT_TSV || g->o.split || g->tsv_log < 0)
        return WD_OK;
    int rc = wd_buf_reserve(out, 64);
    if (rc)
        return rc;
    char *w = wd_gen_zeek_close(g->last_ts, out->p + out->len);
    out->len = (size_t)(w - out->p);
    out->p[out->len] = '\0';
    g->tsv_log = -1;
    return WD_OK;
}

static int log_by_name(const char *path)
{
    for (int i = 0; i <= GL_X509; i++)
        if (strcmp(path, wd_gen_log_names[i]) == 0)
            return i;
    return -1;
}

int wd_gen_header(struct wd_gen *g, const char *path, struct wd_buf *out)
{
    int log = log_by_name(path);
    if (log < 0)
        return strcmp(path, "syslog") == 0 || strcmp(path, "cloudtrail") == 0 ? WD_OK : WD_ENOENT;
    if (g->o.fmt != WD_GEN_FMT_TSV)
        return WD_OK;
    int rc = wd_buf_reserve(out, 4096);
    if (rc)
        return rc;
    char *w = wd_gen_zeek_header((enum gen_log)log, g->produced ? g->last_ts : g->o.start_us,
                                 out->p + out->len);
    out->len = (size_t)(w - out->p);
    out->p[out->len] = '\0';
    return WD_OK;
}

int wd_gen_footer(struct wd_gen *g, const char *path, struct wd_buf *out)
{
    int log = log_by_name(path);
    if (log < 0)
        return strcmp(path, "syslog") == 0 || strcmp(path, "cloudtrail") == 0 ? WD_OK : WD_ENOENT;
    if (g->o.fmt != WD_GEN_FMT_TSV)
        return WD_OK;
    int rc = wd_buf_reserve(out, 64);
    if (rc)
        return rc;
    char *w = wd_gen_zeek_close(g->produced ? g->last_ts : g->o.start_us, out->p + out->len);
    out->len = (size_t)(w - out->p);
    out->p[out->len] = '\0';
    return WD_OK;
}

const char *wd_gen_path(const struct wd_gen *g)
{
    return g && g->last_log >= 0 ? wd_gen_log_names[g->last_log] : "";
}

int64_t wd_gen_ts(const struct wd_gen *g)
{
    return g && g->produced ? g->last_ts : 0;
}

uint64_t wd_gen_produced(const struct wd_gen *g)
{
    return g ? g->produced : 0;
}

int wd_gen_err(const struct wd_gen *g)
{
    return g ? g->err : WD_EINVAL;
}
