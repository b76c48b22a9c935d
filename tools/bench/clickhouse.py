#!/usr/bin/env python3
# clickhouse.py: the ClickHouse side of the store benchmark (tools/bench-store.sh). Talks
# to a clickhouse-server the script started on 127.0.0.1 (HTTP interface): creates the
# table, loads the NDJSON over several HTTP connections, OPTIMIZE FINAL, measures the
# data directory, runs the benchmark queries warm, and writes a result JSON.
# usage: clickhouse.py PORT DATA_PATH EVENTS.ndjson NEEDLES.json OUT.json [CONNS] [MAX_EVENTS]
#
# Schema: what a ClickHouse user storing heterogeneous JSON logs picks. The whole event
# is kept in `raw` (searches return full events, as ward's do) and the fields queries
# filter or group on are MATERIALIZED columns extracted server-side from `raw` at insert
# (visitParamExtract*, the JSON functions 18.16 has), so all parsing is counted in the
# load time. MergeTree, daily partitions, ORDER BY utctimestamp, default LZ4 compression.
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


class CH:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)

    def q(self, sql, body=None):
        """Runs one statement; returns the response body (TabSeparated text). A keep-alive
        connection the server closed while idle is reopened once (not for INSERTs)."""
        for attempt in (0, 1):
            try:
                if body is None:
                    self.conn.request("POST", "/", body=sql.encode())
                else:
                    self.conn.request("POST", "/?query=" + urllib.parse.quote(sql), body=body)
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


def load(port, path, conns, max_events):
    """Streams the file as TabSeparated one-column rows (JSON's backslashes doubled for
    TSV) in ~64 MiB INSERTs over `conns` keep-alive connections."""
    it = iter_chunks(path, 64 << 20, max_events)
    lock = threading.Lock()
    done = [0]
    errs = []
    sql = "INSERT INTO events (raw) FORMAT TabSeparated"

    def worker():
        ch = CH(port)
        while True:
            with lock:
                try:
                    piece, n = next(it)
                except StopIteration:
                    return
            try:
                ch.q(sql, body=piece.replace(b"\\", b"\\\\"))
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


def main():
    port, data_path, path, needles_path, out = sys.argv[1:6]
    conns = int(sys.argv[6]) if len(sys.argv) > 6 else 4
    max_events = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    nd = load_json(needles_path)
    ch = CH(int(port))
    version = ch.q("SELECT version()").strip()
    ch.q(SCHEMA)
    log("clickhouse %s: loading (%d HTTP connections, INSERT ... FORMAT TabSeparated, ~64 MiB each)" % (version, conns))
    sent, secs = load(int(port), path, conns, max_events)
    rows = int(ch.q("SELECT count() FROM events").strip())
    if rows != sent:
        raise RuntimeError("clickhouse: %d rows after loading %d" % (rows, sent))
    raw_bytes = nd["raw_bytes"] if not max_events or max_events >= nd["events"] else None
    log("clickhouse: %d rows in %.1f s (%.0f rows/s); OPTIMIZE TABLE events FINAL ..." % (rows, secs, rows / secs))
    # OPTIMIZE ... FINAL is a no-op while background merges hold the parts: wait for
    # them (polling, bounded), then optimize until each partition is one part.
    t0 = time.perf_counter()
    parts = -1
    while time.perf_counter() - t0 < 1800:
        if int(ch.q("SELECT count() FROM system.merges WHERE table = 'events'").strip()):
            time.sleep(0.2)
            continue
        ch.q("OPTIMIZE TABLE events FINAL")
        parts = int(ch.q("SELECT count() FROM system.parts WHERE table = 'events' AND active").strip())
        nparts = int(ch.q("SELECT uniqExact(partition) FROM system.parts WHERE table = 'events' AND active").strip())
        if parts <= nparts:
            break
    opt_secs = time.perf_counter() - t0
    # Size: the active parts only (the merged-away ones stay on disk until
    # old_parts_lifetime passes), plus everything outside the table's directory.
    tdir = os.path.join(data_path, "data", "default", "events")
    active = [r[0] for r in ch.rows("SELECT name FROM system.parts WHERE table = 'events' AND active")]
    table_disk = sum(du_bytes(os.path.join(tdir, name)) for name in active)
    disk = du_bytes(data_path) - du_bytes(tdir) + table_disk
    res = {
        "system": "clickhouse",
        "version": version,
        "events": rows,
        "load_seconds": secs,
        "load_rate": rows / secs,
        "optimize_seconds": opt_secs,
        "parts_after_optimize": parts,
        "disk_bytes": disk,
        "table_disk_bytes": table_disk,
        "raw_bytes": raw_bytes,
        "notes": "raw String + MATERIALIZED columns (visitParamExtract*), MergeTree ORDER BY utctimestamp, LZ4",
        "queries": {},
    }
    ip, uid, phrase = nd["ip"], nd["uid"], nd["phrase"]
    esc = lambda s: s.replace("\\", "\\\\").replace("'", "\\'")  # noqa: E731

    def needle(col, val):
        return lambda: ch.rows("SELECT raw FROM events WHERE %s = '%s' ORDER BY utctimestamp DESC" % (col, esc(val)))

    qs = {
        "needle_ip": (needle("sourceipaddress", ip), lambda r: len(r)),
        "needle_uid": (needle("uid", uid), lambda r: len(r)),
        "count_by_source": (lambda: ch.rows("SELECT source, count() c FROM events GROUP BY source ORDER BY c DESC"),
                            norm_counts),
        "top10_ip": (lambda: ch.rows("SELECT sourceipaddress, count() c FROM events WHERE sourceipaddress != '' "
                                     "GROUP BY sourceipaddress ORDER BY c DESC, sourceipaddress LIMIT 10"), norm_top),
        "timechart_1h": (lambda: ch.rows("SELECT toStartOfHour(utctimestamp) h, count() FROM events "
                                         "WHERE utctimestamp >= toDateTime(%d) AND utctimestamp < toDateTime(%d) "
                                         "GROUP BY h ORDER BY h" % hist_range(nd)), norm_hist),
        "phrase": (lambda: ch.rows("SELECT count() FROM events WHERE positionCaseInsensitive(summary, '%s') > 0" % esc(phrase)),
                   lambda r: int(r[0][0])),
    }
    for key, (fn, norm) in qs.items():
        ms, r = timed(fn)
        res["queries"][key] = {"ms": ms, "result": norm(r)}
        log("clickhouse: %-16s %8.2f ms" % (key, ms))
    write_result(out, res)


if __name__ == "__main__":
    main()
