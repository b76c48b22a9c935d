"""End-to-end tests of the enrichment stage (docs/enrichment.md) with the real ward binary
on 127.0.0.1: the network table (enrich.networks) tags source and destination addresses
with the longest matching block, marks local/remote, is reloaded on SIGHUP (a bad file keeps
the previous table and is counted), and a bad file at start-up stops ward with file:line."""

import os
import signal
import tempfile

from wardtest import Ward, test, main, eq, check, wait_for

TABLE = """# sites
cidr,site,environment,owner
10.0.0.0/8,corp,prod,netops
10.1.2.0/24,lab,dev,alice
2001:db8::/32,v6site,prod,
"""


def wal_events(w, n):
    return wait_for(lambda: (lambda evs: evs if len(evs) >= n else None)(w.events()), 10,
                    "%d events in the WAL" % n)


@test
def enrich_network_table_tags_and_reloads():
    tmp = tempfile.mkdtemp(prefix="ward-enrich-")
    path = os.path.join(tmp, "networks.csv")
    with open(path, "w") as f:
        f.write(TABLE)
    w = Ward(args=["--set", "enrich.networks=" + path]).start()
    try:
        w.post_json("/events", {"summary": "a", "details": {
            "sourceipaddress": "10.1.2.9", "destinationipaddress": "198.51.100.1"}})
        w.post_json("/events", {"summary": "b", "details": {
            "sourceipaddress": "2001:db8::5", "destinationipaddress": "10.200.0.1"}})
        w.post_json("/events", {"summary": "c", "details": {"sourceipaddress": "not-an-ip"}})
        evs = wal_events(w, 3)
        d = evs[0][1]["details"]
        eq(d["sourcenetwork"], {"cidr": "10.1.2.0/24", "site": "lab", "environment": "dev",
                                "owner": "alice"}, "longest prefix")
        eq(d["sourcelocal"], True, "local source")
        eq(d["destinationlocal"], False, "remote destination")
        check("destinationnetwork" not in d, "no block for a remote address")
        d = evs[1][1]["details"]
        eq(d["sourcenetwork"], {"cidr": "2001:db8::/32", "site": "v6site", "environment": "prod"},
           "IPv6 block (empty owner left out)")
        eq(d["destinationnetwork"]["site"], "corp", "the /8")
        eq(evs[2][1]["details"]["sourcelocal"], False, "not an address: remote")
        eq(w.metric("ward_enrich_network_entries"), 3, "entries")
        eq(w.metric("ward_enrich_network_hits_total"), 3, "hits")
        # reload: a new site name
        with open(path, "w") as f:
            f.write(TABLE.replace("lab,dev", "lab2,dev"))
        w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("network table reloaded" in l for l in w.log), 10, "the reload")
        w.post_json("/events", {"summary": "d", "details": {"sourceipaddress": "10.1.2.10"}})
        # a bad file: refused, counted, the previous table stays
        with open(path, "w") as f:
            f.write("10.0.0.0/8,x\n10.0.0.0/99,y\n")
        w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("reload failed" in l for l in w.log), 10, "the failed reload")
        check(any(path + ":2: not an IP address or CIDR block" in l for l in w.log),
              "file:line in the log")
        eq(w.metric("ward_enrich_reload_errors_total"), 1, "reload errors")
        w.post_json("/events", {"summary": "e", "details": {"sourceipaddress": "10.1.2.11"}})
        evs = wal_events(w, 5)
        eq(evs[3][1]["details"]["sourcenetwork"]["site"], "lab2", "after the reload")
        eq(evs[4][1]["details"]["sourcenetwork"]["site"], "lab2", "after the failed reload")
    finally:
        w.cleanup()


@test
def enrich_bad_table_stops_startup():
    tmp = tempfile.mkdtemp(prefix="ward-enrich-")
    path = os.path.join(tmp, "networks.csv")
    with open(path, "w") as f:
        f.write("10.0.0.0/8,ok\n\nbogus,site\n")
    w = Ward(args=["--set", "enrich.networks=" + path])
    try:
        rc = w.start(expect_fail=True)
        check(rc != 0, "ward must exit non-zero")
        check(any(path + ":3: not an IP address or CIDR block" in l for l in w.log),
              "file:line: " + "".join(w.log[-5:]))
    finally:
        w.cleanup()


@test
def enrich_ip_fixup_on_http_events():
    w = Ward(args=["--set", "enrich.ip_fixup=true"]).start()
    try:
        w.post_json("/events", {"summary": "x", "details": {
            "sourceipaddress": "2001:db8::7", "destinationipaddress": "www.example.com"}})
        w.post_json("/events", {"summary": "y", "details": {"dst": "192.0.2.9"}})
        w.post_json("/events", {"summary": "z", "details": {"other": "1.2.3.4"}})
        evs = wal_events(w, 3)
        d = evs[0][1]["details"]
        eq(d["sourceipv6address"], "2001:db8::7", "v6 moved")
        eq(d["sourceipaddress"], "0.0.0.0", "v6 replaced")
        eq(d["destination"], "www.example.com", "hostname moved")
        eq(d["destinationipaddress"], None, "hostname replaced by null")
        eq(evs[0][1]["errors"], ["plugin: ipFixUp.py error: sourceipaddress is ipv6, moved"],
           "error note")
        eq(evs[0][1]["mozdef"]["plugins"], ["ipFixup"], "listed as run")
        eq(evs[1][1]["details"]["destinationipv4address"], "192.0.2.9", "dst alias")
        eq(evs[2][1]["mozdef"]["plugins"], [], "no registration token: not run")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
