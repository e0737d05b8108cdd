import i18next from 'i18next';
import ar from './locales/ar.json';
import de from './locales/de.json';
import en from './locales/en.json';
import es from './locales/es.json';
import fr from './locales/fr.json';
import it from './locales/it.json';
import pl from './locales/pl.json';

/** Every string of the portal comes from the translation files; English fills any gap. */
export const LANGUAGES = [
  { code: 'en', name: 'English' }, { code: 'it', name: 'Italiano' }, { code: 'de', name: 'Deutsch' }, { code: 'fr', name: 'Français' },
  { code: 'es', name: 'Español' }, { code: 'pl', name: 'Polski' }, { code: 'ar', name: 'العربية' },
] as const;

const RTL = new Set(['ar']);

/** The profile's language, else the browser's, else English. */
export function pickLanguage(profile?: string): string {
  const known = new Set<string>(LANGUAGES.map((l) => l.code));
  const stored = localStorage.getItem('tollgate.lang') ?? '';
  for (const c of [profile ?? '', stored, ...navigator.languages.map((l) => l.slice(0, 2))]) if (known.has(c)) return c;
  return 'en';
}

export async function initI18n(): Promise<void> {
  await i18next.init({
    lng: pickLanguage(),
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    resources: { en: { translation: en }, it: { translation: it }, de: { translation: de }, fr: { translation: fr }, es: { translation: es }, pl: { translation: pl }, ar: { translation: ar } },
  });
  applyDirection();
}

export async function setLanguage(code: string): Promise<void> {
  localStorage.setItem('tollgate.lang', code);
  await i18next.changeLanguage(code);
  applyDirection();
}

function applyDirection(): void {
  document.documentElement.lang = i18next.language;
  document.documentElement.dir = RTL.has(i18next.language) ? 'rtl' : 'ltr';
}

export const t = (key: string, options?: Record<string, unknown>): string => i18next.t(key, options) as string;
export const language = (): string => i18next.language;
