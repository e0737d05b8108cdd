import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AUTO_CHECKPOINT_BYTES, dialectOf, type Db } from './knex.js';

/**
 * While a large file is mined into SQLite, a thread of its own checkpoints the write-ahead log
 * (copies its pages back into the database file): measured on a million calls, checkpoints run
 * inside the miner's commits took about a tenth of its thread, which is the one that limits
 * ingest speed. The miner's connection keeps a high automatic checkpoint as a backstop, so the
 * log stays bounded even if the checkpointing thread falls behind or fails.
 */

/** Checkpointing starts once the log file is this large (and then runs at every poll). */
const CHECKPOINT_BYTES = 16 * 1024 * 1024;
const POLL_MS = 100;
/** The backstop while the thread runs: the connection checkpoints by itself past this size. */
const BACKSTOP_BYTES = 256 * 1024 * 1024;

export interface Checkpointer {
  /** Stops the thread and restores the connection's own checkpoint size (needs the connection). */
  stop(): Promise<void>;
}

/** Starts the checkpointing thread for a file-backed SQLite database; undefined for other databases. */
export async function startCheckpointer(db: Db, log: Logger): Promise<Checkpointer | undefined> {
  if (dialectOf(db) !== 'sqlite') return undefined;
  const file = (db.client.config.connection as { filename?: string } | undefined)?.filename;
  if (!file || file === ':memory:') return undefined;
  const pageSize = Number(((await db.raw('PRAGMA page_size')) as Array<{ page_size: number }>)[0]?.page_size) || 4096;
  await db.raw(`PRAGMA wal_autocheckpoint = ${Math.round(BACKSTOP_BYTES / pageSize)}`);
  const worker = new Worker(new URL('./sqlite-checkpoint-worker.mjs', import.meta.url), {
    workerData: { file, minBytes: CHECKPOINT_BYTES, intervalMs: POLL_MS },
    // Plain JavaScript: none of the process's options (under tsx, its TypeScript loader and the
    // loader's own thread, some 10 MB, would start with it for nothing).
    execArgv: [],
  });
  let failed = false;
  const done = new Promise<void>((resolve) => {
    worker.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'error') log.warn({ err: m.message }, 'WAL checkpoint failed (the connection checkpoints by itself)');
    });
    worker.on('error', (err) => {
      failed = true;
      log.warn({ err: err.message }, 'WAL checkpoint thread stopped (the connection checkpoints by itself)');
      resolve();
    });
    worker.on('exit', () => resolve());
  });
  // After the listeners (adding a 'message' listener refs the worker again): an unfinished
  // checkpointer never keeps the process alive.
  worker.unref();
  return {
    async stop() {
      if (!failed) worker.postMessage('stop');
      await done;
      await db.raw(`PRAGMA wal_autocheckpoint = ${Math.round(AUTO_CHECKPOINT_BYTES / pageSize)}`);
    },
  };
}
