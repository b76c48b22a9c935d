// incidents.js: the Incidents page (loaded on first visit, not with the first page): the
// list with a phase filter and "New incident", and one incident (#/incidents?id=N): its
// fields, each saved on its own with the version it was edited from (a stale save is
// refused and the page says who changed it), VERIS pickers, links to alerts, events and
// searches, notes, the timeline, and who else is viewing. A live stream
// (/api/v1/incidents/N/stream) brings others' edits and notes within a second.
import { h, api, can, go, st, fmtTime, toast } from './app.js';

const PHASES = ['Identification', 'Containment', 'Eradication', 'Recovery', 'Lessons Learned', 'Closed'];
const SEVERITIES = ['', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const DATES = ['dateOccurred', 'dateReported', 'dateOpened', 'dateVerified', 'dateMitigated', 'dateContained', 'dateClosed'];
const LISTS = ['references', 'theories', 'mitigations', 'lessons'];
const VERIS = ['actor', 'action', 'asset', 'attribute'];
let taxonomy = null;

export function incidentsPage(main, params) {
  const id = params.get('id');
  return id ? detailPage(main, Number(id)) : listPage(main, params);
}

function listPage(main, params) {
  const phase = h('select', { id: 'f-phase', onchange: () => { go('incidents', phase.value ? { phase: phase.value } : null); } },
    ['', ...PHASES].map(p => h('option', { value: p, text: p || 'any phase' })));
  phase.value = params.get('phase') || '';
  const rows = h('tbody', { id: 'incidentrows' });
  const info = h('div', { class: 'status', id: 'incstatus' });
  const summary = h('input', { id: 'new-summary', placeholder: 'summary of a new incident', class: 'q' });
  const create = h('form', { class: 'bar', id: 'newincident', onsubmit: async e => {
    e.preventDefault();
    try {
      const d = await api('/api/v1/incidents', { method: 'POST', body: { summary: summary.value.trim() } });
      go('incidents', { id: d.id });
    } catch (x) { toast(x.message, true); }
  } }, summary, h('button', { type: 'submit', id: 'create', text: 'New incident' }));
  main.append(h('div', { class: 'bar' }, phase, h('a', { href: '#/metrics', text: 'Metrics' })), can('write') ? create : null, info,
    h('table', { class: 'results', id: 'incidents' }, h('thead', {}, h('tr', {}, ['#', 'summary', 'phase', 'severity', 'owner', 'opened', 'updated'].map(c => h('th', { text: c })))), rows));
  (async () => {
    try {
      const j = await api('/api/v1/incidents?' + new URLSearchParams(phase.value ? { phase: phase.value } : {}));
      rows.replaceChildren(...j.incidents.map(i => h('tr', { class: 'hit incident', 'data-id': i.id, onclick: () => go('incidents', { id: i.id }) },
        h('td', { text: String(i.id) }), h('td', { text: i.summary || '' }), h('td', { text: i.phase || '' }), h('td', { text: i.severity || '' }),
        h('td', { text: i.owner || '' }), h('td', { class: 't', text: fmtTime(i.dateOpened || '') }), h('td', { class: 't', text: fmtTime(i.updated) }))));
      info.textContent = `${j.incidents.length} of ${j.total} incidents`;
    } catch (e) { info.textContent = e.message; }
  })();
  return null;
}

// One editable field: its input, the version it was loaded at, whether it was edited.
function fieldEditor(name, kind, onSave) {
  const ro = !can('write');
  const f = { name, version: 0, dirty: false, value: null };
  let input;
  if (kind === 'phase' || kind === 'severity') {
    input = h('select', { disabled: ro }, (kind === 'phase' ? ['', ...PHASES] : SEVERITIES).map(p => h('option', { value: p, text: p || '–' })));
  } else if (kind === 'long' || kind === 'list') {
    input = h('textarea', { rows: kind === 'list' ? 3 : 4, disabled: ro, placeholder: kind === 'list' ? 'one per line' : '' });
  } else {
    input = h('input', { disabled: ro, placeholder: kind === 'date' ? '2026-01-02T10:00:00Z or now' : '' });
  }
  input.id = 'f-' + name;
  const save = h('button', { class: 'save', id: 'save-' + name, text: 'Save', disabled: true, onclick: () => onSave(f) });
  const meta = h('span', { class: 'muted meta', id: 'meta-' + name });
  const mark = () => { f.dirty = true; save.disabled = false; };
  input.addEventListener('input', mark);
  input.addEventListener('change', mark);
  f.get = () => {
    const v = input.value;
    if (kind === 'list') return v.split('\n').map(x => x.trim()).filter(Boolean);
    return v.trim() === '' && name !== 'summary' ? null : v;
  };
  f.set = (fv, force) => {
    // While edited, the field keeps the version the edit started from (a save then
    // conflicts with what others wrote meanwhile instead of silently replacing it).
    if (f.dirty && !force) {
      if (fv.version !== f.version) meta.textContent = `changed meanwhile by ${fv.by} (v${fv.version}); your edit is unsaved`;
      return;
    }
    f.version = fv.version;
    f.value = fv.value;
    meta.textContent = fv.by ? `v${fv.version} · ${fv.by} · ${fmtTime(fv.at)}` : '';
    input.value = kind === 'list' ? (fv.value || []).join('\n') : (fv.value ?? '');
    f.dirty = false;
    save.disabled = true;
  };
  f.row = h('div', { class: 'frow', 'data-field': name }, h('label', { for: input.id, text: name }), input, ro ? null : save, meta);
  return f;
}

// A VERIS dimension: chips of chosen paths and three pickers (category, enumeration, value).
function verisEditor(top, onSave) {
  const ro = !can('write');
  const name = 'veris_' + top;
  const f = { name, version: 0, dirty: false, value: [] };
  const chips = h('span', { class: 'chips', id: 'chips-' + name });
  const cat = h('select', { id: 'vc-' + top, disabled: ro }), en = h('select', { id: 've-' + top, disabled: ro }), val = h('select', { id: 'vv-' + top, disabled: ro });
  const save = h('button', { class: 'save', id: 'save-' + name, text: 'Save', disabled: true, onclick: () => onSave(f) });
  const meta = h('span', { class: 'muted meta', id: 'meta-' + name });
  let cur = [];
  const draw = () => chips.replaceChildren(...cur.map(p => h('span', { class: 'chip', text: p },
    ro ? null : h('button', { class: 'x', title: 'remove', text: '×', onclick: () => { cur = cur.filter(x => x !== p); f.dirty = true; save.disabled = false; draw(); } }))));
  const fill = () => {
    const t = (taxonomy || {})[top] || {};
    const c = t[cat.value] || {};
    en.replaceChildren(h('option', { value: '', text: '(category only)' }), ...Object.keys(c).map(k => h('option', { value: k, text: k })));
    val.replaceChildren(...((c[en.value] || []).map(v => h('option', { value: v, text: v }))));
  };
  const fillCats = () => {
    const t = (taxonomy || {})[top] || {};
    cat.replaceChildren(...Object.keys(t).map(k => h('option', { value: k, text: k })));
    fill();
  };
  cat.addEventListener('change', fill);
  en.addEventListener('change', () => { const c = ((taxonomy || {})[top] || {})[cat.value] || {}; val.replaceChildren(...((c[en.value] || []).map(v => h('option', { value: v, text: v })))); });
  const add = h('button', { id: 'vadd-' + top, text: 'Add', disabled: ro, onclick: () => {
    const p = en.value ? `${cat.value}.${en.value}.${val.value}` : cat.value;
    if (p && !cur.includes(p)) { cur.push(p); f.dirty = true; save.disabled = false; draw(); }
  } });
  f.get = () => cur.slice();
  f.set = (fv, force) => {
    if (f.dirty && !force) {
      if (fv.version !== f.version) meta.textContent = `changed meanwhile by ${fv.by} (v${fv.version}); your edit is unsaved`;
      return;
    }
    f.version = fv.version;
    f.value = fv.value;
    meta.textContent = fv.by ? `v${fv.version} · ${fv.by} · ${fmtTime(fv.at)}` : '';
    cur = (fv.value || []).slice();
    f.dirty = false;
    save.disabled = true;
    draw();
  };
  f.taxonomy = fillCats;
  f.row = h('div', { class: 'frow veris', 'data-field': name }, h('label', { text: 'VERIS ' + top }), chips,
    ro ? null : h('span', { class: 'pick' }, cat, en, val, add, save), meta);
  return f;
}

function detailPage(main, id) {
  const title = h('h2', { id: 'inctitle', text: '#' + id });
  const presence = h('div', { class: 'status', id: 'presence' });
  const conflict = h('div', { class: 'err', id: 'conflict', role: 'alert' });
  const ro = h('div', { class: 'status', id: 'readonly', text: can('write') ? '' : 'read-only: your role cannot edit incidents' });
  const fields = {};
  const onSave = async f => {
    conflict.textContent = '';
    try {
      const d = await api('/api/v1/incidents/' + id, { method: 'PATCH', body: { fields: { [f.name]: { value: f.get(), version: f.version } } } });
      f.dirty = false;
      show(d);
      toast('saved ' + f.name);
    } catch (e) {
      if (e.status === 409 && e.body && e.body.conflicts) {
        const c = e.body.conflicts[0];
        const v = Array.isArray(c.value) ? c.value.join(', ') : c.value;
        conflict.textContent = `Not saved: ${c.by} changed ${c.field} to "${v ?? ''}" at ${fmtTime(c.at)} (version ${c.version}; you edited version ${c.yours}). Your edit is still in the field: save again to overwrite.`;
        const fe = fields[c.field];
        if (fe) { fe.version = c.version; fe.value = c.value; }
      } else toast(e.message, true);
    }
  };
  const grid = h('div', { class: 'fields', id: 'incfields' });
  const add = (name, kind) => { const f = kind === 'veris' ? verisEditor(name.slice(6), onSave) : fieldEditor(name, kind, onSave); fields[name] = f; grid.append(f.row); };
  add('summary', 'text');
  add('phase', 'phase');
  add('severity', 'severity');
  add('owner', 'text');
  add('description', 'long');
  DATES.forEach(d => add(d, 'date'));
  LISTS.forEach(l => add(l, 'list'));
  VERIS.forEach(v => add('veris_' + v, 'veris'));
  const links = h('div', { id: 'links' });
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const note = h('textarea', { id: 'note', rows: 2, placeholder: 'add a note' });
  const notes = can('write') ? h('form', { class: 'bar', id: 'noteform', onsubmit: async e => {
    e.preventDefault();
    if (!note.value.trim()) return;
    try { show(await api(`/api/v1/incidents/${id}/notes`, { method: 'POST', body: { text: note.value } })); note.value = ''; } catch (x) { toast(x.message, true); }
  } }, note, h('button', { type: 'submit', id: 'addnote', text: 'Add note' })) : null;
  const lkind = h('select', { id: 'l-kind' }, ['event', 'search', 'alert'].map(k => h('option', { value: k, text: k })));
  const lref = h('input', { id: 'l-ref', placeholder: 'event id, search (paste its URL) or alert id' });
  // A pasted console URL (…#/search?q=…) links the search itself: keep its query string.
  const refOf = (kind, v) => (kind === 'search' && v.includes('#/search?') ? v.slice(v.indexOf('#/search?') + 9) : v);
  const llabel = h('input', { id: 'l-label', placeholder: 'label' });
  const linkform = can('write') ? h('form', { class: 'bar', id: 'linkform', onsubmit: async e => {
    e.preventDefault();
    try { show(await api(`/api/v1/incidents/${id}/links`, { method: 'POST', body: { kind: lkind.value, ref: refOf(lkind.value, lref.value.trim()), label: llabel.value.trim() || null } })); lref.value = llabel.value = ''; } catch (x) { toast(x.message, true); }
  } }, lkind, lref, llabel, h('button', { type: 'submit', text: 'Link' })) : null;

  const show = d => {
    title.textContent = `#${d.id} ${d.fields.summary.value || ''}`;
    for (const [k, f] of Object.entries(fields)) if (d.fields[k]) f.set(d.fields[k]);
    const lk = (kind, l) => {
      const href = kind === 'search' ? '#/search?' + l.ref : kind === 'alert' ? '#/alerts?id=' + encodeURIComponent(l.ref) : '#/search?' + new URLSearchParams({ q: `"${l.ref}"`, from: '-90d' });
      return h('li', { class: 'link ' + kind, 'data-ref': l.ref }, h('a', { href, text: `${kind} ${l.ref}` }), l.label ? ' ' + l.label : '', h('span', { class: 'muted', text: ` · ${l.by} ${fmtTime(l.at)}` }));
    };
    links.replaceChildren(h('h4', { text: 'Linked alerts, events and searches' }),
      h('ul', { id: 'linklist' }, ...['alert', 'event', 'search'].flatMap(k => d.links[k].map(l => lk(k, l)))));
    const fmt = v => (v === null || v === undefined ? '–' : Array.isArray(v) ? v.join(', ') : String(v));
    timeline.replaceChildren(...d.timeline.slice().reverse().map(t => h('li', { class: 'tl ' + t.kind },
      h('span', { class: 'muted', text: `${fmtTime(t.at)} ${t.author} ` }),
      t.kind === 'note' ? h('span', { class: 'notetext', text: t.text }) :
        t.kind === 'change' ? h('span', { text: `${t.field}: ${fmt(t.old)} → ${fmt(t.new)}` }) :
          h('span', { text: `${t.kind}${t.field ? ' ' + t.field : ''}${t.text ? ' ' + t.text : ''}` }))));
  };
  main.append(h('div', { class: 'bar' }, h('a', { href: '#/incidents', text: '← Incidents' })), title, presence, ro, conflict,
    h('div', { class: 'split' }, h('section', { class: 'incleft' }, grid, links, linkform),
      h('section', { class: 'incright' }, notes, h('h4', { text: 'Timeline' }), timeline)));
  (async () => {
    try {
      taxonomy = taxonomy || await api('/api/v1/veris');
      VERIS.forEach(v => fields['veris_' + v].taxonomy());
    } catch (e) { toast('VERIS taxonomy: ' + e.message, true); }
  })();
  // Subscribe first, then load: nothing changed between the two is missed. The first
  // frame after every (re)connection is a presence list: load then, so changes made
  // while the stream was down are not missed either.
  const es = new EventSource(`/api/v1/incidents/${id}/stream`);
  let loaded = false, fresh = true;
  es.onopen = () => { fresh = true; };
  es.addEventListener('presence', m => {
    const p = JSON.parse(m.data);
    const others = p.viewers.map(v => v.user).filter(u => u !== st.me.username);
    presence.textContent = 'Viewing now: ' + p.viewers.map(v => v.user).join(', ') + (others.length ? '' : ' (only you)');
    if (fresh) {
      fresh = false;
      api('/api/v1/incidents/' + id).then(d => { loaded = true; show(d); }).catch(e => { title.textContent = e.message; });
    }
  });
  es.addEventListener('incident', m => show(JSON.parse(m.data)));
  es.addEventListener('reload', () => api('/api/v1/incidents/' + id).then(show));
  es.onerror = () => { if (!loaded) api('/api/v1/incidents/' + id).then(d => { loaded = true; show(d); }).catch(e => { title.textContent = e.message; }); };
  return () => es.close();
}
