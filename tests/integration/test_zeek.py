"""test_zeek: end-to-end tests of the Zeek path against the real `ward serve` on 127.0.0.1:
`ward ingest --format zeek` (TSV, JSON, .gz), refusal of non-Zeek input and truncated last
lines, bad lines that do not lose the rest, the shipped filters/mozilla.yaml preset with its
per-filter counters, the lists API and hot reload of list files, lag and last-seen in
/metrics and GET /api/v1/sources, and filter-file errors at start-up."""

import gzip
import json
import os
import shutil
import subprocess
import time

from wardtest import Ward, WARD, check, eq, main, test, wait_for, SkipTest

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHARED = os.path.join(REPO, "..", "shared", "testdata", "zeek")

CONN_HDR = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
            "#path\tconn\n#open\t2024-01-01-00-00-00\n"
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
            "duration\tconn_state\thistory\torig_ip_bytes\tresp_ip_bytes\ttunnel_parents\n"
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tstring\t"
            "string\tcount\tcount\tset[string]\n")


def conn_row(i, ts, orig="10.0.0.1", resp="192.0.2.1", port=443, proto="tcp", state="SF"):
    return "%.6f\tC%05d\t%s\t%d\t%s\t%d\t%s\t-\t1.500000\t%s\tShADadFf\t%d\t%d\t(empty)\n" % (
        ts, i, orig, 40000 + i, resp, port, proto, state, 100 + i, 200 + i)


def ingest(w, *files, extra=()):
    return subprocess.run([WARD, "ingest", "--format", "zeek", "--url",
                           "http://127.0.0.1:%d" % w.http_port, "--sensor", "sensor-a"]
                          + list(extra) + list(files), capture_output=True, text=True, timeout=120)


def zeek_events(w):
    return [e for _, e in w.events() if e.get("category") == "bro"]


@test
def zeek_ingest_cli_tsv_json_gz():
    w = Ward().start()
    try:
        now = time.time()
        tsv = os.path.join(w.tmp, "conn.log")
        with open(tsv, "w") as f:
            f.write(CONN_HDR + "".join(conn_row(i, now - 10 + i) for i in range(3))
                    + "#close\t2024-01-01-01-00-00\n")
        gz = os.path.join(w.tmp, "conn.01:00:00-02:00:00.log.gz")
        with gzip.open(gz, "wt") as f:
            f.write(CONN_HDR + "".join(conn_row(i, now - 5) for i in range(3, 5)))
        js = os.path.join(w.tmp, "stream.json")
        with open(js, "w") as f:
            f.write(json.dumps({"_path": "ssh", "_write_ts": "2024-03-01T10:00:01.500000Z",
                                "ts": "2024-03-01T10:00:00.250000Z", "uid": "Cx",
                                "id.orig_h": "10.0.0.9", "id.orig_p": 5555,
                                "id.resp_h": "10.0.0.10", "id.resp_p": 22,
                                "auth_success": True}) + "\n")
        r = ingest(w, tsv, gz, js)
        eq(r.returncode, 0, "exit status (%s)" % r.stderr)
        check("6 records: 6 stored" in r.stderr, r.stderr)
        evs = zeek_events(w)
        eq(len(evs), 6, "events in the WAL")
        conn = [e for e in evs if e["source"] == "conn"]
        eq(len(conn), 5, "conn events")
        e0 = next(e for e in conn if e["details"]["uid"] == "C00000")
        eq(e0["summary"], "10.0.0.1:40000 -> 192.0.2.1:443 ShADadFf 100 bytes / 200 bytes",
           "conn summary")
        eq(e0["type"], "nsm", "type")
        eq(e0["hostname"], "sensor-a", "sensor as hostname")
        eq(e0["details"]["destinationport"], 443, "port is a number")
        eq(e0["details"]["tunnel_parents"], [], "empty set")
        check("service" not in e0["details"], "unset field absent")
        check(e0["utctimestamp"].startswith(time.strftime("%Y-%m-%dT", time.gmtime(now - 10))),
              e0["utctimestamp"])
        ssh = next(e for e in evs if e["source"] == "ssh")
        eq(ssh["summary"], "SSH: 10.0.0.9 -> 10.0.0.10:22 success True", "ssh summary")
        eq(ssh["utctimestamp"], "2024-03-01T10:00:00.250000+00:00", "ISO ts to microseconds")
        eq(w.metric("ward_events_accepted_total", input="zeek"), 6, "accepted metric")
        # the real sample data, when the shared test data is there
        ssh_gz = os.path.join(SHARED, "zed-sample-data", "zeek-default", "ssh.log.gz")
        if os.path.exists(ssh_gz):
            r = ingest(w, ssh_gz)
            eq(r.returncode, 0, r.stderr)
            with gzip.open(ssh_gz, "rt") as f:
                rows = sum(1 for line in f if not line.startswith("#"))
            eq(len([e for e in zeek_events(w) if e["source"] == "ssh"]), rows + 1,
               "every sample ssh.log row stored")
    finally:
        w.cleanup()


