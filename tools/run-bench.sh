#!/bin/sh
# run-bench.sh: `make bench`. Ingest benchmark: HTTP /_bulk of generator Zeek conn
# NDJSON into ward's durable WAL (fsync'd group commit), and rsyslog (Debian) on the same
# events over TCP syslog -> mmjsonparse -> file, in the same run; prints both rates and
# their ratio. Environment: BUILD, BENCH_EVENTS (default 1000000), BENCH_CONNS (8).
# Then the store and search benchmark against ClickHouse, SQLite FTS5 and DuckDB
# (tools/bench-store.sh; BENCH_STORE=0 skips it, BENCH_STORE_EVENTS sizes it), after the
# detection benchmarks (tools/bench-engine.sh, with the Sigma corpus benchmark;
# BENCH_ENGINE=0 skips them).
set -eu
BUILD=${BUILD:-build}
N=${BENCH_EVENTS:-1000000}
CONNS=${BENCH_CONNS:-8}
WARD=$PWD/$BUILD/ward
tmp=$(mktemp -d)
ward_pid=""
rs_pid=""
cleanup() {
    [ -n "$ward_pid" ] && kill "$ward_pid" 2>/dev/null && wait "$ward_pid" 2>/dev/null
    [ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
store_bench() {
    rm -f "$tmp/conn.ndjson"
    if [ "${BENCH_ENGINE:-1}" != 0 ]; then
        echo
        BUILD=$BUILD tools/bench-engine.sh
    fi
    if [ "${BENCH_STORE:-1}" = 0 ]; then
        echo "store bench: skipped (BENCH_STORE=0)"
        return 0
    fi
    echo
    BUILD=$BUILD tools/bench-store.sh
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "generating $N zeek-conn JSON events (ward gen, seed 1)..."
"$WARD" gen --kind zeek-conn --format json --count "$N" --seed 1 > "$tmp/conn.ndjson"
echo "input: $(wc -c < "$tmp/conn.ndjson") bytes"
sync # the input file is dirty page cache: flush it now, not during the WAL fsyncs

# --- single-core stages (no peers: context for the end-to-end figure) ---
"$BUILD/bench/bench_norm"
[ -x "$BUILD/bench/bench_json" ] && "$BUILD/bench/bench_json"
[ -x "$BUILD/bench/bench_crc" ] && "$BUILD/bench/bench_crc" # WAL record checksums
[ -x "$BUILD/bench/bench_agg" ] && "$BUILD/bench/bench_agg"
[ -x "$BUILD/bench/bench_plugins" ] && "$BUILD/bench/bench_plugins" 400000 plugins # Lua plugins
[ -x "$BUILD/bench/bench_enrich" ] && "$BUILD/bench/bench_enrich" 1000000 # enrichment cost
[ -x "$BUILD/bench/bench_resp" ] && "$BUILD/bench/bench_resp" 1000000 # watch-list scan, CIDR merge, feed

# --- ward ---
. tools/bench/lib.sh # ward_start
ward_start "$tmp/ward.log" --data "$tmp/ward" --http 127.0.0.1:0 --set syslog.udp=false \
    --set store.truncate_wal=false --set syslog.tcp=false --set log.level=info
echo "ward: POST /_bulk, $CONNS connections, 2000 events per request, wal.durability=fsync"
ward_out=$("$BUILD/bench/bench_http_bulk" --port "$port" --conns "$CONNS" --batch 2000 "$tmp/conn.ndjson")
echo "ward: $ward_out"
ward_rate=$(echo "$ward_out" | sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p')
stored=$("$WARD" wal dump "$tmp/ward/wal" | wc -l)
echo "ward: events in the WAL: $stored"
kill "$ward_pid"; wait "$ward_pid" 2>/dev/null || true; ward_pid=""

# --- Zeek TSV: parser, and conn.log file -> stored (tools/bench-zeek.sh) ---
BUILD=$BUILD tools/bench-zeek.sh || echo "zeek bench: failed"
echo

# --- AMQP: RabbitMQ publish rate vs consume to durable (tools/bench-amqp.sh) ---
BUILD=$BUILD tools/bench-amqp.sh || echo "amqp bench: failed"
echo

# --- rsyslog ---
if ! command -v rsyslogd >/dev/null 2>&1; then
    echo "rsyslog: not installed (make deps installs it); ratio not computed"
    store_bench
    exit $?
fi
rsport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/rs"
cat > "$tmp/rsyslog.conf" <<CONF
global(workDirectory="$tmp/rs")
module(load="imtcp" MaxSessions="64")
module(load="mmjsonparse")
template(name="json" type="string" string="%\$!all-json%\n")
input(type="imtcp" port="$rsport" address="127.0.0.1" ruleset="bench")
ruleset(name="bench" queue.type="LinkedList" queue.size="200000" queue.workerThreads="2"
        queue.dequeueBatchSize="1024") {
    action(type="mmjsonparse" cookie="")
    action(type="omfile" file="$tmp/rsyslog.out" template="json" asyncWriting="on"
           ioBufferSize="1m" flushOnTXEnd="off")
}
CONF
rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rs/pid" 2> "$tmp/rs.log" &
rs_pid=$!
rs_out=$(python3 - "$rsport" "$tmp/conn.ndjson" "$tmp/rsyslog.out" "$N" "$CONNS" <<'PY'
import socket, sys, time, os, threading
port, src, out, n, conns = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port)).close(); break
    except OSError:
        time.sleep(0.1)
lines = open(src, "rb").read().splitlines()
prefix = b"<14>Jan 12 06:30:00 sensor1 zeek: "
parts = [b"".join(prefix + l + b"\n" for l in lines[i::conns]) for i in range(conns)]
def send(p):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(p); s.close()
t0 = time.monotonic()
ts = [threading.Thread(target=send, args=(p,)) for p in parts]
for t in ts: t.start()
for t in ts: t.join()
last, last_change = -1, time.monotonic()
while time.monotonic() - last_change < 3:
    size = os.path.getsize(out) if os.path.exists(out) else 0
    if size != last:
        last, last_change = size, time.monotonic()
    time.sleep(0.05)
count = sum(1 for _ in open(out, "rb"))
secs = last_change - t0
print("rsyslog: events=%d seconds=%.3f events_per_s=%.0f" % (count, secs, count / secs))
PY
)
echo "$rs_out"
kill "$rs_pid" 2>/dev/null || true; rs_pid=""
rs_rate=$(echo "$rs_out" | sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p')
awk -v w="$ward_rate" -v r="$rs_rate" 'BEGIN { printf "ratio ward/rsyslog: %.2fx (ward %d events/s durable, rsyslog %d events/s unsynced file)\n", w / r, w, r }'
store_bench
