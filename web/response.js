// response.js: the Response page: the IP/CIDR block list, the FQDN block list and the
// watch list (docs/response.md). Analysts and admins add entries with a duration and a
// comment, extend and remove them; viewers see the lists read-only. Also the blockIp()
// helper the alert page and the IP menu use.
import { h, api, can, fmtTime, toast } from './app.js';

export const DURATIONS = ['1h', '12h', '1d', '2d', '1w', '30d'];

const LISTS = [
  { id: 'ip', path: '/api/v1/blocklist/ip', key: 'address', title: 'IP block list', ph: '198.51.100.7 or 203.0.113.0/24', feed: '/feeds/ipblocklist.txt' },
  { id: 'fqdn', path: '/api/v1/blocklist/fqdn', key: 'fqdn', title: 'FQDN block list', ph: 'evil.example.com', feed: '/feeds/fqdnblocklist.txt' },
  { id: 'watch', path: '/api/v1/watchlist', key: 'term', title: 'Watch list', ph: 'a term that alerts when seen' },
];

// Blocks an address (from an alert or the IP menu); resolves to the API's answer.
export async function blockIp(ip, duration, comment, reference) {
  const j = await api('/api/v1/blocklist/ip', { method: 'POST', body: { address: ip, duration, comment: comment || '', reference: reference || '' } });
  toast(`${j.result === 'created' ? 'blocked' : 'block extended:'} ${j.entry.value} until ${fmtTime(j.entry.expires)}`);
  return j;
}

const durSel = (id, value) => h('select', { id, title: 'duration' }, DURATIONS.map(d => h('option', { value: d, text: d, selected: d === value })));

function section(l) {
  const write = can('write');
  const rows = h('tbody', { id: 'rows-' + l.id });
  const info = h('div', { class: 'status', id: 'status-' + l.id });
  const load = async () => {
    try {
      const j = await api(l.path);
      rows.replaceChildren(...(j.entries || []).map(e => {
        const tr = h('tr', { class: 'entry', 'data-id': e.id, 'data-value': e.value },
          h('td', { class: 'v', text: e.value }), h('td', { text: e.comment }), h('td', { text: e.reference }),
          h('td', { text: e.creator }), h('td', { text: fmtTime(e.added) }), h('td', { class: 'exp', text: fmtTime(e.expires) }),
          h('td', { text: e.blocks }));
        const td = h('td', {});
        if (write) {
          const sel = durSel('ext-' + l.id + '-' + e.id, '1d');
          td.append(sel, h('button', { class: 'extend', text: 'Extend', onclick: async () => {
            try { await api(`${l.path}/${e.id}/extend`, { method: 'POST', body: { duration: sel.value } }); toast('extended ' + e.value); load(); } catch (x) { toast(x.message, true); }
          } }), h('button', { class: 'remove', text: 'Remove', onclick: async () => {
            try { await api(`${l.path}/${e.id}`, { method: 'DELETE' }); toast('removed ' + e.value); load(); } catch (x) { toast(x.message, true); }
          } }));
        }
        tr.append(td);
        return tr;
      }));
      info.textContent = `${j.total} live entries` + (write ? '' : ' · read-only (viewer)');
    } catch (x) { info.textContent = x.message; }
  };
  let form = null;
  if (write) {
    const val = h('input', { id: 'add-' + l.id, placeholder: l.ph, required: true, class: 'q' });
    const dur = durSel('dur-' + l.id, '1d');
    const comment = h('input', { id: 'comment-' + l.id, placeholder: 'comment' });
    const err = h('span', { class: 'err', id: 'err-' + l.id });
    form = h('form', { class: 'bar', id: 'form-' + l.id, onsubmit: async ev => {
      ev.preventDefault(); err.textContent = '';
      try {
        const j = await api(l.path, { method: 'POST', body: { [l.key]: val.value.trim(), duration: dur.value, comment: comment.value } });
        toast(`${j.result} ${j.entry.value}`); val.value = ''; comment.value = ''; load();
      } catch (x) { err.textContent = x.message; }
    } }, val, dur, comment, h('button', { type: 'submit', id: 'addbtn-' + l.id, text: 'Add' }), err);
  }
  const sec = h('section', { id: 'list-' + l.id },
    h('h3', {}, l.title, l.feed ? h('a', { href: l.feed, class: 'muted', id: 'feed-' + l.id, text: '  feed: ' + l.feed }) : null),
    form, info,
    h('table', { class: 'results' }, h('thead', {}, h('tr', {}, ['value', 'comment', 'reference', 'creator', 'added', 'expires', 'blocks', ''].map(c => h('th', { text: c })))), rows));
  load();
  return sec;
}

export function responsePage(main) {
  main.append(...LISTS.map(section));
}
