import { language } from './i18n';
import { formatMoneyIn, formatTimeIn } from './lib/format';

export { formatDuration } from './lib/format';

/** Integer minor units as money in the current language (2 decimals for most currencies). */
export const formatMoney = (amount: number | null, currency: string | null): string => formatMoneyIn(language(), amount, currency);

export const formatTime = (iso: string): string => formatTimeIn(language(), iso);
