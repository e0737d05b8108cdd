import { utcOffset, zoneFormatter } from '../time/zone.js';
import { currencyExponent, MICRO_DIGITS } from './money.js';
import { FREE_BY_DEFAULT, rateKeyOf, timeOfDaySeconds, WEEKDAYS, type DestinationType, type Rate, type Tariff } from './tariff.js';

/**
 * Rating one call under one tariff: pure and synchronous, integer money only. The rules (billing
 * increments, band splitting, rounding, free destinations) are described in docs/rating.md.
 */

/** What rating needs of a call. */
export interface CallToRate {
  /** Start of the call (answer time for answered calls), epoch seconds UTC. */
  startUtc: number;
  /** Connected seconds (whole, ≥ 0). */
  durationS: number;
  answered: boolean;
  /**
   * Rate prefixes are matched against `e164` when given (the classifier's "+digits"), else against
   * `prefix`; either should be the whole called number in E.164 digits ("+" ignored), so that the
   * longest tariff prefix can match. A classifier `Destination` can be passed as it is.
   */
  destination: { type: DestinationType; prefix: string | null; e164?: string | null };
}

/** Billed seconds spent in one time band (band null when the tariff has no bands). */
export interface BandSegment {
  band: string | null;
  seconds: number;
}

/** The cost of a call. */
export interface RatedCall {
  /** Integer minor units of `currency`. */
  cost: number;
  currency: string;
  /** "prefix:44", "type:mobile", "free:toll-free" (no rate, free by default) or "none:unknown" (no rate). */
  rateKey: string;
  /** Band at the start of the billed time; null without bands or when nothing was billed. */
  band: string | null;
  /** Seconds after the billing increments; 0 when nothing was billed. */
  billedSeconds: number;
  /** The billed seconds per band, in time order (adjacent parts in the same band merged). */
  segments: BandSegment[];
}

const DAY = 86_400;

// ---- local time: UTC offsets from Intl, cached per zone and UTC hour ------------------------

/** Offsets per zone and UTC hour; NaN marks an hour with an offset change inside. */
const hourOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 200_000;

/** The UTC offset at `t`. Zones change offset at most once an hour, so a whole hour is cached. */
function offsetAt(timeZone: string, t: number): number {
  let cache = hourOffsets.get(timeZone);
  if (!cache) {
    zoneFormatter(timeZone); // a RangeError for an unknown zone
    cache = new Map();
    hourOffsets.set(timeZone, cache);
  }
  const hour = Math.floor(t / 3600);
  let off = cache.get(hour);
  if (off === undefined) {
    const a = utcOffset(timeZone, hour * 3600);
    off = a === utcOffset(timeZone, hour * 3600 + 3599) ? a : Number.NaN;
    if (cache.size >= MAX_CACHED_HOURS) cache.clear();
    cache.set(hour, off);
  }
  return Number.isNaN(off) ? utcOffset(timeZone, t) : off;
}

// ---- compiled tariffs (tariffs are treated as immutable once rated) --------------------------

interface CompiledRule {
  band: string;
  days: number; // bit i = WEEKDAYS[i]
  from: number; // seconds since local midnight
  to: number;
}

interface CompiledTariff {
  exponentDivisor: bigint; // micro-units × seconds per minor unit: 60 × 10^(6 − exponent)
  byPrefix: Map<string, Rate>;
  maxPrefix: number;
  byType: Map<DestinationType, Rate>;
  defaultBand: string | null;
  rules: CompiledRule[];
  edges: number[]; // sorted rule edges within a day, ending with 86400
  holidays: Map<number, string>; // YYYYMMDD (one date) or MMDD (every year) → band
}

const compiledTariffs = new WeakMap<Tariff, CompiledTariff>();

