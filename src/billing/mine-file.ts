import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { dialectOf, type Db } from '../db/knex.js';
import { checkpointFile, setFileHeader } from '../db/queries/cdr-files.js';
import { insertCalls } from '../db/queries/insert-calls.js';
import { insertDiscarded } from '../db/queries/insert-discarded.js';
import { relaxCommitDurability } from '../db/queries/relax-commit.js';
import { startCheckpointer } from '../db/sqlite-checkpointer.js';
import { ensureAnonymousUser } from '../db/queries/users.js';
import type { DbCdrFileRow, DbDiscardedRow } from '../db/tables.js';
import { CodeTable, fromWire, setUserId, userIdsOf, utf8Text, type CallBatch } from '../db/call-batch.js';
import { FileError, parseCdrFile, type ParsedBatch } from './parse-file.js';
import type { FromWorker, ParseJob, ToWorker } from './parse-worker.js';
import { freshParseWorkerBundle, withoutTsx } from './parse-worker-bundle.js';
import { buildSiteContext, loadRaterFactory, type SiteContextData } from './site-context.js';

export { FileError } from './parse-file.js';

/**
 * Mines one spooled CDR file into calls and discarded rows. A transaction takes parsed batches up
 * to `batchSize` lines (or one second), and moves the file's checkpoint before it commits, so a
 * process killed at any moment resumes after the last committed line and stores every call
 * exactly once. Files from `WORKER_MIN_BYTES` up are parsed in a worker thread while this thread
 * commits (the two cores each take one half of the work); smaller ones, the one-minute files CUCM
 * sends, are parsed here with no thread start-up delay.
 */

/** Files at least this large are parsed in a worker thread. */
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;

export interface MineResult {
  rows: number;
  stored: number;
  duplicates: number;
  discarded: number;
  layout: string | null;
}

export interface StoredBatch {
  siteId: number;
  fileId: number;
  /** Calls that were new in this batch. */
  stored: number;
  users: Set<number>;
}

export interface MineOptions {
  db: Db;
  log: Logger;
  file: DbCdrFileRow;
  path: string;
  site: { id: number; code: string };
  ctxData: SiteContextData;
  batchSize: number;
  /** Fallback cluster id (from the file name) for rows whose cluster id column is empty. */
  clusterId: string;
  now: () => number;
  leaseUntil: () => number;
  onBatch?: (batch: StoredBatch) => void;
  /**
   * Checked after each parsed batch is inserted: true stops mining (the file resumes later). The
   * batches already on their way from the parser are inserted too, and all are committed.
   */
  shouldStop?: () => boolean;
  /** Force parsing in this thread (true) or in a worker (false); by default by file size. */
  inline?: boolean;
  /** A transaction commits once open this long, even short of `batchSize` lines (default MAX_TRANSACTION_MS). */
  maxTransactionMs?: number;
}

/** Thrown when `shouldStop` asked to stop; what was inserted before is committed. */
export class MiningStopped extends Error {}

/**
 * Lines per parsed batch, the unit the parser sends and the miner inserts. A transaction (with
 * the file's checkpoint) takes many, up to `batchSize` lines: on SQLite each commit writes every
 * page it dirtied to the WAL, and the calls(user_id, start_at) index spreads a batch over one page
 * per user, so a commit of 2,000 lines wrote about as many pages as one of 10,000. A batch stays
 * small enough that the parser's string of its joined texts is an ordinary heap string (under
 * V8's 128 kB large-object size: large objects are freed only by full collections).
 */
export const PARSE_BATCH_LINES = 1000;
/**
 * A transaction commits once it has been open this long, even short of `batchSize` lines: on
 * SQLite the process's other queries wait for the one connection meanwhile.
 */
export const MAX_TRANSACTION_MS = 1000;

/** Discarded rows kept before they are inserted (each holds its raw line, up to 64 kB). */
const DISCARDS_PER_INSERT = 500;

/** Unknown account codes logged one by one per file; the rest are summed up in one warning. */
const MAX_UNKNOWN_ACCOUNT_WARNINGS = 20;

