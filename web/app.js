// app.js: the ward console's shell: session (login, logout), the API helper with the
// CSRF header, hash routing (#/search?q=..., shareable), navigation, keyboard shortcuts
// and the IP address menu shared by every page (search, copy, block, add to a list). No framework, no third-party code.
import { searchPage, tailPage } from './search.js';
import { alertsPage } from './alerts.js';
import { sourcesPage, rulesPage } from './ops.js';
import { adminPage } from './admin.js';
import { responsePage, blockIp } from './response.js';

export const st = { me: null, stop: null };

// Builds an element: h('div', {class: 'x', onclick: f}, child, ...).
export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

export function esc(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// Escapes text and wraps every IPv4/IPv6-looking address in a span the IP menu opens on.
// IPv6: all eight groups, or a '::' form (so clock times such as 10:05:00 are not taken).
const IP_RE = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?(?![\w:])/gi;
export function withIps(s) {
  return esc(s).replace(IP_RE, m => `<span class="ip" data-ip="${m}">${m}</span>`);
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.reason) || ('HTTP ' + status));
    this.status = status; this.body = body;
  }
}

// JSON API call; state-changing requests carry the session's CSRF token.
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && st.me) headers['X-CSRF-Token'] = st.me.csrf;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: opts.body === undefined ? undefined : (typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)),
  });
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (r.status === 401 && !opts.noLogin) { st.me = null; render(); }
  if (!r.ok) throw new ApiError(r.status, j);
  return j;
}

export function can(scope) {
  return st.me && st.me.scopes.split(',').includes(scope);
}

export function route() {
  const hs = location.hash.replace(/^#\/?/, '');
  const [page, qs] = hs.split('?');
  return { page: page || 'search', params: new URLSearchParams(qs || '') };
}

export function go(page, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  const want = '#/' + page + (qs ? '?' + qs : '');
  if (location.hash === want) render(); else location.hash = want;
}

// Replaces the URL (shareable) without re-rendering.
export function setUrl(page, params) {
  history.replaceState(null, '', '#/' + page + '?' + new URLSearchParams(params).toString());
}

export function fmtTime(t) {
  if (!t) return '';
  return String(t).replace('T', ' ').replace(/(\.\d{3})\d*/, '$1').replace('+00:00', 'Z');
}

export function ago(sec) {
  if (sec === null || sec === undefined) return 'never';
  const d = Math.max(0, Date.now() / 1000 - sec);
  if (d < 60) return Math.round(d) + 's ago';
  if (d < 3600) return Math.round(d / 60) + 'm ago';
  if (d < 86400) return Math.round(d / 3600) + 'h ago';
  return Math.round(d / 86400) + 'd ago';
}

export function toast(msg, bad) {
  const t = h('div', { class: 'toast' + (bad ? ' bad' : ''), role: 'status', text: msg });
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}

// ---- IP menu: search for it, copy, add to a list ----
let menu = null;
function closeMenu() { if (menu) { menu.remove(); menu = null; } }
async function openIpMenu(ip, x, y) {
  closeMenu();
  menu = h('div', { class: 'menu', id: 'ipmenu' },
    h('div', { class: 'menu-title', text: ip }),
    h('button', { text: 'Search for ' + ip, onclick: () => { closeMenu(); go('search', { q: `"${ip}"`, from: '-24h' }); } }),
    h('button', { text: 'Copy', onclick: async () => { closeMenu(); try { await navigator.clipboard.writeText(ip); toast('copied ' + ip); } catch (e) { toast('copy failed: ' + e.message, true); } } }));
  menu.style.left = x + 'px'; // CSSOM, which the page's CSP allows (style attributes it does not)
  menu.style.top = y + 'px';
  document.body.append(menu);
  if (!can('write')) return;
  menu.append(h('button', { id: 'ipblock', text: 'Block ' + ip + ' for 1 day', onclick: async () => {
    closeMenu();
    try { await blockIp(ip, '1d', 'blocked from the console'); } catch (e) { toast(e.message, true); }
  } }));
  try {
    const j = await api('/api/v1/lists');
    for (const l of j.lists || []) {
      if (!menu) return;
      menu.append(h('button', { text: 'Add to list ' + l.name, onclick: async () => {
        closeMenu();
        try { await api('/api/v1/lists/' + encodeURIComponent(l.name) + '?entry=' + encodeURIComponent(ip), { method: 'POST', body: '' }); toast(`added ${ip} to ${l.name}`); } catch (e) { toast(e.message, true); }
      } }));
    }
  } catch (e) { /* no lists */ }
}
document.addEventListener('click', e => {
  const ip = e.target.closest && e.target.closest('.ip');
  if (ip) { e.preventDefault(); e.stopPropagation(); openIpMenu(ip.dataset.ip, e.pageX, e.pageY); return; }
  if (menu && !menu.contains(e.target)) closeMenu();
});

// ---- keyboard: / focuses the query; 1..5 switch pages; Esc closes menus ----
const PAGES = [['search', 'Search'], ['tail', 'Live tail'], ['alerts', 'Alerts'], ['sources', 'Sources'], ['rules', 'Rules'], ['incidents', 'Incidents'], ['metrics', 'Metrics'], ['response', 'Response']];
document.addEventListener('keydown', e => {
  const typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
  if (e.key === 'Escape') { closeMenu(); return; }
  if (typing || e.ctrlKey || e.metaKey || e.altKey || !st.me) return;
  if (e.key === '/') { const q = document.getElementById('q'); if (q) { e.preventDefault(); q.focus(); } }
  const n = Number(e.key);
  if (n >= 1 && n <= PAGES.length) go(PAGES[n - 1][0]);
});

function loginView(root) {
  const err = h('p', { class: 'err', id: 'loginerr' });
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'login', id: 'login', onsubmit: async e => {
    e.preventDefault(); err.textContent = '';
    try {
      st.me = await api('/api/v1/auth/login', { method: 'POST', body: { username: user.value, password: pass.value }, noLogin: true });
      render();
    } catch (x) { err.textContent = x.status === 429 ? 'Too many failed logins; wait and try again.' : x.message; }
  } }, h('h1', { text: 'ward' }), h('label', {}, 'User', user), h('label', {}, 'Password', pass),
  h('button', { type: 'submit', id: 'loginbtn', text: 'Log in' }), err);
  root.replaceChildren(form);
  user.focus();
}

