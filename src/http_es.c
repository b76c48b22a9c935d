/*
 * http_es.c: the Elasticsearch endpoints shippers probe before they send (interop.md
 * 1.3 and 1.4): GET / with a configurable version, _license, _xpack, cluster health,
 * node sniffing, index templates, ILM and ingest pipelines; plus GET /metrics.
 */
#include "detect.h"
#include "http_int.h"
#include "jv.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "store.h"
#include "wal.h"
#include "zeek_srv.h"
#include "amqp_srv.h"
#include "plug.h"
#include "enrich.h"

void wd_http_es_info(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_buf *b = &r->body;
    wd_buf_printf(b, "{\"name\":");
    wd_jv_write_str(q->s->hostname, strlen(q->s->hostname), b);
    wd_buf_printf(b, ",\"cluster_name\":\"ward\",\"cluster_uuid\":\"d2FyZC1jbHVzdGVyLXV1aWQ\","
                     "\"version\":{\"number\":");
    wd_jv_write_str(q->s->cfg.http_es_version, strlen(q->s->cfg.http_es_version), b);
    wd_buf_printf(b,
                  ",\"build_flavor\":\"default\",\"build_type\":\"deb\","
                  "\"build_hash\":\"ward-%s\",\"build_date\":\"2026-01-01T00:00:00.000Z\","
                  "\"build_snapshot\":false,\"lucene_version\":\"9.8.0\","
                  "\"minimum_wire_compatibility_version\":\"7.17.0\","
                  "\"minimum_index_compatibility_version\":\"7.0.0\"},"
                  "\"tagline\":\"You know, for Search\"}",
                  WD_VERSION);
}

static bool starts(const char *p, const char *prefix)
{
    return strncmp(p, prefix, strlen(prefix)) == 0;
}

static void nodes(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *host = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Host");
    wd_buf_printf(&r->body, "{\"_nodes\":{\"total\":1,\"successful\":1,\"failed\":0},"
                            "\"cluster_name\":\"ward\",\"nodes\":{\"ward\":{\"name\":");
    wd_jv_write_str(q->s->hostname, strlen(q->s->hostname), &r->body);
    wd_buf_printf(&r->body, ",\"version\":");
    wd_jv_write_str(q->s->cfg.http_es_version, strlen(q->s->cfg.http_es_version), &r->body);
    wd_buf_printf(&r->body, ",\"roles\":[\"master\",\"data\",\"ingest\"],\"http\":{"
                            "\"publish_address\":");
    const char *addr = host ? host : q->s->cfg.http_listen;
    wd_jv_write_str(addr, strlen(addr), &r->body);
    wd_buf_printf(&r->body, "}}}}");
}

void wd_http_es_probe(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    bool get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
    bool put = !strcmp(q->method, "PUT") || !strcmp(q->method, "POST");
    if (get && !strcmp(p, "/_license")) {
        wd_buf_printf(&r->body, "{\"license\":{\"status\":\"active\",\"uid\":"
                                "\"00000000-0000-0000-0000-000000000000\",\"type\":\"basic\","
                                "\"issue_date_in_millis\":1767225600000,"
                                "\"expiry_date_in_millis\":4102444800000,"
                                "\"max_nodes\":1000,\"issued_to\":\"ward\",\"issuer\":\"ward\","
                                "\"start_date_in_millis\":-1}}");
    } else if (get && !strcmp(p, "/_xpack")) {
        wd_buf_printf(&r->body, "{\"build\":{},\"license\":{\"type\":\"basic\",\"mode\":"
                                "\"basic\",\"status\":\"active\"},\"features\":{}}");
    } else if (get && (!strcmp(p, "/_cluster/health") || starts(p, "/_cluster/health/"))) {
        wd_buf_printf(&r->body, "{\"cluster_name\":\"ward\",\"status\":\"green\","
                                "\"timed_out\":false,\"number_of_nodes\":1,"
                                "\"number_of_data_nodes\":1,\"active_primary_shards\":1,"
                                "\"active_shards\":1,\"relocating_shards\":0,"
                                "\"initializing_shards\":0,\"unassigned_shards\":0,"
                                "\"active_shards_percent_as_number\":100.0}");
    } else if (get && !strcmp(p, "/_cat/health")) {
        wd_buf_printf(&r->body, "[{\"cluster\":\"ward\",\"status\":\"green\","
                                "\"node.total\":\"1\",\"node.data\":\"1\"}]");
    } else if (get && starts(p, "/_nodes")) {
        nodes(q, r);
    } else if (starts(p, "/_index_template") || starts(p, "/_template") ||
               starts(p, "/_component_template") || starts(p, "/_ilm") ||
               starts(p, "/_ingest/pipeline") || starts(p, "/_data_stream") ||
               (p[0] == '/' && p[1] && p[1] != '_' && !strchr(p + 1, '/'))) {
        /* Templates, policies, pipelines and index creation: ward owns its mapping and
         * retention, so these are acknowledged and otherwise ignored. */
        if (put)
            wd_buf_printf(&r->body, "{\"acknowledged\":true}");
        else if (get)
            wd_buf_printf(&r->body, "{}");
        else
            wd_http_error(r, 405, "method_not_allowed", "method not allowed on this path");
    } else {
        char esc[300];
        wd_log(WD_LOG_INFO, "http", "unknown endpoint method=%s path=%s", q->method,
               wd_log_escape(esc, sizeof(esc), p, strlen(p)));
        char why[128];
        snprintf(why, sizeof(why), "no handler for [%s] (see docs/api.md)", q->method);
        wd_http_error(r, 404, "resource_not_found_exception", why);
    }
}

