import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { createMailer } from '../../src/mail/mailer.js';
import { BROWSER_SKIP, buildWeb, launchBrowser, serve, signIn } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, addSite, PASSWORD, portalDeps } from '../support/portal.js';
import { startSmtp } from '../support/smtp.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * The Schedules page in a browser (an administrator): create a scheduled report, see its next run,
 * disable, enable, run it now (the mail caught by a real SMTP server), delete it; create an alarm.
 */
describe('schedules and alarms in a browser', { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let t: TestDb;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  before(async () => {
    t = await createTestDb();
    const dist = buildWeb(path.join(t.dir, 'web'));
    const site = await addSite(t.db, 'HQ');
    const alice = await addAccount(t.db, 'alice', '1001', { level: 2, site_id: site });
    await addAccount(t.db, 'root', '1010', { level: 10 });
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '5035551234', startAt: Math.floor(Date.now() / 1000) - 600, cost: 250 });
    server = await serve(createApp({ db: t.db, log: testLog, portal: portalDeps({ webDir: dist }) }));
    browser = await launchBrowser();
    smtp = await startSmtp();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
    await t?.close();
  });

  it('is not offered below level 10', async () => {
    const p = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(p, server!.base, 'alice', PASSWORD);
    await p.getByRole('link', { name: 'Reports' }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'Schedules' }).count(), 0);
    await p.goto(server!.base + '/#/schedules');
    await p.getByRole('heading', { name: 'Home' }).or(p.getByRole('heading', { level: 1 })).first().waitFor();
    assert.equal(await p.getByRole('heading', { name: 'Schedules and alarms' }).count(), 0);
  });

  it('creates a schedule, shows its next run, disables, enables, runs it now, deletes it; creates an alarm', async () => {
    const p = await (await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1400, height: 1000 } })).newPage();
    p.on('dialog', (d) => void d.accept());
    await signIn(p, server!.base, 'root', PASSWORD);
    await p.getByRole('link', { name: 'Schedules' }).click();
    await p.getByRole('heading', { name: 'Schedules and alarms' }).waitFor();
    await p.getByText('No scheduled reports.').waitFor();

    await p.getByRole('button', { name: 'New scheduled report' }).click();
    const editor = p.getByTestId('schedule-editor');
    await editor.getByLabel('Name').fill('Weekly list');
    await editor.getByLabel('Report', { exact: true }).selectOption('call-list');
    await editor.getByTestId('period-select').selectOption('last-n-days');
    await editor.getByRole('textbox', { name: 'Recipients (e-mail addresses)' }).fill('boss@example.com');
    await editor.getByRole('textbox', { name: 'Recipients (e-mail addresses)' }).press('Enter');
    await editor.getByLabel('Every').fill('1');
    await editor.getByLabel('Unit').selectOption('weeks');
    await editor.getByLabel('Subject').fill('[[REPORT]] this week');
    // A start in the past is refused, with the reason.
    await editor.getByLabel('First run (local date and time)').fill('2020-01-06T07:00');
    await editor.getByRole('combobox', { name: 'Time zone' }).fill('UTC');
    await editor.getByRole('button', { name: 'Save schedule' }).click();
    assert.match((await editor.getByTestId('schedule-error').textContent()) ?? '', /startsAt: 2020-01-06T07:00 \(UTC\) is in the past/);
    const start = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await editor.getByLabel('First run (local date and time)').fill(`${start}T07:00`);
    await editor.getByRole('button', { name: 'Save schedule' }).click();
    await p.getByText('Saved "Weekly list".').waitFor();

    const row = p.getByTestId('schedule-Weekly list');
    await row.waitFor();
    const next = Date.parse(`${start}T07:00:00Z`) / 1000;
    assert.equal((await row.getByTestId('next-run').textContent())?.trim(), new Date(next * 1000).toLocaleString('en-US', { timeZone: 'UTC' }));
    assert.match((await row.textContent()) ?? '', /every week/);
    let [s] = await t.db('schedules').where({ name: 'Weekly list' });
    assert.deepEqual([s.target, Number(s.next_run_at), s.every_unit, JSON.parse(s.recipients), s.subject, s.owner], ['call-list', next, 'weeks', ['boss@example.com'], '[[REPORT]] this week', 'root']);
    assert.equal(JSON.parse(s.options).options.period, 'last-7-days');

    await row.getByRole('button', { name: 'Disable Weekly list' }).click();
    await p.getByText('"Weekly list" disabled.').waitFor();
    assert.equal(Boolean((await t.db('schedules').where({ name: 'Weekly list' }).first('enabled')).enabled), false);
    assert.equal((await row.getByTestId('next-run').textContent())?.trim(), '–');
    await row.getByRole('button', { name: 'Enable Weekly list' }).click();
    await p.getByText('"Weekly list" enabled.').waitFor();
    assert.equal(Boolean((await t.db('schedules').where({ name: 'Weekly list' }).first('enabled')).enabled), true);

    await row.getByRole('button', { name: 'Run Weekly list now' }).click();
    await row.getByTestId('last-result').getByText('sent: 1 rows sent to boss@example.com').waitFor();
    const mailer = createMailer({ db: t.db, log: testLog, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'reports@example.com' } });
    assert.equal(await mailer.flush(), 1);
    await mailer.stop();
    assert.deepEqual(smtp.mails.map((m) => m.to), [['boss@example.com']]);
    assert.match(smtp.mails[0]!.raw, /Subject: Call list this week/);

    // Edit: the start is kept, the recipients change.
    await row.getByRole('button', { name: 'Edit Weekly list' }).click();
    await editor.getByRole('button', { name: 'Remove boss@example.com' }).click();
    await editor.getByRole('textbox', { name: 'Recipients (e-mail addresses)' }).fill('team@example.com');
    await editor.getByRole('button', { name: 'Save schedule' }).click();
    await p.getByText('Saved "Weekly list".').waitFor();
    [s] = await t.db('schedules').where({ name: 'Weekly list' });
    assert.deepEqual([JSON.parse(s.recipients), Number(s.next_run_at)], [['team@example.com'], next]);

    await row.getByRole('button', { name: 'Delete Weekly list' }).click();
    await p.getByText('"Weekly list" deleted.').waitFor();
    assert.equal((await t.db('schedules')).length, 0);

    // An alarm: spending over 50 USD per department.
    await p.getByRole('button', { name: 'New alarm' }).click();
    await editor.getByLabel('Name').fill('Big spenders');
    await editor.getByLabel('Alarm', { exact: true }).selectOption('spend-over');
    const params = editor.getByTestId('alarm-params');
    await params.getByLabel('Per').selectOption('department');
    await params.getByLabel('Amount').fill('50');
    await params.getByLabel('Currency').fill('USD');
    await editor.getByRole('textbox', { name: 'Recipients (e-mail addresses)' }).fill('cfo@example.com');
    await editor.getByLabel('First run (local date and time)').fill(`${start}T08:00`);
    await editor.getByRole('combobox', { name: 'Time zone' }).fill('UTC');
    await editor.getByRole('button', { name: 'Save schedule' }).click();
    await p.getByTestId('alarm-list').getByTestId('schedule-Big spenders').getByText('Spending over a limit').waitFor();
    const [a] = await t.db('schedules').where({ name: 'Big spenders' });
    assert.deepEqual([a.kind, a.target, JSON.parse(a.options).params, JSON.parse(a.recipients), Boolean(a.skip_empty)],
      ['alarm', 'spend-over', { by: 'department', amount: '50', currency: 'USD' }, ['cfo@example.com'], true]);
  });
});
