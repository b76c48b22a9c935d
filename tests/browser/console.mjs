// console.mjs: drives the ward console in headless Debian chromium with playwright-core.
// Run by tests/integration/test_console_browser.py, which starts ward with generator data
// and passes: WARD_URL, WARD_ADMIN / WARD_VIEWER (user:password), WARD_OUT (screenshots),
// CHROMIUM. Prints "PASS name", "FAIL name: why" and "MEASURE key value" lines.
import { chromium } from 'playwright-core';

const URL = process.env.WARD_URL, OUT = process.env.WARD_OUT;
const [adminUser, adminPass] = process.env.WARD_ADMIN.split(':');
const [viewerUser, viewerPass] = process.env.WARD_VIEWER.split(':');
let failed = 0;

let stage = '';
async function step(name, fn) {
  stage = '';
  try { await fn(); console.log('PASS browser_' + name); } catch (e) {
    failed++;
    let seen = '';
    try {
      await page.screenshot({ path: `${OUT}/failed-${name}.png` });
      seen = await page.evaluate(() => [location.hash, (document.getElementById('status') || {}).textContent, (document.getElementById('qerror') || {}).textContent].join(' | '));
    } catch (x) { /* the page is gone */ }
    console.log('FAIL browser_' + name + (stage ? ' (at ' + stage + ')' : '') + ': ' + String(e.message || e).split('\n')[0] + ' [page: ' + seen + ']');
  }
}
function check(c, msg) { if (!c) throw new Error(msg); }
async function post(path, body) {
  const r = await fetch(URL + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  check(r.ok, `POST ${path}: HTTP ${r.status}`);
}
const shot = (page, name) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: false });

