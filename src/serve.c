/*
 * serve.c: `ward serve`: loads the configuration (file, then command-line overrides),
 * reports every config error before binding anything, opens the write-ahead log,
 * starts the listeners and runs until SIGINT/SIGTERM. Also `ward config`.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "case_db.h"
#include "case_live.h"
#include "resp.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "detect.h"
#include "store.h"
#include "syslog_net.h"
#include "tail.h"
#include "wd_time.h"
#include "wal.h"
#include "ward.h"
#include "zeek_srv.h"
#include "plug.h"
#include "enrich.h"
#include "amqp_srv.h"

/* The store keeps WAL segments the detection engine has not read yet. */
static uint64_t wal_hold(void *arg)
{
    struct wd_server *s = arg;
    if (!s->cfg.rules_enabled)
        return UINT64_MAX;
    struct wd_detect *d = __atomic_load_n(&s->detect, __ATOMIC_ACQUIRE);
    return d ? wd_detect_hold(d) : 0;
}

/* auth.ingest_open: auto opens the ingest paths only on a loopback listener. */
static bool ingest_open(const struct wd_config *c)
{
    if (c->auth_ingest_open != WD_INGEST_OPEN_AUTO)
        return c->auth_ingest_open == WD_INGEST_OPEN_TRUE;
    char host[256];
    int port;
    if (wd_cfg_parse_addr(c->http_listen, host, sizeof(host), &port))
        return false;
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "[::1]") == 0 || strcmp(host, "localhost") == 0;
}

/* Users, sessions and tokens (DATA/state.db), and the bootstrap token when configured. */
static int auth_start(struct wd_server *s)
{
    char err[512];
    s->auth = wd_auth_open(s->cfg.data_dir, err, sizeof(err));
    if (!s->auth) {
        wd_log(WD_LOG_ERROR, "serve", "state store: %s", err);
        return 1;
    }
    const char *bt = s->cfg.auth_bootstrap_token;
    if (bt[0]) {
        char tok[WD_AUTH_ID_LEN + 4];
        int64_t id;
        if (strlen(bt) < 32 || strlen(bt) > WD_AUTH_ID_LEN + 3 ||
            wd_auth_token_add(s->auth, "bootstrap", WD_SCOPE_ALL, "config", bt, tok, &id)) {
            wd_log(WD_LOG_ERROR, "serve", "auth.bootstrap_token must be 32 to %d characters",
                   WD_AUTH_ID_LEN + 3);
            return 1;
        }
    }
    s->ingest_open = ingest_open(&s->cfg);
    if (!s->ingest_open)
        wd_log(WD_LOG_INFO, "serve", "ingest paths need an API token of scope ingest");
    return 0;
}

static struct wd_plug_opts plugin_opts(const struct wd_server *s)
{
    return (struct wd_plug_opts){s->cfg.plugins_dir, s->cfg.plugins_max_instructions,
                                 s->cfg.plugins_max_memory_bytes, s->cfg.plugins_on_error == 1,
                                 s->cfg.plugins_max_failures};
}

