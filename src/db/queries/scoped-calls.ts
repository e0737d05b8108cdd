import type { Knex } from 'knex';
import { maskDigits } from '../../rating/mask.js';
import { dialectOf, type DbOrTx } from '../knex.js';

/**
 * THE visibility rule of the portal, in one place: every query of calls made for a person (home,
 * call list, call detail, export, dashboard, summaries) starts from `scopedCalls`, which filters
 * by the viewer's permission level, and every row shown goes through `presentCall`, which masks
 * numbers by the site's privacy rule. Nothing else in the portal reads `calls`.
 *
 *  level 0  nothing
 *  level 2  the viewer's own calls
 *  level 6  own calls, plus calls of users sharing the viewer's department, cost centre or office
 *           location (the viewer's `scope`), plus users of the viewer's extra departments
 *  level 8  all calls;  level 10  all calls and administration
 *
 * Numbers of non-internal calls lose their last `privacy_digits` digits when the viewer's level
 * is below the site's `privacy_level`; a number filter then only matches the visible digits.
 */

export interface Viewer {
  id: number;
  level: number;
  scope: 'department' | 'cost_center' | 'office_location';
  department: string;
  cost_center: string;
  office_location: string;
  /** `;` separated. */
  extra_departments: string;
}

/** The calls a viewer may see, as `calls as c` joined to `sites as s` and `users as u`. */
export function scopedCalls(db: DbOrTx, viewer: Viewer): Knex.QueryBuilder {
  const q = db('calls as c').join('sites as s', 's.id', 'c.site_id').leftJoin('users as u', 'u.id', 'c.user_id');
  if (viewer.level >= 8) return q;
  if (viewer.level < 2) return q.whereRaw('1 = 0');
  if (viewer.level < 6) return q.where('c.user_id', viewer.id);
  const own = viewer[viewer.scope];
  const extra = viewer.extra_departments.split(';').map((d) => d.trim()).filter(Boolean);
  return q.where((w) => {
    w.where('c.user_id', viewer.id);
    if (own !== '') w.orWhere(`u.${viewer.scope}`, own);
    if (extra.length > 0) w.orWhereIn('u.department', extra);
  });
}

/** The columns of a call as the portal shows it (before `presentCall`). */
export const CALL_SELECT = [
  'c.id', 's.code as site', 'c.direction', 'c.answered', 'c.start_at', 'c.ring_s', 'c.duration_s', 'c.extension',
  'c.user_id', 'u.username as user', 'u.first_name', 'u.last_name', 'u.department', 'c.cost_center', 'c.remote_number',
  'c.dialed_number', 'c.destination_type', 'c.account_name', 'c.cost', 'c.currency', 'c.nation', 'c.area', 'c.carrier',
  's.privacy_digits', 's.privacy_level', 'c.redirected', 'c.transferred', 'c.conference',
] as const;

export type CallKind = 'incoming' | 'outgoing' | 'missed' | 'internal';

export interface PortalCall {
  id: number;
  site: string;
  direction: string;
  /** The icon of the home page: missed is an unanswered incoming call. */
  kind: CallKind;
  answered: boolean;
  startAt: string;
  ringS: number;
  durationS: number;
  extension: string;
  user: string | null;
  userName: string;
  department: string | null;
  costCenter: string;
  remoteNumber: string;
  dialedNumber: string;
  masked: boolean;
  destinationType: string;
  accountName: string;
  cost: number | null;
  currency: string | null;
  nation: string;
  area: string;
  carrier: string;
  redirected: boolean;
  transferred: boolean;
  conference: boolean;
}

/** How many digits of a row's numbers the viewer may not see (the site's privacy rule). */
export function masks(row: Record<string, unknown>, viewer: Pick<Viewer, 'level'>): number {
  const digits = Number(row.privacy_digits ?? 0);
  return row.direction !== 'internal' && digits > 0 && viewer.level < Number(row.privacy_level ?? 0) ? digits : 0;
}

