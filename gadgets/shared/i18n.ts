import i18next from 'i18next';
// Only the `gadget` section of the portal's locale files is bundled (named JSON imports).
import { gadget as ar } from '../../web/src/locales/ar.json';
import { gadget as de } from '../../web/src/locales/de.json';
import { gadget as en } from '../../web/src/locales/en.json';
import { gadget as es } from '../../web/src/locales/es.json';
import { gadget as fr } from '../../web/src/locales/fr.json';
import { gadget as it } from '../../web/src/locales/it.json';
import { gadget as pl } from '../../web/src/locales/pl.json';

const RESOURCES = { en, it, de, fr, es, pl, ar } as const;
const RTL = ['ar'];

/** The first known language of the candidates (profile, Jabber or Webex locale, browser), else English. */
export function pickLanguage(candidates: Array<string | null | undefined>): string {
  for (const c of candidates) {
    const code = (c ?? '').slice(0, 2).toLowerCase();
    if (Object.prototype.hasOwnProperty.call(RESOURCES, code)) return code;
  }
  return 'en';
}

export async function initI18n(lang: string): Promise<void> {
  const resources: Record<string, { translation: { gadget: unknown } }> = {};
  for (const [code, gadget] of Object.entries(RESOURCES)) resources[code] = { translation: { gadget } };
  await i18next.init({ lng: lang, fallbackLng: 'en', interpolation: { escapeValue: false }, resources });
  applyDirection();
}

export async function setLanguage(lang: string): Promise<void> {
  await i18next.changeLanguage(lang);
  applyDirection();
}

function applyDirection(): void {
  document.documentElement.lang = i18next.language;
  document.documentElement.dir = RTL.indexOf(i18next.language) >= 0 ? 'rtl' : 'ltr';
}

/** A string of the `gadget` section. */
export const t = (key: string, options?: Record<string, unknown>): string => i18next.t(`gadget.${key}`, options) as string;
export const language = (): string => i18next.language;
