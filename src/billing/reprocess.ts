import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { listDiscardedForReprocess, markDiscardedResolved, updateDiscardReason } from '../db/queries/discarded.js';
import { insertCalls } from '../db/queries/insert-calls.js';
import { listSites, type Site } from '../db/queries/sites.js';
import { ensureAnonymousUser } from '../db/queries/users.js';
import { CallBatchBuilder } from '../db/call-batch.js';
import type { LayoutName } from './cdr-layouts.js';
import { LAYOUTS } from './cdr-layouts.js';
import { classifyCdr, DISCARD_TEXT, type DiscardReason } from './classify-call.js';
import { addCall, rateDraft } from './parse-file.js';
import { headerNames, layoutFromHeader, makeDecoder, splitLine, type RowDecoder } from './parse-cdr.js';
import { loadSiteContext } from './load-site-context.js';
import type { RatedSiteContext } from './site-context.js';

/** Reasons that a change of configuration (users, gateways, site options) can cure. */
export const REPROCESSABLE: readonly DiscardReason[] = [
  'extension-not-configured', 'unknown-call-type', 'billing-disabled', 'internal-not-imported',
];

const PAGE = 1000;

export interface ReprocessResult {
  examined: number;
  stored: number;
  stillDiscarded: number;
}

/**
 * Runs unresolved discarded rows through classification again (after users, gateways or site
 * options changed). A row that now yields its call is stored and marked resolved; one that is
 * still discarded keeps its row, with the new reason when it changed. Safe to run again.
 */
export async function reprocessDiscarded(options: {
  db: Db; log: Logger; siteCode?: string; reasons?: readonly string[]; now?: () => number;
}): Promise<ReprocessResult> {
  const { db, log } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const sites = await listSites({ db });
  const site = options.siteCode ? sites.find((s) => s.code === options.siteCode) : undefined;
  if (options.siteCode && !site) throw new Error(`site ${options.siteCode} does not exist`);
  const contexts = new Map<number, RatedSiteContext>();
  const decoders = new Map<string, RowDecoder>();
  const result: ReprocessResult = { examined: 0, stored: 0, stillDiscarded: 0 };
  let afterId = 0;
  for (;;) {
    const page = await listDiscardedForReprocess({
      db, afterId, limit: PAGE, reasons: options.reasons ?? REPROCESSABLE, ...(site ? { siteId: site.id } : {}),
    });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    await db.transaction(async (tx) => {
      const resolved: number[] = [];
      const calls = new CallBatchBuilder();
      for (const d of page) {
        result.examined++;
        const s = sites.find((x) => x.id === d.site_id) as Site;
        let ctx = contexts.get(s.id);
        if (!ctx) {
          ctx = await loadSiteContext({ db: tx, site: s });
          contexts.set(s.id, ctx);
        }
        const decoder = decoderFor(decoders, d.layout, d.header, d.raw);
        if (!decoder) {
          result.stillDiscarded++;
          continue;
        }
        let row;
        try {
          row = decoder.decode(d.raw);
        } catch {
          result.stillDiscarded++;
          continue;
        }
        const c = classifyCdr(row, ctx);
        const call = c.calls.find((x) => x.party === d.party);
        if (!call) {
          const again = c.discards.find((x) => x.party === d.party) ?? c.discards[0];
          if (again && again.reason !== d.reason) {
            await updateDiscardReason({ db: tx, id: d.id, reason: again.reason, detail: `${DISCARD_TEXT[again.reason]}: ${again.detail}` });
          }
          result.stillDiscarded++;
          continue;
        }
        const fallbackCluster = d.cluster_id || s.clusterIds[0] || s.code;
        if (call.userId === null && call.direction !== 'tandem') {
          call.userId = await ensureAnonymousUser({ db: tx, siteId: s.id, siteCode: s.code, partition: call.partition, line: call.line, now: now() });
        }
        addCall(calls, row, call, s.id, d.cdr_file_id, d.line, fallbackCluster, rateDraft(ctx, call));
        resolved.push(d.id);
      }
      result.stored += await insertCalls({ db: tx, calls: calls.build() });
      await markDiscardedResolved({ db: tx, ids: resolved, at: now() });
    });
  }
  log.info({ ...result }, 'reprocessed discarded rows');
  return result;
}

function decoderFor(cache: Map<string, RowDecoder>, layout: string | null, header: string | null, raw: string): RowDecoder | undefined {
  const key = header ?? layout ?? '';
  let d = cache.get(key);
  if (d) return d;
  try {
    if (header) d = makeDecoder(layoutFromHeader(headerNames(header)));
    else if (layout && layout in LAYOUTS) d = makeDecoder(layoutFromHeader(LAYOUTS[layout as LayoutName]));
    else {
      const fields = splitLine(raw).length;
      const name = (Object.keys(LAYOUTS) as LayoutName[]).find((n) => LAYOUTS[n].length === fields);
      if (!name) return undefined;
      d = makeDecoder(layoutFromHeader(LAYOUTS[name]));
      return d;
    }
  } catch {
    return undefined;
  }
  cache.set(key, d);
  return d;
}
