#!/bin/sh
# bench-console.sh [N]: how fast the console's Search page is over N stored events
# (default 2,000,000): starts ward with a temporary data directory, loads N events from
# the generator (zeek-mix, one simulated day), then tools/bench/console.mjs times the
# page in headless chromium (playwright-core from tests/browser/) from navigation to the
# results and the histogram drawn. Needs chromium and `make deps` (npm install).
set -eu
N=${1:-2000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WARD=${WARD:-$ROOT/ward}
. "$ROOT/tools/bench/lib.sh"
tmp=$(mktemp -d)
trap 'kill $ward_pid 2>/dev/null; wait $ward_pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
WARD_PASSWORD=bench-password "$WARD" user add bench --role admin --data "$tmp/data" >/dev/null
ward_start "$tmp/ward.log" --data "$tmp/data" --http 127.0.0.1:0 --set syslog.udp=false \
    --set syslog.tcp=false --set rules.enabled=false
start=$(( $(date +%s) - 86400 ))
rate=$(python3 -c "print($N / 86400)")
t0=$(date +%s)
"$WARD" gen --kind zeek-mix --format mozdef --count "$N" --start "@$start" --rate "$rate" |
    python3 -c '
import http.client, os, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=600)
buf = []
def send():
    c.request("POST", "/_bulk", b"".join(buf), {"Content-Type": "application/x-ndjson"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
    buf.clear()
for line in sys.stdin.buffer:
    buf.append(line)
    if len(buf) == 5000:
        send()
if buf:
    send()' "$port"
# (the store also holds the audit event of `ward user add`)
until [ "$(curl -s -H "Authorization: Bearer $WARD_TOKEN" \
    "http://127.0.0.1:$port/api/v1/search?limit=0&q=NOT+category:audit" |
    sed -n 's/.*"total":\([0-9]*\).*/\1/p')" = "$N" ]; do sleep 1; done
echo "loaded $N events in $(( $(date +%s) - t0 )) s"
cd "$ROOT/tests/browser"
cp "$ROOT/tools/bench/console.mjs" "$tmp/console.mjs"
NODE_PATH="$ROOT/tests/browser/node_modules" WARD_URL="http://127.0.0.1:$port" \
    node --input-type=module -e "$(cat "$ROOT/tools/bench/console.mjs")"
