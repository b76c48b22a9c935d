#!/bin/sh
# bench-zeek.sh: the Zeek benchmarks of `make bench` (called by run-bench.sh).
#  1. parser alone and parse+normalize+serialize on one core (build/bench/bench_zeek),
#     beside mawk splitting the same TSV into fields (the zeek-cut/awk way analysts read
#     Zeek logs; it builds no records, so it is a floor, not an equal);
#  2. file -> stored: `ward ingest --format zeek conn.log` into `ward serve` (fsync'd WAL,
#     store on), timed until ward_store_indexed_seq says every line is searchable, beside
#     ClickHouse 18.16 loading the same rows (`INSERT ... FORMAT TabSeparated` into a
#     MergeTree table of String columns) when clickhouse-server is installed.
# Environment: BUILD (build dir), BENCH_ZEEK_LINES (default 1000000).
set -eu
BUILD=${BUILD:-build}
N=${BENCH_ZEEK_LINES:-1000000}
WARD=$PWD/$BUILD/ward
tmp=$(mktemp -d)
ward_pid=""
ch_pid=""
cleanup() {
    [ -n "$ward_pid" ] && kill "$ward_pid" 2>/dev/null && wait "$ward_pid" 2>/dev/null
    [ -n "$ch_pid" ] && kill "$ch_pid" 2>/dev/null && wait "$ch_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "zeek: generating $N conn.log lines (ward gen --kind zeek-conn --format tsv, seed 1)..."
"$WARD" gen --kind zeek-conn --format tsv --count "$N" --seed 1 > "$tmp/conn.log"
echo "zeek: input $(wc -c < "$tmp/conn.log") bytes"
sync

# --- 1. one core ---
"$BUILD/bench/bench_zeek" "$tmp/conn.log" | tee "$tmp/parse.out"
parse_rate=$(sed -n 's/^zeek tsv parse: .*lines_per_s=\([0-9]*\).*/\1/p' "$tmp/parse.out")
t0=$(now)
awk_lines=$(mawk -F'\t' '!/^#/ { n++; b += $10 } END { print n }' "$tmp/conn.log")
t1=$(now)
awk -v n="$awk_lines" -v a="$t0" -v b="$t1" -v w="$parse_rate" 'BEGIN {
    r = n / (b - a); printf "mawk -F\\t field split: lines=%d seconds=%.3f lines_per_s=%.0f\n", n, b - a, r
    printf "ratio ward parser/mawk: %.2fx (ward builds typed records; mawk only splits)\n", w / r }'

# --- 2. file -> stored ---
"$WARD" serve --data "$tmp/ward" --http 127.0.0.1:0 --set syslog.udp=false --set syslog.tcp=false \
    --set store.truncate_wal=false 2> "$tmp/ward.log" &
ward_pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening http=http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$tmp/ward.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/ward.log"; echo "ward did not start"; exit 1; }
t0=$(now)
"$WARD" ingest --format zeek --url "http://127.0.0.1:$port" "$tmp/conn.log"
t_ack=$(now)
stored=0
while [ "$stored" -lt "$N" ]; do
    stored=$(curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^ward_store_indexed_seq \([0-9]*\)$/\1/p')
    stored=${stored:-0}
    [ "$stored" -ge "$N" ] || sleep 0.05
done
t_stored=$(now)
ward_rate=$(awk -v n="$N" -v a="$t0" -v b="$t_stored" 'BEGIN { printf "%.0f", n / (b - a) }')
awk -v n="$N" -v a="$t0" -v k="$t_ack" -v b="$t_stored" 'BEGIN {
    printf "ward file->stored: lines=%d durable_after=%.3fs searchable_after=%.3fs lines_per_s=%.0f\n", n, k - a, b - a, n / (b - a) }'
kill "$ward_pid"; wait "$ward_pid" 2>/dev/null || true; ward_pid=""

CH=/usr/bin/clickhouse-server
[ -x "$CH" ] || CH=/usr/sbin/clickhouse-server
if [ ! -x "$CH" ] || ! command -v clickhouse-client > /dev/null 2>&1; then
    echo "clickhouse: not installed (make deps installs it); file->stored ratio not computed"
    exit 0
fi
d=$tmp/ch
mkdir -p "$d/data" "$d/tmp" "$d/user_files"
http_port=$(free_port)
tcp_port=$(free_port)
cat > "$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/server.log</log><errorlog>$d/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
XML
cat > "$d/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
(cd "$d" && exec "$CH" --config-file="$d/config.xml") > "$d/stdout.log" 2>&1 &
ch_pid=$!
i=0
until curl -sf "http://127.0.0.1:$http_port/ping" > /dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -ge 300 ] || ! kill -0 "$ch_pid" 2>/dev/null; then
        echo "clickhouse: server did not answer /ping"; exit 0
    fi
    sleep 0.1
done
cols=$(sed -n 's/^#fields\t//p' "$tmp/conn.log" | head -1 | tr '\t' '\n' | tr '.' '_' |
       awk '{ printf "%s%s String", (NR > 1 ? ", " : ""), $0 }')
clickhouse-client --port "$tcp_port" --query "CREATE TABLE conn ($cols) ENGINE = MergeTree ORDER BY tuple()"
t0=$(now)
grep -v '^#' "$tmp/conn.log" | clickhouse-client --port "$tcp_port" \
    --query "INSERT INTO conn FORMAT TabSeparated"
t1=$(now)
rows=$(clickhouse-client --port "$tcp_port" --query "SELECT count() FROM conn")
ch_rate=$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "clickhouse file->stored: rows=$rows seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') rows_per_s=$ch_rate"
awk -v w="$ward_rate" -v c="$ch_rate" 'BEGIN {
    printf "ratio ward/clickhouse file->stored: %.2fx (ward: typed records, MozDef normalization, fsync'"'"'d WAL, indexed store; clickhouse: String columns, no fsync)\n", w / c }'
