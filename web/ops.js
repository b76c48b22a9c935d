// ops.js: the Sources page (events per second per input and source, lag percentiles per
// sensor and Zeek log, last seen, rejected events by reason; red when silent or lagging)
// and the Rules page (origin, status, counts, last fired; enable/disable for admins).
import { h, esc, api, can, ago, fmtTime, toast } from './app.js';

const SILENT_S = 300, LAGGING_S = 60;

// Prometheus text -> [{name, labels, value}].
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const kv of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[kv[1]] = kv[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

async function metrics() {
  const r = await fetch('/metrics', { credentials: 'same-origin' });
  if (!r.ok) throw new Error('metrics: HTTP ' + r.status);
  return parseMetrics(await r.text());
}

export function sourcesPage(main) {
  const inputs = h('tbody', { id: 'inputrows' }), srcs = h('tbody', { id: 'sourcerows' }), rej = h('tbody', { id: 'rejectrows' });
  const info = h('div', { class: 'status', id: 'srcstatus' });
  const table = (id, cols, tb) => h('table', { class: 'results', id }, h('thead', {}, h('tr', {}, cols.map(c => h('th', { text: c })))), tb);
  main.append(info, h('h3', { text: 'Inputs' }), table('inputs', ['input', 'events/s', 'accepted', 'received'], inputs),
    h('h3', { text: 'Sources (sensor, log)' }), table('sources', ['sensor', 'log', 'events/s', 'events', 'last seen', 'lag p50', 'lag p95', 'write lag p95'], srcs),
    h('h3', { text: 'Rejected events' }), table('rejects', ['input', 'reason', 'events'], rej));
  let prev = null, timer = null, alive = true;
  const tick = async () => {
    try {
      const [m, s] = await Promise.all([metrics(), api('/api/v1/sources')]);
      const now = Date.now() / 1000;
      const acc = {}, recv = {};
      for (const x of m) {
        if (x.name === 'ward_events_accepted_total') acc[x.labels.input] = x.value;
        if (x.name === 'ward_events_received_total') recv[x.labels.input] = x.value;
      }
      const dt = prev ? now - prev.t : 0;
      const rate = (was, v) => (dt > 0 && was !== undefined ? ((v - was) / dt).toFixed(1) : '…');
      inputs.innerHTML = Object.keys(acc).sort().map(k => `<tr><td>${esc(k)}</td><td>${rate(prev && prev.acc[k], acc[k])}</td><td>${acc[k]}</td><td>${recv[k] ?? ''}</td></tr>`).join('');
      const ev = {};
      srcs.innerHTML = (s.sources || []).map(x => {
        const key = x.sensor + '/' + x.log;
        ev[key] = x.events;
        const silent = !x.last_seen || s.now - x.last_seen > SILENT_S;
        const lag = x.lag_p95_s !== null && x.lag_p95_s > LAGGING_S;
        const f = v => (v === null || v === undefined ? '–' : Number(v).toFixed(1) + 's');
        return `<tr class="${silent ? 'bad silent' : lag ? 'bad lagging' : 'ok'}"><td>${esc(x.sensor)}</td><td>${esc(x.log)}</td><td>${rate(prev && prev.ev[key], x.events)}</td><td>${x.events}</td><td>${esc(ago(x.last_seen))}${silent ? ' · silent' : ''}</td><td>${f(x.lag_p50_s)}</td><td>${f(x.lag_p95_s)}${lag ? ' · lagging' : ''}</td><td>${f(x.write_lag_p95_s)}</td></tr>`;
      }).join('') || '<tr><td colspan="8" class="muted">no Zeek sources yet</td></tr>';
      rej.innerHTML = m.filter(x => x.name === 'ward_events_rejected_total' && x.value > 0).map(x => `<tr class="bad"><td>${esc(x.labels.input)}</td><td>${esc(x.labels.reason)}</td><td>${x.value}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">none</td></tr>';
      prev = { t: now, acc, ev };
      info.textContent = 'updated ' + new Date().toLocaleTimeString() + ' · every 5 s';
    } catch (e) { info.textContent = e.message; }
    if (alive) timer = setTimeout(tick, 5000);
  };
  tick();
  return () => { alive = false; clearTimeout(timer); };
}

export function rulesPage(main) {
  const body = h('tbody', { id: 'rulerows' });
  const info = h('div', { class: 'status', id: 'rulestatus' });
  const admin = can('admin');
  const load = async () => {
    try {
      const j = await api('/api/v1/rules');
      body.replaceChildren(...(j.rules || []).map(r => {
        const tr = h('tr', { 'data-rule': r.name, class: r.status === 'disabled' ? 'off' : '' });
        tr.innerHTML = `<td>${esc(r.name)}</td><td>${esc(r.origin || '')}</td><td class="rs">${esc(r.status)}</td><td>${esc(r.severity || '')}</td><td>${r.matches ?? 0}</td><td>${r.alerts ?? 0}</td><td>${esc(r.last_alert ? fmtTime(r.last_alert) : 'never')}</td>`;
        const td = h('td', {});
        if (admin) {
          const want = r.status === 'disabled' ? 'enable' : 'disable';
          td.append(h('button', { class: 'toggle', text: want, onclick: async () => {
            try { await api('/api/v1/rules/' + encodeURIComponent(r.name) + '/' + want, { method: 'POST', body: {} }); toast(`${r.name} ${want}d`); load(); } catch (e) { toast(e.message, true); }
          } }));
        }
        tr.append(td);
        return tr;
      }));
      info.textContent = `${j.total} rules` + (admin ? '' : ' · enabling and disabling rules needs the admin role');
    } catch (e) { info.textContent = e.message; }
  };
  main.append(info, h('table', { class: 'results', id: 'rules' }, h('thead', {}, h('tr', {}, ['rule', 'origin', 'status', 'severity', 'matches', 'alerts', 'last fired', ''].map(c => h('th', { text: c })))), body));
  load();
  return null;
}
