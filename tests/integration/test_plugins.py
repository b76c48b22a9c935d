"""End-to-end tests of Lua plugins (plugins.dir, docs/plugins.md) with the real ward binary
on 127.0.0.1: the shipped example plugins change and drop events on their way to the WAL,
a bulk item a plugin dropped answers 200 noop, a plugin that keeps failing is disabled and
listed in /api/v1/health, counters in /metrics, SIGHUP reloads the directory (a broken
directory keeps the previous plugins), a broken plugin stops start-up with file:line, and
`ward plugins test` prints transformed events."""

import json
import os
import shutil
import signal
import subprocess
import tempfile

from wardtest import WARD, Ward, test, main, eq, check, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "..", "..", "plugins")
N_SHIPPED = len([f for f in os.listdir(SHIPPED) if f.endswith(".lua")])

TAGGER = """return {name='tagger', registration='tagme', priority=50, process=function(e)
  e.details = e.details or {}; e.details.tag_version = '%s'; return e end}
"""
FLAKY = """return {name='flaky', registration='explode', process=function(e)
  error('kaboom') end}
"""


def plugin_dir(extra):
    d = tempfile.mkdtemp(prefix="ward-plugins-")
    for f in os.listdir(SHIPPED):
        if f.endswith(".lua"):
            shutil.copy(os.path.join(SHIPPED, f), d)
    for name, src in extra.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(src)
    return d


def server(d, *sets):
    args = ["--set", "plugins.dir=" + d]
    for kv in sets:
        args += ["--set", kv]
    return Ward(args=args).start()


def wal_events(w, n):
    return wait_for(lambda: (lambda evs: evs if len(evs) >= n else None)(w.events()), 10,
                    "%d events in the WAL" % n)


