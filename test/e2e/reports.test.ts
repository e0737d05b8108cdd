import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve, signIn } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * The Reports page in a browser: run a report over the visible calls, change its options (call
 * type, a condition, columns), see a bad condition refused next to the form, save it as personal
 * with a description and group, run it again from the list, reopen it from the URL, export it.
 */
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
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '3125550000', startAt: now - 250, direction: 'incoming', answered: false, duration: 0, cost: null });
    await addCall(t.db, { siteId: site, userId: bob, extension: '1002', remote: '4155550000', startAt: now - 200, cost: 900, duration: 400 });
    server = await serve(createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }) }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('runs, changes the options, saves as personal, runs it from the list and exports, showing only visible calls', async () => {
    const p = await (await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(p, server!.base, 'alice', PASSWORD);
    await p.getByRole('link', { name: 'Reports' }).click();
    // By test id: a select's accessible name includes its selected option, which changes as the catalogue loads.
    await p.getByTestId('report-select').selectOption('call-list');
    await p.getByTestId('period-select').selectOption('last-n-days');
    await p.getByTestId('period-days').fill('7');
    await p.getByRole('button', { name: 'Run' }).click();
    const table = p.getByTestId('report-table');
    await table.getByText('31255500XX').waitFor();
    let text = (await table.textContent()) ?? '';
    assert.match(text, /50355512XX/, 'the own call, its number masked below the privacy level');
    assert.doesNotMatch(text, /4155550000|41555500XX|1002/, "another user's call never shows");

    // Options: outgoing calls, duration at least 20 AND number starts with 503; the first value is refused by the server.
    await p.getByTestId('call-type').selectOption('outgoing');
    await p.getByRole('button', { name: 'Add a condition' }).click();
    await p.getByLabel('Field of condition 1').selectOption('duration_s');
    assert.deepEqual(await p.getByLabel('Operator of condition 1').locator('option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)),
      ['eq', 'ne', 'lt', 'le', 'gt', 'ge'], 'a number field offers no text operators');
    await p.getByLabel('Operator of condition 1').selectOption('ge');
    await p.getByLabel('Value of condition 1').fill('twenty');
    await p.getByRole('button', { name: 'Run' }).click();
    const problem = p.getByRole('group', { name: 'Conditions' }).getByRole('alert');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /condition on duration_s: "twenty" is not a number/);
    await p.getByLabel('Value of condition 1').fill('20');
    await p.getByRole('button', { name: 'Add a condition' }).click();
    await p.getByLabel('Field of condition 2').selectOption('remote_number');
    await p.getByLabel('Operator of condition 2').selectOption('starts');
    await p.getByLabel('Value of condition 2').fill('503');
    await p.getByRole('textbox', { name: 'Extensions' }).fill('1001');
    await p.getByRole('textbox', { name: 'Extensions' }).press('Enter');
    await p.getByRole('button', { name: 'Remove column Department' }).click();
    await p.getByRole('button', { name: 'Move Number up' }).click();
    await p.getByRole('button', { name: 'Run' }).click();
    await p.getByTestId('report-error').waitFor({ state: 'detached' });
    await table.getByText('50355512XX').waitFor();
    text = (await table.textContent()) ?? '';
    assert.doesNotMatch(text, /31255500XX/, 'the incoming call is filtered out');
    const headers = await table.locator('thead th').allTextContents();
    assert.ok(!headers.includes('Department'));
    assert.ok(headers.indexOf('Number') < headers.indexOf('User'), `columns reordered: ${headers.join(', ')}`);

    // Save as personal, with description and group.
    await p.getByRole('button', { name: 'Save as personal report…' }).click();
    const dialog = p.getByRole('dialog', { name: 'Save as personal report' });
    await dialog.getByLabel('Name').fill('Long calls to 503');
    await dialog.getByLabel('Description').fill('Outgoing calls over 20 s to Oregon');
    await dialog.getByLabel('Group').fill('Weekly checks');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await p.getByText('Saved as "Long calls to 503".').waitFor();
    const list = p.getByTestId('personal-reports');
    await list.getByRole('region', { name: 'Weekly checks' }).getByText('Outgoing calls over 20 s to Oregon').waitFor();

    // Back to another report, then one click on the personal report runs it with its options.
    await p.getByTestId('report-select').selectOption('phone-bill');
    await p.getByRole('button', { name: 'Run' }).click();
    await table.getByText('Total').waitFor();
    await list.getByRole('button', { name: 'Long calls to 503', exact: true }).click();
    await table.getByText('50355512XX').waitFor();
    assert.doesNotMatch((await table.textContent()) ?? '', /31255500XX/);
    assert.equal(await p.getByTestId('call-type').inputValue(), 'outgoing');
    assert.equal(await p.getByLabel('Value of condition 2').inputValue(), '503');

    // The options live in the URL: a reload reopens them.
    await p.reload();
    await p.getByLabel('Value of condition 1').waitFor();
    assert.equal(await p.getByLabel('Value of condition 1').inputValue(), '20');
    assert.equal(await p.getByTestId('report-select').inputValue(), 'call-list');

    const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'call-list.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.match(csv, /^\uFEFFStart,Direction,Answered,Extension,Number,User,Destination type/, 'the chosen columns in their order');
    assert.match(csv, /50355512XX/);
    assert.doesNotMatch(csv, /4155550000|31255500XX/);

    const saved = await t.db('saved_reports').where({ owner: 'alice' }).select('name', 'report', 'description', 'group_name', 'options');
    assert.deepEqual(saved.map((s) => [s.name, s.report, s.description, s.group_name]), [['Long calls to 503', 'call-list', 'Outgoing calls over 20 s to Oregon', 'Weekly checks']]);
    const o = JSON.parse(saved[0].options);
    assert.deepEqual([o.direction, o.period, o.extensions, o.conditions], ['outgoing', 'last-7-days', ['1001'],
      [{ field: 'duration_s', op: 'ge', value: '20' }, { field: 'remote_number', op: 'starts', value: '503' }]]);
    await p.getByTestId('report-history').getByText('csv').waitFor();

    // Rename and delete from the list.
    // Edit: change an option, rename, keep the description and group.
    await p.getByTestId('report-select').selectOption('trend');
    await list.getByRole('button', { name: 'Edit Long calls to 503' }).click();
    await p.getByTestId('editing').getByText('Editing "Long calls to 503"').waitFor();
    assert.equal(await p.getByTestId('report-select').inputValue(), 'call-list');
    await p.getByTestId('call-type').selectOption('outgoing-answered');
    await p.getByRole('button', { name: 'Save changes…' }).click();
    const edit = p.getByRole('dialog', { name: 'Edit personal report' });
    assert.equal(await edit.getByLabel('Group').inputValue(), 'Weekly checks');
    await edit.getByLabel('Name').fill('Oregon');
    await edit.getByRole('button', { name: 'Save' }).click();
    await list.getByRole('button', { name: 'Oregon', exact: true }).waitFor();
    const [renamed] = await t.db('saved_reports').where({ owner: 'alice' }).select('name', 'description', 'group_name', 'options');
    assert.deepEqual([renamed.name, renamed.description, renamed.group_name], ['Oregon', 'Outgoing calls over 20 s to Oregon', 'Weekly checks']);
    assert.deepEqual([JSON.parse(renamed.options).direction, JSON.parse(renamed.options).answered], ['outgoing', true]);
    p.once('dialog', (d) => void d.accept());
    await list.getByRole('button', { name: 'Delete Oregon' }).click();
    await p.getByText('No personal reports yet').waitFor();
    assert.equal((await t.db('saved_reports').where({ owner: 'alice' })).length, 0);
  });
});