export async function mineFile(o: MineOptions): Promise<MineResult> {
  const { file, site } = o;
  const result: MineResult = { rows: 0, stored: 0, duplicates: 0, discarded: 0, layout: file.layout };
  /** Anonymous users made by automatic acquisition in committed batches of this file. */
  const acquired = new Map<string, number>();
  let unknownLogged = 0;
  /** The transaction in progress: parsed batches inserted, not yet committed. */
  let open: OpenTransaction | undefined;

  async function commit(batch: Omit<ParsedBatch, 'calls'>, calls: CallBatch, copy?: Uint8Array): Promise<void> {
    if (batch.layout) result.layout = batch.layout;
    if (batch.rows === 0 && batch.lastLine <= file.checkpoint_line && batch.header === null) return;
    if (!open) {
      const tx = await o.db.transaction();
      open = {
        tx, openedAt: performance.now(), lastLine: file.checkpoint_line, rows: 0, stored: 0, duplicates: 0, discarded: 0, discards: [],
        unknownDestinations: 0, created: new Map(), users: new Set(), unknownAccounts: [],
      };
      try {
        await relaxCommitDurability({ db: tx });
      } catch (err) {
        await rollback();
        throw err;
      }
    }
    const t = open;
    const { tx } = t;
    try {
      if (batch.header !== null && file.header === null) await setFileHeader({ db: tx, id: file.id, header: batch.header });
      for (const a of batch.acquire) {
        const key = `${a.partition}\u0000${a.line}`;
        let id = acquired.get(key) ?? t.created.get(key);
        if (id === undefined) {
          id = await ensureAnonymousUser({ db: tx, siteId: site.id, siteCode: site.code, partition: a.partition, line: a.line, now: o.now() });
          t.created.set(key, id);
        }
        setUserId(calls, a.index, id);
      }
      const n = await insertCalls({ db: tx, calls, ...(copy ? { copy } : {}) });
      for (const d of batch.discards) t.discards.push(d);
      if (t.discards.length >= DISCARDS_PER_INSERT) await flushDiscards(t);
      t.lastLine = batch.lastLine;
      t.rows += batch.rows;
      t.stored += n;
      t.duplicates += calls.count - n;
      t.discarded += batch.discardedRows;
      t.unknownDestinations += batch.unknownDestinations;
      if (n > 0) for (const u of userIdsOf(calls)) t.users.add(u);
      for (const u of batch.unknownAccounts) t.unknownAccounts.push(u);
    } catch (err) {
      await rollback();
      throw err;
    }
    if (t.rows >= o.batchSize || performance.now() - t.openedAt >= (o.maxTransactionMs ?? MAX_TRANSACTION_MS)) await commitOpen();
  }

  async function flushDiscards(t: OpenTransaction): Promise<void> {
    await insertDiscarded({ db: t.tx, rows: t.discards });
    t.discards = [];
  }

  /**
   * Records the transaction's discarded rows and moves the file's checkpoint past its last line,
   * commits, then counts, logs and reports what it stored. (The checkpoint once per transaction:
   * it is only ever read after a commit.)
   */
  async function commitOpen(): Promise<void> {
    const t = open;
    if (!t) return;
    try {
      await flushDiscards(t);
      await checkpointFile({
        db: t.tx, id: file.id, line: t.lastLine, rows: t.rows, stored: t.stored, duplicates: t.duplicates, discarded: t.discarded,
        layout: result.layout, leaseUntil: o.leaseUntil(), unknownAccounts: t.unknownAccounts.length, unknownDestinations: t.unknownDestinations,
      });
    } catch (err) {
      await rollback();
      throw err;
    }
    open = undefined;
    try {
      await t.tx.commit();
    } catch (err) {
      // Free the connection (SQLite has one) whatever state the failed commit left.
      if (!t.tx.isCompleted()) await t.tx.rollback().catch(() => undefined);
      throw err;
    }
    for (const [k, v] of t.created) acquired.set(k, v);
    for (const u of t.unknownAccounts) {
      if (unknownLogged++ < MAX_UNKNOWN_ACCOUNT_WARNINGS) o.log.warn({ line: u.line, accountCode: u.code }, `unknown account code "${u.code}" at ${file.name}:${u.line}`);
    }
    result.rows += t.rows;
    result.stored += t.stored;
    result.duplicates += t.duplicates;
    result.discarded += t.discarded;
    if (t.stored > 0 && o.onBatch) {
      o.onBatch({ siteId: site.id, fileId: file.id, stored: t.stored, users: t.users });
    }
  }

  async function rollback(): Promise<void> {
    const t = open;
    open = undefined;
    if (t && !t.tx.isCompleted()) await t.tx.rollback().catch(() => undefined);
  }

  const job: ParseJob = {
    path: o.path, start: file.checkpoint_line, batchSize: Math.min(o.batchSize, PARSE_BATCH_LINES), ctxData: o.ctxData, siteId: site.id,
    fileId: file.id, clusterId: o.clusterId, now: o.now(), copyText: dialectOf(o.db) === 'postgres',
  };
  let inline = o.inline;
  if (inline === undefined) {
    const size = await stat(o.path).then((s) => s.size, () => 0);
    inline = size < WORKER_MIN_BYTES;
  }
  let parsed: Parsed;
  // A large file into SQLite: the write-ahead log is checkpointed by a thread of its own meanwhile.
  const checkpointer = inline ? undefined : await startCheckpointer(o.db, o.log);
  try {
    try {
      parsed = inline ? await parseHere(job, commit, o.shouldStop) : await parseInWorker(job, commit, o.shouldStop);
    } catch (err) {
      // The rows read before a file error (a read failure half-way) are good: keep them, as the
      // batches committed before it. Any other error undoes the transaction in progress.
      if (err instanceof FileError && open) await commitOpen();
      else await rollback();
      throw err;
    }
    await commitOpen();
  } finally {
    // Every transaction is committed or rolled back by now: stopping needs the connection. A
    // failure to stop is logged, never put in place of the mining's own result or error.
    await checkpointer?.stop().catch((err: Error) => o.log.warn({ err: err.message }, 'could not stop the WAL checkpoint thread'));
  }
  if (parsed.stopped) throw new MiningStopped('stopped');
  if (result.layout === null && file.checkpoint_line === 0) {
    // An empty file, or one with only the header lines: valid, nothing to bill.
    result.layout = parsed.headerSeen ? 'header-only' : 'empty';
  }
  if (unknownLogged > MAX_UNKNOWN_ACCOUNT_WARNINGS) {
    o.log.warn({ unknownAccountCodes: unknownLogged }, `${unknownLogged} calls of ${file.name} have an unknown account code (the first ${MAX_UNKNOWN_ACCOUNT_WARNINGS} are logged)`);
  }
  o.log.debug({ ...result, inline }, 'file mined');
  return result;
}

