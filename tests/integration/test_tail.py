"""End-to-end tests of the live tail, GET /api/v1/tail (Server-Sent Events), and of
`ward tail`. Each test starts the real ward binary on 127.0.0.1.

Query semantics: the tests that must pass in every build subscribe with q=* (match
all). The filtered-subscription test needs the real query engine; it detects it by
asking for a tail with the invalid query `[`, which the real parser rejects with 400
query_parse_error (a build without it accepts anything), and SKIPs otherwise."""

import http.client
import json
import subprocess
import threading
import time
import urllib.parse

from wardtest import WARD, Ward, test, main, eq, check, wait_for, SkipTest, AUTH


class Server:
    def __init__(self, *args):
        self.w = Ward(args=[a for kv in args for a in ("--set", kv)])

    def __enter__(self):
        return self.w.start()

    def __exit__(self, *exc):
        self.w.cleanup()


class Tail:
    """One SSE subscription read line by line (socket timeout bounds every read)."""

    def __init__(self, w, q="*", timeout=10):
        self.c = http.client.HTTPConnection("127.0.0.1", w.http_port, timeout=timeout)
        self.c.request("GET", "/api/v1/tail?q=" + urllib.parse.quote(q), headers=AUTH)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.headers = {k.lower(): v for k, v in self.r.getheaders()}

    def first(self):
        """Reads the ': subscribed' comment: the subscription is live after it."""
        eq(self.r.readline(), b": subscribed\n", "first line of the stream")
        eq(self.r.readline(), b"\n", "end of the first comment")
        return self

    def next(self, comments=False):
        """Returns the next event as (name, id, data) or a comment as ('comment', text)."""
        name, eid, data = "message", None, []
        while True:
            line = self.r.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if data:
                    return name, eid, "\n".join(data)
                continue
            if line.startswith(":"):
                if comments:
                    return "comment", line[1:].strip()
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field == "id":
                eid = value
            elif field == "event":
                name = value

    def events(self, n):
        out = []
        while len(out) < n:
            e = self.next()
            check(e is not None, "stream ended after %d of %d events" % (len(out), n))
            out.append(e)
        return out

    def close(self):
        self.c.close()


def bulk(w, summaries, **extra):
    body = "".join(json.dumps(dict(summary=s, **extra)) + "\n" for s in summaries)
    st, _, _ = w.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
    eq(st, 200, "bulk")


def real_queries(w):
    """Whether the server has the real query parser: it rejects `[` (reads the status
    only: a build without the parser answers with an endless stream)."""
    t = Tail(w, "[")
    ok = t.status == 400 and b"query_parse_error" in t.r.read()
    t.close()
    return ok


@test
def tail_streams_acknowledged_events_in_order_with_ids():
    with Server() as w:
        t = Tail(w)
        eq(t.status, 200, "status")
        eq(t.headers["content-type"], "text/event-stream", "content type")
        eq(t.headers.get("cache-control"), "no-cache", "cache-control")
        t.first()
        eq(w.metric("ward_tail_subscribers"), 1, "subscriber gauge")
        for s in ("one", "two"):
            eq(w.post_json("/events", {"summary": s, "hostname": "web1"})[0], 200, "post")
        bulk(w, ["three", "four", "five"])
        evs = t.events(5)
        wal = w.events()
        eq([e[1] for e in evs], [str(s) for s, _ in wal], "SSE ids are the event ids")
        for (name, eid, data), (seq, ev) in zip(evs, wal):
            eq(name, "message", "event type")
            d = json.loads(data)
            eq(d["_id"], str(seq), "_id")
            eq(d["_source"], ev, "_source is the stored event")
        eq([json.loads(e[2])["_source"]["summary"] for e in evs],
           ["one", "two", "three", "four", "five"], "order")
        t.close()


@test
def tail_filters_by_query():
    with Server() as w:
        if not real_queries(w):
            raise SkipTest("no query engine in this build (GET /api/v1/tail?q=[ accepted)")
        st, _, body = w.request("GET", "/api/v1/tail?q=" + urllib.parse.quote("a:[1 TO"))
        eq(st, 400, "bad query")
        err = json.loads(body)["error"]
        eq(err["type"], "query_parse_error", "type")
        check(err["reason"].startswith("column %d: " % err["column"]), err["reason"])
        t = Tail(w, "hostname:web1").first()
        for h in ("web1", "db1", "web1", "db1"):
            w.post_json("/events", {"summary": "x", "hostname": h})
        w.post_json("/events", {"summary": "sentinel", "hostname": "web1"})
        evs = t.events(3)
        eq([e[1] for e in evs], ["1", "3", "5"], "only matching events, in order")
        eq(json.loads(evs[2][2])["_source"]["summary"], "sentinel", "nothing else came between")
        t.close()


