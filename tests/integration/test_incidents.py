"""End-to-end tests of incidents and alert triage (docs/incidents.md) against the real
ward binary on 127.0.0.1: incident creation with defaults, per-field versions and the
409 a stale writer gets (nothing half-applied), the timeline, notes and links, field and
VERIS validation (each refusal counted in /metrics), read-only tokens (403), the live
stream with presence and another writer's change arriving within a second, false
positives with a suppression the engine really applies (and that stops at expiry),
escalation to a new or existing incident, required acknowledgement, and the metrics
arithmetic on constructed data (exact percentiles and rates)."""

import http.client
import json
import os
import sqlite3
import threading
import time

from wardtest import Ward, test, main, eq, check, wait_for, AUTH

EACH = """name: Each
category: probe
severity: WARNING
query: 'category:probe'
summary: 'probe from {details.sourceipaddress}'
"""
QUIET = """name: Quiet
category: info
severity: INFO
query: 'category:quiet'
summary: 'quiet {details.n}'
"""


class W:
    def __init__(self, rules=None, args=()):
        self.w = Ward(args=list(args) + ["--set", "store.flush_interval_ms=100"])
        if rules:
            d = os.path.join(self.w.tmp, "rules")
            os.makedirs(d)
            for name, text in rules.items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            self.w.rules = d

    def __enter__(self):
        self.w.start()
        return self

    def __exit__(self, *exc):
        self.w.cleanup()

    def req(self, method, path, body=None, token=None):
        h = {"Authorization": "Bearer " + token} if token else None
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        st, _, b = self.w.request(method, path, body, h)
        try:
            return st, json.loads(b) if b else None
        except ValueError:
            return st, b

    def create(self, **fields):
        st, doc = self.req("POST", "/api/v1/incidents", fields)
        eq(st, 201, "create incident: %r" % (doc,))
        return doc

    def token(self, scopes, name):
        st, doc = self.req("POST", "/api/v1/tokens", {"name": name, "scopes": scopes})
        eq(st, 201, "token")
        return doc["token"]

    def bulk(self, events):
        nd = "".join(json.dumps(e) + "\n" for e in events)
        st, _, body = self.w.request("POST", "/_bulk", nd, {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk")
        check(not json.loads(body)["errors"], "bulk errors")

    def alerts(self):
        st, doc = self.req("GET", "/api/v1/alerts?limit=500&from=-1h")
        eq(st, 200, "alerts")
        return doc["hits"]

    def wait_alerts(self, n, what):
        return wait_for(lambda: (lambda h: h if len(h) >= n else None)(self.alerts()), 15, what)


def probe(ip):
    return {"category": "probe", "summary": "probe", "details": {"sourceipaddress": ip}}


@test
def incident_create_versions_and_conflict():
    with W() as w:
        doc = w.create(summary="Phishing wave", description="users got mail",
                       veris_action=["social.variety.Phishing", "social"])
        f = doc["fields"]
        eq(f["summary"]["value"], "Phishing wave", "summary")
        eq(f["summary"]["version"], 1, "first version")
        eq(f["phase"]["value"], "Identification", "default phase")
        eq(f["owner"]["value"], "token:bootstrap", "default owner is the creator")
        check(f["dateOpened"]["value"].endswith("+00:00"), "dateOpened defaults to now (UTC)")
        eq(f["theories"], {"value": None, "version": 0, "by": None, "at": None}, "unset field")
        iid = doc["id"]
        st, d2 = w.req("PATCH", "/api/v1/incidents/%d" % iid,
                       {"fields": {"phase": {"value": "Containment", "version": 1}}})
        eq(st, 200, "patch from the current version")
        eq((d2["fields"]["phase"]["value"], d2["fields"]["phase"]["version"]), ("Containment", 2),
           "new value and version")
        ch = [t for t in d2["timeline"] if t["kind"] == "change" and t["field"] == "phase"]
        eq((ch[-1]["old"], ch[-1]["new"], ch[-1]["author"]),
           ("Identification", "Containment", "token:bootstrap"), "timeline old -> new, author")
        # a second writer who loaded version 1: told, nothing written (not even the
        # non-conflicting field in the same request)
        st, c = w.req("PATCH", "/api/v1/incidents/%d" % iid,
                      {"fields": {"phase": {"value": "Recovery", "version": 1},
                                  "description": {"value": "other", "version": 1}}})
        eq(st, 409, "stale version")
        eq(len(c["conflicts"]), 1, "one conflict")
        k = c["conflicts"][0]
        eq((k["field"], k["yours"], k["version"], k["value"], k["by"]),
           ("phase", 1, 2, "Containment", "token:bootstrap"), "current value and who set it")
        check(k["at"], "when")
        st, d3 = w.req("GET", "/api/v1/incidents/%d" % iid)
        eq((d3["fields"]["phase"]["value"], d3["fields"]["description"]["value"]),
           ("Containment", "users got mail"), "nothing of the refused request applied")
        st, lst = w.req("GET", "/api/v1/incidents?phase=Containment")
        eq([i["id"] for i in lst["incidents"]], [iid], "list filtered by phase")
        st, lst = w.req("GET", "/api/v1/incidents?phase=Recovery")
        eq(lst["total"], 0, "no incident in Recovery")

        def audited():
            st, d = w.req("GET", "/api/v1/search?" + "q=category:audit%20AND%20details.action:"
                          "incident.change&from=-1h")
            return st == 200 and d["total"] == 1 and d["hits"][0]["_source"]
        ev = wait_for(audited, 10, "the change audited (the refused one not)")
        check("PATCH /api/v1/incidents/%d" % iid in ev["summary"], "audit summary: " + ev["summary"])


@test
def validation_and_rejections_counted():
    with W() as w:
        iid = w.create(summary="x")["id"]
        bad_creates = [
            ({}, "summary"),
            ({"summary": ""}, "summary"),
            ({"summary": "x" * 513}, "longer"),
            ({"summary": "x", "phase": "Done"}, "expected one of"),
            ({"summary": "x", "dateOpened": "yesterday-ish"}, "ISO 8601"),
            ({"summary": "x", "color": "red"}, "unknown field"),
            ({"summary": "x", "references": "http://a"}, "array"),
            ({"summary": "x", "veris_actor": ["external.variety.Martians"]}, "VERIS"),
            ({"summary": "x", "veris_action": ["hacking.vector.SQLi"]}, "VERIS"),
            ({"summary": "x", "severity": "HUGE"}, "expected one of"),
            ({"summary": "bell\u0007"}, "control"),
            ({"summary": "x", "alerts": [123456]}, "no such alert"),
        ]
        before = w.w.metric("ward_incident_rejected_total", reason="invalid")
        for body, why in bad_creates:
            st, doc = w.req("POST", "/api/v1/incidents", body)
            check(st in (400, 404), "refused %r: %s" % (body, st))
            check(why in doc["error"]["reason"], "reason for %r: %s" % (body, doc["error"]["reason"]))
        eq(w.req("POST", "/api/v1/incidents", "[1,2]")[0], 400, "body not an object")
        eq(w.req("POST", "/api/v1/incidents", "{bad")[0], 400, "bad JSON")
        eq(w.req("PATCH", "/api/v1/incidents/%d" % iid, {"fields": {"phase": "Recovery"}})[0], 400,
           "patch without a version")
        eq(w.req("PATCH", "/api/v1/incidents/%d" % iid, {"phase": {"value": "Recovery"}})[0], 400,
           "patch without fields")
        eq(w.req("PATCH", "/api/v1/incidents/999", {"fields": {"phase": {"value": "Recovery",
                                                                         "version": 0}}})[0],
           404, "unknown incident")
        eq(w.req("GET", "/api/v1/incidents/999")[0], 404, "get unknown")
        eq(w.req("POST", "/api/v1/incidents/%d/notes" % iid, {"text": ""})[0], 400, "empty note")
        eq(w.req("POST", "/api/v1/incidents/%d/links" % iid, {"kind": "x", "ref": "1"})[0], 400,
           "bad link kind")
        eq(w.req("DELETE", "/api/v1/incidents/%d" % iid)[0], 405, "no delete")
        after = w.w.metric("ward_incident_rejected_total", reason="invalid")
        check(after - before >= 14, "refusals counted: %s -> %s" % (before, after))
        ok = w.create(summary="ok", veris_actor=["external.motive.Financial", "internal"],
                      veris_asset=["server.variety.Web application"],
                      veris_attribute=["confidentiality.data_variety.Credentials"],
                      references=["https://a", "https://a", "https://b"],
                      dateOpened="2026-01-02 10:00:00+02:00")
        eq(ok["fields"]["references"]["value"], ["https://a", "https://b"], "duplicates dropped")
        eq(ok["fields"]["dateOpened"]["value"], "2026-01-02T08:00:00+00:00", "date to UTC")
        st, tax = w.req("GET", "/api/v1/veris")
        check("Phishing" in tax["action"]["social"]["variety"] and
              "Financial" in tax["actor"]["external"]["motive"], "taxonomy served")


@test
def viewer_token_is_read_only():
    with W() as w:
        iid = w.create(summary="read me")["id"]
        ro = w.token("read", "ro")
        eq(w.req("GET", "/api/v1/incidents/%d" % iid, token=ro)[0], 200, "viewer reads")
        eq(w.req("GET", "/api/v1/metrics/incidents", token=ro)[0], 200, "viewer reads metrics")
        for m, p, b in [("POST", "/api/v1/incidents", {"summary": "no"}),
                        ("PATCH", "/api/v1/incidents/%d" % iid,
                         {"fields": {"summary": {"value": "no", "version": 1}}}),
                        ("POST", "/api/v1/incidents/%d/notes" % iid, {"text": "no"}),
                        ("POST", "/api/v1/incidents/%d/links" % iid, {"kind": "event", "ref": "1"}),
                        ("DELETE", "/api/v1/suppressions/1", None),
                        ("POST", "/api/v1/alerts/1/falsepositive", {"reason": "no"}),
                        ("POST", "/api/v1/alerts/1/escalate", {})]:
            eq(w.req(m, p, b, token=ro)[0], 403, "viewer %s %s" % (m, p))
        st, d = w.req("GET", "/api/v1/incidents/%d" % iid)
        eq(d["fields"]["summary"]["value"], "read me", "unchanged")
        eq(len(d["timeline"]), 1 + 4, "only the creation entries (created + 4 fields)")


@test
def notes_links_and_timeline():
    with W() as w:
        iid = w.create(summary="links")["id"]
        eq(w.req("POST", "/api/v1/incidents/%d/notes" % iid, {"text": "looked at proxy logs"})[0],
           201, "note")
        eq(w.req("POST", "/api/v1/incidents/%d/links" % iid,
                 {"kind": "search", "ref": "q=details.sourceipaddress:10.1.1.1&from=-1d",
                  "label": "the attacker"})[0], 200, "link a saved search")
        eq(w.req("POST", "/api/v1/incidents/%d/links" % iid, {"kind": "event", "ref": "42"})[0],
           200, "link an event")
        eq(w.req("DELETE", "/api/v1/incidents/%d/links?kind=event&ref=42" % iid)[0], 200, "unlink")
        eq(w.req("DELETE", "/api/v1/incidents/%d/links?kind=event&ref=42" % iid)[0], 404,
           "unlink twice")
        st, d = w.req("GET", "/api/v1/incidents/%d" % iid)
        eq([l["label"] for l in d["links"]["search"]], ["the attacker"], "search link")
        eq(d["links"]["event"], [], "event unlinked")
        kinds = [t["kind"] for t in d["timeline"]]
        eq(kinds[-4:], ["note", "link", "link", "unlink"], "timeline order")
        note = [t for t in d["timeline"] if t["kind"] == "note"][0]
        eq((note["text"], note["author"]), ("looked at proxy logs", "token:bootstrap"), "note")


class Stream:
    """An incident SSE stream read on a thread: frames as (event, data)."""

    def __init__(self, w, iid, token):
        self.frames = []
        self.c = http.client.HTTPConnection("127.0.0.1", w.w.http_port, timeout=30)
        self.c.request("GET", "/api/v1/incidents/%d/stream" % iid,
                       headers={"Authorization": "Bearer " + token})
        self.r = self.c.getresponse()
        eq(self.r.status, 200, "stream status")
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        ev, data = None, None
        try:
            for raw in self.r:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    ev = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and ev:
                    self.frames.append((ev, data))
                    ev, data = None, None
        except Exception:
            pass

    def last(self, ev):
        got = [d for e, d in self.frames if e == ev]
        return got[-1] if got else None

    def close(self):
        self.c.sock.shutdown(2)
        self.c.close()


@test
def live_stream_presence_and_changes():
    with W() as w:
        iid = w.create(summary="live")["id"]
        alice = w.token("read,write", "alice")
        bob = w.token("read,write", "bob")
        a = Stream(w, iid, alice)
        wait_for(lambda: a.last("presence"), 5, "alice sees presence")
        b = Stream(w, iid, bob)
        users = lambda s: sorted(v["user"] for v in (s.last("presence") or {"viewers": []})["viewers"])
        wait_for(lambda: users(a) == ["token:alice", "token:bob"], 5, "alice sees bob arrive")
        # bob's stream is read by its own thread: its presence frame may land a moment later
        wait_for(lambda: users(b) == ["token:alice", "token:bob"], 5, "bob sees alice")
        t0 = time.monotonic()
        st, _ = w.req("PATCH", "/api/v1/incidents/%d" % iid,
                      {"fields": {"owner": {"value": "bob", "version": 1}}}, token=bob)
        eq(st, 200, "bob edits")
        got = wait_for(lambda: (a.last("incident") or {}).get("fields", {}).get("owner"), 5,
                       "alice receives bob's change")
        dt = time.monotonic() - t0
        eq((got["value"], got["by"], got["version"]), ("bob", "token:bob", 2), "the change")
        check(dt < 1.0, "within a second: %.3fs" % dt)
        w.req("POST", "/api/v1/incidents/%d/notes" % iid, {"text": "hi bob"}, token=alice)
        wait_for(lambda: any(t["kind"] == "note" and t["text"] == "hi bob"
                             for t in (b.last("incident") or {}).get("timeline", [])), 5,
                 "bob receives alice's note")
        b.close()
        wait_for(lambda: users(a) == ["token:alice"], 5, "alice sees bob leave")
        a.close()
        eq(w.req("GET", "/api/v1/incidents/999/stream")[0], 404, "stream of no incident")


@test
def false_positive_suppression_applied_and_expires():
    with W(rules={"each.yaml": EACH}) as w:
        w.bulk([probe("10.1.1.1")])
        aid = w.wait_alerts(1, "first alert")[0]["_id"]
        for body, why in [({}, "'reason' is required"),
                          ({"reason": "scanner", "suppress": {"fields": {"a b": "x"}, "duration": "1h"}},
                           "field paths"),
                          ({"reason": "scanner", "suppress": {"fields": {}, "duration": "30s"}},
                           "1m to 365d"),
                          ({"reason": "scanner", "suppress": {"fields": {}, "duration": "400d"}},
                           "1m to 365d"),
                          ({"reason": "scanner", "suppress": {"duration": "1h"}}, "suppress.fields")]:
            st, doc = w.req("POST", "/api/v1/alerts/%s/falsepositive" % aid, body)
            eq(st, 400, "refused %r" % body)
            check(why in doc["error"]["reason"], "reason: " + doc["error"]["reason"])
        eq(w.req("POST", "/api/v1/alerts/999999/falsepositive", {"reason": "x"})[0], 404,
           "unknown alert")
        st, doc = w.req("POST", "/api/v1/alerts/%s/falsepositive" % aid,
                        {"reason": "our scanner",
                         "suppress": {"fields": {"details.sourceipaddress": "10.1.1.1"},
                                      "duration": "2h"}})
        eq(st, 200, "false positive: %r" % (doc,))
        eq((doc["status"], doc["reason"], doc["suppression"]["rule"]),
           ("falsePositive", "our scanner", "Each"), "answer")
        st, one = w.req("GET", "/api/v1/alerts/" + aid)
        eq(one["_source"]["status"], "falsePositive", "alert status")
        # the scanner again (suppressed) and someone else (alerts): the second alert is
        # the marker that the engine has processed both events
        w.bulk([probe("10.1.1.1"), probe("10.2.2.2")])
        hits = wait_for(lambda: (lambda h: h if any("10.2.2.2" in x["_source"]["summary"]
                                                    for x in h) else None)(w.alerts()),
                        15, "the unsuppressed alert (the marker)")
        eq(sorted(h["_source"]["summary"] for h in hits),
           ["probe from 10.1.1.1", "probe from 10.2.2.2"], "the scanner's second alert dropped")
        eq(w.w.metric("ward_alerts_suppressed_total"), 1, "suppressed counted")
        st, sl = w.req("GET", "/api/v1/suppressions")
        s = sl["suppressions"][0]
        eq((s["rule"], s["fields"], s["hits"], s["active"], s["alert"]),
           ("Each", {"details.sourceipaddress": "10.1.1.1"}, 1, True, aid), "listed with hits")
        # expiry: move it into the past and restart (the engine reads suppressions at start)
        w.w.stop()
        db = sqlite3.connect(os.path.join(w.w.data, "cases.db"))
        db.execute("UPDATE suppressions SET expires_us=? WHERE id=?",
                   (int((time.time() - 1) * 1e6), s["id"]))
        db.commit()
        db.close()
        w.w.start()
        st, sl = w.req("GET", "/api/v1/suppressions")
        eq(sl["suppressions"][0]["active"], False, "expired")
        w.bulk([probe("10.1.1.1")])
        hits = w.wait_alerts(3, "an alert again after expiry")
        eq(sum(1 for h in hits if h["_source"]["summary"] == "probe from 10.1.1.1"), 2,
           "the scanner alerts again")
        eq(w.req("DELETE", "/api/v1/suppressions/%d" % s["id"])[0], 200, "delete")
        eq(w.req("DELETE", "/api/v1/suppressions/%d" % s["id"])[0], 404, "delete twice")


@test
def escalate_and_create_from_alerts():
    with W(rules={"each.yaml": EACH, "quiet.yaml": QUIET}) as w:
        w.bulk([probe("10.3.3.3"), {"category": "quiet", "summary": "q", "details": {"n": 1}},
                probe("10.4.4.4")])
        hits = w.wait_alerts(3, "three alerts")
        by = {h["_source"]["summary"]: h["_id"] for h in hits}
        a1, a2, q1 = by["probe from 10.3.3.3"], by["probe from 10.4.4.4"], by["quiet 1"]
        st, inc = w.req("POST", "/api/v1/alerts/%s/escalate" % a1, {})
        eq(st, 201, "escalated to a new incident: %r" % (inc,))
        eq(inc["fields"]["summary"]["value"], "Alert %s: Each" % a1, "summary from the rule")
        eq(inc["fields"]["severity"]["value"], "WARNING", "severity from the alert")
        eq([l["ref"] for l in inc["links"]["alert"]], [a1], "alert linked")
        st, one = w.req("GET", "/api/v1/alerts/" + a1)
        eq(one["_source"]["status"], "escalated", "alert escalated")
        st, inc2 = w.req("POST", "/api/v1/alerts/%s/escalate" % a2, {"incident": inc["id"]})
        eq(st, 200, "escalated onto the incident")
        eq(sorted(l["ref"] for l in inc2["links"]["alert"]), sorted([a1, a2]), "both linked")
        eq(w.req("POST", "/api/v1/alerts/%s/escalate" % a2, {"incident": 999})[0], 404,
           "onto no incident")
        st, inc3 = w.req("POST", "/api/v1/incidents", {"summary": "from quiet", "alerts": [q1]})
        eq(st, 201, "created from an alert")
        eq(inc3["fields"]["severity"]["value"], "INFO", "its severity")
        st, one = w.req("GET", "/api/v1/alerts/" + q1)
        eq(one["_source"]["status"], "acknowledged", "alert acknowledged by the creation")


@test
def required_acknowledgement():
    with W(rules={"each.yaml": EACH, "quiet.yaml": QUIET},
           args=["--set", "alerts.require_ack_severity=WARNING"]) as w:
        w.bulk([probe("10.5.5.5"), {"category": "quiet", "summary": "q", "details": {"n": 2}}])
        hits = w.wait_alerts(2, "two alerts")
        warn = [h["_id"] for h in hits if h["_source"]["severity"] == "WARNING"][0]
        st, un = w.req("GET", "/api/v1/alerts/unacked")
        eq(st, 200, "unacked")
        eq((un["require_ack_severity"], [a["id"] for a in un["alerts"]]), ("WARNING", [warn]),
           "only the WARNING alert needs an ack")
        eq(w.w.metric("ward_alerts_unacked"), 1, "gauge")
        eq(w.req("POST", "/api/v1/alerts/%s/ack" % warn, {})[0], 200, "ack")
        st, un = w.req("GET", "/api/v1/alerts/unacked")
        eq(un["total"], 0, "nothing left to acknowledge")
        eq(w.w.metric("ward_alerts_unacked"), 0, "gauge back to 0")
        st, m = w.req("GET", "/api/v1/metrics/incidents?from=-1h")
        eq((m["alerts"]["total"], m["alerts"]["time_to_acknowledge_s"]["count"]), (2, 1),
           "one acknowledged of two")


@test
def metrics_arithmetic_on_constructed_data():
    with W() as w:
        H = 3600
        base = "2026-03-%02dT%02d:00:00Z"
        # five incidents in March, one in April, one outside the range (February)
        specs = [  # (day, contained after h, closed after h, detect h, phase, veris_action)
            (1, 1, 10, 2, "Closed", ["hacking.variety.SQLi"]),
            (2, 2, None, 4, "Containment", ["hacking", "malware.variety.Ransomware"]),
            (3, 3, 30, None, "Closed", ["social.variety.Phishing"]),
            (4, 4, None, 6, "Eradication", []),
            (5, 10, 50, 8, "Closed", ["hacking.variety.Brute force"]),
        ]
        for day, cont, clo, det, phase, va in specs:
            f = {"summary": "m%d" % day, "dateOpened": base % (day, 0), "phase": phase,
                 "dateContained": base % (day, cont)}
            if clo:
                f["dateClosed"] = "2026-03-%02dT%02d:00:00Z" % (day + clo // 24, clo % 24)
            if det:
                f["dateOccurred"] = base % (day, 0)
                f["dateReported"] = base % (day, det)
            if va:
                f["veris_action"] = va
            w.create(**f)
        w.create(summary="april", dateOpened="2026-04-02T00:00:00Z", veris_actor=["external"])
        w.create(summary="february", dateOpened="2026-02-02T00:00:00Z")
        # alerts with known creation and acknowledgement times, straight into cases.db
        t0 = int(1772323200 * 1e6)  # 2026-03-01T00:00:00Z
        rows = [  # id, rule, created (s after t0), ack after (s), status
            (1, "A", 0, 60, "acknowledged"), (2, "A", 3600, 120, "falsePositive"),
            (3, "A", 7200, 180, "acknowledged"), (4, "A", 86400 + 5, 240, "acknowledged"),
            (5, "B", 10, None, "falsePositive"), (6, "B", 20, None, "falsePositive"),
            (7, "C", -86400 * 30, 1, "acknowledged"),  # outside the range
        ]
        db = sqlite3.connect(os.path.join(w.w.data, "cases.db"), timeout=10)
        for aid, rule, cr, ack, status in rows:
            c = t0 + cr * 1000000
            db.execute("INSERT INTO alerts(id,rule,severity,sev_rank,created_us,status,ack_us)"
                       " VALUES(?,?,?,?,?,?,?)",
                       (aid, rule, "WARNING", 3, c, status, c + ack * 1000000 if ack else None))
        db.commit()
        db.close()
        st, m = w.req("GET", "/api/v1/metrics/incidents?from=2026-03-01&to=2026-05-01")
        eq(st, 200, "metrics")
        inc = m["incidents"]
        eq(inc["total"], 6, "incidents in range")
        mar = inc["by_month"]["2026-03"]
        eq(mar["total"], 5, "March")
        eq(mar["phase"], {"Closed": 3, "Containment": 1, "Eradication": 1}, "phases in March")
        eq(mar["veris"], {"action.hacking": 3, "action.malware": 1, "action.social": 1},
           "VERIS categories (an incident counts once per category)")
        eq(inc["by_month"]["2026-04"], {"total": 1, "phase": {"Identification": 1},
                                        "veris": {"actor.external": 1}}, "April")
        check("2026-02" not in inc["by_month"], "February is outside the range")
        # contain: 1,2,3,4,10 h -> nearest rank p50 = 3rd = 3h, p90 = 5th = 10h, mean 4h
        eq(inc["time_to_contain_s"], {"count": 5, "mean": 4 * H, "p50": 3 * H, "p90": 10 * H,
                                      "p95": 10 * H, "p99": 10 * H, "max": 10 * H}, "contain")
        # close: 10, 30, 50 h -> p50 = 2nd = 30h, mean 30h
        eq(inc["time_to_close_s"], {"count": 3, "mean": 30 * H, "p50": 30 * H, "p90": 50 * H,
                                    "p95": 50 * H, "p99": 50 * H, "max": 50 * H}, "close")
        # detect: 2,4,6,8 h -> p50 = 2nd = 4h, p90 = 4th = 8h, mean 5h
        eq(inc["time_to_detect_s"], {"count": 4, "mean": 5 * H, "p50": 4 * H, "p90": 8 * H,
                                     "p95": 8 * H, "p99": 8 * H, "max": 8 * H}, "detect")
        al = m["alerts"]
        eq((al["total"], al["false_positives"], al["false_positive_rate"]), (6, 3, 0.5),
           "alert totals")
        # ack: 60,120,180,240 s -> p50 = 2nd = 120, p90 = 4th = 240, mean 150
        eq(al["time_to_acknowledge_s"], {"count": 4, "mean": 150, "p50": 120, "p90": 240,
                                         "p95": 240, "p99": 240, "max": 240}, "acknowledge")
        eq(al["rules"], [
            {"rule": "A", "alerts": 4, "false_positives": 1, "false_positive_rate": 0.25,
             "per_day": {"2026-03-01": 3, "2026-03-02": 1}},
            {"rule": "B", "alerts": 2, "false_positives": 2, "false_positive_rate": 1,
             "per_day": {"2026-03-01": 2}}], "per rule")
        eq(w.req("GET", "/api/v1/metrics/incidents?from=2026-05-01&to=2026-03-01")[0], 400,
           "from after to")
        eq(w.req("GET", "/api/v1/metrics/incidents?from=soon")[0], 400, "bad from")


if __name__ == "__main__":
    main()
