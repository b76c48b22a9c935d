"""End-to-end tests of /api/v1/search that need no store: parameter validation (400
naming the parameter), the POST body form, method checks, the 503 while the store is
not open, search metrics; and `ward search` against a stand-in HTTP server that answers
canned store JSON (table, pipes table, --json, error exit codes).

The store's own answers (hits, paging, time ranges, pipes) are covered by
pending_search_api.py, which runs once the store is built."""

import http.server
import json
import subprocess
import threading
import urllib.parse

from wardtest import WARD, Ward, test, main, eq, check


class Server:
    def __init__(self):
        self.w = Ward()

    def __enter__(self):
        return self.w.start()

    def __exit__(self, *exc):
        self.w.cleanup()


def get(w, **params):
    st, _, body = w.request("GET", "/api/v1/search?" + urllib.parse.urlencode(params))
    return st, json.loads(body)


def post(w, obj):
    body = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
    st, _, raw = w.request("POST", "/api/v1/search", body, {"Content-Type": "application/json"})
    return st, json.loads(raw)


def bad_param(st_body, param, text):
    st, body = st_body
    eq(st, 400, "status for bad " + param)
    err = body["error"]
    eq(err["type"], "illegal_argument_exception", "type")
    eq(err.get("param"), param, "param named")
    check(text in err["reason"], "%r in %r" % (text, err["reason"]))
    eq(body["status"], 400, "status member")


def store_answer_or_not_open(st_body):
    """A valid request: 200 from the store, or 503 'store not open' in builds without."""
    st, body = st_body
    if st == 503:
        eq(body["error"]["reason"], "store not open", "503 reason")
    else:
        eq(st, 200, "status")


@test
def search_rejects_bad_parameters_naming_them():
    with Server() as w:
        bad_param(get(w, q="*", **{"from": "-15x"}), "from",
                  "bad 'from': column 4: unknown unit: expected s, m, h, d or w")
        bad_param(get(w, to="yesterday"), "to", "bad 'to': column 1: expected an ISO 8601")
        bad_param(get(w, to="2024-13-01"), "to", "impossible date or time")
        bad_param(get(w, **{"from": "now", "to": "-1h"}), "from", "'from' is after 'to'")
        for lim in ("10001", "abc", "-1", ""):
            bad_param(get(w, limit=lim), "limit", "expected an integer from 0 (count only) to 10000")
        bad_param(post(w, {"limit": "10"}), "limit", "expected an integer")
        bad_param(post(w, {"limit": 20000}), "limit", "from 0 (count only) to 10000")
        bad_param(post(w, {"q": 5}), "q", "expected a string")
        bad_param(post(w, {"size": 5}), "body", "unknown member 'size'")
        bad_param(post(w, "[1]"), "body", "expected a JSON object")
        bad_param(post(w, '{"q":'), "body", "invalid JSON at byte")
        bad_param(post(w, {"from": True}), "from", "expected a string")
        eq(w.metric("ward_search_errors_total", reason="param"), 15, "param errors counted")


@test
def search_valid_requests_reach_the_store():
    with Server() as w:
        store_answer_or_not_open(get(w))
        store_answer_or_not_open(get(w, q="", limit="10000"))
        store_answer_or_not_open(get(w, q="*", **{"from": "2024-05-01T00:00:00Z",
                                                  "to": "now-1m"}))
        store_answer_or_not_open(get(w, **{"from": "1700000000", "to": "1700000000123"}))
        store_answer_or_not_open(post(w, {"q": "*", "from": "-7d", "to": None, "limit": 5,
                                          "cursor": None}))
        store_answer_or_not_open(post(w, {"from": 1700000000}))
        store_answer_or_not_open(post(w, ""))
        eq(w.metric("ward_search_requests_total"), 7, "requests counted")
        eq(w.metric("ward_search_duration_seconds_count"), 7, "durations observed")
        st, _, _ = w.request("DELETE", "/api/v1/search")
        eq(st, 405, "DELETE")


