import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { decodeCurriResponse } from '../../curri/index.js';
import { BROWSER_SKIP, buildGadgets, buildWeb, launchBrowser, serve } from '../support/browser.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';
import { setupGadgets, WEBEX_APP, webexKeyServer } from '../support/gadgets.js';
import { apiToken, PASSWORD } from '../support/portal.js';
import { tempDir } from '../support/test-db.js';

/**
 * The three gadgets in headless Chromium over the golden calls, as Jabber opens them
 * (`?user=${UserID}`) and as the Webex App does (`?host=webex`, the SDK's signed user token), with
 * the built-ins that old embedded browsers lack removed from the page.
 */
const OLD_BROWSER = `(() => {
  const strip = [[window, 'structuredClone'], [window, 'queueMicrotask'], [window, 'ResizeObserver'], [Object, 'hasOwn'], [Object, 'fromEntries'],
    [Promise, 'allSettled'], [Array.prototype, 'at'], [Array.prototype, 'flat'], [Array.prototype, 'flatMap'], [Array.prototype, 'findLast'],
    [String.prototype, 'replaceAll'], [String.prototype, 'at'], [Intl, 'PluralRules']];
  for (const [o, k] of strip) { try { delete o[k]; } catch (e) {} }
})();`;

/** A stand-in for Cisco's Embedded App SDK (no Webex App here): the user token, language and theme events. */
const fakeWebex = (token: string) => `(() => {
  const handlers = {};
  window.__webexTheme = (t) => handlers['application:themeChanged'] && handlers['application:themeChanged'](t);
  window.webex = { Application: function () {
    this.application = { states: { theme: 'DARK', language: 'it-IT', user: { token: ${JSON.stringify(token)} } } };
    this.onReady = () => Promise.resolve();
    this.listen = () => Promise.resolve();
    this.on = (name, cb) => { handlers[name] = cb; };
  } };
})();`;

