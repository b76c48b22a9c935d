"""The shipped detection rules (rules/mozdef, rules/zeek) against their data-driven cases
in tests/rules/<origin>/<RuleName>/*.json. Each case is one `ward rules test` run over the
whole shipped rules/ directory (so one rule firing on another's events is visible):

  {"now": ISO, "events": [stored event documents], "dns": {optional address -> name},
   "expect": "positive" | "negative",
   "alert": {fields every alert of the class must equal exactly},
   "events_attached": N, "classname": optional (default: the directory name)}

Positive: at least one alert with that classname, and every such alert has the asserted
fields and N attached events (MozDef's own alert tests, spec e.3). Negative: no alert with
that classname. Each case is one PASS/FAIL line; so is `ward rules check rules/` and the
rule that every shipped rule has a positive and a negative case. Python 3 stdlib only."""

import json
import os
import re
import subprocess
import sys
import tempfile

from wardtest import WARD, TESTS, main, eq, check

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES = os.path.join(ROOT, "rules")
CASES = os.path.join(ROOT, "tests", "rules")


def shipped_rule_names():
    """Rule names declared in the shipped YAML files (top-level `name:` of each document)."""
    names = {}
    for d, _, files in os.walk(RULES):
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(d, f)) as fh:
                for line in fh:
                    m = re.match(r"name:\s*(.+?)\s*$", line)
                    if m:
                        v = m.group(1)
                        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                            v = v[1:-1].replace("''", "'") if v[0] == "'" else v[1:-1]
                        names[v] = os.path.relpath(os.path.join(d, f), ROOT)
    return names


def case_files():
    out = []
    if not os.path.isdir(CASES):
        return out
    for origin in sorted(os.listdir(CASES)):
        od = os.path.join(CASES, origin)
        if not os.path.isdir(od):
            continue
        for rule in sorted(os.listdir(od)):
            rd = os.path.join(od, rule)
            if not os.path.isdir(rd):
                continue
            for f in sorted(os.listdir(rd)):
                if f.endswith(".json"):
                    out.append((origin, rule, os.path.join(rd, f)))
    return out


def load_case(path, rule):
    with open(path) as fh:
        c = json.load(fh)
    c.setdefault("classname", rule)
    return c


def run_ward(case):
    tmp = tempfile.mkdtemp(prefix="ward-rules-")
    try:
        ev = os.path.join(tmp, "events.ndjson")
        with open(ev, "w") as fh:
            for e in case["events"]:
                fh.write(json.dumps(e) + "\n")
        cmd = [WARD, "rules", "test", "--now", case["now"], "--events", ev, "--rules", RULES]
        if case.get("dns") is not None:
            dns = os.path.join(tmp, "dns.json")
            with open(dns, "w") as fh:
                json.dump(case["dns"], fh)
            cmd += ["--dns", dns]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, "ward rules test exited %d: %s" % (p.returncode, p.stderr[-500:]))
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


def make_case_test(origin, rule, path):
    def fn():
        case = load_case(path, rule)
        cls = case["classname"]
        alerts = [a for a in run_ward(case) if a.get("classname") == cls]
        if case["expect"] == "negative":
            check(not alerts, "expected no %s alert, got: %s" % (cls, [a.get("summary") for a in alerts]))
            return
        eq(case["expect"], "positive", "expect")
        check(alerts, "expected a %s alert, got none" % cls)
        for a in alerts:
            for k, want in case.get("alert", {}).items():
                eq(a.get(k), want, "%s of the %s alert" % (k, cls))
            if "events_attached" in case:
                eq(len(a.get("events", [])), case["events_attached"], "attached events")
            for ev in a.get("events", []):
                check(set(ev) == {"documentindex", "documentid", "documentsource"},
                      "attached event keys %s" % sorted(ev))
            eq(a.get("type"), "alert", "type")
            eq(a.get("status"), "manual", "status")
    fn.__name__ = "rules_%s_%s_%s" % (origin, re.sub(r"\W", "_", rule),
                                      os.path.splitext(os.path.basename(path))[0])
    return fn


def test_rules_check():
    p = subprocess.run([WARD, "rules", "check", RULES], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, "ward rules check exit status (stderr: %s)" % p.stderr[-500:])
    check(re.search(r"\b0 errors\b", p.stdout), "check output: " + p.stdout)
    m = re.match(r"(\d+) rules", p.stdout)
    check(m and int(m.group(1)) == len(shipped_rule_names()),
          "rule count %s vs names in files %d" % (p.stdout.strip(), len(shipped_rule_names())))


def test_rules_every_rule_has_cases():
    have = {}
    for origin, rule, path in case_files():
        c = load_case(path, rule)
        have.setdefault(c["classname"], set()).add(c["expect"])
    missing = []
    for name, f in sorted(shipped_rule_names().items()):
        for kind in ("positive", "negative"):
            if kind not in have.get(name, set()):
                missing.append("%s (%s): no %s case" % (name, f, kind))
    unknown = sorted(set(have) - set(shipped_rule_names()))
    check(not missing, "; ".join(missing))
    check(not unknown, "cases for rules that are not shipped: %s" % unknown)


TESTS.append(test_rules_check)
TESTS.append(test_rules_every_rule_has_cases)
for _o, _r, _p in case_files():
    TESTS.append(make_case_test(_o, _r, _p))

if __name__ == "__main__":
    main()
