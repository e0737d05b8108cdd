import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { cdrFileName, generateCdrFile } from '../src/demo/cdr-generator.js';
import { fsyncPath } from '../src/fs-utils.js';
import { BENCH_CLUSTER, BENCH_USERS, benchPlan } from './bench-site.js';

/**
 * Ingest benchmark (`npm run bench:ingest [-- --rows N] [-- --cpu-prof]`). Generates N CUCM 12.x
 * rows (default 1,000,000; 133 fields, header, quoted), then measures:
 *   (a) baseline: a bare streaming split of the file into lines and fields;
 *   (b) the real import (spool + miner, as `tollgate import`) into a fresh SQLite database, in a
 *       child process that reports its peak RSS;
 *   (c) the same into a fresh PostgreSQL database when TOLLGATE_TEST_PG_URL is set.
 * Targets: import/baseline ≥ 0.5 on SQLite, ≥ 0.25 on PostgreSQL; peak RSS ≤ 300 MB.
 * A benchmark, not a test: it prints figures and never fails on them.
 */

const { values } = parseArgs({ options: { rows: { type: 'string' }, 'cpu-prof': { type: 'boolean' }, keep: { type: 'boolean' } } });
const ROWS = Math.max(1, Math.floor(Number((values.rows ?? '1000000').replace(/_/g, ''))));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface ChildResult {
  setupSeconds: number;
  importSeconds: number;
  rows: number;
  stored: number;
  discarded: number;
  duplicates: number;
  errors: Array<{ file: string; error: string }>;
  callsInDb: number;
  maxRssKb: number;
}

/** (a) fs.createReadStream, split on '\n', then line.split(','): nothing else. */
async function baseline(file: string): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  let rest = '';
  let lines = 0;
  let fields = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      fields += line.split(',').length;
      lines++;
    }
  }
  if (rest !== '') {
    fields += rest.split(',').length;
    lines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (fields < lines) throw new Error('unreachable');
  return { rows: lines - 2, seconds };
}

