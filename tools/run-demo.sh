#!/bin/sh
# run-demo.sh: `make run`. Starts `ward serve` on its embedded defaults (data in
# ./ward-data, HTTP on 127.0.0.1:8080, syslog on 127.0.0.1:5514), loads demo data from
# the generator on first start, prints the URL and stays in the foreground (Ctrl-C stops).
set -eu
WARD=${1:-./ward}
DATA=${WARD_DATA:-ward-data}
fresh=0
[ -d "$DATA/wal" ] || fresh=1
"$WARD" serve --data "$DATA" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM
for _ in $(seq 1 100); do
    python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8080/status", timeout=1)' 2>/dev/null && break
    kill -0 $pid 2>/dev/null || { echo "ward did not start (is port 8080 or 5514 in use?)"; exit 1; }
    sleep 0.1
done
if [ $fresh = 1 ]; then
    echo "loading demo data (Zeek, sshd/sudo syslog with a brute-force burst, CloudTrail)..."
    start=$(( $(date +%s) - 3600 ))
    for kind in zeek-mix syslog cloudtrail; do
        "$WARD" gen --kind $kind --format mozdef --count 3000 --seed 7 --start "@$start" --rate 1
    done | python3 -c '
import sys, urllib.request
lines = sys.stdin.buffer.read().splitlines(keepends=True)
for i in range(0, len(lines), 1000):
    body = b"".join(lines[i:i + 1000])
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8080/_bulk", data=body,
        headers={"Content-Type": "application/x-ndjson"}), timeout=60).read()
print("loaded %d demo events" % len(lines))'
fi
cat <<MSG

ward is running: http://127.0.0.1:8080/   (Ctrl-C stops it)
  search:         ./ward search 'summary:"failed password"' --from -2h
                  ./ward search 'details.sourceipaddress:"10.0.0.0/8" AND source:ssh'
                  ./ward search 'sshd AND failed | stats count() by details.sourceipaddress'
                  curl 'http://127.0.0.1:8080/api/v1/search?q=source:dns&limit=5'
  live tail:      ./ward tail 'source:auth'
  alerts:         curl 'http://127.0.0.1:8080/api/v1/alerts?limit=5'
                  curl http://127.0.0.1:8080/api/v1/rules     (rules in ./rules, reload: kill -HUP $pid)
  send an event:  curl -d '{"summary":"hello","hostname":"me"}' http://127.0.0.1:8080/events
  syslog:         logger -n 127.0.0.1 -P 5514 -T "hello from logger"
  metrics:        curl http://127.0.0.1:8080/metrics
MSG
wait $pid
