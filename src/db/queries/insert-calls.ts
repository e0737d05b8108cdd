import { CALL_BOOLEANS, CALL_COLUMNS, CALL_WIDTH } from '../tables.js';
import { dialectOf, type DbOrTx, type SqliteConnection } from '../knex.js';

/** PostgreSQL types of CALL_COLUMNS, in order, for the unnest() insert. */
const PG_TYPES: Record<(typeof CALL_COLUMNS)[number], string> = {
  site_id: 'int', cluster_id: 'text', gcid: 'bigint', pkid: 'text', party: 'smallint', direction: 'text', answered: 'boolean',
  start_at: 'bigint', ring_s: 'int', duration_s: 'int', extension: 'text', partition: 'text', user_id: 'int', remote_number: 'text',
  dialed_number: 'text', gateway: 'text', destination_type: 'text', account_code: 'text', orig_cause: 'bigint', dest_cause: 'bigint',
  last_redirect_dn: 'text', redirected: 'boolean', transferred: 'boolean', conference: 'boolean', trunk_leg: 'bigint', cost: 'bigint',
  currency: 'text', cdr_file_id: 'int', cdr_line: 'int',
};
const PG_INSERT =
  `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) SELECT * FROM unnest(${CALL_COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c]}[]`).join(', ')}) ` +
  'ON CONFLICT (cluster_id, gcid, pkid, party) DO NOTHING';

interface PgConnection {
  query(text: string, values: unknown[]): Promise<{ rowCount: number | null }>;
}
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
    // One statement per batch: each column travels as one array parameter and unnest() turns them
    // back into rows (measured 3x faster than a multi-row VALUES insert). Arrays must reach pg as
    // single parameters, which knex.raw would expand, so the query goes to the transaction's own
    // connection.
    const client = (db as unknown as { client: { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> } }).client;
    const conn = await client.acquireConnection();
    try {
      const columns = CALL_COLUMNS.map((_, c) => {
        const col = new Array<unknown>(total);
        for (let r = 0; r < total; r++) col[r] = values[r * CALL_WIDTH + c];
        return col;
      });
      const result = await conn.query(PG_INSERT, columns);
      return result.rowCount ?? 0;
    } finally {
      await client.releaseConnection(conn);
    }
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
