import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type { DbKind } from '../config.js';

export type Db = Knex;
export type DbOrTx = Knex | Knex.Transaction;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens the database named by a `TOLLGATE_DB` url: `sqlite:<file>`, `postgres://…` or `mssql://…`.
 * SQLite runs in WAL mode so the CLI and the server can share one file; the data directory is
 * created when missing.
 */
export function openDb(url: string): Db {
  const kind = dbKindOf(url);
  if (kind === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            // 16 KiB pages for a new database (no effect on an existing one): a calls row with its
            // three index entries costs about a quarter less to insert than with 4 KiB pages, as
            // each commit dirties fewer pages (the calls(user_id, start_at) index touches one
            // leaf per user a batch holds) and the B-trees split less often.
            conn.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
            conn.pragma('journal_mode = WAL');
            // NORMAL is durable in WAL mode except for the last transactions before a power cut;
            // a process crash (kill -9) loses nothing that was committed.
            conn.pragma('synchronous = NORMAL');
            // Checkpoint every 64 MiB of WAL instead of 4 MiB: the hot index pages are copied
            // back to the database file less often during an import.
            conn.pragma(`wal_autocheckpoint = ${Math.round(AUTO_CHECKPOINT_BYTES / pageSize(conn))}`);
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 10000');
            // 32 MiB. An import touches, per transaction, one leaf of the calls(user_id, start_at)
            // index per user it bills: 2,000 users' leaves are some 17 MiB of 16 KiB pages, and a
            // smaller cache wrote them to the WAL in the middle of transactions and read them back
            // (measured at a million calls: 16 MiB took 3-5% longer).
            conn.pragma('cache_size = -32768');
            cacheStatements(conn);
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
  }
  if (kind === 'postgres') {
    return knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  }
  const u = new URL(url);
  return knexFactory({
    client: 'mssql',
    connection: {
      server: u.hostname,
      port: u.port ? Number(u.port) : 1433,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: u.pathname.replace(/^\//, '') || 'tollgate',
      options: { encrypt: u.searchParams.get('encrypt') !== 'false', trustServerCertificate: u.searchParams.get('trustServerCertificate') === 'true' },
    },
    pool: { min: 0, max: 10 },
  });
}

/** SQLite checkpoints its write-ahead log by itself once it is this large (see also sqlite-checkpointer.ts). */
export const AUTO_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** Page size of a new SQLite database. */
export const SQLITE_PAGE_SIZE = 16384;

function pageSize(conn: SqliteConnection): number {
  return Number(conn.pragma('page_size', { simple: true })) || 4096;
}

/** Statements kept per SQLite connection; the miner's per-batch queries are a handful. */
const STATEMENT_CACHE_SIZE = 64;

/**
 * Makes `prepare` reuse the statement last prepared for the same SQL text. knex prepares every
 * query it runs; for the miner's per-batch bookkeeping (BEGIN, the discarded rows, the checkpoint,
 * COMMIT) preparing cost more than running. Safe because knex runs each statement to completion
 * (`all` or `run`) before it prepares the next, and SQLite re-prepares a statement by itself when
 * the schema changes.
 */
function cacheStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, ReturnType<SqliteConnection['prepare']>>();
  conn.prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (stmt) {
      // Most recently used last: the first key is the one to drop when the cache is full.
      cache.delete(sql);
    } else {
      stmt = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, stmt);
    return stmt;
  };
}

export function dbKindOf(url: string): DbKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mssql:')) return 'mssql';
  return 'postgres';
}

/** The dialect of an open knex instance or transaction. */
export function dialectOf(db: DbOrTx): DbKind {
  const client = (db as Knex).client.config.client as string;
  if (client.includes('sqlite')) return 'sqlite';
  if (client.includes('mssql')) return 'mssql';
  return 'postgres';
}

/** The subset of a better-sqlite3 connection that tollgate uses directly. */
export interface SqliteConnection {
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }; all(...params: unknown[]): unknown[] };
  transaction<T extends (...args: never[]) => unknown>(fn: T): T;
}

/** Applies every pending migration. Returns the names applied. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'] })) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Db): Promise<void> {
  await db.migrate.rollback({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'] }, true);
}

/** Liveness of the database for /readyz. */
export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1 as ok');
}
