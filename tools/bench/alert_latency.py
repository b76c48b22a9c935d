#!/usr/bin/env python3
"""alert_latency.py: end-to-end alert latency of a running ward: the time from the HTTP
acknowledgement of an event (200 from POST /events, i.e. durable in the WAL) to the alert
it triggers arriving on GET /api/v1/alerts/stream (the alert is durable in the WAL before
it is streamed). Probes are sent one at a time while a background client posts generator
events at a steady rate, so the engine is busy. Prints p50/p99/max in milliseconds.
Usage: alert_latency.py PORT BACKGROUND_NDJSON [PROBES] [BACKGROUND_EPS]"""

import os
import http.client
import json
import sys
import threading
import time

# the server the benchmark started has this admin token (tools/bench/lib.sh)
AUTH = {"Authorization": "Bearer " + os.environ.get("WARD_TOKEN", "")}


def main():
    port, bg_file = int(sys.argv[1]), sys.argv[2]
    probes = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    bg_eps = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
    got = {}
    cond = threading.Condition()

    def reader():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/api/v1/alerts/stream?q=" + "classname:LatencyProbe", headers=AUTH)
        r = c.getresponse()
        while True:
            line = r.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                a = json.loads(line[5:])["_source"]
                with cond:
                    got[a["summary"]] = time.monotonic()
                    cond.notify_all()

    threading.Thread(target=reader, daemon=True).start()
    time.sleep(0.3)  # the subscription is live once the first comment is read; settle
    stop = threading.Event()
    lines = open(bg_file, "rb").read().splitlines(keepends=True)
    sent_bg = [0]

    def background():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        batch, i = 500, 0
        t0 = time.monotonic()
        while not stop.is_set():
            body = b"".join(lines[(i + k) % len(lines)] for k in range(batch))
            i += batch
            c.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
            c.getresponse().read()
            sent_bg[0] += batch
            ahead = sent_bg[0] / bg_eps - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    bg = threading.Thread(target=background, daemon=True)
    bg.start()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lat = []
    t_start = time.monotonic()
    for n in range(probes):
        ev = {"category": "latencyprobe", "summary": "probe", "details": {"probe": "p%d" % n}}
        c.request("POST", "/events", json.dumps(ev), {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        t_ack = time.monotonic()
        if r.status != 200:
            print("alert latency: probe %d got HTTP %d" % (n, r.status))
            sys.exit(1)
        key = "probe p%d" % n
        with cond:
            ok = cond.wait_for(lambda: key in got, timeout=30)
        if not ok:
            print("alert latency: no alert for probe %d within 30 s" % n)
            sys.exit(1)
        lat.append((got[key] - t_ack) * 1000)
        time.sleep(0.01)
    stop.set()
    secs = time.monotonic() - t_start
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print("alert latency: probes=%d background_events=%d (%.0f/s) p50_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f" % (len(lat), sent_bg[0], sent_bg[0] / secs, p(0.5), p(0.99), lat[-1]))


if __name__ == "__main__":
    main()
