import type { Site } from '../db/queries/sites.js';
import type { CallRater, RatingData } from '../rating/call-rating.js';
import { MEMO_LIMIT, type SiteContext, type SiteUser } from './classify-call.js';

/** Turns a gateway pattern with `*` and `?` into an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** What classification needs to know about a site, as plain data (it crosses to the parser worker). */
export interface SiteContextData {
  site: Pick<Site, 'id' | 'driver' | 'importInternal' | 'autoAcquire' | 'accessCodes'>;
  gateways: Array<{ name: string; match: 'exact' | 'glob'; tariff: string | null }>;
  users: Array<{
    id: number; site_id: number | null; partition: string; extension: string; extension_billing: boolean; fax_extension: string;
    fax_billing: boolean; voicemail_extension: string; voicemail_billing: boolean; devices: string[];
  }>;
  /** Classification and rating; null when rating is off (calls are stored unrated). */
  rating: RatingData | null;
}

/** A site context with its rater (null when rating is off). */
export interface RatedSiteContext extends SiteContext {
  rater: CallRater | null;
}

/**
 * Builds a site's rater. The rating modules (libphonenumber's full metadata, the classifier) are
 * loaded on first use: about 22 MB that a thread which only inserts never needs.
 */
export type RaterFactory = (data: RatingData) => CallRater;

export async function loadRaterFactory(): Promise<RaterFactory> {
  return (await import('../rating/call-rating.js')).buildCallRater;
}

/**
 * Builds the lookup maps of a site context from its data (pure). With rating data, `makeRater`
 * (from `loadRaterFactory`) is required. Throws a RangeError for a bad prefix table or zone.
 */
export function buildSiteContext(data: SiteContextData, makeRater?: RaterFactory): RatedSiteContext {
  const { site, gateways, users } = data;
  type Gw = { name: string; tariff: string | null };
  const exact = new Map<string, Gw>();
  const globs: Array<{ re: RegExp; gw: Gw }> = [];
  for (const g of gateways) {
    const gw = { name: g.name, tariff: g.tariff };
    if (g.match === 'glob') globs.push({ re: globToRegExp(g.name), gw });
    else exact.set(g.name.toLowerCase(), gw);
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
  const gatewayMemo = new Map<string, Gw | null>();
  const deviceMemo = new Map<string, SiteUser | null>();
  return {
    rater: data.rating ? requireFactory(makeRater)(data.rating) : null,
    siteId: site.id,
    driver: site.driver,
    importInternal: site.importInternal,
    autoAcquire: site.autoAcquire,
    accessCodes: [...site.accessCodes].sort((a, b) => b.length - a.length),
    gatewaysConfigured: gateways.length > 0,
    gatewayFor(device) {
      // Device names repeat on every call: the answer is remembered (lower-casing and the glob
      // patterns cost more than the lookup).
      let hit = gatewayMemo.get(device);
      if (hit === undefined) {
        hit = exact.get(device.toLowerCase()) ?? globs.find((g) => g.re.test(device))?.gw ?? null;
        if (gatewayMemo.size >= MEMO_LIMIT) gatewayMemo.clear();
        gatewayMemo.set(device, hit);
      }
      return hit ?? undefined;
    },
    userByLine(partition, line) {
      return byLine.get(key(partition, line)) ?? (partitioned ? byLine.get(key('', line)) : undefined);
    },
    userByDevice(device) {
      let hit = deviceMemo.get(device);
      if (hit === undefined) {
        hit = byDevice.get(device.toLowerCase()) ?? null;
        if (deviceMemo.size >= MEMO_LIMIT) deviceMemo.clear();
        deviceMemo.set(device, hit);
      }
      return hit ?? undefined;
    },
  };
}

function requireFactory(f: RaterFactory | undefined): RaterFactory {
  if (!f) throw new Error('buildSiteContext: rating data needs a rater factory (loadRaterFactory)');
  return f;
}
