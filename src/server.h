/*
 * server.h: the one struct wd_server holding everything `ward serve` runs: the loaded
 * configuration, metrics, the write-ahead log, the listeners. Created by
 * wd_server_start(), torn down by wd_server_stop(). Read-only after start except for
 * the atomics inside `metrics`.
 */
#ifndef WD_SERVER_H
#define WD_SERVER_H

#include "cfg.h"
#include "log.h"
#include "metrics.h"

struct wd_wal;
struct wd_tz;
struct wd_http;
struct wd_syslog_srv;
struct wd_store;
struct wd_tail;
struct wd_detect;
struct wd_zeek_srv;
struct wd_auth;
struct wd_plugins;
struct wd_enrich;
struct wd_cases;
struct wd_case_live;
struct wd_resp;
struct wd_amqp;

struct wd_server {
    struct wd_config cfg;
    struct wd_metrics metrics;
    struct wd_wal *wal;
    struct wd_tz *tz;   /* normalize.naive_time_zone */
    char hostname[256]; /* mozdefhostname */
    char wal_dir[4096];
    int64_t start_us;
    struct wd_http *http;
    struct wd_syslog_srv *syslog;
    char store_dir[4096];
    struct wd_ratelimit rl_ingest; /* per-event error records */
    struct wd_store *store;        /* searches; NULL until opened (HTTP search answers 503) */
    struct wd_tail *tail;          /* live-tail hub, created before the listeners start */
    struct wd_tail *alert_tail;    /* alert stream hub (GET /api/v1/alerts/stream) */
    struct wd_detect *detect;      /* detection engine thread; NULL when rules are off */
    struct wd_zeek_srv *zeek;      /* filters, lists, lag, zeek.dir input (zeek_srv.h) */
    struct wd_auth *auth;          /* users, sessions, tokens (DATA/state.db) */
    bool ingest_open;              /* auth.ingest_open resolved against http.listen */
    struct wd_plugins *plugins;    /* Lua plugins (plug.h); NULL when plugins.dir is empty */
    struct wd_enrich *enrich;      /* enrichment (enrich.h); NULL when not configured */
    struct wd_cases *cases;        /* incidents, alert triage (DATA/cases.db, case_db.h) */
    struct wd_case_live *live;     /* incident live streams (case_live.h) */
    struct wd_resp *resp;          /* block and watch lists (resp.h, DATA/response.db) */
    struct wd_amqp *amqp;          /* AMQP input/output (amqp.h); NULL when both are off */
};

/* Opens the WAL and binds every listener; on failure prints why and returns non-zero.
 * Takes ownership of the config in `s->cfg`. */
int wd_server_start(struct wd_server *s);
void wd_server_stop(struct wd_server *s);

/* `ward serve` and `ward config` entry points (serve.c). */
int wd_serve_main(int argc, char **argv);
int wd_config_main(int argc, char **argv);

#endif
