#!/usr/bin/env python3
# ward_side.py: the ward side of the store benchmark (tools/bench-store.sh). Talks to a
# `ward serve` the script started: checks that the search API exists (exit 3 when it
# answers 404: a build without the store), loads the NDJSON through POST /_bulk with the
# C bulk client (tests/bench/bench_http_bulk.c), polls until every event is searchable,
# measures the store directory, runs the benchmark queries warm over one keep-alive
# connection, and writes a result JSON. With WARD_LOAD_ONLY=1 it stops after the load
# (the second ward run of the script, detection off: load rate and size only).
# usage: ward_side.py PORT DATA_DIR EVENTS.ndjson NEEDLES.json OUT.json BULK_CLIENT CONNS
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (du_bytes, load_json, log, norm_counts, norm_hist, norm_top,  # noqa: E402
                    timed, write_result)

# the server the benchmark started has this admin token (tools/bench-store.sh)
AUTH = {"Authorization": "Bearer " + os.environ.get("WARD_TOKEN", "")}

SEARCHABLE_TIMEOUT_S = 600  # bound on waiting for the last event to become searchable
MERGE_SETTLE_TIMEOUT_S = 300  # bound on waiting for background merges before sizing
DETECT_CATCHUP_TIMEOUT_S = 120  # bound on waiting for the detection engine before the queries


class Ward:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, q, limit=None):
        url = "/api/v1/search?q=" + urllib.parse.quote(q)
        if limit is not None:
            url += "&limit=%d" % limit
        for attempt in (1, 2):
            try:
                self.conn.request("GET", url, headers=AUTH)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed the idle keep-alive connection (http.timeout_s) during
                # the load: open a new one, once
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def metrics(self, *names):
        """The named metrics' values from one /metrics read."""
        self.conn.request("GET", "/metrics", headers=AUTH)
        r = self.conn.getresponse()
        got = {}
        for line in r.read().decode().splitlines():
            k = line.split(" ", 1)[0]
            if k in names:
                got[k] = float(line.split()[-1])
        for name in names:
            if name not in got:
                raise RuntimeError("ward: no metric " + name)
        return [got[name] for name in names]

    def metric(self, name):
        return self.metrics(name)[0]

    def search(self, q, limit=None):
        st, body = self.get(q, limit)
        if st != 200:
            raise RuntimeError("ward: %s -> HTTP %d: %s" % (q, st, body[:300].decode(errors="replace")))
        return json.loads(body)


def table(res):
    """A pipe answer {"columns":[...],"rows":[[...]]} -> [(first column, count column)]."""
    cols = res.get("columns", [])
    ci = next((i for i, c in enumerate(cols) if str(c).startswith("count")), len(cols) - 1)
    return [(row[0], row[ci]) for row in res.get("rows", [])]


