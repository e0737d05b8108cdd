import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { createMailer } from '../../src/mail/mailer.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, addSite, apiToken, login, portalApp } from '../support/portal.js';
import { startSmtp } from '../support/smtp.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

/** Scheduled reports and alarms through the portal API: level 10 only, validated, shared with /api/v1. */

const pad = (n: number) => String(n).padStart(2, '0');
/** A local (UTC) start `days` from now, as the API takes it. */
const startIn = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T07:00`;
};
const SCHEDULE = { kind: 'report', target: 'call-list', options: { period: 'last-7-days', traffic: 'all' }, format: 'csv', recipients: ['boss@example.com'], everyN: 1, everyUnit: 'days', timezone: 'UTC' };

for (const kind of ['sqlite', 'postgres'] as const) describe(`portal schedules and alarms API on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
  let t: TestDb;
  let app: Koa;
  const tokens: Record<string, string> = {};
  before(async () => {
    t = await createTestDb(kind);
    const site = await addSite(t.db, 'HQ');
    const alice = await addAccount(t.db, 'alice', '1001', { level: 2, department: 'Sales', site_id: site });
    await addAccount(t.db, 'mgr', '1006', { level: 6, department: 'Sales' });
    await addAccount(t.db, 'audit', '1008', { level: 8, department: 'Audit', cost_center: 'CC-9' });
    await addAccount(t.db, 'root', '1010', { level: 10 });
    await addCall(t.db, { siteId: site, userId: alice, extension: '1001', remote: '5035551234', startAt: Math.floor(Date.now() / 1000) - 3600 });
    app = portalApp(t.db);
    for (const u of ['alice', 'mgr', 'audit', 'root']) tokens[u] = await apiToken(app, u);
  });
  after(async () => t.close());
  const as = (user: string, method: 'get' | 'put' | 'post' | 'delete', url: string) => request(app.callback())[method](url).set('authorization', `Bearer ${tokens[user]}`);

  it('is for administrators only: below level 10 every schedule route answers 403', async () => {
    await as('root', 'put', '/api/schedules/Daily').send({ ...SCHEDULE, startsAt: startIn(1) }).expect(200);
    for (const user of ['alice', 'mgr', 'audit']) {
      for (const [method, url] of [['get', '/api/schedules'], ['get', '/api/schedules/alarm-types'], ['put', '/api/schedules/Daily'], ['post', '/api/schedules/Daily/disable'],
        ['post', '/api/schedules/Daily/enable'], ['post', '/api/schedules/Daily/run'], ['delete', '/api/schedules/Daily']] as const) {
        const r = await as(user, method, url).send(method === 'put' ? { ...SCHEDULE, startsAt: startIn(1), recipients: ['me@example.com'] } : undefined);
        assert.equal(r.status, 403, `${user} ${method} ${url}: ${r.status}`);
      }
    }
    const [row] = await t.db('schedules').where({ name: 'Daily' }).select('enabled', 'recipients', 'owner');
    assert.deepEqual([Boolean(row.enabled), JSON.parse(row.recipients), row.owner], [true, ['boss@example.com'], 'root'], 'untouched by the refused calls');
    await request(app.callback()).get('/api/schedules').expect(401);
  });

  it('refuses bad input with 400 naming the field, and a start in the past', async () => {
    const bad = async (body: Record<string, unknown>, re: RegExp) => {
      const r = await as('root', 'put', '/api/schedules/Bad').send(body).expect(400);
      assert.match(r.body.error.message, re);
    };
    await bad({ ...SCHEDULE, startsAt: startIn(1), everyUnit: 'fortnights' }, /body\.everyUnit/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), recipients: ['nobody'] }, /body\.recipients\.0: not an e-mail address/);
    await bad({ ...SCHEDULE, startsAt: '1 Dec' }, /body\.startsAt: a start is a local date and time/);
    await bad({ ...SCHEDULE, startsAt: startIn(-2) }, /startsAt: .* is in the past/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), timezone: 'Mars/Olympus' }, /timezone: unknown time zone/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), target: 'nope' }, /target: no report "nope"/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), options: { conditions: [{ field: 'x; DROP TABLE calls', op: 'eq', value: 1 }] } }, /conditions\.0\.field: unknown field/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), kind: 'alarm', target: 'spend-over', params: { by: 'user', amount: 'lots', currency: 'EUR' } }, /amount/);
    await bad({ ...SCHEDULE, startsAt: startIn(1), owner: 'alice' }, /body: Unrecognized key/i);
    assert.equal((await t.db('schedules').where({ name: 'Bad' })).length, 0);
  });

  it('lists with next run, edits, disables, enables, runs now (mail caught by SMTP) and deletes; alarms too', async () => {
    const start = startIn(2);
    await as('root', 'put', '/api/schedules/Weekly').send({ ...SCHEDULE, startsAt: start, everyUnit: 'weeks', subject: '[[REPORT]] weekly', body: '[[FILTER]]' }).expect(200);
    let list = (await as('root', 'get', '/api/schedules').expect(200)).body as Array<{ name: string; startsAtLocal: string; nextRunAt: number; enabled: boolean; lastStatus: string | null; lastResult: string | null }>;
    let w = list.find((s) => s.name === 'Weekly')!;
    assert.equal(w.startsAtLocal, start);
    assert.equal(w.nextRunAt, Date.parse(`${start}:00Z`) / 1000);
    assert.equal(w.lastStatus, null);
    // Editing keeps a start now in the past only when it is unchanged: here it is in the future.
    await as('root', 'put', '/api/schedules/Weekly').send({ ...SCHEDULE, startsAt: start, everyUnit: 'weeks', recipients: ['a@example.com', 'b@example.com'] }).expect(200);
    await as('root', 'post', '/api/schedules/Weekly/disable').expect(204);
    w = (await as('root', 'get', '/api/schedules').expect(200)).body.find((s: { name: string }) => s.name === 'Weekly');
    assert.equal(w.enabled, false);
    await as('root', 'post', '/api/schedules/Weekly/enable').expect(204);
    const ran = await as('root', 'post', '/api/schedules/Weekly/run').expect(200);
    assert.equal(ran.body.status, 'ok');
    assert.match(ran.body.detail, /1 rows sent to a@example.com, b@example.com/);
    list = (await as('root', 'get', '/api/schedules').expect(200)).body;
    w = list.find((s) => s.name === 'Weekly')!;
    assert.deepEqual([w.enabled, w.lastStatus], [true, 'ok']);
    assert.equal(w.nextRunAt, Date.parse(`${start}:00Z`) / 1000, 'run now does not move the first scheduled run');
    const smtp = await startSmtp();
    try {
      const mailer = createMailer({ db: t.db, log: testLog, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'reports@example.com' } });
      assert.equal(await mailer.flush(), 1);
      await mailer.stop();
      assert.deepEqual(smtp.mails[0]!.to, ['a@example.com', 'b@example.com']);
      assert.match(smtp.mails[0]!.raw, /Subject: Call list/);
      assert.match(smtp.mails[0]!.raw, /call-list-.*\.csv/);
    } finally {
      await smtp.close();
    }
    // Alarms: the eight types with their parameter schemas; one created.
    const types = (await as('root', 'get', '/api/schedules/alarm-types').expect(200)).body as { alarms: Array<{ id: string; params: { properties?: Record<string, unknown> } }>; units: string[] };
    assert.equal(types.alarms.length, 8);
    assert.deepEqual(Object.keys(types.alarms.find((a) => a.id === 'spend-over')!.params.properties ?? {}).sort(), ['amount', 'by', 'currency']);
    await as('root', 'put', '/api/schedules/Big%20spenders').send({ ...SCHEDULE, kind: 'alarm', target: 'spend-over', params: { by: 'department', amount: '50', currency: 'USD' }, startsAt: startIn(1) }).expect(200);
    const alarm = (await as('root', 'get', '/api/schedules').expect(200)).body.find((s: { name: string }) => s.name === 'Big spenders');
    assert.deepEqual([alarm.kind, alarm.target, alarm.params, alarm.skipEmpty], ['alarm', 'spend-over', { by: 'department', amount: '50', currency: 'USD' }, true]);
    await as('root', 'delete', '/api/schedules/Weekly').expect(204);
    await as('root', 'delete', '/api/schedules/Weekly').expect(404);
    await as('root', 'post', '/api/schedules/Weekly/run').expect(404);
    assert.equal((await t.db('schedule_runs')).length, 0, 'the runs went with their schedule');
  });

  it('needs the CSRF header on a cookie session', async () => {
    const { agent, csrf } = await login(app, 'root');
    const refused = await agent.post('/api/schedules/Daily/disable').expect(403);
    assert.equal(refused.body.error.code, 'csrf_failed');
    await agent.post('/api/schedules/Daily/disable').set('x-csrf-token', csrf).expect(204);
  });

  it('offers known values to level 8 and up, and renames personal reports per user', async () => {
    await as('alice', 'get', '/api/reports/values').expect(403);
    const values = (await as('audit', 'get', '/api/reports/values').expect(200)).body;
    assert.deepEqual([values.departments, values.costCenters], [['Audit', 'Sales'], ['CC-9', 'CC1']]);
    const cat = (await as('alice', 'get', '/api/reports').expect(200)).body as { fields: Array<{ key: string; operators: string[] }> };
    assert.deepEqual(cat.fields.find((f) => f.key === 'duration_s')!.operators, ['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
    assert.ok(cat.fields.find((f) => f.key === 'remote_number')!.operators.includes('starts'));
    const r = await as('alice', 'post', '/api/reports/call-list/run').send({ conditions: [{ field: 'duration_s', op: 'contains', value: '1' }] }).expect(400);
    assert.match(r.body.error.message, /condition on duration_s: contains does not apply to a int field/);
    await as('alice', 'put', '/api/saved-reports/Mine').send({ report: 'call-list', options: { period: 'today' }, group: 'Daily', description: 'mine' }).expect(200);
    await as('alice', 'put', '/api/saved-reports/Other').send({ report: 'trend', options: {} }).expect(200);
    await as('alice', 'put', '/api/saved-reports/Other').send({ report: 'call-list', options: {}, renameFrom: 'Mine' }).expect(409);
    await as('alice', 'put', '/api/saved-reports/Renamed').send({ report: 'call-list', options: { period: 'yesterday' }, group: 'Daily', description: 'new', renameFrom: 'Mine' }).expect(200);
    await as('mgr', 'put', '/api/saved-reports/Renamed2').send({ report: 'call-list', options: {}, renameFrom: 'Renamed' }).expect(404);
    const saved = (await as('alice', 'get', '/api/saved-reports').expect(200)).body as Array<{ name: string; description: string; group: string; options: unknown }>;
    assert.deepEqual(saved.map((s) => [s.name, s.group, s.description]), [['Other', '', ''], ['Renamed', 'Daily', 'new']]);
    assert.deepEqual(saved[1]!.options, { period: 'yesterday' });
  });
});
