/*
 * lag.c: per (sensor, log) lag histograms and last-seen times (see lag.h). Each series
 * keeps cumulative Prometheus buckets per kind and a ring of 10-second slots of fine
 * log-spaced buckets for recent-window quantiles. Series live in an open-addressing hash
 * table; the whole table is guarded by one mutex.
 */
#include <math.h>
#include <pthread.h>

#include "lag.h"

#include "mem.h"

#define NFINE   96 /* fine bucket k holds lags <= FINE0 * FINE_F^k s (up to ~76 years) */
#define FINE0   0.001
#define FINE_F  1.35
#define SLOTS   12 /* ring of 10 s slots: window quantiles over up to 120 s */
#define SLOT_US 10000000LL
#define HSIZE   8192 /* hash slots (2 x WD_LAG_MAX_SERIES) */

static const double prom_le[] = {0.1, 0.5, 1,   2,    5,    10,    30,   60,
                                 120, 300, 600, 1800, 3600, 21600, 86400};
#define NPROM (WD_ARRAY_LEN(prom_le) + 1) /* + the +Inf bucket */

struct slot {
    int64_t epoch; /* recv_us / SLOT_US of the events counted here; -1 = empty */
    uint32_t fine[WD_LAG__COUNT][NFINE];
};

struct series {
    char sensor[64], log[48];
    uint64_t events, future;
    uint64_t prom[WD_LAG__COUNT][NPROM]; /* non-cumulative */
    uint64_t nobs[WD_LAG__COUNT];
    double sum_s[WD_LAG__COUNT];
    int64_t last_seen_us, last_event_us;
    struct slot ring[SLOTS];
};

struct wd_lag {
    pthread_mutex_t mu;
    struct series *h[HSIZE];
    struct series *all[WD_LAG_MAX_SERIES];
    size_t n;
    uint64_t dropped;
};

struct wd_lag *wd_lag_new(void)
{
    struct wd_lag *l = wd_xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void wd_lag_free(struct wd_lag *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->all[i]);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint32_t hash2(struct wd_str a, struct wd_str b)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < a.len; i++)
        h = (h ^ (unsigned char)a.p[i]) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (size_t i = 0; i < b.len; i++)
        h = (h ^ (unsigned char)b.p[i]) * 16777619u;
    return h;
}

static bool same(const char *s, struct wd_str v, size_t cap)
{
    size_t n = WD_MIN(v.len, cap - 1);
    return strlen(s) == n && memcmp(s, v.p, n) == 0;
}

/* Finds or creates a series; NULL when the table is full. Caller holds mu. */
static struct series *find(struct wd_lag *l, struct wd_str sensor, struct wd_str log, bool create)
{
    uint32_t i = hash2(sensor, log) & (HSIZE - 1);
    for (;; i = (i + 1) & (HSIZE - 1)) {
        struct series *s = l->h[i];
        if (!s)
            break;
        if (same(s->sensor, sensor, sizeof(s->sensor)) && same(s->log, log, sizeof(s->log)))
            return s;
    }
    if (!create || l->n == WD_LAG_MAX_SERIES)
        return NULL;
    struct series *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    snprintf(s->sensor, sizeof(s->sensor), "%.*s", (int)WD_MIN(sensor.len, 63), sensor.p);
    snprintf(s->log, sizeof(s->log), "%.*s", (int)WD_MIN(log.len, 47), log.p);
    for (int k = 0; k < SLOTS; k++)
        s->ring[k].epoch = -1;
    l->h[i] = s;
    l->all[l->n++] = s;
    return s;
}

static int fine_bucket(double s)
{
    if (s <= FINE0)
        return 0;
    int k = (int)ceil(log(s / FINE0) / log(FINE_F));
    return k >= NFINE ? NFINE - 1 : k;
}

static void observe(struct series *s, int kind, double lag_s, int64_t recv_us)
{
    size_t b = 0;
    while (b < NPROM - 1 && lag_s > prom_le[b])
        b++;
    s->prom[kind][b]++;
    s->nobs[kind]++;
    s->sum_s[kind] += lag_s;
    int64_t ep = recv_us / SLOT_US;
    struct slot *sl = &s->ring[ep % SLOTS];
    if (sl->epoch != ep) {
        memset(sl->fine, 0, sizeof(sl->fine));
        sl->epoch = ep;
    }
    sl->fine[kind][fine_bucket(lag_s)]++;
}

