import { getCountries, getCountryCallingCode, isSupportedCountry, Metadata } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/max/metadata';
import { compileAutomaton, type DigitAutomaton } from './pattern-automaton.js';

/**
 * Dialling facts per country and per country calling code, read once from libphonenumber-js's
 * full ("max") metadata and memoised (derived data only; nothing here changes results).
 *
 * Documented libphonenumber-js API used: `getCountries`, `getCountryCallingCode`,
 * `isSupportedCountry`, `Metadata#selectNumberingPlan`, `numberingPlan.IDDPrefix()` (a pattern:
 * `00`, `011`, or AU's `001[14-689]|14(?:…)0011`), `numberingPlan.possibleLengths()`,
 * `numberingPlan.leadingDigits()`. The trunk prefix and the type patterns are not part of the
 * documented API: they are read through the same `numberingPlan` object (`nationalPrefix()`,
 * `nationalPrefixForParsing()`, `nationalNumberPattern()`, `type(t).pattern()`), each checked at
 * run time. If any of them is missing or not a string, the affected country gets no trunk prefix
 * and its calling code gets no automaton, so the cache falls back to whole-number keys, which
 * are exact whatever the metadata looks like.
 */

/** What the destination classifier needs to know about the site's country. */
export interface CountryPlan {
  country: string;
  callingCode: string;
  /** Trunk (national) prefix dialled before national numbers: `0` (GB, DE, FR), `1` (NANP), `8` (RU); `''` for IT, ES. */
  trunkPrefix: string;
  /** Possible lengths of a national significant number. */
  possibleLengths: readonly number[];
  /** Length of the international (IDD) prefix at the start of `digits`, 0 if there is none. */
  iddLength(digits: string): number;
}

/** What the cache needs to know about a country calling code. */
export interface CallingCodePlan {
  callingCode: string;
  /** Countries sharing the code (`1` → US, CA, JM…); empty for non-geographic codes (`800`). */
  countries: readonly string[];
  /**
   * The automaton of every pattern that decides libphonenumber's answer for this code (general,
   * per type and leading digits of each country sharing it, national prefix for parsing of the
   * main one), compiled on first use; null when one could not be read or compiled.
   */
  automaton(): DigitAutomaton | null;
  /** True when libphonenumber would strip a national prefix from this NSN (such numbers are cached whole). */
  stripsNationalPrefix(nsn: string): boolean;
}

const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER', 'VOICEMAIL', 'UAN', 'PAGER', 'VOIP', 'SHARED_COST'] as const;

/** The undocumented part of `numberingPlan`, every member checked before use. */
interface PlanInternals {
  nationalPrefix?: unknown;
  nationalPrefixForParsing?: unknown;
  nationalNumberPattern?: unknown;
  type?: unknown;
}

function call(plan: PlanInternals, name: keyof PlanInternals, ...args: string[]): unknown {
  const fn = plan[name];
  return typeof fn === 'function' ? (fn as (...a: string[]) => unknown).apply(plan, args) : undefined;
}

/** A libphonenumber numbering plan with its undocumented members typed as unknown. */
type Plan = PlanInternals & NonNullable<Metadata['numberingPlan']>;

function selectPlan(countryOrCallingCode: string): Plan | null {
  const metadata = new Metadata();
  try {
    metadata.selectNumberingPlan(countryOrCallingCode as Parameters<Metadata['selectNumberingPlan']>[0]);
  } catch {
    return null;
  }
  return (metadata.numberingPlan as Plan | undefined) ?? null;
}

const digitsOnly = (v: unknown): string => (typeof v === 'string' && /^\d+$/.test(v) ? v : '');

const countryPlans = new Map<string, CountryPlan | null>();

