"""The web console in a real browser: Debian chromium, headless, driven by playwright-core
(npm, tests/browser/) against ward on 127.0.0.1 loaded with generator data. Installs
chromium (apt-get, when root) and playwright-core (npm) when missing; SKIPs with the
reason only when they cannot be installed. Screenshots go to $WARD_TEST_OUT/console (or a
kept temporary directory), printed at the end. Also measures the first page's weight."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from wardtest import WARD, Ward, AUTH, test, main, eq, check, wait_for, SkipTest

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.normpath(os.path.join(HERE, "..", "browser"))
RULE = """name: BrowserTestAlert
origin: ward
description: fires on every browseralert event (console test)
category: consoletest
severity: WARNING
query: 'category:browseralert'
summary: 'browser test alert {summary}'
"""


def ensure_tools():
    chromium = shutil.which("chromium")
    if not chromium and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                           capture_output=True, env=env, timeout=900)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600)
            subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                           capture_output=True, env=env, timeout=900)
        chromium = shutil.which("chromium")
    if not chromium:
        raise SkipTest("Debian chromium is not installed and could not be (apt-get install chromium)")
    node = shutil.which("node")
    if not node or not shutil.which("npm"):
        raise SkipTest("node/npm not installed (apt-get install nodejs npm)")
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=BROWSER_DIR,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise SkipTest("npm install playwright-core failed: " + r.stderr[-300:])
    return chromium, node


def page_weight(w):
    """Bytes of the first page (index.html and every module and stylesheet it loads), as
    sent (gzip) and decoded."""
    st, h, body = w.request("GET", "/", headers={"Accept": "text/html"}, auth=False)
    eq(st, 200, "GET / as a browser")
    check(h["content-type"].startswith("text/html"), "console page content type")
    todo = re.findall(r'(?:src|href)="(/ui/[^"]+)"', body.decode())
    seen, sent, raw = set(), 0, len(body)
    st, h, gz = w.request("GET", "/", headers={"Accept": "text/html", "Accept-Encoding": "gzip"},
                          auth=False)
    sent += len(gz)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        st, h, b = w.request("GET", p, auth=False)
        eq(st, 200, p)
        check("etag" in h, "ETag on " + p)
        raw += len(b)
        st2, h2, g = w.request("GET", p, headers={"Accept-Encoding": "gzip"}, auth=False)
        sent += len(g)
        if p.endswith(".js"):
            for m in re.findall(r"from '\./([^']+)'", b.decode()):
                todo.append("/ui/" + m)
        st3, _, _ = w.request("GET", p, headers={"If-None-Match": h["etag"]}, auth=False)
        eq(st3, 304, "revalidation of " + p)
    return len(seen) + 1, raw, sent


def run_script(node, script, env, passes=None):
    """Runs tests/browser/SCRIPT with node, echoes its PASS/FAIL (and MEASURE) lines, and
    fails unless it exited 0 with no FAIL and at least one PASS (exactly `passes` when
    given). Returns its output lines."""
    try:
        p = subprocess.run([node, os.path.join(BROWSER_DIR, script)], env=env,
                           capture_output=True, text=True, timeout=170)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("browser run timed out; output: %s" % (e.stdout or "")[-500:])
    lines = p.stdout.splitlines()
    for line in lines:
        if line.startswith(("PASS", "FAIL")):
            print(line, flush=True)
        elif line.startswith("MEASURE"):
            print(line, file=sys.stderr)
    fails = [l for l in lines if l.startswith("FAIL")]
    npass = len([l for l in lines if l.startswith("PASS")])
    check(p.returncode == 0 and not fails and npass >= 1 and (passes is None or npass == passes),
          "browser run %s: %d failures, %d passes; exit %d; stderr: %s"
          % (script, len(fails), npass, p.returncode, p.stderr[-400:]))
    return lines


@test
def console_in_chromium():
    chromium, node = ensure_tools()
    out = os.environ.get("WARD_TEST_OUT")
    shots = os.path.join(out, "console") if out else tempfile.mkdtemp(prefix="ward-console-")
    os.makedirs(shots, exist_ok=True)
    w = Ward()
    rules = os.path.join(w.tmp, "rules")
    os.makedirs(rules)
    with open(os.path.join(rules, "browser.yaml"), "w") as f:
        f.write(RULE)
    w.rules = rules
    # a named list for the IP menu's "add to a list" (docs/zeek.md)
    with open(os.path.join(w.tmp, "filters.yaml"), "w") as f:
        f.write("lists:\n  watch: {type: ip, file: watch.txt}\nfilters: []\n")
    with open(os.path.join(w.tmp, "watch.txt"), "w") as f:
        f.write("203.0.113.1\n")
    w.args = ["--set", "zeek.filters=" + os.path.join(w.tmp, "filters.yaml")]
    env = dict(os.environ, WARD_PASSWORD="admin-pass-123")
    r = subprocess.run([WARD, "user", "add", "admin", "--role", "admin", "--data", w.data],
                       capture_output=True, text=True, env=env, timeout=30)
    eq(r.returncode, 0, "ward user add: " + r.stderr)
    w.start()
    try:
        st, _, _ = w.post_json("/api/v1/users",
                               {"name": "vera", "role": "viewer", "password": "viewer-pass-123"})
        eq(st, 201, "viewer created")
        start = (datetime.datetime.now(datetime.timezone.utc) -
                 datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        gen = subprocess.run([WARD, "gen", "--kind", "mix", "--format", "mozdef", "--count",
                              "12000", "--start", start, "--rate", "40", "--bulk"],
                             capture_output=True, timeout=60)
        eq(gen.returncode, 0, "ward gen")
        st, _, body = w.request("POST", "/_bulk", gen.stdout,
                                {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk load")
        check(not json.loads(body)["errors"], "bulk without errors")

        def searchable():
            st, _, b = w.request("GET", "/api/v1/search?limit=0")
            return st == 200 and json.loads(b)["total"] >= 12000
        wait_for(searchable, 30, "generator events searchable")
        files, raw, sent = page_weight(w)
        print("MEASURE first_page files=%d bytes=%d gzip_bytes=%d" % (files, raw, sent),
              file=sys.stderr)
        check(raw < 200 * 1024, "first page under 200 KB: %d bytes" % raw)
        penv = dict(os.environ, WARD_URL="http://127.0.0.1:%d" % w.http_port,
                    WARD_ADMIN="admin:admin-pass-123", WARD_VIEWER="vera:viewer-pass-123",
                    WARD_OUT=shots, CHROMIUM=chromium)
        run_script(node, "console.mjs", penv)
        print("MEASURE first_page_bytes %d gzip %d; screenshots in %s" % (raw, sent, shots),
              file=sys.stderr)
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
