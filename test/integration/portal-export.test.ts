import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { findUserById } from '../../src/db/queries/portal-users.js';
import { viewerOf } from '../../src/http/auth.js';
import { callExport } from '../../src/portal/call-export.js';
import { writeReport } from '../../src/reports/output.js';
import { addAccount, addCall, addSite, apiToken, portalApp } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`call export (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let alice: number;
    const T0 = Math.floor(Date.parse('2026-05-04T10:00:00Z') / 1000);
    before(async () => {
      t = await createTestDb(kind);
      const site = await addSite(t.db, 'HQ');
      alice = await addAccount(t.db, 'alice', '1001', { level: 2 });
      const bob = await addAccount(t.db, 'bob', '1002', { level: 2 });
      await addAccount(t.db, 'erin', '1005', { level: 8 });
      for (let i = 0; i < 30; i++) {
        await addCall(t.db, { siteId: site, userId: i % 3 === 0 ? alice : bob, extension: i % 3 === 0 ? '1001' : '1002', remote: `50355500${String(i).padStart(2, '0')}`, startAt: T0 + i * 60, cost: 1234 });
      }
      const zed = await addAccount(t.db, 'zed', '1009', { level: 2 });
      for (let i = 0; i < 1000; i++) await addCall(t.db, { siteId: site, userId: zed, extension: '1009', remote: `5035559${String(i).padStart(3, '0')}`, startAt: T0 - i * 60 });
    });
    after(async () => t.close());

    it("a level-2 user's CSV and Excel exports hold only their own calls", async () => {
      const app = portalApp(t.db);
      const token = await apiToken(app, 'alice');
      const csv = await request(app.callback()).get('/api/calls/export').set('authorization', `Bearer ${token}`).expect(200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0]!.split(',')[1], 'start (UTC)');
      assert.equal(lines.length, 1 + 10);
      assert.ok(lines.slice(1).every((l) => l.split(',')[5] === 'alice'), lines.join('\n'));
      assert.equal(lines[1]!.split(',')[12], '12.34', 'money as a decimal of its currency');
      const xlsx = await request(app.callback()).get('/api/calls/export?format=xlsx').set('authorization', `Bearer ${token}`)
        .buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        }).expect(200);
      assert.match(String(xlsx.headers['content-type']), /spreadsheetml/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.body as never);
      const ws = wb.worksheets[0]!;
      const users = ws.getColumn(6).values.slice(2);
      assert.equal(users.length, 10);
      assert.ok(users.every((u) => u === 'alice'), JSON.stringify(users));
      const erin = await apiToken(app, 'erin');
      const all = await request(app.callback()).get('/api/calls/export?extension=1002').set('authorization', `Bearer ${erin}`).expect(200);
      assert.equal(all.text.trim().split('\r\n').length, 1 + 20);
      await request(app.callback()).get('/api/calls/export?format=pdf').set('authorization', `Bearer ${token}`).expect(400);
    });

    it('rows are written while later pages are still to be read (one page in memory at a time)', async () => {
      const viewer = viewerOf((await findUserById({ db: t.db, id: alice }))!);
      const erinViewer = { ...viewer, level: 8 };
      let queries = 0;
      const count = () => { queries++; };
      t.db.on('query', count);
      let queriesAtFirstByte = -1;
      let bytes = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (queriesAtFirstByte < 0) queriesAtFirstByte = queries;
          bytes += chunk.length;
          cb();
        },
      });
      try {
        // 1,000 calls (~90 kB of CSV) in pages of 20: 50 pages plus their keyset anchors.
        const { rows } = await writeReport(callExport({ db: t.db, viewer: erinViewer, filter: { extension: '1009' }, timeZone: 'UTC', pageSize: 20 }), 'csv', sink);
        assert.equal(rows, 1000);
      } finally {
        t.db.removeListener('query', count);
      }
      assert.ok(bytes > 0);
      assert.ok(queries >= 50, `pages read: ${queries}`);
      assert.ok(queriesAtFirstByte > 0 && queriesAtFirstByte < queries / 3, `first bytes after ${queriesAtFirstByte} of ${queries} queries`);
    });
  });
}