@test
def plugins_change_and_drop_events():
    d = plugin_dir({"tagger.lua": TAGGER % "v1"})
    w = server(d)
    try:
        st, _, _ = w.post_json("/events", {
            "summary": "Accepted publickey for bob from 10.1.2.3 port 50022 ssh2",
            "processname": "sshd", "hostname": "bastion"})
        eq(st, 200, "status of the sshd event")
        st, _, _ = w.post_json("/events", {"summary": "GET /",
                                           "details": {"useragent": "ELB-HealthChecker/2.0"}})
        eq(st, 200, "status of the dropped event")
        st, _, _ = w.post_json("/events", {"summary": "plain", "tags": ["tagme"]})
        eq(st, 200, "status")
        body = "\n".join(json.dumps(x) for x in [
            {"index": {}}, {"summary": "hc", "details": {"useragent": "elb-healthchecker/1.0"}},
            {"index": {}}, {"summary": "kept", "tags": ["tagme"]}]) + "\n"
        st, _, resp = w.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
        eq(st, 200, "bulk status")
        items = json.loads(resp)["items"]
        eq(items[0]["index"]["status"], 200, "dropped bulk item")
        eq(items[0]["index"]["result"], "noop", "dropped bulk item result")
        eq(items[1]["index"]["status"], 201, "kept bulk item")
        evs = wal_events(w, 3)
        eq(len(evs), 3, "events in the WAL (two dropped)")
        sshd = evs[0][1]
        eq(sshd["details"]["username"], "bob", "parse_sshd username")
        eq(sshd["details"]["sourceipaddress"], "10.1.2.3", "parse_sshd address")
        eq(sshd["details"]["sourceport"], "50022", "port kept as text (MozDef)")
        eq(sshd["mozdef"]["plugins"], ["parse_sshd", "sshd_find_ip"], "plugins that ran")
        # the a.4 defaults are still added after the plugins
        eq(sshd["category"], "UNKNOWN", "default category")
        eq(evs[1][1]["details"]["tag_version"], "v1", "tagger")
        eq(evs[2][1]["summary"], "kept", "bulk event kept")
        eq(evs[2][1]["details"]["tag_version"], "v1", "tagger on the bulk event")
        eq(w.metric("ward_plugin_drops_total", plugin="drop_elb_healthcheck"), 2, "drops")
        eq(w.metric("ward_plugin_runs_total", plugin="parse_sshd"), 1, "runs")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_squid_through_custom_endpoint():
    d = plugin_dir({})
    w = server(d)
    try:
        line = ("1700000000.500    250 10.0.0.5 51234 93.184.216.34 443 TCP_TUNNEL 200 512 "
                "4096 CONNECT example.com:443 - example.com -")
        st, _, _ = w.post_json("/custom/squid", {"category": "proxy", "source": "access",
                                                 "HOST_FROM": "proxy1", "MESSAGE": line})
        eq(st, 200, "status")
        ev = wal_events(w, 1)[0][1]
        eq(ev["type"], "squid", "type")
        eq(ev["hostname"], "proxy1", "hostname")
        eq(ev["utctimestamp"], "2023-11-14T22:13:20.250000+00:00", "request time")
        eq(ev["details"]["destinationport"], 443, "port")
        eq(ev["details"]["proto"], "ssl", "CONNECT without proto")
        eq(ev["details"]["duration"], 0.25, "duration")
        eq(ev["mozdef"]["plugins"], ["squid_fixup"], "plugins")
        eq(ev["mozdefhostname"] != "", True, "a.4 defaults after the plugin")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_failing_plugin_is_disabled():
    d = plugin_dir({"flaky.lua": FLAKY})
    w = server(d, "plugins.max_failures=2")
    try:
        for i in range(3):
            st, _, _ = w.post_json("/events", {"summary": "boom %d" % i, "details": {"x": "explode"}})
            eq(st, 200, "status")
        evs = wal_events(w, 3)
        eq([e[1]["summary"] for e in evs], ["boom 0", "boom 1", "boom 2"], "events kept")
        eq(evs[0][1]["mozdef"]["plugins"], ["flaky"], "failed plugin listed as run")
        eq(evs[2][1]["mozdef"]["plugins"], [], "disabled plugin no longer runs")
        _, _, body = w.request("GET", "/api/v1/health")
        h = json.loads(body)
        eq(h["plugins"]["disabled"], ["flaky"], "health lists the disabled plugin")
        eq(h["plugins"]["loaded"], N_SHIPPED + 1, "plugins loaded")
        eq(w.metric("ward_plugin_errors_total", plugin="flaky"), 2, "errors")
        eq(w.metric("ward_plugin_disabled", plugin="flaky"), 1, "disabled gauge")
        check(any("plugin flaky failed" in l and "kaboom" in l for l in w.log),
              "failure logged with the plugin's name")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_on_error_drop():
    d = plugin_dir({"flaky.lua": FLAKY})
    w = server(d, "plugins.on_error=drop", "plugins.max_failures=0")
    try:
        w.post_json("/events", {"summary": "a", "details": {"x": "explode"}})
        w.post_json("/events", {"summary": "b"})
        evs = wal_events(w, 1)
        eq([e[1]["summary"] for e in evs], ["b"], "the failing plugin's event dropped")
        eq(w.metric("ward_plugin_drops_total", plugin="flaky"), 1, "drop counted")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_sighup_reload():
    d = plugin_dir({"tagger.lua": TAGGER % "v1"})
    w = server(d)
    try:
        w.post_json("/events", {"summary": "one", "tags": ["tagme"]})
        with open(os.path.join(d, "tagger.lua"), "w") as f:
            f.write(TAGGER % "v2")
        w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("reloaded %d plugins" % (N_SHIPPED + 1) in l for l in w.log), 10,
                 "the reload")
        w.post_json("/events", {"summary": "two", "tags": ["tagme"]})
        # a broken directory: the reload fails, the previous plugins stay
        with open(os.path.join(d, "broken.lua"), "w") as f:
            f.write("return {\n  registration = 'x',\n  process = function(e) e. end }\n")
        w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("reload failed" in l for l in w.log), 10, "the failed reload")
        check(any("broken.lua:3:" in l for l in w.log), "error with file:line")
        w.post_json("/events", {"summary": "three", "tags": ["tagme"]})
        evs = wal_events(w, 3)
        eq([e[1]["details"]["tag_version"] for e in evs], ["v1", "v2", "v2"], "versions")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_broken_dir_stops_startup():
    d = plugin_dir({"bad.lua": "return {registration = 'x'}\n"})
    w = Ward(args=["--set", "plugins.dir=" + d])
    try:
        rc = w.start(expect_fail=True)
        check(rc != 0, "ward must exit non-zero")
        check(any("bad.lua:1: process must be a function" in l for l in w.log),
              "error with file:line: " + "".join(w.log[-5:]))
        check(w.http_port is None, "no listener bound")
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def plugins_test_cli():
    tmp = tempfile.mkdtemp(prefix="ward-plugtest-")
    try:
        ev = os.path.join(tmp, "ev.ndjson")
        with open(ev, "w") as f:
            f.write(json.dumps({"processname": "sshd",
                                "summary": "Invalid user admin from 192.0.2.7"}) + "\n")
            f.write(json.dumps({"details": {"useragent": "ELB-HealthChecker/2.0"}}) + "\n")
            f.write(json.dumps({"summary": "untouched"}) + "\n")
        out = subprocess.run([WARD, "plugins", "test", SHIPPED, "--events", ev, "--raw"],
                             capture_output=True, text=True, timeout=30)
        eq(out.returncode, 0, "exit status (stderr: %s)" % out.stderr)
        lines = [json.loads(l) for l in out.stdout.splitlines()]
        eq(len(lines), 3, "one line per event")
        eq(lines[0]["details"], {"sourceipaddress": "192.0.2.7", "username": "admin"}, "parsed")
        eq(lines[1], {"dropped_by": "drop_elb_healthcheck"}, "dropped")
        eq(lines[2], {"summary": "untouched"}, "no plugin ran")
        # the full ingest path: key mapping, plugins, defaults at --now
        out = subprocess.run([WARD, "plugins", "test", os.path.join(SHIPPED, "parse_sshd.lua"),
                              "--events", ev, "--now", "2024-05-01T00:00:00Z"],
                             capture_output=True, text=True, timeout=30)
        eq(out.returncode, 0, "exit status")
        first = json.loads(out.stdout.splitlines()[0])
        eq(first["details"]["username"], "admin", "parsed after key mapping")
        eq(first["receivedtimestamp"], "2024-05-01T00:00:00+00:00", "defaults at --now")
        eq(first["mozdef"]["plugins"], ["parse_sshd"], "plugins")
        out = subprocess.run([WARD, "plugins", "check", SHIPPED], capture_output=True, text=True,
                             timeout=30)
        eq(out.returncode, 0, "check of the shipped plugins")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