/** A row of `CALL_SELECT` as shown to the viewer (numbers masked by the site's privacy rule). */
export function presentCall(row: Record<string, unknown>, viewer: Viewer): PortalCall {
  const n = masks(row, viewer);
  const direction = String(row.direction);
  const answered = Boolean(row.answered);
  return {
    id: Number(row.id),
    site: String(row.site),
    direction,
    kind: direction === 'internal' ? 'internal' : direction === 'incoming' ? (answered ? 'incoming' : 'missed') : 'outgoing',
    answered,
    startAt: new Date(Number(row.start_at) * 1000).toISOString(),
    ringS: Number(row.ring_s),
    durationS: Number(row.duration_s),
    extension: String(row.extension),
    user: (row.user as string | null) ?? null,
    userName: [row.first_name, row.last_name].filter((x) => typeof x === 'string' && x !== '').join(' '),
    department: (row.department as string | null) ?? null,
    costCenter: String(row.cost_center ?? ''),
    remoteNumber: maskDigits(String(row.remote_number), n),
    dialedNumber: maskDigits(String(row.dialed_number), n),
    masked: n > 0,
    destinationType: String(row.destination_type),
    accountName: String(row.account_name ?? ''),
    cost: row.cost === null || row.cost === undefined ? null : Number(row.cost),
    currency: (row.currency as string | null) ?? null,
    nation: String(row.nation ?? ''),
    area: String(row.area ?? ''),
    carrier: String(row.carrier ?? ''),
    redirected: Boolean(row.redirected),
    transferred: Boolean(row.transferred),
    conference: Boolean(row.conference),
  };
}

export interface CallFilter {
  /** Only the viewer's own calls (the home page), whatever the level. */
  ownOnly?: boolean;
  from?: number;
  to?: number;
  /** Digits (or part of them) of the remote or dialled number; matches only what the viewer may see. */
  number?: string;
  extension?: string;
  user?: string;
  department?: string;
  kind?: CallKind;
  destinationType?: string;
  site?: string;
  /** Only calls that cost something (Budget Control gadget). */
  costOnly?: boolean;
}

