import type { PhoneNumberType } from 'libphonenumber-js/max';
import { isEmergency } from './emergency.js';
import { NumberFactsCache, type NumberFacts } from './number-facts.js';
import { callingCodeOf, countryPlan, type CallingCodePlan, type CountryPlan } from './number-plans.js';
import type { PrefixTable } from './prefix-table.js';
import type { Destination, DestinationType, LineKind, SiteDialPlan } from './destination-types.js';

export { DESTINATION_TYPES, type Destination, type DestinationType, type LineKind, type SiteDialPlan } from './destination-types.js';

/**
 * Destination classification of a dialled number, per site: clean it (`sip:`, `@host`, `#`),
 * recognise emergency and short numbers, normalise to E.164 (access code, international and
 * trunk prefixes, area code), ask libphonenumber-js (full metadata) for country and number type,
 * map that to a destination type seen from the site, then let the site's prefix table override.
 *
 * libphonenumber is slow (~50,000 numbers/s: it compiles its regular expressions on every call),
 * so its answer is cached by prefix (number-facts.ts). A cached answer is always identical to an
 * uncached one. Pure: no I/O; the cache only remembers derived data.
 */

/** Numbers of at most this many digits (after the access code) are short numbers. */
export const SHORT_NUMBER_MAX_DIGITS = 6;

/** Options of one classification. */
export interface ClassifyOptions {
  /** Short numbers that are internal (extensions, feature codes) rather than `special`. */
  internal?: boolean | ((digits: string) => boolean);
}

/** Cache counters of a classifier. */
export interface ClassifierStats {
  /** E.164 numbers looked up. */
  lookups: number;
  /** Lookups that had to call libphonenumber. */
  libphonenumberCalls: number;
  /** Share of lookups answered from the cache (0 when there were none). */
  hitRate: number;
  /** Entries held by the cache. */
  entries: number;
}

/** A classifier with its own cache. */
export interface DestinationClassifier {
  classify(number: string, site: SiteDialPlan, overrides?: PrefixTable | null, options?: ClassifyOptions): Destination;
  stats(): ClassifierStats;
}

const DOMESTIC: Readonly<Record<PhoneNumberType, DestinationType | 'fixed'>> = {
  FIXED_LINE: 'fixed',
  FIXED_LINE_OR_MOBILE: 'fixed', // NANP: libphonenumber cannot tell mobiles from fixed lines
  MOBILE: 'mobile',
  PAGER: 'mobile',
  TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'premium',
  PERSONAL_NUMBER: 'premium', // GB 070, US 5XX: charged above national rates
  VOIP: 'national',
  UAN: 'national',
  VOICEMAIL: 'national',
};

const LINE: Readonly<Record<PhoneNumberType, LineKind>> = {
  FIXED_LINE: 'fixed', FIXED_LINE_OR_MOBILE: 'fixed', MOBILE: 'mobile', PAGER: 'mobile', TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium', SHARED_COST: 'premium', PERSONAL_NUMBER: 'premium', VOIP: 'other', UAN: 'other', VOICEMAIL: 'other',
};

const UNKNOWN: Readonly<Destination> = Object.freeze({ type: 'unknown', e164: null, nation: null, area: null, prefix: null, line: null, label: null });

const unknown = (): Destination => ({ ...UNKNOWN });
const onSite = (type: DestinationType, country: string): Destination => ({ ...UNKNOWN, type, nation: country });

/**
 * Removes CUCM and SIP decorations: `sip:`/`tel:`, `@host`, `;params`, trailing `#`, spaces and
 * `-.()`. Returns null for anything that is not `+digits`, digits, or digits with `*`/`#`.
 */
