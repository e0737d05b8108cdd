import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Client } from 'basic-ftp';
import SftpClient from 'ssh2-sftp-client';
import { loadConfig } from '../../src/config.js';
import { upsertSite } from '../../src/db/queries/sites.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { openDb, migrateLatest } from '../../src/db/knex.js';
import { startServer } from '../../src/server.js';
import { testLog } from '../support/logger.js';
import { HQ, SHARED_FIXTURES, user } from '../support/pipeline.js';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/test-db.js';

const CDR = readFileSync(path.join(SHARED_FIXTURES, 'cdr_cucmOHSUtest_02_202504181632_101'));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tollgate serve', () => {
  it('receives over FTP and SFTP, mines at once, answers /readyz, and stops cleanly', { timeout: 60_000 }, async () => {
    const t = tempDir();
    try {
      const dataDir = path.join(t.dir, 'data');
      const [httpPort, ftpPort, sftpPort, pasv] = [await freePort(), await freePort(), await freePort(), 41000 + Math.floor(Math.random() * 2000)];
      const config = loadConfig({
        TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(httpPort),
        TOLLGATE_FTP_HOST: '127.0.0.1', TOLLGATE_FTP_PORT: String(ftpPort), TOLLGATE_FTP_PASV_MIN: String(pasv), TOLLGATE_FTP_PASV_MAX: String(pasv + 20),
        TOLLGATE_SFTP_HOST: '127.0.0.1', TOLLGATE_SFTP_PORT: String(sftpPort), TOLLGATE_RECEIVER_USERS: 'cucm:pw-1@cluster:cucmOHSUtest',
        TOLLGATE_MINER_POLL_MS: '60000',
      });
      const db = openDb(config.db);
      await migrateLatest(db);
      await upsertSite({ db, site: HQ, now: 0 });
      await upsertUser({ db, user: user('ann', '5033466594'), now: 0 });
      await upsertUser({ db, user: user('bob', '5033466593'), now: 0 });
      await db.destroy();

      const server = await startServer(config, { log: testLog });
      let stopped = false;
      try {
        const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
        assert.equal(ready.status, 200);
        assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: 'ok', miner: 'ok', scheduler: 'ok', receivers: 'ok' });

        const ftp = new Client();
        await ftp.access({ host: '127.0.0.1', port: ftpPort, user: 'cucm', password: 'pw-1' });
        const started = Date.now();
        await ftp.uploadFrom(Readable.from([CDR]), '/cdr/cdr_cucmOHSUtest_02_202504181632_101');
        ftp.close();
        // the miner is woken by the receiver (its poll interval here is a minute)
        const calls = await waitFor('calls', async () => {
          const n = await server.runtime.db('calls').count({ n: '*' }).first();
          return Number(n?.n) === 2 ? Number(n?.n) : undefined;
        });
        assert.equal(calls, 2);
        // Woken by the receiver, not by the poll a minute later (the bound is loose: CI machines are loaded).
        assert.ok(Date.now() - started < 30_000, 'mined well before the next poll');

        const sftp = new SftpClient();
        await sftp.connect({ host: '127.0.0.1', port: sftpPort, username: 'cucm', password: 'pw-1' });
        const second = Buffer.from(CDR.toString('utf8').replace('ed56fecd-bd2d-48d4-ae03-7ee3766d6048', 'ed56fecd-0000-0000-0000-000000000001'));
        await sftp.put(second, '/cdr/cdr_cucmOHSUtest_02_202504181633_102');
        await sftp.end();
        // The file is marked done after its calls commit and it moves to done/: wait for both.
        await waitFor('second file', async () => {
          const n = await server.runtime.db('calls').count({ n: '*' }).first();
          const done = await server.runtime.db('cdr_files').where({ status: 'done' }).count({ n: '*' }).first();
          return Number(n?.n) === 4 && Number(done?.n) === 2 ? true : undefined;
        });
        const files = await server.runtime.db('cdr_files').orderBy('id').select('channel', 'status');
        assert.deepEqual(files.map((f) => [f.channel, f.status]), [['ftp', 'done'], ['sftp', 'done']]);

        await server.stop();
        stopped = true;
        await assert.rejects(fetch(`http://127.0.0.1:${httpPort}/healthz`));
      } finally {
        if (!stopped) await server.stop();
      }

      // a restart on the same data keeps everything and serves again
      const again = await startServer(config, { log: testLog });
      try {
        assert.equal(Number((await again.runtime.db('calls').count({ n: '*' }).first())?.n), 4);
        assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
      } finally {
        await again.stop();
      }
    } finally {
      t.remove();
    }
  });

  it('refuses to start with a bad configuration, listing every problem', () => {
    assert.throws(() => loadConfig({ TOLLGATE_HTTP_PORT: '-1', TOLLGATE_RECEIVER_USERS: 'x' }), /TOLLGATE_HTTP_PORT[\s\S]*TOLLGATE_RECEIVER_USERS/);
  });
});