void wd_lag_observe(struct wd_lag *l, struct wd_str sensor, struct wd_str log, int64_t recv_us,
                    int64_t event_us, int64_t write_us)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    struct series *s = find(l, sensor, log, true);
    if (!s) {
        l->dropped++;
        pthread_mutex_unlock(&l->mu);
        return;
    }
    s->events++;
    if (recv_us > s->last_seen_us)
        s->last_seen_us = recv_us;
    if (event_us > s->last_event_us)
        s->last_event_us = event_us;
    double lag = (double)(recv_us - event_us) / 1e6;
    if (lag < 0) {
        s->future++;
        lag = 0;
    }
    observe(s, WD_LAG_EVENT, lag, recv_us);
    if (write_us != INT64_MIN) {
        lag = (double)(recv_us - write_us) / 1e6;
        observe(s, WD_LAG_WRITE, lag < 0 ? 0 : lag, recv_us);
    }
    pthread_mutex_unlock(&l->mu);
}

/* Merges the recent fine buckets of s into acc. */
static void merge(const struct series *s, int kind, int64_t now_us, int window_s, uint64_t *acc)
{
    int64_t now_ep = now_us / SLOT_US;
    int64_t oldest = now_ep - (window_s + SLOT_US / 1000000 - 1) / (SLOT_US / 1000000) + 1;
    for (int k = 0; k < SLOTS; k++) {
        const struct slot *sl = &s->ring[k];
        if (sl->epoch >= oldest && sl->epoch <= now_ep)
            for (int b = 0; b < NFINE; b++)
                acc[b] += sl->fine[kind][b];
    }
}

static double quantile(const uint64_t *acc, double p)
{
    uint64_t total = 0;
    for (int b = 0; b < NFINE; b++)
        total += acc[b];
    double target = p * (double)total, seen = 0;
    for (int b = 0; b < NFINE; b++) {
        if (!acc[b])
            continue;
        if (seen + (double)acc[b] >= target) {
            double hi = FINE0 * pow(FINE_F, b), lo = b ? hi / FINE_F : 0;
            double frac = ((target - seen) / (double)acc[b]);
            return lo + (hi - lo) * frac;
        }
        seen += (double)acc[b];
    }
    return FINE0 * pow(FINE_F, NFINE - 1);
}

int wd_lag_quantile(struct wd_lag *l, const char *sensor, const char *log, int kind, double p,
                    int64_t now_us, int window_s, double *out_s)
{
    if (!l || kind < 0 || kind >= WD_LAG__COUNT || window_s <= 0 || window_s > SLOTS * 10)
        return WD_ENOENT;
    uint64_t acc[NFINE] = {0};
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n; i++) {
        const struct series *s = l->all[i];
        if ((sensor && strcmp(s->sensor, sensor) != 0) || (log && strcmp(s->log, log) != 0))
            continue;
        merge(s, kind, now_us, window_s, acc);
    }
    pthread_mutex_unlock(&l->mu);
    uint64_t total = 0;
    for (int b = 0; b < NFINE; b++)
        total += acc[b];
    if (!total)
        return WD_ENOENT;
    *out_s = quantile(acc, p);
    return WD_OK;
}

int wd_lag_last_seen(struct wd_lag *l, const char *sensor, const char *log, int64_t *out_us)
{
    int64_t best = INT64_MIN;
    if (!l)
        return WD_ENOENT;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n; i++) {
        const struct series *s = l->all[i];
        if (strcmp(s->sensor, sensor) != 0 || (log && strcmp(s->log, log) != 0))
            continue;
        if (s->last_seen_us > best)
            best = s->last_seen_us;
    }
    pthread_mutex_unlock(&l->mu);
    if (best == INT64_MIN)
        return WD_ENOENT;
    *out_us = best;
    return WD_OK;
}

static void label_str(struct wd_buf *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            wd_buf_putc(o, '\\');
        if ((unsigned char)*s < 0x20)
            continue;
        wd_buf_putc(o, *s);
    }
}

static void labels(struct wd_buf *o, const struct series *s)
{
    wd_buf_append(o, "sensor=\"", 8);
    label_str(o, s->sensor);
    wd_buf_append(o, "\",log=\"", 7);
    label_str(o, s->log);
    wd_buf_putc(o, '"');
}

