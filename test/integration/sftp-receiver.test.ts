import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2, { type SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { upsertSite } from '../../src/db/queries/sites.js';
import type { DbCdrFileRow } from '../../src/db/tables.js';
import { startSftpReceiver } from '../../src/recorder/sftp-receiver.js';
import { createSpool } from '../../src/recorder/spool.js';
import { testLog } from '../support/logger.js';
import { createTestDb, tempDir } from '../support/test-db.js';
import { tinyDisk } from '../support/tmpfs.js';
import { CDR_NAME, CMR_NAME, HQ, sampleCdr as cdr, sampleCmr, sha256 as sha } from '../support/pipeline.js';


const USERS = [
  { username: 'cucm', password: 'Cl*ster-pw', cluster: 'cucmOHSUtest' },
  { username: 'ghost', password: 'ghost-pw', cluster: 'noSuchCluster' },
];

async function setup(t: TestContext, options: { maxFileBytes?: number; dataDir?: string } = {}) {
  const tdb = await createTestDb();
  const tmp = tempDir();
  const dataDir = options.dataDir ?? tmp.dir;
  const spool = createSpool({ dataDir, db: tdb.db, log: testLog, maxFileBytes: options.maxFileBytes ?? 1024 * 1024 });
  const hostKeyPath = path.join(tmp.dir, 'ssh_host_ed25519_key');
  const start = () => startSftpReceiver({ host: '127.0.0.1', port: 0, hostKeyPath, users: USERS, spool, log: testLog });
  let server: Awaited<ReturnType<typeof start>> | undefined;
  const clients: SftpClient[] = [];
  t.after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await server?.close();
    await tdb.close();
    tmp.remove();
  });
  await upsertSite({ db: tdb.db, now: 1_700_000_000, site: HQ });
  server = await start();
  async function connect(user = 'cucm', password = 'Cl*ster-pw', extra: Partial<SftpClient.ConnectOptions> = {}): Promise<SftpClient> {
    const quiet = () => undefined;
    const client = new SftpClient('test', { end: quiet, close: quiet, error: quiet });
    await client.connect({ host: '127.0.0.1', port: server!.port, username: user, password, readyTimeout: 5000, ...extra });
    clients.push(client);
    return client;
  }
  async function restart(): Promise<void> {
    await server!.close();
    server = await start();
  }
  const rows = (): Promise<DbCdrFileRow[]> => tdb.db<DbCdrFileRow>('cdr_files').orderBy('id');
  const ls = (...parts: string[]): string[] => {
    const d = path.join(dataDir, 'spool', ...parts);
    return existsSync(d) ? readdirSync(d) : [];
  };
  return { port: () => server!.port, restart, connect, rows, incoming: () => ls('HQ', 'incoming'), done: () => ls('HQ', 'done'), staging: () => ls('.tmp'), hostKeyPath, dataDir, tmp: tmp.dir };
}

test('SFTP: an upload with a CTR cipher lands in the spool and is recorded; a resend is kept once', async (t) => {
  const s = await setup(t);
  const client = await s.connect('cucm', 'Cl*ster-pw', { algorithms: { cipher: ['aes256-ctr'] } });
  assert.equal(await client.realPath('.'), '/');
  assert.equal(await client.exists('/cdr/'), 'd');
  await client.mkdir('/cdr/sub', true);
  assert.deepEqual(await client.list('/cdr/'), []);
  await client.put(cdr, `/cdr/${CDR_NAME}`);
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  let rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'received');
  assert.equal(rows[0]!.sha256, sha(cdr));
  assert.equal(Number(rows[0]!.size), cdr.length);
  assert.equal(rows[0]!.channel, 'sftp');
  await client.put(cdr, `/cdr/${CDR_NAME}`);
  rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.deepEqual(s.staging(), []);
});

test('SFTP: fastPut (parallel positional writes) of a CMR file is stored as skipped', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  const big = Buffer.concat([sampleCmr, Buffer.alloc(300 * 1024, '\n')]);
  const local = path.join(s.tmp, CMR_NAME);
  writeFileSync(local, big);
  await client.fastPut(local, `/cdr/${CMR_NAME}`, { concurrency: 8, chunkSize: 16 * 1024 });
  const rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'skipped');
  assert.equal(rows[0]!.sha256, sha(big));
  assert.deepEqual(s.done(), [CMR_NAME]);
  assert.deepEqual(s.incoming(), []);
});

test('SFTP: a wrong password is refused', async (t) => {
  const s = await setup(t);
  await assert.rejects(s.connect('cucm', 'wrong'), /authentication/i);
  await assert.rejects(s.connect('nobody', 'Cl*ster-pw'), /authentication/i);
});

