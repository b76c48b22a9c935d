// metrics.js: the Metrics page (loaded on first visit): incident and alert metrics from
// GET /api/v1/metrics/incidents for a time range: incidents per month by phase and VERIS
// category, time to detect / acknowledge / contain / close (percentiles), and per rule
// the alerts, false-positive rate and alerts per day. Formulas: docs/incidents.md.
import { h, api, setUrl } from './app.js';

export function dur(s) {
  if (s === undefined || s === null) return '–';
  if (s < 120) return Math.round(s) + 's';
  if (s < 7200) return (s / 60).toFixed(1) + 'm';
  if (s < 172800) return (s / 3600).toFixed(1) + 'h';
  return (s / 86400).toFixed(1) + 'd';
}

function bar(n, max) {
  const b = h('span', { class: 'mbar' });
  b.style.width = (max ? Math.max(2, Math.round(120 * n / max)) : 0) + 'px'; // CSSOM: allowed by the CSP
  return h('span', {}, b, ' ' + n);
}

export function metricsPage(main, params) {
  const from = h('input', { id: 'm-from', class: 'time', value: params.get('from') || '-90d' });
  const to = h('input', { id: 'm-to', class: 'time', value: params.get('to') || 'now' });
  const info = h('div', { class: 'status', id: 'mstatus' });
  const out = h('div', { id: 'metrics' });
  const table = (id, cols, rows) => h('table', { class: 'results', id }, h('thead', {}, h('tr', {}, cols.map(c => h('th', { text: c })))), h('tbody', {}, rows));
  const load = async () => {
    setUrl('metrics', { from: from.value, to: to.value });
    try {
      const m = await api('/api/v1/metrics/incidents?' + new URLSearchParams({ from: from.value, to: to.value }));
      const inc = m.incidents, al = m.alerts;
      const times = [['detect (reported − occurred)', inc.time_to_detect_s], ['acknowledge (alerts)', al.time_to_acknowledge_s],
        ['contain (contained − opened)', inc.time_to_contain_s], ['close (closed − opened)', inc.time_to_close_s]];
      const months = Object.entries(inc.by_month);
      const maxM = Math.max(0, ...months.map(([, v]) => v.total));
      const maxR = Math.max(0, ...al.rules.map(r => r.alerts));
      out.replaceChildren(
        h('h3', { text: 'Time to …' }),
        table('durations', ['', 'count', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'], times.map(([n, s]) => h('tr', { 'data-metric': n.split(' ')[0] },
          h('td', { text: n }), h('td', { text: String(s.count) }), ...['mean', 'p50', 'p90', 'p95', 'p99', 'max'].map(k => h('td', { text: dur(s[k]) }))))),
        h('h3', { text: `Incidents (${inc.total})` }),
        table('bymonth', ['month', 'incidents', 'by phase', 'by VERIS category'], months.map(([mo, v]) => h('tr', { 'data-month': mo },
          h('td', { text: mo }), h('td', {}, bar(v.total, maxM)),
          h('td', { text: Object.entries(v.phase).map(([k, n]) => `${k} ${n}`).join(' · ') }),
          h('td', { text: Object.entries(v.veris).map(([k, n]) => `${k} ${n}`).join(' · ') || '–' })))),
        h('h3', { text: `Alerts (${al.total}, false positives ${al.false_positives}, ${(100 * al.false_positive_rate).toFixed(1)}%)` }),
        table('byrule', ['rule', 'alerts', 'false positives', 'FP rate', 'alerts per day'], al.rules.map(r => h('tr', { 'data-rule': r.rule },
          h('td', { text: r.rule }), h('td', {}, bar(r.alerts, maxR)), h('td', { text: String(r.false_positives) }),
          h('td', { text: (100 * r.false_positive_rate).toFixed(1) + '%' }),
          h('td', { class: 'muted', text: Object.entries(r.per_day).map(([d, n]) => `${d}: ${n}`).join(' · ') })))));
      info.textContent = `${m.from} – ${m.to}`;
    } catch (e) { info.textContent = e.message; }
  };
  main.append(h('form', { class: 'bar', onsubmit: e => { e.preventDefault(); load(); } },
    h('label', {}, 'from ', from), h('label', {}, 'to ', to), h('button', { type: 'submit', text: 'Show' })), info, out);
  load();
  return null;
}
