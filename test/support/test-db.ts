import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { migrateLatest, openDb, type Db } from '../../src/db/knex.js';

/** PostgreSQL server for tests, e.g. postgres://postgres@127.0.0.1:5432/test (set by .ci/run). */
export const PG_URL = process.env.TOLLGATE_TEST_PG_URL;
export const PG_SKIP = PG_URL ? false : 'TOLLGATE_TEST_PG_URL is not set: PostgreSQL tests skipped';

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A throwaway directory, removed by the returned function. */
export function tempDir(prefix = 'tollgate-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh, migrated database: a SQLite file in a temp dir, or a new PostgreSQL database. */
export async function createTestDb(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<TestDb> {
  const tmp = tempDir();
  if (kind === 'sqlite') {
    const url = `sqlite:${path.join(tmp.dir, 'tollgate.db')}`;
    const db = openDb(url);
    await migrateLatest(db);
    return { db, url, dir: tmp.dir, close: async () => { await db.destroy(); tmp.remove(); } };
  }
  if (!PG_URL) throw new Error('TOLLGATE_TEST_PG_URL is not set');
  const name = `tollgate_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  await admin.raw(`CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = openDb(url);
  await migrateLatest(db);
  return {
    db, url, dir: tmp.dir,
    close: async () => {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
      tmp.remove();
    },
  };
}