/* Loads plugins.dir; every error is logged with file:line. */
static int plugins_start(struct wd_server *s)
{
    struct wd_plug_opts po = plugin_opts(s);
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    int n = errs ? wd_plugins_new(&po, &s->plugins, errs) : 1;
    if (errs)
        fclose(errs);
    for (char *l = msg, *e; l && *l; l = e ? e + 1 : l + strlen(l)) {
        e = strchr(l, '\n');
        wd_log(WD_LOG_ERROR, "plugins", "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
    }
    free(msg);
    if (n)
        return 1;
    wd_log(WD_LOG_INFO, "plugins", "loaded %d plugins from %s", wd_plugins_count(s->plugins),
           s->cfg.plugins_dir);
    return 0;
}

static void plugins_reload(struct wd_server *s)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    int n = errs ? wd_plugins_reload(s->plugins, errs) : 1;
    if (errs)
        fclose(errs);
    for (char *l = msg, *e; l && *l; l = e ? e + 1 : l + strlen(l)) {
        e = strchr(l, '\n');
        wd_log(WD_LOG_ERROR, "plugins", "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
    }
    free(msg);
    if (n)
        wd_log(WD_LOG_ERROR, "plugins", "reload failed (%d errors): the previous plugins stay", n);
    else
        wd_log(WD_LOG_INFO, "plugins", "reloaded %d plugins", wd_plugins_count(s->plugins));
}

/* Logs each line of an error text collected from a loader. */
static void log_lines(const char *subsys, char *msg)
{
    for (char *l = msg, *e; l && *l; l = e ? e + 1 : l + strlen(l)) {
        e = strchr(l, '\n');
        wd_log(WD_LOG_ERROR, subsys, "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
    }
    free(msg);
}

static int enrich_start(struct wd_server *s)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    struct wd_enrich_opts eo = {s->cfg.enrich_networks, s->cfg.enrich_geoip_city,
                                s->cfg.enrich_geoip_asn, s->cfg.enrich_intel,
                                s->cfg.enrich_geoip_check_s};
    int n = errs ? wd_enrich_new(&eo, &s->enrich, errs) : 1;
    if (errs)
        fclose(errs);
    log_lines("enrich", msg);
    if (!n && s->cfg.enrich_networks[0])
        wd_log(WD_LOG_INFO, "enrich", "network table %s loaded", s->cfg.enrich_networks);
    if (!n && (s->cfg.enrich_geoip_city[0] || s->cfg.enrich_geoip_asn[0]))
        wd_log(WD_LOG_INFO, "enrich", "GeoIP databases loaded");
    wd_enrich_start(s->enrich);
    return n ? 1 : 0;
}

static void enrich_reload(struct wd_server *s)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    int n = errs ? wd_enrich_reload(s->enrich, errs) : 1;
    if (errs)
        fclose(errs);
    log_lines("enrich", msg);
    if (n)
        wd_log(WD_LOG_ERROR, "enrich", "reload failed (%d errors): the previous table stays", n);
    else
        wd_log(WD_LOG_INFO, "enrich", "%s reloaded",
               s->cfg.enrich_networks[0] ? "network table" : "enrichment");
}

