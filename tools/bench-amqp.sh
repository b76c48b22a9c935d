#!/bin/sh
# bench-amqp.sh: the AMQP benchmark of `make bench` (called by run-bench.sh). Starts a
# private RabbitMQ (tests/integration/rabbit.py: Debian's rabbitmq-server, own ports and
# directories), then in the same run:
#  1. RabbitMQ's own durable publish rate: `ward amqp publish` of N generator events
#     (zeek-conn JSON, one per message) as persistent messages into the durable queue
#     `eventtask`, with publisher confirms (windows of 1000);
#  2. ward's consume rate to durable: `ward serve` with amqp.input.enabled (fsync'd WAL),
#     timed from the input's connection until ward_amqp_in_acked_total reaches N (every
#     message committed to the WAL and acknowledged), for each prefetch in
#     BENCH_AMQP_PREFETCH;
# and prints the ratio. Environment: BUILD, BENCH_AMQP_EVENTS (default 200000),
# BENCH_AMQP_PREFETCH (default "1000 5000").
set -eu
BUILD=${BUILD:-build}
if [ -z "${WARD_AMQP_URL:-}" ]; then
    if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
        echo "amqp bench: rabbitmq-server not installed (make deps installs it); skipped"
        exit 0
    fi
    exec python3 tests/integration/rabbit.py "$0" "$@"
fi
N=${BENCH_AMQP_EVENTS:-200000}
PREFETCH=${BENCH_AMQP_PREFETCH:-1000 5000}
WARD=$PWD/$BUILD/ward
tmp=$(mktemp -d)
ward_pid=""
cleanup() {
    [ -n "$ward_pid" ] && kill "$ward_pid" 2>/dev/null && wait "$ward_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. tools/bench/lib.sh # ward_start

metric() {
    curl -s -H "Authorization: Bearer $WARD_TOKEN" "http://127.0.0.1:$port/metrics" |
        awk -v m="$1" '$1 == m {print $2}'
}

echo "amqp: generating $N zeek-conn JSON events (ward gen, seed 1)..."
"$WARD" gen --kind zeek-conn --format json --count "$N" --seed 1 > "$tmp/conn.ndjson"
echo "amqp: $(wc -c < "$tmp/conn.ndjson") bytes, rabbitmq-server $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?')"
for pf in $PREFETCH; do
    "$WARD" amqp declare --exchange eventtask --queue eventtask --routing-key eventtask > /dev/null
    pub=$("$WARD" amqp publish --window 1000 "$tmp/conn.ndjson" 2>&1 | tail -1)
    echo "rabbitmq publish (persistent, confirms): $pub"
    pub_rate=$(echo "$pub" | sed -n 's/.*(\([0-9]*\) messages\/s).*/\1/p')
    rm -rf "$tmp/ward"
    ward_start "$tmp/ward.log" --data "$tmp/ward" --http 127.0.0.1:0 --set syslog.udp=false \
        --set syslog.tcp=false --set amqp.input.enabled=true --set amqp.url="$WARD_AMQP_URL" \
        --set amqp.input.prefetch="$pf"
    # one poller process: waits for the connection, then times until N are acked
    secs=$(python3 - "$port" "$N" <<'PY'
import os, sys, time, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
req = urllib.request.Request("http://127.0.0.1:%s/metrics" % port,
                             headers={"Authorization": "Bearer " + os.environ["WARD_TOKEN"]})
def metric(name):
    for line in urllib.request.urlopen(req, timeout=10).read().decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0
deadline = time.monotonic() + 600
while metric("ward_amqp_in_connected") != 1 and time.monotonic() < deadline:
    time.sleep(0.005)
t0 = time.monotonic()
while metric("ward_amqp_in_acked_total") < n and time.monotonic() < deadline:
    time.sleep(0.01)
print("%.3f" % (time.monotonic() - t0) if time.monotonic() < deadline else "timeout")
PY
)
    [ "$secs" != timeout ] || { echo "amqp bench: not all acked within 600 s"; exit 1; }
    stored=$(metric 'ward_events_accepted_total{input="amqp"}')
    kill "$ward_pid"; wait "$ward_pid" 2>/dev/null || true; ward_pid=""
    awk -v n="$N" -v s="$secs" -v pub="$pub_rate" -v pf="$pf" -v st="$stored" 'BEGIN {
        r = n / s;
        printf "ward amqp consume to durable (prefetch %d, wal.durability=fsync): %d messages acked, %d events in the WAL, %.3f s, %.0f messages/s\n", pf, n, st, s, r;
        printf "ratio ward consume / rabbitmq publish: %.2f\n", r / pub }'
done
