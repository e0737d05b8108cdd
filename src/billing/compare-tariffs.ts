import type { Db } from '../db/knex.js';
import { listCallsForRating } from '../db/queries/call-ratings.js';
import { listSites, type Site } from '../db/queries/sites.js';
import { listTariffs } from '../db/queries/tariffs.js';
import { UsageError } from '../errors.js';
import { formatMinorAmount } from '../rating/money.js';
import type { Tariff } from '../rating/tariff.js';
import { loadSiteContext } from './load-site-context.js';
import type { RatedSiteContext } from './site-context.js';

/**
 * `tollgate compare-tariffs`: what the outgoing calls of a period would have cost under other
 * tariffs, next to what they cost now. Stored costs are not changed. Totals per destination type
 * and per current carrier; each call is classified as recalculation would classify it.
 */

export interface ComparisonRow {
  /** `destination_type`, `carrier` or `total`. */
  group: 'destination_type' | 'carrier' | 'total';
  key: string;
  calls: number;
  /** Answered calls' connected seconds. */
  seconds: number;
  /** Current stored cost per currency (minor units); calls not rated count nowhere. */
  current: Record<string, number>;
  /** Cost under each compared tariff, minor units of that tariff's currency, by tariff code. */
  alternatives: Record<string, number>;
}

export interface Comparison {
  tariffs: Array<{ code: string; carrier: string; currency: string }>;
  rows: ComparisonRow[];
}

export async function compareTariffs(options: {
  db: Db; tariffs: readonly string[]; from?: number | undefined; to?: number | undefined; siteCode?: string | undefined; batchSize?: number;
}): Promise<Comparison> {
  const { db } = options;
  if (options.tariffs.length === 0) throw new UsageError('--tariff: name at least one tariff to compare');
  const found = await listTariffs({ db, codes: options.tariffs });
  const missing = options.tariffs.filter((c) => !found.some((t) => t.code === c));
  if (missing.length > 0) throw new UsageError(`--tariff: no tariff ${missing.map((m) => JSON.stringify(m)).join(', ')} (see tollgate tariffs list)`);
  const tariffs = options.tariffs.map((c) => found.find((t) => t.code === c)!) as Tariff[];
  const sites = await listSites({ db });
  let site: Site | undefined;
  if (options.siteCode !== undefined) {
    site = sites.find((s) => s.code === options.siteCode);
    if (!site) throw new UsageError(`--site: no site ${JSON.stringify(options.siteCode)}`);
  }
  const rows = new Map<string, ComparisonRow>();
  const row = (group: ComparisonRow['group'], key: string): ComparisonRow => {
    const id = `${group}\u0000${key}`;
    let r = rows.get(id);
    if (!r) {
      r = { group, key, calls: 0, seconds: 0, current: {}, alternatives: Object.fromEntries(tariffs.map((t) => [t.code, 0])) };
      rows.set(id, r);
    }
    return r;
  };
  const total = row('total', '');
  const contexts = new Map<number, RatedSiteContext | null>();
  let afterId = 0;
  for (;;) {
    const page = await listCallsForRating({
      db, afterId, limit: options.batchSize ?? 5000, from: options.from, to: options.to, siteId: site?.id, outgoingOnly: true,
    });
    const last = page[page.length - 1];
    if (!last) break;
    afterId = last.id;
    for (const call of page) {
      let ctx = contexts.get(call.site_id);
      if (ctx === undefined) {
        const s = sites.find((x) => x.id === call.site_id);
        ctx = s ? await loadSiteContext({ db, site: s }) : null;
        contexts.set(call.site_id, ctx);
      }
      if (!ctx?.rater) continue;
      const dest = ctx.rater.classify(call.direction === 'tandem' ? call.remote_number : call.dialed_number, call.direction);
      const facts = { startAt: call.start_at, durationS: call.duration_s, answered: call.answered };
      const costs = tariffs.map((t) => ctx.rater!.rateWith(t, facts, dest));
      for (const r of [total, row('destination_type', dest.type), row('carrier', String(call.carrier ?? '') || '(not rated)')]) {
        r.calls++;
        if (call.answered) r.seconds += call.duration_s;
        if (call.cost !== null && call.currency !== null) r.current[String(call.currency)] = (r.current[String(call.currency)] ?? 0) + Number(call.cost);
        tariffs.forEach((t, i) => (r.alternatives[t.code] = (r.alternatives[t.code] ?? 0) + costs[i]!));
      }
    }
  }
  const order = { total: 2, destination_type: 0, carrier: 1 } as const;
  return {
    tariffs: tariffs.map((t) => ({ code: t.code, carrier: t.carrier, currency: t.currency })),
    rows: [...rows.values()].sort((a, b) => order[a.group] - order[b.group] || a.key.localeCompare(b.key)),
  };
}

/** The comparison as flat records (CSV columns): amounts as decimals of their currency. */
export function comparisonRecords(c: Comparison): Array<Record<string, string | number>> {
  return c.rows.map((r) => {
    const rec: Record<string, string | number> = {
      group: r.group, key: r.key, calls: r.calls, minutes: (r.seconds / 60).toFixed(1),
      current: Object.entries(r.current).map(([cur, v]) => `${formatMinorAmount(v, cur)} ${cur}`).join(' + ') || '0',
    };
    for (const t of c.tariffs) {
      rec[`${t.code} (${t.currency})`] = formatMinorAmount(r.alternatives[t.code] ?? 0, t.currency);
    }
    return rec;
  });
}
