import type { DbOrTx } from '../knex.js';
import type { DbLineLockRow, DbLockEventRow, LockChannel, LockReason } from '../tables.js';

/** A line: the partition (may be empty) and the extension of a directory number. */
export interface LineKey {
  partition: string;
  extension: string;
}

/** The row of one reason on one line, if that reason holds. */
export async function findLineLock(options: { db: DbOrTx; line: LineKey; reason: LockReason }): Promise<DbLineLockRow | undefined> {
  const { db, line, reason } = options;
  return db<DbLineLockRow>('line_locks').where({ partition: line.partition, extension: line.extension, reason }).first();
}

export async function insertLineLock(options: { db: DbOrTx; row: DbLineLockRow }): Promise<void> {
  await options.db('line_locks').insert(options.row);
}

export async function deleteLineLock(options: { db: DbOrTx; line: LineKey; reason: LockReason }): Promise<number> {
  const { db, line, reason } = options;
  return db('line_locks').where({ partition: line.partition, extension: line.extension, reason }).delete();
}

/** Every reason that holds, on every line or on the lines given. */
export async function listLineLocks(options: { db: DbOrTx; lines?: LineKey[] }): Promise<DbLineLockRow[]> {
  const { db, lines } = options;
  const q = db<DbLineLockRow>('line_locks');
  if (lines) {
    if (lines.length === 0) return [];
    q.where((w) => {
      for (const l of lines) w.orWhere({ partition: l.partition, extension: l.extension });
    });
  }
  return q.select();
}

/** Records one change in the history (and change feed); returns its id. */
export async function insertLockEvent(options: {
  db: DbOrTx; at: number; line: LineKey; reason: LockReason; locked: boolean; who: string; channel: LockChannel;
}): Promise<number> {
  const { db, at, line, reason, locked, who, channel } = options;
  const [row] = await db('lock_events')
    .insert({ at, partition: line.partition, extension: line.extension, reason, locked, who: who.slice(0, 128), channel })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** Changes with an id above `afterId`, oldest first: the feed the server polls. */
export async function listLockEventsAfter(options: { db: DbOrTx; afterId: number; limit: number }): Promise<DbLockEventRow[]> {
  const { db, afterId, limit } = options;
  return db<DbLockEventRow>('lock_events').where('id', '>', afterId).orderBy('id').limit(limit);
}

export async function maxLockEventId(options: { db: DbOrTx }): Promise<number> {
  const row = await options.db('lock_events').max({ m: 'id' }).first();
  return Number(row?.m ?? 0);
}

/** The history of one line, newest first. */
export async function listLineHistory(options: { db: DbOrTx; line: LineKey; limit: number }): Promise<DbLockEventRow[]> {
  const { db, line, limit } = options;
  return db<DbLockEventRow>('lock_events')
    .where({ extension: line.extension, partition: line.partition })
    .orderBy('id', 'desc')
    .limit(limit);
}
