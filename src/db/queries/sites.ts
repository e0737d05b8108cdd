import { dialectOf, type DbOrTx } from '../knex.js';
import type { DbGatewayRow, DbSiteRow } from '../tables.js';

export interface Site {
  id: number;
  code: string;
  name: string;
  country: string;
  areaCode: string;
  timezone: string;
  currency: string;
  driver: 'cucm' | 'cucm-partition';
  importInternal: boolean;
  autoAcquire: boolean;
  clusterIds: string[];
  accessCodes: string[];
  /** Default tariff of outgoing calls; null: outgoing calls are not rated. */
  tariffCode: string | null;
  /** Tariff of internal calls; null: they cost nothing. */
  internalTariffCode: string | null;
  /** Privacy rule: mask the last `privacyDigits` digits of PSTN numbers for viewers below `privacyLevel`. */
  privacyDigits: number;
  privacyLevel: number;
  /** Whether a locked line may still call internal numbers here; null: TOLLGATE_LOCK_ALLOW_INTERNAL. */
  lockAllowInternal: boolean | null;
}

type RatingFields = 'tariffCode' | 'internalTariffCode' | 'privacyDigits' | 'privacyLevel';
/**
 * A site to store; the rating fields default to no tariff and no masking. `lockAllowInternal`:
 * whether a locked line may still call internal numbers at this site (null or absent: the
 * TOLLGATE_LOCK_ALLOW_INTERNAL setting).
 */
export type SiteInput = Omit<Site, 'id' | RatingFields | 'lockAllowInternal'> & Partial<Pick<Site, RatingFields>> & { lockAllowInternal?: boolean | null };

function toSite(row: DbSiteRow, clusterIds: string[], accessCodes: string[]): Site {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    country: row.country,
    areaCode: row.area_code,
    timezone: row.timezone,
    currency: row.currency,
    driver: row.driver,
    importInternal: Boolean(row.import_internal),
    autoAcquire: Boolean(row.auto_acquire),
    clusterIds,
    accessCodes,
    tariffCode: row.tariff_code ?? null,
    internalTariffCode: row.internal_tariff_code ?? null,
    privacyDigits: Number(row.privacy_digits ?? 0),
    privacyLevel: Number(row.privacy_level ?? 8),
    lockAllowInternal: (row as { lock_allow_internal?: boolean | number | null }).lock_allow_internal == null
      ? null : Boolean((row as { lock_allow_internal?: boolean | number | null }).lock_allow_internal),
  };
}

/** Every site with its cluster ids and access codes, ordered by code. */
export async function listSites(options: { db: DbOrTx }): Promise<Site[]> {
  const { db } = options;
  // One after another: `db` may be a transaction, which runs one query at a time.
  const rows = await db<DbSiteRow>('sites').orderBy('code');
  const clusters = await db('site_clusters').select('cluster_id', 'site_id').orderBy('cluster_id');
  const codes = await db('access_codes').select('code', 'site_id').orderBy('code');
  return rows.map((r) =>
    toSite(
      r,
      clusters.filter((c: { site_id: number }) => c.site_id === r.id).map((c: { cluster_id: string }) => c.cluster_id),
      codes.filter((c: { site_id: number }) => c.site_id === r.id).map((c: { code: string }) => c.code),
    ),
  );
}

export async function findSiteByCode(options: { db: DbOrTx; code: string }): Promise<Site | undefined> {
  return (await listSites(options)).find((s) => s.code === options.code);
}

/** The time zone of a user's site, or undefined when the user has no site. */
export async function userSiteTimezone(options: { db: DbOrTx; userId: number }): Promise<string | undefined> {
  const row = await options.db('users as u').join('sites as s', 's.id', 'u.site_id').where('u.id', options.userId).first('s.timezone');
  return row ? String(row.timezone) : undefined;
}

/** The site a CUCM cluster id belongs to. */
export async function findSiteIdByCluster(options: { db: DbOrTx; clusterId: string }): Promise<number | undefined> {
  const row = await options.db('site_clusters').where({ cluster_id: options.clusterId }).first('site_id');
  return row ? Number(row.site_id) : undefined;
}

