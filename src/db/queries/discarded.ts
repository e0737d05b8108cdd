import type { DbOrTx } from '../knex.js';
import type { DbDiscardedRow } from '../tables.js';

export interface DiscardedListRow {
  id: number;
  site: string;
  file: string;
  line: number;
  party: number;
  reason: string;
  detail: string;
  extension: string;
  pkid: string;
}

/** Discarded rows not yet resolved by a reprocess, newest file first. */
export async function listDiscarded(options: { db: DbOrTx; siteCode?: string; reason?: string; limit: number; includeResolved?: boolean }): Promise<DiscardedListRow[]> {
  const { db, siteCode, reason, limit, includeResolved } = options;
  const q = db('discarded_rows as d')
    .join('sites as s', 's.id', 'd.site_id')
    .join('cdr_files as f', 'f.id', 'd.cdr_file_id')
    .orderBy([{ column: 'd.cdr_file_id', order: 'desc' }, { column: 'd.line' }, { column: 'd.party' }])
    .limit(limit)
    .select('d.id', 's.code as site', 'f.name as file', 'd.line', 'd.party', 'd.reason', 'd.detail', 'd.extension', 'd.pkid');
  if (!includeResolved) q.whereNull('d.resolved_at');
  if (siteCode) q.where('s.code', siteCode);
  if (reason) q.where('d.reason', reason);
  return ((await q) as DiscardedListRow[]).map((r) => ({ ...r, id: Number(r.id) }));
}

/** Extensions seen in CDRs but not configured, with how many calls each had. */
export async function listUndefinedExtensions(options: { db: DbOrTx; siteCode?: string }): Promise<Array<{ site: string; extension: string; calls: number }>> {
  const q = options.db('discarded_rows as d')
    .join('sites as s', 's.id', 'd.site_id')
    .where('d.reason', 'extension-not-configured')
    .whereNull('d.resolved_at')
    .groupBy('s.code', 'd.extension')
    .orderBy([{ column: 'calls', order: 'desc' }, { column: 'd.extension' }])
    .select('s.code as site', 'd.extension')
    .count({ calls: '*' });
  if (options.siteCode) q.where('s.code', options.siteCode);
  return ((await q) as Array<{ site: string; extension: string; calls: number | string }>).map((r) => ({ ...r, calls: Number(r.calls) }));
}

/** A page of unresolved discarded rows to reprocess, with the layout of their file. */
export async function listDiscardedForReprocess(options: {
  db: DbOrTx; afterId: number; limit: number; siteId?: number; reasons: readonly string[];
}): Promise<Array<DbDiscardedRow & { id: number; layout: string | null; header: string | null; file_name: string }>> {
  const q = options.db('discarded_rows as d')
    .join('cdr_files as f', 'f.id', 'd.cdr_file_id')
    .whereNull('d.resolved_at')
    .whereIn('d.reason', options.reasons as string[])
    .where('d.id', '>', options.afterId)
    .orderBy('d.id')
    .limit(options.limit)
    .select('d.*', 'f.layout', 'f.header', 'f.name as file_name');
  if (options.siteId !== undefined) q.where('d.site_id', options.siteId);
  return ((await q) as Array<DbDiscardedRow & { id: number; layout: string | null; header: string | null; file_name: string }>).map((r) => ({ ...r, id: Number(r.id) }));
}

/** Marks discarded rows as resolved (a reprocess stored them). */
export async function markDiscardedResolved(options: { db: DbOrTx; ids: readonly number[]; at: number }): Promise<void> {
  for (let i = 0; i < options.ids.length; i += 500) {
    await options.db('discarded_rows').whereIn('id', options.ids.slice(i, i + 500) as number[]).update({ resolved_at: options.at });
  }
}

/** Updates the reason of a row that a reprocess discarded again for another reason. */
export async function updateDiscardReason(options: { db: DbOrTx; id: number; reason: string; detail: string }): Promise<void> {
  await options.db('discarded_rows').where({ id: options.id }).update({ reason: options.reason, detail: options.detail });
}
