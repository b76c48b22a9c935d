/*
 * detect.c: the engine thread of `ward serve` (detect.h). It follows the WAL from the
 * engine checkpoint (DATA/alerts/engine.seq, rewritten atomically about once a second),
 * feeds events to the engine, ticks it every rules.tick_ms, and sinks alerts. Alerts are
 * written to the WAL like events (type "alert" routes them to alerts-YYYYMM), so they
 * are durable and searchable; the journal records their creation for lookups by id.
 */
#include "detect.h"
#include "sigma.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "case_db.h"
#include "alert_state.h"
#include "amqp_srv.h"
#include "jv.h"
#include "engine.h"
#include "log.h"
#include "resp.h"
#include "resp_alert.h"
#include "resp_watch.h"
#include "rule.h"
#include "server.h"
#include "tail.h"
#include "wal.h"

#define BATCH_EVENTS 4096

struct wd_detect {
    struct wd_server *s;
    struct wd_engine *e;
    struct wd_actions *actions;
    struct wd_alert_state *state;
    pthread_t thr;
    bool running;
    atomic_bool stop;
    _Atomic uint64_t seq;  /* processed up to */
    _Atomic uint64_t hold; /* the WAL is kept after this (the checkpoint's R - 1) */
    uint64_t replay_upto;  /* after a restart: alerts stay off until here (P) */
    char ckpt[4200];
    struct wd_buf payload; /* alerts of the current pass, as a WAL payload */
    struct pending *pend;
    uint32_t npend, pend_cap;
    pthread_mutex_t reload_mu;
    _Atomic uint64_t wal_errors, reload_errors; /* alerts not written; failed reloads */
    _Atomic uint64_t fp_suppressed;             /* alerts dropped by suppressions */
    /* the watch list (resp_watch.h): owned by the engine thread, rebuilt when the list
     * changes or its first term expires */
    struct wd_watch *watch;
    uint64_t watch_version;
    int64_t watch_next_s; /* rebuild at this time (an expiry); INT64_MAX = none */
    bool watch_loaded;
    struct wd_buf watch_buf;
};

/* ---- checkpoint ----
 * DATA/alerts/engine.seq holds "P R": every decision on events up to P has been taken and
 * its alerts are in the WAL; the rules still held events from R on. A restart re-reads
 * from R with alerts off until P (state rebuilt, nothing raised twice), then goes on. */

/* false when there is no checkpoint yet (a checkpoint of 0 is a real one) */
static bool read_ckpt(const char *path, uint64_t *seq, uint64_t *replay_from)
{
    char *text;
    size_t len;
    *seq = 0;
    *replay_from = 1;
    if (wd_read_file(path, 64, &text, &len) != WD_OK)
        return false;
    char *end;
    uint64_t v = strtoull(text, &end, 10);
    uint64_t r = strtoull(end, NULL, 10);
    free(text);
    *seq = v;
    *replay_from = r && r <= v + 1 ? r : v + 1;
    return true;
}

static void write_ckpt(const char *path, uint64_t seq, uint64_t replay_from)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%llu %llu\n", (unsigned long long)seq, (unsigned long long)replay_from);
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (ok)
        (void)rename(tmp, path); /* a failed rename keeps the older checkpoint */
}

/* ---- the alert sink ----
 * The engine hands alerts over one by one (on the engine thread, under its lock); they
 * are collected with the webhooks they need and committed to the WAL together after the
 * engine pass (one group commit for a burst of alerts), then streamed, journaled and
 * sent. */

struct pending_act {
    char *url; /* webhook URL; NULL for a block */
    int format;
    int64_t block_s; /* block: duration */
    char *field;     /* block: address path in the samples (NULL = details.sourceipaddress) */
    char *rule;      /* block: the rule's name (the entry's creator) */
};

struct pending {
    struct pending_act *act;
    uint32_t nact;
    size_t off, len; /* the alert's JSON inside d->payload (after its length prefix) */
    char *rule;      /* incidents: the rule and severity, for the triage table */
    char sev[16];
};

