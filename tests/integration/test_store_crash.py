"""End-to-end crash test of the store: several clients ingest continuously while ward is
killed with SIGKILL at random points (20 times) and restarted on the same data directory.
Afterwards every acknowledged event is in the store exactly once, nothing appears twice,
and ids are unique. Also: parts, checkpoint and WAL replay after each restart."""

import json
import os
import random
import subprocess
import threading
import time

from wardtest import WARD, Ward, test, main, eq, check, wait_for

KILLS = 20


def store_dump(data):
    out = subprocess.run([WARD, "store", "dump", data], capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0:
        raise AssertionError("ward store dump failed: " + out.stderr[-2000:])
    rows = []
    for line in out.stdout.splitlines():
        seq, part, js = line.split("\t", 2)
        rows.append((int(seq), part, json.loads(js)))
    return rows


def kill9_under_load(kills, extra_args=(), pad=0):
    """Kills ward `kills` times under load from four clients and checks the store after.
    pad: bytes of padding per event (fills WAL segments faster). Returns the data
    directory's Ward (stopped) and the sum of ward_wal_segments_recycled_total seen
    before each kill."""
    rnd = random.Random(int(os.environ.get("WD_CRASH_SEED", "7")))
    w = Ward(args=["--set", "store.flush_interval_ms=30", "--set", "syslog.udp=false",
                   "--set", "syslog.tcp=false"] + list(extra_args))
    w.start()
    recycled = 0
    acked = set()
    sent = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(k):
        n = 0
        while not stop.is_set():
            port = w.http_port
            tags = ["c%d-%d-%d" % (k, n, j) for j in range(rnd.choice((1, 20, 200)))]
            n += 1
            body = "".join('{"index":{}}\n' + json.dumps(
                {"summary": "crash test " + t, "details": {"cid": t, "client": k,
                                                           "pad": "p" * pad}}) + "\n"
                for t in tags)
            with lock:
                sent.update(tags)
            try:
                import http.client
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
                r = c.getresponse()
                data = r.read()
                c.close()
            except Exception:
                # ward is down: the batch is unacknowledged; never resent under these ids
                wait_for(lambda: stop.is_set() or (w.proc.poll() is None and w.http_port),
                         30, "ward back")
                continue
            if r.status == 200 and b'"errors":false' in data:
                with lock:
                    acked.update(tags)

    ts = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(4)]
    try:
        for t in ts:
            t.start()
        for i in range(kills):
            target = len(acked) + rnd.randint(50, 2000)
            wait_for(lambda: len(acked) >= target, 60, "acknowledged events before kill %d" % i)
            time.sleep(rnd.random() * 0.05)  # a random point, not a synchronisation
            try:
                recycled += int(w.metric("ward_wal_segments_recycled_total"))
            except Exception:
                pass  # a client's request may be in flight: the count is a bonus here
            w.kill9()
            w.http_port = None
            w.start()
        stop.set()
        for t in ts:
            t.join(30)
        eq(w.stop(), 0, "clean exit after the last run")
        rows = store_dump(w.data)
        seqs = [s for s, _, _ in rows]
        eq(len(seqs), len(set(seqs)), "every id stored once")
        cids = [e["details"]["cid"] for _, _, e in rows]
        dups = len(cids) - len(set(cids))
        eq(dups, 0, "events stored twice")
        stored = set(cids)
        missing = acked - stored
        eq(len(missing), 0, "acknowledged events missing from the store after %d kills" % kills)
        check(stored <= sent, "nothing that was never sent")
        check(len(acked) > 5000, "load was real (%d acknowledged)" % len(acked))
        # the store check verifies every checksum of what the crashes left
        out = subprocess.run([WARD, "store", "check", w.data], capture_output=True, text=True)
        eq(out.returncode, 0, "store check: " + out.stdout[-500:])
    finally:
        stop.set()
        w.cleanup()
    return recycled


@test
def kill9_twenty_times_every_acknowledged_event_stored_exactly_once():
    kill9_under_load(KILLS)


@test
def kill9_while_wal_segments_are_recycled():
    # 1 MiB segments and 2 KiB events: segments roll every ~500 events, so consumed ones
    # are recycled and overwritten while ward is killed (docs/durability.md)
    recycled = kill9_under_load(8, ["--set", "wal.segment_bytes=1MiB"], pad=2048)
    check(recycled > 0, "segments were recycled during the run (%d)" % recycled)


@test
def restart_replays_the_wal_tail_into_the_store():
    w = Ward(args=["--set", "store.flush_interval_ms=10000"])
    w.start()
    try:
        for i in range(5):
            eq(w.post_json("/events", {"summary": "replay %d" % i})[0], 200, "post")
        # killed before the (10 s) flush: the events are only in the WAL
        w.kill9()
        check(not any(True for _ in store_dump(w.data)), "nothing flushed before the kill")
        w.args = ["--set", "store.flush_interval_ms=20"]
        w.start()
        wait_for(lambda: w.metric("ward_store_indexed_seq") >= 5, 10, "replayed and indexed")
        got = sorted((s, e["summary"]) for s, _, e in store_dump(w.data))
        eq(got, [(i + 1, "replay %d" % i) for i in range(5)], "replayed events with their ids")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
