"""End-to-end durability tests of the write-ahead log: events survive restarts with
their ids, a torn tail is truncated, and no acknowledged event is lost to kill -9."""

import glob
import json
import os
import signal
import threading

from wardtest import Ward, test, main, eq, check


@test
def restart_keeps_events_and_ids_continue():
    w = Ward().start()
    try:
        for i in range(3):
            eq(w.post_json("/events", {"summary": "r%d" % i})[0], 200, "post")
        eq(w.stop(), 0, "clean exit status")
        w.start()
        eq(w.post_json("/events", {"summary": "after"})[0], 200, "post after restart")
        evs = w.events()
        eq([(s, e["summary"]) for s, e in evs], [(1, "r0"), (2, "r1"), (3, "r2"), (4, "after")],
           "ids continue")
    finally:
        w.cleanup()


@test
def torn_tail_is_truncated_at_start():
    w = Ward().start()
    try:
        w.post_json("/events", {"summary": "intact"})
        w.stop()
        seg = sorted(glob.glob(os.path.join(w.data, "wal", "*.wal")))[-1]
        size = os.path.getsize(seg)
        with open(seg, "ab") as f:
            f.write(b"WDW1\x40\x00\x00\x00partial record never acknowledged")
        w.start()
        check(any("torn or corrupt tail" in l for l in w.log), "torn tail reported")
        eq(os.path.getsize(seg), size, "segment truncated to the last good record")
        w.post_json("/events", {"summary": "next"})
        eq([(s, e["summary"]) for s, e in w.events()], [(1, "intact"), (2, "next")], "events")
    finally:
        w.cleanup()


@test
def kill9_under_load_loses_no_acknowledged_event():
    w = Ward().start()
    acked = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(k):
        n = 0
        while not stop.is_set():
            tags = ["c%d-%d-%d" % (k, n, j) for j in range(50)]
            body = "".join('{"index":{}}\n' + json.dumps({"summary": t}) + "\n" for t in tags)
            try:
                st, _, _ = w.request("POST", "/_bulk", body, timeout=5)
            except Exception:
                return
            if st == 200:
                with lock:
                    acked.update(tags)
            n += 1

    try:
        ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        from wardtest import wait_for
        wait_for(lambda: len(acked) >= 2000, 30, "2000 acknowledged events")
        w.kill9()
        stop.set()
        for t in ts:
            t.join()
        w.start()
        stored = {e["summary"] for _, e in w.events()}
        missing = acked - stored
        eq(len(missing), 0, "acknowledged events missing after kill -9")
        seqs = [s for s, _ in w.events()]
        eq(seqs, list(range(1, len(seqs) + 1)), "ids dense and ordered")
    finally:
        w.cleanup()


@test
def config_errors_name_file_line_and_stop_start():
    w = Ward(config="http:\n  lisen: 127.0.0.1:1\nwal:\n  durability: sometimes\n"
                    "syslog:\n  max_connections: 0\n")
    try:
        rc = w.start(expect_fail=True)
        eq(rc, 2, "exit status")
        log = "".join(w.log)
        check("ward.yaml:2:3: unknown key 'http.lisen' (did you mean 'http.listen'?)" in log, log)
        check("ward.yaml:4:15: 'sometimes' is not one of fsync, async, none" in log, log)
        check("ward.yaml:6:20: 0 out of range [1, 65536]" in log, log)
        check("3 configuration errors" in log, "all errors reported")
        check(not os.path.exists(w.data), "nothing created before the config is valid")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
