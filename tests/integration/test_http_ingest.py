"""End-to-end tests of HTTP ingest: MozDef loginput paths, Elasticsearch bulk and probes,
limits, gzip, metrics. Each test starts the real ward binary on 127.0.0.1."""

import json
import threading

from wardtest import Ward, test, main, eq, check, gzip_bytes, AUTH


class Server:
    """Context manager: a running ward for one test."""

    def __init__(self, **kw):
        self.w = Ward(**kw)

    def __enter__(self):
        return self.w.start()

    def __exit__(self, *exc):
        self.w.cleanup()


@test
def status_endpoint_exact_body():
    with Server() as w:
        for method in ("GET", "HEAD"):
            st, h, body = w.request(method, "/status")
            eq(st, 200, method + " status")
            eq(h["content-type"], "application/json", "content type")
        st, _, body = w.request("GET", "/status/")
        eq(body, b'{"status": "ok", "service": "loginput"}', "MozDef status body")
        st, _, body = w.request("GET", "/test")
        eq((st, body), (200, b""), "/test")
        st, _, _ = w.request("DELETE", "/status")
        eq(st, 405, "DELETE /status")


@test
def events_endpoint_normalizes_and_persists():
    with Server() as w:
        ev = {"summary": "login failed for bob", "hostname": "web1", "processname": "sshd",
              "timestamp": "2020-03-05T10:00:00+01:00", "severity": "warning",
              "tags": ["auth"], "details": {"sourceipaddress": "10.1.2.3"},
              "extrakey": "kept"}
        st, _, body = w.post_json("/events", ev)
        eq((st, body), (200, b""), "POST /events")
        st, _, _ = w.request("PUT", "/nxlog/", json.dumps({"message": "from nxlog"}))
        eq(st, 200, "PUT /nxlog")
        st, _, _ = w.post_json("/cef", {"summary": "cef event"})
        eq(st, 200, "POST /cef")
        evs = w.events()
        eq(len(evs), 3, "events in the WAL")
        seq, e = evs[0]
        eq(seq, 1, "first event id")
        eq(e["summary"], "login failed for bob", "summary")
        eq(e["hostname"], "web1", "hostname")
        eq(e["processname"], "sshd", "processname")
        eq(e["severity"], "WARNING", "severity upper-cased")
        eq(e["utctimestamp"], "2020-03-05T09:00:00+00:00", "utctimestamp to UTC")
        eq(e["timestamp"], "2020-03-05T09:00:00+00:00", "timestamp")
        eq(e["tags"], ["auth"], "tags")
        eq(e["type"], "event", "type")
        eq(e["details"]["sourceipaddress"], "10.1.2.3", "details copied")
        eq(e["details"]["extrakey"], "kept", "unknown top-level key kept under details")
        check("receivedtimestamp" in e and "mozdefhostname" in e, "a.4 fields present")
        eq(e["mozdef"], {"plugins": []}, "mozdef plugins")
        eq(evs[1][1]["summary"], "from nxlog", "message maps to summary")
        eq([s for s, _ in evs], [1, 2, 3], "sequence numbers")


@test
def events_endpoint_rejects_bad_input_with_message():
    with Server() as w:
        st, _, body = w.request("POST", "/events", b"")
        eq(st, 400, "empty body")
        check(b"empty body" in body, "empty body message")
        st, _, body = w.request("POST", "/events", b'{"summary": "x",}')
        eq(st, 400, "invalid JSON")
        err = json.loads(body)
        check("invalid JSON at byte" in err["error"]["reason"], "parse error message")
        st, _, body = w.request("POST", "/events", b'[1, 2]')
        eq(st, 400, "array on /events")
        st, _, _ = w.request("POST", "/events", json.dumps(json.dumps({"summary": "twice"})))
        eq(st, 200, "JSON string holding JSON is parsed once more")
        st, _, _ = w.request("GET", "/events")
        eq(st, 405, "GET /events")
        eq(w.metric("ward_events_rejected_total", input="http_events", reason="parse"), 1,
           "parse rejections counted")
        eq(w.metric("ward_events_rejected_total", input="http_events", reason="empty"), 1,
           "empty rejections counted")
        eq(w.metric("ward_events_accepted_total", input="http_events"), 1, "accepted counted")
        evs = w.events()
        eq([e["summary"] for _, e in evs], ["twice"], "only the good event stored")


