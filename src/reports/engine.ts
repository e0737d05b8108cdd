import type { Knex } from 'knex';
import { periodAt } from '../budget/period.js';
import { localStartSql, masks, scopedCalls, type Viewer } from '../db/queries/scoped-calls.js';
import { maskDigits } from '../rating/mask.js';
import { offsetSpans } from '../time/zone.js';
import { localTime } from './output.js';
import type { DbKind } from '../config.js';
import { dialectOf, type Db } from '../db/knex.js';
import { UsageError } from '../errors.js';
import { findReport, REPORTS, type GroupedReport, type ListReport, type ReportDef } from './catalogue.js';
import { answeredExpr, FIELDS, MEASURES, type FieldType, type MeasureKey } from './fields.js';
import { OPERATORS_BY_TYPE, parseReportOptions, resolvePeriod, type Condition, type ReportOptions } from './options.js';

/**
 * Runs a report definition: compiles its options to one knex query (filters and conditions as
 * bound parameters, column names only from the field catalogue), for SQLite, PostgreSQL and SQL
 * Server. List reports stream page by page (keyset on start time and id); grouped reports are one
 * GROUP BY plus one totals query. With a `viewer`, every query starts from the portal's `scopedCalls`.
 */

export interface Column {
  key: string;
  label: string;
  type: FieldType;
}

export type Row = Record<string, string | number | null>;

export interface ReportResult {
  report: ReportDef;
  options: ReportOptions;
  period: { from: number; to: number; label: string };
  columns: Column[];
  rows: AsyncIterable<Row>;
  /** Grouped reports: the totals of every row matched (not only the rows shown). */
  totals: Row | null;
  /** Human-readable filters, for titles, PDF headers and the [[FILTER]] placeholder. */
  filterSummary: string[];
}

/**
 * A portal viewer: the calls come from `scopedCalls` (the one permission filter of the portal) and
 * numbers are masked by each site's privacy rule at the viewer's level.
 */
export type ReportViewer = Viewer;

const MASKED_FIELDS = new Set(['remote_number', 'dialed_number']);

const PAGE = 5000;
const MAX_BUCKETS = 400;

/** The catalogue as the APIs show it; list reports name their default columns. */
export function listReports(): Array<Pick<ReportDef, 'id' | 'group' | 'title' | 'description' | 'kind' | 'chart' | 'defaults'> & { fields?: string[] }> {
  return REPORTS.map(({ id, group, title, description, kind, chart, defaults, ...rest }) => ({
    id, group, title, description, kind, chart, defaults, ...('fields' in rest ? { fields: [...rest.fields] } : {}),
  }));
}

