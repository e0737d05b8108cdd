import { create } from 'xmlbuilder2';
import { checkUrl, fit, LIMITS } from './limits.js';

type XMLBuilder = ReturnType<typeof create>;

export interface SoftKey {
  name: string;
  url: string;
  position: number;
}

export interface MenuItem {
  name: string;
  url: string;
}

export interface InputItem {
  displayName: string;
  queryStringParam: string;
  defaultValue?: string;
  /** `A`, `T`, `N`, `E`, `U`, `L`, optionally followed by the `P` (password) modifier. */
  inputFlags: 'A' | 'T' | 'N' | 'E' | 'U' | 'L' | 'AP' | 'TP' | 'NP' | 'EP' | 'UP' | 'LP';
}

export interface ExecuteItem {
  url: string;
  /** 0 now, 1 when idle, 2 only if idle (HTTP URLs only). */
  priority?: 0 | 1 | 2;
}

function doc(root: string): { doc: XMLBuilder; el: XMLBuilder } {
  const d = create({ version: '1.0', encoding: 'UTF-8' });
  return { doc: d, el: d.ele(root) };
}

function titles(el: XMLBuilder, o: { title?: string; prompt?: string }): void {
  if (o.title !== undefined) el.ele('Title').txt(fit(o.title, LIMITS.title));
  if (o.prompt !== undefined) el.ele('Prompt').txt(fit(o.prompt, LIMITS.prompt));
}

function softKeys(el: XMLBuilder, keys: readonly SoftKey[] | undefined): void {
  if (!keys) return;
  if (keys.length > LIMITS.softKeys) throw new RangeError(`at most ${LIMITS.softKeys} soft keys`);
  for (const k of keys) {
    const s = el.ele('SoftKeyItem');
    s.ele('Name').txt(fit(k.name, LIMITS.softKeyName));
    s.ele('URL').txt(checkUrl(k.url));
    s.ele('Position').txt(String(k.position));
  }
}

/** `CiscoIPPhoneText`: a message (also how every error is shown on a phone). */
export function phoneText(o: { title?: string; prompt?: string; text: string; softKeys?: readonly SoftKey[] }): string {
  const { doc: d, el } = doc('CiscoIPPhoneText');
  titles(el, o);
  el.ele('Text').txt(fit(o.text, LIMITS.text));
  softKeys(el, o.softKeys);
  return d.end({ prettyPrint: false });
}

/** `CiscoIPPhoneMenu` (at most 100 items). */
export function phoneMenu(o: { title?: string; prompt?: string; items: readonly MenuItem[]; softKeys?: readonly SoftKey[] }): string {
  if (o.items.length > LIMITS.menuItems) throw new RangeError(`at most ${LIMITS.menuItems} menu items`);
  const { doc: d, el } = doc('CiscoIPPhoneMenu');
  titles(el, o);
  for (const item of o.items) {
    const m = el.ele('MenuItem');
    m.ele('Name').txt(fit(item.name, LIMITS.menuItemName));
    m.ele('URL').txt(checkUrl(item.url));
  }
  softKeys(el, o.softKeys);
  return d.end({ prettyPrint: false });
}

/** `CiscoIPPhoneInput` (at most 5 items); the phone GETs `url` with the values in the query string. */
export function phoneInput(o: { title?: string; prompt?: string; url: string; items: readonly InputItem[]; softKeys?: readonly SoftKey[] }): string {
  if (o.items.length === 0 || o.items.length > LIMITS.inputItems) throw new RangeError(`1 to ${LIMITS.inputItems} input items`);
  const { doc: d, el } = doc('CiscoIPPhoneInput');
  titles(el, o);
  el.ele('URL').txt(checkUrl(o.url));
  for (const item of o.items) {
    const i = el.ele('InputItem');
    i.ele('DisplayName').txt(fit(item.displayName, LIMITS.title));
    i.ele('QueryStringParam').txt(item.queryStringParam);
    i.ele('DefaultValue').txt(item.defaultValue ?? '');
    i.ele('InputFlags').txt(item.inputFlags);
  }
  softKeys(el, o.softKeys);
  // `<DefaultValue></DefaultValue>`: the phones' parser is not a full XML parser; keep the documented form.
  return d.end({ prettyPrint: false, allowEmptyTags: true });
}

/** `CiscoIPPhoneExecute`: at most 3 items, of which at most one HTTP URL. */
export function phoneExecute(items: readonly ExecuteItem[]): string {
  if (items.length === 0 || items.length > LIMITS.executeItems) throw new RangeError(`1 to ${LIMITS.executeItems} execute items`);
  if (items.filter((i) => /^https?:/i.test(i.url)).length > LIMITS.executeHttpUrls) throw new RangeError('at most one HTTP URL per execute');
  const { doc: d, el } = doc('CiscoIPPhoneExecute');
  for (const item of items) el.ele('ExecuteItem', { Priority: String(item.priority ?? 0), URL: checkUrl(item.url) });
  return d.end({ prettyPrint: false });
}

/** The standard soft keys of an input screen. */
export const INPUT_SOFT_KEYS: readonly SoftKey[] = [
  { name: 'Submit', url: 'SoftKey:Submit', position: 1 },
  { name: '<<', url: 'SoftKey:<<', position: 2 },
  { name: 'Cancel', url: 'SoftKey:Cancel', position: 3 },
];

/** The standard soft keys of a menu. */
export const MENU_SOFT_KEYS: readonly SoftKey[] = [
  { name: 'Select', url: 'SoftKey:Select', position: 1 },
  { name: 'Exit', url: 'SoftKey:Exit', position: 3 },
];
