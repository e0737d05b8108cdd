/**
 * Formatting shared by the portal and the gadgets (gadgets/): pure functions of a language code,
 * so that the gadgets do not pull in the portal's i18n set-up.
 */

export function formatDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Integer minor units as money in a language (2 decimals for most currencies). */
export function formatMoneyIn(lang: string, amount: number | null, currency: string | null): string {
  if (amount === null || currency === null) return '–';
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount / 10 ** digits);
}

export function formatTimeIn(lang: string, iso: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

/** Day, month, hours and minutes with options old engines know (no dateStyle: Jabber's embedded browsers). */
export function formatCompactTimeIn(lang: string, iso: string): string {
  return new Intl.DateTimeFormat(lang, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
