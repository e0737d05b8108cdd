import { z } from 'zod';
import { isCurrency } from './money.js';

/**
 * The tariff model: zod schemas (the JSON format is exactly these schemas) and the types they
 * produce. Money is integer: fees in minor units of the tariff currency, prices per minute in
 * micro-units (1/1,000,000 of a major unit). See docs/rating.md.
 */

/**
 * Destination types a rate can be keyed by. The same strings as the destination classifier's
 * types (src/rating/destination.ts), repeated here so the tariff model stands alone.
 */
export const DESTINATION_TYPES = [
  'internal', 'local', 'national', 'mobile', 'toll-free', 'premium', 'international', 'emergency', 'special', 'unknown',
] as const;
/** A destination type of the classifier. */
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** Destination types that cost nothing when no rate of the tariff matches them. */
export const FREE_BY_DEFAULT: ReadonlySet<DestinationType> = new Set<DestinationType>(['internal', 'toll-free', 'emergency']);

/** Weekdays, Monday first (ISO order); index 0 = Monday. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A weekday name. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Largest price, fee or increment accepted: far above any real tariff, keeps arithmetic exact. */
const MAX_AMOUNT = 1e12;
const MAX_INCREMENT_S = 86_400;

const amount = (what: string) =>
  z.int({ error: `${what} must be a whole number` }).min(0, `${what} must not be negative`).max(MAX_AMOUNT, `${what} is too large`);

/** A band name: lower case letters, digits, "_" and "-", starting with a letter. */
export const bandNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a band name is 1-32 of a-z, 0-9, _ and -, starting with a letter');

// Cross-field checks also run when a field already failed, so that every problem is listed at
// once; they therefore read their input defensively.
const always = (): boolean => true;
const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const isTime = (v: unknown): v is string => typeof v === 'string' && TIME_OF_DAY.test(v);
const timeOfDay = z.string().regex(TIME_OF_DAY, 'a time is HH:MM, 00:00 to 24:00');

/** Seconds since local midnight of an "HH:MM" time (24:00 → 86400). */
export function timeOfDaySeconds(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;
}

/**
 * A time-band rule: `band` applies on `days` from `from` (inclusive) to `to` (exclusive), local
 * time. When `to` is earlier than `from` the range crosses midnight: it starts on each listed day
 * and ends on the next day.
 */
export const bandRuleSchema = z
  .object({
    band: bandNameSchema,
    days: z
      .array(z.enum(WEEKDAYS, { error: 'a day is mon, tue, wed, thu, fri, sat or sun' }))
      .min(1, 'at least one day')
      .transform((days) => WEEKDAYS.filter((d) => days.includes(d))),
    from: timeOfDay.refine((t) => t !== '24:00', 'a range cannot start at 24:00'),
    to: timeOfDay,
  })
  .refine((r) => !isTime(r.from) || !isTime(r.to) || timeOfDaySeconds(r.from) !== timeOfDaySeconds(r.to), {
    error: 'from and to must differ (use 00:00 to 24:00 for a whole day)',
    path: ['to'],
    when: always,
  });
/** A time-band rule. */
export type BandRule = z.infer<typeof bandRuleSchema>;

/** Time bands: rules tried in order, the first that covers a local time wins, else `default`. */
export const bandsSchema = z.object({
  default: bandNameSchema,
  rules: z.array(bandRuleSchema).default([]),
});
/** The time bands of a tariff. */
export type Bands = z.infer<typeof bandsSchema>;

function validDate(month: number, day: number, year: number | null): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leapYear = year === null ? 2000 : year; // a yearly 02-29 is allowed
  return day <= new Date(Date.UTC(leapYear, month, 0)).getUTCDate();
}

/** A holiday: the whole local day `date` (YYYY-MM-DD once, or MM-DD every year) is in `band`. */
export const holidaySchema = z.object({
  date: z.string().refine((d) => {
    const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(d);
    return m !== null && validDate(Number(m[2]), Number(m[3]), m[1] === undefined ? null : Number(m[1]));
  }, 'a date is YYYY-MM-DD (once) or MM-DD (every year)'),
  band: bandNameSchema,
  name: z.string().trim().min(1).max(100).optional(),
});
/** A holiday of a tariff. */
export type Holiday = z.infer<typeof holidaySchema>;

const RATE_KEY_MESSAGE = 'a rate has either a prefix or a type, not both and not neither';

/**
 * A rate, keyed by a destination prefix (E.164 digits; the longest matching prefix wins) or by a
 * destination type (used when no prefix rate matches), exactly one of the two.
 */
export const rateSchema = z
  .object({
    prefix: z.string().regex(/^\d{1,15}$/, 'a prefix is 1-15 digits (E.164, without + or 00)').nullable().default(null),
    type: z.enum(DESTINATION_TYPES, { error: `a type is one of ${DESTINATION_TYPES.join(', ')}` }).nullable().default(null),
    /** Set-up fee, minor units, charged once per billed call. */
    setupMinor: amount('the set-up fee').default(0),
    /** Price per minute, micro-units, for bands without their own price. */
    perMinuteMicro: amount('the price per minute'),
    /** Price per minute (micro-units) in named time bands. */
    bandPerMinuteMicro: z.record(bandNameSchema, amount('the price per minute')).default({}),
    /** First billing increment, seconds (the minimum billed time of a billed call). */
    first: z.int({ error: 'the first increment must be whole seconds' }).min(0, 'the first increment must not be negative').max(MAX_INCREMENT_S, 'the first increment is at most 86400 s'),
    /** Each following increment, seconds. */
    next: z.int({ error: 'the next increment must be whole seconds' }).min(1, 'the next increment is at least 1 s').max(MAX_INCREMENT_S, 'the next increment is at most 86400 s'),
    /** Minimum charge of a billed call, minor units, set-up fee included. */
    minChargeMinor: amount('the minimum charge').default(0),
  })
  .refine((r) => (r.prefix == null) !== (r.type == null), { error: RATE_KEY_MESSAGE, path: ['prefix'], when: always });
