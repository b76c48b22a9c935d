#!/usr/bin/env python3
# clickhouse.py: the ClickHouse side of the store benchmark (tools/bench-store.sh). Talks
# to a clickhouse-server the script started on 127.0.0.1 (HTTP interface): creates the
# table, loads the NDJSON over several HTTP connections, OPTIMIZE FINAL, measures the
# data directory, runs the benchmark queries warm; then drops that table and loads the
# same lines once more with INSERT ... FORMAT JSONEachRow into a typed table (load rate,
# size and the same queries, under "jsoneachrow"), and writes a result JSON.
# usage: clickhouse.py PORT DATA_PATH EVENTS.ndjson NEEDLES.json OUT.json [CONNS] [MAX_EVENTS]
#
# Schema 1, `events` (the searchable configuration: the report's ClickHouse column): what
# a ClickHouse user storing heterogeneous JSON logs picks. The whole event is kept in
# `raw` (searches return full events, as ward's do) and the fields queries filter or
# group on are MATERIALIZED columns extracted server-side from `raw` at insert
# (visitParamExtract*, the JSON functions 18.16 has), so all parsing is counted in the
# load time. MergeTree, daily partitions, ORDER BY utctimestamp, default LZ4 compression.
#
# Schema 2, `events_json`, loaded with INSERT ... FORMAT JSONEachRow (the lines sent as
# they are): one typed column per top-level field and per field of `details`, as an
# experienced user would write it for these Zeek logs in 18.16; same engine, partitions,
# order and compression. What 18.16 does with these lines (tried on the server):
#  - "2026-01-01T00:00:00.293031+00:00" into DateTime needs date_time_input_format=
#    best_effort (basic: 'Cannot parse input: expected " before: +00:00"'); the fraction
#    is dropped (no DateTime64 yet); details.ts (Float64) keeps it.
#  - tags ["bro","nsm"] into Array(String) and true/false into UInt8 go in as they are;
#    a number into a String column does not ("Cannot parse JSON string: expected
#    opening quote"). LowCardinality is experimental in 18.16: plain String.
#  - `details`, an object: with input_format_import_nested_json=1 each of its members
#    goes to a column named `details.<key>`, one level deep (without the setting:
#    "Unknown field found while parsing JSONEachRow format: details"). A Nested column
#    wants arrays there ("Cannot parse input: expected [").
#  - Array columns named `details.*` are one Nested structure to 18.16, so their lengths
#    must agree in each row ("Elements 'details.answers' and 'details.tags' of Nested
#    data structure 'details' (Array columns) have different array sizes"). answers and
#    TTLs always agree (DNS) and are kept; the other arrays of details cannot be.
#  - details.certificate (x509: an object inside details, 2 levels down: "Cannot parse
#    JSON string: expected opening quote" into a String) and details.version (a string
#    in ssl, a number in ssh: the same error into String, 'expected "' into UInt8)
#    cannot be mapped (a `details.certificate.issuer` column stays empty); a key with a
#    dot in it (certificate.curve) does map, to `details.certificate.curve`.
# Those fields (JSON_DROPPED) are skipped with input_format_skip_unknown_fields=1, so
# this table does not hold whole events: its load rate and size are separate lines of the
# report, and the query figures of the ClickHouse column are schema 1's.
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (du_bytes, hist_range, iter_chunks, load_json, log, norm_counts, norm_hist,  # noqa: E402
                    norm_top, timed, write_result)

SCHEMA = r"""
CREATE TABLE events (
    raw String,
    utctimestamp DateTime MATERIALIZED
        toDateTime(replaceOne(substring(visitParamExtractString(raw, 'utctimestamp'), 1, 19), 'T', ' '), 'UTC'),
    source String MATERIALIZED visitParamExtractString(raw, 'source'),
    hostname String MATERIALIZED visitParamExtractString(raw, 'hostname'),
    summary String MATERIALIZED visitParamExtractString(raw, 'summary'),
    sourceipaddress String MATERIALIZED visitParamExtractString(raw, 'sourceipaddress'),
    destinationipaddress String MATERIALIZED visitParamExtractString(raw, 'destinationipaddress'),
    destinationport UInt16 MATERIALIZED toUInt16(visitParamExtractUInt(raw, 'destinationport')),
    uid String MATERIALIZED visitParamExtractString(raw, 'uid')
) ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(utctimestamp)
ORDER BY utctimestamp
"""

