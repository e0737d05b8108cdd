import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import {
  advanceRecalc, createRecalc, findRunningRecalc, listCallsForRating, RATING_COLUMNS, updateCallRatings,
  type CallRatingUpdate, type StoredCall,
} from '../db/queries/call-ratings.js';
import { listSites, type Site } from '../db/queries/sites.js';
import { UsageError } from '../errors.js';
import { loadSiteContext } from './load-site-context.js';
import type { RatedSiteContext } from './site-context.js';

/**
 * `tollgate recalculate`: re-classifies and re-rates stored calls after tariffs, account codes,
 * prefix tables or users changed. Each batch of calls and the job's progress commit in one
 * transaction, so a stopped or crashed run resumes where it stopped (run the same command again)
 * and a batch is never applied twice. Account-code masking is applied too (masking is one-way:
 * digits masked once stay masked).
 */

export interface RecalcSelection {
  from?: number | undefined;
  to?: number | undefined;
  siteCode?: string | undefined;
}

export interface RecalcResult {
  jobId: number;
  resumed: boolean;
  processed: number;
  changed: number;
  unknownAccounts: number;
  unknownDestinations: number;
  seconds: number;
}

export async function recalculate(options: RecalcSelection & {
  db: Db; log: Logger; batchSize?: number; now?: () => number; shouldStop?: () => boolean;
}): Promise<RecalcResult> {
  const { db, log } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const batchSize = options.batchSize ?? 5000;
  const t0 = Date.now();
  const sites = await listSites({ db });
  let site: Site | undefined;
  if (options.siteCode !== undefined) {
    site = sites.find((s) => s.code === options.siteCode);
    if (!site) throw new UsageError(`--site: no site ${JSON.stringify(options.siteCode)} (sites: ${sites.map((s) => s.code).join(', ') || 'none'})`);
  }
  const params = JSON.stringify({ from: options.from ?? null, to: options.to ?? null, site: options.siteCode ?? null });
  const running = await findRunningRecalc({ db, params });
  const job = running ?? (await createRecalc({ db, params, now: now() }));
  if (running) log.info({ jobId: job.id, afterCallId: job.lastCallId }, 'resuming recalculation');
  const contexts = new Map<number, RatedSiteContext>();
  const result: RecalcResult = {
    jobId: job.id, resumed: running !== undefined, processed: job.processed, changed: job.changed, unknownAccounts: 0, unknownDestinations: 0, seconds: 0,
  };
  let afterId = job.lastCallId;
  for (;;) {
    const page = await listCallsForRating({ db, afterId, limit: batchSize, from: options.from, to: options.to, siteId: site?.id });
    const last = page[page.length - 1];
    if (!last) break;
    const updates: CallRatingUpdate[] = [];
    for (const call of page) {
      let ctx = contexts.get(call.site_id);
      if (!ctx) {
        const s = sites.find((x) => x.id === call.site_id);
        if (!s) continue; // a call of a deleted site: nothing to rate it with
        ctx = await loadSiteContext({ db, site: s });
        contexts.set(call.site_id, ctx);
      }
      const u = rerate(ctx, call, result);
      if (u) updates.push(u);
    }
    afterId = last.id;
    result.processed += page.length;
    result.changed += updates.length;
    await db.transaction(async (tx) => {
      await updateCallRatings({ db: tx, updates });
      await advanceRecalc({ db: tx, id: job.id, lastCallId: afterId, processed: result.processed, changed: result.changed, now: now() });
    });
    if (options.shouldStop?.()) {
      result.seconds = (Date.now() - t0) / 1000;
      return result;
    }
  }
  await advanceRecalc({ db, id: job.id, lastCallId: afterId, processed: result.processed, changed: result.changed, now: now(), done: true });
  result.seconds = (Date.now() - t0) / 1000;
  log.info({ ...result }, 'recalculation done');
  return result;
}

/** The new rating columns of a stored call, or null when nothing changes. */
function rerate(ctx: RatedSiteContext, call: StoredCall, counts: Pick<RecalcResult, 'unknownAccounts' | 'unknownDestinations'>): CallRatingUpdate | null {
  if (!ctx.rater) return null;
  // The line's owner now (users may have changed); a line nobody owns keeps its user.
  const owner = call.direction !== 'tandem' && call.extension !== '' ? ctx.userByLine(call.partition, call.extension) : undefined;
  const userId = owner?.id ?? call.user_id;
  const r = ctx.rater.rate({
    direction: call.direction, userId, dialedNumber: call.dialed_number, remoteNumber: call.remote_number,
    gatewayTariff: call.gateway !== '' ? ctx.gatewayFor(call.gateway)?.tariff ?? null : null,
    startAt: call.start_at, durationS: call.duration_s, answered: call.answered, accountCode: call.account_code,
  });
  if (r.unknownAccount) counts.unknownAccounts++;
  if (r.unknownDestination) counts.unknownDestinations++;
  const next: CallRatingUpdate = {
    id: call.id, user_id: userId, remote_number: r.remoteNumber, dialed_number: r.dialedNumber, destination_type: r.destinationType,
    nation: r.nation, area: r.area, cost: r.cost, currency: r.currency, carrier: r.carrier, tariff_code: r.tariffCode,
    cost_center: r.costCenter, account_name: r.accountName,
  };
  return RATING_COLUMNS.some((c) => next[c] !== call[c]) ? next : null;
}
