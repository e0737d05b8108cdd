/**
 * Wall-clock time in IANA time zones, from Intl (no time-zone data of our own). One formatter per
 * zone: creating an Intl.DateTimeFormat costs ~100 µs, using one ~2 µs.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The cached formatter of a zone; throws a RangeError for an unknown zone. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  y: number;
  /** 1-12 */
  m: number;
  d: number;
  hh: number;
  mm: number;
  ss: number;
}

/** The zone's calendar fields at epoch second `t`. */
export function localParts(timeZone: string, t: number): LocalParts {
  const p: Record<string, number> = {};
  for (const part of zoneFormatter(timeZone).formatToParts(new Date(t * 1000))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year ?? 1970, m: p.month ?? 1, d: p.day ?? 1, hh: p.hour ?? 0, mm: p.minute ?? 0, ss: p.second ?? 0 };
}

/** Local wall-clock time minus UTC at epoch second `t`, in seconds. */
export function utcOffset(timeZone: string, t: number): number {
  const l = localParts(timeZone, t);
  return Date.UTC(l.y, l.m - 1, l.d, l.hh, l.mm, l.ss) / 1000 - t;
}

/** A stretch of time with one UTC offset: from `from` (epoch seconds, inclusive) on, local = UTC + `offset`. */
export interface OffsetSpan {
  from: number;
  offset: number;
}

/**
 * The zone's UTC offsets between epoch seconds `from` and `to`: the first span starts at `from`,
 * each further one where the offset changes (found to the second by bisection of each day that
 * changes). Cheap for the short windows of the portal (a day to a month).
 */
export function offsetSpans(timeZone: string, from: number, to: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [{ from, offset: utcOffset(timeZone, from) }];
  for (let a = from; a < to; a += 86_400) {
    const b = Math.min(a + 86_400, to);
    const before = utcOffset(timeZone, a);
    const afterB = utcOffset(timeZone, b);
    if (before === afterB) continue;
    let lo = a;
    let hi = b; // utcOffset(lo) = before, utcOffset(hi) != before
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (utcOffset(timeZone, mid) === before) lo = mid;
      else hi = mid;
    }
    spans.push({ from: hi, offset: utcOffset(timeZone, hi) });
  }
  return spans;
}
