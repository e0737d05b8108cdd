import { language } from './i18n';

export function formatDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Integer minor units as money in the current language (2 decimals for most currencies). */
export function formatMoney(amount: number | null, currency: string | null): string {
  if (amount === null || currency === null) return '–';
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(language(), { style: 'currency', currency }).format(amount / 10 ** digits);
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}
