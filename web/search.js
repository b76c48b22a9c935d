// search.js: the Search page (query bar with errors at the column, time picker,
// histogram with drag-to-zoom, results with expandable JSON, field sidebar with top
// values to filter in or out, pipe queries as tables and charts) and the Live tail page.
import { h, esc, withIps, api, setUrl, go, fmtTime, ApiError } from './app.js';

const RANGES = [['-15m', 'Last 15 minutes'], ['-1h', 'Last hour'], ['-24h', 'Last 24 hours'], ['-7d', 'Last 7 days'], ['-30d', 'Last 30 days'], ['', 'All time'], ['custom', 'Absolute…']];
const UNIT = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SPANS = [[1, '1s'], [5, '5s'], [10, '10s'], [30, '30s'], [60, '1m'], [300, '5m'], [600, '10m'], [1800, '30m'], [3600, '1h'], [10800, '3h'], [43200, '12h'], [86400, '1d'], [604800, '7d']];

// Epoch seconds of a from/to value as the API reads it (relative, ISO, epoch), or null.
function toEpoch(v, now) {
  if (!v || v === 'now') return v === 'now' ? now : null;
  let m = /^(?:now)?([+-])(\d+)([smhdw])$/.exec(v);
  if (m) return now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT[m[3]];
  if (/^\d{1,10}$/.test(v)) return Number(v);
  if (/^\d{11,13}$/.test(v)) return Number(v) / 1000;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || v.length <= 10 ? v : v + 'Z');
  return isNaN(t) ? null : t / 1000;
}

function spanFor(from, to, first) {
  const now = Date.now() / 1000;
  const a = toEpoch(from, now) ?? first ?? now - 86400, b = toEpoch(to, now) ?? now;
  const want = Math.max(1, (b - a) / 60);
  for (const [s, name] of SPANS) if (s >= want) return name;
  return '30d';
}

export function quoteValue(v) {
  return '"' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function addFilter(q, field, value, negate) {
  const base = q && q.trim() && q.trim() !== '*' ? '(' + q.trim() + ') AND ' : '';
  return base + (negate ? 'NOT ' : '') + field + ':' + quoteValue(value);
}

function showError(box, q, e) {
  box.replaceChildren();
  if (!e) return;
  const col = e.body && e.body.error && e.body.error.column;
  box.append(h('div', { class: 'err', id: 'qerror', text: e.message }));
  if (col) box.append(h('pre', { class: 'caret', id: 'qcaret', text: q + '\n' + ' '.repeat(Math.max(0, col - 1)) + '^' }));
}

// Query bar + time picker shared by Search and Live tail.
function queryBar(params, onRun, withTime) {
  const q = h('input', { id: 'q', class: 'q', value: params.get('q') || '*', spellcheck: 'false', autocomplete: 'off', placeholder: 'query, e.g. category:authentication AND details.success:false | top 10 details.username' });
  const from = h('input', { id: 'from', class: 'time', value: params.get('from') ?? '-15m', title: 'from: -15m, 2026-12-01T10:00, epoch' });
  const to = h('input', { id: 'to', class: 'time', value: params.get('to') || 'now', title: 'to' });
  const preset = h('select', { id: 'range', onchange: () => {
    const v = preset.value;
    abs.hidden = v !== 'custom';
    if (v !== 'custom') { from.value = v; to.value = 'now'; run(); }
  } }, RANGES.map(([v, l]) => h('option', { value: v, text: l })));
  const known = RANGES.some(([v]) => v === from.value) && to.value === 'now';
  preset.value = known ? from.value : 'custom';
  const abs = h('span', { class: 'abs' }, from, ' to ', to);
  abs.hidden = known;
  const run = () => onRun(q.value.trim() || '*', from.value.trim(), to.value.trim() || 'now');
  const form = h('form', { class: 'bar', onsubmit: e => { e.preventDefault(); run(); } }, q,
    withTime ? [preset, abs] : null, h('button', { type: 'submit', id: 'run', text: withTime ? 'Search' : 'Start' }));
  return { form, q, from, to, run };
}

function flatten(o, pre, out, depth) {
  for (const [k, v] of Object.entries(o || {})) {
    const key = pre ? pre + '.' + k : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) flatten(v, key, out, depth + 1);
    else out.push([key, Array.isArray(v) ? v.join(', ') : (v && typeof v === 'object' ? JSON.stringify(v) : v)]);
  }
  return out;
}

