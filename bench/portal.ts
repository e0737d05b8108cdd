import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { createTokenService } from '../src/auth/tokens.js';
import { migrateLatest, openDb, type Db } from '../src/db/knex.js';
import { WIDGET_IDS } from '../src/portal/dashboard.js';

/**
 * Portal benchmark (`npm run bench:portal [-- --rows N] [-- --users U]`): loads N calls (default
 * 1,000,000) over U users (default 1,000) spread over the last 90 days, then measures the home
 * page's API (`GET /api/home?limit=20`: last 20 calls and this month's summary for one level-2
 * user) and each dashboard widget (for a level-2 and a level-8 user) over HTTP, on SQLite and (with TOLLGATE_TEST_PG_URL) PostgreSQL. Target: p50 ≤ 50 ms.
 * A benchmark, not a test: it prints figures and never fails on them.
 */

const { values } = parseArgs({ options: { rows: { type: 'string' }, users: { type: 'string' }, requests: { type: 'string' } } });
const ROWS = Math.max(1, Number((values.rows ?? '1000000').replace(/_/g, '')));
const USERS = Math.max(1, Number(values.users ?? '1000'));
const REQUESTS = Math.max(10, Number(values.requests ?? '300'));
const PG_URL = process.env.TOLLGATE_TEST_PG_URL;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function load(db: Db): Promise<number[]> {
  const now = Math.floor(Date.now() / 1000);
  const [site] = await db('sites').insert({ code: 'BENCH', name: 'Bench', country: 'IT', timezone: 'Europe/Rome', currency: 'EUR', created_at: now, privacy_digits: 3, privacy_level: 8 }).returning('id');
  const siteId = Number(typeof site === 'object' ? site.id : site);
  const hash = await hashPassword('bench password 1');
  const userIds: number[] = [];
  for (let i = 0; i < USERS; i += 500) {
    const batch = Array.from({ length: Math.min(500, USERS - i) }, (_, k) => ({
      username: `u${i + k}`, extension: String(2000 + i + k), department: `D${(i + k) % 20}`, site_id: siteId, level: 2,
      password_hash: hash, auth_source: 'local', created_at: now, updated_at: now,
    }));
    const rows = await db('users').insert(batch).returning('id');
    userIds.push(...rows.map((r: unknown) => Number(typeof r === 'object' ? (r as { id: number }).id : r)));
  }
  const [file] = await db('cdr_files').insert({ site_id: siteId, name: 'bench', kind: 'cdr', size: 0, sha256: 'bench', channel: 'import', spool_path: '', status: 'done', received_at: now }).returning('id');
  const fileId = Number(typeof file === 'object' ? file.id : file);
  const r = rng(42);
  const kinds = ['outgoing', 'outgoing', 'incoming', 'internal'];
  const BATCH = 500;
  const started = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch = [];
    for (let k = 0; k < Math.min(BATCH, ROWS - i); k++) {
      const n = i + k;
      const u = Math.floor(r() * USERS);
      const direction = kinds[Math.floor(r() * kinds.length)]!;
      const answered = r() > 0.15;
      batch.push({
        site_id: siteId, cluster_id: 'bench', gcid: n, pkid: `p${n}`, party: 0, direction, answered, start_at: now - Math.floor(r() * 90 * 86400),
        ring_s: Math.floor(r() * 20), duration_s: answered ? Math.floor(r() * 600) : 0, extension: String(2000 + u), partition: '', user_id: userIds[u],
        remote_number: `3902${Math.floor(r() * 1e8)}`, dialed_number: '', gateway: 'gw', destination_type: direction === 'internal' ? 'internal' : 'national',
        account_code: '', orig_cause: 16, dest_cause: 16, last_redirect_dn: '', redirected: false, transferred: false, conference: false, trunk_leg: 0,
        cost: direction === 'outgoing' && answered ? Math.floor(r() * 500) : null, currency: direction === 'outgoing' && answered ? 'EUR' : null,
        cdr_file_id: fileId, cdr_line: n,
      });
    }
    await db('calls').insert(batch);
  }
  // Fresh planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` after a bulk load would give.
  await db.raw('ANALYZE');
  console.log(`  loaded ${ROWS.toLocaleString('en-US')} calls for ${USERS} users in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return userIds;
}

async function measure(kind: string, db: Db): Promise<void> {
  console.log(`${kind}:`);
  const userIds = await load(db);
  const app = createApp({
    db, log: pino({ level: 'silent' }),
    portal: {
      tokens: createTokenService({ secret: SECRET, sessionTtl: 3600, apiTokenTtl: 3600 }), throttle: { maxFailures: 1e9, lockoutS: 1 },
      ldap: undefined, ldapAttributes: {}, sessionTtl: 3600, cookieSecure: false, syncDirectory: undefined, webDir: undefined,
    },
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = createTokenService({ secret: SECRET, sessionTtl: 3600, apiTokenTtl: 3600 });
  const r = rng(7);
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 20; i++) {
    const id = userIds[Math.floor(r() * userIds.length)]!;
    const { token } = tokens.issue({ userId: id, version: 0, kind: 'api' });
    const t0 = performance.now();
    const res = await fetch(`${base}/api/home?limit=20`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { calls: unknown[] };
    if (res.status !== 200 || body.calls.length === 0) throw new Error(`home failed: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    if (i >= 20) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`  GET /api/home?limit=20 (one level-2 user, ${REQUESTS} requests): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms (target p50 ≤ 50 ms)`);
  // Dashboard widgets: each one for level-2 users and for a level-8 user (who sees every call).
  await db('users').where({ id: userIds[0] }).update({ level: 8 });
  const p50 = async (id: number, path: string, n: number): Promise<number> => {
    const ts: number[] = [];
    const { token } = tokens.issue({ userId: id, version: 0, kind: 'api' });
    for (let i = 0; i < n + 3; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      if (i >= 3) ts.push(performance.now() - t0);
    }
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)]!;
  };
  console.log('  dashboard widgets, p50 ms (level 2 / level 8):');
  for (const w of WIDGET_IDS) {
    const l2 = await p50(userIds[1 + Math.floor(r() * (userIds.length - 1))]!, `/api/dashboard/widgets/${w}`, 20);
    const l8 = await p50(userIds[0]!, `/api/dashboard/widgets/${w}`, 10);
    console.log(`    ${w.padEnd(28)} ${l2.toFixed(1).padStart(7)} / ${l8.toFixed(1).padStart(7)}`);
  }
  server.close();
  server.closeAllConnections();
}

const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-portal-'));
try {
  const sqlite = openDb(`sqlite:${path.join(dir, 'bench.db')}`);
  await migrateLatest(sqlite);
  await measure('SQLite', sqlite);
  await sqlite.destroy();
  if (PG_URL) {
    const name = `tollgate_bench_${Date.now().toString(36)}`;
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    await admin.raw(`CREATE DATABASE ${name}`);
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    const pg = openDb(u.toString());
    try {
      await migrateLatest(pg);
      await measure('PostgreSQL', pg);
    } finally {
      await pg.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    }
  } else {
    console.log('PostgreSQL: skipped (TOLLGATE_TEST_PG_URL is not set)');
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
