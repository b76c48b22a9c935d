"""End-to-end tests of Sigma rules (docs/sigma.md): `ward serve` loads a directory of Sigma
rules (one unsupported, reported with its reason while the others load), a Windows event
posted as EVTX-rendered JSON and another in Winlogbeat form are normalized at ingest and
raise the Sigma rule's alert, GET /api/v1/rules lists the rule with origin, Sigma id and
status and its match counters; `ward rules test --events` takes the raw Windows event as
is; `ward rules check` prints the Sigma summary."""

import json
import os
import shutil
import subprocess
import tempfile

from wardtest import WARD, Ward, test, main, eq, check, wait_for

WHOAMI = """title: Whoami Execution
id: 5d4a6f3e-0000-4000-8000-00000000a001
status: test
level: medium
tags: [attack.discovery, attack.t1033]
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        - Image|endswith: '\\\\whoami.exe'
        - OriginalFileName: 'whoami.exe'
    filter:
        ParentImage|endswith: '\\\\svchost.exe'
    condition: selection and not filter
falsepositives: [Admins]
"""

PLACEHOLDER = """title: Needs a placeholder
id: 5d4a6f3e-0000-4000-8000-00000000a002
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        User|expand: '%admins%'
    condition: selection
"""


def evtx(image, parent, record=1):
    return {"Event": {"System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
        "EventID": 1, "EventRecordID": record,
        "TimeCreated": {"#attributes": {"SystemTime": "2026-03-01T10:00:00.000000Z"}},
        "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ws-7.corp"},
        "EventData": {"Image": image, "ParentImage": parent,
                      "CommandLine": image + " /all", "User": "CORP\\\\bob"}}}


def winlogbeat(image, parent):
    return {"@timestamp": "2026-03-01T10:00:01.000Z", "message": "Process Create",
            "winlog": {"event_id": 1, "channel": "Microsoft-Windows-Sysmon/Operational",
                       "provider_name": "Microsoft-Windows-Sysmon", "computer_name": "ws-8.corp",
                       "event_data": {"Image": image, "ParentImage": parent,
                                      "CommandLine": image}}}


class Sigma:
    def __init__(self):
        self.w = Ward(args=["--set", "store.flush_interval_ms=100"])
        self.rules_dir = os.path.join(self.w.tmp, "sigma")
        os.makedirs(self.rules_dir)
        for name, text in (("whoami.yml", WHOAMI), ("placeholder.yml", PLACEHOLDER)):
            with open(os.path.join(self.rules_dir, name), "w") as f:
                f.write(text)
        self.w.rules = self.rules_dir

    def __enter__(self):
        self.w.start()
        return self

    def __exit__(self, *exc):
        self.w.cleanup()

    def bulk(self, events):
        body = "".join(json.dumps(e) + "\n" for e in events)
        st, _, b = self.w.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk status")
        check(not json.loads(b)["errors"], "bulk errors: %r" % b[:200])

    def get(self, path):
        st, _, body = self.w.request("GET", path)
        eq(st, 200, path)
        return json.loads(body)


@test
def sigma_rule_alerts_on_windows_events():
    with Sigma() as s:
        # the unsupported rule is reported with file, position and reason; the other runs
        log = "".join(s.w.log)
        check("placeholder.yml:" in log and "unsupported: expand: placeholder %admins%" in log,
              "unsupported rule reported: " + log[-600:])
        rules = s.get("/api/v1/rules")
        eq(rules["total"], 1, "rules loaded")
        r = rules["rules"][0]
        eq((r["name"], r["origin"], r["status"]), ("Whoami Execution", "sigma", "enabled"),
           "rule")
        eq(r["sigma"], {"id": "5d4a6f3e-0000-4000-8000-00000000a001", "status": "test"},
           "sigma id and status")
        # filtered (parent svchost), then two that fire: EVTX JSON and Winlogbeat forms
        s.bulk([evtx("C:\\Windows\\System32\\whoami.exe", "C:\\Windows\\System32\\svchost.exe"),
                evtx("C:\\Windows\\System32\\notepad.exe", "C:\\Windows\\explorer.exe")])
        s.bulk([evtx("C:\\Windows\\System32\\WHOAMI.EXE", "C:\\Windows\\explorer.exe", 2),
                winlogbeat("C:\\Windows\\System32\\whoami.exe", "C:\\Windows\\System32\\cmd.exe")])
        hits = wait_for(lambda: len(s.get("/api/v1/alerts")["hits"]) >= 2 and
                        s.get("/api/v1/alerts")["hits"], 10, "two Sigma alerts")
        eq(len(hits), 2, "alerts")
        hosts = sorted(h["_source"]["events"][0]["documentsource"]["hostname"] for h in hits)
        eq(hosts, ["ws-7.corp", "ws-8.corp"], "alerted events (EVTX and Winlogbeat)")
        a = hits[0]["_source"]
        eq(a["summary"], "Sigma medium: Whoami Execution", "summary")
        eq(a["severity"], "WARNING", "severity from level")
        check("attack.t1033" in a["tags"] and "sigma" in a["tags"], "tags: %r" % a["tags"])
        ev = a["events"][0]["documentsource"]
        eq(ev["details"]["EventID"], 1, "normalized EventID")
        eq(ev["category"], "windows", "normalized category")
        r = s.get("/api/v1/rules")["rules"][0]
        eq((r["matches"], r["alerts"]), (2, 2), "rule counters")


@test
def rules_test_takes_raw_windows_events():
    tmp = tempfile.mkdtemp(prefix="ward-sigma-")
    try:
        rules_test_in(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def rules_test_in(tmp):
    rule = os.path.join(tmp, "whoami.yml")
    with open(rule, "w") as f:
        f.write(WHOAMI)
    events = os.path.join(tmp, "events.json")
    with open(events, "w") as f:  # pretty-printed, one object after another
        f.write(json.dumps(evtx("C:\\Windows\\System32\\whoami.exe", "C:\\x\\explorer.exe"),
                           indent=2) + "\n")
        f.write(json.dumps(evtx("C:\\Windows\\System32\\calc.exe", "C:\\x\\explorer.exe"),
                           indent=2) + "\n")
    out = subprocess.run([WARD, "rules", "test", "--now", "2026-03-01T10:05:00Z", "--events",
                          events, "--rules", rule], capture_output=True, text=True, timeout=30)
    eq(out.returncode, 0, "exit status (stderr %r)" % out.stderr)
    alerts = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    eq(len(alerts), 1, "alerts")
    eq(alerts[0]["events"][0]["documentsource"]["details"]["Image"],
       "C:\\Windows\\System32\\whoami.exe", "alerted event")
    chk = subprocess.run([WARD, "rules", "check", tmp], capture_output=True, text=True,
                         timeout=30)
    eq(chk.returncode, 0, "check exit status")
    check("sigma: 1 documents, 1 compiled, 0 filters applied, 0 unsupported" in chk.stdout, chk.stdout)
    with open(os.path.join(tmp, "bad.yml"), "w") as f:
        f.write(PLACEHOLDER)
    chk = subprocess.run([WARD, "rules", "check", tmp], capture_output=True, text=True,
                         timeout=30)
    eq(chk.returncode, 1, "check exit status with an unsupported rule")
    check("bad.yml:8:22:" in chk.stderr and "unsupported: expand" in chk.stderr, chk.stderr)
    check("unsupported (1): expand: placeholder" in chk.stdout, chk.stdout)


if __name__ == "__main__":
    main()