/** A rate of a tariff. */
export type Rate = z.infer<typeof rateSchema>;

/** The key of a rate: "prefix:44" or "type:mobile". */
export function rateKeyOf(rate: Pick<Rate, 'prefix' | 'type'>): string {
  return rate.prefix !== null ? `prefix:${rate.prefix}` : `type:${rate.type ?? ''}`;
}

type AddIssue = (issue: { code: 'custom'; message: string; path: PropertyKey[] }) => void;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Checks between fields: unique rate keys and holiday dates, bands that exist. */
function crossCheck(input: unknown, addIssue: AddIssue): void {
  if (!isRecord(input)) return;
  const bands = isRecord(input.bands) ? input.bands : null;
  const bandNames = new Set<unknown>(bands ? [bands.default, ...list(bands.rules).map((r) => (isRecord(r) ? r.band : undefined))] : []);
  const known = bands ? `declared bands: ${[...bandNames].filter((b) => typeof b === 'string').join(', ')}` : 'the tariff has no time bands';
  const seenKeys = new Set<string>();
  list(input.rates).forEach((rate, i) => {
    if (!isRecord(rate)) return;
    const field = rate.prefix != null ? 'prefix' : 'type';
    const key = `${field} ${String(rate[field])}`;
    if (seenKeys.has(key)) addIssue({ code: 'custom', message: `a second rate for ${key}`, path: ['rates', i, field] });
    seenKeys.add(key);
    for (const band of Object.keys(isRecord(rate.bandPerMinuteMicro) ? rate.bandPerMinuteMicro : {})) {
      if (!bandNames.has(band)) addIssue({ code: 'custom', message: `unknown band "${band}" (${known})`, path: ['rates', i, 'bandPerMinuteMicro', band] });
    }
  });
  const seenDates = new Set<unknown>();
  list(input.holidays).forEach((h, i) => {
    if (!isRecord(h)) return;
    if (!bandNames.has(h.band)) addIssue({ code: 'custom', message: `unknown band "${String(h.band)}" (${known})`, path: ['holidays', i, 'band'] });
    if (seenDates.has(h.date)) addIssue({ code: 'custom', message: `a second holiday on ${String(h.date)}`, path: ['holidays', i, 'date'] });
    seenDates.add(h.date);
  });
}

/** A tariff: one carrier, one currency, rates, and optional time bands and holidays. */
export const tariffSchema = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'a tariff code is 1-32 of A-Z, a-z, 0-9, _, . and -'),
    name: z.string().trim().min(1, 'a name is required').max(100),
    carrier: z.string().trim().min(1, 'a carrier is required').max(100),
    currency: z.string().refine(isCurrency, 'not an ISO 4217 currency code (upper case, e.g. EUR)'),
    /** True for example tariffs whose prices are made up. */
    sample: z.boolean().default(false),
    bands: bandsSchema.nullable().default(null),
    holidays: z.array(holidaySchema).default([]),
    rates: z.array(rateSchema).min(1, 'a tariff needs at least one rate'),
  })
  .superRefine((t, ctx) => crossCheck(t, ctx.addIssue), { when: always });
/** A validated tariff (every optional field filled with its default). */
export type Tariff = z.infer<typeof tariffSchema>;
/** A tariff as written in JSON, before defaults. */
export type TariffInput = z.input<typeof tariffSchema>;

/** A problem with a tariff: where (path in the JSON model) and what. */
export interface TariffIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Validates a tariff object. Lists every problem at once: zod stops cross-field checks after a
 * type error, so they are also run here on the raw input (duplicates removed).
 */
export function safeParseTariff(input: unknown): { ok: true; tariff: Tariff } | { ok: false; issues: TariffIssue[] } {
  const r = tariffSchema.safeParse(input);
  if (r.success) return { ok: true, tariff: r.data };
  const issues: TariffIssue[] = r.error.issues.map((i) => ({ path: i.path, message: i.message }));
  if (isRecord(input)) {
    list(input.rates).forEach((rate, i) => {
      if (isRecord(rate) && (rate.prefix == null) === (rate.type == null)) issues.push({ path: ['rates', i, 'prefix'], message: RATE_KEY_MESSAGE });
    });
  }
  crossCheck(input, (issue) => issues.push({ path: issue.path, message: issue.message }));
  const seen = new Set<string>();
  return {
    ok: false,
    issues: issues.filter((i) => {
      const key = `${i.path.map(String).join('.')}|${i.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    }),
  };
}

/** Validates a tariff object; throws a RangeError listing every problem. */
export function parseTariff(input: unknown): Tariff {
  const r = safeParseTariff(input);
  if (r.ok) return r.tariff;
  throw new RangeError(`invalid tariff:\n${r.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`).join('\n')}`);
}

/** A path of the JSON model as text: rates[3].perMinuteMicro. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(tariff)';
}