# schema 2's columns (name type, comma-separated), by Zeek log: conn, dns, ssl, http,
# ssh, x509
_JSON_COLS = """
category String, source String, type String, customendpoint String, eventsource String,
severity String, hostname String, tags Array(String), utctimestamp DateTime,
timestamp DateTime, receivedtimestamp DateTime, mozdefhostname String, summary String,
details.ts Float64, details.uid String, details.sourceipaddress String,
details.sourceport UInt16, details.destinationipaddress String, details.destinationport UInt16,
details.proto String, details.service String, details.duration Float64,
details.orig_bytes UInt64, details.resp_bytes UInt64, details.conn_state String,
details.local_orig UInt8, details.local_resp UInt8, details.missed_bytes UInt64,
details.history String, details.orig_pkts UInt64, details.originipbytes UInt64,
details.resp_pkts UInt64, details.responseipbytes UInt64,
details.trans_id UInt16, details.rtt Float64, details.query String, details.qclass UInt16,
details.qclass_name String, details.qtype UInt16, details.qtype_name String,
details.rcode UInt16, details.rcode_name String, details.AA UInt8, details.TC UInt8,
details.RD UInt8, details.RA UInt8, details.Z UInt8, details.answers Array(String),
details.TTLs Array(Float64), details.rejected UInt8,
details.cipher String, details.curve String, details.server_name String, details.resumed UInt8,
details.next_protocol String, details.established UInt8, details.ssl_history String,
details.validation_status String, details.sni_matches_cert UInt8,
details.trans_depth UInt16, details.method String, details.host String, details.uri String,
details.referrer String, details.user_agent String, details.request_body_len UInt64,
details.response_body_len UInt64, details.status_code UInt16, details.status_msg String,
details.auth_success UInt8, details.auth_attempts UInt16, details.direction String,
details.client String, details.server String, details.cipher_alg String, details.mac_alg String,
details.compression_alg String, details.kex_alg String, details.host_key_alg String,
details.host_key String,
details.fingerprint String, details.client_cert UInt8, details.host_cert UInt8,
details.certificate.curve String
"""
JSON_SCHEMA = "CREATE TABLE events_json (\n%s\n) ENGINE = MergeTree()\nPARTITION BY toYYYYMMDD(utctimestamp)\n" \
    "ORDER BY utctimestamp\n" % ",\n".join("    `%s` %s" % tuple(c.split()) for c in _JSON_COLS.split(",") if c.strip())
# the fields of the events that schema 2 cannot hold (skipped at insert, see above)
JSON_DROPPED = ["details.version", "details.certificate", "details.san.dns", "details.cert_chain_fps",
                "details.client_cert_chain_fps", "details.tags", "details.orig_fuids", "details.orig_mime_types",
                "details.resp_fuids", "details.resp_mime_types"]
JSON_SETTINGS = {"input_format_skip_unknown_fields": "1", "input_format_import_nested_json": "1",
                 "date_time_input_format": "best_effort"}


class CH:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)

    def q(self, sql, body=None, settings=None):
        """Runs one statement (with body: the statement in the URL, the data as the body;
        settings: URL parameters); returns the response body (TabSeparated text). A
        keep-alive connection the server closed while idle is reopened once (not for
        INSERTs)."""
        for attempt in (0, 1):
            try:
                if body is None:
                    self.conn.request("POST", "/", body=sql.encode())
                else:
                    params = dict(settings or {}, query=sql)
                    self.conn.request("POST", "/?" + urllib.parse.urlencode(params), body=body)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
                if attempt or body is not None:
                    raise
        if r.status != 200:
            raise RuntimeError("clickhouse: %s: %s" % (sql.split("\n")[0][:80], data[:300].decode(errors="replace")))
        return data.decode()

    def rows(self, sql):
        out = self.q(sql + " FORMAT TabSeparated")
        return [line.split("\t") for line in out.split("\n") if line]


