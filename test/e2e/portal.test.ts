import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { ensureAdmin } from '../../src/auth/bootstrap-admin.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** Browser end-to-end tests of the portal in headless Chromium (Debian `chromium` + playwright-core). */
describe('portal in a browser', { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let t: TestDb;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let base: string;
  let browser: Browser;
  let adminPassword: string;

  before(async () => {
    t = await createTestDb();
    const dist = buildWeb(path.join(t.dir, 'web'));
    const site = await addSite(t.db, 'HQ', { privacyDigits: 2, privacyLevel: 8 });
    const alice = await addAccount(t.db, 'alice', '1001', { level: 2, department: 'Sales', site_id: site });
    const now = Math.floor(Date.now() / 1000);
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '5035551234', startAt: now - 300, cost: 250, duration: 125 });
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '5037770000', startAt: now - 200, direction: 'incoming', answered: false, duration: 0, cost: null });
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '1002', startAt: now - 100, direction: 'internal', cost: null });
    adminPassword = (await ensureAdmin({ db: t.db, password: undefined, now }))!.password!;
    server = await serve(createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }) }));
    base = server.base;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function page(locale = 'en-US'): Promise<Page> {
    const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    return ctx.newPage();
  }
  async function signIn(p: Page, username: string, password: string) {
    await p.goto(base + '/');
    await p.getByLabel('Username').fill(username);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Picks a CSV file for the labelled file input and presses Import. */
  async function upload(p: Page, label: string, text: string) {
    await p.getByLabel(label).setInputFiles({ name: 'upload.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await p.getByRole('button', { name: 'Import', exact: true }).click();
  }

  it('first login of admin forces a password change, then shows the portal', async () => {
    const p = await page();
    await signIn(p, 'admin', 'wrong password');
    await p.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await signIn(p, 'admin', adminPassword);
    await p.getByRole('heading', { name: 'Change your password' }).waitFor();
    await p.getByLabel('Current password').fill(adminPassword);
    await p.getByLabel('New password', { exact: true }).fill('brand new admin pass');
    await p.getByLabel('Repeat the new password').fill('brand new admin pass');
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.getByRole('heading', { name: 'Home' }).waitFor();
    assert.ok(await p.getByRole('link', { name: 'Users' }).isVisible());
    adminPassword = 'brand new admin pass';
    await p.context().close();
  });

  it('home shows the last calls with type icons, masked numbers and the month summary; a number opens the filtered list', async () => {
    const p = await page();
    await signIn(p, 'alice', PASSWORD);
    await p.getByTestId('month-calls').filter({ hasText: '3' }).waitFor();
    assert.equal(await p.getByTestId('missed-today').textContent(), '1');
    const rows = p.getByTestId('calls').locator('tbody tr');
    assert.equal(await rows.count(), 3);
    await p.getByRole('img', { name: 'Missed' }).waitFor();
    await p.getByRole('img', { name: 'Internal' }).waitFor();
    assert.ok(await p.getByRole('link', { name: '50355512XX' }).isVisible(), 'masked number');
    assert.equal(await p.getByRole('link', { name: 'Users' }).count(), 0, 'no admin pages for level 2');
    await p.getByRole('link', { name: '50355512XX' }).click();
    await p.getByRole('heading', { name: 'Calls' }).waitFor();
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="calls"] tbody tr').length === 1);
    assert.match(p.url(), /#\/calls\?number=50355512$/);
    await p.context().close();
  });

  it('an administrator imports users from CSV; a file with a bad line imports nothing and lists it', async () => {
    const p = await page();
    await signIn(p, 'admin', adminPassword);
    await p.getByRole('link', { name: 'Users' }).click();
    await p.getByRole('heading', { name: 'Users' }).waitFor();
    const bad = '\uFEFFusername;department;level\r\nnew1;Sales;2\r\nnew2;Sales;5\r\n';
    await upload(p, 'File', bad);
    await p.getByTestId('import-problems').filter({ hasText: 'Line 3 – level' }).waitFor();
    assert.equal(await p.getByTestId('users').getByText('new1').count(), 0);
    const good = '\uFEFFusername;first_name;department;level\r\nnew1;Nina;Sales;2\r\nnew2;Otto;R&D;6\r\n';
    await upload(p, 'File', good);
    await p.getByText('Imported 2 users (2 new, 0 updated).').waitFor();
    await p.getByTestId('users').getByRole('button', { name: 'new2' }).waitFor();
    await p.getByLabel('Search users').fill('new2');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="users"] tbody tr').length === 1);
    await p.context().close();
  });

  it('administration: loads a sites file and lists it; a bad file lists its problems', async () => {
    const p = await page();
    await signIn(p, 'admin', adminPassword);
    await p.getByRole('link', { name: 'Administration' }).click();
    await p.getByRole('tab', { name: 'Sites' }).waitFor();
    const label = 'CSV or JSON file (the formats of tollgate import)';
    await upload(p, label, 'code;name;country;timezone;currency\r\nROMA;Roma;IT;Nowhere/City;EUR\r\n');
    await p.getByText(/timezone: unknown time zone/).waitFor();
    await upload(p, label, 'code;name;country;timezone;currency\r\nROMA;Roma;IT;Europe/Rome;EUR\r\n');
    await p.getByTestId('admin-sites').getByRole('cell', { name: 'ROMA', exact: true }).first().waitFor();
    await p.getByRole('tab', { name: 'Tariffs' }).click();
    assert.equal(await p.getByRole('tab', { name: 'Tariffs' }).getAttribute('aria-selected'), 'true');
    await p.getByRole('link', { name: 'System status' }).click();
    await p.getByTestId('status').getByRole('rowheader', { name: 'ROMA' }).waitFor();
    await p.context().close();
  });

  it('dashboard: adds, minimises, moves and removes widgets, and keeps the layout after a reload', async () => {
    const p = await page();
    await signIn(p, 'alice', PASSWORD);
    await p.getByRole('link', { name: 'Dashboard' }).click();
    await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await p.locator('[data-widget="status-7-days"] canvas').waitFor();
    await p.getByTestId('add-widget').selectOption('week-top-cost-area');
    await p.getByRole('button', { name: 'Add', exact: true }).click();
    const added = p.locator('[data-widget="week-top-cost-area"]');
    await added.locator('canvas').waitFor();
    await added.getByRole('button', { name: 'Minimise' }).click();
    await added.getByRole('button', { name: 'Restore' }).waitFor();
    await added.getByLabel('Zone').selectOption('side');
    await p.getByTestId('zone-side').locator('[data-widget="week-top-cost-area"]').waitFor();
    await p.getByRole('button', { name: "Remove: Call status, last 7 days" }).click();
    await p.locator('[data-widget="status-7-days"]').waitFor({ state: 'detached' });
    await p.waitForTimeout(300);
    await p.reload();
    await p.getByTestId('zone-side').locator('[data-widget="week-top-cost-area"]').getByRole('button', { name: 'Restore' }).waitFor();
    assert.equal(await p.locator('[data-widget="status-7-days"]').count(), 0);
    await p.context().close();
  });

  it('Arabic lays the portal out right to left, from the browser language and from the selector', async () => {
    const p = await page('ar-EG');
    await p.goto(base + '/');
    await p.getByRole('heading', { name: 'تسجيل الدخول' }).waitFor();
    assert.equal(await p.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await p.evaluate(() => document.documentElement.lang), 'ar');
    await p.getByTestId('language').selectOption('it');
    await p.getByRole('heading', { name: 'Accedi' }).waitFor();
    assert.equal(await p.evaluate(() => document.documentElement.dir), 'ltr');
    await p.getByTestId('language').selectOption('ar');
    await p.getByLabel('اسم المستخدم').fill('alice');
    await p.getByLabel('كلمة المرور').fill(PASSWORD);
    await p.getByRole('button', { name: 'دخول' }).click();
    await p.getByRole('heading', { name: 'الرئيسية' }).waitFor();
    assert.equal(await p.evaluate(() => document.documentElement.dir), 'rtl');
    // The navigation starts at the right edge in RTL.
    const nav = await p.getByRole('navigation').boundingBox();
    const brand = await p.locator('.brand').boundingBox();
    assert.ok(brand!.x > nav!.x, 'brand right of the navigation');
    await p.context().close();
  });
});
