import { finished } from 'node:stream/promises';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { BATCH_COLUMNS, BATCH_WIDTH, CODED_COLUMNS, columnTexts, copyCall, copyTextOf, eachCall, NOT_NULL_TEXT_COLUMNS, type CallBatch } from '../call-batch.js';
import { dialectOf, type DbOrTx, type SqliteConnection } from '../knex.js';

/** SQL Server takes at most 2100 parameters a statement. */
const MSSQL_ROWS_PER_STATEMENT = Math.floor(2000 / BATCH_WIDTH);

/** PostgreSQL types of the columns, for the unnest() insert. */
const PG_TYPES: Record<string, string> = {
  site_id: 'int', cluster_id: 'text', gcid: 'bigint', pkid: 'text', party: 'smallint', direction: 'text', answered: 'boolean',
  start_at: 'bigint', ring_s: 'int', duration_s: 'int', extension: 'text', partition: 'text', user_id: 'int', remote_number: 'text',
  dialed_number: 'text', gateway: 'text', destination_type: 'text', account_code: 'text', orig_cause: 'bigint', dest_cause: 'bigint',
  last_redirect_dn: 'text', redirected: 'boolean', transferred: 'boolean', conference: 'boolean', trunk_leg: 'bigint', cost: 'bigint',
  currency: 'text', cdr_file_id: 'int', cdr_line: 'int', nation: 'text', area: 'text', carrier: 'text', tariff_code: 'text',
  cost_center: 'text', account_name: 'text',
};
// Booleans travel as 0/1; PostgreSQL reads '1'/'0' as boolean input, so the array casts below work.
// Each column as one delimited text, split on the server: node-postgres's escaping of JS arrays
// into array literals was the miner thread's main cost on PostgreSQL. A leading delimiter, cut
// off again by [2:], keeps a single empty value from becoming an empty array.
const PG_INSERT_TEXT =
  `INSERT INTO calls (${BATCH_COLUMNS.join(', ')}) SELECT * FROM unnest(${BATCH_COLUMNS.map((c, i) => `(string_to_array(chr(31) || $${i + 1}, chr(31), chr(30)))[2:]::${PG_TYPES[c]}[]`).join(', ')}) ` +
  'ON CONFLICT (cluster_id, gcid, pkid, party) DO NOTHING';
