import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { Client, enterPassiveModeIPv4 } from 'basic-ftp';
import { upsertSite } from '../../src/db/queries/sites.js';
import type { DbCdrFileRow } from '../../src/db/tables.js';
import { startFtpReceiver } from '../../src/recorder/ftp-receiver.js';
import { createSpool } from '../../src/recorder/spool.js';
import { testLog } from '../support/logger.js';
import { createTestDb, tempDir } from '../support/test-db.js';
import { tinyDisk } from '../support/tmpfs.js';
import { CDR_NAME, CMR_NAME, HQ, sampleCdr as cdr, sampleCmr as cmr, sha256 as sha } from '../support/pipeline.js';


const USERS = [
  { username: 'cucm', password: 'Cl*ster-pw', cluster: 'cucmOHSUtest' },
  { username: 'hq', password: 'site-pw', site: 'HQ' },
  { username: 'ghost', password: 'ghost-pw', cluster: 'noSuchCluster' },
];

async function setup(t: TestContext, options: { maxFileBytes?: number; dataDir?: string } = {}) {
  const tdb = await createTestDb();
  const tmp = tempDir();
  const dataDir = options.dataDir ?? tmp.dir;
  const spool = createSpool({ dataDir, db: tdb.db, log: testLog, maxFileBytes: options.maxFileBytes ?? 1024 * 1024 });
  const sigterm = process.listenerCount('SIGTERM');
  const pasvMin = 40000 + Math.floor(Math.random() * 20000);
  const clients: Client[] = [];
  let ftp: Awaited<ReturnType<typeof startFtpReceiver>> | undefined;
  t.after(async () => {
    for (const c of clients) c.close();
    await ftp?.close();
    await tdb.close();
    tmp.remove();
  });
  await upsertSite({ db: tdb.db, now: 1_700_000_000, site: HQ });
  ftp = await startFtpReceiver({ host: '127.0.0.1', port: 0, pasvMin, pasvMax: pasvMin + 50, users: USERS, spool, log: testLog });
  assert.equal(process.listenerCount('SIGTERM'), sigterm, 'ftp-srv must not install its own SIGTERM handler');
  const port = ftp.port;
  async function connect(user = 'cucm', password = 'Cl*ster-pw'): Promise<Client> {
    const client = new Client(10_000);
    clients.push(client);
    await client.access({ host: '127.0.0.1', port, user, password });
    return client;
  }
  const rows = (): Promise<DbCdrFileRow[]> => tdb.db<DbCdrFileRow>('cdr_files').orderBy('id');
  const incoming = (): string[] => {
    const d = path.join(dataDir, 'spool', 'HQ', 'incoming');
    return existsSync(d) ? readdirSync(d) : [];
  };
  const staging = (): string[] => {
    const d = path.join(dataDir, 'spool', '.tmp');
    return existsSync(d) ? readdirSync(d) : [];
  };
  return { spool, dataDir, pasvMin, connect, rows, incoming, staging };
}

test('FTP: a CUCM upload lands in the spool and is recorded; a resend succeeds and is kept once', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  await client.ensureDir('/cdr/');
  assert.equal(await client.pwd(), '/cdr');
  assert.deepEqual(await client.list(), []);
  await client.uploadFrom(Readable.from([cdr]), CDR_NAME);

  assert.deepEqual(s.incoming(), [CDR_NAME]);
  assert.deepEqual(readFileSync(path.join(s.dataDir, 'spool', 'HQ', 'incoming', CDR_NAME)), cdr);
  let rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'received');
  assert.equal(rows[0]!.sha256, sha(cdr));
  assert.equal(Number(rows[0]!.size), cdr.length);
  assert.equal(rows[0]!.channel, 'ftp');
  assert.equal(rows[0]!.name, CDR_NAME);

  await client.uploadFrom(Readable.from([cdr]), `/cdr/${CDR_NAME}`);
  rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  assert.deepEqual(s.staging(), []);
});

test('FTP: passive mode (PASV) uses the configured port range; a CMR file is stored as skipped', async (t) => {
  const s = await setup(t);
  const client = await s.connect('hq', 'site-pw');
  const ports: number[] = [];
  client.prepareTransfer = async (ftp) => {
    const res = await enterPassiveModeIPv4(ftp);
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(res.message);
    assert.ok(m, res.message);
    ports.push(Number(m[5]) * 256 + Number(m[6]));
    return res;
  };
  await client.uploadFrom(Readable.from([cmr]), `/cdr/${CMR_NAME}`);
  assert.equal(ports.length, 1);
  assert.ok(ports[0]! >= s.pasvMin && ports[0]! <= s.pasvMin + 50, `passive port ${ports[0]} outside the range`);
  const rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'skipped');
  assert.equal(rows[0]!.kind, 'cmr');
  assert.deepEqual(s.incoming(), []);
});