static void add_act(struct pending *p, const char *url, int format)
{
    p->act = wd_xrealloc(p->act, (p->nact + 1) * sizeof(*p->act));
    p->act[p->nact++] = (struct pending_act){wd_xstrdup(url), format, 0, NULL, NULL};
}

static void add_block(struct pending *p, const struct wd_rule *r, const struct wd_rule_action *a)
{
    p->act = wd_xrealloc(p->act, (p->nact + 1) * sizeof(*p->act));
    p->act[p->nact++] = (struct pending_act){
        NULL, 0, a->block_s, a->field ? wd_xstrdup(a->field) : NULL, wd_xstrdup(r->name)};
}

/* Queues one alert (r: its rule, NULL for watch-list alerts) with its actions. */
static void add_pending(struct wd_detect *d, const struct wd_rule *r, const char *json, size_t len)
{
    struct wd_server *s = d->s;
    /* incidents: suppressions made from false positives (case_db.h) drop the alert */
    if (r && s->cases && wd_cases_suppressed(s->cases, r->name, json, len, wd_now_us())) {
        d->fp_suppressed++;
        return;
    }
    size_t before = d->payload.len;
    if (wd_wal_payload_add(&d->payload, json, len) != WD_OK) {
        d->payload.len = before;
        d->wal_errors++;
        return;
    }
    if (d->npend == d->pend_cap) {
        d->pend_cap = d->pend_cap ? d->pend_cap * 2 : 16;
        d->pend = wd_xrealloc(d->pend, d->pend_cap * sizeof(*d->pend));
    }
    struct pending *p = &d->pend[d->npend++];
    *p = (struct pending){NULL, 0, d->payload.len - len, len,
                          wd_xstrdup(r ? r->name : "AlertWatchList"), ""};
    const char *sq = strstr(json, "\"severity\":\"");
    if (sq)
        (void)sscanf(sq + 12, "%15[^\"]", p->sev);
    for (uint32_t i = 0; r && i < r->nactions; i++) {
        if (r->actions[i].block_s)
            add_block(p, r, &r->actions[i]);
        else
            add_act(p, r->actions[i].webhook,
                    r->actions[i].format == WD_RULE_ACT_SLACK ? WD_ACTION_SLACK : WD_ACTION_JSON);
    }
    if (s->cfg.alerts_webhook[0]) {
        /* the severity the alert got (a rule may map it by value) */
        char sev[32] = "";
        const char *q = strstr(json, "\"severity\":\"");
        if (q)
            (void)sscanf(q + 12, "%31[^\"]", sev);
        if (wd_severity_rank(sev) >= s->cfg.alerts_webhook_min_severity)
            add_act(p, s->cfg.alerts_webhook, s->cfg.alerts_webhook_format);
    }
}

static void sink(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    add_pending(arg, r, json, len);
}

static struct wd_ratelimit resp_rl = WD_RATELIMIT_INIT(50);

/* A rule's block action for alert id: the address from its samples onto the IP block
 * list, recorded on the alert whatever the outcome (docs/response.md). */
static void run_block(struct wd_detect *d, uint64_t id, const struct pending *p,
                      const struct pending_act *act)
{
    struct wd_resp *resp = d->s->resp;
    const char *field = act->field ? act->field : "details.sourceipaddress";
    char addr[256], outcome[400], why[300], comment[300], ref[40];
    int64_t now = wd_now_us();
    if (wd_resp_alert_field(d->payload.p + p->off, p->len, field, addr, sizeof(addr)) != WD_OK) {
        addr[0] = '\0';
        snprintf(outcome, sizeof(outcome), "refused: no address at %s in the alert's events",
                 field);
    } else {
        bool created = false;
        snprintf(comment, sizeof(comment), "automatic block by rule %s", act->rule);
        snprintf(ref, sizeof(ref), "alert:%llu", (unsigned long long)id);
        char creator[300];
        snprintf(creator, sizeof(creator), "rule:%s", act->rule);
        if (wd_resp_add(resp, WD_RESP_IP, addr, act->block_s, comment, ref, creator, now / 1000000,
                        &created, NULL, why, sizeof(why)) == WD_OK) {
            snprintf(outcome, sizeof(outcome), "%s for %llds", created ? "added" : "extended",
                     (long long)act->block_s);
            wd_resp_count_auto_block(resp);
        } else {
            snprintf(outcome, sizeof(outcome), "refused: %s", why);
        }
    }
    wd_resp_action_add(resp, id, "block", addr, outcome, now);
    wd_log_rl(&resp_rl, WD_LOG_INFO, "response", "alert %llu rule %s: block %s: %s",
              (unsigned long long)id, act->rule, addr[0] ? addr : "-", outcome);
}