const PG_INSERT =
  `INSERT INTO calls (${BATCH_COLUMNS.join(', ')}) SELECT * FROM unnest(${BATCH_COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c]}[]`).join(', ')}) ` +
  'ON CONFLICT (cluster_id, gcid, pkid, party) DO NOTHING';

const PG_COPY = `COPY calls (${BATCH_COLUMNS.join(', ')}) FROM STDIN`;
/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  query(stream: CopyStreamQuery): CopyStreamQuery;
}
interface TxClient<C> {
  acquireConnection(): Promise<C>;
  releaseConnection(c: C): Promise<void>;
}

/**
 * One single-row INSERT per call on SQLite, prepared once per connection. A multi-row INSERT
 * (VALUES of 100 rows) inside the batch transaction opens a statement journal, which writes the
 * original of every page the statement changes to a temporary file: the one calls(user_id,
 * start_at) leaf page per user that each row touches made that about 1 GB per 200,000 calls,
 * twice what the WAL itself took. A single-row insert checks its constraints before it writes,
 * so it needs no statement journal; the extra statement steps cost less than those writes.
 */
const SQLITE_INSERT =
  `INSERT INTO calls (${BATCH_COLUMNS.join(', ')}) ` +
  // Empty texts are bound as null (see copyCall) and made '' again here; the dictionary-coded
  // texts are bound as their UTF-8 bytes, which CAST makes text again (see eachCall).
  `VALUES (${BATCH_COLUMNS.map((c) => {
    const value = CODED_COLUMNS.includes(c as never) ? 'CAST(? AS TEXT)' : '?';
    return NOT_NULL_TEXT_COLUMNS.includes(c) ? `coalesce(${value}, '')` : value;
  }).join(', ')}) ON CONFLICT DO NOTHING`;
const statements = new WeakMap<object, ReturnType<SqliteConnection['prepare']>>();

/**
 * Inserts a batch of calls, ignoring any whose key (cluster id, global call id, pkid, party) is
 * stored already. Returns how many were new. Run it inside the batch transaction: knex then
 * hands back the transaction's own connection, which SQLite and PostgreSQL use directly.
 */
export async function insertCalls(options: {
  db: DbOrTx;
  calls: CallBatch;
  /** PostgreSQL: the batch already in COPY's text format, as UTF-8 (made by the parser worker), used as it is. */
  copy?: Uint8Array;
}): Promise<number> {
  const { db, calls } = options;
  const total = calls.count;
  if (total === 0) return 0;
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') {
    // A prepared statement on the transaction's connection: ~5x faster than knex's query builder here.
    const client = (db as unknown as { client: TxClient<SqliteConnection> }).client;
    const conn = await client.acquireConnection();
    try {
      let stmt = statements.get(conn);
      if (!stmt) {
        stmt = conn.prepare(SQLITE_INSERT);
        statements.set(conn, stmt);
      }
      const run = stmt;
      let inserted = 0;
      eachCall(calls, true, (values) => {
        inserted += run.run(...values).changes;
      }, { codesAsUtf8: true });
      return inserted;
    } finally {
      await client.releaseConnection(conn);
    }
  }
  if (dialect === 'postgres') {
    // The transaction's own connection: COPY and array parameters need the driver itself.
    const client = (db as unknown as { client: TxClient<PgConnection> }).client;
    const conn = await client.acquireConnection();
    try {
      // First a COPY, the cheapest way in for the server (about 1.7x faster than the insert below),
      // in a savepoint: COPY cannot skip a row whose key is stored already, so a batch that holds
      // one is undone and goes through the INSERT … ON CONFLICT DO NOTHING below instead. A
      // conflicting row stops the COPY where it is, so a batch of repeats costs little.
      await conn.query('SAVEPOINT tollgate_copy');
      try {
        const stream = conn.query(copyFrom(PG_COPY));
        stream.end(options.copy ? Buffer.from(options.copy.buffer, options.copy.byteOffset, options.copy.byteLength) : copyTextOf(calls));
        await finished(stream);
        // No RELEASE: the savepoint ends with the transaction, and a round trip less counts here.
        return total;
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        await conn.query('ROLLBACK TO SAVEPOINT tollgate_copy');
      }
      // One statement: each column travels as one array parameter and unnest() turns them back
      // into rows (3x faster than a multi-row VALUES insert).
      const texts = columnTexts(calls);
      if (texts) return (await conn.query(PG_INSERT_TEXT, texts)).rowCount ?? 0;
      const row = new Array<unknown>(BATCH_WIDTH);
      const columns = BATCH_COLUMNS.map(() => new Array<unknown>(total));
      for (let r = 0; r < total; r++) {
        copyCall(calls, r, row, 0);
        for (let c = 0; c < BATCH_WIDTH; c++) columns[c]![r] = row[c];
      }
      const result = await conn.query(PG_INSERT, columns);
      return result.rowCount ?? 0;
    } finally {
      await client.releaseConnection(conn);
    }
  }
  // SQL Server: knex has no onConflict().ignore() for mssql (knex #5646), so a MERGE that only
  // inserts the rows whose key is absent; OUTPUT lists the inserted ones.
  let inserted = 0;
  const cols = BATCH_COLUMNS.join(', ');
  for (let i = 0; i < total; i += MSSQL_ROWS_PER_STATEMENT) {
    const n = Math.min(MSSQL_ROWS_PER_STATEMENT, total - i);
    const rowsSql = Array.from({ length: n }, () => `(${BATCH_COLUMNS.map(() => '?').join(', ')})`).join(', ');
    const bindings = new Array<unknown>(n * BATCH_WIDTH);
    for (let r = 0; r < n; r++) copyCall(calls, i + r, bindings, r * BATCH_WIDTH);
    const out = (await db.raw(
      `MERGE calls WITH (HOLDLOCK) AS t USING (VALUES ${rowsSql}) AS s (${cols}) ` +
        'ON t.cluster_id = s.cluster_id AND t.gcid = s.gcid AND t.pkid = s.pkid AND t.party = s.party ' +
        `WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${BATCH_COLUMNS.map((c) => 's.' + c).join(', ')}) OUTPUT inserted.id;`,
      bindings as never[],
    )) as unknown[];
    inserted += out.length;
  }
  return inserted;
}