test('SFTP: a bad name or an unknown cluster makes the upload fail with the message', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  await assert.rejects(client.put(cdr, '/cdr/bad$name'), /refused file name/);
  await assert.rejects(client.put(cdr, '/cdr/cdr_otherCluster_02_202504181632_101'), /from cluster otherCluster, but this login is for cluster cucmOHSUtest/);
  const ghost = await s.connect('ghost', 'ghost-pw');
  await assert.rejects(ghost.put(cdr, 'cdr_noSuchCluster_02_202504181632_101'), /cluster noSuchCluster is not assigned to any site/);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.staging(), []);
  await client.put(cdr, `/cdr/${CDR_NAME}`);
  assert.equal((await s.rows()).length, 1);
});

test('SFTP: a file above maxFileBytes fails and leaves nothing behind', async (t) => {
  const s = await setup(t, { maxFileBytes: 64 * 1024 });
  const client = await s.connect();
  await assert.rejects(client.put(Buffer.alloc(300 * 1024, 'x'), '/cdr/cdr_cucmOHSUtest_02_202504181700_102'), /larger than the limit of 65536 bytes/);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  assert.deepEqual(s.staging(), []);
});

test('SFTP: upload under a temporary name, then rename; remove is OK; downloads are refused', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  await client.put(cdr, `/cdr/${CDR_NAME}.tmp`);
  assert.deepEqual(await s.rows(), []);
  assert.equal((await client.stat(`/cdr/${CDR_NAME}.tmp`)).size, cdr.length);
  assert.equal(await client.exists(`/cdr/${CDR_NAME}`), false);
  await client.rename(`/cdr/${CDR_NAME}.tmp`, `/cdr/.${CDR_NAME}`);
  assert.deepEqual(await s.rows(), []);
  await client.rename(`/cdr/.${CDR_NAME}`, `/cdr/${CDR_NAME}`);
  const rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.sha256, sha(cdr));
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  assert.deepEqual(s.staging(), []);
  assert.equal((await client.stat(`/cdr/${CDR_NAME}`)).size, cdr.length); // the session remembers what it handed over
  await assert.rejects(client.rename('/cdr/nothing.tmp', `/cdr/${CDR_NAME}`), /no such file/i);
  await client.put(Buffer.from('x'), '/cdr/_upload');
  await assert.rejects(client.rename('/cdr/_upload', '/cdr/bad$name'), /refused file name/);
  assert.deepEqual(s.staging(), []);
  await client.delete(`/cdr/${CDR_NAME}`);
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  await assert.rejects(client.get(`/cdr/${CDR_NAME}`), /not allowed|denied/i);
});

test('SFTP: the host key is created with mode 0600 and kept across restarts', async (t) => {
  const s = await setup(t);
  const seen: string[] = [];
  const verifier = { hostHash: 'sha256', hostVerifier: (fp: string) => (seen.push(fp), true) } as Partial<SftpClient.ConnectOptions>;
  await (await s.connect('cucm', 'Cl*ster-pw', verifier)).end();
  assert.equal(statSync(s.hostKeyPath).mode & 0o777, 0o600);
  const pem = readFileSync(s.hostKeyPath, 'utf8');
  await s.restart();
  await (await s.connect('cucm', 'Cl*ster-pw', verifier)).end();
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1]);
  assert.equal(readFileSync(s.hostKeyPath, 'utf8'), pem);
});

test('SFTP: a client that disconnects mid-upload leaves nothing recorded', async (t) => {
  const s = await setup(t);
  const conn = new ssh2.Client();
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    conn.on('error', reject);
    conn.on('ready', () => conn.sftp((err, w) => (err ? reject(err) : resolve(w))));
    conn.connect({ host: '127.0.0.1', port: s.port(), username: 'cucm', password: 'Cl*ster-pw' });
  });
  const handle = await new Promise<Buffer>((resolve, reject) =>
    sftp.open(`/cdr/${CDR_NAME}`, 'w', (err, h) => (err ? reject(err) : resolve(h))));
  await new Promise<void>((resolve, reject) => sftp.write(handle, cdr, 0, 1000, 0, (err) => (err ? reject(err) : resolve())));
  assert.equal(s.staging().length, 1);
  conn.on('error', () => undefined);
  conn.destroy();
  for (let i = 0; i < 50 && s.staging().length > 0; i++) await sleep(20);
  assert.deepEqual(s.staging(), []);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
});

test('SFTP: a full disk makes the upload fail and records nothing', async (t) => {
  const mnt = tinyDisk(t);
  if (!mnt) return;
  const s = await setup(t, { dataDir: mnt, maxFileBytes: 10 * 1024 * 1024 });
  const client = await s.connect();
  await assert.rejects(client.put(Buffer.alloc(2 * 1024 * 1024, 'y'), '/cdr/cdr_cucmOHSUtest_02_202504181700_103'), /ENOSPC/);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  for (let i = 0; i < 50 && s.staging().length > 0; i++) await sleep(20);
  assert.deepEqual(s.staging(), []);
  await client.put(cdr, `/cdr/${CDR_NAME}`);
  assert.equal((await s.rows()).length, 1);
});