async function login(page, user, pass) {
  await page.goto(URL + '/');
  await page.waitForSelector('#login', { timeout: 10000 });
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await page.click('#loginbtn');
  await page.waitForSelector('#who', { timeout: 10000 });
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await ctx.newPage();
const consoleErrors = [];
page.on('pageerror', e => consoleErrors.push(String(e)));
page.setDefaultTimeout(15000);

await step('login_page_and_bad_password', async () => {
  await page.goto(URL + '/');
  await page.waitForSelector('#login');
  await shot(page, '01-login');
  await page.fill('#username', adminUser);
  await page.fill('#password', 'wrong-password');
  await page.click('#loginbtn');
  await page.waitForFunction(() => document.getElementById('loginerr').textContent.length > 0);
  check(!(await page.$('#who')), 'a bad password must not log in');
});

await step('login', async () => {
  await login(page, adminUser, adminPass);
  const who = await page.textContent('#who');
  check(who.includes(adminUser) && who.includes('admin'), 'who: ' + who);
  const cookies = await ctx.cookies();
  const c = cookies.find(x => x.name === 'wd_session');
  check(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie HttpOnly SameSite=Strict: ' + JSON.stringify(c));
  check(await page.evaluate(() => !document.cookie.includes('wd_session')), 'script cannot read the session');
});

await step('search_histogram_results', async () => {
  await page.goto(URL + '/#/search?q=*&from=-1h&to=now');
  await page.waitForSelector('#results .hit');
  await page.waitForSelector('#histogram rect.bar');
  const rows = await page.$$eval('#results .hit', r => r.length);
  const bars = await page.$$eval('#histogram rect.bar', r => r.filter(b => Number(b.getAttribute('height')) > 0).length);
  check(rows > 0 && bars > 1, `rows ${rows}, non-empty bars ${bars}`);
  await page.click('#results .hit >> nth=0');
  await page.waitForSelector('#results .json pre');
  const js = JSON.parse(await page.textContent('#results .json pre'));
  check(js.utctimestamp, 'expanded JSON is the event');
  await shot(page, '02-search');
});

await step('sidebar_filter_in_and_out', async () => {
  await page.goto(URL + '/#/search?q=*&from=-1h&to=now');
  await page.waitForSelector('#fields .field[data-field="hostname"]');
  await page.click('#fields .field[data-field="hostname"] .fname');
  const value = await page.textContent('#fields .field[data-field="hostname"] .vals li .val');
  await page.click('#fields .field[data-field="hostname"] button.in');
  await page.waitForFunction(v => document.getElementById('q').value.includes('hostname:"' + v + '"') && document.querySelector('#status').textContent.includes('hits'), value);
  await page.waitForSelector('#results .hit');
  const hosts = await page.$$eval('#results .hit .h', t => [...new Set(t.map(x => x.textContent))]);
  check(hosts.length === 1 && hosts[0] === value, `filtered in to ${value}: got ${hosts.slice(0, 3)}`);
  check(/hostname/.test(await page.evaluate(() => location.hash)), 'the URL carries the search');
  await page.click('#fields .field[data-field="hostname"] .fname');
  await page.click('#fields .field[data-field="hostname"] button.out');
  await page.waitForFunction(() => document.getElementById('q').value.includes('NOT hostname:'));
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('hits'));
  const none = await page.$$eval('#results .hit .h', (t, v) => t.filter(x => x.textContent === v).length, value);
  check(none === 0, 'filtered out');
  await shot(page, '03-filtered');
});

await step('histogram_drag_zooms', async () => {
  await page.goto(URL + '/#/search?q=*&from=-1h&to=now');
  await page.waitForSelector('#histogram rect.bar');
  const before = await page.$$eval('#results .hit', r => r.length);
  const box = await page.locator('#histogram').boundingBox();
  await page.mouse.move(box.x + box.width * 0.80, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.95, box.y + 40, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /^\d{4}-\d\d-\d\dT/.test(document.getElementById('from').value) && document.getElementById('range').value === 'custom');
  await page.waitForFunction(() => location.hash.includes('from=20'));
  const from = Date.parse(await page.inputValue('#from')), to = Date.parse(await page.inputValue('#to'));
  check(to > from && to - from < 3600 * 1000, `zoomed range ${from}..${to}`);
  check(before > 0, 'results before zoom');
});

await step('syntax_error_at_column', async () => {
  await page.fill('#q', 'hostname:[a TO');
  await page.click('#run');
  await page.waitForSelector('#qcaret');
  const caret = await page.textContent('#qcaret');
  check(caret.split('\n')[1].includes('^'), 'caret line: ' + caret);
});

await step('pipe_table_and_chart', async () => {
  await page.goto(URL + '/#/search?' + new URLSearchParams({ q: '* | top 5 hostname', from: '-1h', to: 'now' }));
  await page.waitForSelector('#pipetable tbody tr');
  await page.waitForSelector('#pipechart rect.bar');
  await shot(page, '04-pipe');
});

await step('ip_menu', async () => {
  await page.goto(URL + '/#/search?q=*&from=-1h&to=now');
  await page.waitForSelector('#results .ip');
  const ip = await page.getAttribute('#results .ip >> nth=0', 'data-ip');
  await page.click('#results .ip >> nth=0');
  await page.waitForSelector('#ipmenu');
  const txt = await page.textContent('#ipmenu');
  check(txt.includes('Search for ' + ip) && txt.includes('Copy'), 'menu: ' + txt);
  stage = 'add to list';
  await page.click('#ipmenu button:has-text("Add to list watch")');
  await page.waitForSelector(`.toast:has-text("added ${ip} to watch")`);
  const entries = await page.evaluate(async () => (await (await fetch('/api/v1/lists/watch')).json()).entries);
  check(entries.includes(ip) && entries.includes('203.0.113.1'), 'list entries: ' + JSON.stringify(entries));
  stage = 'search for it';
  await page.click('#results .ip >> nth=0');
  await page.waitForSelector('#ipmenu');
  await page.click('#ipmenu button:has-text("Search for")');
  await page.waitForFunction(v => document.getElementById('q').value.includes(v), ip);
});

await step('render_10k_rows', async () => {
  await page.goto(URL + '/#/search?q=*&from=&to=now&limit=10000');
  await page.waitForFunction(() => window.wardLastRender && window.wardLastRender.rows === 10000, null, { timeout: 30000 });
  const r = await page.evaluate(() => window.wardLastRender);
  console.log('MEASURE render_10k_rows_ms ' + r.ms.toFixed(1) + ' ' + JSON.stringify(await page.evaluate(() => window.wardRenderParts)));
  check(r.ms < 1000, `10,000 rows rendered in ${r.ms} ms (budget 1000)`);
});

await step('live_tail_pause_resume', async () => {
  await page.goto(URL + '/#/tail?q=category:browsertail');
  await page.waitForFunction(() => document.getElementById('tailstatus').dataset.live === '1');
  await post('/events', { category: 'browsertail', summary: 'tail event one from 10.20.30.40', hostname: 'tailhost' });
  await page.waitForSelector('#tailrows tr:has-text("tail event one")');
  await page.click('#pause');
  await post('/events', { category: 'browsertail', summary: 'tail event two', hostname: 'tailhost' });
  await page.waitForFunction(() => document.getElementById('tailstatus').textContent.includes('1 waiting'));
  check(!(await page.$('#tailrows tr:has-text("tail event two")')), 'paused: not shown');
  await page.click('#pause');
  await page.waitForSelector('#tailrows tr:has-text("tail event two")');
  await shot(page, '05-tail');
});

await step('alert_appears_live_and_ack', async () => {
  stage = 'load';
  await page.goto(URL + '/#/alerts');
  await page.waitForFunction(() => document.getElementById('alertstatus').textContent.includes('alerts shown'));
  const marker = 'browseralert-' + Date.now();
  await post('/events', { category: 'browseralert', summary: marker + ' from 192.0.2.7', hostname: 'alerthost', details: { sourceipaddress: '192.0.2.7' } });
  const row = `#alertrows tr.new:has-text("${marker}")`;
  await page.waitForSelector(row, { timeout: 20000 });
  await shot(page, '06-alert-new');
  await page.click(`${row} button.ack`);
  try {
    await page.waitForSelector(`#alertrows tr:has-text("${marker}") td.st:has-text("acknowledged")`);
  } catch (e) {
    const t = await page.$$eval('.toast', x => x.map(y => y.textContent).join('; '));
    throw new Error('not acknowledged; messages: ' + t + '; row: ' + await page.textContent(`#alertrows tr:has-text("${marker}")`));
  }
  const st = await page.textContent(`#alertrows tr:has-text("${marker}") td.st`);
  check(st.includes('by ' + adminUser), 'ack records who: ' + st);
  stage = 'open';
  await page.click(`#alertrows tr:has-text("${marker}") button.open`);
  await page.waitForSelector('#alertdetail pre.sample');
  const href = await page.getAttribute('#samplesearch', 'href');
  check(href && href.includes('search'), 'link to the search of its events');
  stage = 'sample search ' + href;
  await page.click('#samplesearch');
  // The alert can be newer than the store's last flush (store.flush_interval_ms): search
  // again, within a bound, until its event is searchable.
  for (let i = 0; ; i++) {
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('hits'));
    if (await page.$('#results .hit')) break;
    check(i < 20, 'the linked search never found the event');
    await page.waitForTimeout(250);
    await page.click('#run');
  }
  const found = await page.textContent('#results');
  check(found.includes(marker), 'the linked search finds the sample event');
  await shot(page, '07-alert-ack');
});

