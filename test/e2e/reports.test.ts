import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** The Reports page in a browser: run a report over the visible calls, change the period, save it as personal, export it. */
describe('reports in a browser', { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let t: TestDb;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser;

  before(async () => {
    t = await createTestDb();
    const dist = buildWeb(path.join(t.dir, 'web'));
    const site = await addSite(t.db, 'HQ', { privacyDigits: 2, privacyLevel: 8 });
    const alice = await addAccount(t.db, 'alice', '1001', { level: 2, department: 'Sales', site_id: site });
    const bob = await addAccount(t.db, 'bob', '1002', { level: 2, department: 'Sales', site_id: site });
    const now = Math.floor(Date.now() / 1000);
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '5035551234', startAt: now - 300, cost: 250, duration: 125 });
    await addCall(t.db, { siteId: site, userId: bob, extension: '1002', remote: '4155550000', startAt: now - 200, cost: 900, duration: 400 });
    server = await serve(createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }) }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('runs, changes the period, saves as personal and exports, showing only visible calls', async () => {
    const p = await (await browser.newContext({ locale: 'en-US', acceptDownloads: true })).newPage();
    await p.goto(server!.base + '/');
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'Reports' }).click();
    // By test id: a select's accessible name includes its selected option, which changes as the catalogue loads.
    await p.getByTestId('report-select').selectOption('call-list');
    await p.getByTestId('period-select').selectOption('last-7-days');
    await p.getByRole('button', { name: 'Run' }).click();
    const table = p.getByTestId('report-table');
    await table.waitFor();
    const text = (await table.textContent()) ?? '';
    assert.match(text, /50355512XX/, 'the own call, its number masked below the privacy level');
    assert.doesNotMatch(text, /4155550000|41555500XX|1002/, "another user's call never shows");
    await p.getByTestId('period-select').selectOption('last-week');
    await p.getByRole('button', { name: 'Run' }).click();
    await p.getByText('No calls match.').waitFor();
    await p.getByTestId('period-select').selectOption('last-7-days');
    await p.getByLabel('Save as').fill('My calls');
    await p.getByRole('button', { name: 'Save as personal report' }).click();
    await p.getByText('Saved as "My calls".').waitFor();
    await p.getByRole('button', { name: 'My calls' }).click();
    await p.getByTestId('report-table').getByText('50355512XX').waitFor();
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'call-list.csv');
    const file = await download.path();
    const csv = (await import('node:fs')).readFileSync(file!, 'utf8');
    assert.match(csv, /^\uFEFFStart,Direction/);
    assert.match(csv, /50355512XX/);
    assert.doesNotMatch(csv, /4155550000/);
    const saved = await t.db('saved_reports').where({ owner: 'alice' }).select('name', 'report');
    assert.deepEqual(saved.map((s) => [s.name, s.report]), [['My calls', 'call-list']]);
  });
});
