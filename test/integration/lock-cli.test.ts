import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeCurriResponse } from '../../curri/index.js';
import { loadConfig } from '../../src/config.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { startServer } from '../../src/server.js';
import { cliEnv, runCli } from '../support/cli.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';
import { startFakePhone } from '../support/fake-phone.js';
import { testLog } from '../support/logger.js';
import { user } from '../support/pipeline.js';
import { freePort } from '../support/ports.js';
import { createTestDb, PG_SKIP } from '../support/test-db.js';

async function decision(port: number, device: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: curriRequest({ calling: '1001', called: '0015551234567', device }) });
  assert.equal(res.status, 200);
  return decodeCurriResponse(await res.text()).decision;
}

async function cliLockReachesServer(kind: 'sqlite' | 'postgres'): Promise<void> {
  const t = await createTestDb(kind);
  const phone = await startFakePhone({ user: 'pushuser', password: 'push-pw' });
  try {
    await upsertUser({ db: t.db, user: user('ann', '1001', { partition: 'PT_A', devices: ['SEPAAA000000001'] }), now: 0 });
    await upsertUser({ db: t.db, user: user('bob', '1001', { partition: 'PT_B', devices: ['SEPBBB000000002'] }), now: 0 });
    await t.db('user_devices').where({ device_name: 'SEPAAA000000001' }).update({ address: phone.address });
    const env = {
      TOLLGATE_DB: t.url, TOLLGATE_DATA_DIR: path.join(t.dir, 'data'), TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(await freePort()),
      TOLLGATE_FTP_PORT: '0', TOLLGATE_SFTP_PORT: '0', TOLLGATE_PHONE_PUSH_USER: 'pushuser', TOLLGATE_PHONE_PUSH_PASSWORD: 'push-pw',
    };
    const server = await startServer(loadConfig(env), { log: testLog });
    try {
      assert.equal(await decision(server.httpPort, 'SEPAAA000000001'), 'Permit');
      const cli = await runCli(['lock', '1001', '--partition', 'PT_A', '--reason', 'admin', '--by', 'ops'], cliEnv(env));
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /1001 in PT_A: locked \(admin\)/);
      const committed = Date.now();
      let d = await decision(server.httpPort, 'SEPAAA000000001');
      while (d !== 'Deny' && Date.now() - committed < 3000) {
        await new Promise((r) => setTimeout(r, 20));
        d = await decision(server.httpPort, 'SEPAAA000000001');
      }
      const ms = Date.now() - committed;
      assert.equal(d, 'Deny');
      assert.ok(ms < 1000, `the CLI lock reached the server's decisions after ${ms} ms`);
      assert.equal(await decision(server.httpPort, 'SEPBBB000000002'), 'Permit', 'the other partition stays open');
      // The server pushes the admin lock it read from the feed.
      await server.lock.phoneLock.pushesDone();
      assert.equal(phone.received.length, 1);
      assert.match(phone.received[0]!.xml, /Line 1001 was locked \(administrator\)/);

      const status = await runCli(['lock-status', '1001', '--partition', 'PT_A', '--json'], cliEnv(env));
      const parsed = JSON.parse(status.stdout) as { locked: boolean; reasons: Array<{ reason: string; who: string; channel: string }>; history: unknown[] };
      assert.equal(parsed.locked, true);
      assert.deepEqual(parsed.reasons.map((r) => [r.reason, r.who, r.channel]), [['admin', 'ops', 'cli']]);
      assert.equal(parsed.history.length, 1);

      const unlock = await runCli(['unlock', '1001', '--partition', 'PT_A'], cliEnv(env));
      assert.equal(unlock.code, 0, unlock.stderr);
      const t0 = Date.now();
      while ((await decision(server.httpPort, 'SEPAAA000000001')) !== 'Permit') {
        assert.ok(Date.now() - t0 < 1000, 'the CLI unlock reached the server within a second');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await phone.close();
    await t.close();
  }
}

describe('CLI lock while the server runs', () => {
  it('SQLite: a CLI lock reaches the running server\'s CURRI decisions within a second', { timeout: 60_000 }, () => cliLockReachesServer('sqlite'));
  it('PostgreSQL: the same', { timeout: 60_000, skip: PG_SKIP }, () => cliLockReachesServer('postgres'));

  it('pin set reads the PIN from standard input or --pin and refuses a wrong length', { timeout: 60_000 }, async () => {
    const t = await createTestDb('sqlite');
    try {
      await upsertUser({ db: t.db, user: user('ann', '1001'), now: 0 });
      const env = cliEnv({ TOLLGATE_DB: t.url, TOLLGATE_DATA_DIR: path.join(t.dir, 'data') });
      const ok = await runCli(['pin', 'set', 'ann', '--pin', '4711'], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'PIN set for ann\n');
      const bad = await runCli(['pin', 'set', 'ann', '--pin', '47'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /a PIN is 4 digits/);
      const row = await t.db('user_pins').first('hash');
      assert.match(String(row?.hash), /^scrypt\$16384\$8\$1\$/);
      assert.ok(!String(row?.hash).includes('4711'));
    } finally {
      await t.close();
    }
  });
});