int wd_server_start(struct wd_server *s)
{
    char err[512];
    struct wd_perr perr = {0, 0, NULL};
    wd_log_level = s->cfg.log_level;
    s->start_us = wd_now_us();
    s->rl_ingest = (struct wd_ratelimit)WD_RATELIMIT_INIT((uint32_t)s->cfg.log_errors_per_second);
    if (s->cfg.normalize_mozdefhostname[0])
        snprintf(s->hostname, sizeof(s->hostname), "%s", s->cfg.normalize_mozdefhostname);
    else if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0)
        snprintf(s->hostname, sizeof(s->hostname), "localhost");
    s->tz = wd_tz_load(s->cfg.normalize_naive_time_zone, &perr);
    if (!s->tz) {
        wd_log(WD_LOG_ERROR, "serve", "normalize.naive_time_zone '%s': %s",
               s->cfg.normalize_naive_time_zone, perr.msg ? perr.msg : "unknown zone");
        return 1;
    }
    if (wd_mkdir_p(s->cfg.data_dir)) {
        wd_log(WD_LOG_ERROR, "serve", "cannot create data_dir %s: %s", s->cfg.data_dir,
               strerror(errno));
        return 1;
    }
    snprintf(s->wal_dir, sizeof(s->wal_dir), "%s/wal", s->cfg.data_dir);
    struct wd_wal_opts wo = {
        .dir = s->wal_dir,
        .durability = s->cfg.durability,
        .segment_bytes = (uint64_t)s->cfg.wal_segment_bytes,
        .queue_max_bytes = (uint64_t)s->cfg.wal_queue_max_bytes,
        .fsync_interval_ms = (int)s->cfg.wal_fsync_interval_ms,
        .metrics = &s->metrics,
    };
    if (wd_wal_open(&wo, &s->wal, err, sizeof(err))) {
        wd_log(WD_LOG_ERROR, "serve", "write-ahead log: %s", err);
        return 1;
    }
    if (s->cfg.durability == WD_DUR_NONE)
        wd_log(WD_LOG_WARN, "serve",
               "wal.durability is none: acknowledged events can be "
               "lost on a crash (benchmarks only)");
    snprintf(s->store_dir, sizeof(s->store_dir), "%s/store", s->cfg.data_dir);
    struct wd_store_opts so = {
        .dir = s->store_dir,
        .wal_dir = s->wal_dir,
        .flush_interval_ms = s->cfg.store_flush_interval_ms,
        .retention_days = s->cfg.store_retention_days,
        .retention_bytes = s->cfg.store_retention_bytes,
        .alert_retention_days = s->cfg.store_alert_retention_days,
        .divert_retention_days = s->cfg.store_divert_retention_days,
        .truncate_wal = s->cfg.store_truncate_wal,
        .wal_recycle = (unsigned)s->cfg.wal_recycle_segments,
        .ingest_threads = s->cfg.store_ingest_threads,
        .metrics = &s->metrics,
        .wal_hold = wal_hold,
        .wal_hold_arg = s,
    };
    wd_store_cache_bytes = (size_t)s->cfg.store_cache_bytes;
    wd_store_search_threads = (int)s->cfg.store_search_threads;
    if (wd_store_open(&so, s->wal, &s->store, err, sizeof(err))) {
        wd_log(WD_LOG_ERROR, "serve", "store: %s", err);
        return 1;
    }
    /* live tail (api branch): the hub exists before any input can publish to it */
    struct wd_tail_opts to = {
        .max_subscribers = (uint32_t)s->cfg.tail_max_subscribers,
        .queue_events = (uint32_t)s->cfg.tail_queue_events,
        .queue_bytes = (size_t)s->cfg.tail_queue_bytes,
        .heartbeat_ms = s->cfg.tail_heartbeat_ms,
        .max_json_depth = (uint32_t)s->cfg.ingest_max_json_depth,
        .metrics = &s->metrics,
    };
    s->tail = wd_tail_new(&to);
    /* end live tail */
    to.metrics = NULL;
    s->alert_tail = wd_tail_new(&to);
    /* incidents: case state before detection, which records each alert in it */
    s->cases = wd_cases_open(s->cfg.data_dir, err, sizeof(err));
    if (!s->cases) {
        wd_log(WD_LOG_ERROR, "serve", "case state: %s", err);
        return 1;
    }
    s->live = wd_case_live_new((unsigned)s->cfg.incidents_max_viewers);
    struct wd_resp_opts ro = {s->cfg.data_dir, s->cfg.response_allowlist,
                              s->cfg.response_feed_max_entries, s->cfg.response_feed_order,
                              s->cfg.response_purge_after_days * 86400};
    if (wd_resp_open(&ro, &s->resp, err, sizeof(err))) { /* before detection: block actions */
        wd_log(WD_LOG_ERROR, "serve", "response lists: %s", err);
        return 1;
    }
    if (s->cfg.rules_enabled && wd_detect_start(s, &s->detect, err, sizeof(err))) {
        wd_log(WD_LOG_ERROR, "serve", "detection: %s", err);
        return 1;
    }
    if (auth_start(s))
        return 1;
    if (wd_zeek_srv_start(s)) /* zeek: filters and lists load before any listener binds */
        return 1;
    if (s->cfg.plugins_dir[0] && plugins_start(s)) /* plugins: before any listener binds */
        return 1;
    if ((s->cfg.enrich_networks[0] || s->cfg.enrich_geoip_city[0] || s->cfg.enrich_geoip_asn[0] ||
         s->cfg.enrich_intel[0]) &&
        enrich_start(s)) /* enrichment tables */
        return 1;
    if (wd_http_start(s, &s->http, err, sizeof(err))) {
        wd_log(WD_LOG_ERROR, "serve", "%s", err);
        return 1;
    }
    wd_http_audit_pending(s); /* changes made with ward user/token while ward was down */
    if ((s->cfg.syslog_udp || s->cfg.syslog_tcp) &&
        wd_syslog_srv_start(s, &s->syslog, err, sizeof(err))) {
        wd_log(WD_LOG_ERROR, "serve", "%s", err);
        return 1;
    }
    if (wd_amqp_start(s, &s->amqp, err, sizeof(err))) { /* amqp: input and alert output */
        wd_log(WD_LOG_ERROR, "serve", "amqp: %s", err);
        return 1;
    }
    return 0;
}

