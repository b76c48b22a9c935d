/*
 * cfg_table.c: the one table that declares every configuration key: its YAML name,
 * type, default, bounds and help text. Add a key here and in struct wd_config; the
 * loader, docs/config.md (`make docs`) and `ward config` follow from this table.
 */
#include <strings.h>

#include "cfg.h"
#include "ward.h"

#define OFF(f) offsetof(struct wd_config, f)
#define KIB    1024LL
#define MIB    (1024LL * 1024)
#define GIB    (1024LL * 1024 * 1024)

static const char *const log_levels[] = {"error", "warn", "info", "debug", "trace", NULL};
static const char *const durabilities[] = {"fsync", "async", "none", NULL};
static const char *const ingest_open[] = {"auto", "true", "false", NULL};
static const char *const webhook_formats[] = {"json", "slack", NULL};
static const char *const plugin_on_error[] = {"keep", "drop", NULL};
static const char *const feed_orders[] = {"newest", "oldest", NULL};
const char *const wd_severities[] = {"DEBUG",    "INFO",  "NOTICE",    "WARNING", "ERROR",
                                     "CRITICAL", "ALERT", "EMERGENCY", NULL};
#define severities wd_severities
/* incidents: alerts.require_ack_severity (off, then the severities) */
static const char *const ack_severities[] = {"off",   "DEBUG",    "INFO",  "NOTICE",    "WARNING",
                                             "ERROR", "CRITICAL", "ALERT", "EMERGENCY", NULL};

int wd_severity_rank(const char *name)
{
    for (int i = 0; wd_severities[i]; i++)
        if (strcasecmp(name, wd_severities[i]) == 0)
            return i;
    return -1;
}

