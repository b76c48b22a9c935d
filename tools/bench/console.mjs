// console.mjs: times the console's Search page in headless chromium against a loaded
// ward (tools/bench-console.sh): from navigation (already logged in) to the results and
// the histogram drawn, for a few queries over all the stored events. Prints one line each.
import { chromium } from 'playwright-core';

const URL = process.env.WARD_URL;
const b = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(URL + '/');
await page.fill('#username', 'bench');
await page.fill('#password', 'bench-password');
await page.click('#loginbtn');
await page.waitForSelector('#who');
const queries = [['*', 500], ['*', 10000], ['details.sourceipaddress:"10.0.0.0/8"', 500], ['summary:"MX type"', 500], ['* | top 10 details.sourceipaddress', 0]];
for (const [q, limit] of queries) {
  for (let run = 0; run < 3; run++) {
    await page.goto(URL + '/#/search?q=x');
    await page.waitForSelector('#status');
    const t0 = Date.now();
    await page.goto(URL + '/#/search?' + new URLSearchParams({ q, from: '', to: 'now', ...(limit ? { limit } : {}) }));
    if (q.includes('|')) await page.waitForSelector('#pipetable tbody tr', { timeout: 60000 });
    else await page.waitForFunction(() => document.querySelector('#histogram rect.bar') && document.getElementById('status').textContent.includes('hits'), null, { timeout: 60000 });
    const ms = Date.now() - t0;
    const status = await page.textContent('#status');
    if (run === 2) console.log(`q=${JSON.stringify(q)} limit=${limit}: ${ms} ms to results and histogram drawn (${status})`);
  }
}
await b.close();
