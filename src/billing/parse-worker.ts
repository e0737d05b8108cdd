import { parentPort, workerData } from 'node:worker_threads';
import { FileError, parseCdrFile } from './parse-file.js';
import { buildSiteContext, type SiteContextData } from './site-context.js';

/**
 * Worker thread that parses one large CDR file while the miner's thread commits: it sends a
 * batch, goes on parsing the next, and waits for the previous batch's acknowledgement before it
 * sends again (at most one batch waits in the queue).
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
}

export type FromWorker =
  | { type: 'batch'; json: string }
  | { type: 'done'; headerSeen: boolean; layout: string | null; stopped: boolean }
  | { type: 'error'; message: string; kind: FileError['kind'] | 'internal' };

export type ToWorker = { type: 'ack'; proceed: boolean };

const port = parentPort!;
const job = workerData as ParseJob;
let waiting: ((proceed: boolean) => void) | undefined;
let acked: Promise<boolean> | undefined;

port.on('message', (m: ToWorker) => {
  if (m.type === 'ack') waiting?.(m.proceed);
});

function post(m: FromWorker): void {
  port.postMessage(m);
}

try {
  const result = await parseCdrFile({
    path: job.path, start: job.start, batchSize: job.batchSize, ctx: buildSiteContext(job.ctxData),
    siteId: job.siteId, fileId: job.fileId, clusterId: job.clusterId, now: job.now,
    async onBatch(batch) {
      if (acked && !(await acked)) return false;
      acked = new Promise<boolean>((resolve) => (waiting = resolve));
      post({ type: 'batch', json: JSON.stringify(batch) });
      return true;
    },
  });
  const proceed = acked ? await acked : true;
  post({ type: 'done', headerSeen: result.headerSeen, layout: result.layout, stopped: result.stopped || !proceed });
} catch (err) {
  post({ type: 'error', message: (err as Error).message, kind: err instanceof FileError ? err.kind : 'internal' });
}
