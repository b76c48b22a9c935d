// alerts.js: the Alerts page: a live list (the alert stream adds new alerts without a
// reload), filters by severity, category, rule and status, acknowledge (who and when),
// a Block button for the alert's source address, and an alert's detail with its automatic
// actions, its sample events and a link to a search finding them.
import { h, esc, withIps, api, can, setUrl, fmtTime, toast } from './app.js';
import { addFilter } from './search.js';
import { blockIp } from './response.js';

const SEVERITIES = ['', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const STATUSES = ['', 'manual', 'inProgress', 'acknowledged', 'escalated', 'falsePositive', 'closed'];

// A query every attached event matches: the fields they all share, within their times.
export function samplesQuery(events) {
  const srcs = (events || []).map(e => e.documentsource).filter(Boolean);
  if (!srcs.length) return null;
  const common = ['category', 'source', 'hostname', 'details.sourceipaddress', 'details.program', 'details.username', 'details.destinationipaddress'];
  const get = (o, p) => p.split('.').reduce((a, k) => (a && typeof a === 'object' ? a[k] : undefined), o);
  let q = '*';
  for (const f of common) {
    const v = get(srcs[0], f);
    if (v === undefined || v === null || typeof v === 'object') continue;
    if (srcs.every(s => get(s, f) === v)) q = addFilter(q, f, v, false);
  }
  const ts = srcs.map(s => Date.parse(s.utctimestamp)).filter(t => !isNaN(t));
  // a second either side: timestamps carry microseconds, Date only milliseconds
  const from = ts.length ? new Date(Math.min(...ts) - 1000).toISOString() : '-7d';
  const to = ts.length ? new Date(Math.max(...ts) + 1000).toISOString() : 'now';
  return { q, from, to };
}

function row(a, onOpen, onAck) {
  const s = a._source || {};
  const tr = h('tr', { class: 'alert sev-' + (s.severity || '').toLowerCase(), 'data-id': a._id });
  tr.innerHTML = `<td class="t">${esc(fmtTime(s.utctimestamp))}</td><td class="sev">${esc(s.severity || '')}</td><td>${esc(s.category || '')}</td><td>${esc(s.classname || '')}</td><td class="sum">${withIps(s.summary || '')}</td><td class="st">${esc(s.status || '')}${s.status_by ? `<div class="muted">by ${esc(s.status_by)} ${esc(fmtTime(s.status_at || ''))}</div>` : ''}</td>`;
  const td = h('td', {});
  td.append(h('button', { class: 'open', text: 'Open', onclick: () => onOpen(a) }));
  if (can('write') && s.status !== 'acknowledged') td.append(h('button', { class: 'ack', text: 'Ack', onclick: () => onAck(a) }));
  const src = ((s.events || [])[0] || {}).documentsource;
  const ip = src && src.details && src.details.sourceipaddress;
  if (can('write') && typeof ip === 'string' && ip) td.append(h('button', { class: 'block', title: 'block ' + ip + ' for 1 day', text: 'Block', onclick: () => blockIp(ip, '1d', 'from alert: ' + (s.summary || ''), 'alert:' + a._id).catch(e => toast(e.message, true)) }));
  tr.append(td);
  return tr;
}

export function alertsPage(main, params) {
  const f = {};
  const sel = (name, opts) => (f[name] = h('select', { id: 'f-' + name, onchange: () => load() }, opts.map(o => h('option', { value: o, text: o || 'any ' + name }))));
  const txt = name => (f[name] = h('input', { id: 'f-' + name, placeholder: name, value: params.get(name) || '', onchange: () => load() }));
  const filters = h('form', { class: 'bar', onsubmit: e => { e.preventDefault(); load(); } },
    sel('severity', SEVERITIES), txt('category'), txt('rule'), sel('status', STATUSES), h('button', { type: 'submit', text: 'Filter' }));
  f.severity.value = params.get('severity') || '';
  f.status.value = params.get('status') || '';
  const body = h('tbody', { id: 'alertrows' });
  const info = h('div', { class: 'status', id: 'alertstatus' });
  const detail = h('section', { class: 'detail', id: 'alertdetail' });
  const vals = () => Object.fromEntries(Object.entries(f).map(([k, e]) => [k, e.value.trim()]).filter(([, v]) => v));
  const matches = s => {
    const v = vals();
    return (!v.severity || s.severity === v.severity) && (!v.category || s.category === v.category) && (!v.rule || s.classname === v.rule) && (!v.status || (s.status || 'manual') === v.status);
  };
  const open = a => {
    const s = a._source || {};
    const sq = samplesQuery(s.events);
    detail.replaceChildren(h('h3', { text: s.summary || a._id }),
      sq ? h('a', { id: 'samplesearch', href: '#/search?' + new URLSearchParams(sq), text: 'Search for these events' }) : null,
      (s.actions || []).length ? h('div', { id: 'alertactions' }, h('h4', { text: 'Automatic actions' }),
        h('ul', {}, s.actions.map(x => h('li', { class: 'action', text: `${fmtTime(x.at)} ${x.type} ${x.target}: ${x.outcome}` })))) : null,
      h('h4', { text: `Sample events (${(s.events || []).length})` }));
    const t = document.createElement('div');
    t.innerHTML = (s.events || []).map(e => `<pre class="sample">${withIps(JSON.stringify(e.documentsource || e, null, 2))}</pre>`).join('') +
      `<h4>Alert</h4><pre>${withIps(JSON.stringify(s, null, 2))}</pre>`;
    detail.append(t);
  };
  const ack = async a => {
    try {
      // A streamed alert can be newer than the store's last flush (store.flush_interval_ms):
      // ward answers 404 until it is searchable, so retry for a few seconds.
      let r = null;
      for (let i = 0; ; i++) {
        try { r = await api('/api/v1/alerts/' + encodeURIComponent(a._id) + '/ack', { method: 'POST', body: {} }); break; } catch (e) {
          if (e.status !== 404 || i >= 10) throw e;
          await new Promise(res => setTimeout(res, 300));
        }
      }
      a._source.status = r.status; a._source.status_by = r.status_by; a._source.status_at = r.status_at;
      const old = body.querySelector(`tr[data-id="${CSS.escape(a._id)}"]`);
      if (old) old.replaceWith(row(a, open, ack));
      toast('acknowledged by ' + r.status_by);
    } catch (e) { toast(e.message, true); }
  };
  let n = 0;
  const load = async () => {
    const v = vals();
    setUrl('alerts', v);
    try {
      const j = await api('/api/v1/alerts?' + new URLSearchParams({ limit: 200, from: '-30d', ...v }));
      body.replaceChildren(...(j.hits || []).map(a => row(a, open, ack)));
      n = (j.hits || []).length;
      info.textContent = `${n} alerts shown of ${j.total} · new alerts appear here live`;
    } catch (e) { info.textContent = e.message; }
  };
  const es = new EventSource('/api/v1/alerts/stream');
  es.onmessage = m => {
    let a;
    try { a = JSON.parse(m.data); } catch (e) { return; }
    if (!matches(a._source || {})) return;
    const tr = row(a, open, ack);
    tr.classList.add('new');
    body.prepend(tr);
    info.textContent = `${++n} alerts shown · new alerts appear here live`;
  };
  main.append(filters, info, h('div', { class: 'split' },
    h('table', { class: 'results', id: 'alerttable' }, h('thead', {}, h('tr', {}, ['utctimestamp', 'severity', 'category', 'rule', 'summary', 'status', ''].map(c => h('th', { text: c })))), body), detail));
  load();
  return () => es.close();
}
