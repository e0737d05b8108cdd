import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { setBudget } from '../../src/budget/admin.js';
import { createBudgetEngine } from '../../src/budget/engine.js';
import { updateAccount } from '../../src/db/queries/portal-users.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { setupLock } from '../support/lock.js';
import { testLog } from '../support/logger.js';
import { PASSWORD, portalDeps } from '../support/portal.js';

/** "My Phone" and "My budgets" for a logged-in portal user, over the real Phone Lock and Budget Control. */

describe('portal: my phone and my budgets', () => {
  let s: Awaited<ReturnType<typeof setupLock>>;
  let app: ReturnType<typeof createApp>;
  let engine: ReturnType<typeof createBudgetEngine>;
  let token: string;
  let adminToken: string;
  before(async () => {
    s = await setupLock('sqlite');
    const carl = await s.db('users').where({ username: 'carl' }).first('id');
    await updateAccount({ db: s.db, id: Number(carl.id), patch: { password_hash: await hashPassword(PASSWORD), auth_source: 'local', level: 2 }, now: 0 });
    engine = createBudgetEngine({ db: s.db, log: testLog, adminEmails: [] });
    await setBudget({ db: s.db, input: { scope: 'user', target: 'carl', period: 'monthly', amount: '20', currency: 'USD' }, defaultTimezone: 'UTC', now: Math.floor(Date.now() / 1000) });
    app = createApp({ db: s.db, log: testLog, portal: portalDeps(), lock: { phoneLock: s.phoneLock, pins: s.pins, settings: s.config }, budgets: engine });
    const res = await request(app.callback()).post('/api/sessions').send({ username: 'carl', password: PASSWORD, kind: 'api' }).expect(200);
    token = res.body.token as string;
    const ann = await s.db('users').where({ username: 'ann' }).first('id');
    await updateAccount({ db: s.db, id: Number(ann.id), patch: { password_hash: await hashPassword(PASSWORD), auth_source: 'local', level: 10 }, now: 0 });
    adminToken = (await request(app.callback()).post('/api/sessions').send({ username: 'ann', password: PASSWORD, kind: 'api' }).expect(200)).body.token as string;
  });
  after(async () => {
    await engine.stop();
    await s.close();
  });
  const as = (method: 'get' | 'post', path: string) => request(app.callback())[method](path).set('authorization', `Bearer ${token}`);

  it('locks and unlocks the own line with the user reason, and never clears an admin lock', async () => {
    assert.equal((await as('get', '/api/me/phone').expect(200)).body.locked, false);
    const locked = (await as('post', '/api/me/phone/lock').expect(200)).body;
    assert.deepEqual([locked.extension, locked.locked, locked.reasons.map((r: { reason: string; channel: string }) => `${r.reason}/${r.channel}`)], ['2001', true, ['user/web']]);
    await s.phoneLock.setLock({ line: { partition: '', extension: '2001' }, reason: 'admin', locked: true, who: 'root', channel: 'cli' });
    const after = (await as('post', '/api/me/phone/unlock').expect(200)).body;
    assert.deepEqual([after.locked, after.reasons.map((r: { reason: string }) => r.reason)], [true, ['admin']]);
    await request(app.callback()).get('/api/me/phone').expect(401);
  });

  it('shows the own budgets', async () => {
    const list = (await as('get', '/api/me/budgets').expect(200)).body as Array<{ scope: string; target: string; assignedMinor: number; spendMinor: number; locked: boolean }>;
    assert.deepEqual(list.map((b) => [b.scope, b.target, b.assignedMinor, b.spendMinor, b.locked]), [['user', 'carl', 2000, 0, false]]);
  });

  it('administrators manage budgets, admin locks and PINs; a level-2 user cannot', async () => {
    const admin = (method: 'get' | 'post' | 'put' | 'delete', path: string) => request(app.callback())[method](path).set('authorization', `Bearer ${adminToken}`);
    await as('get', '/api/budgets').expect(403);
    let r = await admin('put', '/api/budgets').send({ scope: 'department', target: 'Sales', period: 'weekly', amount: '30', currency: 'USD' }).expect(200);
    assert.equal(r.body.amountMinor, 3000);
    r = await admin('put', '/api/budgets').send({ scope: 'user', target: 'nobody', period: 'weekly', amount: '30', currency: 'USD' }).expect(400);
    assert.match(r.body.error.message, /no user "nobody"/);
    assert.deepEqual((await admin('get', '/api/budgets').expect(200)).body.map((b: { scope: string; target: string }) => `${b.scope}/${b.target}`).sort(), ['department/Sales', 'user/carl']);
    assert.ok((await admin('get', '/api/budgets/history').expect(200)).body.some((h: { kind: string }) => h.kind === 'budget-set'));
    await admin('delete', '/api/budgets/department/Sales').expect(204);
    await admin('delete', '/api/budgets/department/Sales').expect(404);
    const carl = await s.db('users').where({ username: 'carl' }).first('id');
    await as('post', `/api/users/${carl.id}/line/lock`).expect(403);
    r = await admin('post', `/api/users/${carl.id}/line/unlock`).expect(200);
    assert.deepEqual(r.body.reasons.map((x: { reason: string }) => x.reason), [], 'no admin lock left');
    r = await admin('post', `/api/users/${carl.id}/line/lock`).expect(200);
    assert.deepEqual(r.body.reasons.map((x: { reason: string; who: string; channel: string }) => `${x.reason}/${x.who}/${x.channel}`), ['admin/ann/web']);
    assert.equal((await admin('get', `/api/users/${carl.id}/line`).expect(200)).body.locked, true);
    r = await admin('put', `/api/users/${carl.id}/pin`).send({ pin: '12' }).expect(400);
    assert.match(r.body.error.message, /a PIN is 4 digits/);
    assert.equal((await admin('put', `/api/users/${carl.id}/pin`).send({ pin: '4321' }).expect(200)).body.result, 'set');
    assert.equal((await admin('put', `/api/users/${carl.id}/pin`).send({ pin: '1234' }).expect(200)).body.result, 'reset');
    await admin('get', '/api/users/99999/line').expect(404);
  });
});
