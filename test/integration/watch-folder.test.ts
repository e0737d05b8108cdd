import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { upsertSite } from '../../src/db/queries/sites.js';
import type { DbCdrFileRow } from '../../src/db/tables.js';
import { createSpool } from '../../src/recorder/spool.js';
import { startWatchFolder } from '../../src/recorder/watch-folder.js';
import { testLog } from '../support/logger.js';
import { createTestDb, tempDir } from '../support/test-db.js';
import { tinyDisk } from '../support/tmpfs.js';
import { CDR_NAME, CMR_NAME, HQ, sampleCdr as cdr, sampleCmr as cmr, sha256 as sha } from '../support/pipeline.js';

const INTERVAL = 60;

async function setup(t: TestContext, options: { maxFileBytes?: number; dataDir?: string } = {}) {
  const tdb = await createTestDb();
  const tmp = tempDir();
  const dataDir = options.dataDir ?? path.join(tmp.dir, 'data');
  const dir = path.join(tmp.dir, 'drop');
  mkdirSync(dir);
  let watcher: ReturnType<typeof startWatchFolder> | undefined;
  t.after(async () => {
    await watcher?.close();
    await tdb.close();
    tmp.remove();
  });
  await upsertSite({ db: tdb.db, now: 1_700_000_000, site: HQ });
  const spool = createSpool({ dataDir, db: tdb.db, log: testLog, maxFileBytes: options.maxFileBytes ?? 1024 * 1024 });
  watcher = startWatchFolder({ dir, intervalMs: INTERVAL, spool, log: testLog });
  const rows = (): Promise<DbCdrFileRow[]> => tdb.db<DbCdrFileRow>('cdr_files').orderBy('id');
  const ls = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);
  async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }
  return { dir, dataDir, watcher, rows, ls, waitFor, incoming: () => ls(path.join(dataDir, 'spool', 'HQ', 'incoming')) };
}

test('watch folder: a file named after its cluster is taken, recorded and deleted; a resend is kept once', async (t) => {
  const s = await setup(t);
  writeFileSync(path.join(s.dir, CDR_NAME), cdr);
  await s.waitFor('the file to be taken', () => !existsSync(path.join(s.dir, CDR_NAME)));
  let rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'received');
  assert.equal(rows[0]!.channel, 'watch');
  assert.equal(rows[0]!.sha256, sha(cdr));
  assert.equal(Number(rows[0]!.size), cdr.length);
  assert.deepEqual(s.incoming(), [CDR_NAME]);

  writeFileSync(path.join(s.dir, CDR_NAME), cdr);
  await s.waitFor('the resend to be taken', () => !existsSync(path.join(s.dir, CDR_NAME)));
  rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.deepEqual(s.ls(path.join(s.dir)), []);
});

test('watch folder: a <SITE>/ subfolder gives the site; a CMR is stored as skipped', async (t) => {
  const s = await setup(t);
  mkdirSync(path.join(s.dir, 'HQ'));
  const other = Buffer.concat([cdr, Buffer.from('\n')]);
  writeFileSync(path.join(s.dir, 'HQ', 'cdr_someOtherName_01_202504181632_7'), other);
  writeFileSync(path.join(s.dir, 'HQ', CMR_NAME), cmr);
  await s.waitFor('both files to be taken', () => s.ls(path.join(s.dir, 'HQ')).length === 0);
  const rows = await s.rows();
  assert.deepEqual(rows.map((r) => [r.name, r.status]).sort(), [['cdr_someOtherName_01_202504181632_7', 'received'], [CMR_NAME, 'skipped']]);
  assert.deepEqual(s.incoming(), ['cdr_someOtherName_01_202504181632_7']);
});

