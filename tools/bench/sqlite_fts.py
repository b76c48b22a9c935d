#!/usr/bin/env python3
# sqlite_fts.py: the SQLite FTS5 side of the store benchmark (tools/bench-store.sh). One
# table of events (the JSON text plus generated columns for the fields queries use, with
# B-tree indexes on them) and an external-content FTS5 index over summary, as an
# application ingesting continuously would set it up: indexes exist before the load, and
# every batch of 100,000 rows is added to the FTS5 index right after it is inserted (a
# per-row trigger is 3x slower). The load is one transaction; JSON field extraction is
# SQLite's (json_extract), Python only feeds lines.
# usage: sqlite_fts.py DB EVENTS.ndjson NEEDLES.json OUT.json [MAX_EVENTS]
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import hist_range, load_json, log, norm_counts, norm_hist, norm_top, timed, write_result  # noqa: E402

SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL,
    ts INTEGER AS (unixepoch(substr(json_extract(doc, '$.utctimestamp'), 1, 19))) VIRTUAL,
    source TEXT AS (json_extract(doc, '$.source')) VIRTUAL,
    summary TEXT AS (json_extract(doc, '$.summary')) VIRTUAL,
    sourceipaddress TEXT AS (json_extract(doc, '$.details.sourceipaddress')) VIRTUAL,
    uid TEXT AS (json_extract(doc, '$.details.uid')) VIRTUAL
);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_source ON events(source);
CREATE INDEX events_srcip ON events(sourceipaddress);
CREATE INDEX events_uid ON events(uid);
CREATE VIRTUAL TABLE events_fts USING fts5(summary, content='events', content_rowid='id');
"""


BATCH = 100000


def batches(path, max_events):
    """Lists of BATCH 1-tuples (line,), at most max_events lines in all (0: no limit)."""
    b, n = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if max_events and n >= max_events:
                break
            b.append((line.rstrip("\n"),))
            n += 1
            if len(b) == BATCH:
                yield b
                b = []
    if b:
        yield b


def main():
    db, path, needles_path, out = sys.argv[1:5]
    max_events = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    nd = load_json(needles_path)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA cache_size = -2000000")  # 2 GB page cache
    con.executescript(SCHEMA)
    log("sqlite %s: loading (one transaction, 4 indexes + FTS5 maintained during the load)" % sqlite3.sqlite_version)
    t0 = time.perf_counter()
    con.execute("BEGIN")
    last = 0
    for b in batches(path, max_events):
        con.executemany("INSERT INTO events(doc) VALUES (?)", b)
        con.execute("INSERT INTO events_fts(rowid, summary) SELECT id, summary FROM events WHERE id > ?", (last,))
        last += len(b)
    con.execute("COMMIT")
    secs = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    log("sqlite: %d rows in %.1f s (%.0f rows/s)" % (rows, secs, rows / secs))
    con.execute("PRAGMA optimize")
    disk = os.stat(db).st_blocks * 512
    res = {
        "system": "sqlite",
        "version": sqlite3.sqlite_version,
        "events": rows,
        "load_seconds": secs,
        "load_rate": rows / secs,
        "disk_bytes": disk,
        "raw_bytes": nd["raw_bytes"] if not max_events or max_events >= nd["events"] else None,
        "notes": "JSON text + generated columns, 4 B-tree indexes, FTS5 (external content) on summary",
        "batch_rows": BATCH,
        "queries": {},
    }
    q = lambda sql, *a: (lambda: con.execute(sql, a).fetchall())  # noqa: E731
    qs = {
        "needle_ip": (q("SELECT doc FROM events WHERE sourceipaddress = ? ORDER BY ts DESC", nd["ip"]), len),
        "needle_uid": (q("SELECT doc FROM events WHERE uid = ? ORDER BY ts DESC", nd["uid"]), len),
        "count_by_source": (q("SELECT source, count(*) c FROM events GROUP BY source ORDER BY c DESC"), norm_counts),
        "top10_ip": (q("SELECT sourceipaddress, count(*) c FROM events WHERE sourceipaddress IS NOT NULL "
                       "GROUP BY sourceipaddress ORDER BY c DESC, sourceipaddress LIMIT 10"), norm_top),
        "timechart_1h": (q("SELECT ts / 3600 * 3600 h, count(*) FROM events WHERE ts >= ? AND ts < ? "
                           "GROUP BY ts / 3600 ORDER BY h", *hist_range(nd)), norm_hist),
        "phrase": (q("SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", '"%s"' % nd["phrase"].replace('"', '""')),
                   lambda r: r[0][0]),
    }
    for key, (fn, norm) in qs.items():
        ms, r = timed(fn)
        res["queries"][key] = {"ms": ms, "result": norm(r)}
        log("sqlite: %-16s %8.2f ms" % (key, ms))
    con.close()
    write_result(out, res)


if __name__ == "__main__":
    main()
