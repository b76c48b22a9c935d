"""The response features of the console in a real browser (tests/browser/response.mjs):
block an IP from an alert and see it in /feeds/ipblocklist.txt, the Response page (add,
a refused private address, extend, remove, FQDN feed, watch list), the IP menu's Block,
and a viewer who cannot edit the lists. Same harness as test_console_browser.py: Debian
chromium and playwright-core (npm, tests/browser/), installed when missing; SKIPs with
the reason only when they cannot be installed. Screenshots go to $WARD_TEST_OUT/response
(or a kept temporary directory)."""

import os
import subprocess
import sys
import tempfile

import wardtest
from wardtest import WARD, Ward, test, main, eq, check
from test_console_browser import ensure_tools, run_script

wardtest.TESTS[:] = []  # run only this file's tests (the import registered the console's)

RULE = """name: ResponseBrowserAlert
category: responsetest
severity: WARNING
query: 'category:responsealert'
summary: '{summary}'
"""


@test
def response_in_chromium():
    chromium, node = ensure_tools()
    out = os.environ.get("WARD_TEST_OUT")
    shots = os.path.join(out, "response") if out else tempfile.mkdtemp(prefix="ward-response-")
    os.makedirs(shots, exist_ok=True)
    w = Ward(args=["--set", "store.flush_interval_ms=100"])
    rules = os.path.join(w.tmp, "rules")
    os.makedirs(rules)
    with open(os.path.join(rules, "resp.yaml"), "w") as f:
        f.write(RULE)
    w.rules = rules
    env = dict(os.environ, WARD_PASSWORD="analyst-pass-123")
    r = subprocess.run([WARD, "user", "add", "anna", "--role", "analyst", "--data", w.data],
                       capture_output=True, text=True, env=env, timeout=30)
    eq(r.returncode, 0, "ward user add: " + r.stderr)
    w.start()
    try:
        st, _, _ = w.post_json("/api/v1/users",
                               {"name": "vera", "role": "viewer", "password": "viewer-pass-123"})
        eq(st, 201, "viewer created")
        penv = dict(os.environ, WARD_URL="http://127.0.0.1:%d" % w.http_port,
                    WARD_ADMIN="anna:analyst-pass-123", WARD_VIEWER="vera:viewer-pass-123",
                    WARD_OUT=shots, CHROMIUM=chromium)
        run_script(node, "response.mjs", penv, passes=5)
        print("screenshots in %s" % shots, file=sys.stderr)
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