def load(port, path, conns, max_events, sql, prep=None, settings=None):
    """Streams the file in ~64 MiB INSERTs (`sql`; each piece passed through prep() when
    given) over `conns` keep-alive connections; returns (lines sent, wall seconds from the
    first request to the last answer)."""
    it = iter_chunks(path, 64 << 20, max_events)
    lock = threading.Lock()
    done = [0]
    errs = []

    def worker():
        ch = CH(port)
        while True:
            with lock:
                try:
                    piece, n = next(it)
                except StopIteration:
                    return
            try:
                ch.q(sql, body=prep(piece) if prep else piece, settings=settings)
            except Exception as e:  # noqa: BLE001
                errs.append(e)
                return
            with lock:
                done[0] += n

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.perf_counter() - t0
    if errs:
        raise errs[0]
    return done[0], secs


def load_table(ch, port, data_path, path, conns, max_events, table, sql, prep=None, settings=None):
    """Loads `table`, checks the row count, OPTIMIZE FINAL, measures it; returns a dict."""
    sent, secs = load(port, path, conns, max_events, sql, prep, settings)
    rows = int(ch.q("SELECT count() FROM %s" % table).strip())
    if rows != sent:
        raise RuntimeError("clickhouse: %d rows in %s after loading %d" % (rows, table, sent))
    log("clickhouse: %d rows in %.1f s (%.0f rows/s); OPTIMIZE TABLE %s FINAL ..." % (rows, secs, rows / secs, table))
    # OPTIMIZE ... FINAL is a no-op while background merges hold the parts: wait for
    # them (polling, bounded), then optimize until each partition is one part.
    t0 = time.perf_counter()
    parts = -1
    while time.perf_counter() - t0 < 1800:
        if int(ch.q("SELECT count() FROM system.merges WHERE table = '%s'" % table).strip()):
            time.sleep(0.2)
            continue
        ch.q("OPTIMIZE TABLE %s FINAL" % table)
        parts = int(ch.q("SELECT count() FROM system.parts WHERE table = '%s' AND active" % table).strip())
        nparts = int(ch.q("SELECT uniqExact(partition) FROM system.parts WHERE table = '%s' AND active"
                          % table).strip())
        if parts <= nparts:
            break
    opt_secs = time.perf_counter() - t0
    # Size: the active parts only (the merged-away ones stay on disk until
    # old_parts_lifetime passes), plus everything outside the table's directory.
    tdir = os.path.join(data_path, "data", "default", table)
    active = [r[0] for r in ch.rows("SELECT name FROM system.parts WHERE table = '%s' AND active" % table)]
    table_disk = sum(du_bytes(os.path.join(tdir, name)) for name in active)
    disk = du_bytes(data_path) - du_bytes(tdir) + table_disk
    log("clickhouse: %s: %d parts after %.1f s, %d bytes on disk (table %d)" % (
        table, parts, opt_secs, disk, table_disk))
    return {
        "events": rows,
        "load_seconds": secs,
        "load_rate": rows / secs,
        "optimize_seconds": opt_secs,
        "parts_after_optimize": parts,
        "disk_bytes": disk,
        "table_disk_bytes": table_disk,
    }


