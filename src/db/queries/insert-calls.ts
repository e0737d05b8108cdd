import { CALL_COLUMNS, type DbCallRow } from '../tables.js';
import { dialectOf, type DbOrTx, type SqliteConnection } from '../knex.js';

/** Rows per multi-row INSERT on PostgreSQL: 29 columns × 1000 stays far below pg's 65535 parameters. */
const PG_ROWS_PER_STATEMENT = 1000;
/** SQL Server takes at most 2100 parameters a statement: 29 columns × 70 rows. */
const MSSQL_ROWS_PER_STATEMENT = 70;

const statements = new WeakMap<object, Map<number, ReturnType<SqliteConnection['prepare']>>>();
/** Rows per multi-row INSERT on SQLite: fewer statement steps; 29 × 100 params is far below SQLite's 32766. */
const SQLITE_ROWS_PER_STATEMENT = 100;

/**
 * Inserts calls, ignoring any whose key (cluster id, global call id, pkid, party) is stored already.
 * Returns how many were new. Run it inside the batch transaction.
 */
export async function insertCalls(options: { db: DbOrTx; rows: readonly DbCallRow[] }): Promise<number> {
  const { db, rows } = options;
  if (rows.length === 0) return 0;
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') {
    // better-sqlite3 with one prepared statement is ~5x faster than knex's query builder here;
    // inside a transaction knex hands back the transaction's own connection.
    const client = (db as unknown as { client: { acquireConnection(): Promise<SqliteConnection>; releaseConnection(c: SqliteConnection): Promise<void> } }).client;
    const conn = await client.acquireConnection();
    try {
      let cache = statements.get(conn);
      if (!cache) {
        cache = new Map();
        statements.set(conn, cache);
      }
      const stmtFor = (n: number) => {
        let stmt = cache!.get(n);
        if (!stmt) {
          const one = `(${CALL_COLUMNS.map(() => '?').join(', ')})`;
          stmt = conn.prepare(`INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES ${Array(n).fill(one).join(', ')} ON CONFLICT DO NOTHING`);
          cache!.set(n, stmt);
        }
        return stmt;
      };
      let inserted = 0;
      const width = CALL_COLUMNS.length;
      for (let i = 0; i < rows.length; i += SQLITE_ROWS_PER_STATEMENT) {
        const n = Math.min(SQLITE_ROWS_PER_STATEMENT, rows.length - i);
        const params = new Array<unknown>(n * width);
        for (let r = 0; r < n; r++) {
          const row = rows[i + r]!;
          for (let c = 0; c < width; c++) {
            const v = row[CALL_COLUMNS[c]!];
            params[r * width + c] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
          }
        }
        inserted += stmtFor(n).run(...params).changes;
      }
      return inserted;
    } finally {
      await client.releaseConnection(conn);
    }
  }
  if (dialect === 'postgres') {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += PG_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + PG_ROWS_PER_STATEMENT).map(pick);
      const result = (await db('calls')
        .insert(chunk)
        .onConflict(['cluster_id', 'gcid', 'pkid', 'party'])
        .ignore()
        .returning('id')) as unknown[];
      inserted += result.length;
    }
    return inserted;
  }
  // SQL Server: knex has no onConflict().ignore() for mssql (knex #5646), so a MERGE that only
  // inserts the rows whose key is absent; OUTPUT lists the inserted ones.
  let inserted = 0;
  const cols = CALL_COLUMNS.join(', ');
  for (let i = 0; i < rows.length; i += MSSQL_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + MSSQL_ROWS_PER_STATEMENT);
    const values = chunk.map(() => `(${CALL_COLUMNS.map(() => '?').join(', ')})`).join(', ');
    const bindings = chunk.flatMap((r) => CALL_COLUMNS.map((c) => r[c] as unknown));
    const out = (await db.raw(
      `MERGE calls WITH (HOLDLOCK) AS t USING (VALUES ${values}) AS s (${cols}) ` +
        'ON t.cluster_id = s.cluster_id AND t.gcid = s.gcid AND t.pkid = s.pkid AND t.party = s.party ' +
        `WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${CALL_COLUMNS.map((c) => 's.' + c).join(', ')}) OUTPUT inserted.id;`,
      bindings as never[],
    )) as unknown[];
    inserted += out.length;
  }
  return inserted;
}

function pick(row: DbCallRow): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const c of CALL_COLUMNS) o[c] = row[c];
  return o;
}
