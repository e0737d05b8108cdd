import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upsertUser } from '../../src/db/queries/users.js';
import { startFakePhone } from '../support/fake-phone.js';
import { user } from '../support/pipeline.js';
import { setupLock, TOKEN } from '../support/lock.js';

const PUSH = { TOLLGATE_PHONE_PUSH_USER: 'pushuser', TOLLGATE_PHONE_PUSH_PASSWORD: 'push-pw', TOLLGATE_PHONE_PUSH_TIMEOUT_MS: '300', TOLLGATE_PHONE_PUSH_RETRIES: '1' };
const ANN_LINE = { partition: 'PT_A', extension: '1001' };

async function withPhone(env: Record<string, string>, mode: 'ok' | 'hang' | 'fail-first', fn: (s: Awaited<ReturnType<typeof setupLock>>, phone: Awaited<ReturnType<typeof startFakePhone>>) => Promise<void>) {
  const phone = await startFakePhone({ user: 'pushuser', password: 'push-pw', mode });
  const s = await setupLock('sqlite', { ...PUSH, ...env });
  try {
    await s.http().put('/api/v1/devices/SEPAAA000000001/address').set('Authorization', `Bearer ${TOKEN}`).send({ address: phone.address }).expect(200);
    await fn(s, phone);
  } finally {
    await s.close();
    await phone.close();
  }
}

describe('push to phones', () => {
  it('an admin lock and unlock are pushed as CiscoIPPhoneText (form field XML, basic auth); a user lock is not', async () => {
    await withPhone({}, 'ok', async (s, phone) => {
      await s.http().post('/api/v1/lines/1001/lock').set('Authorization', `Bearer ${TOKEN}`).send({ partition: 'PT_A' }).expect(200);
      await s.phoneLock.pushesDone();
      assert.equal(phone.received.length, 1);
      const p = phone.received[0]!;
      assert.equal(p.contentType, 'application/x-www-form-urlencoded');
      assert.equal(p.expect, undefined, 'no Expect: 100-continue (phones answer error 6)');
      assert.match(p.xml, /<CiscoIPPhoneText><Title>Phone Lock<\/Title><Text>Line 1001 was locked \(administrator\)/);
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'user', locked: true, who: 'ann', channel: 'phone' });
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'admin', locked: false, who: 'boss', channel: 'api' });
      await s.phoneLock.pushesDone();
      assert.equal(phone.received.length, 2, 'the user lock was not pushed');
      assert.match(phone.received[1]!.xml, /still locked \(user\)/);
    });
  });

  it('with a phone service URL the push is a CiscoIPPhoneExecute of the status page, when idle', async () => {
    await withPhone({ TOLLGATE_PHONE_SERVICE_URL: 'http://tollgate.example:8080/phone/' }, 'ok', async (s, phone) => {
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'budget', locked: true, who: 'budget', channel: 'budget' });
      await s.phoneLock.pushesDone();
      assert.match(phone.received[0]!.xml, /<CiscoIPPhoneExecute><ExecuteItem Priority="1" URL="http:\/\/tollgate.example:8080\/phone\/status\?device=SEPAAA000000001"\/><\/CiscoIPPhoneExecute>/);
    });
  });

  it('a phone that does not answer never delays the lock; the push times out, is retried once and given up', async () => {
    await withPhone({}, 'hang', async (s, phone) => {
      const started = Date.now();
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'admin', locked: true, who: 'boss', channel: 'api' });
      assert.ok(Date.now() - started < 250, 'the lock did not wait for the phone');
      assert.deepEqual(s.phoneLock.locks.reasons(ANN_LINE), ['admin']);
      await s.phoneLock.pushesDone();
      assert.equal(phone.attempts, 2);
      assert.deepEqual(s.phoneLock.locks.reasons(ANN_LINE), ['admin'], 'a failed push does not undo the lock');
    });
  });

  it('a dropped connection is retried; an authentication error (CiscoIPPhoneError 4) is not', async () => {
    await withPhone({}, 'fail-first', async (s, phone) => {
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'admin', locked: true, who: 'boss', channel: 'api' });
      await s.phoneLock.pushesDone();
      assert.equal(phone.attempts, 2);
      assert.equal(phone.received.length, 1);
    });
    await withPhone({ TOLLGATE_PHONE_PUSH_PASSWORD: 'wrong' }, 'ok', async (s, phone) => {
      await s.phoneLock.setLock({ line: ANN_LINE, reason: 'admin', locked: true, who: 'boss', channel: 'api' });
      await s.phoneLock.pushesDone();
      assert.equal(phone.attempts, 1);
      assert.equal(phone.received.length, 0);
    });
  });

  it('re-importing users keeps the push address of their devices', async () => {
    await withPhone({}, 'ok', async (s, phone) => {
      await upsertUser({ db: s.db, user: user('ann', '1001', { partition: 'PT_A', site_id: s.siteId, devices: ['SEPAAA000000001', 'SEPAAA000000009'] }), now: 1 });
      const rows = await s.db('user_devices').where({ user_id: (await s.db('users').where({ username: 'ann' }).first('id')).id }).orderBy('device_name').select('device_name', 'address');
      assert.deepEqual(rows, [{ device_name: 'SEPAAA000000001', address: phone.address }, { device_name: 'SEPAAA000000009', address: null }]);
    });
  });
});
