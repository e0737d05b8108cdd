import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { UsageError } from '../errors.js';
import { isCurrency, parseMinor } from '../rating/money.js';
import { runReport, type Column, type ReportResult, type Row } from './engine.js';
import { parseReportOptions, resolvePeriod } from './options.js';

/**
 * Alarms: scheduled checks that mail only when they find something. Each alarm runs a report
 * (through the same engine, filters and permission scope) and keeps the rows that break its rule.
 */

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM');
const hours = z.object({ days: z.array(z.enum(DAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']), from: hhmm.default('08:00'), to: hhmm.default('18:00') });

export const ALARM_TYPES = {
  'outside-hours': { title: 'Calls outside working hours', params: z.object({ hours: hours.default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }) }) },
  'listed-numbers': { title: 'Calls to listed numbers', params: z.object({ numbers: z.array(z.string().regex(/^\+?[0-9*#]{1,32}$/, 'a number or prefix is digits')).min(1) }) },
  'spend-over': {
    title: 'Spending over a limit',
    params: z.object({ by: z.enum(['user', 'department', 'cost_center']).default('user'), amount: z.string(), currency: z.string().refine(isCurrency, 'not an ISO 4217 currency') }),
  },
  'missed-calls': { title: 'Too many missed calls', params: z.object({ extensions: z.array(z.string()).default([]), atLeast: z.int().min(1).default(5) }) },
  international: { title: 'International calls', params: z.object({}) },
  'no-calls': { title: 'No calls acquired during working hours', params: z.object({ hours: hours.default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }) }) },
  'unknown-destinations': { title: 'Calls to unrecognised destinations', params: z.object({ atLeast: z.int().min(1).default(1) }) },
  'undefined-extensions': { title: 'Calls from extensions not defined', params: z.object({}) },
} as const;
export type AlarmType = keyof typeof ALARM_TYPES;

export function isAlarmType(t: string): t is AlarmType {
  return Object.hasOwn(ALARM_TYPES, t);
}

/** Checks an alarm's parameters; throws a UsageError naming each bad one. */
export function parseAlarmParams(type: string, params: unknown): Record<string, unknown> {
  if (!isAlarmType(type)) throw new UsageError(`no alarm ${JSON.stringify(type)} (alarms: ${Object.keys(ALARM_TYPES).join(', ')})`);
  const r = ALARM_TYPES[type].params.safeParse(params ?? {});
  if (!r.success) throw new UsageError(`invalid ${type} alarm:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(alarm)'}: ${i.message}`).join('\n')}`);
  if (type === 'spend-over') {
    const p = r.data as { amount: string; currency: string };
    try {
      parseMinor(p.amount, p.currency);
    } catch (err) {
      throw new UsageError(`invalid spend-over alarm:\n  amount: ${(err as Error).message} (got ${JSON.stringify(p.amount)})`);
    }
  }
  return r.data as Record<string, unknown>;
}

const localParts = (t: number, tz: string) => {
  const p: Record<string, string> = {};
  for (const part of new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(t * 1000))) p[part.type] = part.value;
  return { day: (p.weekday ?? '').toLowerCase().slice(0, 3), hhmm: `${p.hour}:${p.minute}` };
};
const inHours = (t: number, tz: string, h: { days: readonly string[]; from: string; to: string }) => {
  const l = localParts(t, tz);
  return h.days.includes(l.day) && l.hhmm >= h.from && l.hhmm < h.to;
};

async function collect(r: ReportResult): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of r.rows) rows.push(row);
  return rows;
}

const result = (base: ReportResult, title: string, columns: Column[], rows: Row[]): ReportResult => ({
  ...base, report: { ...base.report, title }, columns, rows: (async function* () { yield* rows; })(), totals: null,
});

/** Runs an alarm; its result has no rows when nothing was found. */
export async function runAlarm(options: { db: Db; type: string; params: unknown; options: unknown; now: number }): Promise<ReportResult> {
  const { db, now } = options;
  const params = parseAlarmParams(options.type, options.params);
  const type = options.type as AlarmType;
  const title = ALARM_TYPES[type].title;
  const base = options.options as Record<string, unknown>;
  const run = (report: string, extra: Record<string, unknown>) => runReport({ db, report, options: { ...base, ...extra }, now });
  const tz = parseReportOptions(base).timezone;
  switch (type) {
    case 'outside-hours': {
      const r = await run('call-list', { traffic: 'external', direction: 'outgoing' });
      const h = params.hours as { days: string[]; from: string; to: string };
      return result(r, title, r.columns, (await collect(r)).filter((row) => !inHours(Number(row.start), tz, h)));
    }
    case 'listed-numbers': {
      const numbers = params.numbers as string[];
      const r = await run('call-list', { traffic: 'external', match: 'any', conditions: numbers.map((n) => ({ field: 'remote_number', op: 'starts', value: n })) });
      return result(r, title, r.columns, await collect(r));
    }
    case 'spend-over': {
      const p = params as { by: 'user' | 'department' | 'cost_center'; amount: string; currency: string };
      const limit = parseMinor(p.amount, p.currency);
      const r = await run(p.by === 'user' ? 'phone-bill' : p.by === 'department' ? 'cost-by-department' : 'cost-by-cost-center', {});
      return result(r, `${title} (${p.amount} ${p.currency})`, r.columns, (await collect(r)).filter((row) => row.currency === p.currency && Number(row.cost) > limit));
    }
    case 'missed-calls': {
      const p = params as { extensions: string[]; atLeast: number };
      const r = await run('incoming-by-extension', { extensions: p.extensions });
      return result(r, title, r.columns, (await collect(r)).filter((row) => Number(row.missed_calls) >= p.atLeast));
    }
    case 'international': {
      const r = await run('call-list', { traffic: 'external', direction: 'outgoing', destinationTypes: ['international'] });
      return result(r, title, r.columns, await collect(r));
    }
    case 'unknown-destinations': {
      const r = await run('call-list', { traffic: 'external', direction: 'outgoing', destinationTypes: ['unknown'] });
      const rows = await collect(r);
      return result(r, title, r.columns, rows.length >= (params.atLeast as number) ? rows : []);
    }
    case 'no-calls': {
      const h = params.hours as { days: string[]; from: string; to: string };
      const r = await run('call-list', { traffic: 'all', fields: ['start', 'site'] });
      const seen = new Set((await collect(r)).filter((row) => inHours(Number(row.start), tz, h)).map((row) => String(row.site)));
      const period = resolvePeriod(parseReportOptions(base), now);
      // Only when the period held working hours at all.
      let working = false;
      for (let t = period.from; t < period.to && !working; t += 900) working = inHours(t, tz, h);
      const sites = (await db('sites').select('code').orderBy('code')).map((s: { code: string }) => s.code);
      const silent = working ? sites.filter((s) => !seen.has(s)) : [];
      return result(r, title, [{ key: 'site', label: 'Site without calls', type: 'text' }], silent.map((site) => ({ site })));
    }
    case 'undefined-extensions': {
      const period = resolvePeriod(parseReportOptions(base), now);
      const rows = await db('discarded_rows as d').join('sites as s', 's.id', 'd.site_id').where('d.reason', 'extension-not-configured')
        .where('d.created_at', '>=', period.from).where('d.created_at', '<', period.to).whereNull('d.resolved_at')
        .groupBy('s.code', 'd.extension').select('s.code as site', 'd.extension as extension').count({ calls: '*' }).orderBy(['s.code', 'd.extension']);
      const r = await run('call-list', { maxRows: 1 });
      return result(r, title, [{ key: 'site', label: 'Site', type: 'text' }, { key: 'extension', label: 'Extension', type: 'text' }, { key: 'calls', label: 'Rows', type: 'int' }],
        rows.map((x: Record<string, unknown>) => ({ site: String(x.site), extension: String(x.extension), calls: Number(x.calls) })));
    }
  }
}