const struct wd_cfg_key wd_cfg_keys[] = {
    {"data_dir", WD_CFG_STRING, "ward-data", 0, 0, NULL, OFF(data_dir),
     "Directory holding the write-ahead log and the store. Created when missing."},
    {"log.level", WD_CFG_ENUM, "info", 0, 0, log_levels, OFF(log_level),
     "Least severe log level written to stderr."},
    {"log.errors_per_second", WD_CFG_INT, "10", 1, 100000, NULL, OFF(log_errors_per_second),
     "Per-event error records logged per second and subsystem; the rest are counted "
     "and summarised."},
    {"http.listen", WD_CFG_ADDR, "127.0.0.1:8080", 0, 0, NULL, OFF(http_listen),
     "Address of the HTTP listener (ingest, API, metrics). Port 0 picks a free port "
     "(logged at start-up). Overridden by --http."},
    {"http.tls_cert", WD_CFG_STRING, "", 0, 0, NULL, OFF(http_tls_cert),
     "PEM certificate (chain) file; when set with http.tls_key, the listener speaks HTTPS."},
    {"http.tls_key", WD_CFG_STRING, "", 0, 0, NULL, OFF(http_tls_key),
     "PEM private key file for http.tls_cert."},
    {"http.max_body_bytes", WD_CFG_SIZE, "100MiB", 1 * KIB, 4 * GIB, NULL, OFF(http_max_body_bytes),
     "Largest request body accepted (after gzip decoding); larger requests get 413."},
    {"http.max_connections", WD_CFG_INT, "256", 1, 65536, NULL, OFF(http_max_connections),
     "Concurrent HTTP connections; further connections are refused and counted "
     "(ward_connections_refused_total)."},
    {"http.timeout_s", WD_CFG_INT, "60", 1, 3600, NULL, OFF(http_timeout_s),
     "Seconds an idle HTTP connection is kept open."},
    {"http.es_version", WD_CFG_STRING, "8.11.0", 0, 0, NULL, OFF(http_es_version),
     "Elasticsearch version number reported to shippers by GET / (Beats refuse a server "
     "older than themselves)."},
    {"syslog.listen", WD_CFG_ADDR, "127.0.0.1:5514", 0, 0, NULL, OFF(syslog_listen),
     "Address of the syslog listeners (UDP and TCP share it). Port 0 picks free ports. "
     "Overridden by --syslog."},
    {"syslog.udp", WD_CFG_BOOL, "true", 0, 0, NULL, OFF(syslog_udp),
     "Receive syslog over UDP (RFC 5426)."},
    {"syslog.tcp", WD_CFG_BOOL, "true", 0, 0, NULL, OFF(syslog_tcp),
     "Receive syslog over TCP (RFC 6587, octet-counted or newline framing per frame)."},
    {"syslog.max_message_bytes", WD_CFG_SIZE, "64KiB", 480, 16 * MIB, NULL,
     OFF(syslog_max_message_bytes),
     "Longest syslog message; longer TCP lines are truncated and counted."},
    {"syslog.max_connections", WD_CFG_INT, "256", 1, 65536, NULL, OFF(syslog_max_connections),
     "Concurrent syslog TCP connections."},
    {"ingest.max_line_bytes", WD_CFG_SIZE, "1MiB", 64, 1 * GIB, NULL, OFF(ingest_max_line_bytes),
     "Longest single event (one JSON document or bulk line); longer ones are rejected."},
    {"ingest.max_json_depth", WD_CFG_INT, "64", 2, 1024, NULL, OFF(ingest_max_json_depth),
     "Deepest JSON nesting accepted in an event."},
    {"ingest.max_batch_events", WD_CFG_INT, "100000", 1, 10000000, NULL,
     OFF(ingest_max_batch_events),
     "Most events in one request (bulk body); larger requests get 413."},
    {"ingest.max_lag_events", WD_CFG_INT, "1000000", 0, 1000000000, NULL,
     OFF(ingest_max_lag_events),
     "Acknowledged events the store or the detection engine may be behind. Beyond it "
     "inputs slow down: HTTP answers 429 with Retry-After, syslog TCP and the Zeek "
     "directory pause, UDP datagrams are dropped and counted. A larger value absorbs "
     "longer bursts but lets search fall further behind under sustained load. "
     "0 = no limit."},
    {"normalize.naive_time_zone", WD_CFG_STRING, "UTC", 0, 0, NULL, OFF(normalize_naive_time_zone),
     "Zone for timestamps without an offset (IANA name such as Europe/Berlin, or "
     "+HH:MM). MozDef used the worker's OS zone."},
    {"normalize.mozdefhostname", WD_CFG_STRING, "", 0, 0, NULL, OFF(normalize_mozdefhostname),
     "Value of mozdefhostname on every event; empty means this machine's host name."},
    {"wal.durability", WD_CFG_ENUM, "fsync", 0, 0, durabilities, OFF(durability),
     "When a batch is acknowledged: fsync = after it is fsync'd to the write-ahead log "
     "(safe against power loss); async = after write(2), fsync every "
     "wal.fsync_interval_ms (a crash of the machine may lose that interval); none = "
     "after write(2), never fsync: FOR BENCHMARKS ONLY, loses data on power loss."},
    {"wal.segment_bytes", WD_CFG_SIZE, "64MiB", 1 * MIB, 4 * GIB, NULL, OFF(wal_segment_bytes),
     "Size at which the write-ahead log starts a new segment file."},
    {"wal.recycle_segments", WD_CFG_INT, "4", 0, 64, NULL, OFF(wal_recycle_segments),
     "Consumed write-ahead log segments kept and overwritten by the next segments instead "
     "of deleted and created anew: the writes land in pages already in the page cache, "
     "and fdatasync has no file size to commit. 0 deletes every consumed segment."},
    {"wal.queue_max_bytes", WD_CFG_SIZE, "256MiB", 1 * MIB, 64 * GIB, NULL,
     OFF(wal_queue_max_bytes),
     "Bytes of events waiting for the write-ahead log; beyond it HTTP answers 429 and "
     "syslog TCP stops reading (backpressure). Bounds memory."},
    {"wal.fsync_interval_ms", WD_CFG_INT, "200", 1, 60000, NULL, OFF(wal_fsync_interval_ms),
     "With wal.durability: async, the longest time between fsyncs."},
    {"store.flush_interval_ms", WD_CFG_INT, "500", 10, 60000, NULL, OFF(store_flush_interval_ms),
     "Longest time between an event becoming durable in the write-ahead log and it being "
     "searchable (a part is published at least this often while events arrive). While the "
     "store is behind the log (a backlog, an overload), a flush waits 8 times this for "
     "bigger parts, which cost less to write and merge."},
    {"store.retention_days", WD_CFG_INT, "0", 0, 100000, NULL, OFF(store_retention_days),
     "Delete every events-YYYYMMDD partition whose whole day is older than this many days; "
     "0 keeps events forever."},
    {"store.retention_bytes", WD_CFG_SIZE, "0", 0, 1024 * 1024 * GIB, NULL,
     OFF(store_retention_bytes),
     "Delete the oldest partitions while the store is larger than this; 0 = no limit."},
    {"store.alert_retention_days", WD_CFG_INT, "365", 0, 100000, NULL,
     OFF(store_alert_retention_days),
     "Retention of the monthly alerts-YYYYMM partitions (events with type \"alert\"); "
     "0 keeps them forever."},
    {"store.divert_retention_days", WD_CFG_INT, "7", 0, 100000, NULL,
     OFF(store_divert_retention_days),
     "Days diverted events (a filter's divert action, e.g. dns-noise) are kept in their "
     "divert-YYYYMMDD partitions, searchable with index=divert. 0 = forever."},
    {"store.ingest_threads", WD_CFG_INT, "2", 1, 16, NULL, OFF(store_ingest_threads),
     "Threads that parse, shred and compress events into parts (one per core is right; "
     "they share the machine with the inputs)."},
    {"store.search_threads", WD_CFG_INT, "2", 1, 16, NULL, OFF(store_search_threads),
     "Threads one search reads, decompresses and evaluates blocks with (results are merged "
     "in time order, so answers do not depend on it); one per core is right."},
    {"store.cache_bytes", WD_CFG_SIZE, "256MiB", 0, 64 * GIB, NULL, OFF(store_cache_bytes),
     "Memory for decompressed column chunks kept between searches (repeated and paged "
     "searches skip decompression); least recently used chunks are evicted, but not for a "
     "search one it has used itself, so a scan larger than this keeps what it read first."},
    {"store.truncate_wal", WD_CFG_BOOL, "true", 0, 0, NULL, OFF(store_truncate_wal),
     "Delete write-ahead log segments once every event in them is in the store."},
    {"tail.max_subscribers", WD_CFG_INT, "64", 1, 4096, NULL, OFF(tail_max_subscribers),
     "Concurrent live-tail streams (GET /api/v1/tail); further ones get 503."},
    {"tail.queue_events", WD_CFG_INT, "1000", 1, 1000000, NULL, OFF(tail_queue_events),
     "Events waiting to be sent to one live-tail client; beyond it the oldest are dropped, "
     "counted (ward_tail_dropped_total) and announced in the stream."},
    {"tail.queue_bytes", WD_CFG_SIZE, "4MiB", 64 * KIB, 1 * GIB, NULL, OFF(tail_queue_bytes),
     "Bytes waiting to be sent to one live-tail client; beyond it the oldest are dropped."},
    {"tail.heartbeat_ms", WD_CFG_INT, "15000", 50, 600000, NULL, OFF(tail_heartbeat_ms),
     "Idle time after which a live-tail stream gets a ': keepalive' comment. Keep it below "
     "http.timeout_s and the idle timeouts of proxies in between."},
    {"rules.path", WD_CFG_STRING, "rules", 0, 0, NULL, OFF(rules_path),
     "Rule file or directory (*.yaml, *.yml, recursively) loaded at start and on SIGHUP or "
     "POST /api/v1/rules/reload. Empty = no detection. A missing directory is a warning."},
    {"sigma.mappings", WD_CFG_STRING, "", 0, 0, NULL, OFF(sigma_mappings),
     "YAML file of Sigma mappings (fields, logsources, placeholders; docs/sigma.md) added to "
     "the built-in ones, read with the rules. Empty = built-ins only."},
    {"rules.enabled", WD_CFG_BOOL, "true", 0, 0, NULL, OFF(rules_enabled),
     "Run the detection engine on every acknowledged event."},
    {"rules.lateness_s", WD_CFG_INT, "60", 0, 86400, NULL, OFF(rules_lateness_s),
     "Events this much older than a rule's window still count (late arrivals)."},
    {"rules.tick_ms", WD_CFG_INT, "250", 10, 60000, NULL, OFF(rules_tick_ms),
     "How often the engine takes decisions (thresholds reached, absence, epochs); alerts "
     "follow their events within about this time."},
    {"rules.max_group_events", WD_CFG_INT, "1000", 1, 1000000, NULL, OFF(rules_max_group_events),
     "Events kept per rule and group (MozDef searched at most 1000); older ones leave."},
    {"rules.max_memory", WD_CFG_SIZE, "1GiB", 1 * MIB, 1024 * GIB, NULL, OFF(rules_max_memory),
     "Event text the engine keeps for open groups (samples and summaries). Beyond it, events "
     "past a group's samples are counted without their text (ward_engine_degraded_total)."},
    {"rules.replay_max_events", WD_CFG_INT, "2000000", 0, 1000000000, NULL,
     OFF(rules_replay_max_events),
     "After a restart the engine re-reads the events its rules still held (windows, "
     "sequences) so they survive it, at most this many back; the WAL keeps them."},
    {"rules.max_groups", WD_CFG_INT, "100000", 1, 100000000, NULL, OFF(rules_max_groups),
     "Groups (distinct group_by values) kept per rule; beyond it the oldest is evicted."},
    {"alerts.webhook", WD_CFG_STRING, "", 0, 0, NULL, OFF(alerts_webhook),
     "URL (http:// or https://) every alert at or above alerts.webhook_min_severity is "
     "POSTed to, besides each rule's own actions. Empty = none."},
    {"alerts.webhook_format", WD_CFG_ENUM, "json", 0, 0, webhook_formats,
     OFF(alerts_webhook_format),
     "json = the alert document as is; slack = a Slack incoming-webhook message."},
    {"alerts.webhook_min_severity", WD_CFG_ENUM, "WARNING", 0, 0, severities,
     OFF(alerts_webhook_min_severity), "Least severe alert sent to alerts.webhook."},
    {"alerts.webhook_retries", WD_CFG_INT, "5", 0, 100, NULL, OFF(alerts_webhook_retries),
     "Retries of a failing webhook delivery (with doubling backoff) before it goes to "
     "the dead-letter log DATA/alerts/dead-letter.ndjson."},
    {"alerts.require_ack_severity", WD_CFG_ENUM, "off", 0, 0, ack_severities,
     OFF(alerts_require_ack_severity),
     "Alerts at or above this severity must be acknowledged: GET /api/v1/alerts/unacked "
     "lists those nobody has, the console flags them and /metrics counts them "
     "(ward_alerts_unacked). off = no requirement (docs/incidents.md)."},
    {"incidents.max_viewers", WD_CFG_INT, "256", 1, 65536, NULL, OFF(incidents_max_viewers),
     "Concurrent incident live streams (GET /api/v1/incidents/ID/stream); further ones "
     "get 503."},
    {"zeek.filters", WD_CFG_STRING, "", 0, 0, NULL, OFF(zeek_filters),
     "Filter file applied to every Zeek record before storage (drop / divert; see "
     "docs/zeek.md). filters/mozilla.yaml is Mozilla's set. Empty: keep everything."},
    {"zeek.dir", WD_CFG_STRING, "", 0, 0, NULL, OFF(zeek_dir),
     "Zeek log directory to tail (zeekctl layout: current/*.log and rotated "
     "YYYY-MM-DD/*.log.gz), with a checkpoint in data_dir. Empty: no directory input."},
    {"zeek.sensor", WD_CFG_STRING, "", 0, 0, NULL, OFF(zeek_sensor),
     "Sensor name given to events of zeek.dir (their hostname; lag metrics are per "
     "sensor). Empty: this machine's host name."},
    {"zeek.poll_interval_ms", WD_CFG_INT, "500", 10, 60000, NULL, OFF(zeek_poll_interval_ms),
     "How often zeek.dir is scanned for new lines, new files and rotations."},
    {"zeek.batch_events", WD_CFG_INT, "16384", 1, 1000000, NULL, OFF(zeek_batch_events),
     "Zeek events per write-ahead log commit (and per checkpoint of zeek.dir)."},
    {"lists.reload_interval_ms", WD_CFG_INT, "1000", 50, 3600000, NULL,
     OFF(lists_reload_interval_ms),
     "How often list files named by zeek.filters are checked for changes (a changed file "
     "applies within this interval, without a restart)."},
    {"http.console", WD_CFG_BOOL, "true", 0, 0, NULL, OFF(http_console),
     "Serve the web console at / (to browsers: Elasticsearch clients asking for / still get "
     "the cluster info) and /ui/ (docs/console.md)."},
    {"auth.ingest_open", WD_CFG_ENUM, "auto", 0, 0, ingest_open, OFF(auth_ingest_open),
     "Whether the ingest paths (/events, /_bulk, /custom/..., /api/v1/zeek POST, the "
     "Elasticsearch probes) accept requests without an API token of scope ingest. auto = "
     "open only when http.listen is a loopback address (127.0.0.0/8, ::1). Everything else "
     "under /api/v1 always needs a session or a token (docs/security.md)."},
    {"auth.bootstrap_token", WD_CFG_STRING, "", 0, 0, NULL, OFF(auth_bootstrap_token),
     "An API token with every scope, stored (hashed) in DATA/state.db at start, for "
     "automation that cannot run `ward token add` first. At least 32 characters; empty = "
     "none. Prefer `ward token add`: this value is as secret as a password."},
    {"auth.login_max_failures", WD_CFG_INT, "5", 1, 1000, NULL, OFF(auth_login_max_failures),
     "Failed logins per user name and per client address within auth.login_window_s; "
     "further attempts get 429 until the window passes (each is a ward event)."},
    {"auth.login_window_s", WD_CFG_INT, "300", 1, 86400, NULL, OFF(auth_login_window_s),
     "The window of auth.login_max_failures, in seconds."},
    {"plugins.dir", WD_CFG_STRING, "", 0, 0, NULL, OFF(plugins_dir),
     "Directory of Lua plugins (*.lua) run on every event after key mapping and before "
     "the storage defaults (docs/plugins.md; plugins/ holds examples). Reloaded on SIGHUP. "
     "Empty: no plugins."},
    {"plugins.max_instructions", WD_CFG_INT, "1000000", 0, 1000000000, NULL,
     OFF(plugins_max_instructions),
     "Lua VM instructions one plugin call may run (0 = unlimited); beyond it the call fails."},
    {"plugins.max_memory_bytes", WD_CFG_SIZE, "16MiB", 0, 4 * GIB, NULL,
     OFF(plugins_max_memory_bytes),
     "Growth of a thread's Lua heap one plugin call may cause (0 = unlimited); beyond it "
     "the call fails."},
    {"plugins.on_error", WD_CFG_ENUM, "keep", 0, 0, plugin_on_error, OFF(plugins_on_error),
     "What happens to an event when a plugin fails (error or budget): keep = the event "
     "continues as the plugin received it, drop = the event is discarded (counted)."},
    {"plugins.max_failures", WD_CFG_INT, "10", 0, 1000000, NULL, OFF(plugins_max_failures),
     "Failures in a row after which a plugin is disabled until the next reload (listed in "
     "/api/v1/health). 0 = never disable."},
    {"enrich.networks", WD_CFG_STRING, "", 0, 0, NULL, OFF(enrich_networks),
     "Network table (CSV: CIDR,site,environment,owner; docs/enrichment.md) that tags "
     "details.sourceipaddress and details.destinationipaddress with the longest matching "
     "block (details.sourcenetwork, details.sourcelocal, ...). Reloaded on SIGHUP. "
     "Empty: none."},
    {"enrich.ip_fixup", WD_CFG_BOOL, "false", 0, 0, NULL, OFF(enrich_ip_fixup),
     "Apply MozDef's ipFixup (spec c.7) to events of the normal ingest path: IPv4/IPv6 "
     "address fields, hostnames moved out of address fields, X-Forwarded-For and "
     "src/dst aliases (docs/enrichment.md). Zeek events always get it."},
    {"enrich.geoip_city", WD_CFG_STRING, "", 0, 0, NULL, OFF(enrich_geoip_city),
     "MaxMind-format City database (GeoLite2-City.mmdb) that sets "
     "details.sourceipgeolocation / sourceipgeopoint and the destination equivalents "
     "(docs/enrichment.md). Reloaded when the file changes. Empty: none."},
    {"enrich.geoip_asn", WD_CFG_STRING, "", 0, 0, NULL, OFF(enrich_geoip_asn),
     "MaxMind-format ASN database (GeoLite2-ASN.mmdb) that sets details.sourceipasn / "
     "sourceipasorg and the destination equivalents. Reloaded when the file changes. "
     "Empty: none."},
    {"enrich.geoip_check_s", WD_CFG_INT, "5", 1, 86400, NULL, OFF(enrich_geoip_check_s),
     "How often (seconds) the GeoIP database files are checked for a change (inode, size, "
     "mtime); SIGHUP re-opens them at once."},
    {"enrich.intel", WD_CFG_STRING, "", 0, 0, NULL, OFF(enrich_intel),
     "Threat-intel feeds file (YAML list of feeds: name, path or url, format plain|spamhaus|"
     "misp, type, refresh; docs/enrichment.md). A hit adds details.intel and the tag "
     "threatintel. Empty: none."},
    {"response.allowlist", WD_CFG_STRING, "", 0, 0, NULL, OFF(response_allowlist),
     "Networks (CIDRs separated by commas or blanks) that can never be blocked: an IP "
     "block-list entry overlapping one is refused (docs/response.md). Private, loopback "
     "and other special-purpose ranges are always refused."},
    {"response.feed_max_entries", WD_CFG_INT, "10000", 1, 10000000, NULL,
     OFF(response_feed_max_entries),
     "Live entries published per feed (/feeds/ipblocklist.txt, /feeds/fqdnblocklist.txt) "
     "before CIDR merging; beyond it response.feed_order decides which are left out."},
    {"response.feed_order", WD_CFG_ENUM, "newest", 0, 0, feed_orders, OFF(response_feed_order),
     "Which entries a full feed keeps: newest = the most recently blocked or extended, "
     "oldest = the longest-standing."},
    {"response.feed_token", WD_CFG_STRING, "", 0, 0, NULL, OFF(response_feed_token),
     "When set, the feeds need this value as `Authorization: Bearer` or `?token=` (or a "
     "session/API token of scope read); empty = the feeds are public."},
    {"response.feed_max_age_s", WD_CFG_INT, "60", 0, 86400, NULL, OFF(response_feed_max_age_s),
     "Cache-Control max-age of the feeds, in seconds (they also carry ETag and "
     "Last-Modified and answer 304 to conditional requests)."},
    {"response.purge_after_days", WD_CFG_INT, "30", 1, 3650, NULL, OFF(response_purge_after_days),
     "Expired and removed list entries are deleted from DATA/response.db this many days "
     "after they ended (until then GET ...?all=true lists them)."},
    {"amqp.url", WD_CFG_STRING, "amqp://guest:guest@127.0.0.1:5672/", 0, 0, NULL, OFF(amqp_url),
     "RabbitMQ broker of the AMQP input and output: amqp://user:pass@host:port/vhost "
     "(percent-encoded; vhost %2f = /; docs/amqp.md). amqps:// is not supported."},
    {"amqp.reconnect_max_ms", WD_CFG_INT, "30000", 100, 3600000, NULL, OFF(amqp_reconnect_max_ms),
     "Longest wait between reconnection attempts (the backoff starts at 100 ms and doubles)."},
    {"amqp.input.enabled", WD_CFG_BOOL, "false", 0, 0, NULL, OFF(amqp_input_enabled),
     "Consume JSON events (one object per message) from amqp.input.queue; each message is "
     "acknowledged only after it is durable in the write-ahead log."},
    {"amqp.input.exchange", WD_CFG_STRING, "eventtask", 0, 0, NULL, OFF(amqp_input_exchange),
     "Durable direct exchange the input queue is bound to (MozDef: eventtask). Empty: the "
     "default exchange (no binding)."},
    {"amqp.input.queue", WD_CFG_STRING, "eventtask", 0, 0, NULL, OFF(amqp_input_queue),
     "Durable queue the input consumes (declared at connect)."},
    {"amqp.input.routing_key", WD_CFG_STRING, "eventtask", 0, 0, NULL, OFF(amqp_input_routing_key),
     "Routing key binding amqp.input.queue to its exchange."},
    {"amqp.input.prefetch", WD_CFG_INT, "1000", 1, 65535, NULL, OFF(amqp_input_prefetch),
     "Unacknowledged messages the broker may send ahead (basic.qos), also the largest "
     "batch committed at once. The backpressure: when the WAL is full nothing is acked."},
    {"amqp.output.alerts", WD_CFG_BOOL, "false", 0, 0, NULL, OFF(amqp_output_alerts),
     "Publish every alert (as {\"_id\", \"_index\", \"_source\"}) to amqp.output.exchange "
     "with publisher confirms, through the disk-backed retry queue DATA/amqp/alerts.q."},
    {"amqp.output.exchange", WD_CFG_STRING, "alerts", 0, 0, NULL, OFF(amqp_output_exchange),
     "Durable topic exchange alerts are published to (MozDef: alerts)."},
    {"amqp.output.routing_key", WD_CFG_STRING, "mozdef.alert", 0, 0, NULL,
     OFF(amqp_output_routing_key), "Routing key of published alerts (MozDef: mozdef.alert)."},
    {"amqp.output.queue_max_bytes", WD_CFG_SIZE, "64MiB", 64 * KIB, 64 * GIB, NULL,
     OFF(amqp_output_queue_max_bytes),
     "Size bound of the retry queue holding alerts not yet confirmed by the broker; when "
     "full the oldest are dropped and counted (ward_amqp_retry_queue_dropped_total)."},
};

const size_t wd_cfg_nkeys = WD_ARRAY_LEN(wd_cfg_keys);
