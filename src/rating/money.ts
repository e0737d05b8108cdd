/**
 * Exact money helpers for rating. Amounts are integers at a fixed scale, never floats:
 *
 * - **minor units** (cents, pence, yen…): costs, set-up fees, minimum charges. The scale is the
 *   currency's ISO 4217 minor-unit exponent (2 for EUR, 0 for JPY, 3 for KWD).
 * - **micro-units**: prices per minute, in 1/1,000,000 of a major unit, so that prices like
 *   0.0123 EUR/min (12,300 micro-units) are exact whatever the currency.
 *
 * Decimal strings are converted digit by digit (never through `Number("0.0123")`).
 */

/** Micro-units in one major unit of any currency. */
export const MICRO_PER_MAJOR = 1_000_000;
/** Digits after the decimal point of a micro-unit amount. */
export const MICRO_DIGITS = 6;

// ISO 4217 active codes (fund codes included, precious metals and testing codes left out), by
// minor-unit exponent. Every code not listed under 0, 3 or 4 has 2.
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS ' +
  'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL ' +
  'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK ' +
  'PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
  'TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

/** ISO 4217 currency code → minor-unit exponent (digits after the decimal point). */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    (
      [
        [EXPONENT_0, 0],
        [EXPONENT_2, 2],
        [EXPONENT_3, 3],
        [EXPONENT_4, 4],
      ] as const
    ).flatMap(([codes, exp]) => codes.split(' ').map((code) => [code, exp] as const)),
  ),
);

/** True when `code` is an ISO 4217 code of the exponent table (upper case). */
export function isCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** The minor-unit exponent of a currency (2 for EUR). Throws RangeError for an unknown code. */
export function currencyExponent(code: string): number {
  const exp = CURRENCY_EXPONENTS[code];
  if (exp === undefined) throw new RangeError(`unknown currency ${JSON.stringify(code)}`);
  return exp;
}

/** The outcome of {@link parseDecimal}: an integer at the requested scale, or why not. */
export type DecimalResult = { ok: true; value: number } | { ok: false; message: string };

/**
 * Parses a non-negative decimal string ("12", "0.0123", "1.50") into an integer scaled by
 * 10^digits, exactly. Fails (never rounds) when the text has more significant decimals than
 * `digits`, is not a plain decimal (no sign, exponent, thousands separator or decimal comma),
 * or does not fit a safe integer.
 */
export function parseDecimal(text: string, digits: number): DecimalResult {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) {
    const hint = /^\d+,\d+$/.test(text.trim()) ? ' (use a dot as the decimal separator)' : '';
    return { ok: false, message: `not a non-negative decimal number${hint}` };
  }
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  if (/[^0]/.test(frac.slice(digits))) {
    return { ok: false, message: `at most ${digits} decimal${digits === 1 ? '' : 's'}` };
  }
  const scaled = BigInt(whole) * 10n ** BigInt(digits) + BigInt(frac.slice(0, digits).padEnd(digits, '0') || '0');
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, message: 'too large' };
  return { ok: true, value: Number(scaled) };
}

function parseOrThrow(text: string, digits: number): number {
  const r = parseDecimal(text, digits);
  if (!r.ok) throw new RangeError(`${JSON.stringify(text)}: ${r.message}`);
  return r.value;
}

/** "0.0123" → 12300 micro-units. Throws RangeError when not exact at six decimals. */
export function parseMicro(text: string): number {
  return parseOrThrow(text, MICRO_DIGITS);
}

/** "1.23" EUR → 123 minor units; "5" JPY → 5. Throws RangeError when not exact or unknown currency. */
export function parseMinor(text: string, currency: string): number {
  return parseOrThrow(text, currencyExponent(currency));
}

/** Formats an integer scaled by 10^digits as a decimal string with exactly `digits` decimals. */
export function formatScaled(value: number, digits: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  const sign = value < 0 ? '-' : '';
  const s = String(Math.abs(value)).padStart(digits + 1, '0');
  return digits === 0 ? sign + s : `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** Minor units as a plain decimal amount of the currency: 123 EUR → "1.23", 5 JPY → "5". */
export function formatMinorAmount(minor: number, currency: string): string {
  return formatScaled(minor, currencyExponent(currency));
}

/** Minor units with the currency code, for people: 123 EUR → "1.23 EUR". */
export function formatMinor(minor: number, currency: string): string {
  return `${formatMinorAmount(minor, currency)} ${currency}`;
}

/** Micro-units as the shortest exact decimal: 12300 → "0.0123", 2000000 → "2". */
export function formatMicro(micro: number): string {
  return formatScaled(micro, MICRO_DIGITS).replace(/\.?0+$/, '');
}