@test
def custom_endpoint_skips_key_mapping():
    with Server() as w:
        st, _, _ = w.post_json("/custom/myapp", {"message": "raw", "details": {"a": 1}})
        eq(st, 200, "POST /custom/myapp")
        e = w.events()[0][1]
        eq(e["type"], "myapp", "type = app (customDocType)")
        eq(e["message"], "raw", "posted keys kept as sent")
        eq(e["endpoint"], "myapp", "endpoint")
        eq(e["customendpoint"], True, "customendpoint")
        eq(e["summary"], "UNKNOWN", "a.4 default summary")


@test
def bulk_ndjson_with_actions_response_format():
    with Server() as w:
        body = ('{"index":{"_index":"zeek"}}\n{"summary":"a"}\n'
                '{"create":{}}\n{"summary":"b"}\n')
        st, h, raw = w.request("POST", "/_bulk?filter_path=errors,items.*.error,items.*.status",
                               body, {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk status")
        eq(h["x-elastic-product"], "Elasticsearch", "product header")
        check(raw.startswith(b'{"took":'), "starts with took")
        check(b',"errors":false,"items":[{"index":{"_index":"zeek","_id":"0000000000000001",'
              b'"_version":1,"result":"created","_shards":{"total":1,"successful":1,'
              b'"failed":0},"_seq_no":1,"_primary_term":1,"status":201}},{"create":{'
              b'"_index":"events","_id":"0000000000000002"' in raw, "exact item bytes: %r" % raw)
        check(b" " not in raw, "compact JSON")
        r = json.loads(raw)
        eq([list(i)[0] for i in r["items"]], ["index", "create"], "action keys echoed in order")
        evs = w.events()
        eq([e["summary"] for _, e in evs], ["a", "b"], "stored")
        eq(evs[0][1]["dataset"], "zeek", "_index kept as dataset")


@test
def bulk_bad_line_rejects_only_that_item():
    with Server() as w:
        body = ('{"index":{}}\n{"summary":"one"}\n'
                '{"index":{}}\n{"summary":"two",,}\n'
                '{"index":{}}\n{"summary":"three"}\n'
                '{"update":{"_id":"x"}}\n{"doc":{"a":1}}\n'
                '{"delete":{"_id":"y"}}\n'
                '{"index":{}}\n"not an object"\n')
        st, _, raw = w.request("POST", "/_bulk", body)
        eq(st, 200, "status")
        r = json.loads(raw)
        eq(r["errors"], True, "errors flag")
        statuses = [list(i.values())[0]["status"] for i in r["items"]]
        eq(statuses, [201, 400, 201, 403, 404, 400], "per-item statuses in order")
        bad = r["items"][1]["index"]
        check(bad["error"]["reason"].startswith("line 4:"), "line number: " + bad["error"]["reason"])
        eq(bad["error"]["type"], "mapper_parsing_exception", "error type")
        eq([e["summary"] for _, e in w.events()], ["one", "three"], "good events kept")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="parse"), 1,
           "parse counted")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="bad_action"), 2,
           "update/delete counted")


