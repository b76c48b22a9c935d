// response.mjs: drives the console's response features in headless Debian chromium with
// playwright-core: block an IP from an alert and find it in the firewall feed, the
// Response page (add with a validation error, add, extend, remove, FQDN feed), the IP
// menu's Block, and a viewer who sees the lists read-only and is refused by the API.
// Run by tests/integration/test_response_browser.py, which passes WARD_URL, WARD_ADMIN /
// WARD_VIEWER (user:password), WARD_OUT (screenshots) and CHROMIUM. Prints "PASS name" /
// "FAIL name: why" lines.
import { chromium } from 'playwright-core';

const URL = process.env.WARD_URL, OUT = process.env.WARD_OUT;
const [adminUser, adminPass] = process.env.WARD_ADMIN.split(':');
const [viewerUser, viewerPass] = process.env.WARD_VIEWER.split(':');
let failed = 0, page;

async function step(name, fn) {
  try { await fn(); console.log('PASS browser_' + name); } catch (e) {
    failed++;
    try { await page.screenshot({ path: `${OUT}/failed-${name}.png` }); } catch (x) { /* gone */ }
    console.log('FAIL browser_' + name + ': ' + String(e.message || e).split('\n')[0]);
  }
}
function check(c, msg) { if (!c) throw new Error(msg); }
const shot = name => page.screenshot({ path: `${OUT}/${name}.png` });
async function feed(name) {
  const r = await fetch(URL + '/feeds/' + name);
  check(r.ok, 'feed HTTP ' + r.status);
  return r.text();
}
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (let d = 20; ; d = Math.min(d * 2, 250)) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise(r => setTimeout(r, d));
  }
}
async function login(p, user, pass) {
  await p.goto(URL + '/');
  await p.waitForSelector('#login', { timeout: 10000 });
  await p.fill('#username', user);
  await p.fill('#password', pass);
  await p.click('#loginbtn');
  await p.waitForSelector('#who', { timeout: 10000 });
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
page = await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
page.setDefaultTimeout(15000);

const IP = '45.33.32.' + (10 + Math.floor(Math.random() * 200));

await step('block_ip_from_alert_and_see_it_in_the_feed', async () => {
  await login(page, adminUser, adminPass);
  await page.goto(URL + '/#/alerts');
  await page.waitForFunction(() => document.getElementById('alertstatus').textContent.includes('alerts shown'));
  const marker = 'respalert-' + Date.now();
  const r = await fetch(URL + '/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'responsealert', summary: marker, hostname: 'fw1', details: { sourceipaddress: IP } }) });
  check(r.ok, 'event POST ' + r.status);
  const btn = `#alertrows tr:has-text("${marker}") button.block`;
  await page.waitForSelector(btn);
  check(!(await feed('ipblocklist.txt')).split('\n').includes(IP), 'not in the feed before');
  await page.click(btn);
  await page.waitForSelector(`.toast:has-text("blocked ${IP}")`);
  await shot('r01-alert-blocked');
  const text = await until(async () => { const t = await feed('ipblocklist.txt'); return t.split('\n').includes(IP) && t; }, 5000, 'the IP in the feed');
  check(text.endsWith('\n'), 'one address a line');
  // the Response page shows the entry, its creator and the alert it came from
  await page.goto(URL + '/#/response');
  const row = `#rows-ip tr[data-value="${IP}"]`;
  await page.waitForSelector(row);
  const cells = await page.$$eval(row + ' td', t => t.map(x => x.textContent));
  check(cells[3] === adminUser && cells[2].startsWith('alert:') && cells[1].includes(marker), 'entry: ' + cells.join(' | '));
});

await step('response_page_add_extend_remove', async () => {
  await page.goto(URL + '/#/response');
  await page.waitForSelector('#form-ip');
  // a private address is refused with the reason, nothing is added
  await page.fill('#add-ip', '10.1.2.3');
  await page.click('#addbtn-ip');
  await page.waitForFunction(() => document.getElementById('err-ip').textContent.includes('private network 10.0.0.0/8'));
  await shot('r02-refused');
  await page.fill('#add-ip', '198.51.99.0/24');
  await page.selectOption('#dur-ip', '12h');
  await page.fill('#comment-ip', 'scanner range');
  await page.click('#addbtn-ip');
  const row = '#rows-ip tr[data-value="198.51.99.0/24"]';
  await page.waitForSelector(row);
  const exp0 = Date.parse((await page.textContent(row + ' td.exp')).replace(' ', 'T'));
  const id = await page.getAttribute(row, 'data-id');
  await page.selectOption(`#ext-ip-${id}`, '1w');
  await page.click(row + ' button.extend');
  await page.waitForFunction(([sel, e0]) => { const c = document.querySelector(sel + ' td.exp'); return c && Date.parse(c.textContent.replace(' ', 'T')) > e0 + 6 * 86400e3; }, [row, exp0]);
  check((await feed('ipblocklist.txt')).includes('198.51.99.0/24\n'), 'range in the feed');
  await page.click(row + ' button.remove');
  await page.waitForSelector(row, { state: 'detached' });
  check(!(await feed('ipblocklist.txt')).includes('198.51.99.0/24'), 'removed from the feed');
  // FQDN list and its feed; the watch list
  await page.fill('#add-fqdn', 'Evil.Example.COM');
  await page.click('#addbtn-fqdn');
  await page.waitForSelector('#rows-fqdn tr[data-value="evil.example.com"]');
  check((await feed('fqdnblocklist.txt')).split('\n').includes('evil.example.com'), 'fqdn feed');
  await page.fill('#add-watch', 'xmrig');
  await page.click('#addbtn-watch');
  await page.waitForSelector('#rows-watch tr[data-value="xmrig"]');
  await shot('r03-response-page');
});

await step('ip_menu_block', async () => {
  const ip2 = '45.33.33.' + (10 + Math.floor(Math.random() * 200));
  const marker = 'respmenu-' + Date.now();
  await page.goto(URL + '/#/alerts');
  await page.waitForFunction(() => document.getElementById('alertstatus').textContent.includes('alerts shown'));
  await fetch(URL + '/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ category: 'responsealert', summary: marker + ' from ' + ip2, hostname: 'fw1', details: { sourceipaddress: ip2 } }) });
  const span = `#alertrows tr:has-text("${marker}") td.sum .ip`;
  await page.waitForSelector(span);
  await page.click(span);
  await page.click('#ipblock');
  await page.waitForSelector(`.toast:has-text("blocked ${ip2}")`);
  await until(async () => (await feed('ipblocklist.txt')).split('\n').includes(ip2), 5000, 'the menu-blocked IP in the feed');
});

await step('viewer_cannot_edit_lists', async () => {
  const vctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const vp = await vctx.newPage();
  vp.setDefaultTimeout(15000);
  await login(vp, viewerUser, viewerPass);
  await vp.goto(URL + '/#/response');
  await vp.waitForSelector(`#rows-ip tr[data-value="${IP}"]`);
  check(!(await vp.$('#form-ip')) && !(await vp.$('#form-watch')), 'no add forms for a viewer');
  check((await vp.$$('#list-ip button.remove, #list-ip button.extend')).length === 0, 'no edit buttons');
  check((await vp.textContent('#status-ip')).includes('read-only'), 'read-only note');
  // the API refuses even a hand-made request with the session's CSRF token
  const st = await vp.evaluate(async ip => {
    const me = await (await fetch('/api/v1/auth/me')).json();
    const r = await fetch('/api/v1/blocklist/ip', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf }, body: JSON.stringify({ address: '45.33.34.1', duration: '1h' }) });
    const d = await fetch('/api/v1/watchlist/1', { method: 'DELETE', headers: { 'X-CSRF-Token': me.csrf } });
    return [r.status, d.status];
  });
  check(st[0] === 403 && st[1] === 403, 'viewer POST/DELETE: ' + st);
  await vp.goto(URL + '/#/alerts');
  await vp.waitForSelector('#alertrows tr');
  check((await vp.$$('#alertrows button.block')).length === 0, 'no Block button for a viewer');
  await vp.screenshot({ path: `${OUT}/r04-viewer.png` });
  await vctx.close();
});

await step('no_page_errors', async () => {
  check(errors.length === 0, 'page errors: ' + errors.join('; '));
});

await browser.close();
process.exit(failed ? 1 : 0);
