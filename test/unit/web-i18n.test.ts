import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/** The portal's translation files: English and Italian complete; the others for the main pages. */
const DIR = path.resolve(import.meta.dirname, '../../web/src/locales');
const load = (lang: string) => JSON.parse(readFileSync(path.join(DIR, `${lang}.json`), 'utf8')) as Record<string, unknown>;

function keys(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix];
  return Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('portal translations', () => {
  const en = keys(load('en')).sort();
  it('Italian has every English key and no other', () => {
    assert.deepEqual(keys(load('it')).sort(), en);
  });
  for (const lang of ['de', 'fr', 'es', 'pl', 'ar']) {
    it(`${lang} covers the main pages (login, password change, home, calls, dashboard)`, () => {
      const have = new Set(keys(load(lang)));
      const main = en.filter((k) => /^(app|nav|login|password|home|calls|kind|levels|dashboard)\./.test(k) && k !== 'app.name');
      const missing = main.filter((k) => !have.has(k));
      assert.deepEqual(missing, []);
      const extra = [...have].filter((k) => !en.includes(k));
      assert.deepEqual(extra, [], 'keys that English does not have');
    });
  }
  const GADGET_MAIN = /^gadget\.(loading|signOut|signin\.(title|username|password|submit|failed)|kind\..+|calls\.(title|period\..+|summary|list|all|reports)|budget\.(title|spent|available|willLock|isLocked)|lock\.(title|locked|unlocked|lock|unlock))$/;
  for (const lang of ['de', 'fr', 'es', 'pl', 'ar']) {
    it(`${lang} covers the gadgets' main strings (sign-in, titles, call kinds, budget, lock)`, () => {
      const have = new Set(keys(load(lang)));
      const main = en.filter((k) => GADGET_MAIN.test(k));
      assert.ok(main.length >= 29, `${main.length} main gadget strings`);
      assert.deepEqual(main.filter((k) => !have.has(k)), []);
    });
  }
  it('keeps the interpolation variables of English', () => {
    const enFlat = Object.fromEntries(keys(load('en')).map((k) => [k, k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], load('en'))]));
    for (const lang of ['it', 'de', 'fr', 'es', 'pl', 'ar']) {
      const data = load(lang);
      for (const k of keys(data)) {
        const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], data) as string;
        const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        assert.deepEqual(vars(v), vars(String(enFlat[k])), `${lang}: ${k}`);
      }
    }
  });
});
