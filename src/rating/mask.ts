/** Privacy masking of phone numbers (no dependencies: the portal, reports and exports use it). */

/**
 * Masks the last `n` digits of a number with X; other characters are kept. Digits already masked
 * count, so masking again never masks more than `n` (and masked digits are never restored).
 */
export function maskDigits(number: string, n: number): string {
  if (n <= 0) return number;
  const chars = [...number];
  for (let i = chars.length - 1, left = n; i >= 0 && left > 0; i--) {
    const c = chars[i]!;
    if ((c >= '0' && c <= '9') || c === 'X') {
      chars[i] = 'X';
      left--;
    }
  }
  return chars.join('');
}