void wd_http_metrics(struct wd_http_req *q, struct wd_http_resp *r)
{
    wd_metrics_render(&q->s->metrics, &r->body);
    if (q->s->detect)
        wd_detect_metrics(q->s->detect, &r->body);
    wd_zeek_srv_render_prom(q->s, &r->body); /* zeek: filters, lists, lag */
    /* plugins (runs, errors, drops) and enrichment tables */
    wd_plugins_render_prom(q->s->plugins, &r->body);
    wd_enrich_render_prom(q->s->enrich, &r->body);
    wd_http_cases_render_prom(q->s, &r->body); /* incidents: rejections, unacked alerts */
    wd_http_resp_metrics(q->s, &r->body); /* block and watch lists, feeds */
    wd_amqp_render_prom(q->s->amqp, &r->body);
    if (q->s->store) {
        uint64_t parts, bytes, rows, merges, corrupt;
        wd_store_stats(q->s->store, &parts, &bytes, &rows, &merges, &corrupt);
        wd_buf_printf(&r->body,
                      "# HELP ward_store_indexed_seq Every event id up to this one is searchable.\n"
                      "# TYPE ward_store_indexed_seq gauge\nward_store_indexed_seq %llu\n"
                      "# HELP ward_store_parts Part files in the store.\n"
                      "# TYPE ward_store_parts gauge\nward_store_parts %llu\n"
                      "# HELP ward_store_bytes Bytes of part files.\n"
                      "# TYPE ward_store_bytes gauge\nward_store_bytes %llu\n"
                      "# HELP ward_store_events Events in the store.\n"
                      "# TYPE ward_store_events gauge\nward_store_events %llu\n"
                      "# HELP ward_store_merges_total Merges done since start.\n"
                      "# TYPE ward_store_merges_total counter\nward_store_merges_total %llu\n"
                      "# HELP ward_store_merging 1 while a background merge is being written.\n"
                      "# TYPE ward_store_merging gauge\nward_store_merging %d\n"
                      "# HELP ward_store_corrupt_parts_total Parts skipped as corrupt at start.\n"
                      "# TYPE ward_store_corrupt_parts_total counter\n"
                      "ward_store_corrupt_parts_total %llu\n",
                      (unsigned long long)wd_store_indexed_seq(q->s->store),
                      (unsigned long long)parts, (unsigned long long)bytes,
                      (unsigned long long)rows, (unsigned long long)merges,
                      wd_store_merging(q->s->store) ? 1 : 0, (unsigned long long)corrupt);
        uint64_t copied, rebuilt;
        wd_store_merge_stats(q->s->store, &copied, &rebuilt);
        wd_buf_printf(&r->body,
                      "# HELP ward_store_merge_blocks_copied_total Blocks merges copied as they "
                      "were.\n"
                      "# TYPE ward_store_merge_blocks_copied_total counter\n"
                      "ward_store_merge_blocks_copied_total %llu\n"
                      "# HELP ward_store_merge_rows_rebuilt_total Rows merges rebuilt from small "
                      "blocks.\n"
                      "# TYPE ward_store_merge_rows_rebuilt_total counter\n"
                      "ward_store_merge_rows_rebuilt_total %llu\n",
                      (unsigned long long)copied, (unsigned long long)rebuilt);
        struct wd_store_flush_stats fst;
        wd_store_flush_stats(q->s->store, &fst);
        wd_buf_printf(&r->body,
                      "# HELP ward_store_flushes_total Flushes published (each a part per "
                      "partition and shredding thread).\n"
                      "# TYPE ward_store_flushes_total counter\n"
                      "ward_store_flushes_total %llu\n"
                      "# HELP ward_store_unpublished_events Events shredded into parts not yet "
                      "published.\n"
                      "# TYPE ward_store_unpublished_events gauge\n"
                      "ward_store_unpublished_events %llu\n"
                      "# HELP ward_store_flush_failures_total Flushes that failed (written again "
                      "from the WAL).\n"
                      "# TYPE ward_store_flush_failures_total counter\n"
                      "ward_store_flush_failures_total %llu\n"
                      "# HELP ward_store_events_reread_total Events shredded, then dropped by a "
                      "failed flush and read again.\n"
                      "# TYPE ward_store_events_reread_total counter\n"
                      "ward_store_events_reread_total %llu\n",
                      (unsigned long long)fst.flushes, (unsigned long long)fst.unpublished,
                      (unsigned long long)fst.failures, (unsigned long long)fst.reread);
        uint64_t hits, misses, cbytes;
        wd_store_cache_stats(&hits, &misses, &cbytes);
        wd_buf_printf(&r->body,
                      "# HELP ward_store_cache_hits_total Column chunks searches found "
                      "decompressed in the cache.\n"
                      "# TYPE ward_store_cache_hits_total counter\n"
                      "ward_store_cache_hits_total %llu\n"
                      "# HELP ward_store_cache_misses_total Column chunks searches read and "
                      "decompressed.\n"
                      "# TYPE ward_store_cache_misses_total counter\n"
                      "ward_store_cache_misses_total %llu\n"
                      "# HELP ward_store_cache_bytes Bytes in the chunk cache (store.cache_bytes "
                      "bounds it).\n"
                      "# TYPE ward_store_cache_bytes gauge\nward_store_cache_bytes %llu\n",
                      (unsigned long long)hits, (unsigned long long)misses,
                      (unsigned long long)cbytes);
    }
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