test('FTP: a wrong password is refused', async (t) => {
  const s = await setup(t);
  await assert.rejects(s.connect('cucm', 'wrong'), (err: Error) => /530/.test(err.message));
  await assert.rejects(s.connect('nobody', 'Cl*ster-pw'), (err: Error) => /530/.test(err.message));
});

test('FTP: a bad name or an unknown cluster makes the STOR fail with the message; nothing is recorded', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  await assert.rejects(client.uploadFrom(Readable.from([cdr]), '/cdr/bad$name'), (err: Error) => /550.*refused file name/.test(err.message));
  await assert.rejects(client.uploadFrom(Readable.from([cdr]), '/cdr/hostname'), (err: Error) => /550.*not a CUCM CDR\/CMR file name/.test(err.message));
  await assert.rejects(
    client.uploadFrom(Readable.from([cdr]), '/cdr/cdr_otherCluster_02_202504181632_101'),
    (err: Error) => /550.*from cluster otherCluster, but this login is for cluster cucmOHSUtest/.test(err.message),
  );
  const ghost = await s.connect('ghost', 'ghost-pw');
  await assert.rejects(
    ghost.uploadFrom(Readable.from([cdr]), 'cdr_noSuchCluster_02_202504181632_101'),
    (err: Error) => /550.*cluster noSuchCluster is not assigned to any site/.test(err.message),
  );
  // the session is still usable afterwards
  await client.uploadFrom(Readable.from([cdr]), CDR_NAME);
  assert.equal((await s.rows()).length, 1);
  assert.deepEqual(s.staging(), []);
});

test('FTP: a file above maxFileBytes fails and leaves nothing behind', async (t) => {
  const s = await setup(t, { maxFileBytes: 64 * 1024 });
  const client = await s.connect();
  const big = Buffer.alloc(300 * 1024, 'x');
  await assert.rejects(
    client.uploadFrom(Readable.from([big]), 'cdr_cucmOHSUtest_02_202504181700_102'),
    (err: Error) => /550.*larger than the limit of 65536 bytes/.test(err.message),
  );
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  assert.deepEqual(s.staging(), []);
});

test('FTP: upload under a temporary name, then rename; DELE is a no-op; RETR is refused', async (t) => {
  const s = await setup(t);
  const client = await s.connect();
  await client.cd('/cdr');
  await client.uploadFrom(Readable.from([cdr]), `_${CDR_NAME}`);
  assert.deepEqual(await s.rows(), []);
  assert.equal(await client.size(`_${CDR_NAME}`), cdr.length);
  await client.rename(`_${CDR_NAME}`, `${CDR_NAME}.part`); // still staged
  assert.deepEqual(await s.rows(), []);
  await client.rename(`${CDR_NAME}.part`, CDR_NAME);
  const rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.sha256, sha(cdr));
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  assert.deepEqual(s.staging(), []);
  assert.equal(await client.size(CDR_NAME), cdr.length); // the session remembers what it handed over
  await assert.rejects(client.size('cdr_cucmOHSUtest_02_202504181632_999'), /550/);

  // renaming a staged file to a refused name fails with the message and drops it
  await client.uploadFrom(Readable.from([Buffer.from('x')]), 'upload.tmp');
  await assert.rejects(client.rename('upload.tmp', 'bad$name'), (err: Error) => /550.*refused file name/.test(err.message));
  assert.deepEqual(s.staging(), []);
  await assert.rejects(client.rename('nothing.tmp', CDR_NAME), /550/);

  await client.remove(CDR_NAME);
  assert.deepEqual(s.incoming(), [CDR_NAME]);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await assert.rejects(client.downloadTo(sink, CDR_NAME), (err: Error) => /55\d.*not allowed/.test(err.message));
});

test('FTP: a full disk makes the upload fail and records nothing', async (t) => {
  const mnt = tinyDisk(t);
  if (!mnt) return;
  const s = await setup(t, { dataDir: mnt, maxFileBytes: 10 * 1024 * 1024 });
  const client = await s.connect();
  const big = Buffer.alloc(2 * 1024 * 1024, 'y');
  await assert.rejects(
    client.uploadFrom(Readable.from([big]), 'cdr_cucmOHSUtest_02_202504181700_103'),
    (err: Error) => /550.*could not store.*ENOSPC/.test(err.message),
  );
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  assert.deepEqual(s.staging(), []);
  // the disk is free again: the next upload works
  await client.uploadFrom(Readable.from([cdr]), CDR_NAME);
  assert.equal((await s.rows()).length, 1);
});
