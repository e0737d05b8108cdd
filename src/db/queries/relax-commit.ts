import { dialectOf, type DbOrTx } from '../knex.js';

/**
 * On PostgreSQL, lets this transaction's COMMIT return before its WAL reaches the disk
 * (`synchronous_commit = off`, for this transaction only). Safe for the miner: a batch and the
 * checkpoint that records it commit together, so after a database crash either both are there or
 * neither is, and mining resumes from the checkpoint the database kept. No effect elsewhere.
 */
export async function relaxCommitDurability(options: { db: DbOrTx }): Promise<void> {
  if (dialectOf(options.db) === 'postgres') await options.db.raw('SET LOCAL synchronous_commit TO OFF');
}
