import { dialectOf, type DbOrTx, type SqliteConnection } from '../knex.js';

/**
 * Reading stored calls for re-rating (recalculation, tariff comparison) and writing their new
 * classification and cost back. Keyset pages by id, so any number of calls stays in bounded memory.
 */

/** What re-rating reads of a stored call. */
export interface StoredCallFacts {
  id: number;
  site_id: number;
  direction: string;
  user_id: number | null;
  extension: string;
  partition: string;
  dialed_number: string;
  remote_number: string;
  gateway: string;
  start_at: number;
  duration_s: number;
  answered: boolean;
  account_code: string;
}

/** The columns re-rating writes. */
export const RATING_COLUMNS = [
  'user_id', 'remote_number', 'dialed_number', 'destination_type', 'nation', 'area', 'cost', 'currency', 'carrier', 'tariff_code',
  'cost_center', 'account_name',
] as const;
export type RatingColumn = (typeof RATING_COLUMNS)[number];
export type CallRatingUpdate = { id: number } & { [K in RatingColumn]: string | number | null };
export type StoredCall = StoredCallFacts & { [K in RatingColumn]: string | number | null };

/** One page of calls after `afterId`, by id, filtered by start time [from, to), site and direction. */
export async function listCallsForRating(options: {
  db: DbOrTx; afterId: number; limit: number; from?: number | undefined; to?: number | undefined; siteId?: number | undefined; outgoingOnly?: boolean;
}): Promise<StoredCall[]> {
  const { db, afterId, limit, from, to, siteId } = options;
  const q = db('calls').where('id', '>', afterId).orderBy('id').limit(limit).select(
    'id', 'site_id', 'direction', 'user_id', 'extension', 'partition', 'dialed_number', 'remote_number', 'gateway', 'start_at',
    'duration_s', 'answered', 'account_code', 'destination_type', 'nation', 'area', 'cost', 'currency', 'carrier', 'tariff_code',
    'cost_center', 'account_name',
  );
  if (from !== undefined) q.where('start_at', '>=', from);
  if (to !== undefined) q.where('start_at', '<', to);
  if (siteId !== undefined) q.where('site_id', siteId);
  if (options.outgoingOnly) q.whereIn('direction', ['outgoing', 'tandem']);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    ...(r as unknown as StoredCall),
    id: Number(r.id), site_id: Number(r.site_id), user_id: r.user_id === null ? null : Number(r.user_id), start_at: Number(r.start_at),
    duration_s: Number(r.duration_s), answered: Boolean(r.answered), cost: r.cost === null ? null : Number(r.cost),
  }));
}

const PG_TYPES: Record<RatingColumn, string> = {
  user_id: 'int', remote_number: 'text', dialed_number: 'text', destination_type: 'text', nation: 'text', area: 'text', cost: 'bigint',
  currency: 'text', carrier: 'text', tariff_code: 'text', cost_center: 'text', account_name: 'text',
};

interface TxClient<C> {
  acquireConnection(): Promise<C>;
  releaseConnection(c: C): Promise<void>;
}

/** Writes new rating columns of calls by id. Run it in the batch's transaction. */
export async function updateCallRatings(options: { db: DbOrTx; updates: readonly CallRatingUpdate[] }): Promise<void> {
  const { db, updates } = options;
  if (updates.length === 0) return;
  const dialect = dialectOf(db);
  if (dialect === 'sqlite') {
    // A prepared statement on the transaction's connection: knex's builder costs ~10x per row.
    const client = (db as unknown as { client: TxClient<SqliteConnection> }).client;
    const conn = await client.acquireConnection();
    try {
      const stmt = conn.prepare(`UPDATE calls SET ${RATING_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
      for (const u of updates) stmt.run(...RATING_COLUMNS.map((c) => u[c]), u.id);
    } finally {
      await client.releaseConnection(conn);
    }
    return;
  }
  if (dialect === 'postgres') {
    // One statement per batch: every column as one array, turned back into rows by unnest().
    const cols = RATING_COLUMNS.map((c, i) => `$${i + 2}::${PG_TYPES[c]}[]`).join(', ');
    const client = (db as unknown as { client: TxClient<{ query(text: string, values: unknown[]): Promise<unknown> }> }).client;
    const conn = await client.acquireConnection();
    try {
      await conn.query(
        `UPDATE calls AS c SET ${RATING_COLUMNS.map((c) => `${c} = v.${c}`).join(', ')} ` +
          `FROM unnest($1::bigint[], ${cols}) AS v(id, ${RATING_COLUMNS.join(', ')}) WHERE c.id = v.id`,
        [updates.map((u) => u.id), ...RATING_COLUMNS.map((c) => updates.map((u) => u[c]))],
      );
    } finally {
      await client.releaseConnection(conn);
    }
    return;
  }
  for (const u of updates) {
    const { id, ...values } = u;
    await db('calls').where({ id }).update(values);
  }
}

/** A recalculation's progress row. */
export interface RecalcJob {
  id: number;
  params: string;
  status: 'running' | 'done';
  lastCallId: number;
  processed: number;
  changed: number;
}

/** The unfinished recalculation with exactly these parameters, if any. */
export async function findRunningRecalc(options: { db: DbOrTx; params: string }): Promise<RecalcJob | undefined> {
  const row = await options.db('recalc_jobs').where({ params: options.params, status: 'running' }).orderBy('id', 'desc').first();
  return row ? toJob(row as Record<string, unknown>) : undefined;
}

export async function createRecalc(options: { db: DbOrTx; params: string; now: number }): Promise<RecalcJob> {
  const [row] = await options.db('recalc_jobs')
    .insert({ params: options.params, status: 'running', last_call_id: 0, processed: 0, changed: 0, started_at: options.now, updated_at: options.now })
    .returning('id');
  return { id: Number(typeof row === 'object' ? row.id : row), params: options.params, status: 'running', lastCallId: 0, processed: 0, changed: 0 };
}

/** Records a committed batch (in the batch's transaction, so progress and calls agree after a crash). */
export async function advanceRecalc(options: { db: DbOrTx; id: number; lastCallId: number; processed: number; changed: number; now: number; done?: boolean }): Promise<void> {
  const { db, id, lastCallId, processed, changed, now, done } = options;
  await db('recalc_jobs').where({ id }).update({
    last_call_id: lastCallId, processed, changed, updated_at: now, ...(done ? { status: 'done', finished_at: now } : {}),
  });
}

function toJob(r: Record<string, unknown>): RecalcJob {
  return {
    id: Number(r.id), params: String(r.params), status: r.status as RecalcJob['status'], lastCallId: Number(r.last_call_id),
    processed: Number(r.processed), changed: Number(r.changed),
  };
}