/** Creates a site or updates the one with the same code; replaces its clusters and access codes. */
export async function upsertSite(options: { db: DbOrTx; site: SiteInput; now: number }): Promise<number> {
  const { db, site, now } = options;
  const values = {
    name: site.name,
    country: site.country,
    area_code: site.areaCode,
    timezone: site.timezone,
    currency: site.currency,
    driver: site.driver,
    import_internal: site.importInternal,
    auto_acquire: site.autoAcquire,
    tariff_code: site.tariffCode ?? null,
    internal_tariff_code: site.internalTariffCode ?? null,
    privacy_digits: site.privacyDigits ?? 0,
    privacy_level: site.privacyLevel ?? 8,
    ...(site.lockAllowInternal !== undefined ? { lock_allow_internal: site.lockAllowInternal } : {}),
  };
  const existing = await db('sites').where({ code: site.code }).first('id');
  let id: number;
  if (existing) {
    id = Number(existing.id);
    await db('sites').where({ id }).update(values);
  } else {
    const [row] = await db('sites').insert({ ...values, code: site.code, created_at: now }).returning('id');
    id = Number(typeof row === 'object' ? row.id : row);
  }
  await db('site_clusters').where({ site_id: id }).delete();
  for (const clusterId of site.clusterIds) {
    await db('site_clusters').where({ cluster_id: clusterId }).delete();
    await db('site_clusters').insert({ cluster_id: clusterId, site_id: id });
  }
  await db('access_codes').where({ site_id: id }).delete();
  if (site.accessCodes.length > 0) {
    await db('access_codes').insert(site.accessCodes.map((code) => ({ site_id: id, code })));
  }
  return id;
}

export interface GatewayInput {
  site: string;
  name: string;
  match: 'exact' | 'glob';
  kind: 'gateway' | 'trunk';
  label: string;
  /** Tariff of calls out through this gateway; null or absent: the site's default. */
  tariff?: string | null;
}

/** Creates or updates a gateway/trunk of a site (unique on site and name). */
export async function upsertGateway(options: { db: DbOrTx; siteId: number; gateway: Omit<GatewayInput, 'site'> }): Promise<void> {
  const { db, siteId, gateway } = options;
  const values = { match: gateway.match, kind: gateway.kind, label: gateway.label, tariff_code: gateway.tariff ?? null };
  const n = await db('gateways').where({ site_id: siteId, name: gateway.name }).update(values);
  if (n === 0) await db('gateways').insert({ ...values, site_id: siteId, name: gateway.name });
}

export async function listGateways(options: { db: DbOrTx; siteId?: number }): Promise<DbGatewayRow[]> {
  const q = options.db<DbGatewayRow>('gateways').orderBy(['site_id', 'name']);
  if (options.siteId !== undefined) q.where({ site_id: options.siteId });
  return q;
}

/** What refers to a site: stored calls, CDR files, discarded rows and users. */
export async function siteReferences(options: { db: DbOrTx; siteId: number }): Promise<{ calls: number; files: number; discarded: number; users: number }> {
  const { db, siteId } = options;
  const count = async (table: string) => Number(((await db(table).where({ site_id: siteId }).count({ n: '*' }).first()) as { n?: unknown } | undefined)?.n ?? 0);
  // One after another: `db` may be a transaction.
  const calls = await count('calls');
  const files = await count('cdr_files');
  const discarded = await count('discarded_rows');
  const users = await count('users');
  return { calls, files, discarded, users };
}

/**
 * Deletes a site with its clusters, access codes, gateways, account codes and prefix table (its
 * users lose their site). The caller checks `siteReferences` first: calls and files block it.
 */
export async function deleteSite(options: { db: DbOrTx; siteId: number }): Promise<boolean> {
  const { db, siteId } = options;
  await db('account_codes').where({ site_id: siteId }).delete();
  await db('prefix_tables').where({ site_id: siteId }).delete();
  await db('gateways').where({ site_id: siteId }).delete();
  await db('access_codes').where({ site_id: siteId }).delete();
  await db('site_clusters').where({ site_id: siteId }).delete();
  await db('users').where({ site_id: siteId }).update({ site_id: null });
  return (await db('sites').where({ id: siteId }).delete()) > 0;
}

/** Deletes a gateway or trunk of a site; false when there was none. */
export async function deleteGateway(options: { db: DbOrTx; siteId: number; name: string }): Promise<boolean> {
  return (await options.db('gateways').where({ site_id: options.siteId, name: options.name }).delete()) > 0;
}

/** Stored calls of a site that left through a gateway name (a glob: * and ? as wildcards). */
export async function countGatewayCalls(options: { db: DbOrTx; siteId: number; name: string; match: 'exact' | 'glob' }): Promise<number> {
  const { db, siteId, name, match } = options;
  const q = db('calls').where({ site_id: siteId });
  if (match === 'glob') {
    const like = name.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
    q.whereRaw(`gateway LIKE ?${dialectOf(db) === 'mssql' ? '' : " ESCAPE '\\'"}`, [like]);
  } else q.where({ gateway: name });
  return Number(((await q.count({ n: '*' }).first()) as { n?: unknown } | undefined)?.n ?? 0);
}
