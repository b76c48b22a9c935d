"""End-to-end tests of the store's tools against a running server: `ward archive` packs a
closed partition and removes it, `ward restore` brings it back with identical search
results, today's partition is refused, a restore over an existing partition is refused,
and `ward store check` reports a corrupted chunk with its file and offset."""

import datetime
import glob
import json
import os
import subprocess
import urllib.parse

from wardtest import WARD, Ward, test, main, eq, check, wait_for


def day(n):
    d = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=n)
    return d.replace(hour=12, minute=0, second=0, microsecond=0)


def search(w, q, **params):
    params["q"] = q
    st, _, body = w.request("GET", "/api/v1/search?" + urllib.parse.urlencode(params))
    eq(st, 200, "search status: " + body.decode()[:300])
    r = json.loads(body)
    r.pop("took_ms", None)
    return r


def run(*args):
    return subprocess.run([WARD] + list(args), capture_output=True, text=True, timeout=60)


@test
def archive_and_restore_give_identical_results():
    w = Ward(args=["--set", "store.flush_interval_ms=20"])
    w.start()
    try:
        lines = []
        for n in (3, 2, 0):
            for i in range(300):
                t = day(n) + datetime.timedelta(seconds=i)
                lines.append({"utctimestamp": t.isoformat(), "summary": "day%d event %d" % (n, i),
                              "details": {"n": n, "i": i, "sourceipaddress": "10.1.%d.%d" % (n, i % 50)}})
        body = "".join('{"index":{}}\n' + json.dumps(e) + "\n" for e in lines)
        eq(w.request("POST", "/_bulk", body)[0], 200, "bulk")
        wait_for(lambda: search(w, "*", limit=0)["total"] == 900, 10, "900 searchable")
        part = "events-" + day(3).strftime("%Y%m%d")
        lo = day(3).replace(hour=0).isoformat()
        hi = (day(3).replace(hour=0) + datetime.timedelta(days=1, microseconds=-1)).isoformat()
        queries = [("*", {"from": lo, "to": hi, "limit": 1000}),
                   ('details.sourceipaddress:"10.1.3.0/28"', {"limit": 1000}),
                   ("day3 | stats count() by details.sourceipaddress", {})]
        before = [search(w, q, **p) for q, p in queries]
        eq(before[0]["total"], 300, "day 3 events before archiving")

        out = os.path.join(w.tmp, part + ".wda")
        r = run("archive", part, "--data", w.data, "-o", out)
        eq(r.returncode, 0, "archive: " + r.stderr)
        check(os.path.getsize(out) > 0 and "300 events" in r.stdout, r.stdout)
        check(not glob.glob(os.path.join(w.data, "store", part, "*.wdp")), "partition removed")
        wait_for(lambda: search(w, queries[0][0], **queries[0][1])["total"] == 0, 10,
                 "archived partition leaves the running server")
        eq(search(w, "*", limit=0)["total"], 600, "the other days stay")

        r = run("archive", "events-" + day(0).strftime("%Y%m%d"), "--data", w.data, "-o",
                os.path.join(w.tmp, "today.wda"))
        eq(r.returncode, 1, "today's partition refused")
        check("still being written" in r.stderr, r.stderr)

        r = run("restore", out, "--data", w.data)
        eq(r.returncode, 0, "restore: " + r.stderr)
        check("300 events" in r.stdout, r.stdout)
        wait_for(lambda: search(w, "*", limit=0)["total"] == 900, 10, "restored partition back")
        after = [search(w, q, **p) for q, p in queries]
        eq(after, before, "identical results before archiving and after restoring")

        r = run("restore", out, "--data", w.data)
        eq(r.returncode, 1, "restore over an existing partition refused")
        check("already exists" in r.stderr, r.stderr)
    finally:
        w.cleanup()


@test
def store_check_reports_the_corrupt_chunk_with_file_and_offset():
    w = Ward(args=["--set", "store.flush_interval_ms=20"])
    w.start()
    try:
        body = "".join('{"index":{}}\n' + json.dumps({"summary": "check %d" % i}) + "\n"
                       for i in range(200))
        eq(w.request("POST", "/_bulk", body)[0], 200, "bulk")
        wait_for(lambda: search(w, "*", limit=0)["total"] == 200, 10, "searchable")
        eq(w.stop(), 0, "stop")
        r = run("store", "check", w.data)
        eq(r.returncode, 0, "clean store: " + r.stdout)
        check("0 problems" in r.stdout, r.stdout)
        part = sorted(glob.glob(os.path.join(w.data, "store", "events-*", "*.wdp")))[0]
        with open(part, "r+b") as f:
            f.seek(8)  # inside the first chunk (after the 4-byte magic)
            b = f.read(1)
            f.seek(8)
            f.write(bytes([b[0] ^ 0x55]))
        r = run("store", "check", w.data)
        eq(r.returncode, 1, "corrupt store: " + r.stdout)
        check(part in r.stdout and "offset 4" in r.stdout, r.stdout)
        # the server still starts and serves everything but the bad block
        w.start()
        st, _, _ = w.request("GET", "/api/v1/search?q=check")
        eq(st, 200, "search with a corrupt block")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