/** The dialling facts of an ISO 3166 alpha-2 country; null when libphonenumber does not know it. */
export function countryPlan(country: string): CountryPlan | null {
  const cached = countryPlans.get(country);
  if (cached !== undefined) return cached;
  let result: CountryPlan | null = null;
  const plan = isSupportedCountry(country) ? selectPlan(country) : null;
  if (plan) {
    const idd = plan.IDDPrefix();
    const literal = /^\d+$/.test(idd) ? idd : null;
    const pattern = literal === null && idd ? new RegExp(`^(?:${idd})`) : null;
    result = {
      country,
      callingCode: getCountryCallingCode(country as Parameters<typeof getCountryCallingCode>[0]),
      trunkPrefix: digitsOnly(call(plan, 'nationalPrefix')),
      possibleLengths: plan.possibleLengths() ?? [],
      iddLength: literal !== null
        ? (digits) => (digits.startsWith(literal) ? literal.length : 0)
        : (digits) => (pattern ? pattern.exec(digits)?.[0].length ?? 0 : 0),
    };
  }
  countryPlans.set(country, result);
  return result;
}

/** The patterns that decide libphonenumber's answer within a plan, or null if one is not readable. */
function decidingPatterns(plan: Plan): string[] | null {
  const general = call(plan, 'nationalNumberPattern');
  if (typeof general !== 'string') return null;
  const patterns = [general];
  const leading = plan.leadingDigits();
  if (leading) patterns.push(leading);
  for (const t of NUMBER_TYPES) {
    const type = call(plan, 'type', t) as { pattern?: unknown } | undefined;
    if (type === undefined) continue;
    const p = typeof type.pattern === 'function' ? (type.pattern as () => unknown).call(type) : undefined;
    if (typeof p === 'string') patterns.push(p);
    else if (p !== undefined && p !== 0 && p !== '') return null;
  }
  return patterns;
}

/** The main plan's national prefix for parsing (applied to `+cc…` input too); '' if none, null if unreadable. */
function prefixForParsing(plan: Plan): string | null {
  const npfp = call(plan, 'nationalPrefixForParsing');
  return typeof npfp === 'string' ? npfp : npfp === undefined || npfp === 0 ? '' : null;
}

let callingCodeIndex: Map<string, CallingCodePlan> | null = null;

function buildCallingCodeIndex(): Map<string, CallingCodePlan> {
  const byCode = new Map<string, string[]>();
  for (const country of getCountries()) {
    const code = getCountryCallingCode(country);
    byCode.set(code, [...(byCode.get(code) ?? []), country]);
  }
  for (const code of Object.keys(metadataJson.nonGeographic ?? {})) if (!byCode.has(code)) byCode.set(code, []);
  const index = new Map<string, CallingCodePlan>();
  for (const [code, countries] of byCode) {
    const main = selectPlan(code);
    const npfp = main ? prefixForParsing(main) : null;
    const strip = npfp ? new RegExp(`^(?:${npfp})`) : null;
    let automaton: DigitAutomaton | null | undefined;
    index.set(code, {
      callingCode: code,
      countries,
      automaton() {
        if (automaton === undefined) {
          // Every country sharing the code (non-geographic codes: the code's own plan).
          const plans = countries.length > 0 ? countries.map(selectPlan) : [main];
          const sets = plans.map((p) => (p ? decidingPatterns(p) : null));
          automaton = npfp !== null && sets.every((x) => x !== null)
            ? compileAutomaton([...(sets as string[][]).flat(), ...(npfp ? [npfp] : [])])
            : null;
        }
        return automaton;
      },
      stripsNationalPrefix: (nsn) => strip !== null && strip.test(nsn),
    });
  }
  return index;
}

/**
 * The country calling code an E.164 number (digits, no `+`) starts with, as libphonenumber reads
 * it (the first of its 1-, 2- and 3-digit prefixes that is a calling code); null if none is.
 */
export function callingCodeOf(e164Digits: string): CallingCodePlan | null {
  callingCodeIndex ??= buildCallingCodeIndex();
  for (let n = 1; n <= 3 && n <= e164Digits.length; n++) {
    const plan = callingCodeIndex.get(e164Digits.slice(0, n));
    if (plan) return plan;
  }
  return null;
}
