#!/bin/sh
# bench-engine.sh: detection benchmarks (part of `make bench`).
#  1. bench_engine: events/s through the engine on one core with 0, 100 and 1000 rules,
#     against the brute-force evaluator in the same process (tests/bench/bench_engine.c).
#  2. alert latency end to end: `ward serve` with the shipped rules plus synthetic ones
#     (100 in all), a background load of generator events, and probe events whose alert
#     is timed from the HTTP acknowledgement to its arrival on the alert stream.
# Environment: BUILD, BENCH_ENGINE_EVENTS (default 500000), BENCH_SIGMA_EVENTS (400000),
# BENCH_PROBES (300),
# BENCH_BG_EPS (background events/s, 20000).
set -eu
. tools/bench/lib.sh # ward_start
BUILD=${BUILD:-build}
WARD=$PWD/$BUILD/ward
"$BUILD/bench/bench_engine" "${BENCH_ENGINE_EVENTS:-500000}"
#  3. bench_sigma: the whole SigmaHQ corpus (../shared/testdata/sigma, or SIGMA_DIR) over
#     Windows, Linux and Zeek events, against brute force (tests/bench/bench_sigma.c).
echo
"$BUILD/bench/bench_sigma" "${BENCH_SIGMA_EVENTS:-400000}"

tmp=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir -p "$tmp/rules"
cp -r rules/mozdef rules/zeek "$tmp/rules/"
cat > "$tmp/rules/probe.yaml" <<'YAML'
name: LatencyProbe
query: 'category:latencyprobe'
summary: 'probe {details.probe}'
YAML
have=$("$WARD" rules check "$tmp/rules" | sed -n 's/^\([0-9]*\) rules.*/\1/p')
i=$have
while [ "$i" -lt 100 ]; do
    printf -- "---\nname: Synthetic%d\nquery: 'source:dns AND details.query:\"ioc%d.example\"'\nsummary: '{hostname}'\n" "$i" "$i"
    i=$((i + 1))
done > "$tmp/rules/synthetic.yaml"
"$WARD" rules check "$tmp/rules" | tail -n 1
"$WARD" gen --kind mix --format mozdef --count 200000 --seed 3 > "$tmp/bg.ndjson"
WARD_TOKEN=bench_$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
export WARD_TOKEN # alert_latency.py sends it
ward_start "$tmp/ward.log" --data "$tmp/data" --http 127.0.0.1:0 --set syslog.udp=false \
    --set syslog.tcp=false --set rules.path="$tmp/rules" --set auth.bootstrap_token="$WARD_TOKEN"
pid=$ward_pid
python3 tools/bench/alert_latency.py "$port" "$tmp/bg.ndjson" "${BENCH_PROBES:-300}" "${BENCH_BG_EPS:-20000}"
echo "alert latency: goal p99 <= 1000 ms (MozDef ran each alert once a minute: up to 60000 ms)"