describe('gadgets in a browser', { skip: BROWSER_SKIP, timeout: 240_000 }, () => {
  const tmp = tempDir();
  let keys: Awaited<ReturnType<typeof webexKeyServer>>;
  let s: Awaited<ReturnType<typeof setupGadgets>>;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser;
  let jabber: BrowserContext;
  let base: string;

  before(async () => {
    const dist = buildGadgets(path.join(tmp.dir, 'gadgets'));
    const web = buildWeb(path.join(tmp.dir, 'web'));
    keys = await webexKeyServer();
    s = await setupGadgets('sqlite', { gadgetsDir: dist, webDir: web, webexJwksUrl: keys.url });
    server = await serve(s.app);
    base = server.base;
    browser = await launchBrowser();
    jabber = await browser.newContext({ locale: 'en-GB', colorScheme: 'light' });
    await jabber.addInitScript(OLD_BROWSER);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await s?.close();
    await keys?.close();
    tmp.remove();
  });

  const decision = async () => {
    const res = await fetch(`${base}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: curriRequest({ calling: '2001', called: '902079460123' }) });
    return decodeCurriResponse(await res.text()).decision;
  };
  const errors: string[] = [];
  const open = async (ctx: BrowserContext, url: string): Promise<Page> => {
    const p = await ctx.newPage();
    p.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
    await p.goto(base + url);
    return p;
  };

  it('Call Analytics: Jabber prefills the user name; sign-in once; the chart, the filterable call list, the reports link', async () => {
    const p = await open(jabber, '/gadgets/calls/?user=alice');
    assert.equal(await p.getByLabel('Username').inputValue(), 'alice');
    assert.deepEqual(await p.evaluate(() => [typeof queueMicrotask, typeof ResizeObserver, typeof structuredClone]), ['undefined', 'undefined', 'undefined']);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('chart-summary').getByText('Outgoing calls: 7 · £0.60').waitFor();
    assert.equal(await p.getByRole('img', { name: 'Outgoing calls, Today: 7' }).count(), 1);
    const rows = p.getByTestId('calls').locator('tbody tr');
    await rows.nth(7).waitFor();
    assert.equal(await rows.count(), 8);
    assert.match((await rows.first().textContent()) ?? '', /02079460123.*£0\.02/);
    await p.getByLabel('Show').selectOption('internal');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=calls] tbody tr').length === 1);
    assert.match((await rows.first().textContent()) ?? '', /2002/);
    await p.getByLabel('Show').selectOption('missed');
    await p.getByText('No calls.').waitFor();
    await p.getByRole('button', { name: 'Yesterday' }).click();
    await p.getByTestId('chart-summary').getByText('Outgoing calls: 0', { exact: true }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'Open the reports in the portal' }).getAttribute('href'), '/#/reports');
    const unreplaced = await open(await browser.newContext(), '/gadgets/calls/?user=${UserID}');
    await unreplaced.getByLabel('Username').waitFor();
    assert.equal(await unreplaced.getByLabel('Username').inputValue(), '', 'an unreplaced ${UserID} is not a user name');
    await unreplaced.context().close();
  });

  it('Budget Control: cost so far, credit available with a progress bar, the status line, the calls with a cost', async () => {
    const p = await open(jabber, '/gadgets/budget/'); // signed in by the previous gadget (same token)
    const budget = p.getByTestId('budget');
    await budget.waitFor();
    assert.match((await budget.textContent()) ?? '', /Cost so far£0\.60Credit available£0\.60/);
    assert.equal(await budget.getByRole('progressbar').getAttribute('aria-valuenow'), '50');
    assert.equal(await p.getByTestId('budget-status').textContent(), '50% of a £1.20 budget a month (your phone is locked at 100%)');
    const rows = p.getByTestId('cost-calls').locator('tr');
    await rows.nth(5).waitFor();
    assert.equal(await rows.count(), 6);
    assert.match((await rows.first().textContent()) ?? '', /02079460123£0\.02$/);
  });

  it('Budget Control and Phone Lock of a user over budget: the line is locked by the budget and the gadget says so', async () => {
    const ctx = await browser.newContext({ locale: 'en-GB' });
    await ctx.addInitScript(OLD_BROWSER);
    const p = await open(ctx, '/gadgets/budget/?user=bob');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('budget-status').getByText('102% of a £0.40 budget a month: your phone is locked').waitFor();
    assert.equal(await p.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    const lock = await open(ctx, '/gadgets/lock/');
    await lock.getByText('Line 2002 is locked').waitFor();
    assert.ok(await lock.getByText('Locked because the budget is spent').isVisible());
    assert.equal(await lock.getByRole('button', { name: /my line/ }).count(), 0, 'no button that could not work');
    assert.ok(await lock.getByText('Only an administrator or a new budget period can unlock it.').isVisible());
    await ctx.close();
  });

  it('Phone Lock: the state with its icon and one button; CURRI follows; the history says gadget', async () => {
    const p = await open(jabber, '/gadgets/lock/');
    await p.getByText('Line 2001 is unlocked').waitFor();
    assert.equal(await decision(), 'Permit');
    await p.getByRole('button', { name: 'Lock my line' }).click();
    await p.getByText('Line 2001 is locked').waitFor();
    assert.ok(await p.getByText('Locked by you').isVisible());
    assert.equal(await p.locator('svg.locked').count(), 1);
    assert.equal(await decision(), 'Deny');
    await p.getByRole('button', { name: 'Unlock my line' }).click();
    await p.getByText('Line 2001 is unlocked').waitFor();
    assert.equal(await decision(), 'Permit');
    const events = await s.db('lock_events').where({ extension: '2001' }).orderBy('id').select('locked', 'channel', 'who');
    assert.deepEqual(events.map((e) => [Boolean(e.locked), e.channel, e.who]), [[true, 'gadget', 'alice'], [false, 'gadget', 'alice']]);
  });

  it('an expired and then a revoked token bring back the sign-in screen with the reason and no data', async () => {
    s.clock.t += 91 * 86400;
    const p = await open(jabber, '/gadgets/lock/');
    await p.getByRole('alert').getByText(/gadget sign-in has expired: sign in again/).waitFor();
    assert.equal(await p.getByTestId('line-state').count(), 0);
    s.clock.t -= 91 * 86400;
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByText('Line 2001 is unlocked').waitFor();
    const admin = await apiToken(s.app, 'root');
    await request(s.app.callback()).post('/api/admin/gadgets/revoke').set('authorization', `Bearer ${admin}`).send({ username: 'alice' }).expect(200);
    await p.getByRole('button', { name: 'Lock my line' }).click();
    await p.getByRole('alert').getByText(/revoked or your access removed/).waitFor();
    assert.equal(await p.getByTestId('line-state').count(), 0);
    assert.equal(await decision(), 'Permit', 'the revoked token locked nothing');
    await p.getByLabel('Password').fill('wrong password');
    await p.getByLabel('Username').fill('alice');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').getByText('Sign-in failed: wrong username or password').waitFor();
  });

  it('Webex: signs in with the SDK user token, speaks its language and follows its theme; a token for another app is refused', async () => {
    const ctx = await browser.newContext({ locale: 'en-GB', colorScheme: 'light' });
    await ctx.addInitScript(OLD_BROWSER);
    await ctx.addInitScript(fakeWebex(await keys.sign({ iat: s.clock.t - 60 })));
    const p = await open(ctx, '/gadgets/lock/?host=webex');
    await p.getByText('La linea 2001 è sbloccata').waitFor();
    assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const dark = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await p.evaluate(() => (window as unknown as { __webexTheme(t: string): void }).__webexTheme('LIGHT'));
    assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light');
    assert.notEqual(await p.evaluate(() => getComputedStyle(document.body).backgroundColor), dark);
    // Opened again, the gadget keeps its stored token: no new exchange, no new token record.
    const records = async () => Number((await s.db('gadget_tokens').count({ n: '*' }).first())?.n);
    const before = await records();
    await p.reload();
    await p.getByText('La linea 2001 è sbloccata').waitFor();
    assert.equal(await records(), before);
    await ctx.close();

    const other = await browser.newContext({ locale: 'en-GB' });
    await other.addInitScript(fakeWebex(await keys.sign({ iat: s.clock.t - 60, aud: 'not-' + WEBEX_APP })));
    const q = await open(other, '/gadgets/budget/?host=webex');
    await q.getByRole('alert').getByText(/token is for another embedded app/).waitFor();
    assert.equal(await q.getByTestId('budget').count(), 0);
    await other.close();
  });

  it('the administrator\'s page (from Administration): lifetime, revocation, the Jabber snippet and the Webex values', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const p = await open(ctx, '/');
    await p.getByLabel('Username').fill('root');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'Administration' }).click();
    await p.getByRole('link', { name: 'Jabber and Webex gadgets' }).click();
    await p.getByTestId('jabber-config').waitFor();
    assert.match((await p.getByTestId('jabber-config').textContent()) ?? '', new RegExp(`<url>${base.replace(/[.]/g, '\\.')}/gadgets/lock/\\?user=\\$\\{UserID\\}</url>`));
    await p.getByLabel('Address the clients reach').fill('https://tollgate.example.com:8443');
    await p.getByRole('button', { name: 'Show' }).click();
    await p.getByTestId('jabber-config').getByText(/https:\/\/tollgate\.example\.com:8443\/gadgets\/budget\/\?user=\$\{UserID\}/).waitFor();
    assert.match((await p.getByTestId('webex-values').textContent()) ?? '', /Valid domainstollgate\.example\.com.*Phone Lock: Start Page URL and Sidebar start page URLhttps:\/\/tollgate\.example\.com:8443\/gadgets\/lock\/\?host=webex/);
    await p.getByLabel(/Days a gadget sign-in lasts/).fill('400');
    assert.equal(await p.getByLabel(/Days a gadget sign-in lasts/).evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow), true, 'the form refuses 400 days (the API too: 400 naming body.tokenDays)');
    await p.getByLabel(/Days a gadget sign-in lasts/).fill('30');
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByText('Saved: new gadget sign-ins last this long.').waitFor();
    assert.equal((await s.db('gadget_settings').where({ name: 'token_days' }).first()).value, '30');
    await p.getByLabel('Username').fill('alice');
    await p.getByRole('button', { name: 'Revoke' }).click();
    await p.getByText(/gadget sign-in\(s\) of alice revoked\./).waitFor();
    await ctx.close();
  });

  it('outside Webex the theme follows the system setting (dark)', async () => {
    const ctx = await browser.newContext({ locale: 'en-GB', colorScheme: 'dark' });
    const p = await open(ctx, '/gadgets/calls/');
    await p.getByLabel('Username').waitFor();
    assert.equal(await p.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(20, 23, 27)');
    await ctx.close();
    assert.deepEqual(errors, [], 'no script error in any gadget');
  });
});