function fieldStats(hits) {
  const m = new Map();
  for (const hit of hits) for (const [k, v] of flatten(hit._source, '', [], 0)) {
    let f = m.get(k);
    if (!f) m.set(k, f = { n: 0, vals: new Map() });
    f.n++;
    const s = v === null ? 'null' : String(v);
    if (s.length <= 200) f.vals.set(s, (f.vals.get(s) || 0) + 1);
  }
  return [...m.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]));
}

function sidebar(box, hits, q, rerun) {
  box.replaceChildren(h('h3', { text: `Fields (top values in ${hits.length} hits)` }));
  for (const [name, f] of fieldStats(hits)) {
    const vals = h('ul', { class: 'vals' });
    vals.hidden = true;
    const top = [...f.vals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    for (const [v, n] of top) vals.append(h('li', {},
      h('span', { class: 'val', title: v, text: v }), h('span', { class: 'n', text: String(n) }),
      h('button', { class: 'in', title: 'filter in', 'data-field': name, text: '+', onclick: () => rerun(addFilter(q, name, v, false)) }),
      h('button', { class: 'out', title: 'filter out', 'data-field': name, text: '−', onclick: () => rerun(addFilter(q, name, v, true)) })));
    box.append(h('div', { class: 'field', 'data-field': name },
      h('a', { href: '#', class: 'fname', text: name, onclick: e => { e.preventDefault(); vals.hidden = !vals.hidden; } }),
      h('span', { class: 'n', text: String(f.n) }), vals));
  }
}

// Rows as one HTML string of block rows (a CSS grid per row, not a <table>: table layout
// of 10,000 rows costs most of a second), in blocks of 200 with content-visibility so
// the browser lays out only what is on screen; every row stays in the page.
function resultsTable(box, hits) {
  const t0 = performance.now();
  const rows = hits.map((x, i) => {
    const s = x._source || {};
    return `<div class="hit" data-i="${i}"><span class="t">${esc(fmtTime(s.utctimestamp))}</span><span class="h">${withIps(s.hostname ?? '')}</span><span class="c">${esc(s.category ?? s.source ?? '')}</span><span class="sum">${withIps(s.summary ?? '')}</span></div>`;
  });
  const t1 = performance.now();
  const blocks = [];
  for (let i = 0; i < rows.length; i += 200) blocks.push(`<div class="chunk">${rows.slice(i, i + 200).join('')}</div>`);
  box.innerHTML = `<div class="rows" id="results"><div class="head"><span>utctimestamp</span><span>hostname</span><span>category</span><span>summary</span></div>${blocks.join('')}</div>`;
  box.firstChild.addEventListener('click', e => {
    if (e.target.closest('.ip')) return;
    const row = e.target.closest('.hit');
    if (!row) return;
    const next = row.nextElementSibling;
    if (next && next.classList.contains('json')) { next.remove(); return; }
    const x = hits[Number(row.dataset.i)];
    const d = document.createElement('div');
    d.className = 'json';
    d.innerHTML = `<pre>${withIps(JSON.stringify(x._source, null, 2))}</pre><div class="muted">_id ${esc(x._id)} · ${esc(x._index || '')}</div>`;
    row.after(d);
  });
  const t2 = performance.now();
  box.offsetHeight; // layout before the clock stops
  const t3 = performance.now();
  window.wardRenderParts = { build: t1 - t0, parse: t2 - t1, layout: t3 - t2 };
  return t3 - t0;
}

const NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// Bars of (label, value); for time buckets, drag across to zoom (onZoom(fromIso, toIso)).
function barChart(box, labels, values, onZoom, id) {
  const W = Math.max(300, box.clientWidth || 900), H = 120, n = labels.length || 1;
  const max = Math.max(1, ...values.map(v => Number(v) || 0));
  const s = svg('svg', { width: W, height: H + 18, id, class: 'chart', viewBox: `0 0 ${W} ${H + 18}` });
  const bw = W / n;
  labels.forEach((l, i) => {
    const v = Number(values[i]) || 0, bh = v / max * H;
    const r = svg('rect', { x: i * bw + 0.5, y: H - bh, width: Math.max(1, bw - 1), height: bh, class: 'bar' });
    const tip = svg('title', {});
    tip.textContent = `${l}: ${v}`;
    r.append(tip);
    s.append(r);
  });
  const lab = (i, anchor) => { const t = svg('text', { x: anchor === 'end' ? W - 2 : 2, y: H + 14, 'text-anchor': anchor, class: 'axis' }); t.textContent = String(labels[i] ?? ''); s.append(t); };
  if (labels.length) { lab(0, 'start'); lab(labels.length - 1, 'end'); }
  const t = svg('text', { x: W / 2, y: 12, 'text-anchor': 'middle', class: 'axis' });
  t.textContent = 'max ' + max;
  s.append(t);
  if (onZoom) {
    const sel = svg('rect', { y: 0, height: H, width: 0, class: 'sel' });
    s.append(sel);
    let x0 = null;
    const xAt = e => { const b = s.getBoundingClientRect(); return Math.min(W, Math.max(0, (e.clientX - b.left) * W / b.width)); };
    s.addEventListener('mousedown', e => { x0 = xAt(e); sel.setAttribute('x', x0); sel.setAttribute('width', 0); e.preventDefault(); });
    s.addEventListener('mousemove', e => { if (x0 === null) return; const x = xAt(e); sel.setAttribute('x', Math.min(x0, x)); sel.setAttribute('width', Math.abs(x - x0)); });
    s.addEventListener('mouseup', e => {
      if (x0 === null) return;
      const x1 = xAt(e), a = Math.floor(Math.min(x0, x1) / bw), b = Math.floor(Math.max(x0, x1) / bw);
      x0 = null;
      if (b <= a || !labels[a]) { sel.setAttribute('width', 0); return; }
      const next = labels[b + 1] ? Date.parse(labels[b + 1]) : Date.parse(labels[b]) + (Date.parse(labels[1] || labels[0]) - Date.parse(labels[0]) || 1000);
      onZoom(labels[a], new Date(next - 1).toISOString());
    });
  }
  box.replaceChildren(s);
}

function pipeTable(box, chartBox, j) {
  const cols = j.columns || [], rows = j.rows || [];
  box.innerHTML = `<table class="results pipe" id="pipetable"><thead><tr>${cols.map(c => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map(r => `<tr>${r.map(v => `<td>${withIps(v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const num = cols.findIndex((c, i) => i > 0 && rows.length && rows.every(r => r[i] === null || typeof r[i] === 'number'));
  if (num > 0 && rows.length <= 2000) barChart(chartBox, rows.map(r => cols.length > 2 && cols[0] === '_time' && num > 1 ? r[0] + ' ' + r[1] : r[0]), rows.map(r => r[num]), null, 'pipechart');
  else chartBox.replaceChildren();
}

export function searchPage(main, params) {
  const err = h('div', { class: 'qerr' });
  const status = h('div', { class: 'status', id: 'status' });
  const hist = h('div', { class: 'hist', id: 'histbox' });
  const side = h('aside', { class: 'fields', id: 'fields' });
  const res = h('div', { class: 'res', id: 'resbox' });
  const limit = Math.min(10000, Math.max(1, Number(params.get('limit')) || 500));
  let gen = 0;
  const bar = queryBar(params, async (q, from, to) => {
    const my = ++gen;
    setUrl('search', { q, from, to, ...(limit !== 500 ? { limit } : {}) });
    showError(err, q, null);
    status.textContent = 'searching…';
    const base = (qq, lim) => '/api/v1/search?' + new URLSearchParams({ q: qq, from, to, limit: lim });
    try {
      if (q.includes('|')) {
        const t0 = performance.now();
        const j = await api(base(q, 100));
        if (my !== gen) return;
        side.replaceChildren();
        pipeTable(res, hist, j);
        status.textContent = `${(j.rows || []).length} rows · ${j.took_ms} ms in ward · ${Math.round(performance.now() - t0)} ms in all`;
        return;
      }
      const t0 = performance.now();
      const hitsP = api(base(q, limit));
      const histP = api(base(q + ' | timechart ' + spanFor(from, to) + ' count()', 0)).catch(e => e);
      const j = await hitsP;
      if (my !== gen) return;
      const ms = resultsTable(res, j.hits || []);
      sidebar(side, j.hits || [], q, nq => { bar.q.value = nq; bar.run(); });
      const hj = await histP;
      if (my !== gen) return;
      if (hj instanceof Error) hist.replaceChildren(h('div', { class: 'muted', text: 'histogram: ' + hj.message }));
      else barChart(hist, (hj.rows || []).map(r => r[0]), (hj.rows || []).map(r => r[1]), (a, b) => {
        bar.from.value = a; bar.to.value = b;
        document.getElementById('range').value = 'custom';
        bar.from.parentElement.hidden = false;
        bar.run();
      }, 'histogram');
      window.wardLastRender = { rows: (j.hits || []).length, ms };
      status.textContent = `${(j.hits || []).length} of ${j.total} hits · ${j.took_ms} ms in ward · rendered in ${Math.round(ms)} ms · ${Math.round(performance.now() - t0)} ms in all`;
    } catch (e) {
      if (my !== gen) return;
      status.textContent = '';
      if (e instanceof ApiError) showError(err, q, e); else showError(err, q, { message: String(e) });
    }
  }, true);
  main.append(bar.form, err, hist, status, h('div', { class: 'split' }, side, res));
  bar.run();
  return () => { gen++; };
}

export function tailPage(main, params) {
  const rows = h('tbody', { id: 'tailrows' });
  const info = h('span', { class: 'status', id: 'tailstatus', text: 'stopped' });
  const err = h('div', { class: 'qerr' });
  let es = null, paused = false, buffered = [], count = 0;
  const show = ev => {
    const s = ev._source || {};
    const tr = document.createElement('tr');
    tr.className = 'hit';
    tr.innerHTML = `<td class="t">${esc(fmtTime(s.utctimestamp))}</td><td>${withIps(s.hostname ?? '')}</td><td>${esc(s.category ?? '')}</td><td class="sum">${withIps(s.summary ?? '')}</td>`;
    tr.addEventListener('click', e => { if (!e.target.closest('.ip')) tr.after(Object.assign(document.createElement('tr'), { className: 'json', innerHTML: `<td colspan="4"><pre>${withIps(JSON.stringify(s, null, 2))}</pre></td>` })); });
    rows.prepend(tr);
    while (rows.children.length > 1000) rows.lastChild.remove();
  };
  const label = () => { info.textContent = paused ? `paused (${buffered.length} waiting)` : `live · ${count} events`; };
  const stop = () => { if (es) { es.close(); es = null; } };
  const pause = h('button', { id: 'pause', text: 'Pause', disabled: true, onclick: () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) { buffered.forEach(show); buffered = []; }
    label();
  } });
  const bar = queryBar(params, async q => {
    stop();
    setUrl('tail', { q });
    showError(err, q, null);
    // Check the query first: EventSource hides the status of a refused stream.
    try { await api('/api/v1/search?' + new URLSearchParams({ q, limit: 0 })); } catch (e) { showError(err, q, e); return; }
    rows.replaceChildren(); count = 0; buffered = [];
    es = new EventSource('/api/v1/tail?' + new URLSearchParams({ q }));
    es.onopen = () => { pause.disabled = false; label(); info.dataset.live = '1'; };
    es.onmessage = m => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      count++;
      if (paused) buffered.push(ev); else show(ev);
      label();
    };
    es.addEventListener('dropped', m => { info.textContent = 'dropped ' + m.data; });
    es.onerror = () => { info.textContent = 'reconnecting…'; };
  }, false);
  main.append(bar.form, err, h('div', { class: 'tailbar' }, pause, info),
    h('table', { class: 'results', id: 'tailtable' }, h('thead', {}, h('tr', {}, h('th', { text: 'utctimestamp' }), h('th', { text: 'hostname' }), h('th', { text: 'category' }), h('th', { text: 'summary' }))), rows));
  bar.run();
  return stop;
}

export { go };
