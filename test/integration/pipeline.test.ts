import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { reprocessDiscarded } from '../../src/billing/reprocess.js';
import { writeCalls } from '../../src/cli/export-calls.js';
import { listUndefinedExtensions } from '../../src/db/queries/discarded.js';
import { siteStatus } from '../../src/db/queries/site-status.js';
import { testLog } from '../support/logger.js';
import { FIXTURES, SHARED_FIXTURES, setupPipeline, user } from '../support/pipeline.js';
import { PG_SKIP } from '../support/test-db.js';

const S1 = path.join(SHARED_FIXTURES, 'cdr_cucmOHSUtest_02_202504181632_101');
const CMR = path.join(SHARED_FIXTURES, 'cmr_cucmOHSUtest_02_202504181632_101');
const S2 = path.join(FIXTURES, 'cdr/good/cdr_StandAloneCluster_01_201811072218_1001');
const S3 = path.join(FIXTURES, 'cdr/good/cdr_NASA-ARC-UC-cluster_02_201605010946_2001');
const s1Lines = readFileSync(S1, 'utf8').split('\n');
const GOOD = s1Lines[4]!;
const withPkid = (line: string, pkid: string) => line.replace('ed56fecd-bd2d-48d4-ae03-7ee3766d6048', pkid);

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`CDR pipeline on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let p: Awaited<ReturnType<typeof setupPipeline>>;
    const file = (name: string, content: string | Buffer) => {
      const f = path.join(p.dir, name);
      writeFileSync(f, content);
      return f;
    };
    const calls = () => p.db('calls').orderBy(['cdr_file_id', 'cdr_line', 'party']);
    const discards = (fileId: number) => p.db('discarded_rows').where({ cdr_file_id: fileId }).orderBy(['line', 'party']);
    const fileRow = (id: number) => p.db('cdr_files').where({ id }).first();

    before(async () => {
      p = await setupPipeline(kind);
      for (const [name, ext] of [['ann', '5033466594'], ['bob', '5033466593'], ['carl', '46710'], ['dora', '47640'], ['hunt', '3333']] as const) {
        await p.addUser(user(name, ext));
      }
    });
    after(async () => p.close());

    it('mines the real 12.x file: an internal call stored once per party, recording legs kept as discarded', async () => {
      const r = await p.importFile(S1);
      assert.equal(r.status, 'accepted');
      const f = await fileRow(r.fileId);
      assert.equal(f.status, 'done');
      assert.equal(f.layout, 'cucm12');
      assert.deepEqual([f.rows, f.stored, f.discarded, f.duplicates], [3, 2, 2, 0]);
      const c = (await calls()).filter((x) => x.cdr_file_id === r.fileId);
      assert.deepEqual(c.map((x) => [x.direction, x.extension, x.remote_number, Number(x.duration_s), Number(x.start_at)]), [
        ['internal', '5033466594', '5033466593', 11, 1744993928],
        ['internal', '5033466593', '5033466594', 11, 1744993928],
      ]);
      assert.deepEqual((await discards(r.fileId)).map((d) => [d.line, d.reason]), [[3, 'recording-leg'], [4, 'recording-leg']]);
      assert.ok(existsSync(path.join(p.dataDir, 'spool/HQ/done', path.basename(S1))));
    });

    it('mines headerless 11.x and 10.5 files (CRLF, unquoted) by field count', async () => {
      const r2 = await p.importFile(S2);
      assert.equal((await fileRow(r2.fileId)).layout, 'cucm11');
      const r3 = await p.importFile(S3);
      const f3 = await fileRow(r3.fileId);
      assert.equal(f3.layout, 'cucm10.5');
      assert.equal(f3.rows, 4);
      const c = (await calls()).filter((x) => x.cdr_file_id === r2.fileId || x.cdr_file_id === r3.fileId);
      assert.deepEqual(c.map((x) => [x.direction, x.extension, x.remote_number]), [
        ['incoming', '3333', '8307758566'],
        ['outgoing', '46710', '12569614000'],
        ['incoming', '47640', '6506041622'],
        ['tandem', '', '18776772123'],
      ]);
      // line 4 of S3 is the transfer leg to an extension nobody owns
      assert.deepEqual((await discards(r3.fileId)).map((d) => [d.line, d.reason, d.extension]), [[4, 'extension-not-configured', '6506040013']]);
    });

    it('keeps every bad row as discarded with its line and reason, and loses no good row', async () => {
      const badUtf8 = Buffer.from(withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000007').replace('"5033466594"', '"50334\u0001X"'), 'utf8');
      badUtf8[badUtf8.indexOf(0x01)] = 0xff;
      const unusedBad = Buffer.from(withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000008').replace('"rubbleb"', '"rubble\u0001"'), 'utf8');
      unusedBad[unusedBad.indexOf(0x01)] = 0xfe;
      const content = Buffer.concat([
        Buffer.from([s1Lines[0], s1Lines[1], withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000003'), '1,2,3',
          withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000005').replace('"5033466594"', '"5033466594'),
          withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000006').replace(',1744993930,1744993941,', ',17449x3930,1744993941,'),
        ].join('\n') + '\n'),
        badUtf8, Buffer.from('\n'), unusedBad, Buffer.from('\n'),
        Buffer.from('x'.repeat(10 * 1024 * 1024) + '\n'),
        Buffer.from(withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000010') + '\n'),
        Buffer.from(withPkid(GOOD, 'aaaaaaaa-0000-0000-0000-000000000011').slice(0, 300)),
      ]);
      const r = await p.importFile(file('cdr_cucmOHSUtest_02_202504181700_7', content));
      const f = await fileRow(r.fileId);
      assert.equal(f.status, 'done');
      assert.equal(f.rows, 9);
      const d = await discards(r.fileId);
      assert.deepEqual(d.map((x) => [x.line, x.reason]), [
        [4, 'malformed'], [5, 'malformed'], [6, 'malformed'], [7, 'malformed'], [9, 'malformed'], [11, 'malformed'],
      ]);
      assert.match(d[0]!.detail, /expected 133 fields, found 3/);
      assert.match(d[1]!.detail, /quote/);
      assert.match(d[2]!.detail, /dateTimeConnect: not an integer \("17449x3930"\)/);
      assert.match(d[3]!.detail, /callingNumber: not valid UTF-8/);
      assert.match(d[4]!.detail, /longer than 1 MiB/);
      assert.ok(d[4]!.raw.length <= 64 * 1024);
      assert.match(d[5]!.detail, /expected 133 fields|unterminated quote/);
      const stored = (await calls()).filter((x) => x.cdr_file_id === r.fileId).map((x) => `${x.cdr_line}:${x.party}`);
      assert.deepEqual(stored, ['3:0', '3:1', '8:0', '8:1', '10:0', '10:1']);
    });

    it('handles empty, header-only, CMR and non-CDR files', async () => {
      const empty = await p.importFile(file('cdr_cucmOHSUtest_02_202504181701_8', ''));
      assert.deepEqual([(await fileRow(empty.fileId)).status, (await fileRow(empty.fileId)).rows], ['done', 0]);
      const headerOnly = await p.importFile(file('cdr_cucmOHSUtest_02_202504181702_9', `${s1Lines[0]}\n${s1Lines[1]}\n`));
      assert.equal((await fileRow(headerOnly.fileId)).status, 'done');
      const cmr = await p.importFile(CMR);
      assert.equal(cmr.status, 'skipped');
      const cmrInside = await p.importFile(file('cdr_cucmOHSUtest_02_202504181703_10', readFileSync(CMR)));
      assert.equal((await fileRow(cmrInside.fileId)).status, 'skipped');
      const junk = await p.importFile(file('cdr_cucmOHSUtest_02_202504181704_11', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3])));
      const jf = await fileRow(junk.fileId);
      assert.equal(jf.status, 'failed');
      assert.match(jf.error, /not a CUCM CDR file/);
      const failed = path.join(p.dataDir, 'spool/HQ/failed/cdr_cucmOHSUtest_02_202504181704_11');
      assert.ok(existsSync(failed));
      assert.match(readFileSync(`${failed}.error.txt`, 'utf8'), /not a CUCM CDR file/);
    });

    it('processes a resent file once and counts overlapping rows as duplicates', async () => {
      const before = (await calls()).length;
      const again = await p.importFile(S1, 'cdr_cucmOHSUtest_02_202504181632_101');
      assert.equal(again.status, 'duplicate');
      const overlap = file('cdr_cucmOHSUtest_02_202504181633_102', [...s1Lines.slice(0, 5), withPkid(GOOD, 'bbbbbbbb-0000-0000-0000-000000000001')].join('\n'));
      const r = await p.importFile(overlap);
      const f = await fileRow(r.fileId);
      assert.deepEqual([f.rows, f.stored, f.duplicates, f.discarded], [4, 2, 2, 2]);
      assert.equal((await calls()).length, before + 2);
    });

    it('lists extensions not defined and reprocesses them once users exist', async () => {
      const undef = await listUndefinedExtensions({ db: p.db, siteCode: 'HQ' });
      assert.deepEqual(undef.map((u) => [u.extension, u.calls]), [['6506040013', 1]]);
      await p.addUser(user('sam', '6506040013'));
      const r = await reprocessDiscarded({ db: p.db, log: testLog, siteCode: 'HQ' });
      assert.deepEqual(r, { examined: 1, stored: 1, stillDiscarded: 0 });
      assert.deepEqual(await listUndefinedExtensions({ db: p.db }), []);
      const again = await reprocessDiscarded({ db: p.db, log: testLog });
      assert.equal(again.examined, 0);
      const st = (await siteStatus({ db: p.db }))[0]!;
      assert.equal(st.discarded['extension-not-configured'], undefined);
      assert.equal(st.discarded.malformed, 6);
      assert.equal(st.files.failed, 1);
    });

    it('stores values holding the control characters the batch format uses as separators', async () => {
      const odd = withPkid(GOOD, 'cccccccc-0000-0000-0000-000000000001').replace('"5033466593","5033466593","rubbleb"', '"50334\u001f66593","5033466593","rubbleb"');
      const r = await p.importFile(file('cdr_cucmOHSUtest_02_202504181705_12', `${s1Lines[0]}\n${s1Lines[1]}\n${odd}\n`));
      const c = (await calls()).filter((x) => x.cdr_file_id === r.fileId);
      // the called party's dialed number is the original called number, which holds U+001F
      assert.deepEqual(c.map((x) => [x.party, x.dialed_number, x.account_code]), [[0, '5033466593', ''], [1, '50334\u001f66593', '']]);
    });

    it('stores values holding the characters that PostgreSQL COPY escapes', async () => {
      const odd = withPkid(GOOD, 'cccccccc-0000-0000-0000-000000000002').replace('"5033466593","5033466593","rubbleb"', '"50\\334\t665\r93","5033466593","rubbleb"');
      const r = await p.importFile(file('cdr_cucmOHSUtest_02_202504181705_13', `${s1Lines[0]}\n${s1Lines[1]}\n${odd}\n`));
      const c = (await calls()).filter((x) => x.cdr_file_id === r.fileId);
      assert.deepEqual(c.map((x) => [x.party, x.dialed_number]), [[0, '5033466593'], [1, '50\\334\t665\r93']]);
    });

    it('exports the stored calls as CSV with the documented columns', async () => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const n = await writeCalls({ db: p.db, out, format: 'csv', siteCode: 'HQ' });
      out.end();
      const rows = parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
      assert.equal(rows.length, n);
      assert.equal(n, (await calls()).length);
      const first = rows[0]!;
      for (const col of ['site', 'direction', 'answered', 'start_utc', 'ring_s', 'duration_s', 'extension', 'user', 'department',
        'cost_center', 'remote_number', 'gateway', 'destination_type', 'account_code', 'cost', 'currency', 'cdr_pkid']) {
        assert.ok(col in first, `column ${col}`);
      }
      assert.equal(first.start_utc, '2025-04-18T16:32:08.000Z');
      assert.equal(first.user, 'ann');
      assert.equal(first.department, 'Sales');
    });
  });
}

describe('automatic acquisition', () => {
  it('creates unknown extensions as anonymous users instead of discarding', async () => {
    const p = await setupPipeline('sqlite', { site: { autoAcquire: true } });
    try {
      const r = await p.importFile(S1);
      const f = await p.db('cdr_files').where({ id: r.fileId }).first();
      assert.deepEqual([f.stored, f.discarded], [2, 2]);
      const users = await p.db('users').where({ anonymous: true }).orderBy('username');
      assert.deepEqual(users.map((u) => [u.username, u.extension]), [
        ['auto.HQ.OnNet.5033466593', '5033466593'], ['auto.HQ.OnNet.5033466594', '5033466594'],
      ]);
    } finally {
      await p.close();
    }
  });
});
