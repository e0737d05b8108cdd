import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { decodeCurriResponse } from '../../curri/index.js';
import { createApp } from '../../src/app.js';
import { setBudget } from '../../src/budget/admin.js';
import { createBudgetEngine } from '../../src/budget/engine.js';
import { loadConfig } from '../../src/config.js';
import { createPhoneLockServices } from '../../src/phone-lock/create.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** "My phone" in a browser: a user locks and unlocks the own line, CURRI follows; the budget is shown. */
describe('my phone in a browser', { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let t: TestDb;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let base: string;
  let browser: Browser;
  let lock: ReturnType<typeof createPhoneLockServices>;
  let engine: ReturnType<typeof createBudgetEngine>;

  let dist: string;

  before(async () => {
    t = await createTestDb();
    dist = buildWeb(path.join(t.dir, 'web'));
    const site = await addSite(t.db, 'HQ');
    await addAccount(t.db, 'alice', '1001', { level: 2, department: 'Sales', site_id: site });
    await addAccount(t.db, 'root', '1000', { level: 10, department: 'IT', site_id: site });
    await setBudget({ db: t.db, input: { scope: 'user', target: 'alice', period: 'monthly', amount: '25', currency: 'USD' }, defaultTimezone: 'UTC', now: Math.floor(Date.now() / 1000) });
    const config = loadConfig({ TOLLGATE_DB: t.url });
    lock = createPhoneLockServices(config, t.db, testLog, { push: false });
    await lock.phoneLock.start();
    engine = createBudgetEngine({ db: t.db, log: testLog, adminEmails: [] });
    const app = createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }), lock: { ...lock, settings: config }, budgets: engine });
    server = await serve(app);
    base = server.base;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.stop();
    await lock?.phoneLock.stop();
    await t?.close();
  });

  async function signIn(p: Page, username: string) {
    await p.goto(base + '/');
    await p.getByLabel('Username').fill(username);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  const decision = async () => {
    const res = await fetch(`${base}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: curriRequest({ calling: '1001', called: '0015551234567' }) });
    return decodeCurriResponse(await res.text()).decision;
  };

  it('locks and unlocks the own line; CURRI follows; the budget is shown', async () => {
    const p = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(p, 'alice');
    await p.getByRole('link', { name: 'My phone' }).click();
    await p.getByTestId('line-state').waitFor();
    assert.equal(await p.getByTestId('line-state').textContent(), 'Line 1001 is unlocked');
    assert.equal(await decision(), 'Permit');
    await p.getByRole('button', { name: 'Lock my line' }).click();
    await p.getByText('Line 1001 is locked').waitFor();
    assert.ok(await p.getByText('Locked by you').isVisible());
    assert.equal(await decision(), 'Deny', 'the next CURRI request from the line is denied');
    await p.getByRole('button', { name: 'Unlock my line' }).click();
    await p.getByText('Line 1001 is unlocked').waitFor();
    assert.equal(await decision(), 'Permit');
    const budgets = p.getByTestId('my-budgets');
    assert.match((await budgets.textContent()) ?? '', /\$25\.00 a month/);
    assert.match((await budgets.textContent()) ?? '', /Available/);
  });

  it('an administrator sets a department budget, sees it with its current period, and the history', async () => {
    const p = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(p, 'root');
    await p.getByRole('link', { name: 'Budgets' }).click();
    const form = p.getByTestId('budget-form');
    await form.getByLabel('For').selectOption('department');
    await form.getByLabel('User, department or cost centre').fill('Sales');
    await form.getByLabel('Period').selectOption('weekly');
    await form.getByLabel('Amount').fill('40');
    await form.getByLabel('Currency').fill('USD');
    await form.getByRole('button', { name: 'Save budget' }).click();
    await p.getByText('Budget saved.').waitFor();
    const row = p.getByTestId('budgets').getByRole('row', { name: /Sales/ });
    assert.match((await row.textContent()) ?? '', /Department.*Sales.*\$40\.00 a week.*\$0\.00.*Available/);
    assert.match((await p.getByTestId('budget-history').textContent()) ?? '', /Budget set.*created: 40\.00 USD weekly/);
    await form.getByLabel('User, department or cost centre').fill('Nowhere');
    await form.getByRole('button', { name: 'Save budget' }).click();
    await p.getByRole('alert').filter({ hasText: 'no department "Nowhere"' }).waitFor();
  });

  it("an administrator locks a user's line and sets the PIN from the user's page", async () => {
    const p = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(p, 'root');
    await p.getByRole('link', { name: 'Users' }).click();
    await p.getByRole('button', { name: 'alice', exact: true }).click();
    const panel = p.getByTestId('line-panel');
    await panel.getByText('Unlocked').waitFor();
    await panel.getByLabel('Locked by an administrator').check();
    await panel.getByText('Locked (admin)').waitFor();
    assert.equal(await decision(), 'Deny');
    const alice = await t.db('line_locks').where({ extension: '1001' }).select('reason', 'who', 'channel');
    assert.deepEqual(alice.map((r) => [r.reason, r.who, r.channel]), [['admin', 'root', 'web']]);
    await panel.getByLabel('Locked by an administrator').uncheck();
    await panel.getByText('Unlocked').waitFor();
    assert.equal(await decision(), 'Permit');
    await panel.getByLabel('New PIN').fill('12');
    await panel.getByRole('button', { name: 'Set PIN' }).click();
    await panel.getByRole('alert').filter({ hasText: 'a PIN is 4 digits' }).waitFor();
    await panel.getByLabel('New PIN').fill('2468');
    await panel.getByRole('button', { name: 'Set PIN' }).click();
    await panel.getByText('PIN saved.').waitFor();
    assert.equal(Number((await t.db('user_pins').count({ n: '*' }).first())?.n), 1);
  });
});