export async function runReport(options: { db: Db; report: string; options: unknown; now?: number; viewer?: ReportViewer }): Promise<ReportResult> {
  const def = findReport(options.report);
  if (!def) throw new UsageError(`no report ${JSON.stringify(options.report)} (reports: ${REPORTS.map((r) => r.id).join(', ')})`);
  let o: ReportOptions;
  let period: ReportResult['period'];
  try {
    o = parseReportOptions({ ...def.defaults, ...(options.options as object) });
    period = resolvePeriod(o, options.now ?? Math.floor(Date.now() / 1000));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const d = dialectOf(options.db);
  // Conditions are checked now, so that a bad one fails here and not in the middle of a stream.
  const conditions = o.conditions.map((c) => condition(c, d));
  const viewer = options.viewer;
  const from = () => (viewer ? scopedCalls(options.db, viewer) : options.db('calls as c').leftJoin('users as u', 'u.id', 'c.user_id').join('sites as s', 's.id', 'c.site_id'));
  const base = () => filtered(from(), o, period, d, conditions);
  const summary = describeFilters(def, o, period);
  return def.kind === 'list' ? listReport(def, o, period, base, d, summary, viewer) : groupedReport(def, o, period, base, d, summary, viewer);
}

/** The list options: which column each filters and how the filter summary names it. */
const LIST_FILTERS = [
  { option: 'sites', column: 's.code', label: 'Sites' },
  { option: 'gateways', column: 'c.gateway', label: 'Gateways' },
  { option: 'extensions', column: 'c.extension', label: 'Extensions' },
  { option: 'departments', column: 'u.department', label: 'Departments' },
  { option: 'costCenters', column: 'c.cost_center', label: 'Cost centres' },
  { option: 'users', column: 'u.username', label: 'Users' },
  { option: 'destinationTypes', column: 'c.destination_type', label: 'Destination types' },
] as const satisfies ReadonlyArray<{ option: keyof ReportOptions; column: string; label: string }>;

function filtered(q: Knex.QueryBuilder, o: ReportOptions, period: { from: number; to: number }, d: DbKind, conditions: Array<[string, string | number | boolean]>): Knex.QueryBuilder {
  q.where('c.start_at', '>=', period.from).where('c.start_at', '<', period.to);
  if (o.traffic === 'internal') q.where('c.direction', 'internal');
  if (o.traffic === 'external') q.whereNot('c.direction', 'internal');
  if (o.direction) q.where('c.direction', o.direction);
  if (o.answered !== undefined) q.whereRaw(o.answered ? answeredExpr(d) : `NOT (${answeredExpr(d)})`);
  for (const f of LIST_FILTERS) if (o[f.option].length > 0) q.whereIn(f.column, o[f.option]);
  if (conditions.length > 0) {
    q.where((w) => {
      for (const [sql, value] of conditions) {
        if (o.match === 'any') w.orWhereRaw(sql, [value]);
        else w.whereRaw(sql, [value]);
      }
    });
  }
  return q;
}

const LIKE_ESCAPE = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** One condition as SQL with one bound value; the value is checked against the field's type. */
function condition(c: Condition, d: DbKind): [string, string | number | boolean] {
  const f = FIELDS[c.field]!;
  const expr = f.sql(d);
  const raw = String(c.value);
  let value: string | number | boolean = raw;
  if (f.type === 'int' || f.type === 'money') {
    value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`condition on ${c.field}: ${JSON.stringify(raw)} is not a number`);
  } else if (f.type === 'datetime') {
    const t = Date.parse(raw);
    if (!Number.isFinite(t)) throw new UsageError(`condition on ${c.field}: ${JSON.stringify(raw)} is not an ISO date-time`);
    value = Math.floor(t / 1000);
  } else if (f.type === 'bool') {
    if (!/^(true|false|1|0|yes|no)$/i.test(raw)) throw new UsageError(`condition on ${c.field}: ${JSON.stringify(raw)} is not true or false`);
    value = /^(true|1|yes)$/i.test(raw) ? 1 : 0;
  }
  if (!OPERATORS_BY_TYPE[f.type].includes(c.op)) {
    throw new UsageError(`condition on ${c.field}: ${c.op} does not apply to a ${f.type} field (use ${OPERATORS_BY_TYPE[f.type].join(', ')})`);
  }
  switch (c.op) {
    case 'eq': return [`${expr} = ?`, value];
    case 'ne': return [`${expr} <> ?`, value];
    case 'lt': return [`${expr} < ?`, value];
    case 'le': return [`${expr} <= ?`, value];
    case 'gt': return [`${expr} > ?`, value];
    case 'ge': return [`${expr} >= ?`, value];
    case 'contains': return [`${expr} LIKE ? ESCAPE '\\'`, `%${LIKE_ESCAPE(raw)}%`];
    case 'starts': return [`${expr} LIKE ? ESCAPE '\\'`, `${LIKE_ESCAPE(raw)}%`];
    case 'ends': return [`${expr} LIKE ? ESCAPE '\\'`, `%${LIKE_ESCAPE(raw)}`];
  }
}

function fieldColumns(keys: readonly string[]): Column[] {
  return keys.map((k) => ({ key: k, label: FIELDS[k]!.label, type: FIELDS[k]!.type }));
}

