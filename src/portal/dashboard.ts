import { z } from 'zod';
import type { DbOrTx } from '../db/knex.js';
import { localParts, offsetSpans } from '../time/zone.js';
import { localMidnight, periodAt } from '../budget/period.js';
import { groupScopedCalls, listScopedCalls, type CallFilter, type CallGrouping, type CallMeasure, type Viewer } from '../db/queries/scoped-calls.js';

/**
 * The dashboard's widget catalogue (after the leading commercial product's) and each user's saved
 * layout. Every widget is a grouped query over the caller's visible calls (`scopedCalls`).
 */

type Period = 'today' | 'week' | '7d' | '30d';

interface WidgetDef {
  period: Period;
  groupBy: CallGrouping | 'last-calls';
  measure: CallMeasure | 'status';
  chart: 'bar' | 'line' | 'doughnut' | 'table';
  filter?: CallFilter;
  limit?: number;
}

export const WIDGETS = {
  'week-top-cost-area': { period: 'week', groupBy: 'area', measure: 'cost', chart: 'bar', limit: 10 },
  'week-top-cost-extension': { period: 'week', groupBy: 'extension', measure: 'cost', chart: 'bar', limit: 10 },
  'week-cost-by-date': { period: 'week', groupBy: 'date', measure: 'cost', chart: 'bar' },
  'today-cost-by-hour': { period: 'today', groupBy: 'hour', measure: 'cost', chart: 'bar' },
  'today-top-cost-destination': { period: 'today', groupBy: 'destination', measure: 'cost', chart: 'doughnut', limit: 10 },
  'today-top-cost-department': { period: 'today', groupBy: 'department', measure: 'cost', chart: 'bar', limit: 10 },
  'today-top-cost-area': { period: 'today', groupBy: 'area', measure: 'cost', chart: 'bar', limit: 10 },
  'week-top-internal-duration': { period: 'week', groupBy: 'extension', measure: 'duration', chart: 'bar', filter: { kind: 'internal' }, limit: 10 },
  'personal-30-days': { period: '30d', groupBy: 'date', measure: 'count', chart: 'line', filter: { ownOnly: true } },
  'today-status-department': { period: 'today', groupBy: 'department', measure: 'status', chart: 'bar', limit: 10 },
  'today-status-area': { period: 'today', groupBy: 'area', measure: 'status', chart: 'bar', limit: 10 },
  'status-7-days': { period: '7d', groupBy: 'date', measure: 'status', chart: 'bar' },
  'last-calls': { period: '30d', groupBy: 'last-calls', measure: 'count', chart: 'table', limit: 10 },
} as const satisfies Record<string, WidgetDef>;

export type WidgetId = keyof typeof WIDGETS;
export const WIDGET_IDS = Object.keys(WIDGETS) as [WidgetId, ...WidgetId[]];

export const dashboardLayout = z.object({
  widgets: z.array(z.object({
    id: z.enum(WIDGET_IDS),
    zone: z.enum(['main', 'side']).default('main'),
    minimised: z.boolean().default(false),
  }).strict()).max(30),
}).strict();
export type DashboardLayout = z.infer<typeof dashboardLayout>;

export const DEFAULT_LAYOUT: DashboardLayout = {
  widgets: [
    { id: 'today-cost-by-hour', zone: 'main', minimised: false },
    { id: 'status-7-days', zone: 'main', minimised: false },
    { id: 'personal-30-days', zone: 'side', minimised: false },
    { id: 'last-calls', zone: 'side', minimised: false },
  ],
};

/** The saved layout of a user (the default when none or unreadable). */
export function parseLayout(stored: string | null): DashboardLayout {
  if (!stored) return DEFAULT_LAYOUT;
  try {
    const r = dashboardLayout.safeParse(JSON.parse(stored));
    return r.success ? r.data : DEFAULT_LAYOUT;
  } catch {
    return DEFAULT_LAYOUT;
  }
}

/**
 * The first instant of a widget's period in the viewer's time zone: today, this week (from
 * Monday), the last 7 or 30 days including today, each from local midnight.
 */
export function periodStart(period: Period, now: number, timeZone: string): number {
  if (period === 'today') return periodAt({ period: 'daily', weekStart: 0, timezone: timeZone }, now).start;
  if (period === 'week') return periodAt({ period: 'weekly', weekStart: 0, timezone: timeZone }, now).start;
  const l = localParts(timeZone, now);
  return localMidnight(timeZone, l.y, l.m, l.d - (period === '7d' ? 6 : 29));
}

/**
 * The data of one widget for the viewer. Days and hours are those of `timeZone` (the viewer's
 * site): periods start at local midnight and calls are grouped by local date and hour.
 */
export async function widgetData(options: { db: DbOrTx; viewer: Viewer; id: WidgetId; now: Date; timeZone: string }) {
  const { db, viewer, id, timeZone } = options;
  const now = Math.floor(options.now.getTime() / 1000);
  const def: WidgetDef = WIDGETS[id];
  const from = periodStart(def.period, now, timeZone);
  const filter: CallFilter = { ...(def.filter ?? {}), from };
  if (def.groupBy === 'last-calls') {
    return { id, chart: def.chart, calls: await listScopedCalls({ db, viewer, filter, limit: def.limit ?? 10 }) };
  }
  const groups = await groupScopedCalls({
    db, viewer, filter, groupBy: def.groupBy, measure: def.measure === 'status' ? 'count' : def.measure, limit: def.limit ?? 50,
    offsets: offsetSpans(timeZone, from, now),
  });
  return { id, chart: def.chart, measure: def.measure, timeZone, groups };
}
