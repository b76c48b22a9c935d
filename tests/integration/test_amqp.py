"""End-to-end tests of the AMQP input and output against a real RabbitMQ (Debian's
rabbitmq-server, one private broker for the module, rabbit.py): events published to the
input queue become searchable exactly once, bad messages are counted and acknowledged,
nothing is lost when ward is killed -9 mid-stream or the broker restarts mid-stream
(duplicates bounded by the prefetch window), alerts reach a queue bound to the `alerts`
topic exchange with routing key `mozdef.alert`, and with the broker down ingest goes on,
alerts wait in the disk retry queue (across a ward kill -9) and arrive once it is back.
Messages are published with `ward amqp publish` (publisher confirms)."""

import json
import os
import subprocess
import sys
import time
import urllib.parse

from wardtest import Ward, WARD, test, main, eq, check, wait_for, SkipTest, TESTS
import rabbit

BROKER = None
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


def broker():
    global BROKER
    if BROKER is None:
        try:
            BROKER = rabbit.Rabbit().start()
        except rabbit.Unavailable as e:
            BROKER = e
    if isinstance(BROKER, Exception):
        raise SkipTest(str(BROKER))
    return BROKER


def amqp(*args, check_rc=True, timeout=120):
    r = subprocess.run([WARD, "amqp"] + list(args) + ["--url", broker().url],
                       capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise AssertionError("ward amqp %s failed: %s" % (args[0], r.stderr))
    return r


def declare(exchange, queue, key, typ="direct"):
    out = amqp("declare", "--exchange", exchange, "--type", typ, "--queue", queue,
               "--routing-key", key).stdout.split()
    return int(out[1])


def publish(tmp, exchange, lines):
    path = os.path.join(tmp, "pub-%s.ndjson" % exchange)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = amqp("publish", "--exchange", exchange, "--routing-key", exchange, path)
    check("confirmed %d " % len(lines) in r.stderr, "publish: " + r.stderr)


def events(run, n0, n):
    return [json.dumps({"summary": "amqp test %d" % i, "category": "amqptest",
                        "details": {"run": run, "n": i}}) for i in range(n0, n0 + n)]


def amqp_ward(name, extra=(), data=None, rules="", prefetch=1000):
    """A ward consuming exchange/queue `name` from the test broker."""
    args = ["--set", "amqp.url=" + broker().url, "--set", "amqp.input.enabled=true",
            "--set", "amqp.input.exchange=" + name, "--set", "amqp.input.queue=" + name,
            "--set", "amqp.input.routing_key=" + name,
            "--set", "amqp.input.prefetch=%d" % prefetch,
            "--set", "amqp.reconnect_max_ms=500", "--set", "store.flush_interval_ms=100"]
    return Ward(args=args + list(extra), data=data, rules=rules)


def health(w):
    _, _, body = w.request("GET", "/api/v1/health")
    return json.loads(body)


def search_ns(w, run):
    """details.n of every stored event of the run (paging with the cursor)."""
    ns, cursor = [], None
    while True:
        q = {"q": "details.run:%s" % run, "limit": 10000}
        if cursor:
            q["cursor"] = cursor
        st, _, body = w.request("GET", "/api/v1/search?" + urllib.parse.urlencode(q))
        eq(st, 200, "search status")
        doc = json.loads(body)
        ns += [h["_source"]["details"]["n"] for h in doc["hits"]]
        cursor = doc.get("next_cursor")
        if not cursor:
            return ns


def wait_all(w, run, n, timeout=120):
    """Waits until every n in 0..n-1 is searchable; returns (missing, duplicates)."""
    def done():
        ns = search_ns(w, run)
        return ns if len(set(ns)) == n else None
    try:
        ns = wait_for(done, timeout, "all %d events searchable" % n)
    except AssertionError:
        ns = search_ns(w, run)
        raise AssertionError("lost %d of %d events" % (n - len(set(ns)), n))
    check(set(ns) == set(range(n)), "unexpected event numbers")
    return len(ns) - n


@test
def amqp_events_searchable_exactly_once():
    b = broker()
    w = amqp_ward("ev_a")
    try:
        w.start()
        wait_for(lambda: health(w).get("amqp", {}).get("input", {}).get("connected"), 20,
                 "the input to connect")
        n = 3000
        lines = events("a", 0, n)
        # a JSON string holding an event is decoded once more (MozDef's esworker)
        lines.append(json.dumps(json.dumps({"summary": "wrapped", "details": {"run": "a",
                                                                             "n": n}})))
        lines += ["not json", "[1,2]", "42"]  # rejected, acknowledged, counted
        publish(w.tmp, "ev_a", lines)
        eq(wait_all(w, "a", n + 1), 0, "duplicates")
        wait_for(lambda: w.metric("ward_amqp_in_acked_total") == n + 4, 10, "all acked")
        eq(w.metric("ward_amqp_in_consumed_total"), n + 4, "consumed")
        eq(w.metric("ward_amqp_in_rejected_total"), 3, "rejected")
        eq(w.metric("ward_events_accepted_total", input="amqp"), n + 1, "accepted{amqp}")
        eq(w.metric("ward_events_rejected_total", input="amqp", reason="parse"), 1, "parse")
        eq(w.metric("ward_events_rejected_total", input="amqp", reason="not_object"), 2,
           "not_object")
        eq(declare("ev_a", "ev_a", "ev_a"), 0, "queue drained")
        eq(health(w)["amqp"]["input"]["connected"], True, "health")
    finally:
        w.cleanup()


@test
def amqp_kill9_mid_stream_loses_nothing():
    broker()
    prefetch, n = 10, 20000
    declare("ev_b", "ev_b", "ev_b")
    w = amqp_ward("ev_b", prefetch=prefetch)
    try:
        publish(w.tmp, "ev_b", events("b", 0, n))
        w.start()
        acked = wait_for(lambda: (lambda v: v if v >= 1000 else 0)(
            w.metric("ward_amqp_in_acked_total")), 60, "consumption to start")
        w.kill9()
        check(acked < n, "not mid-stream: all %d acked before the kill" % n)
        left = declare("ev_b", "ev_b", "ev_b")
        check(0 < left < n, "messages left in the queue: %d" % left)
        w.start()
        dups = wait_all(w, "b", n, 180)
        print("# kill -9 after %d acked: %d duplicates (bound %d)" % (acked, dups, prefetch),
              file=sys.stderr)
        check(dups <= prefetch, "%d duplicates, more than one prefetch window" % dups)
    finally:
        w.cleanup()


@test
def amqp_broker_restart_mid_stream_loses_nothing():
    b = broker()
    prefetch, n = 10, 20000
    declare("ev_c", "ev_c", "ev_c")
    w = amqp_ward("ev_c", prefetch=prefetch)
    try:
        publish(w.tmp, "ev_c", events("c", 0, n))
        w.start()
        wait_for(lambda: w.metric("ward_amqp_in_acked_total") >= 1000, 60, "consumption")
        b.stop()
        acked = w.metric("ward_amqp_in_acked_total")
        check(acked < n, "not mid-stream: all %d acked before the restart" % n)
        wait_for(lambda: not health(w)["amqp"]["input"]["connected"], 20, "the loss seen")
        b.start()
        dups = wait_all(w, "c", n, 180)
        print("# broker restart after %d acked: %d duplicates (bound %d)" % (acked, dups,
              prefetch), file=sys.stderr)
        check(dups <= prefetch, "%d duplicates, more than one prefetch window" % dups)
        check(w.metric("ward_amqp_in_reconnects_total") >= 1, "reconnect counted")
        eq(health(w)["amqp"]["input"]["connected"], True, "connected again")
    finally:
        w.cleanup()


def failed_logins(n, ip):
    return "".join(json.dumps({"summary": "Failed password for root from %s" % ip,
                               "details": {"program": "sshd", "sourceipaddress": ip}}) + "\n"
                   for _ in range(n))


def alert_ward(data=None):
    w = Ward(args=["--set", "amqp.url=" + broker().url, "--set", "amqp.output.alerts=true",
                   "--set", "amqp.reconnect_max_ms=500", "--set", "store.flush_interval_ms=100"],
             data=data)
    rules = os.path.join(w.tmp, "rules")
    os.makedirs(rules, exist_ok=True)
    with open(os.path.join(rules, "brute.yaml"), "w") as f:
        f.write(BRUTE)
    w.rules = rules
    return w


def bulk(w, ndjson):
    st, _, body = w.request("POST", "/_bulk", ndjson, {"Content-Type": "application/x-ndjson"})
    eq(st, 200, "bulk status")
    check(not json.loads(body)["errors"], "bulk errors")


def consume(queue, count, timeout_ms=30000):
    r = amqp("consume", "--queue", queue, "--count", str(count), "--timeout-ms", str(timeout_ms))
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


@test
def amqp_alerts_published_to_topic_exchange():
    broker()
    declare("alerts", "alerts_d", "mozdef.alert", typ="topic")
    w = alert_ward()
    try:
        w.start()
        bulk(w, failed_logins(5, "10.9.8.7"))
        msgs = consume("alerts_d", 1)
        eq(len(msgs), 1, "alerts received")
        m = msgs[0]
        check(set(m) == {"_id", "_index", "_source"}, "envelope: %r" % list(m))
        check(m["_index"].startswith("alerts-"), "index " + m["_index"])
        eq(m["_source"]["category"], "bruteforce", "category")
        eq(m["_source"]["summary"], "5 ssh bruteforce attempts by 10.9.8.7", "summary")
        hits = wait_for(lambda: json.loads(w.request("GET", "/api/v1/alerts")[2])["hits"], 10,
                        "the alert to be searchable")
        eq([h["_id"] for h in hits], [m["_id"]], "the published _id is the alert id")
        wait_for(lambda: w.metric("ward_amqp_out_confirmed_total") == 1, 10, "confirmed")
        eq(w.metric("ward_amqp_retry_queue_depth"), 0, "retry queue empty")
        eq(health(w)["amqp"]["output"]["connected"], True, "health")
        eq(consume("alerts_d", 1, 500), [], "published once")
    finally:
        w.cleanup()


@test
def amqp_broker_down_alerts_wait_on_disk():
    b = broker()
    declare("alerts", "alerts_e", "mozdef.alert", typ="topic")
    b.stop()
    w = alert_ward()
    try:
        w.start()
        wait_for(lambda: w.metric("ward_amqp_out_connect_failures_total") >= 1, 20,
                 "a failed connection attempt")
        eq(health(w)["amqp"]["output"]["connected"], False, "health: not connected")
        t0 = time.monotonic()
        bulk(w, failed_logins(5, "10.1.2.3"))  # ingest does not wait for the broker
        check(time.monotonic() - t0 < 5, "ingest blocked by the broker outage")
        bulk(w, failed_logins(5, "10.1.2.4"))
        wait_for(lambda: w.metric("ward_amqp_retry_queue_depth") == 2, 20, "2 alerts queued")
        check(w.metric("ward_amqp_retry_queue_bytes") > 0, "queue bytes")
        # the queue is on disk: it survives a kill -9 of ward while the broker is down
        w.kill9()
        w.start()
        wait_for(lambda: w.metric("ward_amqp_retry_queue_depth") == 2, 10, "queue reloaded")
        b.start()
        msgs = consume("alerts_e", 2, 60000)
        eq(sorted(m["_source"]["summary"] for m in msgs),
           ["5 ssh bruteforce attempts by 10.1.2.3", "5 ssh bruteforce attempts by 10.1.2.4"],
           "alerts delivered in order after the broker came back")
        eq(msgs[0]["_source"]["summary"], "5 ssh bruteforce attempts by 10.1.2.3", "order")
        wait_for(lambda: w.metric("ward_amqp_retry_queue_depth") == 0, 20, "queue drained")
        check(w.metric("ward_amqp_out_reconnects_total") >= 1, "reconnect counted")
        eq(health(w)["amqp"]["output"]["connected"], True, "health: connected again")
        eq(w.metric("ward_amqp_retry_queue_dropped_total"), 0, "nothing dropped")
    finally:
        w.cleanup()


@test
def amqp_bad_url_refused_at_start():
    w = Ward(args=["--set", "amqp.input.enabled=true", "--set", "amqp.url=amqps://h/"])
    try:
        rc = w.start(expect_fail=True)
        check(rc != 0, "ward started with an amqps:// url")
        check(any("amqps:// (TLS) is not supported" in l for l in w.log), "error: %r" % w.log)
    finally:
        w.cleanup()


if __name__ == "__main__":
    try:
        main()
    finally:
        if isinstance(BROKER, rabbit.Rabbit):
            BROKER.cleanup()
