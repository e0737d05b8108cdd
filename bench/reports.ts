import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { dialectOf, migrateLatest, openDb, type Db } from '../src/db/knex.js';
import { runReport } from '../src/reports/engine.js';

/**
 * Report benchmark (`npm run bench:reports [-- --rows N]`): loads N synthetic calls (default
 * 5,000,000 over six months, 2,000 users in 20 departments) straight into the database, then times
 * the monthly cost grouped by department (target ≤ 1 s), the first page of the call list (≤ 100 ms),
 * and streams a 1,000,000-row CSV export in a child process (peak RSS ≤ 250 MB). SQLite always,
 * PostgreSQL when TOLLGATE_TEST_PG_URL is set. A benchmark: it prints figures, it never fails on them.
 */

const { values } = parseArgs({ options: { rows: { type: 'string' } } });
const ROWS = Math.max(10_000, Number((values.rows ?? '5000000').replace(/_/g, '')));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const START = Date.UTC(2026, 4, 1) / 1000; // 1 May 2026
const SPAN = 184 * 86_400; // to 1 November
const USERS = 2000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function load(db: Db): Promise<void> {
  const d = dialectOf(db);
  await db('sites').insert({ id: 1, code: 'BENCH', name: 'bench', country: 'IT', area_code: '02', timezone: 'UTC', currency: 'EUR', driver: 'cucm', import_internal: true, auto_acquire: false, created_at: 0 });
  const users = Array.from({ length: USERS }, (_, i) => ({
    id: i + 1, site_id: 1, username: `user${i + 1}`, department: `Dept ${i % 20}`, cost_center: `CC${i % 50}`, extension: String(10000 + i), created_at: 0, updated_at: 0,
  }));
  for (let i = 0; i < users.length; i += 200) await db('users').insert(users.slice(i, i + 200));
  const step = SPAN / ROWS;
  const expr = (n: string) => ({
    direction: `CASE WHEN ${n} % 10 < 5 THEN 'outgoing' WHEN ${n} % 10 < 8 THEN 'incoming' ELSE 'internal' END`,
    answered: `(${n} % 7 <> 0)`,
    dtype: `CASE ${n} % 6 WHEN 0 THEN 'local' WHEN 1 THEN 'national' WHEN 2 THEN 'mobile' WHEN 3 THEN 'international' WHEN 4 THEN 'local' ELSE 'national' END`,
  });
  const cols = 'site_id, cluster_id, gcid, pkid, party, direction, answered, start_at, ring_s, duration_s, extension, partition, user_id, remote_number, dialed_number, gateway, destination_type, account_code, orig_cause, dest_cause, last_redirect_dn, redirected, transferred, conference, trunk_leg, cost, currency, cdr_file_id, cdr_line, nation, area, carrier, tariff_code, cost_center, account_name';
  const select = (n: string, cast: (s: string) => string) => {
    const e = expr(n);
    return `SELECT 1, 'BENCH', ${n}, ${cast(n)}, 0, ${e.direction}, ${e.answered}, ${START} + CAST(${n} * ${step} AS BIGINT), ${n} % 20, ${n} % 600, ${cast(`10000 + ${n} % ${USERS}`)}, '', (${n} / 10) % ${USERS} + 1, ` +
      `${cast(`3900000000 + ${n}`)}, ${cast(`3900000000 + ${n}`)}, 'SIP', ${e.dtype}, '', 16, 0, '', ${d === 'postgres' ? 'false, false, false' : '0, 0, 0'}, 0, ` +
      `CASE WHEN ${n} % 10 < 5 THEN ${n} % 300 ELSE 0 END, 'EUR', 1, ${n}, 'IT', '', 'Carrier', 'T', 'CC' || ${cast(`${n} % 50`)}, ''`;
  };
  if (d === 'postgres') {
    await db.raw(`INSERT INTO calls (${cols}) ${select('n', (s) => `(${s})::text`)} FROM generate_series(1, ${ROWS}) AS n`);
    await db.raw('ANALYZE calls');
  } else {
    const chunk = 500_000;
    for (let from = 1; from <= ROWS; from += chunk) {
      const to = Math.min(ROWS, from + chunk - 1);
      await db.raw(`WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n < ${to}) INSERT INTO calls (${cols}) ${select('n', (s) => `CAST(${s} AS TEXT)`)} FROM seq`);
    }
    await db.raw('ANALYZE');
  }
}

async function time<T>(fn: () => Promise<T>, runs = 5): Promise<{ median: number; best: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, best: times[0]!, value };
}

async function exportInChild(db: string): Promise<{ rows: number; seconds: number; maxRssKb: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'reports-child.ts'), '--db', db, '--from', '2026-05-01', '--to', `2026-${ROWS >= 5_000_000 ? '06-08' : '11-01'}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  await new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(code) : reject(new Error(`child exited with ${code}`)))));
  return JSON.parse(out.trim().split('\n').pop()!) as { rows: number; seconds: number; maxRssKb: number };
}

async function bench(name: string, url: string): Promise<void> {
  const db = openDb(url);
  await migrateLatest(db);
  const t0 = performance.now();
  await load(db);
  process.stdout.write(`${name}: ${fmt(ROWS)} calls loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const month = { period: { from: '2026-09-01', to: '2026-10-01' }, timezone: 'UTC' };
  const dept = await time(async () => {
    const r = await runReport({ db, report: 'cost-by-department', options: month });
    let n = 0;
    for await (const _ of r.rows) n++;
    return n;
  });
  const page = await time(async () => {
    const r = await runReport({ db, report: 'call-list', options: { ...month, maxRows: 100 } });
    let n = 0;
    for await (const _ of r.rows) n++;
    return n;
  });
  await db.destroy();
  const csv = await exportInChild(url);
  const rss = csv.maxRssKb / 1024;
  const line = (what: string, v: string, target: string, ok: boolean) => process.stdout.write(`  ${what.padEnd(44)} ${v.padStart(12)}   target ${target.padEnd(10)} ${ok ? 'ok' : 'MISSED'}\n`);
  line(`monthly cost by department (${dept.value} rows)`, `${dept.median.toFixed(0)} ms`, '<= 1000 ms', dept.median <= 1000);
  line(`first page of the call list (${page.value} rows)`, `${page.median.toFixed(1)} ms`, '<= 100 ms', page.median <= 100);
  line(`CSV export of ${fmt(csv.rows)} rows: ${fmt(csv.rows / csv.seconds)} rows/s`, `${fmt(rss)} MB`, '<= 250 MB', rss <= 250);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-reports-'));
  try {
    await bench('SQLite', `sqlite:${path.join(work, 'bench.db')}`);
    const pg = process.env.TOLLGATE_TEST_PG_URL;
    if (pg) {
      const name = `tollgate_bench_reports_${process.pid}`;
      const admin = knexFactory({ client: 'pg', connection: pg });
      await admin.raw(`CREATE DATABASE ${name}`);
      try {
        const u = new URL(pg);
        u.pathname = `/${name}`;
        await bench('PostgreSQL', u.toString());
      } finally {
        await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.destroy();
      }
    } else process.stdout.write('PostgreSQL: skipped (TOLLGATE_TEST_PG_URL is not set)\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