@test
def zeek_refused_truncated_and_bad_lines():
    w = Ward().start()
    try:
        notzeek = os.path.join(w.tmp, "notes.txt")
        with open(notzeek, "w") as f:
            f.write("hello, this is not a Zeek log\n")
        r = ingest(w, notzeek)
        eq(r.returncode, 1, "exit status for a non-Zeek file")
        check("not a Zeek log" in r.stderr and "refused" in r.stderr, r.stderr)
        # the server refuses it too, with a clear message, and counts it
        st, _, body = w.request("POST", "/api/v1/zeek?log=conn", "hello\nworld\n")
        eq(st, 400, "status for a non-Zeek body")
        check(b"not a Zeek log" in body, body)
        eq(w.metric("ward_zeek_refused_streams_total"), 1, "refused counter")
        # a truncated last line is not sent and is reported with its byte offset
        trunc = os.path.join(w.tmp, "conn.log")
        good = CONN_HDR + conn_row(1, time.time())
        with open(trunc, "w") as f:
            f.write(good + conn_row(2, time.time())[:30])
        r = ingest(w, trunc)
        eq(r.returncode, 1, "exit status for a truncated file")
        check("truncated last line at byte offset %d" % len(good) in r.stderr, r.stderr)
        eq(len(zeek_events(w)), 1, "the complete line is stored, the cut one is not")
        # a bad line in the middle is skipped, counted and located; the rest is kept
        body = CONN_HDR + conn_row(3, time.time()) + "garbage\tline\n" + conn_row(4, time.time())
        st, _, resp = w.request("POST", "/api/v1/zeek?sensor=s", body)
        eq(st, 200, "status with a bad line")
        res = json.loads(resp)
        eq((res["accepted"], res["bad_lines"]), (2, 1), "accepted and bad lines")
        eq(res["first_error"]["line"], 10, "line number of the bad line")
        check("fewer fields" in res["first_error"]["reason"], res)
        eq(len(zeek_events(w)), 3, "events after the bad request")
        check(w.metric("ward_zeek_bad_lines_total") >= 1, "bad lines counted")
    finally:
        w.cleanup()


def preset_copy(w):
    """The shipped preset and its list files, copied so edits do not touch the repo."""
    d = os.path.join(w.tmp, "filters")
    shutil.copytree(os.path.join(REPO, "filters"), d)
    return d


