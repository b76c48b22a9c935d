/*
 * cfg.h: ward's configuration. Every key is declared once in the table in cfg_table.c
 * (name, type, default, bounds, help); the YAML loader, `ward config --markdown`
 * (docs/config.md) and the effective-config dump are all generated from it. The
 * struct is read-only after load.
 */
#ifndef WD_CFG_H
#define WD_CFG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

enum wd_durability { WD_DUR_FSYNC, WD_DUR_ASYNC, WD_DUR_NONE };

struct wd_config {
    char *data_dir;
    int log_level;
    char *http_listen;   /* ADDR:PORT, port 0 = ephemeral */
    char *http_tls_cert; /* PEM path; empty = plain HTTP */
    char *http_tls_key;  /* PEM path */
    int64_t http_max_body_bytes;
    int64_t http_max_connections;
    int64_t http_timeout_s;
    char *http_es_version; /* version reported to Elasticsearch clients */
    char *syslog_listen;   /* ADDR:PORT for UDP and TCP */
    bool syslog_udp;
    bool syslog_tcp;
    int64_t syslog_max_message_bytes;
    int64_t syslog_max_connections;
    int64_t ingest_max_line_bytes;
    int64_t ingest_max_json_depth;
    int64_t ingest_max_batch_events;
    int64_t ingest_max_lag_events;
    char *normalize_naive_time_zone;
    char *normalize_mozdefhostname; /* empty = the machine's host name */
    int durability;                 /* enum wd_durability */
    int64_t wal_segment_bytes;
    int64_t wal_recycle_segments;
    int64_t wal_queue_max_bytes;
    int64_t wal_fsync_interval_ms;
    int64_t log_errors_per_second;
    int64_t store_flush_interval_ms;
    int64_t store_retention_days;
    int64_t store_retention_bytes;
    int64_t store_alert_retention_days;
    int64_t store_divert_retention_days;
    bool store_truncate_wal;
    int64_t store_ingest_threads;
    int64_t store_cache_bytes;
    int64_t store_search_threads;
    /* live tail (tail.c) */
    int64_t tail_max_subscribers;
    int64_t tail_queue_events;
    int64_t tail_queue_bytes;
    int64_t tail_heartbeat_ms;
    /* detection (detect.c) */
    char *rules_path;
    char *sigma_mappings; /* extra Sigma field/logsource/placeholder mappings (sigma_map.c) */
    bool rules_enabled;
    int64_t rules_lateness_s;
    int64_t rules_tick_ms;
    int64_t rules_max_group_events;
    int64_t rules_max_groups;
    int64_t rules_max_memory;
    int64_t rules_replay_max_events;
    char *alerts_webhook;
    int alerts_webhook_format;       /* enum wd_action_format */
    int alerts_webhook_min_severity; /* index into wd_severities */
    int64_t alerts_webhook_retries;
    int alerts_require_ack_severity; /* incidents: 0 = off, else 1 + wd_severity_rank */
    int64_t incidents_max_viewers;
    /* Zeek inputs, filters and lists (zeek_ingest.c, zeek_dir.c) */
    char *zeek_filters;
    char *zeek_dir;
    char *zeek_sensor;
    int64_t zeek_poll_interval_ms;
    int64_t zeek_batch_events;
    int64_t lists_reload_interval_ms;
    /* access control (auth.c, http_auth.c) */
    int auth_ingest_open; /* enum wd_ingest_open */
    char *auth_bootstrap_token;
    int64_t auth_login_max_failures;
    int64_t auth_login_window_s;
    bool http_console;
    /* Lua plugins (plug.c) */
    char *plugins_dir;
    int64_t plugins_max_instructions;
    int64_t plugins_max_memory_bytes;
    int plugins_on_error; /* 0 keep, 1 drop */
    int64_t plugins_max_failures;
    /* enrichment (enrich.c) */
    char *enrich_networks;
    bool enrich_ip_fixup;
    char *enrich_geoip_city; /* geo.c */
    char *enrich_geoip_asn;
    int64_t enrich_geoip_check_s;
    char *enrich_intel; /* intel.c: the feeds file */
    /* response lists and feeds (resp_db.c, http_resp.c) */
    char *response_allowlist;
    int64_t response_feed_max_entries;
    int response_feed_order; /* enum wd_resp_order */
    char *response_feed_token;
    int64_t response_feed_max_age_s;
    int64_t response_purge_after_days;
    /* AMQP input and output (amqp_*.c) */
    char *amqp_url;
    int64_t amqp_reconnect_max_ms;
    bool amqp_input_enabled;
    char *amqp_input_exchange;
    char *amqp_input_queue;
    char *amqp_input_routing_key;
    int64_t amqp_input_prefetch;
    bool amqp_output_alerts;
    char *amqp_output_exchange;
    char *amqp_output_routing_key;
    int64_t amqp_output_queue_max_bytes;
};

enum wd_ingest_open { WD_INGEST_OPEN_AUTO, WD_INGEST_OPEN_TRUE, WD_INGEST_OPEN_FALSE };

/* MozDef severities, least severe first (alerts.webhook_min_severity). */
extern const char *const wd_severities[];
/* Rank of a severity name in wd_severities (case-insensitive), -1 when unknown. */
int wd_severity_rank(const char *name);

enum wd_cfg_type { WD_CFG_BOOL, WD_CFG_INT, WD_CFG_SIZE, WD_CFG_STRING, WD_CFG_ENUM, WD_CFG_ADDR };

/* One row of the configuration table. */
struct wd_cfg_key {
    const char *name;           /* dotted YAML path, e.g. "http.listen" */
    int type;                   /* enum wd_cfg_type */
    const char *def;            /* default, as it would be written in YAML */
    int64_t min, max;           /* INT and SIZE bounds (inclusive) */
    const char *const *choices; /* ENUM: NULL-terminated names, index = stored value */
    size_t offset;              /* offsetof(struct wd_config, field) */
    const char *help;
};

extern const struct wd_cfg_key wd_cfg_keys[];
extern const size_t wd_cfg_nkeys;

/* Fills `c` with every default. Free with wd_cfg_fini(). */
void wd_cfg_defaults(struct wd_config *c);
void wd_cfg_fini(struct wd_config *c);

/*
 * Loads YAML `path` over the values already in `c`. Every problem is printed to `errs`
 * as "file:line:col: message" and counted; returns the number of errors (0 = ok).
 */
int wd_cfg_load_file(struct wd_config *c, const char *path, FILE *errs);
int wd_cfg_load_string(struct wd_config *c, const char *name, const char *text, size_t len,
                       FILE *errs);

/* Sets one key from text (used by the loader and by command-line overrides). On error
 * returns WD_EINVAL and points *why to a constant/static message. */
int wd_cfg_set(struct wd_config *c, const char *key, const char *value, char *why, size_t why_len);

/* Finds a key row by name; NULL when unknown. */
const struct wd_cfg_key *wd_cfg_find(const char *name);

/* Writes docs/config.md content (markdown table generated from the key table). */
void wd_cfg_write_markdown(FILE *f);
/* Writes the effective configuration as YAML. */
void wd_cfg_write_yaml(const struct wd_config *c, FILE *f);

/* Parses "host:port" / "[v6]:port" into host (NUL-terminated, out_len bytes) and port. */
int wd_cfg_parse_addr(const char *s, char *host, size_t host_len, int *port);
/* Parses "64MiB", "10k", "4096" into bytes. */
int wd_cfg_parse_size(const char *s, int64_t *out);

#endif
