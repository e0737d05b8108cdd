import { mkdir, rename, writeFile } from 'node:fs/promises';
import { pathExists } from '../fs-utils.js';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { claimNextFile, expireLease, finishFile, listLeases } from '../db/queries/cdr-files.js';
import { listSites } from '../db/queries/sites.js';
import type { DbCdrFileRow } from '../db/tables.js';
import type { Spool } from '../recorder/spool.js';
import { parseCdrFileName } from './parse-cdr.js';
import { FileError, mineFile, MiningStopped, type MineResult, type StoredBatch } from './mine-file.js';
import { loadSiteContextData } from './load-site-context.js';

/**
 * The miner: takes received files from the spool one at a time (oldest first), mines them, and
 * moves each to `done/` or `failed/`. A loop in the server; `runUntilIdle()` for the CLI.
 * Shaped like Backstage's TaskPipeline: no framework, a `stop()` that lets the batch in flight
 * commit first.
 */

export interface MinerOptions {
  db: Db;
  log: Logger;
  spool: Spool;
  batchSize: number;
  pollMs: number;
  /** Seconds a claimed file stays ours without a checkpoint. */
  leaseSeconds?: number;
  /** Classify and rate calls (default true); false stores them unrated. */
  rating?: boolean;
  now?: () => number;
  onBatch?: (batch: StoredBatch) => void;
  onFile?: (file: DbCdrFileRow, result: MineResult | { error: string }) => void;
}

export type Miner = ReturnType<typeof createMiner>;

export function createMiner(o: MinerOptions) {
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseSeconds = o.leaseSeconds ?? 120;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  const log = o.log.child({ component: 'miner' });
  let stopping = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let lastError: string | undefined;

  /** Frees the leases of files left `processing` by a process of this host that no longer runs. */
  async function releaseDeadLeases(): Promise<void> {
    for (const lease of await listLeases({ db: o.db })) {
      const [host, pid] = (lease.lease_owner ?? '').split(':');
      if (host === hostname() && pid && !isAlive(Number(pid))) {
        await expireLease({ db: o.db, id: lease.id });
        log.warn({ fileId: lease.id, owner: lease.lease_owner }, 'resuming a file left by a process that stopped');
      }
    }
  }

  /** Mines one claimed file. Returns false when there was none. */
  async function step(onlyId?: number): Promise<boolean> {
    const file = await claimNextFile({ db: o.db, owner, now: now(), leaseUntil: now() + leaseSeconds, ...(onlyId !== undefined ? { onlyId } : {}) });
    if (!file) return false;
    const flog = log.child({ file: file.name, fileId: file.id, sha256: file.sha256 });
    const site = (await listSites({ db: o.db })).find((s) => s.id === file.site_id);
    if (!site) throw new Error(`site ${file.site_id} of file ${file.id} is gone`);
    const current = o.spool.abs(file.spool_path);
    const doneDir = o.spool.siteDir(site.code, 'done');
    const target = path.join(doneDir, path.basename(current));
    // A crash after the move to done/ and before the status update leaves the file there.
    const source = (await pathExists(current)) ? current : (await pathExists(target)) ? target : undefined;
    if (!source) {
      await finishFile({ db: o.db, id: file.id, status: 'failed', spoolPath: file.spool_path, finishedAt: now(), error: 'the spooled file is missing' });
      flog.error('spooled file is missing; marked failed');
      o.onFile?.(file, { error: 'missing' });
      return true;
    }
    try {
      const ctxData = await loadSiteContextData({ db: o.db, site, rating: o.rating !== false });
      const result = await mineFile({
        db: o.db, log: flog, file, path: source, site, ctxData, batchSize: o.batchSize,
        clusterId: parseCdrFileName(file.name)?.clusterId ?? site.clusterIds[0] ?? site.code,
        now, leaseUntil: () => now() + leaseSeconds,
        ...(o.onBatch ? { onBatch: o.onBatch } : {}),
        shouldStop: () => stopping,
      });
      if (source !== target) {
        await mkdir(doneDir, { recursive: true });
        await rename(source, target);
      }
      await finishFile({ db: o.db, id: file.id, status: 'done', spoolPath: o.spool.rel(target), finishedAt: now() });
      flog.info({ ...result }, 'CDR file mined');
      o.onFile?.(file, result);
      lastError = undefined;
    } catch (err) {
      if (err instanceof MiningStopped) {
        await expireLease({ db: o.db, id: file.id });
        flog.info('stopped after a committed transaction; the file resumes at the next start');
        return false;
      }
      if (!(err instanceof FileError)) {
        // Database or programming error: leave the file to be retried, do not fail it.
        lastError = (err as Error).message;
        await expireLease({ db: o.db, id: file.id }).catch(() => undefined);
        throw err;
      }
      if (err.kind === 'cmr') {
        // A CMR file under a CDR name: kept with the other files, never billed.
        await mkdir(doneDir, { recursive: true });
        if (source !== target) await rename(source, target);
        await finishFile({ db: o.db, id: file.id, status: 'skipped', spoolPath: o.spool.rel(target), finishedAt: now(), error: err.message });
        flog.info('CMR content in a CDR file: stored, not billed');
        o.onFile?.(file, { error: err.message });
        return true;
      }
      const failedDir = o.spool.siteDir(site.code, 'failed');
      await mkdir(failedDir, { recursive: true });
      const failed = path.join(failedDir, path.basename(source));
      await rename(source, failed);
      const report = `file: ${file.name}\nsha256: ${file.sha256}\nsize: ${file.size}\nreceived: ${new Date(file.received_at * 1000).toISOString()}\nerror: ${err.message}\n`;
      await writeFile(`${failed}.error.txt`, report);
      await finishFile({ db: o.db, id: file.id, status: 'failed', spoolPath: o.spool.rel(failed), finishedAt: now(), error: err.message });
      flog.warn({ error: err.message }, 'CDR file could not be mined; moved to failed/');
      o.onFile?.(file, { error: err.message });
    }
    return true;
  }

  /** Mines every waiting file, then returns (the CLI's mode). */
  async function runUntilIdle(onlyIds?: number[]): Promise<void> {
    await releaseDeadLeases();
    if (onlyIds) {
      for (const id of onlyIds) await step(id);
      return;
    }
    while (!stopping && (await step())) {
      /* next */
    }
  }

  async function loop(): Promise<void> {
    await releaseDeadLeases();
    while (!stopping) {
      let worked = false;
      try {
        worked = await step();
      } catch (err) {
        log.error({ err }, 'miner error; retrying shortly');
      }
      if (stopping) break;
      if (!worked) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, o.pollMs);
        });
        wake = undefined;
      }
    }
  }

  return {
    owner,
    start(): void {
      stopping = false;
      running ??= loop().finally(() => {
        running = undefined;
      });
    },
    /** Wakes the loop now (a receiver accepted a file). */
    kick(): void {
      if (timer) clearTimeout(timer);
      wake?.();
    },
    /** Lets the batch in flight commit, then stops. */
    async stop(): Promise<void> {
      stopping = true;
      this.kick();
      await running;
    },
    runUntilIdle,
    get running(): boolean {
      return running !== undefined;
    },
    get lastError(): string | undefined {
      return lastError;
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
