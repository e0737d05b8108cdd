import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { listTariffs } from '../../src/db/queries/tariffs.js';
import { saveSchedule } from '../../src/reports/scheduler.js';
import { createPhoneLockServices, type PhoneLockServices } from '../../src/phone-lock/create.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, apiToken, login, portalDeps } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../src/rating/samples');
const SITE = { code: 'MI', name: 'Milano', country: 'IT', area_code: '02', timezone: 'Europe/Rome', currency: 'EUR', tariff: 'IT-SAMPLE', access_codes: '0' };

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`administration: single records (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let app: Koa;
    let lock: PhoneLockServices;
    let root: string;
    let viewer: string;
    let rootId: number;
    before(async () => {
      t = await createTestDb(kind);
      rootId = await addAccount(t.db, 'root', '1000', { level: 10 });
      await addAccount(t.db, 'viewer', '1001', { level: 8 });
      const config = loadConfig({ TOLLGATE_DB: t.url, TOLLGATE_LOCK_POLL_MS: '100' });
      lock = createPhoneLockServices(config, t.db, testLog, { push: false });
      await lock.phoneLock.start();
      app = createApp({ db: t.db, log: testLog, portal: portalDeps(), lock: { ...lock, settings: config } });
      root = await apiToken(app, 'root');
      viewer = await apiToken(app, 'viewer');
      await send('post', '/api/admin/tariffs/import', readFileSync(path.join(SAMPLES, 'tariff-it.csv'), 'utf8'), 'text/csv').expect(200);
    });
    after(async () => {
      await lock.phoneLock.stop();
      await t.close();
    });
    function send(method: 'post' | 'put' | 'delete' | 'get', p: string, body?: unknown, type = 'application/json', tok = root) {
      const r = request(app.callback())[method](p).set('authorization', `Bearer ${tok}`);
      return body === undefined ? r : r.set('content-type', type).send(typeof body === 'string' ? body : JSON.stringify(body));
    }

    it('a site the import refuses is refused by the form with the same messages, naming field and value', async () => {
      const bad = { ...SITE, code: 'BAD CODE', timezone: 'Mars/Base', privacy_level: '11' };
      const form = await send('post', '/api/admin/sites', bad).expect(400);
      const file = await send('post', '/api/admin/sites/import', [bad], 'application/json').expect(422);
      assert.deepEqual(form.body.error.details, file.body.error.details.map((p: string) => p.replace(/^upload\.json\[0\]: /, '')));
      assert.ok(form.body.error.details.includes('timezone: unknown time zone (got "Mars/Base")'), form.body.error.details);
      assert.match(form.body.error.message, /privacy_level: a whole number from 0 to 10 \(got "11"\)/);
      const unknownColumn = await send('post', '/api/admin/sites', { ...SITE, colour: 'red' }).expect(400);
      assert.match(unknownColumn.body.error.message, /unknown column "colour"/);
      const noTariff = await send('post', '/api/admin/sites', { ...SITE, tariff: 'NOPE' }).expect(400);
      assert.match(noTariff.body.error.message, /tariff: tariff "NOPE" does not exist/);
      assert.equal((await send('get', '/api/admin/sites').expect(200)).body.sites.length, 0);
    });

    it('creates and edits a site; Phone Lock sees its access codes at once; the answer suggests recalculating', async () => {
      const created = await send('post', '/api/admin/sites', SITE).expect(201);
      assert.equal(created.body.site.timezone, 'Europe/Rome');
      await send('post', '/api/admin/sites', SITE).expect(409);
      assert.ok(lock.phoneLock.directory.accessCodes.includes('0'));
      const record = (await send('get', '/api/admin/sites/MI').expect(200)).body.site;
      assert.equal(record.access_codes, '0');
      const edited = await send('put', '/api/admin/sites/MI', { ...record, name: 'Milano Centro', access_codes: '0 8' }).expect(200);
      assert.equal(edited.body.site.name, 'Milano Centro');
      assert.deepEqual(edited.body.recalculate, { site: 'MI' });
      assert.match(edited.body.notice, /Recalculate/);
      assert.ok(lock.phoneLock.directory.accessCodes.includes('8'), 'the directory was refreshed');
      const renamed = await send('put', '/api/admin/sites/MI', { ...record, code: 'ROMA' }).expect(400);
      assert.match(renamed.body.error.message, /code: the code of a site cannot change \(got "ROMA"\)/);
      await send('put', '/api/admin/sites/NOPE', SITE).expect(404);
    });

    it("a user's new device is in Phone Lock's directory at once", async () => {
      assert.equal(lock.phoneLock.device('SEPABC000000042'), undefined);
      await send('post', '/api/users', { username: 'newbie', extension: '4242', site: 'MI', devices: ['SEPABC000000042'] }).expect(201);
      assert.ok(lock.phoneLock.device('SEPABC000000042'));
    });

    it('adds, edits and deletes gateways; a deleted gateway with calls keeps their cost and says so', async () => {
      const bad = await send('post', '/api/admin/gateways', { site: 'MI', name: 'GW1', kind: 'router' }).expect(400);
      assert.match(bad.body.error.message, /^kind: /);
      assert.match(bad.body.error.message, /\(got "router"\)/);
      const noSite = await send('post', '/api/admin/gateways', { site: 'XX', name: 'GW1' }).expect(400);
      assert.match(noSite.body.error.message, /site: site "XX" does not exist/);
      const gw = await send('post', '/api/admin/gateways', { site: 'MI', name: 'SIP*', kind: 'trunk', label: 'Carrier A', tariff: 'IT-SAMPLE' }).expect(201);
      assert.equal(gw.body.gateway.match, 'glob');
      await send('post', '/api/admin/gateways', { site: 'MI', name: 'SIP*' }).expect(409);
      const edited = await send('put', `/api/admin/gateways/MI/${encodeURIComponent('SIP*')}`, { label: 'Carrier B', kind: 'trunk', match: 'glob' }).expect(200);
      assert.equal(edited.body.gateway.label, 'Carrier B');
      assert.equal(edited.body.gateway.tariff, '', 'a column left out takes its default, as in the import file');
      const site = Number((await t.db('sites').where({ code: 'MI' }).first('id')).id);
      const id = await addCall(t.db, { siteId: site, userId: rootId, extension: '1000', remote: '0255512345', startAt: 1_760_000_000 });
      await t.db('calls').where({ id }).update({ gateway: 'SIPTRUNK1' });
      const del = await send('delete', `/api/admin/gateways/MI/${encodeURIComponent('SIP*')}`).expect(200);
      assert.equal(del.body.calls, 1);
      assert.match(del.body.notice, /1 stored calls went through it: they keep the cost/);
      await send('delete', `/api/admin/gateways/MI/${encodeURIComponent('SIP*')}`).expect(404);
    });

    it('a site with calls cannot be deleted (the reason is given); one without can', async () => {
      const refused = await send('delete', '/api/admin/sites/MI').expect(409);
      assert.match(refused.body.error.message, /site MI cannot be deleted: 1 stored calls, 1 CDR files and 0 discarded rows belong to it/);
      await send('post', '/api/admin/sites', { ...SITE, code: 'TMP', access_codes: '' }).expect(201);
      await send('post', '/api/admin/gateways', { site: 'TMP', name: 'GW-X' }).expect(201);
      await send('delete', '/api/admin/sites/TMP').expect(200);
      assert.equal((await send('get', '/api/admin/gateways').expect(200)).body.gateways.some((g: { site: string }) => g.site === 'TMP'), false);
    });

    it('adds, edits and deletes account codes, for every site (*) or one', async () => {
      const bad = await send('post', '/api/admin/account-codes', { code: '', site: '*', privacy_digits: 'x' }).expect(400);
      assert.deepEqual(bad.body.error.details, ['code: a code is required', 'privacy_digits: a whole number from 0 to 15 (got "x")']);
      await send('post', '/api/admin/account-codes', { code: '123', site: '*', description: 'Project X' }).expect(201);
      await send('post', '/api/admin/account-codes', { code: '123', site: 'MI', description: 'Project X Milano' }).expect(201);
      await send('post', '/api/admin/account-codes', { code: '123', site: '' }).expect(409);
      const edited = await send('put', '/api/admin/account-codes/*/123', { description: 'Project Y', cost_center: 'CC9' }).expect(200);
      assert.equal(edited.body.accountCode.cost_center, 'CC9');
      await send('delete', '/api/admin/account-codes/MI/123').expect(200);
      const left = (await send('get', '/api/admin/account-codes').expect(200)).body.accountCodes;
      assert.deepEqual(left.map((c: { site: string; description: string }) => [c.site, c.description]), [['*', 'Project Y']]);
    });

    it('edits a tariff rate row with the messages of the CSV import; a tariff in use cannot be deleted', async () => {
      const { rows } = (await send('get', '/api/admin/tariffs/IT-SAMPLE').expect(200)).body;
      assert.equal(rows[0].kind, 'tariff');
      const i = rows.findIndex((r: Record<string, string>) => r.kind === 'rate' && r.type === 'national' && r.band === '');
      const bad = rows.map((r: Record<string, string>, j: number) => (j === i ? { ...r, per_minute: 'abc', first: '-1' } : r));
      const refused = await send('put', '/api/admin/tariffs/IT-SAMPLE', { rows: bad }).expect(400);
      assert.ok(refused.body.error.details.some((p: string) => new RegExp(`^rows\\[${i}\\]\\.per_minute: .*\\(got "abc"\\)$`).test(p)), refused.body.error.details);
      assert.ok(refused.body.error.details.some((p: string) => p.startsWith(`rows[${i}].first: whole seconds`)), refused.body.error.details);
      const good = rows.map((r: Record<string, string>, j: number) => (j === i ? { ...r, per_minute: '0.0321' } : r));
      const saved = await send('put', '/api/admin/tariffs/IT-SAMPLE', { rows: good }).expect(200);
      assert.deepEqual(saved.body.recalculate, { site: null });
      const [tariff] = await listTariffs({ db: t.db, codes: ['IT-SAMPLE'] });
      assert.equal(tariff!.rates.find((r) => r.type === 'national')!.perMinuteMicro, 32_100);
      const inUse = await send('delete', '/api/admin/tariffs/IT-SAMPLE').expect(409);
      assert.match(inUse.body.error.message, /tariff IT-SAMPLE is in use by site MI/);
      await send('post', '/api/admin/tariffs', { code: 'IT-COPY', rows: good }).expect(201);
      await send('post', '/api/admin/tariffs', { code: 'IT-COPY', rows: good }).expect(409);
      await send('delete', '/api/admin/tariffs/IT-COPY').expect(200);
      await send('get', '/api/admin/tariffs/IT-COPY').expect(404);
    });

    it('recalculates stored calls in the background', async () => {
      const started = await send('post', '/api/admin/recalculate', { site: 'MI' }).expect(202);
      assert.equal(started.body.last.site, 'MI');
      let state = started.body;
      for (let i = 0; i < 100 && state.running; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = (await send('get', '/api/admin/recalculate').expect(200)).body;
      }
      assert.equal(state.running, false);
      assert.equal(state.last.result.processed, 1);
      await send('post', '/api/admin/recalculate', { site: 'NOPE' }).expect(404);
    });

    it('service status counts CURRI decisions and shows the report scheduler', async () => {
      for (let i = 0; i < 2; i++) await request(app.callback()).post('/curri').set(CUCM_HEADERS).send(curriRequest({ calling: '1000', called: '0015551234567' })).expect(200);
      const now = Math.floor(Date.now() / 1000);
      await saveSchedule({
        db: t.db, now, input: {
          name: 'weekly bill', target: 'phone-bill', options: { period: 'last-week' }, format: 'csv', recipients: ['boss@example.com'],
          everyN: 1, everyUnit: 'weeks', startsAt: '2030-01-07T07:00', timezone: 'UTC', subject: 'Bill', body: 'Bill',
        },
      });
      const status = (await send('get', '/api/status').expect(200)).body;
      assert.equal(status.curri.total, 2);
      assert.equal(status.curri.decisions[0].count, 2);
      assert.deepEqual(status.scheduler, { enabled: 1, nextRunAt: '2030-01-07T07:00:00.000Z', failing: [] });
    });

    it('only level 10, and cookie sessions need the CSRF header', async () => {
      await send('post', '/api/admin/sites', SITE, 'application/json', viewer).expect(403);
      await send('delete', '/api/admin/account-codes/*/123', undefined, 'application/json', viewer).expect(403);
      const { agent, csrf } = await login(app, 'root');
      await agent.put('/api/admin/sites/MI').send({ name: 'x' }).expect(403);
      await agent.delete('/api/admin/account-codes/*/123').set('x-csrf-token', csrf).expect(200);
    });
  });
}
