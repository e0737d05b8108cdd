import type { DbDiscardedRow } from '../tables.js';
import { dialectOf, type DbOrTx } from '../knex.js';

/** Per statement: 12 columns × 150 rows stays below SQL Server's 2100 parameters. */
const ROWS_PER_STATEMENT = 150;

/**
 * Records discarded rows; a row already recorded for the same file, line and party is left as it
 * is (a file resumed after a crash replays its last uncommitted batch).
 */
export async function insertDiscarded(options: { db: DbOrTx; rows: readonly DbDiscardedRow[] }): Promise<void> {
  const { db, rows } = options;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    if (dialectOf(db) === 'mssql') {
      for (const row of chunk) {
        const exists = await db('discarded_rows').where({ cdr_file_id: row.cdr_file_id, line: row.line, party: row.party }).first('id');
        if (!exists) await db('discarded_rows').insert(row);
      }
    } else {
      await db('discarded_rows').insert(chunk).onConflict(['cdr_file_id', 'line', 'party']).ignore();
    }
  }
}