/** (b)/(c) The import in a child process: `bench/ingest-child.ts`. */
async function importInChild(args: { db: string; dataDir: string; file: string; profDir?: string; rating: boolean }): Promise<ChildResult & { wallSeconds: number }> {
  const nodeArgs = ['--import', 'tsx'];
  if (args.profDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${args.profDir}`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TOLLGATE_')) env[k] = v;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, path.join(HERE, 'ingest-child.ts'), '--db', args.db, '--data-dir', args.dataDir, '--file', args.file, '--rating', args.rating ? 'on' : 'off'], {
    env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`import child exited with ${code}: ${stdout}`);
  const line = stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(line) as ChildResult), wallSeconds };
}

interface Line {
  step: string;
  seconds: number;
  rowsPerS: number;
  ratio?: number;
  ratioTarget?: number;
  rssMb?: number;
  stored?: string;
}

function printTable(lines: Line[]): void {
  const head = ['step', 'time s', 'rows/s', 'ratio', 'target', 'peak RSS', 'target', 'stored / discarded', 'result'];
  const body = lines.map((l) => {
    const okRatio = l.ratio === undefined || l.ratioTarget === undefined || l.ratio >= l.ratioTarget;
    const okRss = l.rssMb === undefined || l.rssMb <= 300;
    return [
      l.step, l.seconds.toFixed(2), fmt(l.rowsPerS), l.ratio === undefined ? '' : l.ratio.toFixed(2),
      l.ratioTarget === undefined ? '' : `>= ${l.ratioTarget}`, l.rssMb === undefined ? '' : `${fmt(l.rssMb)} MB`,
      l.rssMb === undefined ? '' : '<= 300 MB', l.stored ?? '', l.ratio === undefined ? '' : okRatio && okRss ? 'ok' : 'MISSED',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const row = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  process.stdout.write([row(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(row)].join('\n') + '\n');
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-'));
  const profDir = values['cpu-prof'] ? path.join(work, 'profiles') : undefined;
  const pgUrl = process.env.TOLLGATE_TEST_PG_URL;
  let pgDrop: (() => Promise<void>) | undefined;
  let file = '';
  try {
    const plan = benchPlan();
    const end = Math.floor(Date.now() / 1000);
    file = path.join(work, cdrFileName(BENCH_CLUSTER, 1, end, 1));
    process.stdout.write(`generating ${fmt(ROWS)} CUCM 12.x rows (133 fields, header, quoted; ${fmt(BENCH_USERS)} users, ${plan.trunks.length} trunks/gateways)…\n`);
    const g0 = performance.now();
    await generateCdrFile(file, {
      layout: 'cucm12', header: true, quoted: true, clusterId: BENCH_CLUSTER, startEpoch: end - 30 * 86400, spanSeconds: 30 * 86400,
      rows: ROWS, seed: 1, plan,
    });
    const genS = (performance.now() - g0) / 1000;
    // On disk before anything is timed: otherwise the kernel writes the generated file back (some
    // 700 MB, 30 s after it was written) in the middle of an import, on the cores the import uses.
    await fsyncPath(file);
    const size = (await stat(file)).size;
    process.stdout.write(`  ${file}: ${fmt(size / 1048576)} MB in ${genS.toFixed(1)} s (${fmt(ROWS / genS)} rows/s)\n`);

    (globalThis as { gc?: () => void }).gc?.();
    await baseline(file); // warm the page cache, as the import will find it
    const base = await baseline(file);
    if (base.rows !== ROWS) throw new Error(`baseline counted ${base.rows} rows, expected ${ROWS}`);
    const lines: Line[] = [{ step: 'baseline split (a)', seconds: base.seconds, rowsPerS: base.rows / base.seconds }];
    const baseRate = base.rows / base.seconds;

    const sqlite = async () => `sqlite:${path.join(work, 'sqlite', 'tollgate.db')}`;
    const runs: Array<{ step: string; db: () => Promise<string>; target: number; rating: boolean }> = [
      { step: 'import -> SQLite, rating off', target: 0.5, db: sqlite, rating: false },
      { step: 'import -> SQLite (b)', target: 0.5, db: sqlite, rating: true },
    ];
    if (pgUrl) {
      runs.push({
        step: 'import -> PostgreSQL (c)', target: 0.25, rating: true,
        db: async () => {
          const name = `tollgate_bench_${Date.now().toString(36)}`;
          const admin = knexFactory({ client: 'pg', connection: pgUrl });
          await admin.raw(`CREATE DATABASE ${name}`);
          pgDrop = async () => {
            await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await admin.destroy();
          };
          const u = new URL(pgUrl);
          u.pathname = `/${name}`;
          return u.toString();
        },
      });
    } else process.stdout.write('  (TOLLGATE_TEST_PG_URL is not set: PostgreSQL run skipped)\n');

    for (const run of runs) {
      const dataDir = path.join(work, run.step.includes('SQLite') ? 'sqlite' : 'pg');
      await mkdir(dataDir, { recursive: true });
      process.stdout.write(`${run.step}…\n`);
      const r = await importInChild({ db: await run.db(), dataDir, file, rating: run.rating, ...(profDir ? { profDir } : {}) });
      if (r.errors.length > 0) process.stdout.write(`  errors: ${JSON.stringify(r.errors)}\n`);
      const rate = r.rows / r.importSeconds;
      process.stdout.write(
        `  ${fmt(r.rows)} rows in ${r.importSeconds.toFixed(2)} s (child wall ${r.wallSeconds.toFixed(1)} s incl. start and ${r.setupSeconds.toFixed(1)} s of user setup); ` +
          `${fmt(r.callsInDb)} calls in the database\n`,
      );
      lines.push({
        step: run.step, seconds: r.importSeconds, rowsPerS: rate, ratio: rate / baseRate, ratioTarget: run.target,
        rssMb: r.maxRssKb / 1024, stored: `${fmt(r.stored)} / ${fmt(r.discarded)}`,
      });
      await rm(dataDir, { recursive: true, force: true });
      await pgDrop?.();
      pgDrop = undefined;
    }
    process.stdout.write(`\n${fmt(ROWS)} rows, ${fmt(size / 1048576)} MB; ratio = import rows/s ÷ baseline rows/s\n`);
    printTable(lines);
    const off = lines.find((l) => l.step.includes('rating off'));
    const on = lines.find((l) => l.step === 'import -> SQLite (b)');
    if (off && on) {
      const cost = 1 - on.rowsPerS / off.rowsPerS;
      process.stdout.write(`rating (classification, tariff, account codes) costs ${(cost * 100).toFixed(1)}% of the SQLite ingest throughput (target <= 20%: ${cost <= 0.2 ? 'ok' : 'MISSED'})\n`);
    }
    if (profDir) process.stdout.write(`CPU profiles of the import children: ${profDir} (open in Chrome DevTools)\n`);
  } finally {
    await pgDrop?.();
    if (values.keep) process.stdout.write(`kept ${work}\n`);
    else if (profDir) await rm(file, { force: true });
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