// A page whose module loads on its first visit (kept out of the first page's weight).
function lazy(mod, name) {
  return (main, params) => {
    let stop = null, gone = false;
    import(mod).then(m => { if (!gone) stop = m[name](main, params) || null; })
      .catch(e => { main.textContent = `cannot load ${mod}: ${e.message}`; });
    return () => { gone = true; if (stop) stop(); };
  };
}
const incidentsPage = lazy('./incidents.js', 'incidentsPage'), metricsPage = lazy('./metrics.js', 'metricsPage');

export async function render() {
  if (st.stop) { st.stop(); st.stop = null; }
  closeMenu();
  const root = document.getElementById('app');
  if (!st.me) {
    try { st.me = await api('/api/v1/auth/me', { noLogin: true }); } catch (e) { st.me = null; }
    if (!st.me) return loginView(root);
  }
  const { page, params } = route();
  const nav = h('nav', {}, h('span', { class: 'brand', text: 'ward' }),
    PAGES.map(([p, label], i) => h('a', { href: '#/' + p, class: p === page ? 'on' : '', title: `${label} (${i + 1})`, id: 'nav-' + p, text: label })),
    can('admin') ? h('a', { href: '#/admin', class: page === 'admin' ? 'on' : '', id: 'nav-admin', text: 'Admin' }) : null,
    h('span', { class: 'who', id: 'who', text: `${st.me.username} (${st.me.role})` }),
    h('button', { id: 'logout', text: 'Log out', onclick: async () => { try { await api('/api/v1/auth/logout', { method: 'POST', body: {} }); } catch (e) { /* gone */ } st.me = null; render(); } }));
  const main = h('main', { id: 'page-' + page });
  root.replaceChildren(nav, main);
  const pages = { search: searchPage, tail: tailPage, alerts: alertsPage, sources: sourcesPage, rules: rulesPage, admin: adminPage, incidents: incidentsPage, metrics: metricsPage, response: responsePage };
  st.stop = (pages[page] || searchPage)(main, params) || null;
}

window.addEventListener('hashchange', render);
render();
