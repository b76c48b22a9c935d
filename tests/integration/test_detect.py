"""End-to-end tests of detection in `ward serve`: rules loaded from a directory, events
ingested over HTTP become alerts within a second, alerts are searchable (GET
/api/v1/alerts, by id), acknowledged with who and when (kept across a restart), streamed
(GET /api/v1/alerts/stream), rules listed with counters, reloaded (API and SIGHUP) with
file:line:col errors, webhooks delivered to a real HTTP listener, and the engine resumes
from its checkpoint without re-alerting after a restart. Each test starts the real ward
binary on 127.0.0.1."""

import http.client
import http.server
import json
import os
import signal
import threading
import time
import urllib.parse

from wardtest import Ward, test, main, eq, check, wait_for, AUTH

BRUTE = """name: Brute
category: bruteforce
severity: WARNING
tags: [ssh]
query: 'details.program:sshd AND summary:failed'
window: 2m
samples: 3
threshold: {group_by: details.sourceipaddress, count: 5}
summary: '{count} ssh bruteforce attempts by {value}'
"""


def failed_logins(n, ip="10.9.8.7"):
    return "".join(json.dumps({"summary": "Failed password for root from %s" % ip,
                               "hostname": "web%d" % (i % 2),
                               "details": {"program": "sshd", "sourceipaddress": ip}}) + "\n"
                   for i in range(n))


