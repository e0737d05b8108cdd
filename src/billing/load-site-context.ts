import type { DbOrTx } from '../db/knex.js';
import { listAccountCodes } from '../db/queries/account-codes.js';
import { getPrefixTable } from '../db/queries/prefix-tables.js';
import { listGateways, type Site } from '../db/queries/sites.js';
import { listTariffs } from '../db/queries/tariffs.js';
import { listUsersForSite } from '../db/queries/users.js';
import type { RatingData } from '../rating/call-rating.js';
import { buildSiteContext, loadRaterFactory, type RatedSiteContext, type SiteContextData } from './site-context.js';

/*
 * A site's context read from the database. Kept apart from site-context.ts, which builds the
 * context and runs in the parser worker: that thread then never loads knex or the queries.
 */

/** Loads the site's gateways, users, tariffs, account codes and prefix table (one set of queries per file). */
export async function loadSiteContextData(options: { db: DbOrTx; site: Site; rating?: boolean }): Promise<SiteContextData> {
  const { db, site } = options;
  const gateways = await listGateways({ db, siteId: site.id });
  const users = await listUsersForSite({ db, siteId: site.id });
  let rating: RatingData | null = null;
  if (options.rating !== false) {
    const codes = new Set<string>();
    for (const c of [site.tariffCode, site.internalTariffCode, ...gateways.map((g) => g.tariff_code)]) if (c) codes.add(c);
    rating = {
      siteId: site.id,
      dialPlan: { country: site.country, areaCode: site.areaCode, accessCodes: site.accessCodes },
      timezone: site.timezone,
      currency: site.currency,
      tariffs: codes.size > 0 ? await listTariffs({ db, codes: [...codes] }) : [],
      defaultTariff: site.tariffCode,
      internalTariff: site.internalTariffCode,
      prefixes: await getPrefixTable({ db, siteId: site.id }),
      accounts: await listAccountCodes({ db, siteId: site.id }),
      userCostCenters: users.filter((u) => u.cost_center !== '').map((u) => [u.id, u.cost_center]),
    };
  }
  return {
    rating,
    site: { id: site.id, driver: site.driver, importInternal: site.importInternal, autoAcquire: site.autoAcquire, accessCodes: site.accessCodes },
    gateways: gateways.map((g) => ({ name: g.name, match: g.match, tariff: g.tariff_code ?? null })),
    users: users.map((u) => ({
      id: u.id, site_id: u.site_id, partition: u.partition, extension: u.extension, extension_billing: Boolean(u.extension_billing),
      fax_extension: u.fax_extension, fax_billing: Boolean(u.fax_billing), voicemail_extension: u.voicemail_extension,
      voicemail_billing: Boolean(u.voicemail_billing), devices: u.devices,
    })),
  };
}

/** Loads a site's context from the database. */
export async function loadSiteContext(options: { db: DbOrTx; site: Site; rating?: boolean }): Promise<RatedSiteContext> {
  const data = await loadSiteContextData(options);
  return buildSiteContext(data, data.rating ? await loadRaterFactory() : undefined);
}