await step('sources_page', async () => {
  await page.goto(URL + '/#/sources');
  await page.waitForSelector('#inputrows tr');
  await page.waitForSelector('#sourcerows tr');
  await shot(page, '08-sources');
});

await step('rules_admin_can_toggle', async () => {
  await page.goto(URL + '/#/rules');
  await page.waitForSelector('#rulerows tr button.toggle');
  await shot(page, '09-rules-admin');
});

await step('admin_creates_and_revokes_a_token', async () => {
  await page.goto(URL + '/#/admin');
  await page.waitForSelector('#userrows tr');
  await page.fill('#t-name', 'from-the-console');
  await page.fill('#t-scopes', 'read');
  await page.click('#addtoken button');
  await page.waitForSelector('#tokenvalue');
  const tok = await page.textContent('#tokenvalue');
  const ok = await fetch(URL + '/api/v1/search?limit=0', { headers: { Authorization: 'Bearer ' + tok } });
  check(ok.status === 200, 'new token reads: ' + ok.status);
  await page.click('#tokenrows tr[data-token="from-the-console"] button.revoke');
  await page.waitForSelector('#tokenrows tr[data-token="from-the-console"] td.tstate:has-text("revoked")');
  const gone = await fetch(URL + '/api/v1/search?limit=0', { headers: { Authorization: 'Bearer ' + tok } });
  check(gone.status === 401, 'revoked token: ' + gone.status);
  await shot(page, '10-admin');
});

await step('viewer_cannot_disable_rule', async () => {
  await page.click('#logout');
  await page.waitForSelector('#login');
  await login(page, viewerUser, viewerPass);
  await page.goto(URL + '/#/rules');
  await page.waitForSelector('#rulerows tr');
  check((await page.$$('#rulerows button.toggle')).length === 0, 'no toggle for a viewer');
  const name = await page.getAttribute('#rulerows tr >> nth=0', 'data-rule');
  const status = await page.evaluate(async n => {
    const me = await (await fetch('/api/v1/auth/me')).json();
    const r = await fetch('/api/v1/rules/' + encodeURIComponent(n) + '/disable', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf, 'Content-Type': 'application/json' }, body: '{}' });
    return r.status;
  }, name);
  check(status === 403, 'viewer POST disable: ' + status);
  await page.reload();
  await page.waitForSelector('#rulerows tr');
  const rs = await page.textContent(`#rulerows tr[data-rule="${name}"] td.rs`);
  check(rs === 'enabled', 'rule still enabled: ' + rs);
  check(!(await page.$('#nav-admin')), 'no Admin page for a viewer');
  await shot(page, '11-rules-viewer');
});

await step('no_page_errors', async () => { check(consoleErrors.length === 0, consoleErrors.join('; ')); });

await browser.close();
process.exit(failed ? 1 : 0);