class Detect:
    def __init__(self, rules=None, args=(), data=None):
        self.rules_dir = None
        self.w = Ward(args=list(args) + ["--set", "store.flush_interval_ms=100"], data=data)
        self.rules_dir = os.path.join(self.w.tmp, "rules")
        os.makedirs(self.rules_dir, exist_ok=True)
        for name, text in (rules or {"brute.yaml": BRUTE}).items():
            self.write(name, text)
        self.w.rules = self.rules_dir

    def write(self, name, text):
        with open(os.path.join(self.rules_dir, name), "w") as f:
            f.write(text)

    def __enter__(self):
        self.w.start()
        return self

    def __exit__(self, *exc):
        self.w.cleanup()

    def bulk(self, ndjson):
        """Posts NDJSON events; returns the id of the last one."""
        st, _, body = self.w.request("POST", "/_bulk", ndjson,
                                     {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk status")
        doc = json.loads(body)
        check(not doc["errors"], "bulk errors: %r" % body[:200])
        return doc["items"][-1]["index"]["_seq_no"]

    def get(self, path):
        st, _, body = self.w.request("GET", path)
        return st, json.loads(body)

    def alerts(self, query=""):
        st, doc = self.get("/api/v1/alerts" + query)
        eq(st, 200, "alerts status")
        return doc["hits"]


@test
def alert_from_ingested_events():
    with Detect() as d:
        d.bulk(failed_logins(4))
        d.bulk(failed_logins(3, ip="10.1.1.1"))
        t0 = time.monotonic()
        d.bulk(failed_logins(1))
        hits = wait_for(lambda: d.alerts(), 10, "the alert to be searchable")
        eq(len(hits), 1, "alerts")
        a = hits[0]["_source"]
        eq(a["classname"], "Brute", "classname")
        eq(a["summary"], "5 ssh bruteforce attempts by 10.9.8.7", "summary")
        eq(a["severity"], "WARNING", "severity")
        eq(a["category"], "bruteforce", "category")
        eq(a["tags"], ["ssh"], "tags")
        eq(a["status"], "manual", "status")
        eq(a["notify_mozdefbot"], True, "notify (WARNING)")
        eq(len(a["events"]), 3, "samples attached")
        check(hits[0]["_index"].startswith("alerts-"), "alert partition: " + hits[0]["_index"])
        src = a["events"][0]["documentsource"]
        eq(src["details"]["sourceipaddress"], "10.9.8.7", "attached event")
        # the attached event is the stored one: its id finds it in the events index
        st, ev = d.get("/api/v1/search?q=" + urllib.parse.quote(
            'details.sourceipaddress:"10.9.8.7"') + "&limit=100")
        eq(st, 200, "search")
        check(a["events"][0]["documentid"] in [h["_id"] for h in ev["hits"]],
              "documentid is an event id")
        check(time.monotonic() - t0 < 5, "alert within seconds")
        # counters
        _, rules = d.get("/api/v1/rules")
        eq(rules["total"], 1, "rules")
        r = rules["rules"][0]
        eq((r["name"], r["kind"], r["status"], r["matches"], r["alerts"]),
           ("Brute", "threshold", "enabled", 8, 1), "rule counters")
        check(r["last_alert"], "last_alert set")
        eq(d.w.metric("ward_alerts_total"), 1, "ward_alerts_total")
        eq(d.w.metric("ward_rule_alerts_total", rule="Brute"), 1, "per-rule metric")
        # filters
        eq(len(d.alerts("?severity=WARNING&rule=Brute")), 1, "filtered list")
        eq(len(d.alerts("?severity=CRITICAL")), 0, "severity filter")
        eq(len(d.alerts("?q=" + urllib.parse.quote('summary:"10.1.1.1"'))), 0, "query filter")


@test
def ack_get_status_and_restart():
    with Detect() as d:
        d.bulk(failed_logins(5))
        hits = wait_for(lambda: d.alerts(), 10, "the alert")
        aid = hits[0]["_id"]
        st, _, body = d.w.request("POST", "/api/v1/alerts/%s/ack" % aid, '{"by":"alice"}')
        eq(st, 200, "ack status")
        r = json.loads(body)
        eq((r["status"], r["status_by"]), ("acknowledged", "alice"), "ack answer")
        st, one = d.get("/api/v1/alerts/" + aid)
        eq(st, 200, "get by id")
        eq(one["_id"], aid, "id")
        eq((one["_source"]["status"], one["_source"]["status_by"]), ("acknowledged", "alice"),
           "status on the alert")
        eq(len(d.alerts("?status=acknowledged")), 1, "status filter")
        eq(len(d.alerts("?status=manual")), 0, "status filter excludes")
        st, _, body = d.w.request("POST", "/api/v1/alerts/%s/status" % aid,
                                  '{"status":"bogus","by":"x"}')
        eq(st, 400, "bad status")
        check(b"falsePositive" in body, "bad status names the valid ones")
        eq(d.w.request("POST", "/api/v1/alerts/999999/ack", "{}")[0], 404, "unknown alert")
        eq(d.w.request("GET", "/api/v1/alerts/abc")[0], 404, "bad id")
        eq(d.w.request("DELETE", "/api/v1/alerts/" + aid)[0], 405, "method")
        st, _, _ = d.w.request("POST", "/api/v1/alerts/%s/status" % aid,
                               '{"status":"escalated","by":"bob"}')
        eq(st, 200, "status change")
        d.w.stop()
        d.w.start()
        st, one = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(
            d.get("/api/v1/alerts/" + aid)), 10, "the alert after restart")
        eq((one["_source"]["status"], one["_source"]["status_by"]), ("escalated", "bob"),
           "status survives a restart")
        # the engine resumed after the events: no second alert for the same events
        last = d.bulk(failed_logins(1, ip="10.2.2.2"))
        wait_for(lambda: d.w.metric("ward_engine_seq") >= last, 10, "the engine to catch up")
        eq(len(d.alerts()), 1, "no alert repeated after restart")


@test
def kill9_before_the_alert_still_alerts():
    """At least once: events acknowledged just before a kill -9 are evaluated after the
    restart (the engine re-reads the WAL from its checkpoint), so their alert is not lost."""
    for attempt in range(3):
        with Detect() as d:
            d.bulk(failed_logins(5, ip="10.7.7.%d" % attempt))
            d.w.kill9()
            d.w.start()
            hits = wait_for(lambda: d.alerts("?q=" + urllib.parse.quote(
                'summary:"10.7.7.%d"' % attempt)), 15, "the alert after kill -9")
            check(len(hits) >= 1, "alert present")
            eq(hits[0]["_source"]["summary"], "5 ssh bruteforce attempts by 10.7.7.%d" % attempt,
               "alert summary")


def checkpoint(d):
    with open(os.path.join(d.w.data, "alerts", "engine.seq")) as f:
        p, r = (int(x) for x in f.read().split())
    return p, r


@test
def windows_survive_a_restart():
    """Three failures (threshold five) before a kill -9, two after: the window is rebuilt
    from the WAL (the checkpoint keeps where the held events start), so the alert fires,
    and an alert raised before the restart is not raised again."""
    with Detect() as d:
        last = d.bulk(failed_logins(5, ip="10.5.5.5"))  # an alert before the restart
        wait_for(lambda: d.alerts(), 10, "the first alert")
        last = d.bulk(failed_logins(3))
        # the checkpoint has decided up to the three, and holds them for their window
        p, r = wait_for(lambda: (lambda c: c if c[0] >= last else None)(checkpoint(d)), 10,
                        "a checkpoint past the three events")
        check(r <= last - 2, "the held events are kept for the replay: %r" % ((p, r),))
        d.w.kill9()
        d.w.start()
        d.bulk(failed_logins(2))
        hits = wait_for(lambda: (lambda h: h if len(h) >= 2 else None)(d.alerts()), 15,
                        "the alert completed after the restart")
        eq(sorted(h["_source"]["summary"] for h in hits),
           ["5 ssh bruteforce attempts by 10.5.5.5", "5 ssh bruteforce attempts by 10.9.8.7"],
           "one alert each, none repeated")


@test
def burst_of_alerts_one_commit():
    rule = ("name: Each\nquery: 'category:probe'\nseverity: INFO\n"
            "summary: 'probe {details.n}'\n")
    with Detect(rules={"each.yaml": rule}) as d:
        d.bulk("".join(json.dumps({"category": "probe", "summary": "p",
                                   "details": {"n": i}}) + "\n" for i in range(60)))
        hits = wait_for(lambda: (lambda h: h if len(h) == 60 else None)(
            d.alerts("?limit=100")), 10, "60 alerts")
        ids = [h["_id"] for h in hits]
        eq(len(set(ids)), 60, "distinct alert ids")
        eq(sorted(h["_source"]["summary"] for h in hits),
           sorted("probe %d" % i for i in range(60)), "one alert per event")
        for h in (hits[0], hits[-1]):
            st, one = d.get("/api/v1/alerts/" + h["_id"])
            eq(st, 200, "get by id")
            eq(one["_source"]["summary"], h["_source"]["summary"], "the same alert")
        eq(d.w.request("POST", "/api/v1/alerts/%s/ack" % ids[30], "{}")[0], 200, "ack one")


@test
def lag_and_deadman_in_the_stream():
    """Lag and silence measured by the running server on its own clock: events sent 10
    minutes late for a few one-second buckets raise the lag alert; a sensor that stops
    sending raises the dead-man alert one window later."""
    rules = {
        "lag.yaml": "name: Lag\nquery: 'category:bro'\nwindow: 1h\nsummary: 'lag {value} {ss lag}'\n"
                    "lag: {group_by: hostname, above: 1m, for: 2s, bucket: 1s}\n",
        "dead.yaml": "name: Dead\nquery: 'category:bro'\nwindow: 3s\nsummary: 'silent {value}'\n"
                     "absence: {group_by: hostname, seen_groups: true}\n",
    }
    with Detect(rules=rules) as d:
        def late_event():
            t = time.time() - 600
            ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
            d.bulk(json.dumps({"category": "bro", "source": "conn", "hostname": "nsm1",
                               "utctimestamp": ts, "summary": "zeek"}) + "\n")
            return d.alerts("?rule=Lag")
        hits = wait_for(late_event, 20, "the lag alert")
        a = hits[0]["_source"]
        check(a["summary"].startswith("lag nsm1 6"), "lag summary: " + a["summary"])
        check(abs(a["details"]["lag_seconds"] - 600) < 30, "lag seconds: %r" % a["details"])
        # nsm1 now goes silent: the dead-man alert follows within a few windows
        hits = wait_for(lambda: d.alerts("?rule=Dead"), 20, "the dead-man alert")
        eq(hits[0]["_source"]["summary"], "silent nsm1", "dead-man summary")


@test
def alert_stream_sse():
    with Detect() as d:
        c = http.client.HTTPConnection("127.0.0.1", d.w.http_port, timeout=10)
        c.request("GET", "/api/v1/alerts/stream", headers=AUTH)
        r = c.getresponse()
        eq(r.status, 200, "stream status")
        eq(r.getheader("Content-Type"), "text/event-stream", "content type")
        eq(r.readline(), b": subscribed\n", "subscribed")
        d.bulk(failed_logins(5))
        data = None
        while data is None:
            line = r.readline().decode()
            check(line, "stream ended")
            if line.startswith("data:"):
                data = json.loads(line[5:])
        check(int(data["_id"]) > 5, "the alert's id follows its events")
        eq(data["_source"]["classname"], "Brute", "streamed alert")
        eq(data["_source"]["summary"], "5 ssh bruteforce attempts by 10.9.8.7",
           "streamed summary")
        c.close()


@test
def reload_api_sighup_and_errors():
    with Detect() as d:
        d.write("broken.yaml", "name: Bad\nquery: 'a:[1 TO'\nsummary: s\n")
        st, _, body = d.w.request("POST", "/api/v1/rules/reload", "")
        eq(st, 400, "reload with an error")
        check(b"broken.yaml:2:16: query: column 8" in body, "file:line:col in %r" % body[:300])
        _, rules = d.get("/api/v1/rules")
        eq([r["name"] for r in rules["rules"]], ["Brute"], "old rules kept")
        os.remove(os.path.join(d.rules_dir, "broken.yaml"))
        d.write("ldap.yaml", "name: LdapAdd\ncategory: ldap\nseverity: INFO\nquery: "
                "'category:ldapChange AND details.changetype:add'\n"
                "summary: '{details.actor} added {details.dn}'\n")
        st, _, body = d.w.request("POST", "/api/v1/rules/reload", "")
        eq(st, 200, "reload")
        eq(json.loads(body)["rules"], 2, "rules after reload")
        d.bulk(json.dumps({"category": "ldapChange", "summary": "x",
                           "details": {"changetype": "add", "actor": "adm", "dn": "cn=x"}}) + "\n")
        hits = wait_for(lambda: d.alerts("?rule=LdapAdd"), 10, "the per-event alert")
        eq(hits[0]["_source"]["summary"], "adm added cn=x", "summary")
        eq(hits[0]["_source"]["notify_mozdefbot"], False, "INFO does not notify")
        # disable, then SIGHUP picks up a new file
        st, _, _ = d.w.request("POST", "/api/v1/rules/LdapAdd/disable", "")
        eq(st, 200, "disable")
        _, rules = d.get("/api/v1/rules")
        eq({r["name"]: r["status"] for r in rules["rules"]}["LdapAdd"], "disabled", "disabled")
        eq(d.w.request("POST", "/api/v1/rules/Nope/enable", "")[0], 404, "unknown rule")
        d.write("del.yaml", BRUTE.replace("name: Brute", "name: Brute2"))
        d.w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: d.get("/api/v1/rules")[1]["total"] == 3, 10, "SIGHUP reload")


