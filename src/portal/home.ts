import { periodAt } from '../budget/period.js';
import type { Db, DbOrTx } from '../db/knex.js';
import { countScopedCalls, listScopedCalls, summarizeScopedCalls, type Viewer } from '../db/queries/scoped-calls.js';
import { userSiteTimezone } from '../db/queries/sites.js';

/**
 * The home page: the viewer's own last calls, this month's summary and today's missed calls.
 * "This month" and "today" are calendar periods of the viewer's time zone (`viewerTimeZone`).
 */

/** The time zone of a user's days and months: their site's, else `fallback` (TOLLGATE_DEFAULT_TIMEZONE). */
export async function viewerTimeZone(options: { db: DbOrTx; userId: number; fallback: string }): Promise<string> {
  return (await userSiteTimezone({ db: options.db, userId: options.userId })) ?? options.fallback;
}

export async function homeData(options: { db: Db; viewer: Viewer; limit: number; now: number; timeZone: string }) {
  const { db, viewer, limit, now, timeZone } = options;
  const month = periodAt({ period: 'monthly', weekStart: 0, timezone: timeZone }, now);
  const day = periodAt({ period: 'daily', weekStart: 0, timezone: timeZone }, now);
  const [calls, summary, missedToday] = await Promise.all([
    listScopedCalls({ db, viewer, filter: { ownOnly: true }, limit }),
    summarizeScopedCalls({ db, viewer, filter: { ownOnly: true, from: month.start, to: month.end } }),
    countScopedCalls({ db, viewer, filter: { ownOnly: true, from: day.start, to: day.end, kind: 'missed' } }),
  ]);
  return {
    calls, month: summary, missedToday, timeZone,
    monthStart: new Date(month.start * 1000).toISOString(), dayStart: new Date(day.start * 1000).toISOString(),
    generatedAt: new Date(now * 1000).toISOString(),
  };
}