def main():
    port, data_dir, path, needles_path, out, client, conns = sys.argv[1:8]
    nd = load_json(needles_path)
    w = Ward(int(port))
    st, body = w.get("*", 0)
    if st == 404:
        sys.exit(3)
    if st != 200:
        sys.exit("ward: GET /api/v1/search -> HTTP %d: %s" % (st, body[:200].decode(errors="replace")))
    log("ward: loading through POST /_bulk (%s connections, 2000 events per request)" % conns)
    t0 = time.perf_counter()
    p = subprocess.run([client, "--port", port, "--conns", conns, "--batch", "2000", path],
                       capture_output=True, text=True)
    t_acked = time.perf_counter()
    if p.returncode != 0:
        sys.exit("ward: bulk client failed: %s %s" % (p.stdout, p.stderr))
    # the client reads the whole file before its clock starts: count its own seconds,
    # then the wait from its exit until everything is searchable
    bulk_s = float(p.stdout.split("seconds=")[1].split()[0])
    log("ward: bulk %s" % p.stdout.strip())
    total = -1
    while time.perf_counter() - t_acked < SEARCHABLE_TIMEOUT_S:
        total = int(w.search("*", 0)["total"])
        if total >= nd["events"]:
            break
        time.sleep(0.05)
    t_searchable = time.perf_counter()
    if total != nd["events"]:
        sys.exit("ward: %d of %d events searchable after %d s" % (total, nd["events"], SEARCHABLE_TIMEOUT_S))
    secs = bulk_s + (t_searchable - t_acked)
    # The load rate is to searchable; the detection engine may still be up to
    # ingest.max_lag_events behind then. The queries are timed with the pipeline idle, so
    # wait (bounded) for it to catch up with the store, timed apart.
    t_d = time.perf_counter()
    caught = False
    while time.perf_counter() - t_d < DETECT_CATCHUP_TIMEOUT_S:
        try:
            engine, store = w.metrics("ward_engine_seq", "ward_store_indexed_seq")
        except RuntimeError:
            caught = True  # no detection engine (rules.path empty)
            break
        if engine >= store:
            caught = True
            break
        time.sleep(0.1)
    if caught:
        log("ward: detection caught up with the store %.1f s after it" % (time.perf_counter() - t_d))
    else:
        log("ward: detection still behind the store after %d s: the queries below run during "
            "its catch-up" % DETECT_CATCHUP_TIMEOUT_S)
    # ClickHouse gets OPTIMIZE FINAL before its size is taken; ward's equivalent is to let
    # its background merges finish: wait until the part count stays put for 5 s (bounded),
    # timed apart like ClickHouse's optimize.
    t_m = time.perf_counter()
    last, since = None, time.perf_counter()
    while time.perf_counter() - t_m < MERGE_SETTLE_TIMEOUT_S:
        parts = w.metric("ward_store_parts")
        if parts != last or w.metric("ward_store_merging"):
            last, since = parts, time.perf_counter()
        elif time.perf_counter() - since >= 5:
            break
        time.sleep(0.5)
    merge_s = time.perf_counter() - t_m
    copied = w.metric("ward_store_merge_blocks_copied_total")
    rebuilt = w.metric("ward_store_merge_rows_rebuilt_total")
    log("ward: merges settled at %d parts after %.1f s (%d blocks copied, %d rows rebuilt)" % (
        last, merge_s, copied, rebuilt))
    store_dir = os.path.join(data_dir, "store")
    wal = du_bytes(os.path.join(data_dir, "wal"))
    if os.path.isdir(store_dir):
        store = du_bytes(store_dir)
    else:  # layout without a store/ directory: everything but the WAL
        store = du_bytes(data_dir) - wal
    res = {
        "system": "ward",
        "events": total,
        "load_seconds": secs,
        "load_rate": total / secs,
        "bulk_seconds": bulk_s,
        "searchable_lag_seconds": t_searchable - t_acked,
        "wall_seconds": t_searchable - t0,
        "merge_settle_seconds": merge_s,
        "merge_blocks_copied": copied,
        "merge_rows_rebuilt": rebuilt,
        "parts": last,
        "disk_bytes": store,
        "wal_bytes": wal,
        "disk_bytes_with_wal": store + wal,
        "raw_bytes": nd["raw_bytes"],
        "notes": "HTTP /_bulk (wal.durability=fsync), size = DIR/store without the WAL",
        "queries": {},
    }
    log("ward: %d events searchable in %.1f s (%.0f events/s)" % (total, secs, total / secs))
    if os.environ.get("WARD_LOAD_ONLY") == "1":
        write_result(out, res)
        return

    def hits(q):
        return lambda: w.search(q, 100)

    def count(r):
        n = int(r["total"])
        if n != len(r.get("hits", [])) and n <= 100:
            raise RuntimeError("ward: total %d but %d hits" % (n, len(r.get("hits", []))))
        return n

    qs = {
        "needle_ip": (hits("details.sourceipaddress:%s" % nd["ip"]), count),
        "needle_uid": (hits("details.uid:%s" % nd["uid"]), count),
        "count_by_source": (lambda: w.search("* | stats count() by source"), lambda r: norm_counts(table(r))),
        "top10_ip": (lambda: w.search("* | top 10 details.sourceipaddress"), lambda r: norm_top(table(r))),
        "timechart_1h": (lambda: w.search("* | timechart 1h count()"), lambda r: norm_hist(table(r))),
        "phrase": (lambda: w.search('summary:"%s"' % nd["phrase"], 0), lambda r: int(r["total"])),
    }
    for key, (fn, norm) in qs.items():
        ms, r = timed(fn)
        res["queries"][key] = {"ms": ms, "result": norm(r)}
        log("ward: %-16s %8.2f ms" % (key, ms))
    write_result(out, res)


if __name__ == "__main__":
    main()
