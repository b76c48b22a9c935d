// duckdb_bench.mjs: the DuckDB side of the store benchmark (tools/bench-store.sh), run
// with Node.js and @duckdb/node-api (installed by the script into build/bench-node/).
// Loads the NDJSON with read_ndjson_auto (full-file schema detection: details becomes a
// STRUCT of every Zeek field, utctimestamp is cast to TIMESTAMPTZ), measures the .duckdb
// file after CHECKPOINT, runs the benchmark queries warm, and writes a result JSON.
// usage: node duckdb_bench.mjs DB EVENTS.ndjson NEEDLES.json OUT.json [MAX_EVENTS]
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.BENCH_NODE_DIR + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

const [db, path, needlesPath, out, maxArg] = process.argv.slice(2);
const maxEvents = Number(maxArg || 0);
const nd = JSON.parse(readFileSync(needlesPath, 'utf8'));
const log = (...a) => console.error(...a);
const RUNS = 5, KEEP = 3;

const inst = await DuckDBInstance.create(db);
const con = await inst.connect();
const rows = async (sql, params) => (await con.runAndReadAll(sql, params)).getRowsJS();
const num = (v) => (typeof v === 'bigint' ? Number(v) : v);
const version = (await rows('SELECT version()'))[0][0];
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";

log(`duckdb ${version}: loading (read_ndjson_auto, sample_size=-1)`);
const limit = maxEvents ? ` LIMIT ${maxEvents}` : '';
let t0 = process.hrtime.bigint();
await con.run(`CREATE TABLE events AS SELECT * REPLACE (CAST(utctimestamp AS TIMESTAMPTZ) AS utctimestamp)
  FROM read_ndjson_auto(${lit(path)}, sample_size = -1)${limit}`);
await con.run('CHECKPOINT');
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const n = num((await rows('SELECT count(*) FROM events'))[0][0]);
log(`duckdb: ${n} rows in ${secs.toFixed(1)} s (${(n / secs).toFixed(0)} rows/s)`);
const disk = statSync(db).blocks * 512;

const epoch = (iso) => Math.floor(Date.parse(iso.slice(0, 19) + 'Z') / 1000);
const from = Math.floor(epoch(nd.first_ts) / 3600) * 3600;
const to = Math.floor(epoch(nd.last_ts) / 3600) * 3600 + 3600;
const counts = (r) => Object.fromEntries(r.map(([k, c]) => [String(k), num(c)]));
const top = (r) => r.map(([k, c]) => [String(k), num(c)]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const hist = (r) => Object.fromEntries(r.map(([h, c]) => [new Date(num(h) * 1000).toISOString().slice(0, 13), num(c)]));
const qs = {
  needle_ip: [`SELECT to_json(e) FROM events e WHERE e.details.sourceipaddress = ${lit(nd.ip)} ORDER BY utctimestamp DESC`, (r) => r.length],
  needle_uid: [`SELECT to_json(e) FROM events e WHERE e.details.uid = ${lit(nd.uid)} ORDER BY utctimestamp DESC`, (r) => r.length],
  count_by_source: ['SELECT source, count(*) c FROM events GROUP BY source ORDER BY c DESC', counts],
  top10_ip: [`SELECT details.sourceipaddress ip, count(*) c FROM events WHERE details.sourceipaddress IS NOT NULL
    GROUP BY ip ORDER BY c DESC, ip LIMIT 10`, top],
  timechart_1h: [`SELECT CAST(floor(epoch(utctimestamp) / 3600) AS BIGINT) * 3600 h, count(*) FROM events
    WHERE utctimestamp >= to_timestamp(${from}) AND utctimestamp < to_timestamp(${to}) GROUP BY h ORDER BY h`, hist],
  phrase: [`SELECT count(*) FROM events WHERE summary ILIKE ${lit('%' + nd.phrase.replaceAll('%', '\\%') + '%')}`, (r) => num(r[0][0])],
};
const res = {
  system: 'duckdb', version, events: n, load_seconds: secs, load_rate: n / secs, disk_bytes: disk,
  raw_bytes: !maxEvents || maxEvents >= nd.events ? nd.raw_bytes : null,
  notes: 'read_ndjson_auto(sample_size=-1): typed columns, details as STRUCT; no index; phrase = ILIKE scan',
  queries: {},
};
for (const [key, [sql, norm]] of Object.entries(qs)) {
  const times = [];
  let r;
  for (let i = 0; i < RUNS; i++) {
    t0 = process.hrtime.bigint();
    r = await rows(sql);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const last = times.slice(-KEEP).sort((a, b) => a - b);
  res.queries[key] = { ms: last[Math.floor(KEEP / 2)], result: norm(r) };
  log(`duckdb: ${key.padEnd(16)} ${res.queries[key].ms.toFixed(2).padStart(8)} ms`);
}
con.closeSync?.();
writeFileSync(out, JSON.stringify(res, null, 1));
