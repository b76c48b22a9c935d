"""wardtest: end-to-end test helpers. Starts the real `ward serve` binary on 127.0.0.1
with ephemeral ports and a temporary data directory, talks to it over HTTP/syslog, reads
the write-ahead log back with `ward wal dump`, and reports "PASS name" / "FAIL name: why"
lines for tools/run-tests.sh. Python 3 standard library only."""

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# Every test server gets this admin API token (auth.bootstrap_token), and requests send
# it unless told otherwise (auth=False), so tests that are not about access control run
# as an admin. $WARD_TOKEN carries it to the ward CLI (search, tail, rules, ingest).
TOKEN = "wdtest_" + os.urandom(20).hex()
AUTH = {"Authorization": "Bearer " + TOKEN}
os.environ["WARD_TOKEN"] = TOKEN

WARD = os.environ.get("WARD_BIN") or os.path.join(os.path.dirname(__file__), "..", "..", "ward")
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def wait_for(cond, timeout=10.0, what="condition"):
    """Polls cond() until it returns a true value (returned) or the bound expires."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class Ward:
    """One ward server process."""

    def __init__(self, config=None, args=(), data=None, rules="", bootstrap=True):
        """rules: rule file or directory to load ("" = none, so tests that read the WAL
        back see only their own events)."""
        self.tmp = tempfile.mkdtemp(prefix="ward-test-")
        self.rules = rules
        self.data = data or os.path.join(self.tmp, "data")
        self.config = config
        self.args = list(args)
        self.bootstrap = bootstrap
        self.proc = None
        self.log = []
        self.http_port = self.udp_port = self.tcp_port = None

    def start(self, expect_fail=False):
        cmd = [WARD, "serve", "--data", self.data, "--http", "127.0.0.1:0",
               "--syslog", "127.0.0.1:0", "--set", "rules.path=" + self.rules] + self.args
        if self.bootstrap:
            cmd += ["--set", "auth.bootstrap_token=" + TOKEN]
        if self.config is not None:
            path = os.path.join(self.tmp, "ward.yaml")
            with open(path, "w") as f:
                f.write(self.config)
            cmd += ["-c", path]
        self.log = []
        self.http_port = self.udp_port = self.tcp_port = None
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     text=True, errors="replace")
        t = threading.Thread(target=self._read_log, daemon=True)
        t.start()
        if expect_fail:
            self.proc.wait(timeout=10)
            t.join(5)
            return self.proc.returncode
        want_syslog = not any(a.startswith("syslog.") and a.endswith("=false")
                              for a in self.args)
        wait_for(lambda: self.http_port and (self.tcp_port or not want_syslog)
                 or self.proc.poll() is not None, 10, "ward to listen")
        if self.proc.poll() is not None:
            raise AssertionError("ward exited at start: " + "".join(self.log[-10:]))
        return self

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line)
            m = re.search(r"listening http=https?://[^ ]*:(\d+)", line)
            if m:
                self.http_port = int(m.group(1))
            m = re.search(r"syslog_udp=[^ ]*:(\d+) syslog_tcp=[^ ]*:(\d+)", line)
            if m:
                self.udp_port, self.tcp_port = int(m.group(1)), int(m.group(2))

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("ward did not stop within 15s of SIGTERM")
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, timeout=30, auth=True):
        """auth: send the bootstrap admin token (unless headers carry an Authorization)."""
        c = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        if isinstance(body, str):
            body = body.encode()
        h = dict(AUTH) if auth else {}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def post_json(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})

    def events(self):
        """Every event in the WAL, as (seq, dict), oldest first."""
        out = subprocess.run([WARD, "wal", "dump", os.path.join(self.data, "wal")],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError("ward wal dump failed: " + out.stderr)
        evs = []
        for line in out.stdout.splitlines():
            seq, _, js = line.partition("\t")
            evs.append((int(seq), json.loads(js)))
        return evs

    def metric(self, name, **labels):
        _, _, body = self.request("GET", "/metrics")
        want = name + ("{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}"
                       if labels else "")
        for line in body.decode().splitlines():
            if line.startswith(want + " "):
                return float(line.split()[-1])
        raise AssertionError("metric %s not found" % want)


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what="value"):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def main():
    if not os.path.exists(WARD):
        print("FAIL %s: ward binary not found at %s" % (os.path.basename(sys.argv[0]), WARD))
        sys.exit(1)
    only = sys.argv[1:]
    failed = 0
    for fn in TESTS:
        if only and fn.__name__ not in only:
            continue
        try:
            fn()
            print("PASS %s" % fn.__name__, flush=True)
        except SkipTest as e:
            print("SKIP %s: %s" % (fn.__name__, e), flush=True)
        except Exception as e:  # report and continue with the next test
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
            traceback.print_exc(file=sys.stderr)
    sys.exit(1 if failed else 0)


class SkipTest(Exception):
    pass


def gzip_bytes(b):
    return gzip.compress(b)
