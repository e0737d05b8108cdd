import type { PrefixEntry } from '../../rating/prefix-table.js';
import type { DbOrTx } from '../knex.js';

/** Sets (or with null entries removes) a site's prefix table. */
export async function setPrefixTable(options: { db: DbOrTx; siteId: number; entries: readonly PrefixEntry[] | null; now: number }): Promise<void> {
  const { db, siteId, entries, now } = options;
  await db('prefix_tables').where({ site_id: siteId }).delete();
  if (entries !== null) await db('prefix_tables').insert({ site_id: siteId, definition: JSON.stringify(entries), updated_at: now });
}

/** A site's prefix table entries, or null when it has none. */
export async function getPrefixTable(options: { db: DbOrTx; siteId: number }): Promise<PrefixEntry[] | null> {
  const row = await options.db('prefix_tables').where({ site_id: options.siteId }).first('definition');
  return row ? (JSON.parse(String(row.definition)) as PrefixEntry[]) : null;
}
