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
. tools/bench/lib.sh # free_port, ward_start, ch_start

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

# --- 2. file -> stored (with Mozilla's filters, as deployed; then every line kept) ---
# run_ward NAME ARGS...: file -> stored through a fresh server; sets ward_rate
run_ward() {
    name=$1
    shift
    rm -rf "$tmp/ward"
    ward_start "$tmp/ward.log" --data "$tmp/ward" --http 127.0.0.1:0 --set syslog.udp=false \
        --set syslog.tcp=false --set store.truncate_wal=false "$@"
    t0=$(now)
    "$WARD" ingest --format zeek --url "http://127.0.0.1:$port" "$tmp/conn.log" 2> "$tmp/ingest.err"
    t_ack=$(now)
    cat "$tmp/ingest.err"
    want=$(sed -n 's/.*records: \([0-9]*\) stored.*/\1/p' "$tmp/ingest.err")
    stored=0
    while [ "$stored" -lt "$want" ]; do
        stored=$(curl -s -H "Authorization: Bearer $WARD_TOKEN" "http://127.0.0.1:$port/metrics" | sed -n 's/^ward_store_indexed_seq \([0-9]*\)$/\1/p')
        stored=${stored:-0}
        [ "$stored" -ge "$want" ] || sleep 0.05
    done
    t_stored=$(now)
    ward_rate=$(awk -v n="$N" -v a="$t0" -v b="$t_stored" 'BEGIN { printf "%.0f", n / (b - a) }')
    awk -v name="$name" -v n="$N" -v s="$want" -v a="$t0" -v k="$t_ack" -v b="$t_stored" 'BEGIN {
        printf "ward file->stored (%s): lines=%d stored=%d durable_after=%.3fs (%.0f lines/s) searchable_after=%.3fs lines_per_s=%.0f\n",
            name, n, s, k - a, n / (k - a), b - a, n / (b - a) }'
    kill "$ward_pid"; wait "$ward_pid" 2>/dev/null || true; ward_pid=""
}
run_ward "filters/mozilla.yaml" --set zeek.filters=filters/mozilla.yaml
run_ward "no filters: every line stored"

CH=/usr/bin/clickhouse-server
[ -x "$CH" ] || CH=/usr/sbin/clickhouse-server
if [ ! -x "$CH" ] || ! command -v clickhouse-client > /dev/null 2>&1; then
    echo "clickhouse: not installed (make deps installs it); file->stored ratio not computed"
    exit 0
fi
if ! ch_start "$tmp/ch"; then
    echo "clickhouse: server did not answer /ping; file->stored ratio not computed"
    exit 0
fi
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