function compile(tariff: Tariff): CompiledTariff {
  let c = compiledTariffs.get(tariff);
  if (c) return c;
  const byPrefix = new Map<string, Rate>();
  const byType = new Map<DestinationType, Rate>();
  for (const rate of tariff.rates) {
    if (rate.prefix !== null) byPrefix.set(rate.prefix, rate);
    else if (rate.type !== null) byType.set(rate.type, rate);
  }
  const rules = (tariff.bands?.rules ?? []).map((r) => ({
    band: r.band,
    days: r.days.reduce((mask, d) => mask | (1 << WEEKDAYS.indexOf(d)), 0),
    from: timeOfDaySeconds(r.from),
    to: timeOfDaySeconds(r.to),
  }));
  const edges = [...new Set([...rules.flatMap((r) => [r.from, r.to]), DAY])].filter((e) => e > 0 && e <= DAY).sort((a, b) => a - b);
  c = {
    exponentDivisor: 60n * 10n ** BigInt(MICRO_DIGITS - currencyExponent(tariff.currency)),
    byPrefix,
    maxPrefix: Math.max(0, ...[...byPrefix.keys()].map((p) => p.length)),
    byType,
    defaultBand: tariff.bands?.default ?? null,
    rules,
    edges,
    holidays: new Map(tariff.holidays.map((h) => [Number(h.date.replaceAll('-', '')), h.band])),
  };
  compiledTariffs.set(tariff, c);
  return c;
}

/** The rate of a destination: the longest matching prefix, else its type's, else null. */
function findRate(c: CompiledTariff, destination: CallToRate['destination']): Rate | null {
  const p = destination.e164 || destination.prefix || '';
  const start = p.charCodeAt(0) === 43 /* + */ ? 1 : 0;
  for (let len = Math.min(c.maxPrefix, p.length - start); len > 0; len--) {
    const rate = c.byPrefix.get(p.slice(start, start + len));
    if (rate) return rate;
  }
  return c.byType.get(destination.type) ?? null;
}

/** The key of a rate (or of none) as RatedCall reports it, made once per rate and type. */
const rateKeys = new WeakMap<Rate, string>();
const noRateKeys = new Map<string, string>();
function rateKey(rate: Rate | null, type: DestinationType): string {
  if (rate) {
    let k = rateKeys.get(rate);
    if (k === undefined) rateKeys.set(rate, (k = rateKeyOf(rate)));
    return k;
  }
  let k = noRateKeys.get(type);
  if (k === undefined) noRateKeys.set(type, (k = `${FREE_BY_DEFAULT.has(type) ? 'free' : 'none'}:${type}`));
  return k;
}

// ---- time bands --------------------------------------------------------------------------

/** Days since 1970-01-01 → YYYYMMDD as a number (the proleptic Gregorian calendar, H. Hinnant's method). */
function civilDate(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return (yoe + era * 400 + (m <= 2 ? 1 : 0)) * 10_000 + m * 100 + d;
}

/** The band at local wall-clock second `local` (epoch seconds as if the zone were UTC), and until when it lasts at least. */
function bandAt(c: CompiledTariff, defaultBand: string, local: number): { band: string; until: number } {
  const day = Math.floor(local / DAY);
  const sod = local - day * DAY;
  if (c.holidays.size > 0) {
    const ymd = civilDate(day);
    const band = c.holidays.get(ymd) ?? c.holidays.get(ymd % 10_000);
    if (band !== undefined) return { band, until: (day + 1) * DAY };
  }
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday
  const yesterday = (weekday + 6) % 7;
  let band = defaultBand;
  for (const r of c.rules) {
    const today = ((r.days >> weekday) & 1) === 1;
    const covers = r.from < r.to
      ? today && sod >= r.from && sod < r.to
      : (today && sod >= r.from) || (((r.days >> yesterday) & 1) === 1 && sod < r.to);
    if (covers) {
      band = r.band;
      break;
    }
  }
  const edge = c.edges.find((e) => e > sod) ?? DAY;
  return { band, until: day * DAY + edge };
}

/**
 * Splits the billed interval [start, start + seconds) at band boundaries of the zone's wall
 * clock. Each piece is cut where the band may change (a rule edge, local midnight) or where the
 * zone's UTC offset changes (DST), then the band is looked up again on the new wall-clock time.
 */
function splitByBand(c: CompiledTariff, defaultBand: string, timeZone: string, start: number, seconds: number): BandSegment[] {
  const out: BandSegment[] = [];
  const end = start + seconds;
  let t = start;
  while (t < end) {
    const off = offsetAt(timeZone, t);
    const local = t + off;
    const { band, until } = bandAt(c, defaultBand, local);
    let next = Math.min(end, t + (until - local));
    if (offsetAt(timeZone, next - 1) !== off) {
      // The offset changes inside: find its first second (one change per piece, pieces ≤ a day).
      let lo = t;
      let hi = next - 1;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(timeZone, mid) === off) lo = mid;
        else hi = mid;
      }
      next = hi;
    }
    const last = out[out.length - 1];
    if (last && last.band === band) last.seconds += next - t;
    else out.push({ band, seconds: next - t });
    t = next;
  }
  return out;
}