/** Batches inserted in the transaction in progress, and what they stored. */
interface OpenTransaction {
  tx: Knex.Transaction;
  openedAt: number;
  /** The file's checkpoint once committed: the last line of the last batch. */
  lastLine: number;
  /** Discarded rows not yet inserted (they are, before the commit, or once there are many). */
  discards: DbDiscardedRow[];
  unknownDestinations: number;
  rows: number;
  stored: number;
  duplicates: number;
  discarded: number;
  /** Anonymous users this transaction created (known to later batches once committed). */
  created: Map<string, number>;
  users: Set<number>;
  unknownAccounts: Array<{ line: number; code: string }>;
}

interface Parsed {
  stopped: boolean;
  headerSeen: boolean;
}

type Commit = (batch: Omit<ParsedBatch, 'calls'>, calls: CallBatch, copy?: Uint8Array) => Promise<void>;

async function parseHere(job: ParseJob, commit: Commit, shouldStop?: () => boolean): Promise<Parsed> {
  const r = await parseCdrFile({
    ...job,
    ctx: buildSiteContext(job.ctxData, job.ctxData.rating ? await loadRaterFactory() : undefined),
    onBatch: async (batch) => {
      await commit(batch, batch.calls.build());
      return !shouldStop?.();
    },
  });
  return { stopped: r.stopped, headerSeen: r.headerSeen };
}

const WORKER_URL = new URL('./parse-worker.boot.mjs', import.meta.url);
/**
 * The worker's young generation: small, its garbage is short-lived. A worker that also writes
 * COPY text (PostgreSQL) makes garbage twice as fast, and in 12 MB much of it lived through two
 * collections, was moved to the old generation and piled up there (peak RSS 287-310 MB at a
 * million rows; with 24 MB, 241-260 MB). On SQLite 24 MB gained nothing.
 */
