import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, copyBytesOf, utf8Bytes, type CallBatchWire } from '../db/call-batch.js';
import { FileError, parseCdrFile } from './parse-file.js';
import { buildSiteContext, loadRaterFactory, type SiteContextData } from './site-context.js';

/**
 * Worker thread that parses one large CDR file while the miner's thread inserts and commits: it
 * sends each batch (numbers, texts and the rest as JSON, each in a transferred buffer; for
 * PostgreSQL also its COPY text as bytes) and goes on parsing; at most MAX_IN_FLIGHT batches are
 * on their way at a time.
 */

export interface ParseJob {
  path: string;
  start: number;
  batchSize: number;
  ctxData: SiteContextData;
  siteId: number;
  fileId: number;
  clusterId: string;
  now: number;
  /**
   * Also send each batch in PostgreSQL's COPY text format, made here rather than in the miner's
   * thread, whose turn it then is only to pass it on (the server's work and this thread's overlap).
   * Not for a batch whose users automatic acquisition must first create.
   */
  copyText?: boolean;
}

export type FromWorker =
  /** `meta`: the batch but its calls, as JSON in UTF-8 (bytes, for the reason CallBatchWire gives). */
  | { type: 'batch'; meta: Uint8Array; calls: CallBatchWire; copy?: Uint8Array }
  | { type: 'done'; headerSeen: boolean; layout: string | null; stopped: boolean }
  | { type: 'error'; message: string; kind: FileError['kind'] | 'internal' };

/** An ack hands back the batch's buffers (transferred), for the parser to build later batches in. */
export type ToWorker = { type: 'ack'; proceed: boolean; buffers: ArrayBuffer[] } | { type: 'job'; job: ParseJob };

const port = parentPort!;
/** How much lower than the process this thread runs (nice levels). */
const PARSER_NICENESS = 5;
lowerThreadPriority();

/**
 * Linux: this thread yields to the miner's thread when both want a core. The miner's thread,
 * which writes to the database, is the one that limits ingest; the parser has time to spare
 * (it waits for the miner most of the time) and only needs to keep ahead of it.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + PARSER_NICENESS));
  } catch {
    // Not Linux, or not allowed: the same priority as the miner.
  }
}
// A worker started ahead of time (see prewarmParser in mine-file.ts) loads the rating modules
// (libphonenumber's metadata, half a second) while it waits for its job.
const spare = (workerData as { prewarm?: { rating: boolean } } | null)?.prewarm;
const raterFactory = spare?.rating ? loadRaterFactory() : undefined;
raterFactory?.catch(() => undefined);
const job = !spare ? (workerData as ParseJob) : (await new Promise<ParseJob>((resolve) => {
  const take = (m: ToWorker) => {
    if (m.type !== 'job') return;
    port.off('message', take);
    resolve(m.job);
  };
  port.on('message', take);
}));
/**
 * Batches sent and not yet committed (about 1,000 lines, 0.3–0.7 MB each). Sixteen let the parser
 * run on through a commit of the miner's thread on SQLite (a WAL checkpoint can take a few hundred
 * milliseconds) instead of stopping and leaving a core idle; PostgreSQL's commits are short, and
 * its batches twice as large (their COPY text too), so eight.
 */
const MAX_IN_FLIGHT = job.copyText ? 8 : 16;
let inFlight = 0;
let proceed = true;
let wake: (() => void) | undefined;
// Each batch travels in up to four buffers: numbers, texts, the rest as JSON, COPY text.
const buffers = new BufferPool(4 * MAX_IN_FLIGHT);

port.on('message', (m: ToWorker) => {
  if (m.type !== 'ack') return;
  for (const b of m.buffers) buffers.give(b);
  inFlight--;
  if (!m.proceed) proceed = false;
  wake?.();
});

function post(m: FromWorker): void {
  port.postMessage(m);
}

async function drain(limit: number): Promise<void> {
  while (inFlight > limit) await new Promise<void>((resolve) => (wake = resolve));
}

try {
  const result = await parseCdrFile({
    path: job.path, start: job.start, batchSize: job.batchSize, ctx: buildSiteContext(job.ctxData, job.ctxData.rating ? await (raterFactory ?? loadRaterFactory()) : undefined),
    siteId: job.siteId, fileId: job.fileId, clusterId: job.clusterId, now: job.now, buffers,
    async onBatch(batch) {
      await drain(MAX_IN_FLIGHT - 1);
      if (!proceed) return false;
      inFlight++;
      const copy = job.copyText && batch.acquire.length === 0 ? copyBytesOf(batch.calls.build(), buffers) : undefined;
      const calls = batch.calls.wire();
      const meta = utf8Bytes(JSON.stringify({ ...batch, calls: null }), buffers);
      const transfer = [calls.nums.buffer as ArrayBuffer, calls.text.buffer as ArrayBuffer, meta.buffer as ArrayBuffer];
      if (copy) transfer.push(copy.buffer as ArrayBuffer);
      port.postMessage({ type: 'batch', meta, calls, ...(copy ? { copy } : {}) } satisfies FromWorker, transfer);
      return true;
    },
  });
  await drain(0);
  post({ type: 'done', headerSeen: result.headerSeen, layout: result.layout, stopped: result.stopped || !proceed });
} catch (err) {
  post({ type: 'error', message: (err as Error).message, kind: err instanceof FileError ? err.kind : 'internal' });
}