void wd_lag_render_prom(struct wd_lag *l, struct wd_buf *o)
{
    static const char *const kinds[WD_LAG__COUNT] = {"event", "write"};
    wd_buf_printf(o, "# HELP ward_zeek_lag_seconds Receive time minus event time (kind=event, "
                     "ts) or minus the sensor's write time (kind=write, _write_ts).\n"
                     "# TYPE ward_zeek_lag_seconds histogram\n");
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n; i++) {
        const struct series *s = l->all[i];
        for (int k = 0; k < WD_LAG__COUNT; k++) {
            if (!s->nobs[k])
                continue;
            uint64_t cum = 0;
            for (size_t b = 0; b < NPROM; b++) {
                cum += s->prom[k][b];
                wd_buf_append(o, "ward_zeek_lag_seconds_bucket{", 29);
                labels(o, s);
                if (b == NPROM - 1)
                    wd_buf_printf(o, ",kind=\"%s\",le=\"+Inf\"} %llu\n", kinds[k],
                                  (unsigned long long)cum);
                else
                    wd_buf_printf(o, ",kind=\"%s\",le=\"%g\"} %llu\n", kinds[k], prom_le[b],
                                  (unsigned long long)cum);
            }
            wd_buf_append(o, "ward_zeek_lag_seconds_sum{", 26);
            labels(o, s);
            wd_buf_printf(o, ",kind=\"%s\"} %.6f\n", kinds[k], s->sum_s[k]);
            wd_buf_append(o, "ward_zeek_lag_seconds_count{", 28);
            labels(o, s);
            wd_buf_printf(o, ",kind=\"%s\"} %llu\n", kinds[k], (unsigned long long)s->nobs[k]);
        }
    }
    wd_buf_printf(o, "# HELP ward_zeek_last_seen_timestamp_seconds When ward last received an "
                     "event of this sensor and log type.\n"
                     "# TYPE ward_zeek_last_seen_timestamp_seconds gauge\n");
    for (size_t i = 0; i < l->n; i++) {
        wd_buf_append(o, "ward_zeek_last_seen_timestamp_seconds{", 38);
        labels(o, l->all[i]);
        wd_buf_printf(o, "} %.6f\n", (double)l->all[i]->last_seen_us / 1e6);
    }
    wd_buf_printf(o, "# HELP ward_zeek_events_total Zeek events received per sensor and log type "
                     "(before filters).\n# TYPE ward_zeek_events_total counter\n");
    for (size_t i = 0; i < l->n; i++) {
        wd_buf_append(o, "ward_zeek_events_total{", 23);
        labels(o, l->all[i]);
        wd_buf_printf(o, "} %llu\n", (unsigned long long)l->all[i]->events);
    }
    wd_buf_printf(o,
                  "# HELP ward_lag_series_dropped_total Events not tracked because the lag "
                  "table is full.\n# TYPE ward_lag_series_dropped_total counter\n"
                  "ward_lag_series_dropped_total %llu\n",
                  (unsigned long long)l->dropped);
    pthread_mutex_unlock(&l->mu);
}

static void json_num_or_null(struct wd_buf *o, const struct series *s, int kind, double p,
                             int64_t now_us)
{
    uint64_t acc[NFINE] = {0};
    merge(s, kind, now_us, 60, acc);
    uint64_t total = 0;
    for (int b = 0; b < NFINE; b++)
        total += acc[b];
    if (total)
        wd_buf_printf(o, "%.3f", quantile(acc, p));
    else
        wd_buf_append(o, "null", 4);
}

void wd_lag_render_json(struct wd_lag *l, int64_t now_us, struct wd_buf *o)
{
    wd_buf_append(o, "{\"sources\":[", 12);
    if (l) {
        pthread_mutex_lock(&l->mu);
        for (size_t i = 0; i < l->n; i++) {
            const struct series *s = l->all[i];
            if (i)
                wd_buf_putc(o, ',');
            wd_buf_append(o, "{\"sensor\":\"", 11);
            label_str(o, s->sensor);
            wd_buf_append(o, "\",\"log\":\"", 9);
            label_str(o, s->log);
            wd_buf_printf(o,
                          "\",\"events\":%llu,\"future_events\":%llu,\"last_seen\":%.6f,"
                          "\"last_event_time\":%.6f,\"lag_p50_s\":",
                          (unsigned long long)s->events, (unsigned long long)s->future,
                          (double)s->last_seen_us / 1e6, (double)s->last_event_us / 1e6);
            json_num_or_null(o, s, WD_LAG_EVENT, 0.5, now_us);
            wd_buf_append(o, ",\"lag_p95_s\":", 13);
            json_num_or_null(o, s, WD_LAG_EVENT, 0.95, now_us);
            wd_buf_append(o, ",\"write_lag_p95_s\":", 19);
            json_num_or_null(o, s, WD_LAG_WRITE, 0.95, now_us);
            wd_buf_putc(o, '}');
        }
        pthread_mutex_unlock(&l->mu);
    }
    wd_buf_printf(o, "],\"now\":%.6f}", (double)now_us / 1e6);
}
