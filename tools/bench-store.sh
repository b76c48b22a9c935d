#!/bin/sh
# bench-store.sh: store and search benchmark, called by tools/run-bench.sh (`make bench`).
# Loads the same `ward gen` Zeek NDJSON (MozDef form) into ward and into peers, one after
# the other on 127.0.0.1 with temporary directories: ClickHouse (Debian's 18.16 server,
# own config; loaded twice, raw + MATERIALIZED columns, then FORMAT JSONEachRow into typed
# columns for a load rate and size line of its own), SQLite FTS5 (python3's sqlite3) and
# DuckDB (@duckdb/node-api from npm); measures load rate, bytes on disk and warm query
# times (needle IP / uid, count by, top 10, 1 h histogram, phrase), and prints a table
# with ward's ratio to the best peer.
# Helpers: tools/bench/*.py, tools/bench/duckdb_bench.mjs. Environment:
#   BUILD                   build directory (default build)
#   BENCH_STORE_EVENTS      events (default 10000000); data is cached in
#                           $BUILD/bench-data/ keyed by count and seed
#   BENCH_STORE_SEED        generator seed (default 1)
#   BENCH_STORE_PEERS       systems to run (default "ward clickhouse sqlite duckdb")
#   BENCH_WARD_ARGS         extra `ward serve` arguments (e.g. "--set store.search_threads=1")
#   BENCH_STORE_NORULES     1 (default): a second ward load with detection off (load rate
#                           and size only, the like-for-like line against the peers); 0 skips
#   BENCH_STORE_PHRASE      two-word phrase searched in summary (default "MX type")
#   BENCH_STORE_<SYS>_EVENTS  load only the first N events into SYS (CLICKHOUSE, SQLITE,
#                           DUCKDB), for a peer too slow at full size; 0 = all. Default 0,
#                           except SQLite: 2000000 (it loads 10M in ~10 min here, see
#                           docs/BENCHMARKS.md); its figures are then over that subset.
#   BENCH_CONNS             ward bulk connections (default 8); BENCH_CH_CONNS ClickHouse
#                           INSERT connections (default 4)
set -eu
BUILD=${BUILD:-build}
N=${BENCH_STORE_EVENTS:-10000000}
SEED=${BENCH_STORE_SEED:-1}
PEERS=${BENCH_STORE_PEERS:-ward clickhouse sqlite duckdb}
PHRASE=${BENCH_STORE_PHRASE:-MX type}
CONNS=${BENCH_CONNS:-8}
CH_CONNS=${BENCH_CH_CONNS:-4}
SQLITE_EVENTS=${BENCH_STORE_SQLITE_EVENTS:-2000000}
[ "$SQLITE_EVENTS" -ge "$N" ] && SQLITE_EVENTS=0
ROOT=$PWD
H=$ROOT/tools/bench
WARD=$ROOT/$BUILD/ward
DATA=$ROOT/$BUILD/bench-data
NODE_DIR=$ROOT/$BUILD/bench-node
DUCKDB_PKG=@duckdb/node-api@1.5.6-r.1

mkdir -p "$DATA"
tmp=$(mktemp -d "$DATA/run.XXXXXX")
res=$tmp/results
mkdir -p "$res"
ward_pid=""
ch_pid=""
stop_pid() { # stop_pid PID: TERM, wait up to 30 s, then KILL
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    [ -n "$ward_pid" ] && stop_pid "$ward_pid"
    [ -n "$ch_pid" ] && stop_pid "$ch_pid"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
want() { case " $PEERS " in *" $1 "*) return 0 ;; esac; return 1; }
# free_port, ch_start
. "$H/lib.sh"
elapsed() { echo "[$(($(date +%s) - t_start)) s]"; }
t_start=$(date +%s)

# --- data: generated once per (count, seed), one simulated day whatever the count ---
rate=$(awk -v n="$N" 'BEGIN { r = n / 86400; if (r < 0.001) r = 0.001; printf "%.3f", r }')
cache=$DATA/zeek-mix-mozdef-n$N-s$SEED
events=$cache/events.ndjson
needles=$cache/needles.json
if [ ! -f "$cache/done" ]; then
    [ -x "$WARD" ] || { echo "bench-store: $WARD missing (make all)"; exit 1; }
    rm -rf "$cache"
    mkdir -p "$cache"
    echo "store bench: generating $N events: ward gen --kind zeek-mix --format mozdef --count $N --seed $SEED --rate $rate"
    "$WARD" gen --kind zeek-mix --format mozdef --count "$N" --seed "$SEED" --rate "$rate" > "$events.tmp"
    mv "$events.tmp" "$events"
    python3 "$H/needles.py" "$events" "$PHRASE" "$needles"
    echo "ward gen --kind zeek-mix --format mozdef --count $N --seed $SEED --rate $rate" > "$cache/done"
fi
if ! python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["phrase"] != sys.argv[2])' "$needles" "$PHRASE"; then
    python3 "$H/needles.py" "$events" "$PHRASE" "$needles"
fi
raw=$(wc -c < "$events")
echo "store bench: $N events, $raw raw bytes, $(cat "$cache/done") $(elapsed)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
avail_kb=$(df -Pk "$DATA" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt $((raw / 1024 * 3 / 2)) ]; then
    echo "store bench: warning: $avail_kb KiB free under $DATA; SQLite alone needs about 1.4x the raw $raw bytes"
fi
sync # the generated input may be dirty page cache: flush it now, not during a load

