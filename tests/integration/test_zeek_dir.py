"""test_zeek_dir: end-to-end tests of the zeek.dir input against the real `ward serve`:
a zeekctl-style directory (current/*.log and rotated YYYY-MM-DD/*.log.gz) tailed across
appends, a partial last line that waits, rotation while running, rotation and new files
while ward is stopped, SIGTERM and SIGKILL restarts (no line lost, none repeated), a file
that is not a Zeek log (refused, counted) and an archive with a truncated last line."""

import gzip
import os
import signal
import time

from wardtest import Ward, check, eq, main, test, wait_for

HDR = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
       "#path\tconn\n#open\t%s\n"
       "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\t"
       "history\torig_ip_bytes\tresp_ip_bytes\n"
       "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tcount\tcount\n")


def row(uid, ts=None):
    return "%.6f\t%s\t10.0.0.1\t1234\t192.0.2.9\t443\ttcp\tSF\tShAF\t10\t20\n" % (
        ts or time.time(), uid)


def uids(w):
    return [e["details"]["uid"] for _, e in w.events() if e.get("category") == "bro"]


def scans(w):
    return w.metric("ward_zeek_dir_scans_total")


def settle(w):
    """Waits for two complete scans after now: everything present has been read."""
    n = scans(w)
    wait_for(lambda: scans(w) >= n + 2, 10, "two more scans of zeek.dir")


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def rotate(root, name, open_ts, day="2024-01-01", span="10:00:00-11:00:00"):
    """zeekctl's archival: #close, gzip into the day directory, remove the live file."""
    live = os.path.join(root, "current", name + ".log")
    append(live, "#close\t2024-01-01-11-00-00\n")
    os.makedirs(os.path.join(root, day), exist_ok=True)
    with open(live, "rb") as f, gzip.open(os.path.join(root, day, "%s.%s.log.gz" % (name, span)),
                                          "wb") as g:
        g.write(f.read())
    os.unlink(live)


def new_ward():
    """A ward tailing TMP/zeek (created with its current/ directory); returns (ward, root)."""
    w = Ward()
    root = os.path.join(w.tmp, "zeek")
    os.makedirs(os.path.join(root, "current"))
    w.args = ["--set", "zeek.dir=" + root, "--set", "zeek.poll_interval_ms=50",
              "--set", "zeek.sensor=sensor-dir"]
    return w, root


@test
def zeek_dir_tail_rotation_restart():
    w, root = new_ward()
    live = os.path.join(root, "current", "conn.log")
    with open(live, "w") as f:
        f.write(HDR % "2024-01-01-10-00-00" + row("A1") + row("A2") + row("A3"))
    w.start()
    try:
        wait_for(lambda: len(uids(w)) == 3, 10, "the first three lines")
        ev = next(e for _, e in w.events() if e.get("category") == "bro")
        eq(ev["hostname"], "sensor-dir", "sensor name")
        eq(ev["source"], "conn", "log name")
        # appends are picked up; a partial last line waits for its newline
        partial = row("A6")
        append(live, row("A4") + row("A5") + partial[:20])
        wait_for(lambda: len(uids(w)) == 5, 10, "appended lines")
        settle(w)
        eq(len(uids(w)), 5, "the partial line waits")
        append(live, partial[20:])
        wait_for(lambda: len(uids(w)) == 6, 10, "the completed line")
        # rotation while running: the last lines land in the archive only
        append(live, row("A7"))
        rotate(root, "conn", "2024-01-01-10-00-00")
        with open(live, "w") as f:
            f.write(HDR % "2024-01-01-11-00-00" + row("B1"))
        wait_for(lambda: len(uids(w)) == 8, 10, "the line before rotation and the new file")
        # stopped (SIGTERM): lines written meanwhile, rotated away, new files and archives
        eq(w.stop(), 0, "clean stop")
        append(live, row("B2") + row("B3"))
        rotate(root, "conn", "2024-01-01-11-00-00", span="11:00:00-12:00:00")
        with open(live, "w") as f:
            f.write(HDR % "2024-01-01-12-00-00" + row("C1"))
        dns = os.path.join(root, "2024-01-01", "dns.11:00:00-12:00:00.log.gz")
        with gzip.open(dns, "wt") as g:
            g.write((HDR % "2024-01-01-11-00-01").replace("#path\tconn", "#path\tdns")
                    + row("D1") + row("D2"))
        w.start()
        want = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "B1", "B2", "B3", "C1", "D1", "D2"]
        wait_for(lambda: len(uids(w)) >= len(want), 10, "everything after the restart")
        settle(w)
        eq(sorted(uids(w)), sorted(want), "no line lost, none repeated (SIGTERM)")
        eq(len([1 for _, e in w.events() if e.get("source") == "dns"]), 2, "dns archive read")
        # SIGKILL after everything was checkpointed: nothing is read twice
        append(live, row("C2"))
        wait_for(lambda: len(uids(w)) == len(want) + 1, 10, "C2")
        # a crash between a commit and its checkpoint write repeats that batch (documented):
        # "after everything was checkpointed" means the live file's whole length is recorded
        size = os.path.getsize(live)

        def checkpointed():
            with open(os.path.join(w.data, "zeek-checkpoint")) as f:
                return any(len(l.split()) >= 2 and l.split()[1] == str(size) for l in f)
        wait_for(checkpointed, 10, "the checkpoint of C2")
        w.kill9()
        w.start()
        settle(w)
        eq(sorted(uids(w)), sorted(want + ["C2"]), "no line repeated (SIGKILL)")
        with open(os.path.join(w.data, "zeek-checkpoint")) as f:
            done = [l.split() for l in f if l.split()[2] == "1"]
        eq(len(done), 3, "files finished in the checkpoint (2 conn archives + dns)")
    finally:
        w.cleanup()


@test
def zeek_dir_refuses_non_zeek_and_truncated_archive():
    w, root = new_ward()
    with open(os.path.join(root, "current", "stderr.log"), "w") as f:
        f.write("listening on eth0\n" * 100)
    os.makedirs(os.path.join(root, "2024-01-02"))
    cut = HDR % "2024-01-02-00-00-00" + row("T1")
    with gzip.open(os.path.join(root, "2024-01-02", "conn.00:00:00-01:00:00.log.gz"), "wt") as g:
        g.write(cut + row("T2")[:25])
    w.start()
    try:
        wait_for(lambda: len(uids(w)) == 1, 10, "the complete archived line")
        settle(w)
        eq(uids(w), ["T1"], "only the complete line")
        eq(w.metric("ward_zeek_refused_streams_total"), 1, "stderr.log refused once")
        eq(w.metric("ward_zeek_truncated_lines_total"), 1, "the truncated line counted")
        log = "".join(w.log)
        check("stderr.log: not a Zeek log" in log, log[-2000:])
        check("first at byte offset %d: truncated last line" % len(cut) in log, log[-2000:])
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
