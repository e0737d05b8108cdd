import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { extractText } from 'unpdf';
import { UsageError } from '../../src/errors.js';
import { runReport, type Row } from '../../src/reports/engine.js';
import { writeReport, type ReportFormat } from '../../src/reports/output.js';
import { setupGolden } from '../support/golden.js';
import { PG_SKIP } from '../support/test-db.js';

/**
 * The public reports on the golden calls (test/support/golden.ts: 13 outgoing calls costing
 * 1.01 GBP, an internal call stored once per party, one incoming call), on Tuesday 17 November
 * 2026 in London.
 */

const DAY = { period: { from: '2026-11-17', to: '2026-11-18' }, timezone: 'Europe/London' };

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`reports on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let p: Awaited<ReturnType<typeof setupGolden>>;
    before(async () => {
      p = await setupGolden(kind);
    });
    after(async () => p.close());

    const run = async (report: string, options: Record<string, unknown> = {}) => {
      const r = await runReport({ db: p.db, report, options: { ...DAY, ...options } });
      const rows: Row[] = [];
      for await (const row of r.rows) rows.push(row);
      return { ...r, list: rows };
    };
    const output = async (report: string, format: ReportFormat, options: Record<string, unknown> = {}) => {
      const r = await runReport({ db: p.db, report, options: { ...DAY, ...options } });
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await writeReport(r, format, out);
      out.end();
      return Buffer.concat(chunks);
    };

    it('phone bill: per user, with totals', async () => {
      const r = await run('phone-bill');
      assert.deepEqual(r.list.map((x) => [x.user, x.department, x.calls, x.duration_s, x.cost, x.currency]), [
        ['alice', 'Sales', 7, 732, 60, 'GBP'],
        ['bob', 'Engineering', 6, 320, 41, 'GBP'],
      ]);
      assert.deepEqual(r.totals, { calls: 13, duration_s: 1052, cost: 101, currency: 'GBP' });
    });

    it('cost by carrier, destination type, cost centre, nation and number', async () => {
      const pick = async (id: string, key: string) => Object.fromEntries((await run(id)).list.map((x) => [x[key], [x.calls, x.cost]]));
      assert.deepEqual(await pick('cost-by-carrier', 'carrier'), { 'Carrier A': [12, 71], 'Carrier B': [1, 30] });
      assert.deepEqual(await pick('cost-by-destination-type', 'destination_type'), {
        local: [4, 20], national: [2, 13], mobile: [3, 28], international: [2, 40], 'toll-free': [1, 0], emergency: [1, 0],
      });
      assert.deepEqual(await pick('cost-by-cost-center', 'cost_center'), { 'CC-SALES': [7, 60], 'CC-ENG': [5, 36], 'CC-AUDIT': [1, 5] });
      assert.deepEqual(await pick('cost-by-nation', 'nation'), { GB: [11, 61], DE: [1, 30], FR: [1, 10] });
      const byNumber = (await run('cost-by-number')).list;
      assert.deepEqual([byNumber[0]!.remote_number, byNumber[0]!.cost], ['00493012345678', 30], 'sorted by cost, highest first');
      assert.deepEqual((await run('cost-by-gateway')).list.map((x) => [x.gateway, x.cost]), [['SIP-CARRIER-A', 71], ['SIP-CARRIER-B', 30]]);
      assert.deepEqual(await pick('cost-by-department', 'department'), { Sales: [7, 60], Engineering: [6, 41] });
      assert.deepEqual(await pick('cost-by-extension', 'extension'), { 2001: [7, 60], 2002: [6, 41] });
      // No prefix table at this site: every area is empty, one group with everything.
      assert.deepEqual(await pick('cost-by-area', 'area'), { '': [13, 101] });
    });

    it('incoming analysis, unanswered calls, traffic groups and trend', async () => {
      // The incoming call rang from 12:59:55 (London is on UTC in November).
      assert.deepEqual((await run('incoming-by-hour')).list, [{ hour: 12, calls: 1, answered_calls: 1, missed_calls: 0, avg_ring_s: 5 }]);
      assert.deepEqual((await run('incoming-by-extension')).list.map((x) => [x.extension, x.user, x.calls, x.duration_s]), [['2002', 'bob', 1, 45]]);
      assert.deepEqual((await run('incoming-answered-missed')).list, [{ answered: 1, calls: 1, avg_ring_s: 5 }]);
      assert.deepEqual((await run('incoming-ring-time')).list, [{ extension: '2002', user: 'bob', calls: 1, avg_ring_s: 5, max_ring_s: 5 }]);
      const unanswered = await run('unanswered-calls');
      assert.deepEqual(unanswered.list.map((x) => [x.extension, x.remote_number, x.answered]), [['2002', '07400123456', 0]]);
      const traffic = await run('traffic-by-department', { traffic: 'all' });
      assert.deepEqual(traffic.list.map((x) => [x.department, x.extension, x.calls, x.cost]), [
        ['Engineering', '2002', 8, 41], ['Sales', '2001', 8, 60],
      ]);
      const custom = await run('traffic-by-custom-fields', { customFields: ['custom_2', 'custom_1'] });
      assert.deepEqual(custom.list.map((x) => [x.custom_2, x.custom_1, x.calls]), [['Blue', 'North', 7], ['Blue', 'South', 7]]);
      const trend = await run('trend', { period: { from: '2026-11-16', to: '2026-11-19' } });
      assert.deepEqual(trend.list.map((x) => [x.bucket, x.calls, x.cost]), [['2026-11-17', 14, 101]]);
      assert.deepEqual(trend.totals, { calls: 14, duration_s: 1097, cost: 101, currency: 'GBP' });
    });

    it('options: field selection, conditions joined by AND or OR, maximum rows, time zone of the period', async () => {
      const any = await run('call-list', { fields: ['extension', 'remote_number', 'duration_s'], match: 'any', conditions: [
        { field: 'remote_number', op: 'eq', value: '0033123456789' }, { field: 'duration_s', op: 'ge', value: '300' },
      ] });
      assert.deepEqual(any.columns.map((c) => c.key), ['extension', 'remote_number', 'duration_s']);
      assert.deepEqual(any.list.map((x) => [x.remote_number, x.duration_s]), [['0033123456789', 40], ['08001234567', 300]]);
      const all = await run('call-list', { conditions: [{ field: 'destination_type', op: 'eq', value: 'local' }, { field: 'cost', op: 'ge', value: 5 }] });
      assert.deepEqual(all.list.map((x) => x.cost).sort(), [6, 8]);
      assert.equal((await run('call-list', { maxRows: 3 })).list.length, 3);
      assert.equal((await run('call-list', { traffic: 'internal' })).list.length, 2);
      // The same day in Tokyo (09:00 on the 17th to 09:00 on the 18th) misses the calls before 15:00 UTC.
      const tokyo = await run('call-list', { timezone: 'Asia/Tokyo' });
      assert.ok(tokyo.list.length > 0 && tokyo.list.length < (await run('call-list')).list.length);
      const last = await run('last-calls', { maxRows: 2 });
      assert.deepEqual(last.list.map((x) => x.start), [Date.UTC(2026, 10, 17, 21) / 1000 - 5, Date.UTC(2026, 10, 17, 20) / 1000 - 5]);
    });

    it('refuses bad options with the reason, and never runs text as SQL', async () => {
      const rejects = async (options: Record<string, unknown>, re: RegExp, report = 'call-list') =>
        assert.rejects(runReport({ db: p.db, report, options: { ...DAY, ...options } }), (err: Error) => err instanceof UsageError && re.test(err.message));
      await rejects({ conditions: [{ field: 'duration_s; DROP TABLE calls', op: 'eq', value: 1 }] }, /unknown field/);
      await rejects({ conditions: [{ field: 'duration_s', op: 'like', value: 1 }] }, /operator/);
      await rejects({ conditions: [{ field: 'duration_s', op: 'ge', value: '1 OR 1=1' }] }, /not a number/);
      await rejects({ period: { from: '2026-11-18', to: '2026-11-17' } }, /is not after the start/);
      await rejects({ period: 'last-fortnight' }, /period/);
      await rejects({ fields: ['extension', 'password'] }, /unknown field "password"/);
      await rejects({ interval: 'day', period: { from: '2020-01-01', to: '2026-01-01' } }, /more than 400 days/, 'trend');
      await assert.rejects(runReport({ db: p.db, report: 'calls; DROP TABLE calls', options: {} }), /no report/);
      for (const evil of ["x' OR '1'='1", "2001' OR 1=1 --", '%', '_', '\\']) {
        assert.equal((await run('call-list', { conditions: [{ field: 'remote_number', op: 'eq', value: evil }] })).list.length, 0, evil);
        assert.equal((await run('call-list', { conditions: [{ field: 'remote_number', op: 'contains', value: evil }] })).list.length, 0, evil);
        assert.equal((await run('call-list', { extensions: [evil], sites: [evil], departments: [evil] })).list.length, 0, evil);
      }
      assert.equal(Number((await p.db('calls').count({ n: '*' }).first())!.n), 16, 'the calls are all still there');
    });

    it('writes CSV, Excel (read back) and PDF (text extracted)', async () => {
      const csv = (await output('phone-bill', 'csv')).toString('utf8');
      assert.ok(csv.startsWith('\uFEFFUser,First name,Last name,Department,Extension,Calls,Duration (s),Cost,Currency\r\n'));
      assert.deepEqual((parse(csv, { bom: true }) as string[][]).slice(1), [
        ['alice', 'alice', 'Test', 'Sales', '2001', '7', '732', '0.60', 'GBP'],
        ['bob', 'bob', 'Test', 'Engineering', '2002', '6', '320', '0.41', 'GBP'],
        ['Total', '', '', '', '', '13', '1052', '1.01', 'GBP'],
      ]);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(await output('phone-bill', 'xlsx') as never);
      const ws = wb.worksheets[0]!;
      assert.equal(ws.name, 'Phone bill');
      assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), ['User', 'First name', 'Last name', 'Department', 'Extension', 'Calls', 'Duration (s)', 'Cost', 'Currency']);
      assert.deepEqual((ws.getRow(2).values as unknown[]).slice(1), ['alice', 'alice', 'Test', 'Sales', '2001', 7, 732, 0.6, 'GBP']);
      assert.deepEqual((ws.getRow(4).values as unknown[]).slice(1).filter((v) => v !== undefined && v !== null), ['Total', 13, 1052, 1.01, 'GBP']);
      assert.equal(ws.getCell('H2').numFmt, '#,##0.00');
      const list = new ExcelJS.Workbook();
      await list.xlsx.load(await output('call-list', 'xlsx', { fields: ['start', 'extension'] }) as never);
      const start = list.worksheets[0]!.getCell('A2').value as Date;
      assert.equal(start.toISOString(), '2026-11-17T09:59:55.000Z', 'London wall-clock time');
      const pdf = await output('phone-bill', 'pdf');
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      const { text } = await extractText(new Uint8Array(pdf), { mergePages: true });
      for (const s of ['Phone bill', 'Period: 2026-11-17 to 2026-11-18', 'Europe/London', 'alice', 'Engineering', '0.60', 'Total', '1.01', 'Page 1 of 1']) assert.ok(text.includes(s), `PDF text has ${s}: ${text}`);
    });
  });
}
