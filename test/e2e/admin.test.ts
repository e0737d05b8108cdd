import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { listGateways, upsertGateway } from '../../src/db/queries/sites.js';
import { listTariffs, upsertTariffs } from '../../src/db/queries/tariffs.js';
import { parseTariffFile } from '../../src/rating/tariff-io.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../src/rating/samples/tariff-it.csv');

/** The Administration page in headless Chromium: single-record forms for sites, gateways, account codes and tariffs. */
describe('administration in a browser', { skip: BROWSER_SKIP, timeout: 240_000 }, () => {
  let t: TestDb;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser;
  let p: Page;

  before(async () => {
    t = await createTestDb();
    const dist = buildWeb(path.join(t.dir, 'web'));
    await upsertTariffs({ db: t.db, tariffs: parseTariffFile(readFileSync(SAMPLE, 'utf8'), 'tariff-it.csv'), now: 0 });
    const site = await addSite(t.db, 'HQ');
    await upsertGateway({ db: t.db, siteId: site, gateway: { name: 'GW-OLD', match: 'exact', kind: 'gateway', label: 'old', tariff: null } });
    await addAccount(t.db, 'root', '1000', { level: 10 });
    server = await serve(createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }) }));
    browser = await launchBrowser();
    p = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } })).newPage();
    await p.goto(server.base + '/');
    await p.getByLabel('Username').fill('root');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'Administration' }).click();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('edits a site, with field-named errors for a bad value, and offers the recalculation', async () => {
    await p.getByRole('button', { name: 'Edit HQ' }).click();
    await p.locator('#rec-timezone').fill('Mars/Base');
    await p.getByRole('button', { name: 'Save' }).click();
    const alert = p.getByTestId('record-editor').getByRole('alert');
    await alert.filter({ hasText: 'timezone: unknown time zone (got "Mars/Base")' }).waitFor();
    assert.equal(await p.locator('#rec-timezone').getAttribute('aria-invalid'), 'true');
    assert.match(await p.locator('#rec-timezone-err').textContent() ?? '', /unknown time zone \(got "Mars\/Base"\)/);
    assert.equal(await p.locator('#rec-code').isDisabled(), true, 'the code of an existing site cannot change');
    await p.locator('#rec-timezone').fill('Europe/Rome');
    await p.locator('#rec-name').fill('Head office Rome');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('status').filter({ hasText: 'Recalculate to apply it to stored calls' }).waitFor();
    await p.getByRole('button', { name: 'Recalculate the calls of HQ' }).waitFor();
    await p.getByTestId('admin-sites').getByRole('cell', { name: 'Europe/Rome' }).waitFor();
    assert.equal((await t.db('sites').where({ code: 'HQ' }).first('timezone', 'name')).name, 'Head office Rome');
  });

  it('adds a gateway and deletes another', async () => {
    await p.getByRole('tab', { name: 'Gateways' }).click();
    await p.getByRole('button', { name: 'New gateway or trunk' }).click();
    await p.locator('#rec-site').fill('HQ');
    await p.locator('#rec-name').fill('SIP-1');
    await p.locator('#rec-kind').selectOption('trunk');
    await p.locator('#rec-label').fill('Carrier A');
    await p.locator('#rec-tariff').fill('NO-SUCH');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.locator('#rec-tariff-err').filter({ hasText: 'tariff "NO-SUCH" does not exist' }).waitFor();
    await p.locator('#rec-tariff').fill('IT-SAMPLE');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('admin-gateways').getByRole('cell', { name: 'Carrier A' }).waitFor();
    p.once('dialog', (d) => void d.accept());
    await p.getByRole('button', { name: 'Delete HQ / GW-OLD' }).click();
    await p.getByRole('status').filter({ hasText: 'Gateway deleted' }).waitFor();
    await p.getByTestId('admin-gateways').getByRole('cell', { name: 'GW-OLD' }).waitFor({ state: 'detached' });
    assert.deepEqual((await listGateways({ db: t.db })).map((g) => [g.name, g.tariff_code]), [['SIP-1', 'IT-SAMPLE']]);
  });

  it('adds an account code', async () => {
    await p.getByRole('tab', { name: 'Account codes' }).click();
    await p.getByRole('button', { name: 'New account code' }).click();
    await p.locator('#rec-code').fill('42');
    await p.locator('#rec-site').fill('*');
    await p.locator('#rec-description').fill('Project 42');
    await p.locator('#rec-privacy_digits').fill('many');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.locator('#rec-privacy_digits-err').filter({ hasText: 'privacy_digits: a whole number from 0 to 15 (got "many")' }).waitFor();
    await p.locator('#rec-privacy_digits').fill('2');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('admin-account-codes').getByRole('cell', { name: 'Project 42' }).waitFor();
  });

  it('edits a rate row of a tariff', async () => {
    await p.getByRole('tab', { name: 'Tariffs' }).click();
    await p.getByRole('button', { name: 'Edit IT-SAMPLE' }).click();
    await p.getByTestId('tariff-row-0').waitFor();
    const rows = await p.locator('[data-testid^="tariff-row-"]').count();
    let i = -1;
    for (let j = 0; j < rows && i < 0; j++) {
      const kind = await p.getByTestId(`tariff-${j}-kind`).inputValue();
      const type = await p.getByTestId(`tariff-${j}-type`).inputValue();
      const band = await p.getByTestId(`tariff-${j}-band`).inputValue();
      if (kind === 'rate' && type === 'national' && band === '') i = j;
    }
    assert.ok(i > 0);
    await p.getByTestId(`tariff-${i}-per_minute`).fill('abc');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('tariff-editor').getByRole('alert').filter({ hasText: `rows[${i}].per_minute:` }).waitFor();
    assert.equal(await p.getByTestId(`tariff-${i}-per_minute`).getAttribute('aria-invalid'), 'true');
    await p.getByTestId(`tariff-${i}-per_minute`).fill('0.0321');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('button', { name: 'Recalculate all calls' }).waitFor();
    const [tariff] = await listTariffs({ db: t.db, codes: ['IT-SAMPLE'] });
    assert.equal(tariff!.rates.find((r) => r.type === 'national')!.perMinuteMicro, 32_100);
  });
});
