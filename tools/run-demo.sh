#!/bin/sh
# run-demo.sh: `make run`. Starts `ward serve` on its embedded defaults (data in
# ./ward-data, HTTP on 127.0.0.1:8080, syslog on 127.0.0.1:5514), loads demo data from
# the generator on first start (with a first admin user and API token), prints the URL and stays in the foreground (Ctrl-C stops).
set -eu
WARD=${1:-./ward}
DATA=${WARD_DATA:-ward-data}
fresh=0
[ -d "$DATA/wal" ] || fresh=1
if [ $fresh = 1 ]; then
    # The first admin (docs/security.md) and a token for the CLI and curl, shown once.
    pass=$(od -An -tx1 -N9 /dev/urandom | tr -d ' \n')
    WARD_PASSWORD=$pass "$WARD" user add admin --role admin --data "$DATA" >/dev/null
    "$WARD" token add --name demo --scopes admin --data "$DATA" > "$DATA/demo-token"
    chmod 600 "$DATA/demo-token"
fi
WARD_TOKEN=$(cat "$DATA/demo-token" 2>/dev/null || true)
export WARD_TOKEN
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
  console:        open http://127.0.0.1:8080/ and log in as admin${pass:+ with password $pass}
                  (more users: ./ward user add NAME --role analyst --data $DATA)
  API token:      export WARD_TOKEN=\$(cat $DATA/demo-token)   (the CLI and curl below use it)
  search:         ./ward search 'summary:"failed password"' --from -2h
                  ./ward search 'details.sourceipaddress:"10.0.0.0/8" AND source:ssh'
                  ./ward search 'sshd AND failed | stats count() by details.sourceipaddress'
                  curl -H "Authorization: Bearer \$WARD_TOKEN" 'http://127.0.0.1:8080/api/v1/search?q=source:dns&limit=5'
  live tail:      ./ward tail 'source:auth'
  alerts:         curl -H "Authorization: Bearer \$WARD_TOKEN" 'http://127.0.0.1:8080/api/v1/alerts?limit=5'
                  curl -H "Authorization: Bearer \$WARD_TOKEN" http://127.0.0.1:8080/api/v1/rules     (rules in ./rules, reload: kill -HUP $pid)
  send an event:  curl -d '{"summary":"hello","hostname":"me"}' http://127.0.0.1:8080/events
  syslog:         logger -n 127.0.0.1 -P 5514 -T "hello from logger"
  metrics:        curl -H "Authorization: Bearer \$WARD_TOKEN" http://127.0.0.1:8080/metrics
MSG
wait $pid
