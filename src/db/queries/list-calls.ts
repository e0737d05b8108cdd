import type { DbOrTx } from '../knex.js';

/** One stored call as exported by `tollgate calls` (documented in the README). */
export interface CallExportRow {
  id: number;
  site: string;
  direction: string;
  answered: boolean;
  start_at: number;
  ring_s: number;
  duration_s: number;
  extension: string;
  partition: string;
  user: string | null;
  department: string | null;
  cost_center: string;
  remote_number: string;
  dialed_number: string;
  gateway: string;
  destination_type: string;
  account_code: string;
  /** The account code as shown ('' when the code is not in the table). */
  account_name: string;
  cost: number | null;
  currency: string | null;
  nation: string;
  area: string;
  carrier: string;
  tariff_code: string;
  /** The site's privacy rule: digits to mask for viewers below `privacy_level`. */
  privacy_digits: number;
  privacy_level: number;
  redirected: boolean;
  transferred: boolean;
  conference: boolean;
  cluster_id: string;
  cdr_pkid: string;
  party: number;
  cdr_file: string;
  cdr_line: number;
}

/**
 * One page of calls after `afterId` (keyset pagination, so an export of millions of calls never
 * holds more than a page), filtered by start time [from, to) and site code.
 */
export async function listCallsPage(options: {
  db: DbOrTx; afterId: number; limit: number; from?: number; to?: number; siteCode?: string;
}): Promise<CallExportRow[]> {
  const { db, afterId, limit, from, to, siteCode } = options;
  const q = db('calls as c')
    .join('sites as s', 's.id', 'c.site_id')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .join('cdr_files as f', 'f.id', 'c.cdr_file_id')
    .where('c.id', '>', afterId)
    .orderBy('c.id')
    .limit(limit)
    .select(
      'c.id', 's.code as site', 'c.direction', 'c.answered', 'c.start_at', 'c.ring_s', 'c.duration_s', 'c.extension',
      'c.partition', 'u.username as user', 'u.department', 'c.cost_center', 'c.remote_number', 'c.dialed_number', 'c.gateway',
      'c.destination_type', 'c.account_code', 'c.account_name', 'c.cost', 'c.currency', 'c.nation', 'c.area', 'c.carrier', 'c.tariff_code',
      's.privacy_digits', 's.privacy_level', 'c.redirected', 'c.transferred', 'c.conference',
      'c.cluster_id', 'c.pkid as cdr_pkid', 'c.party', 'f.name as cdr_file', 'c.cdr_line',
    );
  if (from !== undefined) q.where('c.start_at', '>=', from);
  if (to !== undefined) q.where('c.start_at', '<', to);
  if (siteCode !== undefined) q.where('s.code', siteCode);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    ...(r as unknown as CallExportRow),
    id: Number(r.id),
    start_at: Number(r.start_at),
    cost: r.cost === null ? null : Number(r.cost),
    privacy_digits: Number(r.privacy_digits),
    privacy_level: Number(r.privacy_level),
    answered: Boolean(r.answered),
    redirected: Boolean(r.redirected),
    transferred: Boolean(r.transferred),
    conference: Boolean(r.conference),
  }));
}
