#!/bin/sh
# bench-replay.sh: the store's replay rate, without HTTP: how fast `ward serve` rebuilds
# the store from a write-ahead log it finds at start (after a crash, or a store deleted
# to rebuild it). Loads EVENTS (NDJSON) once through POST /_bulk with
# store.truncate_wal=false, kills ward with SIGKILL, and keeps that data directory
# without its store/ (and state.db); detection keeps its own checkpoint (alerts/engine.seq)
# and resumes where the load left it, so the figure is the store's replay. Then, RUNS
# times, starts each WARD binary on a fresh copy of it and times the start until every
# event is searchable (GET /api/v1/search?q=*&limit=0), printing seconds, events/s and
# the CPU seconds of each thread group. The binaries alternate, so a busy host affects
# them alike.
#   tools/bench-replay.sh EVENTS [WARD...]   (default: $BUILD/ward)
# Environment: BUILD (build), RUNS (2), BENCH_CONNS (8).
set -eu
BUILD=${BUILD:-build}
RUNS=${RUNS:-2}
CONNS=${BENCH_CONNS:-8}
[ $# -ge 1 ] || { echo "usage: tools/bench-replay.sh EVENTS [WARD...]" >&2; exit 2; }
events=$1
shift
[ $# -ge 1 ] || set -- "$PWD/$BUILD/ward"
n=$(wc -l < "$events")
tmp=$(mktemp -d)
ward_pid=""
cleanup() {
    [ -n "$ward_pid" ] && kill -9 "$ward_pid" 2>/dev/null && wait "$ward_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. tools/bench/lib.sh # ward_start

WARD=$1
ward_start "$tmp/load.log" --data "$tmp/base" --http 127.0.0.1:0 --syslog 127.0.0.1:0 \
    --set store.truncate_wal=false
"$BUILD/bench/bench_http_bulk" --port "$port" --conns "$CONNS" --batch 2000 "$events" > /dev/null
kill -9 "$ward_pid"
wait "$ward_pid" 2>/dev/null || true
ward_pid=""
rm -rf "$tmp/base/store" "$tmp/base"/state.db*
sync
echo "replay: $n events in the WAL ($(du -sh "$tmp/base/wal" | cut -f1)), $RUNS runs of: $*"

searchable() { # polls (bounded: 600 s) until the server on $port reports $n events
    python3 - "$port" "$n" <<'PY'
import json, os, sys, time, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
url = ("http://127.0.0.1:%s/api/v1/search?q=*&limit=0"
       "&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z" % port)
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + os.environ["WARD_TOKEN"]})
t0 = time.time()
while time.time() - t0 < 600:
    try:
        if json.load(urllib.request.urlopen(req))["total"] >= n:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.02)
sys.exit("not searchable after 600 s")
PY
}

cpu() { # per thread name: user+system seconds of ward_pid's threads
    for t in /proc/"$ward_pid"/task/*; do
        c=$(cat "$t/comm")
        set -- $(cut -d')' -f2 "$t/stat")
        echo "$c $((${12} + ${13}))"
    done | awk '{s[$1] += $2} END {for (k in s) if (s[k] >= 5) printf " %s %.2f", k, s[k] / 100}'
}

for r in $(seq 1 "$RUNS"); do
    for WARD in "$@"; do
        rm -rf "$tmp/run"
        cp -a "$tmp/base" "$tmp/run"
        t0=$(date +%s.%N)
        ward_start "$tmp/run.log" --data "$tmp/run" --http 127.0.0.1:0 --syslog 127.0.0.1:0
        searchable
        t1=$(date +%s.%N)
        echo "run $r $WARD: $(echo "$t1 - $t0" | bc) s, $(echo "$n / ($t1 - $t0)" | bc) events/s; CPU s:$(cpu)"
        kill "$ward_pid"
        wait "$ward_pid" 2>/dev/null || true
        ward_pid=""
    done
done
