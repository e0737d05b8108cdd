import type { DbOrTx } from '../db/knex.js';
import { groupScopedCalls, summarizeScopedCalls, type CallSummary, type Viewer } from '../db/queries/scoped-calls.js';
import { periodAt } from '../budget/period.js';
import { offsetSpans, utcOffset } from '../time/zone.js';

/** The periods of the Call Analytics chart (days of the viewer's time zone, like the portal's home page). */
export const CHART_PERIODS = ['today', 'yesterday', 'week'] as const;
export type ChartPeriod = (typeof CHART_PERIODS)[number];

export interface CallChart {
  period: ChartPeriod;
  from: string;
  to: string;
  /** Hours `00`…`23` (a day) or dates `YYYY-MM-DD` (the last 7 days, today included), every one present. */
  buckets: Array<{ key: string; calls: number }>;
  summary: CallSummary;
}

/**
 * The caller's own outgoing calls of a period, counted per hour (today, yesterday) or per day (the
 * last 7 days), through `scopedCalls` like every call query.
 */
export async function ownOutgoingChart(options: { db: DbOrTx; viewer: Viewer; period: ChartPeriod; now: number; timeZone: string }): Promise<CallChart> {
  const { db, viewer, period, now, timeZone } = options;
  const day = (t: number) => periodAt({ period: 'daily', weekStart: 0, timezone: timeZone }, t);
  // Local days, newest last: a day is 23 to 25 hours across a daylight-saving change.
  const days = [day(now)];
  for (let i = 0; i < 6; i++) days.unshift(day(days[0]!.start - 1));
  const today = days[6]!;
  const from = period === 'today' ? today.start : period === 'yesterday' ? days[5]!.start : days[0]!.start;
  const to = period === 'yesterday' ? today.start : today.end;
  const filter = { ownOnly: true, kind: 'outgoing' as const, from, to };
  const byDay = period === 'week';
  const [groups, summary] = await Promise.all([
    groupScopedCalls({ db, viewer, filter, groupBy: byDay ? 'date' : 'hour', measure: 'count', limit: 1000, offsets: offsetSpans(timeZone, from, to) }),
    summarizeScopedCalls({ db, viewer, filter }),
  ]);
  const counts = new Map(groups.map((g) => [g.key, g.calls]));
  const keys = byDay
    ? days.map((d) => new Date((d.start + utcOffset(timeZone, d.start)) * 1000).toISOString().slice(0, 10))
    : Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  return {
    period, from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(),
    buckets: keys.map((key) => ({ key, calls: counts.get(key) ?? 0 })), summary,
  };
}