@test
def zeek_filters_preset_lists_api_and_reload():
    w = Ward()
    fdir = preset_copy(w)
    w.args = ["--set", "zeek.filters=" + os.path.join(fdir, "mozilla.yaml"),
              "--set", "lists.reload_interval_ms=200"]
    w.start()
    try:
        now = time.time()
        rows = [conn_row(1, now, port=53, proto="udp"),        # dropped: DNS port
                conn_row(2, now, state="S0"),                   # dropped: conn_state
                conn_row(3, now, state="RSTOS0"),               # dropped: ^RSTO
                conn_row(4, now, port=123, proto="tcp"),        # kept: 123 only for udp
                conn_row(5, now)]                               # kept
        st, _, body = w.request("POST", "/api/v1/zeek", CONN_HDR + "".join(rows))
        eq(st, 200, body)
        res = json.loads(body)
        eq((res["accepted"], res["dropped"]), (2, 3), "kept and dropped")
        eq(w.metric("ward_filter_dropped_total", filter="conn-noise-ports", log="conn"), 1,
           "port filter counter")
        eq(w.metric("ward_filter_dropped_total", filter="conn-states", log="conn"), 2,
           "state filter counter")
        # dns for our own domains is diverted to dns-noise, not dropped
        dns = [{"_path": "dns", "ts": now, "id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.53",
                "id.resp_p": 53, "query": q, "qtype_name": "A"}
               for q in ("www.mozilla.org", "example.com")]
        st, _, body = w.request("POST", "/api/v1/zeek",
                                "".join(json.dumps(d) + "\n" for d in dns))
        eq(json.loads(body)["diverted"], 1, "diverted")
        evs = zeek_events(w)
        noise = [e for e in evs if e["source"] == "dns-noise"]
        eq(len(noise), 1, "one dns-noise event")
        eq(noise[0]["dataset"], "dns-noise", "noise stream")
        eq(noise[0]["details"]["query"], "www.mozilla.org", "the diverted query")
        eq(noise[0]["summary"], "DNS A type query 10.0.0.1 -> 10.0.0.53:53", "dns summary kept")
        eq(len([e for e in evs if e["source"] == "dns"]), 1, "the other query is kept")
        eq(w.metric("ward_filter_diverted_total", filter="dns-own-domains", log="dns"), 1,
           "divert counter")
        eq(noise[0].get("diverted"), True, "marked diverted")
        # the noise stream is stored apart (divert-YYYYMMDD, store.divert_retention_days):
        # searchable with index=divert, absent from the events index
        def search(index):
            st, _, body = w.request("GET", "/api/v1/search?q=source:dns-noise&index=" + index)
            eq(st, 200, body)
            return json.loads(body)["total"]
        wait_for(lambda: search("divert") == 1, 10, "the diverted event in index=divert")
        eq(search("events"), 0, "not in the events index")
        # the lists API: add an address to the DDoS ignore list; it applies at once
        st, _, body = w.request("POST", "/api/v1/lists/drop_ip", "203.0.113.7\n")
        eq(st, 200, body)
        eq(json.loads(body)["count"], 1, "list size after POST")
        st, _, body = w.request("POST", "/api/v1/zeek",
                                CONN_HDR + conn_row(6, now, resp="203.0.113.7"))
        eq(json.loads(body)["dropped"], 1, "dropped by the edited list")
        with open(os.path.join(fdir, "lists", "drop_ip.txt")) as f:
            check("203.0.113.7\t-\n" in f.read(), "the edit is written to the list file")
        st, _, body = w.request("PUT", "/api/v1/lists/drop_ip", "10.0.0.1\nnot-an-ip\n")
        eq(st, 400, "bad entry")
        check(b"line 2: not an IP address" in body, body)
        st, _, _ = w.request("GET", "/api/v1/lists/nope")
        eq(st, 404, "unknown list")
        # an operator edits the file (the DDoS case): it applies without a restart
        t0 = time.monotonic()
        with open(os.path.join(fdir, "lists", "drop_ip.txt"), "a") as f:
            f.write("198.51.100.0/24\tddos\n")
        wait_for(lambda: b"198.51.100.0/24" in w.request("GET", "/api/v1/lists/drop_ip")[2],
                 5, "the list file change to load")
        check(time.monotonic() - t0 < 5, "reload within 5 s")
        st, _, body = w.request("POST", "/api/v1/zeek",
                                CONN_HDR + conn_row(7, now, orig="198.51.100.9"))
        eq(json.loads(body)["dropped"], 1, "dropped by the reloaded file")
        st, _, body = w.request("GET", "/api/v1/lists")
        names = [l["name"] for l in json.loads(body)["lists"]]
        eq(sorted(names), ["drop_ip", "known_certs", "mysql_expected", "own_domains"], "lists")
    finally:
        w.cleanup()


@test
def zeek_lag_metrics_and_sources():
    w = Ward().start()
    try:
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000000Z"
        recs = [{"_path": "ssl", "_write_ts": iso(now - 1), "ts": iso(now - 4),
                 "id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2", "id.resp_p": 443}
                for _ in range(20)]
        st, _, body = w.request("POST", "/api/v1/zeek?sensor=edge1",
                                "".join(json.dumps(r) + "\n" for r in recs))
        eq(st, 200, body)
        st, _, body = w.request("GET", "/api/v1/sources")
        eq(st, 200, body)
        src = json.loads(body)["sources"]
        s = next(x for x in src if x["sensor"] == "edge1" and x["log"] == "ssl")
        eq(s["events"], 20, "events")
        check(3.0 <= s["lag_p95_s"] <= 6.5, "event lag p95 %r" % s["lag_p95_s"])
        check(0.5 <= s["write_lag_p95_s"] <= 2.6, "write lag p95 %r" % s["write_lag_p95_s"])
        check(abs(s["last_seen"] - time.time()) < 30, "last seen %r" % s["last_seen"])
        eq(w.metric("ward_zeek_lag_seconds_count", sensor="edge1", log="ssl", kind="event"), 20,
           "histogram count")
        eq(w.metric("ward_zeek_lag_seconds_bucket", sensor="edge1", log="ssl", kind="write",
                    le="+Inf"), 20, "write-lag histogram")
        eq(w.metric("ward_zeek_lag_seconds_bucket", sensor="edge1", log="ssl", kind="event",
                    le="1"), 0, "no event lag under 1 s")
        check(abs(w.metric("ward_zeek_last_seen_timestamp_seconds", sensor="edge1", log="ssl")
                  - time.time()) < 30, "last-seen gauge")
    finally:
        w.cleanup()


@test
def zeek_filter_file_errors_stop_startup():
    w = Ward()
    bad = os.path.join(w.tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("filters:\n  - name: x\n    log: conn\n    action: explode\n"
                "    match: [{field: a, equals: b}]\n")
    w.args = ["--set", "zeek.filters=" + bad]
    try:
        rc = w.start(expect_fail=True)
        check(rc != 0, "ward must not start with a bad filter file")
        log = "".join(w.log)
        check(bad + ":4:13: action: 'explode' is not drop or divert" in log, log)
        check("listening" not in log, "nothing was bound")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
