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
  before(async () => {
    s = await setupLock('sqlite');
    const carl = await s.db('users').where({ username: 'carl' }).first('id');
    await updateAccount({ db: s.db, id: Number(carl.id), patch: { password_hash: await hashPassword(PASSWORD), auth_source: 'local', level: 2 }, now: 0 });
    engine = createBudgetEngine({ db: s.db, log: testLog, adminEmails: [] });
    await setBudget({ db: s.db, input: { scope: 'user', target: 'carl', period: 'monthly', amount: '20', currency: 'USD' }, defaultTimezone: 'UTC', now: Math.floor(Date.now() / 1000) });
    app = createApp({ db: s.db, log: testLog, portal: portalDeps(), lock: { phoneLock: s.phoneLock, pins: s.pins, settings: s.config }, budgets: engine });
    const res = await request(app.callback()).post('/api/sessions').send({ username: 'carl', password: PASSWORD, kind: 'api' }).expect(200);
    token = res.body.token as string;
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
});
