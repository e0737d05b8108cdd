import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateLatest, migrateRollbackAll, openDb, SQLITE_PAGE_SIZE, type Db } from '../../src/db/knex.js';
import { createTestDb, PG_SKIP, tempDir } from '../support/test-db.js';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/db/migrations');
const config = { directory: MIGRATIONS, loadExtensions: ['.ts', '.js'] };

/** A call row with the columns that have no default. */
function call(pkid: string): Record<string, unknown> {
  return {
    site_id: 1, cluster_id: 'C', gcid: 1, pkid, party: 0, direction: 'outgoing', answered: true, start_at: 1_700_000_000,
    ring_s: 1, duration_s: 2, extension: '1001', partition: '', user_id: null, remote_number: '5551234', dialed_number: '95551234',
    gateway: 'GW', destination_type: 'external', account_code: '', orig_cause: 16, dest_cause: 0, last_redirect_dn: '',
    redirected: false, transferred: false, conference: false, trunk_leg: 7, cost: 12, currency: 'USD', cdr_file_id: 1, cdr_line: 1,
  };
}

async function callsSql(db: Db): Promise<string> {
  const row = (await db('sqlite_master').where({ type: 'table', name: 'calls' }).first('sql')) as { sql: string };
  return row.sql;
}

async function tables(db: Db, kind: 'sqlite' | 'postgres'): Promise<string[]> {
  if (kind === 'sqlite') {
    return ((await db('sqlite_master').where({ type: 'table' }).pluck('name')) as string[]).filter((n) => !n.startsWith('sqlite_') && !n.startsWith('knex_'));
  }
  const rows = (await db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%'")) as { rows: Array<{ tablename: string }> };
  return rows.rows.map((r) => r.tablename);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`migrations (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    it('roll all the way down and up again', async () => {
      const t = await createTestDb(kind);
      try {
        assert.ok((await tables(t.db, kind)).includes('calls'));
        await migrateRollbackAll(t.db);
        assert.deepEqual(await tables(t.db, kind), []);
        await migrateLatest(t.db);
        assert.ok((await tables(t.db, kind)).includes('calls'));
        await t.db('calls').insert(call('p1'));
        assert.equal((await t.db('calls').count({ n: '*' }).first())?.n, kind === 'sqlite' ? 1 : '1');
        const keyDef = kind === 'sqlite'
          ? ((await t.db('sqlite_master').where({ name: 'calls_cdr_key' }).first('sql')) as { sql: string }).sql
          : ((await t.db.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'calls_cdr_key'")) as { rows: Array<{ indexdef: string }> }).rows[0]!.indexdef;
        assert.match(keyDef.replaceAll('`', ''), /UNIQUE INDEX calls_cdr_key ON (public\.)?calls (USING btree )?\(gcid, cluster_id, pkid, party\)/i);
      } finally {
        await t.close();
      }
    });
  });
}

describe('SQLite storage settings', () => {
  it('a new database has 16 KiB pages; an existing one keeps its own', async () => {
    const t = await createTestDb('sqlite');
    try {
      assert.equal(Number((await t.db.raw('PRAGMA page_size'))[0].page_size), SQLITE_PAGE_SIZE);
    } finally {
      await t.close();
    }
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'old.db');
      const old = new Database(file);
      old.pragma('page_size = 4096');
      old.exec('CREATE TABLE t (x)');
      old.close();
      const db = openDb(`sqlite:${file}`);
      assert.equal(Number((await db.raw('PRAGMA page_size'))[0].page_size), 4096);
      await db.destroy();
    } finally {
      tmp.remove();
    }
  });

  it('calls.id is the plain rowid (no AUTOINCREMENT); down and up again keep the calls and their indexes', async () => {
    const t = await createTestDb('sqlite');
    try {
      const { db } = t;
      assert.doesNotMatch(await callsSql(db), /autoincrement/i);
      await db('calls').insert([call('p1'), call('p2')]);
      const indexes = async () => (await db('sqlite_master').where({ type: 'index', tbl_name: 'calls' }).orderBy('name').pluck('name')) as string[];
      const before = await indexes();
      assert.deepEqual(before, ['calls_cdr_key', 'calls_start_at', 'calls_user_start']);

      const keySql = async () => ((await db('sqlite_master').where({ type: 'index', name: 'calls_cdr_key' }).first('sql')) as { sql: string }).sql;
      assert.match(await keySql(), /\(`gcid`, `cluster_id`, `pkid`, `party`\)/);

      // Down: AUTOINCREMENT and the old key order come back, with the rows and the indexes.
      await db.migrate.down(config);
      assert.match(await callsSql(db), /primary key autoincrement/i);
      assert.deepEqual(await db('calls').orderBy('id').pluck('pkid'), ['p1', 'p2']);
      assert.deepEqual(await indexes(), before);
      assert.match(await keySql(), /\(`cluster_id`, `gcid`, `pkid`, `party`\)/);
      await db('calls').insert(call('p3'));

      // Up again: gone, rows and ids kept, the unique key still enforced.
      await db.migrate.up(config);
      assert.doesNotMatch(await callsSql(db), /autoincrement/i);
      assert.deepEqual(await db('calls').orderBy('id').select('id', 'pkid'), [{ id: 1, pkid: 'p1' }, { id: 2, pkid: 'p2' }, { id: 3, pkid: 'p3' }]);
      assert.deepEqual(await indexes(), before);
      assert.match(await keySql(), /\(`gcid`, `cluster_id`, `pkid`, `party`\)/);
      await assert.rejects(db('calls').insert(call('p1')), /UNIQUE constraint failed/);
    } finally {
      await t.close();
    }
  });
});