void wd_server_stop(struct wd_server *s)
{
    wd_syslog_srv_stop(s->syslog);
    s->syslog = NULL;
    wd_tail_shutdown(s->tail); /* live tail: end the streams before the HTTP threads join */
    wd_tail_shutdown(s->alert_tail);
    wd_case_live_shutdown(s->live); /* incidents: end the live streams */
    wd_http_stop(s->http);
    s->http = NULL;
    wd_auth_close(s->auth);
    s->auth = NULL;
    wd_zeek_srv_stop(s);       /* zeek: the directory input commits its last batch */
    wd_detect_stop(s->detect); /* its last alerts go to the WAL before the store stops */
    s->detect = NULL;
    wd_cases_close(s->cases); /* incidents: after detection, which records alerts */
    s->cases = NULL;
    wd_case_live_free(s->live);
    s->live = NULL;
    wd_resp_close(s->resp); /* after detection: its last actions are recorded */
    s->resp = NULL;
    wd_amqp_stop(s->amqp); /* amqp: after detection (its alert hook); before the WAL closes */
    s->amqp = NULL;
    wd_plugins_free(s->plugins); /* plugins: ingest threads have stopped */
    s->plugins = NULL;
    wd_enrich_free(s->enrich);
    s->enrich = NULL;
    wd_store_close(s->store);
    s->store = NULL;
    wd_tail_free(s->tail); /* live tail: every subscriber left with its connection */
    s->tail = NULL;
    wd_tail_free(s->alert_tail);
    s->alert_tail = NULL;
    wd_wal_close(s->wal);
    s->wal = NULL;
    wd_tz_free(s->tz);
    s->tz = NULL;
    wd_cfg_fini(&s->cfg);
}

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: ward serve [-c FILE] [--data DIR] [--http ADDR:PORT] [--syslog ADDR:PORT]\n"
               "\n"
               "Runs the ward server: HTTP ingest (MozDef and Elasticsearch bulk), syslog\n"
               "UDP/TCP, the API, the web console (log in as a user made with `ward user\n"
               "add`) and /metrics. Without -c, the embedded defaults apply\n"
               "(docs/config.md lists every key).\n"
               "\n"
               "  -c, --config FILE     YAML configuration file\n"
               "  -d, --data DIR        data directory (overrides data_dir)\n"
               "      --http ADDR:PORT  HTTP listener (overrides http.listen; port 0 = any)\n"
               "      --syslog ADDR:PORT syslog UDP+TCP listener (overrides syslog.listen)\n"
               "      --set KEY=VALUE   set any configuration key\n"
               "  -h, --help            this help\n");
}

