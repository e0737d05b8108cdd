import { CALL_BOOLEANS, CALL_COLUMNS, CALL_WIDTH } from '../tables.js';
import { dialectOf, type DbOrTx, type SqliteConnection } from '../knex.js';

/** Rows per multi-row INSERT on PostgreSQL: 29 columns × 1000 stays far below pg's 65535 parameters. */
const PG_ROWS_PER_STATEMENT = 1000;
/** SQL Server takes at most 2100 parameters a statement: 29 columns × 70 rows. */
const MSSQL_ROWS_PER_STATEMENT = 70;

const statements = new WeakMap<object, Map<number, ReturnType<SqliteConnection['prepare']>>>();
/** Rows per multi-row INSERT on SQLite: fewer statement steps; 29 × 100 params is far below SQLite's 32766. */
const SQLITE_ROWS_PER_STATEMENT = 100;

/**
 * Inserts calls given flat (`CALL_COLUMNS` order, `CALL_WIDTH` values a call; see `flattenCalls`),
 * ignoring any whose key (cluster id, global call id, pkid, party) is stored already. Returns how
 * many were new. Run it inside the batch transaction. Flat arrays because they cross from the
 * parser thread as one JSON array, 2x cheaper than structured-cloning objects.
 */
export async function insertCalls(options: { db: DbOrTx; values: readonly unknown[] }): Promise<number> {
  const { db, values } = options;
  const total = values.length / CALL_WIDTH;
  if (total === 0) return 0;
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
      for (let i = 0; i < total; i += SQLITE_ROWS_PER_STATEMENT) {
        const n = Math.min(SQLITE_ROWS_PER_STATEMENT, total - i);
        const params = values.slice(i * CALL_WIDTH, (i + n) * CALL_WIDTH);
        for (let r = 0; r < n; r++) {
          for (const b of CALL_BOOLEANS) {
            const k = r * CALL_WIDTH + b;
            params[k] = params[k] ? 1 : 0;
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
    for (let i = 0; i < total; i += PG_ROWS_PER_STATEMENT) {
      const n = Math.min(PG_ROWS_PER_STATEMENT, total - i);
      const chunk = Array.from({ length: n }, (_, r) => rowObject(values, i + r));
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
  for (let i = 0; i < total; i += MSSQL_ROWS_PER_STATEMENT) {
    const n = Math.min(MSSQL_ROWS_PER_STATEMENT, total - i);
    const rowsSql = Array.from({ length: n }, () => `(${CALL_COLUMNS.map(() => '?').join(', ')})`).join(', ');
    const bindings = values.slice(i * CALL_WIDTH, (i + n) * CALL_WIDTH);
    const out = (await db.raw(
      `MERGE calls WITH (HOLDLOCK) AS t USING (VALUES ${rowsSql}) AS s (${cols}) ` +
        'ON t.cluster_id = s.cluster_id AND t.gcid = s.gcid AND t.pkid = s.pkid AND t.party = s.party ' +
        `WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${CALL_COLUMNS.map((c) => 's.' + c).join(', ')}) OUTPUT inserted.id;`,
      bindings as never[],
    )) as unknown[];
    inserted += out.length;
  }
  return inserted;
}

function rowObject(values: readonly unknown[], index: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const base = index * CALL_WIDTH;
  for (let c = 0; c < CALL_WIDTH; c++) o[CALL_COLUMNS[c]!] = values[base + c];
  return o;
}
