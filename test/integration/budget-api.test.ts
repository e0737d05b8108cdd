import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createBudgetEngine } from '../../src/budget/engine.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { testLog } from '../support/logger.js';
import { user } from '../support/pipeline.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** Budget Control over the JSON API, behind the admin token. */

const TOKEN = 'budget-api-admin-token-0123456789';

describe('budget JSON API', () => {
  let t: TestDb;
  let engine: ReturnType<typeof createBudgetEngine>;
  let server: ReturnType<ReturnType<typeof createApp>['callback']>;
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    t = await createTestDb('sqlite');
    await upsertUser({ db: t.db, user: user('ann', '2001', { department: 'Sales' }), now: 0 });
    engine = createBudgetEngine({ db: t.db, log: testLog, adminEmails: [] });
    server = createApp({ db: t.db, log: testLog, adminToken: TOKEN, budgets: engine, defaultTimezone: 'Europe/Rome' }).callback();
  });
  after(async () => {
    await engine.stop();
    await t.close();
  });

  it('refuses requests without the admin token', async () => {
    const r = await request(server).get('/api/v1/budgets');
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
    assert.equal((await request(server).get('/api/v1/budgets').set({ authorization: 'Bearer wrong' })).status, 401);
  });

  it('rejects bad budgets naming every field, and budgets for unknown targets', async () => {
    let r = await request(server).put('/api/v1/budgets').set(auth).send({ scope: 'team', period: 'yearly', amount: '-1', currency: 'EURO' });
    assert.equal(r.status, 400);
    for (const field of ['scope', 'target', 'period', 'currency']) assert.match(r.body.error.message, new RegExp(`${field}:`));
    r = await request(server).put('/api/v1/budgets').set(auth).send({ scope: 'user', target: 'zed', period: 'monthly', amount: '5', currency: 'EUR' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /no user "zed"/);
    r = await request(server).put('/api/v1/budgets').set(auth).set('content-type', 'application/json').send('{not json');
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /not JSON/);
    assert.deepEqual((await request(server).get('/api/v1/budgets').set(auth)).body, []);
  });

  it('sets, lists, reports, and deletes a budget', async () => {
    let r = await request(server).put('/api/v1/budgets').set(auth).send({ scope: 'department', target: 'Sales', period: 'weekly', weekStart: 'mon', amount: '25.50', currency: 'EUR', thresholds: '90:user;100:user,lock' });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.amountMinor, r.body.timezone, r.body.thresholds.length], [2550, 'Europe/Rome', 2]);
    r = await request(server).get('/api/v1/budgets').set(auth);
    assert.equal(r.body[0].current.assignedMinor, 2550);
    r = await request(server).get('/api/v1/users/ann/budgets').set(auth);
    assert.deepEqual([r.body[0].scope, r.body[0].target, r.body[0].spendMinor, r.body[0].locked], ['department', 'Sales', 0, false]);
    r = await request(server).get('/api/v1/budgets/history?scope=department&target=Sales').set(auth);
    assert.equal(r.body[0].kind, 'budget-set');
    assert.equal((await request(server).delete('/api/v1/budgets/department/Sales').set(auth)).status, 204);
    assert.equal((await request(server).delete('/api/v1/budgets/department/Sales').set(auth)).status, 404);
    assert.equal((await request(server).delete('/api/v1/budgets/planet/Sales').set(auth)).status, 400);
  });
});
