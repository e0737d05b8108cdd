import { parseTariff, type Tariff } from '../../rating/tariff.js';
import type { DbOrTx } from '../knex.js';

/** Tariffs as stored: the validated JSON model, one row per tariff code. */

interface DbTariffRow {
  id: number;
  code: string;
  name: string;
  carrier: string;
  currency: string;
  sample: boolean | number;
  definition: string;
  updated_at: number;
}

/** Creates the tariffs or replaces those with the same code. Run it in a transaction for all-or-nothing. */
export async function upsertTariffs(options: { db: DbOrTx; tariffs: readonly Tariff[]; now: number }): Promise<void> {
  const { db, tariffs, now } = options;
  for (const t of tariffs) {
    const values = { name: t.name, carrier: t.carrier, currency: t.currency, sample: t.sample, definition: JSON.stringify(t), updated_at: now };
    const n = await db('tariffs').where({ code: t.code }).update(values);
    if (n === 0) await db('tariffs').insert({ ...values, code: t.code });
  }
}

/** Every tariff, or those with the given codes, ordered by code. */
export async function listTariffs(options: { db: DbOrTx; codes?: readonly string[] }): Promise<Tariff[]> {
  const q = options.db<DbTariffRow>('tariffs').orderBy('code');
  if (options.codes) q.whereIn('code', [...options.codes]);
  const rows = await q;
  return rows.map((r) => parseTariff(JSON.parse(r.definition)));
}

/** Deletes a tariff; false when there was none. */
export async function deleteTariff(options: { db: DbOrTx; code: string }): Promise<boolean> {
  return (await options.db('tariffs').where({ code: options.code }).delete()) > 0;
}

/** Where a tariff is in use: site codes (default or internal) and gateway names. */
export async function tariffUsage(options: { db: DbOrTx; code: string }): Promise<string[]> {
  const { db, code } = options;
  const sites = await db('sites').where({ tariff_code: code }).orWhere({ internal_tariff_code: code }).select('code');
  const gateways = await db('gateways').join('sites', 'sites.id', 'gateways.site_id').where('gateways.tariff_code', code)
    .select('sites.code as site', 'gateways.name as name');
  return [
    ...sites.map((s: { code: string }) => `site ${s.code}`),
    ...gateways.map((g: { site: string; name: string }) => `gateway ${g.site}/${g.name}`),
  ];
}
