"""Access control end to end: 401 without credentials on every data path, 403 for a
role or token scope that does not suffice, CSRF on session requests that change state,
token scopes and revocation, session cookies, logout, login rate limiting and the login
and audit events ward writes about itself, ingest closed unless open, TLS with
`ward cert selfsigned`, and bad input answered (never a crash). Python 3 stdlib only."""

import http.client
import json
import os
import ssl
import subprocess
import time
import urllib.parse

from wardtest import WARD, Ward, AUTH, test, main, eq, check, wait_for

DATA_PATHS = ["/api/v1/search", "/api/v1/search?q=*", "/api/v1/tail", "/api/v1/alerts",
              "/api/v1/alerts/1", "/api/v1/alerts/stream", "/api/v1/rules", "/api/v1/sources",
              "/api/v1/lists", "/api/v1/lists/x", "/api/v1/tokens", "/api/v1/users",
              "/api/v1/auth/me", "/metrics", "/api/v1/nosuch"]


def err_type(body):
    return json.loads(body)["error"]["type"]


class Session:
    """A logged-in console session: cookie jar of one cookie, plus the CSRF token."""

    def __init__(self, w, user, password, tls_ctx=None):
        self.w, self.tls = w, tls_ctx
        st, h, body = self.raw("POST", "/api/v1/auth/login",
                               json.dumps({"username": user, "password": password}),
                               {"Content-Type": "application/json"})
        self.status, self.headers, self.body = st, h, body
        self.cookie = None
        if st == 200:
            self.set_cookie = h.get("set-cookie", "")
            self.cookie = self.set_cookie.split(";")[0]
            self.csrf = json.loads(body)["csrf"]

    def raw(self, method, path, body=None, headers=None):
        if self.tls:
            c = http.client.HTTPSConnection("127.0.0.1", self.w.http_port, context=self.tls,
                                            timeout=30)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.w.http_port, timeout=30)
        c.request(method, path, body=body.encode() if isinstance(body, str) else body,
                  headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def req(self, method, path, body=None, csrf=True, headers=None):
        h = {"Cookie": self.cookie, "Content-Type": "application/json"}
        if csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        h.update(headers or {})
        return self.raw(method, path, body, h)


def add_user(w, name, role, password):
    st, _, body = w.post_json("/api/v1/users", {"name": name, "role": role, "password": password})
    eq(st, 201, "create %s: %s" % (name, body[:200]))


def new_token(w, scopes, name="t"):
    st, _, body = w.post_json("/api/v1/tokens", {"name": name, "scopes": scopes})
    eq(st, 201, "token create: %r" % body[:200])
    j = json.loads(body)
    return j["id"], j["token"]


def bearer(t):
    return {"Authorization": "Bearer " + t}


def search(w, q, **kw):
    st, _, body = w.request("GET", "/api/v1/search?" + urllib.parse.urlencode(dict(q=q, **kw)))
    eq(st, 200, "search " + q)
    return json.loads(body)


@test
def unauthenticated_requests_get_401_and_nothing_else():
    w = Ward().start()
    try:
        for p in DATA_PATHS:
            st, h, body = w.request("GET", p, auth=False)
            eq(st, 401, "GET " + p)
            eq(err_type(body), "security_exception", "error type " + p)
            check(b"hits" not in body and b"rules" not in body, "no data in " + p)
        for m, p in [("POST", "/api/v1/rules/reload"), ("POST", "/api/v1/alerts/1/ack"),
                     ("PUT", "/api/v1/lists/x"), ("DELETE", "/api/v1/tokens/1"),
                     ("POST", "/api/v1/search"), ("POST", "/api/v1/users")]:
            st, _, _ = w.request(m, p, "{}", auth=False)
            eq(st, 401, m + " " + p)
        st, _, _ = w.request("GET", "/api/v1/search", headers={"Authorization": "Bearer nope"},
                             auth=False)
        eq(st, 401, "garbage token")
        st, _, _ = w.request("GET", "/api/v1/search", headers={"Authorization": "Bearer " +
                                                                "x" * 5000}, auth=False)
        eq(st, 401, "oversized token")
        st, _, _ = w.request("GET", "/api/v1/search", headers={"Cookie": "wd_session=" + "a" * 64},
                             auth=False)
        eq(st, 401, "forged session id")
        # public: health, the console's static files, and ingest on a loopback listener
        eq(w.request("GET", "/api/v1/health", auth=False)[0], 200, "health")
        eq(w.request("GET", "/status", auth=False)[0], 200, "loginput status")
        eq(w.request("POST", "/events", '{"summary":"open ingest"}', auth=False)[0], 200,
           "ingest open on 127.0.0.1")
        st, h, body = w.request("GET", "/", headers={"Accept": "text/html"}, auth=False)
        eq(st, 200, "console page")
        check(b"<script" in body and b"hits" not in body, "the page holds no data")
        st, _, body = w.request("GET", "/", auth=False)
        eq(st, 200, "Elasticsearch info for a client without text/html")
        check(b"You know, for Search" in body, "cluster info")
        check(w.metric("ward_auth_denied_total", reason="unauthenticated") >= len(DATA_PATHS),
              "refusals counted")
        check(w.proc.poll() is None, "ward still running")
    finally:
        w.cleanup()


@test
def roles_viewer_analyst_admin():
    w = Ward(rules="rules").start()
    try:
        for n, r in [("vic", "viewer"), ("ann", "analyst"), ("adam", "admin")]:
            add_user(w, n, r, n + "-password")
        v, a, ad = (Session(w, n, n + "-password") for n in ("vic", "ann", "adam"))
        for s in (v, a, ad):
            eq(s.status, 200, "login")
            eq(s.req("GET", "/api/v1/search?q=*")[0], 200, "everyone reads")
            eq(s.req("GET", "/metrics")[0], 200, "everyone reads metrics")
        st, _, body = v.req("GET", "/api/v1/rules")
        rule = json.loads(body)["rules"][0]["name"]
        path = "/api/v1/rules/%s/disable" % urllib.parse.quote(rule)
        st, _, body = v.req("POST", path, "{}")
        eq((st, err_type(body)), (403, "security_exception"), "viewer disables a rule")
        eq(a.req("POST", path, "{}")[0], 403, "analyst disables a rule")
        eq(v.req("POST", "/api/v1/alerts/99999/ack", "{}")[0], 403, "viewer acks")
        eq(a.req("POST", "/api/v1/alerts/99999/ack", "{}")[0], 404, "analyst may ack (unknown id)")
        eq(v.req("PUT", "/api/v1/lists/x", "1.2.3.4")[0], 403, "viewer edits a list")
        eq(a.req("GET", "/api/v1/users")[0], 403, "analyst lists users")
        eq(a.req("POST", "/api/v1/tokens", '{"name":"x","scopes":"read"}')[0], 403,
           "analyst makes tokens")
        eq(v.req("POST", "/api/v1/search", '{"q":"*"}')[0], 200, "POST search is a read")
        st, _, body = ad.req("POST", path, "{}")
        eq(st, 200, "admin disables: %r" % body[:200])
        rules = json.loads(v.req("GET", "/api/v1/rules")[2])["rules"]
        eq([r["status"] for r in rules if r["name"] == rule], ["disabled"], "disabled")
        eq(ad.req("POST", path.replace("disable", "enable"), "{}")[0], 200, "admin enables")
        eq(json.loads(v.req("GET", "/api/v1/auth/me")[2])["role"], "viewer", "me: role")
    finally:
        w.cleanup()


@test
def csrf_required_on_session_state_changes():
    w = Ward(rules="rules").start()
    try:
        add_user(w, "adam", "admin", "adam-password")
        s = Session(w, "adam", "adam-password")
        st, _, body = s.req("POST", "/api/v1/rules/reload", "{}", csrf=False)
        eq((st, err_type(body)), (403, "csrf_exception"), "no CSRF header")
        eq(s.req("POST", "/api/v1/rules/reload", "{}", csrf="0" * 64)[0], 403, "wrong CSRF")
        other = Session(w, "adam", "adam-password")
        eq(s.req("POST", "/api/v1/rules/reload", "{}", csrf=other.csrf)[0], 403,
           "another session's CSRF token")
        eq(s.req("POST", "/api/v1/rules/reload", "{}")[0], 200, "with the CSRF token")
        eq(s.req("GET", "/api/v1/search")[0], 200, "reads need no CSRF token")
        check(w.metric("ward_auth_denied_total", reason="csrf") >= 3, "counted")
        # Bearer tokens are not ambient credentials: no CSRF token needed
        eq(w.request("POST", "/api/v1/rules/reload", "{}")[0], 200, "token without CSRF")
        # login accepts JSON only (an HTML form cannot post it cross-site)
        st, _, _ = w.request("POST", "/api/v1/auth/login",
                             "username=adam&password=adam-password",
                             {"Content-Type": "application/x-www-form-urlencoded"}, auth=False)
        eq(st, 415, "form-encoded login")
    finally:
        w.cleanup()


@test
def session_cookie_flags_and_logout():
    w = Ward().start()
    try:
        add_user(w, "ann", "analyst", "ann-password")
        s = Session(w, "ann", "ann-password")
        eq(s.status, 200, "login")
        c = s.set_cookie
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/"):
            check(flag in c, "cookie has %s: %s" % (flag, c))
        check("Secure" not in c, "no Secure flag without TLS")
        me = json.loads(s.req("GET", "/api/v1/auth/me")[2])
        eq((me["username"], me["role"]), ("ann", "analyst"), "me")
        bad = Session(w, "ann", "wrong-password")
        eq(bad.status, 401, "bad password")
        eq(Session(w, "nobody", "whatever-pw").status, 401, "unknown user, same answer")
        st, h, _ = s.req("POST", "/api/v1/auth/logout", "{}")
        eq(st, 200, "logout")
        check("Max-Age=0" in h.get("set-cookie", ""), "cookie cleared")
        eq(s.req("GET", "/api/v1/auth/me")[0], 401, "session gone after logout")
        # a new password ends the user's sessions
        s2 = Session(w, "ann", "ann-password")
        add_user(w, "ann", "analyst", "ann-password-2")
        eq(s2.req("GET", "/api/v1/search")[0], 401, "sessions end on password change")
        # a deleted user's sessions end too
        s3 = Session(w, "ann", "ann-password-2")
        eq(w.request("DELETE", "/api/v1/users/ann")[0], 200, "delete user")
        eq(s3.req("GET", "/api/v1/search")[0], 401, "deleted user's session")
        for body in ["", "[]", "{", '{"username":1,"password":2}', '{"username":"a"}',
                     json.dumps({"username": "a" * 5000, "password": "b"})]:
            st, _, _ = w.request("POST", "/api/v1/auth/login", body,
                                 {"Content-Type": "application/json"}, auth=False)
            check(st in (400, 401), "bad login body %r: %d" % (body[:20], st))
        check(w.proc.poll() is None, "ward still running")
    finally:
        w.cleanup()


@test
def token_scopes_and_revocation():
    w = Ward(args=["--set", "auth.ingest_open=false"]).start()
    try:
        rid, read = new_token(w, "read", "reader")
        iid, ingest = new_token(w, "ingest", "shipper")
        wid, write = new_token(w, "read,write", "bot")
        eq(w.request("GET", "/api/v1/search", headers=bearer(read))[0], 200, "read token reads")
        st, _, body = w.request("POST", "/events", '{"summary":"x"}', headers=bearer(read))
        eq(st, 403, "read token cannot ingest")
        eq(w.request("POST", "/events", '{"summary":"x"}', auth=False)[0], 401,
           "ingest closed: no token")
        eq(w.request("POST", "/events", '{"summary":"via token"}', headers=bearer(ingest))[0],
           200, "ingest token ingests")
        eq(w.request("POST", "/_bulk", '{"summary":"bulk"}\n', headers=bearer(ingest))[0], 200,
           "bulk with ingest token")
        eq(w.request("GET", "/api/v1/search", headers=bearer(ingest))[0], 403,
           "ingest token cannot read")
        eq(w.request("GET", "/", auth=False)[0], 401, "Elasticsearch probe needs ingest too")
        eq(w.request("POST", "/api/v1/alerts/1/ack", "{}", headers=bearer(read))[0], 403,
           "read token cannot ack")
        eq(w.request("POST", "/api/v1/alerts/1/ack", "{}", headers=bearer(write))[0], 404,
           "write token may ack (unknown id: 404, not 403)")
        eq(w.request("GET", "/api/v1/tokens", headers=bearer(write))[0], 403,
           "write token cannot list tokens")
        toks = json.loads(w.request("GET", "/api/v1/tokens")[2])["tokens"]
        check(all("token" not in t and "hash" not in t for t in toks), "no secrets listed")
        eq({t["name"]: t["scopes"] for t in toks if t["name"] in ("reader", "bot")},
           {"reader": "read", "bot": "read,write"}, "scopes listed")
        eq(w.request("DELETE", "/api/v1/tokens/%d" % rid)[0], 200, "revoke")
        eq(w.request("GET", "/api/v1/search", headers=bearer(read))[0], 401, "revoked")
        eq(w.request("DELETE", "/api/v1/tokens/%d" % rid)[0], 404, "revoke twice")
        eq(w.request("POST", "/api/v1/tokens/%d/revoke" % iid)[0], 200, "revoke by POST")
        eq(w.request("POST", "/events", "{}", headers=bearer(ingest))[0], 401, "revoked ingest")
        for body in ['{"name":"x","scopes":"root"}', '{"name":"","scopes":"read"}', "[]", "{"]:
            eq(w.request("POST", "/api/v1/tokens", body)[0], 400, "bad token body " + body)
        # CLI tokens work against the same state.db, while ward runs
        out = subprocess.run([WARD, "token", "add", "--name", "cli", "--scopes", "read",
                              "--data", w.data], capture_output=True, text=True, timeout=30)
        eq(out.returncode, 0, "ward token add: " + out.stderr)
        eq(w.request("GET", "/api/v1/search", headers=bearer(out.stdout.strip()))[0], 200,
           "CLI token reads")

        def cli_audited():
            j = search(w, "category:audit AND details.via:cli")
            return j["total"] == 1 and j["hits"][0]["_source"]["details"]["action"]
        eq(wait_for(cli_audited, 10, "CLI change audited"), "token.create", "CLI audit event")
        # the ward CLI sends $WARD_TOKEN
        env = dict(os.environ, WARD_TOKEN="")
        r = subprocess.run([WARD, "search", "--url", "http://127.0.0.1:%d" % w.http_port, "*"],
                           capture_output=True, text=True, env=env, timeout=30)
        check(r.returncode == 1 and "401" in r.stderr, "CLI without a token: %r" % r.stderr)
        r = subprocess.run([WARD, "search", "--url", "http://127.0.0.1:%d" % w.http_port, "*"],
                           capture_output=True, text=True, timeout=30)
        eq(r.returncode, 0, "CLI with $WARD_TOKEN: " + r.stderr)
    finally:
        w.cleanup()


@test
def login_rate_limit_and_events_ward_can_detect():
    w = Ward(args=["--set", "auth.login_max_failures=3"], rules="rules").start()
    try:
        add_user(w, "adam", "admin", "adam-password")
        for _ in range(3):
            eq(Session(w, "adam", "not-it").status, 401, "failure")
        s = Session(w, "adam", "adam-password")
        eq(s.status, 429, "limited, even with the right password")
        check(int(s.headers.get("retry-after", "0")) > 0, "Retry-After")
        eq(Session(w, "other", "x-password").status, 429, "the same address is limited")
        eq(w.metric("ward_logins_total", result="failure"), 3.0, "failures counted")
        check(w.metric("ward_logins_total", result="rate_limited") >= 2, "limited counted")

        def login_events():
            j = search(w, "category:authentication AND source:ward", limit=50)
            return j if j["total"] >= 5 else None
        j = wait_for(login_events, 10, "login events searchable")
        d = [h["_source"]["details"] for h in j["hits"]]
        check(all(x["sourceipaddress"] == "127.0.0.1" for x in d), "source address")
        eq(sorted(set(x["success"] for x in d)), [False], "all failed")
        check({"adam", "other"} <= set(x["username"] for x in d), "user names")
    finally:
        w.cleanup()


@test
def brute_force_on_ward_raises_the_shipped_alert():
    w = Ward(args=["--set", "auth.login_max_failures=100"], rules="rules").start()
    try:
        for i in range(10):
            eq(Session(w, "admin", "guess-%d" % i).status, 401, "failure")

        def alert():
            st, _, b = w.request("GET", "/api/v1/alerts?rule=AlertWardLoginBruteforce")
            return st == 200 and json.loads(b)["hits"]
        hits = wait_for(alert, 20, "AlertWardLoginBruteforce")
        check("127.0.0.1" in hits[0]["_source"]["summary"], hits[0]["_source"]["summary"])
    finally:
        w.cleanup()


@test
def audit_events_are_searchable():
    w = Ward(rules="rules").start()
    try:
        add_user(w, "adam", "admin", "adam-password")
        s = Session(w, "adam", "adam-password")
        rule = json.loads(s.req("GET", "/api/v1/rules")[2])["rules"][0]["name"]
        eq(s.req("POST", "/api/v1/rules/%s/disable" % urllib.parse.quote(rule), "{}")[0], 200,
           "disable")
        tid, _ = new_token(w, "read", "audited")
        eq(w.request("DELETE", "/api/v1/tokens/%d" % tid)[0], 200, "revoke")
        eq(s.req("POST", "/api/v1/rules/nosuchrule/disable", "{}")[0], 404, "unknown rule")
        eq(s.req("POST", "/api/v1/rules/reload", "{}", csrf=False)[0], 403, "refused: no audit")

        def audit():
            j = search(w, "category:audit", limit=50)
            return j if j["total"] >= 4 else None
        j = wait_for(audit, 10, "audit events")
        acts = sorted((h["_source"]["details"]["action"], h["_source"]["details"]["username"])
                      for h in j["hits"])
        eq(acts, sorted([("user.add", "token:bootstrap"), ("rule.disable", "adam"),
                         ("token.create", "token:bootstrap"), ("token.revoke", "token:bootstrap")]),
           "audited actions (refused and failed requests are not state changes)")
    finally:
        w.cleanup()


@test
def ack_records_the_session_user():
    w = Ward(rules="rules").start()
    try:
        add_user(w, "ann", "analyst", "ann-password")
        s = Session(w, "ann", "ann-password")
        body = "".join(json.dumps({"summary": "Failed password for invalid user bob from "
                                              "1.2.3.4 port 22 ssh2", "hostname": "web1",
                                   "details": {"program": "sshd",
                                               "sourceipaddress": "1.2.3.4"}}) + "\n"
                       for _ in range(10))
        eq(w.request("POST", "/_bulk", body)[0], 200, "bulk")

        def alert():
            st, _, b = w.request("GET", "/api/v1/alerts?rule=AlertBruteforceSsh")
            return st == 200 and json.loads(b)["hits"]
        aid = wait_for(alert, 20, "ssh brute force alert")[0]["_id"]
        st, _, b = s.req("POST", "/api/v1/alerts/%s/ack" % aid, '{"by":"someone-else"}')
        eq(st, 200, "ack")
        eq(json.loads(b)["status_by"], "ann", "the session's user, not the body's")
        def audited():
            return search(w, "category:audit AND details.action:alert.ack")["total"] == 1
        wait_for(audited, 10, "ack audited")
    finally:
        w.cleanup()


@test
def tls_with_ward_cert_selfsigned_and_secure_cookie():
    w = Ward()
    cdir = os.path.join(w.tmp, "cert")
    r = subprocess.run([WARD, "cert", "selfsigned", "--out", cdir, "--host", "ward.test"],
                       capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, "ward cert selfsigned: " + r.stderr)
    eq(oct(os.stat(os.path.join(cdir, "ward.key")).st_mode & 0o777), "0o600", "key mode")
    w.args = ["--set", "http.tls_cert=" + os.path.join(cdir, "ward.crt"),
              "--set", "http.tls_key=" + os.path.join(cdir, "ward.key")]
    w.start()
    try:
        ctx = ssl.create_default_context(cafile=os.path.join(cdir, "ward.crt"))
        ctx.check_hostname = True  # the certificate names 127.0.0.1
        env = dict(os.environ, WARD_PASSWORD="adam-password")
        r = subprocess.run([WARD, "user", "add", "adam", "--role", "admin", "--data", w.data],
                           capture_output=True, text=True, env=env, timeout=30)
        eq(r.returncode, 0, "ward user add: " + r.stderr)
        s = Session(w, "adam", "adam-password", tls_ctx=ctx)
        eq(s.status, 200, "login over HTTPS")
        check("Secure" in s.set_cookie, "Secure cookie under TLS: " + s.set_cookie)
        eq(s.req("GET", "/api/v1/auth/me")[0], 200, "session over HTTPS")
    finally:
        w.cleanup()


if __name__ == "__main__":
    main()
