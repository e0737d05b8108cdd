/**
 * Emergency numbers per country (ISO alpha-2). `112` is recognised everywhere: it is the GSM
 * standard emergency number and most PBXs route it as one. Countries not listed get `112` only
 * (prefix tables apply to E.164 numbers, not to short codes, so a country is added here).
 */
export const EMERGENCY_NUMBERS: Readonly<Record<string, readonly string[]>> = {
  US: ['911'],
  CA: ['911'],
  MX: ['911'],
  GB: ['999'],
  IE: ['999'],
  IT: ['113', '115', '118', '1530'],
  DE: ['110'],
  AT: ['122', '133', '144'],
  CH: ['117', '118', '144'],
  FR: ['15', '17', '18', '114', '115', '119', '196'],
  BE: ['100', '101'],
  ES: ['091', '092', '061', '062', '080'],
  AU: ['000', '106'],
  NZ: ['111'],
  JP: ['110', '118', '119'],
  IN: ['100', '101', '102', '108'],
  BR: ['190', '192', '193'],
};

const GENERIC = '112';

const sets = new Map<string, ReadonlySet<string>>();

/** The emergency numbers dialled in `country` (always including 112). */
export function emergencyNumbers(country: string): ReadonlySet<string> {
  let set = sets.get(country);
  if (!set) {
    set = new Set([GENERIC, ...(EMERGENCY_NUMBERS[country] ?? [])]);
    sets.set(country, set);
  }
  return set;
}

/** Longest emergency number of any country: longer inputs need no set lookup. */
export const MAX_EMERGENCY_LENGTH = Math.max(GENERIC.length, ...Object.values(EMERGENCY_NUMBERS).flat().map((n) => n.length));

/**
 * True when `digits` is an emergency number of `country`, dialled as is or after one of the
 * outside-line access codes (`9911`, `0112`): emergency calls are routed with and without the
 * access code, whatever the length left.
 */
export function isEmergency(digits: string, country: string, accessCodes: readonly string[]): boolean {
  if (digits.length > MAX_EMERGENCY_LENGTH + 8) return false;
  const set = emergencyNumbers(country);
  if (set.has(digits)) return true;
  for (const code of accessCodes) {
    if (code !== '' && digits.startsWith(code) && set.has(digits.slice(code.length))) return true;
  }
  return false;
}
