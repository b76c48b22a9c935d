"""test_response: end-to-end tests of the response lists and feeds (docs/response.md)
against the real ward binary: validation errors (bad addresses, private and reserved
ranges, allow-listed networks, bad names, durations) with HTTP 400 and clear messages,
403 for read-only tokens, 404/409 for unknown and ended entries, re-blocking extends,
explicit extend, removal, expiry at read time (the row's expiry moved into the past in
DATA/response.db while ward runs), feed contents, CIDR merging and the size limit,
caching headers and 304s, token protection, a rule's block action visible on the alert
and in the feed, webhook outcomes on the alert, and the watch-list alert."""

import http.server
import json
import os
import sqlite3
import threading
import time

from wardtest import Ward, test, main, eq, check, wait_for


def post(w, path, obj, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    st, hdr, body = w.request("POST", path, json.dumps(obj), h)
    return st, json.loads(body) if body else None


def reason(doc):
    return doc["error"]["reason"]


def feed(w, name="ipblocklist.txt", headers=None, auth=False):
    return w.request("GET", "/feeds/" + name, headers=headers, auth=auth)


def new_token(w, scopes):
    st, doc = post(w, "/api/v1/tokens", {"name": "t-" + scopes, "scopes": scopes})
    eq(st, 201, "token create")
    return doc["token"]


@test
def ip_validation_errors():
    w = Ward(args=["--set", "response.allowlist=93.184.216.0/24, 2606:2800:220::/48"])
    try:
        w.start()
        cases = [
            ("10.1.2.3", "private network 10.0.0.0/8"),
            ("172.20.0.1", "private network 172.16.0.0/12"),
            ("192.168.0.0/16", "private network 192.168.0.0/16"),
            ("127.0.0.1", "loopback"),
            ("169.254.0.1", "link-local"),
            ("224.0.0.251", "multicast"),
            ("240.1.2.3", "reserved"),
            ("0.0.0.0/0", "reserved network 0.0.0.0/8"),
            ("::1", "loopback address ::1"),
            ("fd00::1", "unique local"),
            ("2001:db8::5", "documentation"),
            ("93.184.216.34", "allow-listed network 93.184.216.0/24"),
            ("93.184.0.0/16", "allow-listed network 93.184.216.0/24"),
            ("2606:2800:220:1::1", "allow-listed network 2606:2800:220::/48"),
            ("1.2.3", "not an IPv4 address"),
            ("1.2.3.4/33", "prefix length above 32"),
            ("300.1.1.1", "not an IPv4 address"),
            ("evil.example.com", "not an IPv4 address"),
        ]
        for addr, want in cases:
            st, doc = post(w, "/api/v1/blocklist/ip", {"address": addr, "duration": "1d"})
            eq(st, 400, "status for %s" % addr)
            check(want in reason(doc), "%s: %r lacks %r" % (addr, reason(doc), want))
        for dur, want in [("30m", "unknown duration unit"), ("31d", "above 30 days"),
                          ("0h", "below 1 hour"), ("soon", "a number and a unit")]:
            st, doc = post(w, "/api/v1/blocklist/ip", {"address": "8.8.8.8", "duration": dur})
            eq(st, 400, "duration %s" % dur)
            check(want in reason(doc), "duration %s: %r" % (dur, reason(doc)))
        st, doc = post(w, "/api/v1/blocklist/ip", {"duration": "1d"})
        eq((st, reason(doc)), (400, "'address' (a string) is required"), "missing address")
        st, _, body = w.request("POST", "/api/v1/blocklist/ip", "not json",
                                {"Content-Type": "application/json"})
        eq(st, 400, "bad body")
        st, doc = post(w, "/api/v1/blocklist/ip", {"address": 8, "duration": "1d"})
        eq(st, 400, "non-string address")
        # nothing was stored, and the refusals are counted
        _, _, body = feed(w)
        eq(body, b"", "empty feed")
        check(w.metric("ward_response_refused_total") >= len(cases), "refusals counted")
        # host bits are cleared, the normal form is returned
        st, doc = post(w, "/api/v1/blocklist/ip", {"address": "8.8.4.4/24", "duration": "2d"})
        eq((st, doc["entry"]["value"]), (201, "8.8.4.0/24"), "normalized")
    finally:
        w.cleanup()


@test
def fqdn_and_watch_validation():
    w = Ward()
    try:
        w.start()
        for name, want in [("-bad.example.com", "hyphen"), ("com", "at least two labels"),
                           ("a..example.com", "empty label"), ("bad_name.example.com", "RFC 1123"),
                           ("1.2.3.4", "all digits"), ("x" * 64 + ".com", "63")]:
            st, doc = post(w, "/api/v1/blocklist/fqdn", {"fqdn": name, "duration": "1h"})
            eq(st, 400, "fqdn %s" % name)
            check(want in reason(doc), "fqdn %s: %r" % (name, reason(doc)))
        st, doc = post(w, "/api/v1/blocklist/fqdn", {"fqdn": "Zed.Example.ORG.", "duration": "1w"})
        eq((st, doc["entry"]["value"]), (201, "zed.example.org"), "fqdn normalized")
        post(w, "/api/v1/blocklist/fqdn", {"fqdn": "abc.example.net", "duration": "1h"})
        st, hdr, body = feed(w, "fqdnblocklist.txt")
        eq((st, body), (200, b"abc.example.net\nzed.example.org\n"), "fqdn feed, sorted")
        eq(hdr["content-type"], "text/plain; charset=utf-8", "plain text")
        for term, want in [("ab", "at least 3"), ('a"b"c', "quotes"), ("   ", "only blanks")]:
            st, doc = post(w, "/api/v1/watchlist", {"term": term, "duration": "1d"})
            eq(st, 400, "term %r" % term)
            check(want in reason(doc), "term %r: %r" % (term, reason(doc)))
    finally:
        w.cleanup()


@test
def reblock_extend_remove_and_expiry():
    w = Ward()
    try:
        w.start()
        st, a = post(w, "/api/v1/blocklist/ip",
                     {"address": "198.51.99.7", "duration": "1d", "comment": "scanner",
                      "reference": "case-17"})
        eq((st, a["result"]), (201, "created"), "created")
        e = a["entry"]
        eq((e["creator"], e["comment"], e["reference"], e["blocks"], e["state"]),
           ("token:bootstrap", "scanner", "case-17", 1, "active"), "entry")
        check(86390 <= e["expires_in_s"] <= 86400, "1 day: %r" % e["expires_in_s"])
        # re-blocking for less never shortens; for more, extends
        st, b = post(w, "/api/v1/blocklist/ip", {"address": "198.51.99.7", "duration": "1h"})
        eq((st, b["result"], b["entry"]["id"], b["entry"]["blocks"]), (200, "extended", e["id"], 2),
           "re-block")
        check(b["entry"]["expires_in_s"] > 86000, "not shortened")
        st, c = post(w, "/api/v1/blocklist/ip", {"address": "198.51.99.7", "duration": "2d"})
        check(c["entry"]["expires_in_s"] > 2 * 86400 - 20, "extended to 2 days")
        eq(c["entry"]["comment"], "scanner", "comment kept")
        st, d = post(w, "/api/v1/blocklist/ip/%d/extend" % e["id"], {"duration": "1w"})
        eq(st, 200, "extend")
        check(d["entry"]["expires_in_s"] > 9 * 86400 - 20, "extend adds to the expiry")
        st, d = post(w, "/api/v1/blocklist/ip/%d/extend" % e["id"], {"duration": "30d"})
        check(d["entry"]["expires_in_s"] <= 30 * 86400, "capped at 30 days from now")
        eq(post(w, "/api/v1/blocklist/ip/99999/extend", {"duration": "1d"})[0], 404, "unknown id")
        eq(post(w, "/api/v1/blocklist/ip/%d/extend" % e["id"], {"duration": "45d"})[0], 400,
           "extend beyond 30d")
        # expiry: move the row's expiry into the past behind ward's back; the feed drops it
        post(w, "/api/v1/blocklist/ip", {"address": "203.0.114.9", "duration": "1h"})
        eq(feed(w)[2], b"198.51.99.7\n203.0.114.9\n", "both live")
        db = sqlite3.connect(os.path.join(w.data, "response.db"), timeout=10)
        db.execute("UPDATE entries SET expires = ? WHERE value = '203.0.114.9'",
                   (int(time.time()) - 1,))
        db.commit()
        db.close()
        eq(feed(w)[2], b"198.51.99.7\n", "expired entry left the feed at once")
        st, _, body = w.request("GET", "/api/v1/blocklist/ip")
        eq([x["value"] for x in json.loads(body)["entries"]], ["198.51.99.7"], "live list")
        st, _, body = w.request("GET", "/api/v1/blocklist/ip?all=true")
        states = {x["value"]: x["state"] for x in json.loads(body)["entries"]}
        eq(states["203.0.114.9"], "expired", "expired kept in ?all")
        expired_id = [x["id"] for x in json.loads(body)["entries"] if x["value"] == "203.0.114.9"][0]
        st, _, body = w.request("POST", "/api/v1/blocklist/ip/%d/extend" % expired_id,
                                '{"duration":"1d"}', {"Content-Type": "application/json"})
        eq(st, 409, "extending an expired entry conflicts")
        # blocked again after expiry: a new entry
        st, n = post(w, "/api/v1/blocklist/ip", {"address": "203.0.114.9", "duration": "1h"})
        eq(st, 201, "new block after expiry")
        check(n["entry"]["id"] != expired_id, "new id")
        # removal
        st, _, body = w.request("DELETE", "/api/v1/blocklist/ip/%d" % e["id"])
        eq(st, 200, "remove")
        eq(w.request("DELETE", "/api/v1/blocklist/ip/%d" % e["id"])[0], 409, "remove twice")
        eq(w.request("DELETE", "/api/v1/blocklist/ip/424242")[0], 404, "remove unknown")
        eq(w.request("DELETE", "/api/v1/blocklist/fqdn/%d" % n["entry"]["id"])[0], 404,
           "ids are per list")
        eq(feed(w)[2], b"203.0.114.9\n", "removed left the feed")
        st, _, body = w.request("GET", "/api/v1/blocklist/ip?all=true")
        rm = [x for x in json.loads(body)["entries"] if x["id"] == e["id"]][0]
        eq((rm["state"], rm["removed_by"]), ("removed", "token:bootstrap"), "removed by whom")
    finally:
        w.cleanup()


@test
def feed_merging_limit_and_caching():
    w = Ward(args=["--set", "response.feed_max_entries=5"])
    try:
        w.start()
        for a in ["5.6.7.0/25", "5.6.7.128/25", "5.6.7.9", "44.1.2.3", "44.1.2.2",
                  "2a00:1450::1"]:
            st, _ = post(w, "/api/v1/blocklist/ip", {"address": a, "duration": "1d"})
            eq(st, 201, "add %s" % a)
        # six live entries, five published (newest first: 5.6.7.0/25 is left out, so
        # 5.6.7.9 stays alone), 44.1.2.2 + 44.1.2.3 merge
        st, hdr, body = feed(w)
        eq(st, 200, "feed")
        eq(body, b"5.6.7.9\n5.6.7.128/25\n44.1.2.2/31\n2a00:1450::1\n", "merged, limited feed")
        post(w, "/api/v1/blocklist/ip", {"address": "5.6.7.0/25", "duration": "1d"})
        st, hdr, body = feed(w)
        # re-blocked, 5.6.7.0/25 is the newest; now 5.6.7.128/25 (the oldest) is left out and
        # 5.6.7.9 merges into the /25
        eq(body, b"5.6.7.0/25\n44.1.2.2/31\n2a00:1450::1\n", "re-blocked one is newest again")
        etag, lm = hdr["etag"], hdr["last-modified"]
        check(etag.startswith('"') and etag.endswith('"'), "quoted ETag")
        check("max-age=60" in hdr["cache-control"] and "public" in hdr["cache-control"],
              "cacheable: %r" % hdr["cache-control"])
        check(lm.endswith(" GMT"), "Last-Modified: %r" % lm)
        st, h2, body = feed(w, headers={"If-None-Match": etag})
        eq((st, body), (304, b""), "304 on If-None-Match")
        eq(h2.get("etag"), etag, "304 repeats the ETag")
        eq(feed(w, headers={"If-Modified-Since": lm})[0], 304, "304 on If-Modified-Since")
        eq(feed(w, headers={"If-None-Match": '"0000"'})[0], 200, "changed ETag: 200")
        post(w, "/api/v1/blocklist/ip", {"address": "77.7.7.7", "duration": "1h"})
        st, h3, body = feed(w, headers={"If-None-Match": etag})
        eq(st, 200, "a change invalidates the ETag")
        check(b"77.7.7.7\n" in body, "new entry published")
        check(h3["etag"] != etag, "new ETag")
        eq(w.request("HEAD", "/feeds/ipblocklist.txt", auth=False)[0], 200, "HEAD")
        eq(w.request("POST", "/feeds/ipblocklist.txt", "x", auth=False)[0], 405, "POST refused")
        check(w.metric("ward_response_feed_not_modified_total") >= 2, "304s counted")
    finally:
        w.cleanup()


@test
def feed_token_and_scopes():
    secret = "feedsecret-" + os.urandom(8).hex()
    w = Ward(args=["--set", "response.feed_token=" + secret])
    try:
        w.start()
        post(w, "/api/v1/blocklist/ip", {"address": "8.8.8.8", "duration": "1h"})
        st, _, body = feed(w)
        eq(st, 401, "no token")
        check(b"response.feed_token" in body, "the error names the setting")
        eq(feed(w, headers={"Authorization": "Bearer wrong"})[0], 401, "wrong token")
        st, hdr, body = feed(w, headers={"Authorization": "Bearer " + secret})
        eq((st, body), (200, b"8.8.8.8\n"), "feed token as Bearer")
        check("private" in hdr["cache-control"], "private when protected")
        eq(w.request("GET", "/feeds/ipblocklist.txt?token=" + secret, auth=False)[0], 200,
           "feed token as ?token=")
        eq(feed(w, auth=True)[0], 200, "an API token with read works too")
        # scopes: read-only tokens list but cannot change; anonymous gets nothing
        ro = new_token(w, "read")
        hro = {"Authorization": "Bearer " + ro}
        st, doc = post(w, "/api/v1/blocklist/ip", {"address": "1.1.1.1", "duration": "1h"}, hro)
        eq(st, 403, "read token cannot block")
        check("write" in reason(doc), "403 names the scope: %r" % reason(doc))
        eq(w.request("DELETE", "/api/v1/blocklist/ip/1", headers=hro)[0], 403,
           "read token cannot remove")
        eq(post(w, "/api/v1/watchlist", {"term": "evil", "duration": "1h"}, hro)[0], 403,
           "read token cannot edit the watch list")
        eq(w.request("GET", "/api/v1/blocklist/ip", headers=hro)[0], 200, "read token lists")
        eq(w.request("GET", "/api/v1/blocklist/ip", auth=False)[0], 401, "anonymous cannot list")
    finally:
        w.cleanup()


class Hook(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        Hook.got.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


RULE = """name: BlockScanner
category: scan
severity: WARNING
query: 'details.program:scanner'
summary: 'scan from {details.sourceipaddress}'
actions:
  - {block: 12h}
  - {webhook: '%s'}
"""


def bulk(w, events):
    body = "".join(json.dumps(e) + "\n" for e in events)
    st, _, resp = w.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
    eq(st, 200, "bulk")
    check(not json.loads(resp)["errors"], "bulk errors")


@test
def rule_block_action_on_alert_and_feed():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    Hook.got = []
    w = Ward(args=["--set", "store.flush_interval_ms=100"])
    try:
        rules = os.path.join(w.tmp, "rules")
        os.makedirs(rules)
        with open(os.path.join(rules, "scan.yaml"), "w") as f:
            f.write(RULE % ("http://127.0.0.1:%d/hook" % srv.server_port))
        w.rules = rules
        w.start()
        bulk(w, [{"summary": "probe", "hostname": "fw1",
                  "details": {"program": "scanner", "sourceipaddress": "45.33.32.156"}},
                 {"summary": "probe", "hostname": "fw1",
                  "details": {"program": "scanner", "sourceipaddress": "10.0.0.5"}}])

        def alerts_with_actions():
            st, _, body = w.request("GET", "/api/v1/alerts")
            hits = json.loads(body).get("hits", []) if st == 200 else []
            done = [h for h in hits if any(a["type"] == "webhook" and a["outcome"] == "delivered"
                                           for a in h["_source"].get("actions", []))]
            return hits if len(done) == 2 else None

        hits = wait_for(alerts_with_actions, 15, "two alerts with their actions")
        by_ip = {h["_source"]["events"][0]["documentsource"]["details"]["sourceipaddress"]: h
                 for h in hits}
        pub = by_ip["45.33.32.156"]["_source"]["actions"]
        blk = [a for a in pub if a["type"] == "block"][0]
        eq((blk["target"], blk["outcome"]), ("45.33.32.156", "added for 43200s"), "block action")
        check(blk["at"].endswith("+00:00"), "action time")
        hook = [a for a in pub if a["type"] == "webhook"][0]
        check(hook["target"].endswith("/hook"), "webhook target")
        priv = by_ip["10.0.0.5"]["_source"]["actions"]
        blk = [a for a in priv if a["type"] == "block"][0]
        check(blk["outcome"].startswith("refused: ") and "private network" in blk["outcome"],
              "private address refused: %r" % blk["outcome"])
        # the single-alert view carries them too
        aid = by_ip["45.33.32.156"]["_id"]
        st, _, body = w.request("GET", "/api/v1/alerts/" + aid)
        eq(st, 200, "get alert")
        eq(len(json.loads(body)["_source"]["actions"]), 2, "actions on GET /api/v1/alerts/<id>")
        eq(feed(w)[2], b"45.33.32.156\n", "blocked address in the feed")
        st, _, body = w.request("GET", "/api/v1/blocklist/ip")
        e = json.loads(body)["entries"][0]
        eq((e["creator"], e["reference"]), ("rule:BlockScanner", "alert:" + aid), "entry origin")
        check(40000 < e["expires_in_s"] <= 43200, "12 hours")
        eq(w.metric("ward_response_auto_blocks_total"), 1, "auto block counted")
        eq(len(Hook.got), 2, "two webhook deliveries")
        check(any("response" in line and "45.33.32.156" in line for line in w.log),
              "the block is logged")
    finally:
        srv.shutdown()
        w.cleanup()


@test
def rule_block_action_errors():
    w = Ward()
    try:
        rules = os.path.join(w.tmp, "rules")
        os.makedirs(rules)
        with open(os.path.join(rules, "bad.yaml"), "w") as f:
            f.write("name: B\nquery: x\nsummary: s\nactions:\n  - {block: 45d}\n")
        w.rules = rules
        w.start()
        st, _, body = w.request("POST", "/api/v1/rules/reload")
        eq(st, 400, "bad block duration refused")
        check(b"bad.yaml:5" in body and b"above 30 days" in body, "file:line and why: %r" % body)
    finally:
        w.cleanup()


@test
def watchlist_alert():
    w = Ward(args=["--set", "store.flush_interval_ms=100"])
    try:
        w.start()
        st, doc = post(w, "/api/v1/watchlist", {"term": "EvilCorp", "duration": "1d",
                                                "comment": "threat intel 42"})
        eq(st, 201, "watch term added")
        term_id = doc["entry"]["id"]
        # events ingested after the change are scanned with the new term (detect.c)
        bulk(w, [{"summary": "login from evilcorp vpn", "hostname": "bastion1",
                  "details": {"username": "mallory", "sourceipaddress": "45.33.32.156"}},
                 {"summary": "evilcorp without details", "hostname": "h"},
                 {"summary": "nothing here", "hostname": "h", "details": {"x": 1}}])

        def watch_alerts(n):
            st, _, body = w.request("GET", "/api/v1/alerts?category=watchlist")
            hits = json.loads(body).get("hits", []) if st == 200 else []
            return hits if len(hits) >= n else None

        hits = wait_for(lambda: watch_alerts(2), 15, "the watch-list alerts")
        eq(len(hits), 2, "one alert per matching event")
        by_host = {h["_source"]["events"][0]["documentsource"]["hostname"]: h["_source"]
                   for h in hits}
        a = by_host["bastion1"]
        eq(a["summary"], "Watchlist term EvilCorp detected by mallory from 45.33.32.156 on bastion1",
           "MozDef summary")
        # ingest gives every event details {} and a hostname, so none is skipped; empty
        # parts leave their spaces, as in MozDef
        eq(by_host["h"]["summary"], "Watchlist term EvilCorp detected   on h", "empty parts")
        eq((a["category"], a["tags"], a["severity"], a["classname"]),
           ("watchlist", ["watchtarget"], "WARNING", "AlertWatchList"), "alert fields")
        eq(a["details"]["term"], "EvilCorp", "term recorded")
        # removing the term stops the alerts: an event after the removal, then a sentinel
        # matching a new term; once the sentinel alerted, the earlier event was scanned
        eq(w.request("DELETE", "/api/v1/watchlist/%d" % term_id)[0], 200, "remove term")
        bulk(w, [{"summary": "evilcorp again", "hostname": "after-removal", "details": {"x": 1}}])
        eq(post(w, "/api/v1/watchlist", {"term": "sentinel-zq", "duration": "1h"})[0], 201,
           "second term")
        bulk(w, [{"summary": "SENTINEL-ZQ seen", "hostname": "sentinel", "details": {"x": 2}}])
        hits = wait_for(lambda: watch_alerts(3), 15, "the sentinel alert")
        hosts = sorted(h["_source"]["events"][0]["documentsource"]["hostname"] for h in hits)
        eq(hosts, ["bastion1", "h", "sentinel"], "no alert after the removal")
        eq(w.metric("ward_response_watch_alerts_total"), 3, "watch alerts counted")
        # the alerts themselves (which contain the term) never alert again
        eq(len(watch_alerts(3)), 3, "no alert loop")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