@test
def bulk_mozdef_forms():
    with Server() as w:
        # one JSON object: MozDef lost it (iterated its keys); ward keeps it as one event
        st, _, raw = w.request("POST", "/_bulk", '{"summary":"single","index":"kept"}')
        eq(st, 200, "single object")
        eq(len(json.loads(raw)["items"]), 1, "one item")
        # a JSON array of events
        st, _, raw = w.request("POST", "/_bulk", json.dumps([{"summary": "a1"}, {"summary": "a2"}]))
        eq([i["index"]["status"] for i in json.loads(raw)["items"]], [201, 201], "array items")
        # NDJSON without action lines, a pretty-printed single document
        st, _, _ = w.request("POST", "/_bulk", '{"summary":"n1"}\n\n{"summary":"n2"}\n')
        eq(st, 200, "ndjson without actions")
        st, _, _ = w.request("POST", "/_bulk", '{\n  "summary": "pretty"\n}\n')
        eq(st, 200, "pretty single document")
        evs = [e for _, e in w.events()]
        eq([e["summary"] for e in evs], ["single", "a1", "a2", "n1", "n2", "pretty"], "all kept")
        eq(evs[0]["details"]["index"], "kept", "an event key named index is kept")


@test
def bulk_index_path_and_gzip():
    with Server() as w:
        body = b'{"index":{}}\n{"summary":"zipped"}\n'
        st, _, raw = w.request("POST", "/logs-2026/_bulk", gzip_bytes(body),
                               {"Content-Encoding": "gzip", "Content-Type": "text/json; charset=utf-8"})
        eq(st, 200, "gzip bulk")
        eq(json.loads(raw)["items"][0]["index"]["_index"], "logs-2026", "path index")
        st, _, _ = w.request("PUT", "/prefix/_bulk", body)
        eq(st, 200, "prefixed path, PUT")
        st, _, raw = w.request("POST", "/_bulk", b"\x1f\x8bgarbage", {"Content-Encoding": "gzip"})
        eq(st, 400, "bad gzip")
        eq([e["summary"] for _, e in w.events()], ["zipped", "zipped"], "stored")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="gzip"), 1, "gzip counted")


@test
def elasticsearch_startup_probes():
    with Server(args=["--set", "http.es_version=8.15.1"]) as w:
        st, h, raw = w.request("GET", "/")
        eq(st, 200, "GET /")
        info = json.loads(raw)
        eq(info["version"]["number"], "8.15.1", "configured version")
        eq(info["version"]["build_flavor"], "default", "build flavor")
        eq(info["tagline"], "You know, for Search", "tagline")
        eq(h["x-elastic-product"], "Elasticsearch", "product check header")
        st, _, raw = w.request("HEAD", "/")
        eq((st, raw), (200, b""), "HEAD /")
        st, _, raw = w.request("GET", "/_license?human=false")
        lic = json.loads(raw)["license"]
        eq((st, lic["type"], lic["status"]), (200, "basic", "active"), "license")
        st, _, raw = w.request("GET", "/_cluster/health")
        eq((st, json.loads(raw)["status"]), (200, "green"), "cluster health")
        for m, p in (("HEAD", "/_index_template/filebeat-8"), ("GET", "/_ilm/policy/filebeat"),
                     ("GET", "/_nodes/http"), ("GET", "/_xpack")):
            eq(w.request(m, p)[0], 200, m + " " + p)
        for p in ("/_index_template/filebeat-8", "/_ilm/policy/filebeat", "/_ingest/pipeline/x",
                  "/filebeat-8.15.1"):
            st, _, raw = w.request("PUT", p, "{}")
            eq((st, json.loads(raw)), (200, {"acknowledged": True}), "PUT " + p)
        st, _, raw = w.request("GET", "/_no/such/thing")
        eq(st, 404, "unknown path")
        eq(json.loads(raw)["status"], 404, "ES error envelope")


@test
def body_limit_gives_413_and_is_counted():
    with Server(args=["--set", "http.max_body_bytes=2KiB"]) as w:
        big = json.dumps({"summary": "x" * 5000})
        st, _, raw = w.request("POST", "/events", big)
        eq(st, 413, "too large")
        check(b"http.max_body_bytes" in raw, "message names the key")
        st, _, _ = w.request("POST", "/events", json.dumps({"summary": "small"}))
        eq(st, 200, "small still fine")
        eq(w.metric("ward_events_rejected_total", input="http_events", reason="body_too_large"),
           1, "counted")


