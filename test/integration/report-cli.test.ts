import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { cliEnv, runCli } from '../support/cli.js';
import { setupGolden } from '../support/golden.js';

/** `tollgate report`, personal reports, history and schedules from the command line, over the golden calls. */

describe('report commands', () => {
  let p: Awaited<ReturnType<typeof setupGolden>>;
  let env: NodeJS.ProcessEnv;
  const ok = async (...args: string[]) => {
    const r = await runCli(args, env);
    assert.equal(r.code, 0, `tollgate ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    p = await setupGolden('sqlite');
    env = cliEnv({ TOLLGATE_DB: p.url, TOLLGATE_DATA_DIR: path.join(p.dir, 'cli-data') });
  });
  after(async () => p.close());

  it('runs a report to CSV and to an xlsx file, saves it as personal, runs it again, keeps the history', async () => {
    const day = ['--from', '2026-11-17', '--to', '2026-11-18', '--timezone', 'Europe/London'];
    const csv = parse(await ok('report', 'cost-by-carrier', ...day, '--save', 'Carriers', '--owner', 'ann', '--group', 'Finance'), { bom: true }) as string[][];
    assert.deepEqual(csv, [['Carrier', 'Calls', 'Duration (s)', 'Cost', 'Currency'], ['Carrier A', '12', '962', '0.71', 'GBP'], ['Carrier B', '1', '90', '0.30', 'GBP'], ['Total', '13', '1052', '1.01', 'GBP']]);
    const file = path.join(p.dir, 'bill.xlsx');
    await ok('report', 'phone-bill', ...day, '--format', 'xlsx', '--out', file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as never);
    assert.equal(wb.worksheets[0]!.getCell('A2').value, 'alice');
    const saved = JSON.parse(await ok('saved', 'list', '--owner', 'ann', '--json')) as Array<{ name: string; group: string; report: string }>;
    assert.deepEqual(saved.map((s) => [s.name, s.group, s.report]), [['Carriers', 'Finance', 'cost-by-carrier']]);
    assert.equal(await ok('report', 'Carriers', '--saved', '--owner', 'ann'), await ok('report', 'cost-by-carrier', ...day));
    const history = JSON.parse(await ok('history', '--owner', 'ann', '--json')) as Array<{ report: string; rows: number }>;
    assert.deepEqual(history.map((h) => [h.report, h.rows]), [['cost-by-carrier', 2], ['cost-by-carrier', 2]]);
  });

  it('explains bad options, unknown reports and conditions', async () => {
    for (const [args, re] of [
      [['report', 'nope'], /no report "nope"/],
      [['report', 'call-list', '--condition', 'duration_s ?? 3'], /--condition: a condition is FIELD OP VALUE/],
      [['report', 'call-list', '--condition', 'secret=1'], /unknown field "secret"/],
      [['report', 'call-list', '--from', '2026-11-18'], /give both --from and --to/],
      [['report', 'call-list', '--period', 'someday'], /period/],
      [['report', 'Nope', '--saved', '--owner', 'ann'], /no saved report "Nope" of ann/],
    ] as const) {
      const r = await runCli([...args], env);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
    }
  });

  it('manages schedules', async () => {
    await ok('schedule', 'add', '--name', 'weekly bill', '--report', 'phone-bill', '--options', '{"period":"last-week"}', '--to', 'boss@example.com',
      '--every', '1 weeks', '--start', '2099-01-05T07:00', '--timezone', 'Europe/London', '--format', 'pdf');
    await ok('schedule', 'add', '--name', 'abroad', '--alarm', 'international', '--to', 'sec@example.com', '--every', '1 days', '--start', '2099-01-01T06:00', '--timezone', 'UTC');
    let list = JSON.parse(await ok('schedule', 'list', '--json')) as Array<{ name: string; enabled: boolean; nextRunAt: number; kind: string }>;
    assert.deepEqual(list.map((s) => [s.name, s.kind, s.enabled, s.nextRunAt]), [['abroad', 'alarm', true, Date.UTC(2099, 0, 1, 6) / 1000], ['weekly bill', 'report', true, Date.UTC(2099, 0, 5, 7) / 1000]]);
    await ok('schedule', 'disable', 'abroad');
    list = JSON.parse(await ok('schedule', 'list', '--json')) as typeof list;
    assert.equal(list.find((s) => s.name === 'abroad')!.enabled, false);
    await ok('schedule', 'delete', 'abroad');
    const bad = await runCli(['schedule', 'add', '--name', 'x', '--report', 'phone-bill', '--to', 'a@example.com', '--every', '1 days', '--start', '2001-01-01T00:00', '--timezone', 'UTC'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is in the past/);
    assert.match(await ok('schedule', 'run'), /^0 runs/);
  });
});
