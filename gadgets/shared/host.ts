/**
 * Where a gadget runs: a Jabber custom tab (`window.external` with Jabber's functions, URL
 * `?user=${UserID}`), a Webex embedded app (URL `?host=webex`, the Embedded App SDK) or a plain
 * browser. Everything is feature-detected, so one page serves all three.
 */

export type Theme = 'light' | 'dark' | 'auto';

interface JabberExternal { GetUserLocale?: () => string; SetNotificationBadge?: (v: string) => void }
interface WebexApp {
  onReady(): Promise<void>;
  listen?(): Promise<void>;
  on?(event: string, cb: (payload: unknown) => void): void;
  application?: { states?: { theme?: string; language?: string; user?: { token?: string } } };
  theme?: string;
  language?: string;
  context?: { getUser?: () => Promise<{ token?: string }> };
}
type WebexGlobal = { Application?: new () => WebexApp };

declare global {
  interface Window { webex?: WebexGlobal; Webex?: WebexGlobal; OnLocaleInfoAvailable?: (locale: string) => void }
}

export const params = new URLSearchParams(location.search);
export const inWebex = params.get('host') === 'webex';

/** The user name Jabber put in the URL (`${UserID}`), unless the token was left unreplaced. */
export function prefilledUser(): string {
  const u = (params.get('user') ?? '').trim();
  return u.indexOf('${') >= 0 ? '' : u;
}

/** Jabber's locale (`en_US`), when the page runs in a Jabber tab. */
export function jabberLocale(): string | undefined {
  try {
    const ext = window.external as unknown as JabberExternal | undefined;
    return ext && typeof ext.GetUserLocale === 'function' ? String(ext.GetUserLocale()) : undefined;
  } catch {
    return undefined;
  }
}

/** `light`/`dark` sets the theme; `auto` follows the system (prefers-color-scheme, in the CSS). */
export function applyTheme(theme: Theme): void {
  document.documentElement.setAttribute('data-theme', theme);
}

export const webexTheme = (v: unknown): Theme => (String(v).toUpperCase() === 'DARK' ? 'dark' : String(v).toUpperCase() === 'LIGHT' ? 'light' : 'auto');

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

/**
 * Inside Webex: starts the Embedded App SDK (served by tollgate at /gadgets/webex-sdk.js), follows
 * its theme event, and returns the signed user token and the app's language and theme.
 */
export async function startWebex(onTheme: (t: Theme) => void): Promise<{ token: string; language: string }> {
  if (!(window.webex && window.webex.Application) && !(window.Webex && window.Webex.Application)) await loadScript('/gadgets/webex-sdk.js');
  const Sdk = window.webex && window.webex.Application ? window.webex : window.Webex;
  if (!Sdk) throw new Error('the Webex Embedded App SDK is not available');
  const app = new Sdk.Application!();
  await app.onReady();
  const states = (app.application && app.application.states) || {};
  onTheme(webexTheme(states.theme ?? app.theme));
  if (app.listen && app.on) {
    await app.listen();
    app.on('application:themeChanged', (t) => onTheme(webexTheme(t)));
  }
  let token = states.user && states.user.token;
  if (!token && app.context && app.context.getUser) token = (await app.context.getUser()).token;
  return { token: token ?? '', language: states.language ?? app.language ?? '' };
}
