import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import soap from 'soap';
import { setBudget } from '../../src/budget/admin.js';
import { loadConfig } from '../../src/config.js';
import { migrateLatest, openDb } from '../../src/db/knex.js';
import { upsertSite } from '../../src/db/queries/sites.js';
import { upsertTariffs } from '../../src/db/queries/tariffs.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { parseTariff } from '../../src/rating/tariff.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { cdrFile } from '../support/cdr-rows.js';
import { testLog } from '../support/logger.js';
import { HQ, user } from '../support/pipeline.js';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/test-db.js';

/** The SOAP billing API, called by the `soap` package's client against the running server. */

const TOKEN = 'soap-test-admin-token-0123456789';
const FLAT = parseTariff({ code: 'FLAT', name: 'flat', carrier: 'Flat', currency: 'GBP', rates: [{ type: 'national', perMinuteMicro: 1_000_000, first: 60, next: 60 }] });
const at = Date.UTC(2026, 10, 17, 12) / 1000;

describe('SOAP billing API', () => {
  const t = tempDir();
  let server: RunningServer;
  let url: string;

  before(async () => {
    const httpPort = await freePort();
    const config = loadConfig({
      TOLLGATE_DATA_DIR: path.join(t.dir, 'data'), TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(httpPort),
      TOLLGATE_FTP_PORT: '0', TOLLGATE_SFTP_PORT: '0', TOLLGATE_ADMIN_TOKEN: TOKEN, TOLLGATE_MINER_POLL_MS: '100',
    });
    const db = openDb(config.db);
    await migrateLatest(db);
    await upsertTariffs({ db, tariffs: [FLAT], now: at });
    await upsertSite({ db, site: { ...HQ, code: 'LON', country: 'GB', areaCode: '20', timezone: 'Europe/London', currency: 'GBP', clusterIds: ['GoldenCluster'], accessCodes: ['9'], tariffCode: 'FLAT' }, now: at });
    await upsertUser({ db, user: user('ann', '2001', { department: 'Sales', cost_center: 'CC1' }), now: at });
    await upsertUser({ db, user: user('bob', '2002', { department: 'Sales', cost_center: 'CC2' }), now: at });
    await setBudget({ db, input: { scope: 'user', target: 'ann', period: 'monthly', amount: '10', currency: 'GBP', timezone: 'Europe/London' }, defaultTimezone: 'UTC', now: at });
    await db.destroy();
    server = await startServer(config, { log: testLog });
    url = `http://127.0.0.1:${server.httpPort}/soap/billing`;
    const rows = [
      { callId: 1, calling: '2001', called: '901614960123', origDevice: 'SEP1', destDevice: 'SIP-TRUNK', at, talk: 120 },
      { callId: 2, calling: '2001', called: '901614960124', origDevice: 'SEP1', destDevice: 'SIP-TRUNK', at: at + 600, talk: 30 },
      { callId: 3, calling: '2002', called: '901614960125', origDevice: 'SEP2', destDevice: 'SIP-TRUNK', at: at + 900, talk: 240 },
    ];
    await server.runtime.spool.receive({ name: 'cdr_GoldenCluster_01_202611171200_1', source: Readable.from([cdrFile(rows)]), channel: 'import', site: 'LON' });
    for (let i = 0; i < 200 && Number((await server.runtime.db('calls').count({ n: '*' }).first())?.n) < 3; i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => {
    await server.stop();
    t.remove();
  });

  const client = async (security?: 'basic' | 'wsse' | 'bad') => {
    const c = await soap.createClientAsync(`${url}?wsdl`);
    if (security === 'basic') c.setSecurity(new soap.BasicAuthSecurity('admin', TOKEN));
    if (security === 'wsse') c.setSecurity(new soap.WSSecurity('admin', TOKEN, { passwordType: 'PasswordText' }));
    if (security === 'bad') c.setSecurity(new soap.BasicAuthSecurity('admin', 'wrong-token-wrong-token'));
    return c;
  };

  it('serves its WSDL with the address it was reached at', async () => {
    const r = await fetch(`${url}?wsdl`);
    assert.equal(r.status, 200);
    const wsdl = await r.text();
    assert.match(wsdl, new RegExp(`<soap:address location="${url}"/>`));
    for (const op of ['GetCalls', 'GetCost', 'GetBudgetStatus', 'LockLine', 'UnlockLine']) assert.match(wsdl, new RegExp(`operation name="${op}"`));
  });

  it('GetCalls lists a line\'s calls with their cost (HTTP Basic)', async () => {
    const c = await client('basic');
    const [res] = await c.GetCallsAsync({ extension: '2001', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    const calls = res.call as Array<Record<string, unknown>>;
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((x) => [x.extension, x.username, x.durationSeconds, x.destinationType, x.cost, x.currency]), [
      ['2001', 'ann', 120, 'national', 2, 'GBP'], ['2001', 'ann', 30, 'national', 1, 'GBP'],
    ]);
  });

  it('GetCost totals a department; GetBudgetStatus shows the budget (WS-Security UsernameToken)', async () => {
    const c = await client('wsse');
    const [cost] = await c.GetCostAsync({ department: 'Sales', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    assert.deepEqual([cost.calls, Number(cost.durationSeconds), cost.total[0].currency, cost.total[0].amount], [3, 390, 'GBP', 7]);
    const [status] = await c.GetBudgetStatusAsync({ username: 'ann' });
    const b = status.budget[0];
    assert.deepEqual([b.scope, b.assigned, b.period, b.locked], ['user', 10, 'monthly', false]);
  });

  it('LockLine and UnlockLine set and clear the admin lock of a line', async () => {
    const c = await client('basic');
    const [locked] = await c.LockLineAsync({ extension: '2001' });
    assert.deepEqual([locked.extension, locked.locked, locked.reasons], ['2001', true, 'admin']);
    const rows = await server.runtime.db('line_locks').where({ extension: '2001' }).select('reason', 'who', 'channel');
    assert.deepEqual(rows.map((r) => [r.reason, r.who, r.channel]), [['admin', 'soap', 'api']]);
    const [unlocked] = await c.UnlockLineAsync({ extension: '2001' });
    assert.equal(unlocked.locked, false);
    await assert.rejects(c.LockLineAsync({ extension: '' }), /extension is required/);
  });

  it('answers bad credentials, bad arguments and broken envelopes with SOAP faults', async () => {
    await assert.rejects((await client('bad')).GetCallsAsync({ extension: '2001', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }), (err: Error & { root?: { Envelope?: { Body?: { Fault?: unknown } } } }) => {
      assert.match(JSON.stringify(err.root ?? err.message), /Invalid username or password|AuthenticationFailure/);
      return true;
    });
    await assert.rejects((await client()).GetCostAsync({ username: 'ann', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }), /Invalid username or password|AuthenticationFailure|401/);
    await assert.rejects((await client('basic')).GetCostAsync({ username: 'nobody', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }), /no user "nobody"/);
    await assert.rejects((await client('basic')).GetCallsAsync({ extension: '2001', from: 'yesterday', to: '2026-12-01T00:00:00Z' }), /from: not an xsd:dateTime/);
    for (const body of ['garbage', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Nope/></soap:Body>', '']) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml', authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }, body });
      assert.ok(r.status >= 400 && r.status < 600, `status ${r.status}`);
      assert.match(await r.text(), /Fault/);
    }
    assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status, 200, 'the server is still up');
  });
});