// ---- rating ------------------------------------------------------------------------------

/**
 * Billed seconds of a connected call of `durationS` seconds: `first`, then `next` increments
 * rounded up (60/60: 61 s → 120 s; 30/6: 31 s → 36 s). 0 for a zero-second call.
 */
export function billedSeconds(durationS: number, first: number, next: number): number {
  if (durationS <= 0) return 0;
  if (durationS <= first) return first;
  return first + Math.ceil((durationS - first) / next) * next;
}

/**
 * Rates one call. Cost = set-up fee + Σ (price per minute of the band × billed seconds in that
 * band) / 60, computed exactly and rounded half up to the minor unit once; then at least the
 * minimum charge. Unanswered and zero-second calls cost 0 (no set-up fee).
 * Throws RangeError for a bad time zone, start or duration.
 */
export function rateCall(call: CallToRate, tariff: Tariff, timeZone: string): RatedCall {
  if (!Number.isSafeInteger(call.startUtc) || call.startUtc < 0) throw new RangeError(`startUtc must be whole epoch seconds, got ${call.startUtc}`);
  if (!Number.isSafeInteger(call.durationS) || call.durationS < 0) throw new RangeError(`durationS must be whole seconds ≥ 0, got ${call.durationS}`);
  zoneFormatter(timeZone); // throws RangeError for an unknown zone, whatever the call
  const c = compile(tariff);
  const rate = findRate(c, call.destination);
  const key = rateKey(rate, call.destination.type);
  if (!rate || !call.answered || call.durationS === 0) return { cost: 0, currency: tariff.currency, rateKey: key, band: null, billedSeconds: 0, segments: [] };

  const billed = billedSeconds(call.durationS, rate.first, rate.next);
  const segments = c.defaultBand === null || billed === 0
    ? [{ band: null, seconds: billed }]
    : splitByBand(c, c.defaultBand, timeZone, call.startUtc, billed);
  const cost = Math.max(roundedCost(c, rate, segments), rate.minChargeMinor);
  return { cost, currency: tariff.currency, rateKey: key, band: segments[0]?.band ?? null, billedSeconds: billed, segments };
}

/**
 * Micro-units per minute of a segment's band. (A function of its own, not a closure made per
 * call: under tsx, whose esbuild output keeps function names, each closure made also costs a
 * defineProperty of its name, which was 3% of the parser thread.)
 */
function priceOf(rate: Rate, s: BandSegment): number {
  return (s.band !== null ? rate.bandPerMinuteMicro[s.band] : undefined) ?? rate.perMinuteMicro;
}

/**
 * set-up + Σ price × seconds / 60, in minor units, rounded half up once. With d = the micro-unit
 * seconds in one minor unit, the exact cost × d is an integer: cost = floor((2·exact + d) / (2·d)).
 * Plain numbers while every intermediate is a safe integer (checked), BigInt otherwise.
 */
function roundedCost(c: CompiledTariff, rate: Rate, segments: BandSegment[]): number {
  const d = c.exponentDivisor;
  const dn = Number(d);
  let exact = rate.setupMinor * dn;
  for (const s of segments) exact += priceOf(rate, s) * s.seconds;
  const num = 2 * exact + dn;
  if (num + 2 * dn <= Number.MAX_SAFE_INTEGER) {
    // Every term is a non-negative integer below num, so each was exact; q × 2d ≤ num + 2d too.
    let q = Math.floor(num / (2 * dn));
    const r = num - q * 2 * dn; // float division may be off by one: correct it exactly
    if (r < 0) q -= 1;
    else if (r >= 2 * dn) q += 1;
    return q;
  }
  let big = BigInt(rate.setupMinor) * d;
  for (const s of segments) big += BigInt(priceOf(rate, s)) * BigInt(s.seconds);
  const cost = (2n * big + d) / (2n * d);
  if (cost > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`a cost of ${cost} minor units does not fit a safe integer`);
  return Number(cost);
}
