import type { DbOrTx } from '../db/knex.js';
import { groupScopedCalls, summarizeScopedCalls, type CallSummary, type Viewer } from '../db/queries/scoped-calls.js';

/** The periods of the Call Analytics chart (UTC days, like the portal). */
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
export async function ownOutgoingChart(options: { db: DbOrTx; viewer: Viewer; period: ChartPeriod; now: number }): Promise<CallChart> {
  const { db, viewer, period, now } = options;
  const today = Math.floor(now / 86400) * 86400;
  const from = period === 'today' ? today : period === 'yesterday' ? today - 86400 : today - 6 * 86400;
  const to = period === 'yesterday' ? today : today + 86400;
  const filter = { ownOnly: true, kind: 'outgoing' as const, from, to };
  const byDay = period === 'week';
  const [groups, summary] = await Promise.all([
    groupScopedCalls({ db, viewer, filter, groupBy: byDay ? 'date' : 'hour', measure: 'count', limit: 1000 }),
    summarizeScopedCalls({ db, viewer, filter }),
  ]);
  const counts = new Map(groups.map((g) => [g.key, g.calls]));
  const keys = byDay
    ? Array.from({ length: 7 }, (_, i) => new Date((from + i * 86400) * 1000).toISOString().slice(0, 10))
    : Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  return {
    period, from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(),
    buckets: keys.map((key) => ({ key, calls: counts.get(key) ?? 0 })), summary,
  };
}
