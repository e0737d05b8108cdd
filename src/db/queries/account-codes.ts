import type { AccountCodeRule } from '../../rating/call-rating.js';
import type { DbOrTx } from '../knex.js';

interface DbAccountCodeRow {
  id: number;
  site_id: number;
  code: string;
  description: string;
  privacy_digits: number;
  cost_center: string;
  replace_with_description: boolean | number;
}

const toRule = (r: DbAccountCodeRow): AccountCodeRule => ({
  siteId: Number(r.site_id), code: r.code, description: r.description, privacyDigits: Number(r.privacy_digits),
  costCenter: r.cost_center, replaceWithDescription: Boolean(r.replace_with_description),
});

/** Creates account codes or updates those with the same site and code. */
export async function upsertAccountCodes(options: { db: DbOrTx; codes: readonly AccountCodeRule[] }): Promise<void> {
  const { db, codes } = options;
  for (const c of codes) {
    const values = { description: c.description, privacy_digits: c.privacyDigits, cost_center: c.costCenter, replace_with_description: c.replaceWithDescription };
    const n = await db('account_codes').where({ site_id: c.siteId, code: c.code }).update(values);
    if (n === 0) await db('account_codes').insert({ ...values, site_id: c.siteId, code: c.code });
  }
}

/** The account codes a site uses (its own and the multisite ones), or every code. */
export async function listAccountCodes(options: { db: DbOrTx; siteId?: number }): Promise<AccountCodeRule[]> {
  const q = options.db<DbAccountCodeRow>('account_codes').orderBy(['site_id', 'code']);
  if (options.siteId !== undefined) q.whereIn('site_id', [0, options.siteId]);
  return (await q).map(toRule);
}

/** Deletes one account code; false when there was none. */
export async function deleteAccountCode(options: { db: DbOrTx; siteId: number; code: string }): Promise<boolean> {
  return (await options.db('account_codes').where({ site_id: options.siteId, code: options.code }).delete()) > 0;
}
