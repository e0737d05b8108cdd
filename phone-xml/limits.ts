/**
 * Length and count limits of Cisco IP Phone XML objects (protocol note §1.5). Counts are
 * verified in Cisco's notes; the text lengths come from CiscoIPPhone.xsd and are applied
 * conservatively (display text is cut with an ellipsis; a URL that is too long is an error,
 * since a cut URL would do something else).
 */
export const LIMITS = {
  title: 32,
  prompt: 32,
  text: 4000,
  menuItemName: 64,
  menuItems: 100,
  inputItems: 5,
  executeItems: 3,
  executeHttpUrls: 1,
  url: 256,
  softKeyName: 32,
  softKeys: 8,
} as const;

/** Removes control characters (the phone accepts only CR, LF and tab) and cuts to `max`. */
export function fit(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  return clean.length <= max ? clean : clean.slice(0, max - 1) + '…';
}

export function checkUrl(url: string): string {
  if (url.length > LIMITS.url) throw new RangeError(`phone URL longer than ${LIMITS.url} characters: ${url.slice(0, 60)}…`);
  return url;
}
