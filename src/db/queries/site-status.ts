import type { DbOrTx } from '../knex.js';

export interface SiteStatus {
  site: string;
  files: { received: number; done: number; failed: number; pending: number; skipped: number };
  rows: number;
  stored: number;
  duplicates: number;
  discarded: Record<string, number>;
  undefinedExtensions: number;
  lastFileAt: string | null;
  gatewaysConfigured: number;
  /** Calls stored with an account code that is not in the table (at ingest). */
  unknownAccounts: number;
  /** Outgoing calls whose destination was unknown (at ingest). */
  unknownDestinations: number;
  /** The site's default tariff, or null. */
  tariff: string | null;
}

/** Per site: files by status, rows read, calls stored, discarded rows by reason, last file time. */
export async function siteStatus(options: { db: DbOrTx }): Promise<SiteStatus[]> {
  const { db } = options;
  const [sites, files, calls, discards, undef, gateways] = await Promise.all([
    db('sites').select('id', 'code', 'tariff_code').orderBy('code'),
    db('cdr_files').groupBy('site_id', 'status').select('site_id', 'status')
      .count({ n: '*' }).sum({ rows: 'rows' }).sum({ duplicates: 'duplicates' }).max({ last: 'received_at' })
      .sum({ unknown_accounts: 'unknown_accounts' }).sum({ unknown_destinations: 'unknown_destinations' }),
    db('calls').groupBy('site_id').select('site_id').count({ n: '*' }),
    db('discarded_rows').whereNull('resolved_at').groupBy('site_id', 'reason').select('site_id', 'reason').count({ n: '*' }),
    db('discarded_rows').where('reason', 'extension-not-configured').whereNull('resolved_at')
      .groupBy('site_id').select('site_id').countDistinct({ n: 'extension' }),
    db('gateways').groupBy('site_id').select('site_id').count({ n: '*' }),
  ]);
  const num = (v: unknown) => Number(v ?? 0);
  return (sites as Array<{ id: number; code: string; tariff_code: string | null }>).map((s) => {
    const st: SiteStatus = {
      site: s.code,
      files: { received: 0, done: 0, failed: 0, pending: 0, skipped: 0 },
      rows: 0, stored: 0, duplicates: 0, discarded: {}, undefinedExtensions: 0, lastFileAt: null, gatewaysConfigured: 0,
      unknownAccounts: 0, unknownDestinations: 0, tariff: s.tariff_code ?? null,
    };
    let last = 0;
    for (const f of files as Array<Record<string, unknown>>) {
      if (num(f.site_id) !== s.id) continue;
      const n = num(f.n);
      st.files.received += n;
      const status = String(f.status);
      if (status === 'done') st.files.done += n;
      else if (status === 'failed') st.files.failed += n;
      else if (status === 'skipped') st.files.skipped += n;
      else st.files.pending += n;
      st.rows += num(f.rows);
      st.duplicates += num(f.duplicates);
      st.unknownAccounts += num(f.unknown_accounts);
      st.unknownDestinations += num(f.unknown_destinations);
      last = Math.max(last, num(f.last));
    }
    st.lastFileAt = last > 0 ? new Date(last * 1000).toISOString() : null;
    st.stored = num((calls as Array<Record<string, unknown>>).find((c) => num(c.site_id) === s.id)?.n);
    for (const d of discards as Array<Record<string, unknown>>) if (num(d.site_id) === s.id) st.discarded[String(d.reason)] = num(d.n);
    st.undefinedExtensions = num((undef as Array<Record<string, unknown>>).find((u) => num(u.site_id) === s.id)?.n);
    st.gatewaysConfigured = num((gateways as Array<Record<string, unknown>>).find((g) => num(g.site_id) === s.id)?.n);
    return st;
  });
}