function listReport(def: ListReport, o: ReportOptions, period: ReportResult['period'], base: () => Knex.QueryBuilder, d: DbKind, filterSummary: string[], viewer?: ReportViewer): ReportResult {
  const keys = o.fields ?? def.fields;
  // Money needs its currency: fetched even when the column is not shown.
  const selected = [...new Set([...keys, ...(keys.includes('cost') ? ['currency'] : [])])];
  const max = o.maxRows ?? 1_000_000;
  const dir = def.newestFirst ? 'desc' : 'asc';
  async function* rows(): AsyncIterable<Row> {
    let sent = 0;
    let after: { t: number; id: number } | null = null;
    while (sent < max) {
      const q = base();
      q.select('c.id as __id', 'c.start_at as __t', 's.privacy_digits', 's.privacy_level', 'c.direction as direction', ...selected.filter((k) => k !== 'direction').map((k) => q.client.raw(`${FIELDS[k]!.sql(d)} as ??`, [k])))
        .orderBy([{ column: 'c.start_at', order: dir }, { column: 'c.id', order: dir }]).limit(Math.min(PAGE, max - sent));
      if (after) {
        const a = after;
        // (start, id) after the last row, written so that the start_at index bounds the scan.
        if (dir === 'asc') q.where('c.start_at', '>=', a.t).where((w) => w.where('c.start_at', '>', a.t).orWhere('c.id', '>', a.id));
        else q.where('c.start_at', '<=', a.t).where((w) => w.where('c.start_at', '<', a.t).orWhere('c.id', '<', a.id));
      }
      const page = (await q) as Array<Record<string, unknown>>;
      for (const r of page) {
        const out: Row = {};
        const hide = viewer ? masks(r, viewer) : 0;
        for (const k of selected) out[k] = hide > 0 && MASKED_FIELDS.has(k) ? maskDigits(String(r[k]), hide) : value(r[k], FIELDS[k]!.type);
        yield out;
      }
      sent += page.length;
      const last = page[page.length - 1];
      if (!last || page.length < PAGE) break;
      after = { t: Number(last.__t), id: Number(last.__id) };
    }
  }
  return { report: def, options: o, period, columns: fieldColumns(keys), rows: rows(), totals: null, filterSummary };
}

function value(v: unknown, type: FieldType): string | number | null {
  if (v === null || v === undefined) return null;
  if (type === 'int' || type === 'money' || type === 'datetime') return Number(v);
  if (type === 'bool') return v === true || Number(v) === 1 ? 1 : 0;
  return String(v);
}

/** Bucket starts (day, week or month in the zone) covering [from, to). */
function buckets(o: ReportOptions, from: number, to: number): number[] {
  const rule = { period: o.interval === 'day' ? 'daily' : o.interval === 'week' ? 'weekly' : 'monthly', weekStart: o.weekStart, timezone: o.timezone } as const;
  const starts: number[] = [];
  for (let p = periodAt(rule, from); p.start < to; p = periodAt(rule, p.end)) {
    starts.push(p.start);
    if (starts.length > MAX_BUCKETS) throw new UsageError(`the period holds more than ${MAX_BUCKETS} ${o.interval}s: choose a larger interval or a shorter period`);
  }
  return starts;
}