/* A webhook for alert id: queued, and recorded on the alert (the outcome is updated when
 * the delivery ends: on_webhook_done). */
static void run_webhook(struct wd_detect *d, uint64_t id, const struct pending *p,
                        const struct pending_act *act)
{
    struct wd_resp *resp = d->s->resp;
    int64_t now = wd_now_us();
    int64_t aid = resp ? wd_resp_action_add(resp, id, "webhook", act->url, "queued", now) : 0;
    int rc = wd_actions_webhook_tagged(d->actions, act->url, d->payload.p + p->off, p->len,
                                       act->format, (uint64_t)(aid > 0 ? aid : 0));
    if (rc != WD_OK && aid > 0)
        wd_resp_action_outcome(resp, aid,
                               rc == WD_EAGAIN   ? "dropped: queue full"
                               : rc == WD_ELIMIT ? "dropped: alert larger than 1 MiB"
                                                 : "failed: bad URL",
                               now);
    wd_log_rl(&resp_rl, WD_LOG_INFO, "response", "alert %llu: webhook %s: %s",
              (unsigned long long)id, act->url, rc == WD_OK ? "queued" : wd_strerror(rc));
}

static void on_webhook_done(void *arg, uint64_t tag, bool delivered, const char *error)
{
    struct wd_server *s = arg;
    char outcome[600];
    snprintf(outcome, sizeof(outcome), "%s%s",
             delivered ? "delivered" : "failed: ", delivered ? "" : error);
    if (s->resp)
        wd_resp_action_outcome(s->resp, (int64_t)tag, outcome, wd_now_us());
    wd_log_rl(&resp_rl, WD_LOG_INFO, "response", "webhook action %llu: %s", (unsigned long long)tag,
              outcome);
}

/* Commits the collected alerts, then streams, journals and sends them. */
static void flush_alerts(struct wd_detect *d)
{
    struct wd_server *s = d->s;
    if (!d->npend)
        return;
    struct wd_wal_req req = {.payload = d->payload.p, .len = d->payload.len, .count = d->npend};
    bool ok = wd_wal_submit(s->wal, &req, true) == WD_OK;
    if (!ok) {
        d->wal_errors += d->npend;
        wd_log(WD_LOG_ERROR, "detect", "%u alerts could not be written to the WAL", d->npend);
    } else {
        int64_t now = wd_now_us();
        for (uint32_t i = 0; i < d->npend; i++)
            wd_alert_state_created(d->state, req.first_seq + i, now);
        if (s->cases) { /* incidents: the triage table (rule, severity, time to ack) */
            struct wd_case_alert *ca = wd_xcalloc(d->npend, sizeof(*ca));
            for (uint32_t i = 0; i < d->npend; i++)
                ca[i] =
                    (struct wd_case_alert){req.first_seq + i, d->pend[i].rule, d->pend[i].sev, now};
            wd_cases_alerts_created(s->cases, ca, d->npend);
            free(ca);
        }
        if (s->alert_tail)
            wd_tail_publish(s->alert_tail, d->payload.p, d->payload.len, d->npend, req.first_seq);
        wd_amqp_alerts(s->amqp, d->payload.p, d->payload.len, d->npend, req.first_seq);
    }
    for (uint32_t i = 0; i < d->npend; i++) {
        struct pending *p = &d->pend[i];
        for (uint32_t k = 0; k < p->nact; k++) {
            struct pending_act *act = &p->act[k];
            if (ok && act->block_s && s->resp)
                run_block(d, req.first_seq + i, p, act);
            else if (ok && act->url && d->actions)
                run_webhook(d, req.first_seq + i, p, act);
            free(act->url);
            free(act->field);
            free(act->rule);
        }
        free(p->act);
        free(p->rule);
    }
    d->npend = 0;
    d->payload.len = 0;
}