test('watch folder: a file still being written is not taken until its size and mtime are stable', async (t) => {
  const s = await setup(t);
  const file = path.join(s.dir, CDR_NAME);
  writeFileSync(file, cdr.subarray(0, 100));
  for (let at = 100; at < cdr.length; at += 500) {
    await sleep(INTERVAL / 3);
    appendFileSync(file, cdr.subarray(at, Math.min(at + 500, cdr.length)));
    assert.ok(existsSync(file), 'taken while still growing');
    assert.deepEqual(await s.rows(), []);
  }
  await s.waitFor('the complete file to be taken', () => !existsSync(file));
  const rows = await s.rows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.sha256, sha(cdr));
});

test('watch folder: names starting with . or _ are ignored', async (t) => {
  const s = await setup(t);
  writeFileSync(path.join(s.dir, `.${CDR_NAME}`), cdr);
  writeFileSync(path.join(s.dir, `_${CDR_NAME}`), cdr);
  mkdirSync(path.join(s.dir, '_HQ'));
  writeFileSync(path.join(s.dir, '_HQ', CDR_NAME), cdr);
  await sleep(INTERVAL * 6);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.ls(s.dir), [`.${CDR_NAME}`, '_HQ', `_${CDR_NAME}`]);
  assert.deepEqual(s.ls(path.join(s.dir, '_HQ')), [CDR_NAME]);
});

test('watch folder: refused files go to .rejected with an error report', async (t) => {
  const s = await setup(t, { maxFileBytes: 10_000 });
  mkdirSync(path.join(s.dir, 'NOPE'));
  writeFileSync(path.join(s.dir, 'bad$name'), cdr);
  writeFileSync(path.join(s.dir, 'cdr_unknownCluster_02_202504181632_101'), cdr);
  writeFileSync(path.join(s.dir, 'NOPE', CDR_NAME), cdr);
  writeFileSync(path.join(s.dir, 'cdr_cucmOHSUtest_02_202504181700_102'), Buffer.alloc(20_000, 'x'));
  const rejected = path.join(s.dir, '.rejected');
  await s.waitFor('all four to be rejected', () => s.ls(rejected).length === 8);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  assert.deepEqual(s.ls(s.dir), ['.rejected', 'NOPE']);
  assert.deepEqual(s.ls(path.join(s.dir, 'NOPE')), []);
  const report = (name: string): string => readFileSync(path.join(rejected, `${name}.error.txt`), 'utf8');
  assert.match(report('bad$name'), /bad-name.*refused file name/);
  assert.match(report('cdr_unknownCluster_02_202504181632_101'), /unknown-site.*cluster unknownCluster is not assigned to any site/);
  assert.match(report(CDR_NAME), /site: NOPE/);
  assert.match(report(CDR_NAME), /site NOPE does not exist/);
  assert.match(report('cdr_cucmOHSUtest_02_202504181700_102'), /too-large.*larger than the limit of 10000 bytes/);
  assert.deepEqual(readFileSync(path.join(rejected, CDR_NAME)), cdr);
});

test('watch folder: nothing is taken after close()', async (t) => {
  const s = await setup(t);
  await s.watcher.close();
  writeFileSync(path.join(s.dir, CDR_NAME), cdr);
  await sleep(INTERVAL * 5);
  assert.ok(existsSync(path.join(s.dir, CDR_NAME)));
  assert.deepEqual(await s.rows(), []);
});

test('watch folder: on a full disk the file stays in place (not rejected) to be retried later', async (t) => {
  const mnt = tinyDisk(t);
  if (!mnt) return;
  const s = await setup(t, { dataDir: mnt, maxFileBytes: 10 * 1024 * 1024 });
  const name = 'cdr_cucmOHSUtest_02_202504181700_103';
  writeFileSync(path.join(s.dir, name), Buffer.alloc(2 * 1024 * 1024, 'y'));
  await sleep(INTERVAL * 8);
  assert.deepEqual(s.ls(s.dir), [name]);
  assert.deepEqual(await s.rows(), []);
  assert.deepEqual(s.incoming(), []);
  assert.deepEqual(s.ls(path.join(mnt, 'spool', '.tmp')), []);
});