async function groupedReport(def: GroupedReport, o: ReportOptions, period: ReportResult['period'], base: () => Knex.QueryBuilder, d: DbKind, filterSummary: string[], viewer?: ReportViewer): Promise<ReportResult> {
  const keys = typeof def.groupBy === 'function' ? def.groupBy(o) : def.groupBy;
  const exprs = new Map<string, string>();
  const columns: Column[] = [];
  let bucketStarts: number[] = [];
  for (const k of keys) {
    if (k === 'hour') {
      exprs.set(k, `(${localStartSql(offsetSpans(o.timezone, period.from, period.to))} % 86400) / 3600`);
      columns.push({ key: k, label: 'Hour', type: 'int' });
    } else if (k === 'bucket') {
      bucketStarts = buckets(o, period.from, period.to);
      exprs.set(k, `CASE ${bucketStarts.slice(1).map((b, i) => `WHEN c.start_at < ${b} THEN ${i}`).join(' ')} ELSE ${bucketStarts.length - 1} END`);
      columns.push({ key: k, label: o.interval === 'day' ? 'Day' : o.interval === 'week' ? 'Week of' : 'Month', type: 'text' });
    } else {
      exprs.set(k, FIELDS[k]!.sql(d));
      columns.push(...fieldColumns([k]));
    }
  }
  const measures = def.measures;
  const money = measures.includes('cost');
  if (money) exprs.set('currency', 'c.currency');
  for (const m of measures) columns.push({ key: m, label: MEASURES[m].label, type: MEASURES[m].type as FieldType });
  if (money) columns.push({ key: 'currency', label: 'Currency', type: 'text' });

  // A viewer who may not see every digit groups numbers by what is shown: the privacy rule joins the keys.
  const maskKeys = viewer !== undefined && keys.some((k) => MASKED_FIELDS.has(k));
  if (maskKeys) {
    exprs.set('privacy_digits', 's.privacy_digits');
    exprs.set('privacy_level', 's.privacy_level');
    exprs.set('direction', 'c.direction');
  }
  const q = base();
  const client = q.client;
  for (const [k, e] of exprs) q.select(client.raw(`${e} as ??`, [k])).groupByRaw(e);
  for (const m of measures) q.select(client.raw(`${MEASURES[m].sql(d)} as ??`, [m]));
  if (def.sortBy === 'keys') for (const e of exprs.values()) q.orderByRaw(e);
  else q.orderByRaw(`${MEASURES[def.sortBy as MeasureKey].sql(d)} DESC`).orderByRaw([...exprs.values()][0]!);
  q.limit(o.maxRows ?? 10_000);
  const raw = (await q) as Array<Record<string, unknown>>;
  const day = (t: number) => new Date(t * 1000).toLocaleDateString('en-CA', { timeZone: o.timezone, year: 'numeric', month: '2-digit', day: o.interval === 'month' ? undefined : '2-digit' });
  const rows: Row[] = raw.map((r) => {
    const out: Row = {};
    const hide = maskKeys ? masks(r, viewer!) : 0;
    for (const c of columns) {
      if (c.key === 'bucket') out.bucket = day(bucketStarts[Number(r.bucket)]!);
      else out[c.key] = hide > 0 && MASKED_FIELDS.has(c.key) ? maskDigits(String(r[c.key]), hide) : value(r[c.key], c.type);
    }
    return out;
  });
  // Totals of everything matched, per currency when there is money.
  const tq = base();
  for (const m of measures) tq.select(client.raw(`${MEASURES[m].sql(d)} as ??`, [m]));
  if (money) tq.select('c.currency as currency').groupBy('c.currency');
  const totalRows = (await tq) as Array<Record<string, unknown>>;
  let totals: Row | null = null;
  if (totalRows.length > 0) {
    totals = {};
    for (const m of measures) {
      // Sums add up across currencies; an average or a maximum only exists for one group.
      const vals = totalRows.map((r) => Number(r[m] ?? 0));
      totals[m] = m.startsWith('avg_') || m.startsWith('max_') ? (totalRows.length === 1 ? vals[0]! : null) : vals.reduce((a, b) => a + b, 0);
    }
    const currencies = totalRows.map((r) => r.currency).filter((c) => c !== null && c !== undefined);
    if (money) totals.currency = currencies.length === 1 ? String(currencies[0]) : currencies.length === 0 ? null : 'mixed';
    if (money && currencies.length > 1) totals.cost = null;
  }
  return { report: def, options: o, period, columns, rows: (async function* () { yield* rows; })(), totals, filterSummary };
}

function describeFilters(def: ReportDef, o: ReportOptions, period: { from: number; to: number; label: string }): string[] {
  const fmt = (t: number) => localTime(t, o.timezone).slice(0, 16);
  const out = [`Period: ${period.label} (${fmt(period.from)} to ${fmt(period.to)}, ${o.timezone})`];
  if (o.traffic) out.push(`Traffic: ${o.traffic}`);
  if (o.direction) out.push(`Direction: ${o.direction}`);
  if (o.answered !== undefined) out.push(o.answered ? 'Answered calls' : 'Unanswered calls');
  for (const f of LIST_FILTERS) if (o[f.option].length > 0) out.push(`${f.label}: ${o[f.option].join(', ')}`);
  if (o.conditions.length > 0) out.push(`Conditions (${o.match}): ${o.conditions.map((c) => `${c.field} ${c.op} ${String(c.value)}`).join(o.match === 'any' ? ' OR ' : ' AND ')}`);
  if (def.kind === 'grouped' && def.id === 'trend') out.push(`By ${o.interval}`);
  return out;
}