/* ---- rules ---- */

static int load(struct wd_detect *d, struct wd_buf *msg)
{
    const char *path = d->s->cfg.rules_path;
    struct wd_ruleset set;
    memset(&set, 0, sizeof(set));
    if (!path[0])
        return WD_OK;
    /* Sigma mappings are read before the rules that use them (sigma.mappings) */
    wd_sigma_map_reset();
    const char *smap = d->s->cfg.sigma_mappings;
    if (smap && smap[0]) {
        char merr[512];
        if (wd_sigma_map_load(smap, merr, sizeof(merr)) != WD_OK) {
            if (msg)
                wd_buf_printf(msg, "%s\n", merr);
            wd_log(WD_LOG_ERROR, "detect", "sigma.mappings: %s", merr);
            return WD_EINVAL;
        }
    }
    char *text = NULL;
    size_t tlen = 0;
    FILE *errs = open_memstream(&text, &tlen);
    int rc = wd_ruleset_load(&set, path, errs);
    (void)fclose(errs);
    if (rc == WD_ENOENT) {
        wd_log(WD_LOG_WARN, "detect", "rules.path %s: not found; no rules loaded", path);
        rc = WD_OK;
    } else if (set.errors && set.errors == set.sigma_unsupported) {
        /* valid Sigma ward cannot honour: the others load; each is logged with its reason */
        wd_log(WD_LOG_WARN, "detect", "%u Sigma rules under %s are unsupported (not loaded):\n%s",
               set.sigma_unsupported, path, text);
    } else if (set.errors) {
        if (msg)
            wd_buf_append(msg, text, tlen);
        wd_log(WD_LOG_ERROR, "detect", "%u errors in rules under %s:\n%s", set.errors, path, text);
        rc = WD_EINVAL;
    }
    free(text);
    if (rc == WD_OK) {
        char err[256];
        uint32_t n = set.n;
        rc = wd_engine_load(d->e, &set, err, sizeof(err));
        if (rc) {
            if (msg)
                wd_buf_printf(msg, "%s\n", err);
            wd_log(WD_LOG_ERROR, "detect", "%s", err);
        } else {
            wd_log(WD_LOG_INFO, "detect", "%u rules loaded from %s", n, path);
        }
    }
    wd_ruleset_free(&set);
    return rc;
}

int wd_detect_reload(struct wd_detect *d, struct wd_buf *msg)
{
    pthread_mutex_lock(&d->reload_mu);
    int rc = load(d, msg);
    pthread_mutex_unlock(&d->reload_mu);
    if (rc)
        d->reload_errors++;
    return rc;
}

/* ---- the watch list ---- */

/* Rebuilds the matcher when the list changed or a term expired (engine thread only, so
 * the old matcher is never in use while it is freed). A failed rebuild keeps the old one. */
static void watch_refresh(struct wd_detect *d)
{
    struct wd_resp *resp = d->s->resp;
    if (!resp)
        return;
    uint64_t v = wd_resp_watch_version(resp);
    int64_t now = wd_now_us() / 1000000;
    if (d->watch_loaded && v == d->watch_version && now < d->watch_next_s)
        return;
    uint32_t n;
    int64_t next;
    struct wd_watch *w = NULL;
    if (wd_resp_watch_terms(resp, now, &d->watch_buf, &n, &next) != WD_OK ||
        wd_watch_new(d->watch_buf.p, n, &w) != WD_OK) {
        wd_log_rl(&resp_rl, WD_LOG_ERROR, "response", "cannot rebuild the watch list matcher");
        d->watch_next_s = now + 5; /* try again soon */
        return;
    }
    wd_watch_free(d->watch);
    d->watch = w;
    d->watch_version = v;
    d->watch_next_s = next;
    d->watch_loaded = true;
}

