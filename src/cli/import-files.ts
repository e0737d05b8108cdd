import { stat } from 'node:fs/promises';
import path from 'node:path';
import { prewarmParser, WORKER_MIN_BYTES } from '../billing/mine-file.js';
import { parseCdrFileName } from '../billing/parse-cdr.js';
import { dialectOf } from '../db/knex.js';
import { getFile } from '../db/queries/cdr-files.js';
import { findSiteByCode, upsertSite } from '../db/queries/sites.js';
import { ReceiveError } from '../recorder/spool.js';
import type { Runtime } from '../runtime.js';

/** What `tollgate import --json` prints. */
export interface ImportSummary {
  site: string;
  files: number;
  duplicateFiles: number;
  skippedFiles: number;
  failedFiles: number;
  rows: number;
  stored: number;
  discarded: number;
  duplicates: number;
  errors: Array<{ file: string; error: string }>;
}

const CURRENCY: Record<string, string> = {
  US: 'USD', CA: 'CAD', GB: 'GBP', IE: 'EUR', IT: 'EUR', DE: 'EUR', FR: 'EUR', ES: 'EUR', NL: 'EUR', BE: 'EUR', AT: 'EUR',
  PT: 'EUR', FI: 'EUR', CH: 'CHF', PL: 'PLN', SE: 'SEK', NO: 'NOK', DK: 'DKK', AU: 'AUD', NZ: 'NZD', JP: 'JPY', IN: 'INR',
  BR: 'BRL', MX: 'MXN', AE: 'AED', SA: 'SAR', ZA: 'ZAR', SG: 'SGD',
};

/**
 * `tollgate import`: spools each file as the receivers do (so a file imported twice, or also
 * pushed by CUCM, is mined once), mines them, and sums up. Creates the site when it is missing.
 */
export async function importFiles(rt: Runtime, args: {
  site: string; files: string[]; autoAcquire?: boolean; country?: string; timezone?: string;
}): Promise<ImportSummary> {
  const { db } = rt;
  const now = Math.floor(Date.now() / 1000);
  let site = await findSiteByCode({ db, code: args.site });
  const clusters = [...new Set(args.files.map((f) => parseCdrFileName(path.basename(f))?.clusterId).filter((c): c is string => !!c))];
  if (!site) {
    const country = (args.country ?? 'US').toUpperCase();
    await upsertSite({
      db, now,
      site: {
        code: args.site, name: args.site, country, areaCode: '', timezone: args.timezone ?? 'UTC', currency: CURRENCY[country] ?? 'USD',
        driver: 'cucm', importInternal: true, autoAcquire: Boolean(args.autoAcquire), clusterIds: [], accessCodes: [],
      },
    });
    site = (await findSiteByCode({ db, code: args.site }))!;
    rt.log.info({ site: args.site, country, timezone: args.timezone ?? 'UTC' }, 'site created with defaults');
  }
  const newClusters = [];
  for (const c of clusters) {
    const owner = await db('site_clusters').where({ cluster_id: c }).first('site_id');
    if (!owner) newClusters.push(c);
  }
  if (newClusters.length > 0 || (args.autoAcquire && !site.autoAcquire)) {
    await upsertSite({
      db, now,
      site: { ...site, autoAcquire: site.autoAcquire || Boolean(args.autoAcquire), clusterIds: [...site.clusterIds, ...newClusters] },
    });
  }

  const summary: ImportSummary = {
    site: args.site, files: 0, duplicateFiles: 0, skippedFiles: 0, failedFiles: 0, rows: 0, stored: 0, discarded: 0, duplicates: 0, errors: [],
  };
  const ids: number[] = [];
  // A large file is parsed in a worker thread: start it while the files are copied into the spool.
  for (const file of args.files) {
    if ((await stat(file).then((s) => s.size, () => 0)) >= WORKER_MIN_BYTES) {
      prewarmParser({ rating: rt.config.rating, copyText: dialectOf(rt.db) === 'postgres' });
      break;
    }
  }
  for (const file of args.files) {
    summary.files++;
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new ReceiveError(`${file} is not a file`, 'io');
      const r = await rt.spool.receiveCopy({ file, name: path.basename(file), channel: 'import', site: args.site });
      if (r.status === 'duplicate') {
        // Received before: if an interrupted run left it unfinished, finish it now.
        const prev = await getFile({ db, id: r.fileId });
        if (prev && (prev.status === 'received' || prev.status === 'processing')) ids.push(r.fileId);
        else summary.duplicateFiles++;
      }
      else if (r.status === 'skipped') summary.skippedFiles++;
      else ids.push(r.fileId);
    } catch (err) {
      summary.errors.push({ file, error: (err as Error).message });
    }
  }
  await rt.miner.runUntilIdle(ids);
  // A server sharing the database may have taken some of the files: wait for them.
  for (const id of ids) {
    let f = await getFile({ db, id });
    const deadline = Date.now() + 30 * 60_000;
    while (f && (f.status === 'received' || f.status === 'processing') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      f = await getFile({ db, id });
    }
    if (!f) continue;
    if (f.status === 'failed') {
      summary.failedFiles++;
      summary.errors.push({ file: f.name, error: f.error ?? 'failed' });
    }
    summary.rows += f.rows;
    summary.stored += f.stored;
    summary.discarded += f.discarded;
    summary.duplicates += f.duplicates;
  }
  return summary;
}