@test
def line_and_depth_limits():
    with Server(args=["--set", "ingest.max_line_bytes=256", "--set", "ingest.max_json_depth=4"]) as w:
        body = ('{"summary":"ok"}\n{"summary":"%s"}\n{"a":{"b":{"c":{"d":{"e":1}}}}}\n'
                '{"summary":"ok2"}\n') % ("y" * 300)
        st, _, raw = w.request("POST", "/_bulk", body)
        eq(st, 200, "status")
        items = [i["index"] for i in json.loads(raw)["items"]]
        eq([i["status"] for i in items], [201, 400, 400, 201], "statuses")
        check("line 2" in items[1]["error"]["reason"], "line 2 named")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="line_too_long"), 1,
           "line too long counted")
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="depth"), 1,
           "depth counted")


@test
def backpressure_answers_429_with_retry_after():
    # A 1 MiB queue and concurrent ~0.6 MiB requests: some must find the queue full.
    with Server(args=["--set", "wal.queue_max_bytes=1MiB"]) as w:
        line = json.dumps({"summary": "z" * 500}) + "\n"
        body = line * 1200
        seen = []

        def send():
            st, h, _ = w.request("POST", "/_bulk", body)
            seen.append((st, h.get("retry-after")))

        for _ in range(40):
            ts = [threading.Thread(target=send) for _ in range(8)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            if any(s == 429 for s, _ in seen):
                break
        check(any(s == 429 for s, _ in seen), "no 429 seen: %r" % seen[:8])
        check(all(ra == "1" for s, ra in seen if s == 429), "Retry-After on 429")
        check(all(s in (200, 429) for s, _ in seen), "only 200/429")
        n429 = sum(1 for s, _ in seen if s == 429)
        eq(w.metric("ward_events_rejected_total", input="http_bulk", reason="backpressure"),
           n429 * 1200, "backpressure counted")
        ok = sum(1 for s, _ in seen if s == 200)
        eq(len(w.events()), ok * 1200, "every acknowledged event stored, none of the 429 ones")


@test
def connection_limit_refuses_and_counts():
    import socket
    with Server(args=["--set", "http.max_connections=2"]) as w:
        held = [socket.create_connection(("127.0.0.1", w.http_port)) for _ in range(2)]
        # wait until ward has both: a request on a held connection proves it is served
        held[0].sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        held[0].settimeout(10)
        check(held[0].recv(100).startswith(b"HTTP/1.1 200"), "held connection served")
        extra = socket.create_connection(("127.0.0.1", w.http_port))
        extra.settimeout(10)
        extra.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = extra.recv(100)
        except ConnectionResetError:
            got = b""
        eq(got, b"", "third connection refused")
        # read the counter over a connection ward already holds (a new one would be refused)
        held[1].sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                        AUTH["Authorization"].encode() + b"\r\nConnection: close\r\n\r\n")
        held[1].settimeout(10)
        data = b""
        while True:
            chunk = held[1].recv(65536)
            if not chunk:
                break
            data += chunk
        check(b'ward_connections_refused_total{listener="http"} 1\n' in data,
              "refusal counted once")
        for s in held + [extra]:
            s.close()


@test
def metrics_exposition():
    with Server() as w:
        w.post_json("/events", {"summary": "m"})
        st, h, raw = w.request("GET", "/metrics")
        eq(st, 200, "status")
        check(h["content-type"].startswith("text/plain; version=0.0.4"), "content type")
        text = raw.decode()
        for name in ("ward_events_received_total", "ward_events_accepted_total",
                     "ward_events_rejected_total", "ward_wal_fsync_seconds_bucket",
                     "ward_wal_queue_bytes", "ward_received_bytes_total"):
            check("# TYPE " + name.replace("_bucket", "") in text, name + " declared")
        check('ward_wal_fsync_seconds_bucket{le="+Inf"}' in text, "histogram +Inf")
        eq(w.metric("ward_wal_events_total"), 1, "wal events")
        check(w.metric("ward_wal_fsync_seconds_count") >= 1, "fsync observed")
        check(text.endswith("\n"), "ends with newline")


if __name__ == "__main__":
    main()
