import { create } from 'xmlbuilder2';

/**
 * What an administrator needs to put the gadgets into Jabber and Webex: the `jabber-config.xml`
 * custom-tab snippet (element names from Cisco's Jabber feature guide: `jabber-plugin-config`,
 * `browser-plugin`, `page` with `refresh`/`preload`/`internal`, `tooltip`, `icon`, `url`) and the
 * values of each Webex embedded app (Developer Portal: sidebar app, start page URL, valid domains).
 */

export const GADGETS = [
  { name: 'calls', title: 'Call Analytics' },
  { name: 'budget', title: 'Budget Control' },
  { name: 'lock', title: 'Phone Lock' },
] as const;
export type GadgetName = (typeof GADGETS)[number]['name'];

export interface GadgetConfigHelp {
  baseUrl: string;
  gadgets: Array<{ name: GadgetName; title: string; url: string; jabberUrl: string; icon: string; webexStartPageUrl: string }>;
  jabberConfigXml: string;
  webex: { whereItWorks: string; validDomains: string[]; sidebarBehavior: string; note: string };
}

/** Normalises a base URL (`https://host:port`, optionally with a path prefix); throws a message naming the value. */
export function parseBaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`base URL ${JSON.stringify(raw)} is not a URL (e.g. https://tollgate.example.com:8443)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`base URL ${JSON.stringify(raw)} must start with https:// (or http://)`);
  if (u.search || u.hash) throw new Error(`base URL ${JSON.stringify(raw)} must have no query or fragment`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export function gadgetConfigHelp(baseUrl: string): GadgetConfigHelp {
  const base = parseBaseUrl(baseUrl);
  const gadgets = GADGETS.map((g) => {
    const url = `${base}/gadgets/${g.name}/`;
    // Jabber replaces the ${UserID} token with the signed-in user's name (it only prefills the sign-in).
    return { name: g.name, title: g.title, url, jabberUrl: `${url}?user=\${UserID}`, icon: `${url}icon.png`, webexStartPageUrl: `${url}?host=webex` };
  });
  const doc = create().ele('jabber-plugin-config').ele('browser-plugin');
  for (const g of gadgets) {
    const page = doc.ele('page', { refresh: 'false', preload: 'true', internal: 'true' });
    page.ele('tooltip').txt(g.title);
    page.ele('icon').txt(g.icon);
    page.ele('url').txt(g.jabberUrl);
  }
  const host = new URL(base).hostname;
  return {
    baseUrl: base,
    gadgets,
    jabberConfigXml: doc.end({ headless: true, prettyPrint: true, indent: '  ' }),
    webex: {
      whereItWorks: 'Sidebar',
      validDomains: [host],
      sidebarBehavior: 'always ON',
      note: 'Register one embedded app per gadget (Start Page URL and Sidebar start page URL below, both HTTPS); put the app ids in TOLLGATE_WEBEX_APP_IDS.',
    },
  };
}