/* Loads config from the command line; returns 0, or the exit code to use. */
static int load_config(int argc, char **argv, struct wd_config *cfg, bool *markdown)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"data", required_argument, NULL, 'd'},
        {"http", required_argument, NULL, 'H'},   {"syslog", required_argument, NULL, 'S'},
        {"set", required_argument, NULL, 's'},    {"markdown", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *file = NULL;
    char *over[64][2];
    int nover = 0, c, nerr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (c) {
        case 'c':
            file = optarg;
            break;
        case 'd':
            key = "data_dir";
            break;
        case 'H':
            key = "http.listen";
            break;
        case 'S':
            key = "syslog.listen";
            break;
        case 's': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "ward: --set expects KEY=VALUE, got '%s'\n", optarg);
                return 2;
            }
            *eq = '\0';
            key = optarg;
            optarg = eq + 1;
            break;
        }
        case 'm':
            if (markdown) {
                *markdown = true;
                break;
            }
            return 2;
        case 'h':
            return -1;
        default:
            return 2;
        }
        if (key && nover < 64) {
            over[nover][0] = (char *)key;
            over[nover++][1] = optarg;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ward: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    wd_cfg_defaults(cfg);
    if (file)
        nerr += wd_cfg_load_file(cfg, file, stderr);
    for (int i = 0; i < nover; i++) {
        char why[512];
        if (wd_cfg_set(cfg, over[i][0], over[i][1], why, sizeof(why))) {
            fprintf(stderr, "command line: %s\n", why);
            nerr++;
        }
    }
    if (nerr) {
        fprintf(stderr, "ward: %d configuration error%s; nothing started\n", nerr,
                nerr == 1 ? "" : "s");
        wd_cfg_fini(cfg);
        return 2;
    }
    return 0;
}

int wd_serve_main(int argc, char **argv)
{
    struct wd_server s;
    memset(&s, 0, sizeof(s));
    int rc = load_config(argc, argv, &s.cfg, NULL);
    if (rc == -1) {
        serve_usage(stdout);
        return 0;
    }
    if (rc) {
        if (rc == 2)
            serve_usage(stderr);
        return rc;
    }
    /* Signals are taken by sigwait in this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    (void)signal(SIGPIPE, SIG_IGN);
    /* Request bodies and batch buffers are megabytes: keep them on the heap instead of
     * an mmap/munmap (and page faults) per request. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (wd_server_start(&s)) {
        wd_server_stop(&s);
        return 1;
    }
    wd_log(WD_LOG_INFO, "serve", "ward %s started data_dir=%s durability=%s", WD_VERSION,
           s.cfg.data_dir,
           s.cfg.durability == WD_DUR_FSYNC   ? "fsync"
           : s.cfg.durability == WD_DUR_ASYNC ? "async"
                                              : "none");
    char host[256];
    int port;
    wd_cfg_parse_addr(s.cfg.http_listen, host, sizeof(host), &port);
    wd_log(WD_LOG_INFO, "serve", "listening http=%s://%s:%d",
           s.cfg.http_tls_cert[0] ? "https" : "http", host, wd_http_port(s.http));
    if (s.syslog) {
        wd_cfg_parse_addr(s.cfg.syslog_listen, host, sizeof(host), &port);
        wd_log(WD_LOG_INFO, "serve", "listening syslog_udp=%s:%d syslog_tcp=%s:%d", host,
               wd_syslog_srv_udp_port(s.syslog), host, wd_syslog_srv_tcp_port(s.syslog));
    }
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        wd_log(WD_LOG_INFO, "serve", "SIGHUP: reloading rules");
        if (s.detect)
            wd_detect_reload(s.detect, NULL);
        if (s.plugins)
            plugins_reload(&s);
        if (s.enrich)
            enrich_reload(&s);
    }
    wd_log(WD_LOG_INFO, "serve", "signal %d: stopping", sig);
    wd_server_stop(&s);
    wd_log(WD_LOG_INFO, "serve", "stopped");
    return 0;
}

int wd_config_main(int argc, char **argv)
{
    struct wd_config cfg;
    bool markdown = false;
    int rc = load_config(argc, argv, &cfg, &markdown);
    if (rc == -1) {
        printf("usage: ward config [-c FILE] [--set KEY=VALUE] [--markdown]\n\n"
               "Checks a configuration and prints the effective values as YAML, or with\n"
               "--markdown prints the reference of every key (docs/config.md).\n");
        return 0;
    }
    if (rc)
        return rc;
    if (markdown)
        wd_cfg_write_markdown(stdout);
    else
        wd_cfg_write_yaml(&cfg, stdout);
    wd_cfg_fini(&cfg);
    return 0;
}
