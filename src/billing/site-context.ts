import type { DbOrTx } from '../db/knex.js';
import { listGateways, type Site } from '../db/queries/sites.js';
import { listUsersForSite } from '../db/queries/users.js';
import type { SiteContext, SiteUser } from './classify-call.js';

/** Turns a gateway pattern with `*` and `?` into an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Loads what classification needs for one site into memory (one set of queries per file). */
export async function loadSiteContext(options: { db: DbOrTx; site: Site }): Promise<SiteContext> {
  const { db, site } = options;
  const [gateways, users] = await Promise.all([listGateways({ db, siteId: site.id }), listUsersForSite({ db, siteId: site.id })]);
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
    const numbers: Array<[string, boolean | number]> = [
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
