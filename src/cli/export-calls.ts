import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { DbOrTx } from '../db/knex.js';
import { listCallsPage, type CallExportRow } from '../db/queries/list-calls.js';
import { maskDigits } from '../rating/mask.js';

/** Columns of `tollgate calls`, in order (documented in the README). */
export const CALL_EXPORT_COLUMNS = [
  'site', 'direction', 'answered', 'start_utc', 'ring_s', 'duration_s', 'extension', 'partition', 'user', 'department',
  'cost_center', 'remote_number', 'dialed_number', 'gateway', 'destination_type', 'nation', 'area', 'carrier', 'tariff',
  'account_code', 'cost', 'currency', 'redirected', 'transferred', 'conference', 'cluster_id', 'cdr_pkid', 'party', 'cdr_file', 'cdr_line',
] as const;

const PAGE = 5000;

/** A PSTN number under the site's privacy rule (internal numbers are not masked). */
function masked(r: CallExportRow, n: string, mask: boolean): string {
  return mask && r.direction !== 'internal' ? maskDigits(n, r.privacy_digits) : n;
}

function present(r: CallExportRow, json: boolean, mask: boolean): Record<(typeof CALL_EXPORT_COLUMNS)[number], unknown> {
  return {
    site: r.site, direction: r.direction, answered: r.answered, start_utc: new Date(r.start_at * 1000).toISOString(),
    ring_s: r.ring_s, duration_s: r.duration_s, extension: r.extension, partition: r.partition, user: r.user ?? '',
    department: r.department ?? '', cost_center: r.cost_center, remote_number: masked(r, r.remote_number, mask),
    dialed_number: masked(r, r.dialed_number, mask), gateway: r.gateway, destination_type: r.destination_type, nation: r.nation,
    area: r.area, carrier: r.carrier, tariff: r.tariff_code, account_code: r.account_name || r.account_code,
    cost: r.cost === null ? (json ? null : '') : r.cost, currency: r.currency ?? (json ? null : ''), redirected: r.redirected, transferred: r.transferred,
    conference: r.conference, cluster_id: r.cluster_id, cdr_pkid: r.cdr_pkid, party: r.party, cdr_file: r.cdr_file, cdr_line: r.cdr_line,
  };
}

/**
 * Streams every matching call as CSV (header row, RFC 4180) or JSON (an array), page by page,
 * honouring back-pressure of `out`. `cost` is in minor units of `currency` (empty until rated).
 */
export async function writeCalls(options: {
  db: DbOrTx; out: NodeJS.WritableStream; format: 'csv' | 'json'; from?: number | undefined; to?: number | undefined; siteCode?: string | undefined;
  /** Apply each site's privacy rule to the numbers. */
  mask?: boolean;
}): Promise<number> {
  const { db, out, format } = options;
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  let n = 0;
  let afterId = 0;
  const csv = format === 'csv' ? stringify({ header: true, columns: [...CALL_EXPORT_COLUMNS], cast: { boolean: (b) => (b ? 'true' : 'false') } }) : undefined;
  const piped = csv ? (async () => { for await (const chunk of csv) await write(String(chunk)); })() : undefined;
  if (!csv) await write('[');
  for (;;) {
    const page = await listCallsPage({
      db, afterId, limit: PAGE,
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.siteCode !== undefined ? { siteCode: options.siteCode } : {}),
    });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    for (const r of page) {
      const rec = present(r, !csv, options.mask === true);
      if (csv) {
        if (!csv.write(rec)) await once(csv, 'drain');
      } else await write((n === 0 ? '\n' : ',\n') + JSON.stringify(rec));
      n++;
    }
  }
  if (csv) {
    if (n === 0) csv.write(Object.fromEntries(CALL_EXPORT_COLUMNS.map((c) => [c, undefined])));
    csv.end();
    await piped;
  } else await write(n === 0 ? ']\n' : '\n]\n');
  return n;
}