class Hook(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        Hook.got.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


@test
def webhooks_rule_and_global():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/hook" % srv.server_port
    Hook.got = []
    rule = BRUTE + "actions:\n  - {webhook: '%s/rule', format: slack}\n" % url
    try:
        with Detect(rules={"b.yaml": rule},
                    args=["--set", "alerts.webhook=" + url + "/all",
                          "--set", "alerts.webhook_min_severity=WARNING"]) as d:
            d.bulk(failed_logins(5))
            wait_for(lambda: len(Hook.got) >= 2, 10, "two webhook deliveries")
            slack = [g for g in Hook.got if "text" in g]
            plain = [g for g in Hook.got if "classname" in g]
            eq(len(slack), 1, "slack body from the rule action")
            check("5 ssh bruteforce attempts by 10.9.8.7" in json.dumps(slack[0]),
                  "slack text has the summary")
            eq(len(plain), 1, "alert JSON to the global webhook")
            eq(plain[0]["summary"], "5 ssh bruteforce attempts by 10.9.8.7", "webhook alert")
            wait_for(lambda: d.w.metric("ward_actions_delivered_total") == 2, 10,
                     "delivered counter")
    finally:
        srv.shutdown()


@test
def backpressure_when_the_store_falls_behind():
    """With the store holding events back (no flush for a minute), acknowledged but
    unstored events reach ingest.max_lag_events and HTTP ingest answers 429 with
    Retry-After instead of buffering without bound; nothing beyond the limit is accepted,
    and a request is refused before its body is decoded."""
    w = Ward(args=["--set", "store.flush_interval_ms=60000", "--set", "ingest.max_lag_events=100"])
    try:
        w.start()
        statuses = []
        for i in range(30):
            body = "".join(json.dumps({"summary": "e%d" % (i * 10 + k)}) + "\n" for k in range(10))
            st, hdr, _ = w.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
            statuses.append(st)
            if st == 429:
                eq(hdr.get("retry-after"), "1", "Retry-After")
                break
        check(429 in statuses, "429 once the lag passed the limit: %r" % statuses)
        accepted = statuses.count(200) * 10
        check(100 <= accepted <= 110, "accepted up to the limit: %d" % accepted)
        # while behind, a request is refused before its events are decoded: even one that
        # is not JSON gets 429, not 400 (decoding it would take CPU from the store)
        st, hdr, _ = w.request("POST", "/_bulk", '{"index":{}}\nnot json\n',
                               {"Content-Type": "application/x-ndjson"})
        eq(st, 429, "refused before decoding")
        eq(hdr.get("retry-after"), "1", "Retry-After")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="backpressure"),
           statuses.count(429) * 10 + 1, "rejected events counted (estimated from the lines)")
    finally:
        w.cleanup()


@test
def detection_off():
    w = Ward(args=["--set", "rules.enabled=false"])
    try:
        w.start()
        st, _, _ = w.request("GET", "/api/v1/alerts")
        eq(st, 503, "alerts API without detection")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