function clean(raw: string): { plus: boolean; digits: string; symbols: boolean } | null {
  let fast = raw.length > 0;
  for (let i = 0; i < raw.length && fast; i++) {
    const c = raw.charCodeAt(i);
    fast = (c >= 48 && c <= 57) || (c === 43 && i === 0);
  }
  let s = raw;
  if (!fast) {
    s = raw.trim().replace(/^(?:sips?|tel):/i, '');
    const cut = s.search(/[@;]/);
    if (cut >= 0) s = s.slice(0, cut);
    s = s.replace(/[\s\-.()]/g, '').replace(/#+$/, '');
  }
  const plus = s.startsWith('+');
  const digits = plus ? s.slice(1) : s;
  if (fast || /^\d+$/.test(digits)) return digits === '' ? null : { plus, digits, symbols: false };
  return !plus && /^[\d*#]+$/.test(digits) ? { plus, digits, symbols: true } : null;
}

/** Removes the longest access code that leaves at least 5 digits. */
export function stripAccessCode(digits: string, accessCodes: readonly string[]): string {
  let best = '';
  for (const code of accessCodes) {
    if (code.length > best.length && digits.startsWith(code) && digits.length - code.length >= 5) best = code;
  }
  return best === '' ? digits : digits.slice(best.length);
}

/** The site's area code as NSN digits (a leading trunk `0`, or NANP `1`, dropped). */
function areaOf(site: SiteDialPlan, plan: CountryPlan | null): string {
  const a = site.areaCode;
  if (a === '' || plan === null) return '';
  if ((plan.trunkPrefix === '0' && a.startsWith('0')) || (plan.callingCode === '1' && a.startsWith('1'))) return a.slice(1);
  return a;
}

/**
 * Readings of digits dialled without `+`, as E.164 digits, most likely first:
 * - after an international prefix (`00`, `011`, AU `0011`…): the rest;
 * - after the trunk prefix (`0`, NANP `1`, RU `8`), when what remains has a possible length:
 *   the national significant number;
 * - otherwise a local number gets the site's area code: always in countries with a trunk prefix
 *   (GB, DE: a number dialled without it is local), at 7 digits in the NANP (its `1` is
 *   optional, 10 digits are national); then, as a second reading, the digits as a national
 *   number sent without its trunk prefix (ISDN "national" numbers). Countries without a trunk
 *   prefix (IT, ES) have no local dialling.
 */
function readings(digits: string, plan: CountryPlan, area: string): string[] {
  const idd = plan.iddLength(digits);
  if (idd > 0) return digits[idd] === '0' ? [] : [digits.slice(idd)];
  const cc = plan.callingCode;
  const trunk = plan.trunkPrefix;
  if (trunk !== '' && digits.startsWith(trunk) && plan.possibleLengths.includes(digits.length - trunk.length)) return [cc + digits.slice(trunk.length)];
  if (cc === '1') return [cc + (digits.length === 7 && area !== '' ? area + digits : digits)];
  return trunk !== '' && area !== '' ? [cc + area + digits, cc + digits] : [cc + digits];
}

/**
 * Creates a classifier with its own cache of `maxEntries` trie nodes and answers (default
 * 250,000, about 32 MB at worst; real traffic needs a few thousand). `cache: false` calls
 * libphonenumber for every number (for comparison).
 */
export function createDestinationClassifier(options: { cache?: boolean; maxEntries?: number } = {}): DestinationClassifier {
  const cache = new NumberFactsCache({ enabled: options.cache !== false, maxEntries: options.maxEntries ?? 250_000 });

  function classify(number: string, site: SiteDialPlan, overrides?: PrefixTable | null, options: ClassifyOptions = {}): Destination {
    const cleaned = clean(number);
    if (cleaned === null) return unknown();
    const country = site.country.toUpperCase();
    const plan = countryPlan(country);
    const area = areaOf(site, plan);
    let candidates: string[];
    if (cleaned.plus) candidates = [cleaned.digits];
    else {
      if (!cleaned.symbols && isEmergency(cleaned.digits, country, site.accessCodes)) return onSite('emergency', country);
      const digits = stripAccessCode(cleaned.digits, site.accessCodes);
      if (cleaned.symbols) return digits.length <= SHORT_NUMBER_MAX_DIGITS + 2 ? onSite(shortType(digits, options), country) : unknown();
      if (digits.length <= SHORT_NUMBER_MAX_DIGITS) return shortNumber(digits, country, plan, options);
      if (plan === null) return unknown();
      candidates = readings(digits, plan, area);
    }
    // The first reading libphonenumber knows as a valid number, else the first one.
    let found: { e164: string; cc: CallingCodePlan; t: NumberFacts } | null = null;
    for (const e164 of candidates) {
      const cc = e164.length >= 3 && e164.length <= 15 ? callingCodeOf(e164) : null;
      if (cc === null) continue;
      const t = cache.lookup(e164, cc);
      if (found === null || t.lpType !== null) found = { e164, cc, t };
      if (t.lpType !== null) break;
    }
    if (found === null) return unknown();
    const { cc, t } = found;
    const e164 = t.canonical ?? found.e164;

    const domestic = t.nation !== null ? t.nation === country : plan !== null && cc.callingCode === plan.callingCode;
    let type: DestinationType;
    if (t.lpType === null) type = domestic || !t.possible ? 'unknown' : 'international';
    else if (!domestic) type = 'international';
    else {
      const d = DOMESTIC[t.lpType];
      type = d !== 'fixed' ? d : area !== '' && e164.startsWith(area, cc.callingCode.length) ? 'local' : 'national';
    }
    const result: Destination = {
      type, e164: `+${e164}`, nation: t.nation, area: null, prefix: cc.callingCode, line: t.lpType === null ? null : LINE[t.lpType], label: null,
    };
    const m = overrides?.lookup(e164);
    if (m) {
      result.type = m.type ?? type;
      result.nation = m.nation ?? t.nation;
      result.area = m.area;
      result.label = m.label;
      result.prefix = m.prefix;
    }
    return result.type === 'unknown' ? unknown() : result;
  }

  function shortType(digits: string, options: ClassifyOptions): DestinationType {
    const internal = typeof options.internal === 'function' ? options.internal(digits) : options.internal === true;
    return internal ? 'internal' : 'special';
  }

  /** Short numbers: internal when the caller says so; national service numbers (IT `803xxx`) keep their type. */
  function shortNumber(digits: string, country: string, plan: CountryPlan | null, options: ClassifyOptions): Destination {
    const type = shortType(digits, options);
    if (type === 'special' && plan !== null && digits.length >= 3) {
      const e164 = plan.callingCode + digits;
      const cc = callingCodeOf(e164);
      const t = cc ? cache.lookup(e164, cc) : null;
      if (t !== null && t.nation === country && (t.lpType === 'TOLL_FREE' || t.lpType === 'PREMIUM_RATE' || t.lpType === 'SHARED_COST')) {
        return { type: DOMESTIC[t.lpType] as DestinationType, e164: `+${e164}`, nation: country, area: null, prefix: plan.callingCode, line: LINE[t.lpType], label: null };
      }
    }
    return onSite(type, country);
  }

  return {
    classify,
    stats: () => {
      const { lookups, computed, entries } = cache.stats();
      return { lookups, libphonenumberCalls: computed, hitRate: lookups === 0 ? 0 : 1 - computed / lookups, entries };
    },
  };
}

let shared: DestinationClassifier | null = null;

/**
 * Classifies a dialled number for a site (see the module comment). Pass the number as dialled,
 * access code included (CUCM's called number, not an already stripped one): the longest access
 * code leaving at least 5 digits is removed here. Never throws; what cannot be classified is
 * `unknown`.
 * Uses one shared cache; `createDestinationClassifier` makes one with its own.
 */
export function classifyDestination(number: string, site: SiteDialPlan, overrides?: PrefixTable | null, options?: ClassifyOptions): Destination {
  shared ??= createDestinationClassifier();
  return shared.classify(number, site, overrides, options);
}
