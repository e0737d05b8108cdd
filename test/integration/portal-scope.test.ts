import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { addAccount, addCall, addSite, apiToken, portalApp } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

/**
 * The permission levels through every call endpoint: a level-2 user never sees another user's
 * call by list, filter, id, export or home; level 6 sees the department; 8 and 10 everything;
 * numbers are masked below the site's privacy level, and a number filter cannot probe masked digits.
 */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`call visibility by permission level (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let app: Koa;
    const ids: Record<string, number> = {};
    const tokens: Record<string, string> = {};
    const now = Math.floor(Date.now() / 1000);
    before(async () => {
      t = await createTestDb(kind);
      const hq = await addSite(t.db, 'HQ', { privacyDigits: 3, privacyLevel: 8 });
      const a = await addAccount(t.db, 'alice', '1001', { level: 2, department: 'Sales', site_id: hq });
      const b = await addAccount(t.db, 'bob', '1002', { level: 2, department: 'Sales', site_id: hq });
      await addAccount(t.db, 'carol', '1003', { level: 6, department: 'Sales', site_id: hq });
      const d = await addAccount(t.db, 'dave', '1004', { level: 2, department: 'R&D', site_id: hq });
      await addAccount(t.db, 'erin', '1005', { level: 8, department: 'Board', site_id: hq });
      await addAccount(t.db, 'root', '1000', { level: 10, department: 'IT', site_id: hq });
      await addAccount(t.db, 'frank', '1006', { level: 6, department: 'Support', extra_departments: 'R&D', site_id: hq });
      ids.alice = await addCall(t.db, { siteId: hq, userId: a, extension: '1001', remote: '5035551234', startAt: now - 60, cost: 120 });
      ids.aliceMissed = await addCall(t.db, { siteId: hq, userId: a, extension: '1001', remote: '5035550000', startAt: now - 30, direction: 'incoming', answered: false, duration: 0, cost: null, destinationType: 'incoming' });
      ids.bob = await addCall(t.db, { siteId: hq, userId: b, extension: '1002', remote: '5037779999', startAt: now - 50 });
      ids.dave = await addCall(t.db, { siteId: hq, userId: d, extension: '1004', remote: '4155558888', startAt: now - 40 });
      ids.internal = await addCall(t.db, { siteId: hq, userId: a, extension: '1001', remote: '1004', startAt: now - 20, direction: 'internal', destinationType: 'internal', cost: null });
      app = portalApp(t.db);
      for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'root', 'frank']) tokens[u] = await apiToken(app, u);
    });
    after(async () => t.close());

    const get = (user: string, path: string) => request(app.callback()).get(path).set('authorization', `Bearer ${tokens[user]}`);
    const idsOf = (body: { calls: Array<{ id: number }> }) => body.calls.map((c) => c.id).sort((x, y) => x - y);

    it('level 2 lists only its own calls, whatever the filter', async () => {
      const own = [ids.alice!, ids.aliceMissed!, ids.internal!].sort((x, y) => x - y);
      assert.deepEqual(idsOf((await get('alice', '/api/calls').expect(200)).body), own);
      const refused = await get('alice', '/api/calls?user=bob').expect(403);
      assert.match(refused.body.error.message, /query\.user: level 2 sees only its own calls \(got "bob"\)/);
      await get('alice', '/api/calls/export?user=bob').expect(403);
      assert.equal((await get('alice', '/api/calls?user=alice').expect(200)).body.calls.length, 3);
      for (const q of ['extension=1002', 'department=R%26D', 'number=503777', 'site=HQ&department=R%26D', 'kind=outgoing&extension=1002', `from=2000-01-01&extension=1004`]) {
        const body = (await get('alice', `/api/calls?${q}`).expect(200)).body;
        assert.ok(body.calls.every((c: { user: string }) => c.user === 'alice'), `filter ${q} leaked ${JSON.stringify(body.calls)}`);
      }
    });

    it("level 2 gets 404 for another user's call by id, and the same 404 as for a call that does not exist", async () => {
      const other = await get('alice', `/api/calls/${ids.bob}`).expect(404);
      const none = await get('alice', '/api/calls/999999').expect(404);
      assert.equal(other.body.error.message.replace(/\d+/, 'N'), none.body.error.message.replace(/\d+/, 'N'));
      await get('alice', `/api/calls/${ids.alice}`).expect(200);
      await get('alice', '/api/calls/abc').expect(400);
    });

    it('level 2 export and home contain only its own calls', async () => {
      const csv = (await get('alice', '/api/calls/export?extension=1002').expect(200)).text;
      assert.equal(csv.charCodeAt(0), 0xfeff);
      const lines = csv.slice(1).trim().split('\r\n');
      assert.equal(lines.length, 1, "only the header: a filter on another user's extension exports nothing");
      const all = (await get('alice', '/api/calls/export').expect(200)).text.slice(1).trim().split('\r\n');
      assert.equal(all.length, 4);
      assert.ok(all.slice(1).every((l) => l.includes(',alice,')));
      const home = (await get('bob', '/api/home').expect(200)).body;
      assert.deepEqual(home.calls.map((c: { id: number }) => c.id), [ids.bob]);
    });

    it('level 6 sees its department (and extra departments), not others', async () => {
      const carol = idsOf((await get('carol', '/api/calls').expect(200)).body);
      assert.deepEqual(carol, [ids.alice!, ids.aliceMissed!, ids.bob!, ids.internal!].sort((x, y) => x - y));
      await get('carol', `/api/calls/${ids.dave}`).expect(404);
      const frank = idsOf((await get('frank', '/api/calls').expect(200)).body);
      assert.deepEqual(frank, [ids.dave]);
    });

    it('levels 8 and 10 see every call; only 10 manages users and sees status', async () => {
      assert.equal((await get('erin', '/api/calls').expect(200)).body.calls.length, 5);
      assert.equal((await get('root', '/api/calls').expect(200)).body.calls.length, 5);
      await get('erin', '/api/users').expect(403);
      await get('carol', '/api/status').expect(403);
      const status = await get('root', '/api/status').expect(200);
      assert.equal(status.body.sites[0].site, 'HQ');
      await get('alice', '/api/users').expect(403);
      const post = (user: string, path: string, body: object) => request(app.callback()).post(path).set('authorization', `Bearer ${tokens[user]}`).send(body);
      assert.deepEqual((await post('root', '/api/status/reprocess', {}).expect(200)).body, { examined: 0, stored: 0, stillDiscarded: 0 });
      await post('root', '/api/status/reprocess', { site: 'NOPE' }).expect(404);
      await post('root', '/api/status/reprocess', { reasons: ['bogus'] }).expect(400);
      await post('erin', '/api/status/reprocess', {}).expect(403);
    });

    it('masks the last digits below the site privacy level; a number filter cannot find masked digits', async () => {
      const alice = (await get('alice', `/api/calls/${ids.alice}`).expect(200)).body;
      assert.equal(alice.remoteNumber, '5035551XXX');
      assert.equal(alice.masked, true);
      const internal = (await get('alice', `/api/calls/${ids.internal}`).expect(200)).body;
      assert.equal(internal.remoteNumber, '1004');
      const erin = (await get('erin', `/api/calls/${ids.alice}`).expect(200)).body;
      assert.equal(erin.remoteNumber, '5035551234');
      assert.equal((await get('alice', '/api/calls?number=5035551').expect(200)).body.calls.length, 1);
      assert.equal((await get('alice', '/api/calls?number=1234').expect(200)).body.calls.length, 0, 'masked digits must not match');
      assert.equal((await get('erin', '/api/calls?number=1234').expect(200)).body.calls.length, 1);
      const csv = (await get('alice', '/api/calls/export').expect(200)).text;
      assert.ok(!csv.includes('5035551234'));
    });

    it('home: last calls with kinds, and the month summary of own calls', async () => {
      const home = (await get('alice', '/api/home?limit=10').expect(200)).body;
      assert.deepEqual(home.calls.map((c: { kind: string }) => c.kind), ['internal', 'missed', 'outgoing']);
      assert.equal(home.month.calls, 3);
      assert.deepEqual(home.month.cost, [{ currency: 'USD', amount: 120 }]);
      assert.equal(home.missedToday, 1);
      await get('alice', '/api/home?limit=7').expect(400);
    });

    it('dashboard widgets count only visible calls; layouts are saved per user and validated', async () => {
      const status = async (user: string) => (await get(user, '/api/dashboard/widgets/status-7-days').expect(200)).body.groups as Array<{ calls: number; answered: number }>;
      const sum = (g: Array<{ calls: number }>) => g.reduce((a, x) => a + x.calls, 0);
      assert.equal(sum(await status('alice')), 3);
      assert.equal(sum(await status('erin')), 5);
      const byDept = (await get('carol', '/api/dashboard/widgets/today-status-department').expect(200)).body.groups;
      assert.deepEqual(byDept.map((g: { key: string }) => g.key), ['Sales']);
      const cost = (await get('erin', '/api/dashboard/widgets/today-cost-by-hour').expect(200)).body.groups;
      assert.equal(cost.reduce((a: number, g: { value: number }) => a + g.value, 0), 320);
      const last = (await get('bob', '/api/dashboard/widgets/last-calls').expect(200)).body.calls;
      assert.deepEqual(last.map((c: { id: number }) => c.id), [ids.bob]);
      await get('alice', '/api/dashboard/widgets/nope').expect(400);
      const catalogue = (await get('alice', '/api/dashboard/widgets').expect(200)).body.widgets;
      assert.ok(catalogue.length >= 12);
      const def = (await get('alice', '/api/me/dashboard').expect(200)).body;
      assert.ok(def.widgets.length > 0);
      const put = (user: string, body: object) => request(app.callback()).put('/api/me/dashboard').set('authorization', `Bearer ${tokens[user]}`).send(body);
      await put('alice', { widgets: [{ id: 'week-top-cost-area', zone: 'side', minimised: true }] }).expect(200);
      assert.deepEqual((await get('alice', '/api/me/dashboard').expect(200)).body, { widgets: [{ id: 'week-top-cost-area', zone: 'side', minimised: true }] });
      assert.notDeepEqual((await get('bob', '/api/me/dashboard').expect(200)).body.widgets[0].id, 'week-top-cost-area');
      const bad = await put('alice', { widgets: [{ id: 'nope' }] }).expect(400);
      assert.match(bad.body.error.message, /body\.widgets\.0\.id/);
    });

    it('paginates with before= without repeating or skipping calls', async () => {
      const first = (await get('erin', '/api/calls?limit=2').expect(200)).body;
      assert.equal(first.calls.length, 2);
      const second = (await get('erin', `/api/calls?limit=2&before=${first.next}`).expect(200)).body;
      const third = (await get('erin', `/api/calls?limit=2&before=${second.next}`).expect(200)).body;
      const all = [...first.calls, ...second.calls, ...third.calls].map((c: { id: number }) => c.id);
      assert.equal(new Set(all).size, 5);
    });

    it('reports run over the visible calls only, with numbers masked by level; personal reports belong to the caller', async () => {
      const post = (user: string, path: string, body: unknown) => request(app.callback()).post(path).set('authorization', `Bearer ${tokens[user]}`).send(body as object);
      const period = { period: { from: '2000-01-01', to: '2100-01-01' } };
      const list = async (user: string) => ((await post(user, '/api/reports/call-list/run', { ...period, traffic: 'all' }).expect(200)).body.rows as Array<{ extension: string; remote_number: string }>);
      const alice = await list('alice');
      assert.deepEqual(alice.map((r) => r.extension).sort(), ['1001', '1001', '1001'], 'level 2: own calls only');
      assert.ok(alice.some((r) => r.remote_number === '5035551XXX'), 'numbers masked below the privacy level');
      assert.ok(alice.some((r) => r.remote_number === '1004'), 'internal numbers are not masked');
      assert.deepEqual((await list('carol')).map((r) => r.extension).sort(), ['1001', '1001', '1001', '1002'], 'level 6: the department');
      assert.equal((await list('erin')).length, 5, 'level 8: every call');
      assert.ok((await list('erin')).some((r) => r.remote_number === '5035551234'), 'level 8 sees every digit');
      const byNumber = (await post('alice', '/api/reports/cost-by-number/run', period).expect(200)).body.rows as Array<{ remote_number: string }>;
      assert.deepEqual(byNumber.map((r) => r.remote_number), ['5035551XXX'], 'grouped by what the viewer may see');
      const bill = (await post('dave', '/api/reports/phone-bill/run', period).expect(200)).body;
      assert.deepEqual(bill.rows.map((r: { user: string }) => r.user), ['dave']);
      assert.equal(bill.totals.calls, 1, 'totals count only visible calls');
      const csv = await post('alice', '/api/reports/call-list/run?format=csv', { ...period, conditions: [{ field: 'extension', op: 'eq', value: '1002' }] }).expect(200);
      assert.equal(csv.text.trim().split('\r\n').length, 1, 'a condition on another line finds nothing (header only)');
      await post('alice', '/api/reports/call-list/run', { conditions: [{ field: 'nope', op: 'eq', value: 1 }] }).expect(400);
      await request(app.callback()).put('/api/saved-reports/Mine').set('authorization', `Bearer ${tokens.alice}`).send({ report: 'trend', options: { interval: 'week' } }).expect(200);
      assert.equal((await get('alice', '/api/saved-reports').expect(200)).body.length, 1);
      assert.equal((await get('bob', '/api/saved-reports').expect(200)).body.length, 0, 'personal reports are per user');
      assert.ok((await get('alice', '/api/report-history').expect(200)).body.length >= 2);
      await request(app.callback()).post('/api/reports/call-list/run').send(period).expect(401);
    });
  });
}