/** Adds a filter to a `scopedCalls` query. A number filter never matches masked digits. */
export function applyCallFilter(q: Knex.QueryBuilder, db: DbOrTx, viewer: Viewer, f: CallFilter): Knex.QueryBuilder {
  if (f.ownOnly) q.where('c.user_id', viewer.id);
  if (f.from !== undefined) q.where('c.start_at', '>=', f.from);
  if (f.to !== undefined) q.where('c.start_at', '<', f.to);
  if (f.extension) q.where('c.extension', f.extension);
  if (f.user) q.where('u.username', f.user);
  if (f.department) q.where('u.department', f.department);
  if (f.site) q.where('s.code', f.site);
  if (f.destinationType) q.where('c.destination_type', f.destinationType);
  if (f.costOnly) q.where('c.cost', '>', 0);
  if (f.kind === 'internal') q.where('c.direction', 'internal');
  else if (f.kind === 'outgoing') q.whereIn('c.direction', ['outgoing', 'tandem']);
  else if (f.kind === 'incoming') q.where({ 'c.direction': 'incoming' }).where('c.answered', true);
  else if (f.kind === 'missed') q.where({ 'c.direction': 'incoming' }).where('c.answered', false);
  if (f.number) {
    const like = `%${f.number.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
    const dialect = dialectOf(db);
    const len = dialect === 'mssql' ? 'LEN' : 'LENGTH';
    const sub = dialect === 'mssql' ? 'SUBSTRING' : 'SUBSTR';
    const esc = dialect === 'mssql' ? '' : " ESCAPE '\\'";
    // The visible part of a masked number is its first LENGTH - privacy_digits characters.
    const visible = (col: string) => `${sub}(${col}, 1, CASE WHEN ${len}(${col}) > s.privacy_digits THEN ${len}(${col}) - s.privacy_digits ELSE 0 END)`;
    q.where((w) => {
      w.where((plain) => {
        plain.where((m) => m.where('c.direction', 'internal').orWhere('s.privacy_digits', 0).orWhere('s.privacy_level', '<=', viewer.level))
          .andWhere((n) => n.whereRaw(`c.remote_number LIKE ?${esc}`, [like]).orWhereRaw(`c.dialed_number LIKE ?${esc}`, [like]));
      }).orWhere((masked) => {
        masked.whereNot('c.direction', 'internal').where('s.privacy_digits', '>', 0).where('s.privacy_level', '>', viewer.level)
          .andWhere((n) => n.whereRaw(`${visible('c.remote_number')} LIKE ?${esc}`, [like]).orWhereRaw(`${visible('c.dialed_number')} LIKE ?${esc}`, [like]));
      });
    });
  }
  return q;
}

/** One page of visible calls, newest first (keyset on id: `before` is the last id of the previous page). */
export async function listScopedCalls(options: {
  db: DbOrTx; viewer: Viewer; filter: CallFilter; limit: number; before?: number;
}): Promise<PortalCall[]> {
  const { db, viewer, filter, limit, before } = options;
  const q = applyCallFilter(scopedCalls(db, viewer), db, viewer, filter).select(...CALL_SELECT).orderBy('c.start_at', 'desc').orderBy('c.id', 'desc').limit(limit);
  if (before !== undefined) {
    const anchor = await scopedCalls(db, viewer).where('c.id', before).first('c.start_at');
    if (anchor) {
      const t = Number(anchor.start_at);
      // The plain `start_at <= t` bound lets the start_at indexes range-scan; the OR alone would not.
      q.where('c.start_at', '<=', t).where((w) => w.where('c.start_at', '<', t).orWhere('c.id', '<', before));
    }
  }
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => presentCall(r, viewer));
}

/** One visible call by id, or undefined when it does not exist or the viewer may not see it. */
export async function findScopedCall(options: { db: DbOrTx; viewer: Viewer; id: number }): Promise<PortalCall | undefined> {
  const { db, viewer, id } = options;
  const row = (await scopedCalls(db, viewer).where('c.id', id).first(...CALL_SELECT)) as Record<string, unknown> | undefined;
  return row ? presentCall(row, viewer) : undefined;
}

export interface CallSummary {
  calls: number;
  /** Cost per currency, integer minor units. */
  cost: Array<{ currency: string; amount: number }>;
  avgDurationS: number;
  avgRingS: number;
}

/** Totals of the visible calls matching a filter (home page: this month; own calls). */
export async function summarizeScopedCalls(options: { db: DbOrTx; viewer: Viewer; filter: CallFilter }): Promise<CallSummary> {
  const { db, viewer, filter } = options;
  const rows = (await applyCallFilter(scopedCalls(db, viewer), db, viewer, filter)
    .groupBy('c.currency')
    .select('c.currency')
    .count({ n: '*' })
    .sum({ cost: 'c.cost', dur: 'c.duration_s', ring: 'c.ring_s' })
    .select(db.raw('SUM(CASE WHEN c.answered = ? THEN 1 ELSE 0 END) as answered', [true]))) as Array<Record<string, unknown>>;
  let calls = 0;
  let answered = 0;
  let dur = 0;
  let ring = 0;
  const cost: CallSummary['cost'] = [];
  for (const r of rows) {
    calls += Number(r.n);
    answered += Number(r.answered ?? 0);
    dur += Number(r.dur ?? 0);
    ring += Number(r.ring ?? 0);
    if (r.currency) cost.push({ currency: String(r.currency), amount: Number(r.cost ?? 0) });
  }
  return { calls, cost, avgDurationS: answered > 0 ? Math.round(dur / answered) : 0, avgRingS: calls > 0 ? Math.round(ring / calls) : 0 };
}

/** How many visible calls match a filter. */
export async function countScopedCalls(options: { db: DbOrTx; viewer: Viewer; filter: CallFilter }): Promise<number> {
  const { db, viewer, filter } = options;
  const row = await applyCallFilter(scopedCalls(db, viewer), db, viewer, filter).count({ n: '*' }).first();
  return Number((row as { n?: unknown } | undefined)?.n ?? 0);
}

/** What a dashboard widget groups visible calls by (dates and hours: local, by the offsets given). */
export type CallGrouping = 'area' | 'extension' | 'department' | 'destination' | 'date' | 'hour';
export type CallMeasure = 'cost' | 'duration' | 'count';

const GROUP_SQL: Record<CallGrouping, string> = {
  area: "COALESCE(NULLIF(c.area, ''), NULLIF(c.nation, ''), c.destination_type)",
  extension: 'c.extension',
  department: "COALESCE(u.department, '')",
  destination: 'c.destination_type',
  date: '({local} / 86400)',
  hour: '(({local} % 86400) / 3600)',
};

/** SQL of a call's local time in epoch seconds: start_at plus the UTC offset of its span. */
export function localStartSql(offsets: ReadonlyArray<{ from: number; offset: number }>): string {
  // Whole numbers computed by the server (not input), so they are written into the SQL.
  const int = (n: number) => String(Math.trunc(Number(n)));
  if (offsets.length <= 1) return `(c.start_at + ${int(offsets[0]?.offset ?? 0)})`;
  const cases = [...offsets].reverse().map((o) => `WHEN c.start_at >= ${int(o.from)} THEN ${int(o.offset)}`).join(' ');
  return `(c.start_at + CASE ${cases} ELSE ${int(offsets[0]!.offset)} END)`;
}

export interface CallGroup {
  key: string;
  calls: number;
  answered: number;
  /** Per currency when the measure is cost (integer minor units); otherwise one entry with currency ''. */
  value: number;
  currency: string;
}

/**
 * Visible calls grouped for a dashboard widget: count, answered calls and the measure per group,
 * ordered by the measure (largest first) or by the key for dates and hours. Goes through
 * `scopedCalls` like every other call query.
 */
export async function groupScopedCalls(options: {
  db: DbOrTx; viewer: Viewer; filter: CallFilter; groupBy: CallGrouping; measure: CallMeasure; limit: number;
  /** UTC offsets of the viewer's zone over the filter's period (`offsetSpans`); none: UTC. */
  offsets?: ReadonlyArray<{ from: number; offset: number }>;
}): Promise<CallGroup[]> {
  const { db, viewer, filter, groupBy, measure, limit } = options;
  const key = GROUP_SQL[groupBy].replace('{local}', localStartSql(options.offsets ?? []));
  const q = applyCallFilter(scopedCalls(db, viewer), db, viewer, filter);
  const byCurrency = measure === 'cost';
  q.select(db.raw(`${key} as k`))
    .count({ n: '*' })
    .select(db.raw('SUM(CASE WHEN c.answered = ? THEN 1 ELSE 0 END) as answered', [true]))
    .groupByRaw(byCurrency ? `${key}, c.currency` : key);
  if (measure === 'cost') q.select('c.currency').sum({ v: 'c.cost' }).whereNotNull('c.cost');
  else if (measure === 'duration') q.sum({ v: 'c.duration_s' });
  const ordered = groupBy === 'date' || groupBy === 'hour';
  if (ordered) q.orderByRaw(`${key} ASC`);
  else q.orderByRaw(measure === 'count' ? 'COUNT(*) DESC' : measure === 'cost' ? 'SUM(c.cost) DESC' : 'SUM(c.duration_s) DESC');
  q.limit(ordered ? 1000 : limit);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const raw = r.k;
    const k = groupBy === 'date' ? new Date(Number(raw) * 86400_000).toISOString().slice(0, 10) : groupBy === 'hour' ? String(Number(raw)).padStart(2, '0') : String(raw ?? '');
    return {
      key: k, calls: Number(r.n), answered: Number(r.answered ?? 0),
      value: measure === 'count' ? Number(r.n) : Number(r.v ?? 0), currency: measure === 'cost' ? String(r.currency ?? '') : '',
    };
  });
}