@test
def tail_heartbeat_comment():
    with Server("tail.heartbeat_ms=100") as w:
        t = Tail(w).first()
        eq(t.next(comments=True), ("comment", "keepalive"), "heartbeat")
        t.close()


@test
def tail_overflow_drops_oldest_and_says_how_many():
    with Server("tail.queue_events=3") as w:
        t = Tail(w).first()
        bulk(w, ["e%d" % i for i in range(1, 11)])  # one publish: 10 events, room for 3
        name, _, data = t.next()
        eq((name, json.loads(data)), ("dropped", {"dropped": 7}), "drop notice first")
        evs = t.events(3)
        eq([e[1] for e in evs], ["8", "9", "10"], "the newest three remain")
        eq(w.metric("ward_tail_dropped_total"), 7, "dropped counter")
        t.close()


@test
def tail_subscriber_cap_and_cleanup_on_disconnect():
    with Server("tail.max_subscribers=2") as w:
        a, b = Tail(w).first(), Tail(w).first()
        eq(w.metric("ward_tail_subscribers"), 2, "two subscribers")
        st, h, body = w.request("GET", "/api/v1/tail?q=*")
        eq(st, 503, "third subscriber refused")
        check(b"tail.max_subscribers" in body, body)
        check("retry-after" in h, "Retry-After")
        a.close()
        wait_for(lambda: w.metric("ward_tail_subscribers") == 1, 10, "slot freed on hang-up")
        c = Tail(w).first()
        w.post_json("/events", {"summary": "after"})
        for t in (b, c):
            eq(json.loads(t.events(1)[0][2])["_source"]["summary"], "after", "delivered")
        b.close()
        c.close()
        wait_for(lambda: w.metric("ward_tail_subscribers") == 0, 10, "every slot freed")


@test
def tail_streams_end_promptly_on_shutdown():
    w = Ward()
    w.start()
    try:
        t = Tail(w).first()
        t0 = time.monotonic()
        eq(w.stop(), 0, "exit status")
        check(time.monotonic() - t0 < 5, "stopped within 5 s with a stream open")
        check(t.next() is None, "stream ended")
        t.close()
    finally:
        w.cleanup()


@test
def tail_rejects_other_methods():
    with Server() as w:
        st, _, _ = w.request("POST", "/api/v1/tail", "{}")
        eq(st, 405, "POST /api/v1/tail")


def read_line_bounded(stream, timeout, what):
    box = []
    th = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    th.start()
    th.join(timeout)
    check(box, "timed out after %.0fs waiting for %s" % (timeout, what))
    return box[0]


@test
def cli_tail_prints_events_as_they_arrive():
    with Server() as w:
        url = "http://127.0.0.1:%d" % w.http_port
        js = subprocess.Popen([WARD, "tail", "--json", "--url", url, "*"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tx = subprocess.Popen([WARD, "tail", "--url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: w.metric("ward_tail_subscribers") == 2, 10, "two CLI subscribers")
            w.post_json("/events", {"summary": "cli sees me", "hostname": "web7",
                                    "category": "authentication"})
            d = json.loads(read_line_bounded(js.stdout, 10, "ward tail --json output"))
            eq((d["_id"], d["_source"]["summary"]), ("1", "cli sees me"), "NDJSON line")
            line = read_line_bounded(tx.stdout, 10, "ward tail output")
            for part in ("web7", "authentication", "cli sees me", d["_source"]["utctimestamp"]):
                check(part in line, "%r in %r" % (part, line))
        finally:
            for p in (js, tx):
                p.terminate()
                p.wait(10)
        r = subprocess.run([WARD, "tail", "--url", "https://127.0.0.1:1"], capture_output=True,
                           text=True, timeout=30)
        eq(r.returncode, 2, "https is a usage error")
        r = subprocess.run([WARD, "tail", "--url", "http://127.0.0.1:%d" % w.http_port,
                            "--nope"], capture_output=True, text=True, timeout=30)
        eq(r.returncode, 2, "unknown option")
        r = subprocess.run([WARD, "tail", "--help"], capture_output=True, text=True, timeout=30)
        eq(r.returncode, 0, "--help")
        check(r.stdout.startswith("usage: ward tail"), "usage")


if __name__ == "__main__":
    main()
