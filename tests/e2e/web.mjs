// Browser test of `saasguard serve`, driven by playwright-core with Debian's
// chromium (no browser download). Run by tests/integration/test_web_browser.py,
// which starts the server, the SMTP receiver and the monitor; this script
// only clicks and reads. Settings come from the environment:
//   SG_BASE     http://127.0.0.1:PORT
//   SG_USER, SG_PASSWORD  an operator account
//   SG_SHOTS    directory for screenshots
//   SG_INCIDENT incident id to follow up
// It prints one JSON object with what it saw; the Python test asserts on it.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.SG_BASE;
const shots = process.env.SG_SHOTS;
const out = { dialogs: [], steps: {} };
const dirs = [];

// A fresh profile directory per browser (playwright passes it as --user-data-dir).
async function launch(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-chromium-'));
  dirs.push(dir);
  return chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    locale: 'ja-JP',
    ...options,
  });
}

const ctx = await launch({ viewport: { width: 1100, height: 900 } });
try {
  const requests = [];
  ctx.on('request', (r) => requests.push(r.url()));
  const page = await ctx.newPage();
  page.on('dialog', async (d) => { out.dialogs.push(d.message()); await d.dismiss(); });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  // A service and a check named <script>alert(1)</script> render as text.
  await page.goto(`${base}/status/xss`);
  out.steps.xss_h1 = await page.textContent('h1');
  out.steps.xss_cells = await page.$$eval('td', (tds) => tds.map((t) => t.textContent));
  await page.goto(`${base}/status/`);
  out.steps.index_links = await page.$$eval('a', (as) => as.map((a) => a.textContent));

  // The public status page.
  await page.goto(`${base}/status/payroll`);
  out.steps.status_title = await page.title();
  out.steps.bars = await page.$$eval('ol.bars li', (l) => l.length);
  await page.screenshot({ path: path.join(shots, 'status-page.png'), fullPage: true });

  // Log in and read the dashboard.
  await page.goto(`${base}/login`);
  await page.fill('#user', process.env.SG_USER);
  await page.fill('#password', process.env.SG_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.steps.after_login = new URL(page.url()).pathname;
  out.steps.dashboard_h1 = await page.textContent('h1');
  await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

  // A follow-up from the incident page.
  await page.goto(`${base}/dashboard/incidents/${process.env.SG_INCIDENT}`);
  await page.fill('#message', 'ブラウザから送信した続報です。原因の調査を継続しております。');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/followup"] button')]);
  out.steps.followup_banner = await page.textContent('.banner');

  // A wrong CSRF token is refused.
  await page.goto(`${base}/dashboard/incidents/${process.env.SG_INCIDENT}`);
  await page.fill('#message', 'CSRF を偽った続報');
  await page.$eval('form[action$="/followup"] input[name=csrf]', (e) => { e.value = 'sg_forged'; });
  const [resp] = await Promise.all([page.waitForNavigation(),
                                    page.click('form[action$="/followup"] button')]);
  out.steps.forged_status = resp.status();

  // Announce maintenance.
  await page.goto(`${base}/dashboard/payroll/maintenance`);
  await page.fill('#start', process.env.SG_MAINT_START);
  await page.fill('#end', process.env.SG_MAINT_END);
  await page.fill('#note', 'ネットワーク機器の交換作業');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/maintenance"] button')]);
  out.steps.maintenance_banner = await page.textContent('.banner');

  // The ledger page: the last verification, and the export downloaded as a zip.
  await page.goto(`${base}/dashboard/ledger`);
  out.steps.ledger_h1 = await page.textContent('h1');
  await page.fill('#from', '2026-11-01');
  const [dl] = await Promise.all([page.waitForEvent('download'),
                                  page.click('form[action$="/ledger/export"] button')]);
  out.steps.export_name = dl.suggestedFilename();
  out.steps.export_bytes = fs.statSync(await dl.path()).size;

  // Log out.
  await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
  out.steps.after_logout = new URL(page.url()).pathname;
  await page.goto(`${base}/dashboard/`);
  out.steps.dashboard_after_logout = new URL(page.url()).pathname;

  // The maintenance appears on the status page (views are cached a few seconds).
  let seen = false;
  for (let i = 0; i < 40 && !seen; i++) {
    await page.goto(`${base}/status/payroll`);
    seen = (await page.content()).includes('ネットワーク機器の交換作業');
    if (!seen) await page.waitForTimeout(250);
  }
  out.steps.maintenance_on_status = seen;
  out.steps.foreign_requests = requests.filter((u) => !u.startsWith(base));
  out.console_errors = consoleErrors;

  // The status page with JavaScript disabled.
  const nojs = await launch({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(`${base}/status/payroll`);
  out.steps.nojs_h1 = await p2.textContent('h1');
  out.steps.nojs_rows = await p2.$$eval('table tr', (r) => r.length).catch(() => -1);
  out.steps.nojs_bars_visible = await p2.isVisible('ol.bars');
  await p2.screenshot({ path: path.join(shots, 'status-page-nojs.png') });
  await nojs.close();
} finally {
  await ctx.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
