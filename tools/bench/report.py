#!/usr/bin/env python3
# report.py: prints the store benchmark's side-by-side table (tools/bench-store.sh) from
# the result JSONs of ward and its peers: load rate, bytes on disk, warm query times, and
# ward's ratio to the best peer on each line; then checks that all systems gave the same
# answers. ClickHouse's second load (INSERT ... FORMAT JSONEachRow into typed columns,
# some fields of details dropped: tools/bench/clickhouse.py), when present, has lines of
# its own (load rate, size) against ward's. Also writes the table as Markdown (for
# docs/BENCHMARKS.md).
# usage: report.py RESULTS_DIR NEEDLES.json OUT.md
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import QUERIES, load_json  # noqa: E402

SYSTEMS = ["ward", "clickhouse", "sqlite", "duckdb"]


def fmt_int(v):
    return "{:,}".format(int(round(v)))


def fmt_ms(v):
    return "%.2f" % v if v < 10 else "%.1f" % v if v < 1000 else fmt_int(v)


def ratio(ward, best, higher_better, words):
    if ward is None or best is None or ward == 0 or best == 0:
        return "-"
    r = ward / best if higher_better else best / ward
    if r >= 1:
        return "%.2fx %s" % (r, words[0])
    return "%.2fx %s" % (1 / r, words[1])


def main():
    rdir, needles_path, md_path = sys.argv[1:4]
    nd = load_json(needles_path)
    res, status = {}, {}
    for s in SYSTEMS:
        p = os.path.join(rdir, s + ".json")
        if os.path.exists(p):
            res[s] = load_json(p)
        else:
            sp = os.path.join(rdir, s + ".status")
            status[s] = open(sp).read().strip() if os.path.exists(sp) else "not run"
    peers = [s for s in SYSTEMS[1:] if s in res]
    # the second ward load, detection off (tools/bench-store.sh): one more line
    p = os.path.join(rdir, "ward_norules.json")
    norules = load_json(p) if os.path.exists(p) else None
    # ClickHouse's second load, FORMAT JSONEachRow (not every field kept): its own lines
    chjson = res.get("clickhouse", {}).get("jsoneachrow")

    def ward_or_chjson(key):
        """ward's figure `key`, ClickHouse JSONEachRow's, nothing for the others."""
        return lambda r: r[key] if r is res.get("ward") else chjson[key] if r is res.get("clickhouse") else None

    rows = []  # (metric, {system: text}, ward value, best peer value, higher_better, words)

    def add(metric, get, fmt, higher_better, words):
        vals = {s: get(res[s]) for s in res}
        txt = {s: (fmt(v) if v is not None else "-") for s, v in vals.items()}
        pv = [vals[s] for s in peers if vals[s] is not None]
        best = (max(pv) if higher_better else min(pv)) if pv else None
        rows.append((metric, txt, vals.get("ward"), best, higher_better, words))

    add("events loaded", lambda r: r["events"], fmt_int, True, ("", ""))
    add("load rate, events/s (to searchable)", lambda r: r["load_rate"], fmt_int, True, ("faster", "slower"))
    if norules:
        def load_norules(r):  # ward's second load; the peers detect nothing in any case
            return norules["load_rate"] if r is res.get("ward") else r["load_rate"]
        add("load rate, ward with detection off", load_norules, fmt_int, True, ("faster", "slower"))
    if chjson:
        add("load rate, ClickHouse JSONEachRow (not all fields)", ward_or_chjson("load_rate"), fmt_int, True,
            ("faster", "slower"))
    add("bytes on disk", lambda r: r["disk_bytes"], fmt_int, False, ("smaller", "larger"))
    add("bytes on disk / raw bytes", lambda r: r["disk_bytes"] / r["raw_bytes"] if r.get("raw_bytes") else None,
        lambda v: "%.3f (1/%.1f)" % (v, 1 / v) if v < 1 else "%.3f (%.2fx raw)" % (v, v), False, ("smaller", "larger"))
    if chjson:
        add("bytes on disk, ClickHouse JSONEachRow (not all fields)", ward_or_chjson("disk_bytes"), fmt_int, False,
            ("smaller", "larger"))
    for key, desc in QUERIES:
        add(desc + ", ms", lambda r, k=key: r["queries"][k]["ms"] if k in r.get("queries", {}) else None,
            fmt_ms, False, ("faster", "slower"))

    head = ["metric"] + SYSTEMS + ["ward / best peer"]
    table = []
    for metric, txt, wv, best, hb, words in rows:
        line = [metric]
        for s in SYSTEMS:
            line.append(txt.get(s, "pending" if s == "ward" else "n/a"))
        line.append(ratio(wv, best, hb, words) if words[0] else "-")
        table.append(line)
    widths = [max(len(str(r[i])) for r in [head] + table) for i in range(len(head))]
    out = []
    out.append("  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(head)))
    for r in table:
        out.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    print("store benchmark: %s events, %s raw bytes (%d bytes/event), %s .. %s" % (
        fmt_int(nd["events"]), fmt_int(nd["raw_bytes"]), nd["raw_bytes"] // nd["events"], nd["first_ts"], nd["last_ts"]))
    print("needles: ip %s (%d events), uid %s (1 event), phrase \"%s\" (%d events)" % (
        nd["ip"], nd["ip_events"], nd["uid"], nd["phrase"], nd["phrase_events"]))
    print("\n".join(out))
    for s, st in status.items():
        print(st if st.startswith(s + ":") else "%s: %s" % (s, st))
    if chjson:
        print("ClickHouse JSONEachRow: INSERT INTO events_json FORMAT JSONEachRow, %d typed columns, %s; "
              "dropped: %s (its query times are not in the table: the clickhouse column's are the raw + MATERIALIZED "
              "table's)"
              % (chjson["columns"], ", ".join("%s=%s" % kv for kv in sorted(chjson["settings"].items())),
                 ", ".join(chjson["dropped_fields"])))
    for s in res:
        if res[s]["events"] != nd["events"]:
            print("note: %s loaded %s of the %s events (its figures are over that subset)" % (
                s, fmt_int(res[s]["events"]), fmt_int(nd["events"])))
    # Same answers everywhere? Reference: the first peer that loaded everything.
    full = [s for s in SYSTEMS if s in res and res[s]["events"] == nd["events"]]
    bad = []
    if len(full) > 1:
        ref = full[1] if full[0] == "ward" and len(full) > 1 else full[0]
        for key, _ in QUERIES:
            want = res[ref]["queries"][key]["result"]
            for s in full:
                got = res[s]["queries"].get(key, {}).get("result")
                if got != want and not (key == "top10_ip" and got and [c for _, c in got] == [c for _, c in want]):
                    bad.append("%s %s differs from %s: %s vs %s" % (
                        s, key, ref, json.dumps(got)[:200], json.dumps(want)[:200]))
            if chjson and chjson["events"] == nd["events"]:
                got = chjson["queries"].get(key, {}).get("result")
                if got != want and not (key == "top10_ip" and got and [c for _, c in got] == [c for _, c in want]):
                    bad.append("clickhouse JSONEachRow %s differs from %s: %s vs %s" % (
                        key, ref, json.dumps(got)[:200], json.dumps(want)[:200]))
        if chjson and chjson["events"] == nd["events"]:
            full = full + ["clickhouse JSONEachRow"]
        print("answers: %s" % ("all systems agree (%s)" % ", ".join(full) if not bad else "MISMATCH"))
        for b in bad:
            print("  " + b)
    with open(md_path, "w") as f:
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "---|" * len(head) + "\n")
        for r in table:
            f.write("| " + " | ".join(r) + " |\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