/* One event against the watch list: a MozDef AlertWatchList alert per matching event. */
static void watch_event(struct wd_detect *d, const char *ev, size_t len, uint64_t seq)
{
    const char *term = wd_watch_scan(d->watch, ev, len);
    if (!term)
        return;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if (wd_resp_watch_alert(term, ev, len, seq, wd_now_us(), &b) == WD_OK) {
        add_pending(d, NULL, b.p, b.len);
        wd_resp_count_watch_alert(d->s->resp);
    }
    wd_buf_fini(&b);
}

/* ---- the thread ---- */

/* Records P (processed and decided) and R (the oldest event a rule holds, at most
 * rules.replay_max_events back), after a tick whose alerts are in the WAL. */
static void checkpoint(struct wd_detect *d, uint64_t p)
{
    uint64_t r = WD_MIN(wd_engine_oldest(d->e), p + 1);
    uint64_t max = (uint64_t)d->s->cfg.rules_replay_max_events;
    if (p + 1 > max && r < p + 1 - max)
        r = p + 1 - max; /* older window state is given up rather than the disk */
    write_ckpt(d->ckpt, p, r);
    atomic_store(&d->hold, r ? r - 1 : 0);
}

static void *run(void *arg)
{
    wd_thread_name("detect");
    struct wd_detect *d = arg;
    struct wd_server *s = d->s;
    struct wd_wal_tail *tail = NULL;
    char err[512];
    int64_t last_tick = 0, last_ckpt = 0;
    uint64_t saved = atomic_load(&d->seq), from = atomic_load(&d->hold) + 1;
    bool replaying = d->replay_upto >= from;
    if (replaying) {
        wd_engine_set_replay(d->e, true);
        wd_log(WD_LOG_INFO, "detect", "rebuilding rule state from event %llu (decided up to %llu)",
               (unsigned long long)from, (unsigned long long)d->replay_upto);
    }
    while (!atomic_load(&d->stop)) {
        if (!tail && wd_wal_tail_open(s->wal_dir, from, &tail, err, sizeof(err))) {
            wd_log(WD_LOG_ERROR, "detect", "%s", err);
            tail = NULL;
            struct timespec ts = {0, 200 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        /* the limit first: every event up to it was durable before the refresh, so an
         * event ingested after a watch-list change is scanned with the new terms */
        uint64_t limit = wd_wal_durable_seq(s->wal), seq;
        watch_refresh(d);
        if (replaying) /* the replay stops exactly at P, then decides once */
            limit = WD_MIN(limit, d->replay_upto);
        const char *ev;
        size_t len;
        int rc = WD_OK, n = 0;
        while (n < BATCH_EVENTS &&
               (rc = wd_wal_tail_next(tail, limit, &seq, &ev, &len, err, sizeof(err))) == WD_OK) {
            wd_engine_event_in(d->e, ev, len, wd_wal_tail_readable(tail, ev), seq, wd_now_us());
            if (d->watch && !replaying)
                watch_event(d, ev, len, seq);
            atomic_store(&d->seq, WD_MAX(seq, atomic_load(&d->seq)));
            from = seq + 1;
            n++;
        }
        if (rc != WD_OK && rc != WD_EAGAIN) {
            wd_log(WD_LOG_ERROR, "detect", "reading the WAL: %s", err);
            wd_wal_tail_close(tail);
            tail = NULL;
        }
        int64_t now = wd_now_us();
        if (replaying && (from > d->replay_upto || (rc == WD_EAGAIN && !n))) {
            wd_engine_tick(d->e, now); /* the decisions taken before the restart */
            replaying = false;
            wd_engine_set_replay(d->e, false);
            last_tick = now;
            continue;
        }
        /* decide soon after new events (alert latency), else every rules.tick_ms */
        bool ticked = false;
        if (!replaying &&
            ((n && now - last_tick >= 20000) || now - last_tick >= s->cfg.rules_tick_ms * 1000)) {
            wd_engine_tick(d->e, now);
            last_tick = now;
            ticked = true;
        }
        flush_alerts(d);
        uint64_t done = atomic_load(&d->seq);
        if (ticked && now - last_ckpt >= 1000000 && done != saved) {
            checkpoint(d, done);
            saved = done;
            last_ckpt = now;
        }
        if (!n) {
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (!replaying) { /* interrupted replays keep their checkpoint */
        wd_engine_tick(d->e, wd_now_us());
        wd_engine_finish(d->e, wd_now_us());
        flush_alerts(d);
        checkpoint(d, atomic_load(&d->seq));
    }
    wd_wal_tail_close(tail);
    return NULL;
}

int wd_detect_start(struct wd_server *s, struct wd_detect **out, char *err, size_t err_len)
{
    struct wd_detect *d = wd_xcalloc(1, sizeof(*d));
    d->s = s;
    pthread_mutex_init(&d->reload_mu, NULL);
    wd_buf_init(&d->payload, 0);
    wd_buf_init(&d->watch_buf, 0);
    char dir[4000], path[4200];
    snprintf(dir, sizeof(dir), "%s/alerts", s->cfg.data_dir);
    if (wd_mkdir_p(dir) != WD_OK) {
        snprintf(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        wd_detect_stop(d);
        return WD_EIO;
    }
    snprintf(d->ckpt, sizeof(d->ckpt), "%s/engine.seq", dir);
    snprintf(path, sizeof(path), "%s/state.ndjson", dir);
    if (wd_alert_state_open(path, &d->state, err, err_len) != WD_OK) {
        wd_detect_stop(d);
        return WD_EIO;
    }
    snprintf(path, sizeof(path), "%s/dead-letter.ndjson", dir);
    struct wd_actions_opts ao = {
        .max_retries = s->cfg.alerts_webhook_retries ? (uint32_t)s->cfg.alerts_webhook_retries
                                                     : WD_ACTION_NO_RETRY,
        .dead_letter_path = path,
        .done = on_webhook_done,
        .done_arg = s,
    };
    if (wd_actions_new(&ao, &d->actions) != WD_OK) {
        snprintf(err, err_len, "cannot start the alert actions");
        wd_detect_stop(d);
        return WD_ENOMEM;
    }
    /* a fresh data directory starts at the WAL's current end; else where it stopped */
    uint64_t r, ck;
    if (!read_ckpt(d->ckpt, &ck, &r)) { /* recorded at once: a crash right after loses nothing */
        ck = wd_wal_next_seq(s->wal) ? wd_wal_next_seq(s->wal) - 1 : 0;
        r = ck + 1;
        write_ckpt(d->ckpt, ck, r);
    }
    atomic_store(&d->seq, ck);
    atomic_store(&d->hold, r - 1);
    d->replay_upto = ck;
    struct wd_engine_opts eo = {
        .lateness_us = s->cfg.rules_lateness_s * 1000000,
        .max_group_events = (uint32_t)s->cfg.rules_max_group_events,
        .max_groups = (uint32_t)s->cfg.rules_max_groups,
        .max_bytes = (size_t)s->cfg.rules_max_memory,
        .start_us = wd_now_us(),
        .emit = sink,
        .emit_arg = d,
    };
    d->e = wd_engine_new(&eo);
    if (load(d, NULL) != WD_OK)
        wd_log(WD_LOG_WARN, "detect", "starting without the rules that failed to load");
    if (pthread_create(&d->thr, NULL, run, d)) {
        snprintf(err, err_len, "cannot start the engine thread");
        wd_detect_stop(d);
        return WD_ENOMEM;
    }
    d->running = true;
    *out = d;
    return WD_OK;
}

void wd_detect_stop(struct wd_detect *d)
{
    if (!d)
        return;
    atomic_store(&d->stop, true);
    if (d->running)
        pthread_join(d->thr, NULL);
    wd_engine_free(d->e);
    wd_actions_free(d->actions);
    wd_alert_state_close(d->state);
    wd_buf_fini(&d->payload);
    wd_buf_fini(&d->watch_buf);
    wd_watch_free(d->watch);
    free(d->pend);
    pthread_mutex_destroy(&d->reload_mu);
    free(d);
}

uint64_t wd_detect_hold(const struct wd_detect *d)
{
    return d ? atomic_load(&((struct wd_detect *)d)->hold) : UINT64_MAX;
}

uint64_t wd_detect_seq(const struct wd_detect *d)
{
    return d ? atomic_load(&((struct wd_detect *)d)->seq) : UINT64_MAX;
}

struct wd_engine *wd_detect_engine(struct wd_detect *d)
{
    return d->e;
}

struct wd_alert_state *wd_detect_state(struct wd_detect *d)
{
    return d->state;
}

static void metric(struct wd_buf *b, const char *name, const char *type, const char *help,
                   unsigned long long v)
{
    wd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

void wd_detect_metrics(struct wd_detect *d, struct wd_buf *b)
{
    struct wd_engine_stats es;
    wd_engine_stats(d->e, &es);
    metric(b, "ward_rules_loaded", "gauge", "Detection rules loaded.", es.rules);
    metric(b, "ward_rules_prefilter_always", "gauge",
           "Rules the literal prefilter cannot exclude (evaluated on every event).", es.always);
    metric(b, "ward_rules_prefilter_patterns", "gauge", "Literals in the Hyperscan databases.",
           es.patterns);
    metric(b, "ward_engine_events_total", "counter", "Events the detection engine has seen.",
           es.events);
    metric(b, "ward_engine_candidates_total", "counter",
           "Rule evaluations the prefilter let through.", es.candidates);
    metric(b, "ward_engine_matches_total", "counter", "Rule matches.", es.matches);
    metric(b, "ward_alerts_total", "counter", "Alerts raised.", es.alerts);
    metric(b, "ward_engine_retained_bytes", "gauge", "Event text kept by open groups.", es.bytes);
    metric(b, "ward_engine_replayed_total", "counter",
           "Decisions not alerted again while rebuilding state after a restart.", es.replayed);
    metric(b, "ward_engine_degraded_total", "counter",
           "Events counted without their text (rules.max_memory reached).", es.degraded);
    metric(b, "ward_engine_seq", "gauge", "Last WAL sequence number the engine processed.",
           atomic_load(&d->seq));
    metric(b, "ward_alerts_wal_errors_total", "counter", "Alerts that could not be written.",
           atomic_load(&d->wal_errors));
    metric(b, "ward_rules_reload_errors_total", "counter", "Rule reloads that failed.",
           atomic_load(&d->reload_errors));
    metric(b, "ward_alerts_suppressed_total", "counter",
           "Alerts dropped by false-positive suppressions (docs/incidents.md).",
           atomic_load(&d->fp_suppressed));
    struct wd_action_stats as;
    wd_actions_stats(d->actions, &as);
    metric(b, "ward_actions_delivered_total", "counter", "Webhook deliveries answered 2xx.",
           as.delivered);
    metric(b, "ward_actions_retried_total", "counter", "Webhook attempts after the first.",
           as.retried);
    metric(b, "ward_actions_failed_total", "counter", "Webhook deliveries given up.", as.failed);
    metric(b, "ward_actions_dropped_total", "counter", "Webhook deliveries refused (queue full).",
           as.dropped);
    wd_buf_printf(b, "# HELP ward_rule_alerts_total Alerts per rule.\n"
                     "# TYPE ward_rule_alerts_total counter\n");
    wd_engine_lock(d->e);
    const struct wd_rule *r;
    struct wd_rule_stats st;
    for (uint32_t i = 0; wd_engine_rule(d->e, i, &r, &st); i++)
        if (st.alerts || st.matches) {
            wd_buf_printf(b, "ward_rule_alerts_total{rule=");
            wd_jv_write_str(r->name, strlen(r->name), b);
            wd_buf_printf(b, "} %llu\n", (unsigned long long)st.alerts);
        }
    wd_engine_unlock(d->e);
}