class FakeApi(http.server.BaseHTTPRequestHandler):
    """Answers /api/v1/search with canned JSON chosen by q (records the request)."""
    protocol_version = "HTTP/1.1"
    seen = []
    answers = {
        "*": (200, {"total": 2, "took_ms": 1, "next_cursor": "c2", "hits": [
            {"_id": "2", "_index": "events-20240501", "_source": {
                "utctimestamp": "2024-05-01T10:00:01+00:00", "hostname": "web1",
                "category": "authentication", "summary": "login failed for bob"}},
            {"_id": "1", "_index": "events-20240501", "_source": {
                "utctimestamp": "2024-05-01T10:00:00.123456+00:00", "hostname": "db1",
                "category": "UNKNOWN", "source": "syslog", "summary": "x" * 300}}]}),
        "* | stats count() by hostname": (200, {"took_ms": 1, "columns": ["hostname", "count()"],
                                                "rows": [["web1", 12], ["database-01", 3]]}),
        "* | top 2 q": (200, {"took_ms": 1, "columns": ["q", "count", "percent", "avg(d)"],
                              "rows": [["a", 7, 77.32142857142857, 1e-07],
                                       ["b", 2, 22.5, 67051.7559818074]]}),
        "* | fields ts": (200, {"took_ms": 1, "columns": ["ts"], "rows": [[1767225600.1234567]]}),
        "[": (400, {"error": {"type": "query_parse_error", "reason":
                              "column 1: expected a term", "column": 1}, "status": 400}),
    }

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        FakeApi.seen.append((u.path, {k: v[0] for k, v in q.items()}))
        st, obj = self.answers.get(q.get("q", [""])[0], (500, {"error": {"reason": "?"}}))
        body = json.dumps(obj).encode()
        self.send_response(st)
        self.send_header("Content-Type", "application/json")
        if q.get("q", [""])[0] == "*":  # one answer chunked, the others with a length
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 100):
                part = body[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *a):
        pass


def ward_search(port, *args):
    return subprocess.run([WARD, "search", "--url", "http://127.0.0.1:%d/" % port] + list(args),
                          capture_output=True, text=True, timeout=30)


@test
def cli_search_prints_tables_json_and_errors():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    port = srv.server_address[1]
    try:
        r = ward_search(port, "*", "--from", "-1h", "--limit", "2")
        eq(r.returncode, 0, "exit status: " + r.stderr)
        eq(FakeApi.seen[-1], ("/api/v1/search", {"q": "*", "from": "-1h", "limit": "2"}),
           "request")
        lines = r.stdout.splitlines()
        check(lines[0].split() == ["UTCTIMESTAMP", "HOSTNAME", "CATEGORY", "SUMMARY"],
              lines[0])
        check(lines[1].startswith("2024-05-01T10:00:01+00:00") and "web1" in lines[1] and
              "authentication" in lines[1] and lines[1].endswith("login failed for bob"),
              lines[1])
        check("db1" in lines[2] and "syslog" in lines[2], "source when category is UNKNOWN")
        check(len(lines[2]) <= 120 and lines[2].endswith("\u2026"), "summary cut to 120")
        eq(lines[3], "-- 2 hits shown of 2; next page: --cursor c2", "footer")
        r = ward_search(port, "* | stats count() by hostname")
        eq(r.returncode, 0, "pipes exit status")
        eq(r.stdout.splitlines(), ["hostname     count()", "web1              12",
                                   "database-01        3", "-- 2 rows"], "pipes table")
        r = ward_search(port, "* | top 2 q")
        eq(r.stdout.splitlines(), ["q  count  percent    avg(d)",
                                   "a      7  77.321429         1e-07",
                                   "b      2       22.5  67051.755982", "-- 2 rows"],
           "computed fractions cut to six decimals, exponents and short ones as sent")
        r = ward_search(port, "* | fields ts")
        eq(r.stdout.splitlines()[1], "1767225600.1234567", "an event's value keeps its digits")
        r = ward_search(port, "--json", "* | stats count() by hostname")
        eq(json.loads(r.stdout)["rows"][0], ["web1", 12], "--json is the raw answer")
        r = ward_search(port, "[")
        eq(r.returncode, 1, "4xx exit status")
        eq(r.stderr.strip(), "ward: HTTP 400: column 1: expected a term", "server message")
        r = ward_search(port, "--limit", "x")
        eq(r.returncode, 2, "usage error")
        r = ward_search(port, "a", "b")
        eq(r.returncode, 2, "two queries")
    finally:
        srv.shutdown()
        srv.server_close()
    r = ward_search(port, "*")
    eq(r.returncode, 1, "connection refused")
    check("cannot connect" in r.stderr, r.stderr)
    r = subprocess.run([WARD, "search", "--help"], capture_output=True, text=True, timeout=30)
    eq(r.returncode, 0, "--help")
    check(r.stdout.startswith("usage: ward search"), "usage")


if __name__ == "__main__":
    main()
