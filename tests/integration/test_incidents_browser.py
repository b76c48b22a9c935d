"""The incident pages in a real browser (Debian chromium, headless, playwright-core from
tests/browser/), the same harness as the console test: ward on 127.0.0.1 with a rule that
fires on two ingested events; tests/browser/incidents.mjs escalates one alert, edits the
incident from two browser contexts (admin and analyst) that each see the other's change
and presence, provokes a refused stale save, checks a viewer cannot edit, marks the other
alert a false positive with a suppression, and reads the metrics page. Installs chromium
and playwright-core when missing; SKIPs only when they cannot be installed."""

import json
import os
import sys
import tempfile

import wardtest
from wardtest import WARD, Ward, test, main, eq, check, wait_for
import test_console_browser as console

# Only this file's test runs here (importing the console test registered its own).
wardtest.TESTS.remove(console.console_in_chromium)

RULE = """name: BrowserIncident
origin: ward
description: fires on every browserinc event (incident browser test)
category: incidenttest
severity: WARNING
query: 'category:browserinc'
summary: 'browser incident alert from {details.sourceipaddress}'
"""


@test
def incidents_in_chromium():
    chromium, node = console.ensure_tools()
    out = os.environ.get("WARD_TEST_OUT")
    shots = os.path.join(out, "incidents") if out else tempfile.mkdtemp(prefix="ward-incidents-")
    os.makedirs(shots, exist_ok=True)
    w = Ward(args=["--set", "store.flush_interval_ms=100"])
    rules = os.path.join(w.tmp, "rules")
    os.makedirs(rules)
    with open(os.path.join(rules, "incident.yaml"), "w") as f:
        f.write(RULE)
    w.rules = rules
    w.start()
    try:
        for name, role in (("admin", "admin"), ("ana", "analyst"), ("vera", "viewer")):
            st, _, _ = w.post_json("/api/v1/users", {"name": name, "role": role,
                                                     "password": name + "-pass-123"})
            eq(st, 201, "user " + name)
        nd = "".join(json.dumps({"category": "browserinc", "summary": "x",
                                 "details": {"sourceipaddress": ip}}) + "\n"
                     for ip in ("198.51.100.7", "198.51.100.8"))
        st, _, _ = w.request("POST", "/_bulk", nd, {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk")

        def two_alerts():
            st, _, b = w.request("GET", "/api/v1/alerts?from=-1h")
            return st == 200 and len(json.loads(b)["hits"]) == 2
        wait_for(two_alerts, 15, "two alerts searchable")
        env = dict(os.environ, WARD_URL="http://127.0.0.1:%d" % w.http_port,
                   WARD_ADMIN="admin:admin-pass-123", WARD_ANALYST="ana:ana-pass-123",
                   WARD_VIEWER="vera:vera-pass-123", WARD_OUT=shots, CHROMIUM=chromium)
        console.run_script(node, "incidents.mjs", env)
        print("MEASURE incident screenshots in %s" % shots, file=sys.stderr)
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
