import { localParts, utcOffset } from '../time/zone.js';

/**
 * Budget periods in a site's time zone: a day, a week starting on a chosen weekday, or a calendar
 * month, each from local midnight to local midnight (so a period around a DST change is 23 or 25
 * hours a day longer or shorter). Pure: epoch seconds in, epoch seconds out.
 */

export type PeriodKind = 'daily' | 'weekly' | 'monthly';
export const PERIOD_KINDS = ['daily', 'weekly', 'monthly'] as const;

export interface PeriodRule {
  period: PeriodKind;
  /** First day of a week: 0 = Monday … 6 = Sunday. */
  weekStart: number;
  timezone: string;
}

export interface Period {
  /** Epoch seconds, inclusive. */
  start: number;
  /** Epoch seconds, exclusive (the next period's start). */
  end: number;
}

/**
 * The first instant of local calendar day y-m-d (month 1-12; out-of-range days roll over). Where
 * midnight does not exist (a zone that springs forward at 00:00) the day starts when the clock
 * jumps.
 */
export function localMidnight(timeZone: string, y: number, m: number, d: number): number {
  return localTime(timeZone, y, m, d, 0, 0);
}

/**
 * The instant the zone's clocks show y-m-d hh:mm (month 1-12; out-of-range values roll over).
 * A wall time skipped by a DST jump maps to the first instant after the jump; a repeated one to
 * its first occurrence.
 */
export function localTime(timeZone: string, y: number, m: number, d: number, hh: number, mm: number): number {
  const wall = Date.UTC(y, m - 1, d, hh, mm) / 1000;
  // The offsets on either side of the wall time (zones change at most once in a day).
  const candidates = [wall - utcOffset(timeZone, wall - 43_200), wall - utcOffset(timeZone, wall + 43_200)];
  const shows = candidates.filter((t) => t + utcOffset(timeZone, t) === wall);
  return shows.length > 0 ? Math.min(...shows) : Math.max(...candidates);
}

/** The period containing epoch second `t`. */
export function periodAt(rule: PeriodRule, t: number): Period {
  const l = localParts(rule.timezone, t);
  let y = l.y;
  let m = l.m;
  let d = l.d;
  let next: [number, number, number];
  if (rule.period === 'daily') next = [y, m, d + 1];
  else if (rule.period === 'monthly') {
    d = 1;
    next = [y, m + 1, 1];
  } else {
    const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // 0 = Monday
    const back = (weekday - rule.weekStart + 7) % 7;
    const first = new Date(Date.UTC(y, m - 1, d - back));
    y = first.getUTCFullYear();
    m = first.getUTCMonth() + 1;
    d = first.getUTCDate();
    next = [y, m, d + 7];
  }
  return { start: localMidnight(rule.timezone, y, m, d), end: localMidnight(rule.timezone, ...next) };
}

/** The period after `p` (its end is the next one's start). */
export function nextPeriod(rule: PeriodRule, p: Period): Period {
  return periodAt(rule, p.end);
}
