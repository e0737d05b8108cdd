import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { setupGolden } from '../support/golden.js';
import { testLog } from '../support/logger.js';

/** Reports over the JSON API, on the golden calls. */

const TOKEN = 'report-api-admin-token-0123456789';
const DAY = { period: { from: '2026-11-17', to: '2026-11-18' }, timezone: 'Europe/London' };

describe('report JSON API', () => {
  let p: Awaited<ReturnType<typeof setupGolden>>;
  let server: ReturnType<ReturnType<typeof createApp>['callback']>;
  const auth = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    p = await setupGolden('sqlite');
    server = createApp({ db: p.db, log: testLog, adminToken: TOKEN }).callback();
  });
  after(async () => p.close());

  it('lists reports and runs one as JSON, CSV and xlsx', async () => {
    assert.equal((await request(server).get('/api/v1/reports')).status, 401);
    const list = await request(server).get('/api/v1/reports').set(auth);
    assert.ok(list.body.reports.some((r: { id: string }) => r.id === 'phone-bill'));
    assert.ok(list.body.alarms.some((a: { id: string }) => a.id === 'spend-over'));
    const json = await request(server).post('/api/v1/reports/phone-bill/run?owner=ann').set(auth).send(DAY);
    assert.equal(json.status, 200);
    assert.deepEqual(json.body.rows.map((r: { user: string; cost: number }) => [r.user, r.cost]), [['alice', 60], ['bob', 41]]);
    assert.deepEqual(json.body.totals, { calls: 13, duration_s: 1052, cost: 101, currency: 'GBP' });
    const csv = await request(server).post('/api/v1/reports/cost-by-carrier/run?format=csv').set(auth).send(DAY);
    assert.match(csv.headers['content-disposition'] ?? '', /attachment; filename="cost-by-carrier.csv"/);
    assert.match(csv.text, /Carrier A,12,962,0\.71,GBP/);
    const xlsx = await request(server).post('/api/v1/reports/phone-bill/run?format=xlsx').set(auth).send(DAY).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as never);
    assert.equal(wb.worksheets[0]!.getCell('H4').value, 1.01);
    const history = await request(server).get('/api/v1/report-history?owner=ann').set(auth);
    assert.deepEqual(history.body.map((h: { report: string; rows: number }) => [h.report, h.rows]), [['phone-bill', 2]]);
  });

  it('answers bad options with 400 and the reason', async () => {
    let r = await request(server).post('/api/v1/reports/call-list/run').set(auth).send({ ...DAY, conditions: [{ field: 'x; DROP TABLE calls', op: 'eq', value: 1 }] });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /unknown field/);
    r = await request(server).post('/api/v1/reports/nope/run').set(auth).send({});
    assert.equal(r.status, 400);
    r = await request(server).post('/api/v1/reports/call-list/run?format=docx').set(auth).send({});
    assert.equal(r.status, 400);
  });

  it('saves personal reports and schedules', async () => {
    assert.equal((await request(server).put('/api/v1/saved-reports/Mine?owner=ann').set(auth).send({ report: 'trend', options: { interval: 'week' }, group: 'Mine' })).status, 200);
    assert.equal((await request(server).put('/api/v1/saved-reports/Bad?owner=ann').set(auth).send({ report: 'trend', options: { interval: 'hourly' } })).status, 400);
    const saved = await request(server).get('/api/v1/saved-reports?owner=ann').set(auth);
    assert.deepEqual(saved.body.map((s: { name: string; report: string }) => [s.name, s.report]), [['Mine', 'trend']]);
    assert.equal((await request(server).delete('/api/v1/saved-reports/Mine?owner=ann').set(auth)).status, 204);
    const put = await request(server).put('/api/v1/schedules').set(auth).send({ name: 'nightly', target: 'phone-bill', recipients: ['a@example.com'], everyN: 1, everyUnit: 'days', startsAt: '2099-01-01T02:00', timezone: 'UTC' });
    assert.equal(put.status, 200);
    const bad = await request(server).put('/api/v1/schedules').set(auth).send({ name: 'past', target: 'phone-bill', recipients: ['a@example.com'], everyN: 1, everyUnit: 'days', startsAt: '2001-01-01T02:00', timezone: 'UTC' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /in the past/);
    assert.equal((await request(server).post('/api/v1/schedules/nightly/disable').set(auth)).status, 204);
    assert.equal((await request(server).get('/api/v1/schedules').set(auth)).body[0].enabled, false);
    const ran = await request(server).post('/api/v1/schedules/nightly/run').set(auth);
    assert.deepEqual([ran.status, ran.body.status], [200, 'ok'], 'run now, the same function as the portal\'s');
    assert.equal((await request(server).get('/api/v1/schedules').set(auth)).body[0].lastStatus, 'ok');
    assert.equal((await request(server).post('/api/v1/schedules/nope/run').set(auth)).status, 404);
    assert.equal((await request(server).delete('/api/v1/schedules/nightly').set(auth)).status, 204);
    assert.equal((await request(server).delete('/api/v1/schedules/nightly').set(auth)).status, 404);
  });
});