# --- ward: as shipped (detection on), then once more for the load alone with detection
# off (ward_norules: the peers store without detecting anything) ---
ward_run() { # ward_run NAME [serve args...]: one ward load (+ queries unless WARD_LOAD_ONLY=1)
    name=$1
    shift
    if [ ! -x "$ROOT/$BUILD/bench/bench_http_bulk" ]; then
        echo "ward: $BUILD/bench/bench_http_bulk missing (make bench builds it)" | tee "$res/$name.status"
    else
        : > "$tmp/ward.log"
        # the search API needs a token (docs/security.md): one for this run
        WARD_TOKEN=bench_$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
        export WARD_TOKEN
        "$WARD" serve --data "$tmp/ward" --http 127.0.0.1:0 --syslog 127.0.0.1:0 \
            --set auth.bootstrap_token="$WARD_TOKEN" --set log.level=info ${BENCH_WARD_ARGS:-} \
            "$@" 2> "$tmp/ward.log" &
        ward_pid=$!
        port=""
        i=0
        while [ -z "$port" ] && [ $i -lt 200 ] && kill -0 "$ward_pid" 2>/dev/null; do
            port=$(sed -n 's/.*listening http=http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$tmp/ward.log" || true)
            [ -n "$port" ] || sleep 0.05
            i=$((i + 1))
        done
        if [ -z "$port" ]; then
            cat "$tmp/ward.log"
            echo "ward: did not start" | tee "$res/$name.status"
        else
            rc=0
            python3 "$H/ward_side.py" "$port" "$tmp/ward" "$events" "$needles" "$res/$name.json" \
                "$ROOT/$BUILD/bench/bench_http_bulk" "$CONNS" || rc=$?
            if [ $rc = 3 ]; then
                echo "ward: store not available in this build" | tee "$res/$name.status"
            elif [ $rc != 0 ]; then
                tail -20 "$tmp/ward.log"
                echo "ward: failed (exit $rc)" | tee "$res/$name.status"
            fi
        fi
        stop_pid "$ward_pid"
        ward_pid=""
        rm -rf "$tmp/ward"
    fi
    echo "$name: done $(elapsed)"
}
if want ward; then
    ward_run ward
    [ "${BENCH_STORE_NORULES:-1}" = 0 ] || WARD_LOAD_ONLY=1 ward_run ward_norules --set rules.enabled=false
fi

# --- ClickHouse ---
if want clickhouse; then
    CH=/usr/bin/clickhouse-server
    [ -x "$CH" ] || CH=/usr/sbin/clickhouse-server
    if [ ! -x "$CH" ] && [ "$(id -u)" = 0 ]; then
        echo "clickhouse: installing Debian's clickhouse-server clickhouse-client"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            clickhouse-server clickhouse-client > "$tmp/apt.log" 2>&1 || tail -5 "$tmp/apt.log"
    fi
    if [ ! -x "$CH" ]; then
        echo "clickhouse: clickhouse-server not installed (make deps installs it)" | tee "$res/clickhouse.status"
    else
        d=$tmp/ch
        if ! ch_start "$d"; then
            echo "clickhouse: server did not answer /ping" | tee "$res/clickhouse.status"
        elif ! python3 "$H/clickhouse.py" "$http_port" "$d/data" "$events" "$needles" "$res/clickhouse.json" \
            "$CH_CONNS" "${BENCH_STORE_CLICKHOUSE_EVENTS:-0}"; then
            tail -5 "$d/error.log" 2>/dev/null || true
            echo "clickhouse: failed" | tee "$res/clickhouse.status"
        fi
        stop_pid "$ch_pid"
        ch_pid=""
        rm -rf "$d"
    fi
    echo "clickhouse: done $(elapsed)"
fi

# --- SQLite FTS5 ---
if want sqlite; then
    mkdir -p "$tmp/sqlite"
    python3 "$H/sqlite_fts.py" "$tmp/sqlite/events.db" "$events" "$needles" "$res/sqlite.json" \
        "$SQLITE_EVENTS" || echo "sqlite: failed" | tee "$res/sqlite.status"
    rm -rf "$tmp/sqlite"
    echo "sqlite: done $(elapsed)"
fi

# --- DuckDB (optional: needs Node.js and the npm package) ---
if want duckdb; then
    if ! command -v node > /dev/null 2>&1 || ! command -v npm > /dev/null 2>&1; then
        echo "duckdb: skipped: Node.js/npm not installed" | tee "$res/duckdb.status"
    else
        if [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
            echo "duckdb: npm install --prefix $NODE_DIR $DUCKDB_PKG"
            mkdir -p "$NODE_DIR"
            npm install --prefix "$NODE_DIR" --no-audit --no-fund "$DUCKDB_PKG" > "$tmp/npm.log" 2>&1 ||
                tail -5 "$tmp/npm.log"
        fi
        if [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
            echo "duckdb: skipped: npm install $DUCKDB_PKG failed" | tee "$res/duckdb.status"
        else
            mkdir -p "$tmp/duckdb"
            BENCH_NODE_DIR=$NODE_DIR node "$H/duckdb_bench.mjs" "$tmp/duckdb/events.duckdb" "$events" "$needles" \
                "$res/duckdb.json" "${BENCH_STORE_DUCKDB_EVENTS:-0}" ||
                echo "duckdb: failed" | tee "$res/duckdb.status"
            rm -rf "$tmp/duckdb"
        fi
    fi
    echo "duckdb: done $(elapsed)"
fi

# --- table ---
rm -rf "$DATA/last-results"
cp -r "$res" "$DATA/last-results"
rc=0
python3 "$H/report.py" "$res" "$needles" "$DATA/last-results/table.md" || rc=$?
echo "store bench: $(elapsed) in all; results in $DATA/last-results/"
exit $rc
