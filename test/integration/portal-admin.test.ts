import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { testLog } from '../support/logger.js';
import { addAccount, apiToken, portalDeps } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../src/rating/samples');

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`administration API (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let app: Koa;
    let root: string;
    let viewer: string;
    before(async () => {
      t = await createTestDb(kind);
      await addAccount(t.db, 'root', '1000', { level: 10 });
      await addAccount(t.db, 'viewer', '1001', { level: 8 });
      app = createApp({ db: t.db, log: testLog, portal: portalDeps(), readiness: [{ name: 'miner', check: () => undefined }, { name: 'receivers', check: () => 'not listening: ftp' }] });
      root = await apiToken(app, 'root');
      viewer = await apiToken(app, 'viewer');
    });
    after(async () => t.close());
    const post = (tok: string, p: string, body: string) => request(app.callback()).post(p).set('authorization', `Bearer ${tok}`).set('content-type', 'text/csv').send(body);
    const get = (tok: string, p: string) => request(app.callback()).get(p).set('authorization', `Bearer ${tok}`);

    it('loads tariffs, sites, gateways and account codes from the CLI formats and lists them', async () => {
      assert.equal((await post(root, '/api/admin/tariffs/import', readFileSync(path.join(SAMPLES, 'tariff-it.csv'), 'utf8')).expect(200)).body.imported, 1);
      const tariff = (await get(root, '/api/admin/tariffs').expect(200)).body.tariffs[0].code;
      await post(root, '/api/admin/sites/import', `code;name;country;timezone;currency;tariff;privacy_digits\r\nMI;Milano;IT;Europe/Rome;EUR;${tariff};3\r\n`).expect(200);
      await post(root, '/api/admin/gateways/import', 'site,name,kind,label\nMI,SIP-TRUNK-1,trunk,Carrier A\n').expect(200);
      await post(root, '/api/admin/account-codes/import', '[{"code":"123","site":"*","description":"Project X"}]').expect(200);
      const sites = (await get(root, '/api/admin/sites').expect(200)).body.sites;
      assert.equal(sites[0].code, 'MI');
      assert.equal(sites[0].privacyDigits, 3);
      assert.equal((await get(root, '/api/admin/gateways').expect(200)).body.gateways[0].site, 'MI');
      assert.equal((await get(root, '/api/admin/account-codes').expect(200)).body.accountCodes[0].site, '*');
    });

    it('a bad file imports nothing and lists every problem; others than level 10 are refused', async () => {
      const r = await post(root, '/api/admin/sites/import', 'code;country;timezone;currency\nBAD CODE;ITA;Mars/Base;EUR\n').expect(422);
      assert.ok(r.body.error.details.length >= 3);
      assert.match(r.body.error.details.join('\n'), /code: letters, digits/);
      assert.match(r.body.error.details.join('\n'), /timezone: unknown time zone/);
      assert.equal((await get(root, '/api/admin/sites').expect(200)).body.sites.some((s: { code: string }) => s.code === 'BAD CODE'), false);
      await post(root, '/api/admin/nope/import', 'x').expect(400);
      await post(viewer, '/api/admin/sites/import', 'code\nX\n').expect(403);
      await get(viewer, '/api/admin/sites').expect(403);
    });

    it('system status names each service check', async () => {
      const s = (await get(root, '/api/status').expect(200)).body;
      assert.deepEqual(s.services, { miner: 'ok', receivers: 'not listening: ftp' });
    });
  });
}