def run_queries(ch, nd, table, fetch, cols, who):
    """The benchmark queries on `table`; fetch = the full-event select list, cols = the
    column names (ip, uid, source, summary). Returns {key: {ms, result}}."""
    ip, uid, phrase = nd["ip"], nd["uid"], nd["phrase"]
    esc = lambda s: s.replace("\\", "\\\\").replace("'", "\\'")  # noqa: E731
    c = cols

    def needle(col, val):
        return lambda: ch.rows("SELECT %s FROM %s WHERE %s = '%s' ORDER BY utctimestamp DESC" % (
            fetch, table, col, esc(val)))

    qs = {
        "needle_ip": (needle(c["ip"], ip), lambda r: len(r)),
        "needle_uid": (needle(c["uid"], uid), lambda r: len(r)),
        "count_by_source": (lambda: ch.rows("SELECT source, count() c FROM %s GROUP BY source ORDER BY c DESC" % table),
                            norm_counts),
        "top10_ip": (lambda: ch.rows("SELECT %s, count() c FROM %s WHERE %s != '' GROUP BY %s ORDER BY c DESC, %s "
                                     "LIMIT 10" % (c["ip"], table, c["ip"], c["ip"], c["ip"])), norm_top),
        "timechart_1h": (lambda: ch.rows("SELECT toStartOfHour(utctimestamp) h, count() FROM %s "
                                         "WHERE utctimestamp >= toDateTime(%d) AND utctimestamp < toDateTime(%d) "
                                         "GROUP BY h ORDER BY h" % ((table,) + hist_range(nd))), norm_hist),
        "phrase": (lambda: ch.rows("SELECT count() FROM %s WHERE positionCaseInsensitive(summary, '%s') > 0" % (
            table, esc(phrase))), lambda r: int(r[0][0])),
    }
    out = {}
    for key, (fn, norm) in qs.items():
        ms, r = timed(fn)
        out[key] = {"ms": ms, "result": norm(r)}
        log("%s: %-16s %8.2f ms" % (who, key, ms))
    return out


def main():
    port, data_path, path, needles_path, out = sys.argv[1:6]
    conns = int(sys.argv[6]) if len(sys.argv) > 6 else 4
    max_events = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    port = int(port)
    nd = load_json(needles_path)
    ch = CH(port)
    version = ch.q("SELECT version()").strip()
    raw_bytes = nd["raw_bytes"] if not max_events or max_events >= nd["events"] else None

    # 1: raw String + MATERIALIZED columns, the JSON lines as TSV (backslashes doubled)
    ch.q(SCHEMA)
    log("clickhouse %s: loading (%d HTTP connections, INSERT ... FORMAT TabSeparated, ~64 MiB each)" % (version, conns))
    res = load_table(ch, port, data_path, path, conns, max_events, "events",
                     "INSERT INTO events (raw) FORMAT TabSeparated", prep=lambda piece: piece.replace(b"\\", b"\\\\"))
    res.update({
        "system": "clickhouse",
        "version": version,
        "raw_bytes": raw_bytes,
        "notes": "raw String + MATERIALIZED columns (visitParamExtract*), MergeTree ORDER BY utctimestamp, LZ4",
    })
    cols = {"ip": "sourceipaddress", "uid": "uid"}
    res["queries"] = run_queries(ch, nd, "events", "raw", cols, "clickhouse")
    ch.q("DROP TABLE events")  # the second load is measured alone on the server

    # 2: the same lines as they are, INSERT ... FORMAT JSONEachRow into typed columns
    ch.q(JSON_SCHEMA)
    log("clickhouse: loading again (%d HTTP connections, INSERT ... FORMAT JSONEachRow, ~64 MiB each; %s)" % (
        conns, ", ".join("%s=%s" % kv for kv in sorted(JSON_SETTINGS.items()))))
    js = load_table(ch, port, data_path, path, conns, max_events, "events_json",
                    "INSERT INTO events_json FORMAT JSONEachRow", settings=JSON_SETTINGS)
    js.update({
        "raw_bytes": raw_bytes,
        "settings": JSON_SETTINGS,
        "columns": len(JSON_SCHEMA.split("`")) // 2,
        "dropped_fields": JSON_DROPPED,
        "notes": "typed columns, details flattened to details.<key> (input_format_import_nested_json=1), "
                 "%d fields of details dropped (input_format_skip_unknown_fields=1); MergeTree ORDER BY "
                 "utctimestamp, LZ4" % len(JSON_DROPPED),
    })
    cols = {"ip": "`details.sourceipaddress`", "uid": "`details.uid`"}
    js["queries"] = run_queries(ch, nd, "events_json", "*", cols, "clickhouse jsoneachrow")
    ch.q("DROP TABLE events_json")
    res["jsoneachrow"] = js
    write_result(out, res)


if __name__ == "__main__":
    main()
