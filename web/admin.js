// admin.js: the Admin page (admins only): users (add, set password and role, delete) and
// API tokens (create with scopes, shown once; list; revoke). Every change is audited.
import { h, api, toast, fmtTime } from './app.js';

export function adminPage(main) {
  const users = h('tbody', { id: 'userrows' }), tokens = h('tbody', { id: 'tokenrows' });
  const shown = h('div', { id: 'newtoken', class: 'status' });
  const when = t => (t ? fmtTime(new Date(t * 1000).toISOString()) : '');
  const load = async () => {
    try {
      const [u, t] = await Promise.all([api('/api/v1/users'), api('/api/v1/tokens')]);
      users.replaceChildren(...u.users.map(x => h('tr', {}, h('td', { text: x.name }), h('td', { text: x.role }), h('td', { text: when(x.created) }),
        h('td', {}, h('button', { class: 'deluser', text: 'delete', onclick: async () => {
          if (!confirm('Delete user ' + x.name + '?')) return;
          try { await api('/api/v1/users/' + encodeURIComponent(x.name), { method: 'DELETE' }); load(); } catch (e) { toast(e.message, true); }
        } })))));
      tokens.replaceChildren(...t.tokens.map(x => h('tr', { 'data-token': x.name, class: x.revoked ? 'off' : '' }, h('td', { text: String(x.id) }), h('td', { text: x.name }), h('td', { text: x.scopes }),
        h('td', { text: x.owner }), h('td', { text: when(x.created) }), h('td', { text: x.last_used ? when(x.last_used) : 'never' }),
        h('td', { class: 'tstate', text: x.revoked ? 'revoked' : 'live' }),
        h('td', {}, x.revoked ? null : h('button', { class: 'revoke', text: 'revoke', onclick: async () => {
          try { await api('/api/v1/tokens/' + x.id, { method: 'DELETE' }); toast('revoked ' + x.name); load(); } catch (e) { toast(e.message, true); }
        } })))));
    } catch (e) { toast(e.message, true); }
  };
  const uname = h('input', { id: 'u-name', placeholder: 'name' }), upass = h('input', { id: 'u-pass', type: 'password', placeholder: 'password (8+)', autocomplete: 'new-password' });
  const urole = h('select', { id: 'u-role' }, ['viewer', 'analyst', 'admin'].map(r => h('option', { value: r, text: r })));
  const tname = h('input', { id: 't-name', placeholder: 'token name' });
  const tscopes = h('input', { id: 't-scopes', placeholder: 'scopes: ingest,read,write,admin', value: 'read' });
  main.append(
    h('h3', { text: 'Users' }),
    h('form', { class: 'bar', id: 'adduser', onsubmit: async e => {
      e.preventDefault();
      try { await api('/api/v1/users', { method: 'POST', body: { name: uname.value, role: urole.value, password: upass.value } }); upass.value = ''; toast('saved ' + uname.value); load(); } catch (x) { toast(x.message, true); }
    } }, uname, urole, upass, h('button', { type: 'submit', text: 'Add or update user' })),
    h('table', { class: 'results', id: 'users' }, h('thead', {}, h('tr', {}, ['name', 'role', 'created', ''].map(c => h('th', { text: c })))), users),
    h('h3', { text: 'API tokens' }),
    h('form', { class: 'bar', id: 'addtoken', onsubmit: async e => {
      e.preventDefault();
      try {
        const t = await api('/api/v1/tokens', { method: 'POST', body: { name: tname.value, scopes: tscopes.value } });
        shown.replaceChildren('New token (shown once): ', h('code', { id: 'tokenvalue', text: t.token }));
        load();
      } catch (x) { toast(x.message, true); }
    } }, tname, tscopes, h('button', { type: 'submit', text: 'Create token' })),
    shown,
    h('table', { class: 'results', id: 'tokens' }, h('thead', {}, h('tr', {}, ['id', 'name', 'scopes', 'owner', 'created', 'last used', 'state', ''].map(c => h('th', { text: c })))), tokens));
  load();
  return null;
}
