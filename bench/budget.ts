import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client } from 'basic-ftp';
import { decodeCurriResponse } from '../curri/index.js';
import { loadConfig } from '../src/config.js';
import { migrateLatest, openDb } from '../src/db/knex.js';
import { upsertBudget } from '../src/db/queries/budgets.js';
import { upsertTariffs } from '../src/db/queries/tariffs.js';
import { createLogger } from '../src/logger.js';
import { DEFAULT_COUNT_TYPES } from '../src/budget/budget.js';
import { parseTariff } from '../src/rating/tariff.js';
import { startServer } from '../src/server.js';
import { cdrFile } from '../test/support/cdr-rows.js';
import { CUCM_HEADERS, curriRequest } from '../test/support/curri.js';
import { freePort } from '../test/support/ports.js';

/**
 * Budget benchmark (`npm run bench:budget [-- --runs N]`): 10,000 users with a line and a phone
 * each, 1,000 user budgets (1.00 GBP a month, locking at 100%). Each run uploads over FTP a CDR
 * file with one 2-minute call (2.00 GBP) from a user with a budget, then asks CURRI about that
 * line every 5 ms; it measures the time from the end of the upload to the first Deny. Prints the
 * median and p95 over the runs (target p95 ≤ 1 s; the leading commercial product polls every 10 s).
 * The server runs in this process on SQLite (TOLLGATE_BENCH_DB selects another database).
 */

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Math.max(1, Number(values.runs ?? 20));
const USERS = 10_000;
const BUDGETS = 1_000;
const FLAT = parseTariff({ code: 'FLAT', name: 'flat', carrier: 'Flat', currency: 'GBP', rates: [{ type: 'national', perMinuteMicro: 1_000_000, first: 60, next: 60 }] });
const ext = (i: number) => String(20000 + i);
const device = (i: number) => `SEP${(0xb00000000000 + i).toString(16).toUpperCase()}`;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-budget-'));
  try {
    const [httpPort, ftpPort] = [await freePort(), await freePort()];
    const config = loadConfig({
      TOLLGATE_DATA_DIR: path.join(work, 'data'), ...(process.env.TOLLGATE_BENCH_DB ? { TOLLGATE_DB: process.env.TOLLGATE_BENCH_DB } : {}),
      TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(httpPort), TOLLGATE_FTP_HOST: '127.0.0.1', TOLLGATE_FTP_PORT: String(ftpPort),
      TOLLGATE_FTP_PASV_MIN: '45100', TOLLGATE_FTP_PASV_MAX: '45199', TOLLGATE_SFTP_PORT: '0', TOLLGATE_RECEIVER_USERS: 'cucm:bench-pw@cluster:BenchCluster',
      TOLLGATE_LOG_LEVEL: 'warn',
    });
    const db = openDb(config.db);
    await migrateLatest(db);
    await upsertTariffs({ db, tariffs: [FLAT], now: 0 });
    const [site] = await db('sites').insert({ code: 'B', name: 'Bench', country: 'GB', area_code: '20', timezone: 'Europe/London', currency: 'GBP', driver: 'cucm', import_internal: true, auto_acquire: false, tariff_code: 'FLAT', created_at: 0 }).returning('id');
    const siteId = Number(typeof site === 'object' ? site.id : site);
    await db('access_codes').insert({ site_id: siteId, code: '9' });
    await db('site_clusters').insert({ site_id: siteId, cluster_id: 'BenchCluster' });
    for (let start = 0; start < USERS; start += 500) {
      const rows = Array.from({ length: Math.min(500, USERS - start) }, (_, k) => ({ site_id: siteId, username: `u${start + k}`, extension: ext(start + k), department: `D${(start + k) % 50}`, created_at: 0, updated_at: 0 }));
      const ids = await db('users').insert(rows).returning('id');
      await db('user_devices').insert(ids.map((r: number | { id: number }, k: number) => ({ user_id: typeof r === 'object' ? r.id : r, device_name: device(start + k) })));
    }
    for (let i = 0; i < BUDGETS; i++) {
      await upsertBudget({
        db, now: 0,
        budget: { scope: 'user', target: `u${i * 10}`, period: 'monthly', weekStart: 0, timezone: 'Europe/London', amountMinor: 100, currency: 'GBP', countTypes: [...DEFAULT_COUNT_TYPES], carryOver: false, thresholds: [{ percent: 100, email: [], push: false, lock: true }], enabled: true },
      });
    }
    await db.destroy();
    process.stdout.write(`${USERS} users, ${BUDGETS} budgets; starting the server…\n`);
    const server = await startServer(config, { log: createLogger({ level: 'warn', destination: 2 }) });
    const decide = async (i: number) => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: curriRequest({ calling: ext(i), called: '901614960123', device: device(i) }) });
      return decodeCurriResponse(await res.text()).decision;
    };
    const times: number[] = [];
    try {
      const ftp = new Client();
      await ftp.access({ host: '127.0.0.1', port: ftpPort, user: 'cucm', password: 'bench-pw' });
      for (let r = 0; r < RUNS; r++) {
        const i = (r * 37 % BUDGETS) * 10;
        if ((await decide(i)) !== 'Permit') throw new Error(`line ${ext(i)} is locked before the run`);
        const now = Math.floor(Date.now() / 1000);
        const cdr = cdrFile([{ callId: 1000 + r, calling: ext(i), called: '901614960123', origDevice: device(i), destDevice: 'SIP-TRUNK', at: now - 200, talk: 120 }], 'BenchCluster');
        const name = `cdr_BenchCluster_01_${new Date(now * 1000).toISOString().slice(0, 16).replace(/[-T:]/g, '')}_${r + 1}`;
        await ftp.uploadFrom(Readable.from([cdr]), name);
        const t0 = performance.now();
        let d = await decide(i);
        while (d !== 'Deny') {
          if (performance.now() - t0 > 30_000) throw new Error(`run ${r + 1}: no Deny after 30 s`);
          await new Promise((res) => setTimeout(res, 5));
          d = await decide(i);
        }
        times.push(performance.now() - t0);
        process.stdout.write(`  run ${String(r + 1).padStart(2)}: line ${ext(i)} denied ${times.at(-1)!.toFixed(0)} ms after the upload\n`);
      }
      ftp.close();
    } finally {
      await server.stop();
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
    process.stdout.write(`upload -> first CURRI Deny over ${RUNS} runs: median ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms ` +
      `(target p95 <= 1000 ms: ${q(0.95) <= 1000 ? 'ok' : 'MISSED'})\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
