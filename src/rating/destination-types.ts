/** Destination types, in the order reports list them. */
export const DESTINATION_TYPES = [
  'internal', 'local', 'national', 'mobile', 'toll-free', 'premium', 'international', 'emergency', 'special', 'unknown',
] as const;

/**
 * Where a call goes, seen from the site that made it: `local` and `national` are fixed lines in
 * the site's country (same area code or not), `international` is any number of another country
 * whatever its kind, `special` a short number that is not an emergency number.
 */
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/**
 * What the called number is, wherever the call comes from (`international` calls to mobiles are
 * priced apart from calls to fixed lines by most carriers).
 */
export type LineKind = 'fixed' | 'mobile' | 'toll-free' | 'premium' | 'other';

/** The classification of one dialled number. */
export interface Destination {
  type: DestinationType;
  /** `+` and digits; null for internal, emergency, special and unknown numbers. */
  e164: string | null;
  /** ISO alpha-2 country of the destination (the site's own for emergency, special and internal numbers). */
  nation: string | null;
  /** City, region or mobile operator, from the prefix table (libphonenumber-js has no geocoder). */
  area: string | null;
  /** E.164 digits of the longest matching prefix-table entry, else the country calling code. */
  prefix: string | null;
  /** The number's own kind from libphonenumber (null when not an E.164 number or not known). */
  line: LineKind | null;
  /** Label of the matching prefix-table entry. */
  label: string | null;
}

/** What classification needs to know about a site. */
export interface SiteDialPlan {
  /** ISO 3166 alpha-2 country of the site. */
  country: string;
  /**
   * Area code of the site as the leading digits of its national significant numbers: `212`
   * (New York), `20` (London), `30` (Berlin), `02` (Milan, where the 0 belongs to the number). A
   * leading trunk prefix `0` (`020`) or NANP `1` (`1212`) is dropped. Empty when unknown.
   */
  areaCode: string;
  /** Outside-line access codes (`9`, `0`); the longest that leaves at least 5 digits is removed. */
  accessCodes: readonly string[];
}