function workerLimits(copyText: boolean): { maxYoungGenerationSizeMb: number } {
  return { maxYoungGenerationSizeMb: copyText ? 24 : 12 };
}

/** A parser worker started ahead of time, waiting for its job (see ParseJob's copyText). */
let spare: { worker: Worker; copyText: boolean } | undefined;

/**
 * Starts a parser worker now, for the next large file to take: loading the worker's modules
 * takes a few hundred milliseconds, which `tollgate import` spends copying the file into the
 * spool instead. An idle spare does not keep the process alive.
 */
export function prewarmParser(options: { rating: boolean; copyText: boolean }): void {
  if (spare) return;
  const w = newParserWorker({ prewarm: { rating: options.rating } }, options.copyText);
  w.unref();
  const drop = () => {
    if (spare?.worker === w) spare = undefined;
  };
  w.on('error', drop);
  w.on('exit', drop);
  spare = { worker: w, copyText: options.copyText };
}

function startWorker(job: ParseJob): Worker {
  const copyText = job.copyText === true;
  const w = spare?.copyText === copyText ? spare.worker : undefined;
  // threadId turns -1 once a worker has stopped.
  if (w && w.threadId !== -1) {
    spare = undefined;
    w.removeAllListeners('error');
    w.removeAllListeners('exit');
    w.ref();
    w.postMessage({ type: 'job', job } satisfies ToWorker);
    return w;
  }
  return newParserWorker(job, copyText);
}

/**
 * A parser worker: from the bundle when it is up to date (see parse-worker-bundle.ts), without
 * the process's tsx options; otherwise the TypeScript through tsx.
 */
function newParserWorker(workerData: unknown, copyText: boolean): Worker {
  const options = { workerData, resourceLimits: workerLimits(copyText) };
  const bundle = freshParseWorkerBundle();
  if (!bundle) return new Worker(WORKER_URL, options);
  try {
    return new Worker(bundle, { ...options, execArgv: withoutTsx(process.execArgv) });
  } catch (err) {
    // An option of the process that a worker's own list may not hold (a per-process one such as
    // --max-old-space-size): the worker inherits them all instead, as it does by default.
    if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(bundle, options);
  }
}

function parseInWorker(job: ParseJob, commit: Commit, shouldStop?: () => boolean): Promise<Parsed> {
  return new Promise<Parsed>((resolve, reject) => {
    const worker = startWorker(job);
    const codes = new CodeTable();
    let settled = false;
    let chain = Promise.resolve();
    const finish = (err: Error | undefined, value?: Parsed) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (err) reject(err);
      else resolve(value!);
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'batch') {
        chain = chain.then(async () => {
          if (settled) return;
          await commit(JSON.parse(utf8Text(m.meta)) as Omit<ParsedBatch, 'calls'>, fromWire(m.calls, codes), m.copy);
          // Stored: the batch's buffers go back to the parser, which builds later batches in them.
          const buffers = [m.calls.nums.buffer as ArrayBuffer, m.calls.text.buffer as ArrayBuffer, m.meta.buffer as ArrayBuffer];
          if (m.copy) buffers.push(m.copy.buffer as ArrayBuffer);
          worker.postMessage({ type: 'ack', proceed: !shouldStop?.(), buffers } satisfies ToWorker, buffers);
        }).catch((err: Error) => finish(err));
      } else if (m.type === 'done') {
        void chain.then(() => finish(undefined, { stopped: m.stopped, headerSeen: m.headerSeen }));
      } else {
        void chain.then(() => finish(m.kind === 'internal' ? new Error(m.message) : new FileError(m.message, m.kind)));
      }
    });
    // A crash settles only after the batch being committed has finished: settling earlier would let
    // mineFile roll back while that commit is opening a transaction, which would then stay open.
    worker.on('error', (err) => void chain.then(() => finish(err)));
    worker.on('exit', (code) => void chain.then(() => finish(new Error(`CDR parser worker exited with code ${code}`))));
  });
}
