import type { DbOrTx } from '../db/knex.js';
import { listGateways, type Site } from '../db/queries/sites.js';
import { listUsersForSite } from '../db/queries/users.js';
import type { SiteContext, SiteUser } from './classify-call.js';

/** Turns a gateway pattern with `*` and `?` into an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** What classification needs to know about a site, as plain data (it crosses to the parser worker). */
export interface SiteContextData {
  site: Pick<Site, 'id' | 'driver' | 'importInternal' | 'autoAcquire' | 'accessCodes'>;
  gateways: Array<{ name: string; match: 'exact' | 'glob' }>;
  users: Array<{
    id: number; site_id: number | null; partition: string; extension: string; extension_billing: boolean; fax_extension: string;
    fax_billing: boolean; voicemail_extension: string; voicemail_billing: boolean; devices: string[];
  }>;
}

/** Loads the site's gateways and users (one set of queries per file). */
export async function loadSiteContextData(options: { db: DbOrTx; site: Site }): Promise<SiteContextData> {
  const { db, site } = options;
  const gateways = await listGateways({ db, siteId: site.id });
  const users = await listUsersForSite({ db, siteId: site.id });
  return {
    site: { id: site.id, driver: site.driver, importInternal: site.importInternal, autoAcquire: site.autoAcquire, accessCodes: site.accessCodes },
    gateways: gateways.map((g) => ({ name: g.name, match: g.match })),
    users: users.map((u) => ({
      id: u.id, site_id: u.site_id, partition: u.partition, extension: u.extension, extension_billing: Boolean(u.extension_billing),
      fax_extension: u.fax_extension, fax_billing: Boolean(u.fax_billing), voicemail_extension: u.voicemail_extension,
      voicemail_billing: Boolean(u.voicemail_billing), devices: u.devices,
    })),
  };
}

/** Loads a site's context from the database. */
export async function loadSiteContext(options: { db: DbOrTx; site: Site }): Promise<SiteContext> {
  return buildSiteContext(await loadSiteContextData(options));
}

/** Builds the lookup maps of a site context from its data (pure). */
export function buildSiteContext(data: SiteContextData): SiteContext {
  const { site, gateways, users } = data;
  const exact = new Map<string, { name: string }>();
  const globs: Array<{ re: RegExp; gw: { name: string } }> = [];
  for (const g of gateways) {
    if (g.match === 'glob') globs.push({ re: globToRegExp(g.name), gw: { name: g.name } });
    else exact.set(g.name.toLowerCase(), { name: g.name });
  }
  const byLine = new Map<string, SiteUser>();
  const byDevice = new Map<string, SiteUser>();
  const partitioned = site.driver === 'cucm-partition';
  const key = (partition: string, line: string) => (partitioned ? `${partition}\u0000${line}` : line);
  for (const u of users) {
    const numbers: Array<[string, boolean]> = [
      [u.extension, u.extension_billing], [u.fax_extension, u.fax_billing], [u.voicemail_extension, u.voicemail_billing],
    ];
    for (const [line, billing] of numbers) {
      if (line === '') continue;
      const k = key(u.partition, line);
      // A site user wins over a user without a site for the same line.
      if (!byLine.has(k) || u.site_id === site.id) byLine.set(k, { id: u.id, billing: Boolean(billing) });
    }
    for (const d of u.devices) byDevice.set(d.toLowerCase(), { id: u.id, billing: Boolean(u.extension_billing) });
  }
  return {
    siteId: site.id,
    driver: site.driver,
    importInternal: site.importInternal,
    autoAcquire: site.autoAcquire,
    accessCodes: [...site.accessCodes].sort((a, b) => b.length - a.length),
    gatewaysConfigured: gateways.length > 0,
    gatewayFor(device) {
      const hit = exact.get(device.toLowerCase());
      if (hit) return hit;
      for (const g of globs) if (g.re.test(device)) return g.gw;
      return undefined;
    },
    userByLine(partition, line) {
      return byLine.get(key(partition, line)) ?? (partitioned ? byLine.get(key('', line)) : undefined);
    },
    userByDevice(device) {
      return byDevice.get(device.toLowerCase());
    },
  };
}
