// alerts.js: the Alerts page: a live list (the alert stream adds new alerts without a
// reload), filters by severity, category, rule and status, acknowledge (who and when),
// and an alert's detail with its automatic actions, its sample events and a link to a
// search finding them. Triage (docs/incidents.md): false positive with a reason and an
// optional suppression, escalate to a new or existing incident, the alerts that still need
// an ack, and a Block button for the alert's source address (docs/response.md).
import { h, esc, withIps, api, can, go, setUrl, fmtTime, toast } from './app.js';
import { addFilter } from './search.js';
import { blockIp } from './response.js';

const SEVERITIES = ['', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const STATUSES = ['', 'manual', 'inProgress', 'acknowledged', 'escalated', 'falsePositive', 'closed'];
const needAck = new Set(); // ids of alerts alerts.require_ack_severity says must be acknowledged

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

// Candidate suppression fields of an alert: the sample events' common fields with values.
const FP_FIELDS = ['details.sourceipaddress', 'details.destinationipaddress', 'details.username', 'hostname', 'details.program', 'source'];
function fpFields(s) {
  const src = ((s.events || [])[0] || {}).documentsource || {};
  const get = (o, p) => p.split('.').reduce((x, k) => (x && typeof x === 'object' ? x[k] : undefined), o);
  return FP_FIELDS.map(f => [f, get(src, f)]).filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object');
}

// The triage controls of an opened alert (writers only).
function triage(a, onDone) {
  const s = a._source || {};
  const reason = h('input', { id: 'fp-reason', placeholder: 'why is this a false positive?', class: 'q' });
  const sup = h('input', { id: 'fp-suppress', type: 'checkbox' });
  const boxes = fpFields(s).map(([f, v]) => { const c = h('input', { type: 'checkbox', id: 'fp-f-' + f, checked: true }); c.dataset.field = f; c.dataset.value = String(v); return h('label', { class: 'muted' }, c, ` ${f} = ${v}`); });
  const dur = h('select', { id: 'fp-dur' }, [['1h', '1 hour'], ['1d', '1 day'], ['7d', '7 days'], ['30d', '30 days']].map(([v, t]) => h('option', { value: v, text: t })));
  dur.value = '7d';
  const form = h('form', { class: 'triage', id: 'fpform', hidden: true, onsubmit: async e => {
    e.preventDefault();
    const body = { reason: reason.value.trim() };
    if (sup.checked) {
      const fields = {};
      for (const l of boxes) { const c = l.querySelector('input'); if (c.checked) fields[c.dataset.field] = c.dataset.value; }
      body.suppress = { fields, duration: dur.value };
    }
    try {
      const r = await api('/api/v1/alerts/' + encodeURIComponent(a._id) + '/falsepositive', { method: 'POST', body });
      Object.assign(a._source, { status: r.status, status_by: r.status_by, status_at: new Date().toISOString() });
      toast(r.suppression ? `false positive; ${r.suppression.rule} suppressed until ${fmtTime(r.suppression.expires)}` : 'marked false positive');
      onDone(a);
    } catch (x) { toast(x.message, true); }
  } }, h('div', { class: 'bar' }, reason), h('label', {}, sup, ' also suppress this rule\'s alerts matching:'), ...boxes,
  h('div', { class: 'bar' }, h('label', {}, 'for ', dur), h('button', { type: 'submit', id: 'fp-submit', text: 'Mark false positive' })));
  const to = h('input', { id: 'esc-to', placeholder: 'incident # (empty: new)', class: 'time' });
  const escalate = async () => {
    const n = to.value.trim();
    try {
      const d = await api('/api/v1/alerts/' + encodeURIComponent(a._id) + '/escalate', { method: 'POST', body: n ? { incident: Number(n) } : { summary: s.summary || ('Alert ' + a._id) } });
      go('incidents', { id: d.id });
    } catch (x) { toast(x.message, true); }
  };
  return h('div', { class: 'triagebox' }, h('div', { class: 'bar' },
    h('button', { id: 'fpbtn', text: 'False positive', onclick: () => { form.hidden = !form.hidden; if (!form.hidden) reason.focus(); } }),
    h('button', { id: 'escalate', text: 'Escalate', onclick: escalate }), to), form);
}

function row(a, onOpen, onAck) {
  const s = a._source || {};
  const tr = h('tr', { class: 'alert sev-' + (s.severity || '').toLowerCase() + (needAck.has(a._id) && (s.status || 'manual') === 'manual' ? ' needack' : ''), 'data-id': a._id });
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
      can('write') ? triage(a, x => { const old = body.querySelector(`tr[data-id="${CSS.escape(x._id)}"]`); if (old) old.replaceWith(row(x, open, ack)); }) : null,
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
  const unacked = h('div', { class: 'err', id: 'unacked' });
  const loadUnacked = async () => {
    try {
      const u = await api('/api/v1/alerts/unacked');
      needAck.clear();
      for (const x of u.alerts) needAck.add(x.id);
      unacked.textContent = u.require_ack_severity && u.total ? `${u.total} alerts at or above ${u.require_ack_severity} need acknowledgement (oldest ${Math.round(Math.max(...u.alerts.map(x => x.age_s)) / 60)} min)` : '';
    } catch (e) { unacked.textContent = ''; }
  };
  let n = 0;
  const load = async () => {
    await loadUnacked();
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
  main.append(filters, unacked, info, h('div', { class: 'split' },
    h('table', { class: 'results', id: 'alerttable' }, h('thead', {}, h('tr', {}, ['utctimestamp', 'severity', 'category', 'rule', 'summary', 'status', ''].map(c => h('th', { text: c })))), body), detail));
  load();
  if (params.get('id')) api('/api/v1/alerts/' + encodeURIComponent(params.get('id'))).then(open).catch(e => toast(e.message, true));
  return () => es.close();
}
