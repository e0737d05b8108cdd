import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startCheckpointer } from '../../src/db/sqlite-checkpointer.js';
import { testLog } from '../support/logger.js';
import { createTestDb, PG_SKIP } from '../support/test-db.js';

const autoCheckpoint = async (db: Awaited<ReturnType<typeof createTestDb>>['db']) =>
  Number(((await db.raw('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>)[0]!.wal_autocheckpoint);

describe('SQLite checkpointing thread (used while a large file is mined)', () => {
  it('copies the write-ahead log into the database file while the connection only writes, then hands checkpointing back', async () => {
    const t = await createTestDb('sqlite');
    try {
      const file = t.url.slice('sqlite:'.length);
      assert.equal(await autoCheckpoint(t.db), (64 * 1024 * 1024) / 16384);
      const cp = (await startCheckpointer(t.db, testLog))!;
      assert.ok(cp);
      // The connection's own checkpoint waits for 256 MB of log now.
      assert.equal(await autoCheckpoint(t.db), (256 * 1024 * 1024) / 16384);
      await t.db.schema.createTable('filler', (tb) => tb.binary('b'));
      const before = statSync(file).size;
      // 24 MB in two transactions: the log grows past the thread's 16 MB mark.
      for (let k = 0; k < 2; k++) {
        await t.db.transaction(async (tx) => {
          for (let i = 0; i < 12; i++) await tx('filler').insert({ b: Buffer.alloc(1024 * 1024, i + k) });
        });
      }
      let grown = false;
      for (let i = 0; i < 50 && !grown; i++) {
        await new Promise((r) => setTimeout(r, 100));
        grown = statSync(file).size - before > 20 * 1024 * 1024;
      }
      assert.ok(grown, `the database file should hold the pages (grew ${statSync(file).size - before} bytes)`);
      await cp.stop();
      assert.equal(await autoCheckpoint(t.db), (64 * 1024 * 1024) / 16384);
      assert.equal(Number((await t.db('filler').count({ n: '*' }).first())?.n), 24);
    } finally {
      await t.close();
    }
  });

  it('is not started for other databases', { skip: PG_SKIP }, async () => {
    const t = await createTestDb('postgres');
    try {
      assert.equal(await startCheckpointer(t.db, testLog), undefined);
    } finally {
      await t.close();
    }
  });

  it('no thread for an in-memory database', async () => {
    const { openDb } = await import('../../src/db/knex.js');
    const db = openDb('sqlite::memory:');
    try {
      assert.equal(await startCheckpointer(db, testLog), undefined);
    } finally {
      await db.destroy();
    }
  });
});
