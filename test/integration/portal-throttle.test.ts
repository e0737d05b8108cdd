import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createLoginThrottle } from '../../src/auth/throttle.js';
import { openDb } from '../../src/db/knex.js';
import { addAccount, PASSWORD, portalApp } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`login throttling in the database (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(kind);
    });
    after(async () => t.close());

    it('locks a username and address after the maximum failures for the lockout; a success clears the count', async () => {
      let now = 1000;
      const th = createLoginThrottle({ db: t.db, maxFailures: 2, lockoutS: 30, now: () => now });
      const a = { username: 'Alice', address: '10.0.0.1' };
      await th.failed(a);
      assert.equal(await th.blockedFor(a), 0);
      await th.failed({ username: 'alice', address: '10.0.0.1' }); // names are case-insensitive
      assert.equal(await th.blockedFor(a), 30);
      assert.equal(await th.blockedFor({ username: 'alice', address: '10.0.0.2' }), 0, 'another address is not locked');
      assert.equal(await th.blockedFor({ username: 'bob', address: '10.0.0.1' }), 0, 'another user is not locked');
      now = 1031;
      assert.equal(await th.blockedFor(a), 0);
      await th.failed(a);
      await th.succeeded(a);
      await th.failed(a);
      assert.equal(await th.blockedFor(a), 0, 'the success cleared the earlier failure');
      now = 1100; // the window of the one failure has passed
      await th.failed(a);
      assert.equal(await th.blockedFor(a), 0);
    });

    it('counts every one of concurrent failures, from two connection pools', async () => {
      const other = openDb(t.url);
      try {
        const a = createLoginThrottle({ db: t.db, maxFailures: 100, lockoutS: 60 });
        const b = createLoginThrottle({ db: other, maxFailures: 100, lockoutS: 60 });
        const key = { username: 'dave', address: '10.0.0.9' };
        await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).failed(key)));
        assert.equal(Number((await t.db('login_failures').where({ username: 'dave' }).first('failures')).failures), 8);
      } finally {
        await other.destroy();
      }
    });

    it('a lockout holds for a second process and after a restart', async () => {
      await addAccount(t.db, 'carol', '1003', { level: 2 });
      const first = portalApp(t.db);
      for (let i = 0; i < 3; i++) await request(first.callback()).post('/api/sessions').send({ username: 'carol', password: 'wrong' }).expect(401);
      // Another process on the same database (its own connection pool and app).
      const other = openDb(t.url);
      try {
        const res = await request(portalApp(other).callback()).post('/api/sessions').send({ username: 'carol', password: PASSWORD }).expect(429);
        assert.match(res.body.error.message, /too many failed logins: try again in \d+ s/);
      } finally {
        await other.destroy();
      }
      // A restart: a process that starts after the others closed their connections.
      await t.db.destroy();
      const restarted = openDb(t.url);
      try {
        await request(portalApp(restarted).callback()).post('/api/sessions').send({ username: 'carol', password: PASSWORD }).expect(429);
        const rows = await restarted('login_failures').where({ username: 'carol' });
        assert.equal(rows.length, 1);
        assert.ok(Number(rows[0].locked_until) > Date.now() / 1000);
      } finally {
        await restarted.destroy();
      }
    });
  });
}
